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

use std::collections::HashMap;

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

/// One cell of a source row.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Call(String),
}

/// One row of one of the three tables.
struct SourceRow {
    table: &'static str,
    line: usize,
    cells: HashMap<String, Cell>,
}

struct Reader {
    offset: UtcOffset,
    now: OffsetDateTime,
    issues: Vec<RowIssue>,
}

impl Reader {
    fn issue(&mut self, row: &SourceRow, column: &str, code: &'static str, message: Message) {
        self.issues.push(RowIssue::new(
            row.line,
            format!("/{}/{column}", row.table),
            code,
            message,
        ));
    }

    /// A cell's text exactly as the source holds it; `None` when it is NULL or
    /// blank.
    fn text(&self, row: &SourceRow, column: &str) -> Option<String> {
        match row.cells.get(column) {
            Some(Cell::Text(t)) if !t.trim().is_empty() => Some(t.clone()),
            _ => None,
        }
    }

    /// A flag or an author id: surrounding spaces do not count.
    fn word(&self, row: &SourceRow, column: &str) -> Option<String> {
        self.text(row, column).map(|t| t.trim().to_owned())
    }

    fn active(&mut self, row: &SourceRow) -> bool {
        match self.word(row, "USE_AT").as_deref() {
            Some("Y" | "y") => true,
            Some("N" | "n") => false,
            _ => {
                self.issue(row, "USE_AT", "flag", Message::new("codes-egov-use-at"));
                true
            }
        }
    }

    fn timestamp(&mut self, row: &SourceRow, column: &str) -> Option<String> {
        match row.cells.get(column) {
            None | Some(Cell::Null) => None,
            Some(Cell::Call(call)) => {
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
                    Some(timestamp_to_sql(self.now))
                } else {
                    self.issue(
                        row,
                        column,
                        "timestamp",
                        Message::new("codes-egov-timestamp"),
                    );
                    None
                }
            }
            Some(Cell::Text(text)) if text.trim().is_empty() => None,
            Some(Cell::Text(text)) => match parse_local(text.trim()) {
                Some(local) => Some(timestamp_to_sql(local.assume_offset(self.offset))),
                None => {
                    self.issue(
                        row,
                        column,
                        "timestamp",
                        Message::new("codes-egov-timestamp"),
                    );
                    None
                }
            },
        }
    }

    fn origin(&mut self, row: &SourceRow) -> Origin {
        let author = |id: Option<String>| id.map(|id| format!("egovframe:{id}"));
        Origin {
            created_at: self.timestamp(row, "FRST_REGIST_PNTTM"),
            created_by: author(self.word(row, "FRST_REGISTER_ID")),
            updated_at: self.timestamp(row, "LAST_UPDT_PNTTM"),
            updated_by: author(self.word(row, "LAST_UPDUSR_ID")),
        }
    }

    fn labels(&self, row: &SourceRow, column: &str) -> Labels {
        self.text(row, column)
            .map(|name| Labels::from([("ko".to_owned(), name)]))
            .unwrap_or_default()
    }

    fn read(mut self, rows: Vec<SourceRow>) -> Result<Dataset, Vec<RowIssue>> {
        let mut dataset = Dataset {
            reason: Some(MIGRATION_REASON.to_owned()),
            sort_orders: SortOrders::Appended,
            ..Dataset::default()
        };
        for row in rows {
            let active = self.active(&row);
            let origin = self.origin(&row);
            match row.table {
                CLASS => dataset.categories.push(Located {
                    line: row.line,
                    record: CategoryDraft {
                        id: self.text(&row, "CL_CODE").unwrap_or_default(),
                        labels: self.labels(&row, "CL_CODE_NM"),
                        description: self.text(&row, "CL_CODE_DC"),
                        active,
                    },
                    origin: Some(origin),
                }),
                GROUP => dataset.groups.push(Located {
                    line: row.line,
                    record: GroupDraft {
                        id: self.text(&row, "CODE_ID").unwrap_or_default(),
                        category: self.text(&row, "CL_CODE"),
                        labels: self.labels(&row, "CODE_ID_NM"),
                        description: self.text(&row, "CODE_ID_DC"),
                        custodian: None,
                        active,
                    },
                    origin: Some(origin),
                }),
                _ => {
                    dataset.codes.push(Located {
                        line: row.line,
                        record: CodeDraft {
                            group: self.text(&row, "CODE_ID").unwrap_or_default(),
                            code: self.text(&row, "CODE").unwrap_or_default(),
                            labels: self.labels(&row, "CODE_NM"),
                            description: self.text(&row, "CODE_DC"),
                            // Given by the import (SortOrders::Appended).
                            sort_order: 0,
                            parent: None,
                            valid_from: None,
                            valid_to: None,
                            active,
                            attributes: Attributes::new(),
                        },
                        origin: Some(origin),
                    });
                }
            }
        }
        dataset.issues = self.issues;
        Ok(dataset)
    }
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
#[derive(Default)]
pub struct CodeRows {
    rows: Vec<SourceRow>,
    issues: Vec<RowIssue>,
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
        let columns = if statement.columns.is_empty() {
            default_columns(table)
        } else {
            statement.columns.clone()
        };
        self.count(table, statement.rows.len());
        for row in &statement.rows {
            if row.values.len() != columns.len() {
                self.issues.push(RowIssue::new(
                    row.line,
                    format!("/{table}"),
                    "columns",
                    Message::new("codes-egov-columns"),
                ));
                continue;
            }
            let cells = columns
                .iter()
                .cloned()
                .zip(row.values.iter().map(|v| match v {
                    SqlValue::Null => Cell::Null,
                    SqlValue::Text(t) | SqlValue::Number(t) => Cell::Text(t.clone()),
                    SqlValue::Call(c) => Cell::Call(c.clone()),
                }))
                .collect();
            self.rows.push(SourceRow {
                table,
                line: row.line,
                cells,
            });
        }
        true
    }

    /// Adds a CSV export (header line of column names) of `table`; `false`
    /// when `table` is not one of [`TABLES`].
    pub fn add_csv(&mut self, table: &str, text: &str) -> bool {
        let Some(table) = table_of(&table.to_ascii_uppercase()) else {
            return false;
        };
        let before = self.rows.len();
        csv_rows(table, text, &mut self.rows, &mut self.issues);
        self.count(table, self.rows.len() - before);
        true
    }

    fn count(&mut self, table: &'static str, rows: usize) {
        if let Some(at) = TABLES.iter().position(|t| *t == table) {
            self.read[at] += rows;
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
        Reader {
            offset,
            now,
            issues: self.issues,
        }
        .read(self.rows)
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

fn csv_rows(
    table: &'static str,
    text: &str,
    rows: &mut Vec<SourceRow>,
    issues: &mut Vec<RowIssue>,
) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_uppercase()).collect(),
        Err(_) => {
            issues.push(RowIssue::new(
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
                let cells = headers
                    .iter()
                    .cloned()
                    .zip(record.iter().map(|v| {
                        // The cell as written (a code or a name may have
                        // surrounding spaces); NULL and the time calls may too.
                        let word = v.trim();
                        if word.is_empty() || word.eq_ignore_ascii_case("NULL") {
                            Cell::Null
                        } else if matches!(
                            word.to_ascii_uppercase().as_str(),
                            "SYSDATE()" | "NOW()"
                        ) {
                            Cell::Call(word.to_ascii_uppercase())
                        } else {
                            Cell::Text(v.to_owned())
                        }
                    }))
                    .collect();
                rows.push(SourceRow { table, line, cells });
            }
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |p| crate::transfer::line_at(text, p.byte()));
                issues.push(RowIssue::new(
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

/// Reads CSV exports (with a header line of column names) of the three
/// tables; `classes` may be absent when groups name no class.
pub fn from_csv(
    classes: Option<&str>,
    groups: &str,
    details: &str,
    offset: UtcOffset,
    now: OffsetDateTime,
) -> Result<Dataset, Vec<RowIssue>> {
    let mut rows = Vec::new();
    let mut issues = Vec::new();
    if let Some(classes) = classes {
        csv_rows(CLASS, classes, &mut rows, &mut issues);
    }
    csv_rows(GROUP, groups, &mut rows, &mut issues);
    csv_rows(DETAIL, details, &mut rows, &mut issues);
    Reader {
        offset,
        now,
        issues,
    }
    .read(rows)
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
}
