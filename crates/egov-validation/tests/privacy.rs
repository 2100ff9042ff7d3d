//! Identifier values never show their full number except through `expose()` or
//! an explicit serde opt-in.

use std::io;
use std::sync::{Arc, Mutex};

use egov_validation::korean::{
    BusinessNumber, CorporateNumber, ForeignerNumber, KoreanId, PhoneNumber, PostalCode,
    ResidentNumber,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use time::macros::date;

/// A `tracing` writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// What `tracing` writes for events recording `value` with `%`, `?` and as a
/// field of a span.
fn traced<T: std::fmt::Display + std::fmt::Debug>(value: &T) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("request", applicant = %value);
        let _entered = span.enter();
        tracing::info!(number = %value, "display");
        tracing::warn!(number = ?value, "debug");
        tracing::error!("formatted {value} {value:?}");
    });
    captured.text()
}

fn digit_count(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

/// Every way a value can be printed, except `expose()`.
fn printed<T: KoreanId + Serialize + std::fmt::Display + std::fmt::Debug>(
    value: &T,
) -> Vec<String> {
    vec![
        format!("{value}"),
        format!("{value:?}"),
        format!("{value:#?}"),
        value.to_string(),
        serde_json::to_string(value).unwrap(),
        serde_json::to_string(&vec![value]).unwrap(),
        traced(value),
    ]
}

/// No printed form holds the full number (canonical or digits only), the
/// `hidden` part, or as many digits as the number has.
fn assert_masked<T: KoreanId + Serialize + std::fmt::Display + std::fmt::Debug>(
    value: &T,
    hidden: &str,
) {
    let canonical = value.expose();
    let compact: String = canonical.chars().filter(char::is_ascii_digit).collect();
    for text in printed(value) {
        assert!(!text.contains(canonical), "{canonical} in {text}");
        assert!(!text.contains(&compact), "{compact} in {text}");
        assert!(!text.contains(hidden), "{hidden} in {text}");
    }
    let masked = value.masked();
    assert!(digit_count(&masked) < digit_count(canonical), "{masked}");
    assert!(masked.contains('*'), "{masked}");
}

#[test]
fn resident_and_foreigner_numbers_print_masked() {
    let rrn = ResidentNumber::parse_at("871205-2876543", date!(2026 - 01 - 01)).unwrap();
    assert_masked(&rrn, "876543");
    assert_eq!(rrn.expose(), "871205-2876543");
    let frn = ForeignerNumber::parse_at("010203-7864209", date!(2026 - 01 - 01)).unwrap();
    assert_masked(&frn, "864209");
    assert!(format!("{frn:?}").starts_with("ForeignerNumber("));
}

#[test]
fn business_corporate_and_phone_numbers_print_masked() {
    let brn: BusinessNumber = "220-81-62517".parse().unwrap();
    assert_masked(&brn, "62517");
    let crn: CorporateNumber = "130111-0006246".parse().unwrap();
    assert_masked(&crn, "006246");
    let phone: PhoneNumber = "010-9876-5432".parse().unwrap();
    assert_masked(&phone, "9876");
    let landline: PhoneNumber = "02-3456-7890".parse().unwrap();
    assert_masked(&landline, "3456");
}

#[test]
fn postal_codes_are_not_personal_data_and_print_in_full() {
    let code: PostalCode = "03154".parse().unwrap();
    assert_eq!(format!("{code}"), "03154");
    assert_eq!(format!("{code:?}"), "PostalCode(03154)");
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"03154\"");
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    shown: PhoneNumber,
    #[serde(with = "egov_validation::korean::exposed")]
    stored: ResidentNumber,
    #[serde(serialize_with = "egov_validation::korean::expose_serialize")]
    brn: BusinessNumber,
    #[serde(default, with = "egov_validation::korean::exposed::option")]
    company: Option<CorporateNumber>,
    #[serde(default, with = "egov_validation::korean::exposed::option")]
    other: Option<CorporateNumber>,
}

#[test]
fn serde_shows_the_full_number_only_where_a_field_opts_in() {
    let record: Record = serde_json::from_value(serde_json::json!({
        "shown": "+82 10 9876 5432",
        "stored": "9001011234568",
        "brn": "2208162517",
        "company": "1301110006246",
        "other": null,
    }))
    .unwrap();
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["stored"], "900101-1234568");
    assert_eq!(json["brn"], "220-81-62517");
    assert_eq!(json["company"], "130111-0006246");
    assert_eq!(json["other"], serde_json::Value::Null);
    assert_eq!(json["shown"], record.shown.masked());
    assert!(!json["shown"].as_str().unwrap().contains("9876"));
    // Debug of the whole record is masked everywhere.
    let debug = format!("{record:?}");
    for raw in ["9876", "1234568", "62517", "006246"] {
        assert!(!debug.contains(raw), "{raw} in {debug}");
    }
    // The opted-in form round-trips.
    let again: Record = serde_json::from_value(serde_json::json!({
        "shown": "010-9876-5432",
        "stored": json["stored"],
        "brn": json["brn"],
    }))
    .unwrap();
    assert_eq!(again.stored, record.stored);
    assert_eq!(again.company, None);
}

#[test]
fn deserializing_an_invalid_number_fails_without_echoing_it() {
    let error = serde_json::from_str::<ResidentNumber>("\"900230-1234568\"").unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("invalid resident_number: the birth date is not a real date"),
        "{text}"
    );
    assert!(!text.contains("1234568"));
    let error = serde_json::from_str::<PhoneNumber>("12345").unwrap_err();
    assert!(error.to_string().starts_with("invalid type"), "{error}");
    // The masked form cannot be parsed back: masked values are for display only.
    let phone: PhoneNumber = "010-9876-5432".parse().unwrap();
    let masked = serde_json::to_string(&phone).unwrap();
    assert!(serde_json::from_str::<PhoneNumber>(&masked).is_err());
}

fn rrn_strategy() -> impl Strategy<Value = ResidentNumber> {
    (
        0u8..100,
        1u8..=12,
        1u8..=28,
        prop_oneof![Just(1u8), Just(2), Just(5), Just(6)],
        0u32..1_000_000,
    )
        .prop_map(|(yy, mm, dd, g, serial)| {
            let value = format!("{yy:02}{mm:02}{dd:02}-{g}{serial:06}");
            ResidentNumber::parse_at(&value, date!(2026 - 01 - 01)).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_resident_number_is_ever_printed_in_full(rrn in rrn_strategy()) {
        let canonical = rrn.expose().to_owned();
        let serial = &canonical[8..];
        for text in [format!("{rrn}"), format!("{rrn:?}"), serde_json::to_string(&rrn).unwrap()] {
            prop_assert!(!text.contains(&canonical));
            // Nothing after the 7th digit is shown.
            let shown = text.trim_start_matches("ResidentNumber(").trim_matches(['"', '(', ')']);
            prop_assert!(shown.len() >= 14);
            prop_assert_eq!(&shown[8..14], "******");
            prop_assert!(!shown[8..].contains(serial));
        }
    }

    #[test]
    fn no_phone_number_is_ever_printed_in_full(middle in 2000u32..10_000, last in 0u32..10_000) {
        let phone: PhoneNumber = format!("010{middle:04}{last:04}").parse().unwrap();
        for text in [format!("{phone}"), format!("{phone:?}"), serde_json::to_string(&phone).unwrap()] {
            // Whatever the last group shows, the middle group is nowhere.
            let rest = text.replace(&format!("{last:04}"), "");
            prop_assert!(!rest.contains(&format!("{middle:04}")), "{}", text);
            prop_assert!(text.contains("****"), "{}", text);
        }
    }
}
