use std::time::Duration;

use axum::Json;
use axum::extract::State;
use egov_core::message::Message;
use egov_core::problem::{Problem, ProblemType};
use egov_db::Db;
use serde::Serialize;
use utoipa::ToSchema;

use egov_http::ApiResult;

/// How long `/health/ready` waits for the database.
const READY_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// A health report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `up` or `ready`.
    pub status: &'static str,
    /// Per-dependency status, when checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// Liveness: the process is running and serving requests.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub(crate) async fn live() -> Json<Health> {
    Json(Health {
        status: "up",
        database: None,
    })
}

/// Readiness: the service can do its work (its database answers).
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "A dependency is unavailable", content_type = "application/problem+json"),
    ))]
pub(crate) async fn ready(State(db): State<Option<Db>>) -> ApiResult<Json<Health>> {
    let database = match db {
        Some(db) => {
            db.ping(READY_DB_TIMEOUT).await.map_err(|e| {
                tracing::warn!(error = %e, "readiness check: database unavailable");
                Problem::new(ProblemType::SERVICE_UNAVAILABLE)
                    .with_detail(Message::new("problem-service-unavailable-database"))
            })?;
            Some("up")
        }
        None => None,
    };
    Ok(Json(Health {
        status: "ready",
        database,
    }))
}
