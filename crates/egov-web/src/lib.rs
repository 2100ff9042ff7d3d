//! # egov-web
//!
//! Assembles egov-rs into one axum service. Only this crate builds the
//! application: the middleware stack and every crate's routes come together in
//! [`App`].
//!
//! - Every route is registered with an [`AccessPolicy`](egov_core::AccessPolicy)
//!   through [`ApiRouter`]; there is no other way to add one, and the policy is
//!   enforced before the handler runs.
//! - Every error is `application/problem+json` (RFC 9457), localized from the
//!   problem's message keys by the caller's `Accept-Language`.
//! - `/health/live`, `/health/ready` (503 while the database is unreachable),
//!   `/openapi.json`, and an offline interactive docs page at `/docs/` in the
//!   `dev` profile only: Swagger UI fails the accessibility checks public
//!   pages must pass (KWCAG 2.2), see [`App::profile`].
//! - Per-request locale (egov-i18n), validation rejections rendered as problems
//!   (egov-validation), and optionally every request in the audit trail
//!   ([`App::audit`], egov-audit).
//! - Graceful shutdown on SIGTERM/SIGINT with a deadline.
//!
//! ```
//! use axum::Json;
//! use egov_core::AccessPolicy;
//! use egov_web::{ApiRouter, App, WebSettings};
//! use utoipa_axum::routes;
//!
//! /// Says hello.
//! #[utoipa::path(get, path = "/hello", responses((status = 200, body = String)))]
//! async fn hello() -> Json<&'static str> {
//!     Json("안녕하세요")
//! }
//!
//! let app = App::new(WebSettings::default())
//!     .router(ApiRouter::new().routes(AccessPolicy::Public, routes!(hello)));
//! assert!(app.route_table().iter().any(|r| r.path == "/hello" && r.policy == AccessPolicy::Public));
//! let _router: axum::Router = app.build().unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
mod app;
#[cfg(all(feature = "audit", feature = "auth"))]
mod auth_audit;
#[cfg(feature = "auth")]
pub mod draft;
pub mod handover;
mod health;
mod middleware;
mod proxy;
#[cfg(feature = "audit")]
pub mod resource;
pub mod server;
#[cfg(all(feature = "audit", feature = "auth", feature = "codes"))]
pub mod service;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;

pub mod conformance;

pub use app::{App, AppError, FRAMEWORK_MESSAGES};
pub use egov_http::{ApiError, ApiResult, IntoProblem, Paging, problem_response};
pub use egov_http::{ApiRouter, POLICY_EXTENSION, RouteInfo};
pub use health::Health;
pub use middleware::{REQUEST_ID, RenderedPage, RequestId};
pub use settings::WebSettings;

/// The framework's migration sets followed by the service's own: the one
/// definition of which crates keep tables (egov-db's change topics, and
/// egov-audit, egov-codes and egov-auth as far as egov-web's features build
/// them). Usable in a `static`:
///
/// ```
/// use egov_db::{Migration, MigrationSet};
///
/// static SERVICE: MigrationSet = MigrationSet::new("my-service", 6, &[
///     Migration::portable(1, "create notices", "CREATE TABLE notices (id TEXT PRIMARY KEY)"),
/// ]);
/// pub static MIGRATIONS: &[&MigrationSet] = egov_web::migrations![&SERVICE];
/// assert_eq!(MIGRATIONS.len(), egov_web::FRAMEWORK_MIGRATIONS.len() + 1);
/// ```
#[macro_export]
macro_rules! migrations {
    ($($service:expr),* $(,)?) => {
        &[
            &$crate::__private::egov_db::change::MIGRATIONS,
            $crate::__private::AUDIT_MIGRATIONS,
            $crate::__private::CODES_MIGRATIONS,
            $crate::__private::AUTH_MIGRATIONS,
            $($service),*
        ]
    };
}

/// Every framework migration set ([`migrations!`] with no service sets), in
/// any order ([`Db::migrate`](egov_db::Db::migrate) sorts by layer).
pub static FRAMEWORK_MIGRATIONS: &[&egov_db::MigrationSet] = migrations![];

#[doc(hidden)]
pub mod __private {
    pub use egov_db;
    use egov_db::MigrationSet;

    /// What a crate left out by egov-web's features migrates: nothing.
    #[allow(dead_code, reason = "used only when a feature is off")]
    const fn nothing(component: &'static str) -> MigrationSet {
        MigrationSet::new(component, 0, &[])
    }
    #[cfg(feature = "audit")]
    pub const AUDIT_MIGRATIONS: &MigrationSet = &egov_audit::MIGRATIONS;
    #[cfg(not(feature = "audit"))]
    pub const AUDIT_MIGRATIONS: &MigrationSet = &nothing("egov-audit (not built)");
    #[cfg(feature = "codes")]
    pub const CODES_MIGRATIONS: &MigrationSet = &egov_codes::MIGRATIONS;
    #[cfg(not(feature = "codes"))]
    pub const CODES_MIGRATIONS: &MigrationSet = &nothing("egov-codes (not built)");
    #[cfg(feature = "auth")]
    pub const AUTH_MIGRATIONS: &MigrationSet = &egov_auth::MIGRATIONS;
    #[cfg(not(feature = "auth"))]
    pub const AUTH_MIGRATIONS: &MigrationSet = &nothing("egov-auth (not built)");
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
