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
