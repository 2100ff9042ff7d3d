//! Starts the service in-process on a free port of 127.0.0.1, on a fresh
//! database of each backend (PostgreSQL when `EGOV_TEST_POSTGRES_URL` is set).

#![allow(dead_code)] // each test file uses part of it

use egov::auth::{NewAccount, Role};
use egov::db::Db;
use egov::prelude::*;

/// A running service.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// What it runs on.
    pub services: {{crate_name}}::Services,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

/// The service's configuration for tests: its defaults, the test profile.
pub fn config() -> Config {
    Config::builder()
        .embedded("defaults", {{crate_name}}::DEFAULT_CONFIG)
        .profile(Profile::Test)
        .load()
        .unwrap()
}

/// Migrates `db` and serves the whole service on it, with the configured
/// `[i18n]` settings (default locale and fallback), as `main` does.
pub async fn start(db: Db) -> Running {
    let config = config();
    let services = {{crate_name}}::start(&config, db).await.unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The listener decides the address; the settings' host and port are unused.
    let app = {{crate_name}}::app(WebSettings::default(), &services)
        .i18n(config.section().unwrap());
    tokio::spawn(async move {
        app.serve(listener, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running {
        base,
        services,
        shutdown: Some(stop),
    }
}

/// Creates an account holding `permissions` and returns an access token for it,
/// obtained over HTTP from `POST /auth/login`.
pub async fn login_with(running: &Running, login_id: &str, permissions: &[&str]) -> String {
    let system = Actor::system("test-setup");
    let role = format!("TEST_{}", login_id.to_uppercase());
    running
        .services
        .auth
        .put_role(
            &system,
            Role {
                name: role.clone(),
                description: "test role".into(),
                includes: Default::default(),
                permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            },
        )
        .await
        .unwrap();
    let password = "correct horse battery staple 2026";
    running
        .services
        .auth
        .create_account(
            &system,
            NewAccount {
                login_id: login_id.into(),
                display_name: login_id.into(),
                email: None,
                password: password.into(),
                roles: [role].into(),
            },
        )
        .await
        .unwrap();
    let session: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/auth/login", running.base))
        .json(&serde_json::json!({"login_id": login_id, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["access_token"].as_str().expect("an access token").to_owned()
}
