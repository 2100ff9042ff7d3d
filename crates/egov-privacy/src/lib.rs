//! Personal data for egov-rs: display masking by the Korean convention, field
//! encryption of unique identifiers at rest, and blind indexes to find them again.
//!
//! - [`mask`] — 표시제한 (KCC/KISA convention): `홍*동`, `900101-1******`,
//!   `010-****-5678`, `ab****@example.com`, `1234-****-****-3456`,
//!   `123-45-*****`, addresses below 읍·면·동, IPv4 `1.2.***.4`, IPv6 last 16 bits.
//!   Input of the wrong shape is masked by a fallback rule, never echoed.
//! - [`FieldCipher`] — AES-256-GCM with a key id in every ciphertext, several keys
//!   (decrypt with any, encrypt with the active one, [`FieldCipher::reencrypt`] to
//!   rotate), optional associated data binding a value to its column. The Personal
//!   Information Protection Act requires resident registration numbers and other
//!   고유식별정보 to be stored encrypted.
//! - [`BlindIndex`] — HMAC-SHA-256 under a separate key, to look a person up by
//!   number without decrypting.
//! - [`PrivacySettings`] — the `[privacy]` configuration section holding the keys
//!   as [`Secret`](egov_core::config::Secret)s.
//!
//! This crate is layer 1: it knows nothing of validation, HTTP or databases.
//! Callers validate and normalize values first (e.g. with `egov-validation`).
//!
//! ```
//! use egov_privacy::{mask, BlindIndex, FieldCipher, PrivacySettings};
//!
//! // Display.
//! assert_eq!(mask::name("홍길동"), "홍*동");
//! assert_eq!(mask::resident_number("900101-1234568"), "900101-1******");
//! assert_eq!(mask::phone("010-1234-5678"), "010-****-5678");
//!
//! // Storage: development keys from the built-in defaults (laptops only).
//! let settings = PrivacySettings::default();
//! let cipher = FieldCipher::from_settings(&settings)?;
//! let index = BlindIndex::from_settings(&settings)?;
//!
//! let rrn = "9001011234568"; // canonical form: digits only
//! let stored = cipher.encrypt_with_aad(rrn, b"citizen.rrn")?;
//! let lookup = index.compute(rrn);
//!
//! // Later: find the row by `lookup`, then decrypt.
//! assert_eq!(index.compute("9001011234568"), lookup);
//! assert_eq!(cipher.decrypt_with_aad(&stored, b"citizen.rrn")?, rrn);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Ciphertext format
//!
//! A ciphertext is ASCII text, so it fits a `TEXT` column on SQLite and PostgreSQL
//! alike (through sqlx's `Any` driver):
//!
//! ```text
//! v1:<key_id>:<payload>
//! ```
//!
//! - `v1` — the format version: AES-256-GCM, 96-bit nonce, 128-bit tag.
//! - `key_id` — the id of the key under which it was encrypted, matching
//!   `[A-Za-z0-9_-]{1,32}` (so it never contains `:`).
//! - `payload` — base64url without padding (RFC 4648 §5; canonical, so `=` and
//!   non-zero trailing bits are refused) of `nonce (12 bytes) ‖ ciphertext (as long
//!   as the UTF-8 plaintext) ‖ tag (16 bytes)`. A 13-digit value gives a 41-byte
//!   payload, 55 base64url characters, 62 characters of text with key id `dev`.
//! - The AES-GCM associated data is the ASCII header `v1:<key_id>:` (including the
//!   final colon) followed by the caller's associated data bytes (empty for
//!   [`FieldCipher::encrypt`]). Changing the version or key id therefore fails
//!   authentication too, and so does decrypting with other associated data.
//! - The nonce is drawn fresh from the operating system's RNG (`getrandom`, through
//!   `aes-gcm`'s `getrandom` feature) for every encryption. With random 96-bit
//!   nonces, keep under 2³² encryptions per key (NIST SP 800-38D §8.3): rotate
//!   keys long before that.
//!
//! Decryption refuses, with a typed [`CipherError`] and never a panic: text that is
//! not in this format, an unknown version, a key id the cipher does not hold, and
//! any change to the nonce, ciphertext, tag, header or associated data.
//!
//! # Keys and rotation
//!
//! Keys come from configuration as standard base64 of 32 bytes (see
//! [`PrivacySettings`]). To rotate: add a new key, make it `active_key` (new values
//! use it, old ones still decrypt), run [`FieldCipher::reencrypt`] over stored
//! values (it reports whether each one changed), then remove the old key.
//! [`FieldCipher::key_id_of`] finds values still under an old key. Blind indexes
//! cannot be rotated without the plaintexts: changing `blind_index_key` means
//! recomputing every index from decrypted values.
//!
//! Development keys (values starting with `insecure-dev-secret:`) are the SHA-256
//! of their text and are for laptops only; egov-core's `prod` profile refuses to
//! start while any configuration value holds one.
//!
//! # Performance
//!
//! Medians from `cargo bench -p egov-privacy --bench privacy -- --warm-up-time 1
//! --measurement-time 3` (release build) on a shared, noisy 2-core AMD EPYC
//! virtual machine while other builds ran; the range is over three runs. Treat
//! them as orders of magnitude.
//!
//! | operation | median | range over runs |
//! |---|---|---|
//! | `mask::resident_number("900101-1234568")` | 39 ns | 39–72 ns |
//! | `mask::phone("010-1234-5678")` | 241 ns | 241–425 ns |
//! | `mask::email("hong.gildong@example.com")` | 364 ns | 364–594 ns |
//! | `FieldCipher::encrypt` (13 digits) | 1.38 µs | 0.96–1.56 µs |
//! | `FieldCipher::decrypt` (13 digits) | 487 ns | 487–510 ns |
//! | `BlindIndex::compute` (13 digits) | 255 ns | 235–257 ns |
//!
//! Encryption costs more than decryption mainly because of the nonce: one call
//! into the operating system's RNG per value.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod blind_index;
mod cipher;
pub mod mask;
mod settings;

pub use blind_index::{BlindIndex, INDEX_LEN};
pub use cipher::{CipherError, FORMAT_VERSION, FieldCipher, NONCE_LEN, Reencrypted, TAG_LEN};
pub use settings::{
    KEY_LEN, KeyProblem, MAX_KEY_ID_LEN, PrivacySettings, SettingsError, is_valid_key_id,
};

/// The two tools a service's personal data needs, built once from `[privacy]`:
/// the [`FieldCipher`] that encrypts fields (bound to their row id as
/// associated data) and the [`BlindIndex`] that finds and names a data subject
/// without decrypting.
///
/// ```
/// use egov_privacy::{Privacy, PrivacySettings};
///
/// let privacy = Privacy::from_settings(&PrivacySettings::default()).unwrap();
/// let stored = privacy.cipher.encrypt_with_aad("9001011234568", b"row-1").unwrap();
/// assert_eq!(privacy.cipher.decrypt_with_aad(&stored, b"row-1").unwrap(), "9001011234568");
/// assert_eq!(privacy.index.compute("9001011234568").len(), 64);
/// ```
#[derive(Debug, Clone)]
pub struct Privacy {
    /// Encrypts and decrypts personal-data fields.
    pub cipher: FieldCipher,
    /// Computes blind indexes of identifiers (canonical form in).
    pub index: BlindIndex,
}

impl Privacy {
    /// Both tools from the `[privacy]` settings.
    ///
    /// # Errors
    ///
    /// The settings break a rule (a missing or malformed key).
    pub fn from_settings(settings: &PrivacySettings) -> Result<Self, SettingsError> {
        Ok(Self {
            cipher: FieldCipher::from_settings(settings)?,
            index: BlindIndex::from_settings(settings)?,
        })
    }
}
