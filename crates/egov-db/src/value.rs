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
///
/// Written digit by digit for years 0–9999: the audit writer encodes every
/// event's time twice (hash and row), and `time`'s general formatter was 3% of
/// its CPU. Other years go through the formatter; a property test keeps the
/// two identical.
pub fn timestamp_to_sql(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    let Ok(year) = u32::try_from(utc.year()) else {
        return format_timestamp(utc);
    };
    if year > 9999 {
        return format_timestamp(utc);
    }
    let mut out = String::with_capacity(27);
    let mut digits = |value: u32, width: u32| {
        for place in (0..width).rev() {
            let digit = (value / 10u32.pow(place)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
    };
    digits(year, 4);
    digits(u32::from(u8::from(utc.month())), 2);
    digits(u32::from(utc.day()), 2);
    digits(u32::from(utc.hour()), 2);
    digits(u32::from(utc.minute()), 2);
    digits(u32::from(utc.second()), 2);
    digits(utc.microsecond(), 6);
    // Separators go in afterwards, at their fixed places.
    for (at, separator) in [
        (4, '-'),
        (7, '-'),
        (10, 'T'),
        (13, ':'),
        (16, ':'),
        (19, '.'),
    ] {
        out.insert(at, separator);
    }
    out.push('Z');
    out
}

fn format_timestamp(utc: OffsetDateTime) -> String {
    utc.format(TIMESTAMP)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// The current time (the system clock) as [`timestamp_to_sql`] stores it: the
/// `created_at`/`updated_at` of a row written now. Code whose tests move time
/// takes a [`Clock`](egov_core::clock::Clock) and calls [`timestamp_to_sql`].
pub fn now_sql() -> String {
    timestamp_to_sql(OffsetDateTime::now_utc())
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

    proptest::proptest! {
        #[test]
        fn the_fast_encoding_matches_the_format_description(
            seconds in -62_000_000_000i64..253_402_200_000i64,
            nanos in 0u32..1_000_000_000,
            offset_minutes in -900i32..900,
        ) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap()
                + time::Duration::nanoseconds(i64::from(nanos));
            let at = at.to_offset(UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap());
            proptest::prop_assert_eq!(
                timestamp_to_sql(at),
                format_timestamp(at.to_offset(UtcOffset::UTC))
            );
        }
    }

    #[test]
    fn text_order_is_time_order() {
        let a = timestamp_to_sql(time::macros::datetime!(2026-01-02 00:00:00.5 UTC));
        let b = timestamp_to_sql(time::macros::datetime!(2026-01-10 00:00 UTC));
        assert!(a < b);
    }
}
