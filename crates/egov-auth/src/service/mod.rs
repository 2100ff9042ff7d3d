//! [`Auth`]: accounts, login, sessions, MFA, roles — all state in the database.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use egov_audit::{Action, AuditEvent, AuditLog, Detail, Outcome, Target};
use egov_core::actor::{Actor, Permission, Principal};
use egov_core::clock::{SharedClock, SystemClock};
use egov_core::id::AccountId;
use egov_core::paging::{Page, PageRequest};
use egov_db::value::{timestamp_from_sql, timestamp_to_sql};
use egov_db::{Backend, Db, change};
use egov_privacy::FieldCipher;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::keys::Keyring;
use crate::password::{Hasher, NormalizedPassword, PasswordPolicy};
use crate::rbac::{Role, RoleGraph, valid_name};
use crate::settings::AuthSettings;
use crate::{Error, totp};

mod accounts;
mod authenticate;
mod login;
mod mfa;
mod roles;
mod sessions;

/// The change topic of egov-auth's cached state (account status, sessions,
/// roles, grants, assignments).
pub const CHANGE_TOPIC: &str = "auth";
/// Cached account state is reloaded at least this often even without a change.
const CACHE_MAX_AGE: Duration = Duration::from_secs(30);
const CACHE_MAX_ENTRIES: usize = 50_000;
/// Recovery codes issued per enrolment.
pub const RECOVERY_CODES: usize = 10;

/// Audit actions of egov-auth besides the built-in login ones.
pub mod actions {
    use egov_audit::Action;
    /// A throttling lock or a password disabled after too many failures.
    pub const ACCOUNT_LOCK: Action = Action::new("account_lock");
    /// An administrator unlocked an account.
    pub const ACCOUNT_UNLOCK: Action = Action::new("account_unlock");
    /// A password was changed (by its owner or an administrator).
    pub const PASSWORD_CHANGE: Action = Action::new("password_change");
    /// A TOTP authenticator was enrolled.
    pub const MFA_ENROL: Action = Action::new("mfa_enrol");
    /// MFA was turned off (the authenticator and recovery codes removed).
    pub const MFA_DISABLE: Action = Action::new("mfa_disable");
    /// New recovery codes replaced the old ones.
    pub const RECOVERY_CODES_REGENERATE: Action = Action::new("mfa_recovery_codes");
    /// A refresh-token family (session) was revoked.
    pub const TOKEN_REVOKE: Action = Action::new("token_family_revoke");
    /// An administrator changed an account, role, grant or assignment.
    pub const ADMIN_CHANGE: Action = Action::new("auth_admin_change");
}

/// An account's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// May log in.
    Active,
    /// The password is disabled after too many failures (or by an
    /// administrator) until an administrator unlocks it. Existing sessions go on.
    Locked,
    /// May not log in; every session is revoked.
    Disabled,
}

impl AccountStatus {
    /// Every status, in the order screens list them.
    pub const ALL: [AccountStatus; 3] = [
        AccountStatus::Active,
        AccountStatus::Locked,
        AccountStatus::Disabled,
    ];

    /// The stored and serialized name (`active`, `locked`, `disabled`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Locked => "locked",
            AccountStatus::Disabled => "disabled",
        }
    }

    /// The status named `text` ([`AccountStatus::as_str`]), if any.
    pub fn from_name(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    fn parse(text: &str) -> Result<Self, Error> {
        Self::from_name(text).ok_or_else(|| Error::Internal("unknown account status".into()))
    }
}

/// An account, as administrators see it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct Account {
    /// Account id.
    #[cfg_attr(feature = "axum", schema(value_type = String))]
    pub id: AccountId,
    /// Login id.
    pub login_id: String,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Status.
    pub status: AccountStatus,
    /// Consecutive failed logins.
    pub failed_count: i64,
    /// End of the current throttling lock (RFC 3339).
    pub locked_until: Option<String>,
    /// Last successful login (RFC 3339).
    pub last_login_at: Option<String>,
    /// Last password change (RFC 3339).
    pub password_changed_at: Option<String>,
    /// Whether a second factor is enrolled.
    pub mfa_enabled: bool,
    /// The password failed the password policy at the last successful login
    /// (eGovFrame's default password, a breached or too short one): the account's
    /// sessions may do nothing but change it until it is changed.
    pub password_change_required: bool,
    /// The password was set by an administrator (a new account's initial
    /// password, a reset: [`Auth::create_account_requiring_change`],
    /// [`Auth::issue_temporary_password`]): the next login is restricted to
    /// changing it, as [`Account::password_change_required`] says then.
    pub password_temporary: bool,
    /// Assigned roles (before expansion).
    pub roles: BTreeSet<String>,
}

/// What [`Auth::search_accounts`] looks for: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    /// Part of the login id or of the display name (case-insensitive); empty or
    /// white space only is no condition.
    pub text: Option<String>,
    /// The status.
    pub status: Option<AccountStatus>,
}

/// A new account.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct NewAccount {
    /// Login id: 1–64 characters, no control characters or spaces.
    pub login_id: String,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Initial password (the policy applies).
    pub password: String,
    /// Roles to assign.
    #[serde(default)]
    pub roles: BTreeSet<String>,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("login_id", &self.login_id)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

/// Tokens of a session. `Debug` hides the tokens.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct Session {
    /// The access token (JWT, `Bearer`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The refresh token (opaque; rotate it with `/auth/refresh`).
    pub refresh_token: String,
    /// Seconds until the refresh token expires unless used.
    pub refresh_expires_in: i64,
    /// The account.
    #[cfg_attr(feature = "axum", schema(value_type = String))]
    pub account_id: AccountId,
    /// The session (refresh-token family) id.
    pub session_id: String,
    /// The password the account logged in with fails the password policy: until it
    /// is changed (`PUT /auth/password`), the session may only do that, read
    /// `/auth/me`, refresh and log out; every other request is refused with 403
    /// `urn:egov:problem:password-change-required`.
    pub password_change_required: bool,
}

/// What [`Auth::resume`] gives a browser's page request.
#[derive(Debug)]
pub enum Resumed {
    /// The refresh token was rotated: a new access and refresh token.
    Rotated(Session),
    /// The refresh token had just been rotated by another page request of the
    /// same browser: a new access token only.
    Concurrent(AccessGrant),
}

/// An access token of an existing session, without a new refresh token.
pub struct AccessGrant {
    /// The access token (JWT).
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The account.
    pub account_id: AccountId,
    /// The session (refresh-token family) id.
    pub session_id: String,
}

impl std::fmt::Debug for AccessGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessGrant")
            .field("account_id", &self.account_id)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("account_id", &self.account_id)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

/// A TOTP enrolment waiting for confirmation. `Debug` hides the secret.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "axum", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    /// The secret, base32 (for manual entry).
    pub secret: String,
    /// The `otpauth://` URI (for a QR code).
    pub provisioning_uri: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment(***)")
    }
}

/// The result of authenticating a request's access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The account.
    pub account_id: AccountId,
    /// The session (refresh-token family).
    pub session_id: String,
    /// The account's login id (from the account cache; pages name who is logged in).
    pub login_id: String,
    /// The account's display name (from the account cache).
    pub display_name: String,
    /// Roles, hierarchy expanded.
    pub roles: BTreeSet<String>,
    /// Effective permissions.
    pub permissions: BTreeSet<Permission>,
    /// The account must change its password first ([`Account::password_change_required`]):
    /// egov-auth's middleware refuses every request but those a restricted session may
    /// make (`web::allowed_while_password_change_required`, feature `axum`).
    pub password_change_required: bool,
    /// When this session ends if nothing renews it — for a page's time-limit
    /// notice ("your session ends at 14:35 if you do nothing") and its extend
    /// button (`POST /auth/session/extend`, feature `axum`).
    ///
    /// It is the idle expiry of the refresh token issued together with this
    /// request's access token: `refresh_idle_secs` after the login or rotation
    /// that issued them, but never later than the session's absolute end
    /// (`refresh_absolute_secs` after login). It comes from the access token's
    /// signed `sid_exp` claim ([`AccessClaims::sid_exp`](crate::keys::AccessClaims::sid_exp)),
    /// so it costs no database query. Any renewal before then — `/auth/refresh`,
    /// the extend endpoint, or in cookie mode a page request or form post made
    /// after the access token expired — moves it forward (up to the absolute
    /// end); a logout, revocation, password change or disabled account ends the
    /// session earlier. `None` when the access token has no such claim (tokens
    /// signed with [`Keyring::issue`](crate::keys::Keyring::issue) directly, or
    /// by a version of egov-auth before the claim).
    pub session_expires_at: Option<OffsetDateTime>,
}

impl Authenticated {
    /// Fills `actor` (keeping its request context) with this principal.
    pub fn apply_to(&self, actor: &mut Actor) {
        actor.principal = Principal::Account {
            id: self.account_id,
        };
        actor.roles = self.roles.clone();
        actor.permissions = self.permissions.clone();
    }
}

struct CachedAccount {
    version: i64,
    loaded: Instant,
    status: AccountStatus,
    password_change_required: bool,
    login_id: String,
    display_name: String,
    /// The account's sessions (refresh families) neither revoked nor past
    /// their absolute expiry: an access token's `sid` must be one of them.
    live_sessions: HashSet<String>,
    roles: BTreeSet<String>,
    permissions: BTreeSet<Permission>,
}

struct Inner {
    db: Db,
    settings: AuthSettings,
    keyring: Keyring,
    hasher: Hasher,
    policy: PasswordPolicy,
    audit: AuditLog,
    clock: SharedClock,
    versions: watch::Receiver<i64>,
    local_version: AtomicI64,
    accounts: RwLock<HashMap<AccountId, Arc<CachedAccount>>>,
    roles: RwLock<Option<(i64, Arc<RoleGraph>)>>,
    csrf_key: [u8; 32],
    cipher: FieldCipher,
}

/// egov-auth's service: cheap to clone, shareable between handlers. See the
/// [crate docs](crate).
#[derive(Clone)]
pub struct Auth(Arc<Inner>);

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("keyring", &self.0.keyring)
            .field("hasher", &self.0.hasher)
            .finish_non_exhaustive()
    }
}

fn now_sql(now: OffsetDateTime) -> String {
    timestamp_to_sql(now)
}

fn secs(n: u64) -> time::Duration {
    time::Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX / 4))
}

fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_token(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("random: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

fn opt_time(row: &AnyRow, column: &str) -> Result<Option<OffsetDateTime>, Error> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| timestamp_from_sql(column, &t))
        .transpose()
        .map_err(Error::from)
}

/// A login id in the one form it is stored and looked up in: Unicode NFKC
/// (full-width `ａｄｍｉｎ` is `admin`), then lower case (`Admin` is `admin`),
/// 1–64 characters of ASCII letters, digits, `.`, `_`, `-`, `@` or Hangul
/// syllables. Anything else — white space, controls, zero-width characters,
/// letters of other scripts that look Latin (Cyrillic `а`, Greek `ο`) — is
/// refused (`None`), so two accounts can never differ only in ways a person
/// cannot see.
///
/// ```
/// use egov_auth::normalize_login_id;
///
/// assert_eq!(normalize_login_id(" Admin ").as_deref(), Some("admin"));
/// assert_eq!(normalize_login_id("ａｄｍｉｎ").as_deref(), Some("admin"));
/// assert_eq!(normalize_login_id("홍길동.2026").as_deref(), Some("홍길동.2026"));
/// for confusable in ["\u{430}dmin", "admin\u{200b}", "ad min", "", "a\u{0}"] {
///     assert_eq!(normalize_login_id(confusable), None, "{confusable:?}");
/// }
/// ```
pub fn normalize_login_id(raw: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization as _;
    let normalized: String = raw.trim().nfkc().collect::<String>().to_lowercase();
    let allowed = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(c, '.' | '_' | '-' | '@')
            || ('\u{ac00}'..='\u{d7a3}').contains(&c)
    };
    ((1..=64).contains(&normalized.chars().count()) && normalized.chars().all(allowed))
        .then_some(normalized)
}

const ACCOUNT_COLUMNS: &str = "id, login_id, display_name, email, status, password_hash, \
    password_changed_at, failed_count, not_before, locked_until, last_login_at, mfa_enabled, \
    totp_secret, totp_pending_secret, totp_last_step, password_change_required, password_temporary";

struct AccountRow {
    id: AccountId,
    login_id: String,
    display_name: String,
    email: Option<String>,
    status: AccountStatus,
    password_hash: Option<String>,
    password_changed_at: Option<String>,
    failed_count: i64,
    not_before: Option<OffsetDateTime>,
    locked_until: Option<OffsetDateTime>,
    last_login_at: Option<String>,
    mfa_enabled: bool,
    totp_secret: Option<String>,
    totp_pending_secret: Option<String>,
    totp_last_step: i64,
    password_change_required: bool,
    password_temporary: bool,
}

impl AccountRow {
    fn read(row: &AnyRow) -> Result<Self, Error> {
        let id: String = row.try_get("id")?;
        Ok(Self {
            id: id
                .parse()
                .map_err(|_| Error::Internal("bad account id".into()))?,
            login_id: row.try_get("login_id")?,
            display_name: row.try_get("display_name")?,
            email: row.try_get("email")?,
            status: AccountStatus::parse(&row.try_get::<String, _>("status")?)?,
            password_hash: row.try_get("password_hash")?,
            password_changed_at: row.try_get("password_changed_at")?,
            failed_count: row.try_get("failed_count")?,
            not_before: opt_time(row, "not_before")?,
            locked_until: opt_time(row, "locked_until")?,
            last_login_at: row.try_get("last_login_at")?,
            mfa_enabled: row.try_get::<i64, _>("mfa_enabled")? != 0,
            totp_secret: row.try_get("totp_secret")?,
            totp_pending_secret: row.try_get("totp_pending_secret")?,
            totp_last_step: row.try_get("totp_last_step")?,
            password_change_required: row.try_get::<i64, _>("password_change_required")? != 0,
            password_temporary: row.try_get::<i64, _>("password_temporary")? != 0,
        })
    }

    fn public(&self, roles: BTreeSet<String>) -> Account {
        Account {
            id: self.id,
            login_id: self.login_id.clone(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            status: self.status,
            failed_count: self.failed_count,
            locked_until: self.locked_until.map(timestamp_to_sql),
            last_login_at: self.last_login_at.clone(),
            password_changed_at: self.password_changed_at.clone(),
            mfa_enabled: self.mfa_enabled,
            password_change_required: self.password_change_required,
            password_temporary: self.password_temporary,
            roles,
        }
    }
}

/// An audit event by `actor` about account `id`: the target every account
/// operation names.
fn account_event(action: Action, actor: &Actor, outcome: Outcome, id: AccountId) -> AuditEvent {
    AuditEvent::new(action, actor, outcome).target(Target::new("account", id))
}

/// A write that matched no row means its target does not exist; returning
/// the error drops (rolls back) the caller's transaction.
fn require_found(done: &sqlx::any::AnyQueryResult) -> Result<(), Error> {
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Why an account refuses login attempts right now, if it does.
fn blocked_reason(row: &AccountRow, now: OffsetDateTime) -> Option<&'static str> {
    match row.status {
        AccountStatus::Disabled => Some("disabled"),
        AccountStatus::Locked => Some("locked"),
        AccountStatus::Active if row.locked_until.is_some_and(|t| t > now) => Some("locked"),
        AccountStatus::Active if row.not_before.is_some_and(|t| t > now) => Some("throttled"),
        AccountStatus::Active => None,
    }
}

/// What the reservation of a login attempt decided (see [`Auth::login`]).
enum Gate {
    /// Refused without counting: the account is locked, disabled or in a delay.
    Blocked(&'static str),
    /// Tried, and counted as a failure until the password proves right.
    Open(Reservation),
}

/// A login attempt counted as failure number `count`, and the throttle state
/// that failure wrote.
struct Reservation {
    count: i64,
    status: AccountStatus,
    not_before: Option<OffsetDateTime>,
    locked_until: Option<OffsetDateTime>,
    /// The lock this failure brought: audit reason code and end.
    lock: Option<(&'static str, Option<OffsetDateTime>)>,
}

/// What [`Auth::admit`] writes to the account of a verified login besides
/// clearing its failures.
struct Admission<'a> {
    /// A new hash of the password (Argon2id replacing an older one).
    new_hash: Option<&'a str>,
    /// The password fails the policy: the account's sessions are restricted
    /// until it is changed.
    password_change_required: bool,
}

/// Begins a write transaction (SQLite: `BEGIN IMMEDIATE`, so concurrent writers
/// wait for the lock instead of failing to upgrade it).
async fn begin(db: &Db) -> Result<sqlx::Transaction<'static, sqlx::Any>, Error> {
    Ok(db.begin_write().await?)
}

impl Auth {
    /// Starts the service on `db` (migrated with [`MIGRATIONS`](crate::MIGRATIONS)
    /// and `egov_db::change::MIGRATIONS`), recording into `audit`, with the system clock.
    ///
    /// `cipher` encrypts TOTP secrets at rest (AES-256-GCM, bound to the account
    /// id): build it from the `[privacy]` section with
    /// [`FieldCipher::from_settings`]. TOTP secrets stored in plain base32 by
    /// an earlier version are encrypted here, once.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `settings` break a rule (see
    /// [`AuthSettings::validate`]); a database error while encrypting old secrets.
    pub async fn new(
        db: Db,
        settings: AuthSettings,
        cipher: FieldCipher,
        audit: AuditLog,
    ) -> Result<Self, Error> {
        Self::with_clock(db, settings, cipher, audit, Arc::new(SystemClock)).await
    }

    /// [`Auth::new`] with another clock (tests move time).
    ///
    /// # Errors
    ///
    /// As [`Auth::new`].
    pub async fn with_clock(
        db: Db,
        settings: AuthSettings,
        cipher: FieldCipher,
        audit: AuditLog,
        clock: SharedClock,
    ) -> Result<Self, Error> {
        settings.validate()?;
        let keyring = Keyring::from_settings(&settings)?;
        let hasher = Hasher::new(settings.argon2, settings.hashing_permits())?;
        let policy = PasswordPolicy::new(
            std::iter::once(settings.service_name.clone()).chain(settings.context_words.clone()),
        );
        let csrf_material = settings.csrf_key.expose().trim();
        if csrf_material.is_empty() {
            return Err(Error::Config("auth.csrf_key must be set".into()));
        }
        let mut csrf_key = [0u8; 32];
        csrf_key.copy_from_slice(&Sha256::digest(csrf_material.as_bytes()));
        let versions = change::watch(
            db.clone(),
            CHANGE_TOPIC,
            Duration::from_millis(settings.change_poll_ms.max(10)),
        );
        let auth = Self(Arc::new(Inner {
            db,
            settings,
            keyring,
            hasher,
            policy,
            audit,
            clock,
            versions,
            local_version: AtomicI64::new(0),
            accounts: RwLock::new(HashMap::new()),
            roles: RwLock::new(None),
            csrf_key,
            cipher,
        }));
        auth.encrypt_plain_totp_secrets().await?;
        Ok(auth)
    }

    /// Encrypts TOTP secrets stored in plain base32 (before secrets were
    /// encrypted). Idempotent; a conditional update per row, so replicas
    /// starting together do not double-encrypt.
    pub(super) async fn encrypt_plain_totp_secrets(&self) -> Result<(), Error> {
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, totp_secret, totp_pending_secret FROM egov_auth_accounts \
             WHERE (totp_secret IS NOT NULL AND totp_secret NOT LIKE 'v1:%') \
             OR (totp_pending_secret IS NOT NULL AND totp_pending_secret NOT LIKE 'v1:%')",
        )
        .fetch_all(self.0.db.pool())
        .await?;
        for (id, secret, pending) in rows {
            let account: AccountId = id
                .parse()
                .map_err(|_| Error::Internal("bad account id".into()))?;
            for (column, value) in [("totp_secret", secret), ("totp_pending_secret", pending)] {
                let Some(plain) = value.filter(|v| !v.starts_with("v1:")) else {
                    continue;
                };
                let sealed = self.seal_totp(account, &plain)?;
                let sql = format!(
                    "UPDATE egov_auth_accounts SET {column} = $1 WHERE id = $2 AND {column} = $3"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(sealed)
                    .bind(&id)
                    .bind(&plain)
                    .execute(self.0.db.pool())
                    .await?;
            }
        }
        Ok(())
    }

    /// A base32 TOTP secret encrypted for storage, bound to `account`.
    pub(super) fn seal_totp(&self, account: AccountId, base32: &str) -> Result<String, Error> {
        self.0
            .cipher
            .encrypt_with_aad(base32, &totp::secret_aad(account))
            .map_err(|e| Error::Internal(format!("totp secret encryption: {e}")))
    }

    /// A stored TOTP secret, decrypted; `None` (logged) when it does not
    /// decrypt for `account` — e.g. copied from another account's row.
    pub(super) fn open_totp(&self, account: AccountId, stored: Option<&str>) -> Option<Vec<u8>> {
        let stored = stored?;
        match self
            .0
            .cipher
            .decrypt_with_aad(stored, &totp::secret_aad(account))
        {
            Ok(base32) => totp::base32_decode(&base32),
            Err(error) => {
                tracing::error!(%error, %account, "a stored TOTP secret does not decrypt");
                None
            }
        }
    }

    /// The settings.
    pub fn settings(&self) -> &AuthSettings {
        &self.0.settings
    }

    /// The token keyring.
    pub fn keyring(&self) -> &Keyring {
        &self.0.keyring
    }

    /// The password policy.
    pub fn policy(&self) -> &PasswordPolicy {
        &self.0.policy
    }

    /// The password hasher (its parameters, and counters of its Argon2
    /// computations).
    pub fn hasher(&self) -> &Hasher {
        &self.0.hasher
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub(super) fn now(&self) -> OffsetDateTime {
        self.0.clock.now()
    }

    pub(super) fn backend(&self) -> Backend {
        self.0.db.backend()
    }

    pub(super) async fn audit(&self, event: AuditEvent) -> Result<(), Error> {
        self.0.audit.record(event).await?;
        Ok(())
    }

    /// Records `event` inside `tx`, then commits both (bumping the change
    /// topic): the change and its audit event commit together or not at all,
    /// so the trail never shows a rolled-back change and no change lacks its
    /// event.
    pub(super) async fn commit_audited(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        event: AuditEvent,
    ) -> Result<(), Error> {
        self.0.audit.record_in_transaction(&mut tx, event).await?;
        self.commit_change(tx).await
    }

    /// [`Auth::commit_audited`] for an administrative account change, answering
    /// with the account as it is after the commit (roles included).
    pub(super) async fn commit_account_change(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Any>,
        event: AuditEvent,
        id: AccountId,
    ) -> Result<Account, Error> {
        self.commit_audited(tx, event).await?;
        self.account(id).await
    }

    /// Records the refusal `event` and fails with `error`: a refused attempt is
    /// in the trail before the caller hears the answer (and if it cannot be
    /// recorded, the audit error is the answer).
    pub(super) async fn refuse<T>(&self, event: AuditEvent, error: Error) -> Result<T, Error> {
        self.audit(event).await?;
        Err(error)
    }

    pub(super) fn account_actor(context: &Actor, id: AccountId) -> Actor {
        let mut actor = context.clone();
        actor.principal = Principal::Account { id };
        actor
    }

    /// The version caches must have seen: the watched one, or a newer one
    /// this replica wrote itself.
    pub(super) fn version(&self) -> i64 {
        (*self.0.versions.borrow()).max(self.0.local_version.load(Ordering::Acquire))
    }

    /// Bumps the change topic in `tx` and commits; caches here and on every
    /// replica reload.
    pub(super) async fn commit_change(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), Error> {
        let version = change::bump(&mut tx, self.backend(), CHANGE_TOPIC).await?;
        tx.commit().await?;
        self.0.local_version.fetch_max(version, Ordering::AcqRel);
        Ok(())
    }
}

pub(crate) async fn put_role_in(conn: &mut AnyConnection, role: &Role) -> Result<(), Error> {
    if !valid_name(&role.name)
        || role.includes.iter().any(|r| !valid_name(r))
        || role.permissions.iter().any(|p| !valid_name(p))
    {
        return Err(Error::Invalid("/name", "role-name"));
    }
    sqlx::query("DELETE FROM egov_auth_roles WHERE name = $1")
        .bind(&role.name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO egov_auth_roles (name, description) VALUES ($1, $2)")
        .bind(&role.name)
        .bind(&role.description)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM egov_auth_role_includes WHERE role = $1")
        .bind(&role.name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM egov_auth_grants WHERE role = $1")
        .bind(&role.name)
        .execute(&mut *conn)
        .await?;
    insert_pairs(
        conn,
        "INSERT INTO egov_auth_role_includes (role, includes) VALUES ($1, $2)",
        &role.name,
        &role.includes,
    )
    .await?;
    insert_pairs(
        conn,
        "INSERT INTO egov_auth_grants (role, permission) VALUES ($1, $2)",
        &role.name,
        &role.permissions,
    )
    .await
}

/// Assigns role `$2` to account `$1`.
const INSERT_ASSIGNMENT: &str =
    "INSERT INTO egov_auth_assignments (account_id, role) VALUES ($1, $2)";

/// Runs the two-parameter insert `sql` once per value, binding `($1, $2)` to
/// `(owner, value)`: how an account's or role's set-valued column is stored.
async fn insert_pairs<'v>(
    conn: &mut AnyConnection,
    sql: &'static str,
    owner: &str,
    values: impl IntoIterator<Item = &'v String>,
) -> Result<(), Error> {
    for value in values {
        sqlx::query(sql)
            .bind(owner)
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn replace_recovery_codes(
    conn: &mut AnyConnection,
    account: AccountId,
    codes: &[String],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM egov_auth_recovery_codes WHERE account_id = $1")
        .bind(account.to_string())
        .execute(&mut *conn)
        .await?;
    // Only hashes are stored: the codes themselves are shown once.
    let hashes: Vec<String> = codes
        .iter()
        .map(|code| sha256_hex(&normalize_recovery(code)))
        .collect();
    insert_pairs(
        conn,
        "INSERT INTO egov_auth_recovery_codes (account_id, code_hash) VALUES ($1, $2)",
        &account.to_string(),
        &hashes,
    )
    .await
}

fn join(items: &BTreeSet<String>) -> String {
    items.iter().cloned().collect::<Vec<_>>().join(",")
}

/// A fresh set of [`RECOVERY_CODES`] recovery codes.
fn new_recovery_codes() -> Result<Vec<String>, Error> {
    (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect()
}

fn new_recovery_code() -> Result<String, Error> {
    let mut bytes = [0u8; 7];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("random: {e}")))?;
    let text = totp::base32_encode(&bytes);
    Ok(format!("{}-{}", &text[..5], &text[5..10]).to_lowercase())
}

fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

async fn insert_refresh(
    conn: &mut AnyConnection,
    token: &str,
    family: &str,
    account: AccountId,
    now: OffsetDateTime,
    idle: OffsetDateTime,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO egov_auth_refresh_tokens (token_hash, family_id, account_id, issued_at, idle_expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(token))
    .bind(family)
    .bind(account.to_string())
    .bind(now_sql(now))
    .bind(now_sql(idle))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn revoke_family(
    conn: &mut AnyConnection,
    family: &str,
    now: OffsetDateTime,
    reason: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE egov_auth_families SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(now_sql(now))
    .bind(reason)
    .bind(family)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn revoke_families(
    conn: &mut AnyConnection,
    account: AccountId,
    keep: Option<&str>,
    now: OffsetDateTime,
    reason: &str,
) -> Result<i64, Error> {
    let done = sqlx::query(
        "UPDATE egov_auth_families SET revoked_at = $1, revoke_reason = $2 \
         WHERE account_id = $3 AND revoked_at IS NULL AND id <> $4",
    )
    .bind(now_sql(now))
    .bind(reason)
    .bind(account.to_string())
    .bind(keep.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(i64::try_from(done.rows_affected()).unwrap_or(i64::MAX))
}
