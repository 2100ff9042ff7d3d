//! What the tests that run the `egov` binary share.
#![allow(dead_code)] // each test file uses a part

use std::path::Path;
use std::process::{Command, Output};

/// Runs `egov --config-dir <empty> --db <url> <args>` as an operator would, in
/// the C locale (English messages).
pub(crate) fn egov(url: &str, args: &[&str]) -> Output {
    let config = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_egov"))
        .arg("--config-dir")
        .arg(config.path())
        .args(["--db", url])
        .args(args)
        .env_remove("EGOV_PROFILE")
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap()
}

/// What the command printed on stdout.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the command printed on stderr.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Everything the command printed.
pub(crate) fn printed(output: &Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

/// The URL of the test database the macro gave us.
pub(crate) fn url(db: &egov_db::Db) -> String {
    db.redacted_url().to_owned()
}

/// Writes `bytes` to `dir/name`; its path.
pub(crate) fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}
