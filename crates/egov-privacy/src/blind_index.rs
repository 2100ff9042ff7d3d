//! Blind indexes: keyed hashes for looking encrypted values up without
//! decrypting them.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

use crate::settings::{KEY_LEN, PrivacySettings, SettingsError};

/// Length of a blind index in characters (64 lowercase hex digits).
pub const INDEX_LEN: usize = 64;

/// Computes blind indexes: HMAC-SHA-256 under a dedicated key, as 64 lowercase hex
/// characters.
///
/// Store the index next to the ciphertext (e.g. `rrn_bidx TEXT`, indexed) and look
/// a person up with `WHERE rrn_bidx = $1`, passing `compute(number)`. The index is
/// deterministic — the same value and key always give the same text — and
/// different keys give unrelated indexes. Without the key, an index reveals
/// nothing practical about the value; with the key, a 13-digit number can be
/// brute-forced, so the key must be guarded like the encryption keys and kept
/// separate from them.
///
/// **Normalization is the caller's job.** The value is hashed exactly as given:
/// `900101-1234568` and `9001011234568` have different indexes. Pass one canonical
/// form (e.g. digits only, as `egov-validation` returns it) both when storing and
/// when searching.
///
/// `Debug` never shows the key; with this crate's `hmac` `zeroize` feature the
/// keyed state is wiped on drop.
///
/// ```
/// use egov_privacy::{BlindIndex, PrivacySettings};
/// let index = BlindIndex::from_settings(&PrivacySettings::default())?;
/// let a = index.compute("9001011234568");
/// assert_eq!(a.len(), 64);
/// assert_eq!(a, index.compute("9001011234568"));
/// assert_ne!(a, index.compute("9001011234569"));
/// # Ok::<(), egov_privacy::SettingsError>(())
/// ```
#[derive(Clone)]
pub struct BlindIndex {
    mac: Hmac<Sha256>,
}

impl BlindIndex {
    /// A blind index under a raw 32-byte key.
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        // HMAC zero-pads keys shorter than the 64-byte block (RFC 2104 §2), so this
        // is HMAC under the 32-byte key, built without a fallible length check.
        let mut block = hmac::digest::Key::<Hmac<Sha256>>::default();
        block[..KEY_LEN].copy_from_slice(key);
        let mac = Hmac::<Sha256>::new(&block);
        block[..].zeroize();
        Self { mac }
    }

    /// The blind index keyed by `settings.blind_index_key`.
    ///
    /// # Errors
    ///
    /// [`SettingsError`] when [`PrivacySettings::validate`] fails (the whole
    /// section is checked, including that the blind-index key differs from every
    /// field key).
    pub fn from_settings(settings: &PrivacySettings) -> Result<Self, SettingsError> {
        settings.validate()?;
        let key = settings.blind_index_key_bytes()?;
        Ok(Self::new(&key.0))
    }

    /// The index of `canonical_value`: 64 lowercase hex characters.
    pub fn compute(&self, canonical_value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(canonical_value.as_bytes());
        let tag = mac.finalize().into_bytes();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(INDEX_LEN);
        for byte in tag.iter() {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        out
    }
}

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlindIndex").field("key", &"***").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_0_to_31() -> [u8; 32] {
        std::array::from_fn(|i| u8::try_from(i).unwrap())
    }

    // Expected values computed independently with Python's `hmac` module.
    #[test]
    fn matches_hmac_sha256_known_answers() {
        let index = BlindIndex::new(&key_0_to_31());
        assert_eq!(
            index.compute("9001011234568"),
            "cc7c0ab019f41d4f8d36027330cdda6769e0cad0ed50c8aefb7189f4cd89e56f"
        );
        assert_eq!(
            index.compute(""),
            "d38b42096d80f45f826b44a9d5607de72496a415d3f4a1a8c88e3bb9da8dc1cb"
        );
    }

    #[test]
    fn development_key_is_the_sha256_of_the_configured_text() {
        let index = BlindIndex::from_settings(&PrivacySettings::default()).unwrap();
        assert_eq!(
            index.compute("9001011234568"),
            "b3faf3b8c723bca14bd066ec428486a8d77fecf87d16145686c69013de463c4b"
        );
    }
}
