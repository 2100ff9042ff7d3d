//! The audit trail's admin screens (egov-audit's feature `pages`, registered in
//! `Services::admin_console`) over real HTTP on 127.0.0.1, on SQLite and
//! PostgreSQL: behind `audit:read`; search by actor (login ID or account id),
//! subject, action, outcome and time; event detail; export with a mandatory
//! reason, itself recorded; "verify now" on an intact and a tampered chain; the
//! monthly review in the layout in Korean and English with display names; the
//! JSON API sending browsers to the screens.

use egov_audit::{Action, AuditEvent, Outcome, Reason, SubjectId, Target};
use egov_auth::{NewAccount, Role};
use egov_core::actor::{Actor, Permission};
use egov_db::{Backend, Db};
use egov_web::service::{Service, Services};
use egov_web::testing::{TEST_PASSWORD, TestApp};
use egov_web::{App, WebSettings};
use http::StatusCode;
use serde_json::{Value, json};

static SERVICE: Service = Service {
    name: "admin-audit-test",
    title: "admin audit test",
    version: "0",
    // Browsers log in with cookies (and a CSRF token for forms).
    default_config: "[auth]\ncookie_mode = true\n",
    migrations: egov_web::migrations![],
    messages: &egov_core::MESSAGES,
    seed_codes: None,
};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn app(settings: WebSettings, services: &Services) -> App {
    services.app(settings).pages(services.pages())
}

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Creates `login_id` named `name` with a role holding `permissions`; its id.
async fn account(running: &TestApp, login_id: &str, name: &str, permissions: &[&str]) -> String {
    let system = Actor::system("test-setup");
    let auth = &running.services.auth;
    let role = format!("TEST_{}", login_id.to_uppercase());
    auth.put_role(
        &system,
        Role {
            name: role.clone(),
            description: "test role".into(),
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
                display_name: name.into(),
                email: None,
                password: TEST_PASSWORD.into(),
                roles: [role].into(),
            },
        )
        .await
        .unwrap();
    created.id.to_string()
}

/// A browser session of `login_id`: its cookies (one `Cookie` header) and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
    base: String,
    client: reqwest::Client,
}

impl Browser {
    async fn login(running: &TestApp, login_id: &str) -> Self {
        let client = client();
        let response = client
            .post(running.url("/auth/login"))
            .json(&json!({"login_id": login_id, "password": TEST_PASSWORD, "cookie": true}))
            .send()
            .await
            .unwrap();
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
            client,
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
        (status, unescaped(response.text().await.unwrap()))
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        self.get_in(path, "ko").await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
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

/// The sequence numbers of the events a results page links to.
fn listed(html: &str) -> Vec<u64> {
    html.match_indices("href=\"/admin/audit/events/")
        .filter_map(|(at, needle)| {
            let rest = &html[at + needle.len()..];
            rest[..rest.find('"')?].parse().ok()
        })
        .collect()
}

async fn count(db: &Db, condition: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM egov_audit_events WHERE {condition}"
    )))
    .fetch_one(db.pool())
    .await
    .unwrap()
}

/// SQL that changes the target id of event `seq` behind the log's back (SQLite
/// keeps each event's fields as one JSON record, target_id at index 10).
fn tamper(db: &Db, seq: u64) -> String {
    match db.backend() {
        Backend::Postgres => {
            format!("UPDATE egov_audit_events SET target_id = 'P-9' WHERE seq = {seq}")
        }
        Backend::Sqlite => format!(
            "UPDATE egov_audit_events SET record = json_replace(record, '$[10]', 'P-9') WHERE seq = {seq}"
        ),
    }
}

egov_db::backend_tests! {
    async fn the_audit_screens(db) {
        let running = TestApp::start(&SERVICE, db.clone(), app).await;
        let log = running.services.audit.clone();
        account(&running, "auditor", "감사 담당자", &["audit:read"]).await;
        let clerk = account(&running, "clerk", "Clerk Kim", &["petitions:read"]).await;
        let auditor = Browser::login(&running, "auditor").await;
        let stranger = Browser::login(&running, "clerk").await;

        // Behind audit:read: a page for the auditor, a 403 page for anyone else.
        let (status, html) = auditor.get("/admin/audit").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<h1>감사 기록</h1>"), "{html}");
        assert!(html.contains(r#"<a href="/admin/audit" aria-current="page">감사 기록</a>"#), "{html}");
        for path in ["/admin/audit", "/admin/audit/events/1", "/admin/audit/verify", "/admin/audit/review"] {
            let (status, html) = stranger.get(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert!(html.contains("<html lang=\"ko\">"), "{path}: {html}");
        }
        let r = stranger.post("/admin/audit/verify", &[("csrf_token", &stranger.csrf)]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Seed: clerk viewed subject A, then (after `mid`) a download of A and B
        // by a batch job, a failed login, and a view of B refused to clerk.
        let clerk_actor = Actor::account(clerk.parse().unwrap(), [Permission::new("petitions:read")]);
        let a = SubjectId::from_id(egov_core::id::Id::<()>::new());
        let b = SubjectId::from_id(egov_core::id::Id::<()>::new());
        let viewed = log
            .record(AuditEvent::new(Action::VIEW, &clerk_actor, Outcome::Success)
                .target(Target::new("petition", "P-1"))
                .subject(a.clone()))
            .await
            .unwrap()
            .seq;
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let downloaded = log
            .record(AuditEvent::personal_data_download(
                Action::DOWNLOAD,
                &Actor::system("nightly-batch"),
                Target::kind("petition-list"),
                [a.clone(), b.clone()],
                Reason::new("민원 처리 결과 통지").unwrap(),
            ))
            .await
            .unwrap()
            .seq;
        let failed_login = log
            .record(AuditEvent::new(Action::LOGIN_FAILED, &Actor::anonymous(), Outcome::Failure)
                .reason_code("bad_password"))
            .await
            .unwrap()
            .seq;
        let refused = log
            .record(AuditEvent::new(Action::VIEW, &clerk_actor, Outcome::Denied)
                .target(Target::new("petition", "P-2"))
                .subject(b.clone()))
            .await
            .unwrap()
            .seq;

        // Search: by the actor's login id (resolved to the account), with its
        // display name in the results.
        let (status, html) = auditor.get("/admin/audit?actor=clerk&action=view").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert_eq!(listed(&html), [refused, viewed], "{html}");
        assert!(html.contains("<td>Clerk Kim (clerk)</td>"), "{html}");
        assert!(html.contains("<caption>검색 결과 2건"), "{html}");
        assert!(html.contains("<td>열람</td>") && html.contains("<td>거부</td>"), "{html}");
        // Paginated: one event a page, the links keep the filter.
        let (_, html) = auditor.get("/admin/audit?actor=clerk&action=view&size=1&page=2").await;
        assert_eq!(listed(&html), [viewed], "{html}");
        assert!(html.contains("<caption>검색 결과 2건, 최근 순(2쪽 중 2쪽)</caption>"), "{html}");
        assert!(html.contains(r#"<a href="/admin/audit?actor=clerk&amp;action=view&amp;size=1&amp;page=1">이전</a>"#), "{html}");
        // An account as the target (its logins) is named too.
        let (_, html) = auditor.get("/admin/audit?actor=clerk&action=login").await;
        assert!(html.contains("<td>account Clerk Kim (clerk)</td>"), "{html}");
        // …by its account id too.
        let (_, html) = auditor.get(&format!("/admin/audit?actor={clerk}&outcome=success&action=view")).await;
        assert_eq!(listed(&html), [viewed], "{html}");
        // By subject: every access to A's data.
        let (_, html) = auditor
            .get(&format!("/admin/audit?subject={}", egov_pages::encode_query(a.as_str())))
            .await;
        assert_eq!(listed(&html), [downloaded, viewed], "{html}");
        // By outcome and time (RFC 3339 and the form's datetime-local, agency zone).
        let (_, html) = auditor.get("/admin/audit?outcome=failure").await;
        assert_eq!(listed(&html), [failed_login], "{html}");
        // From the download's time (inclusive): the view before it is left out.
        let from: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT occurred_at FROM egov_audit_events WHERE seq = {downloaded}"
        )))
        .fetch_one(db.pool())
        .await
        .unwrap();
        let (_, html) = auditor
            .get(&format!("/admin/audit?from={}&action=view", egov_pages::encode_query(&from)))
            .await;
        assert_eq!(listed(&html), [refused], "{html}");
        let (_, html) = auditor.get("/admin/audit?action=download&from=2000-01-01T09:00&to=2100-01-01T00:00").await;
        assert_eq!(listed(&html), [downloaded], "{html}");
        assert!(html.contains("<td>시스템: nightly-batch</td>"), "{html}");
        // No match: said so, no table.
        let (status, html) = auditor.get("/admin/audit?actor=nobody").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("조건에 맞는 기록이 없습니다.") && !html.contains("<table"), "{html}");
        // Bad values: 422, the error summary and each field's error.
        let (status, html) = auditor.get("/admin/audit?from=yesterday&subject=123").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-summary\""), "{html}");
        assert!(html.contains(r##"<a href="#subject">정보주체: "##), "{html}");
        assert!(html.contains(r#"<p class="egov-field-error" id="from-error">날짜와 시각을 입력해 주십시오"#), "{html}");
        assert!(html.contains(r#"value="yesterday""#), "the typed value is kept: {html}");

        // One event: every field, the detail, the chain position and hashes.
        let (status, html) = auditor.get(&format!("/admin/audit/events/{downloaded}")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(&format!("<h1>{downloaded}번 기록</h1>")), "{html}");
        assert!(html.contains("민원 처리 결과 통지") && html.contains("다운로드 (download)"), "{html}");
        assert!(html.contains(a.as_str()) && html.contains(b.as_str()), "{html}");
        let hash: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT hash FROM egov_audit_events WHERE seq = {downloaded}"
        )))
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(html.contains(&format!("<code>{hash}</code>")), "{html}");
        assert!(html.contains("<pre class=\"egov-pre\">{}</pre>"), "{html}");
        for missing in ["/admin/audit/events/999999", "/admin/audit/events/x"] {
            let (status, html) = auditor.get(missing).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
            assert!(html.contains("<html lang=\"ko\">"), "{html}");
        }

        // Export: no reason → 422 with the field error; no CSRF token → 403.
        let filter = [("actor", "clerk"), ("action", "view")];
        let mut fields = filter.to_vec();
        fields.push(("csrf_token", &auditor.csrf));
        fields.push(("reason", "  "));
        let r = auditor.post("/admin/audit/export", &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = unescaped(r.text().await.unwrap());
        assert!(html.contains(r#"<p class="egov-field-error" id="reason-error">내려받는 사유를 입력해 주십시오"#), "{html}");
        assert_eq!(listed(&html), [refused, viewed], "the search is shown again: {html}");
        assert_eq!(count(&db, "action = 'export'").await, 0);
        let r = auditor.post("/admin/audit/export", &[("actor", "clerk"), ("reason", "조사")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // With a reason: JSON Lines of the matching events, and an export event.
        fields.pop();
        fields.push(("reason", "개인정보 침해 신고 조사"));
        let r = auditor.post("/admin/audit/export", &fields).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/jsonl"));
        assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"audit-events-"));
        let body = r.text().await.unwrap();
        let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), [viewed, refused]);
        assert_eq!(lines[0]["principal_id"], json!(clerk));
        assert_eq!(
            count(&db, "action = 'export' AND reason = '개인정보 침해 신고 조사' AND target_type = 'audit-events' AND principal_kind = 'account'").await,
            1
        );
        let subjects: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM egov_audit_subjects s JOIN egov_audit_events e ON e.seq = s.seq AND e.chain_id = s.chain_id WHERE e.action = 'export'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(subjects, 2, "the exported events' subjects are named");

        // Verify now: intact, then damage after an edit behind the log's back.
        let (status, html) = auditor.get("/admin/audit/verify").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("이 서버가 시작된 뒤 검증한 적이 없습니다"), "{html}");
        let r = auditor.post("/admin/audit/verify", &[("csrf_token", &auditor.csrf)]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = unescaped(r.text().await.unwrap());
        assert!(html.contains("이상 없음: 기록"), "{html}");
        assert!(html.contains("감사 담당자 (auditor)"), "{html}");
        let (_, html) = auditor.get("/admin/audit/verify").await;
        assert!(html.contains("이상 없음: 기록") && !html.contains("검증한 적이 없습니다"), "{html}");
        assert_eq!(count(&db, "action = 'audit_verify' AND detail LIKE '%\"intact\":true%'").await, 1);
        let r = auditor.post("/admin/audit/verify", &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");

        sqlx::query(sqlx::AssertSqlSafe(tamper(&db, viewed))).execute(db.pool()).await.unwrap();
        let r = auditor.post("/admin/audit/verify", &[("csrf_token", &auditor.csrf)]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = unescaped(r.text().await.unwrap());
        assert!(html.contains(&format!("{viewed}번 기록에서 손상 발견: 기록의 내용이 해시와 맞지 않음")), "{html}");
        assert_eq!(count(&db, "action = 'audit_verify' AND reason_code = 'chain_damaged'").await, 1);

        // The monthly review in the layout: English labels and display names.
        // Without a month: this month (the agency's), in the form.
        let (status, html) = auditor.get("/admin/audit/review").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let at = html.find(r#"type="month" value=""#).expect("the month field") + 20;
        let month = html[at..at + 7].to_owned();
        let (status, html) = auditor.get_in(&format!("/admin/audit/review?month={month}"), "en").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<html lang=\"en\">"), "{html}");
        assert!(html.contains("<h1>Monthly access record review</h1>"), "{html}");
        assert!(html.contains("1. Actions per account") && html.contains("2. Downloads and exports with reasons"), "{html}");
        assert!(html.contains("<td>Clerk Kim (clerk)</td><td>View</td>"), "{html}");
        assert!(html.contains("<td>System: nightly-batch</td><td>Download</td>"), "{html}");
        assert!(html.contains("민원 처리 결과 통지"), "{html}");
        assert!(!html.contains(&clerk), "accounts by name, not id: {html}");
        assert!(!html.contains("audit-report-") && !html.contains("audit-page-"), "no missing message: {html}");
        let (status, html) = auditor.get(&format!("/admin/audit/review?month={month}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<h1>개인정보 접속기록 월간 점검 보고서</h1>") && html.contains("<td>Clerk Kim (clerk)</td><td>열람</td>"), "{html}");
        // A bad month: 422 with the field's error.
        let (status, html) = auditor.get_in("/admin/audit/review?month=2026-13", "en").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains(r#"<p class="egov-field-error" id="month-error">Enter a month as YYYY-MM"#), "{html}");

        // The JSON API sends browsers to the screens; API clients keep JSON.
        let r = auditor.client.get(running.url("/admin/audit/events?action=view"))
            .header("accept", BROWSER).header("cookie", &auditor.cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/admin/audit?action=view");
        let r = auditor.client.get(running.url(&format!("/admin/audit/report?month={month}")))
            .header("accept", BROWSER).header("cookie", &auditor.cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], format!("/admin/audit/review?month={month}").as_str());
        let r = auditor.client.get(running.url(&format!("/admin/audit/report?month={month}&format=csv")))
            .header("accept", BROWSER).header("cookie", &auditor.cookie).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let token = running.login("auditor", TEST_PASSWORD).await;
        let r = running.client.get(running.url("/admin/audit/events?action=view")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let page: Value = r.json().await.unwrap();
        assert_eq!(page["total_items"], 2);

        log.shutdown().await;
    }
}
