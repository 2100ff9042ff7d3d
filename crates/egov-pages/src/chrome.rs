//! The layout's context (the "chrome" around a page's content) and the [`Page`]
//! extractor.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use egov_core::actor::Actor;
use egov_core::message::{Message, MessageArg};
use egov_core::problem::Problem;
use egov_core::session::PageSession;
use egov_i18n::{I18n, Locale};
use http::StatusCode;
use http::request::Parts;
use minijinja::value::{Kwargs, Value};
use serde::Serialize;

use crate::{FormErrors, Pages, encode_query, html_response, text};

/// `YYYY-MM-DD HH:MM` at `offset` for an RFC 3339 time as stored; anything else
/// is shown as it is.
pub(crate) fn local_time(stored: &str, offset: time::UtcOffset) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|at| at.to_offset(offset).format(&format).ok())
        .unwrap_or_else(|| stored.to_owned())
}

#[derive(Serialize)]
struct Language {
    tag: String,
    name: String,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct Link {
    href: String,
    label: String,
    current: bool,
}

#[derive(Serialize)]
struct User {
    who: String,
    csrf: String,
    logout: String,
}

#[derive(Serialize)]
struct SessionNotice {
    notice: String,
    extend: String,
}

/// What the layout shows around every page.
#[derive(Serialize)]
struct Chrome {
    lang: String,
    here: String,
    home: String,
    privacy: String,
    assets: &'static str,
    logo: Option<String>,
    login: Option<String>,
    user: Option<User>,
    session: Option<SessionNotice>,
    languages: Vec<Language>,
    nav: Vec<Link>,
    footer_links: Vec<Link>,
    stylesheets: Vec<String>,
    admin: Vec<AdminLink>,
}

#[derive(Serialize)]
struct AdminLink {
    href: String,
    label: String,
    description: String,
    current: bool,
}

/// Whether the menu entry `href` is the page at `path` (or a page under it).
fn is_current(href: &str, path: &str) -> bool {
    if href == "/" {
        return path == "/";
    }
    path == href
        || path
            .strip_prefix(href)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'))
}

/// The template function `t(key, name=value…)`: a message in the page's locale.
fn translate(i18n: I18n, locale: String) -> Value {
    Value::from_function(
        move |key: String, kwargs: Kwargs| -> Result<String, minijinja::Error> {
            let mut message = Message::new(key);
            for name in kwargs.args() {
                let value: Value = kwargs.get(name)?;
                let arg = match i64::try_from(value.clone()) {
                    Ok(number) if value.as_i64().is_some() => MessageArg::Int(number),
                    _ => MessageArg::Text(value.to_string()),
                };
                message = message.arg(name, arg);
            }
            kwargs.assert_all_used()?;
            Ok(i18n.text(&locale, &message))
        },
    )
}

/// The context of a page: `page` (the chrome), `t`, `lang`, then `extra`.
pub(crate) fn context(
    pages: &Pages,
    i18n: &I18n,
    locale: &str,
    actor: &Actor,
    session: Option<&PageSession>,
    here: &str,
    extra: Value,
) -> Value {
    let settings = &pages.0.settings;
    let path = here.split('?').next().unwrap_or(here);
    let languages = i18n
        .negotiator()
        .supported()
        .map(|tag| Language {
            tag: tag.as_str().to_owned(),
            name: i18n.language_name(tag.as_str()),
            href: format!(
                "{}/{}?next={}",
                crate::assets::LANGUAGE_PATH,
                tag.as_str(),
                encode_query(here)
            ),
            current: tag.as_str() == locale,
        })
        .collect();
    let nav = pages
        .0
        .nav
        .iter()
        .filter(|item| item.policy.allows(actor))
        .map(|item| Link {
            href: item.href.clone(),
            label: text(i18n, locale, &Message::new(item.label.clone())),
            current: is_current(&item.href, path),
        })
        .collect::<Vec<_>>();
    let admin: Vec<AdminLink> = pages
        .0
        .admin
        .iter()
        .filter(|screen| screen.policy.allows(actor))
        .map(|screen| AdminLink {
            href: screen.href.clone(),
            label: text(i18n, locale, &Message::new(screen.title.clone())),
            description: text(i18n, locale, &Message::new(screen.description.clone())),
            current: is_current(&screen.href, path),
        })
        .collect();
    let mut nav = nav;
    // The console is in the main menu of those who may use one of its screens.
    if !admin.is_empty() {
        nav.push(Link {
            href: crate::ADMIN_PATH.to_owned(),
            label: text(i18n, locale, &Message::new("egov-page-admin")),
            current: is_current(crate::ADMIN_PATH, path),
        });
    }
    let footer_links = pages
        .0
        .footer
        .iter()
        .map(|item| Link {
            href: item.href.clone(),
            label: text(i18n, locale, &Message::new(item.label.clone())),
            current: is_current(&item.href, path),
        })
        .collect();
    let user = session.map(|s| User {
        who: text(
            i18n,
            locale,
            &Message::new("egov-page-logged-in-as")
                .arg("name", s.display_name.as_str())
                .arg("login_id", s.login_id.as_str()),
        ),
        csrf: s.csrf_token.clone(),
        logout: settings.logout.clone(),
    });
    let time_format = time::macros::format_description!("[hour]:[minute]");
    let notice = session
        .filter(|_| settings.session_notice && !settings.extend_session.is_empty())
        .and_then(|s| s.expires_at)
        .and_then(|at| at.to_offset(pages.0.offset).format(&time_format).ok())
        .map(|at| SessionNotice {
            notice: text(
                i18n,
                locale,
                &Message::new("egov-page-session-notice").arg("time", at),
            ),
            extend: settings.extend_session.clone(),
        });
    let login = (session.is_none() && !settings.login.is_empty()).then(|| {
        if path == settings.login {
            settings.login.clone()
        } else {
            format!("{}?next={}", settings.login, encode_query(here))
        }
    });
    let chrome = Chrome {
        lang: locale.to_owned(),
        here: here.to_owned(),
        home: settings.home.clone(),
        privacy: settings.privacy_policy.clone(),
        assets: crate::assets::ASSETS_PATH,
        logo: (!settings.logo.is_empty()).then(|| settings.logo.clone()),
        login,
        user,
        session: notice,
        languages,
        nav,
        footer_links,
        stylesheets: pages.0.stylesheets.clone(),
        admin,
    };
    minijinja::context! {
        page => Value::from_serialize(&chrome),
        lang => locale,
        t => translate(i18n.clone(), locale.to_owned()),
        ..extra
    }
}

/// A page request: the kit, the negotiated locale and catalog, the actor, the
/// signed-in session (if any) and where the page is. Extract it in any handler of
/// an App that has pages (egov-web puts [`Pages`] into every request).
///
/// ```no_run
/// use axum::response::Response;
/// use egov_pages::Page;
///
/// async fn hello(page: Page) -> Response {
///     page.render("hello.html", minijinja::context! { title => page.text("hello-title") })
/// }
/// ```
#[derive(Clone)]
pub struct Page {
    pages: Pages,
    locale: String,
    i18n: I18n,
    actor: Actor,
    session: Option<PageSession>,
    here: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let (Some(pages), Some(locale), Some(i18n)) = (
            parts.extensions.get::<Pages>(),
            parts.extensions.get::<Locale>(),
            parts.extensions.get::<I18n>(),
        ) else {
            tracing::error!("a page route without the page kit: give the App its Pages");
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        };
        Ok(Page {
            pages: pages.clone(),
            locale: locale.as_str().to_owned(),
            i18n: i18n.clone(),
            actor: parts
                .extensions
                .get::<Actor>()
                .cloned()
                .unwrap_or_else(Actor::anonymous),
            session: parts.extensions.get::<PageSession>().cloned(),
            here: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned()),
        })
    }
}

impl Page {
    /// The page's locale (`ko`, `en`).
    pub fn locale(&self) -> &str {
        &self.locale
    }

    /// The catalog.
    pub fn i18n(&self) -> &I18n {
        &self.i18n
    }

    /// Who is asking.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The signed-in session, if any.
    pub fn session(&self) -> Option<&PageSession> {
        self.session.as_ref()
    }

    /// The session's CSRF token for forms (empty when nobody is signed in).
    pub fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf_token.as_str())
    }

    /// The kit.
    pub fn pages(&self) -> &Pages {
        &self.pages
    }

    /// This page's path and query.
    pub fn here(&self) -> &str {
        &self.here
    }

    /// The page as `session` sees it (a handler that has just signed the visitor in
    /// shows the new session: who, its CSRF token for the forms).
    pub fn signed_in_as(mut self, session: PageSession) -> Self {
        self.session = Some(session);
        self
    }

    /// The page as if at `here` (a form shown again after a `POST` names the page
    /// a language switch should return to).
    pub fn at(mut self, here: impl Into<String>) -> Self {
        self.here = here.into();
        self
    }

    /// The text of message `key`.
    pub fn text(&self, key: &str) -> String {
        self.i18n.text(&self.locale, &Message::new(key.to_owned()))
    }

    /// The text of `message`.
    pub fn message(&self, message: &Message) -> String {
        self.i18n.text(&self.locale, message)
    }

    /// The errors of `problem` for a form with `fields` ([`FormErrors::from_problem`]).
    pub fn form_errors(&self, problem: &Problem, fields: &[(&str, &str)]) -> FormErrors {
        FormErrors::from_problem(problem, fields, |m| self.message(m))
    }

    /// `template` in the layout, `200 OK`.
    pub fn render(&self, template: &str, extra: Value) -> Response {
        self.render_status(StatusCode::OK, template, extra)
    }

    /// `template` in the layout with `status`: a 4xx is a form shown again with its
    /// errors, kept as a page by egov-web ([`crate::RenderedPage`]).
    pub fn render_status(&self, status: StatusCode, template: &str, extra: Value) -> Response {
        match self.pages.render_html(
            &self.i18n,
            &self.locale,
            &self.actor,
            self.session.as_ref(),
            &self.here,
            template,
            extra,
        ) {
            Ok(html) => html_response(status, html),
            Err(error) => {
                tracing::error!(%error, "cannot render a page");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_menu_entry_is_current_on_its_page_and_below() {
        assert!(is_current("/", "/"));
        assert!(!is_current("/", "/petitions"));
        assert!(is_current("/admin", "/admin"));
        assert!(is_current("/admin", "/admin/codes"));
        assert!(!is_current("/admin", "/administrators"));
    }

    #[test]
    fn stored_times_are_shown_in_the_agency_zone_to_the_minute() {
        let kst = time::UtcOffset::from_hms(9, 0, 0).unwrap();
        assert_eq!(
            local_time("2026-11-27T15:30:25.753758Z", kst),
            "2026-11-28 00:30"
        );
        assert_eq!(local_time("not a time", kst), "not a time");
    }
}
