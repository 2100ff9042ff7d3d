//! `egov`: the operator's command-line tool for egov-rs services — as the
//! `egov` binary, and inside every service's own binary
//! ([`service_main`]: `my-service accounts create-admin admin`, `my-service
//! check`), so that a new service compiles the framework once.
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
//! egov migrate-from egovframe <DUMP>... [--apply] [--format sql|csv] [--dialect D]
//!                   [--reason TEXT] [--as NAME]
//!                                       an eGovFrame database (codes, members of all three
//!                                       types, roles, hierarchy, assignments), with a
//!                                       report per table; dry run unless --apply
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
//!                                       the seven conformance rules; exit 1 if one is broken
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
//! 3 the database, the audit trail or a file could not be used. (`migrate-from` differs:
//! 0 imported, 2 refused, 3 imported with skips, 4 the database or a file.)
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
mod migrate_from;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use egov_web::service::{Service, Services};
use egov_web::{App, WebSettings};

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
    /// Apply every pending migration: the framework's (audit, codes, auth,
    /// change feed), and in a service's binary the service's too.
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
    /// messages, configuration, endpoints, versions, migrations); exit 1 if
    /// one is broken.
    Check(check::CheckArgs),
    /// Migrate another framework's database into this service's: `egov
    /// migrate-from egovframe DUMP… [--apply]` (dry run by default; exit 0
    /// imported, 2 refused, 3 imported with skips, 4 database or file).
    #[command(subcommand)]
    MigrateFrom(migrate_from::MigrateFromCommand),
    /// Write code into a generated service: `egov generate resource NAME field:type…`.
    #[command(subcommand)]
    Generate(generate::GenerateCommand),
}

/// The `egov` binary: parses the process's arguments, runs the command on a
/// runtime of its own, and returns the exit code (see the crate docs).
pub fn main() -> ExitCode {
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
    finish(runtime.block_on(run(cli, None)))
}

/// A service's `main`: without arguments it serves ([`Service::main`]); with
/// a command it is the `egov` tool for this service — its configuration
/// (the compiled-in defaults, `config/`, the environment), its migrations as
/// well as the framework's, and `check` inspecting this very binary — so the
/// newcomer never builds a second copy of the framework:
///
/// ```text
/// cargo run                                     # serve
/// cargo run -- accounts create-admin admin      # the first administrator
/// cargo run -- check                            # the conformance rules
/// cargo run -- migrate | audit verify | codes export | keys generate jwt …
/// ```
///
/// ```no_run
/// # use egov_web::service::{Service, Services};
/// # use egov_web::{ApiRouter, App, WebSettings};
/// # static MIGRATIONS: egov_db::MigrationSet = egov_db::MigrationSet::new("my-service", 5, &[]);
/// # static MESSAGES: egov_core::message::FluentResources =
/// #     egov_core::message::FluentResources { component: "my-service", files: &[] };
/// static SERVICE: Service = Service {
///     name: "my-service",
///     title: "My service",
///     version: "0.1.0",
///     default_config: "",
///     migrations: egov_web::migrations![&MIGRATIONS],
///     messages: &MESSAGES,
///     seed_codes: None,
/// };
///
/// fn app(settings: WebSettings, services: &Services) -> App {
///     services.app(settings).router(ApiRouter::new())
/// }
///
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     egov_cli::service_main(&SERVICE, app).await
/// }
/// ```
pub async fn service_main(
    service: &'static Service,
    app: impl FnOnce(WebSettings, &Services) -> App,
) -> ExitCode {
    service_main_from(service, app, std::env::args_os()).await
}

/// [`service_main`] with the arguments given (the first is the program's name).
pub async fn service_main_from(
    service: &'static Service,
    app: impl FnOnce(WebSettings, &Services) -> App,
    args: impl IntoIterator<Item = OsString>,
) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    if args.len() <= 1 {
        return service.main(app).await;
    }
    let cli = match Cli::try_parse_from(
        std::iter::once(OsString::from(service.name)).chain(args.into_iter().skip(1)),
    ) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    finish(run(cli, Some(service)).await)
}

fn finish(result: Result<ExitCode, Failure>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    }
}

async fn run(cli: Cli, service: Option<&'static Service>) -> Result<ExitCode, Failure> {
    let context = Context::new(cli.global, service);
    match cli.command {
        Command::Migrate => {
            let db = context.database().await?;
            let report = db.migrate(context.migrations()).await?;
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
        Command::MigrateFrom(command) => migrate_from::run(&context, command).await,
        Command::Check(args) => check::run(&args, service.is_some()),
        Command::Generate(command) => generate::run(command),
    }
}
