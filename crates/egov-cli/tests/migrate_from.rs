//! `egov migrate-from egovframe`, run as an operator would, on both databases:
//! the dry run writes nothing, `--apply` imports codes and members of all three
//! types with their roles, hostile dumps are refused with nothing written, and
//! eGovFrame's own published seed scripts import with no refusal.

use std::path::{Path, PathBuf};

use egov_audit::{AuditLog, AuditSettings};
use egov_auth::{Auth, AuthSettings};
use egov_core::actor::Actor;
use egov_privacy::{FieldCipher, PrivacySettings};

mod common;
use common::{egov, printed, stdout, write};

async fn count(db: &egov_db::Db, sql: &str) -> i64 {
    let (n,): (i64,) = egov_db::sqlx::query_as(egov_db::sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(db.pool())
        .await
        .unwrap();
    n
}

/// The numbers of `table`'s line in the report: read, imported, unchanged,
/// skipped, refused.
fn counts(report: &str, table: &str) -> Option<Vec<usize>> {
    report.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some(table)).then(|| words.map(|w| w.parse().ok()).collect())?
    })
}

/// The `read` column of `table`'s line in the report.
fn read_count(report: &str, table: &str) -> Option<usize> {
    counts(report, table).map(|c| c[0])
}

/// A dump in MySQL dialect with what real agency dumps hold: code values that
/// are not identifiers, a label with a trailing space, all three member types
/// (eGovFrame's published default password), an organization and a group, the
/// role hierarchy, assignments for all three types and one for nobody, URL
/// security, a table egov-rs has no counterpart for and a misspelled one.
fn dump() -> String {
    let hash = |id: &str| egov_auth::password::egov_sha256(id, "rhdxhd12");
    format!(
        "INSERT INTO COMTCCMMNCLCODE (CL_CODE, CL_CODE_NM, CL_CODE_DC, USE_AT, FRST_REGIST_PNTTM, FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID) VALUES ('EFC', '전자정부 프레임워크 공통서비스', NULL, 'Y', SYSDATE(), 'SYSTEM', SYSDATE(), 'SYSTEM');\n\
         INSERT INTO COMTCCMMNCODE (CL_CODE, CODE_ID, CODE_ID_NM, CODE_ID_DC, USE_AT, FRST_REGIST_PNTTM, FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID) VALUES ('EFC', 'COM999', '날짜 형식', NULL, 'Y', SYSDATE(), 'SYSTEM', SYSDATE(), 'SYSTEM');\n\
         INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE, CODE_NM, CODE_DC, USE_AT, FRST_REGIST_PNTTM, FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID) VALUES\n\
         ('COM999', '%Y-%m', 'Continue ', NULL, 'Y', SYSDATE(), 'SYSTEM', SYSDATE(), 'SYSTEM'),\n\
         ('COM999', 'A/B', '빗금', NULL, 'Y', SYSDATE(), 'SYSTEM', SYSDATE(), 'SYSTEM'),\n\
         ('COM999', '1 2', '''); DROP TABLE egov_codes; --', NULL, 'Y', SYSDATE(), 'SYSTEM', SYSDATE(), 'SYSTEM'),\n\
         ('COM999', '한글', '한글 코드', NULL, 'Y', SYSDATE(), 'SYSTEM', SYSDATE(), 'SYSTEM');\n\
         INSERT INTO COMTCCMMNDETAILCDE (CODE_ID, CODE) VALUES ('COM999', 'X');\n\
         INSERT INTO COMTNMENUINFO (MENU_NM, MENU_NO) VALUES ('메뉴', 1), ('메뉴2', 2);\n\
         INSERT INTO COMTNORGNZTINFO ( ORGNZT_ID, ORGNZT_NM, ORGNZT_DC ) VALUES ( 'ORGNZT_0000000000000', '기본조직', '기본조직');\n\
         INSERT INTO COMTNAUTHORGROUPINFO ( GROUP_ID, GROUP_NM, GROUP_CREAT_DE,GROUP_DC ) VALUES ( 'GROUP_00000000000000', '0번  그룹입니다',  SYSDATE(), '0번  그룹입니다');\n\
         INSERT INTO COMTNEMPLYRINFO (EMPLYR_ID, ORGNZT_ID, USER_NM, PASSWORD, EMAIL_ADRES, GROUP_ID, EMPLYR_STTUS_CODE, ESNTL_ID) VALUES ('webmaster','ORGNZT_0000000000000','웹마스터','{w}','webmaster@example.go.kr','GROUP_00000000000000','P','USRCNFRM_00000000000');\n\
         INSERT INTO COMTNGNRLMBER (MBER_ID,PASSWORD,MBER_NM,MBER_STTUS,GROUP_ID,ESNTL_ID) values ('USER','{u}','일반회원','P','GROUP_00000000000000','USRCNFRM_00000000001'), (NULL, NULL, '아이디 없음', 'P', NULL, 'USRCNFRM_00000000009');\n\
         INSERT INTO COMTNENTRPRSMBER (ENTRPRS_MBER_ID,CMPNY_NM,ENTRPRS_MBER_PASSWORD,ENTRPRS_MBER_STTUS,GROUP_ID,ESNTL_ID) values ('ENTERPRISE','NIA','{e}','P','GROUP_00000000000000','USRCNFRM_00000000002');\n\
         INSERT INTO COMTNAUTHORINFO (AUTHOR_CODE, AUTHOR_NM, AUTHOR_DC, AUTHOR_CREAT_DE) VALUES ('ROLE_ADMIN', '관리자', '시스템관리자', SYSDATE()), ('ROLE_USER_MEMBER', '일반회원', NULL, SYSDATE()), ('ROLE_USER', '사용자', NULL, SYSDATE());\n\
         INSERT INTO COMTNROLES_HIERARCHY (PARNTS_ROLE, CHLDRN_ROLE) VALUES ('ROLE_USER', 'ROLE_ADMIN'), ('ROLE_USER_MEMBER', 'ROLE_USER');\n\
         INSERT INTO COMTNEMPLYRSCRTYESTBS (SCRTY_DTRMN_TRGET_ID, MBER_TY_CODE, AUTHOR_CODE) VALUES ('USRCNFRM_00000000000', 'USR03', 'ROLE_ADMIN'), ('USRCNFRM_00000000001', 'USR01', 'ROLE_USER_MEMBER'), ('USRCNFRM_00000000002', 'USR02', 'ROLE_USER'), ('USRCNFRM_99999999999', 'USR01', 'ROLE_ADMIN'), ('USRCNFRM_00000000001', 'USR01', 'ROLE_NOWHERE');\n\
         INSERT INTO COMTNROLEINFO (ROLE_CODE, ROLE_NM, ROLE_PTTRN, ROLE_DC, ROLE_TY, ROLE_SORT, ROLE_CREAT_DE) VALUES('web-000001', '로그인롤', '\\\\A/uat/uia/.*\\\\.do.*\\\\Z', '로그인허용을 위한 롤', 'url', '1', SYSDATE());\n\
         INSERT INTO COMTNAUTHORROLERELATE (AUTHOR_CODE, ROLE_CODE, CREAT_DT) VALUES ('ROLE_ADMIN', 'web-000001', SYSDATE());\n",
        w = hash("webmaster"),
        u = hash("USER"),
        e = hash("ENTERPRISE"),
    )
}

async fn start_auth(db: &egov_db::Db) -> (Auth, AuditLog) {
    let audit = AuditLog::start(db.clone(), &AuditSettings::default())
        .await
        .unwrap();
    let cipher = FieldCipher::from_settings(&PrivacySettings::default()).unwrap();
    let auth = Auth::new(db.clone(), AuthSettings::default(), cipher, audit.clone())
        .await
        .unwrap();
    (auth, audit)
}

/// The quoted values of each `INSERT INTO table` line of `text` (one row per
/// statement, as eGovFrame writes its scripts), read without the importer.
fn quoted_rows(text: &str, table: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| {
            let upper = l.trim_start().to_ascii_uppercase();
            upper.starts_with(&format!("INSERT INTO {table} "))
                || upper.starts_with(&format!("INSERT INTO {table}("))
        })
        .map(|line| {
            let values = &line[line.to_ascii_uppercase().find("VALUES").unwrap()..];
            let mut out = Vec::new();
            let mut chars = values.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '\'' {
                    continue;
                }
                let mut value = String::new();
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    value.push(c);
                }
                out.push(value);
            }
            out
        })
        .collect()
}

/// eGovFrame's published DML seed scripts (`script/dml/<dialect>/com_DML_<dialect>.sql`
/// of egovframe-common-components), when this machine has them: the directory
/// in `EGOV_EGOVFRAME_SCRIPTS`, else `/tmp/egovdml`. They are not part of this
/// repository.
fn published_scripts() -> Option<Vec<(String, PathBuf)>> {
    let dir = std::env::var_os("EGOV_EGOVFRAME_SCRIPTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/egovdml"));
    let scripts: Vec<(String, PathBuf)> = [
        "mysql",
        "maria",
        "postgres",
        "oracle",
        "tibero",
        "altibase",
        "cubrid",
        "goldilocks",
    ]
    .iter()
    .map(|d| ((*d).to_owned(), dir.join(format!("{d}.sql"))))
    .filter(|(_, p)| p.exists())
    .collect();
    if scripts.is_empty() {
        eprintln!(
            "SKIPPED: eGovFrame's published seed scripts are not on this machine \
             (set EGOV_EGOVFRAME_SCRIPTS to a directory of <dialect>.sql files)"
        );
        return None;
    }
    Some(scripts)
}

egov_db::backend_tests! {
    async fn dry_run_writes_nothing_and_apply_imports_every_member_type(db) {
        let url = common::url(&db);
        assert!(egov(&url, &["migrate"]).status.success());
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "dump.sql", dump());

        let dry = egov(&url, &["migrate-from", "egovframe", &file]);
        let report = stdout(&dry);
        assert_eq!(dry.status.code(), Some(3), "{}", printed(&dry));
        assert!(report.contains("dry run: nothing was written"), "{report}");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_auth_accounts").await, 0);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_codes").await, 0);
        // Counts per table, the misspelled and the foreign table listed, URL security reported.
        assert_eq!(read_count(&report, "COMTCCMMNDETAILCODE"), Some(4), "{report}");
        assert_eq!(read_count(&report, "COMTNGNRLMBER"), Some(2), "{report}");
        assert!(report.contains("COMTCCMMNDETAILCDE") && report.contains("COMTNMENUINFO"), "{report}");
        assert!(report.contains("ROLE_ADMIN: \\A/uat/uia/.*\\.do.*\\Z"), "{report}");
        assert!(report.contains("USRCNFRM_99999999999") && report.contains("ROLE_NOWHERE"), "{report}");
        assert!(report.contains("MBER_ID is NULL or blank"), "{report}");
        for id in ["webmaster", "USER", "ENTERPRISE"] {
            let hash = egov_auth::password::egov_sha256(id, "rhdxhd12");
            assert!(!printed(&dry).contains(&hash), "a hash was printed");
        }

        let applied = egov(&url, &["migrate-from", "egovframe", &file, "--apply"]);
        assert_eq!(applied.status.code(), Some(3), "{}", printed(&applied));
        assert!(stdout(&applied).contains("applied"));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_auth_accounts").await, 3);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM egov_auth_accounts WHERE member_type IN ('USR01', 'USR02', 'USR03') AND group_id = 'GROUP_00000000000000'").await,
            3
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_auth_organizations").await, 1);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_codes WHERE group_id = 'COM999'").await, 4);
        let (label,): (String,) = egov_db::sqlx::query_as(
            "SELECT labels FROM egov_codes WHERE group_id = 'COM999' AND code = '%Y-%m'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(label.contains("\"Continue \""), "{label}");

        // All three types log in with their eGovFrame password, roles resolved by ESNTL_ID.
        let (auth, audit) = start_auth(&db).await;
        for (login, role) in [("webmaster", "ROLE_ADMIN"), ("user", "ROLE_USER_MEMBER"), ("enterprise", "ROLE_USER")] {
            let session = auth.login(&Actor::anonymous(), login, "rhdxhd12", None).await.unwrap();
            // eGovFrame's published default: in, but only to change it.
            assert!(session.password_change_required, "{login}");
            let who = auth.authenticate(&session.access_token).await.unwrap();
            assert!(who.password_change_required, "{login}");
            assert!(who.roles.contains(role), "{login}: {:?}", who.roles);
        }
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM egov_auth_accounts WHERE password_hash LIKE '$argon2id$%'").await,
            3
        );
        audit.shutdown().await;

        // Again: nothing new; the existing accounts are skipped, the codes unchanged.
        let again = egov(&url, &["migrate-from", "egovframe", &file, "--apply"]);
        assert_eq!(again.status.code(), Some(3), "{}", printed(&again));
        assert_eq!(counts(&stdout(&again), "COMTCCMMNDETAILCODE"), Some(vec![4, 0, 4, 0, 0]), "{}", stdout(&again));
        assert_eq!(counts(&stdout(&again), "COMTNEMPLYRINFO"), Some(vec![1, 0, 0, 1, 0]), "{}", stdout(&again));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_auth_accounts").await, 3);
    }

    async fn hostile_dumps_are_refused_and_write_nothing(db) {
        let url = common::url(&db);
        assert!(egov(&url, &["migrate"]).status.success());
        let dir = tempfile::tempdir().unwrap();
        let full = dump();
        let cut = &full[..full.find("('COM999', 'A/B'").unwrap() + 12];
        let mut invalid = full.clone().into_bytes();
        let at = full.find("웹마스터").unwrap();
        invalid[at] = 0xff;
        let nul = full.replace("'빗금'", "'빗\\0금'");
        for (name, bytes, expected) in [
            ("truncated.sql", cut.as_bytes().to_vec(), "ends inside"),
            ("invalid.sql", invalid, "UTF-8"),
            ("nul.sql", nul.into_bytes(), "line 5"),
        ] {
            let file = write(dir.path(), name, &bytes);
            let refused = egov(&url, &["migrate-from", "egovframe", &file, "--apply"]);
            assert_eq!(refused.status.code(), Some(2), "{name}: {}", printed(&refused));
            assert!(printed(&refused).contains(expected), "{name}: {}", printed(&refused));
            assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_auth_accounts").await, 0, "{name}");
            assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_codes").await, 0, "{name}");
        }
    }

    async fn an_existing_login_id_gets_nothing_from_the_dump(db) {
        let url = common::url(&db);
        assert!(egov(&url, &["migrate"]).status.success());
        let (auth, audit) = start_auth(&db).await;
        let mine = auth
            .create_account(
                &Actor::system("test"),
                egov_auth::NewAccount {
                    login_id: "webmaster".into(),
                    display_name: "이 서비스의 웹마스터".into(),
                    email: None,
                    password: "a long and unusual passphrase 2026".into(),
                    roles: Default::default(),
                },
            )
            .await
            .unwrap();
        audit.shutdown().await;
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "dump.sql", dump());
        let applied = egov(&url, &["migrate-from", "egovframe", &file, "--apply"]);
        assert_eq!(applied.status.code(), Some(3), "{}", printed(&applied));
        assert!(stdout(&applied).contains("ESNTL_ID belongs to `webmaster`, which was skipped"), "{}", stdout(&applied));
        let (auth, audit) = start_auth(&db).await;
        assert!(auth.account(mine.id).await.unwrap().roles.is_empty(), "the existing account got the dump's roles");
        audit.shutdown().await;
    }

    async fn csv_exports_named_after_their_tables_import_the_same_way(db) {
        let url = common::url(&db);
        assert!(egov(&url, &["migrate"]).status.success());
        let dir = tempfile::tempdir().unwrap();
        let hash = egov_auth::password::egov_sha256("hong", "a long passphrase of hong 2011");
        write(dir.path(), "COMTCCMMNCODE.csv", "CODE_ID,CODE_ID_NM,CODE_ID_DC,USE_AT\nCOM999,날짜 형식,,Y\n");
        write(dir.path(), "COMTCCMMNDETAILCODE.csv", "\u{feff}CODE_ID,CODE,CODE_NM,USE_AT\nCOM999,%Y-%m,\"Continue \",Y\nCOM999,A/B,빗금,Y\n");
        write(dir.path(), "COMTNEMPLYRINFO.csv", format!("EMPLYR_ID,USER_NM,PASSWORD,EMPLYR_STTUS_CODE,ESNTL_ID\nhong,홍길동,{hash},P,USRCNFRM_1\n"));
        write(dir.path(), "COMTNAUTHORINFO.csv", "AUTHOR_CODE,AUTHOR_NM\nROLE_ADMIN,관리자\n");
        write(dir.path(), "COMTNEMPLYRSCRTYESTBS.csv", "SCRTY_DTRMN_TRGET_ID,MBER_TY_CODE,AUTHOR_CODE\nUSRCNFRM_1,USR03,ROLE_ADMIN\n");
        write(dir.path(), "COMTCCMMNDETAILCDE.csv", "CODE_ID,CODE\nCOM999,X\n");
        let applied = egov(&url, &["migrate-from", "egovframe", &dir.path().display().to_string(), "--apply"]);
        let report = stdout(&applied);
        // The misspelled export is listed, not silently ignored: exit 3.
        assert_eq!(applied.status.code(), Some(3), "{}", printed(&applied));
        assert!(report.contains("COMTCCMMNDETAILCDE"), "{report}");
        assert_eq!(counts(&report, "COMTCCMMNDETAILCODE"), Some(vec![2, 2, 0, 0, 0]), "{report}");
        assert_eq!(counts(&report, "COMTNEMPLYRSCRTYESTBS"), Some(vec![1, 1, 0, 0, 0]), "{report}");
        let (label,): (String,) = egov_db::sqlx::query_as(
            "SELECT labels FROM egov_codes WHERE group_id = 'COM999' AND code = '%Y-%m'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(label.contains("\"Continue \""), "{label}");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM egov_auth_assignments WHERE role = 'ROLE_ADMIN'").await, 1);
    }

    async fn published_seed_scripts_of_every_dialect_import_without_refusal(db) {
        let Some(scripts) = published_scripts() else { return };
        let url = common::url(&db);
        assert!(egov(&url, &["migrate"]).status.success());
        for (dialect, path) in &scripts {
            let text = std::fs::read_to_string(path).unwrap();
            let dialect_arg = if dialect == "maria" { "mariadb" } else { dialect.as_str() };
            let dry = egov(&url, &["migrate-from", "egovframe", &path.display().to_string(), "--dialect", dialect_arg]);
            let report = stdout(&dry);
            assert_eq!(dry.status.code(), Some(3), "{dialect}: {}", printed(&dry));
            assert!(!report.contains("REFUSED"), "{dialect}: {report}");
            // eGovFrame's scripts write one row per statement: count the
            // statements of each table in the raw text.
            for table in ["COMTCCMMNCLCODE", "COMTCCMMNCODE", "COMTCCMMNDETAILCODE", "COMTNEMPLYRINFO", "COMTNGNRLMBER", "COMTNENTRPRSMBER", "COMTNAUTHORINFO", "COMTNROLES_HIERARCHY", "COMTNEMPLYRSCRTYESTBS"] {
                let expected = text
                    .lines()
                    .filter(|l| {
                        let upper = l.trim_start().to_ascii_uppercase();
                        upper.starts_with(&format!("INSERT INTO {table} "))
                            || upper.starts_with(&format!("INSERT INTO {table}("))
                    })
                    .count();
                assert_eq!(read_count(&report, table), Some(expected), "{dialect} {table}: {report}");
            }
        }

        // Applied: the first script writes every code; the same codes from
        // every other dialect's script are then byte-identical (unchanged).
        let (first, rest) = scripts.split_first().unwrap();
        let apply = |dialect: &str, path: &Path| {
            let dialect = if dialect == "maria" { "mariadb" } else { dialect };
            egov(&url, &["migrate-from", "egovframe", &path.display().to_string(), "--dialect", dialect, "--apply"])
        };
        let applied = apply(&first.0, &first.1);
        assert_eq!(applied.status.code(), Some(3), "{}", printed(&applied));
        let details = counts(&stdout(&applied), "COMTCCMMNDETAILCODE").unwrap();
        assert_eq!(details[1], details[0], "{}", stdout(&applied));
        // What the database holds: the last script applied (each has every row).
        let mut held = std::fs::read_to_string(&first.1).unwrap();
        for (dialect, path) in rest {
            let text = std::fs::read_to_string(path).unwrap();
            let again = apply(dialect, path);
            assert_eq!(again.status.code(), Some(3), "{dialect}: {}", printed(&again));
            for table in ["COMTCCMMNCLCODE", "COMTCCMMNCODE", "COMTCCMMNDETAILCODE"] {
                // Rows whose quoted values differ from the previous script's
                // (eGovFrame's Tibero script describes COM101 differently).
                let before = quoted_rows(&held, table);
                let differing = quoted_rows(&text, table)
                    .iter()
                    .filter(|row| !before.contains(row))
                    .count();
                let numbers = counts(&stdout(&again), table).unwrap();
                assert_eq!(
                    numbers[1..],
                    [differing, numbers[0] - differing, 0, 0],
                    "{dialect} {table}: {}",
                    stdout(&again)
                );
            }
            held = text;
        }
        // Export → import of what the scripts made changes nothing.
        let dir = tempfile::tempdir().unwrap();
        let exported = egov(&url, &["codes", "export"]);
        assert!(exported.status.success());
        let file = write(dir.path(), "codes.json", &exported.stdout);
        let reimported = egov(&url, &["codes", "import", &file]);
        assert!(stdout(&reimported).contains("created 0, updated 0"), "{}", printed(&reimported));
    }
}
