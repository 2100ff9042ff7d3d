//! OTLP export against a real HTTP listener on loopback, and an absent collector.

use std::time::{Duration, Instant};

use egov_core::config::Profile;
use egov_telemetry::{TelemetrySettings, build};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Accepts one HTTP request and returns its head (request line + headers).
async fn receive_one_request(listener: TcpListener) -> String {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut buf = vec![0_u8; 64 * 1024];
    let mut received = Vec::new();
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        received.extend_from_slice(&buf[..n]);
        if n == 0 || received.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    socket
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n",
        )
        .await
        .unwrap();
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_http_when_an_endpoint_is_configured() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let collector = tokio::spawn(receive_one_request(listener));

    let settings = TelemetrySettings {
        service_name: "otlp-test".into(),
        otlp_endpoint: endpoint,
        ..TelemetrySettings::default()
    };
    let (subscriber, guard) = build(&settings, Profile::Test).unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("exported-span").in_scope(|| tracing::info!("inside"));
    });
    // Shutdown flushes the batch.
    tokio::task::spawn_blocking(move || guard.shutdown())
        .await
        .unwrap();

    let head = tokio::time::timeout(Duration::from_secs(10), collector)
        .await
        .expect("the collector received nothing")
        .unwrap();
    assert!(head.starts_with("POST /v1/traces "), "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/x-protobuf"),
        "{head}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absent_collector_neither_blocks_spans_nor_hangs_shutdown() {
    // Bind then drop, so the port is closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = TelemetrySettings {
        otlp_endpoint: format!("http://127.0.0.1:{port}/v1/traces"),
        otlp_timeout_ms: 500,
        ..TelemetrySettings::default()
    };
    let (subscriber, guard) = build(&settings, Profile::Test).unwrap();
    let started = Instant::now();
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..2_000 {
            tracing::info_span!("span", i).in_scope(|| {});
        }
    });
    let recording = started.elapsed();
    let started = Instant::now();
    tokio::task::spawn_blocking(move || guard.shutdown())
        .await
        .unwrap();
    let shutdown = started.elapsed();
    // Generous bounds: these guard against hangs (a blocked request path or an
    // unbounded shutdown), not against slowness.
    assert!(
        recording < Duration::from_secs(20),
        "recording spans took {recording:?}"
    );
    assert!(
        shutdown < Duration::from_secs(20),
        "shutdown took {shutdown:?}"
    );
}
