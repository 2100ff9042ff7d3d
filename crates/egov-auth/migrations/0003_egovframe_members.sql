-- What accounts imported from eGovFrame keep of where they came from.
-- member_type: USR01 일반회원 (COMTNGNRLMBER), USR02 기업회원 (COMTNENTRPRSMBER),
-- USR03 업무사용자 (COMTNEMPLYRINFO); NULL for accounts created here.
ALTER TABLE egov_auth_accounts ADD COLUMN member_type TEXT;
-- eGovFrame ORGNZT_ID (COMTNORGNZTINFO) and GROUP_ID (COMTNAUTHORGROUPINFO).
ALTER TABLE egov_auth_accounts ADD COLUMN organization_id TEXT;
ALTER TABLE egov_auth_accounts ADD COLUMN group_id TEXT;

-- eGovFrame's organizations (조직) and user groups (그룹), kept as they were.
CREATE TABLE egov_auth_organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT
);
CREATE TABLE egov_auth_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT
);
