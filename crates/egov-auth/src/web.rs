//! HTTP: the authentication middleware, the [`CurrentUser`] extractor and the
//! `/auth/*` API (feature `axum`).
//!
//! ## The middleware ([`authenticate`])
//!
//! Install it with `axum::middleware::from_fn_with_state(auth, authenticate)`
//! *inside* the layer that puts the request's [`Actor`] in place and *outside*
//! the audit layer and the routes' policy checks (egov-web's `App::auth` does
//! this). For each request:
//!
//! - `Authorization: Bearer <token>`: the token must be valid
//!   ([`Auth::authenticate`]); otherwise the answer is 401 with
//!   `WWW-Authenticate: Bearer error="invalid_token"` — an invalid token never
//!   passes as anonymous. Other schemes are ignored (the caller stays anonymous).
//! - Cookie mode (`auth.cookie_mode`), no `Authorization` header: the
//!   `__Host-egov-at` cookie authenticates. An expired or invalid cookie leaves
//!   the caller anonymous (browsers keep stale cookies; the route's policy then
//!   answers 401 where it matters, and `/auth/login` and `/auth/refresh` still
//!   work) — except on a page request ([`is_page_request`]: a browser's `GET`
//!   or `HEAD` accepting `text/html`) or a form post ([`is_form_post`]: a
//!   browser's `POST` of a form-urlencoded or multipart body accepting
//!   `text/html`) that carries the refresh cookie: there the middleware
//!   rotates the refresh token as `POST /auth/refresh` would, serves the
//!   request as the session's account and sets the new cookies on the
//!   response whatever its answer, so a page session lasts as long as its
//!   refresh token (`refresh_idle_secs` without a rotation,
//!   `refresh_absolute_secs` in all), not one access-token lifetime, and a
//!   form a citizen took longer than that to fill in is not lost (KWCAG 2.2.1).
//!   A refresh token that no longer works
//!   (expired, revoked, used) leaves the caller anonymous and clears the
//!   cookies; a reused one revokes the session, as on `/auth/refresh` —
//!   unless another page request renewed it less than
//!   `page_resume_grace_secs` ago (tabs loading together; [`Auth::resume`]),
//!   which gets an access cookie only. A page request needs no CSRF
//!   token for this: the cookies are `SameSite=Strict`, so a
//!   cross-site navigation carries none, and a page read changes nothing but
//!   the tokens. A form post is a write, so it needs the session's CSRF token
//!   exactly as below, checked against the refresh token's session *before*
//!   anything is rotated (the token is an HMAC of the session id, which
//!   rotation keeps, so the one the page rendered still matches); a missing or
//!   wrong one is refused with 403 and rotates nothing. Requests that are
//!   neither (an API call from the page's script, a JSON post) rotate through
//!   `POST /auth/refresh`.
//!
//!   A cookie-authenticated `POST`/`PUT`/`PATCH`/`DELETE` must carry the
//!   session's CSRF token in `X-CSRF-Token` (signed double submit: the token is
//!   an HMAC of the session id, also given to the page in the non-HttpOnly
//!   `__Host-egov-csrf` cookie), otherwise 403. An HTML form post
//!   (`application/x-www-form-urlencoded`, no header) may carry it in the
//!   `csrf_token` field instead ([`CSRF_FORM_FIELD`]; pages render it with
//!   [`Auth::csrf_token`]), so server-rendered pages without JavaScript sit
//!   behind the same middleware and route policies as the API. Multipart
//!   bodies are not searched: send the header.
//! - Before any of this, a write that another site's page sent without
//!   asking — a form, multipart or plain-text body, no `Authorization`, and
//!   `Sec-Fetch-Site: cross-site` or an `Origin` that is not this host — is
//!   refused with 403 (reason `cross_site_form`), logged in or not: that is
//!   login CSRF (a victim logged into the attacker's account), which no
//!   session token can stop because there is no session yet. The Fetch
//!   Metadata header decides alone when present (a browser may send
//!   `Origin: null` on its own same-origin post).
//!
//! - A session whose account must change its password first
//!   ([`Authenticated::password_change_required`]: the password it logged in
//!   with fails the password policy — eGovFrame's default `rhdxhd12`, a breached
//!   or too short one) may only make the requests
//!   [`allowed_while_password_change_required`] lists: `PUT /auth/password`,
//!   `GET /auth/me`, `POST /auth/logout`, `POST /auth/refresh` and the
//!   change-password page ([`CHANGE_PASSWORD_PAGE`]). Every other request, to
//!   any route, public ones included, is refused with 403
//!   `urn:egov:problem:password-change-required`
//!   ([`PASSWORD_CHANGE_REQUIRED`](crate::PASSWORD_CHANGE_REQUIRED)) and recorded
//!   (`permission_denied`, reason `password_change_required`); egov-web's
//!   `App::login_page` turns that answer to a browser's page request into a 303
//!   to the change-password page. The check is here, once, so no route can
//!   forget it.
//!
//! ## A session's time limit (KWCAG 2.2.1)
//!
//! A page can tell the citizen when the session ends if they do nothing and
//! let them extend it: [`CurrentUser::session_expires_at`] (from the access
//! token's `sid_exp` claim, no database query) is that time, and a form
//! posting to [`EXTEND_SESSION_PATH`] with the session's CSRF token
//! ([`CSRF_FORM_FIELD`], [`Auth::csrf_token`]) and `next` (the page's own path)
//! renews it and comes back. A form posted after the access cookie expired is
//! served all the same (above), so the typed text is not lost either way.
//!
//! ## A page's own login form ([`guard_login_form`])
//!
//! A login form has no session to tie a CSRF token to, so it gets a
//! pre-session token: a `GET` of the login page finds it in the
//! `__Host-egov-login` cookie ([`LOGIN_CSRF_COOKIE`]) or makes one and sets
//! that cookie, and hands it to the page's handler as [`LoginFormToken`] to
//! render in the `csrf_token` field; a `POST` to the login page must carry the
//! same value (compared in constant time), else 403 (audited, reason
//! `login_csrf`). egov-web installs this for `App::login_page`.
//! - On success the [`Actor`]'s principal, roles and permissions are replaced
//!   (its request context kept), and [`Authenticated`] is put in the request.
//!
//! The middleware's own 401/403 answers happen outside the audit layer, so it
//! records them itself (`permission_denied`, outcome `denied`, reason
//! `invalid_token` or `csrf`); the routes' policy denials are recorded by the
//! audit layer. `POST /auth/login` records every attempt itself (`login`,
//! `login_failed` with a reason code) and is listed in [`SELF_AUDITED_ROUTES`],
//! so a request audit layer skips it: one attempt, one event.
//!
//! ## Routes ([`api`])
//!
//! | method, path | policy | |
//! |---|---|---|
//! | `POST /auth/login` | public | login id, password, optional `otp`; `cookie: true` for cookie mode |
//! | `POST /auth/refresh` | public | rotate the refresh token (body, or cookie + `X-CSRF-Token`) |
//! | `GET /.well-known/jwks.json` | public | the public keys |
//! | `POST /auth/session/extend` | authenticated | cookie mode, a page's form: rotate the refresh token now (the session's end moves on), `303` to the local path in `next` ([`EXTEND_SESSION_PATH`]) |
//! | `POST /auth/logout` | authenticated | end this session |
//! | `POST /auth/logout-others` | authenticated | end every other session |
//! | `GET /auth/me` | authenticated | the account, roles, permissions |
//! | `PUT /auth/password` | authenticated | change the password (ends every session) |
//! | `GET, POST /auth/change-password` | authenticated | the change-password page on the page kit ([`change_password_page`], feature `pages`; mounted by egov-web's `App::login_page`) |
//! | `POST /auth/mfa/totp` | authenticated | start TOTP enrolment |
//! | `POST /auth/mfa/totp/confirm` | authenticated | confirm it; returns recovery codes |
//! | `DELETE /auth/mfa/totp` | authenticated | turn MFA off (password + TOTP or recovery code; ends other sessions) |
//! | `POST /auth/mfa/recovery-codes` | authenticated | new recovery codes (TOTP code); the old ones stop working |
//! | `/auth/admin/accounts…`, `/auth/admin/roles…` | `auth:admin` | accounts, status, unlock, roles, grants, assignments, password reset |
//!
//! The admin console's screens for the same operations, `/admin/accounts…` and
//! `/admin/roles…` under the same permission, are in [`admin_pages`] (feature
//! `pages`; egov-web's `Services::admin_console` registers them).
//!
//! Every response is `Cache-Control: no-store`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, MatchedPath, Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use egov_audit::{Action, AuditEvent, Detail, Outcome, Target};
use egov_core::access::AccessPolicy;
use egov_core::actor::{Actor, Permission};
use egov_core::id::AccountId;
use egov_core::problem::{Problem, ProblemType};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa_axum::router::UtoipaMethodRouter;
use utoipa_axum::routes;

#[cfg(feature = "pages")]
pub mod admin_pages;
#[cfg(feature = "pages")]
mod password_page;

#[cfg(feature = "pages")]
pub use password_page::change_password_page;

use crate::rbac::{ADMIN_PERMISSION, Role};
use crate::{
    Account, AccountStatus, Auth, Authenticated, Error, NewAccount, Resumed, Session, TotpEnrolment,
};

/// The access-token cookie (cookie mode).
pub const ACCESS_COOKIE: &str = "__Host-egov-at";
/// The refresh-token cookie (cookie mode).
pub const REFRESH_COOKIE: &str = "__Host-egov-rt";
/// The CSRF-token cookie, readable by the page (cookie mode).
pub const CSRF_COOKIE: &str = "__Host-egov-csrf";
/// The cookie holding a login form's pre-session CSRF token
/// ([`guard_login_form`]).
pub const LOGIN_CSRF_COOKIE: &str = "__Host-egov-login";
/// How long a login form's pre-session token lives (seconds).
pub const LOGIN_CSRF_MAX_AGE: i64 = 60 * 60;
/// The header carrying the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field carrying the CSRF token when a cookie-authenticated write is
/// an HTML form post without [`CSRF_HEADER`] (pages without JavaScript).
pub const CSRF_FORM_FIELD: &str = "csrf_token";
/// The largest form body the middleware reads to find [`CSRF_FORM_FIELD`];
/// a longer cookie-authenticated form post without the header gets 413.
pub const CSRF_FORM_LIMIT: usize = 256 * 1024;
/// The path of the change-password page ([`change_password_page`]), where
/// egov-web sends a browser whose session must change its password first.
pub const CHANGE_PASSWORD_PAGE: &str = "/auth/change-password";

/// Whether a session whose password must be changed first
/// ([`Authenticated::password_change_required`]) may make this request: change
/// the password (`PUT /auth/password`, the [`CHANGE_PASSWORD_PAGE`]), read
/// `/auth/me`, refresh (`POST /auth/refresh`) or log out (`POST /auth/logout`).
/// [`authenticate`] refuses every other request of such a session with 403
/// `urn:egov:problem:password-change-required`.
pub fn allowed_while_password_change_required(method: &Method, path: &str) -> bool {
    let read = *method == Method::GET || *method == Method::HEAD;
    match path {
        "/auth/password" => *method == Method::PUT,
        "/auth/me" => read,
        "/auth/logout" | "/auth/refresh" => *method == Method::POST,
        CHANGE_PASSWORD_PAGE => read || *method == Method::POST,
        _ => false,
    }
}

/// Routes whose handlers record every outcome in the audit trail themselves
/// (method, template). `POST /auth/login` records each attempt as `login` or
/// `login_failed` (reason code, account; a malformed body as
/// `malformed_request`), so a request-level audit layer should skip these routes
/// rather than record a second event per attempt; egov-web's `App` does.
pub const SELF_AUDITED_ROUTES: &[(&str, &str)] = &[("POST", "/auth/login")];

/// The policy of the admin API.
pub const ADMIN_POLICY: AccessPolicy = AccessPolicy::permission(ADMIN_PERMISSION);

/// A bodiless response carrying `problem`, for egov-web's problem layer.
pub fn problem_response(problem: Problem) -> Response {
    let status =
        StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = status.into_response();
    response.extensions_mut().insert(problem);
    no_store(response)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Where a form sends the browser afterwards: `wanted` when it is a path of
/// this site (starting with one `/`, not `//`, no backslash — so not `/\` —,
/// no control character, which browsers would strip), else `/` — never another
/// site.
fn local_target(wanted: Option<&str>) -> String {
    let local = |path: &&str| {
        let bytes = path.as_bytes();
        bytes.first() == Some(&b'/')
            && bytes.get(1) != Some(&b'/')
            && !path.contains('\\')
            && !path.chars().any(char::is_control)
            && HeaderValue::from_str(path).is_ok()
    };
    wanted.filter(local).unwrap_or("/").to_owned()
}

/// `303 See Other` to `target` (a path [`local_target`] accepted).
fn see_other(target: &str) -> Response {
    let location = HeaderValue::from_str(target).unwrap_or_else(|_| HeaderValue::from_static("/"));
    no_store((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

fn error_response(error: Error) -> Response {
    let invalid_token = matches!(error, Error::InvalidToken(_));
    let unauthenticated = matches!(
        error,
        Error::InvalidCredentials | Error::InvalidRefreshToken(_) | Error::MfaRequired
    );
    if let Error::Db(_) | Error::Audit(_) | Error::Internal(_) | Error::Config(_) = &error {
        tracing::error!(%error, "auth request failed");
    }
    let mut response = problem_response(Problem::from(error));
    if invalid_token {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    } else if unauthenticated {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// A handler's answer to a service call: `ok` builds the success response,
/// every error becomes its problem response; both are `no-store` (tokens,
/// accounts and codes must not sit in caches).
fn respond<T>(result: Result<T, Error>, ok: impl FnOnce(T) -> Response) -> Response {
    match result {
        Ok(value) => no_store(ok(value)),
        Err(error) => error_response(error),
    }
}

/// [`respond`] with the value as the JSON body (200).
fn json_or_problem<T: Serialize>(result: Result<T, Error>) -> Response {
    respond(result, |value| Json(value).into_response())
}

/// [`respond`] for operations with nothing to return (204).
fn no_content_or_problem(result: Result<(), Error>) -> Response {
    respond(result, |()| StatusCode::NO_CONTENT.into_response())
}

/// [`no_content_or_problem`] for operations that end the caller's session:
/// on success the cookie-mode token cookies are cleared too, so the browser
/// stops sending tokens that no longer work.
fn session_ended_or_problem(auth: &Auth, result: Result<(), Error>) -> Response {
    respond(result, |()| {
        let mut response = StatusCode::NO_CONTENT.into_response();
        clear_cookies(auth, &mut response);
        response
    })
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(text) = value.to_str() else {
        return Some(Err(()));
    };
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    Some(if token.is_empty() { Err(()) } else { Ok(token) })
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn denial(request: &Request, reason: &str) -> AuditEvent {
    let anonymous = Actor::anonymous();
    let actor = request.extensions().get::<Actor>().unwrap_or(&anonymous);
    let target = match request.extensions().get::<MatchedPath>() {
        Some(path) => Target::new("route", path.as_str()),
        None => Target::kind("unmatched"),
    };
    AuditEvent::new(Action::PERMISSION_DENIED, actor, Outcome::Denied)
        .target(target)
        .reason_code(reason)
        .detail(Detail::new().text("method", request.method()))
}

async fn record_denial(auth: &Auth, event: AuditEvent) {
    if let Err(error) = auth.record(event).await {
        tracing::error!(%error, "could not record an authentication denial");
    }
}

/// The denial to record when `request` comes from a session that must change its
/// password first and is not one such a session may make
/// ([`allowed_while_password_change_required`]); answer it with
/// [`refuse_until_password_changed`]. Call it once the account's actor is in the
/// request, so the record names it.
fn password_change_denial(request: &Request, authenticated: &Authenticated) -> Option<AuditEvent> {
    (authenticated.password_change_required
        && !allowed_while_password_change_required(request.method(), request.uri().path()))
    .then(|| denial(request, "password_change_required"))
}

/// Records `denial` and answers with the 403 problem
/// `urn:egov:problem:password-change-required`.
async fn refuse_until_password_changed(auth: &Auth, denial: AuditEvent) -> Response {
    record_denial(auth, denial).await;
    error_response(Error::PasswordChangeRequired)
}

/// Whether a request is a browser asking for a page (egov-http's one
/// definition): egov-web sends such requests to the login page instead of
/// answering 401; in cookie mode [`authenticate`] resumes their session from
/// the refresh cookie.
pub use egov_http::is_page_request;

/// Whether a request is a browser submitting a page's HTML form (egov-http's
/// one definition: `POST`, a form-urlencoded or multipart body, `text/html`
/// in `Accept`): in cookie mode [`authenticate`] resumes its session from the
/// refresh cookie like a [page request](is_page_request), once its CSRF token
/// has proved it the session's.
pub use egov_http::is_form_post;

/// Put in a request whose session [`authenticate`] renewed from the refresh
/// cookie: the refresh cookie the request carries has been used, and the
/// response will carry the new one. `POST /auth/session/extend` then has
/// nothing left to rotate.
#[derive(Debug, Clone, Copy)]
struct Renewed;

/// Cookie mode, a request without a working access cookie: a page request or
/// form post with a refresh cookie resumes its session (see the
/// [module docs](self)); anything else goes on anonymous.
async fn without_access_cookie(auth: &Auth, mut request: Request, next: Next) -> Response {
    let page = is_page_request(request.method(), request.headers());
    let form = !page && is_form_post(request.method(), request.headers());
    let refresh_token = (page || form)
        .then(|| cookie(request.headers(), REFRESH_COOKIE))
        .flatten()
        .map(str::to_owned);
    let Some(refresh_token) = refresh_token else {
        return next.run(request).await;
    };
    if form {
        // A write: the CSRF rule of every cookie-authenticated write, checked
        // against the refresh token's session before anything is rotated. The
        // token is an HMAC of the session id, which rotation keeps, so the
        // token the page rendered before its access cookie expired is right.
        let (checked, submitted) = match submitted_csrf_token(request).await {
            Ok(found) => found,
            Err(response) => return response,
        };
        request = checked;
        match auth.refresh_session(&refresh_token).await {
            Ok(Some(session)) => {
                if !auth.check_csrf(&session, submitted.as_deref().unwrap_or("")) {
                    record_denial(auth, denial(&request, "csrf")).await;
                    return error_response(Error::Csrf);
                }
            }
            Ok(None) => return not_resumed(auth, "unknown", request, next).await,
            Err(error) => return error_response(error),
        }
    }
    let mut actor = request
        .extensions()
        .get::<Actor>()
        .cloned()
        .unwrap_or_else(Actor::anonymous);
    let resumed = match auth.resume(&actor, &refresh_token).await {
        Ok(resumed) => resumed,
        Err(Error::InvalidRefreshToken(why)) => {
            return not_resumed(auth, why, request, next).await;
        }
        Err(error) => return error_response(error),
    };
    let access_token = match &resumed {
        Resumed::Rotated(session) => &session.access_token,
        Resumed::Concurrent(grant) => &grant.access_token,
    };
    let authenticated = match auth.authenticate(access_token).await {
        Ok(authenticated) => authenticated,
        Err(error) => return error_response(error),
    };
    authenticated.apply_to(&mut actor);
    request.extensions_mut().insert(actor);
    request.extensions_mut().insert(Renewed);
    // The rotated tokens reach the browser whatever the answer, or it would
    // present a used refresh token next time.
    let mut response = match password_change_denial(&request, &authenticated) {
        Some(denial) => refuse_until_password_changed(auth, denial).await,
        None => {
            request
                .extensions_mut()
                .insert(page_session(auth, &authenticated));
            request.extensions_mut().insert(authenticated);
            next.run(request).await
        }
    };
    set_resumed_cookies(auth, &resumed, &mut response);
    response
}

/// A page request or form post whose refresh cookie no longer works (expired,
/// revoked, used, unknown): it goes on anonymous — the route's policy answers
/// 401 where it matters — and its token cookies are cleared.
async fn not_resumed(auth: &Auth, why: &'static str, request: Request, next: Next) -> Response {
    tracing::info!(why, "browser session not resumed");
    let mut response = next.run(request).await;
    clear_cookies(auth, &mut response);
    response
}

/// Sets the cookies of a session [`Auth::resume`] renewed on `response`.
fn set_resumed_cookies(auth: &Auth, resumed: &Resumed, response: &mut Response) {
    match resumed {
        Resumed::Rotated(session) => set_session_cookies(auth, session, response),
        // The refresh cookie the rotating request set stays.
        Resumed::Concurrent(grant) => set_cookie(
            response,
            ACCESS_COOKIE,
            &grant.access_token,
            grant.expires_in,
            true,
        ),
    }
}

/// Whether `request` is a write a browser sent from another site without
/// asking (a CORS-simple body: a form, multipart or plain text; no
/// `Authorization`): `Sec-Fetch-Site` other than `same-origin` or `none`, or,
/// from a client that does not send it, an `Origin` whose host is not the
/// request's `Host` (or is `null`). Such a post can log a victim into the
/// attacker's account (login CSRF) or act on a public form in their name;
/// a JSON call needs a CORS preflight, which `[server] cors_allowed_origins`
/// decides, and a call with a bearer token carries its own proof.
fn is_cross_site_form_post(request: &Request) -> bool {
    let headers = request.headers();
    if is_safe(request.method()) || headers.contains_key(http::header::AUTHORIZATION) {
        return false;
    }
    let simple_body = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_none_or(|t| {
            matches!(
                t.as_str(),
                "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
            )
        });
    if !simple_body {
        return false;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // A browser that sends Fetch Metadata says exactly where the request came
    // from, and its `Origin` may be `null` on its own same-origin post (the
    // framework's `Referrer-Policy: no-referrer` does that in Chromium), so
    // when present it alone decides — as Go's `http.CrossOriginProtection`
    // does. `same-site` is refused too: a sibling host is another service.
    if let Some(site) = header("sec-fetch-site") {
        return !(site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none"));
    }
    match (header("origin"), header("host")) {
        // `null` (a sandboxed or privacy-sensitive context) is not this site.
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            !authority.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// A login form's pre-session CSRF token, put in the request by
/// [`guard_login_form`] for a `GET` of the login page: render it in the
/// [`CSRF_FORM_FIELD`] hidden field of the form.
#[derive(Clone)]
pub struct LoginFormToken(String);

impl LoginFormToken {
    /// The token, to render.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for LoginFormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginFormToken(***)")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LoginFormToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<LoginFormToken>()
            .cloned()
            .ok_or_else(|| {
                error_response(Error::Internal(
                    "LoginFormToken used outside the login page guard_login_form guards".into(),
                ))
            })
    }
}

/// A pre-session token as the cookie may hold it: 43 base64url characters
/// (32 random bytes). Anything else is ignored and replaced.
fn well_formed_login_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The state of [`guard_login_form`]: the service's [`Auth`] (for the audit
/// record of a refusal) and the login page's path.
#[derive(Clone)]
pub struct LoginFormGuard {
    auth: Auth,
    path: Arc<str>,
}

impl LoginFormGuard {
    /// Guards the login form at `path` (e.g. `/login`).
    pub fn new(auth: Auth, path: &str) -> Self {
        Self {
            auth,
            path: path.into(),
        }
    }
}

/// Middleware guarding a page's own login form against login CSRF with a
/// pre-session token; see the [module docs](self#a-pages-own-login-form-guard_login_form).
/// Other paths pass untouched.
pub async fn guard_login_form(
    State(guard): State<LoginFormGuard>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path() != &*guard.path {
        return next.run(request).await;
    }
    let held = cookie(request.headers(), LOGIN_CSRF_COOKIE)
        .filter(|token| well_formed_login_token(token))
        .map(str::to_owned);
    if is_safe(request.method()) {
        let (token, fresh) = match held {
            Some(token) => (token, false),
            None => {
                let mut bytes = [0u8; 32];
                if getrandom::fill(&mut bytes).is_err() {
                    return error_response(Error::Internal("random: unavailable".into()));
                }
                (URL_SAFE_NO_PAD.encode(bytes), true)
            }
        };
        request
            .extensions_mut()
            .insert(LoginFormToken(token.clone()));
        let mut response = next.run(request).await;
        if fresh {
            set_cookie(
                &mut response,
                LOGIN_CSRF_COOKIE,
                &token,
                LOGIN_CSRF_MAX_AGE,
                true,
            );
        }
        return response;
    }
    let (request, submitted) = match submitted_csrf_token(request).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let matches = match (held, submitted) {
        (Some(held), Some(submitted)) => bool::from(held.as_bytes().ct_eq(submitted.as_bytes())),
        _ => false,
    };
    if !matches {
        record_denial(&guard.auth, denial(&request, "login_csrf")).await;
        return error_response(Error::Csrf);
    }
    next.run(request).await
}

/// The authentication middleware; see the [module docs](self).
pub async fn authenticate(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    if is_cross_site_form_post(&request) {
        record_denial(&auth, denial(&request, "cross_site_form")).await;
        return error_response(Error::Csrf);
    }
    let (token, from_cookie) = match bearer(request.headers()) {
        Some(Ok(token)) => (Some(token.to_owned()), false),
        Some(Err(())) => {
            record_denial(&auth, denial(&request, "invalid_token")).await;
            return error_response(Error::InvalidToken("malformed header"));
        }
        None if auth.settings().cookie_mode => (
            cookie(request.headers(), ACCESS_COOKIE).map(str::to_owned),
            true,
        ),
        None => (None, false),
    };
    let Some(token) = token else {
        if auth.settings().cookie_mode {
            return without_access_cookie(&auth, request, next).await;
        }
        return next.run(request).await;
    };
    let authenticated = match auth.authenticate(&token).await {
        Ok(authenticated) => authenticated,
        Err(Error::InvalidToken(why)) if !from_cookie => {
            tracing::info!(why, "access token refused");
            record_denial(&auth, denial(&request, "invalid_token")).await;
            return error_response(Error::InvalidToken(why));
        }
        Err(Error::InvalidToken(_)) => return without_access_cookie(&auth, request, next).await,
        Err(error) => return error_response(error),
    };
    if from_cookie && !is_safe(request.method()) {
        let (checked, token) = match submitted_csrf_token(request).await {
            Ok(found) => found,
            Err(response) => return response,
        };
        request = checked;
        if !auth.check_csrf(&authenticated.session_id, token.as_deref().unwrap_or("")) {
            record_denial(&auth, denial(&request, "csrf")).await;
            return error_response(Error::Csrf);
        }
    }
    let mut actor = request
        .extensions()
        .get::<Actor>()
        .cloned()
        .unwrap_or_else(Actor::anonymous);
    authenticated.apply_to(&mut actor);
    request.extensions_mut().insert(actor);
    if let Some(denial) = password_change_denial(&request, &authenticated) {
        return refuse_until_password_changed(&auth, denial).await;
    }
    if from_cookie {
        request
            .extensions_mut()
            .insert(page_session(&auth, &authenticated));
    }
    request.extensions_mut().insert(authenticated);
    next.run(request).await
}

/// What pages show of a cookie session (egov-core's [`PageSession`](egov_core::session::PageSession), read by
/// egov-pages without depending on egov-auth): who, the session's CSRF token for
/// their forms, and when it ends if idle.
fn page_session(auth: &Auth, authenticated: &Authenticated) -> egov_core::session::PageSession {
    egov_core::session::PageSession {
        login_id: authenticated.login_id.clone(),
        display_name: authenticated.display_name.clone(),
        csrf_token: auth.csrf_token(&authenticated.session_id),
        expires_at: authenticated.session_expires_at,
    }
}

/// The CSRF token a cookie-authenticated write carries: the [`CSRF_HEADER`]
/// header, else — for an HTML form post (`application/x-www-form-urlencoded`)
/// — the [`CSRF_FORM_FIELD`] field of the body. The body is read (at most
/// [`CSRF_FORM_LIMIT`] bytes; more is a 413) and put back for the handler.
async fn submitted_csrf_token(request: Request) -> Result<(Request, Option<String>), Response> {
    if let Some(value) = request.headers().get(CSRF_HEADER) {
        let token = value.to_str().ok().map(str::to_owned);
        return Ok((request, token));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, CSRF_FORM_LIMIT).await else {
        // Too long, or the client went away: either way no handler runs.
        return Err(problem_response(Problem::new(
            ProblemType::PAYLOAD_TOO_LARGE,
        )));
    };
    let token = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == CSRF_FORM_FIELD)
        .map(|(_, value)| value.into_owned());
    Ok((
        Request::from_parts(parts, axum::body::Body::from(bytes)),
        token,
    ))
}

/// The authenticated account of a request; rejects anonymous callers with a 401
/// problem. Use it in handlers of routes under at least `Authenticated`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub account_id: AccountId,
    /// The session (refresh-token family) of the access token.
    pub session_id: String,
    /// The request's actor (principal, roles, permissions, context).
    pub actor: Actor,
    /// When the session ends if nothing renews it
    /// ([`Authenticated::session_expires_at`]): what a page's time-limit notice
    /// shows, next to a form posting to `/auth/session/extend`.
    pub session_expires_at: Option<time::OffsetDateTime>,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let authenticated = parts.extensions.get::<Authenticated>();
        let actor = parts.extensions.get::<Actor>();
        match (authenticated, actor) {
            (Some(a), Some(actor)) => Ok(CurrentUser {
                account_id: a.account_id,
                session_id: a.session_id.clone(),
                actor: actor.clone(),
                session_expires_at: a.session_expires_at,
            }),
            _ => {
                let mut response = problem_response(Problem::new(ProblemType::UNAUTHENTICATED));
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                Err(response)
            }
        }
    }
}

fn request_actor(parts_actor: Option<axum::Extension<Actor>>) -> Actor {
    parts_actor.map_or_else(Actor::anonymous, |axum::Extension(a)| a)
}

// ----- cookies ------------------------------------------------------------------

fn set_cookie(response: &mut Response, name: &str, value: &str, max_age: i64, http_only: bool) {
    let text = format!(
        "{name}={value}; Path=/; Secure;{} SameSite=Strict; Max-Age={max_age}",
        if http_only { " HttpOnly;" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&text) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Ends a cookie-mode session in the browser: clears the token and CSRF
/// cookies (nothing in bearer mode). Use it in a page's logout after
/// [`Auth::logout`].
pub fn clear_session_cookies(auth: &Auth, response: &mut Response) {
    clear_cookies(auth, response);
}

/// Starts a cookie-mode session in the browser: sets the `__Host-` access,
/// refresh and CSRF cookies for `session` on `response` — what `POST
/// /auth/login` with `cookie: true` does, for a page's own login form.
pub fn set_session_cookies(auth: &Auth, session: &Session, response: &mut Response) {
    set_cookie(
        response,
        ACCESS_COOKIE,
        &session.access_token,
        session.expires_in,
        true,
    );
    set_cookie(
        response,
        REFRESH_COOKIE,
        &session.refresh_token,
        session.refresh_expires_in,
        true,
    );
    set_cookie(
        response,
        CSRF_COOKIE,
        &auth.csrf_token(&session.session_id),
        auth.settings()
            .refresh_absolute_secs
            .try_into()
            .unwrap_or(i64::MAX),
        false,
    );
}

fn clear_cookies(auth: &Auth, response: &mut Response) {
    if auth.settings().cookie_mode {
        set_cookie(response, ACCESS_COOKIE, "", 0, true);
        set_cookie(response, REFRESH_COOKIE, "", 0, true);
        set_cookie(response, CSRF_COOKIE, "", 0, false);
    }
}

/// A login or refresh answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SessionResponse {
    /// Bearer mode: the tokens.
    Bearer(Session),
    /// Cookie mode: tokens are in `__Host-` cookies; the page gets the CSRF token.
    Cookie(CookieSession),
}

/// The body of a cookie-mode login or refresh.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CookieSession {
    /// `cookie`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The CSRF token to send as `X-CSRF-Token` on writes (also in the
    /// `__Host-egov-csrf` cookie).
    pub csrf_token: String,
    /// The account.
    #[schema(value_type = String)]
    pub account_id: AccountId,
    /// The password fails the password policy: until it is changed, the session
    /// may only change it (see [`Session::password_change_required`]).
    pub password_change_required: bool,
}

fn session_response(auth: &Auth, session: Session, cookie_mode: bool) -> Response {
    if !cookie_mode {
        return no_store(Json(SessionResponse::Bearer(session)).into_response());
    }
    let mut response = Json(SessionResponse::Cookie(CookieSession {
        token_type: "cookie",
        expires_in: session.expires_in,
        csrf_token: auth.csrf_token(&session.session_id),
        account_id: session.account_id,
        password_change_required: session.password_change_required,
    }))
    .into_response();
    set_session_cookies(auth, &session, &mut response);
    no_store(response)
}

// ----- handlers -------------------------------------------------------------------

/// A login request.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// Login id.
    pub login_id: String,
    /// Password.
    pub password: String,
    /// TOTP code or recovery code, for accounts with MFA.
    #[serde(default)]
    pub otp: Option<String>,
    /// Cookie mode (only when `auth.cookie_mode` is on): tokens in `__Host-` cookies.
    #[serde(default)]
    pub cookie: bool,
}

/// Logs in.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse), (status = 401, description = "login failed, or a second factor is required")))]
async fn login(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Response {
    let actor = request_actor(actor);
    // This route is self-audited (SELF_AUDITED_ROUTES): every outcome is recorded here.
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            let event = AuditEvent::new(Action::LOGIN_FAILED, &actor, Outcome::Failure)
                .reason_code("malformed_request");
            if let Err(error) = auth.record(event).await {
                return error_response(error);
            }
            return no_store(rejection.into_response());
        }
    };
    match auth
        .login(&actor, &body.login_id, &body.password, body.otp.as_deref())
        .await
    {
        Ok(session) => {
            let cookie_mode = body.cookie && auth.settings().cookie_mode;
            session_response(&auth, session, cookie_mode)
        }
        Err(e) => error_response(e),
    }
}

/// A refresh request; without `refresh_token`, cookie mode reads the cookie.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    /// The refresh token (bearer mode).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Rotates a refresh token: a new access and refresh token. Reusing a refresh
/// token revokes its whole session.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = SessionResponse), (status = 401, description = "refresh token invalid, used, expired or revoked")))]
async fn refresh(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    headers: HeaderMap,
    Json(body): Json<RefreshRequest>,
) -> Response {
    let actor = request_actor(actor);
    let (token, cookie_mode) = match body.refresh_token {
        Some(token) => (token, false),
        None if auth.settings().cookie_mode => {
            let Some(token) = cookie(&headers, REFRESH_COOKIE) else {
                return error_response(Error::InvalidRefreshToken("missing"));
            };
            // The refresh cookie is sent automatically: require the CSRF token.
            let csrf = headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            match auth.refresh_session(token).await {
                Ok(Some(family)) if auth.check_csrf(&family, csrf) => {}
                Ok(_) => return error_response(Error::Csrf),
                Err(e) => return error_response(e),
            }
            (token.to_owned(), true)
        }
        None => return error_response(Error::InvalidRefreshToken("missing")),
    };
    match auth.refresh(&actor, &token).await {
        Ok(session) => session_response(&auth, session, cookie_mode),
        Err(e) => {
            let mut response = error_response(e);
            clear_cookies(&auth, &mut response);
            response
        }
    }
}

/// The form of `POST /auth/session/extend`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SessionExtend {
    /// Where to go afterwards: a path of this site (one leading `/`, not `//`
    /// or `/\`); anything else goes to `/`.
    #[serde(default)]
    pub next: Option<String>,
    /// The session's CSRF token ([`CSRF_FORM_FIELD`], checked by
    /// [`authenticate`]), unless sent as `X-CSRF-Token`.
    #[serde(default)]
    pub csrf_token: Option<String>,
}

/// The path of the extend endpoint, `POST /auth/session/extend`: where a
/// page's extend form posts (see the [module docs](self)).
pub const EXTEND_SESSION_PATH: &str = "/auth/session/extend";

/// The most the extend endpoint reads of its form.
const EXTEND_FORM_LIMIT: usize = 16 * 1024;

/// Extends the session now (cookie mode), for a page's "extend" button next
/// to its time-limit notice: rotates the refresh token from the refresh cookie
/// as `/auth/refresh` does (so the session's idle end moves to
/// `refresh_idle_secs` from now, never past its absolute end), sets the new
/// cookies and answers `303 See Other` to the form's `next` (a local path,
/// else `/`). A cookie-authenticated form post, so the CSRF token must be in
/// the `csrf_token` field or `X-CSRF-Token`. When the middleware has just
/// renewed the session for this very request (the access cookie had expired),
/// that renewal is the extension. Like a page renewal, a second post with the
/// same refresh cookie within `page_resume_grace_secs` (a double click) gets
/// an access cookie instead of revoking the session.
#[utoipa::path(post, path = "/auth/session/extend", tag = "auth",
    request_body(content = SessionExtend, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "the session was renewed and its cookies set; `Location` is `next`"),
        (status = 401, description = "no refresh cookie of this session, or it no longer works (the cookies are cleared)")))]
async fn extend_session(State(auth): State<Auth>, user: CurrentUser, request: Request) -> Response {
    let renewed = request.extensions().get::<Renewed>().is_some();
    let refresh_token = cookie(request.headers(), REFRESH_COOKIE).map(str::to_owned);
    let Ok(body) = axum::body::to_bytes(request.into_body(), EXTEND_FORM_LIMIT).await else {
        return problem_response(Problem::new(ProblemType::PAYLOAD_TOO_LARGE));
    };
    let wanted = form_urlencoded::parse(&body)
        .find(|(name, _)| name == "next")
        .map(|(_, value)| value.into_owned());
    let next = local_target(wanted.as_deref());
    if renewed {
        // The middleware rotated the refresh cookie this request carried and
        // sets the new cookies on this response.
        return see_other(&next);
    }
    let Some(token) = refresh_token.filter(|_| auth.settings().cookie_mode) else {
        return error_response(Error::InvalidRefreshToken("missing"));
    };
    // The CSRF token the middleware checked is the access token's session's:
    // the refresh cookie must be of that session too.
    match auth.refresh_session(&token).await {
        Ok(Some(session)) if session == user.session_id => {}
        Ok(_) => return error_response(Error::InvalidRefreshToken("another session")),
        Err(error) => return error_response(error),
    }
    match auth.resume(&user.actor, &token).await {
        Ok(resumed) => {
            let mut response = see_other(&next);
            set_resumed_cookies(&auth, &resumed, &mut response);
            response
        }
        Err(error) => {
            let mut response = error_response(error);
            clear_cookies(&auth, &mut response);
            response
        }
    }
}

/// The public token-verification keys (JWKS).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JSON Web Key Set")))]
async fn jwks(State(auth): State<Auth>) -> Response {
    Json(auth.keyring().jwks()).into_response()
}

/// Ends this session (its refresh and access tokens).
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(auth): State<Auth>, user: CurrentUser) -> Response {
    let result = auth
        .logout(&user.actor, user.account_id, &user.session_id)
        .await;
    session_ended_or_problem(&auth, result)
}

/// How many sessions were ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revoked {
    /// Sessions ended.
    pub revoked: i64,
}

/// Ends every other session of the caller's account.
#[utoipa::path(post, path = "/auth/logout-others", tag = "auth", responses((status = 200, body = Revoked)))]
async fn logout_others(State(auth): State<Auth>, user: CurrentUser) -> Response {
    let result = auth
        .logout_others(&user.actor, user.account_id, &user.session_id)
        .await;
    json_or_problem(result.map(|revoked| Revoked { revoked }))
}

/// The caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The account.
    pub account: Account,
    /// Roles, hierarchy expanded.
    pub roles: BTreeSet<String>,
    /// Effective permissions.
    pub permissions: BTreeSet<String>,
    /// This session's id.
    pub session_id: String,
    /// The account must change its password before anything else: every request
    /// but a password change, this one, refresh and logout is refused (403
    /// `urn:egov:problem:password-change-required`).
    pub password_change_required: bool,
}

/// The caller's account, roles and permissions, and whether the password must be
/// changed first.
#[utoipa::path(get, path = "/auth/me", tag = "auth", responses((status = 200, body = Me)))]
async fn me(State(auth): State<Auth>, user: CurrentUser) -> Response {
    let result = auth.account(user.account_id).await;
    json_or_problem(result.map(|account| {
        Me {
            roles: user.actor.roles.clone(),
            permissions: user
                .actor
                .permissions
                .iter()
                .map(Permission::to_string)
                .collect(),
            session_id: user.session_id,
            password_change_required: account.password_change_required,
            account,
        }
    }))
}

/// A password change.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    /// The current password.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// Changes the caller's password. Every session ends; log in again.
#[utoipa::path(put, path = "/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 422, description = "wrong current password, or the new one breaks the policy")))]
async fn change_password(
    State(auth): State<Auth>,
    user: CurrentUser,
    Json(body): Json<PasswordChange>,
) -> Response {
    let result = auth
        .change_password(
            &user.actor,
            user.account_id,
            &body.current_password,
            &body.new_password,
        )
        .await;
    session_ended_or_problem(&auth, result)
}

/// Starts TOTP enrolment.
#[utoipa::path(post, path = "/auth/mfa/totp", tag = "auth", responses((status = 200, body = TotpEnrolment)))]
async fn totp_start(State(auth): State<Auth>, user: CurrentUser) -> Response {
    json_or_problem(auth.start_totp(user.account_id).await)
}

/// A TOTP code.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TotpConfirm {
    /// The current 6-digit code.
    pub code: String,
}

/// Recovery codes, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Each usable once instead of a TOTP code.
    pub recovery_codes: Vec<String>,
}

/// Confirms TOTP enrolment; MFA is on from now. Returns recovery codes.
#[utoipa::path(post, path = "/auth/mfa/totp/confirm", tag = "auth", request_body = TotpConfirm,
    responses((status = 200, body = RecoveryCodes), (status = 422, description = "wrong code")))]
async fn totp_confirm(
    State(auth): State<Auth>,
    user: CurrentUser,
    Json(body): Json<TotpConfirm>,
) -> Response {
    let result = auth
        .confirm_totp(&user.actor, user.account_id, &body.code)
        .await;
    json_or_problem(result.map(|recovery_codes| RecoveryCodes { recovery_codes }))
}

/// Turning MFA off.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TotpDisable {
    /// The current password.
    pub current_password: String,
    /// A current TOTP code or an unused recovery code.
    pub code: String,
}

/// Turns MFA off: needs the current password and a TOTP or recovery code.
/// Removes the authenticator and the recovery codes and ends every other
/// session. A password shorter than the single-factor minimum must be changed
/// first (409 `single-factor-password`).
#[utoipa::path(delete, path = "/auth/mfa/totp", tag = "auth", request_body = TotpDisable,
    responses((status = 200, body = Revoked), (status = 409, description = "MFA is not on, or the password is too weak to be the only factor"),
        (status = 422, description = "wrong password or code")))]
async fn totp_disable(
    State(auth): State<Auth>,
    user: CurrentUser,
    Json(body): Json<TotpDisable>,
) -> Response {
    let result = auth
        .disable_totp(
            &user.actor,
            user.account_id,
            &user.session_id,
            &body.current_password,
            &body.code,
        )
        .await;
    json_or_problem(result.map(|revoked| Revoked { revoked }))
}

/// Replaces the recovery codes with new ones (shown once; the old ones stop
/// working). Needs a current TOTP code.
#[utoipa::path(post, path = "/auth/mfa/recovery-codes", tag = "auth", request_body = TotpConfirm,
    responses((status = 200, body = RecoveryCodes), (status = 409, description = "MFA is not on"),
        (status = 422, description = "wrong code")))]
async fn recovery_codes(
    State(auth): State<Auth>,
    user: CurrentUser,
    Json(body): Json<TotpConfirm>,
) -> Response {
    let result = auth
        .regenerate_recovery_codes(&user.actor, user.account_id, &body.code)
        .await;
    json_or_problem(result.map(|recovery_codes| RecoveryCodes { recovery_codes }))
}

// ----- admin ---------------------------------------------------------------------

fn admin_actor(actor: Option<axum::Extension<Actor>>) -> Actor {
    request_actor(actor)
}

/// The account id in an admin route's path. A malformed id answers 404, like
/// an unknown account: the path names a resource that does not exist.
fn account_id(id: &str) -> Result<AccountId, Error> {
    id.parse().map_err(|_| Error::NotFound)
}

/// Paging parameters.
/// Lists accounts.
#[utoipa::path(get, path = "/auth/admin/accounts", tag = "auth-admin", params(egov_http::Paging),
    responses((status = 200, description = "a page of accounts")))]
async fn admin_list_accounts(
    State(auth): State<Auth>,
    egov_http::Paging(page): egov_http::Paging,
) -> Response {
    json_or_problem(auth.accounts(page).await)
}

/// Creates an account.
#[utoipa::path(post, path = "/auth/admin/accounts", tag = "auth-admin", request_body = NewAccount,
    responses((status = 201, body = Account), (status = 409), (status = 422)))]
async fn admin_create_account(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    Json(body): Json<NewAccount>,
) -> Response {
    let result = auth.create_account(&admin_actor(actor), body).await;
    respond(result, |account| {
        (StatusCode::CREATED, Json(account)).into_response()
    })
}

/// One account.
#[utoipa::path(get, path = "/auth/admin/accounts/{id}", tag = "auth-admin",
    params(("id" = String, Path, description = "account id")), responses((status = 200, body = Account), (status = 404)))]
async fn admin_get_account(State(auth): State<Auth>, Path(id): Path<String>) -> Response {
    let result = async { auth.account(account_id(&id)?).await };
    json_or_problem(result.await)
}

/// A status change.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// The new status; `disabled` ends every session.
    pub status: AccountStatus,
}

/// Sets an account's status.
#[utoipa::path(put, path = "/auth/admin/accounts/{id}/status", tag = "auth-admin", request_body = StatusChange,
    params(("id" = String, Path, description = "account id")), responses((status = 200, body = Account), (status = 404)))]
async fn admin_set_status(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    Path(id): Path<String>,
    Json(body): Json<StatusChange>,
) -> Response {
    let result = async {
        let id = account_id(&id)?;
        auth.set_status(&admin_actor(actor), id, body.status).await
    };
    json_or_problem(result.await)
}

/// Unlocks an account (clears failures and locks).
#[utoipa::path(post, path = "/auth/admin/accounts/{id}/unlock", tag = "auth-admin",
    params(("id" = String, Path, description = "account id")), responses((status = 200, body = Account), (status = 404)))]
async fn admin_unlock(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let id = account_id(&id)?;
        auth.unlock(&admin_actor(actor), id).await
    };
    json_or_problem(result.await)
}

/// Role assignments.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoleAssignment {
    /// The roles the account has from now on.
    pub roles: BTreeSet<String>,
}

/// Replaces an account's roles.
#[utoipa::path(put, path = "/auth/admin/accounts/{id}/roles", tag = "auth-admin", request_body = RoleAssignment,
    params(("id" = String, Path, description = "account id")), responses((status = 200, body = Account), (status = 404)))]
async fn admin_set_roles(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    Path(id): Path<String>,
    Json(body): Json<RoleAssignment>,
) -> Response {
    let result = async {
        let id = account_id(&id)?;
        auth.set_roles(&admin_actor(actor), id, body.roles).await
    };
    json_or_problem(result.await)
}

/// A password reset.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    /// The new password (the policy applies).
    pub new_password: String,
}

/// Sets an account's password (ends its sessions).
#[utoipa::path(put, path = "/auth/admin/accounts/{id}/password", tag = "auth-admin", request_body = PasswordReset,
    params(("id" = String, Path, description = "account id")), responses((status = 204), (status = 404), (status = 422)))]
async fn admin_reset_password(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    Path(id): Path<String>,
    Json(body): Json<PasswordReset>,
) -> Response {
    let result = async {
        let id = account_id(&id)?;
        auth.reset_password(&admin_actor(actor), id, &body.new_password)
            .await
    };
    no_content_or_problem(result.await)
}

/// Lists roles with their inclusions and grants.
#[utoipa::path(get, path = "/auth/admin/roles", tag = "auth-admin", responses((status = 200, body = Vec<Role>)))]
async fn admin_list_roles(State(auth): State<Auth>) -> Response {
    json_or_problem(auth.roles().await)
}

/// A role's definition.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoleBody {
    /// What the role is for.
    #[serde(default)]
    pub description: String,
    /// Roles whose permissions it also has.
    #[serde(default)]
    pub includes: BTreeSet<String>,
    /// Permissions granted to it.
    #[serde(default)]
    pub permissions: BTreeSet<String>,
}

/// Creates or replaces a role (its inclusions and grants).
#[utoipa::path(put, path = "/auth/admin/roles/{name}", tag = "auth-admin", request_body = RoleBody,
    params(("name" = String, Path, description = "role name")), responses((status = 204), (status = 422)))]
async fn admin_put_role(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    Path(name): Path<String>,
    Json(body): Json<RoleBody>,
) -> Response {
    let role = Role {
        name,
        description: body.description,
        includes: body.includes,
        permissions: body.permissions,
    };
    no_content_or_problem(auth.put_role(&admin_actor(actor), role).await)
}

/// Deletes a role with its grants and assignments.
#[utoipa::path(delete, path = "/auth/admin/roles/{name}", tag = "auth-admin",
    params(("name" = String, Path, description = "role name")), responses((status = 204), (status = 404)))]
async fn admin_delete_role(
    State(auth): State<Auth>,
    actor: Option<axum::Extension<Actor>>,
    Path(name): Path<String>,
) -> Response {
    no_content_or_problem(auth.delete_role(&admin_actor(actor), &name).await)
}

fn with_state(
    auth: &Auth,
    (schemas, paths, router): UtoipaMethodRouter<Auth>,
) -> UtoipaMethodRouter {
    (schemas, paths, router.with_state(auth.clone()))
}

/// egov-auth's HTTP API, grouped by access policy, for egov-web's
/// `ApiRouter::api` (see the [module docs](self) for the table).
pub fn api(auth: Auth) -> Vec<(AccessPolicy, UtoipaMethodRouter)> {
    let a = &auth;
    vec![
        (AccessPolicy::Public, with_state(a, routes!(login))),
        (AccessPolicy::Public, with_state(a, routes!(refresh))),
        (AccessPolicy::Public, with_state(a, routes!(jwks))),
        (
            AccessPolicy::Authenticated,
            with_state(a, routes!(extend_session)),
        ),
        (AccessPolicy::Authenticated, with_state(a, routes!(logout))),
        (
            AccessPolicy::Authenticated,
            with_state(a, routes!(logout_others)),
        ),
        (AccessPolicy::Authenticated, with_state(a, routes!(me))),
        (
            AccessPolicy::Authenticated,
            with_state(a, routes!(change_password)),
        ),
        (
            AccessPolicy::Authenticated,
            with_state(a, routes!(totp_start, totp_disable)),
        ),
        (
            AccessPolicy::Authenticated,
            with_state(a, routes!(recovery_codes)),
        ),
        (
            AccessPolicy::Authenticated,
            with_state(a, routes!(totp_confirm)),
        ),
        (
            ADMIN_POLICY,
            with_state(a, routes!(admin_list_accounts, admin_create_account)),
        ),
        (ADMIN_POLICY, with_state(a, routes!(admin_get_account))),
        (ADMIN_POLICY, with_state(a, routes!(admin_set_status))),
        (ADMIN_POLICY, with_state(a, routes!(admin_unlock))),
        (ADMIN_POLICY, with_state(a, routes!(admin_set_roles))),
        (ADMIN_POLICY, with_state(a, routes!(admin_reset_password))),
        (ADMIN_POLICY, with_state(a, routes!(admin_list_roles))),
        (
            ADMIN_POLICY,
            with_state(a, routes!(admin_put_role, admin_delete_role)),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(accept: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in accept {
            headers.append(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn only_paths_of_this_site_are_targets() {
        for local in ["/", "/pages/admin?tab=a%20b", "/api/hello#top", "/민원"] {
            assert_eq!(local_target(Some(local)), local);
        }
        for foreign in [
            "//evil.example/x",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "evil",
            "",
            "/a\nb",
            "/\t/evil.example",
            "/a\u{7f}b",
        ] {
            assert_eq!(local_target(Some(foreign)), "/", "{foreign:?}");
        }
        assert_eq!(local_target(None), "/");
    }

    fn with(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn a_form_post_is_a_post_of_a_form_body_that_accepts_html() {
        const PAGE: &str = "text/html,application/xhtml+xml,*/*;q=0.8";
        for media in [
            "application/x-www-form-urlencoded",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
            "multipart/form-data; boundary=----x",
        ] {
            let headers = with(&[(header::ACCEPT, PAGE), (header::CONTENT_TYPE, media)]);
            assert!(is_form_post(&Method::POST, &headers), "{media}");
            for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
                assert!(!is_form_post(&method, &headers), "{method} {media}");
            }
        }
        for not_form in [
            // A script's JSON call.
            &[
                (header::ACCEPT, PAGE),
                (header::CONTENT_TYPE, "application/json"),
            ][..],
            &[(header::ACCEPT, PAGE), (header::CONTENT_TYPE, "text/plain")],
            &[(header::ACCEPT, PAGE)],
            // A script posting a form body without asking for a page.
            &[(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
            &[
                (header::ACCEPT, "application/json"),
                (header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            ],
            &[
                (header::ACCEPT, "text/html;q=0"),
                (header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            ],
        ] {
            assert!(
                !is_form_post(&Method::POST, &with(not_form)),
                "{not_form:?}"
            );
        }
    }

    #[test]
    fn a_page_request_is_a_get_or_head_that_accepts_html() {
        let browser = accepting(&["text/html,application/xhtml+xml,*/*;q=0.8"]);
        assert!(is_page_request(&Method::GET, &browser));
        assert!(is_page_request(&Method::HEAD, &browser));
        assert!(!is_page_request(&Method::POST, &browser));
        for page in [
            &["TEXT/HTML"][..],
            &["application/json", "text/html;q=0.5"],
            &[" text/html ; level=1"],
        ] {
            assert!(is_page_request(&Method::GET, &accepting(page)), "{page:?}");
        }
        for not_page in [
            &[][..],
            &["application/json"],
            &["*/*"],
            &["text/html;q=0"],
            &["text/html; Q=0.000"],
            &["text/htmlx"],
        ] {
            assert!(
                !is_page_request(&Method::GET, &accepting(not_page)),
                "{not_page:?}"
            );
        }
    }
}
