//! # egov-codes
//!
//! Common code tables (공통코드) — application status, petition type, region,
//! document kind — maintained by business staff as data, served from memory,
//! localized, versioned, audited, and importable from eGovFrame.
//!
//! ## The model
//!
//! Three levels, as in eGovFrame (`COMTCCMMNCLCODE` → `COMTCCMMNCODE` →
//! `COMTCCMMNDETAILCODE`), with what eGovFrame lacked (see [`model`]):
//!
//! - a [`Category`] groups code groups (eGovFrame's class, `CL_CODE`);
//! - a [`CodeGroup`] (`CODE_ID`) has labels per locale, a description, a
//!   **custodian** (the unit that answers for its content) and an active flag;
//! - a [`Code`] has labels per locale, a description, a **sort order**, an
//!   optional **parent** code (region → district), **valid from / valid to**
//!   dates (inclusive), an active flag and a small JSON **attribute** map.
//!
//! Nothing is physically deleted: deactivation is an update. Every create,
//! update, deactivation and import writes a new **version** of the record into
//! `egov_code_history` (the whole record, who, when and why — one row per
//! version, never changed afterwards) and an egov-audit event, in the same
//! transaction as the change. Updates carry the version they were based on; a
//! stale one is refused ([`Error::Conflict`]: 409, or 412 for `If-Match`).
//!
//! ## The cache
//!
//! [`CodeRegistry`] holds an immutable [`Snapshot`] of all tables, swapped
//! atomically (arc-swap) on reload: readers never block and never see half a
//! reload. A lookup by (group, code) is two hash probes on borrowed keys. The
//! snapshot reloads at once after the process's own writes, and, for writes
//! made by other replicas, when the `codes` change version moves
//! ([`egov_db::change`]: PostgreSQL `LISTEN/NOTIFY` within milliseconds, plus
//! a poll every `codes.poll_interval_ms` — the only mechanism on SQLite).
//!
//! ## In applications
//!
//! - [`validate`]: a `validator` rule accepting only a currently valid code of
//!   a group, with a localized 422 message naming the group;
//! - [`Snapshot::select_options`] / [`Snapshot::select_options_html`]: a group
//!   as select-box options in a locale (eGovFrame's `<form:options>`);
//! - [`http`] (feature `axum`): `GET /codes/{group}` with ETag / `If-None-Match`
//!   and `Cache-Control`, and the admin API under `/admin/codes` guarded by
//!   [`http::WRITE_POLICY`] (`codes:write`);
//! - [`transfer`]: CSV and JSON import/export (round-trip exact, all-or-nothing,
//!   every bad row reported with its line, idempotent, with a progress hook;
//!   a dry run record by record with [`CodeRegistry::plan_import`], applied with
//!   [`CodeRegistry::import_at_version`] only if nothing changed since),
//!   and [`egovframe`]: migration from eGovFrame dumps;
//! - `pages` (feature `pages`): the admin console's screens on the egov-pages
//!   kit — groups and codes, their forms and history, import with a dry run —
//!   which egov-web's `Services::admin_console` mounts under `/admin/codes`.
//!
//! ## Setting up
//!
//! ```
//! use egov_codes::{CodeDraft, CodeRegistry, CodesSettings, GroupDraft, ListFilter};
//! use egov_core::actor::Actor;
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let db = egov_db::Db::connect_url(&format!("sqlite://{}/codes.db", dir.path().display())).await.unwrap();
//! db.migrate(&[&egov_db::change::MIGRATIONS, &egov_audit::MIGRATIONS, &egov_codes::MIGRATIONS])
//!     .await
//!     .unwrap();
//! let audit = egov_audit::AuditLog::start(db.clone(), &Default::default()).await.unwrap();
//! let codes = CodeRegistry::start(db, audit, CodesSettings::default()).await.unwrap();
//!
//! let admin = Actor::system("demo");
//! codes.create_group(&admin, GroupDraft::new("PETITION_TYPE", "민원 유형").label("en", "Petition type"), None)
//!     .await
//!     .unwrap();
//! for (code, ko, en, order) in [("02", "건의", "Suggestion", 2), ("01", "질의", "Inquiry", 1)] {
//!     let draft = CodeDraft::new("PETITION_TYPE", code, ko).label("en", en).sort_order(order);
//!     codes.create_code(&admin, draft, None).await.unwrap();
//! }
//!
//! // Reads come from the snapshot, already reloaded after the writes.
//! let snapshot = codes.snapshot();
//! assert_eq!(snapshot.code("PETITION_TYPE", "01").unwrap().label("en", &[]), "Inquiry");
//! let listed: Vec<&str> = snapshot
//!     .list("PETITION_TYPE", ListFilter::valid_on(codes.today()))
//!     .unwrap()
//!     .map(|c| c.label("ko", &[]))
//!     .collect();
//! assert_eq!(listed, ["질의", "건의"]);
//! assert!(codes.is_valid("PETITION_TYPE", "02"));
//! # });
//! ```
//!
//! Migrate `egov_db::change::MIGRATIONS` and `egov_audit::MIGRATIONS` with
//! [`MIGRATIONS`]. Hand [`MESSAGES`] to the application's catalog (egov-web
//! loads the framework's messages).
//!
//! ## Performance
//!
//! See `docs/benchmarks.md` (`cargo bench -p egov-codes`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod egovframe;
#[cfg(feature = "axum")]
pub mod http;
pub mod model;
#[cfg(feature = "pages")]
pub mod pages;
mod registry;
mod settings;
pub mod snapshot;
mod store;
pub mod transfer;
pub mod validate;

use egov_core::message::Message;
use egov_core::problem::{FieldError, Problem, ProblemType};

pub use model::{
    Attributes, Category, CategoryDraft, ChangeKind, Code, CodeDraft, CodeGroup, Entity,
    GroupDraft, HistoryEntry, Issue, Labels, Stamp,
};
pub use registry::{CodeRegistry, SnapshotRef, actor_name};
pub use settings::CodesSettings;
pub use snapshot::{ListFilter, SelectOption, Snapshot};
pub use store::{MIGRATIONS, TOPIC};
pub use transfer::{ImportPhase, ImportProgress, ImportReport, RowIssue};

/// egov-codes' messages (problem details, field and import messages, the
/// code validator's message), in Korean and English.
pub static MESSAGES: egov_core::message::FluentResources = egov_core::message::FluentResources {
    component: "egov-codes",
    files: &[
        ("ko", include_str!("../locales/ko/egov-codes.ftl")),
        ("en", include_str!("../locales/en/egov-codes.ftl")),
    ],
};

/// Errors of the code tables.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The draft breaks rules; every issue is listed.
    #[error("invalid code data ({} issues)", .0.len())]
    Invalid(Vec<Issue>),
    /// No such category, group or code.
    #[error("no such record")]
    NotFound,
    /// A record with that id exists already.
    #[error("{} `{id}` exists already", .entity.as_str())]
    AlreadyExists {
        /// What kind of record.
        entity: Entity,
        /// Its id (`group/code` for codes).
        id: String,
    },
    /// The record changed since the version the caller based the change on.
    #[error("stale version (current: {current:?})")]
    Conflict {
        /// The record's current version, when known.
        current: Option<i64>,
    },
    /// An import was refused; nothing was written. Every bad row is listed.
    #[error("import refused: {} problems", .0.len())]
    ImportRejected(Vec<RowIssue>),
    /// The database failed; nothing was written.
    #[error("code store: {0}")]
    Store(#[from] egov_db::DbError),
    /// The audit event could not be recorded; nothing was written.
    #[error("audit: {0}")]
    Audit(#[from] egov_audit::AuditError),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Store(egov_db::DbError::from(error))
    }
}

/// The problem of a stale version (409).
pub const STALE_VERSION: ProblemType = ProblemType::CONFLICT;

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        match error {
            Error::Invalid(issues) => Problem::new(ProblemType::VALIDATION_FAILED)
                .with_detail(
                    Message::new("problem-validation-failed-detail").arg("count", issues.len()),
                )
                .with_field_errors(
                    issues
                        .into_iter()
                        .map(|i| FieldError::new(i.field, i.code, i.message)),
                ),
            Error::NotFound => Problem::new(ProblemType::NOT_FOUND),
            Error::AlreadyExists { id, .. } => Problem::new(ProblemType::CONFLICT)
                .with_detail(Message::new("codes-exists").arg("id", id)),
            Error::Conflict { current } => {
                let problem = Problem::new(ProblemType::CONFLICT)
                    .with_detail(Message::new("codes-stale-version"));
                match current {
                    Some(v) => problem.with_extension("current_version", v),
                    None => problem,
                }
            }
            Error::ImportRejected(issues) => Problem::new(ProblemType::VALIDATION_FAILED)
                .with_detail(Message::new("codes-import-rejected").arg("count", issues.len()))
                .with_field_errors(issues.into_iter().map(RowIssue::into_field_error)),
            Error::Store(error) => {
                if !error.is_unavailable() {
                    tracing::error!(%error, "code store failed");
                }
                Problem::from(error)
            }
            Error::Audit(error) => {
                tracing::error!(%error, "code change not recorded in the audit trail");
                Problem::from(error)
            }
        }
    }
}

#[cfg(feature = "axum")]
egov_http::into_problem!(Error);

#[cfg(test)]
mod tests {
    use egov_core::message::Message;

    /// `JOSA($x, "이/가")` already writes the word before its particle: a
    /// message that also writes `{ $x }` shows the word twice.
    #[test]
    fn korean_messages_name_each_argument_once() {
        let i18n = egov_i18n::I18n::builder()
            .resources(&crate::MESSAGES)
            .build()
            .unwrap();
        for (key, arg) in [
            ("codes-exists", "id"),
            ("codes-unknown-parent", "parent"),
            ("codes-unknown-category", "category"),
            ("codes-unknown-group", "group"),
            ("codes-import-format", "expected"),
            ("codes-import-column", "column"),
            ("codes-import-column-missing", "column"),
            ("validation-code_of", "group"),
        ] {
            for locale in ["ko", "en"] {
                let text = i18n.text(locale, &Message::new(key).arg(arg, "REGION"));
                assert_eq!(text.matches("REGION").count(), 1, "{locale} {key}: {text}");
            }
        }
        let text = i18n.text(
            "ko",
            &Message::new("codes-unknown-group").arg("group", "지역"),
        );
        assert_eq!(text, "코드 그룹 지역이 없습니다.");
    }
}
