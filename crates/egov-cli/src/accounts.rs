//! `egov accounts`: the account chores an operator does outside the service —
//! the first administrator, the accounts of an eGovFrame system being
//! replaced, and unlocking an account that too many failures disabled.
//!
//! `create-admin` gives the account the role [`ADMIN_ROLE`], created (or
//! completed) with the permissions [`ADMIN_PERMISSIONS`], and a one-time
//! password of [`PASSWORD_LEN`] characters drawn from the operating system's
//! CSPRNG (about 139 bits), printed once on stdout and nowhere else. egov-auth
//! has no "must change at next login" flag, so the password is not forced to
//! change: the administrator changes it after the first login
//! (`PUT /auth/password`), which also ends that first session. Nothing else the
//! commands handle (eGovFrame password hashes, keys) is ever printed.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use egov_auth::{AccountStatus, Auth, AuthSettings, NewAccount, Role};
use egov_privacy::{FieldCipher, PrivacySettings};

use crate::context::{ActorArgs, Context, Failure};

/// The role `create-admin` assigns.
pub(crate) const ADMIN_ROLE: &str = "EGOV_ADMIN";

/// The permissions of [`ADMIN_ROLE`]: accounts and roles, code tables, the
/// audit trail.
pub(crate) const ADMIN_PERMISSIONS: [&str; 3] =
    [egov_auth::ADMIN_PERMISSION, "codes:write", "audit:read"];

/// Length of a generated password.
const PASSWORD_LEN: usize = 24;

/// The characters of generated passwords: letters and digits without the
/// look-alikes (`0 O o 1 l I i`), so the password can be read out and typed.
const PASSWORD_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

/// `egov accounts …`
#[derive(Debug, Subcommand)]
pub(crate) enum AccountsCommand {
    /// Create an administrator (role EGOV_ADMIN: auth:admin, codes:write,
    /// audit:read) and print its one-time password, once.
    CreateAdmin {
        /// The new account's login id.
        login_id: String,
        /// The display name (default: the login id).
        #[arg(long)]
        name: Option<String>,
        /// Also grant this permission to the administrator role (repeatable),
        /// e.g. `--grant notices:write` for a service's own resources.
        #[arg(long = "grant", value_name = "PERMISSION")]
        grants: Vec<String>,
        #[command(flatten)]
        actor: ActorArgs,
    },
    /// Import eGovFrame accounts and roles (COMTNEMPLYRINFO, COMTNAUTHORINFO,
    /// COMTNROLES_HIERARCHY, COMTNEMPLYRSCRTYESTBS) from a SQL dump or CSV files.
    ///
    /// Passwords keep their eGovFrame hash and are upgraded to Argon2id at the
    /// first login. Login ids that exist already are skipped and listed. CSV
    /// files are named after their table (`COMTNEMPLYRINFO.csv`).
    ImportEgovframe {
        /// The dump, or the CSV files.
        #[arg(value_name = "FILE", required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// The format (default: from the extension, `.sql` or `.csv`).
        #[arg(long, value_enum)]
        format: Option<crate::migrate_from::DumpFormat>,
        #[command(flatten)]
        actor: ActorArgs,
    },
    /// Unlock an account: clear its failures, and make a locked account active
    /// (a disabled account stays disabled).
    Unlock {
        /// The account's login id.
        login_id: String,
        #[command(flatten)]
        actor: ActorArgs,
    },
}

pub(crate) async fn run(context: &Context, command: AccountsCommand) -> Result<ExitCode, Failure> {
    if let AccountsCommand::ImportEgovframe {
        files,
        format,
        actor,
    } = command
    {
        return crate::migrate_from::import_accounts(context, files, format, &actor).await;
    }
    let auth_settings: AuthSettings = context.section()?;
    let privacy: PrivacySettings = context.section()?;
    let cipher =
        FieldCipher::from_settings(&privacy).map_err(|e| Failure::Privacy(e.to_string()))?;
    let db = context.migrated_database().await?;
    let audit = context.audit_log(&db).await?;
    let outcome = match Auth::new(db, auth_settings, cipher, audit.clone()).await {
        Ok(auth) => execute(&auth, command).await,
        Err(error) => Err(error.into()),
    };
    audit.shutdown().await;
    outcome
}

async fn execute(auth: &Auth, command: AccountsCommand) -> Result<ExitCode, Failure> {
    match command {
        AccountsCommand::CreateAdmin {
            login_id,
            name,
            grants,
            actor,
        } => {
            for grant in &grants {
                let valid = (1..=100).contains(&grant.len())
                    && grant
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'));
                if !valid {
                    return Err(Failure::Usage(format!(
                        "--grant `{grant}` is not a permission name (`resource:action`)"
                    )));
                }
            }
            let actor = actor.actor()?;
            let login_id = login_id.trim().to_owned();
            let display_name = name
                .map(|n| n.trim().to_owned())
                .unwrap_or_else(|| login_id.clone());
            // egov-auth's rules, checked before anything (the role) is written.
            if !(1..=64).contains(&login_id.chars().count())
                || login_id
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace())
            {
                return Err(bad_login_id(&login_id));
            }
            if display_name.is_empty() || display_name.chars().count() > 100 {
                return Err(Failure::Usage("--name must be 1–100 characters".into()));
            }
            match auth.account_by_login_id(&login_id).await {
                Ok(_) => return Err(exists(&login_id)),
                Err(egov_auth::Error::NotFound) => {}
                Err(error) => return Err(error.into()),
            }
            let granted = ensure_admin_role(auth, &actor, &grants).await?;
            let mut attempts = 0;
            let (account, password) = loop {
                let password = generate_password()?;
                let new = NewAccount {
                    login_id: login_id.clone(),
                    display_name: display_name.clone(),
                    email: None,
                    password: password.clone(),
                    roles: BTreeSet::from([ADMIN_ROLE.to_owned()]),
                };
                match auth.create_account(&actor, new).await {
                    Ok(account) => break (account, password),
                    // A random password the policy refuses (it contains the
                    // login id, say): draw another.
                    Err(egov_auth::Error::PasswordRejected(_)) if attempts < 5 => attempts += 1,
                    Err(egov_auth::Error::Conflict(_)) => return Err(exists(&login_id)),
                    Err(egov_auth::Error::Invalid(field, _)) => {
                        return Err(match field {
                            "/login_id" => bad_login_id(&login_id),
                            "/display_name" => {
                                Failure::Usage("--name must be 1–100 characters".into())
                            }
                            other => Failure::Usage(format!("invalid {other}")),
                        });
                    }
                    Err(error) => return Err(error.into()),
                }
            };
            if granted {
                let mut all: Vec<&str> = ADMIN_PERMISSIONS.to_vec();
                all.extend(grants.iter().map(String::as_str));
                eprintln!("role {ADMIN_ROLE} now grants {}", all.join(", "));
            }
            eprintln!(
                "created administrator `{}` (account {}) with role {ADMIN_ROLE}",
                account.login_id, account.id
            );
            eprintln!(
                "one-time password below, shown only now: pass it on securely and change it after \
                 the first login (PUT /auth/password)"
            );
            println!("{password}");
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::ImportEgovframe { .. } => {
            unreachable!("import-egovframe is run by migrate_from::import_accounts")
        }
        AccountsCommand::Unlock { login_id, actor } => {
            let actor = actor.actor()?;
            let account = match auth.account_by_login_id(login_id.trim()).await {
                Ok(account) => account,
                Err(egov_auth::Error::NotFound) => {
                    return Err(Failure::Usage(format!(
                        "no account with login id `{}`",
                        login_id.escape_debug()
                    )));
                }
                Err(error) => return Err(error.into()),
            };
            let before = account.status;
            let after = auth.unlock(&actor, account.id).await?;
            println!(
                "unlocked `{}`: {} → {}, failures cleared",
                after.login_id,
                status(before),
                status(after.status)
            );
            if after.status == AccountStatus::Disabled {
                eprintln!(
                    "note: the account is disabled; an administrator enables it through the admin API"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn exists(login_id: &str) -> Failure {
    Failure::Usage(format!(
        "an account with login id `{}` exists already; nothing was changed \
         (to regain access, reset its password through the admin API or `egov accounts unlock` it)",
        login_id.escape_debug()
    ))
}

fn bad_login_id(login_id: &str) -> Failure {
    Failure::Usage(format!(
        "login id `{}` is not usable: 1–64 characters, no spaces or control characters",
        login_id.escape_debug()
    ))
}

fn status(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Active => "active",
        AccountStatus::Locked => "locked",
        AccountStatus::Disabled => "disabled",
    }
}

/// Creates [`ADMIN_ROLE`], or adds what it lacks of [`ADMIN_PERMISSIONS`] and
/// `grants` (keeping what it has). Whether anything changed.
async fn ensure_admin_role(
    auth: &Auth,
    actor: &egov_core::actor::Actor,
    grants: &[String],
) -> Result<bool, Failure> {
    let existing = auth
        .roles()
        .await?
        .into_iter()
        .find(|r| r.name == ADMIN_ROLE);
    let mut role = existing.unwrap_or_else(|| Role {
        name: ADMIN_ROLE.to_owned(),
        description: "egov-rs administrator (egov accounts create-admin)".to_owned(),
        includes: BTreeSet::new(),
        permissions: BTreeSet::new(),
    });
    let before = role.permissions.len();
    role.permissions
        .extend(ADMIN_PERMISSIONS.iter().map(|p| (*p).to_owned()));
    role.permissions.extend(grants.iter().cloned());
    if role.permissions.len() == before {
        return Ok(false);
    }
    auth.put_role(actor, role).await?;
    Ok(true)
}

/// A password of [`PASSWORD_LEN`] characters of [`PASSWORD_ALPHABET`], each
/// uniform (rejection sampling on random bytes from the OS CSPRNG).
fn generate_password() -> Result<String, Failure> {
    let n = PASSWORD_ALPHABET.len();
    // The largest multiple of n that fits a byte: bytes at or above it are
    // dropped so every character is equally likely.
    let limit = 256 - 256 % n;
    let mut password = String::with_capacity(PASSWORD_LEN);
    let mut buffer = [0u8; 64];
    while password.len() < PASSWORD_LEN {
        getrandom::fill(&mut buffer).map_err(|e| {
            Failure::Usage(format!("the operating system's random source failed: {e}"))
        })?;
        for &byte in &buffer {
            if usize::from(byte) < limit && password.len() < PASSWORD_LEN {
                password.push(char::from(PASSWORD_ALPHABET[usize::from(byte) % n]));
            }
        }
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_random_and_unambiguous() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), PASSWORD_LEN);
        assert!(a.bytes().all(|c| PASSWORD_ALPHABET.contains(&c)));
        assert!(!a.contains(['0', 'O', 'o', '1', 'l', 'I', 'i']));
        // The policy of egov-auth accepts them.
        let policy = egov_auth::password::PasswordPolicy::new(["egov-rs".to_owned()]);
        assert!(policy.check(&a, false, "root", "root").is_ok());
    }
}
