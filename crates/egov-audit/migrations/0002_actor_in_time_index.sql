-- Actor lookups ride on the time index instead of an index of their own.
--
-- An index led by the actor puts each active account's next entry on a
-- different leaf page, so every batch of events rewrote one page per active
-- account (64 callers: about 64 of the ~100 pages a 64-event SQLite commit
-- wrote to the WAL; with it, 40-50k events/s, without it 90-97k). The time
-- index only ever grows at its end; carrying the actor in it lets "what did
-- this account do between these dates" filter on the index alone, without
-- reading the events' rows. See docs/benchmarks.md.
DROP INDEX egov_audit_events_principal;
DROP INDEX egov_audit_events_time;
CREATE INDEX egov_audit_events_time ON egov_audit_events (chain_id, occurred_at, principal_id);
