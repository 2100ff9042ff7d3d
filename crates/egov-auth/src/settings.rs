//! The `[auth]` configuration section.

use std::collections::BTreeMap;

use egov_core::config::{ConfigSection, Secret};
use serde::Deserialize;

use crate::Error;

/// The lowest Argon2id memory cost accepted, in KiB (OWASP: 19 MiB).
pub const ARGON2_MIN_MEMORY_KIB: u32 = 19_456;
/// The lowest Argon2id iteration count accepted.
pub const ARGON2_MIN_ITERATIONS: u32 = 2;
/// The lowest Argon2id parallelism accepted.
pub const ARGON2_MIN_PARALLELISM: u32 = 1;
/// The most consecutive failures NIST SP 800-63B rev 4 allows before the
/// password is disabled.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 100;

/// The `[auth]` configuration section.
///
/// ```toml
/// [auth]
/// issuer = "https://minwon.agency.go.kr"
/// audience = "minwon-api"
/// active_key = "2026a"
///
/// [auth.keys.2026a]
/// algorithm = "EdDSA"
/// material = "…base64 of a 32-byte Ed25519 seed…"
///
/// [auth.keys.2025b]          # still verifies tokens it signed
/// algorithm = "EdDSA"
/// material = "…"
/// retired = false           # true: tokens it signed are refused
/// ```
///
/// Key material is standard base64 of a 32-byte Ed25519 seed (`EdDSA`), of a
/// 32-byte P-256 private scalar or a PKCS#8 DER P-256 key (`ES256`), or of at
/// least 32 secret bytes (`HS256`, only when explicitly configured); see
/// [`keys`](crate::keys). As environment variables:
/// `EGOV__AUTH__KEYS__<KID>__ALGORITHM`, `EGOV__AUTH__KEYS__<KID>__MATERIAL`
/// and `EGOV__AUTH__ACTIVE_KEY` (`egov keys generate jwt` prints them). A value
/// starting with `insecure-dev-secret:` is a development key whose bytes are the
/// SHA-256 of the whole string; the `prod` profile refuses to start with one.
/// The built-in `dev` key stays in the table when a deployment adds its own
/// (configuration layers merge tables): set its material to `""` to disable it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// The `iss` of issued access tokens, and the only issuer accepted.
    pub issuer: String,
    /// The `aud` of issued access tokens, and the only audience accepted.
    pub audience: String,
    /// Access-token lifetime in seconds (default 600 = 10 minutes).
    pub access_token_ttl_secs: u64,
    /// A refresh token unused for this long expires (default 1800 = 30 minutes).
    pub refresh_idle_secs: u64,
    /// A session (refresh-token family) ends this long after login, whatever
    /// its use (default 43200 = 12 hours).
    pub refresh_absolute_secs: u64,
    /// Cookie mode: for this long after a page request renewed a session, a
    /// page request presenting the refresh token just replaced gets an access
    /// token instead of revoking the session (default 10; 0 turns it off).
    /// Browsers send such requests when several tabs load at once; see
    /// [`Auth::resume`](crate::Auth::resume).
    pub page_resume_grace_secs: u64,
    /// Argon2id parameters of new password hashes.
    pub argon2: Argon2Settings,
    /// Most password hashes computed at once (0: half the CPUs, at least 1).
    /// Excess logins wait for a permit instead of starving other requests.
    pub hashing_concurrency: usize,
    /// Failures allowed before each further attempt is delayed.
    pub free_failures: u32,
    /// The first delay, in seconds; it doubles with every further failure.
    pub delay_base_secs: u64,
    /// The longest delay, in seconds.
    pub delay_max_secs: u64,
    /// Consecutive failures that lock the account for `lock_secs`.
    pub lock_after_failures: u32,
    /// How long a throttling lock lasts, in seconds.
    pub lock_secs: u64,
    /// Consecutive failures after which the password is disabled until an
    /// administrator unlocks it (at most 100, NIST SP 800-63B rev 4).
    pub disable_after_failures: u32,
    /// The service's name: passwords containing it are refused.
    pub service_name: String,
    /// Extra words no password may contain (the agency's name, its domain…).
    pub context_words: Vec<String>,
    /// The signing key of new access tokens (an enabled entry of `keys`).
    pub active_key: String,
    /// Token keys by key id (`kid`).
    pub keys: BTreeMap<String, KeySettings>,
    /// Browser mode: tokens in `__Host-` cookies (with CSRF protection) as
    /// well as bearer tokens.
    pub cookie_mode: bool,
    /// The key of CSRF tokens in cookie mode.
    pub csrf_key: Secret,
    /// How often each replica polls for changes (roles, grants, account status,
    /// revocations) besides PostgreSQL notifications, in milliseconds.
    pub change_poll_ms: u64,
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argon2Settings {
    /// Memory in KiB (≥ 19,456).
    pub memory_kib: u32,
    /// Passes (≥ 2).
    pub iterations: u32,
    /// Lanes (≥ 1).
    pub parallelism: u32,
}

impl Argon2Settings {
    /// The floor: m = 19,456 KiB, t = 2, p = 1.
    pub const FLOOR: Argon2Settings = Argon2Settings {
        memory_kib: ARGON2_MIN_MEMORY_KIB,
        iterations: ARGON2_MIN_ITERATIONS,
        parallelism: ARGON2_MIN_PARALLELISM,
    };
}

/// One token key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySettings {
    /// `EdDSA` (default), `ES256` or `HS256`. A key verifies only tokens of its algorithm.
    pub algorithm: String,
    /// The key material; empty disables the key.
    pub material: Secret,
    /// Retired keys verify nothing: tokens they signed are refused.
    #[serde(default)]
    pub retired: bool,
}

impl ConfigSection for AuthSettings {
    const KEY: &'static str = "auth";
    const DEFAULTS: &'static str = r#"
issuer = "egov-rs"
audience = "egov-rs"
access_token_ttl_secs = 600
refresh_idle_secs = 1800
refresh_absolute_secs = 43200
page_resume_grace_secs = 10
hashing_concurrency = 0
free_failures = 3
delay_base_secs = 1
delay_max_secs = 60
lock_after_failures = 10
lock_secs = 900
disable_after_failures = 100
service_name = "egov-rs"
context_words = []
active_key = "dev"
cookie_mode = false
csrf_key = "insecure-dev-secret:auth-csrf"
change_poll_ms = 1000

[argon2]
memory_kib = 19456
iterations = 2
parallelism = 1

[keys.dev]
algorithm = "EdDSA"
material = "insecure-dev-secret:auth-token-signing"
"#;
}

impl Default for AuthSettings {
    /// The built-in defaults ([`ConfigSection::DEFAULTS`]).
    fn default() -> Self {
        Self::from_defaults()
    }
}

impl AuthSettings {
    /// Checks every rule: the Argon2 floor, the throttle limits, lifetimes, and
    /// that the active key is an enabled, unretired entry of `keys`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first rule broken (never key material).
    pub fn validate(&self) -> Result<(), Error> {
        let a = &self.argon2;
        if a.memory_kib < ARGON2_MIN_MEMORY_KIB
            || a.iterations < ARGON2_MIN_ITERATIONS
            || a.parallelism < ARGON2_MIN_PARALLELISM
        {
            return Err(Error::Config(format!(
                "auth.argon2 is below the floor m={ARGON2_MIN_MEMORY_KIB} KiB, t={ARGON2_MIN_ITERATIONS}, p={ARGON2_MIN_PARALLELISM} (got m={}, t={}, p={})",
                a.memory_kib, a.iterations, a.parallelism
            )));
        }
        if self.disable_after_failures == 0
            || self.disable_after_failures > MAX_CONSECUTIVE_FAILURES
        {
            return Err(Error::Config(format!(
                "auth.disable_after_failures must be 1..={MAX_CONSECUTIVE_FAILURES}"
            )));
        }
        if self.lock_after_failures == 0 || self.lock_after_failures > self.disable_after_failures {
            return Err(Error::Config(
                "auth.lock_after_failures must be 1..=auth.disable_after_failures".into(),
            ));
        }
        if self.access_token_ttl_secs == 0
            || self.refresh_idle_secs == 0
            || self.refresh_absolute_secs < self.refresh_idle_secs
        {
            return Err(Error::Config(
                "auth token lifetimes must be positive and refresh_absolute_secs ≥ refresh_idle_secs"
                    .into(),
            ));
        }
        if self.issuer.is_empty() || self.audience.is_empty() {
            return Err(Error::Config(
                "auth.issuer and auth.audience must be set".into(),
            ));
        }
        match self.keys.get(&self.active_key) {
            Some(key) if !key.retired && !key.material.expose().trim().is_empty() => Ok(()),
            _ => Err(Error::Config(format!(
                "auth.active_key `{}` must name an enabled, unretired entry of auth.keys",
                self.active_key
            ))),
        }
    }

    /// The hashing permits: `hashing_concurrency`, or half the CPUs (at least 1).
    pub fn hashing_permits(&self) -> usize {
        if self.hashing_concurrency > 0 {
            self.hashing_concurrency
        } else {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get() / 2)
                .max(1)
        }
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        AuthSettings::default().validate().unwrap();
    }

    #[test]
    fn argon2_floor_is_enforced() {
        for (m, t, p) in [(19_455, 2, 1), (19_456, 1, 1), (19_456, 2, 0)] {
            let mut s = AuthSettings::default();
            s.argon2 = Argon2Settings {
                memory_kib: m,
                iterations: t,
                parallelism: p,
            };
            assert!(s.validate().is_err(), "{m} {t} {p}");
        }
    }

    #[test]
    fn more_than_100_failures_is_refused() {
        let mut s = AuthSettings::default();
        s.disable_after_failures = 101;
        assert!(s.validate().is_err());
        s.disable_after_failures = 100;
        s.lock_after_failures = 101;
        assert!(s.validate().is_err());
    }

    #[test]
    fn active_key_must_be_enabled() {
        let mut s = AuthSettings::default();
        s.active_key = "nope".into();
        assert!(s.validate().is_err());
        let mut s = AuthSettings::default();
        s.keys.get_mut("dev").unwrap().retired = true;
        assert!(s.validate().is_err());
    }

    #[test]
    fn prod_refuses_the_development_keys() {
        let config = egov_core::Config::builder()
            .profile(egov_core::Profile::Prod)
            .dir("/nonexistent")
            .load()
            .unwrap();
        let error = config.section::<AuthSettings>().unwrap_err().to_string();
        assert!(error.contains("auth."), "{error}");
    }
}
