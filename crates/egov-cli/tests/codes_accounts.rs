//! `egov migrate`, `egov codes …` and `egov accounts …`, run as an operator
//! would, on both databases.

use std::process::Output;

use egov_audit::{AuditLog, AuditSettings};
use egov_auth::{AccountStatus, Auth, AuthSettings};
use egov_core::actor::{Actor, Permission};
use egov_privacy::{FieldCipher, PrivacySettings};

mod common;
use common::{egov, printed, stderr, stdout, url, write};

async fn count(db: &egov_db::Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let (n,): (i64,) = egov_db::sqlx::query_as(egov_db::sqlx::AssertSqlSafe(sql))
        .fetch_one(db.pool())
        .await
        .unwrap();
    n
}

/// Secrets of the default (development) configuration: never printed.
const CONFIGURED_SECRETS: [&str; 2] = ["insecure-dev-secret", "$argon2"];

fn assert_no_configured_secret(output: &Output) {
    let text = printed(output);
    for secret in CONFIGURED_SECRETS {
        assert!(!text.contains(secret), "{secret} printed: {text}");
    }
}

/// An egov-codes JSON export, byte for byte as `codes export` writes it:
/// Korean and English labels, a parent code, validity dates, an inactive code,
/// attributes, quotes.
const CODES_JSON: &str = r#"{
  "format": "egov-codes/1",
  "categories": [
    {"id":"PET","labels":{"en":"Petitions","ko":"민원"},"description":"민원 업무 공통코드","active":true}
  ],
  "groups": [
    {"id":"PETITION_STATUS","category":"PET","labels":{"en":"Petition status","ko":"민원 처리상태"},"description":null,"custodian":"민원정책과","active":true},
    {"id":"PETITION_TYPE","category":"PET","labels":{"ko":"민원 유형"},"description":"\"질의\", 건의","custodian":null,"active":true}
  ],
  "codes": [
    {"group":"PETITION_STATUS","code":"RCV","labels":{"en":"Received","ko":"접수"},"description":null,"sort_order":1,"parent":null,"valid_from":null,"valid_to":null,"active":true,"attributes":{}},
    {"group":"PETITION_STATUS","code":"DONE","labels":{"en":"Done","ko":"처리 완료"},"description":null,"sort_order":2,"parent":null,"valid_from":"2020-01-01","valid_to":null,"active":true,"attributes":{"final":true}},
    {"group":"PETITION_TYPE","code":"01","labels":{"ko":"질의"},"description":null,"sort_order":1,"parent":null,"valid_from":null,"valid_to":null,"active":true,"attributes":{}},
    {"group":"PETITION_TYPE","code":"0101","labels":{"ko":"법령 질의"},"description":"질의의 하위 유형","sort_order":2,"parent":"01","valid_from":null,"valid_to":null,"active":true,"attributes":{}},
    {"group":"PETITION_TYPE","code":"09","labels":{"ko":"폐지된 유형"},"description":null,"sort_order":9,"parent":null,"valid_from":"2001-01-01","valid_to":"2019-12-31","active":false,"attributes":{}}
  ]
}
"#;

/// An egov-codes CSV with bad rows on lines 3 (unknown flag), 5 (sort order
/// not an integer) and 6 (unknown group), and good rows around them.
const BAD_CSV: &str = "kind,category,group,code,parent,sort_order,valid_from,valid_to,active,custodian,description,attributes,label:ko\r\n\
group,,GENDER,,,,,,Y,,,,성별\r\n\
code,,GENDER,M,,1,,,maybe,,,,남\r\n\
code,,GENDER,F,,2,,,Y,,,,여\r\n\
code,,GENDER,X,,two,,,Y,,,,기타\r\n\
code,,NO_SUCH_GROUP,01,,1,,,Y,,,,없음\r\n";

/// A realistic extract of an agency's eGovFrame database (MySQL DML).
const EGOV_CODES_DUMP: &str = "-- 공통코드 이관 (eGovFrame 3.x, MySQL)\n\
SET NAMES utf8mb4;\n\
INSERT INTO COMTCCMMNCLCODE (CL_CODE, CL_CODE_NM, CL_CODE_DC, USE_AT, FRST_REGIST_PNTTM, FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID) VALUES\n\
('EFC', '전자정부 프레임워크 공통서비스', NULL, 'Y', '2011-08-31 12:00:00', 'SYSTEM', NULL, NULL);\n\
INSERT INTO `COMTCCMMNCODE` (`CODE_ID`, `CODE_ID_NM`, `CODE_ID_DC`, `USE_AT`, `CL_CODE`, `FRST_REGIST_PNTTM`, `FRST_REGISTER_ID`, `LAST_UPDT_PNTTM`, `LAST_UPDUSR_ID`) VALUES\n\
('COM014', '성별구분', '성별구분코드', 'Y', 'EFC', SYSDATE(), 'SYSTEM', NULL, NULL),\n\
('COM022', '민원 처리상태', '민원 \\'처리\\' 단계', 'Y', 'EFC', '2014-03-02 09:30:15', 'admin', SYSDATE(), 'admin');\n\
INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE, CODE_NM, CODE_DC, USE_AT, FRST_REGIST_PNTTM, FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID) VALUES\n\
('COM014', 'M', '남자', NULL, 'Y', SYSDATE(), 'SYSTEM', NULL, NULL),\n\
('COM014', 'F', '여자', NULL, 'Y', SYSDATE(), 'SYSTEM', NULL, NULL),\n\
('COM022', '01', '접수', '민원 접수', 'Y', '2014-03-02 09:30:15', 'admin', NULL, NULL),\n\
('COM022', '02', '처리중', NULL, 'Y', '2014-03-02 09:30:15', 'admin', NULL, NULL),\n\
('COM022', '99', '반려(폐지)', NULL, 'N', '20100105093000', 'SYSTEM', '2015-01-05 18:00:00', 'admin');\n\
INSERT INTO COMTNEMPLYRINFO (EMPLYR_ID, USER_NM) VALUES ('admin', '관리자');\n";

egov_db::backend_tests! {
    async fn migrate_applies_codes_and_auth(db) {
        let url = url(&db);
        let first = egov(&url, &["migrate"]);
        assert!(first.status.success(), "{first:?}");
        let text = stdout(&first);
        for component in ["egov-db-change", "egov-audit", "egov-codes", "egov-auth"] {
            assert!(text.contains(&format!("applied {component} v1")), "{text}");
        }
        assert_eq!(count(&db, "egov_codes").await, 0);
        assert_eq!(count(&db, "egov_auth_accounts").await, 0);
        let again = egov(&url, &["migrate"]);
        assert!(stdout(&again).contains("up to date"), "{again:?}");
    }

    async fn codes_json_import_then_export_round_trips_bytes(db) {
        let url = url(&db);
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "codes.json", CODES_JSON);

        let imported = egov(&url, &["codes", "import", &file, "--reason", "초기 적재"]);
        assert_eq!(imported.status.code(), Some(0), "{imported:?}");
        assert!(stdout(&imported).contains("created 8, updated 0, unchanged 0"), "{imported:?}");

        let exported = egov(&url, &["codes", "export"]);
        assert!(exported.status.success(), "{exported:?}");
        assert_eq!(stdout(&exported), CODES_JSON);
        let out = dir.path().join("again.json");
        let to_file = egov(&url, &["codes", "export", "--out", out.to_str().unwrap()]);
        assert!(to_file.status.success(), "{to_file:?}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), CODES_JSON);

        // Idempotent; the CSV export round-trips too.
        let again = egov(&url, &["codes", "import", &file]);
        assert!(stdout(&again).contains("created 0, updated 0, unchanged 8"), "{again:?}");
        let csv = egov(&url, &["codes", "export", "--format", "csv"]);
        assert!(csv.status.success());
        assert!(csv.stdout.starts_with("\u{feff}kind,".as_bytes()));
        let csv_file = dir.path().join("codes.csv");
        std::fs::write(&csv_file, &csv.stdout).unwrap();
        let from_csv = egov(&url, &["codes", "import", csv_file.to_str().unwrap()]);
        assert!(stdout(&from_csv).contains("unchanged 8"), "{from_csv:?}");

        // A dry run of a changed file says what would change and writes nothing.
        let changed = CODES_JSON.replace("\"처리 완료\"", "\"완료\"");
        let changed_file = write(dir.path(), "changed.json", &changed);
        let history = count(&db, "egov_code_history").await;
        let dry = egov(&url, &["codes", "import", &changed_file, "--dry-run"]);
        assert_eq!(dry.status.code(), Some(0), "{dry:?}");
        assert!(stdout(&dry).contains("would create 0, update 1, leave 7 unchanged"), "{dry:?}");
        assert_eq!(count(&db, "egov_code_history").await, history);
        assert_eq!(stdout(&egov(&url, &["codes", "export"])), CODES_JSON);
        let real = egov(&url, &["codes", "import", &changed_file, "--as", "kim.ops"]);
        assert!(stdout(&real).contains("created 0, updated 1, unchanged 7"), "{real:?}");
        let (kind, who): (String, Option<String>) = egov_db::sqlx::query_as(
            "SELECT principal_kind, principal_id FROM egov_audit_events ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!((kind.as_str(), who.as_deref()), ("system", Some("egov-cli:kim.ops")));
        let (by, reason): (String, Option<String>) = egov_db::sqlx::query_as(
            "SELECT changed_by, reason FROM egov_code_history WHERE record_key = 'RCV' AND version = 1",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!((by.as_str(), reason.as_deref()), ("system:egov-cli", Some("초기 적재")));
    }

    async fn bad_csv_exits_2_listing_every_line_and_writes_nothing(db) {
        let url = url(&db);
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "bad.csv", BAD_CSV);
        for args in [vec!["codes", "import", &file], vec!["codes", "import", &file, "--dry-run"]] {
            let refused = egov(&url, &args);
            assert_eq!(refused.status.code(), Some(2), "{refused:?}");
            let errors = stderr(&refused);
            for line in ["line 3:", "line 5:", "line 6:"] {
                assert!(errors.contains(line), "{line} missing: {errors}");
            }
            for good in ["line 2:", "line 4:"] {
                assert!(!errors.contains(good), "{good} reported: {errors}");
            }
            assert!(errors.contains("nothing was written"), "{errors}");
            assert!(stdout(&refused).is_empty());
        }
        for table in ["egov_code_categories", "egov_code_groups", "egov_codes", "egov_code_history"] {
            assert_eq!(count(&db, table).await, 0, "{table}");
        }
        let empty = egov(&url, &["codes", "export"]);
        assert!(stdout(&empty).contains("\"groups\": []"), "{empty:?}");

        // Bad usage: an unknown extension, a missing file, not UTF-8.
        let txt = write(dir.path(), "codes.txt", "x");
        assert_eq!(egov(&url, &["codes", "import", &txt]).status.code(), Some(2));
        let missing = egov(&url, &["codes", "import", "/nonexistent/codes.json"]);
        assert_eq!(missing.status.code(), Some(3), "{missing:?}");
        let latin = dir.path().join("latin.csv");
        std::fs::write(&latin, b"kind\xff\n").unwrap();
        let not_utf8 = egov(&url, &["codes", "import", latin.to_str().unwrap()]);
        assert_eq!(not_utf8.status.code(), Some(2), "{not_utf8:?}");
        assert!(stderr(&not_utf8).contains("UTF-8"));
    }

    async fn egovframe_dump_imports_korean_codes(db) {
        let url = url(&db);
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "comtccmmn.sql", EGOV_CODES_DUMP);
        let dry = egov(&url, &["codes", "import", &file, "--dry-run"]);
        assert_eq!(dry.status.code(), Some(0), "{dry:?}");
        assert!(stdout(&dry).contains("would create 8"), "{dry:?}");
        assert_eq!(count(&db, "egov_codes").await, 0);

        let imported = egov(&url, &["codes", "import", &file]);
        assert_eq!(imported.status.code(), Some(0), "{imported:?}");
        assert!(stdout(&imported).contains("created 8, updated 0, unchanged 0"), "{imported:?}");
        let export = stdout(&egov(&url, &["codes", "export"]));
        assert!(export.contains(r#"{"group":"COM014","code":"M","labels":{"ko":"남자"}"#), "{export}");
        assert!(export.contains(r#""description":"민원 '처리' 단계""#), "{export}");
        assert!(export.contains(r#""code":"99","labels":{"ko":"반려(폐지)"}"#), "{export}");
        let (by, reason): (String, Option<String>) = egov_db::sqlx::query_as(
            "SELECT changed_by, reason FROM egov_code_history WHERE group_id = 'COM022' AND record_key = '99'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!((by.as_str(), reason.as_deref()), ("egovframe:admin", Some("eGovFrame migration")));

        // The same data as eGovFrame CSV exports (a directory) changes nothing.
        let csv_dir = dir.path().join("csv");
        std::fs::create_dir(&csv_dir).unwrap();
        write(&csv_dir, "COMTCCMMNCLCODE.csv", "CL_CODE,CL_CODE_NM,CL_CODE_DC,USE_AT\nEFC,전자정부 프레임워크 공통서비스,,Y\n");
        write(&csv_dir, "COMTCCMMNCODE.csv", "CODE_ID,CODE_ID_NM,CODE_ID_DC,USE_AT,CL_CODE\nCOM014,성별구분,성별구분코드,Y,EFC\n");
        write(&csv_dir, "COMTCCMMNDETAILCODE.csv", "CODE_ID,CODE,CODE_NM,CODE_DC,USE_AT\nCOM014,M,남자,,Y\nCOM014,F,여자,,Y\n");
        let from_csv = egov(&url, &["codes", "import", csv_dir.to_str().unwrap()]);
        assert_eq!(from_csv.status.code(), Some(0), "{from_csv:?}");
        assert!(stdout(&from_csv).contains("created 0, updated 0, unchanged 4"), "{from_csv:?}");

        // A broken dump: every bad row, nothing written.
        let bad = EGOV_CODES_DUMP
            .replace("('COM014', 'F', '여자', NULL, 'Y'", "('COM014', 'F', '여자', NULL, 'X'")
            .replace("'20100105093000'", "'2010-13-45'");
        let bad_file = write(dir.path(), "bad.sql", &bad);
        let history = count(&db, "egov_code_history").await;
        let refused = egov(&url, &["codes", "import", &bad_file, "--format", "egovframe-sql"]);
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
        let errors = stderr(&refused);
        assert!(errors.contains("line 10:") && errors.contains("line 13:"), "{errors}");
        assert_eq!(count(&db, "egov_code_history").await, history);
    }

    async fn create_admin_prints_a_password_that_logs_in(db) {
        let url = url(&db);
        let created = egov(&url, &["accounts", "create-admin", "root", "--name", "시스템 관리자"]);
        assert_eq!(created.status.code(), Some(0), "{created:?}");
        let out = stdout(&created);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "stdout is the password alone: {out}");
        let password = lines[0];
        assert!(password.len() >= 20 && password.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(printed(&created).matches(password).count(), 1, "printed once");
        assert!(stderr(&created).contains("EGOV_ADMIN"));
        assert_no_configured_secret(&created);

        let audit = AuditLog::start(db.clone(), &AuditSettings::default()).await.unwrap();
        let cipher = FieldCipher::from_settings(&PrivacySettings::default()).unwrap();
        let auth = Auth::new(db.clone(), AuthSettings::default(), cipher, audit.clone()).await.unwrap();
        let session = auth.login(&Actor::anonymous(), "root", password, None).await.unwrap();
        let who = auth.authenticate(&session.access_token).await.unwrap();
        for permission in ["auth:admin", "codes:write", "audit:read"] {
            assert!(who.permissions.contains(&Permission::new(permission)), "{permission}");
        }
        assert_eq!(auth.account_by_login_id("root").await.unwrap().display_name, "시스템 관리자");

        // The same login id again: a clear error, exit 2, no password.
        let twice = egov(&url, &["accounts", "create-admin", "root"]);
        assert_eq!(twice.status.code(), Some(2), "{twice:?}");
        assert!(stderr(&twice).contains("exists already"), "{twice:?}");
        assert!(stdout(&twice).is_empty());
        assert!(!printed(&twice).contains(password));
        // The first password still works: nothing was changed.
        auth.login(&Actor::anonymous(), "root", password, None).await.unwrap();

        // A second administrator gets another password and the same role.
        let second = egov(&url, &["accounts", "create-admin", "ops.kim", "--as", "hong"]);
        assert_eq!(second.status.code(), Some(0), "{second:?}");
        assert_ne!(stdout(&second).trim(), password);
        assert!(!stderr(&second).contains("now grants"), "the role exists: {second:?}");
        let bad_id = egov(&url, &["accounts", "create-admin", "has space"]);
        assert_eq!(bad_id.status.code(), Some(2), "{bad_id:?}");
        let bad_as = egov(&url, &["accounts", "create-admin", "x", "--as", "a b"]);
        assert_eq!(bad_as.status.code(), Some(2), "{bad_as:?}");

        // `--grant` adds a service's own permission to the administrator role.
        let bad_grant = egov(&url, &["accounts", "create-admin", "y", "--grant", "not a permission"]);
        assert_eq!(bad_grant.status.code(), Some(2), "{bad_grant:?}");
        let editor = egov(&url, &["accounts", "create-admin", "editor", "--grant", "notices:write"]);
        assert_eq!(editor.status.code(), Some(0), "{editor:?}");
        assert!(stderr(&editor).contains("notices:write"), "{editor:?}");
        // A fresh instance: this one's role cache would follow the CLI's change only
        // at its next poll (1 s) on SQLite.
        let cipher = FieldCipher::from_settings(&PrivacySettings::default()).unwrap();
        let fresh = Auth::new(db.clone(), AuthSettings::default(), cipher, audit.clone()).await.unwrap();
        let session = fresh
            .login(&Actor::anonymous(), "editor", stdout(&editor).trim(), None)
            .await
            .unwrap();
        let who = fresh.authenticate(&session.access_token).await.unwrap();
        assert!(who.permissions.contains(&Permission::new("notices:write")));
        audit.shutdown().await;
    }

    async fn unlock_unknown_exits_2_and_known_locked_account_unlocks(db) {
        let url = url(&db);
        let unknown = egov(&url, &["accounts", "unlock", "nobody"]);
        assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
        assert!(stderr(&unknown).contains("no account with login id `nobody`"), "{unknown:?}");

        let created = egov(&url, &["accounts", "create-admin", "root"]);
        assert!(created.status.success(), "{created:?}");
        egov_db::sqlx::query(
            "UPDATE egov_auth_accounts SET status = 'locked', failed_count = 100 WHERE login_id = 'root'",
        )
        .execute(db.pool())
        .await
        .unwrap();
        let unlocked = egov(&url, &["accounts", "unlock", "root"]);
        assert_eq!(unlocked.status.code(), Some(0), "{unlocked:?}");
        assert!(stdout(&unlocked).contains("locked → active"), "{unlocked:?}");
        assert_no_configured_secret(&unlocked);
        let (status, failures): (String, i64) = egov_db::sqlx::query_as(
            "SELECT status, failed_count FROM egov_auth_accounts WHERE login_id = 'root'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!((status.as_str(), failures), ("active", 0));
    }

    async fn import_egovframe_creates_the_accounts(db) {
        let url = url(&db);
        let dir = tempfile::tempdir().unwrap();
        let hong = egov_auth::password::egov_sha256("hong.gildong", "egov1234!");
        let kim = egov_auth::password::egov_sha256("kim.cs", "rhdanjs!2011");
        let dump = format!(
            "-- 업무사용자 이관\n\
             INSERT INTO COMTNAUTHORINFO VALUES ('ROLE_ADMIN','관리자','시스템관리자','2011-08-31'),('ROLE_USER','일반사용자',NULL,'2011-08-31');\n\
             INSERT INTO COMTNROLES_HIERARCHY (PARNTS_ROLE, CHLDRN_ROLE) VALUES ('ROLE_USER','ROLE_ADMIN');\n\
             INSERT INTO `COMTNEMPLYRINFO` (`EMPLYR_ID`, `ORGNZT_ID`, `USER_NM`, `PASSWORD`, `EMAIL_ADRES`, `LOCK_AT`, `LOCK_CNT`, `EMPLYR_STTUS_CODE`, `ESNTL_ID`, `SBSCRB_DE`) VALUES\n\
             ('hong.gildong', 'ORGNZT_0000000000000', '홍길동', '{hong}', 'hong@agency.go.kr', 'N', 0, 'P', 'USRCNFRM_00000000001', SYSDATE()),\n\
             ('kim.cs', NULL, '김철수', '{kim}', NULL, 'Y', 5, 'P', 'USRCNFRM_00000000002', '2014-03-02 09:30:15'),\n\
             ('retired', NULL, '퇴직자', NULL, NULL, 'N', 0, 'D', 'USRCNFRM_00000000003', NULL);\n\
             INSERT INTO COMTNEMPLYRSCRTYESTBS VALUES ('USRCNFRM_00000000001','USR','ROLE_ADMIN'),('USRCNFRM_00000000002','USR','ROLE_USER');\n"
        );
        let file = write(dir.path(), "comtnemplyrinfo.sql", &dump);
        let imported = egov(&url, &["accounts", "import-egovframe", &file]);
        assert_eq!(imported.status.code(), Some(0), "{imported:?}");
        let out = stdout(&imported);
        assert!(out.contains("accounts: 3 created, 0 skipped"), "{out}");
        assert!(out.contains("role assignments: 2 made"), "{out}");
        for hash in [&hong, &kim] {
            assert!(!printed(&imported).contains(hash.as_str()), "a hash was printed");
        }
        assert_no_configured_secret(&imported);

        let audit = AuditLog::start(db.clone(), &AuditSettings::default()).await.unwrap();
        let cipher = FieldCipher::from_settings(&PrivacySettings::default()).unwrap();
        let auth = Auth::new(db.clone(), AuthSettings::default(), cipher, audit.clone()).await.unwrap();
        let hong_account = auth.account_by_login_id("hong.gildong").await.unwrap();
        assert_eq!(hong_account.display_name, "홍길동");
        assert!(hong_account.roles.contains("ROLE_ADMIN"));
        assert_eq!(auth.account_by_login_id("kim.cs").await.unwrap().status, AccountStatus::Locked);
        assert_eq!(auth.account_by_login_id("retired").await.unwrap().status, AccountStatus::Disabled);
        // The eGovFrame password logs in (and is upgraded to Argon2id).
        auth.login(&Actor::anonymous(), "hong.gildong", "egov1234!", None).await.unwrap();

        // Importing again skips and lists the existing login ids.
        let again = egov(&url, &["accounts", "import-egovframe", &file, "--format", "sql"]);
        assert_eq!(again.status.code(), Some(0), "{again:?}");
        assert!(stdout(&again).contains("0 created, 3 skipped"), "{again:?}");
        assert!(stdout(&again).contains("(kim.cs): an account with this login id exists"), "{again:?}");

        // The locked account unlocks with its eGovFrame password intact.
        let unlocked = egov(&url, &["accounts", "unlock", "kim.cs"]);
        assert!(stdout(&unlocked).contains("locked → active"), "{unlocked:?}");
        auth.login(&Actor::anonymous(), "kim.cs", "rhdanjs!2011", None).await.unwrap();

        // CSV files named after their table; bad rows are listed, nothing written.
        let before = count(&db, "egov_auth_accounts").await;
        let csv = write(
            dir.path(),
            "COMTNEMPLYRINFO.csv",
            "EMPLYR_ID,USER_NM,PASSWORD,EMPLYR_STTUS_CODE,ESNTL_ID\n\
             lee.yh,이영희,,P,USRCNFRM_00000000010\n\
             lee.yh,이영희2,,P,USRCNFRM_00000000011\n\
             park js,박정수,not-a-hash,P,USRCNFRM_00000000012\n",
        );
        let refused = egov(&url, &["accounts", "import-egovframe", &csv]);
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
        let listed = printed(&refused);
        assert!(listed.contains("line 3 (lee.yh): EMPLYR_ID repeats the row at line 2"), "{listed}");
        assert!(listed.contains("line 4 (park js)"), "{listed}");
        assert!(!listed.contains("not-a-hash"));
        assert_eq!(count(&db, "egov_auth_accounts").await, before);
        let good_csv = write(
            dir.path(),
            "comtnemplyrinfo.csv",
            "\u{feff}EMPLYR_ID,USER_NM,PASSWORD,EMPLYR_STTUS_CODE,ESNTL_ID\nlee.yh,이영희,,P,USRCNFRM_00000000010\n",
        );
        let from_csv = egov(&url, &["accounts", "import-egovframe", &good_csv]);
        assert!(stdout(&from_csv).contains("accounts: 1 created"), "{from_csv:?}");
        let wrong_name = write(dir.path(), "users.csv", "EMPLYR_ID\nx\n");
        assert_eq!(egov(&url, &["accounts", "import-egovframe", &wrong_name]).status.code(), Some(2));
        audit.shutdown().await;
    }
}
