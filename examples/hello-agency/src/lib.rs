//! # hello-agency
//!
//! The smallest complete egov-rs service, written the way an agency would write
//! one: configuration, telemetry, SQLite (or PostgreSQL) with migrations, one
//! validated and persisted resource, health endpoints and an OpenAPI page.
//!
//! - `POST /api/greetings` — create a greeting (validated JSON body → 201);
//! - `GET /api/greetings/{id}` — read one (404 problem when absent);
//! - `GET /api/greetings?page=1&size=20` — list, newest first, paged;
//! - `GET /codes/GREETING_OCCASION` — the common code group a greeting's
//!   `occasion` must come from (egov-codes; seeded at start-up from
//!   `codes/greeting_occasions.json`, an idempotent import), and the code admin
//!   API under `/admin/codes` (permission `codes:write`);
//! - `/health/live`, `/health/ready`, `/openapi.json`, `/docs/`.
//!
//! ```
//! use egov::prelude::*;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let db = Db::connect_url("sqlite::memory:").await.unwrap();
//! db.migrate(hello_agency::ALL_MIGRATIONS).await.unwrap();
//! let audit_settings = AuditSettings::default();
//! let audit = AuditLog::start(db.clone(), &audit_settings).await.unwrap();
//! let codes = hello_agency::start_codes(db.clone(), audit.clone(), Default::default()).await.unwrap();
//! assert!(codes.is_valid("GREETING_OCCASION", "CHUSEOK"));
//! let app = hello_agency::app(WebSettings::default(), db, audit, &audit_settings, codes);
//! assert!(app.route_table().iter().any(|r| r.path == "/api/greetings/{id}"));
//! assert!(app.route_table().iter().any(|r| r.path == "/codes/{group}"));
//! # });
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use egov::core::message::FluentResources;
use egov::db::value::{timestamp_from_sql, timestamp_to_sql};
use egov::i18n::{I18n, Locale};
use egov::prelude::*;
use egov::validation::Valid;
use egov_codes::CodeRegistry;
use egov_codes::validate::CodeOf;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::routes;
use validator::Validate;

/// This service's migrations.
pub static MIGRATIONS: MigrationSet = MigrationSet::new(
    "hello-agency",
    5,
    &[
        Migration::portable(
            1,
            "create greetings",
            include_str!("../migrations/0001_greetings.sql"),
        ),
        Migration::portable(
            2,
            "one greeting per name",
            include_str!("../migrations/0002_unique_names.sql"),
        ),
        Migration::portable(
            3,
            "the occasion of a greeting (a common code)",
            include_str!("../migrations/0003_occasion.sql"),
        ),
    ],
);

/// Every migration set the service needs: the framework's, then its own.
pub static ALL_MIGRATIONS: &[&MigrationSet] = egov::web::migrations![&MIGRATIONS];

// The common code group of a greeting's occasion.
egov_codes::code_group!(pub GreetingOccasion = "GREETING_OCCASION");

/// The code groups this service ships (imported at every start; a no-op when
/// nothing changed).
pub const SEED_CODES: &str = include_str!("../codes/greeting_occasions.json");

/// Starts the code registry, imports [`SEED_CODES`] and installs the registry
/// for the `validator` code rules.
pub async fn start_codes(
    db: Db,
    audit: AuditLog,
    settings: egov_codes::CodesSettings,
) -> Result<CodeRegistry, egov_codes::Error> {
    let codes = CodeRegistry::start(db, audit, settings).await?;
    let seed =
        egov_codes::transfer::parse_json(SEED_CODES).map_err(egov_codes::Error::ImportRejected)?;
    codes
        .import(
            &Actor::system("hello-agency-seed"),
            seed,
            &egov_codes::transfer::no_progress,
        )
        .await?;
    codes.install_global();
    Ok(codes)
}

/// This service's messages, in Korean and English.
pub static MESSAGES: FluentResources = FluentResources {
    component: "hello-agency",
    files: &[
        ("ko", include_str!("../locales/ko/hello-agency.ftl")),
        ("en", include_str!("../locales/en/hello-agency.ftl")),
    ],
};

/// The defaults compiled into the binary (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// A stored greeting.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Greeting {
    /// Its id (UUIDv7).
    #[schema(value_type = String, example = "019ac1e2-7b5c-7d3e-9a41-5f2b8c0d1e23")]
    pub id: Id<Greeting>,
    /// Who is greeted.
    pub name: String,
    /// An optional message.
    pub message: Option<String>,
    /// The occasion: a code of the `GREETING_OCCASION` group.
    pub occasion: Option<String>,
    /// The occasion's label in the caller's language.
    pub occasion_label: Option<String>,
    /// The greeting in the caller's language, e.g. "안녕하세요, 세종님!".
    pub greeting: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
}

/// The body of `POST /api/greetings`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewGreeting {
    /// 1–50 characters, not only spaces (surrounding spaces are trimmed).
    #[validate(length(min = 1, max = 50), custom(function = "not_blank"))]
    pub name: String,
    /// Up to 200 characters.
    #[validate(length(max = 200))]
    pub message: Option<String>,
    /// Optional: a currently valid code of `GREETING_OCCASION`
    /// (`GET /codes/GREETING_OCCASION` lists them).
    #[validate(custom(function = "egov_codes::validate::valid_code"))]
    #[schema(value_type = Option<String>, example = "CHUSEOK")]
    pub occasion: Option<CodeOf<GreetingOccasion>>,
}

#[derive(Clone)]
struct AppState {
    db: Db,
    codes: CodeRegistry,
}

/// What a handler needs to speak the caller's language.
struct Speaker<'a> {
    i18n: &'a I18n,
    locale: &'a Locale,
}

impl AppState {
    fn to_greeting(
        &self,
        speaker: &Speaker<'_>,
        row: &sqlx::any::AnyRow,
    ) -> Result<Greeting, ApiError> {
        let name: String = row.try_get("name")?;
        let id: String = row.try_get("id")?;
        let created_at: String = row.try_get("created_at")?;
        let created = timestamp_from_sql("created_at", &created_at)?;
        let occasion: Option<String> = row.try_get("occasion")?;
        // Labels come from the cached snapshot; a retired code keeps its label.
        let occasion_label = occasion.as_deref().and_then(|code| {
            self.codes
                .snapshot()
                .code("GREETING_OCCASION", code)
                .map(|c| {
                    c.label(speaker.locale.as_str(), &self.codes.fallbacks())
                        .to_owned()
                })
        });
        Ok(Greeting {
            occasion,
            occasion_label,
            id: id.parse().map_err(|_| Problem::internal())?,
            greeting: speaker.i18n.text(
                speaker.locale.as_str(),
                &Message::new("hello-greeting").arg("name", name.as_str()),
            ),
            name,
            message: row.try_get("message")?,
            created_at: created
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(|_| Problem::internal())?,
        })
    }
}

/// Creates a greeting.
#[utoipa::path(post, path = "/api/greetings", tag = "greetings", request_body = NewGreeting,
    responses(
        (status = 201, description = "Created", body = Greeting), Conflict))]
async fn create_greeting(
    State(state): State<AppState>,
    locale: Locale,
    Extension(i18n): Extension<I18n>,
    Valid(Json(body)): Valid<Json<NewGreeting>>,
) -> ApiResult<impl IntoResponse> {
    let name = body.name.trim().to_owned();
    let message = body.message.filter(|m| !m.trim().is_empty());
    let id: Id<Greeting> = Id::new();
    let now = time::OffsetDateTime::now_utc();
    sqlx::query(
        "INSERT INTO greetings (id, name, message, occasion, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
        .bind(id.to_string())
        .bind(&name)
        .bind(&message)
        .bind(body.occasion.map(CodeOf::into_inner))
        .bind(timestamp_to_sql(now))
        .execute(state.db.pool())
        .await
        .map_err(|e| match DbError::from(e) {
            // The same name twice: say so, with the particle the name takes.
            DbError::UniqueViolation { .. } => ApiError(
                Problem::new(ProblemType::CONFLICT)
                    .with_detail(Message::new("hello-greeting-exists").arg("name", name.as_str())),
            ),
            other => ApiError::from(other),
        })?;
    let row =
        sqlx::query("SELECT id, name, message, occasion, created_at FROM greetings WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(state.db.pool())
            .await?;
    let greeting = state.to_greeting(
        &Speaker {
            i18n: &i18n,
            locale: &locale,
        },
        &row,
    )?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/greetings/{id}"))],
        Json(greeting),
    ))
}

/// Reads one greeting.
#[utoipa::path(get, path = "/api/greetings/{id}", tag = "greetings",
    params(("id" = String, Path, description = "Greeting id (UUID)")),
    responses(
        (status = 200, description = "Found", body = Greeting)))]
async fn get_greeting(
    State(state): State<AppState>,
    locale: Locale,
    Extension(i18n): Extension<I18n>,
    Path(id): Path<String>,
) -> ApiResult<Json<Greeting>> {
    // A malformed id names no greeting: 404, like an unknown one.
    let id: Id<Greeting> = id
        .parse()
        .map_err(|_| Problem::new(ProblemType::NOT_FOUND))?;
    let row =
        sqlx::query("SELECT id, name, message, occasion, created_at FROM greetings WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(state.db.pool())
            .await?;
    Ok(Json(state.to_greeting(
        &Speaker {
            i18n: &i18n,
            locale: &locale,
        },
        &row,
    )?))
}

/// Lists greetings, newest first.
#[utoipa::path(get, path = "/api/greetings", tag = "greetings", params(Paging),
    responses(
        (status = 200, description = "One page of greetings")))]
async fn list_greetings(
    State(state): State<AppState>,
    locale: Locale,
    Extension(i18n): Extension<I18n>,
    Paging(request): Paging,
) -> ApiResult<Json<Page<Greeting>>> {
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM greetings")
        .fetch_one(state.db.pool())
        .await?
        .get(0);
    let rows = sqlx::query(
        "SELECT id, name, message, occasion, created_at FROM greetings ORDER BY id DESC LIMIT $1 OFFSET $2",
    )
    .bind(i64::from(request.limit()))
    .bind(i64::try_from(request.offset()).unwrap_or(i64::MAX))
    .fetch_all(state.db.pool())
    .await
    ?;
    let items = rows
        .iter()
        .map(|row| {
            state.to_greeting(
                &Speaker {
                    i18n: &i18n,
                    locale: &locale,
                },
                row,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Page::new(
        items,
        request,
        u64::try_from(total).unwrap_or(0),
    )))
}

/// The greeting routes, all public.
pub fn routes(db: Db, codes: CodeRegistry) -> ApiRouter {
    ApiRouter::new()
        .routes(
            AccessPolicy::Public,
            routes!(create_greeting, list_greetings),
        )
        .routes(AccessPolicy::Public, routes!(get_greeting))
        .with_state(AppState { db, codes })
}

/// The whole service on `db` (already migrated, see [`ALL_MIGRATIONS`]),
/// recording every request in `audit`, with the audit admin API under
/// `/admin/audit` (permission `audit:read`), the common code API (`/codes/…`,
/// public; `/admin/codes/…`, permission `codes:write`) — until accounts exist
/// nobody holds a permission, so the admin APIs answer 401.
pub fn app(
    settings: WebSettings,
    db: Db,
    audit: AuditLog,
    audit_settings: &AuditSettings,
    codes: CodeRegistry,
) -> App {
    App::new(settings)
        .api_info("hello-agency", env!("CARGO_PKG_VERSION"))
        .messages(&MESSAGES)
        .database(db.clone())
        .audit(egov::audit::web::AuditLayer::new(audit))
        .router(routes(db.clone(), codes.clone()))
        .codes(codes)
        .router(egov::audit::admin::api(db, audit_settings))
}
