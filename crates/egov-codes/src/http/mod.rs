//! The HTTP API (feature `axum`), documented with utoipa.
//!
//! [`api`] returns the routes with their access policies as an egov-http
//! `ApiRouter`, for egov-web's `App::codes`.
//!
//! # Public read API ([`AccessPolicy::Public`])
//!
//! - `GET /codes/{group}?at=YYYY-MM-DD&include_inactive&lang=` — the group and
//!   its codes valid on `at` (default: today in the agency's calendar), sorted,
//!   each with its label in the request's locale (`?lang=`, the `lang` cookie,
//!   `Accept-Language`; labels fall back through `codes.label_fallback`).
//!   `include_inactive` (`true`/`1`/empty) adds inactive and out-of-validity
//!   codes, and shows inactive groups, **only** for actors holding
//!   `codes:write` or `codes:read-inactive` ([`READ_INACTIVE`]); for others it
//!   is ignored. An unknown group, or an inactive one without
//!   `include_inactive`, is a 404.
//! - `GET /codes/{group}/{code}?at=&lang=` — one code with all its labels,
//!   whatever its state (old records need the labels of retired codes), with
//!   `valid`: whether it is valid on `at`.
//!
//! A code may hold any characters but controls (eGovFrame's `%Y-%m`, `A/B`,
//! `1 2`, Korean text): in a path it is **one percent-encoded segment**
//! (`/codes/G/%25Y-%25m`, `/codes/G/A%2FB`, `/codes/G/1%202`,
//! `/codes/G/%EC%84%9C%EC%9A%B8`), decoded exactly, here and in the admin
//! routes below; `Location` headers are written that way. (Only the codes `.`
//! and `..` cannot be reached: URL parsers drop such segments even encoded.)
//!
//! Both answer with a **strong ETag** `"<snapshot version>-<YYYYMMDD of at>-<locale>"`
//! (`-all` appended when inactive codes are included): the snapshot version is
//! the database's change version, so every replica gives the same tag for the
//! same content. `If-None-Match` with a matching tag (or `*`) gives `304 Not
//! Modified`. `Cache-Control: public, max-age=<codes.cache_max_age_secs>`
//! (`private, no-cache` when inactive codes are included), and `Vary:
//! Accept-Language, Cookie`.
//!
//! # Admin API ([`WRITE_POLICY`]: `codes:write`)
//!
//! | route | does |
//! |---|---|
//! | `POST /admin/codes/categories` | create a category |
//! | `PUT /admin/codes/categories/{category}` | replace it |
//! | `POST /admin/codes/categories/{category}/deactivate` | deactivate it |
//! | `GET /admin/codes/categories/{category}/history` | its versions |
//! | `POST /admin/codes/groups` | create a group |
//! | `PUT /admin/codes/groups/{group}` | replace it |
//! | `POST /admin/codes/groups/{group}/deactivate` | deactivate it |
//! | `GET /admin/codes/groups/{group}/history` | its versions |
//! | `POST /admin/codes/groups/{group}/codes` | create a code |
//! | `PUT /admin/codes/groups/{group}/codes/{code}` | replace it |
//! | `POST /admin/codes/groups/{group}/codes/{code}/deactivate` | deactivate it |
//! | `GET /admin/codes/groups/{group}/codes/{code}/history` | its versions |
//! | `POST /admin/codes/import?format=json\|csv\|egovframe-sql&reason=` | bulk import (body: the file) |
//! | `GET /admin/codes/export?format=json\|csv` | export (an attachment) |
//!
//! Write bodies are JSON: `{"record": {…draft…}, "reason": "…", "version": 3}`
//! ([`WriteBody`]); deactivation takes `{"reason": "…", "version": 3}`. A
//! `reason` is required for updates and deactivations. The version the change
//! is based on comes from `If-Match: "3"` (a stale one → **412**) or from
//! `version` in the body (a stale one → **409**, with `current_version`). Write
//! responses carry the record and `ETag: "<record version>"`.
//!
//! Errors are answered, as everywhere in egov-rs, with a bodiless response of
//! the problem's status carrying the [`Problem`] in its extensions, for
//! egov-web to render in the caller's language. Bodies over the web stack's
//! limit (`server.body_limit_bytes`) are refused with 413: import large files
//! with the CLI.

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use egov_core::access::AccessPolicy;
use egov_core::actor::{Actor, Permission};
use egov_core::message::Message;
use egov_core::problem::{FieldError, Problem, ProblemType};
use egov_http::openapi::Conflict;
use egov_http::query::StrictQuery;
use egov_http::{ApiRouter, Stale, problem_response};
use egov_i18n::Locale;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::model::{Attributes, Labels, format_date, parse_date};
use crate::registry::{Draft, Record};
use crate::snapshot::ListFilter;
use crate::transfer::{self, ImportReport, no_progress};
use crate::{
    Category, CategoryDraft, Code, CodeDraft, CodeGroup, CodeRegistry, Error, GroupDraft,
    HistoryEntry,
};

mod admin;
mod read;

use admin::*;
pub use admin::{DeactivateBody, WriteBody};
use read::*;
pub use read::{CodeDetail, CodeList, CodeView, GroupView};

/// Who may change code tables: holders of `codes:write`.
pub const WRITE_POLICY: AccessPolicy = AccessPolicy::permission("codes:write");
/// The permission that lets `include_inactive` through on the public API
/// (besides `codes:write`).
pub const READ_INACTIVE: Permission = Permission::new("codes:read-inactive");
const WRITE: Permission = Permission::new("codes:write");

/// The routes with their policies, for the application to merge
/// (egov-web's `App::codes` does).
pub fn api(registry: CodeRegistry) -> ApiRouter {
    ApiRouter::new()
        .routes(AccessPolicy::Public, routes!(list_codes))
        .routes(AccessPolicy::Public, routes!(get_code))
        .routes(WRITE_POLICY, routes!(create_category))
        .routes(WRITE_POLICY, routes!(update_category))
        .routes(WRITE_POLICY, routes!(deactivate_category))
        .routes(WRITE_POLICY, routes!(category_history))
        .routes(WRITE_POLICY, routes!(create_group))
        .routes(WRITE_POLICY, routes!(update_group))
        .routes(WRITE_POLICY, routes!(deactivate_group))
        .routes(WRITE_POLICY, routes!(group_history))
        .routes(WRITE_POLICY, routes!(create_code))
        .routes(WRITE_POLICY, routes!(update_code))
        .routes(WRITE_POLICY, routes!(deactivate_code))
        .routes(WRITE_POLICY, routes!(code_history))
        .routes(WRITE_POLICY, routes!(import))
        .routes(WRITE_POLICY, routes!(export))
        .with_state(registry)
}

// ---- responses -------------------------------------------------------------

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(_) => problem_response(Problem::internal()),
    }
}

fn set(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// `text` as one URL path segment: every byte but the unreserved ones
/// (`A–Z a–z 0–9 - . _ ~`) percent-encoded, so that a code such as `A/B`,
/// `%Y-%m` or `서울` stays one segment and decodes back to itself.
pub(crate) fn path_segment(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn field_problem(field: &str, code: &'static str, message: Message) -> Problem {
    Problem::new(ProblemType::VALIDATION_FAILED)
        .with_detail(Message::new("problem-validation-failed-detail").arg("count", 1))
        .with_field_error(FieldError::new(field, code, message))
}

// ---- query strings -----------------------------------------------------------

/// A date parameter (`YYYY-MM-DD`); absent when empty.
fn date(params: &mut StrictQuery, name: &str) -> Option<Date> {
    let value = params.raw(name).filter(|v| !v.is_empty())?;
    let date = parse_date(value);
    if date.is_none() {
        params.fail(name, "date", Message::new("codes-query-date"));
    }
    date
}

/// A flag: absent, `false` or `0` is off; given empty (`?all`), `true` or `1` is on.
fn flag(params: &mut StrictQuery, name: &str) -> bool {
    match params.raw(name) {
        None | Some("false" | "0") => false,
        Some("" | "true" | "1") => true,
        Some(_) => {
            params.fail(name, "flag", Message::new("codes-query-flag"));
            false
        }
    }
}

/// One of `allowed`, `default` when absent or empty.
fn one_of<'a>(
    params: &mut StrictQuery,
    name: &str,
    allowed: &[&'a str],
    default: &'a str,
) -> &'a str {
    match params.raw(name) {
        None | Some("") => default,
        Some(v) => match allowed.iter().find(|a| **a == v) {
            Some(found) => found,
            None => {
                params.fail(
                    name,
                    "invalid",
                    Message::new("codes-query-choice").arg("choices", allowed.join(", ")),
                );
                default
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        for (code, segment) in [
            ("COM001", "COM001"),
            ("%Y-%m", "%25Y-%25m"),
            ("A/B", "A%2FB"),
            ("1 2", "1%202"),
            ("서울", "%EC%84%9C%EC%9A%B8"),
            ("a?b#c~_.-", "a%3Fb%23c~_.-"),
        ] {
            assert_eq!(path_segment(code), segment, "{code}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let tag = "\"3-20260101-ko\"";
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"3-20260101-ko\""),
        );
        assert!(none_match(&headers, tag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"2-20260101-ko\""),
        );
        assert!(!none_match(&headers, tag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(none_match(&headers, tag));
    }

    #[test]
    fn query_parameters_are_checked_one_by_one() {
        let mut params = StrictQuery::parse(
            Some("at=2026-13-01&include_inactive=maybe&x=1&at=2"),
            &["at", "include_inactive"],
        );
        date(&mut params, "at");
        flag(&mut params, "include_inactive");
        let problem = params.finish().unwrap_err();
        let mut fields: Vec<(&str, &str)> = problem
            .errors()
            .iter()
            .map(|e| (e.field.as_str(), &*e.code))
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                ("/at", "date"),
                ("/at", "repeated"),
                ("/include_inactive", "flag"),
                ("/x", "unknown")
            ]
        );
    }
}
