//! `cargo xtask bench`: the performance suite (issue #8), written to
//! `docs/benchmarks.md` and `docs/benchmarks-http.svg`.
//!
//! 1. Builds the release binaries (`http-bench-servers`' `bare-axum` and
//!    `egov-full`, `civil-petitions`, `egov-audit`) in their own target
//!    directory: `$EGOV_BENCH_TARGET_DIR`, else
//!    `~/.cache/egov-rs/release-target`.
//! 2. HTTP: starts (a) `bare-axum`, (b) `egov-full` and (c) `civil-petitions
//!    --demo` (50 petitions filed as the demo citizen, listed as the demo
//!    staff), side by side on loopback ports with SQLite files in a temporary
//!    directory; loads them in turn with wrk — a, b, c, a, b, c, a, b, c —
//!    each measured run after a warm-up; reads requests/s, p50 and p99; samples
//!    resident memory from `/proc`.
//! 3. Audit, on SQLite and then PostgreSQL (`EGOV_BENCH_POSTGRES_URL`):
//!    `egov-audit load` with 64 `Committed` callers on three fresh
//!    databases, with one caller, and `egov-audit verify` (skipped by
//!    `--http-only`).
//! 4. Crate benches: `cargo bench` of every bench target in `crates/*/benches`
//!    with short criterion settings; medians from criterion's `estimates.json`
//!    (skipped by `--http-only` and `--skip-crates`).
//! 5. Rewrites the generated section of `docs/benchmarks.md` (between
//!    [`report::BEGIN`] and [`report::END`]; the hand-written sections stay)
//!    and the chart.

mod crates;
mod report;
mod svg;
mod wrk;

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use report::{AuditFigures, Load, Machine, Report, ServerFigures};

/// Measured runs per server.
const RUNS: usize = 3;
/// Petitions filed in (c) before it is loaded.
const PETITIONS: usize = 50;
/// The `Accept-Language` every load request carries.
const ACCEPT_LANGUAGE: &str = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7";
/// How long a server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// `egov-full`'s account (`http_bench_servers::{LOGIN_ID, PASSWORD}`).
const FULL_LOGIN: (&str, &str) = ("bench", "quiet lantern harbor 2026 load");
/// civil-petitions' demo staff (`civil_petitions::DEMO_ACCOUNTS`).
const STAFF_LOGIN: (&str, &str) = ("staff", "green meadow compass 2026");
/// civil-petitions' demo citizen (`civil_petitions::DEMO_ACCOUNTS`).
const CITIZEN_LOGIN: (&str, &str) = ("citizen", "blue harbor lantern 2026");

/// Command-line options of `cargo xtask bench`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// Seconds per measured wrk run.
    duration: u64,
    /// Seconds of warm-up before each measured run.
    warmup: u64,
    /// wrk connections.
    connections: u32,
    /// wrk threads.
    threads: u32,
    /// Only the HTTP part (and memory).
    http_only: bool,
    /// Skip `cargo bench` of the crates (the audit figures still run).
    skip_crates: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            duration: 15,
            warmup: 3,
            connections: 64,
            threads: 1,
            http_only: false,
            skip_crates: false,
        }
    }
}

impl Options {
    /// Parses the arguments after `bench`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> Result<u64, String> {
                let value = args
                    .next()
                    .ok_or_else(|| format!("`{name}` needs a number"))?;
                match value.parse::<u64>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(format!(
                        "`{name}` needs a positive whole number, got `{value}`"
                    )),
                }
            };
            match arg.as_str() {
                "--duration" => options.duration = number("--duration")?,
                "--warmup" => options.warmup = number("--warmup")?,
                "--connections" => {
                    options.connections = u32::try_from(number("--connections")?)
                        .map_err(|_| "`--connections` is too large".to_owned())?;
                }
                "--threads" => {
                    options.threads = u32::try_from(number("--threads")?)
                        .map_err(|_| "`--threads` is too large".to_owned())?;
                }
                "--http-only" => options.http_only = true,
                "--skip-crates" => options.skip_crates = true,
                other => return Err(format!("unknown option to `bench`: `{other}`")),
            }
        }
        if options.threads > options.connections {
            return Err("`--threads` may not exceed `--connections`".to_owned());
        }
        Ok(options)
    }

    /// The command line that repeats a run with these options.
    fn command(&self) -> String {
        let defaults = Self::default();
        let mut command = "cargo xtask bench".to_owned();
        for (name, value, default) in [
            ("--duration", self.duration, defaults.duration),
            ("--warmup", self.warmup, defaults.warmup),
            (
                "--connections",
                u64::from(self.connections),
                u64::from(defaults.connections),
            ),
            (
                "--threads",
                u64::from(self.threads),
                u64::from(defaults.threads),
            ),
        ] {
            if value != default {
                command.push_str(&format!(" {name} {value}"));
            }
        }
        if self.http_only {
            command.push_str(" --http-only");
        }
        if self.skip_crates {
            command.push_str(" --skip-crates");
        }
        command
    }
}

/// Runs the suite from the workspace `root` and rewrites the docs.
pub(crate) fn run(root: &Path, options: &Options) -> Result<(), String> {
    if !Path::new("/proc/self/status").exists() {
        return Err("`cargo xtask bench` reads memory from /proc: it runs on Linux only".into());
    }
    let wrk_version = ensure_wrk()?;
    let target_dir = release_target_dir(root);
    let mut phases: Vec<(&'static str, f64)> = Vec::new();

    let started = Instant::now();
    step(&format!(
        "building release binaries in {}",
        target_dir.display()
    ));
    build_binaries(root, &target_dir)?;
    phases.push(("build", started.elapsed().as_secs_f64()));
    let bin = target_dir.join("release");
    let work = tempfile::Builder::new()
        .prefix("egov-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;

    let mut machine = machine(root, wrk_version);
    let load = Load {
        duration: options.duration,
        warmup: options.warmup,
        connections: options.connections,
        threads: options.threads,
        runs: RUNS,
    };
    let started = Instant::now();
    machine.load_before = load_average();
    let servers = http_suite(&bin, work.path(), &load)?;
    phases.push(("HTTP", started.elapsed().as_secs_f64()));

    let audit = if options.http_only {
        Vec::new()
    } else {
        let started = Instant::now();
        let figures = audit_suites(&bin.join("egov-audit"), work.path())?;
        phases.push(("audit", started.elapsed().as_secs_f64()));
        figures
    };
    let crates = if options.http_only || options.skip_crates {
        None
    } else {
        let started = Instant::now();
        let criterion_home = work.path().join("criterion");
        step("building the crate benches (cargo bench --no-run)");
        let built = crates::build(root, &target_dir)?;
        let mut outcomes = Vec::new();
        for target in crates::TARGETS {
            step(&format!("bench `{}` of {}", target.bench, target.package));
            let outcome = crates::run_target(&built, &criterion_home, *target)?;
            println!(
                "    {:.0} s, {} criterion medians, {} printed lines",
                outcome.seconds,
                outcome.medians.len(),
                outcome.printed.len()
            );
            outcomes.push((*target, outcome));
        }
        phases.push(("crate benches", started.elapsed().as_secs_f64()));
        Some(outcomes)
    };

    let report = Report {
        machine,
        command: options.command(),
        load,
        servers,
        audit,
        crates,
        phases,
    };
    write_docs(root, &report)?;
    let total: f64 = report.phases.iter().map(|(_, s)| s).sum();
    println!(
        "bench: done in {total:.0} s; docs/benchmarks.md and docs/benchmarks-http.svg written"
    );
    if let Some(ratio) = report.ratio() {
        println!(
            "bench: (b)/(a) = {ratio:.2}× (goal ≥ {}×: {})",
            report::RATIO_GOAL,
            if ratio >= report::RATIO_GOAL {
                "met"
            } else {
                "not met"
            }
        );
    }
    Ok(())
}

/// Prints a progress line.
fn step(what: &str) {
    println!("bench: {what}");
}

/// The release target directory: `$EGOV_BENCH_TARGET_DIR`, else
/// `~/.cache/egov-rs/release-target`, else `target/bench` in the workspace.
fn release_target_dir(root: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("EGOV_BENCH_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache/egov-rs/release-target"),
        None => root.join("target/bench"),
    }
}

/// `wrk -v`'s first line; installs wrk with apt-get when it is missing.
fn ensure_wrk() -> Result<String, String> {
    if let Some(version) = wrk_version() {
        return Ok(version);
    }
    step("wrk not found: installing it (apt-get install wrk)");
    let install = |update: bool| -> bool {
        if update {
            let _ = Command::new("apt-get")
                .args(["-o", "DPkg::Lock::Timeout=300", "update", "-qq"])
                .status();
        }
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args([
                "-o",
                "DPkg::Lock::Timeout=300",
                "install",
                "-y",
                "-qq",
                "wrk",
            ])
            .status()
            .is_ok_and(|status| status.success())
    };
    if !install(false) && !install(true) {
        return Err(
            "wrk is needed to load the servers and could not be installed: install it \
                    (Debian: `apt-get install wrk`, as root) or put a wrk 4 on PATH"
                .into(),
        );
    }
    wrk_version().ok_or_else(|| "wrk was installed but does not run".into())
}

fn wrk_version() -> Option<String> {
    let output = Command::new("wrk").arg("-v").output().ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let first = text.lines().next()?.trim();
    // "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
    let version = first.split(" Copyright").next().unwrap_or(first);
    version.starts_with("wrk").then(|| version.to_owned())
}

fn build_binaries(root: &Path, target_dir: &Path) -> Result<(), String> {
    let status = Command::new(crate::cargo())
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .args([
            "build",
            "--release",
            "--package",
            "http-bench-servers",
            "--package",
            "civil-petitions",
            "--package",
            "egov-audit",
            "--bins",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("building the release binaries failed".into())
    }
}

// ---------------------------------------------------------------------------
// the machine

fn machine(root: &Path, wrk: String) -> Machine {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| status_field_kib(&text, "MemTotal"))
        .map_or_else(
            || "unknown".into(),
            |kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0),
        );
    let os_release = fs::read_to_string("/etc/os-release").unwrap_or_default();
    let distribution = os_release
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map_or("Linux", |name| name.trim_matches('"'));
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .current_dir(root)
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Machine {
        cpu,
        cores,
        memory,
        os: format!("{distribution}, kernel {}", kernel.trim()),
        rustc,
        wrk,
        date: report::utc_date(now),
        load_before: String::new(),
    }
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// The value in KiB of `field` (`VmRSS`, `VmHWM`, `MemTotal`, …) in a
/// `/proc/PID/status` or `/proc/meminfo` text.
fn status_field_kib(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        if key != field {
            return None;
        }
        value.split_whitespace().next()?.parse().ok()
    })
}

fn process_kib(pid: u32, field: &str) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|text| status_field_kib(&text, field))
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// servers

/// A started server; killed when dropped.
struct Server {
    /// What is reported about it, filled in as the suite goes.
    figures: ServerFigures,
    child: Child,
    /// `host:port`.
    address: String,
    /// The path loaded.
    path: &'static str,
    /// Login for a bearer token before each run: (login id, password).
    login: Option<(&'static str, &'static str)>,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Fails, with the end of its log, when the process has exited.
    fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{} {} exited ({status}); its log ends:\n{}",
                self.figures.key,
                self.figures.name,
                log_tail(&self.log)
            )),
            Err(e) => Err(format!(
                "{}: cannot check the process: {e}",
                self.figures.name
            )),
        }
    }

    fn headers(&self) -> Result<Vec<(String, String)>, String> {
        let mut headers = vec![("Accept-Language".to_owned(), ACCEPT_LANGUAGE.to_owned())];
        if let Some((login_id, password)) = self.login {
            let token = log_in(&self.address, login_id, password)?;
            headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
        }
        Ok(headers)
    }
}

fn log_tail(log: &Path) -> String {
    crates::tail(&fs::read_to_string(log).unwrap_or_default(), 15)
}

/// Starts `program` in `dir` with `env`, its output going to `log`; waits
/// for the `listening on http://ADDRESS` line and returns the child and
/// the address.
fn spawn_server(
    program: &Path,
    args: &[&str],
    env: &[(&str, String)],
    dir: &Path,
    log: &Path,
) -> Result<(Child, String), String> {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let file = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let (found, address) = mpsc::channel::<String>();
    if let Some(stdout) = child.stdout.take() {
        let mut file = file
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                let _ = file.write_all(line.as_bytes());
                if let Some((_, rest)) = line.split_once("listening on http://") {
                    let address = rest.split_whitespace().next().unwrap_or_default();
                    let _ = found.send(address.trim_end_matches('/').to_owned());
                }
                line.clear();
            }
        });
    }
    if let Some(mut stderr) = child.stderr.take() {
        let mut file = file;
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stderr, &mut file);
        });
    }
    match address.recv_timeout(START_TIMEOUT) {
        Ok(address) => Ok((child, address)),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            // Give the copying threads a moment to write the last lines.
            std::thread::sleep(Duration::from_millis(200));
            Err(format!(
                "{} printed no `listening on` line; its log ends:\n{}",
                program.display(),
                log_tail(log)
            ))
        }
    }
}

fn start_servers(bin: &Path, work: &Path) -> Result<Vec<Server>, String> {
    let common = |db: &str| -> Vec<(&str, String)> {
        vec![
            ("EGOV_PROFILE", "dev".to_owned()),
            ("EGOV__SERVER__HOST", "127.0.0.1".to_owned()),
            ("EGOV__SERVER__PORT", "0".to_owned()),
            (
                "EGOV__DATABASE__URL",
                format!("sqlite://{}", work.join(db).display()),
            ),
            ("EGOV__TELEMETRY__LOG_FILTER", "warn".to_owned()),
        ]
    };
    let mut servers = Vec::new();
    step("starting (a) bare-axum, (b) egov-full, (c) civil-petitions --demo");
    let log = work.join("bare-axum.log");
    let (child, address) = spawn_server(&bin.join("bare-axum"), &[], &[], work, &log)?;
    servers.push(Server {
        figures: figures(
            "(a)",
            "bare axum",
            "`benches/http-servers` `bare-axum`: a plain axum router, one handler \
               returning a small JSON notice (`GET /api/notice`)"
                .into(),
        ),
        child,
        address,
        path: "/api/notice",
        login: None,
        log,
    });
    let log = work.join("egov-full.log");
    let (child, address) =
        spawn_server(&bin.join("egov-full"), &[], &common("full.db"), work, &log)?;
    servers.push(Server {
        figures: figures(
            "(b)",
            "egov-web, full stack",
            "`benches/http-servers` `egov-full`: the same handler and body behind egov-web's \
               `App` — bearer JWT verified by egov-auth, `AccessPolicy::Permission` check, \
               every request in the audit trail with `Committed` durability (SQLite WAL), \
               locale negotiation, problem rendering, security headers"
                .into(),
        ),
        child,
        address,
        path: "/api/notice",
        login: Some(FULL_LOGIN),
        log,
    });
    let log = work.join("civil-petitions.log");
    let (child, address) = spawn_server(
        &bin.join("civil-petitions"),
        &["--demo"],
        &common("civil-petitions.db"),
        work,
        &log,
    )?;
    servers.push(Server {
        figures: figures(
            "(c)",
            "civil-petitions list",
            format!(
                "`examples/civil-petitions` `GET /api/petitions` as the demo staff: the first page \
             (20) of {PETITIONS} petitions, a count and a page query on SQLite, resident \
             numbers shown masked, the whole stack as in (b)"
            ),
        ),
        child,
        address,
        path: "/api/petitions",
        login: Some(STAFF_LOGIN),
        log,
    });
    Ok(servers)
}

/// The figures of a server not measured yet.
fn figures(key: &'static str, name: &'static str, what: String) -> ServerFigures {
    ServerFigures {
        key,
        name,
        what,
        runs: Vec::new(),
        idle_rss_kib: 0,
        setup_rss_kib: 0,
        load_rss_kib: 0,
        peak_rss_kib: 0,
    }
}

/// Files [`PETITIONS`] petitions in (c) as the demo citizen.
fn seed_petitions(address: &str) -> Result<(), String> {
    let token = log_in(address, CITIZEN_LOGIN.0, CITIZEN_LOGIN.1)?;
    let authorization = format!("Bearer {token}");
    for i in 1..=PETITIONS {
        let body = serde_json::json!({
            "petition_type": "GENERAL",
            "region": "11110",
            "title": format!("가로등 고장 신고 {i}"),
            "body": "종로구 ○○로 12 앞 가로등이 꺼져 있습니다.",
            "resident_number": "900101-1234568",
            "phone": "010-1234-5678",
            "postal_code": "03154",
        })
        .to_string();
        let (status, text) = http(
            address,
            "POST",
            "/api/petitions",
            &[("Authorization", authorization.as_str())],
            Some(&body),
        )?;
        if status != 201 {
            return Err(format!(
                "filing petition {i} answered {status}: {}",
                truncate(&text)
            ));
        }
    }
    Ok(())
}

/// Logs in at `POST /auth/login`; returns the access token.
fn log_in(address: &str, login_id: &str, password: &str) -> Result<String, String> {
    let body = serde_json::json!({"login_id": login_id, "password": password}).to_string();
    let (status, text) = http(address, "POST", "/auth/login", &[], Some(&body))?;
    if status != 200 {
        return Err(format!(
            "logging in as `{login_id}` at {address} answered {status}: {}",
            truncate(&text)
        ));
    }
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("access_token")?.as_str().map(str::to_owned))
        .ok_or_else(|| format!("the login answer has no access_token: {}", truncate(&text)))
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}

/// One HTTP/1.1 request with `Connection: close`: (status, body).
fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let failed = |e: std::io::Error| format!("{method} http://{address}{path}: {e}");
    let mut stream = TcpStream::connect(address).map_err(failed)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(failed)?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or_default());
    stream.write_all(request.as_bytes()).map_err(failed)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(failed)?;
    parse_response(&response).map_err(|e| format!("{method} http://{address}{path}: {e}"))
}

/// (status, body) of a whole HTTP/1.1 response; a chunked body is joined.
fn parse_response(response: &[u8]) -> Result<(u16, String), String> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| "incomplete HTTP response".to_owned())?;
    let head = String::from_utf8_lossy(&response[..split]);
    let body = &response[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {}", head.lines().next().unwrap_or("")))?;
    let chunked = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    if !chunked {
        return Ok((status, String::from_utf8_lossy(body).into_owned()));
    }
    let mut joined = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| "truncated chunked body".to_owned())?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size `{size_text}`"))?;
        if size == 0 {
            return Ok((status, String::from_utf8_lossy(&joined).into_owned()));
        }
        let data = &rest[line_end + 2..];
        let chunk = data
            .get(..size)
            .ok_or_else(|| "truncated chunk".to_owned())?;
        joined.extend_from_slice(chunk);
        rest = data[size..].strip_prefix(b"\r\n").unwrap_or(&data[size..]);
    }
}

// ---------------------------------------------------------------------------
// the HTTP suite

fn http_suite(bin: &Path, work: &Path, load: &Load) -> Result<Vec<ServerFigures>, String> {
    let mut servers = start_servers(bin, work)?;
    std::thread::sleep(Duration::from_secs(1));
    for server in &mut servers {
        server.figures.idle_rss_kib = process_kib(server.child.id(), "VmRSS");
    }
    step(&format!(
        "filing {PETITIONS} petitions in (c) as the demo citizen"
    ));
    seed_petitions(&servers[2].address)?;

    // Same request, same answer: (a) and (b) must send identical bodies.
    let mut bodies = Vec::new();
    for server in &servers {
        let headers = server.headers()?;
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (status, body) = http(&server.address, "GET", server.path, &headers, None)?;
        if status != 200 {
            return Err(format!(
                "{} GET {} answered {status}: {}",
                server.figures.key,
                server.path,
                truncate(&body)
            ));
        }
        bodies.push(body);
    }
    if bodies[0] != bodies[1] {
        return Err(format!(
            "(a) and (b) answer different bodies:\n{}\n{}",
            bodies[0], bodies[1]
        ));
    }
    servers[0].figures.what = servers[0].figures.what.replace(
        "a small JSON notice",
        &format!("a {}-byte JSON notice", bodies[0].len()),
    );
    if !bodies[2].contains("\"items\"") {
        return Err(format!("(c) answered no page: {}", truncate(&bodies[2])));
    }

    std::thread::sleep(Duration::from_secs(1));
    for server in &mut servers {
        server.figures.setup_rss_kib = process_kib(server.child.id(), "VmRSS");
    }
    for round in 1..=load.runs {
        for server in &mut servers {
            server.check_alive()?;
            let headers = server.headers()?;
            let url = format!("http://{}{}", server.address, server.path);
            step(&format!(
                "run {round}/{}: {} {} ({} s warm-up, {} s measured)",
                load.runs, server.figures.key, server.figures.name, load.warmup, load.duration
            ));
            wrk(&url, &headers, load, load.warmup)?;
            let pid = server.child.id();
            let peak = AtomicU64::new(0);
            let done = AtomicBool::new(false);
            let output = std::thread::scope(|scope| {
                scope.spawn(|| {
                    while !done.load(Ordering::Relaxed) {
                        peak.fetch_max(process_kib(pid, "VmRSS"), Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(100));
                    }
                });
                let output = wrk(&url, &headers, load, load.duration);
                done.store(true, Ordering::Relaxed);
                output
            })?;
            let run = wrk::parse(&output)
                .map_err(|e| format!("{} run {round}: {e}\n{output}", server.figures.key))?;
            if run.non_2xx > 0 {
                return Err(format!(
                    "{} run {round}: {} of {} responses were not 2xx/3xx; the figures would \
                     not be of the intended request. The server's log ends:\n{}",
                    server.figures.key,
                    run.non_2xx,
                    run.requests,
                    log_tail(&server.log)
                ));
            }
            println!(
                "    {} req/s, p50 {}, p99 {}",
                report::thousands(run.requests_per_sec),
                report::time(run.p50),
                report::time(run.p99)
            );
            let figures = &mut server.figures;
            figures.load_rss_kib = figures.load_rss_kib.max(peak.load(Ordering::Relaxed));
            figures.runs.push(run);
        }
    }
    let mut figures = Vec::new();
    for server in &mut servers {
        server.check_alive()?;
        server.figures.peak_rss_kib = process_kib(server.child.id(), "VmHWM");
        figures.push(server.figures.clone());
    }
    Ok(figures)
}

/// Runs wrk against `url` for `seconds`; returns its report.
fn wrk(
    url: &str,
    headers: &[(String, String)],
    load: &Load,
    seconds: u64,
) -> Result<String, String> {
    let mut command = Command::new("wrk");
    command.args([
        "--latency".to_owned(),
        format!("--threads={}", load.threads),
        format!("--connections={}", load.connections),
        format!("--duration={seconds}s"),
        "--timeout=10s".to_owned(),
    ]);
    for (name, value) in headers {
        command.arg("--header").arg(format!("{name}: {value}"));
    }
    let output = command
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "wrk failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

// ---------------------------------------------------------------------------
// the audit trail

/// Where `cargo xtask bench` measures the audit trail on PostgreSQL: an admin
/// URL whose server may get fresh `egov_bench_audit_*` databases (created and
/// dropped with `psql`).
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The audit figures on SQLite, then on PostgreSQL (`EGOV_BENCH_POSTGRES_URL`,
/// default [`POSTGRES_URL`]; `EGOV_BENCH_POSTGRES_URL=off` skips it).
fn audit_suites(binary: &Path, work: &Path) -> Result<Vec<AuditFigures>, String> {
    let sqlite = |name: &str| Ok(format!("sqlite://{}", work.join(name).display()));
    let mut suites = vec![audit_suite(binary, work, "SQLite WAL", &sqlite)?];
    let admin = std::env::var("EGOV_BENCH_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.into());
    if admin != "off" {
        let base = admin
            .rsplit_once('/')
            .map(|(base, _)| base.to_owned())
            .ok_or_else(|| format!("EGOV_BENCH_POSTGRES_URL has no database: {admin}"))?;
        let postgres = |name: &str| {
            let database = format!("egov_bench_{}", name.replace(['-', '.'], "_"));
            let status = Command::new("psql")
                .env("PGOPTIONS", "-c client_min_messages=warning")
                .args([admin.as_str(), "-q", "-c"])
                .arg(format!("DROP DATABASE IF EXISTS {database}"))
                .arg("-c")
                .arg(format!("CREATE DATABASE {database}"))
                .status()
                .map_err(|e| format!("cannot run psql (needed for the PostgreSQL figures): {e}"))?;
            if !status.success() {
                return Err(format!("psql could not create {database} on {admin}"));
            }
            Ok(format!("{base}/{database}"))
        };
        suites.push(audit_suite(binary, work, "PostgreSQL", &postgres)?);
    }
    Ok(suites)
}

/// Three 64-caller append runs, one single-caller run and a verify of the first
/// run's events, each on a database `fresh` makes for a name.
fn audit_suite(
    binary: &Path,
    work: &Path,
    backend: &'static str,
    fresh: &dyn Fn(&str) -> Result<String, String>,
) -> Result<AuditFigures, String> {
    let mut append = Vec::new();
    let mut first = None;
    for run in 1..=3 {
        step(&format!(
            "audit append run {run}/3 ({backend}): egov-audit load --callers 64 --events 1000"
        ));
        let db = fresh(&format!("audit-{run}.db"))?;
        let output = crates::egov_audit(
            binary,
            work,
            &["load", "--db", &db, "--callers", "64", "--events", "1000"],
        )?;
        let parsed = crates::parse_load(&output)?;
        println!(
            "    {} events/s, p50 {}, p99 {}",
            report::thousands(parsed.events_per_sec),
            report::time(parsed.p50),
            report::time(parsed.p99)
        );
        append.push(parsed);
        first.get_or_insert(db);
    }
    step(&format!(
        "audit single caller ({backend}): egov-audit load --callers 1 --events 2000"
    ));
    let db = fresh("audit-single.db")?;
    let single = crates::parse_load(&crates::egov_audit(
        binary,
        work,
        &["load", "--db", &db, "--callers", "1", "--events", "2000"],
    )?)?;
    // verify's own figure needs a chain long enough that the process's start
    // (connecting, migrations, checkpoints) is not most of it.
    step(&format!(
        "audit verify ({backend}): egov-audit load --callers 64 --events {VERIFY_EVENTS_PER_CALLER}, then verify {VERIFY_RUNS} times"
    ));
    let db = fresh("audit-verify.db")?;
    crates::egov_audit(
        binary,
        work,
        &[
            "load",
            "--db",
            &db,
            "--callers",
            "64",
            "--events",
            &VERIFY_EVENTS_PER_CALLER.to_string(),
        ],
    )?;
    let mut verify_seconds = Vec::new();
    let mut verified_events = 0;
    for _ in 0..VERIFY_RUNS {
        let started = Instant::now();
        let output = crates::egov_audit(binary, work, &["verify", "--db", &db])?;
        verify_seconds.push(started.elapsed().as_secs_f64());
        verified_events = output
            .lines()
            .find_map(|line| {
                let (_, rest) = line.split_once(": ")?;
                rest.split_once(" events checked")?.0.trim().parse().ok()
            })
            .ok_or_else(|| format!("egov-audit verify printed no count:\n{output}"))?;
        if !output.lines().any(|line| line.trim() == "ok") {
            return Err(format!("egov-audit verify did not answer ok:\n{output}"));
        }
        println!(
            "    {verified_events} events in {:.2} s",
            verify_seconds.last().copied().unwrap_or_default()
        );
    }
    Ok(AuditFigures {
        backend,
        append,
        single,
        verified_events,
        verify_seconds,
    })
}

/// Events each of 64 callers appends for the verify figure (320,000 in all).
const VERIFY_EVENTS_PER_CALLER: u64 = 5000;

/// `egov-audit verify` runs of that chain; the report gives their median.
const VERIFY_RUNS: usize = 3;

// ---------------------------------------------------------------------------
// the docs

fn write_docs(root: &Path, report: &Report) -> Result<(), String> {
    let docs = root.join("docs");
    let page = docs.join("benchmarks.md");
    let current = match fs::read_to_string(&page) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Measurements\n".to_owned(),
        Err(e) => return Err(format!("cannot read {}: {e}", page.display())),
    };
    let rewritten = report::rewrite(&current, &report::markdown(report))?;
    fs::write(&page, rewritten).map_err(|e| format!("cannot write {}: {e}", page.display()))?;
    if !report.servers.is_empty() {
        let load = &report.load;
        let chart = svg::chart(
            &report.servers,
            "The same JSON GET: median requests/s of 3 runs",
            &format!(
                "wrk, {} connections, {} s per run, loopback; {}; {}",
                load.connections, load.duration, report.machine.date, report.machine.cpu
            ),
        );
        let path = docs.join("benchmarks-http.svg");
        fs::write(&path, chart).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_parse_and_print_back() {
        let options = Options::parse(&args(&["--duration", "3", "--skip-crates"])).unwrap();
        assert_eq!(options.duration, 3);
        assert!(options.skip_crates && !options.http_only);
        assert_eq!(
            options.command(),
            "cargo xtask bench --duration 3 --skip-crates"
        );
        assert_eq!(Options::parse(&[]).unwrap().command(), "cargo xtask bench");
        assert!(Options::parse(&args(&["--duration"])).is_err());
        assert!(Options::parse(&args(&["--duration", "0"])).is_err());
        assert!(Options::parse(&args(&["--connections", "x"])).is_err());
        assert!(Options::parse(&args(&["--threads", "8", "--connections", "4"])).is_err());
        assert!(Options::parse(&args(&["--fast"])).is_err());
    }

    #[test]
    fn the_logins_are_the_servers_own() {
        let servers = include_str!("../../benches/http-servers/src/lib.rs");
        assert!(servers.contains(&format!("pub const LOGIN_ID: &str = \"{}\";", FULL_LOGIN.0)));
        assert!(servers.contains(&format!("pub const PASSWORD: &str = \"{}\";", FULL_LOGIN.1)));
        let petitions = include_str!("../../examples/civil-petitions/src/lib.rs");
        for (login_id, password) in [STAFF_LOGIN, CITIZEN_LOGIN] {
            assert!(petitions.contains(&format!("(\"{login_id}\", \"{password}\", ")));
        }
    }

    #[test]
    fn reads_proc_status_fields() {
        let status = "Name:\tcivil-petitions\nVmHWM:\t   41000 kB\nVmRSS:\t   13600 kB\n";
        assert_eq!(status_field_kib(status, "VmRSS"), Some(13_600));
        assert_eq!(status_field_kib(status, "VmHWM"), Some(41_000));
        assert_eq!(status_field_kib(status, "VmSwap"), None);
    }

    #[test]
    fn parses_plain_and_chunked_responses() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (200, "{}".to_owned()));
        let chunked =
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(chunked).unwrap(),
            (201, "{\"a\":1}".to_owned())
        );
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }
}
