//! The HTTP/1.1 server under [`App::serve`](crate::App::serve): hyper with the
//! limits a public service needs against slow and hoarding clients.
//!
//! - **Header read timeout** (`[server] header_read_timeout_secs`, 10 s): the
//!   request line and headers must arrive within it, or the connection is
//!   closed (slowloris). hyper starts the same timer whenever a keep-alive
//!   connection waits for its next request, so it is also the **idle
//!   timeout**: a connection that sends nothing for that long is closed.
//! - **Connection limit** (`[server] max_connections`, 512): at the limit the
//!   server stops accepting until a connection ends; waiting clients queue in
//!   the kernel's backlog instead of exhausting file descriptors and memory.
//! - A slow *body* and a slow handler are the request timeout's
//!   (`request_timeout_secs`), which covers reading the body.
//! - The request target and headers get problem+json answers above
//!   [`MAX_URI_BYTES`], [`MAX_HEADERS`] and [`MAX_HEADER_BYTES`] (see the
//!   middleware); hyper's own bare 400/414/431 are left only for requests past
//!   twice those limits or that are not HTTP at all.
//!
//! HTTP/2 is not served: TLS and HTTP/2 end at the reverse proxy in front of a
//! service, which speaks HTTP/1.1 to it, and cleartext HTTP/2 would bring its
//! own idle-stream rules to configure.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The longest request target (path and query) answered normally (bytes);
/// longer is a 414 problem.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header fields a request may carry; more is a 431 problem.
pub const MAX_HEADERS: usize = 100;
/// The most bytes of header names and values a request may carry; more is a
/// 431 problem.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// What [`serve`] enforces per connection and in all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
    /// After shutdown is requested, in-flight requests get this long.
    pub(crate) shutdown_deadline: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then stops
/// accepting and waits for open connections to finish (at most the deadline).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout.max(Duration::from_millis(100)))
        // Above our own limits, so that the middleware answers with a problem.
        .max_headers(MAX_HEADERS * 2);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // Timeouts, resets and malformed requests: the client's doing.
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutdown requested: finishing in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_deadline) => {
            tracing::warn!(
                deadline_secs = limits.shutdown_deadline.as_secs(),
                "shutdown deadline passed: abandoning unfinished requests"
            );
        }
    }
    Ok(())
}

/// After a failed `accept`: a connection that died in the backlog is nothing;
/// anything else (out of file descriptors) is logged and waited out, since
/// retrying at once would spin.
async fn accept_failed(error: &io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
