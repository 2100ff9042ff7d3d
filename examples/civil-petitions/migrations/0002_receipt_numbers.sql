-- 접수번호 (receipt numbers), shown to citizens and staff as `2026-000123`: the year
-- of filing in the agency's time zone and a sequence within that year, from 1. Two
-- integer columns (formatted by the service) rather than one text column, so that the
-- numbering is portable SQL and sorts as numbers. Portable: the same on SQLite and
-- PostgreSQL.
ALTER TABLE petitions ADD COLUMN receipt_year BIGINT;
ALTER TABLE petitions ADD COLUMN receipt_seq BIGINT;

-- The last number given per year. Filing increments its year's row in the filing's
-- transaction (an upsert), which serializes concurrent filings on that row: no gaps
-- from failed reads, no duplicates.
CREATE TABLE petition_receipt_counters (
    receipt_year BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

-- Petitions filed before this migration: numbered in filing order (ids are UUIDv7,
-- ordered by time) within the UTC year of their filing time (as stored; portable SQL
-- has no time-zone arithmetic on text timestamps).
UPDATE petitions SET receipt_year = CAST(substr(created_at, 1, 4) AS BIGINT);
UPDATE petitions SET receipt_seq = (
    SELECT COUNT(*) FROM petitions AS earlier
    WHERE earlier.receipt_year = petitions.receipt_year AND earlier.id <= petitions.id
);
INSERT INTO petition_receipt_counters (receipt_year, last_seq)
    SELECT receipt_year, MAX(receipt_seq) FROM petitions GROUP BY receipt_year;

CREATE UNIQUE INDEX petitions_receipt ON petitions (receipt_year, receipt_seq);
