//! Errors, and how they become problems.

use egov_core::message::Message;
use egov_core::problem::{FieldError, Problem, ProblemType};

use crate::password::PasswordRejection;

/// The second factor is missing or wrong (HTTP 401, `urn:egov:problem:mfa-required`).
pub const MFA_REQUIRED: ProblemType = ProblemType::new("mfa-required", 401);

/// The session's account must change its password before anything else (HTTP 403,
/// `urn:egov:problem:password-change-required`): its password fails the password
/// policy (eGovFrame's default password, a breached or too short one).
pub const PASSWORD_CHANGE_REQUIRED: ProblemType = ProblemType::new("password-change-required", 403);

/// Errors of egov-auth. None of them carries a password, token or hash.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `[auth]` configuration breaks a rule.
    #[error("auth configuration: {0}")]
    Config(String),
    /// Login failed. Deliberately says nothing about why (unknown account,
    /// wrong password, locked, throttled all look the same).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password was right, but the account needs a (correct) second factor.
    #[error("a second factor is required")]
    MfaRequired,
    /// A new password breaks the policy.
    #[error("password rejected: {0:?}")]
    PasswordRejected(PasswordRejection),
    /// The current password given to change it is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// An access token is malformed, expired, wrongly signed or revoked.
    #[error("invalid access token: {0}")]
    InvalidToken(&'static str),
    /// A refresh token is unknown, used, expired or revoked.
    #[error("invalid refresh token: {0}")]
    InvalidRefreshToken(&'static str),
    /// A state-changing request authenticated by cookie lacks a valid CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// The session may only change the password (and read `/auth/me`, refresh,
    /// log out) until the account's password, which fails the policy, is changed.
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    /// No such account, role or enrolment.
    #[error("not found")]
    NotFound,
    /// The login id or role already exists, or the state does not allow it.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Bad input (field pointer, code).
    #[error("invalid input: {1} at {0}")]
    Invalid(&'static str, &'static str),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] egov_db::DbError),
    /// The audit event could not be recorded (the operation was not done).
    #[error(transparent)]
    Audit(#[from] egov_audit::AuditError),
    /// Import input could not be read.
    #[error("import: {0}")]
    Import(String),
    /// Something that should not happen (a hashing task died, bad stored data).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Db(egov_db::DbError::from(error))
    }
}

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidCredentials => Problem::new(ProblemType::UNAUTHENTICATED)
                .with_detail(Message::new("auth-login-failed")),
            Error::MfaRequired => {
                Problem::new(MFA_REQUIRED).with_detail(Message::new("auth-mfa-required"))
            }
            Error::PasswordRejected(rejection) => Problem::new(ProblemType::VALIDATION_FAILED)
                .with_field_error(FieldError::new(
                    "/new_password",
                    rejection.code(),
                    rejection.message(),
                )),
            Error::WrongPassword => {
                Problem::new(ProblemType::VALIDATION_FAILED).with_field_error(FieldError::new(
                    "/current_password",
                    "wrong-password",
                    Message::new("auth-wrong-password"),
                ))
            }
            Error::InvalidToken(_) => Problem::new(ProblemType::UNAUTHENTICATED)
                .with_detail(Message::new("auth-invalid-token")),
            Error::InvalidRefreshToken(_) => Problem::new(ProblemType::UNAUTHENTICATED)
                .with_detail(Message::new("auth-invalid-refresh-token")),
            Error::Csrf => {
                Problem::new(ProblemType::FORBIDDEN).with_detail(Message::new("auth-csrf"))
            }
            Error::PasswordChangeRequired => Problem::new(PASSWORD_CHANGE_REQUIRED)
                .with_detail(Message::new("auth-password-change-required")),
            Error::NotFound => Problem::new(ProblemType::NOT_FOUND),
            Error::Conflict(code) => Problem::new(ProblemType::CONFLICT)
                .with_detail(Message::new("auth-conflict").arg("code", code)),
            Error::Invalid(field, code) => Problem::new(ProblemType::VALIDATION_FAILED)
                .with_field_error(FieldError::new(
                    field,
                    code,
                    Message::new("auth-invalid-field").arg("code", code),
                )),
            Error::Db(e) => Problem::from(e),
            Error::Audit(e) => Problem::from(e),
            Error::Config(_) | Error::Import(_) | Error::Internal(_) => Problem::internal(),
        }
    }
}

#[cfg(feature = "axum")]
egov_http::into_problem!(Error);
