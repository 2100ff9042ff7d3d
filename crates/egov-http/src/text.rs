//! The edge rule for text ([`egov_core::text`]): a request whose path, query or
//! JSON/form body holds a refused control character (NUL, other C0 controls
//! but tab and line breaks, DEL, C1) is answered before its handler runs.
//!
//! Every [`ApiRouter`](crate::ApiRouter) route applies it right after its
//! access policy (so an anonymous caller still gets 401 first): a path is a
//! 400 (`problem-bad-request-control-characters`), a query parameter or a body field a 422
//! naming each field (`/title`, `/items/0/name`) with the code
//! `control_characters`. Bodies of other types (files, multipart) are left
//! to their handlers. egov-validation's extractors apply the same functions,
//! so they hold without the router too.
//!
//! ```
//! use egov_http::text;
//!
//! let errors = text::json_errors(br#"{"title": "a\u0000b", "items": [{"name": "\u0085"}], "ok": "x\ny"}"#);
//! let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
//! assert_eq!(fields, ["/items/0/name", "/title"]);
//! assert!(text::form_errors(b"reason=%01&page=1").iter().any(|e| e.field == "/reason"));
//! assert!(text::path_is_refused("/api/petitions/a%00b"));
//! ```

use axum::body::Body;
use axum::extract::Request;
use egov_core::message::Message;
use egov_core::problem::{FieldError, Problem, ProblemType};
use egov_core::text::first_refused_control;
use http::header;
use serde_json::Value;

/// The field error code of a refused character.
pub const CODE: &str = "control_characters";

/// The field error of a refused character at `field` (a JSON pointer).
pub fn field_error(field: impl Into<String>) -> FieldError {
    FieldError::new(field, CODE, Message::new("field-control-characters"))
}

/// The 422 problem listing `errors`.
pub fn problem(errors: Vec<FieldError>) -> Problem {
    Problem::new(ProblemType::VALIDATION_FAILED)
        .with_detail(Message::new("problem-validation-failed-detail").arg("count", errors.len()))
        .with_field_errors(errors)
}

/// The fields of a JSON document whose string (or key) holds a refused
/// character, in pointer order. Not JSON: none (the body's own parser
/// reports that).
pub fn json_errors(bytes: &[u8]) -> Vec<FieldError> {
    // A refused character can only arrive escaped (`\u0000`, `\b`, `\f`), as
    // a raw DEL, or as a C1 control's UTF-8 form (C2 80–9F); raw C0 is not
    // JSON at all.
    let suspicious = bytes.iter().any(|&b| b == b'\\' || b == 0x7F)
        || bytes
            .windows(2)
            .any(|pair| pair[0] == 0xC2 && (0x80..=0x9F).contains(&pair[1]));
    if !suspicious {
        return Vec::new();
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    collect(&value, &mut String::new(), &mut fields);
    fields.sort();
    fields.into_iter().map(field_error).collect()
}

fn collect(value: &Value, pointer: &mut String, fields: &mut Vec<String>) {
    let at = pointer.len();
    match value {
        Value::String(text) => {
            if first_refused_control(text).is_some() {
                fields.push(if pointer.is_empty() {
                    "/".to_owned()
                } else {
                    pointer.clone()
                });
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                pointer.push('/');
                pointer.push_str(&index.to_string());
                collect(item, pointer, fields);
                pointer.truncate(at);
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                pointer.push('/');
                if first_refused_control(key).is_some() {
                    // The key itself cannot be named; its parent is.
                    pointer.truncate(at);
                    fields.push(if pointer.is_empty() {
                        "/".to_owned()
                    } else {
                        pointer.clone()
                    });
                    continue;
                }
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                collect(member, pointer, fields);
                pointer.truncate(at);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The fields of `application/x-www-form-urlencoded` data (a body or a query
/// string) whose value or name holds a refused character, each once.
pub fn form_errors(bytes: &[u8]) -> Vec<FieldError> {
    if !bytes.contains(&b'%') && !bytes.iter().any(|&b| b < 0x20 || b == 0x7f || b == 0xC2) {
        return Vec::new();
    }
    let mut fields: Vec<String> = Vec::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        let field = if first_refused_control(&name).is_some() {
            "/".to_owned()
        } else if first_refused_control(&value).is_some() {
            format!("/{}", name.replace('~', "~0").replace('/', "~1"))
        } else {
            continue;
        };
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    fields.into_iter().map(field_error).collect()
}

/// Whether the percent-decoded `path` holds a refused character.
pub fn path_is_refused(path: &str) -> bool {
    let bytes = path.as_bytes();
    if !bytes.contains(&b'%') && first_refused_control(path).is_none() {
        return false;
    }
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                // Both digits are below 16: the byte is exact.
                decoded.push(u8::try_from(high * 16 + low).unwrap_or(u8::MAX));
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    first_refused_control(&String::from_utf8_lossy(&decoded)).is_some()
}

fn is_form(request: &Request) -> bool {
    content_type(request)
        .is_some_and(|t| t.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

fn is_json(request: &Request) -> bool {
    content_type(request).is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t == "application/json" || (t.starts_with("application/") && t.ends_with("+json"))
    })
}

fn content_type(request: &Request) -> Option<&str> {
    let value = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim())
}

/// Applies the rule to `request`: the request back (its body read into memory
/// when it is JSON or a form, within the body limit), or the problem.
pub(crate) async fn check(request: Request) -> Result<Request, Problem> {
    if path_is_refused(request.uri().path()) {
        return Err(Problem::new(ProblemType::BAD_REQUEST)
            .with_detail(Message::new("problem-bad-request-control-characters")));
    }
    let mut errors = request
        .uri()
        .query()
        .map(|query| form_errors(query.as_bytes()))
        .unwrap_or_default();
    let (json, form) = (is_json(&request), is_form(&request));
    if !json && !form {
        return if errors.is_empty() {
            Ok(request)
        } else {
            Err(problem(errors))
        };
    }
    let (parts, body) = request.into_parts();
    // The stack's body limit applies to this stream: past it, reading fails.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|_| Problem::new(ProblemType::PAYLOAD_TOO_LARGE))?;
    for error in if json {
        json_errors(&bytes)
    } else {
        form_errors(&bytes)
    } {
        if !errors.iter().any(|known| known.field == error.field) {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(problem(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn json_names_each_field_with_a_refused_character() {
        let body = br#"{"a": "\u0000", "b": "fine\ttab\nline\r", "c": ["x", "\u007f"], "d": {"e/f": "\b"}, "g": "\f", "h": 1}"#;
        assert_eq!(fields(&json_errors(body)), ["/a", "/c/1", "/d/e~1f", "/g"]);
        assert!(json_errors(r#"{"title": "설 연휴 \"안내\"\n둘째 줄"}"#.as_bytes()).is_empty());
        assert!(json_errors("{\"t\": \"\u{85}\"}".as_bytes()).len() == 1);
        assert!(json_errors("{\"t\": \"x\u{7f}\"}".as_bytes()).len() == 1);
        assert!(json_errors(b"not json \\u0000").is_empty());
        assert_eq!(fields(&json_errors(br#"{"k\u0001": "v"}"#)), ["/"]);
    }

    #[test]
    fn forms_and_queries_name_the_parameter() {
        assert_eq!(
            fields(&form_errors(b"reason=%01&page=1&q=%7F&q=%00")),
            ["/reason", "/q"]
        );
        assert!(
            form_errors("reason=%EC%82%AC%EC%9C%A0+%ED%99%95%EC%9D%B8%0A".as_bytes()).is_empty()
        );
        assert_eq!(fields(&form_errors(b"a%00=1")), ["/"]);
        assert_eq!(fields(&form_errors(b"c1=%C2%85")), ["/c1"]);
    }

    #[test]
    fn paths_are_checked_after_percent_decoding() {
        for refused in ["/a%00b", "/a%1fb", "/x/%7F", "/%C2%80", "/%c2%9f"] {
            assert!(path_is_refused(refused), "{refused}");
        }
        for fine in [
            "/api/petitions/0194-ab",
            "/codes/%ED%95%9C",
            "/a%20b",
            "/100%",
            "/%zz",
            "/%09",
        ] {
            assert!(!path_is_refused(fine), "{fine}");
        }
    }
}
