use egov_core::message::Message;
use egov_core::problem::{Problem, ProblemType};

/// Errors from egov-db. `Display` is for operators' logs: it never contains a
/// database password or bound values. Clients see the [`Problem`] it converts
/// into, which says nothing about the database beyond "unavailable".
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL is not a `sqlite:` or `postgres:` URL, or does not parse.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The database could not be reached (connection refused, pool timeout…).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The database did not answer in time.
    #[error("database did not answer within {0:?}")]
    TimedOut(std::time::Duration),
    /// A query expected a row and found none.
    #[error("row not found")]
    NotFound,
    /// A unique constraint was violated (someone else already holds the key).
    #[error("unique constraint violated{}", .constraint.as_deref().map(|c| format!(": {c}")).unwrap_or_default())]
    UniqueViolation {
        /// The constraint's name, when the backend reports it.
        constraint: Option<String>,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Query(#[source] sqlx::Error),
    /// A stored value could not be read back (e.g. a malformed timestamp).
    #[error("cannot decode column `{column}`: {reason}")]
    Decode {
        /// The column.
        column: String,
        /// What was wrong.
        reason: String,
    },
    /// The database's schema of a component is newer than this program.
    #[error(
        "the database schema of `{component}` is at version {database}, but this program knows \
         only up to version {known}: run a newer release, or restore a database that matches"
    )]
    SchemaNewer {
        /// The component (crate) whose schema is newer.
        component: String,
        /// The highest version recorded in the database.
        database: i64,
        /// The highest version this program ships.
        known: i64,
    },
    /// A migration already applied was changed afterwards.
    #[error(
        "migration {version} of `{component}` was changed after it was applied (checksum \
         mismatch); ship a new migration instead of editing an applied one"
    )]
    ChecksumMismatch {
        /// The component.
        component: String,
        /// The migration's version.
        version: i64,
    },
    /// A migration failed to apply; nothing of it was kept.
    #[error("migration {version} ({description}) of `{component}` failed: {source}")]
    Migration {
        /// The component.
        component: String,
        /// The migration's version.
        version: i64,
        /// Its description.
        description: String,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
    /// The migration sets themselves are inconsistent (a programming error).
    #[error("invalid migration sets: {0}")]
    InvalidMigrations(String),
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => DbError::Unavailable(error),
            sqlx::Error::Database(ref db) if db.is_unique_violation() => DbError::UniqueViolation {
                constraint: db.constraint().map(str::to_owned),
            },
            other => DbError::Query(other),
        }
    }
}

impl DbError {
    /// Whether the error means the database is unreachable (retrying later may help).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable(_) | DbError::TimedOut(_))
    }
}

impl From<DbError> for Problem {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(_) | DbError::TimedOut(_) => {
                Problem::new(ProblemType::SERVICE_UNAVAILABLE)
                    .with_detail(Message::new("problem-service-unavailable-database"))
            }
            DbError::NotFound => Problem::new(ProblemType::NOT_FOUND),
            DbError::UniqueViolation { .. } => Problem::new(ProblemType::CONFLICT),
            _ => Problem::internal(),
        }
    }
}
