//! Shared set-up of the behaviour tests.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use egov_audit::{AuditLog, AuditSettings};
use egov_codes::{CodeDraft, CodeRegistry, CodesSettings, GroupDraft};
use egov_core::actor::{Actor, Permission};
use egov_core::id::Id;
use egov_db::Db;

pub fn settings() -> CodesSettings {
    CodesSettings {
        poll_interval_ms: 100,
        ..CodesSettings::default()
    }
}

pub async fn migrate(db: &Db) {
    db.migrate(&[
        &egov_db::change::MIGRATIONS,
        &egov_audit::MIGRATIONS,
        &egov_codes::MIGRATIONS,
    ])
    .await
    .unwrap();
}

pub async fn registry(db: &Db) -> CodeRegistry {
    registry_with(db, settings()).await
}

/// A registry with other settings (e.g. a poll too slow to matter).
pub async fn registry_with(db: &Db, settings: CodesSettings) -> CodeRegistry {
    migrate(db).await;
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    CodeRegistry::start(db.clone(), audit, settings)
        .await
        .unwrap()
}

pub fn admin() -> Actor {
    Actor::account(Id::new(), [Permission::new("codes:write")])
}

/// PETITION_TYPE with 01 질의, 02 건의, 03 진정 (en labels too).
pub async fn seed(codes: &CodeRegistry) {
    let who = admin();
    codes
        .create_group(
            &who,
            GroupDraft::new("PETITION_TYPE", "민원 유형").label("en", "Petition type"),
            Some("최초 등록"),
        )
        .await
        .unwrap();
    for (code, ko, en, order) in [
        ("01", "질의", "Inquiry", 1),
        ("02", "건의", "Suggestion", 2),
        ("03", "진정", "Complaint", 3),
    ] {
        codes
            .create_code(
                &who,
                CodeDraft::new("PETITION_TYPE", code, ko)
                    .label("en", en)
                    .sort_order(order),
                None,
            )
            .await
            .unwrap();
    }
}

/// Waits (bounded) until `check` holds.
pub async fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = std::time::Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}
