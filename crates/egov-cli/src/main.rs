//! `egov`: the operator's command-line tool for egov-rs services.
//!
//! ```text
//! egov [--config-dir DIR] [--profile dev|test|prod] [--db URL] <command>
//!
//! egov migrate                          apply every framework migration
//!                                       (change feed, audit, codes, auth)
//! egov keys generate <kind> [--id ID] [--algorithm eddsa|es256]
//!                                       a new key (audit | jwt | field | blind-index | csrf);
//!                                       --algorithm for jwt keys only
//! egov keys rotate <kind> [--id ID] [--algorithm eddsa|es256]
//!                                       a new key plus how to keep the old one verifying
//! egov codes import <FILE> [--format json|csv|egovframe-sql|egovframe-csv]
//!                   [--reason TEXT] [--dry-run] [--as NAME]
//!                                       import code tables, all or nothing
//! egov codes export [--format json|csv] [--out F]
//!                                       every category, group and code
//! egov accounts create-admin <LOGIN_ID> [--name NAME] [--grant PERMISSION]... [--as NAME]
//!                                       an administrator (role EGOV_ADMIN, plus each
//!                                       --grant); prints its one-time password
//! egov accounts import-egovframe <FILE>... [--format sql|csv] [--as NAME]
//!                                       eGovFrame accounts, roles and assignments
//! egov accounts unlock <LOGIN_ID> [--as NAME]
//!                                       clear failures, make a locked account active
//! egov audit verify [--checkpoints F]   recompute the chain, check every signature
//! egov audit export [--after SEQ] [--out F]
//!                                       the events as JSON lines, in chain order
//! egov audit checkpoint [--out F]       sign a checkpoint now; export every checkpoint
//! egov audit report --month YYYY-MM [--format json|csv|html] [--out F]
//!                                       the monthly review
//! egov audit purge [--keep-days N] --yes  remove events past retention, up to a checkpoint
//! egov audit public-key                 the checkpoint signing key's public key (not secret)
//! egov check [--project DIR] [--binary PATH | --report FILE]
//!                                       the six conformance rules; exit 1 if one is broken
//! egov generate resource NAME FIELD:TYPE... [--plural P] [--project DIR]
//!                                       a resource (module, migration, tests) written
//!                                       into a generated service and registered
//! ```
//!
//! `docs/cli.md` in the egov-rs checkout documents every command.
//!
//! Configuration comes from the service's usual layers (`config/*.toml` in
//! `--config-dir` or `EGOV_CONFIG_DIR`, the profile, `EGOV__…` variables);
//! `--db` overrides `database.url`. The `codes` and `accounts` commands read
//! the `[codes]`, `[auth]`, `[privacy]` and `[audit]` sections like the
//! service does, and record their changes in its audit trail as
//! `system:egov-cli` (`system:egov-cli:<NAME>` with `--as NAME`: the operator's
//! name, self-declared, for the record).
//!
//! Exit codes: 0 success, 1 a check failed (damage found, a rule broken),
//! 2 bad usage or input (a refused import — every bad row is listed and
//! nothing is written —, an existing or unknown login id, bad configuration),
//! 3 the database, the audit trail or a file could not be used.
//!
//! Secrets are never printed, except the one a command was asked to generate:
//! a key of `keys`, or the one-time password of `accounts create-admin` (on
//! stdout, alone, once). Progress bars go to stderr and only to a terminal.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool: printing is its output

mod accounts;
mod audit;
mod check;
mod codes;
mod context;
mod generate;
mod keys;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::{Context, Failure, GlobalArgs};

/// The egov-rs operator tool.
#[derive(Debug, Parser)]
#[command(name = "egov", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply every pending framework migration (audit, codes, auth, change feed).
    Migrate,
    /// Generate or rotate keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Verify, export, checkpoint and review the audit trail.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Import and export code tables (공통코드), including eGovFrame's.
    #[command(subcommand)]
    Codes(codes::CodesCommand),
    /// Create an administrator, import eGovFrame accounts, unlock an account.
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
    /// Check a service against the framework's rules (policies, audit,
    /// messages, configuration, endpoints, versions); exit 1 if one is broken.
    Check(check::CheckArgs),
    /// Write code into a generated service: `egov generate resource NAME field:type…`.
    #[command(subcommand)]
    Generate(generate::GenerateCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let context = Context::new(cli.global);
    match cli.command {
        Command::Migrate => {
            let db = context.database().await?;
            let report = db.migrate(context::MIGRATIONS).await?;
            if report.applied.is_empty() {
                println!("{}: up to date", db.redacted_url());
            }
            for (component, version) in report.applied {
                println!("applied {component} v{version}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(command) => keys::run(command),
        Command::Audit(command) => audit::run(&context, command).await,
        Command::Codes(command) => codes::run(&context, command).await,
        Command::Accounts(command) => accounts::run(&context, command).await,
        Command::Check(args) => check::run(&args),
        Command::Generate(command) => generate::run(command),
    }
}
