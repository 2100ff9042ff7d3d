//! Starts civil-petitions: `cargo run -p civil-petitions` (see README.md).
//!
//! On first start — no account holds `auth:admin` — it creates the account
//! `admin` and hands over its one-time password once: on the terminal, or
//! without one in the file `civil-petitions-one-time-password` (mode 0600). With the dev profile and
//! `--demo` (or `CIVIL_PETITIONS_DEMO=1`) it also creates the demo accounts
//! `citizen` and `staff`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

use egov::prelude::*;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Before telemetry is up, stderr is the only place to say why.
            eprintln!("civil-petitions: {error}");
            ExitCode::FAILURE
        }
    }
}

fn demo_requested() -> bool {
    std::env::args().skip(1).any(|a| a == "--demo")
        || std::env::var("CIVIL_PETITIONS_DEMO").is_ok_and(|v| v == "1" || v == "true")
}

#[allow(clippy::print_stdout)]
async fn run() -> Result<(), civil_petitions::StartError> {
    let config = civil_petitions::SERVICE.config()?;
    let _telemetry = egov::telemetry::init(&config.section()?, config.profile())?;

    let db = Db::connect(&config.section()?).await?;
    let services = civil_petitions::start(&config, db).await?;

    if let Some(password) = civil_petitions::ensure_first_admin(&services).await? {
        // To the terminal, or a 0600 file when there is none: never into the
        // log stream (stored only as a hash).
        egov::web::handover::hand_over(civil_petitions::SERVICE.name, "admin", &password)
            .map_err(|e| format!("cannot hand over the first administrator's password: {e}"))?;
    }
    if demo_requested() {
        if config.profile() == Profile::Dev {
            civil_petitions::seed_demo_accounts(&services).await?;
            println!("Demo accounts (dev profile only): see README.md.");
        } else {
            return Err("--demo is allowed only with EGOV_PROFILE=dev".into());
        }
    }

    let settings: WebSettings = config.section()?;
    let app = civil_petitions::app(settings.clone(), &services);
    // Serves until SIGTERM/Ctrl-C, then flushes the audit trail.
    services.serve(app, &settings, &config).await
}
