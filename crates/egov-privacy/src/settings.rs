//! The `[privacy]` configuration section: field-encryption keys and the
//! blind-index key.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use egov_core::config::{ConfigSection, DEV_SECRET_MARKER, Secret};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// Length of every key in bytes (AES-256 and the HMAC-SHA-256 blind-index key).
pub const KEY_LEN: usize = 32;

/// Longest accepted key id.
pub const MAX_KEY_ID_LEN: usize = 32;

/// The `[privacy]` configuration section.
///
/// ```toml
/// [privacy]
/// active_key = "2026a"
/// blind_index_key = "…44 characters of standard base64…"
///
/// [privacy.keys]
/// 2025b = "…"   # still decrypts old rows
/// 2026a = "…"   # encrypts new values
/// ```
///
/// **Key material** is the standard base64 (RFC 4648 §4, with `=` padding) of
/// exactly 32 random bytes — 44 characters, e.g. from `openssl rand -base64 32`.
/// Surrounding whitespace is ignored.
///
/// A value starting with [`DEV_SECRET_MARKER`] (`insecure-dev-secret:`) is a
/// **development key**: its 32 bytes are the SHA-256 of the whole string. Such keys
/// are public (they are in the source) and exist only so a laptop runs without
/// setup; egov-core's `prod` profile refuses to start while any configuration value
/// holds one.
///
/// The built-in defaults ([`ConfigSection::DEFAULTS`]) define the development key
/// `dev` for laptops; in the `prod` profile egov-core leaves it out, so `keys`
/// holds exactly the keys the deployment configures. **A key whose material is
/// empty is disabled**: it is ignored, and ciphertexts naming it fail with
/// [`CipherError::UnknownKey`](crate::CipherError::UnknownKey).
///
/// `Debug` shows key ids only; key material prints as `***`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    /// Id of the key that encrypts new values; it must be an enabled entry of
    /// [`keys`](Self::keys).
    pub active_key: String,
    /// HMAC-SHA-256 key of blind indexes. It must differ from every field key.
    pub blind_index_key: Secret,
    /// Field-encryption keys by id. Ids match `[A-Za-z0-9_-]{1,32}` and are
    /// written into every ciphertext; never reuse an id for different material.
    pub keys: BTreeMap<String, Secret>,
}

impl ConfigSection for PrivacySettings {
    const KEY: &'static str = "privacy";
    const DEFAULTS: &'static str = r#"
active_key = "dev"
blind_index_key = "insecure-dev-secret:blind-index"

[keys]
dev = "insecure-dev-secret:field-encryption"
"#;
}

impl Default for PrivacySettings {
    /// The built-in defaults: development keys only.
    fn default() -> Self {
        Self::from_defaults()
    }
}

impl PrivacySettings {
    /// Checks every rule: the active key is an enabled entry of `keys`, every key
    /// id matches `[A-Za-z0-9_-]{1,32}`, every material decodes to 32 bytes, and the
    /// blind-index key differs from every field key.
    ///
    /// [`FieldCipher::from_settings`](crate::FieldCipher::from_settings) and
    /// [`BlindIndex::from_settings`](crate::BlindIndex::from_settings) call this
    /// too; call it at startup to fail fast.
    ///
    /// # Errors
    ///
    /// The first rule broken, naming the key id (never the material).
    pub fn validate(&self) -> Result<(), SettingsError> {
        let field_keys = self.field_keys()?;
        let blind = self.blind_index_key_bytes()?;
        if let Some((id, _)) = field_keys.iter().find(|(_, key)| key.0 == blind.0) {
            return Err(SettingsError::BlindIndexKeyReused { key_id: id.clone() });
        }
        Ok(())
    }

    /// Whether any enabled key is a development key (starts with
    /// [`DEV_SECRET_MARKER`]).
    pub fn uses_development_keys(&self) -> bool {
        self.blind_index_key.is_development() || self.keys.values().any(Secret::is_development)
    }

    /// The enabled field keys, validated, and the active key among them.
    pub(crate) fn field_keys(&self) -> Result<Vec<(String, KeyBytes)>, SettingsError> {
        let mut keys = Vec::with_capacity(self.keys.len());
        for (id, material) in &self.keys {
            check_key_id(id)?;
            if material.expose().trim().is_empty() {
                continue;
            }
            let bytes = KeyBytes::parse(material).map_err(|problem| SettingsError::InvalidKey {
                key_id: id.clone(),
                problem,
            })?;
            keys.push((id.clone(), bytes));
        }
        if !keys.iter().any(|(id, _)| *id == self.active_key) {
            return Err(SettingsError::UnknownActiveKey {
                key_id: printable_id(&self.active_key),
            });
        }
        Ok(keys)
    }

    /// The blind-index key, validated.
    pub(crate) fn blind_index_key_bytes(&self) -> Result<KeyBytes, SettingsError> {
        if self.blind_index_key.expose().trim().is_empty() {
            return Err(SettingsError::InvalidBlindIndexKey {
                problem: KeyProblem::Empty,
            });
        }
        KeyBytes::parse(&self.blind_index_key)
            .map_err(|problem| SettingsError::InvalidBlindIndexKey { problem })
    }
}

/// Whether `id` is a valid key id: `[A-Za-z0-9_-]{1,32}`.
pub fn is_valid_key_id(id: &str) -> bool {
    (1..=MAX_KEY_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(crate) fn check_key_id(id: &str) -> Result<(), SettingsError> {
    if is_valid_key_id(id) {
        Ok(())
    } else {
        Err(SettingsError::InvalidKeyId {
            key_id: printable_id(id),
        })
    }
}

/// A key id for an error message: at most 40 characters, so a pasted secret in
/// the wrong place is not printed whole.
fn printable_id(id: &str) -> String {
    const LIMIT: usize = 40;
    if id.chars().count() <= LIMIT {
        id.to_owned()
    } else {
        let mut short: String = id.chars().take(LIMIT).collect();
        short.push('…');
        short
    }
}

/// An invalid `[privacy]` section. Messages name the key id, never the material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A key id does not match `[A-Za-z0-9_-]{1,32}`.
    #[error(
        "privacy key id {key_id:?} is invalid: expected 1 to 32 characters from A-Z, a-z, 0-9, `_` and `-`"
    )]
    InvalidKeyId {
        /// The offending id (cut to 40 characters).
        key_id: String,
    },
    /// A field key's material is not usable.
    #[error("privacy.keys.{key_id}: {problem}")]
    InvalidKey {
        /// Id of the key.
        key_id: String,
        /// What is wrong with the material.
        problem: KeyProblem,
    },
    /// The blind-index key's material is not usable.
    #[error("privacy.blind_index_key: {problem}")]
    InvalidBlindIndexKey {
        /// What is wrong with the material.
        problem: KeyProblem,
    },
    /// `active_key` names no enabled key.
    #[error("privacy.active_key {key_id:?} names no enabled key in privacy.keys")]
    UnknownActiveKey {
        /// The configured active key id (cut to 40 characters).
        key_id: String,
    },
    /// The same key id was given twice (only possible through
    /// [`FieldCipher::from_keys`](crate::FieldCipher::from_keys)).
    #[error("privacy key id {key_id:?} is given more than once")]
    DuplicateKeyId {
        /// The repeated id.
        key_id: String,
    },
    /// The blind-index key equals a field-encryption key.
    #[error(
        "privacy.blind_index_key must differ from every field key; it equals privacy.keys.{key_id}"
    )]
    BlindIndexKeyReused {
        /// Id of the field key with the same material.
        key_id: String,
    },
}

/// What is wrong with a key's material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// The value is empty.
    Empty,
    /// The value is not standard base64.
    NotBase64,
    /// The value decodes to this many bytes instead of 32.
    WrongLength(usize),
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::Empty => f.write_str("key material is empty"),
            KeyProblem::NotBase64 => f.write_str(
                "key material is not standard base64 (expected 44 characters encoding exactly 32 bytes)",
            ),
            KeyProblem::WrongLength(n) => write!(
                f,
                "key material decodes to {n} bytes; expected exactly 32 (standard base64, 44 characters)"
            ),
        }
    }
}

/// 32 bytes of key material, overwritten with zeros when dropped (best effort:
/// plain writes followed by an optimisation barrier).
pub(crate) struct KeyBytes(pub(crate) [u8; KEY_LEN]);

impl KeyBytes {
    /// Decodes configuration text: a development key (SHA-256 of the whole text)
    /// or standard base64 of exactly 32 bytes.
    pub(crate) fn parse(material: &Secret) -> Result<Self, KeyProblem> {
        let text = material.expose().trim();
        if text.is_empty() {
            return Err(KeyProblem::Empty);
        }
        if text.starts_with(DEV_SECRET_MARKER) {
            let digest = Sha256::digest(text.as_bytes());
            let mut key = KeyBytes([0; KEY_LEN]);
            key.0.copy_from_slice(&digest);
            return Ok(key);
        }
        let mut decoded = STANDARD.decode(text).map_err(|_| KeyProblem::NotBase64)?;
        let result = match <[u8; KEY_LEN]>::try_from(decoded.as_slice()) {
            Ok(bytes) => Ok(KeyBytes(bytes)),
            Err(_) => Err(KeyProblem::WrongLength(decoded.len())),
        };
        decoded.zeroize();
        result
    }
}

impl Drop for KeyBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml_keys: &[(&str, &str)], active: &str, blind: &str) -> PrivacySettings {
        PrivacySettings {
            active_key: active.to_owned(),
            blind_index_key: Secret::new(blind.to_owned()),
            keys: toml_keys
                .iter()
                .map(|(id, m)| ((*id).to_owned(), Secret::new((*m).to_owned())))
                .collect(),
        }
    }

    const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..32

    #[test]
    fn defaults_are_valid_development_keys() {
        let s = PrivacySettings::default();
        assert_eq!(s.active_key, "dev");
        assert!(s.uses_development_keys());
        s.validate().unwrap();
    }

    #[test]
    fn base64_material_decodes_to_its_bytes() {
        let key = KeyBytes::parse(&Secret::new(format!("  {KEY_A}\n"))).unwrap();
        let expected: Vec<u8> = (0u8..32).collect();
        assert_eq!(key.0.as_slice(), expected.as_slice());
    }

    #[test]
    fn development_material_is_the_sha256_of_the_whole_string() {
        let text = "insecure-dev-secret:field-encryption";
        let key = KeyBytes::parse(&Secret::new(text.to_owned())).unwrap();
        assert_eq!(key.0.as_slice(), Sha256::digest(text.as_bytes()).as_slice());
    }

    #[test]
    fn material_problems_are_typed() {
        let parse = |s: &str| KeyBytes::parse(&Secret::new(s.to_owned())).err();
        assert_eq!(parse(""), Some(KeyProblem::Empty));
        assert_eq!(parse("not base64!"), Some(KeyProblem::NotBase64));
        // URL-safe alphabet is not standard base64.
        assert_eq!(
            parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_-"),
            Some(KeyProblem::NotBase64)
        );
        assert_eq!(parse("AAECAw=="), Some(KeyProblem::WrongLength(4)));
        assert_eq!(parse(KEY_A), None);
    }

    #[test]
    fn empty_material_disables_a_key() {
        let s = settings(
            &[("dev", ""), ("prod", KEY_A)],
            "prod",
            "insecure-dev-secret:x",
        );
        let ids: Vec<String> = s
            .field_keys()
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, ["prod"]);
        let s = settings(
            &[("dev", ""), ("prod", KEY_A)],
            "dev",
            "insecure-dev-secret:x",
        );
        assert_eq!(
            s.validate(),
            Err(SettingsError::UnknownActiveKey {
                key_id: "dev".into()
            })
        );
    }

    #[test]
    fn printable_id_is_cut() {
        assert_eq!(printable_id("abc"), "abc");
        let long = "x".repeat(100);
        assert_eq!(printable_id(&long).chars().count(), 41);
    }

    #[test]
    fn key_id_rule() {
        for ok in ["a", "dev", "2026-a_B", &"k".repeat(32)] {
            assert!(is_valid_key_id(ok), "{ok}");
        }
        for bad in ["", "a:b", "a b", "키", "a.b", &"k".repeat(33)] {
            assert!(!is_valid_key_id(bad), "{bad}");
        }
    }
}
