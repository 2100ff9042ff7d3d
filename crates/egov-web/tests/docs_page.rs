//! `/docs/` (Swagger UI) is served in the `dev` profile only — it fails the
//! accessibility checks public pages must pass (see `App::profile`) — while
//! `/openapi.json` is served in every profile. Over real HTTP on 127.0.0.1:
//! a bare `App` told each profile (and told none), and whole services whose
//! profile comes from their configuration through `Services::app`.

use egov_core::config::{Config, Profile};
use egov_web::service::{Service, Services};
use egov_web::testing::{TestApp, TestServer};
use egov_web::{App, WebSettings};
use http::StatusCode;

static SERVICE: Service = Service {
    name: "docs-page-test",
    title: "docs page test",
    version: "0",
    default_config: "",
    migrations: egov_web::migrations![],
    messages: &egov_core::MESSAGES,
    seed_codes: None,
};

/// What `GET path` answers: its status and body.
async fn get(base: &str, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// Checks the docs page and the OpenAPI document of the service at `base`.
async fn assert_docs_page(base: &str, served: bool, what: &str) {
    let (status, body) = get(base, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK, "{what}: /openapi.json");
    assert!(body.contains("\"openapi\""), "{what}: {body}");

    let (status, body) = get(base, "/docs/").await;
    let asset = get(base, "/docs/swagger-ui-bundle.js").await.0;
    if served {
        assert_eq!(status, StatusCode::OK, "{what}: /docs/");
        assert!(body.contains("swagger"), "{what}: /docs/ is not Swagger UI");
        assert_eq!(asset, StatusCode::OK, "{what}: Swagger UI's script");
    } else {
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: /docs/ {body}");
        assert!(
            body.contains("urn:egov:problem:not-found"),
            "{what}: {body}"
        );
        assert_eq!(asset, StatusCode::NOT_FOUND, "{what}: Swagger UI's script");
    }
}

#[tokio::test]
async fn an_app_serves_the_docs_page_in_the_dev_profile_only() {
    for (profile, served) in [
        (Some(Profile::Dev), true),
        (Some(Profile::Test), false),
        (Some(Profile::Prod), false),
        // Not told its profile: the strictest, prod.
        (None, false),
    ] {
        let what = profile.map_or("no profile".to_owned(), |p| format!("profile {p}"));
        let app = App::new(WebSettings::default());
        let app = match profile {
            Some(profile) => app.profile(profile),
            None => app,
        };
        assert_eq!(app.serves_docs_page(), served, "{what}");
        let table = app.route_table();
        assert!(
            table.iter().any(|r| r.path == "/openapi.json"),
            "{what}: /openapi.json in the route table"
        );
        assert_eq!(
            table.iter().any(|r| r.path == "/docs"),
            served,
            "{what}: /docs in the route table"
        );
        let server = TestServer::start(app).await;
        assert_docs_page(&server.base, served, &what).await;
    }
}

#[tokio::test]
async fn without_openapi_docs_neither_is_served_even_in_dev() {
    let app = App::new(WebSettings {
        openapi_docs: false,
        ..WebSettings::default()
    })
    .profile(Profile::Dev);
    assert!(!app.serves_docs_page());
    let server = TestServer::start(app).await;
    for path in ["/openapi.json", "/docs/"] {
        assert_eq!(
            get(&server.base, path).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

fn app(settings: WebSettings, services: &Services) -> App {
    services.app(settings)
}

/// A service started from a configuration in `profile` (its built-in
/// defaults only: no files, no environment).
async fn service_in(profile: Profile, db: egov_db::Db) -> TestApp {
    let config = Config::builder()
        .profile(profile)
        .dir("/nonexistent")
        .env(std::iter::empty::<(String, String)>())
        .load()
        .unwrap();
    let services = SERVICE.start(&config, db).await.unwrap();
    assert_eq!(services.profile, profile);
    TestApp::serve(services, app).await
}

#[test]
fn a_service_takes_the_profile_from_its_configuration() {
    egov_db::testing::run(egov_db::Backend::Sqlite, |db| async move {
        // One after the other: each stops its audit trail before the next starts.
        let dev = service_in(Profile::Dev, db.clone()).await;
        assert_docs_page(&dev.base, true, "a service in dev").await;
        dev.services.audit.shutdown().await;
        let test = service_in(Profile::Test, db.clone()).await;
        assert_docs_page(&test.base, false, "a service in test").await;
        test.services.audit.shutdown().await;
        // TestApp::start: the service's test configuration.
        let started = TestApp::start(&SERVICE, db, app).await;
        assert_docs_page(&started.base, false, "TestApp::start").await;
        started.services.audit.shutdown().await;
    });
}
