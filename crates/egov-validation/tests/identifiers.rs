//! Property tests of the Korean identifiers.

use egov_validation::korean::{
    self, BusinessNumber, CorporateNumber, ForeignerNumber, PhoneKind, PhoneNumber, PostalCode,
    Reason, ResidentNumber, Sex,
};
use proptest::prelude::*;
use time::{Date, Month, macros::date};

const TODAY: Date = date!(2026 - 06 - 01);

fn digits(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b - b'0').collect()
}

fn text(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// Parses with every parser and rule; none may panic.
fn parse_everything(value: &str) {
    let _ = ResidentNumber::parse_at(value, TODAY);
    let _ = value.parse::<ResidentNumber>();
    let _ = ForeignerNumber::parse_at(value, TODAY);
    let _ = value.parse::<BusinessNumber>();
    let _ = value.parse::<CorporateNumber>();
    let _ = value.parse::<PhoneNumber>().map(|p| p.expose_e164());
    let _ = value.parse::<PostalCode>();
    let _ = korean::resident_number(value);
    let _ = korean::foreigner_number(value);
    let _ = korean::business_number(value);
    let _ = korean::corporate_number(value);
    let _ = korean::phone_number(value);
    let _ = korean::postal_code(value);
}

/// The legacy resident check digit, computed independently.
fn resident_check(first12: &[u8]) -> u8 {
    let weights = [2u32, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let sum: u32 = first12
        .iter()
        .zip(weights)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

fn brn_check(first9: &[u8]) -> u8 {
    let weights = [1u32, 3, 7, 1, 3, 7, 1, 3, 5];
    let sum: u32 = first9
        .iter()
        .zip(weights)
        .map(|(&d, w)| u32::from(d) * w)
        .sum::<u32>()
        + u32::from(first9[8]) * 5 / 10;
    ((10 - sum % 10) % 10) as u8
}

fn crn_check(first12: &[u8]) -> u8 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A birth date up to `TODAY` and a 7th digit for its century.
fn birth(foreigner: bool) -> impl Strategy<Value = (Date, u8)> {
    let first_year = if foreigner { 1900 } else { 1800 };
    (first_year..=2026i32, 1u16..=366, any::<bool>()).prop_filter_map(
        "a real date up to today",
        move |(year, ordinal, female)| {
            let date = Date::from_ordinal_date(year, ordinal)
                .ok()
                .filter(|d| *d <= TODAY)?;
            let male_digit = match (year / 100, foreigner) {
                (18, _) => 9,
                (19, false) => 1,
                (20, false) => 3,
                (19, true) => 5,
                (_, true) => 7,
                _ => 3,
            };
            let digit = match (female, male_digit) {
                (false, d) => d,
                (true, 9) => 0,
                (true, d) => d + 1,
            };
            Some((date, digit))
        },
    )
}

fn yymmdd(date: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        date.year() % 100,
        u8::from(date.month()),
        date.day()
    )
}

fn phone_parts() -> impl Strategy<Value = (String, Vec<usize>, PhoneKind, bool)> {
    // (prefix, local group lengths, kind, reachable in +82 form)
    let prefix = prop_oneof![
        Just(("010", vec![4, 4], PhoneKind::Mobile, true)),
        Just(("011", vec![3, 4], PhoneKind::Mobile, true)),
        Just(("019", vec![4, 4], PhoneKind::Mobile, true)),
        Just(("02", vec![3, 4], PhoneKind::Landline, true)),
        Just(("02", vec![4, 4], PhoneKind::Landline, true)),
        Just(("032", vec![3, 4], PhoneKind::Landline, true)),
        Just(("043", vec![4, 4], PhoneKind::Landline, true)),
        Just(("053", vec![3, 4], PhoneKind::Landline, true)),
        Just(("064", vec![4, 4], PhoneKind::Landline, true)),
        Just(("070", vec![4, 4], PhoneKind::Internet, true)),
        Just(("080", vec![3, 4], PhoneKind::TollFree, true)),
        Just(("0505", vec![3, 4], PhoneKind::Virtual, true)),
        Just(("1588", vec![4], PhoneKind::Representative, false)),
        Just(("1644", vec![4], PhoneKind::Representative, false)),
        Just(("1899", vec![4], PhoneKind::Representative, false)),
    ];
    prefix.prop_map(|(p, groups, kind, international)| (p.to_owned(), groups, kind, international))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(value in any::<String>()) {
        parse_everything(&value);
    }

    #[test]
    fn identifier_like_strings_never_panic(value in "[+0-9 .\\-]{0,40}") {
        parse_everything(&value);
    }

    #[test]
    fn arbitrary_bytes_as_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        parse_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn resident_numbers_from_valid_parts_parse(
        (date, g) in birth(false),
        serial in proptest::collection::vec(0u8..10, 6),
        hyphen in any::<bool>(),
    ) {
        let tail = format!("{g}{}", text(&serial));
        let value = format!("{}{}{tail}", yymmdd(date), if hyphen { "-" } else { "" });
        let rrn = ResidentNumber::parse_at(&value, TODAY).unwrap();
        prop_assert_eq!(rrn.expose(), format!("{}-{tail}", yymmdd(date)));
        prop_assert_eq!(rrn.birth_date(), date);
        prop_assert_eq!(rrn.sex(), if g % 2 == 1 { Sex::Male } else { Sex::Female });
        prop_assert!(!rrn.is_foreigner());
        // The checksum is information only, and computed correctly.
        let all = digits(&rrn.expose().replace('-', ""));
        prop_assert_eq!(rrn.legacy_checksum_valid(), resident_check(&all[..12]) == all[12]);
        prop_assert!(korean::resident_number(&value).is_ok());
    }

    #[test]
    fn foreigner_numbers_from_valid_parts_parse(
        (date, g) in birth(true),
        serial in proptest::collection::vec(0u8..10, 6),
    ) {
        let value = format!("{}-{g}{}", yymmdd(date), text(&serial));
        let frn = ForeignerNumber::parse_at(&value, TODAY).unwrap();
        prop_assert_eq!(frn.birth_date(), date);
        let rrn = ResidentNumber::parse_at(&value, TODAY).unwrap();
        prop_assert!(rrn.is_foreigner());
        prop_assert_eq!(rrn.legacy_checksum_valid(), frn.legacy_checksum_valid());
    }

    #[test]
    fn the_date_decides_exactly_as_the_calendar_does(
        yy in 0u8..100, mm in 0u8..20, dd in 0u8..40, g in 0u8..10, serial in 0u32..1_000_000,
    ) {
        let value = format!("{yy:02}{mm:02}{dd:02}-{g}{serial:06}");
        let century = match g { 9 | 0 => 1800, 1 | 2 | 5 | 6 => 1900, _ => 2000 };
        let date = Month::try_from(mm)
            .ok()
            .and_then(|m| Date::from_calendar_date(century + i32::from(yy), m, dd).ok());
        let expected = match date {
            None => Err(Reason::Date),
            Some(d) if d > TODAY => Err(Reason::FutureDate),
            Some(d) => Ok(d),
        };
        prop_assert_eq!(
            ResidentNumber::parse_at(&value, TODAY).map(|r| r.birth_date()).map_err(|e| e.reason()),
            expected
        );
    }

    #[test]
    fn business_numbers_catch_every_single_digit_error(
        first9 in proptest::collection::vec(0u8..10, 9),
        hyphens in any::<bool>(),
    ) {
        let mut number = first9.clone();
        number.push(brn_check(&first9));
        let s = text(&number);
        let value = if hyphens { format!("{}-{}-{}", &s[..3], &s[3..5], &s[5..]) } else { s.clone() };
        let brn: BusinessNumber = value.parse().unwrap();
        prop_assert_eq!(brn.expose(), format!("{}-{}-{}", &s[..3], &s[3..5], &s[5..]));
        for position in 0..10 {
            for replacement in 0..10u8 {
                if replacement == number[position] {
                    continue;
                }
                let mut corrupted = number.clone();
                corrupted[position] = replacement;
                let error = text(&corrupted).parse::<BusinessNumber>().unwrap_err();
                prop_assert_eq!(error.reason(), Reason::Checksum);
            }
        }
    }

    #[test]
    fn corporate_numbers_catch_every_single_digit_error_but_five_at_weight_two(
        first12 in proptest::collection::vec(0u8..10, 12),
    ) {
        let mut number = first12.clone();
        number.push(crn_check(&first12));
        let crn: CorporateNumber = text(&number).parse().unwrap();
        prop_assert_eq!(crn.expose().replace('-', ""), text(&number));
        for position in 0..13 {
            for replacement in 0..10u8 {
                let original = number[position];
                if replacement == original {
                    continue;
                }
                let mut corrupted = number.clone();
                corrupted[position] = replacement;
                let weight_two = position < 12 && position % 2 == 1;
                let undetectable = weight_two && original.abs_diff(replacement) == 5;
                let parsed = text(&corrupted).parse::<CorporateNumber>();
                prop_assert_eq!(parsed.is_ok(), undetectable, "position {} {}→{}", position, original, replacement);
            }
        }
    }

    #[test]
    fn phone_numbers_from_valid_parts_parse_in_every_spelling(
        (prefix, groups, kind, international) in phone_parts(),
        local in proptest::collection::vec(0u8..10, 8),
        first in 2u8..10,
        separator in prop_oneof![Just("-"), Just(" "), Just("."), Just("")],
    ) {
        let mut local = local;
        local[0] = first;
        let mut parts = vec![prefix.clone()];
        let mut start = 0;
        for len in &groups {
            parts.push(text(&local[start..start + len]));
            start += len;
        }
        let canonical = parts.join("-");
        let mut spellings = vec![parts.join(separator)];
        if international {
            let national = prefix.strip_prefix('0').unwrap().to_owned();
            let tail = parts[1..].join(separator);
            spellings.push(format!("+82{separator}{national}{separator}{tail}"));
        }
        for spelling in spellings {
            let phone: PhoneNumber = spelling.parse().unwrap();
            prop_assert_eq!(phone.expose(), canonical.as_str());
            prop_assert_eq!(phone.kind(), kind);
            prop_assert!(korean::phone_number(&spelling).is_ok());
        }
    }

    #[test]
    fn postal_codes_are_five_digits(code in "[0-9]{5}", other in "[0-9]{0,4}|[0-9]{6,9}") {
        let parsed: PostalCode = code.parse().unwrap();
        prop_assert_eq!(parsed.expose(), code.as_str());
        prop_assert!(other.parse::<PostalCode>().is_err());
    }
}

#[test]
fn numbers_issued_after_october_2020_are_never_rejected_on_checksum() {
    // Every check digit 0–9 parses, whether or not it satisfies the old formula.
    let mut legacy_valid = 0;
    for check in 0..10 {
        let value = format!("201006-312345{check}");
        let rrn = ResidentNumber::parse_at(&value, TODAY).unwrap();
        legacy_valid += usize::from(rrn.legacy_checksum_valid());
    }
    assert_eq!(legacy_valid, 1);
}
