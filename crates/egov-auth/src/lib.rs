//! # egov-auth
//!
//! Accounts, passwords, tokens, MFA and deny-by-default authorization for
//! egov-rs services — the replacement for eGovFrame's one-round SHA-256
//! passwords, admin-only unlocks, one-hour HS256 tokens and URL-regex roles,
//! held to NIST SP 800-63B rev 4, OWASP ASVS 5.0 L2, RFC 8725 and RFC 9700.
//! All security state lives in the database, so any number of replicas can
//! share one PostgreSQL database.
//!
//! ## What it does
//!
//! - **Accounts** (`egov_auth_accounts`): login id, display name, status
//!   (`active`, `locked`, `disabled`), failure and lock state, last login,
//!   password change time, MFA state. [`Auth::create_account`],
//!   [`Auth::set_status`], [`Auth::unlock`], [`Auth::reset_password`],
//!   [`Auth::search_accounts`] (part of the login id or name, status);
//!   [`Auth::open_account`] reads one for an administrator's screen and records
//!   the access (a personal-data `view` naming the account);
//!   [`Auth::issue_temporary_password`] and
//!   [`Auth::create_account_requiring_change`] set a password its owner must
//!   replace at the next login; [`Auth::reset_mfa`] removes a lost
//!   authenticator.
//! - **Passwords** ([`password`]): Argon2id PHC strings with a configured cost
//!   (floor m = 19,456 KiB, t = 2, p = 1, lower is refused at start-up),
//!   rehashed on login when the cost changes; hashing on low-priority threads of
//!   its own behind a concurrency cap. The rev 4 policy: 15 characters for single-factor
//!   accounts (8 with MFA), up to 128, NFKC, no composition rules, a shipped
//!   blocklist of more than 19,000 common passwords, context words (Hangul ones at
//!   any length, also as typed in English mode), and a guess estimate that refuses
//!   keyboard walks (QWERTY and Korean 2-set), sequences, repeats and dates; every
//!   rejection has a localized reason. eGovFrame hashes are verified and replaced.
//! - **Login and throttling** ([`Auth::login`]): one answer and one Argon2
//!   computation for unknown accounts, wrong passwords, locked, disabled and
//!   throttled accounts. Per-account failure counting in the database: after
//!   `free_failures` each attempt waits a doubling delay, every
//!   `lock_after_failures` consecutive failures lock the account for
//!   `lock_secs`, and `disable_after_failures` (≤ 100) disables the password
//!   until an administrator unlocks it. The database decides each attempt
//!   before it is hashed, in a transaction holding the account row, so guesses
//!   sent in parallel (to any number of replicas) cannot exceed the throttle.
//!   Every failure, lock and unlock is an audit event.
//! - **Access tokens** ([`keys`]): EdDSA JWTs by default, ES256 (P-256) when a
//!   key is configured so (`typ` `at+jwt`, 10 minutes by default), a keyring
//!   with one signing key and older verifying keys, each bound to one
//!   algorithm; JWKS at `/.well-known/jwks.json`.
//! - **Refresh tokens**: 256-bit random, stored as SHA-256, rotated on every
//!   use; reuse revokes the family (RFC 9700 §4.14.2); idle (30 min) and
//!   absolute (12 h) limits; logout, "log out my other sessions", password
//!   change and disabling revoke.
//! - **Revocation reaches access tokens too**: each request checks the account's
//!   status and whether the token's session was revoked, from a per-replica cache
//!   invalidated through egov-db's change topic `auth` — PostgreSQL notifications
//!   (milliseconds), else the `auth.change_poll_ms` poll (default 1 s), and at
//!   most 30 s in any case. So a logout, password change or disable made on one
//!   replica stops the session's access tokens on every replica within about
//!   one poll interval, not at token expiry.
//! - **MFA** ([`totp`]): RFC 6238 TOTP with a provisioning URI, ±1 step, replay
//!   protection in the database, secrets encrypted at rest; ten single-use
//!   recovery codes stored hashed, regenerated on demand; turning MFA off
//!   needs the password and a second factor.
//!   Accounts with MFA send the code with the password (`otp`); without it the
//!   answer is 401 `mfa-required`.
//! - **Authorization** ([`rbac`]): roles that include other roles
//!   (eGovFrame's `ROLE_ADMIN > ROLE_USER`), permissions granted to roles, roles
//!   assigned to accounts, all in the database and cached like the account state.
//!   Routes declare egov-core's `AccessPolicy`; egov-web enforces it.
//! - **HTTP** ([`web`], feature `axum`): the authentication middleware (bearer
//!   tokens; `__Host-` cookies with CSRF protection in cookie mode), the
//!   [`CurrentUser`] extractor, and the `/auth/*` API ([`api`]). With feature
//!   `pages`, pages on egov-pages' kit: the change-password page and the admin
//!   console's accounts and roles screens (`web::admin_pages`).
//! - **eGovFrame import** ([`import`]): `COMTNEMPLYRINFO`, `COMTNAUTHORINFO`,
//!   `COMTNROLES_HIERARCHY`, `COMTNEMPLYRSCRTYESTBS` from `INSERT` dumps or CSV.
//!
//! ## Decisions where the standards leave a choice
//!
//! - A `locked` account (too many failures) keeps its existing sessions: an
//!   attacker guessing a password must not be able to log the owner out. An
//!   administrator disables the account to end them.
//! - The throttle counts failures per account, never per IP; unknown login ids
//!   leave no state. Attempts during a delay or lock are refused without
//!   counting (and still cost one Argon2 computation, like every login).
//! - Access tokens carry no roles: permissions come from the cached database
//!   state on each request, so a revoked grant takes effect within the same
//!   bound as a revocation.
//! - No grace window for concurrent refreshes through [`Auth::refresh`]
//!   (`POST /auth/refresh`; RFC 9700 defines none): two clients refreshing the
//!   same token at once end the session. Cookie-mode page requests and form
//!   posts (and the extend button, `POST /auth/session/extend`) renew the
//!   session from the refresh cookie ([`Auth::resume`]) and allow
//!   `page_resume_grace_secs` (10 s) for tabs loading together: a token replaced
//!   that recently by another page request gets an access token, not a
//!   revocation; a stolen copy used within it is caught at the next renewal.
//! - TOTP secrets are stored encrypted with egov-privacy's `FieldCipher`
//!   (AES-256-GCM under the `[privacy]` keys, associated data binding each to
//!   its account id, so a value copied to another row does not decrypt).
//!   Rotating the `[privacy]` keys keeps old secrets readable while their key
//!   stays configured. Plain base32 secrets of earlier versions are encrypted
//!   when [`Auth::new`] starts.
//! - A right password that fails the policy new passwords must pass (eGovFrame's
//!   default `rhdxhd12`, an imported one shorter than 15 characters, one a newer
//!   blocklist has) still logs in — refusing it would lock migrated users out —
//!   but marks the account ([`Account::password_change_required`], a column of the
//!   account row, so refreshes and page resumptions keep it): its sessions may
//!   only change the password, read `/auth/me`, refresh and log out until a
//!   password that passes is stored; every other request is 403
//!   `password-change-required` ([`web`]'s middleware, [`PASSWORD_CHANGE_REQUIRED`]).
//! - A password an administrator sets (a new account's initial password, a
//!   reset for a forgotten one) may be temporary ([`Account::password_temporary`]):
//!   the next login is restricted exactly as for a password failing the policy,
//!   until the owner stores one of their own — so the password in use is one no
//!   administrator knows. The admin screens make it the default; the JSON API's
//!   reset keeps its lasting password.
//! - Turning MFA off needs the password and a second factor, ends the other
//!   sessions, and is refused while the password is shorter than the
//!   single-factor minimum (15): with MFA it may be 8.
//! - `POST /auth/login` is audited by egov-auth alone (`login`, or
//!   `login_failed` with a reason code): one attempt, one event (see
//!   [`web::SELF_AUDITED_ROUTES`]).
//! - Cookie mode keeps tokens out of response bodies; the CSRF token is an HMAC
//!   of the session id (signed double submit), so it needs no storage.
//!
//! ## Example
//!
//! ```
//! use egov_audit::{AuditLog, AuditSettings};
//! use egov_auth::{Auth, AuthSettings, NewAccount};
//! use egov_core::actor::Actor;
//! use egov_privacy::{FieldCipher, PrivacySettings};
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let db = egov_db::Db::connect_url(&format!("sqlite://{}/auth.db", dir.path().display())).await.unwrap();
//! db.migrate(&[&egov_db::change::MIGRATIONS, &egov_audit::MIGRATIONS, &egov_auth::MIGRATIONS])
//!     .await
//!     .unwrap();
//! let audit = AuditLog::start(db.clone(), &AuditSettings::default()).await.unwrap();
//! // TOTP secrets are encrypted with the `[privacy]` field keys (development keys here).
//! let cipher = FieldCipher::from_settings(&PrivacySettings::default()).unwrap();
//! let auth = Auth::new(db, AuthSettings::default(), cipher, audit.clone()).await.unwrap();
//!
//! let admin = Actor::system("setup");
//! let account = auth
//!     .create_account(&admin, NewAccount {
//!         login_id: "hong.gildong".into(),
//!         display_name: "홍길동".into(),
//!         email: None,
//!         password: "a long and unusual passphrase".into(),
//!         roles: Default::default(),
//!     })
//!     .await
//!     .unwrap();
//! let session = auth
//!     .login(&Actor::anonymous(), "hong.gildong", "a long and unusual passphrase", None)
//!     .await
//!     .unwrap();
//! let who = auth.authenticate(&session.access_token).await.unwrap();
//! assert_eq!(who.account_id, account.id);
//! audit.shutdown().await;
//! # });
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod import;

pub mod keys;
pub mod password;
mod password_patterns;
pub mod rbac;
mod service;
mod settings;
pub mod totp;
#[cfg(feature = "axum")]
pub mod web;

pub use error::{Error, MFA_REQUIRED, PASSWORD_CHANGE_REQUIRED};
pub use rbac::{ADMIN_PERMISSION, Role, RoleGraph};
pub use service::{
    AccessGrant, Account, AccountFilter, AccountStatus, Auth, Authenticated, CHANGE_TOPIC,
    NewAccount, RECOVERY_CODES, Resumed, Session, TotpEnrolment, actions, normalize_login_id,
};
pub use settings::{
    ARGON2_MIN_ITERATIONS, ARGON2_MIN_MEMORY_KIB, ARGON2_MIN_PARALLELISM, Argon2Settings,
    AuthSettings, KeySettings, MAX_CONSECUTIVE_FAILURES,
};

#[cfg(feature = "axum")]
pub use web::{CurrentUser, api, authenticate};

use egov_db::{Migration, MigrationSet};

/// egov-auth's migrations (layer 3). Run after `egov_db::change::MIGRATIONS`
/// and egov-audit's.
pub static MIGRATIONS: MigrationSet = MigrationSet::new(
    "egov-auth",
    3,
    &[
        Migration::portable(
            1,
            "accounts, sessions, refresh tokens, recovery codes, roles, grants, assignments",
            include_str!("../migrations/0001_auth.sql"),
        ),
        Migration::portable(
            2,
            "login ids in lower case",
            include_str!("../migrations/0002_login_id_lower_case.sql"),
        ),
        Migration::portable(
            3,
            "eGovFrame member type, organization and group of imported accounts",
            include_str!("../migrations/0003_egovframe_members.sql"),
        ),
        Migration::portable(
            4,
            "accounts whose password must be changed before anything else",
            include_str!("../migrations/0004_password_change_required.sql"),
        ),
        Migration::portable(
            5,
            "temporary passwords an administrator set, to be changed at the next login",
            include_str!("../migrations/0005_password_temporary.sql"),
        ),
    ],
);

/// egov-auth's messages (login, token, password and MFA problems), in Korean and English.
pub static MESSAGES: egov_core::message::FluentResources = egov_core::message::FluentResources {
    component: "egov-auth",
    files: &[
        ("ko", include_str!("../locales/ko/egov-auth.ftl")),
        ("en", include_str!("../locales/en/egov-auth.ftl")),
    ],
};
