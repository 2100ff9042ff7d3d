//! The write path: a bounded queue, group commit, and checkpoints.

use std::sync::Arc;
use std::time::Duration;

use egov_core::actor::{Actor, Principal};
use egov_core::clock::{SharedClock, SystemClock};
use egov_db::{Backend, Db};
use sqlx::{AnyConnection, Executor};
use time::OffsetDateTime;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::chain::StoredEvent;
use crate::checkpoint::{Checkpoint, CheckpointSigner, CheckpointVerifier};
use crate::event::AuditEvent;
use crate::{AuditError, AuditSettings, store};

/// When [`AuditLog::record_with`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// After the event's transaction committed. The default, and the only
    /// choice for security events.
    Committed,
    /// After the event was queued. A crash may lose the events of the batch being
    /// written; a store failure is logged but not reported to the caller.
    Queued,
}

/// Proof that an event was committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Its position in the chain.
    pub seq: u64,
    /// Its id.
    pub id: String,
}

/// An event waiting to be written, with its time and id already fixed.
struct Draft {
    id: String,
    occurred_at: OffsetDateTime,
    event: AuditEvent,
}

enum Job {
    Append {
        draft: Box<Draft>,
        done: Option<oneshot::Sender<Result<Receipt, String>>>,
    },
    Shutdown(oneshot::Sender<()>),
}

/// The audit log: cheap to clone, shared by every part of a service.
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    chain_id: String,
    queue: mpsc::Sender<Job>,
    clock: SharedClock,
    verifier: CheckpointVerifier,
    writer: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("chain_id", &self.inner.chain_id)
            .finish()
    }
}

impl AuditLog {
    /// Starts the writer for `settings.chain_id` on `db` (already migrated with
    /// [`crate::MIGRATIONS`]), using the system clock.
    pub async fn start(db: Db, settings: &AuditSettings) -> Result<Self, AuditError> {
        Self::start_with_clock(db, settings, Arc::new(SystemClock)).await
    }

    /// As [`AuditLog::start`], with the clock that stamps events.
    pub async fn start_with_clock(
        db: Db,
        settings: &AuditSettings,
        clock: SharedClock,
    ) -> Result<Self, AuditError> {
        let signer =
            CheckpointSigner::from_config(&settings.signing_key_id, settings.signing_key.expose())
                .map_err(|e| AuditError::Key(e.to_string()))?;
        store::ensure_head(&db, &settings.chain_id).await?;
        let last_checkpoint = store::checkpoints(&db, &settings.chain_id)
            .await?
            .last()
            .map_or(0, |c| c.checkpoint.size);
        let (queue, jobs) = mpsc::channel(settings.queue_capacity.max(1));
        let writer = Writer {
            db: db.clone(),
            chain_id: settings.chain_id.clone(),
            batch_max: settings.batch_max.clamp(1, 10_000),
            every_events: settings.checkpoint_every_events.max(1),
            every: Duration::from_secs(settings.checkpoint_every_secs.max(1)),
            signer: Arc::new(signer),
            clock: Arc::clone(&clock),
            last_checkpoint,
            witness_file: (!settings.witness_file.trim().is_empty())
                .then(|| std::path::PathBuf::from(settings.witness_file.trim())),
            hold_connection: db.pool().options().get_max_connections() > 1,
            conn: None,
            head: None,
            acks: AckSender::start(),
            outage: None,
        };
        let verifier = writer.signer.verifier();
        let handle = tokio::spawn(writer.run(jobs));
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                chain_id: settings.chain_id.clone(),
                queue,
                clock,
                verifier,
                writer: Mutex::new(Some(handle)),
            }),
        })
    }

    /// Records `event` and returns once it is committed.
    pub async fn record(&self, event: AuditEvent) -> Result<Receipt, AuditError> {
        event.check()?;
        let (done, receipt) = oneshot::channel();
        self.enqueue(event, Some(done)).await?;
        match receipt.await {
            Ok(Ok(receipt)) => Ok(receipt),
            Ok(Err(reason)) => Err(AuditError::NotRecorded(reason)),
            Err(_) => Err(AuditError::Closed),
        }
    }

    /// Records `event` with the given durability; `None` for `Queued`.
    pub async fn record_with(
        &self,
        event: AuditEvent,
        durability: Durability,
    ) -> Result<Option<Receipt>, AuditError> {
        match durability {
            Durability::Committed => self.record(event).await.map(Some),
            Durability::Queued => {
                event.check()?;
                self.enqueue(event, None).await?;
                Ok(None)
            }
        }
    }

    async fn enqueue(
        &self,
        event: AuditEvent,
        done: Option<oneshot::Sender<Result<Receipt, String>>>,
    ) -> Result<(), AuditError> {
        let draft = Draft {
            id: uuid::Uuid::now_v7().to_string(),
            occurred_at: self.inner.clock.now(),
            event,
        };
        // Waits while the queue is full: backpressure, never a silent drop.
        self.inner
            .queue
            .send(Job::Append {
                draft: Box::new(draft),
                done,
            })
            .await
            .map_err(|_| AuditError::Closed)
    }

    /// Records `event` inside the caller's open transaction on `conn`, so that a
    /// business change and its audit event commit or roll back together.
    ///
    /// On PostgreSQL the chain head stays locked until the caller commits. On
    /// SQLite, begin the transaction with `BEGIN IMMEDIATE` when other writers
    /// may be active, or a concurrent append can make the commit fail with
    /// "database is locked".
    pub async fn record_in_transaction(
        &self,
        conn: &mut AnyConnection,
        event: AuditEvent,
    ) -> Result<Receipt, AuditError> {
        let mut receipts = self.record_all_in_transaction(conn, vec![event]).await?;
        receipts.pop().ok_or(AuditError::Closed)
    }

    /// Records `events`, in order, inside the caller's open transaction — as
    /// [`AuditLog::record_in_transaction`], but appended together (one head
    /// lock, multi-row inserts), for bulk changes such as an import where every
    /// changed record gets its own event. Nothing is recorded if any event is
    /// invalid.
    pub async fn record_all_in_transaction(
        &self,
        conn: &mut AnyConnection,
        events: Vec<AuditEvent>,
    ) -> Result<Vec<Receipt>, AuditError> {
        for event in &events {
            event.check()?;
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let head = store::lock_head(conn, self.inner.db.backend(), &self.inner.chain_id).await?;
        let drafts = events
            .into_iter()
            .map(|event| Draft {
                id: uuid::Uuid::now_v7().to_string(),
                occurred_at: self.inner.clock.now(),
                event,
            })
            .collect();
        let mut stored = seal_all(&self.inner.chain_id, drafts);
        reseal(&mut stored, head);
        store::append(conn, self.inner.db.backend(), &stored).await?;
        Ok(stored
            .into_iter()
            .map(|e| Receipt {
                seq: e.seq,
                id: e.id,
            })
            .collect())
    }

    /// The public half of the checkpoint key, for [`crate::verify()`] and auditors.
    pub fn verifier(&self) -> CheckpointVerifier {
        self.inner.verifier.clone()
    }

    /// The database the log records into (also where [`AuditLog::begin`]
    /// opens its transactions).
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The chain this log appends to.
    pub fn chain_id(&self) -> &str {
        &self.inner.chain_id
    }

    /// Writes everything queued, signs a final checkpoint, and stops the writer.
    /// Later records fail with [`AuditError::Closed`].
    pub async fn shutdown(&self) {
        let (done, finished) = oneshot::channel();
        if self.inner.queue.send(Job::Shutdown(done)).await.is_ok() {
            let _ = finished.await;
        }
        if let Some(handle) = self.inner.writer.lock().await.take() {
            let _ = handle.await;
        }
    }
}

/// The stored form of `drafts`, not yet numbered or hashed: [`reseal`] places
/// them after a head.
fn seal_all(chain_id: &str, drafts: Vec<Draft>) -> Vec<StoredEvent> {
    drafts.into_iter().map(|d| seal(chain_id, d)).collect()
}

/// Numbers and hashes events to follow `head`.
fn reseal(events: &mut [StoredEvent], head: (u64, [u8; 32])) {
    let (seq, mut prev) = head;
    for (i, event) in events.iter_mut().enumerate() {
        event.seq = seq + 1 + i as u64;
        event.prev_hash = prev;
        event.hash = event.compute_hash(&prev);
        prev = event.hash;
    }
}

/// `(first seq, (last seq, last hash))` of a non-empty sealed batch.
fn span(events: &[StoredEvent]) -> (u64, (u64, [u8; 32])) {
    let first = events.first().map_or(0, |e| e.seq);
    let last = events
        .last()
        .map_or((0, crate::chain::GENESIS), |e| (e.seq, e.hash));
    (first, last)
}

/// The stored form of one event (numbered and hashed later, by [`reseal`]).
fn seal(chain_id: &str, draft: Draft) -> StoredEvent {
    let Draft {
        id,
        occurred_at,
        event,
    } = draft;
    let actor: &Actor = &event.actor;
    let (principal_kind, principal_id) = match &actor.principal {
        Principal::Anonymous => ("anonymous", None),
        Principal::Account { id } => ("account", Some(id.to_string())),
        Principal::System { name } => ("system", Some(crate::scrub(name, 64))),
    };
    StoredEvent {
        chain_id: chain_id.to_owned(),
        seq: 0,
        id,
        occurred_at,
        principal_kind: principal_kind.to_owned(),
        principal_id,
        roles: actor.roles.iter().cloned().collect(),
        client_ip: actor.client_ip.map(|ip| ip.to_string()),
        request_id: actor.request_id.as_deref().and_then(request_id),
        trace_id: actor.trace_id.clone(),
        action: event.action.as_str().to_owned(),
        target_type: event.target.as_ref().map(|t| t.kind.clone()),
        target_id: event.target.and_then(|t| t.id),
        subjects: event.subjects.into_iter().map(String::from).collect(),
        outcome: event.outcome.as_str().to_owned(),
        reason_code: event.reason_code,
        reason: event.reason.map(|r| r.as_str().to_owned()),
        detail: event.detail.to_json(),
        prev_hash: [0; 32],
        hash: [0; 32],
    }
}

struct Writer {
    db: Db,
    chain_id: String,
    batch_max: usize,
    every_events: u64,
    every: Duration,
    signer: Arc<CheckpointSigner>,
    clock: SharedClock,
    last_checkpoint: u64,
    /// `[audit] witness_file`, if set.
    witness_file: Option<std::path::PathBuf>,
    /// Keep a connection between batches (not on a one-connection pool, which
    /// everyone else needs too).
    hold_connection: bool,
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
    /// The head this writer committed last, if nothing failed since.
    head: Option<(u64, [u8; 32])>,
    /// Where the callers' answers go out.
    acks: AckSender,
    /// Set while the store is known to be unreachable.
    outage: Option<Outage>,
}

type Answer = (
    oneshot::Sender<Result<Receipt, String>>,
    Result<Receipt, String>,
);

/// Answers a batch's callers from a thread of its own, not from the writer's
/// runtime worker.
///
/// Waking 64 callers from a worker on a 2-worker runtime made the two workers
/// play ping-pong: each wake handed the previously woken task to the other
/// worker's queue and unparked it (an `eventfd` write), it ran that one task
/// and parked again before the next wake — 3.4 µs per caller, 0.22 ms of a
/// 1.45 ms PostgreSQL batch cycle (measured with a timer around the loop; with
/// one worker the same loop took 7 µs). From a thread outside the runtime the
/// wakes go to the shared queue in one quick burst, and the workers take them
/// from there.
struct AckSender(Option<std::sync::mpsc::Sender<Vec<Answer>>>);

impl AckSender {
    fn start() -> Self {
        let (sender, batches) = std::sync::mpsc::channel::<Vec<Answer>>();
        let started = std::thread::Builder::new()
            .name("egov-audit-acks".into())
            .spawn(move || {
                for batch in batches {
                    for (done, answer) in batch {
                        let _ = done.send(answer);
                    }
                }
            });
        // Without the thread, the writer answers directly (slower, same result).
        Self(started.ok().map(|_| sender))
    }

    fn send(&self, answers: Vec<Answer>) {
        let answers = match &self.0 {
            Some(thread) => match thread.send(answers) {
                Ok(()) => return,
                Err(std::sync::mpsc::SendError(answers)) => answers,
            },
            None => answers,
        };
        for (done, answer) in answers {
            let _ = done.send(answer);
        }
    }
}

/// The store did not answer: no connection could be had within the pool's
/// acquire timeout (the pool retried connecting all that time).
///
/// Until a connection can be had again, batches fail at once instead of each
/// waiting out that timeout anew: during an outage a caller learns within one
/// acquire timeout at most (usually at once) that its event was not recorded,
/// where before each batch queued behind a failing one added a whole timeout
/// (and a web request held its 503 that long). A probe task keeps asking the
/// pool for a connection; the first one it gets ends the outage, so recording
/// resumes within the pool's reconnect back-off (at most a fifth of the
/// acquire timeout) of the store's return. An exhausted pool looks the same
/// as an unreachable store and is treated the same: the probe ends the outage
/// as soon as any connection is free.
struct Outage {
    /// Why the store counts as unreachable (the failed acquire).
    reason: String,
    /// Asks the pool for a connection until it gets one: the outage is over
    /// when this task has finished.
    probe: tokio::task::AbortHandle,
    /// Events refused at once, and how many of them were `Queued` (lost
    /// without their callers knowing): logged once, when the outage ends,
    /// instead of once per refused batch.
    refused: usize,
    queued_lost: usize,
}

/// How long the probe pauses between two acquires that failed at once.
const PROBE_PAUSE: Duration = Duration::from_millis(50);

impl Outage {
    fn start(pool: sqlx::AnyPool, reason: String) -> Self {
        let probe = tokio::spawn(async move {
            loop {
                match pool.acquire().await {
                    // A closed pool never answers again: let the next batch
                    // fail with that instead.
                    Ok(_) | Err(sqlx::Error::PoolClosed) => break,
                    Err(_) => tokio::time::sleep(PROBE_PAUSE).await,
                }
            }
        });
        Self {
            reason,
            probe: probe.abort_handle(),
            refused: 0,
            queued_lost: 0,
        }
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        self.probe.abort();
        let (refused, queued_lost) = (self.refused, self.queued_lost);
        if queued_lost > 0 {
            tracing::error!(
                refused,
                queued_lost,
                "audit events were not recorded while the store was unreachable"
            );
        } else if refused > 0 {
            tracing::warn!(
                refused,
                "audit events were refused while the store was unreachable"
            );
        }
    }
}

/// The longest one batch may take in the database before it counts as failed
/// (its callers get an error; nothing is claimed recorded).
const BATCH_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the writer keeps its connection without work.
const IDLE_RELEASE: Duration = Duration::from_millis(500);

/// Most times the writer yields to let woken callers queue more events.
const YIELDS: usize = 8;

type Waiter = (Option<oneshot::Sender<Result<Receipt, String>>>, String);

impl Writer {
    async fn run(mut self, mut jobs: mpsc::Receiver<Job>) {
        let mut ticker = tokio::time::interval(self.every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            tokio::select! {
                job = jobs.recv() => {
                    let Some(job) = job else { break };
                    let mut drafts = Vec::new();
                    let mut waiters: Vec<Waiter> = Vec::new();
                    let mut shutdown = None;
                    match job {
                        Job::Append { draft, done } => {
                            waiters.push((done, draft.id.clone()));
                            drafts.push(*draft);
                        }
                        Job::Shutdown(ack) => shutdown = Some(ack),
                    }
                    // Group commit: take whatever else is queued. Callers woken by
                    // the previous commit need a moment on the runtime to send
                    // their next events; yielding a few times lets them, so
                    // batches stay large under load (a lone caller loses
                    // microseconds, not milliseconds).
                    for _ in 0..YIELDS {
                        if jobs.len() + drafts.len() >= self.batch_max {
                            break;
                        }
                        let before = jobs.len();
                        tokio::task::yield_now().await;
                        if jobs.len() == before {
                            break;
                        }
                    }
                    while shutdown.is_none() && drafts.len() < self.batch_max {
                        match jobs.try_recv() {
                            Ok(Job::Append { draft, done }) => {
                                waiters.push((done, draft.id.clone()));
                                drafts.push(*draft);
                            }
                            Ok(Job::Shutdown(ack)) => shutdown = Some(ack),
                            Err(_) => break,
                        }
                    }
                    if !drafts.is_empty() {
                        self.commit(drafts, waiters).await;
                    }
                    if let Some(ack) = shutdown {
                        self.checkpoint_if_new().await;
                        let _ = ack.send(());
                        return;
                    }
                }
                _ = ticker.tick() => self.checkpoint_if_new().await,
                // Idle: give the held connection back to the pool.
                _ = tokio::time::sleep(IDLE_RELEASE), if self.conn.is_some() => self.conn = None,
            }
        }
        self.checkpoint_if_new().await;
    }

    /// The outage the store is known to be in, if any.
    fn known_outage(&mut self) -> Option<&mut Outage> {
        if self
            .outage
            .as_ref()
            .is_some_and(|outage| outage.probe.is_finished())
        {
            tracing::info!("the audit store answers again");
            self.outage = None;
        }
        self.outage.as_mut()
    }

    async fn commit(&mut self, drafts: Vec<Draft>, waiters: Vec<Waiter>) {
        if let Some(outage) = self.known_outage() {
            outage.refused += waiters.len();
            outage.queued_lost += waiters.iter().filter(|(done, _)| done.is_none()).count();
            let reason = format!(
                "{} (the audit store has not answered since; writes fail at once until it does)",
                outage.reason
            );
            answer_refused(&self.acks, waiters, &reason);
            return;
        }
        match self.write_batch(drafts).await {
            Ok((first_seq, head)) => {
                let answers = waiters
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, (done, id))| {
                        let receipt = Receipt {
                            seq: first_seq + i as u64,
                            id,
                        };
                        done.map(|done| (done, Ok(receipt)))
                    })
                    .collect();
                self.acks.send(answers);
                if head.0 >= self.last_checkpoint + self.every_events {
                    self.checkpoint(head.0, head.1).await;
                }
            }
            Err(error) => {
                let lost = waiters.iter().filter(|(done, _)| done.is_none()).count();
                tracing::error!(%error, events = waiters.len(), queued_lost = lost, "audit batch was not recorded");
                answer_refused(&self.acks, waiters, &error.to_string());
            }
        }
    }

    /// Writes one batch in one transaction; returns the first seq and the new head.
    ///
    /// Under load the writer keeps one pooled connection between batches (given
    /// back after [`IDLE_RELEASE`] without work, or on any error): no acquire and
    /// liveness ping per batch, and on SQLite a page cache that stays warm
    /// because no other connection wrote in between.
    async fn write_batch(
        &mut self,
        drafts: Vec<Draft>,
    ) -> Result<(u64, (u64, [u8; 32])), AuditError> {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => match self.db.pool().acquire().await {
                Ok(conn) => conn,
                Err(error) => {
                    let error = egov_db::DbError::from(error);
                    if !self.db.pool().is_closed() {
                        self.outage =
                            Some(Outage::start(self.db.pool().clone(), error.to_string()));
                    }
                    return Err(error.into());
                }
            },
        };
        let write = write_on(
            &mut conn,
            self.db.backend(),
            &self.chain_id,
            self.head,
            drafts,
        );
        // A held connection has no acquire timeout in front of it: a peer that
        // vanished without a reset would otherwise keep the writer (and every
        // caller waiting on it) until TCP gives up, minutes later.
        let result = match tokio::time::timeout(BATCH_TIMEOUT, write).await {
            Ok(result) => result,
            Err(_) => {
                conn.close_on_drop();
                Err(AuditError::Store(egov_db::DbError::TimedOut(BATCH_TIMEOUT)))
            }
        };
        match &result {
            Ok((_, head)) => {
                self.head = Some(*head);
                if self.hold_connection {
                    self.conn = Some(conn);
                }
            }
            // Not known any more: the next batch reads it under the lock.
            Err(_) => self.head = None,
        }
        result
    }

    async fn checkpoint_if_new(&mut self) {
        // Nothing new was written, and asking would wait out the timeout.
        if self.known_outage().is_some() {
            return;
        }
        match store::head(&self.db, &self.chain_id).await {
            Ok((seq, hash)) if seq > self.last_checkpoint => self.checkpoint(seq, hash).await,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not read the audit head for a checkpoint"),
        }
    }

    async fn checkpoint(&mut self, size: u64, head: [u8; 32]) {
        let checkpoint = Checkpoint {
            chain_id: self.chain_id.clone(),
            size,
            head,
            time: self.clock.now(),
        };
        let signed = match self.signer.sign(&checkpoint) {
            Ok(signed) => signed,
            Err(error) => {
                tracing::error!(%error, size, "could not sign an audit checkpoint");
                return;
            }
        };
        // The witnesses first: they matter most when the database fails.
        crate::witness::log(&signed);
        if let Some(path) = &self.witness_file
            && let Err(error) = crate::witness::write_file(path, &signed)
        {
            tracing::warn!(%error, path = %path.display(), "could not write the audit witness file");
        }
        match store::save_checkpoint(&self.db, &signed).await {
            Ok(()) => self.last_checkpoint = size,
            Err(error) => tracing::warn!(%error, size, "could not store an audit checkpoint"),
        }
    }
}

/// Tells a batch's callers that it was not recorded, and why.
fn answer_refused(acks: &AckSender, waiters: Vec<Waiter>, reason: &str) {
    let answers = waiters
        .into_iter()
        .filter_map(|(done, _)| done.map(|done| (done, Err(reason.to_owned()))))
        .collect();
    acks.send(answers);
}

/// One batch on `conn`: guarded in one execution when the head is known,
/// otherwise (or when it moved) under the head lock.
async fn write_on(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    backend: Backend,
    chain_id: &str,
    known_head: Option<(u64, [u8; 32])>,
    drafts: Vec<Draft>,
) -> Result<(u64, (u64, [u8; 32])), AuditError> {
    let mut events = seal_all(chain_id, drafts);
    if let (Backend::Postgres, Some(known)) = (backend, known_head) {
        reseal(&mut events, known);
        if store::append_pg_with_known_head(conn, known, &events).await? {
            return Ok(span(&events));
        }
        tracing::debug!("audit head moved (another writer); appending under the lock");
    }
    if let (Backend::Sqlite, Some(known)) = (backend, known_head) {
        // Fast path: the head this writer committed last is (almost always)
        // still the head, so the batch goes in one execution, guarded.
        reseal(&mut events, known);
        match store::append_with_known_head(conn, known, &events).await {
            Ok(()) => return Ok(span(&events)),
            Err(error) => {
                if conn.execute("ROLLBACK").await.is_err() {
                    // No transaction was open (BEGIN failed) or the
                    // connection broke: either way, do not reuse it.
                    conn.close_on_drop();
                }
                if !store::is_stale_head(&error) {
                    return Err(error);
                }
                tracing::debug!("audit head moved (another writer); appending under the lock");
            }
        }
    }
    if let Err(error) = store::begin_write(conn, backend).await {
        conn.close_on_drop();
        return Err(error);
    }
    let result = async {
        let head = store::lock_head(conn, backend, chain_id).await?;
        reseal(&mut events, head);
        store::append(conn, backend, &events).await?;
        Ok::<_, AuditError>(span(&events))
    }
    .await;
    finish(conn, backend, result).await
}

/// Commits on success, rolls back on failure (a connection that cannot roll back
/// is not returned to the pool).
async fn finish<T>(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    _backend: Backend,
    result: Result<T, AuditError>,
) -> Result<T, AuditError> {
    match result {
        Ok(value) => {
            conn.execute("COMMIT").await?;
            Ok(value)
        }
        Err(error) => {
            if conn.execute("ROLLBACK").await.is_err() {
                conn.close_on_drop();
            }
            Err(error)
        }
    }
}

/// A request id as the audit trail keeps it: verbatim (it is a correlation
/// key, not personal data — masking its digits made ids collide), but only
/// the characters a request id may have (ASCII letters, digits, `.`, `_`,
/// `:`, `-`; egov-web replaces any other caller-supplied id) and at most 128.
fn request_id(id: &str) -> Option<String> {
    let kept: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'))
        .take(128)
        .collect();
    (!kept.is_empty()).then_some(kept)
}

#[cfg(test)]
mod request_id_tests {
    #[test]
    fn request_ids_are_kept_verbatim_within_their_charset_and_length() {
        assert_eq!(
            super::request_id("order-20261207-123456").as_deref(),
            Some("order-20261207-123456")
        );
        assert_eq!(super::request_id("a b\u{0}<c>").as_deref(), Some("abc"));
        assert_eq!(
            super::request_id(&"9".repeat(300)).map(|r| r.len()),
            Some(128)
        );
        assert_eq!(super::request_id("한글"), None);
    }
}
