//! The real `civil-petitions` binary as a child process: started on a free
//! port of 127.0.0.1 with the dev profile and the demo accounts, stopped with
//! SIGTERM or killed with SIGKILL.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egov::audit::AuditSettings;
use egov::audit::checkpoint::CheckpointSigner;
use egov::core::config::{Config, Profile};
use egov::db::Db;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines};
use tokio::process::{Child, Command};

/// Lines of the child's output kept for failure messages.
const KEPT_LINES: usize = 200;

/// A running `civil-petitions`.
pub(crate) struct Service {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    output: Arc<Mutex<VecDeque<String>>>,
}

/// Keeps the last [`KEPT_LINES`] lines of `stream` in `output` until it ends
/// (the child must never block on a full pipe).
fn drain<R: AsyncRead + Unpin + Send + 'static>(
    mut lines: Lines<BufReader<R>>,
    output: Arc<Mutex<VecDeque<String>>>,
) {
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let mut kept = output.lock().unwrap();
            if kept.len() == KEPT_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
        }
    });
}

impl Service {
    /// Starts the binary on `database_url` (reading no config files) and
    /// waits until `/health/ready` answers 200. Panics, showing its output,
    /// if it does not within 60 s.
    pub(crate) async fn start(database_url: &str) -> Service {
        Self::start_with(database_url, &[]).await
    }

    /// As [`Service::start`], with more environment variables.
    pub(crate) async fn start_with(database_url: &str, env: &[(&str, &str)]) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_civil-petitions"))
            .arg("--demo")
            .envs(env.iter().copied())
            .current_dir(std::env::temp_dir())
            .env("EGOV_PROFILE", "dev")
            .env("EGOV_CONFIG_DIR", "/nonexistent")
            .env("EGOV__SERVER__PORT", "0")
            .env("EGOV__DATABASE__URL", database_url)
            // Request logs at load would cost the service more than the work.
            .env("RUST_LOG", "warn,sqlx=error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("civil-petitions starts");
        let output = Arc::new(Mutex::new(VecDeque::new()));
        drain(
            BufReader::new(child.stderr.take().unwrap()).lines(),
            output.clone(),
        );
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                let address = line
                    .strip_prefix("civil-petitions listening on ")
                    .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned());
                output.lock().unwrap().push_back(line);
                if address.is_some() {
                    return address;
                }
            }
            None
        })
        .await;
        let base = match listening {
            Ok(Some(base)) => base,
            Ok(None) => {
                let status = child.wait().await;
                let output = output.lock().unwrap().iter().cloned().collect::<Vec<_>>();
                panic!(
                    "civil-petitions exited ({status:?}) before listening:\n{}",
                    output.join("\n")
                );
            }
            Err(_) => panic!("civil-petitions did not listen within 60 s"),
        };
        drain(lines, output.clone());
        let service = Service {
            child,
            base,
            output,
        };
        service.wait_ready(Duration::from_secs(30)).await;
        service
    }

    /// `base` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the child printed last (stdout and stderr interleaved).
    pub(crate) fn output(&self) -> String {
        let kept = self.output.lock().unwrap();
        kept.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Waits until `/health/ready` answers 200.
    pub(crate) async fn wait_ready(&self, limit: Duration) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let answer = client
                .get(self.url("/health/ready"))
                .timeout(Duration::from_secs(3))
                .send()
                .await;
            if answer.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "civil-petitions was not ready within {limit:?}:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Asserts that the process has not reported a panic.
    pub(crate) fn assert_no_panic(&self) {
        let output = self.output();
        assert!(!output.contains("panicked"), "a panic:\n{output}");
    }

    /// Whether the process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGKILL: no shutdown of any kind.
    pub(crate) async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }

    /// SIGTERM; asserts that it stops within 30 s and exits with success.
    pub(crate) async fn terminate(mut self) {
        let pid = self.child.id().unwrap().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("civil-petitions did not stop within 30 s of SIGTERM")
            .unwrap();
        assert!(
            status.success(),
            "civil-petitions exited with {status}:\n{}",
            self.output()
        );
        self.assert_no_panic();
    }
}

/// Logs `login_id` in over HTTP (`POST /auth/login`) with its demo password
/// and returns the access token.
pub(crate) async fn login(client: &reqwest::Client, base: &str, login_id: &str) -> String {
    let (_, password, _) = civil_petitions::DEMO_ACCOUNTS
        .iter()
        .find(|(id, _, _)| *id == login_id)
        .expect("a demo account");
    let response = client
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({"login_id": login_id, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "login of {login_id}");
    let session: serde_json::Value = response.json().await.unwrap();
    session["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// The service's configuration in the dev profile, as the child has it.
fn dev_config() -> Config {
    Config::builder()
        .embedded("defaults", civil_petitions::DEFAULT_CONFIG)
        .profile(Profile::Dev)
        .load()
        .unwrap()
}

/// Asserts that the audit chain on `database_url` verifies (every event's
/// hash and link, every signed checkpoint) and returns how many events it has.
pub(crate) async fn assert_chain_verifies(database_url: &str) -> u64 {
    let settings: AuditSettings = dev_config().section().unwrap();
    let verifier =
        CheckpointSigner::from_config(&settings.signing_key_id, settings.signing_key.expose())
            .unwrap()
            .verifier();
    let db = Db::connect_url(database_url).await.unwrap();
    let report = egov::audit::verify(&db, &settings.chain_id, &verifier)
        .await
        .unwrap();
    db.close().await;
    assert!(
        report.damage.is_none(),
        "the audit chain is damaged: {report:?}"
    );
    report.last_seq
}
