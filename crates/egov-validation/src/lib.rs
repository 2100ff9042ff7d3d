//! # egov-validation
//!
//! Request validation for egov-rs, built on [`validator`]:
//!
//! - [`Valid`] extractors for axum — `Valid<Json<T>>`, `Valid<Query<T>>`,
//!   `Valid<Form<T>>`, `Valid<Path<T>>` — that deserialize, run `T`'s
//!   `#[derive(Validate)]` rules and reject with a [`Problem`](egov_core::Problem)
//!   (400, 413, 415 or 422) whose field errors carry a JSON pointer, a stable code
//!   and a message key, never the rejected value (see [`extract`] and [`problem`]);
//! - [`MESSAGES`]: the Korean and English texts of every `validation-{code}` message;
//! - [`korean`]: Korean identifiers — resident, foreigner, business and corporate
//!   registration numbers, phone numbers, postal codes — as `validator` rules and
//!   as parsed types that print masked.
//!
//! Problems are rendered later, at the HTTP edge, in the caller's language: the
//! rejection's response carries the unrendered problem in its extensions (as
//! egov-web's `ApiError` does), and egov-web's problem layer writes the
//! `application/problem+json` body.
//!
//! ```
//! use axum::{Json, Router, body::Body, http::Request, routing::post};
//! use egov_core::problem::{Problem, ProblemType};
//! use egov_validation::Valid;
//! use serde::Deserialize;
//! use tower::ServiceExt;
//! use validator::Validate;
//!
//! #[derive(Deserialize, Validate)]
//! struct Applicant {
//!     #[validate(length(min = 2, max = 20))]
//!     name: String,
//!     #[validate(custom(function = "egov_validation::korean::phone_number"))]
//!     phone: String,
//! }
//!
//! #[derive(Deserialize, Validate)]
//! struct NewPetition {
//!     #[validate(length(min = 1, max = 100))]
//!     title: String,
//!     #[validate(nested)]
//!     applicant: Applicant,
//! }
//!
//! async fn create(Valid(Json(petition)): Valid<Json<NewPetition>>) -> String {
//!     petition.title
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let app = Router::new().route("/petitions", post(create));
//! let request = Request::post("/petitions")
//!     .header("content-type", "application/json")
//!     .body(Body::from(r#"{"title": "", "applicant": {"name": "홍길동", "phone": "010-12"}}"#))
//!     .unwrap();
//! let response = app.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), 422);
//! let problem = response.extensions().get::<Problem>().unwrap();
//! assert_eq!(problem.problem_type(), &ProblemType::VALIDATION_FAILED);
//! let fields: Vec<(&str, &str, &str)> = problem
//!     .errors()
//!     .iter()
//!     .map(|e| (e.field.as_str(), e.code.as_ref(), e.message.key()))
//!     .collect();
//! assert_eq!(fields, [
//!     ("/applicant/phone", "phone_number", "validation-phone_number"),
//!     ("/title", "length", "validation-length"),
//! ]);
//! # });
//! ```
//!
//! # Rules of your own
//!
//! A rule is a function returning [`validator::ValidationError`] with a code; ship
//! the message `validation-{code}` in your application's Fluent files (in every
//! locale) and hand them to the message catalog after the framework's:
//!
//! ```
//! use egov_core::message::{MessageCatalog, StaticCatalog};
//! use validator::{Validate, ValidationError};
//!
//! fn petition_title(title: &str) -> Result<(), ValidationError> {
//!     if title.chars().any(|c| c.is_ascii_digit()) && title.chars().all(|c| !c.is_alphabetic()) {
//!         return Err(ValidationError::new("petition_title"));
//!     }
//!     Ok(())
//! }
//!
//! #[derive(Validate)]
//! struct Petition {
//!     #[validate(custom(function = "petition_title"))]
//!     title: String,
//! }
//!
//! // locales/ko/my-service.ftl
//! let app_messages = StaticCatalog::from_entries([
//!     ("ko", "validation-petition_title", "청원 제목은 글자를 포함해야 합니다."),
//!     ("en", "validation-petition_title", "A petition title must contain words."),
//! ]);
//! let errors = Petition { title: "1234".into() }.validate().unwrap_err();
//! let problem = egov_validation::problem::validation_problem(&errors);
//! let message = &problem.errors()[0].message;
//! assert_eq!(message.key(), "validation-petition_title");
//! assert_eq!(app_messages.format("ko", message).unwrap(), "청원 제목은 글자를 포함해야 합니다.");
//! ```
//!
//! # Performance
//!
//! Parsing (and, for the rules, validating) one identifier, measured with
//! `cargo bench -p egov-validation --bench validation -- --warm-up-time 1
//! --measurement-time 3` (criterion, median; 2 shared cores):
//!
//! | benchmark | what | median |
//! |---|---|---|
//! | `resident_number/parse` | `"900101-1234568".parse::<ResidentNumber>()` (reads the clock for "today") | 137 ns |
//! | `resident_number/parse_at` | `ResidentNumber::parse_at("9001011234568", date)` | 66 ns |
//! | `resident_number/rule` | `korean::resident_number("900101-1234568")` | 158 ns |
//! | `business_number/parse` | `"124-81-00998".parse::<BusinessNumber>()` | 45 ns |
//! | `business_number/rule` | `korean::business_number("1248100998")` | 44 ns |
//! | `phone_number/parse` | `"010-1234-5678".parse::<PhoneNumber>()` | 62 ns |
//! | `phone_number/parse_international` | `"+82 10 1234 5678".parse::<PhoneNumber>()` | 61 ns |
//! | `phone_number/rule` | `korean::phone_number("01012345678")` | 59 ns |
//! | `phone_number/display_masked` | `phone.to_string()` (egov-privacy's mask) | 472 ns |
//! | `json/from_json_slice_valid` | a 3-field body with a length rule, a phone rule and a `BusinessNumber` | 893 ns |
//! | `json/from_json_slice_422` | the same body failing two rules (problem built, fields named) | 4.9 µs |
//!
//! Measured with the machine's load average at about 2.5 (other builds running);
//! expect less on an idle machine. The identifiers allocate nothing when parsed.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod date;
#[cfg(feature = "axum")]
pub mod extract;
pub mod korean;
pub mod problem;
pub mod rules;
mod versioned;

#[cfg(feature = "axum")]
pub use extract::{Valid, ValidationRejection};
pub use versioned::Versioned;

/// egov-validation's messages in Korean and English: `validation-{code}` for
/// every built-in `validator` rule (with the `length`/`range` refinements described
/// in [`problem`]), the deserialization codes (`type`, `unknown_field`,
/// `invalid`), the Korean identifier codes, and the details of the 400 problems
/// (`problem-bad-request-body`, `-query`, `-form`, `-path`).
pub static MESSAGES: egov_core::message::FluentResources = egov_core::message::FluentResources {
    component: "egov-validation",
    files: &[
        ("ko", include_str!("../locales/ko/egov-validation.ftl")),
        ("en", include_str!("../locales/en/egov-validation.ftl")),
    ],
};
