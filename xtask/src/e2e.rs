//! `cargo xtask e2e`: end-to-end tests against the real civil-petitions binary.
//!
//! 1. **Browser** ([`browser`], also the `browser` step of `cargo xtask ci`):
//!    checks that Debian's Chromium (`/usr/bin/chromium`, or
//!    `$EGOV_E2E_CHROMIUM`) and Node.js 20+ are there, runs `npm ci` in
//!    `e2e/browser` when `node_modules` is missing or older than the lockfile,
//!    builds civil-petitions (dev profile), starts it with `--demo` on a free
//!    127.0.0.1 port and a fresh SQLite database, waits for `/health/ready`,
//!    reads the first administrator's one-time password from its stdout, runs
//!    `node --test` on `e2e/browser/tests/*.test.js` (playwright-core driving
//!    Chromium), and stops the server whatever happened. Screenshots and the
//!    server's log go to `<target dir>/e2e-artifacts/browser`. With
//!    `EGOV_E2E_ONLY=<text>` only the test files whose name contains `<text>`
//!    run (e.g. `EGOV_E2E_ONLY=petitions-pages`; several, comma-separated).
//! 2. **Faults** (not with `--browser-only`): `cargo nextest run -p
//!    civil-petitions --test faults` (`cargo test` without nextest) with
//!    `EGOV_FAULTS_FULL=1`.
//!
//! Further suites against the real service belong in [`run`], after these.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use cargo_metadata::{Message, MetadataCommand};

/// Where Debian's `chromium` package puts the browser.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// The oldest Node.js the tests run on (`node:test`, `fetch`).
const MIN_NODE_MAJOR: u32 = 20;
/// How long the service may take from start to answering `/health/ready`.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the service may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// Runs only the test files whose name contains this variable's value (or one of
/// its comma-separated parts).
const ONLY_VAR: &str = "EGOV_E2E_ONLY";

/// Command-line options of `cargo xtask e2e`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// Run only the browser tests.
    browser_only: bool,
}

impl Options {
    /// Parses the arguments after `e2e`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self::default();
        for arg in args {
            match arg.as_str() {
                "--browser-only" => options.browser_only = true,
                other => return Err(format!("unknown option to `e2e`: `{other}`")),
            }
        }
        Ok(options)
    }
}

/// Runs the browser tests, then (unless `--browser-only`) the fault suite.
pub(crate) fn run(root: &Path, options: &Options) -> Result<(), String> {
    browser(root)?;
    if options.browser_only {
        return Ok(());
    }
    // The suites after the browser tests; add further ones here.
    faults(root)
}

/// The browser tests against the real binary (see the [module docs](self)).
pub(crate) fn browser(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let chromium = chromium()?;
    check_node()?;
    let tests_dir = root.join("e2e").join("browser");
    install_node_modules(&tests_dir)?;
    let tests = test_files(&tests_dir)?;

    let binary = build_service(root)?;
    let artifacts = artifacts_dir(root)?;
    if artifacts.exists() {
        std::fs::remove_dir_all(&artifacts)
            .map_err(|e| format!("cannot clear {}: {e}", artifacts.display()))?;
    }
    std::fs::create_dir_all(&artifacts)
        .map_err(|e| format!("cannot create {}: {e}", artifacts.display()))?;
    let log = artifacts.join("server.log");

    let server = Server::start(&binary, &log)?;
    println!(
        "    civil-petitions (pid {}) ready at {}",
        server.child.id(),
        server.base_url
    );
    println!("==> node --test {}", tests.join(" "));
    let status = Command::new("node")
        .arg("--test")
        .args(&tests)
        .current_dir(&tests_dir)
        .env("EGOV_E2E_BASE_URL", &server.base_url)
        .env("EGOV_E2E_ADMIN_PASSWORD", &server.admin_password)
        .env("EGOV_E2E_ARTIFACTS", &artifacts)
        .env("EGOV_E2E_CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .status();
    // Stopped before anything is reported, failure or not.
    drop(server);
    println!("    screenshots: {}", artifacts.display());
    println!("    server log:  {}", log.display());
    let status = status.map_err(|e| format!("cannot run node: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the browser tests failed ({status}); screenshots in {}",
            artifacts.display()
        ));
    }
    println!(
        "    browser tests passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The fault-injection suite of civil-petitions, in full.
fn faults(root: &Path) -> Result<(), String> {
    let suite = root.join("examples/civil-petitions/tests/faults.rs");
    if !suite.is_file() {
        return Err(format!("the fault suite {} is missing", suite.display()));
    }
    let envs = [("EGOV_FAULTS_FULL", "1".to_owned())];
    if crate::ci::nextest_available(root) {
        crate::ci::cargo_step(
            root,
            &[
                "nextest",
                "run",
                "--package",
                "civil-petitions",
                "--test",
                "faults",
            ],
            &envs,
        )
    } else {
        println!("    (cargo-nextest not found; using cargo test)");
        crate::ci::cargo_step(
            root,
            &["test", "--package", "civil-petitions", "--test", "faults"],
            &envs,
        )
    }
}

/// The Chromium to drive: `$EGOV_E2E_CHROMIUM`, else Debian's.
fn chromium() -> Result<PathBuf, String> {
    let path = std::env::var_os("EGOV_E2E_CHROMIUM")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_CHROMIUM), PathBuf::from);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "no Chromium at {}: install Debian's with `apt-get update && apt-get install -y chromium` \
             (playwright-core never downloads a browser; `npx playwright install` does not work here)",
            path.display()
        ))
    }
}

/// Node.js must be installed, version 20 or newer.
fn check_node() -> Result<(), String> {
    let install = "install Node.js 20+ with `apt-get update && apt-get install -y nodejs npm`";
    let output = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `node` ({e}): {install}"))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    match node_major(&version) {
        Some(major) if output.status.success() && major >= MIN_NODE_MAJOR => Ok(()),
        _ => Err(format!("node {version:?} is too old or broken: {install}")),
    }
}

/// The major version of `node --version` output such as `v20.19.2`.
fn node_major(version: &str) -> Option<u32> {
    version.strip_prefix('v')?.split('.').next()?.parse().ok()
}

/// `npm ci` in `dir` when `node_modules` is missing or older than the lockfile.
fn install_node_modules(dir: &Path) -> Result<(), String> {
    // npm writes this file at the end of every install.
    let marker = dir.join("node_modules").join(".package-lock.json");
    let inputs: Vec<SystemTime> = ["package-lock.json", "package.json"]
        .iter()
        .filter_map(|name| modified(&dir.join(name)))
        .collect();
    if !needs_install(modified(&marker), &inputs) {
        return Ok(());
    }
    let shown = "npm ci --no-audit --no-fund --prefer-offline";
    println!("==> {shown} (in {})", dir.display());
    let started = Instant::now();
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefer-offline"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| {
            format!(
                "cannot run npm ({e}): install it with `apt-get update && apt-get install -y npm`"
            )
        })?;
    if !status.success() {
        return Err(format!("`{shown}` exited with {status}"));
    }
    println!(
        "    node modules installed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// When `path` was last modified, if it exists.
fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether an install (last finished at `installed`) predates any of `inputs`.
fn needs_install(installed: Option<SystemTime>, inputs: &[SystemTime]) -> bool {
    installed.is_none_or(|installed| inputs.iter().any(|input| *input > installed))
}

/// The test files of `dir/tests` (`*.test.js`), relative to `dir`, sorted.
fn test_files(dir: &Path) -> Result<Vec<String>, String> {
    let tests = dir.join("tests");
    let entries =
        std::fs::read_dir(&tests).map_err(|e| format!("cannot read {}: {e}", tests.display()))?;
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".test.js"))
        .map(|name| format!("tests/{name}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no *.test.js in {}", tests.display()));
    }
    let only = std::env::var(ONLY_VAR).unwrap_or_default();
    let selected = select(files, &only);
    if selected.is_empty() {
        return Err(format!(
            "{ONLY_VAR}={only:?} names none of the *.test.js in {}",
            tests.display()
        ));
    }
    Ok(selected)
}

/// The files whose name contains one of the comma-separated parts of `only`; all of
/// them when `only` is empty.
fn select(files: Vec<String>, only: &str) -> Vec<String> {
    let parts: Vec<&str> = only
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return files;
    }
    files
        .into_iter()
        .filter(|file| parts.iter().any(|part| file.contains(part)))
        .collect()
}

/// `cargo build -p civil-petitions` (dev profile); returns the binary's path.
/// Builds the civil-petitions binary; its path.
pub(crate) fn build_service(root: &Path) -> Result<PathBuf, String> {
    let shown = "cargo build --package civil-petitions --bin civil-petitions";
    println!("==> {shown}");
    let mut child = Command::new(crate::cargo())
        .args([
            "build",
            "--package",
            "civil-petitions",
            "--bin",
            "civil-petitions",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let mut binary = None;
    if let Some(stdout) = child.stdout.take() {
        for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
            if let Message::CompilerArtifact(artifact) = message
                && artifact.target.name == "civil-petitions"
                && let Some(executable) = artifact.executable
            {
                binary = Some(PathBuf::from(executable));
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("`{shown}` did not finish: {e}"))?;
    if !status.success() {
        return Err(format!("`{shown}` exited with {status}"));
    }
    binary.ok_or_else(|| format!("`{shown}` named no civil-petitions executable"))
}

/// `<target dir>/e2e-artifacts/browser`.
fn artifacts_dir(root: &Path) -> Result<PathBuf, String> {
    Ok(artifacts_root(root)?.join("browser"))
}

/// `<target dir>/e2e-artifacts`.
pub(crate) fn artifacts_root(root: &Path) -> Result<PathBuf, String> {
    let metadata = MetadataCommand::new()
        .cargo_path(crate::cargo())
        .current_dir(root)
        .no_deps()
        .exec()
        .map_err(|e| format!("cargo metadata failed: {e}"))?;
    Ok(PathBuf::from(metadata.target_directory).join("e2e-artifacts"))
}

/// What the service prints on stdout at start: where the first
/// administrator's one-time password is (a file, since its stdout is not a
/// terminal) and the address it listens on.
#[derive(Debug, Default, PartialEq, Eq)]
struct Startup {
    /// The file holding the one-time password.
    password_file: Option<PathBuf>,
    /// `http://127.0.0.1:PORT`.
    base_url: Option<String>,
}

impl Startup {
    /// Takes in one line of the service's stdout.
    fn feed(&mut self, line: &str) {
        let text = line.trim();
        if let Some(rest) = text.split("one-time password is in the file ").nth(1) {
            let path = rest.split(" (").next().unwrap_or_default();
            self.password_file = Some(PathBuf::from(path));
        } else if let Some(rest) = text.split("listening on http://").nth(1) {
            let address = rest.split_whitespace().next().unwrap_or_default();
            self.base_url = Some(format!("http://{address}"));
        }
    }
}

/// The running service; dropping it stops it (SIGTERM, then SIGKILL).
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
    /// The first administrator's one-time password.
    pub(crate) admin_password: String,
    /// Copies the service's stdout into the log.
    copier: Option<JoinHandle<()>>,
    /// The database's directory, removed after the service stopped.
    _data: tempfile::TempDir,
}

impl Server {
    /// Starts `binary` with `--demo` on a fresh SQLite database and a free port,
    /// its output going to `log`; returns once `/health/ready` answers 200.
    pub(crate) fn start(binary: &Path, log: &Path) -> Result<Self, String> {
        let data = tempfile::Builder::new()
            .prefix("egov-e2e-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let log_file =
            File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let stderr = log_file
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        let mut command = Command::new(binary);
        // Only this run's configuration: no EGOV__… from the caller's environment.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("EGOV__") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .arg("--demo")
            .current_dir(data.path())
            .env("EGOV_PROFILE", "dev")
            .env("EGOV__SERVER__HOST", "127.0.0.1")
            // Port 0: the system picks a free one; the service prints it.
            .env("EGOV__SERVER__PORT", "0")
            .env(
                "EGOV__DATABASE__URL",
                format!("sqlite://{}/cp.db", data.path().display()),
            )
            .env("EGOV__TELEMETRY__LOG_FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;

        let (lines, received) = mpsc::channel::<String>();
        let copier = child.stdout.take().map(|stdout| {
            std::thread::spawn(move || {
                let mut log_file = log_file;
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = writeln!(log_file, "{line}");
                    // Nobody listens any more once the service is up.
                    let _ = lines.send(line);
                }
            })
        });
        let mut server = Self {
            child,
            base_url: String::new(),
            admin_password: String::new(),
            copier,
            _data: data,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let mut startup = Startup::default();
        while startup.base_url.is_none() {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "civil-petitions exited at start ({status}); see {}",
                    log.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "civil-petitions did not start within {}s; see {}",
                    START_TIMEOUT.as_secs(),
                    log.display()
                ));
            }
            if let Ok(line) = received.recv_timeout(Duration::from_millis(200)) {
                startup.feed(&line);
            }
        }
        server.base_url = startup.base_url.unwrap_or_default();
        let password_file = startup.password_file.ok_or_else(|| {
            format!(
                "civil-petitions named no one-time password file on a fresh database; see {}",
                log.display()
            )
        })?;
        server.admin_password = std::fs::read_to_string(&password_file)
            .map_err(|e| format!("cannot read {}: {e}", password_file.display()))?
            .trim()
            .to_owned();
        // The password went to the file only, never into the output.
        let output = std::fs::read_to_string(log).unwrap_or_default();
        if server.admin_password.is_empty() || output.contains(&server.admin_password) {
            return Err(format!(
                "the one-time password is empty or appeared in the service's output; see {}",
                log.display()
            ));
        }
        let address: SocketAddr = server
            .base_url
            .trim_start_matches("http://")
            .parse()
            .map_err(|e| format!("bad address {}: {e}", server.base_url))?;
        while !ready(address) {
            if Instant::now() > deadline {
                return Err(format!(
                    "{}/health/ready did not answer 200 within {}s; see {}",
                    server.base_url,
                    START_TIMEOUT.as_secs(),
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // SIGTERM: a graceful shutdown that flushes the audit trail.
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .stdin(Stdio::null())
                .status();
            let deadline = Instant::now() + STOP_TIMEOUT;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            if matches!(self.child.try_wait(), Ok(None)) {
                eprintln!("civil-petitions did not stop on SIGTERM; killing it");
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
        if let Some(copier) = self.copier.take() {
            let _ = copier.join();
        }
    }
}

/// Whether `GET /health/ready` at `address` answers 200.
fn ready(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(2)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request =
        format!("GET /health/ready HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status_line = [0_u8; 12];
    stream.read_exact(&mut status_line).is_ok() && status_line.starts_with(b"HTTP/1.1 200")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        Options::parse(&args)
    }

    #[test]
    fn only_selects_test_files_by_name() {
        let files = || {
            [
                "tests/civil-petitions.test.js",
                "tests/lib.test.js",
                "tests/petitions-pages.test.js",
            ]
            .map(str::to_owned)
            .to_vec()
        };
        assert_eq!(select(files(), ""), files());
        assert_eq!(select(files(), " , "), files());
        assert_eq!(
            select(files(), "petitions-pages"),
            ["tests/petitions-pages.test.js"]
        );
        assert_eq!(
            select(files(), "lib,petitions-pages"),
            ["tests/lib.test.js", "tests/petitions-pages.test.js"]
        );
        assert!(select(files(), "nothing").is_empty());
    }

    #[test]
    fn options() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        assert!(parse(&["--browser-only"]).unwrap().browser_only);
        assert!(parse(&["--headed"]).is_err());
    }

    #[test]
    fn startup_output_names_the_password_file_and_the_address() {
        let mut startup = Startup::default();
        for line in [
            r#"{"level":"INFO","fields":{"message":"applied migration"}}"#,
            "First administrator created: login id `admin`; its one-time password is in the file \
             /tmp/egov-e2e-x/civil-petitions-one-time-password (readable only by this user). \
             Read it, delete the file, and change the password at the first login (PUT /auth/password).",
            "Demo accounts (dev profile only): see README.md.",
            "civil-petitions listening on http://127.0.0.1:34247 (API docs: http://127.0.0.1:34247/docs/)",
        ] {
            startup.feed(line);
        }
        assert_eq!(
            startup.password_file.as_deref(),
            Some(Path::new(
                "/tmp/egov-e2e-x/civil-petitions-one-time-password"
            ))
        );
        assert_eq!(startup.base_url.as_deref(), Some("http://127.0.0.1:34247"));
    }

    #[test]
    fn a_later_start_names_no_password_file() {
        let mut startup = Startup::default();
        startup.feed("civil-petitions listening on http://127.0.0.1:8080 (API docs: …)");
        assert_eq!(startup.password_file, None);
        assert_eq!(startup.base_url.as_deref(), Some("http://127.0.0.1:8080"));
    }

    #[test]
    fn node_versions() {
        assert_eq!(node_major("v20.19.2"), Some(20));
        assert_eq!(node_major("v18.0.0"), Some(18));
        assert_eq!(node_major("20.1"), None);
    }

    #[test]
    fn installs_when_missing_or_stale() {
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let later = then + Duration::from_secs(1);
        assert!(needs_install(None, &[then]));
        assert!(needs_install(Some(then), &[later]));
        assert!(!needs_install(Some(later), &[then, later]));
    }
}
