//! [`Versioned<T>`]: a body that changes a record, carrying the version the
//! caller read (optimistic concurrency) next to the record's fields.

use std::borrow::Cow;

use serde::Deserialize;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};
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
/// OpenAPI schema is `Versioned{T}`: `T`'s schema and the required integer
/// `version`. (Through serde's `flatten`, a field of `T` with the wrong JSON
/// type is reported at the body rather than at the field.)
#[derive(Debug, Clone, Deserialize)]
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

impl<T: ToSchema> PartialSchema for Versioned<T> {
    fn schema() -> RefOr<Schema> {
        AllOfBuilder::new()
            .item(Ref::from_schema_name(T::name()))
            .item(
                ObjectBuilder::new()
                    .property(
                        "version",
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .description(Some("The version read")),
                    )
                    .required("version"),
            )
            .into()
    }
}

impl<T: ToSchema> ToSchema for Versioned<T> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Versioned{}", T::name()))
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}
