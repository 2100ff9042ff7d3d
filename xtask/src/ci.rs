//! `cargo xtask ci`: the CI pipeline, run in order, stopping at the first failure.
//!
//! Steps: `fmt`, `clippy`, `test` (nextest or `cargo test`, then doctests),
//! `browser` (the civil-petitions pages in Chromium, [`crate::e2e::browser`]),
//! `api` (civil-petitions against its OpenAPI document, [`crate::api::check`]),
//! `doc`, `tidy`, `i18n`, `template`. `--skip-tests` drops `test`, `browser`,
//! `api` and `template`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The steps, in the order they run.
const STEPS: &[&str] = &[
    "fmt", "clippy", "test", "browser", "api", "doc", "tidy", "i18n", "template",
];

/// The steps `--skip-tests` drops: they run tests.
const TEST_STEPS: &[&str] = &["test", "browser", "api", "template"];

/// Command-line options of `cargo xtask ci`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// Skip the steps of [`TEST_STEPS`].
    skip_tests: bool,
    /// Run only this step.
    only: Option<String>,
}

impl Options {
    /// Parses the arguments after `ci`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--skip-tests" => options.skip_tests = true,
                "--only" => {
                    let step = args
                        .next()
                        .ok_or_else(|| "`--only` needs a step name".to_owned())?;
                    if !STEPS.contains(&step.as_str()) {
                        return Err(format!(
                            "unknown step `{step}` (steps: {})",
                            STEPS.join(", ")
                        ));
                    }
                    options.only = Some(step.clone());
                }
                other => return Err(format!("unknown option to `ci`: `{other}`")),
            }
        }
        if let Some(only) = options.only.as_deref()
            && options.skip_tests
            && TEST_STEPS.contains(&only)
        {
            return Err(format!(
                "`--skip-tests` and `--only {only}` contradict each other"
            ));
        }
        Ok(options)
    }

    /// The steps these options select, in run order.
    fn selected_steps(&self) -> Vec<&'static str> {
        STEPS
            .iter()
            .copied()
            .filter(|step| !(self.skip_tests && TEST_STEPS.contains(step)))
            .filter(|step| self.only.as_deref().is_none_or(|only| only == *step))
            .collect()
    }
}

/// Runs the selected steps from the workspace `root`; `Err` names the failed step.
pub(crate) fn run(root: &Path, options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let steps = options.selected_steps();
    for step in &steps {
        let step_started = Instant::now();
        let outcome = match *step {
            "fmt" => cargo_step(root, &["fmt", "--all", "--", "--check"], &[]),
            "clippy" => cargo_step(
                root,
                &[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--all-features",
                    "--",
                    "-D",
                    "warnings",
                ],
                &[],
            ),
            "test" => test_step(root),
            "browser" => {
                println!("==> cargo xtask e2e --browser-only");
                crate::e2e::browser(root)
            }
            "api" => {
                println!("==> cargo xtask api-check");
                crate::api::check(root)
            }
            "doc" => cargo_step(
                root,
                &["doc", "--workspace", "--no-deps", "--all-features"],
                &[("RUSTDOCFLAGS", rustdocflags())],
            ),
            "tidy" => {
                println!("==> cargo xtask tidy");
                crate::tidy::run(root)
            }
            "i18n" => {
                println!("==> cargo xtask i18n-check");
                crate::i18n::run(root)
            }
            "template" => {
                println!("==> cargo xtask template-check");
                crate::template::check(root, &crate::template::Options::default())
            }
            other => unreachable!("unknown step {other}"),
        };
        let took = seconds(step_started.elapsed());
        match outcome {
            Ok(()) => println!("    step `{step}` passed in {took}"),
            Err(message) => {
                return Err(format!("ci step `{step}` failed after {took}: {message}"));
            }
        }
    }
    println!(
        "ci: all {} steps passed ({}) in {}",
        steps.len(),
        steps.join(", "),
        seconds(started.elapsed())
    );
    Ok(())
}

/// Tests: nextest when installed (plus doctests, which nextest does not run),
/// plain `cargo test` otherwise.
fn test_step(root: &Path) -> Result<(), String> {
    if nextest_available(root) {
        cargo_step(
            root,
            &[
                "nextest",
                "run",
                "--workspace",
                "--all-features",
                "--no-fail-fast",
            ],
            &[],
        )?;
        prune_check_only_metadata(root);
        cargo_step(
            root,
            &["test", "--workspace", "--all-features", "--doc"],
            &[],
        )
    } else {
        println!("    (cargo-nextest not found; using cargo test)");
        cargo_step(
            root,
            &["test", "--workspace", "--all-features", "--no-fail-fast"],
            &[],
        )
    }
}

/// Removes `lib*.rmeta` files of `<target>/debug/deps` that have no `.rlib` or `.so`
/// beside them: metadata-only artifacts of a `cargo check`/`clippy` build with other
/// features (another checkout or a developer sharing the target directory).
/// rustdoc's doctests find dependencies by name in that directory and stop at such a
/// file ("crate `ring` required to be available in rlib format"); cargo rebuilds
/// anything it still needs, so removing them is always safe.
fn prune_check_only_metadata(root: &Path) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let deps = target.join("debug").join("deps");
    let Ok(entries) = std::fs::read_dir(&deps) else {
        return;
    };
    let mut pruned = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rmeta")
            && !path.with_extension("rlib").exists()
            && !path.with_extension("so").exists()
            && std::fs::remove_file(&path).is_ok()
        {
            pruned += 1;
        }
    }
    if pruned > 0 {
        println!("    (removed {pruned} metadata-only artifacts before the doctests)");
    }
}

/// Whether `cargo nextest --version` succeeds.
pub(crate) fn nextest_available(root: &Path) -> bool {
    Command::new(crate::cargo())
        .args(["nextest", "--version"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// `-D warnings`, appended to any `RUSTDOCFLAGS` already set.
fn rustdocflags() -> String {
    match std::env::var("RUSTDOCFLAGS") {
        Ok(existing) if !existing.trim().is_empty() => format!("{existing} -D warnings"),
        _ => "-D warnings".to_owned(),
    }
}

/// Runs `cargo <args>` in `root` with inherited stdio, printing a header first.
pub(crate) fn cargo_step(
    root: &Path,
    args: &[&str],
    envs: &[(&str, String)],
) -> Result<(), String> {
    let env_prefix: String = envs
        .iter()
        .map(|(key, value)| format!("{key}=\"{value}\" "))
        .collect();
    let shown = format!("{env_prefix}cargo {}", args.join(" "));
    println!("==> {shown}");
    let mut command = Command::new(crate::cargo());
    command.args(args).current_dir(root);
    for (key, value) in envs {
        command.env(key, value);
    }
    let status = command
        .status()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` exited with {status}"))
    }
}

/// A duration as seconds with one decimal, e.g. `12.3s`.
fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        Options::parse(&args)
    }

    #[test]
    fn default_runs_every_step_in_order() {
        let options = parse(&[]).unwrap();
        assert_eq!(
            options.selected_steps(),
            [
                "fmt", "clippy", "test", "browser", "api", "doc", "tidy", "i18n", "template"
            ]
        );
    }

    #[test]
    fn skip_tests_drops_the_test_browser_api_and_template_steps() {
        // Checking the template builds and tests generated services; the
        // browser step tests the pages.
        let options = parse(&["--skip-tests"]).unwrap();
        assert_eq!(
            options.selected_steps(),
            ["fmt", "clippy", "doc", "tidy", "i18n"]
        );
    }

    #[test]
    fn only_selects_one_step() {
        let options = parse(&["--only", "doc"]).unwrap();
        assert_eq!(options.selected_steps(), ["doc"]);
        let options = parse(&["--only", "i18n"]).unwrap();
        assert_eq!(options.selected_steps(), ["i18n"]);
        let options = parse(&["--only", "browser"]).unwrap();
        assert_eq!(options.selected_steps(), ["browser"]);
    }

    #[test]
    fn bad_arguments_are_rejected() {
        assert!(parse(&["--only"]).is_err());
        assert!(parse(&["--only", "lint"]).is_err());
        assert!(parse(&["--fast"]).is_err());
        assert!(parse(&["--skip-tests", "--only", "test"]).is_err());
        assert!(parse(&["--skip-tests", "--only", "browser"]).is_err());
    }

    #[test]
    fn seconds_has_one_decimal() {
        assert_eq!(seconds(Duration::from_millis(12_345)), "12.3s");
    }
}
