//! The resource kit: a table of records that citizens read and staff change,
//! as a [`Resource`] impl instead of four handlers.
//!
//! A resource is a struct read from its table (`sqlx::FromRow`, shown as JSON)
//! and its input fields (`Fields`: the body of `POST`, and with `version` the
//! body of `PUT`). [`Resource::routes`] gives it the usual four routes, under
//! two [`AccessPolicy`]s, documented in OpenAPI (the problem responses come
//! from the policies and the extractors, see [`egov_http::openapi::describe`]):
//!
//! | route | does | answers |
//! |---|---|---|
//! | `GET {PATH}?page=&size=` | [`list`], newest first (`ORDER`) | 200 a [`Page`] |
//! | `GET {PATH}/{id}` | [`find`] | 200, 404 |
//! | `POST {PATH}` | [`create`]: validated, inserted with its `create` audit event | 201 + `Location`, 422 |
//! | `PUT {PATH}/{id}` | [`update`]: validated, `version` checked, with its `update` event | 200, 404, 409 [`Stale`], 422 |
//!
//! The table follows one convention, so the SQL is derived, not written:
//! `id TEXT PRIMARY KEY` (a UUIDv7 [`Id`]), one column per field of `Fields`
//! (named as the field is serialized), `version BIGINT` (1 on insert, +1 on
//! every change), and `created_at` / `updated_at` as portable timestamps
//! ([`egov_db::value::now_sql`]). Field values are bound by their JSON type:
//! strings as text, integers as `BIGINT`, booleans as `BIGINT` 0/1 (the
//! portable convention; read them back as `i64`), `null` as `NULL`, and
//! arrays/objects as JSON text. A field left out of the serialized form (e.g.
//! `skip_serializing_if`) is left to the column's default on insert and
//! unchanged on update.
//!
//! Every write begins with [`AuditLog::begin`] (`BEGIN IMMEDIATE` on SQLite)
//! and commits only together with its event, so "a change and its audit
//! event commit in the same transaction" holds without the resource saying
//! so. A resource that needs more than this (a computed column, an encrypted
//! field, a status workflow) keeps [`find`]/[`list`] and writes its own
//! handlers with [`Change`] and [`egov_audit::AuditedTx`] — the generated
//! resources of `egov generate resource` with a resident number do.
//!
//! ```no_run
//! use egov_core::access::AccessPolicy;
//! use egov_core::id::Id;
//! use egov_web::resource::Resource;
//!
//! #[derive(serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
//! struct Notice {
//!     #[schema(value_type = String)]
//!     #[sqlx(try_from = "String")]
//!     id: Id<Notice>,
//!     title: String,
//!     version: i64,
//! }
//!
//! #[derive(serde::Deserialize, serde::Serialize, validator::Validate, utoipa::ToSchema)]
//! struct NewNotice {
//!     #[validate(length(min = 1, max = 100))]
//!     title: String,
//! }
//!
//! impl Resource for Notice {
//!     type Fields = NewNotice;
//!     const TABLE: &'static str = "notices";
//!     const PATH: &'static str = "/api/notices";
//!     const KIND: &'static str = "notice";
//! }
//!
//! # async fn run(audit: egov_audit::AuditLog) {
//! let routes = Notice::routes(AccessPolicy::Public, AccessPolicy::permission("notices:write"), audit);
//! # }
//! ```

use std::fmt::Write as _;

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use egov_audit::web::Change;
use egov_audit::{Action, AuditLog, Target};
use egov_core::access::AccessPolicy;
use egov_core::id::Id;
use egov_core::paging::{Page, PageRequest};
use egov_core::problem::{Problem, ProblemType};
use egov_db::{Db, DbError};
use egov_http::{ApiResult, ApiRouter, Created, Paging, Stale};
use egov_validation::{Valid, Versioned};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder, Schema};
use utoipa::{IntoParams, IntoResponses, PartialSchema, ToSchema};
use validator::Validate;

/// A table of records with the four routes of the [module docs](self).
///
/// The constants name the table, the routes and the audit target; the types
/// say what a record looks like (`Self`, read with `FromRow`) and what a
/// caller sends (`Fields`).
pub trait Resource:
    for<'r> sqlx::FromRow<'r, AnyRow> + Serialize + ToSchema + Send + Sync + Unpin + Sized + 'static
{
    /// What a caller sends: the body of `POST`, and (in [`Versioned`]) of
    /// `PUT`. Serialized, it gives the columns to write.
    type Fields: DeserializeOwned + Serialize + Validate + ToSchema + Send + Sync + 'static;

    /// The table, e.g. `notices`.
    const TABLE: &'static str;
    /// The collection's path, e.g. `/api/notices`; a record is at `{PATH}/{id}`.
    const PATH: &'static str;
    /// What a record is called in the audit trail (`target_kind`) and in
    /// operation ids, e.g. `notice`.
    const KIND: &'static str;
    /// The OpenAPI tag of the routes.
    const TAG: &'static str = Self::TABLE;
    /// The order of [`list`]: newest first (ids are UUIDv7).
    const ORDER: &'static str = "id DESC";

    /// The four routes, reads under `read` and writes under `write`, with
    /// `audit` as their state.
    fn routes(read: AccessPolicy, write: AccessPolicy, audit: AuditLog) -> ApiRouter {
        routes::<Self>(read, write).with_state(audit)
    }
}

/// The record `id` of `R`.
///
/// # Errors
///
/// 404 when there is none; a database error.
pub async fn find<R: Resource>(db: &Db, id: &str) -> Result<R, DbError> {
    db.find(select::<R>(), id).await
}

/// Page `request` of `R`'s records in `R::ORDER`.
///
/// # Errors
///
/// A database error.
pub async fn list<R: Resource>(db: &Db, request: PageRequest) -> Result<Page<R>, DbError> {
    db.page(select::<R>(), order::<R>(), request).await
}

/// Inserts a record of `fields` with a new id and version 1, and commits it
/// with the `create` event of `change`'s caller; returns it as stored.
///
/// # Errors
///
/// A database or audit error (nothing is stored then).
pub async fn create<R: Resource>(change: &Change, fields: &R::Fields) -> ApiResult<(Id<R>, R)> {
    let id = Id::<R>::new();
    let columns = columns::<R>(fields)?;
    let mut sql = format!(
        "INSERT INTO {} (id, version, created_at, updated_at",
        R::TABLE
    );
    let mut values = String::from("$1, 1, $2, $2");
    let mut next = 3;
    for (name, value) in &columns {
        let _ = write!(sql, ", {name}");
        values.push_str(", ");
        value.placeholder(&mut values, &mut next);
    }
    let _ = write!(sql, ") VALUES ({values})");
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(egov_db::value::now_sql());
    for (_, value) in columns {
        query = value.bind(query);
    }
    let mut tx = change.begin().await?;
    query.execute(&mut *tx).await?;
    tx.commit(change.event(Action::CREATE, Target::new(R::KIND, id)))
        .await?;
    let stored = find(change.log().db(), &id.to_string()).await?;
    Ok((id, stored))
}

/// Writes `update`'s fields into record `id` if it is still at
/// `update.version`, and commits that with the `update` event of `change`'s
/// caller; returns the record as stored.
///
/// # Errors
///
/// 404 when there is no such record; 409 ([`Stale`], naming the current
/// version) when someone changed it since the caller read it; a database or
/// audit error. Nothing is changed then.
pub async fn update<R: Resource>(
    change: &Change,
    id: &str,
    update: &Versioned<R::Fields>,
) -> ApiResult<R> {
    let columns = columns::<R>(&update.value)?;
    let mut sql = format!(
        "UPDATE {} SET version = version + 1, updated_at = $1",
        R::TABLE
    );
    let mut next = 2;
    for (name, value) in &columns {
        let _ = write!(sql, ", {name} = ");
        value.placeholder(&mut sql, &mut next);
    }
    let _ = write!(sql, " WHERE id = ${next} AND version = ${}", next + 1);
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(egov_db::value::now_sql());
    for (_, value) in columns {
        query = value.bind(query);
    }
    let mut tx = change.begin().await?;
    let changed = query
        .bind(id.to_owned())
        .bind(update.version)
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        // Read inside the write transaction: what the UPDATE did not match.
        let current: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT version FROM {} WHERE id = $1",
            R::TABLE
        )))
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        return Err(match current {
            Some(version) => Stale(version).into(),
            None => DbError::NotFound.into(),
        });
    }
    tx.commit(change.event(Action::UPDATE, Target::new(R::KIND, id)))
        .await?;
    Ok(find(change.log().db(), id).await?)
}

/// The four routes of `R` with the state ([`AuditLog`]) still open, for a
/// router that adds more routes on it; [`Resource::routes`] closes it.
pub fn routes<R: Resource>(read: AccessPolicy, write: AccessPolicy) -> ApiRouter<AuditLog> {
    let item = format!("{}/{{id}}", R::PATH);
    let mut schemas = vec![
        (R::name().into_owned(), R::schema()),
        (R::Fields::name().into_owned(), R::Fields::schema()),
    ];
    R::schemas(&mut schemas);
    R::Fields::schemas(&mut schemas);
    let documented = |path: &str, method: HttpMethod, operation: OperationBuilder| {
        let mut paths = Paths::new();
        paths.add_path_operation(path, vec![method], operation);
        (schemas.clone(), paths)
    };

    let mut list_operation = operation::<R>("list", R::TABLE, "Lists them, newest first")
        .response("200", json_response("The page", page_schema::<R>()));
    for parameter in Paging::into_params(|| None) {
        list_operation = list_operation.parameter(parameter);
    }
    let get_operation = operation::<R>("get", R::KIND, "Reads one")
        .parameter(id_parameter())
        .response("200", json_response("The record", schema_ref::<R>()));
    let create_operation = operation::<R>("create", R::KIND, "Creates one")
        .request_body(Some(json_body(RefOr::Ref(Ref::from_schema_name(
            R::Fields::name(),
        )))))
        .response("201", json_response("Created", schema_ref::<R>()));
    let mut update_operation =
        operation::<R>("update", R::KIND, "Changes one (send the version you read)")
            .parameter(id_parameter())
            .request_body(Some(json_body(Versioned::<R::Fields>::schema())))
            .response(
                "200",
                json_response("The record as stored", schema_ref::<R>()),
            );
    for (status, response) in Stale::responses() {
        update_operation = update_operation.response(status, response);
    }

    let with = |(schemas, paths), handler| (schemas, paths, handler);
    ApiRouter::new()
        .routes(
            read.clone(),
            with(
                documented(R::PATH, HttpMethod::Get, list_operation),
                get(list_handler::<R>),
            ),
        )
        .routes(
            read,
            with(
                documented(&item, HttpMethod::Get, get_operation),
                get(get_handler::<R>),
            ),
        )
        .routes(
            write.clone(),
            with(
                documented(R::PATH, HttpMethod::Post, create_operation),
                post(create_handler::<R>),
            ),
        )
        .routes(
            write,
            with(
                documented(&item, HttpMethod::Put, update_operation),
                put(update_handler::<R>),
            ),
        )
}

async fn list_handler<R: Resource>(
    State(audit): State<AuditLog>,
    Paging(page): Paging,
) -> ApiResult<Json<Page<R>>> {
    Ok(Json(list(audit.db(), page).await?))
}

async fn get_handler<R: Resource>(
    State(audit): State<AuditLog>,
    Path(id): Path<String>,
) -> ApiResult<Json<R>> {
    Ok(Json(find(audit.db(), &id).await?))
}

async fn create_handler<R: Resource>(
    change: Change,
    Valid(Json(fields)): Valid<Json<R::Fields>>,
) -> ApiResult<Created<R>> {
    let (id, stored) = create::<R>(&change, &fields).await?;
    Ok(Created(format!("{}/{id}", R::PATH), stored))
}

async fn update_handler<R: Resource>(
    change: Change,
    Path(id): Path<String>,
    Valid(Json(body)): Valid<Json<Versioned<R::Fields>>>,
) -> ApiResult<Json<R>> {
    Ok(Json(update::<R>(&change, &id, &body).await?))
}

fn select<R: Resource>() -> &'static str {
    static_sql(format!("SELECT * FROM {}", R::TABLE))
}

fn order<R: Resource>() -> &'static str {
    static_sql(format!("ORDER BY {}", R::ORDER))
}

/// `Db::find`/`Db::page` take `&'static str` (SQL text is code, not input);
/// a resource's SQL is made of its constants, so it is built once per text
/// and kept for the life of the process.
fn static_sql(sql: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{LazyLock, Mutex, PoisonError};
    static TEXTS: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);
    let mut texts = TEXTS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = texts.get(sql.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(sql.into_boxed_str());
    texts.insert(leaked);
    leaked
}

/// A field value to write, by its JSON type.
enum Column {
    Null,
    Text(String),
    Integer(i64),
    Real(f64),
    Boolean(bool),
}

impl Column {
    fn placeholder(&self, sql: &mut String, next: &mut usize) {
        if let Column::Null = self {
            // A typed NULL parameter would be text on PostgreSQL, which an
            // integer column refuses; the literal fits every column.
            sql.push_str("NULL");
        } else {
            let _ = write!(sql, "${next}");
            *next += 1;
        }
    }

    fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            Column::Null => query,
            Column::Text(text) => query.bind(text),
            Column::Integer(number) => query.bind(number),
            Column::Real(number) => query.bind(number),
            // The portable convention for booleans: BIGINT 0/1.
            Column::Boolean(flag) => query.bind(i64::from(flag)),
        }
    }
}

/// The columns `fields` serialize to, checked to be plain names (they are
/// written into the SQL text).
fn columns<R: Resource>(fields: &R::Fields) -> Result<Vec<(String, Column)>, Problem> {
    let internal = |why: &str| {
        tracing::error!(resource = R::KIND, why, "resource fields cannot be written");
        Problem::new(ProblemType::INTERNAL)
    };
    let Ok(Value::Object(map)) = serde_json::to_value(fields) else {
        return Err(internal("the fields do not serialize to a JSON object"));
    };
    let mut columns = Vec::with_capacity(map.len());
    for (name, value) in map {
        if !is_column_name(&name)
            || ["id", "version", "created_at", "updated_at"].contains(&name.as_str())
        {
            return Err(internal("a field name is not a writable column name"));
        }
        let column = match value {
            Value::Null => Column::Null,
            Value::Bool(flag) => Column::Boolean(flag),
            Value::String(text) => Column::Text(text),
            Value::Number(number) => match number.as_i64() {
                Some(integer) => Column::Integer(integer),
                None => Column::Real(number.as_f64().unwrap_or(f64::NAN)),
            },
            nested @ (Value::Array(_) | Value::Object(_)) => Column::Text(nested.to_string()),
        };
        columns.push((name, column));
    }
    Ok(columns)
}

fn is_column_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn operation<R: Resource>(verb: &str, noun: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(format!("{verb}_{noun}")))
        .tag(R::TAG)
        .summary(Some(summary))
}

fn id_parameter() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

fn schema_ref<R: Resource>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(R::name()))
}

fn page_schema<R: Resource>() -> RefOr<Schema> {
    let count = |description: &str| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .description(Some(description))
    };
    ObjectBuilder::new()
        .property("items", ArrayBuilder::new().items(schema_ref::<R>()))
        .property("page", count("This page's number, from 1"))
        .property("size", count("The requested page size"))
        .property("total_items", count("Items across all pages"))
        .property("total_pages", count("Number of pages"))
        .required("items")
        .required("page")
        .required("size")
        .required("total_items")
        .required("total_pages")
        .build()
        .into()
}

fn json_body(schema: RefOr<Schema>) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .required(Some(Required::True))
        .build()
}

fn json_response(description: &str, schema: RefOr<Schema>) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_plain_lower_case_identifiers() {
        for good in ["title", "valid_from", "_x", "a1"] {
            assert!(is_column_name(good), "{good}");
        }
        for bad in ["", "Title", "1a", "a-b", "a b", "a;DROP", "제목", "a\"b"] {
            assert!(!is_column_name(bad), "{bad}");
        }
    }

    #[test]
    fn static_sql_keeps_one_copy_per_text() {
        let a = static_sql("SELECT 1".to_owned());
        let b = static_sql(String::from("SELECT 1"));
        assert!(std::ptr::eq(a, b));
    }
}
