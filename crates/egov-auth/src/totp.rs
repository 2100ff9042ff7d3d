//! TOTP (RFC 6238): HMAC-SHA-1, 6 digits, 30-second steps, the format every
//! authenticator app reads from an `otpauth://` provisioning URI.
//!
//! Verification accepts the current step and one step either side (clock
//! drift), and only a step later than the last one accepted for the account
//! (replay protection; the last step is stored in the database and advanced
//! with a conditional update, so two replicas cannot both accept one code).
//!
//! Secrets are stored encrypted with egov-privacy's
//! [`FieldCipher`](egov_privacy::FieldCipher) (AES-256-GCM under the
//! `[privacy]` keys, associated data [`secret_aad`] binding each to its
//! account); the base32 form is shown only once, at enrolment.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Secret length in bytes (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u64 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u64 = 0;
    let mut bits = 0;
    for c in text.bytes().filter(|c| !matches!(c, b'=' | b' ' | b'-')) {
        let v = BASE32.iter().position(|&x| x == c.to_ascii_uppercase())? as u64;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The associated data binding a stored (encrypted) TOTP secret to its
/// account: a ciphertext copied to another account's row does not decrypt.
pub fn secret_aad(account: egov_core::id::AccountId) -> Vec<u8> {
    format!("egov_auth_accounts.totp_secret:{account}").into_bytes()
}

/// A new random secret.
pub fn new_secret() -> Result<Vec<u8>, crate::Error> {
    let mut secret = vec![0u8; SECRET_LEN];
    getrandom::fill(&mut secret).map_err(|e| crate::Error::Internal(format!("random: {e}")))?;
    Ok(secret)
}

/// The step of a Unix time.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The code of `step` (RFC 4226 HOTP with the step as counter).
pub fn code(secret: &[u8], step: i64) -> String {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The step `candidate` matches at `unix_secs` (±1 step), if it is later than
/// `last_step`.
pub fn matching_step(
    secret: &[u8],
    candidate: &str,
    unix_secs: i64,
    last_step: i64,
) -> Option<i64> {
    let candidate = candidate.trim();
    if candidate.len() != DIGITS as usize || !candidate.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_secs);
    let mut found = None;
    for step in [now - 1, now, now + 1] {
        // Check all three so timing does not tell which step matched.
        let matches = bool::from(code(secret, step).as_bytes().ct_eq(candidate.as_bytes()));
        if matches && step > last_step && found.is_none() {
            found = Some(step);
        }
    }
    found
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://totp/…` provisioning URI for authenticator apps.
pub fn provisioning_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        percent_encode(issuer),
        percent_encode(account),
        base32_encode(secret),
        percent_encode(issuer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (8-digit vectors, compared on their last 6 digits).
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code(secret, step_at(time)), expected[2..], "t={time}");
        }
    }

    #[test]
    fn window_and_replay() {
        let secret = b"12345678901234567890";
        let t = 1_111_111_111;
        let now = step_at(t);
        assert_eq!(matching_step(secret, &code(secret, now), t, 0), Some(now));
        assert_eq!(
            matching_step(secret, &code(secret, now - 1), t, 0),
            Some(now - 1)
        );
        assert_eq!(
            matching_step(secret, &code(secret, now + 1), t, 0),
            Some(now + 1)
        );
        assert_eq!(matching_step(secret, &code(secret, now - 2), t, 0), None);
        assert_eq!(matching_step(secret, &code(secret, now), t, now), None);
        assert_eq!(matching_step(secret, "12345a", t, 0), None);
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw6ytboi").unwrap(), b"foobar");
        let uri = provisioning_uri("정부 서비스", "kim@x", b"12345678901234567890");
        assert!(uri.starts_with("otpauth://totp/%EC%A0%95"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }
}
