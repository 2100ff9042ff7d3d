//! Test support (feature `testing`): a service served over real HTTP on a
//! free port of 127.0.0.1, on a database of each backend
//! (`egov_db::backend_tests!` gives each test a fresh one), with clients
//! logged in with the permissions a test names.
//!
//! ```no_run
//! # use egov_web::service::{Service, Services};
//! # use egov_web::{App, WebSettings};
//! # static SERVICE: Service = Service { name: "s", title: "s", version: "0", default_config: "",
//! #     migrations: &[], messages: &egov_core::MESSAGES, seed_codes: None };
//! # fn app(settings: WebSettings, services: &Services) -> App { services.app(settings) }
//! use egov_web::testing::TestApp;
//!
//! # async fn test(db: egov_db::Db) {
//! let running = TestApp::start(&SERVICE, db, app).await;
//! let editor = running.login_with("editor", &["notices:write"]).await;
//! let response = running.client.post(running.url("/api/notices")).bearer_auth(&editor).send().await.unwrap();
//! # }
//! ```
//!
//! Everything here panics on failure: it is for tests, where a failed set-up
//! is a failed test.

use egov_auth::{NewAccount, Role};
use egov_core::actor::Actor;
use egov_db::Db;
use tokio::net::TcpListener;

use crate::service::{Service, Services};
use crate::{App, WebSettings};

/// The password [`TestApp::login_with`] gives its accounts.
pub const TEST_PASSWORD: &str = "correct horse battery staple 2026";

/// An [`App`] served on `127.0.0.1:0` until dropped.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// Serves `app` through [`App::serve`] (the same stack and shutdown as in
    /// production) until this value is dropped.
    ///
    /// # Panics
    ///
    /// No port on 127.0.0.1 can be bound.
    pub async fn start(app: App) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a free port on 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().expect("its address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = app
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                panic!("the test server failed: {error}");
            }
        });
        Self {
            base,
            stop: Some(stop),
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A whole service under test: [`Service::start`] on `db` with the service's
/// `test`-profile configuration, its app served by a [`TestServer`].
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The started framework parts (database, audit, auth, codes…).
    pub services: Services,
    /// A client without cookies or credentials.
    pub client: reqwest::Client,
    server: TestServer,
}

impl TestApp {
    /// Starts `service` on `db` and serves `app(settings, services)`.
    ///
    /// # Panics
    ///
    /// The service does not start.
    pub async fn start(
        service: &'static Service,
        db: Db,
        app: impl FnOnce(WebSettings, &Services) -> App,
    ) -> Self {
        let config = service
            .test_config()
            .expect("the service's test configuration");
        let services = service
            .start(&config, db)
            .await
            .unwrap_or_else(|error| panic!("{} does not start: {error}", service.name));
        Self::serve(services, app).await
    }

    /// Serves `app(settings, services)` for `services` a test started itself
    /// (a service whose start-up does more than [`Service::start`]).
    ///
    /// # Panics
    ///
    /// The service's `[server]` settings do not parse.
    pub async fn serve(
        services: Services,
        app: impl FnOnce(WebSettings, &Services) -> App,
    ) -> Self {
        let config = services
            .service
            .test_config()
            .expect("the service's test configuration");
        // The listener decides the address; the settings' host and port are unused.
        let settings: WebSettings = config.section().expect("[server] settings");
        let server = TestServer::start(app(settings, &services)).await;
        Self {
            base: server.base.clone(),
            services,
            client: reqwest::Client::new(),
            server,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Creates the account `login_id` (password [`TEST_PASSWORD`]) with a role
    /// holding `permissions`, and returns an access token for it obtained
    /// over HTTP from `POST /auth/login`.
    ///
    /// # Panics
    ///
    /// The account exists already, or the login fails.
    pub async fn login_with(&self, login_id: &str, permissions: &[&str]) -> String {
        let system = Actor::system("test-setup");
        let auth = &self.services.auth;
        let role = format!("TEST_{}", login_id.to_uppercase());
        auth.put_role(
            &system,
            Role {
                name: role.clone(),
                description: "test role".into(),
                includes: Default::default(),
                permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            },
        )
        .await
        .expect("the test role");
        auth.create_account(
            &system,
            NewAccount {
                login_id: login_id.into(),
                display_name: login_id.into(),
                email: None,
                password: TEST_PASSWORD.into(),
                roles: [role].into(),
            },
        )
        .await
        .expect("the test account");
        self.login(login_id, TEST_PASSWORD).await
    }

    /// The access token of `POST /auth/login` with these credentials.
    ///
    /// # Panics
    ///
    /// The login fails.
    pub async fn login(&self, login_id: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/auth/login"))
            .json(&serde_json::json!({"login_id": login_id, "password": password}))
            .send()
            .await
            .expect("POST /auth/login");
        let status = response.status();
        let session: serde_json::Value = response.json().await.expect("a JSON answer");
        session["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("login of {login_id} failed ({status}): {session}"))
            .to_owned()
    }
}
