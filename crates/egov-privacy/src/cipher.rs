//! Field encryption: AES-256-GCM with key ids and rotation, as portable text.

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};

type Nonce = aes_gcm::aead::Nonce<Aes256Gcm>;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroize;

use crate::settings::{self, PrivacySettings, SettingsError};

/// Version tag of the ciphertext format (AES-256-GCM, 96-bit nonce, 128-bit tag).
pub const FORMAT_VERSION: &str = "v1";
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 12;
/// Authentication tag length in bytes.
pub const TAG_LEN: usize = 16;

/// Encrypts and decrypts field values (resident numbers and other unique
/// identifiers) for storage.
///
/// Holds one or more AES-256 keys by id. New values are encrypted with the
/// *active* key; any held key decrypts. See the [crate docs](crate#ciphertext-format)
/// for the text format.
///
/// Every [`encrypt`](Self::encrypt) draws a fresh random 96-bit nonce from the
/// operating system, so encrypting the same value twice gives different texts;
/// use a [`BlindIndex`](crate::BlindIndex) to look values up.
///
/// `Debug` shows the key ids only. With this crate's `aes-gcm` `zeroize` feature,
/// the expanded keys are wiped when the cipher is dropped.
///
/// ```
/// use egov_privacy::{FieldCipher, PrivacySettings};
///
/// let cipher = FieldCipher::from_settings(&PrivacySettings::default())?;
/// let stored = cipher.encrypt_with_aad("9001011234568", b"citizen.rrn")?;
/// assert!(stored.starts_with("v1:dev:"));
/// assert_eq!(cipher.decrypt_with_aad(&stored, b"citizen.rrn")?, "9001011234568");
/// // Bound to its column: the same text is refused elsewhere.
/// assert!(cipher.decrypt_with_aad(&stored, b"employee.rrn").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FieldCipher {
    active: String,
    keys: BTreeMap<String, Aes256Gcm>,
}

/// Result of [`FieldCipher::reencrypt`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Reencrypted {
    /// The ciphertext under the active key: the input itself when it already was.
    pub ciphertext: String,
    /// Whether `ciphertext` differs from the input (store it back when `true`).
    pub changed: bool,
}

/// Why a value could not be encrypted or decrypted. Messages never contain the
/// plaintext, the ciphertext or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    /// The text is not in the ciphertext format (wrong structure, bad base64,
    /// too short).
    #[error("ciphertext is malformed: {0}")]
    Malformed(&'static str),
    /// The text starts with a version tag other than `v1`.
    #[error("ciphertext has an unsupported format version (expected `v1`)")]
    UnsupportedVersion,
    /// The ciphertext names a key this cipher does not hold (never configured,
    /// retired, or disabled).
    #[error("ciphertext names unknown key id `{0}`")]
    UnknownKey(String),
    /// Authentication failed: the ciphertext was altered, or the associated data
    /// differs from the one used to encrypt, or the key behind the id changed.
    #[error(
        "ciphertext failed authentication (altered, wrong associated data, or different key material)"
    )]
    Authentication,
    /// The decrypted bytes are not UTF-8 (the value was not written by this
    /// crate's `encrypt`).
    #[error("decrypted value is not UTF-8 text")]
    NotUtf8,
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed")]
    Rng,
    /// The plaintext is too long for AES-GCM (over 64 GiB).
    #[error("plaintext is too long to encrypt")]
    TooLong,
}

/// A parsed ciphertext text.
struct Parts<'a> {
    key_id: &'a str,
    /// Everything before the payload, `v1:<key_id>:`, authenticated as
    /// associated data.
    header: &'a str,
    payload: Vec<u8>,
}

fn parse(text: &str) -> Result<Parts<'_>, CipherError> {
    let mut fields = text.splitn(3, ':');
    let (Some(version), Some(key_id), Some(encoded)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Err(CipherError::Malformed(
            "expected `v1:<key id>:<base64url payload>`",
        ));
    };
    if version != FORMAT_VERSION {
        return Err(
            if version.strip_prefix('v').is_some_and(|n| {
                (1..=6).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
            }) {
                CipherError::UnsupportedVersion
            } else {
                CipherError::Malformed("expected `v1:<key id>:<base64url payload>`")
            },
        );
    }
    if !settings::is_valid_key_id(key_id) {
        return Err(CipherError::Malformed("invalid key id"));
    }
    let payload = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| CipherError::Malformed("payload is not unpadded base64url"))?;
    if payload.len() < NONCE_LEN + TAG_LEN {
        return Err(CipherError::Malformed("payload is too short"));
    }
    let header_len = version.len() + 1 + key_id.len() + 1;
    Ok(Parts {
        key_id,
        header: text.get(..header_len).unwrap_or_default(),
        payload,
    })
}

/// The associated data given to AES-GCM: the text header, then the caller's.
fn associated_data(header: &str, aad: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(header.len() + aad.len());
    data.extend_from_slice(header.as_bytes());
    data.extend_from_slice(aad);
    data
}

impl FieldCipher {
    /// A cipher over the enabled keys of `settings`, encrypting with
    /// `settings.active_key`.
    ///
    /// # Errors
    ///
    /// [`SettingsError`] when [`PrivacySettings::validate`] fails.
    pub fn from_settings(settings: &PrivacySettings) -> Result<Self, SettingsError> {
        settings.validate()?;
        let keys = settings.field_keys()?;
        Self::build(
            &settings.active_key,
            keys.iter().map(|(id, key)| (id.as_str(), &key.0)),
        )
    }

    /// A cipher over raw 32-byte keys (for tools and tests; services use
    /// [`from_settings`](Self::from_settings)).
    ///
    /// # Errors
    ///
    /// [`SettingsError::InvalidKeyId`], [`SettingsError::DuplicateKeyId`], or
    /// [`SettingsError::UnknownActiveKey`] when `active_key_id` is not among
    /// `keys`.
    ///
    /// ```
    /// use egov_privacy::FieldCipher;
    /// let cipher = FieldCipher::from_keys("k1", [("k1", &[7u8; 32])])?;
    /// assert_eq!(cipher.active_key_id(), "k1");
    /// # Ok::<(), egov_privacy::SettingsError>(())
    /// ```
    pub fn from_keys<'a>(
        active_key_id: &str,
        keys: impl IntoIterator<Item = (&'a str, &'a [u8; 32])>,
    ) -> Result<Self, SettingsError> {
        Self::build(active_key_id, keys)
    }

    fn build<'a>(
        active_key_id: &str,
        keys: impl IntoIterator<Item = (&'a str, &'a [u8; 32])>,
    ) -> Result<Self, SettingsError> {
        let mut map = BTreeMap::new();
        for (id, key) in keys {
            settings::check_key_id(id)?;
            let cipher = Aes256Gcm::new(&(*key).into());
            if map.insert(id.to_owned(), cipher).is_some() {
                return Err(SettingsError::DuplicateKeyId {
                    key_id: id.to_owned(),
                });
            }
        }
        if !map.contains_key(active_key_id) {
            settings::check_key_id(active_key_id)?;
            return Err(SettingsError::UnknownActiveKey {
                key_id: active_key_id.to_owned(),
            });
        }
        Ok(Self {
            active: active_key_id.to_owned(),
            keys: map,
        })
    }

    /// Id of the key new values are encrypted with.
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// Ids of every key that decrypts, in ascending order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// The key id written in `ciphertext`, after checking the text's structure
    /// (version, key id, base64url payload, length). Authenticity is **not**
    /// checked. Use it to find rows still under an old key.
    ///
    /// # Errors
    ///
    /// [`CipherError::Malformed`] or [`CipherError::UnsupportedVersion`].
    pub fn key_id_of(ciphertext: &str) -> Result<&str, CipherError> {
        parse(ciphertext).map(|parts| parts.key_id)
    }

    /// Encrypts `plaintext` under the active key, with no associated data.
    ///
    /// # Errors
    ///
    /// [`CipherError::Rng`] if the OS random number generator fails,
    /// [`CipherError::TooLong`] past AES-GCM's length limit.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, CipherError> {
        self.encrypt_with_aad(plaintext, b"")
    }

    /// Encrypts `plaintext` under the active key, binding it to `aad`
    /// (associated data: authenticated, not stored). Use the column, e.g.
    /// `b"citizen.rrn"`, so a ciphertext copied into another column does not
    /// decrypt. The same `aad` must be given to decrypt.
    ///
    /// # Errors
    ///
    /// As [`encrypt`](Self::encrypt).
    pub fn encrypt_with_aad(&self, plaintext: &str, aad: &[u8]) -> Result<String, CipherError> {
        let Some(cipher) = self.keys.get(&self.active) else {
            // `build` guarantees the active key is held.
            return Err(CipherError::UnknownKey(self.active.clone()));
        };
        let nonce_bytes = <[u8; NONCE_LEN]>::try_generate().map_err(|_| CipherError::Rng)?;
        let header = format!("{FORMAT_VERSION}:{}:", self.active);
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce_bytes),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &associated_data(&header, aad),
                },
            )
            .map_err(|_| CipherError::TooLong)?;
        let mut payload = Vec::with_capacity(NONCE_LEN + sealed.len());
        payload.extend_from_slice(&nonce_bytes);
        payload.extend_from_slice(&sealed);
        Ok(format!("{header}{}", URL_SAFE_NO_PAD.encode(&payload)))
    }

    /// Decrypts a text written by [`encrypt`](Self::encrypt), with any held key.
    ///
    /// # Errors
    ///
    /// [`CipherError::Malformed`] / [`CipherError::UnsupportedVersion`] for text
    /// not in the format, [`CipherError::UnknownKey`] for a key not held,
    /// [`CipherError::Authentication`] for any alteration, [`CipherError::NotUtf8`].
    pub fn decrypt(&self, ciphertext: &str) -> Result<String, CipherError> {
        self.decrypt_with_aad(ciphertext, b"")
    }

    /// Decrypts a text written by [`encrypt_with_aad`](Self::encrypt_with_aad)
    /// with the same `aad`.
    ///
    /// # Errors
    ///
    /// As [`decrypt`](Self::decrypt); a different `aad` gives
    /// [`CipherError::Authentication`].
    pub fn decrypt_with_aad(&self, ciphertext: &str, aad: &[u8]) -> Result<String, CipherError> {
        let parts = parse(ciphertext)?;
        let cipher = self
            .keys
            .get(parts.key_id)
            .ok_or_else(|| CipherError::UnknownKey(parts.key_id.to_owned()))?;
        let (nonce, sealed) = parts.payload.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| CipherError::Malformed("bad nonce"))?;
        let plaintext = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: &associated_data(parts.header, aad),
                },
            )
            .map_err(|_| CipherError::Authentication)?;
        String::from_utf8(plaintext).map_err(|e| {
            let mut bytes = e.into_bytes();
            bytes.zeroize();
            CipherError::NotUtf8
        })
    }

    /// Re-encrypts `ciphertext` under the active key (key rotation). A text
    /// already under the active key is authenticated and returned unchanged.
    ///
    /// ```
    /// use egov_privacy::FieldCipher;
    /// let old = FieldCipher::from_keys("k1", [("k1", &[1u8; 32])])?;
    /// let rotated = FieldCipher::from_keys("k2", [("k1", &[1u8; 32]), ("k2", &[2u8; 32])])?;
    ///
    /// let stored = old.encrypt("9001011234568")?;
    /// let moved = rotated.reencrypt(&stored)?;
    /// assert!(moved.changed);
    /// assert_eq!(FieldCipher::key_id_of(&moved.ciphertext)?, "k2");
    /// assert!(!rotated.reencrypt(&moved.ciphertext)?.changed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decrypt`](Self::decrypt) and [`encrypt`](Self::encrypt).
    pub fn reencrypt(&self, ciphertext: &str) -> Result<Reencrypted, CipherError> {
        self.reencrypt_with_aad(ciphertext, b"")
    }

    /// [`reencrypt`](Self::reencrypt) for texts bound to associated data; the
    /// result is bound to the same `aad`.
    ///
    /// # Errors
    ///
    /// As [`reencrypt`](Self::reencrypt).
    pub fn reencrypt_with_aad(
        &self,
        ciphertext: &str,
        aad: &[u8],
    ) -> Result<Reencrypted, CipherError> {
        let plaintext = self.decrypt_with_aad(ciphertext, aad)?;
        let current = parse(ciphertext)?.key_id == self.active;
        let result = if current {
            Ok(Reencrypted {
                ciphertext: ciphertext.to_owned(),
                changed: false,
            })
        } else {
            self.encrypt_with_aad(&plaintext, aad)
                .map(|ciphertext| Reencrypted {
                    ciphertext,
                    changed: true,
                })
        };
        let mut plaintext = plaintext.into_bytes();
        plaintext.zeroize();
        result
    }
}

impl fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldCipher")
            .field("active_key", &self.active)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_nonce_then_ciphertext_then_tag() {
        let cipher = FieldCipher::from_keys("k", [("k", &[9u8; 32])]).unwrap();
        let text = cipher.encrypt("abc").unwrap();
        let parts = parse(&text).unwrap();
        assert_eq!(parts.header, "v1:k:");
        assert_eq!(parts.payload.len(), NONCE_LEN + 3 + TAG_LEN);

        // Recompute independently with the raw AEAD: same nonce, same AAD.
        let raw = Aes256Gcm::new(&[9u8; 32].into());
        let (nonce, sealed) = parts.payload.split_at(NONCE_LEN);
        let opened = raw
            .decrypt(
                &Nonce::try_from(nonce).unwrap(),
                Payload {
                    msg: sealed,
                    aad: b"v1:k:",
                },
            )
            .unwrap();
        assert_eq!(opened, b"abc");
    }

    #[test]
    fn version_tags_are_told_apart_from_garbage() {
        assert_eq!(
            parse("v2:k:AAAA").err(),
            Some(CipherError::UnsupportedVersion)
        );
        assert!(matches!(
            parse("hello:k:AAAA").err(),
            Some(CipherError::Malformed(_))
        ));
        assert!(matches!(
            parse("v:k:AAAA").err(),
            Some(CipherError::Malformed(_))
        ));
    }
}
