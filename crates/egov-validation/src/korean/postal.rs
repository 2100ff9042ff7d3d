//! Postal codes (우편번호).

use std::str::FromStr;

use super::{Canonical, IdKind, ParseIdError, Reason, grouped_digits, identifier_impls};

/// A postal code (우편번호): the five-digit 국가기초구역번호 in use since
/// 2015-08-01. The old six-digit `XXX-XXX` codes are refused.
///
/// A postal code names a zone shared by many addresses and is printed on every
/// envelope; it is not masked (egov-privacy has no mask for it), so `Debug`,
/// `Display`, `Serialize` and [`expose`](Self::expose) all show the five digits.
///
/// ```
/// use egov_validation::korean::PostalCode;
///
/// let code: PostalCode = "03154".parse().unwrap();
/// assert_eq!(code.expose(), "03154");
/// assert_eq!(code.to_string(), "03154");
/// assert!("110-062".parse::<PostalCode>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PostalCode {
    canonical: Canonical<5>,
}

impl FromStr for PostalCode {
    type Err = ParseIdError;

    fn from_str(value: &str) -> Result<Self, ParseIdError> {
        let digits: [u8; 5] = grouped_digits(value, &[5])
            .ok_or(ParseIdError::new(IdKind::PostalCode, Reason::Format))?;
        let mut canonical = Canonical::new();
        canonical.push_digits(&digits);
        Ok(Self { canonical })
    }
}

/// Postal codes are shown in full.
fn unmasked(code: &str) -> String {
    code.to_owned()
}

identifier_impls!(PostalCode, IdKind::PostalCode, unmasked);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_digits_exactly() {
        assert_eq!("63644".parse::<PostalCode>().unwrap().expose(), "63644");
        for bad in [
            "",
            "0315",
            "031544",
            "110-062",
            "0315a",
            " 03154",
            "03154\n",
            "０３１５４",
        ] {
            assert_eq!(
                bad.parse::<PostalCode>().unwrap_err().reason(),
                Reason::Format,
                "{bad:?}"
            );
        }
    }
}
