//! `cargo xtask install-tools` and `cargo xtask template-check`: the service
//! template, generated with the real cargo-generate in every meaningful
//! combination of its options, each result built, linted and tested.
//!
//! - cargo-generate comes from `tools/cargo-generate` (pinned so that it builds
//!   with this toolchain) and is installed once into `~/.cache/egov-rs/tools`
//!   (`$EGOV_TOOLS_DIR` overrides), so a fresh clone needs no manual step.
//! - Generated services take the framework from this checkout (`framework_source
//!   = path`), this workspace's `Cargo.lock` and the same target directory, so
//!   no dependency is built twice.
//! - Each buildable result must also pass `egov check` (the conformance rules),
//!   after `egov generate resource` added resources to it (every field type
//!   between the two buildable combinations): generated code must pass the
//!   service's own checks without edits.
//! - The combination with the sample resource on SQLite then walks the path a
//!   newcomer follows (README → scaffold → run → token → sample resource →
//!   audit event): its binary is started on a free port of 127.0.0.1 with a
//!   fresh SQLite file, `egov accounts create-admin admin --grant
//!   notices:write` creates the administrator, and plain HTTP (`std::net`)
//!   logs in at `/auth/login`, creates a notice and finds its audit event
//!   through `/admin/audit/events`.
//! - On that running service, the browser test
//!   `e2e/browser/tests/template-service.test.js` (playwright-core driving
//!   Debian's Chromium, as `cargo xtask e2e` does) opens every page its start
//!   page leads to and its 404 page, in Korean and English: axe-core with 0
//!   violations of any impact, no horizontal scrolling at 390×844, the skip link
//!   first — so every new service starts compliant. `--no-browser` skips it (on
//!   a machine without Chromium or Node.js; CI runs it).
//! - Key generated files of every combination are compared with snapshots in
//!   `xtask/snapshots/`; `--bless` rewrites them after an intended change.
//! - The template's dependency versions must equal `[workspace.dependencies]`:
//!   one lockfile serves both, and the versions have one source of truth.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The cargo-generate version `tools/cargo-generate` builds.
const CARGO_GENERATE_VERSION: &str = "0.26.0";

/// One way to answer the template's questions.
struct Combination {
    /// Also the generated service's name.
    name: &'static str,
    defines: &'static [(&'static str, &'static str)],
    /// Build, lint and test it (only services taking the framework from a path
    /// can be built here).
    build: bool,
    /// Then run it and walk the newcomer's path over HTTP ([`walk_through`];
    /// needs the sample resource and SQLite).
    walk: bool,
    /// `egov generate resource` arguments run in the project before it is
    /// built (after the snapshot): each generated resource must pass the
    /// service's fmt, clippy, tests and `egov check` without edits.
    resources: &'static [&'static [&'static str]],
}

/// Every combination whose output differs in code or configuration. Locale and
/// database change configuration only, so two builds cover all code paths:
/// with and without the sample resource.
const COMBINATIONS: &[Combination] = &[
    Combination {
        name: "svc-ko-sqlite-sample",
        defines: &[
            ("default_locale", "ko"),
            ("database", "sqlite"),
            ("sample_resource", "true"),
        ],
        build: true,
        walk: true,
        resources: &[
            // Every field type; a code group the sample seeds; personal data.
            &[
                "permit",
                "title:text",
                "fee:money",
                "paid:bool",
                "issued_on:date",
                "kind:code:NOTICE_CATEGORY",
                "floors:int",
                "phone:phone",
                "owner:rrn",
            ],
        ],
    },
    Combination {
        name: "svc-en-postgres-bare",
        defines: &[
            ("default_locale", "en"),
            ("database", "postgres"),
            ("sample_resource", "false"),
        ],
        build: true,
        walk: false,
        resources: &[
            // A code group the seed lacks (added with example codes), no personal data.
            &[
                "facility",
                "name:text",
                "kind:code:FACILITY_KIND",
                "opened_on:date",
            ],
        ],
    },
    Combination {
        name: "svc-en-sqlite-git",
        defines: &[
            ("default_locale", "en"),
            ("database", "sqlite"),
            ("sample_resource", "true"),
            ("framework_source", "git"),
            ("framework_git", "https://git.example.go.kr/egov-rs.git"),
        ],
        build: false,
        walk: false,
        resources: &[],
    },
    Combination {
        name: "svc-ko-postgres-crates",
        defines: &[
            ("default_locale", "ko"),
            ("database", "postgres"),
            ("sample_resource", "false"),
            ("framework_source", "crates"),
            ("framework_version", "0.1"),
        ],
        build: false,
        walk: false,
        resources: &[],
    },
];

/// Files whose generated text is pinned by snapshots.
const SNAPSHOT_FILES: &[&str] = &[
    "Cargo.toml",
    "config/default.toml",
    ".env.example",
    "src/lib.rs",
    "locales/en/service.ftl",
    "README.md",
];

/// Options of `cargo xtask template-check`.
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// Rewrite the snapshots instead of comparing.
    bless: bool,
    /// Generate and compare only; skip building.
    no_build: bool,
    /// Time the README's path from a fresh clone on an empty target directory
    /// instead ([`cold_path`]).
    cold: bool,
    /// Skip the browser test of the running service ([`browser_check`]).
    no_browser: bool,
}

impl Options {
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self::default();
        for arg in args {
            match arg.as_str() {
                "--bless" => options.bless = true,
                "--no-build" => options.no_build = true,
                "--cold" => options.cold = true,
                "--no-browser" => options.no_browser = true,
                other => return Err(format!("unknown option to `template-check`: `{other}`")),
            }
        }
        Ok(options)
    }
}

/// Where tools are installed.
pub(crate) fn tools_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("EGOV_TOOLS_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").ok_or("neither EGOV_TOOLS_DIR nor HOME is set")?;
    Ok(PathBuf::from(home).join(".cache/egov-rs/tools"))
}

/// Installs cargo-generate unless the right version is there; returns its path.
pub(crate) fn install_tools(root: &Path) -> Result<PathBuf, String> {
    let dir = tools_dir()?;
    let binary = dir.join("bin/cargo-generate");
    let installed = Command::new(&binary)
        .args(["generate", "--version"])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(CARGO_GENERATE_VERSION));
    if installed {
        return Ok(binary);
    }
    let source = root.join("tools/cargo-generate");
    cargo_install(
        root,
        &format!("cargo-generate {CARGO_GENERATE_VERSION}"),
        &["--path".as_ref(), source.as_os_str()],
    )?;
    Ok(binary)
}

/// `cargo install <what> --locked --force` into [`tools_dir`], with its own
/// target directory beside it (tools have their own lockfiles); `label` names
/// the tool in messages.
pub(crate) fn cargo_install(
    root: &Path,
    label: &str,
    what: &[&std::ffi::OsStr],
) -> Result<(), String> {
    let dir = tools_dir()?;
    println!("==> installing {label} into {}", dir.display());
    let target = dir.with_file_name("tools-target");
    let status = Command::new(crate::cargo())
        .current_dir(root)
        .arg("install")
        .args(what)
        .args(["--locked", "--force", "--root"])
        .arg(&dir)
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() {
        return Err(format!("installing {label} failed"));
    }
    Ok(())
}

/// Generates, compares and builds every combination (or, with `--cold`, times
/// the newcomer's path: [`cold_path`]).
pub(crate) fn check(root: &Path, options: &Options) -> Result<(), String> {
    if options.cold {
        return cold_path(root);
    }
    let started = Instant::now();
    let cargo_generate = install_tools(root)?;
    check_dependency_versions(root)?;
    let scratch = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let egov = if options.no_build {
        None
    } else {
        Some(build_egov_cli(root)?)
    };
    let mut failures = Vec::new();
    for combination in COMBINATIONS {
        let project = generate(&cargo_generate, root, scratch.path(), combination)?;
        let snapshot = snapshot_text(&project, root)?;
        let path = root
            .join("xtask/snapshots")
            .join(format!("{}.txt", combination.name));
        if options.bless {
            std::fs::create_dir_all(path.parent().unwrap_or(root))
                .and_then(|()| std::fs::write(&path, &snapshot))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!("    blessed {}", path.display());
        } else {
            match std::fs::read_to_string(&path) {
                Ok(expected) if expected == snapshot => {
                    println!(
                        "PASS  {}: generated files match the snapshot",
                        combination.name
                    );
                }
                Ok(expected) => {
                    failures.push(format!(
                        "{}: generated files differ from {} (run `cargo xtask template-check --bless` if intended)\n{}",
                        combination.name,
                        path.display(),
                        first_difference(&expected, &snapshot)
                    ));
                }
                Err(e) => failures.push(format!("{}: {e}", path.display())),
            }
        }
        if let (true, Some(egov)) = (combination.build, &egov) {
            if let Err(message) = generate_resources(&project, egov, combination.resources) {
                failures.push(format!("{}: {message}", combination.name));
                continue;
            }
            let build_started = Instant::now();
            match build(root, &project) {
                Ok(()) => println!(
                    "PASS  {}: ci.sh (fmt, clippy -D warnings, tests, check) in {:.0} s \
                     ({} generated resource(s) included)",
                    combination.name,
                    build_started.elapsed().as_secs_f64(),
                    combination.resources.len(),
                ),
                Err(message) => {
                    failures.push(format!("{}: {message}", combination.name));
                    continue;
                }
            }
            if combination.walk {
                let walk_started = Instant::now();
                let binary = target_dir(root).join("debug").join(combination.name);
                let walk = match walk_through(&binary, &project, combination.name) {
                    Ok(walk) => {
                        println!(
                            "PASS  {}: run → create-admin --grant notices:write → /auth/login → \
                             POST /api/notices → its audit event, in {:.1} s",
                            combination.name,
                            walk_started.elapsed().as_secs_f64()
                        );
                        walk
                    }
                    Err(message) => {
                        failures.push(format!(
                            "{}: the newcomer's path failed: {message}",
                            combination.name
                        ));
                        continue;
                    }
                };
                if options.no_browser {
                    println!(
                        "SKIP  {}: the browser test (--no-browser)",
                        combination.name
                    );
                    continue;
                }
                let browser_started = Instant::now();
                // On the service the walk left running, with its notice.
                match browser_check(root, &walk.address) {
                    Ok(()) => println!(
                        "PASS  {}: its pages and its 404 page in Chromium, ko and en: axe-core \
                         0 violations, 390 px wide without scrolling, skip link first, in {:.1} s",
                        combination.name,
                        browser_started.elapsed().as_secs_f64()
                    ),
                    Err(message) => failures.push(format!(
                        "{}: the browser test failed: {message}",
                        combination.name
                    )),
                }
                drop(walk);
            }
        }
    }
    if failures.is_empty() {
        println!(
            "template-check: {} combinations passed in {:.0} s",
            COMBINATIONS.len(),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

fn generate(
    cargo_generate: &Path,
    root: &Path,
    scratch: &Path,
    combination: &Combination,
) -> Result<PathBuf, String> {
    let mut command = Command::new(cargo_generate);
    command
        .arg("generate")
        .arg("--path")
        .arg(root.join("templates/service"))
        .args([
            "--name",
            combination.name,
            "--vcs",
            "none",
            "--silent",
            "--destination",
        ])
        .arg(scratch)
        .arg("--define")
        .arg(format!("framework_path={}", root.display()))
        .arg("--define")
        .arg("agency_name=행정안전부");
    for (key, value) in combination.defines {
        command.arg("--define").arg(format!("{key}={value}"));
    }
    if std::env::var_os("USER").is_none() {
        // cargo-generate insists on knowing the user (for `authors`).
        command.env("USER", "egov");
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo-generate: {e}"))?;
    let project = scratch.join(combination.name);
    if !output.status.success() || !project.is_dir() {
        return Err(format!(
            "cargo-generate failed for {}:\n{}{}",
            combination.name,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(project)
}

/// The snapshot of a generated project: its key files, with this checkout's
/// path replaced by `<egov-rs>`.
fn snapshot_text(project: &Path, root: &Path) -> Result<String, String> {
    let mut text = String::new();
    for file in SNAPSHOT_FILES {
        let content = std::fs::read_to_string(project.join(file))
            .map_err(|e| format!("{}: {e}", project.join(file).display()))?;
        text.push_str(&format!("===== {file}\n"));
        text.push_str(&content.replace(&root.display().to_string(), "<egov-rs>"));
        if !content.ends_with('\n') {
            text.push('\n');
        }
    }
    Ok(text)
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1);
        }
    }
    format!(
        "lengths differ: expected {} lines, got {}",
        expected.lines().count(),
        actual.lines().count()
    )
}

/// The target directory shared by the workspace and the generated services.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Builds the `egov` CLI of this checkout; returns its path.
fn build_egov_cli(root: &Path) -> Result<PathBuf, String> {
    let status = Command::new(crate::cargo())
        .current_dir(root)
        .args(["build", "--quiet", "--package", "egov-cli", "--bin", "egov"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building the egov CLI failed".into());
    }
    Ok(target_dir(root).join("debug/egov"))
}

/// Runs `egov generate resource …` in `project` for each of `resources`.
fn generate_resources(project: &Path, egov: &Path, resources: &[&[&str]]) -> Result<(), String> {
    for arguments in resources {
        println!("==> egov generate resource {}", arguments.join(" "));
        let status = Command::new(egov)
            .args(["generate", "resource", "--project"])
            .arg(project)
            .args(*arguments)
            .status()
            .map_err(|e| format!("cannot run egov generate: {e}"))?;
        if !status.success() {
            return Err(format!(
                "`egov generate resource {}` failed",
                arguments.join(" ")
            ));
        }
    }
    Ok(())
}

/// The generated `ci.sh` — `cargo fmt --check`, clippy with `-D warnings`, the
/// tests and `cargo run -- check` (the service binary's own conformance check) —
/// inside the generated project, with this workspace's lockfile and target
/// directory: a generated service must be conformant out of the box.
fn build(root: &Path, project: &Path) -> Result<(), String> {
    std::fs::copy(root.join("Cargo.lock"), project.join("Cargo.lock"))
        .map_err(|e| format!("copying Cargo.lock: {e}"))?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    // The generated `ci.sh`, as the newcomer runs it: fmt, clippy as the
    // compiler of the test build, the tests, and `cargo run -- check`.
    let status = Command::new("bash")
        .current_dir(project)
        .arg("ci.sh")
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("EGOV_PROFILE")
        .status()
        .map_err(|e| format!("cannot run ci.sh: {e}"))?;
    if !status.success() {
        return Err("the generated ci.sh failed".into());
    }
    Ok(())
}

/// Stops the service when dropped, whatever happened.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a newcomer does after `cargo run` (README, "Your own service in ten
/// minutes"), on the generated service's binary: create an administrator who
/// may write notices with the service's own binary (`cargo run -- accounts
/// create-admin`), log in over HTTP, create a notice,
/// and find its audit event through the admin API. The service is left running
/// in the [`Walk`] (dropping it stops the service).
fn walk_through(binary: &Path, project: &Path, name: &str) -> Result<Walk, String> {
    if !binary.is_file() {
        return Err(format!("{} was not built", binary.display()));
    }
    let scratch = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let url = format!("sqlite://{}", scratch.path().join("service.db").display());
    let log_path = scratch.path().join("service.log");
    let log = std::fs::File::create(&log_path).map_err(|e| format!("service log: {e}"))?;
    let log_text = || std::fs::read_to_string(&log_path).unwrap_or_default();
    // Its own config/ (dev profile), a fresh SQLite file, port 0 (it prints the
    // address it got).
    let mut child = Command::new(binary)
        .current_dir(project)
        .env_remove("EGOV_PROFILE")
        .env_remove("EGOV_CONFORMANCE_REPORT")
        .env("EGOV__DATABASE__URL", &url)
        .env("EGOV__SERVER__HOST", "127.0.0.1")
        .env("EGOV__SERVER__PORT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let pid = child.id();
    let stdout = child.stdout.take();
    let service = Service(child);
    let (lines, received) = std::sync::mpsc::channel();
    if let Some(stdout) = stdout {
        // Reads (and so drains) the service's stdout until it exits.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                // Drained to the end: the service may run on after the walk.
                let _ = lines.send(line);
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let address = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => {
                if let Some((_, rest)) = line.split_once("listening on http://") {
                    break rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                }
            }
            Err(_) => {
                return Err(format!(
                    "{name} did not print its address within 60 s\n{}",
                    log_text()
                ));
            }
        }
    };

    // Idle, after start-up: what the process holds in memory.
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss_kib = resident_kib(pid);

    // `cargo run -- accounts create-admin`: the service's own binary, in its
    // directory (its config/).
    let created = Command::new(binary)
        .current_dir(project)
        .env_remove("EGOV_PROFILE")
        .args(["--db", &url, "accounts", "create-admin", "admin"])
        .args(["--grant", "notices:write"])
        .output()
        .map_err(|e| format!("cannot run {name} accounts create-admin: {e}"))?;
    let password = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    if !created.status.success() || password.is_empty() {
        return Err(format!(
            "`{name} accounts create-admin` failed: {}",
            String::from_utf8_lossy(&created.stderr)
        ));
    }

    let (status, body) = http(
        &address,
        "POST",
        "/auth/login",
        None,
        Some(&serde_json::json!({"login_id": "admin", "password": password})),
    )?;
    let token = json(&body)["access_token"]
        .as_str()
        .map(str::to_owned)
        .filter(|_| status == 200)
        .ok_or_else(|| format!("POST /auth/login: {status} {body}"))?;

    // The role the CLI changed reaches the running service within one
    // `auth.change_poll_ms`: until then the write is refused (403).
    let notice =
        serde_json::json!({"title": "설 연휴 안내", "body": "2월 9일 휴무", "category": "GENERAL"});
    let granted_by = Instant::now() + Duration::from_secs(15);
    let (status, body) = loop {
        let (status, body) = http(
            &address,
            "POST",
            "/api/notices",
            Some(&token),
            Some(&notice),
        )?;
        if status == 403 && Instant::now() < granted_by {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        break (status, body);
    };
    let id = json(&body)["id"]
        .as_str()
        .map(str::to_owned)
        .filter(|_| status == 201)
        .ok_or_else(|| format!("POST /api/notices: {status} {body}"))?;
    let first_201 = Instant::now();

    let (status, body) = http(
        &address,
        "GET",
        "/admin/audit/events?action=create",
        Some(&token),
        None,
    )?;
    let events = json(&body);
    let recorded = events["items"].as_array().is_some_and(|items| {
        items
            .iter()
            .any(|e| e["target_type"] == "notice" && e["target_id"] == id.as_str())
    });
    if status != 200 || !recorded {
        return Err(format!(
            "GET /admin/audit/events?action=create: {status}, no `create` event of notice {id}: {body}"
        ));
    }
    Ok(Walk {
        first_201,
        idle_rss_kib,
        address,
        _service: service,
        _scratch: scratch,
    })
}

/// What [`walk_through`] saw, and the service still running.
struct Walk {
    /// When the sample resource answered its first 201.
    first_201: Instant,
    /// The service's resident memory, idle after start-up (Linux).
    idle_rss_kib: Option<u64>,
    /// Where it listens (`127.0.0.1:port`).
    address: String,
    /// The service, stopped when the walk is dropped.
    _service: Service,
    /// Its database and log, removed after it stopped (fields drop in order).
    _scratch: tempfile::TempDir,
}

/// `e2e/browser/tests/template-service.test.js` (see the [module docs](self))
/// against the service at `address`: Node.js and Debian's Chromium as `cargo
/// xtask e2e` uses them (`npm ci` in `e2e/browser` when its modules are
/// missing); screenshots in `<target dir>/e2e-artifacts/template`.
fn browser_check(root: &Path, address: &str) -> Result<(), String> {
    let dir = root.join("e2e/browser");
    let chromium = std::env::var_os("EGOV_E2E_CHROMIUM")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.is_file() {
        return Err(format!(
            "no Chromium at {}: install Debian's (`apt-get install -y chromium`), or pass --no-browser",
            chromium.display()
        ));
    }
    if !dir.join("node_modules/.package-lock.json").is_file() {
        println!("==> npm ci (in {})", dir.display());
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefer-offline"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .status()
            .map_err(|e| {
                format!("cannot run npm ({e}): install Node.js 20+ and npm, or pass --no-browser")
            })?;
        if !status.success() {
            return Err(format!("npm ci failed ({status})"));
        }
    }
    let artifacts = target_dir(root).join("e2e-artifacts/template");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).map_err(|e| format!("{}: {e}", artifacts.display()))?;
    let base = format!("http://{address}");
    println!("==> node --test tests/template-service.test.js ({base})");
    let status = Command::new("node")
        .args(["--test", "tests/template-service.test.js"])
        .current_dir(&dir)
        .env("EGOV_TEMPLATE_BASE_URL", &base)
        .env("EGOV_E2E_BASE_URL", &base)
        .env("EGOV_E2E_ARTIFACTS", &artifacts)
        .env("EGOV_E2E_CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run node ({e}): install Node.js 20+, or pass --no-browser"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "node --test exited with {status}; screenshots in {}",
            artifacts.display()
        ))
    }
}

/// `VmRSS` of process `pid`, in KiB (Linux `/proc`).
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

/// One HTTP/1.1 request to `address` (`host:port`), JSON in and out; returns
/// the status and the body.
fn http(
    address: &str,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Result<(u16, String), String> {
    let what = |e: std::io::Error| format!("{method} {path}: {e}");
    let mut stream = TcpStream::connect(address).map_err(what)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(what)?;
    let body = body.map(serde_json::Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\
         accept: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(token) = bearer {
        request.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("content-type: application/json\r\n");
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).map_err(what)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(what)?;
    let (status, body) = parse_response(&response).map_err(|e| format!("{method} {path}: {e}"))?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The status and body of a whole HTTP/1.1 response (`connection: close`),
/// chunked or not.
fn parse_response(raw: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of the response head")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {}", head.lines().next().unwrap_or("")))?;
    let body = &raw[end + 4..];
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    Ok((
        status,
        if chunked {
            dechunk(body)?
        } else {
            body.to_vec()
        },
    ))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size = std::str::from_utf8(&data[..line])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .ok_or("bad chunk size")?;
        data = &data[line + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = data.get(..size).ok_or("truncated chunk")?;
        out.extend_from_slice(chunk);
        data = data.get(size + 2..).ok_or("truncated chunk")?;
    }
}

/// Every `name = "x"` / `name = { version = "x" … }` dependency of the template's
/// `Cargo.toml` must have the version `[workspace.dependencies]` pins.
fn check_dependency_versions(root: &Path) -> Result<(), String> {
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let workspace = read(root.join("Cargo.toml"))?;
    let template = read(root.join("templates/service/Cargo.toml"))?;
    let pinned = dependency_versions(section(&workspace, "[workspace.dependencies]"));
    let mut problems = Vec::new();
    for header in ["[dependencies]", "[dev-dependencies]"] {
        for (name, version) in dependency_versions(section(&template, header)) {
            match pinned.iter().find(|(n, _)| *n == name) {
                Some((_, v)) if *v == version => {}
                Some((_, v)) => problems.push(format!(
                    "templates/service/Cargo.toml: {name} = \"{version}\", but the workspace pins \"{v}\""
                )),
                None => problems.push(format!(
                    "templates/service/Cargo.toml: {name} is not in [workspace.dependencies]"
                )),
            }
        }
    }
    if problems.is_empty() {
        println!("PASS  template dependency versions equal [workspace.dependencies]");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The lines of a TOML section (up to the next `[` header).
fn section<'a>(text: &'a str, header: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .collect()
}

/// `(name, version)` of each dependency line with a version.
fn dependency_versions(lines: Vec<&str>) -> Vec<(&str, &str)> {
    lines
        .into_iter()
        .filter_map(|line| {
            let (name, rest) = line.split_once('=')?;
            let name = name.trim();
            if name.is_empty() || name.starts_with('#') || name.starts_with('{') {
                return None;
            }
            let rest = rest.trim();
            let version = if let Some(quoted) = rest.strip_prefix('"') {
                quoted.split('"').next()?
            } else {
                let at = rest.find("version = \"")? + "version = \"".len();
                rest[at..].split('"').next()?
            };
            // A placeholder (`{{framework_version}}`) is the user's choice.
            (!version.contains("{{")).then_some((name, version))
        })
        .collect()
}

/// The README's "your own service in ten minutes", timed as a newcomer meets
/// it: `git clone` of this checkout's HEAD, cargo-generate (the pinned copy,
/// installed beforehand: `cargo xtask install-tools` is a one-time step timed
/// on its own), the lockfile, the first build on an **empty** target
/// directory (`--timings`), the service started, `create-admin`, the first
/// `201` from the sample resource; then `./ci.sh`; then an incremental
/// rebuild after editing one handler. Prints the figures for
/// docs/benchmarks.md, with the ten crates that took longest to compile.
fn cold_path(root: &Path) -> Result<(), String> {
    let cargo_generate = install_tools(root)?;
    let scratch = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let started = Instant::now();
    let clone = scratch.path().join("egov-rs");
    run_timed(
        "git clone",
        Command::new("git")
            .args(["clone", "--quiet"])
            .arg(root)
            .arg(&clone),
    )?;
    let combination = &COMBINATIONS[0];
    let project = generate(&cargo_generate, &clone, scratch.path(), combination)?;
    std::fs::copy(clone.join("Cargo.lock"), project.join("Cargo.lock"))
        .map_err(|e| format!("copying Cargo.lock: {e}"))?;
    let target = scratch.path().join("target");
    let build = run_timed(
        "cargo build (empty target directory)",
        Command::new(crate::cargo())
            .current_dir(&project)
            .args(["build", "--timings"])
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTC_WORKSPACE_WRAPPER"),
    )?;
    let binary = target.join("debug").join(combination.name);
    let walk = walk_through(&binary, &project, combination.name)?;
    let to_201 = walk.first_201.duration_since(started);
    let idle_rss_kib = walk.idle_rss_kib;
    // Stopped before ./ci.sh and the rebuild of its binary.
    drop(walk);
    let ci = run_timed(
        "./ci.sh",
        Command::new("bash")
            .current_dir(&project)
            .arg("ci.sh")
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("EGOV_PROFILE"),
    )?;
    let total = started.elapsed();
    // One handler edited: the incremental rebuild a developer waits for.
    let handler = project.join("src/notices.rs");
    let mut text =
        std::fs::read_to_string(&handler).map_err(|e| format!("{}: {e}", handler.display()))?;
    text.push_str("\n// edited\n");
    std::fs::write(&handler, text).map_err(|e| format!("{}: {e}", handler.display()))?;
    let incremental = run_timed(
        "cargo build after editing src/notices.rs",
        Command::new(crate::cargo())
            .current_dir(&project)
            .arg("build")
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTC_WORKSPACE_WRAPPER"),
    )?;
    let slowest = slowest_units(&target.join("cargo-timings/cargo-timing.html"))?;
    let rss = idle_rss_kib.map_or("unknown".to_owned(), |kib| {
        format!("{:.1} MiB", kib as f64 / 1024.0)
    });
    println!();
    println!("| step | time |");
    println!("|---|---|");
    println!(
        "| first build, empty target directory | {:.0} s |",
        build.as_secs_f64()
    );
    println!(
        "| `git clone` → first `201` from the sample resource | {:.0} s |",
        to_201.as_secs_f64()
    );
    println!("| `./ci.sh` after that | {:.0} s |", ci.as_secs_f64());
    println!(
        "| the whole path, `git clone` → `./ci.sh` done | {:.0} s |",
        total.as_secs_f64()
    );
    println!(
        "| rebuild after editing one handler | {:.1} s |",
        incremental.as_secs_f64()
    );
    println!("| idle resident memory of the service | {rss} |");
    println!();
    println!("| crate (slowest of the first build) | seconds |");
    println!("|---|---|");
    for (name, seconds) in slowest {
        println!("| {name} | {seconds:.1} |");
    }
    Ok(())
}

/// Runs `command`, failing unless it succeeds; returns how long it took.
fn run_timed(label: &str, command: &mut Command) -> Result<Duration, String> {
    println!("==> {label}");
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cannot run {label}: {e}"))?;
    if !status.success() {
        return Err(format!("{label} failed ({status})"));
    }
    let took = started.elapsed();
    println!("    {label}: {:.1} s", took.as_secs_f64());
    Ok(took)
}

/// The ten compilation units that took longest, from cargo's `--timings`
/// report (its `UNIT_DATA` array: `name`, `version`, `target`, `duration`).
fn slowest_units(report: &Path) -> Result<Vec<(String, f64)>, String> {
    let html = std::fs::read_to_string(report).map_err(|e| format!("{}: {e}", report.display()))?;
    let start = html
        .find("const UNIT_DATA = ")
        .map(|i| i + "const UNIT_DATA = ".len())
        .ok_or("no UNIT_DATA in the --timings report")?;
    let mut stream =
        serde_json::Deserializer::from_str(&html[start..]).into_iter::<serde_json::Value>();
    let units = stream
        .next()
        .ok_or("empty UNIT_DATA")?
        .map_err(|e| format!("UNIT_DATA: {e}"))?;
    let mut durations: Vec<(String, f64)> = units
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|unit| {
            let name = unit["name"].as_str()?;
            let target = unit["target"].as_str().unwrap_or_default();
            let duration = unit["duration"].as_f64()?;
            Some((format!("{name}{target}"), duration))
        })
        .collect();
    durations.sort_by(|a, b| b.1.total_cmp(&a.1));
    durations.truncate(10);
    Ok(durations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dependency_versions() {
        let text = "[dependencies]\n# comment\naxum = { version = \"0.8.9\", features = [\"json\"] }\nserde_json = \"1\"\negov = { path = \"../x\" }\n[dev-dependencies]\nreqwest = \"0.13\"\n";
        let found = dependency_versions(section(text, "[dependencies]"));
        assert_eq!(found, [("axum", "0.8.9"), ("serde_json", "1")]);
        let dev = dependency_versions(section(text, "[dev-dependencies]"));
        assert_eq!(dev, [("reqwest", "0.13")]);
    }

    #[test]
    fn the_template_pins_what_the_workspace_pins() {
        let root = crate::workspace_root();
        check_dependency_versions(&root).unwrap();
    }

    #[test]
    fn responses_are_read_with_or_without_chunks() {
        let plain = b"HTTP/1.1 201 Created\r\ncontent-length: 7\r\n\r\n{\"a\":1}";
        assert_eq!(parse_response(plain).unwrap(), (201, b"{\"a\":1}".to_vec()));
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4;x=y\r\n\":1}\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(chunked).unwrap(),
            (200, b"{\"a\":1}".to_vec())
        );
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
    }

    #[test]
    fn differences_name_the_line() {
        assert!(first_difference("a\nb\n", "a\nc\n").starts_with("line 2"));
    }
}
