//! [`AuditedTx`]: a write transaction that can only commit together with its
//! audit events — the easy way to keep "a change and its audit event commit in
//! the same transaction".

use std::ops::{Deref, DerefMut};

use sqlx::AnyConnection;

use crate::AuditError;
use crate::event::AuditEvent;
use crate::writer::{AuditLog, Receipt};

/// A write transaction on the audit log's database (`BEGIN IMMEDIATE` on
/// SQLite) whose only way to commit records audit events in it first.
///
/// It dereferences to the connection, so queries run on `&mut *tx` as on a
/// sqlx transaction. Dropped without [`commit`](AuditedTx::commit), it rolls
/// back: nothing of the change stays, and nothing is recorded.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use egov_audit::{Action, AuditEvent, AuditLog, AuditSettings, Outcome, Target};
/// use egov_core::actor::Actor;
///
/// let db = egov_db::Db::connect_url("sqlite::memory:").await.unwrap();
/// db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
/// sqlx::query("CREATE TABLE notices (id TEXT PRIMARY KEY, title TEXT NOT NULL)")
///     .execute(db.pool()).await.unwrap();
/// let audit = AuditLog::start(db.clone(), &AuditSettings::default()).await.unwrap();
///
/// let mut tx = audit.begin().await.unwrap();
/// sqlx::query("INSERT INTO notices (id, title) VALUES ('n1', '휴관 안내')")
///     .execute(&mut *tx).await.unwrap();
/// let actor = Actor::system("docs");
/// tx.commit(AuditEvent::new(Action::CREATE, &actor, Outcome::Success).target(Target::new("notice", "n1")))
///     .await.unwrap();
/// # audit.shutdown().await;
/// # });
/// ```
pub struct AuditedTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    log: AuditLog,
}

impl AuditLog {
    /// Opens a write transaction on this log's database that commits only
    /// together with its audit events ([`AuditedTx`]).
    ///
    /// # Errors
    ///
    /// [`AuditError::Store`] when no connection could be had or `BEGIN` failed.
    pub async fn begin(&self) -> Result<AuditedTx, AuditError> {
        Ok(AuditedTx {
            tx: self.db().begin_write().await?,
            log: self.clone(),
        })
    }
}

impl AuditedTx {
    /// Records `event` in the transaction, then commits the change and the
    /// event together.
    ///
    /// # Errors
    ///
    /// An invalid event, or a store failure: then nothing is committed.
    pub async fn commit(self, event: AuditEvent) -> Result<Receipt, AuditError> {
        let mut receipts = self.commit_all(vec![event]).await?;
        receipts.pop().ok_or(AuditError::Closed)
    }

    /// [`commit`](AuditedTx::commit) with several events, in order (e.g. one
    /// per record a bulk change touched).
    ///
    /// # Errors
    ///
    /// [`AuditError::Invalid`] when `events` is empty — a change without an
    /// event is what this type exists to prevent — and as
    /// [`commit`](AuditedTx::commit).
    pub async fn commit_all(mut self, events: Vec<AuditEvent>) -> Result<Vec<Receipt>, AuditError> {
        if events.is_empty() {
            return Err(AuditError::Invalid(
                "a change must be committed with at least one audit event".into(),
            ));
        }
        let receipts = self
            .log
            .record_all_in_transaction(&mut self.tx, events)
            .await?;
        self.tx.commit().await.map_err(egov_db::DbError::from)?;
        Ok(receipts)
    }
}

impl Deref for AuditedTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for AuditedTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl std::fmt::Debug for AuditedTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditedTx").finish_non_exhaustive()
    }
}
