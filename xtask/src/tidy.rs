//! `cargo xtask tidy`: the repository's own rules, written as code.
//!
//! Each check reports PASS or FAIL with one line per problem (file and what
//! is wrong); `tidy` fails if any check fails. The checks:
//!
//! - `crate-roots`: every crate root (`lib.rs`, `main.rs`, other bin roots)
//!   of every workspace member carries `#![forbid(unsafe_code)]` and
//!   `#![deny(missing_docs)]`.
//! - `crate-lists`: `README.md` and `ARCHITECTURE.md` list exactly the
//!   workspace members (see [`crate_list`] for the rule).
//! - `layers`: the layer map in `xtask/src/layers.rs` holds.
//! - `workspace-deps`: members take every non-path dependency from
//!   `[workspace.dependencies]` (see [`manifest_violations`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, MetadataCommand, TargetKind};
use serde::Deserialize;
use toml::Spanned;

use crate::check::{Check, print_report};
use crate::layers;

/// Attributes every crate root must carry.
const ROOT_ATTRIBUTES: &[&str] = &["#![forbid(unsafe_code)]", "#![deny(missing_docs)]"];

/// Documents that must list every workspace member.
const CRATE_LIST_FILES: &[&str] = &["README.md", "ARCHITECTURE.md"];

/// A workspace member, as the checks see it.
#[derive(Debug)]
struct Member {
    name: String,
    /// `Cargo.toml`, absolute.
    manifest: PathBuf,
    /// Crate root source files (lib, proc-macro, bins), absolute.
    roots: Vec<PathBuf>,
    /// (dependency package name, kind label).
    deps: Vec<(String, &'static str)>,
}

/// Runs every check from the workspace `root`, printing PASS/FAIL per check.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    let members = load_members(root)?;
    let checks = [
        Check {
            name: "crate-roots",
            what: "every crate root has #![forbid(unsafe_code)] and #![deny(missing_docs)]",
            problems: check_crate_roots(root, &members),
        },
        Check {
            name: "crate-lists",
            what: "README.md and ARCHITECTURE.md list exactly the workspace members",
            problems: check_crate_lists(root, &members),
        },
        Check {
            name: "layers",
            what: "crates depend only on strictly lower layers (xtask/src/layers.rs)",
            problems: check_layers(root, &members),
        },
        Check {
            name: "workspace-deps",
            what: "members take every non-path dependency with `workspace = true`",
            problems: check_workspace_deps(root, &members),
        },
        Check {
            name: "facade-features",
            what: "the facade's features gate what is built (web alone builds no audit, auth, codes, CLI, Swagger UI or OTLP exporter)",
            problems: check_facade_features(root),
        },
        Check {
            name: "error-enums",
            what: "every public `…Error`/`…Rejection` enum of crates/ is #[non_exhaustive]",
            problems: check_error_enums(root),
        },
    ];
    let failed = print_report(&checks);
    if failed.is_empty() {
        println!("tidy: all {} checks passed", checks.len());
        Ok(())
    } else {
        Err(format!(
            "tidy: {} of {} checks failed: {}",
            failed.len(),
            checks.len(),
            failed.join(", ")
        ))
    }
}

/// Reads the workspace members from `cargo metadata --no-deps`.
fn load_members(root: &Path) -> Result<Vec<Member>, String> {
    let metadata = MetadataCommand::new()
        .cargo_path(crate::cargo())
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|error| format!("`cargo metadata` failed: {error}"))?;
    let mut members: Vec<Member> = metadata
        .workspace_packages()
        .into_iter()
        .map(|package| {
            let mut roots: Vec<PathBuf> = package
                .targets
                .iter()
                .filter(|target| target.kind.iter().any(is_crate_root_kind))
                .map(|target| target.src_path.clone().into_std_path_buf())
                .collect();
            roots.sort();
            roots.dedup();
            Member {
                name: package.name.to_string(),
                manifest: package.manifest_path.clone().into_std_path_buf(),
                roots,
                deps: package
                    .dependencies
                    .iter()
                    .map(|dep| (dep.name.clone(), kind_label(&dep.kind)))
                    .collect(),
            }
        })
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(members)
}

/// Library and binary targets are crate roots; tests, benches, examples and
/// build scripts are not checked.
fn is_crate_root_kind(kind: &TargetKind) -> bool {
    matches!(
        kind,
        TargetKind::Lib
            | TargetKind::RLib
            | TargetKind::DyLib
            | TargetKind::CDyLib
            | TargetKind::StaticLib
            | TargetKind::ProcMacro
            | TargetKind::Bin
    )
}

fn kind_label(kind: &DependencyKind) -> &'static str {
    match kind {
        DependencyKind::Normal => "normal",
        DependencyKind::Development => "dev",
        DependencyKind::Build => "build",
        _ => "unknown-kind",
    }
}

/// `path` relative to `root`, for messages.
fn relative<'a>(root: &Path, path: &'a Path) -> &'a Path {
    path.strip_prefix(root).unwrap_or(path)
}

// ---------------------------------------------------------------------------
// crate-roots

fn check_crate_roots(root: &Path, members: &[Member]) -> Vec<String> {
    let mut problems = Vec::new();
    for member in members {
        if member.roots.is_empty() {
            problems.push(format!("{}: no lib or bin target found", member.name));
        }
        for source in &member.roots {
            let shown = relative(root, source).display();
            match fs::read_to_string(source) {
                Ok(text) => {
                    for attribute in missing_root_attributes(&text) {
                        problems.push(format!("{shown}: missing `{attribute}`"));
                    }
                }
                Err(error) => problems.push(format!("{shown}: cannot read: {error}")),
            }
        }
    }
    problems
}

/// The [`ROOT_ATTRIBUTES`] that `source` lacks. An attribute counts when it
/// stands on a line of its own (whitespace and a trailing `//` comment aside).
fn missing_root_attributes(source: &str) -> Vec<&'static str> {
    let lines: BTreeSet<String> = source
        .lines()
        .map(|line| {
            let code = line.split("//").next().unwrap_or_default();
            code.chars().filter(|c| !c.is_whitespace()).collect()
        })
        .collect();
    ROOT_ATTRIBUTES
        .iter()
        .copied()
        .filter(|attribute| !lines.contains(*attribute))
        .collect()
}

// ---------------------------------------------------------------------------
// facade-features

/// Feature sets of the `egov` facade and the workspace crates each must not
/// pull into the build (normal dependencies, as `cargo tree` resolves them).
const FACADE_FEATURES: &[(&str, &[&str])] = &[
    (
        "web",
        &[
            "egov-audit",
            "egov-auth",
            "egov-codes",
            "egov-cli",
            "utoipa-swagger-ui",
            "opentelemetry-otlp",
        ],
    ),
    // A default service builds no OTLP exporter until it asks for one.
    ("default", &["opentelemetry-otlp"]),
    ("web,audit", &["egov-auth", "egov-codes"]),
    ("db", &["egov-http", "egov-web", "egov-audit"]),
];

fn check_facade_features(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for (features, absent) in FACADE_FEATURES {
        let output = std::process::Command::new(crate::cargo())
            .current_dir(root)
            .args([
                "tree",
                "-p",
                "egov",
                "--no-default-features",
                "--features",
                features,
            ])
            .args(["-e", "normal", "--prefix", "none", "--format", "{p}"])
            .output();
        let text = match output {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
            Ok(out) => {
                problems.push(format!(
                    "cargo tree --features {features}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
                continue;
            }
            Err(error) => {
                problems.push(format!("cannot run cargo tree: {error}"));
                continue;
            }
        };
        for name in *absent {
            if text
                .lines()
                .any(|line| line.split_whitespace().next() == Some(name))
            {
                problems.push(format!(
                    "`egov` with only `{features}` builds {name}: a feature does not gate it"
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// error-enums

/// Library crates' public error enums must be `#[non_exhaustive]`, so that a
/// new failure is not a breaking change for every service matching on them.
fn check_error_enums(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    collect_rust_files(&root.join("crates"), &mut sources);
    for source in sources {
        if source
            .components()
            .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "benches")
        {
            continue;
        }
        let Ok(text) = fs::read_to_string(&source) else {
            continue;
        };
        for name in exhaustive_error_enums(&text) {
            problems.push(format!(
                "{}: `pub enum {name}` lacks #[non_exhaustive]",
                relative(root, &source).display()
            ));
        }
    }
    problems
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Names of `pub enum …Error`/`…Rejection` in `source` whose attributes (the
/// lines of attributes and doc comments right above) lack `#[non_exhaustive]`.
fn exhaustive_error_enums(source: &str) -> Vec<String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("pub enum ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !(name.ends_with("Error") || name.ends_with("Rejection")) {
            continue;
        }
        let marked = lines[..i]
            .iter()
            .rev()
            .map(|l| l.trim())
            .take_while(|l| l.starts_with("#[") || l.starts_with("///"))
            .any(|l| l.contains("non_exhaustive"));
        if !marked {
            found.push(name);
        }
    }
    found
}

// ---------------------------------------------------------------------------
// crate-lists

fn check_crate_lists(root: &Path, members: &[Member]) -> Vec<String> {
    let names: BTreeSet<&str> = members.iter().map(|member| member.name.as_str()).collect();
    let mut problems = Vec::new();
    for file in CRATE_LIST_FILES {
        match fs::read_to_string(root.join(file)) {
            Ok(text) => problems.extend(crate_list_problems(file, &text, &names)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                problems.push(format!("{file} not found (expected at the workspace root)"));
            }
            Err(error) => problems.push(format!("{file}: cannot read: {error}")),
        }
    }
    problems
}

/// One entry of a document's crate list.
#[derive(Debug, PartialEq, Eq)]
struct ListedCrate<'a> {
    name: &'a str,
    /// The row says "planned": the crate need not exist yet.
    planned: bool,
}

/// A markdown document's crate list.
///
/// The rule: a line is a crate-list row when, after leading whitespace, it
/// starts with `| ` (a table row) or `- ` (a list item) and its first
/// backticked token is crate-like: `egov`, `egov-` followed by lowercase
/// letters, digits and dashes, `hello-agency`, `xtask`, or any workspace
/// member's name. That token is the row's crate. A row whose text contains
/// "planned" (any case) may name a crate that is not a member yet.
///
/// [`crate_list_problems`] then requires every member to be some row's crate
/// ("missing") and every row's crate, outside planned rows, to be a member
/// ("extra").
fn crate_list<'a>(text: &'a str, members: &BTreeSet<&str>) -> Vec<ListedCrate<'a>> {
    text.lines()
        .filter_map(|line| {
            let trimmed = line.trim_start();
            if !(trimmed.starts_with("| ") || trimmed.starts_with("- ")) {
                return None;
            }
            let name = first_backticked(trimmed)?;
            is_crate_like(name, members).then(|| ListedCrate {
                name,
                planned: line.to_lowercase().contains("planned"),
            })
        })
        .collect()
}

/// The text between the first pair of backticks in `line`.
fn first_backticked(line: &str) -> Option<&str> {
    let (_, after) = line.split_once('`')?;
    let (token, _) = after.split_once('`')?;
    Some(token)
}

fn is_crate_like(token: &str, members: &BTreeSet<&str>) -> bool {
    let egov_sub_crate = token.strip_prefix("egov-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    token == "egov"
        || egov_sub_crate
        || token == "hello-agency"
        || token == "xtask"
        || members.contains(token)
}

/// Missing and extra crates in the crate list of `text` (from `file`).
fn crate_list_problems(file: &str, text: &str, members: &BTreeSet<&str>) -> Vec<String> {
    let listed = crate_list(text, members);
    let mut problems = Vec::new();
    for member in members {
        if !listed.iter().any(|row| row.name == *member) {
            let hint = if text.contains(&format!("`{member}`")) {
                "mentioned, but not as the first backticked name of a `| ` or `- ` row"
            } else {
                "not mentioned in backticks anywhere"
            };
            problems.push(format!(
                "{file}: missing workspace member `{member}` from its crate list ({hint})"
            ));
        }
    }
    let extra: BTreeSet<&str> = listed
        .iter()
        .filter(|row| !row.planned && !members.contains(row.name))
        .map(|row| row.name)
        .collect();
    for name in extra {
        problems.push(format!(
            "{file}: extra crate `{name}` is listed but is not a workspace member \
             (mark its row \"planned\" or remove it)"
        ));
    }
    problems
}

// ---------------------------------------------------------------------------
// layers

fn check_layers(root: &Path, members: &[Member]) -> Vec<String> {
    let packages: Vec<layers::Package<'_>> = members
        .iter()
        .map(|member| layers::Package {
            name: &member.name,
            manifest: relative(root, &member.manifest),
            deps: member
                .deps
                .iter()
                .map(|(name, kind)| (name.as_str(), *kind))
                .collect(),
        })
        .collect();
    layers::check(&packages)
}

// ---------------------------------------------------------------------------
// workspace-deps

fn check_workspace_deps(root: &Path, members: &[Member]) -> Vec<String> {
    let mut problems = Vec::new();
    for member in members {
        let shown = relative(root, &member.manifest).display();
        match fs::read_to_string(&member.manifest) {
            Ok(text) => {
                for violation in manifest_violations(&text) {
                    problems.push(format!("{shown}: {violation}"));
                }
            }
            Err(error) => problems.push(format!("{shown}: cannot read: {error}")),
        }
    }
    problems
}

/// The dependency tables of a manifest, each dependency with its place in the
/// text. Other tables (`[package]`, `[workspace.dependencies]`, …) are not read.
/// The same type serves each `[target.…]` platform (`#[serde(flatten)]` of a
/// shared part would lose the places).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DepTables {
    dependencies: DepTable,
    #[serde(rename = "dev-dependencies")]
    dev_dependencies: DepTable,
    #[serde(rename = "build-dependencies")]
    build_dependencies: DepTable,
    /// `[target.'cfg(…)'.dependencies]` and friends, by platform (read at the
    /// top level only).
    target: BTreeMap<String, DepTables>,
}

/// Dependency name, with the byte range of its key's first mention → its
/// specification. (The key's range: with `toml` 0.8 a value written with
/// dotted keys, `serde.workspace = true`, has none.)
type DepTable = BTreeMap<Spanned<String>, toml::Value>;

impl DepTables {
    /// (table name, its dependencies), the name prefixed by `prefix`.
    fn named(&self, prefix: &str) -> [(String, &DepTable); 3] {
        [
            (format!("{prefix}dependencies"), &self.dependencies),
            (format!("{prefix}dev-dependencies"), &self.dev_dependencies),
            (
                format!("{prefix}build-dependencies"),
                &self.build_dependencies,
            ),
        ]
    }
}

/// Dependencies in a member manifest that neither use `workspace = true`
/// nor are path dependencies, one message each, in the order of the text.
///
/// Reads `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` and
/// their `[target.….]` forms, however written (`name = "1"`, inline tables,
/// dotted keys, `[dependencies.name]` tables). A dependency passes when it is a
/// table with `workspace = true` or a `path` key; a bare version string does
/// not. A manifest that is not valid TOML 1.0 (the `toml` crate's version; cargo
/// also reads TOML 1.1, e.g. inline tables over several lines) is one problem.
fn manifest_violations(manifest: &str) -> Vec<String> {
    let line_of = |offset: usize| manifest[..offset].matches('\n').count() + 1;
    let parsed: DepTables = match toml::from_str(manifest) {
        Ok(parsed) => parsed,
        Err(error) => {
            let line = error.span().map_or(1, |span| line_of(span.start));
            return vec![format!(
                "line {line}: not a valid manifest: {}",
                error.message().trim_end().replace('\n', "; ")
            )];
        }
    };
    let mut tables = parsed.named("").to_vec();
    for (platform, platform_tables) in &parsed.target {
        tables.extend(platform_tables.named(&format!("target.{}.", toml_key(platform))));
    }
    let mut found: Vec<(usize, String, &str)> = Vec::new();
    for (table, deps) in tables {
        for (name, spec) in deps {
            let passes = spec.as_table().is_some_and(|spec| {
                spec.get("workspace") == Some(&toml::Value::Boolean(true))
                    || spec.contains_key("path")
            });
            if !passes {
                found.push((name.span().start, table.clone(), name.get_ref()));
            }
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|(offset, table, name)| {
            format!(
                "line {}: [{table}] `{name}` does not use `workspace = true`; pin it once in \
                 the root Cargo.toml's [workspace.dependencies]",
                line_of(offset)
            )
        })
        .collect()
}

/// `key` as a TOML key: bare when it can be, else quoted.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_owned()
    } else if !key.contains(['\'', '\n']) {
        format!("'{key}'")
    } else {
        format!("{key:?}")
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn error_enums_must_be_non_exhaustive() {
        let source = "/// Bad.\n#[derive(Debug)]\npub enum OpenError {}\n\n#[derive(Debug)]\n#[non_exhaustive]\npub enum ClosedError {}\npub enum Colour {}\n";
        assert_eq!(exhaustive_error_enums(source), ["OpenError"]);
    }

    use super::*;

    fn members<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
        names.iter().copied().collect()
    }

    // --- crate roots --------------------------------------------------------

    #[test]
    fn root_attributes_present() {
        let source = "//! Docs.\n\n#![forbid(unsafe_code)]\n#![deny( missing_docs )] // lints\n";
        assert_eq!(missing_root_attributes(source), Vec::<&str>::new());
    }

    #[test]
    fn root_attributes_missing_or_commented_out() {
        let source = "//! Docs.\n// #![forbid(unsafe_code)]\n#![deny(missing_docs)]\n";
        assert_eq!(missing_root_attributes(source), ["#![forbid(unsafe_code)]"]);
        assert_eq!(missing_root_attributes(""), ROOT_ATTRIBUTES);
    }

    // --- crate lists --------------------------------------------------------

    const DOC: &str = "\
# egov-rs

Uses `egov-core` everywhere; `egov-rs` is the project.

| Crate | Layer | What |
|-------|-------|------|
| `egov-core` | 0 | foundation |
| `egov-db` | 1 | databases, uses `egov-core` |
| `egov-i18n` | 1 | Planned: translations |

- `hello-agency` — the example
  - `xtask` — automation
- see `serde` for serialisation
- The `egov-rs` project is not a crate row? It is crate-like, so it counts.
* `egov-web` uses a `*` bullet, so it is not a row
";

    #[test]
    fn crate_list_takes_the_first_backticked_crate_like_token_of_rows() {
        let listed = crate_list(DOC, &members(&[]));
        let names: Vec<(&str, bool)> = listed.iter().map(|row| (row.name, row.planned)).collect();
        assert_eq!(
            names,
            [
                ("egov-core", false),
                ("egov-db", false),
                ("egov-i18n", true),
                ("hello-agency", false),
                ("xtask", false),
                ("egov-rs", false),
            ]
        );
    }

    #[test]
    fn member_names_count_as_crate_like() {
        let listed = crate_list("- `serde` is ours here\n", &members(&["serde"]));
        assert_eq!(
            listed,
            [ListedCrate {
                name: "serde",
                planned: false
            }]
        );
    }

    #[test]
    fn crate_list_reports_missing_and_extra_separately() {
        let doc = "\
| `egov-core` | 0 |
| `egov-i18n` | 1 | planned |
| `egov-audit` | 2 | audit trail |
Mentions `egov-web` in prose only.
";
        let problems = crate_list_problems(
            "README.md",
            doc,
            &members(&["egov-core", "egov-web", "egov-db"]),
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("README.md: missing workspace member `egov-db`"));
        assert!(problems[0].contains("not mentioned in backticks anywhere"));
        assert!(problems[1].starts_with("README.md: missing workspace member `egov-web`"));
        assert!(problems[1].contains("mentioned, but not as the first backticked name"));
        // `egov-i18n` is planned, so only `egov-audit` is extra.
        assert!(problems[2].starts_with("README.md: extra crate `egov-audit`"));
    }

    #[test]
    fn crate_list_matching_members_passes() {
        let doc = "| `egov-core` | 0 |\n| `egov-i18n` | planned |\n- `xtask`\n";
        assert_eq!(
            crate_list_problems("ARCHITECTURE.md", doc, &members(&["egov-core", "xtask"])),
            Vec::<String>::new()
        );
    }

    // --- workspace deps -----------------------------------------------------

    #[test]
    fn workspace_and_path_dependencies_pass() {
        let manifest = r#"
[package]
name = "egov-db"
version.workspace = true

[features]
testing = ["dep:tempfile"]

[dependencies]
egov-core = { workspace = true }
sqlx = { workspace = true, features = ["any"] } # pinned at the root
serde.workspace = true
local = { path = "../local" }
"quoted" = { path = "a#b" } # a `#` in a string is no comment

[dev-dependencies]
egov-db = { path = ".", features = ["testing"] }
tokio = { workspace = true, features = ["rt"] }

[dependencies.tracing]
workspace = true
features = ["std"]

[target.'cfg(unix)'.dependencies]
libc = { workspace = true }

[target."cfg(unix)".build-dependencies.cc]
path = "../cc"

[[bin]]
name = "x"

[workspace.dependencies]
ignored = "1"
"#;
        assert_eq!(manifest_violations(manifest), Vec::<String>::new());
    }

    #[test]
    fn versioned_dependencies_are_violations() {
        let manifest = r#"
[dependencies]
serde = "1"
axum = { version = "0.8", features = ["json"] }
uuid.version = "1"
uuid.workspace = false
not-workspace = { workspace = false, version = "1" }

[build-dependencies]
cc = { git = "https://example.invalid/cc" }

[dev-dependencies.proptest]
version = "1"

[target.'cfg(windows)'.dependencies]
winapi = "0.3"

[target.x86_64-pc-windows-msvc.dev-dependencies]
"windows-sys" = { version = "0.59" }
"#;
        let problems = manifest_violations(manifest);
        let names: Vec<String> = problems
            .iter()
            .map(|problem| problem.split('`').nth(1).unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "serde",
                "axum",
                "uuid",
                "not-workspace",
                "cc",
                "proptest",
                "winapi",
                "windows-sys"
            ],
            "{problems:?}"
        );
        assert_eq!(
            problems[0],
            "line 3: [dependencies] `serde` does not use `workspace = true`; pin it once in the \
             root Cargo.toml's [workspace.dependencies]"
        );
        assert!(problems[2].starts_with("line 5: [dependencies] `uuid`"));
        assert!(
            problems[5].starts_with("line 12: [dev-dependencies] `proptest`"),
            "{problems:?}"
        );
        assert!(problems[6].starts_with("line 16: [target.'cfg(windows)'.dependencies] `winapi`"));
        assert!(problems[7].starts_with(
            "line 19: [target.x86_64-pc-windows-msvc.dev-dependencies] `windows-sys`"
        ));
    }

    #[test]
    fn a_manifest_that_is_not_toml_is_one_problem() {
        let problems = manifest_violations("[dependencies]\nserde = \n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("line 2: not a valid manifest: "),
            "{problems:?}"
        );
        // TOML 1.1's multi-line inline tables, which cargo accepts, are not
        // TOML 1.0 (the `toml` crate's version).
        let problems = manifest_violations("[dependencies]\na = { workspace = true,\n  x = 1 }\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn platform_keys_are_shown_as_toml_keys() {
        assert_eq!(
            toml_key("x86_64-unknown-linux-gnu"),
            "x86_64-unknown-linux-gnu"
        );
        assert_eq!(toml_key("cfg(unix)"), "'cfg(unix)'");
        assert_eq!(toml_key("it's"), "\"it's\"");
        assert_eq!(toml_key(""), "''");
    }
}
