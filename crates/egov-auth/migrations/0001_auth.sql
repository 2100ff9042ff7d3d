-- egov-auth's tables. Portable SQL (see egov-db): TEXT ids and times, 0/1 BIGINT flags.
CREATE TABLE egov_auth_accounts (
    id TEXT PRIMARY KEY,
    login_id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    -- active | locked (password disabled until an admin unlocks) | disabled
    status TEXT NOT NULL,
    -- Argon2id PHC string, or egov-sha256$… for accounts imported from eGovFrame
    password_hash TEXT,
    password_changed_at TEXT,
    failed_count BIGINT NOT NULL DEFAULT 0,
    last_failed_at TEXT,
    -- no attempt is considered before this time (progressive delay, timed lock)
    not_before TEXT,
    locked_until TEXT,
    last_login_at TEXT,
    mfa_enabled BIGINT NOT NULL DEFAULT 0,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    -- eGovFrame ESNTL_ID of imported accounts
    external_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE egov_auth_recovery_codes (
    account_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (account_id, code_hash)
);

-- One family per login: every refresh token rotated from it belongs to it.
CREATE TABLE egov_auth_families (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    absolute_expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoke_reason TEXT
);
CREATE INDEX egov_auth_families_account ON egov_auth_families (account_id, revoked_at);

-- Refresh tokens, by SHA-256 of the token (the token itself is never stored).
CREATE TABLE egov_auth_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    idle_expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX egov_auth_refresh_family ON egov_auth_refresh_tokens (family_id);

CREATE TABLE egov_auth_roles (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL
);

-- `role` includes everything `includes` has (eGovFrame: ROLE_ADMIN > ROLE_USER).
CREATE TABLE egov_auth_role_includes (
    role TEXT NOT NULL,
    includes TEXT NOT NULL,
    PRIMARY KEY (role, includes)
);

CREATE TABLE egov_auth_grants (
    role TEXT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
);

CREATE TABLE egov_auth_assignments (
    account_id TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);
CREATE INDEX egov_auth_assignments_role ON egov_auth_assignments (role);
