use egov_core::config::ConfigSection;
use serde::Deserialize;

/// The `[server]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// Address to listen on. `127.0.0.1` by default: exposing a service is a
    /// deliberate act (`0.0.0.0` behind a proxy).
    pub host: String,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
    /// A request taking longer gets a 503 `timeout` problem (seconds).
    pub request_timeout_secs: u64,
    /// Largest request body accepted; larger ones get 413 (bytes).
    pub body_limit_bytes: usize,
    /// After SIGTERM/SIGINT, in-flight requests get this long to finish (seconds).
    pub shutdown_timeout_secs: u64,
    /// A request's line and headers must arrive within this long, and a
    /// keep-alive connection may wait this long for its next request; then the
    /// connection is closed (seconds; see [`crate::server`]).
    pub header_read_timeout_secs: u64,
    /// Open connections at most; at the limit the server stops accepting until
    /// one ends (see [`crate::server`]).
    pub max_connections: usize,
    /// Send `Strict-Transport-Security` (turn on when clients reach the service
    /// over TLS, e.g. through a TLS-terminating proxy).
    pub hsts: bool,
    /// Origins allowed to call the API from a browser (CORS). Empty: none.
    pub cors_allowed_origins: Vec<String>,
    /// Serve `/openapi.json` and, in the `dev` profile only, the interactive
    /// docs page at `/docs/` (see [`App::profile`](crate::App::profile)).
    pub openapi_docs: bool,
    /// Reverse proxies (addresses or CIDR networks, e.g. `10.0.0.0/8`) whose
    /// `Forwarded`/`X-Forwarded-For` headers name the client recorded in the
    /// audit trail. Empty: the connection's address is the client, and those
    /// headers are ignored.
    pub trusted_proxies: Vec<String>,
}

impl ConfigSection for WebSettings {
    const KEY: &'static str = "server";
    const DEFAULTS: &'static str = r#"
host = "127.0.0.1"
port = 8080
request_timeout_secs = 30
body_limit_bytes = 1048576
shutdown_timeout_secs = 20
header_read_timeout_secs = 10
max_connections = 512
hsts = false
cors_allowed_origins = []
openapi_docs = true
trusted_proxies = []
"#;
}

impl Default for WebSettings {
    /// The built-in defaults ([`ConfigSection::DEFAULTS`]).
    fn default() -> Self {
        Self::from_defaults()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_defaults_are_valid_and_safe() {
        let settings = WebSettings::default();
        assert_eq!(settings.host, "127.0.0.1");
        assert!(settings.cors_allowed_origins.is_empty());
        assert!(settings.body_limit_bytes > 0);
        assert!(settings.header_read_timeout_secs > 0);
        assert!(settings.max_connections > 0);
    }
}
