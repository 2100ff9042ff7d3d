//! egov-codes' admin screens in a whole service (`Services::app` with pages and
//! cookie sessions) over real HTTP, on both databases: the console lists them for
//! those who may use them, each screen refuses other accounts with a 403 page, a
//! form without its session's CSRF token is refused before anything is written,
//! and forms, conflicts and imports behave as in egov-codes' own tests, audited
//! under the signed-in account. The JSON admin API keeps working beside them.

use egov_auth::{NewAccount, Role};
use egov_core::actor::Actor;
use egov_db::Backend;
use egov_db::testing::TestDatabase;
use egov_web::App;
use egov_web::WebSettings;
use egov_web::service::{Service, Services};
use egov_web::testing::TestApp;
use http::StatusCode;
use serde_json::{Value, json};

static SERVICE: Service = Service {
    name: "admin-codes-test",
    title: "admin codes test",
    version: "0",
    default_config: "[auth]\ncookie_mode = true\n",
    migrations: egov_web::migrations![],
    messages: &egov_core::MESSAGES,
    seed_codes: Some(
        r#"{
"format": "egov-codes/1",
"categories": [],
"groups": [
{"id":"PETITION_TYPE","labels":{"en":"Petition type","ko":"민원 유형"}}
],
"codes": [
{"group":"PETITION_TYPE","code":"01","labels":{"en":"Inquiry","ko":"질의"},"sort_order":1}
]
}"#,
    ),
};

const PASSWORD: &str = "correct horse battery staple 2026";
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn app(settings: WebSettings, services: &Services) -> App {
    services.app(settings).pages(services.pages())
}

/// A signed-in browser: its cookies and its session's CSRF token.
struct Browser {
    cookies: String,
    csrf: String,
    account: String,
}

/// Creates `login_id` with a role holding `permissions` and logs it in with
/// cookies.
async fn browser(running: &TestApp, login_id: &str, permissions: &[&str]) -> Browser {
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
    let account = auth
        .create_account(
            &system,
            NewAccount {
                login_id: login_id.into(),
                display_name: format!("{login_id} 주무관"),
                email: None,
                password: PASSWORD.into(),
                roles: [role].into(),
            },
        )
        .await
        .unwrap();
    let response = running
        .client
        .post(running.url("/auth/login"))
        .json(&json!({"login_id": login_id, "password": PASSWORD, "cookie": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "login {login_id}");
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ");
    let body: Value = response.json().await.unwrap();
    Browser {
        cookies,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        account: account.id.to_string(),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(running: &TestApp, who: &Browser, path: &str, lang: &str) -> (StatusCode, String) {
    let response = client()
        .get(running.url(path))
        .header("cookie", &who.cookies)
        .header("accept", BROWSER)
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    (
        status,
        response.text().await.unwrap().replace("&#x2f;", "/"),
    )
}

/// Posts `fields` as the browser's form, with `csrf` as its token (none: left out).
async fn post(
    running: &TestApp,
    who: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    csrf: Option<&str>,
) -> (StatusCode, String, String) {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(fields);
    if let Some(token) = csrf {
        body.append_pair("csrf_token", token);
    }
    let response = client()
        .post(running.url(path))
        .header("cookie", &who.cookies)
        .header("accept", BROWSER)
        .header("accept-language", "ko")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.finish())
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let html = response.text().await.unwrap().replace("&#x2f;", "/");
    (status, location, html)
}

/// The value of the hidden field `name` (HTML-unescaped).
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn count(running: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(running.services.db.pool())
        .await
        .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_screens_in_a_service_on_both_databases() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(database) = TestDatabase::new(backend).await.unwrap() else {
            eprintln!("skipped {backend}: set EGOV_TEST_POSTGRES_URL");
            continue;
        };
        let running = TestApp::start(&SERVICE, database.db().clone(), app).await;
        screens_and_forms(&running).await;
        running.services.audit.shutdown().await;
        database.close().await.unwrap();
    }
}

async fn screens_and_forms(running: &TestApp) {
    let writer = browser(running, "writer", &["codes:write"]).await;
    let reader = browser(running, "reader", &["codes:read-inactive"]).await;
    let other = browser(running, "other", &["audit:read"]).await;
    let codes = &running.services.codes;

    // The console lists the screen for those who may use it.
    let (status, html) = get(running, &writer, "/admin", "ko").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("href=\"/admin/codes\""), "{html}");
    let (status, html) = get(running, &reader, "/admin", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">Code tables</a>"), "{html}");
    let (_, html) = get(running, &other, "/admin", "ko").await;
    assert!(
        !html.contains("href=\"/admin/codes\""),
        "not for others: {html}"
    );

    // Each screen: 200 for writers, a 403 page for others; readers read only.
    let reading = ["/admin/codes", "/admin/codes/groups/PETITION_TYPE"];
    let writing = [
        "/admin/codes/new-group",
        "/admin/codes/groups/PETITION_TYPE/edit",
        "/admin/codes/groups/PETITION_TYPE/changes",
        "/admin/codes/groups/PETITION_TYPE/new-code",
        "/admin/codes/groups/PETITION_TYPE/codes/01/edit",
        "/admin/codes/groups/PETITION_TYPE/codes/01/changes",
        "/admin/codes/import",
    ];
    for path in reading.iter().chain(&writing) {
        for lang in ["ko", "en"] {
            let (status, html) = get(running, &writer, path, lang).await;
            assert_eq!(status, StatusCode::OK, "{path}: {html}");
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
            assert!(
                html.contains("class=\"egov-admin-nav\""),
                "{path} in the console's frame"
            );
        }
        let (status, html) = get(running, &other, path, "ko").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            html.contains("<html lang=\"ko\">"),
            "a page, not JSON: {html}"
        );
    }
    for path in reading {
        assert_eq!(
            get(running, &reader, path, "ko").await.0,
            StatusCode::OK,
            "{path}"
        );
    }
    for path in writing {
        assert_eq!(
            get(running, &reader, path, "ko").await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Forms carry the session's CSRF token.
    let (_, html) = get(
        running,
        &writer,
        "/admin/codes/groups/PETITION_TYPE/new-code",
        "ko",
    )
    .await;
    assert_eq!(hidden(&html, "csrf_token"), writer.csrf);

    // Without the token (or with another's): 403, nothing written.
    let new_code = "/admin/codes/groups/PETITION_TYPE/new-code";
    let fields = [
        ("code", "02"),
        ("label_ko", "건의"),
        ("label_en", "Suggestion"),
        ("sort_order", "2"),
        ("active", "Y"),
    ];
    let denied = "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'permission_denied' AND reason_code = 'csrf'";
    let before = count(running, denied).await;
    for token in [None, Some(reader.csrf.as_str()), Some("forged")] {
        let (status, _, html) = post(running, &writer, new_code, &fields, token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token:?}: {html}");
    }
    assert_eq!(count(running, denied).await, before + 3);
    assert!(codes.snapshot().code("PETITION_TYPE", "02").is_none());
    // Readers cannot post, token or not.
    let (status, _, _) = post(running, &reader, new_code, &fields, Some(&reader.csrf)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Bad input: the form again, 422, field errors (a page, kept by egov-web).
    let (status, _, html) = post(
        running,
        &writer,
        new_code,
        &[
            ("code", "02"),
            ("label_ko", ""),
            ("sort_order", "둘"),
            ("active", "Y"),
        ],
        Some(&writer.csrf),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("id=\"error-summary\"") && html.contains("id=\"sort_order-error\""),
        "{html}"
    );
    // Good input: created under the writer's account, audited.
    let (status, location, _) = post(running, &writer, new_code, &fields, Some(&writer.csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/admin/codes/groups/PETITION_TYPE?saved=02");
    let code = codes
        .snapshot()
        .code("PETITION_TYPE", "02")
        .cloned()
        .unwrap();
    assert_eq!(code.stamp.created_by, writer.account);
    let created = format!(
        "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'create' AND target_type = 'code' AND target_id = 'PETITION_TYPE/02' AND principal_id = '{}'",
        writer.account
    );
    assert_eq!(count(running, &created).await, 1);

    // A stale form: 409, the conflict at the form.
    let edit = "/admin/codes/groups/PETITION_TYPE/codes/02/edit";
    let (_, form) = get(running, &writer, edit, "ko").await;
    let version = hidden(&form, "version");
    let mut theirs = egov_codes::CodeDraft::from(&code);
    theirs.sort_order = 7;
    codes
        .update_code(&Actor::system("other-tab"), theirs, 1, "순서")
        .await
        .unwrap();
    let change = [
        ("label_ko", "건의사항"),
        ("label_en", "Suggestion"),
        ("sort_order", "2"),
        ("active", "Y"),
        ("reason", "이름 정리"),
        ("version", version.as_str()),
    ];
    let (status, _, html) = post(running, &writer, edit, &change, Some(&writer.csrf)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains("다른 사람이 이 기록을 저장했습니다"),
        "{html}"
    );
    assert!(html.contains("system:other-tab"), "who saved first: {html}");
    assert_eq!(
        codes.snapshot().code("PETITION_TYPE", "02").unwrap().labels["ko"],
        "건의"
    );

    // The history names who changed what.
    let (_, html) = get(
        running,
        &writer,
        "/admin/codes/groups/PETITION_TYPE/codes/02/changes",
        "en",
    )
    .await;
    assert!(
        html.contains("Version 2: changed")
            && html.contains("system:other-tab")
            && html.contains("writer 주무관 (writer)"),
        "named as egov-auth names the account: {html}"
    );

    // Import: the dry run writes nothing; applying it writes and audits.
    let file = "kind,category,group,code,sort_order,active,label:ko,label:en\r\n\
                group,,REGION,,,Y,지역,Region\r\n\
                code,,REGION,11,1,Y,서울,Seoul\r\n";
    let events =
        "SELECT COUNT(*) FROM egov_audit_events WHERE action IN ('create', 'update', 'import')";
    let before = count(running, events).await;
    let (status, _, html) = post(
        running,
        &writer,
        "/admin/codes/import/preview",
        &[
            ("format", "csv"),
            ("content", file),
            ("reason", "지역 코드"),
        ],
        Some(&writer.csrf),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("추가될 기록 (2건)"), "{html}");
    assert_eq!(
        count(running, events).await,
        before,
        "a dry run writes nothing"
    );
    assert!(codes.snapshot().group("REGION").is_none());
    let version = hidden(&html, "version");
    let content = hidden(&html, "content");
    let apply = [
        ("format", "csv"),
        ("content", content.as_str()),
        ("reason", "지역 코드"),
        ("version", version.as_str()),
    ];
    let (status, _, _) = post(running, &writer, "/admin/codes/import/apply", &apply, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "apply needs the token too");
    let (status, location, _) = post(
        running,
        &writer,
        "/admin/codes/import/apply",
        &apply,
        Some(&writer.csrf),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        "/admin/codes/import?created=2&updated=0&unchanged=0"
    );
    assert_eq!(
        codes.snapshot().code("REGION", "11").unwrap().labels["en"],
        "Seoul"
    );
    assert_eq!(
        count(running, events).await,
        before + 3,
        "two records and the import"
    );
    // Applying the same dry run again: the tables changed since, refused.
    let (status, _, html) = post(
        running,
        &writer,
        "/admin/codes/import/apply",
        &apply,
        Some(&writer.csrf),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert_eq!(count(running, events).await, before + 3);

    // A browser asking the JSON API for a history is sent to its page.
    let response = client()
        .get(running.url("/admin/codes/groups/PETITION_TYPE/codes/02/history"))
        .header("cookie", &writer.cookies)
        .header("accept", BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/admin/codes/groups/PETITION_TYPE/codes/02/changes"
    );

    // The JSON admin API shares the paths and still answers API clients.
    let token = running.login_with("api", &["codes:write"]).await;
    let response = running
        .client
        .get(running.url("/admin/codes/groups/PETITION_TYPE/history"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let history: Value = response.json().await.unwrap();
    assert_eq!(history[0]["version"], 1);
    let response = running
        .client
        .put(running.url("/admin/codes/groups/REGION"))
        .bearer_auth(&token)
        .json(&json!({"record": {"id": "REGION", "labels": {"ko": "지역", "en": "Regions"}}, "reason": "API", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}
