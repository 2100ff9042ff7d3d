//! Project automation for egov-rs, run as `cargo xtask <command>`.
//!
//! - `cargo xtask ci` runs every check CI runs (fmt, clippy, tests, docs, tidy,
//!   i18n).
//! - `cargo xtask tidy` runs the repository's own structural checks
//!   (crate-root attributes, documented crate lists, the layer map,
//!   workspace-pinned dependencies).
//! - `cargo xtask i18n-check` checks the Fluent messages of every crate
//!   (same ids and variables in every locale, every message key and validation
//!   code used in code has a message).
//! - `cargo xtask template-check` generates the service template in every
//!   meaningful combination with the real cargo-generate, compares key files
//!   with snapshots and builds, lints and tests each result;
//!   `cargo xtask install-tools` installs the pinned cargo-generate it uses.
//!
//! The `cargo xtask` alias lives in `.cargo/config.toml`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Printing to stdout is this tool's whole job.
#![allow(clippy::print_stdout)]

mod check;
mod ci;
mod i18n;
mod layers;
mod template;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  ci [--skip-tests] [--only <step>]
                 Run the full CI pipeline, stopping at the first failure.
                 Steps, in order: fmt, clippy, test, doc, tidy, i18n,
                 template.
                 --skip-tests   skip the test and template steps
                 --only <step>  run only the named step
  tidy           Run the repository checks (crate-root attributes, crate lists
                 in README.md and ARCHITECTURE.md, layer map, workspace deps).
  i18n-check     Check the Fluent messages (locales/<locale>/*.ftl) of every
                 crate: syntax, same ids and variables in every locale, every
                 Message::new(\"…\") key and validation code has a message.
  template-check [--bless] [--no-build]
                 Generate templates/service in every meaningful combination
                 (real cargo-generate), compare key files with
                 xtask/snapshots/*.txt (--bless rewrites them), then fmt-check,
                 clippy -D warnings and test each buildable one.
  install-tools  Install the pinned cargo-generate into ~/.cache/egov-rs/tools
                 (or $EGOV_TOOLS_DIR).
  help           Print this message (also -h, --help).
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("error: no command given\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let root = workspace_root();
    let outcome = match command.as_str() {
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        "ci" => match ci::Options::parse(rest) {
            Ok(options) => ci::run(&root, &options),
            Err(message) => {
                eprint!("error: {message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        "tidy" => {
            if let Some(extra) = rest.first() {
                eprint!("error: `tidy` takes no arguments (got `{extra}`)\n\n{USAGE}");
                return ExitCode::from(2);
            }
            tidy::run(&root)
        }
        "i18n-check" => {
            if let Some(extra) = rest.first() {
                eprint!("error: `i18n-check` takes no arguments (got `{extra}`)\n\n{USAGE}");
                return ExitCode::from(2);
            }
            i18n::run(&root)
        }
        "template-check" => match template::Options::parse(rest) {
            Ok(options) => template::check(&root, &options),
            Err(message) => {
                eprint!("error: {message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        "install-tools" => template::install_tools(&root).map(|path| {
            println!("cargo-generate: {}", path.display());
        }),
        other => {
            eprint!("error: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
///
/// `cargo run` sets `CARGO_MANIFEST_DIR` when it starts the binary; that is
/// preferred over the compile-time value, because checkouts sharing one target
/// directory share the uplifted `xtask` binary, which may have been built from
/// another checkout.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.clone(), Path::to_path_buf)
}

/// The `cargo` to spawn: `$CARGO` (set by cargo for `cargo run`), else `cargo`.
fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
