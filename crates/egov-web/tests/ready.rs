//! `/health/ready` follows the database: 503 while it is unreachable, 200 again
//! when it returns, without restarting the service.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use egov_db::Db;
use egov_db::testing::{TestDatabase, postgres_url};
use egov_web::testing::TestServer;
use egov_web::{App, WebSettings};
use http::StatusCode;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

async fn serve(db: Db) -> (String, TestServer) {
    let server = TestServer::start(App::new(WebSettings::default()).database(db)).await;
    (server.base.clone(), server)
}

async fn ready(base: &str) -> (StatusCode, Value) {
    let response = reqwest::get(format!("{base}/health/ready")).await.unwrap();
    (response.status(), response.json().await.unwrap())
}

egov_db::backend_tests! {
    async fn ready_reports_a_reachable_database(db) {
        let (base, _stop) = serve(db).await;
        let (status, body) = ready(&base).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["database"], "up");
    }
}

#[tokio::test]
async fn ready_is_503_when_the_database_port_is_closed() {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = Db::connect_url(&format!("postgres://postgres@127.0.0.1:{port}/none"))
        .await
        .unwrap();
    let (base, _stop) = serve(db).await;
    let (status, body) = ready(&base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["type"], "urn:egov:problem:service-unavailable");
    // Nothing about the database's address or driver leaks.
    let text = body.to_string();
    assert!(
        !text.contains(&port.to_string()) && !text.contains("postgres"),
        "{text}"
    );
    // Liveness is unaffected.
    let live = reqwest::get(format!("{base}/health/live")).await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}

/// A TCP relay standing between the service and PostgreSQL, so the test can cut
/// the database off and bring it back on the same address.
struct Relay {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            port: listener.local_addr().unwrap().port(),
            upstream,
            tasks: Arc::default(),
        };
        relay.accept(listener);
        relay
    }

    fn accept(&self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        let tasks = Arc::clone(&self.tasks);
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(pipe);
            }
        });
        self.tasks.lock().unwrap().push(acceptor);
    }

    /// Closes the listener and every relayed connection.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.accept(listener);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_recovers_without_restart_after_an_outage_on_postgres() {
    let Some(admin_url) = postgres_url() else {
        eprintln!("skipped: set {} to run", egov_db::testing::POSTGRES_URL_ENV);
        return;
    };
    let database = TestDatabase::postgres(&admin_url).await.unwrap();
    let url = database.url().to_owned();
    let (authority_start, rest) = url.split_once('@').expect("URL with user@host");
    let (host_port, path) = rest.split_once('/').unwrap();
    let relay = Relay::start(host_port.to_owned()).await;
    let relayed_url = format!("{authority_start}@127.0.0.1:{}/{path}", relay.port);

    let db = Db::connect(&egov_db::DatabaseSettings {
        acquire_timeout_secs: 1,
        ..egov_db::DatabaseSettings::from_url(relayed_url)
    })
    .await
    .unwrap();
    let (base, _stop) = serve(db).await;
    assert_eq!(ready(&base).await.0, StatusCode::OK);

    relay.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = ready(&base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");

    relay.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if ready(&base).await.0 == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        recovered,
        "/health/ready did not return to 200 after the database came back"
    );
    relay.cut();
    database.close().await.unwrap();
}
