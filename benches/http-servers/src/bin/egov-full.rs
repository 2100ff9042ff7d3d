//! `egov-full`: [`http_bench_servers::notice`] served by egov-web's `App`
//! with the full standard stack — the subject of `cargo xtask bench`.
//!
//! Configured like a service (`config/default.toml` compiled in, then
//! `config/` files and `EGOV__SECTION__KEY`): see
//! [`http_bench_servers::full_app`]. Prints `egov-full listening on
//! http://ADDRESS` and serves until Ctrl-C or SIGTERM.
//!
//! For finding where the time goes, `--without auth` leaves egov-auth out
//! (the route becomes `Public`; no token needed) and `--without audit` leaves
//! the audit layer out; both may be given. `cargo xtask bench` uses neither.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

use egov::prelude::*;
use http_bench_servers::{FULL_CONFIG, StartError, Without, full_app};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("egov-full: {error}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)]
async fn run() -> Result<(), StartError> {
    let without = Without::parse(std::env::args().skip(1))?;
    let config = Config::builder()
        .embedded("egov-full defaults", FULL_CONFIG)
        .load()?;
    let _telemetry = egov::telemetry::init(&config.section()?, config.profile())?;
    let (app, audit) = full_app(&config, without).await?;

    let settings: WebSettings = config.section()?;
    let listener = tokio::net::TcpListener::bind((settings.host.as_str(), settings.port)).await?;
    println!("egov-full listening on http://{}", listener.local_addr()?);
    app.serve(listener, egov::web::shutdown_signal()).await?;
    // Writes what is queued and signs a final checkpoint.
    audit.shutdown().await;
    Ok(())
}
