//! A reader for SQL dumps of `INSERT` statements, as eGovFrame ships its seed
//! data (`script/dml/<dialect>/com_DML_<dialect>.sql`) and as `mysqldump`,
//! `pg_dump --inserts` or SQL*Plus-style exports write it — the way agencies
//! hand over their old common codes and accounts.
//!
//! # What is read
//!
//! - `INSERT [IGNORE] INTO [schema.]table [(col, …)] VALUES (…), (…);`, MySQL's
//!   `REPLACE INTO …`; names bare or quoted (`` `…` ``, `"…"`, CUBRID's `[…]`),
//!   reported upper-cased without the schema. `ON DUPLICATE KEY UPDATE …`,
//!   `ON CONFLICT …` and `RETURNING …` after the rows are skipped.
//! - Values: `NULL`; numbers (as written: `-12.50`, `1e3`, `0x1F`); strings;
//!   and keywords, typed literals and calls — `SYSDATE`, `SYSTIMESTAMP`,
//!   `SYSDATETIME`, `CURRENT_TIMESTAMP`, `DATE '2011-08-31'`, `NOW()`,
//!   `SYSDATE()`, `TO_CHAR(SYSDATE, 'YYYYMMDD')` — kept as upper-cased
//!   [`SqlValue::Call`] text for the importer to interpret. PostgreSQL casts
//!   after a value (`'2020-01-01'::timestamp`) are dropped.
//! - Comments (`-- …`, `/* … */`, MySQL's `# …` and `/*!40101 … */`,
//!   CUBRID's `// …`) and every other statement (`CREATE TABLE`, `SET`,
//!   `ALTER CLASS`, `COMMIT`, …) are skipped; so are client commands that end
//!   at the end of their line (SQL*Plus's `REM`, `PROMPT`, `SET DEFINE OFF`;
//!   psql's `\connect`; MySQL's `DELIMITER`, which is obeyed) and PL/SQL
//!   blocks (`CREATE TRIGGER … END;` up to `/` alone on a line).
//! - Rows are never dropped without a word: `COPY … FROM stdin` data is
//!   refused, and so is an `INSERT INTO` at the start of a line inside a
//!   skipped statement (the `;` before it is most likely missing). Expressions
//!   (`SYSDATE - 1`, `'a' || 'b'`), `INSERT … SELECT` and Oracle's
//!   `INSERT ALL` are errors too.
//!
//! The last statement may lack its `;`, as scripts often do; so a dump cut off
//! right after a complete row reads without error. A dump cut off anywhere
//! inside a row, a string or a comment is an error.
//!
//! # Dialects
//!
//! The [`Dialect`] decides how strings are read, and that changes values: in
//! MySQL and MariaDB a backslash inside `'…'` escapes the next character, so
//! eGovFrame's MySQL script writes the pattern `\A/uat/uia/.*\.do.*\Z` as
//! `'\\A/uat/uia/.*\\.do.*\\Z'`; in every other dialect a backslash is data,
//! and the PostgreSQL and Oracle scripts write the same value as
//! `'\A/uat/uia/.*\.do.*\Z'`. The rest is syntax each dialect adds (`E'…'`
//! escape strings and `$$…$$` in PostgreSQL, `q'[…]'` in Oracle and Tibero,
//! `/` ending statements in SQL*Plus-style scripts): see [`Dialect`]. When the
//! dialect is not known, [`detect_dialect`] guesses it from the dump's first
//! kilobytes.
//!
//! # Streaming
//!
//! [`DumpReader`] reads one statement at a time from any [`BufRead`](std::io::BufRead)
//! (a file, a decompressor, an upload): memory follows the largest statement,
//! not the dump, and [`DumpReader::bytes_read`] / [`DumpReader::lines_read`]
//! drive a progress bar. [`parse_inserts`] and [`parse_inserts_in`] read a
//! whole string at once.
//!
//! ```
//! use std::io::BufReader;
//!
//! use egov_db::dump::{Dialect, DumpReader, SqlValue};
//!
//! let dump = "REM eGovFrame roles\n\
//!     INSERT INTO COMTNROLEINFO (ROLE_CODE, ROLE_PTTRN, ROLE_CREAT_DE)\n\
//!     VALUES ('web-000001', '\\A/uat/uia/.*\\.do.*\\Z', SYSDATE);\n\
//!     INSERT INTO COMTNROLEINFO (ROLE_CODE, ROLE_PTTRN, ROLE_CREAT_DE)\n\
//!     VALUES ('web-000002', q'[/EgovLeft.do]', TO_DATE('2011-08-31', 'YYYY-MM-DD'))\n\
//!     /\n";
//! // Any BufRead: here a file would be `BufReader::new(File::open(path)?)`.
//! let reader = DumpReader::new(BufReader::new(dump.as_bytes()), Dialect::Oracle);
//! let mut patterns = Vec::new();
//! for statement in reader {
//!     let statement = statement.expect("a readable dump");
//!     for row in statement.rows {
//!         patterns.push((row.line, row.values[1].clone(), row.values[2].clone()));
//!     }
//! }
//! assert_eq!(patterns, [
//!     (3, SqlValue::Text(r"\A/uat/uia/.*\.do.*\Z".into()), SqlValue::Call("SYSDATE".into())),
//!     (5, SqlValue::Text("/EgovLeft.do".into()),
//!         SqlValue::Call("TO_DATE('2011-08-31', 'YYYY-MM-DD')".into())),
//! ]);
//! ```
//!
//! # Errors
//!
//! Reading stops at the first problem, a [`DumpError`] with the 1-based line and
//! column (in characters) where it was found and what was expected there:
//! `line 12, column 40: expected `,` or `)` after a value, found `VALUES``. A
//! dump cut off inside a row or a string, a row with the wrong number of
//! values, bytes that are not UTF-8 (a CP949/EUC-KR dump must be converted
//! first) are all errors; no input makes the reader panic. `NUL` characters
//! inside strings are data.
//!
//! Every row remembers the line of its `(`, so importers can report bad rows by
//! line number:
//!
//! ```
//! use egov_db::dump::{SqlValue, parse_inserts};
//!
//! let sql = "-- seed\n\
//!     INSERT INTO `COMTCCMMNCODE` (CODE_ID, CODE_ID_NM, USE_AT, FRST_REGIST_PNTTM)\n\
//!     VALUES ('COM001', '등록구분', 'Y', SYSDATE()),\n\
//!            ('COM002', 'O\\'Brien''s', 'N', NULL);";
//! let statements = parse_inserts(sql).unwrap();
//! let insert = &statements[0];
//! assert_eq!(insert.table, "COMTCCMMNCODE");
//! assert_eq!(insert.columns, ["CODE_ID", "CODE_ID_NM", "USE_AT", "FRST_REGIST_PNTTM"]);
//! assert_eq!(insert.rows[0].line, 3);
//! assert_eq!(insert.rows[0].values[1], SqlValue::Text("등록구분".into()));
//! assert_eq!(insert.rows[0].values[3], SqlValue::Call("SYSDATE()".into()));
//! assert_eq!(insert.rows[1].values[1].as_text(), Some("O'Brien's"));
//! assert_eq!(insert.rows[1].values[3], SqlValue::Null);
//!
//! let error = parse_inserts("INSERT INTO T (A, B) VALUES ('x' NULL);").unwrap_err();
//! assert_eq!((error.line, error.column), (1, 34));
//! assert_eq!(error.to_string(),
//!     "line 1, column 34: expected `,` or `)` after a value, found `NULL`");
//! ```

mod dialect;
mod lexer;
mod reader;

pub use dialect::{Dialect, UnknownDialect, detect_dialect};
pub use reader::DumpReader;

/// One value in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// A string literal, unescaped.
    Text(String),
    /// A numeric literal, as written (e.g. `-12.50`).
    Number(String),
    /// A function call, keyword or typed literal, name upper-cased, arguments
    /// as written with strings single-quoted: `SYSDATE()`, `NOW()`,
    /// `CURRENT_TIMESTAMP`, `SYSDATE`, `TO_CHAR(SYSDATE, 'YYYYMMDD')`,
    /// `DATE '2011-08-31'`, `X'1F'`.
    Call(String),
}

impl SqlValue {
    /// The text of a string literal or the digits of a number; `None` for `NULL`
    /// and calls.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SqlValue::Text(text) | SqlValue::Number(text) => Some(text),
            SqlValue::Null | SqlValue::Call(_) => None,
        }
    }
}

/// One row of an `INSERT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertRow {
    /// The 1-based line of the row's opening parenthesis.
    pub line: usize,
    /// The values, in column order.
    pub values: Vec<SqlValue>,
}

/// One `INSERT` (or `REPLACE`) statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertStatement {
    /// The table, upper-cased and unquoted, without a schema prefix.
    pub table: String,
    /// The listed columns, upper-cased; empty when the statement lists none
    /// (then values follow the table's column order).
    pub columns: Vec<String>,
    /// The rows; each has as many values as `columns` (when listed) and as the
    /// statement's other rows.
    pub rows: Vec<InsertRow>,
    /// The 1-based line where the statement starts.
    pub line: usize,
}

/// A dump that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct DumpError {
    /// The 1-based line where the problem was found.
    pub line: usize,
    /// The 1-based column, in characters, where the problem was found.
    pub column: usize,
    /// What is wrong: what was expected and what was found.
    pub message: String,
}

/// Reads every `INSERT`/`REPLACE` statement of a MySQL/MariaDB dump, skipping
/// everything else: [`parse_inserts_in`] with [`Dialect::Mysql`].
pub fn parse_inserts(sql: &str) -> Result<Vec<InsertStatement>, DumpError> {
    parse_inserts_in(sql, Dialect::Mysql)
}

/// Reads every `INSERT` statement of a dump in `dialect`, skipping everything
/// else; all or nothing. [`DumpReader`] reads one statement at a time.
pub fn parse_inserts_in(sql: &str, dialect: Dialect) -> Result<Vec<InsertStatement>, DumpError> {
    DumpReader::new(sql.as_bytes(), dialect).collect()
}
