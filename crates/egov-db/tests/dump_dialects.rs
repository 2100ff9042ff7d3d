//! Each dialect's syntax, read from a small dump written for this test
//! (`tests/fixtures/dump/<dialect>.sql`), and the dialect names and guesses.

use std::path::PathBuf;

use egov_db::dump::{
    Dialect, DumpReader, InsertStatement, SqlValue, detect_dialect, parse_inserts, parse_inserts_in,
};

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_owned())
}

fn call(s: &str) -> SqlValue {
    SqlValue::Call(s.to_owned())
}

fn number(s: &str) -> SqlValue {
    SqlValue::Number(s.to_owned())
}

fn fixture(dialect: Dialect) -> Vec<InsertStatement> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dump")
        .join(format!("{dialect}.sql"));
    let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    DumpReader::new(file, dialect)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An expected value, short enough for a table: text, call, number, NULL.
#[derive(Debug, Clone, Copy)]
enum V {
    T(&'static str),
    C(&'static str),
    N(&'static str),
    Null,
}

impl From<V> for SqlValue {
    fn from(value: V) -> Self {
        match value {
            V::T(s) => text(s),
            V::C(s) => call(s),
            V::N(s) => number(s),
            V::Null => SqlValue::Null,
        }
    }
}

const ROLE: &str = "COMTNROLEINFO";
const GROUP: &str = "COMTNAUTHORGROUPINFO";
const CODE: &str = "COMTCCMMNCODE";
const ROLE_COLUMNS: &[&str] = &["ROLE_CODE", "ROLE_PTTRN", "ROLE_DC", "ROLE_CREAT_DE"];
const LOGIN: &str = r"\A/uat/uia/.*\.do.*\Z";

/// One expected row: table, line, values.
type Row = (&'static str, usize, &'static [V]);

/// What a fixture reads as: the column list of each statement, and every row.
type Fixture = (Dialect, &'static [&'static [&'static str]], &'static [Row]);

#[rustfmt::skip]
const FIXTURES: &[Fixture] = {
    use V::*;
    &[
        (Dialect::Mysql, &[ROLE_COLUMNS, &[], &[]], &[
            (ROLE, 14, &[T("web-000001"), T(LOGIN), T("로그인 '허용' 롤"), C("SYSDATE()")]),
            (ROLE, 14, &[T("web-000002"), T("/EgovLeft.do"), T("double \"quoted\""), C("NOW()")]),
            (ROLE, 23, &[T("web-000003"), T("line\nbreak\ttab\0nul"), T(r"O'Brien \% 100\_"),
                C("STR_TO_DATE('2009-02-04', '%Y-%m-%d')")]),
            (ROLE, 25, &[T("web-000004"), C("X'1F'"), N("-12.50"), N("1e3")]),
        ]),
        (Dialect::Mariadb, &[&[], &[]], &[
            (CODE, 10, &[T("COM001"), T("등록구분"), T(r"C:\egov\upload\"), T("Y"), C("SYSDATE()")]),
            (CODE, 11, &[T("COM002"), T(r#"경로 "C:\temp""#), T("tab\there"), T("N"), C("CURRENT_TIMESTAMP")]),
            (CODE, 12, &[T("COM003"), T("national 'q'"), Null, T("Y"), C("DATE_FORMAT(NOW(), '%Y%m%d')")]),
        ]),
        (Dialect::Postgres, &[ROLE_COLUMNS, ROLE_COLUMNS, &[]], &[
            (ROLE, 27, &[T("web-000001"), T(LOGIN), T("로그인 '허용' 롤"), C("NOW()")]),
            (ROLE, 28, &[T("web-000002"), T("tab\there\nline \\ 'q' AA é 가"), T("2020-01-01 10:00:00"),
                T("{1,2}")]),
            (ROLE, 29, &[T("web-000003"), T(r"dollar 'quoted' \ "), T("with $$ inside"), C("CURRENT_TIMESTAMP")]),
        ]),
        (Dialect::Oracle, &[ROLE_COLUMNS, ROLE_COLUMNS, &[]], &[
            (ROLE, 4, &[T("web-000001"), T(LOGIN), T("로그인 '허용' 롤"), C("SYSDATE")]),
            (ROLE, 5, &[T("web-000002"), T("it's [bracketed]"), T("national"),
                C("TO_DATE('2011-08-31', 'YYYY-MM-DD')")]),
            (ROLE, 12, &[T("web-000003"), T("a 'q' quote"), T(r"C:\temp\"), C("SYSTIMESTAMP")]),
        ]),
        (Dialect::Tibero, &[&["GROUP_ID", "GROUP_NM", "GROUP_CREAT_DE", "GROUP_DC"], &[]], &[
            (GROUP, 3, &[T("GROUP_00000000000000"), T("기본 그룹"), C("TO_CHAR(SYSDATE, 'YYYYMMDD')"),
                T(r"back\slash")]),
            (GROUP, 12, &[T("GROUP_00000000000001"), T("don't"), T("20110831"), T("국가 ''문자''")]),
        ]),
        (Dialect::Altibase, &[&["GROUP_ID", "GROUP_NM", "GROUP_CREAT_DE", "GROUP_DC"], &[]], &[
            (GROUP, 3, &[T("GROUP_00000000000000"), T("0번  그룹입니다"), C("TO_CHAR(SYSDATE, 'YYYYMMDD')"),
                T(r"\A/.*\.do.*\Z")]),
            (GROUP, 11, &[T("GROUP_00000000000001"), T("그룹 \"1\""), C("SYSDATE"), Null]),
        ]),
        (Dialect::Cubrid, &[ROLE_COLUMNS, ROLE_COLUMNS, &[]], &[
            (ROLE, 3, &[T("web-000001"), T(LOGIN), T("로그인 롤"), C("SYSDATETIME")]),
            (ROLE, 4, &[T("web-000002"), T("it's"), T("national"), C("SYS_DATETIME")]),
            (ROLE, 7, &[T("web-000003"), T(r"C:\temp\"), T(""), C("TO_DATE('2011-08-31', 'YYYY-MM-DD')")]),
        ]),
        (Dialect::Goldilocks, &[ROLE_COLUMNS, &[], &[]], &[
            (ROLE, 2, &[T("web-000001"), T(LOGIN), T("로그인 롤"), C("SYSDATE")]),
            (ROLE, 11, &[T("web-000002"), T(r"a\nb"), T("national"), C("DATE '2011-08-31'")]),
            (ROLE, 13, &[T("web-000003"), T("/"), T("-- not a comment"), C("CURRENT_TIMESTAMP")]),
        ]),
    ]
};

#[test]
fn each_dialects_fixture_reads_as_written() {
    assert_eq!(FIXTURES.len(), Dialect::ALL.len());
    for &(dialect, columns, rows) in FIXTURES {
        let statements = fixture(dialect);
        let read_columns: Vec<&[String]> =
            statements.iter().map(|s| s.columns.as_slice()).collect();
        assert_eq!(read_columns, columns, "{dialect}");
        let read_rows: Vec<(&str, usize, &[SqlValue])> = statements
            .iter()
            .flat_map(|s| {
                s.rows
                    .iter()
                    .map(|r| (s.table.as_str(), r.line, r.values.as_slice()))
            })
            .collect();
        let expected: Vec<(&str, usize, Vec<SqlValue>)> = rows
            .iter()
            .map(|&(table, line, values)| (table, line, values.iter().map(|&v| v.into()).collect()))
            .collect();
        let expected: Vec<(&str, usize, &[SqlValue])> = expected
            .iter()
            .map(|(table, line, values)| (*table, *line, values.as_slice()))
            .collect();
        assert_eq!(read_rows, expected, "{dialect}");
    }
}

#[test]
fn a_backslash_is_an_escape_only_in_mysql_and_mariadb() {
    let sql = r"INSERT INTO T (A) VALUES ('\\A\.do\Z\'');";
    for dialect in Dialect::ALL {
        let read = parse_inserts_in(sql, dialect);
        if dialect.backslash_escapes() {
            assert_eq!(read.unwrap()[0].rows[0].values, [text("\\A.do\u{1a}'")]);
        } else {
            // `\'` does not escape: the string ends there and `'` opens another.
            let error = read.unwrap_err();
            assert!(error.message.contains("string"), "{dialect}: {error}");
        }
    }
    let sql = r"INSERT INTO T (A) VALUES ('\\A\.do\Z\');";
    for dialect in Dialect::ALL.into_iter().filter(|d| !d.backslash_escapes()) {
        let read = parse_inserts_in(sql, dialect).unwrap();
        assert_eq!(read[0].rows[0].values, [text(r"\\A\.do\Z\")], "{dialect}");
    }
}

#[test]
fn slash_ends_statements_only_where_sqlplus_reads_scripts() {
    let sql = "INSERT INTO T (A) VALUES (1)\n/\nINSERT INTO T (A) VALUES (2);";
    for dialect in Dialect::ALL {
        let read = parse_inserts_in(sql, dialect);
        if dialect.slash_ends_statements() {
            assert_eq!(read.unwrap().len(), 2, "{dialect}");
        } else {
            let error = read.unwrap_err();
            assert_eq!((error.line, error.column), (2, 1), "{dialect}: {error}");
            assert!(error.message.contains("found `/`"), "{dialect}: {error}");
        }
    }
    // Not alone on its line, a slash is no terminator.
    let error = parse_inserts_in("INSERT INTO T (A) VALUES (1) /\n", Dialect::Oracle).unwrap_err();
    assert!(error.message.contains("found `/`"), "{error}");
}

#[test]
fn keywords_calls_and_casts_are_values() {
    let sql = "INSERT INTO T VALUES (SYSDATE, SYSTIMESTAMP, SYSDATETIME, CURRENT_TIMESTAMP, \
               now(), sysdate(), to_char(sysdate, 'YYYYMMDD'), TO_DATE('2011-08-31','YYYY-MM-DD'), \
               '2020-01-01'::timestamp, 7::bigint, NULL::text, CAST('1' AS INTEGER));";
    let read = parse_inserts_in(sql, Dialect::Postgres).unwrap();
    assert_eq!(
        read[0].rows[0].values,
        [
            call("SYSDATE"),
            call("SYSTIMESTAMP"),
            call("SYSDATETIME"),
            call("CURRENT_TIMESTAMP"),
            call("NOW()"),
            call("SYSDATE()"),
            call("TO_CHAR(SYSDATE, 'YYYYMMDD')"),
            call("TO_DATE('2011-08-31', 'YYYY-MM-DD')"),
            text("2020-01-01"),
            number("7"),
            SqlValue::Null,
            call("CAST('1' AS INTEGER)"),
        ]
    );
}

#[test]
fn mysql_seed_data_as_egovframe_and_mysqldump_write_it() {
    let sql = r#"
/*!40101 SET NAMES utf8mb4 */;
SET FOREIGN_KEY_CHECKS=0;
CREATE TABLE `COMTCCMMNCLCODE` (
  `CL_CODE` char(3) NOT NULL, -- class
  PRIMARY KEY (`CL_CODE`)
);
# eGovFrame ships one row per statement
INSERT INTO COMTCCMMNCLCODE (CL_CODE, CL_CODE_NM, CL_CODE_DC, USE_AT, FRST_REGIST_PNTTM, FRST_REGISTER_ID, LAST_UPDT_PNTTM, LAST_UPDUSR_ID) VALUES ('EFC', '전자정부 프레임워크 공통서비스', '전자정부 프레임워크 공통서비스', 'Y', SYSDATE(), 'SYSTEM', SYSDATE(), 'SYSTEM');
insert into `egov`.`COMTCCMMNDETAILCODE` values
  ('COM001','REGC01','단일 게시판 이용등록','단일 게시판 이용등록','Y',NOW(),'SYSTEM',NULL,NULL),
  ('COM001','REGC02','커뮤니티 \'이용\' 등록','It''s "quoted"','N',STR_TO_DATE('2009-02-04', '%Y-%m-%d'),'SYSTEM',NULL,NULL);
COMMIT;
"#;
    let statements = parse_inserts(sql).unwrap();
    assert_eq!(statements.len(), 2);
    let class = &statements[0];
    assert_eq!(class.table, "COMTCCMMNCLCODE");
    assert_eq!(class.columns.len(), 8);
    assert_eq!((class.line, class.rows[0].line), (9, 9));
    assert_eq!(
        class.rows[0].values[1],
        text("전자정부 프레임워크 공통서비스")
    );
    let detail = &statements[1];
    assert_eq!(detail.table, "COMTCCMMNDETAILCODE");
    assert!(detail.columns.is_empty());
    assert_eq!(detail.line, 10);
    assert_eq!(
        detail.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [11, 12]
    );
    assert_eq!(detail.rows[1].values[2], text("커뮤니티 '이용' 등록"));
    assert_eq!(detail.rows[1].values[3], text("It's \"quoted\""));
    assert_eq!(detail.rows[0].values[7], SqlValue::Null);
}

#[test]
fn numbers_signs_and_multiline_strings() {
    let sql = "INSERT IGNORE INTO t (a, b, c, d) VALUES (-1.5e3, .5, 'two\nlines', 0x1F);\n\
               INSERT INTO t (a, b, c, d) VALUES (1, - 2, 'x', +2.5E-3);";
    let statements = parse_inserts(sql).unwrap();
    assert_eq!(
        statements[0].rows[0].values,
        [
            number("-1.5e3"),
            number(".5"),
            text("two\nlines"),
            number("0x1F")
        ]
    );
    // The string spans two lines, so the second statement is on line 3.
    assert_eq!(statements[1].line, 3);
    assert_eq!(
        statements[1].rows[0].values,
        [number("1"), number("-2"), text("x"), number("+2.5E-3")]
    );
}

#[test]
fn a_byte_order_mark_and_crlf_lines_are_read() {
    let sql =
        "\u{feff}INSERT INTO T (A)\r\nVALUES ('x')\r\n/\r\nINSERT INTO T (A) VALUES ('y');\r\n";
    let statements = parse_inserts_in(sql, Dialect::Tibero).unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!((statements[1].line, statements[1].rows[0].line), (4, 4));
    let error =
        parse_inserts_in("\u{feff}INSERT INTO T (A) VALUES (x y);", Dialect::Oracle).unwrap_err();
    assert_eq!((error.line, error.column), (1, 29), "{error}");
}

#[test]
fn dialect_names_read_and_write_back() {
    for dialect in Dialect::ALL {
        assert_eq!(dialect.to_string().parse::<Dialect>(), Ok(dialect));
        assert_eq!(dialect.to_string(), dialect.to_string().to_lowercase());
    }
    assert_eq!("maria".parse(), Ok(Dialect::Mariadb));
    assert_eq!("PostgreSQL".parse(), Ok(Dialect::Postgres));
    assert_eq!(" Tibero ".parse(), Ok(Dialect::Tibero));
    let error = "sqlserver".parse::<Dialect>().unwrap_err();
    assert!(error.to_string().contains("`sqlserver`") && error.to_string().contains("goldilocks"));
    let names: Vec<String> = Dialect::ALL.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        names,
        [
            "mysql",
            "mariadb",
            "postgres",
            "oracle",
            "tibero",
            "altibase",
            "cubrid",
            "goldilocks"
        ]
    );
}

#[test]
fn dialects_are_guessed_from_markers() {
    let cases = [
        (
            "-- MariaDB dump 10.19\nINSERT INTO `T` VALUES (1);",
            Some(Dialect::Mariadb),
        ),
        (
            "-- MySQL dump 10.13\n/*!40101 SET NAMES utf8 */;",
            Some(Dialect::Mysql),
        ),
        (
            "CREATE TABLE T (A INT) ENGINE=InnoDB;",
            Some(Dialect::Mysql),
        ),
        ("INSERT INTO T VALUES (SYSDATE ());", Some(Dialect::Mysql)),
        (
            "--\n-- PostgreSQL database dump\n--\n",
            Some(Dialect::Postgres),
        ),
        (
            "INSERT INTO T VALUES ('2020-01-01'::date);",
            Some(Dialect::Postgres),
        ),
        ("INSERT INTO T VALUES (now());", Some(Dialect::Postgres)),
        ("INSERT INTO T VALUES (SYSDATETIME);", Some(Dialect::Cubrid)),
        (
            "ALTER CLASS T ADD CONSTRAINT [K] PRIMARY KEY([A]);",
            Some(Dialect::Cubrid),
        ),
        ("INSERT INTO T VALUES (sysdate);", Some(Dialect::Oracle)),
        (
            "SET DEFINE OFF;\nInsert into T values ('x');",
            Some(Dialect::Oracle),
        ),
        ("INSERT INTO T VALUES (MY_SYSDATE, SYSDATES);", None),
        ("INSERT INTO T VALUES ('\\A');", None),
        ("", None),
    ];
    for (head, dialect) in cases {
        assert_eq!(detect_dialect(head), dialect, "{head}");
    }
}
