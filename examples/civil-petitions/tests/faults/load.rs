//! Load over real HTTP: a mix of requests that write audit events, each with
//! its own `x-request-id`, so that the audit trail can be checked request by
//! request afterwards.
//!
//! The mix, by request number: half are citizens filing a petition
//! (`POST /api/petitions`: a `create` event in the petition's transaction and
//! the request's `request` event), a quarter staff listing
//! (`GET /api/petitions`: `request`), a quarter staff opening one
//! (`GET /api/petitions/{id}`: a personal-data `view` and `request`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egov::db::Db;
use sqlx::Row;

/// What a request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `POST /api/petitions` as the citizen.
    File,
    /// `GET /api/petitions?size=5` as staff.
    List,
    /// `GET /api/petitions/{id}` as staff.
    Open,
}

impl Kind {
    /// The audit actions a successful request of this kind must have left
    /// under its request id.
    pub(crate) fn expected_actions(self) -> &'static [&'static str] {
        match self {
            Kind::File => &["create", "request"],
            Kind::List => &["request"],
            Kind::Open => &["view", "request"],
        }
    }
}

/// One request and how it ended.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The `x-request-id` sent.
    pub(crate) id: String,
    /// What it was.
    pub(crate) kind: Kind,
    /// The status, or `None` when no response came (connection refused or
    /// reset, timeout).
    pub(crate) status: Option<u16>,
    /// Whether the response was `application/problem+json`.
    pub(crate) problem_json: bool,
    /// When it was sent.
    pub(crate) started: Instant,
    /// When its answer (or error) came.
    pub(crate) finished: Instant,
}

impl Outcome {
    /// A 2xx: acknowledged.
    pub(crate) fn acknowledged(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A load generator against one running service.
pub(crate) struct Load {
    client: reqwest::Client,
    base: String,
    citizen: String,
    staff: String,
    prefix: String,
    next: AtomicU64,
    filed: Mutex<Vec<String>>,
    outcomes: Mutex<Vec<Outcome>>,
}

/// An HTTP client for load: connections kept, generous timeouts (a request
/// that hangs is a finding, not something to cut short).
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(40))
        .build()
        .unwrap()
}

impl Load {
    /// Logs the demo citizen and staff in at `base`; request ids will be
    /// `{prefix}-{n}`.
    pub(crate) async fn new(client: reqwest::Client, base: &str, prefix: &str) -> Arc<Load> {
        let citizen = super::service::login(&client, base, "citizen").await;
        let staff = super::service::login(&client, base, "staff").await;
        Arc::new(Load {
            client,
            base: base.to_owned(),
            citizen,
            staff,
            prefix: prefix.to_owned(),
            next: AtomicU64::new(0),
            filed: Mutex::new(Vec::new()),
            outcomes: Mutex::new(Vec::new()),
        })
    }

    /// Sends the next request of the mix and records its outcome.
    pub(crate) async fn one(&self) -> Outcome {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let kind = match n % 4 {
            0 | 2 => Kind::File,
            1 => Kind::List,
            _ => Kind::Open,
        };
        self.send(n, kind).await
    }

    /// Sends one request of `kind` (an `Open` before any petition was filed
    /// lists instead) and records its outcome.
    pub(crate) async fn one_of(&self, kind: Kind) -> Outcome {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.send(n, kind).await
    }

    async fn send(&self, n: u64, kind: Kind) -> Outcome {
        let id = format!("{}-{n}", self.prefix);
        let open = (kind == Kind::Open)
            .then(|| {
                let filed = self.filed.lock().unwrap();
                (!filed.is_empty()).then(|| filed[(n as usize / 4) % filed.len()].clone())
            })
            .flatten();
        let (kind, request) = match (kind, open) {
            (Kind::File, _) => (
                Kind::File,
                self.client
                    .post(format!("{}/api/petitions", self.base))
                    .bearer_auth(&self.citizen)
                    .json(&crate::common::petition("900101-1234568")),
            ),
            (_, Some(petition)) => (
                Kind::Open,
                self.client
                    .get(format!("{}/api/petitions/{petition}", self.base))
                    .bearer_auth(&self.staff),
            ),
            _ => (
                Kind::List,
                self.client
                    .get(format!("{}/api/petitions?size=5", self.base))
                    .bearer_auth(&self.staff),
            ),
        };
        let started = Instant::now();
        let answer = request.header("x-request-id", &id).send().await;
        let (status, problem_json) = match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                let problem_json = response
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
                match response.bytes().await {
                    Ok(body) => {
                        if kind == Kind::File && status == 201 {
                            let filed: serde_json::Value = serde_json::from_slice(&body).unwrap();
                            let petition = filed["id"].as_str().unwrap().to_owned();
                            let mut known = self.filed.lock().unwrap();
                            // A bounded working set of recent petitions.
                            if known.len() >= 256 {
                                known.remove(0);
                            }
                            known.push(petition);
                        }
                        (Some(status), problem_json)
                    }
                    // The head came but not the whole body: not acknowledged.
                    Err(_) => (None, false),
                }
            }
            Err(_) => (None, false),
        };
        let outcome = Outcome {
            id,
            kind,
            status,
            problem_json,
            started,
            finished: Instant::now(),
        };
        self.outcomes.lock().unwrap().push(outcome.clone());
        outcome
    }

    /// `workers` loops sending requests back to back until `stop` is set;
    /// a worker whose request got no answer pauses 20 ms.
    pub(crate) fn closed_loop(
        self: &Arc<Self>,
        workers: usize,
        stop: Arc<AtomicBool>,
    ) -> tokio::task::JoinSet<()> {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..workers {
            let load = self.clone();
            let stop = stop.clone();
            set.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if load.one().await.status.is_none() {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            });
        }
        set
    }

    /// Requests per second that `workers` closed loops reach over `duration`.
    pub(crate) async fn saturate(self: &Arc<Self>, workers: usize, duration: Duration) -> f64 {
        let stop = Arc::new(AtomicBool::new(false));
        let before = self.outcomes.lock().unwrap().len();
        let started = Instant::now();
        let mut set = self.closed_loop(workers, stop.clone());
        tokio::time::sleep(duration).await;
        stop.store(true, Ordering::Relaxed);
        while set.join_next().await.is_some() {}
        let done = self.outcomes.lock().unwrap().len() - before;
        done as f64 / started.elapsed().as_secs_f64()
    }

    /// Sends `rate` requests per second (open loop: on schedule, whatever the
    /// answers) for `duration`, at most `max_in_flight` at once (beyond that
    /// the schedule waits), then waits for every answer. Returns the rate
    /// actually sent.
    pub(crate) async fn at_rate(
        self: &Arc<Self>,
        rate: f64,
        duration: Duration,
        max_in_flight: usize,
    ) -> f64 {
        let permits = Arc::new(tokio::sync::Semaphore::new(max_in_flight));
        let mut set = tokio::task::JoinSet::new();
        let started = Instant::now();
        let mut sent = 0u64;
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        while started.elapsed() < duration {
            tick.tick().await;
            let due = (started.elapsed().as_secs_f64() * rate) as u64;
            while sent < due {
                let permit = permits.clone().acquire_owned().await.unwrap();
                let load = self.clone();
                set.spawn(async move {
                    load.one().await;
                    drop(permit);
                });
                sent += 1;
            }
            // Reap finished tasks as we go.
            while set.try_join_next().is_some() {}
        }
        let achieved = sent as f64 / started.elapsed().as_secs_f64();
        while set.join_next().await.is_some() {}
        achieved
    }

    /// Every outcome so far.
    pub(crate) fn outcomes(&self) -> Vec<Outcome> {
        self.outcomes.lock().unwrap().clone()
    }
}

/// Counts of outcomes by status (`"none"`: no answer).
pub(crate) fn by_status(outcomes: &[Outcome]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for outcome in outcomes {
        let key = outcome
            .status
            .map_or_else(|| "none".to_owned(), |s| s.to_string());
        *counts.entry(key).or_default() += 1;
    }
    counts
}

/// The `q`-quantile latency of the answered outcomes.
pub(crate) fn latency(outcomes: &[Outcome], q: f64) -> Duration {
    let mut all: Vec<Duration> = outcomes
        .iter()
        .filter(|o| o.status.is_some())
        .map(|o| o.finished - o.started)
        .collect();
    if all.is_empty() {
        return Duration::ZERO;
    }
    all.sort();
    all[((all.len() - 1) as f64 * q) as usize]
}

/// The acknowledged (2xx) requests among `outcomes` whose audit events are not
/// all in the trail on `database_url`, as "request id: missing actions".
pub(crate) async fn unaudited(database_url: &str, outcomes: &[Outcome]) -> Vec<String> {
    let db = Db::connect_url(database_url).await.unwrap();
    let mut recorded: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let rows = sqlx::query(
        "SELECT request_id, action FROM egov_audit_events WHERE request_id IS NOT NULL",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    for row in rows {
        let id: String = row.try_get("request_id").unwrap();
        let action: String = row.try_get("action").unwrap();
        recorded.entry(id).or_default().insert(action);
    }
    db.close().await;
    let mut missing = Vec::new();
    for outcome in outcomes.iter().filter(|o| o.acknowledged()) {
        let actions = recorded.get(&outcome.id);
        let absent: Vec<&str> = outcome
            .kind
            .expected_actions()
            .iter()
            .copied()
            .filter(|a| !actions.is_some_and(|set| set.contains(*a)))
            .collect();
        if !absent.is_empty() {
            missing.push(format!("{}: {}", outcome.id, absent.join(", ")));
        }
    }
    missing
}
