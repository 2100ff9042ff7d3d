//! Korean identifiers: every parser and `validator` rule of
//! `egov_validation::korean` on the same input.

use std::str::FromStr;

use egov_validation::korean::{
    self, BusinessNumber, CorporateNumber, ForeignerNumber, KoreanId, ParseIdError, PhoneNumber,
    PostalCode, ResidentNumber,
};
use time::macros::date;

/// Parses the input as each identifier. For each: the `validator` rule
/// accepts exactly what the parser accepts; an accepted value's canonical form
/// (`expose`) is ASCII, parses again to the same canonical form, and is what
/// `Display`/`Debug`/`Serialize` do *not* show (they mask); a rejection's
/// validation error carries the identifier's code and never the input.
pub fn korean_id(data: &[u8]) {
    let text = crate::text(data);
    let value: &str = &text;

    // Resident and foreigner numbers depend on today's date (no birth date in
    // the future): the date is fixed, so a result is reproducible.
    let today = date!(2020 - 01 - 01);
    check_dated(value, korean::resident_number, |v| {
        ResidentNumber::parse_at(v, today)
    });
    check_dated(value, korean::foreigner_number, |v| {
        ForeignerNumber::parse_at(v, today)
    });
    // FromStr (today's date) must not panic either.
    let _ = ResidentNumber::from_str(value);
    let _ = ForeignerNumber::from_str(value);

    check::<BusinessNumber>(value, korean::business_number);
    check::<CorporateNumber>(value, korean::corporate_number);
    check::<PhoneNumber>(value, korean::phone_number);
    check::<PostalCode>(value, korean::postal_code);
    if let Ok(phone) = PhoneNumber::from_str(value) {
        let _ = phone.kind();
        if let Some(e164) = phone.expose_e164() {
            assert!(e164.starts_with("+82"), "{e164}");
            let again = PhoneNumber::from_str(&e164).expect("the E.164 form parses");
            assert_eq!(again.expose(), phone.expose());
        }
    }
    // Through serde, as a JSON body or query field carries them.
    let json = serde_json::Value::String(value.to_owned());
    let _ = serde_json::from_value::<ResidentNumber>(json.clone());
    let _ = serde_json::from_value::<PhoneNumber>(json);
}

fn check<T: KoreanId + std::fmt::Display + std::fmt::Debug>(
    value: &str,
    rule: fn(&str) -> Result<(), validator::ValidationError>,
) {
    let parsed = check_dated(value, rule, T::from_str);
    let code = T::KIND.code();
    assert_eq!(
        rule(value).is_ok(),
        parsed,
        "{code}: the rule and the parser disagree"
    );
}

/// Checks the invariants of one parse; returns whether it accepted `value`.
fn check_dated<T: KoreanId + std::fmt::Display + std::fmt::Debug>(
    value: &str,
    rule: fn(&str) -> Result<(), validator::ValidationError>,
    parse: impl Fn(&str) -> Result<T, ParseIdError>,
) -> bool {
    let code = T::KIND.code();
    match parse(value) {
        Ok(id) => {
            let canonical = id.expose();
            assert!(canonical.is_ascii(), "{code}: canonical form not ASCII");
            let again =
                parse(canonical).unwrap_or_else(|e| panic!("{code}: canonical form rejected: {e}"));
            assert_eq!(again.expose(), canonical, "{code}: canonical form unstable");
            assert_eq!(id.to_string(), id.masked(), "{code}: Display is the mask");
            if id.masked() != canonical {
                assert!(
                    !format!("{id:?}").contains(canonical),
                    "{code}: Debug shows the full value"
                );
            }
            // The rule parses with today's date, never earlier than the fixed
            // one: what was valid then is valid now.
            assert!(
                rule(value).is_ok(),
                "{code}: the rule rejects a valid value"
            );
            true
        }
        Err(error) => {
            assert_eq!(error.kind(), T::KIND);
            let validation = error.to_validation_error();
            assert_eq!(validation.code, code);
            if value.chars().filter(char::is_ascii_digit).count() >= 5 {
                let shown = format!("{error} {validation:?}");
                assert!(!shown.contains(value), "{code}: the error echoes the input");
            }
            false
        }
    }
}
