//! egov-auth's admin screens (accounts, roles; egov-auth's feature `pages`,
//! registered in `Services::admin_console`) and its change-password page on the
//! kit, over real HTTP on 127.0.0.1, on SQLite and PostgreSQL: each screen for an
//! `auth:admin` account, 403 for another, the login page for anonymous visitors;
//! create with field errors (422), search, the recorded view of an account, lock
//! (login refused) and unlock, roles, a temporary password reset (the next login
//! must change it), an MFA reset, roles with validated permissions and includes;
//! every change audited; no CSRF token → 403.

use egov_auth::{AccountStatus, NewAccount, Role, totp};
use egov_core::AccessPolicy;
use egov_core::actor::Actor;
use egov_db::Db;
use egov_web::service::{Service, Services};
use egov_web::testing::{TEST_PASSWORD, TestApp};
use egov_web::{ApiRouter, App, WebSettings};
use http::StatusCode;
use serde_json::{Value, json};

static SERVICE: Service = Service {
    name: "admin-accounts-test",
    title: "admin accounts test",
    version: "0",
    // Browsers log in with cookies (and a CSRF token for forms).
    default_config: "[auth]\ncookie_mode = true\n",
    migrations: egov_web::migrations![],
    messages: &egov_core::MESSAGES,
    seed_codes: None,
};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn login_page() -> &'static str {
    "the service's login page"
}

fn app(settings: WebSettings, services: &Services) -> App {
    services
        .app(settings)
        .pages(services.pages())
        .login_page("/login")
        .router(ApiRouter::new().route(
            "/login",
            AccessPolicy::Public,
            axum::routing::get(login_page),
        ))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Creates `login_id` with a role `TEST_<LOGIN_ID>` holding `permissions`; its id.
async fn account(running: &TestApp, login_id: &str, permissions: &[&str]) -> String {
    let system = Actor::system("test-setup");
    let auth = &running.services.auth;
    let role = format!("TEST_{}", login_id.to_uppercase());
    auth.put_role(
        &system,
        Role {
            name: role.clone(),
            description: format!("{login_id}'s test role"),
            includes: Default::default(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        },
    )
    .await
    .unwrap();
    let created = auth
        .create_account(
            &system,
            NewAccount {
                login_id: login_id.into(),
                display_name: format!("Test {login_id}"),
                email: None,
                password: TEST_PASSWORD.into(),
                roles: [role].into(),
            },
        )
        .await
        .unwrap();
    created.id.to_string()
}

/// What `POST /auth/login` (cookie mode) answers `login_id` with `password`.
async fn json_login(running: &TestApp, login_id: &str, password: &str) -> reqwest::Response {
    running
        .client
        .post(running.url("/auth/login"))
        .json(&json!({"login_id": login_id, "password": password, "cookie": true}))
        .send()
        .await
        .unwrap()
}

/// A browser session: its cookies (one `Cookie` header) and CSRF token; or none.
struct Browser {
    cookie: String,
    csrf: String,
    base: String,
    client: reqwest::Client,
}

impl Browser {
    async fn login_with(running: &TestApp, login_id: &str, password: &str) -> Self {
        let response = json_login(running, login_id, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login {login_id}");
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        let body: Value = response.json().await.unwrap();
        Self {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            base: running.base.clone(),
            client: client(),
        }
    }

    async fn login(running: &TestApp, login_id: &str) -> Self {
        Self::login_with(running, login_id, TEST_PASSWORD).await
    }

    fn anonymous(running: &TestApp) -> Self {
        Self {
            cookie: String::new(),
            csrf: String::new(),
            base: running.base.clone(),
            client: client(),
        }
    }

    async fn get_in(&self, path: &str, locale: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("accept", BROWSER)
            .header("accept-language", locale)
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let text = unescaped(response.text().await.unwrap());
        (status, location.unwrap_or(text))
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        self.get_in(path, "ko").await
    }

    /// Posts `fields` with the session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly `fields`.
    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.client
            .post(format!("{}{path}", self.base))
            .header("accept", BROWSER)
            .header("accept-language", "ko")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &self.cookie)
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

/// `html` with the slashes minijinja escapes in attributes (`&#x2f;`) put back.
fn unescaped(html: String) -> String {
    html.replace("&#x2f;", "/")
}

/// The `Location` of a `303`.
fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{response:?}");
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn body(response: reqwest::Response) -> String {
    unescaped(response.text().await.unwrap())
}

async fn count(db: &Db, condition: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM egov_audit_events WHERE {condition}"
    )))
    .fetch_one(db.pool())
    .await
    .unwrap()
}

egov_db::backend_tests! {
    async fn each_screen_for_its_permission_only(db) {
        let running = TestApp::start(&SERVICE, db.clone(), app).await;
        account(&running, "admin1", &["auth:admin"]).await;
        let clerk_id = account(&running, "clerk", &["petitions:read"]).await;
        let admin = Browser::login(&running, "admin1").await;
        let clerk = Browser::login(&running, "clerk").await;
        let anonymous = Browser::anonymous(&running);
        let screens = [
            "/admin/accounts".to_owned(),
            "/admin/accounts?q=cl&status=active&page=1".to_owned(),
            format!("/admin/accounts/{clerk_id}"),
            "/admin/accounts/new".to_owned(),
            "/admin/roles".to_owned(),
            "/admin/roles/new".to_owned(),
            "/admin/roles/TEST_CLERK/edit".to_owned(),
        ];
        for path in &screens {
            let (status, html) = admin.get(path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {html}");
            assert!(html.contains("<html lang=\"ko\">") && html.contains("class=\"egov-admin\""), "{path}: {html}");
            assert!(!html.contains("auth-admin-") && !html.contains("auth-page-"), "a message is missing on {path}: {html}");
            let (status, html) = clerk.get(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert!(html.contains("<html lang=\"ko\">"), "a page, not JSON: {html}");
            let (status, to) = anonymous.get(path).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
            assert!(to.starts_with("/login?next=%2Fadmin%2F"), "{path}: {to}");
        }
        // In English too.
        for (path, title) in [
            ("/admin/accounts", "<h1>Accounts</h1>"),
            ("/admin/accounts/new", "<h1>Create an account</h1>"),
            ("/admin/roles", "<h1>Roles and permissions</h1>"),
            ("/admin/roles/TEST_CLERK/edit", "<h1>Edit role TEST_CLERK</h1>"),
        ] {
            let (status, html) = admin.get_in(path, "en").await;
            assert_eq!(status, StatusCode::OK);
            assert!(html.contains("<html lang=\"en\">") && html.contains(title), "{path}: {html}");
            assert!(!html.contains("auth-admin-"), "{path}: {html}");
        }
        // The console's index lists both screens for the administrator only.
        let (status, html) = admin.get("/admin").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(r#"<a href="/admin/accounts">계정 관리</a>"#), "{html}");
        assert!(html.contains(r#"<a href="/admin/roles">역할과 권한</a>"#), "{html}");
        let (status, _) = clerk.get("/admin").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The clerk's writes are refused, CSRF token or not.
        for path in ["/admin/accounts", "/admin/roles", &format!("/admin/accounts/{clerk_id}/status")] {
            let r = clerk.post(path, &[("status", "locked"), ("login_id", "x")]).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
        assert_eq!(
            running.services.auth.account(clerk_id.parse().unwrap()).await.unwrap().status,
            AccountStatus::Active
        );
        // A malformed or unknown account id: 404 pages.
        for path in ["/admin/accounts/not-an-id", "/admin/accounts/01890a5d-ac96-774b-bcce-b302099a8057", "/admin/roles/NOPE/edit"] {
            let (status, html) = admin.get(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(html.contains("<html lang=\"ko\">"), "{html}");
        }
        running.services.audit.shutdown().await;
    }

    async fn accounts_are_created_searched_locked_and_reset(db) {
        let running = TestApp::start(&SERVICE, db.clone(), app).await;
        account(&running, "admin1", &["auth:admin"]).await;
        account(&running, "clerk", &["petitions:read"]).await;
        let admin = Browser::login(&running, "admin1").await;
        let auth = &running.services.auth;

        // The form, then a password the policy refuses: 422, the summary, the
        // error at the field, the typed values kept (never the password).
        let (_, form) = admin.get("/admin/accounts/new").await;
        assert!(form.contains(r#"name="csrf_token""#) && form.contains("<fieldset class=\"egov-field egov-checkboxes\""), "{form}");
        assert!(form.contains("<legend>역할</legend>") && form.contains(r#"value="TEST_CLERK""#), "{form}");
        assert!(form.contains(r#"id="temporary" name="temporary" value="1" checked"#), "temporary by default: {form}");
        assert!(form.contains("15자 이상 128자 이하"), "the policy in words: {form}");
        let typed = [
            ("login_id", "Hong.Gildong"),
            ("display_name", "홍길동"),
            ("email", "hong@example.go.kr"),
            ("roles", "TEST_CLERK"),
            ("temporary", "1"),
        ];
        let mut fields = typed.to_vec();
        fields.push(("password", "short pw"));
        let r = admin.post("/admin/accounts", &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(r).await;
        assert!(html.contains(r#"id="error-summary""#) && html.contains(r##"<a href="#password">초기 비밀번호: 15자 이상으로 입력해 주십시오.</a>"##), "{html}");
        assert!(html.contains(r#"<p class="egov-field-error" id="password-error">15자 이상으로 입력해 주십시오.</p>"#), "{html}");
        assert!(html.contains(r#"aria-describedby="password-hint password-error" aria-invalid="true""#), "{html}");
        assert!(html.contains(r#"value="Hong.Gildong""#) && !html.contains("short pw"), "{html}");
        assert!(html.contains(r#"value="TEST_CLERK" checked"#), "the roles checked stay checked: {html}");
        // A bad e-mail address, a login id with a space.
        let mut fields = typed.to_vec();
        fields.retain(|(name, _)| *name != "email");
        fields.extend([("email", "hong at example"), ("password", "a long and unusual passphrase")]);
        let r = admin.post("/admin/accounts", &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(r).await.contains(r#"id="email-error">name@example.go.kr 과 같은"#));
        let r = admin
            .post("/admin/accounts", &[("login_id", "hong gildong"), ("display_name", "홍길동"), ("password", "a long and unusual passphrase")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(r).await.contains(r#"id="login_id-error">띄어쓰기 없이"#));
        // Without the CSRF token: refused before the handler, nothing created.
        let mut fields = typed.to_vec();
        fields.push(("password", "a long and unusual passphrase"));
        let r = admin.post_raw("/admin/accounts", &fields).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(auth.account_by_login_id("hong.gildong").await.is_err());
        assert_eq!(count(&db, "action = 'create' AND principal_kind = 'account'").await, 0);

        // Created: to its page, with the notice; temporary, with its role.
        let r = admin.post("/admin/accounts", &fields).await;
        let to = location(&r);
        let hong = auth.account_by_login_id("hong.gildong").await.unwrap();
        assert_eq!(to, format!("/admin/accounts/{}?done=created", hong.id));
        assert!(hong.password_temporary);
        assert_eq!(hong.roles, ["TEST_CLERK".to_owned()].into());
        assert_eq!(count(&db, &format!("action = 'create' AND target_id = '{}' AND principal_kind = 'account'", hong.id)).await, 1);
        // The same login id again: 422 at the field.
        let r = admin.post("/admin/accounts", &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(r).await.contains(r#"id="login_id-error">이미 사용 중인 아이디입니다."#));

        // Its page: the notice, the e-mail address masked, the view recorded.
        let views = count(&db, &format!("action = 'view' AND target_id = '{}'", hong.id)).await;
        assert_eq!(views, 0);
        let (status, html) = admin.get(&to).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<h1>계정 hong.gildong</h1>") && html.contains("계정을 등록했습니다."), "{html}");
        assert!(html.contains("ho**@example.go.kr") && !html.contains("hong@example.go.kr"), "{html}");
        assert!(html.contains("다음 로그인 때 바꿔야 함"), "{html}");
        let subject = format!("%id:{}%", hong.id);
        assert_eq!(
            count(&db, &format!("action = 'view' AND target_id = '{}' AND subjects LIKE '{subject}'", hong.id)).await,
            1
        );

        // Search: part of the name, the status; no match said so.
        let (_, html) = admin.get(&format!("/admin/accounts?q={}", egov_pages::encode_query("길동"))).await;
        assert!(html.contains(&format!(r#"<a href="/admin/accounts/{}">hong.gildong</a>"#, hong.id)), "{html}");
        assert!(!html.contains(">clerk</a>") && html.contains("<caption>계정 목록: 1개"), "{html}");
        let (_, html) = admin.get("/admin/accounts?status=locked").await;
        assert!(html.contains("검색 조건에 맞는 계정이 없습니다.") && !html.contains("<table"), "{html}");

        // Lock: login refused; the change audited. Without the token: nothing.
        let path = format!("/admin/accounts/{}", hong.id);
        let r = admin.post_raw(&format!("{path}/status"), &[("status", "locked")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(auth.account(hong.id).await.unwrap().status, AccountStatus::Active);
        let r = admin.post(&format!("{path}/status"), &[("status", "locked")]).await;
        assert_eq!(location(&r), format!("{path}?done=status"));
        assert_eq!(auth.account(hong.id).await.unwrap().status, AccountStatus::Locked);
        let r = json_login(&running, "hong.gildong", "a long and unusual passphrase").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a locked account cannot log in");
        assert_eq!(
            count(&db, &format!("action = 'auth_admin_change' AND reason_code = 'status' AND target_id = '{}'", hong.id)).await,
            1
        );
        let (_, html) = admin.get(&format!("{path}?done=status")).await;
        assert!(html.contains("상태를 바꿨습니다.") && html.contains(&format!(r#"action="{path}/unlock""#)), "{html}");
        let (_, html) = admin.get("/admin/accounts?status=locked").await;
        assert!(html.contains(">hong.gildong</a>"), "{html}");
        // Unlock: the temporary password logs in, restricted to changing it.
        let r = admin.post(&format!("{path}/unlock"), &[]).await;
        assert_eq!(location(&r), format!("{path}?done=unlocked"));
        assert_eq!(count(&db, &format!("action = 'account_unlock' AND target_id = '{}'", hong.id)).await, 1);
        let hong_browser = Browser::login_with(&running, "hong.gildong", "a long and unusual passphrase").await;
        let (status, to) = hong_browser.get("/admin").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(to, "/auth/change-password?next=%2Fadmin");
        let (status, html) = hong_browser.get(&to).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("관리자가 정한 비밀번호입니다.") && html.contains("class=\"egov-skip\""), "on the kit: {html}");

        // Roles: none checked removes them all.
        let r = admin.post(&format!("{path}/roles"), &[]).await;
        assert_eq!(location(&r), format!("{path}?done=roles"));
        assert!(auth.account(hong.id).await.unwrap().roles.is_empty());
        let r = admin.post(&format!("{path}/roles"), &[("roles", "TEST_CLERK"), ("roles", "TEST_ADMIN1")]).await;
        location(&r);
        assert_eq!(auth.account(hong.id).await.unwrap().roles.len(), 2);
        assert_eq!(count(&db, &format!("action = 'auth_admin_change' AND reason_code = 'roles' AND target_id = '{}'", hong.id)).await, 2);

        // A password reset the policy refuses: the page again, 422, the error at the field.
        let r = admin.post(&format!("{path}/password"), &[("new_password", "hong.gildong1"), ("temporary", "1")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(r).await;
        assert!(html.contains(r#"<p class="egov-field-error" id="new_password-error">"#) && html.contains("<h1>계정 hong.gildong</h1>"), "{html}");
        // A lasting one: no change required at the next login; the session ended.
        let r = admin.post(&format!("{path}/password"), &[("new_password", "another long passphrase 2026")]).await;
        assert_eq!(location(&r), format!("{path}?done=password"));
        let (status, _) = hong_browser.get("/auth/change-password").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "the reset ended hong's session");
        let r = json_login(&running, "hong.gildong", "another long passphrase 2026").await;
        let session: Value = r.json().await.unwrap();
        assert_eq!(session["password_change_required"], false);
        assert_eq!(count(&db, &format!("action = 'password_change' AND reason_code = 'admin_reset' AND target_id = '{}'", hong.id)).await, 1);

        // MFA: set up by hong, reset by the administrator.
        let (_, html) = admin.get(&path).await;
        assert!(html.contains("이 계정은 다단계 인증을 쓰지 않습니다.") && !html.contains("/mfa-reset"), "{html}");
        let enrolment = auth.start_totp(hong.id).await.unwrap();
        let secret = totp::base32_decode(&enrolment.secret).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .try_into()
            .unwrap();
        auth.confirm_totp(&Actor::anonymous(), hong.id, &totp::code(&secret, totp::step_at(now))).await.unwrap();
        let (_, html) = admin.get(&path).await;
        assert!(html.contains(&format!(r#"action="{path}/mfa-reset""#)), "{html}");
        let r = admin.post_raw(&format!("{path}/mfa-reset"), &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = admin.post(&format!("{path}/mfa-reset"), &[]).await;
        assert_eq!(location(&r), format!("{path}?done=mfa"));
        assert!(!auth.account(hong.id).await.unwrap().mfa_enabled);
        assert_eq!(count(&db, &format!("action = 'mfa_disable' AND reason_code = 'admin_reset' AND target_id = '{}'", hong.id)).await, 1);
        // Again: nothing to reset, a 409 page.
        let r = admin.post(&format!("{path}/mfa-reset"), &[]).await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(body(r).await.contains("<html lang=\"ko\">"));

        // Disable: every session ends; enable again.
        let r = admin.post(&format!("{path}/status"), &[("status", "disabled")]).await;
        location(&r);
        assert_eq!(json_login(&running, "hong.gildong", "another long passphrase 2026").await.status(), StatusCode::UNAUTHORIZED);
        let r = admin.post(&format!("{path}/status"), &[("status", "active")]).await;
        location(&r);
        assert_eq!(json_login(&running, "hong.gildong", "another long passphrase 2026").await.status(), StatusCode::OK);
        // An unknown status: 422.
        let r = admin.post(&format!("{path}/status"), &[("status", "gone")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        running.services.audit.shutdown().await;
    }

    async fn roles_are_created_and_edited_with_validated_permissions(db) {
        let running = TestApp::start(&SERVICE, db.clone(), app).await;
        account(&running, "admin1", &["auth:admin"]).await;
        account(&running, "clerk", &["petitions:read"]).await;
        let admin = Browser::login(&running, "admin1").await;
        let auth = &running.services.auth;

        let (_, html) = admin.get("/admin/roles").await;
        assert!(html.contains("<caption>역할 목록(2개)</caption>"), "{html}");
        assert!(html.contains(r#"<a href="/admin/roles/TEST_CLERK/edit">TEST_CLERK</a>"#), "{html}");
        assert!(html.contains("<td>petitions:read</td>"), "{html}");

        // Bad permission names and an unknown included role: 422, each at its field.
        let fields = [
            ("name", "ROLE_REVIEWER"),
            ("description", "민원 검토"),
            ("includes", "TEST_CLERK"),
            ("includes", "ROLE_NONE"),
            ("permissions", "petitions:review\npetitions review\n<b>"),
        ];
        let r = admin.post("/admin/roles", &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(r).await;
        assert!(html.contains(r#"<p class="egov-field-error" id="includes-error">목록에 있는 역할 중에서"#), "{html}");
        assert!(html.contains(r#"<p class="egov-field-error" id="permissions-error">권한 이름이 아닙니다: “petitions review”, “&lt;b&gt;”"#), "{html}");
        assert!(html.contains(r#"value="ROLE_REVIEWER""#) && html.contains("petitions review"), "typed values kept: {html}");
        assert!(auth.roles().await.unwrap().iter().all(|r| r.name != "ROLE_REVIEWER"));
        // An existing name.
        let r = admin.post("/admin/roles", &[("name", "TEST_CLERK")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(r).await.contains("같은 이름의 역할이 이미 있습니다."));
        // Without the token: nothing.
        let good = [
            ("name", "ROLE_REVIEWER"),
            ("description", "민원 검토"),
            ("includes", "TEST_CLERK"),
            ("permissions", "petitions:review\n\npetitions:export, audit:read"),
        ];
        let r = admin.post_raw("/admin/roles", &good).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Created: back to the list with a notice; audited.
        let r = admin.post("/admin/roles", &good).await;
        assert_eq!(location(&r), "/admin/roles?saved=ROLE_REVIEWER");
        let reviewer = auth.roles().await.unwrap().into_iter().find(|r| r.name == "ROLE_REVIEWER").unwrap();
        assert_eq!(reviewer.description, "민원 검토");
        assert_eq!(reviewer.includes, ["TEST_CLERK".to_owned()].into());
        assert_eq!(reviewer.permissions.len(), 3);
        let (_, html) = admin.get("/admin/roles?saved=ROLE_REVIEWER").await;
        assert!(html.contains("ROLE_REVIEWER 역할을 저장했습니다."), "{html}");
        assert_eq!(count(&db, "action = 'auth_admin_change' AND reason_code = 'role' AND target_id = 'ROLE_REVIEWER' AND principal_kind = 'account'").await, 1);

        // Edit: the form holds the role; including a role that includes it back is refused.
        let (_, html) = admin.get("/admin/roles/TEST_CLERK/edit").await;
        assert!(html.contains(r#"value="ROLE_REVIEWER""#) && html.contains("petitions:read</textarea>"), "{html}");
        assert!(!html.contains(r#"value="TEST_CLERK""#), "a role cannot include itself: {html}");
        let r = admin.post("/admin/roles/TEST_CLERK/edit", &[("includes", "ROLE_REVIEWER"), ("permissions", "petitions:read")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(r).await.contains(r#"id="includes-error">ROLE_REVIEWER 역할이 이미 이 역할을 포함합니다."#));
        // A good edit: the permissions change, the clerk's session sees them.
        let r = admin.post("/admin/roles/TEST_CLERK/edit", &[("description", "민원 담당"), ("permissions", "petitions:read\npetitions:file")]).await;
        assert_eq!(location(&r), "/admin/roles?saved=TEST_CLERK");
        let clerk = auth.roles().await.unwrap().into_iter().find(|r| r.name == "TEST_CLERK").unwrap();
        assert_eq!(clerk.permissions, ["petitions:file".to_owned(), "petitions:read".to_owned()].into());
        assert_eq!(count(&db, "action = 'auth_admin_change' AND reason_code = 'role' AND target_id = 'TEST_CLERK' AND principal_kind = 'account'").await, 1);
        // An unknown role cannot be saved through its edit form.
        let r = admin.post("/admin/roles/ROLE_GHOST/edit", &[("permissions", "a:b")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(auth.roles().await.unwrap().iter().all(|r| r.name != "ROLE_GHOST"));
        running.services.audit.shutdown().await;
    }

    async fn any_account_changes_its_password_on_the_kit_page(db) {
        let running = TestApp::start(&SERVICE, db.clone(), app).await;
        account(&running, "clerk", &["petitions:read"]).await;
        let clerk = Browser::login(&running, "clerk").await;
        let (status, html) = clerk.get_in("/auth/change-password", "en").await;
        assert_eq!(status, StatusCode::OK);
        for part in [
            "<html lang=\"en\">",
            "class=\"egov-skip\"",
            "<h1>Change your password</h1>",
            "<label for=\"new_password\">New password</label>",
            "<p class=\"egov-hint\" id=\"new_password-hint\">15 to 128 characters.",
            "All fields are required.",
            "required aria-required=\"true\"",
        ] {
            assert!(html.contains(part), "{part} not in\n{html}");
        }
        assert!(!html.contains("set your password"), "no change is required: {html}");
        // Refused: 422 on the kit, focused summary and field errors.
        let r = clerk
            .post("/auth/change-password", &[("current_password", TEST_PASSWORD), ("new_password", "test clerk!"), ("confirm_password", "x")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = body(r).await;
        assert!(html.contains(r#"id="error-summary" tabindex="-1" autofocus"#), "{html}");
        assert!(html.contains(r#"<p class="egov-field-error" id="confirm_password-error">"#), "{html}");
        // Changed: on to `next`.
        let new = "my own much longer passphrase";
        let r = clerk
            .post("/auth/change-password", &[("current_password", TEST_PASSWORD), ("new_password", new), ("confirm_password", new), ("next", "/admin")])
            .await;
        assert_eq!(location(&r), "/admin");
        assert_eq!(json_login(&running, "clerk", new).await.status(), StatusCode::OK);
        running.services.audit.shutdown().await;
    }
}
