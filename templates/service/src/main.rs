//! Starts {{project-name}}: `cargo run`.
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
            eprintln!("{{project-name}}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), {{crate_name}}::StartError> {
    let config = Config::builder()
        .embedded("{{project-name}} defaults", {{crate_name}}::DEFAULT_CONFIG)
        .load()?;
    let _telemetry = egov::telemetry::init(&config.section()?, config.profile())?;

    let db = Db::connect(&config.section()?).await?;
    let services = {{crate_name}}::start(&config, db).await?;

    let settings: WebSettings = config.section()?;
    let listener = tokio::net::TcpListener::bind((settings.host.as_str(), settings.port)).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = services.db.redacted_url(), profile = %config.profile(), "started");
    #[allow(clippy::print_stdout)]
    {
        println!("{{project-name}} listening on http://{address} (API docs: http://{address}/docs/)");
    }

    {{crate_name}}::app(settings, &services)
        .i18n(config.section()?)
        .serve(listener, shutdown_signal())
        .await?;
    // Writes what is queued and signs a final checkpoint.
    services.audit.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}
