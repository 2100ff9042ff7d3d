//! Test support (feature `testing`): a router served over real HTTP on a free
//! port of 127.0.0.1, for the capability crates' own tests. (A whole service
//! is egov-web's `testing::TestApp`.)
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let base = egov_http::testing::serve(axum::Router::new()).await;
//! assert!(base.starts_with("http://127.0.0.1:"));
//! # });
//! ```

/// Serves `router` on `127.0.0.1:0` for the rest of the test's runtime and
/// returns its base URL, `http://127.0.0.1:PORT`.
///
/// # Panics
///
/// No port on 127.0.0.1 can be bound.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a free port on 127.0.0.1");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            panic!("the test server failed: {error}");
        }
    });
    format!("http://{address}")
}
