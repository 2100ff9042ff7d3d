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
//!    `egov*` crate once, all at the same version.

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
];

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

pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, Failure> {
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
        messages(report),
        configuration(project)?,
        endpoints(report),
        versions(project)?,
    ])
}

fn is_write(method: &str) -> bool {
    !SAFE_METHODS.contains(&method)
}

fn policies(report: &ConformanceReport, rules: &ProjectRules) -> Verdict {
    let mut problems = Vec::new();
    for route in &report.routes {
        if route.policy.trim().is_empty() {
            problems.push(format!("{}: no access policy", route.path));
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
                problems.push(format!(
                    "{method} {} is public: give it a permission, or allow it with a reason in egov-check.toml [[public_writes]]",
                    route.path
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
        problems.push("no audit layer: requests are not recorded (App::audit)".to_owned());
    }
    for route in &report.routes {
        let Some(modes) = &route.audit else { continue };
        for (method, mode) in modes {
            if is_write(method) && mode == "off" {
                problems.push(format!(
                    "{method} {} changes state but is not audited",
                    route.path
                ));
            }
        }
    }
    for declared in &rules.personal_data.routes {
        let Some((method, path)) = declared.split_once(' ') else {
            problems.push(format!(
                "egov-check.toml personal_data route `{declared}` must be `METHOD /path`"
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
            Some(mode) => problems.push(format!(
                "{declared} returns personal data but is audited as `{mode}`, not as a personal-data access"
            )),
            None => problems.push(format!("{declared} (personal data) is not a route of the service")),
        }
    }
    Verdict::new(
        "audit: state changes audited; personal-data routes record access",
        problems,
    )
}

fn messages(report: &ConformanceReport) -> Verdict {
    let mut problems = Vec::new();
    let empty = BTreeSet::new();
    let ko = report.messages.get("ko").unwrap_or(&empty);
    let en = report.messages.get("en").unwrap_or(&empty);
    for id in ko.difference(en) {
        problems.push(format!("`{id}` has no English message"));
    }
    for id in en.difference(ko) {
        problems.push(format!("`{id}` has no Korean message"));
    }
    for code in egov_validation::problem::BUILTIN_CODES {
        let id = format!("validation-{code}");
        for (locale, ids) in [("ko", ko), ("en", en)] {
            if !ids.contains(&id) {
                problems.push(format!(
                    "validation code `{code}` has no {locale} message `{id}`"
                ));
            }
        }
    }
    Verdict::new(
        "messages: every id in ko and en; every validation code has a message",
        problems,
    )
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
                problems.push(format!("{file}: `{path}` is a development secret"));
            } else if is_secret_path(path) && !text.is_empty() {
                problems.push(format!(
                    "{file}: `{path}` holds a secret; set it from the environment instead"
                ));
            } else if url_password(text).is_some() {
                problems.push(format!(
                    "{file}: `{path}` is a URL with a password; set it from the environment"
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
        problems
            .push("prod profile: server.hsts is not true (set it in config/prod.toml)".to_owned());
    }
    if let Some(origins) = setting("cors_allowed_origins").and_then(|v| v.as_array().cloned())
        && origins.iter().any(|o| o.as_str() == Some("*"))
    {
        problems.push("prod profile: server.cors_allowed_origins contains `*`".to_owned());
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
        .map(|path| format!("{path} is missing"))
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
            format!(
                "{name} is in Cargo.lock {} times: {}",
                versions.len(),
                versions.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    let all: BTreeSet<&String> = found.values().flatten().collect();
    if all.len() > 1 {
        problems.push(format!(
            "the framework crates are at different versions: {}",
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
    use egov_web::conformance::{REPORT_FORMAT, ReportedRoute};

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
        }
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
        dir
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
        assert_eq!(all.len(), 6);
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
