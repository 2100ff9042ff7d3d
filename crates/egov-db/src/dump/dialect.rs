//! The SQL dialects a dump can be written in, and a guess at which one a dump
//! uses.

use std::fmt;
use std::str::FromStr;

/// The SQL dialect of a dump: the database eGovFrame (or the agency's own
/// tooling) wrote it for.
///
/// The dialects differ in how they are *read*, not only in their functions:
///
/// | dialect | `\` inside `'…'` | a statement ends with | also read |
/// |---|---|---|---|
/// | `mysql`, `mariadb` | escape (`\'`, `\\`, `\n`, `\0`, …) | `;` (or the `DELIMITER` set) | `` `names` ``, `"…"` strings, `#` comments, `_utf8mb4'…'` |
/// | `postgres` | data (`E'…'` strings have escapes) | `;` | `"names"`, `'…'::type` casts (dropped), `$$…$$`, psql `\` lines |
/// | `oracle`, `tibero` | data | `;` or `/` alone on a line | `"names"`, `q'[…]'`, SQL*Plus commands (`REM`, `PROMPT`, `SET …`), PL/SQL blocks |
/// | `altibase`, `goldilocks` | data | `;` or `/` alone on a line | `"names"`, SQL*Plus-style commands, PL/SQL blocks |
/// | `cubrid` | data | `;` | `"names"`, `[names]`, `//` comments |
///
/// Every dialect reads `N'…'` national strings, `X'…'`/`B'…'` literals (as
/// [`SqlValue::Call`](super::SqlValue::Call)), `--` and `/* */` comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// MySQL (`mysqldump`, eGovFrame's `script/dml/mysql`).
    Mysql,
    /// MariaDB (`mariadb-dump`, eGovFrame's `script/dml/maria`); read as MySQL.
    Mariadb,
    /// PostgreSQL (`pg_dump --inserts`, eGovFrame's `script/dml/postgres`).
    Postgres,
    /// Oracle (SQL*Plus scripts, SQL Developer exports).
    Oracle,
    /// TmaxData Tibero (`tbsql` scripts); read as Oracle.
    Tibero,
    /// Altibase (`iSQL` scripts).
    Altibase,
    /// CUBRID (`csql` scripts).
    Cubrid,
    /// SUNJESOFT Goldilocks (`gsql` scripts).
    Goldilocks,
}

impl Dialect {
    /// Every dialect, in the order of the enum.
    pub const ALL: [Dialect; 8] = [
        Dialect::Mysql,
        Dialect::Mariadb,
        Dialect::Postgres,
        Dialect::Oracle,
        Dialect::Tibero,
        Dialect::Altibase,
        Dialect::Cubrid,
        Dialect::Goldilocks,
    ];

    /// The lower-case name, as [`Display`](fmt::Display) writes it and
    /// [`FromStr`] reads it: `mysql`, `mariadb`, `postgres`, `oracle`, `tibero`,
    /// `altibase`, `cubrid`, `goldilocks`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Mysql => "mysql",
            Dialect::Mariadb => "mariadb",
            Dialect::Postgres => "postgres",
            Dialect::Oracle => "oracle",
            Dialect::Tibero => "tibero",
            Dialect::Altibase => "altibase",
            Dialect::Cubrid => "cubrid",
            Dialect::Goldilocks => "goldilocks",
        }
    }

    /// Whether a backslash inside `'…'` escapes the next character (MySQL and
    /// MariaDB). Everywhere else it is data: `'\A'` is the two characters `\A`.
    /// This is the one difference that changes what a value reads as, so it is
    /// what matters when the dialect of a dump is in doubt.
    pub fn backslash_escapes(self) -> bool {
        matches!(self, Dialect::Mysql | Dialect::Mariadb)
    }

    /// Whether `/` alone on a line ends a statement (SQL*Plus and the tools
    /// modelled on it: Oracle, Tibero, Altibase, Goldilocks).
    pub fn slash_ends_statements(self) -> bool {
        matches!(
            self,
            Dialect::Oracle | Dialect::Tibero | Dialect::Altibase | Dialect::Goldilocks
        )
    }

    pub(super) fn is_mysql(self) -> bool {
        self.backslash_escapes()
    }

    /// Oracle's `q'[…]'` alternative quoting.
    pub(super) fn has_q_quotes(self) -> bool {
        matches!(self, Dialect::Oracle | Dialect::Tibero)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dialect name [`Dialect::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown SQL dialect `{0}`: expected one of mysql, mariadb, postgres, oracle, tibero, altibase, cubrid, goldilocks"
)]
pub struct UnknownDialect(pub String);

impl FromStr for Dialect {
    type Err = UnknownDialect;

    /// Reads a name case-insensitively; `maria` and `postgresql` are accepted
    /// too (eGovFrame's directory names and the usual spelling).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "maria" => Some(Dialect::Mariadb),
            "postgresql" => Some(Dialect::Postgres),
            _ => None,
        };
        alias
            .or_else(|| Dialect::ALL.into_iter().find(|d| d.as_str() == lower))
            .ok_or_else(|| UnknownDialect(name.to_owned()))
    }
}

/// Guesses the dialect of a dump from its beginning — pass the first 64 KiB or
/// so (eGovFrame's scripts write their first date function about 9 KB in).
///
/// This is a guess from markers, checked in this order: a `MariaDB dump` or
/// `PostgreSQL database dump` header; CUBRID's `SYSDATETIME` or `ALTER CLASS`;
/// MySQL's back-quoted names, `/*!40101`-style comments, `ENGINE=`,
/// `SYSDATE()`, `AUTO_INCREMENT`, `LOCK TABLES`; PostgreSQL's `::` casts,
/// `NOW()`, `pg_catalog`, `SET client_encoding`; Oracle's bare `SYSDATE`,
/// `SYSTIMESTAMP`, `TO_DATE(`, `VARCHAR2`, `SET DEFINE OFF`. It looks at the
/// raw text, strings and comments included, so a marker inside a value can
/// mislead it. Tibero, Altibase and Goldilocks scripts look like Oracle ones and
/// come back as [`Dialect::Oracle`]; MySQL and MariaDB ones as
/// [`Dialect::Mysql`] unless the header names MariaDB. `None` when no marker
/// is found.
///
/// The only difference between dialects that changes a value read is
/// [`Dialect::backslash_escapes`]: a dump read with the wrong answer there
/// silently turns `'\\A'` into `\A` or the reverse. A caller that cannot be
/// sure should ask the user for the dialect rather than trust this, or at
/// least refuse when it returns `None` and the dump contains a backslash.
///
/// ```
/// use egov_db::dump::{Dialect, detect_dialect};
///
/// assert_eq!(detect_dialect("INSERT INTO `T` VALUES (1, SYSDATE());"), Some(Dialect::Mysql));
/// assert_eq!(detect_dialect("INSERT INTO T VALUES (1, NOW());"), Some(Dialect::Postgres));
/// assert_eq!(detect_dialect("INSERT INTO T VALUES (1, SYSDATE);"), Some(Dialect::Oracle));
/// assert_eq!(detect_dialect("INSERT INTO T VALUES (1, SYSDATETIME);"), Some(Dialect::Cubrid));
/// assert_eq!(detect_dialect("INSERT INTO T VALUES (1, 'x');"), None);
/// ```
pub fn detect_dialect(head: &str) -> Option<Dialect> {
    let upper = head.to_ascii_uppercase();
    let has = |marker: &str| upper.contains(marker);
    if has("MARIADB DUMP") {
        return Some(Dialect::Mariadb);
    }
    if has("POSTGRESQL DATABASE DUMP") {
        return Some(Dialect::Postgres);
    }
    if has_word(&upper, "SYSDATETIME") || has("ALTER CLASS ") {
        return Some(Dialect::Cubrid);
    }
    let mysql = [
        "`",
        "/*!",
        "ENGINE=",
        "ENGINE =",
        "AUTO_INCREMENT",
        "LOCK TABLES",
    ];
    if mysql.iter().any(|m| has(m)) || has_call(&upper, "SYSDATE") {
        return Some(Dialect::Mysql);
    }
    let postgres = ["::", "PG_CATALOG", "SET CLIENT_ENCODING"];
    if postgres.iter().any(|m| has(m)) || has_call(&upper, "NOW") {
        return Some(Dialect::Postgres);
    }
    let oracle = ["TO_DATE(", "VARCHAR2", "SET DEFINE OFF"];
    if oracle.iter().any(|m| has(m))
        || has_word(&upper, "SYSDATE")
        || has_word(&upper, "SYSTIMESTAMP")
    {
        return Some(Dialect::Oracle);
    }
    None
}

/// Whether `word` occurs in `text` as a whole word (not inside a longer name).
fn has_word(text: &str, word: &str) -> bool {
    word_ends(text, word).next().is_some()
}

/// Whether `name(` (spaces allowed before the parenthesis) occurs as a whole word.
fn has_call(text: &str, name: &str) -> bool {
    word_ends(text, name).any(|end| text[end..].trim_start().starts_with('('))
}

/// The end offsets of whole-word occurrences of `word` in `text`.
fn word_ends<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == '#';
    text.match_indices(word).filter_map(move |(at, _)| {
        let end = at + word.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        (!before.is_some_and(is_name) && !after.is_some_and(is_name)).then_some(end)
    })
}
