//! MFA: TOTP enrolment and removal, recovery codes.

use super::*;

impl Auth {
    /// Starts TOTP enrolment: a new secret and its provisioning URI. MFA is on
    /// only after [`Auth::confirm_totp`] with a code from the app.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], database errors.
    pub async fn start_totp(&self, account: AccountId) -> Result<TotpEnrolment, Error> {
        let row = self.account_row(account).await?;
        let secret = totp::new_secret()?;
        let encoded = totp::base32_encode(&secret);
        sqlx::query("UPDATE egov_auth_accounts SET totp_pending_secret = $1 WHERE id = $2")
            .bind(self.seal_totp(account, &encoded)?)
            .bind(account.to_string())
            .execute(self.0.db.pool())
            .await?;
        Ok(TotpEnrolment {
            provisioning_uri: totp::provisioning_uri(
                &self.0.settings.service_name,
                &row.login_id,
                &secret,
            ),
            secret: encoded,
        })
    }

    /// Confirms TOTP enrolment with a current code; turns MFA on and returns
    /// new recovery codes (shown once; stored as SHA-256 hashes — they are
    /// random, 50 bits each, so a fast hash suffices).
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] without a pending enrolment, [`Error::Invalid`] for a
    /// wrong code.
    pub async fn confirm_totp(
        &self,
        actor: &Actor,
        account: AccountId,
        code: &str,
    ) -> Result<Vec<String>, Error> {
        let row = self.account_row(account).await?;
        let pending = self
            .open_totp(account, row.totp_pending_secret.as_deref())
            .ok_or(Error::Conflict("no-pending-enrolment"))?;
        let now = self.now();
        let Some(step) = totp::matching_step(&pending, code, now.unix_timestamp(), 0) else {
            return Err(Error::Invalid("/code", "totp-code"));
        };
        let codes = new_recovery_codes()?;
        let mut tx = begin(&self.0.db).await?;
        sqlx::query(
            "UPDATE egov_auth_accounts SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, \
             totp_last_step = $1, mfa_enabled = 1, updated_at = $2 WHERE id = $3",
        )
        .bind(step)
        .bind(now_sql(now))
        .bind(account.to_string())
        .execute(&mut *tx)
        .await?;
        replace_recovery_codes(&mut tx, account, &codes).await?;
        let event =
            account_event(actions::MFA_ENROL, actor, Outcome::Success, account).reason_code("totp");
        self.commit_audited(tx, event).await?;
        Ok(codes)
    }

    /// Turns MFA off for the caller's own account: the current password and a
    /// valid TOTP or recovery code are required. The authenticator and every
    /// recovery code are removed and every other session is revoked (`keep` is
    /// the caller's session).
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] (`mfa-not-enabled`) without MFA, or
    /// (`single-factor-password`) when the password would not pass the policy
    /// as the only factor (change it first); [`Error::WrongPassword`];
    /// [`Error::Invalid`] (`/code`, `totp-code`) for a wrong, replayed or used
    /// code. Each failure after the MFA check is an audit event.
    pub async fn disable_totp(
        &self,
        actor: &Actor,
        account: AccountId,
        keep: &str,
        current_password: &str,
        code: &str,
    ) -> Result<i64, Error> {
        let row = self.account_row(account).await?;
        let fail = |reason: &'static str| {
            account_event(actions::MFA_DISABLE, actor, Outcome::Failure, account)
                .reason_code(reason)
        };
        if !row.mfa_enabled {
            return Err(Error::Conflict("mfa-not-enabled"));
        }
        if !self.password_matches(actor, &row, current_password).await? {
            return self
                .refuse(fail("wrong_password"), Error::WrongPassword)
                .await;
        }
        // With MFA the password may be as short as 8 characters; alone it must
        // meet the single-factor policy (NIST SP 800-63B rev 4: 15).
        if self
            .0
            .policy
            .check(current_password, false, &row.login_id, &row.display_name)
            .is_err()
        {
            let error = Error::Conflict("single-factor-password");
            return self.refuse(fail("single_factor_password"), error).await;
        }
        let now = self.now();
        if !self.check_second_factor(&row, code, now).await? {
            let error = Error::Invalid("/code", "totp-code");
            return self.refuse(fail("bad_second_factor"), error).await;
        }
        let mut tx = begin(&self.0.db).await?;
        sqlx::query(
            "UPDATE egov_auth_accounts SET mfa_enabled = 0, totp_secret = NULL, totp_pending_secret = NULL, \
             updated_at = $1 WHERE id = $2",
        )
        .bind(now_sql(now))
        .bind(account.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM egov_auth_recovery_codes WHERE account_id = $1")
            .bind(account.to_string())
            .execute(&mut *tx)
            .await?;
        let revoked = revoke_families(&mut tx, account, Some(keep), now, "mfa_disabled").await?;
        let event = account_event(actions::MFA_DISABLE, actor, Outcome::Success, account)
            .reason_code("totp")
            .detail(Detail::new().number("revoked", revoked));
        self.commit_audited(tx, event).await?;
        Ok(revoked)
    }

    /// Turns MFA off for an account whose owner lost their authenticator
    /// (administrators): the authenticator, a pending enrolment and every
    /// recovery code are removed and every session of the account is revoked
    /// (whoever holds the lost device may hold a session too). Without MFA the
    /// password must meet the single-factor policy; if it does not, the next
    /// login is restricted to changing it.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::Conflict`] (`mfa-not-enabled`) when MFA is
    /// off and no enrolment is pending.
    pub async fn reset_mfa(&self, actor: &Actor, account: AccountId) -> Result<Account, Error> {
        let row = self.account_row(account).await?;
        if !row.mfa_enabled && row.totp_pending_secret.is_none() {
            return Err(Error::Conflict("mfa-not-enabled"));
        }
        let now = self.now();
        let mut tx = begin(&self.0.db).await?;
        sqlx::query(
            "UPDATE egov_auth_accounts SET mfa_enabled = 0, totp_secret = NULL, totp_pending_secret = NULL, \
             updated_at = $1 WHERE id = $2",
        )
        .bind(now_sql(now))
        .bind(account.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM egov_auth_recovery_codes WHERE account_id = $1")
            .bind(account.to_string())
            .execute(&mut *tx)
            .await?;
        let revoked = revoke_families(&mut tx, account, None, now, "mfa_reset").await?;
        let event = account_event(actions::MFA_DISABLE, actor, Outcome::Success, account)
            .reason_code("admin_reset")
            .detail(
                Detail::new()
                    .flag("was_enabled", row.mfa_enabled)
                    // (A key naming a session would be scrubbed as a secret.)
                    .number("revoked", revoked),
            );
        self.commit_account_change(tx, event, account).await
    }

    /// Replaces the caller's recovery codes with [`RECOVERY_CODES`] new ones
    /// (shown once); a valid TOTP code (not a recovery code) is required. The
    /// old codes stop working.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] (`mfa-not-enabled`) without MFA; [`Error::Invalid`]
    /// (`/code`, `totp-code`) for a wrong or replayed code (an audit event).
    pub async fn regenerate_recovery_codes(
        &self,
        actor: &Actor,
        account: AccountId,
        code: &str,
    ) -> Result<Vec<String>, Error> {
        let row = self.account_row(account).await?;
        if !row.mfa_enabled {
            return Err(Error::Conflict("mfa-not-enabled"));
        }
        let code = code.trim();
        let now = self.now();
        if code.len() != totp::DIGITS as usize || !self.check_second_factor(&row, code, now).await?
        {
            let event = account_event(
                actions::RECOVERY_CODES_REGENERATE,
                actor,
                Outcome::Failure,
                account,
            )
            .reason_code("bad_second_factor");
            return self
                .refuse(event, Error::Invalid("/code", "totp-code"))
                .await;
        }
        let codes = new_recovery_codes()?;
        let mut tx = begin(&self.0.db).await?;
        replace_recovery_codes(&mut tx, account, &codes).await?;
        let event = account_event(
            actions::RECOVERY_CODES_REGENERATE,
            actor,
            Outcome::Success,
            account,
        )
        .detail(Detail::new().number("codes", RECOVERY_CODES as i64));
        self.commit_audited(tx, event).await?;
        Ok(codes)
    }

    /// Whether `password` is the account's password (one Argon2 computation).
    /// Whether `password` is the current password of `row`'s account — a
    /// re-authentication, checked through the login throttle: it reserves an
    /// attempt on the same counter, so wrong guesses are delayed, lock and
    /// disable the account exactly as wrong logins do (a stolen session
    /// cannot guess the password), and a locked account is refused even with
    /// the right one. A right password leaves the counter as it was.
    pub(super) async fn password_matches(
        &self,
        actor: &Actor,
        row: &AccountRow,
        password: &str,
    ) -> Result<bool, Error> {
        let now = self.now();
        let Some((current, gate)) = self
            .reserve_attempt_by("id", &row.id.to_string(), now)
            .await?
        else {
            return Ok(false);
        };
        let reserved = match gate {
            Gate::Blocked(reason) => {
                self.audit(
                    account_event(Action::LOGIN_FAILED, actor, Outcome::Failure, row.id)
                        .reason_code(reason)
                        .detail(Detail::new().text("during", "reauthentication")),
                )
                .await?;
                return Ok(false);
            }
            Gate::Open(reserved) => reserved,
        };
        // One Argon2 computation, as at login.
        let verified = match NormalizedPassword::new(password) {
            Ok(normalized) => self
                .0
                .hasher
                .verify(
                    &normalized,
                    password,
                    &current.login_id,
                    current.password_hash.as_deref(),
                )
                .await?
                .is_some(),
            Err(_) => false,
        };
        if verified {
            self.release(&current, &reserved).await?;
        } else {
            self.settle_failure(actor, row.id, &reserved, "bad_password_reauthentication")
                .await?;
        }
        Ok(verified)
    }
}
