//! Handing a one-time secret (a first administrator's password) to the person
//! starting the service, and to nobody else.
//!
//! A service's stdout is where its log goes once it runs under systemd, a
//! container runtime or a pipe, and log collection ships it off-host to people
//! who must not see passwords. So the secret is printed only to a terminal:
//! stdout when it is one, else stderr when that is one. With neither (the
//! usual production start), it is written to a new file readable only by the
//! service's user (mode 0600) in the working directory, and stdout says only
//! where — never the secret.

use std::fs::{self, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where [`hand_over`] put the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handover {
    /// Printed to the terminal (stdout or stderr).
    Terminal,
    /// Written to this file (mode 0600); stdout named it.
    File(PathBuf),
}

/// Which of the process's streams is a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Terminal {
    Stdout,
    Stderr,
    None,
}

impl Terminal {
    fn detect() -> Self {
        if io::stdout().is_terminal() {
            Self::Stdout
        } else if io::stderr().is_terminal() {
            Self::Stderr
        } else {
            Self::None
        }
    }
}

/// Hands `password`, the one-time password of the new account `login_id`, to
/// whoever started `service` (see the [module docs](self)); a file goes in
/// the working directory, named `{service}-one-time-password`, replacing an
/// earlier one.
///
/// # Errors
///
/// No terminal, and the file cannot be written.
pub fn hand_over(service: &str, login_id: &str, password: &str) -> io::Result<Handover> {
    hand_over_to(
        Terminal::detect(),
        Path::new("."),
        service,
        login_id,
        password,
    )
}

pub(crate) fn hand_over_to(
    terminal: Terminal,
    dir: &Path,
    service: &str,
    login_id: &str,
    password: &str,
) -> io::Result<Handover> {
    let announcement = format!("First administrator created: login id `{login_id}`");
    let advice = "Log in and change it at once (PUT /auth/password). It is not shown again.";
    let on_terminal = |out: &mut dyn Write| {
        writeln!(
            out,
            "\n  {announcement}, one-time password:\n\n      {password}\n\n  {advice}\n"
        )
    };
    match terminal {
        Terminal::Stdout => on_terminal(&mut io::stdout().lock())?,
        Terminal::Stderr => on_terminal(&mut io::stderr().lock())?,
        Terminal::None => {
            let path = dir.join(format!("{service}-one-time-password"));
            write_private(&path, password)?;
            let path = fs::canonicalize(&path).unwrap_or(path);
            #[allow(clippy::print_stdout)]
            {
                println!(
                    "{announcement}; its one-time password is in the file {} (readable only by \
                     this user). Read it, delete the file, and change the password at the first \
                     login (PUT /auth/password).",
                    path.display()
                );
            }
            return Ok(Handover::File(path));
        }
    }
    Ok(Handover::Terminal)
}

/// Writes `secret` to a new file at `path` that only its owner can read. An
/// earlier file is removed first, and the new one is created exclusively, so
/// a symbolic link planted at `path` is never followed.
fn write_private(path: &Path, secret: &str) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{secret}")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_terminal_the_password_goes_to_a_private_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let handover =
            hand_over_to(Terminal::None, dir.path(), "svc", "admin", "s3cret-Once").unwrap();
        let Handover::File(path) = handover else {
            panic!("expected a file, got {handover:?}")
        };
        assert!(path.ends_with("svc-one-time-password"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "s3cret-Once\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
    }

    #[test]
    fn a_second_start_replaces_the_file_and_never_follows_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        hand_over_to(Terminal::None, dir.path(), "svc", "admin", "first").unwrap();
        let Handover::File(path) =
            hand_over_to(Terminal::None, dir.path(), "svc", "admin", "second").unwrap()
        else {
            panic!("expected a file")
        };
        assert_eq!(fs::read_to_string(&path).unwrap(), "second\n");

        #[cfg(unix)]
        {
            let elsewhere = dir.path().join("elsewhere");
            fs::write(&elsewhere, "untouched").unwrap();
            fs::remove_file(&path).unwrap();
            std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
            hand_over_to(Terminal::None, dir.path(), "svc", "admin", "third").unwrap();
            assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "untouched");
            assert!(
                !fs::symlink_metadata(&path)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(fs::read_to_string(&path).unwrap(), "third\n");
        }
    }

    #[test]
    fn an_unwritable_directory_is_an_error_not_a_silent_loss() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir");
        assert!(hand_over_to(Terminal::None, &missing, "svc", "admin", "x").is_err());
    }
}
