//! The change-password page ([`CHANGE_PASSWORD_PAGE`]): where egov-web sends a
//! browser whose session must change its password first, and where any
//! logged-in user may change theirs. Plain, accessible HTML in the caller's
//! language (`lang`, a label, hint and error tied to each field, an error
//! summary linking to the fields), no script and no style of its own. The forms
//! carry the session's CSRF token in [`CSRF_FORM_FIELD`], which [`authenticate`]
//! checks before the post reaches the handler.

use axum::routing::MethodRouter;
use egov_core::message::Message;
use egov_core::text::html_escaped as escape;
use egov_i18n::{I18n, Locale};

use super::*;
use crate::password::{MIN_LEN_SINGLE_FACTOR, MIN_LEN_WITH_MFA};

/// The page's Content-Security-Policy: no script, style or image; forms post to
/// this site only.
const PAGE_CSP: &str =
    "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The most the page reads of a posted form.
const FORM_LIMIT: usize = 16 * 1024;

/// The change-password page at [`CHANGE_PASSWORD_PAGE`], for a route under the
/// `Authenticated` policy (egov-web's `App::login_page` mounts it there):
///
/// - `GET` shows the form (current password, new password twice); `?next=` is
///   where to go afterwards (a path of this site; otherwise `/`).
/// - `POST` changes the password ([`Auth::change_password`]: the current one
///   must be right, the new one must pass the policy, every session ends). In
///   cookie mode the browser gets a new session at once
///   ([`Auth::change_password_and_renew`]) and is sent to `next` (303); without
///   cookie mode, to `next` with no session. A refused change shows the form again
///   (422) with its errors. A post with `action=logout` ends the session and
///   goes to `/`.
///
/// A 4xx answer that is this page is HTML, not a problem: egov-web marks it so
/// its problem layer keeps it.
pub fn change_password_page(auth: Auth) -> MethodRouter {
    axum::routing::get(show).post(submit).with_state(auth)
}

/// The messages of the caller's language.
struct Texts {
    i18n: I18n,
    locale: String,
}

impl Texts {
    /// The catalog and locale egov-web's locale layer put in the request, else
    /// egov-core's and egov-auth's messages in their default language.
    fn of(extensions: &http::Extensions) -> Self {
        let i18n = extensions
            .get::<I18n>()
            .cloned()
            .unwrap_or_else(own_catalog);
        let locale = extensions
            .get::<Locale>()
            .unwrap_or_else(|| i18n.default_locale())
            .as_str()
            .to_owned();
        Self { i18n, locale }
    }

    /// `message` in the caller's language, escaped for HTML.
    fn html(&self, message: &Message) -> String {
        escape(&self.i18n.text(&self.locale, message))
    }

    fn key(&self, key: &'static str) -> String {
        self.html(&Message::new(key))
    }
}

fn own_catalog() -> I18n {
    static CATALOG: std::sync::OnceLock<I18n> = std::sync::OnceLock::new();
    CATALOG
        .get_or_init(|| {
            I18n::builder()
                .resources(&egov_core::MESSAGES)
                .resources(&crate::MESSAGES)
                .build()
                .expect("egov-core's and egov-auth's messages are valid")
        })
        .clone()
}

/// The characters HTML text and attribute values must not hold as they are,
/// with their character references.
/// The form's fields: (id and name, label, `autocomplete`).
const FIELDS: [(&str, &str, &str); 3] = [
    (
        "current_password",
        "auth-page-current-password",
        "current-password",
    ),
    ("new_password", "auth-page-new-password", "new-password"),
    (
        "confirm_password",
        "auth-page-confirm-password",
        "new-password",
    ),
];

/// What the page shows.
struct Shown<'a> {
    texts: &'a Texts,
    account: &'a Account,
    csrf: &'a str,
    next: &'a str,
    /// The field (an id of [`FIELDS`]) and message of each error.
    errors: &'a [(&'static str, Message)],
}

impl Shown<'_> {
    fn error_of(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, message)| self.texts.html(message))
    }

    fn render(&self) -> String {
        let t = self.texts;
        let title = t.key("auth-page-change-password");
        let csrf = escape(self.csrf);
        let mut html = format!(
            "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{who}</p>\n",
            lang = escape(&t.locale),
            who = t.html(
                &Message::new("auth-page-logged-in-as")
                    .arg("name", self.account.display_name.as_str())
                    .arg("login_id", self.account.login_id.as_str()),
            ),
        );
        if self.account.password_change_required {
            html += &format!("<p>{}</p>\n", t.key("auth-page-change-password-required"));
        }
        if !self.errors.is_empty() {
            html += &format!(
                "<div role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\">\n\
                 <h2 id=\"error-summary-title\">{}</h2>\n<ul>\n",
                t.key("auth-page-error-summary")
            );
            for (field, label, _) in FIELDS {
                if let Some(error) = self.error_of(field) {
                    html += &format!(
                        "<li><a href=\"#{field}\">{}: {error}</a></li>\n",
                        t.key(label)
                    );
                }
            }
            html += "</ul>\n</div>\n";
        }
        html += &format!(
            "<form method=\"post\" action=\"{CHANGE_PASSWORD_PAGE}\" novalidate>\n\
             <input type=\"hidden\" name=\"{CSRF_FORM_FIELD}\" value=\"{csrf}\">\n\
             <input type=\"hidden\" name=\"next\" value=\"{next}\">\n\
             <input type=\"text\" name=\"username\" autocomplete=\"username\" value=\"{login_id}\" hidden>\n",
            next = escape(self.next),
            login_id = escape(&self.account.login_id),
        );
        let min = if self.account.mfa_enabled {
            MIN_LEN_WITH_MFA
        } else {
            MIN_LEN_SINGLE_FACTOR
        };
        for (field, label, autocomplete) in FIELDS {
            let mut described = Vec::new();
            html += &format!("<div>\n<label for=\"{field}\">{}</label>\n", t.key(label));
            if field == "new_password" {
                html += &format!(
                    "<p id=\"{field}-hint\">{}</p>\n",
                    t.html(&Message::new("auth-page-new-password-hint").arg("min", min))
                );
                described.push(format!("{field}-hint"));
            }
            let error = self.error_of(field);
            if let Some(error) = &error {
                html += &format!("<p id=\"{field}-error\">{error}</p>\n");
                described.push(format!("{field}-error"));
            }
            html += &format!(
                "<input id=\"{field}\" name=\"{field}\" type=\"password\" autocomplete=\"{autocomplete}\" required"
            );
            if error.is_some() {
                html += " aria-invalid=\"true\"";
            }
            if !described.is_empty() {
                html += &format!(" aria-describedby=\"{}\"", described.join(" "));
            }
            html += ">\n</div>\n";
        }
        html += &format!(
            "<button type=\"submit\">{}</button>\n</form>\n\
             <form method=\"post\" action=\"{CHANGE_PASSWORD_PAGE}\">\n\
             <input type=\"hidden\" name=\"{CSRF_FORM_FIELD}\" value=\"{csrf}\">\n\
             <input type=\"hidden\" name=\"action\" value=\"logout\">\n\
             <button type=\"submit\">{}</button>\n</form>\n</main>\n</body>\n</html>\n",
            t.key("auth-page-change-password-submit"),
            t.key("auth-page-logout"),
        );
        html
    }
}

/// An HTML answer of the page.
fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    no_store(response)
}

/// Shows the form (or, for an account that cannot be read, its problem).
async fn show_form(
    auth: &Auth,
    user: &CurrentUser,
    texts: &Texts,
    next: &str,
    errors: &[(&'static str, Message)],
) -> Response {
    let account = match auth.account(user.account_id).await {
        Ok(account) => account,
        Err(error) => return error_response(error),
    };
    let shown = Shown {
        texts,
        account: &account,
        csrf: &auth.csrf_token(&user.session_id),
        next,
        errors,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page(status, shown.render())
}

async fn show(State(auth): State<Auth>, user: CurrentUser, request: Request) -> Response {
    let wanted = request.uri().query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "next")
            .map(|(_, value)| value.into_owned())
    });
    let texts = Texts::of(request.extensions());
    let next = local_target(wanted.as_deref());
    show_form(&auth, &user, &texts, &next, &[]).await
}

/// The posted form.
#[derive(Default)]
struct Submitted {
    current_password: String,
    new_password: String,
    confirm_password: String,
    next: String,
    action: String,
}

impl Submitted {
    fn parse(body: &[u8]) -> Self {
        let mut form = Self::default();
        for (name, value) in form_urlencoded::parse(body) {
            let slot = match name.as_ref() {
                "current_password" => &mut form.current_password,
                "new_password" => &mut form.new_password,
                "confirm_password" => &mut form.confirm_password,
                "next" => &mut form.next,
                "action" => &mut form.action,
                _ => continue,
            };
            *slot = value.into_owned();
        }
        form
    }
}

async fn submit(State(auth): State<Auth>, user: CurrentUser, request: Request) -> Response {
    let texts = Texts::of(request.extensions());
    let Ok(body) = axum::body::to_bytes(request.into_body(), FORM_LIMIT).await else {
        return problem_response(Problem::new(ProblemType::PAYLOAD_TOO_LARGE));
    };
    let form = Submitted::parse(&body);
    if form.action == "logout" {
        return match auth
            .logout(&user.actor, user.account_id, &user.session_id)
            .await
        {
            Ok(()) => {
                let mut response = see_other("/");
                clear_cookies(&auth, &mut response);
                response
            }
            Err(error) => error_response(error),
        };
    }
    let next = local_target(Some(&form.next));
    let mut errors: Vec<(&'static str, Message)> = Vec::new();
    // Refused before the service sees them: an empty current password would
    // count as a failed re-authentication.
    if form.current_password.is_empty() {
        errors.push(("current_password", Message::new("auth-wrong-password")));
    }
    if form.new_password != form.confirm_password {
        errors.push((
            "confirm_password",
            Message::new("auth-page-passwords-differ"),
        ));
    }
    if errors.is_empty() {
        let (current, new) = (&form.current_password, &form.new_password);
        let changed = if auth.settings().cookie_mode {
            auth.change_password_and_renew(&user.actor, user.account_id, current, new)
                .await
                .map(Some)
        } else {
            auth.change_password(&user.actor, user.account_id, current, new)
                .await
                .map(|()| None)
        };
        match changed {
            Ok(session) => {
                let mut response = see_other(&next);
                if let Some(session) = session {
                    set_session_cookies(&auth, &session, &mut response);
                }
                return response;
            }
            Err(Error::WrongPassword) => {
                errors.push(("current_password", Message::new("auth-wrong-password")));
            }
            Err(Error::PasswordRejected(rejection)) => {
                errors.push(("new_password", rejection.message()));
            }
            Err(error) => return error_response(error),
        }
    }
    show_form(&auth, &user, &texts, &next, &errors).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_html() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
