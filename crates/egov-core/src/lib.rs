//! # egov-core
//!
//! The bottom layer of egov-rs. It knows nothing of HTTP frameworks or databases;
//! every other crate builds on the vocabulary defined here:
//!
//! - [`problem`]: RFC 9457 problem details whose `title`/`detail` are message keys,
//!   so they can be localized later and never carry internals;
//! - [`message`]: message keys with typed arguments and the [`message::MessageCatalog`]
//!   trait that turns them into text;
//! - [`id`]: UUIDv7 identifiers typed by what they identify;
//! - [`clock`]: a clock tests can control;
//! - [`paging`]: page requests with a hard maximum size, and pages;
//! - [`actor`]: who is acting, so audit and codes can name the actor without knowing auth;
//! - [`session`]: the signed-in session as pages show it (who, CSRF token, end time);
//! - [`access`]: the access policy every route declares;
//! - [`config`]: layered configuration (defaults < files < environment) and [`config::Secret`];
//! - [`text`]: the one rule for text from outside (control characters) and visible text.
//!
//! ```
//! use egov_core::access::{AccessDecision, AccessPolicy};
//! use egov_core::actor::Actor;
//! use egov_core::problem::{Problem, ProblemType};
//!
//! // Deny by default: an anonymous actor may use public routes only.
//! let anonymous = Actor::anonymous();
//! assert_eq!(AccessPolicy::Public.evaluate(&anonymous), AccessDecision::Allow);
//! assert_eq!(AccessPolicy::Authenticated.evaluate(&anonymous), AccessDecision::Unauthenticated);
//!
//! // Errors become problem details with a stable type URI and a message key.
//! let problem = Problem::new(ProblemType::NOT_FOUND);
//! assert_eq!(problem.status(), 404);
//! assert_eq!(problem.problem_type().uri(), "urn:egov:problem:not-found");
//! assert_eq!(problem.title().key(), "problem-not-found");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod actor;
pub mod clock;
pub mod config;
pub mod id;
pub mod message;
pub mod paging;
pub mod problem;
pub mod session;
pub mod text;

pub use access::AccessPolicy;
pub use actor::Actor;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use config::{Config, ConfigError, ConfigSection, Profile, Secret};
pub use id::Id;
pub use message::{FluentResources, Message, MessageArg, MessageCatalog};

/// egov-core's messages: problem titles (`problem-{slug}`), problem details and
/// the generic field messages, in Korean and English.
pub static MESSAGES: FluentResources = FluentResources {
    component: "egov-core",
    files: &[
        ("ko", include_str!("../locales/ko/egov-core.ftl")),
        ("en", include_str!("../locales/en/egov-core.ftl")),
    ],
};
pub use paging::{MAX_PAGE_SIZE, Page, PageRequest};
pub use problem::{FieldError, Problem, ProblemType};
