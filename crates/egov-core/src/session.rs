//! What a page needs to know of the signed-in session: who it is (every page
//! names the account, so that the victim of a login CSRF sees it is not them),
//! the CSRF token its forms carry, and when the session ends if nothing is
//! done (KWCAG 2.2.1: the user is told and may extend it).
//!
//! The authentication layer (egov-auth in cookie mode) puts a [`PageSession`]
//! into each cookie-authenticated request; page code (egov-pages) reads it
//! without depending on the authentication crate.

use time::OffsetDateTime;

/// The signed-in session of a page request.
///
/// No `Debug` of the token: it is a secret of the session.
#[derive(Clone, PartialEq, Eq)]
pub struct PageSession {
    /// The account's login id.
    pub login_id: String,
    /// The account's display name.
    pub display_name: String,
    /// The session's CSRF token, for the hidden `csrf_token` field of forms.
    pub csrf_token: String,
    /// When the session ends if the user does nothing (the refresh token's idle or
    /// absolute limit, whichever comes first); `None` when unknown.
    pub expires_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for PageSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageSession")
            .field("login_id", &self.login_id)
            .field("display_name", &self.display_name)
            .field("csrf_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_csrf_token() {
        let session = PageSession {
            login_id: "citizen".into(),
            display_name: "홍길동".into(),
            csrf_token: "s3cr3t-token".into(),
            expires_at: None,
        };
        let shown = format!("{session:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("citizen"));
    }
}
