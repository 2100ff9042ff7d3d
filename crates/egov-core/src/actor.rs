//! Who is acting: an account, the system itself, or an anonymous caller.
//!
//! An [`Actor`] travels with each request (egov-web puts one in the request
//! extensions; egov-auth fills in the account). Audit and codes name the actor
//! through this type, so they need not depend on the auth crate.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::id::AccountId;

/// A permission name, `resource:action` by convention (e.g. `codes:write`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permission(Cow<'static, str>);

impl Permission {
    /// A permission known at compile time.
    pub const fn new(name: &'static str) -> Self {
        Self(Cow::Borrowed(name))
    }

    /// The permission's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for Permission {
    fn from(name: String) -> Self {
        Self(Cow::Owned(name))
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of principal is acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Principal {
    /// Nobody has authenticated.
    Anonymous,
    /// An authenticated account.
    Account {
        /// The account's id.
        id: AccountId,
    },
    /// The service itself (a scheduled job, a migration, an import).
    System {
        /// Which part of the system, e.g. `codes-import`.
        name: String,
    },
}

/// Who is acting, with the request context an audit record needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The principal.
    pub principal: Principal,
    /// Role names granted to the principal.
    pub roles: BTreeSet<String>,
    /// Effective permissions (roles already expanded).
    pub permissions: BTreeSet<Permission>,
    /// The client's IP address, as seen by the service.
    pub client_ip: Option<IpAddr>,
    /// The request id (`x-request-id`).
    pub request_id: Option<String>,
    /// The W3C trace id, when the request is traced.
    pub trace_id: Option<String>,
}

impl Actor {
    /// An unauthenticated caller with no context.
    pub fn anonymous() -> Self {
        Self {
            principal: Principal::Anonymous,
            roles: BTreeSet::new(),
            permissions: BTreeSet::new(),
            client_ip: None,
            request_id: None,
            trace_id: None,
        }
    }

    /// The service itself acting as `name` (jobs, imports, migrations).
    pub fn system(name: impl Into<String>) -> Self {
        Self {
            principal: Principal::System { name: name.into() },
            ..Self::anonymous()
        }
    }

    /// An authenticated account with `permissions`.
    pub fn account(id: AccountId, permissions: impl IntoIterator<Item = Permission>) -> Self {
        Self {
            principal: Principal::Account { id },
            permissions: permissions.into_iter().collect(),
            ..Self::anonymous()
        }
    }

    /// The account id, when an account is acting.
    pub fn account_id(&self) -> Option<AccountId> {
        match self.principal {
            Principal::Account { id } => Some(id),
            _ => None,
        }
    }

    /// Whether the principal is an authenticated account or the system.
    pub fn is_authenticated(&self) -> bool {
        !matches!(self.principal, Principal::Anonymous)
    }

    /// Whether the actor holds `permission`. The system principal holds every
    /// permission; anonymous callers hold none, whatever the set says.
    pub fn has_permission(&self, permission: &Permission) -> bool {
        match self.principal {
            Principal::Anonymous => false,
            Principal::System { .. } => true,
            Principal::Account { .. } => self.permissions.contains(permission),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_holds_no_permission_even_if_listed() {
        let mut actor = Actor::anonymous();
        actor.permissions.insert(Permission::new("codes:write"));
        assert!(!actor.has_permission(&Permission::new("codes:write")));
        assert!(!actor.is_authenticated());
    }

    #[test]
    fn accounts_hold_exactly_their_permissions() {
        let actor = Actor::account(AccountId::new(), [Permission::new("codes:read")]);
        assert!(actor.has_permission(&Permission::new("codes:read")));
        assert!(!actor.has_permission(&Permission::new("codes:write")));
        assert!(actor.account_id().is_some());
    }
}
