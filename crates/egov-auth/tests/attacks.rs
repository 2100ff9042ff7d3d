//! The attack suite: each case asserts rejection.
#![allow(clippy::field_reassign_with_default)]

mod common;

use std::time::{Duration as StdDuration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{PASSWORD, account, audit_count, env, env_with};
use egov_auth::keys::Keyring;
use egov_auth::{AuthSettings, Error, KeySettings};
use egov_core::actor::Actor;
use egov_core::config::Secret;
use egov_core::id::AccountId;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-03-02 09:00 UTC);

fn keyring() -> Keyring {
    Keyring::from_settings(&AuthSettings::default()).unwrap()
}

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn claims(now: OffsetDateTime) -> serde_json::Value {
    let t = now.unix_timestamp();
    json!({"iss": "egov-rs", "aud": "egov-rs", "sub": AccountId::new().to_string(),
        "exp": t + 600, "nbf": t, "iat": t, "jti": "x", "sid": "s"})
}

/// The default dev Ed25519 key as an EncodingKey, to forge tokens with chosen headers/claims.
fn dev_signing_key() -> EncodingKey {
    use sha2::Digest;
    let seed: [u8; 32] = sha2::Sha256::digest(b"insecure-dev-secret:auth-token-signing").into();
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&seed);
    EncodingKey::from_ed_der(&der)
}

fn sign(header: Header, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(&header, claims, &dev_signing_key()).unwrap()
}

fn header(kid: &str) -> Header {
    let mut h = Header::new(Algorithm::EdDSA);
    h.typ = Some("at+jwt".into());
    h.kid = Some(kid.into());
    h
}

fn refused(ring: &Keyring, token: &str, now: OffsetDateTime) {
    match ring.verify(token, now) {
        Err(Error::InvalidToken(_)) => {}
        other => panic!("accepted or wrong error: {other:?}"),
    }
}

#[test]
fn a_well_formed_token_is_accepted_as_a_baseline() {
    let ring = keyring();
    ring.verify(&sign(header("dev"), &claims(NOW)), NOW)
        .unwrap();
}

#[test]
fn a_remembered_token_still_expires_and_is_checked_against_the_clock_each_time() {
    let ring = keyring();
    let token = sign(header("dev"), &claims(NOW));
    // First use verifies the signature and remembers the token; the second is a lookup.
    assert_eq!(
        ring.verify(&token, NOW).unwrap(),
        ring.verify(&token, NOW).unwrap()
    );
    // The time rules run on every use: expired at exp, and "not yet valid" before nbf.
    refused(&ring, &token, NOW + Duration::seconds(600));
    refused(&ring, &token, NOW - Duration::seconds(60));
    ring.verify(&token, NOW + Duration::seconds(599)).unwrap();
}

#[test]
fn a_token_that_failed_is_not_remembered_as_good() {
    let ring = keyring();
    let token = sign(header("dev"), &claims(NOW));
    // A forged signature on the same claims: refused, and again after the real one verified.
    let (signed, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", URL_SAFE_NO_PAD.encode([7u8; 64]));
    refused(&ring, &forged, NOW);
    ring.verify(&token, NOW).unwrap();
    refused(&ring, &forged, NOW);
    // A token refused only for its time is not remembered either: still refused later
    // for its lifetime, which the clock cannot fix.
    let mut long = claims(NOW);
    long["exp"] = json!(NOW.unix_timestamp() + 3600);
    let long = sign(header("dev"), &long);
    refused(&ring, &long, NOW);
    refused(&ring, &long, NOW + Duration::seconds(30));
}

#[test]
fn an_unknown_critical_header_is_refused() {
    let ring = keyring();
    let mut critical = header("dev");
    critical.crit = Some(vec!["exp".into()]);
    refused(&ring, &sign(critical, &claims(NOW)), NOW);
}

#[test]
fn alg_none_is_refused() {
    let ring = keyring();
    for alg in ["none", "None", "NONE"] {
        let token = format!(
            "{}.{}.",
            b64(&json!({"alg": alg, "typ": "at+jwt", "kid": "dev"})),
            b64(&claims(NOW))
        );
        refused(&ring, &token, NOW);
    }
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    // Key confusion: an attacker HMACs with the Ed25519 public key (from the JWKS).
    let ring = keyring();
    let jwks = ring.jwks();
    let x = jwks["keys"][0]["x"].as_str().unwrap();
    let public = URL_SAFE_NO_PAD.decode(x).unwrap();
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some("at+jwt".into());
    h.kid = Some("dev".into());
    for key in [public.clone(), x.as_bytes().to_vec()] {
        let token =
            jsonwebtoken::encode(&h, &claims(NOW), &EncodingKey::from_secret(&key)).unwrap();
        refused(&ring, &token, NOW);
    }
}

#[test]
fn an_hs256_key_verifies_only_hs256() {
    let mut settings = AuthSettings::default();
    settings.keys.insert(
        "hs".into(),
        KeySettings {
            algorithm: "HS256".into(),
            material: Secret::new("insecure-dev-secret:hs".into()),
            retired: false,
        },
    );
    let ring = Keyring::from_settings(&settings).unwrap();
    // An EdDSA token naming the HS256 key is refused.
    refused(&ring, &sign(header("hs"), &claims(NOW)), NOW);
    assert!(
        ring.jwks()["keys"].as_array().unwrap().len() == 1,
        "HS keys are never published"
    );
}

const EC_MATERIAL: &str = "insecure-dev-secret:auth-es256";

/// The ES256 dev key of [`es256_settings`] (the scalar is SHA-256 of the material).
fn ec_secret() -> p256::SecretKey {
    use sha2::Digest;
    let scalar = sha2::Sha256::digest(EC_MATERIAL.as_bytes());
    p256::SecretKey::from_slice(&scalar).unwrap()
}

fn ec_signing_key() -> EncodingKey {
    use p256::pkcs8::EncodePrivateKey;
    EncodingKey::from_ec_der(ec_secret().to_pkcs8_der().unwrap().as_bytes())
}

/// The default EdDSA `dev` key plus an ES256 key `ec`.
fn es256_settings(material: &str) -> AuthSettings {
    let mut settings = AuthSettings::default();
    settings.keys.insert(
        "ec".into(),
        KeySettings {
            algorithm: "ES256".into(),
            material: Secret::new(material.into()),
            retired: false,
        },
    );
    settings
}

fn ec_header(kid: &str) -> Header {
    let mut h = Header::new(Algorithm::ES256);
    h.typ = Some("at+jwt".into());
    h.kid = Some(kid.into());
    h
}

#[test]
fn es256_keys_sign_verify_and_are_published_as_ec_jwks() {
    let mut settings = es256_settings(EC_MATERIAL);
    settings.active_key = "ec".into();
    let ring = Keyring::from_settings(&settings).unwrap();
    let (token, issued) = ring.issue(AccountId::new(), "s", NOW).unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(header.kid.as_deref(), Some("ec"));
    assert_eq!(ring.verify(&token, NOW).unwrap(), issued);
    // A token forged elsewhere with the same key verifies too (the baseline).
    ring.verify(
        &jsonwebtoken::encode(&ec_header("ec"), &claims(NOW), &ec_signing_key()).unwrap(),
        NOW,
    )
    .unwrap();

    let jwks = ring.jwks();
    let keys = jwks["keys"].as_array().unwrap();
    let ec = keys.iter().find(|k| k["kid"] == "ec").unwrap();
    assert_eq!(ec["kty"], "EC");
    assert_eq!(ec["crv"], "P-256");
    assert_eq!(ec["alg"], "ES256");
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let point = ec_secret().public_key().to_encoded_point(false);
    for (name, coordinate) in [("x", point.x().unwrap()), ("y", point.y().unwrap())] {
        let bytes = URL_SAFE_NO_PAD.decode(ec[name].as_str().unwrap()).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(bytes.as_slice(), &coordinate[..]);
    }
    assert!(ec.get("d").is_none(), "never the private scalar");
    assert_eq!(
        keys.iter().find(|k| k["kid"] == "dev").unwrap()["kty"],
        "OKP"
    );
}

#[test]
fn es256_material_may_be_pkcs8_der_and_bad_material_is_refused() {
    use base64::engine::general_purpose::STANDARD;
    use p256::pkcs8::EncodePrivateKey;
    let der = ec_secret().to_pkcs8_der().unwrap();
    let from_der =
        Keyring::from_settings(&es256_settings(&STANDARD.encode(der.as_bytes()))).unwrap();
    let from_scalar =
        Keyring::from_settings(&es256_settings(&STANDARD.encode(ec_secret().to_bytes()))).unwrap();
    let dev = Keyring::from_settings(&es256_settings(EC_MATERIAL)).unwrap();
    assert_eq!(from_der.jwks(), from_scalar.jwks());
    assert_eq!(from_der.jwks(), dev.jwks());
    for bad in [
        STANDARD.encode([0u8; 32]),                      // the zero scalar
        STANDARD.encode([0xffu8; 32]),                   // ≥ the group order
        STANDARD.encode([1u8; 31]),                      // wrong length, not DER
        STANDARD.encode(b"-----BEGIN PRIVATE KEY-----"), // PEM is not accepted
        "not base64!".into(),
    ] {
        match Keyring::from_settings(&es256_settings(&bad)) {
            Err(Error::Config(message)) => assert!(!message.contains(&bad), "{message}"),
            other => panic!("accepted bad ES256 material: {other:?}"),
        }
    }
}

#[test]
fn es256_and_eddsa_tokens_only_verify_with_keys_of_their_algorithm() {
    let ring = Keyring::from_settings(&es256_settings(EC_MATERIAL)).unwrap();
    // An ES256 token (validly signed with the ES256 key) presented with the EdDSA kid.
    let es = jsonwebtoken::encode(&ec_header("dev"), &claims(NOW), &ec_signing_key()).unwrap();
    refused(&ring, &es, NOW);
    // An EdDSA token (validly signed with the EdDSA key) presented with the ES256 kid.
    refused(&ring, &sign(header("ec"), &claims(NOW)), NOW);
    // Headers lying about the algorithm: EdDSA signature, ES256 header (and vice versa).
    let eddsa_signed = sign(header("ec"), &claims(NOW));
    let parts: Vec<&str> = eddsa_signed.split('.').collect();
    let relabelled = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "ES256", "typ": "at+jwt", "kid": "ec"})),
        parts[1],
        parts[2]
    );
    refused(&ring, &relabelled, NOW);
    let es_parts: Vec<&str> = es.split('.').collect();
    let relabelled = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "EdDSA", "typ": "at+jwt", "kid": "dev"})),
        es_parts[1],
        es_parts[2]
    );
    refused(&ring, &relabelled, NOW);
    // ES384/ES512 or RS256 headers naming the ES256 key.
    for alg in ["ES384", "ES512", "RS256", "PS256"] {
        let token = format!(
            "{}.{}.{}",
            b64(&json!({"alg": alg, "typ": "at+jwt", "kid": "ec"})),
            es_parts[1],
            es_parts[2]
        );
        refused(&ring, &token, NOW);
    }
}

#[test]
fn hs256_signed_with_the_es256_public_key_is_refused() {
    let ring = Keyring::from_settings(&es256_settings(EC_MATERIAL)).unwrap();
    let jwks = ring.jwks();
    let ec = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "ec")
        .unwrap()
        .clone();
    let x = URL_SAFE_NO_PAD.decode(ec["x"].as_str().unwrap()).unwrap();
    let y = URL_SAFE_NO_PAD.decode(ec["y"].as_str().unwrap()).unwrap();
    let mut uncompressed = vec![0x04];
    uncompressed.extend_from_slice(&x);
    uncompressed.extend_from_slice(&y);
    let mut compressed = vec![0x02 | (y[31] & 1)];
    compressed.extend_from_slice(&x);
    let mut h = Header::new(Algorithm::HS256);
    h.typ = Some("at+jwt".into());
    for kid in ["ec", "dev"] {
        h.kid = Some(kid.into());
        for key in [
            uncompressed.clone(),
            compressed.clone(),
            [x.clone(), y.clone()].concat(),
            serde_json::to_vec(&ec).unwrap(),
        ] {
            let token =
                jsonwebtoken::encode(&h, &claims(NOW), &EncodingKey::from_secret(&key)).unwrap();
            refused(&ring, &token, NOW);
        }
    }
}

#[test]
fn expired_and_not_yet_valid_tokens_are_refused() {
    let ring = keyring();
    let token = sign(header("dev"), &claims(NOW));
    refused(&ring, &token, NOW + Duration::seconds(600));
    refused(&ring, &token, NOW - Duration::seconds(60));
    let mut future = claims(NOW);
    future["nbf"] = json!(NOW.unix_timestamp() + 120);
    refused(&ring, &sign(header("dev"), &future), NOW);
    let mut long = claims(NOW);
    long["exp"] = json!(NOW.unix_timestamp() + 86_400);
    refused(&ring, &sign(header("dev"), &long), NOW);
}

#[test]
fn extreme_times_are_refused_without_overflow() {
    // exp - iat overflows i64: once a panic in debug builds, and in release a
    // negative lifetime that passed the lifetime check (fuzz/corpus/token).
    let ring = keyring();
    let mut extreme = claims(NOW);
    extreme["exp"] = json!(i64::MAX);
    extreme["iat"] = json!(i64::MIN);
    extreme["nbf"] = json!(i64::MIN);
    refused(&ring, &sign(header("dev"), &extreme), NOW);
    extreme["iat"] = json!(NOW.unix_timestamp());
    refused(&ring, &sign(header("dev"), &extreme), NOW);
}

#[test]
fn wrong_issuer_audience_type_or_missing_claims_are_refused() {
    let ring = keyring();
    for (key, value) in [("iss", "evil"), ("aud", "other-service")] {
        let mut c = claims(NOW);
        c[key] = json!(value);
        refused(&ring, &sign(header("dev"), &c), NOW);
    }
    for typ in [None, Some("JWT"), Some("id+jwt")] {
        let mut h = header("dev");
        h.typ = typ.map(str::to_owned);
        refused(&ring, &sign(h, &claims(NOW)), NOW);
    }
    for missing in ["sub", "exp", "sid", "jti", "aud", "iss"] {
        let mut c = claims(NOW);
        c.as_object_mut().unwrap().remove(missing);
        refused(&ring, &sign(header("dev"), &c), NOW);
    }
}

#[test]
fn tampered_payload_and_signature_are_refused() {
    let ring = keyring();
    let token = sign(header("dev"), &claims(NOW));
    let parts: Vec<&str> = token.split('.').collect();
    let mut changed = claims(NOW);
    changed["sub"] = json!(AccountId::new().to_string());
    refused(
        &ring,
        &format!("{}.{}.{}", parts[0], b64(&changed), parts[2]),
        NOW,
    );
    let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    sig[0] ^= 1;
    refused(
        &ring,
        &format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig)),
        NOW,
    );
    refused(&ring, &format!("{}.{}", parts[0], parts[1]), NOW);
    refused(&ring, "", NOW);
    refused(&ring, &"a".repeat(100_000), NOW);
}

#[test]
fn unknown_and_malicious_kids_are_refused() {
    let ring = keyring();
    for kid in [
        "nope",
        "../../etc/passwd",
        "' OR 1=1 --",
        "/dev/null",
        "dev\0",
        "DEV",
        "",
    ] {
        refused(&ring, &sign(header(kid), &claims(NOW)), NOW);
    }
    let mut h = header("dev");
    h.kid = None;
    refused(&ring, &sign(h, &claims(NOW)), NOW);
    let mut h = header("dev");
    h.jku = Some("https://evil.example/jwks.json".into());
    refused(&ring, &sign(h, &claims(NOW)), NOW);
}

#[test]
fn a_token_signed_by_a_retired_key_is_refused() {
    let old = keyring();
    let token = old.issue(AccountId::new(), "s", NOW).unwrap().0;
    let mut settings = AuthSettings::default();
    settings.keys.insert(
        "next".into(),
        KeySettings {
            algorithm: "EdDSA".into(),
            material: Secret::new("insecure-dev-secret:next".into()),
            retired: false,
        },
    );
    settings.active_key = "next".into();
    // Rotated: the old key still verifies.
    Keyring::from_settings(&settings)
        .unwrap()
        .verify(&token, NOW)
        .unwrap();
    settings.keys.get_mut("dev").unwrap().retired = true;
    let ring = Keyring::from_settings(&settings).unwrap();
    refused(&ring, &token, NOW);
    assert_eq!(ring.jwks()["keys"].as_array().unwrap().len(), 1);
}

egov_db::backend_tests! {
    async fn refresh_token_reuse_revokes_the_family(db) {
        let env = env(db).await;
        account(&env, "victim").await;
        let ctx = Actor::anonymous();
        let stolen = env.auth.login(&ctx, "victim", PASSWORD, None).await.unwrap();
        let legit = env.auth.refresh(&ctx, &stolen.refresh_token).await.unwrap();
        // The thief replays the stolen token: refused, and the family dies.
        assert!(matches!(env.auth.refresh(&ctx, &stolen.refresh_token).await, Err(Error::InvalidRefreshToken(_))));
        assert!(env.auth.refresh(&ctx, &legit.refresh_token).await.is_err());
        assert!(env.auth.authenticate(&legit.access_token).await.is_err());
        env.audit.shutdown().await;
    }

    async fn brute_force_hits_the_throttle(db) {
        let env = env(db).await;
        let created = account(&env, "target").await;
        let ctx = Actor::anonymous();
        for i in 0..10 {
            let guess = format!("guess number {i} for the password");
            assert!(env.auth.login(&ctx, "target", &guess, None).await.is_err());
            env.clock.advance(Duration::seconds(120));
        }
        // Ten consecutive failures: locked for 15 minutes, even with the right password.
        assert!(matches!(env.auth.login(&ctx, "target", PASSWORD, None).await, Err(Error::InvalidCredentials)));
        let a = env.auth.account(created.id).await.unwrap();
        assert!(a.locked_until.is_some());
        assert_eq!(audit_count(&env.db, "account_lock").await, 1);
        env.audit.shutdown().await;
    }

    async fn a_one_megabyte_password_is_refused_before_hashing(db) {
        let env = env(db).await;
        account(&env, "big").await;
        let hasher = env.auth.hasher();
        let ctx = Actor::anonymous();
        // The baseline: a wrong password costs one Argon2 computation (each one counted).
        let before = hasher.computations();
        let mut baseline = StdDuration::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            assert!(matches!(env.auth.login(&ctx, "big", "a wrong but short password", None).await, Err(Error::InvalidCredentials)));
            baseline = baseline.min(start.elapsed());
        }
        assert_eq!(hasher.computations(), before + 3, "one Argon2 computation per login");
        let huge = "x".repeat(1 << 20);
        let mut refusal = StdDuration::MAX;
        for login_id in ["big", "nobody-at-all", "big"] {
            let start = Instant::now();
            assert!(matches!(env.auth.login(&ctx, login_id, &huge, None).await, Err(Error::InvalidCredentials)));
            refusal = refusal.min(start.elapsed());
        }
        assert_eq!(hasher.computations(), before + 3, "a 1 MB password was hashed");
        // Refused before the work every other login does (best of three against best of three).
        assert!(refusal < baseline, "refusing 1 MB took {refusal:?}, a wrong password {baseline:?}");
        assert!(matches!(
            env.auth.create_account(&common::admin(), egov_auth::NewAccount {
                login_id: "big2".into(), display_name: "x".into(), email: None, password: huge, roles: Default::default(),
            }).await,
            Err(Error::PasswordRejected(egov_auth::password::PasswordRejection::TooLong))
        ));
        assert_eq!(hasher.computations(), before + 3);
        assert_eq!(reasons(&env.db).await.get("password_too_long"), Some(&3));
        env.audit.shutdown().await;
    }

    async fn login_timing_does_not_reveal_accounts(db) {
        // Unknown account, wrong password, locked (by an administrator and by
        // failures) and disabled accounts: one answer, and one Argon2
        // computation each, so the same time. Samples are taken round-robin, the
        // first case rotating each round, so that load on the machine falls on
        // every case alike; the comparison is of medians and interquartile
        // ranges, which a few slow outliers do not move.
        let settings = AuthSettings { free_failures: 100, lock_after_failures: 100, ..AuthSettings::default() };
        let env = env_with(db, settings).await;
        account(&env, "known").await;
        let locked = account(&env, "locked").await;
        let disabled = account(&env, "disabled").await;
        account(&env, "throttled").await;
        env.auth.set_status(&common::admin(), locked.id, egov_auth::AccountStatus::Locked).await.unwrap();
        env.auth.set_status(&common::admin(), disabled.id, egov_auth::AccountStatus::Disabled).await.unwrap();
        sqlx::query("UPDATE egov_auth_accounts SET failed_count = 10, locked_until = $1 WHERE login_id = 'throttled'")
            .bind(egov_db::value::timestamp_to_sql(NOW + Duration::hours(1)))
            .execute(env.db.pool()).await.unwrap();
        let cases = ["nobody-here", "known", "locked", "disabled", "throttled"];
        let ctx = Actor::anonymous();
        // Warm-up: connections, caches, the memory pool.
        for login in cases {
            let _ = env.auth.login(&ctx, login, "wrong password guess!!", None).await;
        }
        // A true difference (a path without Argon2, or with two) fails every
        // batch; noise from a loaded machine rarely fails three in a row.
        let mut verdict = Err(String::new());
        for _ in 0..3 {
            verdict = timing_batch(&env, &cases).await;
            match &verdict {
                Ok(report) => {
                    eprintln!("login time q1/median/q3 (ms): {report}");
                    break;
                }
                Err(report) => eprintln!("login time q1/median/q3 (ms), noisy batch: {report}"),
            }
        }
        if let Err(report) = verdict {
            panic!("login time depends on the account: {report}");
        }
        env.audit.shutdown().await;
    }

    async fn concurrent_guesses_are_throttled_one_after_another(db) {
        // Guesses sent all at once are decided one after another against the
        // database: the free failure, then a delay refuses the rest of the wave; a
        // timed lock; the password disabled at the cap. Never more attempts
        // tried than the configuration allows, and the right password among the
        // refused ones does not get in.
        let settings = AuthSettings {
            free_failures: 1,
            delay_base_secs: 1,
            delay_max_secs: 60,
            lock_after_failures: 4,
            lock_secs: 600,
            disable_after_failures: 6,
            ..AuthSettings::default()
        };
        let env = env_with(db, settings).await;
        let created = account(&env, "target").await;
        // (guesses, with the right password, clock advance before, failures counted after, status)
        let waves: [(usize, bool, i64, i64); 7] = [
            (20, false, 0, 2),     // 1 free, 2 → 1 s delay: the other 18 refused
            (20, false, 61, 3),    // 3 → 2 s delay
            (20, false, 61, 4),    // 4 → timed lock (600 s)
            (20, true, 61, 4),     // locked: all refused, the right password too
            (20, false, 600, 5),   // 5 → 8 s delay
            (20, false, 61, 6),    // 6 → password disabled
            (20, true, 3600, 6),   // disabled: all refused
        ];
        for (n, (guesses, right, advance, counted)) in waves.into_iter().enumerate() {
            env.clock.advance(Duration::seconds(advance));
            let sessions = guess_concurrently(&env, "target", guesses, right).await;
            assert_eq!(sessions, 0, "wave {n}: a session was issued");
            let account = env.auth.account(created.id).await.unwrap();
            assert_eq!(account.failed_count, counted, "wave {n}");
            assert_eq!(tried_attempts(&env.db).await, (1..=counted).collect::<Vec<_>>(), "wave {n}");
        }
        let account = env.auth.account(created.id).await.unwrap();
        assert_eq!(account.status, egov_auth::AccountStatus::Locked);
        let reasons = reasons(&env.db).await;
        assert_eq!(reasons.get("bad_password"), Some(&6));
        assert_eq!(reasons.values().sum::<i64>(), 142, "every attempt recorded: {reasons:?}");
        assert_eq!(audit_count(&env.db, "account_lock").await, 2);
        assert_eq!(audit_count(&env.db, "login").await, 0);
        env.audit.shutdown().await;
    }

    async fn a_users_own_concurrent_logins_do_not_refuse_each_other(db) {
        // Each attempt counts as a failure while it is checked, so the fourth of
        // four simultaneous logins sets a delay; the first three were let through
        // before it and, tried one after another, would have succeeded first: all
        // four get in, and the last one's success clears the count.
        let settings = AuthSettings {
            free_failures: 3,
            ..AuthSettings::default()
        };
        let env = env_with(db, settings).await;
        let created = account(&env, "shared").await;
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let auth = env.auth.clone();
            tasks.push(tokio::spawn(async move {
                auth.login(&Actor::anonymous(), "shared", PASSWORD, None).await
            }));
        }
        for task in tasks {
            task.await.unwrap().expect("the right password is let in");
        }
        assert_eq!(env.auth.account(created.id).await.unwrap().failed_count, 0);
        assert_eq!(audit_count(&env.db, "login").await, 4);
        env.audit.shutdown().await;
    }

    async fn the_right_password_racing_guesses_gets_at_most_the_last_allowed_attempt(db) {
        // Four failures of five: one attempt is left. Forty wrong guesses and the
        // right password race for it; exactly one is tried. Either the right
        // password won (a session, the failures cleared) or a wrong guess did
        // (the password disabled, no session) — never both, never more.
        let settings = AuthSettings {
            free_failures: 10,
            lock_after_failures: 5,
            disable_after_failures: 5,
            ..AuthSettings::default()
        };
        let env = env_with(db, settings).await;
        let created = account(&env, "target").await;
        let ctx = Actor::anonymous();
        for i in 0..4 {
            assert!(env.auth.login(&ctx, "target", &format!("guess number {i} of four"), None).await.is_err());
        }
        let sessions = guess_concurrently(&env, "target", 40, true).await;
        let account = env.auth.account(created.id).await.unwrap();
        let bad = reasons(&env.db).await.get("bad_password").copied().unwrap_or(0);
        let tried = tried_attempts(&env.db).await;
        if sessions == 1 {
            // The right password was the fifth attempt and cleared the failures. A
            // guess that reached the database only after that (a slow task on a
            // loaded machine) counts again from one.
            let again = account.failed_count;
            assert!(again < 5 || account.status == egov_auth::AccountStatus::Locked, "{account:?}");
            let mut expected: Vec<i64> = (1..=5).chain(1..=again).collect();
            expected.sort_unstable();
            assert_eq!(tried, expected, "{account:?}");
            assert_eq!(bad, 4 + again);
            if again < 5 {
                assert_eq!(account.status, egov_auth::AccountStatus::Active);
                // Lock it now with another race: five failures in all, no more.
                assert_eq!(guess_concurrently(&env, "target", 40, false).await, 0);
                assert_eq!(reasons(&env.db).await.get("bad_password"), Some(&9));
            }
        } else {
            // A wrong guess was the fifth attempt: the password is disabled, and
            // the right one was refused with the other 39.
            assert_eq!(sessions, 0);
            assert_eq!(tried, vec![1, 2, 3, 4, 5], "{account:?}");
            assert_eq!(bad, 5);
        }
        let account = env.auth.account(created.id).await.unwrap();
        assert_eq!(account.status, egov_auth::AccountStatus::Locked);
        assert_eq!(account.failed_count, 5);
        // Locked at the cap: the right password racing more guesses gets nothing.
        assert_eq!(guess_concurrently(&env, "target", 40, true).await, 0);
        let account = env.auth.account(created.id).await.unwrap();
        assert_eq!((account.status, account.failed_count), (egov_auth::AccountStatus::Locked, 5));
        assert_eq!(audit_count(&env.db, "login").await, sessions as i64);
        env.audit.shutdown().await;
    }
}

/// Sends `wrong` wrong guesses for `login_id` at once (and the right password
/// among them when `right`); every answer is a session or `InvalidCredentials`.
/// The number of sessions issued.
async fn guess_concurrently(env: &common::Env, login_id: &str, wrong: usize, right: bool) -> usize {
    let mut tasks = Vec::new();
    for i in 0..wrong + usize::from(right) {
        let auth = env.auth.clone();
        let login_id = login_id.to_owned();
        let password = if right && i == wrong / 2 {
            PASSWORD.to_owned()
        } else {
            format!("wrong guess number {i}")
        };
        tasks.push(tokio::spawn(async move {
            auth.login(&Actor::anonymous(), &login_id, &password, None)
                .await
        }));
    }
    let mut sessions = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => sessions += 1,
            Err(Error::InvalidCredentials) => {}
            Err(other) => panic!("unexpected answer: {other:?}"),
        }
    }
    sessions
}

/// 20 rounds of one wrong-password login per case, round-robin with the first
/// case rotating; checks that each costs exactly one Argon2 computation, then
/// compares the distributions: medians within 1.5× and interquartile ranges
/// overlapping, pairwise. `Ok` or `Err` with the quartiles.
async fn timing_batch(env: &common::Env, cases: &[&str]) -> Result<String, String> {
    const ROUNDS: usize = 20;
    let ctx = Actor::anonymous();
    let before = env.auth.hasher().computations();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for round in 0..ROUNDS {
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let start = Instant::now();
            let result = env
                .auth
                .login(&ctx, cases[i], "wrong password guess!!", None)
                .await;
            samples[i].push(start.elapsed().as_secs_f64() * 1e3);
            assert!(
                matches!(result, Err(Error::InvalidCredentials)),
                "{}: {result:?}",
                cases[i]
            );
        }
    }
    assert_eq!(
        env.auth.hasher().computations() - before,
        (ROUNDS * cases.len()) as u64,
        "every case costs exactly one Argon2 computation"
    );
    let quartiles: Vec<[f64; 3]> = samples
        .iter_mut()
        .map(|s| {
            s.sort_by(f64::total_cmp);
            let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
            [at(0.25), at(0.5), at(0.75)]
        })
        .collect();
    let report = cases
        .iter()
        .zip(&quartiles)
        .map(|(c, [q1, m, q3])| format!("{c} {q1:.1}/{m:.1}/{q3:.1}"))
        .collect::<Vec<_>>()
        .join(", ");
    for (i, [q1_i, m_i, q3_i]) in quartiles.iter().enumerate() {
        for [q1_j, m_j, q3_j] in &quartiles[i + 1..] {
            if m_i.max(*m_j) > m_i.min(*m_j) * 1.5 || q1_i > q3_j || q1_j > q3_i {
                return Err(report);
            }
        }
    }
    Ok(report)
}

/// Failed logins by reason code.
async fn reasons(db: &egov_db::Db) -> std::collections::BTreeMap<String, i64> {
    let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT reason_code, COUNT(*) FROM egov_audit_events WHERE action = 'login_failed' GROUP BY reason_code",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(r, n)| (r.unwrap_or_default(), n))
        .collect()
}

/// The attempt numbers of the logins that were tried (not refused by the
/// throttle), sorted: each counted failure's `consecutive_failures` and each
/// success's `attempt`.
async fn tried_attempts(db: &egov_db::Db) -> Vec<i64> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail FROM egov_audit_events WHERE action IN ('login', 'login_failed')",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let mut tried = Vec::new();
    for (action, detail) in rows {
        let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
        let key = if action == "login" {
            "attempt"
        } else {
            "consecutive_failures"
        };
        if let Some(n) = detail[key].as_i64() {
            tried.push(n);
        }
    }
    tried.sort_unstable();
    tried
}

#[test]
fn keyring_debug_shows_no_material() {
    let text = format!("{:?}", keyring());
    assert!(text.contains("dev") && !text.contains("insecure"));
}
