//! egov-i18n: locale negotiation from a request's `?lang=`, cookie and
//! `Accept-Language`, Fluent formatting of messages whose arguments are user
//! data, and Korean particles (`JOSA`).
//!
//! The input is split at its first two newlines into the query value, the
//! cookie value and the `Accept-Language` header (also used as the noun).

use std::sync::OnceLock;

use egov_core::message::{FluentResources, Message};
use egov_core::problem::{Problem, ProblemType};
use egov_i18n::{I18n, I18nSettings, LocaleHints, Negotiator, josa};

/// A message that puts a user-supplied name through `JOSA`.
static MESSAGES: FluentResources = FluentResources {
    component: "egov-fuzz",
    files: &[
        (
            "ko",
            "fuzz-josa = { JOSA($name, \"이/가\") } { JOSA($name, \"을/를\") } 접수\n",
        ),
        ("en", "fuzz-josa = { $name } received\n"),
    ],
};

fn i18n() -> &'static I18n {
    static I18N: OnceLock<I18n> = OnceLock::new();
    I18N.get_or_init(|| {
        I18n::builder()
            .resources(&egov_core::MESSAGES)
            .resources(&MESSAGES)
            .build()
            .expect("the messages build")
    })
}

/// Negotiates, formats and attaches particles; asserts that the locale chosen
/// is always a supported one, that a tag matching a locale is matched by that
/// locale's own tag, that the first hint naming a locale decides, and that a
/// particle follows the noun unchanged.
pub fn locale(data: &[u8]) {
    let text = crate::text(data);
    let mut parts = text.splitn(3, '\n');
    let query = parts.next().unwrap_or_default();
    let cookie = parts.next().unwrap_or_default();
    let header = parts.next().unwrap_or_default();

    let settings = I18nSettings::default();
    let negotiator = Negotiator::new(&settings).expect("the default settings are valid");
    let supported: Vec<&str> = settings.supported.iter().map(String::as_str).collect();

    let hints = LocaleHints {
        query: Some(query),
        cookie: Some(cookie),
        accept_language: Some(header),
    };
    let chosen = negotiator.negotiate(&hints);
    assert!(supported.contains(&chosen.as_str()), "{chosen:?}");
    if let Some(matched) = negotiator.match_tag(query) {
        assert_eq!(chosen, matched, "the query decides first");
        assert_eq!(negotiator.match_tag(matched.as_str()), Some(matched));
    }
    for tag in [cookie, header] {
        if let Some(matched) = negotiator.match_tag(tag) {
            assert_eq!(negotiator.match_tag(matched.as_str()), Some(matched));
        }
    }
    if let Some(matched) = negotiator.match_accept_language(header) {
        assert!(supported.contains(&matched.as_str()));
    }
    let pure = egov_i18n::negotiate(&hints, &supported, "ko");
    assert!(supported.contains(&pure));
    let only_header = egov_i18n::negotiate(&LocaleHints::accept_language(header), &supported, "en");
    assert!(supported.contains(&only_header));

    // User data as message arguments, in every locale.
    let i18n = i18n();
    for locale in &supported {
        let message = Message::new("fuzz-josa").arg("name", header);
        assert!(!i18n.text(locale, &message).is_empty());
        let problem = Problem::new(ProblemType::BAD_REQUEST)
            .with_detail(Message::new("problem-timeout-detail").arg("seconds", query));
        let _ = i18n.render_problem(&problem, locale);
    }
    let _ = i18n.negotiate(&hints);

    // Particles after any noun, with known and unknown pairs.
    for pair in [
        "이/가",
        "을/를",
        "은/는",
        "으로/로",
        "과/와",
        "아/야",
        query,
    ] {
        let attached = josa::attach(header, pair);
        assert!(attached.starts_with(header));
        let particle = josa::particle(header, pair);
        assert_eq!(&attached[header.len()..], particle);
    }
    let _ = josa::ending(cookie);
    let _ = josa::is_known_pair(cookie);
}
