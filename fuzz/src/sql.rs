//! The eGovFrame `INSERT`-dump reader (`egov_db::dump`) and the code importer
//! built on it (`egov_codes::egovframe::from_dump`).

use egov_codes::transfer::Dataset;
use egov_db::dump::parse_inserts;
use time::macros::{datetime, offset};

/// Parses the input as a dump. Asserts that every statement's and row's line
/// is within the input, rows come after their statement, and every row of a
/// statement has as many values as its column list (or as its first row); the
/// code importer reports issues only on lines of the input.
pub fn sql_dump(data: &[u8]) {
    let text = crate::text(data);
    let lines = crate::line_count(&text);
    if let Ok(statements) = parse_inserts(&text) {
        for statement in &statements {
            assert!((1..=lines).contains(&statement.line), "{}", statement.line);
            assert!(!statement.table.is_empty());
            let width = if statement.columns.is_empty() {
                statement.rows.first().map(|row| row.values.len())
            } else {
                Some(statement.columns.len())
            };
            for row in &statement.rows {
                assert!(
                    (statement.line..=lines).contains(&row.line),
                    "row on line {} of a statement on line {} ({lines} lines)",
                    row.line,
                    statement.line
                );
                assert_eq!(Some(row.values.len()), width, "line {}", row.line);
            }
        }
    }
    let imported =
        egov_codes::egovframe::from_dump(&text, offset!(+9), datetime!(2026-01-01 00:00 UTC));
    check_dataset(imported, lines);
}

/// Asserts that every issue and record of an import names a line of its input.
pub(crate) fn check_dataset(imported: Result<Dataset, Vec<egov_codes::RowIssue>>, lines: usize) {
    let issues = match imported {
        Ok(dataset) => {
            let records = dataset
                .categories
                .iter()
                .map(|r| r.line)
                .chain(dataset.groups.iter().map(|r| r.line))
                .chain(dataset.codes.iter().map(|r| r.line));
            for line in records {
                assert!(
                    (1..=lines).contains(&line),
                    "record on line {line} of {lines}"
                );
            }
            dataset.issues
        }
        Err(issues) => issues,
    };
    for issue in issues {
        assert!(
            (1..=lines).contains(&issue.line),
            "issue on line {} of {lines}: {} {}",
            issue.line,
            issue.field,
            issue.code
        );
        let _ = issue.into_field_error();
    }
}
