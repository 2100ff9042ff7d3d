//! Checking the chain (retention's purge is in [`crate::retention`]).
//!
//! ## How `verify` reads
//!
//! Long chains are checked in parts, one per core (at most four), each from
//! its first event's stored `prev_hash`; where two parts meet, the later one's
//! start must be the earlier one's last hash. Events are read without their
//! `prev_hash` — each event's hash covers its predecessor's — and a damaged
//! event's `prev_hash` is read afterwards to tell [`DamageKind::Unlinked`]
//! (it names another predecessor: moved or inserted) from
//! [`DamageKind::Modified`].
//!
//! - **PostgreSQL:** one binary `COPY (SELECT …) TO STDOUT` per part, on a
//!   connection of its own (the pool's driver-neutral connections cannot
//!   `COPY`); rows are checked in the buffers they arrived in.
//! - **SQLite:** pages of 4,096 sequence numbers, each ONE text of
//!   `seq hash record` lines built by the database, on one pooled connection
//!   per part that maps the file while it scans. Records are read by a strict
//!   parser of the writer's compact JSON that leaves anything else to serde.

use egov_db::{Backend, Db};
use sqlx::Row;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::chain::{EventFields, GENESIS, hex_bytes};
use crate::checkpoint::{CheckpointVerifier, SignedCheckpoint};
use crate::{AuditError, store};

/// The kind of damage [`verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    /// An event's fields no longer match its hash (a field was edited, or two
    /// events' sequence numbers were swapped).
    Modified,
    /// An event does not follow the one before it (a row was inserted, removed
    /// and renumbered, or events were reordered): its hash does not verify and
    /// its stored `prev_hash` names another predecessor.
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
    /// SQLite: the events table was redefined, so its columns may no longer
    /// show what the hashed records hold (reported at the first stored event).
    Redefined,
    /// The chain's recorded head (`egov_audit_heads`) is not its last event:
    /// events past it were inserted, or the head was moved, or its row
    /// deleted (reported at the head's sequence number, or the last event's).
    HeadMismatch,
    /// The data-subject index (`egov_audit_subjects`) differs from the
    /// subjects the events' hashes cover: a row was deleted, added or changed
    /// (reported at the first event concerned), so searches by subject and
    /// the monthly review would miss or invent accesses.
    SubjectsMismatch,
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

/// As [`verify`], against the stored checkpoints **and** `kept` ones kept
/// elsewhere (exported off the host): every signature of both is checked, and
/// two signed checkpoints of one size with different heads are damage.
///
/// # Errors
///
/// A database error, or a stored checkpoint that cannot be read.
pub async fn verify_also_against(
    db: &Db,
    chain_id: &str,
    verifier: &CheckpointVerifier,
    kept: &[SignedCheckpoint],
) -> Result<VerifyReport, AuditError> {
    let mut checkpoints = store::checkpoints(db, chain_id).await?;
    checkpoints.extend(kept.iter().cloned());
    verify_against(db, chain_id, verifier, &checkpoints).await
}

/// As [`verify`], against only `checkpoints` (e.g. exported ones): what an
/// auditor checks who does not trust the stored ones.
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
    let mut by_size: HashMap<u64, [u8; 32]> = HashMap::with_capacity(signed.len());
    for c in &signed {
        // Two signed statements of different heads for one size: one of the
        // copies was rewritten (and re-signed with a stolen key), or the chain
        // was, between the two signings.
        if let Some(head) = by_size.insert(c.checkpoint.size, c.checkpoint.head)
            && head != c.checkpoint.head
        {
            report.damage = Some(Damage {
                seq: c.checkpoint.size,
                kind: DamageKind::CheckpointMismatch,
            });
            return Ok(report);
        }
    }
    let heads: Arc<HashMap<u64, [u8; 32]>> = Arc::new(by_size);

    // The recorded head, read before the span: a writer appending meanwhile
    // only moves it past what is read next.
    let recorded_head = sqlx::query("SELECT seq, hash FROM egov_audit_heads WHERE chain_id = $1")
        .bind(chain_id)
        .fetch_optional(db.pool())
        .await?
        .map(|row| -> Result<(u64, String), AuditError> {
            let seq: i64 = row.try_get(0)?;
            Ok((u64::try_from(seq).unwrap_or(0), row.try_get(1)?))
        })
        .transpose()?;

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
    if db.backend() == Backend::Sqlite && !store::sqlite_events_table_intact(db).await? {
        report.damage = Some(Damage {
            seq: first,
            kind: DamageKind::Redefined,
        });
        return Ok(report);
    }
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
        return Ok(report);
    }
    report.damage = match check_head(db, chain_id, recorded_head, report.last_seq).await? {
        Some(damage) => Some(damage),
        None => check_subjects(db, chain_id).await?,
    };
    Ok(report)
}

/// The recorded head must name an event of the (verified) chain by its hash:
/// beyond the last event it shows a cut tail; a missing row or another hash
/// shows an edit; events past it that it never reaches show an insertion.
async fn check_head(
    db: &Db,
    chain_id: &str,
    recorded: Option<(u64, String)>,
    last_seq: u64,
) -> Result<Option<Damage>, AuditError> {
    let Some((seq, hash)) = recorded else {
        return Ok((last_seq > 0).then_some(Damage {
            seq: last_seq,
            kind: DamageKind::HeadMismatch,
        }));
    };
    if seq > last_seq {
        return Ok(Some(Damage {
            seq: last_seq + 1,
            kind: DamageKind::Truncated,
        }));
    }
    if seq == 0 {
        // Nothing appended yet, or every event purged — which retention never
        // does (it keeps the last checkpoint's events).
        return Ok((last_seq > 0).then_some(Damage {
            seq: 1,
            kind: DamageKind::HeadMismatch,
        }));
    }
    let stored: Option<String> =
        sqlx::query_scalar("SELECT hash FROM egov_audit_events WHERE chain_id = $1 AND seq = $2")
            .bind(chain_id)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .fetch_optional(db.pool())
            .await?;
    // The events up to `last_seq` verified, so their stored hashes are theirs.
    if stored.as_deref() != Some(hash.as_str()) {
        return Ok(Some(Damage {
            seq,
            kind: DamageKind::HeadMismatch,
        }));
    }
    if seq < last_seq {
        // Events past the head read first: a writer appended since (the head
        // has moved on by now), or rows were inserted past the head.
        let now: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM egov_audit_heads WHERE chain_id = $1")
                .bind(chain_id)
                .fetch_optional(db.pool())
                .await?;
        if now.and_then(|n| u64::try_from(n).ok()).unwrap_or(0) < last_seq {
            return Ok(Some(Damage {
                seq: seq + 1,
                kind: DamageKind::HeadMismatch,
            }));
        }
    }
    Ok(None)
}

/// The data-subject index must hold exactly the subjects the events list
/// (their `subjects` column, covered by each event's hash and verified by
/// then): the first event whose subjects are missing from the index, or that
/// an index row names without the event listing it.
async fn check_subjects(db: &Db, chain_id: &str) -> Result<Option<Damage>, AuditError> {
    let (missing, extra) = match db.backend() {
        Backend::Postgres => (
            "SELECT MIN(e.seq) FROM egov_audit_events e \
             CROSS JOIN LATERAL json_array_elements_text(e.subjects::json) AS j(subject) \
             WHERE e.chain_id = $1 AND e.subjects <> '[]' AND NOT EXISTS (\
             SELECT 1 FROM egov_audit_subjects s \
             WHERE s.chain_id = e.chain_id AND s.seq = e.seq AND s.subject = j.subject)",
            "SELECT MIN(s.seq) FROM egov_audit_subjects s WHERE s.chain_id = $1 AND NOT EXISTS (\
             SELECT 1 FROM egov_audit_events e \
             CROSS JOIN LATERAL json_array_elements_text(e.subjects::json) AS j(subject) \
             WHERE e.chain_id = s.chain_id AND e.seq = s.seq AND j.subject = s.subject)",
        ),
        Backend::Sqlite => (
            "SELECT MIN(e.seq) FROM egov_audit_events e, json_each(e.subjects) AS j \
             WHERE e.chain_id = $1 AND e.subjects <> '[]' AND NOT EXISTS (\
             SELECT 1 FROM egov_audit_subjects s \
             WHERE s.chain_id = e.chain_id AND s.seq = e.seq AND s.subject = j.value)",
            "SELECT MIN(s.seq) FROM egov_audit_subjects s WHERE s.chain_id = $1 AND NOT EXISTS (\
             SELECT 1 FROM egov_audit_events e, json_each(e.subjects) AS j \
             WHERE e.chain_id = s.chain_id AND e.seq = s.seq AND j.value = s.subject)",
        ),
    };
    let mut first: Option<i64> = None;
    for statement in [missing, extra] {
        let found: Option<i64> = sqlx::query_scalar(statement)
            .bind(chain_id)
            .fetch_one(db.pool())
            .await?;
        first = match (first, found) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(first.map(|seq| Damage {
        seq: u64::try_from(seq).unwrap_or(0),
        kind: DamageKind::SubjectsMismatch,
    }))
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
    // Rows are read without their `prev_hash` (each event's own hash covers
    // its predecessor's): only a part's first one is read, to start from.
    let assumed_start = match start {
        Some(_) => None,
        None => store::prev_hash(db, chain_id, from).await?,
    };
    let start = start.or(assumed_start).unwrap_or(GENESIS);
    let mut checker = Checker {
        chain_id,
        part: Part {
            from,
            checked: 0,
            assumed_start,
            end: start,
            damage: None,
        },
        prev: start,
        expected: from,
        heads,
        scratch: Vec::with_capacity(1024),
    };
    // Reading the next page (the database builds its text) overlaps checking
    // this one.
    let (pages, mut next_page) = tokio::sync::mpsc::channel(2);
    let backend = db.backend();
    let reader = AbortOnDrop(tokio::spawn({
        let (db, chain_id) = (db.clone(), chain_id.to_owned());
        async move {
            let read = match backend {
                Backend::Sqlite => read_record_pages(&db, &chain_id, from, to, &pages).await,
                Backend::Postgres => read_copy_pages(&db, &chain_id, from, to, &pages).await,
            };
            if let Err(error) = read {
                let _ = pages.send(Err(error)).await;
            }
        }
    }));
    while let Some(page) = next_page.recv().await {
        let page = page?;
        let done = match page {
            Page::Records(row) => {
                // A range whose events were all deleted reads as no page; the
                // next event read (or the end of the part) shows the gap.
                match row.try_get::<Option<&str>, _>(0)? {
                    Some(lines) => checker.record_page(lines),
                    None => false,
                }
            }
            Page::Copy(rows) => checker.copy_page(&rows)?,
        };
        if done {
            // The reader's connection first goes back to the pool (which may
            // hold only one).
            drop(reader);
            let mut part = checker.part;
            // Damaged events are told apart by their stored `prev_hash`: one
            // that does not name the event before was moved or inserted.
            if let Some(damage) = &mut part.damage
                && damage.kind == DamageKind::Modified
                && store::prev_hash(db, chain_id, damage.seq).await? != Some(checker.prev)
            {
                damage.kind = DamageKind::Unlinked;
            }
            return Ok(part);
        }
    }
    drop(reader);
    let mut part = checker.part;
    if checker.expected <= to {
        // Events at the end of the part are gone.
        part.damage = Some(Damage {
            seq: checker.expected,
            kind: DamageKind::Missing,
        });
    }
    Ok(part)
}

/// SQLite: pages of [`PAGE`] sequence numbers, each one text of
/// `seq hash record` lines ([`store::event_page`]).
async fn read_record_pages(
    db: &Db,
    chain_id: &str,
    from: u64,
    to: u64,
    pages: &tokio::sync::mpsc::Sender<Result<Page, AuditError>>,
) -> Result<(), AuditError> {
    // Dropped on an error, the connection is unmapped all the same.
    let mut reads = store::MappedReads::acquire(db).await?;
    let mut after = from - 1;
    while after < to {
        let up_to = after.saturating_add(PAGE).min(to);
        let Some(conn) = reads.conn() else { break };
        let page = store::event_page(conn, chain_id, after, up_to).await?;
        after = up_to;
        if pages.send(Ok(Page::Records(page))).await.is_err() {
            break;
        }
    }
    reads.release().await;
    Ok(())
}

/// A page of events as the database sent it.
enum Page {
    /// SQLite: a row of `seq hash record` lines
    /// ([`store::event_page`]).
    Records(sqlx::any::AnyRow),
    /// PostgreSQL: whole rows of binary `COPY` output, without its header.
    Copy(Vec<u8>),
}

/// PostgreSQL: the whole part as one binary `COPY … TO STDOUT` on a
/// connection of its own, cut into pages of whole rows. The server sends each
/// row's columns as they are stored, each preceded by its length; building
/// JSON for them cost it 3.9 µs a row, three to four times what `COPY` costs
/// (docs/benchmarks.md).
async fn read_copy_pages(
    db: &Db,
    chain_id: &str,
    from: u64,
    to: u64,
    pages: &tokio::sync::mpsc::Sender<Result<Page, AuditError>>,
) -> Result<(), AuditError> {
    let mut conn = db.postgres_connection().await?;
    // COPY takes no parameters: the server quotes the chain id itself.
    let chain: String = sqlx::query_scalar("SELECT quote_literal($1)")
        .bind(chain_id)
        .fetch_one(&mut conn)
        .await?;
    let statement = format!(
        "COPY (SELECT {columns} FROM egov_audit_events WHERE chain_id = {chain} \
         AND seq > {after} AND seq <= {to} ORDER BY seq) TO STDOUT (FORMAT binary)",
        columns = store::VERIFY_COLUMNS,
        after = from - 1,
    );
    let mut rows = conn.copy_out_raw(&statement).await?;
    let mut header = Vec::new();
    let mut page = Vec::with_capacity(COPY_PAGE_BYTES + 4096);
    // The server ends a message only at the end of a row (the protocol
    // promises it), so a page cut between messages holds whole rows.
    while let Some(message) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
        let message = message?;
        // The header comes with the first row.
        let missing = (COPY_HEADER.len() + 8).saturating_sub(header.len());
        let (head, row) = message.split_at(missing.min(message.len()));
        header.extend_from_slice(head);
        page.extend_from_slice(row);
        if page.len() >= COPY_PAGE_BYTES {
            let full = std::mem::replace(&mut page, Vec::with_capacity(COPY_PAGE_BYTES + 4096));
            if pages.send(Ok(Page::Copy(full))).await.is_err() {
                return Ok(());
            }
        }
    }
    // The signature, flags (no OIDs) and an empty header extension.
    if header.len() != COPY_HEADER.len() + 8
        || !header.starts_with(COPY_HEADER)
        || header[COPY_HEADER.len()..] != [0; 8]
    {
        return Err(AuditError::Corrupt("unexpected COPY header".into()));
    }
    if !page.is_empty() {
        let _ = pages.send(Ok(Page::Copy(page))).await;
    }
    Ok(())
}

/// The signature that starts binary `COPY` output.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// About how many bytes of `COPY` output make one page (~3,000 events).
const COPY_PAGE_BYTES: usize = 1 << 20;

/// Checks one part's rows in order, as pages arrive.
struct Checker<'h> {
    /// The chain being checked (`COPY` rows leave it out).
    chain_id: &'h str,
    part: Part,
    /// The hash the next event must follow.
    prev: [u8; 32],
    /// The sequence number the next event must have.
    expected: u64,
    heads: &'h HashMap<u64, [u8; 32]>,
    scratch: Vec<u8>,
}

impl Checker<'_> {
    /// Checks a page of `seq hash record` lines (SQLite); `true`
    /// when damage was found.
    fn record_page(&mut self, page: &str) -> bool {
        let mut lines = Vec::new();
        let mut unreadable = false;
        for line in page.split('\n') {
            match RecordLine::parse(line) {
                Some(line) => lines.push(line),
                // A line that is no `seq hash record` (a raw newline or space
                // written into a column): the events up to it are checked, and
                // the next one expected is reported modified.
                None => {
                    unreadable = true;
                    break;
                }
            }
        }
        if !unreadable && !lines.is_sorted_by_key(|line| line.seq) {
            lines.sort_unstable_by_key(|line| line.seq);
        }
        let chain_id = self.chain_id.as_bytes();
        for line in &lines {
            let damaged = self.check(line.seq, line.hash, |prev, scratch| {
                // A record that does not parse as the fields was edited.
                let record = Record::parse(line.record)?;
                Some(record.fields(chain_id, line.seq).hash(prev, scratch))
            });
            if damaged {
                return true;
            }
        }
        if unreadable {
            self.part.damage = Some(Damage {
                seq: self.expected,
                kind: DamageKind::Modified,
            });
        }
        unreadable
    }

    /// Checks a page of binary `COPY` rows (in `seq` order); `true` when
    /// damage was found.
    fn copy_page(&mut self, page: &[u8]) -> Result<bool, AuditError> {
        let chain_id = self.chain_id;
        let mut rest = page;
        while !rest.is_empty() {
            let row = RawRow::from_copy(&mut rest, chain_id.as_bytes())
                .ok_or_else(|| AuditError::Corrupt("event row: unexpected COPY row".into()))?;
            let Some(row) = row else {
                // The trailer: no rows follow.
                break;
            };
            let damaged = self.check(row.seq, row.hash, |prev, scratch| {
                // A list column that is no list was edited.
                let (roles, subjects) = (parse_list(row.roles)?, parse_list(row.subjects)?);
                Some(row.fields(&roles, &subjects).hash(prev, scratch))
            });
            if damaged {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Checks the next event, whose stored hash is `hash` and whose own hash
    /// `compute` works out from the previous one (`None`: its fields are not
    /// even readable); `true` when it is damaged (recorded in the part, an
    /// event that does not hash as `Modified`).
    fn check(
        &mut self,
        seq: u64,
        hash: &[u8],
        compute: impl FnOnce(&[u8; 32], &mut Vec<u8>) -> Option<[u8; 32]>,
    ) -> bool {
        let linked = self.prev;
        let damage = if seq != self.expected {
            Some(DamageKind::Missing)
        } else {
            // A stored hash that is no hash was edited like any other column.
            let stored = hex_bytes(hash);
            let computed = compute(&linked, &mut self.scratch);
            if let Some(hash) = stored.filter(|stored| Some(*stored) == computed) {
                if self.heads.get(&seq).is_some_and(|h| *h != hash) {
                    Some(DamageKind::CheckpointMismatch)
                } else {
                    self.prev = hash;
                    self.part.end = hash;
                    None
                }
            } else {
                Some(DamageKind::Modified)
            }
        };
        if let Some(kind) = damage {
            self.part.damage = Some(Damage {
                seq: self.expected,
                kind,
            });
            return true;
        }
        self.part.checked += 1;
        self.expected += 1;
        false
    }
}

/// Sequence numbers read per query by [`verify_against`].
const PAGE: u64 = 4096;

/// One line of a [`store::event_page`], the record not yet parsed.
struct RecordLine<'a> {
    seq: u64,
    hash: &'a [u8],
    record: &'a str,
}

impl<'a> RecordLine<'a> {
    /// `None` when the line is no `seq hash record`.
    fn parse(line: &'a str) -> Option<Self> {
        let (seq, rest) = line.split_once(' ')?;
        let (hash, record) = rest.split_once(' ')?;
        Some(RecordLine {
            seq: seq.parse().ok()?,
            hash: hash.as_bytes(),
            record,
        })
    }
}

/// SQLite's stored record of an event (`store::sqlite_record`): its fields
/// after `seq`, borrowed from the page where JSON escaping allows.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Record<'a>(
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Vec<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Vec<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Option<Cow<'a, str>>,
    #[serde(borrow)] Cow<'a, str>,
);

impl<'a> Record<'a> {
    /// Parses a stored record; `None` when it is not one (it was edited).
    fn parse(text: &'a str) -> Option<Self> {
        RecordReader::new(text)
            .record()
            .or_else(|| serde_json::from_str(text).ok())
    }

    /// The fields of event `seq` of chain `chain_id`.
    fn fields<'b>(&'b self, chain_id: &'b [u8], seq: u64) -> EventFields<'b, Cow<'b, str>> {
        fn opt<'b>(field: &'b Option<Cow<'_, str>>) -> Option<&'b [u8]> {
            field.as_deref().map(str::as_bytes)
        }
        EventFields {
            chain_id,
            seq,
            id: self.0.as_bytes(),
            occurred_at: self.1.as_bytes(),
            principal_kind: self.2.as_bytes(),
            principal_id: opt(&self.3),
            roles: &self.4,
            client_ip: opt(&self.5),
            request_id: opt(&self.6),
            trace_id: opt(&self.7),
            action: self.8.as_bytes(),
            target_type: opt(&self.9),
            target_id: opt(&self.10),
            subjects: &self.11,
            outcome: self.12.as_bytes(),
            reason_code: opt(&self.13),
            reason: opt(&self.14),
            detail: self.15.as_bytes(),
        }
    }
}

/// Reads a record in the compact form the writer stores — `[` values `,`
/// `]` without spaces, each `null`, a string without escapes, or a list of
/// such strings — without serde's per-value machinery (serde was a fifth of
/// SQLite verify's time). Gives up (`None`) on anything else, escapes
/// included, and [`Record::parse`] leaves those to serde, so what it accepts
/// is exactly what serde would read the same way.
struct RecordReader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> RecordReader<'a> {
    fn new(text: &'a str) -> Self {
        RecordReader { text, at: 0 }
    }

    fn record(&mut self) -> Option<Record<'a>> {
        self.byte(b'[')?;
        let record = Record(
            self.string()?,
            self.next()?.string()?,
            self.next()?.string()?,
            self.next()?.optional()?,
            self.next()?.list()?,
            self.next()?.optional()?,
            self.next()?.optional()?,
            self.next()?.optional()?,
            self.next()?.string()?,
            self.next()?.optional()?,
            self.next()?.optional()?,
            self.next()?.list()?,
            self.next()?.string()?,
            self.next()?.optional()?,
            self.next()?.optional()?,
            self.next()?.string()?,
        );
        self.byte(b']')?;
        (self.at == self.text.len()).then_some(record)
    }

    /// Takes `byte`.
    fn byte(&mut self, byte: u8) -> Option<()> {
        (self.text.as_bytes().get(self.at) == Some(&byte)).then(|| self.at += 1)
    }

    /// Takes the `,` between values.
    fn next(&mut self) -> Option<&mut Self> {
        self.byte(b',')?;
        Some(self)
    }

    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.byte(b'"')?;
        let start = self.at;
        let len = self.text.as_bytes()[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        self.at = start + len;
        self.byte(b'"')?;
        // Both ends are ASCII quotes, so both are character boundaries.
        Some(Cow::Borrowed(&self.text[start..start + len]))
    }

    fn optional(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.text.as_bytes()[self.at..].starts_with(b"null") {
            self.at += 4;
            return Some(None);
        }
        self.string().map(Some)
    }

    fn list(&mut self) -> Option<Vec<Cow<'a, str>>> {
        self.byte(b'[')?;
        let mut items = Vec::new();
        if self.byte(b']').is_some() {
            return Some(items);
        }
        loop {
            items.push(self.string()?);
            if self.byte(b']').is_some() {
                return Some(items);
            }
            self.byte(b',')?;
        }
    }
}

/// One stored event as `verify` reads it from PostgreSQL: the columns of
/// [`store::VERIFY_COLUMNS`], still as the stored text's bytes.
struct RawRow<'a> {
    chain_id: &'a [u8],
    seq: u64,
    id: &'a [u8],
    occurred_at: &'a [u8],
    principal_kind: &'a [u8],
    principal_id: Option<&'a [u8]>,
    roles: &'a [u8],
    client_ip: Option<&'a [u8]>,
    request_id: Option<&'a [u8]>,
    trace_id: Option<&'a [u8]>,
    action: &'a [u8],
    target_type: Option<&'a [u8]>,
    target_id: Option<&'a [u8]>,
    subjects: &'a [u8],
    outcome: &'a [u8],
    reason_code: Option<&'a [u8]>,
    reason: Option<&'a [u8]>,
    detail: &'a [u8],
    hash: &'a [u8],
}

impl<'a> RawRow<'a> {
    /// Takes one row of binary `COPY` output (the columns in
    /// [`store::VERIFY_COLUMNS`] order, of chain `chain_id`) off the
    /// front of `rest`: `Some(None)` for the trailer, `None` when it is no such
    /// row (not 18 columns, a required column NULL, a `seq` that is not 8
    /// bytes, cut short).
    fn from_copy(rest: &mut &'a [u8], chain_id: &'a [u8]) -> Option<Option<Self>> {
        let count = i16::from_be_bytes(take(rest, 2)?.try_into().ok()?);
        if count == -1 {
            return Some(None);
        }
        if count != 18 {
            return None;
        }
        let seq = copy_column(rest)??;
        let seq = u64::try_from(i64::from_be_bytes(seq.try_into().ok()?)).ok()?;
        Some(Some(RawRow {
            chain_id,
            seq,
            id: copy_column(rest)??,
            occurred_at: copy_column(rest)??,
            principal_kind: copy_column(rest)??,
            principal_id: copy_column(rest)?,
            roles: copy_column(rest)??,
            client_ip: copy_column(rest)?,
            request_id: copy_column(rest)?,
            trace_id: copy_column(rest)?,
            action: copy_column(rest)??,
            target_type: copy_column(rest)?,
            target_id: copy_column(rest)?,
            subjects: copy_column(rest)??,
            outcome: copy_column(rest)??,
            reason_code: copy_column(rest)?,
            reason: copy_column(rest)?,
            detail: copy_column(rest)??,
            hash: copy_column(rest)??,
        }))
    }

    /// The fields, with the list columns already parsed.
    fn fields<'b>(
        &'b self,
        roles: &'b [Cow<'b, str>],
        subjects: &'b [Cow<'b, str>],
    ) -> EventFields<'b, Cow<'b, str>> {
        EventFields {
            chain_id: self.chain_id,
            seq: self.seq,
            id: self.id,
            occurred_at: self.occurred_at,
            principal_kind: self.principal_kind,
            principal_id: self.principal_id,
            roles,
            client_ip: self.client_ip,
            request_id: self.request_id,
            trace_id: self.trace_id,
            action: self.action,
            target_type: self.target_type,
            target_id: self.target_id,
            subjects,
            outcome: self.outcome,
            reason_code: self.reason_code,
            reason: self.reason,
            detail: self.detail,
        }
    }
}

/// A list column (JSON array of strings); `None` when it is no such list.
fn parse_list(text: &[u8]) -> Option<Vec<Cow<'_, str>>> {
    // Most events have no roles or no subjects.
    if text == b"[]" {
        return Some(Vec::new());
    }
    serde_json::from_slice(text).ok()
}

/// A column of a binary `COPY` row: its length, then its bytes (`Some(None)`:
/// NULL; `None`: cut short).
fn copy_column<'a>(rest: &mut &'a [u8]) -> Option<Option<&'a [u8]>> {
    let len = i32::from_be_bytes(take(rest, 4)?.try_into().ok()?);
    if len == -1 {
        return Some(None);
    }
    Some(Some(take(rest, usize::try_from(len).ok()?)?))
}

/// The first `n` bytes of `rest`, which then starts after them.
fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if rest.len() < n {
        return None;
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Some(head)
}

/// Stops a page reader or part checker when `verify` returns early.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A binary `COPY` row of `columns` (`None`: NULL).
    fn copy_row(columns: &[Option<&[u8]>]) -> Vec<u8> {
        let mut row = i16::try_from(columns.len()).unwrap().to_be_bytes().to_vec();
        for column in columns {
            match column {
                None => row.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(bytes) => {
                    row.extend_from_slice(&i32::try_from(bytes.len()).unwrap().to_be_bytes());
                    row.extend_from_slice(bytes);
                }
            }
        }
        row
    }

    fn columns(seq: &[u8; 8]) -> Vec<Option<&[u8]>> {
        let hash: &[u8] = &[b'a'; 64];
        let mut columns: Vec<Option<&[u8]>> = vec![Some(seq)];
        columns.extend([
            Some(&b"id"[..]),
            Some(b"2026-11-27T00:00:00.000000Z"),
            Some(b"system"),
            Some(b"load-1"),
            Some(b"[]"),
            None,
            None,
            None,
            Some(b"view"),
            Some(b"petition"),
            Some(b"P-1"),
            Some(b"[]"),
            Some(b"success"),
            None,
            None,
            Some(b"{}"),
            Some(hash),
        ]);
        columns
    }

    #[test]
    fn copy_rows_are_read_column_by_column_and_malformed_ones_refused() {
        let seq = 7i64.to_be_bytes();
        let mut page = copy_row(&columns(&seq));
        page.extend_from_slice(&(-1i16).to_be_bytes());
        let mut rest = &page[..];
        let row = RawRow::from_copy(&mut rest, b"main").unwrap().unwrap();
        assert_eq!(
            (row.chain_id, row.seq, row.action, row.client_ip),
            (&b"main"[..], 7, &b"view"[..], None)
        );
        assert_eq!(row.principal_id, Some(&b"load-1"[..]));
        assert!(
            matches!(RawRow::from_copy(&mut rest, b"main"), Some(None)),
            "the trailer"
        );

        // Cut short anywhere: refused, never read past the end.
        let whole = copy_row(&columns(&seq));
        for cut in 0..whole.len() {
            assert!(
                RawRow::from_copy(&mut &whole[..cut], b"main").is_none(),
                "cut at {cut}"
            );
        }
        // A column too many or too few, a NULL where one is required, a
        // negative or short `seq`.
        let mut more = columns(&seq);
        more.push(None);
        assert!(RawRow::from_copy(&mut &copy_row(&more)[..], b"main").is_none());
        assert!(RawRow::from_copy(&mut &copy_row(&columns(&seq)[1..])[..], b"main").is_none());
        let mut null_action = columns(&seq);
        null_action[9] = None;
        assert!(RawRow::from_copy(&mut &copy_row(&null_action)[..], b"main").is_none());
        let negative = (-7i64).to_be_bytes();
        assert!(RawRow::from_copy(&mut &copy_row(&columns(&negative))[..], b"main").is_none());
        let mut short_seq = columns(&seq);
        short_seq[0] = Some(&seq[..4]);
        assert!(RawRow::from_copy(&mut &copy_row(&short_seq)[..], b"main").is_none());
    }

    #[test]
    fn list_columns_parse_or_are_refused() {
        assert_eq!(parse_list(b"[]"), Some(vec![]));
        assert_eq!(
            parse_list(br#"["a","b\"c"]"#),
            Some(vec![Cow::from("a"), Cow::from("b\"c")])
        );
        assert_eq!(parse_list(b"[1]"), None);
        assert_eq!(parse_list(b"\"a\""), None);
        assert_eq!(parse_list(b"[\"\xff\"]"), None);
    }

    #[test]
    fn records_are_read_by_the_fast_reader_or_serde_alike() {
        let plain = r#"["id","2026-11-27T00:00:00.000000Z","account","u-1",["admin","clerk"],null,"r-1",null,"view",null,"P-1",[],"success",null,null,"{}"]"#;
        let fast = RecordReader::new(plain).record().unwrap();
        assert_eq!(
            Some(&fast),
            serde_json::from_str::<Record<'_>>(plain).ok().as_ref()
        );
        assert_eq!(
            (fast.4.len(), fast.5.clone(), fast.15.clone()),
            (2, None, Cow::from("{}"))
        );
        // Escapes and spaces are left to serde, which reads them.
        for text in [
            plain.replace("\"u-1\"", "\"u\\\"1\""),
            plain.replace(",null,\"r-1\"", ", null,\"r-1\""),
            plain.replace("\"{}\"", "\"{\\\"memo\\\":\\\"\\\\n\\\"}\""),
        ] {
            assert!(RecordReader::new(&text).record().is_none(), "{text}");
            assert!(Record::parse(&text).is_some(), "{text}");
        }
        // Not records: wrong length, wrong types, trailing text.
        for text in [
            plain.replace(",\"{}\"]", "]"),
            plain.replace("[\"admin\",\"clerk\"]", "\"admin\""),
            plain.replace("\"view\"", "null"),
            format!("{plain}x"),
            String::new(),
            "[".into(),
        ] {
            assert!(Record::parse(&text).is_none(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn the_fast_record_reader_agrees_with_serde(
            fields in proptest::collection::vec(proptest::option::of(".{0,12}"), 16),
            roles in proptest::collection::vec(".{0,6}", 0..3),
        ) {
            let text = |i: usize| fields[i].clone().unwrap_or_default();
            let record = (
                text(0), text(1), text(2), &fields[3], &roles, &fields[5], &fields[6], &fields[7],
                text(8), &fields[9], &fields[10], &roles, text(12), &fields[13], &fields[14], text(15),
            );
            let stored = serde_json::to_string(&record).unwrap();
            let by_serde = serde_json::from_str::<Record<'_>>(&stored).unwrap();
            if let Some(fast) = RecordReader::new(&stored).record() {
                prop_assert_eq!(&fast, &by_serde);
            }
            prop_assert_eq!(Record::parse(&stored), Some(by_serde));
            // Cut anywhere: never a panic, never a record.
            for cut in (0..stored.len()).filter(|&i| stored.is_char_boundary(i)) {
                prop_assert!(RecordReader::new(&stored[..cut]).record().is_none());
            }
        }

        #[test]
        fn any_bytes_read_as_copy_rows_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut rest = &bytes[..];
            while let Some(Some(_)) = RawRow::from_copy(&mut rest, b"main") {}
        }

        #[test]
        fn a_well_formed_row_survives_any_text(text in ".{0,40}", seq in 1i64..i64::MAX) {
            let seq_bytes = seq.to_be_bytes();
            let mut columns = columns(&seq_bytes);
            columns[16] = Some(text.as_bytes());
            let row = copy_row(&columns);
            let mut rest = &row[..];
            let read = RawRow::from_copy(&mut rest, b"main").unwrap().unwrap();
            prop_assert_eq!(read.detail, text.as_bytes());
            prop_assert_eq!(read.seq, u64::try_from(seq).unwrap());
            prop_assert!(rest.is_empty());
        }
    }
}
