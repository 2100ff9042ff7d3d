//! Access-token verification (`egov_auth::keys::Keyring::verify`).
//!
//! The first byte picks what the rest is: `c` — the claims JSON of a token
//! whose header is right (`HS256`, `at+jwt`, a known key id) and whose
//! signature is valid, so that claim handling is reached; `h` — a header JSON,
//! a newline, then claims, signed validly; anything else — the token text
//! itself, as sent in `Authorization: Bearer`.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use egov_auth::keys::Keyring;
use egov_auth::{AuthSettings, KeySettings};
use egov_core::config::{ConfigSection, Secret};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The HS256 key's material; its bytes are the SHA-256 of this text.
const HS_MATERIAL: &str = "insecure-dev-secret:egov-fuzz-hs256";

fn keyring() -> &'static (Keyring, AuthSettings) {
    static KEYRING: OnceLock<(Keyring, AuthSettings)> = OnceLock::new();
    KEYRING.get_or_init(|| {
        let mut settings = AuthSettings::from_defaults();
        settings.keys.insert(
            "hs".into(),
            KeySettings {
                algorithm: "HS256".into(),
                material: Secret::new(HS_MATERIAL.into()),
                retired: false,
            },
        );
        let keyring = Keyring::from_settings(&settings).expect("the keys are valid");
        (keyring, settings)
    })
}

/// A token with `header` and `claims` (JSON bytes, any content), signed with
/// the HS256 key.
fn signed(header: &[u8], claims: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = Sha256::digest(HS_MATERIAL.as_bytes());
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("any key size");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// Verifies a token built from the input (see the module docs). Asserts that
/// an accepted token names the configured issuer and audience, has not
/// expired, was not issued in the future and lives no longer than the
/// configured lifetime.
pub fn token(data: &[u8]) {
    let (keyring, settings) = keyring();
    let now = OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("a valid time");
    let token = match data.split_first() {
        Some((b'c', claims)) => signed(br#"{"alg":"HS256","typ":"at+jwt","kid":"hs"}"#, claims),
        Some((b'h', rest)) => {
            let (header, claims) = match rest.iter().position(|&b| b == b'\n') {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, &b"{}"[..]),
            };
            signed(header, claims)
        }
        _ => crate::text(data).into_owned(),
    };
    if let Ok(claims) = keyring.verify(&token, now) {
        assert_eq!(claims.iss, settings.issuer);
        assert_eq!(claims.aud, settings.audience);
        let now = now.unix_timestamp();
        assert!(claims.exp > now, "expired: {claims:?}");
        assert!(
            i128::from(claims.exp) - i128::from(claims.iat)
                <= i128::from(settings.access_token_ttl_secs),
            "lives too long: {claims:?}"
        );
        assert!(claims.iat <= now + 5 && claims.nbf <= now + 5, "{claims:?}");
    }
}
