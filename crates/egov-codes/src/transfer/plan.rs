//! The dry run of an import, record by record: what [`CodeRegistry::import`]
//! would create, change (field by field) and leave alone, and which rows it
//! would refuse — computed against the current content without writing. The
//! admin screen shows it, then applies the same file with
//! [`CodeRegistry::import_at_version`], refused if the tables changed since.

use super::import::{Current, place_codes, validate};
use super::*;

/// Members of a stored record that are its stamp, not its content.
const STAMP_MEMBERS: &[&str] = &[
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
];

/// Content members in the order screens list them; others follow by name.
const MEMBER_ORDER: &[&str] = &[
    "id",
    "group",
    "code",
    "category",
    "labels",
    "description",
    "custodian",
    "sort_order",
    "parent",
    "valid_from",
    "valid_to",
    "active",
    "attributes",
];

/// One field whose value differs between two versions of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field as a JSON pointer: `/description`, `/labels/en`, `/attributes/fee`.
    pub field: String,
    /// The value before (text as it is, other values as JSON); `None` when absent.
    pub before: Option<String>,
    /// The value after; `None` when absent.
    pub after: Option<String>,
}

/// The content fields that differ between two versions of a record (the JSON
/// of drafts or stored records; stamps are ignored). Labels and attributes
/// are compared per key.
///
/// ```
/// use egov_codes::CodeDraft;
/// use egov_codes::transfer::record_changes;
///
/// let before = CodeDraft::new("G", "01", "질의");
/// let after = CodeDraft::new("G", "01", "질의").label("en", "Inquiry").sort_order(2);
/// let changes = record_changes(
///     &serde_json::to_value(&before).unwrap(),
///     &serde_json::to_value(&after).unwrap(),
/// );
/// let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
/// assert_eq!(fields, ["/labels/en", "/sort_order"]);
/// assert_eq!(changes[1].before.as_deref(), Some("0"));
/// ```
pub fn record_changes(before: &serde_json::Value, after: &serde_json::Value) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut members: Vec<&str> = MEMBER_ORDER.to_vec();
    let mut others: BTreeSet<&str> = before
        .keys()
        .chain(after.keys())
        .map(String::as_str)
        .collect();
    for m in MEMBER_ORDER.iter().chain(STAMP_MEMBERS) {
        others.remove(m);
    }
    members.extend(others);
    let mut changes = Vec::new();
    for member in members {
        let (b, a) = (before.get(member), after.get(member));
        if b == a {
            continue;
        }
        let nested = matches!(member, "labels" | "attributes");
        match (
            b.and_then(serde_json::Value::as_object),
            a.and_then(serde_json::Value::as_object),
        ) {
            (bm, am) if nested && (bm.is_some() || am.is_some()) => {
                let (bm, am) = (bm.unwrap_or(&empty), am.unwrap_or(&empty));
                let keys: BTreeSet<&String> = bm.keys().chain(am.keys()).collect();
                for key in keys {
                    let (bv, av) = (bm.get(key), am.get(key));
                    if bv != av {
                        changes.push(FieldChange {
                            field: format!(
                                "/{member}/{}",
                                key.replace('~', "~0").replace('/', "~1")
                            ),
                            before: bv.and_then(shown),
                            after: av.and_then(shown),
                        });
                    }
                }
            }
            _ => changes.push(FieldChange {
                field: format!("/{member}"),
                before: b.and_then(shown),
                after: a.and_then(shown),
            }),
        }
    }
    changes
}

/// A value as a screen shows it: text as it is, `null` as absent, others as JSON.
fn shown(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// What an import would do with one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlannedChange {
    /// It is new: created at version 1.
    Create,
    /// It differs from the stored record in `fields`: a new version.
    Update {
        /// What changes.
        fields: Vec<FieldChange>,
    },
    /// It equals the stored record: left alone.
    Unchanged,
}

/// One record of a dry run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedRecord {
    /// The line of the file it came from.
    pub line: usize,
    /// What kind of record.
    pub entity: Entity,
    /// Its id (`group/code` for codes: see [`PlannedRecord::group`] and [`PlannedRecord::code`]).
    pub id: String,
    /// The group (groups and codes).
    pub group: Option<String>,
    /// The code (codes).
    pub code: Option<String>,
    /// Its labels as the file gives them.
    pub labels: Labels,
    /// What the import would do with it.
    pub change: PlannedChange,
}

/// What an import of a file would do, computed without writing
/// ([`CodeRegistry::plan_import`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportPlan {
    /// The change version of the content the plan was computed against: hand it
    /// to [`CodeRegistry::import_at_version`] so that the import is refused if
    /// the tables changed since.
    pub version: i64,
    /// Every record of the file, in file order (categories, groups, codes).
    pub records: Vec<PlannedRecord>,
    /// Every problem, with its line: when there is one, the import would be
    /// refused as a whole.
    pub issues: Vec<RowIssue>,
    /// The counts, as the import would report them.
    pub report: ImportReport,
}

impl ImportPlan {
    /// Whether the import would be refused (some row has a problem).
    pub fn is_refused(&self) -> bool {
        !self.issues.is_empty()
    }

    /// Whether applying it would change anything.
    pub fn changes_anything(&self) -> bool {
        self.report.created + self.report.updated > 0
    }
}

fn planned<D: Serialize>(before: Option<&D>, after: &D) -> (PlannedChange, Option<bool>) {
    match before {
        None => (PlannedChange::Create, None),
        Some(before) => {
            let fields = record_changes(
                &serde_json::to_value(before).unwrap_or_default(),
                &serde_json::to_value(after).unwrap_or_default(),
            );
            if fields.is_empty() {
                (PlannedChange::Unchanged, Some(false))
            } else {
                (PlannedChange::Update { fields }, Some(true))
            }
        }
    }
}

impl CodeRegistry {
    /// The dry run of importing `dataset`: every record with what the import
    /// would do to it (created, changed field by field, unchanged) and every
    /// problem that would refuse it, computed against the current content (read
    /// again first) without writing anything. [`ImportPlan::version`] is the
    /// content's change version, for [`CodeRegistry::import_at_version`].
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the content cannot be read.
    pub async fn plan_import(&self, mut dataset: Dataset) -> Result<ImportPlan, Error> {
        self.reload().await?;
        let snapshot = self.snapshot_arc();
        let current = Current::from_snapshot(&snapshot);
        let issues = validate(&mut dataset, &current, &no_progress);
        place_codes(&mut dataset, &current);
        let mut report = ImportReport::default();
        let mut records = Vec::with_capacity(dataset.len());
        for c in &dataset.categories {
            let before = current
                .categories
                .get(&c.record.id)
                .map(CategoryDraft::from);
            let (change, counted) = planned(before.as_ref(), &c.record);
            report.categories.count(counted);
            records.push(PlannedRecord {
                line: c.line,
                entity: Entity::Category,
                id: c.record.id.clone(),
                group: None,
                code: None,
                labels: c.record.labels.clone(),
                change,
            });
        }
        for g in &dataset.groups {
            let before = current.groups.get(&g.record.id).map(GroupDraft::from);
            let (change, counted) = planned(before.as_ref(), &g.record);
            report.groups.count(counted);
            records.push(PlannedRecord {
                line: g.line,
                entity: Entity::Group,
                id: g.record.id.clone(),
                group: Some(g.record.id.clone()),
                code: None,
                labels: g.record.labels.clone(),
                change,
            });
        }
        for c in &dataset.codes {
            let key = (c.record.group.clone(), c.record.code.clone());
            let before = current.codes.get(&key).map(CodeDraft::from);
            let (change, counted) = planned(before.as_ref(), &c.record);
            report.codes.count(counted);
            records.push(PlannedRecord {
                line: c.line,
                entity: Entity::Code,
                id: format!("{}/{}", c.record.group, c.record.code),
                group: Some(c.record.group.clone()),
                code: Some(c.record.code.clone()),
                labels: c.record.labels.clone(),
                change,
            });
        }
        for counts in [report.categories, report.groups, report.codes] {
            report.created += counts.created;
            report.updated += counts.updated;
            report.unchanged += counts.unchanged;
        }
        Ok(ImportPlan {
            version: snapshot.version(),
            records,
            issues,
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_content_fields_in_screen_order_and_ignore_stamps() {
        let before = serde_json::json!({
            "group": "G", "code": "01", "labels": {"ko": "가", "en": "A"},
            "description": null, "sort_order": 1, "active": true,
            "attributes": {"fee": 1}, "version": 3, "updated_by": "x"
        });
        let after = serde_json::json!({
            "group": "G", "code": "01", "labels": {"ko": "가", "zh": "甲"},
            "description": "new", "sort_order": 1, "active": false,
            "attributes": {"fee": 2}, "version": 4, "updated_by": "y"
        });
        let changes = record_changes(&before, &after);
        let got: Vec<(&str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("/labels/en", Some("A"), None),
                ("/labels/zh", None, Some("甲")),
                ("/description", None, Some("new")),
                ("/active", Some("true"), Some("false")),
                ("/attributes/fee", Some("1"), Some("2")),
            ]
        );
        assert!(record_changes(&before, &before).is_empty());
    }
}
