//! Roles with a hierarchy, permissions granted to roles, roles assigned to accounts.
//!
//! A role may *include* other roles: it has every permission they have
//! (eGovFrame's `ROLE_ADMIN > ROLE_USER` is `ROLE_ADMIN` including
//! `ROLE_USER`). Cycles are harmless (expansion visits each role once).
//! Permissions are names, `resource:action` by convention (`codes:write`).
//! Nothing is implied: an account without assignments has no permission, and a
//! route's policy decides (deny by default).

use std::collections::{BTreeSet, HashMap};

use egov_core::actor::Permission;
use serde::{Deserialize, Serialize};

/// The permission of egov-auth's admin API (accounts, roles, grants, unlock).
pub const ADMIN_PERMISSION: &str = "auth:admin";

/// A role as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct Role {
    /// Role name, e.g. `ROLE_ADMIN`.
    pub name: String,
    /// What the role is for.
    pub description: String,
    /// Roles whose permissions this role also has.
    pub includes: BTreeSet<String>,
    /// Permissions granted to the role directly.
    pub permissions: BTreeSet<String>,
}

/// Every role, loaded at once (a snapshot of the role tables).
#[derive(Debug, Clone, Default)]
pub struct RoleGraph {
    roles: HashMap<String, Role>,
}

impl RoleGraph {
    /// A graph of `roles`.
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Self {
            roles: roles.into_iter().map(|r| (r.name.clone(), r)).collect(),
        }
    }

    /// The roles, by name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// The roles `assigned` stand for (themselves and everything they
    /// include, transitively) and their permissions.
    pub fn expand<'a>(
        &self,
        assigned: impl IntoIterator<Item = &'a str>,
    ) -> (BTreeSet<String>, BTreeSet<Permission>) {
        let mut seen = BTreeSet::new();
        let mut permissions = BTreeSet::new();
        let mut stack: Vec<String> = assigned.into_iter().map(str::to_owned).collect();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(role) = self.roles.get(&name) {
                permissions.extend(role.permissions.iter().cloned().map(Permission::from));
                stack.extend(role.includes.iter().cloned());
            }
        }
        (seen, permissions)
    }
}

/// Whether `name` is a usable role or permission name: 1–64 of
/// `[A-Za-z0-9_.:-]`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, includes: &[&str], permissions: &[&str]) -> Role {
        Role {
            name: name.into(),
            description: String::new(),
            includes: includes.iter().map(|s| s.to_string()).collect(),
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn hierarchy_expands_transitively_and_survives_cycles() {
        let graph = RoleGraph::new([
            role("ROLE_ADMIN", &["ROLE_USER"], &["auth:admin"]),
            role("ROLE_USER", &["ROLE_ANONYMOUS"], &["codes:read"]),
            role("ROLE_ANONYMOUS", &["ROLE_ADMIN"], &[]),
        ]);
        let (roles, permissions) = graph.expand(["ROLE_USER"]);
        assert!(roles.contains("ROLE_ANONYMOUS"));
        // The cycle ANONYMOUS → ADMIN makes USER an admin: a data error, but
        // expansion terminates.
        assert!(permissions.contains(&Permission::new("auth:admin")));
        let graph = RoleGraph::new([
            role("ROLE_ADMIN", &["ROLE_USER"], &["auth:admin"]),
            role("ROLE_USER", &[], &["codes:read"]),
        ]);
        let (_, permissions) = graph.expand(["ROLE_USER"]);
        assert_eq!(permissions.len(), 1);
        let (_, permissions) = graph.expand(["ROLE_ADMIN"]);
        assert_eq!(permissions.len(), 2);
        let (roles, permissions) = graph.expand(["UNKNOWN"]);
        assert!(permissions.is_empty() && roles.contains("UNKNOWN"));
    }
}
