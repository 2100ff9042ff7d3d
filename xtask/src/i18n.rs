//! `cargo xtask i18n-check`: the messages of every crate, checked as a whole.
//!
//! A *component* is a workspace package with a `locales/<locale>/*.ftl` tree;
//! its locales are the directories present. Each check reports PASS or FAIL with
//! one `file:line: problem` per finding; the command fails if any check fails.
//!
//! - `ftl-syntax`: every file parses (`fluent-syntax`), and no message or term
//!   is defined twice in one component and locale.
//! - `same-ids`: every message and term of a component exists in each of its
//!   locales.
//! - `same-variables`: each message (and term) uses the same set of `$variables`
//!   in every locale, counting those in selectors, attributes and function
//!   arguments such as `JOSA($name, "을/를")`.
//! - `message-keys`: every literal key of `Message::new("…")` in Rust code is a
//!   message (or `message.attribute`) that some component defines in all of its
//!   locales.
//! - `validation-messages`: every validation error code — the literal of
//!   `ValidationError::new("…")`, each `code = "…"` inside `#[validate(…)]`, and
//!   the built-in validator codes ([`BUILTIN_VALIDATION_CODES`]) — has a message
//!   `validation-{code}` that some component defines in all of its locales.
//!
//! Rust code is read from every `.rs` file under `crates/` and `examples/`,
//! except test code, which uses fixture catalogs: `tests/` and `benches/`
//! directories, items under `#[cfg(test)]`, comments (so doc examples), and
//! lines carrying the comment `i18n-check: ignore`. Keys computed at run time
//! (`Message::new(kind.title_key())`) cannot be checked and are skipped.
//!
//! Each file is parsed with `syn` and its syntax tree walked; macro bodies,
//! which `syn` leaves as token streams (`format!`, `vec!`, `macro_rules!`),
//! and files `syn` cannot parse are matched token by token instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use cargo_metadata::MetadataCommand;
use fluent_syntax::ast;
use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, ExprCall, ExprLit, Lit, LitStr, Macro, Meta};

use crate::check::{Check, print_report};

/// The error codes of the `validator` crate's built-in validators, as
/// egov-validation defines them (one list, shared). Each needs a
/// `validation-{code}` message.
pub(crate) const BUILTIN_VALIDATION_CODES: &[&str] = egov_validation::problem::BUILTIN_CODES;

/// Top-level directories whose Rust code is scanned for keys and codes.
const SCANNED_DIRS: &[&str] = &["crates", "examples"];

/// Directories never scanned for Rust code.
const SKIPPED_DIRS: &[&str] = &["target", "tests", "benches"];

/// A comment that exempts its line from the key and code checks.
const IGNORE_MARKER: &str = "i18n-check: ignore";

/// One `.ftl` file.
#[derive(Debug, Clone)]
pub(crate) struct FtlFile {
    /// Path shown in reports (relative to the workspace root).
    pub(crate) path: PathBuf,
    /// The locale directory it sits in.
    pub(crate) locale: String,
    pub(crate) source: String,
}

/// A package with a `locales/` tree.
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub(crate) name: String,
    pub(crate) files: Vec<FtlFile>,
}

/// One Rust source file.
#[derive(Debug, Clone)]
pub(crate) struct RustFile {
    /// Path shown in reports (relative to the workspace root).
    pub(crate) path: PathBuf,
    pub(crate) source: String,
}

/// Everything the checks read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inventory {
    pub(crate) components: Vec<Component>,
    pub(crate) rust: Vec<RustFile>,
}

/// Runs every check on the workspace at `root`, printing PASS/FAIL per check.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    let inventory = load(root)?;
    let checks = check(&inventory);
    let failed = print_report(&checks);
    let files: usize = inventory.components.iter().map(|c| c.files.len()).sum();
    let uses = scan_rust(&inventory.rust);
    println!(
        "i18n-check: {} components with locales ({files} .ftl files); {} Rust files with {} \
         literal message keys and {} validation codes (+{} built-in)",
        inventory.components.len(),
        inventory.rust.len(),
        uses.message_keys.len(),
        uses.validation_codes.len(),
        BUILTIN_VALIDATION_CODES.len()
    );
    if failed.is_empty() {
        println!("i18n-check: all {} checks passed", checks.len());
        Ok(())
    } else {
        let problems: usize = checks.iter().map(|c| c.problems.len()).sum();
        Err(format!(
            "i18n-check: {} of {} checks failed ({problems} problems): {}",
            failed.len(),
            checks.len(),
            failed.join(", ")
        ))
    }
}

// ---------------------------------------------------------------------------
// Loading

/// Reads the components (workspace packages with `locales/`, from
/// `cargo metadata`) and the Rust files under [`SCANNED_DIRS`].
fn load(root: &Path) -> Result<Inventory, String> {
    let metadata = MetadataCommand::new()
        .cargo_path(crate::cargo())
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|error| format!("`cargo metadata` failed: {error}"))?;
    let packages: Vec<(String, PathBuf)> = metadata
        .workspace_packages()
        .into_iter()
        .filter_map(|package| {
            let dir = package.manifest_path.parent()?.as_std_path().to_path_buf();
            Some((package.name.to_string(), dir))
        })
        .collect();
    load_from(root, &packages)
}

/// [`load`] for the given (package name, package directory) pairs.
pub(crate) fn load_from(root: &Path, packages: &[(String, PathBuf)]) -> Result<Inventory, String> {
    let mut components = Vec::new();
    for (name, dir) in packages {
        if let Some(component) = load_component(root, name, &dir.join("locales"))? {
            components.push(component);
        }
    }
    components.sort_by(|a, b| a.name.cmp(&b.name));
    let mut rust = Vec::new();
    for top in SCANNED_DIRS {
        collect_rust(root, &root.join(top), &mut rust)?;
    }
    rust.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Inventory { components, rust })
}

fn load_component(root: &Path, name: &str, locales: &Path) -> Result<Option<Component>, String> {
    if !locales.is_dir() {
        return Ok(None);
    }
    let mut files = Vec::new();
    for locale_dir in sorted_entries(locales)? {
        if !locale_dir.is_dir() {
            continue;
        }
        let locale = file_name(&locale_dir);
        for file in sorted_entries(&locale_dir)? {
            if file.extension().is_some_and(|ext| ext == "ftl") && file.is_file() {
                let source = fs::read_to_string(&file)
                    .map_err(|error| format!("{}: cannot read: {error}", file.display()))?;
                files.push(FtlFile {
                    path: relative(root, &file),
                    locale: locale.clone(),
                    source,
                });
            }
        }
    }
    Ok((!files.is_empty()).then(|| Component {
        name: name.to_owned(),
        files,
    }))
}

fn collect_rust(root: &Path, dir: &Path, out: &mut Vec<RustFile>) -> Result<(), String> {
    if !dir.is_dir() {
        return Ok(());
    }
    for path in sorted_entries(dir)? {
        let name = file_name(&path);
        if path.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                collect_rust(root, &path, out)?;
            }
        } else if name.ends_with(".rs") {
            let source = fs::read_to_string(&path)
                .map_err(|error| format!("{}: cannot read: {error}", path.display()))?;
            out.push(RustFile {
                path: relative(root, &path),
                source,
            });
        }
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|error| format!("{}: cannot list: {error}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

// ---------------------------------------------------------------------------
// The checks

/// A message or term as defined in one file.
#[derive(Debug, Clone)]
struct Entry {
    /// `id` for messages, `-id` for terms.
    id: String,
    file: PathBuf,
    line: usize,
    variables: BTreeSet<String>,
    attributes: BTreeSet<String>,
    /// Whether it has a value (a message may have only attributes).
    has_value: bool,
    is_term: bool,
}

impl Entry {
    fn at(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }

    fn kind(&self) -> &'static str {
        if self.is_term { "term" } else { "message" }
    }
}

/// A component's entries: locale → id → entry (the first definition).
#[derive(Debug)]
struct Catalog {
    name: String,
    locales: BTreeMap<String, BTreeMap<String, Entry>>,
}

/// Runs every check over `inventory`.
pub(crate) fn check(inventory: &Inventory) -> Vec<Check> {
    let mut syntax = Vec::new();
    let catalogs: Vec<Catalog> = inventory
        .components
        .iter()
        .map(|component| index_component(component, &mut syntax))
        .collect();
    let uses = scan_rust(&inventory.rust);
    vec![
        Check {
            name: "ftl-syntax",
            what: "every .ftl file parses and defines each id once per locale",
            problems: syntax,
        },
        Check {
            name: "same-ids",
            what: "every message and term of a crate exists in each of its locales",
            problems: check_same_ids(&catalogs),
        },
        Check {
            name: "same-variables",
            what: "each message uses the same $variables in every locale",
            problems: check_same_variables(&catalogs),
        },
        Check {
            name: "message-keys",
            what: "every Message::new(\"…\") key is defined in all locales of some crate",
            problems: [
                uses.unreadable.clone(),
                check_message_keys(&catalogs, &uses.message_keys),
            ]
            .concat(),
        },
        Check {
            name: "validation-messages",
            what: "every validation error code has a `validation-{code}` message",
            problems: check_validation_codes(&catalogs, &uses.validation_codes),
        },
    ]
}

/// Parses a component's files into a [`Catalog`]; syntax errors and duplicate
/// definitions go to `problems`.
fn index_component(component: &Component, problems: &mut Vec<String>) -> Catalog {
    let mut locales: BTreeMap<String, BTreeMap<String, Entry>> = BTreeMap::new();
    for file in &component.files {
        let entries = locales.entry(file.locale.clone()).or_default();
        let resource = match fluent_syntax::parser::parse(file.source.as_str()) {
            Ok(resource) => resource,
            Err((resource, errors)) => {
                for error in errors {
                    let noticed = line_of(&file.source, error.pos.start);
                    // The broken entry starts at the first non-blank character
                    // of the slice the parser skipped.
                    let start = error.slice.as_ref().map_or(error.pos.start, |slice| {
                        let from = slice.start.min(error.pos.start);
                        let skipped = file.source.get(from..error.pos.start).unwrap_or("");
                        from + (skipped.len() - skipped.trim_start().len())
                    });
                    let line = line_of(&file.source, start);
                    let noticed = if noticed == line {
                        String::new()
                    } else {
                        format!(" (noticed at line {noticed})")
                    };
                    problems.push(format!(
                        "{}:{line}: syntax error in this entry: {}{noticed}",
                        file.path.display(),
                        error.kind
                    ));
                }
                resource
            }
        };
        for entry in parse_entries(file, &resource) {
            match entries.get(&entry.id) {
                Some(first) => problems.push(format!(
                    "{}: {} `{}` is defined again (first at {}); the later definition wins at \
                     run time",
                    entry.at(),
                    entry.kind(),
                    entry.id,
                    first.at()
                )),
                None => {
                    entries.insert(entry.id.clone(), entry);
                }
            }
        }
    }
    Catalog {
        name: component.name.clone(),
        locales,
    }
}

/// The messages and terms of one parsed file, with their lines.
fn parse_entries(file: &FtlFile, resource: &ast::Resource<&str>) -> Vec<Entry> {
    let mut lines = definition_lines(&file.source);
    let mut next_line = |id: &str| {
        lines
            .get_mut(id)
            .and_then(|queue| (!queue.is_empty()).then(|| queue.remove(0)))
            .unwrap_or(0)
    };
    let mut entries = Vec::new();
    for entry in &resource.body {
        let (id, is_term, value, attributes) = match entry {
            ast::Entry::Message(message) => (
                message.id.name.to_owned(),
                false,
                message.value.as_ref(),
                &message.attributes,
            ),
            ast::Entry::Term(term) => (
                format!("-{}", term.id.name),
                true,
                Some(&term.value),
                &term.attributes,
            ),
            _ => continue,
        };
        let mut variables = BTreeSet::new();
        if let Some(value) = value {
            pattern_variables(value, &mut variables);
        }
        for attribute in attributes {
            pattern_variables(&attribute.value, &mut variables);
        }
        let line = next_line(&id);
        entries.push(Entry {
            id,
            file: file.path.clone(),
            line,
            variables,
            attributes: attributes.iter().map(|a| a.id.name.to_owned()).collect(),
            has_value: value.is_some(),
            is_term,
        });
    }
    entries
}

/// id (`-id` for terms) → the 1-based lines where it is defined, in order: a
/// definition is a line starting (in column 1) with an identifier and `=`.
fn definition_lines(source: &str) -> BTreeMap<String, Vec<usize>> {
    let mut lines: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, line) in source.lines().enumerate() {
        let (prefix, rest) = match line.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", line),
        };
        let id_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        let (id, after) = rest.split_at(id_len);
        if id.starts_with(|c: char| c.is_ascii_alphabetic()) && after.trim_start().starts_with('=')
        {
            lines
                .entry(format!("{prefix}{id}"))
                .or_default()
                .push(index + 1);
        }
    }
    lines
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn pattern_variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                pattern_variables(&variant.value, out);
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, out),
    }
}

fn inline_variables(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. }
        | ast::InlineExpression::TermReference {
            arguments: Some(arguments),
            ..
        } => {
            for argument in &arguments.positional {
                inline_variables(argument, out);
            }
            for argument in &arguments.named {
                inline_variables(&argument.value, out);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_variables(expression, out),
        _ => {}
    }
}

/// (a) every id of a component in each of its locales.
fn check_same_ids(catalogs: &[Catalog]) -> Vec<String> {
    let mut problems = Vec::new();
    for catalog in catalogs {
        let mut ids: BTreeMap<&str, &Entry> = BTreeMap::new();
        for entries in catalog.locales.values() {
            for (id, entry) in entries {
                ids.entry(id).or_insert(entry);
            }
        }
        for (id, first) in ids {
            for (locale, entries) in &catalog.locales {
                if !entries.contains_key(id) {
                    problems.push(format!(
                        "{}: {} `{id}` of `{}` is missing from locale `{locale}`",
                        first.at(),
                        first.kind(),
                        catalog.name
                    ));
                }
            }
        }
    }
    problems
}

/// (b) the same variables in every locale.
fn check_same_variables(catalogs: &[Catalog]) -> Vec<String> {
    let mut problems = Vec::new();
    for catalog in catalogs {
        let mut by_id: BTreeMap<&str, Vec<(&str, &Entry)>> = BTreeMap::new();
        for (locale, entries) in &catalog.locales {
            for (id, entry) in entries {
                by_id.entry(id).or_default().push((locale, entry));
            }
        }
        for (id, definitions) in by_id {
            let all: BTreeSet<&str> = definitions
                .iter()
                .flat_map(|(_, entry)| entry.variables.iter().map(String::as_str))
                .collect();
            for (locale, entry) in &definitions {
                let missing: Vec<String> = all
                    .iter()
                    .filter(|name| !entry.variables.contains(**name))
                    .map(|name| format!("${name}"))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let others: Vec<String> = definitions
                    .iter()
                    .filter(|(other, e)| other != locale && e.variables != entry.variables)
                    .map(|(other, e)| format!("{other} at {}", e.at()))
                    .collect();
                problems.push(format!(
                    "{}: {} `{id}` in locale `{locale}` does not use {} (used in {})",
                    entry.at(),
                    entry.kind(),
                    missing.join(", "),
                    others.join("; ")
                ));
            }
        }
    }
    problems
}

/// Where a message id is defined completely, or why not.
fn lookup(catalogs: &[Catalog], key: &str) -> Result<(), String> {
    let (id, attribute) = match key.split_once('.') {
        Some((id, attribute)) => (id, Some(attribute)),
        None => (key, None),
    };
    let has = |entries: &BTreeMap<String, Entry>| {
        entries.get(id).is_some_and(|entry| {
            !entry.is_term
                && match attribute {
                    Some(attribute) => entry.attributes.contains(attribute),
                    None => entry.has_value,
                }
        })
    };
    let mut partial = Vec::new();
    for catalog in catalogs {
        let missing: Vec<&str> = catalog
            .locales
            .iter()
            .filter(|(_, entries)| !has(entries))
            .map(|(locale, _)| locale.as_str())
            .collect();
        if missing.is_empty() && !catalog.locales.is_empty() {
            return Ok(());
        }
        if missing.len() < catalog.locales.len() {
            partial.push(format!(
                "`{}` lacks it in locale(s) {}",
                catalog.name,
                missing.join(", ")
            ));
        }
    }
    if partial.is_empty() {
        Err("no crate's locales/ define it".to_owned())
    } else {
        Err(partial.join("; "))
    }
}

/// (c) literal `Message::new` keys exist.
fn check_message_keys(catalogs: &[Catalog], uses: &[Use]) -> Vec<String> {
    uses.iter()
        .filter_map(|used| {
            lookup(catalogs, &used.text).err().map(|why| {
                format!(
                    "{}:{}: message key `{}` is not defined: {why}",
                    used.file.display(),
                    used.line,
                    used.text
                )
            })
        })
        .collect()
}

/// (d) every validation code has a `validation-{code}` message.
fn check_validation_codes(catalogs: &[Catalog], uses: &[Use]) -> Vec<String> {
    let mut codes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for code in BUILTIN_VALIDATION_CODES {
        codes
            .entry(code)
            .or_default()
            .push("xtask/src/i18n.rs (built-in validator code)".to_owned());
    }
    for used in uses {
        codes
            .entry(&used.text)
            .or_default()
            .push(format!("{}:{}", used.file.display(), used.line));
    }
    codes
        .into_iter()
        .filter_map(|(code, places)| {
            let id = validation_message_id(code);
            lookup(catalogs, &id).err().map(|why| {
                let more = match places.len() {
                    1 => String::new(),
                    n => format!(" (and {} more uses)", n - 1),
                };
                format!(
                    "{}: validation code `{code}` has no message `{id}`: {why}{more}",
                    places[0]
                )
            })
        })
        .collect()
}

/// The message id of a validation error code.
pub(crate) fn validation_message_id(code: &str) -> String {
    format!("validation-{code}")
}

// ---------------------------------------------------------------------------
// Scanning Rust code

/// A literal found in Rust code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Use {
    pub(crate) file: PathBuf,
    pub(crate) line: usize,
    pub(crate) text: String,
}

/// Literal message keys and validation codes in non-test code.
#[derive(Debug, Default)]
pub(crate) struct Uses {
    pub(crate) message_keys: Vec<Use>,
    pub(crate) validation_codes: Vec<Use>,
    /// Files neither parsed nor tokenized, one problem each.
    pub(crate) unreadable: Vec<String>,
}

fn scan_rust(files: &[RustFile]) -> Uses {
    let mut uses = Uses::default();
    for file in files {
        let mut scanner = Scanner {
            file,
            ignored: ignored_lines(&file.source),
            uses: &mut uses,
        };
        match syn::parse_file(&file.source) {
            Ok(tree) => scanner.visit_file(&tree),
            // Code `syn` does not parse (newer syntax, say) is still scanned
            // token by token, as macro bodies are.
            Err(_) => match file.source.parse::<TokenStream>() {
                Ok(tokens) => scanner.scan_tokens(tokens),
                Err(lex_error) => uses.unreadable.push(format!(
                    "{}:{}: cannot be read as Rust ({lex_error}); its message keys and \
                     validation codes are not checked",
                    file.path.display(),
                    lex_error.span().start().line
                )),
            },
        }
    }
    uses
}

/// The 1-based lines whose `//` comment carries [`IGNORE_MARKER`]. Comments
/// are not in the syntax tree, so this reads the raw lines.
fn ignored_lines(source: &str) -> BTreeSet<usize> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            line.split_once("//")
                .is_some_and(|(_, comment)| comment.contains(IGNORE_MARKER))
        })
        .map(|(index, _)| index + 1)
        .collect()
}

/// Collects the [`Uses`] of one file: walks its syntax tree, skipping what
/// carries `#[cfg(test)]`, and the token streams of macro calls (which `syn`
/// leaves unparsed).
struct Scanner<'a> {
    file: &'a RustFile,
    ignored: BTreeSet<usize>,
    uses: &'a mut Uses,
}

impl Scanner<'_> {
    /// Records `literal` as a validation code (`code`) or a message key,
    /// unless its line is marked [`IGNORE_MARKER`].
    fn record(&mut self, code: bool, literal: &LitStr) {
        let line = literal.span().start().line;
        if self.ignored.contains(&line) {
            return;
        }
        let found = Use {
            file: self.file.path.clone(),
            line,
            text: literal.value(),
        };
        if code {
            self.uses.validation_codes.push(found);
        } else {
            self.uses.message_keys.push(found);
        }
    }

    /// `ty::new(literal)`: a message key for `Message`, a validation code for
    /// `ValidationError`.
    fn new_call(&mut self, ty: &Ident, literal: &LitStr) {
        if ty == "Message" {
            self.record(false, literal);
        } else if ty == "ValidationError" {
            self.record(true, literal);
        }
    }

    /// The `code = "…"` literals of a `#[validate(…)]` attribute.
    fn validate_attribute(&mut self, meta: &Meta) {
        if let Meta::List(list) = meta
            && list.path.is_ident("validate")
        {
            self.validate_codes(list.tokens.clone());
        }
    }

    /// `code = "…"` at any depth of `tokens`.
    fn validate_codes(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, token) in tokens.iter().enumerate() {
            match (token, &tokens[i + 1..]) {
                (
                    TokenTree::Ident(code),
                    [TokenTree::Punct(eq), TokenTree::Literal(literal), ..],
                ) if code == "code" && eq.as_char() == '=' => {
                    if let Lit::Str(literal) = Lit::new(literal.clone()) {
                        self.record(true, &literal);
                    }
                }
                (TokenTree::Group(group), _) => self.validate_codes(group.stream()),
                _ => {}
            }
        }
    }

    /// A token stream (a macro body): the same calls and attributes matched
    /// token by token, in nested groups too, without the item after each
    /// `#[cfg(test)]`.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            if let [TokenTree::Punct(hash), TokenTree::Group(group), ..] = &tokens[i..]
                && hash.as_char() == '#'
                && group.delimiter() == Delimiter::Bracket
                && let Ok(meta) = syn::parse2::<Meta>(group.stream())
            {
                if is_cfg_test(&meta) {
                    i = end_of_item(&tokens, i + 2);
                    continue;
                }
                self.validate_attribute(&meta);
            }
            if let Some((ty, literal)) = new_call_tokens(&tokens[i..]) {
                self.new_call(ty, &literal);
            }
            if let TokenTree::Group(group) = &tokens[i] {
                self.scan_tokens(group.stream());
            }
            i += 1;
        }
    }
}

/// Visits a node unless one of its attributes is `#[cfg(test)]`.
macro_rules! unless_cfg_test {
    ($($method:ident($node:ty);)*) => {$(
        fn $method(&mut self, node: &'ast $node) {
            if !node.attrs.iter().any(|attribute| is_cfg_test(&attribute.meta)) {
                visit::$method(self, node);
            }
        }
    )*};
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    unless_cfg_test! {
        visit_file(syn::File);
        visit_item_const(syn::ItemConst);
        visit_item_enum(syn::ItemEnum);
        visit_item_fn(syn::ItemFn);
        visit_item_impl(syn::ItemImpl);
        visit_item_macro(syn::ItemMacro);
        visit_item_mod(syn::ItemMod);
        visit_item_static(syn::ItemStatic);
        visit_item_struct(syn::ItemStruct);
        visit_item_trait(syn::ItemTrait);
        visit_item_union(syn::ItemUnion);
        visit_impl_item_const(syn::ImplItemConst);
        visit_impl_item_fn(syn::ImplItemFn);
        visit_impl_item_macro(syn::ImplItemMacro);
        visit_trait_item_const(syn::TraitItemConst);
        visit_trait_item_fn(syn::TraitItemFn);
        visit_trait_item_macro(syn::TraitItemMacro);
        visit_local(syn::Local);
        visit_stmt_macro(syn::StmtMacro);
        visit_expr_block(syn::ExprBlock);
        visit_expr_macro(syn::ExprMacro);
        visit_expr_method_call(syn::ExprMethodCall);
        visit_field(syn::Field);
        visit_variant(syn::Variant);
        visit_arm(syn::Arm);
    }

    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        if call
            .attrs
            .iter()
            .any(|attribute| is_cfg_test(&attribute.meta))
        {
            return;
        }
        if let Expr::Path(function) = &*call.func
            && let [.., ty, new] = Vec::from_iter(&function.path.segments)[..]
            && new.ident == "new"
            && call.args.len() == 1
            && let Some(Expr::Lit(ExprLit {
                lit: Lit::Str(literal),
                ..
            })) = call.args.first()
        {
            self.new_call(&ty.ident, literal);
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_attribute(&mut self, attribute: &'ast Attribute) {
        self.validate_attribute(&attribute.meta);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        self.scan_tokens(mac.tokens.clone());
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        match item {
            syn::Item::Verbatim(tokens) => self.scan_tokens(tokens.clone()),
            _ => visit::visit_item(self, item),
        }
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Verbatim(tokens) => self.scan_tokens(tokens.clone()),
            _ => visit::visit_expr(self, expr),
        }
    }
}

/// Whether `meta` is `cfg(test)`.
fn is_cfg_test(meta: &Meta) -> bool {
    match meta {
        Meta::List(list) => list.path.is_ident("cfg") && list.tokens.to_string() == "test",
        _ => false,
    }
}

/// The index after the item starting at `from`: past its `;`, or past its
/// `{ … }`.
fn end_of_item(tokens: &[TokenTree], from: usize) -> usize {
    tokens[from..]
        .iter()
        .position(|token| match token {
            TokenTree::Punct(punct) => punct.as_char() == ';',
            TokenTree::Group(group) => group.delimiter() == Delimiter::Brace,
            _ => false,
        })
        .map_or(tokens.len(), |at| from + at + 1)
}

/// `ty::new("literal")` (or `ty::new("literal",)`) at the start of `tokens`.
fn new_call_tokens(tokens: &[TokenTree]) -> Option<(&Ident, LitStr)> {
    let [
        TokenTree::Ident(ty),
        TokenTree::Punct(colon1),
        TokenTree::Punct(colon2),
        TokenTree::Ident(new),
        TokenTree::Group(args),
        ..,
    ] = tokens
    else {
        return None;
    };
    if colon1.as_char() != ':' || colon2.as_char() != ':' || new != "new" {
        return None;
    }
    if args.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let args: Vec<TokenTree> = args.stream().into_iter().collect();
    // `)`, or `,` `)` as rustfmt writes a call split over lines.
    let literal = match &args[..] {
        [TokenTree::Literal(literal)] => literal,
        [TokenTree::Literal(literal), TokenTree::Punct(comma)] if comma.as_char() == ',' => literal,
        _ => return None,
    };
    match Lit::new(literal.clone()) {
        Lit::Str(literal) => Some((ty, literal)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftl(path: &str, locale: &str, source: &str) -> FtlFile {
        FtlFile {
            path: PathBuf::from(path),
            locale: locale.to_owned(),
            source: source.to_owned(),
        }
    }

    fn rust(path: &str, source: &str) -> RustFile {
        RustFile {
            path: PathBuf::from(path),
            source: source.to_owned(),
        }
    }

    /// `validation-{code}` for every built-in code, in one locale's FTL.
    fn builtin_validation_messages() -> String {
        BUILTIN_VALIDATION_CODES
            .iter()
            .map(|code| format!("{} = invalid\n", validation_message_id(code)))
            .collect()
    }

    /// A consistent workspace: one crate with ko/en, a validation crate, code
    /// that uses the messages.
    fn consistent() -> Inventory {
        let validation = builtin_validation_messages() + "validation-rrn = bad\n";
        Inventory {
            components: vec![
                Component {
                    name: "egov-core".into(),
                    files: vec![
                        ftl(
                            "crates/egov-core/locales/en/egov-core.ftl",
                            "en",
                            "# comment\nhello = Hello, { $name }\n-brand = egov\nitems = { $count ->\n    [one] one\n   *[other] { $count }\n}\nform = Form\n    .title = Title { $n }\n",
                        ),
                        ftl(
                            "crates/egov-core/locales/ko/egov-core.ftl",
                            "ko",
                            "hello = { JOSA($name, \"아/야\") } 안녕\n-brand = 이거브\nitems = { $count }개\nform = 양식\n    .title = 제목 { NUMBER($n) }\n",
                        ),
                    ],
                },
                Component {
                    name: "egov-validation".into(),
                    files: vec![
                        ftl("crates/egov-validation/locales/ko/v.ftl", "ko", &validation),
                        ftl("crates/egov-validation/locales/en/v.ftl", "en", &validation),
                    ],
                },
            ],
            rust: vec![rust(
                "crates/egov-web/src/lib.rs",
                r#"
fn f() -> Message {
    // Message::new("in-a-comment") is not code.
    let _ = ValidationError::new("rrn");
    Message::new("hello").arg("name", "x");
    Message::new("form.title");
    Message::new(
        "items",
    )
}
#[derive(Validate)]
struct S {
    #[validate(length(min = 1, code = "length"), custom(function = "rrn", code = "rrn"))]
    id: String,
}
#[cfg(test)]
mod tests {
    fn t() { Message::new("fixture-key"); ValidationError::new("fixture"); }
}
"#,
            )],
        }
    }

    fn problems(inventory: &Inventory) -> BTreeMap<&'static str, Vec<String>> {
        check(inventory)
            .into_iter()
            .map(|check| (check.name, check.problems))
            .collect()
    }

    fn failing(inventory: &Inventory) -> Vec<(&'static str, Vec<String>)> {
        problems(inventory)
            .into_iter()
            .filter(|(_, problems)| !problems.is_empty())
            .collect()
    }

    #[test]
    fn a_consistent_set_passes() {
        assert_eq!(failing(&consistent()), vec![]);
    }

    #[test]
    fn a_key_missing_in_one_locale_fails() {
        let mut inventory = consistent();
        inventory.components[0].files[1].source =
            "hello = { $name } 안녕\nitems = { $count }개\nform = 양식\n    .title = 제목 { $n }\n"
                .into();
        let failing = failing(&inventory);
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert_eq!(failing[0].0, "same-ids");
        assert_eq!(
            failing[0].1,
            [
                "crates/egov-core/locales/en/egov-core.ftl:3: term `-brand` of `egov-core` is \
              missing from locale `ko`"
            ]
        );
    }

    #[test]
    fn a_variable_mismatch_fails() {
        let mut inventory = consistent();
        inventory.components[0].files[1].source = inventory.components[0].files[1]
            .source
            .replace("JOSA($name, \"아/야\")", "JOSA($user, \"아/야\")");
        let failing = failing(&inventory);
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert_eq!(failing[0].0, "same-variables");
        let problems = &failing[0].1;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "crates/egov-core/locales/en/egov-core.ftl:2: message `hello` in locale `en` \
                 does not use $user"
            ),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with(
                "crates/egov-core/locales/ko/egov-core.ftl:1: message `hello` in locale `ko` \
                 does not use $name"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn variables_in_selectors_and_attributes_count() {
        let mut inventory = consistent();
        // en's selector uses $count; ko's attribute drops $n.
        inventory.components[0].files[1].source = inventory.components[0].files[1]
            .source
            .replace("items = { $count }개", "items = 여러 개")
            .replace("NUMBER($n)", "NUMBER(1)");
        let failing = failing(&inventory);
        assert_eq!(failing.len(), 1, "{failing:?}");
        let joined = failing[0].1.join("\n");
        assert!(
            joined.contains("`items` in locale `ko` does not use $count"),
            "{joined}"
        );
        assert!(
            joined.contains("`form` in locale `ko` does not use $n"),
            "{joined}"
        );
    }

    #[test]
    fn an_unknown_message_key_fails() {
        let mut inventory = consistent();
        inventory.rust.push(rust(
            "examples/app/src/main.rs",
            "fn main() {\n    let m = egov::Message::new(\"helo\");\n    let a = Message::new(\"form.nope\");\n    let ok = Message::new(\"x\"); // i18n-check: ignore\n}\n",
        ));
        let failing = failing(&inventory);
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert_eq!(failing[0].0, "message-keys");
        assert_eq!(
            failing[0].1,
            [
                "examples/app/src/main.rs:2: message key `helo` is not defined: no crate's \
                 locales/ define it",
                "examples/app/src/main.rs:3: message key `form.nope` is not defined: no \
                 crate's locales/ define it",
            ]
        );
    }

    #[test]
    fn a_key_defined_in_only_some_locales_is_reported_with_the_crate() {
        let mut inventory = consistent();
        inventory.components[0].files[0]
            .source
            .push_str("only-en = English\n");
        inventory.rust.push(rust(
            "crates/x/src/lib.rs",
            "fn f() { Message::new(\"only-en\"); }\n",
        ));
        let problems = problems(&inventory);
        assert_eq!(problems["same-ids"].len(), 1);
        assert_eq!(
            problems["message-keys"],
            [
                "crates/x/src/lib.rs:1: message key `only-en` is not defined: `egov-core` lacks \
              it in locale(s) ko"
            ]
        );
    }

    #[test]
    fn validation_codes_need_messages() {
        let mut inventory = consistent();
        inventory.components.truncate(1);
        inventory.rust.push(rust(
            "crates/egov-validation/src/kr.rs",
            "fn f() { ValidationError::new(\"brn\"); }\n",
        ));
        let problems = problems(&inventory);
        let found = &problems["validation-messages"];
        // 11 built-in codes, `rrn` (used twice) and `brn`.
        assert_eq!(found.len(), BUILTIN_VALIDATION_CODES.len() + 2, "{found:?}");
        assert!(
            found.contains(
                &"crates/egov-validation/src/kr.rs:1: validation code `brn` has no message \
              `validation-brn`: no crate's locales/ define it"
                    .to_owned()
            )
        );
        assert!(
            found.contains(
                &"crates/egov-web/src/lib.rs:4: validation code `rrn` has no message \
              `validation-rrn`: no crate's locales/ define it (and 1 more uses)"
                    .to_owned()
            )
        );
        assert!(
            found.contains(
                &"xtask/src/i18n.rs (built-in validator code): validation code `must_match` has \
              no message `validation-must_match`: no crate's locales/ define it"
                    .to_owned()
            )
        );
    }

    #[test]
    fn syntax_errors_and_duplicates_are_reported_with_lines() {
        let mut inventory = consistent();
        inventory.components[0].files[0]
            .source
            .push_str("broken = { $x\nhello = again\n");
        let problems = problems(&inventory);
        let syntax = &problems["ftl-syntax"];
        assert_eq!(syntax.len(), 2, "{syntax:?}");
        assert!(
            syntax[0].starts_with(
                "crates/egov-core/locales/en/egov-core.ftl:10: syntax error in this entry: "
            ) && syntax[0].ends_with("(noticed at line 11)"),
            "{syntax:?}"
        );
        assert_eq!(
            syntax[1],
            "crates/egov-core/locales/en/egov-core.ftl:11: message `hello` is defined again \
             (first at crates/egov-core/locales/en/egov-core.ftl:2); the later definition wins \
             at run time"
        );
    }

    /// (line, text) of each literal found.
    type Found = Vec<(usize, String)>;

    /// The message keys and validation codes in `source`, and the problem of a
    /// file that cannot be read.
    fn scan(source: &str) -> (Found, Found, Vec<String>) {
        let uses = scan_rust(&[rust("x.rs", source)]);
        let lines = |found: Vec<Use>| found.into_iter().map(|u| (u.line, u.text)).collect();
        (
            lines(uses.message_keys),
            lines(uses.validation_codes),
            uses.unreadable,
        )
    }

    /// [`scan`] of a file `syn` parses (so the syntax tree is walked).
    fn scan_parsed(source: &str) -> (Found, Found, Vec<String>) {
        if let Err(error) = syn::parse_file(source) {
            panic!(
                "syn does not parse the test source: {error} at {:?}",
                error.span().start()
            );
        }
        scan(source)
    }

    fn owned(found: &[(usize, &str)]) -> Found {
        found
            .iter()
            .map(|&(line, text)| (line, text.to_owned()))
            .collect()
    }

    #[test]
    fn the_syntax_tree_has_no_comments_and_strings_are_not_code() {
        let source = r####"
/* block /* nested */ Message::new("a") */
fn f() {
    let s = "Message::new(\"b\")";
    let r = r#"Message::new("c")"#;
    let lifetime: &'static str = "x"; let ch = '"'; let esc = '\'';
    Message::new("d");
}
#[cfg(test)]
fn helper() { Message::new("e"); }
#[cfg(test)]
use something::Message;
const F: Message = Message::new("f"); // trailing comment
/// Message::new("g") in a doc comment
fn g() -> Message { Message::new(r"h\") }
fn computed(kind: Kind) { Message::new(kind.key()); Message::new("two", "args"); }
"####;
        let (keys, codes, unreadable) = scan_parsed(source);
        assert_eq!(keys, owned(&[(7, "d"), (13, "f"), (15, r"h\")]));
        assert!(
            codes.is_empty() && unreadable.is_empty(),
            "{codes:?} {unreadable:?}"
        );
    }

    #[test]
    fn cfg_test_anywhere_in_the_tree_excludes_its_node() {
        let source = r#"
impl S {
    #[cfg(test)]
    const A: Message = Message::new("impl-const");
    #[cfg(test)]
    fn f() { Message::new("impl-fn"); }
    fn g() {
        #[cfg(test)]
        let x = Message::new("let");
        #[cfg(test)]
        {
            Message::new("block");
        }
        #[cfg(all(test, unix))]
        let y = Message::new("not-plain-cfg-test");
    }
}
#[cfg(test)]
mod tests;
struct V {
    #[cfg(test)]
    #[validate(custom(function = "f", code = "field"))]
    a: String,
}
"#;
        let (keys, codes, _) = scan_parsed(source);
        assert_eq!(keys, owned(&[(15, "not-plain-cfg-test")]));
        assert!(codes.is_empty(), "{codes:?}");
    }

    #[test]
    fn macro_bodies_are_scanned_token_by_token() {
        let source = r#"
fn f(x: Message) -> Vec<Message> {
    let a = format!("{}", Message::new("in-format"));
    assert_eq!(x, Message::new("in-assert"));
    t!(outer!(egov::Message::new(
        "nested",
    )));
    my_macro! {
        #[cfg(test)]
        fn fixture() { Message::new("fixture"); }
        struct S {
            #[validate(length(min = 1, code = "in-macro"))]
            s: String,
        }
        ValidationError::new("macro-code")
        Message::new(computed) Message::new("a", "b") Message::new(b"bytes")
    }
    vec![Message::new("ignored")] // i18n-check: ignore
}
macro_rules! m {
    () => { Message::new("macro-rules") };
}
"#;
        let (keys, codes, unreadable) = scan_parsed(source);
        assert_eq!(
            keys,
            owned(&[
                (3, "in-format"),
                (4, "in-assert"),
                (6, "nested"),
                (21, "macro-rules")
            ])
        );
        assert_eq!(codes, owned(&[(12, "in-macro"), (15, "macro-code")]));
        assert!(unreadable.is_empty(), "{unreadable:?}");
    }

    #[test]
    fn validate_attributes_give_codes_at_any_depth() {
        let source = r#"
#[derive(Validate)]
#[validate(schema(function = "check", code = "struct-level"))]
struct S {
    #[validate(length(min = 1, code = "length"), custom(function = "rrn", code = "rrn"))]
    #[serde(rename = "x", code = "not-validate")]
    id: String,
}
fn f() -> ValidationError { ValidationError::new("call") }
"#;
        let (keys, codes, _) = scan_parsed(source);
        assert!(keys.is_empty(), "{keys:?}");
        assert_eq!(
            codes,
            owned(&[(3, "struct-level"), (5, "length"), (5, "rrn"), (9, "call")])
        );
    }

    #[test]
    fn code_syn_cannot_parse_is_scanned_as_tokens() {
        // Statements at the top level: not a Rust file, but it lexes.
        let source = r####"
/* block /* nested */ Message::new("a") */
let s = "Message::new(\"b\")";
let r = r#"Message::new("c")"#;
let lifetime: &'static str = "x"; let ch = '"'; let esc = '\'';
Message::new("d");
#[cfg(test)]
fn helper() { Message::new("e"); }
#[cfg(test)]
use something::Message;
Message::new("f") // trailing comment
"####;
        let (keys, _, unreadable) = scan(source);
        assert_eq!(keys, owned(&[(6, "d"), (11, "f")]));
        assert!(unreadable.is_empty(), "{unreadable:?}");
    }

    #[test]
    fn code_that_does_not_even_lex_is_reported() {
        let source = "fn f() {}\n\nfn g() {\n    Message::new(\"x\");\n";
        let (keys, _, unreadable) = scan(source);
        assert!(keys.is_empty(), "{keys:?}");
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
        assert!(
            unreadable[0].starts_with("x.rs:3: cannot be read as Rust ("),
            "{unreadable:?}"
        );
    }

    #[test]
    fn ignore_markers_are_read_from_line_comments() {
        let source = "fn f() {\n    Message::new(\"a\"); // i18n-check: ignore\n    \
                      Message::new(\"b\"); /* i18n-check: ignore */\n    \
                      Message::new(\"c\"); // fixture; i18n-check: ignore\n}\n";
        assert_eq!(ignored_lines(source), BTreeSet::from([2, 4]));
        let (keys, _, _) = scan_parsed(source);
        assert_eq!(keys, owned(&[(3, "b")]));
    }

    #[test]
    fn definition_lines_find_messages_and_terms() {
        let lines =
            definition_lines("# c\na = 1\n  .attr = x\n-t = y\nb=2\nnot an id = 3\na = again\n");
        assert_eq!(lines["a"], [2, 7]);
        assert_eq!(lines["-t"], [4]);
        assert_eq!(lines["b"], [5]);
        assert!(!lines.contains_key("not"));
    }

    #[test]
    fn loads_locales_trees_and_rust_files_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write("crates/a/locales/ko/a.ftl", "hi = 안녕\n");
        write("crates/a/locales/en/a.ftl", "hi = Hi\n");
        write("crates/a/locales/en/README.md", "not ftl\n");
        write("crates/a/src/lib.rs", "fn f() { Message::new(\"hi\"); }\n");
        write(
            "crates/a/tests/t.rs",
            "fn f() { Message::new(\"fixture\"); }\n",
        );
        write(
            "crates/a/target/debug/x.rs",
            "fn f() { Message::new(\"built\"); }\n",
        );
        write("crates/b/src/lib.rs", "fn f() { Message::new(\"bye\"); }\n");
        write("examples/e/src/main.rs", "fn main() {}\n");
        let packages = [
            ("a".to_owned(), root.join("crates/a")),
            ("b".to_owned(), root.join("crates/b")),
        ];
        let inventory = load_from(root, &packages).unwrap();
        assert_eq!(inventory.components.len(), 1);
        let files: Vec<(String, &str)> = inventory.components[0]
            .files
            .iter()
            .map(|f| (f.path.display().to_string(), f.locale.as_str()))
            .collect();
        assert_eq!(
            files,
            [
                ("crates/a/locales/en/a.ftl".to_owned(), "en"),
                ("crates/a/locales/ko/a.ftl".to_owned(), "ko"),
            ]
        );
        let rust: Vec<String> = inventory
            .rust
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        assert_eq!(
            rust,
            [
                "crates/a/src/lib.rs",
                "crates/b/src/lib.rs",
                "examples/e/src/main.rs"
            ]
        );
        let problems = problems(&inventory);
        assert_eq!(
            problems["message-keys"],
            [
                "crates/b/src/lib.rs:1: message key `bye` is not defined: no crate's locales/ \
              define it"
            ]
        );
    }
}
