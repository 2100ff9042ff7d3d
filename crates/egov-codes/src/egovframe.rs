//! Migration from eGovFrame: its three code tables, from a SQL dump or CSV
//! exports, into a [`Dataset`] for [`CodeRegistry::import`].
//!
//! | eGovFrame | egov-codes |
//! |---|---|
//! | `COMTCCMMNCLCODE.CL_CODE` | category id |
//! | `COMTCCMMNCODE.CODE_ID` (+ `CL_CODE`) | group id (+ its category) |
//! | `COMTCCMMNDETAILCODE.CODE_ID`, `CODE` | the code's group and code |
//! | `*_NM` | the `ko` label |
//! | `*_DC` | description |
//! | `USE_AT` `'Y'`/`'N'` | active / inactive (anything else is an error) |
//! | `FRST_REGIST_PNTTM`, `FRST_REGISTER_ID` | the record's creation time and author |
//! | `LAST_UPDT_PNTTM`, `LAST_UPDUSR_ID` | its last update time and author (creation's when `NULL`) |
//!
//! Ids, codes, names and descriptions are kept byte for byte as the dump holds
//! them — no trimming: `CODE` is eGovFrame's `VARCHAR(15)` of any characters
//! (`%Y-%m`, `A/B`, `1 2`, Korean text), and a name `'Continue '` keeps its
//! space (see [`crate::model`] for what a code may hold). A blank (empty or
//! only white space) description is absent; `USE_AT` and the author ids may
//! have surrounding spaces.
//!
//! eGovFrame has no sort order (its lists had no `ORDER BY`, so the order its
//! users saw was the order of the rows): the dataset says
//! [`SortOrders::Appended`], and the import appends each code new to the
//! database after the codes already in its group, in dump order — into an
//! empty group they are numbered 1, 2, 3…; a code already in the database
//! keeps its sort order, so importing the same dump again changes nothing.
//!
//! Timestamps are read as local time of `codes.utc_offset_hours`
//! (`YYYY-MM-DD HH:MM:SS`, with optional fraction, `YYYY-MM-DD`,
//! `YYYYMMDDHHMMSS` or `YYYYMMDD`); `SYSDATE()`, `NOW()`,
//! `CURRENT_TIMESTAMP` and the other dialects' `SYSTIMESTAMP`, CUBRID's
//! `SYSDATETIME` mean the time of the import. Authors are
//! recorded as `egovframe:<id>`.
//!
//! A record created by the migration keeps the original registration and update
//! as its stamp, and its first history entry (version 1, change `import`, reason
//! `eGovFrame migration` unless the dataset says otherwise) carries the original
//! last update time and author; the import itself is in the audit trail under
//! the importing actor. Statements for other tables are ignored; statements
//! without a column list are read in eGovFrame's column order.

use std::sync::Arc;

use egov_core::actor::Actor;
use egov_core::message::Message;
use egov_db::dump::{InsertStatement, SqlValue, parse_inserts};
use egov_db::value::timestamp_to_sql;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::model::{Attributes, CategoryDraft, CodeDraft, GroupDraft, Labels};
use crate::transfer::{
    Dataset, ImportProgress, ImportReport, Located, Origin, RowIssue, SortOrders,
};
use crate::{CodeRegistry, Error};

/// The default reason recorded for migrated records.
pub const MIGRATION_REASON: &str = "eGovFrame migration";

const CLASS: &str = "COMTCCMMNCLCODE";
const GROUP: &str = "COMTCCMMNCODE";
const DETAIL: &str = "COMTCCMMNDETAILCODE";

const AUDIT_COLUMNS: [&str; 4] = [
    "FRST_REGIST_PNTTM",
    "FRST_REGISTER_ID",
    "LAST_UPDT_PNTTM",
    "LAST_UPDUSR_ID",
];

fn default_columns(table: &str) -> Vec<String> {
    let own: &[&str] = match table {
        CLASS => &["CL_CODE", "CL_CODE_NM", "CL_CODE_DC", "USE_AT"],
        GROUP => &["CODE_ID", "CODE_ID_NM", "CODE_ID_DC", "USE_AT", "CL_CODE"],
        _ => &["CODE_ID", "CODE", "CODE_NM", "CODE_DC", "USE_AT"],
    };
    own.iter()
        .chain(AUDIT_COLUMNS.iter())
        .map(|c| (*c).to_owned())
        .collect()
}

/// The columns a row is read from, by slot: the id (`CL_CODE`, `CODE_ID`),
/// the second key (a group's `CL_CODE`, a code's `CODE`), the name, the
/// description, `USE_AT`, then [`AUDIT_COLUMNS`]. Nothing else of a row is
/// kept.
const SLOTS: usize = 9;
const ID: usize = 0;
const SECOND: usize = 1;
const NAME: usize = 2;
const DESCRIPTION: usize = 3;
const USE_AT: usize = 4;
const CREATED_AT: usize = 5;
const CREATED_BY: usize = 6;
const UPDATED_AT: usize = 7;
const UPDATED_BY: usize = 8;

fn slot_columns(table: &str) -> [Option<&'static str>; SLOTS] {
    let (id, second, name, description) = match table {
        CLASS => ("CL_CODE", None, "CL_CODE_NM", "CL_CODE_DC"),
        GROUP => ("CODE_ID", Some("CL_CODE"), "CODE_ID_NM", "CODE_ID_DC"),
        _ => ("CODE_ID", Some("CODE"), "CODE_NM", "CODE_DC"),
    };
    [
        Some(id),
        second,
        Some(name),
        Some(description),
        Some("USE_AT"),
        Some(AUDIT_COLUMNS[0]),
        Some(AUDIT_COLUMNS[1]),
        Some(AUDIT_COLUMNS[2]),
        Some(AUDIT_COLUMNS[3]),
    ]
}

/// Where each slot's value is in a row with `columns`: the last column of
/// that name (a column listed twice is read from its last place); `None`
/// when the row has no such column (read as NULL).
fn positions<S: AsRef<str>>(table: &str, columns: &[S]) -> [Option<usize>; SLOTS] {
    slot_columns(table)
        .map(|name| name.and_then(|name| columns.iter().rposition(|c| c.as_ref() == name)))
}

/// One cell of a source row, borrowed from the statement or CSV record.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell<'a> {
    Null,
    Text(&'a str),
    Call(&'a str),
}

impl<'a> Cell<'a> {
    fn of_sql(value: &'a SqlValue) -> Self {
        match value {
            SqlValue::Null => Cell::Null,
            SqlValue::Text(t) | SqlValue::Number(t) => Cell::Text(t),
            SqlValue::Call(c) => Cell::Call(c),
        }
    }

    /// A CSV field: the cell as written (a code or a name may have
    /// surrounding spaces); NULL and the time calls may have them too.
    fn of_csv(field: &'a str) -> Self {
        let word = field.trim();
        if word.is_empty() || word.eq_ignore_ascii_case("NULL") {
            Cell::Null
        } else if word.eq_ignore_ascii_case("SYSDATE()") {
            Cell::Call("SYSDATE()")
        } else if word.eq_ignore_ascii_case("NOW()") {
            Cell::Call("NOW()")
        } else {
            Cell::Text(field)
        }
    }

    /// The text exactly as the source holds it; `None` when NULL or blank.
    fn text(self) -> Option<&'a str> {
        match self {
            Cell::Text(t) if !t.trim().is_empty() => Some(t),
            _ => None,
        }
    }

    /// A flag or an author id: surrounding spaces do not count.
    fn word(self) -> Option<&'a str> {
        self.text().map(str::trim)
    }

    /// A timestamp; `Err` when it is not one.
    fn when(self) -> Result<When, ()> {
        match self {
            Cell::Null => Ok(When::Absent),
            Cell::Call(call) => {
                let name = call.trim_end_matches("()");
                if matches!(
                    name,
                    "SYSDATE"
                        | "NOW"
                        | "CURRENT_TIMESTAMP"
                        | "SYSTIMESTAMP"
                        // CUBRID
                        | "SYSDATETIME"
                        | "SYS_DATETIME"
                        | "CURRENT_DATETIME"
                        | "LOCALTIMESTAMP"
                ) {
                    Ok(When::Now)
                } else {
                    Err(())
                }
            }
            Cell::Text(text) if text.trim().is_empty() => Ok(When::Absent),
            Cell::Text(text) => parse_local(text.trim()).map(When::Local).ok_or(()),
        }
    }
}

/// A timestamp as read: placed in time by [`CodeRows::into_dataset`], which
/// knows the offset and the time of the import.
#[derive(Debug, Clone, Copy)]
enum When {
    Absent,
    /// `SYSDATE()`, `NOW()` and the like: the time of the import.
    Now,
    /// Local time of `codes.utc_offset_hours`.
    Local(PrimitiveDateTime),
}

impl When {
    fn at(self, offset: UtcOffset, now: OffsetDateTime) -> Option<String> {
        match self {
            When::Absent => None,
            When::Now => Some(timestamp_to_sql(now)),
            When::Local(local) => Some(timestamp_to_sql(local.assume_offset(offset))),
        }
    }
}

/// One row of one of the three tables, as much of it as the import uses:
/// a few dozen bytes beside its texts (a dump may hold hundreds of thousands
/// of codes, kept until the import writes them).
struct SourceRow {
    line: usize,
    active: bool,
    created_at: When,
    updated_at: When,
    /// Author ids, shared by the rows naming them.
    created_by: Option<Arc<str>>,
    updated_by: Option<Arc<str>>,
    /// `CL_CODE` or `CODE_ID`; empty when absent.
    id: Box<str>,
    /// A group's `CL_CODE`, a code's `CODE`.
    second: Option<Box<str>>,
    name: Option<Box<str>>,
    description: Option<Box<str>>,
}

impl SourceRow {
    fn origin(&self, offset: UtcOffset, now: OffsetDateTime) -> Origin {
        let author = |id: &Option<Arc<str>>| id.as_ref().map(|id| format!("egovframe:{id}"));
        Origin {
            created_at: self.created_at.at(offset, now),
            created_by: author(&self.created_by),
            updated_at: self.updated_at.at(offset, now),
            updated_by: author(&self.updated_by),
        }
    }
}

fn owned(text: Option<Box<str>>) -> Option<String> {
    text.map(String::from)
}

fn labels(name: Option<Box<str>>) -> Labels {
    name.map(|name| Labels::from([("ko".to_owned(), String::from(name))]))
        .unwrap_or_default()
}

fn parse_local(text: &str) -> Option<PrimitiveDateTime> {
    let formats: [&[time::format_description::FormatItem<'static>]; 5] = [
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year][month][day][hour][minute][second]"),
        format_description!("[year]-[month]-[day]"),
        format_description!("[year][month][day]"),
    ];
    formats.iter().find_map(|format| {
        PrimitiveDateTime::parse(text, format).ok().or_else(|| {
            time::Date::parse(text, format)
                .ok()
                .map(|d| d.with_time(time::Time::MIDNIGHT))
        })
    })
}

fn table_of(name: &str) -> Option<&'static str> {
    match name {
        CLASS => Some(CLASS),
        GROUP => Some(GROUP),
        DETAIL => Some(DETAIL),
        _ => None,
    }
}

/// The three code tables' rows, collected statement by statement from a dump
/// read once for several importers (`egov migrate-from egovframe` hands every
/// statement to each capability crate in turn), or file by file from CSV
/// exports; [`CodeRows::into_dataset`] then reads them as [`from_dump`] does.
///
/// Each row is read as it is added (its bad cells noted then) and kept only
/// as what the import uses of it; [`CodeRows::into_dataset`] makes the
/// records and places the timestamps in time.
#[derive(Default)]
pub struct CodeRows {
    /// Rows by table, in [`TABLES`] order.
    rows: [Vec<SourceRow>; 3],
    /// Statements or files that could not be read (before any row's issue).
    issues: Vec<RowIssue>,
    /// Bad cells, in row order.
    row_issues: Vec<RowIssue>,
    /// Author ids, shared by the rows naming them.
    authors: std::collections::HashSet<Arc<str>>,
    read: [usize; 3],
}

/// The tables [`CodeRows`] reads, in import order.
pub const TABLES: [&str; 3] = [CLASS, GROUP, DETAIL];

impl CodeRows {
    /// Adds the rows of one `INSERT` statement; `false` when its table is not
    /// one of [`TABLES`].
    pub fn add_statement(&mut self, statement: &InsertStatement) -> bool {
        let Some(table) = table_of(&statement.table) else {
            return false;
        };
        let (at, width) = if statement.columns.is_empty() {
            let columns = default_columns(table);
            (positions(table, &columns), columns.len())
        } else {
            (
                positions(table, &statement.columns),
                statement.columns.len(),
            )
        };
        self.count(table, statement.rows.len());
        for row in &statement.rows {
            if row.values.len() != width {
                self.issues.push(RowIssue::new(
                    row.line,
                    format!("/{table}"),
                    "columns",
                    Message::new("codes-egov-columns"),
                ));
                continue;
            }
            let cells = at.map(|i| i.map_or(Cell::Null, |i| Cell::of_sql(&row.values[i])));
            self.add_row(table, row.line, &cells);
        }
        true
    }

    /// Adds a CSV export (header line of column names) of `table`; `false`
    /// when `table` is not one of [`TABLES`].
    pub fn add_csv(&mut self, table: &str, text: &str) -> bool {
        let Some(table) = table_of(&table.to_ascii_uppercase()) else {
            return false;
        };
        let before = self.len();
        self.csv_rows(table, text);
        let added = self.len() - before;
        self.count(table, added);
        true
    }

    fn len(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    fn count(&mut self, table: &'static str, rows: usize) {
        if let Some(at) = TABLES.iter().position(|t| *t == table) {
            self.read[at] += rows;
        }
    }

    fn author(&mut self, cell: Cell<'_>) -> Option<Arc<str>> {
        let id = cell.word()?;
        if let Some(known) = self.authors.get(id) {
            return Some(Arc::clone(known));
        }
        let id: Arc<str> = Arc::from(id);
        self.authors.insert(Arc::clone(&id));
        Some(id)
    }

    /// Reads one row (its cells by slot) into the record it becomes, noting
    /// its bad cells.
    fn add_row(&mut self, table: &'static str, line: usize, cells: &[Cell<'_>; SLOTS]) {
        let mut issue = |column: &str, code: &'static str, key: &'static str| {
            self.row_issues.push(RowIssue::new(
                line,
                format!("/{table}/{column}"),
                code,
                Message::new(key),
            ));
        };
        let active = match cells[USE_AT].word() {
            Some("Y" | "y") => true,
            Some("N" | "n") => false,
            _ => {
                issue("USE_AT", "flag", "codes-egov-use-at");
                true
            }
        };
        let mut when = |slot: usize| {
            cells[slot].when().unwrap_or_else(|()| {
                issue(
                    AUDIT_COLUMNS[slot - CREATED_AT],
                    "timestamp",
                    "codes-egov-timestamp",
                );
                When::Absent
            })
        };
        let created_at = when(CREATED_AT);
        let updated_at = when(UPDATED_AT);
        let text = |slot: usize| cells[slot].text().map(Box::<str>::from);
        let row = SourceRow {
            line,
            active,
            created_at,
            updated_at,
            created_by: self.author(cells[CREATED_BY]),
            updated_by: self.author(cells[UPDATED_BY]),
            id: text(ID).unwrap_or_default(),
            second: text(SECOND),
            name: text(NAME),
            description: text(DESCRIPTION),
        };
        if let Some(at) = TABLES.iter().position(|t| *t == table) {
            self.rows[at].push(row);
        }
    }

    fn csv_rows(&mut self, table: &'static str, text: &str) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let at = match reader.headers() {
            Ok(h) => {
                let headers: Vec<String> =
                    h.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
                positions(table, &headers)
            }
            Err(_) => {
                self.issues.push(RowIssue::new(
                    1,
                    format!("/{table}"),
                    "syntax",
                    Message::new("codes-import-csv-syntax"),
                ));
                return;
            }
        };
        for record in reader.records() {
            match record {
                Ok(record) => {
                    let line = record
                        .position()
                        .map_or(0, |p| crate::transfer::line_at(text, p.byte()));
                    let cells = at.map(|i| {
                        i.and_then(|i| record.get(i))
                            .map_or(Cell::Null, Cell::of_csv)
                    });
                    self.add_row(table, line, &cells);
                }
                Err(error) => {
                    let line = error
                        .position()
                        .map_or(0, |p| crate::transfer::line_at(text, p.byte()));
                    self.issues.push(RowIssue::new(
                        line,
                        format!("/{table}"),
                        "syntax",
                        Message::new("codes-import-csv-syntax"),
                    ));
                    if !matches!(error.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                        return;
                    }
                }
            }
        }
    }

    /// Rows read per table, in [`TABLES`] order.
    pub fn rows_read(&self) -> [(&'static str, usize); 3] {
        [
            (TABLES[0], self.read[0]),
            (TABLES[1], self.read[1]),
            (TABLES[2], self.read[2]),
        ]
    }

    /// The dataset; `offset` is the local time of the timestamps, `now`
    /// stands for `SYSDATE()`/`NOW()`.
    ///
    /// # Errors
    ///
    /// Every bad row, with its line.
    pub fn into_dataset(
        self,
        offset: UtcOffset,
        now: OffsetDateTime,
    ) -> Result<Dataset, Vec<RowIssue>> {
        fn records<T>(
            rows: Vec<SourceRow>,
            (offset, now): (UtcOffset, OffsetDateTime),
            record: impl Fn(SourceRow) -> T,
        ) -> Vec<Located<T>> {
            rows.into_iter()
                .map(|row| {
                    let (line, origin) = (row.line, row.origin(offset, now));
                    Located {
                        line,
                        record: record(row),
                        origin: Some(origin),
                    }
                })
                .collect()
        }
        let [categories, groups, codes] = self.rows;
        let mut issues = self.issues;
        issues.extend(self.row_issues);
        let when = (offset, now);
        Ok(Dataset {
            reason: Some(MIGRATION_REASON.to_owned()),
            sort_orders: SortOrders::Appended,
            categories: records(categories, when, |row| CategoryDraft {
                id: row.id.into(),
                labels: labels(row.name),
                description: owned(row.description),
                active: row.active,
            }),
            groups: records(groups, when, |row| GroupDraft {
                id: row.id.into(),
                category: owned(row.second),
                labels: labels(row.name),
                description: owned(row.description),
                custodian: None,
                active: row.active,
            }),
            codes: records(codes, when, |row| CodeDraft {
                group: row.id.into(),
                code: owned(row.second).unwrap_or_default(),
                labels: labels(row.name),
                description: owned(row.description),
                // Given by the import (SortOrders::Appended).
                sort_order: 0,
                parent: None,
                valid_from: None,
                valid_to: None,
                active: row.active,
                attributes: Attributes::new(),
            }),
            issues,
        })
    }
}

/// Reads the `INSERT` statements of the three code tables from a
/// MySQL/MariaDB-style dump. `offset` is the local time of the timestamps;
/// `now` stands for `SYSDATE()`/`NOW()`. A statement that cannot be read is
/// one issue whose message says where and what was expected.
pub fn from_dump(
    sql: &str,
    offset: UtcOffset,
    now: OffsetDateTime,
) -> Result<Dataset, Vec<RowIssue>> {
    let statements = parse_inserts(sql).map_err(|e| {
        vec![RowIssue::new(
            e.line,
            "",
            "syntax",
            Message::new("codes-egov-syntax").arg("detail", e.to_string()),
        )]
    })?;
    let mut rows = CodeRows::default();
    for statement in &statements {
        rows.add_statement(statement);
    }
    rows.into_dataset(offset, now)
}

/// Reads CSV exports (with a header line of column names) of the three
/// tables; `classes` may be absent when groups name no class.
pub fn from_csv(
    classes: Option<&str>,
    groups: &str,
    details: &str,
    offset: UtcOffset,
    now: OffsetDateTime,
) -> Result<Dataset, Vec<RowIssue>> {
    let mut rows = CodeRows::default();
    if let Some(classes) = classes {
        rows.csv_rows(CLASS, classes);
    }
    rows.csv_rows(GROUP, groups);
    rows.csv_rows(DETAIL, details);
    rows.into_dataset(offset, now)
}

impl CodeRegistry {
    /// Imports an eGovFrame SQL dump ([`from_dump`], then [`CodeRegistry::import`]).
    pub async fn import_egovframe_dump(
        &self,
        actor: &Actor,
        sql: &str,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport, Error> {
        let dataset = from_dump(sql, self.offset(), self.now()).map_err(Error::ImportRejected)?;
        self.import(actor, dataset, progress).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_timestamps_in_several_shapes() {
        for text in [
            "2011-08-31 13:05:00",
            "2011-08-31 13:05:00.0",
            "20110831130500",
        ] {
            let t = parse_local(text).unwrap();
            assert_eq!((t.hour(), t.minute()), (13, 5), "{text}");
        }
        assert_eq!(parse_local("2011-08-31").unwrap().hour(), 0);
        assert!(parse_local("31/08/2011").is_none());
    }

    #[test]
    fn a_row_keeps_what_the_import_uses_read_as_before() {
        let now = time::macros::datetime!(2026-12-07 09:00 UTC);
        let dataset = from_dump(
            "INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE, CODE_NM, CODE_NM, USE_AT, \
             FRST_REGIST_PNTTM, FRST_REGISTER_ID, EXTRA) VALUES \
             ('G1', 'A ', 'first', 'last ', ' y ', '2011-08-31 13:05:00', ' SYSTEM ', 'x'), \
             ('G1', 'B', 'first', '  ', 'N', SYSDATE(), NULL, 'y');",
            time::macros::offset!(+9),
            now,
        )
        .unwrap();
        let [a, b] = &dataset.codes[..] else {
            panic!("two codes");
        };
        // A column named twice is read from its last place; texts are exact.
        assert_eq!(
            (a.record.code.as_str(), a.record.labels["ko"].as_str()),
            ("A ", "last ")
        );
        assert!(a.record.active && !b.record.active);
        assert!(b.record.labels.is_empty(), "a blank name is no label");
        let origin = a.origin.as_ref().unwrap();
        assert_eq!(
            origin.created_at,
            Some(timestamp_to_sql(
                time::macros::datetime!(2011-08-31 04:05 UTC)
            ))
        );
        assert_eq!(origin.created_by.as_deref(), Some("egovframe:SYSTEM"));
        assert_eq!(origin.updated_at, None);
        let origin = b.origin.as_ref().unwrap();
        assert_eq!(origin.created_at, Some(timestamp_to_sql(now)));
        assert_eq!(origin.created_by, None);
        assert!(dataset.issues.is_empty());
    }
}
