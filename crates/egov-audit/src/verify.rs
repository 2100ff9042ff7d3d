//! Checking the chain, and purging what retention allows.

use egov_db::Db;
use egov_db::value::timestamp_to_sql;
use sqlx::Row;
use time::OffsetDateTime;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::chain::{EventFields, GENESIS, from_hex};
use crate::checkpoint::{CheckpointVerifier, SignedCheckpoint};
use crate::{AuditError, store};

/// The kind of damage [`verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    /// An event's fields no longer match its hash (a field was edited, or two
    /// events' sequence numbers were swapped).
    Modified,
    /// An event does not follow the one before it (a row was inserted, removed
    /// and renumbered, or events were reordered).
    Unlinked,
    /// A sequence number is missing (a row was deleted).
    Missing,
    /// The chain ends before a signed checkpoint's size (the tail was cut off).
    Truncated,
    /// The chain's hash at a checkpoint's size differs from the signed head (the
    /// chain was rewritten).
    CheckpointMismatch,
    /// A stored checkpoint's signature does not verify.
    BadSignature,
}

/// Where the chain first went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    /// The first bad sequence number.
    pub seq: u64,
    /// What is wrong there.
    pub kind: DamageKind,
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events whose hashes were recomputed.
    pub events_checked: u64,
    /// The last sequence number seen.
    pub last_seq: u64,
    /// Checkpoints whose signatures and heads were checked.
    pub checkpoints_checked: usize,
    /// The first damage, if any.
    pub damage: Option<Damage>,
}

/// Recomputes chain `chain_id` and checks it against every stored checkpoint,
/// whose signatures must verify with `verifier`. Reports the first damage.
/// Reads in pages, so memory stays small for any chain length.
pub async fn verify(
    db: &Db,
    chain_id: &str,
    verifier: &CheckpointVerifier,
) -> Result<VerifyReport, AuditError> {
    let checkpoints = store::checkpoints(db, chain_id).await?;
    verify_against(db, chain_id, verifier, &checkpoints).await
}

/// As [`verify`], against checkpoints kept elsewhere (e.g. exported ones).
pub async fn verify_against(
    db: &Db,
    chain_id: &str,
    verifier: &CheckpointVerifier,
    checkpoints: &[SignedCheckpoint],
) -> Result<VerifyReport, AuditError> {
    let mut report = VerifyReport {
        events_checked: 0,
        last_seq: 0,
        checkpoints_checked: 0,
        damage: None,
    };
    let mut signed: Vec<&SignedCheckpoint> = checkpoints
        .iter()
        .filter(|c| c.checkpoint.chain_id == chain_id)
        .collect();
    signed.sort_by_key(|c| c.checkpoint.size);
    for c in &signed {
        if verifier.verify(c).is_err() {
            report.damage = Some(Damage {
                seq: c.checkpoint.size,
                kind: DamageKind::BadSignature,
            });
            return Ok(report);
        }
    }
    report.checkpoints_checked = signed.len();
    let heads: Arc<HashMap<u64, [u8; 32]>> = Arc::new(
        signed
            .iter()
            .map(|c| (c.checkpoint.size, c.checkpoint.head))
            .collect(),
    );

    // Where the stored chain starts: 1, or just after a checkpoint up to which
    // events were purged. The chain is checked up to its last event when
    // verify starts.
    let span = sqlx::query("SELECT MIN(seq), MAX(seq) FROM egov_audit_events WHERE chain_id = $1")
        .bind(chain_id)
        .fetch_one(db.pool())
        .await?;
    let (first, last): (Option<i64>, Option<i64>) = (span.try_get(0)?, span.try_get(1)?);
    let first = first.map_or(1, |s| u64::try_from(s).unwrap_or(1)).max(1);
    let last = last.map_or(0, |s| u64::try_from(s).unwrap_or(0));
    let mut prev = if first <= 1 {
        GENESIS
    } else if let Some(head) = heads.get(&(first - 1)) {
        *head
    } else {
        report.damage = Some(Damage {
            seq: 1,
            kind: DamageKind::Missing,
        });
        return Ok(report);
    };

    // Long chains are checked in parallel parts, each from its first event's
    // stored `prev_hash`; where two parts meet, the later one's assumed start
    // must be the earlier one's last hash, which makes the parts one chain.
    let parts = if last >= first && last - first >= 4 * PAGE {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) as u64
    } else {
        1
    };
    let size = (last.saturating_sub(first) + 1).div_ceil(parts);
    let mut running = Vec::new();
    for part in 0..parts {
        let from = first + part * size;
        let to = (from + size - 1).min(last);
        let start = (part == 0).then_some(prev);
        let (db, chain_id, heads) = (db.clone(), chain_id.to_owned(), Arc::clone(&heads));
        running.push(AbortOnDrop(tokio::spawn(async move {
            check_part(&db, &chain_id, from, to, start, &heads).await
        })));
    }
    for mut part in running {
        let part = (&mut part.0)
            .await
            .map_err(|e| AuditError::Corrupt(format!("a verify task failed: {e}")))??;
        if let Some(start) = part.assumed_start
            && start != prev
        {
            report.damage = Some(Damage {
                seq: part.from,
                kind: DamageKind::Unlinked,
            });
            return Ok(report);
        }
        report.events_checked += part.checked;
        if part.checked > 0 {
            // The part's events up to its damage (or end) are consecutive.
            report.last_seq = part.from + part.checked - 1;
            prev = part.end;
        }
        if let Some(damage) = part.damage {
            report.damage = Some(damage);
            return Ok(report);
        }
    }
    if let Some(largest) = signed.last()
        && largest.checkpoint.size > report.last_seq
    {
        report.damage = Some(Damage {
            seq: report.last_seq + 1,
            kind: DamageKind::Truncated,
        });
    }
    Ok(report)
}

/// What [`check_part`] found in `from..=to`.
struct Part {
    from: u64,
    /// Events checked before the first damage (all of them without one).
    checked: u64,
    /// The first event's stored `prev_hash`, taken on trust when the part was
    /// given no start (the caller checks it against the part before).
    assumed_start: Option<[u8; 32]>,
    /// The last checked event's hash.
    end: [u8; 32],
    damage: Option<Damage>,
}

/// Checks the events `from..=to` of `chain_id`: each must be there, follow the
/// one before (`start`, or the first one's own `prev_hash` when `None`), hash
/// to its stored hash, and match any checkpoint at its position.
async fn check_part(
    db: &Db,
    chain_id: &str,
    from: u64,
    to: u64,
    start: Option<[u8; 32]>,
    heads: &HashMap<u64, [u8; 32]>,
) -> Result<Part, AuditError> {
    let mut part = Part {
        from,
        checked: 0,
        assumed_start: None,
        end: start.unwrap_or(GENESIS),
        damage: None,
    };
    let mut prev = start;
    let mut expected = from;
    // Reading the next page (the database builds its text) overlaps checking
    // this one.
    let (pages, mut next_page) = tokio::sync::mpsc::channel(2);
    let reader = AbortOnDrop(tokio::spawn({
        let (db, chain_id, mut after) = (db.clone(), chain_id.to_owned(), from - 1);
        async move {
            while after < to {
                let up_to = after.saturating_add(PAGE).min(to);
                let page = store::event_page(&db, &chain_id, after, up_to).await;
                let failed = page.is_err();
                after = up_to;
                // A range whose events were all deleted reads as no page; the
                // next event read (or the end of the part) shows the gap.
                if let Some(page) = page.transpose()
                    && (pages.send(page).await.is_err() || failed)
                {
                    break;
                }
            }
        }
    }));
    let mut scratch = Vec::with_capacity(1024);
    while let Some(page) = next_page.recv().await {
        let page = page?;
        let mut rows = page
            .split('\n')
            .map(|line| {
                serde_json::from_str::<PageRow<'_>>(line)
                    .map_err(|e| AuditError::Corrupt(format!("event row: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !rows.is_sorted_by_key(|row| row.1) {
            rows.sort_unstable_by_key(|row| row.1);
        }
        for row in rows {
            let stored_prev = hash_column("prev_hash", &row.18)?;
            let linked = *prev.get_or_insert_with(|| {
                part.assumed_start = Some(stored_prev);
                stored_prev
            });
            let damage = if row.1 != expected {
                Some(DamageKind::Missing)
            } else if stored_prev != linked {
                Some(DamageKind::Unlinked)
            } else {
                let hash = hash_column("hash", &row.19)?;
                let lists = serde_json::from_str::<Vec<Cow<'_, str>>>(&row.6)
                    .and_then(|roles| Ok((roles, serde_json::from_str(&row.13)?)));
                // A list column that is no list was edited.
                let computed = lists.map(|(roles, subjects): (_, Vec<Cow<'_, str>>)| {
                    row.fields(&roles, &subjects).hash(&linked, &mut scratch)
                });
                if computed.ok() != Some(hash) {
                    Some(DamageKind::Modified)
                } else if heads.get(&row.1).is_some_and(|h| *h != hash) {
                    Some(DamageKind::CheckpointMismatch)
                } else {
                    prev = Some(hash);
                    part.end = hash;
                    None
                }
            };
            if let Some(kind) = damage {
                part.damage = Some(Damage {
                    seq: expected,
                    kind,
                });
                return Ok(part);
            }
            part.checked += 1;
            expected += 1;
        }
    }
    drop(reader);
    if expected <= to {
        // Events at the end of the part are gone.
        part.damage = Some(Damage {
            seq: expected,
            kind: DamageKind::Missing,
        });
    }
    Ok(part)
}

/// Sequence numbers read per query by [`verify_against`].
const PAGE: u64 = 4096;

/// One line of a [`store::event_page`]: the columns in
/// [`store::EVENT_COLUMNS`] order, borrowed from the page where JSON escaping
/// allows.
#[derive(serde::Deserialize)]
struct PageRow<'a>(
    #[serde(borrow)] Cow<'a, str>,
    u64,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
);

impl PageRow<'_> {
    /// The fields, with the list columns already parsed.
    fn fields<'b>(
        &'b self,
        roles: &'b [Cow<'b, str>],
        subjects: &'b [Cow<'b, str>],
    ) -> EventFields<'b, Cow<'b, str>> {
        EventFields {
            chain_id: &self.0,
            seq: self.1,
            id: &self.2,
            occurred_at: &self.3,
            principal_kind: &self.4,
            principal_id: self.5.as_deref(),
            roles,
            client_ip: self.7.as_deref(),
            request_id: self.8.as_deref(),
            trace_id: self.9.as_deref(),
            action: &self.10,
            target_type: self.11.as_deref(),
            target_id: self.12.as_deref(),
            subjects,
            outcome: &self.14,
            reason_code: self.15.as_deref(),
            reason: self.16.as_deref(),
            detail: &self.17,
        }
    }
}

fn hash_column(name: &str, text: &str) -> Result<[u8; 32], AuditError> {
    from_hex(text).ok_or_else(|| AuditError::Corrupt(format!("{name} is not a hash")))
}

/// Stops a page reader or part checker when `verify` returns early.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

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
    let mut tx = db.pool().begin().await?;
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
