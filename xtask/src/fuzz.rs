//! `cargo xtask fuzz [--seconds N] [--dev] [target…]`: runs the libFuzzer
//! targets of `fuzz/` (see `fuzz/src/lib.rs`) with cargo-fuzz, each for N
//! seconds, and fails if any crashed.
//!
//! - cargo-fuzz ([`CARGO_FUZZ_VERSION`]) is installed once into the tools
//!   directory (`~/.cache/egov-rs/tools`, or `$EGOV_TOOLS_DIR`), as
//!   `install-tools` installs cargo-generate.
//! - Only a stable rustc exists here: cargo-fuzz's `-Z` flags (sanitizer
//!   coverage, AddressSanitizer) are allowed with `RUSTC_BOOTSTRAP=1`.
//! - The targets build once, optimized with debug assertions (overflow checks
//!   on), into `<target dir>/fuzz` so that fuzzing never waits on or
//!   invalidates the normal build; `--dev` builds them unoptimized instead.
//! - Each target reads its committed seeds, `fuzz/corpus/<target>/`, and keeps
//!   what it learns in `<target dir>/fuzz/corpus/<target>/` (the committed
//!   corpus stays small and hand-made). A crashing input lands in
//!   `fuzz/artifacts/<target>/` (ignored by git); its libFuzzer log in
//!   `<target dir>/fuzz/logs/<target>.log`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The cargo-fuzz release installed.
pub(crate) const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Seconds per target unless `--seconds` says otherwise.
const DEFAULT_SECONDS: u64 = 30;
/// Longest input libFuzzer makes (the committed seeds may be longer).
const MAX_LEN: usize = 16_384;

/// Command-line options of `cargo xtask fuzz`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Options {
    seconds: u64,
    dev: bool,
    targets: Vec<String>,
}

impl Options {
    /// Parses the arguments after `fuzz`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            seconds: DEFAULT_SECONDS,
            dev: false,
            targets: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => {
                    let value = args
                        .next()
                        .ok_or_else(|| "`--seconds` needs a number".to_owned())?;
                    options.seconds = value
                        .parse()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(|| format!("`--seconds {value}`: not a positive number"))?;
                }
                "--dev" => options.dev = true,
                other if other.starts_with('-') => {
                    return Err(format!("unknown option to `fuzz`: `{other}`"));
                }
                target => options.targets.push(target.to_owned()),
            }
        }
        Ok(options)
    }
}

/// The targets: the files of `fuzz/fuzz_targets/`, sorted.
fn all_targets(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("fuzz/fuzz_targets");
    let mut targets: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    targets.sort();
    Ok(targets)
}

/// Installs cargo-fuzz unless the right version is there; returns its path.
fn install_cargo_fuzz(root: &Path) -> Result<PathBuf, String> {
    let binary = crate::template::tools_dir()?.join("bin/cargo-fuzz");
    let installed = Command::new(&binary)
        .arg("--version")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(CARGO_FUZZ_VERSION));
    if !installed {
        crate::template::cargo_install(
            root,
            &format!("cargo-fuzz {CARGO_FUZZ_VERSION}"),
            &[
                "cargo-fuzz".as_ref(),
                "--version".as_ref(),
                CARGO_FUZZ_VERSION.as_ref(),
            ],
        )?;
    }
    Ok(binary)
}

/// `<target dir>/fuzz`: `$CARGO_TARGET_DIR`, else the workspace's `target/`.
fn fuzz_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("fuzz")
}

/// A `cargo fuzz <subcommand>` with the options every call shares.
fn cargo_fuzz(binary: &Path, root: &Path, subcommand: &str, options: &Options) -> Command {
    let mut command = Command::new(binary);
    // Run as cargo runs subcommands: the first argument is the subcommand's name.
    command
        .current_dir(root)
        .args(["fuzz", subcommand])
        .arg(if options.dev { "--dev" } else { "--release" })
        .arg("--debug-assertions")
        .arg("--fuzz-dir")
        .arg(root.join("fuzz"))
        .arg("--target-dir")
        .arg(fuzz_dir(root))
        .env("RUSTC_BOOTSTRAP", "1");
    command
}

/// What one target's run showed.
struct Outcome {
    target: String,
    executions: Option<u64>,
    per_second: Option<u64>,
    crashed: bool,
    artifacts: Vec<String>,
}

/// The value of libFuzzer's final `stat::<name>: <value>` line in `log`.
fn stat(log: &str, name: &str) -> Option<u64> {
    let prefix = format!("stat::{name}:");
    log.lines()
        .rev()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
}

/// The files named after libFuzzer's "Test unit written to" in `log`.
fn artifacts(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| line.split_once("Test unit written to "))
        .map(|(_, path)| path.trim().to_owned())
        .collect()
}

/// The lines of a crash log that say what went wrong: each panic or
/// sanitizer report with the lines after it (at most 60 lines in all).
fn what_went_wrong(log: &str) -> Vec<&str> {
    let lines: Vec<&str> = log.lines().collect();
    let mut shown = Vec::new();
    let mut until = 0;
    for (i, line) in lines.iter().enumerate() {
        let starts = line.contains("panicked at")
            || line.contains("ERROR: AddressSanitizer")
            || line.contains("ERROR: libFuzzer");
        if starts {
            until = until.max(i + 5);
        }
        if i < until && shown.len() < 60 {
            shown.push(*line);
        }
    }
    shown
}

/// Builds and runs the selected targets from the workspace `root`.
pub(crate) fn run(root: &Path, options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let known = all_targets(root)?;
    let targets = if options.targets.is_empty() {
        known.clone()
    } else {
        for target in &options.targets {
            if !known.contains(target) {
                return Err(format!(
                    "unknown fuzz target `{target}` (targets: {})",
                    known.join(", ")
                ));
            }
        }
        options.targets.clone()
    };
    let binary = install_cargo_fuzz(root)?;

    println!("==> cargo fuzz build ({})", targets.join(", "));
    let mut build = cargo_fuzz(&binary, root, "build", options);
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo fuzz build` exited with {status}"));
    }

    let logs = fuzz_dir(root).join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let mut outcomes = Vec::new();
    for target in &targets {
        let learned = fuzz_dir(root).join("corpus").join(target);
        std::fs::create_dir_all(&learned).map_err(|e| format!("{}: {e}", learned.display()))?;
        let log_path = logs.join(format!("{target}.log"));
        println!("==> cargo fuzz run {target} for {} s", options.seconds);
        let output = cargo_fuzz(&binary, root, "run", options)
            .arg(target)
            .arg(&learned)
            .arg(root.join("fuzz/corpus").join(target))
            .arg("--")
            .arg(format!("-max_total_time={}", options.seconds))
            .arg(format!("-max_len={MAX_LEN}"))
            .arg("-timeout=10")
            .arg("-print_final_stats=1")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::write(&log_path, &log).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let outcome = Outcome {
            target: target.clone(),
            executions: stat(&log, "number_of_executed_units"),
            per_second: stat(&log, "average_exec_per_sec"),
            crashed: !output.status.success(),
            artifacts: artifacts(&log),
        };
        if outcome.crashed {
            for line in what_went_wrong(&log) {
                println!("    | {line}");
            }
            println!("    log: {}", log_path.display());
        }
        outcomes.push(outcome);
    }

    println!("\n  target          executions   per second   result");
    for outcome in &outcomes {
        let number = |n: Option<u64>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        println!(
            "  {:<14} {:>11} {:>12}   {}",
            outcome.target,
            number(outcome.executions),
            number(outcome.per_second),
            if outcome.crashed {
                format!("CRASHED {}", outcome.artifacts.join(" "))
            } else {
                "ok".to_owned()
            }
        );
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crashed)
        .map(|o| o.target.as_str())
        .collect();
    println!(
        "fuzz: {} targets in {:.0} s",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz targets crashed: {} (replay a crash with `cargo run -p egov-fuzz --bin \
             <target> -- <file>`; fix it, then add the minimized input to \
             fuzz/corpus/<target>/)",
            crashed.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Options::parse(&args)
    }

    #[test]
    fn defaults_and_options() {
        assert_eq!(
            parse(&[]).unwrap(),
            Options {
                seconds: 30,
                dev: false,
                targets: vec![]
            }
        );
        assert_eq!(
            parse(&["--seconds", "5", "token", "--dev", "locale"]).unwrap(),
            Options {
                seconds: 5,
                dev: true,
                targets: vec!["token".into(), "locale".into()]
            }
        );
        assert!(parse(&["--seconds"]).is_err());
        assert!(parse(&["--seconds", "0"]).is_err());
        assert!(parse(&["--seconds", "x"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }

    #[test]
    fn final_stats_and_artifacts_are_read_from_the_log() {
        let log = "INFO: Seed: 1\n#2 INITED\nstat::number_of_executed_units: 12345\n\
                   stat::average_exec_per_sec:     411\n\
                   ==1== ERROR: libFuzzer: deadly signal\n\
                   artifact_prefix='fuzz/artifacts/token/'; Test unit written to fuzz/artifacts/token/crash-abc\n";
        assert_eq!(stat(log, "number_of_executed_units"), Some(12345));
        assert_eq!(stat(log, "average_exec_per_sec"), Some(411));
        assert_eq!(stat(log, "peak_rss_mb"), None);
        assert_eq!(artifacts(log), ["fuzz/artifacts/token/crash-abc"]);
    }

    #[test]
    fn a_crash_is_shown_by_its_panic() {
        let log = "#1 INITED\n#2 NEW\n\nthread '<unnamed>' panicked at crates/x.rs:1:2:\n\
                   attempt to subtract with overflow\nnote: backtrace\n==1== ERROR: libFuzzer: deadly signal\n\
                   a\nb\nc\nd\ne\nf\n";
        let shown = what_went_wrong(log);
        assert_eq!(shown[0], "thread '<unnamed>' panicked at crates/x.rs:1:2:");
        assert_eq!(shown[1], "attempt to subtract with overflow");
        assert!(shown.contains(&"==1== ERROR: libFuzzer: deadly signal"));
        assert!(!shown.contains(&"f"), "{shown:?}");
        assert!(!shown.contains(&"#2 NEW"));
    }

    #[test]
    fn every_target_file_is_found() {
        let root = crate::workspace_root();
        let targets = all_targets(&root).unwrap();
        assert!(targets.contains(&"token".to_owned()), "{targets:?}");
        assert!(targets.iter().all(|t| !t.ends_with(".rs")));
    }
}
