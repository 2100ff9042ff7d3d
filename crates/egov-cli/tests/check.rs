//! `egov check` run as a developer runs it, on a real service binary: the
//! conformance report comes from egov-web's `EGOV_CONFORMANCE_REPORT` hook in
//! `App::serve`, the other rules from real project files.
//!
//! The service is this test executable itself. `egov check --binary` runs it
//! with no arguments, so libtest starts every test of this file; with
//! [`FIXTURE_ENV`] set (`egov check` passes its environment on), the first one
//! to start builds the fixture service that variable names, calls
//! `App::serve` — which writes the report and returns — and exits the process.
//! Every test therefore begins with [`serve_fixture_if_asked`].
//!
//! Each case breaks one rule with a real input and expects exit code 1, that
//! rule's `FAIL` line with the specific problem, and `PASS` for the others.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use axum::http::Method;
use egov_audit::web::{AuditLayer, RouteAudit};
use egov_audit::{Action, AuditLog, AuditSettings};
use egov_core::AccessPolicy;
use egov_core::message::FluentResources;
use egov_web::{ApiRouter, App, WebSettings};
use utoipa_axum::routes;

/// Names the fixture service this executable becomes (see the module docs).
const FIXTURE_ENV: &str = "EGOV_CHECK_FIXTURE";

/// The rules, as `egov check` names them.
const RULES: [&str; 8] = [
    "policies: every route has a policy; no unexplained public write",
    "audit: state changes audited; personal-data routes record access",
    "messages: every id in ko and en; every validation code has a message",
    "configuration: no secrets in config files; prod has HSTS and no CORS wildcard",
    "endpoints: health checks and OpenAPI are served",
    "versions: one version of the framework",
    "migrations: every file in migrations/ is registered",
    "pages: every page a browser opens is in the layout; browsers get HTML error pages",
];

// ----- the fixture service --------------------------------------------------------

/// Lists notices.
#[utoipa::path(get, path = "/api/notices", responses((status = 200, body = String)))]
async fn list_notices() -> &'static str {
    "[]"
}

/// Creates a notice.
#[utoipa::path(post, path = "/api/notices", responses((status = 201, body = String)))]
async fn create_notice() -> &'static str {
    "{}"
}

/// Reads a person's record (personal data).
#[utoipa::path(get, path = "/api/people/{id}", params(("id" = String, Path)),
    responses((status = 200, body = String)))]
async fn read_person() -> &'static str {
    "{}"
}

/// Takes anonymous feedback.
#[utoipa::path(post, path = "/api/feedback", responses((status = 202, body = String)))]
async fn send_feedback() -> &'static str {
    "{}"
}

/// A page written by hand, outside the page kit.
async fn hand_written_page() -> axum::response::Html<&'static str> {
    axum::response::Html("<!doctype html><html><body><main><h1>Hello</h1></main></body></html>")
}

/// The kit's start page and privacy policy of the `kit-pages` fixture.
const KIT_TEMPLATES: &[(&str, &str)] = &[
    (
        "start.html",
        r#"{% extends "egov/layout.html" %}{% block content %}<h1>{{ title }}</h1>{% endblock %}"#,
    ),
    (
        "privacy.html",
        r#"{% extends "egov/layout.html" %}{% block content %}<h1>{{ title }}</h1><p>…</p>{% endblock %}"#,
    ),
];

async fn kit_start(page: egov_pages::Page) -> axum::response::Response {
    page.render(
        "start.html",
        egov_pages::minijinja::context! { title => "Start" },
    )
}

async fn kit_privacy(page: egov_pages::Page) -> axum::response::Response {
    page.render(
        "privacy.html",
        egov_pages::minijinja::context! { title => page.text("egov-page-privacy-policy") },
    )
}

/// The fixture's one migration, as the project's `migrations/` holds it.
const MIGRATION_SQL: &str = "CREATE TABLE notices (id TEXT PRIMARY KEY);\n";

static MIGRATIONS: egov_db::MigrationSet = egov_db::MigrationSet::new(
    "fixture",
    5,
    &[egov_db::Migration::portable(
        1,
        "create notices",
        MIGRATION_SQL,
    )],
);

static MESSAGES: FluentResources = FluentResources {
    component: "fixture",
    files: &[
        ("ko", "notice-stale = 다른 사용자가 먼저 수정했습니다.\n"),
        ("en", "notice-stale = Someone else changed it first.\n"),
    ],
};

/// `notice-stale` in Korean only.
static KOREAN_ONLY_MESSAGES: FluentResources = FluentResources {
    component: "fixture",
    files: &[
        ("ko", "notice-stale = 다른 사용자가 먼저 수정했습니다.\n"),
        ("en", "# nothing yet\n"),
    ],
};

/// Becomes the fixture service and exits, when `egov check` runs this
/// executable; does nothing otherwise.
fn serve_fixture_if_asked() {
    static SERVED: OnceLock<()> = OnceLock::new();
    let Some(variant) = std::env::var_os(FIXTURE_ENV) else {
        return;
    };
    // Other tests of this process wait here until the process exits.
    SERVED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(serve(&variant.to_string_lossy()));
        std::process::exit(0);
    });
}

/// A small service: public reads, a guarded write, a personal-data read —
/// conformant unless `variant` breaks something.
async fn serve(variant: &str) {
    let db = egov_db::Db::connect_url("sqlite::memory:").await.unwrap();
    db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let settings = WebSettings {
        openapi_docs: variant != "no-openapi",
        ..WebSettings::default()
    };
    let mut layer = AuditLayer::new(audit.clone()).route(
        Method::GET,
        "/api/people/{id}",
        RouteAudit::PersonalData {
            action: Action::VIEW,
        },
    );
    if variant == "unaudited-write" {
        layer = layer.route(Method::POST, "/api/notices", RouteAudit::Off);
    }
    let mut router = ApiRouter::new()
        .routes(AccessPolicy::Public, routes!(list_notices))
        .routes(
            AccessPolicy::permission("notices:write"),
            routes!(create_notice),
        )
        .routes(
            AccessPolicy::permission("people:read"),
            routes!(read_person),
        );
    if variant == "public-write" {
        router = router.routes(AccessPolicy::Public, routes!(send_feedback));
    }
    if variant == "hand-written-page" {
        router = router.route(
            "/hello",
            AccessPolicy::Public,
            axum::routing::get(hand_written_page),
        );
    }
    if variant == "kit-pages" {
        router = router
            .route("/", AccessPolicy::Public, axum::routing::get(kit_start))
            .route(
                "/privacy",
                AccessPolicy::Public,
                axum::routing::get(kit_privacy),
            );
    }
    let messages = if variant == "korean-only-message" {
        &KOREAN_ONLY_MESSAGES
    } else {
        &MESSAGES
    };
    let mut app = App::new(settings);
    if variant == "kit-pages" {
        // No login page in this service: the layout links to none.
        let settings = egov_pages::PagesSettings {
            login: String::new(),
            ..egov_pages::PagesSettings::default()
        };
        app = app.pages(egov_pages::Pages::builder(settings).templates(KIT_TEMPLATES));
    }
    let app = app
        .migrations(&[&MIGRATIONS])
        .database(db)
        .messages(messages)
        .audit(layer)
        .router(router);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    // With EGOV_CONFORMANCE_REPORT set this writes the report and returns.
    app.serve(listener, std::future::pending()).await.unwrap();
    audit.shutdown().await;
}

// ----- the project files and `egov check` ------------------------------------------

/// The files of a project, conformant unless a test changes one.
struct Project {
    prod_toml: String,
    cargo_lock: String,
    egov_check_toml: String,
    /// `src/lib.rs`.
    source: String,
    /// `migrations/*.sql`: (file name, SQL).
    migrations: Vec<(String, String)>,
}

impl Project {
    fn conformant() -> Self {
        let lockfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
        Self {
            prod_toml: "[server]\nhost = \"0.0.0.0\"\nhsts = true\n".into(),
            // The workspace's own lockfile: one version of every egov crate.
            cargo_lock: std::fs::read_to_string(lockfile).unwrap(),
            egov_check_toml: "[personal_data]\nroutes = [\"GET /api/people/{id}\"]\n".into(),
            source: "pub fn stale() -> Message { Message::new(\"notice-stale\") }\n".into(),
            migrations: vec![("0001_notices.sql".into(), MIGRATION_SQL.into())],
        }
    }

    fn write(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("config")).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        )
        .unwrap();
        std::fs::write(
            root.join("config/default.toml"),
            "[server]\nport = 8080\n[database]\nurl = \"sqlite://fixture.db\"\n[auth]\nactive_key = \"k1\"\n",
        )
        .unwrap();
        std::fs::write(root.join("config/prod.toml"), &self.prod_toml).unwrap();
        std::fs::write(root.join("Cargo.lock"), &self.cargo_lock).unwrap();
        std::fs::write(root.join("egov-check.toml"), &self.egov_check_toml).unwrap();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/lib.rs"), &self.source).unwrap();
        std::fs::create_dir(root.join("migrations")).unwrap();
        for (name, sql) in &self.migrations {
            std::fs::write(root.join("migrations").join(name), sql).unwrap();
        }
        dir
    }
}

/// `egov check --project <project> --binary <this executable>`, the
/// executable serving as `variant`.
fn egov_check(project: &Project, variant: &str) -> Output {
    let dir = project.write();
    let this: PathBuf = std::env::current_exe().unwrap();
    Command::new(env!("CARGO_BIN_EXE_egov"))
        .args(["check", "--project"])
        .arg(dir.path())
        .arg("--binary")
        .arg(this)
        .env(FIXTURE_ENV, variant)
        .env_remove("EGOV_PROFILE")
        .output()
        .unwrap()
}

/// Asserts exit code 1, `FAIL` for `rule` with a problem line containing
/// `problem`, and `PASS` for every other rule.
fn assert_only_broken(output: &Output, rule: usize, problem: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let context = format!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{context}");
    for (i, name) in RULES.iter().enumerate() {
        let expected = if i == rule { "FAIL" } else { "PASS" };
        assert!(
            stdout.lines().any(|l| l == format!("{expected}  {name}")),
            "expected `{expected}  {name}`:\n{context}"
        );
    }
    let problems: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != format!("FAIL  {}", RULES[rule]))
        .skip(1)
        .take_while(|l| l.starts_with("      - "))
        .collect();
    assert!(
        problems.iter().any(|l| l.contains(problem)),
        "no problem line containing `{problem}`:\n{context}"
    );
    assert!(
        stdout.contains("egov check: 1 of 8 rules broken"),
        "{context}"
    );
}

#[test]
fn a_conformant_service_passes_every_rule() {
    serve_fixture_if_asked();
    let output = egov_check(&Project::conformant(), "conformant");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in RULES {
        assert!(stdout.contains(&format!("PASS  {name}")), "{stdout}");
    }
    assert!(stdout.contains("egov check: all 8 rules hold"), "{stdout}");

    // A public write is fine once declared with a reason.
    let mut declared = Project::conformant();
    declared.egov_check_toml.push_str(
        "[[public_writes]]\nmethod = \"POST\"\npath = \"/api/feedback\"\nreason = \"anonymous feedback\"\n",
    );
    let output = egov_check(&declared, "public-write");
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn rule_1_fails_on_an_undeclared_public_write() {
    serve_fixture_if_asked();
    let output = egov_check(&Project::conformant(), "public-write");
    assert_only_broken(&output, 0, "POST /api/feedback is public");
}

#[test]
fn rule_2_fails_on_an_unaudited_write_and_an_unrecorded_personal_data_read() {
    serve_fixture_if_asked();
    let output = egov_check(&Project::conformant(), "unaudited-write");
    assert_only_broken(
        &output,
        1,
        "POST /api/notices changes state but is not audited",
    );

    let mut declared = Project::conformant();
    declared.egov_check_toml =
        "[personal_data]\nroutes = [\"GET /api/people/{id}\", \"GET /api/notices\"]\n".into();
    let output = egov_check(&declared, "conformant");
    assert_only_broken(
        &output,
        1,
        "GET /api/notices returns personal data but is audited as `on`",
    );
}

#[test]
fn rule_3_fails_on_a_message_missing_in_english() {
    serve_fixture_if_asked();
    let output = egov_check(&Project::conformant(), "korean-only-message");
    assert_only_broken(&output, 2, "`notice-stale` has no English message");
}

#[test]
fn rule_3_fails_on_a_message_the_code_asks_for_that_nobody_wrote() {
    serve_fixture_if_asked();
    let mut project = Project::conformant();
    project
        .source
        .push_str("pub fn gone() -> Message {\n    Message::new(\"notice-gone\")\n}\n");
    let output = egov_check(&project, "conformant");
    assert_only_broken(
        &output,
        2,
        "`notice-gone` (src/lib.rs:3) has no message in ko and en: clients would see the raw id — fix: add `notice-gone = …`",
    );
}

#[test]
fn rule_4_fails_on_a_development_secret_in_the_prod_profile_and_on_hsts_off() {
    serve_fixture_if_asked();
    let mut project = Project::conformant();
    project
        .prod_toml
        .push_str("[audit]\nsigning_key = \"insecure-dev-secret:audit-signing\"\n");
    let output = egov_check(&project, "conformant");
    assert_only_broken(
        &output,
        3,
        "config/prod.toml: `audit.signing_key` is a development secret",
    );

    let mut project = Project::conformant();
    project.prod_toml = "[server]\nhost = \"0.0.0.0\"\n".into();
    let output = egov_check(&project, "conformant");
    assert_only_broken(&output, 3, "prod profile: server.hsts is not true");
}

#[test]
fn rule_5_fails_without_openapi() {
    serve_fixture_if_asked();
    let output = egov_check(&Project::conformant(), "no-openapi");
    assert_only_broken(&output, 4, "/openapi.json is missing");
}

#[test]
fn rule_6_fails_on_two_versions_of_a_framework_crate() {
    serve_fixture_if_asked();
    let mut project = Project::conformant();
    project
        .cargo_lock
        .push_str("\n[[package]]\nname = \"egov-web\"\nversion = \"0.0.9\"\n");
    let output = egov_check(&project, "conformant");
    assert_only_broken(&output, 5, "egov-web is in Cargo.lock 2 times");
}

#[test]
fn a_directory_without_cargo_toml_is_bad_usage() {
    serve_fixture_if_asked();
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_egov"))
        .args(["check", "--project"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no Cargo.toml"));
}

#[test]
fn rule_7_fails_on_a_migration_file_nobody_registered() {
    serve_fixture_if_asked();
    let mut project = Project::conformant();
    project.migrations.push((
        "0002_rooms.sql".into(),
        "CREATE TABLE rooms (id TEXT);\n".into(),
    ));
    let output = egov_check(&project, "conformant");
    assert_only_broken(
        &output,
        6,
        "migrations/0002_rooms.sql is not registered (or differs from the SQL the service runs): it would fail at run time with \"no such table\" — fix: add Migration::portable(",
    );
}

#[test]
fn rule_8_fails_on_a_hand_written_page_and_passes_pages_on_the_kit() {
    serve_fixture_if_asked();
    let output = egov_check(&Project::conformant(), "hand-written-page");
    assert_only_broken(
        &output,
        7,
        "GET /hello answers HTML, but the App has no page kit: its errors reach browsers as problem+json (en, ko)",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for problem in [
        "GET /hello: <html> has no lang (en, ko)",
        "GET /hello: no skip link to the main content (KWCAG 2.4.1) (en, ko)",
        "GET /hello: no privacy-policy link",
    ] {
        assert!(stdout.contains(problem), "{problem}:\n{stdout}");
    }

    // The same service with a start page and its privacy policy on the kit.
    let output = egov_check(&Project::conformant(), "kit-pages");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(&format!("PASS  {}", RULES[7])), "{stdout}");
}
