//! The `[pages]` configuration section.

use egov_core::config::ConfigSection;
use serde::Deserialize;

/// `[pages]`: where the layout's links lead and how times are shown.
///
/// The texts (agency, service, contact) are messages, not settings: a service
/// overrides `egov-page-agency`, `egov-page-service` and `egov-page-contact` in its
/// own `.ftl` files, in every language it serves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagesSettings {
    /// The start page (the agency identity links there).
    pub home: String,
    /// The 개인정보처리방침 page every page links to from its footer (PIPA art. 30).
    pub privacy_policy: String,
    /// The login page (`?next=` is added); empty for a service without login.
    pub login: String,
    /// Where the logout form posts.
    pub logout: String,
    /// Where the session-extend form posts (egov-auth's `POST /auth/session/extend`).
    pub extend_session: String,
    /// Show signed-in visitors when their session ends and an extend button
    /// (KWCAG 2.2.1 timing adjustable).
    pub session_notice: bool,
    /// The agency's logo (an image the service serves), empty for none. Decorative:
    /// the agency's name is always written beside it.
    pub logo: String,
    /// Hours east of UTC in which times are shown (9: Korea).
    pub utc_offset_hours: i8,
}

impl ConfigSection for PagesSettings {
    const KEY: &'static str = "pages";
    const DEFAULTS: &'static str = r#"
home = "/"
privacy_policy = "/privacy"
login = "/login"
logout = "/logout"
extend_session = "/auth/session/extend"
session_notice = true
logo = ""
utc_offset_hours = 9
"#;
}

impl Default for PagesSettings {
    fn default() -> Self {
        Self {
            home: "/".into(),
            privacy_policy: "/privacy".into(),
            login: "/login".into(),
            logout: "/logout".into(),
            extend_session: "/auth/session/extend".into(),
            session_notice: true,
            logo: String::new(),
            utc_offset_hours: 9,
        }
    }
}

impl PagesSettings {
    /// The offset times are shown in (UTC when `utc_offset_hours` is out of range).
    pub fn offset(&self) -> time::UtcOffset {
        time::UtcOffset::from_hms(self.utc_offset_hours, 0, 0).unwrap_or(time::UtcOffset::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_document_and_the_default_value_agree() {
        let parsed: PagesSettings = toml_like(PagesSettings::DEFAULTS);
        assert_eq!(parsed, PagesSettings::default());
    }

    /// The section's defaults read as the configuration loader reads them.
    fn toml_like(text: &str) -> PagesSettings {
        let config = egov_core::config::Config::builder()
            .profile(egov_core::config::Profile::Test)
            .embedded("defaults", format!("[pages]\n{text}"))
            .load()
            .unwrap();
        config.section().unwrap()
    }
}
