//! `egov keys`: new key material from the operating system's CSPRNG, printed as
//! configuration lines, once. Nothing is stored and nothing else is printed.

use std::process::ExitCode;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
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
    },
    /// Print a new key and how to switch to it while old data stays readable.
    Rotate {
        /// Which key.
        kind: KeyKind,
        /// The new key's id (default: `k` and today's UTC date).
        #[arg(long)]
        id: Option<String>,
    },
}

/// The kinds of keys a service holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyKind {
    /// Ed25519 key signing audit checkpoints (`[audit]`).
    Audit,
    /// Ed25519 key signing access tokens (`[auth]`).
    Jwt,
    /// AES-256-GCM key encrypting personal-data fields (`[privacy.keys]`).
    Field,
    /// HMAC-SHA-256 key of blind indexes (`[privacy] blind_index_key`).
    BlindIndex,
}

pub(crate) fn run(command: KeysCommand) -> Result<ExitCode, Failure> {
    let (kind, id, rotate) = match command {
        KeysCommand::Generate { kind, id } => (kind, id, false),
        KeysCommand::Rotate { kind, id } => (kind, id, true),
    };
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
    let material = random_key()?;
    print!("{}", render(kind, &id, &material, rotate));
    Ok(ExitCode::SUCCESS)
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
                     # (`egov-audit public-key`) together, then switch to the new key and restart.\n",
                );
            }
            text
        }
        KeyKind::Jwt => {
            let public = ed25519_dalek::SigningKey::from_bytes(key).verifying_key();
            let mut text = format!(
                "# Access-token signing key `{id}` (EdDSA / Ed25519).\n\
                 EGOV__AUTH__KEYS__{upper}__ALGORITHM=EdDSA\n\
                 EGOV__AUTH__KEYS__{upper}__SECRET={secret}\n\
                 # Public key (published in /.well-known/jwks.json): {}\n",
                STANDARD.encode(public.as_bytes()),
                upper = id.to_uppercase()
            );
            if rotate {
                text.push_str(&format!(
                    "# Rotation: add this key, set EGOV__AUTH__ACTIVE_KEY={id}, keep the old key configured\n\
                     # so tokens it signed verify until they expire (one access-token lifetime), then retire it.\n"
                ));
            } else {
                text.push_str(&format!("EGOV__AUTH__ACTIVE_KEY={id}\n"));
            }
            text
        }
        KeyKind::Field => {
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
    }
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
        });
        assert!(matches!(refused, Err(Failure::Usage(_))));
    }

    #[test]
    fn default_ids_are_valid() {
        let id = default_id();
        assert_eq!(check_id(id.clone()).unwrap(), id);
        assert_eq!(id.len(), 9);
    }
}
