//! `DumpReader` reads one statement at a time: statements come out before the
//! rest of the dump is read, and what it has taken from the reader stays a few
//! kilobytes ahead of what it has parsed, over a dump of 50 MB.

use std::cell::Cell;
use std::io::{self, BufReader, Cursor, Read};
use std::rc::Rc;

use egov_db::dump::{Dialect, DumpReader, SqlValue};

/// One generated statement; every one has the same length in bytes.
fn statement(i: u64) -> String {
    format!(
        "INSERT INTO COMTCCMMNDETAILCODE (CODE_ID, CODE, CODE_NM, CODE_DC, USE_AT) VALUES \
         ('COM{:03}', 'C{i:08}', '상세코드 {i:08}', '{}', 'Y'),\n  \
         ('COM{:03}', 'D{i:08}', 'it''s {i:08}', NULL, 'N');\n",
        i % 1000,
        "전자정부 표준프레임워크 공통코드 설명; -- ''quoted'' /* not a comment */ ".repeat(3),
        i % 1000,
    )
}

/// A dump of `count` statements, generated as it is read; `handed` counts the
/// bytes given out.
struct Generated {
    count: u64,
    next: u64,
    pending: Vec<u8>,
    at: usize,
    handed: Rc<Cell<u64>>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.pending.len() {
            if self.next == self.count {
                return Ok(0);
            }
            self.pending = statement(self.next).into_bytes();
            self.at = 0;
            self.next += 1;
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        self.handed.set(self.handed.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn a_50_mb_dump_streams_statement_by_statement() {
    let len = statement(0).len() as u64;
    assert_eq!(statement(99_999_999).len() as u64, len);
    let count = 50 * 1024 * 1024 / len + 1;
    let handed = Rc::new(Cell::new(0));
    let source = Generated {
        count,
        next: 0,
        pending: Vec::new(),
        at: 0,
        handed: handed.clone(),
    };
    let mut reader = DumpReader::new(BufReader::with_capacity(8 * 1024, source), Dialect::Mysql);
    let mut statements = 0u64;
    let mut rows = 0u64;
    let mut most_ahead = 0;
    while let Some(statement) = reader.next() {
        let statement = statement.unwrap();
        let i = statements;
        // Read up to this statement's `;`, and no further than the buffers' worth.
        assert_eq!(reader.bytes_read(), (i + 1) * len - 1, "statement {i}");
        assert_eq!(reader.lines_read() as u64, 2 * i + 1, "statement {i}");
        most_ahead = most_ahead.max(handed.get() - reader.bytes_read());
        assert_eq!(statement.line as u64, 2 * i + 1);
        if i.is_multiple_of(10_007) {
            let values = &statement.rows[1].values;
            assert_eq!(values[1], SqlValue::Text(format!("D{i:08}")));
            assert_eq!(values[2], SqlValue::Text(format!("it's {i:08}")));
            assert_eq!(values[3], SqlValue::Null);
        }
        statements += 1;
        rows += statement.rows.len() as u64;
    }
    assert_eq!(statements, count);
    assert_eq!(rows, 2 * count);
    assert!(count * len >= 50 * 1024 * 1024);
    assert_eq!(reader.bytes_read(), count * len);
    assert_eq!(handed.get(), count * len);
    assert_eq!(reader.lines_read() as u64, 2 * count);
    // Two 8 KiB buffers (BufReader's and the lexer's) and a few bytes of
    // look-ahead, never the dump.
    assert!(
        most_ahead <= 16 * 1024 + 16,
        "read {most_ahead} bytes ahead"
    );
}

/// A reader that fails: whatever follows in the dump cannot be read.
struct Broken;

impl Read for Broken {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("connection reset"))
    }
}

#[test]
fn a_statement_comes_out_before_the_rest_of_the_dump_is_read() {
    let cases = [
        (
            Dialect::Mysql,
            "INSERT INTO T (A) VALUES (1);\nINSERT INTO T (A) VALUES (2",
        ),
        (
            Dialect::Oracle,
            "INSERT INTO T (A) VALUES (1)\n/\nINSERT INTO T (A) VALUES (2",
        ),
        (
            Dialect::Postgres,
            "INSERT INTO T (A) VALUES (1)\n;INSERT INTO T (A) VALUES (2",
        ),
    ];
    for (dialect, head) in cases {
        let source = BufReader::new(Cursor::new(head.as_bytes().to_vec()).chain(Broken));
        let mut reader = DumpReader::new(source, dialect);
        let first = reader.next().unwrap().unwrap();
        assert_eq!(
            first.rows[0].values,
            [SqlValue::Number("1".into())],
            "{dialect}"
        );
        let error = reader.next().unwrap().unwrap_err();
        assert_eq!(
            error.message, "cannot read the dump: connection reset",
            "{dialect}"
        );
        let last_line = head.lines().last().unwrap();
        let line = head.lines().count();
        // Where reading stopped: on the last line, at its last token.
        assert_eq!(error.line, line, "{dialect}");
        assert!(error.column >= last_line.len(), "{dialect}: {error}");
        assert!(reader.next().is_none());
    }
}

#[test]
fn lines_and_bytes_read_follow_the_reading() {
    let dump = "-- seed\nINSERT INTO T (A) VALUES\n('한글');\n\nCOMMIT;\n";
    let mut reader = DumpReader::new(dump.as_bytes(), Dialect::Mysql);
    assert_eq!((reader.lines_read(), reader.bytes_read()), (0, 0));
    reader.next().unwrap().unwrap();
    let through = dump.find(';').unwrap() as u64 + 1;
    assert_eq!((reader.lines_read(), reader.bytes_read()), (2, through));
    assert!(reader.next().is_none());
    assert_eq!(
        (reader.lines_read(), reader.bytes_read()),
        (5, dump.len() as u64)
    );
    assert_eq!(reader.dialect(), Dialect::Mysql);
}
