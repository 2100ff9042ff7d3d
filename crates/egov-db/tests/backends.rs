//! egov-db against real SQLite and PostgreSQL databases.

use std::time::Duration;

use egov_db::{Db, DbError, Migration, MigrationSet, value};
use sqlx::Row;

static AGENCIES: MigrationSet = MigrationSet::new(
    "test-agencies",
    1,
    &[
        Migration::portable(
            1,
            "create agencies",
            "CREATE TABLE agencies (code TEXT PRIMARY KEY, name TEXT NOT NULL);
             CREATE INDEX agencies_name ON agencies (name);",
        ),
        Migration::per_backend(
            2,
            "add logo",
            "ALTER TABLE agencies ADD COLUMN logo BLOB",
            "ALTER TABLE agencies ADD COLUMN logo BYTEA",
        ),
    ],
);

/// A higher layer whose table references the lower one's.
static OFFICES: MigrationSet = MigrationSet::new(
    "test-offices",
    3,
    &[Migration::portable(
        1,
        "create offices",
        "CREATE TABLE offices (id TEXT PRIMARY KEY, agency TEXT NOT NULL REFERENCES agencies (code))",
    )],
);

async fn history_count(db: &Db) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM egov_schema_history")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

egov_db::backend_tests! {
    async fn migrations_apply_in_layer_order_and_rerun_is_a_no_op(db) {
        // Given out of order, the lower layer still goes first.
        let report = db.migrate(&[&OFFICES, &AGENCIES]).await.unwrap();
        assert_eq!(
            report.applied,
            vec![
                ("test-agencies".to_owned(), 1),
                ("test-agencies".to_owned(), 2),
                ("test-offices".to_owned(), 1)
            ]
        );
        assert_eq!(history_count(&db).await, 3);
        let again = db.migrate(&[&AGENCIES, &OFFICES]).await.unwrap();
        assert!(again.applied.is_empty());
        assert_eq!(history_count(&db).await, 3);
        sqlx::query("INSERT INTO agencies (code, name) VALUES ($1, $2)")
            .bind("1741000")
            .bind("행정안전부")
            .execute(db.pool())
            .await
            .unwrap();
    }

    async fn a_database_newer_than_the_program_is_refused(db) {
        db.migrate(&[&AGENCIES]).await.unwrap();
        static OLDER: MigrationSet = MigrationSet::new(
            "test-agencies",
            1,
            &[Migration::portable(
                1,
                "create agencies",
                "CREATE TABLE agencies (code TEXT PRIMARY KEY, name TEXT NOT NULL);
             CREATE INDEX agencies_name ON agencies (name);",
            )],
        );
        let err = db.migrate(&[&OLDER, &OFFICES]).await.unwrap_err();
        assert!(
            matches!(&err, DbError::SchemaNewer { component, database: 2, known: 1 } if component == "test-agencies"),
            "{err:?}"
        );
        assert!(err.to_string().contains("newer release") || err.to_string().contains("newer"));
        // Nothing was applied for the other set either: checks come first.
        let offices: i64 = sqlx::query("SELECT COUNT(*) FROM egov_schema_history WHERE component = 'test-offices'")
            .fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(offices, 0);
    }

    async fn an_edited_applied_migration_is_refused(db) {
        db.migrate(&[&OFFICES.clone(), &AGENCIES]).await.unwrap();
        static EDITED: MigrationSet = MigrationSet::new(
            "test-offices",
            3,
            &[Migration::portable(1, "create offices", "CREATE TABLE offices (id TEXT PRIMARY KEY)")],
        );
        let err = db.migrate(&[&AGENCIES, &EDITED]).await.unwrap_err();
        assert!(matches!(err, DbError::ChecksumMismatch { version: 1, .. }), "{err:?}");
    }

    async fn a_failing_migration_leaves_nothing_behind(db) {
        static BROKEN: MigrationSet = MigrationSet::new(
            "test-broken",
            1,
            &[
                Migration::portable(1, "ok", "CREATE TABLE first_table (id TEXT PRIMARY KEY)"),
                Migration::portable(
                    2,
                    "half broken",
                    "CREATE TABLE second_table (id TEXT PRIMARY KEY); INSERT INTO no_such_table VALUES (1);",
                ),
            ],
        );
        let err = db.migrate(&[&BROKEN]).await.unwrap_err();
        assert!(matches!(err, DbError::Migration { version: 2, .. }), "{err:?}");
        // Migration 1 stays applied; migration 2 left neither its table nor a history row.
        assert_eq!(history_count(&db).await, 1);
        let second = sqlx::query("SELECT COUNT(*) FROM second_table").fetch_one(db.pool()).await;
        assert!(second.is_err(), "second_table must not exist");
        // The pool is still usable afterwards.
        db.ping(Duration::from_secs(5)).await.unwrap();
    }

    async fn replicas_migrating_at_once_apply_each_migration_once(db) {
        // A second pool on the same database stands in for a second replica.
        // Test URLs carry no password, so the redacted URL is the URL.
        let url = db.redacted_url().to_owned();
        let replica = Db::connect_url(&url).await.unwrap();
        let sets = [&AGENCIES, &OFFICES];
        let (a, b) = tokio::join!(db.migrate(&sets), replica.migrate(&sets));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.applied.len() + b.applied.len(), 3);
        assert_eq!(history_count(&db).await, 3);
        replica.close().await;
    }

    async fn constraint_violations_and_missing_rows_are_typed(db) {
        db.migrate(&[&AGENCIES]).await.unwrap();
        let insert = || sqlx::query("INSERT INTO agencies (code, name) VALUES ('A', 'a')").execute(db.pool());
        insert().await.unwrap();
        let err = DbError::from(insert().await.unwrap_err());
        assert!(matches!(err, DbError::UniqueViolation { .. }), "{err:?}");
        let problem = egov_core::Problem::from(err);
        assert_eq!(problem.status(), 409);

        let missing = sqlx::query("SELECT name FROM agencies WHERE code = $1")
            .bind("nope")
            .fetch_one(db.pool())
            .await
            .err()
            .expect("no row");
        assert!(matches!(DbError::from(missing), DbError::NotFound));
    }

    async fn a_lock_held_too_long_is_unavailable_not_an_internal_error(db) {
        use sqlx::Executor;
        sqlx::query("CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
            .execute(db.pool()).await.unwrap();
        sqlx::query("INSERT INTO counters (id, n) VALUES (1, 0)").execute(db.pool()).await.unwrap();
        let mut holder = db.pool().acquire().await.unwrap();
        let mut waiter = db.pool().acquire().await.unwrap();
        match db.backend() {
            egov_db::Backend::Sqlite => {
                holder.execute("BEGIN IMMEDIATE").await.unwrap();
                waiter.execute("PRAGMA busy_timeout = 50").await.unwrap();
            }
            egov_db::Backend::Postgres => {
                holder.execute("BEGIN").await.unwrap();
                holder.execute("UPDATE counters SET n = 1 WHERE id = 1").await.unwrap();
                waiter.execute("SET lock_timeout = '50ms'").await.unwrap();
            }
        }
        let error = waiter
            .execute("UPDATE counters SET n = 2 WHERE id = 1")
            .await
            .expect_err("the row is locked");
        let error = DbError::from(error);
        // Busy, not broken: a 503 the client may retry, never a 500.
        assert!(error.is_unavailable(), "{error:?}");
        assert_eq!(egov_core::Problem::from(error).status(), 503);
        holder.execute("ROLLBACK").await.unwrap();
    }

    async fn portable_values_round_trip(db) {
        sqlx::query("CREATE TABLE events (id TEXT PRIMARY KEY, at TEXT NOT NULL, n BIGINT NOT NULL, flag BIGINT NOT NULL, note TEXT)")
            .execute(db.pool()).await.unwrap();
        let at = time::macros::datetime!(2026-11-27 07:25:08.123456 UTC);
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query("INSERT INTO events (id, at, n, flag, note) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(value::timestamp_to_sql(at))
            .bind(i64::MAX)
            .bind(1_i64)
            .bind(Option::<String>::None)
            .execute(db.pool()).await.unwrap();
        let row = sqlx::query("SELECT id, at, n, flag, note FROM events WHERE id = $1")
            .bind(&id).fetch_one(db.pool()).await.unwrap();
        assert_eq!(row.get::<String, _>("id"), id);
        assert_eq!(value::timestamp_from_sql("at", &row.get::<String, _>("at")).unwrap(), at);
        assert_eq!(row.get::<i64, _>("n"), i64::MAX);
        assert_eq!(row.get::<i64, _>("flag"), 1);
        assert_eq!(row.get::<Option<String>, _>("note"), None);
    }
}

#[tokio::test]
async fn an_unreachable_database_is_reported_as_unavailable() {
    // Port 9 on loopback: nothing listens there.
    let db = Db::connect(&egov_db::DatabaseSettings {
        acquire_timeout_secs: 1,
        ..egov_db::DatabaseSettings::from_url("postgres://postgres@127.0.0.1:9/none")
    })
    .await
    .unwrap();
    let err = db.ping(Duration::from_secs(3)).await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert_eq!(egov_core::Problem::from(err).status(), 503);
}

#[tokio::test]
async fn sqlite_files_are_created_with_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested-ok.db");
    let db = Db::connect_url(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    db.ping(Duration::from_secs(5)).await.unwrap();
    assert!(path.exists());
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode.to_lowercase(), "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(fk, 1);
    // Statement journals stay in memory (no temporary file per statement).
    let temp_store: i64 = sqlx::query("PRAGMA temp_store")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(temp_store, 2);
}

#[tokio::test]
async fn sqlite_wal_is_checkpointed_in_the_background_not_by_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpointed.db");
    let db = Db::connect_url(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let threshold: i64 = sqlx::query("PRAGMA wal_autocheckpoint")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(threshold, 10_000, "commits only checkpoint as a backstop");
    sqlx::query("CREATE TABLE t (v TEXT)")
        .execute(db.pool())
        .await
        .unwrap();
    // ~100 pages: far below the backstop, so no commit copies them back.
    sqlx::query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO t SELECT printf('%.4000d', i) FROM n")
        .execute(db.pool())
        .await
        .unwrap();
    let main_file = || std::fs::metadata(&path).unwrap().len();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while main_file() < 100 * 4000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the WAL was not copied into the database file within 10 s ({} bytes)",
            main_file()
        );
        tokio::time::sleep(egov_db::SQLITE_CHECKPOINT_INTERVAL).await;
    }
    db.close().await;
}

#[tokio::test]
async fn an_unsupported_url_is_refused_without_echoing_the_password() {
    let err = Db::connect_url("mysql://root:topsecret@127.0.0.1/x")
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::InvalidUrl(_)));
    assert!(!err.to_string().contains("topsecret"));
}
