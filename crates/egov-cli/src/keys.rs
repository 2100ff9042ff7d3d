//! `egov keys`: new key material from the operating system's CSPRNG, printed as
//! configuration lines, once. Nothing is stored and nothing else is printed.

use std::process::ExitCode;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::{Subcommand, ValueEnum};

use crate::context::Failure;

/// `egov keys …`
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Print a new key as configuration lines.
    Generate {
        /// Which key.
        kind: KeyKind,
        /// The key id (default: `k` and today's UTC date, e.g. `k20261127`).
        #[arg(long)]
        id: Option<String>,
        /// The signing algorithm of a `jwt` key (default `eddsa`).
        #[arg(long, value_enum)]
        algorithm: Option<JwtAlgorithm>,
    },
    /// Print a new key and how to switch to it while old data stays readable.
    Rotate {
        /// Which key.
        kind: KeyKind,
        /// The new key's id (default: `k` and today's UTC date).
        #[arg(long)]
        id: Option<String>,
        /// The signing algorithm of a `jwt` key (default `eddsa`).
        #[arg(long, value_enum)]
        algorithm: Option<JwtAlgorithm>,
    },
}

/// The algorithms of access-token keys (`[auth.keys.<id>] algorithm`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum JwtAlgorithm {
    /// Ed25519 (`EdDSA`), the default.
    #[default]
    Eddsa,
    /// ECDSA on P-256 with SHA-256 (`ES256`).
    Es256,
}

/// The kinds of keys a service holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyKind {
    /// Ed25519 key signing audit checkpoints (`[audit]`).
    Audit,
    /// Key signing access tokens (`[auth.keys]`): Ed25519, or P-256 with `--algorithm es256`.
    Jwt,
    /// AES-256-GCM key encrypting personal-data fields (`[privacy.keys]`).
    Field,
    /// HMAC-SHA-256 key of blind indexes (`[privacy] blind_index_key`).
    BlindIndex,
    /// HMAC key of CSRF tokens in cookie mode (`[auth] csrf_key`).
    Csrf,
}

pub(crate) fn run(command: KeysCommand) -> Result<ExitCode, Failure> {
    let (kind, id, algorithm, rotate) = match command {
        KeysCommand::Generate {
            kind,
            id,
            algorithm,
        } => (kind, id, algorithm, false),
        KeysCommand::Rotate {
            kind,
            id,
            algorithm,
        } => (kind, id, algorithm, true),
    };
    if algorithm.is_some() && kind != KeyKind::Jwt {
        return Err(Failure::Usage(
            "--algorithm applies to `jwt` keys only".into(),
        ));
    }
    let id = match id {
        Some(id) => check_id(id)?,
        None => default_id(),
    };
    if rotate && kind == KeyKind::BlindIndex {
        return Err(Failure::Usage(
            "a blind-index key cannot be rotated in place: every stored index would have to be \
             recomputed from the plaintext. Generate a new key only together with a re-indexing job."
                .into(),
        ));
    }
    let text = match (kind, algorithm.unwrap_or_default()) {
        (KeyKind::Jwt, JwtAlgorithm::Es256) => render_es256(&id, &p256_key()?, rotate),
        _ => render(kind, &id, &random_key()?, rotate),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// A new P-256 private key from the operating system's CSPRNG.
fn p256_key() -> Result<p256::SecretKey, Failure> {
    loop {
        // A random 32-byte string is a valid scalar except with probability ~2⁻³²;
        // draw again in that case.
        if let Ok(key) = p256::SecretKey::from_slice(&random_key()?) {
            return Ok(key);
        }
    }
}

/// Key ids as egov-privacy accepts them: `[A-Za-z0-9_-]{1,32}`.
fn check_id(id: String) -> Result<String, Failure> {
    let valid = (1..=32).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(id)
    } else {
        Err(Failure::Usage(format!(
            "key id `{id}` must be 1–32 characters of A–Z, a–z, 0–9, `_` or `-`"
        )))
    }
}

fn default_id() -> String {
    let today = time::OffsetDateTime::now_utc().date();
    format!(
        "k{:04}{:02}{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    )
}

fn random_key() -> Result<[u8; 32], Failure> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| Failure::Usage(format!("the operating system's random source failed: {e}")))?;
    Ok(key)
}

/// The lines to put into the service's secret configuration (environment
/// variables, or the TOML of the profile kept out of version control).
fn render(kind: KeyKind, id: &str, key: &[u8; 32], rotate: bool) -> String {
    let secret = STANDARD.encode(key);
    match kind {
        KeyKind::Audit => {
            let public = ed25519_dalek::SigningKey::from_bytes(key).verifying_key();
            let mut text = format!(
                "# Audit checkpoint signing key `{id}` (Ed25519). Keep the secret in the secret store.\n\
                 EGOV__AUDIT__SIGNING_KEY_ID={id}\n\
                 EGOV__AUDIT__SIGNING_KEY={secret}\n\
                 # Public key for auditors (not secret): {}\n",
                STANDARD.encode(public.as_bytes())
            );
            if rotate {
                text.push_str(
                    "# Rotation: checkpoints signed so far stay verifiable with the OLD public key;\n\
                     # export them (`egov audit checkpoint --out FILE`) and archive the old public key\n\
                     # (`egov audit public-key`) together, then switch to the new key and restart.\n",
                );
            }
            text
        }
        KeyKind::Jwt => {
            let public = ed25519_dalek::SigningKey::from_bytes(key).verifying_key();
            let public = format!(
                "# Public key (published in /.well-known/jwks.json as kty OKP, crv Ed25519): x={}\n",
                URL_SAFE_NO_PAD.encode(public.as_bytes())
            );
            jwt_lines(id, "EdDSA", "Ed25519 seed", &secret, &public, rotate)
        }
        KeyKind::Field => {
            // Environment variable names are read in lower case, so the id is too.
            let id = id.to_ascii_lowercase();
            let mut text = format!(
                "# Field-encryption key `{id}` (AES-256-GCM).\n\
                 EGOV__PRIVACY__KEYS__{upper}={secret}\n\
                 EGOV__PRIVACY__ACTIVE_KEY={id}\n",
                upper = id.to_uppercase()
            );
            if rotate {
                text.push_str(
                    "# Rotation: keep every old key under [privacy.keys] — values encrypted with it\n\
                     # stay readable; new values use the active key. Re-encrypt, then drop old keys.\n",
                );
            }
            text
        }
        KeyKind::BlindIndex => format!(
            "# Blind-index key (HMAC-SHA-256). Must differ from every field key.\n\
             EGOV__PRIVACY__BLIND_INDEX_KEY={secret}\n"
        ),
        KeyKind::Csrf => format!(
            "# CSRF token key (HMAC) for cookie mode; rotating it invalidates open forms only.\n\
             EGOV__AUTH__CSRF_KEY={secret}\n"
        ),
    }
}

/// The configuration lines of an access-token key: `[auth.keys.<id>]`'s
/// `algorithm` and `material`, and `[auth] active_key`.
fn jwt_lines(
    id: &str,
    algorithm: &str,
    what: &str,
    material: &str,
    public: &str,
    rotate: bool,
) -> String {
    // Environment variable names are read in lower case, so the key id is too.
    let id = id.to_ascii_lowercase();
    let upper = id.to_ascii_uppercase();
    let mut text = format!(
        "# Access-token signing key `{id}` ({algorithm}; material: base64 of the {what}).\n\
         EGOV__AUTH__KEYS__{upper}__ALGORITHM={algorithm}\n\
         EGOV__AUTH__KEYS__{upper}__MATERIAL={material}\n\
         {public}"
    );
    if rotate {
        text.push_str(&format!(
            "# Rotation: add this key, set EGOV__AUTH__ACTIVE_KEY={id}, keep the old key configured\n\
             # so tokens it signed verify until they expire (one access-token lifetime), then set\n\
             # EGOV__AUTH__KEYS__<OLD>__RETIRED=true, and later remove it.\n"
        ));
    } else {
        text.push_str(&format!("EGOV__AUTH__ACTIVE_KEY={id}\n"));
    }
    text
}

/// An ES256 key: the PKCS#8 DER document, base64.
fn render_es256(id: &str, key: &p256::SecretKey, rotate: bool) -> String {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::EncodePrivateKey;
    let der = key
        .to_pkcs8_der()
        .expect("a valid P-256 key encodes as PKCS#8");
    let point = key.public_key().to_encoded_point(false);
    let coordinate = |c: Option<&p256::FieldBytes>| c.map(|c| URL_SAFE_NO_PAD.encode(c));
    let public = format!(
        "# Public key (published in /.well-known/jwks.json as kty EC, crv P-256): x={} y={}\n",
        coordinate(point.x()).unwrap_or_default(),
        coordinate(point.y()).unwrap_or_default()
    );
    jwt_lines(
        id,
        "ES256",
        "PKCS#8 DER P-256 private key",
        &STANDARD.encode(der.as_bytes()),
        &public,
        rotate,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_32_bytes() {
        let a = random_key().unwrap();
        let b = random_key().unwrap();
        assert_ne!(a, b);
        let text = render(KeyKind::Field, "k1", &a, false);
        let line = text
            .lines()
            .find(|l| l.starts_with("EGOV__PRIVACY__KEYS__K1="))
            .unwrap();
        let encoded = line.split_once('=').unwrap().1;
        assert_eq!(STANDARD.decode(encoded).unwrap(), a);
    }

    #[test]
    fn audit_keys_print_the_matching_public_key() {
        let key = [7u8; 32];
        let text = render(KeyKind::Audit, "k1", &key, true);
        let public = ed25519_dalek::SigningKey::from_bytes(&key).verifying_key();
        assert!(text.contains(&STANDARD.encode(public.as_bytes())));
        assert!(text.contains("EGOV__AUDIT__SIGNING_KEY_ID=k1"));
        assert!(text.contains("Rotation"));
    }

    #[test]
    fn bad_ids_and_blind_index_rotation_are_refused() {
        assert!(check_id("../etc".into()).is_err());
        assert!(check_id(String::new()).is_err());
        assert!(check_id("a".repeat(33)).is_err());
        assert_eq!(check_id("k2026-11_a".into()).unwrap(), "k2026-11_a");
        let refused = run(KeysCommand::Rotate {
            kind: KeyKind::BlindIndex,
            id: None,
            algorithm: None,
        });
        assert!(matches!(refused, Err(Failure::Usage(_))));
        let refused = run(KeysCommand::Generate {
            kind: KeyKind::Field,
            id: None,
            algorithm: Some(JwtAlgorithm::Es256),
        });
        assert!(matches!(refused, Err(Failure::Usage(_))));
    }

    #[test]
    fn default_ids_are_valid() {
        let id = default_id();
        assert_eq!(check_id(id.clone()).unwrap(), id);
        assert_eq!(id.len(), 9);
    }

    /// The `[auth]` settings format: `keys.<id>.algorithm`, `keys.<id>.material`
    /// and `active_key`, with the id in lower case (environment variable names
    /// are read in lower case).
    fn jwt_env(text: &str) -> std::collections::BTreeMap<String, String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn jwt_keys_print_the_auth_settings_names() {
        let key = [9u8; 32];
        let text = render(KeyKind::Jwt, "K2026a", &key, false);
        let env = jwt_env(&text);
        assert_eq!(env["EGOV__AUTH__KEYS__K2026A__ALGORITHM"], "EdDSA");
        assert_eq!(
            STANDARD
                .decode(&env["EGOV__AUTH__KEYS__K2026A__MATERIAL"])
                .unwrap(),
            key
        );
        assert_eq!(env["EGOV__AUTH__ACTIVE_KEY"], "k2026a");
        assert!(!text.contains("__SECRET"));
        let public = ed25519_dalek::SigningKey::from_bytes(&key).verifying_key();
        assert!(text.contains(&URL_SAFE_NO_PAD.encode(public.as_bytes())));
    }

    #[test]
    fn es256_keys_are_pkcs8_p256_keys() {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256_key().unwrap();
        let text = render_es256("k1", &key, true);
        let env = jwt_env(&text);
        assert_eq!(env["EGOV__AUTH__KEYS__K1__ALGORITHM"], "ES256");
        let der = STANDARD
            .decode(&env["EGOV__AUTH__KEYS__K1__MATERIAL"])
            .unwrap();
        let parsed = p256::SecretKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(parsed.to_bytes(), key.to_bytes());
        assert!(text.contains("Rotation") && !env.contains_key("EGOV__AUTH__ACTIVE_KEY"));
        assert_ne!(p256_key().unwrap().to_bytes(), key.to_bytes());
    }
}
