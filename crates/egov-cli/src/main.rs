//! The `egov` binary: see the [`egov_cli`] crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

fn main() -> std::process::ExitCode {
    egov_cli::main()
}
