//! The page kit in an App over real HTTP on 127.0.0.1: one negotiation rule decides
//! between an error page and problem+json; the kit's assets and language switch.

use axum::Json;
use axum::routing::{get, post};
use egov_core::AccessPolicy;
use egov_core::message::Message;
use egov_core::problem::{FieldError, Problem, ProblemType};
use egov_pages::{Page, Pages, PagesSettings};
use egov_web::{ApiError, ApiRouter, App, WebSettings};
use http::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

struct Running {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<Result<(), egov_web::AppError>>,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.server.await.unwrap().unwrap();
    }
}

fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            "/hello",
            AccessPolicy::Public,
            get(|page: Page| async move {
                page.render(
                    "hello.html",
                    egov_pages::minijinja::context! { title => "안녕하세요" },
                )
            }),
        )
        .route(
            "/staff",
            AccessPolicy::Permission(egov_core::actor::Permission::new("petitions:review")),
            get(|| async { "never" }),
        )
        .route(
            "/invalid",
            AccessPolicy::Public,
            post(|| async {
                Err::<(), _>(ApiError(
                    Problem::new(ProblemType::VALIDATION_FAILED).with_field_error(FieldError::new(
                        "/title",
                        "required",
                        Message::new("validation-required"),
                    )),
                ))
            }),
        )
        .route(
            "/echo",
            AccessPolicy::Public,
            post(|Json(v): Json<Value>| async move { Json(v) }),
        )
        .route(
            "/panic",
            AccessPolicy::Public,
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("secret internal state: password=hunter2");
                }
                "unreachable"
            }),
        )
}

async fn start(with_pages: bool) -> Running {
    let settings = WebSettings {
        body_limit_bytes: 1024,
        ..WebSettings::default()
    };
    let mut app = App::new(settings).router(routes());
    if with_pages {
        let pages = Pages::builder(PagesSettings::default())
            .template(
                "hello.html",
                r#"{% extends "egov/layout.html" %}{% block content %}<h1>{{ title }}</h1>{% endblock %}"#,
            )
            ;
        app = app.pages(pages);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async move {
        let _ = stopped.await;
    }));
    Running {
        base,
        stop: Some(stop),
        server,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(response: reqwest::Response) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.text().await.unwrap().replace("&#x2f;", "/"),
    )
}

fn content_type(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn a_browser_gets_error_pages_in_its_language_and_api_clients_problem_json() {
    let server = start(true).await;
    let client = client();

    // 404, 403 (anonymous at a permission route answers 401), 405, 422, 413, 500:
    // a browser gets a page with the problem's status.
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (client.get(server.url("/nowhere")), 404, "ko"),
        (client.get(server.url("/staff")), 401, "ko"),
        (client.delete(server.url("/hello")), 405, "ko"),
        (
            client
                .post(server.url("/invalid"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("title="),
            422,
            "en",
        ),
        (
            client
                .post(server.url("/echo"))
                .header("content-type", "application/json")
                .body(vec![b' '; 4096]),
            413,
            "en",
        ),
        (client.get(server.url("/panic")), 500, "ko"),
    ];
    for (request, status, locale) in cases {
        let response = request
            .header("accept", BROWSER)
            .header("accept-language", locale)
            .send()
            .await
            .unwrap();
        let (got, headers, html) = page(response).await;
        assert_eq!(got.as_u16(), status, "{html}");
        assert!(
            content_type(&headers).starts_with("text/html"),
            "{status}: {headers:?}"
        );
        assert!(
            html.contains(&format!(r#"<html lang="{locale}">"#)),
            "{html}"
        );
        assert!(html.contains("<title>"), "an error page has a title");
        assert!(html.contains(r#"<main id="main""#));
        assert!(html.contains(&status.to_string()));
        assert!(!html.contains("hunter2"), "no internals on a page");
        let csp = headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("style-src 'self'"), "{csp}");
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
        assert!(headers.get_all("vary").iter().any(|v| v == "accept"));
    }

    // The 422 page names the field's error; the 401 page leads to the login page.
    let response = client
        .post(server.url("/invalid"))
        .header("accept", BROWSER)
        .header("accept-language", "ko")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("title=")
        .send()
        .await
        .unwrap();
    let (_, _, html) = page(response).await;
    let required = "필수";
    assert!(html.contains(required), "{html}");
    let response = client
        .get(server.url("/staff"))
        .header("accept", BROWSER)
        .send()
        .await
        .unwrap();
    let (_, _, html) = page(response).await;
    assert!(html.contains(r#"href="/login?next=%2Fstaff""#), "{html}");

    // The same requests from API clients: problem+json, as before.
    for accept in [
        "application/json",
        "*/*",
        "application/problem+json",
        "text/html;q=0",
    ] {
        let response = client
            .get(server.url("/nowhere"))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(content_type(response.headers()), "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["type"], "urn:egov:problem:not-found");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn without_pages_a_browser_still_gets_problem_json() {
    let server = start(false).await;
    let response = client()
        .get(server.url("/nowhere"))
        .header("accept", BROWSER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(content_type(response.headers()), "application/problem+json");
    // No kit routes either.
    let response = client()
        .get(server.url("/egov-static/egov.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn pages_render_in_the_layout_with_the_kits_assets_and_language_switch() {
    let server = start(true).await;
    let client = client();
    let response = client
        .get(server.url("/hello"))
        .header("accept", BROWSER)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let (status, headers, html) = page(response).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("<h1>안녕하세요</h1>"));
    assert!(html.contains(r#"<link rel="stylesheet" href="/egov-static/egov.css">"#));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );

    let css = client
        .get(server.url("/egov-static/egov.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(content_type(css.headers()), "text/css; charset=utf-8");
    assert!(css.text().await.unwrap().contains("word-break: keep-all"));
    let icon = client.get(server.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(content_type(icon.headers()), "image/svg+xml");
    let missing = client
        .get(server.url("/egov-static/../Cargo.toml"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // The language switch remembers the choice and goes back — to local paths only.
    let response = client
        .get(server.url("/lang/en?next=%2Fhello%3Fx%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/hello?x=1");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    for evil in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let response = client
            .get(server.url(&format!("/lang/ko?next={evil}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["location"], "/", "{evil}");
    }
    // An unsupported language changes nothing.
    let response = client
        .get(server.url("/lang/xx?next=%2Fhello"))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("set-cookie").is_none());
    server.shutdown().await;
}
