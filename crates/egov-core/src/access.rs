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
    /// Allowed when any one of the policies allows. An empty list allows nobody.
    AnyOf(Vec<AccessPolicy>),
    /// Allowed when every one of the policies allows. An empty list allows nobody
    /// (deny by default: a policy must say what it requires).
    AllOf(Vec<AccessPolicy>),
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
    ///
    /// For combinations, an anonymous caller who is refused gets
    /// [`AccessDecision::Unauthenticated`] (logging in might help), an
    /// authenticated one [`AccessDecision::Forbidden`].
    pub fn evaluate(&self, actor: &Actor) -> AccessDecision {
        match self {
            AccessPolicy::Public => AccessDecision::Allow,
            AccessPolicy::AnyOf(all) if all.iter().any(|p| p.allows(actor)) => {
                AccessDecision::Allow
            }
            AccessPolicy::AllOf(all) if !all.is_empty() && all.iter().all(|p| p.allows(actor)) => {
                AccessDecision::Allow
            }
            _ if !actor.is_authenticated() => AccessDecision::Unauthenticated,
            AccessPolicy::Authenticated => AccessDecision::Allow,
            AccessPolicy::Permission(p) if actor.has_permission(p) => AccessDecision::Allow,
            AccessPolicy::Permission(_) | AccessPolicy::AnyOf(_) | AccessPolicy::AllOf(_) => {
                AccessDecision::Forbidden
            }
        }
    }

    /// Whether `actor` may proceed.
    pub fn allows(&self, actor: &Actor) -> bool {
        self.evaluate(actor) == AccessDecision::Allow
    }
}

impl std::fmt::Display for AccessPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccessPolicy::Public => f.write_str("public"),
            AccessPolicy::Authenticated => f.write_str("authenticated"),
            AccessPolicy::Permission(p) => write!(f, "permission:{p}"),
            AccessPolicy::AnyOf(all) => write_list(f, "any_of", all),
            AccessPolicy::AllOf(all) => write_list(f, "all_of", all),
        }
    }
}

fn write_list(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    all: &[AccessPolicy],
) -> std::fmt::Result {
    write!(f, "{name}(")?;
    for (i, policy) in all.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{policy}")?;
    }
    f.write_str(")")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::AccountId;

    #[test]
    fn combinations() {
        let anonymous = Actor::anonymous();
        let reader = Actor::account(AccountId::new(), [Permission::new("codes:read")]);
        let read = AccessPolicy::permission("codes:read");
        let write = AccessPolicy::permission("codes:write");
        let either = AccessPolicy::AnyOf(vec![read.clone(), write.clone()]);
        let both = AccessPolicy::AllOf(vec![read.clone(), write.clone()]);
        assert_eq!(either.evaluate(&reader), AccessDecision::Allow);
        assert_eq!(both.evaluate(&reader), AccessDecision::Forbidden);
        assert_eq!(either.evaluate(&anonymous), AccessDecision::Unauthenticated);
        assert_eq!(
            AccessPolicy::AnyOf(vec![AccessPolicy::Public, write.clone()]).evaluate(&anonymous),
            AccessDecision::Allow
        );
        // Empty combinations deny: nothing was declared as sufficient.
        assert_eq!(
            AccessPolicy::AnyOf(vec![]).evaluate(&reader),
            AccessDecision::Forbidden
        );
        assert_eq!(
            AccessPolicy::AllOf(vec![]).evaluate(&reader),
            AccessDecision::Forbidden
        );
        assert_eq!(
            both.to_string(),
            "all_of(permission:codes:read, permission:codes:write)"
        );
    }

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
