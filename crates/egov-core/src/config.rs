//! Layered configuration.
//!
//! Values are looked up in this order, later layers winning:
//!
//! 1. each section's built-in defaults ([`ConfigSection::DEFAULTS`]);
//! 2. defaults compiled into the application ([`ConfigBuilder::embedded`]);
//! 3. `config/default.toml`;
//! 4. `config/{profile}.toml` (`dev`, `test` or `prod`, chosen by `EGOV_PROFILE`);
//! 5. environment variables `EGOV__SECTION__KEY` (`EGOV__SERVER__PORT=9000` sets
//!    `server.port`).
//!
//! Each crate adds its own typed section by implementing [`ConfigSection`]; a bad
//! value is reported with the dotted key, what was expected and where it came from.
//!
//! Secrets are [`Secret`]s: their `Debug` and `Display` print `***`. Built-in
//! development secrets start with [`DEV_SECRET_MARKER`]; in the `prod` profile the
//! service refuses to start while any configuration value still holds one.
//!
//! ```
//! use egov_core::config::{Config, ConfigSection, Profile};
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize)]
//! struct Server { host: String, port: u16 }
//! impl ConfigSection for Server {
//!     const KEY: &'static str = "server";
//!     const DEFAULTS: &'static str = "host = \"127.0.0.1\"\nport = 8080";
//! }
//!
//! let config = Config::builder()
//!     .profile(Profile::Dev)
//!     .embedded("app defaults", "[server]\nport = 9000")
//!     .env([("EGOV__SERVER__HOST", "0.0.0.0")])
//!     .load()
//!     .unwrap();
//! let server: Server = config.section().unwrap();
//! assert_eq!((server.host.as_str(), server.port), ("0.0.0.0", 9000));
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Provider};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use subtle::ConstantTimeEq;

/// Prefix of environment variables read as configuration.
pub const ENV_PREFIX: &str = "EGOV__";
/// Environment variable choosing the profile.
pub const PROFILE_ENV: &str = "EGOV_PROFILE";
/// Environment variable naming the configuration directory (default `config`).
pub const CONFIG_DIR_ENV: &str = "EGOV_CONFIG_DIR";
/// Every built-in development secret starts with this marker.
pub const DEV_SECRET_MARKER: &str = "insecure-dev-secret:";

/// A deployment profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// A developer's machine: readable logs, development secrets allowed.
    Dev,
    /// Automated tests.
    Test,
    /// Production: JSON logs, development secrets refused.
    Prod,
}

impl Profile {
    /// `dev`, `test` or `prod`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Test => "test",
            Profile::Prod => "prod",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dev" | "development" => Ok(Profile::Dev),
            "test" => Ok(Profile::Test),
            "prod" | "production" => Ok(Profile::Prod),
            _ => Err(ConfigError::UnknownProfile(s.to_owned())),
        }
    }
}

/// A typed configuration section owned by one crate.
pub trait ConfigSection: DeserializeOwned {
    /// The section's key, e.g. `server` or `database` (may be dotted).
    const KEY: &'static str;
    /// The section's built-in defaults as a TOML document whose keys are relative
    /// to the section. They are the documentation of the section's keys too, and
    /// the only place a default value is written down.
    const DEFAULTS: &'static str;

    /// The section with every key at its built-in default.
    ///
    /// # Panics
    ///
    /// When [`Self::DEFAULTS`] does not deserialize into `Self`: a bug in the
    /// section's definition, which each section's tests catch.
    fn from_defaults() -> Self {
        Figment::from(Toml::string(Self::DEFAULTS))
            .extract()
            .unwrap_or_else(|e| panic!("built-in defaults of `{}` are invalid: {e}", Self::KEY))
    }
}

/// A configuration error. Messages name the key and what was expected, never a
/// secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value is missing, has the wrong type or is out of range.
    #[error("configuration key `{key}`: {problem} (from {origin})")]
    Invalid {
        /// Dotted key, e.g. `server.port`.
        key: String,
        /// What is wrong and what was expected.
        problem: String,
        /// Where the value came from (a file path, the environment, defaults).
        origin: String,
    },
    /// `EGOV_PROFILE` names no known profile.
    #[error("unknown profile `{0}`: expected dev, test or prod")]
    UnknownProfile(String),
    /// A built-in development secret is configured in the prod profile, or
    /// no profile is chosen and the service listens beyond loopback.
    #[error(
        "configuration key `{key}` still holds a built-in development secret, which only a \
         development machine may use (EGOV_PROFILE=dev, or no profile and `server.host` on \
         loopback): set a real value (for example with the environment variable {env})"
    )]
    DevelopmentSecret {
        /// Dotted key.
        key: String,
        /// The environment variable that sets it.
        env: String,
    },
}

/// Loaded configuration: the profile plus every layer above the sections'
/// built-in defaults.
#[derive(Debug, Clone)]
pub struct Config {
    profile: Profile,
    layers: Figment,
    /// Whether built-in development secrets are refused: in the prod
    /// profile, and when no profile was chosen and the service listens
    /// beyond loopback.
    refuse_development_secrets: bool,
    /// No profile was chosen (`dev` by default) and development secrets are
    /// allowed because the service listens on loopback only.
    implicit_development: bool,
}

/// Builds a [`Config`]. See the module docs for the layer order.
#[derive(Debug, Clone, Default)]
pub struct ConfigBuilder {
    profile: Option<Profile>,
    dir: Option<PathBuf>,
    embedded: Vec<(String, String)>,
    env: Option<Vec<(String, String)>>,
}

impl ConfigBuilder {
    /// Uses `profile` instead of reading `EGOV_PROFILE`.
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Reads `default.toml` and `{profile}.toml` from `dir` instead of
    /// `$EGOV_CONFIG_DIR` or `./config`. Missing files are skipped.
    #[must_use]
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Adds TOML compiled into the application (e.g. `include_str!` of its
    /// `config/default.toml`), so the binary runs from any working directory.
    /// Files and the environment override it.
    #[must_use]
    pub fn embedded(mut self, name: impl Into<String>, toml: impl Into<String>) -> Self {
        self.embedded.push((name.into(), toml.into()));
        self
    }

    /// Uses these variables instead of the process environment (for tests, and
    /// for callers that sanitize their environment).
    #[must_use]
    pub fn env<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Reads every layer. Syntax errors in a file are reported here.
    pub fn load(self) -> Result<Config, ConfigError> {
        let env = self.env.unwrap_or_else(|| std::env::vars().collect());
        let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let (profile, chosen) = match self.profile {
            Some(p) => (p, true),
            None => match lookup(PROFILE_ENV) {
                Some(p) => (p.parse()?, true),
                None => (Profile::Dev, false),
            },
        };
        let dir = self
            .dir
            .or_else(|| lookup(CONFIG_DIR_ENV).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("config"));

        let mut layers = Figment::new();
        for (name, toml) in &self.embedded {
            let data = Toml::string(toml).data().map_err(|e| invalid(e, name))?;
            layers = layers.merge(Named {
                name: name.clone(),
                data,
            });
        }
        for file in [
            dir.join("default.toml"),
            dir.join(format!("{profile}.toml")),
        ] {
            layers = layers.merge(read_file(&file)?);
        }
        layers = layers.merge(EnvLayer::from_vars(&env));

        // Without a chosen profile the built-in development keys (published
        // in this repository) are allowed only for a service no other machine
        // can reach: tokens signed with them can be forged, data encrypted
        // with them read by anyone.
        let host: Option<String> = layers.extract_inner("server.host").ok();
        let loopback = host.as_deref().is_none_or(is_loopback_host);
        let refuse = profile == Profile::Prod || (!chosen && !loopback);
        let config = Config {
            profile,
            layers,
            refuse_development_secrets: refuse,
            implicit_development: !chosen && loopback,
        };
        if !chosen && !loopback {
            let everything: Value = config
                .layers
                .extract()
                .map_err(|e| invalid(e, "configuration"))?;
            refuse_development_secrets("", &everything)?;
        }
        if profile == Profile::Prod {
            let everything: Value = config
                .layers
                .extract()
                .map_err(|e| invalid(e, "configuration"))?;
            refuse_development_secrets("", &everything)?;
        }
        Ok(config)
    }
}

impl Config {
    /// A builder reading the process environment and `./config`.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Loads with all the usual sources (`EGOV_PROFILE`, `./config`, `EGOV__*`).
    pub fn load() -> Result<Config, ConfigError> {
        Self::builder().load()
    }

    /// The active profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether no profile was chosen (`EGOV_PROFILE` unset) and the built-in
    /// development secrets are allowed only because the service listens on
    /// loopback (`server.host`). A service says so on every start.
    pub fn is_implicit_development(&self) -> bool {
        self.implicit_development
    }

    /// Extracts section `T`, starting from its built-in defaults. In the prod
    /// profile a value still holding a development secret is refused.
    pub fn section<T: ConfigSection>(&self) -> Result<T, ConfigError> {
        let mut defaults = Toml::string(T::DEFAULTS)
            .data()
            .map_err(|e| invalid(e, "built-in defaults"))?
            .remove(&figment::Profile::Default)
            .unwrap_or_default();
        let mut stripped = Vec::new();
        if self.refuse_development_secrets {
            // The built-in development keys exist so a laptop runs without
            // setup; in prod they are not defaults at all: a key table holds only
            // the keys the operator configured, and a missing real secret is
            // reported as a development secret to replace (naming its variable).
            strip_development_secrets(&mut defaults, T::KEY, &mut stripped);
        }
        let figment = Figment::from(Named {
            name: format!("built-in defaults of `{}`", T::KEY),
            data: Map::from([(
                figment::Profile::Default,
                Dict::from([(T::KEY.to_owned(), Value::from(defaults))]),
            )]),
        })
        .merge(self.layers.clone());
        if self.refuse_development_secrets
            && let Ok(value) = figment.find_value(T::KEY)
        {
            refuse_development_secrets(T::KEY, &value)?;
        }
        figment.extract_inner(T::KEY).map_err(|mut e| {
            if let figment::error::Kind::MissingField(field) = &e.kind {
                let key = e
                    .path
                    .iter()
                    .map(String::as_str)
                    .chain([field.as_ref()])
                    .collect::<Vec<_>>()
                    .join(".");
                if let Some(key) = stripped.iter().find(|s| s.ends_with(&key)) {
                    return ConfigError::DevelopmentSecret {
                        key: key.clone(),
                        env: format!(
                            "{ENV_PREFIX}{}",
                            key.replace('.', "__").to_ascii_uppercase()
                        ),
                    };
                }
            }
            // figment 0.10 appends the section key to the error path instead of
            // prepending it; put it back in front.
            let key: Vec<String> = T::KEY.split('.').map(str::to_owned).collect();
            if e.path.ends_with(&key) {
                e.path.truncate(e.path.len() - key.len());
            }
            e.path.splice(0..0, key);
            invalid(e, "configuration")
        })
    }
}

fn read_file(path: &Path) -> Result<Named, ConfigError> {
    let name = path.display().to_string();
    let data = if path.is_file() {
        Toml::file_exact(path)
            .data()
            .map_err(|e| invalid(e, &name))?
    } else {
        Map::new()
    };
    Ok(Named { name, data })
}

fn invalid(error: figment::Error, fallback_origin: &str) -> ConfigError {
    let key = if error.path.is_empty() {
        "(document)".to_owned()
    } else {
        error.path.join(".")
    };
    let origin = error
        .metadata
        .as_ref()
        .map(|m| m.name.to_string())
        .unwrap_or_else(|| fallback_origin.to_owned());
    ConfigError::Invalid {
        key,
        problem: error.kind.to_string(),
        origin,
    }
}

/// Removes every development secret from `dict`, and every table that directly
/// holds one (e.g. `[keys.dev]` with its `material`); records the removed
/// secrets' keys (`prefix.key`) in `stripped`.
fn strip_development_secrets(dict: &mut Dict, prefix: &str, stripped: &mut Vec<String>) {
    let is_dev = |v: &Value| matches!(v, Value::String(_, s) if s.starts_with(DEV_SECRET_MARKER));
    dict.retain(|key, value| match value {
        Value::String(..) if is_dev(value) => {
            stripped.push(format!("{prefix}.{key}"));
            false
        }
        Value::Dict(_, inner) => !inner.values().any(is_dev),
        _ => true,
    });
    for (key, value) in dict.iter_mut() {
        if let Value::Dict(_, inner) = value {
            strip_development_secrets(inner, &format!("{prefix}.{key}"), stripped);
        }
    }
}

/// `127.0.0.1` and the rest of 127/8, `::1`, `localhost`.
fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn refuse_development_secrets(prefix: &str, value: &Value) -> Result<(), ConfigError> {
    match value {
        Value::String(_, s) if s.starts_with(DEV_SECRET_MARKER) => {
            Err(ConfigError::DevelopmentSecret {
                key: prefix.to_owned(),
                env: format!(
                    "{ENV_PREFIX}{}",
                    prefix.replace('.', "__").to_ascii_uppercase()
                ),
            })
        }
        Value::Dict(_, dict) => dict.iter().try_for_each(|(k, v)| {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            refuse_development_secrets(&key, v)
        }),
        Value::Array(_, items) => items
            .iter()
            .try_for_each(|v| refuse_development_secrets(prefix, v)),
        _ => Ok(()),
    }
}

/// A layer of already-parsed data with a human-readable name for errors.
struct Named {
    name: String,
    data: Map<figment::Profile, Dict>,
}

impl Provider for Named {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }
    fn data(&self) -> Result<Map<figment::Profile, Dict>, figment::Error> {
        Ok(self.data.clone())
    }
}

/// `EGOV__A__B=v` becomes `a.b = v`; values are parsed like TOML scalars
/// (`8080` is an integer, `true` a boolean, anything else a string).
struct EnvLayer;

impl EnvLayer {
    fn from_vars(vars: &[(String, String)]) -> Named {
        let mut root = Dict::new();
        for (name, raw) in vars {
            let Some(path) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
            if keys.iter().any(String::is_empty) {
                continue;
            }
            let value = Value::from_str(raw).unwrap_or_else(|_| Value::from(raw.clone()));
            insert_path(&mut root, &keys, value);
        }
        Named {
            name: format!("environment variables {ENV_PREFIX}*"),
            data: Map::from([(figment::Profile::Default, root)]),
        }
    }
}

fn insert_path(dict: &mut Dict, keys: &[String], value: Value) {
    match keys {
        [] => {}
        [last] => {
            dict.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry(first.clone())
                .or_insert_with(|| Value::from(Dict::new()));
            if entry.as_dict().is_none() {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// A secret configuration value (password, key, token). `Debug`, `Display` and
/// `Serialize` print `***`; read it with [`Secret::expose`] where it is used.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret<T = String>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret value. Call this only where the value is used, never to log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl Secret<String> {
    /// Whether this is one of the framework's built-in development secrets.
    pub fn is_development(&self) -> bool {
        self.0.starts_with(DEV_SECRET_MARKER)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

impl<T: AsRef<[u8]>> PartialEq for Secret<T> {
    /// Constant-time: the time taken does not depend on where the values differ.
    fn eq(&self, other: &Self) -> bool {
        self.0.as_ref().ct_eq(other.0.as_ref()).into()
    }
}

impl<T: AsRef<[u8]>> Eq for Secret<T> {}
