//! The tables and the SQL that appends to and reads the chain.

use egov_db::value::{timestamp_from_sql, timestamp_to_sql};
use egov_db::{Backend, Db, Migration, MigrationSet};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Executor, Row};

use crate::AuditError;
use crate::chain::{GENESIS, StoredEvent, from_hex, hex_array, to_hex};
use crate::checkpoint::SignedCheckpoint;

/// egov-audit's migrations (layer 2).
pub static MIGRATIONS: MigrationSet = MigrationSet::new(
    "egov-audit",
    2,
    &[
        Migration::portable(
            1,
            "audit events, subjects, heads and checkpoints",
            include_str!("../migrations/0001_audit.sql"),
        ),
        Migration::portable(
            2,
            "actor lookups through the time index",
            include_str!("../migrations/0002_actor_in_time_index.sql"),
        ),
        // PostgreSQL keeps plain columns: it reads them with COPY, and it has
        // no virtual generated columns (a stored one would parse the record
        // once per column on every append).
        Migration::per_backend(
            3,
            "SQLite: one JSON record per event, columns generated from it",
            SQLITE_EVENTS_TABLE_MIGRATION,
            "SELECT 1",
        ),
    ],
);

/// Migration 3 on SQLite, which also defines the events table there.
const SQLITE_EVENTS_TABLE_MIGRATION: &str =
    include_str!("../migrations/0003_sqlite_event_record.sql");

/// The events table's columns of an event's own fields (after `seq`, before
/// the hashes), in order, as a literal.
macro_rules! event_field_columns {
    () => {
        "id, occurred_at, principal_kind, principal_id, roles, \
         client_ip, request_id, trace_id, action, target_type, target_id, subjects, outcome, \
         reason_code, reason, detail"
    };
}

/// The events table's columns, in order, as a literal (for `concat!`).
macro_rules! event_columns {
    () => {
        concat!(
            "chain_id, seq, ",
            event_field_columns!(),
            ", prev_hash, hash"
        )
    };
}

pub(crate) const EVENT_COLUMNS: &str = event_columns!();

/// What `verify` reads of each event of one chain: neither the chain id it
/// asked for nor `prev_hash` (the event's hash covers its predecessor's).
pub(crate) const VERIFY_COLUMNS: &str = concat!("seq, ", event_field_columns!(), ", hash");

/// PostgreSQL: inserts the events of JSON parameter `$1` ([`JsonRow`]s) into
/// chain `$5`. The chain id and each event's `prev_hash` are not in the JSON:
/// every row's chain is `$5`, and its previous hash is the row before it's
/// (`$prev` for the first) — a fifth less JSON for the server to read.
macro_rules! pg_insert_events {
    ($prev:literal, $condition:literal) => {
        concat!(
            "INSERT INTO egov_audit_events (",
            event_columns!(),
            ") SELECT $5, j.a, j.b, j.c, j.d, j.e, j.f, j.g, j.h, j.i, j.j, j.k, j.l, j.m, j.n, j.o, \
             j.p, j.q, COALESCE(LAG(j.r) OVER (ORDER BY j.a), ",
            $prev,
            "), j.r FROM json_to_recordset($1::json) AS j (a bigint, b text, c text, d text, \
             e text, f text, g text, h text, i text, j text, k text, l text, m text, n text, o text, \
             p text, q text, r text) ",
            $condition
        )
    };
}

/// PostgreSQL: inserts the subjects of JSON parameter `$2` ([`JsonSubject`]s)
/// into chain `$5`.
macro_rules! pg_insert_subjects {
    ($condition:literal) => {
        concat!(
            "INSERT INTO egov_audit_subjects (chain_id, seq, subject) SELECT $5, s.a, s.b \
             FROM json_to_recordset($2::json) AS s (a bigint, b text) ",
            $condition,
            " ON CONFLICT DO NOTHING"
        )
    };
}
/// Most events in one INSERT statement (5 parameters each) on SQLite.
pub(crate) const ROWS_PER_STATEMENT: usize = 128;

/// Splits `n` rows into power-of-two chunks (45 → 32, 8, 4, 1), so only a few
/// distinct INSERT statements exist and each connection's prepared-statement
/// cache keeps them all (preparing a 1,280-parameter statement costs more than
/// running it).
fn chunk_sizes(mut n: usize, most: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    while n > 0 {
        let size = if n >= most {
            most
        } else {
            1 << (usize::BITS - 1 - n.leading_zeros())
        };
        sizes.push(size);
        n -= size;
    }
    sizes
}

/// Makes sure the chain has a head row.
pub(crate) async fn ensure_head(db: &Db, chain_id: &str) -> Result<(), AuditError> {
    let sql = db.backend().pick(
        "INSERT INTO egov_audit_heads (chain_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain_id) DO NOTHING",
        "INSERT INTO egov_audit_heads (chain_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain_id) DO NOTHING",
    );
    sqlx::query(sql)
        .bind(chain_id)
        .bind(to_hex(&GENESIS))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Reads the head inside an open transaction, locking it on PostgreSQL (SQLite's
/// write lock, taken by `BEGIN IMMEDIATE`, already serializes writers).
pub(crate) async fn lock_head(
    conn: &mut AnyConnection,
    backend: Backend,
    chain_id: &str,
) -> Result<(u64, [u8; 32]), AuditError> {
    let sql = backend.pick(
        "SELECT seq, hash FROM egov_audit_heads WHERE chain_id = $1",
        "SELECT seq, hash FROM egov_audit_heads WHERE chain_id = $1 FOR UPDATE",
    );
    let row = sqlx::query(sql)
        .bind(chain_id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => {
            let seq: i64 = row.try_get(0)?;
            let hash: String = row.try_get(1)?;
            Ok((
                u64::try_from(seq).unwrap_or(0),
                from_hex(&hash).ok_or_else(|| AuditError::Corrupt("head hash".into()))?,
            ))
        }
        None => {
            sqlx::query("INSERT INTO egov_audit_heads (chain_id, seq, hash) VALUES ($1, 0, $2)")
                .bind(chain_id)
                .bind(to_hex(&GENESIS))
                .execute(&mut *conn)
                .await?;
            Ok((0, GENESIS))
        }
    }
}

/// Inserts `events` (already numbered and hashed) and moves the head.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    events: &[StoredEvent],
) -> Result<(), AuditError> {
    match backend {
        Backend::Sqlite => append_rows(conn, backend, events).await,
        Backend::Postgres => append_json(conn, events).await,
    }
}

/// Most bytes of event JSON in one PostgreSQL statement, to keep single
/// messages moderate. (Large messages need `TCP_NODELAY`, which sqlx 0.9.0 forgot:
/// egov-rs patches it back in, see `vendor/README.md`. Without it, a 48 KiB
/// statement over TLS took 42 ms, waiting for a delayed ACK; with it, 1.3 ms.)
const PG_JSON_BYTES: usize = 192 * 1024;

/// The PostgreSQL append: the events, their subjects and the new head in one
/// statement per ≤ 48 KiB of JSON (`json_populate_recordset` over the tables' own
/// row types), instead of one round trip per 8 rows plus two more.
///
/// Measured (64 callers, `Committed`, 2 busy cores): a 64-event batch spent
/// 2.45 ms in ten statements (8 rows each, then subjects and head); one
/// statement does the same work in about 1.3 ms.
const PG_APPEND: &str = concat!(
    "WITH events AS (",
    pg_insert_events!("$6", ""),
    "), subjects AS (",
    pg_insert_subjects!(""),
    ") UPDATE egov_audit_heads SET seq = $3, hash = $4 WHERE chain_id = $5"
);

/// One event as [`pg_insert_events`] reads it: one-letter keys (the
/// column definition list there names them), values exactly the text the SQLite
/// path binds, absent values left out (a missing key is NULL) — the server
/// reads half the JSON it read with column names as keys.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    #[serde(rename = "a")]
    seq: u64,
    #[serde(rename = "b")]
    id: &'a str,
    #[serde(rename = "c")]
    occurred_at: String,
    #[serde(rename = "d")]
    principal_kind: &'a str,
    #[serde(rename = "e", skip_serializing_if = "Option::is_none")]
    principal_id: Option<&'a str>,
    #[serde(rename = "f")]
    roles: String,
    #[serde(rename = "g", skip_serializing_if = "Option::is_none")]
    client_ip: Option<&'a str>,
    #[serde(rename = "h", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(rename = "i", skip_serializing_if = "Option::is_none")]
    trace_id: Option<&'a str>,
    #[serde(rename = "j")]
    action: &'a str,
    #[serde(rename = "k", skip_serializing_if = "Option::is_none")]
    target_type: Option<&'a str>,
    #[serde(rename = "l", skip_serializing_if = "Option::is_none")]
    target_id: Option<&'a str>,
    #[serde(rename = "m")]
    subjects: String,
    #[serde(rename = "n")]
    outcome: &'a str,
    #[serde(rename = "o", skip_serializing_if = "Option::is_none")]
    reason_code: Option<&'a str>,
    #[serde(rename = "p", skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(rename = "q")]
    detail: &'a str,
    #[serde(rename = "r")]
    hash: Hex<'a>,
}

#[derive(serde::Serialize)]
struct JsonSubject<'a> {
    #[serde(rename = "a")]
    seq: u64,
    #[serde(rename = "b")]
    subject: &'a str,
}

async fn append_json(conn: &mut AnyConnection, events: &[StoredEvent]) -> Result<(), AuditError> {
    let mut rest = events;
    while !rest.is_empty() {
        let (rows, subjects, taken) = json_chunk(rest)?;
        let (chunk, tail) = rest.split_at(taken);
        rest = tail;
        let last = &chunk[chunk.len() - 1];
        sqlx::query(PG_APPEND)
            .bind(rows)
            .bind(subjects)
            .bind(i64::try_from(last.seq).unwrap_or(i64::MAX))
            .bind(to_hex(&last.hash))
            .bind(last.chain_id.clone())
            .bind(to_hex(&chunk[0].prev_hash))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The PostgreSQL append when the writer knows the head it committed last: one
/// statement, outside any explicit transaction (so one round trip instead of
/// BEGIN, the locking SELECT, the append and COMMIT). The head moves only if it
/// is still `known`, and the events and subjects are inserted only if it moved;
/// a concurrent writer holding the head row makes this wait and then see the
/// new head (READ COMMITTED re-checks the condition), so nothing is inserted.
const PG_APPEND_KNOWN_HEAD: &str = concat!(
    "WITH head AS ( \
       UPDATE egov_audit_heads SET seq = $3, hash = $4 WHERE chain_id = $5 AND seq = $6 AND hash = $7 RETURNING 1 \
     ), events AS (",
    pg_insert_events!("$7", "WHERE EXISTS (SELECT 1 FROM head)"),
    "), subjects AS (",
    pg_insert_subjects!("WHERE EXISTS (SELECT 1 FROM head)"),
    ") SELECT COUNT(*) FROM head"
);

/// PostgreSQL: appends `events` after `known` in one statement if they fit in
/// one and the head is still `known`. `Ok(false)`: nothing was written (the head
/// moved, or the batch is too large); append under the lock instead.
pub(crate) async fn append_pg_with_known_head(
    conn: &mut AnyConnection,
    known: (u64, [u8; 32]),
    events: &[StoredEvent],
) -> Result<bool, AuditError> {
    let Some(last) = events.last() else {
        return Ok(true);
    };
    let (rows, subjects, taken) = json_chunk(events)?;
    if taken < events.len() {
        return Ok(false);
    }
    let moved: i64 = sqlx::query(PG_APPEND_KNOWN_HEAD)
        .bind(rows)
        .bind(subjects)
        .bind(i64::try_from(last.seq).unwrap_or(i64::MAX))
        .bind(to_hex(&last.hash))
        .bind(last.chain_id.clone())
        .bind(i64::try_from(known.0).unwrap_or(i64::MAX))
        .bind(to_hex(&known.1))
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    Ok(moved == 1)
}

/// As many leading `events` as fit in [`PG_JSON_BYTES`] (at least one), as the
/// JSON arrays of their rows and of their subjects. Rows are serialized straight
/// into the buffers (no string per row, no hex string per hash).
fn json_chunk(events: &[StoredEvent]) -> Result<(String, String, usize), AuditError> {
    let mut rows = Vec::with_capacity(events.len() * 512);
    let mut subjects = Vec::new();
    rows.push(b'[');
    subjects.push(b'[');
    let mut taken = 0;
    for event in events {
        let before = rows.len();
        if taken > 0 {
            rows.push(b',');
        }
        write_json(
            &mut rows,
            &JsonRow {
                seq: event.seq,
                id: &event.id,
                occurred_at: timestamp_to_sql(event.occurred_at),
                principal_kind: &event.principal_kind,
                principal_id: event.principal_id.as_deref(),
                roles: json_list(&event.roles),
                client_ip: event.client_ip.as_deref(),
                request_id: event.request_id.as_deref(),
                trace_id: event.trace_id.as_deref(),
                action: &event.action,
                target_type: event.target_type.as_deref(),
                target_id: event.target_id.as_deref(),
                subjects: json_list(&event.subjects),
                outcome: &event.outcome,
                reason_code: event.reason_code.as_deref(),
                reason: event.reason.as_deref(),
                detail: &event.detail,
                hash: Hex(&event.hash),
            },
        )?;
        if taken > 0 && rows.len() > PG_JSON_BYTES {
            rows.truncate(before);
            break;
        }
        for subject in &event.subjects {
            if subjects.len() > 1 {
                subjects.push(b',');
            }
            write_json(
                &mut subjects,
                &JsonSubject {
                    seq: event.seq,
                    subject,
                },
            )?;
        }
        taken += 1;
    }
    rows.push(b']');
    subjects.push(b']');
    let text = |bytes: Vec<u8>| {
        String::from_utf8(bytes)
            .map_err(|e| AuditError::Invalid(format!("cannot encode event: {e}")))
    };
    Ok((text(rows)?, text(subjects)?, taken))
}

fn write_json<T: serde::Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), AuditError> {
    serde_json::to_writer(out, value)
        .map_err(|e| AuditError::Invalid(format!("cannot encode event: {e}")))
}

/// A hash as lowercase hex, serialized without an intermediate `String`.
struct Hex<'a>(&'a [u8; 32]);

impl serde::Serialize for Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = hex_array(self.0);
        // Only ASCII hex digits were written.
        serializer.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

type AnyQuery = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

/// SQLite: the events, their subjects and the new head, as one multi-statement
/// execution (one round trip to sqlx-sqlite's worker thread instead of one per
/// statement); plain `?` placeholders are bound in order across statements.
async fn append_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    events: &[StoredEvent],
) -> Result<(), AuditError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut sql = String::new();
    push_rows_sql(&mut sql, backend, events);
    sql.push_str("UPDATE egov_audit_heads SET seq = ?, hash = ? WHERE chain_id = ?;");
    let query = bind_head(bind_rows(sqlx::query(AssertSqlSafe(sql)), events), events);
    query.execute(&mut *conn).await?;
    Ok(())
}

/// SQLite, when the writer knows the head it committed last: the whole batch —
/// `BEGIN IMMEDIATE`, head, events, subjects, `COMMIT` — in ONE execution.
///
/// The head moves only if it is still `known`; otherwise (another process
/// appended since) the guard statement inserts a second head row for the chain,
/// which violates the head's primary key, so the execution stops before
/// anything commits and the caller gets [`AuditError::Store`] with
/// `DbError::UniqueViolation` ([`is_stale_head`]). The open transaction must
/// then be rolled back and the batch appended the slow way, under the lock.
pub(crate) async fn append_with_known_head(
    conn: &mut AnyConnection,
    known: (u64, [u8; 32]),
    events: &[StoredEvent],
) -> Result<(), AuditError> {
    let Some(last) = events.last() else {
        return Ok(());
    };
    let mut sql = String::from(
        "BEGIN IMMEDIATE;\
         UPDATE egov_audit_heads SET seq = ?, hash = ? WHERE chain_id = ? AND seq = ? AND hash = ?;\
         INSERT INTO egov_audit_heads (chain_id, seq, hash) SELECT ?, 0, '' WHERE changes() = 0;",
    );
    push_rows_sql(&mut sql, Backend::Sqlite, events);
    sql.push_str("COMMIT;");
    let query = sqlx::query(AssertSqlSafe(sql))
        .bind(i64::try_from(last.seq).unwrap_or(i64::MAX))
        .bind(to_hex(&last.hash))
        .bind(last.chain_id.clone())
        .bind(i64::try_from(known.0).unwrap_or(i64::MAX))
        .bind(to_hex(&known.1))
        .bind(last.chain_id.clone());
    bind_rows(query, events).execute(&mut *conn).await?;
    Ok(())
}

/// Whether an [`append_with_known_head`] failure means "the head moved".
pub(crate) fn is_stale_head(error: &AuditError) -> bool {
    matches!(
        error,
        AuditError::Store(egov_db::DbError::UniqueViolation { .. })
    )
}

/// The INSERT statements for `events` and their subjects, each ending in `;`.
fn push_rows_sql(sql: &mut String, backend: Backend, events: &[StoredEvent]) {
    let mut param = 0;
    for size in chunk_sizes(events.len(), ROWS_PER_STATEMENT) {
        sql.push_str(
            "INSERT INTO egov_audit_events (chain_id, seq, record, prev_hash, hash) VALUES ",
        );
        for row in 0..size {
            if row > 0 {
                sql.push_str(", ");
            }
            push_tuple(sql, backend, 5, &mut param);
        }
        sql.push(';');
    }
    let subjects = events.iter().map(|e| e.subjects.len()).sum();
    for size in chunk_sizes(subjects, ROWS_PER_STATEMENT * 4) {
        sql.push_str("INSERT INTO egov_audit_subjects (chain_id, seq, subject) VALUES ");
        for i in 0..size {
            if i > 0 {
                sql.push_str(", ");
            }
            push_tuple(sql, backend, 3, &mut param);
        }
        // Duplicate subjects within one event are one row.
        sql.push_str(" ON CONFLICT DO NOTHING;");
    }
}

fn push_tuple(sql: &mut String, backend: Backend, columns: usize, param: &mut usize) {
    sql.push('(');
    for col in 0..columns {
        if col > 0 {
            sql.push_str(", ");
        }
        *param += 1;
        push_placeholder(sql, backend, *param);
    }
    sql.push(')');
}

/// Binds what [`push_rows_sql`] asked for, in the same order.
fn bind_rows(mut query: AnyQuery, events: &[StoredEvent]) -> AnyQuery {
    for e in events {
        query = query
            .bind(e.chain_id.clone())
            .bind(i64::try_from(e.seq).unwrap_or(i64::MAX))
            .bind(sqlite_record(e))
            .bind(to_hex(&e.prev_hash))
            .bind(to_hex(&e.hash));
    }
    for e in events {
        for subject in &e.subjects {
            query = query
                .bind(e.chain_id.clone())
                .bind(i64::try_from(e.seq).unwrap_or(i64::MAX))
                .bind(subject.clone());
        }
    }
    query
}

/// Binds the head update's `seq = ?, hash = ? WHERE chain_id = ?`.
fn bind_head(query: AnyQuery, events: &[StoredEvent]) -> AnyQuery {
    match events.last() {
        Some(last) => query
            .bind(i64::try_from(last.seq).unwrap_or(i64::MAX))
            .bind(to_hex(&last.hash))
            .bind(last.chain_id.clone()),
        None => query,
    }
}

/// `$n` on PostgreSQL; a plain `?` on SQLite, whose `$n` binding makes sqlx look
/// each name up in a list (`sqlite3_bind_parameter_name`), quadratic in the
/// number of parameters: it was a third of the writer's time for 1,280-parameter
/// inserts. Plain `?`s are numbered in order, which is how they are bound here.
fn push_placeholder(sql: &mut String, backend: Backend, n: usize) {
    match backend {
        Backend::Sqlite => sql.push('?'),
        Backend::Postgres => {
            sql.push('$');
            sql.push_str(&n.to_string());
        }
    }
}

/// SQLite's stored form of an event's fields after `seq` (migration 3): a
/// JSON array in the columns' order, roles and subjects as nested arrays.
pub(crate) fn sqlite_record(e: &StoredEvent) -> String {
    let record = (
        &e.id,
        timestamp_to_sql(e.occurred_at),
        &e.principal_kind,
        &e.principal_id,
        &e.roles,
        &e.client_ip,
        &e.request_id,
        &e.trace_id,
        &e.action,
        &e.target_type,
        &e.target_id,
        &e.subjects,
        &e.outcome,
        &e.reason_code,
        &e.reason,
        &e.detail,
    );
    // Serializing strings, options and string lists cannot fail.
    serde_json::to_string(&record).unwrap_or_default()
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn parse_list(text: &str) -> Result<Vec<String>, AuditError> {
    serde_json::from_str(text).map_err(|e| AuditError::Corrupt(format!("list column: {e}")))
}

/// Reads a stored event from a row selected with `SELECT {EVENT_COLUMNS}`.
pub(crate) fn event_from_row(row: &AnyRow) -> Result<StoredEvent, AuditError> {
    let hash = |col: &str| -> Result<[u8; 32], AuditError> {
        let text: String = row.try_get(col)?;
        from_hex(&text).ok_or_else(|| AuditError::Corrupt(format!("{col} is not a hash")))
    };
    let occurred_at: String = row.try_get("occurred_at")?;
    Ok(StoredEvent {
        chain_id: row.try_get("chain_id")?,
        seq: u64::try_from(row.try_get::<i64, _>("seq")?).unwrap_or(0),
        id: row.try_get("id")?,
        occurred_at: timestamp_from_sql("occurred_at", &occurred_at)?,
        principal_kind: row.try_get("principal_kind")?,
        principal_id: row.try_get("principal_id")?,
        roles: parse_list(&row.try_get::<String, _>("roles")?)?,
        client_ip: row.try_get("client_ip")?,
        request_id: row.try_get("request_id")?,
        trace_id: row.try_get("trace_id")?,
        action: row.try_get("action")?,
        target_type: row.try_get("target_type")?,
        target_id: row.try_get("target_id")?,
        subjects: parse_list(&row.try_get::<String, _>("subjects")?)?,
        outcome: row.try_get("outcome")?,
        reason_code: row.try_get("reason_code")?,
        reason: row.try_get("reason")?,
        detail: row.try_get("detail")?,
        prev_hash: hash("prev_hash")?,
        hash: hash("hash")?,
    })
}

/// Events of `chain_id` with `seq > after`, in order, at most `limit`.
pub(crate) async fn events_after(
    db: &Db,
    chain_id: &str,
    after: u64,
    limit: u32,
) -> Result<Vec<StoredEvent>, AuditError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM egov_audit_events WHERE chain_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    )))
    .bind(chain_id)
    .bind(i64::try_from(after).unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(event_from_row).collect()
}

/// SQLite: a page of events (`$2 < seq <= $3`) as ONE text, a line per event:
/// `seq hash record` (the record is JSON, which escapes newlines
/// inside strings), in `seq` order as the ordered subquery yields them —
/// `verify` sorts a page that is not (an aggregate's own `ORDER BY` made
/// SQLite sort every page again). One row per page instead of one per event:
/// through sqlx `Any` the per-row conversion (column metadata and a `String`
/// per value, per row) was most of `verify`'s time. Only four stored columns
/// are read: building JSON from the twenty columns of the earlier form cost
/// SQLite ~1 µs a row.
///
/// A page is a range of sequence numbers, not "the next N", so each query
/// reads only its range.
const PAGE_SQLITE: &str = "SELECT group_concat(concat(seq, ' ', hash, ' ', record), \
     char(10)) FROM (SELECT seq, hash, record FROM egov_audit_events \
     WHERE chain_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq)";

/// SQLite: the events of `chain_id` with `after < seq <= up_to` as lines of
/// `seq hash record`, in `seq` order, in a row's only column (NULL
/// when there are none; the row is handed over, not its text copied).
/// (PostgreSQL is read with `COPY`, see `verify`.)
pub(crate) async fn event_page(
    conn: &mut AnyConnection,
    chain_id: &str,
    after: u64,
    up_to: u64,
) -> Result<AnyRow, AuditError> {
    Ok(sqlx::query(PAGE_SQLITE)
        .bind(chain_id)
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(i64::try_from(up_to).unwrap_or(i64::MAX))
        .fetch_one(conn)
        .await?)
}

/// SQLite: a pooled connection that reads the database file through memory
/// mapping (`PRAGMA mmap_size`) while held, for `verify`'s scan of a whole
/// chain: pages are then read in place instead of copied by `pread`, and one
/// connection serves a part's every page (a chain of 320,000 events: median
/// 0.375 → 0.28 s). Only for this scan: a mapped file turns an I/O error into
/// a signal instead of an error, which a service's everyday queries should
/// not risk. The connection goes back to the pool unmapped, also when dropped
/// midway (an aborted verify: a task unmaps it first).
pub(crate) struct MappedReads(Option<sqlx::pool::PoolConnection<sqlx::Any>>);

/// How much of the file [`MappedReads`] maps.
const MAPPED_BYTES: u64 = 1 << 30;

impl MappedReads {
    pub(crate) async fn acquire(db: &Db) -> Result<Self, AuditError> {
        let mut conn = db.pool().acquire().await?;
        conn.execute(AssertSqlSafe(format!("PRAGMA mmap_size = {MAPPED_BYTES}")))
            .await?;
        Ok(MappedReads(Some(conn)))
    }

    /// The connection (`None` only after [`MappedReads::release`]).
    pub(crate) fn conn(&mut self) -> Option<&mut AnyConnection> {
        self.0.as_deref_mut()
    }

    /// Unmaps and returns the connection to the pool.
    pub(crate) async fn release(mut self) {
        if let Some(conn) = self.0.take() {
            unmap(conn).await;
        }
    }
}

/// Returns `conn` to the pool unmapped; one that cannot be unmapped is closed.
async fn unmap(mut conn: sqlx::pool::PoolConnection<sqlx::Any>) {
    if conn.execute("PRAGMA mmap_size = 0").await.is_err() {
        drop(conn.detach());
    }
}

impl Drop for MappedReads {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn(unmap(conn))),
                Err(_) => drop(conn.detach()),
            }
        }
    }
}

/// The stored `prev_hash` of event `seq` of `chain_id`: `None` when there is
/// no such event, or what is stored there is no hash.
pub(crate) async fn prev_hash(
    db: &Db,
    chain_id: &str,
    seq: u64,
) -> Result<Option<[u8; 32]>, AuditError> {
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT prev_hash FROM egov_audit_events WHERE chain_id = $1 AND seq = $2",
    )
    .bind(chain_id)
    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
    .fetch_optional(db.pool())
    .await?;
    Ok(stored.as_deref().and_then(from_hex))
}

/// SQLite: whether the events table is still defined as migration 3 made it,
/// every field column generated from the hashed record. (Someone who
/// redefined it — `PRAGMA writable_schema` — could keep the records intact and
/// show other values in the columns that searches and reports read.)
pub(crate) async fn sqlite_events_table_intact(db: &Db) -> Result<bool, AuditError> {
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'egov_audit_events'",
    )
    .fetch_optional(db.pool())
    .await?;
    Ok(stored.as_deref() == Some(sqlite_events_table_definition()))
}

/// The events table's `CREATE TABLE` statement in migration 3, as SQLite keeps
/// it in `sqlite_master` (without the `;`).
fn sqlite_events_table_definition() -> &'static str {
    let sql = SQLITE_EVENTS_TABLE_MIGRATION;
    let start = sql.find("CREATE TABLE egov_audit_events (").unwrap_or(0);
    let end = sql[start..]
        .find(");\n")
        .map_or(sql.len(), |i| start + i + 1);
    &sql[start..end]
}

/// The stored checkpoints of `chain_id`, smallest first, parsed.
pub(crate) async fn checkpoints(
    db: &Db,
    chain_id: &str,
) -> Result<Vec<SignedCheckpoint>, AuditError> {
    let rows =
        sqlx::query("SELECT text FROM egov_audit_checkpoints WHERE chain_id = $1 ORDER BY size")
            .bind(chain_id)
            .fetch_all(db.pool())
            .await?;
    rows.iter()
        .map(|row| {
            let text: String = row.try_get(0)?;
            SignedCheckpoint::parse(&text)
                .map_err(|e| AuditError::Corrupt(format!("checkpoint: {e}")))
        })
        .collect()
}

/// Stores a signed checkpoint (a second one for the same size is ignored).
pub(crate) async fn save_checkpoint(db: &Db, signed: &SignedCheckpoint) -> Result<(), AuditError> {
    sqlx::query(
        "INSERT INTO egov_audit_checkpoints (chain_id, size, head, signed_at, key_id, text)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (chain_id, size) DO NOTHING",
    )
    .bind(signed.checkpoint.chain_id.clone())
    .bind(i64::try_from(signed.checkpoint.size).unwrap_or(i64::MAX))
    .bind(to_hex(&signed.checkpoint.head))
    .bind(timestamp_to_sql(signed.checkpoint.time))
    .bind(signed.key_id.clone())
    .bind(signed.to_text())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The head `(seq, hash)` of `chain_id` as last committed.
pub(crate) async fn head(db: &Db, chain_id: &str) -> Result<(u64, [u8; 32]), AuditError> {
    let row = sqlx::query("SELECT seq, hash FROM egov_audit_heads WHERE chain_id = $1")
        .bind(chain_id)
        .fetch_optional(db.pool())
        .await?;
    match row {
        None => Ok((0, GENESIS)),
        Some(row) => Ok((
            u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0),
            from_hex(&row.try_get::<String, _>(1)?)
                .ok_or_else(|| AuditError::Corrupt("head hash".into()))?,
        )),
    }
}

/// Begins a write transaction that serializes appenders on both backends.
pub(crate) async fn begin_write(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<(), AuditError> {
    conn.execute(backend.begin_write()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{chunk_sizes, sqlite_events_table_definition};

    #[test]
    fn the_sqlite_events_table_definition_is_the_whole_create_statement() {
        let definition = sqlite_events_table_definition();
        assert!(
            definition.starts_with("CREATE TABLE egov_audit_events (\n    chain_id TEXT NOT NULL,")
        );
        assert!(
            definition.ends_with("PRIMARY KEY (chain_id, seq)\n)"),
            "{definition}"
        );
        assert_eq!(definition.matches("GENERATED ALWAYS AS").count(), 16);
    }

    #[test]
    fn chunks_are_powers_of_two_that_add_up() {
        assert_eq!(chunk_sizes(45, 128), vec![32, 8, 4, 1]);
        assert_eq!(chunk_sizes(20, 8), vec![8, 8, 4]);
        assert_eq!(chunk_sizes(300, 128), vec![128, 128, 32, 8, 4]);
        assert_eq!(chunk_sizes(0, 128), Vec::<usize>::new());
        for n in 0..1000 {
            let sizes = chunk_sizes(n, 128);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(sizes.iter().all(|s| s.is_power_of_two() && *s <= 128));
        }
    }
}
