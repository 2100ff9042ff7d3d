//! Login: throttled attempts (reserve, admit, settle), second factors.

use super::*;

impl Auth {
    /// Logs in with a login id and password (and, for accounts with MFA, a TOTP
    /// or recovery code). `context` is the request's (anonymous) actor, for the
    /// audit trail.
    ///
    /// Every failure — unknown login id, wrong password, locked, disabled or
    /// throttled account — returns [`Error::InvalidCredentials`] after one
    /// Argon2 computation, so that neither the answer nor its timing tells them
    /// apart. A password over 128 characters fails at once, without hashing.
    ///
    /// A right password that fails the policy new passwords must pass
    /// ([`PasswordPolicy::check`]: eGovFrame's default password `rhdxhd12`, a
    /// breached or too short one, typically kept from an eGovFrame import) still
    /// logs in, but the account is marked ([`Account::password_change_required`],
    /// also in the [`Session`]) and its sessions may do nothing but change the
    /// password until it is changed; the `login` event says so (reason code
    /// `password_change_required`). So is a login with a
    /// [temporary](Account::password_temporary) password, one an administrator
    /// set. A login with a password that passes and is not temporary clears
    /// the mark.
    ///
    /// The throttle is decided by the database, not by a snapshot: before
    /// hashing, one transaction holding the account row (SQLite `BEGIN
    /// IMMEDIATE`, PostgreSQL `SELECT … FOR UPDATE`) refuses the attempt if the
    /// account is locked, disabled or in a delay, and otherwise counts it as the
    /// next failure, with the delay or lock that failure brings. Concurrent
    /// guesses are thus decided one after another, each against the state the
    /// earlier ones left, and never more than `disable_after_failures` of them
    /// are tried. A right password then lets the attempt in only if a second
    /// such transaction finds the account still open (or the throttle state is
    /// the attempt's own), and only then are the failures cleared and a session
    /// issued.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCredentials`], [`Error::MfaRequired`] (the password was
    /// right; a second factor is missing or wrong), database/audit errors.
    pub async fn login(
        &self,
        context: &Actor,
        login_id: &str,
        password: &str,
        second_factor: Option<&str>,
    ) -> Result<Session, Error> {
        let Ok(normalized) = NormalizedPassword::new(password) else {
            let event = AuditEvent::new(Action::LOGIN_FAILED, context, Outcome::Failure)
                .reason_code("password_too_long");
            return self.refuse(event, Error::InvalidCredentials).await;
        };
        let normalized_id = normalize_login_id(login_id);
        let login_id = normalized_id.as_deref().unwrap_or_else(|| login_id.trim());
        let now = self.now();
        let attempt = if normalized_id.is_some() {
            self.reserve_attempt(login_id, now).await?
        } else {
            None
        };
        // One Argon2 computation on every path, refused or not.
        let verified = self
            .0
            .hasher
            .verify(
                &normalized,
                password,
                login_id,
                attempt
                    .as_ref()
                    .and_then(|(r, _)| r.password_hash.as_deref()),
            )
            .await?;
        let Some((row, gate)) = attempt else {
            let event = AuditEvent::new(Action::LOGIN_FAILED, context, Outcome::Failure)
                .reason_code("unknown_account");
            return self.refuse(event, Error::InvalidCredentials).await;
        };
        let actor = Self::account_actor(context, row.id);
        let reserved = match gate {
            Gate::Blocked(reason) => {
                let event = account_event(Action::LOGIN_FAILED, &actor, Outcome::Failure, row.id)
                    .reason_code(reason);
                return self.refuse(event, Error::InvalidCredentials).await;
            }
            Gate::Open(reserved) => reserved,
        };
        let Some(verified) = verified else {
            self.settle_failure(&actor, row.id, &reserved, "bad_password")
                .await?;
            return Err(Error::InvalidCredentials);
        };
        if row.mfa_enabled {
            let Some(code) = second_factor.filter(|c| !c.trim().is_empty()) else {
                // The password was right: not a failure to count, but an attempt to record.
                if self.release(&row, &reserved).await? {
                    let event =
                        account_event(Action::LOGIN_FAILED, &actor, Outcome::Failure, row.id)
                            .reason_code("second_factor_missing");
                    return self.refuse(event, Error::MfaRequired).await;
                }
                // Other attempts came after this one: its failure stands.
                self.settle_failure(&actor, row.id, &reserved, "second_factor_missing")
                    .await?;
                return Err(Error::MfaRequired);
            };
            if !self.check_second_factor(&row, code, now).await? {
                self.settle_failure(&actor, row.id, &reserved, "bad_second_factor")
                    .await?;
                return Err(Error::MfaRequired);
            }
        }
        let new_hash = if verified.needs_rehash {
            Some(self.0.hasher.hash(&normalized).await?)
        } else {
            None
        };
        // The password is right; would it pass as a new one? If not (eGovFrame's
        // default, breached, too short), the login succeeds restricted.
        let weak = self
            .0
            .policy
            .check(password, row.mfa_enabled, &row.login_id, &row.display_name)
            .err();
        // A temporary password (set by an administrator) restricts the session
        // the same way, until its owner replaces it.
        let restricted = weak.is_some() || row.password_temporary;
        let login_event = |session: &str| {
            let mut detail = Detail::new()
                .text("session", session)
                .flag("mfa", row.mfa_enabled)
                .flag("rehashed", new_hash.is_some())
                .number("attempt", reserved.count)
                .flag("change_required", restricted)
                .flag("temporary", row.password_temporary);
            let mut event = account_event(Action::LOGIN, &actor, Outcome::Success, row.id);
            if let Some(rejection) = &weak {
                // (Keys naming a password are scrubbed from details.)
                detail = detail.text("policy", rejection.code());
            }
            if restricted {
                event = event.reason_code("password_change_required");
            }
            event.detail(detail)
        };
        match self
            .admit(
                &row,
                &reserved,
                Admission {
                    new_hash: new_hash.as_deref(),
                    password_change_required: restricted,
                },
                login_event,
            )
            .await?
        {
            Ok(session) => Ok(session),
            Err(reason) => {
                self.settle_failure(&actor, row.id, &reserved, reason)
                    .await?;
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// The account row of `login_id`, locked for this transaction.
    pub(super) async fn locked_account(
        &self,
        tx: &mut AnyConnection,
        column: &str,
        value: &str,
    ) -> Result<Option<AccountRow>, Error> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM egov_auth_accounts WHERE {column} = $1{}",
            self.backend().pick("", " FOR UPDATE")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_optional(&mut *tx)
            .await?;
        row.as_ref().map(AccountRow::read).transpose()
    }

    /// Reads `login_id`'s account and decides whether this attempt may be
    /// tried, in one transaction holding the row: refused (not counted) while
    /// the account is locked, disabled or in a delay; otherwise counted as the
    /// next consecutive failure, with the delay or lock it brings, until the
    /// password proves right. Returns the row as it was before, or `None` for
    /// an unknown login id (which leaves no state).
    pub(super) async fn reserve_attempt(
        &self,
        login_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(AccountRow, Gate)>, Error> {
        self.reserve_attempt_by("login_id", login_id, now).await
    }

    /// [`Auth::reserve_attempt`] of the account whose `column` is `value`
    /// (`login_id` or `id`).
    pub(super) async fn reserve_attempt_by(
        &self,
        column: &str,
        value: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(AccountRow, Gate)>, Error> {
        let mut tx = begin(&self.0.db).await?;
        let Some(row) = self.locked_account(&mut tx, column, value).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        if let Some(reason) = blocked_reason(&row, now) {
            tx.rollback().await?;
            return Ok(Some((row, Gate::Blocked(reason))));
        }
        let s = &self.0.settings;
        let count = row.failed_count.saturating_add(1);
        let count_u = u32::try_from(count).unwrap_or(u32::MAX);
        let mut reserved = Reservation {
            count,
            status: row.status,
            not_before: row.not_before,
            locked_until: row.locked_until,
            lock: None,
        };
        if count_u >= s.disable_after_failures {
            reserved.status = AccountStatus::Locked;
            reserved.lock = Some(("password_disabled", None));
        } else if count_u.is_multiple_of(s.lock_after_failures) {
            let until = now + secs(s.lock_secs);
            reserved.locked_until = Some(until);
            reserved.lock = Some(("timed_lock", Some(until)));
        } else if count_u > s.free_failures {
            let exponent = (count_u - s.free_failures - 1).min(30);
            let delay = s
                .delay_base_secs
                .saturating_mul(1u64 << exponent)
                .min(s.delay_max_secs);
            reserved.not_before = Some(now + secs(delay));
        }
        let status_changed = reserved.status != row.status;
        sqlx::query(
            "UPDATE egov_auth_accounts SET failed_count = $1, last_failed_at = $2, status = $3, \
             not_before = $4, locked_until = $5, updated_at = COALESCE($6, updated_at) WHERE id = $7",
        )
        .bind(count)
        .bind(now_sql(now))
        .bind(reserved.status.as_str())
        .bind(reserved.not_before.map(now_sql))
        .bind(reserved.locked_until.map(now_sql))
        .bind(status_changed.then(|| now_sql(now)))
        .bind(row.id.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some((row, Gate::Open(reserved))))
    }

    /// Gives back a reservation whose password was right but which cannot go
    /// on (MFA code missing): the account's throttle state becomes what it was
    /// before, unless other attempts were counted since (then this one stays a
    /// failure). Whether it was given back.
    pub(super) async fn release(
        &self,
        before: &AccountRow,
        reserved: &Reservation,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE egov_auth_accounts SET failed_count = $1, status = $2, not_before = $3, locked_until = $4 \
             WHERE id = $5 AND failed_count = $6 AND status = $7",
        )
        .bind(before.failed_count)
        .bind(before.status.as_str())
        .bind(before.not_before.map(now_sql))
        .bind(before.locked_until.map(now_sql))
        .bind(before.id.to_string())
        .bind(reserved.count)
        .bind(reserved.status.as_str())
        .execute(self.0.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Lets a verified attempt in, in one transaction holding the account row:
    /// if no other attempt was counted since this one's reservation, its
    /// failures (and the delay or lock its reservation set) are cleared;
    /// otherwise the account must be open right now — not locked, disabled or in
    /// a delay set by the later attempts — and their failures stay counted.
    /// A password changed meanwhile refuses the attempt too. On success the
    /// session is created in the same transaction, the account's hash and
    /// password-change mark are written as `admission` says, and `event` (given
    /// the new session's id) is recorded in it; otherwise the reason.
    pub(super) async fn admit(
        &self,
        before: &AccountRow,
        reserved: &Reservation,
        admission: Admission<'_>,
        event: impl FnOnce(&str) -> AuditEvent,
    ) -> Result<Result<Session, &'static str>, Error> {
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        let id = before.id.to_string();
        let Some(current) = self.locked_account(&mut tx, "id", &id).await? else {
            tx.rollback().await?;
            return Ok(Err("unknown_account"));
        };
        if current.password_hash != before.password_hash {
            tx.rollback().await?;
            return Ok(Err("password_changed"));
        }
        let own_state = current.failed_count == reserved.count && current.status == reserved.status;
        let sql = if own_state && current.status != AccountStatus::Disabled {
            "UPDATE egov_auth_accounts SET failed_count = 0, not_before = NULL, locked_until = NULL, \
             status = 'active', last_login_at = $1, password_hash = COALESCE($2, password_hash), \
             password_change_required = $3 WHERE id = $4"
        } else if let Some(reason) =
            // A delay now in force was set by attempts counted after this one
            // (this one was let through when it was counted): tried one after
            // another, this attempt would have succeeded before them, so it
            // still does — otherwise a user's own concurrent logins (several
            // tabs, a shared service account) would refuse each other. Locks and
            // disabling still refuse it.
            blocked_reason(&current, now).filter(|reason| *reason != "throttled")
        {
            tx.rollback().await?;
            return Ok(Err(reason));
        } else {
            "UPDATE egov_auth_accounts SET last_login_at = $1, password_hash = COALESCE($2, password_hash), \
             password_change_required = $3 WHERE id = $4"
        };
        let restricted = admission.password_change_required;
        sqlx::query(sql)
            .bind(now_sql(now))
            .bind(admission.new_hash)
            .bind(i64::from(restricted))
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        let (family, refresh, idle) = self.start_session(&mut tx, before.id, now).await?;
        self.0
            .audit
            .record_in_transaction(&mut tx, event(&family))
            .await?;
        if current.password_change_required == restricted {
            tx.commit().await?;
        } else {
            // The mark changed: the account's other sessions (cached on every
            // replica) are restricted, or free, from now on too.
            self.commit_change(tx).await?;
        }
        Ok(Ok(self.session(
            before.id, family, refresh, now, idle, restricted,
        )?))
    }

    /// Records a failed attempt whose failure its reservation already counted,
    /// and the lock that failure brought, if any.
    pub(super) async fn settle_failure(
        &self,
        actor: &Actor,
        id: AccountId,
        reserved: &Reservation,
        reason: &str,
    ) -> Result<(), Error> {
        self.audit(
            account_event(Action::LOGIN_FAILED, actor, Outcome::Failure, id)
                .reason_code(reason)
                .detail(Detail::new().number("consecutive_failures", reserved.count)),
        )
        .await?;
        if let Some((code, until)) = reserved.lock {
            let mut detail = Detail::new().number("consecutive_failures", reserved.count);
            if let Some(until) = until {
                detail = detail.text("until", timestamp_to_sql(until));
            }
            self.audit(
                account_event(actions::ACCOUNT_LOCK, actor, Outcome::Success, id)
                    .reason_code(code)
                    .detail(detail),
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn check_second_factor(
        &self,
        row: &AccountRow,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<bool, Error> {
        let code = code.trim();
        if code.len() == totp::DIGITS as usize {
            let Some(secret) = self.open_totp(row.id, row.totp_secret.as_deref()) else {
                return Ok(false);
            };
            let Some(step) =
                totp::matching_step(&secret, code, now.unix_timestamp(), row.totp_last_step)
            else {
                return Ok(false);
            };
            // Replay protection across replicas: only one update can advance the step.
            let done = sqlx::query(
                "UPDATE egov_auth_accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
            )
            .bind(step)
            .bind(row.id.to_string())
            .execute(self.0.db.pool())
            .await?;
            return Ok(done.rows_affected() == 1);
        }
        let hash = sha256_hex(&normalize_recovery(code));
        let done = sqlx::query(
            "UPDATE egov_auth_recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now_sql(now))
        .bind(row.id.to_string())
        .bind(hash)
        .execute(self.0.db.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
