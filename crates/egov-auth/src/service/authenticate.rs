//! Request authentication: access tokens, the account cache, refresh of page sessions.

use super::*;

impl Auth {
    /// Authenticates an access token: signature and claims ([`Keyring::verify`]),
    /// then the account's current state — not disabled, the token's `sid` one of
    /// its live sessions (not revoked, not expired), whether its password must be
    /// changed first ([`Authenticated::password_change_required`], which egov-auth's
    /// middleware enforces) — and its roles and permissions, from a cache that every replica reloads
    /// when anything changes (egov-db's change topic `auth`: PostgreSQL
    /// notifications within milliseconds, else the `auth.change_poll_ms` poll;
    /// entries are also reloaded after 30 s).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`], or a database error while reloading.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, Error> {
        let claims = self.0.keyring.verify(token, self.now())?;
        let account: AccountId = claims
            .sub
            .parse()
            .map_err(|_| Error::InvalidToken("bad subject"))?;
        let mut state = self.account_state(account, false).await?;
        if !state.live_sessions.contains(&claims.sid) {
            // A session begun after the cache entry was loaded, or none of
            // this account's: ask the database once.
            state = self.account_state(account, true).await?;
            if !state.live_sessions.contains(&claims.sid) {
                return Err(Error::InvalidToken("session not live for this account"));
            }
        }
        if state.status == AccountStatus::Disabled {
            return Err(Error::InvalidToken("account disabled"));
        }
        Ok(Authenticated {
            account_id: account,
            session_id: claims.sid,
            login_id: state.login_id.clone(),
            display_name: state.display_name.clone(),
            roles: state.roles.clone(),
            permissions: state.permissions.clone(),
            password_change_required: state.password_change_required,
            session_expires_at: claims
                .sid_exp
                .and_then(|at| OffsetDateTime::from_unix_timestamp(at).ok()),
        })
    }

    /// The account's cached state; `reload` reads it from the database even
    /// when the cache entry is current.
    pub(super) async fn account_state(
        &self,
        account: AccountId,
        reload: bool,
    ) -> Result<Arc<CachedAccount>, Error> {
        let version = self.version();
        if !reload
            && let Some(entry) = self
                .0
                .accounts
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&account)
            && entry.version == version
            && entry.loaded.elapsed() < CACHE_MAX_AGE
        {
            return Ok(entry.clone());
        }
        let graph = self.role_graph(version).await?;
        let row = sqlx::query(
            "SELECT status, password_change_required, login_id, display_name FROM egov_auth_accounts WHERE id = $1",
        )
        .bind(account.to_string())
        .fetch_optional(self.0.db.pool())
        .await?
        .ok_or(Error::InvalidToken("unknown account"))?;
        let status = AccountStatus::parse(&row.try_get::<String, _>("status")?)?;
        let password_change_required = row.try_get::<i64, _>("password_change_required")? != 0;
        let login_id: String = row.try_get("login_id")?;
        let display_name: String = row.try_get("display_name")?;
        // Sessions an access token may name: not revoked, not past their
        // absolute expiry.
        let live: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM egov_auth_families WHERE account_id = $1 AND revoked_at IS NULL AND absolute_expires_at > $2",
        )
        .bind(account.to_string())
        .bind(now_sql(self.now()))
        .fetch_all(self.0.db.pool())
        .await?;
        let assigned = self.assigned_roles(account).await?;
        let (roles, permissions) = graph.expand(assigned.iter().map(String::as_str));
        let entry = Arc::new(CachedAccount {
            version,
            loaded: Instant::now(),
            status,
            password_change_required,
            login_id,
            display_name,
            live_sessions: live.into_iter().map(|(id,)| id).collect(),
            roles,
            permissions,
        });
        let mut cache = self
            .0
            .accounts
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= CACHE_MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(account, entry.clone());
        Ok(entry)
    }

    pub(super) async fn role_graph(&self, version: i64) -> Result<Arc<RoleGraph>, Error> {
        if let Some((v, graph)) = self
            .0
            .roles
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            && *v == version
        {
            return Ok(graph.clone());
        }
        let graph = Arc::new(RoleGraph::new(self.roles().await?));
        *self
            .0
            .roles
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((version, graph.clone()));
        Ok(graph)
    }

    /// The CSRF token of session `session_id` (cookie mode): an HMAC of the
    /// session id under `auth.csrf_key`, so it needs no storage.
    pub fn csrf_token(&self, session_id: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0.csrf_key).expect("any key size");
        mac.update(b"egov-auth csrf v1\0");
        mac.update(session_id.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `token` is the CSRF token of `session_id` (constant time).
    pub fn check_csrf(&self, session_id: &str, token: &str) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(
            self.csrf_token(session_id)
                .as_bytes()
                .ct_eq(token.as_bytes()),
        )
    }

    /// The session (family) id a refresh token belongs to, if it is known.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn refresh_session(&self, refresh_token: &str) -> Result<Option<String>, Error> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT family_id FROM egov_auth_refresh_tokens WHERE token_hash = $1")
                .bind(sha256_hex(refresh_token))
                .fetch_optional(self.0.db.pool())
                .await?;
        Ok(row.map(|(f,)| f))
    }
}
