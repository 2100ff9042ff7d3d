//! Accounts: lookups, creation, status, unlock, roles of an account, passwords.

use super::*;

impl Auth {
    pub(super) async fn account_by_login(
        &self,
        login_id: &str,
    ) -> Result<Option<AccountRow>, Error> {
        let Some(login_id) = normalize_login_id(login_id) else {
            return Ok(None);
        };
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM egov_auth_accounts WHERE login_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(login_id)
            .fetch_optional(self.0.db.pool())
            .await?;
        row.as_ref().map(AccountRow::read).transpose()
    }

    pub(super) async fn account_row(&self, id: AccountId) -> Result<AccountRow, Error> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM egov_auth_accounts WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.0.db.pool())
            .await?
            .ok_or(Error::NotFound)?;
        AccountRow::read(&row)
    }

    pub(super) async fn assigned_roles(&self, id: AccountId) -> Result<BTreeSet<String>, Error> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT role FROM egov_auth_assignments WHERE account_id = $1")
                .bind(id.to_string())
                .fetch_all(self.0.db.pool())
                .await?;
        Ok(rows.into_iter().map(|(r,)| r).collect())
    }

    /// An account by id.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], or a database error.
    pub async fn account(&self, id: AccountId) -> Result<Account, Error> {
        let row = self.account_row(id).await?;
        let roles = self.assigned_roles(id).await?;
        Ok(row.public(roles))
    }

    /// An account by login id.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], or a database error.
    pub async fn account_by_login_id(&self, login_id: &str) -> Result<Account, Error> {
        let row = self
            .account_by_login(login_id)
            .await?
            .ok_or(Error::NotFound)?;
        let roles = self.assigned_roles(row.id).await?;
        Ok(row.public(roles))
    }

    /// One page of accounts, by login id.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn accounts(&self, page: PageRequest) -> Result<Page<Account>, Error> {
        self.search_accounts(&AccountFilter::default(), page).await
    }

    /// One page of the accounts `filter` matches, by login id: part of the
    /// login id or display name (case-insensitive, `%` and `_` taken as they
    /// are), the status.
    ///
    /// # Errors
    ///
    /// A database error.
    pub async fn search_accounts(
        &self,
        filter: &AccountFilter,
        page: PageRequest,
    ) -> Result<Page<Account>, Error> {
        let text = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| format!("%{}%", like_escaped(&t.to_lowercase())));
        let status = filter.status.map(AccountStatus::as_str);
        // `$1` the pattern (or NULL: no condition), `$2` the status (or NULL).
        let condition = "($1 IS NULL OR login_id LIKE $1 ESCAPE '\\' \
             OR LOWER(display_name) LIKE $1 ESCAPE '\\') AND ($2 IS NULL OR status = $2)";
        let count = format!("SELECT COUNT(*) FROM egov_auth_accounts WHERE {condition}");
        let (total,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(count))
            .bind(text.as_deref())
            .bind(status)
            .fetch_one(self.0.db.pool())
            .await?;
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM egov_auth_accounts WHERE {condition} \
             ORDER BY login_id LIMIT $3 OFFSET $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(text.as_deref())
            .bind(status)
            .bind(i64::from(page.limit()))
            .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .fetch_all(self.0.db.pool())
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let row = AccountRow::read(row)?;
            let roles = self.assigned_roles(row.id).await?;
            items.push(row.public(roles));
        }
        Ok(Page::new(
            items,
            page,
            u64::try_from(total).unwrap_or_default(),
        ))
    }

    /// An account opened by an administrator to see its personal data (name,
    /// e-mail address, login history): the access is recorded first — a
    /// personal-data `view` event naming the account as the data subject
    /// (`SubjectId::from_id`), as the 개인정보 접속기록 (access records of the
    /// Personal Information Protection Act's safety measures, §8) require — and
    /// the account is read only once it is recorded. [`Auth::account`] reads
    /// without a record (for the account's owner, and for checks).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] (recorded as nothing: there was no data), a
    /// database error, or [`Error::Audit`] when the access cannot be recorded
    /// (then nothing is shown).
    pub async fn open_account(&self, actor: &Actor, id: AccountId) -> Result<Account, Error> {
        let account = self.account(id).await?;
        let event = account_event(Action::VIEW, actor, Outcome::Success, id)
            .subject(egov_audit::SubjectId::from_id(id));
        self.audit(event).await?;
        Ok(account)
    }

    /// Creates an account (the password policy applies), recorded as done by `actor`.
    ///
    /// # Errors
    ///
    /// [`Error::PasswordRejected`], [`Error::Invalid`] for a bad login id or role
    /// name, [`Error::Conflict`] when the login id exists.
    pub async fn create_account(&self, actor: &Actor, new: NewAccount) -> Result<Account, Error> {
        self.create_account_with(actor, new, false).await
    }

    /// [`Auth::create_account`] with an initial password the account's owner
    /// must replace: it is [temporary](Account::password_temporary), so the
    /// first login may do nothing but change it.
    ///
    /// # Errors
    ///
    /// As [`Auth::create_account`].
    pub async fn create_account_requiring_change(
        &self,
        actor: &Actor,
        new: NewAccount,
    ) -> Result<Account, Error> {
        self.create_account_with(actor, new, true).await
    }

    async fn create_account_with(
        &self,
        actor: &Actor,
        new: NewAccount,
        temporary: bool,
    ) -> Result<Account, Error> {
        let Some(login_id) = normalize_login_id(&new.login_id) else {
            return Err(Error::Invalid("/login_id", "login-id"));
        };
        let display_name = new.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            return Err(Error::Invalid("/display_name", "display-name"));
        }
        if new.roles.iter().any(|r| !valid_name(r)) {
            return Err(Error::Invalid("/roles", "role-name"));
        }
        let password = self
            .0
            .policy
            .check(&new.password, false, &login_id, &display_name)
            .map_err(Error::PasswordRejected)?;
        let hash = self.0.hasher.hash(&password).await?;
        let id = AccountId::new_at(self.0.clock.as_ref());
        let now = now_sql(self.now());
        let mut tx = begin(&self.0.db).await?;
        let inserted = sqlx::query(
            "INSERT INTO egov_auth_accounts (id, login_id, display_name, email, status, password_hash, \
             password_changed_at, failed_count, mfa_enabled, totp_last_step, created_at, updated_at, \
             password_temporary) \
             VALUES ($1, $2, $3, $4, 'active', $5, $6, 0, 0, 0, $6, $6, $7)",
        )
        .bind(id.to_string())
        .bind(&login_id)
        .bind(&display_name)
        .bind(new.email.as_deref())
        .bind(&hash)
        .bind(&now)
        .bind(i64::from(temporary))
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) => {
                let e = egov_db::DbError::from(e);
                return Err(match e {
                    egov_db::DbError::UniqueViolation { .. } => Error::Conflict("login-id-taken"),
                    e => Error::Db(e),
                });
            }
        }
        insert_pairs(&mut tx, INSERT_ASSIGNMENT, &id.to_string(), &new.roles).await?;
        let event = account_event(Action::CREATE, actor, Outcome::Success, id).detail(
            Detail::new()
                .text("roles", join(&new.roles))
                .flag("temporary", temporary),
        );
        self.commit_account_change(tx, event, id).await
    }

    /// Sets an account's status. Disabling revokes every session.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], or a database/audit error.
    pub async fn set_status(
        &self,
        actor: &Actor,
        id: AccountId,
        status: AccountStatus,
    ) -> Result<Account, Error> {
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        let done =
            sqlx::query("UPDATE egov_auth_accounts SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now_sql(now))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        require_found(&done)?;
        let revoked = if status == AccountStatus::Disabled {
            revoke_families(&mut tx, id, None, now, "account_disabled").await?
        } else {
            0
        };
        let event = account_event(actions::ADMIN_CHANGE, actor, Outcome::Success, id)
            .reason_code("status")
            .detail(
                Detail::new()
                    .text("status", status.as_str())
                    .number("revoked", revoked),
            );
        self.commit_account_change(tx, event, id).await
    }

    /// Unlocks an account: status active (unless disabled), failures cleared.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], or a database/audit error.
    pub async fn unlock(&self, actor: &Actor, id: AccountId) -> Result<Account, Error> {
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        let done = sqlx::query(
            "UPDATE egov_auth_accounts SET status = CASE WHEN status = 'locked' THEN 'active' ELSE status END, \
             failed_count = 0, not_before = NULL, locked_until = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now_sql(now))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        require_found(&done)?;
        let event = account_event(actions::ACCOUNT_UNLOCK, actor, Outcome::Success, id);
        self.commit_account_change(tx, event, id).await
    }

    /// Replaces an account's role assignments.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::Invalid`] for a bad role name.
    pub async fn set_roles(
        &self,
        actor: &Actor,
        id: AccountId,
        roles: BTreeSet<String>,
    ) -> Result<Account, Error> {
        if roles.iter().any(|r| !valid_name(r)) {
            return Err(Error::Invalid("/roles", "role-name"));
        }
        self.account_row(id).await?;
        let mut tx = begin(&self.0.db).await?;
        sqlx::query("DELETE FROM egov_auth_assignments WHERE account_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        insert_pairs(&mut tx, INSERT_ASSIGNMENT, &id.to_string(), &roles).await?;
        let event = account_event(actions::ADMIN_CHANGE, actor, Outcome::Success, id)
            .reason_code("roles")
            .detail(Detail::new().text("roles", join(&roles)));
        self.commit_account_change(tx, event, id).await
    }

    /// Sets a new password for an account without the old one (administrators;
    /// the policy applies) and revokes every session. It passes the policy, so
    /// the account no longer has to change it
    /// ([`Account::password_change_required`]).
    ///
    /// # Errors
    ///
    /// [`Error::PasswordRejected`], [`Error::NotFound`].
    pub async fn reset_password(
        &self,
        actor: &Actor,
        id: AccountId,
        new_password: &str,
    ) -> Result<(), Error> {
        let row = self.account_row(id).await?;
        self.store_password(actor, &row, new_password, "admin_reset", Stored::Lasting)
            .await
            .map(drop)
    }

    /// Sets a [temporary](Account::password_temporary) password for an account
    /// (administrators; the policy applies) and revokes every session: its
    /// owner's next login may do nothing but change it — the reset a forgotten
    /// password gets, so the administrator never knows the password in use.
    ///
    /// # Errors
    ///
    /// [`Error::PasswordRejected`], [`Error::NotFound`].
    pub async fn issue_temporary_password(
        &self,
        actor: &Actor,
        id: AccountId,
        new_password: &str,
    ) -> Result<(), Error> {
        let row = self.account_row(id).await?;
        self.store_password(actor, &row, new_password, "admin_reset", Stored::Temporary)
            .await
            .map(drop)
    }

    /// Stores `new_password` for `row` once it passes the policy (which is
    /// stricter without MFA), clears the password-change mark (and sets or
    /// clears the temporary one, as `stored` says), revokes every session and
    /// records the change — and with [`Stored::Renewed`], starts a new session
    /// of the account in the same transaction and returns it.
    pub(super) async fn store_password(
        &self,
        actor: &Actor,
        row: &AccountRow,
        new_password: &str,
        reason: &str,
        stored: Stored,
    ) -> Result<Option<Session>, Error> {
        let renew = stored == Stored::Renewed;
        let temporary = stored == Stored::Temporary;
        let password = self
            .0
            .policy
            .check(
                new_password,
                row.mfa_enabled,
                &row.login_id,
                &row.display_name,
            )
            .map_err(Error::PasswordRejected)?;
        let hash = self.0.hasher.hash(&password).await?;
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        sqlx::query(
            "UPDATE egov_auth_accounts SET password_hash = $1, password_changed_at = $2, updated_at = $2, \
             password_change_required = 0, password_temporary = $4 WHERE id = $3",
        )
        .bind(&hash)
        .bind(now_sql(now))
        .bind(row.id.to_string())
        .bind(i64::from(temporary))
        .execute(&mut *tx)
        .await?;
        let revoked = revoke_families(&mut tx, row.id, None, now, "password_change").await?;
        let renewed = if renew {
            Some(self.start_session(&mut tx, row.id, now).await?)
        } else {
            None
        };
        let detail = Detail::new()
            .number("revoked", revoked)
            .flag("restriction_lifted", row.password_change_required)
            .flag("renewed", renewed.is_some())
            .flag("temporary", temporary);
        let event = account_event(actions::PASSWORD_CHANGE, actor, Outcome::Success, row.id)
            .reason_code(reason)
            .detail(detail);
        self.commit_audited(tx, event).await?;
        renewed
            .map(|(family, refresh, idle)| self.session(row.id, family, refresh, now, idle, false))
            .transpose()
    }

    /// Changes the caller's own password: the current one must be right, the
    /// new one must pass the policy. Every session (this one too) is revoked.
    /// The account no longer has to change its password
    /// ([`Account::password_change_required`]): sessions of the next login are
    /// unrestricted.
    ///
    /// # Errors
    ///
    /// [`Error::WrongPassword`], [`Error::PasswordRejected`].
    pub async fn change_password(
        &self,
        actor: &Actor,
        id: AccountId,
        current: &str,
        new_password: &str,
    ) -> Result<(), Error> {
        self.change_own_password(actor, id, current, new_password, false)
            .await
            .map(drop)
    }

    /// [`Auth::change_password`], and a new session for the caller in place of
    /// the ended ones, started in the same transaction: what a page's change form
    /// uses, so that the browser stays logged in — unrestricted, since the new
    /// password passed the policy.
    ///
    /// # Errors
    ///
    /// As [`Auth::change_password`].
    pub async fn change_password_and_renew(
        &self,
        actor: &Actor,
        id: AccountId,
        current: &str,
        new_password: &str,
    ) -> Result<Session, Error> {
        self.change_own_password(actor, id, current, new_password, true)
            .await?
            .ok_or_else(|| Error::Internal("no session after a password change".into()))
    }

    async fn change_own_password(
        &self,
        actor: &Actor,
        id: AccountId,
        current: &str,
        new_password: &str,
        renew: bool,
    ) -> Result<Option<Session>, Error> {
        let row = self.account_row(id).await?;
        if !self.password_matches(actor, &row, current).await? {
            let event = account_event(actions::PASSWORD_CHANGE, actor, Outcome::Failure, id)
                .reason_code("wrong_password");
            return self.refuse(event, Error::WrongPassword).await;
        }
        let stored = if renew {
            Stored::Renewed
        } else {
            Stored::Lasting
        };
        self.store_password(actor, &row, new_password, "self_service", stored)
            .await
    }
}

/// How [`Auth::store_password`] stores a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stored {
    /// The account's own (or an administrator's lasting one).
    Lasting,
    /// The owner's own, with a new session for the caller.
    Renewed,
    /// Set by an administrator, to be changed at the next login.
    Temporary,
}

/// `text` for a `LIKE … ESCAPE '\'` pattern: `\`, `%` and `_` match themselves.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
