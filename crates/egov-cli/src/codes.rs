//! `egov codes`: moving code tables (공통코드) in and out of a service's
//! database — egov-codes' CSV and JSON files, and eGovFrame's
//! `COMTCCMMNCLCODE` / `COMTCCMMNCODE` / `COMTCCMMNDETAILCODE` as a SQL dump
//! or CSV exports.
//!
//! An import is all or nothing: every bad row is printed with its line and
//! nothing is written (exit 2). `--dry-run` runs the very same import against
//! a scratch in-memory copy of the current content, so it reports exactly what
//! the real import would find and do, and never touches the service's database.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use egov_audit::{AuditLog, AuditSettings};
use egov_codes::transfer::{Dataset, no_progress, parse_csv, parse_json};
use egov_codes::{CodeRegistry, CodesSettings, ImportPhase, ImportReport, RowIssue, egovframe};
use egov_core::actor::Actor;
use egov_db::Db;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::context::{ActorArgs, Context, Failure, MIGRATIONS, Messages};

/// From this many records on, an import draws a progress bar (on a terminal).
const LARGE_IMPORT: usize = 1_000;

/// The eGovFrame code tables, in import order.
const EGOV_TABLES: [&str; 3] = ["COMTCCMMNCLCODE", "COMTCCMMNCODE", "COMTCCMMNDETAILCODE"];

/// `egov codes …`
#[derive(Debug, Subcommand)]
pub(crate) enum CodesCommand {
    /// Import code tables: all or nothing, every bad row listed with its line.
    ///
    /// Records already present with the same content are left alone, so
    /// importing a file twice changes nothing the second time; records the
    /// file does not mention are kept.
    Import {
        /// The file. For `egovframe-csv`: a directory holding
        /// `COMTCCMMNCLCODE.csv` (optional), `COMTCCMMNCODE.csv` and
        /// `COMTCCMMNDETAILCODE.csv`, or those files themselves.
        #[arg(value_name = "FILE", required = true, num_args = 1..=3)]
        files: Vec<PathBuf>,
        /// The format (default: from the extension — `.json`, `.csv`, `.sql`
        /// for an eGovFrame dump; a directory or `COMTCCMMN*.csv` files are
        /// eGovFrame CSV exports).
        #[arg(long, value_enum)]
        format: Option<ImportFormat>,
        /// The reason recorded in each changed record's history (default for
        /// eGovFrame data: `eGovFrame migration`).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Check the file and report what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        actor: ActorArgs,
    },
    /// Export every category, group and code (deterministic; round-trips exactly).
    Export {
        /// The format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// The output file (stdout by default).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Formats `codes import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ImportFormat {
    /// egov-codes JSON (`egov-codes/1`).
    Json,
    /// egov-codes CSV.
    Csv,
    /// An eGovFrame MySQL/MariaDB dump with `INSERT`s into the three code tables.
    EgovframeSql,
    /// CSV exports (with a header line) of the eGovFrame code tables.
    EgovframeCsv,
}

/// Formats `codes export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// egov-codes JSON, one record per line.
    Json,
    /// egov-codes CSV (UTF-8 with BOM, CRLF).
    Csv,
}

pub(crate) async fn run(context: &Context, command: CodesCommand) -> Result<ExitCode, Failure> {
    let settings: CodesSettings = context.section()?;
    match command {
        CodesCommand::Import {
            files,
            format,
            reason,
            dry_run,
            actor,
        } => {
            let actor = actor.actor()?;
            let format = match format {
                Some(format) => format,
                None => detect_format(&files)?,
            };
            let name = files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let messages = Messages::new();
            let mut dataset = match read_dataset(&files, format, &settings)? {
                Ok(dataset) => dataset,
                Err(issues) => return Err(refuse(&name, &issues, &messages)),
            };
            if let Some(reason) = reason {
                dataset.reason = Some(reason);
            }
            let records = dataset.len();
            let db = context.migrated_database().await?;
            let audit = context.audit_log(&db).await?;
            let registry = CodeRegistry::start(db, audit.clone(), settings.clone()).await;
            let outcome = match registry {
                Ok(registry) if dry_run => {
                    dry_run_import(&registry, &actor, dataset, settings).await
                }
                Ok(registry) => {
                    let bar = progress_bar(records);
                    let report = {
                        let bar = bar.clone();
                        let callback = move |phase: ImportPhase, done: usize, total: usize| {
                            show_progress(&bar, phase, done, total);
                        };
                        registry.import(&actor, dataset, &callback).await
                    };
                    bar.finish_and_clear();
                    report.map_err(Failure::from)
                }
                Err(error) => Err(error.into()),
            };
            audit.shutdown().await;
            match outcome {
                Ok(report) => {
                    print_report(&name, &report, dry_run);
                    Ok(ExitCode::SUCCESS)
                }
                Err(Failure::Codes(egov_codes::Error::ImportRejected(issues))) => {
                    Err(refuse(&name, &issues, &messages))
                }
                Err(other) => Err(other),
            }
        }
        CodesCommand::Export { format, out } => {
            let db = context.migrated_database().await?;
            let audit = context.audit_log(&db).await?;
            let text = match CodeRegistry::start(db, audit.clone(), settings).await {
                Ok(registry) => match format {
                    ExportFormat::Json => registry.export_json().await,
                    ExportFormat::Csv => registry.export_csv().await,
                },
                Err(error) => Err(error),
            };
            audit.shutdown().await;
            let text = text?;
            match out {
                Some(path) => std::fs::write(&path, text.as_bytes())
                    .map_err(Failure::file(path.display().to_string()))?,
                None => {
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(text.as_bytes())
                        .and_then(|()| stdout.flush())
                        .map_err(Failure::file("stdout"))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints every problem (to stderr) and the failure that ends the command.
pub(crate) fn refuse(name: &str, issues: &[RowIssue], messages: &Messages) -> Failure {
    for issue in issues {
        let field = if issue.field.is_empty() {
            String::new()
        } else {
            format!(" {}:", issue.field)
        };
        eprintln!(
            "{name}: line {}:{field} {} [{}]",
            issue.line,
            messages.text(&issue.message),
            issue.code
        );
    }
    Failure::Rejected {
        what: format!("import of {name}"),
        problems: issues.len(),
    }
}

fn print_report(name: &str, report: &ImportReport, dry_run: bool) {
    if dry_run {
        println!(
            "{name}: dry run, nothing written: would create {}, update {}, leave {} unchanged",
            report.created, report.updated, report.unchanged
        );
    } else {
        println!(
            "{name}: created {}, updated {}, unchanged {}",
            report.created, report.updated, report.unchanged
        );
    }
}

/// A progress bar on stderr for large imports; hidden when stderr is not a
/// terminal (a pipe, a log file, a test).
fn progress_bar(records: usize) -> ProgressBar {
    if records < LARGE_IMPORT || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    ProgressBar::with_draw_target(Some(records as u64), ProgressDrawTarget::stderr()).with_style(
        ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len} records ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    )
}

fn show_progress(bar: &ProgressBar, phase: ImportPhase, done: usize, total: usize) {
    bar.set_message(match phase {
        ImportPhase::Validating => "checking",
        ImportPhase::Writing => "writing",
        ImportPhase::Done => "done",
    });
    bar.set_length(total as u64);
    bar.set_position(done as u64);
}

/// Runs the import against a scratch in-memory database holding a copy of the
/// current content: the same checks and the same counts, nothing written to
/// the service's database (nor its audit trail).
pub(crate) async fn dry_run_import(
    current: &CodeRegistry,
    actor: &Actor,
    dataset: Dataset,
    settings: CodesSettings,
) -> Result<ImportReport, Failure> {
    let content = current.export_json().await?;
    let scratch = Db::connect_url("sqlite::memory:").await?;
    scratch.migrate(MIGRATIONS).await?;
    let audit = AuditLog::start(scratch.clone(), &AuditSettings::default()).await?;
    let outcome = async {
        let registry = CodeRegistry::start(scratch, audit.clone(), settings).await?;
        let copy = parse_json(&content).map_err(egov_codes::Error::ImportRejected)?;
        if let Err(error) = registry.import(actor, copy, &no_progress).await {
            return Err(Failure::Usage(format!(
                "dry run impossible: the current content does not re-import ({error})"
            )));
        }
        let bar = progress_bar(dataset.len());
        let callback = {
            let bar = bar.clone();
            move |phase: ImportPhase, done: usize, total: usize| {
                show_progress(&bar, phase, done, total);
            }
        };
        let report = registry.import(actor, dataset, &callback).await;
        bar.finish_and_clear();
        Ok(report?)
    }
    .await;
    audit.shutdown().await;
    outcome
}

/// The format from the file names.
fn detect_format(files: &[PathBuf]) -> Result<ImportFormat, Failure> {
    let first = &files[0];
    if first.is_dir() {
        return Ok(ImportFormat::EgovframeCsv);
    }
    let extension = first
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match extension.as_deref() {
        Some("json") => ImportFormat::Json,
        Some("sql") => ImportFormat::EgovframeSql,
        Some("csv") if egov_table(first).is_some() => ImportFormat::EgovframeCsv,
        Some("csv") => ImportFormat::Csv,
        _ => {
            return Err(Failure::Usage(format!(
                "{}: cannot tell the format from the extension; give --format \
                 (json, csv, egovframe-sql or egovframe-csv)",
                first.display()
            )));
        }
    };
    Ok(format)
}

/// Which eGovFrame code table a CSV file holds, from its name
/// (`COMTCCMMNCODE.csv`, case-insensitive).
fn egov_table(path: &Path) -> Option<&'static str> {
    let stem = path.file_stem()?.to_str()?.to_ascii_uppercase();
    EGOV_TABLES.into_iter().find(|t| *t == stem)
}

/// A file's text; not UTF-8 is bad input (exit 2).
fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(Failure::file(path.display().to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        Failure::Usage(format!(
            "{}: not UTF-8 text (byte {}); convert it first, e.g. `iconv -f euc-kr -t utf-8`",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The local time of eGovFrame's timestamps (`codes.utc_offset_hours`).
pub(crate) fn utc_offset(settings: &CodesSettings) -> Result<time::UtcOffset, Failure> {
    time::UtcOffset::from_hms(settings.utc_offset_hours, 0, 0).map_err(|_| {
        Failure::Usage(format!(
            "codes.utc_offset_hours {} is out of range",
            settings.utc_offset_hours
        ))
    })
}

/// The dataset of `files`, or the problems found reading them.
fn read_dataset(
    files: &[PathBuf],
    format: ImportFormat,
    settings: &CodesSettings,
) -> Result<Result<Dataset, Vec<RowIssue>>, Failure> {
    if format != ImportFormat::EgovframeCsv && files.len() > 1 {
        return Err(Failure::Usage(
            "only the egovframe-csv format reads more than one file".into(),
        ));
    }
    let offset = utc_offset(settings)?;
    let now = time::OffsetDateTime::now_utc();
    Ok(match format {
        ImportFormat::Json => parse_json(&read_text(&files[0])?),
        ImportFormat::Csv => parse_csv(&read_text(&files[0])?),
        ImportFormat::EgovframeSql => egovframe::from_dump(&read_text(&files[0])?, offset, now),
        ImportFormat::EgovframeCsv => {
            let [classes, groups, details] = egov_csv_files(files)?;
            let (Some(groups), Some(details)) = (groups, details) else {
                return Err(Failure::Usage(
                    "egovframe-csv needs COMTCCMMNCODE.csv and COMTCCMMNDETAILCODE.csv \
                     (COMTCCMMNCLCODE.csv is optional)"
                        .into(),
                ));
            };
            let classes = classes.as_deref().map(read_text).transpose()?;
            egovframe::from_csv(
                classes.as_deref(),
                &read_text(&groups)?,
                &read_text(&details)?,
                offset,
                now,
            )
        }
    })
}

/// The CSV files of the three tables: from a directory, or named on the
/// command line.
fn egov_csv_files(files: &[PathBuf]) -> Result<[Option<PathBuf>; 3], Failure> {
    let candidates: Vec<PathBuf> = if files.len() == 1 && files[0].is_dir() {
        let dir = &files[0];
        std::fs::read_dir(dir)
            .map_err(Failure::file(dir.display().to_string()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            })
            .filter(|p| egov_table(p).is_some())
            .collect()
    } else {
        files.to_vec()
    };
    let mut found: [Option<PathBuf>; 3] = Default::default();
    for path in candidates {
        let Some(table) = egov_table(&path) else {
            return Err(Failure::Usage(format!(
                "{}: name the file after its table ({}.csv)",
                path.display(),
                EGOV_TABLES.join(".csv, ")
            )));
        };
        let slot = EGOV_TABLES.iter().position(|t| *t == table).unwrap_or(0);
        if found[slot].is_some() {
            return Err(Failure::Usage(format!("two files for {table}")));
        }
        found[slot] = Some(path);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_file_names() {
        let detect = |name: &str| detect_format(&[PathBuf::from(name)]).ok();
        assert_eq!(detect("codes.json"), Some(ImportFormat::Json));
        assert_eq!(detect("codes.CSV"), Some(ImportFormat::Csv));
        assert_eq!(detect("dump.sql"), Some(ImportFormat::EgovframeSql));
        assert_eq!(
            detect("comtccmmncode.csv"),
            Some(ImportFormat::EgovframeCsv)
        );
        assert_eq!(detect("codes.txt"), None);
        assert_eq!(detect("codes"), None);
    }

    #[test]
    fn egov_tables_are_told_apart() {
        assert_eq!(
            egov_table(Path::new("x/COMTCCMMNDETAILCODE.csv")),
            Some("COMTCCMMNDETAILCODE")
        );
        assert_eq!(
            egov_table(Path::new("COMTCCMMNCLCODE.csv")),
            Some("COMTCCMMNCLCODE")
        );
        assert_eq!(egov_table(Path::new("codes.csv")), None);
        let files = [
            PathBuf::from("COMTCCMMNDETAILCODE.csv"),
            PathBuf::from("COMTCCMMNCODE.csv"),
        ];
        let [classes, groups, details] = egov_csv_files(&files).unwrap();
        assert!(classes.is_none());
        assert_eq!(groups.unwrap(), PathBuf::from("COMTCCMMNCODE.csv"));
        assert_eq!(details.unwrap(), PathBuf::from("COMTCCMMNDETAILCODE.csv"));
        assert!(egov_csv_files(&[PathBuf::from("codes.csv")]).is_err());
    }
}
