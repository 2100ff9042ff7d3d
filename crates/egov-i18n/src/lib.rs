//! # egov-i18n
//!
//! Localization for egov-rs: [Project Fluent] messages in Korean and English,
//! per-request locale negotiation, and Korean particles that agree with the noun
//! before them ([`josa`]).
//!
//! - **Messages.** Every crate ships its `.ftl` files as an
//!   [`egov_core::message::FluentResources`] (egov-core's is
//!   [`egov_core::MESSAGES`], this crate's is [`MESSAGES`]). An application builds
//!   one [`I18n`] from all of them, its own last: a message id defined again
//!   overrides the earlier definition. An FTL syntax error is a [`BuildError`]
//!   naming the component, locale and line.
//! - **Formatting.** [`I18n::text`] takes a [`Message`] (key + typed arguments:
//!   integers and floats become Fluent numbers, text becomes strings). A message
//!   missing in the request's locale is looked up along the fallback chain
//!   (`[i18n] fallback`), then the key itself is shown; a missing message or a
//!   formatting error (e.g. a missing argument) is logged once per (locale, key)
//!   and never fails the request. No Unicode isolation marks are inserted.
//! - **Problems.** [`I18n`] is a [`MessageCatalog`], so [`Problem::render`]
//!   works with it; [`I18n::render_problem`] applies its fallback chain.
//! - **Negotiation.** `?lang=`, then the `lang` cookie, then `Accept-Language`
//!   with q-values and BCP 47 matching, then the default (`ko`): see
//!   [`Negotiator`] and the pure function [`negotiate`]. With the `axum` feature
//!   (default), `LocaleLayer` negotiates once per request, stores the [`Locale`]
//!   in the request and sets `Content-Language`; the `Locale` extractor reads it.
//! - **Korean particles.** `{ JOSA($name, "을/를") }` in any message, or
//!   [`josa::attach`] in Rust: 홍길동을, 김구를, 서울로, API를, 10을.
//!
//! Configuration is the `[i18n]` section, [`I18nSettings`]:
//!
//! ```toml
//! [i18n]
//! default_locale = "ko"
//! supported = ["ko", "en"]
//! fallback = ["ko", "en"]
//! cookie = "lang"
//! query_param = "lang"
//! max_accept_language_entries = 16
//! ```
//!
//! ```
//! use egov_core::message::{FluentResources, Message};
//! use egov_core::problem::{Problem, ProblemType};
//! use egov_i18n::{I18n, LocaleHints};
//!
//! static APP: FluentResources = FluentResources {
//!     component: "my-agency",
//!     files: &[
//!         ("ko", "greeting = { JOSA($name, \"이/가\") } 신청했습니다.\n\
//!                  problem-not-found = 민원을 찾을 수 없습니다\n"),
//!         ("en", "greeting = { $name } applied.\n"),
//!     ],
//! };
//!
//! let i18n = I18n::builder()
//!     .resources(&egov_core::MESSAGES)
//!     .resources(&egov_i18n::MESSAGES)
//!     .resources(&APP)
//!     .build()?;
//!
//! let greeting = Message::new("greeting").arg("name", "홍길동");
//! assert_eq!(i18n.text("ko", &greeting), "홍길동이 신청했습니다.");
//! assert_eq!(i18n.text("en", &greeting), "홍길동 applied.");
//!
//! // The application overrides a framework message; English keeps egov-core's.
//! let problem = Problem::new(ProblemType::NOT_FOUND);
//! assert_eq!(i18n.render_problem(&problem, "ko").title, "민원을 찾을 수 없습니다");
//! assert_eq!(i18n.render_problem(&problem, "en").title, "Not found");
//!
//! // A missing message falls back along the chain, then to its key.
//! assert_eq!(i18n.text("en", &Message::new("nowhere")), "nowhere");
//!
//! let locale = i18n.negotiate(&LocaleHints::accept_language("en-US,en;q=0.9,ko;q=0.8"));
//! assert_eq!(locale, "en");
//! # Ok::<(), egov_i18n::BuildError>(())
//! ```
//!
//! # Performance
//!
//! Median time per operation from `cargo bench -p egov-i18n --bench i18n --
//! --warm-up-time 1 --measurement-time 3` (criterion, release build) on the
//! project's shared machine (2 cores, other builds running), so read them as
//! orders of magnitude:
//!
//! | operation | median |
//! |---|---|
//! | negotiate `ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7` | 537 ns |
//! | format a message with one argument (`I18n::text`) | 183 ns |
//! | format a message with `JOSA($name, "이/가")` | 367 ns |
//! | `josa::attach("홍길동", "을/를")` | 68 ns |
//!
//! Per request that is about a microsecond for negotiation plus a problem's
//! title and detail: negligible next to a database round trip.
//!
//! [Project Fluent]: https://projectfluent.org
//! [`Message`]: egov_core::message::Message
//! [`MessageCatalog`]: egov_core::message::MessageCatalog
//! [`Problem::render`]: egov_core::problem::Problem::render
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod catalog;
pub mod josa;
mod negotiate;
mod settings;
#[cfg(feature = "axum")]
mod web;

use egov_core::message::FluentResources;

pub use catalog::{BuildError, I18n, I18nBuilder, message_ids};
pub use negotiate::{
    DEFAULT_MAX_ACCEPT_LANGUAGE_ENTRIES, Locale, LocaleHints, Negotiator, negotiate,
};
pub use settings::I18nSettings;
#[cfg(feature = "axum")]
pub use web::{LocaleFuture, LocaleLayer, LocaleService};

/// egov-i18n's messages: `i18n-language-name`, each locale's name in itself
/// (for language switchers, see [`I18n::language_name`]).
pub static MESSAGES: FluentResources = FluentResources {
    component: "egov-i18n",
    files: &[
        ("ko", include_str!("../locales/ko/egov-i18n.ftl")),
        ("en", include_str!("../locales/en/egov-i18n.ftl")),
    ],
};
