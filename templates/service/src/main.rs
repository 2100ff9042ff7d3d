//! Starts {{project-name}}: `cargo run`. With a command it is the operator
//! tool for this service: `cargo run -- accounts create-admin admin`,
//! `cargo run -- check`, `cargo run -- migrate`, `cargo run -- audit verify`
//! (`cargo run -- --help` lists them).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Without arguments: configuration, telemetry, database, migrations, seed
    // codes, serving until SIGTERM/Ctrl-C, and the audit trail flushed on the
    // way out. With a command: that command, on this service's configuration.
    egov::cli::service_main(&{{crate_name}}::SERVICE, {{crate_name}}::app).await
}
