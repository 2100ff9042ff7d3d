//! Field encryption: round trips, tampering, rotation, associated data, parsing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use egov_privacy::{CipherError, FieldCipher, NONCE_LEN, Reencrypted, SettingsError, TAG_LEN};
use proptest::prelude::*;

const RRN: &str = "9001011234568";
const K1: [u8; 32] = [0x11; 32];
const K2: [u8; 32] = [0x22; 32];

fn old_cipher() -> FieldCipher {
    FieldCipher::from_keys("k1", [("k1", &K1)]).unwrap()
}

fn rotated_cipher() -> FieldCipher {
    FieldCipher::from_keys("k2", [("k1", &K1), ("k2", &K2)]).unwrap()
}

fn split(text: &str) -> (String, String, Vec<u8>) {
    let mut parts = text.splitn(3, ':');
    let version = parts.next().unwrap().to_owned();
    let key_id = parts.next().unwrap().to_owned();
    let payload = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    (version, key_id, payload)
}

fn join(version: &str, key_id: &str, payload: &[u8]) -> String {
    format!("{version}:{key_id}:{}", URL_SAFE_NO_PAD.encode(payload))
}

#[test]
fn round_trip_and_format() {
    let cipher = old_cipher();
    let text = cipher.encrypt(RRN).unwrap();
    assert_eq!(cipher.decrypt(&text).unwrap(), RRN);

    let (version, key_id, payload) = split(&text);
    assert_eq!((version.as_str(), key_id.as_str()), ("v1", "k1"));
    assert_eq!(payload.len(), NONCE_LEN + RRN.len() + TAG_LEN);
    // 41 bytes → 55 base64url characters, plus `v1:k1:`.
    assert_eq!(text.len(), 6 + 55);
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_:".contains(&b))
    );
    assert!(!text.contains(RRN));
}

#[test]
fn empty_and_unicode_values_round_trip() {
    let cipher = old_cipher();
    for value in ["", "홍길동", "서울특별시 중구 세종대로 110", "😀\u{0}x"] {
        let text = cipher.encrypt(value).unwrap();
        assert_eq!(cipher.decrypt(&text).unwrap(), value);
    }
}

#[test]
fn each_encryption_uses_a_fresh_nonce() {
    let cipher = old_cipher();
    let a = cipher.encrypt(RRN).unwrap();
    let b = cipher.encrypt(RRN).unwrap();
    assert_ne!(a, b);
    assert_ne!(split(&a).2[..NONCE_LEN], split(&b).2[..NONCE_LEN]);
}

#[test]
fn flipping_any_payload_bit_fails_authentication() {
    let cipher = old_cipher();
    let text = cipher.encrypt(RRN).unwrap();
    let (version, key_id, payload) = split(&text);
    // Every byte: nonce (0..12), ciphertext (12..25), tag (25..41).
    for i in 0..payload.len() {
        for bit in [0x01, 0x80] {
            let mut tampered = payload.clone();
            tampered[i] ^= bit;
            assert_eq!(
                cipher.decrypt(&join(&version, &key_id, &tampered)),
                Err(CipherError::Authentication),
                "byte {i}"
            );
        }
    }
}

#[test]
fn truncation_and_extension_fail() {
    let cipher = old_cipher();
    let text = cipher.encrypt(RRN).unwrap();
    let (version, key_id, payload) = split(&text);
    // Dropping tag bytes (still long enough to parse) fails authentication.
    for cut in 1..=RRN.len() {
        let short = &payload[..payload.len() - cut];
        assert_eq!(
            cipher.decrypt(&join(&version, &key_id, short)),
            Err(CipherError::Authentication),
            "cut {cut}"
        );
    }
    // Shorter than nonce + tag is malformed.
    let tiny = &payload[..NONCE_LEN + TAG_LEN - 1];
    assert!(matches!(
        cipher.decrypt(&join(&version, &key_id, tiny)),
        Err(CipherError::Malformed(_))
    ));
    let mut longer = payload.clone();
    longer.push(0);
    assert_eq!(
        cipher.decrypt(&join(&version, &key_id, &longer)),
        Err(CipherError::Authentication)
    );
    // Cutting the text itself.
    for end in 0..text.len() {
        assert!(cipher.decrypt(&text[..end]).is_err(), "prefix {end}");
    }
}

#[test]
fn changing_the_key_id_fails() {
    // Two ids with the same material: the header is authenticated, so relabelling
    // a ciphertext is detected even though the key would open it.
    let cipher = FieldCipher::from_keys("a", [("a", &K1), ("b", &K1)]).unwrap();
    let text = cipher.encrypt(RRN).unwrap();
    let relabelled = text.replacen("v1:a:", "v1:b:", 1);
    assert_eq!(
        cipher.decrypt(&relabelled),
        Err(CipherError::Authentication)
    );
    // A different key under the other id fails too.
    let other = FieldCipher::from_keys("a", [("a", &K1), ("b", &K2)]).unwrap();
    assert_eq!(other.decrypt(&relabelled), Err(CipherError::Authentication));
}

#[test]
fn same_id_with_different_material_fails() {
    let text = old_cipher().encrypt(RRN).unwrap();
    let impostor = FieldCipher::from_keys("k1", [("k1", &K2)]).unwrap();
    assert_eq!(impostor.decrypt(&text), Err(CipherError::Authentication));
}

#[test]
fn associated_data_binds_a_value_to_its_column() {
    let cipher = old_cipher();
    let text = cipher.encrypt_with_aad(RRN, b"citizen.rrn").unwrap();
    assert_eq!(cipher.decrypt_with_aad(&text, b"citizen.rrn").unwrap(), RRN);
    assert_eq!(
        cipher.decrypt_with_aad(&text, b"employee.rrn"),
        Err(CipherError::Authentication)
    );
    assert_eq!(cipher.decrypt(&text), Err(CipherError::Authentication));
    let plain = cipher.encrypt(RRN).unwrap();
    assert_eq!(
        cipher.decrypt_with_aad(&plain, b"citizen.rrn"),
        Err(CipherError::Authentication)
    );
}

#[test]
fn unknown_key_id_is_reported_by_id() {
    let text = rotated_cipher().encrypt(RRN).unwrap();
    assert_eq!(
        old_cipher().decrypt(&text),
        Err(CipherError::UnknownKey("k2".into()))
    );
    assert_eq!(
        old_cipher().decrypt(&text).unwrap_err().to_string(),
        "ciphertext names unknown key id `k2`"
    );
}

#[test]
fn rotation_old_keys_decrypt_new_values_use_the_active_key() {
    let old_text = old_cipher().encrypt_with_aad(RRN, b"t.c").unwrap();
    let rotated = rotated_cipher();
    assert_eq!(rotated.decrypt_with_aad(&old_text, b"t.c").unwrap(), RRN);
    let new_text = rotated.encrypt(RRN).unwrap();
    assert_eq!(FieldCipher::key_id_of(&new_text).unwrap(), "k2");
    assert_eq!(rotated.key_ids().collect::<Vec<_>>(), ["k1", "k2"]);
    assert_eq!(rotated.active_key_id(), "k2");
}

#[test]
fn reencrypt_moves_values_to_the_active_key() {
    let old_text = old_cipher().encrypt_with_aad(RRN, b"t.c").unwrap();
    let rotated = rotated_cipher();

    let moved = rotated.reencrypt_with_aad(&old_text, b"t.c").unwrap();
    assert!(moved.changed);
    assert_ne!(moved.ciphertext, old_text);
    assert_eq!(FieldCipher::key_id_of(&moved.ciphertext).unwrap(), "k2");
    assert_eq!(
        rotated.decrypt_with_aad(&moved.ciphertext, b"t.c").unwrap(),
        RRN
    );
    // The old key alone can no longer read it.
    assert_eq!(
        old_cipher().decrypt_with_aad(&moved.ciphertext, b"t.c"),
        Err(CipherError::UnknownKey("k2".into()))
    );

    // Already current: unchanged, same text.
    let again = rotated
        .reencrypt_with_aad(&moved.ciphertext, b"t.c")
        .unwrap();
    assert_eq!(
        again,
        Reencrypted {
            ciphertext: moved.ciphertext.clone(),
            changed: false
        }
    );

    // Without aad: same behaviour.
    let plain = old_cipher().encrypt(RRN).unwrap();
    assert!(rotated.reencrypt(&plain).unwrap().changed);
}

#[test]
fn reencrypt_refuses_what_it_cannot_authenticate() {
    let rotated = rotated_cipher();
    let current = rotated.encrypt(RRN).unwrap();
    let (v, k, mut payload) = split(&current);
    let last = payload.len() - 1;
    payload[last] ^= 1;
    // A tampered text under the active key is not blessed as "unchanged".
    assert_eq!(
        rotated.reencrypt(&join(&v, &k, &payload)),
        Err(CipherError::Authentication)
    );
    assert_eq!(
        rotated.reencrypt_with_aad(&current, b"other"),
        Err(CipherError::Authentication)
    );
    let foreign = FieldCipher::from_keys("k9", [("k9", &K1)])
        .unwrap()
        .encrypt(RRN)
        .unwrap();
    assert_eq!(
        rotated.reencrypt(&foreign),
        Err(CipherError::UnknownKey("k9".into()))
    );
}

#[test]
fn malformed_texts_are_typed_errors() {
    let cipher = old_cipher();
    let valid = cipher.encrypt(RRN).unwrap();
    let (_, _, payload) = split(&valid);
    let body = URL_SAFE_NO_PAD.encode(&payload);
    let malformed = [
        String::new(),
        "v1".into(),
        "v1:k1".into(),
        format!("v1::{body}"),
        format!("v1:k 1:{body}"),
        format!("v1:{}:{body}", "k".repeat(33)),
        format!("V1:k1:{body}"),
        format!("v1:k1:{body}="),
        format!("v1:k1:{body}:"),
        format!("v1:k1: {body}"),
        format!("v1:k1:+{}", &body[1..]),
        format!("v1:k1:/{}", &body[1..]),
        format!(" {valid}"),
        format!("{valid}\n"),
        "v1:k1:".into(),
        RRN.into(),
    ];
    for text in &malformed {
        let err = cipher.decrypt(text).unwrap_err();
        // Whatever the error, it never carries the text it was given (short texts
        // like `v1` may appear in the format description).
        if text.len() > 8 {
            assert!(!err.to_string().contains(text.as_str()), "{text:?}");
        }
        assert!(
            matches!(err, CipherError::Malformed(_) | CipherError::Authentication),
            "{text:?}: {err:?}"
        );
    }
    assert_eq!(
        cipher.decrypt(&valid.replacen("v1:", "v2:", 1)),
        Err(CipherError::UnsupportedVersion)
    );
    assert_eq!(
        FieldCipher::key_id_of(&valid.replacen("v1:", "v9:", 1)),
        Err(CipherError::UnsupportedVersion)
    );
}

#[test]
fn non_canonical_base64_trailing_bits_are_refused() {
    let cipher = old_cipher();
    let text = cipher.encrypt(RRN).unwrap();
    // 41 bytes → 55 chars; the last char carries 2 unused bits. Setting them
    // gives another text for the same bytes, which must not be accepted.
    let (head, last) = text.split_at(text.len() - 1);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let pos = alphabet
        .iter()
        .position(|&c| c == last.as_bytes()[0])
        .unwrap();
    // A canonical encoder leaves the unused bits zero.
    assert_eq!(pos & 0b11, 0);
    let variant = format!("{head}{}", char::from(alphabet[pos | 1]));
    assert!(matches!(
        cipher.decrypt(&variant),
        Err(CipherError::Malformed(_))
    ));
}

#[test]
fn construction_errors_are_typed() {
    assert_eq!(
        FieldCipher::from_keys("k3", [("k1", &K1)]).unwrap_err(),
        SettingsError::UnknownActiveKey {
            key_id: "k3".into()
        }
    );
    assert_eq!(
        FieldCipher::from_keys("k1", [("k1", &K1), ("k1", &K2)]).unwrap_err(),
        SettingsError::DuplicateKeyId {
            key_id: "k1".into()
        }
    );
    assert_eq!(
        FieldCipher::from_keys("a:b", [("a:b", &K1)]).unwrap_err(),
        SettingsError::InvalidKeyId {
            key_id: "a:b".into()
        }
    );
    assert!(matches!(
        FieldCipher::from_keys("bad id", [("k1", &K1)]).unwrap_err(),
        SettingsError::InvalidKeyId { .. }
    ));
}

#[test]
fn debug_shows_key_ids_only() {
    let cipher = FieldCipher::from_keys("k1", [("k1", &[0xAB; 32])]).unwrap();
    let debug = format!("{cipher:?}");
    assert!(debug.contains("k1"), "{debug}");
    for needle in ["171", "0xab", "0xAB", "ab, ab", "q6ur", "[171"] {
        assert!(!debug.contains(needle), "{debug}");
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let cipher = old_cipher();
        prop_assert!(cipher.decrypt(&s).is_err());
        let _ = FieldCipher::key_id_of(&s);
        let _ = cipher.reencrypt(&s);
    }

    #[test]
    fn format_shaped_text_never_panics(s in "v[0-9]:[a-z0-9_:-]{0,6}:[A-Za-z0-9_=+/-]{0,80}") {
        let cipher = old_cipher();
        prop_assert!(cipher.decrypt(&s).is_err());
    }

    #[test]
    fn random_payloads_never_authenticate(payload in prop::collection::vec(any::<u8>(), 0..80)) {
        let cipher = old_cipher();
        let text = join("v1", "k1", &payload);
        let err = cipher.decrypt(&text).unwrap_err();
        if payload.len() < NONCE_LEN + TAG_LEN {
            prop_assert!(matches!(err, CipherError::Malformed(_)));
        } else {
            prop_assert_eq!(err, CipherError::Authentication);
        }
    }

    #[test]
    fn any_value_and_aad_round_trip(value in any::<String>(), aad in prop::collection::vec(any::<u8>(), 0..40)) {
        let cipher = rotated_cipher();
        let text = cipher.encrypt_with_aad(&value, &aad).unwrap();
        prop_assert_eq!(cipher.decrypt_with_aad(&text, &aad).unwrap(), value);
    }
}
