//! Korean identifiers as parsed types and as `validator` rules.
//!
//! | type | rule (`custom` function) and code | canonical form | checks |
//! |---|---|---|---|
//! | [`ResidentNumber`] 주민등록번호 | [`resident_number`] | `YYMMDD-GNNNNNC` | layout, 7th digit, real birth date not in the future; **no checksum** |
//! | [`ForeignerNumber`] 외국인등록번호 | [`foreigner_number`] | `YYMMDD-GNNNNNC` | as above with G ∈ 5–8 |
//! | [`BusinessNumber`] 사업자등록번호 | [`business_number`] | `XXX-XX-XXXXX` | layout, check digit |
//! | [`CorporateNumber`] 법인등록번호 | [`corporate_number`] | `XXXXXX-XXXXXXX` | layout, check digit |
//! | [`PhoneNumber`] 전화번호 | [`phone_number`] | `010-1234-5678`, `02-234-5678`, `1588-1234` | prefix in use, length, grouping |
//! | [`PostalCode`] 우편번호 | [`postal_code`] | `03154` | five digits |
//!
//! The code of each rule (and of [`IdKind::code`]) is the function's name; its
//! message is `validation-{code}` in [`crate::MESSAGES`].
//!
//! # Personal data
//!
//! The values are constructed only by parsing ([`std::str::FromStr`], or `parse_at`
//! for resident numbers). `Debug`, `Display` and `Serialize` show the **masked**
//! form from [`egov_privacy::mask`], so a value can be logged, traced or put in a
//! response without leaking it; the number itself is available only through the
//! explicit, greppable `expose()` (canonical form). To store or send the full
//! number with serde, opt in per field:
//!
//! ```
//! use egov_validation::korean::PhoneNumber;
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Contact {
//!     /// Serialized masked: `010-****-5678`-style.
//!     shown: PhoneNumber,
//!     /// Serialized in full (e.g. for storage): an explicit opt-in.
//!     #[serde(with = "egov_validation::korean::exposed")]
//!     stored: PhoneNumber,
//! }
//!
//! let phone: PhoneNumber = "+82 10 1234 5678".parse().unwrap();
//! let contact = Contact { shown: phone.clone(), stored: phone };
//! let json = serde_json::to_value(&contact).unwrap();
//! assert_eq!(json["stored"], "010-1234-5678");
//! assert_ne!(json["shown"], "010-1234-5678");
//! ```
//!
//! # As `validator` rules
//!
//! ```
//! use validator::Validate;
//!
//! #[derive(Validate)]
//! struct Registration {
//!     #[validate(custom(function = "egov_validation::korean::business_number"))]
//!     business_number: String,
//!     #[validate(custom(function = "egov_validation::korean::phone_number"))]
//!     phone: Option<String>,
//! }
//!
//! let ok = Registration { business_number: "124-81-00998".into(), phone: None };
//! assert!(ok.validate().is_ok());
//! let bad = Registration { business_number: "124-81-00999".into(), phone: Some("010-12".into()) };
//! let errors = bad.validate().unwrap_err();
//! assert_eq!(errors.field_errors()["business_number"][0].code, "business_number");
//! assert_eq!(errors.field_errors()["phone"][0].code, "phone_number");
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use validator::ValidationError;

mod business;
mod phone;
mod postal;
mod resident;

pub use business::{BusinessNumber, CorporateNumber};
pub use phone::{PhoneKind, PhoneNumber};
pub use postal::PostalCode;
pub use resident::{ForeignerNumber, ResidentNumber, Sex};

/// Which Korean identifier a value or an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// 주민등록번호.
    ResidentNumber,
    /// 외국인등록번호.
    ForeignerNumber,
    /// 사업자등록번호.
    BusinessNumber,
    /// 법인등록번호.
    CorporateNumber,
    /// 전화번호.
    PhoneNumber,
    /// 우편번호.
    PostalCode,
}

impl IdKind {
    /// Every kind.
    pub const ALL: [IdKind; 6] = [
        IdKind::ResidentNumber,
        IdKind::ForeignerNumber,
        IdKind::BusinessNumber,
        IdKind::CorporateNumber,
        IdKind::PhoneNumber,
        IdKind::PostalCode,
    ];

    /// The stable rule code, e.g. `resident_number`: the `code` of the
    /// [`ValidationError`] the rule returns, and `validation-{code}` is its message.
    pub const fn code(self) -> &'static str {
        match self {
            IdKind::ResidentNumber => "resident_number",
            IdKind::ForeignerNumber => "foreigner_number",
            IdKind::BusinessNumber => "business_number",
            IdKind::CorporateNumber => "corporate_number",
            IdKind::PhoneNumber => "phone_number",
            IdKind::PostalCode => "postal_code",
        }
    }

    /// A valid value of this kind that is nobody's (a test number): what the
    /// extractors put in place of an unparsable one to go on reading the
    /// request, so that its other fields' errors are reported too.
    pub(crate) const fn stand_in(self) -> &'static str {
        match self {
            IdKind::ResidentNumber => "900101-1234568",
            IdKind::ForeignerNumber => "900101-5234568",
            IdKind::BusinessNumber => "124-81-00998",
            IdKind::CorporateNumber => "130111-0006246",
            IdKind::PhoneNumber => "010-1234-5678",
            IdKind::PostalCode => "03154",
        }
    }

    /// The kind whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<IdKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Why a value is not a valid identifier. Never carries the value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// Wrong length, characters or grouping.
    Format,
    /// The birth date is not a real date in the century the 7th digit implies.
    Date,
    /// The birth date is after today.
    FutureDate,
    /// The 7th digit does not denote this kind of registrant (e.g. a citizen's
    /// number where a foreigner's is expected).
    RegistrantDigit,
    /// The check digit does not match.
    Checksum,
    /// The prefix (area code, mobile or service prefix) is not in use.
    Prefix,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Format => "wrong length, characters or grouping",
            Reason::Date => "the birth date is not a real date",
            Reason::FutureDate => "the birth date is in the future",
            Reason::RegistrantDigit => "the 7th digit does not denote this kind of registrant",
            Reason::Checksum => "the check digit does not match",
            Reason::Prefix => "the prefix is not in use",
        })
    }
}

/// A value that is not a valid identifier of its kind.
///
/// Its `Display` is `invalid {code}: {reason}` and never contains the value, so it
/// is safe to log. Deserializing an identifier fails with this text, which is how
/// the extractors of this crate report the identifier's own code (e.g.
/// `business_number`) for a JSON field of type [`BusinessNumber`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("invalid {}: {reason}", kind.code())]
pub struct ParseIdError {
    kind: IdKind,
    reason: Reason,
}

impl ParseIdError {
    pub(crate) const fn new(kind: IdKind, reason: Reason) -> Self {
        Self { kind, reason }
    }

    /// The identifier the value was parsed as.
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// Why it was rejected.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The error as a `validator` error with the identifier's code and no
    /// parameters (the value is never attached).
    pub fn to_validation_error(&self) -> ValidationError {
        ValidationError::new(self.kind.code())
    }
}

impl From<ParseIdError> for ValidationError {
    fn from(error: ParseIdError) -> Self {
        error.to_validation_error()
    }
}

mod sealed {
    pub trait Sealed {}
}

/// What every identifier type of this module has in common; sealed.
///
/// Generic code (such as [`exposed`]) uses it; applications normally call the
/// inherent methods of the same names.
pub trait KoreanId: FromStr<Err = ParseIdError> + sealed::Sealed {
    /// Which identifier this is.
    const KIND: IdKind;

    /// The full value in canonical form. Personal data: do not log it.
    fn expose(&self) -> &str;

    /// The masked form shown by `Debug`, `Display` and `Serialize`.
    fn masked(&self) -> String;
}

/// Implements expose/masked, Debug, Display, Serialize, Deserialize and
/// [`KoreanId`] from a `canonical: Canonical<N>` field and a masking function.
macro_rules! identifier_impls {
    ($ty:ident, $kind:expr, $mask:expr) => {
        impl $ty {
            /// The full number in canonical form.
            ///
            /// **Personal data**: this is the one way to read the number; do not
            /// log it or put it in responses (use `Display`, which masks).
            pub fn expose(&self) -> &str {
                self.canonical.as_str()
            }

            /// The masked form, as shown by `Debug`, `Display` and `Serialize`.
            pub fn masked(&self) -> String {
                let mask: fn(&str) -> String = $mask;
                mask(self.canonical.as_str())
            }
        }

        impl $crate::korean::sealed::Sealed for $ty {}

        impl $crate::korean::KoreanId for $ty {
            const KIND: $crate::korean::IdKind = $kind;

            fn expose(&self) -> &str {
                $ty::expose(self)
            }

            fn masked(&self) -> String {
                $ty::masked(self)
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($ty))
                    .field(&format_args!("{}", self.masked()))
                    .finish()
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.masked())
            }
        }

        /// Serializes the **masked** form; see [`exposed`](crate::korean::exposed)
        /// to serialize the full number.
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.masked())
            }
        }

        /// Parses a string; an invalid value is an error (`invalid {code}: {reason}`).
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $crate::korean::deserialize_parsed(deserializer)
            }
        }
    };
}
pub(crate) use identifier_impls;

/// Deserializes a string and parses it as `T`.
pub(crate) fn deserialize_parsed<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: KoreanId,
    D: Deserializer<'de>,
{
    struct ParseVisitor<T>(PhantomData<T>);

    impl<T: KoreanId> Visitor<'_> for ParseVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} as a string", T::KIND.code())
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            value.parse().map_err(E::custom)
        }
    }

    deserializer.deserialize_str(ParseVisitor(PhantomData))
}

/// Serde support for the **full** (unmasked) number, an explicit opt-in per field:
/// `#[serde(with = "egov_validation::korean::exposed")]`, or
/// `#[serde(with = "egov_validation::korean::exposed::option")]` for an `Option`.
///
/// Deserializing parses, exactly as the types' own `Deserialize` does.
pub mod exposed {
    use serde::{Deserializer, Serializer};

    use super::KoreanId;

    /// Serializes the canonical full number (see [`KoreanId::expose`]).
    pub fn serialize<T: KoreanId, S: Serializer>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.expose())
    }

    /// Parses the number from a string.
    pub fn deserialize<'de, T: KoreanId, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        super::deserialize_parsed(deserializer)
    }

    /// The same for `Option<T>` fields (`None` is `null`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        use crate::korean::KoreanId;

        /// Serializes `Some` as the canonical full number, `None` as none.
        pub fn serialize<T: KoreanId, S: Serializer>(
            value: &Option<T>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serializer.serialize_some(value.expose()),
                None => serializer.serialize_none(),
            }
        }

        /// Parses `Some` number from a string; `null` is `None`.
        pub fn deserialize<'de, T: KoreanId, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<T>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped<T: KoreanId>(#[serde(with = "super")] T);
            Option::<Wrapped<T>>::deserialize(deserializer).map(|w| w.map(|Wrapped(v)| v))
        }
    }
}

/// Serializes the **full** number: `#[serde(serialize_with =
/// "egov_validation::korean::expose_serialize")]`. The same as
/// [`exposed::serialize`].
pub fn expose_serialize<T: KoreanId, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    exposed::serialize(value, serializer)
}

/// `validator` rule: a resident registration number (주민등록번호) — see
/// [`ResidentNumber`]. Code `resident_number`. The check digit is not required.
///
/// `#[validate(custom(function = "egov_validation::korean::resident_number"))]`
pub fn resident_number(value: &str) -> Result<(), ValidationError> {
    rule::<ResidentNumber>(value)
}

/// `validator` rule: a foreigner registration number (외국인등록번호) — see
/// [`ForeignerNumber`]. Code `foreigner_number`.
pub fn foreigner_number(value: &str) -> Result<(), ValidationError> {
    rule::<ForeignerNumber>(value)
}

/// `validator` rule: a business registration number (사업자등록번호) with a
/// valid check digit — see [`BusinessNumber`]. Code `business_number`.
pub fn business_number(value: &str) -> Result<(), ValidationError> {
    rule::<BusinessNumber>(value)
}

/// `validator` rule: a corporate registration number (법인등록번호) with a valid
/// check digit — see [`CorporateNumber`]. Code `corporate_number`.
pub fn corporate_number(value: &str) -> Result<(), ValidationError> {
    rule::<CorporateNumber>(value)
}

/// `validator` rule: a Korean phone number in any accepted spelling — see
/// [`PhoneNumber`]. Code `phone_number`.
pub fn phone_number(value: &str) -> Result<(), ValidationError> {
    rule::<PhoneNumber>(value)
}

/// `validator` rule: a five-digit postal code — see [`PostalCode`]. Code
/// `postal_code`.
pub fn postal_code(value: &str) -> Result<(), ValidationError> {
    rule::<PostalCode>(value)
}

fn rule<T: KoreanId>(value: &str) -> Result<(), ValidationError> {
    value.parse::<T>().map(drop).map_err(ValidationError::from)
}

/// A canonical ASCII form of at most `N` bytes, kept inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Canonical<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Canonical<N> {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }

    /// Appends an ASCII byte; callers never exceed `N` (bytes beyond are dropped).
    pub(crate) fn push(&mut self, byte: u8) {
        debug_assert!(byte.is_ascii());
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// Appends decimal digits (values 0–9).
    pub(crate) fn push_digits(&mut self, digits: &[u8]) {
        for &d in digits {
            self.push(b'0' + d);
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever pushed, so this never fails.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// Reads `N` decimal digits laid out in `groups` (lengths summing to `N`), either
/// all together or with a `-` between every two groups. `None` for anything else.
pub(crate) fn grouped_digits<const N: usize>(value: &str, groups: &[usize]) -> Option<[u8; N]> {
    let bytes = value.as_bytes();
    let hyphenated = N + groups.len() - 1;
    let mut digits = [0u8; N];
    if bytes.len() == N {
        for (slot, &b) in digits.iter_mut().zip(bytes) {
            *slot = digit(b)?;
        }
        return Some(digits);
    }
    if bytes.len() != hyphenated {
        return None;
    }
    let mut pos = 0;
    let mut n = 0;
    for (g, &len) in groups.iter().enumerate() {
        if g > 0 {
            if bytes[pos] != b'-' {
                return None;
            }
            pos += 1;
        }
        for &b in &bytes[pos..pos + len] {
            digits[n] = digit(b)?;
            n += 1;
        }
        pos += len;
    }
    Some(digits)
}

/// The value of an ASCII decimal digit.
pub(crate) fn digit(byte: u8) -> Option<u8> {
    byte.is_ascii_digit().then(|| byte - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_digits_accepts_compact_and_fully_hyphenated_only() {
        assert_eq!(
            grouped_digits::<5>("12-345", &[2, 3]),
            Some([1, 2, 3, 4, 5])
        );
        assert_eq!(grouped_digits::<5>("12345", &[2, 3]), Some([1, 2, 3, 4, 5]));
        assert_eq!(grouped_digits::<5>("123-45", &[2, 3]), None);
        assert_eq!(grouped_digits::<5>("12-34", &[2, 3]), None);
        assert_eq!(grouped_digits::<5>("12a45", &[2, 3]), None);
        assert_eq!(grouped_digits::<5>("１２345", &[2, 3]), None);
        assert_eq!(grouped_digits::<5>("", &[2, 3]), None);
    }

    #[test]
    fn error_display_names_the_code_and_reason_but_never_the_value() {
        let error = "124-81-00999".parse::<BusinessNumber>().unwrap_err();
        assert_eq!(error.kind(), IdKind::BusinessNumber);
        assert_eq!(error.reason(), Reason::Checksum);
        assert_eq!(
            error.to_string(),
            "invalid business_number: the check digit does not match"
        );
        let v = error.to_validation_error();
        assert_eq!(v.code, "business_number");
        assert!(v.params.is_empty());
    }

    #[test]
    fn codes_round_trip() {
        for kind in IdKind::ALL {
            assert_eq!(IdKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(IdKind::from_code("type"), None);
    }

    #[test]
    fn validator_rules_use_their_codes() {
        assert!(resident_number("900101-1234568").is_ok());
        assert_eq!(
            resident_number("900230-1234568").unwrap_err().code,
            "resident_number"
        );
        assert!(foreigner_number("900101-5234568").is_ok());
        assert_eq!(
            foreigner_number("900101-1234568").unwrap_err().code,
            "foreigner_number"
        );
        assert!(business_number("1248100998").is_ok());
        assert_eq!(
            business_number("1248100997").unwrap_err().code,
            "business_number"
        );
        assert!(corporate_number("1301110006246").is_ok());
        assert_eq!(
            corporate_number("1301110006245").unwrap_err().code,
            "corporate_number"
        );
        assert!(phone_number("02-234-5678").is_ok());
        assert_eq!(
            phone_number("02-023-4567").unwrap_err().code,
            "phone_number"
        );
        assert!(postal_code("03154").is_ok());
        assert_eq!(postal_code("0315").unwrap_err().code, "postal_code");
    }
}
