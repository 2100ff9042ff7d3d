//! Per-crate migrations, applied in layer order.
//!
//! Why not sqlx's migrator: it keeps one version sequence per database, while
//! egov-rs has one per crate (audit, codes, auth and the application each number
//! their own), and it has no notion of "this database is newer than me".

use std::collections::{BTreeMap, HashSet};

use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Executor, Row};

use crate::value::timestamp_to_sql;
use crate::{Backend, Db, DbError};

macro_rules! history_table {
    () => {
        "egov_schema_history"
    };
}

/// The table recording applied migrations: `(component, version)` → checksum.
pub const HISTORY_TABLE: &str = history_table!();

/// PostgreSQL advisory-lock key held while migrating, so that replicas starting
/// together apply each migration once.
const PG_LOCK_KEY: i64 = 0x6567_6f76_6d69_6772; // "egovmigr"

/// One numbered schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

impl Migration {
    /// A migration whose SQL is the same on both backends.
    pub const fn portable(version: i64, description: &'static str, sql: &'static str) -> Self {
        Self {
            version,
            description,
            sqlite: sql,
            postgres: sql,
        }
    }

    /// A migration with SQL for each backend.
    pub const fn per_backend(
        version: i64,
        description: &'static str,
        sqlite: &'static str,
        postgres: &'static str,
    ) -> Self {
        Self {
            version,
            description,
            sqlite,
            postgres,
        }
    }

    /// The version number (strictly increasing within a set).
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The description.
    pub fn description(&self) -> &'static str {
        self.description
    }

    fn sql(&self, backend: Backend) -> &'static str {
        backend.pick(self.sqlite, self.postgres)
    }

    /// The SHA-256 of its SQL for `backend`, lower-case hex: what the
    /// history table records, and what `egov check` compares files with.
    pub fn checksum(&self, backend: Backend) -> String {
        let digest = Sha256::digest(self.sql(backend).as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The migrations one component (crate or application) owns.
#[derive(Debug, Clone, Copy)]
pub struct MigrationSet {
    component: &'static str,
    layer: u8,
    migrations: &'static [Migration],
}

impl MigrationSet {
    /// `component` names the owner (e.g. `egov-audit`); `layer` is its place in the
    /// crate stack (applications use 5), so dependencies' tables exist first.
    pub const fn new(component: &'static str, layer: u8, migrations: &'static [Migration]) -> Self {
        Self {
            component,
            layer,
            migrations,
        }
    }

    /// The component's name.
    pub fn component(&self) -> &'static str {
        self.component
    }

    /// Its place in the crate stack (applications use 5).
    pub fn layer(&self) -> u8 {
        self.layer
    }

    /// Its migrations, in version order.
    pub fn migrations(&self) -> &'static [Migration] {
        self.migrations
    }

    /// The highest version this program ships (0 when empty).
    pub fn latest_version(&self) -> i64 {
        self.migrations.iter().map(|m| m.version).max().unwrap_or(0)
    }
}

/// What a [`Db::migrate`] run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// `(component, version)` of each migration applied, in order.
    pub applied: Vec<(String, i64)>,
}

impl Db {
    /// Applies every pending migration of `sets`, lowest layer first.
    ///
    /// Re-running is a no-op. Before changing anything it checks every set, and
    /// refuses a database holding a version this program doesn't know
    /// ([`DbError::SchemaNewer`]) or an applied migration whose SQL has changed
    /// ([`DbError::ChecksumMismatch`]). Each migration runs in its own
    /// transaction with its history row; on PostgreSQL an advisory lock serializes
    /// replicas, on SQLite `BEGIN IMMEDIATE` does.
    pub async fn migrate(&self, sets: &[&MigrationSet]) -> Result<MigrationReport, DbError> {
        let mut ordered: Vec<&MigrationSet> = sets.to_vec();
        ordered.sort_by_key(|s| s.layer);
        check_sets(&ordered)?;

        let mut conn = self.pool().acquire().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_LOCK_KEY)
                .execute(&mut *conn)
                .await?;
        }
        let result = self.migrate_locked(&mut conn, &ordered).await;
        if self.backend() == Backend::Postgres {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_LOCK_KEY)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                // The lock dies with the session; don't return this connection.
                conn.detach();
            }
        }
        result
    }

    async fn migrate_locked(
        &self,
        conn: &mut PoolConnection<Any>,
        sets: &[&MigrationSet],
    ) -> Result<MigrationReport, DbError> {
        let backend = self.backend();
        (&mut **conn)
            .execute(concat!(
                "CREATE TABLE IF NOT EXISTS ",
                history_table!(),
                " (
                    component TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    description TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    applied_at TEXT NOT NULL,
                    PRIMARY KEY (component, version)
                )"
            ))
            .await?;

        // Check everything before changing anything.
        for set in sets {
            let applied = applied_versions(&mut *conn, set.component).await?;
            let known: BTreeMap<i64, &Migration> =
                set.migrations.iter().map(|m| (m.version, m)).collect();
            for (version, checksum) in &applied {
                match known.get(version) {
                    None => {
                        return Err(DbError::SchemaNewer {
                            component: set.component.to_owned(),
                            database: *applied.keys().max().unwrap_or(version),
                            known: set.latest_version(),
                        });
                    }
                    Some(m) if m.checksum(backend) != *checksum => {
                        return Err(DbError::ChecksumMismatch {
                            component: set.component.to_owned(),
                            version: *version,
                        });
                    }
                    Some(_) => {}
                }
            }
        }

        let mut report = MigrationReport::default();
        for set in sets {
            for migration in set.migrations {
                if apply_one(&mut *conn, backend, set.component, migration).await? {
                    tracing::info!(
                        component = set.component,
                        version = migration.version,
                        description = migration.description,
                        "applied migration"
                    );
                    report
                        .applied
                        .push((set.component.to_owned(), migration.version));
                }
            }
        }
        Ok(report)
    }
}

fn check_sets(sets: &[&MigrationSet]) -> Result<(), DbError> {
    let mut components = HashSet::new();
    for set in sets {
        if !components.insert(set.component) {
            return Err(DbError::InvalidMigrations(format!(
                "component `{}` is listed twice",
                set.component
            )));
        }
        if set
            .migrations
            .windows(2)
            .any(|w| w[0].version >= w[1].version)
            || set.migrations.first().is_some_and(|m| m.version < 1)
        {
            return Err(DbError::InvalidMigrations(format!(
                "versions of `{}` must start at 1 or above and increase",
                set.component
            )));
        }
    }
    Ok(())
}

async fn applied_versions(
    conn: &mut sqlx::AnyConnection,
    component: &str,
) -> Result<BTreeMap<i64, String>, DbError> {
    let rows = sqlx::query(concat!(
        "SELECT version, checksum FROM ",
        history_table!(),
        " WHERE component = $1"
    ))
    .bind(component)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Applies `migration` unless already recorded; `true` when it was applied.
async fn apply_one(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    component: &str,
    migration: &Migration,
) -> Result<bool, DbError> {
    // Raw BEGIN so SQLite can take the write lock up front (IMMEDIATE): a second
    // process waits here instead of failing half-way.
    conn.execute(backend.begin_write()).await?;
    let outcome = async {
        let already = sqlx::query(concat!(
            "SELECT 1 FROM ",
            history_table!(),
            " WHERE component = $1 AND version = $2"
        ))
        .bind(component)
        .bind(migration.version)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
        if already {
            return Ok(false);
        }
        conn.execute(sqlx::raw_sql(migration.sql(backend)))
            .await
            .map_err(|source| DbError::Migration {
                component: component.to_owned(),
                version: migration.version,
                description: migration.description.to_owned(),
                source,
            })?;
        sqlx::query(concat!(
            "INSERT INTO ",
            history_table!(),
            " (component, version, description, checksum, applied_at) VALUES ($1, $2, $3, $4, $5)"
        ))
        .bind(component)
        .bind(migration.version)
        .bind(migration.description)
        .bind(migration.checksum(backend))
        .bind(timestamp_to_sql(time::OffsetDateTime::now_utc()))
        .execute(&mut *conn)
        .await?;
        Ok(true)
    }
    .await;
    match outcome {
        Ok(applied) => {
            conn.execute("COMMIT").await?;
            Ok(applied)
        }
        Err(error) => {
            conn.execute("ROLLBACK").await?;
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inconsistent_sets_are_rejected() {
        static DESCENDING: [Migration; 2] = [
            Migration::portable(2, "b", "SELECT 1"),
            Migration::portable(1, "a", "SELECT 1"),
        ];
        let set = MigrationSet::new("x", 1, &DESCENDING);
        assert!(matches!(
            check_sets(&[&set]),
            Err(DbError::InvalidMigrations(_))
        ));
        let ok = MigrationSet::new("y", 1, &[]);
        assert!(matches!(
            check_sets(&[&ok, &ok]),
            Err(DbError::InvalidMigrations(_))
        ));
    }
}
