//! Resident (주민등록번호) and foreigner (외국인등록번호) registration numbers.

use std::str::FromStr;

use time::{Date, Month, OffsetDateTime, UtcOffset};

use super::{Canonical, IdKind, ParseIdError, Reason, grouped_digits, identifier_impls};

/// Korea Standard Time, in which birth dates are registered.
const KST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Today's date in Korea (the upper bound for birth dates when parsing with
/// [`FromStr`]).
pub(crate) fn today_in_korea() -> Date {
    OffsetDateTime::now_utc().to_offset(KST).date()
}

/// The sex the 7th digit records (odd: male, even: female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 남.
    Male,
    /// 여.
    Female,
}

/// The parts every 13-digit registration number has.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Registration {
    birth_date: Date,
    registrant_digit: u8,
    legacy_checksum_valid: bool,
}

impl Registration {
    fn parse(
        value: &str,
        today: Date,
        kind: IdKind,
    ) -> Result<(Canonical<14>, Self), ParseIdError> {
        let error = |reason| ParseIdError::new(kind, reason);
        let digits: [u8; 13] = grouped_digits(value, &[6, 7]).ok_or(error(Reason::Format))?;
        let registrant_digit = digits[6];
        let foreigner = (5..=8).contains(&registrant_digit);
        if kind == IdKind::ForeignerNumber && !foreigner {
            return Err(error(Reason::RegistrantDigit));
        }
        let century: i32 = match registrant_digit {
            9 | 0 => 1800,
            1 | 2 | 5 | 6 => 1900,
            _ => 2000,
        };
        let year = century + i32::from(digits[0] * 10 + digits[1]);
        let month = Month::try_from(digits[2] * 10 + digits[3]).map_err(|_| error(Reason::Date))?;
        let birth_date = Date::from_calendar_date(year, month, digits[4] * 10 + digits[5])
            .map_err(|_| error(Reason::Date))?;
        if birth_date > today {
            return Err(error(Reason::FutureDate));
        }
        let mut canonical = Canonical::new();
        canonical.push_digits(&digits[..6]);
        canonical.push(b'-');
        canonical.push_digits(&digits[6..]);
        let legacy_checksum_valid = if foreigner {
            foreigner_checksum(&digits)
        } else {
            resident_checksum(&digits)
        };
        Ok((
            canonical,
            Self {
                birth_date,
                registrant_digit,
                legacy_checksum_valid,
            },
        ))
    }

    fn sex(&self) -> Sex {
        if self.registrant_digit % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

fn weighted_sum(digits: &[u8; 13]) -> u32 {
    const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    digits
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum()
}

/// The pre-2020-10 resident check digit: `(11 − Σ dᵢwᵢ mod 11) mod 10`.
fn resident_checksum(digits: &[u8; 13]) -> bool {
    (11 - weighted_sum(digits) % 11) % 10 == u32::from(digits[12])
}

/// The folklore foreigner check: `c = 11 − s mod 11` (minus 10 when ≥ 10), then
/// `(c + 2) mod 10`; digits 8–9 form an even number; digit 12 is 6–9.
fn foreigner_checksum(digits: &[u8; 13]) -> bool {
    let mut c = 11 - weighted_sum(digits) % 11;
    if c >= 10 {
        c -= 10;
    }
    (c + 2) % 10 == u32::from(digits[12])
        && (digits[7] * 10 + digits[8]).is_multiple_of(2)
        && (6..=9).contains(&digits[11])
}

/// A resident registration number (주민등록번호), `YYMMDD-GNNNNNC`.
///
/// Accepted with or without the hyphen. The 7th digit G gives the century and sex
/// (9/0: 1800s, 1/2: 1900s, 3/4: 2000s; 5/6 and 7/8: foreigners born in the 1900s
/// and 2000s, also accepted here — use [`ForeignerNumber`] to accept foreigners
/// only, or check [`is_foreigner`](Self::is_foreigner)); the first six digits must
/// be a real date in that century, not after today.
///
/// **The check digit is not checked.** Numbers issued since 2020-10-05 end in
/// random digits, so a valid number may fail the old formula; the result of that
/// formula is available for information only through
/// [`legacy_checksum_valid`](Self::legacy_checksum_valid).
///
/// `Debug`, `Display` and `Serialize` print the masked form
/// ([`egov_privacy::mask::resident_number`]); [`expose`](Self::expose) returns
/// the full number as `YYMMDD-GNNNNNC`.
///
/// ```
/// use egov_validation::korean::{ResidentNumber, Sex};
/// use time::macros::date;
///
/// let rrn = ResidentNumber::parse_at("9001011234568", date!(2026 - 01 - 01)).unwrap();
/// assert_eq!(rrn.expose(), "900101-1234568");
/// assert_eq!(rrn.birth_date(), date!(1990 - 01 - 01));
/// assert_eq!(rrn.sex(), Sex::Male);
/// assert!(rrn.legacy_checksum_valid());
/// assert!(!format!("{rrn:?}").contains("1234568"));
///
/// // A number issued after 2020-10-05 need not satisfy the old check digit.
/// let new = ResidentNumber::parse_at("210315-3234561", date!(2026 - 01 - 01)).unwrap();
/// assert!(!new.legacy_checksum_valid());
///
/// // Not a real date; born in the future.
/// assert!(ResidentNumber::parse_at("010229-3234561", date!(2026 - 01 - 01)).is_err());
/// assert!(ResidentNumber::parse_at("260201-3234565", date!(2026 - 01 - 31)).is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentNumber {
    canonical: Canonical<14>,
    inner: Registration,
}

impl ResidentNumber {
    /// Parses `value` with `today` as the latest possible birth date.
    /// ([`FromStr`] uses today's date in Korea.)
    pub fn parse_at(value: &str, today: Date) -> Result<Self, ParseIdError> {
        let (canonical, inner) = Registration::parse(value, today, IdKind::ResidentNumber)?;
        Ok(Self { canonical, inner })
    }

    /// The birth date. Personal data, like the number.
    pub fn birth_date(&self) -> Date {
        self.inner.birth_date
    }

    /// The sex the number records. Personal data, like the number.
    pub fn sex(&self) -> Sex {
        self.inner.sex()
    }

    /// Whether this is a foreigner's number (7th digit 5–8).
    pub fn is_foreigner(&self) -> bool {
        (5..=8).contains(&self.inner.registrant_digit)
    }

    /// Whether the number satisfies the check-digit formula used before
    /// 2020-10-05 (for a foreigner's number, the unofficial foreigner formula).
    ///
    /// **Information only**: numbers issued since then have no check digit, and a
    /// number does not reveal when it was issued. Never reject on this.
    pub fn legacy_checksum_valid(&self) -> bool {
        self.inner.legacy_checksum_valid
    }
}

impl FromStr for ResidentNumber {
    type Err = ParseIdError;

    fn from_str(value: &str) -> Result<Self, ParseIdError> {
        Self::parse_at(value, today_in_korea())
    }
}

identifier_impls!(
    ResidentNumber,
    IdKind::ResidentNumber,
    egov_privacy::mask::resident_number
);

/// A foreigner registration number (외국인등록번호): the layout of a
/// [`ResidentNumber`] with a 7th digit of 5–8 (5/6 born in the 1900s, 7/8 in the
/// 2000s).
///
/// Only the layout, the 7th digit and the birth date are checked. The check-digit
/// formula found in the wild is unofficial and real numbers fail it, so its
/// result is information only ([`legacy_checksum_valid`](Self::legacy_checksum_valid)).
///
/// ```
/// use egov_validation::korean::ForeignerNumber;
///
/// let number: ForeignerNumber = "900101-5234568".parse().unwrap();
/// assert_eq!(number.expose(), "900101-5234568");
/// assert!("900101-1234568".parse::<ForeignerNumber>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ForeignerNumber {
    canonical: Canonical<14>,
    inner: Registration,
}

impl ForeignerNumber {
    /// Parses `value` with `today` as the latest possible birth date.
    /// ([`FromStr`] uses today's date in Korea.)
    pub fn parse_at(value: &str, today: Date) -> Result<Self, ParseIdError> {
        let (canonical, inner) = Registration::parse(value, today, IdKind::ForeignerNumber)?;
        Ok(Self { canonical, inner })
    }

    /// The birth date. Personal data, like the number.
    pub fn birth_date(&self) -> Date {
        self.inner.birth_date
    }

    /// The sex the number records. Personal data, like the number.
    pub fn sex(&self) -> Sex {
        self.inner.sex()
    }

    /// Whether the number satisfies the unofficial foreigner check-digit formula.
    /// **Information only**: real numbers fail it; never reject on this.
    pub fn legacy_checksum_valid(&self) -> bool {
        self.inner.legacy_checksum_valid
    }
}

impl FromStr for ForeignerNumber {
    type Err = ParseIdError;

    fn from_str(value: &str) -> Result<Self, ParseIdError> {
        Self::parse_at(value, today_in_korea())
    }
}

impl From<ForeignerNumber> for ResidentNumber {
    fn from(number: ForeignerNumber) -> Self {
        Self {
            canonical: number.canonical,
            inner: number.inner,
        }
    }
}

identifier_impls!(
    ForeignerNumber,
    IdKind::ForeignerNumber,
    egov_privacy::mask::resident_number
);

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 06 - 01);

    fn rrn(value: &str) -> Result<ResidentNumber, Reason> {
        ResidentNumber::parse_at(value, TODAY).map_err(|e| e.reason())
    }

    #[test]
    fn legacy_checksum_vectors_are_reported_but_never_decide() {
        for valid in [
            "971013-9019902",
            "940812-1001751",
            "940822-1001740",
            "900101-1234568",
            "200102-3234560",
            "210315-3234563",
            "241108-4234560",
            "260201-3234565",
        ] {
            let number = rrn(valid).unwrap();
            assert!(number.legacy_checksum_valid(), "{valid}");
            assert_eq!(number.expose(), valid);
        }
        let failing = rrn("971013-9019903").unwrap();
        assert!(!failing.legacy_checksum_valid());
        assert_eq!(failing.birth_date(), date!(1897 - 10 - 13));
    }

    #[test]
    fn century_and_sex_come_from_the_seventh_digit() {
        let cases = [
            ('9', 1800, Sex::Male, false),
            ('0', 1800, Sex::Female, false),
            ('1', 1900, Sex::Male, false),
            ('2', 1900, Sex::Female, false),
            ('3', 2000, Sex::Male, false),
            ('4', 2000, Sex::Female, false),
            ('5', 1900, Sex::Male, true),
            ('6', 1900, Sex::Female, true),
            ('7', 2000, Sex::Male, true),
            ('8', 2000, Sex::Female, true),
        ];
        for (g, century, sex, foreigner) in cases {
            let number = rrn(&format!("010203-{g}234567")).unwrap();
            assert_eq!(number.birth_date().year(), century + 1, "{g}");
            assert_eq!(number.sex(), sex, "{g}");
            assert_eq!(number.is_foreigner(), foreigner, "{g}");
        }
    }

    #[test]
    fn people_born_in_2020_or_later_are_accepted() {
        // eGovFrame's bug (fixed in PR #1196): the century was taken from the year.
        for value in [
            "200102-3234560",
            "201005-4000000",
            "251231-3999999",
            "260531-4123456",
        ] {
            assert!(rrn(value).is_ok(), "{value}");
        }
    }

    #[test]
    fn the_date_must_be_real_for_its_century() {
        assert!(rrn("000229-3000000").is_ok()); // 2000 is a leap year
        assert_eq!(rrn("000229-1000000").unwrap_err(), Reason::Date); // 1900 is not
        assert_eq!(rrn("000229-9000000").unwrap_err(), Reason::Date); // 1800 is not
        assert!(rrn("960229-1000000").is_ok());
        assert_eq!(rrn("970229-1000000").unwrap_err(), Reason::Date);
        assert_eq!(rrn("901301-1000000").unwrap_err(), Reason::Date);
        assert_eq!(rrn("900001-1000000").unwrap_err(), Reason::Date);
        assert_eq!(rrn("900100-1000000").unwrap_err(), Reason::Date);
        assert_eq!(rrn("900431-1000000").unwrap_err(), Reason::Date);
    }

    #[test]
    fn the_birth_date_may_be_today_but_not_later() {
        assert!(rrn("260601-4000000").is_ok());
        assert_eq!(rrn("260602-4000000").unwrap_err(), Reason::FutureDate);
        assert_eq!(rrn("991231-3000000").unwrap_err(), Reason::FutureDate);
    }

    #[test]
    fn layout_is_strict_apart_from_the_optional_hyphen() {
        assert!(rrn("9001011234568").is_ok());
        for bad in [
            "",
            "900101-123456",
            "900101-12345678",
            "90010-11234568",
            "900101 1234568",
            " 900101-1234568",
            "900101-1234568\n",
            "900101--1234568",
            "900101-123456a",
            "９００１０１-1234568",
        ] {
            assert_eq!(rrn(bad).unwrap_err(), Reason::Format, "{bad:?}");
        }
    }

    #[test]
    fn foreigner_numbers_need_a_foreigner_digit() {
        let number = ForeignerNumber::parse_at("900101-5234568", TODAY).unwrap();
        assert_eq!(number.birth_date(), date!(1990 - 01 - 01));
        assert_eq!(number.sex(), Sex::Male);
        assert_eq!(
            ForeignerNumber::parse_at("900101-1234568", TODAY)
                .unwrap_err()
                .reason(),
            Reason::RegistrantDigit
        );
        let as_resident = ResidentNumber::from(number.clone());
        assert!(as_resident.is_foreigner());
        assert_eq!(as_resident.expose(), number.expose());
    }

    #[test]
    fn foreigner_checksum_is_the_folklore_formula() {
        // 900101-5 06 8 7 ?: digits 8–9 "06" even, digit 12 = 7.
        let digits = [9, 0, 0, 1, 0, 1, 5, 0, 6, 8, 7, 7, 0];
        let mut c = 11 - weighted_sum(&digits) % 11;
        if c >= 10 {
            c -= 10;
        }
        let check = (c + 2) % 10;
        let value = format!("900101-506877{check}");
        let number = ForeignerNumber::parse_at(&value, TODAY).unwrap();
        assert!(number.legacy_checksum_valid());
        // The same number with an odd registration-office code fails it, but parses.
        let odd = format!("900101-507877{check}");
        let number = ForeignerNumber::parse_at(&odd, TODAY).unwrap();
        assert!(!number.legacy_checksum_valid());
    }
}
