//! The admin API: search the trail, and download the monthly review report.
//!
//! [`api`] answers at [`PREFIX`] (`/admin/audit`), behind [`ADMIN_POLICY`] and
//! documented in OpenAPI ([`router`]: the same, relative to wherever it is
//! nested):
//!
//! - `GET /events?actor=&subject=&action=&outcome=&from=&to=&page=&size=`: one
//!   page (JSON [`Page`](egov_core::paging::Page) of
//!   [`StoredEvent`](crate::chain::StoredEvent)s, newest first) of the events
//!   matching every given parameter ([`find_events`]):
//!   - `actor`: a principal id (account UUID or system name). There is no
//!     index led by the actor (it cost the write path half its speed, see
//!     `migrations/0002_actor_in_time_index.sql`): the time index carries the
//!     actor, so an actor search reads that index — over `from`..`to` when given,
//!     else all of it — but never the events' rows it does not return. Give a
//!     time range for large trails;
//!   - `subject`: a subject id (`bi:<blind index>` or `id:<uuid>`);
//!   - `action`: an action name; `outcome`: `success`, `failure` or `denied`;
//!   - `from` (inclusive), `to` (exclusive): RFC 3339 times, e.g.
//!     `2026-11-01T00:00:00+09:00` (encode `+` as `%2B`);
//!   - `page` (from 1), `size` (1–100, default 20).
//! - `GET /report?month=YYYY-MM&format=json|csv|html`: the
//!   [`MonthlyReport`] of that local month (years 1–9998; JSON by default; CSV
//!   as an attachment; HTML as a printable page).
//!
//! Empty parameters count as absent. An unknown, repeated or invalid parameter
//! is answered with a 422 `validation-failed` problem listing each bad parameter
//! as a field error (`/from`, `/size`, …); an unreachable database with a 503.
//! Every response is `Cache-Control: no-store`.
//!
//! [`router`] does no access control: mount it behind [`ADMIN_POLICY`]. Errors are answered, as
//! everywhere in egov-rs, with a bodiless response of the problem's status that
//! carries the [`Problem`] in its extensions, for egov-web to render.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use egov_core::access::AccessPolicy;
use egov_core::message::Message;
use egov_core::paging::{DEFAULT_PAGE_SIZE, PageRequest};
use egov_core::problem::{Problem, ProblemType};
use egov_db::Db;
use egov_http::query::StrictQuery;
use egov_http::{ApiRouter, Paging, problem_response};
use http::{HeaderValue, header};
use time::format_description::well_known::Rfc3339;
use time::{Month, OffsetDateTime};
use utoipa_axum::routes;

use crate::report::{EventFilter, MonthlyReport, ReviewCriteria, find_events};
use crate::{Action, AuditError, AuditSettings, Outcome, SubjectId};

/// Who may use the admin API: holders of the `audit:read` permission.
pub const ADMIN_POLICY: AccessPolicy = AccessPolicy::permission("audit:read");

struct AdminState {
    db: Db,
    chain_id: String,
    criteria: ReviewCriteria,
}

fn state(db: Db, settings: &AuditSettings) -> Arc<AdminState> {
    Arc::new(AdminState {
        db,
        chain_id: settings.chain_id.clone(),
        criteria: ReviewCriteria::from(settings),
    })
}

/// The admin API on `db`, for the chain and review criteria of `settings`,
/// at [`PREFIX`] (`/admin/audit/events`, `/admin/audit/report`) behind
/// [`ADMIN_POLICY`], documented in OpenAPI: what an application merges
/// (`App::router(egov_audit::admin::api(…))`).
pub fn api(db: Db, settings: &AuditSettings) -> ApiRouter {
    ApiRouter::new()
        .routes(ADMIN_POLICY, routes!(events))
        .routes(ADMIN_POLICY, routes!(report))
        .with_state(state(db, settings))
}

/// Where [`api`] mounts the admin API.
pub const PREFIX: &str = "/admin/audit";

/// The same API as a plain axum router with paths relative to wherever the
/// caller nests it (`/events`, `/report`), without access control or
/// OpenAPI: for embedding in a router of one's own (tests, another stack).
pub fn router(db: Db, settings: &AuditSettings) -> Router {
    Router::new()
        .route("/events", get(events))
        .route("/report", get(report))
        .with_state(state(db, settings))
}

fn store_failure(error: AuditError) -> Response {
    tracing::error!(%error, "audit admin query failed");
    problem_response(Problem::from(error))
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn with_type(body: impl Into<Body>, content_type: &'static str) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A time parameter (RFC 3339).
fn time(params: &mut StrictQuery, name: &str) -> Option<OffsetDateTime> {
    params.get(name, "audit-query-time", |v| {
        OffsetDateTime::parse(v, &Rfc3339).ok()
    })
}

/// A whole-number parameter, or `default` when absent.
fn number(params: &mut StrictQuery, name: &str, default: u32) -> u32 {
    params
        .get(name, "audit-query-number", |v| v.parse::<u32>().ok())
        .unwrap_or(default)
}

/// Parses the parameters of `GET /events`.
fn event_query(query: Option<&str>) -> Result<(EventFilter, PageRequest), Problem> {
    let mut params = StrictQuery::parse(
        query,
        &[
            "actor", "subject", "action", "outcome", "from", "to", "page", "size",
        ],
    );
    let filter = EventFilter {
        actor: params.get("actor", "audit-query-actor", |v| {
            (v.chars().count() <= 128 && !v.chars().any(char::is_control)).then(|| v.to_owned())
        }),
        subject: params.get("subject", "audit-query-subject", |v| {
            SubjectId::try_from(v.to_owned()).ok()
        }),
        action: params.get("action", "audit-query-action", |v| Action::custom(v).ok()),
        outcome: params.get("outcome", "audit-query-outcome", Outcome::parse),
        from: time(&mut params, "from"),
        to: time(&mut params, "to"),
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to <= from
    {
        params.fail("to", "order", Message::new("audit-query-time-order"));
    }
    let page = number(&mut params, "page", 1);
    let size = number(&mut params, "size", DEFAULT_PAGE_SIZE);
    // Both bounds are checked, so that both are reported.
    for check in [PageRequest::new(page, 1), PageRequest::new(1, size)] {
        if let Err(error) = check {
            params.extend(Problem::from(error).errors().iter().cloned());
        }
    }
    params.finish()?;
    PageRequest::new(page, size)
        .map(|request| (filter, request))
        .map_err(Problem::from)
}

/// Searches the audit trail: one page of the events matching every given
/// parameter, newest first.
#[utoipa::path(get, path = "/admin/audit/events", tag = "audit-admin",
    params(
        ("actor" = Option<String>, Query, description = "A principal id (account UUID or system name)"),
        ("subject" = Option<String>, Query, description = "A data subject: `bi:<blind index>` or `id:<uuid>`"),
        ("action" = Option<String>, Query, description = "An action name"),
        ("outcome" = Option<String>, Query, description = "`success`, `failure` or `denied`"),
        ("from" = Option<String>, Query, description = "RFC 3339 time, inclusive"),
        ("to" = Option<String>, Query, description = "RFC 3339 time, exclusive"),
        Paging,
    ),
    responses((status = 200, description = "One page of stored events", content_type = "application/json")))]
async fn events(
    State(state): State<Arc<AdminState>>,
    headers: http::HeaderMap,
    extensions: http::Extensions,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(screen) = browser_screen(&headers, &extensions, SEARCH_SCREEN, query.as_deref()) {
        return screen;
    }
    let (filter, page) = match event_query(query.as_deref()) {
        Ok(parsed) => parsed,
        Err(problem) => return no_store(problem_response(problem)),
    };
    match find_events(&state.db, &state.chain_id, &filter, page).await {
        Ok(page) => match serde_json::to_vec(&page) {
            Ok(body) => no_store(with_type(body, "application/json")),
            Err(_) => no_store(problem_response(Problem::internal())),
        },
        Err(error) => no_store(store_failure(error)),
    }
}

/// The search screen of the admin console (feature `pages`).
const SEARCH_SCREEN: &str = "/admin/audit";
/// The monthly review screen of the admin console (feature `pages`).
const REVIEW_SCREEN: &str = "/admin/audit/review";

/// `text` percent-encoded for a query value (unreserved characters kept).
fn http_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A browser (`Accept: text/html`) asking the JSON API of an App that serves
/// the audit screens (feature `pages`, the kit holding their templates) is
/// sent to the screen with the same query (`303`): a browser never sees raw
/// JSON. API clients, and Apps without the screens, get the API's answer.
#[cfg_attr(not(feature = "pages"), allow(unused_variables))]
fn browser_screen(
    headers: &http::HeaderMap,
    extensions: &http::Extensions,
    screen: &str,
    query: Option<&str>,
) -> Option<Response> {
    #[cfg(feature = "pages")]
    {
        let serves_screens = extensions.get::<egov_pages::Pages>().is_some_and(|pages| {
            pages
                .environment()
                .get_template(crate::pages::SEARCH_TEMPLATE)
                .is_ok()
        });
        if serves_screens && egov_pages::accepts_html(headers) {
            let location = match query.filter(|q| !q.is_empty()) {
                Some(query) => format!("{screen}?{query}"),
                None => screen.to_owned(),
            };
            let mut response = Response::new(Body::empty());
            *response.status_mut() = http::StatusCode::SEE_OTHER;
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return Some(no_store(response));
        }
        None
    }
    #[cfg(not(feature = "pages"))]
    None
}

/// The formats of `GET /report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Html,
}

/// Parses `YYYY-MM` (years 1–9998: a report needs the next month's start too).
pub(crate) fn parse_month(text: &str) -> Option<(i32, Month)> {
    let (year, month) = text.split_once('-')?;
    if year.len() != 4
        || month.len() != 2
        || !(year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let year: i32 = year.parse().ok().filter(|y| (1..=9998).contains(y))?;
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Some((year, month))
}

/// Parses the parameters of `GET /report`.
fn report_query(query: Option<&str>) -> Result<(i32, Month, Format), Problem> {
    let mut params = StrictQuery::parse(query, &["month", "format"]);
    let month = params.get("month", "audit-query-month", parse_month);
    if params.raw("month").is_none_or(str::is_empty) {
        params.fail("month", "required", Message::new("audit-query-month"));
    }
    let format = params
        .get("format", "audit-query-format", |v| match v {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "html" => Some(Format::Html),
            _ => None,
        })
        .or_else(|| {
            params
                .raw("format")
                .is_none_or(str::is_empty)
                .then_some(Format::Json)
        });
    params.finish()?;
    match (month, format) {
        (Some((year, month)), Some(format)) => Ok((year, month, format)),
        _ => Err(Problem::new(ProblemType::VALIDATION_FAILED)),
    }
}

/// The monthly review report of a local month, as JSON, CSV (an attachment) or
/// a printable HTML page.
#[utoipa::path(get, path = "/admin/audit/report", tag = "audit-admin",
    params(
        ("month" = String, Query, description = "`YYYY-MM`, years 1–9998"),
        ("format" = Option<String>, Query, description = "`json` (default), `csv` or `html`"),
    ),
    responses((status = 200, description = "The report", content(
        (String = "application/json"),
        (String = "text/csv"),
        (String = "text/html"),
    ))))]
async fn report(
    State(state): State<Arc<AdminState>>,
    headers: http::HeaderMap,
    extensions: http::Extensions,
    RawQuery(query): RawQuery,
) -> Response {
    let given = StrictQuery::parse(query.as_deref(), &["month", "format"]);
    let month_query = given
        .raw("month")
        .filter(|m| !m.is_empty())
        .map(|m| format!("month={}", http_encode(m)));
    if given.raw("format").is_none_or(str::is_empty)
        && let Some(screen) =
            browser_screen(&headers, &extensions, REVIEW_SCREEN, month_query.as_deref())
    {
        return screen;
    }
    let (year, month, format) = match report_query(query.as_deref()) {
        Ok(parsed) => parsed,
        Err(problem) => return no_store(problem_response(problem)),
    };
    let report =
        match MonthlyReport::build_with(&state.db, &state.chain_id, year, month, state.criteria)
            .await
        {
            Ok(report) => report,
            Err(error) => return no_store(store_failure(error)),
        };
    let response = match format {
        Format::Json => with_type(report.to_json(), "application/json"),
        Format::Csv => {
            let mut response = with_type(report.to_csv(), "text/csv; charset=utf-8");
            // The month is `YYYY-MM`, digits and a hyphen only.
            let disposition = format!("attachment; filename=\"audit-review-{}.csv\"", report.month);
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Format::Html => {
            let mut response = with_type(report.to_html(), "text/html; charset=utf-8");
            if let Ok(value) = HeaderValue::from_str(crate::report::html_content_security_policy())
            {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, value);
            }
            response
        }
    };
    no_store(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(problem: &Problem) -> Vec<(&str, &str)> {
        problem
            .errors()
            .iter()
            .map(|e| (e.field.as_str(), &*e.code))
            .collect()
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-11"), Some((2026, Month::November)));
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "0000-01",
            "２０２６-11",
            "",
            "-",
        ] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_bad_event_parameter_is_reported_once() {
        let problem = event_query(Some(
            "from=yesterday&outcome=maybe&size=1000&page=x&subject=123&action=DROP%20TABLE&nope=1&nope=2&actor=a&actor=b",
        ))
        .unwrap_err();
        assert_eq!(problem.status(), 422);
        let mut got = fields(&problem);
        got.sort_unstable();
        assert_eq!(
            got,
            [
                ("/action", "invalid"),
                ("/actor", "repeated"),
                ("/from", "invalid"),
                ("/nope", "unknown"),
                ("/outcome", "invalid"),
                ("/page", "invalid"),
                ("/size", "range"),
                ("/subject", "invalid"),
            ]
        );
    }

    #[test]
    fn empty_parameters_are_absent_and_defaults_apply() {
        let (filter, page) = event_query(Some("actor=&from=&page=")).unwrap();
        assert_eq!(filter, EventFilter::default());
        assert_eq!((page.page(), page.size()), (1, DEFAULT_PAGE_SIZE));
        let (filter, _) = event_query(Some(
            "from=2026-11-01T00:00:00%2B09:00&to=2026-12-01T00:00:00Z",
        ))
        .unwrap();
        assert_eq!(
            filter.from,
            Some(time::macros::datetime!(2026-11-01 00:00 +9))
        );
        let problem =
            event_query(Some("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z")).unwrap_err();
        assert_eq!(fields(&problem), [("/to", "order")]);
        let problem = event_query(Some("%7E%2Fx=1")).unwrap_err();
        assert_eq!(fields(&problem), [("/~0~1x", "unknown")]);
    }

    #[test]
    fn report_parameters() {
        assert_eq!(
            report_query(Some("month=2026-11")).unwrap(),
            (2026, Month::November, Format::Json)
        );
        assert_eq!(
            report_query(Some("month=2026-01&format=csv")).unwrap().2,
            Format::Csv
        );
        let problem = report_query(None).unwrap_err();
        assert_eq!(fields(&problem), [("/month", "required")]);
        let problem = report_query(Some("month=2026-13&format=pdf")).unwrap_err();
        assert_eq!(
            fields(&problem),
            [("/format", "invalid"), ("/month", "invalid")]
        );
    }
}
