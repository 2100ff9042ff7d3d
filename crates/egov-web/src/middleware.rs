//! The middleware of the standard stack. [`crate::App`] documents their order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use egov_core::actor::Actor;
use egov_core::message::Message;
use egov_core::problem::{PROBLEM_JSON, Problem, ProblemType};
use egov_i18n::{I18n, Locale};
use http::{HeaderName, HeaderValue, StatusCode, header};

use egov_http::ApiError;

use crate::server::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES};

/// The request-id header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id, in request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// Keeps a caller's `x-request-id` when it is a sane token (1–128 of
/// `[A-Za-z0-9._:-]`), otherwise generates a UUIDv7; stores it in the request
/// and echoes it on the response.
pub(crate) async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_valid_request_id(v))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    request.headers_mut().insert(REQUEST_ID, value.clone());
    request.extensions_mut().insert(RequestId(id));
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, value);
    response
}

fn is_valid_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Puts an anonymous [`Actor`] with the request's context (client IP, request
/// id, trace id) into the request, unless an earlier layer placed one.
pub(crate) async fn actor(
    State(proxies): State<Arc<crate::proxy::TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.extensions().get::<Actor>().is_none() {
        let mut actor = Actor::anonymous();
        actor.client_ip = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| proxies.client(addr.ip(), request.headers()));
        actor.request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
        actor.trace_id = egov_telemetry::current_trace_id();
        request.extensions_mut().insert(actor);
    }
    next.run(request).await
}

/// A request still running after `timeout` is answered with a 503 `timeout`
/// problem (the handler's future is dropped).
pub(crate) async fn timeout(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_secs = limit.as_secs(), "request timed out");
            ApiError(Problem::new(ProblemType::TIMEOUT).with_detail(
                Message::new("problem-timeout-detail").arg("seconds", limit.as_secs()),
            ))
            .into_response()
        }
    }
}

/// Marks an error response (4xx) whose body is a page the handler rendered for
/// the user — typically a form shown again with its field errors, as `422` —
/// rather than text from inside the service: the problem layer leaves such a
/// response as it is. Every other error response, and every 5xx, becomes a
/// problem (egov-pages' marker; its `html_response` sets it on every 4xx page).
///
/// ```
/// use axum::response::{Html, IntoResponse};
/// use egov_web::RenderedPage;
///
/// let mut response = (http::StatusCode::UNPROCESSABLE_ENTITY, Html("<form>…</form>")).into_response();
/// response.extensions_mut().insert(RenderedPage);
/// ```
pub use egov_pages::RenderedPage;

/// The login page of [`crate::App::login_page`].
#[derive(Debug, Clone)]
pub(crate) struct LoginPage(pub(crate) Arc<str>);

/// Sends a browser that asked for a page (`GET`/`HEAD` accepting `text/html`)
/// and got `401` to the login page, with the page it wanted as `?next=`
/// (`303 See Other`) — and one whose session must change its password first
/// (egov-auth's 403 `password-change-required`) to egov-auth's change-password
/// page the same way. API clients keep their problem. The denial is already in
/// the audit trail: the audit layer sits inside this one, and egov-auth's
/// middleware records its own.
pub(crate) async fn login_redirect(
    State(login): State<LoginPage>,
    request: Request,
    next: Next,
) -> Response {
    let wanted = egov_http::is_page_request(request.method(), request.headers()).then(|| {
        request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned()
    });
    let response = next.run(request).await;
    let Some(wanted) = wanted else {
        return response;
    };
    let page = if response.status() == StatusCode::UNAUTHORIZED {
        &*login.0
    } else if let Some(page) = change_password_page(&response) {
        page
    } else {
        return response;
    };
    let encoded: String = form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
    let Ok(location) = HeaderValue::from_str(&format!("{page}?next={encoded}")) else {
        return response;
    };
    let mut redirect = StatusCode::SEE_OTHER.into_response();
    // Cookies the layers below set or cleared (a page session that could not
    // be resumed clears its token cookies) still reach the browser.
    for cookie in response.headers().get_all(header::SET_COOKIE) {
        redirect
            .headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    redirect.headers_mut().insert(header::LOCATION, location);
    redirect
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    redirect
}

/// egov-auth's change-password page, when `response` is its refusal of a session
/// that must change its password first.
fn change_password_page(response: &Response) -> Option<&'static str> {
    #[cfg(feature = "auth")]
    if response.status() == StatusCode::FORBIDDEN
        && response
            .extensions()
            .get::<Problem>()
            .is_some_and(|problem| *problem.problem_type() == egov_auth::PASSWORD_CHANGE_REQUIRED)
    {
        return Some(egov_auth::web::CHANGE_PASSWORD_PAGE);
    }
    #[cfg(not(feature = "auth"))]
    let _ = response;
    None
}

/// Marks the change-password page's own 4xx answers (its form shown again with
/// errors) as [`RenderedPage`], so the problem layer keeps them.
#[cfg(feature = "auth")]
pub(crate) async fn keep_rendered_form(mut response: Response) -> Response {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if response.status().is_client_error() && html {
        response.extensions_mut().insert(RenderedPage);
    }
    response
}

/// Refuses, with a problem the problem layer renders, a request whose target
/// or headers pass [`crate::server`]'s limits: a 414 for a target longer than
/// [`MAX_URI_BYTES`], a 431 for more than [`MAX_HEADERS`] header fields or more
/// than [`MAX_HEADER_BYTES`] of them.
pub(crate) async fn request_head_limits(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let target = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return problem_status(
            Problem::new(ProblemType::URI_TOO_LONG).with_detail(
                Message::new("problem-uri-too-long-detail").arg("limit", MAX_URI_BYTES),
            ),
        );
    }
    let headers = request.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return problem_status(
            Problem::new(ProblemType::HEADER_FIELDS_TOO_LARGE).with_detail(
                Message::new("problem-header-fields-too-large-detail")
                    .arg("count", MAX_HEADERS)
                    .arg("limit", MAX_HEADER_BYTES),
            ),
        );
    }
    next.run(request).await
}

/// A bare response carrying `problem` for the problem layer to render.
fn problem_status(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = status.into_response();
    response.extensions_mut().insert(problem);
    response
}

/// What the problem layer needs: the catalog, the body limit for 413 details, and
/// the page kit for browsers' error pages.
pub(crate) struct ProblemRenderer {
    pub(crate) i18n: I18n,
    pub(crate) body_limit: usize,
    pub(crate) pages: Option<egov_pages::Pages>,
}

/// Renders every error response as `application/problem+json` in the caller's
/// locale: problems raised by handlers ([`ApiError`]), and bare error statuses
/// from the router and other layers (404, 405, 413, extractor rejections),
/// whose bodies are replaced so that no internal text reaches the client.
///
/// A client that accepts HTML ([`egov_pages::accepts_html`]: a browser's navigation
/// or form post) gets the same problem as a page instead, when the App has pages
/// ([`crate::App::pages`]): title, detail, field messages and request id in the
/// layout, in its language, with the same status.
pub(crate) async fn problems(
    State(renderer): State<Arc<ProblemRenderer>>,
    request: Request,
    next: Next,
) -> Response {
    // Negotiated by the locale layer outside this one.
    let locale = request
        .extensions()
        .get::<Locale>()
        .cloned()
        .unwrap_or_else(|| renderer.i18n.default_locale().clone());
    let request_id = request.extensions().get::<RequestId>().cloned();
    let path = request.uri().path().to_owned();
    let here = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |pq| pq.as_str().to_owned());
    let wants_page = renderer.pages.is_some() && egov_pages::accepts_html(request.headers());

    let mut response = next.run(request).await;
    let pending = response.extensions_mut().remove::<Problem>();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let problem = match pending {
        // Rejections from lower crates cannot know the configured limit.
        Some(problem) if problem.status() == 413 && problem.detail().is_none() => {
            problem.with_detail(payload_too_large_detail(renderer.body_limit))
        }
        Some(problem) => problem,
        None if response.status().is_client_error()
            && response.extensions().get::<RenderedPage>().is_some() =>
        {
            return response;
        }
        None if response.status().as_u16() >= 400 && !is_problem => {
            generic_problem(response.status().as_u16(), renderer.body_limit)
        }
        None => return response,
    };

    let mut problem = match problem.instance() {
        Some(_) => problem,
        None => problem.with_instance(path),
    };
    if let Some(RequestId(id)) = &request_id {
        problem = problem.with_extension("request_id", id.clone());
    }
    let rendered = renderer.i18n.render_problem(&problem, locale.as_str());
    let page = match (&renderer.pages, wants_page) {
        (Some(pages), true) => {
            let request_id = request_id.as_ref().map(|RequestId(id)| id.as_str());
            match pages.problem_page(
                &renderer.i18n,
                locale.as_str(),
                &rendered,
                request_id,
                &here,
            ) {
                Ok(html) => Some(html),
                Err(error) => {
                    // A broken kit template: the client still gets its problem, as JSON.
                    tracing::error!(%error, "cannot render the problem page");
                    None
                }
            }
        }
        _ => None,
    };
    let is_page = page.is_some();
    let (content_type, body) = match page {
        Some(html) => ("text/html; charset=utf-8", html.into_bytes()),
        None => (
            PROBLEM_JSON,
            serde_json::to_vec(&rendered).unwrap_or_else(|_| b"{}".to_vec()),
        ),
    };

    let (mut parts, _) = response.into_parts();
    parts.status = http::StatusCode::from_u16(rendered.status).unwrap_or(parts.status);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if is_page {
        parts.headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(egov_pages::PAGE_CSP),
        );
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // The same URL answers JSON or HTML by `Accept`: caches must keep them apart.
    if renderer.pages.is_some() {
        parts
            .headers
            .append(header::VARY, HeaderValue::from_static("accept"));
    }
    if let Ok(value) = HeaderValue::from_str(locale.as_str()) {
        parts.headers.insert(header::CONTENT_LANGUAGE, value);
    }
    Response::from_parts(parts, Body::from(body))
}

fn payload_too_large_detail(limit: usize) -> Message {
    Message::new("problem-payload-too-large-detail").arg("limit", limit)
}

fn generic_problem(status: u16, body_limit: usize) -> Problem {
    let problem = Problem::new(ProblemType::for_status(status));
    match status {
        413 => problem.with_detail(payload_too_large_detail(body_limit)),
        415 => problem.with_detail(
            Message::new("problem-unsupported-media-type-detail")
                .arg("expected", "application/json"),
        ),
        _ => problem,
    }
}

/// The response to a panicking handler: an opaque 500 problem.
pub(crate) fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic message may hold request data; the default panic hook already
    // wrote it to stderr for operators. Clients get nothing of it.
    tracing::error!("request handler panicked");
    ApiError(Problem::internal()).into_response()
}
