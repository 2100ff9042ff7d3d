//! Accounts, login, throttling, sessions, roles, MFA and import, on both databases.

mod common;

use std::collections::BTreeSet;

use common::{PASSWORD, account, admin, audit_count, env, env_with};
use egov_auth::password::PasswordRejection;
use egov_auth::{AccountStatus, AuthSettings, Error, NewAccount, Resumed, Role, totp};
use egov_core::actor::{Actor, Permission};
use time::Duration;

fn new_account(login_id: &str, password: &str) -> NewAccount {
    NewAccount {
        login_id: login_id.into(),
        display_name: "Kim Minsu".into(),
        email: None,
        password: password.into(),
        roles: BTreeSet::new(),
    }
}

egov_db::backend_tests! {
    async fn an_access_token_must_name_a_live_session_of_its_own_account(db) {
        use egov_core::clock::Clock as _;
        let env = env(db).await;
        let alice = account(&env, "alice").await;
        account(&env, "bob").await;
        let context = Actor::anonymous();
        let alices = env.auth.login(&context, "alice", PASSWORD, None).await.unwrap();
        let bobs = env.auth.login(&context, "bob", PASSWORD, None).await.unwrap();
        // Validly signed (the configured key), but naming bob's session, or none.
        let ring = egov_auth::keys::Keyring::from_settings(&AuthSettings::default()).unwrap();
        let now = env.clock.now();
        for sid in [bobs.session_id.as_str(), "no-such-session", ""] {
            let (forged, _) = ring.issue(alice.id, sid, now).unwrap();
            assert!(
                matches!(env.auth.authenticate(&forged).await, Err(Error::InvalidToken(_))),
                "sid {sid:?} accepted"
            );
        }
        // Her own session: accepted, also in a token issued after the cache was loaded.
        let (own, _) = ring.issue(alice.id, &alices.session_id, now).unwrap();
        assert_eq!(env.auth.authenticate(&own).await.unwrap().account_id, alice.id);
        let again = env.auth.login(&context, "alice", PASSWORD, None).await.unwrap();
        assert!(env.auth.authenticate(&again.access_token).await.is_ok());
        // After logout the session is not live: its tokens stop at once.
        env.auth.logout(&context, alice.id, &alices.session_id).await.unwrap();
        assert!(env.auth.authenticate(&own).await.is_err());
        env.audit.shutdown().await;
    }

    async fn accounts_passwords_and_login(db) {
        let env = env(db).await;
        for (password, expected) in [
            ("short password", PasswordRejection::TooShort { min: 15 }),
            ("kim.minsu-is-logging-in", PasswordRejection::ContainsContextWord),
            ("my egov-rs password", PasswordRejection::ContainsContextWord),
            ("aaaaaaaaaaaaaaaaaaaa", PasswordRejection::Repetitive),
        ] {
            match env.auth.create_account(&admin(), new_account("kim.minsu", password)).await {
                Err(Error::PasswordRejected(r)) => assert_eq!(r, expected, "{password}"),
                other => panic!("{password}: {other:?}"),
            }
        }
        let created = account(&env, "kim.minsu").await;
        assert_eq!(created.status, AccountStatus::Active);
        assert!(matches!(
            env.auth.create_account(&admin(), new_account("kim.minsu", PASSWORD)).await,
            Err(Error::Conflict(_))
        ));
        let context = Actor::anonymous();
        let session = env.auth.login(&context, "kim.minsu", PASSWORD, None).await.unwrap();
        let who = env.auth.authenticate(&session.access_token).await.unwrap();
        assert_eq!(who.account_id, created.id);
        for (login, password) in [("kim.minsu", "wrong password here"), ("nobody", PASSWORD)] {
            assert!(matches!(
                env.auth.login(&context, login, password, None).await,
                Err(Error::InvalidCredentials)
            ));
        }
        assert_eq!(audit_count(&env.db, "login").await, 1);
        assert_eq!(audit_count(&env.db, "login_failed").await, 2);
        let stored: (String,) = sqlx::query_as("SELECT password_hash FROM egov_auth_accounts WHERE login_id = 'kim.minsu'")
            .fetch_one(env.db.pool()).await.unwrap();
        assert!(stored.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        env.audit.shutdown().await;
    }

    async fn throttle_delays_then_locks_then_disables(db) {
        let settings = AuthSettings {
            free_failures: 1,
            lock_after_failures: 3,
            disable_after_failures: 6,
            lock_secs: 600,
            ..AuthSettings::default()
        };
        let env = env_with(db, settings).await;
        let created = account(&env, "lee").await;
        let ctx = Actor::anonymous();
        let fail = |_: ()| env.auth.login(&ctx, "lee", "not the right password", None);
        assert!(fail(()).await.is_err()); // 1: free
        assert!(fail(()).await.is_err()); // 2: delay 1 s
        // During the delay even the right password is refused.
        assert!(matches!(env.auth.login(&ctx, "lee", PASSWORD, None).await, Err(Error::InvalidCredentials)));
        env.clock.advance(Duration::seconds(2));
        assert!(fail(()).await.is_err()); // 3: timed lock
        assert_eq!(audit_count(&env.db, "account_lock").await, 1);
        env.clock.advance(Duration::seconds(300));
        assert!(env.auth.login(&ctx, "lee", PASSWORD, None).await.is_err(), "locked for 600 s");
        env.clock.advance(Duration::seconds(301));
        // After the lock, the right password works and resets the count.
        env.auth.login(&ctx, "lee", PASSWORD, None).await.unwrap();
        assert_eq!(env.auth.account(created.id).await.unwrap().failed_count, 0);
        for _ in 0..6 {
            assert!(fail(()).await.is_err());
            env.clock.advance(Duration::seconds(3600));
        }
        let locked = env.auth.account(created.id).await.unwrap();
        assert_eq!(locked.status, AccountStatus::Locked);
        assert!(env.auth.login(&ctx, "lee", PASSWORD, None).await.is_err());
        env.auth.unlock(&admin(), created.id).await.unwrap();
        env.auth.login(&ctx, "lee", PASSWORD, None).await.unwrap();
        assert_eq!(audit_count(&env.db, "account_unlock").await, 1);
        assert!(audit_count(&env.db, "login_failed").await >= 10);
        env.audit.shutdown().await;
    }

    async fn re_authentication_shares_the_login_throttle(db) {
        let settings = AuthSettings {
            free_failures: 1,
            lock_after_failures: 3,
            disable_after_failures: 6,
            lock_secs: 600,
            ..AuthSettings::default()
        };
        let env = env_with(db, settings).await;
        let created = account(&env, "park").await;
        let ctx = Actor::anonymous();
        let new_password = "a brand new passphrase 2026";
        // A stolen session guessing the current password: counted as failed logins.
        for _ in 0..3 {
            assert!(matches!(
                env.auth.change_password(&ctx, created.id, "a wrong guess of it", new_password).await,
                Err(Error::WrongPassword)
            ));
            env.clock.advance(Duration::seconds(2));
        }
        assert_eq!(env.auth.account(created.id).await.unwrap().failed_count, 3);
        assert_eq!(audit_count(&env.db, "account_lock").await, 1);
        // Locked: even the right current password is refused, and so is login.
        assert!(env.auth.change_password(&ctx, created.id, PASSWORD, new_password).await.is_err());
        assert!(env.auth.login(&ctx, "park", PASSWORD, None).await.is_err());
        env.clock.advance(Duration::seconds(601));
        // After the lock the right password works, and a right re-authentication
        // does not clear failures counted by others.
        env.auth.change_password(&ctx, created.id, PASSWORD, new_password).await.unwrap();
        env.auth.login(&ctx, "park", new_password, None).await.unwrap();
        env.audit.shutdown().await;
    }

    async fn refresh_rotation_reuse_idle_and_absolute_limits(db) {
        let env = env(db).await;
        account(&env, "park").await;
        let ctx = Actor::anonymous();
        let first = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        let second = env.auth.refresh(&ctx, &first.refresh_token).await.unwrap();
        assert_ne!(first.refresh_token, second.refresh_token);
        assert_eq!(first.session_id, second.session_id);
        // Reuse of the first token revokes the family: the second dies too.
        assert!(matches!(env.auth.refresh(&ctx, &first.refresh_token).await, Err(Error::InvalidRefreshToken(_))));
        assert!(matches!(env.auth.refresh(&ctx, &second.refresh_token).await, Err(Error::InvalidRefreshToken(_))));
        assert!(matches!(env.auth.authenticate(&second.access_token).await, Err(Error::InvalidToken(_))));
        assert_eq!(audit_count(&env.db, "token_family_revoke").await, 1);

        // Idle limit: 30 minutes.
        let s = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        env.clock.advance(Duration::minutes(31));
        assert!(env.auth.refresh(&ctx, &s.refresh_token).await.is_err());
        // Absolute limit: 12 hours, however often the session is refreshed.
        let mut s = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        for _ in 0..35 {
            env.clock.advance(Duration::minutes(20));
            s = env.auth.refresh(&ctx, &s.refresh_token).await.unwrap();
        }
        env.clock.advance(Duration::minutes(20));
        assert!(env.auth.refresh(&ctx, &s.refresh_token).await.is_err());
        assert!(env.auth.refresh(&ctx, "not-a-token").await.is_err());
        env.audit.shutdown().await;
    }

    async fn a_page_resume_tolerates_concurrent_tabs_for_a_few_seconds_only(db) {
        let env = env(db).await; // page_resume_grace_secs = 10
        account(&env, "park").await;
        let ctx = Actor::anonymous();
        let first = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        let Resumed::Rotated(second) = env.auth.resume(&ctx, &first.refresh_token).await.unwrap() else {
            panic!("an unused refresh token is rotated");
        };
        assert_eq!(second.session_id, first.session_id);
        // Another tab with the old cookie, 5 s later: an access token of the
        // same session, nothing revoked, no new refresh token.
        env.clock.advance(Duration::seconds(5));
        let Resumed::Concurrent(grant) = env.auth.resume(&ctx, &first.refresh_token).await.unwrap() else {
            panic!("a token rotated 5 s ago is a concurrent tab");
        };
        assert_eq!((grant.account_id, grant.session_id.as_str()), (second.account_id, second.session_id.as_str()));
        assert!(env.auth.authenticate(&grant.access_token).await.is_ok());
        assert_eq!(audit_count(&env.db, "token_family_revoke").await, 0);
        // The API's refresh allows no such grace: the same copy there is a reuse…
        let api = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        env.auth.refresh(&ctx, &api.refresh_token).await.unwrap();
        assert!(matches!(env.auth.refresh(&ctx, &api.refresh_token).await, Err(Error::InvalidRefreshToken("reused"))));
        assert_eq!(audit_count(&env.db, "token_family_revoke").await, 1);
        // …and so is the page's old copy once the grace is over: the session ends.
        env.clock.advance(Duration::seconds(6));
        assert!(matches!(env.auth.resume(&ctx, &first.refresh_token).await, Err(Error::InvalidRefreshToken("reused"))));
        assert!(env.auth.resume(&ctx, &second.refresh_token).await.is_err());
        assert!(env.auth.authenticate(&grant.access_token).await.is_err());
        assert_eq!(audit_count(&env.db, "token_family_revoke").await, 2);
        // A grace of 0 turns it off.
        let strict = env_with(env.db.clone(), AuthSettings { page_resume_grace_secs: 0, ..AuthSettings::default() }).await;
        let s = strict.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        strict.auth.resume(&ctx, &s.refresh_token).await.unwrap();
        assert!(strict.auth.resume(&ctx, &s.refresh_token).await.is_err());
        strict.audit.shutdown().await;
        env.audit.shutdown().await;
    }

    async fn an_access_token_says_when_its_session_ends_if_idle(db) {
        use egov_core::clock::Clock as _;
        let env = env(db).await; // idle 30 min, absolute 12 h, page grace 10 s
        account(&env, "park").await;
        let ctx = Actor::anonymous();
        let ends = async |token: &str| env.auth.authenticate(token).await.unwrap().session_expires_at;
        // Login: the idle end of the session's first refresh token.
        let start = env.clock.now();
        let s = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        assert_eq!(ends(&s.access_token).await, Some(start + Duration::minutes(30)));
        assert_eq!(s.refresh_expires_in, 30 * 60);
        // Each rotation moves it to 30 minutes from then: the API's refresh…
        env.clock.advance(Duration::minutes(20));
        let s = env.auth.refresh(&ctx, &s.refresh_token).await.unwrap();
        assert_eq!(ends(&s.access_token).await, Some(start + Duration::minutes(50)));
        // …and a page's renewal.
        env.clock.advance(Duration::minutes(20));
        let Resumed::Rotated(rotated) = env.auth.resume(&ctx, &s.refresh_token).await.unwrap() else {
            panic!("an unused refresh token is rotated");
        };
        assert_eq!(ends(&rotated.access_token).await, Some(start + Duration::minutes(70)));
        // A tab loading 5 s later gets the end of the token that replaced its
        // own, not 30 minutes from its own request.
        env.clock.advance(Duration::seconds(5));
        let Resumed::Concurrent(grant) = env.auth.resume(&ctx, &s.refresh_token).await.unwrap() else {
            panic!("a token rotated 5 s ago is a concurrent tab");
        };
        assert_eq!(ends(&grant.access_token).await, Some(start + Duration::minutes(70)));
        // Never past the session's absolute end (12 h after login).
        let login = env.clock.now();
        let mut s = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        for _ in 0..35 {
            env.clock.advance(Duration::minutes(20));
            s = env.auth.refresh(&ctx, &s.refresh_token).await.unwrap();
        }
        // 11 h 40 min in: 30 more minutes would pass the absolute end.
        assert_eq!(ends(&s.access_token).await, Some(login + Duration::hours(12)));
        assert_eq!(s.refresh_expires_in, 20 * 60);
        // A token without the claim (signed outside a session's rotation): unknown.
        let ring = egov_auth::keys::Keyring::from_settings(&AuthSettings::default()).unwrap();
        let (bare, claims) = ring.issue(s.account_id, &s.session_id, env.clock.now()).unwrap();
        assert_eq!(claims.sid_exp, None);
        assert_eq!(ends(&bare).await, None);
        env.audit.shutdown().await;
    }

    async fn logout_password_change_and_disable_revoke_sessions(db) {
        let env = env(db).await;
        let created = account(&env, "choi").await;
        let ctx = Actor::anonymous();
        let a = env.auth.login(&ctx, "choi", PASSWORD, None).await.unwrap();
        let b = env.auth.login(&ctx, "choi", PASSWORD, None).await.unwrap();
        let c = env.auth.login(&ctx, "choi", PASSWORD, None).await.unwrap();
        env.auth.logout(&ctx, created.id, &a.session_id).await.unwrap();
        assert!(env.auth.authenticate(&a.access_token).await.is_err());
        assert!(env.auth.refresh(&ctx, &a.refresh_token).await.is_err());
        env.auth.authenticate(&b.access_token).await.unwrap();
        assert_eq!(env.auth.logout_others(&ctx, created.id, &c.session_id).await.unwrap(), 1);
        assert!(env.auth.authenticate(&b.access_token).await.is_err());
        env.auth.authenticate(&c.access_token).await.unwrap();

        assert!(matches!(
            env.auth.change_password(&ctx, created.id, "wrong current password", "another long passphrase").await,
            Err(Error::WrongPassword)
        ));
        assert!(matches!(
            env.auth.change_password(&ctx, created.id, PASSWORD, "password").await,
            Err(Error::PasswordRejected(_))
        ));
        env.auth.change_password(&ctx, created.id, PASSWORD, "another long passphrase").await.unwrap();
        assert!(env.auth.authenticate(&c.access_token).await.is_err());
        assert!(env.auth.login(&ctx, "choi", PASSWORD, None).await.is_err());
        let d = env.auth.login(&ctx, "choi", "another long passphrase", None).await.unwrap();
        env.auth.set_status(&admin(), created.id, AccountStatus::Disabled).await.unwrap();
        assert!(env.auth.authenticate(&d.access_token).await.is_err());
        assert!(env.auth.refresh(&ctx, &d.refresh_token).await.is_err());
        assert!(env.auth.login(&ctx, "choi", "another long passphrase", None).await.is_err());
        assert_eq!(audit_count(&env.db, "password_change").await, 2);
        env.audit.shutdown().await;
    }

    async fn roles_hierarchy_and_cache_invalidation(db) {
        let env = env(db).await;
        let created = account(&env, "jung").await;
        let role = |name: &str, includes: &[&str], permissions: &[&str]| Role {
            name: name.into(),
            description: String::new(),
            includes: includes.iter().map(|s| s.to_string()).collect(),
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
        };
        env.auth.put_role(&admin(), role("ROLE_USER", &[], &["codes:read"])).await.unwrap();
        env.auth.put_role(&admin(), role("ROLE_ADMIN", &["ROLE_USER"], &["auth:admin"])).await.unwrap();
        let ctx = Actor::anonymous();
        let s = env.auth.login(&ctx, "jung", PASSWORD, None).await.unwrap();
        assert!(env.auth.authenticate(&s.access_token).await.unwrap().permissions.is_empty());
        env.auth.set_roles(&admin(), created.id, ["ROLE_ADMIN".to_string()].into()).await.unwrap();
        let who = env.auth.authenticate(&s.access_token).await.unwrap();
        assert!(who.permissions.contains(&Permission::new("codes:read")));
        assert!(who.permissions.contains(&Permission::new("auth:admin")));
        assert!(who.roles.contains("ROLE_USER"));
        env.auth.put_role(&admin(), role("ROLE_USER", &[], &["codes:read", "codes:write"])).await.unwrap();
        let who = env.auth.authenticate(&s.access_token).await.unwrap();
        assert!(who.permissions.contains(&Permission::new("codes:write")));
        env.auth.delete_role(&admin(), "ROLE_ADMIN").await.unwrap();
        assert!(env.auth.authenticate(&s.access_token).await.unwrap().permissions.is_empty());
        env.audit.shutdown().await;
    }

    async fn totp_enrolment_replay_and_recovery_codes(db) {
        let env = env(db).await;
        let created = account(&env, "kang").await;
        let ctx = Actor::anonymous();
        let enrolment = env.auth.start_totp(created.id).await.unwrap();
        assert!(enrolment.provisioning_uri.starts_with("otpauth://totp/"));
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        let now = || env.clock_now_unix();
        assert!(env.auth.confirm_totp(&ctx, created.id, "12345x").await.is_err());
        let codes = env.auth
            .confirm_totp(&ctx, created.id, &totp::code(&secret, totp::step_at(now())))
            .await
            .unwrap();
        assert_eq!(codes.len(), 10);
        assert!(env.auth.account(created.id).await.unwrap().mfa_enabled);
        assert!(matches!(env.auth.login(&ctx, "kang", PASSWORD, None).await, Err(Error::MfaRequired)));
        // The password was right: the attempt counted while it was tried is given back.
        assert_eq!(env.auth.account(created.id).await.unwrap().failed_count, 0);
        // The code used to confirm cannot be replayed.
        assert!(matches!(
            env.auth.login(&ctx, "kang", PASSWORD, Some(&totp::code(&secret, totp::step_at(now())))).await,
            Err(Error::MfaRequired)
        ));
        assert_eq!(env.auth.account(created.id).await.unwrap().failed_count, 1, "a wrong second factor counts");
        env.clock.advance(Duration::seconds(30));
        let code = totp::code(&secret, totp::step_at(now()));
        env.auth.login(&ctx, "kang", PASSWORD, Some(&code)).await.unwrap();
        assert!(env.auth.login(&ctx, "kang", PASSWORD, Some(&code)).await.is_err(), "replay");
        env.auth.login(&ctx, "kang", PASSWORD, Some(&codes[0].to_uppercase())).await.unwrap();
        assert!(env.auth.login(&ctx, "kang", PASSWORD, Some(&codes[0])).await.is_err(), "recovery codes work once");
        assert_eq!(audit_count(&env.db, "mfa_enrol").await, 1);
        env.audit.shutdown().await;
    }

    async fn totp_secrets_are_encrypted_and_bound_to_their_account(db) {
        let env = env(db).await;
        let kim = account(&env, "kim").await;
        let lee = account(&env, "lee").await;
        let ctx = Actor::anonymous();
        let enrolment = env.auth.start_totp(kim.id).await.unwrap();
        let stored_secret = |id: egov_core::id::AccountId, column: &'static str| {
            let db = env.db.clone();
            async move {
                let sql = format!("SELECT {column} FROM egov_auth_accounts WHERE id = $1");
                let (value,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id.to_string())
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
                value
            }
        };
        let pending = stored_secret(kim.id, "totp_pending_secret").await.unwrap();
        assert_ne!(pending, enrolment.secret);
        assert!(!pending.to_uppercase().contains(&enrolment.secret), "{pending}");
        assert!(pending.starts_with("v1:dev:"), "{pending}");
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        env.auth
            .confirm_totp(&ctx, kim.id, &totp::code(&secret, totp::step_at(env.clock_now_unix())))
            .await
            .unwrap();
        let stored = stored_secret(kim.id, "totp_secret").await.unwrap();
        assert!(!stored.to_uppercase().contains(&enrolment.secret));
        let cipher = common::cipher();
        assert_eq!(cipher.decrypt_with_aad(&stored, &totp::secret_aad(kim.id)).unwrap(), enrolment.secret);
        assert!(cipher.decrypt_with_aad(&stored, &totp::secret_aad(lee.id)).is_err(), "bound to the account");
        assert!(cipher.decrypt(&stored).is_err());

        // Kim's ciphertext copied into Lee's row is no second factor for Lee.
        sqlx::query("UPDATE egov_auth_accounts SET totp_secret = $1, mfa_enabled = 1 WHERE id = $2")
            .bind(&stored)
            .bind(lee.id.to_string())
            .execute(env.db.pool())
            .await
            .unwrap();
        env.clock.advance(Duration::seconds(30));
        let code = totp::code(&secret, totp::step_at(env.clock_now_unix()));
        assert!(matches!(env.auth.login(&ctx, "lee", PASSWORD, Some(&code)).await, Err(Error::MfaRequired)));
        env.auth.login(&ctx, "kim", PASSWORD, Some(&code)).await.unwrap();
        env.audit.shutdown().await;

        // Plain base32 secrets of earlier versions are encrypted when the service starts.
        sqlx::query("UPDATE egov_auth_accounts SET totp_secret = $1 WHERE id = $2")
            .bind(&enrolment.secret)
            .bind(kim.id.to_string())
            .execute(env.db.pool())
            .await
            .unwrap();
        let restarted = env_with(env.db.clone(), AuthSettings::default()).await;
        let migrated = stored_secret(kim.id, "totp_secret").await.unwrap();
        assert!(migrated.starts_with("v1:"), "{migrated}");
        assert_eq!(cipher.decrypt_with_aad(&migrated, &totp::secret_aad(kim.id)).unwrap(), enrolment.secret);
        restarted.clock.advance(Duration::seconds(120));
        let code = totp::code(&secret, totp::step_at(restarted.clock_now_unix()));
        restarted.auth.login(&ctx, "kim", PASSWORD, Some(&code)).await.unwrap();
        restarted.audit.shutdown().await;
    }

    async fn mfa_can_be_turned_off_and_recovery_codes_regenerated(db) {
        let env = env(db).await;
        let created = account(&env, "park").await;
        let ctx = Actor::anonymous();
        let now = || env.clock_now_unix();
        assert!(matches!(
            env.auth.regenerate_recovery_codes(&ctx, created.id, "123456").await,
            Err(Error::Conflict("mfa-not-enabled"))
        ));
        let enrolment = env.auth.start_totp(created.id).await.unwrap();
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        let old_codes = env.auth
            .confirm_totp(&ctx, created.id, &totp::code(&secret, totp::step_at(now())))
            .await
            .unwrap();
        let other = env.auth.login(&ctx, "park", PASSWORD, Some(&old_codes[0])).await.unwrap();
        let this = env.auth.login(&ctx, "park", PASSWORD, Some(&old_codes[1])).await.unwrap();

        // Regenerating needs a TOTP code: not a recovery code, not a replayed code.
        env.clock.advance(Duration::seconds(30));
        assert!(matches!(
            env.auth.regenerate_recovery_codes(&ctx, created.id, &old_codes[2]).await,
            Err(Error::Invalid("/code", "totp-code"))
        ));
        let code = totp::code(&secret, totp::step_at(now()));
        let new_codes = env.auth.regenerate_recovery_codes(&ctx, created.id, &code).await.unwrap();
        assert_eq!(new_codes.len(), 10);
        assert!(new_codes.iter().all(|c| !old_codes.contains(c)));
        assert!(env.auth.regenerate_recovery_codes(&ctx, created.id, &code).await.is_err(), "replay");
        assert!(env.auth.login(&ctx, "park", PASSWORD, Some(&old_codes[3])).await.is_err(), "old codes are gone");
        assert_eq!(audit_count(&env.db, "mfa_recovery_codes").await, 3);

        // Turning MFA off: password and a second factor, both right.
        assert!(matches!(
            env.auth.disable_totp(&ctx, created.id, &this.session_id, "wrong password guess", &new_codes[0]).await,
            Err(Error::WrongPassword)
        ));
        assert!(matches!(
            env.auth.disable_totp(&ctx, created.id, &this.session_id, PASSWORD, "000000").await,
            Err(Error::Invalid("/code", "totp-code"))
        ));
        assert!(env.auth.account(created.id).await.unwrap().mfa_enabled);
        let revoked = env.auth
            .disable_totp(&ctx, created.id, &this.session_id, PASSWORD, &new_codes[0])
            .await
            .unwrap();
        assert_eq!(revoked, 1);
        assert!(!env.auth.account(created.id).await.unwrap().mfa_enabled);
        env.auth.authenticate(&this.access_token).await.unwrap();
        assert!(env.auth.authenticate(&other.access_token).await.is_err(), "other sessions end");
        env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM egov_auth_recovery_codes WHERE account_id = $1")
            .bind(created.id.to_string())
            .fetch_one(env.db.pool())
            .await
            .unwrap();
        assert_eq!(left, 0);
        assert!(matches!(
            env.auth.disable_totp(&ctx, created.id, &this.session_id, PASSWORD, &new_codes[1]).await,
            Err(Error::Conflict("mfa-not-enabled"))
        ));
        assert_eq!(audit_count(&env.db, "mfa_disable").await, 3);
        env.audit.shutdown().await;
    }

    async fn mfa_stays_on_while_the_password_is_too_short_to_be_the_only_factor(db) {
        let env = env(db).await;
        let created = account(&env, "choi").await;
        let ctx = Actor::anonymous();
        let enrolment = env.auth.start_totp(created.id).await.unwrap();
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        let codes = env.auth
            .confirm_totp(&ctx, created.id, &totp::code(&secret, totp::step_at(env.clock_now_unix())))
            .await
            .unwrap();
        // With MFA, 8 characters are enough.
        env.auth.reset_password(&admin(), created.id, "q7#vLm2x").await.unwrap();
        assert!(matches!(
            env.auth.disable_totp(&ctx, created.id, "none", "q7#vLm2x", &codes[0]).await,
            Err(Error::Conflict("single-factor-password"))
        ));
        assert!(env.auth.account(created.id).await.unwrap().mfa_enabled);
        env.audit.shutdown().await;
    }

    async fn egovframe_import_keeps_legacy_hashes_until_login(db) {
        let env = env(db).await;
        let hash = egov_auth::password::egov_sha256("hong", "egov1234!");
        let dump = format!(
            "INSERT INTO COMTNAUTHORINFO VALUES ('ROLE_ADMIN','관리자','시스템관리자','2011-08-31'),('ROLE_USER','사용자',NULL,'2011-08-31');\n\
             INSERT INTO COMTNROLES_HIERARCHY (PARNTS_ROLE, CHLDRN_ROLE) VALUES ('ROLE_USER','ROLE_ADMIN');\n\
             INSERT INTO COMTNEMPLYRINFO (EMPLYR_ID, USER_NM, PASSWORD, EMAIL_ADRES, LOCK_AT, LOCK_CNT, EMPLYR_STTUS_CODE, ESNTL_ID) VALUES \
             ('hong','홍길동','{hash}','hong@agency.go.kr','N',0,'P','USRCNFRM_00000000001'),\
             ('gone','퇴직자','{hash}',NULL,'N',0,'D','USRCNFRM_00000000002'),\
             ('locked','잠김','{hash}',NULL,'Y',5,'P','USRCNFRM_00000000003');\n\
             INSERT INTO COMTNEMPLYRSCRTYESTBS VALUES ('USRCNFRM_00000000001','USR','ROLE_ADMIN');\n"
        );
        let import = egov_auth::import::EgovImport::from_sql_dump(&dump).unwrap();
        let report = env.auth.import_egov(&admin(), &import).await.unwrap();
        assert_eq!((report.accounts, report.roles, report.assignments), (3, 2, 1));
        let again = env.auth.import_egov(&admin(), &import).await.unwrap();
        assert_eq!(again.skipped.len(), 3);
        let ctx = Actor::anonymous();
        let session = env.auth.login(&ctx, "hong", "egov1234!", None).await.unwrap();
        let (stored,): (String,) = sqlx::query_as("SELECT password_hash FROM egov_auth_accounts WHERE login_id = 'hong'")
            .fetch_one(env.db.pool()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"), "rehashed on first login");
        env.auth.login(&ctx, "hong", "egov1234!", None).await.unwrap();
        let who = env.auth.authenticate(&session.access_token).await.unwrap();
        assert!(who.roles.contains("ROLE_ADMIN") && who.roles.contains("ROLE_USER"));
        assert!(env.auth.login(&ctx, "gone", "egov1234!", None).await.is_err());
        assert!(env.auth.login(&ctx, "locked", "egov1234!", None).await.is_err());
        let mut csv = egov_auth::import::EgovImport::default();
        csv.add_csv("COMTNEMPLYRINFO", "EMPLYR_ID,USER_NM,PASSWORD,EMPLYR_STTUS_CODE,ESNTL_ID\nkim,김철수,abc=,P,X1\n").unwrap();
        assert_eq!(csv.accounts.len(), 1);
        env.audit.shutdown().await;
    }

    async fn login_ids_have_one_form_and_look_alikes_are_refused(db) {
        let env = env(db).await;
        let created = account(&env, "Admin").await;
        assert_eq!(created.login_id, "admin");
        // Case, full width and surrounding space are the same id: a conflict, and a login.
        for same in ["admin", "ADMIN", "ａｄｍｉｎ", " admin "] {
            assert!(matches!(
                env.auth.create_account(&admin(), new_account(same, PASSWORD)).await,
                Err(Error::Conflict(_))
            ), "{same:?}");
        }
        let ctx = Actor::anonymous();
        for same in ["ADMIN", "ａｄｍｉｎ"] {
            env.auth.login(&ctx, same, PASSWORD, None).await.unwrap();
        }
        // Look-alikes and invisible characters are refused at creation.
        for confusable in ["\u{430}dmin", "admin\u{200b}", "adm\u{131}n", "ad\u{feff}min"] {
            assert!(matches!(
                env.auth.create_account(&admin(), new_account(confusable, PASSWORD)).await,
                Err(Error::Invalid("/login_id", _))
            ), "{confusable:?}");
        }
        // Import: an existing id (in another case) is skipped and gets none of the
        // dump's roles; an eGovFrame id in upper case keeps its legacy password.
        let theirs = egov_auth::password::egov_sha256("ADMIN", "egov1234!");
        let mine = egov_auth::password::egov_sha256("KIM", "egov1234!");
        let dump = format!(
            "INSERT INTO COMTNAUTHORINFO VALUES ('ROLE_ADMIN','관리자','시스템관리자','2011-08-31');\n\
             INSERT INTO COMTNEMPLYRINFO (EMPLYR_ID, USER_NM, PASSWORD, EMAIL_ADRES, LOCK_AT, LOCK_CNT, EMPLYR_STTUS_CODE, ESNTL_ID) VALUES \
             ('ADMIN','다른 사람','{theirs}',NULL,'N',0,'P','USRCNFRM_00000000009'),\
             ('KIM','김철수','{mine}',NULL,'N',0,'P','USRCNFRM_00000000010');\n\
             INSERT INTO COMTNEMPLYRSCRTYESTBS VALUES ('USRCNFRM_00000000009','USR','ROLE_ADMIN'),('USRCNFRM_00000000010','USR','ROLE_ADMIN');\n"
        );
        let import = egov_auth::import::EgovImport::from_sql_dump(&dump).unwrap();
        let report = env.auth.import_egov(&admin(), &import).await.unwrap();
        assert_eq!((report.accounts, report.skipped.clone()), (1, vec!["ADMIN".to_owned()]));
        assert!(env.auth.account(created.id).await.unwrap().roles.is_empty(), "the existing admin got the dump's roles");
        let kim = env.auth.login(&ctx, "kim", "egov1234!", None).await.unwrap();
        let who = env.auth.authenticate(&kim.access_token).await.unwrap();
        assert!(who.roles.contains("ROLE_ADMIN"));
        env.audit.shutdown().await;
    }

    async fn an_egovframe_reference_hash_logs_in_and_is_replaced(db) {
        // EgovFileScrty.encryptPassword("1", "admin"): Base64(SHA-256("admin" ‖ "1")),
        // computed independently (Python hashlib), as an eGovFrame database holds it.
        let env = env(db).await;
        let mut import = egov_auth::import::EgovImport::default();
        import.add_csv(
            "COMTNEMPLYRINFO",
            "EMPLYR_ID,USER_NM,PASSWORD,EMPLYR_STTUS_CODE,ESNTL_ID\nadmin,관리자,JfQ7FIatlaE5jj7rPYO8QBABX8yb7bNbQy4AKY1QIfc=,P,USRCNFRM_00000000000\n",
        ).unwrap();
        env.auth.import_egov(&admin(), &import).await.unwrap();
        let ctx = Actor::anonymous();
        assert!(matches!(env.auth.login(&ctx, "admin", "2", None).await, Err(Error::InvalidCredentials)));
        env.auth.login(&ctx, "admin", "1", None).await.unwrap();
        let (stored,): (String,) = sqlx::query_as("SELECT password_hash FROM egov_auth_accounts WHERE login_id = 'admin'")
            .fetch_one(env.db.pool()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        env.auth.login(&ctx, "admin", "1", None).await.unwrap();
        env.audit.shutdown().await;
    }

    async fn login_rehashes_after_an_argon2_parameter_change(db) {
        let env = env(db).await;
        account(&env, "yoon").await;
        let stored = || async {
            let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM egov_auth_accounts WHERE login_id = 'yoon'")
                .fetch_one(env.db.pool()).await.unwrap();
            hash
        };
        let before = stored().await;
        assert!(before.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{before}");
        // Same database, a replica restarted with a higher cost.
        let stronger = AuthSettings {
            argon2: egov_auth::Argon2Settings { memory_kib: 19_456, iterations: 3, parallelism: 1 },
            ..AuthSettings::default()
        };
        let restarted = egov_auth::Auth::with_clock(env.db.clone(), stronger, common::cipher(), env.audit.clone(), env.clock.clone())
            .await
            .unwrap();
        let ctx = Actor::anonymous();
        // A wrong password changes nothing.
        assert!(restarted.login(&ctx, "yoon", "not the password at all", None).await.is_err());
        assert_eq!(stored().await, before);
        restarted.login(&ctx, "yoon", PASSWORD, None).await.unwrap();
        let after = stored().await;
        assert!(after.starts_with("$argon2id$v=19$m=19456,t=3,p=1$"), "{after}");
        assert_ne!(after, before);
        // The new hash verifies, and is not replaced again.
        restarted.login(&ctx, "yoon", PASSWORD, None).await.unwrap();
        assert_eq!(stored().await, after);
        let (detail,): (String,) = sqlx::query_as(
            "SELECT detail FROM egov_audit_events WHERE action = 'login' AND detail LIKE '%rehashed%true%'",
        )
        .fetch_one(env.db.pool()).await.unwrap();
        assert!(detail.contains("\"rehashed\":true"), "{detail}");
        env.audit.shutdown().await;
    }

    async fn refresh_tokens_and_recovery_codes_are_stored_only_as_hashes(db) {
        let env = env(db).await;
        let created = account(&env, "seo").await;
        let ctx = Actor::anonymous();
        let first = env.auth.login(&ctx, "seo", PASSWORD, None).await.unwrap();
        let second = env.auth.refresh(&ctx, &first.refresh_token).await.unwrap();
        let enrolment = env.auth.start_totp(created.id).await.unwrap();
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        let codes = env.auth
            .confirm_totp(&ctx, created.id, &totp::code(&secret, totp::step_at(env.clock_now_unix())))
            .await
            .unwrap();
        assert_eq!(codes.len(), 10);

        // Every value of every row of both tables, as text.
        let tokens: Vec<(String, String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT token_hash, family_id, account_id, issued_at, idle_expires_at, used_at FROM egov_auth_refresh_tokens",
        )
        .fetch_all(env.db.pool()).await.unwrap();
        assert_eq!(tokens.len(), 2);
        let token_text: Vec<String> = tokens.iter().flat_map(|t| {
            [t.0.clone(), t.1.clone(), t.2.clone(), t.3.clone(), t.4.clone(), t.5.clone().unwrap_or_default()]
        }).collect();
        let recovery: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT account_id, code_hash, used_at FROM egov_auth_recovery_codes")
                .fetch_all(env.db.pool()).await.unwrap();
        assert_eq!(recovery.len(), 10);
        let recovery_text: Vec<String> = recovery.iter().flat_map(|r| {
            [r.0.clone(), r.1.clone(), r.2.clone().unwrap_or_default()]
        }).collect();
        let normalize = |c: &str| c.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
        for token in [&first.refresh_token, &second.refresh_token] {
            assert!(token.len() >= 43, "256 bits");
            assert!(token_text.iter().chain(&recovery_text).all(|v| !v.contains(token.as_str())), "a refresh token is stored");
        }
        for code in &codes {
            for form in [code.clone(), normalize(code)] {
                assert!(token_text.iter().chain(&recovery_text).all(|v| !v.contains(&form)), "recovery code {code} is stored");
            }
        }
        // What is stored is the SHA-256 of each (64 hex digits).
        use sha2::Digest;
        let sha = |s: &str| sha2::Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
        let mut stored: Vec<&str> = tokens.iter().map(|t| t.0.as_str()).collect();
        stored.sort_unstable();
        let mut expected = vec![sha(&first.refresh_token), sha(&second.refresh_token)];
        expected.sort_unstable();
        assert_eq!(stored, expected);
        let mut stored: Vec<&str> = recovery.iter().map(|r| r.1.as_str()).collect();
        stored.sort_unstable();
        let mut expected: Vec<String> = codes.iter().map(|c| sha(&normalize(c))).collect();
        expected.sort_unstable();
        assert_eq!(stored, expected);
        env.audit.shutdown().await;
    }

    async fn a_password_failing_the_policy_restricts_the_account_until_it_is_changed(db) {
        let env = env(db).await;
        // Migrated from eGovFrame with its seed data's password, `rhdxhd12`.
        let webmaster = common::egovframe_account(&env, "webmaster", "rhdxhd12").await;
        assert!(!webmaster.password_change_required, "not known before a login");
        let ctx = Actor::anonymous();
        let first = env.auth.login(&ctx, "webmaster", "rhdxhd12", None).await.unwrap();
        assert!(first.password_change_required);
        let who = env.auth.authenticate(&first.access_token).await.unwrap();
        assert!(who.password_change_required);
        assert!(env.auth.account(webmaster.id).await.unwrap().password_change_required);
        // The first login replaced the eGovFrame hash, and is audited as restricted.
        let (stored,): (String,) = sqlx::query_as("SELECT password_hash FROM egov_auth_accounts WHERE login_id = 'webmaster'")
            .fetch_one(env.db.pool()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        let (detail,): (String,) = sqlx::query_as(
            "SELECT detail FROM egov_audit_events WHERE action = 'login' AND outcome = 'success' AND reason_code = 'password_change_required'",
        )
        .fetch_one(env.db.pool()).await.unwrap();
        for part in ["\"change_required\":true", "\"policy\":\"password-too-short\"", "\"rehashed\":true"] {
            assert!(detail.contains(part), "{part} not in {detail}");
        }
        // Refreshing keeps the restriction, and so does a second login (now Argon2).
        let refreshed = env.auth.refresh(&ctx, &first.refresh_token).await.unwrap();
        assert!(refreshed.password_change_required);
        assert!(env.auth.authenticate(&refreshed.access_token).await.unwrap().password_change_required);
        let second = env.auth.login(&ctx, "webmaster", "rhdxhd12", None).await.unwrap();
        assert!(second.password_change_required);
        // A new password must pass the policy itself; the mark stays until one does.
        for weak in ["rhdxhd12!", "rhdxhd12rhdxhd12", "rhdxhd12"] {
            assert!(matches!(
                env.auth.change_password(&ctx, webmaster.id, "rhdxhd12", weak).await,
                Err(Error::PasswordRejected(_))
            ), "{weak}");
        }
        assert!(env.auth.account(webmaster.id).await.unwrap().password_change_required);
        // A page's change renews the session at once, unrestricted; the others end.
        let renewed = env.auth
            .change_password_and_renew(&ctx, webmaster.id, "rhdxhd12", PASSWORD)
            .await
            .unwrap();
        assert!(!renewed.password_change_required);
        assert!(!env.auth.authenticate(&renewed.access_token).await.unwrap().password_change_required);
        for old in [&refreshed.access_token, &second.access_token] {
            assert!(env.auth.authenticate(old).await.is_err());
        }
        let account = env.auth.account(webmaster.id).await.unwrap();
        assert!(!account.password_change_required);
        let fresh = env.auth.login(&ctx, "webmaster", PASSWORD, None).await.unwrap();
        assert!(!fresh.password_change_required);
        let (lifted,): (String,) = sqlx::query_as("SELECT detail FROM egov_audit_events WHERE action = 'password_change'")
            .fetch_one(env.db.pool()).await.unwrap();
        assert!(lifted.contains("\"restriction_lifted\":true") && lifted.contains("\"renewed\":true"), "{lifted}");
        env.audit.shutdown().await;
    }

    async fn a_tightened_policy_restricts_the_accounts_sessions_at_their_next_login(db) {
        let env = env(db).await;
        let kim = account(&env, "kim").await;
        let ctx = Actor::anonymous();
        let before = env.auth.login(&ctx, "kim", PASSWORD, None).await.unwrap();
        assert!(!before.password_change_required);
        // A replica restarted with a context word the password contains.
        let settings = AuthSettings { context_words: vec!["battery".into()], ..AuthSettings::default() };
        let restarted = egov_auth::Auth::with_clock(env.db.clone(), settings, common::cipher(), env.audit.clone(), env.clock.clone())
            .await
            .unwrap();
        let after = restarted.login(&ctx, "kim", PASSWORD, None).await.unwrap();
        assert!(after.password_change_required);
        // The mark is the account's: its older session is restricted from now on too.
        assert!(restarted.authenticate(&before.access_token).await.unwrap().password_change_required);
        // An administrator's reset to a password that passes lifts it.
        restarted.reset_password(&admin(), kim.id, "quiet lantern harbor 2026 load").await.unwrap();
        assert!(!restarted.account(kim.id).await.unwrap().password_change_required);
        let again = restarted.login(&ctx, "kim", "quiet lantern harbor 2026 load", None).await.unwrap();
        assert!(!again.password_change_required);
        env.audit.shutdown().await;
    }
}

trait ClockNow {
    fn clock_now_unix(&self) -> i64;
}

impl ClockNow for common::Env {
    fn clock_now_unix(&self) -> i64 {
        use egov_core::Clock;
        self.clock.now().unix_timestamp()
    }
}
