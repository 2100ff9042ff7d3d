use egov_core::message::Message;
use egov_core::problem::{Problem, ProblemType};

/// Errors from egov-db. `Display` is for operators' logs: it never contains a
/// database password or bound values. Clients see the [`Problem`] it converts
/// into, which says nothing about the database beyond "unavailable".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The URL is not a `sqlite:` or `postgres:` URL, or does not parse.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The database could not be reached (connection refused, pool timeout…),
    /// or refused for now what may succeed later (busy, locked, shutting down,
    /// a serialization failure or deadlock).
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
            sqlx::Error::Database(ref db) if db.code().is_some_and(|c| is_transient_code(&c)) => {
                DbError::Unavailable(error)
            }
            other => DbError::Query(other),
        }
    }
}

/// Whether a database error code says "not now" rather than "never": the
/// database is busy, locked, shutting down, out of connections, or gave up a
/// transaction that may succeed when retried. Such errors are
/// [`DbError::Unavailable`] (503), not a server error.
///
/// SQLite reports extended result codes (`5` `SQLITE_BUSY` and `6`
/// `SQLITE_LOCKED` with their extended forms, e.g. `517` `BUSY_SNAPSHOT`,
/// after `sqlite_busy_timeout_ms`); PostgreSQL five-character SQLSTATEs:
/// class `08` (connection exception), `53300` too_many_connections, `57P01`–
/// `57P03` (shutdown, cannot connect now), `57014` query_canceled (statement
/// timeout), `55P03` lock_not_available, `40001` serialization_failure,
/// `40P01` deadlock_detected.
pub(crate) fn is_transient_code(code: &str) -> bool {
    if code.len() < 5 {
        // SQLite: the primary code is the low byte of the extended one.
        return code
            .parse::<u32>()
            .is_ok_and(|extended| matches!(extended & 0xff, 5 | 6));
    }
    code.starts_with("08")
        || matches!(
            code,
            "53300" | "57P01" | "57P02" | "57P03" | "57014" | "55P03" | "40001" | "40P01"
        )
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

#[cfg(test)]
mod tests {
    use super::is_transient_code;

    #[test]
    fn busy_locked_and_retryable_codes_are_transient() {
        // SQLite: BUSY, LOCKED and their extended codes.
        for code in ["5", "6", "261", "517", "773", "262", "518"] {
            assert!(is_transient_code(code), "{code}");
        }
        // PostgreSQL.
        for code in [
            "08000", "08006", "08P01", "53300", "57P01", "57P03", "57014", "55P03", "40001",
            "40P01",
        ] {
            assert!(is_transient_code(code), "{code}");
        }
        // Errors that retrying does not fix: constraint, syntax, type, missing table.
        for code in [
            "19", "1", "2067", "787", "23505", "23503", "42601", "42P01", "22P02", "53100", "", "x",
        ] {
            assert!(!is_transient_code(code), "{code}");
        }
    }
}
