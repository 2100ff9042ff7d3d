-- egov-codes: categories (eGovFrame COMTCCMMNCLCODE), code groups (COMTCCMMNCODE),
-- codes (COMTCCMMNDETAILCODE) and their immutable history. Portable SQL: TEXT,
-- BIGINT (0/1 flags), JSON kept as TEXT, dates as YYYY-MM-DD, timestamps as
-- egov-db's fixed-width UTC text.
CREATE TABLE egov_code_categories (
    id TEXT PRIMARY KEY,
    labels TEXT NOT NULL,
    description TEXT,
    active BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE egov_code_groups (
    id TEXT PRIMARY KEY,
    category_id TEXT REFERENCES egov_code_categories (id),
    labels TEXT NOT NULL,
    description TEXT,
    custodian TEXT,
    active BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE egov_codes (
    group_id TEXT NOT NULL REFERENCES egov_code_groups (id),
    code TEXT NOT NULL,
    labels TEXT NOT NULL,
    description TEXT,
    sort_order BIGINT NOT NULL,
    parent_code TEXT,
    valid_from TEXT,
    valid_to TEXT,
    active BIGINT NOT NULL,
    attributes TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (group_id, code)
);

-- One row per version of every record, written in the transaction that made
-- the version; never updated or deleted by egov-codes.
CREATE TABLE egov_code_history (
    entity TEXT NOT NULL,
    group_id TEXT NOT NULL,
    record_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    change_kind TEXT NOT NULL,
    record TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (entity, group_id, record_key, version)
);
