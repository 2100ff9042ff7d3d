//! [`CodeRegistry`]: the store, its audit trail and the cached snapshot.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwap, Guard};
use egov_audit::{Action, AuditEvent, AuditLog, Detail, Outcome, Target};
use egov_core::actor::{Actor, Principal};
use egov_core::clock::{SharedClock, SystemClock};
use egov_core::message::Message;
use egov_db::value::timestamp_to_sql;
use egov_db::{Backend, Db};
use sqlx::{AnyConnection, Executor};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::model::{
    Category, CategoryDraft, ChangeKind, ChangeReason, Code, CodeDraft, CodeGroup, Entity,
    GroupDraft, HistoryEntry, Issue, Stamp,
};
use crate::snapshot::Snapshot;
use crate::store::{self, HistoryRow, TOPIC};
use crate::{CodesSettings, Error};

/// The common code tables of one database: writes (recorded in the history and
/// the audit trail), and the cached [`Snapshot`] every read uses.
///
/// Cheap to clone. Start one per process with [`CodeRegistry::start`]; it
/// reloads its snapshot at once after its own writes and, for writes made by
/// other replicas, when the change version moves (PostgreSQL `LISTEN/NOTIFY`,
/// or the poll every `codes.poll_interval_ms`).
#[derive(Clone)]
pub struct CodeRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    audit: AuditLog,
    settings: CodesSettings,
    clock: SharedClock,
    snapshot: ArcSwap<Snapshot>,
    /// Serializes reloads, so an older snapshot never replaces a newer one.
    reloading: tokio::sync::Mutex<()>,
    /// Dropped with the registry: ends the watcher task.
    _stop: tokio::sync::oneshot::Sender<()>,
    offset: UtcOffset,
}

impl std::fmt::Debug for CodeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeRegistry")
            .field("db", &self.inner.db)
            .field("version", &self.snapshot().version())
            .finish()
    }
}

/// A borrowed snapshot: what [`CodeRegistry::snapshot`] returns. Dereferences
/// to [`Snapshot`]; hold it only briefly (it keeps that snapshot alive).
pub struct SnapshotRef(Guard<Arc<Snapshot>>);

impl std::ops::Deref for SnapshotRef {
    type Target = Snapshot;
    #[inline]
    fn deref(&self) -> &Snapshot {
        &self.0
    }
}

/// The text stored as "who" for `actor`: the account id, `system:<name>` or
/// `anonymous`.
pub fn actor_name(actor: &Actor) -> String {
    match &actor.principal {
        Principal::Account { id } => id.to_string(),
        Principal::System { name } => format!("system:{name}"),
        Principal::Anonymous => "anonymous".to_owned(),
    }
}

impl CodeRegistry {
    /// Loads the snapshot and starts watching for changes made elsewhere.
    /// The database must be migrated with `egov_db::change::MIGRATIONS`,
    /// `egov_audit::MIGRATIONS` and [`crate::MIGRATIONS`]. Must be called
    /// within a Tokio runtime.
    pub async fn start(db: Db, audit: AuditLog, settings: CodesSettings) -> Result<Self, Error> {
        Self::start_with_clock(db, audit, settings, Arc::new(SystemClock)).await
    }

    /// [`Self::start`] with a clock (for tests of "today").
    pub async fn start_with_clock(
        db: Db,
        audit: AuditLog,
        settings: CodesSettings,
        clock: SharedClock,
    ) -> Result<Self, Error> {
        let snapshot = store::load_snapshot(&db).await?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let offset = UtcOffset::from_hms(settings.utc_offset_hours.clamp(-23, 23), 0, 0)
            .unwrap_or(UtcOffset::UTC);
        let inner = Arc::new(Inner {
            db: db.clone(),
            audit,
            clock,
            snapshot: ArcSwap::from_pointee(snapshot),
            reloading: tokio::sync::Mutex::new(()),
            _stop: stop,
            offset,
            settings,
        });
        let poll = Duration::from_millis(inner.settings.poll_interval_ms.max(10));
        let mut versions = egov_db::change::watch(db, TOPIC, poll);
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            tokio::pin!(stopped);
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    changed = versions.changed() => if changed.is_err() { return },
                }
                let seen = *versions.borrow_and_update();
                let Some(inner) = weak.upgrade() else { return };
                let registry = CodeRegistry { inner };
                if seen > registry.snapshot().version()
                    && let Err(error) = registry.reload().await
                {
                    tracing::warn!(%error, "code snapshot reload failed; serving the previous one");
                }
            }
        });
        Ok(Self { inner })
    }

    /// The current snapshot. Never blocks, whatever reload is running.
    #[inline]
    pub fn snapshot(&self) -> SnapshotRef {
        SnapshotRef(self.inner.snapshot.load())
    }

    /// The current snapshot as an owned `Arc`.
    pub fn snapshot_arc(&self) -> Arc<Snapshot> {
        self.inner.snapshot.load_full()
    }

    /// Reads the tables again and swaps the new snapshot in (when it is not
    /// older than the current one).
    pub async fn reload(&self) -> Result<(), Error> {
        let _one_at_a_time = self.inner.reloading.lock().await;
        let fresh = store::load_snapshot(&self.inner.db).await?;
        if fresh.version() >= self.snapshot().version() {
            tracing::debug!(
                version = fresh.version(),
                codes = fresh.code_count(),
                "code snapshot loaded"
            );
            retire(self.inner.snapshot.swap(Arc::new(fresh)));
        }
        Ok(())
    }

    /// Replaces the snapshot with `snapshot` (benchmarks and tests).
    #[doc(hidden)]
    pub fn install_snapshot(&self, snapshot: Snapshot) {
        retire(self.inner.snapshot.swap(Arc::new(snapshot)));
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The settings.
    pub fn settings(&self) -> &CodesSettings {
        &self.inner.settings
    }

    /// The fallback locales for labels.
    pub fn fallbacks(&self) -> Vec<&str> {
        self.inner
            .settings
            .label_fallback
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// Today in the agency's calendar (`codes.utc_offset_hours`).
    pub fn today(&self) -> Date {
        self.inner.clock.now().to_offset(self.inner.offset).date()
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    pub(crate) fn offset(&self) -> UtcOffset {
        self.inner.offset
    }

    pub(crate) fn audit(&self) -> &AuditLog {
        &self.inner.audit
    }

    /// Whether `code` is a currently valid code of `group` (today, see
    /// [`Self::today`]).
    pub fn is_valid(&self, group: &str, code: &str) -> bool {
        self.snapshot().is_valid(group, code, self.today())
    }

    /// The history of category `id`, oldest version first.
    pub async fn category_history(&self, id: &str) -> Result<Vec<HistoryEntry>, Error> {
        store::history(&self.inner.db, Entity::Category, "", id).await
    }

    /// The history of group `id`, oldest version first.
    pub async fn group_history(&self, id: &str) -> Result<Vec<HistoryEntry>, Error> {
        store::history(&self.inner.db, Entity::Group, id, "").await
    }

    /// The history of `code` in `group`, oldest version first.
    pub async fn code_history(&self, group: &str, code: &str) -> Result<Vec<HistoryEntry>, Error> {
        store::history(&self.inner.db, Entity::Code, group, code).await
    }

    // ---- writes ------------------------------------------------------------

    /// Begins a write transaction on a pooled connection.
    pub(crate) async fn begin(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, Error> {
        let mut conn = self.inner.db.pool().acquire().await?;
        store::begin_write(&mut conn, self.inner.db.backend()).await?;
        Ok(conn)
    }

    /// Commits (or, on error, rolls back) and reloads the snapshot after a
    /// commit that changed something.
    /// The connection goes back to the pool before the reload, which needs
    /// one (a one-connection pool, e.g. `sqlite::memory:`, would wait forever).
    pub(crate) async fn finish<T>(
        &self,
        mut conn: sqlx::pool::PoolConnection<sqlx::Any>,
        result: Result<(T, bool), Error>,
    ) -> Result<T, Error> {
        match result {
            Ok((value, changed)) => {
                conn.execute("COMMIT").await?;
                drop(conn);
                if changed && let Err(error) = self.reload().await {
                    tracing::warn!(%error, "code snapshot reload after a write failed");
                }
                Ok(value)
            }
            Err(error) => {
                if let Err(rollback) = conn.execute("ROLLBACK").await {
                    tracing::warn!(%rollback, "rollback failed");
                }
                Err(error)
            }
        }
    }

    fn backend(&self) -> Backend {
        self.inner.db.backend()
    }

    /// Writes the history row, the audit event and the change version of one
    /// changed record, inside the open transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_change(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        entity: Entity,
        (group, key): (&str, &str),
        change: ChangeKind,
        record: String,
        stamp: &Stamp,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        store::insert_history(
            conn,
            HistoryRow {
                entity,
                group,
                key,
                version: stamp.version,
                change,
                record,
                at: &stamp.updated_at,
                by: &stamp.updated_by,
                reason,
            },
        )
        .await?;
        let action = match change {
            ChangeKind::Create => Action::CREATE,
            ChangeKind::Update | ChangeKind::Deactivate | ChangeKind::Import => Action::UPDATE,
        };
        let id = record_id(entity, (group, key));
        let mut detail = Detail::new()
            .text("change", change.as_str())
            .number("version", stamp.version);
        if let Some(reason) = reason {
            detail = detail.text("reason", reason);
        }
        self.inner
            .audit
            .record_in_transaction(
                conn,
                AuditEvent::new(action, actor, Outcome::Success)
                    .target(Target::new(entity.audit_kind(), id))
                    .detail(detail),
            )
            .await?;
        egov_db::change::bump(conn, self.backend(), TOPIC).await?;
        Ok(())
    }

    fn new_stamp(&self, actor: &Actor, previous: Option<&Stamp>) -> Stamp {
        let at = timestamp_to_sql(self.now());
        let by = actor_name(actor);
        match previous {
            None => Stamp {
                version: 1,
                created_at: at.clone(),
                created_by: by.clone(),
                updated_at: at,
                updated_by: by,
            },
            Some(p) => Stamp {
                version: p.version + 1,
                created_at: p.created_at.clone(),
                created_by: p.created_by.clone(),
                updated_at: at,
                updated_by: by,
            },
        }
    }

    fn check_version(current: &Stamp, expected: i64) -> Result<(), Error> {
        if current.version == expected {
            Ok(())
        } else {
            Err(Error::Conflict {
                current: Some(current.version),
            })
        }
    }

    // The write path every kind of record shares, generic over its draft.

    /// Creates the record `draft` describes; it must not exist yet.
    pub(crate) async fn create<D: Draft>(
        &self,
        actor: &Actor,
        mut draft: D,
        reason: Option<&str>,
    ) -> Result<D::Record, Error> {
        draft.normalize();
        let reason = optional_reason(reason)?;
        invalid_if_any(draft.check())?;
        let mut conn = self.begin().await?;
        let result = async {
            if D::stored(&mut conn, self.backend(), draft.key())
                .await?
                .is_some()
            {
                return Err(Error::AlreadyExists {
                    entity: D::ENTITY,
                    id: record_id(D::ENTITY, draft.key()),
                });
            }
            draft.check_refs(&mut conn).await?;
            let stamp = self.new_stamp(actor, None);
            let record = self
                .write(
                    &mut conn,
                    actor,
                    &draft,
                    stamp,
                    ChangeKind::Create,
                    reason.as_deref(),
                )
                .await?;
            Ok((record, true))
        }
        .await;
        self.finish(conn, result).await
    }

    /// Replaces the record `draft` describes if it is still at
    /// `expected_version`; an unchanged draft writes nothing.
    pub(crate) async fn update<D: Draft>(
        &self,
        actor: &Actor,
        mut draft: D,
        expected_version: i64,
        reason: &str,
    ) -> Result<D::Record, Error> {
        draft.normalize();
        let reason = ChangeReason::new(reason).map_err(|i| Error::Invalid(vec![i]))?;
        invalid_if_any(draft.check())?;
        let mut conn = self.begin().await?;
        let result = async {
            let current = D::stored(&mut conn, self.backend(), draft.key())
                .await?
                .ok_or(Error::NotFound)?;
            Self::check_version(current.stamp(), expected_version)?;
            if D::from(&current) == draft {
                return Ok((current, false));
            }
            draft.check_refs(&mut conn).await?;
            let kind = if current.is_active() && !draft.is_active() {
                ChangeKind::Deactivate
            } else {
                ChangeKind::Update
            };
            let stamp = self.new_stamp(actor, Some(current.stamp()));
            let record = self
                .write(&mut conn, actor, &draft, stamp, kind, Some(reason.as_str()))
                .await?;
            Ok((record, true))
        }
        .await;
        self.finish(conn, result).await
    }

    /// Updates the record at `key` to its current content, inactive.
    pub(crate) async fn deactivate<D: Draft>(
        &self,
        actor: &Actor,
        key: (&str, &str),
        expected_version: i64,
        reason: &str,
    ) -> Result<D::Record, Error> {
        let current = self.stored::<D>(key).await?;
        let mut draft = D::from(&current);
        draft.set_active(false);
        self.update(actor, draft, expected_version, reason).await
    }

    /// The stored record at `key`, read outside any transaction: the SQLite
    /// flavour of the query leaves out `FOR UPDATE`, which only makes sense
    /// inside one.
    async fn stored<D: Draft>(&self, key: (&str, &str)) -> Result<D::Record, Error> {
        let mut conn = self.inner.db.pool().acquire().await?;
        D::stored(&mut conn, Backend::Sqlite, key)
            .await?
            .ok_or(Error::NotFound)
    }

    /// Stores `draft` with `stamp` and records the change.
    async fn write<D: Draft>(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        draft: &D,
        stamp: Stamp,
        change: ChangeKind,
        reason: Option<&str>,
    ) -> Result<D::Record, Error> {
        D::put(conn, draft, &stamp).await?;
        let record = draft.to_record(stamp);
        self.record_change(
            conn,
            actor,
            D::ENTITY,
            draft.key(),
            change,
            record_json(&record),
            record.stamp(),
            reason,
        )
        .await?;
        Ok(record)
    }

    // Categories.

    /// Creates a category.
    pub async fn create_category(
        &self,
        actor: &Actor,
        draft: CategoryDraft,
        reason: Option<&str>,
    ) -> Result<Category, Error> {
        self.create(actor, draft, reason).await
    }

    /// Replaces category `draft.id` if it is still at `expected_version`.
    pub async fn update_category(
        &self,
        actor: &Actor,
        draft: CategoryDraft,
        expected_version: i64,
        reason: &str,
    ) -> Result<Category, Error> {
        self.update(actor, draft, expected_version, reason).await
    }

    /// Deactivates category `id` (its groups stay as they are).
    pub async fn deactivate_category(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        reason: &str,
    ) -> Result<Category, Error> {
        self.deactivate::<CategoryDraft>(actor, ("", id), expected_version, reason)
            .await
    }

    // Groups.

    /// Creates a group.
    pub async fn create_group(
        &self,
        actor: &Actor,
        draft: GroupDraft,
        reason: Option<&str>,
    ) -> Result<CodeGroup, Error> {
        self.create(actor, draft, reason).await
    }

    /// Replaces group `draft.id` if it is still at `expected_version`.
    pub async fn update_group(
        &self,
        actor: &Actor,
        draft: GroupDraft,
        expected_version: i64,
        reason: &str,
    ) -> Result<CodeGroup, Error> {
        self.update(actor, draft, expected_version, reason).await
    }

    /// Deactivates group `id`: none of its codes is valid any more.
    pub async fn deactivate_group(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        reason: &str,
    ) -> Result<CodeGroup, Error> {
        self.deactivate::<GroupDraft>(actor, (id, ""), expected_version, reason)
            .await
    }

    // Codes.

    /// Creates a code in `draft.group`.
    pub async fn create_code(
        &self,
        actor: &Actor,
        draft: CodeDraft,
        reason: Option<&str>,
    ) -> Result<Code, Error> {
        self.create(actor, draft, reason).await
    }

    /// Replaces `draft.group`/`draft.code` if it is still at `expected_version`.
    pub async fn update_code(
        &self,
        actor: &Actor,
        draft: CodeDraft,
        expected_version: i64,
        reason: &str,
    ) -> Result<Code, Error> {
        self.update(actor, draft, expected_version, reason).await
    }

    /// Deactivates `code` of `group` (logical delete; its children stay).
    pub async fn deactivate_code(
        &self,
        actor: &Actor,
        group: &str,
        code: &str,
        expected_version: i64,
        reason: &str,
    ) -> Result<Code, Error> {
        self.deactivate::<CodeDraft>(actor, (group, code), expected_version, reason)
            .await
    }

    /// The stored category `id` (not the snapshot's copy).
    pub async fn category(&self, id: &str) -> Result<Category, Error> {
        self.stored::<CategoryDraft>(("", id)).await
    }
}

/// How a record is named in the audit trail and in "already exists" errors,
/// from its history key: the category or group id, or `group/code`.
fn record_id(entity: Entity, (group, key): (&str, &str)) -> String {
    match entity {
        Entity::Category => key.to_owned(),
        Entity::Group => group.to_owned(),
        Entity::Code => format!("{group}/{key}"),
    }
}

/// A stored record: what the write path reads back from the current version.
pub(crate) trait Record: serde::Serialize {
    fn stamp(&self) -> &Stamp;
    fn is_active(&self) -> bool;
}

impl Record for Category {
    fn stamp(&self) -> &Stamp {
        &self.stamp
    }
    fn is_active(&self) -> bool {
        self.active
    }
}

impl Record for CodeGroup {
    fn stamp(&self) -> &Stamp {
        &self.stamp
    }
    fn is_active(&self) -> bool {
        self.active
    }
}

impl Record for Code {
    fn stamp(&self) -> &Stamp {
        &self.stamp
    }
    fn is_active(&self) -> bool {
        self.active
    }
}

/// The draft of one kind of record: what [`CodeRegistry`]'s shared write path
/// needs to validate, find, store and build it.
pub(crate) trait Draft: PartialEq + for<'a> From<&'a Self::Record> {
    type Record: Record;
    const ENTITY: Entity;

    fn normalize(&mut self);
    fn check(&self) -> Vec<Issue>;
    fn is_active(&self) -> bool;
    fn set_active(&mut self, active: bool);
    /// The `(group, key)` the record is filed under in the history.
    fn key(&self) -> (&str, &str);
    /// The record built from the draft, as stored with `stamp`.
    fn to_record(&self, stamp: Stamp) -> Self::Record;

    /// The record at history key `key` (locked on PostgreSQL).
    async fn stored(
        conn: &mut AnyConnection,
        backend: Backend,
        key: (&str, &str),
    ) -> Result<Option<Self::Record>, Error>;
    async fn put(conn: &mut AnyConnection, draft: &Self, stamp: &Stamp) -> Result<(), Error>;
    /// Checks what the draft refers to (none by default).
    async fn check_refs(&self, _conn: &mut AnyConnection) -> Result<(), Error> {
        Ok(())
    }
}

impl Draft for CategoryDraft {
    type Record = Category;
    const ENTITY: Entity = Entity::Category;

    fn normalize(&mut self) {
        CategoryDraft::normalize(self);
    }
    fn check(&self) -> Vec<Issue> {
        CategoryDraft::check(self)
    }
    fn is_active(&self) -> bool {
        self.active
    }
    fn set_active(&mut self, active: bool) {
        self.active = active;
    }
    fn key(&self) -> (&str, &str) {
        ("", &self.id)
    }
    fn to_record(&self, stamp: Stamp) -> Category {
        Category {
            id: self.id.clone(),
            labels: self.labels.clone(),
            description: self.description.clone(),
            active: self.active,
            stamp,
        }
    }

    async fn stored(
        conn: &mut AnyConnection,
        backend: Backend,
        (_, id): (&str, &str),
    ) -> Result<Option<Category>, Error> {
        store::category(conn, backend, id).await
    }
    async fn put(conn: &mut AnyConnection, draft: &Self, stamp: &Stamp) -> Result<(), Error> {
        store::put_category(conn, draft, stamp).await
    }
}

impl Draft for GroupDraft {
    type Record = CodeGroup;
    const ENTITY: Entity = Entity::Group;

    fn normalize(&mut self) {
        GroupDraft::normalize(self);
    }
    fn check(&self) -> Vec<Issue> {
        GroupDraft::check(self)
    }
    fn is_active(&self) -> bool {
        self.active
    }
    fn set_active(&mut self, active: bool) {
        self.active = active;
    }
    fn key(&self) -> (&str, &str) {
        (&self.id, "")
    }
    fn to_record(&self, stamp: Stamp) -> CodeGroup {
        CodeGroup {
            id: self.id.clone(),
            category: self.category.clone(),
            labels: self.labels.clone(),
            description: self.description.clone(),
            custodian: self.custodian.clone(),
            active: self.active,
            stamp,
        }
    }

    async fn stored(
        conn: &mut AnyConnection,
        backend: Backend,
        (id, _): (&str, &str),
    ) -> Result<Option<CodeGroup>, Error> {
        store::group(conn, backend, id).await
    }
    async fn put(conn: &mut AnyConnection, draft: &Self, stamp: &Stamp) -> Result<(), Error> {
        store::put_group(conn, draft, stamp).await
    }

    /// The category, when there is one, must exist.
    async fn check_refs(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        if let Some(category) = &self.category
            && store::category(conn, Backend::Sqlite, category)
                .await?
                .is_none()
        {
            return Err(Error::Invalid(vec![Issue::new(
                "/category",
                "reference",
                Message::new("codes-unknown-category").arg("category", category.as_str()),
            )]));
        }
        Ok(())
    }
}

impl Draft for CodeDraft {
    type Record = Code;
    const ENTITY: Entity = Entity::Code;

    fn normalize(&mut self) {
        CodeDraft::normalize(self);
    }
    fn check(&self) -> Vec<Issue> {
        CodeDraft::check(self)
    }
    fn is_active(&self) -> bool {
        self.active
    }
    fn set_active(&mut self, active: bool) {
        self.active = active;
    }
    fn key(&self) -> (&str, &str) {
        (&self.group, &self.code)
    }
    fn to_record(&self, stamp: Stamp) -> Code {
        Code {
            group: self.group.clone(),
            code: self.code.clone(),
            labels: self.labels.clone(),
            description: self.description.clone(),
            sort_order: self.sort_order,
            parent: self.parent.clone(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            active: self.active,
            attributes: self.attributes.clone(),
            stamp,
        }
    }

    async fn stored(
        conn: &mut AnyConnection,
        backend: Backend,
        (group, code): (&str, &str),
    ) -> Result<Option<Code>, Error> {
        store::code(conn, backend, group, code).await
    }
    async fn put(conn: &mut AnyConnection, draft: &Self, stamp: &Stamp) -> Result<(), Error> {
        store::put_code(conn, draft, stamp).await
    }

    /// The group must exist, and the parent, when there is one, too, without
    /// a cycle back to the code.
    async fn check_refs(&self, conn: &mut AnyConnection) -> Result<(), Error> {
        if store::group(conn, Backend::Sqlite, &self.group)
            .await?
            .is_none()
        {
            return Err(Error::NotFound);
        }
        let Some(parent) = &self.parent else {
            return Ok(());
        };
        // Walk up from the parent: it must exist, and the chain must not come
        // back to the code itself.
        let mut next = Some(parent.clone());
        let mut steps = 0;
        while let Some(current) = next {
            if current == self.code || steps > 64 {
                return Err(Error::Invalid(vec![Issue::new(
                    "/parent",
                    "cycle",
                    Message::new("codes-parent-cycle"),
                )]));
            }
            match store::code(conn, Backend::Sqlite, &self.group, &current).await? {
                Some(code) => next = code.parent,
                None if steps == 0 => {
                    return Err(Error::Invalid(vec![Issue::new(
                        "/parent",
                        "reference",
                        Message::new("codes-unknown-parent").arg("parent", current.as_str()),
                    )]));
                }
                None => next = None,
            }
            steps += 1;
        }
        Ok(())
    }
}

/// The JSON of a record as kept in the history.
pub(crate) fn record_json<T: serde::Serialize>(record: &T) -> String {
    serde_json::to_string(record).unwrap_or_else(|_| "{}".to_owned())
}

fn invalid_if_any(issues: Vec<Issue>) -> Result<(), Error> {
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(issues))
    }
}

fn optional_reason(reason: Option<&str>) -> Result<Option<String>, Error> {
    match reason.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => ChangeReason::new(text)
            .map(|r| Some(r.as_str().to_owned()))
            .map_err(|i| Error::Invalid(vec![i])),
    }
}

/// Frees a replaced snapshot on a thread of its own, once no reader holds it.
///
/// Whoever drops the last reference frees the snapshot, which for 100,000 codes
/// takes tens of milliseconds: left alone, that is a reader that happened to
/// hold a guard across the swap (measured: lookups of 0.13–0.38 s during
/// reloads), or the async runtime thread that ran the reload. Waiting here is
/// bounded: after about a second (an `Arc` kept by application code) the thread
/// gives its reference up and the last holder frees it.
fn retire(old: Arc<Snapshot>) {
    let free = move || {
        let mut old = old;
        for _ in 0..1000 {
            match Arc::try_unwrap(old) {
                Ok(snapshot) => {
                    drop(snapshot);
                    return;
                }
                Err(still_held) => old = still_held,
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    // No thread to be had (resource limits): free it here, as before.
    if let Err(error) = std::thread::Builder::new()
        .name("egov-codes-retire".into())
        .spawn(free)
    {
        tracing::warn!(%error, "freeing the old code snapshot inline");
    }
}
