//! Import and export on both databases: round trips, error reports, all or
//! nothing, idempotence, eGovFrame migration; and the parsers under proptest.

mod common;

use std::sync::Mutex;

use common::{admin, registry};
use egov_codes::model::parse_date;
use egov_codes::transfer::{self, Dataset, no_progress};
use egov_codes::{
    CategoryDraft, ChangeKind, CodeDraft, CodeRegistry, Error, GroupDraft, ImportPhase, RowIssue,
};
use egov_db::testing::TestDatabase;
use sqlx::Row;

const DUMP: &str = include_str!("fixtures/egovframe_codes.sql");
const BAD_DUMP: &str = include_str!("fixtures/egovframe_codes_bad.sql");
/// Codes as eGovFrame's `VARCHAR(15)` holds them, and labels with spaces.
const ODD_DUMP: &str = include_str!("fixtures/egovframe_odd_codes.sql");
/// COM090's codes in the dump's order.
const ODD_CODES: [&str; 7] = ["%Y-%m", "%Y-%m-%d", "A/B", "1 2", "서울", " 앞", "끝 "];

/// Two eGovFrame dumps of one group: the second repeats B, adds D and E, and
/// a new group.
const FIRST_DUMP: &str = "INSERT INTO COMTCCMMNCODE (CODE_ID, CODE_ID_NM, USE_AT) VALUES ('COM100', '그룹', 'Y');\n\
    INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE, CODE_NM, USE_AT) VALUES \
    ('COM100', 'A', '가', 'Y'), ('COM100', 'B', '나', 'Y'), ('COM100', 'C', '다', 'Y');\n";
const SECOND_DUMP: &str = "INSERT INTO COMTCCMMNCODE (CODE_ID, CODE_ID_NM, USE_AT) VALUES ('COM100', '그룹', 'Y'), ('COM101', '새 그룹', 'Y');\n\
    INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE, CODE_NM, USE_AT) VALUES \
    ('COM100', 'D', '라', 'Y'), ('COM101', 'X', '엑스', 'Y'), ('COM100', 'B', '나', 'Y'), \
    ('COM100', 'E', '마', 'Y'), ('COM101', 'Y', '와이', 'Y');\n";

/// What an import that changes nothing must leave alone: the version of every
/// category, group and code, the history rows, the audit events and the
/// snapshot's change version.
async fn state(codes: &CodeRegistry) -> (Vec<(String, String, i64)>, i64, i64, i64) {
    let db = codes.db();
    let count = |table: &'static str| async move {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get(0);
        n
    };
    let s = codes.snapshot_arc();
    let mut versions: Vec<(String, String, i64)> = s
        .categories()
        .iter()
        .map(|c| (c.id.clone(), String::new(), c.stamp.version))
        .collect();
    for g in s.groups() {
        versions.push((g.id.clone(), String::new(), g.stamp.version));
        for c in s.group_codes(&g.id).unwrap().all() {
            versions.push((g.id.clone(), c.code.clone(), c.stamp.version));
        }
    }
    (
        versions,
        count("egov_code_history").await,
        count("egov_audit_events").await,
        s.version(),
    )
}

fn sort_orders(codes: &CodeRegistry, group: &str) -> Vec<(String, i64)> {
    codes
        .snapshot()
        .list(group, egov_codes::ListFilter::everything())
        .unwrap()
        .map(|c| (c.code.clone(), c.sort_order))
        .collect()
}

/// Content that exercises every column and the awkward characters.
async fn rich(codes: &CodeRegistry) {
    let who = admin();
    let mut category = CategoryDraft::new("ADM", "행정구역");
    category.description = Some("법정동, \"행정동\" 코드".into());
    codes.create_category(&who, category, None).await.unwrap();
    let mut region = GroupDraft::new("REGION", "시도·시군구").label("en", "Region");
    region.category = Some("ADM".into());
    region.custodian = Some("행정안전부 주소정책과".into());
    region.description = Some("여러 줄\n설명, 쉼표와 'quote'".into());
    codes.create_group(&who, region, None).await.unwrap();
    codes
        .create_group(
            &who,
            GroupDraft::new("GENDER", "성별").label("zh", "性别"),
            None,
        )
        .await
        .unwrap();
    let mut seoul = CodeDraft::new("REGION", "11", "서울특별시")
        .label("en", "Seoul")
        .sort_order(1);
    seoul.attributes.insert(
        "legacy".into(),
        serde_json::json!({"code": "1100000000", "since": 1988}),
    );
    codes.create_code(&who, seoul, None).await.unwrap();
    let jongno = CodeDraft::new("REGION", "11110", "종로구")
        .parent("11")
        .sort_order(10)
        .valid(parse_date("1943-06-10"), None);
    codes.create_code(&who, jongno, None).await.unwrap();
    let mut old = CodeDraft::new("REGION", "11999", "구 \"옛\" 구, 폐지")
        .parent("11")
        .sort_order(99)
        .valid(parse_date("1990-01-01"), parse_date("2005-12-31"));
    old.active = false;
    old.description = Some("=SUM(A1) 처럼 보이는 설명".into());
    codes.create_code(&who, old, None).await.unwrap();
    for (code, ko, order) in [("F", "여", 2), ("M", "남", 1)] {
        codes
            .create_code(
                &who,
                CodeDraft::new("GENDER", code, ko).sort_order(order),
                None,
            )
            .await
            .unwrap();
    }
}

async fn fresh(backend: egov_db::Backend) -> (TestDatabase, CodeRegistry) {
    let database = TestDatabase::new(backend).await.unwrap().unwrap();
    let codes = registry(database.db()).await;
    (database, codes)
}

fn lines(error: Error) -> Vec<(usize, String, &'static str)> {
    match error {
        Error::ImportRejected(issues) => issues
            .into_iter()
            .map(|i: RowIssue| (i.line, i.field, i.code))
            .collect(),
        other => panic!("expected a rejected import, got {other:?}"),
    }
}

egov_db::backend_tests! {
    async fn exports_round_trip_to_the_same_bytes(db) {
        let codes = registry(&db).await;
        rich(&codes).await;
        let json = codes.export_json().await.unwrap();
        let csv = codes.export_csv().await.unwrap();
        assert!(csv.starts_with('\u{feff}'), "CSV starts with a BOM for Excel");
        assert!(csv.contains("\r\n"));
        assert!(csv.lines().next().unwrap().ends_with("label:ko,label:en,label:zh"), "{csv}");
        assert!(json.contains("\"format\": \"egov-codes/1\""));

        for format in ["json", "csv"] {
            let (database, copy) = fresh(db.backend()).await;
            let dataset = match format {
                "json" => transfer::parse_json(&json).unwrap(),
                _ => transfer::parse_csv(&csv).unwrap(),
            };
            let report = copy.import(&admin(), dataset, &no_progress).await.unwrap();
            assert_eq!((report.created, report.updated, report.unchanged), (8, 0, 0), "{format}");
            assert_eq!(copy.export_json().await.unwrap(), json, "{format} → json");
            assert_eq!(copy.export_csv().await.unwrap(), csv, "{format} → csv");
            drop(copy);
            database.close().await.unwrap();
        }
    }

    async fn imports_are_idempotent_and_update_only_what_differs(db) {
        let codes = registry(&db).await;
        rich(&codes).await;
        let csv = codes.export_csv().await.unwrap();
        let before: i64 = sqlx::query("SELECT COUNT(*) FROM egov_code_history").fetch_one(db.pool()).await.unwrap().get(0);
        let events_before: i64 = sqlx::query("SELECT COUNT(*) FROM egov_audit_events").fetch_one(db.pool()).await.unwrap().get(0);
        let report = codes.import(&admin(), transfer::parse_csv(&csv).unwrap(), &no_progress).await.unwrap();
        assert_eq!((report.created, report.updated, report.unchanged), (0, 0, 8));
        let after: i64 = sqlx::query("SELECT COUNT(*) FROM egov_code_history").fetch_one(db.pool()).await.unwrap().get(0);
        let events_after: i64 = sqlx::query("SELECT COUNT(*) FROM egov_audit_events").fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!((before, events_before), (after, events_after), "nothing changed, nothing recorded");

        // One label changed in the file: one new version, history kind `import`.
        let edited = csv.replace("서울특별시", "서울");
        let mut dataset = transfer::parse_csv(&edited).unwrap();
        dataset.reason = Some("2026년 행정구역 정비".into());
        let report = codes.import(&admin(), dataset, &no_progress).await.unwrap();
        assert_eq!((report.created, report.updated, report.unchanged), (0, 1, 7));
        let history = codes.code_history("REGION", "11").await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].change, ChangeKind::Import);
        assert_eq!(history[1].reason.as_deref(), Some("2026년 행정구역 정비"));
        assert_eq!(codes.snapshot().code("REGION", "11").unwrap().label("ko", &[]), "서울");
        let imports: i64 = sqlx::query("SELECT COUNT(*) FROM egov_audit_events WHERE action = 'import'").fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(imports, 1);
        // The changed record has its own event, like a change through the API.
        let per_record: i64 = sqlx::query(
            "SELECT COUNT(*) FROM egov_audit_events WHERE action = 'update' AND target_type = 'code' AND target_id = 'REGION/11'",
        )
        .fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(per_record, 1);
        let events_now: i64 = sqlx::query("SELECT COUNT(*) FROM egov_audit_events").fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(events_now, events_after + 2, "one per changed record plus the import");
        let log = egov_audit::AuditLog::start(db.clone(), &egov_audit::AuditSettings::default()).await.unwrap();
        let report = egov_audit::verify(&db, "main", &log.verifier()).await.unwrap();
        assert!(report.damage.is_none(), "{report:?}");
    }

    async fn a_bad_import_reports_every_line_and_writes_nothing(db) {
        let codes = registry(&db).await;
        rich(&codes).await;
        let version = codes.snapshot().version();
        let csv = "kind,category,group,code,parent,sort_order,valid_from,valid_to,active,attributes,label:ko\r\n\
                   group,,PETITION_TYPE,,,,,,Y,,민원 유형\r\n\
                   code,,PETITION_TYPE,01,,1,,,Y,,질의\r\n\
                   code,,PETITION_TYPE,02,,x,2026-02-30,,Y,,건의\r\n\
                   code,,PETITION_TYPE,01,,3,,,Y,,중복\r\n\
                   code,,NOPE,01,,1,,,Y,,없는 그룹\r\n\
                   code,,REGION,11120,99,1,,,Y,,\"없는 상위,\r\n여러 줄\"\r\n\
                   code,,PETITION_TYPE,03,,3,2026-12-31,2026-01-01,maybe,{\"a\":,\r\n\
                   code,,PETITION_TYPE,04,,4,,,Y,,\r\n";
        let dataset = transfer::parse_csv(csv).unwrap();
        let error = codes.import(&admin(), dataset, &no_progress).await.unwrap_err();
        let problem = egov_core::problem::Problem::from(Error::ImportRejected(match &error { Error::ImportRejected(i) => i.clone(), _ => unreachable!() }));
        assert_eq!(problem.status(), 422);
        assert!(problem.errors().iter().any(|e| e.field == "/lines/4/sort_order"));
        assert_eq!(lines(error), [
            (4, "/sort_order".to_owned(), "integer"),
            (4, "/valid_from".to_owned(), "date"),
            (5, "/code".to_owned(), "duplicate"),
            (6, "/group".to_owned(), "reference"),
            (7, "/labels/ko".to_owned(), "label"),
            (7, "/parent".to_owned(), "reference"),
            (9, "/active".to_owned(), "flag"),
            (9, "/attributes".to_owned(), "json"),
            (9, "/labels".to_owned(), "required"),
            (9, "/valid_to".to_owned(), "order"),
            (10, "/labels".to_owned(), "required"),
        ]);
        // Nothing was written: not even the valid group of line 2.
        assert!(codes.snapshot().group("PETITION_TYPE").is_none());
        assert_eq!(codes.snapshot().version(), version);
        let groups: i64 = sqlx::query("SELECT COUNT(*) FROM egov_code_groups").fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(groups, 2);

        // JSON: the line of each bad record.
        let json = "{\n  \"format\": \"egov-codes/1\",\n  \"categories\": [],\n  \"groups\": [\n    {\"id\":\"G\",\"labels\":{\"ko\":\"그룹\"}}\n  ],\n  \"codes\": [\n    {\"group\":\"G\",\"code\":\"1\",\"labels\":{\"ko\":\"하나\"}},\n    {\"group\":\"G\",\"code\":\"2\",\"labels\":{\"ko\":\"둘\"},\"colour\":\"red\"},\n    {\"group\":\"G\",\"code\":\"3\",\"labels\":{}}\n  ]\n}\n";
        let error = codes.import(&admin(), transfer::parse_json(json).unwrap(), &no_progress).await.unwrap_err();
        assert_eq!(lines(error), [(9, "/colour".to_owned(), "invalid"), (10, "/labels".to_owned(), "required")]);
        assert!(codes.snapshot().group("G").is_none());
    }

    async fn egovframe_dumps_migrate_with_ids_history_and_flags(db) {
        let codes = registry(&db).await;
        let progress = Mutex::new(Vec::new());
        let record = |phase: ImportPhase, done: usize, total: usize| progress.lock().unwrap().push((phase, done, total));
        let report = codes.import_egovframe_dump(&admin(), DUMP, &record).await.unwrap();
        assert_eq!((report.created, report.updated, report.unchanged), (2 + 3 + 6, 0, 0));
        let seen = progress.into_inner().unwrap();
        assert_eq!(seen.last(), Some(&(ImportPhase::Done, 11, 11)));
        assert!(seen.contains(&(ImportPhase::Writing, 11, 11)));

        let s = codes.snapshot();
        assert_eq!(s.categories().iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["EFC", "LET"]);
        let gender = s.group("COM014").unwrap();
        assert_eq!(gender.label("en", &[]), "성별구분");
        assert_eq!(gender.category.as_deref(), Some("EFC"));
        // Original registration and update are the record's stamp (KST → UTC).
        assert_eq!(gender.stamp.created_at, "2011-08-31T03:00:00.000000Z");
        assert_eq!(gender.stamp.updated_at, "2014-03-02T00:30:15.000000Z");
        assert_eq!(gender.stamp.updated_by, "egovframe:admin");
        let retired = s.group("COM999").unwrap();
        assert!(!retired.active);
        assert_eq!(retired.description.as_deref(), Some("O'Neil's 메모 \"따옴표\" 포함"));
        // Dump order is list order; USE_AT N is inactive; escapes are read.
        let listed: Vec<&str> = s.list("COM001", egov_codes::ListFilter::everything()).unwrap().map(|c| c.code.as_str()).collect();
        assert_eq!(listed, ["REGC01", "REGC02", "REGC03"]);
        assert!(!s.code("COM001", "REGC03").unwrap().active);
        assert_eq!(s.code("COM001", "REGC03").unwrap().description.as_deref(), Some("동호회(구) 등록 \\ 폐지"));
        assert_eq!(s.code("COM999", "01").unwrap().label("ko", &[]), "이전 코드 '가'");
        assert_eq!(s.code("COM999", "01").unwrap().stamp.created_at, "2010-01-05T00:30:00.000000Z");
        assert_eq!(s.code("COM001", "REGC02").unwrap().stamp.updated_by, "egovframe:SYSTEM");
        assert!(s.code("COM014", "M").unwrap().stamp.created_at.starts_with(&codes.today().year().to_string()));
        drop(s);
        let history = codes.code_history("COM001", "REGC01").await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!((history[0].change, history[0].reason.as_deref()), (ChangeKind::Import, Some("eGovFrame migration")));
        assert_eq!(history[0].changed_at, "2011-08-31T03:00:00.000000Z");

        // Idempotent: the same dump again changes nothing.
        let again = codes.import_egovframe_dump(&admin(), DUMP, &no_progress).await.unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 11));
    }

    async fn odd_egovframe_codes_and_spaced_labels_are_kept_byte_for_byte(db) {
        let codes = registry(&db).await;
        let report = codes.import_egovframe_dump(&admin(), ODD_DUMP, &no_progress).await.unwrap();
        assert_eq!((report.created, report.updated, report.unchanged), (2 + 9, 0, 0));

        // Read back through the registry: every code found by its exact value,
        // listed in dump order; names and descriptions with their spaces.
        let s = codes.snapshot_arc();
        let listed: Vec<&str> = s.list("COM090", egov_codes::ListFilter::everything()).unwrap().map(|c| c.code.as_str()).collect();
        assert_eq!(listed, ODD_CODES);
        for code in ODD_CODES {
            assert_eq!(s.code("COM090", code).map(|c| c.code.as_str()), Some(code), "{code:?}");
            assert!(codes.is_valid("COM090", code), "{code:?}");
        }
        assert!(s.code("COM090", "앞").is_none() && s.code("COM090", "끝").is_none(), "no trimming on lookup either");
        let next = s.code("COM091", "NEXT").unwrap();
        assert_eq!(next.labels["ko"], "Continue ");
        assert_eq!(next.description.as_deref(), Some("  다음 단계로  "));
        assert_eq!(s.code("COM091", "BACK").unwrap().labels["ko"], " Back");
        let group = s.group("COM090").unwrap();
        assert_eq!(group.description.as_deref(), Some(" 앞뒤 공백이 있는 설명 "));
        // USE_AT and author ids may be padded.
        assert_eq!(group.stamp.created_by, "egovframe:SYSTEM");
        assert!(s.group("COM091").unwrap().active);
        // Stored byte for byte, and in the history.
        let stored: Vec<String> = sqlx::query("SELECT code FROM egov_codes WHERE group_id = 'COM090' ORDER BY sort_order")
            .fetch_all(db.pool()).await.unwrap().iter().map(|r| r.get(0)).collect();
        assert_eq!(stored, ODD_CODES);
        let history = codes.code_history("COM090", "A/B").await.unwrap();
        assert_eq!((history.len(), history[0].record["code"].as_str()), (1, Some("A/B")));
        assert_eq!(codes.code_history("COM091", "NEXT").await.unwrap()[0].record["labels"]["ko"], "Continue ");

        // The same dump again: nothing changes, not even a version.
        let before = state(&codes).await;
        let again = codes.import_egovframe_dump(&admin(), ODD_DUMP, &no_progress).await.unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 11));
        assert_eq!(state(&codes).await, before);

        // Exported and imported back: unchanged here, and byte-identical in
        // an empty database.
        let json = codes.export_json().await.unwrap();
        let csv = codes.export_csv().await.unwrap();
        assert!(json.contains(r#""code":"%Y-%m""#) && json.contains(r#""ko":"Continue ""#), "{json}");
        for (format, dataset) in [("json", transfer::parse_json(&json).unwrap()), ("csv", transfer::parse_csv(&csv).unwrap())] {
            let report = codes.import(&admin(), dataset.clone(), &no_progress).await.unwrap();
            assert_eq!((report.created, report.updated, report.unchanged), (0, 0, 11), "{format}");
            assert_eq!(state(&codes).await, before, "{format}");
            let (database, copy) = fresh(db.backend()).await;
            let report = copy.import(&admin(), dataset, &no_progress).await.unwrap();
            assert_eq!(report.created, 11, "{format}");
            assert_eq!(copy.export_json().await.unwrap(), json, "{format} → json");
            assert_eq!(copy.export_csv().await.unwrap(), csv, "{format} → csv");
            drop(copy);
            database.close().await.unwrap();
        }

        // Odd codes are parents, and are updated and deactivated by their value.
        let child = CodeDraft::new("COM090", "%Y-%m/하위", "하위").parent("%Y-%m").sort_order(8);
        codes.create_code(&admin(), child, None).await.unwrap();
        let day = codes.today();
        let children: Vec<String> = codes.snapshot().children("COM090", "%Y-%m", egov_codes::ListFilter::valid_on(day)).iter().map(|c| c.code.clone()).collect();
        assert_eq!(children, ["%Y-%m/하위"]);
        let renamed = CodeDraft::new("COM090", "1 2", "하나 둘 ").sort_order(4);
        assert_eq!(codes.update_code(&admin(), renamed, 1, "명칭").await.unwrap().labels["ko"], "하나 둘 ");
        assert!(!codes.deactivate_code(&admin(), "COM090", " 앞", 1, "폐지").await.unwrap().active);
        let versions: Vec<i64> = codes.code_history("COM090", "1 2").await.unwrap().iter().map(|h| h.version).collect();
        assert_eq!(versions, [1, 2]);
        let events: i64 = sqlx::query("SELECT COUNT(*) FROM egov_audit_events WHERE target_type = 'code' AND target_id = 'COM090/1 2'")
            .fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(events, 2, "created by the import, then updated");
    }

    async fn a_second_egovframe_dump_appends_its_new_codes_after_the_group_s(db) {
        let codes = registry(&db).await;
        let first = codes.import_egovframe_dump(&admin(), FIRST_DUMP, &no_progress).await.unwrap();
        assert_eq!(first.created, 4);
        assert_eq!(sort_orders(&codes, "COM100"), [("A".into(), 1), ("B".into(), 2), ("C".into(), 3)]);
        // A code added by hand, far down the list.
        codes.create_code(&admin(), CodeDraft::new("COM100", "Z", "제트").sort_order(10), None).await.unwrap();

        // D and E go after everything the group has (10), in dump order; B,
        // which the group has, keeps its place; the new group starts at 1.
        let second = codes.import_egovframe_dump(&admin(), SECOND_DUMP, &no_progress).await.unwrap();
        assert_eq!((second.created, second.updated, second.unchanged), (5, 0, 2));
        assert_eq!(
            sort_orders(&codes, "COM100"),
            [("A".into(), 1), ("B".into(), 2), ("C".into(), 3), ("Z".into(), 10), ("D".into(), 11), ("E".into(), 12)]
        );
        assert_eq!(sort_orders(&codes, "COM101"), [("X".into(), 1), ("Y".into(), 2)]);
        assert_eq!(codes.snapshot().code("COM100", "B").unwrap().stamp.version, 1);

        // Each dump again, in either order: nothing changes.
        let before = state(&codes).await;
        for (dump, records) in [(SECOND_DUMP, 7), (FIRST_DUMP, 4), (SECOND_DUMP, 7)] {
            let again = codes.import_egovframe_dump(&admin(), dump, &no_progress).await.unwrap();
            assert_eq!((again.created, again.updated, again.unchanged), (0, 0, records));
            assert_eq!(state(&codes).await, before);
        }
        // A sort order changed by hand stays: the dump has none to impose.
        let moved = CodeDraft::new("COM100", "A", "가").sort_order(20);
        codes.update_code(&admin(), moved, 1, "맨 뒤로").await.unwrap();
        let again = codes.import_egovframe_dump(&admin(), FIRST_DUMP, &no_progress).await.unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 4));
        assert_eq!(codes.snapshot().code("COM100", "A").unwrap().sort_order, 20);
    }

    async fn random_code_values_survive_the_database_and_both_exports(db) {
        // A few hundred codes the rule allows, drawn once (deterministically)
        // from the property test's strategy, through a real database.
        use proptest::strategy::{Strategy, ValueTree};
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let drawn = proptest::collection::btree_set(parsers::code_value(), 300)
            .new_tree(&mut runner).unwrap().current();
        let codes = registry(&db).await;
        codes.create_group(&admin(), GroupDraft::new("ANY", "아무 코드"), None).await.unwrap();
        let drafts: Vec<CodeDraft> = drawn.iter().enumerate().map(|(i, code)| {
            CodeDraft::new("ANY", code.as_str(), format!(" {code} ")).sort_order(i64::try_from(i % 7).unwrap())
        }).collect();
        let dataset = Dataset {
            codes: drafts.iter().enumerate().map(|(i, d)| transfer::Located::new(i + 1, d.clone())).collect(),
            ..Dataset::default()
        };
        let report = codes.import(&admin(), dataset, &no_progress).await.unwrap();
        assert_eq!(report.created, drawn.len());
        for d in &drafts {
            let found = codes.snapshot().code("ANY", &d.code).map(CodeDraft::from);
            assert_eq!(found.as_ref(), Some(d), "{:?}", d.code);
        }
        let json = codes.export_json().await.unwrap();
        let csv = codes.export_csv().await.unwrap();
        for (format, dataset) in [("json", transfer::parse_json(&json).unwrap()), ("csv", transfer::parse_csv(&csv).unwrap())] {
            let (database, copy) = fresh(db.backend()).await;
            let report = copy.import(&admin(), dataset, &no_progress).await.unwrap();
            assert_eq!(report.created, drawn.len() + 1, "{format}");
            assert_eq!(copy.export_json().await.unwrap(), json, "{format} → json");
            assert_eq!(copy.export_csv().await.unwrap(), csv, "{format} → csv");
            drop(copy);
            database.close().await.unwrap();
        }
    }

    async fn a_bad_egovframe_dump_is_refused_with_every_line(db) {
        let codes = registry(&db).await;
        let error = codes.import_egovframe_dump(&admin(), BAD_DUMP, &no_progress).await.unwrap_err();
        assert_eq!(lines(error), [
            (4, "/id".to_owned(), "id"),
            (6, "/COMTCCMMNDETAILCODE/USE_AT".to_owned(), "flag"),
            (7, "/COMTCCMMNDETAILCODE/FRST_REGIST_PNTTM".to_owned(), "timestamp"),
            (7, "/labels".to_owned(), "required"),
            (8, "/group".to_owned(), "reference"),
        ]);
        assert!(codes.snapshot().groups().is_empty());
        let syntax = codes.import_egovframe_dump(&admin(), "INSERT INTO COMTCCMMNCODE VALUES ('a", &no_progress).await.unwrap_err();
        assert_eq!(lines(syntax)[0].2, "syntax");
    }

    async fn egovframe_csv_exports_migrate_too(db) {
        let codes = registry(&db).await;
        let groups = "\u{feff}CODE_ID,CODE_ID_NM,CODE_ID_DC,USE_AT,CL_CODE,FRST_REGIST_PNTTM,FRST_REGISTER_ID,LAST_UPDT_PNTTM,LAST_UPDUSR_ID\r\n\
                      COM014,성별구분,\"성별, 구분 코드\",Y,,2011-08-31 12:00:00,SYSTEM,NULL,\r\n";
        let details = "CODE_ID,CODE,CODE_NM,CODE_DC,USE_AT,FRST_REGIST_PNTTM,FRST_REGISTER_ID,LAST_UPDT_PNTTM,LAST_UPDUSR_ID\n\
                       COM014,M,남자,,Y,2011-08-31 12:00:00,SYSTEM,,\n\
                       COM014,F,여자,,N,SYSDATE(),SYSTEM,,\n";
        let dataset = egov_codes::egovframe::from_csv(None, groups, details, time::UtcOffset::from_hms(9, 0, 0).unwrap(), time::OffsetDateTime::now_utc()).unwrap();
        let report = codes.import(&admin(), dataset, &no_progress).await.unwrap();
        assert_eq!(report.created, 3);
        let s = codes.snapshot();
        assert_eq!(s.group("COM014").unwrap().description.as_deref(), Some("성별, 구분 코드"));
        assert!(!s.code("COM014", "F").unwrap().active);
        assert_eq!(s.code("COM014", "F").unwrap().sort_order, 2);

        let bad = "CODE_ID,CODE,CODE_NM,CODE_DC,USE_AT\nCOM014,X,엑스,,Q\n";
        let dataset = egov_codes::egovframe::from_csv(None, "CODE_ID,CODE_ID_NM,USE_AT\n", bad, time::UtcOffset::UTC, time::OffsetDateTime::now_utc()).unwrap();
        let error = codes.import(&admin(), dataset, &no_progress).await.unwrap_err();
        assert_eq!(lines(error), [(2, "/COMTCCMMNDETAILCODE/USE_AT".to_owned(), "flag")]);
    }
}

mod parsers {
    use super::*;
    use egov_codes::{Code, CodeGroup, Snapshot, Stamp};
    use proptest::prelude::*;

    fn stamp() -> Stamp {
        Stamp {
            version: 1,
            created_at: String::new(),
            created_by: String::new(),
            updated_at: String::new(),
            updated_by: String::new(),
        }
    }

    /// Text a label or description may hold: Korean, quotes, commas, newlines.
    fn text() -> impl Strategy<Value = String> {
        "[가-힣a-zA-Z0-9 ,\"'\n;=]{0,12}[가-힣a-z]"
            .prop_map(|s| s.trim().to_owned())
            .prop_filter("non-empty", |s| !s.is_empty())
    }

    fn code() -> impl Strategy<Value = (String, String, Option<String>, Option<String>, i64, bool)>
    {
        (
            "[A-Z0-9_]{1,8}",
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
            -5i64..100,
            any::<bool>(),
        )
    }

    /// Any code value the rule allows (`model::is_valid_code`): characters from
    /// all of Unicode but controls, with the ones that break naive handling —
    /// spaces at either end, `%`, `/`, quotes, separators, full-width and
    /// no-break spaces, BOM, line separator, Korean — drawn often.
    pub(super) fn code_value() -> impl Strategy<Value = String> {
        let awkward = proptest::sample::select(vec![
            ' ', '%', '/', '"', '\'', ',', ';', '\\', '=', '+', '?', '#', '&', '.', '~',
            '\u{3000}', '\u{a0}', '\u{feff}', '\u{2028}', '\u{200b}', '가', '힣', 'A', '0',
        ]);
        let printable = any::<char>().prop_filter("not a control character", |c| !c.is_control());
        proptest::collection::vec(prop_oneof![2 => printable, 3 => awkward], 1..=64)
            .prop_map(|chars| chars.into_iter().collect::<String>())
            .prop_filter("a valid code", |code| {
                egov_codes::model::is_valid_code(code)
            })
    }

    /// A label the rules allow: not blank, surrounding spaces kept.
    fn spaced_label() -> impl Strategy<Value = String> {
        "[ ]{0,2}[가-힣a-zA-Z0-9 ,\"';=%/]{0,12}[가-힣a-z][ ]{0,2}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_code_value_survives_export_and_import_byte_for_byte(
            values in proptest::collection::btree_set(code_value(), 1..16),
            label in spaced_label(),
            with_parent in any::<bool>(),
        ) {
            let values: Vec<String> = values.into_iter().collect();
            let group = CodeGroup {
                id: "G".into(), category: None, labels: transfer::labels(&[("ko", "그룹")]),
                description: None, custodian: None, active: true, stamp: stamp(),
            };
            let codes: Vec<Code> = values.iter().enumerate().map(|(i, value)| Code {
                group: "G".into(), code: value.clone(),
                labels: transfer::labels(&[("ko", &label), ("en", value)]),
                description: Some(format!(" {value}\n")),
                sort_order: i64::try_from(i).unwrap(),
                parent: (with_parent && i > 0).then(|| values[i - 1].clone()),
                valid_from: None, valid_to: None, active: true, attributes: Default::default(), stamp: stamp(),
            }).collect();
            let snapshot = Snapshot::build(1, vec![], vec![group], codes);
            let expected: Vec<CodeDraft> = snapshot.group_codes("G").unwrap().all().iter().map(CodeDraft::from).collect();
            for (format, parsed) in [
                ("json", transfer::parse_json(&transfer::export_json(&snapshot))),
                ("csv", transfer::parse_csv(&transfer::export_csv(&snapshot))),
            ] {
                let dataset: Dataset = parsed.unwrap();
                prop_assert!(dataset.issues.is_empty(), "{}: {:?}", format, dataset.issues);
                let mut got: Vec<CodeDraft> = dataset.codes.into_iter().map(|c| c.record).collect();
                for draft in &mut got {
                    // What an import does to each record before it compares.
                    draft.normalize();
                    prop_assert!(draft.check().is_empty(), "{}: {:?}", format, draft.check());
                }
                prop_assert_eq!(&got, &expected, "{}", format);
            }
        }

        #[test]
        fn csv_and_json_exports_parse_back_to_the_same_content(codes in proptest::collection::vec(code(), 0..12)) {
            let group = CodeGroup {
                id: "G".into(), category: None,
                labels: transfer::labels(&[("ko", "그룹")]), description: Some("설명, \"따옴표\"".into()),
                custodian: None, active: true, stamp: stamp(),
            };
            let mut unique = std::collections::BTreeMap::new();
            for (code, ko, en, description, order, active) in codes {
                let mut labels = transfer::labels(&[("ko", &ko)]);
                if let Some(en) = en { labels.insert("en".into(), en); }
                unique.insert(code.clone(), Code {
                    group: "G".into(), code, labels, description, sort_order: order, parent: None,
                    valid_from: None, valid_to: None, active, attributes: Default::default(), stamp: stamp(),
                });
            }
            let snapshot = Snapshot::build(1, vec![], vec![group], unique.into_values().collect());
            for (exported, parsed) in [
                (transfer::export_csv(&snapshot), transfer::parse_csv(&transfer::export_csv(&snapshot))),
                (transfer::export_json(&snapshot), transfer::parse_json(&transfer::export_json(&snapshot))),
            ] {
                let dataset: Dataset = parsed.unwrap();
                prop_assert!(dataset.issues.is_empty(), "{:?}\n{}", dataset.issues, exported);
                let expected: Vec<CodeDraft> = snapshot.group_codes("G").unwrap().all().iter().map(CodeDraft::from).collect();
                let got: Vec<CodeDraft> = dataset.codes.into_iter().map(|c| c.record).collect();
                prop_assert_eq!(got, expected);
            }
        }

        #[test]
        fn arbitrary_input_never_panics_the_parsers(input in "\\PC{0,200}") {
            let _ = transfer::parse_csv(&input);
            let _ = transfer::parse_json(&input);
            let _ = egov_codes::egovframe::from_dump(&input, time::UtcOffset::UTC, time::OffsetDateTime::UNIX_EPOCH);
        }

        #[test]
        fn csv_lines_are_counted_across_quoted_newlines(breaks in proptest::collection::vec(0usize..3, 1..6)) {
            // Each row's label holds `b` line breaks; the bad flag of the last
            // row must be reported on the line where that row starts.
            let mut csv = String::from("kind,group,code,active,label:ko\r\ngroup,G,,Y,그룹\r\n");
            let mut line = 3;
            for b in &breaks {
                csv.push_str(&format!("code,G,C{line},Y,\"가{}\"\r\n", "\r\n나".repeat(*b)));
                line += 1 + b;
            }
            csv.push_str("code,G,LAST,?,끝\r\n");
            let issues = transfer::parse_csv(&csv).unwrap().issues;
            prop_assert_eq!(issues.len(), 1);
            prop_assert_eq!(issues[0].line, line);
        }
    }
}
