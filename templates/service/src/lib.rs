//! # {{project-name}}
//!
//! An egov-rs service of {{agency_name}}, generated from the egov-rs service
//! template. The framework gives it configuration per profile, telemetry,
//! SQLite or PostgreSQL with migrations, accounts and tokens (`/auth/*`,
//! deny-by-default route policies), common codes (`/codes/*`), the audit trail
//! (every request, and every change as its own event), ko/en messages,
//! validation with localized field errors, health endpoints and OpenAPI
//! (`/docs/`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
{% if sample_resource %}
pub mod notices;
{% endif %}// egov generate: modules

use std::sync::Arc;

use egov::codes::CodeRegistry;
use egov::core::message::FluentResources;
use egov::prelude::*;
use egov::privacy::{Privacy, PrivacySettings};

/// The defaults compiled into the binary (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

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

/// Every migration the service needs: the framework's, then its own
/// ([`Db::migrate`] runs them in layer order).
pub static MIGRATIONS: &[&MigrationSet] = egov::web::migrations![&SERVICE_MIGRATIONS];

/// This service's messages, in Korean and English.
pub static MESSAGES: FluentResources = FluentResources {
    component: "{{project-name}}",
    files: &[
        ("ko", include_str!("../locales/ko/service.ftl")),
        ("en", include_str!("../locales/en/service.ftl")),
    ],
};

/// The code groups this service maintains as data, imported at every start
/// (an import of unchanged content changes nothing). Staff change them later
/// through the code admin API (`/admin/codes`, permission `codes:write`).
pub const SEED_CODES: &str = include_str!("../codes/seed.json");

/// Why the service could not start.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// The parts of the running service, started once at start-up.
#[derive(Clone)]
pub struct Services {
    /// The database (migrated).
    pub db: Db,
    /// The audit trail.
    pub audit: AuditLog,
    /// The `[audit]` settings (for the audit admin API).
    pub audit_settings: AuditSettings,
    /// Accounts, tokens and permissions.
    pub auth: Auth,
    /// The common code tables.
    pub codes: CodeRegistry,
    /// Field encryption and blind indexes of personal data (`[privacy]` keys).
    pub privacy: Arc<Privacy>,
}

/// Handlers with `State<Services>` can take egov's `Change` (the caller and
/// the audit log of a write).
impl axum::extract::FromRef<Services> for AuditLog {
    fn from_ref(services: &Services) -> Self {
        services.audit.clone()
    }
}

/// Migrates `db` and starts the audit trail, the code registry (with
/// [`SEED_CODES`]) and authentication, configured by `config`.
pub async fn start(config: &Config, db: Db) -> Result<Services, StartError> {
    db.migrate(MIGRATIONS).await?;
    let audit_settings: AuditSettings = config.section()?;
    let audit = AuditLog::start(db.clone(), &audit_settings).await?;
    let codes = CodeRegistry::start(db.clone(), audit.clone(), config.section()?).await?;
    let seed = egov::codes::transfer::parse_json(SEED_CODES)
        .map_err(|issues| format!("codes/seed.json: {issues:?}"))?;
    codes
        .import(
            &Actor::system("{{project-name}}-seed"),
            seed,
            &egov::codes::transfer::no_progress,
        )
        .await?;
    let privacy = Privacy::from_settings(&config.section::<PrivacySettings>()?)?;
    // TOTP secrets are encrypted with the `[privacy]` field keys.
    let cipher = privacy.cipher.clone();
    let auth = Auth::new(db.clone(), config.section()?, cipher, audit.clone()).await?;
    Ok(Services {
        db,
        audit,
        audit_settings,
        auth,
        codes,
        privacy: Arc::new(privacy),
    })
}

/// The whole service: `/auth/*` and `/codes/*` from the framework, this
/// service's routes, and the audit admin API under `/admin/audit`
/// (permission `audit:read`). Every request is recorded in the audit trail.
pub fn app(settings: WebSettings, services: &Services) -> App {
    App::new(settings)
        .api_info("{{project-name}} ({{agency_name}})", env!("CARGO_PKG_VERSION"))
        .messages(&MESSAGES)
        .database(services.db.clone())
        .audit(egov::audit::web::AuditLayer::new(services.audit.clone()))
        .auth(services.auth.clone())
        .codes(services.codes.clone()){% if sample_resource %}
        .router(notices::Notice::routes(
            AccessPolicy::Public,
            notices::WRITE,
            services.audit.clone(),
        )){% endif %}
        // egov generate: routes
        .router(egov::audit::admin::api(
            services.db.clone(),
            &services.audit_settings,
        ))
}
