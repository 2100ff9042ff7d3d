//! What an import did with each source table's rows: the one report shape the
//! importers of the capability crates (eGovFrame codes, accounts) fill and
//! `egov migrate-from` prints.
//!
//! A row is **imported** (written, or would be in a dry run), **unchanged**
//! (already there, identical), imported with a **note** (a change the
//! operator should know of), **skipped** (not written, for a reason the
//! operator should read; the rest of the import goes on) or **refused** (the
//! input is wrong; nothing at all is written). Every skipped or refused row
//! names its line in the source and a reason; a row's key is a login id, code
//! or role name — never a password hash or other secret.
//!
//! ```
//! use egov_db::report::{Outcome, TableReport};
//!
//! let mut accounts = TableReport::new("COMTNEMPLYRINFO");
//! accounts.read += 2;
//! accounts.record(Outcome::Imported);
//! accounts.note(Outcome::Skipped, 14, "kim", "an account with this login id exists");
//! assert_eq!((accounts.imported, accounts.skipped.len()), (1, 1));
//! assert!(!accounts.is_refused());
//! assert_eq!(accounts.skipped[0].to_string(), "line 14 (kim): an account with this login id exists");
//! ```

use std::fmt;

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written (or would be, in a dry run).
    Imported,
    /// Present already and identical.
    Unchanged,
    /// Not written; the import goes on.
    Skipped,
    /// The input is wrong; the import writes nothing.
    Refused,
    /// Written with a change the operator should know of.
    Noted,
}

/// A skipped or refused row: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowNote {
    /// The 1-based line of the row in its source file (0 when unknown).
    pub line: usize,
    /// What identifies the row to a person: a login id, code or role (never a
    /// secret); may be empty.
    pub key: String,
    /// Why, in words.
    pub reason: String,
}

impl fmt::Display for RowNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if !self.key.is_empty() {
            write!(f, " ({})", self.key.escape_debug())?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The rows of one source table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableReport {
    /// The table, upper-cased.
    pub table: String,
    /// Rows read from the source.
    pub read: usize,
    /// Rows written (or that would be).
    pub imported: usize,
    /// Rows already present and identical.
    pub unchanged: usize,
    /// Rows written with a change the operator should know of (e.g. an
    /// account without a password imported as disabled).
    pub notes: Vec<RowNote>,
    /// Rows not written, with the reason.
    pub skipped: Vec<RowNote>,
    /// Rows that make the whole import refuse, with the reason.
    pub refused: Vec<RowNote>,
}

impl TableReport {
    /// An empty report for `table`.
    pub fn new(table: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            ..Self::default()
        }
    }

    /// Counts one row with a count-only outcome (imported or unchanged; a
    /// skipped or refused row needs [`TableReport::note`]).
    pub fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Imported => self.imported += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Skipped | Outcome::Refused | Outcome::Noted => {
                self.note(outcome, 0, "", "no reason given");
            }
        }
    }

    /// Records a row with its line, key and reason.
    pub fn note(
        &mut self,
        outcome: Outcome,
        line: usize,
        key: impl Into<String>,
        reason: impl Into<String>,
    ) {
        let note = RowNote {
            line,
            key: key.into(),
            reason: reason.into(),
        };
        match outcome {
            Outcome::Imported => self.imported += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Noted => {
                self.imported += 1;
                self.notes.push(note);
            }
            Outcome::Skipped => self.skipped.push(note),
            Outcome::Refused => self.refused.push(note),
        }
    }

    /// Whether a row of this table refuses the import.
    pub fn is_refused(&self) -> bool {
        !self.refused.is_empty()
    }
}

/// Finds the report of `table` in `reports`, adding an empty one when absent.
pub fn table_in<'a>(reports: &'a mut Vec<TableReport>, table: &str) -> &'a mut TableReport {
    match reports.iter().position(|r| r.table == table) {
        Some(at) => &mut reports[at],
        None => {
            reports.push(TableReport::new(table));
            let last = reports.len() - 1;
            &mut reports[last]
        }
    }
}
