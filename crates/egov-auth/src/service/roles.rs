//! Roles: the role table and its permissions.

use super::*;

impl Auth {
    /// Every role with its inclusions and grants.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn roles(&self) -> Result<Vec<Role>, Error> {
        let pool = self.0.db.pool();
        let roles: Vec<(String, String)> =
            sqlx::query_as("SELECT name, description FROM egov_auth_roles ORDER BY name")
                .fetch_all(pool)
                .await?;
        let includes: Vec<(String, String)> =
            sqlx::query_as("SELECT role, includes FROM egov_auth_role_includes")
                .fetch_all(pool)
                .await?;
        let grants: Vec<(String, String)> =
            sqlx::query_as("SELECT role, permission FROM egov_auth_grants")
                .fetch_all(pool)
                .await?;
        let mut by_name: std::collections::BTreeMap<String, Role> = roles
            .into_iter()
            .map(|(name, description)| {
                (
                    name.clone(),
                    Role {
                        name,
                        description,
                        includes: BTreeSet::new(),
                        permissions: BTreeSet::new(),
                    },
                )
            })
            .collect();
        for (role, included) in includes {
            if let Some(r) = by_name.get_mut(&role) {
                r.includes.insert(included);
            }
        }
        for (role, permission) in grants {
            if let Some(r) = by_name.get_mut(&role) {
                r.permissions.insert(permission);
            }
        }
        Ok(by_name.into_values().collect())
    }

    /// Creates or replaces a role: its description, included roles and granted
    /// permissions.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a bad name.
    pub async fn put_role(&self, actor: &Actor, role: Role) -> Result<(), Error> {
        let mut tx = begin(&self.0.db).await?;
        put_role_in(&mut tx, &role).await?;
        let event = AuditEvent::new(actions::ADMIN_CHANGE, actor, Outcome::Success)
            .target(Target::new("role", &role.name))
            .reason_code("role")
            .detail(
                Detail::new()
                    .text("includes", join(&role.includes))
                    .text("permissions", join(&role.permissions)),
            );
        self.commit_audited(tx, event).await
    }

    /// Deletes a role, its grants, inclusions and assignments.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub async fn delete_role(&self, actor: &Actor, name: &str) -> Result<(), Error> {
        let mut tx = begin(&self.0.db).await?;
        let done = sqlx::query("DELETE FROM egov_auth_roles WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        require_found(&done)?;
        for sql in [
            "DELETE FROM egov_auth_grants WHERE role = $1",
            "DELETE FROM egov_auth_role_includes WHERE role = $1 OR includes = $1",
            "DELETE FROM egov_auth_assignments WHERE role = $1",
        ] {
            sqlx::query(sql).bind(name).execute(&mut *tx).await?;
        }
        let event = AuditEvent::new(actions::ADMIN_CHANGE, actor, Outcome::Success)
            .target(Target::new("role", name))
            .reason_code("role_deleted");
        self.commit_audited(tx, event).await
    }

    pub(crate) async fn begin_import(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, Error> {
        begin(&self.0.db).await
    }

    pub(crate) async fn finish_import(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Any>,
        event: AuditEvent,
    ) -> Result<(), Error> {
        self.commit_audited(tx, event).await
    }

    /// Records an import's audit event inside the caller's transaction and
    /// announces the change (other replicas reload roles after the commit).
    pub(crate) async fn record_import_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        event: AuditEvent,
    ) -> Result<(), Error> {
        self.0.audit.record_in_transaction(conn, event).await?;
        egov_db::change::bump(conn, self.backend(), super::CHANGE_TOPIC).await?;
        Ok(())
    }

    pub(crate) fn clock_now(&self) -> OffsetDateTime {
        self.now()
    }

    pub(crate) async fn record(&self, event: AuditEvent) -> Result<(), Error> {
        self.audit(event).await
    }
}
