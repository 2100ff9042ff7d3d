//! Isolated test databases on both backends (feature `testing`).
//!
//! Every test gets its own database, so tests run in parallel: a temporary
//! SQLite file, or a fresh PostgreSQL database created on the server named by
//! `EGOV_TEST_POSTGRES_URL` and dropped afterwards (also when the test fails).
//!
//! [`backend_tests!`](crate::backend_tests) writes one test body once and runs it
//! as two tests, `name::sqlite` and `name::postgres`:
//!
//! ```
//! egov_db::backend_tests! {
//!     async fn answers_select_one(db) {
//!         let (one,): (i64,) = sqlx::query_as("SELECT 1").fetch_one(db.pool()).await.unwrap();
//!         assert_eq!(one, 1);
//!     }
//! }
//! ```
//!
//! Without `EGOV_TEST_POSTGRES_URL` the PostgreSQL variant says so and passes,
//! except under `CI=true`, where PostgreSQL is mandatory and its absence fails the
//! test.
//!
//! [`Proxy`] stands between a pool and PostgreSQL so that a test can take the
//! server away and bring it back (outage and recovery tests).

mod proxy;

use std::future::Future;

use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};

use crate::{Backend, Db, DbError};

pub use proxy::Proxy;

/// The environment variable naming the PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`. Test databases are created on it.
pub const POSTGRES_URL_ENV: &str = "EGOV_TEST_POSTGRES_URL";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    db: Db,
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> Result<Self, DbError> {
        let dir = tempfile::tempdir().map_err(|e| {
            DbError::InvalidUrl(format!("cannot create a temporary directory: {e}"))
        })?;
        let url = format!("sqlite://{}/test.db", dir.path().display());
        let db = Db::connect_url(&url).await?;
        Ok(Self {
            db,
            url,
            cleanup: Cleanup::Sqlite(dir),
        })
    }

    /// A fresh, empty database on the PostgreSQL server at `admin_url`.
    pub async fn postgres(admin_url: &str) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let name = format!("egov_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AnyConnection::connect(admin_url).await?;
        admin
            .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        admin.close().await?;
        let url = replace_database(admin_url, &name);
        let db = Db::connect_url(&url).await?;
        Ok(Self {
            db,
            url,
            cleanup: Cleanup::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
        })
    }

    /// A fresh database on `backend`; `None` for PostgreSQL when no server is
    /// configured (outside CI).
    pub async fn new(backend: Backend) -> Result<Option<Self>, DbError> {
        match backend {
            Backend::Sqlite => Self::sqlite().await.map(Some),
            Backend::Postgres => match postgres_url() {
                Some(url) => Self::postgres(&url).await.map(Some),
                None => Ok(None),
            },
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Its URL (to start a second pool or a child process on the same database).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the pool and removes the database.
    pub async fn close(self) -> Result<(), DbError> {
        self.db.close().await;
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let mut admin = AnyConnection::connect(admin_url).await?;
            admin
                .execute(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await?;
            admin.close().await?;
        }
        Ok(())
    }
}

/// The PostgreSQL URL for tests from [`POSTGRES_URL_ENV`].
///
/// # Panics
///
/// When it is unset and `CI=true`: in CI a skipped PostgreSQL test is a failure.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{POSTGRES_URL_ENV} is not set, and PostgreSQL tests are mandatory when CI=true")
        }
        _ => None,
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|i| start + i))
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Runs `body` against a fresh database on `backend`, on a new multi-threaded
/// runtime, and removes the database afterwards, also when `body` panics (the
/// panic is then re-raised). Used by [`backend_tests!`](crate::backend_tests).
pub fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("cannot start a tokio runtime for the test");
    runtime.block_on(async move {
        let Some(database) = TestDatabase::new(backend)
            .await
            .unwrap_or_else(|e| panic!("cannot create a {backend} test database: {e}"))
        else {
            eprintln!("skipped: set {POSTGRES_URL_ENV} to run the PostgreSQL variant");
            return;
        };
        let outcome = tokio::spawn(body(database.db().clone())).await;
        if let Err(e) = database.close().await {
            eprintln!("could not remove the test database: {e}");
        }
        if let Err(join_error) = outcome {
            match join_error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("test task failed: {e}"),
            }
        }
    });
}

/// Writes each test once and runs it on SQLite and on PostgreSQL, as the tests
/// `name::sqlite` and `name::postgres`. The body gets a fresh, empty [`Db`].
#[macro_export]
macro_rules! backend_tests {
    ($( $(#[$meta:meta])* async fn $name:ident($db:ident) $body:block )*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                $crate::testing::run($crate::Backend::Sqlite, |$db: $crate::Db| async move $body);
            }

            #[test]
            fn postgres() {
                $crate::testing::run($crate::Backend::Postgres, |$db: $crate::Db| async move $body);
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_replaced_keeping_credentials_and_query() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://h:5432", "t3"),
            "postgres://h:5432/t3"
        );
    }
}
