//! The JSON format: export and parse (one record per line).

use super::*;

pub(super) fn draft_json<T: Serialize>(record: &T) -> String {
    serde_json::to_string(record).unwrap_or_else(|_| "{}".to_owned())
}

pub(super) fn push_section(out: &mut String, name: &str, lines: Vec<String>, last: bool) {
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

pub(super) fn sorted_codes(snapshot: &Snapshot) -> Vec<(&CodeGroup, &[Code])> {
    snapshot
        .groups()
        .into_iter()
        .map(|g| {
            let codes = snapshot.group_codes(&g.id).map_or(&[][..], |e| e.all());
            (g, codes)
        })
        .collect()
}

/// The snapshot as JSON (see the [module docs](crate::transfer)).
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JsonDocument<'a> {
    format: String,
    #[serde(borrow, default)]
    categories: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    groups: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    codes: Vec<&'a RawValue>,
}

pub(super) fn json_records<T: serde::de::DeserializeOwned>(
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

/// Reads a JSON export (see the [module docs](crate::transfer)); every unreadable record
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
        sort_orders: SortOrders::Given,
    })
}
