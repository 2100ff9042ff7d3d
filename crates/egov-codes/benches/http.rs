//! `GET /codes/{group}` throughput over a real port, with and without
//! `If-None-Match`: `cargo bench -p egov-codes --bench http`.
//!
//! A 200-code group, 16 concurrent keep-alive clients for 5 s each run. The
//! server runs on the same 2 cores as the clients, so these are lower bounds.

mod support;

use std::time::{Duration, Instant};

use axum::Router;
use egov_codes::{CodeRegistry, CodesSettings};

const CLIENTS: usize = 16;
const RUN: Duration = Duration::from_secs(5);

async fn run(base: &str, etag: Option<&str>) -> (f64, u16) {
    let deadline = Instant::now() + RUN;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let url = format!("{base}/codes/G0001?lang=ko&at=2026-11-27");
            let etag = etag.map(str::to_owned);
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut n = 0u64;
                let mut status = 0;
                while Instant::now() < deadline {
                    let mut request = client.get(&url);
                    if let Some(tag) = &etag {
                        request = request.header("if-none-match", tag);
                    }
                    let response = request.send().await.unwrap();
                    status = response.status().as_u16();
                    let _ = response.bytes().await.unwrap();
                    n += 1;
                }
                (n, status)
            })
        })
        .collect();
    let mut total = 0;
    let mut status = 0;
    for task in tasks {
        let (n, s) = task.await.unwrap();
        total += n;
        status = s;
    }
    (total as f64 / RUN.as_secs_f64(), status)
}

#[allow(clippy::print_stdout)]
fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = egov_db::Db::connect_url(&format!("sqlite://{}/bench.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate(&[
            &egov_db::change::MIGRATIONS,
            &egov_audit::MIGRATIONS,
            &egov_codes::MIGRATIONS,
        ])
        .await
        .unwrap();
        let audit = egov_audit::AuditLog::start(db.clone(), &Default::default())
            .await
            .unwrap();
        let codes = CodeRegistry::start(db, audit, CodesSettings::default())
            .await
            .unwrap();
        codes.install_snapshot(support::snapshot(1, 10, 200));
        let (api, _) = egov_codes::http::api(codes.clone()).into_parts();
        let router: Router = api.into();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

        let first = reqwest::get(format!("{base}/codes/G0001?lang=ko&at=2026-11-27"))
            .await
            .unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let size = first.bytes().await.unwrap().len();
        let (full, s1) = run(&base, None).await;
        let (cached, s2) = run(&base, Some(&etag)).await;
        println!("http/get_group_200_codes: {full:.0} req/s (status {s1}, {size} bytes)");
        println!("http/get_group_if_none_match: {cached:.0} req/s (status {s2})");
    });
}
