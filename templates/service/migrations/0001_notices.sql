-- Portable SQL (see egov-db's docs): TEXT ids and timestamps, BIGINT integers.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- A code of the common code group NOTICE_CATEGORY.
    category TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
