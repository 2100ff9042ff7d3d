//! The change-password page ([`CHANGE_PASSWORD_PAGE`]): where egov-web sends a
//! browser whose session must change its password first, and where any
//! logged-in user may change theirs. Rendered on the page kit (egov-pages'
//! layout, error summary, fields with their hints and errors) from the template
//! `auth/change_password.html` ([`PAGE_TEMPLATES`](super::admin_pages::TEMPLATES)).
//! The forms carry the session's CSRF token in [`CSRF_FORM_FIELD`], which
//! [`authenticate`] checks before the post reaches the handler.
//!
//! An App that serves pages (egov-web's `App::pages`) and has the template in
//! its kit (egov-web's `Services::app` registers egov-auth's templates with the
//! admin console's screens) renders the page in its own layout — its menu,
//! footer, stylesheet. Otherwise the page brings a kit of its own (the layout
//! with the `[pages]` defaults, or the App's settings), so the page works in any
//! App with a login page.

use std::sync::OnceLock;

use axum::routing::MethodRouter;
use egov_core::message::Message;
use egov_core::text::html_escaped;
use egov_i18n::{I18n, Locale};
use egov_pages::minijinja::{Value, context};
use egov_pages::{FormErrors, Page, Pages, PagesSettings};
use serde::Serialize;

use super::*;
use crate::password::{MAX_LEN, MIN_LEN_SINGLE_FACTOR, MIN_LEN_WITH_MFA};

/// The page's template.
pub(crate) const TEMPLATE: &str = "auth/change_password.html";

/// The most the page reads of a posted form.
const FORM_LIMIT: usize = 16 * 1024;

/// The change-password page at [`CHANGE_PASSWORD_PAGE`], for a route under the
/// `Authenticated` policy (egov-web's `App::login_page` mounts it there):
///
/// - `GET` shows the form (current password, new password twice, the password
///   rules in words as the new password's hint); `?next=` is where to go
///   afterwards (a path of this site; otherwise `/`). A session that must change
///   its password is told why: its password fails the policy, or an
///   administrator set it ([`Account::password_temporary`]).
/// - `POST` changes the password ([`Auth::change_password`]: the current one
///   must be right, the new one must pass the policy, every session ends). In
///   cookie mode the browser gets a new session at once
///   ([`Auth::change_password_and_renew`]) and is sent to `next` (303); without
///   cookie mode, to `next` with no session. A refused change shows the form again
///   (422) with the error summary and each error at its field. A post with
///   `action=logout` ends the session and goes to `/`.
///
/// A 4xx answer that is this page is HTML, not a problem: it is marked
/// [`egov_pages::RenderedPage`], so egov-web's problem layer keeps it.
pub fn change_password_page(auth: Auth) -> MethodRouter {
    let state = PageState {
        auth,
        own_kit: Arc::new(OnceLock::new()),
    };
    axum::routing::get(show).post(submit).with_state(state)
}

/// The page's state: the service, and the kit it renders with when the App's
/// lacks its template.
#[derive(Clone)]
struct PageState {
    auth: Auth,
    own_kit: Arc<OnceLock<Option<Pages>>>,
}

impl PageState {
    /// Makes sure `parts` has what [`Page`] needs: a kit with the page's
    /// template, a catalog and a locale.
    fn prepare(&self, parts: &mut Parts) {
        let has_template = parts
            .extensions
            .get::<Pages>()
            .is_some_and(|pages| pages.environment().get_template(TEMPLATE).is_ok());
        if !has_template {
            let settings = parts
                .extensions
                .get::<Pages>()
                .map(|pages| pages.settings().clone())
                .unwrap_or_default();
            let kit = self
                .own_kit
                .get_or_init(|| own_kit(settings))
                .as_ref()
                .cloned();
            if let Some(kit) = kit {
                parts.extensions.insert(kit);
            }
        }
        if parts.extensions.get::<I18n>().is_none() {
            parts.extensions.insert(own_catalog());
        }
        if parts.extensions.get::<Locale>().is_none() {
            let locale = parts
                .extensions
                .get::<I18n>()
                .map(|i18n| i18n.default_locale().clone());
            if let Some(locale) = locale {
                parts.extensions.insert(locale);
            }
        }
    }

    /// The [`Page`] of `parts`, with [`PageState::prepare`]'s additions.
    async fn page(&self, parts: &mut Parts) -> Result<Page, Response> {
        self.prepare(parts);
        Page::from_request_parts(parts, &()).await
    }
}

/// The kit of an App without egov-auth's templates: the kit's layout with
/// `settings` and the page's template.
fn own_kit(settings: PagesSettings) -> Option<Pages> {
    match Pages::builder(settings)
        .templates(super::admin_pages::TEMPLATES)
        .build()
    {
        Ok(pages) => Some(pages),
        Err(error) => {
            tracing::error!(%error, "egov-auth's page templates do not build");
            None
        }
    }
}

/// egov-core's, egov-pages' and egov-auth's messages, for an App that put no
/// catalog in the request.
fn own_catalog() -> I18n {
    static CATALOG: OnceLock<I18n> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            I18n::builder()
                .resources(&egov_core::MESSAGES)
                .resources(&egov_i18n::MESSAGES)
                .resources(&egov_pages::MESSAGES)
                .resources(&crate::MESSAGES)
                .build()
                .expect("egov-core's, egov-pages' and egov-auth's messages are valid")
        })
        .clone()
}

/// One field of the form.
#[derive(Serialize)]
struct Field {
    name: &'static str,
    label: String,
    autocomplete: &'static str,
    hint: Option<String>,
}

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

/// The password rules in words, for a new password of an account with (or
/// without) MFA: the new password field's hint here and on the admin screens.
pub(crate) fn password_rules(mfa: bool) -> Message {
    let min = if mfa {
        MIN_LEN_WITH_MFA
    } else {
        MIN_LEN_SINGLE_FACTOR
    };
    Message::new("auth-page-new-password-hint")
        .arg("min", min)
        .arg("max", MAX_LEN)
}

/// `text` escaped for HTML as egov-core escapes it — `/` kept as it is, so a
/// path reads as the path it is — and marked safe for the template.
pub(crate) fn escaped(text: &str) -> Value {
    Value::from_safe_string(html_escaped(text))
}

/// Shows the form with `errors` (422 when there are any), or the problem of an
/// account that cannot be read.
async fn show_form(
    auth: &Auth,
    user: &CurrentUser,
    page: Page,
    next: &str,
    errors: &FormErrors,
) -> Response {
    let account = match auth.account(user.account_id).await {
        Ok(account) => account,
        Err(error) => return error_response(error),
    };
    let notice = if account.password_temporary && account.password_change_required {
        Some(page.text("auth-page-change-password-temporary"))
    } else if account.password_change_required {
        Some(page.text("auth-page-change-password-required"))
    } else {
        None
    };
    let fields: Vec<Field> = FIELDS
        .iter()
        .map(|(name, label, autocomplete)| Field {
            name,
            label: page.text(label),
            autocomplete,
            hint: (*name == "new_password")
                .then(|| page.message(&password_rules(account.mfa_enabled))),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = page.text("auth-page-change-password");
    let page = page.at(format!("{CHANGE_PASSWORD_PAGE}?next={}", encode(next)));
    let mut response = page.render_status(
        status,
        TEMPLATE,
        context! {
            title => title,
            notice => notice,
            who => page.message(
                &Message::new("auth-page-logged-in-as")
                    .arg("name", account.display_name.as_str())
                    .arg("login_id", account.login_id.as_str()),
            ),
            login_id => account.login_id,
            action => CHANGE_PASSWORD_PAGE,
            csrf => escaped(&auth.csrf_token(&user.session_id)),
            next => escaped(next),
            fields => fields,
            errors => errors.list(),
            field_errors => errors.by_field(),
        },
    );
    if status.is_client_error() {
        response.extensions_mut().insert(egov_pages::RenderedPage);
    }
    response
}

/// `text` percent-encoded for a query value.
fn encode(text: &str) -> String {
    egov_pages::encode_query(text)
}

async fn show(State(state): State<PageState>, user: CurrentUser, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let wanted = parts.uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "next")
            .map(|(_, value)| value.into_owned())
    });
    let next = local_target(wanted.as_deref());
    let page = match state.page(&mut parts).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    show_form(&state.auth, &user, page, &next, &FormErrors::new()).await
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

async fn submit(State(state): State<PageState>, user: CurrentUser, request: Request) -> Response {
    let auth = &state.auth;
    let (mut parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, FORM_LIMIT).await else {
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
                clear_cookies(auth, &mut response);
                response
            }
            Err(error) => error_response(error),
        };
    }
    let page = match state.page(&mut parts).await {
        Ok(page) => page,
        Err(response) => return response,
    };
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
                    set_session_cookies(auth, &session, &mut response);
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
    // In the form's order.
    let mut shown = FormErrors::new();
    for (field, label, _) in FIELDS {
        if let Some((_, message)) = errors.iter().find(|(f, _)| *f == field) {
            shown.push(field, page.text(label), page.message(message));
        }
    }
    show_form(auth, &user, page, &next, &shown).await
}
