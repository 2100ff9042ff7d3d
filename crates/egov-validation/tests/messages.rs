//! The shipped Fluent files: every key the crate can produce exists in both
//! locales, with exactly the variables the crate passes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use egov_core::message::{Message, MessageCatalog, StaticCatalog};
use egov_validation::korean::IdKind;
use egov_validation::problem::{BUILTIN_CODES, DESERIALIZATION_CODES, message, message_key};
use validator::ValidationError;

/// `key → variables` of one `.ftl` source (single-line messages).
fn parse(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut messages = BTreeMap::new();
    for line in source.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (key, text) = line.split_once(" = ").expect("`key = text` lines only");
        assert!(!line.starts_with(' '), "multi-line message: {line}");
        let variables = text
            .split("{ $")
            .skip(1)
            .map(|rest| {
                rest.split_once(" }")
                    .expect("`{ $name }` placeables")
                    .0
                    .to_owned()
            })
            .collect();
        assert!(
            messages.insert(key.to_owned(), variables).is_none(),
            "duplicate {key}"
        );
    }
    messages
}

fn locale(name: &str) -> BTreeMap<String, BTreeSet<String>> {
    let (_, source) = egov_validation::MESSAGES
        .files
        .iter()
        .find(|(l, _)| *l == name)
        .unwrap_or_else(|| panic!("no {name} file"));
    parse(source)
}

#[test]
fn both_locales_have_the_same_keys_and_variables() {
    let ko = locale("ko");
    let en = locale("en");
    assert_eq!(ko, en);
    assert_eq!(egov_validation::MESSAGES.component, "egov-validation");
    assert_eq!(egov_validation::MESSAGES.files.len(), 2);
}

/// Every combination of bounds `length` and `range` can have.
fn bound_sets(code: &str) -> Vec<Vec<&'static str>> {
    match code {
        "length" => vec![vec!["min", "max"], vec!["min"], vec!["max"], vec!["equal"]],
        "range" => {
            let mut sets = Vec::new();
            for lower in [None, Some("min"), Some("exclusive_min")] {
                for upper in [None, Some("max"), Some("exclusive_max")] {
                    let set: Vec<_> = lower.into_iter().chain(upper).collect();
                    if !set.is_empty() {
                        sets.push(set);
                    }
                }
            }
            sets
        }
        "contains" | "does_not_contain" => vec![vec!["needle"]],
        _ => vec![vec![]],
    }
}

#[test]
fn every_key_the_crate_produces_exists_with_its_variables() {
    let ko = locale("ko");
    let mut produced = BTreeSet::new();
    // The message of `error` exists with exactly the rule's parameters.
    let mut exists = |error: &ValidationError| {
        let msg = message(error);
        assert_eq!(msg.key(), message_key(error));
        let variables = ko
            .get(msg.key())
            .unwrap_or_else(|| panic!("{} is missing", msg.key()));
        let args: BTreeSet<String> = msg.args().keys().cloned().collect();
        assert_eq!(&args, variables, "{}", msg.key());
        produced.insert(msg.key().to_owned());
    };
    // A failed rule `code` with `params` (and the value, which is never shown).
    let rule_error = |code: &'static str, params: &[&'static str]| {
        let mut error = ValidationError::new(code);
        for &param in params {
            error.add_param(Cow::Borrowed(param), &7);
        }
        error.add_param(Cow::Borrowed("value"), &"rejected");
        error
    };
    for &code in BUILTIN_CODES {
        for set in bound_sets(code) {
            exists(&rule_error(code, &set));
        }
    }
    for kind in IdKind::ALL {
        exists(&rule_error(kind.code(), &[]));
    }
    for &code in DESERIALIZATION_CODES {
        exists(&rule_error(code, &[]));
    }
    // The rules of `egov_validation::rules`.
    let blank = egov_validation::rules::not_blank(" ").unwrap_err();
    assert_eq!(blank.code, "not_blank");
    exists(&rule_error("not_blank", &[]));
    assert_eq!(
        egov_validation::rules::date("2026-02-30").unwrap_err().code,
        "date"
    );
    exists(&rule_error("date", &[]));
    assert_eq!(
        egov_validation::rules::single_line("a\nb")
            .unwrap_err()
            .code,
        "single_line"
    );
    exists(&rule_error("single_line", &[]));
    // The rules of `egov_validation::date`, with their bounds.
    let day = egov_validation::date::Date::new(2026, 12, 7).unwrap();
    for error in [
        day.not_before(egov_validation::date::Date::new(2027, 1, 1).unwrap()),
        day.not_after(egov_validation::date::Date::new(2026, 1, 1).unwrap()),
        day.within(
            egov_validation::date::Date::new(2025, 1, 1).unwrap(),
            egov_validation::date::Date::new(2025, 12, 31).unwrap(),
        ),
    ] {
        exists(&error.unwrap_err());
    }
    assert_eq!(
        egov_validation::problem::DATE_RULE_CODES,
        ["not_before", "not_after", "within"]
    );
    // The problem details of this crate.
    for key in [
        "problem-bad-request-body",
        "problem-bad-request-query",
        "problem-bad-request-form",
        "problem-bad-request-path",
    ] {
        assert_eq!(ko.get(key), Some(&BTreeSet::new()), "{key}");
        produced.insert(key.to_owned());
    }
    // Nothing shipped that the crate cannot produce.
    let shipped: BTreeSet<String> = ko.keys().cloned().collect();
    assert_eq!(shipped, produced);
}

#[test]
fn detail_keys_used_from_egov_core_exist_there() {
    let core = egov_core::problem::builtin_catalog();
    for (key, arg) in [
        ("problem-bad-request-json", None),
        ("problem-validation-failed-detail", Some("count")),
        ("problem-unsupported-media-type-detail", Some("expected")),
    ] {
        for locale in ["ko", "en"] {
            let mut message = Message::new(key);
            if let Some(arg) = arg {
                message = message.arg(arg, "ARG");
            }
            let text = core
                .format(locale, &message)
                .unwrap_or_else(|| panic!("{key} missing in {locale}"));
            assert_eq!(
                arg.is_some(),
                text.contains("ARG"),
                "{key} {locale}: {text}"
            );
        }
    }
}

#[test]
fn the_static_catalog_reads_every_message() {
    let catalog = StaticCatalog::from_resources(&egov_validation::MESSAGES);
    for locale_name in ["ko", "en"] {
        for key in locale(locale_name).keys() {
            let text = catalog
                .format(locale_name, &Message::new(key.clone()))
                .unwrap_or_else(|| panic!("{key} unreadable in {locale_name}"));
            assert!(!text.is_empty());
        }
    }
}

#[test]
fn korean_texts_read_naturally() {
    let catalog = StaticCatalog::from_resources(&egov_validation::MESSAGES);
    let ko = |key: &'static str, args: &[(&str, i64)]| {
        let message = args
            .iter()
            .fold(Message::new(key), |m, (name, value)| m.arg(*name, *value));
        catalog.format("ko", &message).unwrap()
    };
    assert_eq!(
        ko("validation-length", &[("min", 2), ("max", 20)]),
        "2자 이상 20자 이하로 입력해 주십시오."
    );
    assert_eq!(
        ko("validation-length-min", &[("min", 2)]),
        "2자 이상 입력해 주십시오."
    );
    assert_eq!(
        ko(
            "validation-range-min-exclusive_max",
            &[("min", 1), ("exclusive_max", 10)]
        ),
        "1 이상 10 미만의 값을 입력해 주십시오."
    );
    assert_eq!(
        ko("validation-resident_number", &[]),
        "올바른 주민등록번호를 입력해 주십시오."
    );
}
