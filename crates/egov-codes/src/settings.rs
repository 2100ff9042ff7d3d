use egov_core::config::ConfigSection;
use serde::Deserialize;

/// The `[codes]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodesSettings {
    /// How often each replica polls the change version (milliseconds). The
    /// only mechanism on SQLite; on PostgreSQL the fallback behind
    /// `LISTEN/NOTIFY`.
    pub poll_interval_ms: u64,
    /// UTC offset of the agency's calendar, in hours (Korea: 9): "today", the
    /// default of `?at=`, is the local date.
    pub utc_offset_hours: i8,
    /// `max-age` of the public read API's `Cache-Control` (seconds).
    pub cache_max_age_secs: u32,
    /// Fallback locales for labels, after the requested one.
    pub label_fallback: Vec<String>,
}

impl ConfigSection for CodesSettings {
    const KEY: &'static str = "codes";
    const DEFAULTS: &'static str = r#"
poll_interval_ms = 5000
utc_offset_hours = 9
cache_max_age_secs = 60
label_fallback = ["ko", "en"]
"#;
}

impl Default for CodesSettings {
    /// The built-in defaults ([`ConfigSection::DEFAULTS`]).
    fn default() -> Self {
        Self::from_defaults()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let settings = CodesSettings::default();
        assert_eq!(settings.utc_offset_hours, 9);
        assert_eq!(settings.label_fallback, ["ko", "en"]);
    }
}
