//! The access policy every route declares.
//!
//! Capability crates declare the policy of each of their routes with an
//! [`AccessPolicy`]; egov-web refuses to register a route without one and enforces
//! it on every request. Evaluation is a pure function of the policy and the
//! [`Actor`], defined here once so that every layer decides the same way.

use crate::actor::{Actor, Permission};

/// Who may call a route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessPolicy {
    /// Anyone, authenticated or not.
    Public,
    /// Any authenticated principal.
    Authenticated,
    /// Authenticated principals holding the permission.
    Permission(Permission),
}

/// The outcome of evaluating a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessDecision {
    /// Go ahead.
    Allow,
    /// Nobody is authenticated (HTTP 401).
    Unauthenticated,
    /// Authenticated but not permitted (HTTP 403).
    Forbidden,
}

impl AccessPolicy {
    /// A permission policy for a permission known at compile time.
    pub const fn permission(name: &'static str) -> Self {
        AccessPolicy::Permission(Permission::new(name))
    }

    /// Decides whether `actor` may proceed.
    pub fn evaluate(&self, actor: &Actor) -> AccessDecision {
        match self {
            AccessPolicy::Public => AccessDecision::Allow,
            _ if !actor.is_authenticated() => AccessDecision::Unauthenticated,
            AccessPolicy::Authenticated => AccessDecision::Allow,
            AccessPolicy::Permission(p) if actor.has_permission(p) => AccessDecision::Allow,
            AccessPolicy::Permission(_) => AccessDecision::Forbidden,
        }
    }
}

impl std::fmt::Display for AccessPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccessPolicy::Public => f.write_str("public"),
            AccessPolicy::Authenticated => f.write_str("authenticated"),
            AccessPolicy::Permission(p) => write!(f, "permission:{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::AccountId;

    #[test]
    fn decisions() {
        let anonymous = Actor::anonymous();
        let reader = Actor::account(AccountId::new(), [Permission::new("codes:read")]);
        let write = AccessPolicy::permission("codes:write");
        assert_eq!(
            AccessPolicy::Public.evaluate(&anonymous),
            AccessDecision::Allow
        );
        assert_eq!(
            AccessPolicy::Authenticated.evaluate(&anonymous),
            AccessDecision::Unauthenticated
        );
        assert_eq!(write.evaluate(&anonymous), AccessDecision::Unauthenticated);
        assert_eq!(
            AccessPolicy::Authenticated.evaluate(&reader),
            AccessDecision::Allow
        );
        assert_eq!(write.evaluate(&reader), AccessDecision::Forbidden);
        assert_eq!(
            AccessPolicy::permission("codes:read").evaluate(&reader),
            AccessDecision::Allow
        );
    }
}
