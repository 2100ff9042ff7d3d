//! The tables and their SQL.

use egov_db::{Backend, Db, Migration, MigrationSet};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Executor, Row};

use crate::Error;
use crate::model::{
    Category, CategoryDraft, ChangeKind, Code, CodeDraft, CodeGroup, Entity, GroupDraft,
    HistoryEntry, Stamp, format_date, parse_date,
};
use crate::snapshot::Snapshot;

/// egov-codes' migrations (layer 3). Apply `egov_db::change::MIGRATIONS` and
/// `egov_audit::MIGRATIONS` with them:
/// `db.migrate(&[&egov_db::change::MIGRATIONS, &egov_audit::MIGRATIONS, &egov_codes::MIGRATIONS])`.
pub static MIGRATIONS: MigrationSet = MigrationSet::new(
    "egov-codes",
    3,
    &[Migration::portable(
        1,
        "code categories, groups, codes and their history",
        include_str!("../migrations/0001_codes.sql"),
    )],
);

/// The change-notification topic of the code tables.
pub const TOPIC: &str = "codes";

const CATEGORY_COLUMNS: &str =
    "id, labels, description, active, version, created_at, created_by, updated_at, updated_by";
const GROUP_COLUMNS: &str = "id, category_id, labels, description, custodian, active, version, \
     created_at, created_by, updated_at, updated_by";
const CODE_COLUMNS: &str = "group_id, code, labels, description, sort_order, parent_code, \
     valid_from, valid_to, active, attributes, version, created_at, created_by, updated_at, updated_by";

fn corrupt(column: &str, error: impl std::fmt::Display) -> Error {
    Error::Store(egov_db::DbError::Decode {
        column: column.to_owned(),
        reason: error.to_string(),
    })
}

fn json_column<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T, Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| corrupt(column, e))
}

fn date_column(row: &AnyRow, column: &str) -> Result<Option<time::Date>, Error> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse_date(&t).ok_or_else(|| corrupt(column, "not a date")))
        .transpose()
}

fn stamp(row: &AnyRow) -> Result<Stamp, Error> {
    Ok(Stamp {
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

fn category_row(row: &AnyRow) -> Result<Category, Error> {
    Ok(Category {
        id: row.try_get("id")?,
        labels: json_column(row, "labels")?,
        description: row.try_get("description")?,
        active: row.try_get::<i64, _>("active")? != 0,
        stamp: stamp(row)?,
    })
}

fn group_row(row: &AnyRow) -> Result<CodeGroup, Error> {
    Ok(CodeGroup {
        id: row.try_get("id")?,
        category: row.try_get("category_id")?,
        labels: json_column(row, "labels")?,
        description: row.try_get("description")?,
        custodian: row.try_get("custodian")?,
        active: row.try_get::<i64, _>("active")? != 0,
        stamp: stamp(row)?,
    })
}

fn code_row(row: &AnyRow) -> Result<Code, Error> {
    Ok(Code {
        group: row.try_get("group_id")?,
        code: row.try_get("code")?,
        labels: json_column(row, "labels")?,
        description: row.try_get("description")?,
        sort_order: row.try_get("sort_order")?,
        parent: row.try_get("parent_code")?,
        valid_from: date_column(row, "valid_from")?,
        valid_to: date_column(row, "valid_to")?,
        active: row.try_get::<i64, _>("active")? != 0,
        attributes: json_column(row, "attributes")?,
        stamp: stamp(row)?,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// Begins a write transaction that serializes writers on both backends.
pub(crate) async fn begin_write(conn: &mut AnyConnection, backend: Backend) -> Result<(), Error> {
    conn.execute(backend.begin_write()).await?;
    Ok(())
}

/// The change version of the code tables inside a write transaction, its row
/// locked on PostgreSQL until the transaction ends (SQLite's `BEGIN IMMEDIATE`
/// already holds the only write lock), so no other writer moves it meanwhile.
pub(crate) async fn locked_version(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<i64, Error> {
    let version: Option<(i64,)> = sqlx::query_as(backend.pick(
        "SELECT version FROM egov_change_versions WHERE topic = $1",
        "SELECT version FROM egov_change_versions WHERE topic = $1 FOR UPDATE",
    ))
    .bind(TOPIC)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(version.map_or(0, |(v,)| v))
}

/// Reads everything, with the change version, from one consistent view.
pub(crate) async fn load_snapshot(db: &Db) -> Result<Snapshot, Error> {
    let mut conn = db.pool().acquire().await?;
    conn.execute(
        db.backend()
            .pick("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
    )
    .await?;
    let result = load_snapshot_in(&mut conn).await;
    // Read-only: ending it either way changes nothing.
    let _ = conn.execute("ROLLBACK").await;
    result
}

/// Reads everything inside the caller's transaction.
pub(crate) async fn load_snapshot_in(conn: &mut AnyConnection) -> Result<Snapshot, Error> {
    let version: Option<(i64,)> =
        sqlx::query_as("SELECT version FROM egov_change_versions WHERE topic = $1")
            .bind(TOPIC)
            .fetch_optional(&mut *conn)
            .await?;
    let categories = select_all(
        conn,
        format!("SELECT {CATEGORY_COLUMNS} FROM egov_code_categories"),
        category_row,
    )
    .await?;
    let groups = select_all(
        conn,
        format!("SELECT {GROUP_COLUMNS} FROM egov_code_groups"),
        group_row,
    )
    .await?;
    let codes = select_all(
        conn,
        format!("SELECT {CODE_COLUMNS} FROM egov_codes"),
        code_row,
    )
    .await?;
    Ok(Snapshot::build(
        version.map_or(0, |(v,)| v),
        categories,
        groups,
        codes,
    ))
}

fn lock(backend: Backend) -> &'static str {
    backend.pick("", " FOR UPDATE")
}

/// Every row `sql` selects, decoded.
async fn select_all<T>(
    conn: &mut AnyConnection,
    sql: String,
    decode: fn(&AnyRow) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// The row `sql` selects with `keys` bound as `$1`, `$2`…, decoded.
async fn select_one<T>(
    conn: &mut AnyConnection,
    sql: String,
    keys: &[&str],
    decode: fn(&AnyRow) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for key in keys {
        query = query.bind(*key);
    }
    query
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

pub(crate) async fn category(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
) -> Result<Option<Category>, Error> {
    let sql = format!(
        "SELECT {CATEGORY_COLUMNS} FROM egov_code_categories WHERE id = $1{}",
        lock(backend)
    );
    select_one(conn, sql, &[id], category_row).await
}

pub(crate) async fn group(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
) -> Result<Option<CodeGroup>, Error> {
    let sql = format!(
        "SELECT {GROUP_COLUMNS} FROM egov_code_groups WHERE id = $1{}",
        lock(backend)
    );
    select_one(conn, sql, &[id], group_row).await
}

pub(crate) async fn code(
    conn: &mut AnyConnection,
    backend: Backend,
    group: &str,
    code: &str,
) -> Result<Option<Code>, Error> {
    let sql = format!(
        "SELECT {CODE_COLUMNS} FROM egov_codes WHERE group_id = $1 AND code = $2{}",
        lock(backend)
    );
    select_one(conn, sql, &[group, code], code_row).await
}

/// Inserts or replaces the category row (`stamp.version` = 1 inserts).
pub(crate) async fn put_category(
    conn: &mut AnyConnection,
    draft: &CategoryDraft,
    stamp: &Stamp,
) -> Result<(), Error> {
    let sql = if stamp.version == 1 {
        "INSERT INTO egov_code_categories (labels, description, active, version, created_at, \
         created_by, updated_at, updated_by, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    } else {
        "UPDATE egov_code_categories SET labels = $1, description = $2, active = $3, version = $4, \
         created_at = $5, created_by = $6, updated_at = $7, updated_by = $8 \
         WHERE id = $9 AND version = $4 - 1"
    };
    let query = sqlx::query(sql)
        .bind(to_json(&draft.labels))
        .bind(draft.description.clone())
        .bind(i64::from(draft.active));
    let query = bind_stamp(query, stamp).bind(draft.id.clone());
    execute_one(conn, query).await
}

pub(crate) async fn put_group(
    conn: &mut AnyConnection,
    draft: &GroupDraft,
    stamp: &Stamp,
) -> Result<(), Error> {
    let sql = if stamp.version == 1 {
        "INSERT INTO egov_code_groups (category_id, labels, description, custodian, active, version, \
         created_at, created_by, updated_at, updated_by, id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    } else {
        "UPDATE egov_code_groups SET category_id = $1, labels = $2, description = $3, custodian = $4, \
         active = $5, version = $6, created_at = $7, created_by = $8, updated_at = $9, updated_by = $10 \
         WHERE id = $11 AND version = $6 - 1"
    };
    let query = sqlx::query(sql)
        .bind(draft.category.clone())
        .bind(to_json(&draft.labels))
        .bind(draft.description.clone())
        .bind(draft.custodian.clone())
        .bind(i64::from(draft.active));
    let query = bind_stamp(query, stamp).bind(draft.id.clone());
    execute_one(conn, query).await
}

pub(crate) async fn put_code(
    conn: &mut AnyConnection,
    draft: &CodeDraft,
    stamp: &Stamp,
) -> Result<(), Error> {
    let sql = if stamp.version == 1 {
        "INSERT INTO egov_codes (labels, description, sort_order, parent_code, valid_from, valid_to, \
         active, attributes, version, created_at, created_by, updated_at, updated_by, group_id, code) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    } else {
        "UPDATE egov_codes SET labels = $1, description = $2, sort_order = $3, parent_code = $4, \
         valid_from = $5, valid_to = $6, active = $7, attributes = $8, version = $9, created_at = $10, \
         created_by = $11, updated_at = $12, updated_by = $13 \
         WHERE group_id = $14 AND code = $15 AND version = $9 - 1"
    };
    let query = sqlx::query(sql)
        .bind(to_json(&draft.labels))
        .bind(draft.description.clone())
        .bind(draft.sort_order)
        .bind(draft.parent.clone())
        .bind(draft.valid_from.map(format_date))
        .bind(draft.valid_to.map(format_date))
        .bind(i64::from(draft.active))
        .bind(to_json(&draft.attributes));
    let query = bind_stamp(query, stamp)
        .bind(draft.group.clone())
        .bind(draft.code.clone());
    execute_one(conn, query).await
}

type WriteQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the stamp's columns, which every table stores in the same order
/// (`version`, `created_at`, `created_by`, `updated_at`, `updated_by`).
fn bind_stamp<'q>(query: WriteQuery<'q>, stamp: &Stamp) -> WriteQuery<'q> {
    query
        .bind(stamp.version)
        .bind(stamp.created_at.clone())
        .bind(stamp.created_by.clone())
        .bind(stamp.updated_at.clone())
        .bind(stamp.updated_by.clone())
}

/// Runs an insert, or an update guarded by the version: one that changed
/// nothing lost a race.
async fn execute_one(conn: &mut AnyConnection, query: WriteQuery<'_>) -> Result<(), Error> {
    let done = query.execute(&mut *conn).await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::Conflict { current: None })
    }
}

/// One history row.
pub(crate) struct HistoryRow<'a> {
    pub(crate) entity: Entity,
    pub(crate) group: &'a str,
    pub(crate) key: &'a str,
    pub(crate) version: i64,
    pub(crate) change: ChangeKind,
    pub(crate) record: String,
    pub(crate) at: &'a str,
    pub(crate) by: &'a str,
    pub(crate) reason: Option<&'a str>,
}

pub(crate) async fn insert_history(
    conn: &mut AnyConnection,
    row: HistoryRow<'_>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO egov_code_history (entity, group_id, record_key, version, change_kind, record, \
         changed_at, changed_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(row.entity.as_str())
    .bind(row.group)
    .bind(row.key)
    .bind(row.version)
    .bind(row.change.as_str())
    .bind(row.record)
    .bind(row.at)
    .bind(row.by)
    .bind(row.reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every version of a record, oldest first.
pub(crate) async fn history(
    db: &Db,
    entity: Entity,
    group: &str,
    key: &str,
) -> Result<Vec<HistoryEntry>, Error> {
    let rows = sqlx::query(
        "SELECT version, change_kind, record, changed_at, changed_by, reason FROM egov_code_history \
         WHERE entity = $1 AND group_id = $2 AND record_key = $3 ORDER BY version",
    )
    .bind(entity.as_str())
    .bind(group)
    .bind(key)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let change: String = row.try_get("change_kind")?;
            Ok(HistoryEntry {
                version: row.try_get("version")?,
                change: ChangeKind::parse(&change)
                    .ok_or_else(|| corrupt("change_kind", "unknown change"))?,
                changed_at: row.try_get("changed_at")?,
                changed_by: row.try_get("changed_by")?,
                reason: row.try_get("reason")?,
                record: json_column(row, "record")?,
            })
        })
        .collect()
}
