//! Hostile and broken dumps: each gives a clear error with its line and column
//! (or reads as data), never a panic and never rows that are not there.

use egov_db::dump::{Dialect, DumpError, DumpReader, SqlValue, parse_inserts, parse_inserts_in};

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_owned())
}

fn read_bytes(
    bytes: &[u8],
    dialect: Dialect,
) -> Result<Vec<egov_db::dump::InsertStatement>, DumpError> {
    DumpReader::new(bytes, dialect).collect()
}

#[test]
fn errors_say_where_what_was_expected_and_what_was_found() {
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "INSERT INTO T (A, B) VALUES\n('1', '2'),\n  ('3');",
            3,
            3,
            "a row of T has 1 value, expected 2 (as many as its column list)",
        ),
        (
            "INSERT INTO T VALUES ('1', '2'),\n('3', '4', '5');",
            2,
            1,
            "a row of T has 3 values, expected 2 (as many as its first row)",
        ),
        (
            "INSERT INTO T (A) VALUES ('x')\nVALUES ('y');",
            2,
            1,
            "expected `,` or the end of the statement after a row of T, found `VALUES`",
        ),
        (
            "INSERT INTO T (A, B) VALUES ('x' VALUES);",
            1,
            34,
            "expected `,` or `)` after a value, found `VALUES`",
        ),
        (
            "INSERT INTO T (A) SELECT A FROM U;",
            1,
            19,
            "expected `VALUES` (only INSERT … VALUES is read) in the INSERT INTO T, found `SELECT`",
        ),
        (
            "INSERT INTO T (A) VALUES (1,);",
            1,
            29,
            "expected a value, found `)`",
        ),
        (
            "INSERT INTO T (A) VALUES (`A`);",
            1,
            27,
            "expected a value, found the name `A`",
        ),
        (
            "INSERT INTO (A) VALUES (1);",
            1,
            13,
            "expected a table name, found `(`",
        ),
        (
            "INSERT INTO T (A VALUES (1);",
            1,
            18,
            "expected `,` or `)` after a column name, found `VALUES`",
        ),
        (
            "INSERT INTO T (A) VALUES (- 'x');",
            1,
            29,
            "expected a number after `-`, found the string 'x'",
        ),
        (
            "INSERT INTO T (A) VALUES (NOW(;",
            1,
            31,
            "expected `)` to close `NOW(`, found `;`",
        ),
        (
            "INSERT INTO T (A) VALUES 1;",
            1,
            26,
            "expected `(` to start a row, found the number 1",
        ),
        (
            "INSERT INTO T (A) VALUES (1 'abcdefghijklmnopqrstuvwxyz0123');",
            1,
            29,
            "expected `,` or `)` after a value, found the string 'abcdefghijklmnopqrstuvwx…'",
        ),
        (
            "\n  /* never closed\n",
            3,
            1,
            "the dump ends inside a /* comment that starts at line 2, column 3",
        ),
        (
            "INSERT ALL INTO T VALUES (1) INTO U VALUES (2) SELECT * FROM DUAL;",
            1,
            8,
            "multi-table `INSERT ALL`/`INSERT FIRST` is not read",
        ),
        (
            "CREATE TABLE T (A INT)\nINSERT INTO T VALUES (1);",
            2,
            1,
            "this INSERT is inside the statement that starts with `CREATE` at line 1, column 1: \
             is the `;` ending that statement missing?",
        ),
        (
            "COPY public.t (a, b) FROM stdin;\n1\tx\n\\.\n",
            1,
            1,
            "`COPY … FROM stdin` rows are not read",
        ),
        (
            "DELIMITER\nINSERT INTO T VALUES (1);",
            1,
            1,
            "expected a delimiter after `DELIMITER`",
        ),
    ];
    for &(sql, line, column, message) in cases {
        let error = parse_inserts(sql).unwrap_err();
        assert_eq!((error.line, error.column), (line, column), "{sql}: {error}");
        assert!(error.message.contains(message), "{sql}: {error}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("line {line}, column {column}: "))
        );
    }
}

#[test]
fn a_dump_cut_off_inside_a_row_is_an_error_at_every_byte() {
    let full = "INSERT INTO T (A, B) VALUES ('x;y', NOW()), (-1, 'z''');";
    let row_ends = [full.find("()),").unwrap() + 3, full.len() - 1, full.len()];
    for dialect in Dialect::ALL {
        for cut in 1..full.len() {
            let read = parse_inserts_in(&full[..cut], dialect);
            if cut < "INSERT".len() {
                // `INSE` is some other statement, skipped.
                assert_eq!(read, Ok(Vec::new()));
            } else if row_ends.contains(&cut) {
                let statements = read.unwrap_or_else(|e| panic!("{dialect} {cut}: {e}"));
                let rows = if cut == row_ends[0] { 1 } else { 2 };
                assert_eq!(statements[0].rows.len(), rows, "{dialect} {cut}");
            } else {
                let error = read.expect_err(&full[..cut]);
                // Cut inside a word before the rows (`VALU`), the word is what is wrong.
                if cut > full.find("VALUES (").unwrap() + 7 {
                    assert!(
                        error.message.contains("the dump ends inside"),
                        "{dialect} {cut}: {error}"
                    );
                }
            }
        }
    }
    let error = parse_inserts("INSERT INTO T (A, B) VALUES\n('x', ").unwrap_err();
    assert_eq!((error.line, error.column), (2, 7));
    assert_eq!(
        error.message,
        "the dump ends inside the INSERT INTO T that starts at line 1, column 1 \
         (expected a value); was it cut off?"
    );
}

#[test]
fn a_dump_ending_inside_a_string_names_where_the_string_starts() {
    let sql = "INSERT INTO T (A) VALUES ('x');\n\nINSERT INTO T (A) VALUES ('never closed);\nINSERT INTO T (A) VALUES (1);\n";
    for dialect in Dialect::ALL {
        let mut reader = DumpReader::new(sql.as_bytes(), dialect);
        assert!(reader.next().unwrap().is_ok(), "{dialect}");
        let error = reader.next().unwrap().unwrap_err();
        assert_eq!((error.line, error.column), (5, 1), "{dialect}: {error}");
        assert_eq!(
            error.message, "the dump ends inside a string that starts at line 3, column 27",
            "{dialect}"
        );
        assert!(reader.next().is_none(), "the iterator ends after an error");
    }
    let cases = [
        (
            "INSERT INTO T (A) VALUES ('ends in a backslash\\",
            Dialect::Mysql,
            (1, 48),
            "the dump ends inside a string that starts at line 1, column 27",
        ),
        (
            "SELECT 1 FROM \"T;",
            Dialect::Postgres,
            (1, 18),
            "the dump ends inside a name quoted with \" that starts at line 1, column 15",
        ),
        (
            "DO $body$ BEGIN; END $bod$;",
            Dialect::Postgres,
            (1, 28),
            "the dump ends inside a $-quoted string that starts at line 1, column 4",
        ),
        (
            "BEGIN\n  NULL;\nEND;\n",
            Dialect::Oracle,
            (4, 1),
            "the dump ends inside the PL/SQL block that starts with `BEGIN` at line 1, column 1",
        ),
    ];
    for (sql, dialect, at, message) in cases {
        let error = parse_inserts_in(sql, dialect).unwrap_err();
        assert_eq!((error.line, error.column), at, "{error}");
        assert!(error.message.starts_with(message), "{error}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_named_with_their_place() {
    // '가' in EUC-KR/CP949, after Korean text: the column counts characters.
    let mut dump = "-- 한글\nINSERT INTO T (A, B) VALUES ('한글', '"
        .as_bytes()
        .to_vec();
    dump.extend_from_slice(b"\xB0\xA1');");
    for dialect in Dialect::ALL {
        let error = read_bytes(&dump, dialect).unwrap_err();
        assert_eq!((error.line, error.column), (2, 37), "{dialect}: {error}");
        assert!(
            error.message.contains("invalid UTF-8 (byte 0xB0)"),
            "{error}"
        );
        assert!(error.message.contains("must be UTF-8"), "{error}");
        assert!(error.message.contains("iconv -f CP949 -t UTF-8"), "{error}");
    }
    // In a comment, a name or cut short at the end: still an error.
    for bytes in [
        &b"-- \xFF\nINSERT INTO T VALUES (1);"[..],
        b"INSERT INTO T\xC0 VALUES (1);",
        b"INSERT INTO T VALUES ('\xEA\xB0",
        b"INSERT INTO T VALUES (1); \xF8",
    ] {
        let error = read_bytes(bytes, Dialect::Oracle).unwrap_err();
        assert!(
            error.message.contains("invalid UTF-8"),
            "{bytes:?}: {error}"
        );
    }
    let error = read_bytes(b"\xFF\xFEI\0N\0", Dialect::Mysql).unwrap_err();
    assert!(error.message.contains("UTF-16"), "{error}");
}

#[test]
fn nul_bytes_in_strings_are_data() {
    for dialect in Dialect::ALL {
        let read = read_bytes(b"INSERT INTO T (A, B) VALUES ('a\0b', '\0');", dialect).unwrap();
        assert_eq!(
            read[0].rows[0].values,
            [text("a\0b"), text("\0")],
            "{dialect}"
        );
    }
    assert_eq!(
        parse_inserts(r"INSERT INTO T (A) VALUES ('a\0b');").unwrap()[0].rows[0].values,
        [text("a\0b")]
    );
    // Outside a string a NUL is no value.
    let error = read_bytes(b"INSERT INTO T (A) VALUES (\0);", Dialect::Postgres).unwrap_err();
    assert!(error.message.contains("expected a value"), "{error}");
}

#[test]
fn sql_inside_a_label_is_only_data() {
    let label = "'); DROP TABLE x; --";
    for dialect in Dialect::ALL {
        let sql = format!(
            "INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE_NM) VALUES ('COM001', '{}');\n\
             INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE_NM) VALUES ('COM002', 'ok');",
            label.replace('\'', "''")
        );
        let statements = parse_inserts_in(&sql, dialect).unwrap();
        assert_eq!(statements.len(), 2, "{dialect}");
        assert_eq!(statements[0].rows[0].values[1], text(label), "{dialect}");
    }
    let statements = parse_inserts(r"INSERT INTO T (A) VALUES ('\'); DROP TABLE x; --');").unwrap();
    assert_eq!(statements[0].rows[0].values, [text(label)]);
}

#[test]
fn every_other_statement_is_skipped() {
    let sql = "CREATE TABLE T (A VARCHAR(10) DEFAULT 'x;y', B INT);\n\
               GRANT INSERT ON T TO PUBLIC;\n\
               SELECT 'INSERT INTO T VALUES (9);' FROM DUAL;\n\
               UPDATE T SET A = 'INSERT' WHERE B = 1;\n\
               DELETE FROM T;\n\
               CREATE INDEX I ON T (A);\n\
               COMMIT;\n\
               ;;\n\
               INSERT INTO T VALUES ('kept', 1);\n\
               DROP TABLE T;";
    for dialect in Dialect::ALL {
        let statements = parse_inserts_in(sql, dialect).unwrap();
        assert_eq!(statements.len(), 1, "{dialect}");
        assert_eq!(statements[0].rows[0].values[0], text("kept"));
        assert_eq!(statements[0].line, 9);
    }
}

#[test]
fn an_error_ends_the_iteration() {
    let sql = "INSERT INTO T (A) VALUES (1);\nINSERT INTO T (A) VALUES (1, 2);\nINSERT INTO T (A) VALUES (3);";
    let results: Vec<_> = DumpReader::new(sql.as_bytes(), Dialect::Mysql).collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let error = results[1].as_ref().unwrap_err();
    assert_eq!((error.line, error.column), (2, 26));
}
