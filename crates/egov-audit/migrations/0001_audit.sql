-- egov-audit's tables. Portable SQL (see egov-db): TEXT ids, hashes and times.
CREATE TABLE egov_audit_events (
    chain_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal_id TEXT,
    roles TEXT NOT NULL,
    client_ip TEXT,
    request_id TEXT,
    trace_id TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    subjects TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason_code TEXT,
    reason TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain_id, seq)
);
CREATE INDEX egov_audit_events_time ON egov_audit_events (chain_id, occurred_at);
CREATE INDEX egov_audit_events_principal ON egov_audit_events (principal_id, occurred_at);

-- One row per (event, data subject), to find every access to a person's data.
CREATE TABLE egov_audit_subjects (
    chain_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (chain_id, seq, subject)
);
CREATE INDEX egov_audit_subjects_subject ON egov_audit_subjects (subject);

-- The head of each chain; appends lock this row, so writers in several
-- processes extend one chain in turn.
CREATE TABLE egov_audit_heads (
    chain_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- Signed checkpoints, in their exportable text form.
CREATE TABLE egov_audit_checkpoints (
    chain_id TEXT NOT NULL,
    size BIGINT NOT NULL,
    head TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (chain_id, size)
);
