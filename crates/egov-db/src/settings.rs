use egov_core::config::{ConfigSection, Secret};
use serde::Deserialize;

/// The `[database]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (created if missing), `sqlite::memory:`, or
    /// `postgres://user:password@host:port/database`. A secret, since PostgreSQL
    /// URLs carry passwords.
    pub url: Secret,
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// How long a query waits for a free connection before failing (seconds).
    pub acquire_timeout_secs: u64,
    /// Idle connections are closed after this long (seconds; 0 = never).
    pub idle_timeout_secs: u64,
    /// How long SQLite waits on a locked database (milliseconds).
    pub sqlite_busy_timeout_ms: u64,
}

impl ConfigSection for DatabaseSettings {
    const KEY: &'static str = "database";
    const DEFAULTS: &'static str = r#"
url = "sqlite://egov.db"
max_connections = 10
min_connections = 0
acquire_timeout_secs = 5
idle_timeout_secs = 600
sqlite_busy_timeout_ms = 5000
"#;
}

impl DatabaseSettings {
    /// Settings for `url` with every other value at its default.
    pub fn from_url(url: impl Into<String>) -> Self {
        Self {
            url: Secret::new(url.into()),
            ..Self::from_defaults()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_url_keeps_the_built_in_pool_defaults() {
        let settings = DatabaseSettings::from_url("postgres://h/db");
        assert_eq!(settings.url.expose(), "postgres://h/db");
        assert_eq!(settings.max_connections, 10);
        assert_eq!(settings.acquire_timeout_secs, 5);
    }
}
