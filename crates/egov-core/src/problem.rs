//! RFC 9457 problem details.
//!
//! A [`Problem`] is what every error becomes at the HTTP edge. Its `title` and
//! `detail` are [`Message`]s (key + arguments), rendered in the caller's locale only
//! when the response is written, and there is no way to put free text, SQL, file
//! paths or stack traces into it: the only strings a problem carries are message
//! arguments chosen by the code that raised it.
//!
//! A crate answers an HTTP request with a problem by putting the [`Problem`]
//! into the response's extensions (egov-web's `ApiError` does this); the web
//! stack renders it in the caller's locale as `application/problem+json`.
//!
//! Each kind of problem has a stable `type` URI, `urn:egov:problem:{slug}`, that
//! clients may branch on; the slugs of the framework's own kinds are listed in
//! [`ProblemType::WELL_KNOWN`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::message::{Message, MessageCatalog, StaticCatalog, format_with_fallback};

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of every problem `type` URI.
pub const TYPE_URI_PREFIX: &str = "urn:egov:problem:";

/// A kind of problem: a stable slug (the `type` URI is derived from it) and the
/// HTTP status it is reported with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProblemType {
    slug: Cow<'static, str>,
    status: u16,
}

macro_rules! well_known {
    ($( $(#[$doc:meta])* $name:ident = ($slug:literal, $status:literal); )*) => {
        impl ProblemType {
            $( $(#[$doc])* pub const $name: ProblemType = ProblemType::new($slug, $status); )*

            /// The framework's own problem kinds. Their titles are the messages
            /// `problem-{slug}` in egov-core's `.ftl` files.
            pub const WELL_KNOWN: &'static [ProblemType] = &[$(ProblemType::$name),*];
        }
    };
}

well_known! {
    /// 400: the request is syntactically malformed (e.g. invalid JSON).
    BAD_REQUEST = ("bad-request", 400);
    /// 401: no valid credentials were presented.
    UNAUTHENTICATED = ("unauthenticated", 401);
    /// 403: the actor is known but lacks a permission.
    FORBIDDEN = ("forbidden", 403);
    /// 404: no such resource or route.
    NOT_FOUND = ("not-found", 404);
    /// 405: the route exists but not for this method.
    METHOD_NOT_ALLOWED = ("method-not-allowed", 405);
    /// 406: no acceptable representation.
    NOT_ACCEPTABLE = ("not-acceptable", 406);
    /// 409: the request conflicts with the resource's current state.
    CONFLICT = ("conflict", 409);
    /// 412: a precondition (e.g. `If-Match`) failed.
    PRECONDITION_FAILED = ("precondition-failed", 412);
    /// 413: the request body is larger than allowed.
    PAYLOAD_TOO_LARGE = ("payload-too-large", 413);
    /// 414: the request target (path and query) is longer than allowed.
    URI_TOO_LONG = ("uri-too-long", 414);
    /// 415: the request body has an unsupported content type.
    UNSUPPORTED_MEDIA_TYPE = ("unsupported-media-type", 415);
    /// 422: the request is well-formed but fails validation rules.
    VALIDATION_FAILED = ("validation-failed", 422);
    /// 429: too many requests.
    TOO_MANY_REQUESTS = ("too-many-requests", 429);
    /// 431: the request's header fields are too many or too large.
    HEADER_FIELDS_TOO_LARGE = ("header-fields-too-large", 431);
    /// 500: an internal error; nothing about it is disclosed.
    INTERNAL = ("internal", 500);
    /// 503: a dependency (e.g. the database) is unavailable.
    SERVICE_UNAVAILABLE = ("service-unavailable", 503);
    /// 503: the request took longer than the configured deadline.
    TIMEOUT = ("timeout", 503);
}

impl ProblemType {
    /// A problem kind: `slug` is lowercase `kebab-case` and must never change once
    /// published, since clients branch on the `type` URI derived from it.
    pub const fn new(slug: &'static str, status: u16) -> Self {
        Self {
            slug: Cow::Borrowed(slug),
            status,
        }
    }

    /// The slug, e.g. `not-found`.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The HTTP status this kind is reported with.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The stable `type` URI, e.g. `urn:egov:problem:not-found`.
    pub fn uri(&self) -> String {
        format!("{TYPE_URI_PREFIX}{}", self.slug)
    }

    /// The message key of this kind's title: `problem-{slug}`.
    pub fn title_key(&self) -> String {
        format!("problem-{}", self.slug)
    }

    /// The well-known kind reported for a bare HTTP status (used when a response
    /// without a problem body must be turned into one).
    pub fn for_status(status: u16) -> ProblemType {
        match status {
            408 => ProblemType::new("timeout", 408),
            500 => ProblemType::INTERNAL,
            s => Self::WELL_KNOWN
                .iter()
                .find(|t| t.status == s)
                .cloned()
                .unwrap_or_else(|| {
                    ProblemType::new(if s >= 500 { "internal" } else { "bad-request" }, s)
                }),
        }
    }
}

/// The framework's own messages (problem titles and details, generic field
/// messages) as a [`StaticCatalog`], read from egov-core's `.ftl` files
/// ([`crate::MESSAGES`]).
pub fn builtin_catalog() -> StaticCatalog {
    StaticCatalog::from_resources(&crate::MESSAGES)
}

/// One failed field of a request: where (a JSON pointer such as `/name`), which
/// rule (a stable code such as `length`) and the message to show.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the field, e.g. `/applicant/phone`.
    pub field: String,
    /// A stable rule code clients may branch on, e.g. `required`.
    pub code: Cow<'static, str>,
    /// The message to render in the caller's locale.
    pub message: Message,
}

impl FieldError {
    /// A field error; `field` is a JSON pointer.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: Message,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message,
        }
    }
}

/// RFC 9457 problem details, before localization.
///
/// One pointer wide (the details are boxed), so `Result<T, Problem>` stays small
/// on the success path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    inner: Box<ProblemInner>,
}

#[derive(Debug, Clone, PartialEq)]
struct ProblemInner {
    problem_type: ProblemType,
    title: Message,
    detail: Option<Message>,
    instance: Option<String>,
    extensions: BTreeMap<String, serde_json::Value>,
    errors: Vec<FieldError>,
}

impl Problem {
    /// A problem of `problem_type`, titled by its `problem-{slug}` message.
    pub fn new(problem_type: ProblemType) -> Self {
        let title = Message::new(problem_type.title_key());
        Self {
            inner: Box::new(ProblemInner {
                problem_type,
                title,
                detail: None,
                instance: None,
                extensions: BTreeMap::new(),
                errors: Vec::new(),
            }),
        }
    }

    /// The opaque 500 problem. Deliberately has no way to attach a cause.
    pub fn internal() -> Self {
        Self::new(ProblemType::INTERNAL)
    }

    /// Replaces the title message.
    #[must_use]
    pub fn with_title(mut self, title: Message) -> Self {
        self.inner.title = title;
        self
    }

    /// Sets the detail message.
    #[must_use]
    pub fn with_detail(mut self, detail: Message) -> Self {
        self.inner.detail = Some(detail);
        self
    }

    /// Sets `instance`, a URI reference for this occurrence (e.g. the request path).
    #[must_use]
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.inner.instance = Some(instance.into());
        self
    }

    /// Adds an extension member. The standard member names (`type`, `title`,
    /// `status`, `detail`, `instance`, `errors`) are reserved and ignored here.
    #[must_use]
    pub fn with_extension(
        mut self,
        name: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        let name = name.into();
        if !matches!(
            name.as_str(),
            "type" | "title" | "status" | "detail" | "instance" | "errors"
        ) {
            self.inner.extensions.insert(name, value.into());
        }
        self
    }

    /// Adds a per-field error.
    #[must_use]
    pub fn with_field_error(mut self, error: FieldError) -> Self {
        self.inner.errors.push(error);
        self
    }

    /// Adds several per-field errors.
    #[must_use]
    pub fn with_field_errors(mut self, errors: impl IntoIterator<Item = FieldError>) -> Self {
        self.inner.errors.extend(errors);
        self
    }

    /// The problem's kind.
    pub fn problem_type(&self) -> &ProblemType {
        &self.inner.problem_type
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.inner.problem_type.status
    }

    /// The title message.
    pub fn title(&self) -> &Message {
        &self.inner.title
    }

    /// The detail message, if any.
    pub fn detail(&self) -> Option<&Message> {
        self.inner.detail.as_ref()
    }

    /// The instance URI, if any.
    pub fn instance(&self) -> Option<&str> {
        self.inner.instance.as_deref()
    }

    /// The per-field errors.
    pub fn errors(&self) -> &[FieldError] {
        &self.inner.errors
    }

    /// The extension members.
    pub fn extensions(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.inner.extensions
    }

    /// Renders the problem in `locale` (falling back through `fallbacks`, then to
    /// the message key) into the JSON document sent to clients.
    pub fn render(
        &self,
        catalogs: &[&dyn MessageCatalog],
        locale: &str,
        fallbacks: &[&str],
    ) -> RenderedProblem {
        let text = |m: &Message| format_with_fallback(catalogs, locale, fallbacks, m);
        RenderedProblem {
            problem_type: self.inner.problem_type.uri(),
            title: text(&self.inner.title),
            status: self.status(),
            detail: self.inner.detail.as_ref().map(text),
            instance: self.inner.instance.clone(),
            errors: self
                .errors()
                .iter()
                .map(|e| RenderedFieldError {
                    field: e.field.clone(),
                    code: e.code.to_string(),
                    message: text(&e.message),
                })
                .collect(),
            extensions: self.inner.extensions.clone(),
        }
    }
}

impl From<ProblemType> for Problem {
    fn from(problem_type: ProblemType) -> Self {
        Problem::new(problem_type)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.inner.problem_type.uri(), self.status())
    }
}

impl std::error::Error for Problem {}

/// A problem rendered in one locale: the `application/problem+json` document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedProblem {
    /// `type`: the stable URI of the kind.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// `title`: localized summary of the kind.
    pub title: String,
    /// `status`: the HTTP status.
    pub status: u16,
    /// `detail`: localized explanation of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `instance`: URI reference of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// `errors`: per-field errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RenderedFieldError>,
    /// Extension members.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, serde_json::Value>,
}

/// One rendered per-field error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedFieldError {
    /// JSON pointer to the field.
    pub field: String,
    /// Stable rule code.
    pub code: String,
    /// Localized message.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rfc9457_members_in_each_locale() {
        let catalog = builtin_catalog();
        let problem = Problem::new(ProblemType::PAYLOAD_TOO_LARGE)
            .with_detail(Message::new("problem-payload-too-large-detail").arg("limit", 1024))
            .with_instance("/api/greetings")
            .with_extension("limit", 1024);
        let en = serde_json::to_value(problem.render(&[&catalog], "en", &[])).unwrap();
        assert_eq!(en["type"], "urn:egov:problem:payload-too-large");
        assert_eq!(en["title"], "Request body too large");
        assert_eq!(en["status"], 413);
        assert_eq!(en["detail"], "The request body may be at most 1024 bytes.");
        assert_eq!(en["instance"], "/api/greetings");
        assert_eq!(en["limit"], 1024);
        let ko = problem.render(&[&catalog], "ko", &[]);
        assert_eq!(ko.title, "요청 본문이 너무 큽니다");
    }

    #[test]
    fn reserved_extension_names_cannot_override_members() {
        let problem = Problem::new(ProblemType::NOT_FOUND).with_extension("status", 200);
        let rendered = serde_json::to_value(problem.render(&[], "en", &[])).unwrap();
        assert_eq!(rendered["status"], 404);
    }

    #[test]
    fn field_errors_are_rendered_with_pointer_code_and_message() {
        let catalog = builtin_catalog();
        let problem =
            Problem::new(ProblemType::VALIDATION_FAILED).with_field_error(FieldError::new(
                "/name",
                "length",
                Message::new("field-length").arg("min", 1).arg("max", 50),
            ));
        let en = serde_json::to_value(problem.render(&[&catalog], "en", &[])).unwrap();
        assert_eq!(
            en["errors"],
            serde_json::json!([{"field": "/name", "code": "length", "message": "Must be between 1 and 50 characters."}])
        );
    }

    #[test]
    fn every_well_known_kind_has_a_title_in_both_builtin_locales() {
        let catalog = builtin_catalog();
        for kind in ProblemType::WELL_KNOWN {
            for locale in ["ko", "en"] {
                assert!(
                    catalog
                        .format(locale, &Message::new(kind.title_key()))
                        .is_some(),
                    "{} has no {locale} title",
                    kind.slug()
                );
            }
        }
    }

    #[test]
    fn status_maps_to_a_well_known_kind() {
        assert_eq!(ProblemType::for_status(404), ProblemType::NOT_FOUND);
        assert_eq!(ProblemType::for_status(413), ProblemType::PAYLOAD_TOO_LARGE);
        assert_eq!(ProblemType::for_status(408).slug(), "timeout");
        let bad_gateway = ProblemType::for_status(502);
        assert_eq!(
            (bad_gateway.slug(), bad_gateway.status()),
            ("internal", 502)
        );
        let teapot = ProblemType::for_status(418);
        assert_eq!((teapot.slug(), teapot.status()), ("bad-request", 418));
    }
}
