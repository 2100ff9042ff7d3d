//! The `[i18n]` configuration section.

use egov_core::config::ConfigSection;
use serde::{Deserialize, Serialize};

/// The `[i18n]` configuration section: which locales the service speaks and how
/// a request picks one.
///
/// ```toml
/// [i18n]
/// default_locale = "ko"
/// supported = ["ko", "en"]
/// fallback = ["ko", "en"]
/// cookie = "lang"
/// query_param = "lang"
/// max_accept_language_entries = 16
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18nSettings {
    /// The locale of a request that asks for none of the supported ones
    /// (BCP 47 tag; must be one of `supported`).
    pub default_locale: String,
    /// The locales the service answers in, as BCP 47 tags. Each must have
    /// messages (some resource with files for it).
    pub supported: Vec<String>,
    /// Where a message missing in the request's locale is looked up next, in
    /// order (each must be one of `supported`). When every locale lacks a
    /// message, its key is shown.
    pub fallback: Vec<String>,
    /// The cookie that remembers a user's choice (e.g. from a language switcher).
    pub cookie: String,
    /// The query parameter that picks the locale of one request (`?lang=en`).
    pub query_param: String,
    /// At most this many `Accept-Language` entries are considered (bounds the
    /// work an adversarial header can cause).
    pub max_accept_language_entries: usize,
}

impl ConfigSection for I18nSettings {
    const KEY: &'static str = "i18n";
    const DEFAULTS: &'static str = r#"
default_locale = "ko"
supported = ["ko", "en"]
fallback = ["ko", "en"]
cookie = "lang"
query_param = "lang"
max_accept_language_entries = 16
"#;
}

impl Default for I18nSettings {
    /// The built-in defaults ([`ConfigSection::DEFAULTS`]).
    fn default() -> Self {
        Self::from_defaults()
    }
}

#[cfg(test)]
mod tests {
    use egov_core::config::{Config, Profile};

    use super::*;

    #[test]
    fn built_in_defaults_are_korean_first() {
        let settings = I18nSettings::default();
        assert_eq!(settings.default_locale, "ko");
        assert_eq!(settings.supported, ["ko", "en"]);
        assert_eq!(settings.fallback, ["ko", "en"]);
        assert_eq!(settings.cookie, "lang");
        assert_eq!(settings.query_param, "lang");
        assert_eq!(settings.max_accept_language_entries, 16);
    }

    #[test]
    fn section_is_read_from_configuration_with_overrides() {
        let config = Config::builder()
            .profile(Profile::Test)
            .dir("/nonexistent-egov-i18n-config")
            .embedded("app", "[i18n]\ndefault_locale = \"en\"\n")
            .env([("EGOV__I18N__COOKIE", "locale")])
            .load()
            .unwrap();
        let settings: I18nSettings = config.section().unwrap();
        assert_eq!(settings.default_locale, "en");
        assert_eq!(settings.cookie, "locale");
        assert_eq!(settings.supported, ["ko", "en"]);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let config = Config::builder()
            .profile(Profile::Test)
            .dir("/nonexistent-egov-i18n-config")
            .embedded("app", "[i18n]\ndefault_lang = \"en\"\n")
            .env(Vec::<(String, String)>::new())
            .load()
            .unwrap();
        let error = config.section::<I18nSettings>().unwrap_err();
        assert!(error.to_string().contains("default_lang"), "{error}");
    }
}
