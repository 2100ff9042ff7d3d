//! Retention: removing events past the retention period, only up to a signed
//! checkpoint, so that what stays still verifies ([`purge`]).

use egov_db::Db;
use egov_db::value::timestamp_to_sql;
use sqlx::Row;
use time::OffsetDateTime;

use crate::{AuditError, store};

/// What [`purge`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    /// Events removed (every event with `seq <= up_to`).
    pub removed: u64,
    /// The checkpoint size the purge stopped at (0: nothing could be purged).
    pub up_to: u64,
}

/// Removes the events of `chain_id` older than `older_than`, but only up to the
/// largest signed checkpoint all of whose events are older — so the remaining
/// chain still verifies from that checkpoint — and never the newest event (a
/// chain whose every event is past retention keeps those after its
/// second-to-last checkpoint). Checkpoints are never purged.
pub async fn purge(
    db: &Db,
    chain_id: &str,
    older_than: OffsetDateTime,
) -> Result<PurgeReport, AuditError> {
    let checkpoints = store::checkpoints(db, chain_id).await?;
    let cutoff = timestamp_to_sql(older_than);
    // The first event at or after the cutoff bounds what may go.
    let first_young: Option<i64> = sqlx::query(
        "SELECT MIN(seq) FROM egov_audit_events WHERE chain_id = $1 AND occurred_at >= $2",
    )
    .bind(chain_id)
    .bind(&cutoff)
    .fetch_one(db.pool())
    .await?
    .try_get(0)?;
    // The newest event always stays, so the chain is never empty: an empty
    // chain with checkpoints is what a cut-off tail looks like, and `verify`
    // must keep calling it that.
    let last: Option<i64> =
        sqlx::query("SELECT MAX(seq) FROM egov_audit_events WHERE chain_id = $1")
            .bind(chain_id)
            .fetch_one(db.pool())
            .await?
            .try_get(0)?;
    let Some(last) = last.and_then(|s| u64::try_from(s).ok()) else {
        return Ok(PurgeReport {
            removed: 0,
            up_to: 0,
        });
    };
    let limit = first_young
        .map_or(u64::MAX, |s| {
            u64::try_from(s).unwrap_or(0).saturating_sub(1)
        })
        .min(last - 1);
    let Some(up_to) = checkpoints
        .iter()
        .map(|c| c.checkpoint.size)
        .filter(|size| *size <= limit)
        .max()
    else {
        return Ok(PurgeReport {
            removed: 0,
            up_to: 0,
        });
    };
    let up_to_sql = i64::try_from(up_to).unwrap_or(i64::MAX);
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM egov_audit_subjects WHERE chain_id = $1 AND seq <= $2")
        .bind(chain_id)
        .bind(up_to_sql)
        .execute(&mut *tx)
        .await?;
    let removed = sqlx::query("DELETE FROM egov_audit_events WHERE chain_id = $1 AND seq <= $2")
        .bind(chain_id)
        .bind(up_to_sql)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    tracing::info!(
        chain_id,
        up_to,
        removed,
        "purged audit events past retention"
    );
    Ok(PurgeReport { removed, up_to })
}
