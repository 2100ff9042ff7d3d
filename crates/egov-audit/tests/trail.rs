//! The audit trail on real SQLite and PostgreSQL databases: recording, every kind
//! of tampering, concurrent writers, transactions, store failure, retention.

use std::sync::Arc;

use egov_audit::chain::StoredEvent;
use egov_audit::{
    Action, AuditError, AuditEvent, AuditLog, AuditSettings, DamageKind, Detail, Outcome, Reason,
    SubjectId, Target, purge, verify,
};
use egov_core::actor::Actor;
use egov_core::clock::{Clock, ManualClock};
use egov_db::{Backend, Db};
use sqlx::{Executor, Row};

fn settings(every: u64) -> AuditSettings {
    AuditSettings {
        checkpoint_every_events: every,
        ..AuditSettings::default()
    }
}

fn event(i: usize) -> AuditEvent {
    AuditEvent::new(Action::VIEW, &Actor::system("test"), Outcome::Success)
        .target(Target::new("petition", format!("P-{i}")))
}

async fn setup(db: &Db, events: usize, every: u64) -> AuditLog {
    db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let log = AuditLog::start(db.clone(), &settings(every)).await.unwrap();
    for i in 0..events {
        log.record(event(i)).await.unwrap();
    }
    log
}

/// A pooled connection with a write transaction open (SQLite: `BEGIN
/// IMMEDIATE`, so the audit append cannot fail to upgrade its lock).
async fn write_transaction(db: &Db) -> sqlx::pool::PoolConnection<sqlx::Any> {
    let begin = match db.backend() {
        egov_db::Backend::Sqlite => "BEGIN IMMEDIATE",
        egov_db::Backend::Postgres => "BEGIN",
    };
    let mut conn = db.pool().acquire().await.unwrap();
    conn.execute(begin).await.unwrap();
    conn
}

/// `events` recorded in one transaction on a migrated `db`; the log is shut
/// down (its final checkpoint signed) before it is returned.
async fn recorded_in_one_transaction(db: &Db, every: u64, events: Vec<AuditEvent>) -> AuditLog {
    db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let log = AuditLog::start(db.clone(), &settings(every)).await.unwrap();
    let mut conn = write_transaction(db).await;
    log.record_all_in_transaction(&mut conn, events)
        .await
        .unwrap();
    conn.execute("COMMIT").await.unwrap();
    drop(conn);
    log.shutdown().await;
    log
}

/// SQL that sets stored field `field` of event `seq` to the SQL literal
/// `value`, as someone with write access to the database would: PostgreSQL
/// keeps a column per field; SQLite keeps one JSON record per event and
/// generates the columns from it (they cannot be updated), so the record is
/// what gets edited there.
fn set_field(db: &Db, field: &str, value: &str, seq: u64) -> String {
    const RECORD_FIELDS: [&str; 16] = [
        "id",
        "occurred_at",
        "principal_kind",
        "principal_id",
        "roles",
        "client_ip",
        "request_id",
        "trace_id",
        "action",
        "target_type",
        "target_id",
        "subjects",
        "outcome",
        "reason_code",
        "reason",
        "detail",
    ];
    match db.backend() {
        Backend::Postgres => {
            format!("UPDATE egov_audit_events SET {field} = {value} WHERE seq = {seq}")
        }
        Backend::Sqlite => {
            let index = RECORD_FIELDS.iter().position(|f| *f == field).unwrap();
            format!(
                "UPDATE egov_audit_events SET record = json_replace(record, '$[{index}]', {value}) WHERE seq = {seq}"
            )
        }
    }
}

/// Swaps events 7 and 8 (their sequence numbers), as a reordering would.
const SWAP_7_AND_8: &str = "UPDATE egov_audit_events SET seq = -7 WHERE seq = 7;
     UPDATE egov_audit_events SET seq = 7 WHERE seq = 8;
     UPDATE egov_audit_events SET seq = 8 WHERE seq = -7";

async fn damage_after(db: &Db, log: &AuditLog, tamper: &str) -> Option<egov_audit::Damage> {
    for statement in tamper.split(';').filter(|s| !s.trim().is_empty()) {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(db.pool())
            .await
            .unwrap();
    }
    verify(db, "main", &log.verifier()).await.unwrap().damage
}

egov_db::backend_tests! {
    async fn recorded_events_verify_and_are_numbered_in_order(db) {
        let log = setup(&db, 25, 10).await;
        log.shutdown().await;
        let report = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!(report.damage, None);
        assert_eq!(report.events_checked, 25);
        assert_eq!(report.last_seq, 25);
        // Checkpoints at 10 and 20 by count, 25 at shutdown.
        assert_eq!(report.checkpoints_checked, 3);
        assert!(matches!(log.record(event(99)).await, Err(AuditError::Closed)));
    }

    async fn a_modified_field_is_detected(db) {
        let log = setup(&db, 20, 5).await;
        log.shutdown().await;
        let damage = damage_after(&db, &log, &set_field(&db, "action", "'delete'", 7)).await;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((7, DamageKind::Modified)));
    }

    async fn sqlite_columns_come_from_the_hashed_record_and_cannot_be_edited_apart(db) {
        let log = setup(&db, 3, 5).await;
        log.shutdown().await;
        let row = sqlx::query("SELECT principal_kind, principal_id, roles, action, target_type, target_id, subjects, outcome, detail FROM egov_audit_events WHERE seq = 2")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let columns: Vec<Option<String>> = (0..9).map(|i| row.get(i)).collect();
        let expected = ["system", "test", "[]", "view", "petition", "P-1", "[]", "success", "{}"];
        assert_eq!(columns, expected.map(|c| Some(c.to_owned())).to_vec());
        if db.backend() == Backend::Sqlite {
            let edit = sqlx::query("UPDATE egov_audit_events SET action = 'delete' WHERE seq = 2").execute(db.pool()).await;
            assert!(edit.unwrap_err().to_string().contains("generated column"));
        }
        assert_eq!(verify(&db, "main", &log.verifier()).await.unwrap().damage, None);
    }

    async fn a_redefined_sqlite_events_table_is_detected(db) {
        let log = setup(&db, 3, 5).await;
        log.shutdown().await;
        if db.backend() == Backend::Sqlite {
            // Columns generated from something other than the record: the
            // records still verify, the columns would lie.
            let mut conn = db.pool().acquire().await.unwrap();
            for statement in [
                "PRAGMA writable_schema = ON",
                "UPDATE sqlite_master SET sql = replace(sql, 'AS (record ->> 8)', 'AS (coalesce(NULL, record ->> 8))') WHERE name = 'egov_audit_events'",
                "PRAGMA writable_schema = OFF",
            ] {
                conn.execute(statement).await.unwrap();
            }
            drop(conn);
            let damage = verify(&db, "main", &log.verifier()).await.unwrap().damage;
            assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((1, DamageKind::Redefined)));
        }
    }

    async fn a_stored_hash_or_record_that_cannot_be_read_is_a_modified_event(db) {
        // Not an error that stops verify: the event is reported where it is.
        let log = setup(&db, 20, 5).await;
        log.shutdown().await;
        let damage = damage_after(&db, &log, "UPDATE egov_audit_events SET hash = 'not a hash' WHERE seq = 9").await;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((9, DamageKind::Modified)));
        if db.backend() == Backend::Sqlite {
            // A raw line break in a record cuts its page line in two.
            let damage = damage_after(&db, &log, "UPDATE egov_audit_events SET record = replace(record, '\"view\"', '\"vi' || char(10) || 'ew\"') WHERE seq = 4").await;
            assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((4, DamageKind::Modified)));
        }
    }

    async fn a_deleted_row_is_detected(db) {
        let log = setup(&db, 20, 5).await;
        log.shutdown().await;
        let damage = damage_after(&db, &log, "DELETE FROM egov_audit_events WHERE seq = 7").await;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((7, DamageKind::Missing)));
    }

    async fn a_reordered_pair_is_detected(db) {
        let log = setup(&db, 20, 5).await;
        log.shutdown().await;
        let damage = damage_after(&db, &log, SWAP_7_AND_8).await;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((7, DamageKind::Unlinked)));
    }

    async fn an_inserted_row_is_detected(db) {
        let log = setup(&db, 20, 5).await;
        log.shutdown().await;
        // The forger renumbers the tail and inserts a well-formed event at 7,
        // correctly hashed onto event 6.
        sqlx::query("UPDATE egov_audit_events SET seq = -seq WHERE seq >= 7").execute(db.pool()).await.unwrap();
        sqlx::query("UPDATE egov_audit_events SET seq = 1 - seq WHERE seq < 0").execute(db.pool()).await.unwrap();
        let six = sqlx::query("SELECT hash FROM egov_audit_events WHERE seq = 6").fetch_one(db.pool()).await.unwrap();
        let prev = egov_audit::chain::from_hex(&six.get::<String, _>(0)).unwrap();
        let mut forged = StoredEvent {
            chain_id: "main".into(),
            seq: 7,
            id: uuid::Uuid::now_v7().to_string(),
            occurred_at: time::OffsetDateTime::now_utc(),
            principal_kind: "system".into(),
            principal_id: Some("forger".into()),
            roles: vec![],
            client_ip: None,
            request_id: None,
            trace_id: None,
            action: "view".into(),
            target_type: None,
            target_id: None,
            subjects: vec![],
            outcome: "success".into(),
            reason_code: None,
            reason: None,
            detail: "{}".into(),
            prev_hash: prev,
            hash: [0; 32],
        };
        forged.hash = forged.compute_hash(&prev);
        let insert = match db.backend() {
            Backend::Postgres => "INSERT INTO egov_audit_events (chain_id, seq, id, occurred_at, principal_kind, principal_id, roles, action, subjects, outcome, detail, prev_hash, hash)
             VALUES ('main', 7, $1, $2, 'system', 'forger', '[]', 'view', '[]', 'success', '{}', $3, $4)",
            Backend::Sqlite => "INSERT INTO egov_audit_events (chain_id, seq, record, prev_hash, hash)
             VALUES ('main', 7, json_array($1, $2, 'system', 'forger', json('[]'), NULL, NULL, NULL, 'view', NULL, NULL, json('[]'), 'success', NULL, NULL, '{}'), $3, $4)",
        };
        sqlx::query(insert)
        .bind(&forged.id)
        .bind(egov_db::value::timestamp_to_sql(forged.occurred_at))
        .bind(egov_audit::chain::to_hex(&prev))
        .bind(egov_audit::chain::to_hex(&forged.hash))
        .execute(db.pool())
        .await
        .unwrap();
        let damage = verify(&db, "main", &log.verifier()).await.unwrap().damage;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((8, DamageKind::Unlinked)));
    }

    async fn a_truncated_tail_is_detected_against_the_last_checkpoint(db) {
        let log = setup(&db, 20, 5).await;
        log.shutdown().await;
        let damage = damage_after(
            &db,
            &log,
            "DELETE FROM egov_audit_events WHERE seq > 15; UPDATE egov_audit_heads SET seq = 15",
        )
        .await;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((16, DamageKind::Truncated)));
    }

    async fn a_rehashed_rewrite_is_caught_by_the_signed_checkpoints(db) {
        let log = setup(&db, 10, 5).await;
        log.shutdown().await;
        // Rewrite event 3 and recompute every later hash, as an attacker with
        // database access (but without the signing key) could.
        sqlx::query(sqlx::AssertSqlSafe(set_field(&db, "target_id", "'P-forged'", 3))).execute(db.pool()).await.unwrap();
        let rows = sqlx::query("SELECT seq FROM egov_audit_events ORDER BY seq").fetch_all(db.pool()).await.unwrap();
        let mut prev = [0u8; 32];
        for row in rows {
            let seq: i64 = row.get(0);
            let mut stored = read_event(&db, seq).await;
            stored.prev_hash = prev;
            stored.hash = stored.compute_hash(&prev);
            sqlx::query("UPDATE egov_audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3")
                .bind(egov_audit::chain::to_hex(&stored.prev_hash))
                .bind(egov_audit::chain::to_hex(&stored.hash))
                .bind(seq)
                .execute(db.pool())
                .await
                .unwrap();
            prev = stored.hash;
        }
        let damage = verify(&db, "main", &log.verifier()).await.unwrap().damage;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((5, DamageKind::CheckpointMismatch)));
    }

    async fn concurrent_writers_in_two_logs_lose_nothing_and_keep_one_chain(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        // Two logs with their own pools stand for two replicas.
        let replica_db = Db::connect_url(db.redacted_url()).await.unwrap();
        let logs = [
            AuditLog::start(db.clone(), &settings(500)).await.unwrap(),
            AuditLog::start(replica_db.clone(), &settings(500)).await.unwrap(),
        ];
        let (writers, per_writer) = (8, 150);
        let mut tasks = Vec::new();
        for w in 0..writers {
            let log = logs[w % 2].clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..per_writer {
                    seqs.push(log.record(event(w * 1000 + i)).await.unwrap().seq);
                }
                seqs
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        for log in &logs {
            log.shutdown().await;
        }
        all.sort_unstable();
        let expected: Vec<u64> = (1..=(writers * per_writer) as u64).collect();
        assert_eq!(all, expected, "every receipt names a distinct committed event");
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM egov_audit_events").fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(count, (writers * per_writer) as i64);
        let report = verify(&db, "main", &logs[0].verifier()).await.unwrap();
        assert_eq!(report.damage, None);
        assert_eq!(report.events_checked, (writers * per_writer) as u64);
        replica_db.close().await;
    }

    async fn an_event_recorded_in_a_rolled_back_transaction_is_gone_with_it(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        sqlx::query("CREATE TABLE petitions (id TEXT PRIMARY KEY)").execute(db.pool()).await.unwrap();
        let log = AuditLog::start(db.clone(), &settings(100)).await.unwrap();
        let begin = match db.backend() { egov_db::Backend::Sqlite => "BEGIN IMMEDIATE", egov_db::Backend::Postgres => "BEGIN" };
        // The writer appends first, so it knows (caches) the head; the committed
        // transaction below then moves the head behind the writer's back.
        assert_eq!(log.record(event(0)).await.unwrap().seq, 1);
        for (id, commit) in [("rolled-back", false), ("kept", true)] {
            let mut conn = db.pool().acquire().await.unwrap();
            conn.execute(begin).await.unwrap();
            sqlx::query("INSERT INTO petitions (id) VALUES ($1)").bind(id).execute(&mut *conn).await.unwrap();
            log.record_in_transaction(&mut conn, event(1).target(Target::new("petition", id))).await.unwrap();
            conn.execute(if commit { "COMMIT" } else { "ROLLBACK" }).await.unwrap();
        }
        let petitions: Vec<String> = sqlx::query("SELECT id FROM petitions").fetch_all(db.pool()).await.unwrap()
            .iter().map(|r| r.get(0)).collect();
        assert_eq!(petitions, ["kept"]);
        let targets: Vec<String> = sqlx::query("SELECT target_id FROM egov_audit_events ORDER BY seq").fetch_all(db.pool()).await.unwrap()
            .iter().map(|r| r.get(0)).collect();
        assert_eq!(targets, ["P-0", "kept"]);
        // The writer notices the moved head and continues the same chain.
        assert_eq!(log.record(event(2)).await.unwrap().seq, 3);
        assert_eq!(log.record(event(3)).await.unwrap().seq, 4);
        log.shutdown().await;
        assert_eq!(verify(&db, "main", &log.verifier()).await.unwrap().damage, None);
    }

    async fn bulk_records_in_a_transaction_are_all_or_nothing(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let log = AuditLog::start(db.clone(), &settings(100)).await.unwrap();
        let mut conn = write_transaction(&db).await;
        // A download without a reason is invalid: nothing of the batch is written.
        let invalid = AuditEvent::new(Action::DOWNLOAD, &Actor::system("test"), Outcome::Success)
            .subject(egov_audit::SubjectId::from_blind_index(&"ab12cd34".repeat(8)).unwrap());
        assert!(log.record_all_in_transaction(&mut conn, vec![event(1), invalid]).await.is_err());
        let receipts = log
            .record_all_in_transaction(&mut conn, (0..300).map(event).collect())
            .await
            .unwrap();
        conn.execute("COMMIT").await.unwrap();
        drop(conn);
        assert_eq!(receipts.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=300).collect::<Vec<u64>>());
        assert_eq!(log.record(event(300)).await.unwrap().seq, 301);
        log.shutdown().await;
        let report = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!((report.damage, report.events_checked), (None, 301));
    }

    async fn verify_reads_a_chain_of_many_pages_and_text_that_needs_escaping(db) {
        // verify reads SQLite 4,096 events per query, each page as one text of
        // JSON lines, and PostgreSQL as binary COPY cut into pages of about
        // 1 MiB: 9,000 events span several pages either way, and quotes,
        // backslashes, tabs, newlines and Korean in the fields must come back
        // byte for byte.
        let tricky = |i: usize| {
            AuditEvent::new(Action::UPDATE, &Actor::system("batch \"nightly\""), Outcome::Failure)
                .target(Target::new("민원", format!("P-{i}")))
                .reason_code("quote\"back\\slash\ttab")
                .detail(Detail::new().text("memo", "첫 줄\n둘째 줄 \"인용\" \\ 끝\r\t").number("n", i as i64))
        };
        let log = recorded_in_one_transaction(&db, 4096, (0..9000).map(tricky).collect()).await;
        let report = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!((report.damage, report.events_checked, report.last_seq), (None, 9000, 9000));
        // Damage on the third page is found at its place.
        let damage = damage_after(&db, &log, &set_field(&db, "detail", "'{\"memo\":\"x\"}'", 8500)).await;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((8500, DamageKind::Modified)));
    }

    async fn a_chain_id_with_quotes_and_backslashes_is_read_as_itself(db) {
        // PostgreSQL reads with COPY, which takes no parameters: the chain id
        // is quoted by the server, and must select this chain and no other.
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        for (chain, events) in [("o'brien\\ \"x\"", 3), ("o", 5)] {
            let settings = AuditSettings { chain_id: chain.into(), ..settings(2) };
            let log = AuditLog::start(db.clone(), &settings).await.unwrap();
            for i in 0..events {
                log.record(event(i)).await.unwrap();
            }
            log.shutdown().await;
        }
        let log = AuditLog::start(db.clone(), &AuditSettings { chain_id: "o'brien\\ \"x\"".into(), ..settings(2) }).await.unwrap();
        let report = verify(&db, "o'brien\\ \"x\"", &log.verifier()).await.unwrap();
        assert_eq!((report.damage, report.events_checked), (None, 3));
        let report = verify(&db, "o", &log.verifier()).await.unwrap();
        assert_eq!((report.damage, report.events_checked), (None, 5));
        log.shutdown().await;
    }

    async fn a_long_chain_is_verified_in_parts_that_must_join(db) {
        // Chains of more than 16,384 events are checked in parallel parts (one
        // per core, at most four); with 20,000 events and two or four cores,
        // a part starts at 10,001. Damage is still reported at its first place.
        let log = recorded_in_one_transaction(&db, 100_000, (0..20_000).map(event).collect()).await;
        let report = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!((report.damage, report.events_checked, report.last_seq), (None, 20_000, 20_000));
        let found = |damage: Option<egov_audit::Damage>| damage.map(|d| (d.seq, d.kind));
        let damage = damage_after(&db, &log, &set_field(&db, "target_id", "'P-x'", 15000)).await;
        assert_eq!(found(damage), Some((15_000, DamageKind::Modified)));
        // A part's first event claiming another predecessor does not join.
        let damage = damage_after(&db, &log, &format!("UPDATE egov_audit_events SET prev_hash = '{}' WHERE seq = 10001", "0".repeat(64))).await;
        assert_eq!(found(damage), Some((10_001, DamageKind::Unlinked)));
        // The last event of a part gone.
        let damage = damage_after(&db, &log, "DELETE FROM egov_audit_events WHERE seq = 10000").await;
        assert_eq!(found(damage), Some((10_000, DamageKind::Missing)));
        let report = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!((report.events_checked, report.last_seq), (9_999, 9_999));
    }

    async fn a_store_failure_is_an_error_and_nothing_is_claimed(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let log = AuditLog::start(db.clone(), &settings(100)).await.unwrap();
        assert_eq!(log.record(event(1)).await.unwrap().seq, 1);
        db.close().await; // the store goes away
        let err = log.record(event(2)).await.unwrap_err();
        assert!(matches!(err, AuditError::NotRecorded(_)), "{err:?}");
        assert_eq!(egov_core::Problem::from(err).status(), 503);
        let reopened = Db::connect_url(db.redacted_url()).await.unwrap();
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM egov_audit_events").fetch_one(reopened.pool()).await.unwrap().get(0);
        assert_eq!(count, 1);
        reopened.close().await;
    }

    async fn purge_keeps_a_verifiable_chain_from_a_checkpoint(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let start = time::macros::datetime!(2024-01-01 0:00 UTC);
        let clock = Arc::new(ManualClock::new(start));
        let log = AuditLog::start_with_clock(db.clone(), &settings(10), clock.clone()).await.unwrap();
        for i in 0..25 {
            log.record(event(i)).await.unwrap();
        }
        clock.advance(time::Duration::days(800));
        for i in 25..30 {
            log.record(event(i)).await.unwrap();
        }
        log.shutdown().await;
        // Retention 730 days, today = start + 800 days: events 1–25 are old, but
        // only up to the checkpoint at 20 may go.
        let report = purge(&db, "main", clock.now() - time::Duration::days(730)).await.unwrap();
        assert_eq!((report.up_to, report.removed), (20, 20));
        let verified = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!(verified.damage, None);
        assert_eq!(verified.events_checked, 10);
    }

    async fn a_chain_entirely_past_retention_is_never_purged_empty(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let start = time::macros::datetime!(2024-01-01 0:00 UTC);
        let clock = Arc::new(ManualClock::new(start));
        let log = AuditLog::start_with_clock(db.clone(), &settings(10), clock.clone()).await.unwrap();
        for i in 0..25 {
            log.record(event(i)).await.unwrap();
        }
        // Shutting down signs a final checkpoint at 25: every event is covered.
        log.shutdown().await;
        clock.advance(time::Duration::days(800));
        let report = purge(&db, "main", clock.now() - time::Duration::days(730)).await.unwrap();
        // Not 25: that would leave an empty chain, indistinguishable from a cut tail.
        assert_eq!((report.up_to, report.removed), (20, 20));
        let verified = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!(verified.damage, None);
        assert_eq!((verified.events_checked, verified.last_seq), (5, 25));
        // Purging again changes nothing; cutting the rest off is still caught.
        assert_eq!(purge(&db, "main", clock.now()).await.unwrap().removed, 0);
        sqlx::query("DELETE FROM egov_audit_subjects").execute(db.pool()).await.unwrap();
        sqlx::query("DELETE FROM egov_audit_events").execute(db.pool()).await.unwrap();
        let cut = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!(cut.damage.map(|d| d.kind), Some(egov_audit::DamageKind::Truncated));
    }

    async fn secrets_and_raw_identifiers_never_reach_the_store(db) {
        let log = setup(&db, 0, 100).await;
        let actor = Actor::system("test");
        let subject = SubjectId::from_blind_index(&"c".repeat(64)).unwrap();
        log.record(
            AuditEvent::personal_data_download(
                Action::DOWNLOAD,
                &actor,
                Target::new("applicant", "900101-1234568"),
                [subject],
                Reason::new("민원인 900101-1234568 요청, 연락처 010-1234-5678").unwrap(),
            )
            .detail(Detail::new().text("password", "hunter2").text("email", "kim@example.go.kr").text("rrn", "9001011234568")),
        )
        .await
        .unwrap();
        // A download of personal data without a reason is refused.
        let without = AuditEvent::new(Action::DOWNLOAD, &actor, Outcome::Success)
            .subject(SubjectId::from_blind_index(&"d".repeat(64)).unwrap());
        assert!(matches!(log.record(without).await, Err(AuditError::ReasonRequired)));
        log.shutdown().await;
        let row = sqlx::query("SELECT * FROM egov_audit_events").fetch_one(db.pool()).await.unwrap();
        let mut stored = String::new();
        for name in ["target_id", "reason", "detail", "subjects"] {
            stored.push_str(&row.get::<String, _>(name));
        }
        for secret in ["1234568", "9001011", "hunter2", "1234-5678", "kim@"] {
            assert!(!stored.contains(secret), "{secret} leaked: {stored}");
        }
    }
    async fn a_database_only_attacker_is_caught_by_the_head_the_subjects_and_the_witness(db) {
        let witness_dir = tempfile::tempdir().unwrap();
        let witness_path = witness_dir.path().join("audit-witness.txt");
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let log = AuditLog::start(db.clone(), &AuditSettings {
            witness_file: witness_path.display().to_string(),
            ..settings(5)
        }).await.unwrap();
        for i in 0..12 {
            let subject = SubjectId::from_blind_index(&format!("{i:02}").repeat(32)).unwrap();
            log.record(event(i).subject(subject)).await.unwrap();
        }
        log.shutdown().await;
        let verifier = log.verifier();
        let clean = verify(&db, "main", &verifier).await.unwrap();
        assert_eq!((clean.damage, clean.last_seq), (None, 12));
        // The witness file holds the final checkpoint, outside the database.
        let witness = egov_audit::witness::extract(&std::fs::read_to_string(&witness_path).unwrap()).unwrap();
        assert_eq!(witness.len(), 1);
        assert_eq!((witness[0].checkpoint.size, witness[0].checkpoint.chain_id.as_str()), (12, "main"));

        // A subject row deleted: searches by subject would miss the access.
        let index = sqlx::query("SELECT seq, subject FROM egov_audit_subjects WHERE seq = 4")
            .fetch_one(db.pool()).await.unwrap();
        let subject: String = index.get(1);
        sqlx::query("DELETE FROM egov_audit_subjects WHERE seq = 4").execute(db.pool()).await.unwrap();
        let damage = verify(&db, "main", &verifier).await.unwrap().damage;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((4, DamageKind::SubjectsMismatch)));
        // … or pointed at another event.
        sqlx::query("INSERT INTO egov_audit_subjects (chain_id, seq, subject) VALUES ('main', 9, $1)")
            .bind(&subject).execute(db.pool()).await.unwrap();
        let damage = verify(&db, "main", &verifier).await.unwrap().damage;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((4, DamageKind::SubjectsMismatch)));
        sqlx::query("DELETE FROM egov_audit_subjects WHERE seq = 9 AND subject = $1")
            .bind(&subject).execute(db.pool()).await.unwrap();
        sqlx::query("INSERT INTO egov_audit_subjects (chain_id, seq, subject) VALUES ('main', 4, $1)")
            .bind(&subject).execute(db.pool()).await.unwrap();
        assert_eq!(verify(&db, "main", &verifier).await.unwrap().damage, None);

        // The tail cut with the checkpoints that covered it, the head left:
        // the head shows it.
        for statement in [
            "DELETE FROM egov_audit_subjects WHERE seq > 10",
            "DELETE FROM egov_audit_events WHERE seq > 10",
            "DELETE FROM egov_audit_checkpoints WHERE size > 10",
        ] {
            sqlx::query(statement).execute(db.pool()).await.unwrap();
        }
        let damage = verify(&db, "main", &verifier).await.unwrap().damage;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((11, DamageKind::Truncated)));
        // The head moved back too: the database alone agrees with itself now…
        let hash: String = sqlx::query_scalar("SELECT hash FROM egov_audit_events WHERE seq = 10")
            .fetch_one(db.pool()).await.unwrap();
        sqlx::query("UPDATE egov_audit_heads SET seq = 10, hash = $1").bind(&hash)
            .execute(db.pool()).await.unwrap();
        assert_eq!(verify(&db, "main", &verifier).await.unwrap().damage, None);
        // … but not with the witness kept outside it.
        let report = egov_audit::verify::verify_also_against(&db, "main", &verifier, &witness).await.unwrap();
        assert_eq!(report.damage.map(|d| (d.seq, d.kind)), Some((11, DamageKind::Truncated)));

        // A head that names another hash, or no head at all.
        sqlx::query("UPDATE egov_audit_heads SET hash = $1").bind("00".repeat(32))
            .execute(db.pool()).await.unwrap();
        let damage = verify(&db, "main", &verifier).await.unwrap().damage;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((10, DamageKind::HeadMismatch)));
        sqlx::query("DELETE FROM egov_audit_heads").execute(db.pool()).await.unwrap();
        let damage = verify(&db, "main", &verifier).await.unwrap().damage;
        assert_eq!(damage.map(|d| (d.seq, d.kind)), Some((10, DamageKind::HeadMismatch)));

        // Everything wiped: only the witness tells.
        for statement in [
            "DELETE FROM egov_audit_subjects",
            "DELETE FROM egov_audit_events",
            "DELETE FROM egov_audit_checkpoints",
        ] {
            sqlx::query(statement).execute(db.pool()).await.unwrap();
        }
        assert_eq!(verify(&db, "main", &verifier).await.unwrap().damage, None);
        let report = egov_audit::verify::verify_also_against(&db, "main", &verifier, &witness).await.unwrap();
        assert_eq!(report.damage.map(|d| (d.seq, d.kind)), Some((1, DamageKind::Truncated)));
    }

    async fn events_inserted_past_the_head_are_caught(db) {
        let log = setup(&db, 6, 100).await;
        log.shutdown().await;
        // A copy of event 6 as event 7 (its hash chained properly), the head untouched.
        let mut forged = read_event(&db, 6).await;
        let prev = forged.hash;
        forged.seq = 7;
        forged.id = "01JF0000000000000000000007".into();
        forged.prev_hash = prev;
        forged.hash = forged.compute_hash(&prev);
        let insert = match db.backend() {
            Backend::Postgres => "INSERT INTO egov_audit_events (chain_id, seq, id, occurred_at, principal_kind, principal_id, roles, action, target_type, target_id, subjects, outcome, detail, prev_hash, hash)
             SELECT chain_id, 7, $1, occurred_at, principal_kind, principal_id, roles, action, target_type, target_id, subjects, outcome, detail, $2, $3 FROM egov_audit_events WHERE seq = 6",
            Backend::Sqlite => "INSERT INTO egov_audit_events (chain_id, seq, record, prev_hash, hash)
             SELECT chain_id, 7, json_replace(record, '$[0]', $1), $2, $3 FROM egov_audit_events WHERE seq = 6",
        };
        sqlx::query(insert)
            .bind(&forged.id)
            .bind(egov_audit::chain::to_hex(&prev))
            .bind(egov_audit::chain::to_hex(&forged.hash))
            .execute(db.pool()).await.unwrap();
        let report = verify(&db, "main", &log.verifier()).await.unwrap();
        assert_eq!(report.last_seq, 7, "the forged event chains");
        assert_eq!(report.damage.map(|d| (d.seq, d.kind)), Some((7, DamageKind::HeadMismatch)));
    }

}

async fn read_event(db: &Db, seq: i64) -> StoredEvent {
    // Reads through the public verify path's column set.
    let row = sqlx::query("SELECT * FROM egov_audit_events WHERE seq = $1")
        .bind(seq)
        .fetch_one(db.pool())
        .await
        .unwrap();
    let hex = |c: &str| egov_audit::chain::from_hex(&row.get::<String, _>(c)).unwrap();
    StoredEvent {
        chain_id: row.get("chain_id"),
        seq: u64::try_from(row.get::<i64, _>("seq")).unwrap(),
        id: row.get("id"),
        occurred_at: egov_db::value::timestamp_from_sql(
            "occurred_at",
            &row.get::<String, _>("occurred_at"),
        )
        .unwrap(),
        principal_kind: row.get("principal_kind"),
        principal_id: row.get("principal_id"),
        roles: serde_json::from_str(&row.get::<String, _>("roles")).unwrap(),
        client_ip: row.get("client_ip"),
        request_id: row.get("request_id"),
        trace_id: row.get("trace_id"),
        action: row.get("action"),
        target_type: row.get("target_type"),
        target_id: row.get("target_id"),
        subjects: serde_json::from_str(&row.get::<String, _>("subjects")).unwrap(),
        outcome: row.get("outcome"),
        reason_code: row.get("reason_code"),
        reason: row.get("reason"),
        detail: row.get("detail"),
        prev_hash: hex("prev_hash"),
        hash: hex("hash"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_shares_a_one_connection_in_memory_database() {
    // verify reads each part on one pooled connection and asks about a damaged
    // event on another query: with a pool of one, the reader must give its
    // connection back first, and unmapped, not closed (closing the only
    // connection of an in-memory database would delete it).
    let db = Db::connect_url("sqlite::memory:").await.unwrap();
    let log = setup(&db, 20, 5).await;
    log.shutdown().await;
    let report = verify(&db, "main", &log.verifier()).await.unwrap();
    assert_eq!((report.damage, report.events_checked), (None, 20));
    let damage = damage_after(&db, &log, SWAP_7_AND_8).await;
    assert_eq!(
        damage.map(|d| (d.seq, d.kind)),
        Some((7, DamageKind::Unlinked))
    );
    // (An in-memory database has no file to map: the pragma answers nothing.)
    let mmap: Option<i64> = sqlx::query_scalar("PRAGMA mmap_size")
        .fetch_optional(db.pool())
        .await
        .unwrap();
    assert_eq!(mmap.unwrap_or(0), 0);
    let report = verify(&db, "main", &log.verifier()).await.unwrap();
    assert_eq!(report.events_checked, 6);
}

/// The store goes away under a running log: PostgreSQL reached through a proxy
/// that the test cuts (open connections closed, new ones refused), with a pool
/// that waits 1 s for a connection.
///
/// The batch that finds the store gone fails after that wait; from then on the
/// writer knows, and refuses events at once — every one, including concurrent
/// ones, each told that nothing was recorded and why — instead of waiting out
/// the timeout again per batch. Once the store is back, recording resumes
/// without a restart, and the chain holds exactly the acknowledged events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_store_is_refused_at_once_until_it_answers_again() {
    const KNOWN_DOWN: &str = "the audit store has not answered since";
    let Some(database) = egov_db::testing::TestDatabase::new(Backend::Postgres)
        .await
        .unwrap()
    else {
        eprintln!("skipped: set EGOV_TEST_POSTGRES_URL to run this PostgreSQL test");
        return;
    };
    let (mut proxy, proxied) = egov_db::testing::Proxy::in_front_of(database.url())
        .await
        .unwrap();
    let mut config = egov_db::DatabaseSettings::from_url(proxied);
    config.acquire_timeout_secs = 1;
    let db = Db::connect(&config).await.unwrap();
    let log = setup(&db, 0, 100).await;
    let mut acknowledged = vec![log.record(event(0)).await.unwrap().seq];

    proxy.cut().await;
    // The writer's held connection breaks, or its next acquire times out: one
    // or two batches fail trying; the one after that is refused at once.
    let mut tried = Vec::new();
    let refused = loop {
        let error = log.record(event(1)).await.unwrap_err();
        assert!(matches!(error, AuditError::NotRecorded(_)), "{error:?}");
        let text = error.to_string();
        assert_eq!(egov_core::Problem::from(error).status(), 503);
        if text.contains(KNOWN_DOWN) {
            break text;
        }
        tried.push(text);
        assert!(tried.len() <= 2, "never refused at once: {tried:?}");
    };
    assert!(
        !tried.is_empty(),
        "refused before any batch found the store gone: {refused}"
    );
    // While it stays down, concurrent callers are all refused, for the same reason.
    let calls = (2..10).map(|i| {
        let log = log.clone();
        tokio::spawn(async move { log.record(event(i)).await })
    });
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(error.to_string().contains(KNOWN_DOWN), "{error}");
    }

    proxy.restore().await;
    let back = std::time::Instant::now();
    let receipt = loop {
        match log.record(event(10)).await {
            Ok(receipt) => break receipt,
            Err(error) => {
                assert!(
                    back.elapsed() < std::time::Duration::from_secs(30),
                    "still not recording 30 s after the store came back: {error}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };
    acknowledged.push(receipt.seq);
    log.shutdown().await;

    // Nothing refused was written; what was acknowledged is there and verifies.
    assert_eq!(acknowledged, [1, 2]);
    let report = verify(database.db(), "main", &log.verifier())
        .await
        .unwrap();
    assert_eq!((report.damage, report.events_checked), (None, 2));
    let targets: Vec<String> =
        sqlx::query_scalar("SELECT target_id FROM egov_audit_events ORDER BY seq")
            .fetch_all(database.db().pool())
            .await
            .unwrap();
    assert_eq!(targets, ["P-0", "P-10"]);
    db.close().await;
    drop(proxy);
    database.close().await.unwrap();
}
