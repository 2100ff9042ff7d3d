-- SQLite: each event's fields are stored once, as a JSON record; the familiar
-- columns are generated from it when read (VIRTUAL), so they cannot be edited
-- apart from it and queries keep working unchanged.
--
-- `verify` reads the record and the hashes only: building JSON from twenty
-- columns cost SQLite about 1 µs an event, most of what kept verify at
-- ~400-600k events/s (docs/benchmarks.md). The record is an array of the
-- fields after `seq` in the columns' order; roles and subjects are nested
-- arrays, `detail` is its JSON text as a string. The canonical encoding that
-- the hashes cover is unchanged.
ALTER TABLE egov_audit_events RENAME TO egov_audit_events_v2;
DROP INDEX egov_audit_events_time;
CREATE TABLE egov_audit_events (
    chain_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    record TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    id TEXT GENERATED ALWAYS AS (record ->> 0) VIRTUAL,
    occurred_at TEXT GENERATED ALWAYS AS (record ->> 1) VIRTUAL,
    principal_kind TEXT GENERATED ALWAYS AS (record ->> 2) VIRTUAL,
    principal_id TEXT GENERATED ALWAYS AS (record ->> 3) VIRTUAL,
    roles TEXT GENERATED ALWAYS AS (record -> 4) VIRTUAL,
    client_ip TEXT GENERATED ALWAYS AS (record ->> 5) VIRTUAL,
    request_id TEXT GENERATED ALWAYS AS (record ->> 6) VIRTUAL,
    trace_id TEXT GENERATED ALWAYS AS (record ->> 7) VIRTUAL,
    action TEXT GENERATED ALWAYS AS (record ->> 8) VIRTUAL,
    target_type TEXT GENERATED ALWAYS AS (record ->> 9) VIRTUAL,
    target_id TEXT GENERATED ALWAYS AS (record ->> 10) VIRTUAL,
    subjects TEXT GENERATED ALWAYS AS (record -> 11) VIRTUAL,
    outcome TEXT GENERATED ALWAYS AS (record ->> 12) VIRTUAL,
    reason_code TEXT GENERATED ALWAYS AS (record ->> 13) VIRTUAL,
    reason TEXT GENERATED ALWAYS AS (record ->> 14) VIRTUAL,
    detail TEXT GENERATED ALWAYS AS (record ->> 15) VIRTUAL,
    PRIMARY KEY (chain_id, seq)
);
INSERT INTO egov_audit_events (chain_id, seq, record, prev_hash, hash)
SELECT chain_id, seq, json_array(id, occurred_at, principal_kind, principal_id, json(roles),
    client_ip, request_id, trace_id, action, target_type, target_id, json(subjects), outcome,
    reason_code, reason, detail), prev_hash, hash
FROM egov_audit_events_v2 ORDER BY chain_id, seq;
DROP TABLE egov_audit_events_v2;
CREATE INDEX egov_audit_events_time ON egov_audit_events (chain_id, occurred_at, principal_id);
