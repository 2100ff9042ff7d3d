//! eGovFrame's own published DML seed scripts (`script/dml/<dialect>/
//! com_DML_<dialect>.sql`), read in every dialect. They are not in this
//! repository: the test reads them from the directory in
//! `EGOV_EGOVFRAME_SCRIPTS` (files named `<dialect>.sql`: `mysql.sql`,
//! `maria.sql`, `postgres.sql`, `oracle.sql`, …), or else `/tmp/egovdml`, and
//! says `SKIPPED` when neither exists.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use egov_db::dump::{Dialect, DumpReader, InsertStatement, SqlValue, detect_dialect};

/// The scripts' directory, or `None` (with a note) when there is none.
fn scripts() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("EGOV_EGOVFRAME_SCRIPTS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "EGOV_EGOVFRAME_SCRIPTS={} is not a directory",
            dir.display()
        );
        return Some(dir);
    }
    let fallback = PathBuf::from("/tmp/egovdml");
    if fallback.is_dir() {
        return Some(fallback);
    }
    eprintln!("SKIPPED: eGovFrame's DML scripts not found (set EGOV_EGOVFRAME_SCRIPTS)");
    None
}

/// The `<dialect>.sql` files of `dir`, with their dialects.
fn dialect_files(dir: &Path) -> Vec<(Dialect, PathBuf)> {
    let mut files: Vec<(Dialect, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .filter_map(|path| {
            let dialect = path.file_stem()?.to_str()?.parse().ok()?;
            Some((dialect, path))
        })
        .collect();
    files.sort_by_key(|(dialect, _)| dialect.as_str());
    files
}

/// Rows per table counted from the raw text, without the reader: the scripts
/// write one row per statement, each on a line of its own starting with
/// `INSERT INTO <table>`.
fn rows_by_line(text: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let Some(head) = line.get(..12) else { continue };
        if !head.eq_ignore_ascii_case("INSERT INTO ") {
            continue;
        }
        let name: String = line[12..]
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '(')
            .filter(|c| !matches!(c, '`' | '"' | '[' | ']'))
            .collect();
        let table = name.rsplit('.').next().unwrap_or_default().to_uppercase();
        *counts.entry(table).or_default() += 1;
    }
    counts
}

fn read(dialect: Dialect, path: &Path, capacity: usize) -> Vec<InsertStatement> {
    let file = BufReader::with_capacity(capacity, File::open(path).unwrap());
    DumpReader::new(file, dialect)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_published_script_reads_with_the_row_counts_of_its_text() {
    let Some(dir) = scripts() else { return };
    let files = dialect_files(&dir);
    let dialects: Vec<Dialect> = files.iter().map(|(d, _)| *d).collect();
    assert!(
        dialects.contains(&Dialect::Mysql) && dialects.contains(&Dialect::Postgres),
        "{}: mysql.sql and postgres.sql are needed, found {dialects:?}",
        dir.display()
    );
    for (dialect, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let statements = read(*dialect, path, 64 * 1024);
        let mut rows = BTreeMap::new();
        for statement in &statements {
            assert_eq!(
                statement.rows.len(),
                1,
                "{dialect}: line {}",
                statement.line
            );
            *rows.entry(statement.table.clone()).or_default() += statement.rows.len();
        }
        let expected = rows_by_line(&text);
        assert!(
            expected.values().sum::<usize>() > 900,
            "{dialect}: {expected:?}"
        );
        assert_eq!(rows, expected, "{dialect}");

        // A buffer of a few bytes moves every boundary; nothing changes.
        assert_eq!(read(*dialect, path, 7), statements, "{dialect}");
    }
}

#[test]
fn the_login_pattern_reads_back_exactly_in_every_dialect() {
    let Some(dir) = scripts() else { return };
    let mut checked = Vec::new();
    for (dialect, path) in dialect_files(&dir) {
        let statements = read(dialect, &path, 64 * 1024);
        let roles: Vec<&InsertStatement> = statements
            .iter()
            .filter(|s| s.table == "COMTNROLEINFO")
            .collect();
        let pattern = roles
            .iter()
            .flat_map(|s| {
                let code = s.columns.iter().position(|c| c == "ROLE_CODE").unwrap();
                let pattern = s.columns.iter().position(|c| c == "ROLE_PTTRN").unwrap();
                s.rows
                    .iter()
                    .map(move |row| (&row.values[code], &row.values[pattern]))
            })
            .find(|(code, _)| code.as_text() == Some("web-000001"))
            .map(|(_, pattern)| pattern.clone());
        assert_eq!(
            pattern,
            Some(SqlValue::Text(r"\A/uat/uia/.*\.do.*\Z".into())),
            "{dialect}"
        );
        checked.push(dialect);
    }
    assert!(checked.contains(&Dialect::Mysql) && checked.contains(&Dialect::Postgres));
}

#[test]
fn the_dialect_of_each_script_is_detected_from_its_head() {
    let Some(dir) = scripts() else { return };
    for (dialect, path) in dialect_files(&dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut end = text.len().min(64 * 1024);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let expected = match dialect {
            Dialect::Mysql | Dialect::Mariadb => Dialect::Mysql,
            Dialect::Postgres => Dialect::Postgres,
            Dialect::Cubrid => Dialect::Cubrid,
            Dialect::Oracle | Dialect::Tibero | Dialect::Altibase | Dialect::Goldilocks => {
                Dialect::Oracle
            }
        };
        assert_eq!(detect_dialect(&text[..end]), Some(expected), "{dialect}");
    }
}
