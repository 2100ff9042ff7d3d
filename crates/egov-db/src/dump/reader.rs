//! [`DumpReader`]: statements, one at a time, from the lexer's tokens.

use std::io::BufRead;
use std::iter::FusedIterator;

use super::lexer::{Lexer, Pos, Terminator, Tok, Token, quoted_name};
use super::{Dialect, DumpError, InsertRow, InsertStatement, SqlValue};

/// Reads the `INSERT` (and MySQL `REPLACE`) statements of a dump one at a
/// time, skipping every other statement.
///
/// It holds one statement at a time: memory follows the largest statement, not
/// the dump (a buffer of 64 KiB plus the statement being read). Each
/// [`next`](Iterator::next) reads up to the end of the next `INSERT` and no
/// further, so statements come out while the rest of the dump is still unread
/// — or still being downloaded. After an error the iterator ends.
///
/// ```
/// use egov_db::dump::{Dialect, DumpReader, SqlValue};
///
/// let dump = "INSERT INTO T (A) VALUES ('x');\nINSERT INTO T (A) VALUES ('y'),\n('z');\n";
/// let mut reader = DumpReader::new(dump.as_bytes(), Dialect::Postgres);
/// let first = reader.next().unwrap().unwrap();
/// assert_eq!(first.rows[0].values, [SqlValue::Text("x".into())]);
/// assert_eq!(reader.lines_read(), 0); // still on line 1
/// let second = reader.next().unwrap().unwrap();
/// assert_eq!(second.rows.len(), 2);
/// assert!(reader.next().is_none());
/// assert_eq!((reader.lines_read(), reader.bytes_read()), (3, dump.len() as u64));
/// ```
pub struct DumpReader<R: BufRead> {
    lexer: Lexer<R>,
    dialect: Dialect,
    /// One token of look-ahead: `Some(None)` is the end of the dump.
    peeked: Option<Option<Token>>,
    done: bool,
    /// The start and table (once read) of the `INSERT` being read, for the
    /// message when the dump ends inside it.
    reading: Option<(Pos, Option<String>)>,
}

/// SQL*Plus commands (and those of its kin), which end at the end of their
/// line, `;` or not.
const CLIENT_COMMANDS: &[&str] = &[
    "ACCEPT",
    "AUTOCOMMIT",
    "BREAK",
    "BTITLE",
    "CLEAR",
    "COL",
    "COLUMN",
    "COMPUTE",
    "CONN",
    "CONNECT",
    "DEF",
    "DEFINE",
    "DESC",
    "DESCRIBE",
    "DISC",
    "DISCONNECT",
    "EXEC",
    "EXECUTE",
    "EXIT",
    "HOST",
    "PAUSE",
    "PRINT",
    "PRO",
    "PROMPT",
    "QUIT",
    "REM",
    "REMARK",
    "SET",
    "SHO",
    "SHOW",
    "SPO",
    "SPOOL",
    "START",
    "STORE",
    "TIMING",
    "TTITLE",
    "UNDEF",
    "UNDEFINE",
    "VAR",
    "VARIABLE",
    "WHENEVER",
];

/// What may follow `CREATE [OR REPLACE …]` to make a PL/SQL block, which only
/// `/` alone on a line ends.
const BLOCK_OBJECTS: &[&str] = &[
    "FUNCTION",
    "JAVA",
    "LIBRARY",
    "PACKAGE",
    "PROCEDURE",
    "TRIGGER",
    "TYPE",
    "TYPESET",
];

/// Words between `CREATE` and the kind of object.
const CREATE_MODIFIERS: &[&str] = &[
    "AND",
    "COMPILE",
    "EDITIONABLE",
    "EDITIONING",
    "FORCE",
    "NOFORCE",
    "NONEDITIONABLE",
    "OR",
    "REPLACE",
    "RESOLVE",
];

/// `` `WORD` at line L, column C ``: where a statement starts.
fn starts_with(first: &Token) -> String {
    format!(
        "{} at line {}, column {}",
        first.tok.describe(),
        first.pos.line,
        first.pos.column
    )
}

fn is_one_of(tok: &Tok, words: &[&str]) -> bool {
    matches!(tok, Tok::Word(w) if words.iter().any(|k| w.eq_ignore_ascii_case(k)))
}

impl<R: BufRead> DumpReader<R> {
    /// A reader of `reader`'s dump, written in `dialect`.
    pub fn new(reader: R, dialect: Dialect) -> Self {
        DumpReader {
            lexer: Lexer::new(reader, dialect),
            dialect,
            peeked: None,
            done: false,
            reading: None,
        }
    }

    /// The dialect it reads.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// How many lines have been read so far: the newlines consumed. After the
    /// last statement it is the dump's line count as `wc -l` gives it.
    pub fn lines_read(&self) -> usize {
        self.lexer.lines_read()
    }

    /// How many bytes of the dump have been read so far (for a progress bar:
    /// the dump's size when it is all read).
    pub fn bytes_read(&self) -> u64 {
        self.lexer.bytes_read()
    }

    fn peek(&mut self) -> Result<Option<&Token>, DumpError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().and_then(Option::as_ref))
    }

    fn take(&mut self) -> Result<Option<Token>, DumpError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    /// Takes the next token if `wanted` holds for it.
    fn eat(&mut self, wanted: impl FnOnce(&Tok) -> bool) -> Result<Option<Token>, DumpError> {
        if self.peek()?.is_some_and(|t| wanted(&t.tok)) {
            self.take()
        } else {
            Ok(None)
        }
    }

    fn eat_word(&mut self, word: &str) -> Result<bool, DumpError> {
        Ok(self.eat(|t| t.is_word(word))?.is_some())
    }

    fn eat_punct(&mut self, c: char) -> Result<bool, DumpError> {
        Ok(self.eat(|t| *t == Tok::Punct(c))?.is_some())
    }

    /// The error for finding `found` (or the end of the dump) where `expected`
    /// should be.
    fn unexpected(&self, expected: &str, found: Option<&Token>) -> DumpError {
        match (found, &self.reading) {
            (Some(token), _) => token.pos.error(format!(
                "expected {expected}, found {}",
                token.tok.describe()
            )),
            (None, Some((start, table))) => self.lexer.pos().error(format!(
                "the dump ends inside the INSERT{} that starts at line {}, column {} \
                 (expected {expected}); was it cut off?",
                table
                    .as_ref()
                    .map(|t| format!(" INTO {t}"))
                    .unwrap_or_default(),
                start.line,
                start.column
            )),
            (None, None) => self
                .lexer
                .pos()
                .error(format!("expected {expected}, found the end of the dump")),
        }
    }

    fn read_statement(&mut self) -> Result<Option<InsertStatement>, DumpError> {
        let dialect = self.dialect;
        let sqlplus = dialect.slash_ends_statements();
        loop {
            let Some(first) = self.take()? else {
                return Ok(None);
            };
            let tok = &first.tok;
            match tok {
                Tok::End(_) => {}
                _ if tok.is_word("INSERT") || tok.is_word("REPLACE") => {
                    return self.insert(first).map(Some);
                }
                _ if dialect.is_mysql() && tok.is_word("DELIMITER") => {
                    self.lexer.read_delimiter(first.pos)?;
                }
                Tok::Punct('@') if sqlplus => self.lexer.skip_line()?,
                Tok::Punct('\\') if dialect == Dialect::Postgres => self.lexer.skip_line()?,
                _ if sqlplus && is_one_of(tok, CLIENT_COMMANDS) => self.lexer.skip_line()?,
                _ if sqlplus && (tok.is_word("BEGIN") || tok.is_word("DECLARE")) => {
                    self.skip_block(&first)?;
                }
                _ if sqlplus && tok.is_word("CREATE") => self.skip_create(&first)?,
                _ => self.skip_statement(&first)?,
            }
        }
    }

    /// Skips to the end of the statement `first` starts. Two things inside it
    /// are errors, as rows would be lost without a word: an `INSERT INTO` at
    /// the start of a line (most likely the statement before lacks its `;`),
    /// and the `stdin` of a `COPY … FROM stdin`, whose rows follow.
    fn skip_statement(&mut self, first: &Token) -> Result<(), DumpError> {
        let copy = first.tok.is_word("COPY");
        loop {
            let Some(token) = self.take()? else {
                return Ok(());
            };
            match &token.tok {
                Tok::End(_) => return Ok(()),
                tok if copy && tok.is_word("STDIN") => {
                    return Err(first.pos.error(
                        "`COPY … FROM stdin` rows are not read: dump the data as INSERT \
                         statements, e.g. with `pg_dump --column-inserts`",
                    ));
                }
                tok if token.pos.column == 1
                    && (tok.is_word("INSERT") || tok.is_word("REPLACE"))
                    && !self.lexer.has_custom_delimiter()
                    && self.peek()?.is_some_and(|t| t.tok.is_word("INTO")) =>
                {
                    return Err(token.pos.error(format!(
                        "this INSERT is inside the statement that starts with {}: is the `;` \
                         ending that statement missing?",
                        starts_with(first)
                    )));
                }
                _ => {}
            }
        }
    }

    /// Skips a PL/SQL block: everything up to `/` alone on a line.
    fn skip_block(&mut self, first: &Token) -> Result<(), DumpError> {
        loop {
            match self.take()? {
                Some(Token {
                    tok: Tok::End(Terminator::Slash),
                    ..
                }) => return Ok(()),
                Some(_) => {}
                None => {
                    return Err(self.lexer.pos().error(format!(
                        "the dump ends inside the PL/SQL block that starts with {}: a block \
                         ends with `/` alone on a line",
                        starts_with(first)
                    )));
                }
            }
        }
    }

    /// Skips a `CREATE` statement, as a PL/SQL block when it creates one.
    fn skip_create(&mut self, first: &Token) -> Result<(), DumpError> {
        while self.eat(|t| is_one_of(t, CREATE_MODIFIERS))?.is_some() {}
        if self.eat(|t| is_one_of(t, BLOCK_OBJECTS))?.is_some() {
            self.skip_block(first)
        } else {
            self.skip_statement(first)
        }
    }

    /// A name: bare or quoted, upper-cased.
    fn name(&mut self, what: &str) -> Result<String, DumpError> {
        match self.take()? {
            Some(Token {
                tok: Tok::Word(name) | Tok::Ident(name, _) | Tok::DoubleQuoted(name),
                ..
            }) => Ok(name.to_uppercase()),
            other => Err(self.unexpected(what, other.as_ref())),
        }
    }

    fn insert(&mut self, first: Token) -> Result<InsertStatement, DumpError> {
        let start = first.pos;
        self.reading = Some((start, None));
        for modifier in ["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"] {
            self.eat_word(modifier)?;
        }
        if let Some(all) = self.eat(|t| t.is_word("ALL") || t.is_word("FIRST"))? {
            return Err(all.pos.error(
                "a multi-table `INSERT ALL`/`INSERT FIRST` is not read: write one \
                 `INSERT INTO … VALUES` per table",
            ));
        }
        self.eat_word("INTO")?;
        let mut table = self.name("a table name")?;
        while self.eat_punct('.')? {
            table = self.name("a table name after `.`")?;
        }
        self.reading = Some((start, Some(table.clone())));
        let mut columns = Vec::new();
        if self.eat_punct('(')? {
            loop {
                columns.push(self.name("a column name")?);
                match self.take()? {
                    Some(t) if t.tok == Tok::Punct(')') => break,
                    Some(t) if t.tok == Tok::Punct(',') => {}
                    other => {
                        return Err(
                            self.unexpected("`,` or `)` after a column name", other.as_ref())
                        );
                    }
                }
            }
        }
        // PostgreSQL's `OVERRIDING SYSTEM VALUE` (pg_dump writes it for
        // identity columns).
        if self.eat_word("OVERRIDING")? {
            if !(self.eat_word("SYSTEM")? || self.eat_word("USER")?) {
                let found = self.take()?;
                return Err(
                    self.unexpected("`SYSTEM` or `USER` after `OVERRIDING`", found.as_ref())
                );
            }
            if !self.eat_word("VALUE")? {
                let found = self.take()?;
                return Err(self.unexpected("`VALUE` after `OVERRIDING …`", found.as_ref()));
            }
        }
        if !(self.eat_word("VALUES")? || self.eat_word("VALUE")?) {
            let found = self.take()?;
            let expected =
                format!("`VALUES` (only INSERT … VALUES is read) in the INSERT INTO {table}");
            return Err(self.unexpected(&expected, found.as_ref()));
        }
        let mut rows: Vec<InsertRow> = Vec::new();
        loop {
            let open = match self.take()? {
                Some(token) if token.tok == Tok::Punct('(') => token,
                other => return Err(self.unexpected("`(` to start a row", other.as_ref())),
            };
            let mut values = Vec::new();
            if !self.eat_punct(')')? {
                loop {
                    values.push(self.value()?);
                    match self.take()? {
                        Some(t) if t.tok == Tok::Punct(')') => break,
                        Some(t) if t.tok == Tok::Punct(',') => {}
                        other => {
                            return Err(self.unexpected("`,` or `)` after a value", other.as_ref()));
                        }
                    }
                }
            }
            let expected = if columns.is_empty() {
                rows.first().map(|r| (r.values.len(), "its first row"))
            } else {
                Some((columns.len(), "its column list"))
            };
            if let Some((expected, basis)) = expected.filter(|&(n, _)| n != values.len()) {
                return Err(open.pos.error(format!(
                    "a row of {table} has {} value{}, expected {expected} (as many as {basis})",
                    values.len(),
                    if values.len() == 1 { "" } else { "s" }
                )));
            }
            rows.push(InsertRow {
                line: open.pos.line,
                values,
            });
            match self.take()? {
                Some(t) if t.tok == Tok::Punct(',') => {}
                None
                | Some(Token {
                    tok: Tok::End(_), ..
                }) => break,
                // MySQL's `AS new ON DUPLICATE KEY UPDATE …`, PostgreSQL's
                // `ON CONFLICT …` and `RETURNING …`: not data.
                Some(t) if is_one_of(&t.tok, &["AS", "ON", "RETURNING"]) => {
                    self.skip_statement(&first)?;
                    break;
                }
                other => {
                    let expected =
                        format!("`,` or the end of the statement after a row of {table}");
                    return Err(self.unexpected(&expected, other.as_ref()));
                }
            }
        }
        self.reading = None;
        Ok(InsertStatement {
            table,
            columns,
            rows,
            line: start.line,
        })
    }

    fn value(&mut self) -> Result<SqlValue, DumpError> {
        let value = match self.take()? {
            None => return Err(self.unexpected("a value", None)),
            Some(token) => match token.tok {
                Tok::Str(text) | Tok::DoubleQuoted(text) => SqlValue::Text(text),
                Tok::Number(number) => SqlValue::Number(number),
                Tok::Literal(text) => SqlValue::Call(text),
                Tok::Word(word) if word.eq_ignore_ascii_case("NULL") => SqlValue::Null,
                Tok::Word(word) => self.call(&word)?,
                Tok::Punct(sign @ ('-' | '+')) => match self.take()? {
                    Some(Token {
                        tok: Tok::Number(number),
                        ..
                    }) => SqlValue::Number(format!("{sign}{number}")),
                    other => {
                        let expected = format!("a number after `{sign}`");
                        return Err(self.unexpected(&expected, other.as_ref()));
                    }
                },
                tok => {
                    let token = Token { tok, ..token };
                    return Err(self.unexpected("a value", Some(&token)));
                }
            },
        };
        self.skip_casts()?;
        Ok(value)
    }

    /// A keyword (`SYSDATE`), a typed literal (`DATE '2020-01-01'`) or a call
    /// (`TO_CHAR(SYSDATE, 'YYYYMMDD')`), as upper-cased text.
    fn call(&mut self, word: &str) -> Result<SqlValue, DumpError> {
        let mut call = word.to_uppercase();
        if let Some(Token {
            tok: Tok::Str(text),
            ..
        }) = self.eat(|t| matches!(t, Tok::Str(_)))?
        {
            call.push_str(&format!(" '{}'", text.replace('\'', "''")));
            return Ok(SqlValue::Call(call));
        }
        if !self.eat_punct('(')? {
            return Ok(SqlValue::Call(call));
        }
        let expected = format!("`)` to close `{call}(`");
        call.push('(');
        let mut depth = 1;
        let mut after_word = false;
        while depth > 0 {
            let token = match self.take()? {
                Some(token) if !matches!(token.tok, Tok::End(_)) => token,
                other => return Err(self.unexpected(&expected, other.as_ref())),
            };
            // `NOW()` inside a call stays `NOW()`.
            let call_opens = after_word && token.tok == Tok::Punct('(');
            after_word = matches!(token.tok, Tok::Word(_));
            let piece = match token.tok {
                Tok::Punct(c) => {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    c.to_string()
                }
                Tok::Str(text) => format!("'{}'", text.replace('\'', "''")),
                Tok::DoubleQuoted(text) => format!("\"{text}\""),
                Tok::Ident(name, quote) => quoted_name(&name, quote),
                Tok::Literal(text) | Tok::Number(text) => text,
                Tok::Word(word) => word.to_uppercase(),
                Tok::Cast => "::".to_owned(),
                Tok::End(_) => String::new(),
            };
            let tight = call_opens
                || call.ends_with(['(', '.', ':'])
                || matches!(piece.as_str(), ")" | "," | "." | "::");
            if !tight {
                call.push(' ');
            }
            call.push_str(&piece);
        }
        Ok(SqlValue::Call(call))
    }

    /// Drops PostgreSQL casts after a value: `::timestamp`, `::character
    /// varying(10)`, `::text[]`.
    fn skip_casts(&mut self) -> Result<(), DumpError> {
        while self.eat(|t| *t == Tok::Cast)?.is_some() {
            if self
                .eat(|t| matches!(t, Tok::Word(_) | Tok::Ident(..)))?
                .is_none()
            {
                let found = self.take()?;
                return Err(self.unexpected("a type name after `::`", found.as_ref()));
            }
            loop {
                if self
                    .eat(|t| matches!(t, Tok::Word(_) | Tok::Ident(..) | Tok::Punct('.')))?
                    .is_some()
                {
                    continue;
                }
                let close = if self.eat_punct('(')? {
                    ')'
                } else if self.eat_punct('[')? {
                    ']'
                } else {
                    break;
                };
                let expected = format!("`{close}` in the type after `::`");
                loop {
                    match self.take()? {
                        Some(t) if t.tok == Tok::Punct(close) => break,
                        Some(t) if matches!(t.tok, Tok::Number(_) | Tok::Punct(',')) => {}
                        other => return Err(self.unexpected(&expected, other.as_ref())),
                    }
                }
            }
        }
        Ok(())
    }
}

impl<R: BufRead> Iterator for DumpReader<R> {
    type Item = Result<InsertStatement, DumpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_statement() {
            Ok(Some(statement)) => Some(Ok(statement)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(error) => {
                self.done = true;
                Some(Err(error))
            }
        }
    }
}

impl<R: BufRead> FusedIterator for DumpReader<R> {}
