//! egov-auth wired into the stack: every flow over real HTTP, on both databases,
//! and two app instances sharing one database.

use std::time::Duration;

use axum::Json;
use egov_audit::web::AuditLayer;
use egov_audit::{AuditLog, AuditSettings};
use egov_auth::{Auth, AuthSettings, CurrentUser, NewAccount};
use egov_core::AccessPolicy;
use egov_core::actor::Actor;
use egov_db::testing::TestDatabase;
use egov_db::{Backend, Db};
use egov_web::testing::TestServer;
use egov_web::{ApiRouter, App, WebSettings};
use serde_json::{Value, json};
use utoipa_axum::routes;

const PASSWORD: &str = "correct horse battery staple";

/// The field cipher of the `[privacy]` defaults (development keys).
fn cipher() -> egov_privacy::FieldCipher {
    egov_privacy::FieldCipher::from_settings(&egov_privacy::PrivacySettings::default()).unwrap()
}

/// Needs `codes:write`.
#[utoipa::path(post, path = "/api/codes", responses((status = 200, body = String)))]
async fn write_codes(user: CurrentUser) -> Json<String> {
    Json(user.account_id.to_string())
}

/// Any account.
#[utoipa::path(get, path = "/api/hello", responses((status = 200, body = String)))]
async fn hello(user: CurrentUser) -> Json<String> {
    Json(user.account_id.to_string())
}

/// A page form post: echoes the `title` field, to show the body reached the
/// handler whole after the middleware looked for the CSRF field.
async fn form_echo(
    _user: CurrentUser,
    axum::Form(form): axum::Form<std::collections::BTreeMap<String, String>>,
) -> String {
    form.get("title").cloned().unwrap_or_default()
}

/// When the caller's session ends if idle (unix seconds), as a page's
/// time-limit notice would show it.
async fn session_end(user: CurrentUser) -> Json<Option<i64>> {
    Json(user.session_expires_at.map(|at| at.unix_timestamp()))
}

/// What a page knows of its cookie session (egov-core's `PageSession`, put there
/// by egov-auth): who, the CSRF token, the end.
async fn page_session(
    _user: CurrentUser,
    session: Option<axum::Extension<egov_core::session::PageSession>>,
) -> Json<Value> {
    Json(match session {
        Some(axum::Extension(s)) => serde_json::json!({
            "login_id": s.login_id,
            "display_name": s.display_name,
            "csrf_token": s.csrf_token,
            "expires_at": s.expires_at.map(|at| at.unix_timestamp()),
        }),
        None => Value::Null,
    })
}

/// A page's multipart upload: answers the account, whatever the body.
async fn upload(user: CurrentUser) -> String {
    user.account_id.to_string()
}

/// A page behind `codes:write`.
async fn admin_page(_user: CurrentUser) -> axum::response::Html<&'static str> {
    axum::response::Html("<h1>admin</h1>")
}

struct Instance {
    base: String,
    auth: Auth,
    audit: AuditLog,
    _server: TestServer,
}

async fn migrate(db: &Db) {
    db.migrate(&[
        &egov_db::change::MIGRATIONS,
        &egov_audit::MIGRATIONS,
        &egov_auth::MIGRATIONS,
    ])
    .await
    .unwrap();
}

fn app(auth: &Auth, audit: &AuditLog) -> App {
    App::new(WebSettings::default())
        .audit(AuditLayer::new(audit.clone()))
        .auth(auth.clone())
        .router(
            ApiRouter::new()
                .routes(
                    AccessPolicy::permission("codes:write"),
                    routes!(write_codes),
                )
                .routes(AccessPolicy::Authenticated, routes!(hello))
                .route(
                    "/pages/form",
                    AccessPolicy::Authenticated,
                    axum::routing::post(form_echo),
                )
                .route(
                    "/pages/session",
                    AccessPolicy::Authenticated,
                    axum::routing::get(session_end),
                )
                .route(
                    "/pages/who",
                    AccessPolicy::Authenticated,
                    axum::routing::get(page_session),
                )
                .route(
                    "/pages/upload",
                    AccessPolicy::Authenticated,
                    axum::routing::post(upload),
                )
                .route(
                    "/pages/admin",
                    AccessPolicy::permission("codes:write"),
                    axum::routing::get(admin_page),
                ),
        )
        .login_page("/login")
}

async fn start(db: Db, settings: AuthSettings) -> Instance {
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let auth = Auth::new(db, settings, cipher(), audit.clone())
        .await
        .unwrap();
    let server = TestServer::start(app(&auth, &audit)).await;
    Instance {
        base: server.base.clone(),
        auth,
        audit,
        _server: server,
    }
}

fn settings() -> AuthSettings {
    AuthSettings {
        change_poll_ms: 100,
        ..AuthSettings::default()
    }
}

async fn with_databases(test: impl AsyncFn(&TestDatabase)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(database) = TestDatabase::new(backend).await.unwrap() else {
            eprintln!("skipped {backend}: set EGOV_TEST_POSTGRES_URL");
            continue;
        };
        migrate(database.db()).await;
        test(&database).await;
        database.close().await.unwrap();
    }
}

/// Defines `ROLE_ADMIN` (with `auth:admin`, including `includes`) and gives it
/// to a new account `login_id`.
async fn create_admin(auth: &Auth, login_id: &str, includes: &[&str]) {
    let admin_role = egov_auth::Role {
        name: "ROLE_ADMIN".into(),
        description: "admins".into(),
        includes: includes.iter().map(|s| s.to_string()).collect(),
        permissions: ["auth:admin".to_string()].into(),
    };
    auth.put_role(&Actor::system("test"), admin_role)
        .await
        .unwrap();
    create(auth, login_id, &["ROLE_ADMIN"]).await;
}

async fn create(auth: &Auth, login_id: &str, roles: &[&str]) {
    auth.create_account(
        &Actor::system("test"),
        NewAccount {
            login_id: login_id.into(),
            display_name: "Test User".into(),
            email: None,
            password: PASSWORD.into(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
        },
    )
    .await
    .unwrap();
}

/// `POST /auth/login` with `login_id` and `password`, the raw response.
async fn attempt(
    client: &reqwest::Client,
    base: &str,
    login_id: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{base}/auth/login"))
        .json(&json!({"login_id": login_id, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn login(client: &reqwest::Client, base: &str, login_id: &str) -> Value {
    let response = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"login_id": login_id, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "login {login_id}");
    response.json().await.unwrap()
}

async fn denied_events(db: &Db, reason: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'permission_denied' AND outcome = 'denied' AND reason_code = $1",
    )
    .bind(reason)
    .fetch_one(db.pool())
    .await
    .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_flows_on_both_databases() {
    with_databases(async |database| {
        let db = database.db().clone();
        // Three failures lock for an hour, before any delay.
        let lock_fast = AuthSettings {
            free_failures: 5,
            lock_after_failures: 3,
            lock_secs: 3600,
            ..settings()
        };
        let app = start(db.clone(), lock_fast).await;
        create_admin(&app.auth, "admin", &["ROLE_USER"]).await;
        let c = reqwest::Client::new();
        let base = &app.base;

        // Deny by default: anonymous → 401 problem with WWW-Authenticate.
        let r = c.get(format!("{base}/auth/me")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        // An invalid token is a 401 invalid_token, never anonymous — even on a public route.
        let r = c
            .get(format!("{base}/.well-known/jwks.json"))
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["type"], "urn:egov:problem:unauthenticated");
        assert_eq!(denied_events(&db, "invalid_token").await, 1);

        // JWKS is public.
        let jwks: Value = c
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(jwks["keys"][0]["kty"], "OKP");

        // Login failure: same localized 401 for unknown and wrong.
        for login_id in ["admin", "nobody"] {
            let r = c
                .post(format!("{base}/auth/login"))
                .header("accept-language", "en")
                .json(&json!({"login_id": login_id, "password": "wrong password guess"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            let body: Value = r.json().await.unwrap();
            assert!(body["detail"].as_str().unwrap().contains("incorrect"), "{body}");
        }

        let admin = login(&c, base, "admin").await;
        let token = admin["access_token"].as_str().unwrap();
        let me: Value = c
            .get(format!("{base}/auth/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["account"]["login_id"], "admin");
        assert!(me["roles"].as_array().unwrap().contains(&json!("ROLE_USER")));

        // Admin API: create an account; policy rejection is a localized 422.
        let r = c
            .post(format!("{base}/auth/admin/accounts"))
            .bearer_auth(token)
            .header("accept-language", "ko")
            .json(&json!({"login_id": "clerk", "display_name": "민원 담당", "password": "short"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "password-too-short");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("15자"));
        let r = c
            .post(format!("{base}/auth/admin/accounts"))
            .bearer_auth(token)
            .json(&json!({"login_id": "clerk", "display_name": "민원 담당", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let clerk_id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

        // The clerk: authenticated but without codes:write → 403, recorded.
        let clerk = login(&c, base, "clerk").await;
        let clerk_token = clerk["access_token"].as_str().unwrap();
        let r = c
            .post(format!("{base}/api/codes"))
            .bearer_auth(clerk_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.json::<Value>().await.unwrap()["type"],
            "urn:egov:problem:forbidden"
        );
        let r = c
            .get(format!("{base}/auth/admin/accounts"))
            .bearer_auth(clerk_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let (denials,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'permission_denied' AND outcome = 'denied'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(denials >= 4, "every 401/403 is an audit event ({denials})");

        // Grant through a role → allowed at once.
        c.put(format!("{base}/auth/admin/roles/CODE_EDITOR"))
            .bearer_auth(token)
            .json(&json!({"permissions": ["codes:write"]}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        c.put(format!("{base}/auth/admin/accounts/{clerk_id}/roles"))
            .bearer_auth(token)
            .json(&json!({"roles": ["CODE_EDITOR"]}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        let r = c
            .post(format!("{base}/api/codes"))
            .bearer_auth(clerk_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // Refresh rotation and reuse over HTTP.
        let rt = clerk["refresh_token"].as_str().unwrap();
        let rotated: Value = c
            .post(format!("{base}/auth/refresh"))
            .json(&json!({"refresh_token": rt}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = c
            .post(format!("{base}/auth/refresh"))
            .json(&json!({"refresh_token": rt}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = c
            .get(format!("{base}/api/hello"))
            .bearer_auth(rotated["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "the family was revoked");

        // A huge password is refused before any hashing: over the body limit a
        // 413, under it (but far over 128 characters) the usual 401.
        let hashed = app.auth.hasher().computations();
        for (size, status) in [(1 << 20, 413), (600 * 1024, 401)] {
            let r = attempt(&c, base, "clerk", &"x".repeat(size)).await;
            assert_eq!(r.status(), status, "{size} bytes");
            assert_eq!(
                r.headers()["content-type"],
                "application/problem+json",
                "{size} bytes"
            );
        }
        assert_eq!(app.auth.hasher().computations(), hashed, "a huge password was hashed");

        // Lock by failures (a timed lock: 3 failures, 1 h), admin unlock over HTTP.
        let account = async |c: &reqwest::Client| -> Value {
            c.get(format!("{base}/auth/admin/accounts/{clerk_id}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap()
                .json()
                .await
                .unwrap()
        };
        for _ in 0..3 {
            let r = attempt(&c, base, "clerk", "wrong password guess").await;
            assert_eq!(r.status(), 401);
        }
        let locked = account(&c).await;
        assert_eq!(locked["failed_count"], 3, "{locked}");
        let until = locked["locked_until"].as_str().expect("a timed lock");
        let until = egov_db::value::timestamp_from_sql("locked_until", until).unwrap();
        let left = until - egov_core::Clock::now(&egov_core::SystemClock);
        assert!(left.whole_minutes() >= 59, "locked for an hour: {locked}");
        for password in [PASSWORD, "another wrong guess"] {
            let r = attempt(&c, base, "clerk", password).await;
            assert_eq!(r.status(), 401, "locked: even the right password is refused");
        }
        assert_eq!(account(&c).await["failed_count"], 3, "attempts during a lock are not counted");
        let unlocked: Value = c
            .post(format!("{base}/auth/admin/accounts/{clerk_id}/unlock"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(unlocked["failed_count"], 0, "{unlocked}");
        assert!(unlocked["locked_until"].is_null(), "{unlocked}");
        let clerk = login(&c, base, "clerk").await;

        // Password change over HTTP ends every session.
        let clerk_token = clerk["access_token"].as_str().unwrap();
        let r = c
            .put(format!("{base}/auth/password"))
            .bearer_auth(clerk_token)
            .json(&json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let r = c
            .get(format!("{base}/auth/me"))
            .bearer_auth(clerk_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // Logout.
        let r = c
            .post(format!("{base}/auth/logout"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let r = c
            .get(format!("{base}/auth/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        app.audit.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_mode_needs_csrf_tokens_for_writes() {
    with_databases(async |database| {
        let settings = AuthSettings {
            cookie_mode: true,
            ..settings()
        };
        let app = start(database.db().clone(), settings).await;
        create(&app.auth, "browser", &[]).await;
        let c = reqwest::Client::new();
        let base = &app.base;
        let r = c
            .post(format!("{base}/auth/login"))
            .json(&json!({"login_id": "browser", "password": PASSWORD, "cookie": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(cookies.len(), 3);
        for c in &cookies {
            assert!(
                c.starts_with("__Host-")
                    && c.contains("Secure")
                    && c.contains("SameSite=Strict")
                    && c.contains("Path=/"),
                "{c}"
            );
        }
        assert!(cookies[0].contains("HttpOnly") && cookies[1].contains("HttpOnly"));
        let body: Value = r.json().await.unwrap();
        assert!(
            body.get("access_token").is_none(),
            "no tokens in the body in cookie mode"
        );
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        let jar: String = cookies
            .iter()
            .map(|c| c.split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        // Reads need no CSRF token.
        let r = c
            .get(format!("{base}/auth/me"))
            .header("cookie", &jar)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // Writes without (or with a wrong) CSRF token are refused and recorded.
        for header in [None, Some("forged")] {
            let mut request = c
                .post(format!("{base}/auth/logout-others"))
                .header("cookie", &jar);
            if let Some(h) = header {
                request = request.header("x-csrf-token", h);
            }
            assert_eq!(request.send().await.unwrap().status(), 403);
        }
        assert_eq!(denied_events(database.db(), "csrf").await, 2);
        let r = c
            .post(format!("{base}/auth/logout-others"))
            .header("cookie", &jar)
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // Refresh by cookie needs the CSRF token too.
        let r = c
            .post(format!("{base}/auth/refresh"))
            .header("cookie", &jar)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = c
            .post(format!("{base}/auth/refresh"))
            .header("cookie", &jar)
            .header("x-csrf-token", &csrf)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // A stale cookie leaves the caller anonymous: public routes still work.
        let r = c
            .post(format!("{base}/auth/login"))
            .header("cookie", "__Host-egov-at=stale")
            .json(&json!({"login_id": "browser", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        app.audit.shutdown().await;
    })
    .await;
}

/// What a browser asks for when it navigates to a page.
const PAGE: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

/// A cookie-mode service with the account `browser`, and a client that does
/// not follow redirects (to see where the service sends it).
async fn browser_app(
    database: &TestDatabase,
    page_resume_grace_secs: u64,
) -> (Instance, reqwest::Client) {
    let settings = AuthSettings {
        cookie_mode: true,
        page_resume_grace_secs,
        ..settings()
    };
    let app = start(database.db().clone(), settings).await;
    create(&app.auth, "browser", &[]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (app, client)
}

/// `browser` logs in with `cookie: true`.
async fn cookie_login(client: &reqwest::Client, base: &str) -> reqwest::Response {
    client
        .post(format!("{base}/auth/login"))
        .json(&json!({"login_id": "browser", "password": PASSWORD, "cookie": true}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_forms_carry_the_csrf_token_in_a_field_and_browsers_go_to_the_login_page() {
    with_databases(async |database| {
        let (app, c) = browser_app(database, 10).await;
        let base = &app.base;

        // Not logged in: a browser asking for a page goes to the login page…
        let r = c
            .get(format!("{base}/pages/admin?tab=a b"))
            .header("accept", PAGE)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login?next=%2Fpages%2Fadmin%3Ftab%3Da%2520b");
        assert_eq!(r.headers()["cache-control"], "no-store");
        // …and the refusal is in the audit trail all the same.
        let (denied,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'permission_denied' AND target_id = '/pages/admin'",
        )
        .fetch_one(database.db().pool())
        .await
        .unwrap();
        assert_eq!(denied, 1);
        // API clients keep their 401 problem; a page form post is not redirected.
        let r = c.get(format!("{base}/pages/admin")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = c
            .post(format!("{base}/pages/form"))
            .header("accept", PAGE)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("title=x")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        let r = cookie_login(&c, base).await;
        let jar: String = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        let body: Value = r.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        // Logged in without the permission: 403 stays 403, no redirect.
        let r = c
            .get(format!("{base}/pages/admin"))
            .header("accept", PAGE)
            .header("cookie", &jar)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);

        let post = |body: String| {
            c.post(format!("{base}/pages/form"))
                .header("cookie", &jar)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
        };
        // The token in the form field: accepted, and the handler gets the whole body.
        let r = post(format!("title=%EB%AF%BC%EC%9B%90+1&csrf_token={csrf}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "민원 1");
        // Missing or wrong: refused and recorded.
        let before = denied_events(database.db(), "csrf").await;
        for body in ["title=x".to_owned(), format!("title=x&csrf_token={csrf}x")] {
            assert_eq!(post(body).send().await.unwrap().status(), 403);
        }
        assert_eq!(denied_events(database.db(), "csrf").await, before + 2);
        // A JSON body is not searched for a field: the header is needed.
        let r = c
            .post(format!("{base}/pages/form"))
            .header("cookie", &jar)
            .json(&json!({"csrf_token": csrf}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // A form too long to search is refused before any handler runs.
        let long = format!(
            "title={}&csrf_token={csrf}",
            "a".repeat(egov_auth::web::CSRF_FORM_LIMIT)
        );
        assert_eq!(post(long).send().await.unwrap().status(), 413);
        // The header still works for a form post, and wins over the field.
        let r = post("title=h&csrf_token=wrong".into())
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        app.audit.shutdown().await;
    })
    .await;
}

/// The `name=value` pairs of a response's `Set-Cookie` headers.
fn set_cookies(response: &reqwest::Response) -> Vec<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

/// A `Cookie` header of `pairs`, but for the one named `leave_out`.
fn cookie_header(pairs: &[(String, String)], leave_out: Option<&str>) -> String {
    pairs
        .iter()
        .filter(|(name, _)| Some(name.as_str()) != leave_out)
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A `Cookie` header of `pairs` without the access-token cookie, which the
/// browser drops once its `Max-Age` has passed.
fn without_access_cookie(pairs: &[(String, String)]) -> String {
    cookie_header(pairs, Some(egov_auth::web::ACCESS_COOKIE))
}

/// Sessions revoked because a refresh token was used twice.
async fn reuse_revocations(db: &Db) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'token_family_revoke' AND reason_code = 'refresh_reuse'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    n
}

/// A browser navigating to `path` with the `Cookie` header `cookies`.
async fn navigate(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    cookies: impl AsRef<str>,
) -> reqwest::Response {
    client
        .get(format!("{base}{path}"))
        .header("accept", PAGE)
        .header("cookie", cookies.as_ref())
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_request_resumes_its_session_from_the_refresh_cookie() {
    with_databases(async |database| {
        // No grace for concurrent tabs (see the next test): a copy of a used
        // refresh token is a reuse at once.
        let (app, c) = browser_app(database, 0).await;
        let base = &app.base;
        let r = cookie_login(&c, base).await;
        let login = set_cookies(&r);
        let body: Value = r.json().await.unwrap();
        let account = body["account_id"].as_str().unwrap().to_owned();
        let refresh_of = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .find(|(name, _)| name == egov_auth::web::REFRESH_COOKIE)
                .map(|(_, value)| value.clone())
                .unwrap()
        };
        // The access cookie has expired and is gone; the refresh cookie is not.
        let stale = without_access_cookie(&login);

        // A script's API call does not rotate anything: 401, no cookies.
        let r = c
            .get(format!("{base}/api/hello"))
            .header("cookie", &stale)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert!(set_cookies(&r).is_empty());

        // A page request resumes the session: served as the account, with new
        // access, refresh and CSRF cookies (the CSRF token is the session's).
        let r = navigate(&c, base, "/api/hello", &stale).await;
        assert_eq!(r.status(), 200);
        let resumed = set_cookies(&r);
        let names: Vec<&str> = resumed.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                egov_auth::web::ACCESS_COOKIE,
                egov_auth::web::REFRESH_COOKIE,
                egov_auth::web::CSRF_COOKIE
            ]
        );
        assert_ne!(refresh_of(&resumed), refresh_of(&login), "the refresh token was rotated");
        assert_eq!(resumed[2], login[2], "same session, same CSRF token");
        assert_eq!(r.json::<String>().await.unwrap(), account);
        // The audit trail has the request as the account's.
        let (by_account,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM egov_audit_events WHERE target_id = '/api/hello' AND outcome = 'success' AND principal_id = $1",
        )
        .bind(&account)
        .fetch_one(database.db().pool())
        .await
        .unwrap();
        assert_eq!(by_account, 1);
        // The new cookies work as they are: the access cookie authenticates.
        let r = c
            .get(format!("{base}/api/hello"))
            .header("cookie", cookie_header(&resumed, None))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(set_cookies(&r).is_empty(), "a working access cookie rotates nothing");
        // A garbage access cookie is as good as none on a page request.
        let garbage = format!(
            "{}=stale; {}",
            egov_auth::web::ACCESS_COOKIE,
            without_access_cookie(&resumed)
        );
        let r = navigate(&c, base, "/api/hello", garbage).await;
        assert_eq!(r.status(), 200);
        let latest = set_cookies(&r);

        // The first refresh token again — a copy in someone else's hands: the
        // session is revoked (RFC 9700), the browser sent to the login page
        // with its token cookies cleared…
        let r = navigate(&c, base, "/api/hello", &stale).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login?next=%2Fapi%2Fhello");
        let cleared = set_cookies(&r);
        assert_eq!(cleared.len(), 3, "{cleared:?}");
        assert!(cleared.iter().all(|(_, value)| value.is_empty()), "{cleared:?}");
        // …and the latest refresh token of that session no longer works either.
        let r = navigate(&c, base, "/api/hello", without_access_cookie(&latest)).await;
        assert_eq!(r.status(), 303);
        assert_eq!(reuse_revocations(database.db()).await, 1);
        app.audit.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_loading_together_all_resume_the_session() {
    with_databases(async |database| {
        let (app, c) = browser_app(database, 10).await;
        let base = &app.base;
        let login = set_cookies(&cookie_login(&c, base).await);
        let stale = without_access_cookie(&login);
        // Two tabs at once, both with the expired session's cookies: one
        // rotates the refresh token, the other gets an access cookie only.
        let (one, two) = tokio::join!(
            navigate(&c, base, "/api/hello", &stale),
            navigate(&c, base, "/api/hello", &stale)
        );
        assert_eq!((one.status().as_u16(), two.status().as_u16()), (200, 200));
        let mut counts = [set_cookies(&one), set_cookies(&two)].map(|cookies| {
            assert_eq!(cookies[0].0, egov_auth::web::ACCESS_COOKIE);
            cookies.len()
        });
        counts.sort_unstable();
        assert_eq!(counts, [1, 3]);
        let rotated = if set_cookies(&one).len() == 3 {
            set_cookies(&one)
        } else {
            set_cookies(&two)
        };
        // Nothing was revoked: the rotated refresh token renews the session again.
        let r = navigate(&c, base, "/api/hello", without_access_cookie(&rotated)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(set_cookies(&r).len(), 3);
        assert_eq!(reuse_revocations(database.db()).await, 0);
        app.audit.shutdown().await;
    })
    .await;
}

/// `jar` with the cookies `set` set or replaced (a value `""` removes one), as
/// a browser keeps them.
fn merged(jar: &[(String, String)], set: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = jar
        .iter()
        .filter(|(name, _)| !set.iter().any(|(n, _)| n == name))
        .cloned()
        .collect();
    out.extend(set.iter().filter(|(_, value)| !value.is_empty()).cloned());
    out
}

/// The value of cookie `name` in `pairs`.
fn cookie_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.as_str())
}

/// `pairs` with the access cookie replaced by a validly signed access token of
/// `account`'s session `sid` that expired a minute ago (issued 11 minutes ago):
/// what a browser holds when a citizen took longer than the access-token
/// lifetime over a form (a browser would have dropped it at its `Max-Age`; a
/// tab restored from disk may still send it).
fn with_expired_access_cookie(
    pairs: &[(String, String)],
    account: &str,
    sid: &str,
) -> Vec<(String, String)> {
    use egov_core::clock::Clock as _;
    let ring = egov_auth::keys::Keyring::from_settings(&settings()).unwrap();
    let issued = egov_core::clock::SystemClock.now() - Duration::from_secs(11 * 60);
    let (token, _) = ring.issue(account.parse().unwrap(), sid, issued).unwrap();
    let mut out = vec![(egov_auth::web::ACCESS_COOKIE.to_owned(), token)];
    out.extend(
        pairs
            .iter()
            .filter(|(name, _)| name != egov_auth::web::ACCESS_COOKIE)
            .cloned(),
    );
    out
}

/// A browser's form post of `fields` to `path` with the cookies `jar`.
async fn post_form(
    c: &reqwest::Client,
    base: &str,
    path: &str,
    jar: &[(String, String)],
    fields: &[(&str, &str)],
) -> reqwest::Response {
    c.post(format!("{base}{path}"))
        .header("accept", PAGE)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie_header(jar, None))
        .body(form(fields))
        .send()
        .await
        .unwrap()
}

/// `browser` logs in with cookies: the cookies, the CSRF token, the account
/// and session ids.
async fn browser_session(
    c: &reqwest::Client,
    base: &str,
) -> (Vec<(String, String)>, String, String, String) {
    let r = cookie_login(c, base).await;
    assert_eq!(r.status(), 200);
    let jar = set_cookies(&r);
    let body: Value = r.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let account = body["account_id"].as_str().unwrap().to_owned();
    let me: Value = with_cookies(c, format!("{base}/auth/me"), &cookie_header(&jar, None))
        .await
        .json()
        .await
        .unwrap();
    let sid = me["session_id"].as_str().unwrap().to_owned();
    (jar, csrf, account, sid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_after_the_access_cookie_expired_renews_the_session() {
    with_databases(async |database| {
        let (app, c) = browser_app(database, 10).await;
        let base = &app.base;
        let db = database.db();
        let (login, csrf, account, sid) = browser_session(&c, base).await;
        let expired = with_expired_access_cookie(&login, &account, &sid);
        let refresh = egov_auth::web::REFRESH_COOKIE;

        // The form, with the CSRF token the page rendered at login: served as
        // the account, the typed text reaches the handler, and the renewed
        // session's cookies are set (same session, so the same CSRF token).
        let r = post_form(&c, base, "/pages/form", &expired, &[("title", "민원 1"), ("csrf_token", &csrf)]).await;
        assert_eq!(r.status(), 200);
        let renewed = set_cookies(&r);
        let names: Vec<&str> = renewed.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [egov_auth::web::ACCESS_COOKIE, refresh, egov_auth::web::CSRF_COOKIE]
        );
        assert_ne!(cookie_value(&renewed, refresh), cookie_value(&login, refresh));
        assert_eq!(
            cookie_value(&renewed, egov_auth::web::CSRF_COOKIE),
            Some(csrf.as_str()),
            "the CSRF token survives the rotation"
        );
        assert_eq!(r.text().await.unwrap(), "민원 1");
        let (by_account,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM egov_audit_events WHERE target_id = '/pages/form' AND outcome = 'success' AND principal_id = $1",
        )
        .bind(&account)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(by_account, 1);
        let jar = merged(&login, &renewed);
        let r = with_cookies(&c, format!("{base}/api/hello"), &cookie_header(&jar, None)).await;
        assert_eq!(r.status(), 200, "the new access cookie works");

        // Missing or wrong CSRF token: 403, recorded, and nothing rotated —
        // the refresh cookie still renews the session afterwards.
        let expired = with_expired_access_cookie(&jar, &account, &sid);
        let before = denied_events(db, "csrf").await;
        let wrong = format!("{csrf}x");
        for fields in [&[("title", "x")][..], &[("title", "x"), ("csrf_token", &wrong)]] {
            let r = post_form(&c, base, "/pages/form", &expired, fields).await;
            assert_eq!(r.status(), 403, "{fields:?}");
            assert!(set_cookies(&r).is_empty(), "{fields:?}");
        }
        assert_eq!(denied_events(db, "csrf").await, before + 2);
        // A multipart form is not searched for the field: without the header
        // it is refused the same way; with it, renewed.
        let multipart = |csrf_header: Option<&str>| {
            let mut request = c
                .post(format!("{base}/pages/upload"))
                .header("accept", PAGE)
                .header("content-type", "multipart/form-data; boundary=XyZ")
                .header("cookie", cookie_header(&expired, None))
                .body(format!(
                    "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n--XyZ--\r\n"
                ));
            if let Some(token) = csrf_header {
                request = request.header("x-csrf-token", token);
            }
            request.send()
        };
        assert_eq!(multipart(None).await.unwrap().status(), 403);
        let r = multipart(Some(&csrf)).await.unwrap();
        assert_eq!(r.status(), 200);
        let set = set_cookies(&r);
        assert_eq!(set.len(), 3);
        assert_eq!(r.text().await.unwrap(), account);
        let jar = merged(&jar, &set);

        // Not form posts of a page: a script's JSON post, or a form body
        // posted by a script that does not ask for HTML, is not renewed even
        // with the right token — 401, no cookies (unchanged).
        let expired = with_expired_access_cookie(&jar, &account, &sid);
        let r = c
            .post(format!("{base}/pages/form"))
            .header("accept", PAGE)
            .header("cookie", cookie_header(&expired, None))
            .header("x-csrf-token", &csrf)
            .json(&json!({"title": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert!(set_cookies(&r).is_empty());
        let r = c
            .post(format!("{base}/pages/form"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie_header(&expired, None))
            .body(form(&[("title", "x"), ("csrf_token", &csrf)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert!(set_cookies(&r).is_empty());
        assert_eq!(reuse_revocations(db).await, 0);

        // A refresh cookie that no longer works (the session was logged out
        // elsewhere): anonymous — the policy's 401, not a redirect, for a
        // post — and the token cookies cleared.
        let r = c
            .post(format!("{base}/auth/logout"))
            .header("cookie", cookie_header(&jar, None))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let r = post_form(&c, base, "/pages/form", &expired, &[("title", "x"), ("csrf_token", &csrf)]).await;
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let cleared = set_cookies(&r);
        assert_eq!(cleared.len(), 3, "{cleared:?}");
        assert!(cleared.iter().all(|(_, value)| value.is_empty()), "{cleared:?}");
        app.audit.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_shows_when_the_session_ends_and_extends_it() {
    use egov_core::clock::Clock as _;
    with_databases(async |database| {
        let (app, c) = browser_app(database, 10).await;
        let base = &app.base;
        let db = database.db();
        let extend = egov_auth::web::EXTEND_SESSION_PATH;
        let refresh = egov_auth::web::REFRESH_COOKIE;
        let idle = i64::try_from(settings().refresh_idle_secs).unwrap();
        let now = || egov_core::clock::SystemClock.now().unix_timestamp();
        let before_login = now();
        let (mut jar, csrf, account, sid) = browser_session(&c, base).await;
        let session_end = async |jar: &[(String, String)]| -> i64 {
            let r = navigate(&c, base, "/pages/session", cookie_header(jar, None)).await;
            assert_eq!(r.status(), 200);
            r.json::<Option<i64>>().await.unwrap().expect("a session end")
        };
        // After login: the refresh token's idle end, refresh_idle_secs from login.
        let first = session_end(&jar).await;
        // The page sees the same: who is logged in, the session's CSRF token, the end.
        let r = navigate(&c, base, "/pages/who", cookie_header(&jar, None)).await;
        let who: Value = r.json().await.unwrap();
        assert_eq!(who["login_id"], "browser", "{who}");
        assert!(!who["display_name"].as_str().unwrap().is_empty());
        assert_eq!(who["csrf_token"], csrf.as_str());
        assert_eq!(who["expires_at"], first);
        assert!(
            (before_login + idle..=now() + idle).contains(&first),
            "{first} is not {idle} s after login ({before_login})"
        );
        // Later, the extend button: the refresh token is rotated now, the new
        // cookies set, and the browser sent back to the page (`next`).
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let r = post_form(&c, base, extend, &jar, &[("next", "/pages/form?step=2"), ("csrf_token", &csrf)]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/pages/form?step=2");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let set = set_cookies(&r);
        assert_eq!(set.len(), 3, "{set:?}");
        assert_ne!(cookie_value(&set, refresh), cookie_value(&jar, refresh));
        jar = merged(&jar, &set);
        let second = session_end(&jar).await;
        assert!(second > first, "the end moved forward: {first} → {second}");
        assert!(second <= now() + idle);
        // Audited like a refresh: the request, as the account.
        let (recorded,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM egov_audit_events WHERE target_id = $1 AND outcome = 'success' AND principal_id = $2",
        )
        .bind(extend)
        .bind(&account)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(recorded, 1);

        // `next` must be a path of this site; anything else goes to `/`.
        for foreign in ["//evil.example", "https://evil.example", "/\\evil.example", "evil"] {
            let r = post_form(&c, base, extend, &jar, &[("next", foreign), ("csrf_token", &csrf)]).await;
            assert_eq!(r.status(), 303, "{foreign}");
            assert_eq!(r.headers()["location"], "/", "{foreign}");
            jar = merged(&jar, &set_cookies(&r));
        }
        let r = post_form(&c, base, extend, &jar, &[("csrf_token", &csrf)]).await;
        assert_eq!(r.headers()["location"], "/");
        jar = merged(&jar, &set_cookies(&r));

        // Without the CSRF token (or with a wrong one): 403, nothing rotated.
        let before = denied_events(db, "csrf").await;
        let wrong = format!("{csrf}x");
        for fields in [&[("next", "/")][..], &[("next", "/"), ("csrf_token", &wrong)]] {
            let r = post_form(&c, base, extend, &jar, fields).await;
            assert_eq!(r.status(), 403, "{fields:?}");
            assert!(set_cookies(&r).is_empty());
        }
        assert_eq!(denied_events(db, "csrf").await, before + 2);

        // With the access cookie expired, the middleware's renewal is the
        // extension: one rotation, one set of cookies, and the session lives on.
        let expired = with_expired_access_cookie(&jar, &account, &sid);
        let r = post_form(&c, base, extend, &expired, &[("next", "/pages/session"), ("csrf_token", &csrf)]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/pages/session");
        let set = set_cookies(&r);
        assert_eq!(set.len(), 3, "{set:?}");
        jar = merged(&jar, &set);
        assert!(session_end(&jar).await >= second);
        // A double click: both posts carry the same refresh cookie; the
        // second gets an access cookie, the session is not revoked.
        let token = [("csrf_token", csrf.as_str())];
        let (one, two) = tokio::join!(
            post_form(&c, base, extend, &jar, &token),
            post_form(&c, base, extend, &jar, &token)
        );
        assert_eq!((one.status().as_u16(), two.status().as_u16()), (303, 303));
        let (one, two) = (set_cookies(&one), set_cookies(&two));
        let mut counts = [one.len(), two.len()];
        counts.sort_unstable();
        assert_eq!(counts, [1, 3]);
        jar = merged(&jar, if one.len() == 3 { &one } else { &two });
        assert!(session_end(&jar).await >= second);
        let r = navigate(&c, base, "/api/hello", without_access_cookie(&jar)).await;
        assert_eq!(r.status(), 200, "the rotated refresh cookie still renews");
        assert_eq!(reuse_revocations(db).await, 0);

        // Anonymous: the policy's 401.
        let r = post_form(&c, base, extend, &[], &[("next", "/")]).await;
        assert_eq!(r.status(), 401);
        app.audit.shutdown().await;
    })
    .await;
}

/// Imports `login_id` from an eGovFrame dump with eGovFrame's hash of `password`,
/// as an agency's migration does.
async fn import_from_egovframe(auth: &Auth, login_id: &str, password: &str) {
    let hash = egov_auth::password::egov_sha256(login_id, password);
    let mut import = egov_auth::import::EgovImport::default();
    import
        .add_csv(
            "COMTNEMPLYRINFO",
            &format!(
                "EMPLYR_ID,USER_NM,PASSWORD,EMPLYR_STTUS_CODE,ESNTL_ID\n\
                 {login_id},관리자,{hash},P,USRCNFRM_{login_id}\n"
            ),
        )
        .unwrap();
    auth.import_egov(&Actor::system("test"), &import)
        .await
        .unwrap();
}

/// eGovFrame's default password, which its seed data gives every sample account.
const EGOVFRAME_DEFAULT: &str = "rhdxhd12";
const PASSWORD_CHANGE_REQUIRED: &str = "urn:egov:problem:password-change-required";

/// `method url` as the bearer of `token`.
async fn as_bearer(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    lang: &str,
) -> reqwest::Response {
    let request = c.request(method, url).bearer_auth(token);
    request
        .header("accept-language", lang)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egovframes_default_password_logs_in_restricted_until_it_is_changed() {
    use reqwest::Method;
    with_databases(async |database| {
        let db = database.db().clone();
        let app = start(db.clone(), settings()).await;
        let base = &app.base;
        let c = reqwest::Client::new();
        let get = async |path: &str, token: &str| {
            as_bearer(&c, Method::GET, format!("{base}{path}"), token, "en").await
        };
        import_from_egovframe(&app.auth, "webmaster", EGOVFRAME_DEFAULT).await;
        create_admin(&app.auth, "admin", &[]).await;

        // The login succeeds (and upgrades the eGovFrame hash), restricted.
        let r = attempt(&c, base, "webmaster", EGOVFRAME_DEFAULT).await;
        assert_eq!(r.status(), 200);
        let session: Value = r.json().await.unwrap();
        assert_eq!(session["password_change_required"], true, "{session}");
        let access = session["access_token"].as_str().unwrap().to_owned();
        let (restricted_logins,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'login' AND outcome = 'success' AND reason_code = 'password_change_required'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(restricted_logins, 1);

        // Every other route — protected, public, unknown — answers 403 with the
        // problem, in the caller's language.
        let requests = [
            (Method::GET, "/api/hello", "en"),
            (Method::POST, "/api/codes", "en"),
            (Method::POST, "/auth/logout-others", "en"),
            (Method::POST, "/auth/mfa/totp", "en"),
            (Method::GET, "/auth/admin/accounts", "en"),
            (Method::GET, "/.well-known/jwks.json", "en"),
            (Method::GET, "/no/such/route", "en"),
            (Method::GET, "/api/hello", "ko"),
        ];
        for (method, path, lang) in &requests {
            let r = as_bearer(&c, method.clone(), format!("{base}{path}"), &access, lang).await;
            assert_eq!(r.status(), 403, "{method} {path}");
            assert_eq!(r.headers()["content-type"], "application/problem+json");
            let problem: Value = r.json().await.unwrap();
            assert_eq!(problem["type"], PASSWORD_CHANGE_REQUIRED, "{method} {path}: {problem}");
            let (title, detail) = match *lang {
                "ko" => ("비밀번호를 변경해야 합니다", "비밀번호를 변경해 주십시오"),
                _ => ("Password change required", "Change your password"),
            };
            assert_eq!(problem["title"], title);
            assert!(problem["detail"].as_str().unwrap().contains(detail), "{problem}");
        }
        // Each refusal is recorded.
        let refused = i64::try_from(requests.len()).unwrap();
        assert_eq!(denied_events(&db, "password_change_required").await, refused);

        // /auth/me works and says so; so does an administrator's view of the account.
        let r = get("/auth/me", &access).await;
        assert_eq!(r.status(), 200);
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["password_change_required"], true);
        assert_eq!(me["account"]["login_id"], "webmaster");
        let admin = login(&c, base, "admin").await;
        let id = me["account"]["id"].as_str().unwrap();
        let r = get(&format!("/auth/admin/accounts/{id}"), admin["access_token"].as_str().unwrap()).await;
        assert_eq!(r.json::<Value>().await.unwrap()["password_change_required"], true);

        // Refreshing keeps the restriction: the new access token is refused too.
        let r = c
            .post(format!("{base}/auth/refresh"))
            .json(&json!({"refresh_token": session["refresh_token"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let refreshed: Value = r.json().await.unwrap();
        assert_eq!(refreshed["password_change_required"], true);
        let access = refreshed["access_token"].as_str().unwrap().to_owned();
        assert_eq!(get("/api/hello", &access).await.status(), 403);

        // Logging out is allowed.
        let other: Value = attempt(&c, base, "webmaster", EGOVFRAME_DEFAULT).await.json().await.unwrap();
        let url = format!("{base}/auth/logout");
        let r = as_bearer(&c, Method::POST, url, other["access_token"].as_str().unwrap(), "en").await;
        assert_eq!(r.status(), 204);

        // The new password must pass the policy itself.
        let change = |new: &str| {
            c.put(format!("{base}/auth/password"))
                .bearer_auth(&access)
                .json(&json!({"current_password": EGOVFRAME_DEFAULT, "new_password": new}))
                .send()
        };
        for weak in ["rhdxhd12!", "rhdxhd12rhdxhd12"] {
            assert_eq!(change(weak).await.unwrap().status(), 422, "{weak}");
        }
        assert_eq!(change(PASSWORD).await.unwrap().status(), 204);
        // Every session ended; the next login is unrestricted.
        assert_eq!(get("/auth/me", &access).await.status(), 401);
        let fresh = login(&c, base, "webmaster").await;
        assert_eq!(fresh["password_change_required"], false);
        let access = fresh["access_token"].as_str().unwrap();
        assert_eq!(get("/api/hello", access).await.status(), 200);
        let me: Value = get("/auth/me", access).await.json().await.unwrap();
        assert_eq!(me["password_change_required"], false);

        // An eGovFrame account whose password passes the policy is not restricted.
        import_from_egovframe(&app.auth, "hong", "a long and unusual passphrase").await;
        let r = attempt(&c, base, "hong", "a long and unusual passphrase").await;
        assert_eq!(r.status(), 200);
        let session: Value = r.json().await.unwrap();
        assert_eq!(session["password_change_required"], false);
        let r = get("/api/hello", session["access_token"].as_str().unwrap()).await;
        assert_eq!(r.status(), 200);
        app.audit.shutdown().await;
    })
    .await;
}

/// A form body of `fields`.
fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// A script's call to `url` with the `Cookie` header `cookies` (no `text/html`).
async fn with_cookies(c: &reqwest::Client, url: String, cookies: &str) -> reqwest::Response {
    c.get(url).header("cookie", cookies).send().await.unwrap()
}

/// A browser in `lang` navigating to `url`, or posting `fields` to it.
fn browser_in(
    c: &reqwest::Client,
    url: String,
    cookies: &str,
    lang: &str,
    fields: Option<&[(&str, &str)]>,
) -> reqwest::RequestBuilder {
    let request = match fields {
        None => c.get(url),
        Some(fields) => c
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(fields)),
    };
    let request = request
        .header("accept", PAGE)
        .header("accept-language", lang);
    request.header("cookie", cookies)
}

/// Whether `response` is HTML.
fn is_html(response: &reqwest::Response) -> bool {
    let media = response.headers()["content-type"].to_str().unwrap();
    media.starts_with("text/html")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restricted_page_session_is_sent_to_the_change_password_page_and_changes_it_there() {
    with_databases(async |database| {
        let (app, c) = browser_app(database, 10).await;
        let base = &app.base;
        let page = format!("{base}/auth/change-password");
        import_from_egovframe(&app.auth, "webmaster", EGOVFRAME_DEFAULT).await;
        let credentials =
            json!({"login_id": "webmaster", "password": EGOVFRAME_DEFAULT, "cookie": true});
        let r = c
            .post(format!("{base}/auth/login"))
            .json(&credentials)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let login_cookies = set_cookies(&r);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["password_change_required"], true);
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        let jar = cookie_header(&login_cookies, None);

        // A page is not shown: the browser goes to the change-password page.
        let r = navigate(&c, base, "/pages/admin?tab=a", &jar).await;
        assert_eq!(r.status(), 303);
        let wanted = "/auth/change-password?next=%2Fpages%2Fadmin%3Ftab%3Da";
        assert_eq!(r.headers()["location"], wanted);
        // A script's API call gets the problem, not a redirect.
        let r = with_cookies(&c, format!("{base}/api/hello"), &jar).await;
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.json::<Value>().await.unwrap()["type"],
            PASSWORD_CHANGE_REQUIRED
        );
        // A session resumed from the refresh cookie is sent there too, with its
        // renewed cookies.
        let r = navigate(
            &c,
            base,
            "/api/hello",
            without_access_cookie(&login_cookies),
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            "/auth/change-password?next=%2Fapi%2Fhello"
        );
        let renewed = set_cookies(&r);
        assert_eq!(renewed.len(), 3, "{renewed:?}");
        let jar = cookie_header(&renewed, None);

        // The page: the caller's language, labelled fields, the session's CSRF token.
        let r = browser_in(&c, format!("{base}{wanted}"), &jar, "en", None)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(is_html(&r));
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("form-action 'self'"), "{csp}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        for part in [
            "<html lang=\"en\">",
            "<h1>Change your password</h1>",
            "Your password is a known default or breached password",
            "<label for=\"current_password\">Current password</label>",
            "<label for=\"new_password\">New password</label>",
            "<label for=\"confirm_password\">New password again</label>",
            "aria-describedby=\"new_password-hint\"",
            &format!("name=\"csrf_token\" value=\"{csrf}\""),
            "name=\"next\" value=\"/pages/admin?tab=a\"",
        ] {
            assert!(html.contains(part), "{part} not in\n{html}");
        }
        let r = browser_in(&c, page.clone(), &jar, "ko", None)
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        assert!(
            html.contains("<html lang=\"ko\">") && html.contains("<h1>비밀번호 변경</h1>"),
            "{html}"
        );

        let post = async |fields: &[(&str, &str)]| {
            browser_in(&c, page.clone(), &jar, "en", Some(fields))
                .send()
                .await
                .unwrap()
        };
        let good = "correct horse battery staple";
        // Without the session's CSRF token: refused before the handler.
        let r = post(&[
            ("current_password", EGOVFRAME_DEFAULT),
            ("new_password", good),
            ("confirm_password", good),
        ])
        .await;
        assert_eq!(r.status(), 403);
        // Refused changes show the form again, as HTML, with their errors.
        for (current, new, confirm, expected) in [
            (
                EGOVFRAME_DEFAULT,
                good,
                "correct horse battery stable",
                "The two new passwords are not the same.",
            ),
            (
                "wrong password",
                good,
                good,
                "The current password is incorrect.",
            ),
            (
                EGOVFRAME_DEFAULT,
                "rhdxhd12!",
                "rhdxhd12!",
                "Use at least 15 characters.",
            ),
        ] {
            let r = post(&[
                ("csrf_token", &csrf),
                ("next", "/pages/admin?tab=a"),
                ("current_password", current),
                ("new_password", new),
                ("confirm_password", confirm),
            ])
            .await;
            assert_eq!(r.status(), 422, "{expected}");
            assert!(is_html(&r));
            let html = r.text().await.unwrap();
            assert!(
                html.contains("role=\"alert\"") && html.contains(expected),
                "{expected} not in\n{html}"
            );
            assert!(html.contains("aria-invalid=\"true\""), "{html}");
        }
        // A good one: a new, unrestricted session, and on to the page wanted.
        let r = post(&[
            ("csrf_token", &csrf),
            ("next", "/pages/admin?tab=a"),
            ("current_password", EGOVFRAME_DEFAULT),
            ("new_password", good),
            ("confirm_password", good),
        ])
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/pages/admin?tab=a");
        let changed = cookie_header(&set_cookies(&r), None);
        assert_eq!(changed.matches("__Host-egov-").count(), 3, "{changed}");
        assert_eq!(
            navigate(&c, base, "/api/hello", &changed).await.status(),
            200
        );
        let me: Value = with_cookies(&c, format!("{base}/auth/me"), &changed)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["password_change_required"], false);
        // The restricted session ended with the change.
        let r = navigate(&c, base, "/api/hello", &jar).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login?next=%2Fapi%2Fhello");
        app.audit.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_password_page_logs_out_and_is_for_logged_in_browsers_only() {
    with_databases(async |database| {
        let (app, c) = browser_app(database, 10).await;
        let base = &app.base;
        // Anonymous: the login page first, then back here.
        let r = navigate(&c, base, "/auth/change-password", "").await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            "/login?next=%2Fauth%2Fchange-password"
        );
        // An unrestricted session may use the page too; it does not say "required".
        let r = cookie_login(&c, base).await;
        let jar = cookie_header(&set_cookies(&r), None);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["password_change_required"], false);
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        let r = navigate(
            &c,
            base,
            "/auth/change-password?next=%2F%2Fevil.example",
            &jar,
        )
        .await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(!html.contains("breached"), "{html}");
        assert!(
            html.contains("name=\"next\" value=\"/\""),
            "another site is no target: {html}"
        );
        // Its logout button ends the session.
        let logout: &[(&str, &str)] = &[("csrf_token", &csrf), ("action", "logout")];
        let url = format!("{base}/auth/change-password");
        let r = browser_in(&c, url, &jar, "ko", Some(logout))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/");
        assert!(set_cookies(&r).iter().all(|(_, value)| value.is_empty()));
        let r = with_cookies(&c, format!("{base}/api/hello"), &jar).await;
        assert_eq!(r.status(), 401);
        app.audit.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_locks_and_revocations() {
    with_databases(async |database| {
        // Three failures disable the password until an administrator unlocks it.
        let lock_fast = || AuthSettings {
            free_failures: 5,
            lock_after_failures: 3,
            disable_after_failures: 3,
            ..settings()
        };
        let a = start(database.db().clone(), lock_fast()).await;
        let second_pool = Db::connect_url(database.url()).await.unwrap();
        let b = start(second_pool, lock_fast()).await;
        create(&a.auth, "shared", &[]).await;
        // An administrator (for the unlock through B below).
        create_admin(&a.auth, "operator", &[]).await;
        let c = reqwest::Client::new();

        // A revocation made through A is enforced by B.
        let session = login(&c, &b.base, "shared").await;
        let token = session["access_token"].as_str().unwrap().to_owned();
        let r = c
            .get(format!("{}/api/hello", b.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = c
            .post(format!("{}/auth/logout", a.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let mut refused = false;
        for _ in 0..50 {
            let r = c
                .get(format!("{}/api/hello", b.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if r.status() == 401 {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(refused, "B kept accepting a token revoked through A");
        let r = c
            .post(format!("{}/auth/refresh", b.base))
            .json(&json!({"refresh_token": session["refresh_token"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // A lock made through A (by failures: the password disabled) is
        // enforced by B; an unlock through B is honoured by A.
        let shared = a.auth.account_by_login_id("shared").await.unwrap();
        for _ in 0..3 {
            let r = c
                .post(format!("{}/auth/login", a.base))
                .json(&json!({"login_id": "shared", "password": "wrong password guess"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
        }
        let seen_by_b = b.auth.account(shared.id).await.unwrap();
        assert_eq!(seen_by_b.status, egov_auth::AccountStatus::Locked);
        assert_eq!(seen_by_b.failed_count, 3);
        for instance in [&b, &a] {
            let r = c
                .post(format!("{}/auth/login", instance.base))
                .json(&json!({"login_id": "shared", "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "the locked account logged in");
        }
        let operator = login(&c, &b.base, "operator").await;
        let unlocked: Value = c
            .post(format!(
                "{}/auth/admin/accounts/{}/unlock",
                b.base, shared.id
            ))
            .bearer_auth(operator["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(unlocked["status"], "active", "{unlocked}");
        let session = login(&c, &a.base, "shared").await;
        assert!(session["access_token"].is_string());
        assert_eq!(a.auth.account(shared.id).await.unwrap().failed_count, 0);
        a.audit.shutdown().await;
        b.audit.shutdown().await;
    })
    .await;
}

async fn events(db: &Db) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT action, outcome, reason_code FROM egov_audit_events ORDER BY seq")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_login_is_one_audit_event() {
    with_databases(async |database| {
        let db = database.db().clone();
        let app = start(db.clone(), settings()).await;
        create(&app.auth, "single", &[]).await;
        let c = reqwest::Client::new();
        let base = &app.base;
        let attempts: [(Value, &str); 3] = [
            (
                json!({"login_id": "single", "password": "wrong password guess"}),
                "bad_password",
            ),
            (
                json!({"login_id": "nobody", "password": "wrong password guess"}),
                "unknown_account",
            ),
            (json!({"login_id": "single"}), "malformed_request"),
        ];
        for (body, reason) in attempts {
            let before = events(&db).await.len();
            let r = c
                .post(format!("{base}/auth/login"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_client_error(), "{body}");
            let after = events(&db).await;
            let new = &after[before..];
            assert_eq!(
                new,
                [(
                    "login_failed".to_string(),
                    "failure".to_string(),
                    Some(reason.to_string())
                )],
                "one attempt, one event: {new:?}"
            );
        }
        // A successful login is one event too.
        let before = events(&db).await.len();
        let session = login(&c, base, "single").await;
        let after = events(&db).await;
        assert_eq!(after.len(), before + 1, "{:?}", &after[before..]);
        assert_eq!(after[before].0, "login");
        // Other routes keep the request layer: a denied request is still recorded.
        let before = events(&db).await.len();
        let r = c.get(format!("{base}/auth/me")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let after = events(&db).await;
        assert_eq!(after.len(), before + 1);
        assert_eq!(after[before].0, "permission_denied");
        assert_eq!(after[before].1, "denied");
        let r = c
            .post(format!("{base}/auth/refresh"))
            .json(&json!({"refresh_token": "unknown"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(events(&db).await.last().unwrap().0, "permission_denied");
        // A bad bearer token on the login route is still refused and recorded.
        let r = c
            .post(format!("{base}/auth/login"))
            .bearer_auth("garbage")
            .json(&json!({"login_id": "single", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            events(&db).await.last().unwrap().2.as_deref(),
            Some("invalid_token")
        );
        drop(session);
        app.audit.shutdown().await;
    })
    .await;
}

/// The current TOTP code of `secret` (base32), at `offset` steps from now.
fn totp_code(secret: &str, offset: i64) -> String {
    let secret = egov_auth::totp::base32_decode(secret).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    egov_auth::totp::code(&secret, egov_auth::totp::step_at(now) + offset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_off_and_recovery_codes_over_http() {
    with_databases(async |database| {
        let db = database.db().clone();
        let app = start(db.clone(), settings()).await;
        create(&app.auth, "mfa", &[]).await;
        let c = reqwest::Client::new();
        let base = &app.base;
        let first = login(&c, base, "mfa").await;
        let token = first["access_token"].as_str().unwrap().to_owned();

        // Without MFA both endpoints answer 409; anonymous callers 401.
        let r = c
            .post(format!("{base}/auth/mfa/recovery-codes"))
            .bearer_auth(&token)
            .json(&json!({"code": "123456"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        for r in [
            c.delete(format!("{base}/auth/mfa/totp"))
                .json(&json!({"current_password": PASSWORD, "code": "123456"})),
            c.post(format!("{base}/auth/mfa/recovery-codes"))
                .json(&json!({"code": "123456"})),
        ] {
            assert_eq!(r.send().await.unwrap().status(), 401);
        }

        // Enrol with this step's code; the next step's code (within the ±1 window)
        // is then still unused for the recovery codes below.
        let enrolment: Value = c
            .post(format!("{base}/auth/mfa/totp"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let secret = enrolment["secret"].as_str().unwrap().to_owned();
        let confirmed: Value = c
            .post(format!("{base}/auth/mfa/totp/confirm"))
            .bearer_auth(&token)
            .json(&json!({"code": totp_code(&secret, 0)}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let old_codes: Vec<String> =
            serde_json::from_value(confirmed["recovery_codes"].clone()).unwrap();
        assert_eq!(old_codes.len(), 10);

        // New recovery codes: a wrong code is a 422; a TOTP code gives 10 new ones.
        let r = c
            .post(format!("{base}/auth/mfa/recovery-codes"))
            .bearer_auth(&token)
            .json(&json!({"code": old_codes[0]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = c
            .post(format!("{base}/auth/mfa/recovery-codes"))
            .bearer_auth(&token)
            .json(&json!({"code": totp_code(&secret, 1)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let body: Value = r.json().await.unwrap();
        let new_codes: Vec<String> =
            serde_json::from_value(body["recovery_codes"].clone()).unwrap();
        assert_eq!(new_codes.len(), 10);
        assert!(new_codes.iter().all(|code| !old_codes.contains(code)));
        let r = c
            .post(format!("{base}/auth/login"))
            .json(&json!({"login_id": "mfa", "password": PASSWORD, "otp": old_codes[1]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "old recovery codes no longer work");
        let other: Value = c
            .post(format!("{base}/auth/login"))
            .json(&json!({"login_id": "mfa", "password": PASSWORD, "otp": new_codes[0]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let other_token = other["access_token"].as_str().unwrap();

        // Turning MFA off: wrong password, wrong code → 422; then with a recovery code.
        for (password, code, field) in [
            (
                "wrong password guess",
                new_codes[1].as_str(),
                "wrong-password",
            ),
            (PASSWORD, "000000", "totp-code"),
        ] {
            let r = c
                .delete(format!("{base}/auth/mfa/totp"))
                .bearer_auth(&token)
                .json(&json!({"current_password": password, "code": code}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422);
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["errors"][0]["code"], field, "{body}");
        }
        let r = c
            .delete(format!("{base}/auth/mfa/totp"))
            .bearer_auth(&token)
            .json(&json!({"current_password": PASSWORD, "code": new_codes[1]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["revoked"], 1);
        let me: Value = c
            .get(format!("{base}/auth/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["account"]["mfa_enabled"], false);
        let r = c
            .get(format!("{base}/auth/me"))
            .bearer_auth(other_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "the other session ended");
        login(&c, base, "mfa").await;

        let count = |action: &'static str, outcome: &'static str| {
            let db = db.clone();
            async move {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM egov_audit_events WHERE action = $1 AND outcome = $2",
                )
                .bind(action)
                .bind(outcome)
                .fetch_one(db.pool())
                .await
                .unwrap();
                n
            }
        };
        assert_eq!(count("mfa_recovery_codes", "success").await, 1);
        assert_eq!(count("mfa_recovery_codes", "failure").await, 1);
        assert_eq!(count("mfa_disable", "success").await, 1);
        assert_eq!(count("mfa_disable", "failure").await, 2);
        app.audit.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disable_through_one_instance_is_enforced_by_another_on_postgres() {
    let Some(database) = TestDatabase::new(Backend::Postgres).await.unwrap() else {
        eprintln!("skipped: set EGOV_TEST_POSTGRES_URL");
        return;
    };
    migrate(database.db()).await;
    // Notifications make it near-immediate; the documented bound is one poll
    // interval (`change_poll_ms`), and at most 30 s. B polls only every 2 s
    // here, and the test allows the 30 s bound.
    let a = start(database.db().clone(), settings()).await;
    let b_pool = Db::connect_url(database.url()).await.unwrap();
    let b = start(
        b_pool,
        AuthSettings {
            change_poll_ms: 2000,
            ..AuthSettings::default()
        },
    )
    .await;
    create_admin(&a.auth, "admin", &[]).await;
    create(&a.auth, "leaver", &[]).await;
    let c = reqwest::Client::new();
    let admin = login(&c, &a.base, "admin").await;
    let session = login(&c, &b.base, "leaver").await;
    let token = session["access_token"].as_str().unwrap().to_owned();
    let me: Value = c
        .get(format!("{}/auth/me", b.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = me["account"]["id"].as_str().unwrap().to_owned();

    let r = c
        .put(format!("{}/auth/admin/accounts/{id}/status", a.base))
        .bearer_auth(admin["access_token"].as_str().unwrap())
        .json(&json!({"status": "disabled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "disabled");
    let mut refused = false;
    for _ in 0..300 {
        let r = c
            .get(format!("{}/api/hello", b.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if r.status() == 401 {
            assert_eq!(
                r.headers()["www-authenticate"],
                "Bearer error=\"invalid_token\""
            );
            refused = true;
            break;
        }
        assert_eq!(r.status(), 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        refused,
        "B accepted a disabled account's token past the 30 s bound"
    );
    // Its refresh token and its password are refused by B as well.
    let r = c
        .post(format!("{}/auth/refresh", b.base))
        .json(&json!({"refresh_token": session["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(format!("{}/auth/login", b.base))
        .json(&json!({"login_id": "leaver", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    a.audit.shutdown().await;
    b.audit.shutdown().await;
    database.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_table_lists_every_route_with_its_policy() {
    let dir = std::env::temp_dir().join(format!("egov-web-auth-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect_url(&format!("sqlite://{}/t.db", dir.display()))
        .await
        .unwrap();
    migrate(&db).await;
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let auth = Auth::new(db, settings(), cipher(), audit.clone())
        .await
        .unwrap();
    let app = app(&auth, &audit);
    let table = app.policy_table();
    for line in [
        "POST\t/auth/login\tpublic",
        "GET\t/auth/me\tauthenticated",
        "GET\t/.well-known/jwks.json\tpublic",
        "POST\t/api/codes\tpermission:codes:write",
        "GET,POST\t/auth/admin/accounts\tpermission:auth:admin",
        "*\t/auth/change-password\tauthenticated",
        "POST\t/auth/session/extend\tauthenticated",
    ] {
        assert!(table.contains(line), "{line} missing from\n{table}");
    }
    // Every route has a policy: the table covers the whole OpenAPI document.
    let openapi = serde_json::to_value(app.openapi()).unwrap();
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for (_, op) in item.as_object().unwrap() {
            assert!(
                op.get(egov_web::POLICY_EXTENSION).is_some(),
                "{path} has no policy"
            );
        }
        assert!(
            table.contains(&format!("\t{path}\t")),
            "{path} not in the table"
        );
    }
    let json = app.policy_table_json();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|r| r["policy"].is_string())
    );
    audit.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A cookie-mode service with pages: the session-ended page keeps a form's values.
async fn start_with_pages(db: Db) -> Instance {
    let settings = AuthSettings {
        cookie_mode: true,
        ..settings()
    };
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let auth = Auth::new(db, settings, cipher(), audit.clone())
        .await
        .unwrap();
    let app = app(&auth, &audit).pages(egov_pages::Pages::builder(
        egov_pages::PagesSettings::default(),
    ));
    let server = TestServer::start(app).await;
    Instance {
        base: server.base.clone(),
        auth,
        audit,
        _server: server,
    }
}

/// The `value` of the hidden input `name` in `html`.
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&#x2f;", "/")
            .replace("&amp;", "&"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_after_the_session_ended_keeps_its_values_through_a_new_login() {
    with_databases(async |database| {
        let app = start_with_pages(database.db().clone()).await;
        create(&app.auth, "browser", &[]).await;
        let c = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = &app.base;
        let (jar, csrf, _, _) = browser_session(&c, base).await;
        // The session ends (logged out elsewhere) while the citizen types.
        let r = post_form(&c, base, "/auth/logout", &jar, &[("csrf_token", &csrf)]).await;
        assert!(
            r.status().is_success() || r.status().is_redirection(),
            "{}",
            r.status()
        );
        let typed = [
            ("csrf_token", csrf.as_str()),
            ("title", "공사 소음 <심각>"),
            ("resident_number", "900101-1234568"),
            ("password", "correct horse"),
        ];
        let r = post_form(&c, base, "/pages/form?step=2", &jar, &typed).await;
        assert_eq!(r.status(), 401);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let login_cookie = set_cookies(&r)
            .into_iter()
            .find(|(name, _)| name == egov_auth::web::LOGIN_CSRF_COOKIE)
            .expect("a pre-session token for the page's login form");
        let html = r.text().await.unwrap();
        // The typed title is kept (escaped), secrets and the resident number are not.
        assert_eq!(
            hidden(&html, "draft.title").as_deref(),
            Some("공사 소음 &lt;심각&gt;")
        );
        assert!(!html.contains("900101"), "no resident number in the page");
        assert!(!html.contains("correct horse"), "no password in the page");
        assert!(!html.contains(&csrf), "not the old session's token");
        assert_eq!(
            hidden(&html, "egov_action").as_deref(),
            Some("/pages/form?step=2")
        );
        assert!(
            html.contains("2개는 보관하지 않았으니") || html.contains("2개"),
            "{html}"
        );
        let token = hidden(&html, "csrf_token").unwrap();
        assert_eq!(token, login_cookie.1);

        // Without the pre-session token the login is refused (login CSRF).
        let mut jar2 = vec![login_cookie.clone()];
        let resume = egov_web::draft::RESUME_FORM_PATH;
        let r = post_form(
            &c,
            base,
            resume,
            &jar2,
            &[
                ("login_id", "browser"),
                ("password", PASSWORD),
                ("draft.title", "x"),
            ],
        )
        .await;
        assert_eq!(r.status(), 403);

        // A wrong password: the page again, the draft still there, the error at the field.
        let r = post_form(
            &c,
            base,
            resume,
            &jar2,
            &[
                ("csrf_token", &token),
                ("egov_action", "/pages/form?step=2"),
                ("draft.title", "공사 소음 <심각>"),
                ("login_id", "browser"),
                ("password", "wrong password here"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert_eq!(
            hidden(&html, "draft.title").as_deref(),
            Some("공사 소음 &lt;심각&gt;")
        );
        assert!(html.contains(r#"id="login_id-error""#), "{html}");

        // The right one: logged in, the kept values shown, and one button posting them
        // back where they were going with the new session's token.
        let r = post_form(
            &c,
            base,
            resume,
            &jar2,
            &[
                ("csrf_token", &token),
                ("egov_action", "/pages/form?step=2"),
                ("draft.title", "공사 소음 <심각>"),
                ("draft.password", "smuggled"),
                ("login_id", "browser"),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(r.status(), 200);
        jar2 = merged(&jar2, &set_cookies(&r));
        assert!(cookie_value(&jar2, egov_auth::web::ACCESS_COOKIE).is_some());
        let html = r.text().await.unwrap();
        assert!(
            html.contains(r#"action="/pages/form?step=2""#)
                || html.contains("action=\"&#x2f;pages&#x2f;form?step=2\""),
            "{html}"
        );
        assert!(
            !html.contains("smuggled"),
            "a draft field cannot carry a secret back"
        );
        let new_csrf = hidden(&html, "csrf_token").unwrap();
        let title = hidden(&html, "title").unwrap();
        assert_eq!(title, "공사 소음 &lt;심각&gt;");
        // The browser submits it: the handler gets the typed text.
        let r = post_form(
            &c,
            base,
            "/pages/form?step=2",
            &jar2,
            &[("csrf_token", &new_csrf), ("title", "공사 소음 <심각>")],
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "공사 소음 <심각>");

        // A non-local action is never followed.
        let r = post_form(
            &c,
            base,
            resume,
            &jar2,
            &[
                ("csrf_token", &token),
                ("egov_action", "//evil.example/steal"),
                ("login_id", "browser"),
                ("password", PASSWORD),
            ],
        )
        .await;
        let html = r.text().await.unwrap();
        assert!(!html.contains("evil.example"), "{html}");
        app.audit.shutdown().await;
    })
    .await;
}
