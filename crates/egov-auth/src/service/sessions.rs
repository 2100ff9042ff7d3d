//! Sessions: refresh-token families, rotation, page resumption, logout.

use super::*;

impl Auth {
    /// Creates a session (a refresh-token family and its first token) in `tx`:
    /// its family id, refresh token and idle expiry.
    pub(super) async fn start_session(
        &self,
        tx: &mut AnyConnection,
        account: AccountId,
        now: OffsetDateTime,
    ) -> Result<(String, String, OffsetDateTime), Error> {
        let s = &self.0.settings;
        let family = uuid::Uuid::now_v7().to_string();
        let absolute = now + secs(s.refresh_absolute_secs);
        let refresh = random_token(32)?;
        let idle = (now + secs(s.refresh_idle_secs)).min(absolute);
        sqlx::query(
            "INSERT INTO egov_auth_families (id, account_id, created_at, absolute_expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&family)
        .bind(account.to_string())
        .bind(now_sql(now))
        .bind(now_sql(absolute))
        .execute(&mut *tx)
        .await?;
        insert_refresh(tx, &refresh, &family, account, now, idle).await?;
        Ok((family, refresh, idle))
    }

    /// The tokens of session `family` of `account`: a new access token, and
    /// `refresh` (idle until `idle`).
    pub(super) fn session(
        &self,
        account: AccountId,
        family: String,
        refresh: String,
        now: OffsetDateTime,
        idle: OffsetDateTime,
        password_change_required: bool,
    ) -> Result<Session, Error> {
        let (access_token, claims) =
            self.0
                .keyring
                .issue_in_session(account, &family, Some(idle), now)?;
        Ok(Session {
            access_token,
            token_type: "Bearer",
            expires_in: claims.exp - claims.iat,
            refresh_token: refresh,
            refresh_expires_in: (idle - now).whole_seconds(),
            account_id: account,
            session_id: family,
            password_change_required,
        })
    }

    /// Exchanges a refresh token for a new access and refresh token (rotation).
    /// A refresh token used a second time revokes its whole family (RFC 9700
    /// §4.14.2): the thief and the victim both have to log in again. A session
    /// whose password must be changed stays restricted
    /// ([`Session::password_change_required`]): the flag is the account's.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRefreshToken`].
    pub async fn refresh(&self, context: &Actor, refresh_token: &str) -> Result<Session, Error> {
        match self.rotate(context, refresh_token, None).await? {
            Resumed::Rotated(session) => Ok(session),
            // Only granted when a grace period is asked for.
            Resumed::Concurrent(_) => Err(Error::InvalidRefreshToken("reused")),
        }
    }

    /// [`Auth::refresh`] for a browser's page request or form post in cookie
    /// mode (the middleware calls it, and `POST /auth/session/extend`): the
    /// same rotation, except that a refresh token
    /// replaced less than `page_resume_grace_secs` ago by such a request is
    /// not a reuse but the same browser loading several pages at once (tabs
    /// opened together, each sending the cookie it had). It gets a new access
    /// token of the session, [`Resumed::Concurrent`]; the refresh token the
    /// first request received stays the one to use.
    ///
    /// What this gives up: a thief presenting a copy within those seconds of
    /// the victim's renewal (or the victim within seconds of the thief's) is
    /// not caught at once. It is caught at the next renewal, at most one
    /// access-token lifetime later, when the party left with the old refresh
    /// token presents it outside the grace period and the session is revoked.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRefreshToken`].
    pub async fn resume(&self, context: &Actor, refresh_token: &str) -> Result<Resumed, Error> {
        let grace = secs(self.0.settings.page_resume_grace_secs);
        self.rotate(
            context,
            refresh_token,
            Some(grace).filter(|g| g.is_positive()),
        )
        .await
    }

    /// Rotates `refresh_token`; a token already used counts as a concurrent
    /// renewal (not a reuse) if it was used at most `grace` ago.
    pub(super) async fn rotate(
        &self,
        context: &Actor,
        refresh_token: &str,
        grace: Option<time::Duration>,
    ) -> Result<Resumed, Error> {
        if refresh_token.is_empty() || refresh_token.len() > 256 {
            return Err(Error::InvalidRefreshToken("malformed"));
        }
        let hash = sha256_hex(refresh_token);
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        let row = sqlx::query(
            "SELECT t.family_id, t.account_id, t.idle_expires_at, t.used_at, f.absolute_expires_at, f.revoked_at, a.status, \
             a.password_change_required \
             FROM egov_auth_refresh_tokens t JOIN egov_auth_families f ON f.id = t.family_id \
             JOIN egov_auth_accounts a ON a.id = t.account_id WHERE t.token_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(Error::InvalidRefreshToken("unknown"));
        };
        let family: String = row.try_get("family_id")?;
        let account: AccountId = row
            .try_get::<String, _>("account_id")?
            .parse()
            .map_err(|_| Error::Internal("bad account id".into()))?;
        let actor = Self::account_actor(context, account);
        if row.try_get::<Option<String>, _>("revoked_at")?.is_some() {
            return Err(Error::InvalidRefreshToken("revoked"));
        }
        let marked = sqlx::query(
            "UPDATE egov_auth_refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now_sql(now))
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        let idle_at = timestamp_from_sql(
            "idle_expires_at",
            &row.try_get::<String, _>("idle_expires_at")?,
        )?;
        let absolute = timestamp_from_sql(
            "absolute_expires_at",
            &row.try_get::<String, _>("absolute_expires_at")?,
        )?;
        let disabled = row.try_get::<String, _>("status")? == AccountStatus::Disabled.as_str();
        if marked.rows_affected() == 0 {
            // Used already: at its `used_at`, or (NULL when read) by a
            // request that marked it between that read and this update.
            let used_at = row
                .try_get::<Option<String>, _>("used_at")?
                .map(|at| timestamp_from_sql("used_at", &at))
                .transpose()?;
            let concurrent =
                grace.is_some_and(|grace| used_at.is_none_or(|used| now - used <= grace));
            if concurrent && absolute > now && !disabled {
                tx.commit().await?;
                // The refresh token that replaced this one was issued when
                // this one was used, idle until then + refresh_idle_secs.
                let replaced = used_at.unwrap_or(now);
                let idle = (replaced + secs(self.0.settings.refresh_idle_secs)).min(absolute);
                let (access_token, claims) =
                    self.0
                        .keyring
                        .issue_in_session(account, &family, Some(idle), now)?;
                return Ok(Resumed::Concurrent(AccessGrant {
                    access_token,
                    expires_in: claims.exp - claims.iat,
                    account_id: account,
                    session_id: family,
                }));
            }
            // Reuse: someone holds a copy. Revoke the family.
            revoke_family(&mut tx, &family, now, "refresh_reuse").await?;
            let event = AuditEvent::new(actions::TOKEN_REVOKE, &actor, Outcome::Success)
                .target(Target::new("session", &family))
                .reason_code("refresh_reuse");
            self.commit_audited(tx, event).await?;
            return Err(Error::InvalidRefreshToken("reused"));
        }
        if idle_at <= now || absolute <= now {
            tx.commit().await?;
            return Err(Error::InvalidRefreshToken("expired"));
        }
        if disabled {
            tx.commit().await?;
            return Err(Error::InvalidRefreshToken("account disabled"));
        }
        let refresh = random_token(32)?;
        let idle = (now + secs(self.0.settings.refresh_idle_secs)).min(absolute);
        insert_refresh(&mut tx, &refresh, &family, account, now, idle).await?;
        tx.commit().await?;
        let restricted = row.try_get::<i64, _>("password_change_required")? != 0;
        self.session(account, family, refresh, now, idle, restricted)
            .map(Resumed::Rotated)
    }

    /// Ends session `session_id` of `account` (revokes its refresh-token family;
    /// its access tokens stop working too).
    ///
    /// # Errors
    ///
    /// Database/audit errors.
    pub async fn logout(
        &self,
        actor: &Actor,
        account: AccountId,
        session_id: &str,
    ) -> Result<(), Error> {
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        let done = sqlx::query(
            "UPDATE egov_auth_families SET revoked_at = $1, revoke_reason = 'logout' \
             WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_sql(now))
        .bind(session_id)
        .bind(account.to_string())
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::new(Action::LOGOUT, actor, Outcome::Success)
            .target(Target::new("session", session_id))
            .detail(Detail::new().flag("revoked", done.rows_affected() > 0));
        self.commit_audited(tx, event).await
    }

    /// Ends every session of `account` except `keep` ("log out my other sessions").
    /// Returns how many were ended.
    ///
    /// # Errors
    ///
    /// Database/audit errors.
    pub async fn logout_others(
        &self,
        actor: &Actor,
        account: AccountId,
        keep: &str,
    ) -> Result<i64, Error> {
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        let revoked = revoke_families(&mut tx, account, Some(keep), now, "logout_others").await?;
        let event = account_event(actions::TOKEN_REVOKE, actor, Outcome::Success, account)
            .reason_code("logout_others")
            .detail(Detail::new().number("revoked", revoked));
        self.commit_audited(tx, event).await?;
        Ok(revoked)
    }
}
