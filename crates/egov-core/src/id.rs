//! UUIDv7 identifiers, typed by what they identify.
//!
//! `Id<Greeting>` and `Id<Petition>` are different types, so one can't be passed
//! where the other is expected. UUIDv7 ids sort by creation time, which keeps
//! B-tree indexes compact on both SQLite and PostgreSQL. In the database they are
//! stored as their canonical 36-character text.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::clock::Clock;

/// An identifier of a `T`.
pub struct Id<T: ?Sized> {
    uuid: Uuid,
    marker: PhantomData<fn() -> T>,
}

/// Marker type for account ids, so that [`crate::Actor`] can name an account
/// without depending on the crate that manages accounts.
#[derive(Debug)]
pub enum Account {}

/// The id of an account.
pub type AccountId = Id<Account>;

/// The text was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid identifier")]
pub struct IdParseError;

impl<T: ?Sized> Id<T> {
    /// A new id for now, from the system clock.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self::from_uuid(Uuid::now_v7())
    }

    /// A new id for the instant `clock` reports (tests get reproducible ordering).
    pub fn new_at(clock: &dyn Clock) -> Self {
        let now = clock.now();
        let secs = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, now.nanosecond());
        Self::from_uuid(Uuid::new_v7(ts))
    }

    /// Wraps an existing UUID.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            marker: PhantomData,
        }
    }

    /// The UUID.
    pub const fn as_uuid(&self) -> Uuid {
        self.uuid
    }
}

impl<T: ?Sized> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for Id<T> {}
impl<T: ?Sized> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}
impl<T: ?Sized> Eq for Id<T> {}
impl<T: ?Sized> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: ?Sized> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.uuid.cmp(&other.uuid)
    }
}
impl<T: ?Sized> Hash for Id<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}
impl<T: ?Sized> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.uuid)
    }
}
impl<T: ?Sized> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.uuid.hyphenated(), f)
    }
}
impl<T: ?Sized> FromStr for Id<T> {
    type Err = IdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(s)
            .map(Self::from_uuid)
            .map_err(|_| IdParseError)
    }
}
/// For row mapping (`#[sqlx(try_from = "String")]` on an `Id` field: ids are
/// stored as canonical text).
impl<T: ?Sized> TryFrom<String> for Id<T> {
    type Error = IdParseError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl<T: ?Sized> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.uuid.hyphenated())
    }
}
impl<'de, T: ?Sized> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use proptest::prelude::*;

    enum Thing {}

    #[test]
    fn ids_are_version_7_and_ordered_by_clock() {
        let clock = ManualClock::new(time::macros::datetime!(2026-01-01 0:00 UTC));
        let first: Id<Thing> = Id::new_at(&clock);
        clock.advance(time::Duration::milliseconds(1));
        let second: Id<Thing> = Id::new_at(&clock);
        assert_eq!(first.as_uuid().get_version_num(), 7);
        assert!(first < second);
    }

    #[test]
    fn round_trips_through_text_and_json() {
        let id: Id<Thing> = Id::new();
        assert_eq!(id.to_string().parse::<Id<Thing>>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<Id<Thing>>(&json).unwrap(), id);
        assert!(serde_json::from_str::<Id<Thing>>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_text_never_panics(s in ".*") {
            let _ = s.parse::<Id<Thing>>();
        }
    }
}
