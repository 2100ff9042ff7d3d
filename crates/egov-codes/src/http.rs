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

// ---- public read API -----------------------------------------------------------

/// A group as the read API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// The group's id.
    pub id: String,
    /// Its label in the response's locale.
    pub label: String,
    /// Its description.
    pub description: Option<String>,
    /// Its custodian (owning unit).
    pub custodian: Option<String>,
    /// Its category.
    pub category: Option<String>,
    /// Whether it is active.
    pub active: bool,
}

/// A code as the read API lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    /// The code.
    pub code: String,
    /// Its label in the response's locale.
    pub label: String,
    /// Its description.
    pub description: Option<String>,
    /// Its parent code.
    pub parent: Option<String>,
    /// Its position.
    pub sort_order: i64,
    /// First valid day (inclusive).
    pub valid_from: Option<String>,
    /// Last valid day (inclusive).
    pub valid_to: Option<String>,
    /// Whether it is active.
    pub active: bool,
    /// Extra data.
    #[schema(value_type = Object)]
    pub attributes: Attributes,
    /// The record's version (for admin updates).
    pub version: i64,
}

/// `GET /codes/{group}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeList {
    /// The group.
    pub group: GroupView,
    /// The locale of the labels.
    pub locale: String,
    /// The date the list is valid on.
    pub at: String,
    /// Whether inactive codes are included.
    pub include_inactive: bool,
    /// The snapshot version (the ETag's first part).
    pub snapshot: i64,
    /// The codes, sorted.
    pub codes: Vec<CodeView>,
}

/// `GET /codes/{group}/{code}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeDetail {
    /// The group's id.
    pub group: String,
    /// The code in the response's locale.
    #[serde(flatten)]
    pub view: CodeView,
    /// All its labels.
    pub labels: Labels,
    /// Whether it is valid on `at` (it and its group active, `at` in its validity).
    pub valid: bool,
    /// The date `valid` refers to.
    pub at: String,
}

fn code_view(code: &Code, locale: &str, fallbacks: &[&str]) -> CodeView {
    CodeView {
        code: code.code.clone(),
        label: code.label(locale, fallbacks).to_owned(),
        description: code.description.clone(),
        parent: code.parent.clone(),
        sort_order: code.sort_order,
        valid_from: code.valid_from.map(format_date),
        valid_to: code.valid_to.map(format_date),
        active: code.active,
        attributes: code.attributes.clone(),
        version: code.stamp.version,
    }
}

fn etag(version: i64, at: Date, locale: &str, all: bool) -> String {
    format!(
        "\"{version}-{:04}{:02}{:02}-{locale}{}\"",
        at.year(),
        u8::from(at.month()),
        at.day(),
        if all { "-all" } else { "" }
    )
}

/// Whether `If-None-Match` matches `tag` (weak comparison, as RFC 9110 says).
fn none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

fn cached(
    registry: &CodeRegistry,
    headers: &HeaderMap,
    tag: &str,
    private: bool,
    body: impl FnOnce() -> Response,
) -> Response {
    let mut response = if none_match(headers, tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body()
    };
    set(&mut response, header::ETAG, tag);
    let cache = if private {
        "private, no-cache".to_owned()
    } else {
        format!("public, max-age={}", registry.settings().cache_max_age_secs)
    };
    set(&mut response, header::CACHE_CONTROL, &cache);
    set(&mut response, header::VARY, "Accept-Language, Cookie");
    response
}

fn actor_of(actor: Option<Extension<Actor>>) -> Actor {
    actor.map_or_else(Actor::anonymous, |Extension(a)| a)
}

/// Lists a group's codes.
#[utoipa::path(get, path = "/codes/{group}", tag = "codes",
    params(
        ("group" = String, Path, description = "Group id, e.g. PETITION_TYPE"),
        ("at" = Option<String>, Query, description = "Valid on this date (YYYY-MM-DD); default today"),
        ("include_inactive" = Option<bool>, Query, description = "Also inactive codes (needs codes:write or codes:read-inactive; ignored otherwise)"),
        ("lang" = Option<String>, Query, description = "Locale of the labels (else cookie, Accept-Language)"),
    ),
    responses(
        (status = 200, description = "The codes, sorted", body = CodeList,
            headers(("ETag" = String, description = "Strong validator"), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)")))]
async fn list_codes(
    State(registry): State<CodeRegistry>,
    Path(group): Path<String>,
    RawQuery(query): RawQuery,
    locale: Locale,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
) -> Response {
    let actor = actor_of(actor);
    let mut params = StrictQuery::parse(query.as_deref(), &["at", "include_inactive", "lang"]);
    let at = date(&mut params, "at");
    let wants_inactive = flag(&mut params, "include_inactive");
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let include_inactive =
        wants_inactive && (actor.has_permission(&WRITE) || actor.has_permission(&READ_INACTIVE));
    let at = at.unwrap_or_else(|| registry.today());
    let snapshot = registry.snapshot();
    let Some(entry) = snapshot.group_codes(&group) else {
        return problem_response(Problem::new(ProblemType::NOT_FOUND));
    };
    let g = entry.group();
    if !g.active && !include_inactive {
        return problem_response(Problem::new(ProblemType::NOT_FOUND));
    }
    let locale = locale.as_str().to_owned();
    let tag = etag(snapshot.version(), at, &locale, include_inactive);
    cached(&registry, &headers, &tag, include_inactive, || {
        let fallbacks = registry.fallbacks();
        let filter = ListFilter {
            at: (!include_inactive).then_some(at),
            include_inactive,
        };
        let codes = snapshot
            .list(&group, filter)
            .map(|codes| codes.map(|c| code_view(c, &locale, &fallbacks)).collect())
            .unwrap_or_default();
        json_response(
            StatusCode::OK,
            &CodeList {
                group: GroupView {
                    id: g.id.clone(),
                    label: g.label(&locale, &fallbacks).to_owned(),
                    description: g.description.clone(),
                    custodian: g.custodian.clone(),
                    category: g.category.clone(),
                    active: g.active,
                },
                locale: locale.clone(),
                at: format_date(at),
                include_inactive,
                snapshot: snapshot.version(),
                codes,
            },
        )
    })
}

/// Reads one code, whatever its state.
#[utoipa::path(get, path = "/codes/{group}/{code}", tag = "codes",
    params(
        ("group" = String, Path, description = "Group id"),
        ("code" = String, Path, description = "Code"),
        ("at" = Option<String>, Query, description = "Date `valid` refers to (YYYY-MM-DD); default today"),
        ("lang" = Option<String>, Query, description = "Locale of `label`"),
    ),
    responses(
        (status = 200, description = "The code", body = CodeDetail),
        (status = 304, description = "Not modified (If-None-Match)")))]
async fn get_code(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    locale: Locale,
    headers: HeaderMap,
) -> Response {
    let mut params = StrictQuery::parse(query.as_deref(), &["at", "lang"]);
    let at = date(&mut params, "at");
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let at = at.unwrap_or_else(|| registry.today());
    let snapshot = registry.snapshot();
    let Some(found) = snapshot.code(&group, &code) else {
        return problem_response(Problem::new(ProblemType::NOT_FOUND));
    };
    let locale = locale.as_str().to_owned();
    let tag = etag(snapshot.version(), at, &locale, false);
    cached(&registry, &headers, &tag, false, || {
        let fallbacks = registry.fallbacks();
        json_response(
            StatusCode::OK,
            &CodeDetail {
                group: group.clone(),
                view: code_view(found, &locale, &fallbacks),
                labels: found.labels.clone(),
                valid: snapshot.is_valid(&group, &code, at),
                at: format_date(at),
            },
        )
    })
}

// ---- admin API -----------------------------------------------------------------

/// The body of a create or update: the record, the reason, and (for updates
/// without `If-Match`) the version the change is based on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteBody<T> {
    /// The record.
    pub record: T,
    /// Why (required for updates).
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the change is based on (updates; or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// The body of a deactivation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateBody {
    /// Why (required).
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the change is based on (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

impl<T> validator::Validate for WriteBody<T> {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl validator::Validate for DeactivateBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

fn json_body<T: serde::de::DeserializeOwned + validator::Validate>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, Problem> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
    if !json {
        return Err(Problem::new(ProblemType::UNSUPPORTED_MEDIA_TYPE));
    }
    egov_validation::problem::from_json_slice(body)
}

/// Where the expected version came from.
#[derive(Clone, Copy)]
enum Expected {
    /// `If-Match`: a mismatch is 412.
    IfMatch(Option<i64>),
    /// The body: a mismatch is 409.
    Body(i64),
}

fn expected_version(headers: &HeaderMap, body: Option<i64>) -> Result<Expected, Problem> {
    if let Some(value) = headers.get(header::IF_MATCH) {
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(Expected::IfMatch(None));
        }
        // A tag that is not one of ours matches nothing: 412.
        let version = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(-1);
        return Ok(Expected::IfMatch(Some(version)));
    }
    match body {
        Some(version) => Ok(Expected::Body(version)),
        None => Err(field_problem(
            "/version",
            "required",
            Message::new("codes-version-required"),
        )),
    }
}

/// The expected version to pass on, with `If-Match: *` meaning "whatever it is".
fn resolve(expected: Expected, current: Option<i64>) -> i64 {
    match expected {
        Expected::IfMatch(Some(v)) | Expected::Body(v) => v,
        Expected::IfMatch(None) => current.unwrap_or(-1),
    }
}

fn write_error(error: Error, expected: Option<Expected>) -> Response {
    if let (Error::Conflict { .. }, Some(Expected::IfMatch(_))) = (&error, expected) {
        return problem_response(
            Problem::new(ProblemType::PRECONDITION_FAILED)
                .with_detail(Message::new("codes-stale-version")),
        );
    }
    problem_response(Problem::from(error))
}

fn written<T: Serialize>(
    status: StatusCode,
    record: &T,
    version: i64,
    location: Option<String>,
) -> Response {
    let mut response = json_response(status, record);
    set(&mut response, header::ETAG, &format!("\"{version}\""));
    set(&mut response, header::CACHE_CONTROL, "no-store");
    if let Some(location) = location {
        set(&mut response, header::LOCATION, &location);
    }
    response
}

fn required_reason(reason: Option<&str>) -> &str {
    reason.unwrap_or("")
}

/// A write body that may carry the version the change is based on.
trait VersionedBody: serde::de::DeserializeOwned + validator::Validate {
    fn based_on(&self) -> Option<i64>;
}

impl<T: serde::de::DeserializeOwned> VersionedBody for WriteBody<T> {
    fn based_on(&self) -> Option<i64> {
        self.version
    }
}

impl VersionedBody for DeactivateBody {
    fn based_on(&self) -> Option<i64> {
        self.version
    }
}

// The snapshot's version of a record, which `If-Match: *` stands for.

fn category_version(registry: &CodeRegistry, id: &str) -> Option<i64> {
    registry
        .snapshot()
        .categories()
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.stamp.version)
}

fn group_version(registry: &CodeRegistry, id: &str) -> Option<i64> {
    registry.snapshot().group(id).map(|g| g.stamp.version)
}

fn code_version(registry: &CodeRegistry, group: &str, code: &str) -> Option<i64> {
    registry
        .snapshot()
        .code(group, code)
        .map(|c| c.stamp.version)
}

/// The create handlers: reads the body, files the record under the path's
/// key (`file_under`), creates it and answers 201 with the record, its ETag
/// and, where `location` gives one, its public URL.
async fn create_response<D: Draft + serde::de::DeserializeOwned>(
    registry: &CodeRegistry,
    actor: Option<Extension<Actor>>,
    headers: &HeaderMap,
    body: &Bytes,
    file_under: impl FnOnce(&mut D),
    location: impl FnOnce(&D::Record) -> Option<String>,
) -> Response {
    let body: WriteBody<D> = match json_body(headers, body) {
        Ok(b) => b,
        Err(p) => return problem_response(p),
    };
    let mut record = body.record;
    file_under(&mut record);
    match registry
        .create(&actor_of(actor), record, body.reason.as_deref())
        .await
    {
        Ok(r) => {
            let location = location(&r);
            written(StatusCode::CREATED, &r, r.stamp().version, location)
        }
        Err(e) => write_error(e, None),
    }
}

/// The update handlers: the record comes from the body, filed under the
/// path's key (`file_under`).
async fn update_response<D: Draft + serde::de::DeserializeOwned>(
    registry: &CodeRegistry,
    actor: Option<Extension<Actor>>,
    headers: &HeaderMap,
    body: &Bytes,
    current: impl FnOnce() -> Option<i64>,
    file_under: impl FnOnce(&mut D),
) -> Response {
    versioned_write_response(
        headers,
        body,
        current,
        async |body: WriteBody<D>, expected| {
            let mut record = body.record;
            file_under(&mut record);
            registry
                .update(
                    &actor_of(actor),
                    record,
                    expected,
                    required_reason(body.reason.as_deref()),
                )
                .await
        },
    )
    .await
}

/// The deactivate handlers, for the record at history key `key`.
async fn deactivate_response<D: Draft>(
    registry: &CodeRegistry,
    actor: Option<Extension<Actor>>,
    headers: &HeaderMap,
    body: &Bytes,
    current: impl FnOnce() -> Option<i64>,
    key: (&str, &str),
) -> Response {
    versioned_write_response(
        headers,
        body,
        current,
        async |body: DeactivateBody, expected| {
            registry
                .deactivate::<D>(
                    &actor_of(actor),
                    key,
                    expected,
                    required_reason(body.reason.as_deref()),
                )
                .await
        },
    )
    .await
}

/// The update and deactivate handlers: reads the body, takes the version the
/// change is based on from `If-Match` or the body, runs `write` with it and
/// answers 200 with the record and its ETag. `current` is the snapshot's
/// version of the record, which `If-Match: *` stands for.
async fn versioned_write_response<B: VersionedBody, R: Record>(
    headers: &HeaderMap,
    body: &Bytes,
    current: impl FnOnce() -> Option<i64>,
    write: impl AsyncFnOnce(B, i64) -> Result<R, Error>,
) -> Response {
    let body: B = match json_body(headers, body) {
        Ok(b) => b,
        Err(p) => return problem_response(p),
    };
    let expected = match expected_version(headers, body.based_on()) {
        Ok(e) => e,
        Err(p) => return problem_response(p),
    };
    let version = resolve(expected, current());
    match write(body, version).await {
        Ok(r) => written(StatusCode::OK, &r, r.stamp().version, None),
        Err(e) => write_error(e, Some(expected)),
    }
}

/// Creates a category.
#[utoipa::path(post, path = "/admin/codes/categories", tag = "codes-admin",
    request_body = WriteBody<CategoryDraft>,
    responses(
        (status = 201, description = "Created", body = Category), Conflict))]
async fn create_category(
    State(registry): State<CodeRegistry>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_response(
        &registry,
        actor,
        &headers,
        &body,
        |_: &mut CategoryDraft| {},
        |_| None,
    )
    .await
}

/// Replaces a category.
#[utoipa::path(put, path = "/admin/codes/categories/{category}", tag = "codes-admin",
    params(("category" = String, Path, description = "Category id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = WriteBody<CategoryDraft>,
    responses(
        (status = 200, description = "Updated", body = Category), Stale))]
async fn update_category(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update_response(
        &registry,
        actor,
        &headers,
        &body,
        || category_version(&registry, &id),
        |record: &mut CategoryDraft| record.id.clone_from(&id),
    )
    .await
}

/// Deactivates a category.
#[utoipa::path(post, path = "/admin/codes/categories/{category}/deactivate", tag = "codes-admin",
    params(("category" = String, Path, description = "Category id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = DeactivateBody,
    responses(
        (status = 200, description = "Deactivated", body = Category), Stale))]
async fn deactivate_category(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deactivate_response::<CategoryDraft>(
        &registry,
        actor,
        &headers,
        &body,
        || category_version(&registry, &id),
        ("", &id),
    )
    .await
}

fn history_response(result: Result<Vec<HistoryEntry>, Error>) -> Response {
    match result {
        Ok(entries) if entries.is_empty() => problem_response(Problem::new(ProblemType::NOT_FOUND)),
        Ok(entries) => {
            let mut response = json_response(StatusCode::OK, &entries);
            set(&mut response, header::CACHE_CONTROL, "no-store");
            response
        }
        Err(e) => problem_response(Problem::from(e)),
    }
}

/// Every version of a category.
#[utoipa::path(get, path = "/admin/codes/categories/{category}/history", tag = "codes-admin",
    params(("category" = String, Path, description = "Category id")),
    responses(
        (status = 200, description = "Oldest version first", body = Vec<HistoryEntry>)))]
async fn category_history(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
) -> Response {
    history_response(registry.category_history(&id).await)
}

/// Creates a group.
#[utoipa::path(post, path = "/admin/codes/groups", tag = "codes-admin",
    request_body = WriteBody<GroupDraft>,
    responses(
        (status = 201, description = "Created", body = CodeGroup), Conflict))]
async fn create_group(
    State(registry): State<CodeRegistry>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_response(
        &registry,
        actor,
        &headers,
        &body,
        |_: &mut GroupDraft| {},
        |g| Some(format!("/codes/{}", g.id)),
    )
    .await
}

/// Replaces a group.
#[utoipa::path(put, path = "/admin/codes/groups/{group}", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = WriteBody<GroupDraft>,
    responses(
        (status = 200, description = "Updated", body = CodeGroup), Stale))]
async fn update_group(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update_response(
        &registry,
        actor,
        &headers,
        &body,
        || group_version(&registry, &id),
        |record: &mut GroupDraft| record.id.clone_from(&id),
    )
    .await
}

/// Deactivates a group.
#[utoipa::path(post, path = "/admin/codes/groups/{group}/deactivate", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = DeactivateBody,
    responses(
        (status = 200, description = "Deactivated", body = CodeGroup), Stale))]
async fn deactivate_group(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deactivate_response::<GroupDraft>(
        &registry,
        actor,
        &headers,
        &body,
        || group_version(&registry, &id),
        (&id, ""),
    )
    .await
}

/// Every version of a group.
#[utoipa::path(get, path = "/admin/codes/groups/{group}/history", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id")),
    responses(
        (status = 200, description = "Oldest version first", body = Vec<HistoryEntry>)))]
async fn group_history(State(registry): State<CodeRegistry>, Path(id): Path<String>) -> Response {
    history_response(registry.group_history(&id).await)
}

/// Creates a code in a group.
#[utoipa::path(post, path = "/admin/codes/groups/{group}/codes", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id")),
    request_body = WriteBody<CodeDraft>,
    responses(
        (status = 201, description = "Created", body = Code), Conflict))]
async fn create_code(
    State(registry): State<CodeRegistry>,
    Path(group): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_response(
        &registry,
        actor,
        &headers,
        &body,
        |record: &mut CodeDraft| record.group = group,
        |c| Some(format!("/codes/{}/{}", c.group, c.code)),
    )
    .await
}

/// Replaces a code.
#[utoipa::path(put, path = "/admin/codes/groups/{group}/codes/{code}", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"), ("code" = String, Path, description = "Code"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = WriteBody<CodeDraft>,
    responses(
        (status = 200, description = "Updated", body = Code), Stale))]
async fn update_code(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update_response(
        &registry,
        actor,
        &headers,
        &body,
        || code_version(&registry, &group, &code),
        |record: &mut CodeDraft| {
            record.group.clone_from(&group);
            record.code.clone_from(&code);
        },
    )
    .await
}

/// Deactivates a code.
#[utoipa::path(post, path = "/admin/codes/groups/{group}/codes/{code}/deactivate", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"), ("code" = String, Path, description = "Code"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = DeactivateBody,
    responses(
        (status = 200, description = "Deactivated", body = Code), Stale))]
async fn deactivate_code(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deactivate_response::<CodeDraft>(
        &registry,
        actor,
        &headers,
        &body,
        || code_version(&registry, &group, &code),
        (&group, &code),
    )
    .await
}

/// Every version of a code.
#[utoipa::path(get, path = "/admin/codes/groups/{group}/codes/{code}/history", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"), ("code" = String, Path, description = "Code")),
    responses(
        (status = 200, description = "Oldest version first", body = Vec<HistoryEntry>)))]
async fn code_history(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
) -> Response {
    history_response(registry.code_history(&group, &code).await)
}

/// Imports a file: all or nothing.
#[utoipa::path(post, path = "/admin/codes/import", tag = "codes-admin",
    params(
        ("format" = String, Query, description = "json, csv or egovframe-sql"),
        ("reason" = Option<String>, Query, description = "Recorded in the history of every imported record"),
    ),
    request_body(content = String, description = "The file (UTF-8)", content_type = "text/plain"),
    responses(
        (status = 200, description = "Imported", body = ImportReport)))]
async fn import(
    State(registry): State<CodeRegistry>,
    RawQuery(query): RawQuery,
    actor: Option<Extension<Actor>>,
    body: Bytes,
) -> Response {
    let mut params = StrictQuery::parse(query.as_deref(), &["format", "reason"]);
    if params.raw("format").is_none() {
        params.fail(
            "format",
            "required",
            Message::new("codes-query-choice").arg("choices", "json, csv, egovframe-sql"),
        );
    }
    let format = one_of(
        &mut params,
        "format",
        &["json", "csv", "egovframe-sql"],
        "json",
    );
    let reason = params.raw("reason").map(str::to_owned);
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return problem_response(
            Problem::new(ProblemType::BAD_REQUEST).with_detail(Message::new("codes-import-utf8")),
        );
    };
    let parsed = match format {
        "csv" => transfer::parse_csv(text),
        "egovframe-sql" => crate::egovframe::from_dump(text, registry.offset(), registry.now()),
        _ => transfer::parse_json(text),
    };
    let mut dataset = match parsed {
        Ok(dataset) => dataset,
        Err(issues) => return problem_response(Problem::from(Error::ImportRejected(issues))),
    };
    if let Some(reason) = reason.filter(|r| !r.is_empty()) {
        match crate::model::ChangeReason::new(reason) {
            Ok(reason) => dataset.reason = Some(reason.as_str().to_owned()),
            Err(issue) => return problem_response(Problem::from(Error::Invalid(vec![issue]))),
        }
    }
    match registry
        .import(&actor_of(actor), dataset, &no_progress)
        .await
    {
        Ok(report) => {
            let mut response = json_response(StatusCode::OK, &report);
            set(&mut response, header::CACHE_CONTROL, "no-store");
            response
        }
        Err(e) => problem_response(Problem::from(e)),
    }
}

/// Exports every category, group and code.
#[utoipa::path(get, path = "/admin/codes/export", tag = "codes-admin",
    params(("format" = Option<String>, Query, description = "json (default) or csv")),
    responses(
        (status = 200, description = "The export, as an attachment", content_type = "application/json")))]
async fn export(State(registry): State<CodeRegistry>, RawQuery(query): RawQuery) -> Response {
    let mut params = StrictQuery::parse(query.as_deref(), &["format"]);
    let format = one_of(&mut params, "format", &["json", "csv"], "json");
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let (body, content_type) = match format {
        "csv" => (registry.export_csv().await, "text/csv; charset=utf-8"),
        _ => (registry.export_json().await, "application/json"),
    };
    match body {
        Ok(body) => {
            let mut response = Response::new(Body::from(body));
            set(&mut response, header::CONTENT_TYPE, content_type);
            set(&mut response, header::CACHE_CONTROL, "no-store");
            let today = registry.today();
            set(
                &mut response,
                header::CONTENT_DISPOSITION,
                &format!(
                    "attachment; filename=\"codes-{:04}{:02}{:02}.{format}\"",
                    today.year(),
                    u8::from(today.month()),
                    today.day()
                ),
            );
            response
        }
        Err(e) => problem_response(Problem::from(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
