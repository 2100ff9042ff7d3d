//! Forms never lose work: a form posted after the session ended.
//!
//! In cookie mode egov-auth renews a session from its refresh cookie when a page's
//! form is posted after the access cookie expired, so the common case — a citizen
//! typing for more than ten minutes — just works. When the session itself is over
//! (idle past `refresh_idle_secs`, logged out elsewhere), the post is answered 401;
//! with [pages](crate::App::pages), egov-web's draft layer turns that 401 into a page that
//! keeps what was typed — in hidden fields of that page, nothing stored on the server
//! — with a login form posting to [`RESUME_FORM_PATH`]. Logging in there shows the
//! kept values and one button that submits them to where they were going, with the
//! new session's CSRF token; the service's handler then validates them as any
//! submission.
//!
//! Secrets and identifiers are never carried ([`is_sensitive`]): the CSRF token,
//! passwords, one-time codes, PINs, resident registration numbers. The pages say how
//! many fields were left out; the service's form asks for them again at the field,
//! as it does after any error.
//!
//! The login form of these pages is guarded against login CSRF like the service's
//! own login page (egov-auth's pre-session token, `guard_login_form` on
//! [`RESUME_FORM_PATH`]); the login itself is egov-auth's ([`egov_auth::Auth::login`]:
//! throttling, audit). An account that needs a second factor gets the login's
//! refusal at the field and logs in on the login page (the kept values are then
//! lost: a known limit).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use egov_auth::Auth;
use egov_auth::web::{LOGIN_CSRF_COOKIE, LOGIN_CSRF_MAX_AGE};
use egov_core::session::PageSession;
use egov_pages::{FormErrors, Page};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// Where the session-ended page's login form posts.
pub const RESUME_FORM_PATH: &str = "/auth/session/resume";

/// The prefix of the kept fields in the session-ended page's form.
const DRAFT_PREFIX: &str = "draft.";

/// Words that mark a field as one never carried over: secrets, one-time codes,
/// resident registration numbers. Matched against the parts of the field's name
/// split at `_`, `-`, `.`, `[`, `]` and case changes are ignored (`new_password`,
/// `residentNumber` → `residentnumber` contains `resident`).
const SENSITIVE_WORDS: &[&str] = &[
    "password", "passwd", "pwd", "secret", "token", "otp", "pin", "totp", "rrn", "jumin",
    "resident", "ssn", "cvc", "cvv",
];

/// Whether a form field is never carried over a session's end (and never put back
/// into a page): the CSRF token, passwords, one-time codes, PINs, resident
/// registration numbers.
///
/// ```
/// use egov_web::draft::is_sensitive;
///
/// for name in ["csrf_token", "password", "new_password", "otp", "resident_number", "residentNumber", "card-pin"] {
///     assert!(is_sensitive(name), "{name}");
/// }
/// for name in ["title", "body", "phone", "postal_code", "shipping_address", "opinion"] {
///     assert!(!is_sensitive(name), "{name}");
/// }
/// ```
pub fn is_sensitive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.split(['_', '-', '.', '[', ']']).any(|part| {
        SENSITIVE_WORDS
            .iter()
            .any(|word| part == *word || (word.len() > 4 && part.contains(word)))
    })
}

/// One kept field.
#[derive(Debug, Clone, Serialize)]
struct Field {
    name: String,
    value: String,
}

/// The fields worth keeping and how many were left out.
fn keep(pairs: impl IntoIterator<Item = (String, String)>) -> (Vec<Field>, usize) {
    let mut kept = Vec::new();
    let mut dropped = 0;
    for (name, value) in pairs {
        if is_sensitive(&name) {
            if name != egov_auth::web::CSRF_FORM_FIELD && !value.is_empty() {
                dropped += 1;
            }
        } else {
            kept.push(Field { name, value });
        }
    }
    (kept, dropped)
}

fn is_urlencoded(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

/// The pre-session login token of the browser, or a new one and the cookie to set.
fn login_token(request_headers: &http::HeaderMap) -> (String, Option<HeaderValue>) {
    let held = request_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == LOGIN_CSRF_COOKIE && value.len() == 43).then(|| value.to_owned())
        });
    if let Some(token) = held {
        return (token, None);
    }
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        return (String::new(), None);
    }
    let token = URL_SAFE_NO_PAD.encode(bytes);
    // The attributes egov-auth gives the same cookie on its login page.
    let cookie = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={LOGIN_CSRF_MAX_AGE}"
    ))
    .ok();
    (token, cookie)
}

/// The state of [`carry_draft`] and [`resume`].
#[derive(Clone)]
pub(crate) struct DraftState {
    pub(crate) auth: Auth,
    pub(crate) login_page: std::sync::Arc<str>,
}

/// Middleware: a page's form post answered 401 becomes the session-ended page with
/// the typed values kept (see the [module docs](self)).
pub(crate) async fn carry_draft(
    State(state): State<DraftState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !egov_http::is_form_post(request.method(), request.headers())
        || !is_urlencoded(&request)
        || path == RESUME_FORM_PATH
        || path == &*state.login_page
    {
        return next.run(request).await;
    }
    let action = egov_pages::local_path(request.uri().path_and_query().map(|pq| pq.as_str()));
    let headers = request.headers().clone();
    let (parts, body) = request.into_parts();
    // The body limit outside this layer bounds what is read here.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let page_parts = parts.clone();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    if response.status() != StatusCode::UNAUTHORIZED {
        return response;
    }
    let Ok(page) = page_from(page_parts).await else {
        return response;
    };
    let (draft, dropped) = keep(form_urlencoded::parse(&bytes).into_owned());
    let (token, cookie) = login_token(&headers);
    let mut ended = session_ended(
        &page,
        &action,
        &draft,
        dropped,
        &token,
        "",
        FormErrors::new(),
    );
    // Cookies the layers below set or cleared still reach the browser.
    for set in response.headers().get_all(header::SET_COOKIE) {
        ended.headers_mut().append(header::SET_COOKIE, set.clone());
    }
    if let Some(cookie) = cookie {
        ended.headers_mut().append(header::SET_COOKIE, cookie);
    }
    ended
}

async fn page_from(mut parts: http::request::Parts) -> Result<Page, Response> {
    use axum::extract::FromRequestParts;
    Page::from_request_parts(&mut parts, &()).await
}

#[allow(clippy::too_many_arguments)] // the page's parts, each different
fn session_ended(
    page: &Page,
    action: &str,
    draft: &[Field],
    dropped: usize,
    token: &str,
    login_id: &str,
    errors: FormErrors,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page.render_status(
        status,
        "egov/session_ended.html",
        egov_pages::minijinja::context! {
            title => page.text("egov-page-session-ended"),
            resume => RESUME_FORM_PATH,
            action => action,
            draft => draft,
            dropped => dropped,
            login_token => token,
            login_id => login_id,
            errors => errors.list(),
            field_errors => errors.by_field(),
        },
    )
}

/// `POST /auth/session/resume`: logs in (egov-auth: throttled, audited) and shows the
/// kept values with a button that submits them to where they were going.
pub(crate) async fn resume(
    State(state): State<DraftState>,
    page: Page,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let mut login_id = String::new();
    let mut password = String::new();
    let mut action = "/".to_owned();
    let mut token = String::new();
    let mut draft = Vec::new();
    for (name, value) in pairs {
        match name.as_str() {
            "login_id" => login_id = value,
            "password" => password = value,
            "egov_action" => action = egov_pages::local_path(Some(&value)),
            egov_auth::web::CSRF_FORM_FIELD => token = value,
            _ => {
                if let Some(field) = name.strip_prefix(DRAFT_PREFIX) {
                    draft.push((field.to_owned(), value));
                }
            }
        }
    }
    // A field's name cannot be chosen to smuggle a secret back in.
    let (draft, _) = keep(draft);
    match state
        .auth
        .login(page.actor(), login_id.trim(), &password, None)
        .await
    {
        Ok(session) => {
            let signed_in = PageSession {
                login_id: login_id.trim().to_owned(),
                display_name: state
                    .auth
                    .account(session.account_id)
                    .await
                    .map(|a| a.display_name)
                    .unwrap_or_default(),
                csrf_token: state.auth.csrf_token(&session.session_id),
                expires_at: None,
            };
            let page = page.signed_in_as(signed_in);
            let mut response = page.render(
                "egov/session_resumed.html",
                egov_pages::minijinja::context! {
                    title => page.text("egov-page-session-resumed"),
                    action => action,
                    draft => draft,
                },
            );
            egov_auth::web::set_session_cookies(&state.auth, &session, &mut response);
            response
        }
        Err(error) => {
            let problem = egov_core::problem::Problem::from(error);
            let message = if problem.status() == 401 {
                page.text("egov-page-login-failed")
            } else {
                page.message(problem.title())
            };
            let mut errors = FormErrors::new();
            errors.push("login_id", page.text("egov-page-login-id"), message);
            session_ended(&page, &action, &draft, 0, &token, &login_id, errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_identifiers_are_left_out_and_counted() {
        let (kept, dropped) = keep([
            ("csrf_token".to_owned(), "abc".to_owned()),
            ("title".to_owned(), "소음".to_owned()),
            ("resident_number".to_owned(), "900101-1234568".to_owned()),
            ("password".to_owned(), String::new()),
            ("body".to_owned(), "밤 10시".to_owned()),
        ]);
        let names: Vec<&str> = kept.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["title", "body"]);
        // The CSRF token and an empty password are nothing to re-type.
        assert_eq!(dropped, 1);
    }
}
