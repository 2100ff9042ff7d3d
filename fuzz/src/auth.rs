//! Authentication headers through egov-web's whole stack with egov-auth in
//! cookie mode: `Authorization`, `Cookie`, `Accept`, `Content-Type`,
//! `X-CSRF-Token` and a body of the attacker's choosing, against routes that
//! need an account, a permission, and a CSRF token.
//!
//! The input is text lines:
//!
//! ```text
//! <method> <path>\n<authorization>\n<cookie>\n<accept>\n<content-type>\n<x-csrf-token>\n<body…>
//! ```
//!
//! An empty line sends no such header. Three placeholders stand for real
//! credentials, so that the fuzzer reaches the paths behind them: `{AT}` is the
//! access token of a session whose refresh token is never given out, `{CSRF}`
//! that session's CSRF token, and `{RT}` the refresh token of a second session
//! (using it rotates or, used twice, revokes that second session only). Every
//! input meets an unused `{RT}`: after a page request that used it, the
//! token the response set, or else a new session's. An invalid header value
//! is dropped, as an HTTP server would have refused it.
//!
//! Asserted for every input:
//! - never a 5xx;
//! - without a placeholder in it, no request reaches a route that needs an
//!   account (nothing is guessed, forged or smuggled past the middleware);
//! - a write to such a route without `{CSRF}` and without `{AT}` in a bearer
//!   header (cookie mode needs the CSRF token) never reaches its handler;
//! - every `Set-Cookie` is one of the three session cookies, `Secure`,
//!   `SameSite=Strict`, `Path=/`, the token cookies `HttpOnly`.

use std::sync::{Mutex, OnceLock, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use egov_audit::web::AuditLayer;
use egov_audit::{AuditLog, AuditSettings};
use egov_auth::web::{ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE};
use egov_auth::{Auth, AuthSettings, CurrentUser, NewAccount, Role};
use egov_core::access::AccessPolicy;
use egov_core::actor::Actor;
use egov_core::config::ConfigSection;
use egov_db::Db;
use egov_web::{ApiRouter, App, WebSettings};
use http::{HeaderName, HeaderValue, Method, Request, header};

/// What the handlers answer: a request that reached one says so.
const REACHED: &str = "reached";

/// The service, its runtime, and the credentials the placeholders stand for.
struct Service {
    runtime: tokio::runtime::Runtime,
    router: Router,
    auth: Auth,
    access_token: String,
    csrf_token: String,
    /// Replaced after every page request that used it, so that each input
    /// meets an unused one and replays the same way whatever ran before it.
    refresh_token: Mutex<String>,
}

const LOGIN_ID: &str = "fuzzer";
const PASSWORD: &str = "correct horse battery staple 2026";

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let (router, auth, access_token, csrf_token, refresh_token) = runtime.block_on(async {
            let db = Db::connect_url("sqlite::memory:")
                .await
                .expect("an in-memory database");
            db.migrate(egov_web::FRAMEWORK_MIGRATIONS)
                .await
                .expect("migrations");
            let audit = AuditLog::start(db.clone(), &AuditSettings::default())
                .await
                .expect("the audit log starts");
            let settings = AuthSettings {
                cookie_mode: true,
                ..AuthSettings::from_defaults()
            };
            let cipher =
                egov_privacy::FieldCipher::from_settings(&egov_privacy::PrivacySettings::default())
                    .expect("the development keys");
            let auth = Auth::new(db, settings, cipher, audit.clone())
                .await
                .expect("auth starts");
            let system = Actor::system("fuzz");
            let role = Role {
                name: "ROLE_FUZZ".into(),
                description: "reads the fuzz route".into(),
                includes: Default::default(),
                permissions: ["fuzz:read".to_string()].into(),
            };
            auth.put_role(&system, role).await.expect("a role");
            auth.create_account(
                &system,
                NewAccount {
                    login_id: LOGIN_ID.into(),
                    display_name: "Fuzzer".into(),
                    email: None,
                    password: PASSWORD.into(),
                    roles: ["ROLE_FUZZ".to_string()].into(),
                },
            )
            .await
            .expect("an account");
            let kept = auth
                .login(&system, LOGIN_ID, PASSWORD, None)
                .await
                .expect("a login");
            let given_out = second_session(&auth).await;
            let csrf = auth.csrf_token(&kept.session_id);
            let routes = ApiRouter::new()
                .route(
                    "/fuzz/me",
                    AccessPolicy::Authenticated,
                    get(|_user: CurrentUser| async { REACHED }),
                )
                .route(
                    "/fuzz/private",
                    AccessPolicy::permission("fuzz:read"),
                    get(|| async { REACHED }).post(|| async { REACHED }),
                )
                .route(
                    "/fuzz/form",
                    AccessPolicy::Authenticated,
                    post(|_user: CurrentUser, body: String| async move {
                        // The body reached the handler whole.
                        let _ = body;
                        REACHED
                    }),
                )
                .route(
                    "/login",
                    AccessPolicy::Public,
                    get(|| async { "the login page" }),
                );
            let router = App::new(WebSettings {
                // Small, so that inputs reach the limit.
                body_limit_bytes: 4096,
                ..WebSettings::default()
            })
            .audit(AuditLayer::new(audit))
            .auth(auth.clone())
            .router(routes)
            .login_page("/login")
            .build()
            .expect("the service builds");
            (router, auth, kept.access_token, csrf, given_out)
        });
        Service {
            runtime,
            router,
            auth,
            access_token,
            csrf_token,
            refresh_token: Mutex::new(refresh_token),
        }
    })
}

/// The refresh token of a new session of the account.
async fn second_session(auth: &Auth) -> String {
    auth.login(&Actor::system("fuzz"), LOGIN_ID, PASSWORD, None)
        .await
        .expect("a login")
        .refresh_token
}

/// The refresh token a response sets (not one it clears).
fn set_refresh_cookie(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|cookie| cookie.split(';').next()?.split_once('='))
        .find(|(name, value)| *name == REFRESH_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// `raw` with the placeholders replaced by the real credentials.
fn fill(raw: &[u8], service: &Service, refresh_token: &str) -> Vec<u8> {
    String::from_utf8_lossy(raw)
        .replace("{AT}", &service.access_token)
        .replace("{CSRF}", &service.csrf_token)
        .replace("{RT}", refresh_token)
        .into_bytes()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Sends one request built from `data`; see the module docs for the format
/// and what is asserted.
pub fn auth_headers(data: &[u8]) {
    let service = service();
    let mut lines = data.splitn(7, |&b| b == b'\n');
    let mut next = || lines.next().unwrap_or_default();
    let request_line = next();
    let fields = [
        header::AUTHORIZATION,
        header::COOKIE,
        header::ACCEPT,
        header::CONTENT_TYPE,
        HeaderName::from_static("x-csrf-token"),
    ]
    .map(|name| (name, next()));
    let body = next();

    let text = String::from_utf8_lossy(request_line);
    let (method, path) = text.split_once(' ').unwrap_or(("GET", &text));
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let path = match path {
        "" => "/fuzz/me",
        p if p.starts_with('/') => p,
        _ => return,
    };
    let mut refresh_token = service
        .refresh_token
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut request = Request::builder().method(method.clone()).uri(path);
    for (name, raw) in &fields {
        if raw.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(&fill(raw, service, &refresh_token)) {
            request = request.header(name, value);
        }
    }
    let Ok(request) = request.body(Body::from(fill(body, service, &refresh_token))) else {
        return;
    };
    let used_refresh_token = fields.iter().any(|(_, raw)| contains(raw, "{RT}"));
    // Only a page request renews a session from the refresh cookie.
    let renews =
        used_refresh_token && egov_auth::web::is_page_request(request.method(), request.headers());

    let (status, headers, answer) = service.runtime.block_on(async {
        let answer = crate::web::send(&service.router, request).await;
        if renews {
            // The next input gets an unused refresh token: the one this
            // renewal handed out, or (none handed out: refused, or a working
            // access cookie made renewal needless) a new session's.
            *refresh_token = match set_refresh_cookie(&answer.1) {
                Some(rotated) => rotated,
                None => second_session(&service.auth).await,
            };
        }
        answer
    });
    drop(refresh_token);

    assert!(
        !status.is_server_error(),
        "{status} for {method} {path}: {}",
        String::from_utf8_lossy(&answer)
    );
    let reached = status.is_success() && answer.as_ref() == REACHED.as_bytes();
    let credentials = ["{AT}", "{RT}"]
        .iter()
        .any(|p| fields.iter().any(|(_, raw)| contains(raw, p)));
    assert!(
        !reached || credentials,
        "{method} {path} reached a handler that needs an account without credentials"
    );
    let bearer = contains(fields[0].1, "{AT}");
    let csrf = contains(fields[4].1, "{CSRF}") || contains(body, "{CSRF}");
    let write = !matches!(
        method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    assert!(
        !(reached && write) || bearer || csrf,
        "a cookie-authenticated {method} {path} reached its handler without the CSRF token"
    );
    for cookie in headers.get_all(header::SET_COOKIE) {
        let cookie = cookie.to_str().expect("ASCII cookies");
        let name = cookie.split('=').next().unwrap_or_default();
        assert!(
            [ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE].contains(&name),
            "an unexpected cookie: {cookie}"
        );
        for attribute in ["Secure", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert_eq!(
            cookie.contains("HttpOnly"),
            name != CSRF_COOKIE,
            "{cookie}: HttpOnly on the token cookies only"
        );
    }
}
