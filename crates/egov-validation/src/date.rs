//! Dates and date-times as request fields, in Korea's time zone, with the
//! rules agencies need (a reservation not in the past, a period within a
//! year…).
//!
//! - [`Date`]: a calendar date written `YYYY-MM-DD` (what `<input
//!   type="date">` sends; the shape [`rules::date`](crate::rules::date) checks
//!   on a `String`). Anything else is the field error `date`.
//! - [`DateTime`]: an instant written in RFC 3339 (`2026-12-07T09:30:00+09:00`,
//!   `…Z`), or a local time without an offset (`2026-12-07T09:30`, what
//!   `<input type="datetime-local">` sends), which is read as Korean time
//!   (UTC+9). It is written back in Korean time. Anything else is the field
//!   error `date_time`.
//! - Rules, each a [`ValidationError`] with a localized message:
//!   [`Date::not_before`] (`not_before`, `$min`), [`Date::not_after`]
//!   (`not_after`, `$max`), [`Date::within`] (`within`, `$min`, `$max`), the same
//!   on [`DateTime`], and for `#[validate(custom(function = …))]`
//!   [`not_in_past`]/[`not_in_future`] (dates, against today in Korea) and
//!   [`date_time_not_in_past`]/[`date_time_not_in_future`].
//!
//! As with the Korean identifiers, an unparsable date does not hide the
//! request's other errors: the extractors report it next to every other
//! field's (see [`crate::problem`]).
//!
//! ```
//! use egov_validation::date::{self, Date};
//! use serde::Deserialize;
//! use validator::Validate;
//!
//! #[derive(Deserialize, Validate)]
//! struct Reservation {
//!     #[validate(custom(function = "date::not_in_past"))]
//!     day: Date,
//!     #[validate(custom(function = "within_2026"))]
//!     until: Date,
//! }
//!
//! fn within_2026(day: &Date) -> Result<(), validator::ValidationError> {
//!     day.within(Date::new(2026, 1, 1).unwrap(), Date::new(2026, 12, 31).unwrap())
//! }
//!
//! let Err(bad) = egov_validation::problem::from_json_slice::<Reservation>(
//!     br#"{"day": "2020-02-30", "until": "2027-01-01"}"#,
//! ) else {
//!     panic!("refused");
//! };
//! let fields: Vec<_> = bad.errors().iter().map(|e| (e.field.as_str(), e.code.as_ref())).collect();
//! assert_eq!(fields, [("/day", "date"), ("/until", "within")]);
//! ```

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use validator::ValidationError;

/// Korea's offset from UTC (no daylight saving time).
pub const KST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The rule code of an unparsable [`Date`].
pub const DATE_CODE: &str = "date";
/// The rule code of an unparsable [`DateTime`].
pub const DATE_TIME_CODE: &str = "date_time";

const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]");
const LOCAL_MINUTES: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]");
const LOCAL_SECONDS: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// A calendar date, `YYYY-MM-DD`; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

impl Date {
    /// The date `year-month-day`, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Self)
    }

    /// Today in Korea.
    pub fn today() -> Self {
        Self(OffsetDateTime::now_utc().to_offset(KST).date())
    }

    /// The date as a [`time::Date`].
    pub fn get(self) -> time::Date {
        self.0
    }
}

impl From<time::Date> for Date {
    fn from(date: time::Date) -> Self {
        Self(date)
    }
}

impl std::str::FromStr for Date {
    type Err = ParseDateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // The one definition of the shape (`rules::date`): `time` alone
        // would accept a sign or more digits in the year.
        if crate::rules::date(text).is_err() {
            return Err(ParseDateError(DATE_CODE));
        }
        time::Date::parse(text, DATE_FORMAT)
            .map(Self)
            .map_err(|_| ParseDateError(DATE_CODE))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

/// An instant, read and written in Korean time; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(OffsetDateTime);

impl DateTime {
    /// Now.
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc().to_offset(KST))
    }

    /// The instant as a [`time::OffsetDateTime`] in Korean time.
    pub fn get(self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for DateTime {
    fn from(instant: OffsetDateTime) -> Self {
        Self(instant.to_offset(KST))
    }
}

impl std::str::FromStr for DateTime {
    type Err = ParseDateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseDateError(DATE_TIME_CODE);
        if !text.is_ascii() || text.len() > 35 {
            return Err(error());
        }
        if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Self::from(instant));
        }
        let local = match text.len() {
            16 => PrimitiveDateTime::parse(text, LOCAL_MINUTES),
            19 => PrimitiveDateTime::parse(text, LOCAL_SECONDS),
            _ => return Err(error()),
        };
        local
            .map(|local| Self(local.assume_offset(KST)))
            .map_err(|_| error())
    }
}

impl fmt::Display for DateTime {
    /// RFC 3339 in Korean time, whole seconds: `2026-12-07T09:30:00+09:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{}T{:02}:{:02}:{:02}+09:00",
            Date(t.date()),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// The bound rules of an ordered, displayable value: one definition for
/// [`Date`] and [`DateTime`].
macro_rules! bound_rules {
    ($ty:ident) => {
        impl $ty {
            /// `self` must be `min` or later (code `not_before`, `$min`).
            ///
            /// # Errors
            ///
            /// The rule's [`ValidationError`].
            pub fn not_before(self, min: $ty) -> Result<(), ValidationError> {
                check(self >= min, "not_before", &[("min", min.to_string())])
            }

            /// `self` must be `max` or earlier (code `not_after`, `$max`).
            ///
            /// # Errors
            ///
            /// The rule's [`ValidationError`].
            pub fn not_after(self, max: $ty) -> Result<(), ValidationError> {
                check(self <= max, "not_after", &[("max", max.to_string())])
            }

            /// `self` must lie from `min` to `max`, both included (code `within`).
            ///
            /// # Errors
            ///
            /// The rule's [`ValidationError`].
            pub fn within(self, min: $ty, max: $ty) -> Result<(), ValidationError> {
                check(
                    (min..=max).contains(&self),
                    "within",
                    &[("min", min.to_string()), ("max", max.to_string())],
                )
            }
        }
    };
}

bound_rules!(Date);
bound_rules!(DateTime);

/// An unparsable date or date-time. Its message is `invalid {code}: …`, which
/// the extractors turn into the field error `{code}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseDateError(&'static str);

impl fmt::Display for ParseDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expected = if self.0 == DATE_CODE {
            "YYYY-MM-DD"
        } else {
            "an RFC 3339 date-time or YYYY-MM-DDTHH:MM"
        };
        write!(f, "invalid {}: expected {expected}", self.0)
    }
}

impl std::error::Error for ParseDateError {}

impl ParseDateError {
    /// The rule code: [`DATE_CODE`] or [`DATE_TIME_CODE`].
    pub fn code(&self) -> &'static str {
        self.0
    }
}

fn check(
    ok: bool,
    code: &'static str,
    params: &[(&'static str, String)],
) -> Result<(), ValidationError> {
    if ok {
        return Ok(());
    }
    let mut error = ValidationError::new(code);
    for (name, value) in params {
        error.add_param(std::borrow::Cow::Borrowed(name), value);
    }
    Err(error)
}

/// A [`Date`] not before today in Korea (`#[validate(custom(function =
/// "egov_validation::date::not_in_past"))]`).
///
/// # Errors
///
/// `not_before` with today as `$min`.
pub fn not_in_past(date: &Date) -> Result<(), ValidationError> {
    date.not_before(Date::today())
}

/// A [`Date`] not after today in Korea (a birth date, an incident date).
///
/// # Errors
///
/// `not_after` with today as `$max`.
pub fn not_in_future(date: &Date) -> Result<(), ValidationError> {
    date.not_after(Date::today())
}

/// A [`DateTime`] not before now.
///
/// # Errors
///
/// `not_before` with now as `$min`.
pub fn date_time_not_in_past(instant: &DateTime) -> Result<(), ValidationError> {
    instant.not_before(DateTime::now())
}

/// A [`DateTime`] not after now.
///
/// # Errors
///
/// `not_after` with now as `$max`.
pub fn date_time_not_in_future(instant: &DateTime) -> Result<(), ValidationError> {
    instant.not_after(DateTime::now())
}

macro_rules! string_serde {
    ($ty:ident, $expecting:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ParseVisitor;

                impl Visitor<'_> for ParseVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_str<E: de::Error>(self, value: &str) -> Result<$ty, E> {
                        value.parse().map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(ParseVisitor)
            }
        }

        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        if stringify!($ty) == "Date" {
                            utoipa::openapi::KnownFormat::Date
                        } else {
                            utoipa::openapi::KnownFormat::DateTime
                        },
                    )))
                    .into()
            }
        }

        impl utoipa::ToSchema for $ty {}
    };
}

string_serde!(Date, "a date as YYYY-MM-DD");
string_serde!(DateTime, "a date-time as RFC 3339 or YYYY-MM-DDTHH:MM");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(
            "2026-12-07".parse::<Date>().unwrap(),
            Date::new(2026, 12, 7).unwrap()
        );
        assert_eq!(Date::new(2026, 1, 5).unwrap().to_string(), "2026-01-05");
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-12-07",
            "2026-1-5",
            "2026/12/07",
            " 2026-12-07",
            "+2026-12-07",
            "",
            "20261207",
        ] {
            assert_eq!(
                bad.parse::<Date>(),
                Err(ParseDateError(DATE_CODE)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_local_date_time_is_korean_time_and_written_back_so() {
        let local: DateTime = "2026-12-07T09:30".parse().unwrap();
        let utc: DateTime = "2026-12-07T00:30:00Z".parse().unwrap();
        assert_eq!(local, utc);
        assert_eq!(utc.to_string(), "2026-12-07T09:30:00+09:00");
        assert_eq!(
            "2026-12-07T09:30:15"
                .parse::<DateTime>()
                .unwrap()
                .to_string(),
            "2026-12-07T09:30:15+09:00"
        );
        for bad in [
            "2026-12-07",
            "2026-12-07T25:00",
            "2026-12-07 09:30",
            "yesterday",
            "2026-12-07T09:30:00+09:00junk",
        ] {
            assert_eq!(
                bad.parse::<DateTime>(),
                Err(ParseDateError(DATE_TIME_CODE)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rules_name_their_bounds() {
        let day = Date::new(2026, 12, 7).unwrap();
        let (before, after) = (
            Date::new(2026, 12, 6).unwrap(),
            Date::new(2026, 12, 8).unwrap(),
        );
        assert!(day.not_before(before).is_ok() && day.not_before(day).is_ok());
        let error = day.not_before(after).unwrap_err();
        assert_eq!(
            (error.code.as_ref(), error.params["min"].as_str()),
            ("not_before", Some("2026-12-08"))
        );
        assert_eq!(day.not_after(before).unwrap_err().code, "not_after");
        assert!(day.within(before, after).is_ok());
        let error = after.within(before, day).unwrap_err();
        assert_eq!(
            (error.params["min"].as_str(), error.params["max"].as_str()),
            (Some("2026-12-06"), Some("2026-12-07"))
        );
        assert!(not_in_future(&Date::today()).is_ok() && not_in_past(&Date::today()).is_ok());
        assert!(not_in_past(&Date::new(2000, 1, 1).unwrap()).is_err());
    }
}
