//! Message keys with typed arguments, and catalogs that turn them into text.
//!
//! Library code never builds user-facing sentences: it names a message by key
//! (Fluent style, `kebab-case`) and attaches arguments. Rendering happens at the
//! edge, in the caller's locale, through a [`MessageCatalog`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A typed message argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageArg {
    /// An integer (plural selection and numeral reading depend on it).
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text.
    Text(String),
}

impl fmt::Display for MessageArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageArg::Int(v) => write!(f, "{v}"),
            MessageArg::Float(v) => write!(f, "{v}"),
            MessageArg::Text(v) => f.write_str(v),
        }
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for MessageArg {
            fn from(v: $t) -> Self { MessageArg::Int(i64::from(v)) }
        }
    )*};
}
int_arg!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for MessageArg {
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or(MessageArg::Float(v as f64), MessageArg::Int)
    }
}
impl From<usize> for MessageArg {
    fn from(v: usize) -> Self {
        MessageArg::from(v as u64)
    }
}
impl From<f64> for MessageArg {
    fn from(v: f64) -> Self {
        MessageArg::Float(v)
    }
}
impl From<&str> for MessageArg {
    fn from(v: &str) -> Self {
        MessageArg::Text(v.to_owned())
    }
}
impl From<String> for MessageArg {
    fn from(v: String) -> Self {
        MessageArg::Text(v)
    }
}

/// A message key plus named arguments, e.g. `problem-payload-too-large { $limit }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    key: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    args: BTreeMap<String, MessageArg>,
}

impl Message {
    /// A message with no arguments.
    pub fn new(key: impl Into<Cow<'static, str>>) -> Self {
        Self {
            key: key.into(),
            args: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) an argument.
    #[must_use]
    pub fn arg(mut self, name: impl Into<String>, value: impl Into<MessageArg>) -> Self {
        self.args.insert(name.into(), value.into());
        self
    }

    /// The message key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The arguments, by name.
    pub fn args(&self) -> &BTreeMap<String, MessageArg> {
        &self.args
    }
}

/// Something that turns a [`Message`] into text in a locale.
///
/// egov-i18n implements it with Project Fluent; [`StaticCatalog`] is a small
/// table-driven implementation for built-in messages and tests.
pub trait MessageCatalog: Send + Sync {
    /// The text of `message` in `locale` (a BCP 47 tag such as `ko` or `en`), or
    /// `None` when this catalog has no such message in that locale.
    fn format(&self, locale: &str, message: &Message) -> Option<String>;

    /// Whether the catalog has any messages for `locale`.
    fn supports(&self, locale: &str) -> bool;
}

/// Formats `message` with the first catalog (in order) that knows it in `locale`,
/// then in each locale of `fallbacks`; when none does, the key itself — a missing
/// message degrades the text, it never fails the request.
pub fn format_with_fallback(
    catalogs: &[&dyn MessageCatalog],
    locale: &str,
    fallbacks: &[&str],
    message: &Message,
) -> String {
    std::iter::once(locale)
        .chain(fallbacks.iter().copied())
        .find_map(|loc| catalogs.iter().find_map(|c| c.format(loc, message)))
        .unwrap_or_else(|| message.key().to_owned())
}

/// The Fluent (`.ftl`) messages a crate ships: one source text per locale.
///
/// Every crate with user-facing text exports one of these (egov-core's is
/// [`crate::MESSAGES`]); an application hands them all to its message catalog,
/// its own last so that it can override any framework message.
#[derive(Debug, Clone, Copy)]
pub struct FluentResources {
    /// The crate (or application) the messages belong to.
    pub component: &'static str,
    /// `(locale, FTL source)` pairs, e.g. `("ko", include_str!("../locales/ko/x.ftl"))`.
    pub files: &'static [(&'static str, &'static str)],
}

/// A catalog held in memory as `(locale, key, template)` entries.
///
/// Templates use Fluent's placeable syntax for arguments — `{ $name }` — and nothing
/// else; unknown arguments are left as written.
#[derive(Debug, Clone, Default)]
pub struct StaticCatalog {
    entries: BTreeMap<(String, String), String>,
}

impl StaticCatalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a catalog from `(locale, key, template)` entries.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Self {
        let mut catalog = Self::new();
        for (locale, key, template) in entries {
            catalog.insert(locale, key, template);
        }
        catalog
    }

    /// Reads the single-line messages (`id = text`) of `resources`; comments,
    /// blank lines, terms and multi-line messages are skipped. Enough for simple
    /// catalogs; egov-i18n reads the full Fluent syntax.
    pub fn from_resources(resources: &FluentResources) -> Self {
        let mut catalog = Self::new();
        for (locale, source) in resources.files {
            for line in source.lines() {
                let Some((id, text)) = line.split_once('=') else {
                    continue;
                };
                let (id, text) = (id.trim(), text.trim());
                let is_id = !id.is_empty()
                    && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if is_id && !text.is_empty() && !line.starts_with([' ', '\t', '#']) {
                    catalog.insert(locale, id, text);
                }
            }
        }
        catalog
    }

    /// Adds or replaces one message.
    pub fn insert(&mut self, locale: &str, key: &str, template: &str) {
        self.entries
            .insert((locale.to_owned(), key.to_owned()), template.to_owned());
    }
}

impl MessageCatalog for StaticCatalog {
    fn format(&self, locale: &str, message: &Message) -> Option<String> {
        let template = self
            .entries
            .get(&(locale.to_owned(), message.key().to_owned()))?;
        Some(substitute(template, message.args()))
    }

    fn supports(&self, locale: &str) -> bool {
        self.entries.keys().any(|(l, _)| l == locale)
    }
}

/// Replaces every `{ $name }` (spaces optional) whose argument exists.
fn substitute(template: &str, args: &BTreeMap<String, MessageArg>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            out.push_str(after);
            return out;
        };
        let inner = after[1..close].trim();
        match inner.strip_prefix('$').and_then(|name| args.get(name)) {
            Some(value) => out.push_str(&value.to_string()),
            None => out.push_str(&after[..=close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_catalog_substitutes_arguments() {
        let catalog = StaticCatalog::from_entries([
            (
                "en",
                "greeting",
                "Hello, { $name }! You have {$count} messages.",
            ),
            (
                "ko",
                "greeting",
                "{ $name }님, 메시지가 { $count }개 있습니다.",
            ),
        ]);
        let msg = Message::new("greeting").arg("name", "Kim").arg("count", 3);
        assert_eq!(
            catalog.format("en", &msg).unwrap(),
            "Hello, Kim! You have 3 messages."
        );
        assert_eq!(
            catalog.format("ko", &msg).unwrap(),
            "Kim님, 메시지가 3개 있습니다."
        );
        assert!(catalog.format("fr", &msg).is_none());
    }

    #[test]
    fn unknown_placeables_and_unbalanced_braces_are_kept() {
        let catalog = StaticCatalog::from_entries([("en", "k", "a { $missing } b { c")]);
        assert_eq!(
            catalog.format("en", &Message::new("k")).unwrap(),
            "a { $missing } b { c"
        );
    }

    #[test]
    fn fallback_goes_to_next_locale_then_key() {
        let catalog = StaticCatalog::from_entries([("ko", "only-ko", "한국어")]);
        let catalogs: [&dyn MessageCatalog; 1] = [&catalog];
        assert_eq!(
            format_with_fallback(&catalogs, "en", &["ko"], &Message::new("only-ko")),
            "한국어"
        );
        assert_eq!(
            format_with_fallback(&catalogs, "en", &["ko"], &Message::new("nowhere")),
            "nowhere"
        );
    }
}
