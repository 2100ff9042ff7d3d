//! The standard stack over real HTTP on 127.0.0.1.

use std::time::Duration;

use axum::Json;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use egov_core::AccessPolicy;
use egov_core::config::Profile;
use egov_web::{ApiRouter, App, WebSettings};
use http::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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

async fn start(app: App) -> Running {
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

fn test_routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            "/echo",
            AccessPolicy::Public,
            post(|Json(v): Json<Value>| async move { Json(v) }),
        )
        .route(
            "/slow",
            AccessPolicy::Public,
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "done"
            }),
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
        .route(
            "/form",
            AccessPolicy::Public,
            get(
                |axum::extract::Query(q): axum::extract::Query<
                    std::collections::BTreeMap<String, String>,
                >| async move {
                    let status = q
                        .get("status")
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                    let mut response =
                        (status, axum::response::Html("<p>form with errors</p>")).into_response();
                    if q.contains_key("rendered") {
                        response.extensions_mut().insert(egov_web::RenderedPage);
                    }
                    response
                },
            ),
        )
        .route(
            "/members",
            AccessPolicy::Authenticated,
            get(|| async { "members only" }),
        )
        .route(
            "/admin",
            AccessPolicy::permission("codes:write"),
            get(|| async { "admins only" }),
        )
}

/// A capability crate's plain axum router, mounted under one policy.
fn mounted_routes() -> ApiRouter {
    let admin = axum::Router::new().route("/report", get(|| async { "report" }));
    let open = axum::Router::new().route("/about", get(|| async { "about" }));
    ApiRouter::new()
        .nest_router(
            "/admin/audit",
            AccessPolicy::permission("audit:read"),
            admin,
        )
        .nest_router("/info", AccessPolicy::Public, open)
}

fn settings() -> WebSettings {
    WebSettings {
        body_limit_bytes: 1024,
        request_timeout_secs: 1,
        ..WebSettings::default()
    }
}

async fn start_default() -> Running {
    start(App::new(settings()).router(test_routes())).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

async fn problem(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response.headers()[http::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16(), "{body}");
    (status, body)
}

#[tokio::test]
async fn unknown_route_is_a_localized_404_problem() {
    let app = start_default().await;
    let response = client().get(app.url("/nowhere?id=1")).send().await.unwrap();
    assert_eq!(response.headers()[http::header::CONTENT_LANGUAGE], "ko");
    let (status, body) = problem(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["type"], "urn:egov:problem:not-found");
    assert_eq!(body["title"], "요청한 자원을 찾을 수 없습니다");
    assert_eq!(body["instance"], "/nowhere");
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));

    let english = client()
        .get(app.url("/nowhere"))
        .header("accept-language", "en-US,en;q=0.9,ko;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(english.headers()[http::header::CONTENT_LANGUAGE], "en");
    let (_, body) = problem(english).await;
    assert_eq!(body["title"], "Not found");
    app.shutdown().await;
}

#[tokio::test]
async fn wrong_method_is_a_405_problem_keeping_allow() {
    let app = start_default().await;
    let response = client().delete(app.url("/echo")).send().await.unwrap();
    let allow = response.headers().get(http::header::ALLOW).cloned();
    let (status, body) = problem(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["type"], "urn:egov:problem:method-not-allowed");
    assert_eq!(allow.unwrap(), "POST");
    app.shutdown().await;
}

#[tokio::test]
async fn oversized_body_is_a_413_problem() {
    let app = start_default().await;
    let big = format!("{{\"text\": \"{}\"}}", "가".repeat(2000));
    let response = client()
        .post(app.url("/echo"))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(big)
        .send()
        .await
        .unwrap();
    let (status, body) = problem(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["type"], "urn:egov:problem:payload-too-large");
    assert_eq!(
        body["detail"],
        "The request body may be at most 1024 bytes."
    );

    // Without a Content-Length (chunked), the limit still holds.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..2048).map(|_| Ok(b"[".to_vec())).collect();
    let stream = reqwest::Body::wrap_stream(futures_stream(chunks));
    let response = client()
        .post(app.url("/echo"))
        .header("content-type", "application/json")
        .body(stream)
        .send()
        .await
        .unwrap();
    let (status, _) = problem(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    app.shutdown().await;
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct Iter(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Iter {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(chunks.into_iter())
}

#[tokio::test]
async fn malformed_json_is_a_400_problem_without_parser_internals() {
    let app = start_default().await;
    let response = client()
        .post(app.url("/echo"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = problem(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["type"], "urn:egov:problem:bad-request");
    let text = body.to_string();
    assert!(!text.contains("EOF") && !text.contains("line 1"), "{text}");

    let wrong_type = client()
        .post(app.url("/echo"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let (status, body) = problem(wrong_type).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    app.shutdown().await;
}

#[tokio::test]
async fn slow_handler_times_out_as_a_503_problem() {
    let app = start_default().await;
    let response = client()
        .get(app.url("/slow"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let (status, body) = problem(response).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["type"], "urn:egov:problem:timeout");
    assert_eq!(
        body["detail"],
        "The request was not completed within 1 seconds."
    );
    app.shutdown().await;
}

#[tokio::test]
async fn panic_is_an_opaque_500_problem() {
    let app = start_default().await;
    let response = client().get(app.url("/panic")).send().await.unwrap();
    let (status, body) = problem(response).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["type"], "urn:egov:problem:internal");
    let text = body.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("secret") && !text.contains(".rs"),
        "{text}"
    );
    // The service keeps serving.
    let live = client().get(app.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    app.shutdown().await;
}

#[tokio::test]
async fn request_id_is_generated_echoed_and_sanitized() {
    let app = start_default().await;
    let generated = client().get(app.url("/health/live")).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);

    let echoed = client()
        .get(app.url("/health/live"))
        .header("x-request-id", "gw-2026.11.27:abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "gw-2026.11.27:abc-123");

    let hostile = client()
        .get(app.url("/nowhere"))
        .header("x-request-id", "<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    let replaced = hostile.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&replaced).is_ok(), "{replaced}");
    let (_, body) = problem(hostile).await;
    assert_eq!(body["request_id"], replaced.as_str());
    app.shutdown().await;
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = start(
        App::new(WebSettings {
            hsts: true,
            ..settings()
        })
        .router(test_routes()),
    )
    .await;
    for path in ["/health/live", "/nowhere", "/panic"] {
        let response = client().get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'"),
            "{path}"
        );
        assert!(
            headers["strict-transport-security"]
                .to_str()
                .unwrap()
                .contains("max-age="),
            "{path}"
        );
    }
    app.shutdown().await;

    let plain = start_default().await;
    let response = client()
        .get(plain.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
    plain.shutdown().await;
}

#[tokio::test]
async fn cors_is_closed_unless_configured() {
    let closed = start_default().await;
    let response = client()
        .get(closed.url("/health/live"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    closed.shutdown().await;

    let open = start(
        App::new(WebSettings {
            cors_allowed_origins: vec!["https://portal.gov.example".into()],
            ..settings()
        })
        .router(test_routes()),
    )
    .await;
    let allowed = client()
        .get(open.url("/health/live"))
        .header("origin", "https://portal.gov.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://portal.gov.example"
    );
    let other = client()
        .get(open.url("/health/live"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    open.shutdown().await;
}

#[tokio::test]
async fn routes_deny_by_default_when_their_policy_is_not_met() {
    let app = start_default().await;
    let members = client().get(app.url("/members")).send().await.unwrap();
    assert_eq!(members.headers()["www-authenticate"], "Bearer");
    let (status, body) = problem(members).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["type"], "urn:egov:problem:unauthenticated");
    let admin = client().get(app.url("/admin")).send().await.unwrap();
    assert_eq!(admin.status(), StatusCode::UNAUTHORIZED);
    app.shutdown().await;
}

#[tokio::test]
async fn health_and_openapi_are_served_with_policies_documented() {
    // The dev profile: the only one with the docs page (tests/docs_page.rs).
    let app = App::new(settings())
        .profile(Profile::Dev)
        .router(test_routes());
    let table = app.route_table();
    for (path, policy) in [
        ("/members", AccessPolicy::Authenticated),
        ("/admin", AccessPolicy::permission("codes:write")),
        ("/health/ready", AccessPolicy::Public),
    ] {
        assert!(
            table.iter().any(|r| r.path == path && r.policy == policy),
            "{path}"
        );
    }
    let app = start(app).await;
    let live: Value = client()
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live["status"], "up");
    // No database configured: ready means the process is up.
    let ready = client().get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    let spec: Value = client()
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        spec["paths"]["/health/ready"]["get"]["x-egov-access-policy"],
        "public"
    );

    let docs = client().get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger"), "docs page is not Swagger UI");
    // Its assets come from this service, not from a CDN.
    assert!(!html.contains("https://"), "docs page loads remote assets");
    let script = client()
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);

    let compressed = client()
        .get(app.url("/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    app.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let app = start(
        App::new(WebSettings {
            request_timeout_secs: 10,
            shutdown_timeout_secs: 10,
            ..settings()
        })
        .router(test_routes()),
    )
    .await;
    let url = app.url("/slow");
    let in_flight = tokio::spawn(async move { client().get(url).send().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let base = app.base.clone();
    let started = std::time::Instant::now();
    app.shutdown().await;
    // The server returned only after the slow request completed…
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "done");
    // …and accepts nothing new.
    assert!(
        client()
            .get(format!("{base}/health/live"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shutdown_deadline_abandons_requests_that_run_too_long() {
    let app = start(
        App::new(WebSettings {
            request_timeout_secs: 30,
            shutdown_timeout_secs: 0,
            ..settings()
        })
        .router(test_routes()),
    )
    .await;
    let url = app.url("/slow");
    let in_flight = tokio::spawn(async move { client().get(url).send().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    app.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    in_flight.abort();
}

#[tokio::test]
async fn mounted_routers_are_guarded_by_their_policy() {
    let app = App::new(settings()).router(mounted_routes());
    assert!(
        app.route_table()
            .iter()
            .any(|r| r.path == "/admin/audit/{*rest}"
                && r.policy == AccessPolicy::permission("audit:read"))
    );
    let app = start(app).await;
    let denied = client()
        .get(app.url("/admin/audit/report"))
        .send()
        .await
        .unwrap();
    let (status, _) = problem(denied).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let open = client().get(app.url("/info/about")).send().await.unwrap();
    assert_eq!(open.status(), StatusCode::OK);
    assert_eq!(open.text().await.unwrap(), "about");
    app.shutdown().await;
}

#[tokio::test]
async fn a_page_marked_rendered_keeps_its_html_on_a_4xx_but_never_on_a_5xx() {
    let running = start_default().await;
    let c = client();
    let kept = c.get(running.url("/form?rendered")).send().await.unwrap();
    assert_eq!(kept.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        kept.headers()[http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(kept.text().await.unwrap(), "<p>form with errors</p>");
    // Unmarked: the usual problem, the handler's text replaced.
    let (status, body) = problem(c.get(running.url("/form")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!body.to_string().contains("form with errors"));
    // A 5xx never passes through, marked or not.
    let (status, body) = problem(
        c.get(running.url("/form?rendered&status=500"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("form with errors"));
    running.shutdown().await;
}
