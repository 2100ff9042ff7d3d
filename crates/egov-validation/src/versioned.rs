//! [`Versioned<T>`]: a body that changes a record, carrying the version the
//! caller read (optimistic concurrency) next to the record's fields.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::{Validate, ValidationErrors};

/// The fields of `T` (flattened: the same JSON object) plus `version`, the
/// version of the record the caller read. One input type then serves both
/// `POST` (`T`) and `PUT` (`Versioned<T>`):
///
/// ```
/// use egov_validation::Versioned;
/// use validator::Validate;
///
/// #[derive(serde::Deserialize, Validate)]
/// struct NewNotice {
///     #[validate(length(min = 1, max = 100))]
///     title: String,
/// }
///
/// let update: Versioned<NewNotice> = serde_json::from_str(r#"{"title": "휴관 안내", "version": 3}"#).unwrap();
/// assert_eq!((update.value.title.as_str(), update.version), ("휴관 안내", 3));
/// let empty: Versioned<NewNotice> = serde_json::from_str(r#"{"title": "", "version": 3}"#).unwrap();
/// assert!(empty.validate().unwrap_err().field_errors().contains_key("title"));
/// assert!(serde_json::from_str::<Versioned<NewNotice>>(r#"{"title": "x"}"#).is_err());
/// ```
///
/// Validation is `T`'s, with errors named as `T`'s fields (`/title`). Its
/// OpenAPI schema is `T`'s fields (flattened) and the required integer
/// `version`. (Through serde's `flatten`, a field of `T` with the wrong JSON
/// type is reported at the body rather than at the field.)
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(description = "The record's fields and the version the caller read")]
pub struct Versioned<T> {
    /// The record's fields.
    #[serde(flatten)]
    pub value: T,
    /// The version the caller read; a newer stored one means someone else
    /// changed the record since.
    pub version: i64,
}

impl<T: Validate> Validate for Versioned<T> {
    fn validate(&self) -> Result<(), ValidationErrors> {
        self.value.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    #[derive(Deserialize, Validate, ToSchema)]
    #[allow(dead_code)]
    struct NewNotice {
        title: String,
    }

    /// Changes a notice.
    #[utoipa::path(put, path = "/notices/{id}", request_body = Versioned<NewNotice>,
        params(("id" = String, Path)), responses((status = 200)))]
    #[allow(dead_code)]
    fn update() {}

    #[test]
    fn the_schema_has_the_fields_and_the_version() {
        #[derive(OpenApi)]
        #[openapi(paths(update), components(schemas(NewNotice)))]
        struct Doc;
        let json = serde_json::to_value(Doc::openapi()).unwrap();
        let text = json.to_string();
        assert!(text.contains("\"version\""), "{text}");
        assert!(text.contains("NewNotice"), "{text}");
        assert!(
            !text.contains("serde_json::from_str"),
            "the docs' example is not the description"
        );
    }
}
