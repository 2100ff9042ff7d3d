//! Witnesses: copies of each signed checkpoint kept where database access
//! alone cannot reach them.
//!
//! The chain and its checkpoints live in the database, so someone who can
//! write to it can cut the tail and delete the checkpoints that covered it,
//! or roll the whole database back to an earlier consistent state, and a
//! check of the database alone cannot tell. What can: a signed head kept
//! elsewhere. Every checkpoint the writer signs is therefore also
//!
//! - **logged** (always): one `INFO` line on target `egov_audit::witness`
//!   whose message is [`LOG_MARKER`] followed by the checkpoint text in
//!   standard base64 — one line in any log format, shipped off the host by
//!   the usual log collection;
//! - **written to a witness file** when `[audit] witness_file` names one: the
//!   latest checkpoint only (it reveals a cut or a rewrite of anything it
//!   covers; an older one adds nothing), replaced atomically.
//!
//! `egov audit verify --checkpoints FILE` takes either: a checkpoint file (an
//! export, a witness file) or a log file, from which [`extract`] picks the
//! witness lines. The signed size and head must then be in the chain.

use std::io::{self, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::checkpoint::{self, CheckpointError, FORMAT_HEADER, SignedCheckpoint};

/// What starts a witness log line's message, before the base64 text.
pub const LOG_MARKER: &str = "egov-audit-witness:";

/// Logs `signed` as a witness line (see the [module docs](self)).
pub fn log(signed: &SignedCheckpoint) {
    let encoded = STANDARD.encode(signed.to_text());
    tracing::info!(
        target: "egov_audit::witness",
        chain = %signed.checkpoint.chain_id,
        size = signed.checkpoint.size,
        "{LOG_MARKER}{encoded}"
    );
}

/// Replaces the witness file at `path` with `signed` (written beside it, then
/// renamed over it, so a reader never sees half a checkpoint).
///
/// # Errors
///
/// The file cannot be written or renamed.
pub fn write_file(path: &Path, signed: &SignedCheckpoint) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    let temporary = std::path::PathBuf::from(temporary);
    {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(signed.to_text().as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)
}

/// The checkpoints in `text`: a checkpoint file ([`checkpoint::parse_many`])
/// when it starts with the format's first line, else every witness line of a
/// log ([`LOG_MARKER`] and the base64 text after it, wherever it sits in the
/// line: plain or JSON logs alike).
///
/// # Errors
///
/// A malformed checkpoint, or a text holding neither form.
pub fn extract(text: &str) -> Result<Vec<SignedCheckpoint>, CheckpointError> {
    if text.starts_with(FORMAT_HEADER) {
        return checkpoint::parse_many(text);
    }
    let mut found = Vec::new();
    for (at, _) in text.match_indices(LOG_MARKER) {
        let rest = &text[at + LOG_MARKER.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .unwrap_or(rest.len());
        let decoded = STANDARD
            .decode(&rest[..end])
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| CheckpointError::Malformed {
                line: 1,
                reason: "a witness line's checkpoint is not base64 of UTF-8 text".into(),
            })?;
        found.push(SignedCheckpoint::parse(&decoded)?);
    }
    if found.is_empty() && !text.is_empty() {
        return Err(CheckpointError::Malformed {
            line: 1,
            reason: format!("neither a checkpoint file nor a log with {LOG_MARKER} lines"),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{Checkpoint, CheckpointSigner};

    fn signed(size: u64) -> SignedCheckpoint {
        let signer = CheckpointSigner::from_seed("test", &[1; 32]).unwrap();
        let statement = Checkpoint::new(
            "main",
            size,
            [size as u8; 32],
            time::macros::datetime!(2026-12-07 09:00 UTC),
        )
        .unwrap();
        signer.sign(&statement).unwrap()
    }

    #[test]
    fn witness_lines_are_found_in_plain_and_json_logs() {
        let (a, b) = (signed(10), signed(20));
        let line = |c: &SignedCheckpoint| format!("{LOG_MARKER}{}", STANDARD.encode(c.to_text()));
        let log = format!(
            "2026-12-07T09:00:00Z  INFO egov_audit::witness: {} chain=main size=10\n\
             {{\"level\":\"INFO\",\"fields\":{{\"message\":\"{}\",\"size\":20}}}}\n\
             unrelated line\n",
            line(&a),
            line(&b)
        );
        assert_eq!(extract(&log).unwrap(), [a.clone(), b]);
        // A checkpoint file is read as such.
        assert_eq!(extract(&a.to_text()).unwrap(), [a]);
        assert!(extract("nothing here\n").is_err());
        assert!(extract(&format!("{LOG_MARKER}!!!")).is_err());
    }

    #[test]
    fn the_witness_file_holds_the_latest_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness.txt");
        write_file(&path, &signed(10)).unwrap();
        write_file(&path, &signed(20)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(extract(&text).unwrap(), [signed(20)]);
        assert!(!dir.path().join("witness.txt.new").exists());
    }
}
