-- 1 when the account's password fails the password policy, as found at its last
-- successful login (eGovFrame's default password, a breached or too short one): its
-- sessions may do nothing but change the password until it is changed. Cleared when a
-- password that passes the policy is stored.
ALTER TABLE egov_auth_accounts ADD COLUMN password_change_required BIGINT NOT NULL DEFAULT 0;
