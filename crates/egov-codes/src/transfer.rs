//! Import and export: CSV and JSON, round-trip exact.
//!
//! # What is exported
//!
//! The data of every category, group and code — ids, labels, descriptions,
//! custodian, sort order, parent, validity, active flag, attributes — but not
//! versions, timestamps or authors: an export moves *content* between
//! databases (test → production, agency → agency); each database keeps its own
//! history. Exports are deterministic: categories by id, then groups by id, then
//! codes by group and list order (`sort_order`, code). Exporting, importing into
//! an empty database and exporting again gives the same bytes.
//!
//! ## JSON
//!
//! ```text
//! {
//!   "format": "egov-codes/1",
//!   "categories": [
//!     {"id":"EFC","labels":{"ko":"전자정부 공통"},"description":null,"active":true}
//!   ],
//!   "groups": [
//!     {"id":"COM014","category":"EFC","labels":{"en":"Sex","ko":"성별"},"description":null,"custodian":null,"active":true}
//!   ],
//!   "codes": [
//!     {"group":"COM014","code":"M","labels":{"ko":"남"},"description":null,"sort_order":1,"parent":null,"valid_from":null,"valid_to":null,"active":true,"attributes":{}}
//!   ]
//! }
//! ```
//!
//! One record per line (members in the order shown, labels and attributes by
//! key), so diffs of two exports read line by line and import errors name a
//! line. The records are the drafts of [`crate::model`].
//!
//! ## CSV
//!
//! UTF-8 with a byte-order mark (so Excel shows Korean text), RFC 4180 quoting,
//! CRLF line ends, one header line, then one row per record:
//!
//! | column | category row | group row | code row |
//! |---|---|---|---|
//! | `kind` | `category` | `group` | `code` |
//! | `category` | its id | its category (may be empty) | empty |
//! | `group` | empty | its id | its group |
//! | `code` | empty | empty | the code |
//! | `parent` | | | parent code (may be empty) |
//! | `sort_order` | | | integer |
//! | `valid_from`, `valid_to` | | | `YYYY-MM-DD` or empty |
//! | `active` | `Y`/`N` | `Y`/`N` | `Y`/`N` |
//! | `custodian` | | text | |
//! | `description` | text | text | text |
//! | `attributes` | | | the attribute object as compact JSON, empty when none |
//! | `label:<locale>` | one column per locale in use (`ko` first, then by tag); empty = no label |
//!
//! Rows come categories first, then each group followed by its codes.
//!
//! # Importing
//!
//! [`CodeRegistry::import`] takes a [`Dataset`] (from [`parse_json`],
//! [`parse_csv`] or [`crate::egovframe`]):
//!
//! 1. everything is validated first — each record's rules, duplicates in the
//!    file, references (a group's category, a code's group and parent, which
//!    may be in the file or already in the database) and parent cycles; every
//!    problem is reported with its line ([`RowIssue`]) and nothing is written;
//! 2. then, in **one transaction**, each record is created (version 1), updated
//!    (a new version) when its content differs, or left alone when equal — so
//!    importing the same file twice changes nothing the second time. Records
//!    of the database that the file does not mention are left as they are
//!    (an import never deactivates or deletes);
//! 3. every created or updated record gets a history row (change `import`)
//!    and its own audit event (`create` or `update`, as for a change through
//!    the API), and the import as a whole one more event (action `import`,
//!    target `code_import`, with the counts) — all in the same transaction,
//!    appended to the audit chain together
//!    (`AuditLog::record_all_in_transaction`).
//!
//! Progress is reported through an [`ImportProgress`] (any
//! `Fn(ImportPhase, usize, usize)`), every 1,000 records and at the end of
//! each phase, so a command-line tool can draw a progress bar.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use egov_audit::{Action, AuditEvent, Detail, Outcome, Target};
use egov_core::actor::Actor;
use egov_core::message::Message;
use egov_core::problem::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sqlx::AnyConnection;

use crate::model::{
    Attributes, CategoryDraft, ChangeKind, CodeDraft, GroupDraft, Issue, Labels, Stamp,
    format_date, parse_date,
};
use crate::registry::{actor_name, record_json};
use crate::snapshot::Snapshot;
use crate::store::{self, HistoryRow, TOPIC};
use crate::{Category, Code, CodeGroup, CodeRegistry, Entity, Error};

/// The `format` member of a JSON export.
pub const JSON_FORMAT: &str = "egov-codes/1";

/// One problem of an import: the line (1-based, of the file), the field
/// (a JSON pointer into the record, or `/<column>` for CSV) and the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowIssue {
    /// The line of the record (its first line, for a record spanning lines).
    pub line: usize,
    /// The field.
    pub field: String,
    /// The rule's stable code.
    pub code: &'static str,
    /// The message.
    pub message: Message,
}

impl RowIssue {
    pub(crate) fn new(
        line: usize,
        field: impl Into<String>,
        code: &'static str,
        message: Message,
    ) -> Self {
        Self {
            line,
            field: field.into(),
            code,
            message,
        }
    }

    fn from_issue(line: usize, issue: Issue) -> Self {
        Self::new(line, issue.field, issue.code, issue.message)
    }

    /// As a problem's field error: the field is `/lines/<line><field>`.
    pub fn into_field_error(self) -> FieldError {
        FieldError::new(
            format!("/lines/{}{}", self.line, self.field),
            self.code,
            self.message,
        )
    }
}

/// Where a record came from, for migrated data: the original registration and
/// update (eGovFrame's `FRST_REGIST_PNTTM`, `FRST_REGISTER_ID`,
/// `LAST_UPDT_PNTTM`, `LAST_UPDUSR_ID`), kept as the record's stamp when it is
/// created by the import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// First registration time (egov-db timestamp text, UTC).
    pub created_at: Option<String>,
    /// Who registered it.
    pub created_by: Option<String>,
    /// Last update time.
    pub updated_at: Option<String>,
    /// Who updated it last.
    pub updated_by: Option<String>,
}

/// A record of an import, with the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The line in the file.
    pub line: usize,
    /// The record.
    pub record: T,
    /// Its original stamp, for migrated data.
    pub origin: Option<Origin>,
}

impl<T> Located<T> {
    /// A record from `line`.
    pub fn new(line: usize, record: T) -> Self {
        Self {
            line,
            record,
            origin: None,
        }
    }
}

/// Everything an import carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    /// Categories.
    pub categories: Vec<Located<CategoryDraft>>,
    /// Groups.
    pub groups: Vec<Located<GroupDraft>>,
    /// Codes.
    pub codes: Vec<Located<CodeDraft>>,
    /// The default reason recorded in the history of imported records.
    pub reason: Option<String>,
    /// Problems found while reading the file (bad cells, malformed rows):
    /// [`CodeRegistry::import`] reports them with its own findings and refuses
    /// the dataset.
    pub issues: Vec<RowIssue>,
}

impl Dataset {
    /// How many records.
    pub fn len(&self) -> usize {
        self.categories.len() + self.groups.len() + self.codes.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The phases of an import, for [`ImportProgress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPhase {
    /// Checking every record.
    Validating,
    /// Writing (inside the transaction).
    Writing,
    /// Committed.
    Done,
}

/// Receives an import's progress: `done` of `total` records in `phase`.
pub trait ImportProgress: Send + Sync {
    /// Called every 1,000 records and at the end of each phase.
    fn progress(&self, phase: ImportPhase, done: usize, total: usize);
}

impl<F: Fn(ImportPhase, usize, usize) + Send + Sync> ImportProgress for F {
    fn progress(&self, phase: ImportPhase, done: usize, total: usize) {
        self(phase, done, total);
    }
}

/// No progress reporting.
pub fn no_progress(_: ImportPhase, _: usize, _: usize) {}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Records created.
    pub created: usize,
    /// Records updated (their content differed).
    pub updated: usize,
    /// Records equal to what the database held.
    pub unchanged: usize,
}

// ---- export --------------------------------------------------------------

fn draft_json<T: Serialize>(record: &T) -> String {
    serde_json::to_string(record).unwrap_or_else(|_| "{}".to_owned())
}

fn push_section(out: &mut String, name: &str, lines: Vec<String>, last: bool) {
    out.push_str("  \"");
    out.push_str(name);
    out.push_str("\": [");
    if lines.is_empty() {
        out.push(']');
    } else {
        out.push('\n');
        let n = lines.len();
        for (i, line) in lines.into_iter().enumerate() {
            out.push_str("    ");
            out.push_str(&line);
            if i + 1 < n {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str("  ]");
    }
    if !last {
        out.push(',');
    }
    out.push('\n');
}

fn sorted_codes(snapshot: &Snapshot) -> Vec<(&CodeGroup, &[Code])> {
    snapshot
        .groups()
        .into_iter()
        .map(|g| {
            let codes = snapshot.group_codes(&g.id).map_or(&[][..], |e| e.all());
            (g, codes)
        })
        .collect()
}

/// The snapshot as JSON (see the [module docs](self)).
pub fn export_json(snapshot: &Snapshot) -> String {
    let mut out = String::from("{\n");
    out.push_str(&format!("  \"format\": \"{JSON_FORMAT}\",\n"));
    let categories = snapshot
        .categories()
        .iter()
        .map(|c| draft_json(&CategoryDraft::from(c)))
        .collect();
    push_section(&mut out, "categories", categories, false);
    let groups = sorted_codes(snapshot);
    let group_lines = groups
        .iter()
        .map(|(g, _)| draft_json(&GroupDraft::from(*g)))
        .collect();
    push_section(&mut out, "groups", group_lines, false);
    let code_lines = groups
        .iter()
        .flat_map(|(_, codes)| codes.iter())
        .map(|c| draft_json(&CodeDraft::from(c)))
        .collect();
    push_section(&mut out, "codes", code_lines, true);
    out.push_str("}\n");
    out
}

const CSV_COLUMNS: [&str; 12] = [
    "kind",
    "category",
    "group",
    "code",
    "parent",
    "sort_order",
    "valid_from",
    "valid_to",
    "active",
    "custodian",
    "description",
    "attributes",
];
const LABEL_PREFIX: &str = "label:";
const BOM: &str = "\u{feff}";

fn yn(active: bool) -> &'static str {
    if active { "Y" } else { "N" }
}

/// The snapshot as CSV (see the [module docs](self)).
pub fn export_csv(snapshot: &Snapshot) -> String {
    let groups = sorted_codes(snapshot);
    let mut locales: BTreeSet<&str> = BTreeSet::new();
    for c in snapshot.categories() {
        locales.extend(c.labels.keys().map(String::as_str));
    }
    for (g, codes) in &groups {
        locales.extend(g.labels.keys().map(String::as_str));
        for c in *codes {
            locales.extend(c.labels.keys().map(String::as_str));
        }
    }
    let mut locales: Vec<&str> = locales.into_iter().collect();
    if let Some(ko) = locales.iter().position(|l| *l == "ko") {
        let ko = locales.remove(ko);
        locales.insert(0, ko);
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header: Vec<String> = CSV_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    header.extend(locales.iter().map(|l| format!("{LABEL_PREFIX}{l}")));
    let _ = writer.write_record(&header);
    let labels_of = |labels: &Labels| -> Vec<String> {
        locales
            .iter()
            .map(|l| labels.get(*l).cloned().unwrap_or_default())
            .collect()
    };
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    for c in snapshot.categories() {
        let mut row = vec![
            "category".to_owned(),
            c.id.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            yn(c.active).to_owned(),
            String::new(),
            text(&c.description),
            String::new(),
        ];
        row.extend(labels_of(&c.labels));
        let _ = writer.write_record(&row);
    }
    for (g, codes) in &groups {
        let mut row = vec![
            "group".to_owned(),
            text(&g.category),
            g.id.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            yn(g.active).to_owned(),
            text(&g.custodian),
            text(&g.description),
            String::new(),
        ];
        row.extend(labels_of(&g.labels));
        let _ = writer.write_record(&row);
        for c in *codes {
            let mut row = vec![
                "code".to_owned(),
                String::new(),
                c.group.clone(),
                c.code.clone(),
                text(&c.parent),
                c.sort_order.to_string(),
                c.valid_from.map(format_date).unwrap_or_default(),
                c.valid_to.map(format_date).unwrap_or_default(),
                yn(c.active).to_owned(),
                String::new(),
                text(&c.description),
                if c.attributes.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string(&c.attributes).unwrap_or_default()
                },
            ];
            row.extend(labels_of(&c.labels));
            let _ = writer.write_record(&row);
        }
    }
    let bytes = writer.into_inner().unwrap_or_default();
    format!("{BOM}{}", String::from_utf8(bytes).unwrap_or_default())
}

// ---- parsing ---------------------------------------------------------------

/// The 1-based line of byte `offset` of `input` (csv's own line count is off
/// after CRLF line ends).
pub(crate) fn line_at(input: &str, offset: u64) -> usize {
    // After a CRLF, csv places the next record at the LF: count it too.
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .saturating_add(1)
        .min(input.len());
    input.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn line_of(input: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).saturating_sub(input.as_ptr() as usize);
    input.as_bytes()[..offset.min(input.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonDocument<'a> {
    format: String,
    #[serde(borrow, default)]
    categories: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    groups: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    codes: Vec<&'a RawValue>,
}

fn json_records<T: serde::de::DeserializeOwned>(
    input: &str,
    raws: &[&RawValue],
    issues: &mut Vec<RowIssue>,
) -> Vec<Located<T>> {
    let mut records = Vec::with_capacity(raws.len());
    for raw in raws {
        let line = line_of(input, raw.get());
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Ok(record) => records.push(Located::new(line, record)),
            Err(error) => {
                let path = error.path().to_string();
                let field = if path == "." {
                    String::new()
                } else {
                    format!("/{}", path.replace('.', "/"))
                };
                issues.push(RowIssue::new(
                    line,
                    field,
                    "invalid",
                    Message::new("codes-import-json-record"),
                ));
            }
        }
    }
    records
}

/// Reads a JSON export (see the [module docs](self)); every unreadable record
/// is reported with its line.
pub fn parse_json(input: &str) -> Result<Dataset, Vec<RowIssue>> {
    let document: JsonDocument<'_> = match serde_json::from_str(input) {
        Ok(document) => document,
        Err(error) => {
            return Err(vec![RowIssue::new(
                error.line().max(1),
                "",
                "syntax",
                Message::new("codes-import-json-syntax"),
            )]);
        }
    };
    let mut issues = Vec::new();
    if document.format != JSON_FORMAT {
        issues.push(RowIssue::new(
            1,
            "/format",
            "format",
            Message::new("codes-import-format").arg("expected", JSON_FORMAT),
        ));
    }
    let categories = json_records(input, &document.categories, &mut issues);
    let groups = json_records(input, &document.groups, &mut issues);
    let codes = json_records(input, &document.codes, &mut issues);
    Ok(Dataset {
        categories,
        groups,
        codes,
        reason: None,
        issues,
    })
}

struct CsvRow<'a> {
    line: usize,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl CsvRow<'_> {
    fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
            .trim()
    }

    fn opt(&self, column: &str) -> Option<String> {
        let value = self.get(column);
        (!value.is_empty()).then(|| value.to_owned())
    }
}

fn csv_active(row: &CsvRow<'_>, issues: &mut Vec<RowIssue>) -> bool {
    match row.get("active") {
        "Y" | "y" | "" => true,
        "N" | "n" => false,
        _ => {
            issues.push(RowIssue::new(
                row.line,
                "/active",
                "flag",
                Message::new("codes-import-flag"),
            ));
            true
        }
    }
}

/// Reads a CSV export (see the [module docs](self)); every unreadable row is
/// reported with its line.
pub fn parse_csv(input: &str) -> Result<Dataset, Vec<RowIssue>> {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input.as_bytes());
    let mut issues = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => {
            return Err(vec![RowIssue::new(
                1,
                "",
                "syntax",
                Message::new("codes-import-csv-syntax"),
            )]);
        }
    };
    let mut columns = HashMap::new();
    let mut locales = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        let name = name.trim();
        if let Some(locale) = name.strip_prefix(LABEL_PREFIX) {
            locales.push((locale.to_owned(), i));
        } else if !CSV_COLUMNS.contains(&name) {
            issues.push(RowIssue::new(
                1,
                format!("/{name}"),
                "column",
                Message::new("codes-import-column").arg("column", name),
            ));
        }
        columns.insert(name.to_owned(), i);
    }
    for required in ["kind", "active"] {
        if !columns.contains_key(required) {
            issues.push(RowIssue::new(
                1,
                format!("/{required}"),
                "required",
                Message::new("codes-import-column-missing").arg("column", required),
            ));
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut dataset = Dataset::default();
    let mut record = csv::StringRecord::new();
    loop {
        let line = line_at(input, reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let line = error.position().map_or(line, |p| line_at(input, p.byte()));
                issues.push(RowIssue::new(
                    line,
                    "",
                    "syntax",
                    Message::new("codes-import-csv-syntax"),
                ));
                // A broken record (bad quoting, wrong field count) may break the rest.
                if !matches!(error.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line, |p| line_at(input, p.byte()));
        let row = CsvRow {
            line,
            record: &record,
            columns: &columns,
        };
        let labels: Labels = locales
            .iter()
            .filter_map(|(locale, i)| {
                let label = record.get(*i).unwrap_or("").trim();
                (!label.is_empty()).then(|| (locale.clone(), label.to_owned()))
            })
            .collect();
        let active = csv_active(&row, &mut issues);
        match row.get("kind") {
            "category" => dataset.categories.push(Located::new(
                line,
                CategoryDraft {
                    id: row.get("category").to_owned(),
                    labels,
                    description: row.opt("description"),
                    active,
                },
            )),
            "group" => dataset.groups.push(Located::new(
                line,
                GroupDraft {
                    id: row.get("group").to_owned(),
                    category: row.opt("category"),
                    labels,
                    description: row.opt("description"),
                    custodian: row.opt("custodian"),
                    active,
                },
            )),
            "code" => {
                let sort_order = match row.get("sort_order") {
                    "" => 0,
                    text => text.parse::<i64>().unwrap_or_else(|_| {
                        issues.push(RowIssue::new(
                            line,
                            "/sort_order",
                            "integer",
                            Message::new("codes-import-integer"),
                        ));
                        0
                    }),
                };
                let mut date = |column: &str| match row.get(column) {
                    "" => None,
                    text => parse_date(text).or_else(|| {
                        issues.push(RowIssue::new(
                            line,
                            format!("/{column}"),
                            "date",
                            Message::new("codes-import-date"),
                        ));
                        None
                    }),
                };
                let valid_from = date("valid_from");
                let valid_to = date("valid_to");
                let attributes: Attributes = match row.get("attributes") {
                    "" => Attributes::new(),
                    text => serde_json::from_str(text).unwrap_or_else(|_| {
                        issues.push(RowIssue::new(
                            line,
                            "/attributes",
                            "json",
                            Message::new("codes-import-attributes"),
                        ));
                        Attributes::new()
                    }),
                };
                dataset.codes.push(Located::new(
                    line,
                    CodeDraft {
                        group: row.get("group").to_owned(),
                        code: row.get("code").to_owned(),
                        labels,
                        description: row.opt("description"),
                        sort_order,
                        parent: row.opt("parent"),
                        valid_from,
                        valid_to,
                        active,
                        attributes,
                    },
                ));
            }
            _ => issues.push(RowIssue::new(
                line,
                "/kind",
                "kind",
                Message::new("codes-import-kind"),
            )),
        }
    }
    dataset.issues = issues;
    Ok(dataset)
}

// ---- importing --------------------------------------------------------------

/// What the database holds, as the import sees it (inside its transaction).
struct Current {
    categories: HashMap<String, Category>,
    groups: HashMap<String, CodeGroup>,
    codes: HashMap<(String, String), Code>,
}

impl Current {
    fn from_snapshot(snapshot: &Snapshot) -> Self {
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

/// Normalizes and checks every record against itself, the file and `current`.
fn validate(
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

fn stamp_for(previous: Option<&Stamp>, origin: Option<&Origin>, at: &str, by: &str) -> Stamp {
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
    /// Imports `dataset` (see the [module docs](self)): all or nothing.
    ///
    /// # Errors
    ///
    /// [`Error::ImportRejected`] listing every bad record (nothing written);
    /// [`Error::Store`] / [`Error::Audit`] when the transaction fails
    /// (nothing written).
    pub async fn import(
        &self,
        actor: &Actor,
        mut dataset: Dataset,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        // Validate against a fresh view first (cheap to redo inside the
        // transaction, where it counts).
        self.reload().await?;
        let issues = validate(
            &mut dataset,
            &Current::from_snapshot(&self.snapshot()),
            progress,
        );
        if !issues.is_empty() {
            return Err(Error::ImportRejected(issues));
        }
        let mut conn = self.begin().await?;
        let result = self.import_in(&mut conn, actor, dataset, progress).await;
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

    async fn import_in(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        dataset: Dataset,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        // Inside the write lock, what the database holds now.
        let snapshot = store::load_snapshot_in(conn).await?;
        let current = Current::from_snapshot(&snapshot);
        let issues = validate(&mut dataset.clone(), &current, &no_progress);
        if !issues.is_empty() {
            return Err(Error::ImportRejected(issues));
        }
        let at = egov_db::value::timestamp_to_sql(self.now());
        let by = actor_name(actor);
        let reason = dataset.reason.clone();
        let total = dataset.len();
        let mut report = ImportReport::default();
        // One audit event per created or updated record, appended together.
        let mut events: Vec<AuditEvent> = Vec::new();
        let mut done: usize = 0;
        let mut step = |report: &mut ImportReport, changed: Option<bool>| {
            match changed {
                None => report.created += 1,
                Some(true) => report.updated += 1,
                Some(false) => report.unchanged += 1,
            }
            done += 1;
            if done.is_multiple_of(1000) {
                progress.progress(ImportPhase::Writing, done, total);
            }
        };
        for c in &dataset.categories {
            let previous = current.categories.get(&c.record.id);
            if previous.is_some_and(|p| CategoryDraft::from(p) == c.record) {
                step(&mut report, Some(false));
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
            step(&mut report, previous.map(|_| true));
        }
        for g in &dataset.groups {
            let previous = current.groups.get(&g.record.id);
            if previous.is_some_and(|p| GroupDraft::from(p) == g.record) {
                step(&mut report, Some(false));
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
            step(&mut report, previous.map(|_| true));
        }
        for c in &dataset.codes {
            let key = (c.record.group.clone(), c.record.code.clone());
            let previous = current.codes.get(&key);
            if previous.is_some_and(|p| CodeDraft::from(p) == c.record) {
                step(&mut report, Some(false));
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
            step(&mut report, previous.map(|_| true));
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
async fn history(
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

/// Used by tests: the canonical map of labels.
#[doc(hidden)]
pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect::<BTreeMap<_, _>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_errors_name_their_lines() {
        let csv = "kind,category,group,code,active,label:ko\r\n\
                   group,,G,,Y,그룹\r\n\
                   code,,G,01,X,하나\r\n\
                   thing,,G,02,Y,둘\r\n\
                   code,,G,03,Y,\"여러\r\n줄\"\r\n\
                   code,,G,04,Y,넷,extra\r\n";
        let issues = parse_csv(csv).unwrap().issues;
        let got: Vec<(usize, &str)> = issues.iter().map(|i| (i.line, i.code)).collect();
        assert_eq!(got, [(3, "flag"), (4, "kind"), (7, "syntax")]);
    }

    #[test]
    fn json_errors_name_their_lines() {
        let json = "{\n\"format\": \"egov-codes/1\",\n\"groups\": [\n{\"id\":\"G\",\"labels\":{\"ko\":\"그룹\"}},\n{\"id\":\"H\",\"labels\":{\"ko\":\"x\"},\"colour\":1}\n]\n}";
        let issues = parse_json(json).unwrap().issues;
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].line, 5);
        let syntax = parse_json("{\n\"format\": \n,}").unwrap_err();
        assert_eq!((syntax[0].line, syntax[0].code), (3, "syntax"));
    }
}
