//! Signed checkpoints of the hash-chained audit log.
//!
//! A checkpoint is the statement "chain `chain` holds `size` events, the last of
//! which hashes to `head`, as of `time`", signed with Ed25519. Anyone holding the
//! public key (one line of text, see [`CheckpointVerifier::to_text`]) can check it,
//! without the database and without this crate. Exported off the host (a file, a
//! printout, another organisation's mailbox), checkpoints make a later rewrite of
//! the log detectable: the rewritten chain no longer reaches a signed head.
//!
//! The text resembles a C2SP *signed note* but is its own format (there is no key
//! hash in the signature line), so use this description, not a C2SP verifier.
//!
//! ```
//! use egov_audit::checkpoint::{
//!     self, Checkpoint, CheckpointError, CheckpointSigner, CheckpointVerifier,
//! };
//! use time::macros::datetime;
//!
//! // The writer: a key pair (from configuration in a real deployment).
//! let signer = CheckpointSigner::from_seed("audit-2026", &[7; 32])?;
//! let public_key_line = signer.verifier().to_text(); // handed to the auditor once
//!
//! let statement = Checkpoint::new("main", 42, [0xab; 32], datetime!(2026-11-27 07:25:08 UTC))?;
//! let signed = signer.sign(&statement)?;
//! let mut file = Vec::new(); // or a `File`, or `std::io::stdout().lock()`
//! checkpoint::export(&[signed.clone()], &mut file)?;
//!
//! // The auditor: the public key line and the exported text, nothing else.
//! let verifier = CheckpointVerifier::from_text(&public_key_line)?;
//! let read = checkpoint::parse_many(std::str::from_utf8(&file)?)?;
//! assert_eq!(read, [signed]);
//! verifier.verify(&read[0])?;
//!
//! // Claiming one event more (or less) than was signed is caught.
//! let mut forged = read[0].clone();
//! forged.checkpoint.size += 1;
//! assert!(matches!(verifier.verify(&forged), Err(CheckpointError::BadSignature)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Text format, version 1
//!
//! A signed checkpoint is UTF-8 text of exactly seven lines, each terminated by a
//! single line feed (LF, `0x0A`). For example, the test vector
//! `tests/vectors/checkpoint-v1.txt` (key id `test`, seed 32 bytes of `0x01`, so
//! public key line `test iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=`; head is
//! SHA-256 of `egov-audit checkpoint test vector`):
//!
//! ```text
//! egov-audit checkpoint v1
//! chain: main
//! size: 42
//! head: fbb760e1b1ef81417b73a507d4a069a2036208251c61978583a1f0952101df22
//! time: 2026-11-27T07:25:08Z
//!
//! — test cASpkY1MRWiMnHzOVuodINhvJWeJFRlvgiW02JhqmRmeaxrB4tWMyZlY/ux9BKNhIqfhprkdn0E7n4Dqp+ntBQ==
//! ```
//!
//! | line | content |
//! |------|---------|
//! | 1 | `egov-audit checkpoint v1` ([`FORMAT_HEADER`]) |
//! | 2 | `chain: ` then the chain id: 1 to 64 characters from ASCII `A-Z a-z 0-9 . _ -` |
//! | 3 | `size: ` then the number of events covered (sequence numbers `1..=size`): decimal digits, no sign, no leading zero (`0` for an empty chain), at most 2⁶⁴−1 |
//! | 4 | `head: ` then the 32-byte hash of event number `size` as 64 **lowercase** hex digits; 64 zeros when `size` is 0 |
//! | 5 | `time: ` then the time in UTC as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339 restricted to: four-digit year `0000`–`9999`, upper-case `T` and `Z`, whole seconds, no offset, no leap second) |
//! | 6 | empty |
//! | 7 | `—` (U+2014 EM DASH, UTF-8 `E2 80 94`), one space, the key id (same alphabet and length as a chain id), one space, the signature: standard base64 **with** padding (RFC 4648 §4, alphabet `A-Z a-z 0-9 + /`) of the 64-byte Ed25519 signature — 88 characters |
//!
//! - **Signed bytes.** The *body* is lines 1 to 5 including the LF ending line 5:
//!   everything before the empty line ([`Checkpoint::body`]). The signature is
//!   plain Ed25519 (RFC 8032 "Ed25519": no pre-hash, no context) over the body
//!   bytes. Verification rejects non-canonical signatures and small-order points
//!   (as `ed25519_dalek::VerifyingKey::verify_strict` does).
//! - **Exact bytes.** Field names are lower case and followed by exactly `": "`;
//!   there is no other whitespace, no carriage return (CR LF line ends are
//!   refused), no byte order mark, nothing before line 1 and nothing after the LF
//!   ending line 7. Every value has exactly one spelling, so an accepted text is
//!   byte for byte what [`SignedCheckpoint::to_text`] writes back.
//! - **Several checkpoints** ([`export`], [`parse_many`]): the texts one after the
//!   other, separated by exactly one empty line (one more LF between the LF
//!   ending one signature line and the header of the next). No empty line at the
//!   start or the end; an empty file holds no checkpoints.
//! - **Public key** ([`CheckpointVerifier::to_text`]): one line `<key id> <key>`,
//!   the key id, one space, and standard padded base64 of the 32-byte Ed25519
//!   public key (44 characters).
//!
//! A verifier in another language: read the public key line; split the text into
//! lines on LF and check each as above; check the key id on line 7 equals the
//! trusted one; Ed25519-verify the decoded signature over the first five lines
//! (with their LFs) using the decoded public key. Only then trust `size`, `head`
//! and `time`, and check that the log's event number `size` hashes to `head`.

use std::fmt;
use std::io;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use egov_core::config::DEV_SECRET_MARKER;
use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use zeroize::Zeroize;

/// The first line of every checkpoint (format version 1).
pub const FORMAT_HEADER: &str = "egov-audit checkpoint v1";

/// What starts the signature line: U+2014 EM DASH and a space.
pub const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// The longest chain id or key id, in characters.
pub const MAX_ID_LEN: usize = 64;

/// Line numbers of fields in a checkpoint text, for validation errors.
const HEAD_LINE: usize = 4;
const TIME_LINE: usize = 5;

/// Why a checkpoint, key or text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The text is not in the documented format (or, from
    /// [`Checkpoint::validate`], a field cannot be written in it; `line` is then
    /// the field's line in the text).
    #[error("malformed checkpoint at line {line}: {reason}")]
    Malformed {
        /// The 1-based line of the text at fault (for a whole export, counted from
        /// the start of the export).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The key id, seed or public key is not usable. Never contains key material.
    #[error("invalid checkpoint key: {0}")]
    InvalidKey(String),
    /// The checkpoint was signed under another key id than the verifier's.
    #[error("checkpoint is signed by key {found:?}, but the verifier holds key {expected:?}")]
    KeyIdMismatch {
        /// The verifier's key id.
        expected: String,
        /// The key id in the signed checkpoint.
        found: String,
    },
    /// The signature does not verify: the statement was changed, or signed by
    /// another key.
    #[error("checkpoint signature does not verify")]
    BadSignature,
    /// The chain id is not 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
    #[error("invalid chain id {0:?}: expected 1 to {MAX_ID_LEN} characters from A-Z a-z 0-9 . _ -")]
    InvalidChainId(String),
}

fn malformed(line: usize, reason: impl Into<String>) -> CheckpointError {
    CheckpointError::Malformed {
        line,
        reason: reason.into(),
    }
}

/// The statement being signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which chain: 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
    pub chain_id: String,
    /// The number of events covered: sequence numbers `1..=size`.
    pub size: u64,
    /// The hash of event number `size` (all zeros when `size` is 0).
    pub head: [u8; 32],
    /// When the statement was made. Written in UTC with whole seconds (any
    /// fraction is dropped), years 0000 to 9999.
    pub time: OffsetDateTime,
}

impl Checkpoint {
    /// A checkpoint with its time converted to UTC and truncated to whole
    /// seconds, checked with [`Checkpoint::validate`].
    ///
    /// # Errors
    ///
    /// As [`Checkpoint::validate`].
    pub fn new(
        chain_id: impl Into<String>,
        size: u64,
        head: [u8; 32],
        time: OffsetDateTime,
    ) -> Result<Self, CheckpointError> {
        let checkpoint = Checkpoint {
            chain_id: chain_id.into(),
            size,
            head,
            time: normalize_time(time),
        };
        checkpoint.validate()?;
        Ok(checkpoint)
    }

    /// Checks that the statement can be written in the format.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidChainId`] for a bad chain id;
    /// [`CheckpointError::Malformed`] (with the line the field would have in the
    /// text) for a non-zero `head` with `size` 0, or a time outside years 0000 to
    /// 9999 UTC.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        validate_chain_id(&self.chain_id)?;
        if self.size == 0 && self.head != [0; 32] {
            return Err(malformed(
                HEAD_LINE,
                "head must be all zeros when size is 0",
            ));
        }
        if format_time(self.time).is_none() {
            return Err(malformed(
                TIME_LINE,
                "time must fall within the years 0000 to 9999 UTC",
            ));
        }
        Ok(())
    }

    /// The exact bytes that are signed: lines 1 to 5 of the text, each ending in
    /// LF, e.g.
    /// `"egov-audit checkpoint v1\nchain: main\nsize: 42\nhead: <64 lowercase hex>\ntime: 2026-11-27T07:25:08Z\n"`.
    ///
    /// Only a checkpoint that passes [`Checkpoint::validate`] has a body in the
    /// documented format ([`CheckpointSigner::sign`] refuses the others).
    pub fn body(&self) -> String {
        let time = format_time(self.time).unwrap_or_else(|| "(out of range)".to_owned());
        format!(
            "{FORMAT_HEADER}\nchain: {}\nsize: {}\nhead: {}\ntime: {time}\n",
            self.chain_id,
            self.size,
            crate::chain::to_hex(&self.head),
        )
    }
}

/// An Ed25519 key pair with a key id, used by the writer to sign checkpoints.
///
/// Its `Debug` shows the key id and the public key only.
pub struct CheckpointSigner {
    key_id: String,
    key: SigningKey,
}

impl CheckpointSigner {
    /// A signer from a 32-byte Ed25519 seed (RFC 8032 private key).
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKey`] when the key id is not 1 to 64 characters
    /// from `A-Z a-z 0-9 . _ -`.
    pub fn from_seed(key_id: &str, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        check_key_id(key_id)?;
        Ok(CheckpointSigner {
            key_id: key_id.to_owned(),
            key: SigningKey::from_bytes(seed),
        })
    }

    /// A signer from configuration text: standard base64 (with padding) of a
    /// 32-byte seed, or a development value starting with
    /// [`DEV_SECRET_MARKER`], whose seed is SHA-256 of the whole string.
    /// Surrounding whitespace is ignored in both cases.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKey`] for a bad key id, empty material, text
    /// that is not standard base64, or base64 of anything but 32 bytes. The
    /// message never repeats the material.
    pub fn from_config(key_id: &str, material: &str) -> Result<Self, CheckpointError> {
        check_key_id(key_id)?;
        let text = material.trim();
        if text.is_empty() {
            return Err(CheckpointError::InvalidKey("seed is empty".to_owned()));
        }
        let mut seed = [0u8; 32];
        let result = if text.starts_with(DEV_SECRET_MARKER) {
            seed.copy_from_slice(&Sha256::digest(text.as_bytes()));
            Ok(())
        } else {
            match STANDARD.decode(text) {
                Err(_) => Err(CheckpointError::InvalidKey(
                    "seed is not standard base64 (expected 44 characters encoding exactly 32 bytes)"
                        .to_owned(),
                )),
                Ok(mut decoded) => {
                    let result = if decoded.len() == seed.len() {
                        seed.copy_from_slice(&decoded);
                        Ok(())
                    } else {
                        Err(CheckpointError::InvalidKey(format!(
                            "seed decodes to {} bytes; expected exactly 32 (standard base64, 44 characters)",
                            decoded.len()
                        )))
                    };
                    decoded.zeroize();
                    result
                }
            }
        };
        let signer = result.map(|()| CheckpointSigner {
            key_id: key_id.to_owned(),
            key: SigningKey::from_bytes(&seed),
        });
        seed.zeroize();
        signer
    }

    /// The key id written into every signature line.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, for auditors.
    pub fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier {
            key_id: self.key_id.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Signs a checkpoint. The signed copy has its time converted to UTC and
    /// truncated to whole seconds, as written in the text, so that
    /// `SignedCheckpoint::parse(&signed.to_text())` gives back `signed`.
    ///
    /// # Errors
    ///
    /// As [`Checkpoint::validate`]: nothing outside the format is ever signed.
    /// (Check a configured chain id once, at start-up, with
    /// [`validate_chain_id`].)
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<SignedCheckpoint, CheckpointError> {
        let mut checkpoint = checkpoint.clone();
        checkpoint.time = normalize_time(checkpoint.time);
        checkpoint.validate()?;
        let signature = self.key.sign(checkpoint.body().as_bytes());
        Ok(SignedCheckpoint {
            checkpoint,
            key_id: self.key_id.clone(),
            signature: signature.to_bytes(),
        })
    }
}

impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("key_id", &self.key_id)
            .field(
                "public_key",
                &STANDARD.encode(self.key.verifying_key().as_bytes()),
            )
            .finish_non_exhaustive()
    }
}

/// The public half of a [`CheckpointSigner`]: what an auditor holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointVerifier {
    key_id: String,
    key: VerifyingKey,
}

impl CheckpointVerifier {
    /// A verifier from a key id and a 32-byte Ed25519 public key.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKey`] for a bad key id, bytes that are not a
    /// point on the curve, or a small-order (weak) point.
    pub fn new(key_id: &str, public_key: &[u8; 32]) -> Result<Self, CheckpointError> {
        check_key_id(key_id)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| {
            CheckpointError::InvalidKey("public key is not a valid Ed25519 point".to_owned())
        })?;
        if key.is_weak() {
            return Err(CheckpointError::InvalidKey(
                "public key is a small-order (weak) Ed25519 point".to_owned(),
            ));
        }
        Ok(CheckpointVerifier {
            key_id: key_id.to_owned(),
            key,
        })
    }

    /// `"<key_id> <base64 of the 32-byte public key>"` (standard base64 with
    /// padding, no line end): one line an auditor can keep.
    pub fn to_text(&self) -> String {
        format!("{} {}", self.key_id, STANDARD.encode(self.key.as_bytes()))
    }

    /// Reads [`CheckpointVerifier::to_text`] output. Surrounding whitespace (such
    /// as the line end of a file) is ignored; inside, exactly one space.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::InvalidKey`] for anything else.
    pub fn from_text(text: &str) -> Result<Self, CheckpointError> {
        let text = text.trim();
        let Some((key_id, encoded)) = text.split_once(' ') else {
            return Err(CheckpointError::InvalidKey(
                "expected \"<key id> <base64 public key>\"".to_owned(),
            ));
        };
        check_key_id(key_id)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| {
            CheckpointError::InvalidKey(
                "public key is not standard base64 (expected 44 characters)".to_owned(),
            )
        })?;
        let public_key = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            CheckpointError::InvalidKey(format!(
                "public key decodes to {} bytes; expected 32",
                bytes.len()
            ))
        })?;
        CheckpointVerifier::new(key_id, &public_key)
    }

    /// The key id this verifier accepts.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Checks a signed checkpoint: the key id must be this verifier's, the
    /// statement must be in the format, and the signature must verify (strictly:
    /// non-canonical signatures and small-order points are refused).
    ///
    /// # Errors
    ///
    /// [`CheckpointError::KeyIdMismatch`], the errors of
    /// [`Checkpoint::validate`], or [`CheckpointError::BadSignature`].
    pub fn verify(&self, signed: &SignedCheckpoint) -> Result<(), CheckpointError> {
        if signed.key_id != self.key_id {
            return Err(CheckpointError::KeyIdMismatch {
                expected: self.key_id.clone(),
                found: signed.key_id.clone(),
            });
        }
        signed.checkpoint.validate()?;
        let signature = Signature::from_bytes(&signed.signature);
        self.key
            .verify_strict(signed.checkpoint.body().as_bytes(), &signature)
            .map_err(|_| CheckpointError::BadSignature)
    }
}

/// A checkpoint with the key id and Ed25519 signature over its
/// [`body`](Checkpoint::body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The statement.
    pub checkpoint: Checkpoint,
    /// The id of the key that signed it.
    pub key_id: String,
    /// The Ed25519 signature over `checkpoint.body()`.
    pub signature: [u8; 64],
}

impl SignedCheckpoint {
    /// The body, an empty line, and the signature line
    /// `"— <key_id> <base64 signature>\n"` (an em dash U+2014, like C2SP signed
    /// notes): the format described in the [module documentation](self).
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{SIGNATURE_LINE_PREFIX}{} {}\n",
            self.checkpoint.body(),
            self.key_id,
            STANDARD.encode(self.signature),
        )
    }

    /// Strictly parses one checkpoint written by [`SignedCheckpoint::to_text`].
    /// This does not verify the signature: use [`CheckpointVerifier::verify`].
    ///
    /// # Errors
    ///
    /// [`CheckpointError::Malformed`] with the 1-based line at fault for
    /// anything but the documented format: another header, fields out of order,
    /// extra or missing whitespace, upper-case hex, a time not in
    /// `YYYY-MM-DDTHH:MM:SSZ` form, CR LF line ends, bad base64, a missing or
    /// extra line.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let mut lines = Lines::new(text);
        let signed = parse_one(&mut lines)?;
        if !lines.rest.is_empty() {
            return Err(malformed(
                lines.line,
                "unexpected text after the signature line (use parse_many for several checkpoints)",
            ));
        }
        Ok(signed)
    }
}

/// Writes several signed checkpoints, separated by one empty line, to `out` (a
/// file, stdout, a buffer), then flushes it. [`parse_many`] reads them back.
///
/// # Errors
///
/// Whatever `out` returns.
pub fn export(checkpoints: &[SignedCheckpoint], out: &mut impl io::Write) -> io::Result<()> {
    for (i, signed) in checkpoints.iter().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(signed.to_text().as_bytes())?;
    }
    out.flush()
}

/// Strictly parses the output of [`export`]: checkpoints separated by exactly one
/// empty line. An empty text holds no checkpoints. Signatures are not verified.
///
/// # Errors
///
/// [`CheckpointError::Malformed`], with line numbers counted from the start of
/// `text`.
pub fn parse_many(text: &str) -> Result<Vec<SignedCheckpoint>, CheckpointError> {
    let mut checkpoints = Vec::new();
    if text.is_empty() {
        return Ok(checkpoints);
    }
    let mut lines = Lines::new(text);
    loop {
        checkpoints.push(parse_one(&mut lines)?);
        if lines.rest.is_empty() {
            return Ok(checkpoints);
        }
        let (line, content) = lines.next("an empty line between checkpoints")?;
        if !content.is_empty() {
            return Err(malformed(
                line,
                "expected exactly one empty line between checkpoints",
            ));
        }
        if lines.rest.is_empty() {
            return Err(malformed(
                line,
                "empty line after the last checkpoint (the text must end with a signature line)",
            ));
        }
    }
}

/// Walks a text line by line, counting from 1.
struct Lines<'a> {
    rest: &'a str,
    /// The number of the next line.
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            rest: text,
            line: 1,
        }
    }

    /// The next line without its LF; `expected` names it for the error when the
    /// text has ended.
    fn next(&mut self, expected: &str) -> Result<(usize, &'a str), CheckpointError> {
        let line = self.line;
        if self.rest.is_empty() {
            return Err(malformed(
                line,
                format!("missing line: expected {expected}"),
            ));
        }
        let Some((content, rest)) = self.rest.split_once('\n') else {
            return Err(malformed(
                line,
                "the text ends without a line feed (every line, the last included, ends with \\n)",
            ));
        };
        if content.contains('\r') {
            return Err(malformed(
                line,
                "carriage return: lines end with \\n alone (CR LF is not accepted)",
            ));
        }
        self.rest = rest;
        self.line += 1;
        Ok((line, content))
    }
}

fn parse_one(lines: &mut Lines<'_>) -> Result<SignedCheckpoint, CheckpointError> {
    // Line 1: header.
    let (line, header) = lines.next("the header line")?;
    if header != FORMAT_HEADER {
        let reason = if header.starts_with('\u{feff}') {
            "byte order mark before the header is not allowed".to_owned()
        } else if header.starts_with("egov-audit checkpoint ") {
            format!(
                "unsupported format {:?}; expected {FORMAT_HEADER:?}",
                excerpt(header)
            )
        } else {
            format!(
                "expected the header {FORMAT_HEADER:?}, found {:?}",
                excerpt(header)
            )
        };
        return Err(malformed(line, reason));
    }

    // Line 2: chain id.
    let (line, chain_id) = field(lines, "chain")?;
    if !is_valid_id(chain_id) {
        return Err(malformed(
            line,
            format!(
                "invalid chain id {:?}: expected 1 to {MAX_ID_LEN} characters from A-Z a-z 0-9 . _ -",
                excerpt(chain_id)
            ),
        ));
    }

    // Line 3: size.
    let (line, size) = field(lines, "size")?;
    let size = parse_size(size).map_err(|reason| malformed(line, reason))?;

    // Line 4: head.
    let (line, head) = field(lines, "head")?;
    let head = decode_head(head).map_err(|reason| malformed(line, reason))?;
    if size == 0 && head != [0; 32] {
        return Err(malformed(line, "head must be all zeros when size is 0"));
    }

    // Line 5: time.
    let (line, time) = field(lines, "time")?;
    let time = parse_time(time).map_err(|reason| malformed(line, reason))?;

    // Line 6: empty.
    let (line, empty) = lines.next("an empty line before the signature line")?;
    if !empty.is_empty() {
        return Err(malformed(
            line,
            "expected an empty line between the body and the signature line",
        ));
    }

    // Line 7: signature.
    let (line, signature_line) = lines.next("the signature line")?;
    let (key_id, signature) =
        parse_signature_line(signature_line).map_err(|reason| malformed(line, reason))?;

    Ok(SignedCheckpoint {
        checkpoint: Checkpoint {
            chain_id: chain_id.to_owned(),
            size,
            head,
            time,
        },
        key_id: key_id.to_owned(),
        signature,
    })
}

/// Reads the line `"<name>: <value>"` and returns the value.
fn field<'a>(lines: &mut Lines<'a>, name: &str) -> Result<(usize, &'a str), CheckpointError> {
    let (line, content) = lines.next(&format!("the \"{name}: \" line"))?;
    let value = content
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(": "))
        .ok_or_else(|| {
            let reason = if content.starts_with(&format!("{name}:")) {
                format!("expected exactly one space after \"{name}:\"")
            } else {
                format!(
                    "expected the \"{name}: \" line, found {:?}",
                    excerpt(content)
                )
            };
            malformed(line, reason)
        })?;
    if value.starts_with(char::is_whitespace) {
        return Err(malformed(
            line,
            format!("expected exactly one space after \"{name}:\""),
        ));
    }
    if value.ends_with(char::is_whitespace) {
        return Err(malformed(
            line,
            format!("whitespace after the {name} value"),
        ));
    }
    Ok((line, value))
}

fn parse_signature_line(line: &str) -> Result<(&str, [u8; 64]), String> {
    let rest = line.strip_prefix(SIGNATURE_LINE_PREFIX).ok_or_else(|| {
        "expected the signature line \"— <key id> <base64 signature>\" starting with an em dash (U+2014) and one space"
            .to_owned()
    })?;
    let (key_id, encoded) = rest
        .split_once(' ')
        .ok_or_else(|| "expected \"<key id> <base64 signature>\" after the em dash".to_owned())?;
    if !is_valid_id(key_id) {
        return Err(format!(
            "invalid key id {:?}: expected 1 to {MAX_ID_LEN} characters from A-Z a-z 0-9 . _ -",
            excerpt(key_id)
        ));
    }
    if encoded.contains(char::is_whitespace) || encoded.is_empty() {
        return Err("expected exactly one space between the key id and the signature, and nothing after the signature".to_owned());
    }
    let bytes = STANDARD.decode(encoded).map_err(|_| {
        "signature is not standard base64 with padding (expected 88 characters)".to_owned()
    })?;
    let signature = <[u8; 64]>::try_from(bytes.as_slice())
        .map_err(|_| format!("signature decodes to {} bytes; expected 64", bytes.len()))?;
    Ok((key_id, signature))
}

/// Decimal digits, no sign, no leading zero, at most `u64::MAX`.
fn parse_size(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err("size is empty".to_owned());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "size must be decimal digits only, found {:?}",
            excerpt(text)
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err("size must not have leading zeros".to_owned());
    }
    text.parse::<u64>()
        .map_err(|_| "size does not fit in 64 bits".to_owned())
}

/// Exactly 64 lowercase hex digits.
fn decode_head(text: &str) -> Result<[u8; 32], String> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.iter().any(u8::is_ascii_uppercase) && bytes.iter().all(u8::is_ascii_hexdigit) {
        return Err("head must be lowercase hex".to_owned());
    }
    if bytes.len() != 64 {
        return Err(format!(
            "head must be 64 lowercase hex digits, found {} characters",
            text.chars().count()
        ));
    }
    let mut head = [0u8; 32];
    for (out, pair) in head.iter_mut().zip(bytes.chunks_exact(2)) {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(hi), Some(lo)) => *out = (hi << 4) | lo,
            _ => return Err("head must be 64 lowercase hex digits (0-9, a-f)".to_owned()),
        }
    }
    Ok(head)
}

/// UTC, truncated to whole seconds. Left unchanged when UTC is out of range
/// (validation then refuses it).
fn normalize_time(time: OffsetDateTime) -> OffsetDateTime {
    let utc = time.checked_to_offset(UtcOffset::UTC).unwrap_or(time);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC, or `None` outside years 0000 to 9999.
fn format_time(time: OffsetDateTime) -> Option<String> {
    let utc = time.checked_to_offset(UtcOffset::UTC)?;
    if !(0..=9999).contains(&utc.year()) {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
    ))
}

/// Exactly `YYYY-MM-DDTHH:MM:SSZ`, a real date and time of day.
fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    const SHAPE: &[u8; 20] = b"dddd-dd-ddTdd:dd:ddZ";
    let bytes = text.as_bytes();
    let shaped = bytes.len() == SHAPE.len()
        && bytes.iter().zip(SHAPE).all(|(&b, &s)| match s {
            b'd' => b.is_ascii_digit(),
            _ => b == s,
        });
    if !shaped {
        return Err(format!(
            "time must be UTC in the form YYYY-MM-DDTHH:MM:SSZ (whole seconds, upper-case T and Z), found {:?}",
            excerpt(text)
        ));
    }
    let number = |from: usize, to: usize| {
        bytes[from..to]
            .iter()
            .fold(0u16, |n, &b| n * 10 + u16::from(b - b'0'))
    };
    let small = |from: usize| u8::try_from(number(from, from + 2)).unwrap_or(u8::MAX);
    let year = i32::from(number(0, 4));
    let month = Month::try_from(small(5)).map_err(|_| "time has no such month".to_owned())?;
    let date = Date::from_calendar_date(year, month, small(8))
        .map_err(|_| "time has no such date".to_owned())?;
    let time_of_day = Time::from_hms(small(11), small(14), small(17))
        .map_err(|_| "time of day out of range (00:00:00 to 23:59:59)".to_owned())?;
    Ok(PrimitiveDateTime::new(date, time_of_day).assume_utc())
}

/// Checks a chain id: 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
///
/// # Errors
///
/// [`CheckpointError::InvalidChainId`] with the id.
pub fn validate_chain_id(chain_id: &str) -> Result<(), CheckpointError> {
    if is_valid_id(chain_id) {
        Ok(())
    } else {
        Err(CheckpointError::InvalidChainId(chain_id.to_owned()))
    }
}

fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn check_key_id(key_id: &str) -> Result<(), CheckpointError> {
    if is_valid_id(key_id) {
        Ok(())
    } else {
        Err(CheckpointError::InvalidKey(format!(
            "invalid key id {:?}: expected 1 to {MAX_ID_LEN} characters from A-Z a-z 0-9 . _ -",
            excerpt(key_id)
        )))
    }
}

/// At most 40 characters of untrusted input, for error messages.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sizes_have_one_spelling() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("42"), Ok(42));
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
        for bad in [
            "",
            "00",
            "042",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1_000",
            "1e3",
            "٤٢",
            "18446744073709551616",
            "99999999999999999999999",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hex_is_lowercase_and_exact() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 8) as u8);
        let text = crate::chain::to_hex(&bytes);
        assert_eq!(
            text,
            "0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8"
        );
        assert_eq!(decode_head(&text), Ok(bytes));
        assert_eq!(decode_head(&"0".repeat(64)), Ok([0; 32]));
        assert!(
            decode_head(&text.to_uppercase())
                .unwrap_err()
                .contains("lowercase")
        );
        for bad in [
            String::new(),
            "0".repeat(63),
            "0".repeat(65),
            format!("{}g", "0".repeat(63)),
            format!("{} ", "0".repeat(63)),
            format!("{}é", "0".repeat(62)),
            format!("+{}", "0".repeat(63)),
        ] {
            assert!(decode_head(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn times_have_one_spelling() {
        let t = datetime!(2026-11-27 07:25:08 UTC);
        assert_eq!(format_time(t).as_deref(), Some("2026-11-27T07:25:08Z"));
        assert_eq!(parse_time("2026-11-27T07:25:08Z"), Ok(t));
        assert_eq!(
            format_time(datetime!(2026-11-27 16:25:08.999 +09:00)).as_deref(),
            Some("2026-11-27T07:25:08Z")
        );
        assert_eq!(
            parse_time("0000-01-01T00:00:00Z"),
            Ok(datetime!(0000-01-01 00:00:00 UTC))
        );
        assert_eq!(
            parse_time("2024-02-29T23:59:59Z"),
            Ok(datetime!(2024-02-29 23:59:59 UTC))
        );
        assert_eq!(
            format_time(datetime!(0000-01-01 00:00:00 UTC)).as_deref(),
            Some("0000-01-01T00:00:00Z")
        );
        assert_eq!(format_time(datetime!(0000-01-01 00:00:00 +00:00:01)), None);
        assert_eq!(format_time(datetime!(9999-12-31 23:59:59 -00:00:01)), None);
        for bad in [
            "",
            "2026-11-27T07:25:08",
            "2026-11-27T07:25:08.0Z",
            "2026-11-27T07:25:08+00:00",
            "2026-11-27T07:25:8Z",
            "2026-11-27 07:25:08Z",
            "2026-11-27t07:25:08Z",
            "2026-11-27T07:25:08z",
            "2025-02-29T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T23:60:00Z",
            "2026-12-31T23:59:60Z",
            "+2026-11-27T07:25:08Z",
            "２026-11-27T07:25:08Z",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn normalizing_keeps_the_instant_to_the_second() {
        let kst = datetime!(2026-11-27 16:25:08.5 +09:00);
        let utc = normalize_time(kst);
        assert_eq!(utc, datetime!(2026-11-27 07:25:08 UTC));
        assert_eq!(utc.offset(), UtcOffset::UTC);
        // Out of range in UTC: left alone, for validation to refuse.
        let edge = datetime!(9999-12-31 23:00:00 -05:00);
        assert_eq!(normalize_time(edge).offset(), edge.offset());
    }

    #[test]
    fn ids_use_a_small_alphabet() {
        assert!(is_valid_id("main"));
        assert!(is_valid_id("A-Z.a_z-0.9"));
        assert!(is_valid_id(&"x".repeat(MAX_ID_LEN)));
        for bad in ["", " ", "a b", "a:b", "a/b", "a+b", "ä", "a\n", "a\u{2014}"] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
        assert!(!is_valid_id(&"x".repeat(MAX_ID_LEN + 1)));
    }

    #[test]
    fn lines_are_numbered_and_need_a_line_feed() {
        let mut lines = Lines::new("a\n\nb\r\nc");
        assert_eq!(lines.next("x").unwrap(), (1, "a"));
        assert_eq!(lines.next("x").unwrap(), (2, ""));
        let Err(CheckpointError::Malformed { line: 3, reason }) = lines.next("x") else {
            panic!("CR not refused");
        };
        assert!(reason.contains("CR LF"));

        let mut lines = Lines::new("c");
        let Err(CheckpointError::Malformed { line: 1, reason }) = lines.next("x") else {
            panic!("unterminated line accepted");
        };
        assert!(reason.contains("line feed"));

        let mut lines = Lines::new("");
        let Err(CheckpointError::Malformed { line: 1, reason }) = lines.next("the header line")
        else {
            panic!("missing line accepted");
        };
        assert_eq!(reason, "missing line: expected the header line");
    }

    #[test]
    fn excerpts_are_short_and_cut_on_characters() {
        assert_eq!(excerpt("short"), "short");
        let long = "한".repeat(100);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 41);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn body_of_an_invalid_checkpoint_does_not_parse() {
        let checkpoint = Checkpoint {
            chain_id: "main".to_owned(),
            size: 1,
            head: [1; 32],
            time: datetime!(9999-12-31 23:00:00 -05:00),
        };
        let body = checkpoint.body();
        assert!(body.ends_with("time: (out of range)\n"));
        let text = format!("{body}\n\u{2014} k {}\n", STANDARD.encode([0u8; 64]));
        assert!(matches!(
            SignedCheckpoint::parse(&text),
            Err(CheckpointError::Malformed {
                line: TIME_LINE,
                ..
            })
        ));
    }
}
