//! The token keyring and access tokens (RFC 9068 shape, RFC 8725 rules).
//!
//! - Every key has a `kid` and is bound to exactly one algorithm: `EdDSA`
//!   (Ed25519, the default), `ES256` (ECDSA on P-256 with SHA-256) or `HS256`
//!   (only when configured explicitly; never published). A token is verified
//!   only with the key its `kid` names, and only when its header `alg` is that
//!   key's algorithm, so an `HS256` token "signed" with an Ed25519 or P-256
//!   public key (key confusion), an `ES256` token naming an `EdDSA` key (and
//!   the reverse) or `alg: none` is refused.
//! - Key material (`auth.keys.<kid>.material`) is standard base64 of:
//!   `EdDSA` — the 32-byte Ed25519 seed; `ES256` — the 32-byte P-256 private
//!   scalar (big-endian), or an unencrypted PKCS#8 DER document holding a P-256
//!   key (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 |
//!   openssl pkcs8 -topk8 -nocrypt -outform DER | base64 -w0`); `HS256` — at
//!   least 32 secret bytes. `egov keys generate jwt [--algorithm es256]` prints
//!   a new key in this form.
//! - `kid` is only ever a map lookup: never a path, a URL or SQL.
//! - One key signs ([`AuthSettings::active_key`](crate::AuthSettings)); the others verify until they
//!   are marked `retired` (then tokens they signed are refused) or removed.
//! - Header `typ` must be `at+jwt`; `iss` and `aud` must be the configured ones;
//!   `exp`, `nbf`, `iat`, `sub`, `jti` and `sid` must be present; times are checked
//!   against the [`Clock`](egov_core::Clock) (5 s leeway for `nbf`/`iat`, none
//!   for `exp`).
//!   Tokens of egov-auth's sessions also carry `sid_exp`, when the session
//!   ends if idle ([`AccessClaims::sid_exp`]; informational, not checked).
//! - A token whose signature and claims verified is remembered (in memory,
//!   at most [`VERIFIED_CACHE_CAPACITY`] tokens, keyed by the whole token), so
//!   a client sending the same access token again costs a map lookup instead
//!   of a signature check (≈ 75 µs for Ed25519 here). The time rules are
//!   checked again on every use, so a remembered token still expires; the
//!   keyring is immutable, so a remembered token's key cannot have been
//!   retired since. Only tokens that verified are remembered: forged tokens
//!   cannot fill the map. Revocation and account state are not part of this
//!   (see `Auth::authenticate`).
//! - The public keys are published as a JWKS ([`Keyring::jwks`], served at
//!   `/.well-known/jwks.json`): Ed25519 as `kty` `OKP`, P-256 as `kty` `EC`,
//!   `crv` `P-256` with `x` and `y`.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use egov_core::config::DEV_SECRET_MARKER;
use egov_core::id::AccountId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::Error;
use crate::settings::AuthSettings;

/// The `typ` of access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// Longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 4096;
const LEEWAY_SECS: i64 = 5;
/// Most verified tokens the keyring remembers (about 0.5 KiB each). When full,
/// expired ones are dropped, and all of them if none had expired.
pub const VERIFIED_CACHE_CAPACITY: usize = 10_000;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// The account id.
    pub sub: String,
    /// Audience.
    pub aud: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// The session (refresh-token family) the token belongs to.
    pub sid: String,
    /// When session `sid` ends if nothing renews it (seconds since the
    /// epoch): the idle expiry of the refresh token issued with this access
    /// token, never past the session's absolute end. Informational (a page's
    /// time-limit notice, `Authenticated::session_expires_at`); no rule
    /// checks it. Absent from tokens issued with [`Keyring::issue`] and by
    /// versions before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid_exp: Option<i64>,
}

struct Key {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public key, for the JWKS (`None` for HS256).
    public: Option<PublicKey>,
    retired: bool,
}

enum PublicKey {
    Ed25519([u8; 32]),
    P256 { x: Vec<u8>, y: Vec<u8> },
}

/// An ES256 key from its material: a 32-byte scalar or PKCS#8 DER.
fn es256_key(kid: &str, bytes: &[u8], retired: bool) -> Result<Key, Error> {
    let bad = || {
        Error::Config(format!(
            "auth.keys.{kid}.material must be base64 of a 32-byte P-256 private scalar or of a PKCS#8 DER P-256 key"
        ))
    };
    let secret = if bytes.len() == 32 {
        p256::SecretKey::from_slice(bytes).map_err(|_| bad())?
    } else {
        p256::SecretKey::from_pkcs8_der(bytes).map_err(|_| bad())?
    };
    let der = secret.to_pkcs8_der().map_err(|_| bad())?;
    let point = secret.public_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(bad());
    };
    let decoding =
        DecodingKey::from_ec_components(&URL_SAFE_NO_PAD.encode(x), &URL_SAFE_NO_PAD.encode(y))
            .map_err(|_| bad())?;
    Ok(Key {
        algorithm: Algorithm::ES256,
        encoding: EncodingKey::from_ec_der(der.as_bytes()),
        decoding,
        public: Some(PublicKey::P256 {
            x: x.to_vec(),
            y: y.to_vec(),
        }),
        retired,
    })
}

/// The signing and verification keys; see the [module docs](self).
pub struct Keyring {
    active: String,
    keys: HashMap<String, Key>,
    issuer: String,
    audience: String,
    ttl_secs: i64,
    /// Tokens that verified, with their claims (see the module docs).
    verified: std::sync::RwLock<HashMap<Box<str>, AccessClaims>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

/// Bytes of key material: base64, or SHA-256 of a development value.
fn material_bytes(kid: &str, text: &str) -> Result<Vec<u8>, Error> {
    let text = text.trim();
    if text.starts_with(DEV_SECRET_MARKER) {
        return Ok(Sha256::digest(text.as_bytes()).to_vec());
    }
    STANDARD
        .decode(text)
        .map_err(|_| Error::Config(format!("auth.keys.{kid}.material is not standard base64")))
}

/// A PKCS#8 v1 DER document holding an Ed25519 seed (RFC 8410).
fn ed25519_pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    der
}

fn valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

impl Keyring {
    /// The keys of `settings` (`[auth.keys]`), skipping disabled ones.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a bad key id, algorithm or material.
    pub fn from_settings(settings: &AuthSettings) -> Result<Self, Error> {
        let mut keys = HashMap::new();
        for (kid, spec) in &settings.keys {
            if !valid_kid(kid) {
                return Err(Error::Config(format!(
                    "auth.keys: key id `{}` must match [A-Za-z0-9._-]{{1,64}}",
                    kid.escape_debug()
                )));
            }
            let text = spec.material.expose();
            if text.trim().is_empty() {
                continue;
            }
            let bytes = material_bytes(kid, text)?;
            let key = match spec.algorithm.as_str() {
                "EdDSA" => {
                    let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                        Error::Config(format!(
                            "auth.keys.{kid}.material must be base64 of a 32-byte Ed25519 seed"
                        ))
                    })?;
                    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
                    let public = signing.verifying_key().to_bytes();
                    Key {
                        algorithm: Algorithm::EdDSA,
                        encoding: EncodingKey::from_ed_der(&ed25519_pkcs8(&seed)),
                        decoding: DecodingKey::from_ed_der(&public),
                        public: Some(PublicKey::Ed25519(public)),
                        retired: spec.retired,
                    }
                }
                "ES256" => es256_key(kid, &bytes, spec.retired)?,
                "HS256" => {
                    if bytes.len() < 32 {
                        return Err(Error::Config(format!(
                            "auth.keys.{kid}.material must hold at least 32 bytes for HS256"
                        )));
                    }
                    Key {
                        algorithm: Algorithm::HS256,
                        encoding: EncodingKey::from_secret(&bytes),
                        decoding: DecodingKey::from_secret(&bytes),
                        public: None,
                        retired: spec.retired,
                    }
                }
                other => {
                    return Err(Error::Config(format!(
                        "auth.keys.{kid}.algorithm `{}` is not supported (EdDSA, ES256 or HS256)",
                        other.escape_debug()
                    )));
                }
            };
            keys.insert(kid.clone(), key);
        }
        match keys.get(&settings.active_key) {
            Some(key) if !key.retired => {}
            _ => {
                return Err(Error::Config(format!(
                    "auth.active_key `{}` must name an enabled, unretired key",
                    settings.active_key
                )));
            }
        }
        Ok(Self {
            active: settings.active_key.clone(),
            keys,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_secs: i64::try_from(settings.access_token_ttl_secs).unwrap_or(i64::MAX / 2),
            verified: std::sync::RwLock::default(),
        })
    }

    /// The id of the signing key.
    pub fn active_kid(&self) -> &str {
        &self.active
    }

    /// Access-token lifetime in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Signs an access token for `account` in session `sid`, issued at `now`,
    /// without the session's end ([`AccessClaims::sid_exp`]).
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if signing fails.
    pub fn issue(
        &self,
        account: AccountId,
        sid: &str,
        now: OffsetDateTime,
    ) -> Result<(String, AccessClaims), Error> {
        self.issue_in_session(account, sid, None, now)
    }

    /// [`Keyring::issue`] carrying when the session ends if idle
    /// ([`AccessClaims::sid_exp`]); egov-auth's sessions issue their tokens so.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if signing fails.
    pub fn issue_in_session(
        &self,
        account: AccountId,
        sid: &str,
        session_expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(String, AccessClaims), Error> {
        let key = &self.keys[&self.active];
        let iat = now.unix_timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            sub: account.to_string(),
            aud: self.audience.clone(),
            exp: iat + self.ttl_secs,
            nbf: iat,
            iat,
            jti: uuid::Uuid::now_v7().to_string(),
            sid: sid.to_owned(),
            sid_exp: session_expires_at.map(OffsetDateTime::unix_timestamp),
        };
        let mut header = Header::new(key.algorithm);
        header.typ = Some(ACCESS_TOKEN_TYP.into());
        header.kid = Some(self.active.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .map_err(|e| Error::Internal(format!("token signing: {e}")))?;
        Ok((token, claims))
    }

    /// Verifies an access token at `now`; see the [module docs](self) for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] naming the rule broken (for logs, not clients).
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<AccessClaims, Error> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(Error::InvalidToken("too long"));
        }
        let remembered = self
            .verified
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(token)
            .cloned();
        if let Some(claims) = remembered {
            self.check_times(&claims, now)?;
            return Ok(claims);
        }
        let claims = self.verify_signed(token)?;
        self.check_times(&claims, now)?;
        self.remember(token, &claims, now);
        Ok(claims)
    }

    fn remember(&self, token: &str, claims: &AccessClaims, now: OffsetDateTime) {
        let mut verified = self
            .verified
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if verified.len() >= VERIFIED_CACHE_CAPACITY {
            let now = now.unix_timestamp();
            verified.retain(|_, c| c.exp > now);
            if verified.len() >= VERIFIED_CACHE_CAPACITY {
                verified.clear();
            }
        }
        verified.insert(token.into(), claims.clone());
    }

    /// The time rules (module docs), checked on every use of a token.
    fn check_times(&self, claims: &AccessClaims, now: OffsetDateTime) -> Result<(), Error> {
        let now = now.unix_timestamp();
        if claims.exp <= now {
            return Err(Error::InvalidToken("expired"));
        }
        if claims.nbf > now + LEEWAY_SECS || claims.iat > now + LEEWAY_SECS {
            return Err(Error::InvalidToken("not yet valid"));
        }
        // Saturating: the claims are the token's, any i64 (fuzz/corpus/token).
        if claims.exp.saturating_sub(claims.iat) > self.ttl_secs {
            return Err(Error::InvalidToken("lifetime longer than configured"));
        }
        Ok(())
    }

    /// Header, key, signature, issuer and audience: everything but the times.
    fn verify_signed(&self, token: &str) -> Result<AccessClaims, Error> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| Error::InvalidToken("bad header"))?;
        match header.typ.as_deref() {
            Some(t)
                if t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP)
                    || t.eq_ignore_ascii_case("application/at+jwt") => {}
            _ => return Err(Error::InvalidToken("wrong typ")),
        }
        // RFC 7515 §4.1.11: a recipient must refuse a token whose `crit`
        // names an extension it does not understand; this verifier
        // understands none.
        if header.crit.is_some() {
            return Err(Error::InvalidToken("critical header extension"));
        }
        if header.jku.is_some() || header.x5u.is_some() || header.jwk.is_some() {
            return Err(Error::InvalidToken(
                "embedded key references are not accepted",
            ));
        }
        let kid = header.kid.ok_or(Error::InvalidToken("no kid"))?;
        let key = self
            .keys
            .get(&kid)
            .ok_or(Error::InvalidToken("unknown kid"))?;
        if key.retired {
            return Err(Error::InvalidToken("retired key"));
        }
        if header.alg != key.algorithm {
            return Err(Error::InvalidToken("algorithm does not match the key"));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        let data = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                    Error::InvalidToken("wrong issuer")
                }
                jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                    Error::InvalidToken("wrong audience")
                }
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    Error::InvalidToken("bad signature")
                }
                _ => Error::InvalidToken("malformed"),
            })?;
        Ok(data.claims)
    }

    /// The public keys (Ed25519 and P-256, unretired) as a JSON Web Key Set.
    pub fn jwks(&self) -> serde_json::Value {
        let mut kids: Vec<&String> = self.keys.keys().collect();
        kids.sort();
        let keys: Vec<serde_json::Value> = kids
            .into_iter()
            .filter_map(|kid| {
                let key = &self.keys[kid];
                if key.retired {
                    return None;
                }
                Some(match key.public.as_ref()? {
                    PublicKey::Ed25519(public) => serde_json::json!({
                        "kty": "OKP",
                        "crv": "Ed25519",
                        "use": "sig",
                        "alg": "EdDSA",
                        "kid": kid,
                        "x": URL_SAFE_NO_PAD.encode(public),
                    }),
                    PublicKey::P256 { x, y } => serde_json::json!({
                        "kty": "EC",
                        "crv": "P-256",
                        "use": "sig",
                        "alg": "ES256",
                        "kid": kid,
                        "x": URL_SAFE_NO_PAD.encode(x),
                        "y": URL_SAFE_NO_PAD.encode(y),
                    }),
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            iss: "egov-rs".into(),
            sub: AccountId::new().to_string(),
            aud: "egov-rs".into(),
            exp,
            nbf: 0,
            iat: 0,
            jti: "j".into(),
            sid: "s".into(),
            sid_exp: None,
        }
    }

    fn remembered(ring: &Keyring) -> usize {
        ring.verified.read().unwrap().len()
    }

    #[test]
    fn the_verified_cache_stays_bounded() {
        let ring = Keyring::from_settings(&AuthSettings::default()).unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        // Full of expired tokens: they are dropped, the new one kept.
        for i in 0..VERIFIED_CACHE_CAPACITY {
            ring.remember(&format!("expired-{i}"), &claims(500), now);
        }
        assert_eq!(remembered(&ring), VERIFIED_CACHE_CAPACITY);
        ring.remember("fresh", &claims(2_000), now);
        assert_eq!(remembered(&ring), 1);
        // Full of live tokens: all forgotten (they verify again on next use).
        for i in 1..VERIFIED_CACHE_CAPACITY {
            ring.remember(&format!("live-{i}"), &claims(2_000), now);
        }
        assert_eq!(remembered(&ring), VERIFIED_CACHE_CAPACITY);
        ring.remember("one more", &claims(2_000), now);
        assert_eq!(remembered(&ring), 1);
    }
}
