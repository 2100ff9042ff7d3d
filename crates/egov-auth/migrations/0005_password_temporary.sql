-- 1 when the account's password was set by an administrator (a new account's initial
-- password, a reset) to be replaced by its owner: the next login is restricted to
-- changing it, as for a password that fails the policy (password_change_required).
-- Cleared when the owner stores a password of their own.
ALTER TABLE egov_auth_accounts ADD COLUMN password_temporary BIGINT NOT NULL DEFAULT 0;
