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
    fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Locked => "locked",
            AccountStatus::Disabled => "disabled",
        }
    }

    fn parse(text: &str) -> Result<Self, Error> {
        match text {
            "active" => Ok(AccountStatus::Active),
            "locked" => Ok(AccountStatus::Locked),
            "disabled" => Ok(AccountStatus::Disabled),
            _ => Err(Error::Internal("unknown account status".into())),
        }
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
    /// Assigned roles (before expansion).
    pub roles: BTreeSet<String>,
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
    /// Roles, hierarchy expanded.
    pub roles: BTreeSet<String>,
    /// Effective permissions.
    pub permissions: BTreeSet<Permission>,
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
    revoked_sessions: HashSet<String>,
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

fn valid_login_id(login_id: &str) -> bool {
    (1..=64).contains(&login_id.chars().count())
        && !login_id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
}

const ACCOUNT_COLUMNS: &str = "id, login_id, display_name, email, status, password_hash, \
    password_changed_at, failed_count, not_before, locked_until, last_login_at, mfa_enabled, \
    totp_secret, totp_pending_secret, totp_last_step";

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
    async fn encrypt_plain_totp_secrets(&self) -> Result<(), Error> {
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
    fn seal_totp(&self, account: AccountId, base32: &str) -> Result<String, Error> {
        self.0
            .cipher
            .encrypt_with_aad(base32, &totp::secret_aad(account))
            .map_err(|e| Error::Internal(format!("totp secret encryption: {e}")))
    }

    /// A stored TOTP secret, decrypted; `None` (logged) when it does not
    /// decrypt for `account` — e.g. copied from another account's row.
    fn open_totp(&self, account: AccountId, stored: Option<&str>) -> Option<Vec<u8>> {
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

    fn now(&self) -> OffsetDateTime {
        self.0.clock.now()
    }

    fn backend(&self) -> Backend {
        self.0.db.backend()
    }

    async fn audit(&self, event: AuditEvent) -> Result<(), Error> {
        self.0.audit.record(event).await?;
        Ok(())
    }

    /// Records `event` inside `tx`, then commits both (bumping the change
    /// topic): the change and its audit event commit together or not at all,
    /// so the trail never shows a rolled-back change and no change lacks its
    /// event.
    async fn commit_audited(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        event: AuditEvent,
    ) -> Result<(), Error> {
        self.0.audit.record_in_transaction(&mut tx, event).await?;
        self.commit_change(tx).await
    }

    /// [`Auth::commit_audited`] for an administrative account change, answering
    /// with the account as it is after the commit (roles included).
    async fn commit_account_change(
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
    async fn refuse<T>(&self, event: AuditEvent, error: Error) -> Result<T, Error> {
        self.audit(event).await?;
        Err(error)
    }

    fn account_actor(context: &Actor, id: AccountId) -> Actor {
        let mut actor = context.clone();
        actor.principal = Principal::Account { id };
        actor
    }

    /// The version caches must have seen: the watched one, or a newer one
    /// this replica wrote itself.
    fn version(&self) -> i64 {
        (*self.0.versions.borrow()).max(self.0.local_version.load(Ordering::Acquire))
    }

    /// Bumps the change topic in `tx` and commits; caches here and on every
    /// replica reload.
    async fn commit_change(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), Error> {
        let version = change::bump(&mut tx, self.backend(), CHANGE_TOPIC).await?;
        tx.commit().await?;
        self.0.local_version.fetch_max(version, Ordering::AcqRel);
        Ok(())
    }

    // ----- accounts -------------------------------------------------------

    async fn account_by_login(&self, login_id: &str) -> Result<Option<AccountRow>, Error> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM egov_auth_accounts WHERE login_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(login_id)
            .fetch_optional(self.0.db.pool())
            .await?;
        row.as_ref().map(AccountRow::read).transpose()
    }

    async fn account_row(&self, id: AccountId) -> Result<AccountRow, Error> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM egov_auth_accounts WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.0.db.pool())
            .await?
            .ok_or(Error::NotFound)?;
        AccountRow::read(&row)
    }

    async fn assigned_roles(&self, id: AccountId) -> Result<BTreeSet<String>, Error> {
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
        let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM egov_auth_accounts")
            .fetch_one(self.0.db.pool())
            .await?;
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM egov_auth_accounts ORDER BY login_id LIMIT $1 OFFSET $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
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

    /// Creates an account (the password policy applies), recorded as done by `actor`.
    ///
    /// # Errors
    ///
    /// [`Error::PasswordRejected`], [`Error::Invalid`] for a bad login id or role
    /// name, [`Error::Conflict`] when the login id exists.
    pub async fn create_account(&self, actor: &Actor, new: NewAccount) -> Result<Account, Error> {
        let login_id = new.login_id.trim().to_owned();
        if !valid_login_id(&login_id) {
            return Err(Error::Invalid("/login_id", "login-id"));
        }
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
             password_changed_at, failed_count, mfa_enabled, totp_last_step, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'active', $5, $6, 0, 0, 0, $6, $6)",
        )
        .bind(id.to_string())
        .bind(&login_id)
        .bind(&display_name)
        .bind(new.email.as_deref())
        .bind(&hash)
        .bind(&now)
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
        let event = account_event(Action::CREATE, actor, Outcome::Success, id)
            .detail(Detail::new().text("roles", join(&new.roles)));
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
                    .number("sessions_revoked", revoked),
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
    /// the policy applies) and revokes every session.
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
        self.store_password(actor, &row, new_password, "admin_reset")
            .await
    }

    /// Stores `new_password` for `row` once it passes the policy (which is
    /// stricter without MFA), revokes every session and records the change.
    async fn store_password(
        &self,
        actor: &Actor,
        row: &AccountRow,
        new_password: &str,
        reason: &str,
    ) -> Result<(), Error> {
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
            "UPDATE egov_auth_accounts SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3",
        )
        .bind(&hash)
        .bind(now_sql(now))
        .bind(row.id.to_string())
        .execute(&mut *tx)
        .await?;
        let revoked = revoke_families(&mut tx, row.id, None, now, "password_change").await?;
        let event = account_event(actions::PASSWORD_CHANGE, actor, Outcome::Success, row.id)
            .reason_code(reason)
            .detail(Detail::new().number("sessions_revoked", revoked));
        self.commit_audited(tx, event).await
    }

    /// Changes the caller's own password: the current one must be right, the
    /// new one must pass the policy. Every session (this one too) is revoked.
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
        let row = self.account_row(id).await?;
        if !self.password_matches(&row, current).await? {
            let event = account_event(actions::PASSWORD_CHANGE, actor, Outcome::Failure, id)
                .reason_code("wrong_password");
            return self.refuse(event, Error::WrongPassword).await;
        }
        self.store_password(actor, &row, new_password, "self_service")
            .await
    }

    // ----- login ------------------------------------------------------------

    /// Logs in with a login id and password (and, for accounts with MFA, a TOTP
    /// or recovery code). `context` is the request's (anonymous) actor, for the
    /// audit trail.
    ///
    /// Every failure — unknown login id, wrong password, locked, disabled or
    /// throttled account — returns [`Error::InvalidCredentials`] after one
    /// Argon2 computation, so that neither the answer nor its timing tells them
    /// apart. A password over 128 characters fails at once, without hashing.
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
        let login_id = login_id.trim();
        let now = self.now();
        let attempt = if valid_login_id(login_id) {
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
        let login_event = |session: &str| {
            account_event(Action::LOGIN, &actor, Outcome::Success, row.id).detail(
                Detail::new()
                    .text("session", session)
                    .flag("mfa", row.mfa_enabled)
                    .flag("rehashed", new_hash.is_some())
                    .number("attempt", reserved.count),
            )
        };
        match self
            .admit(&row, &reserved, new_hash.as_deref(), login_event)
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
    async fn locked_account(
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
    async fn reserve_attempt(
        &self,
        login_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(AccountRow, Gate)>, Error> {
        let mut tx = begin(&self.0.db).await?;
        let Some(row) = self.locked_account(&mut tx, "login_id", login_id).await? else {
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
    async fn release(&self, before: &AccountRow, reserved: &Reservation) -> Result<bool, Error> {
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
    /// session is created in the same transaction, and `event` (given the new
    /// session's id) is recorded in it; otherwise the reason.
    async fn admit(
        &self,
        before: &AccountRow,
        reserved: &Reservation,
        new_hash: Option<&str>,
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
             status = 'active', last_login_at = $1, password_hash = COALESCE($2, password_hash) WHERE id = $3"
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
            "UPDATE egov_auth_accounts SET last_login_at = $1, password_hash = COALESCE($2, password_hash) WHERE id = $3"
        };
        sqlx::query(sql)
            .bind(now_sql(now))
            .bind(new_hash)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        let (family, refresh, idle) = self.start_session(&mut tx, before.id, now).await?;
        self.0
            .audit
            .record_in_transaction(&mut tx, event(&family))
            .await?;
        tx.commit().await?;
        Ok(Ok(self.session(before.id, family, refresh, now, idle)?))
    }

    /// Records a failed attempt whose failure its reservation already counted,
    /// and the lock that failure brought, if any.
    async fn settle_failure(
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

    async fn check_second_factor(
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

    // ----- sessions ---------------------------------------------------------

    /// Creates a session (a refresh-token family and its first token) in `tx`:
    /// its family id, refresh token and idle expiry.
    async fn start_session(
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

    fn session(
        &self,
        account: AccountId,
        family: String,
        refresh: String,
        now: OffsetDateTime,
        idle: OffsetDateTime,
    ) -> Result<Session, Error> {
        let (access_token, claims) = self.0.keyring.issue(account, &family, now)?;
        Ok(Session {
            access_token,
            token_type: "Bearer",
            expires_in: claims.exp - claims.iat,
            refresh_token: refresh,
            refresh_expires_in: (idle - now).whole_seconds(),
            account_id: account,
            session_id: family,
        })
    }

    /// Exchanges a refresh token for a new access and refresh token (rotation).
    /// A refresh token used a second time revokes its whole family (RFC 9700
    /// §4.14.2): the thief and the victim both have to log in again.
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

    /// [`Auth::refresh`] for a browser's page request in cookie mode (the
    /// middleware calls it): the same rotation, except that a refresh token
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
    async fn rotate(
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
            "SELECT t.family_id, t.account_id, t.idle_expires_at, t.used_at, f.absolute_expires_at, f.revoked_at, a.status \
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
                let (access_token, claims) = self.0.keyring.issue(account, &family, now)?;
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
        self.session(account, family, refresh, now, idle)
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
            .detail(Detail::new().number("sessions_revoked", revoked));
        self.commit_audited(tx, event).await?;
        Ok(revoked)
    }

    // ----- request authentication ----------------------------------------------

    /// Authenticates an access token: signature and claims ([`Keyring::verify`]),
    /// then the account's current state — not disabled, session not revoked —
    /// and its roles and permissions, from a cache that every replica reloads
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
        let state = self.account_state(account).await?;
        if state.status == AccountStatus::Disabled {
            return Err(Error::InvalidToken("account disabled"));
        }
        if state.revoked_sessions.contains(&claims.sid) {
            return Err(Error::InvalidToken("session revoked"));
        }
        Ok(Authenticated {
            account_id: account,
            session_id: claims.sid,
            roles: state.roles.clone(),
            permissions: state.permissions.clone(),
        })
    }

    async fn account_state(&self, account: AccountId) -> Result<Arc<CachedAccount>, Error> {
        let version = self.version();
        if let Some(entry) = self
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
        let row = sqlx::query("SELECT status FROM egov_auth_accounts WHERE id = $1")
            .bind(account.to_string())
            .fetch_optional(self.0.db.pool())
            .await?
            .ok_or(Error::InvalidToken("unknown account"))?;
        let status = AccountStatus::parse(&row.try_get::<String, _>("status")?)?;
        // Sessions revoked recently enough for their access tokens to be alive.
        let horizon = self.now() - secs(self.0.settings.access_token_ttl_secs + 60);
        let revoked: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM egov_auth_families WHERE account_id = $1 AND revoked_at IS NOT NULL AND revoked_at >= $2",
        )
        .bind(account.to_string())
        .bind(now_sql(horizon))
        .fetch_all(self.0.db.pool())
        .await?;
        let assigned = self.assigned_roles(account).await?;
        let (roles, permissions) = graph.expand(assigned.iter().map(String::as_str));
        let entry = Arc::new(CachedAccount {
            version,
            loaded: Instant::now(),
            status,
            revoked_sessions: revoked.into_iter().map(|(id,)| id).collect(),
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

    async fn role_graph(&self, version: i64) -> Result<Arc<RoleGraph>, Error> {
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

    // ----- MFA ----------------------------------------------------------------

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
        if !self.password_matches(&row, current_password).await? {
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
            .detail(Detail::new().number("sessions_revoked", revoked));
        self.commit_audited(tx, event).await?;
        Ok(revoked)
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
    async fn password_matches(&self, row: &AccountRow, password: &str) -> Result<bool, Error> {
        let Ok(normalized) = NormalizedPassword::new(password) else {
            return Ok(false);
        };
        Ok(self
            .0
            .hasher
            .verify(
                &normalized,
                password,
                &row.login_id,
                row.password_hash.as_deref(),
            )
            .await?
            .is_some())
    }

    // ----- roles ----------------------------------------------------------------

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

    pub(crate) fn clock_now(&self) -> OffsetDateTime {
        self.now()
    }

    pub(crate) async fn record(&self, event: AuditEvent) -> Result<(), Error> {
        self.audit(event).await
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
