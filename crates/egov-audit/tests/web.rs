//! The request-recording layer and the admin query API, over real HTTP, on
//! SQLite and PostgreSQL.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, Request};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use egov_audit::chain::StoredEvent;
use egov_audit::report::{EventFilter, find_events};
use egov_audit::web::{AuditLayer, AuditReason, AuditSubjects, AuditTarget, RouteAudit};
use egov_audit::{
    Action, AuditEvent, AuditLog, AuditSettings, Outcome, Reason, SubjectId, Target, admin,
};
use egov_core::access::{AccessDecision, AccessPolicy};
use egov_core::actor::{Actor, Permission};
use egov_core::clock::ManualClock;
use egov_core::id::AccountId;
use egov_core::paging::PageRequest;
use egov_core::problem::{Problem, ProblemType};
use egov_db::Db;
use http::{Method, StatusCode, header};
use serde_json::{Value, json};
use sqlx::Row;

const APPLICANT: &str = "0192f0e4-0000-7000-8000-000000000001";
const OTHER: &str = "0192f0e4-0000-7000-8000-000000000002";

/// Stands in for egov-web: an [`Actor`] from test headers (`x-test-account`,
/// `x-test-permissions`, `x-request-id`), and problems rendered as JSON bodies
/// (type, status, detail key, field errors).
async fn stand_in(mut request: Request, next: Next) -> Response {
    let actor = {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let mut actor = match header("x-test-account").and_then(|id| id.parse::<AccountId>().ok()) {
            Some(id) => Actor::account(
                id,
                header("x-test-permissions")
                    .unwrap_or_default()
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(|p| Permission::from(p.to_owned())),
            ),
            None => Actor::anonymous(),
        };
        actor.request_id = header("x-request-id");
        actor
    };
    request.extensions_mut().insert(actor);
    let mut response = next.run(request).await;
    match response.extensions_mut().remove::<Problem>() {
        Some(problem) => {
            let body = json!({
                "type": problem.problem_type().uri(),
                "status": problem.status(),
                "detail": problem.detail().map(|d| d.key().to_owned()),
                "errors": problem.errors().iter().map(|e| json!({"field": e.field, "code": e.code})).collect::<Vec<_>>(),
            });
            // As egov-web's problem layer: the response's headers are kept.
            let (mut parts, _) = response.into_parts();
            parts.status = StatusCode::from_u16(problem.status()).unwrap();
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/problem+json"),
            );
            Response::from_parts(parts, body.to_string().into())
        }
        None => response,
    }
}

/// Stands in for egov-web's policy check on a route.
async fn require_secret_read(request: Request, next: Next) -> Response {
    let anonymous = Actor::anonymous();
    let actor = request.extensions().get::<Actor>().unwrap_or(&anonymous);
    let problem = match AccessPolicy::permission("secret:read").evaluate(actor) {
        AccessDecision::Allow => return next.run(request).await,
        AccessDecision::Unauthenticated => Problem::new(ProblemType::UNAUTHENTICATED),
        _ => Problem::new(ProblemType::FORBIDDEN),
    };
    let mut response = StatusCode::from_u16(problem.status())
        .unwrap()
        .into_response();
    response.extensions_mut().insert(problem);
    response
}

fn subject(uuid: &str) -> SubjectId {
    SubjectId::try_from(format!("id:{uuid}")).unwrap()
}

async fn petition(Path(id): Path<String>) -> Response {
    if id == "missing" {
        return StatusCode::NOT_FOUND.into_response();
    }
    format!("petition {id}").into_response()
}

async fn applicant(Path(id): Path<String>) -> Response {
    let mut response = "applicant record".into_response();
    response
        .extensions_mut()
        .insert(AuditSubjects(vec![subject(&id)]));
    response
        .extensions_mut()
        .insert(AuditTarget(Target::new("applicant", &id)));
    response
}

#[derive(serde::Deserialize)]
struct FileQuery {
    reason: Option<String>,
}

async fn applicant_file(Path(id): Path<String>, Query(query): Query<FileQuery>) -> Response {
    let mut response = "SECRET-FILE-CONTENT".into_response();
    response
        .extensions_mut()
        .insert(AuditSubjects(vec![subject(&id), subject(OTHER)]));
    if let Some(reason) = query.reason.and_then(|r| Reason::new(r).ok()) {
        response.extensions_mut().insert(AuditReason(reason));
    }
    response
}

#[derive(serde::Deserialize)]
struct QuietQuery {
    touch: Option<String>,
}

async fn quiet(Query(query): Query<QuietQuery>) -> Response {
    let mut response = "quiet".into_response();
    if query.touch.is_some() {
        response
            .extensions_mut()
            .insert(AuditSubjects(vec![subject(APPLICANT)]));
    }
    response
}

/// A response naming more subjects than one event may hold.
async fn everyone() -> Response {
    let everyone = (1..=10_001)
        .map(|i| SubjectId::try_from(format!("id:0192f0e4-0000-7000-8000-{i:012}")).unwrap())
        .collect();
    let mut response = "everyone".into_response();
    response.extensions_mut().insert(AuditSubjects(everyone));
    response
}

async fn boom() -> &'static str {
    panic!("a handler panicked on purpose")
}

fn app(log: AuditLog) -> Router {
    let secret = Router::new()
        .route("/api/secret/{id}", get(|| async { "secret" }))
        .route_layer(from_fn(require_secret_read));
    Router::new()
        .route("/api/petitions/{id}", get(petition))
        .route("/api/applicants/{id}", get(applicant))
        .route("/api/applicants/{id}/file", get(applicant_file))
        .route("/api/quiet", get(quiet))
        .route("/health/live", get(|| async { "ok" }))
        .route("/api/boom/{id}", get(boom))
        .route("/api/everyone", get(everyone))
        .merge(secret)
        .layer(
            AuditLayer::new(log)
                .route(
                    Method::GET,
                    "/api/applicants/{id}",
                    RouteAudit::PersonalData {
                        action: Action::VIEW,
                    },
                )
                .route(
                    Method::GET,
                    "/api/applicants/{id}/file",
                    RouteAudit::PersonalData {
                        action: Action::DOWNLOAD,
                    },
                )
                .route_all_methods("/api/secret/{id}", RouteAudit::Off)
                .route(Method::GET, "/api/quiet", RouteAudit::Off)
                .route(
                    Method::GET,
                    "/api/everyone",
                    RouteAudit::PersonalData {
                        action: Action::VIEW,
                    },
                ),
        )
        .layer(from_fn(stand_in))
}

use egov_http::testing::serve;

async fn start(db: &Db) -> (AuditLog, String) {
    db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let log = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let base = serve(app(log.clone())).await;
    (log, base)
}

/// Every event of the chain, oldest first.
async fn events(db: &Db) -> Vec<StoredEvent> {
    let page = find_events(
        db,
        "main",
        &EventFilter::default(),
        PageRequest::new(1, 100).unwrap(),
    )
    .await
    .unwrap();
    let mut items = page.items;
    items.sort_by_key(|e| e.seq);
    items
}

fn detail(event: &StoredEvent) -> Value {
    serde_json::from_str(&event.detail).unwrap()
}

async fn get_as(base: &str, path: &str, account: Option<(&AccountId, &str)>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("x-request-id", "req-1");
    if let Some((id, permissions)) = account {
        request = request
            .header("x-test-account", id.to_string())
            .header("x-test-permissions", permissions);
    }
    request.send().await.unwrap()
}

egov_db::backend_tests! {
    async fn a_request_is_recorded_with_its_route_template_and_outcome(db) {
        let (_log, base) = start(&db).await;
        let clerk = AccountId::new();
        let ok = get_as(&base, "/api/petitions/900101-1234568", Some((&clerk, ""))).await;
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.text().await.unwrap(), "petition 900101-1234568");
        assert_eq!(get_as(&base, "/api/petitions/missing", None).await.status(), 404);
        assert_eq!(get_as(&base, "/nowhere/900101-1234568", None).await.status(), 404);
        assert_eq!(get_as(&base, "/health/live", None).await.status(), 200);

        let events = events(&db).await;
        assert_eq!(events.len(), 3, "{events:#?}");
        let [ok, missing, unmatched] = &events[..] else { unreachable!() };
        assert_eq!(ok.action, "request");
        assert_eq!(ok.outcome, "success");
        assert_eq!(ok.principal_kind, "account");
        assert_eq!(ok.principal_id.as_deref(), Some(clerk.to_string().as_str()));
        assert_eq!(ok.request_id.as_deref(), Some("req-1"));
        assert_eq!((ok.target_type.as_deref(), ok.target_id.as_deref()), (Some("route"), Some("/api/petitions/{id}")));
        assert_eq!(detail(ok), json!({"method": "GET", "route": "/api/petitions/{id}", "status": 200}));

        assert_eq!((missing.principal_kind.as_str(), missing.outcome.as_str()), ("anonymous", "failure"));
        assert_eq!(detail(missing)["status"], 404);

        assert_eq!((unmatched.target_type.as_deref(), unmatched.target_id.as_deref()), (Some("unmatched"), None));
        assert_eq!(detail(unmatched), json!({"method": "GET", "status": 404}));
        assert_eq!(unmatched.outcome, "failure");

        // The identifiers in the URLs reached no column.
        let rows = sqlx::query("SELECT * FROM egov_audit_events").fetch_all(db.pool()).await.unwrap();
        for row in rows {
            for column in ["target_id", "detail", "reason"] {
                let value: Option<String> = row.get(column);
                assert!(!value.unwrap_or_default().contains("900101"), "{column}");
            }
        }
    }

    async fn a_denied_request_is_recorded_even_on_an_off_route(db) {
        let (_log, base) = start(&db).await;
        let outsider = AccountId::new();
        let insider = AccountId::new();
        let anonymous = get_as(&base, "/api/secret/7", None).await;
        assert_eq!(anonymous.status(), 401);
        let forbidden = get_as(&base, "/api/secret/7", Some((&outsider, "petitions:read"))).await;
        assert_eq!(forbidden.status(), 403);
        let body: Value = forbidden.json().await.unwrap();
        assert_eq!(body["type"], "urn:egov:problem:forbidden");
        assert_eq!(get_as(&base, "/api/secret/7", Some((&insider, "secret:read"))).await.status(), 200);
        // Off, and nothing personal: not recorded. Off, but naming a subject: recorded.
        assert_eq!(get_as(&base, "/api/quiet", Some((&insider, ""))).await.status(), 200);
        assert_eq!(get_as(&base, "/api/quiet?touch=1", Some((&insider, ""))).await.status(), 200);

        let events = events(&db).await;
        let summary: Vec<(&str, &str, Option<&str>)> = events
            .iter()
            .map(|e| (e.action.as_str(), e.outcome.as_str(), e.principal_id.as_deref()))
            .collect();
        let outsider = outsider.to_string();
        let insider = insider.to_string();
        assert_eq!(
            summary,
            [
                ("permission_denied", "denied", None),
                ("permission_denied", "denied", Some(outsider.as_str())),
                ("request", "success", Some(insider.as_str())),
            ]
        );
        assert_eq!(events[1].target_id.as_deref(), Some("/api/secret/{id}"));
        assert_eq!(detail(&events[0])["status"], 401);
        assert_eq!(detail(&events[1])["status"], 403);
        assert_eq!(events[2].subjects, [format!("id:{APPLICANT}")]);
    }

    async fn personal_data_routes_record_their_subjects_and_reasons(db) {
        let (_log, base) = start(&db).await;
        let clerk = AccountId::new();
        let viewed = get_as(&base, &format!("/api/applicants/{APPLICANT}"), Some((&clerk, ""))).await;
        assert_eq!(viewed.status(), 200);
        let downloaded = get_as(
            &base,
            &format!("/api/applicants/{APPLICANT}/file?reason=%EB%AF%BC%EC%9B%90%20%ED%9A%8C%EC%8B%A0"),
            Some((&clerk, "")),
        )
        .await;
        assert_eq!(downloaded.status(), 200);
        assert_eq!(downloaded.text().await.unwrap(), "SECRET-FILE-CONTENT");
        // Without a reason the file is withheld.
        let withheld = get_as(&base, &format!("/api/applicants/{APPLICANT}/file"), Some((&clerk, ""))).await;
        assert_eq!(withheld.status(), 422);
        let body = withheld.text().await.unwrap();
        assert!(!body.contains("SECRET-FILE-CONTENT"), "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["type"], "urn:egov:problem:validation-failed");
        assert_eq!(body["detail"], "audit-reason-required");

        let events = events(&db).await;
        assert_eq!(events.len(), 3, "{events:#?}");
        let (view, download, refused) = (&events[0], &events[1], &events[2]);
        assert_eq!((view.action.as_str(), view.outcome.as_str()), ("view", "success"));
        assert_eq!(view.subjects, [format!("id:{APPLICANT}")]);
        assert_eq!((view.target_type.as_deref(), view.target_id.as_deref()), (Some("applicant"), Some(APPLICANT)));
        assert_eq!(detail(view)["route"], "/api/applicants/{id}");

        assert_eq!((download.action.as_str(), download.outcome.as_str()), ("download", "success"));
        assert_eq!(download.subjects, [format!("id:{APPLICANT}"), format!("id:{OTHER}")]);
        assert_eq!(download.reason.as_deref(), Some("민원 회신"));

        assert_eq!((refused.action.as_str(), refused.outcome.as_str()), ("download", "failure"));
        assert_eq!(refused.reason_code.as_deref(), Some("missing_reason"));
        assert!(refused.subjects.is_empty());
        assert_eq!(detail(refused)["subjects"], 2);
        assert_eq!(detail(refused)["status"], 422);

        // Every access to the applicant's data is found through the subject index.
        let filter = EventFilter { subject: Some(subject(APPLICANT)), ..EventFilter::default() };
        let found = find_events(&db, "main", &filter, PageRequest::default()).await.unwrap();
        let seqs: Vec<u64> = found.items.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [download.seq, view.seq]);
    }

    async fn more_than_ten_thousand_subjects_are_recorded_in_parts(db) {
        let (_log, base) = start(&db).await;
        assert_eq!(get_as(&base, "/api/everyone", None).await.status(), 200);
        let events = events(&db).await;
        let parts: Vec<(usize, Value, Value)> = events
            .iter()
            .map(|e| (e.subjects.len(), detail(e)["part"].clone(), detail(e)["parts"].clone()))
            .collect();
        assert_eq!(parts, [(10_000, json!(1), json!(2)), (1, json!(2), json!(2))]);
        assert!(events.iter().all(|e| e.action == "view"));
        let indexed: i64 = sqlx::query("SELECT COUNT(DISTINCT subject) FROM egov_audit_subjects")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(indexed, 10_001);
    }

    async fn a_panicking_handler_is_recorded_as_a_500(db) {
        let (_log, base) = start(&db).await;
        // Without egov-web's panic layer the connection just closes.
        assert!(reqwest::get(format!("{base}/api/boom/1")).await.is_err());
        let events = events(&db).await;
        assert_eq!(events.len(), 1, "{events:#?}");
        assert_eq!(events[0].outcome, "failure");
        assert_eq!(detail(&events[0]), json!({"method": "GET", "route": "/api/boom/{id}", "status": 500}));
    }

    async fn a_store_failure_turns_the_response_into_a_503(db) {
        let (_log, base) = start(&db).await;
        assert_eq!(get_as(&base, "/api/petitions/1", None).await.status(), 200);
        db.close().await; // the audit store goes away
        let response = get_as(&base, "/api/petitions/2", None).await;
        assert_eq!(response.status(), 503);
        let body = response.text().await.unwrap();
        assert!(!body.contains("petition 2"), "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["type"], "urn:egov:problem:service-unavailable");
        assert_eq!(body["detail"], "audit-not-recorded");
        // Denied requests on Off routes are answered 503 too when they cannot be recorded.
        assert_eq!(get_as(&base, "/api/secret/1", None).await.status(), 503);
        // Off routes that record nothing are unaffected.
        assert_eq!(get_as(&base, "/health/live", None).await.status(), 200);
    }

    async fn a_stopped_writer_also_means_503(db) {
        let (log, base) = start(&db).await;
        log.shutdown().await;
        assert_eq!(get_as(&base, "/api/petitions/1", None).await.status(), 503);
    }

    async fn the_admin_api_filters_and_pages(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let start = time::macros::datetime!(2026-11-02 01:00 UTC);
        let clock = Arc::new(ManualClock::new(start));
        let settings = AuditSettings::default();
        let log = AuditLog::start_with_clock(db.clone(), &settings, clock.clone()).await.unwrap();
        let (a, b) = (AccountId::new(), AccountId::new());
        let actor = |id: &AccountId| Actor::account(*id, []);
        let (s1, s2) = (subject(APPLICANT), subject(OTHER));
        let fixture = [
            AuditEvent::new(Action::VIEW, &actor(&a), Outcome::Success).subject(s1.clone()),
            AuditEvent::personal_data_download(Action::DOWNLOAD, &actor(&a), Target::kind("applicant"), [s1.clone(), s2.clone()], Reason::new("회신").unwrap()),
            AuditEvent::new(Action::VIEW, &actor(&b), Outcome::Success).subject(s2.clone()),
            AuditEvent::new(Action::PERMISSION_DENIED, &actor(&b), Outcome::Denied),
            AuditEvent::new(Action::EXPORT, &Actor::system("batch"), Outcome::Success),
            AuditEvent::new(Action::VIEW, &actor(&a), Outcome::Failure),
        ];
        for event in fixture {
            log.record(event).await.unwrap();
            clock.advance(time::Duration::hours(1));
        }
        let base = serve(
            Router::new()
                .nest("/admin/audit", admin::router(db.clone(), &settings))
                .layer(from_fn(stand_in)),
        )
        .await;
        let client = reqwest::Client::new();
        let query = |q: &str| {
            let url = format!("{base}/admin/audit/events?{q}");
            let client = client.clone();
            async move {
                let response = client.get(url).send().await.unwrap();
                let status = response.status().as_u16();
                let cache = response.headers().get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap().to_owned());
                let body: Value = response.json().await.unwrap();
                (status, cache, body)
            }
        };
        let seqs = |body: &Value| -> Vec<u64> {
            body["items"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect()
        };

        let (status, cache, all) = query("").await;
        assert_eq!((status, cache.as_deref()), (200, Some("no-store")));
        assert_eq!(seqs(&all), [6, 5, 4, 3, 2, 1], "newest first");
        assert_eq!((all["total_items"].as_u64(), all["page"].as_u64(), all["size"].as_u64()), (Some(6), Some(1), Some(20)));
        let newest = &all["items"][0];
        assert_eq!(newest["occurred_at"], "2026-11-02T06:00:00Z");
        assert_eq!(newest["hash"].as_str().unwrap().len(), 64);
        assert_eq!(all["items"][4]["subjects"], json!([format!("id:{APPLICANT}"), format!("id:{OTHER}")]));

        for (q, expected) in [
            (format!("actor={a}"), vec![6, 2, 1]),
            ("actor=batch".to_owned(), vec![5]),
            (format!("subject=id:{OTHER}"), vec![3, 2]),
            ("action=view".to_owned(), vec![6, 3, 1]),
            ("outcome=denied".to_owned(), vec![4]),
            ("from=2026-11-02T11:00:00%2B09:00&to=2026-11-02T04:00:00Z".to_owned(), vec![3, 2]),
            (format!("actor={a}&action=view&outcome=success"), vec![1]),
            ("size=2&page=2".to_owned(), vec![4, 3]),
            ("size=2&page=4".to_owned(), vec![]),
            ("actor=&outcome=".to_owned(), vec![6, 5, 4, 3, 2, 1]),
        ] {
            let (status, _, body) = query(&q).await;
            assert_eq!(status, 200, "{q}: {body}");
            assert_eq!(seqs(&body), expected, "{q}");
        }
        let (_, _, paged) = query("size=2&page=2").await;
        assert_eq!((paged["total_items"].as_u64(), paged["total_pages"].as_u64()), (Some(6), Some(3)));

        for (q, fields) in [
            ("size=101", vec!["/size"]),
            ("size=0&page=0", vec!["/page", "/size"]),
            ("page=-1", vec!["/page"]),
            ("from=yesterday", vec!["/from"]),
            ("from=2026-13-45T99:00:00Z", vec!["/from"]),
            ("to=2026-11-01", vec!["/to"]),
            ("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", vec!["/to"]),
            ("outcome=maybe", vec!["/outcome"]),
            ("action=DROP%20TABLE", vec!["/action"]),
            ("subject=900101-1234568", vec!["/subject"]),
            ("subject=id:not-a-uuid", vec!["/subject"]),
            ("foo=1", vec!["/foo"]),
            ("%FF%FE=1", vec!["/\u{fffd}\u{fffd}"]),
            ("outcome=success&outcome=denied", vec!["/outcome"]),
        ] {
            let (status, cache, body) = query(q).await;
            assert_eq!(status, 422, "{q}: {body}");
            assert_eq!(cache.as_deref(), Some("no-store"));
            assert_eq!(body["type"], "urn:egov:problem:validation-failed", "{q}");
            let mut got: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
            got.sort_unstable();
            assert_eq!(got, fields, "{q}");
        }
        log.shutdown().await;
    }

    async fn the_admin_api_answers_503_without_its_database(db) {
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let base = serve(
            Router::new()
                .nest("/admin/audit", admin::router(db.clone(), &AuditSettings::default()))
                .layer(from_fn(stand_in)),
        )
        .await;
        db.close().await;
        for path in ["/admin/audit/events", "/admin/audit/report?month=2026-11"] {
            let response = reqwest::get(format!("{base}{path}")).await.unwrap();
            assert_eq!(response.status(), 503, "{path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["type"], "urn:egov:problem:service-unavailable");
        }
    }
}

#[test]
fn modes_default_to_on_except_health_and_docs() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect_url(&format!("sqlite://{}/a.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
        let log = AuditLog::start(db, &AuditSettings::default())
            .await
            .unwrap();
        let layer = AuditLayer::new(log.clone())
            .route(Method::POST, "/a/{id}", RouteAudit::Off)
            .route_all_methods(
                "/a/{id}",
                RouteAudit::PersonalData {
                    action: Action::VIEW,
                },
            )
            .route(Method::POST, "/health/live", RouteAudit::On)
            .unmatched(RouteAudit::Off);
        let get = Method::GET;
        assert_eq!(layer.mode(&Method::POST, Some("/a/{id}")), &RouteAudit::Off);
        assert_eq!(
            layer.mode(&get, Some("/a/{id}")),
            &RouteAudit::PersonalData {
                action: Action::VIEW
            }
        );
        assert_eq!(layer.mode(&get, Some("/b")), &RouteAudit::On);
        let download = RouteAudit::PersonalData {
            action: Action::DOWNLOAD,
        };
        let files = AuditLayer::new(log.clone())
            .route(Method::GET, "/f", download.clone())
            .route_all_methods("/f", RouteAudit::Off);
        assert_eq!(
            files.mode(&Method::HEAD, Some("/f")),
            &download,
            "HEAD runs GET"
        );
        assert_eq!(files.mode(&Method::DELETE, Some("/f")), &RouteAudit::Off);
        let files = files.route(Method::HEAD, "/f", RouteAudit::On);
        assert_eq!(files.mode(&Method::HEAD, Some("/f")), &RouteAudit::On);
        for quiet in [
            "/health/live",
            "/health/ready",
            "/docs",
            "/docs/{*rest}",
            "/openapi.json",
        ] {
            assert_eq!(layer.mode(&get, Some(quiet)), &RouteAudit::Off, "{quiet}");
        }
        assert_eq!(
            layer.mode(&Method::POST, Some("/health/live")),
            &RouteAudit::On
        );
        assert_eq!(layer.mode(&get, None), &RouteAudit::Off);
        assert_eq!(
            AuditLayer::new(log.clone()).mode(&get, None),
            &RouteAudit::On
        );
        assert_eq!(layer.mode(&get, Some("/healthz")), &RouteAudit::On);
        log.shutdown().await;
    });
}
