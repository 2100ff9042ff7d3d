//! Shared test setup: a migrated database, an audit log, an `Auth` on a manual clock.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use egov_audit::{AuditLog, AuditSettings};
use egov_auth::{Auth, AuthSettings, NewAccount};
use egov_core::actor::Actor;
use egov_core::clock::ManualClock;
use egov_db::Db;
use time::macros::datetime;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Env {
    pub db: Db,
    pub auth: Auth,
    pub clock: Arc<ManualClock>,
    pub audit: AuditLog,
}

pub async fn migrate(db: &Db) {
    db.migrate(&[
        &egov_db::change::MIGRATIONS,
        &egov_audit::MIGRATIONS,
        &egov_auth::MIGRATIONS,
    ])
    .await
    .unwrap();
}

pub async fn env_with(db: Db, settings: AuthSettings) -> Env {
    migrate(&db).await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-03-02 09:00 UTC)));
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let auth = Auth::with_clock(db.clone(), settings, cipher(), audit.clone(), clock.clone())
        .await
        .unwrap();
    Env {
        db,
        auth,
        clock,
        audit,
    }
}

/// The field cipher of the `[privacy]` defaults (development keys).
pub fn cipher() -> egov_privacy::FieldCipher {
    egov_privacy::FieldCipher::from_settings(&egov_privacy::PrivacySettings::default()).unwrap()
}

pub async fn env(db: Db) -> Env {
    env_with(db, AuthSettings::default()).await
}

pub fn admin() -> Actor {
    Actor::system("test-admin")
}

pub async fn account(env: &Env, login_id: &str) -> egov_auth::Account {
    env.auth
        .create_account(
            &admin(),
            NewAccount {
                login_id: login_id.into(),
                display_name: "홍길동".into(),
                email: None,
                password: PASSWORD.into(),
                roles: Default::default(),
            },
        )
        .await
        .unwrap()
}

pub async fn audit_count(db: &Db, action: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM egov_audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(db.pool())
        .await
        .unwrap();
    n
}

/// An account imported from an eGovFrame dump of `COMTNEMPLYRINFO` with
/// eGovFrame's hash of `password` (as an agency's migration brings it).
pub async fn egovframe_account(env: &Env, login_id: &str, password: &str) -> egov_auth::Account {
    let dump = format!(
        "INSERT INTO COMTNEMPLYRINFO (EMPLYR_ID, USER_NM, PASSWORD, EMPLYR_STTUS_CODE, ESNTL_ID) \
         VALUES ('{login_id}', '웹마스터', '{}', 'P', 'USRCNFRM_00000000001');\n",
        egov_auth::password::egov_sha256(login_id, password)
    );
    let import = egov_auth::import::EgovImport::from_sql_dump(&dump).unwrap();
    env.auth.import_egov(&admin(), &import).await.unwrap();
    env.auth.account_by_login_id(login_id).await.unwrap()
}
