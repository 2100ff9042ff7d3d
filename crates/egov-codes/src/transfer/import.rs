//! Importing a dataset: validation against what the database holds, then one
//! all-or-nothing transaction with history and audit events.

use super::*;

/// What the database holds, as the import sees it (inside its transaction).
pub(super) struct Current {
    pub(super) categories: HashMap<String, Category>,
    pub(super) groups: HashMap<String, CodeGroup>,
    pub(super) codes: HashMap<(String, String), Code>,
}

impl Current {
    pub(super) fn from_snapshot(snapshot: &Snapshot) -> Self {
        let mut codes = HashMap::new();
        let mut groups = HashMap::new();
        for g in snapshot.groups() {
            groups.insert(g.id.clone(), g.clone());
            if let Some(entry) = snapshot.group_codes(&g.id) {
                for c in entry.all() {
                    codes.insert((c.group.clone(), c.code.clone()), c.clone());
                }
            }
        }
        Self {
            categories: snapshot
                .categories()
                .iter()
                .map(|c| (c.id.clone(), c.clone()))
                .collect(),
            groups,
            codes,
        }
    }
}

/// Gives the codes of a [`SortOrders::Appended`] dataset their sort orders
/// from what `current` holds: a code already there keeps its own; the k-th new
/// code of a group (in file order) gets the group's highest sort order (0 when
/// it has no codes) plus k. A [`SortOrders::Given`] dataset is left alone.
pub(super) fn place_codes(dataset: &mut Dataset, current: &Current) {
    if dataset.sort_orders != SortOrders::Appended {
        return;
    }
    let mut highest: HashMap<&str, i64> = HashMap::new();
    for ((group, _), code) in &current.codes {
        highest
            .entry(group.as_str())
            .and_modify(|h| *h = (*h).max(code.sort_order))
            .or_insert(code.sort_order);
    }
    let mut last: HashMap<String, i64> = HashMap::new();
    for c in &mut dataset.codes {
        let d = &mut c.record;
        if let Some(existing) = current.codes.get(&(d.group.clone(), d.code.clone())) {
            d.sort_order = existing.sort_order;
            continue;
        }
        let last = last
            .entry(d.group.clone())
            .or_insert_with(|| highest.get(d.group.as_str()).copied().unwrap_or(0));
        *last = last.saturating_add(1);
        d.sort_order = *last;
    }
}

/// Normalizes and checks every record against itself, the file and `current`.
pub(super) fn validate(
    dataset: &mut Dataset,
    current: &Current,
    progress: &dyn ImportProgress,
) -> Vec<RowIssue> {
    let total = dataset.len();
    let mut done = 0;
    let tick = |done: &mut usize| {
        *done += 1;
        if (*done).is_multiple_of(1000) {
            progress.progress(ImportPhase::Validating, *done, total);
        }
    };
    let mut issues = dataset.issues.clone();
    let mut seen_categories = HashSet::new();
    for c in &mut dataset.categories {
        c.record.normalize();
        issues.extend(
            c.record
                .check()
                .into_iter()
                .map(|i| RowIssue::from_issue(c.line, i)),
        );
        if !seen_categories.insert(c.record.id.clone()) {
            issues.push(RowIssue::new(
                c.line,
                "/id",
                "duplicate",
                Message::new("codes-import-duplicate"),
            ));
        }
        tick(&mut done);
    }
    let mut seen_groups = HashSet::new();
    for g in &mut dataset.groups {
        g.record.normalize();
        issues.extend(
            g.record
                .check()
                .into_iter()
                .map(|i| RowIssue::from_issue(g.line, i)),
        );
        if !seen_groups.insert(g.record.id.clone()) {
            issues.push(RowIssue::new(
                g.line,
                "/id",
                "duplicate",
                Message::new("codes-import-duplicate"),
            ));
        }
        if let Some(category) = &g.record.category
            && !seen_categories.contains(category)
            && !current.categories.contains_key(category)
        {
            issues.push(RowIssue::new(
                g.line,
                "/category",
                "reference",
                Message::new("codes-unknown-category").arg("category", category.as_str()),
            ));
        }
        tick(&mut done);
    }
    // Parents as they will be after the import.
    let mut parents: HashMap<(String, String), Option<String>> = current
        .codes
        .iter()
        .map(|(k, c)| (k.clone(), c.parent.clone()))
        .collect();
    let mut seen_codes = HashSet::new();
    for c in &mut dataset.codes {
        c.record.normalize();
        issues.extend(
            c.record
                .check()
                .into_iter()
                .map(|i| RowIssue::from_issue(c.line, i)),
        );
        let key = (c.record.group.clone(), c.record.code.clone());
        if !seen_codes.insert(key.clone()) {
            issues.push(RowIssue::new(
                c.line,
                "/code",
                "duplicate",
                Message::new("codes-import-duplicate"),
            ));
        }
        if !seen_groups.contains(&c.record.group) && !current.groups.contains_key(&c.record.group) {
            issues.push(RowIssue::new(
                c.line,
                "/group",
                "reference",
                Message::new("codes-unknown-group").arg("group", c.record.group.as_str()),
            ));
        }
        parents.insert(key, c.record.parent.clone());
    }
    for c in &dataset.codes {
        let Some(parent) = &c.record.parent else {
            tick(&mut done);
            continue;
        };
        let group = &c.record.group;
        if !parents.contains_key(&(group.clone(), parent.clone())) {
            issues.push(RowIssue::new(
                c.line,
                "/parent",
                "reference",
                Message::new("codes-unknown-parent").arg("parent", parent.as_str()),
            ));
        } else {
            let mut next = Some(parent.clone());
            let mut steps = 0;
            while let Some(p) = next {
                if p == c.record.code || steps > 64 {
                    issues.push(RowIssue::new(
                        c.line,
                        "/parent",
                        "cycle",
                        Message::new("codes-parent-cycle"),
                    ));
                    break;
                }
                next = parents.get(&(group.clone(), p)).cloned().flatten();
                steps += 1;
            }
        }
        tick(&mut done);
    }
    progress.progress(ImportPhase::Validating, total, total);
    issues.sort_by(|a, b| (a.line, &a.field).cmp(&(b.line, &b.field)));
    issues
}

pub(super) fn stamp_for(
    previous: Option<&Stamp>,
    origin: Option<&Origin>,
    at: &str,
    by: &str,
) -> Stamp {
    match previous {
        Some(p) => Stamp {
            version: p.version + 1,
            created_at: p.created_at.clone(),
            created_by: p.created_by.clone(),
            updated_at: at.to_owned(),
            updated_by: by.to_owned(),
        },
        None => {
            let origin = origin.cloned().unwrap_or_default();
            let created_at = origin.created_at.unwrap_or_else(|| at.to_owned());
            let created_by = origin.created_by.unwrap_or_else(|| by.to_owned());
            Stamp {
                version: 1,
                updated_at: origin.updated_at.unwrap_or_else(|| created_at.clone()),
                updated_by: origin.updated_by.unwrap_or_else(|| created_by.clone()),
                created_at,
                created_by,
            }
        }
    }
}

impl CodeRegistry {
    /// Imports `dataset` (see the [module docs](crate::transfer)): all or nothing.
    ///
    /// # Errors
    ///
    /// [`Error::ImportRejected`] listing every bad record (nothing written);
    /// [`Error::Store`] / [`Error::Audit`] when the transaction fails
    /// (nothing written).
    pub async fn import(
        &self,
        actor: &Actor,
        dataset: Dataset,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        self.import_checked(actor, dataset, None, progress).await
    }

    /// [`CodeRegistry::import`] of what a dry run ([`CodeRegistry::plan_import`])
    /// showed: refused with [`Error::Conflict`] (nothing written) unless the
    /// tables are still at `expected_version` ([`ImportPlan::version`](super::ImportPlan::version)),
    /// checked again inside the import's transaction (the change version's row
    /// locked on PostgreSQL), so the import writes exactly what the dry run
    /// listed.
    ///
    /// # Errors
    ///
    /// As [`CodeRegistry::import`], and [`Error::Conflict`] with the current
    /// version when the tables changed since the dry run.
    pub async fn import_at_version(
        &self,
        actor: &Actor,
        dataset: Dataset,
        expected_version: i64,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        self.import_checked(actor, dataset, Some(expected_version), progress)
            .await
    }

    async fn import_checked(
        &self,
        actor: &Actor,
        mut dataset: Dataset,
        expected_version: Option<i64>,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        // Validate against a fresh view first (cheap to redo inside the
        // transaction, where it counts).
        self.reload().await?;
        if let Some(expected) = expected_version {
            let current = self.snapshot().version();
            if current != expected {
                return Err(Error::Conflict {
                    current: Some(current),
                });
            }
        }
        let issues = validate(
            &mut dataset,
            &Current::from_snapshot(&self.snapshot()),
            progress,
        );
        if !issues.is_empty() {
            return Err(Error::ImportRejected(issues));
        }
        let mut conn = self.begin().await?;
        let result = async {
            if let Some(expected) = expected_version {
                let current = store::locked_version(&mut conn, self.db().backend()).await?;
                if current != expected {
                    return Err(Error::Conflict {
                        current: Some(current),
                    });
                }
            }
            self.import_in(&mut conn, actor, dataset, progress).await
        }
        .await;
        let report = self
            .finish(conn, result.map(|r| (r, r.created + r.updated > 0)))
            .await?;
        progress.progress(
            ImportPhase::Done,
            report.created + report.updated + report.unchanged,
            report.created + report.updated + report.unchanged,
        );
        Ok(report)
    }

    /// [`CodeRegistry::import`] inside a write transaction the caller opened
    /// (`Db::begin_write`) and commits — so that a migration writes codes and
    /// accounts all or nothing. Every record is checked against what the
    /// transaction sees; the audit events are recorded in it. Call
    /// [`CodeRegistry::reload`] after the commit.
    ///
    /// # Errors
    ///
    /// [`Error::ImportRejected`] listing every bad record (nothing written);
    /// [`Error::Store`] / [`Error::Audit`]: the caller rolls back.
    pub async fn import_in_transaction(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        dataset: Dataset,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        self.import_in(conn, actor, dataset, progress).await
    }

    async fn import_in(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        mut dataset: Dataset,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        // Inside the write lock, what the database holds now.
        let snapshot = store::load_snapshot_in(conn).await?;
        let current = Current::from_snapshot(&snapshot);
        let issues = validate(&mut dataset.clone(), &current, &no_progress);
        if !issues.is_empty() {
            return Err(Error::ImportRejected(issues));
        }
        place_codes(&mut dataset, &current);
        let at = egov_db::value::timestamp_to_sql(self.now());
        let by = actor_name(actor);
        let reason = dataset.reason.clone();
        let total = dataset.len();
        let mut report = ImportReport::default();
        // One audit event per created or updated record, appended together.
        let mut events: Vec<AuditEvent> = Vec::new();
        let mut done: usize = 0;
        let mut step = |report: &mut ImportReport, kind: Entity, changed: Option<bool>| {
            match changed {
                None => report.created += 1,
                Some(true) => report.updated += 1,
                Some(false) => report.unchanged += 1,
            }
            match kind {
                Entity::Category => report.categories.count(changed),
                Entity::Group => report.groups.count(changed),
                Entity::Code => report.codes.count(changed),
            }
            done += 1;
            if done.is_multiple_of(1000) {
                progress.progress(ImportPhase::Writing, done, total);
            }
        };
        for c in &dataset.categories {
            let previous = current.categories.get(&c.record.id);
            if previous.is_some_and(|p| CategoryDraft::from(p) == c.record) {
                step(&mut report, Entity::Category, Some(false));
                continue;
            }
            let stamp = stamp_for(previous.map(|p| &p.stamp), c.origin.as_ref(), &at, &by);
            store::put_category(conn, &c.record, &stamp).await?;
            let record = Category {
                id: c.record.id.clone(),
                labels: c.record.labels.clone(),
                description: c.record.description.clone(),
                active: c.record.active,
                stamp,
            };
            history(
                conn,
                Entity::Category,
                ("", &record.id),
                record_json(&record),
                &record.stamp,
                reason.as_deref(),
                (actor, previous.is_none(), &mut events),
            )
            .await?;
            step(&mut report, Entity::Category, previous.map(|_| true));
        }
        for g in &dataset.groups {
            let previous = current.groups.get(&g.record.id);
            if previous.is_some_and(|p| GroupDraft::from(p) == g.record) {
                step(&mut report, Entity::Group, Some(false));
                continue;
            }
            let stamp = stamp_for(previous.map(|p| &p.stamp), g.origin.as_ref(), &at, &by);
            store::put_group(conn, &g.record, &stamp).await?;
            let record = CodeGroup {
                id: g.record.id.clone(),
                category: g.record.category.clone(),
                labels: g.record.labels.clone(),
                description: g.record.description.clone(),
                custodian: g.record.custodian.clone(),
                active: g.record.active,
                stamp,
            };
            history(
                conn,
                Entity::Group,
                (&record.id, ""),
                record_json(&record),
                &record.stamp,
                reason.as_deref(),
                (actor, previous.is_none(), &mut events),
            )
            .await?;
            step(&mut report, Entity::Group, previous.map(|_| true));
        }
        for c in &dataset.codes {
            let key = (c.record.group.clone(), c.record.code.clone());
            let previous = current.codes.get(&key);
            if previous.is_some_and(|p| CodeDraft::from(p) == c.record) {
                step(&mut report, Entity::Code, Some(false));
                continue;
            }
            let stamp = stamp_for(previous.map(|p| &p.stamp), c.origin.as_ref(), &at, &by);
            store::put_code(conn, &c.record, &stamp).await?;
            let d = &c.record;
            let record = Code {
                group: d.group.clone(),
                code: d.code.clone(),
                labels: d.labels.clone(),
                description: d.description.clone(),
                sort_order: d.sort_order,
                parent: d.parent.clone(),
                valid_from: d.valid_from,
                valid_to: d.valid_to,
                active: d.active,
                attributes: d.attributes.clone(),
                stamp,
            };
            history(
                conn,
                Entity::Code,
                (&record.group, &record.code),
                record_json(&record),
                &record.stamp,
                reason.as_deref(),
                (actor, previous.is_none(), &mut events),
            )
            .await?;
            step(&mut report, Entity::Code, previous.map(|_| true));
        }
        progress.progress(ImportPhase::Writing, total, total);
        if report.created + report.updated > 0 {
            let mut detail = Detail::new()
                .number("created", i64::try_from(report.created).unwrap_or(i64::MAX))
                .number("updated", i64::try_from(report.updated).unwrap_or(i64::MAX))
                .number(
                    "unchanged",
                    i64::try_from(report.unchanged).unwrap_or(i64::MAX),
                );
            if let Some(reason) = &reason {
                detail = detail.text("reason", reason);
            }
            events.push(
                AuditEvent::new(Action::new("import"), actor, Outcome::Success)
                    .target(Target::kind("code_import"))
                    .detail(detail),
            );
            self.audit().record_all_in_transaction(conn, events).await?;
            egov_db::change::bump(conn, self.db().backend(), TOPIC).await?;
        }
        Ok(report)
    }

    /// The current content as JSON (reloaded first, so it is what the
    /// database holds).
    pub async fn export_json(&self) -> Result<String, Error> {
        self.reload().await?;
        Ok(export_json(&self.snapshot()))
    }

    /// The current content as CSV (reloaded first).
    pub async fn export_csv(&self) -> Result<String, Error> {
        self.reload().await?;
        Ok(export_csv(&self.snapshot()))
    }
}

/// The history row of an imported record, and its audit event (appended to
/// `events`, recorded with the others at the end of the import).
pub(super) async fn history(
    conn: &mut AnyConnection,
    entity: Entity,
    (group, key): (&str, &str),
    record: String,
    stamp: &Stamp,
    reason: Option<&str>,
    (actor, created, events): (&Actor, bool, &mut Vec<AuditEvent>),
) -> Result<(), Error> {
    let id = match entity {
        Entity::Category => key.to_owned(),
        Entity::Group => group.to_owned(),
        Entity::Code => format!("{group}/{key}"),
    };
    let mut detail = Detail::new()
        .text("change", ChangeKind::Import.as_str())
        .number("version", stamp.version);
    if let Some(reason) = reason {
        detail = detail.text("reason", reason);
    }
    let action = if created {
        Action::CREATE
    } else {
        Action::UPDATE
    };
    events.push(
        AuditEvent::new(action, actor, Outcome::Success)
            .target(Target::new(entity.audit_kind(), id))
            .detail(detail),
    );
    store::insert_history(
        conn,
        HistoryRow {
            entity,
            group,
            key,
            version: stamp.version,
            change: ChangeKind::Import,
            record,
            at: &stamp.updated_at,
            by: &stamp.updated_by,
            reason,
        },
    )
    .await
}
