//! The server under `App::serve` against slow and hoarding clients, over real
//! TCP on 127.0.0.1: the header read timeout (slowloris), the keep-alive idle
//! timeout, the connection limit, and problem+json for an oversized request
//! head.

use std::time::Duration;

use egov_web::server::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES};
use egov_web::{App, WebSettings};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Long enough for any loaded CI machine; the limits under test are seconds.
const PATIENCE: Duration = Duration::from_secs(20);

struct Running {
    address: std::net::SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn start(settings: WebSettings) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(App::new(settings).serve(listener, async move {
        let _ = stopped.await;
    }));
    Running {
        address,
        _stop: stop,
    }
}

/// Reads until the server closes the connection (or resets it); `None` if it
/// is still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(received),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

async fn get_live(running: &Running) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("http://{}/health/live", running.address))
        .timeout(PATIENCE)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off_and_others_are_served() {
    let running = start(WebSettings {
        header_read_timeout_secs: 1,
        max_connections: 3,
        ..WebSettings::default()
    })
    .await;
    // As many slowloris connections as the server takes, each sending a
    // header line every 200 ms and never finishing.
    let mut trickling = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(running.address).await.unwrap();
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
        trickling.push(stream);
    }
    let cut_off = tokio::spawn(async move {
        let mut open = trickling;
        let started = tokio::time::Instant::now();
        while !open.is_empty() && started.elapsed() < PATIENCE {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut still_open = Vec::new();
            for mut stream in open {
                let written = stream.write_all(b"x-trickle: 1\r\n").await.is_ok();
                let closed = written
                    && closed_within(&mut stream, Duration::from_millis(1))
                        .await
                        .is_some();
                if written && !closed {
                    still_open.push(stream);
                }
            }
            open = still_open;
        }
        open.len()
    });
    // A well-behaved client gets through once the trickling ones are cut.
    assert_eq!(get_live(&running).await.status(), 200);
    assert_eq!(
        cut_off.await.unwrap(),
        0,
        "slowloris connections were still open after {PATIENCE:?}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let running = start(WebSettings {
        header_read_timeout_secs: 1,
        ..WebSettings::default()
    })
    .await;
    let mut stream = TcpStream::connect(running.address).await.unwrap();
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // The response arrives, then — the client sending nothing more — the close.
    let received = closed_within(&mut stream, PATIENCE)
        .await
        .expect("the idle connection was never closed");
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");

    // A connection that never sends anything is closed the same way.
    let mut silent = TcpStream::connect(running.address).await.unwrap();
    assert!(
        closed_within(&mut silent, PATIENCE).await.is_some(),
        "a silent connection was never closed"
    );
}

#[tokio::test]
async fn at_the_connection_limit_new_clients_wait_for_a_free_slot() {
    let running = start(WebSettings {
        header_read_timeout_secs: 60,
        max_connections: 2,
        ..WebSettings::default()
    })
    .await;
    let first = TcpStream::connect(running.address).await.unwrap();
    let _second = TcpStream::connect(running.address).await.unwrap();
    // Both slots are taken: the kernel queues the third connection, and the
    // server does not read its request.
    let mut third = TcpStream::connect(running.address).await.unwrap();
    third
        .write_all(b"GET /health/live HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut third, Duration::from_millis(700))
            .await
            .is_none(),
        "a third connection was served past the limit of 2"
    );
    // One slot frees: the waiting request is answered.
    drop(first);
    let received = closed_within(&mut third, PATIENCE)
        .await
        .expect("the waiting request was never answered");
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
}

async fn problem_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn an_oversized_request_head_is_a_localized_problem() {
    let running = start(WebSettings::default()).await;
    let client = reqwest::Client::new();
    let base = format!("http://{}", running.address);

    let long = format!("{base}/health/live?q={}", "a".repeat(MAX_URI_BYTES));
    let (status, problem) = problem_of(
        client
            .get(&long)
            .header("accept-language", "ko")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 414);
    assert_eq!(problem["type"], "urn:egov:problem:uri-too-long");
    assert_eq!(problem["title"], "요청 주소가 너무 깁니다");
    // Exactly at the limit is fine.
    let path = "/health/live?q=";
    let at_limit = format!("{base}{path}{}", "a".repeat(MAX_URI_BYTES - path.len()));
    assert_eq!(client.get(&at_limit).send().await.unwrap().status(), 200);

    let mut many = client.get(format!("{base}/health/live"));
    for i in 0..=MAX_HEADERS {
        many = many.header(format!("x-h{i}"), "1");
    }
    let (status, problem) = problem_of(many.send().await.unwrap()).await;
    assert_eq!(status, 431);
    assert_eq!(problem["type"], "urn:egov:problem:header-fields-too-large");
    assert!(
        problem["detail"].as_str().unwrap().contains("100"),
        "{problem}"
    );

    let large = client
        .get(format!("{base}/health/live"))
        .header("x-large", "a".repeat(MAX_HEADER_BYTES))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let (status, problem) = problem_of(large).await;
    assert_eq!(status, 431);
    assert_eq!(problem["title"], "Request headers too large");
}
