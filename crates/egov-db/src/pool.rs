use std::fmt;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, AssertSqlSafe, Executor};

use egov_core::paging::{Page, PageRequest};

use crate::{DatabaseSettings, DbError};

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite: an embedded file, the default for laptops and demos.
    Sqlite,
    /// PostgreSQL: production, shared by several replicas.
    Postgres,
}

impl Backend {
    /// Picks the SQL text for this backend, for the few statements that differ.
    pub fn pick<'a>(self, sqlite: &'a str, postgres: &'a str) -> &'a str {
        match self {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }

    /// The statement that opens a transaction which will write: on SQLite
    /// `BEGIN IMMEDIATE`, which takes the write lock at once, so concurrent
    /// writers wait for it (`busy_timeout`) instead of failing to upgrade a
    /// read lock half-way; on PostgreSQL `BEGIN`. The one definition every
    /// crate's write transactions use.
    pub fn begin_write(self) -> &'static str {
        self.pick("BEGIN IMMEDIATE", "BEGIN")
    }

    /// The backend a URL names.
    pub fn from_url(url: &str) -> Result<Self, DbError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(DbError::InvalidUrl(format!(
                "`{}` is not supported; use sqlite://… or postgres://…",
                redact_url(url)
            ))),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A connection pool to SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    redacted_url: String,
    /// The full URL (with any password), for the dedicated `LISTEN` connection of
    /// [`crate::change::watch`]; never printed.
    url: std::sync::Arc<str>,
    /// SQLite files: the background WAL checkpointer, stopped with the last clone.
    _checkpointer: Option<std::sync::Arc<Checkpointer>>,
}

/// How often the background checkpointer of a SQLite file [`Db`] copies the WAL
/// back into the database file.
pub const SQLITE_CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` every [`SQLITE_CHECKPOINT_INTERVAL`] on
/// a pooled connection, so the copy of WAL pages into the database file and its
/// two `fsync`s happen beside the writers, on another thread, instead of inside
/// whichever commit crossed SQLite's auto-checkpoint threshold (measured with
/// the audit writer: commits paying for checkpoints ran at ~34k events/s with a
/// 20 ms p99; without, ~45k with a 2–5 ms p99). A passive checkpoint never
/// blocks readers or the writer. Connections keep a high auto-checkpoint
/// threshold as a backstop, and the task stops when the pool closes or the
/// last [`Db`] clone is dropped.
struct Checkpointer(tokio::task::JoinHandle<()>);

impl Checkpointer {
    fn start(pool: AnyPool) -> Self {
        Checkpointer(tokio::spawn(async move {
            let mut ticker = tokio::time::interval(SQLITE_CHECKPOINT_INTERVAL);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if pool.is_closed() {
                    break;
                }
                // Nobody has connected yet (the pool is lazy): nothing to copy.
                if pool.size() == 0 {
                    continue;
                }
                if let Err(error) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::debug!(%error, "background WAL checkpoint failed");
                }
            }
        }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .field("url", &self.redacted_url)
            .finish()
    }
}

impl Db {
    /// Connects with pool settings from configuration.
    ///
    /// SQLite files are created if missing and opened with WAL journaling,
    /// foreign keys on and a busy timeout. The pool connects lazily: a database
    /// that is down at start-up makes queries (and `/health/ready`) fail until it
    /// comes back, rather than keeping the service from starting.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let url = settings.url.expose();
        let backend = Backend::from_url(url)?;
        let in_memory = backend == Backend::Sqlite && url.contains(":memory:");
        let url = match backend {
            Backend::Sqlite if !in_memory && !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.clone(),
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|_| DbError::InvalidUrl(redact_url(&url)))?;

        let busy_timeout_ms = settings.sqlite_busy_timeout_ms;
        let mut pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .min_connections(settings.min_connections)
            .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs.max(1)))
            .idle_timeout(
                (settings.idle_timeout_secs > 0)
                    .then(|| Duration::from_secs(settings.idle_timeout_secs)),
            )
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: WAL lets readers run beside the writer; foreign
                        // keys are off in SQLite unless asked for.
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // Statement journals and sort spills in memory, not in
                        // temporary files created, written and deleted per
                        // statement (a multi-row INSERT that can fail half-way
                        // needs one).
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                        conn.execute(AssertSqlSafe(format!(
                            "PRAGMA busy_timeout = {busy_timeout_ms}"
                        )))
                        .await?;
                        if !in_memory {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            // Checkpoints run in the background (see
                            // `Checkpointer`); this is the backstop that bounds
                            // the WAL (~40 MB) if they fall behind.
                            conn.execute("PRAGMA wal_autocheckpoint = 10000").await?;
                        }
                    }
                    Ok(())
                })
            });
        if in_memory {
            // Every connection to `:memory:` is a separate database: keep exactly one.
            pool = pool
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool.connect_lazy_with(options);
        let checkpointer = (backend == Backend::Sqlite && !in_memory)
            .then(|| std::sync::Arc::new(Checkpointer::start(pool.clone())));
        Ok(Db {
            pool,
            backend,
            redacted_url: redact_url(&url),
            url: url.as_str().into(),
            _checkpointer: checkpointer,
        })
    }

    /// Connects to `url` with default pool settings.
    pub async fn connect_url(url: &str) -> Result<Db, DbError> {
        Self::connect(&DatabaseSettings::from_url(url)).await
    }

    /// The pool, for sqlx queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The row of `select` (e.g. `"SELECT id, title FROM notices"`) whose `id`
    /// is `id`, mapped with sqlx's `FromRow`.
    ///
    /// # Errors
    ///
    /// [`DbError::NotFound`] (a 404 problem) when there is none; a database
    /// error, or a row `T` cannot be read from.
    pub async fn find<T>(&self, select: &'static str, id: &str) -> Result<T, DbError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let sql = format!("{select} WHERE id = $1");
        Ok(sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Page `request` of the rows `select` returns in `order` (e.g. `"SELECT id,
    /// title FROM notices"` and `"ORDER BY id DESC"`), with the total count a
    /// pager needs, mapped with sqlx's `FromRow`. Both texts are `'static`: SQL
    /// here is written by the programmer, never assembled from input.
    ///
    /// # Errors
    ///
    /// A database error, or a row `T` cannot be read from.
    pub async fn page<T>(
        &self,
        select: &'static str,
        order: &'static str,
        request: PageRequest,
    ) -> Result<Page<T>, DbError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let count = format!("SELECT COUNT(*) FROM ({select}) AS listed");
        let (total,): (i64,) = sqlx::query_as(AssertSqlSafe(count))
            .fetch_one(&self.pool)
            .await?;
        let rows = format!("{select} {order} LIMIT $1 OFFSET $2");
        let items = sqlx::query_as(AssertSqlSafe(rows))
            .bind(i64::from(request.limit()))
            .bind(i64::try_from(request.offset()).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        Ok(Page::new(items, request, u64::try_from(total).unwrap_or(0)))
    }

    /// Opens a transaction that will write ([`Backend::begin_write`]: `BEGIN
    /// IMMEDIATE` on SQLite). A plain `begin()` works on SQLite only while the
    /// transaction's first statement happens to be a write; a read first makes
    /// two concurrent writers deadlock on the lock upgrade (`SQLITE_BUSY`).
    ///
    /// # Errors
    ///
    /// No connection, or the database refused the statement.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, DbError> {
        Ok(self.pool.begin_with(self.backend.begin_write()).await?)
    }

    pub(crate) fn secret_url(&self) -> &str {
        &self.url
    }

    /// A PostgreSQL connection of its own, outside the pool, for protocol
    /// features the pool's driver-neutral connections do not offer (`COPY …
    /// TO STDOUT`, which sends rows without building a value per column in
    /// the client). The caller owns it and closes it by dropping it.
    ///
    /// Fails with [`DbError::InvalidUrl`] on SQLite.
    pub async fn postgres_connection(&self) -> Result<sqlx::PgConnection, DbError> {
        use sqlx::Connection;
        if self.backend != Backend::Postgres {
            return Err(DbError::InvalidUrl(format!(
                "{} is not a PostgreSQL database",
                self.redacted_url
            )));
        }
        Ok(sqlx::PgConnection::connect(&self.url).await?)
    }

    /// The URL without its password, for logs.
    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// Checks that the database answers `SELECT 1` within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), DbError> {
        match tokio::time::timeout(timeout, sqlx::query("SELECT 1").execute(&self.pool)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(match DbError::from(e) {
                DbError::Query(e) => DbError::Unavailable(e),
                other => other,
            }),
            Err(_) => Err(DbError::TimedOut(timeout)),
        }
    }

    /// Closes every connection; queries afterwards fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `scheme://user:***@host/db` — the URL with any password replaced.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{path}")
            } else {
                format!("{scheme}://{user}@{host}{path}")
            }
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.local:5432/egov?sslmode=require"),
            "postgres://app:***@db.local:5432/egov?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://app@db/egov"),
            "postgres://app@db/egov"
        );
        assert_eq!(redact_url("sqlite://data/egov.db"), "sqlite://data/egov.db");
    }

    #[test]
    fn only_sqlite_and_postgres_are_accepted() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://root:pw@h/db").unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }
}
