//! Choosing the locale of one request.
//!
//! The order is: an explicit `?lang=` query parameter, then the `lang` cookie,
//! then `Accept-Language` (by q-value, ties in header order), then the default
//! locale. A hint that names no supported locale (or is malformed) is skipped,
//! never an error. Names of the parameter and cookie come from
//! [`I18nSettings`].
//!
//! Tags are matched by BCP 47 rules with `unic-langid` (case-insensitive, `_` or
//! `-`), from the most to the least specific: the same tag; a supported tag that
//! is a prefix of the requested one (`ko-KR` → `ko`); a requested tag that is a
//! prefix of a supported one (`en` → `en-US`); the same language subtag
//! (`zh-TW` → `zh-Hant`). `*` stands for the default locale; `q=0` excludes an
//! entry; only the first [`I18nSettings::max_accept_language_entries`] entries
//! are looked at.
//!
//! Everything here is a pure function of its inputs: the negotiated locale lives
//! in each request (see `LocaleLayer`), never in a process-wide global.

use std::fmt;
use std::sync::Arc;

use unic_langid::LanguageIdentifier;

use crate::BuildError;
use crate::settings::I18nSettings;

/// Longest tag (in bytes) that is parsed; longer ones are ignored as malformed.
const MAX_TAG_LEN: usize = 64;

/// A negotiated locale: one of the service's supported BCP 47 tags, in canonical
/// case (`ko`, `en-US`).
///
/// Cheap to clone (a shared string). With the `axum` feature it is also an
/// extractor that never rejects (see `LocaleLayer`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locale(Arc<str>);

impl Locale {
    /// A locale with this tag, taken as given (not validated or canonicalized).
    /// Negotiation only ever produces supported tags; this is for tests and for
    /// code that already knows the tag.
    pub fn new(tag: impl Into<Arc<str>>) -> Self {
        Self(tag.into())
    }

    /// The tag, e.g. `ko`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Locale {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Locale {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Locale {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

/// What a request says about the language it wants, in the order the hints are
/// tried. Each is the raw text from the request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocaleHints<'a> {
    /// The value of the locale query parameter (`?lang=en` → `en`).
    pub query: Option<&'a str>,
    /// The value of the locale cookie.
    pub cookie: Option<&'a str>,
    /// The `Accept-Language` header.
    pub accept_language: Option<&'a str>,
}

impl<'a> LocaleHints<'a> {
    /// Hints with only an `Accept-Language` header.
    pub fn accept_language(header: &'a str) -> Self {
        Self {
            accept_language: Some(header),
            ..Self::default()
        }
    }
}

/// Picks a supported locale for a request; built once from [`I18nSettings`].
#[derive(Debug, Clone)]
pub struct Negotiator {
    supported: Vec<(LanguageIdentifier, Locale)>,
    default: usize,
    max_entries: usize,
    query_param: String,
    cookie: String,
}

impl Negotiator {
    /// A negotiator for `settings`' supported locales, default, parameter and
    /// cookie names.
    ///
    /// # Errors
    ///
    /// [`BuildError::Settings`] when a tag is not BCP 47, a locale is listed twice,
    /// the default is not supported, the cookie or parameter name is not a token,
    /// or `max_accept_language_entries` is 0.
    pub fn new(settings: &I18nSettings) -> Result<Self, BuildError> {
        let invalid = |key: &'static str, problem: String| BuildError::Settings { key, problem };
        if settings.supported.is_empty() {
            return Err(invalid(
                "supported",
                "at least one locale is required".into(),
            ));
        }
        let mut supported: Vec<(LanguageIdentifier, Locale)> = Vec::new();
        for tag in &settings.supported {
            let id = parse_tag(tag).ok_or_else(|| {
                invalid("supported", format!("`{tag}` is not a BCP 47 language tag"))
            })?;
            if supported.iter().any(|(known, _)| *known == id) {
                return Err(invalid("supported", format!("`{tag}` is listed twice")));
            }
            let canonical = Locale::new(id.to_string());
            supported.push((id, canonical));
        }
        let default = parse_tag(&settings.default_locale)
            .and_then(|id| supported.iter().position(|(known, _)| *known == id))
            .ok_or_else(|| {
                invalid(
                    "default_locale",
                    format!(
                        "`{}` is not one of the supported locales",
                        settings.default_locale
                    ),
                )
            })?;
        for (key, name) in [
            ("cookie", &settings.cookie),
            ("query_param", &settings.query_param),
        ] {
            if !is_token(name) {
                return Err(invalid(
                    key,
                    format!("`{name}` is not a valid name (letters, digits, `-`, `_`, `.`)"),
                ));
            }
        }
        if settings.max_accept_language_entries == 0 {
            return Err(invalid(
                "max_accept_language_entries",
                "must be at least 1".into(),
            ));
        }
        Ok(Self {
            supported,
            default,
            max_entries: settings.max_accept_language_entries,
            query_param: settings.query_param.clone(),
            cookie: settings.cookie.clone(),
        })
    }

    /// The locale for a request with these hints: the first hint naming a
    /// supported locale decides, else the default.
    pub fn negotiate(&self, hints: &LocaleHints<'_>) -> &Locale {
        let index = hints
            .query
            .and_then(|tag| self.match_index(tag))
            .or_else(|| hints.cookie.and_then(|tag| self.match_index(tag)))
            .or_else(|| {
                hints
                    .accept_language
                    .and_then(|header| self.accept_language_index(header))
            })
            .unwrap_or(self.default);
        &self.supported[index].1
    }

    /// The supported locale that one tag (e.g. a `?lang=` value) names, if any.
    pub fn match_tag(&self, tag: &str) -> Option<&Locale> {
        self.match_index(tag).map(|i| &self.supported[i].1)
    }

    /// The best supported locale for an `Accept-Language` header, if any entry
    /// names one (`*` names the default).
    pub fn match_accept_language(&self, header: &str) -> Option<&Locale> {
        self.accept_language_index(header)
            .map(|i| &self.supported[i].1)
    }

    /// The default locale.
    pub fn default_locale(&self) -> &Locale {
        &self.supported[self.default].1
    }

    /// The supported locales, in configuration order.
    pub fn supported(&self) -> impl ExactSizeIterator<Item = &Locale> {
        self.supported.iter().map(|(_, locale)| locale)
    }

    /// The name of the locale query parameter.
    pub fn query_param(&self) -> &str {
        &self.query_param
    }

    /// The name of the locale cookie.
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// Position in `supported` of the locale `tag` names.
    pub(crate) fn match_index(&self, tag: &str) -> Option<usize> {
        let requested = parse_tag(tag)?;
        best_match(&self.supported, &requested)
    }

    /// Position in `supported` of exactly the locale `tag` is (same subtags).
    pub(crate) fn exact_index(&self, tag: &str) -> Option<usize> {
        let id = parse_tag(tag)?;
        self.supported.iter().position(|(s, _)| *s == id)
    }

    fn accept_language_index(&self, header: &str) -> Option<usize> {
        accept_language_ranges(header, self.max_entries)
            .into_iter()
            .find_map(|range| match range {
                Range::Any => Some(self.default),
                Range::Tag(requested) => best_match(&self.supported, &requested),
            })
    }
}

/// The best of `supported` for `hints`, or `default`: the pure-function form of
/// [`Negotiator::negotiate`] for callers without settings (the query parameter
/// and cookie values are given directly; at most
/// [`DEFAULT_MAX_ACCEPT_LANGUAGE_ENTRIES`] header entries are considered).
/// Supported tags that are not BCP 47 are never chosen.
///
/// ```
/// use egov_i18n::{LocaleHints, negotiate};
///
/// let header = LocaleHints::accept_language("en-US,en;q=0.9,ko;q=0.8");
/// assert_eq!(negotiate(&header, &["ko", "en"], "ko"), "en");
/// let explicit = LocaleHints { query: Some("ko-KR"), ..header };
/// assert_eq!(negotiate(&explicit, &["ko", "en"], "ko"), "ko");
/// ```
pub fn negotiate<'a>(hints: &LocaleHints<'_>, supported: &[&'a str], default: &'a str) -> &'a str {
    let parsed: Vec<(LanguageIdentifier, &'a str)> = supported
        .iter()
        .filter_map(|tag| parse_tag(tag).map(|id| (id, *tag)))
        .collect();
    let one = |tag: &str| parse_tag(tag).and_then(|id| best_match(&parsed, &id));
    hints
        .query
        .and_then(one)
        .or_else(|| hints.cookie.and_then(one))
        .and_then(|i| parsed.get(i).map(|(_, tag)| *tag))
        .or_else(|| {
            let header = hints.accept_language?;
            accept_language_ranges(header, DEFAULT_MAX_ACCEPT_LANGUAGE_ENTRIES)
                .into_iter()
                .find_map(|range| match range {
                    Range::Any => Some(default),
                    Range::Tag(id) => best_match(&parsed, &id).map(|i| parsed[i].1),
                })
        })
        .unwrap_or(default)
}

/// How many `Accept-Language` entries [`negotiate`] considers (the default of
/// [`I18nSettings::max_accept_language_entries`]).
pub const DEFAULT_MAX_ACCEPT_LANGUAGE_ENTRIES: usize = 16;

/// Parses one BCP 47 tag; `None` for malformed or overlong tags and for tags
/// without a language (`und`).
fn parse_tag(tag: &str) -> Option<LanguageIdentifier> {
    let tag = tag.trim();
    if tag.is_empty() || tag.len() > MAX_TAG_LEN {
        return None;
    }
    let id = LanguageIdentifier::from_bytes(tag.as_bytes()).ok()?;
    (!id.language.is_empty()).then_some(id)
}

/// The position in `supported` of the best match for `requested`.
fn best_match<T>(
    supported: &[(LanguageIdentifier, T)],
    requested: &LanguageIdentifier,
) -> Option<usize> {
    let tiers: [&dyn Fn(&LanguageIdentifier) -> bool; 4] = [
        &|s| s == requested,
        &|s| s.matches(requested, true, false),
        &|s| requested.matches(s, true, false),
        &|s| s.language == requested.language,
    ];
    tiers
        .iter()
        .find_map(|tier| supported.iter().position(|(s, _)| tier(s)))
}

/// One language range of `Accept-Language`.
#[derive(Debug, PartialEq)]
enum Range {
    /// `*`.
    Any,
    /// A language tag.
    Tag(LanguageIdentifier),
}

/// The ranges of an `Accept-Language` header with q > 0, best first (stable for
/// equal q). Malformed entries are skipped; at most `max_entries` entries are
/// read.
fn accept_language_ranges(header: &str, max_entries: usize) -> Vec<Range> {
    let mut ranges: Vec<(u16, Range)> = header
        .split(',')
        .filter(|entry| !entry.trim().is_empty())
        .take(max_entries)
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let tag = parts.next()?.trim();
            let mut quality = 1000;
            for param in parts {
                let (name, value) = param.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    quality = parse_quality(value.trim())?;
                }
            }
            if quality == 0 {
                return None;
            }
            let range = if tag == "*" {
                Range::Any
            } else {
                Range::Tag(parse_tag(tag)?)
            };
            Some((quality, range))
        })
        .collect();
    ranges.sort_by_key(|(quality, _)| std::cmp::Reverse(*quality));
    ranges.into_iter().map(|(_, range)| range).collect()
}

/// A q-value (RFC 9110 `qvalue`: `0`, `0.xxx`, `1`, `1.000`) in thousandths.
fn parse_quality(text: &str) -> Option<u16> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// An HTTP token of the safe kind for cookie and parameter names.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiator() -> Negotiator {
        Negotiator::new(&I18nSettings::default()).unwrap()
    }

    fn accept(header: &str) -> String {
        negotiator()
            .negotiate(&LocaleHints::accept_language(header))
            .to_string()
    }

    #[test]
    fn accept_language_by_quality_then_order() {
        assert_eq!(accept("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"), "ko");
        assert_eq!(accept("en-US,en;q=0.9"), "en");
        assert_eq!(accept("fr;q=1, en;q=0.5, ko;q=0.8"), "ko");
        assert_eq!(accept("en;q=0.5, ko;q=0.5"), "en");
        assert_eq!(accept("EN"), "en");
        assert_eq!(accept("en_GB"), "en");
        assert_eq!(accept("de, *;q=0.1"), "ko");
        assert_eq!(accept("*"), "ko");
        assert_eq!(accept("en;q=0"), "ko");
        assert_eq!(accept("en;q=0, ko;q=0.000"), "ko");
        assert_eq!(accept(""), "ko");
    }

    #[test]
    fn malformed_entries_are_ignored() {
        assert_eq!(accept(";;;,,q=x"), "ko");
        assert_eq!(accept("en;q=2, ko;q=0.1"), "ko");
        assert_eq!(accept("en;q=abc, ko;q=0.1"), "ko");
        assert_eq!(accept("en;q=0.1234, ko;q=0.1"), "ko");
        assert_eq!(accept("e!n, en;q=0.5"), "en");
        assert_eq!(accept("und, en;q=0.5"), "en");
        assert_eq!(accept("en;foo, ko;q=0.1"), "ko");
        assert_eq!(accept(&format!("{}, en;q=0.5", "a".repeat(200))), "en");
    }

    #[test]
    fn only_the_first_entries_count() {
        let mut header = vec!["fr"; DEFAULT_MAX_ACCEPT_LANGUAGE_ENTRIES];
        header.push("en");
        assert_eq!(accept(&header.join(",")), "ko");
        header.remove(0);
        assert_eq!(accept(&header.join(",")), "en");
    }

    #[test]
    fn explicit_query_then_cookie_then_header() {
        let n = negotiator();
        let hints = LocaleHints {
            query: Some("en"),
            cookie: Some("ko"),
            accept_language: Some("ko"),
        };
        assert_eq!(n.negotiate(&hints), "en");
        let hints = LocaleHints {
            query: Some("fr"),
            ..hints
        };
        assert_eq!(n.negotiate(&hints), "ko");
        let hints = LocaleHints {
            query: None,
            cookie: Some("en-US"),
            accept_language: Some("ko"),
        };
        assert_eq!(n.negotiate(&hints), "en");
        let hints = LocaleHints {
            cookie: Some("garbage!"),
            ..hints
        };
        assert_eq!(n.negotiate(&hints), "ko");
        assert_eq!(n.negotiate(&LocaleHints::default()), "ko");
    }

    #[test]
    fn matching_prefers_specific_tags() {
        let settings = I18nSettings {
            supported: vec![
                "ko".into(),
                "en-US".into(),
                "en-GB".into(),
                "zh-Hant".into(),
            ],
            fallback: vec![],
            ..I18nSettings::default()
        };
        let n = Negotiator::new(&settings).unwrap();
        assert_eq!(n.match_tag("en-GB").unwrap(), "en-GB");
        assert_eq!(n.match_tag("en").unwrap(), "en-US");
        assert_eq!(n.match_tag("en-AU").unwrap(), "en-US");
        assert_eq!(n.match_tag("ko-KR").unwrap(), "ko");
        assert_eq!(n.match_tag("zh-TW").unwrap(), "zh-Hant");
        assert_eq!(n.match_tag("zh_hant_tw").unwrap(), "zh-Hant");
        assert!(n.match_tag("fr").is_none());
        assert!(n.match_tag("*").is_none());
    }

    #[test]
    fn settings_are_validated() {
        let bad = |edit: fn(&mut I18nSettings)| {
            let mut settings = I18nSettings::default();
            edit(&mut settings);
            match Negotiator::new(&settings) {
                Err(BuildError::Settings { key, .. }) => key,
                other => panic!("expected a settings error, got {other:?}"),
            }
        };
        assert_eq!(bad(|s| s.supported.clear()), "supported");
        assert_eq!(bad(|s| s.supported.push("not a tag".into())), "supported");
        assert_eq!(bad(|s| s.supported.push("KO".into())), "supported");
        assert_eq!(bad(|s| s.default_locale = "fr".into()), "default_locale");
        assert_eq!(bad(|s| s.cookie = "la ng".into()), "cookie");
        assert_eq!(bad(|s| s.query_param = String::new()), "query_param");
        assert_eq!(
            bad(|s| s.max_accept_language_entries = 0),
            "max_accept_language_entries"
        );
    }

    #[test]
    fn canonical_case_is_kept_from_the_parse() {
        let settings = I18nSettings {
            supported: vec!["KO".into(), "en-us".into()],
            default_locale: "ko".into(),
            fallback: vec![],
            ..I18nSettings::default()
        };
        let n = Negotiator::new(&settings).unwrap();
        let tags: Vec<&str> = n.supported().map(Locale::as_str).collect();
        assert_eq!(tags, ["ko", "en-US"]);
        assert_eq!(n.default_locale(), "ko");
    }

    #[test]
    fn free_function_matches_the_negotiator() {
        let supported = ["ko", "en"];
        let hints = LocaleHints::accept_language("en-US,en;q=0.9");
        assert_eq!(negotiate(&hints, &supported, "ko"), "en");
        assert_eq!(
            negotiate(&LocaleHints::accept_language("de"), &supported, "ko"),
            "ko"
        );
        let cookie = LocaleHints {
            cookie: Some("EN"),
            ..LocaleHints::default()
        };
        assert_eq!(negotiate(&cookie, &supported, "ko"), "en");
        assert_eq!(negotiate(&cookie, &["bad tag!", "ko"], "ko"), "ko");
    }

    #[test]
    fn quality_values() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.8"), Some(800));
        assert_eq!(parse_quality("0.05"), Some(50));
        assert_eq!(parse_quality("0"), Some(0));
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("-0.5"), None);
        assert_eq!(parse_quality(""), None);
        assert_eq!(parse_quality("0.+1"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_header_strings_never_panic(header in ".{0,200}") {
            let n = negotiator();
            let hints = LocaleHints { query: Some(&header), cookie: Some(&header), accept_language: Some(&header) };
            let locale = n.negotiate(&hints);
            proptest::prop_assert!(locale == "ko" || locale == "en");
            let _ = negotiate(&hints, &["ko", "en"], "ko");
        }

        #[test]
        fn header_shaped_strings_never_panic(
            entries in proptest::collection::vec(("[a-zA-Z*_-]{0,12}", proptest::option::of("[0-9.]{0,6}")), 0..40)
        ) {
            let header: Vec<String> = entries
                .iter()
                .map(|(tag, q)| match q { Some(q) => format!("{tag};q={q}"), None => tag.clone() })
                .collect();
            let ranges = accept_language_ranges(&header.join(","), DEFAULT_MAX_ACCEPT_LANGUAGE_ENTRIES);
            proptest::prop_assert!(ranges.len() <= DEFAULT_MAX_ACCEPT_LANGUAGE_ENTRIES);
        }
    }
}
