//! The byte-oriented lexer: reads a dump from a [`BufRead`] through a small
//! buffer, one token at a time, checking UTF-8 and counting lines and columns.

use std::io::{BufRead, ErrorKind};

use super::{Dialect, DumpError};

/// How many bytes are taken from the reader at a time. The buffer holds about
/// this much plus a few bytes of look-ahead, whatever the reader offers.
const CHUNK: usize = 64 * 1024;

/// A position in the dump: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl Pos {
    pub(super) fn error(self, message: impl Into<String>) -> DumpError {
        DumpError {
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

/// What ended a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Terminator {
    /// `;`.
    Semicolon,
    /// `/` alone on a line (SQL*Plus and its kin).
    Slash,
    /// The delimiter set by MySQL's `DELIMITER` command.
    Custom(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// A bare word: keyword, name, function name, `$1`.
    Word(String),
    /// A quoted name, with its opening quote: `` ` ``, `"` (outside MySQL) or `[`.
    Ident(String, char),
    /// MySQL's `"…"`: a string where a value stands, a name elsewhere.
    DoubleQuoted(String),
    /// A string literal, unescaped.
    Str(String),
    /// `X'…'` or `B'…'`, as written.
    Literal(String),
    /// An unsigned number, as written.
    Number(String),
    /// Any other character.
    Punct(char),
    /// PostgreSQL's `::`.
    Cast,
    /// The end of a statement.
    End(Terminator),
}

impl Tok {
    /// How an error message names the token.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Word(word) => format!("`{word}`"),
            Tok::Ident(name, quote) => format!("the name {}", quoted_name(name, *quote)),
            Tok::DoubleQuoted(text) => format!("\"{}\"", shorten(text)),
            Tok::Str(text) => format!("the string '{}'", shorten(text)),
            Tok::Literal(text) => format!("`{}`", shorten(text)),
            Tok::Number(number) => format!("the number {}", shorten(number)),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Cast => "`::`".to_owned(),
            Tok::End(Terminator::Semicolon) => "`;`".to_owned(),
            Tok::End(Terminator::Slash) => "`/` alone on a line".to_owned(),
            Tok::End(Terminator::Custom(delimiter)) => format!("the delimiter `{delimiter}`"),
        }
    }

    pub(super) fn is_word(&self, word: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

/// A name as it was quoted.
pub(super) fn quoted_name(name: &str, quote: char) -> String {
    let close = if quote == '[' { ']' } else { quote };
    format!("{quote}{name}{close}")
}

/// The first 24 characters of `text`, with `…` when there were more.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(24).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: Pos,
}

/// The bytes of a dump, buffered, with the position of the next character.
struct Input<R> {
    reader: R,
    buf: Vec<u8>,
    /// The next unread byte of `buf`.
    at: usize,
    eof: bool,
    pos: Pos,
    /// Bytes consumed by the lexer so far.
    consumed: u64,
    /// Newlines consumed so far.
    newlines: usize,
}

impl<R: BufRead> Input<R> {
    /// Makes at least `want` unread bytes available, unless the dump ends
    /// first; says whether they are.
    fn fill(&mut self, want: usize) -> Result<bool, DumpError> {
        while self.buf.len() - self.at < want {
            if self.eof {
                return Ok(false);
            }
            if self.at == self.buf.len() {
                self.buf.clear();
                self.at = 0;
            } else if self.at >= 4096 {
                self.buf.drain(..self.at);
                self.at = 0;
            }
            match self.reader.fill_buf() {
                Ok([]) => self.eof = true,
                Ok(data) => {
                    let n = data.len().min(CHUNK);
                    self.buf.extend_from_slice(&data[..n]);
                    self.reader.consume(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    return Err(self.pos.error(format!("cannot read the dump: {e}")));
                }
            }
        }
        Ok(true)
    }

    /// The byte `k` places ahead, if the dump has it.
    fn peek(&mut self, k: usize) -> Result<Option<u8>, DumpError> {
        self.fill(k + 1)?;
        Ok(self.buf.get(self.at + k).copied())
    }

    /// Whether the unread bytes start with `bytes`.
    fn starts_with(&mut self, bytes: &[u8]) -> Result<bool, DumpError> {
        self.fill(bytes.len())?;
        Ok(self.buf[self.at..].starts_with(bytes))
    }

    /// Consumes one byte, which the caller has peeked and knows is ASCII.
    fn bump(&mut self) {
        let byte = self.buf[self.at];
        self.at += 1;
        self.consumed += 1;
        if byte == b'\n' {
            self.pos.line += 1;
            self.pos.column = 1;
            self.newlines += 1;
        } else {
            self.pos.column += 1;
        }
    }

    fn invalid_utf8(&self) -> DumpError {
        let byte = self.buf.get(self.at).copied().unwrap_or_default();
        let utf16 = self.consumed == 0 && matches!(byte, 0xFE | 0xFF);
        let hint = if utf16 {
            "it looks like UTF-16: convert it first, e.g. `iconv -f UTF-16 -t UTF-8 dump.sql > dump.utf8.sql`"
        } else {
            "a dump must be UTF-8: convert it first, e.g. `iconv -f CP949 -t UTF-8 dump.sql > dump.utf8.sql` for a CP949/EUC-KR dump"
        };
        self.pos
            .error(format!("invalid UTF-8 (byte 0x{byte:02X}); {hint}"))
    }

    /// Consumes one character.
    fn next_char(&mut self) -> Result<Option<char>, DumpError> {
        if !self.fill(1)? {
            return Ok(None);
        }
        let lead = self.buf[self.at];
        if lead < 0x80 {
            self.bump();
            return Ok(Some(char::from(lead)));
        }
        let width = match lead {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return Err(self.invalid_utf8()),
        };
        self.fill(width)?;
        let end = (self.at + width).min(self.buf.len());
        let Some(c) = std::str::from_utf8(&self.buf[self.at..end])
            .ok()
            .and_then(|s| s.chars().next())
        else {
            return Err(self.invalid_utf8());
        };
        self.at = end;
        self.consumed += width as u64;
        self.pos.column += 1;
        Ok(Some(c))
    }

    /// Consumes characters up to (not including) the next ASCII byte for which
    /// `stop` holds, or the end of the dump, appending them to `out`. `stop`
    /// must hold for `\n` (lines are counted one by one, by `bump`).
    fn take_while_not(
        &mut self,
        stop: impl Fn(u8) -> bool,
        mut out: Option<&mut String>,
    ) -> Result<(), DumpError> {
        loop {
            if self.at == self.buf.len() && !self.fill(1)? {
                return Ok(());
            }
            let avail = &self.buf[self.at..];
            let n = avail
                .iter()
                .position(|&b| b < 0x80 && stop(b))
                .unwrap_or(avail.len());
            if n == 0 {
                return Ok(());
            }
            let (text, complete) = match std::str::from_utf8(&avail[..n]) {
                Ok(text) => (text, true),
                Err(e) => {
                    let valid = &avail[..e.valid_up_to()];
                    // Checked by from_utf8 just now.
                    (std::str::from_utf8(valid).unwrap_or_default(), false)
                }
            };
            if let Some(out) = out.as_deref_mut() {
                out.push_str(text);
            }
            let len = text.len();
            self.pos.column += text.chars().count();
            self.at += len;
            self.consumed += len as u64;
            if !complete {
                // An invalid sequence, or one cut by the end of the buffer:
                // `next_char` fills the buffer and tells them apart.
                let c = self.next_char()?;
                if let (Some(c), Some(out)) = (c, out.as_deref_mut()) {
                    out.push(c);
                }
            }
        }
    }
}

/// The lexer: a dialect's tokens, one at a time.
pub(super) struct Lexer<R> {
    input: Input<R>,
    dialect: Dialect,
    /// The statement delimiter set by MySQL's `DELIMITER`, unless it is `;`.
    delimiter: Option<String>,
    /// Whether a token has been read on the current line (so a `/` is not
    /// alone on it).
    line_has_token: bool,
}

fn is_word_byte(b: u8, dialect: Dialect) -> bool {
    b.is_ascii_alphanumeric()
        || b == b'_'
        || b == b'$'
        || b >= 0x80
        || (b == b'#' && !dialect.is_mysql())
        || (b == b'@' && dialect.is_mysql())
}

impl<R: BufRead> Lexer<R> {
    pub(super) fn new(reader: R, dialect: Dialect) -> Self {
        Lexer {
            input: Input {
                reader,
                buf: Vec::new(),
                at: 0,
                eof: false,
                pos: Pos { line: 1, column: 1 },
                consumed: 0,
                newlines: 0,
            },
            dialect,
            delimiter: None,
            line_has_token: false,
        }
    }

    /// The position of the next character.
    pub(super) fn pos(&self) -> Pos {
        self.input.pos
    }

    pub(super) fn bytes_read(&self) -> u64 {
        self.input.consumed
    }

    pub(super) fn lines_read(&self) -> usize {
        self.input.newlines
    }

    /// Whether MySQL's `DELIMITER` has set a delimiter other than `;`.
    pub(super) fn has_custom_delimiter(&self) -> bool {
        self.delimiter.is_some()
    }

    /// The next token; `None` at the end of the dump.
    pub(super) fn next_token(&mut self) -> Result<Option<Token>, DumpError> {
        if self.input.consumed == 0 && self.input.starts_with("\u{feff}".as_bytes())? {
            // A byte-order mark, as Windows editors write.
            self.input.next_char()?;
            self.input.pos.column = 1;
        }
        loop {
            let Some(byte) = self.input.peek(0)? else {
                return Ok(None);
            };
            let pos = self.input.pos;
            if let Some(delimiter) = &self.delimiter
                && self.input.starts_with(delimiter.as_bytes())?
            {
                let delimiter = delimiter.clone();
                let end = self.input.consumed + delimiter.len() as u64;
                while self.input.consumed < end {
                    self.input.next_char()?;
                }
                return self.token(Tok::End(Terminator::Custom(delimiter)), pos);
            }
            let next = self.input.peek(1)?;
            let tok = match byte {
                b'\n' => {
                    self.input.bump();
                    self.line_has_token = false;
                    continue;
                }
                b' ' | b'\t' | b'\r' | 0x0B | 0x0C => {
                    self.input.bump();
                    continue;
                }
                b'-' if next == Some(b'-') => {
                    self.skip_line_rest()?;
                    continue;
                }
                b'#' if self.dialect.is_mysql() => {
                    self.skip_line_rest()?;
                    continue;
                }
                b'/' if next == Some(b'/') && self.dialect == Dialect::Cubrid => {
                    self.skip_line_rest()?;
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    self.block_comment(pos)?;
                    continue;
                }
                b'/' if self.dialect.slash_ends_statements() && !self.line_has_token => {
                    self.input.bump();
                    while let Some(b' ' | b'\t' | b'\r') = self.input.peek(0)? {
                        self.input.bump();
                    }
                    match self.input.peek(0)? {
                        None | Some(b'\n') => Tok::End(Terminator::Slash),
                        Some(_) => Tok::Punct('/'),
                    }
                }
                b';' if self.delimiter.is_none() => {
                    self.input.bump();
                    Tok::End(Terminator::Semicolon)
                }
                b'\'' => Tok::Str(self.string(b'\'', self.dialect.is_mysql(), pos)?),
                b'"' if self.dialect.is_mysql() => Tok::DoubleQuoted(self.string(b'"', true, pos)?),
                b'"' | b'`' => Tok::Ident(self.quoted_name(byte, byte, pos)?, char::from(byte)),
                b'[' if self.dialect == Dialect::Cubrid => {
                    Tok::Ident(self.quoted_name(b'[', b']', pos)?, '[')
                }
                b'$' if self.dialect == Dialect::Postgres => match self.dollar_tag()? {
                    Some(tag) => Tok::Str(self.dollar_quoted(&tag, pos)?),
                    None if next.is_some_and(|b| b.is_ascii_digit()) => Tok::Word(self.word()?),
                    None => {
                        self.input.bump();
                        Tok::Punct('$')
                    }
                },
                b'0'..=b'9' => Tok::Number(self.number()?),
                b'.' if next.is_some_and(|b| b.is_ascii_digit()) => Tok::Number(self.number()?),
                b':' if next == Some(b':') => {
                    self.input.bump();
                    self.input.bump();
                    Tok::Cast
                }
                b if b >= 0x80 => {
                    // Whitespace outside ASCII (no-break or ideographic space) is
                    // still whitespace; anything else starts a name.
                    let Some(c) = self.peek_char()? else {
                        return Err(self.input.invalid_utf8());
                    };
                    if c.is_whitespace() || c == '\u{feff}' {
                        self.input.next_char()?;
                        continue;
                    }
                    self.word_or_prefixed_string(pos)?
                }
                b if is_word_byte(b, self.dialect) && b != b'$' => {
                    self.word_or_prefixed_string(pos)?
                }
                _ => {
                    self.input.bump();
                    Tok::Punct(char::from(byte))
                }
            };
            return self.token(tok, pos);
        }
    }

    fn token(&mut self, tok: Tok, pos: Pos) -> Result<Option<Token>, DumpError> {
        self.line_has_token = true;
        Ok(Some(Token { tok, pos }))
    }

    /// The character at the read position, without consuming it.
    fn peek_char(&mut self) -> Result<Option<char>, DumpError> {
        self.input.fill(4)?;
        let avail = &self.input.buf[self.input.at..];
        let len = avail.len().min(4);
        let text = match std::str::from_utf8(&avail[..len]) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&avail[..e.valid_up_to()]).unwrap_or_default(),
        };
        Ok(text.chars().next())
    }

    /// Skips the rest of the line, keeping the newline.
    fn skip_line_rest(&mut self) -> Result<(), DumpError> {
        self.input.take_while_not(|b| b == b'\n', None)
    }

    /// Skips the rest of the line and its newline: the rest of a command that
    /// a client tool reads by lines (`PROMPT …`, `\connect …`).
    pub(super) fn skip_line(&mut self) -> Result<(), DumpError> {
        self.skip_line_rest()?;
        if self.input.peek(0)? == Some(b'\n') {
            self.input.bump();
        }
        self.line_has_token = false;
        Ok(())
    }

    /// Reads the rest of a MySQL `DELIMITER` line: the new delimiter.
    pub(super) fn read_delimiter(&mut self, at: Pos) -> Result<(), DumpError> {
        while let Some(b' ' | b'\t') = self.input.peek(0)? {
            self.input.bump();
        }
        let mut delimiter = String::new();
        self.input.take_while_not(
            |b| matches!(b, b'\n' | b'\r' | b' ' | b'\t'),
            Some(&mut delimiter),
        )?;
        self.skip_line()?;
        if delimiter.is_empty() {
            return Err(
                at.error("expected a delimiter after `DELIMITER`, found the end of the line")
            );
        }
        self.delimiter = (delimiter != ";").then_some(delimiter);
        Ok(())
    }

    fn block_comment(&mut self, start: Pos) -> Result<(), DumpError> {
        self.input.bump();
        self.input.bump();
        let nested = self.dialect == Dialect::Postgres;
        let mut depth = 1;
        loop {
            self.input
                .take_while_not(|b| matches!(b, b'*' | b'/' | b'\n'), None)?;
            let Some(byte) = self.input.peek(0)? else {
                return Err(self.input.pos.error(format!(
                    "the dump ends inside a /* comment that starts at line {}, column {}",
                    start.line, start.column
                )));
            };
            let next = self.input.peek(1)?;
            self.input.bump();
            match (byte, next) {
                (b'*', Some(b'/')) => {
                    self.input.bump();
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (b'/', Some(b'*')) if nested => {
                    self.input.bump();
                    depth += 1;
                }
                _ => {}
            }
        }
    }

    fn ends_inside(&self, what: &str, start: Pos) -> DumpError {
        self.input.pos.error(format!(
            "the dump ends inside {what} that starts at line {}, column {}",
            start.line, start.column
        ))
    }

    /// The body of a quoted string or name, its opening quote consumed: runs
    /// of characters, newlines, and the bytes for which `special` holds, which
    /// `on_special` handles once consumed, saying whether the body has ended.
    /// `what` names it when the dump ends first.
    fn quoted_body(
        &mut self,
        what: &str,
        start: Pos,
        special: impl Fn(u8) -> bool,
        mut on_special: impl FnMut(&mut Self, u8, &mut String) -> Result<bool, DumpError>,
    ) -> Result<String, DumpError> {
        let mut text = String::new();
        loop {
            self.input
                .take_while_not(|b| b == b'\n' || special(b), Some(&mut text))?;
            let Some(byte) = self.input.peek(0)? else {
                return Err(self.ends_inside(what, start));
            };
            self.input.bump();
            if byte == b'\n' {
                text.push('\n');
            } else if on_special(self, byte, &mut text)? {
                return Ok(text);
            }
        }
    }

    /// At a closing quote (consumed): whether the body ends, or the quote is
    /// doubled and stands for itself.
    fn closes(&mut self, quote: u8, text: &mut String) -> Result<bool, DumpError> {
        if self.input.peek(0)? == Some(quote) {
            self.input.bump();
            text.push(char::from(quote));
            return Ok(false);
        }
        Ok(true)
    }

    /// A quoted string from its opening quote: `''` (or `""`) is one quote;
    /// with `escapes`, MySQL's backslash escapes apply.
    fn string(&mut self, quote: u8, escapes: bool, start: Pos) -> Result<String, DumpError> {
        self.input.bump();
        let special = |b| b == quote || (escapes && b == b'\\');
        self.quoted_body("a string", start, special, |lexer, byte, text| {
            if byte == quote {
                return lexer.closes(quote, text);
            }
            let Some(escaped) = lexer.input.next_char()? else {
                return Err(lexer.ends_inside("a string", start));
            };
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
                other => text.push(other),
            }
            Ok(false)
        })
    }

    /// PostgreSQL's `E'…'`, from its quote: C-like backslash escapes. Octal
    /// and hex escapes spell out bytes; those of a UTF-8 character follow each
    /// other and are read together.
    fn escape_string(&mut self, start: Pos) -> Result<String, DumpError> {
        self.input.bump();
        let special = |b| b == b'\'' || b == b'\\';
        self.quoted_body("a string", start, special, |lexer, byte, text| {
            if byte == b'\'' {
                return lexer.closes(b'\'', text);
            }
            let at = lexer.input.pos;
            let Some(escaped) = lexer.input.next_char()? else {
                return Err(lexer.ends_inside("a string", start));
            };
            let c = match escaped {
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '0'..='7' | 'x' => lexer.escaped_bytes(escaped, at)?,
                'u' | 'U' => {
                    let want = if escaped == 'u' { 4 } else { 8 };
                    let (value, read) = lexer.hex_digits(want)?;
                    match char::from_u32(value).filter(|_| read == want) {
                        Some(c) => c,
                        None => {
                            return Err(at.error(format!(
                                "expected {want} hex digits of a Unicode character after `\\{escaped}`"
                            )));
                        }
                    }
                }
                other => other,
            };
            text.push(c);
            Ok(false)
        })
    }

    /// After `\` and the first character of an octal (`\352`) or hex (`\xEA`)
    /// escape: the character its byte begins, reading the escapes of the
    /// character's further bytes.
    fn escaped_bytes(&mut self, first: char, at: Pos) -> Result<char, DumpError> {
        let mut bytes = vec![self.escaped_byte(first)?];
        let width = match bytes[0] {
            0x00..=0x7F => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        while bytes.len() < width && self.input.peek(0)? == Some(b'\\') {
            match self.input.peek(1)? {
                Some(next @ (b'0'..=b'7' | b'x')) => {
                    self.input.bump();
                    self.input.bump();
                    bytes.push(self.escaped_byte(char::from(next))?);
                }
                _ => break,
            }
        }
        std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| s.chars().next())
            .ok_or_else(|| {
                at.error("the escapes of this E'…' string spell out bytes that are not UTF-8")
            })
    }

    /// One escaped byte: octal digits (the first one given) or `x` and hex
    /// digits; `\x` without digits is an `x`.
    fn escaped_byte(&mut self, first: char) -> Result<u8, DumpError> {
        if first == 'x' {
            let (value, read) = self.hex_digits(2)?;
            return Ok(if read == 0 { b'x' } else { value as u8 });
        }
        let mut value = first.to_digit(8).unwrap_or_default();
        for _ in 0..2 {
            match self.input.peek(0)? {
                Some(digit @ b'0'..=b'7') => {
                    self.input.bump();
                    value = value * 8 + u32::from(digit - b'0');
                }
                _ => break,
            }
        }
        Ok((value & 0xFF) as u8)
    }

    /// Up to `max` hex digits: their value and how many there were.
    fn hex_digits(&mut self, max: usize) -> Result<(u32, usize), DumpError> {
        let mut value = 0u32;
        let mut read = 0;
        while read < max {
            match self.input.peek(0)?.and_then(|b| char::from(b).to_digit(16)) {
                Some(digit) => {
                    self.input.bump();
                    value = value * 16 + digit;
                    read += 1;
                }
                None => break,
            }
        }
        Ok((value, read))
    }

    /// Oracle's `q'<delimiter>…<delimiter>'`, from its quote.
    fn q_string(&mut self, start: Pos) -> Result<String, DumpError> {
        self.input.bump();
        let Some(open) = self.input.peek(0)? else {
            return Err(self.ends_inside("a string", start));
        };
        let close = match open {
            b'[' => b']',
            b'{' => b'}',
            b'(' => b')',
            b'<' => b'>',
            b' ' | b'\t' | b'\r' | b'\n' => {
                return Err(self.input.pos.error(format!(
                    "expected the delimiter of a q'…' string, found {}",
                    if open == b'\n' {
                        "the end of the line"
                    } else {
                        "a space"
                    }
                )));
            }
            other if other < 0x80 => other,
            _ => {
                return Err(self
                    .input
                    .pos
                    .error("the delimiter of a q'…' string must be an ASCII character"));
            }
        };
        self.input.bump();
        self.quoted_body(
            "a string",
            start,
            |b| b == close,
            |lexer, _, text| {
                if lexer.input.peek(0)? == Some(b'\'') {
                    lexer.input.bump();
                    return Ok(true);
                }
                text.push(char::from(close));
                Ok(false)
            },
        )
    }

    /// At a `$`: the tag of a PostgreSQL dollar quote (`$$` or `$tag$`), if
    /// one starts here; nothing is consumed.
    fn dollar_tag(&mut self) -> Result<Option<String>, DumpError> {
        let mut tag = String::from("$");
        for k in 1..=64 {
            match self.input.peek(k)? {
                Some(b'$') => {
                    tag.push('$');
                    return Ok(Some(tag));
                }
                Some(b)
                    if b.is_ascii_alphabetic() || b == b'_' || (k > 1 && b.is_ascii_digit()) =>
                {
                    tag.push(char::from(b));
                }
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    fn dollar_quoted(&mut self, tag: &str, start: Pos) -> Result<String, DumpError> {
        for _ in 0..tag.len() {
            self.input.bump();
        }
        let rest = &tag.as_bytes()[1..];
        let what = "a $-quoted string";
        self.quoted_body(
            what,
            start,
            |b| b == b'$',
            |lexer, _, text| {
                if lexer.input.starts_with(rest)? {
                    for _ in rest {
                        lexer.input.bump();
                    }
                    return Ok(true);
                }
                text.push('$');
                Ok(false)
            },
        )
    }

    /// A quoted name from its opening quote; a doubled closing quote is one
    /// (but not in CUBRID's `[…]`).
    fn quoted_name(&mut self, open: u8, close: u8, start: Pos) -> Result<String, DumpError> {
        self.input.bump();
        let what = format!("a name quoted with {}", char::from(open));
        self.quoted_body(
            &what,
            start,
            |b| b == close,
            |lexer, _, text| {
                if open == b'[' {
                    return Ok(true);
                }
                lexer.closes(close, text)
            },
        )
    }

    fn word(&mut self) -> Result<String, DumpError> {
        let mut word = String::new();
        let dialect = self.dialect;
        self.input
            .take_while_not(|b| !is_word_byte(b, dialect), Some(&mut word))?;
        Ok(word)
    }

    /// A word, or a string with a prefix: `N'…'`, `E'…'`, `q'[…]'`, `X'…'`,
    /// MySQL's `_utf8mb4'…'`.
    fn word_or_prefixed_string(&mut self, pos: Pos) -> Result<Tok, DumpError> {
        let word = self.word()?;
        if self.input.peek(0)? != Some(b'\'') {
            return Ok(Tok::Word(word));
        }
        let dialect = self.dialect;
        let lower = word.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "n" => Tok::Str(self.string(b'\'', dialect.is_mysql(), pos)?),
            "e" if dialect == Dialect::Postgres => Tok::Str(self.escape_string(pos)?),
            "q" | "nq" if dialect.has_q_quotes() => Tok::Str(self.q_string(pos)?),
            "x" | "b" => {
                let digits = self.string(b'\'', false, pos)?;
                Tok::Literal(format!("{}'{digits}'", word.to_ascii_uppercase()))
            }
            _ if dialect.is_mysql() && word.starts_with('_') => {
                Tok::Str(self.string(b'\'', true, pos)?)
            }
            _ => Tok::Word(word),
        })
    }

    /// An unsigned number: digits, a point, an exponent, `0x1F`.
    fn number(&mut self) -> Result<String, DumpError> {
        let mut number = String::new();
        loop {
            self.input.take_while_not(
                |b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'_'),
                Some(&mut number),
            )?;
            let exponent = number.ends_with(['e', 'E']) && !number.starts_with("0x");
            match (self.input.peek(0)?, self.input.peek(1)?) {
                (Some(sign @ (b'+' | b'-')), Some(digit)) if exponent && digit.is_ascii_digit() => {
                    self.input.bump();
                    number.push(char::from(sign));
                }
                _ => return Ok(number),
            }
        }
    }
}
