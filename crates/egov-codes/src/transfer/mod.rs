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
//! line. The records are the drafts of [`crate::model`]. Strings are kept
//! exactly: a code such as `%Y-%m` or `A/B`, a label with a trailing space,
//! Korean text (written as UTF-8, not escaped).
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
//! Rows come categories first, then each group followed by its codes. Cells
//! are read exactly as written — a code ` 1 2` or a label `Continue ` keeps
//! its spaces — except `kind`, `active`, `sort_order` and the dates, which may
//! have surrounding spaces; an empty cell is an absent value.
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
//! 2. then, in **one transaction**, codes without a sort order of their own
//!    ([`SortOrders::Appended`], eGovFrame's) get theirs from what the
//!    database holds, and each record is created (version 1), updated
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

mod csv_format;
mod import;
mod json_format;
mod plan;

pub use csv_format::{export_csv, parse_csv};
use json_format::*;
pub use json_format::{export_json, parse_json};
pub use plan::{FieldChange, ImportPlan, PlannedChange, PlannedRecord, record_changes};

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
    /// Where the codes' sort orders come from.
    pub sort_orders: SortOrders,
}

/// Where the sort orders of an import's codes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrders {
    /// Each code's `sort_order` as the file gives it (egov-codes JSON and CSV).
    #[default]
    Given,
    /// The file has none (eGovFrame), only an order: the records'
    /// `sort_order` is ignored. A code already in the database keeps its sort
    /// order; a new code is appended after the codes already in its group, in
    /// file order — the k-th new code of a group gets the highest sort order
    /// the group's codes in the database have (0 when it has none) plus k.
    /// Importing the same file again therefore changes nothing, and a second
    /// file adding codes to a group puts them after the first file's.
    Appended,
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
    /// Of which categories.
    pub categories: RecordCounts,
    /// Of which groups.
    pub groups: RecordCounts,
    /// Of which codes.
    pub codes: RecordCounts,
}

/// What an import did with the records of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct RecordCounts {
    /// Records created.
    pub created: usize,
    /// Records updated (their content differed).
    pub updated: usize,
    /// Records equal to what the database held.
    pub unchanged: usize,
}

impl RecordCounts {
    pub(crate) fn count(&mut self, changed: Option<bool>) {
        match changed {
            None => self.created += 1,
            Some(true) => self.updated += 1,
            Some(false) => self.unchanged += 1,
        }
    }
}

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
