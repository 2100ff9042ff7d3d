//! # egov-http
//!
//! The HTTP core every egov-rs crate with routes builds on (as `axum-core` is
//! for axum): what a handler returns, how routes carry their access policy,
//! and what the OpenAPI document says without being told.
//!
//! - [`ApiError`] / [`ApiResult`]: handler errors; `?` works on egov crates'
//!   errors and on `sqlx::Error` ([`IntoProblem`]). Errors leave as bodiless
//!   responses carrying a [`Problem`](egov_core::problem::Problem), rendered
//!   by egov-web's problem layer in the caller's locale ([`problem_response`]).
//! - [`ApiRouter`]: routes that cannot exist without an
//!   [`AccessPolicy`](egov_core::AccessPolicy), enforced before the handler,
//!   with the problem responses and security requirement their policy and
//!   extractors imply added to OpenAPI ([`openapi::describe`]).
//! - [`Paging`]: the `page`/`size` query parameters of list endpoints.
//! - [`is_page_request`]: a browser asking for a page; [`is_form_post`]: a
//!   browser submitting a page's form (one definition each).
//! - [`query::StrictQuery`]: query parameters where unknown and repeated ones are errors.
//! - [`Created`]: `201` with `Location` and the new resource.
//! - [`Stale`]: the 409 of optimistic concurrency (a change based on an old read).
//!
//! ```
//! use egov_core::AccessPolicy;
//! use egov_core::paging::Page;
//! use egov_http::{ApiResult, ApiRouter, Paging};
//! use utoipa_axum::routes;
//!
//! /// Lists greetings.
//! #[utoipa::path(get, path = "/greetings", params(Paging), responses((status = 200)))]
//! async fn list(Paging(page): Paging) -> ApiResult<axum::Json<Page<String>>> {
//!     Ok(axum::Json(Page::new(vec!["안녕하세요".into()], page, 1)))
//! }
//!
//! let router: ApiRouter = ApiRouter::new().routes(AccessPolicy::Public, routes!(list));
//! let (api, table) = router.into_parts();
//! let (_, openapi) = api.split_for_parts();
//! let operation = openapi.paths.paths["/greetings"].get.as_ref().unwrap();
//! // `params(Paging)` documents the two parameters, so a bad one's 422 is listed.
//! assert!(operation.responses.responses.contains_key("422"));
//! assert_eq!(table[0].policy, AccessPolicy::Public);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod concurrency;
mod created;
mod error;
pub mod openapi;
mod paging;
pub mod query;
mod router;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

pub use concurrency::Stale;
pub use created::Created;
pub use error::{ApiError, ApiResult, IntoProblem, logged_problem, problem_response};
pub use paging::Paging;
pub use router::{ApiRouter, POLICY_EXTENSION, RouteInfo};

/// Whether a request is a browser asking for a page: `GET` or `HEAD` with
/// `text/html` in `Accept` (not refused with `q=0`). egov-web sends such
/// requests to the login page instead of answering 401; egov-auth's cookie
/// mode resumes their session from the refresh cookie.
///
/// ```
/// use http::{HeaderMap, HeaderValue, Method, header};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(http::header::ACCEPT, HeaderValue::from_static("text/html,*/*;q=0.8"));
/// assert!(egov_http::is_page_request(&Method::GET, &headers));
/// assert!(!egov_http::is_page_request(&Method::POST, &headers));
/// headers.insert(http::header::ACCEPT, HeaderValue::from_static("text/html;q=0, application/json"));
/// assert!(!egov_http::is_page_request(&Method::GET, &headers));
/// ```
pub fn is_page_request(method: &http::Method, headers: &http::HeaderMap) -> bool {
    matches!(*method, http::Method::GET | http::Method::HEAD) && accepts_html(headers)
}

/// Whether a request is a browser submitting an HTML form from a page:
/// `POST` with an `application/x-www-form-urlencoded` or `multipart/form-data`
/// body and `text/html` in `Accept` (not refused with `q=0`) — what a
/// `<form method="post">` sends. egov-auth's cookie mode resumes the session
/// of such a post from the refresh cookie, as it does for a
/// [page request](is_page_request), so a form filled in after the access
/// token expired is not lost (the CSRF rules of any cookie-authenticated
/// write still apply). A script's `fetch` with a form body and no `text/html`
/// in `Accept` is not one.
///
/// ```
/// use http::{HeaderMap, HeaderValue, Method, header};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::ACCEPT, HeaderValue::from_static("text/html,*/*;q=0.8"));
/// headers.insert(
///     header::CONTENT_TYPE,
///     HeaderValue::from_static("application/x-www-form-urlencoded"),
/// );
/// assert!(egov_http::is_form_post(&Method::POST, &headers));
/// assert!(!egov_http::is_form_post(&Method::PUT, &headers));
/// headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("multipart/form-data; boundary=x"));
/// assert!(egov_http::is_form_post(&Method::POST, &headers));
/// headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
/// assert!(!egov_http::is_form_post(&Method::POST, &headers));
/// ```
pub fn is_form_post(method: &http::Method, headers: &http::HeaderMap) -> bool {
    *method == http::Method::POST
        && headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim())
            .is_some_and(|media| {
                media.eq_ignore_ascii_case("application/x-www-form-urlencoded")
                    || media.eq_ignore_ascii_case("multipart/form-data")
            })
        && accepts_html(headers)
}

/// Whether `Accept` names `text/html` without refusing it (`q=0`).
fn accepts_html(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            let mut parts = media.split(';');
            let kind = parts.next().unwrap_or("").trim();
            let refused = parts.any(|parameter| {
                parameter.split_once('=').is_some_and(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("q")
                        && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                })
            });
            kind.eq_ignore_ascii_case("text/html") && !refused
        })
}

#[doc(hidden)]
pub mod __private {
    pub use egov_core::problem::Problem;
}
