//! The hash chain: the stored form of an event, its canonical encoding, and
//! `h_i = SHA-256(h_{i-1} ‖ canonical_encoding(event_i))`.
//!
//! ## Canonical encoding, version 1
//!
//! A byte string built from the fields below, in this order. `str` is a UTF-8
//! string preceded by its byte length as a 4-byte big-endian integer; `opt` is
//! the byte `0x00` for "absent" or `0x01` followed by a `str`; `list` is a 4-byte
//! big-endian count followed by that many `str`s; `u64` is 8 bytes big-endian.
//!
//! | # | field | encoding |
//! |---|---|---|
//! | 1 | the literal `egov-audit/v1` | `str` |
//! | 2 | chain id | `str` |
//! | 3 | sequence number (from 1) | `u64` |
//! | 4 | event id (UUID, lowercase hyphenated) | `str` |
//! | 5 | occurred at, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC) | `str` |
//! | 6 | principal kind: `anonymous`, `account` or `system` | `str` |
//! | 7 | principal id (account UUID or system name) | `opt` |
//! | 8 | roles, sorted | `list` |
//! | 9 | client IP | `opt` |
//! | 10 | request id | `opt` |
//! | 11 | trace id | `opt` |
//! | 12 | action | `str` |
//! | 13 | target type | `opt` |
//! | 14 | target id | `opt` |
//! | 15 | data subjects, in recorded order | `list` |
//! | 16 | outcome: `success`, `failure` or `denied` | `str` |
//! | 17 | reason code | `opt` |
//! | 18 | reason | `opt` |
//! | 19 | detail: compact JSON object, keys sorted | `str` |
//!
//! The hash of event 1 uses 32 zero bytes as `h_0`. `tests/vectors/event-v1.txt`
//! pins the encoding and hash of a sample event.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// A recorded event, as stored and as read back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredEvent {
    /// The chain it belongs to.
    pub chain_id: String,
    /// Its position in the chain, from 1.
    pub seq: u64,
    /// Its id (UUIDv7).
    pub id: String,
    /// When it was recorded (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// `anonymous`, `account` or `system`.
    pub principal_kind: String,
    /// The account id or system name.
    pub principal_id: Option<String>,
    /// The actor's roles, sorted.
    pub roles: Vec<String>,
    /// The client's IP address.
    pub client_ip: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The W3C trace id.
    pub trace_id: Option<String>,
    /// What was done.
    pub action: String,
    /// The target's resource type.
    pub target_type: Option<String>,
    /// The target's id.
    pub target_id: Option<String>,
    /// Whose personal data was touched (pseudonymous ids).
    pub subjects: Vec<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// A stable reason code.
    pub reason_code: Option<String>,
    /// The reason text.
    pub reason: Option<String>,
    /// Extra facts, compact JSON.
    pub detail: String,
    /// The previous event's hash (zeros for the first).
    #[serde(serialize_with = "hex_serialize")]
    pub prev_hash: [u8; 32],
    /// This event's hash.
    #[serde(serialize_with = "hex_serialize")]
    pub hash: [u8; 32],
}

fn hex_serialize<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_hex(bytes))
}

/// The hash before the first event.
pub const GENESIS: [u8; 32] = [0; 32];

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// A hash as 64 lowercase hex digits (ASCII), without allocating.
pub(crate) fn hex_array(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = HEX_DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = HEX_DIGITS[usize::from(b & 0xf)];
    }
    out
}

/// Parses 64 lowercase hex digits.
pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    hex_bytes(text.as_bytes())
}

/// [`from_hex`] of text not known to be UTF-8 (anything else is no hash).
pub(crate) fn hex_bytes(text: &[u8]) -> Option<[u8; 32]> {
    // A table instead of a match per digit: `verify` parses two hashes per
    // event, and the match was 9% of its time.
    const NIBBLE: [u8; 256] = {
        let mut table = [0xff; 256];
        let mut c = 0;
        while c < 10 {
            table[b'0' as usize + c] = c as u8;
            c += 1;
        }
        let mut c = 0;
        while c < 6 {
            table[b'a' as usize + c] = 10 + c as u8;
            c += 1;
        }
        table
    };
    let text: &[u8; 64] = text.try_into().ok()?;
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (i, pair) in text.chunks_exact(2).enumerate() {
        let (high, low) = (NIBBLE[usize::from(pair[0])], NIBBLE[usize::from(pair[1])]);
        bad |= high | low;
        out[i] = (high << 4) | (low & 0xf);
    }
    // Every valid nibble is < 16; 0xff marks anything else.
    (bad < 16).then_some(out)
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&s[..len as usize]);
}

fn put_opt(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_list<S: AsRef<str>>(out: &mut Vec<u8>, items: &[S]) {
    let count = u32::try_from(items.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&count.to_be_bytes());
    for item in items.iter().take(count as usize) {
        put_str(out, item.as_ref().as_bytes());
    }
}

/// An event's fields as the canonical encoding reads them, borrowed from
/// wherever they are (a [`StoredEvent`], or a row `verify` has not copied).
/// Text is taken as bytes: the writer hashed UTF-8, and any other bytes in a
/// row are a change like any other. `occurred_at` is already text in the
/// stored form.
pub(crate) struct EventFields<'a, S> {
    pub(crate) chain_id: &'a [u8],
    pub(crate) seq: u64,
    pub(crate) id: &'a [u8],
    pub(crate) occurred_at: &'a [u8],
    pub(crate) principal_kind: &'a [u8],
    pub(crate) principal_id: Option<&'a [u8]>,
    pub(crate) roles: &'a [S],
    pub(crate) client_ip: Option<&'a [u8]>,
    pub(crate) request_id: Option<&'a [u8]>,
    pub(crate) trace_id: Option<&'a [u8]>,
    pub(crate) action: &'a [u8],
    pub(crate) target_type: Option<&'a [u8]>,
    pub(crate) target_id: Option<&'a [u8]>,
    pub(crate) subjects: &'a [S],
    pub(crate) outcome: &'a [u8],
    pub(crate) reason_code: Option<&'a [u8]>,
    pub(crate) reason: Option<&'a [u8]>,
    pub(crate) detail: &'a [u8],
}

impl<S: AsRef<str>> EventFields<'_, S> {
    /// Appends the canonical encoding (version 1) to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, b"egov-audit/v1");
        put_str(out, self.chain_id);
        out.extend_from_slice(&self.seq.to_be_bytes());
        put_str(out, self.id);
        put_str(out, self.occurred_at);
        put_str(out, self.principal_kind);
        put_opt(out, self.principal_id);
        put_list(out, self.roles);
        put_opt(out, self.client_ip);
        put_opt(out, self.request_id);
        put_opt(out, self.trace_id);
        put_str(out, self.action);
        put_opt(out, self.target_type);
        put_opt(out, self.target_id);
        put_list(out, self.subjects);
        put_str(out, self.outcome);
        put_opt(out, self.reason_code);
        put_opt(out, self.reason);
        put_str(out, self.detail);
    }

    /// `SHA-256(prev ‖ canonical(self))`, encoding into `scratch` (cleared).
    pub(crate) fn hash(&self, prev: &[u8; 32], scratch: &mut Vec<u8>) -> [u8; 32] {
        scratch.clear();
        self.encode(scratch);
        let mut hasher = Sha256::new();
        hasher.update(prev);
        hasher.update(&scratch);
        hasher.finalize().into()
    }
}

impl StoredEvent {
    /// The canonical encoding (version 1) of everything but the hashes.
    pub fn canonical(&self) -> Vec<u8> {
        let occurred_at = egov_db::value::timestamp_to_sql(self.occurred_at);
        let mut out = Vec::with_capacity(512);
        self.fields(&occurred_at).encode(&mut out);
        out
    }

    /// `SHA-256(prev ‖ canonical(self))`.
    pub fn compute_hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let occurred_at = egov_db::value::timestamp_to_sql(self.occurred_at);
        self.fields(&occurred_at)
            .hash(prev, &mut Vec::with_capacity(512))
    }

    fn fields<'a>(&'a self, occurred_at: &'a str) -> EventFields<'a, String> {
        EventFields {
            chain_id: self.chain_id.as_bytes(),
            seq: self.seq,
            id: self.id.as_bytes(),
            occurred_at: occurred_at.as_bytes(),
            principal_kind: self.principal_kind.as_bytes(),
            principal_id: self.principal_id.as_deref().map(str::as_bytes),
            roles: &self.roles,
            client_ip: self.client_ip.as_deref().map(str::as_bytes),
            request_id: self.request_id.as_deref().map(str::as_bytes),
            trace_id: self.trace_id.as_deref().map(str::as_bytes),
            action: self.action.as_bytes(),
            target_type: self.target_type.as_deref().map(str::as_bytes),
            target_id: self.target_id.as_deref().map(str::as_bytes),
            subjects: &self.subjects,
            outcome: self.outcome.as_bytes(),
            reason_code: self.reason_code.as_deref().map(str::as_bytes),
            reason: self.reason.as_deref().map(str::as_bytes),
            detail: self.detail.as_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_uppercase() {
        let bytes: [u8; 32] = core::array::from_fn(|i| (i * 7) as u8);
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        assert_eq!(from_hex(&to_hex(&bytes).to_uppercase()), None);
        assert_eq!(from_hex("00"), None);
        let good = to_hex(&bytes);
        for at in [0, 1, 31, 62, 63] {
            for bad in ["g", "G", " ", "/", ":", "`", "\u{7f}"] {
                let text = format!("{}{bad}{}", &good[..at], &good[at + 1..]);
                assert_eq!(from_hex(&text), None, "{text}");
            }
        }
        assert_eq!(from_hex(&format!("é{}", &good[2..])), None);
    }
}
