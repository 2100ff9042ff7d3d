//! From validation and deserialization errors to [`Problem`]s.
//!
//! Every failed rule becomes a [`FieldError`]: a JSON pointer to the field
//! (RFC 6901, `~` and `/` escaped), the rule's code and a [`Message`] keyed
//! `validation-{code}` whose arguments are the rule's parameters — never the
//! rejected value, which may be personal data.
//!
//! # Message keys
//!
//! - `validation-{code}` for every code, with these refinements for `length` and
//!   `range`, whose messages depend on which bounds the rule has: the key is
//!   `validation-{code}` when the rule has exactly `min` and `max`, otherwise
//!   `validation-{code}-{bounds}` with the bounds given, in the order `equal`,
//!   `min`, `exclusive_min`, `max`, `exclusive_max`, joined by `-` (`equal`
//!   alone when present, as validator ignores the others then). So
//!   `length(min = 2)` uses `validation-length-min` with `$min`, and
//!   `range(min = 1, exclusive_max = 10)` uses `validation-range-min-exclusive_max`.
//! - Arguments: for the built-in rules only their bounds (`min`, `max`, `equal`,
//!   `exclusive_min`, `exclusive_max`) and `needle` (`contains`,
//!   `does_not_contain`); for other codes (your own rules) every parameter except
//!   `value` and `other`, which validator fills with field values.
//! - A rule's `message = "…"` text is not used (it cannot be localized); give the
//!   rule a `code` instead and ship `validation-{code}`.
//!
//! # Pointers
//!
//! Nested structs (`#[validate(nested)]`) and list items give `/applicant/phone`
//! and `/items/2/name`; a struct-level rule (`#[validate(schema(…))]`) points at
//! its struct (`""` for the whole document). validator reports the entries of a
//! map by position, not by key, so when the request data is known (the
//! extractors, [`from_json_slice`]) an entry's errors are reported at the map
//! itself (`/attachments`); [`field_errors`] alone, without the data, gives the
//! position (`/attachments/0/…`).
//!
//! Deserialization errors that name a field are reported the same way, with the
//! codes `required` (missing field), `type` (wrong JSON type), `unknown_field`
//! (with `#[serde(deny_unknown_fields)]`), the identifier codes of
//! [`crate::korean`] (e.g. `business_number` for a field of type
//! [`BusinessNumber`](crate::korean::BusinessNumber)), or `invalid`.
//!
//! ```
//! use egov_core::problem::ProblemType;
//! use serde::Deserialize;
//! use validator::Validate;
//!
//! #[derive(Deserialize, Validate)]
//! struct Petition {
//!     #[validate(length(min = 1, max = 50))]
//!     title: String,
//! }
//!
//! let Err(problem) = egov_validation::problem::from_json_slice::<Petition>(br#"{"title": ""}"#)
//! else {
//!     panic!("an empty title is refused");
//! };
//! assert_eq!(problem.problem_type(), &ProblemType::VALIDATION_FAILED);
//! let error = &problem.errors()[0];
//! assert_eq!((error.field.as_str(), error.code.as_ref()), ("/title", "length"));
//! assert_eq!(error.message.key(), "validation-length");
//! assert!(!error.message.args().contains_key("value"));
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;

use egov_core::message::{Message, MessageArg};
use egov_core::problem::{FieldError, Problem, ProblemType};
use serde::de::DeserializeOwned;
use serde_json::Value;
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::korean::IdKind;

/// The codes of validator's built-in rules.
pub const BUILTIN_CODES: &[&str] = &[
    "length",
    "range",
    "email",
    "url",
    "required",
    "must_match",
    "contains",
    "does_not_contain",
    "regex",
    "credit_card",
    "non_control_character",
    "ip",
];

/// The codes this crate gives to deserialization errors of a known field
/// (besides the identifier codes of [`crate::korean`]).
pub const DESERIALIZATION_CODES: &[&str] = &[
    "required",
    "type",
    "unknown_field",
    "invalid",
    crate::date::DATE_CODE,
    crate::date::DATE_TIME_CODE,
];

/// The codes of the date rules ([`crate::date`]).
pub const DATE_RULE_CODES: &[&str] = &["not_before", "not_after", "within"];

/// Most unparsable fields stood in for in one request, so that a hostile
/// document cannot make the extractors deserialize it without end.
const MAX_STAND_INS: usize = 32;

/// The bounds of `length` and `range`, in key order.
const BOUNDS: [&str; 5] = ["equal", "min", "exclusive_min", "max", "exclusive_max"];

/// The detail key of a problem with failed fields (`$count`: how many fields).
const VALIDATION_FAILED_DETAIL: &str = "problem-validation-failed-detail";

/// The message key of a failed rule (see the [module docs](self)).
pub fn message_key(error: &ValidationError) -> Cow<'static, str> {
    let code = error.code.as_ref();
    if matches!(code, "length" | "range") {
        let given: Vec<&str> = if error.params.contains_key("equal") {
            vec!["equal"]
        } else {
            BOUNDS
                .into_iter()
                .filter(|b| error.params.contains_key(*b))
                .collect()
        };
        if !given.is_empty() && given != ["min", "max"] {
            return Cow::Owned(format!("validation-{code}-{}", given.join("-")));
        }
    }
    Cow::Owned(format!("validation-{code}"))
}

/// The message of a failed rule: [`message_key`] with the rule's parameters as
/// arguments, never the rejected value.
pub fn message(error: &ValidationError) -> Message {
    let code = error.code.as_ref();
    let allowed: Option<&[&str]> = match code {
        "length" | "range" => Some(&BOUNDS),
        "contains" | "does_not_contain" => Some(&["needle"]),
        c if BUILTIN_CODES.contains(&c) || IdKind::from_code(c).is_some() => Some(&[]),
        _ => None,
    };
    let mut params: Vec<(&str, &Value)> = error
        .params
        .iter()
        .map(|(k, v)| (k.as_ref(), v))
        .filter(|(k, _)| match allowed {
            Some(allowed) => allowed.contains(k),
            None => !matches!(*k, "value" | "other"),
        })
        .collect();
    params.sort_by_key(|(k, _)| *k);
    params.into_iter().fold(
        Message::new(message_key(error)),
        |message, (name, value)| match message_arg(value) {
            Some(arg) => message.arg(name, arg),
            None => message,
        },
    )
}

fn message_arg(value: &Value) -> Option<MessageArg> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(MessageArg::Int)
            .or_else(|| n.as_u64().map(MessageArg::from))
            .or_else(|| n.as_f64().map(MessageArg::Float)),
        Value::String(s) => Some(MessageArg::Text(s.clone())),
        Value::Bool(b) => Some(MessageArg::Text(b.to_string())),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// One step of a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

impl PartialOrd for Segment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Segment {
    /// Indices numerically, before keys.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Segment::Index(a), Segment::Index(b)) => a.cmp(b),
            (Segment::Key(a), Segment::Key(b)) => a.cmp(b),
            (Segment::Index(_), Segment::Key(_)) => Ordering::Less,
            (Segment::Key(_), Segment::Index(_)) => Ordering::Greater,
        }
    }
}

/// An RFC 6901 JSON pointer: `~` → `~0`, `/` → `~1`.
pub(crate) fn pointer(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        match segment {
            Segment::Index(i) => out.push_str(&i.to_string()),
            Segment::Key(k) => {
                for c in k.chars() {
                    match c {
                        '~' => out.push_str("~0"),
                        '/' => out.push_str("~1"),
                        c => out.push(c),
                    }
                }
            }
        }
    }
    out
}

/// The field errors of `errors`, sorted by pointer, with pointers made of the
/// Rust field names validator reports.
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    field_errors_in(errors, None)
}

/// The same, naming each field after the member of `body` (the request's data
/// as JSON) that holds it: exactly, or else the one member whose name equals the
/// Rust name ignoring case, `_` and `-` (so `#[serde(rename_all = …)]` fields are
/// found); the Rust name when there is none.
pub(crate) fn field_errors_in(errors: &ValidationErrors, body: Option<&Value>) -> Vec<FieldError> {
    let mut out = Vec::new();
    walk(errors, &mut Vec::new(), body, &mut out);
    // Stable: a field's errors keep validator's order.
    out.sort_by(|(a, _), (b, _)| a.cmp(b));
    out.into_iter().map(|(_, e)| e).collect()
}

fn walk(
    errors: &ValidationErrors,
    path: &mut Vec<Segment>,
    body: Option<&Value>,
    out: &mut Vec<(Vec<Segment>, FieldError)>,
) {
    for (name, kind) in errors.errors() {
        let (member, child) = if name == "__all__" {
            // `#[validate(schema(…))]`: the struct itself.
            (None, body)
        } else {
            let member = member_name(name, body);
            let child = body.and_then(|b| b.get(&member));
            (Some(member), child)
        };
        let depth = path.len();
        if let Some(member) = member {
            path.push(Segment::Key(member));
        }
        match kind {
            ValidationErrorsKind::Field(errors) => {
                for error in errors {
                    let field = FieldError::new(pointer(path), error.code.clone(), message(error));
                    out.push((path.clone(), field));
                }
            }
            ValidationErrorsKind::Struct(inner) => walk(inner, path, child, out),
            ValidationErrorsKind::List(items) if child.is_some_and(Value::is_object) => {
                // A map: validator numbers its entries by iteration position, not
                // by key, so its entries' errors are reported at the map itself.
                for inner in items.values() {
                    let mut entry = Vec::new();
                    walk(inner, &mut Vec::new(), None, &mut entry);
                    out.extend(entry.into_iter().map(|(_, mut error)| {
                        error.field = pointer(path);
                        (path.clone(), error)
                    }));
                }
            }
            ValidationErrorsKind::List(items) => {
                for (&index, inner) in items {
                    path.push(Segment::Index(index));
                    walk(inner, path, child.and_then(|c| c.get(index)), out);
                    path.pop();
                }
            }
        }
        path.truncate(depth);
    }
}

fn member_name(rust_name: &str, body: Option<&Value>) -> String {
    let rust_name = rust_name.strip_prefix("r#").unwrap_or(rust_name);
    let Some(Value::Object(members)) = body else {
        return rust_name.to_owned();
    };
    if members.contains_key(rust_name) {
        return rust_name.to_owned();
    }
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = fold(rust_name);
    let mut matches = members.keys().filter(|k| fold(k) == wanted);
    match (matches.next(), matches.next()) {
        (Some(only), None) => only.clone(),
        _ => rust_name.to_owned(),
    }
}

/// The 422 problem for failed rules: `validation-failed` with the detail
/// `problem-validation-failed-detail` (`$count` = number of fields) and one
/// [`FieldError`] per failed rule (see [`field_errors`]).
pub fn validation_problem(errors: &ValidationErrors) -> Problem {
    failed(field_errors(errors))
}

pub(crate) fn validation_problem_in(errors: &ValidationErrors, body: Option<&Value>) -> Problem {
    failed(field_errors_in(errors, body))
}

fn failed(errors: Vec<FieldError>) -> Problem {
    let count = errors
        .iter()
        .map(|e| e.field.as_str())
        .collect::<HashSet<_>>()
        .len();
    Problem::new(ProblemType::VALIDATION_FAILED)
        .with_detail(Message::new(VALIDATION_FAILED_DETAIL).arg("count", count))
        .with_field_errors(errors)
}

/// A 400 problem with a detail message.
pub(crate) fn bad_request(detail: &'static str) -> Problem {
    Problem::new(ProblemType::BAD_REQUEST).with_detail(Message::new(detail))
}

/// The code of a deserialization error's message and, for missing and unknown
/// fields, the field's name (one more pointer segment).
fn classify(message: &str) -> (Option<String>, Cow<'static, str>) {
    let between = |rest: &str, ends: &[&str]| {
        ends.iter()
            .filter_map(|end| rest.find(end))
            .min()
            .map(|i| rest[..i].to_owned())
    };
    if let Some(rest) = message.strip_prefix("missing field `") {
        return (between(rest, &["`"]), Cow::Borrowed("required"));
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = between(rest, &["`, expected", "`, there are no fields"]);
        return (name, Cow::Borrowed("unknown_field"));
    }
    if message.starts_with("invalid type: ") {
        return (None, Cow::Borrowed("type"));
    }
    // `ParseIdError` and `ParseDateError`: "invalid {code}: {reason}".
    if let Some(code) = message
        .strip_prefix("invalid ")
        .and_then(|rest| rest.split_once(':'))
        .map(|(code, _)| code)
    {
        if let Some(kind) = IdKind::from_code(code) {
            return (None, Cow::Borrowed(kind.code()));
        }
        if let Some(&date) = [crate::date::DATE_CODE, crate::date::DATE_TIME_CODE]
            .iter()
            .find(|c| **c == code)
        {
            return (None, Cow::Borrowed(date));
        }
    }
    (None, Cow::Borrowed("invalid"))
}

/// The problem for a deserialization error of the data (not the syntax): 422 with
/// one field error when the field is known, else `otherwise`.
pub(crate) fn data_problem(
    segments: Option<Vec<Segment>>,
    message: &str,
    otherwise: Problem,
) -> Problem {
    let Some(mut segments) = segments else {
        return otherwise;
    };
    let (member, code) = classify(message);
    if let Some(member) = member {
        // serde_path_to_error's path already ends at an unknown field's key, but
        // stops at the struct for a missing one.
        let known =
            code == "unknown_field" && segments.last() == Some(&Segment::Key(member.clone()));
        if !known {
            segments.push(Segment::Key(member));
        }
    }
    if segments.is_empty() {
        return otherwise;
    }
    field_problem(&segments, code)
}

/// The 422 problem for one field that could not be read: `validation-{code}`.
pub(crate) fn field_problem(segments: &[Segment], code: Cow<'static, str>) -> Problem {
    let key = format!("validation-{code}");
    failed(vec![FieldError::new(
        pointer(segments),
        code,
        Message::new(key),
    )])
}

/// The pointer segments of a serde path; `None` when a step is unknown.
pub(crate) fn path_segments(path: &serde_path_to_error::Path) -> Option<Vec<Segment>> {
    use serde_path_to_error::Segment as S;
    path.iter()
        .map(|segment| match segment {
            S::Seq { index } => Some(Segment::Index(*index)),
            S::Map { key } => Some(Segment::Key(key.clone())),
            S::Enum { variant } => Some(Segment::Key(variant.clone())),
            S::Unknown => None,
        })
        .collect()
}

/// Deserializes a JSON document (without validating it): syntax errors are 400
/// `problem-bad-request-json`; data errors 422 with the field's pointer when it is
/// known, else 400 `problem-bad-request-body`.
pub(crate) fn deserialize_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| json_error(path_segments(e.path()), e.inner(), bytes))?;
    deserializer
        .end()
        .map_err(|e| json_error(None, &e, bytes))?;
    Ok(value)
}

fn json_error(segments: Option<Vec<Segment>>, error: &serde_json::Error, bytes: &[u8]) -> Problem {
    let syntax_error = || bad_request("problem-bad-request-json");
    match error.classify() {
        // A data error may come before a syntax error further on: malformed JSON
        // is a 400 whatever else is wrong with it.
        serde_json::error::Category::Data => {
            if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() {
                return syntax_error();
            }
            data_problem(
                segments,
                &error.to_string(),
                bad_request("problem-bad-request-body"),
            )
        }
        _ => syntax_error(),
    }
}

/// Validates `value`, naming fields after the members of `body` where given.
pub(crate) fn validate_in<T: Validate>(
    value: &T,
    body: impl FnOnce() -> Option<Value>,
) -> Result<(), Problem> {
    value
        .validate()
        .map_err(|errors| validation_problem_in(&errors, body().as_ref()))
}

/// Deserializes and validates a JSON document: what the `Valid<Json<T>>`
/// extractor does with a request body (see the [module docs](self)).
///
/// A field that cannot be parsed as its type — a Korean identifier, a
/// [`Date`](crate::date::Date) — does not hide the others' errors: a valid
/// stand-in takes its place, the document is read again, and the problem
/// lists the parse error together with every other field's (one error per
/// failed rule).
pub fn from_json_slice<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, Problem> {
    let first = match deserialize_json::<T>(bytes) {
        Ok(value) => {
            validate_in(&value, || serde_json::from_slice(bytes).ok())?;
            return Ok(value);
        }
        Err(problem) => problem,
    };
    let Ok(mut document) = serde_json::from_slice::<Value>(bytes) else {
        return Err(first);
    };
    let original = document.clone();
    Err(every_field_error::<T>(
        first,
        Some(&original),
        |field, stand_in| {
            let slot = document.pointer_mut(field)?;
            *slot = Value::String(stand_in.to_owned());
            Some(serde_path_to_error::deserialize(&document).map_err(|e| {
                data_problem(
                    path_segments(e.path()),
                    &e.inner().to_string(),
                    bad_request("problem-bad-request-body"),
                )
            }))
        },
    ))
}

/// The stand-in of an unparsable field with error `code`, if it has one.
fn stand_in(code: &str) -> Option<&'static str> {
    match code {
        crate::date::DATE_CODE => Some("2000-01-01"),
        crate::date::DATE_TIME_CODE => Some("2000-01-01T00:00:00+09:00"),
        code => IdKind::from_code(code).map(IdKind::stand_in),
    }
}

/// Given `first`, the problem of a request whose data did not deserialize:
/// while its last field error is an unparsable value with a [`stand_in`],
/// `again(field, stand_in)` puts the stand-in there and deserializes again
/// (`None` when it cannot). Once the data deserializes, its rules are checked
/// too ([`Validate`]), except at the fields already refused. Returns the
/// problem with every field error found, or `first` unchanged when it is not
/// a field's parse error.
pub(crate) fn every_field_error<T: Validate>(
    first: Problem,
    body: Option<&Value>,
    mut again: impl FnMut(&str, &'static str) -> Option<Result<T, Problem>>,
) -> Problem {
    let parse_error = |problem: &Problem| -> Option<FieldError> {
        match problem.errors() {
            [only] if stand_in(&only.code).is_some() => Some(only.clone()),
            _ => None,
        }
    };
    let Some(error) = parse_error(&first) else {
        return first;
    };
    let mut errors = vec![error];
    for _ in 0..MAX_STAND_INS {
        let last = &errors[errors.len() - 1];
        let Some(value) = stand_in(&last.code) else {
            break;
        };
        let field = last.field.clone();
        match again(&field, value) {
            None => break,
            Some(Ok(value)) => {
                if let Err(rule_errors) = value.validate() {
                    let refused: HashSet<String> = errors.iter().map(|e| e.field.clone()).collect();
                    errors.extend(
                        field_errors_in(&rule_errors, body)
                            .into_iter()
                            .filter(|e| !refused.contains(&e.field)),
                    );
                }
                break;
            }
            Some(Err(problem)) => {
                let next = match problem.errors() {
                    [only] => only.clone(),
                    _ => break,
                };
                if errors.iter().any(|e| e.field == next.field) {
                    break;
                }
                errors.push(next);
            }
        }
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    failed(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &'static str, params: &[(&'static str, Value)]) -> ValidationError {
        let mut e = ValidationError::new(code);
        for (k, v) in params {
            e.add_param(Cow::Borrowed(k), v);
        }
        e
    }

    #[test]
    fn length_and_range_keys_name_their_bounds() {
        use serde_json::json;
        let key = |code, params: &[(&'static str, Value)]| message_key(&error(code, params));
        let v = ("value", json!("secret"));
        assert_eq!(
            key("length", &[("min", json!(1)), ("max", json!(5)), v.clone()]),
            "validation-length"
        );
        assert_eq!(
            key("length", &[("min", json!(1)), v.clone()]),
            "validation-length-min"
        );
        assert_eq!(key("length", &[("max", json!(1))]), "validation-length-max");
        assert_eq!(
            key("length", &[("equal", json!(3)), ("min", json!(1))]),
            "validation-length-equal"
        );
        assert_eq!(
            key("range", &[("min", json!(1)), ("max", json!(5))]),
            "validation-range"
        );
        assert_eq!(
            key("range", &[("exclusive_min", json!(0))]),
            "validation-range-exclusive_min"
        );
        assert_eq!(
            key("range", &[("max", json!(9)), ("exclusive_min", json!(0))]),
            "validation-range-exclusive_min-max"
        );
        assert_eq!(
            key(
                "range",
                &[("exclusive_max", json!(9)), ("exclusive_min", json!(0))]
            ),
            "validation-range-exclusive_min-exclusive_max"
        );
        assert_eq!(key("email", std::slice::from_ref(&v)), "validation-email");
        assert_eq!(key("petition_title", &[]), "validation-petition_title");
    }

    #[test]
    fn values_never_become_arguments() {
        use serde_json::json;
        let m = message(&error(
            "length",
            &[("min", json!(2)), ("value", json!("홍길동"))],
        ));
        assert_eq!(m.args().len(), 1);
        assert_eq!(m.args()["min"], MessageArg::Int(2));
        // must_match's `other` is the other field's value (e.g. a password).
        let m = message(&error(
            "must_match",
            &[("other", json!("pw")), ("value", json!("pw2"))],
        ));
        assert!(m.args().is_empty());
        let m = message(&error(
            "contains",
            &[("needle", json!("@")), ("value", json!("x"))],
        ));
        assert_eq!(m.args()["needle"], MessageArg::Text("@".into()));
        // Application codes keep their own parameters, but not `value`/`other`.
        let m = message(&error(
            "max_attachments",
            &[
                ("limit", json!(5)),
                ("ratio", json!(0.5)),
                ("value", json!(9)),
                ("other", json!(1)),
            ],
        ));
        assert_eq!(m.key(), "validation-max_attachments");
        assert_eq!(m.args().len(), 2);
        assert_eq!(m.args()["ratio"], MessageArg::Float(0.5));
        // Built-in codes drop anything else an application may have added.
        let m = message(&error("email", &[("domain", json!("x"))]));
        assert!(m.args().is_empty());
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let p = pointer(&[
            Segment::Key("a/b".into()),
            Segment::Index(2),
            Segment::Key("m~n".into()),
            Segment::Key(String::new()),
        ]);
        assert_eq!(p, "/a~1b/2/m~0n/");
        assert_eq!(pointer(&[]), "");
    }

    #[test]
    fn classify_reads_serde_messages() {
        assert_eq!(
            classify("missing field `name` at line 1 column 2"),
            (Some("name".into()), "required".into())
        );
        assert_eq!(
            classify("unknown field `a`b`, expected `x` or `y`"),
            (Some("a`b".into()), "unknown_field".into())
        );
        assert_eq!(
            classify("unknown field `z`, there are no fields"),
            (Some("z".into()), "unknown_field".into())
        );
        assert_eq!(
            classify("invalid type: string \"x\", expected u32"),
            (None, "type".into())
        );
        assert_eq!(
            classify("invalid phone_number: the prefix is not in use at line 1 column 9"),
            (None, "phone_number".into())
        );
        assert_eq!(
            classify("invalid value: integer `300`, expected u8"),
            (None, "invalid".into())
        );
        assert_eq!(
            classify("invalid length 3, expected 2"),
            (None, "invalid".into())
        );
        assert_eq!(classify("something else"), (None, "invalid".into()));
    }

    #[test]
    fn member_names_follow_the_body() {
        let body = serde_json::json!({"firstName": 1, "last_name": 2, "ab": 3, "a_b": 4});
        assert_eq!(member_name("first_name", Some(&body)), "firstName");
        assert_eq!(member_name("last_name", Some(&body)), "last_name");
        assert_eq!(member_name("r#type", Some(&body)), "type");
        // Ambiguous: keep the Rust name.
        assert_eq!(member_name("a__b", Some(&body)), "a__b");
        assert_eq!(member_name("missing", Some(&body)), "missing");
        assert_eq!(member_name("first_name", None), "first_name");
    }
}
