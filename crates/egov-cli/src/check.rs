//! `egov check`: does a service keep the rules that matter at run time?
//!
//! The check looks at what the service's own binary would serve, not at its
//! source: it builds the service (or takes `--binary`), runs it once with
//! `EGOV_CONFORMANCE_REPORT` set — egov-web's `App::serve` then writes its
//! conformance report (routes, policies, audit modes, messages) and returns
//! without serving — on an in-memory SQLite database, and judges the report
//! together with the project's files (`config/*.toml`, `Cargo.lock`,
//! `egov-check.toml`). `--report FILE` judges a report obtained earlier.
//!
//! The rules (each PASS or FAIL; any FAIL exits 1):
//!
//! 1. **policies** — every route has an access policy, and no state-changing
//!    route (any method but GET, HEAD, OPTIONS) is `public` unless allowed with
//!    a reason: the framework's own (`POST /auth/login`, `POST /auth/refresh`:
//!    the credentials are in the body) or the project's
//!    `[[public_writes]] method, path, reason` in `egov-check.toml`;
//! 2. **audit** — the audit layer is installed, no state-changing route is
//!    `off`, and every route the project lists as returning personal data
//!    (`[personal_data] routes = ["GET /api/petitions/{id}"]`) records access
//!    (`personal_data:*` mode);
//! 3. **messages** — every message id exists in both `ko` and `en`, and every
//!    built-in validation code has its `validation-{code}` message in both;
//! 4. **configuration** — no development secret (`insecure-dev-secret:…`) and
//!    no secret value at all in the project's `config/*.toml` (secrets come from
//!    the environment); in the prod profile HSTS is on and CORS allows no `*`;
//! 5. **endpoints** — `/health/live`, `/health/ready` and `/openapi.json` exist;
//! 6. **versions** — `Cargo.lock` holds one version of the framework: each
//!    `egov*` crate once, all at the same version;
//! 7. **migrations** — every `.sql` file under the project's `migrations/` is
//!    registered (its SQL is one the service runs, by checksum): a file
//!    nobody registered builds and starts fine and fails at the first query
//!    with "no such table";
//! 8. **pages** — every page a browser can open is in the layout. The hook
//!    also asks the built service, in process, what a browser gets
//!    (`App::probed_conformance_report`): each public `GET` route without
//!    path parameters and a path no route serves, with a browser's `Accept`,
//!    in each supported language. Every HTML answer must have `<html lang>`
//!    (the language it was served in), a `<main>` landmark with a skip link to
//!    it before it, and the footer's privacy-policy link (`a.egov-privacy`,
//!    as egov-pages' layout writes them) leading to a public page of the
//!    service; every local link and form target on it must be a route of the
//!    service; and HTML needs the page kit (`App::pages`), without which
//!    browsers get problem+json for every error. With the kit, the 404 page
//!    (the kit's) is such a page too. An API-only service (no HTML, no kit)
//!    passes. Routes behind a policy or with path parameters are not probed
//!    (the check has no account and no ids): their pages are the service's
//!    tests' to cover (the template's show how).
//!
//! The report's routes carry their methods: a route added without OpenAPI
//! (`ApiRouter::route`: a page, the kit's assets) gets them from the built
//! service (the `Allow` header of its `405` to `OPTIONS`, or to a method
//! nobody serves), so rules 1 and 2 judge a page's `GET` and its form's `POST`
//! apart.
//!
//! Rule 3 also reads the service's own code (`src/**/*.rs`): every message id
//! it asks for — `Message::new("…")`, `ValidationError::new("…")` and
//! `code = "…"` (as `validation-…`), `ProblemType::new("…", …)` (as
//! `problem-…`) — must exist in both languages, or clients get the raw key.
//!
//! Every problem says how to fix it and where the docs explain it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use clap::Args;
use egov_web::conformance::{ConformanceReport, REPORT_ENV};
use serde::Deserialize;

use crate::context::Failure;

/// `egov check …`
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The service's project directory (its `Cargo.toml`, `config/`, `Cargo.lock`).
    #[arg(long, default_value = ".", value_name = "DIR")]
    project: PathBuf,
    /// The service binary to inspect (default: build the project with cargo).
    #[arg(long, value_name = "PATH", conflicts_with = "report")]
    binary: Option<PathBuf>,
    /// Judge this conformance report instead of running the service.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

/// Public state-changing routes the framework itself declares, with why.
const FRAMEWORK_PUBLIC_WRITES: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/auth/login",
        "the credentials are in the body; throttled per account",
    ),
    (
        "POST",
        "/auth/refresh",
        "the refresh token in the body (or cookie) is the credential",
    ),
    (
        "POST",
        "/auth/session/resume",
        "the session-ended page's login form: the credentials are in the body, with a login-CSRF token",
    ),
];

/// A problem with its fix and the documentation that explains it.
fn fix(problem: impl std::fmt::Display, how: &str, doc: &str) -> String {
    format!("{problem} — fix: {how} (docs/{doc})")
}

/// Methods that must not change state.
const SAFE_METHODS: &[&str] = &["GET", "HEAD", "OPTIONS"];

/// `egov-check.toml`: what the project declares about itself.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectRules {
    /// State-changing routes that are public on purpose.
    #[serde(default)]
    public_writes: Vec<PublicWrite>,
    /// Routes returning personal data.
    #[serde(default)]
    personal_data: PersonalData,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicWrite {
    method: String,
    path: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonalData {
    /// `"METHOD /path/{pattern}"`.
    #[serde(default)]
    routes: Vec<String>,
}

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) rule: &'static str,
    /// Empty when the rule holds.
    pub(crate) problems: Vec<String>,
}

impl Verdict {
    fn new(rule: &'static str, problems: Vec<String>) -> Self {
        Self { rule, problems }
    }

    pub(crate) fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// `in_service`: run from a service's own binary, which is then the binary
/// inspected (nothing to build).
pub(crate) fn run(args: &CheckArgs, in_service: bool) -> Result<ExitCode, Failure> {
    let project = &args.project;
    if !project.join("Cargo.toml").is_file() {
        return Err(Failure::Usage(format!(
            "{}: no Cargo.toml; pass the service's directory with --project",
            project.display()
        )));
    }
    let rules = project_rules(project)?;
    let report = match (&args.report, &args.binary) {
        (Some(path), _) => read_report(path)?,
        (None, Some(binary)) => report_from_binary(binary, project)?,
        (None, None) if in_service => {
            let this = std::env::current_exe()
                .map_err(Failure::file("the running service's executable"))?;
            report_from_binary(&this, project)?
        }
        (None, None) => report_from_binary(&build(project)?, project)?,
    };
    let verdicts = judge(&report, &rules, project)?;
    for verdict in &verdicts {
        if verdict.passed() {
            println!("PASS  {}", verdict.rule);
        } else {
            println!("FAIL  {}", verdict.rule);
            for problem in &verdict.problems {
                println!("      - {problem}");
            }
        }
    }
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    if failed == 0 {
        println!("egov check: all {} rules hold", verdicts.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("egov check: {failed} of {} rules broken", verdicts.len());
        Ok(ExitCode::FAILURE)
    }
}

fn project_rules(project: &Path) -> Result<ProjectRules, Failure> {
    let path = project.join("egov-check.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProjectRules::default()),
        Err(e) => Err(Failure::file(path.display().to_string())(e)),
    }
}

fn read_report(path: &Path) -> Result<ConformanceReport, Failure> {
    let text = std::fs::read_to_string(path).map_err(Failure::file(path.display().to_string()))?;
    serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{}: not a conformance report: {e}", path.display())))
}

/// Builds the project's binary with cargo; returns its path.
fn build(project: &Path) -> Result<PathBuf, Failure> {
    eprintln!("building {} …", project.display());
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(project)
        .args(["build", "--quiet", "--bins", "--message-format=json"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Failure::Usage(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(Failure::Usage(format!(
            "{}: cargo build failed",
            project.display()
        )));
    }
    let manifest = std::fs::canonicalize(project.join("Cargo.toml"))
        .map_err(Failure::file(project.display().to_string()))?;
    // The executable of this package's binary target, from cargo's messages.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| m["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()))
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| {
            Failure::Usage(format!(
                "{}: the package has no binary to check",
                project.display()
            ))
        })
}

/// Runs the service once with the report hook, on an in-memory database.
fn report_from_binary(binary: &Path, project: &Path) -> Result<ConformanceReport, Failure> {
    let scratch = tempfile::tempdir().map_err(Failure::file("temporary directory"))?;
    let path = scratch.path().join("report.json");
    let mut child = Command::new(binary)
        .current_dir(project)
        .env(REPORT_ENV, &path)
        .env("EGOV_PROFILE", "test")
        .env("EGOV__DATABASE__URL", "sqlite::memory:")
        .env("EGOV__SERVER__HOST", "127.0.0.1")
        .env("EGOV__SERVER__PORT", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Failure::file(binary.display().to_string()))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => {
                let _ = child.kill();
                return Err(Failure::Usage(format!(
                    "{} did not finish within 120 s (is it built with egov-web's App::serve?)",
                    binary.display()
                )));
            }
        }
    };
    if !status.success() || !path.is_file() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        return Err(Failure::Usage(format!(
            "{} wrote no conformance report ({status}); it must serve through egov-web's App::serve\n{stderr}",
            binary.display()
        )));
    }
    read_report(&path)
}

/// Every rule's verdict.
pub(crate) fn judge(
    report: &ConformanceReport,
    rules: &ProjectRules,
    project: &Path,
) -> Result<Vec<Verdict>, Failure> {
    Ok(vec![
        policies(report, rules),
        audit(report, rules),
        messages(report, project)?,
        configuration(project)?,
        endpoints(report),
        versions(project)?,
        migrations(report, project)?,
        pages(report),
    ])
}

fn is_write(method: &str) -> bool {
    !SAFE_METHODS.contains(&method)
}

fn policies(report: &ConformanceReport, rules: &ProjectRules) -> Verdict {
    let mut problems = Vec::new();
    for route in &report.routes {
        if route.policy.trim().is_empty() {
            problems.push(fix(
                format_args!("{}: no access policy", route.path),
                "add the route through ApiRouter, which takes an AccessPolicy",
                "web.md#routes-carry-their-policy",
            ));
            continue;
        }
        if route.policy != "public" {
            continue;
        }
        let methods: Vec<&str> = if route.methods.is_empty() {
            vec!["*"]
        } else {
            route.methods.iter().map(String::as_str).collect()
        };
        for method in methods.into_iter().filter(|m| is_write(m)) {
            let allowed = FRAMEWORK_PUBLIC_WRITES
                .iter()
                .any(|(m, p, _)| *m == method && *p == route.path)
                || rules.public_writes.iter().any(|w| {
                    w.method.eq_ignore_ascii_case(method)
                        && w.path == route.path
                        && !w.reason.trim().is_empty()
                });
            if !allowed {
                problems.push(fix(
                    format_args!("{method} {} is public", route.path),
                    "give it a permission, or allow it with a reason in egov-check.toml [[public_writes]]",
                    "web.md#routes-carry-their-policy",
                ));
            }
        }
    }
    Verdict::new(
        "policies: every route has a policy; no unexplained public write",
        problems,
    )
}

fn audit(report: &ConformanceReport, rules: &ProjectRules) -> Verdict {
    let mut problems = Vec::new();
    if !report.audit_layer {
        problems.push(fix(
            "no audit layer: requests are not recorded",
            "install it with App::audit (Services::app does)",
            "audit.md#every-request-from-the-web-stack",
        ));
    }
    for route in &report.routes {
        let Some(modes) = &route.audit else { continue };
        for (method, mode) in modes {
            if is_write(method) && mode == "off" {
                problems.push(fix(
                    format_args!("{method} {} changes state but is not audited", route.path),
                    "remove its RouteAudit::Off from the AuditLayer",
                    "audit.md#every-request-from-the-web-stack",
                ));
            }
        }
    }
    for declared in &rules.personal_data.routes {
        let Some((method, path)) = declared.split_once(' ') else {
            problems.push(fix(
                format_args!(
                    "egov-check.toml personal_data route `{declared}` is not `METHOD /path`"
                ),
                "write it as e.g. \"GET /api/petitions/{id}\"",
                "privacy.md",
            ));
            continue;
        };
        let mode = report
            .routes
            .iter()
            .filter(|r| r.path == path)
            .find_map(|r| r.audit.as_ref()?.get(method).cloned());
        match mode {
            Some(mode) if mode.starts_with("personal_data:") => {}
            Some(mode) => problems.push(fix(
                format_args!(
                    "{declared} returns personal data but is audited as `{mode}`, not as a personal-data access"
                ),
                &format!(
                    "record its reads as personal-data access: services.app(settings).personal_data_route(Method::{method}, \"{path}\", Action::VIEW)"
                ),
                "audit.md#every-request-from-the-web-stack",
            )),
            None => problems.push(fix(
                format_args!("{declared} (personal data) is not a route of the service"),
                "correct or remove it in egov-check.toml [personal_data] routes",
                "privacy.md",
            )),
        }
    }
    Verdict::new(
        "audit: state changes audited; personal-data routes record access",
        problems,
    )
}

fn messages(report: &ConformanceReport, project: &Path) -> Result<Verdict, Failure> {
    let mut problems = Vec::new();
    let empty = BTreeSet::new();
    let ko = report.messages.get("ko").unwrap_or(&empty);
    let en = report.messages.get("en").unwrap_or(&empty);
    let add = "add it to the locale's .ftl file of the service";
    for id in ko.difference(en) {
        problems.push(fix(
            format_args!("`{id}` has no English message"),
            &format!("{add} (locales/en/…)"),
            "i18n.md#message-files",
        ));
    }
    for id in en.difference(ko) {
        problems.push(fix(
            format_args!("`{id}` has no Korean message"),
            &format!("{add} (locales/ko/…)"),
            "i18n.md#message-files",
        ));
    }
    for code in egov_validation::problem::BUILTIN_CODES {
        let id = format!("validation-{code}");
        for (locale, ids) in [("ko", ko), ("en", en)] {
            if !ids.contains(&id) {
                problems.push(fix(
                    format_args!("validation code `{code}` has no {locale} message `{id}`"),
                    "load egov-validation's messages (App::new does) or ship your own",
                    "validation.md",
                ));
            }
        }
    }
    for (id, place) in source_message_ids(project)? {
        let missing: Vec<&str> = [("ko", ko), ("en", en)]
            .into_iter()
            .filter(|(_, ids)| !ids.contains(&id))
            .map(|(locale, _)| locale)
            .collect();
        if !missing.is_empty() {
            problems.push(fix(
                format_args!(
                    "`{id}` ({place}) has no message in {}: clients would see the raw id",
                    missing.join(" and ")
                ),
                &format!("add `{id} = …` to locales/{{ko,en}}/*.ftl"),
                "i18n.md#message-files",
            ));
        }
    }
    Ok(Verdict::new(
        "messages: every id in ko and en; every validation code has a message",
        problems,
    ))
}

/// The `.rs` files under `dir`, recursively, in a stable order.
fn files_under(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

/// The message ids the service's own code asks for (see the module docs),
/// each with its first place (`src/file.rs:line`).
fn source_message_ids(project: &Path) -> Result<BTreeMap<String, String>, Failure> {
    const CALLS: [(&str, &str); 4] = [
        ("Message::new(\"", ""),
        ("ValidationError::new(\"", "validation-"),
        ("code = \"", "validation-"),
        ("ProblemType::new(\"", "problem-"),
    ];
    let mut files = Vec::new();
    files_under(&project.join("src"), "rs", &mut files);
    let mut found = BTreeMap::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(Failure::file(file.display().to_string()))?;
        let shown = file
            .strip_prefix(project)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (number, line) in text.lines().enumerate() {
            for (call, prefix) in CALLS {
                // `code = "…"` counts only inside a `#[validate(…)]` attribute.
                if call.starts_with("code") && !line.contains("validate(") {
                    continue;
                }
                for (at, _) in line.match_indices(call) {
                    let rest = &line[at + call.len()..];
                    let Some(end) = rest.find('"') else { continue };
                    let id = &rest[..end];
                    let plain = !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    if plain {
                        found
                            .entry(format!("{prefix}{id}"))
                            .or_insert_with(|| format!("{shown}:{}", number + 1));
                    }
                }
            }
        }
    }
    Ok(found)
}

/// Rule 7: every SQL file under `migrations/` is one the service runs.
fn migrations(report: &ConformanceReport, project: &Path) -> Result<Verdict, Failure> {
    use sha2::{Digest, Sha256};
    let rule = "migrations: every file in migrations/ is registered";
    let mut files = Vec::new();
    files_under(&project.join("migrations"), "sql", &mut files);
    if files.is_empty() {
        return Ok(Verdict::new(rule, Vec::new()));
    }
    if report.migrations.is_empty() {
        return Ok(Verdict::new(
            rule,
            vec![fix(
                "the service declares no migrations, so none of migrations/ can be found registered",
                "build the App with Services::app, or call App::migrations(SERVICE.migrations)",
                "database.md#migrations-per-crate",
            )],
        ));
    }
    let registered: BTreeSet<&str> = report
        .migrations
        .iter()
        .flat_map(|m| m.sha256.values().map(String::as_str))
        .collect();
    let mut problems = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(Failure::file(file.display().to_string()))?;
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if !registered.contains(digest.as_str()) {
            let shown = file
                .strip_prefix(project)
                .unwrap_or(&file)
                .display()
                .to_string();
            problems.push(fix(
                format_args!(
                    "{shown} is not registered (or differs from the SQL the service runs): it would fail at run time with \"no such table\""
                ),
                &format!(
                    "add Migration::portable(<next version>, \"…\", include_str!(\"../{shown}\")) to the service's MigrationSet in src/lib.rs (`egov generate` does this)"
                ),
                "database.md#migrations-per-crate",
            ));
        }
    }
    Ok(Verdict::new(rule, problems))
}

/// Rule 8: every page a browser can open is in the layout (see the module docs).
fn pages(report: &ConformanceReport) -> Verdict {
    use egov_web::conformance::MISSING_PAGE_PROBE;
    const LAYOUT: &str =
        "render it with egov_pages::Page in a template that extends egov/layout.html";
    const DOC: &str = "pages.md#a-page-in-five-steps";
    let rule = "pages: every page a browser opens is in the layout; browsers get HTML error pages";
    let Some(pages) = &report.pages else {
        return Verdict::new(
            rule,
            vec![fix(
                "the report says nothing of the service's pages (a service built with an older egov-web)",
                "rebuild the service with this egov-web and run `egov check` on it",
                "cli.md#egov-check",
            )],
        );
    };
    // Each problem (text, fix, doc) once, with the pages (for a problem of
    // links, which many pages share) and the languages it was seen in.
    type Seen<'a> = (BTreeSet<String>, BTreeSet<&'a str>);
    let mut found: BTreeMap<(String, String, &str), Seen> = BTreeMap::new();
    let served: BTreeSet<&str> = pages
        .probes
        .iter()
        .filter(|p| p.status == 200 && p.html.is_some())
        .map(|p| p.path.as_str())
        .collect();
    for probe in &pages.probes {
        let locale = probe.locale.as_str();
        let missing = probe.path == MISSING_PAGE_PROBE;
        let place = if missing {
            "the 404 page".to_owned()
        } else {
            format!("GET {}", probe.path)
        };
        let mut seen = |text: String, how: &str, doc: &'static str, on: Option<&str>| {
            let (places, locales) = found.entry((text, how.to_owned(), doc)).or_default();
            places.extend(on.map(str::to_owned));
            locales.insert(locale);
        };
        let mut problem = |text: String, how: &str, doc: &'static str| seen(text, how, doc, None);
        let Some(facts) = &probe.html else {
            if missing && pages.kit {
                problem(
                    format!(
                        "a browser asking for a missing page gets `{}`, not an HTML page",
                        probe.content_type
                    ),
                    "serve the App as built: with App::pages it answers browsers' errors with pages",
                    "pages.md#error-pages",
                );
            }
            continue;
        };
        if !pages.kit && !missing {
            problem(
                format!(
                    "{place} answers HTML, but the App has no page kit: its errors reach browsers as problem+json"
                ),
                &format!("{LAYOUT}, and give the App its pages (App::pages(services.pages()…))"),
                DOC,
            );
        }
        match (&facts.lang, probe.content_language.as_str()) {
            (None, _) => problem(format!("{place}: <html> has no lang"), LAYOUT, DOC),
            (Some(lang), served_in) if !served_in.is_empty() && lang != served_in => problem(
                format!("{place}: <html lang=\"{lang}\"> on a page served in `{served_in}`"),
                &format!("{LAYOUT} (its lang is the negotiated language)"),
                DOC,
            ),
            _ => {}
        }
        if !facts.main {
            problem(format!("{place}: no <main> landmark"), LAYOUT, DOC);
        } else if !facts.skip_link {
            problem(
                format!("{place}: no skip link to the main content (KWCAG 2.4.1)"),
                LAYOUT,
                DOC,
            );
        }
        match &facts.privacy_link {
            None => problem(
                format!(
                    "{place}: no privacy-policy link (개인정보처리방침, a.egov-privacy) in its footer"
                ),
                LAYOUT,
                DOC,
            ),
            Some(href) if !served.contains(href.as_str()) => seen(
                format!(
                    "the footer's privacy-policy link leads to {href}, which is not a public page of the service"
                ),
                "serve the privacy policy there (PIPA art. 30: public, linked from every page), or set [pages] privacy_policy to where it is",
                DOC,
                Some(&place),
            ),
            Some(_) => {}
        }
        for link in &facts.local_links {
            let privacy = facts.privacy_link.as_deref() == Some(link.as_str());
            if !privacy && !report.routes.iter().any(|r| path_matches(&r.path, link)) {
                seen(
                    format!("a link to {link}, which no route of the service serves"),
                    "serve it, or change the link (the layout's home and login links come from [pages])",
                    DOC,
                    Some(&place),
                );
            }
        }
    }
    let problems = found
        .into_iter()
        .map(|((text, how, doc), (places, locales))| {
            let mut seen: Vec<String> = places.into_iter().collect();
            seen.push(locales.into_iter().collect::<Vec<_>>().join(", "));
            fix(format_args!("{text} ({})", seen.join("; ")), &how, doc)
        })
        .collect();
    Verdict::new(rule, problems)
}

/// Whether the route pattern `pattern` (`/notices/{id}`, `/files/{*rest}`)
/// matches the concrete `path`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut patterns = pattern.split('/');
    let mut segments = path.split('/');
    loop {
        match (patterns.next(), segments.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p.starts_with("{*") => return !s.is_empty(),
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') => {
                if s.is_empty() {
                    return false;
                }
            }
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

/// Setting names whose values are secrets: they belong in the environment.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    // Names of keys (which key is active, a key's id) are not secrets.
    if name.ends_with("_id") || name == "active_key" {
        return false;
    }
    ["secret", "password", "material", "private"]
        .iter()
        .any(|s| name.contains(s))
        || name.ends_with("_key")
}

/// A secret setting: its name says so, or it is an entry of a `keys` table
/// (`[privacy.keys] k1 = "…"`).
fn is_secret_path(path: &str) -> bool {
    let mut segments = path.rsplit('.');
    let leaf = segments.next().unwrap_or(path);
    is_secret_name(leaf) || segments.next() == Some("keys")
}

fn secrets_in(value: &toml::Value, path: &str, problems: &mut Vec<String>, file: &str) {
    match value {
        toml::Value::String(text) => {
            if text.starts_with("insecure-dev-secret:") {
                problems.push(fix(
                    format_args!("{file}: `{path}` is a development secret"),
                    "remove it; generate a key with `egov keys` and set it from the environment",
                    "operating.md#keys",
                ));
            } else if is_secret_path(path) && !text.is_empty() {
                problems.push(fix(
                    format_args!("{file}: `{path}` holds a secret"),
                    "set it from the environment (EGOV__SECTION__KEY) and keep config files free of secrets",
                    "operating.md#keys",
                ));
            } else if url_password(text).is_some() {
                problems.push(fix(
                    format_args!("{file}: `{path}` is a URL with a password"),
                    "set the URL from the environment (EGOV__DATABASE__URL)",
                    "database.md#urls-and-the-database-section",
                ));
            }
        }
        toml::Value::Table(table) => {
            for (key, inner) in table {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                secrets_in(inner, &path, problems, file);
            }
        }
        toml::Value::Array(items) => {
            for inner in items {
                secrets_in(inner, path, problems, file);
            }
        }
        _ => {}
    }
}

/// The password of a `scheme://user:password@host` URL, if any.
fn url_password(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("://")?;
    let credentials = rest.split_once('@')?.0;
    let password = credentials.split_once(':')?.1;
    (!password.is_empty()).then_some(password)
}

fn configuration(project: &Path) -> Result<Verdict, Failure> {
    let mut problems = Vec::new();
    let dir = project.join("config");
    let mut files: BTreeMap<String, toml::Value> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path)
                    .map_err(Failure::file(path.display().to_string()))?;
                let name = format!("config/{}", entry.file_name().to_string_lossy());
                match toml::from_str::<toml::Value>(&text) {
                    Ok(value) => {
                        secrets_in(&value, "", &mut problems, &name);
                        files.insert(name, value);
                    }
                    Err(e) => problems.push(format!("{name}: not valid TOML: {e}")),
                }
            }
        }
    }
    // The prod profile: default.toml overridden by prod.toml.
    let setting = |key: &str| {
        ["config/prod.toml", "config/default.toml"]
            .iter()
            .find_map(|file| files.get(*file)?.get("server")?.get(key).cloned())
    };
    if setting("hsts").and_then(|v| v.as_bool()) != Some(true) {
        problems.push(fix(
            "prod profile: server.hsts is not true",
            "set `hsts = true` under [server] in config/prod.toml",
            "web.md#the-server-section",
        ));
    }
    if let Some(origins) = setting("cors_allowed_origins").and_then(|v| v.as_array().cloned())
        && origins.iter().any(|o| o.as_str() == Some("*"))
    {
        problems.push(fix(
            "prod profile: server.cors_allowed_origins contains `*`",
            "list the exact origins that may call the API",
            "web.md#the-server-section",
        ));
    }
    Ok(Verdict::new(
        "configuration: no secrets in config files; prod has HSTS and no CORS wildcard",
        problems,
    ))
}

fn endpoints(report: &ConformanceReport) -> Verdict {
    let problems = ["/health/live", "/health/ready", "/openapi.json"]
        .iter()
        .filter(|path| !report.routes.iter().any(|r| r.path == **path))
        .map(|path| {
            fix(
                format_args!("{path} is missing"),
                "serve the App as built (health routes are added by App; keep server.openapi_docs = true)",
                "web.md#health-openapi-docs",
            )
        })
        .collect();
    Verdict::new("endpoints: health checks and OpenAPI are served", problems)
}

/// The `Cargo.lock` of the project or of the workspace it belongs to.
fn find_lockfile(project: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(project).ok()?;
    start
        .ancestors()
        .map(|dir| dir.join("Cargo.lock"))
        .find(|path| path.is_file())
}

fn versions(project: &Path) -> Result<Verdict, Failure> {
    let Some(lockfile) = find_lockfile(project) else {
        return Ok(Verdict::new(
            "versions: one version of the framework",
            vec!["no Cargo.lock (run `cargo generate-lockfile` and commit it)".to_owned()],
        ));
    };
    let text = std::fs::read_to_string(&lockfile)
        .map_err(Failure::file(lockfile.display().to_string()))?;
    let lock: toml::Value = toml::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{}: {e}", lockfile.display())))?;
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in lock
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(version)) = (
            package.get("name").and_then(|v| v.as_str()),
            package.get("version").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        if name == "egov" || name.starts_with("egov-") {
            found
                .entry(name.to_owned())
                .or_default()
                .insert(version.to_owned());
        }
    }
    let mut problems: Vec<String> = found
        .iter()
        .filter(|(_, versions)| versions.len() > 1)
        .map(|(name, versions)| {
            fix(
                format_args!(
                    "{name} is in Cargo.lock {} times: {}",
                    versions.len(),
                    versions.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
                "depend on one version of every egov crate (one version in [workspace.dependencies]; `cargo update`)",
                "getting-started.md",
            )
        })
        .collect();
    let all: BTreeSet<&String> = found.values().flatten().collect();
    if all.len() > 1 {
        problems.push(format!(
            "the framework crates are at different versions: {} — fix: give every egov crate the same version (docs/getting-started.md)",
            all.into_iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if found.is_empty() {
        problems.push(format!(
            "{}: no egov crate; is this an egov-rs service?",
            lockfile.display()
        ));
    }
    Ok(Verdict::new(
        "versions: one version of the framework",
        problems,
    ))
}

#[cfg(test)]
mod tests {
    use egov_web::conformance::{
        MISSING_PAGE_PROBE, PageFacts, PageProbe, PagesReport, REPORT_FORMAT, ReportedRoute,
    };

    use super::*;

    fn route(path: &str, method: &str, policy: &str, audit: &str) -> ReportedRoute {
        ReportedRoute {
            path: path.into(),
            methods: vec![method.into()],
            policy: policy.into(),
            audit: Some([(method.to_owned(), audit.to_owned())].into()),
        }
    }

    fn good_report() -> ConformanceReport {
        let ids: BTreeSet<String> = egov_validation::problem::BUILTIN_CODES
            .iter()
            .map(|c| format!("validation-{c}"))
            .chain(["notice-stale".to_owned()])
            .collect();
        ConformanceReport {
            format: REPORT_FORMAT.into(),
            framework_version: "0.1.0".into(),
            routes: vec![
                route("/health/live", "GET", "public", "off"),
                route("/health/ready", "GET", "public", "off"),
                route("/openapi.json", "GET", "public", "off"),
                route("/auth/login", "POST", "public", "on"),
                route("/api/notices", "POST", "permission:notices:write", "on"),
                route(
                    "/api/petitions/{id}",
                    "GET",
                    "permission:petitions:review",
                    "personal_data:view",
                ),
            ],
            audit_layer: true,
            authentication: true,
            messages: [("ko".to_owned(), ids.clone()), ("en".to_owned(), ids)].into(),
            migrations: vec![egov_web::conformance::ReportedMigration {
                component: "svc".into(),
                version: 1,
                description: "create notices".into(),
                sha256: [
                    ("sqlite".to_owned(), sha256_hex(MIGRATION)),
                    ("postgres".to_owned(), sha256_hex(MIGRATION)),
                ]
                .into(),
            }],
            // An API-only service: nothing answers a browser with HTML.
            pages: Some(PagesReport {
                kit: false,
                probes: ["/health/live", MISSING_PAGE_PROBE]
                    .into_iter()
                    .map(|path| PageProbe {
                        path: path.into(),
                        locale: "ko".into(),
                        status: if path == MISSING_PAGE_PROBE { 404 } else { 200 },
                        content_type: "application/json".into(),
                        content_language: "ko".into(),
                        html: None,
                    })
                    .collect(),
            }),
        }
    }

    /// What the page kit's layout has, on a page at `path` of a service whose
    /// privacy policy is at `/privacy`.
    fn kit_facts(lang: &str) -> PageFacts {
        PageFacts {
            lang: Some(lang.into()),
            main: true,
            skip_link: true,
            privacy_link: Some("/privacy".into()),
            local_links: vec![
                "/".into(),
                "/lang/en".into(),
                "/lang/ko".into(),
                "/privacy".into(),
            ],
        }
    }

    fn html_probe(path: &str, locale: &str, status: u16, facts: PageFacts) -> PageProbe {
        PageProbe {
            path: path.into(),
            locale: locale.into(),
            status,
            content_type: "text/html; charset=utf-8".into(),
            content_language: locale.into(),
            html: Some(facts),
        }
    }

    /// A service on the page kit: a start page and the privacy policy, the
    /// kit's 404 page, in ko and en.
    fn kit_report() -> ConformanceReport {
        let mut report = good_report();
        for path in ["/", "/privacy", "/lang/{tag}"] {
            report.routes.push(route(path, "GET", "public", "on"));
        }
        let mut probes = Vec::new();
        for locale in ["ko", "en"] {
            probes.push(html_probe("/", locale, 200, kit_facts(locale)));
            probes.push(html_probe("/privacy", locale, 200, kit_facts(locale)));
            probes.push(html_probe(
                MISSING_PAGE_PROBE,
                locale,
                404,
                kit_facts(locale),
            ));
        }
        report.pages = Some(PagesReport { kit: true, probes });
        report
    }

    /// The problems of rule 8 on `report`.
    fn page_problems(report: &ConformanceReport) -> Vec<String> {
        pages(report).problems
    }

    fn project(prod: &str, lock: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        std::fs::write(
            dir.path().join("config/default.toml"),
            "[server]\nport = 8080\n[database]\nurl = \"sqlite://x.db\"\n[auth]\nactive_key = \"k1\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("config/prod.toml"), prod).unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), lock).unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/lib.rs"),
            "fn stale() -> Message { Message::new(\"notice-stale\") }\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        std::fs::write(dir.path().join("migrations/0001_notices.sql"), MIGRATION).unwrap();
        dir
    }

    const MIGRATION: &str = "CREATE TABLE notices (id TEXT PRIMARY KEY);\n";

    fn sha256_hex(text: &str) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    const LOCK: &str = "version = 4\n[[package]]\nname = \"egov\"\nversion = \"0.1.0\"\n[[package]]\nname = \"egov-web\"\nversion = \"0.1.0\"\n";

    fn verdicts(
        report: &ConformanceReport,
        rules: &ProjectRules,
        dir: &tempfile::TempDir,
    ) -> Vec<Verdict> {
        judge(report, rules, dir.path()).unwrap()
    }

    fn failed(verdicts: &[Verdict]) -> Vec<&'static str> {
        verdicts
            .iter()
            .filter(|v| !v.passed())
            .map(|v| v.rule.split(':').next().unwrap())
            .collect()
    }

    #[test]
    fn a_conformant_service_passes_every_rule() {
        let dir = project("[server]\nhsts = true\n", LOCK);
        let rules: ProjectRules =
            toml::from_str("[personal_data]\nroutes = [\"GET /api/petitions/{id}\"]\n").unwrap();
        let all = verdicts(&good_report(), &rules, &dir);
        assert_eq!(all.len(), 8);
        assert!(failed(&all).is_empty(), "{all:?}");
    }

    #[test]
    fn each_rule_fails_on_a_service_that_breaks_it() {
        let good = project("[server]\nhsts = true\n", LOCK);
        let none = ProjectRules::default();

        // 1. A public write without a reason.
        let mut report = good_report();
        report
            .routes
            .push(route("/api/feedback", "POST", "public", "on"));
        assert_eq!(failed(&verdicts(&report, &none, &good)), ["policies"]);
        let allowed: ProjectRules = toml::from_str(
            "[[public_writes]]\nmethod = \"POST\"\npath = \"/api/feedback\"\nreason = \"anonymous feedback\"\n",
        )
        .unwrap();
        assert!(failed(&verdicts(&report, &allowed, &good)).is_empty());

        // 2. An unaudited write; no audit layer; a personal-data route not recording access.
        let mut report = good_report();
        report.routes.push(route(
            "/api/notices/{id}",
            "PUT",
            "permission:notices:write",
            "off",
        ));
        assert_eq!(failed(&verdicts(&report, &none, &good)), ["audit"]);
        let mut report = good_report();
        report.audit_layer = false;
        assert_eq!(failed(&verdicts(&report, &none, &good)), ["audit"]);
        let declared: ProjectRules =
            toml::from_str("[personal_data]\nroutes = [\"GET /api/notices\"]\n").unwrap();
        assert_eq!(
            failed(&verdicts(&good_report(), &declared, &good)),
            ["audit"]
        );

        // 3. A message missing in English; a validation code without a message.
        let mut report = good_report();
        report
            .messages
            .get_mut("en")
            .unwrap()
            .remove("notice-stale");
        assert_eq!(failed(&verdicts(&report, &none, &good)), ["messages"]);
        let mut report = good_report();
        for ids in report.messages.values_mut() {
            ids.remove("validation-required");
        }
        assert_eq!(failed(&verdicts(&report, &none, &good)), ["messages"]);

        // 4. Secrets in files; HSTS off; a CORS wildcard.
        for prod in [
            "[server]\nhsts = true\n[audit]\nsigning_key = \"insecure-dev-secret:x\"\n",
            "[server]\nhsts = true\n[privacy.keys]\nk1 = \"c2VjcmV0\"\n[privacy]\nblind_index_key = \"abc\"\n",
            "[server]\nhsts = true\n[database]\nurl = \"postgres://app:hunter2@db/x\"\n",
            "[server]\nhsts = false\n",
            "[server]\nhsts = true\ncors_allowed_origins = [\"*\"]\n",
        ] {
            let dir = project(prod, LOCK);
            assert_eq!(
                failed(&verdicts(&good_report(), &none, &dir)),
                ["configuration"],
                "{prod}"
            );
        }

        // 5. No readiness endpoint.
        let mut report = good_report();
        report.routes.retain(|r| r.path != "/health/ready");
        assert_eq!(failed(&verdicts(&report, &none, &good)), ["endpoints"]);

        // 6. Two versions of the framework.
        let two = format!("{LOCK}[[package]]\nname = \"egov-web\"\nversion = \"0.2.0\"\n");
        let dir = project("[server]\nhsts = true\n", &two);
        assert_eq!(failed(&verdicts(&good_report(), &none, &dir)), ["versions"]);

        // 3 again: the service's code asks for messages nobody wrote.
        let dir = project("[server]\nhsts = true\n", LOCK);
        std::fs::write(
            dir.path().join("src/rules.rs"),
            "#[validate(custom(function = \"f\", code = \"not_only_digits\"))]\n\
             fn p() -> Problem { Problem::new(ProblemType::new(\"overbooked\", 409)) }\n\
             let m = Message::new(\"notice-gone\"); let e = ValidationError::new(\"stale\");\n",
        )
        .unwrap();
        let all = verdicts(&good_report(), &none, &dir);
        assert_eq!(failed(&all), ["messages"]);
        let problems = &all[2].problems;
        for id in [
            "validation-not_only_digits",
            "problem-overbooked",
            "notice-gone",
            "validation-stale",
        ] {
            assert!(
                problems
                    .iter()
                    .any(|p| p.contains(&format!("`{id}` (src/rules.rs:")) && p.contains("fix:")),
                "{id}: {problems:?}"
            );
        }

        // 7. A migration file nobody registered; one edited after registering.
        let dir = project("[server]\nhsts = true\n", LOCK);
        std::fs::write(
            dir.path().join("migrations/0002_rooms.sql"),
            "CREATE TABLE rooms (id TEXT);\n",
        )
        .unwrap();
        let all = verdicts(&good_report(), &none, &dir);
        assert_eq!(failed(&all), ["migrations"]);
        assert!(
            all[6].problems[0].starts_with("migrations/0002_rooms.sql is not registered"),
            "{:?}",
            all[6].problems
        );
        assert!(all[6].problems[0].contains("docs/database.md#migrations-per-crate"));
        let dir = project("[server]\nhsts = true\n", LOCK);
        std::fs::write(
            dir.path().join("migrations/0001_notices.sql"),
            "CREATE TABLE notices (id INTEGER);\n",
        )
        .unwrap();
        assert_eq!(
            failed(&verdicts(&good_report(), &none, &dir)),
            ["migrations"]
        );
        // A report without migrations cannot vouch for the files.
        let mut report = good_report();
        report.migrations.clear();
        assert_eq!(failed(&verdicts(&report, &none, &good)), ["migrations"]);
    }

    #[test]
    fn rule_8_passes_pages_in_the_layout_and_an_api_only_service() {
        assert!(page_problems(&good_report()).is_empty());
        assert!(
            page_problems(&kit_report()).is_empty(),
            "{:?}",
            page_problems(&kit_report())
        );
        let dir = project("[server]\nhsts = true\n", LOCK);
        let all = verdicts(&kit_report(), &ProjectRules::default(), &dir);
        assert!(failed(&all).is_empty(), "{all:?}");
    }

    #[test]
    fn rule_8_fails_on_a_hand_written_page() {
        // No kit, a page of its own making: no lang, no skip link, no privacy link.
        let mut report = good_report();
        report.routes.push(route("/hello", "GET", "public", "on"));
        let pages = report.pages.as_mut().unwrap();
        pages.probes.push(html_probe(
            "/hello",
            "ko",
            200,
            PageFacts::of("<html><body><main><h1>Hello</h1></main></body></html>"),
        ));
        let dir = project("[server]\nhsts = true\n", LOCK);
        assert_eq!(
            failed(&verdicts(&report, &ProjectRules::default(), &dir)),
            ["pages"]
        );
        let problems = page_problems(&report);
        for expected in [
            "GET /hello answers HTML, but the App has no page kit",
            "GET /hello: <html> has no lang (ko) — fix: render it with egov_pages::Page",
            "GET /hello: no skip link to the main content",
            "GET /hello: no privacy-policy link",
        ] {
            assert!(
                problems.iter().any(|p| p.starts_with(expected)),
                "{expected}: {problems:#?}"
            );
        }
        assert_eq!(problems.len(), 4, "{problems:#?}");
    }

    #[test]
    fn rule_8_fails_on_each_gap_in_a_kit_service() {
        let only = |report: &ConformanceReport, expected: &str| {
            let problems = page_problems(report);
            assert_eq!(problems.len(), 1, "{expected}: {problems:#?}");
            assert!(
                problems[0].starts_with(expected),
                "{expected}: {problems:#?}"
            );
        };
        // The footer's privacy policy is not served.
        let mut report = kit_report();
        report.routes.retain(|r| r.path != "/privacy");
        let pages = report.pages.as_mut().unwrap();
        pages.probes.retain(|p| p.path != "/privacy");
        only(
            &report,
            "the footer's privacy-policy link leads to /privacy, which is not a public page of the service (GET /; the 404 page; en, ko)",
        );
        // A link to a login page nobody serves (in English only).
        let mut report = kit_report();
        let pages = report.pages.as_mut().unwrap();
        pages.probes[3]
            .html
            .as_mut()
            .unwrap()
            .local_links
            .push("/login".into());
        only(
            &report,
            "a link to /login, which no route of the service serves (GET /; en)",
        );
        // The language attribute does not say what the page is in.
        let mut report = kit_report();
        report.pages.as_mut().unwrap().probes[0]
            .html
            .as_mut()
            .unwrap()
            .lang = Some("en".into());
        only(
            &report,
            "GET /: <html lang=\"en\"> on a page served in `ko` (ko)",
        );
        // The 404 page is problem+json although the service has pages.
        let mut report = kit_report();
        for probe in &mut report.pages.as_mut().unwrap().probes {
            if probe.path == MISSING_PAGE_PROBE {
                probe.html = None;
                probe.content_type = "application/problem+json".into();
            }
        }
        only(
            &report,
            "a browser asking for a missing page gets `application/problem+json`, not an HTML page (en, ko)",
        );
        // A report that does not describe the pages at all.
        let mut report = kit_report();
        report.pages = None;
        only(&report, "the report says nothing of the service's pages");
    }

    #[test]
    fn route_patterns_match_concrete_paths() {
        assert!(path_matches("/", "/"));
        assert!(path_matches("/notices/{id}", "/notices/0193"));
        assert!(!path_matches("/notices/{id}", "/notices/"));
        assert!(!path_matches("/notices/{id}", "/notices/1/edit"));
        assert!(path_matches("/files/{*rest}", "/files/a/b"));
        assert!(!path_matches("/privacy", "/privacy/x"));
        assert!(!path_matches("/login", "/"));
    }

    #[test]
    fn secret_names_are_recognised() {
        for name in [
            "signing_key",
            "blind_index_key",
            "csrf_key",
            "material",
            "password",
            "client_secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["active_key", "signing_key_id", "url", "port", "hsts"] {
            assert!(!is_secret_name(name), "{name}");
        }
        assert_eq!(url_password("postgres://u:pw@h/db"), Some("pw"));
        assert_eq!(url_password("postgres://u@h/db"), None);
        assert_eq!(url_password("sqlite://x.db"), None);
    }
}
