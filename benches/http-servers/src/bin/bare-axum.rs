//! `bare-axum`: [`http_bench_servers::notice`] on a plain axum router, nothing
//! else — the baseline of `cargo xtask bench`.
//!
//! Binds `127.0.0.1:0` (or the address given as the first argument), prints
//! `bare-axum listening on http://ADDRESS` and serves until Ctrl-C or SIGTERM.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

use http_bench_servers::bare_router;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bare-axum: {error}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)]
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let listener = tokio::net::TcpListener::bind(address.as_str()).await?;
    println!("bare-axum listening on http://{}", listener.local_addr()?);
    axum::serve(listener, bare_router())
        .with_graceful_shutdown(egov::web::shutdown_signal())
        .await?;
    Ok(())
}
