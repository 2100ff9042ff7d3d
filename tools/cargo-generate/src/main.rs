//! `cargo generate`, built from the cargo-generate library (MIT OR Apache-2.0)
//! with a lockfile that rustc 1.95 accepts. Same arguments as upstream's binary.

use anyhow::Result;
use cargo_generate::{Cli, generate, list_favorites};
use clap::Parser;

fn main() -> Result<()> {
    env_logger::builder()
        .format(cargo_generate::log_formatter)
        .filter_level(log::LevelFilter::Info)
        .parse_default_env()
        .format_timestamp(None)
        .format_target(false)
        .format_module_path(false)
        .format_level(false)
        .target(env_logger::Target::Stdout)
        .init();

    let Cli::Generate(args) = Cli::parse();
    if args.list_favorites {
        list_favorites(&args)?;
    } else if generate(args).is_err() {
        // The error was already shown by cargo-generate's UI.
        std::process::exit(1);
    }
    Ok(())
}
