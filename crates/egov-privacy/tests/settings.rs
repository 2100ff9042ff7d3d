//! `[privacy]` settings through egov-core's configuration loader, key
//! validation, blind indexes and secrecy of key material.

use egov_core::config::{Config, ConfigError, ConfigSection, Profile, Secret};
use egov_privacy::{BlindIndex, FieldCipher, KeyProblem, PrivacySettings, SettingsError};

/// 32 bytes 0x00..0x1f.
const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// 32 bytes 0xff.
const KEY_B: &str = "//////////////////////////////////////////8=";
/// 32 bytes 0x42.
const KEY_C: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

fn load(profile: Profile, env: &[(&str, &str)]) -> Result<PrivacySettings, ConfigError> {
    Config::builder()
        .profile(profile)
        .dir("/nonexistent/egov-privacy-tests")
        .env(env.iter().copied())
        .load()?
        .section::<PrivacySettings>()
}

fn settings(active: &str, blind: &str, keys: &[(&str, &str)]) -> PrivacySettings {
    PrivacySettings {
        active_key: active.into(),
        blind_index_key: Secret::new(blind.into()),
        keys: keys
            .iter()
            .map(|(id, m)| ((*id).into(), Secret::new((*m).into())))
            .collect(),
    }
}

#[test]
fn defaults_load_and_are_development_keys() {
    let loaded = load(Profile::Dev, &[]).unwrap();
    assert_eq!(loaded.active_key, "dev");
    assert_eq!(loaded.keys.keys().collect::<Vec<_>>(), ["dev"]);
    assert!(loaded.uses_development_keys());
    assert_eq!(
        PrivacySettings::default().active_key,
        PrivacySettings::from_defaults().active_key
    );
    let cipher = FieldCipher::from_settings(&loaded).unwrap();
    let text = cipher.encrypt("9001011234568").unwrap();
    // The default settings are the same keys as the loaded ones.
    let again = FieldCipher::from_settings(&PrivacySettings::default()).unwrap();
    assert_eq!(again.decrypt(&text).unwrap(), "9001011234568");
}

#[test]
fn prod_refuses_the_built_in_development_keys() {
    let err = load(Profile::Prod, &[]).unwrap_err();
    assert!(
        matches!(err, ConfigError::DevelopmentSecret { .. }),
        "{err:?}"
    );
}

#[test]
fn prod_accepts_real_keys_and_drops_the_built_in_dev_key() {
    let env = [
        ("EGOV__PRIVACY__ACTIVE_KEY", "2026a"),
        ("EGOV__PRIVACY__KEYS__2026A", KEY_A),
        ("EGOV__PRIVACY__BLIND_INDEX_KEY", KEY_B),
    ];
    // In prod the built-in `dev` entry is not a default: only configured keys exist.
    let loaded = load(Profile::Prod, &env).unwrap();
    assert!(!loaded.uses_development_keys());
    assert_eq!(loaded.keys.keys().collect::<Vec<_>>(), ["2026a"]);
    let cipher = FieldCipher::from_settings(&loaded).unwrap();
    assert_eq!(cipher.key_ids().collect::<Vec<_>>(), ["2026a"]);
    let dev_text = FieldCipher::from_settings(&PrivacySettings::default())
        .unwrap()
        .encrypt("x")
        .unwrap();
    assert!(cipher.decrypt(&dev_text).is_err());
    // Switching the dev entry off explicitly (older deployments did) still works.
    let mut env = env.to_vec();
    env.push(("EGOV__PRIVACY__KEYS__DEV", ""));
    assert!(!load(Profile::Prod, &env).unwrap().uses_development_keys());
    // A development key copied into the configuration is still refused.
    let mut env = env.to_vec();
    env.push((
        "EGOV__PRIVACY__KEYS__OLD",
        "insecure-dev-secret:field-encryption",
    ));
    let err = load(Profile::Prod, &env).unwrap_err();
    assert!(
        matches!(err, ConfigError::DevelopmentSecret { .. }),
        "{err:?}"
    );
}

#[test]
fn unknown_fields_are_refused() {
    let err = load(Profile::Dev, &[("EGOV__PRIVACY__ACTIVE_KY", "x")]).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Invalid { key, .. } if key.starts_with("privacy")),
        "{err:?}"
    );
}

#[test]
fn validation_errors_name_the_key_id_and_never_the_material() {
    let cases = [
        (
            settings("k", KEY_B, &[("k", "AAECAw==")]),
            SettingsError::InvalidKey {
                key_id: "k".into(),
                problem: KeyProblem::WrongLength(4),
            },
        ),
        (
            settings("k", KEY_B, &[("k", "this is not base64 at all")]),
            SettingsError::InvalidKey {
                key_id: "k".into(),
                problem: KeyProblem::NotBase64,
            },
        ),
        (
            settings("k", KEY_B, &[("k", KEY_A), ("bad id!", KEY_C)]),
            SettingsError::InvalidKeyId {
                key_id: "bad id!".into(),
            },
        ),
        (
            settings("missing", KEY_B, &[("k", KEY_A)]),
            SettingsError::UnknownActiveKey {
                key_id: "missing".into(),
            },
        ),
        (
            settings("k", "", &[("k", KEY_A)]),
            SettingsError::InvalidBlindIndexKey {
                problem: KeyProblem::Empty,
            },
        ),
        (
            settings("k", "QUJD", &[("k", KEY_A)]),
            SettingsError::InvalidBlindIndexKey {
                problem: KeyProblem::WrongLength(3),
            },
        ),
        (
            settings("k", KEY_A, &[("k", KEY_C), ("old", KEY_A)]),
            SettingsError::BlindIndexKeyReused {
                key_id: "old".into(),
            },
        ),
        (
            settings("k", KEY_B, &[]),
            SettingsError::UnknownActiveKey { key_id: "k".into() },
        ),
    ];
    for (s, expected) in cases {
        assert_eq!(s.validate().unwrap_err(), expected);
        assert_eq!(FieldCipher::from_settings(&s).unwrap_err(), expected);
        assert_eq!(BlindIndex::from_settings(&s).unwrap_err(), expected);
        let message = expected.to_string();
        for material in [
            KEY_A,
            KEY_B,
            KEY_C,
            "AAECAw==",
            "this is not base64",
            "QUJD",
        ] {
            assert!(!message.contains(material), "{message}");
        }
    }
    assert_eq!(
        settings("k", KEY_B, &[("k", "AAECAw==")])
            .validate()
            .unwrap_err()
            .to_string(),
        "privacy.keys.k: key material decodes to 4 bytes; expected exactly 32 (standard base64, 44 characters)"
    );
}

#[test]
fn rotation_through_settings() {
    let before = settings("a", KEY_C, &[("a", KEY_A)]);
    let after = settings("b", KEY_C, &[("a", KEY_A), ("b", KEY_B)]);
    let text = FieldCipher::from_settings(&before)
        .unwrap()
        .encrypt("9001011234568")
        .unwrap();
    let cipher = FieldCipher::from_settings(&after).unwrap();
    let moved = cipher.reencrypt(&text).unwrap();
    assert!(moved.changed);
    assert_eq!(FieldCipher::key_id_of(&moved.ciphertext).unwrap(), "b");
    // Removing the old key after re-encryption: old texts are unreadable.
    let retired = settings("b", KEY_C, &[("a", ""), ("b", KEY_B)]);
    let cipher = FieldCipher::from_settings(&retired).unwrap();
    assert_eq!(cipher.decrypt(&moved.ciphertext).unwrap(), "9001011234568");
    assert!(cipher.decrypt(&text).is_err());
}

#[test]
fn debug_never_shows_key_material() {
    let dev = PrivacySettings::default();
    let real = settings("prod", KEY_B, &[("prod", KEY_A)]);
    for s in [&dev, &real] {
        let outputs = [
            format!("{s:?}"),
            format!("{s:#?}"),
            format!("{:?}", FieldCipher::from_settings(s).unwrap()),
            format!("{:?}", BlindIndex::from_settings(s).unwrap()),
        ];
        for out in outputs {
            for material in [
                KEY_A,
                KEY_B,
                "insecure-dev-secret",
                "field-encryption",
                "blind-index",
                "AAECAw",
            ] {
                assert!(!out.contains(material), "{out}");
            }
            assert!(out.contains("***") || out.contains("key_ids"), "{out}");
        }
    }
    assert!(format!("{real:?}").contains("prod"));
}

#[test]
fn blind_index_is_deterministic_and_keyed() {
    let a = BlindIndex::from_settings(&settings("k", KEY_A, &[("k", KEY_C)])).unwrap();
    let a2 = BlindIndex::from_settings(&settings("k", KEY_A, &[("k", KEY_B)])).unwrap();
    let b = BlindIndex::from_settings(&settings("k", KEY_B, &[("k", KEY_C)])).unwrap();
    let rrn = "9001011234568";
    let index = a.compute(rrn);
    assert_eq!(index.len(), egov_privacy::INDEX_LEN);
    assert!(
        index
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
    assert_eq!(index, a.compute(rrn));
    assert_eq!(index, a2.compute(rrn), "same key, same index");
    assert_ne!(index, b.compute(rrn), "different key, different index");
    assert_ne!(index, a.compute("9001011234569"));
    // Normalization is the caller's job: forms differ.
    assert_ne!(index, a.compute("900101-1234568"));
    assert!(!index.contains(rrn));
}
