//! The CSV format: export and parse (UTF-8 with BOM, RFC 4180, CRLF).

use super::*;

pub(super) const CSV_COLUMNS: [&str; 12] = [
    "kind",
    "category",
    "group",
    "code",
    "parent",
    "sort_order",
    "valid_from",
    "valid_to",
    "active",
    "custodian",
    "description",
    "attributes",
];
pub(super) const LABEL_PREFIX: &str = "label:";
pub(super) const BOM: &str = "\u{feff}";

pub(super) fn yn(active: bool) -> &'static str {
    if active { "Y" } else { "N" }
}

/// The snapshot as CSV (see the [module docs](crate::transfer)).
pub fn export_csv(snapshot: &Snapshot) -> String {
    let groups = sorted_codes(snapshot);
    let mut locales: BTreeSet<&str> = BTreeSet::new();
    for c in snapshot.categories() {
        locales.extend(c.labels.keys().map(String::as_str));
    }
    for (g, codes) in &groups {
        locales.extend(g.labels.keys().map(String::as_str));
        for c in *codes {
            locales.extend(c.labels.keys().map(String::as_str));
        }
    }
    let mut locales: Vec<&str> = locales.into_iter().collect();
    if let Some(ko) = locales.iter().position(|l| *l == "ko") {
        let ko = locales.remove(ko);
        locales.insert(0, ko);
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header: Vec<String> = CSV_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    header.extend(locales.iter().map(|l| format!("{LABEL_PREFIX}{l}")));
    let _ = writer.write_record(&header);
    let labels_of = |labels: &Labels| -> Vec<String> {
        locales
            .iter()
            .map(|l| labels.get(*l).cloned().unwrap_or_default())
            .collect()
    };
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    for c in snapshot.categories() {
        let mut row = vec![
            "category".to_owned(),
            c.id.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            yn(c.active).to_owned(),
            String::new(),
            text(&c.description),
            String::new(),
        ];
        row.extend(labels_of(&c.labels));
        let _ = writer.write_record(&row);
    }
    for (g, codes) in &groups {
        let mut row = vec![
            "group".to_owned(),
            text(&g.category),
            g.id.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            yn(g.active).to_owned(),
            text(&g.custodian),
            text(&g.description),
            String::new(),
        ];
        row.extend(labels_of(&g.labels));
        let _ = writer.write_record(&row);
        for c in *codes {
            let mut row = vec![
                "code".to_owned(),
                String::new(),
                c.group.clone(),
                c.code.clone(),
                text(&c.parent),
                c.sort_order.to_string(),
                c.valid_from.map(format_date).unwrap_or_default(),
                c.valid_to.map(format_date).unwrap_or_default(),
                yn(c.active).to_owned(),
                String::new(),
                text(&c.description),
                if c.attributes.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string(&c.attributes).unwrap_or_default()
                },
            ];
            row.extend(labels_of(&c.labels));
            let _ = writer.write_record(&row);
        }
    }
    let bytes = writer.into_inner().unwrap_or_default();
    format!("{BOM}{}", String::from_utf8(bytes).unwrap_or_default())
}

// ---- parsing ---------------------------------------------------------------

pub(super) struct CsvRow<'a> {
    line: usize,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl CsvRow<'_> {
    /// The cell exactly as written (ids, codes, labels and text are byte-exact).
    fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }

    /// A keyword, number, date or JSON cell: surrounding spaces do not count.
    fn word(&self, column: &str) -> &str {
        self.get(column).trim()
    }

    fn opt(&self, column: &str) -> Option<String> {
        let value = self.get(column);
        (!value.is_empty()).then(|| value.to_owned())
    }
}

pub(super) fn csv_active(row: &CsvRow<'_>, issues: &mut Vec<RowIssue>) -> bool {
    match row.word("active") {
        "Y" | "y" | "" => true,
        "N" | "n" => false,
        _ => {
            issues.push(RowIssue::new(
                row.line,
                "/active",
                "flag",
                Message::new("codes-import-flag"),
            ));
            true
        }
    }
}

/// Reads a CSV export (see the [module docs](crate::transfer)); every unreadable row is
/// reported with its line.
pub fn parse_csv(input: &str) -> Result<Dataset, Vec<RowIssue>> {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input.as_bytes());
    let mut issues = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => {
            return Err(vec![RowIssue::new(
                1,
                "",
                "syntax",
                Message::new("codes-import-csv-syntax"),
            )]);
        }
    };
    let mut columns = HashMap::new();
    let mut locales = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        let name = name.trim();
        if let Some(locale) = name.strip_prefix(LABEL_PREFIX) {
            locales.push((locale.to_owned(), i));
        } else if !CSV_COLUMNS.contains(&name) {
            issues.push(RowIssue::new(
                1,
                format!("/{name}"),
                "column",
                Message::new("codes-import-column").arg("column", name),
            ));
        }
        columns.insert(name.to_owned(), i);
    }
    for required in ["kind", "active"] {
        if !columns.contains_key(required) {
            issues.push(RowIssue::new(
                1,
                format!("/{required}"),
                "required",
                Message::new("codes-import-column-missing").arg("column", required),
            ));
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut dataset = Dataset::default();
    let mut record = csv::StringRecord::new();
    loop {
        let line = line_at(input, reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let line = error.position().map_or(line, |p| line_at(input, p.byte()));
                issues.push(RowIssue::new(
                    line,
                    "",
                    "syntax",
                    Message::new("codes-import-csv-syntax"),
                ));
                // A broken record (bad quoting, wrong field count) may break the rest.
                if !matches!(error.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line, |p| line_at(input, p.byte()));
        let row = CsvRow {
            line,
            record: &record,
            columns: &columns,
        };
        let labels: Labels = locales
            .iter()
            .filter_map(|(locale, i)| {
                let label = record.get(*i).unwrap_or("");
                (!label.is_empty()).then(|| (locale.clone(), label.to_owned()))
            })
            .collect();
        let active = csv_active(&row, &mut issues);
        match row.word("kind") {
            "category" => dataset.categories.push(Located::new(
                line,
                CategoryDraft {
                    id: row.get("category").to_owned(),
                    labels,
                    description: row.opt("description"),
                    active,
                },
            )),
            "group" => dataset.groups.push(Located::new(
                line,
                GroupDraft {
                    id: row.get("group").to_owned(),
                    category: row.opt("category"),
                    labels,
                    description: row.opt("description"),
                    custodian: row.opt("custodian"),
                    active,
                },
            )),
            "code" => {
                let sort_order = match row.word("sort_order") {
                    "" => 0,
                    text => text.parse::<i64>().unwrap_or_else(|_| {
                        issues.push(RowIssue::new(
                            line,
                            "/sort_order",
                            "integer",
                            Message::new("codes-import-integer"),
                        ));
                        0
                    }),
                };
                let mut date = |column: &str| match row.word(column) {
                    "" => None,
                    text => parse_date(text).or_else(|| {
                        issues.push(RowIssue::new(
                            line,
                            format!("/{column}"),
                            "date",
                            Message::new("codes-import-date"),
                        ));
                        None
                    }),
                };
                let valid_from = date("valid_from");
                let valid_to = date("valid_to");
                let attributes: Attributes = match row.word("attributes") {
                    "" => Attributes::new(),
                    text => serde_json::from_str(text).unwrap_or_else(|_| {
                        issues.push(RowIssue::new(
                            line,
                            "/attributes",
                            "json",
                            Message::new("codes-import-attributes"),
                        ));
                        Attributes::new()
                    }),
                };
                dataset.codes.push(Located::new(
                    line,
                    CodeDraft {
                        group: row.get("group").to_owned(),
                        code: row.get("code").to_owned(),
                        labels,
                        description: row.opt("description"),
                        sort_order,
                        parent: row.opt("parent"),
                        valid_from,
                        valid_to,
                        active,
                        attributes,
                    },
                ));
            }
            _ => issues.push(RowIssue::new(
                line,
                "/kind",
                "kind",
                Message::new("codes-import-kind"),
            )),
        }
    }
    dataset.issues = issues;
    Ok(dataset)
}
