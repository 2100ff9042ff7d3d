//! A reader for SQL dumps of `INSERT` statements, as eGovFrame ships its seed
//! data and as `mysqldump` writes it — the way agencies hand over their old
//! common codes and accounts.
//!
//! It reads MySQL/MariaDB syntax, which is what eGovFrame's `DML` scripts use:
//!
//! - `INSERT [IGNORE] INTO [schema.]table [(col, …)] VALUES (…), (…);` and
//!   `REPLACE INTO …` (identifiers bare, `` `back-quoted` `` or `"double-quoted"`);
//! - values: `NULL`; numbers; strings in `'…'` (or `"…"`) with `''` and
//!   backslash escapes (`\'`, `\"`, `\\`, `\n`, `\r`, `\t`, `\0`, `\Z`, `\%`,
//!   `\_`); and function calls or keywords (`SYSDATE()`, `NOW()`,
//!   `CURRENT_TIMESTAMP`, `STR_TO_DATE('…', '…')`), kept as upper-cased text for
//!   the importer to interpret;
//! - comments (`-- …`, `# …`, `/* … */`, including MySQL's `/*!40101 … */`) and
//!   every other statement (`CREATE TABLE`, `SET`, `LOCK TABLES`, …) are skipped.
//!
//! Every row remembers the line its `(` is on, so importers can report bad rows
//! by line number. Reading is all or nothing: the first syntax error is returned
//! with its line.
//!
//! ```
//! use egov_db::dump::{SqlValue, parse_inserts};
//!
//! let sql = "-- seed\n\
//!     INSERT INTO `COMTCCMMNCODE` (CODE_ID, CODE_ID_NM, USE_AT, FRST_REGIST_PNTTM)\n\
//!     VALUES ('COM001', '등록구분', 'Y', SYSDATE()),\n\
//!            ('COM002', 'O\\'Brien''s', 'N', NULL);";
//! let statements = parse_inserts(sql).unwrap();
//! let insert = &statements[0];
//! assert_eq!(insert.table, "COMTCCMMNCODE");
//! assert_eq!(insert.columns, ["CODE_ID", "CODE_ID_NM", "USE_AT", "FRST_REGIST_PNTTM"]);
//! assert_eq!(insert.rows[0].line, 3);
//! assert_eq!(insert.rows[0].values[1], SqlValue::Text("등록구분".into()));
//! assert_eq!(insert.rows[0].values[3], SqlValue::Call("SYSDATE()".into()));
//! assert_eq!(insert.rows[1].values[1].as_text(), Some("O'Brien's"));
//! assert_eq!(insert.rows[1].values[3], SqlValue::Null);
//! ```

use std::fmt;

/// One value in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// A string literal, unescaped.
    Text(String),
    /// A numeric literal, as written (e.g. `-12.50`).
    Number(String),
    /// A function call or keyword, name upper-cased, arguments as written with
    /// strings single-quoted: `SYSDATE()`, `NOW()`, `CURRENT_TIMESTAMP`.
    Call(String),
}

impl SqlValue {
    /// The text of a string literal or the digits of a number; `None` for `NULL`
    /// and calls.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SqlValue::Text(text) | SqlValue::Number(text) => Some(text),
            SqlValue::Null | SqlValue::Call(_) => None,
        }
    }
}

/// One row of an `INSERT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertRow {
    /// The 1-based line of the row's opening parenthesis.
    pub line: usize,
    /// The values, in column order.
    pub values: Vec<SqlValue>,
}

/// One `INSERT` (or `REPLACE`) statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertStatement {
    /// The table, upper-cased and unquoted, without a schema prefix.
    pub table: String,
    /// The listed columns, upper-cased; empty when the statement lists none
    /// (then values follow the table's column order).
    pub columns: Vec<String>,
    /// The rows; each has as many values as `columns` (when listed) and as the
    /// statement's other rows.
    pub rows: Vec<InsertRow>,
    /// The 1-based line where the statement starts.
    pub line: usize,
}

/// A dump that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DumpError {
    /// The 1-based line where the problem was found.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads every `INSERT`/`REPLACE` statement of `sql`, skipping everything else.
pub fn parse_inserts(sql: &str) -> Result<Vec<InsertStatement>, DumpError> {
    let tokens = lex(sql)?;
    let mut statements = Vec::new();
    for statement in tokens.split(|t| t.kind == Kind::Punct(';')) {
        let Some(first) = statement.first() else {
            continue;
        };
        if first.is_word("INSERT") || first.is_word("REPLACE") {
            statements.push(
                Parser {
                    tokens: statement,
                    at: 0,
                }
                .insert()?,
            );
        }
    }
    Ok(statements)
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// A bare word: keyword, identifier, function name.
    Word(String),
    /// A back-quoted or double-quoted identifier... or a double-quoted string
    /// (MySQL's default mode reads `"…"` as a string; which one it is depends on
    /// where it stands).
    Quoted(String, char),
    /// A single-quoted string.
    Str(String),
    Number(String),
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    line: usize,
}

impl Token {
    fn is_word(&self, word: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Word(w) => write!(f, "`{w}`"),
            Kind::Quoted(q, c) => write!(f, "{c}{q}{c}"),
            Kind::Str(_) => f.write_str("a string"),
            Kind::Number(n) => write!(f, "the number {n}"),
            Kind::Punct(c) => write!(f, "`{c}`"),
        }
    }
}

fn lex(sql: &str) -> Result<Vec<Token>, DumpError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let error = |line, message: &str| DumpError {
        line,
        message: message.to_owned(),
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let start = line;
                i += 2;
                loop {
                    match chars.get(i) {
                        None => return Err(error(start, "a /* comment is not closed")),
                        Some('*') if chars.get(i + 1) == Some(&'/') => {
                            i += 2;
                            break;
                        }
                        Some('\n') => line += 1,
                        Some(_) => {}
                    }
                    i += 1;
                }
            }
            '\'' | '"' | '`' => {
                let start = line;
                let mut text = String::new();
                i += 1;
                loop {
                    let Some(&ch) = chars.get(i) else {
                        return Err(error(start, &format!("a {c}quoted{c} value is not closed")));
                    };
                    i += 1;
                    match ch {
                        ch if ch == c && chars.get(i) == Some(&c) => {
                            text.push(c);
                            i += 1;
                        }
                        ch if ch == c => break,
                        '\\' if c != '`' => {
                            let Some(&escaped) = chars.get(i) else {
                                return Err(error(start, "a string ends in a backslash"));
                            };
                            i += 1;
                            match escaped {
                                'n' => text.push('\n'),
                                'r' => text.push('\r'),
                                't' => text.push('\t'),
                                '0' => text.push('\0'),
                                'Z' => text.push('\u{1a}'),
                                'b' => text.push('\u{8}'),
                                // MySQL keeps the backslash of \% and \_ (LIKE escapes).
                                '%' | '_' => {
                                    text.push('\\');
                                    text.push(escaped);
                                }
                                '\n' => {
                                    line += 1;
                                    text.push('\n');
                                }
                                other => text.push(other),
                            }
                        }
                        '\n' => {
                            line += 1;
                            text.push('\n');
                        }
                        other => text.push(other),
                    }
                }
                let kind = if c == '\'' {
                    Kind::Str(text)
                } else {
                    Kind::Quoted(text, c)
                };
                tokens.push(Token { kind, line: start });
            }
            c if c.is_ascii_digit()
                || (c == '.' && next.is_some_and(|n| n.is_ascii_digit()))
                || ((c == '-' || c == '+')
                    && next.is_some_and(|n| n.is_ascii_digit() || n == '.')
                    && starts_value(tokens.last())) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '.'
                        || ((chars[i] == '-' || chars[i] == '+')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let number: String = chars[start..i].iter().collect();
                tokens.push(Token {
                    kind: Kind::Number(number),
                    line,
                });
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' || c == '@' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '@'))
                {
                    i += 1;
                }
                tokens.push(Token {
                    kind: Kind::Word(chars[start..i].iter().collect()),
                    line,
                });
            }
            c => {
                tokens.push(Token {
                    kind: Kind::Punct(c),
                    line,
                });
                i += 1;
            }
        }
    }
    Ok(tokens)
}

/// Whether a sign after `previous` starts a number (`(-1`, `, +2`) rather than
/// being an operator.
fn starts_value(previous: Option<&Token>) -> bool {
    matches!(
        previous.map(|t| &t.kind),
        None | Some(Kind::Punct('(' | ',' | '='))
    )
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn line(&self) -> usize {
        self.peek()
            .or(self.tokens.last())
            .map_or(1, |token| token.line)
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, DumpError> {
        Err(DumpError {
            line: self.line(),
            message: message.into(),
        })
    }

    fn next(&mut self) -> Result<&Token, DumpError> {
        match self.tokens.get(self.at) {
            Some(token) => {
                self.at += 1;
                Ok(token)
            }
            None => self.fail("the statement ends too early"),
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = self.peek().is_some_and(|t| t.is_word(word));
        if found {
            self.at += 1;
        }
        found
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let found = self.peek().is_some_and(|t| t.kind == Kind::Punct(c));
        if found {
            self.at += 1;
        }
        found
    }

    fn expect_punct(&mut self, c: char) -> Result<(), DumpError> {
        if self.eat_punct(c) {
            return Ok(());
        }
        match self.peek() {
            Some(token) => {
                let found = token.kind.to_string();
                self.fail(format!("expected `{c}`, found {found}"))
            }
            None => self.fail(format!("expected `{c}`, but the statement ends")),
        }
    }

    fn identifier(&mut self) -> Result<String, DumpError> {
        let token = self.next()?;
        match &token.kind {
            Kind::Word(name) | Kind::Quoted(name, '`' | '"') => Ok(name.to_uppercase()),
            other => {
                let found = other.to_string();
                self.at -= 1;
                self.fail(format!("expected a name, found {found}"))
            }
        }
    }

    fn insert(mut self) -> Result<InsertStatement, DumpError> {
        let line = self.line();
        self.at += 1; // INSERT or REPLACE
        for modifier in ["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"] {
            self.eat_word(modifier);
        }
        self.eat_word("INTO");
        let mut table = self.identifier()?;
        while self.eat_punct('.') {
            table = self.identifier()?;
        }
        let mut columns = Vec::new();
        if self.eat_punct('(') {
            loop {
                columns.push(self.identifier()?);
                if self.eat_punct(')') {
                    break;
                }
                self.expect_punct(',')?;
            }
        }
        if !(self.eat_word("VALUES") || self.eat_word("VALUE")) {
            return self.fail(format!("only INSERT … VALUES is supported (table {table})"));
        }
        let mut rows: Vec<InsertRow> = Vec::new();
        loop {
            let row_line = self.line();
            self.expect_punct('(')?;
            let mut values = Vec::new();
            if !self.eat_punct(')') {
                loop {
                    values.push(self.value()?);
                    if self.eat_punct(')') {
                        break;
                    }
                    self.expect_punct(',')?;
                }
            }
            let expected = if columns.is_empty() {
                rows.first().map(|r| r.values.len())
            } else {
                Some(columns.len())
            };
            if let Some(expected) = expected.filter(|&n| n != values.len()) {
                return Err(DumpError {
                    line: row_line,
                    message: format!(
                        "a row of {table} has {} values, expected {expected}",
                        values.len()
                    ),
                });
            }
            rows.push(InsertRow {
                line: row_line,
                values,
            });
            if !self.eat_punct(',') {
                break;
            }
        }
        // `ON DUPLICATE KEY UPDATE …` may follow; its assignments are not data.
        if let Some(token) = self.peek()
            && !token.is_word("ON")
        {
            let found = token.kind.to_string();
            return self.fail(format!("unexpected {found} after the rows"));
        }
        Ok(InsertStatement {
            table,
            columns,
            rows,
            line,
        })
    }

    fn value(&mut self) -> Result<SqlValue, DumpError> {
        let token = self.next()?.clone();
        match token.kind {
            Kind::Str(text) | Kind::Quoted(text, '"') => Ok(SqlValue::Text(text)),
            Kind::Number(number) => Ok(SqlValue::Number(number)),
            Kind::Word(word) if word.eq_ignore_ascii_case("NULL") => Ok(SqlValue::Null),
            Kind::Word(word) => {
                let mut call = word.to_uppercase();
                if self.eat_punct('(') {
                    call.push('(');
                    let mut depth = 1;
                    while depth > 0 {
                        let token = self.next()?.clone();
                        let piece = match &token.kind {
                            Kind::Punct('(') => {
                                depth += 1;
                                "(".to_owned()
                            }
                            Kind::Punct(')') => {
                                depth -= 1;
                                ")".to_owned()
                            }
                            Kind::Punct(',') => ",".to_owned(),
                            Kind::Punct(c) => c.to_string(),
                            Kind::Str(s) => format!("'{}'", s.replace('\'', "''")),
                            Kind::Quoted(s, q) => format!("{q}{s}{q}"),
                            Kind::Number(n) => n.clone(),
                            Kind::Word(w) => w.to_uppercase(),
                        };
                        if !(call.ends_with('(') || piece == ")" || piece == ",") {
                            call.push(' ');
                        }
                        call.push_str(&piece);
                    }
                    Ok(SqlValue::Call(call))
                } else {
                    Ok(SqlValue::Call(call))
                }
            }
            other => {
                self.at -= 1;
                self.fail(format!("expected a value, found {other}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn text(s: &str) -> SqlValue {
        SqlValue::Text(s.to_owned())
    }

    #[test]
    fn reads_egovframe_style_seed_data() {
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
        assert_eq!(class.rows[0].line, 9);
        assert_eq!(
            class.rows[0].values[1],
            text("전자정부 프레임워크 공통서비스")
        );
        assert_eq!(class.rows[0].values[4], SqlValue::Call("SYSDATE()".into()));

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
        assert_eq!(
            detail.rows[1].values[5],
            SqlValue::Call("STR_TO_DATE('2009-02-04', '%Y-%m-%d')".into())
        );
        assert_eq!(detail.rows[0].values[7], SqlValue::Null);
    }

    #[test]
    fn numbers_keywords_and_multiline_strings() {
        let sql = "INSERT IGNORE INTO t (a, b, c, d) VALUES (-1.5e3, CURRENT_TIMESTAMP, 'two\nlines', 0x1F);\n\
                   INSERT INTO t (a, b, c, d) VALUES (1, NULL, 'x', +2) ON DUPLICATE KEY UPDATE a = VALUES(a);";
        let statements = parse_inserts(sql).unwrap();
        assert_eq!(
            statements[0].rows[0].values[0],
            SqlValue::Number("-1.5e3".into())
        );
        assert_eq!(
            statements[0].rows[0].values[1],
            SqlValue::Call("CURRENT_TIMESTAMP".into())
        );
        assert_eq!(statements[0].rows[0].values[2], text("two\nlines"));
        assert_eq!(
            statements[0].rows[0].values[3],
            SqlValue::Number("0x1F".into())
        );
        // The string spans two lines, so the second statement is on line 3.
        assert_eq!(statements[1].line, 3);
        assert_eq!(
            statements[1].rows[0].values[3],
            SqlValue::Number("+2".into())
        );
    }

    #[test]
    fn semicolons_and_comment_markers_inside_strings_are_data() {
        let sql = "INSERT INTO t (a) VALUES ('a;b -- c /* d */ # e');";
        let statements = parse_inserts(sql).unwrap();
        assert_eq!(
            statements[0].rows[0].values[0],
            text("a;b -- c /* d */ # e")
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "INSERT INTO t (a, b) VALUES\n('1', '2'),\n('3');",
                3,
                "has 1 values, expected 2",
            ),
            ("INSERT INTO t VALUES ('1', '2'),\n('3');", 2, "expected 2"),
            (
                "\n\nINSERT INTO t (a) VALUES ('never closed);",
                3,
                "not closed",
            ),
            (
                "INSERT INTO t (a) SELECT a FROM u;",
                1,
                "only INSERT … VALUES",
            ),
            ("INSERT INTO t (a) VALUES (1) 2;", 1, "unexpected"),
            ("INSERT INTO t (a) VALUES (1,);", 1, "expected a value"),
            ("INSERT INTO t (a) VALUES (1", 1, "the statement ends"),
            ("/* open", 1, "not closed"),
        ];
        for (sql, line, message) in cases {
            let error = parse_inserts(sql).unwrap_err();
            assert_eq!(error.line, line, "{sql}: {error}");
            assert!(error.message.contains(message), "{sql}: {error}");
        }
    }

    /// A string as MySQL would escape it in a dump.
    fn mysql_quote(s: &str) -> String {
        let mut out = String::from("'");
        for c in s.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\0' => out.push_str("\\0"),
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    }

    proptest! {
        #[test]
        fn any_escaped_text_reads_back(values in proptest::collection::vec(".{0,12}", 1..6)) {
            let row = values.iter().map(|v| mysql_quote(v)).collect::<Vec<_>>().join(", ");
            let sql = format!("INSERT INTO t VALUES ({row});");
            let statements = parse_inserts(&sql).unwrap();
            let read: Vec<SqlValue> = values.iter().map(|v| text(v)).collect();
            prop_assert_eq!(&statements[0].rows[0].values, &read);
        }

        #[test]
        fn arbitrary_input_never_panics(sql in "(INSERT INTO t|VALUES|\\(|\\)|,|;|'|\"|`|NULL|NOW\\(\\)|-?[0-9]{1,3}|[a-z]{1,4}|\\\\| |\n|--|/\\*|\\*/)*") {
            let _ = parse_inserts(&sql);
        }
    }
}
