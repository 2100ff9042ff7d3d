//! The conformance report `egov check` reads: what it says about a service.
//! (The `EGOV_CONFORMANCE_REPORT` hook in `App::serve` is exercised end to end
//! by egov-cli's `tests/check.rs`, whose test executable doubles as a small
//! service that `egov check --binary` runs, and by `cargo xtask template-check`,
//! which runs `egov check` on every buildable generated service.)

use axum::Json;
use egov_audit::web::{AuditLayer, RouteAudit};
use egov_audit::{Action, AuditLog, AuditSettings};
use egov_core::AccessPolicy;
use egov_web::conformance::REPORT_FORMAT;
use egov_web::{ApiRouter, App, WebSettings};
use http::Method;
use utoipa_axum::routes;

/// Lists things.
#[utoipa::path(get, path = "/api/things", responses((status = 200, body = String)))]
async fn list_things() -> Json<String> {
    Json("things".into())
}

/// Changes things.
#[utoipa::path(post, path = "/api/things", responses((status = 200, body = String)))]
async fn change_things() -> Json<String> {
    Json("changed".into())
}

async fn app() -> App {
    let db = egov_db::Db::connect_url("sqlite::memory:").await.unwrap();
    db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    App::new(WebSettings::default())
        .database(db)
        .audit(
            AuditLayer::new(audit)
                .route(
                    Method::GET,
                    "/api/things",
                    RouteAudit::PersonalData {
                        action: Action::VIEW,
                    },
                )
                .route(Method::POST, "/api/things", RouteAudit::Off),
        )
        .router(
            ApiRouter::new()
                .routes(AccessPolicy::Public, routes!(list_things))
                .routes(
                    AccessPolicy::permission("things:write"),
                    routes!(change_things),
                ),
        )
}

#[tokio::test]
async fn the_report_lists_routes_policies_audit_modes_and_messages() {
    let report = app().await.conformance_report();
    assert_eq!(report.format, REPORT_FORMAT);
    assert!(report.audit_layer);
    assert!(!report.authentication);
    let things: Vec<_> = report
        .routes
        .iter()
        .filter(|r| r.path == "/api/things")
        .collect();
    let get = things.iter().find(|r| r.methods == ["GET"]).unwrap();
    assert_eq!(get.policy, "public");
    assert_eq!(get.audit.as_ref().unwrap()["GET"], "personal_data:view");
    let post = things.iter().find(|r| r.methods == ["POST"]).unwrap();
    assert_eq!(post.policy, "permission:things:write");
    assert_eq!(post.audit.as_ref().unwrap()["POST"], "off");
    for path in ["/health/live", "/health/ready", "/openapi.json"] {
        assert!(report.routes.iter().any(|r| r.path == path), "{path}");
    }
    // Framework messages in both locales.
    for locale in ["ko", "en"] {
        assert!(
            report.messages[locale].contains("problem-bad-request"),
            "{locale}"
        );
        assert!(
            report.messages[locale].contains("validation-required"),
            "{locale}"
        );
    }
    assert_eq!(report.messages["ko"], report.messages["en"]);
}

#[tokio::test]
async fn a_personal_data_route_declared_on_the_app_is_reported_so() {
    let db = egov_db::Db::connect_url("sqlite::memory:").await.unwrap();
    db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let routes = || {
        ApiRouter::new()
            .routes(AccessPolicy::Public, routes!(list_things))
            .routes(
                AccessPolicy::permission("things:write"),
                routes!(change_things),
            )
    };
    let mode = |app: &App, method: &str| {
        app.conformance_report()
            .routes
            .into_iter()
            .find(|r| r.path == "/api/things" && r.methods == [method])
            .and_then(|r| r.audit)
            .map(|modes| modes[method].clone())
    };
    let plain = App::new(WebSettings::default())
        .audit(AuditLayer::new(audit.clone()))
        .router(routes());
    assert_eq!(mode(&plain, "GET").as_deref(), Some("on"));
    // The layer installed first (as `Services::app` does), then the route marked.
    let marked = App::new(WebSettings::default())
        .audit(AuditLayer::new(audit.clone()))
        .personal_data_route(Method::GET, "/api/things", Action::VIEW)
        .router(routes());
    assert_eq!(mode(&marked, "GET").as_deref(), Some("personal_data:view"));
    assert_eq!(mode(&marked, "POST").as_deref(), Some("on"));
    audit.shutdown().await;
}

/// A page written by hand, outside the kit.
async fn hand_written() -> axum::response::Html<&'static str> {
    axum::response::Html("<html><body><main><h1>Hello</h1></main></body></html>")
}

async fn start(page: egov_pages::Page) -> axum::response::Response {
    page.render(
        "start.html",
        egov_pages::minijinja::context! { title => "Start" },
    )
}

async fn accept_form() -> &'static str {
    "sent"
}

fn kit() -> egov_pages::PagesBuilder {
    egov_pages::Pages::builder(egov_pages::PagesSettings {
        login: String::new(),
        ..egov_pages::PagesSettings::default()
    })
    .template(
        "start.html",
        r#"{% extends "egov/layout.html" %}{% block content %}<h1>{{ title }}</h1>{% endblock %}"#,
    )
}

#[tokio::test]
async fn the_probed_report_has_the_methods_of_page_routes_and_what_browsers_get() {
    let audit_db = egov_db::Db::connect_url("sqlite::memory:").await.unwrap();
    audit_db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let audit = AuditLog::start(audit_db, &AuditSettings::default())
        .await
        .unwrap();
    let pages = ApiRouter::new()
        .route("/", AccessPolicy::Public, axum::routing::get(start))
        .route(
            "/form",
            AccessPolicy::Public,
            axum::routing::get(start).post(accept_form),
        )
        .route(
            "/staff/{id}",
            AccessPolicy::permission("staff:read"),
            axum::routing::get(start),
        )
        .route(
            "/hello",
            AccessPolicy::Public,
            axum::routing::get(hand_written),
        );
    let app = App::new(WebSettings::default())
        .audit(AuditLayer::new(audit.clone()).route(Method::POST, "/form", RouteAudit::Off))
        .router(pages)
        .pages(kit());
    let unbuilt = app.conformance_report();
    assert!(unbuilt.pages.is_none());
    let report = app.probed_conformance_report().await.unwrap();
    let route = |path: &str| report.routes.iter().find(|r| r.path == path).unwrap();

    // Methods from the built service (also behind a policy), with their audit modes.
    assert_eq!(route("/").methods, ["GET"]);
    assert_eq!(route("/form").methods, ["GET", "POST"]);
    let modes = route("/form").audit.clone().unwrap();
    assert_eq!(
        (modes["GET"].as_str(), modes["POST"].as_str()),
        ("on", "off")
    );
    assert_eq!(route("/staff/{id}").methods, ["GET"]);
    assert_eq!(route("/favicon.ico").methods, ["GET"]);

    let pages = report.pages.unwrap();
    assert!(pages.kit);
    let probe = |path: &str, locale: &str| {
        pages
            .probes
            .iter()
            .find(|p| p.path == path && p.locale == locale)
            .unwrap_or_else(|| panic!("{path} {locale} not probed: {:#?}", pages.probes))
    };
    for locale in ["ko", "en"] {
        let start = probe("/", locale);
        assert_eq!(start.status, 200);
        assert_eq!(start.content_language, locale);
        let facts = start.html.as_ref().unwrap();
        assert_eq!(facts.lang.as_deref(), Some(locale));
        assert!(facts.main && facts.skip_link);
        assert_eq!(facts.privacy_link.as_deref(), Some("/privacy"));
        assert!(facts.local_links.contains(&"/".to_owned()), "{facts:?}");

        // The hand-written page is HTML without the layout.
        let hello = probe("/hello", locale).html.clone().unwrap();
        assert_eq!(hello.lang, None);
        assert!(hello.main && !hello.skip_link);
        assert_eq!(hello.privacy_link, None);

        // The kit's 404 page; JSON stays JSON.
        let missing = probe(egov_web::conformance::MISSING_PAGE_PROBE, locale);
        assert_eq!(missing.status, 404);
        assert!(missing.html.as_ref().unwrap().skip_link);
        let health = probe("/health/live", locale);
        assert_eq!(health.status, 200);
        assert!(health.html.is_none(), "{health:?}");
    }
    // Not probed: behind a policy, or with a parameter.
    assert!(!pages.probes.iter().any(|p| p.path.starts_with("/staff")));
    audit.shutdown().await;
}

#[tokio::test]
async fn without_the_kit_a_browser_gets_problem_json_for_a_missing_page() {
    let report = App::new(WebSettings::default())
        .router(ApiRouter::new().route(
            "/hello",
            AccessPolicy::Public,
            axum::routing::get(hand_written),
        ))
        .probed_conformance_report()
        .await
        .unwrap();
    let pages = report.pages.unwrap();
    assert!(!pages.kit);
    let missing = pages
        .probes
        .iter()
        .find(|p| p.path == egov_web::conformance::MISSING_PAGE_PROBE)
        .unwrap();
    assert_eq!(missing.status, 404);
    assert!(missing.content_type.starts_with("application/problem+json"));
    assert!(missing.html.is_none());
}
