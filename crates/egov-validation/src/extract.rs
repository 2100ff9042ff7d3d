//! The `Valid<…>` extractors for axum (feature `axum`, on by default).
//!
//! | extractor | reads | content type (else 415) |
//! |---|---|---|
//! | `Valid<Json<T>>` | the body, through axum (so `DefaultBodyLimit` applies: 413) | `application/json` or `application/*+json` |
//! | `Valid<Form<T>>` | the body; the query string for `GET`/`HEAD` | `application/x-www-form-urlencoded` |
//! | `Valid<Query<T>>` | the query string | — |
//! | `Valid<Path<T>>` | the route's path parameters | — |
//!
//! `T` is deserialized with serde and then checked with [`validator::Validate`].
//! On failure the extractor rejects with a [`ValidationRejection`] holding an
//! unrendered [`Problem`]:
//!
//! - malformed syntax → 400 `bad-request` (`problem-bad-request-json` for JSON);
//! - a data error that names a field → 422 `validation-failed` with that field's
//!   error: code `required` (missing), `type` (wrong JSON type), `unknown_field`,
//!   an identifier's code (e.g. `business_number` for a field of type
//!   [`BusinessNumber`](crate::korean::BusinessNumber)), or `invalid` (anything
//!   else, e.g. query, form and path text that is not a number); other data
//!   errors → 400 (`problem-bad-request-body`, `-query`, `-form`, `-path`);
//! - failed rules → 422 `validation-failed`, detail
//!   `problem-validation-failed-detail` with `$count`, and one field error per
//!   failed rule (see [`crate::problem`]);
//! - wrong content type → 415 `unsupported-media-type`, detail
//!   `problem-unsupported-media-type-detail` with `$expected`;
//! - body over the limit → 413 `payload-too-large`.
//!
//! No input yields a 500 or a panic. The one 500 is a programming error: a
//! `Valid<Path<T>>` whose `T` does not fit the route's parameters (logged).
//!
//! Field pointers use the member names of the request data: validator reports
//! Rust field names, and each is matched to the member of the JSON body (or
//! query/form key) that holds it — exactly, or ignoring case, `_` and `-`, so
//! `#[serde(rename_all = "camelCase")]` structs get `/firstName`.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{
    Form, FromRequest, FromRequestParts, Json, Path, Query, RawPathParams, Request,
};
use axum::response::{IntoResponse, Response};
use egov_core::message::Message;
use egov_core::problem::{Problem, ProblemType};
use http::request::Parts;
use http::{HeaderMap, Method, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;
use validator::Validate;

use crate::problem::{
    Segment, bad_request, data_problem, every_field_error, field_problem, path_segments,
    validate_in, validation_problem_in,
};

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// An extractor wrapper that validates what the inner extractor (`Json`,
/// `Query`, `Form` or `Path`) produces; see the [module docs](self).
///
/// ```
/// use axum::Json;
/// use egov_validation::Valid;
/// use serde::Deserialize;
/// use validator::Validate;
///
/// #[derive(Deserialize, Validate)]
/// struct NewPetition {
///     #[validate(length(min = 1, max = 100))]
///     title: String,
///     #[validate(custom(function = "egov_validation::korean::phone_number"))]
///     phone: String,
/// }
///
/// async fn create(Valid(Json(petition)): Valid<Json<NewPetition>>) -> String {
///     petition.title
/// }
/// # let _: axum::Router = axum::Router::new().route("/petitions", axum::routing::post(create));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Valid<E>(pub E);

impl<E> Valid<E> {
    /// The inner extractor.
    pub fn into_inner(self) -> E {
        self.0
    }
}

impl<E> Deref for Valid<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.0
    }
}

impl<E> DerefMut for Valid<E> {
    fn deref_mut(&mut self) -> &mut E {
        &mut self.0
    }
}

/// The rejection of the [`Valid`] extractors: an unrendered [`Problem`].
///
/// As a response it has the problem's status, an empty body, and the
/// [`Problem`] itself in the response extensions, where egov-web's problem layer
/// finds it and renders it as `application/problem+json` in the caller's
/// language (as it does for `ApiError`). Handlers that want to add to the problem
/// can take `Result<Valid<…>, ValidationRejection>` and use
/// [`into_problem`](Self::into_problem).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("request rejected: {0}")]
pub struct ValidationRejection(Problem);

impl ValidationRejection {
    /// The problem.
    pub fn problem(&self) -> &Problem {
        &self.0
    }

    /// The problem, by value.
    pub fn into_problem(self) -> Problem {
        self.0
    }
}

impl From<Problem> for ValidationRejection {
    fn from(problem: Problem) -> Self {
        Self(problem)
    }
}

impl From<ValidationRejection> for Problem {
    fn from(rejection: ValidationRejection) -> Self {
        rejection.0
    }
}

egov_http::into_problem!(ValidationRejection);

impl IntoResponse for ValidationRejection {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(self.0);
        response
    }
}

fn unsupported_media_type(expected: &'static str) -> ValidationRejection {
    ValidationRejection(
        Problem::new(ProblemType::UNSUPPORTED_MEDIA_TYPE).with_detail(
            Message::new("problem-unsupported-media-type-detail").arg("expected", expected),
        ),
    )
}

/// The `type/subtype` of the request's content type, when it has one.
fn media_type(headers: &HeaderMap) -> Option<(&str, &str)> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim();
    essence.split_once('/')
}

fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|(ty, subtype)| {
        let subtype = subtype.to_ascii_lowercase();
        ty.eq_ignore_ascii_case("application") && (subtype == "json" || subtype.ends_with("+json"))
    })
}

fn is_form(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|(ty, subtype)| {
        ty.eq_ignore_ascii_case("application")
            && subtype.eq_ignore_ascii_case("x-www-form-urlencoded")
    })
}

/// Reads the body through axum, so `DefaultBodyLimit` (and any limiting body
/// layer) applies.
async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Bytes, ValidationRejection> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            let problem_type = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ProblemType::PAYLOAD_TOO_LARGE
            } else {
                ProblemType::BAD_REQUEST
            };
            ValidationRejection(Problem::new(problem_type))
        })
}

/// The edge rule for text (`egov_core::text`): a refused control character
/// in any field is a 422 naming each such field, before anything else.
fn refuse_controls(errors: Vec<egov_core::problem::FieldError>) -> Result<(), Problem> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(egov_http::text::problem(errors))
    }
}

/// Deserializes and validates `application/x-www-form-urlencoded` data.
fn from_urlencoded<T>(bytes: &[u8], bad_request_detail: &'static str) -> Result<T, Problem>
where
    T: DeserializeOwned + Validate,
{
    refuse_controls(egov_http::text::form_errors(bytes))?;
    let read = |pairs: &[(String, String)]| -> Result<T, Problem> {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            data_problem(
                path_segments(e.path()),
                &e.inner().to_string(),
                bad_request(bad_request_detail),
            )
        })
    };
    let members = || {
        Value::Object(
            form_urlencoded::parse(bytes)
                .map(|(key, _)| (key.into_owned(), Value::Null))
                .collect(),
        )
    };
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    let first = match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Ok(value) => {
            validate_in(&value, || Some(members()))?;
            return Ok(value);
        }
        Err(e) => data_problem(
            path_segments(e.path()),
            &e.inner().to_string(),
            bad_request(bad_request_detail),
        ),
    };
    // An unparsable identifier or date does not hide the other fields'
    // errors: a stand-in takes its value and the form is read again.
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(bytes).into_owned().collect();
    let body = members();
    Err(every_field_error::<T>(
        first,
        Some(&body),
        |field, stand_in| {
            let name = field
                .strip_prefix('/')?
                .replace("~1", "/")
                .replace("~0", "~");
            let mut found = false;
            for (key, value) in &mut pairs {
                if *key == name {
                    *value = stand_in.to_owned();
                    found = true;
                }
            }
            found.then(|| read(&pairs))
        },
    ))
}

impl<T, S> FromRequest<S> for Valid<Json<T>>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = ValidationRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(unsupported_media_type(JSON));
        }
        let bytes = read_body(request, state).await?;
        refuse_controls(egov_http::text::json_errors(&bytes))?;
        Ok(Valid(Json(crate::problem::from_json_slice(&bytes)?)))
    }
}

impl<T, S> FromRequestParts<S> for Valid<Query<T>>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = ValidationRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let value = from_urlencoded(query.as_bytes(), "problem-bad-request-query")?;
        Ok(Valid(Query(value)))
    }
}

impl<T, S> FromRequest<S> for Valid<Form<T>>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = ValidationRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if request.method() == Method::GET || request.method() == Method::HEAD {
            let query = request.uri().query().unwrap_or_default();
            let value = from_urlencoded(query.as_bytes(), "problem-bad-request-query")?;
            return Ok(Valid(Form(value)));
        }
        if !is_form(request.headers()) {
            return Err(unsupported_media_type(FORM));
        }
        let bytes = read_body(request, state).await?;
        let value = from_urlencoded(&bytes, "problem-bad-request-form")?;
        Ok(Valid(Form(value)))
    }
}

impl<T, S> FromRequestParts<S> for Valid<Path<T>>
where
    T: DeserializeOwned + Validate + Send,
    S: Send + Sync,
{
    type Rejection = ValidationRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if egov_http::text::path_is_refused(parts.uri.path()) {
            return Err(ValidationRejection(
                Problem::new(ProblemType::BAD_REQUEST)
                    .with_detail(Message::new("problem-bad-request-control-characters")),
            ));
        }
        let Path(value) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(path_problem)?;
        if let Err(errors) = value.validate() {
            let names = RawPathParams::from_request_parts(parts, state)
                .await
                .ok()
                .map(|params| {
                    Value::Object(
                        params
                            .iter()
                            .map(|(key, _)| (key.to_owned(), Value::Null))
                            .collect(),
                    )
                });
            return Err(validation_problem_in(&errors, names.as_ref()).into());
        }
        Ok(Valid(Path(value)))
    }
}

fn path_problem(rejection: PathRejection) -> Problem {
    const DETAIL: &str = "problem-bad-request-path";
    let misuse = |what: &str| {
        tracing::error!(
            rejection = what,
            "Valid<Path<T>>: T does not fit the route's path parameters"
        );
        Problem::internal()
    };
    let PathRejection::FailedToDeserializePathParams(error) = rejection else {
        return misuse("missing path parameters");
    };
    match error.into_kind() {
        // Text that does not parse as the field's type, as in query strings.
        ErrorKind::ParseErrorAtKey { key, .. } => {
            field_problem(&[Segment::Key(key)], Cow::Borrowed("invalid"))
        }
        ErrorKind::DeserializeError { key, message, .. } => {
            data_problem(Some(vec![Segment::Key(key)]), &message, bad_request(DETAIL))
        }
        ErrorKind::WrongNumberOfParameters { .. } => misuse("wrong number of parameters"),
        ErrorKind::UnsupportedType { .. } => misuse("unsupported type"),
        // The router matched, so every parameter of the route is there: a missing
        // one is a field of `T` the route does not have.
        ErrorKind::Message(message) if message.starts_with("missing field") => {
            misuse("a field of T is not a parameter of the route")
        }
        _ => bad_request(DETAIL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = content_type.parse() {
            headers.insert(header::CONTENT_TYPE, value);
        }
        headers
    }

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "application/json;charset=utf-8",
            "Application/JSON",
            "application/problem+json",
            "application/cloudevents+json",
        ] {
            assert!(is_json(&headers(ok)), "{ok}");
        }
        for bad in [
            "",
            "text/json",
            "application/jsonx",
            "json",
            "application/x-www-form-urlencoded",
            "application/",
        ] {
            assert!(!is_json(&headers(bad)), "{bad}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn form_content_types() {
        assert!(is_form(&headers("application/x-www-form-urlencoded")));
        assert!(is_form(&headers(
            "application/x-www-form-urlencoded; charset=UTF-8"
        )));
        assert!(!is_form(&headers("multipart/form-data; boundary=x")));
        assert!(!is_form(&headers("application/json")));
    }

    #[test]
    fn rejection_response_carries_the_problem() {
        let problem = Problem::new(ProblemType::VALIDATION_FAILED);
        let response = ValidationRejection::from(problem.clone()).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.extensions().get::<Problem>(), Some(&problem));
    }
}
