//! Starts hello-agency: `cargo run -p hello-agency`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

use egov::prelude::*;
use egov::web::shutdown_signal;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Before telemetry is up, stderr is the only place to say why.
            eprintln!("hello-agency: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::builder()
        .embedded("hello-agency defaults", hello_agency::DEFAULT_CONFIG)
        .load()?;
    let _telemetry = egov::telemetry::init(&config.section()?, config.profile())?;

    let db = Db::connect(&config.section()?).await?;
    db.migrate(hello_agency::ALL_MIGRATIONS).await?;
    let audit_settings: AuditSettings = config.section()?;
    let audit = AuditLog::start(db.clone(), &audit_settings).await?;
    let codes = hello_agency::start_codes(db.clone(), audit.clone(), config.section()?).await?;

    let settings: WebSettings = config.section()?;
    let listener = tokio::net::TcpListener::bind((settings.host.as_str(), settings.port)).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = db.redacted_url(), profile = %config.profile(), "hello-agency started");
    #[allow(clippy::print_stdout)]
    {
        println!("hello-agency listening on http://{address} (API docs: http://{address}/docs/)");
    }

    hello_agency::app(settings, db, audit.clone(), &audit_settings, codes)
        .profile(config.profile())
        .i18n(config.section()?)
        .serve(listener, shutdown_signal())
        .await?;
    // Writes what is queued and signs a final checkpoint.
    audit.shutdown().await;
    tracing::info!("hello-agency stopped");
    Ok(())
}
