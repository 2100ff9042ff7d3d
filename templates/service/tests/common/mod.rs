//! Starts the service in-process on a free port of 127.0.0.1, on a fresh
//! database of each backend (PostgreSQL when `EGOV_TEST_POSTGRES_URL` is set).

#![allow(dead_code)] // each test file uses part of it

use egov::db::Db;
pub use egov::web::testing::TestApp as Running;

/// Migrates `db` and serves the whole service on it, as `main` does.
pub async fn start(db: Db) -> Running {
    Running::start(&{{crate_name}}::SERVICE, db, {{crate_name}}::app).await
}

/// Creates an account holding `permissions` and returns an access token for it,
/// obtained over HTTP from `POST /auth/login`.
pub async fn login_with(running: &Running, login_id: &str, permissions: &[&str]) -> String {
    running.login_with(login_id, permissions).await
}
