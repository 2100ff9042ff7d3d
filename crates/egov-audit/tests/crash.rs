//! Crash safety: a process appending with `Committed` durability is killed with
//! SIGKILL mid-load. Every event it was told was committed must be there, and
//! the chain must verify.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use egov_audit::AuditSettings;
use egov_audit::checkpoint::CheckpointSigner;
use egov_db::Backend;
use egov_db::testing::TestDatabase;
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

async fn crash_and_check(backend: Backend) {
    let Some(database) = TestDatabase::new(backend).await.unwrap() else {
        eprintln!("skipped: set {} to run", egov_db::testing::POSTGRES_URL_ENV);
        return;
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_egov-audit"))
        .args([
            "load",
            "--db",
            database.url(),
            "--callers",
            "16",
            "--events",
            "1000000",
            "--print-committed",
        ])
        .env("EGOV_PROFILE", "test")
        .env("EGOV_CONFIG_DIR", "/nonexistent")
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = BTreeSet::new();
    let reading = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(seq) = line.strip_prefix("committed ") {
                committed.insert(seq.parse::<u64>().unwrap());
                if committed.len() == 3000 {
                    // Mid-load: callers have batches in flight right now.
                    child.start_kill().unwrap();
                }
            }
        }
    })
    .await;
    assert!(
        reading.is_ok(),
        "the load process never reached 3000 events"
    );
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "the process was killed, not finished");
    assert!(committed.len() >= 3000);

    let db = database.db();
    if backend == Backend::Postgres {
        // PostgreSQL finishes a statement whose client vanished: the killed
        // process's last batch may still commit after it is gone. Wait for its
        // server backends to go idle before counting.
        for _ in 0..100 {
            let busy: i64 = sqlx::query(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND state <> 'idle'",
            )
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get(0);
            if busy == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let counted = sqlx::query("SELECT COUNT(*), MAX(seq) FROM egov_audit_events")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let (stored, max): (i64, i64) = (counted.get(0), counted.get(1));
    // The chain is contiguous from 1, so every acknowledged number at or below
    // its end is present.
    assert_eq!(stored, max);
    let highest_acknowledged = *committed.iter().next_back().unwrap();
    assert!(
        highest_acknowledged <= u64::try_from(max).unwrap(),
        "acknowledged {highest_acknowledged}, stored up to {max}"
    );
    let settings = AuditSettings::default();
    let verifier =
        CheckpointSigner::from_config(&settings.signing_key_id, settings.signing_key.expose())
            .unwrap()
            .verifier();
    let report = egov_audit::verify(db, "main", &verifier).await.unwrap();
    assert_eq!(report.damage, None);
    assert_eq!(report.events_checked, u64::try_from(max).unwrap());
    database.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_writer_loses_no_acknowledged_event_on_sqlite() {
    crash_and_check(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_writer_loses_no_acknowledged_event_on_postgres() {
    crash_and_check(Backend::Postgres).await;
}
