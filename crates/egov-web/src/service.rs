//! A service's life: [`Service`] says what a service adds to the framework,
//! [`Service::start`] starts the framework's parts for it ([`Services`]), and
//! [`Services::serve`] serves its [`App`] until SIGTERM/Ctrl-C and flushes
//! the audit trail. [`Service::main`] is all of it for a `main.rs`.
//!
//! Start-up, in order: the configuration (the service's embedded defaults,
//! then `config/{profile}.toml` files and `EGOV__…` variables as
//! [`Config::builder`] reads them), telemetry, the database, the migrations of
//! the framework and the service (in layer order), the audit trail, the code
//! registry with the service's seed codes (imported at every start; unchanged
//! content changes nothing), field encryption (`[privacy]`) and
//! authentication. A failure at any step stops start-up with its reason.
//!
//! ```no_run
//! use egov_web::service::{Service, Services};
//! use egov_web::{ApiRouter, App, WebSettings};
//!
//! static MIGRATIONS: egov_db::MigrationSet = egov_db::MigrationSet::new("my-service", 5, &[]);
//! static MESSAGES: egov_core::message::FluentResources =
//!     egov_core::message::FluentResources { component: "my-service", files: &[] };
//!
//! static SERVICE: Service = Service {
//!     name: "my-service",
//!     title: "My service (내 서비스)",
//!     version: "0.1.0",
//!     default_config: "",
//!     migrations: egov_web::migrations![&MIGRATIONS],
//!     messages: &MESSAGES,
//!     seed_codes: None,
//! };
//!
//! fn app(settings: WebSettings, services: &Services) -> App {
//!     services.app(settings).router(ApiRouter::new())
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     SERVICE.main(app).await
//! }
//! ```

use std::sync::Arc;

use axum::extract::FromRef;
use egov_audit::{AuditLog, AuditSettings};
use egov_auth::Auth;
use egov_codes::CodeRegistry;
use egov_core::actor::Actor;
use egov_core::config::{Config, Profile};
use egov_core::message::FluentResources;
use egov_db::{Db, MigrationSet};
use egov_i18n::I18nSettings;
use egov_privacy::{Privacy, PrivacySettings};
use tokio::net::TcpListener;

use crate::{App, WebSettings};

/// Why a service could not start (or stopped serving): the reason, to print.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// What a service adds to the framework. One `static` per service, read by
/// `main`, by its tests ([`TestApp`](crate::testing::TestApp)) and by the
/// `egov` CLI's commands that work on its database.
#[derive(Debug)]
pub struct Service {
    /// Its name: in logs, in the audit trail's system actors (`{name}-seed`).
    pub name: &'static str,
    /// Its title in the OpenAPI document (`/openapi.json`, `/docs/`).
    pub title: &'static str,
    /// Its version (`env!("CARGO_PKG_VERSION")`).
    pub version: &'static str,
    /// Its `config/default.toml`, compiled in (`include_str!`).
    pub default_config: &'static str,
    /// Every migration it needs: `egov_web::migrations![&ITS_OWN]`.
    pub migrations: &'static [&'static MigrationSet],
    /// Its messages in ko and en.
    pub messages: &'static FluentResources,
    /// The code groups it maintains as data (egov-codes' JSON format),
    /// imported at every start.
    pub seed_codes: Option<&'static str>,
}

/// The framework's parts, started for one [`Service`]. Cheap to clone; a
/// handler state can be a `Services` (it gives [`AuditLog`], [`Db`], [`Auth`]
/// and [`CodeRegistry`] through `FromRef`).
#[derive(Clone)]
#[non_exhaustive]
pub struct Services {
    /// The service.
    pub service: &'static Service,
    /// The database (migrated).
    pub db: Db,
    /// The audit trail.
    pub audit: AuditLog,
    /// The `[audit]` settings (for the audit admin API).
    pub audit_settings: AuditSettings,
    /// Accounts, tokens and permissions.
    pub auth: Auth,
    /// The common code tables.
    pub codes: CodeRegistry,
    /// Field encryption and blind indexes of personal data (`[privacy]`).
    pub privacy: Arc<Privacy>,
    /// The `[i18n]` settings (default locale, fallback).
    pub i18n: I18nSettings,
    /// The profile the configuration was loaded in; [`Services::app`] gives
    /// it to the [`App`] (the docs page at `/docs/` is served in `dev` only).
    pub profile: Profile,
    /// The `[pages]` settings (privacy-policy, login and logout paths, time zone)
    /// for [`Services::pages`].
    pub pages: egov_pages::PagesSettings,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("service", &self.service.name)
            .field("db", &self.db.redacted_url())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// The configuration `main` runs with: the compiled-in defaults, then the
    /// profile's files and the environment.
    ///
    /// # Errors
    ///
    /// A file or variable that does not parse.
    pub fn config(&self) -> Result<Config, StartError> {
        let config = Config::builder()
            .embedded(format!("{} defaults", self.name), self.default_config)
            .load()?;
        if config.is_implicit_development() {
            // Every start, before telemetry (so also when logs go elsewhere).
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "{}: EGOV_PROFILE is not set: running as `dev` with the built-in development \
                     keys, reachable from this machine only. Set EGOV_PROFILE=dev to develop, \
                     or EGOV_PROFILE=prod with real keys to serve.",
                    self.name
                );
            }
        }
        Ok(config)
    }

    /// The configuration of tests: the compiled-in defaults in the `test`
    /// profile.
    ///
    /// # Errors
    ///
    /// As [`Service::config`].
    pub fn test_config(&self) -> Result<Config, StartError> {
        Ok(Config::builder()
            .embedded(format!("{} defaults", self.name), self.default_config)
            .profile(Profile::Test)
            .load()?)
    }

    /// Migrates `db` and starts the audit trail, the code registry (with the
    /// seed codes), field encryption and authentication, as `config` says.
    ///
    /// # Errors
    ///
    /// The first part that could not start, with its reason.
    pub async fn start(&'static self, config: &Config, db: Db) -> Result<Services, StartError> {
        db.migrate(self.migrations).await?;
        let audit_settings: AuditSettings = config.section()?;
        let audit = AuditLog::start(db.clone(), &audit_settings).await?;
        let codes = CodeRegistry::start(db.clone(), audit.clone(), config.section()?).await?;
        if let Some(seed) = self.seed_codes {
            let seed = egov_codes::transfer::parse_json(seed)
                .map_err(|issues| format!("{}: seed codes: {issues:?}", self.name))?;
            codes
                .import(
                    &Actor::system(format!("{}-seed", self.name)),
                    seed,
                    &egov_codes::transfer::no_progress,
                )
                .await?;
        }
        let privacy = Privacy::from_settings(&config.section::<PrivacySettings>()?)?;
        // TOTP secrets are encrypted with the `[privacy]` field keys.
        let auth = Auth::new(
            db.clone(),
            config.section()?,
            privacy.cipher.clone(),
            audit.clone(),
        )
        .await?;
        Ok(Services {
            service: self,
            db,
            audit,
            audit_settings,
            auth,
            codes,
            privacy: Arc::new(privacy),
            i18n: config.section()?,
            profile: config.profile(),
            pages: config.section()?,
        })
    }

    /// A whole `main`: configuration, telemetry, database, [`Service::start`],
    /// then `app` served as [`Services::serve`] does. A failure is printed to
    /// stderr (before telemetry is up it is the only place) and is exit code 1.
    pub async fn main(
        &'static self,
        app: impl FnOnce(WebSettings, &Services) -> App,
    ) -> std::process::ExitCode {
        match self.run(app).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("{}: {error}", self.name);
                }
                std::process::ExitCode::FAILURE
            }
        }
    }

    async fn run(
        &'static self,
        app: impl FnOnce(WebSettings, &Services) -> App,
    ) -> Result<(), StartError> {
        let config = self.config()?;
        let _telemetry = egov_telemetry::init(&config.section()?, config.profile())?;
        let services = self
            .start(&config, Db::connect(&config.section()?).await?)
            .await?;
        let settings: WebSettings = config.section()?;
        services
            .serve(app(settings.clone(), &services), &settings, &config)
            .await
    }
}

impl Services {
    /// The [`App`] with the framework's parts wired in: the service's title
    /// and messages, the database (readiness), every request in the audit
    /// trail, `/auth/*`, `/codes/*` (with their admin APIs), the `[i18n]`
    /// settings, the audit admin API under `/admin/audit` (permission
    /// `audit:read`) and the profile ([`App::profile`]: `/docs/` in `dev`
    /// only). The service adds its own routers.
    pub fn app(&self, settings: WebSettings) -> App {
        App::new(settings)
            .profile(self.profile)
            .api_info(self.service.title, self.service.version)
            .messages(self.service.messages)
            .migrations(self.service.migrations)
            .database(self.db.clone())
            .audit(egov_audit::web::AuditLayer::new(self.audit.clone()))
            .auth(self.auth.clone())
            .codes(self.codes.clone())
            .i18n(self.i18n.clone())
            .router(egov_audit::admin::api(
                self.db.clone(),
                &self.audit_settings,
            ))
            .admin(self.admin_console())
    }

    /// The framework's screens of the admin console (`/admin`; see
    /// [`crate::admin`]), each behind its own permission: mounted by the App once it
    /// has [pages](crate::App::pages). Each capability crate adds its screens here,
    /// one line each.
    pub fn admin_console(&self) -> crate::admin::AdminConsole {
        let console = crate::admin::AdminConsole::new();
        let console = egov_auth::web::admin_pages::admin_screens(self.auth.clone())
            .into_iter()
            .fold(console, |c, (screen, templates, routes)| {
                c.screen(screen, templates, routes)
            });
        let (screen, templates, routes) =
            egov_codes::pages::admin_screen(self.codes.clone(), self.audit_account_names());
        let console = console.screen(screen, templates, routes);
        let (screen, templates, routes) = egov_audit::pages::admin_screen(
            &self.audit,
            &self.audit_settings,
            self.audit_account_names(),
        );
        console.screen(screen, templates, routes)
    }

    /// How the audit screens name accounts ("홍길동 (hong)") and find the account
    /// of a login ID typed into their search: egov-auth's account lookups.
    fn audit_account_names(&self) -> egov_audit::pages::AccountNames {
        let (by_id, by_login) = (self.auth.clone(), self.auth.clone());
        egov_audit::pages::AccountNames::new(move |id: String| {
            let auth = by_id.clone();
            async move {
                let account = auth.account(id.parse().ok()?).await.ok()?;
                Some(format!("{} ({})", account.display_name, account.login_id))
            }
        })
        .with_login_ids(move |login_id: String| {
            let auth = by_login.clone();
            async move {
                let account = auth.account_by_login_id(&login_id).await.ok()?;
                Some(account.id.to_string())
            }
        })
    }

    /// The page kit for this service, from `[pages]`: the service adds its
    /// templates, menu entries and stylesheet, and gives it to
    /// [`App::pages`](crate::App::pages); the admin console's screens are added
    /// by the App ([`Services::app`] registers the framework's).
    pub fn pages(&self) -> egov_pages::PagesBuilder {
        egov_pages::Pages::builder(self.pages.clone())
    }

    /// Binds `settings.host:port`, serves `app` until SIGTERM or Ctrl-C, then
    /// writes what the audit trail has queued and signs a final checkpoint.
    ///
    /// # Errors
    ///
    /// The address cannot be bound; the app cannot be built.
    pub async fn serve(
        &self,
        app: App,
        settings: &WebSettings,
        config: &Config,
    ) -> Result<(), StartError> {
        let listener = TcpListener::bind((settings.host.as_str(), settings.port)).await?;
        let address = listener.local_addr()?;
        tracing::info!(%address, database = self.db.redacted_url(), profile = %config.profile(), "started");
        let docs = if app.serves_docs_page() {
            format!(" (API docs: http://{address}/docs/)")
        } else if settings.openapi_docs {
            format!(" (OpenAPI: http://{address}/openapi.json)")
        } else {
            String::new()
        };
        #[allow(clippy::print_stdout)]
        {
            println!("{} listening on http://{address}{docs}", self.service.name);
        }
        let served = app.serve(listener, crate::shutdown_signal()).await;
        self.audit.shutdown().await;
        tracing::info!("stopped");
        Ok(served?)
    }
}

impl FromRef<Services> for AuditLog {
    fn from_ref(services: &Services) -> Self {
        services.audit.clone()
    }
}

impl FromRef<Services> for Db {
    fn from_ref(services: &Services) -> Self {
        services.db.clone()
    }
}

impl FromRef<Services> for Auth {
    fn from_ref(services: &Services) -> Self {
        services.auth.clone()
    }
}

impl FromRef<Services> for CodeRegistry {
    fn from_ref(services: &Services) -> Self {
        services.codes.clone()
    }
}
