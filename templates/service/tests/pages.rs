//! The pages over real HTTP, as a browser and an API client see them: every page
//! in the layout (language, skip link, main landmark, privacy-policy link), the
//! privacy policy itself, and errors as pages for browsers but problem+json for
//! API clients. (The browser test with axe-core runs on the built service:
//! `cargo xtask template-check` in egov-rs.)

mod common;

use reqwest::StatusCode;

/// What a browser sends for a page.
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A browser's `GET path` in `locale`: the status, the content type, the page
/// (with `/`, which the templates escape in attributes, unescaped).
async fn browse(running: &common::Running, path: &str, locale: &str) -> (StatusCode, String, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", running.base))
        .header("accept", BROWSER)
        .header("accept-language", locale)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    let html = response.text().await.unwrap().replace("&#x2f;", "/");
    (status, content_type, html)
}

/// Asserts that `html` is a page in the layout, in `locale`.
fn assert_in_layout(html: &str, locale: &str) {
    for part in [
        format!(r#"<html lang="{locale}">"#),
        r##"<a class="egov-skip" href="#main">"##.to_owned(),
        r#"<main id="main""#.to_owned(),
        r#"<a class="egov-privacy" href="/privacy">"#.to_owned(),
        "{{agency_name}}".to_owned(),
    ] {
        assert!(html.contains(&part), "no `{part}` in:\n{html}");
    }
}

egov::db::backend_tests! {
    async fn pages_are_in_the_layout_in_korean_and_english(db) {
        let running = common::start(db).await;

        let (status, content_type, html) = browse(&running, "/", "ko").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert_in_layout(&html, "ko");
        assert!(html.contains("<h1>{{project-name}}</h1>"), "{html}");
        assert!(html.contains("본문 바로가기"), "{html}");
        let (_, _, html) = browse(&running, "/", "en").await;
        assert_in_layout(&html, "en");
        assert!(html.contains("Skip to main content"), "{html}");

        // The privacy policy: what the service collects and keeps, in each language.
        let (status, _, html) = browse(&running, "/privacy", "ko").await;
        assert_eq!(status, StatusCode::OK);
        assert_in_layout(&html, "ko");
        for part in ["<h1>개인정보처리방침</h1>", "아이디, 이름, 전자우편 주소", "접속지 IP 주소", "730일", "개인정보 보호책임자"] {
            assert!(html.contains(part), "no `{part}` in:\n{html}");
        }
        let (status, _, html) = browse(&running, "/privacy", "en").await;
        assert_eq!(status, StatusCode::OK);
        assert_in_layout(&html, "en");
        for part in ["<h1>Privacy policy</h1>", "Login ID, name, e-mail address", "IP address", "730 days", "Privacy officer"] {
            assert!(html.contains(part), "no `{part}` in:\n{html}");
        }
    }

    async fn browsers_get_error_pages_and_api_clients_problems(db) {
        let running = common::start(db).await;

        // A browser: the 404 as a page in the layout, in its language.
        for locale in ["ko", "en"] {
            let (status, content_type, html) = browse(&running, "/no/such/page", locale).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(content_type, "text/html; charset=utf-8");
            assert_in_layout(&html, locale);
        }
        // An API client: problem+json, as before.
        let api = reqwest::Client::new()
            .get(format!("{}/no/such/page", running.base))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::NOT_FOUND);
        assert_eq!(api.headers()["content-type"], "application/problem+json");
    }
}
