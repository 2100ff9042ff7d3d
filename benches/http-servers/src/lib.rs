//! # http-bench-servers
//!
//! The two servers `cargo xtask bench` puts under load to measure what
//! egov-web's standard stack costs (`docs/benchmarks.md`):
//!
//! - `bare-axum`: a plain axum [`Router`](axum::Router) with one route,
//!   [`PATH`], answering [`notice`];
//! - `egov-full`: the same handler on the same path, served by egov-web's
//!   [`App`] with everything a real service turns on: a SQLite
//!   database (WAL), egov-auth verifying a bearer token (EdDSA JWT) on every
//!   request, the route behind [`POLICY`] (a permission check), the audit layer
//!   recording every request with `Committed` durability (the response leaves
//!   only after its event is in the database), locale negotiation, problem
//!   rendering, security headers and the rest of the stack.
//!
//! Both answer the same JSON body, byte for byte ([`NOTICE`]), and print
//! `… listening on http://ADDRESS` once they accept connections. `egov-full`
//! creates the account [`LOGIN_ID`] with [`PASSWORD`] (holding
//! [`PERMISSION`]) at start; the load generator logs in at `POST /auth/login`
//! and sends the access token as `Authorization: Bearer …`.
//!
//! Not a service to copy: the password is a constant and the keys are the
//! development defaults.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use axum::Json;
use egov::auth::{NewAccount, Role};
use egov::prelude::*;
use egov::privacy::{FieldCipher, PrivacySettings};
use serde::Serialize;
use utoipa::ToSchema;

/// `egov-full`'s defaults (`config/default.toml`), compiled in.
pub const FULL_CONFIG: &str = include_str!("../config/default.toml");

/// The path both servers answer.
pub const PATH: &str = "/api/notice";

/// The permission `egov-full` requires for [`PATH`].
pub const PERMISSION: &str = "bench:read";

/// The access policy of [`PATH`] in `egov-full`.
pub const POLICY: AccessPolicy = AccessPolicy::permission(PERMISSION);

/// The role `egov-full` creates, granting [`PERMISSION`].
pub const ROLE: &str = "BENCH_READER";

/// The account `egov-full` creates at start.
pub const LOGIN_ID: &str = "bench";

/// The password of [`LOGIN_ID`] (a benchmark fixture, not a secret).
pub const PASSWORD: &str = "quiet lantern harbor 2026 load";

/// The body both servers answer: a small notice, as a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Notice {
    /// Its number.
    pub id: u32,
    /// Its title.
    pub title: &'static str,
    /// A code of the notice categories.
    pub category: &'static str,
    /// The day it was published (ISO 8601).
    pub published: &'static str,
}

/// The one notice served.
pub const NOTICE: Notice = Notice {
    id: 1,
    title: "설 연휴 민원실 운영 안내",
    category: "GENERAL",
    published: "2026-02-09",
};

/// Answers [`NOTICE`] as JSON: the handler of both servers.
#[utoipa::path(get, path = "/api/notice", tag = "bench",
    responses((status = 200, description = "The notice", body = Notice)))]
pub async fn notice() -> Json<Notice> {
    Json(NOTICE)
}

/// `bare-axum`'s router: [`notice`] at [`PATH`], nothing else.
pub fn bare_router() -> axum::Router {
    axum::Router::new().route(PATH, axum::routing::get(notice))
}

/// Why `egov-full` could not start.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// The parts `egov-full` may leave out, for finding where the time goes
/// (`--without auth`, `--without audit`). `cargo xtask bench` leaves out
/// nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Without {
    /// No egov-auth: the route is `Public` and needs no token.
    pub auth: bool,
    /// No audit layer: requests are not recorded.
    pub audit: bool,
}

impl Without {
    /// Reads `--without auth` and `--without audit` (each may be given).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut without = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match (arg.as_str(), args.next().as_deref()) {
                ("--without", Some("auth")) => without.auth = true,
                ("--without", Some("audit")) => without.audit = true,
                _ => return Err("usage: egov-full [--without auth] [--without audit]".into()),
            }
        }
        Ok(without)
    }
}

/// `egov-full`'s service, configured by `config` (`[database]`, `[audit]`,
/// `[auth]`, `[privacy]`, `[i18n]`, `[server]`): migrates the database, starts
/// the audit trail, creates [`ROLE`] and the account [`LOGIN_ID`] if missing,
/// and assembles the [`App`] serving [`notice`] at [`PATH`] behind [`POLICY`],
/// with egov-auth and the audit layer (unless `without` leaves them out).
/// Returns the app and the audit log (to shut down after serving).
pub async fn full_app(config: &Config, without: Without) -> Result<(App, AuditLog), StartError> {
    let db = Db::connect(&config.section()?).await?;
    db.migrate(egov::web::FRAMEWORK_MIGRATIONS).await?;
    let audit_settings: AuditSettings = config.section()?;
    let audit = AuditLog::start(db.clone(), &audit_settings).await?;
    let privacy: PrivacySettings = config.section()?;
    let auth = Auth::new(
        db.clone(),
        config.section()?,
        FieldCipher::from_settings(&privacy)?,
        audit.clone(),
    )
    .await?;
    ensure_account(&auth).await?;

    let mut app = App::new(config.section()?)
        .api_info("egov-full (benchmark)", env!("CARGO_PKG_VERSION"))
        .database(db)
        .i18n(config.section()?);
    if !without.audit {
        app = app.audit(egov::audit::web::AuditLayer::new(audit.clone()));
    }
    let policy = if without.auth {
        AccessPolicy::Public
    } else {
        app = app.auth(auth);
        POLICY
    };
    let app = app.router(ApiRouter::new().routes(policy, utoipa_axum::routes!(notice)));
    Ok((app, audit))
}

/// Creates [`ROLE`] (granting [`PERMISSION`]) and the account [`LOGIN_ID`]
/// holding it, unless they exist.
async fn ensure_account(auth: &Auth) -> Result<(), StartError> {
    let system = Actor::system("egov-full-setup");
    if !auth.roles().await?.iter().any(|role| role.name == ROLE) {
        auth.put_role(
            &system,
            Role {
                name: ROLE.into(),
                description: "benchmark reader".into(),
                includes: Default::default(),
                permissions: [PERMISSION.to_owned()].into(),
            },
        )
        .await?;
    }
    if auth.account_by_login_id(LOGIN_ID).await.is_err() {
        auth.create_account(
            &system,
            NewAccount {
                login_id: LOGIN_ID.into(),
                display_name: "benchmark".into(),
                email: None,
                password: PASSWORD.into(),
                roles: [ROLE.to_owned()].into(),
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_small_stable_json() {
        let body = serde_json::to_string(&NOTICE).unwrap();
        assert_eq!(
            body,
            r#"{"id":1,"title":"설 연휴 민원실 운영 안내","category":"GENERAL","published":"2026-02-09"}"#
        );
    }

    #[test]
    fn the_policy_names_the_permission() {
        assert_eq!(POLICY.to_string(), format!("permission:{PERMISSION}"));
    }

    #[test]
    fn without_reads_its_arguments() {
        let parse = |args: &[&str]| Without::parse(args.iter().map(|a| (*a).to_owned()));
        assert_eq!(parse(&[]).unwrap(), Without::default());
        assert_eq!(
            parse(&["--without", "audit", "--without", "auth"]).unwrap(),
            Without {
                auth: true,
                audit: true
            }
        );
        assert!(parse(&["--without", "tls"]).is_err());
        assert!(parse(&["--without"]).is_err());
    }
}
