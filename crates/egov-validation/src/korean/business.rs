//! Business (사업자등록번호) and corporate (법인등록번호) registration numbers.

use std::str::FromStr;

use super::{Canonical, IdKind, ParseIdError, Reason, grouped_digits, identifier_impls};

/// A business registration number (사업자등록번호), `XXX-XX-XXXXX`.
///
/// Accepted with both hyphens or none. The check digit must match:
/// `s = Σ dᵢwᵢ + ⌊d₉·5/10⌋` with weights `1,3,7,1,3,7,1,3,5`, and
/// `d₁₀ = (10 − s mod 10) mod 10`. The check catches every single-digit error.
///
/// `Debug`, `Display` and `Serialize` print the masked form
/// ([`egov_privacy::mask::business_number`]).
///
/// ```
/// use egov_validation::korean::BusinessNumber;
///
/// let brn: BusinessNumber = "1248100998".parse().unwrap();
/// assert_eq!(brn.expose(), "124-81-00998");
/// assert!("124-81-00997".parse::<BusinessNumber>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BusinessNumber {
    canonical: Canonical<12>,
}

impl BusinessNumber {
    /// Whether ten digits (values 0–9) carry a valid check digit.
    pub fn checksum_valid(digits: &[u8; 10]) -> bool {
        const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
        let sum: u32 = digits
            .iter()
            .zip(WEIGHTS)
            .map(|(&d, w)| u32::from(d) * w)
            .sum::<u32>()
            + u32::from(digits[8]) * 5 / 10;
        (10 - sum % 10) % 10 == u32::from(digits[9])
    }
}

impl FromStr for BusinessNumber {
    type Err = ParseIdError;

    fn from_str(value: &str) -> Result<Self, ParseIdError> {
        let error = |reason| ParseIdError::new(IdKind::BusinessNumber, reason);
        let digits: [u8; 10] = grouped_digits(value, &[3, 2, 5]).ok_or(error(Reason::Format))?;
        if !Self::checksum_valid(&digits) {
            return Err(error(Reason::Checksum));
        }
        let mut canonical = Canonical::new();
        canonical.push_digits(&digits[..3]);
        canonical.push(b'-');
        canonical.push_digits(&digits[3..5]);
        canonical.push(b'-');
        canonical.push_digits(&digits[5..]);
        Ok(Self { canonical })
    }
}

identifier_impls!(
    BusinessNumber,
    IdKind::BusinessNumber,
    egov_privacy::mask::business_number
);

/// A corporate registration number (법인등록번호), `XXXXXX-XXXXXXX`.
///
/// Accepted with or without the hyphen. The check digit must match:
/// `d₁₃ = (10 − Σ dᵢwᵢ mod 10) mod 10` with weights `1,2,1,2,…` as plain products
/// (not Luhn digit sums). Note that this check cannot catch a change of ±5 in a
/// digit of weight 2.
///
/// `Debug`, `Display` and `Serialize` print a masked form: egov-privacy has no
/// corporate-number mask, so the `XXXXXX-X******` mask of the identically laid-out
/// resident number ([`egov_privacy::mask::resident_number`]) is used.
///
/// ```
/// use egov_validation::korean::CorporateNumber;
///
/// let crn: CorporateNumber = "1301110006246".parse().unwrap();
/// assert_eq!(crn.expose(), "130111-0006246");
/// assert!("130111-0006245".parse::<CorporateNumber>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CorporateNumber {
    canonical: Canonical<14>,
}

impl CorporateNumber {
    /// Whether thirteen digits (values 0–9) carry a valid check digit.
    pub fn checksum_valid(digits: &[u8; 13]) -> bool {
        let sum: u32 = digits[..12]
            .iter()
            .enumerate()
            .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 1 } else { 2 })
            .sum();
        (10 - sum % 10) % 10 == u32::from(digits[12])
    }
}

impl FromStr for CorporateNumber {
    type Err = ParseIdError;

    fn from_str(value: &str) -> Result<Self, ParseIdError> {
        let error = |reason| ParseIdError::new(IdKind::CorporateNumber, reason);
        let digits: [u8; 13] = grouped_digits(value, &[6, 7]).ok_or(error(Reason::Format))?;
        if !Self::checksum_valid(&digits) {
            return Err(error(Reason::Checksum));
        }
        let mut canonical = Canonical::new();
        canonical.push_digits(&digits[..6]);
        canonical.push(b'-');
        canonical.push_digits(&digits[6..]);
        Ok(Self { canonical })
    }
}

identifier_impls!(
    CorporateNumber,
    IdKind::CorporateNumber,
    egov_privacy::mask::resident_number
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_number_vectors_pass() {
        for (value, canonical) in [
            ("124-81-00998", "124-81-00998"),
            ("2208162517", "220-81-62517"),
            ("116-82-00276", "116-82-00276"),
            ("134-86-72683", "134-86-72683"),
            // Check digit 0: catches code that omits the final `mod 10`.
            ("123-81-00020", "123-81-00020"),
        ] {
            let brn: BusinessNumber = value.parse().unwrap();
            assert_eq!(brn.expose(), canonical);
        }
    }

    #[test]
    fn business_number_layout_and_check_digit_are_enforced() {
        let reason = |v: &str| v.parse::<BusinessNumber>().unwrap_err().reason();
        assert_eq!(reason("124-81-00997"), Reason::Checksum);
        // A loop over only eight weights would accept this one (9th digit changed).
        assert_eq!(reason("124-81-00988"), Reason::Checksum);
        for bad in [
            "",
            "124-8100998",
            "12481-00998",
            "124-81-0099",
            "124 81 00998",
            "124-81-00998 ",
        ] {
            assert_eq!(reason(bad), Reason::Format, "{bad:?}");
        }
    }

    #[test]
    fn corporate_number_vector_passes_with_plain_products() {
        let crn: CorporateNumber = "130111-0006246".parse().unwrap();
        assert_eq!(crn.expose(), "130111-0006246");
        // The Luhn variant would want 5 here.
        assert_eq!(
            "130111-0006245"
                .parse::<CorporateNumber>()
                .unwrap_err()
                .reason(),
            Reason::Checksum
        );
        assert_eq!(
            "130111-000624"
                .parse::<CorporateNumber>()
                .unwrap_err()
                .reason(),
            Reason::Format
        );
    }
}
