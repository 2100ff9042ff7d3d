//! Starts {{project-name}}: `cargo run`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Configuration, telemetry, database, migrations, seed codes, serving
    // until SIGTERM/Ctrl-C, and the audit trail flushed on the way out.
    {{crate_name}}::SERVICE.main({{crate_name}}::app).await
}
