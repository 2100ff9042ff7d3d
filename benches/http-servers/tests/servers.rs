//! Both servers answer the same body; egov-full asks for a token with the
//! permission, and records every request in the audit trail.

use egov::prelude::*;
use http_bench_servers::{
    FULL_CONFIG, LOGIN_ID, NOTICE, PASSWORD, PATH, Without, bare_router, full_app,
};

/// egov-full on a fresh SQLite file, on a free port: its base URL.
async fn start(dir: &std::path::Path, without: Without) -> (String, AuditLog) {
    let config = Config::builder()
        .profile(Profile::Test)
        .embedded("egov-full defaults", FULL_CONFIG)
        .env([(
            "EGOV__DATABASE__URL",
            format!("sqlite://{}/full.db", dir.display()),
        )])
        .load()
        .unwrap();
    let (app, audit) = full_app(&config, without).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.serve(listener, std::future::pending()));
    (base, audit)
}

#[tokio::test(flavor = "multi_thread")]
async fn egov_full_answers_the_notice_to_a_permitted_caller_only() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _audit) = start(dir.path(), Without::default()).await;
    let client = reqwest::Client::new();
    let url = format!("{base}{PATH}");

    let anonymous = client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let session: serde_json::Value = client
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({"login_id": LOGIN_ID, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().unwrap();
    let response = client
        .get(&url)
        .bearer_auth(token)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-language"], "en");
    let full = response.text().await.unwrap();
    assert_eq!(full, serde_json::to_string(&NOTICE).unwrap());

    // Byte for byte what bare-axum answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare = format!("http://{}{PATH}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bare_router()).await });
    assert_eq!(
        reqwest::get(bare).await.unwrap().text().await.unwrap(),
        full
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_auth_the_route_is_public() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _audit) = start(
        dir.path(),
        Without {
            auth: true,
            audit: true,
        },
    )
    .await;
    let response = reqwest::get(format!("{base}{PATH}")).await.unwrap();
    assert_eq!(response.status(), 200);
}
