//! `cargo xtask migrate-bench`: time and peak memory of `egov migrate-from
//! egovframe … --apply` on eGovFrame-shaped dumps of a given size (issue #18
//! item 7), on SQLite and PostgreSQL.
//!
//! 1. Builds the release `egov` binary (`cargo build --release -p egov-cli`;
//!    in `$EGOV_BENCH_TARGET_DIR` when set, else cargo's own target
//!    directory).
//! 2. Writes, for each size, a MySQL dump shaped like an agency's eGovFrame
//!    database ([`generate`]): deterministic, so every run imports the same
//!    bytes.
//! 3. For each size and backend: a fresh database (a SQLite file in a
//!    temporary directory; a scratch PostgreSQL database created and dropped
//!    with `psql` on `$EGOV_BENCH_POSTGRES_URL`, default
//!    `postgres://postgres@127.0.0.1:5432/test`), `egov --db URL migrate`,
//!    then the measured `egov --db URL migrate-from egovframe DUMP --apply`:
//!    wall time, and the child's peak resident memory — `VmHWM` of
//!    `/proc/PID/status`, polled every 20 ms while it runs. The report the
//!    command prints is checked against what was generated (every row read,
//!    imported, none skipped or refused).
//! 4. Prints the figures as a Markdown table for `docs/benchmarks.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The PostgreSQL server's URL (a database on it) when
/// `EGOV_BENCH_POSTGRES_URL` is not set; scratch databases are created next to it.
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The scratch PostgreSQL database, dropped after each run.
const SCRATCH_DATABASE: &str = "egov_migrate_bench";
/// How often the child's memory is read.
const POLL: Duration = Duration::from_millis(20);
/// Bytes in a megabyte as `--sizes` counts them.
const MB: u64 = 1_000_000;

/// A backend the import is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// Command-line options of `cargo xtask migrate-bench`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// Dump sizes, in MB.
    sizes: Vec<u64>,
    /// Backends, in order.
    backends: Vec<Backend>,
    /// Where to write (and keep) the dumps; a temporary directory otherwise.
    dump_dir: Option<PathBuf>,
    /// Also measure the dry run (without `--apply`).
    dry_run: bool,
    /// An `egov` binary to measure instead of building one (to compare builds).
    egov: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sizes: vec![50, 200],
            backends: vec![Backend::Sqlite, Backend::Postgres],
            dump_dir: None,
            dry_run: false,
            egov: None,
        }
    }
}

impl Options {
    /// Parses the arguments after `migrate-bench`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| format!("`{name}` needs a value"))
                    .cloned()
            };
            match arg.as_str() {
                "--sizes" => {
                    let list = value("--sizes")?;
                    options.sizes = list
                        .split(',')
                        .map(|size| match size.trim().parse::<u64>() {
                            Ok(n) if n > 0 => Ok(n),
                            _ => Err(format!(
                                "`--sizes` takes positive whole numbers of MB, got `{size}`"
                            )),
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--backends" => {
                    let list = value("--backends")?;
                    options.backends = list
                        .split(',')
                        .map(|name| match name.trim() {
                            "sqlite" => Ok(Backend::Sqlite),
                            "postgres" | "postgresql" => Ok(Backend::Postgres),
                            other => Err(format!(
                                "`--backends` takes sqlite and/or postgres, got `{other}`"
                            )),
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--dump-dir" => options.dump_dir = Some(PathBuf::from(value("--dump-dir")?)),
                "--dry-run" => options.dry_run = true,
                "--egov" => options.egov = Some(PathBuf::from(value("--egov")?)),
                other => return Err(format!("unknown option to `migrate-bench`: `{other}`")),
            }
        }
        Ok(options)
    }
}

/// One measured run.
struct Figures {
    size_mb: u64,
    bytes: u64,
    rows: usize,
    backend: Backend,
    apply: bool,
    seconds: f64,
    peak_kib: u64,
}

/// Runs the measurements from the workspace `root`.
pub(crate) fn run(root: &Path, options: &Options) -> Result<(), String> {
    if !Path::new("/proc/self/status").exists() {
        return Err(
            "`cargo xtask migrate-bench` reads memory from /proc: it runs on Linux only".into(),
        );
    }
    let egov = match &options.egov {
        Some(egov) => egov.clone(),
        None => {
            step("building the release egov binary (cargo build --release -p egov-cli)");
            build_egov(root)?
        }
    };
    let work = tempfile::Builder::new()
        .prefix("egov-migrate-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let dump_dir = options
        .dump_dir
        .clone()
        .unwrap_or_else(|| work.path().to_path_buf());
    fs::create_dir_all(&dump_dir)
        .map_err(|e| format!("cannot create {}: {e}", dump_dir.display()))?;
    let config_dir = work.path().join("config");
    fs::create_dir_all(&config_dir).map_err(|e| format!("cannot create the config dir: {e}"))?;
    let admin_url =
        std::env::var("EGOV_BENCH_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.into());

    let mut all = Vec::new();
    for &size in &options.sizes {
        let path = dump_dir.join(format!("egovframe-{size}mb.sql"));
        step(&format!("writing {} ({size} MB)", path.display()));
        let started = Instant::now();
        let dump = write_dump(&path, size * MB)?;
        println!(
            "    {} bytes, {} rows in {:.1} s: {}",
            dump.bytes,
            dump.total_rows(),
            started.elapsed().as_secs_f64(),
            dump.rows
                .iter()
                .map(|(table, n)| format!("{table} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for &backend in &options.backends {
            let modes: &[bool] = if options.dry_run {
                &[false, true]
            } else {
                &[true]
            };
            for &apply in modes {
                let db = Scratch::create(backend, work.path(), &admin_url)?;
                let label = format!(
                    "{size} MB on {}{}",
                    backend.name(),
                    if apply { "" } else { " (dry run)" }
                );
                let egov = Egov {
                    binary: &egov,
                    config_dir: &config_dir,
                    db: &db.url,
                };
                let run = egov
                    .migrate_from(&label, &path, apply, work.path())
                    .and_then(|run| {
                        check_report(&run.stdout, &dump, apply)?;
                        Ok(run)
                    })
                    .map_err(|e| format!("{label}: {e}"))?;
                println!(
                    "    {:.1} s, peak RSS {} MiB (reached at {:.1} s); RSS over the run: {}",
                    run.seconds,
                    run.peak_kib / 1024,
                    run.peak_at,
                    run.timeline()
                );
                all.push(Figures {
                    size_mb: size,
                    bytes: dump.bytes,
                    rows: dump.total_rows(),
                    backend,
                    apply,
                    seconds: run.seconds,
                    peak_kib: run.peak_kib,
                });
            }
        }
        if options.dump_dir.is_none() {
            let _ = fs::remove_file(&path);
        }
    }
    println!("\n{}", table(&all));
    Ok(())
}

fn step(what: &str) {
    println!("migrate-bench: {what}");
}

/// The `egov` binary on one database, with an empty configuration directory.
struct Egov<'a> {
    binary: &'a Path,
    config_dir: &'a Path,
    db: &'a str,
}

impl Egov<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.binary);
        command
            .arg("--config-dir")
            .arg(self.config_dir)
            .args(["--db", self.db])
            .args(args)
            .env_remove("EGOV_PROFILE")
            .env("LANG", "C");
        command
    }

    /// `egov migrate`, then the measured `egov migrate-from egovframe DUMP
    /// [--apply]`, which must exit 0.
    fn migrate_from(
        &self,
        label: &str,
        dump: &Path,
        apply: bool,
        work: &Path,
    ) -> Result<Run, String> {
        step(&format!("{label}: egov migrate"));
        let migrated = self
            .command(&["migrate"])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        if !migrated.status.success() {
            return Err(format!(
                "egov migrate failed: {}",
                String::from_utf8_lossy(&migrated.stderr)
            ));
        }
        step(&format!(
            "{label}: egov migrate-from egovframe {}{}",
            dump.display(),
            if apply { " --apply" } else { "" }
        ));
        let mut command = self.command(&["migrate-from", "egovframe"]);
        command.arg(dump);
        if apply {
            command.arg("--apply");
        }
        let run = measure(command, work)?;
        if run.code != Some(0) {
            return Err(format!(
                "migrate-from exited with {:?}\n{}\n{}",
                run.code,
                tail(&run.stdout, 30),
                tail(&run.stderr, 30)
            ));
        }
        Ok(run)
    }
}

/// Builds `egov` and returns its path (from cargo's JSON messages, so any
/// target directory works).
fn build_egov(root: &Path) -> Result<PathBuf, String> {
    let mut command = Command::new(crate::cargo());
    command.current_dir(root).args([
        "build",
        "--release",
        "--package",
        "egov-cli",
        "--message-format=json-render-diagnostics",
    ]);
    if let Some(dir) = std::env::var_os("EGOV_BENCH_TARGET_DIR") {
        command.env("CARGO_TARGET_DIR", dir);
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err("building the release egov binary failed".into());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "egov")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no `egov` executable".into())
}

/// A fresh database for one run, removed when dropped.
struct Scratch {
    url: String,
    backend: Backend,
    admin: String,
    file: Option<PathBuf>,
}

impl Scratch {
    fn create(backend: Backend, work: &Path, admin: &str) -> Result<Self, String> {
        match backend {
            Backend::Sqlite => {
                let file = work.join("bench.db");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = fs::remove_file(format!("{}{suffix}", file.display()));
                }
                Ok(Self {
                    url: format!("sqlite://{}", file.display()),
                    backend,
                    admin: String::new(),
                    file: Some(file),
                })
            }
            Backend::Postgres => {
                let base = admin
                    .rsplit_once('/')
                    .map(|(base, _)| base.to_owned())
                    .ok_or_else(|| format!("EGOV_BENCH_POSTGRES_URL has no database: {admin}"))?;
                psql(
                    admin,
                    &[
                        &format!("DROP DATABASE IF EXISTS {SCRATCH_DATABASE}"),
                        &format!("CREATE DATABASE {SCRATCH_DATABASE}"),
                    ],
                )?;
                Ok(Self {
                    url: format!("{base}/{SCRATCH_DATABASE}"),
                    backend,
                    admin: admin.to_owned(),
                    file: None,
                })
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match self.backend {
            Backend::Sqlite => {
                if let Some(file) = &self.file {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = fs::remove_file(format!("{}{suffix}", file.display()));
                    }
                }
            }
            Backend::Postgres => {
                if let Err(error) = psql(
                    &self.admin,
                    &[&format!("DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")],
                ) {
                    eprintln!("migrate-bench: {error}");
                }
            }
        }
    }
}

fn psql(url: &str, statements: &[&str]) -> Result<(), String> {
    let mut command = Command::new("psql");
    command
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .args([url, "-q"]);
    for statement in statements {
        command.arg("-c").arg(statement);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run psql (needed for the PostgreSQL figures): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("psql failed on {url}: {}", statements.join("; ")))
    }
}

/// What a measured child did.
struct Run {
    code: Option<i32>,
    seconds: f64,
    peak_kib: u64,
    peak_at: f64,
    /// `VmRSS` samples: seconds from the start, KiB.
    samples: Vec<(f64, u64)>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The resident memory at each tenth of the run: where it grows.
    fn timeline(&self) -> String {
        (1..=10)
            .filter_map(|tenth| {
                let at = self.seconds * f64::from(tenth) / 10.0;
                let (_, kib) = self.samples.iter().rev().find(|(t, _)| *t <= at)?;
                Some(format!("{}", kib / 1024))
            })
            .collect::<Vec<_>>()
            .join(" → ")
            + " MiB"
    }
}

/// Runs `command` to its end, its output into files in `work`, reading its
/// `VmHWM` every [`POLL`].
fn measure(mut command: Command, work: &Path) -> Result<Run, String> {
    let out_path = work.join("stdout.txt");
    let err_path = work.join("stderr.txt");
    let file = |path: &Path| {
        File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
    };
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(file(&out_path)?)
        .stderr(file(&err_path)?)
        .spawn()
        .map_err(|e| format!("cannot start egov: {e}"))?;
    let pid = child.id();
    let (mut peak_kib, mut peak_at) = (0, 0.0);
    let mut samples = Vec::new();
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("cannot wait for egov: {e}"))?
        {
            break status;
        }
        // Gone once the process has exited (a zombie has no memory fields).
        let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let at = started.elapsed().as_secs_f64();
        if let Some(kib) = status_field_kib(&status, "VmHWM")
            && kib > peak_kib
        {
            peak_kib = kib;
            peak_at = at;
        }
        if let Some(kib) = status_field_kib(&status, "VmRSS") {
            samples.push((at, kib));
        }
        std::thread::sleep(POLL);
    };
    let seconds = started.elapsed().as_secs_f64();
    let read = |path: &Path| fs::read_to_string(path).unwrap_or_default();
    Ok(Run {
        code: status.code(),
        seconds,
        peak_kib,
        peak_at,
        samples,
        stdout: read(&out_path),
        stderr: read(&err_path),
    })
}

/// The value in KiB of `field` (`VmHWM`, `VmRSS`) in a `/proc/PID/status` text.
fn status_field_kib(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key == field).then(|| value.split_whitespace().next()?.parse().ok())?
    })
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Checks migrate-from's report: every generated table read in full and
/// imported (or, in a dry run, to be imported), nothing skipped or refused.
fn check_report(report: &str, dump: &Dump, apply: bool) -> Result<(), String> {
    let expected_state = if apply { "applied" } else { "dry run" };
    if !report
        .lines()
        .any(|l| l.trim_start().starts_with(expected_state))
    {
        return Err(format!(
            "the report does not say `{expected_state}`:\n{report}"
        ));
    }
    for (table, &rows) in &dump.rows {
        let counts: Vec<usize> = report
            .lines()
            .find_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some(table))
                    .then(|| words.filter_map(|w| w.parse().ok()).collect())
            })
            .ok_or_else(|| format!("the report has no line for {table}:\n{report}"))?;
        let [read, imported, unchanged, skipped, refused] = counts[..] else {
            return Err(format!("cannot read the report's line for {table}"));
        };
        let reported_only = matches!(*table, "COMTNROLEINFO" | "COMTNAUTHORROLERELATE");
        if read != rows
            || skipped != 0
            || refused != 0
            || (!reported_only && imported + unchanged != rows)
        {
            return Err(format!(
                "{table}: {rows} rows generated, the report says read {read}, imported {imported}, \
                 unchanged {unchanged}, skipped {skipped}, refused {refused}"
            ));
        }
    }
    Ok(())
}

/// The figures as the Markdown table of `docs/benchmarks.md`.
fn table(figures: &[Figures]) -> String {
    let mut out = String::from(
        "| dump | rows | backend | run | time | peak RSS |\n|---|---:|---|---|---:|---:|\n",
    );
    for f in figures {
        let _ = writeln!(
            out,
            "| {} MB ({:.1} MB) | {} | {} | {} | {} | {} MiB |",
            f.size_mb,
            f.bytes as f64 / MB as f64,
            thousands(f.rows),
            f.backend.name(),
            if f.apply { "--apply" } else { "dry run" },
            duration(f.seconds),
            f.peak_kib / 1024
        );
    }
    out
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (at, c) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{}:{:04.1} min", (seconds / 60.0) as u64, seconds % 60.0)
    }
}

// ---------------------------------------------------------------------------
// the dump

/// A written dump: its size and the rows of each table.
struct Dump {
    bytes: u64,
    rows: BTreeMap<&'static str, usize>,
}

impl Dump {
    fn total_rows(&self) -> usize {
        self.rows.values().sum()
    }
}

/// Writes a dump of about `target` bytes to `path`.
fn write_dump(path: &Path, target: u64) -> Result<Dump, String> {
    let plan = Plan::for_size(target);
    let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut out = Counting::new(BufWriter::with_capacity(1 << 20, file));
    let rows =
        generate(&mut out, &plan).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    out.inner
        .flush()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Dump {
        bytes: out.bytes,
        rows,
    })
}

/// How many of each thing a dump holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    /// Code groups (`COMTCCMMNCODE`), each with 3–27 detail codes.
    groups: usize,
    /// Members of all three types.
    members: usize,
}

impl Plan {
    /// Code groups per MB of dump: 4,000 in 200 MB ("a few thousand").
    const GROUPS_PER_MB: u64 = 20;

    /// The plan for a dump of about `target` bytes: the code tables as
    /// [`Self::GROUPS_PER_MB`] says, members for the rest (the bytes a member
    /// takes measured on a sample).
    fn for_size(target: u64) -> Self {
        let groups = usize::try_from((target * Self::GROUPS_PER_MB / MB).max(10)).unwrap_or(10);
        let size = |members| {
            let mut sink = Counting::new(io::sink());
            let _ = generate(&mut sink, &Plan { groups, members });
            sink.bytes
        };
        let base = size(0);
        let sample = 20_000;
        let per_member = (size(sample) - base) / sample as u64;
        let members = usize::try_from(target.saturating_sub(base) / per_member.max(1)).unwrap_or(0);
        Self { groups, members }
    }
}

/// A writer counting the bytes through it.
struct Counting<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Counting<W> {
    fn new(inner: W) -> Self {
        Self { inner, bytes: 0 }
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// SplitMix64: a small deterministic generator (the same dump on every machine).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `true` with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// eGovFrame's password hash: Base64 of 32 bytes (SHA-256(id ‖ password));
    /// here of 32 pseudo-random bytes, which the importer cannot tell apart.
    fn hash(&mut self) -> String {
        let bytes: Vec<u8> = (0..4).flat_map(|_| self.next().to_le_bytes()).collect();
        base64(&bytes)
    }

    /// A timestamp as mysqldump writes a `DATETIME`.
    fn timestamp(&mut self) -> String {
        format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            2009 + self.below(16),
            1 + self.below(12),
            1 + self.below(28),
            self.below(24),
            self.below(60),
            self.below(60)
        )
    }

    fn korean_name(&mut self) -> String {
        format!(
            "{}{}{}",
            self.pick(SURNAMES),
            self.pick(GIVEN),
            self.pick(GIVEN)
        )
    }

    fn address(&mut self) -> String {
        format!(
            "{} {} {} {}",
            self.pick(CITIES),
            self.pick(DISTRICTS),
            self.pick(ROADS),
            1 + self.below(300)
        )
    }

    fn phone(&mut self) -> String {
        format!("010-{}-{}", self.digits(4), self.digits(4))
    }

    fn label(&mut self) -> String {
        format!("{} {}", self.pick(SUBJECTS), self.pick(KINDS))
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

const SURNAMES: &[&str] = &[
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황",
    "안", "송", "류", "홍",
];
const GIVEN: &[&str] = &[
    "민", "서", "지", "현", "우", "준", "예", "도", "하", "윤", "수", "영", "은", "진", "성", "재",
    "혜", "동", "경", "소",
];
const ROMAN: &[&str] = &[
    "kim", "lee", "park", "choi", "jung", "kang", "cho", "yoon", "jang", "lim", "han", "oh", "seo",
    "shin", "kwon", "hwang", "ahn", "song", "ryu", "hong",
];
const CITIES: &[&str] = &[
    "서울특별시",
    "부산광역시",
    "대구광역시",
    "인천광역시",
    "광주광역시",
    "대전광역시",
    "세종특별자치시",
    "경기도",
    "강원특별자치도",
    "충청북도",
    "전라남도",
    "경상북도",
];
const DISTRICTS: &[&str] = &[
    "중구",
    "종로구",
    "수성구",
    "남동구",
    "유성구",
    "수원시 장안구",
    "성남시 분당구",
    "춘천시",
    "청주시 상당구",
    "여수시",
    "포항시 북구",
];
const ROADS: &[&str] = &[
    "세종대로",
    "청계천로",
    "중앙로",
    "시청로",
    "도청로",
    "한누리대로",
    "문화로",
    "중앙공원로",
    "동서대로",
    "번영로",
];
const SUBJECTS: &[&str] = &[
    "민원",
    "등록",
    "처리",
    "결재",
    "게시판",
    "공지",
    "회원",
    "기관",
    "예산",
    "계약",
    "감사",
    "인사",
    "교육",
    "복지",
    "세무",
    "건축",
    "환경",
    "교통",
];
const KINDS: &[&str] = &[
    "구분", "상태", "유형", "코드", "분류", "단계", "등급", "사유", "방법", "종류",
];
const POSITIONS: &[&str] = &[
    "주무관",
    "사무관",
    "서기관",
    "팀장",
    "과장",
    "국장",
    "연구관",
    "실무관",
];
const COMPANY: &[&str] = &[
    "한빛",
    "누리",
    "미래",
    "정보",
    "대한",
    "새솔",
    "다온",
    "가람",
    "하늘",
    "온누리",
];
const COMPANY_KIND: &[&str] = &[
    "정보통신",
    "시스템",
    "소프트",
    "데이터",
    "건설",
    "컨설팅",
    "엔지니어링",
];

/// eGovFrame's authorities (`COMTNAUTHORINFO`) and an agency's own.
const AUTHORITIES: &[(&str, &str)] = &[
    ("ROLE_ANONYMOUS", "익명 사용자"),
    (
        "IS_AUTHENTICATED_ANONYMOUSLY",
        "스프링시큐리티 내부사용(롤부여 금지)",
    ),
    (
        "IS_AUTHENTICATED_REMEMBERED",
        "스프링시큐리티 내부사용(롤부여 금지)",
    ),
    (
        "IS_AUTHENTICATED_FULLY",
        "스프링시큐리티 내부사용(롤부여 금지)",
    ),
    ("ROLE_USER", "일반 사용자"),
    ("ROLE_ADMIN", "관리자"),
    ("ROLE_MANAGER", "업무 담당자"),
    ("ROLE_AUDITOR", "감사 담당자"),
    ("ROLE_ENTERPRISE", "기업 회원"),
];

/// eGovFrame's hierarchy (`child > parent` as it emits it: parent, child).
const HIERARCHY: &[(&str, &str)] = &[
    ("ROLE_ANONYMOUS", "IS_AUTHENTICATED_ANONYMOUSLY"),
    (
        "IS_AUTHENTICATED_ANONYMOUSLY",
        "IS_AUTHENTICATED_REMEMBERED",
    ),
    ("IS_AUTHENTICATED_REMEMBERED", "IS_AUTHENTICATED_FULLY"),
    ("IS_AUTHENTICATED_FULLY", "ROLE_USER"),
    ("ROLE_USER", "ROLE_ENTERPRISE"),
    ("ROLE_USER", "ROLE_MANAGER"),
    ("ROLE_MANAGER", "ROLE_ADMIN"),
    ("ROLE_USER", "ROLE_AUDITOR"),
];

/// eGovFrame's URL roles (`COMTNROLEINFO`) and who had them.
const URL_ROLES: &[(&str, &str, &str)] = &[
    ("web-000001", "로그인롤", "\\\\A/uat/uia/.*\\\\.do.*\\\\Z"),
    ("web-000002", "좌측메뉴", "/EgovLeft.do"),
    ("web-000003", "관리자메뉴", "\\\\A/sym/.*\\\\.do.*\\\\Z"),
];
const URL_GRANTS: &[(&str, &str)] = &[
    ("ROLE_ANONYMOUS", "web-000001"),
    ("ROLE_USER", "web-000002"),
    ("ROLE_ADMIN", "web-000003"),
];

// The tables' column lists, as eGovFrame's DDL names them (the member
// tables with every column, as a dump holds them; the importer reads a few).
const CLASS_COLUMNS: &str = "CL_CODE, CL_CODE_NM, CL_CODE_DC, USE_AT, FRST_REGIST_PNTTM, \
    FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID";
const GROUP_COLUMNS: &str = "CL_CODE, CODE_ID, CODE_ID_NM, CODE_ID_DC, USE_AT, \
    FRST_REGIST_PNTTM, FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID";
const CODE_COLUMNS: &str = "CODE_ID, CODE, CODE_NM, CODE_DC, USE_AT, FRST_REGIST_PNTTM, \
    FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID";
const GENERAL_COLUMNS: &str = "MBER_ID, PASSWORD, PASSWORD_HINT, PASSWORD_CNSR, IHIDNUM, \
    MBER_NM, ZIP, ADRES, AREA_NO, MBER_STTUS, DETAIL_ADRES, END_TELNO, MBTLNUM, GROUP_ID, \
    MBER_FXNUM, MBER_EMAIL_ADRES, MIDDLE_TELNO, SBSCRB_DE, SEXDSTN_CODE, ESNTL_ID, LOCK_AT, \
    LOCK_CNT, LOCK_LAST_PNTTM";
const ENTERPRISE_COLUMNS: &str = "ENTRPRS_MBER_ID, ENTRPRS_SE_CODE, BIZRNO, JURIRNO, \
    CMPNY_NM, CXFC, ZIP, ADRES, ENTRPRS_MIDDLE_TELNO, FXNUM, INDUTY_CODE, APPLCNT_NM, \
    APPLCNT_IHIDNUM, SBSCRB_DE, ENTRPRS_MBER_STTUS, ENTRPRS_MBER_PASSWORD, \
    ENTRPRS_MBER_PASSWORD_HINT, ENTRPRS_MBER_PASSWORD_CNSR, GROUP_ID, DETAIL_ADRES, \
    ENTRPRS_END_TELNO, AREA_NO, APPLCNT_EMAIL_ADRES, ESNTL_ID, LOCK_AT, LOCK_CNT";
const EMPLOYEE_COLUMNS: &str = "EMPLYR_ID, ORGNZT_ID, USER_NM, PASSWORD, EMPL_NO, IHIDNUM, \
    SEXDSTN_CODE, BRTHDY, FXNUM, HOUSE_ADRES, PASSWORD_HINT, PASSWORD_CNSR, HOUSE_END_TELNO, \
    AREA_NO, DETAIL_ADRES, ZIP, OFFM_TELNO, MBTLNUM, EMAIL_ADRES, OFCPS_NM, HOUSE_MIDDLE_TELNO, \
    GROUP_ID, PSTINST_CODE, EMPLYR_STTUS_CODE, ESNTL_ID, CRTFC_DN_VALUE, SBSCRB_DE, LOCK_AT, \
    LOCK_CNT";

/// One row's values, as SQL text: `('a',NULL,SYSDATE())`.
struct Values(String);

impl Values {
    fn new() -> Self {
        Self(String::from("("))
    }

    fn sep(&mut self) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
    }

    fn text(mut self, value: &str) -> Self {
        self.sep();
        self.0.push('\'');
        for c in value.chars() {
            match c {
                '\'' => self.0.push_str("''"),
                '\\' => self.0.push_str("\\\\"),
                c => self.0.push(c),
            }
        }
        self.0.push('\'');
        self
    }

    /// Written as is: `NULL`, a number, `SYSDATE()`, an already escaped string.
    fn raw(mut self, value: &str) -> Self {
        self.sep();
        self.0.push_str(value);
        self
    }

    fn opt(self, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.text(value),
            None => self.raw("NULL"),
        }
    }

    fn done(mut self) -> String {
        self.0.push(')');
        self.0
    }
}

/// How a table's rows are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// One row per statement, as eGovFrame's DML scripts write them.
    Egovframe,
    /// Extended inserts of up to about 1 MB, back-quoted names and a column
    /// list, as `mysqldump --complete-insert` writes them.
    Mysqldump,
}

/// Writes the rows of one table in one [`Style`], counting them.
struct Table<'a, W: Write> {
    out: &'a mut W,
    name: &'static str,
    /// `A, B, C`.
    columns: &'static str,
    style: Style,
    pending: String,
    rows: usize,
}

/// mysqldump's `net_buffer_length`: where it starts a new extended insert.
const EXTENDED_INSERT_BYTES: usize = 1_000_000;

impl<'a, W: Write> Table<'a, W> {
    fn new(
        out: &'a mut W,
        name: &'static str,
        columns: &'static str,
        style: Style,
    ) -> io::Result<Self> {
        if style == Style::Mysqldump {
            writeln!(out, "\n--\n-- Dumping data for table `{name}`\n--\n")?;
            writeln!(out, "LOCK TABLES `{name}` WRITE;")?;
            writeln!(out, "/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;")?;
        }
        Ok(Self {
            out,
            name,
            columns,
            style,
            pending: String::new(),
            rows: 0,
        })
    }

    fn row(&mut self, values: Values) -> io::Result<()> {
        self.row_in(values, self.style)
    }

    fn row_in(&mut self, values: Values, style: Style) -> io::Result<()> {
        self.rows += 1;
        let values = values.done();
        match style {
            Style::Egovframe => writeln!(
                self.out,
                "INSERT INTO {} ({}) VALUES {values};",
                self.name, self.columns
            ),
            Style::Mysqldump => {
                if self.pending.is_empty() {
                    let _ = write!(
                        self.pending,
                        "INSERT INTO `{}` (`{}`) VALUES ",
                        self.name,
                        self.columns.replace(", ", "`, `")
                    );
                } else {
                    self.pending.push(',');
                }
                self.pending.push_str(&values);
                if self.pending.len() >= EXTENDED_INSERT_BYTES {
                    self.flush()?;
                }
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            writeln!(self.out, "{};", self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }

    fn finish(mut self, counts: &mut BTreeMap<&'static str, usize>) -> io::Result<()> {
        self.flush()?;
        if self.style == Style::Mysqldump {
            writeln!(
                self.out,
                "/*!40000 ALTER TABLE `{}` ENABLE KEYS */;",
                self.name
            )?;
            writeln!(self.out, "UNLOCK TABLES;")?;
        } else {
            writeln!(self.out)?;
        }
        *counts.entry(self.name).or_default() += self.rows;
        Ok(())
    }
}

/// Writes a table one row per statement, as eGovFrame's scripts do.
fn rows_table<W: Write>(
    out: &mut W,
    (name, columns): (&'static str, &'static str),
    rows: impl IntoIterator<Item = Values>,
    counts: &mut BTreeMap<&'static str, usize>,
) -> io::Result<()> {
    let mut table = Table::new(out, name, columns, Style::Egovframe)?;
    for row in rows {
        table.row(row)?;
    }
    table.finish(counts)
}

/// Writes a dump of `plan`: a mysqldump header, the three code tables,
/// organizations, user groups, authorities, their hierarchy and URL
/// security, members of all three types, their role assignments. Returns the
/// rows written per table.
fn generate<W: Write>(out: &mut W, plan: &Plan) -> io::Result<BTreeMap<&'static str, usize>> {
    let mut rng = Rng(0x00E6_0F4A_2026_0018);
    let mut counts = BTreeMap::new();
    writeln!(
        out,
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n\
         -- Host: localhost    Database: egovframe\n\
         -- ------------------------------------------------------\n\
         -- Server version\t8.0.36\n\n\
         /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n\
         /*!50503 SET NAMES utf8mb4 */;\n\
         /*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n\
         /*!40103 SET TIME_ZONE='+00:00' */;\n\
         /*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n\
         /*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n"
    )?;
    write_codes(out, &mut rng, plan, &mut counts)?;
    let places = write_security(out, &mut rng, plan, &mut counts)?;
    write_members(out, &mut rng, plan, &places, &mut counts)?;
    writeln!(
        out,
        "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n-- Dump completed"
    )?;
    Ok(counts)
}

/// Categories, then groups, then each group's detail codes, as eGovFrame's
/// scripts write them; every fifth group's codes as one extended insert.
fn write_codes<W: Write>(
    out: &mut W,
    rng: &mut Rng,
    plan: &Plan,
    counts: &mut BTreeMap<&'static str, usize>,
) -> io::Result<()> {
    let categories: Vec<String> = (0..26)
        .map(|i| {
            format!(
                "{}{}C",
                char::from(b'A' + i),
                char::from(b'A' + (i * 7 + 3) % 26)
            )
        })
        .collect();
    let names: Vec<String> = categories
        .iter()
        .map(|_| format!("{} 공통코드", rng.pick(SUBJECTS)))
        .collect();
    let audit = |values: Values, by: &str| {
        values
            .raw("SYSDATE()")
            .text("SYSTEM")
            .raw("SYSDATE()")
            .text(by)
    };
    rows_table(
        out,
        ("COMTCCMMNCLCODE", CLASS_COLUMNS),
        categories.iter().zip(&names).map(|(id, name)| {
            audit(
                Values::new().text(id).text(name).text(name).text("Y"),
                "SYSTEM",
            )
        }),
        counts,
    )?;
    let group_ids: Vec<String> = (0..plan.groups)
        .map(|i| format!("{}{:05}", char::from(b'A' + (i % 26) as u8), i / 26 + 1))
        .collect();
    let mut groups = Table::new(out, "COMTCCMMNCODE", GROUP_COLUMNS, Style::Egovframe)?;
    for (at, id) in group_ids.iter().enumerate() {
        let name = rng.label();
        let description = format!("{name} 코드 ({}업무)", rng.pick(SUBJECTS));
        let active = if rng.chance(97) { "Y" } else { "N" };
        groups.row(audit(
            Values::new()
                .text(&categories[at % categories.len()])
                .text(id)
                .text(&name)
                .text(&description)
                .text(active),
            "SYSTEM",
        ))?;
    }
    groups.finish(counts)?;
    let mut details = Table::new(out, "COMTCCMMNDETAILCODE", CODE_COLUMNS, Style::Egovframe)?;
    for (at, group) in group_ids.iter().enumerate() {
        let style = if at % 5 == 4 {
            Style::Mysqldump
        } else {
            Style::Egovframe
        };
        let prefix = rng.pick(&["", "A", "R", "ST", "C"]);
        for n in 1..=3 + rng.below(25) {
            let name = format!("{} {n}", rng.label());
            let description = rng.chance(60).then(|| format!("{name} ({group})"));
            let active = if rng.chance(95) { "Y" } else { "N" };
            let updater = if rng.chance(80) {
                "SYSTEM"
            } else {
                "webmaster"
            };
            let values = Values::new()
                .text(group)
                .text(&format!("{prefix}{n:02}"))
                .text(&name)
                .opt(description.as_deref())
                .text(active);
            // mysqldump writes the times the rows hold.
            let values = if style == Style::Mysqldump {
                values
                    .text(&rng.timestamp())
                    .text("SYSTEM")
                    .text(&rng.timestamp())
                    .text(updater)
            } else {
                audit(values, updater)
            };
            details.row_in(values, style)?;
        }
        details.flush()?;
    }
    details.finish(counts)
}

/// Organizations and user groups the members name.
struct Places {
    organizations: Vec<String>,
    user_groups: Vec<String>,
}

/// Organizations, user groups, authorities, their hierarchy and eGovFrame's
/// URL security.
fn write_security<W: Write>(
    out: &mut W,
    rng: &mut Rng,
    plan: &Plan,
    counts: &mut BTreeMap<&'static str, usize>,
) -> io::Result<Places> {
    let organizations: Vec<String> = (0..50 + plan.members / 1000)
        .map(|i| format!("ORGNZT_{i:013}"))
        .collect();
    let names: Vec<String> = organizations
        .iter()
        .map(|_| format!("{} {}과", rng.pick(DISTRICTS), rng.pick(SUBJECTS)))
        .collect();
    rows_table(
        out,
        ("COMTNORGNZTINFO", "ORGNZT_ID, ORGNZT_NM, ORGNZT_DC"),
        organizations
            .iter()
            .zip(&names)
            .map(|(id, name)| Values::new().text(id).text(name).text(name)),
        counts,
    )?;
    let user_groups: Vec<String> = (0..20).map(|i| format!("GROUP_{i:014}")).collect();
    rows_table(
        out,
        (
            "COMTNAUTHORGROUPINFO",
            "GROUP_ID, GROUP_NM, GROUP_CREAT_DE, GROUP_DC",
        ),
        user_groups.iter().enumerate().map(|(i, id)| {
            let name = format!("{i}번 그룹입니다");
            Values::new()
                .text(id)
                .text(&name)
                .raw("SYSDATE()")
                .text(&name)
        }),
        counts,
    )?;
    rows_table(
        out,
        (
            "COMTNAUTHORINFO",
            "AUTHOR_CODE, AUTHOR_NM, AUTHOR_DC, AUTHOR_CREAT_DE",
        ),
        AUTHORITIES
            .iter()
            .map(|(code, name)| Values::new().text(code).text(name).text("").raw("NOW()")),
        counts,
    )?;
    rows_table(
        out,
        ("COMTNROLES_HIERARCHY", "PARNTS_ROLE, CHLDRN_ROLE"),
        HIERARCHY
            .iter()
            .map(|(parent, child)| Values::new().text(parent).text(child)),
        counts,
    )?;
    rows_table(
        out,
        (
            "COMTNROLEINFO",
            "ROLE_CODE, ROLE_NM, ROLE_PTTRN, ROLE_DC, ROLE_TY, ROLE_SORT, ROLE_CREAT_DE",
        ),
        URL_ROLES
            .iter()
            .enumerate()
            .map(|(at, (code, name, pattern))| {
                Values::new()
                    .text(code)
                    .text(name)
                    .raw(&format!("'{pattern}'"))
                    .text(name)
                    .text("url")
                    .text(&(at + 1).to_string())
                    .raw("SYSDATE()")
            }),
        counts,
    )?;
    rows_table(
        out,
        ("COMTNAUTHORROLERELATE", "AUTHOR_CODE, ROLE_CODE, CREAT_DT"),
        URL_GRANTS
            .iter()
            .map(|(author, role)| Values::new().text(author).text(role).raw("SYSDATE()")),
        counts,
    )?;
    Ok(Places {
        organizations,
        user_groups,
    })
}

/// `MBER_STTUS` and the like: mostly `P` (승인), some `A` (신청), a few `D` (삭제).
fn status(rng: &mut Rng) -> &'static str {
    match rng.below(100) {
        0..=2 => "A",
        3 => "D",
        _ => "P",
    }
}

/// `LOCK_AT`, `LOCK_CNT`: one member in a hundred locked.
fn lock(rng: &mut Rng) -> (&'static str, String) {
    if rng.chance(1) {
        ("Y", "5".to_owned())
    } else {
        ("N", rng.below(3).to_string())
    }
}

/// Members: a quarter employees, a sixth enterprises, the rest citizens (the
/// later half of them as a mysqldump of that table holds them); then every
/// member's role assignments.
fn write_members<W: Write>(
    out: &mut W,
    rng: &mut Rng,
    plan: &Plan,
    places: &Places,
    counts: &mut BTreeMap<&'static str, usize>,
) -> io::Result<()> {
    let employees = plan.members / 4;
    let enterprises = plan.members / 6;
    let general = plan.members - employees - enterprises;
    let mut esntl = 0usize;
    let mut next_esntl = || {
        esntl += 1;
        format!("USRCNFRM_{esntl:011}")
    };
    let group = |rng: &mut Rng| places.user_groups[rng.below(places.user_groups.len())].as_str();
    let hint = |rng: &mut Rng| rng.pick(&["P01", "P02", "P03", "P04", "P05"]);
    let room = |rng: &mut Rng| format!("{}동 {}호", 101 + rng.below(20), 101 + rng.below(1500));
    // (ESNTL_ID, member type, authority) of every assignment.
    let mut assignments: Vec<(String, &'static str, &'static str)> = Vec::new();

    let mut table = Table::new(out, "COMTNEMPLYRINFO", EMPLOYEE_COLUMNS, Style::Egovframe)?;
    for n in 0..employees {
        let id = format!("{}{}{n:06}", rng.pick(ROMAN), rng.pick(&["", "_", "."]));
        let esntl_id = next_esntl();
        let (locked, count) = lock(rng);
        let role = match rng.below(20) {
            0 => "ROLE_ADMIN",
            1 => "ROLE_AUDITOR",
            _ => "ROLE_MANAGER",
        };
        assignments.push((esntl_id.clone(), "USR03", role));
        if rng.chance(10) {
            assignments.push((esntl_id.clone(), "USR03", "ROLE_USER"));
        }
        let office = format!("044-{}-{}", rng.digits(3), rng.digits(4));
        table.row(
            Values::new()
                .text(&id)
                .text(&places.organizations[rng.below(places.organizations.len())])
                .text(&rng.korean_name())
                .text(&rng.hash())
                .text(&format!("{}{}", 2000 + rng.below(25), rng.digits(4)))
                .raw("NULL")
                .text(rng.pick(&["M", "F"]))
                .text(&format!(
                    "19{}{:02}{:02}",
                    60 + rng.below(40),
                    1 + rng.below(12),
                    1 + rng.below(28)
                ))
                .text(&office)
                .text(&rng.address())
                .text(hint(rng))
                .text(rng.pick(SUBJECTS))
                .text(&rng.digits(4))
                .text("044")
                .text(&room(rng))
                .text(&rng.digits(5))
                .text(&office)
                .text(&rng.phone())
                .text(&format!("{id}@agency.go.kr"))
                .text(rng.pick(POSITIONS))
                .text(&rng.digits(4))
                .text(group(rng))
                .text(&format!("{:08}", 1 + rng.below(300)))
                .text(status(rng))
                .text(&esntl_id)
                .text("")
                .text(&rng.timestamp())
                .text(locked)
                .raw(&count),
        )?;
    }
    table.finish(counts)?;

    let half = general / 2;
    for (rows, style) in [
        (0..half, Style::Egovframe),
        (half..general, Style::Mysqldump),
    ] {
        let mut table = Table::new(out, "COMTNGNRLMBER", GENERAL_COLUMNS, style)?;
        for n in rows {
            let esntl_id = next_esntl();
            let id = format!(
                "{}{}{n:07}",
                rng.pick(ROMAN),
                rng.pick(&["", "", "_", "99"])
            );
            let (locked, count) = lock(rng);
            let mail = rng.pick(&["naver.com", "daum.net", "gmail.com", "kakao.com"]);
            table.row(
                Values::new()
                    .text(&id)
                    .text(&rng.hash())
                    .text(hint(rng))
                    .text(&format!("{} {}", rng.pick(CITIES), rng.pick(SUBJECTS)))
                    .raw("NULL")
                    .text(&rng.korean_name())
                    .text(&rng.digits(5))
                    .text(&rng.address())
                    .text("02")
                    .text(status(rng))
                    .text(&room(rng))
                    .text(&rng.digits(4))
                    .text(&rng.phone())
                    .text(group(rng))
                    .raw("NULL")
                    .text(&format!("{id}@{mail}"))
                    .text(&rng.digits(4))
                    .text(&rng.timestamp())
                    .text(rng.pick(&["M", "F"]))
                    .text(&esntl_id)
                    .text(locked)
                    .raw(&count)
                    .raw("NULL"),
            )?;
            assignments.push((esntl_id, "USR01", "ROLE_USER"));
        }
        table.finish(counts)?;
    }

    let mut table = Table::new(
        out,
        "COMTNENTRPRSMBER",
        ENTERPRISE_COLUMNS,
        Style::Egovframe,
    )?;
    for n in 0..enterprises {
        let id = format!("biz{}{n:06}", rng.pick(&["", "corp", "co"]));
        let esntl_id = next_esntl();
        let (locked, count) = lock(rng);
        assignments.push((esntl_id.clone(), "USR02", "ROLE_ENTERPRISE"));
        let company = format!("(주){}{}", rng.pick(COMPANY), rng.pick(COMPANY_KIND));
        table.row(
            Values::new()
                .text(&id)
                .text(&format!("C{:07}", 1 + rng.below(3)))
                .text(&rng.digits(10))
                .text(&rng.digits(13))
                .text(&company)
                .text(&rng.korean_name())
                .text(&rng.digits(5))
                .text(&rng.address())
                .text(&rng.digits(4))
                .text(&format!("02-{}-{}", rng.digits(4), rng.digits(4)))
                .text(rng.pick(&["O", "J", "F", "G"]))
                .text(&rng.korean_name())
                .raw("NULL")
                .text(&rng.timestamp())
                .text(status(rng))
                .text(&rng.hash())
                .text(rng.pick(&["P01", "P02", "P03"]))
                .text(rng.pick(COMPANY))
                .text(group(rng))
                .text(&format!("{}층", 1 + rng.below(30)))
                .text(&rng.digits(4))
                .text("02")
                .text(&format!("{id}@company.co.kr"))
                .text(&esntl_id)
                .text(locked)
                .raw(&count),
        )?;
    }
    table.finish(counts)?;

    rows_table(
        out,
        (
            "COMTNEMPLYRSCRTYESTBS",
            "SCRTY_DTRMN_TRGET_ID, MBER_TY_CODE, AUTHOR_CODE",
        ),
        assignments.iter().map(|(esntl_id, member_type, author)| {
            Values::new().text(esntl_id).text(member_type).text(author)
        }),
        counts,
    )
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};

    use super::*;

    /// The first `lines` lines of a dump.
    fn head(path: &Path, lines: usize) -> Vec<String> {
        BufReader::new(File::open(path).unwrap())
            .lines()
            .take(lines)
            .map(Result::unwrap)
            .collect()
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_parse() {
        assert_eq!(Options::parse(&[]).unwrap(), Options::default());
        let options = Options::parse(&args(&[
            "--sizes",
            "5,50",
            "--backends",
            "sqlite",
            "--dry-run",
        ]))
        .unwrap();
        assert_eq!(options.sizes, [5, 50]);
        assert_eq!(options.backends, [Backend::Sqlite]);
        assert!(options.dry_run);
        assert!(Options::parse(&args(&["--sizes", "0"])).is_err());
        assert!(Options::parse(&args(&["--backends", "oracle"])).is_err());
        assert!(Options::parse(&args(&["--what"])).is_err());
    }

    #[test]
    fn base64_is_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(Rng(1).hash().len(), 44);
    }

    #[test]
    fn dumps_are_deterministic_and_near_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.sql"), dir.path().join("b.sql"));
        let first = write_dump(&a, 2 * MB).unwrap();
        let second = write_dump(&b, 2 * MB).unwrap();
        assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
        assert_eq!(first.rows, second.rows);
        let off = first.bytes.abs_diff(2 * MB);
        assert!(off < MB / 10, "{} bytes", first.bytes);
        assert!(first.rows["COMTNGNRLMBER"] > 0 && first.rows["COMTNEMPLYRSCRTYESTBS"] > 0);
        assert!(head(&a, 1)[0].starts_with("-- MySQL dump"));
    }

    #[test]
    fn reads_proc_status_fields() {
        let status = "Name:\tegov\nVmHWM:\t   41000 kB\nVmRSS:\t   13600 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM"), Some(41_000));
        assert_eq!(status_field_kib(status, "VmPeak"), None);
    }
}
