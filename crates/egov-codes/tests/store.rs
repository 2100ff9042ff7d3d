//! The store on both databases: versions, history, audit, conflicts, references,
//! and the snapshot's reload within one process and across replicas.

mod common;

use std::time::Duration;

use common::{admin, eventually, registry, registry_with, seed};
use egov_codes::model::parse_date;
use egov_codes::{
    CategoryDraft, ChangeKind, CodeDraft, CodeRegistry, CodesSettings, Error, GroupDraft,
    ListFilter,
};
use egov_core::problem::Problem;
use egov_db::Backend;
use egov_db::testing::TestDatabase;
use sqlx::Row;

fn fields(error: &Error) -> Vec<String> {
    match error {
        Error::Invalid(issues) => issues.iter().map(|i| i.field.clone()).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

egov_db::backend_tests! {
    async fn changes_make_versions_history_and_audit_events(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let who = admin();
        let before = codes.snapshot().version();

        // Update: version 2, history keeps version 1, the snapshot follows at once.
        let draft = CodeDraft::new("PETITION_TYPE", "02", "건의·제안").label("en", "Suggestion").sort_order(2);
        let updated = codes.update_code(&who, draft, 1, "명칭 변경 요청(2026-11)").await.unwrap();
        assert_eq!(updated.stamp.version, 2);
        // The creator is kept; the updater is this actor.
        assert_ne!(updated.stamp.created_by, updated.stamp.updated_by);
        assert_eq!(updated.stamp.updated_by, egov_codes::actor_name(&who));
        let snapshot = codes.snapshot();
        assert!(snapshot.version() > before);
        assert_eq!(snapshot.code("PETITION_TYPE", "02").unwrap().label("ko", &[]), "건의·제안");
        drop(snapshot);

        // Deactivate: version 3, gone from lists, still readable by (group, code).
        let gone = codes.deactivate_code(&who, "PETITION_TYPE", "03", 1, "폐지").await.unwrap();
        assert!(!gone.active);
        let today = codes.today();
        let listed: Vec<String> = codes.snapshot().list("PETITION_TYPE", ListFilter::valid_on(today)).unwrap().map(|c| c.code.clone()).collect();
        assert_eq!(listed, ["01", "02"]);
        assert!(codes.snapshot().code("PETITION_TYPE", "03").is_some());
        assert!(!codes.is_valid("PETITION_TYPE", "03"));

        let history = codes.code_history("PETITION_TYPE", "02").await.unwrap();
        let versions: Vec<(i64, ChangeKind)> = history.iter().map(|h| (h.version, h.change)).collect();
        assert_eq!(versions, [(1, ChangeKind::Create), (2, ChangeKind::Update)]);
        assert_eq!(history[0].record["labels"]["ko"], "건의");
        assert_eq!(history[1].record["labels"]["ko"], "건의·제안");
        assert_eq!(history[1].reason.as_deref(), Some("명칭 변경 요청(2026-11)"));
        assert_eq!(history[1].changed_by, egov_codes::actor_name(&who));
        let deactivation = codes.code_history("PETITION_TYPE", "03").await.unwrap();
        assert_eq!(deactivation.last().unwrap().change, ChangeKind::Deactivate);
        let group_history = codes.group_history("PETITION_TYPE").await.unwrap();
        assert_eq!(group_history[0].reason.as_deref(), Some("최초 등록"));

        // An update that changes nothing makes no version.
        let same = CodeDraft::new("PETITION_TYPE", "01", "질의").label("en", "Inquiry").sort_order(1);
        assert_eq!(codes.update_code(&who, same, 1, "변경 없음").await.unwrap().stamp.version, 1);

        // Every change is an audit event: 1 group + 3 codes created, 2 updates.
        let rows = sqlx::query("SELECT action, target_type, target_id FROM egov_audit_events ORDER BY seq")
            .fetch_all(db.pool()).await.unwrap();
        let events: Vec<(String, String, String)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        assert_eq!(events.len(), 6, "{events:?}");
        assert_eq!(events[0], ("create".into(), "code_group".into(), "PETITION_TYPE".into()));
        assert_eq!(events[4], ("update".into(), "code".into(), "PETITION_TYPE/02".into()));
        // Nothing is physically deleted.
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM egov_codes").fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(count, 3);
    }

    async fn a_stale_update_is_a_conflict_and_changes_nothing(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let who = admin();
        let first = CodeDraft::new("PETITION_TYPE", "01", "질의(일반)");
        codes.update_code(&who, first, 1, "첫 번째 변경").await.unwrap();
        // A second editor still holds version 1.
        let second = CodeDraft::new("PETITION_TYPE", "01", "질의(특수)");
        let error = codes.update_code(&who, second, 1, "두 번째 변경").await.unwrap_err();
        assert!(matches!(error, Error::Conflict { current: Some(2) }), "{error:?}");
        let problem = Problem::from(error);
        assert_eq!(problem.status(), 409);
        assert_eq!(problem.extensions()["current_version"], 2);
        assert_eq!(codes.snapshot().code("PETITION_TYPE", "01").unwrap().label("ko", &[]), "질의(일반)");
        assert_eq!(codes.code_history("PETITION_TYPE", "01").await.unwrap().len(), 2);
        let error = codes.deactivate_group(&who, "PETITION_TYPE", 7, "폐지").await.unwrap_err();
        assert!(matches!(error, Error::Conflict { current: Some(1) }));
        // Unknown records are 404s.
        let error = codes.update_code(&who, CodeDraft::new("PETITION_TYPE", "99", "없음"), 1, "x").await.unwrap_err();
        assert!(matches!(error, Error::NotFound));
        assert_eq!(Problem::from(error).status(), 404);
    }

    async fn bad_drafts_and_references_are_refused_with_every_field(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let who = admin();
        let error = codes.create_group(&who, GroupDraft::new("PETITION_TYPE", "중복"), None).await.unwrap_err();
        assert!(matches!(error, Error::AlreadyExists { .. }));
        assert_eq!(Problem::from(error).status(), 409);

        let mut group = GroupDraft::new("REGION", "");
        group.category = Some("NOPE".into());
        assert_eq!(fields(&codes.create_group(&who, group.clone(), None).await.unwrap_err()), ["/labels/ko"]);
        group.labels.insert("ko".into(), "지역".into());
        assert_eq!(fields(&codes.create_group(&who, group.clone(), None).await.unwrap_err()), ["/category"]);
        codes.create_category(&who, CategoryDraft::new("ADM", "행정구역"), None).await.unwrap();
        group.category = Some("ADM".into());
        codes.create_group(&who, group, None).await.unwrap();

        // Region → district hierarchy, unknown parents and cycles.
        codes.create_code(&who, CodeDraft::new("REGION", "11", "서울특별시"), None).await.unwrap();
        codes.create_code(&who, CodeDraft::new("REGION", "11110", "종로구").parent("11"), None).await.unwrap();
        let orphan = CodeDraft::new("REGION", "99110", "없는 구").parent("99");
        assert_eq!(fields(&codes.create_code(&who, orphan, None).await.unwrap_err()), ["/parent"]);
        let cycle = CodeDraft::new("REGION", "11", "서울특별시").parent("11110");
        assert_eq!(fields(&codes.update_code(&who, cycle, 1, "순환").await.unwrap_err()), ["/parent"]);
        let day = codes.today();
        let children: Vec<String> = codes.snapshot().children("REGION", "11", ListFilter::valid_on(day)).iter().map(|c| c.code.clone()).collect();
        assert_eq!(children, ["11110"]);

        // Everything wrong at once.
        let mut bad = CodeDraft::new("REGION", "bad\ncode", " ").valid(parse_date("2026-12-31"), parse_date("2026-01-01"));
        bad.attributes.insert("x".into(), serde_json::Value::String("y".repeat(5000)));
        let error = codes.create_code(&who, bad, None).await.unwrap_err();
        assert_eq!(fields(&error), ["/code", "/labels/ko", "/valid_to", "/attributes"]);
        // Updates need a reason.
        let error = codes.update_code(&who, CodeDraft::new("REGION", "11", "서울"), 1, "  ").await.unwrap_err();
        assert_eq!(fields(&error), ["/reason"]);
        // A code of an unknown group: 404.
        assert!(matches!(codes.create_code(&who, CodeDraft::new("NOPE", "1", "x"), None).await.unwrap_err(), Error::NotFound));
    }

    async fn validity_dates_are_inclusive_and_deactivated_groups_have_no_valid_codes(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let who = admin();
        let draft = CodeDraft::new("PETITION_TYPE", "04", "이의신청").sort_order(4)
            .valid(parse_date("2026-01-01"), parse_date("2026-06-30"));
        codes.create_code(&who, draft, None).await.unwrap();
        let s = codes.snapshot();
        for (day, valid) in [("2025-12-31", false), ("2026-01-01", true), ("2026-06-30", true), ("2026-07-01", false)] {
            assert_eq!(s.is_valid("PETITION_TYPE", "04", parse_date(day).unwrap()), valid, "{day}");
        }
        let options = s.select_options("PETITION_TYPE", "en", &["ko"], parse_date("2026-03-01").unwrap());
        let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(labels, ["Inquiry", "Suggestion", "Complaint", "이의신청"]);
        drop(s);
        codes.deactivate_group(&who, "PETITION_TYPE", 1, "업무 폐지").await.unwrap();
        assert!(!codes.is_valid("PETITION_TYPE", "01"));
        assert_eq!(codes.snapshot().list("PETITION_TYPE", ListFilter::valid_on(codes.today())).unwrap().count(), 0);
    }
}

/// Two replicas (two pools, two registries) on one database: a change through
/// one is served by the other within a second.
///
/// On SQLite the poll is the only mechanism (every 100 ms here). On PostgreSQL
/// the replicas poll only every 30 s, so only `LISTEN/NOTIFY` can deliver the
/// change within the second: with notifications broken this variant fails.
async fn replicas(backend: Backend) {
    let Some(database) = TestDatabase::new(backend).await.unwrap() else {
        eprintln!("skipped: set {} to run", egov_db::testing::POSTGRES_URL_ENV);
        return;
    };
    let settings = CodesSettings {
        poll_interval_ms: match backend {
            Backend::Postgres => 30_000,
            Backend::Sqlite => 100,
        },
        ..common::settings()
    };
    let one = registry_with(database.db(), settings.clone()).await;
    let second_db = egov_db::Db::connect_url(database.url()).await.unwrap();
    let two = registry_with(&second_db, settings).await;
    seed(&one).await;
    let version = one.snapshot().version();
    let took = eventually("replica sees the seed", Duration::from_secs(1), || {
        two.snapshot().version() >= version
    })
    .await;
    eprintln!("{backend}: replica reloaded after {took:?}");
    assert_eq!(
        two.snapshot()
            .code("PETITION_TYPE", "02")
            .unwrap()
            .label("en", &[]),
        "Suggestion"
    );

    // And the other way round, for an update.
    let draft = CodeDraft::new("PETITION_TYPE", "01", "질의(수정)");
    two.update_code(&admin(), draft, 1, "다른 인스턴스에서 변경")
        .await
        .unwrap();
    let took = eventually(
        "first replica sees the update",
        Duration::from_secs(1),
        || {
            one.snapshot()
                .code("PETITION_TYPE", "01")
                .is_some_and(|c| c.label("ko", &[]) == "질의(수정)")
        },
    )
    .await;
    eprintln!("{backend}: first replica reloaded after {took:?}");
    drop((one, two));
    second_db.close().await;
    database.close().await.unwrap();
}

fn run(
    backend: Backend,
    body: fn(Backend) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(body(backend));
}

#[test]
fn a_change_in_one_replica_is_visible_in_another_within_a_second_sqlite() {
    run(Backend::Sqlite, |b| Box::pin(replicas(b)));
}

#[test]
fn a_change_in_one_replica_is_visible_in_another_within_a_second_postgres() {
    run(Backend::Postgres, |b| Box::pin(replicas(b)));
}

#[test]
fn readers_keep_the_snapshot_they_hold_while_a_reload_swaps_a_new_one() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let database = TestDatabase::sqlite().await.unwrap();
            let codes: CodeRegistry = registry(database.db()).await;
            seed(&codes).await;
            let held = codes.snapshot_arc();
            codes
                .deactivate_code(&admin(), "PETITION_TYPE", "01", 1, "폐지")
                .await
                .unwrap();
            assert!(
                held.code("PETITION_TYPE", "01").unwrap().active,
                "a held snapshot never changes"
            );
            assert!(!codes.snapshot().code("PETITION_TYPE", "01").unwrap().active);
            assert!(codes.snapshot().version() > held.version());
            database.close().await.unwrap();
        });
}

#[test]
fn writes_reload_at_once_even_on_a_one_connection_pool() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            // `sqlite::memory:` pools hold exactly one connection: the reload
            // after a write must not wait for the writer's connection. If it
            // did, the writes would deadlock; the timeouts turn that hang into
            // a failure.
            let db = egov_db::Db::connect_url("sqlite::memory:").await.unwrap();
            let codes = tokio::time::timeout(Duration::from_secs(30), registry(&db))
                .await
                .expect("starting a registry on a one-connection pool hung for 30 s");
            let limit = Duration::from_secs(4);
            tokio::time::timeout(limit, seed(&codes))
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "four writes on a one-connection pool did not finish within {limit:?}: \
                     the reload after a write waits for the writer's connection (deadlock)"
                    )
                });
            assert!(
                codes.is_valid("PETITION_TYPE", "03"),
                "the writes were not reloaded at once"
            );
        });
}
