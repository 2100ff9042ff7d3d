//! [`Paging`]: the `page` and `size` query parameters of every list endpoint.

use axum::extract::FromRequestParts;
use egov_core::message::Message;
use egov_core::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest};
use egov_core::problem::{FieldError, Problem, ProblemType};
use http::request::Parts;
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::error::ApiError;

/// The page a list request asks for: `?page=` (from 1, default 1) and
/// `?size=` (1–[`MAX_PAGE_SIZE`], default [`DEFAULT_PAGE_SIZE`]). Other query
/// parameters are left to other extractors.
///
/// A value that is not a number, or out of range, is a 422 problem naming
/// `/page` or `/size` (both, when both are wrong). As a handler argument it
/// documents both parameters in OpenAPI (`params(Paging)`).
///
/// ```
/// use egov_core::paging::{Page, PageRequest};
/// use egov_http::Paging;
///
/// async fn list(Paging(page): Paging) -> axum::Json<Page<String>> {
///     axum::Json(Page::new(Vec::new(), page, 0))
/// }
/// let request = Paging::parse(Some("page=2&size=50&q=x")).unwrap();
/// assert_eq!((request.page(), request.size()), (2, 50));
/// assert_eq!(Paging::parse(Some("size=101")).unwrap_err().errors()[0].field, "/size");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paging(pub PageRequest);

impl Paging {
    /// Reads `page` and `size` from a raw query string.
    ///
    /// # Errors
    ///
    /// The 422 problem listing every bad one of the two.
    pub fn parse(query: Option<&str>) -> Result<PageRequest, Problem> {
        let mut page = Ok(1);
        let mut size = Ok(DEFAULT_PAGE_SIZE);
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let (slot, max) = match name.as_ref() {
                "page" => (&mut page, u32::MAX),
                "size" => (&mut size, MAX_PAGE_SIZE),
                _ => continue,
            };
            *slot = match value.trim().parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(max),
            };
        }
        let mut errors = Vec::new();
        for (field, result) in [("/page", page), ("/size", size)] {
            if let Err(max) = result {
                errors.push(FieldError::new(
                    field,
                    "range",
                    Message::new("field-range").arg("min", 1).arg("max", max),
                ));
            }
        }
        match (page, size) {
            (Ok(page), Ok(size)) => PageRequest::new(page, size).map_err(Problem::from),
            _ => Err(Problem::new(ProblemType::VALIDATION_FAILED)
                .with_detail(
                    Message::new("problem-validation-failed-detail").arg("count", errors.len()),
                )
                .with_field_errors(errors)),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Paging(Self::parse(parts.uri.query())?))
    }
}

impl IntoParams for Paging {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let number = |min: u32, max: u32, default: u32| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(max))
                .default(Some(default.into()))
        };
        vec![
            ParameterBuilder::new()
                .name("page")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("Page number, from 1"))
                .schema(Some(number(1, u32::MAX, 1)))
                .build(),
            ParameterBuilder::new()
                .name("size")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some("Items per page"))
                .schema(Some(number(1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)))
                .build(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(query: &str) -> Vec<String> {
        Paging::parse(Some(query))
            .unwrap_err()
            .errors()
            .iter()
            .map(|e| e.field.clone())
            .collect()
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(Paging::parse(None).unwrap(), PageRequest::default());
        assert_eq!(Paging::parse(Some("size=100")).unwrap().size(), 100);
        assert_eq!(fields("page=0"), ["/page"]);
        assert_eq!(fields("size=0"), ["/size"]);
        assert_eq!(fields("size=101"), ["/size"]);
        assert_eq!(fields("page=x&size=-1"), ["/page", "/size"]);
        assert_eq!(fields("page=99999999999"), ["/page"]);
    }
}
