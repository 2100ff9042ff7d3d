//! The crate benchmarks: criterion benches and printing bench binaries
//! (`crates/*/benches`), and the audit trail's load generator and verifier
//! (the `egov-audit` operator binary).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

/// Arguments for criterion benches: short warm-up and measurement, no plots,
/// so that all of them together take a few minutes.
const CRITERION_ARGS: &[&str] = &["--warm-up-time", "1", "--measurement-time", "3", "--noplot"];

/// One bench target of a crate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BenchTarget {
    /// The package.
    pub(crate) package: &'static str,
    /// The bench target's name.
    pub(crate) bench: &'static str,
    /// Features the target requires.
    pub(crate) features: &'static str,
    /// Whether it is a criterion bench (takes criterion's arguments, writes
    /// estimates); otherwise it prints its figures.
    pub(crate) criterion: bool,
}

/// Every bench target of the framework crates, in run order.
pub(crate) const TARGETS: &[BenchTarget] = &[
    BenchTarget {
        package: "egov-codes",
        bench: "lookup",
        features: "",
        criterion: true,
    },
    BenchTarget {
        package: "egov-codes",
        bench: "http",
        features: "axum",
        criterion: false,
    },
    BenchTarget {
        package: "egov-validation",
        bench: "validation",
        features: "",
        criterion: true,
    },
    BenchTarget {
        package: "egov-audit",
        bench: "chain",
        features: "",
        criterion: true,
    },
    BenchTarget {
        package: "egov-auth",
        bench: "auth",
        features: "",
        criterion: true,
    },
    BenchTarget {
        package: "egov-privacy",
        bench: "privacy",
        features: "",
        criterion: true,
    },
    BenchTarget {
        package: "egov-i18n",
        bench: "i18n",
        features: "",
        criterion: true,
    },
    BenchTarget {
        package: "egov-web",
        bench: "login_storm",
        features: "",
        criterion: false,
    },
];

/// One criterion benchmark's median.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Median {
    /// The package whose bench it is.
    pub(crate) package: &'static str,
    /// The bench target.
    pub(crate) bench: &'static str,
    /// Criterion's full id, e.g. `lookup/registry_code`.
    pub(crate) id: String,
    /// Median time per iteration, in nanoseconds.
    pub(crate) nanos: f64,
}

/// What one bench target produced.
#[derive(Debug, Clone, Default)]
pub(crate) struct TargetOutcome {
    /// Criterion medians (empty for printing benches).
    pub(crate) medians: Vec<Median>,
    /// The lines the bench printed that are its own figures (criterion's
    /// report lines left out).
    pub(crate) printed: Vec<String>,
    /// Wall-clock seconds of the run.
    pub(crate) seconds: f64,
}

/// A bench executable built by [`build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Built {
    /// The bench target's name.
    pub(crate) bench: String,
    /// The executable.
    pub(crate) executable: PathBuf,
    /// Its package's directory (cargo runs benches there).
    pub(crate) package_dir: PathBuf,
}

/// Builds every bench target of [`TARGETS`] in one `cargo bench --no-run`
/// (one feature resolution: built separately, each package's own features
/// would rebuild much of the workspace for every bench); returns the
/// executables.
pub(crate) fn build(root: &Path, target_dir: &Path) -> Result<Vec<Built>, String> {
    let mut command = Command::new(crate::cargo());
    command
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .args([
            "bench",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit());
    for target in TARGETS {
        command.args(["--package", target.package, "--bench", target.bench]);
        if !target.features.is_empty() {
            command.args([
                "--features",
                &format!("{}/{}", target.package, target.features),
            ]);
        }
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    if !output.status.success() {
        return Err(format!("building the benches failed ({})", output.status));
    }
    let built = bench_artifacts(&String::from_utf8_lossy(&output.stdout));
    for target in TARGETS {
        if !built.iter().any(|b| b.bench == target.bench) {
            return Err(format!(
                "cargo built no executable for bench `{}` of {}",
                target.bench, target.package
            ));
        }
    }
    Ok(built)
}

/// The bench executables in cargo's JSON messages (`compiler-artifact` of a
/// `bench` target with an `executable`).
pub(crate) fn bench_artifacts(messages: &str) -> Vec<Built> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| {
            message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bench"))
        })
        .filter_map(|message| {
            Some(Built {
                bench: message["target"]["name"].as_str()?.to_owned(),
                executable: PathBuf::from(message["executable"].as_str()?),
                package_dir: Path::new(message["manifest_path"].as_str()?)
                    .parent()?
                    .to_path_buf(),
            })
        })
        .collect()
}

/// Runs the built bench of `target` as `cargo bench` would (in its package's
/// directory, with `--bench`); criterion writes under `criterion_home`.
pub(crate) fn run_target(
    built: &[Built],
    criterion_home: &Path,
    target: BenchTarget,
) -> Result<TargetOutcome, String> {
    let started = Instant::now();
    let bench = built
        .iter()
        .find(|b| b.bench == target.bench)
        .ok_or_else(|| format!("bench `{}` was not built", target.bench))?;
    let home = criterion_home.join(format!("{}-{}", target.package, target.bench));
    let mut command = Command::new(&bench.executable);
    command
        .current_dir(&bench.package_dir)
        .env("CRITERION_HOME", &home)
        .arg("--bench");
    if target.criterion {
        command.args(CRITERION_ARGS);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bench.executable.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "bench `{}` of {} failed ({}):\n{}\n{}",
            target.bench,
            target.package,
            output.status,
            tail(&stdout, 20),
            tail(&String::from_utf8_lossy(&output.stderr), 20)
        ));
    }
    let medians = if target.criterion {
        read_criterion(&home)?
            .into_iter()
            .map(|(id, nanos)| Median {
                package: target.package,
                bench: target.bench,
                id,
                nanos,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(TargetOutcome {
        medians,
        printed: printed_figures(&stdout),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The last `n` lines of `text`.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The lines of a bench's stdout that are its own figures: criterion's
/// report left out — benchmark names (alone on a line when long, or before
/// `time:`), the indented `time:`/`thrpt:`/`change:` lines and outlier counts,
/// warnings and "Benchmarking …" progress.
pub(crate) fn printed_figures(stdout: &str) -> Vec<String> {
    let lines: Vec<&str> = stdout.lines().map(str::trim_end).collect();
    lines
        .iter()
        .enumerate()
        .filter(|&(at, line)| {
            let names_a_benchmark = lines
                .get(at + 1)
                .is_some_and(|next| next.trim_start().starts_with("time:"));
            !line.is_empty()
                && !line.starts_with(char::is_whitespace)
                && !names_a_benchmark
                && !line.contains("time:   [")
                && !line.starts_with("Benchmarking ")
                && !line.starts_with("Gnuplot not found")
                && !line.starts_with("Warning:")
                && !line.starts_with("Found ")
        })
        .map(|(_, line)| (*line).to_owned())
        .collect()
}

/// Reads every benchmark's median from a criterion output directory: each
/// `…/new/benchmark.json` names the benchmark (`full_id`), the
/// `estimates.json` beside it holds `median.point_estimate` (ns). Sorted by id.
pub(crate) fn read_criterion(home: &Path) -> Result<Vec<(String, f64)>, String> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![home.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                && dir.file_name().is_some_and(|n| n == "new")
            {
                let id = json_file(&path)?
                    .get("full_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{}: no full_id", path.display()))?
                    .to_owned();
                let estimates = json_file(&dir.join("estimates.json"))?;
                let nanos = estimates
                    .pointer("/median/point_estimate")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| format!("{}: no median", dir.display()))?;
                found.push((id, nanos));
            }
        }
    }
    if found.is_empty() {
        return Err(format!("no criterion results under {}", home.display()));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

fn json_file(path: &Path) -> Result<Value, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// One `egov-audit load` run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadRun {
    /// Events recorded.
    pub(crate) events: u64,
    /// Concurrent callers.
    pub(crate) callers: u64,
    /// Events per second.
    pub(crate) events_per_sec: f64,
    /// Median latency of one `record`, in seconds.
    pub(crate) p50: f64,
    /// 99th percentile latency, in seconds.
    pub(crate) p99: f64,
}

/// Parses `egov-audit load`'s summary line: `64000 events from 64 callers in
/// 2.51 s: 25498 events/s; latency p50 2.31ms, p99 6.02ms` (latencies in
/// Rust's `Debug` form of a `Duration`).
pub(crate) fn parse_load(output: &str) -> Result<LoadRun, String> {
    let line = output
        .lines()
        .find(|line| line.contains(" events from ") && line.contains("events/s"))
        .ok_or_else(|| format!("egov-audit load printed no summary:\n{}", tail(output, 5)))?;
    let bad = || format!("unexpected egov-audit load summary: `{line}`");
    let (events, rest) = line.split_once(" events from ").ok_or_else(bad)?;
    let (callers, rest) = rest.split_once(" callers in ").ok_or_else(bad)?;
    let (_, rest) = rest.split_once(": ").ok_or_else(bad)?;
    let (rate, rest) = rest.split_once(" events/s").ok_or_else(bad)?;
    let (_, latencies) = rest.split_once("p50 ").ok_or_else(bad)?;
    let (p50, p99) = latencies.split_once(", p99 ").ok_or_else(bad)?;
    Ok(LoadRun {
        events: events.trim().parse().map_err(|_| bad())?,
        callers: callers.trim().parse().map_err(|_| bad())?,
        events_per_sec: rate.trim().parse().map_err(|_| bad())?,
        p50: parse_debug_duration(p50.trim())?,
        p99: parse_debug_duration(p99.trim())?,
    })
}

/// A `Duration` in its `Debug` form (`812ns`, `740.5µs`, `2.31ms`, `1.2s`), in
/// seconds.
pub(crate) fn parse_debug_duration(text: &str) -> Result<f64, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("`{text}` has no unit"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration"))?;
    let scale = match unit {
        "ns" => 1e-9,
        "µs" | "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        other => return Err(format!("`{text}`: unknown unit `{other}`")),
    };
    Ok(number * scale)
}

/// Runs the `egov-audit` binary with `args` in `dir` (dev profile: its
/// development signing key); returns stdout, or the failure with its output.
pub(crate) fn egov_audit(binary: &Path, dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(binary)
        .current_dir(dir)
        .env("EGOV_PROFILE", "dev")
        .env("EGOV__TELEMETRY__LOG_FILTER", "warn")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "`egov-audit {}` failed ({}):\n{}\n{}",
            args.join(" "),
            output.status,
            tail(&stdout, 10),
            tail(&String::from_utf8_lossy(&output.stderr), 10)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_load_summary() {
        let run = parse_load(
            "64000 events from 64 callers in 2.51 s: 25498 events/s; latency p50 2.31ms, p99 6.020183ms\n",
        )
        .unwrap();
        assert_eq!((run.events, run.callers), (64_000, 64));
        assert!((run.events_per_sec - 25_498.0).abs() < 1e-9);
        assert!((run.p50 - 0.002_31).abs() < 1e-12);
        assert!((run.p99 - 0.006_020_183).abs() < 1e-12);
        let single = parse_load(
            "2000 events from 1 callers in 1.50 s: 1333 events/s; latency p50 740.512µs, p99 2.6ms",
        )
        .unwrap();
        assert!((single.p50 - 740.512e-6).abs() < 1e-12);
        assert!(parse_load("nothing here").is_err());
    }

    #[test]
    fn finds_bench_executables_in_cargo_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"egov_codes"},"#,
            r#""manifest_path":"/w/crates/egov-codes/Cargo.toml","executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["bench"],"name":"lookup"},"#,
            r#""manifest_path":"/w/crates/egov-codes/Cargo.toml","#,
            r#""executable":"/t/release/deps/lookup-0a1b"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\nnot json\n",
        );
        assert_eq!(
            bench_artifacts(messages),
            [Built {
                bench: "lookup".into(),
                executable: PathBuf::from("/t/release/deps/lookup-0a1b"),
                package_dir: PathBuf::from("/w/crates/egov-codes"),
            }]
        );
    }

    #[test]
    fn debug_durations() {
        assert_eq!(parse_debug_duration("812ns").unwrap(), 812e-9);
        assert_eq!(parse_debug_duration("1.5s").unwrap(), 1.5);
        assert!(parse_debug_duration("12").is_err());
        assert!(parse_debug_duration("12h").is_err());
    }

    #[test]
    fn keeps_only_the_benches_own_lines() {
        let stdout = "\
Benchmarking lookup/registry_code: Warming up for 1.0000 s
lookup/registry_code    time:   [25.1 ns 25.6 ns 26.2 ns]
Found 3 outliers among 100 measurements (3.00%)
  3 (3.00%) high mild
chain/recompute 10k events
                        time:   [7.80 ms 7.87 ms 7.95 ms]
                        thrpt:  [1.2580 Melem/s 1.2712 Melem/s 1.2820 Melem/s]
reload/readers_without_reload: 27.5 M lookups, p50 152 ns
Warning: Unable to complete 20 samples in 3.0s.
";
        assert_eq!(
            printed_figures(stdout),
            ["reload/readers_without_reload: 27.5 M lookups, p50 152 ns"]
        );
    }

    #[test]
    fn reads_criterion_medians() {
        let home = tempfile::tempdir().unwrap();
        for (dir, id, median) in [
            ("lookup_registry_code", "lookup/registry_code", 25.5),
            ("argon2id_floor/verify", "argon2id_floor/verify", 3.7e7),
        ] {
            let new = home.path().join(dir).join("new");
            fs::create_dir_all(&new).unwrap();
            fs::write(
                new.join("benchmark.json"),
                format!(r#"{{"full_id":"{id}"}}"#),
            )
            .unwrap();
            fs::write(
                new.join("estimates.json"),
                format!(
                    r#"{{"median":{{"point_estimate":{median}}},"mean":{{"point_estimate":1.0}}}}"#
                ),
            )
            .unwrap();
            // A previous run's baseline is not read.
            let base = home.path().join(dir).join("base");
            fs::create_dir_all(&base).unwrap();
            fs::write(base.join("benchmark.json"), r#"{"full_id":"old"}"#).unwrap();
        }
        assert_eq!(
            read_criterion(home.path()).unwrap(),
            [
                ("argon2id_floor/verify".to_owned(), 3.7e7),
                ("lookup/registry_code".to_owned(), 25.5)
            ]
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(read_criterion(empty.path()).is_err());
    }
}
