//! Portable encodings of values the `Any` driver has no type for.
//!
//! Timestamps are stored as fixed-width RFC 3339 text in UTC with microseconds,
//! e.g. `2026-11-27T07:25:08.123456Z`: readable by an auditor with any SQL client,
//! sortable as text, identical on SQLite and PostgreSQL.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::DbError;

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Encodes `at` (converted to UTC) for storage.
pub fn timestamp_to_sql(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Decodes a timestamp stored by [`timestamp_to_sql`]; `column` names it in errors.
pub fn timestamp_from_sql(column: &str, text: &str) -> Result<OffsetDateTime, DbError> {
    PrimitiveDateTime::parse(text, TIMESTAMP)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|e| DbError::Decode {
            column: column.to_owned(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_in_utc_at_microsecond_precision() {
        let seoul = time::macros::datetime!(2026-11-27 16:25:08.123_456_789 +9);
        let text = timestamp_to_sql(seoul);
        assert_eq!(text, "2026-11-27T07:25:08.123456Z");
        let back = timestamp_from_sql("at", &text).unwrap();
        assert_eq!(
            back,
            time::macros::datetime!(2026-11-27 07:25:08.123_456 UTC)
        );
        assert!(timestamp_from_sql("at", "yesterday").is_err());
    }

    #[test]
    fn text_order_is_time_order() {
        let a = timestamp_to_sql(time::macros::datetime!(2026-01-02 00:00:00.5 UTC));
        let b = timestamp_to_sql(time::macros::datetime!(2026-01-10 00:00 UTC));
        assert!(a < b);
    }
}
