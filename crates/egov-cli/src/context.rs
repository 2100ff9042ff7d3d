//! What every command shares: configuration, the database, errors and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use egov_core::actor::Actor;
use egov_core::config::{Config, ConfigSection, Profile};
use egov_db::{DatabaseSettings, Db, MigrationSet};

/// Every framework migration set (egov-web's one definition).
pub(crate) const MIGRATIONS: &[&MigrationSet] = egov_web::FRAMEWORK_MIGRATIONS;

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
    /// The input was refused as a whole; every problem has been printed
    /// already and nothing was written (exit 2).
    #[error("{what} refused: {problems} problem(s); nothing was written")]
    Rejected {
        /// What was refused, e.g. `import of codes.csv`.
        what: String,
        /// How many problems were printed.
        problems: usize,
    },
    /// The code tables (exit 2 for refused data, 3 for the database or audit).
    #[error("codes: {0}")]
    Codes(#[from] egov_codes::Error),
    /// Accounts and roles (exit 2 for refused input or configuration, 3 for the
    /// database or audit). egov-auth's errors never carry a secret.
    #[error("accounts: {0}")]
    Auth(#[from] egov_auth::Error),
    /// The `[privacy]` keys are unusable (exit 2). Never names key material.
    #[error("privacy configuration: {0}")]
    Privacy(String),
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(if self.is_infrastructure() { 3 } else { 2 })
    }

    /// Whether the database, the audit trail or a file failed (rather than
    /// the input or the configuration).
    pub(crate) fn is_infrastructure(&self) -> bool {
        match self {
            Failure::Db(_) | Failure::File { .. } | Failure::Audit(_) => true,
            Failure::Codes(error) => {
                matches!(
                    error,
                    egov_codes::Error::Store(_) | egov_codes::Error::Audit(_)
                )
            }
            Failure::Auth(error) => matches!(
                error,
                egov_auth::Error::Db(_)
                    | egov_auth::Error::Audit(_)
                    | egov_auth::Error::Internal(_)
            ),
            Failure::Usage(_)
            | Failure::Config(_)
            | Failure::Rejected { .. }
            | Failure::Privacy(_) => false,
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
    /// The service whose binary runs the command, if any.
    service: Option<&'static egov_web::service::Service>,
}

impl Context {
    pub(crate) fn new(
        args: GlobalArgs,
        service: Option<&'static egov_web::service::Service>,
    ) -> Self {
        Self { args, service }
    }

    /// The migrations commands apply: the service's (which include the
    /// framework's) in a service's binary, the framework's in `egov`.
    pub(crate) fn migrations(&self) -> &'static [&'static MigrationSet] {
        self.service
            .map_or(MIGRATIONS, |service| service.migrations)
    }

    /// The service's configuration, with `--config-dir` and `--profile`
    /// applied; in a service's binary, over its compiled-in defaults.
    pub(crate) fn config(&self) -> Result<Config, Failure> {
        let mut builder = Config::builder();
        if let Some(service) = self.service {
            builder =
                builder.embedded(format!("{} defaults", service.name), service.default_config);
        }
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

    /// The audit log of the service (the `[audit]` section), on `db`. Stop it
    /// with `shutdown` so the last events are flushed and a checkpoint signed.
    pub(crate) async fn audit_log(&self, db: &Db) -> Result<egov_audit::AuditLog, Failure> {
        let settings: egov_audit::AuditSettings = self.section()?;
        Ok(egov_audit::AuditLog::start(db.clone(), &settings).await?)
    }

    /// The database with every framework migration applied.
    pub(crate) async fn migrated_database(&self) -> Result<Db, Failure> {
        let db = self.database().await?;
        db.migrate(self.migrations()).await?;
        Ok(db)
    }
}

/// Who the audit trail records for a change made through the tool.
#[derive(Debug, Default, Args)]
pub(crate) struct ActorArgs {
    /// The operator's name, recorded in the audit trail as
    /// `system:egov-cli:<NAME>` (default: `system:egov-cli`). Self-declared:
    /// it documents who ran the command, it grants nothing.
    #[arg(long = "as", value_name = "NAME")]
    operator: Option<String>,
}

impl ActorArgs {
    /// The actor: `Actor::system("egov-cli")`, or `egov-cli:<NAME>` with `--as`.
    pub(crate) fn actor(&self) -> Result<Actor, Failure> {
        match &self.operator {
            None => Ok(Actor::system("egov-cli")),
            Some(name) => {
                let valid = (1..=32).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
                if valid {
                    Ok(Actor::system(format!("egov-cli:{name}")))
                } else {
                    Err(Failure::Usage(format!(
                        "--as `{}` must be 1–32 characters of A–Z, a–z, 0–9, `.`, `_`, `@` or `-`",
                        name.escape_debug()
                    )))
                }
            }
        }
    }
}

/// The text of a framework message for the operator: English, or Korean when
/// `LANG`/`LC_ALL` asks for it. Falls back to the message key.
pub(crate) struct Messages {
    i18n: Option<egov_i18n::I18n>,
    locale: &'static str,
}

impl Messages {
    pub(crate) fn new() -> Self {
        let i18n = egov_i18n::I18n::builder()
            .resources(&egov_core::MESSAGES)
            .resources(&egov_codes::MESSAGES)
            .resources(&egov_auth::MESSAGES)
            .build()
            .ok();
        let korean = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .is_some_and(|v| v.starts_with("ko"));
        Self {
            i18n,
            locale: if korean { "ko" } else { "en" },
        }
    }

    pub(crate) fn text(&self, message: &egov_core::message::Message) -> String {
        match &self.i18n {
            Some(i18n) => i18n.text(self.locale, message),
            None => message.key().to_owned(),
        }
    }
}
