//! Properties over generated input: any string quoted the way a dialect's dumps
//! quote it reads back byte for byte; the buffer size never changes what is
//! read; and no input, however broken, makes the reader panic.

use std::io::BufReader;

use egov_db::dump::{Dialect, DumpError, DumpReader, InsertStatement, SqlValue};
use proptest::prelude::*;

/// Strings rich in what quoting must survive.
fn tricky_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>(),
        1 => Just('\''),
        1 => Just('\\'),
        1 => Just('\n'),
        1 => Just('\r'),
        1 => Just('\0'),
        1 => Just('"'),
        1 => Just('$'),
        1 => Just(']'),
        1 => Just(';'),
        1 => Just('/'),
        1 => Just('\u{1a}'),
        2 => prop::sample::select(vec!['가', '힣', '한', '글', '\u{3000}', '\u{feff}', '😀']),
    ];
    prop::collection::vec(piece, 0..24).prop_map(String::from_iter)
}

/// `text` as the dialect's dumps write it; `style` picks among the dialect's
/// ways of quoting.
fn quote(dialect: Dialect, text: &str, style: u8) -> String {
    match dialect {
        // mysqldump's (mysql_real_escape_string's) escapes, or eGovFrame's
        // doubled quotes with backslashes escaped.
        Dialect::Mysql | Dialect::Mariadb => {
            let mut out = String::from("'");
            for c in text.chars() {
                match c {
                    '\'' if style.is_multiple_of(2) => out.push_str("\\'"),
                    '\'' => out.push_str("''"),
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\0' => out.push_str("\\0"),
                    '\u{1a}' => out.push_str("\\Z"),
                    c => out.push(c),
                }
            }
            out.push('\'');
            out
        }
        Dialect::Postgres => match style % 3 {
            0 => format!("'{}'", text.replace('\'', "''")),
            1 => {
                let mut out = String::from("E'");
                for c in text.chars() {
                    match c {
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c if c.is_ascii_control() => out.push_str(&format!("\\{:03o}", c as u32)),
                        c if (c as u32) > 0xFFFF => out.push_str(&format!("\\U{:08X}", c as u32)),
                        c if !c.is_ascii() => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
            _ if text.contains("$q$") || text.ends_with("$q") => {
                format!("'{}'", text.replace('\'', "''"))
            }
            _ => format!("$q${text}$q$"),
        },
        Dialect::Oracle | Dialect::Tibero if style % 2 == 1 && !text.contains("]'") => {
            format!("q'[{text}]'")
        }
        _ if style % 3 == 2 => format!("N'{}'", text.replace('\'', "''")),
        _ => format!("'{}'", text.replace('\'', "''")),
    }
}

/// How a dialect's script ends a statement.
fn terminator(dialect: Dialect, style: u8) -> &'static str {
    if dialect.slash_ends_statements() && style.is_multiple_of(2) {
        "\n/\n"
    } else {
        ";\n"
    }
}

fn read(bytes: &[u8], dialect: Dialect) -> Vec<Result<InsertStatement, DumpError>> {
    DumpReader::new(bytes, dialect).collect()
}

/// Pieces of SQL, broken UTF-8 and noise.
fn sql_soup() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            &b"INSERT INTO t "[..],
            b"INSERT INTO T (A, B) VALUES ",
            b"VALUES",
            b"(",
            b")",
            b",",
            b";",
            b"\n/\n",
            b"'",
            b"''",
            b"\"",
            b"`",
            b"[",
            b"]",
            b"\\",
            b"$$",
            b"$a$",
            b"::",
            b"::int",
            b"E'",
            b"q'[",
            b"N'",
            b"X'",
            b"NULL",
            b"NOW()",
            b"SYSDATE",
            b"TO_CHAR(",
            b"-",
            b"12.5e-3",
            b"0x1F",
            b" ",
            b"\n",
            b"\r\n",
            b"--",
            b"#",
            b"//",
            b"/*",
            b"*/",
            b"DELIMITER ;;\n",
            b"DELIMITER ;\n",
            b"CREATE OR REPLACE TRIGGER x ",
            b"BEGIN ",
            b"END;",
            b"REM x\n",
            b"\\connect x\n",
            b"COPY t FROM stdin;",
            b"\0",
            "한글".as_bytes(),
            b"\xEA\xB0",
            b"\xB0\xA1",
            b"\xEF\xBB\xBF",
            b"\xFF",
        ])
        .prop_map(<[u8]>::to_vec),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    prop::collection::vec(piece, 0..48).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_string_quoted_as_a_dialect_quotes_it_reads_back(
        values in prop::collection::vec(tricky_string(), 1..4),
        style in any::<u8>(),
    ) {
        for dialect in Dialect::ALL {
            let row: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| quote(dialect, v, style.wrapping_add(i as u8)))
                .collect();
            let sql = format!(
                "INSERT INTO T VALUES ({}){}INSERT INTO T VALUES ({}){}",
                row.join(", "),
                terminator(dialect, style),
                row.join(",\n"),
                terminator(dialect, style / 2),
            );
            let statements = read(sql.as_bytes(), dialect);
            // Read a few bytes at a time, every character is cut somewhere.
            for capacity in [1, 2, 3, 5] {
                let chunked: Vec<_> =
                    DumpReader::new(BufReader::with_capacity(capacity, sql.as_bytes()), dialect)
                        .collect();
                prop_assert_eq!(&chunked, &statements, "{} by {}", dialect, capacity);
            }
            let expected: Vec<SqlValue> = values.iter().cloned().map(SqlValue::Text).collect();
            prop_assert_eq!(statements.len(), 2, "{}: {}", dialect, sql);
            for statement in statements {
                let statement = statement.map_err(|e| TestCaseError::fail(format!("{dialect}: {e}\n{sql}")))?;
                prop_assert_eq!(&statement.rows[0].values, &expected, "{}: {}", dialect, sql);
            }
        }
    }

    #[test]
    fn the_buffer_size_never_changes_what_is_read(soup in sql_soup(), capacity in 1usize..16) {
        for dialect in Dialect::ALL {
            let whole = read(&soup, dialect);
            let chunked: Vec<_> =
                DumpReader::new(BufReader::with_capacity(capacity, &soup[..]), dialect).collect();
            prop_assert_eq!(chunked, whole, "{}", dialect);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop_oneof![prop::collection::vec(any::<u8>(), 0..512), sql_soup()],
    ) {
        let lines = bytes.split(|&b| b == b'\n').count();
        for dialect in Dialect::ALL {
            for result in DumpReader::new(&bytes[..], dialect) {
                match result {
                    Ok(statement) => {
                        prop_assert!((1..=lines).contains(&statement.line));
                        prop_assert!(!statement.table.is_empty());
                        let width = statement.rows[0].values.len();
                        for row in &statement.rows {
                            prop_assert!((statement.line..=lines).contains(&row.line));
                            prop_assert_eq!(row.values.len(), width);
                        }
                        if !statement.columns.is_empty() {
                            prop_assert_eq!(statement.columns.len(), width);
                        }
                    }
                    Err(error) => {
                        prop_assert!((1..=lines).contains(&error.line), "{}", error);
                        prop_assert!(error.column >= 1, "{}", error);
                        prop_assert!(!error.message.is_empty());
                    }
                }
            }
        }
    }
}
