//! # {{project-name}}
//!
//! An egov-rs service of {{agency_name}}, generated from the egov-rs service
//! template. The framework gives it configuration per profile, telemetry,
//! SQLite or PostgreSQL with migrations, accounts and tokens (`/auth/*`,
//! deny-by-default route policies), common codes (`/codes/*`), the audit trail
//! (every request, and every change as its own event), ko/en messages,
//! validation with localized field errors, health endpoints and OpenAPI
//! (`/docs/`), and pages on the page kit ([`pages`]: the KRDS layout, HTML
//! error pages for browsers, KWCAG 2.2 accessibility).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
{% if sample_resource %}
pub mod notices;
{% endif %}pub mod pages;
// egov generate: modules

use egov::core::message::FluentResources;
use egov::prelude::*;
pub use egov::web::service::{Service, Services, StartError};

/// The service: what it adds to the framework. `main` runs it
/// ([`Service::main`]); tests start it (`egov::web::testing::TestApp`).
pub static SERVICE: Service = Service {
    name: "{{project-name}}",
    title: "{{project-name}} ({{agency_name}})",
    version: env!("CARGO_PKG_VERSION"),
    // `config/default.toml`, compiled in; `config/{profile}.toml` and
    // `EGOV__…` variables override it at run time.
    default_config: include_str!("../config/default.toml"),
    // The framework's migrations, then this service's (layer order).
    migrations: egov::web::migrations![&SERVICE_MIGRATIONS],
    messages: &MESSAGES,
    // The code groups this service maintains as data, imported at every
    // start (unchanged content changes nothing). Staff change them later
    // through the code admin API (`/admin/codes`, permission `codes:write`).
    seed_codes: Some(include_str!("../codes/seed.json")),
};

/// This service's own migrations (layer 5: after the framework's).
pub static SERVICE_MIGRATIONS: MigrationSet = MigrationSet::new(
    "{{project-name}}",
    5,
    &[
{% if sample_resource %}        Migration::portable(
            1,
            "create notices",
            include_str!("../migrations/0001_notices.sql"),
        ),
{% endif %}        // egov generate: migrations
    ],
);

/// This service's messages, in Korean and English.
pub static MESSAGES: FluentResources = FluentResources {
    component: "{{project-name}}",
    files: &[
        ("ko", include_str!("../locales/ko/service.ftl")),
        ("en", include_str!("../locales/en/service.ftl")),
    ],
};

/// The whole service: the framework's routes ([`Services::app`]: `/auth/*`,
/// `/codes/*`, the audit admin API under `/admin/audit`) and this service's,
/// with its pages on the page kit (browsers get errors as pages too).
/// Every request is recorded in the audit trail.
pub fn app(settings: WebSettings, services: &Services) -> App {
    services
        .app(settings)
        .pages(pages::kit(services))
        .router(pages::routes(services)){% if sample_resource %}
        .router(notices::Notice::routes(
            AccessPolicy::Public,
            notices::WRITE,
            services.audit.clone(),
        )){% endif %}
        // egov generate: routes
}
