//! The sample resource: notices (공지사항). Copy this module for your own
//! resources; it shows each framework rule once:
//!
//! - reads are `Public`, writes need the permission [`WRITE`] (deny by default);
//! - bodies are validated (`Valid<Json<…>>`): 422 with localized field errors;
//! - `category` must be a currently valid code of the common code group
//!   `NOTICE_CATEGORY` (maintained as data, see `codes/seed.json`);
//! - every change is its own audit event, recorded **in the same transaction**
//!   as the change, so both commit or neither does;
//! - updates carry the version read (`version`), and a stale one gets 409.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use egov::audit::Detail;
use egov::codes::validate::CodeOf;
use egov::db::value::timestamp_to_sql;
use egov::prelude::*;
use egov::validation::Valid;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;
use validator::{Validate, ValidationError};

/// Who may create and change notices.
pub const WRITE: AccessPolicy = AccessPolicy::permission("notices:write");

egov::codes::code_group!(pub NoticeCategory = "NOTICE_CATEGORY");

/// A notice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// Its id (UUIDv7).
    #[schema(value_type = String)]
    pub id: Id<Notice>,
    /// The title.
    pub title: String,
    /// The text.
    pub body: String,
    /// A code of the group `NOTICE_CATEGORY`.
    pub category: String,
    /// Incremented by every change; send it back when updating.
    pub version: i64,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// The body of `POST /api/notices`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewNotice {
    /// 1–100 characters, not only spaces.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub title: String,
    /// 1–5,000 characters.
    #[validate(length(min = 1, max = 5000))]
    pub body: String,
    /// A currently valid code of `NOTICE_CATEGORY` (see `GET /codes/NOTICE_CATEGORY`).
    #[validate(custom(function = "egov::codes::validate::valid_code"))]
    #[schema(value_type = String, example = "GENERAL")]
    pub category: CodeOf<NoticeCategory>,
}

/// The body of `PUT /api/notices/{id}`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NoticeUpdate {
    /// 1–100 characters, not only spaces.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub title: String,
    /// 1–5,000 characters.
    #[validate(length(min = 1, max = 5000))]
    pub body: String,
    /// A currently valid code of `NOTICE_CATEGORY`.
    #[validate(custom(function = "egov::codes::validate::valid_code"))]
    #[schema(value_type = String, example = "GENERAL")]
    pub category: CodeOf<NoticeCategory>,
    /// The version read; a newer stored one means someone else changed it.
    pub version: i64,
}

/// Code `not_blank`, message `validation-not_blank` in `locales/*/service.ftl`.
fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new("not_blank"));
    }
    Ok(())
}

/// Paging parameters (`page` from 1, `size` up to 100).
#[derive(Debug, Deserialize, IntoParams)]
pub struct Paging {
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Items per page, 1–100.
    pub size: Option<u32>,
}

#[derive(Clone)]
struct NoticeState {
    db: Db,
    audit: AuditLog,
}

const COLUMNS: &str = "id, title, body, category, version, updated_at";

fn notice_from_row(row: &sqlx::any::AnyRow) -> Result<Notice, ApiError> {
    let id: String = row.try_get("id").map_err(DbError::from)?;
    Ok(Notice {
        id: id.parse().map_err(|_| Problem::internal())?,
        title: row.try_get("title").map_err(DbError::from)?,
        body: row.try_get("body").map_err(DbError::from)?,
        category: row.try_get("category").map_err(DbError::from)?,
        version: row.try_get("version").map_err(DbError::from)?,
        updated_at: row.try_get("updated_at").map_err(DbError::from)?,
    })
}

async fn find(db: &Db, id: &str) -> Result<Notice, ApiError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notices WHERE id = $1"
    )))
    .bind(id)
    .fetch_one(db.pool())
    .await
    .map_err(DbError::from)?;
    notice_from_row(&row)
}

/// Creates a notice.
#[utoipa::path(post, path = "/api/notices", tag = "notices", request_body = NewNotice,
    responses(
        (status = 201, description = "Created", body = Notice),
        (status = 401, description = "Not logged in", content_type = "application/problem+json"),
        (status = 403, description = "Lacks notices:write", content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", content_type = "application/problem+json"),
    ))]
async fn create_notice(
    State(state): State<NoticeState>,
    Extension(actor): Extension<Actor>,
    Valid(Json(body)): Valid<Json<NewNotice>>,
) -> ApiResult<impl IntoResponse> {
    let id: Id<Notice> = Id::new();
    let now = timestamp_to_sql(time::OffsetDateTime::now_utc());
    let mut tx = state.db.pool().begin().await.map_err(DbError::from)?;
    sqlx::query(
        "INSERT INTO notices (id, title, body, category, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5)",
    )
    .bind(id.to_string())
    .bind(body.title.trim())
    .bind(&body.body)
    .bind(body.category.as_str())
    .bind(&now)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    state
        .audit
        .record_in_transaction(
            &mut tx,
            AuditEvent::new(Action::CREATE, &actor, Outcome::Success)
                .target(Target::new("notice", id)),
        )
        .await?;
    tx.commit().await.map_err(DbError::from)?;
    let notice = find(&state.db, &id.to_string()).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/notices/{id}"))],
        Json(notice),
    ))
}

/// Changes a notice (optimistic concurrency through `version`).
#[utoipa::path(put, path = "/api/notices/{id}", tag = "notices", request_body = NoticeUpdate,
    params(("id" = String, Path, description = "Notice id")),
    responses(
        (status = 200, description = "Changed", body = Notice),
        (status = 404, description = "No such notice", content_type = "application/problem+json"),
        (status = 409, description = "Changed by someone else since it was read", content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", content_type = "application/problem+json"),
    ))]
async fn update_notice(
    State(state): State<NoticeState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Valid(Json(body)): Valid<Json<NoticeUpdate>>,
) -> ApiResult<Json<Notice>> {
    let current = find(&state.db, &id).await?;
    let now = timestamp_to_sql(time::OffsetDateTime::now_utc());
    let mut tx = state.db.pool().begin().await.map_err(DbError::from)?;
    let changed = sqlx::query(
        "UPDATE notices SET title = $1, body = $2, category = $3, version = version + 1, \
         updated_at = $4 WHERE id = $5 AND version = $6",
    )
    .bind(body.title.trim())
    .bind(&body.body)
    .bind(body.category.as_str())
    .bind(&now)
    .bind(&id)
    .bind(body.version)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?
    .rows_affected();
    if changed == 0 {
        return Err(Problem::new(ProblemType::CONFLICT)
            .with_detail(Message::new("notice-stale").arg("version", current.version))
            .into());
    }
    state
        .audit
        .record_in_transaction(
            &mut tx,
            AuditEvent::new(Action::UPDATE, &actor, Outcome::Success)
                .target(Target::new("notice", &id))
                .detail(Detail::new().number("version", body.version + 1)),
        )
        .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(find(&state.db, &id).await?))
}

/// Reads one notice.
#[utoipa::path(get, path = "/api/notices/{id}", tag = "notices",
    params(("id" = String, Path, description = "Notice id")),
    responses(
        (status = 200, description = "Found", body = Notice),
        (status = 404, description = "No such notice", content_type = "application/problem+json"),
    ))]
async fn get_notice(
    State(state): State<NoticeState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Notice>> {
    Ok(Json(find(&state.db, &id).await?))
}

/// Lists notices, newest first.
#[utoipa::path(get, path = "/api/notices", tag = "notices", params(Paging),
    responses(
        (status = 200, description = "One page of notices"),
        (status = 422, description = "Page out of range", content_type = "application/problem+json"),
    ))]
async fn list_notices(
    State(state): State<NoticeState>,
    Query(paging): Query<Paging>,
) -> ApiResult<Json<Page<Notice>>> {
    let request = PageRequest::new(paging.page.unwrap_or(1), paging.size.unwrap_or(20))?;
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM notices")
        .fetch_one(state.db.pool())
        .await
        .map_err(DbError::from)?
        .get(0);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notices ORDER BY id DESC LIMIT $1 OFFSET $2"
    )))
    .bind(i64::from(request.limit()))
    .bind(i64::try_from(request.offset()).unwrap_or(i64::MAX))
    .fetch_all(state.db.pool())
    .await
    .map_err(DbError::from)?;
    let items = rows
        .iter()
        .map(notice_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Page::new(
        items,
        request,
        u64::try_from(total).unwrap_or(0),
    )))
}

/// The notice routes: reads public, writes need [`WRITE`].
pub fn routes(db: Db, audit: AuditLog) -> ApiRouter {
    ApiRouter::new()
        .routes(AccessPolicy::Public, routes!(list_notices))
        .routes(AccessPolicy::Public, routes!(get_notice))
        .routes(WRITE, routes!(create_notice))
        .routes(WRITE, routes!(update_notice))
        .with_state(NoticeState { db, audit })
}
