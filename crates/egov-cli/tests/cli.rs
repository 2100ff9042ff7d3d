//! The `egov` binary, run as an operator would, on both databases.

use std::process::Command;

use egov_audit::{Action, AuditEvent, AuditLog, AuditSettings, Outcome, Target};
use egov_core::actor::Actor;

mod common;
use common::{egov, stdout};

egov_db::backend_tests! {
    async fn migrate_then_audit_commands(db) {
        let url = test_db_url(&db);
        let first = egov(&url, &["migrate"]);
        assert!(first.status.success(), "{first:?}");
        assert!(stdout(&first).contains("applied egov-audit v1"));
        let again = egov(&url, &["migrate"]);
        assert!(stdout(&again).contains("up to date"), "{again:?}");

        let log = AuditLog::start(db.clone(), &AuditSettings::default()).await.unwrap();
        for i in 0..3 {
            log.record(AuditEvent::new(Action::VIEW, &Actor::system("cli-test"), Outcome::Success)
                .target(Target::new("petition", i)))
                .await
                .unwrap();
        }
        log.shutdown().await;

        let verified = egov(&url, &["audit", "verify"]);
        assert!(verified.status.success(), "{verified:?}");
        assert!(stdout(&verified).contains("3 events checked"));

        let exported = egov(&url, &["audit", "export"]);
        assert!(exported.status.success());
        let lines: Vec<serde_json::Value> = stdout(&exported)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2]["seq"], 3);

        let checkpoints = egov(&url, &["audit", "checkpoint"]);
        assert!(checkpoints.status.success());
        assert!(!stdout(&checkpoints).is_empty());

        // `--checkpoints FILE` checks the file's checkpoints *and* the stored
        // ones: a stored checkpoint whose signature no longer verifies is damage.
        let kept = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(kept.path(), stdout(&checkpoints)).unwrap();
        let path = kept.path().to_str().unwrap();
        let with_file = egov(&url, &["audit", "verify", "--checkpoints", path]);
        assert!(with_file.status.success(), "{with_file:?}");
        egov_db::sqlx::query("UPDATE egov_audit_checkpoints SET text = REPLACE(text, '20', '19')")
            .execute(db.pool())
            .await
            .unwrap();
        for args in [&["audit", "verify"][..], &["audit", "verify", "--checkpoints", path]] {
            let bad = egov(&url, args);
            assert_eq!(bad.status.code(), Some(1), "{args:?}: {bad:?}");
            assert!(stdout(&bad).contains("BadSignature"), "{args:?}: {}", stdout(&bad));
        }
        egov_db::sqlx::query("DELETE FROM egov_audit_checkpoints")
            .execute(db.pool())
            .await
            .unwrap();

        // Tampering makes verify exit 1. (SQLite keeps each event as one JSON
        // record with the columns generated from it: the record is edited.)
        let tamper = db.backend().pick(
            "UPDATE egov_audit_events SET record = json_replace(record, '$[10]', 'forged') WHERE seq = 2",
            "UPDATE egov_audit_events SET target_id = 'forged' WHERE seq = 2",
        );
        egov_db::sqlx::query(tamper)
            .execute(db.pool())
            .await
            .unwrap();
        let damaged = egov(&url, &["audit", "verify"]);
        assert_eq!(damaged.status.code(), Some(1), "{damaged:?}");
        assert!(stdout(&damaged).contains("DAMAGED at seq 2"));

        let report = egov(&url, &["audit", "report", "--month", "2026-11", "--format", "csv"]);
        assert!(report.status.success(), "{report:?}");
    }
}

egov_db::backend_tests! {
    async fn purge_removes_events_past_retention_up_to_a_checkpoint(db) {
        let url = test_db_url(&db);
        assert!(egov(&url, &["migrate"]).status.success());
        // Events recorded three years ago, then a checkpoint covering them.
        let clock = std::sync::Arc::new(egov_core::clock::ManualClock::new(
            time::OffsetDateTime::now_utc() - time::Duration::days(3 * 365),
        ));
        let log = AuditLog::start_with_clock(db.clone(), &AuditSettings::default(), clock.clone())
            .await
            .unwrap();
        for i in 0..5 {
            log.record(AuditEvent::new(Action::VIEW, &Actor::system("cli-test"), Outcome::Success)
                .target(Target::new("petition", i)))
                .await
                .unwrap();
        }
        log.shutdown().await;
        // And two recent ones, which must stay.
        let log = AuditLog::start(db.clone(), &AuditSettings::default()).await.unwrap();
        for i in 5..7 {
            log.record(AuditEvent::new(Action::VIEW, &Actor::system("cli-test"), Outcome::Success)
                .target(Target::new("petition", i)))
                .await
                .unwrap();
        }
        log.shutdown().await;

        // Refused without --yes, and below the legal minimum.
        let unconfirmed = egov(&url, &["audit", "purge"]);
        assert_eq!(unconfirmed.status.code(), Some(2), "{unconfirmed:?}");
        let too_short = egov(&url, &["audit", "purge", "--keep-days", "30", "--yes"]);
        assert_eq!(too_short.status.code(), Some(2), "{too_short:?}");
        let count = |db: &egov_db::Db| {
            let db = db.clone();
            async move {
                egov_db::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM egov_audit_events")
                    .fetch_one(db.pool())
                    .await
                    .unwrap()
            }
        };
        assert_eq!(count(&db).await, 7);

        let purged = egov(&url, &["audit", "purge", "--yes"]);
        assert!(purged.status.success(), "{purged:?}");
        assert!(stdout(&purged).contains("5 events purged"), "{purged:?}");
        assert_eq!(count(&db).await, 2);
        // What remains verifies from the checkpoint the purge stopped at.
        let verified = egov(&url, &["audit", "verify"]);
        assert!(verified.status.success(), "{verified:?}");
        assert!(stdout(&verified).contains("up to seq 7"), "{verified:?}");
    }
}

/// The URL of the test database the macro gave us (the same one `db` uses).
fn test_db_url(db: &egov_db::Db) -> String {
    db.redacted_url().to_owned()
}

#[test]
fn bad_input_exits_2_and_unreachable_database_exits_3() {
    let bad_month = egov(
        "sqlite::memory:",
        &["audit", "report", "--month", "2026-13"],
    );
    assert_eq!(bad_month.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_month.stderr).contains("YYYY-MM"));

    let unknown = egov("sqlite::memory:", &["keys", "generate", "rsa"]);
    assert_eq!(unknown.status.code(), Some(2));

    let down = egov(
        "postgres://nobody@127.0.0.1:1/none?connect_timeout=1",
        &["migrate"],
    );
    assert_eq!(down.status.code(), Some(3), "{down:?}");
    assert!(!String::from_utf8_lossy(&down.stderr).contains("password"));
}

#[test]
fn generated_keys_are_printed_once_and_differ() {
    let a = egov(
        "sqlite::memory:",
        &["keys", "generate", "audit", "--id", "k1"],
    );
    let b = egov(
        "sqlite::memory:",
        &["keys", "generate", "audit", "--id", "k1"],
    );
    assert!(a.status.success());
    assert_ne!(stdout(&a), stdout(&b));
    assert!(stdout(&a).contains("EGOV__AUDIT__SIGNING_KEY="));
}

#[test]
fn audit_public_key_prints_the_configured_key_without_a_database() {
    // A generated key, configured through the environment as a service would be.
    let generated = egov(
        "sqlite::memory:",
        &["keys", "generate", "audit", "--id", "k7"],
    );
    let lines = stdout(&generated);
    let value = |name: &str| {
        lines
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .to_owned()
    };
    let secret = value("EGOV__AUDIT__SIGNING_KEY=");
    let public = value("# Public key for auditors (not secret): ");
    let config = tempfile::tempdir().unwrap();
    let printed = Command::new(env!("CARGO_BIN_EXE_egov"))
        .arg("--config-dir")
        .arg(config.path())
        // Unreachable: the command must not need the database.
        .args([
            "--db",
            "postgres://nobody@127.0.0.1:1/none?connect_timeout=1",
        ])
        .args(["audit", "public-key"])
        .env_remove("EGOV_PROFILE")
        .env("EGOV__AUDIT__SIGNING_KEY_ID", "k7")
        .env("EGOV__AUDIT__SIGNING_KEY", &secret)
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    assert_eq!(stdout(&printed), format!("k7 {public}\n"));
    assert!(!stdout(&printed).contains(&secret));
}
