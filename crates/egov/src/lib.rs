//! # egov
//!
//! egov-rs, a standard e-government framework for Rust: one dependency that
//! re-exports every part, each behind a cargo feature, plus a [`prelude`].
//!
//! | module | crate | feature |
//! |---|---|---|
//! | [`core`] | `egov-core`: problems, ids, clock, paging, actor, access policy, config | always |
//! | `db` | `egov-db`: SQLite/PostgreSQL pool, migrations, test databases | `db` (default) |
//! | `telemetry` | `egov-telemetry`: logs, traces, OTLP | `telemetry` (default) |
//! | `i18n` | `egov-i18n`: Fluent messages, locale negotiation, `JOSA` | `i18n` (default) |
//! | `privacy` | `egov-privacy`: masking, field encryption, blind indexes | `privacy` (default) |
//! | `http` | `egov-http`: handler errors (`?` on sqlx errors), policy-carrying routes, paging, `Stale` | `http` (default) |
//! | `pages` | `egov-pages`: the page kit (KRDS layout, accessible forms, error pages) | `pages` (default) |
//! | `validation` | `egov-validation`: `Valid<…>` extractors, Korean identifiers | `validation` (default) |
//! | `audit` | `egov-audit`: the hash-chained audit trail | `audit` (default) |
//! | `codes` | `egov-codes`: common code tables, cached and localized | `codes` (default) |
//! | `auth` | `egov-auth`: accounts, tokens, MFA, deny-by-default authorization | `auth` (default) |
//! | `web` | `egov-web`: the App builder and middleware stack; with `audit`, `auth`, `codes` also their wiring | `web` (default) |
//!
//! ```
//! use egov::prelude::*;
//!
//! let problem = Problem::new(ProblemType::NOT_FOUND);
//! assert_eq!(problem.status(), 404);
//! # #[cfg(feature = "web")]
//! let _app = App::new(WebSettings::default());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "audit")]
pub use egov_audit as audit;
#[cfg(feature = "auth")]
pub use egov_auth as auth;
#[cfg(feature = "cli")]
pub use egov_cli as cli;
#[cfg(feature = "codes")]
pub use egov_codes as codes;
pub use egov_core as core;
#[cfg(feature = "db")]
pub use egov_db as db;
#[cfg(feature = "http")]
pub use egov_http as http;
#[cfg(feature = "i18n")]
pub use egov_i18n as i18n;
#[cfg(feature = "pages")]
pub use egov_pages as pages;
#[cfg(feature = "privacy")]
pub use egov_privacy as privacy;
#[cfg(feature = "telemetry")]
pub use egov_telemetry as telemetry;
#[cfg(feature = "validation")]
pub use egov_validation as validation;
#[cfg(feature = "web")]
pub use egov_web as web;

/// The names almost every service uses.
pub mod prelude {
    #[cfg(feature = "audit")]
    pub use egov_audit::web::Change;
    #[cfg(feature = "audit")]
    pub use egov_audit::{
        Action, AuditEvent, AuditLog, AuditSettings, AuditedTx, Outcome, Reason, SubjectId, Target,
    };
    #[cfg(feature = "auth")]
    pub use egov_auth::CurrentUser;
    #[cfg(feature = "auth")]
    pub use egov_auth::{Auth, AuthSettings};
    #[cfg(feature = "codes")]
    pub use egov_codes::validate::{CodeOf, valid_code};
    #[cfg(feature = "codes")]
    pub use egov_codes::{CodeRegistry, CodesSettings};
    pub use egov_core::access::AccessPolicy;
    pub use egov_core::actor::{Actor, Permission};
    pub use egov_core::clock::{Clock, SharedClock, SystemClock};
    pub use egov_core::config::{Config, ConfigSection, Profile, Secret};
    pub use egov_core::id::Id;
    pub use egov_core::message::Message;
    pub use egov_core::paging::{Page, PageRequest};
    pub use egov_core::problem::{FieldError, Problem, ProblemType};
    #[cfg(feature = "db")]
    pub use egov_db::{DatabaseSettings, Db, DbError, Migration, MigrationSet};
    #[cfg(feature = "http")]
    pub use egov_http::openapi::Conflict;
    #[cfg(feature = "http")]
    pub use egov_http::{ApiError, ApiResult, ApiRouter, Created, Paging, Stale};
    #[cfg(feature = "i18n")]
    pub use egov_i18n::{I18n, Locale};
    #[cfg(feature = "telemetry")]
    pub use egov_telemetry::TelemetrySettings;
    #[cfg(feature = "validation")]
    pub use egov_validation::{Valid, Versioned, rules::not_blank};
    #[cfg(all(feature = "web", feature = "audit"))]
    pub use egov_web::resource::Resource;
    #[cfg(feature = "web")]
    pub use egov_web::{App, WebSettings};

    // The derives of every resource: records are `Serialize` + `ToSchema`,
    // inputs `Deserialize` + `Validate` (each name is the trait and its derive).
    pub use serde::{Deserialize, Serialize};
    #[cfg(feature = "http")]
    pub use utoipa::ToSchema;
    #[cfg(feature = "validation")]
    pub use validator::Validate;
}

// The developer guide (`docs/`): every ```rust block of every chapter is a doctest
// of this crate, so `cargo test --doc -p egov` keeps the guide's samples compiling.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/getting-started.md")]
mod guide_getting_started {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/core.md")]
mod guide_core {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/database.md")]
mod guide_database {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/i18n.md")]
mod guide_i18n {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/validation.md")]
mod guide_validation {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/privacy.md")]
mod guide_privacy {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/audit.md")]
mod guide_audit {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/codes.md")]
mod guide_codes {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/auth.md")]
mod guide_auth {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/web.md")]
mod guide_web {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/pages.md")]
mod guide_pages {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/telemetry.md")]
mod guide_telemetry {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/security.md")]
mod guide_security {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/migrating-from-egovframe.md")]
mod guide_migrating_from_egovframe {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/operating.md")]
mod guide_operating {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/cli.md")]
mod guide_cli {}
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide.md")]
mod guide_contents {}
