//! The generated part of `docs/benchmarks.md`: what was measured, as
//! markdown, and the markers that delimit it.

use std::fmt::Write as _;

use super::crates::{BenchTarget, LoadRun, Median, TargetOutcome};
use super::wrk::WrkRun;

/// Opens the generated section of `docs/benchmarks.md`.
pub(crate) const BEGIN: &str = "<!-- BEGIN cargo xtask bench -->";
/// Closes the generated section.
pub(crate) const END: &str = "<!-- END cargo xtask bench -->";

/// The (b)/(a) goal of issue #8.
pub(crate) const RATIO_GOAL: f64 = 0.7;

/// The machine the run was on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Machine {
    /// CPU model (`/proc/cpuinfo`).
    pub(crate) cpu: String,
    /// Logical CPUs.
    pub(crate) cores: usize,
    /// Total memory, e.g. `23.4 GiB`.
    pub(crate) memory: String,
    /// Operating system (`/etc/os-release`).
    pub(crate) os: String,
    /// `rustc -V`.
    pub(crate) rustc: String,
    /// `wrk -v`'s first line.
    pub(crate) wrk: String,
    /// The day of the run, UTC (`YYYY-MM-DD`).
    pub(crate) date: String,
    /// `/proc/loadavg`'s 1, 5 and 15 minute averages before the HTTP runs.
    pub(crate) load_before: String,
}

/// How the HTTP load was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Load {
    /// Seconds per measured run.
    pub(crate) duration: u64,
    /// Seconds of warm-up before each measured run.
    pub(crate) warmup: u64,
    /// Open connections.
    pub(crate) connections: u32,
    /// wrk threads.
    pub(crate) threads: u32,
    /// Measured runs per server.
    pub(crate) runs: usize,
}

/// One server's HTTP figures.
#[derive(Debug, Clone)]
pub(crate) struct ServerFigures {
    /// `(a)`, `(b)` or `(c)`.
    pub(crate) key: &'static str,
    /// Short name, e.g. `bare axum`.
    pub(crate) name: &'static str,
    /// What it serves, one line of markdown.
    pub(crate) what: String,
    /// The measured runs, in order.
    pub(crate) runs: Vec<WrkRun>,
    /// Resident memory once started, before any request (KiB).
    pub(crate) idle_rss_kib: u64,
    /// Resident memory after the set-up requests (logins; for (c) the
    /// petitions filed), before any load (KiB).
    pub(crate) setup_rss_kib: u64,
    /// The largest resident memory sampled during the measured runs (KiB).
    pub(crate) load_rss_kib: u64,
    /// The peak resident memory over its life (`VmHWM`, KiB).
    pub(crate) peak_rss_kib: u64,
}

impl ServerFigures {
    /// Median requests/s of the runs.
    pub(crate) fn median_rps(&self) -> f64 {
        median(self.runs.iter().map(|r| r.requests_per_sec).collect())
    }

    /// Median of the runs' p50 latencies (s).
    pub(crate) fn median_p50(&self) -> f64 {
        median(self.runs.iter().map(|r| r.p50).collect())
    }

    /// Median of the runs' p99 latencies (s).
    pub(crate) fn median_p99(&self) -> f64 {
        median(self.runs.iter().map(|r| r.p99).collect())
    }
}

/// The audit trail's append and verify figures.
#[derive(Debug, Clone)]
pub(crate) struct AuditFigures {
    /// The database: `SQLite WAL` or `PostgreSQL`.
    pub(crate) backend: &'static str,
    /// `egov-audit load` with 64 callers, one run per fresh database.
    pub(crate) append: Vec<LoadRun>,
    /// `egov-audit load` with one caller.
    pub(crate) single: LoadRun,
    /// Events `egov-audit verify` checked.
    pub(crate) verified_events: u64,
    /// Wall-clock seconds of each whole `egov-audit verify` process.
    pub(crate) verify_seconds: Vec<f64>,
}

/// Everything one `cargo xtask bench` measured.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    /// The machine.
    pub(crate) machine: Machine,
    /// The command that reproduces the run.
    pub(crate) command: String,
    /// The load settings.
    pub(crate) load: Load,
    /// The servers, (a), (b), (c).
    pub(crate) servers: Vec<ServerFigures>,
    /// Audit append/verify (absent with `--http-only`).
    pub(crate) audit: Vec<AuditFigures>,
    /// The crate benches that ran (absent with `--http-only` or `--skip-crates`).
    pub(crate) crates: Option<Vec<(BenchTarget, TargetOutcome)>>,
    /// Wall-clock time per phase (name, seconds).
    pub(crate) phases: Vec<(&'static str, f64)>,
}

impl Report {
    /// Median (b) over median (a), when both ran.
    pub(crate) fn ratio(&self) -> Option<f64> {
        let a = self.servers.iter().find(|s| s.key == "(a)")?;
        let b = self.servers.iter().find(|s| s.key == "(b)")?;
        let base = a.median_rps();
        (base > 0.0).then(|| b.median_rps() / base)
    }

    fn medians(&self) -> Vec<&Median> {
        self.crates
            .iter()
            .flatten()
            .flat_map(|(_, outcome)| &outcome.medians)
            .collect()
    }

    fn median_of(&self, id: &str) -> Option<f64> {
        self.medians()
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| m.nanos)
    }
}

/// The median of `values` (mean of the middle two for an even count; 0 when empty).
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        f64::midpoint(values[mid - 1], values[mid])
    }
}

/// `12345.6` → `12,346`.
pub(crate) fn thousands(value: f64) -> String {
    let rounded = value.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A time in seconds as `812 ns`, `26.4 ns`, `1.52 µs`, `3.05 ms` or `1.20 s`
/// (three significant digits).
pub(crate) fn time(seconds: f64) -> String {
    let (value, unit) = if seconds < 1e-6 {
        (seconds * 1e9, "ns")
    } else if seconds < 1e-3 {
        (seconds * 1e6, "µs")
    } else if seconds < 1.0 {
        (seconds * 1e3, "ms")
    } else {
        (seconds, "s")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

/// KiB as `13.6 MB` (10^6 bytes, as the hand-written tables use).
pub(crate) fn megabytes(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 * 1024.0 / 1e6)
}

/// The day `unix_seconds` falls on, UTC, as `YYYY-MM-DD`.
pub(crate) fn utc_date(unix_seconds: u64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let days = i64::try_from(unix_seconds / 86_400).unwrap_or(0) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// "met" / "**not met**" for a figure against its target.
fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**not met**" }
}

/// Width of the generated prose, as in the hand-written sections.
const TEXT_WIDTH: usize = 90;

/// `text` wrapped at [`TEXT_WIDTH`] columns (words are never split); lines
/// after the first start with `indent`.
pub(crate) fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut column = 0;
    for word in text.split_whitespace() {
        let width = word.chars().count();
        if column > 0 && column + 1 + width > TEXT_WIDTH {
            out.push('\n');
            out.push_str(indent);
            column = indent.chars().count();
        } else if column > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += width;
    }
    out
}

/// Appends `text` as a wrapped paragraph and a blank line.
fn paragraph(out: &mut String, text: &str) {
    out.push_str(&wrap(text, ""));
    out.push_str("\n\n");
}

/// The generated markdown, without the markers.
pub(crate) fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let load = &report.load;
    let _ = writeln!(out, "## Performance suite (`cargo xtask bench`)\n");
    paragraph(
        &mut out,
        &format!(
            "Generated by `cargo xtask bench` from one run on {} — do not edit between the \
             markers; rerun instead. Reproduce with:",
            m.date
        ),
    );
    let _ = writeln!(out, "```sh\n{}\n```\n", report.command);
    let _ = writeln!(out, "| machine | |\n|---|---|");
    let _ = writeln!(out, "| CPU | {} × {} |", m.cores, m.cpu);
    let _ = writeln!(out, "| memory | {} |", m.memory);
    let _ = writeln!(out, "| OS | {} |", m.os);
    let _ = writeln!(out, "| compiler | `{}`, release profile |", m.rustc);
    let _ = writeln!(out, "| load generator | `{}` |", m.wrk);
    let _ = writeln!(out, "| load average before the run | {} |", m.load_before);
    if !report.phases.is_empty() {
        let phases: Vec<String> = report
            .phases
            .iter()
            .map(|(name, seconds)| format!("{name} {}", minutes(*seconds)))
            .collect();
        let total: f64 = report.phases.iter().map(|(_, s)| s).sum();
        let _ = writeln!(
            out,
            "| duration of the run | {} ({}) |",
            minutes(total),
            phases.join(", ")
        );
    }
    out.push('\n');
    http_section(&mut out, report, load);
    memory_section(&mut out, report);
    crate_section(&mut out, report);
    out
}

/// `95.2` → `1 min 35 s`.
fn minutes(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    if whole >= 60 {
        format!("{} min {} s", whole / 60, whole % 60)
    } else {
        format!("{whole} s")
    }
}

fn http_section(out: &mut String, report: &Report, load: &Load) {
    let _ = writeln!(out, "### HTTP: one JSON GET\n");
    if report.servers.is_empty() {
        let _ = writeln!(out, "Not measured in this run.\n");
        return;
    }
    paragraph(
        out,
        &format!(
            "wrk on loopback in its own process: {} {}, {} connections, {} s per run after \
             {} s of warm-up; the servers run side by side and are loaded in turn — {} — so \
             that drift in the machine's load spreads over all three. Every request carries \
             `Accept-Language: ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7`; (b) and (c) also a \
             bearer token obtained at `POST /auth/login` before each run. Request logs are \
             off (`EGOV__TELEMETRY__LOG_FILTER=warn`) in (b) and (c); the audit trail still \
             records every request. p50 and p99 are the medians of the runs' wrk latency \
             percentiles.",
            load.threads,
            if load.threads == 1 {
                "thread"
            } else {
                "threads"
            },
            load.connections,
            load.duration,
            load.warmup,
            order(report.servers.len(), load.runs),
        ),
    );
    for server in &report.servers {
        let item = format!("- {} {}: {}", server.key, server.name, server.what);
        let _ = writeln!(out, "{}", wrap(&item, "  "));
    }
    out.push('\n');
    let runs = report
        .servers
        .iter()
        .map(|s| s.runs.len())
        .max()
        .unwrap_or(0);
    let mut header = "| server |".to_owned();
    let mut rule = "|---|".to_owned();
    for run in 1..=runs {
        let _ = write!(header, " run {run} req/s |");
        rule.push_str("---:|");
    }
    header.push_str(" **median req/s** | p50 | p99 | vs (a) |");
    rule.push_str("---:|---:|---:|---:|");
    let _ = writeln!(out, "{header}\n{rule}");
    let base = report
        .servers
        .iter()
        .find(|s| s.key == "(a)")
        .map(ServerFigures::median_rps);
    for server in &report.servers {
        let mut row = format!("| {} {} |", server.key, server.name);
        for run in &server.runs {
            let _ = write!(row, " {} |", thousands(run.requests_per_sec));
        }
        for _ in server.runs.len()..runs {
            row.push_str(" |");
        }
        let versus = match base {
            Some(base) if base > 0.0 => format!("{:.2}×", server.median_rps() / base),
            _ => "—".to_owned(),
        };
        let _ = writeln!(
            row,
            " **{}** | {} | {} | {versus} |",
            thousands(server.median_rps()),
            time(server.median_p50()),
            time(server.median_p99()),
        );
        out.push_str(&row);
    }
    out.push('\n');
    let errors: Vec<String> = report
        .servers
        .iter()
        .filter_map(|s| {
            let socket: u64 = s.runs.iter().map(|r| r.socket_errors).sum();
            (socket > 0).then(|| format!("{} {socket} socket errors", s.key))
        })
        .collect();
    if !errors.is_empty() {
        paragraph(out, &format!("wrk reported {}.", errors.join(", ")));
    }
    if let Some(ratio) = report.ratio() {
        let a = report.servers.iter().find(|s| s.key == "(a)");
        let b = report.servers.iter().find(|s| s.key == "(b)");
        let per_run: Vec<String> = match (a, b) {
            (Some(a), Some(b)) => a
                .runs
                .iter()
                .zip(&b.runs)
                .map(|(a, b)| format!("{:.2}", b.requests_per_sec / a.requests_per_sec))
                .collect(),
            _ => Vec::new(),
        };
        let met = ratio >= RATIO_GOAL;
        paragraph(
            out,
            &format!(
                "**(b)/(a) = {ratio:.2}× (runs: {}); the goal (b) ≥ {RATIO_GOAL}× (a) is {}.**",
                per_run.join(", "),
                if met { "met" } else { "not met" }
            ),
        );
    }
    let _ = writeln!(
        out,
        "![Median requests/s per server, with p99 latency](benchmarks-http.svg)\n"
    );
    paragraph(
        out,
        "Chart: [`benchmarks-http.svg`](benchmarks-http.svg) (bars: median req/s; dots: each \
         run).",
    );
}

/// `a, b, c, a, b, c, …` for `servers` servers and `runs` rounds.
fn order(servers: usize, runs: usize) -> String {
    let keys = ["a", "b", "c"];
    let round = keys[..servers.min(keys.len())].join(", ");
    vec![round; runs].join(", ")
}

fn memory_section(out: &mut String, report: &Report) {
    if report.servers.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Memory\n");
    paragraph(
        out,
        "Resident memory (`VmRSS` from `/proc/PID/status`): idle is one second after the server \
         printed its address, before any request; after set-up is before the load, once the \
         logins (each an Argon2id hash with 19 MiB of memory) and, for (c), the petitions \
         filed are done; under load is the largest value sampled every 100 ms during the \
         measured runs; peak is `VmHWM` at the end.",
    );
    let _ = writeln!(
        out,
        "| server | idle | after set-up | under load | peak (VmHWM) |\n|---|---:|---:|---:|---:|"
    );
    for server in &report.servers {
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} |",
            server.key,
            server.name,
            megabytes(server.idle_rss_kib),
            megabytes(server.setup_rss_kib),
            megabytes(server.load_rss_kib),
            megabytes(server.peak_rss_kib)
        );
    }
    out.push('\n');
}

/// One row of the crate figures table.
struct Figure {
    what: String,
    value: String,
    target: &'static str,
    verdict: &'static str,
    how: String,
}

fn crate_figures(report: &Report) -> Vec<Figure> {
    let mut rows = Vec::new();
    let criterion = |id: &str| format!("criterion median, `{id}`");
    if let Some(nanos) = report.median_of("lookup/registry_code") {
        rows.push(Figure {
            what: "code lookup by (group, code) through the registry".into(),
            value: time(nanos * 1e-9),
            target: "≤ 50 ns",
            verdict: verdict(nanos <= 50.0),
            how: criterion("lookup/registry_code"),
        });
    }
    if let Some(nanos) = report.median_of("lookup/held_snapshot_code") {
        rows.push(Figure {
            what: "code lookup in a held snapshot".into(),
            value: time(nanos * 1e-9),
            target: "—",
            verdict: "",
            how: criterion("lookup/held_snapshot_code"),
        });
    }
    for (id, what) in [
        (
            "resident_number/rule",
            "validator: resident registration number",
        ),
        (
            "business_number/rule",
            "validator: business registration number",
        ),
        ("phone_number/rule", "validator: phone number"),
        (
            "json/from_json_slice_valid",
            "deserialize + validate a 3-field JSON body",
        ),
    ] {
        if let Some(nanos) = report.median_of(id) {
            rows.push(Figure {
                what: what.into(),
                value: time(nanos * 1e-9),
                target: "—",
                verdict: "",
                how: criterion(id),
            });
        }
    }
    for audit in &report.audit {
        let backend = audit.backend;
        let rates: Vec<f64> = audit.append.iter().map(|r| r.events_per_sec).collect();
        let rate = median(rates.clone());
        let runs: Vec<String> = rates.iter().map(|r| thousands(*r)).collect();
        let events = audit.append.first().map_or(0, |r| r.events);
        rows.push(Figure {
            what: format!("audit append, 64 concurrent callers, `Committed` ({backend})"),
            value: format!("{} events/s (runs: {})", thousands(rate), runs.join(", ")),
            target: "≥ 50,000 events/s",
            verdict: verdict(rate >= 50_000.0),
            how: format!(
                "`egov-audit load --callers 64 --events {}`, a fresh database per run, median",
                events / 64
            ),
        });
        rows.push(Figure {
            what: format!("audit append, one caller, `Committed` ({backend}): latency p50 / p99"),
            value: format!("{} / {}", time(audit.single.p50), time(audit.single.p99)),
            target: "—",
            verdict: "",
            how: format!(
                "`egov-audit load --callers 1 --events {}`",
                audit.single.events
            ),
        });
        let mut seconds = audit.verify_seconds.clone();
        seconds.sort_by(f64::total_cmp);
        let median = seconds.get(seconds.len() / 2).copied().unwrap_or(f64::NAN);
        let verified = audit.verified_events as f64 / median.max(1e-9);
        let range = seconds
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        rows.push(Figure {
            what: format!(
                "audit verify, end to end ({backend}: read, recompute, check checkpoints)"
            ),
            value: format!(
                "{} events/s ({} events in {median:.2} s, the median of {range} s)",
                thousands(verified),
                thousands(audit.verified_events as f64),
            ),
            target: "≥ 1,000,000 events/s",
            verdict: verdict(verified >= 1_000_000.0),
            how: "`egov-audit verify` of a chain of 64 callers × 5,000 events, whole process \
                  (connect, migrations, checkpoints, every event), median of 3 runs"
                .into(),
        });
    }
    if let Some(nanos) = report.median_of("chain/recompute 10k events") {
        let rate = 10_000.0 / (nanos * 1e-9);
        rows.push(Figure {
            what: "audit chain recomputation in memory (encoding + SHA-256)".into(),
            value: format!("{} events/s", thousands(rate)),
            target: "≥ 1,000,000 events/s",
            verdict: verdict(rate >= 1_000_000.0),
            how: criterion("chain/recompute 10k events"),
        });
    }
    if let Some(nanos) = report.median_of("jwt_verify_eddsa") {
        rows.push(Figure {
            what: "JWT verification (EdDSA access token)".into(),
            value: format!(
                "{} (≈ {} per core per second)",
                time(nanos * 1e-9),
                thousands(1e9 / nanos)
            ),
            target: "—",
            verdict: "",
            how: criterion("jwt_verify_eddsa"),
        });
    }
    if let Some(nanos) = report.median_of("argon2id_floor/verify") {
        rows.push(Figure {
            what: "Argon2id password check at login (m = 19,456 KiB, t = 2, p = 1)".into(),
            value: format!(
                "{} (≈ {:.0} logins per core per second)",
                time(nanos * 1e-9),
                1e9 / nanos
            ),
            target: "—",
            verdict: "",
            how: criterion("argon2id_floor/verify"),
        });
    }
    rows
}

fn crate_section(out: &mut String, report: &Report) {
    let _ = writeln!(out, "### Crate figures\n");
    let rows = crate_figures(report);
    if rows.is_empty() {
        paragraph(
            out,
            "Not measured in this run (`--http-only`); run `cargo xtask bench` without it.",
        );
        return;
    }
    let criterion = if report.crates.is_some() {
        "Criterion benches ran with `--warm-up-time 1 --measurement-time 3` (medians); "
    } else {
        ""
    };
    paragraph(
        out,
        &format!(
            "{criterion}the audit figures come from the `egov-audit` operator binary on SQLite \
             files in WAL mode (`synchronous = NORMAL`) and on fresh databases of the local \
             PostgreSQL (`synchronous_commit = on`, over TLS when the server offers it). Targets \
             are the issues' (codes: ≤ 50 ns per lookup; audit: ≥ 50,000 appended and \
             ≥ 1,000,000 verified events/s)."
        ),
    );
    let _ = writeln!(
        out,
        "| what | figure | target (issue) | | how |\n|---|---|---|---|---|"
    );
    for row in &rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.what, row.value, row.target, row.verdict, row.how
        );
    }
    out.push('\n');
    let Some(crates) = &report.crates else {
        paragraph(
            out,
            "The crate benches did not run (`--skip-crates`): only the audit figures above.",
        );
        return;
    };
    let _ = writeln!(
        out,
        "Every criterion benchmark (median per iteration):\n\n| crate | bench | benchmark | median |\n|---|---|---|---:|"
    );
    for median in report.medians() {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | `{}` | {} |",
            median.package,
            median.bench,
            median.id,
            time(median.nanos * 1e-9)
        );
    }
    out.push('\n');
    let printed: Vec<&(BenchTarget, TargetOutcome)> = crates
        .iter()
        .filter(|(_, outcome)| !outcome.printed.is_empty())
        .collect();
    if !printed.is_empty() {
        let _ = writeln!(out, "What the bench binaries printed:\n\n```text");
        for (target, outcome) in printed {
            let _ = writeln!(
                out,
                "# cargo bench -p {} --bench {}",
                target.package, target.bench
            );
            for line in &outcome.printed {
                let _ = writeln!(out, "{line}");
            }
        }
        let _ = writeln!(out, "```\n");
    }
}

/// `doc` with the generated section replaced by `generated` (between
/// [`BEGIN`] and [`END`]). Without markers, the section goes in before the
/// first `## ` heading (after the title and introduction), or at the end.
/// Everything outside the markers is kept as it is.
pub(crate) fn rewrite(doc: &str, generated: &str) -> Result<String, String> {
    let block = format!("{BEGIN}\n{}\n{END}", generated.trim());
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(begin), Some(end)) if begin < end => Ok(format!(
            "{}{block}{}",
            &doc[..begin],
            &doc[end + END.len()..]
        )),
        (None, None) => {
            let mut offset = 0;
            for line in doc.split_inclusive('\n') {
                if line.starts_with("## ") {
                    return Ok(format!("{}{block}\n\n{}", &doc[..offset], &doc[offset..]));
                }
                offset += line.len();
            }
            let separator = if doc.is_empty() || doc.ends_with("\n\n") {
                ""
            } else if doc.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            Ok(format!("{doc}{separator}{block}\n"))
        }
        _ => Err(format!(
            "docs/benchmarks.md: the markers `{BEGIN}` and `{END}` must both be there, in that \
             order, or neither"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Measurements\n\nIntro.\n\n## Build\n\nHand-written.\n";

    #[test]
    fn inserts_after_the_introduction_then_replaces_in_place() {
        let first = rewrite(DOC, "## Generated\n\none\n").unwrap();
        assert_eq!(
            first,
            format!(
                "# Measurements\n\nIntro.\n\n{BEGIN}\n## Generated\n\none\n{END}\n\n## Build\n\nHand-written.\n"
            )
        );
        let second = rewrite(&first, "## Generated\n\ntwo").unwrap();
        assert_eq!(second, first.replace("one", "two"));
        // Rewriting with the same text changes nothing.
        assert_eq!(rewrite(&second, "## Generated\n\ntwo").unwrap(), second);
    }

    #[test]
    fn without_headings_the_section_is_appended() {
        assert_eq!(
            rewrite("# Title\n\nText.", "x").unwrap(),
            format!("# Title\n\nText.\n\n{BEGIN}\nx\n{END}\n")
        );
        assert_eq!(rewrite("", "x").unwrap(), format!("{BEGIN}\nx\n{END}\n"));
    }

    #[test]
    fn a_lone_or_reversed_marker_is_an_error() {
        assert!(rewrite(&format!("{BEGIN}\nx\n"), "y").is_err());
        assert!(rewrite(&format!("{END}\nx\n"), "y").is_err());
        assert!(rewrite(&format!("{END}\nx\n{BEGIN}\n"), "y").is_err());
    }

    #[test]
    fn numbers_read_like_the_hand_written_tables() {
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.6), "1,000");
        assert_eq!(thousands(12.0), "12");
        assert_eq!(time(26.44e-9), "26.4 ns");
        assert_eq!(time(812e-9), "812 ns");
        assert_eq!(time(76.2e-6), "76.2 µs");
        assert_eq!(time(0.003_05), "3.05 ms");
        assert_eq!(time(1.2), "1.20 s");
        assert_eq!(megabytes(13_300), "13.6 MB");
        assert_eq!(minutes(95.2), "1 min 35 s");
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0]), 2.5);
        assert_eq!(order(3, 2), "a, b, c, a, b, c");
    }

    #[test]
    fn prose_wraps_at_ninety_columns() {
        let text = "word ".repeat(40);
        let wrapped = wrap(&text, "  ");
        assert!(
            wrapped
                .lines()
                .all(|line| line.chars().count() <= TEXT_WIDTH)
        );
        assert!(
            wrapped
                .lines()
                .skip(1)
                .all(|line| line.starts_with("  word"))
        );
        assert_eq!(wrapped.split_whitespace().count(), 40);
        // A word longer than a line stays whole.
        let long = "x".repeat(120);
        assert_eq!(wrap(&format!("a {long} b"), ""), format!("a\n{long}\nb"));
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_798_675_200), "2026-12-31");
    }
}
