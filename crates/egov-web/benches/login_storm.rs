//! p99 latency of a cheap endpoint (`/health/live`) idle and during a login
//! storm (`cargo bench -p egov-web --bench login_storm`). Prints figures; no
//! assertions.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use egov_audit::{AuditLog, AuditSettings};
use egov_auth::{Auth, AuthSettings, NewAccount};
use egov_core::actor::Actor;
use egov_web::{App, WebSettings};
use tokio::net::TcpListener;

const PASSWORD: &str = "correct horse battery staple";

/// The field cipher of the `[privacy]` defaults (development keys).
fn cipher() -> egov_privacy::FieldCipher {
    egov_privacy::FieldCipher::from_settings(&egov_privacy::PrivacySettings::default()).unwrap()
}

async fn p99(client: &reqwest::Client, url: &str, n: usize) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        client.get(url).send().await.unwrap().bytes().await.unwrap();
        samples.push(start.elapsed());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    samples.sort();
    (samples[n / 2], samples[n * 99 / 100])
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = egov_db::Db::connect_url(&format!("sqlite://{}/b.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate(&[
            &egov_db::change::MIGRATIONS,
            &egov_audit::MIGRATIONS,
            &egov_auth::MIGRATIONS,
        ])
        .await
        .unwrap();
        let audit = AuditLog::start(db.clone(), &AuditSettings::default())
            .await
            .unwrap();
        let auth = Auth::new(db, AuthSettings::default(), cipher(), audit.clone())
            .await
            .unwrap();
        auth.create_account(
            &Actor::system("bench"),
            NewAccount {
                login_id: "bench".into(),
                display_name: "Bench".into(),
                email: None,
                password: PASSWORD.into(),
                roles: Default::default(),
            },
        )
        .await
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(
            App::new(WebSettings::default())
                .auth(auth.clone())
                .serve(listener, std::future::pending()),
        );
        let client = reqwest::Client::new();
        let live = format!("{base}/health/live");
        p99(&client, &live, 100).await;
        let (idle_p50, idle_p99) = p99(&client, &live, 1000).await;

        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let logins = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let storm_start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (client, base, stop, logins) =
                (client.clone(), base.clone(), stop.clone(), logins.clone());
            tasks.push(tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let r = client
                        .post(format!("{base}/auth/login"))
                        .json(&serde_json::json!({"login_id": "bench", "password": PASSWORD}))
                        .send()
                        .await
                        .unwrap();
                    assert!(r.status().is_success());
                    logins.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (storm_p50, storm_p99) = p99(&client, &live, 1000).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = storm_start.elapsed().as_secs_f64();
        let total = logins.load(std::sync::atomic::Ordering::Relaxed);
        println!("hashing permits: {}", auth.settings().hashing_permits());
        println!("idle   /health/live p50 {idle_p50:?} p99 {idle_p99:?}");
        println!(
            "storm  /health/live p50 {storm_p50:?} p99 {storm_p99:?} (16 concurrent login loops)"
        );
        println!(
            "logins over HTTP during the storm: {total} in {elapsed:.1} s = {:.1}/s",
            total as f64 / elapsed
        );
        audit.shutdown().await;
    });
}
