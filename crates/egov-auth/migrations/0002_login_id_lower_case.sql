-- Login ids are stored in one form (NFKC, lower case; egov_auth::normalize_login_id).
-- Existing ids in upper or mixed ASCII case are lowered, unless that would collide
-- with another account (such a pair is left for an administrator to resolve: the
-- upper-case one can no longer log in until renamed).
UPDATE egov_auth_accounts
SET login_id = LOWER(login_id)
WHERE login_id <> LOWER(login_id)
  AND LOWER(login_id) NOT IN (SELECT login_id FROM egov_auth_accounts);
