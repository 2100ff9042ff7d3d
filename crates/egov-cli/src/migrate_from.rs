//! `egov migrate-from egovframe DUMP…`: an eGovFrame database — its common
//! codes, members of all three types, organizations, groups, authorities,
//! role hierarchy and role assignments — into this service's database, with a
//! report of every table.
//!
//! The dump is read once, statement by statement, and each row goes to the
//! importer of the capability crate that owns it: `COMTCCMMN*` to egov-codes
//! ([`egov_codes::egovframe`]), member and security tables to egov-auth
//! ([`egov_auth::import`]). Tables neither knows are listed in the report
//! with their row count (a misspelled table shows up there instead of
//! importing nothing "successfully").
//!
//! Without `--apply` nothing is written: the codes are imported into a scratch
//! copy and the accounts inside a transaction that is rolled back, so the
//! report is exactly what `--apply` would do. With `--apply`, the accounts
//! and then the codes are written in **one transaction** with their audit
//! events: all or nothing (a refusing member row is found before it is opened).
//!
//! Memory follows the rows imported, not the dump: the dump is streamed, and
//! each importer keeps of a row only what it writes. A dump of more than a few
//! megabytes shows a progress bar on stderr while it is read, then what is
//! being written (only when stderr is a terminal).
//!
//! Exit codes: 0 everything imported (or would be), 2 refused — nothing
//! written, every refusing row listed with its line —, 3 imported (or would
//! be) with rows skipped or tables not imported, 4 the database, the audit
//! trail or a file could not be used.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use egov_auth::import::EgovImport;
use egov_auth::{Auth, AuthSettings};
use egov_codes::transfer::Dataset;
use egov_codes::{CodeRegistry, CodesSettings, ImportPhase, RowIssue, egovframe};
use egov_db::dump::{Dialect, DumpReader, detect_dialect};
use egov_db::report::TableReport;
use egov_privacy::{FieldCipher, PrivacySettings};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::context::{ActorArgs, Context, Failure, Messages};

/// `egov migrate-from …`
#[derive(Debug, Subcommand)]
pub(crate) enum MigrateFromCommand {
    /// An eGovFrame (전자정부 표준프레임워크) database: codes, members of all
    /// three types, organizations, groups, roles, role hierarchy and
    /// assignments. Dry run unless --apply.
    Egovframe(EgovframeArgs),
}

/// The arguments of `egov migrate-from egovframe`.
#[derive(Debug, Args)]
pub(crate) struct EgovframeArgs {
    /// The dump (one or more SQL files), or CSV exports named after their
    /// table (`COMTNEMPLYRINFO.csv`…) or a directory of them.
    #[arg(value_name = "DUMP", required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Write the import (without it: report what would be done, write nothing).
    #[arg(long)]
    apply: bool,
    /// The format (default: from the extension; a directory is CSV).
    #[arg(long, value_enum)]
    format: Option<DumpFormat>,
    /// The SQL dialect the dump was written in (default: guessed from the
    /// dump; a dump whose strings hold backslashes needs it said, since only
    /// MySQL/MariaDB read them as escapes).
    #[arg(long, value_name = "DIALECT")]
    dialect: Option<Dialect>,
    /// The reason recorded in each imported code's history (default:
    /// `eGovFrame migration`).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    #[command(flatten)]
    actor: ActorArgs,
}

/// Formats `migrate-from egovframe` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DumpFormat {
    /// `INSERT` statements, as eGovFrame's DML scripts and database dump tools write them.
    Sql,
    /// CSV exports with a header line, one file per table, named after it.
    Csv,
}

/// Everything read from the dump, by owner.
#[derive(Default)]
struct Source {
    codes: egovframe::CodeRows,
    accounts: EgovImport,
    /// Tables no importer reads: rows, first line, file.
    other: BTreeMap<String, (usize, usize, String)>,
    /// What each file was read as.
    described: Vec<String>,
}

pub(crate) async fn run(
    context: &Context,
    command: MigrateFromCommand,
) -> Result<ExitCode, Failure> {
    let MigrateFromCommand::Egovframe(args) = command;
    match migrate(context, args).await {
        // A failure of the database or a file is exit 4 here: 3 means
        // "imported with skips" for this command.
        Err(failure) if failure.is_infrastructure() => {
            eprintln!("error: {failure}");
            Ok(ExitCode::from(4))
        }
        other => other,
    }
}

async fn migrate(context: &Context, args: EgovframeArgs) -> Result<ExitCode, Failure> {
    let actor = args.actor.actor()?;
    let codes_settings: CodesSettings = context.section()?;
    let progress = Progress::new(&args.files);
    let mut source = read_source(&args, &progress)?;
    let codes_read = source.codes.rows_read();
    let messages = Messages::new();

    let offset = crate::codes::utc_offset(&codes_settings)?;
    let now = time::OffsetDateTime::now_utc();
    // One importer's rows at a time beside the dump's compact rows: the
    // accounts are imported (and let go) before the codes' records are made.
    let accounts_source = std::mem::take(&mut source.accounts);
    let code_rows = std::mem::take(&mut source.codes);
    let reason = args.reason.clone();
    let dataset = move || -> Result<Dataset, egov_codes::Error> {
        let mut dataset = code_rows
            .into_dataset(offset, now)
            .map_err(egov_codes::Error::ImportRejected)?;
        if let Some(reason) = reason {
            dataset.reason = Some(reason);
        }
        Ok(dataset)
    };

    let auth_settings: AuthSettings = context.section()?;
    let privacy: PrivacySettings = context.section()?;
    let cipher =
        FieldCipher::from_settings(&privacy).map_err(|e| Failure::Privacy(e.to_string()))?;
    let db = context.migrated_database().await?;
    let audit = context.audit_log(&db).await?;
    let outcome = async {
        let writer = db.clone();
        let registry =
            CodeRegistry::start(db.clone(), audit.clone(), codes_settings.clone()).await?;
        let auth = Auth::new(db, auth_settings, cipher, audit.clone()).await?;
        if !args.apply {
            // Accounts first: a refusal stops before the codes, and the
            // counts are what --apply will do.
            progress.phase("checking accounts");
            let accounts = auth.import_egov_dry_run(&actor, &accounts_source).await?;
            if accounts.is_refused() {
                return Ok((None, accounts));
            }
            drop(accounts_source);
            // The codes' dry run shows its own progress bar.
            progress.close();
            let codes =
                crate::codes::dry_run_import(&registry, &actor, dataset()?, codes_settings).await?;
            return Ok((Some(codes), accounts));
        }
        // A refusing row is found without the database (the dry run would
        // answer the same): nothing is opened then.
        let checked = accounts_source.precheck();
        if checked.is_refused() {
            return Ok((None, checked));
        }
        // Accounts and codes in one transaction: all or nothing.
        let mut tx = writer.begin_write().await?;
        let written = async {
            progress.phase("writing accounts");
            let accounts = auth
                .import_egov_in(&mut tx, &actor, &accounts_source)
                .await?;
            if accounts.is_refused() {
                return Ok((None, accounts));
            }
            drop(accounts_source);
            progress.phase("writing codes");
            let shown = |phase: ImportPhase, done: usize, total: usize| {
                if phase == ImportPhase::Writing {
                    progress.phase_counted("writing codes", done, total);
                }
            };
            let codes = registry
                .import_in_transaction(&mut tx, &actor, dataset()?, &shown)
                .await?;
            progress.phase("committing");
            Ok::<_, Failure>((Some(codes), accounts))
        }
        .await;
        let (codes, accounts) = match written {
            Ok((Some(codes), accounts)) => (codes, accounts),
            Ok((None, refused)) => {
                tx.rollback().await.map_err(egov_db::DbError::from)?;
                return Ok((None, refused));
            }
            Err(failure) => {
                tx.rollback().await.map_err(egov_db::DbError::from)?;
                return Err(failure);
            }
        };
        tx.commit().await.map_err(egov_db::DbError::from)?;
        // No reload of the registry: this process ends here, and running
        // services see the codes through the change version the transaction
        // bumped (a snapshot of every code would only raise the peak memory).
        Ok((Some(codes), accounts))
    }
    .await;
    progress.phase("closing the audit trail");
    audit.shutdown().await;
    progress.close();
    let (codes, accounts) = match outcome {
        Err(Failure::Codes(egov_codes::Error::ImportRejected(issues))) => {
            return Err(refuse_codes(&issues, &messages));
        }
        other => other?,
    };

    let report = Report {
        source: &source,
        codes_read,
        codes,
        accounts: &accounts,
        applied: args.apply,
    };
    print!("{}", report.render());
    Ok(ExitCode::from(report.exit_code()))
}

/// `egov accounts import-egovframe`: the accounts part of the migration alone,
/// applied at once (code tables in the files are listed as not imported).
pub(crate) async fn import_accounts(
    context: &Context,
    files: Vec<PathBuf>,
    format: Option<DumpFormat>,
    actor: &ActorArgs,
) -> Result<ExitCode, Failure> {
    let actor = actor.actor()?;
    let args = EgovframeArgs {
        files,
        apply: true,
        format,
        dialect: None,
        reason: None,
        actor: ActorArgs::default(),
    };
    let progress = Progress::new(&args.files);
    let mut source = read_source(&args, &progress)?;
    // This command has always refused a CSV file it cannot place.
    if let Some((_, (_, _, file))) = source
        .other
        .iter()
        .find(|(_, (_, _, f))| f.ends_with(".csv"))
    {
        return Err(Failure::Usage(format!(
            "{file}: name a CSV file after its table ({})",
            egov_auth::import::TABLES.join(", ")
        )));
    }
    for (table, read) in source.codes.rows_read() {
        if read > 0 {
            source.other.insert(
                format!("{table} (use `migrate-from egovframe`)"),
                (read, 0, String::new()),
            );
        }
    }
    let auth_settings: AuthSettings = context.section()?;
    let privacy: PrivacySettings = context.section()?;
    let cipher =
        FieldCipher::from_settings(&privacy).map_err(|e| Failure::Privacy(e.to_string()))?;
    let db = context.migrated_database().await?;
    let audit = context.audit_log(&db).await?;
    progress.phase("writing accounts");
    let outcome = match Auth::new(db, auth_settings, cipher, audit.clone()).await {
        Ok(auth) => auth.import_egov(&actor, &source.accounts).await,
        Err(error) => Err(error),
    };
    progress.phase("closing the audit trail");
    audit.shutdown().await;
    progress.close();
    let accounts = outcome?;
    let report = Report {
        source: &source,
        codes_read: source.codes.rows_read(),
        codes: None,
        accounts: &accounts,
        applied: accounts.applied,
    };
    print!("{}", report.render());
    println!(
        "accounts: {} created, {} skipped; roles: {} created or extended; \
         role assignments: {} made, {} naming an unknown or skipped ESNTL_ID",
        accounts.accounts,
        accounts.skipped.len(),
        accounts.roles,
        accounts.assignments,
        accounts.unmatched_assignments
    );
    if accounts.is_refused() {
        return Err(Failure::Rejected {
            what: "account import".into(),
            problems: accounts.tables.iter().map(|t| t.refused.len()).sum(),
        });
    }
    if accounts.roles > 0 {
        eprintln!(
            "note: imported roles grant no permissions (eGovFrame roles were URL patterns); \
             grant them through the admin API"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn refuse_codes(issues: &[RowIssue], messages: &Messages) -> Failure {
    crate::codes::refuse("eGovFrame code tables", issues, messages)
}

/// What a migration shows on stderr while it works: a bar of the bytes read,
/// then the phase being written — for a dump of more than [`LARGE_DUMP`]
/// bytes when stderr is a terminal; hidden otherwise (tests, pipes).
struct Progress {
    bar: ProgressBar,
    /// Bytes of the files already read.
    done: AtomicU64,
    /// Cleared for good (before a report, or another bar).
    closed: AtomicBool,
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.close();
    }
}

/// The size from which a migration shows its progress.
const LARGE_DUMP: u64 = 5 * 1024 * 1024;

impl Progress {
    fn new(files: &[PathBuf]) -> Self {
        let total: u64 = files
            .iter()
            .filter_map(|path| std::fs::metadata(path).ok())
            .map(|meta| meta.len())
            .sum();
        let bar = if total < LARGE_DUMP || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template(
                    "{msg:10} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            )
        };
        bar.set_message("reading");
        Self {
            bar,
            done: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// `bytes` of the file being read are read.
    fn read(&self, bytes: u64) {
        self.bar
            .set_position(self.done.load(Ordering::Relaxed) + bytes);
    }

    /// A file of `bytes` is read.
    fn file_read(&self, bytes: u64) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.bar.set_position(done);
    }

    /// Reading is over: a spinner saying what is being done.
    fn phase(&self, what: &str) {
        if self.bar.is_hidden() || self.closed.load(Ordering::Relaxed) {
            return;
        }
        if self.bar.length().is_some() {
            self.bar.unset_length();
            self.bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
        self.bar.set_message(what.to_owned());
    }

    /// Clears it from the terminal; it shows nothing more.
    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }

    /// [`Progress::phase`] with a count.
    fn phase_counted(&self, what: &str, done: usize, total: usize) {
        self.phase(&format!("{what}: {done}/{total}"));
    }
}

fn read_source(args: &EgovframeArgs, progress: &Progress) -> Result<Source, Failure> {
    let mut source = Source::default();
    let mut files = Vec::new();
    for path in &args.files {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(Failure::file(path.display().to_string()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                })
                .collect();
            inside.sort();
            files.extend(inside.into_iter().map(|p| (p, Some(DumpFormat::Csv))));
        } else {
            files.push((path.clone(), args.format));
        }
    }
    for (path, format) in files {
        let format = match format {
            Some(format) => format,
            None => match extension(&path).as_deref() {
                Some("sql") => DumpFormat::Sql,
                Some("csv") => DumpFormat::Csv,
                _ => {
                    return Err(Failure::Usage(format!(
                        "{}: cannot tell the format from the extension; give --format sql or csv",
                        path.display()
                    )));
                }
            },
        };
        match format {
            DumpFormat::Sql => read_sql(&path, args.dialect, &mut source, progress)?,
            DumpFormat::Csv => read_csv(&path, &mut source)?,
        }
        progress.file_read(std::fs::metadata(&path).map_or(0, |meta| meta.len()));
    }
    Ok(source)
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

fn read_sql(
    path: &Path,
    dialect: Option<Dialect>,
    source: &mut Source,
    progress: &Progress,
) -> Result<(), Failure> {
    let name = path.display().to_string();
    let open = || File::open(path).map_err(Failure::file(name.clone()));
    let dialect = match dialect {
        Some(dialect) => {
            source
                .described
                .push(format!("{name} (SQL, dialect {dialect})"));
            dialect
        }
        None => {
            let mut head = vec![0; 64 * 1024];
            let read = std::io::Read::read(&mut open()?, &mut head)
                .map_err(Failure::file(name.clone()))?;
            head.truncate(read);
            let head = String::from_utf8_lossy(&head);
            match detect_dialect(&head) {
                Some(dialect) => {
                    source.described.push(format!(
                        "{name} (SQL, dialect {dialect}, guessed; say --dialect if wrong)"
                    ));
                    dialect
                }
                None if head.contains('\\') => {
                    return Err(Failure::Usage(format!(
                        "{name}: cannot tell the dump's SQL dialect, and its strings hold backslashes, \
                         which only MySQL/MariaDB read as escapes; give --dialect ({})",
                        Dialect::ALL.map(|d| d.to_string()).join(", ")
                    )));
                }
                None => {
                    source.described.push(format!("{name} (SQL)"));
                    Dialect::Postgres
                }
            }
        }
    };
    let mut reader = DumpReader::new(BufReader::with_capacity(256 * 1024, open()?), dialect);
    while let Some(statement) = reader.next() {
        progress.read(reader.bytes_read());
        let statement = statement
            .map_err(|error| Failure::Usage(format!("{name}: {error}; nothing was written")))?;
        if source.codes.add_statement(&statement) || source.accounts.add_statement(&statement) {
            continue;
        }
        let entry = source.other.entry(statement.table.clone()).or_insert((
            0,
            statement.line,
            name.clone(),
        ));
        entry.0 += statement.rows.len();
    }
    Ok(())
}

fn read_csv(path: &Path, source: &mut Source) -> Result<(), Failure> {
    let name = path.display().to_string();
    let table = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_ascii_uppercase)
        .unwrap_or_default();
    let bytes = std::fs::read(path).map_err(Failure::file(name.clone()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::Usage(format!(
            "{name}: not UTF-8 text; convert it first, e.g. `iconv -f cp949 -t utf-8`"
        ))
    })?;
    source
        .described
        .push(format!("{name} (CSV, table {table})"));
    if source.codes.add_csv(&table, &text) {
        return Ok(());
    }
    if egov_auth::import::TABLES.contains(&table.as_str()) {
        return source
            .accounts
            .add_csv(&table, &text)
            .map_err(|error| Failure::Usage(format!("{name}: {error}; nothing was written")));
    }
    let rows = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    source.other.insert(table, (rows, 2, name));
    Ok(())
}

/// The report printed at the end.
struct Report<'a> {
    source: &'a Source,
    codes_read: [(&'static str, usize); 3],
    /// The codes import's counts (none when refused before it ran).
    codes: Option<egov_codes::ImportReport>,
    accounts: &'a egov_auth::import::ImportReport,
    applied: bool,
}

impl Report<'_> {
    fn refused(&self) -> bool {
        self.accounts.is_refused()
    }

    fn skipped(&self) -> bool {
        !self.source.other.is_empty() || self.accounts.tables.iter().any(|t| !t.skipped.is_empty())
    }

    fn exit_code(&self) -> u8 {
        if self.refused() {
            2
        } else if self.skipped() {
            3
        } else {
            0
        }
    }

    fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "eGovFrame migration");
        for described in &self.source.described {
            let _ = writeln!(out, "  from {described}");
        }
        let _ = writeln!(
            out,
            "  {}\n",
            if self.refused() {
                "REFUSED: nothing was written (fix the rows below and run again)"
            } else if self.applied {
                "applied"
            } else {
                "dry run: nothing was written (run again with --apply to import)"
            }
        );
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>9} {:>10} {:>8} {:>8}",
            "table", "read", "imported", "unchanged", "skipped", "refused"
        );
        for (at, (table, read)) in self.codes_read.into_iter().enumerate() {
            let counts = self.codes.map(|c| [c.categories, c.groups, c.codes][at]);
            let (imported, unchanged) = counts.map_or(("-".into(), "-".into()), |c| {
                ((c.created + c.updated).to_string(), c.unchanged.to_string())
            });
            let _ = writeln!(
                out,
                "{table:<24} {read:>8} {imported:>9} {unchanged:>10} {:>8} {:>8}",
                0, 0
            );
        }
        let tables: &[TableReport] = &self.accounts.tables;
        for table in tables {
            let _ = writeln!(
                out,
                "{:<24} {:>8} {:>9} {:>10} {:>8} {:>8}",
                table.table,
                table.read,
                table.imported,
                table.unchanged,
                table.skipped.len(),
                table.refused.len()
            );
        }
        for (what, pick) in [
            (
                "refused",
                (|t: &TableReport| &t.refused) as fn(&TableReport) -> &Vec<_>,
            ),
            ("skipped", |t: &TableReport| &t.skipped),
            ("imported with a note", |t: &TableReport| &t.notes),
        ] {
            let rows: Vec<String> = tables
                .iter()
                .flat_map(|t| pick(t).iter().map(move |n| format!("  {} {n}", t.table)))
                .collect();
            if !rows.is_empty() {
                let _ = writeln!(out, "\n{what}:");
                for row in rows {
                    let _ = writeln!(out, "{row}");
                }
            }
        }
        if !self.source.other.is_empty() {
            let _ = writeln!(
                out,
                "\nnot imported (egov-rs has no counterpart, or the table name is misspelled):"
            );
            for (table, (rows, line, file)) in &self.source.other {
                let _ = writeln!(out, "  {table:<24} {rows:>8} rows (first at {file}:{line})");
            }
        }
        if !self.accounts.url_patterns.is_empty() {
            let _ = writeln!(
                out,
                "\neGovFrame URL security (COMTNROLEINFO, COMTNAUTHORROLERELATE) — nothing is granted \
                 from it; grant the new service's permissions to these roles by hand:"
            );
            for (role, patterns) in &self.accounts.url_patterns {
                let _ = writeln!(out, "  {role}: {}", patterns.join("  "));
            }
        }
        out
    }
}
