//! Starts the service in-process on a free port of 127.0.0.1, on a fresh
//! database of each backend (PostgreSQL when `EGOV_TEST_POSTGRES_URL` is set).

#![allow(dead_code)] // each test file uses part of it

use egov::auth::{NewAccount, Role};
use egov::db::Db;
use egov::prelude::*;

/// A running service.
pub(crate) use egov::web::testing::TestApp as Running;

/// The service's configuration for tests: its defaults, the test profile.
pub(crate) fn config() -> Config {
    civil_petitions::SERVICE.test_config().unwrap()
}

/// Migrates `db` and serves the whole service on it.
pub(crate) async fn start(db: Db) -> Running {
    let services = civil_petitions::start(&config(), db).await.unwrap();
    Running::serve(services, civil_petitions::app).await
}

pub(crate) use egov::web::testing::TEST_PASSWORD as PASSWORD;

/// Creates an account with `roles`.
pub(crate) async fn account(running: &Running, login_id: &str, roles: &[&str]) {
    running
        .services
        .auth
        .create_account(
            &Actor::system("test-setup"),
            NewAccount {
                login_id: login_id.into(),
                display_name: login_id.into(),
                email: None,
                password: PASSWORD.into(),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            },
        )
        .await
        .unwrap();
}

/// Creates an account holding `permissions` and returns an access token for it,
/// obtained over HTTP from `POST /auth/login`.
pub(crate) async fn login_with(running: &Running, login_id: &str, permissions: &[&str]) -> String {
    let role = format!("TEST_{}", login_id.to_uppercase());
    running
        .services
        .auth
        .put_role(
            &Actor::system("test-setup"),
            Role {
                name: role.clone(),
                description: "test role".into(),
                includes: Default::default(),
                permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            },
        )
        .await
        .unwrap();
    account(running, login_id, &[&role]).await;
    token(running, login_id).await
}

/// Logs in over HTTP and returns the access token.
pub(crate) async fn token(running: &Running, login_id: &str) -> String {
    let session: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/auth/login", running.base))
        .json(&serde_json::json!({"login_id": login_id, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// Logs in through the login page and returns the session cookie (`name=value`).
pub(crate) async fn page_login(running: &Running, login_id: &str) -> String {
    let client = no_redirects();
    let login_form = LoginForm::open(running, &client).await;
    let response = login_form
        .post(
            running,
            &client,
            &[
                ("login_id", login_id),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        303,
        "login page answered {}",
        response.status()
    );
    // egov-auth's cookie mode: access, refresh and CSRF cookies.
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .filter(|v| v.starts_with("__Host-egov-"))
        .collect();
    assert_eq!(cookies.len(), 3, "session cookies: {cookies:?}");
    cookies.join("; ")
}

/// The login page as a browser gets it: the pre-session cookie and the token
/// its form carries.
pub(crate) struct LoginForm {
    /// `__Host-egov-login=…`.
    pub(crate) cookie: String,
    /// The hidden `csrf_token` field's value.
    pub(crate) token: String,
}

impl LoginForm {
    pub(crate) async fn open(running: &Running, client: &reqwest::Client) -> Self {
        let page = client
            .get(format!("{}/login", running.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let cookie = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .find(|v| v.starts_with("__Host-egov-login="))
            .expect("the login page sets its pre-session cookie");
        let html = page.text().await.unwrap();
        let start = html
            .find("name=\"csrf_token\" value=\"")
            .expect("a CSRF field in the login form")
            + 25;
        let token = html[start..].split('"').next().unwrap().to_owned();
        Self { cookie, token }
    }

    /// Posts the login form with `fields` and the token, as the browser would.
    pub(crate) async fn post(
        &self,
        running: &Running,
        client: &reqwest::Client,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &self.token));
        client
            .post(format!("{}/login", running.base))
            .header("cookie", &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// A client that does not follow redirects.
/// A client that does not follow redirects and asks for pages as a browser
/// does (`Accept: text/html…`).
pub(crate) fn no_redirects() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A valid petition body.
pub(crate) fn petition(resident_number: &str) -> serde_json::Value {
    serde_json::json!({
        "petition_type": "GENERAL",
        "region": "11110",
        "title": "가로등 고장 신고",
        "body": "종로구 ○○로 12 앞 가로등이 꺼져 있습니다.",
        "resident_number": resident_number,
        "phone": "010-1234-5678",
        "postal_code": "03154",
    })
}

/// Counts audit events matching `condition`.
pub(crate) async fn audit_count(running: &Running, condition: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM egov_audit_events WHERE {condition}"
    )))
    .fetch_one(running.services.db.pool())
    .await
    .unwrap()
}

/// Stops the audit writer and checks that the chain verifies.
pub(crate) async fn assert_chain_verifies(running: &Running) {
    running.services.audit.shutdown().await;
    let report = egov::audit::verify(
        &running.services.db,
        "main",
        &running.services.audit.verifier(),
    )
    .await
    .unwrap();
    assert!(report.damage.is_none(), "{report:?}");
}

/// The year in the agency's time zone (UTC+9, `[pages] utc_offset_hours`): the
/// year part of receipt numbers given now.
pub(crate) fn agency_year() -> i32 {
    let kst = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    time::OffsetDateTime::now_utc().to_offset(kst).year()
}

/// The value of the hidden `csrf_token` field of a page.
pub(crate) fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF field")
        + 25;
    html[start..].split('"').next().unwrap().to_owned()
}
