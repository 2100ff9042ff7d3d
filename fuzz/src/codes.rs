//! The common-code import parsers: egov-codes' own JSON and CSV exports, and
//! eGovFrame's CSV exports of its three code tables.

use egov_codes::transfer::{parse_csv, parse_json};
use time::macros::{datetime, offset};

use crate::sql::check_dataset;

/// Parses the input as a JSON export, as a CSV export, and (split at form
/// feeds into the class, group and detail tables) as eGovFrame CSV. Asserts
/// that every issue and record names a line of the input.
pub fn codes_import(data: &[u8]) {
    let text = crate::text(data);
    let lines = crate::line_count(&text);
    check_dataset(parse_json(&text), lines);
    check_dataset(parse_csv(&text), lines);

    let parts: Vec<&str> = text.splitn(3, '\u{c}').collect();
    let now = datetime!(2026-01-01 00:00 UTC);
    let imported = match parts.as_slice() {
        [classes, groups, details] => {
            egov_codes::egovframe::from_csv(Some(classes), groups, details, offset!(+9), now)
        }
        [groups, details] => {
            egov_codes::egovframe::from_csv(None, groups, details, offset!(+9), now)
        }
        _ => egov_codes::egovframe::from_csv(None, &text, "", offset!(+9), now),
    };
    // Lines count per file; the longest part bounds them all.
    let longest = parts
        .iter()
        .map(|p| crate::line_count(p))
        .max()
        .unwrap_or(1);
    check_dataset(imported, longest);
}
