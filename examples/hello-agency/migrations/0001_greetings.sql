-- Portable SQL (see egov-db's docs): TEXT ids and timestamps, BIGINT integers.
CREATE TABLE greetings (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    message TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX greetings_created_at ON greetings (created_at);
