//! # egov-audit
//!
//! One tamper-evident audit trail for an agency service: who did what, to whose
//! personal data, when, from where, with what outcome — recorded so that nothing
//! is lost and nobody can change it unnoticed.
//!
//! ## What it guarantees, in plain words
//!
//! - **Nothing reported recorded is lost.** [`AuditLog::record`] returns only after
//!   the event's transaction has committed (`Durability::Committed`). If the
//!   database is down, it returns an error, and the caller must not proceed as if
//!   the event were recorded (the web layer answers 503). Once a batch has found
//!   the database unreachable (no connection within the pool's acquire timeout),
//!   later events are refused at once, not after another timeout each, until a
//!   background probe gets a connection again; recording then resumes by itself.
//!   A full queue makes callers wait; events are never dropped silently. `Durability::Queued` returns after
//!   queueing and may lose the last batch if the process crashes — use it only for
//!   high-volume, low-value events.
//! - **Edits are detected.** Each event is hash-chained to the previous one
//!   ([`chain`]). [`verify()`] recomputes the chain and finds a modified field, a
//!   deleted row, a reordered pair, an inserted row, and a truncated tail.
//!   What it does not look at: the stored `prev_hash` of an event in the middle
//!   of the chain (each event's hash already covers its predecessor's, so an edit
//!   there changes nothing the chain vouches for; it is read to start each part
//!   and to tell a moved or inserted event from an edited one), and the
//!   `egov_audit_subjects` lookup table (an index of the events' subjects, which
//!   the hashed events hold themselves).
//! - **What is stored is what is hashed.** On PostgreSQL each field is a column,
//!   and [`verify()`] reads every one (a binary `COPY` per part). On SQLite each
//!   event's fields are stored once, as a JSON record, and the columns that
//!   queries, searches and reports read are *generated* from it (`VIRTUAL`): they
//!   cannot be updated apart from it, and [`verify()`] checks that the table is
//!   still defined that way ([`DamageKind::Redefined`]).
//! - **Truncation and rewriting need checkpoints.** Anyone who can write the
//!   database can recompute hashes. What they cannot do is sign: every N events or
//!   T seconds the log signs a checkpoint (chain, size, head hash, time) with an
//!   Ed25519 key ([`checkpoint`]). [`verify()`] checks the chain against every stored
//!   checkpoint, and an auditor can check exported checkpoints with the public key
//!   alone. **Operators must export the checkpoints off the host** (e.g. daily, to
//!   write-once storage): a chain rewritten together with its stored checkpoints is
//!   detected only against checkpoints kept elsewhere. Events after the last
//!   checkpoint are protected by the chain but not yet by a signature.
//! - **Personal data stays out.** Data subjects are pseudonymous [`SubjectId`]s
//!   (blind index or internal id); free text is scrubbed of digit runs and e-mail
//!   addresses; secret-looking detail keys are stored as `***`. A download or export
//!   of personal data cannot be recorded without a [`Reason`].
//! - **Retention.** [`purge`] removes events older than the retention period only
//!   up to a signed checkpoint, so what remains still verifies from that checkpoint.
//! - **Several processes, one chain.** Appends lock the chain's head row (PostgreSQL
//!   `SELECT … FOR UPDATE`; SQLite `BEGIN IMMEDIATE`), so replicas sharing a database
//!   append in turn and the chain stays one valid sequence. The writer remembers the
//!   head it committed last and sends its next batch as one guarded statement (one
//!   execution on SQLite) that moves the head only if it is still that one; if
//!   another process appended meanwhile, nothing is written and the batch goes the
//!   locked way instead, so the shortcut never forks the chain.
//! - **Threads.** Each [`AuditLog`] runs its writer as a task on the caller's
//!   runtime and keeps one small OS thread (`egov-audit-acks`) that answers the
//!   callers of each committed batch: waking dozens of waiting tasks from a
//!   runtime worker made a 2-worker runtime's workers wake each other once per
//!   task (measured: 0.22 ms of a 1.45 ms PostgreSQL batch).
//!
//! ```
//! use egov_audit::{Action, AuditEvent, AuditLog, AuditSettings, Outcome, Target};
//! use egov_core::actor::Actor;
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let db = egov_db::Db::connect_url(&format!("sqlite://{}/audit.db", dir.path().display())).await.unwrap();
//! db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
//!
//! let log = AuditLog::start(db.clone(), &AuditSettings::default()).await.unwrap();
//! let receipt = log
//!     .record(AuditEvent::new(Action::VIEW, &Actor::system("demo"), Outcome::Success)
//!         .target(Target::new("petition", "P-2026-0001")))
//!     .await
//!     .unwrap();
//! assert_eq!(receipt.seq, 1);
//! log.shutdown().await;
//!
//! let report = egov_audit::verify(&db, "main", &log.verifier()).await.unwrap();
//! assert!(report.damage.is_none());
//! # });
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "axum")]
pub mod admin;
pub mod chain;
pub mod checkpoint;
mod event;
#[cfg(feature = "pages")]
pub mod pages;
pub mod report;
pub mod retention;
mod settings;
mod store;
mod transaction;
pub mod verify;
#[cfg(feature = "axum")]
pub mod web;
pub mod witness;
mod writer;

pub use event::{Action, AuditEvent, Detail, Outcome, Reason, SubjectId, Target, scrub};
pub use retention::{PurgeReport, purge};
pub use settings::AuditSettings;
pub use store::MIGRATIONS;
pub use transaction::AuditedTx;
pub use verify::{Damage, DamageKind, VerifyReport, verify};
pub use writer::{AuditLog, Durability, Receipt};

/// egov-audit's messages (the details of its problems, the field messages of
/// its admin API and the labels of its review report), in Korean and English.
pub static MESSAGES: egov_core::message::FluentResources = egov_core::message::FluentResources {
    component: "egov-audit",
    files: &[
        ("ko", include_str!("../locales/ko/egov-audit.ftl")),
        ("en", include_str!("../locales/en/egov-audit.ftl")),
    ],
};

/// Up to `limit` events of `chain_id` after sequence number `after`, in chain
/// order (for export and archiving; page by passing the last `seq` read).
pub async fn events_after(
    db: &egov_db::Db,
    chain_id: &str,
    after: u64,
    limit: u32,
) -> Result<Vec<chain::StoredEvent>, AuditError> {
    store::events_after(db, chain_id, after, limit).await
}

/// The stored signed checkpoints of `chain_id`, smallest first (for export).
pub async fn checkpoints(
    db: &egov_db::Db,
    chain_id: &str,
) -> Result<Vec<checkpoint::SignedCheckpoint>, AuditError> {
    store::checkpoints(db, chain_id).await
}

use egov_core::problem::{Problem, ProblemType};

/// Errors of the audit trail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The event breaks a rule (e.g. a bad action name).
    #[error("invalid audit event: {0}")]
    Invalid(String),
    /// A download or export of personal data was recorded without a reason.
    #[error("a reason is required to record a download or export of personal data")]
    ReasonRequired,
    /// The store could not be written or read; the event was NOT recorded.
    #[error("audit store unavailable: {0}")]
    Store(#[from] egov_db::DbError),
    /// The batch holding the event failed to commit; the event was NOT recorded.
    #[error("the audit event was not recorded: {0}")]
    NotRecorded(String),
    /// The writer has stopped; the event was NOT recorded.
    #[error("the audit writer has stopped")]
    Closed,
    /// Stored data could not be read back (not tampering: unreadable columns).
    #[error("audit data unreadable: {0}")]
    Corrupt(String),
    /// The signing key is unusable.
    #[error("audit signing key: {0}")]
    Key(String),
}

impl From<sqlx::Error> for AuditError {
    fn from(error: sqlx::Error) -> Self {
        AuditError::Store(egov_db::DbError::from(error))
    }
}

impl From<AuditError> for Problem {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::Invalid(_) | AuditError::ReasonRequired => {
                Problem::new(ProblemType::VALIDATION_FAILED)
            }
            AuditError::Store(_) | AuditError::NotRecorded(_) | AuditError::Closed => {
                Problem::new(ProblemType::SERVICE_UNAVAILABLE)
            }
            AuditError::Corrupt(_) | AuditError::Key(_) => Problem::internal(),
        }
    }
}

#[cfg(feature = "axum")]
egov_http::into_problem!(AuditError);
