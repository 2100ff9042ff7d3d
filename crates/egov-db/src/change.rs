//! Change notification across replicas: "topic X changed, reload your cache".
//!
//! Capability crates keep hot data in memory (egov-codes' code snapshot,
//! egov-auth's role grants). Several replicas share one database, so a change
//! made through one must reach the caches of all. Each cached topic has a
//! version number in one table (`egov_change_versions`):
//!
//! - the writer calls [`bump`] **inside its own write transaction**, so the new
//!   version is visible exactly when the change is; on PostgreSQL `bump` also
//!   issues `pg_notify('egov_change', topic)`, which PostgreSQL delivers only
//!   when that transaction commits (and never if it rolls back);
//! - every replica runs [`watch`]: on PostgreSQL a dedicated connection
//!   `LISTEN`s and re-reads the version on each notification (typically within
//!   milliseconds); on both backends the version is also polled every `poll`
//!   interval, which is the only mechanism on SQLite and the fallback on
//!   PostgreSQL when the listening connection is lost (notifications sent while
//!   it was down are not replayed — the poll catches them).
//!
//! Readers see the version through a `tokio::sync::watch` channel and reload
//! when it changes. Versions only grow, so a reader can compare "the version my
//! cache was built from" with the current one.
//!
//! ```
//! use std::time::Duration;
//! use egov_db::{Db, change};
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let db = Db::connect_url(&format!("sqlite://{}/demo.db", dir.path().display())).await.unwrap();
//! db.migrate(&[&change::MIGRATIONS]).await.unwrap();
//!
//! let mut versions = change::watch(db.clone(), "codes", Duration::from_millis(50));
//! let mut tx = db.pool().begin().await.unwrap();
//! let version = change::bump(&mut tx, db.backend(), "codes").await.unwrap();
//! tx.commit().await.unwrap();
//!
//! // The watcher sees the committed version within one poll interval.
//! versions.wait_for(|seen| *seen >= version).await.unwrap();
//! assert_eq!(change::current(&db, "codes").await.unwrap(), version);
//! # });
//! ```

use std::time::Duration;

use sqlx::AnyConnection;
use sqlx::postgres::PgListener;
use tokio::sync::watch as channel;

use crate::{Backend, Db, DbError, Migration, MigrationSet};

/// The PostgreSQL notification channel; the payload is the topic.
pub const CHANNEL: &str = "egov_change";

/// The change-version table (layer 1: it exists before any capability crate's).
pub static MIGRATIONS: MigrationSet = MigrationSet::new(
    "egov-db-change",
    1,
    &[Migration::portable(
        1,
        "change versions per cached topic",
        "CREATE TABLE egov_change_versions (topic TEXT PRIMARY KEY, version BIGINT NOT NULL)",
    )],
);

/// Increments `topic`'s version inside the caller's transaction and returns the
/// new version. On PostgreSQL, replicas listening through [`watch`] are notified
/// when the transaction commits.
pub async fn bump(conn: &mut AnyConnection, backend: Backend, topic: &str) -> Result<i64, DbError> {
    // One statement for insert-or-increment; both backends support this upsert.
    let (version,): (i64,) = sqlx::query_as(
        "INSERT INTO egov_change_versions (topic, version) VALUES ($1, 1) \
         ON CONFLICT (topic) DO UPDATE SET version = egov_change_versions.version + 1 \
         RETURNING version",
    )
    .bind(topic)
    .fetch_one(&mut *conn)
    .await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(topic)
            .execute(&mut *conn)
            .await?;
    }
    Ok(version)
}

/// `topic`'s committed version (0 before the first [`bump`]).
pub async fn current(db: &Db, topic: &str) -> Result<i64, DbError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT version FROM egov_change_versions WHERE topic = $1")
            .bind(topic)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map_or(0, |(version,)| version))
}

/// Watches `topic`'s version: the receiver's value changes whenever a committed
/// [`bump`] is seen, through a PostgreSQL notification or the poll every `poll`.
///
/// Starts at the version read at once (0 until the first read succeeds). A
/// background task does the work; it ends when every receiver is dropped.
/// Database errors are logged and retried at the next poll, never fatal:
/// caches keep serving their last snapshot while the database is away.
///
/// Must be called within a Tokio runtime.
pub fn watch(db: Db, topic: &str, poll: Duration) -> channel::Receiver<i64> {
    let (sender, receiver) = channel::channel(0);
    let topic = topic.to_owned();
    let poll = poll.max(Duration::from_millis(10));
    tokio::spawn(async move {
        let mut listener = None;
        let mut interval = tokio::time::interval(poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if db.backend() == Backend::Postgres && listener.is_none() {
                listener = listen(&db).await;
            }
            refresh(&db, &topic, &sender).await;
            let notified = async {
                match listener.as_mut() {
                    Some(l) => l.try_recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = sender.closed() => return,
                _ = interval.tick() => {}
                received = notified => match received {
                    // Any notification on the channel may be ours; reading the
                    // version is cheap and the payload is only a hint.
                    Ok(Some(_)) => {}
                    // `None`: the connection was lost; sqlx reconnects on the next
                    // call, and the poll covers what was missed.
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener failed; polling only until it reconnects");
                        listener = None;
                    }
                },
            }
        }
    });
    receiver
}

async fn listen(db: &Db) -> Option<PgListener> {
    let attempt = async {
        let mut listener = PgListener::connect(db.secret_url()).await?;
        listener.listen(CHANNEL).await?;
        Ok::<_, sqlx::Error>(listener)
    };
    match attempt.await {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::warn!(error = %e, url = db.redacted_url(), "cannot LISTEN for changes; polling only");
            None
        }
    }
}

async fn refresh(db: &Db, topic: &str, sender: &channel::Sender<i64>) {
    match current(db, topic).await {
        Ok(version) => {
            sender.send_if_modified(|seen| {
                let newer = version > *seen;
                if newer {
                    *seen = version;
                }
                newer
            });
        }
        Err(e) => tracing::warn!(error = %e, topic, "cannot read the change version"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    async fn committed_bump(db: &Db, topic: &str) -> i64 {
        let mut tx = db.pool().begin().await.unwrap();
        let version = bump(&mut tx, db.backend(), topic).await.unwrap();
        tx.commit().await.unwrap();
        version
    }

    crate::backend_tests! {
        async fn versions_grow_per_topic_and_rollbacks_do_not_count(db) {
            db.migrate(&[&MIGRATIONS]).await.unwrap();
            assert_eq!(current(&db, "codes").await.unwrap(), 0);
            assert_eq!(committed_bump(&db, "codes").await, 1);
            assert_eq!(committed_bump(&db, "codes").await, 2);
            assert_eq!(committed_bump(&db, "auth").await, 1);

            let mut tx = db.pool().begin().await.unwrap();
            assert_eq!(bump(&mut tx, db.backend(), "codes").await.unwrap(), 3);
            tx.rollback().await.unwrap();
            assert_eq!(current(&db, "codes").await.unwrap(), 2);
        }

        async fn a_second_replica_sees_a_change_quickly(db) {
            db.migrate(&[&MIGRATIONS]).await.unwrap();
            // The watcher polls only every 30 s: on PostgreSQL, the notification
            // must deliver the change; on SQLite, use a short poll.
            let poll = match db.backend() {
                Backend::Postgres => Duration::from_secs(30),
                Backend::Sqlite => Duration::from_millis(50),
            };
            let mut versions = watch(db.clone(), "codes", poll);
            // Let the watcher start listening before the change.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let started = Instant::now();
            let version = committed_bump(&db, "codes").await;
            tokio::time::timeout(Duration::from_secs(5), versions.wait_for(|v| *v >= version))
                .await
                .expect("the change was not seen within 5 s")
                .unwrap();
            assert!(started.elapsed() < Duration::from_secs(5));
            // Another topic's change does not move this one.
            committed_bump(&db, "auth").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(*versions.borrow(), version);
        }
    }
}
