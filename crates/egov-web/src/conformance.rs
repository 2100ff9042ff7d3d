//! What a running service declares about itself, for `egov check`.
//!
//! A service built with [`App`] can describe its routes (with their access
//! policies and audit modes), its middleware and its messages without serving a
//! request: [`App::conformance_report`]. `egov check` obtains it through the
//! service's own binary — when the environment variable [`REPORT_ENV`] names a
//! file, [`App::serve`] writes the report there as JSON and returns at once
//! instead of serving — so the check sees exactly what the binary would serve,
//! with no extra code in the service.

use std::collections::{BTreeMap, BTreeSet};

#[cfg(feature = "audit")]
use http::Method;
use serde::{Deserialize, Serialize};

use crate::App;

/// The environment variable naming the file [`App::serve`] writes the report to.
pub const REPORT_ENV: &str = "EGOV_CONFORMANCE_REPORT";

/// The report's format version (bumped when fields change meaning).
pub const REPORT_FORMAT: &str = "egov-conformance/1";

/// What a service declares about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConformanceReport {
    /// [`REPORT_FORMAT`].
    pub format: String,
    /// The egov-web version the service was built with.
    pub framework_version: String,
    /// Every route.
    pub routes: Vec<ReportedRoute>,
    /// Whether requests are recorded in the audit trail (`App::audit`).
    pub audit_layer: bool,
    /// Whether requests are authenticated (`App::auth`).
    pub authentication: bool,
    /// Message ids per locale, framework and service messages together.
    pub messages: BTreeMap<String, BTreeSet<String>>,
    /// Every migration the service runs ([`App::migrations`]); empty when
    /// the App was not told (reports of older services have none).
    #[serde(default)]
    pub migrations: Vec<ReportedMigration>,
}

/// One migration the service registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedMigration {
    /// The owning component (a framework crate, or the service).
    pub component: String,
    /// Its version within the component.
    pub version: i64,
    /// Its description.
    pub description: String,
    /// SHA-256 (lower-case hex) of its SQL, per backend (`sqlite`, `postgres`).
    pub sha256: BTreeMap<String, String>,
}

/// One route: where, which methods, who may call it, and how it is audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedRoute {
    /// The path pattern, e.g. `/api/notices/{id}`.
    pub path: String,
    /// Upper-case methods; empty when the route answers every method.
    pub methods: Vec<String>,
    /// The access policy, as `AccessPolicy`'s `Display` writes it (`public`,
    /// `authenticated`, `permission:notices:write`, `any_of(…)`).
    pub policy: String,
    /// The audit mode per method (`off`, `on`, `personal_data:<action>`), or
    /// `None` when the service has no audit layer.
    pub audit: Option<BTreeMap<String, String>>,
}

impl App {
    /// The report `egov check` reads (see the module docs).
    pub fn conformance_report(&self) -> ConformanceReport {
        #[cfg(feature = "audit")]
        let layer = self.audit_layer();
        #[cfg(not(feature = "audit"))]
        let layer: Option<()> = None;
        let routes = self
            .route_table()
            .into_iter()
            .map(|route| {
                let methods = if route.methods.is_empty() {
                    vec!["*".to_owned()]
                } else {
                    route.methods.clone()
                };
                #[cfg(not(feature = "audit"))]
                let audit = {
                    let _ = &methods;
                    None
                };
                #[cfg(feature = "audit")]
                let audit = layer.map(|layer| {
                    methods
                        .iter()
                        .map(|name| {
                            let method = Method::from_bytes(name.as_bytes()).unwrap_or(Method::GET);
                            let mode = match layer.mode(&method, Some(&route.path)) {
                                egov_audit::web::RouteAudit::Off => "off".to_owned(),
                                egov_audit::web::RouteAudit::On => "on".to_owned(),
                                egov_audit::web::RouteAudit::PersonalData { action } => {
                                    format!("personal_data:{}", action.as_str())
                                }
                            };
                            (name.clone(), mode)
                        })
                        .collect()
                });
                ReportedRoute {
                    path: route.path,
                    methods: route.methods,
                    policy: route.policy.to_string(),
                    audit,
                }
            })
            .collect();
        let resources: Vec<&egov_core::message::FluentResources> = crate::FRAMEWORK_MESSAGES
            .iter()
            .copied()
            .chain(self.message_resources().iter().copied())
            .collect();
        ConformanceReport {
            format: REPORT_FORMAT.to_owned(),
            framework_version: env!("CARGO_PKG_VERSION").to_owned(),
            routes,
            audit_layer: layer.is_some(),
            authentication: self.has_auth(),
            messages: egov_i18n::message_ids(&resources),
            migrations: self
                .migration_sets()
                .iter()
                .flat_map(|set| {
                    set.migrations().iter().map(|migration| ReportedMigration {
                        component: set.component().to_owned(),
                        version: migration.version(),
                        description: migration.description().to_owned(),
                        sha256: [
                            ("sqlite", egov_db::Backend::Sqlite),
                            ("postgres", egov_db::Backend::Postgres),
                        ]
                        .into_iter()
                        .map(|(name, backend)| (name.to_owned(), migration.checksum(backend)))
                        .collect(),
                    })
                })
                .collect(),
        }
    }
}

/// Writes the report to the file named by [`REPORT_ENV`], if it is set.
/// Returns whether it did (then the caller must not serve).
pub(crate) fn write_if_requested(app: &App) -> Result<bool, std::io::Error> {
    let Some(path) = std::env::var_os(REPORT_ENV) else {
        return Ok(false);
    };
    let json =
        serde_json::to_string_pretty(&app.conformance_report()).map_err(std::io::Error::other)?;
    std::fs::write(path, json)?;
    Ok(true)
}
