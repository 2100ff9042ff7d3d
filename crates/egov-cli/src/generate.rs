//! `egov generate resource NAME field:type…`: writes a resource into a service
//! generated from the template — its module (types, validation, handlers with
//! audited writes and optimistic concurrency, routes with policies), its
//! migration, its tests over real HTTP on both databases — and registers them
//! in `src/lib.rs` (at the `// egov generate:` markers the template carries).
//! Code groups a field names that `codes/seed.json` lacks are added there with
//! two example codes to replace. The Rust it writes is formatted with rustfmt.
//!
//! Field types:
//!
//! | type | request | stored | shown |
//! |---|---|---|---|
//! | `text` | 1–200 characters, not blank | `TEXT` | as is |
//! | `int` | an integer | `BIGINT` | as is |
//! | `money` | won (KRW), 0 or more | `BIGINT` | as is |
//! | `bool` | `true`/`false` | `BIGINT` 0/1 | `true`/`false` |
//! | `date` | `YYYY-MM-DD`, a real day | `TEXT` | as is |
//! | `code:GROUP` | a current code of `GROUP` | `TEXT` | the code |
//! | `phone` | a Korean phone number | ciphertext | masked |
//! | `rrn` | a resident registration number | ciphertext + blind index | masked |
//!
//! A resource with `phone` or `rrn` fields holds personal data: its reads need
//! `PLURAL:read`, and opening or listing records is recorded in the audit trail
//! (naming the data subject by the `rrn` blind index).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::context::Failure;

/// `egov generate …`.
#[derive(Debug, Subcommand)]
pub(crate) enum GenerateCommand {
    /// Write a resource (module, migration, tests) into a generated service and
    /// register it.
    Resource(ResourceArgs),
}

/// `egov generate resource`.
#[derive(Debug, Args)]
pub(crate) struct ResourceArgs {
    /// The resource, singular, snake_case (e.g. `permit`, `building_permit`).
    name: String,
    /// Its fields, `name:type`; types: text, int, money, bool, date,
    /// code:GROUP, phone, rrn.
    #[arg(required = true, value_name = "FIELD:TYPE")]
    fields: Vec<String>,
    /// The plural (table, paths, permissions); default: English rules on NAME.
    #[arg(long)]
    plural: Option<String>,
    /// The service's project directory.
    #[arg(long, default_value = ".", value_name = "DIR")]
    project: PathBuf,
}

pub(crate) fn run(command: GenerateCommand) -> Result<ExitCode, Failure> {
    match command {
        GenerateCommand::Resource(args) => {
            let written = resource(&args).map_err(Failure::Usage)?;
            for line in written {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Money,
    Bool,
    Date,
    Code(String),
    Phone,
    Rrn,
}

impl Kind {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "text" => Kind::Text,
            "int" => Kind::Int,
            "money" => Kind::Money,
            "bool" => Kind::Bool,
            "date" => Kind::Date,
            "phone" => Kind::Phone,
            "rrn" => Kind::Rrn,
            other => match other.strip_prefix("code:") {
                Some(group) if is_code_group(group) => Kind::Code(group.to_owned()),
                Some(group) => {
                    return Err(format!(
                        "`{group}` is no code group id (A–Z, 0–9, `_`, starting with a letter)"
                    ));
                }
                None => {
                    return Err(format!(
                        "unknown field type `{other}` (text, int, money, bool, date, code:GROUP, phone, rrn)"
                    ));
                }
            },
        })
    }

    fn personal(&self) -> bool {
        matches!(self, Kind::Phone | Kind::Rrn)
    }
}

fn is_code_group(id: &str) -> bool {
    id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_uppercase())
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Rust keywords and names the module defines itself.
const RESERVED: &[&str] = &[
    "id",
    "version",
    "created_at",
    "updated_at",
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "common",
];

fn is_snake(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

fn plural_of(name: &str) -> String {
    if let Some(stem) = name.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if name.ends_with(['s', 'x', 'z']) || name.ends_with("ch") || name.ends_with("sh") {
        return format!("{name}es");
    }
    format!("{name}s")
}

fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A parsed field with what the templates need of it.
#[derive(Debug, Serialize)]
struct Field {
    name: String,
    view_type: &'static str,
    view_doc: String,
    view_expr: String,
    input_type: String,
    input_doc: String,
    input_attributes: Vec<String>,
    valid_json: String,
    invalid_json: &'static str,
    shown_json: String,
    masked: bool,
    plain_digits: &'static str,
}

/// A stored column.
#[derive(Debug, Serialize)]
struct Column {
    name: String,
    row_type: &'static str,
    stored_type: &'static str,
    stored_expr: String,
    sql_type: &'static str,
    indexed: bool,
}

#[derive(Debug, Serialize)]
struct CodeGroup {
    id: String,
    type_name: String,
}

/// Everything the templates read.
#[derive(Debug, Serialize)]
struct Resource {
    name: String,
    plural: String,
    type_name: String,
    name_words: String,
    plural_words: String,
    title: String,
    command: String,
    personal: bool,
    parses: bool,
    subject: Option<String>,
    fields: Vec<Field>,
    columns: Vec<Column>,
    code_groups: Vec<CodeGroup>,
    prepare: Vec<String>,
    select_list: String,
    insert_placeholders: String,
    now_placeholder: usize,
    set_list: String,
    now_placeholder_update: usize,
    id_placeholder_update: usize,
    version_placeholder_update: usize,
}

fn describe(args: &ResourceArgs, seed: &serde_json::Value) -> Result<Resource, String> {
    let name = args.name.trim().to_owned();
    if !is_snake(&name) || RESERVED.contains(&name.as_str()) {
        return Err(format!(
            "`{name}` is no usable resource name (snake_case, a–z, 0–9, `_`, not a Rust keyword)"
        ));
    }
    let plural = args.plural.clone().unwrap_or_else(|| plural_of(&name));
    if !is_snake(&plural) || plural == name || RESERVED.contains(&plural.as_str()) {
        return Err(format!(
            "`{plural}` is no usable plural (snake_case, other than the name)"
        ));
    }
    let type_name = camel(&name);
    let mut resource = Resource {
        name_words: name.replace('_', " "),
        plural_words: plural.replace('_', " "),
        title: camel(&plural),
        command: format!("{name} {}", args.fields.join(" ")),
        name,
        plural,
        type_name,
        personal: false,
        parses: false,
        subject: None,
        fields: Vec::new(),
        columns: Vec::new(),
        code_groups: Vec::new(),
        prepare: Vec::new(),
        select_list: String::new(),
        insert_placeholders: String::new(),
        now_placeholder: 0,
        set_list: String::new(),
        now_placeholder_update: 0,
        id_placeholder_update: 0,
        version_placeholder_update: 0,
    };
    let mut seen = BTreeSet::new();
    for spec in &args.fields {
        let (field, kind) = spec
            .split_once(':')
            .ok_or_else(|| format!("`{spec}` is not `name:type`"))?;
        let kind = Kind::parse(kind)?;
        if !is_snake(field) || RESERVED.contains(&field) {
            return Err(format!(
                "`{field}` is no usable field name (snake_case, not a Rust keyword, not id/version/created_at/updated_at)"
            ));
        }
        if !seen.insert(field.to_owned()) {
            return Err(format!("the field `{field}` is named twice"));
        }
        add_field(&mut resource, field, &kind, seed)?;
    }
    let names: Vec<&str> = resource.columns.iter().map(|c| c.name.as_str()).collect();
    resource.select_list = names.join(", ");
    let count = names.len();
    resource.insert_placeholders = (2..count + 2)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    resource.now_placeholder = count + 2;
    resource.set_list = names
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    resource.now_placeholder_update = count + 1;
    resource.id_placeholder_update = count + 2;
    resource.version_placeholder_update = count + 3;
    Ok(resource)
}

fn add_field(
    resource: &mut Resource,
    field: &str,
    kind: &Kind,
    seed: &serde_json::Value,
) -> Result<(), String> {
    let plain = |expr: String, row_type, stored_type, sql_type| Column {
        name: field.to_owned(),
        row_type,
        stored_type,
        stored_expr: expr,
        sql_type,
        indexed: false,
    };
    // A text column derived from an identifier (ciphertext or blind index).
    let derived = |suffix: &str, stored_expr: String, indexed: bool| Column {
        name: format!("{field}_{suffix}"),
        row_type: "String",
        stored_type: "String",
        stored_expr,
        sql_type: "TEXT",
        indexed,
    };
    // An identifier parsed to its canonical form, stored encrypted for its row.
    let sealed = |resource: &mut Resource, parser: &str| {
        resource.parses = true;
        resource.prepare.push(format!(
            "let {field} = egov::validation::korean::{parser}::from_str(&new.{field})\n            .map_err(|_| ProblemType::VALIDATION_FAILED)?;"
        ));
        derived(
            "enc",
            format!("seal(services, {field}.expose(), id)?"),
            false,
        )
    };
    let words = field.replace('_', " ");
    let (view_type, input_type, attributes, valid, invalid, column): (
        &'static str,
        String,
        Vec<String>,
        String,
        &'static str,
        Column,
    ) = match kind {
        Kind::Text => (
            "String",
            "String".into(),
            vec![
                r#"#[validate(length(min = 1, max = 200), custom(function = "not_blank"))]"#.into(),
            ],
            format!("\"예시 {words}\""),
            r#""   ""#,
            plain(
                format!("new.{field}.trim().to_owned()"),
                "String",
                "String",
                "TEXT",
            ),
        ),
        Kind::Int => (
            "i64",
            "i64".into(),
            Vec::new(),
            "42".into(),
            r#""forty-two""#,
            plain(format!("new.{field}"), "i64", "i64", "BIGINT"),
        ),
        Kind::Money => (
            "i64",
            "i64".into(),
            vec!["#[validate(range(min = 0))]".into()],
            "15000".into(),
            "-1",
            plain(format!("new.{field}"), "i64", "i64", "BIGINT"),
        ),
        Kind::Bool => (
            "bool",
            "bool".into(),
            Vec::new(),
            "true".into(),
            r#""yes""#,
            plain(format!("i64::from(new.{field})"), "i64", "i64", "BIGINT"),
        ),
        Kind::Date => (
            "String",
            "String".into(),
            vec![
                r#"#[validate(custom(function = "egov::validation::rules::date"))]"#.into(),
                r#"#[schema(example = "2026-12-07")]"#.into(),
            ],
            "\"2026-12-07\"".into(),
            r#""2026-02-30""#,
            plain(format!("new.{field}.clone()"), "String", "String", "TEXT"),
        ),
        Kind::Code(group) => {
            let type_name = camel(&group.to_ascii_lowercase());
            if !resource.code_groups.iter().any(|g| g.id == *group) {
                resource.code_groups.push(CodeGroup {
                    id: group.clone(),
                    type_name: type_name.clone(),
                });
            }
            let example = first_code(seed, group).unwrap_or_else(|| "EXAMPLE_1".into());
            (
                "String",
                format!("CodeOf<{type_name}>"),
                vec![
                    r#"#[validate(custom(function = "valid_code"))]"#.into(),
                    format!(r#"#[schema(value_type = String, example = "{example}")]"#),
                ],
                format!("\"{example}\""),
                r#""NO_SUCH_CODE""#,
                plain(
                    format!("new.{field}.as_str().to_owned()"),
                    "String",
                    "String",
                    "TEXT",
                ),
            )
        }
        Kind::Phone => {
            let column = sealed(resource, "PhoneNumber");
            (
                "String",
                "String".into(),
                vec![
                    r#"#[validate(custom(function = "egov::validation::korean::phone_number"))]"#
                        .into(),
                    r#"#[schema(example = "010-1234-5678")]"#.into(),
                ],
                "\"010-1234-5678\"".into(),
                r#""12""#,
                column,
            )
        }
        Kind::Rrn => {
            let ciphertext = sealed(resource, "ResidentNumber");
            resource.columns.push(ciphertext);
            if resource.subject.is_none() {
                resource.subject = Some(field.to_owned());
            }
            (
                "String",
                "String".into(),
                vec![
                    r#"#[validate(custom(function = "egov::validation::korean::resident_number"))]"#
                        .into(),
                    r#"#[schema(example = "900101-1234568")]"#.into(),
                ],
                "\"900101-1234568\"".into(),
                r#""901301-1234568""#,
                derived(
                    "bidx",
                    format!("services.privacy.index.compute({field}.expose())"),
                    true,
                ),
            )
        }
    };
    let masked = kind.personal();
    resource.personal |= masked;
    let view_expr = match kind {
        Kind::Bool => format!("self.{field} != 0"),
        Kind::Phone => {
            format!("egov::privacy::mask::phone(&unseal(services, &self.{field}_enc, &self.id)?)")
        }
        Kind::Rrn => format!(
            "egov::privacy::mask::resident_number(&unseal(services, &self.{field}_enc, &self.id)?)"
        ),
        _ => format!("self.{field}"),
    };
    let (view_doc, input_doc) = match kind {
        Kind::Text => (
            format!("The {words}."),
            format!("The {words}: 1–200 characters, not only spaces."),
        ),
        Kind::Int => (format!("The {words}."), format!("The {words}.")),
        Kind::Money => (
            format!("The {words}, in won (KRW)."),
            format!("The {words}, in won (KRW), 0 or more."),
        ),
        Kind::Bool => (format!("Whether {words}."), format!("Whether {words}.")),
        Kind::Date => (
            format!("The {words} (YYYY-MM-DD)."),
            format!("The {words}: a date, YYYY-MM-DD."),
        ),
        Kind::Code(group) => (
            format!("The {words}: a code of `{group}`."),
            format!("The {words}: a currently valid code of `{group}` (see `GET /codes/{group}`)."),
        ),
        Kind::Phone => (
            format!("The {words}, masked."),
            format!("The {words}: a Korean phone number (stored encrypted)."),
        ),
        Kind::Rrn => (
            format!("The {words} (resident registration number), masked."),
            format!(
                "The {words}: a resident registration number (stored encrypted, with a blind index)."
            ),
        ),
    };
    let shown = valid.clone();
    let plain_digits = match kind {
        Kind::Phone => "\"01012345678\"",
        Kind::Rrn => "\"9001011234568\"",
        _ => "\"\"",
    };
    resource.fields.push(Field {
        name: field.to_owned(),
        view_type,
        view_doc,
        view_expr,
        input_type,
        input_doc,
        input_attributes: attributes,
        valid_json: valid,
        invalid_json: invalid,
        shown_json: format!("json!({shown})"),
        masked,
        plain_digits,
    });
    resource.columns.push(column);
    Ok(())
}

/// The first code of `group` in the seed file, if it has one.
fn first_code(seed: &serde_json::Value, group: &str) -> Option<String> {
    seed.get("codes")?
        .as_array()?
        .iter()
        .find(|c| c.get("group").and_then(|g| g.as_str()) == Some(group))?
        .get("code")?
        .as_str()
        .map(str::to_owned)
}

/// Writes the resource; the lines to print.
fn resource(args: &ResourceArgs) -> Result<Vec<String>, String> {
    let project = &args.project;
    let lib = project.join("src/lib.rs");
    let lib_text = read(&lib)?;
    for marker in MARKERS {
        if !lib_text.contains(marker) {
            return Err(format!(
                "{} has no `{marker}` line: is this a service generated from the egov-rs template?",
                lib.display()
            ));
        }
    }
    let seed_path = project.join("codes/seed.json");
    let mut seed: serde_json::Value = serde_json::from_str(&read(&seed_path)?)
        .map_err(|e| format!("{}: {e}", seed_path.display()))?;
    let resource = describe(args, &seed)?;

    let module_path = project.join(format!("src/{}.rs", resource.plural));
    let test_path = project.join(format!("tests/{}.rs", resource.plural));
    let migrations = project.join("migrations");
    let version = next_migration(&migrations)?;
    let migration_name = format!("{version:04}_{}.sql", resource.plural);
    let migration_path = migrations.join(&migration_name);
    for path in [&module_path, &test_path] {
        if path.exists() {
            return Err(format!(
                "{} exists already; nothing was written",
                path.display()
            ));
        }
    }

    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(false);
    env.set_keep_trailing_newline(true);
    env.add_template("module", include_str!("../templates/resource/module.rs.j2"))
        .and_then(|()| env.add_template("test", include_str!("../templates/resource/test.rs.j2")))
        .and_then(|()| {
            env.add_template(
                "migration",
                include_str!("../templates/resource/migration.sql.j2"),
            )
        })
        .map_err(|e| format!("generator template: {e}"))?;
    let render = |name: &str| {
        env.get_template(name)
            .and_then(|t| t.render(&resource))
            .map_err(|e| format!("generator template {name}: {e}"))
    };
    let module = render("module")?;
    let test = render("test")?;
    let migration = render("migration")?;

    let mut added_codes = Vec::new();
    for group in &resource.code_groups {
        if add_example_group(&mut seed, &group.id, &resource.name_words) {
            added_codes.push(group.id.clone());
        }
    }

    let mut lib_text = lib_text;
    insert_before(
        &mut lib_text,
        MARKERS[0],
        &format!("pub mod {};\n", resource.plural),
    );
    insert_before(
        &mut lib_text,
        MARKERS[1],
        &format!(
            "        Migration::portable(\n            {version},\n            \"create {}\",\n            include_str!(\"../migrations/{migration_name}\"),\n        ),\n",
            resource.plural
        ),
    );
    insert_before(
        &mut lib_text,
        MARKERS[2],
        &format!("        .router({}::routes(services))\n", resource.plural),
    );

    write(&module_path, &module)?;
    write(&test_path, &test)?;
    write(&migration_path, &migration)?;
    write(&lib, &lib_text)?;
    if !added_codes.is_empty() {
        let text = serde_json::to_string_pretty(&seed).map_err(|e| e.to_string())? + "\n";
        write(&seed_path, &text)?;
    }
    let mut lines = vec![
        format!("wrote {}", module_path.display()),
        format!("wrote {}", migration_path.display()),
        format!("wrote {}", test_path.display()),
        format!(
            "registered `{}` in {} (module, migration {version}, routes)",
            resource.plural,
            lib.display()
        ),
    ];
    for group in added_codes {
        lines.push(format!(
            "added the code group {group} to {} with two example codes: replace them with the real ones",
            seed_path.display()
        ));
    }
    let mut permissions = format!("permissions: `{}:write`", resource.plural);
    if resource.personal {
        let _ = write!(permissions, ", `{}:read` (personal data)", resource.plural);
    }
    lines.push(
        permissions
            + " — grant them to roles (egov accounts create-admin --grant …, or /auth/admin/roles)",
    );
    format_rust(&[&module_path, &test_path, &lib])?;
    Ok(lines)
}

/// The comments in the template's `src/lib.rs` whose lines the generator
/// writes before (at any indentation: rustfmt moves them).
const MARKERS: [&str; 3] = [
    "// egov generate: modules",
    "// egov generate: migrations",
    "// egov generate: routes",
];

/// Inserts `addition` (whole lines) at the start of `marker`'s line; the
/// file is formatted afterwards.
fn insert_before(text: &mut String, marker: &str, addition: &str) {
    if let Some(at) = text.find(marker) {
        let line_start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
        text.insert_str(line_start, addition);
    }
}

/// One more than the highest `NNNN_` of `dir`'s `.sql` files.
fn next_migration(dir: &Path) -> Result<u32, String> {
    let mut highest = 0;
    if dir.exists() {
        for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let name = entry
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .file_name();
            let name = name.to_string_lossy();
            if let Some((number, _)) = name.split_once('_')
                && name.ends_with(".sql")
                && let Ok(number) = number.parse::<u32>()
            {
                highest = highest.max(number);
            }
        }
    }
    Ok(highest + 1)
}

/// Adds `group` with two example codes to the seed, unless it has the group.
fn add_example_group(seed: &mut serde_json::Value, group: &str, resource: &str) -> bool {
    let has = |list: &str| {
        seed.get(list)
            .and_then(|l| l.as_array())
            .is_some_and(|items| {
                items.iter().any(|item| {
                    item.get(if list == "groups" { "id" } else { "group" })
                        .and_then(|v| v.as_str())
                        == Some(group)
                })
            })
    };
    if has("groups") {
        return false;
    }
    let group_entry = serde_json::json!({
        "id": group, "category": null,
        "labels": {"ko": format!("{group} (예시)"), "en": format!("{group} (example)")},
        "description": format!("{resource} — generated by egov generate; replace the example codes"),
        "custodian": null, "active": true
    });
    let codes = (1..=2).map(|n| {
        serde_json::json!({
            "group": group, "code": format!("EXAMPLE_{n}"),
            "labels": {"ko": format!("예시 {n}"), "en": format!("Example {n}")},
            "description": null, "sort_order": n, "parent": null,
            "valid_from": null, "valid_to": null, "active": true, "attributes": {}
        })
    });
    if let Some(groups) = seed.get_mut("groups").and_then(|g| g.as_array_mut()) {
        groups.push(group_entry);
    }
    if let Some(list) = seed.get_mut("codes").and_then(|c| c.as_array_mut()) {
        list.extend(codes);
    }
    true
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// rustfmt (edition 2024) over `files`.
fn format_rust(files: &[&Path]) -> Result<(), String> {
    let status = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(files)
        .status()
        .map_err(|e| format!("cannot run rustfmt (rustup component add rustfmt): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rustfmt failed on the generated files ({status})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(name: &str, fields: &[&str]) -> ResourceArgs {
        ResourceArgs {
            name: name.into(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            plural: None,
            project: PathBuf::from("."),
        }
    }

    #[test]
    fn plurals_follow_english_spelling() {
        for (one, many) in [
            ("permit", "permits"),
            ("facility", "facilities"),
            ("survey", "surveys"),
            ("tax", "taxes"),
            ("branch", "branches"),
            ("building_permit", "building_permits"),
        ] {
            assert_eq!(plural_of(one), many);
        }
    }

    #[test]
    fn bad_names_and_fields_are_refused_with_reasons() {
        let seed = serde_json::json!({"groups": [], "codes": []});
        for (name, fields, says) in [
            ("Permit", &["title:text"][..], "resource name"),
            ("type", &["title:text"], "resource name"),
            ("permit", &["title"], "name:type"),
            ("permit", &["title:string"], "unknown field type"),
            ("permit", &["kind:code:lower"], "code group"),
            ("permit", &["version:int"], "field name"),
            ("permit", &["match:text"], "field name"),
            ("permit", &["a:text", "a:int"], "twice"),
        ] {
            let error = describe(&args(name, fields), &seed).unwrap_err();
            assert!(error.contains(says), "{name} {fields:?}: {error}");
        }
    }

    #[test]
    fn placeholders_count_columns_and_personal_fields_add_ciphertext_and_index() {
        let seed = serde_json::json!({"groups": [], "codes": [{"group": "KIND", "code": "A1"}]});
        let resource = describe(
            &args(
                "permit",
                &["title:text", "owner:rrn", "kind:code:KIND", "phone:phone"],
            ),
            &seed,
        )
        .unwrap();
        assert_eq!(
            resource.select_list,
            "title, owner_enc, owner_bidx, kind, phone_enc"
        );
        assert_eq!(resource.insert_placeholders, "$2, $3, $4, $5, $6");
        assert_eq!(resource.now_placeholder, 7);
        assert_eq!(
            resource.set_list,
            "title = $1, owner_enc = $2, owner_bidx = $3, kind = $4, phone_enc = $5"
        );
        assert_eq!(
            (
                resource.now_placeholder_update,
                resource.id_placeholder_update,
                resource.version_placeholder_update
            ),
            (6, 7, 8)
        );
        assert!(resource.personal);
        assert_eq!(resource.subject.as_deref(), Some("owner"));
        assert_eq!(resource.fields[2].valid_json, "\"A1\"");
    }

    #[test]
    fn a_missing_code_group_is_added_once_with_example_codes() {
        let mut seed = serde_json::json!({"groups": [], "codes": []});
        assert!(add_example_group(&mut seed, "PERMIT_KIND", "permit"));
        assert!(!add_example_group(&mut seed, "PERMIT_KIND", "permit"));
        assert_eq!(seed["groups"].as_array().unwrap().len(), 1);
        assert_eq!(seed["codes"].as_array().unwrap().len(), 2);
        assert_eq!(
            first_code(&seed, "PERMIT_KIND").as_deref(),
            Some("EXAMPLE_1")
        );
    }
}
