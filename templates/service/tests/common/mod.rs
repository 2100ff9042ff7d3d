//! Starts the service in-process on a free port of 127.0.0.1, on a fresh
//! database of each backend (PostgreSQL when `EGOV_TEST_POSTGRES_URL` is set).

#![allow(dead_code)] // each test file uses part of it

use egov::db::Db;
use egov::prelude::*;

/// A running service.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its database.
    pub db: Db,
    /// Its audit log.
    pub audit: AuditLog,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

/// Migrates `db` and serves the whole service on it.
pub async fn start(db: Db) -> Running {
    db.migrate({{crate_name}}::MIGRATIONS).await.unwrap();
    let audit_settings = AuditSettings::default();
    let audit = AuditLog::start(db.clone(), &audit_settings).await.unwrap();
    // The listener decides the address; the settings' host and port are unused.
    let settings = WebSettings::default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = {{crate_name}}::app(settings, db.clone(), audit.clone(), &audit_settings);
    tokio::spawn(async move {
        app.serve(listener, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running {
        base,
        db,
        audit,
        shutdown: Some(stop),
    }
}
