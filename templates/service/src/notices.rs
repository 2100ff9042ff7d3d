//! The sample resource: notices (공지사항). Copy it for your own resources.
//! Reads are public, writes need [`WRITE`]; bodies
//! are validated (`category` against the code group `NOTICE_CATEGORY`); each
//! change commits with its audit event; a stale `version` gets 409. Problem
//! responses are documented by the framework from the policy and extractors.

use axum::Json;
use axum::extract::{Path, State};
use egov::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use validator::Validate;

/// Who may create and change notices.
pub const WRITE: AccessPolicy = AccessPolicy::permission("notices:write");

egov::codes::code_group!(pub NoticeCategory = "NOTICE_CATEGORY");

/// A notice.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Notice {
    /// Its id (UUIDv7).
    #[schema(value_type = String)]
    #[sqlx(try_from = "String")]
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

/// A notice's fields: the body of `POST`, and with `version` of `PUT`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewNotice {
    /// 1–100 characters, not only spaces.
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub title: String,
    /// 1–5,000 characters.
    #[validate(length(min = 1, max = 5000))]
    pub body: String,
    /// A currently valid code of `NOTICE_CATEGORY` (see `GET /codes/NOTICE_CATEGORY`).
    #[validate(custom(function = "valid_code"))]
    #[schema(value_type = String, example = "GENERAL")]
    pub category: CodeOf<NoticeCategory>,
}

const SELECT: &str = "SELECT id, title, body, category, version, updated_at FROM notices";

/// Creates a notice.
#[utoipa::path(post, path = "/api/notices", tag = "notices", request_body = NewNotice,
    responses((status = 201, description = "Created", body = Notice)))]
async fn create_notice(
    change: Change,
    Valid(Json(new)): Valid<Json<NewNotice>>,
) -> ApiResult<Created<Notice>> {
    let id = Id::<Notice>::new();
    let mut tx = change.begin().await?;
    sqlx::query(
        "INSERT INTO notices (id, title, body, category, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5)",
    )
    .bind(id.to_string())
    .bind(new.title.trim())
    .bind(&new.body)
    .bind(new.category.as_str())
    .bind(egov::db::value::now_sql())
    .execute(&mut *tx)
    .await?;
    tx.commit(change.event(Action::CREATE, Target::new("notice", id)))
        .await?;
    let notice = change.log().db().find(SELECT, &id.to_string()).await?;
    Ok(Created(format!("/api/notices/{id}"), notice))
}

/// Changes a notice (optimistic concurrency through `version`).
#[utoipa::path(put, path = "/api/notices/{id}", tag = "notices", request_body = Versioned<NewNotice>,
    params(("id" = String, Path)), responses((status = 200, body = Notice), Stale))]
async fn update_notice(
    change: Change,
    Path(id): Path<String>,
    Valid(Json(update)): Valid<Json<Versioned<NewNotice>>>,
) -> ApiResult<Json<Notice>> {
    let (db, new) = (change.log().db(), &update.value);
    let current: Notice = db.find(SELECT, &id).await?;
    let mut tx = change.begin().await?;
    let changed = sqlx::query(
        "UPDATE notices SET title = $1, body = $2, category = $3, \
         version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6",
    )
    .bind(new.title.trim())
    .bind(&new.body)
    .bind(new.category.as_str())
    .bind(egov::db::value::now_sql())
    .bind(&id)
    .bind(update.version)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(Stale(current.version).into());
    }
    tx.commit(change.event(Action::UPDATE, Target::new("notice", &id)))
        .await?;
    Ok(Json(db.find(SELECT, &id).await?))
}

/// Reads one notice.
#[utoipa::path(get, path = "/api/notices/{id}", tag = "notices",
    params(("id" = String, Path)), responses((status = 200, body = Notice)))]
async fn get_notice(
    State(audit): State<AuditLog>,
    Path(id): Path<String>,
) -> ApiResult<Json<Notice>> {
    Ok(Json(audit.db().find(SELECT, &id).await?))
}

/// Lists notices, newest first.
#[utoipa::path(get, path = "/api/notices", tag = "notices", params(Paging), responses((status = 200)))]
async fn list_notices(
    State(audit): State<AuditLog>,
    Paging(page): Paging,
) -> ApiResult<Json<Page<Notice>>> {
    Ok(Json(
        audit.db().page(SELECT, "ORDER BY id DESC", page).await?,
    ))
}

/// The notice routes: reads public, writes need [`WRITE`].
pub fn routes(audit: AuditLog) -> ApiRouter {
    ApiRouter::new()
        .routes(AccessPolicy::Public, routes!(list_notices))
        .routes(AccessPolicy::Public, routes!(get_notice))
        .routes(WRITE, routes!(create_notice, update_notice))
        .with_state(audit)
}
