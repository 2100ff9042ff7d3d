//! What every command shares: configuration, the database, errors and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use egov_core::config::{Config, ConfigSection, Profile};
use egov_db::{DatabaseSettings, Db, MigrationSet};

/// Every framework migration set, in any order ([`Db::migrate`] sorts by layer).
pub(crate) const MIGRATIONS: &[&MigrationSet] =
    &[&egov_db::change::MIGRATIONS, &egov_audit::MIGRATIONS];

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The service's configuration directory (default: `EGOV_CONFIG_DIR` or `config`).
    #[arg(long, global = true, value_name = "DIR")]
    config_dir: Option<PathBuf>,
    /// The profile: dev, test or prod (default: `EGOV_PROFILE` or dev).
    #[arg(long, global = true, value_name = "PROFILE")]
    profile: Option<String>,
    /// The database URL, overriding `database.url`.
    #[arg(long, global = true, value_name = "URL")]
    db: Option<String>,
}

/// A failed command: what to tell the operator and which exit code to use.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// Bad arguments or input (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The configuration cannot be loaded (exit 2).
    #[error("configuration: {0}")]
    Config(#[from] egov_core::config::ConfigError),
    /// The database (exit 3).
    #[error("database: {0}")]
    Db(#[from] egov_db::DbError),
    /// A file (exit 3).
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The audit trail (exit 3).
    #[error("audit: {0}")]
    Audit(#[from] egov_audit::AuditError),
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) | Failure::Config(_) => ExitCode::from(2),
            Failure::Db(_) | Failure::File { .. } | Failure::Audit(_) => ExitCode::from(3),
        }
    }

    pub(crate) fn file(path: impl Into<String>) -> impl FnOnce(std::io::Error) -> Failure {
        let path = path.into();
        move |source| Failure::File { path, source }
    }
}

/// The loaded configuration and the global options.
pub(crate) struct Context {
    args: GlobalArgs,
}

impl Context {
    pub(crate) fn new(args: GlobalArgs) -> Self {
        Self { args }
    }

    /// The service's configuration, with `--config-dir` and `--profile` applied.
    pub(crate) fn config(&self) -> Result<Config, Failure> {
        let mut builder = Config::builder();
        if let Some(dir) = &self.args.config_dir {
            builder = builder.dir(dir);
        }
        if let Some(profile) = &self.args.profile {
            let profile: Profile = profile.parse().map_err(|_| {
                Failure::Usage(format!("unknown profile `{profile}` (dev, test or prod)"))
            })?;
            builder = builder.profile(profile);
        }
        Ok(builder.load()?)
    }

    /// A configuration section.
    pub(crate) fn section<T: ConfigSection>(&self) -> Result<T, Failure> {
        Ok(self.config()?.section()?)
    }

    /// The database, migrated.
    pub(crate) async fn database(&self) -> Result<Db, Failure> {
        let settings = match &self.args.db {
            Some(url) => DatabaseSettings::from_url(url.clone()),
            None => self.section::<DatabaseSettings>()?,
        };
        let db = Db::connect(&settings).await?;
        db.ping(std::time::Duration::from_secs(10)).await?;
        Ok(db)
    }

    /// The database with every framework migration applied.
    pub(crate) async fn migrated_database(&self) -> Result<Db, Failure> {
        let db = self.database().await?;
        db.migrate(MIGRATIONS).await?;
        Ok(db)
    }
}
