//! Migration 3 on SQLite: a chain written in the earlier twenty-column form is
//! moved into one JSON record per event, and still verifies and reads the same.

use egov_audit::chain::{GENESIS, StoredEvent, to_hex};
use egov_audit::{AuditLog, AuditSettings, verify};
use egov_db::testing::TestDatabase;
use egov_db::{Migration, MigrationSet};
use sqlx::Row;
use time::macros::datetime;

/// egov-audit's migrations as released before migration 3.
static BEFORE_RECORDS: MigrationSet = MigrationSet::new(
    "egov-audit",
    2,
    &[
        Migration::portable(
            1,
            "audit events, subjects, heads and checkpoints",
            include_str!("../migrations/0001_audit.sql"),
        ),
        Migration::portable(
            2,
            "actor lookups through the time index",
            include_str!("../migrations/0002_actor_in_time_index.sql"),
        ),
    ],
);

fn event(seq: u64, prev: [u8; 32]) -> StoredEvent {
    let mut event = StoredEvent {
        chain_id: "main".into(),
        seq,
        id: format!("01a21ec7-2425-70af-88d0-00c2c51166{seq:02}"),
        occurred_at: datetime!(2026-11-27 09:00:00.123456 UTC),
        principal_kind: "account".into(),
        principal_id: Some("a-1".into()),
        roles: vec!["admin".into(), "clerk \"head\"".into()],
        client_ip: Some("10.0.0.1".into()),
        request_id: seq.is_multiple_of(2).then(|| format!("req-{seq}")),
        trace_id: None,
        action: "download".into(),
        target_type: Some("민원".into()),
        target_id: Some(format!("P-{seq}")),
        subjects: vec![format!("s-{seq}")],
        outcome: "success".into(),
        reason_code: None,
        reason: Some("감사 요청\n\"line\" \\ tab\t".into()),
        detail: r#"{"memo":"첫 줄\n둘째","n":1}"#.into(),
        prev_hash: prev,
        hash: [0; 32],
    };
    event.hash = event.compute_hash(&prev);
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_in_columns_is_moved_into_records_and_still_verifies() {
    let test = TestDatabase::sqlite().await.unwrap();
    let db = test.db();
    db.migrate(&[&BEFORE_RECORDS]).await.unwrap();
    let mut prev = GENESIS;
    let mut events = Vec::new();
    for seq in 1..=5 {
        let e = event(seq, prev);
        sqlx::query(
            "INSERT INTO egov_audit_events (chain_id, seq, id, occurred_at, principal_kind, principal_id, \
             roles, client_ip, request_id, trace_id, action, target_type, target_id, subjects, outcome, \
             reason_code, reason, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        )
        .bind(e.chain_id.clone())
        .bind(i64::try_from(e.seq).unwrap())
        .bind(e.id.clone())
        .bind(egov_db::value::timestamp_to_sql(e.occurred_at))
        .bind(e.principal_kind.clone())
        .bind(e.principal_id.clone())
        .bind(serde_json::to_string(&e.roles).unwrap())
        .bind(e.client_ip.clone())
        .bind(e.request_id.clone())
        .bind(e.trace_id.clone())
        .bind(e.action.clone())
        .bind(e.target_type.clone())
        .bind(e.target_id.clone())
        .bind(serde_json::to_string(&e.subjects).unwrap())
        .bind(e.outcome.clone())
        .bind(e.reason_code.clone())
        .bind(e.reason.clone())
        .bind(e.detail.clone())
        .bind(to_hex(&e.prev_hash))
        .bind(to_hex(&e.hash))
        .execute(db.pool())
        .await
        .unwrap();
        // The writer indexes each event's subjects (verify checks the index).
        for subject in &e.subjects {
            sqlx::query(
                "INSERT INTO egov_audit_subjects (chain_id, seq, subject) VALUES ($1, $2, $3)",
            )
            .bind(e.chain_id.clone())
            .bind(i64::try_from(e.seq).unwrap())
            .bind(subject.clone())
            .execute(db.pool())
            .await
            .unwrap();
        }
        prev = e.hash;
        events.push(e);
    }
    sqlx::query("INSERT INTO egov_audit_heads (chain_id, seq, hash) VALUES ('main', 5, $1)")
        .bind(to_hex(&prev))
        .execute(db.pool())
        .await
        .unwrap();

    let report = db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    assert_eq!(report.applied, vec![("egov-audit".to_owned(), 3)]);

    let log = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let verified = verify(db, "main", &log.verifier()).await.unwrap();
    assert_eq!((verified.damage, verified.events_checked), (None, 5));
    // The generated columns read back what was stored before.
    let rows = sqlx::query(
        "SELECT id, principal_id, roles, request_id, trace_id, target_type, subjects, reason, detail \
         FROM egov_audit_events ORDER BY seq",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    for (row, e) in rows.iter().zip(&events) {
        assert_eq!(row.get::<String, _>(0), e.id);
        assert_eq!(row.get::<Option<String>, _>(1), e.principal_id);
        assert_eq!(
            serde_json::from_str::<Vec<String>>(&row.get::<String, _>(2)).unwrap(),
            e.roles
        );
        assert_eq!(row.get::<Option<String>, _>(3), e.request_id);
        assert_eq!(row.get::<Option<String>, _>(4), None);
        assert_eq!(row.get::<Option<String>, _>(5), e.target_type);
        assert_eq!(
            serde_json::from_str::<Vec<String>>(&row.get::<String, _>(6)).unwrap(),
            e.subjects
        );
        assert_eq!(row.get::<Option<String>, _>(7), e.reason);
        assert_eq!(row.get::<String, _>(8), e.detail);
    }
    // The chain goes on in the new form.
    let receipt = log
        .record(egov_audit::AuditEvent::new(
            egov_audit::Action::VIEW,
            &egov_core::actor::Actor::system("after"),
            egov_audit::Outcome::Success,
        ))
        .await
        .unwrap();
    assert_eq!(receipt.seq, 6);
    log.shutdown().await;
    let verified = verify(db, "main", &log.verifier()).await.unwrap();
    assert_eq!((verified.damage, verified.events_checked), (None, 6));
}
