//! Rules every service needs, written once, for `#[validate(custom(function = …))]`.
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

/// Text with more than white space in it (code `not_blank`).
///
/// # Errors
///
/// `not_blank` when `value` is empty or only white space.
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new("not_blank"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
