//! Typed use in applications: fields that accept only a currently valid code of
//! a group.
//!
//! `validator` rules cannot take the registry as an argument, so the process
//! installs its [`CodeRegistry`] once ([`CodeRegistry::install_global`]) and the
//! rules read its snapshot (lock-free). A failed rule has the code `code_of`
//! and the message `validation-code_of` with `$group`, the group's id — e.g.
//! "PETITION_TYPE 코드 그룹에 없거나 지금 사용할 수 없는 코드입니다." — which
//! egov-validation's extractors turn into a 422 field error. "Currently valid"
//! means valid today in the agency's calendar ([`CodeRegistry::today`]): the
//! group and the code are active and today lies in the code's validity. With
//! no registry installed every code is refused (and a warning is logged).
//!
//! There is **one registry per process**: installing another replaces the
//! previous one for every rule in the process (a service has one database, so
//! one registry — egov-web's `App::codes` installs it). Tests that install
//! registries of their own must not overlap within one process (`cargo test`
//! runs a binary's tests as threads of one process): hold a static
//! `tokio::sync::Mutex` for the whole of each such test, or run them under
//! `cargo nextest`, which gives each test its own process.
//!
//! Two ways to declare a field:
//!
//! ```
//! use egov_codes::validate::CodeOf;
//! use validator::Validate;
//!
//! // A marker type per group, and fields of type `CodeOf<Marker>`: the group is
//! // part of the type, and the JSON form is the plain code string.
//! egov_codes::code_group!(pub PetitionType = "PETITION_TYPE");
//!
//! // Or a rule function for a plain `String` field.
//! egov_codes::code_rule!(region_code, "REGION");
//!
//! #[derive(serde::Deserialize, Validate)]
//! struct NewPetition {
//!     #[validate(custom(function = "egov_codes::validate::valid_code"))]
//!     kind: CodeOf<PetitionType>,
//!     #[validate(custom(function = "region_code"))]
//!     region: String,
//! }
//!
//! // In a utoipa-documented body, give the field `#[schema(value_type = String)]`
//! // (utoipa cannot see through the marker type).
//! let petition: NewPetition =
//!     serde_json::from_str(r#"{"kind": "01", "region": "11"}"#).unwrap();
//! assert_eq!(petition.kind.as_str(), "01");
//! // No registry is installed in this example: nothing is valid.
//! let errors = petition.validate().unwrap_err();
//! let kind = &errors.field_errors()["kind"][0];
//! assert_eq!(kind.code, "code_of");
//! assert_eq!(kind.params["group"], "PETITION_TYPE");
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
pub use validator::ValidationError;

use crate::CodeRegistry;

static GLOBAL: ArcSwapOption<CodeRegistry> = ArcSwapOption::const_empty();

/// The validation code of a failed code rule.
pub const CODE: &str = "code_of";

impl CodeRegistry {
    /// Makes this registry the one the `validator` rules of this module read,
    /// replacing any installed before (there is one per process).
    pub fn install_global(&self) {
        GLOBAL.store(Some(Arc::new(self.clone())));
    }
}

/// The installed registry, if any.
pub fn global() -> Option<Arc<CodeRegistry>> {
    GLOBAL.load_full()
}

/// Checks that `code` is a currently valid code of `group`, as a `validator`
/// rule would.
pub fn check(group: &'static str, code: &str) -> Result<(), ValidationError> {
    let guard = GLOBAL.load();
    let valid = match guard.as_ref() {
        Some(registry) => registry.is_valid(group, code),
        None => {
            tracing::warn!(group, "no code registry installed: refusing every code");
            false
        }
    };
    if valid {
        Ok(())
    } else {
        let mut error = ValidationError::new(CODE);
        error.add_param(Cow::Borrowed("group"), &group);
        Err(error)
    }
}

/// A code group known at compile time: implement it on a marker type (or use
/// [`code_group!`](crate::code_group)).
pub trait CodeGroupId {
    /// The group's id.
    const GROUP: &'static str;
}

/// A code of group `G`, as sent by a client: any string until validated with
/// [`valid_code`]. Serializes as the plain code.
pub struct CodeOf<G> {
    code: String,
    _group: PhantomData<fn() -> G>,
}

impl<G> CodeOf<G> {
    /// Wraps `code` (not validated).
    pub fn new(code: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            _group: PhantomData,
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The code, owned.
    pub fn into_inner(self) -> String {
        self.code
    }
}

impl<G: CodeGroupId> CodeOf<G> {
    /// The group's id.
    pub fn group(&self) -> &'static str {
        G::GROUP
    }
}

impl<G> Clone for CodeOf<G> {
    fn clone(&self) -> Self {
        Self::new(self.code.clone())
    }
}

impl<G> PartialEq for CodeOf<G> {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl<G> Eq for CodeOf<G> {}

impl<G> fmt::Debug for CodeOf<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.code, f)
    }
}

impl<G> fmt::Display for CodeOf<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl<G> Serialize for CodeOf<G> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code)
    }
}

impl<'de, G> Deserialize<'de> for CodeOf<G> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

#[cfg(feature = "axum")]
impl<G> utoipa::PartialSchema for CodeOf<G> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        String::schema()
    }
}

#[cfg(feature = "axum")]
impl<G> utoipa::ToSchema for CodeOf<G> {}

/// The `validator` rule for [`CodeOf`] fields:
/// `#[validate(custom(function = "egov_codes::validate::valid_code"))]`.
pub fn valid_code<G: CodeGroupId>(value: &CodeOf<G>) -> Result<(), ValidationError> {
    check(G::GROUP, &value.code)
}

/// Declares a marker type for a code group: `code_group!(pub PetitionType =
/// "PETITION_TYPE");` then use `CodeOf<PetitionType>`.
#[macro_export]
macro_rules! code_group {
    ($vis:vis $name:ident = $group:literal) => {
        #[doc = concat!("The code group `", $group, "`.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis struct $name;
        impl $crate::validate::CodeGroupId for $name {
            const GROUP: &'static str = $group;
        }
    };
}

/// Declares a `validator` rule function for a `String` field:
/// `code_rule!(petition_type, "PETITION_TYPE");` then
/// `#[validate(custom(function = "petition_type"))]`.
#[macro_export]
macro_rules! code_rule {
    ($vis:vis $name:ident, $group:literal) => {
        #[doc = concat!("Accepts only a currently valid code of `", $group, "`.")]
        $vis fn $name(value: &str) -> ::std::result::Result<(), $crate::validate::ValidationError> {
            $crate::validate::check($group, value)
        }
    };
}
