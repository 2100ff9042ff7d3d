//! Rules every service needs, written once, for `#[validate(custom(function = …))]`:
//! [`not_blank`], [`date`].
//!
//! Each rule fails with a code whose message `validation-{code}` is in this
//! crate's messages (ko/en), so a service adds no text for them.
//!
//! ```
//! use validator::Validate;
//!
//! #[derive(Validate)]
//! struct Notice {
//!     #[validate(length(min = 1, max = 100), custom(function = "egov_validation::rules::not_blank"))]
//!     title: String,
//! }
//! assert!(Notice { title: "공지".into() }.validate().is_ok());
//! let errors = Notice { title: "   ".into() }.validate().unwrap_err();
//! assert_eq!(errors.field_errors()["title"][0].code, "not_blank");
//! ```

use validator::ValidationError;

/// Text with something visible in it (code `not_blank`): "required text"
/// everywhere in the framework ([`egov_core::text::is_visible_text`]).
///
/// # Errors
///
/// `not_blank` when `value` is empty or only white space, zero-width,
/// format or control characters.
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if !egov_core::text::is_visible_text(value) {
        return Err(ValidationError::new("not_blank"));
    }
    Ok(())
}

/// Text on one line (code `single_line`): no tab, line feed or carriage
/// return, and no line or paragraph separator (U+2028/U+2029). The edge rule
/// already refuses every other control character; titles, names and reasons
/// shown in one table cell add this rule.
///
/// ```
/// use egov_validation::rules::single_line;
///
/// assert!(single_line("설 연휴 민원실 운영 안내").is_ok());
/// assert!(single_line("둘\n줄").is_err());
/// ```
///
/// # Errors
///
/// `single_line` when `value` holds a line break or a tab.
pub fn single_line(value: &str) -> Result<(), ValidationError> {
    if value.contains(['\t', '\n', '\r', '\u{2028}', '\u{2029}']) {
        return Err(ValidationError::new("single_line"));
    }
    Ok(())
}

/// A calendar date written `YYYY-MM-DD` (ISO 8601 / RFC 3339 full-date, code
/// `date`), as date columns store it (text that sorts as time).
///
/// # Errors
///
/// `date` when `value` is not exactly that, or names no day of the calendar
/// (`2026-02-30`).
pub fn date(value: &str) -> Result<(), ValidationError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if shaped && time::Date::parse(value, &format).is_ok() {
        Ok(())
    } else {
        Err(ValidationError::new("date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_real_days_written_yyyy_mm_dd() {
        for good in ["2026-12-07", "2024-02-29", "0001-01-01", "9999-12-31"] {
            assert!(date(good).is_ok(), "{good}");
        }
        for bad in [
            "2026-02-30",
            "2025-02-29",
            "2026-1-07",
            "20261207",
            "2026-12-07T00:00",
            " 2026-12-07",
            "２０２６-12-07",
            "+2026-12-07",
            "",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blank_means_only_white_space() {
        for blank in ["", " ", "\t\n", "\u{3000}"] {
            assert!(not_blank(blank).is_err(), "{blank:?}");
        }
        for text in ["a", " 공지 ", "0"] {
            assert!(not_blank(text).is_ok(), "{text:?}");
        }
    }
}
