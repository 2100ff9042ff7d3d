//! The Fluent-backed message catalog.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use egov_core::message::{FluentResources, Message, MessageArg, MessageCatalog};
use egov_core::problem::{Problem, RenderedProblem};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::josa;
use crate::negotiate::{Locale, LocaleHints, Negotiator};
use crate::settings::I18nSettings;

/// At most this many distinct (locale, key) problems are remembered so that each
/// is logged once; past it, further ones are not logged (bounded memory).
const MAX_REPORTED: usize = 4096;

/// Integers beyond ±2⁵³ lose precision as Fluent numbers (`f64`); they are
/// passed as text instead, so they print exactly.
const MAX_EXACT_INT: i64 = 1 << 53;

/// Why a catalog could not be built. Every variant names what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A value of the `[i18n]` section is invalid.
    #[error("configuration key `i18n.{key}`: {problem}")]
    Settings {
        /// The key within `[i18n]`, e.g. `default_locale`.
        key: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// An FTL file does not parse.
    #[error(
        "{component}: FTL syntax error in locale `{locale}`: the entry at line {line} does not \
         parse ({reason} at line {error_line}, column {column}){}",
        more_errors(*others)
    )]
    Syntax {
        /// The component (crate or application) of the resource.
        component: String,
        /// The locale of the file.
        locale: String,
        /// 1-based line where the first broken entry starts.
        line: usize,
        /// 1-based line where the parser noticed the error (may be after `line`).
        error_line: usize,
        /// 1-based column (in characters) on `error_line`.
        column: usize,
        /// What the parser expected.
        reason: String,
        /// How many further errors the same file has.
        others: usize,
    },
    /// A resource file is labelled with something that is not a BCP 47 tag.
    #[error("{component}: `{locale}` is not a BCP 47 language tag")]
    ResourceLocale {
        /// The component of the resource.
        component: String,
        /// The label as written.
        locale: String,
    },
    /// A supported locale has no messages at all.
    #[error(
        "supported locale `{locale}` has no messages: no resource has a file for it \
         (remove it from `i18n.supported` or add translations)"
    )]
    NoMessages {
        /// The locale.
        locale: String,
    },
}

fn more_errors(others: usize) -> String {
    match others {
        0 => String::new(),
        1 => " (and 1 more error)".to_owned(),
        n => format!(" (and {n} more errors)"),
    }
}

/// One FTL source handed to the builder.
#[derive(Debug, Clone)]
struct Source {
    component: String,
    locale: String,
    ftl: String,
}

/// Builds an [`I18n`]: settings, then resources in order (later ones override
/// earlier messages with the same id).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct I18nBuilder {
    settings: I18nSettings,
    sources: Vec<Source>,
}

impl I18nBuilder {
    /// Uses these settings instead of the defaults.
    pub fn settings(mut self, settings: I18nSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Adds a crate's (or the application's) messages. Add the framework's
    /// first and the application's last: a message id defined again replaces
    /// the earlier definition in that locale.
    pub fn resources(mut self, resources: &FluentResources) -> Self {
        for (locale, ftl) in resources.files {
            self.sources.push(Source {
                component: resources.component.to_owned(),
                locale: (*locale).to_owned(),
                ftl: (*ftl).to_owned(),
            });
        }
        self
    }

    /// Adds one FTL text for `locale`, e.g. read from a file at start-up.
    pub fn source(
        mut self,
        component: impl Into<String>,
        locale: impl Into<String>,
        ftl: impl Into<String>,
    ) -> Self {
        self.sources.push(Source {
            component: component.into(),
            locale: locale.into(),
            ftl: ftl.into(),
        });
        self
    }

    /// Parses every resource and builds the catalog.
    ///
    /// Files for locales that are not supported are parsed (their syntax
    /// errors are still errors) and then left out.
    ///
    /// # Errors
    ///
    /// See [`BuildError`]: invalid settings, an FTL syntax error (naming the
    /// component, locale and line), a file labelled with an invalid tag, or a
    /// supported locale without messages.
    pub fn build(self) -> Result<I18n, BuildError> {
        let negotiator = Negotiator::new(&self.settings)?;
        let mut fallback = Vec::new();
        for tag in &self.settings.fallback {
            let index = negotiator.exact_index(tag);
            match index {
                Some(i) if !fallback.contains(&i) => fallback.push(i),
                Some(_) => {}
                None => {
                    return Err(BuildError::Settings {
                        key: "fallback",
                        problem: format!("`{tag}` is not one of the supported locales"),
                    });
                }
            }
        }

        let mut bundles: Vec<LocaleBundle> = negotiator
            .supported()
            .map(|locale| LocaleBundle::new(locale.clone()))
            .collect();
        let mut has_messages = vec![false; bundles.len()];
        for source in self.sources {
            let id =
                LanguageIdentifier::from_bytes(source.locale.trim().as_bytes()).map_err(|_| {
                    BuildError::ResourceLocale {
                        component: source.component.clone(),
                        locale: source.locale.clone(),
                    }
                })?;
            let resource = parse(&source)?;
            let tag = id.to_string();
            if let Some(i) = bundles.iter().position(|b| b.locale.as_str() == tag) {
                bundles[i].bundle.add_resource_overriding(resource);
                has_messages[i] = true;
            }
        }
        if let Some(i) = has_messages.iter().position(|has| !has) {
            return Err(BuildError::NoMessages {
                locale: bundles[i].locale.to_string(),
            });
        }

        let chains = (0..bundles.len())
            .map(|i| {
                std::iter::once(i)
                    .chain(fallback.iter().copied().filter(|f| *f != i))
                    .collect()
            })
            .collect();
        Ok(I18n {
            inner: Arc::new(Inner {
                settings: self.settings,
                negotiator,
                bundles,
                chains,
                fallback,
                reported: Mutex::new(HashSet::new()),
            }),
        })
    }
}

/// Parses one source, turning the first syntax error into a [`BuildError`].
fn parse(source: &Source) -> Result<FluentResource, BuildError> {
    FluentResource::try_new(source.ftl.clone()).map_err(|(_, errors)| {
        let text = source.ftl.as_str();
        let first = errors.first();
        let at = first.map_or(0, |e| e.pos.start);
        let (error_line, column) = line_and_column(text, at);
        // The broken entry starts at the first non-blank character of the slice
        // the parser skipped.
        let entry_start = first
            .and_then(|e| e.slice.clone())
            .and_then(|slice| {
                let start = slice.start.min(at);
                let skipped = text.get(start..at)?;
                Some(start + (skipped.len() - skipped.trim_start().len()))
            })
            .unwrap_or(at);
        let (line, _) = line_and_column(text, entry_start);
        BuildError::Syntax {
            component: source.component.clone(),
            locale: source.locale.clone(),
            line,
            error_line,
            column,
            reason: first.map_or_else(|| "unknown error".to_owned(), |e| e.kind.to_string()),
            others: errors.len().saturating_sub(1),
        }
    })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut boundary = offset.min(text.len());
    while !text.is_char_boundary(boundary) {
        boundary -= 1;
    }
    let before = &text[..boundary];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The bundle of one supported locale.
struct LocaleBundle {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
}

impl LocaleBundle {
    fn new(locale: Locale) -> Self {
        let id = LanguageIdentifier::from_bytes(locale.as_str().as_bytes()).unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        bundle.set_use_isolating(false);
        // Both only fail when the name is taken, and the bundle is empty.
        let _ = bundle.add_builtins();
        let _ = bundle.add_function("JOSA", josa_function);
        Self { locale, bundle }
    }
}

/// `JOSA(noun, "을/를")` (or `JOSA(noun, pair: "을/를")`): the noun followed by
/// the particle that fits it. A missing noun (an unset variable, already
/// reported by Fluent) yields the combined particle alone; a missing pair, the
/// noun alone.
fn josa_function<'a>(positional: &[FluentValue<'a>], named: &FluentArgs) -> FluentValue<'a> {
    let noun = match positional.first() {
        Some(FluentValue::String(s)) => s.to_string(),
        Some(FluentValue::Number(n)) => n.as_string().into_owned(),
        _ => String::new(),
    };
    match (positional.get(1), named.get("pair")) {
        (Some(FluentValue::String(pair)), _) | (None, Some(FluentValue::String(pair))) => {
            FluentValue::String(josa::attach(&noun, pair).into())
        }
        // No pair given: the noun alone.
        _ => FluentValue::String(noun.into()),
    }
}

/// What went wrong while formatting, for the once-only log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Issue {
    Missing,
    Format,
}

struct Inner {
    settings: I18nSettings,
    negotiator: Negotiator,
    /// One bundle per supported locale, in `supported` order.
    bundles: Vec<LocaleBundle>,
    /// Per supported locale: the bundles to try, in order.
    chains: Vec<Vec<usize>>,
    /// The configured fallback locales (bundle indices).
    fallback: Vec<usize>,
    /// (issue, locale, key) already logged.
    reported: Mutex<HashSet<(Issue, Locale, Box<str>)>>,
}

/// Localized messages in every supported locale, with fallback and per-request
/// locale negotiation. Cheap to clone (shared); `Send + Sync`.
///
/// Built with [`I18n::builder`] from the [`FluentResources`] of every crate
/// (framework first, application last). Implements [`MessageCatalog`], so
/// [`Problem::render`] and egov-web can use it directly.
#[derive(Clone)]
pub struct I18n {
    inner: Arc<Inner>,
}

impl fmt::Debug for I18n {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("I18n")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl I18n {
    /// A builder with the default [`I18nSettings`] and no resources.
    pub fn builder() -> I18nBuilder {
        I18nBuilder::default()
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &I18nSettings {
        &self.inner.settings
    }

    /// Its negotiator (supported locales, default, query parameter and cookie
    /// names).
    pub fn negotiator(&self) -> &Negotiator {
        &self.inner.negotiator
    }

    /// The locale for a request with these hints (see [`Negotiator::negotiate`]).
    pub fn negotiate(&self, hints: &LocaleHints<'_>) -> Locale {
        self.inner.negotiator.negotiate(hints).clone()
    }

    /// The default locale.
    pub fn default_locale(&self) -> &Locale {
        self.inner.negotiator.default_locale()
    }

    /// The locales tried for a message requested in `locale`: the supported
    /// locale it names, then the configured fallbacks. For a locale that is not
    /// supported, just the fallbacks.
    pub fn fallback_chain(&self, locale: &str) -> Vec<&Locale> {
        self.chain(locale)
            .iter()
            .map(|&i| &self.inner.bundles[i].locale)
            .collect()
    }

    /// The text of `message` in `locale`, falling back along
    /// [`Self::fallback_chain`] and finally to the message key. Never fails: a
    /// missing message or a formatting error (e.g. a missing argument, shown as
    /// `{$name}`) is logged once per (locale, key) as a warning.
    ///
    /// A key may name an attribute as `message-id.attribute`.
    pub fn text(&self, locale: &str, message: &Message) -> String {
        self.chain(locale)
            .iter()
            .find_map(|&i| self.format_in(i, message))
            .unwrap_or_else(|| message.key().to_owned())
    }

    /// The text of `message` in exactly `locale` (which may be any tag that
    /// names a supported locale), without fallback; `None` when that locale
    /// lacks it (logged once).
    pub fn try_text(&self, locale: &str, message: &Message) -> Option<String> {
        let index = self.bundle_index(locale)?;
        self.format_in(index, message)
    }

    /// Whether `locale` has the message `key` (or `id.attribute`).
    pub fn has_message(&self, locale: &str, key: &str) -> bool {
        self.bundle_index(locale).is_some_and(|i| {
            let bundle = &self.inner.bundles[i].bundle;
            let (id, attribute) = split_key(key);
            bundle.get_message(id).is_some_and(|m| match attribute {
                Some(attribute) => m.get_attribute(attribute).is_some(),
                None => m.value().is_some(),
            })
        })
    }

    /// `problem` rendered in `locale` with this catalog and its fallback chain:
    /// the `application/problem+json` document.
    pub fn render_problem(&self, problem: &Problem, locale: &str) -> RenderedProblem {
        let chain = self.fallback_chain(locale);
        let (first, rest) = match chain.split_first() {
            Some((first, rest)) => (first.as_str(), rest),
            None => (locale, &[][..]),
        };
        let fallbacks: Vec<&str> = rest.iter().map(|l| l.as_str()).collect();
        problem.render(&[self], first, &fallbacks)
    }

    /// The name of `locale` in its own language (`한국어`, `English`), for a
    /// language switcher: the message `i18n-language-name` (see
    /// [`crate::MESSAGES`]), or the tag itself.
    pub fn language_name(&self, locale: &str) -> String {
        self.try_text(locale, &Message::new("i18n-language-name"))
            .unwrap_or_else(|| locale.to_owned())
    }

    /// The bundle indices to try for `locale`.
    fn chain(&self, locale: &str) -> &[usize] {
        match self.bundle_index(locale) {
            Some(i) => &self.inner.chains[i],
            None => &self.inner.fallback,
        }
    }

    /// The bundle of the supported locale `locale` names.
    fn bundle_index(&self, locale: &str) -> Option<usize> {
        self.inner
            .bundles
            .iter()
            .position(|b| b.locale.as_str() == locale)
            .or_else(|| self.inner.negotiator.match_index(locale))
    }

    /// Formats `message` with bundle `index`; `None` when it lacks the message.
    fn format_in(&self, index: usize, message: &Message) -> Option<String> {
        let LocaleBundle { locale, bundle } = &self.inner.bundles[index];
        let (id, attribute) = split_key(message.key());
        let found = bundle.get_message(id);
        let pattern = found.and_then(|m| match attribute {
            Some(attribute) => m.get_attribute(attribute).map(|a| a.value()),
            None => m.value(),
        });
        let Some(pattern) = pattern else {
            self.report(Issue::Missing, locale, message.key(), "");
            return None;
        };
        let args = fluent_args(message);
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args.as_ref(), &mut errors);
        if !errors.is_empty() {
            let details: Vec<String> = errors.iter().map(ToString::to_string).collect();
            self.report(Issue::Format, locale, message.key(), &details.join("; "));
        }
        Some(text.into_owned())
    }

    /// Logs `issue` for (locale, key) the first time it happens.
    fn report(&self, issue: Issue, locale: &Locale, key: &str, details: &str) {
        let mut reported = self
            .inner
            .reported
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = (issue, locale.clone(), Box::<str>::from(key));
        if reported.contains(&entry) {
            return;
        }
        if reported.len() >= MAX_REPORTED {
            return;
        }
        reported.insert(entry);
        let full = reported.len() == MAX_REPORTED;
        drop(reported);
        match issue {
            Issue::Missing => tracing::warn!(
                locale = %locale,
                key,
                "message missing in this locale; falling back"
            ),
            Issue::Format => tracing::warn!(
                locale = %locale,
                key,
                errors = details,
                "message formatted with errors"
            ),
        }
        if full {
            tracing::warn!(
                limit = MAX_REPORTED,
                "further missing or broken messages will not be logged"
            );
        }
    }
}

impl MessageCatalog for I18n {
    /// The message in exactly `locale` (see [`I18n::try_text`]); callers such
    /// as [`egov_core::message::format_with_fallback`] do the falling back.
    fn format(&self, locale: &str, message: &Message) -> Option<String> {
        self.try_text(locale, message)
    }

    fn supports(&self, locale: &str) -> bool {
        self.bundle_index(locale).is_some()
    }
}

/// `id.attribute` → (`id`, `Some("attribute")`).
fn split_key(key: &str) -> (&str, Option<&str>) {
    match key.split_once('.') {
        Some((id, attribute)) => (id, Some(attribute)),
        None => (key, None),
    }
}

/// The message's arguments as Fluent arguments: integers and floats as numbers
/// (so plural selectors and `NUMBER()` work), text as strings.
fn fluent_args(message: &Message) -> Option<FluentArgs<'_>> {
    if message.args().is_empty() {
        return None;
    }
    let mut args = FluentArgs::with_capacity(message.args().len());
    for (name, value) in message.args() {
        let value: FluentValue<'_> = match value {
            MessageArg::Int(v) if (-MAX_EXACT_INT..=MAX_EXACT_INT).contains(v) => {
                // Exact: within ±2⁵³.
                FluentValue::from(*v as f64)
            }
            MessageArg::Int(v) => FluentValue::from(v.to_string()),
            MessageArg::Float(v) => FluentValue::from(*v),
            MessageArg::Text(v) => FluentValue::from(v.as_str()),
        };
        args.set(name.as_str(), value);
    }
    Some(args)
}

/// Every message id of `resources`, per locale (terms and unparsable entries
/// left out): what a conformance check compares across locales.
pub fn message_ids(resources: &[&FluentResources]) -> BTreeMap<String, BTreeSet<String>> {
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for resource in resources {
        for (locale, source) in resource.files {
            let parsed = match FluentResource::try_new((*source).to_owned()) {
                Ok(parsed) | Err((parsed, _)) => parsed,
            };
            let entry = ids.entry((*locale).to_owned()).or_default();
            for item in parsed.entries() {
                if let fluent_syntax::ast::Entry::Message(message) = item {
                    entry.insert(message.id.name.to_owned());
                }
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\n한국어 = x\n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 6), (2, 1));
        // Byte 9 is the third byte of 한: still column 1's character.
        assert_eq!(line_and_column(text, 9), (2, 2));
        assert_eq!(line_and_column(text, 1000), (3, 1));
    }

    #[test]
    fn keys_split_into_id_and_attribute() {
        assert_eq!(split_key("login"), ("login", None));
        assert_eq!(split_key("login.title"), ("login", Some("title")));
    }

    #[test]
    fn huge_integers_are_passed_as_exact_text() {
        let message = Message::new("k").arg("n", i64::MAX).arg("m", 3);
        let args = fluent_args(&message).unwrap();
        assert_eq!(
            args.get("n"),
            Some(&FluentValue::from(i64::MAX.to_string()))
        );
        assert!(matches!(args.get("m"), Some(FluentValue::Number(_))));
        assert!(fluent_args(&Message::new("k")).is_none());
    }

    #[test]
    fn catalog_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<I18n>();
    }

    #[test]
    fn message_ids_are_listed_per_locale() {
        static RESOURCES: FluentResources = FluentResources {
            component: "t",
            files: &[("ko", "a = 가\nb = 나\n-term = 용어\n"), ("en", "a = A\n")],
        };
        let ids = super::message_ids(&[&RESOURCES]);
        assert_eq!(
            ids["ko"].iter().map(String::as_str).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            ids["en"].iter().map(String::as_str).collect::<Vec<_>>(),
            ["a"]
        );
    }
}
