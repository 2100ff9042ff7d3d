//! # {{project-name}}
//!
//! An egov-rs service of {{agency_name}}, generated from the egov-rs service
//! template. The framework gives it configuration per profile, telemetry,
//! SQLite or PostgreSQL with migrations, the audit trail (every request, and
//! every change as its own event), ko/en messages, validation with localized
//! field errors, health endpoints and OpenAPI (`/docs/`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
{% if sample_resource %}
pub mod notices;
{% endif %}
use egov::core::message::FluentResources;
use egov::prelude::*;

/// The defaults compiled into the binary (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// This service's own migrations (layer 5: after the framework's).
pub static SERVICE_MIGRATIONS: MigrationSet = MigrationSet::new(
    "{{project-name}}",
    5,
    &[{% if sample_resource %}Migration::portable(
        1,
        "create notices",
        include_str!("../migrations/0001_notices.sql"),
    ){% endif %}],
);

/// Every migration the service needs, framework's first.
pub static MIGRATIONS: &[&MigrationSet] = &[
    &egov::db::change::MIGRATIONS,
    &egov::audit::MIGRATIONS,
    &SERVICE_MIGRATIONS,
];

/// This service's messages, in Korean and English.
pub static MESSAGES: FluentResources = FluentResources {
    component: "{{project-name}}",
    files: &[
        ("ko", include_str!("../locales/ko/service.ftl")),
        ("en", include_str!("../locales/en/service.ftl")),
    ],
};

/// The whole service on `db` (already migrated): every request recorded in
/// `audit`, the audit admin API under `/admin/audit` (permission `audit:read`).
pub fn app(settings: WebSettings, db: Db, audit: AuditLog, audit_settings: &AuditSettings) -> App {
    let admin = egov::audit::admin::router(db.clone(), audit_settings);
    App::new(settings)
        .api_info("{{project-name}} ({{agency_name}})", env!("CARGO_PKG_VERSION"))
        .messages(&MESSAGES)
        .database(db.clone())
        .audit(egov::audit::web::AuditLayer::new(audit.clone())){% if sample_resource %}
        .router(notices::routes(db.clone(), audit)){% endif %}
        .router(ApiRouter::new().nest_router(
            "/admin/audit",
            egov::audit::admin::ADMIN_POLICY,
            admin,
        ))
}
