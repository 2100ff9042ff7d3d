//! The sample resource over real HTTP: policies, validation with a code group,
//! audit records, optimistic concurrency.

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};

/// A browser's `GET path` in `locale`: the status and the page (with `/`,
/// which the templates escape in attributes, unescaped).
async fn browse(running: &common::Running, path: &str, locale: &str) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", running.base))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .header("accept-language", locale)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(
        response.headers()["content-type"].to_str().unwrap().starts_with("text/html"),
        "{path}: {:?}",
        response.headers()
    );
    (status, response.text().await.unwrap().replace("&#x2f;", "/"))
}

async fn audit_count(running: &common::Running, condition: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM egov_audit_events WHERE {condition}"
    )))
    .fetch_one(running.services.db.pool())
    .await
    .unwrap()
}

egov::db::backend_tests! {
    async fn reads_are_public_and_writes_need_the_permission(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();

        let list: Value = client
            .get(format!("{}/api/notices", running.base))
            .send().await.unwrap()
            .json().await.unwrap();
        assert_eq!(list["total_items"], 0);

        // Documented: in /openapi.json, so on the /docs/ page too.
        let spec: Value = client
            .get(format!("{}/openapi.json", running.base))
            .send().await.unwrap()
            .json().await.unwrap();
        assert!(spec["paths"]["/api/notices"]["get"].is_object(), "{}", spec["paths"]);
        assert!(spec["paths"]["/api/notices"]["post"].is_object(), "{}", spec["paths"]);
        assert!(spec["paths"]["/api/notices/{id}"]["put"].is_object(), "{}", spec["paths"]);

        // Without credentials: 401 before validation, and recorded.
        let anonymous = client
            .post(format!("{}/api/notices", running.base))
            .json(&json!({"title": "", "body": "", "category": "NOPE"}))
            .send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(audit_count(&running, "outcome = 'denied'").await, 1);

        // Logged in without `notices:write`: 403.
        let reader = common::login_with(&running, "reader", &[]).await;
        let forbidden = client
            .post(format!("{}/api/notices", running.base))
            .bearer_auth(&reader)
            .json(&json!({"title": "t", "body": "b", "category": "GENERAL"}))
            .send().await.unwrap();
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

        let missing = client.get(format!("{}/api/notices/nope", running.base)).send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let bad_page = client.get(format!("{}/api/notices?page=0", running.base)).send().await.unwrap();
        assert_eq!(bad_page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn editors_create_and_update_notices_with_audit_and_conflicts(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();
        let editor = common::login_with(&running, "editor", &["notices:write"]).await;

        // Invalid fields, including a code outside NOTICE_CATEGORY: 422 naming each.
        let invalid: Value = client
            .post(format!("{}/api/notices", running.base))
            .bearer_auth(&editor)
            .header("accept-language", "en")
            .json(&json!({"title": "   ", "body": "text", "category": "NOPE"}))
            .send().await.unwrap()
            .json().await.unwrap();
        assert_eq!(invalid["status"], 422);
        let pointers: Vec<&str> = invalid["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        assert!(pointers.contains(&"/title") && pointers.contains(&"/category"), "{invalid}");
        let category_error = invalid["errors"].as_array().unwrap().iter()
            .find(|e| e["field"] == "/category").unwrap();
        assert!(category_error["message"].as_str().unwrap().contains("NOTICE_CATEGORY"), "{category_error}");

        let created = client
            .post(format!("{}/api/notices", running.base))
            .bearer_auth(&editor)
            .json(&json!({"title": "설 연휴 민원실 운영 안내", "body": "2월 9일 휴무", "category": "GENERAL"}))
            .send().await.unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let notice: Value = created.json().await.unwrap();
        let id = notice["id"].as_str().unwrap().to_owned();
        assert_eq!(notice["version"], 1);
        assert_eq!(audit_count(&running, &format!("action = 'create' AND target_id = '{id}'")).await, 1);

        let updated: Value = client
            .put(format!("{}/api/notices/{id}", running.base))
            .bearer_auth(&editor)
            .json(&json!({"title": "설 연휴 민원실 운영 안내", "body": "2월 9~10일 휴무", "category": "SERVICE", "version": 1}))
            .send().await.unwrap()
            .json().await.unwrap();
        assert_eq!(updated["version"], 2);
        assert_eq!(updated["category"], "SERVICE");

        // A stale version: 409, localized, and nothing changed.
        let stale = client
            .put(format!("{}/api/notices/{id}", running.base))
            .bearer_auth(&editor)
            .header("accept-language", "ko")
            .json(&json!({"title": "덮어쓰기", "body": "x", "category": "GENERAL", "version": 1}))
            .send().await.unwrap();
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let problem: Value = stale.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("버전 2"), "{problem}");
        let read: Value = client.get(format!("{}/api/notices/{id}", running.base))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(read["body"], "2월 9~10일 휴무");

        // The trail verifies.
        running.services.audit.shutdown().await;
        let report = egov::audit::verify(&running.services.db, "main", &running.services.audit.verifier())
            .await
            .unwrap();
        assert!(report.damage.is_none(), "{report:?}");
    }

    async fn browsers_read_notices_as_pages(db) {
        let running = common::start(db).await;
        let (status, html) = browse(&running, "/notices", "ko").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("등록된 공지사항이 없습니다."), "{html}");

        let editor = common::login_with(&running, "editor", &["notices:write"]).await;
        let created: Value = reqwest::Client::new()
            .post(format!("{}/api/notices", running.base))
            .bearer_auth(&editor)
            .json(&json!({"title": "설 연휴 민원실 운영 안내", "body": "2월 9일 휴무", "category": "GENERAL"}))
            .send().await.unwrap()
            .json().await.unwrap();
        let id = created["id"].as_str().unwrap();

        // The list: a table with its caption, each title a link, the category's label.
        let (_, html) = browse(&running, "/notices", "ko").await;
        for part in [
            "<caption>공지사항 목록(전체 1건)</caption>".to_owned(),
            format!(r#"<a href="/notices/{id}">설 연휴 민원실 운영 안내</a>"#),
            "<td>일반</td>".to_owned(),
            r#"<a href="/notices" aria-current="page">공지사항</a>"#.to_owned(),
        ] {
            assert!(html.contains(&part), "no `{part}` in:\n{html}");
        }
        let (_, html) = browse(&running, "/notices", "en").await;
        assert!(html.contains("<td>General</td>"), "{html}");

        // One notice, in the layout.
        let (status, html) = browse(&running, &format!("/notices/{id}"), "ko").await;
        assert_eq!(status, StatusCode::OK);
        for part in ["<h1>설 연휴 민원실 운영 안내</h1>", "2월 9일 휴무", r#"<html lang="ko">"#, r#"<main id="main""#] {
            assert!(html.contains(part), "no `{part}` in:\n{html}");
        }

        // No such notice, a bad page number: error pages, not JSON.
        let (status, html) = browse(&running, "/notices/nope", "ko").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains(r#"<main id="main""#), "{html}");
        let (status, html) = browse(&running, "/notices?page=0", "en").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains(r#"<html lang="en">"#), "{html}");
    }
}
