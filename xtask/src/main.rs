//! Project automation for egov-rs, run as `cargo xtask <command>`.
//!
//! - `cargo xtask ci` runs every check CI runs (fmt, clippy, tests, browser
//!   tests, docs, tidy, i18n, template).
//! - `cargo xtask e2e` runs the real civil-petitions binary under Chromium
//!   (playwright-core), then its fault suite.
//! - `cargo xtask api-check` runs schemathesis against civil-petitions'
//!   OpenAPI document (anonymous, admin, staff, citizen).
//! - `cargo xtask tidy` runs the repository's own structural checks
//!   (crate-root attributes, documented crate lists, the layer map,
//!   workspace-pinned dependencies).
//! - `cargo xtask i18n-check` checks the Fluent messages of every crate
//!   (same ids and variables in every locale, every message key and validation
//!   code used in code has a message).
//! - `cargo xtask template-check` generates the service template in every
//!   meaningful combination with the real cargo-generate, compares key files
//!   with snapshots and builds, lints, tests and `egov check`s each result
//!   (and walks the sample service's README path over HTTP);
//!   `cargo xtask install-tools` installs the pinned cargo-generate it uses.
//! - `cargo xtask fuzz` runs the cargo-fuzz (libFuzzer) targets of `fuzz/`.
//! - `cargo xtask bench` runs the performance suite (HTTP load with wrk, the
//!   crate benchmarks, memory) and writes `docs/benchmarks.md`.
//! - `cargo xtask migrate-bench` times `egov migrate-from egovframe` on
//!   generated eGovFrame dumps and reads its peak memory.
//!
//! The `cargo xtask` alias lives in `.cargo/config.toml`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Printing to stdout is this tool's whole job.
#![allow(clippy::print_stdout)]

mod api;
mod bench;
mod check;
mod ci;
mod e2e;
mod fuzz;
mod i18n;
mod layers;
mod migrate_bench;
mod template;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  ci [--skip-tests] [--only <step>]
                 Run the full CI pipeline, stopping at the first failure.
                 Steps, in order: fmt, clippy, test, browser, api, doc,
                 tidy, i18n, template.
                 --skip-tests   skip the test, browser, api and template steps
                 --only <step>  run only the named step
  e2e [--browser-only]
                 Build civil-petitions, start it with --demo on a free port
                 and a fresh SQLite database, and run e2e/browser's tests in
                 Debian's Chromium (playwright-core; screenshots in
                 <target dir>/e2e-artifacts/browser); then, unless
                 --browser-only, the fault suite (EGOV_FAULTS_FULL=1 cargo
                 nextest run -p civil-petitions --test faults). Needs
                 /usr/bin/chromium (apt-get install chromium) and Node.js 20+.
  api-check      Build civil-petitions, start it with --demo on a free port
                 and run schemathesis (st run --checks all, pinned, installed
                 into the tools directory from PyPI) against its OpenAPI
                 document: anonymously and as admin, staff and citizen.
  tidy           Run the repository checks (crate-root attributes, crate lists
                 in README.md and ARCHITECTURE.md, layer map, workspace deps).
  i18n-check     Check the Fluent messages (locales/<locale>/*.ftl) of every
                 crate: syntax, same ids and variables in every locale, every
                 Message::new(\"…\") key and validation code has a message.
  template-check [--bless] [--no-build] [--cold]
                 Generate templates/service in every meaningful combination
                 (real cargo-generate), compare key files with
                 xtask/snapshots/*.txt (--bless rewrites them), then fmt-check,
                 clippy -D warnings, test and `egov check` each buildable one;
                 the one with the sample resource is then run and walked
                 through over HTTP (create-admin, /auth/login, a notice, its
                 audit event). --cold instead times the README's path from a
                 fresh clone on an empty target directory (first build with
                 --timings, first 201, ./ci.sh, an incremental rebuild, idle
                 memory) and prints the figures for docs/benchmarks.md.
  install-tools  Install the pinned cargo-generate into ~/.cache/egov-rs/tools
                 (or $EGOV_TOOLS_DIR).
  fuzz [--seconds N] [--dev] [target…]
                 Run the libFuzzer targets of fuzz/ (all, or those named) for
                 N seconds each (default 30) with cargo-fuzz, installed into
                 the tools directory if missing; fail if any crashed. Builds
                 optimized with debug assertions (--dev: unoptimized) into
                 <target dir>/fuzz, with RUSTC_BOOTSTRAP=1 for cargo-fuzz's
                 -Z flags on stable rustc.
  bench [--duration S] [--warmup S] [--connections N] [--threads N]
        [--http-only] [--skip-crates]
                 Run the performance suite on this machine and rewrite the
                 generated section of docs/benchmarks.md and
                 docs/benchmarks-http.svg: the same JSON GET on bare axum,
                 on egov-web's full stack and civil-petitions' list, loaded
                 in turn with wrk (3 runs each; installs wrk with apt-get if
                 missing), memory from /proc, the audit append/verify
                 figures and every crate's benches. Release builds go to
                 $EGOV_BENCH_TARGET_DIR (default
                 ~/.cache/egov-rs/release-target).
                 --duration S     seconds per measured run (default 15)
                 --warmup S       warm-up seconds before each run (default 3)
                 --connections N  wrk connections (default 64)
                 --threads N      wrk threads (default 1)
                 --http-only      only the HTTP load and memory
                 --skip-crates    skip `cargo bench` of the crates
  migrate-bench [--sizes MB,MB…] [--backends sqlite,postgres] [--dump-dir DIR]
                [--dry-run] [--egov PATH]
                 Generate deterministic eGovFrame-shaped MySQL dumps of the
                 given sizes (default 50,200 MB: code groups with detail
                 codes, members of all three types, role assignments; single-
                 row and mysqldump extended INSERTs), then time the release
                 `egov migrate-from egovframe DUMP --apply` on a fresh SQLite
                 file and a scratch PostgreSQL database
                 ($EGOV_BENCH_POSTGRES_URL's server) and read its peak RSS
                 (VmHWM); prints a Markdown table for docs/benchmarks.md.
                 --dump-dir DIR  write and keep the dumps there
                 --dry-run       also time the dry run (without --apply)
                 --egov PATH     measure this egov binary (no build)
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
        "e2e" => match e2e::Options::parse(rest) {
            Ok(options) => e2e::run(&root, &options),
            Err(message) => {
                eprint!("error: {message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        "api-check" => {
            if let Some(extra) = rest.first() {
                eprint!("error: `api-check` takes no arguments (got `{extra}`)\n\n{USAGE}");
                return ExitCode::from(2);
            }
            api::check(&root)
        }
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
        "bench" => match bench::Options::parse(rest) {
            Ok(options) => bench::run(&root, &options),
            Err(message) => {
                eprint!("error: {message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        "migrate-bench" => match migrate_bench::Options::parse(rest) {
            Ok(options) => migrate_bench::run(&root, &options),
            Err(message) => {
                eprint!("error: {message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        "fuzz" => match fuzz::Options::parse(rest) {
            Ok(options) => fuzz::run(&root, &options),
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
