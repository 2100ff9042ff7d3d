//! `egov audit`: the operator's side of the audit trail.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use egov_audit::checkpoint::{CheckpointSigner, export};
use egov_audit::report::MonthlyReport;
use egov_audit::{AuditLog, AuditSettings};
use indicatif::{ProgressBar, ProgressStyle};

use crate::context::{Context, Failure};

/// The shortest retention `purge` accepts: Korean law keeps personal-data
/// access records at least a year (개인정보의 안전성 확보조치 기준 §8).
const MIN_RETENTION_DAYS: u32 = 365;

/// Events read per query by `export`.
const EXPORT_PAGE: u32 = 5_000;

/// `egov audit …`
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Recompute the hash chain and check every checkpoint signature; exit 1 on damage.
    Verify {
        /// Also check against checkpoints kept off the host: an exported
        /// checkpoint file, a witness file, or a service log holding witness
        /// lines (`[audit] witness_file`, when it exists, is always read too).
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
    },
    /// Write the events as JSON lines, in chain order (to stdout by default).
    Export {
        /// Only events after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// The output file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Sign a checkpoint of the current head now, then export every checkpoint.
    Checkpoint {
        /// The output file (stdout by default).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Remove events older than the retention period, up to the last signed
    /// checkpoint that covers them (what remains still verifies). Verifies the
    /// chain first and refuses to purge a damaged one.
    Purge {
        /// Keep this many days instead of `audit.retention_days` (at least 365:
        /// Korean law keeps access records for a year, two for large systems).
        #[arg(long, value_name = "DAYS")]
        keep_days: Option<u32>,
        /// Really delete (without it, nothing is removed).
        #[arg(long)]
        yes: bool,
    },
    /// The monthly review report (개인정보 접속기록 점검).
    Report {
        /// The local month to review, `YYYY-MM`.
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// The output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
        format: ReportFormat,
        /// The output file (stdout by default).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print the public key of the configured checkpoint signing key
    /// (`<key id> <base64>`, not secret): what auditors keep to verify exported
    /// checkpoints, and what to archive with them before rotating the key.
    PublicKey,
}

/// Formats of the monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// JSON, for further processing.
    Json,
    /// CSV, for spreadsheets.
    Csv,
    /// A readable HTML page.
    Html,
}

pub(crate) async fn run(context: &Context, command: AuditCommand) -> Result<ExitCode, Failure> {
    let settings: AuditSettings = context.section()?;
    let signer =
        CheckpointSigner::from_config(&settings.signing_key_id, settings.signing_key.expose())
            .map_err(|e| Failure::Usage(format!("audit signing key: {e}")))?;
    if matches!(command, AuditCommand::PublicKey) {
        // Needs the key only, not the database.
        println!("{}", signer.verifier().to_text());
        return Ok(ExitCode::SUCCESS);
    }
    let db = context.migrated_database().await?;
    let chain = settings.chain_id.as_str();
    match command {
        AuditCommand::Verify { checkpoints } => {
            // Checkpoints kept outside the database: the file given, and the
            // configured witness file when it exists.
            let witness = Some(settings.witness_file.trim())
                .filter(|path| !path.is_empty() && std::path::Path::new(path).exists())
                .map(std::path::PathBuf::from);
            let mut kept = Vec::new();
            for path in checkpoints.iter().chain(witness.iter()) {
                let text = std::fs::read_to_string(path)
                    .map_err(Failure::file(path.display().to_string()))?;
                let found = egov_audit::witness::extract(&text).map_err(|e| {
                    Failure::Usage(format!(
                        "{}: neither a checkpoint file nor a log with witness lines: {e}",
                        path.display()
                    ))
                })?;
                eprintln!("{}: {} checkpoints", path.display(), found.len());
                kept.extend(found);
            }
            let report =
                egov_audit::verify::verify_also_against(&db, chain, &signer.verifier(), &kept)
                    .await?;
            println!(
                "chain {chain}: {} events checked up to seq {}, {} checkpoints",
                report.events_checked, report.last_seq, report.checkpoints_checked
            );
            Ok(match report.damage {
                None => {
                    println!("ok");
                    ExitCode::SUCCESS
                }
                Some(damage) => {
                    println!("DAMAGED at seq {}: {:?}", damage.seq, damage.kind);
                    ExitCode::FAILURE
                }
            })
        }
        AuditCommand::Export { after, out } => {
            let mut sink = output(out.as_ref())?;
            let progress = ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {pos} events exported ({per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            let mut last = after;
            loop {
                let events = egov_audit::events_after(&db, chain, last, EXPORT_PAGE).await?;
                let Some(end) = events.last().map(|e| e.seq) else {
                    break;
                };
                for event in &events {
                    let line = serde_json::to_string(event)
                        .map_err(|e| Failure::Usage(format!("cannot encode event: {e}")))?;
                    writeln!(sink, "{line}").map_err(Failure::file("output"))?;
                }
                progress.inc(events.len() as u64);
                last = end;
            }
            sink.flush().map_err(Failure::file("output"))?;
            progress.finish_and_clear();
            eprintln!("{} events exported", progress.position());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoint { out } => {
            // Starting and stopping the log signs a checkpoint of the head if it has
            // grown since the last one.
            let log = AuditLog::start(db.clone(), &settings).await?;
            log.shutdown().await;
            let checkpoints = egov_audit::checkpoints(&db, chain).await?;
            let mut sink = output(out.as_ref())?;
            export(&checkpoints, &mut sink).map_err(Failure::file("output"))?;
            sink.flush().map_err(Failure::file("output"))?;
            eprintln!("{} checkpoints exported", checkpoints.len());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Purge { keep_days, yes } => {
            let days = keep_days.unwrap_or(settings.retention_days);
            if days < MIN_RETENTION_DAYS {
                return Err(Failure::Usage(format!(
                    "refusing to keep less than {MIN_RETENTION_DAYS} days of access records (asked: {days})"
                )));
            }
            if !yes {
                return Err(Failure::Usage(format!(
                    "this deletes audit events older than {days} days; add --yes to do it"
                )));
            }
            let report = egov_audit::verify(&db, chain, &signer.verifier()).await?;
            if let Some(damage) = report.damage {
                println!(
                    "DAMAGED at seq {}: {:?}; nothing purged",
                    damage.seq, damage.kind
                );
                return Ok(ExitCode::FAILURE);
            }
            let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
            let purged = egov_audit::purge(&db, chain, cutoff).await?;
            println!(
                "chain {chain}: {} events purged (up to the checkpoint at seq {}); kept {days} days",
                purged.removed, purged.up_to
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Report { month, format, out } => {
            let (year, month) = parse_month(&month)?;
            let report = MonthlyReport::build(&db, chain, year, month, &settings).await?;
            let text = match format {
                ReportFormat::Json => report.to_json(),
                ReportFormat::Csv => report.to_csv(),
                ReportFormat::Html => report.to_html(),
            };
            let mut sink = output(out.as_ref())?;
            sink.write_all(text.as_bytes())
                .map_err(Failure::file("output"))?;
            sink.flush().map_err(Failure::file("output"))?;
            Ok(ExitCode::SUCCESS)
        }
        // Answered above, before the database is opened.
        AuditCommand::PublicKey => Ok(ExitCode::SUCCESS),
    }
}

fn output(path: Option<&PathBuf>) -> Result<Box<dyn Write>, Failure> {
    Ok(match path {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(Failure::file(path.display().to_string()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    })
}

/// `YYYY-MM` → (year, month).
fn parse_month(text: &str) -> Result<(i32, time::Month), Failure> {
    let bad = || Failure::Usage(format!("--month `{text}` is not YYYY-MM"));
    let (year, month) = text.split_once('-').ok_or_else(bad)?;
    if year.len() != 4 || month.len() != 2 {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    let month: u8 = month.parse().map_err(|_| bad())?;
    let month = time::Month::try_from(month).map_err(|_| bad())?;
    Ok((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly() {
        assert_eq!(
            parse_month("2026-11").unwrap(),
            (2026, time::Month::November)
        );
        for bad in [
            "2026-13", "2026-1", "26-11", "2026/11", "", "2026-00", "abcd-ef",
        ] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }
}
