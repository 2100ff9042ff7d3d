//! `cargo xtask api-check`: the real civil-petitions binary against its own
//! OpenAPI document, with schemathesis (`st run --checks all`), as an
//! anonymous caller and as each kind of account (administrator, staff,
//! citizen).
//!
//! Every response must agree with the document: documented status codes,
//! content types, bodies and headers, no 5xx, schema-violating requests
//! refused. `positive_data_acceptance` is the one check left out, and on
//! purpose: it expects every request the schema allows to succeed, but some
//! rules cannot be written in JSON Schema (a resident number's check digit, a
//! code that must exist in a code table, an import file's lines), and those
//! requests are rightly refused with a documented 422.
//!
//! schemathesis is installed, pinned, into a virtual environment in the tools
//! directory (`~/.cache/egov-rs/tools/schemathesis`, or `$EGOV_TOOLS_DIR`)
//! from PyPI the first time. Inputs come from a fixed seed, so a run repeats;
//! `EGOV_API_CHECK_SEED` and `EGOV_API_CHECK_EXAMPLES` vary them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The schemathesis release the check is written against.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// Examples per operation and phase, unless `EGOV_API_CHECK_EXAMPLES` says.
const DEFAULT_EXAMPLES: &str = "30";
/// The inputs' seed, unless `EGOV_API_CHECK_SEED` says.
const DEFAULT_SEED: &str = "20261207";
/// The demo accounts `--demo` creates, with their published passwords.
const DEMO_ACCOUNTS: &[(&str, &str)] = &[
    ("staff", "green meadow compass 2026"),
    ("citizen", "blue harbor lantern 2026"),
];
/// Operations an authenticated pass leaves out: each ends or changes the
/// session the pass runs with (log out, new password, MFA on), after which
/// every later request of the pass would be a (documented) 401.
const SESSION_ENDING: &str = "^/auth/(logout|password|mfa)";

/// Runs the check from the workspace `root`.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let st = install_schemathesis()?;
    let python = st.with_file_name("python");
    let binary = crate::e2e::build_service(root)?;
    let artifacts = crate::e2e::artifacts_root(root)?.join("api");
    std::fs::create_dir_all(&artifacts)
        .map_err(|e| format!("cannot create {}: {e}", artifacts.display()))?;
    let log = artifacts.join("server.log");
    let server = crate::e2e::Server::start(&binary, &log)?;
    println!("    civil-petitions ready at {}", server.base_url);

    let mut identities = vec![("anonymous".to_owned(), None)];
    let admin = login(&python, &server.base_url, "admin", &server.admin_password)?;
    identities.push(("admin".to_owned(), Some(admin)));
    for (login_id, password) in DEMO_ACCOUNTS {
        let token = login(&python, &server.base_url, login_id, password)?;
        identities.push(((*login_id).to_owned(), Some(token)));
    }

    let examples =
        std::env::var("EGOV_API_CHECK_EXAMPLES").unwrap_or_else(|_| DEFAULT_EXAMPLES.into());
    let seed = std::env::var("EGOV_API_CHECK_SEED").unwrap_or_else(|_| DEFAULT_SEED.into());
    let spec = format!("{}/openapi.json", server.base_url);
    let mut failed = Vec::new();
    for (who, token) in &identities {
        println!("==> st run {spec} --checks all (as {who})");
        let mut command = Command::new(&st);
        command
            .args(["run", &spec, "--checks", "all"])
            .args(["--exclude-checks", "positive_data_acceptance"])
            .args(["--max-examples", &examples, "--seed", &seed])
            // NUL and every other control character in generated strings (the
            // hardening issue's edge rule): explicit, so a changed default
            // cannot drop them silently.
            .args([
                "--generation-allow-x00",
                "true",
                "--generation-codec",
                "utf-8",
            ])
            .args(["--no-color"])
            .stdin(Stdio::null());
        if let Some(token) = token {
            command
                .args(["--header", &format!("Authorization: Bearer {token}")])
                .args(["--exclude-path-regex", SESSION_ENDING]);
        }
        let status = command
            .status()
            .map_err(|e| format!("cannot run {}: {e}", st.display()))?;
        if !status.success() {
            failed.push(who.clone());
        }
    }
    drop(server);
    println!("    server log: {}", log.display());
    if !failed.is_empty() {
        return Err(format!(
            "schemathesis found responses that contradict the OpenAPI document (as {})",
            failed.join(", ")
        ));
    }
    println!(
        "    api-check passed ({} identities) in {:.1}s",
        identities.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `st` executable of the pinned schemathesis, installed if missing.
fn install_schemathesis() -> Result<PathBuf, String> {
    let venv = crate::template::tools_dir()?.join("schemathesis");
    let st = venv.join("bin").join("st");
    let marker = venv.join(".installed");
    if st.exists() && std::fs::read_to_string(&marker).is_ok_and(|v| v == SCHEMATHESIS) {
        return Ok(st);
    }
    println!(
        "==> python3 -m venv {} && pip install {SCHEMATHESIS}",
        venv.display()
    );
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    run(Command::new(venv.join("bin").join("pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        SCHEMATHESIS,
    ]))?;
    std::fs::write(&marker, SCHEMATHESIS)
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    Ok(st)
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

/// Logs `login_id` in over HTTP (with the venv's Python, which has `requests`)
/// and returns the access token.
fn login(python: &Path, base_url: &str, login_id: &str, password: &str) -> Result<String, String> {
    const SCRIPT: &str = "import json, sys, requests\n\
        r = requests.post(sys.argv[1] + '/auth/login', json={'login_id': sys.argv[2], 'password': sys.stdin.read()}, timeout=30)\n\
        r.raise_for_status()\n\
        print(r.json()['access_token'])\n";
    let mut child = Command::new(python)
        .args(["-c", SCRIPT, base_url, login_id])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    // The password goes through stdin, not the command line.
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(password.as_bytes())
            .map_err(|e| format!("cannot pass the password: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("login as {login_id} did not finish: {e}"))?;
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || token.is_empty() {
        return Err(format!("could not log in as {login_id}"));
    }
    Ok(token)
}
