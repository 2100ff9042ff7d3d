//! `egov-audit`: the operator's tool for the audit trail.
//!
//! ```text
//! egov-audit verify [--db URL] [--chain ID] [--checkpoints FILE]
//! egov-audit export-checkpoints [--db URL] [--chain ID] [--out FILE]
//! egov-audit public-key
//! egov-audit load [--db URL] [--callers N] [--events N] [--print-committed]
//! ```
//!
//! Configuration comes from the usual egov layers (`config/*.toml`,
//! `EGOV__AUDIT__SIGNING_KEY`, `EGOV__DATABASE__URL`); `--db` overrides the URL.
//! `verify` exits 1 when it finds damage. `export-checkpoints` writes the signed
//! checkpoints (to stdout by default) for keeping off the host. `load` appends
//! events from concurrent callers and reports throughput and latency; with
//! `--print-committed` it prints each committed sequence number as it is
//! acknowledged (the crash test kills it mid-run and checks every printed one).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(clippy::print_stdout)] // a command-line tool: printing is its output

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use egov_audit::checkpoint::{CheckpointSigner, export, parse_many};
use egov_audit::{Action, AuditEvent, AuditLog, AuditSettings, Outcome, Target, verify};
use egov_core::actor::Actor;
use egov_core::config::Config;
use egov_db::{DatabaseSettings, Db};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("egov-audit: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("egov-audit: {e}");
            ExitCode::FAILURE
        }
    }
}

fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn number(args: &[String], name: &str, default: usize) -> Result<usize, String> {
    option(args, name).map_or(Ok(default), |v| {
        v.parse().map_err(|_| format!("{name} takes a number"))
    })
}

type Failure = Box<dyn std::error::Error>;

async fn run(args: &[String]) -> Result<ExitCode, Failure> {
    let Some(command) = args.first() else {
        return Err(USAGE.into());
    };
    let config = Config::load()?;
    let mut settings: AuditSettings = config.section()?;
    if let Some(chain) = option(args, "--chain") {
        settings.chain_id = chain.to_owned();
    }
    let signer =
        CheckpointSigner::from_config(&settings.signing_key_id, settings.signing_key.expose())?;
    if command == "public-key" {
        println!("{}", signer.verifier().to_text());
        return Ok(ExitCode::SUCCESS);
    }
    let mut database: DatabaseSettings = config.section()?;
    if let Some(url) = option(args, "--db") {
        database = DatabaseSettings {
            max_connections: database.max_connections.max(4),
            ..DatabaseSettings::from_url(url)
        };
    }
    let db = Db::connect(&database).await?;
    db.migrate(&[&egov_audit::MIGRATIONS]).await?;
    let outcome = command_on(&db, command, &settings, &signer, args).await;
    // Closing cleanly lets SQLite fold its write-ahead log back into the
    // database and delete it; left behind, the next process to open the file
    // reads and checksums the whole log first (40 MB after a load run: most of
    // a following `verify`'s time).
    db.close().await;
    outcome
}

async fn command_on(
    db: &Db,
    command: &str,
    settings: &AuditSettings,
    signer: &CheckpointSigner,
    args: &[String],
) -> Result<ExitCode, Failure> {
    match command {
        "verify" => {
            let report = match option(args, "--checkpoints") {
                Some(file) => {
                    let kept = parse_many(&std::fs::read_to_string(file)?)?;
                    egov_audit::verify::verify_also_against(
                        db,
                        &settings.chain_id,
                        &signer.verifier(),
                        &kept,
                    )
                    .await?
                }
                None => verify(db, &settings.chain_id, &signer.verifier()).await?,
            };
            println!(
                "chain {}: {} events checked up to {}, {} checkpoints",
                settings.chain_id,
                report.events_checked,
                report.last_seq,
                report.checkpoints_checked
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
        "export-checkpoints" => {
            let checkpoints = egov_audit::checkpoints(db, &settings.chain_id).await?;
            match option(args, "--out") {
                Some(path) => export(&checkpoints, &mut std::fs::File::create(path)?)?,
                None => export(&checkpoints, &mut std::io::stdout().lock())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        "load" => {
            load(db.clone(), settings, args).await?;
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(USAGE.into()),
    }
}

const USAGE: &str = "usage: egov-audit verify|export-checkpoints|public-key|load [--db URL] [--chain ID] \
                     [--checkpoints FILE] [--out FILE] [--callers N] [--events N] [--print-committed]";

async fn load(db: Db, settings: &AuditSettings, args: &[String]) -> Result<(), Failure> {
    let callers = number(args, "--callers", 64)?;
    let events = number(args, "--events", 1000)?;
    let print = args.iter().any(|a| a == "--print-committed");
    let log = AuditLog::start(db, settings).await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for caller in 0..callers {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            let actor = Actor::system(format!("load-{caller}"));
            let mut latencies = Vec::with_capacity(events);
            for i in 0..events {
                let t = Instant::now();
                let receipt = log
                    .record(
                        AuditEvent::new(Action::VIEW, &actor, Outcome::Success)
                            .target(Target::new("load", format!("{caller}-{i}"))),
                    )
                    .await?;
                latencies.push(t.elapsed());
                if print {
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "committed {}", receipt.seq).ok();
                    out.flush().ok();
                }
            }
            Ok::<_, egov_audit::AuditError>(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    log.shutdown().await;
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    println!(
        "{} events from {callers} callers in {:.2} s: {:.0} events/s; latency p50 {:?}, p99 {:?}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99)
    );
    Ok(())
}
