//! What the admin screens use besides the admin API's operations: account
//! search, the recorded opening of an account, temporary passwords that restrict
//! the next login, and an administrator's MFA reset (on both databases).

mod common;

use common::{PASSWORD, account, admin, audit_count, env};
use egov_auth::{AccountFilter, AccountStatus, Error, NewAccount, totp};
use egov_core::actor::Actor;
use egov_core::paging::PageRequest;

fn new(login_id: &str, name: &str) -> NewAccount {
    NewAccount {
        login_id: login_id.into(),
        display_name: name.into(),
        email: Some(format!("{login_id}@example.go.kr")),
        password: PASSWORD.into(),
        roles: Default::default(),
    }
}

egov_db::backend_tests! {
    async fn accounts_are_searched_by_part_of_login_id_or_name_and_by_status(db) {
        let env = env(db).await;
        for (login_id, name) in [("hong.gildong", "홍길동"), ("kim_minsu", "Kim Minsu"), ("kimchi", "Lee Jiwoo"), ("percent", "100% sure")] {
            env.auth.create_account(&admin(), new(login_id, name)).await.unwrap();
        }
        let lee = env.auth.account_by_login_id("kimchi").await.unwrap();
        env.auth.set_status(&admin(), lee.id, AccountStatus::Disabled).await.unwrap();
        let page = PageRequest::new(1, 20).unwrap();
        let found = async |text: Option<&str>, status: Option<AccountStatus>| {
            let filter = AccountFilter { text: text.map(str::to_owned), status };
            env.auth
                .search_accounts(&filter, page)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|a| a.login_id)
                .collect::<Vec<_>>()
        };
        assert_eq!(found(None, None).await, ["hong.gildong", "kim_minsu", "kimchi", "percent"]);
        // Login id or name, any case, Hangul too.
        assert_eq!(found(Some("KIM"), None).await, ["kim_minsu", "kimchi"]);
        assert_eq!(found(Some("minsu"), None).await, ["kim_minsu"]);
        assert_eq!(found(Some("길동"), None).await, ["hong.gildong"]);
        assert_eq!(found(Some("jiwoo"), None).await, ["kimchi"]);
        // `%` and `_` are characters, not patterns.
        assert_eq!(found(Some("0%"), None).await, ["percent"]);
        assert_eq!(found(Some("m_m"), None).await, ["kim_minsu"]);
        assert_eq!(found(Some("  "), None).await.len(), 4, "blank is no condition");
        // Status, alone and with text.
        assert_eq!(found(None, Some(AccountStatus::Disabled)).await, ["kimchi"]);
        assert_eq!(found(Some("kim"), Some(AccountStatus::Active)).await, ["kim_minsu"]);
        assert!(found(Some("nobody"), None).await.is_empty());
        // Paging counts what matches.
        let filter = AccountFilter { text: Some("kim".into()), status: None };
        let first = env.auth.search_accounts(&filter, PageRequest::new(1, 1).unwrap()).await.unwrap();
        assert_eq!((first.items.len(), first.total_items, first.total_pages), (1, 2, 2));
        env.audit.shutdown().await;
    }

    async fn opening_an_account_is_a_recorded_personal_data_access(db) {
        let env = env(db).await;
        let kim = account(&env, "kim.minsu").await;
        let officer = Actor::system("officer");
        let opened = env.auth.open_account(&officer, kim.id).await.unwrap();
        assert_eq!(opened.login_id, "kim.minsu");
        let (target, subjects): (String, String) = sqlx::query_as(
            "SELECT target_id, subjects FROM egov_audit_events WHERE action = 'view'",
        )
        .fetch_one(env.db.pool())
        .await
        .unwrap();
        assert_eq!(target, kim.id.to_string());
        assert!(subjects.contains(&format!("id:{}", kim.id)), "{subjects}");
        // Reading it otherwise records nothing; an unknown one is not found.
        env.auth.account(kim.id).await.unwrap();
        assert_eq!(audit_count(&env.db, "view").await, 1);
        let unknown = egov_core::id::AccountId::new();
        assert!(matches!(env.auth.open_account(&officer, unknown).await, Err(Error::NotFound)));
        assert_eq!(audit_count(&env.db, "view").await, 1);
        env.audit.shutdown().await;
    }

    async fn a_temporary_password_restricts_the_next_login_until_the_owner_changes_it(db) {
        let env = env(db).await;
        let ctx = Actor::anonymous();
        let created = env.auth.create_account_requiring_change(&admin(), new("park", "박서준")).await.unwrap();
        assert!(created.password_temporary);
        assert!(!created.password_change_required, "nobody logged in yet");
        let session = env.auth.login(&ctx, "park", PASSWORD, None).await.unwrap();
        assert!(session.password_change_required, "the first login is restricted");
        assert!(env.auth.authenticate(&session.access_token).await.unwrap().password_change_required);
        // The owner's own password lifts it, for good.
        let own = "a much longer passphrase of my own";
        env.auth.change_password(&ctx, created.id, PASSWORD, own).await.unwrap();
        let after = env.auth.account(created.id).await.unwrap();
        assert!(!after.password_temporary && !after.password_change_required);
        assert!(!env.auth.login(&ctx, "park", own, None).await.unwrap().password_change_required);

        // An administrator's reset: temporary again, every session ended.
        let live = env.auth.login(&ctx, "park", own, None).await.unwrap();
        let reset = "a temporary passphrase to replace";
        env.auth.issue_temporary_password(&admin(), created.id, reset).await.unwrap();
        assert!(env.auth.authenticate(&live.access_token).await.is_err(), "sessions end");
        assert!(env.auth.account(created.id).await.unwrap().password_temporary);
        assert!(env.auth.login(&ctx, "park", reset, None).await.unwrap().password_change_required);
        // A lasting reset is not temporary.
        env.auth.reset_password(&admin(), created.id, own).await.unwrap();
        let lasting = env.auth.account(created.id).await.unwrap();
        assert!(!lasting.password_temporary && !lasting.password_change_required);
        assert!(!env.auth.login(&ctx, "park", own, None).await.unwrap().password_change_required);
        // The policy applies to a temporary password like any other.
        assert!(matches!(
            env.auth.issue_temporary_password(&admin(), created.id, "short").await,
            Err(Error::PasswordRejected(_))
        ));
        // The events say which passwords were temporary, and how many sessions
        // each change ended (a number: a key naming a session would be scrubbed).
        let (detail,): (String,) = sqlx::query_as(
            "SELECT detail FROM egov_audit_events WHERE action = 'password_change' AND reason_code = 'admin_reset' ORDER BY occurred_at LIMIT 1",
        )
        .fetch_one(env.db.pool())
        .await
        .unwrap();
        assert!(detail.contains("\"revoked\":2"), "both logins' sessions: {detail}");
        let (temporary,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'password_change' AND detail LIKE '%\"temporary\":true%'",
        )
        .fetch_one(env.db.pool())
        .await
        .unwrap();
        assert_eq!(temporary, 1);
        env.audit.shutdown().await;
    }

    async fn an_administrator_resets_a_lost_authenticator(db) {
        let env = env(db).await;
        let ctx = Actor::anonymous();
        let kang = account(&env, "kang").await;
        assert!(matches!(env.auth.reset_mfa(&admin(), kang.id).await, Err(Error::Conflict("mfa-not-enabled"))));
        let enrolment = env.auth.start_totp(kang.id).await.unwrap();
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        let now = || {
            use egov_core::Clock;
            env.clock.now().unix_timestamp()
        };
        env.auth.confirm_totp(&ctx, kang.id, &totp::code(&secret, totp::step_at(now()))).await.unwrap();
        env.clock.advance(time::Duration::seconds(30));
        let session = env.auth
            .login(&ctx, "kang", PASSWORD, Some(&totp::code(&secret, totp::step_at(now()))))
            .await
            .unwrap();

        let reset = env.auth.reset_mfa(&admin(), kang.id).await.unwrap();
        assert!(!reset.mfa_enabled);
        assert!(env.auth.authenticate(&session.access_token).await.is_err(), "sessions end");
        // The password alone logs in now.
        env.auth.login(&ctx, "kang", PASSWORD, None).await.unwrap();
        let (reason, detail): (String, String) = sqlx::query_as(
            "SELECT reason_code, detail FROM egov_audit_events WHERE action = 'mfa_disable'",
        )
        .fetch_one(env.db.pool())
        .await
        .unwrap();
        assert_eq!(reason, "admin_reset");
        assert!(detail.contains("\"revoked\":1"), "{detail}");
        assert!(matches!(env.auth.reset_mfa(&admin(), kang.id).await, Err(Error::Conflict(_))));
        assert!(matches!(
            env.auth.reset_mfa(&admin(), egov_core::id::AccountId::new()).await,
            Err(Error::NotFound)
        ));
        env.audit.shutdown().await;
    }
}
