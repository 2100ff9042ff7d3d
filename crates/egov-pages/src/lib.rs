//! Server-rendered pages that meet Korea's public-web standards: KWCAG 2.2 (the
//! Korean web content accessibility guidelines, aligned with WCAG 2.1 AA) and the
//! conventions of the government's UI/UX design system (KRDS).
//!
//! egov-pages is the page kit every egov-rs page is built on — the service's own, the
//! admin console's and the framework's error pages:
//!
//! - **a layout** (`egov/layout.html`): skip link, official-site banner, agency
//!   identity, utility menu (who is logged in, log in/out, language switch), main
//!   menu filtered by the visitor's permissions, session-time notice with an extend
//!   button, breadcrumb, and a footer with the 개인정보처리방침 link and contact;
//! - **form helpers** (`egov/forms.html`): label + hint + required mark + error with
//!   `aria-describedby`/`aria-invalid`, an error summary that takes the focus after a
//!   failed submit, tables with captions, pagination;
//! - **a stylesheet** ([`assets::STYLESHEET`]): visible focus (3 px, ≥ 3:1),
//!   44×44 px targets, `word-break: keep-all` for Korean, print styles; compiled
//!   into the binary, so a closed network needs nothing from outside;
//! - **HTML problem pages** ([`Pages::problem_page`]): egov-web answers a browser's
//!   403/404/422/… with a page in its language instead of problem+json
//!   ([`accepts_html`] is the one negotiation rule);
//! - **the [`Page`] extractor**: locale, catalog, actor and the signed-in
//!   [`PageSession`] of a request, and `render` putting them in the layout.
//!
//! Texts come from Fluent messages ([`MESSAGES`], keys `egov-page-*`); a service
//! names itself by overriding `egov-page-agency`, `egov-page-service` and
//! `egov-page-contact` in its own `.ftl` files. Paths (privacy policy, login, logout,
//! session extension, logo) come from the `[pages]` configuration section
//! ([`PagesSettings`]).
//!
//! ```
//! use egov_core::access::AccessPolicy;
//! use egov_core::actor::Actor;
//! use egov_i18n::I18n;
//! use egov_pages::{Pages, PagesSettings};
//!
//! let pages = Pages::builder(PagesSettings::default())
//!     .template("hello.html", r#"{% extends "egov/layout.html" %}{% block content %}<h1>{{ title }}</h1>{% endblock %}"#)
//!     .nav("/hello", "egov-page-home", AccessPolicy::Public)
//!     .build()
//!     .unwrap();
//! let i18n = I18n::builder()
//!     .resources(&egov_core::MESSAGES)
//!     .resources(&egov_i18n::MESSAGES)
//!     .resources(&egov_pages::MESSAGES)
//!     .build()
//!     .unwrap();
//! let html = pages
//!     .render_html(&i18n, "ko", &Actor::anonymous(), None, "/hello", "hello.html",
//!         minijinja::context! { title => "안녕하세요" })
//!     .unwrap();
//! assert!(html.contains(r#"<html lang="ko">"#));
//! assert!(html.contains("본문 바로가기"));          // the skip link
//! assert!(html.contains(r#"<main id="main""#));  // its target
//! assert!(html.contains("개인정보처리방침"));       // the footer's privacy policy link
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assets;
mod chrome;
mod form;
mod negotiate;
mod settings;

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use egov_core::access::AccessPolicy;
use egov_core::actor::Actor;
use egov_core::message::{FluentResources, Message};
use egov_core::problem::RenderedProblem;
use egov_core::session::PageSession;
use egov_i18n::I18n;
use http::{HeaderValue, StatusCode, header};
use minijinja::Environment;

/// The template engine, re-exported so that services use the kit's version
/// (`egov_pages::minijinja::context!`).
pub use minijinja;

pub use chrome::Page;
pub use form::{FormError, FormErrors};
pub use negotiate::accepts_html;
pub use settings::PagesSettings;

/// egov-pages' messages (layout, forms, problem pages) in Korean and English.
pub static MESSAGES: FluentResources = FluentResources {
    component: "egov-pages",
    files: &[
        ("ko", include_str!("../locales/ko/egov-pages.ftl")),
        ("en", include_str!("../locales/en/egov-pages.ftl")),
    ],
};

/// The kit's own templates: extend `egov/layout.html`, import `egov/forms.html`.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "egov/layout.html",
        include_str!("../templates/egov/layout.html"),
    ),
    (
        "egov/forms.html",
        include_str!("../templates/egov/forms.html"),
    ),
    (
        "egov/problem.html",
        include_str!("../templates/egov/problem.html"),
    ),
    (
        "egov/session_ended.html",
        include_str!("../templates/egov/session_ended.html"),
    ),
    (
        "egov/session_resumed.html",
        include_str!("../templates/egov/session_resumed.html"),
    ),
    (
        "egov/admin.html",
        include_str!("../templates/egov/admin.html"),
    ),
    (
        "egov/admin_index.html",
        include_str!("../templates/egov/admin_index.html"),
    ),
];

/// Where the admin console is (its index; screens live under it).
pub const ADMIN_PATH: &str = "/admin";

/// The Content-Security-Policy of every page: own stylesheet and images, forms to
/// this site only, no scripts, no framing.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                            form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Errors of building the page kit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A template does not parse.
    #[error("template {name} does not parse: {source}")]
    Template {
        /// The template's name.
        name: String,
        /// What minijinja found.
        source: minijinja::Error,
    },
    /// A template failed to render (a programming error: an undefined macro, a
    /// wrong argument).
    #[error("template {name} failed to render: {source}")]
    Render {
        /// The template's name.
        name: String,
        /// What minijinja found.
        source: minijinja::Error,
    },
}

/// Marks a 4xx response that is a page (a form shown again with its errors), so
/// that egov-web's problem layer keeps it instead of answering problem+json.
///
/// ```
/// use axum::response::{Html, IntoResponse};
/// use egov_pages::RenderedPage;
///
/// let mut response = (http::StatusCode::UNPROCESSABLE_ENTITY, Html("<form>…</form>")).into_response();
/// response.extensions_mut().insert(RenderedPage);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderedPage;

/// One entry of the main menu: shown to those its policy allows.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it leads.
    pub href: String,
    /// Its label's message key.
    pub label: String,
    /// Who sees it (the route's own policy, usually).
    pub policy: AccessPolicy,
}

/// One screen of the admin console (`/admin/…`): the console's index and side menu
/// list it for those its policy allows. Capability crates declare theirs (egov-codes'
/// codes, egov-auth's accounts and roles, egov-audit's trail); egov-web's
/// `AdminConsole` is the one registration point.
#[derive(Debug, Clone)]
pub struct AdminScreen {
    /// Where it is, under `/admin`.
    pub href: String,
    /// Its title's message key.
    pub title: String,
    /// A one-line description's message key (shown on the console's index).
    pub description: String,
    /// Who may use it (the policy of its routes).
    pub policy: AccessPolicy,
}

/// A footer link beside the privacy policy (이용약관, 저작권정책, 웹 접근성 …).
#[derive(Debug, Clone)]
pub struct FooterLink {
    /// Where it leads.
    pub href: String,
    /// Its label's message key.
    pub label: String,
}

/// The page kit of a service: its templates (the kit's and the service's), menu,
/// footer and settings. Cheap to clone; egov-web puts it in every request so that
/// [`Page`] finds it.
#[derive(Clone)]
pub struct Pages(Arc<Inner>);

struct Inner {
    env: Environment<'static>,
    settings: PagesSettings,
    offset: time::UtcOffset,
    nav: Vec<NavItem>,
    footer: Vec<FooterLink>,
    stylesheets: Vec<String>,
    admin: Vec<AdminScreen>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("settings", &self.0.settings)
            .field("nav", &self.0.nav)
            .finish_non_exhaustive()
    }
}

/// Builds [`Pages`]: add templates, menu entries, footer links, then [`build`](Self::build).
pub struct PagesBuilder {
    env: Environment<'static>,
    settings: PagesSettings,
    nav: Vec<NavItem>,
    footer: Vec<FooterLink>,
    stylesheets: Vec<String>,
    admin: Vec<AdminScreen>,
    errors: Vec<Error>,
}

impl Pages {
    /// A builder with the kit's templates and `settings`.
    pub fn builder(settings: PagesSettings) -> PagesBuilder {
        let offset = settings.offset();
        let mut env = Environment::new();
        env.add_filter("local_time", move |text: String| {
            chrome::local_time(&text, offset)
        });
        let mut builder = PagesBuilder {
            env,
            settings,
            nav: Vec::new(),
            footer: Vec::new(),
            stylesheets: Vec::new(),
            admin: Vec::new(),
            errors: Vec::new(),
        };
        builder = builder.templates(TEMPLATES);
        builder
    }

    /// The settings.
    pub fn settings(&self) -> &PagesSettings {
        &self.0.settings
    }

    /// The templates (to render a fragment, or to check that one exists).
    pub fn environment(&self) -> &Environment<'static> {
        &self.0.env
    }

    /// Renders `template` in the layout for `actor` (signed in with `session`, if any)
    /// at `here` (the request's path and query), in `locale`; `extra` is the
    /// template's own context (`title`, `breadcrumb`, `errors` and what it shows).
    #[allow(clippy::too_many_arguments)] // each is a separate fact of the request
    pub fn render_html(
        &self,
        i18n: &I18n,
        locale: &str,
        actor: &Actor,
        session: Option<&PageSession>,
        here: &str,
        template: &str,
        extra: minijinja::Value,
    ) -> Result<String, Error> {
        let context = chrome::context(self, i18n, locale, actor, session, here, extra);
        self.0
            .env
            .get_template(template)
            .and_then(|t| t.render(context))
            .map_err(|source| Error::Render {
                name: template.to_owned(),
                source,
            })
    }

    /// The page a browser gets instead of problem+json: the problem's title, detail
    /// and field messages, its status and the request id to quote, in the layout
    /// (anonymous: an error page never shows session data), with a link home — and
    /// to the login page for a 401.
    pub fn problem_page(
        &self,
        i18n: &I18n,
        locale: &str,
        problem: &RenderedProblem,
        request_id: Option<&str>,
        here: &str,
    ) -> Result<String, Error> {
        self.render_html(
            i18n,
            locale,
            &Actor::anonymous(),
            None,
            here,
            "egov/problem.html",
            minijinja::context! { problem => problem, request_id => request_id },
        )
    }
}

impl PagesBuilder {
    /// Adds a template (`name` ending in `.html` is HTML-escaped). A template that
    /// does not parse makes [`build`](Self::build) fail.
    pub fn template(mut self, name: &'static str, source: &'static str) -> Self {
        if let Err(source) = self.env.add_template(name, source) {
            self.errors.push(Error::Template {
                name: name.to_owned(),
                source,
            });
        }
        self
    }

    /// Adds several templates (a crate's `TEMPLATES` list).
    pub fn templates(mut self, templates: &'static [(&'static str, &'static str)]) -> Self {
        for (name, source) in templates {
            self = self.template(name, source);
        }
        self
    }

    /// Adds a main-menu entry, shown to those `policy` allows.
    pub fn nav(mut self, href: &str, label_key: &str, policy: AccessPolicy) -> Self {
        self.nav.push(NavItem {
            href: href.to_owned(),
            label: label_key.to_owned(),
            policy,
        });
        self
    }

    /// Adds a footer link after the privacy policy.
    pub fn footer_link(mut self, href: &str, label_key: &str) -> Self {
        self.footer.push(FooterLink {
            href: href.to_owned(),
            label: label_key.to_owned(),
        });
        self
    }

    /// Adds an admin-console screen (egov-web's `AdminConsole` does this for the
    /// screens it mounts).
    pub fn admin_screen(mut self, screen: AdminScreen) -> Self {
        self.admin.push(screen);
        self
    }

    /// Adds a stylesheet after the kit's (the service's own, served by it).
    pub fn stylesheet(mut self, href: &str) -> Self {
        self.stylesheets.push(href.to_owned());
        self
    }

    /// The template environment, to add filters or functions of the service's own.
    pub fn environment_mut(&mut self) -> &mut Environment<'static> {
        &mut self.env
    }

    /// The page kit, or the first template that did not parse.
    pub fn build(mut self) -> Result<Pages, Error> {
        if !self.errors.is_empty() {
            return Err(self.errors.remove(0));
        }
        let offset = self.settings.offset();
        Ok(Pages(Arc::new(Inner {
            env: self.env,
            settings: self.settings,
            offset,
            nav: self.nav,
            footer: self.footer,
            stylesheets: self.stylesheets,
            admin: self.admin,
        })))
    }
}

/// An HTML response as every page is sent: `text/html; charset=utf-8`, the page
/// Content-Security-Policy, `Cache-Control: no-store` (pages may show personal data).
pub fn html_response(status: StatusCode, html: String) -> Response {
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
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status.is_client_error() {
        response.extensions_mut().insert(RenderedPage);
    }
    response
}

/// `next` if it is a path on this site, else `/`: the one rule against open
/// redirects for every `?next=`.
///
/// ```
/// assert_eq!(egov_pages::local_path(Some("/petitions/new?x=1")), "/petitions/new?x=1");
/// assert_eq!(egov_pages::local_path(Some("//evil.example")), "/");
/// assert_eq!(egov_pages::local_path(Some("/\\evil.example")), "/");
/// assert_eq!(egov_pages::local_path(Some("https://evil.example")), "/");
/// assert_eq!(egov_pages::local_path(None), "/");
/// ```
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Percent-encodes `text` for a query value.
pub fn encode_query(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The text of `message` in `locale`.
fn text(i18n: &I18n, locale: &str, message: &Message) -> String {
    i18n.text(locale, message)
}
