-- Portable SQL (see egov-db's docs): TEXT ids and timestamps, BIGINT integers.
CREATE TABLE petitions (
    id TEXT PRIMARY KEY,
    -- Codes of the common code groups PETITION_TYPE, REGION and PETITION_STATUS.
    petition_type TEXT NOT NULL,
    region TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The applicant's resident number: FieldCipher ciphertext (bound to the row
    -- id), and its blind index (HMAC) to find a person's petitions and to name
    -- the data subject in audit events. Never stored in clear.
    resident_number_enc TEXT NOT NULL,
    resident_number_bidx TEXT NOT NULL,
    -- The phone number, encrypted the same way.
    phone_enc TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The reason given with the last status change (answer or rejection).
    status_reason TEXT,
    -- The account that filed it.
    filed_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX petitions_status ON petitions (status, id);
CREATE INDEX petitions_filed_by ON petitions (filed_by, id);
CREATE INDEX petitions_subject ON petitions (resident_number_bidx);
