//! Server-rendered pages (minijinja, no JavaScript), in Korean and English.
//!
//! | path | policy (checked by the framework) | |
//! |---|---|---|
//! | `GET /` | public | start page |
//! | `GET /lang/{tag}?next=` | public | remembers the language in the `lang` cookie |
//! | `GET, POST /login` | public | login form |
//! | `POST /logout` | public | ends the session, if there is one |
//! | `GET, POST /petitions/new` | [`FILE`] | the citizen's form; errors re-render it (422) |
//! | `GET /petitions/mine` | [`FILE`] | the citizen's own petitions |
//! | `GET /staff/petitions` | [`REVIEW`] | list, filter by status, CSV form |
//! | `GET /staff/petitions/{id}` | [`REVIEW`] | detail (a personal-data `view` record) |
//! | `POST /staff/petitions/{id}/status` | [`REVIEW`] | status change; errors re-render (409/422) |
//! | `GET /staff/petitions/export` | [`REVIEW`] | CSV with a reason (a `download` record) |
//! | `GET /staff/audit-report?month=` | [`AUDIT_READ`] | the monthly audit review report |
//!
//! ## Sessions
//!
//! The pages use egov-auth's cookie mode (`auth.cookie_mode = true` in
//! `config/default.toml`): the login form calls [`Auth::login`] and sets the
//! `__Host-` session cookies with [`set_session_cookies`]; from then on the
//! framework's middleware authenticates every request from the cookie and each
//! route's [`AccessPolicy`] is enforced before the handler runs, exactly as for
//! the JSON API. Forms carry the session's CSRF token (an HMAC of the session,
//! [`Auth::csrf_token`]) in the hidden `csrf_token` field, which the middleware
//! checks on every cookie-authenticated `POST` (egov-auth's
//! `CSRF_FORM_FIELD`): no JavaScript needed. A visitor who is not logged in is
//! sent to `/login?next=…` ([`App::login_page`](egov::web::App::login_page)); a
//! logged-in account lacking the permission gets a 403 problem. The login
//! form itself, before any session, carries the framework's pre-session token
//! ([`LoginFormToken`], checked by egov-auth's `guard_login_form`, which
//! `App::login_page` installs), and every page names who is logged in.
//!
//! Form errors re-render the form with status 422 (409 for a stale version),
//! marked [`RenderedPage`] so the framework keeps the page instead of
//! answering problem+json.
//!
//! Opening a petition is recorded by [`PetitionStore::open`] as a
//! personal-data `view` naming the data subject, as in the API.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use egov::audit::report::MonthlyReport;
use egov::auth::Authenticated;
use egov::auth::web::{LoginFormToken, clear_session_cookies, set_session_cookies};
use egov::codes::ListFilter;
use egov::codes::validate::CodeOf;
use egov::core::id::AccountId;
use egov::i18n::{I18n, Locale};
use egov::prelude::*;
use egov::web::RenderedPage;
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::Services;
use crate::petitions::{FILE, NewPetition, PetitionStore, REVIEW, StoredPetition};

/// Who may read the audit report page.
pub const AUDIT_READ: AccessPolicy = egov::audit::admin::ADMIN_POLICY;

/// The Content-Security-Policy of the pages: own stylesheet, forms to self,
/// no scripts at all.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                        form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("../static/app.css");

#[derive(Clone)]
struct PageState {
    store: PetitionStore,
    auth: Auth,
    db: Db,
    audit_settings: AuditSettings,
    supported: Vec<String>,
    lang_cookie: String,
    env: Arc<Environment<'static>>,
}

/// `YYYY-MM-DD HH:MM` at `offset` (the agency's time zone) for an RFC 3339
/// time as stored; anything else is shown as it is.
fn local_time(text: &str, offset: time::UtcOffset) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|at| at.to_offset(offset).format(&format).ok())
        .unwrap_or_else(|| text.to_owned())
}

/// The templates, with the filter `local_time` showing stored times in the
/// agency's zone (`audit.utc_offset_hours`, 9 for Korea).
fn environment(offset: time::UtcOffset) -> Environment<'static> {
    let mut env = Environment::new();
    env.add_filter("local_time", move |text: String| local_time(&text, offset));
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("macros.html", include_str!("../templates/macros.html")),
        ("index.html", include_str!("../templates/index.html")),
        ("login.html", include_str!("../templates/login.html")),
        (
            "petition_form.html",
            include_str!("../templates/petition_form.html"),
        ),
        (
            "my_petitions.html",
            include_str!("../templates/my_petitions.html"),
        ),
        (
            "staff_list.html",
            include_str!("../templates/staff_list.html"),
        ),
        (
            "staff_detail.html",
            include_str!("../templates/staff_detail.html"),
        ),
    ] {
        // The templates are compiled in; a broken one is a programming error
        // that the tests catch at once.
        if let Err(error) = env.add_template(name, source) {
            tracing::error!(%error, name, "template does not parse");
        }
    }
    env
}

/// The logged-in account of a page request.
#[derive(Clone)]
pub struct PageUser {
    /// The request's actor with the account's roles and permissions.
    pub actor: Actor,
    /// The account.
    pub account_id: AccountId,
    /// The session.
    pub session_id: String,
    /// The CSRF token of the session, for forms.
    pub csrf: String,
    /// The account's login id and name, shown on every page (who is logged in).
    pub login_id: String,
    /// The account's display name.
    pub display_name: String,
}

/// What every page handler gets: locale, catalog, the request's actor, and
/// the logged-in account (which egov-auth's middleware found in the session
/// cookie).
struct Page {
    locale: String,
    i18n: I18n,
    actor: Actor,
    user: Option<PageUser>,
}

impl FromRequestParts<PageState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PageState,
    ) -> Result<Self, Self::Rejection> {
        // The App's locale and actor layers put these in every request.
        let (Some(locale), Some(i18n), Some(actor)) = (
            parts.extensions.get::<Locale>(),
            parts.extensions.get::<I18n>(),
            parts.extensions.get::<Actor>(),
        ) else {
            return Err(ApiError(Problem::internal()).into_response());
        };
        let user = match parts.extensions.get::<Authenticated>() {
            Some(authenticated) => {
                // Every page says who is logged in (a victim of a login CSRF
                // sees it is not them).
                let account = state
                    .auth
                    .account(authenticated.account_id)
                    .await
                    .map_err(|error| ApiError::from(error).into_response())?;
                Some(PageUser {
                    actor: actor.clone(),
                    account_id: authenticated.account_id,
                    csrf: state.auth.csrf_token(&authenticated.session_id),
                    session_id: authenticated.session_id.clone(),
                    login_id: account.login_id,
                    display_name: account.display_name,
                })
            }
            None => None,
        };
        Ok(Page {
            locale: locale.as_str().to_owned(),
            i18n: i18n.clone(),
            actor: actor.clone(),
            user,
        })
    }
}

impl Page {
    fn text(&self, key: &'static str) -> String {
        self.i18n.text(&self.locale, &Message::new(key))
    }

    fn message(&self, message: &Message) -> String {
        self.i18n.text(&self.locale, message)
    }

    /// The logged-in account, on routes whose policy already demanded one.
    #[allow(clippy::result_large_err)] // a response, returned at once
    fn signed_in(&self) -> Result<PageUser, Response> {
        self.user
            .clone()
            .ok_or_else(|| ApiError(Problem::new(ProblemType::UNAUTHENTICATED)).into_response())
    }
}

/// A page shown again with the errors of what was submitted, answered with
/// `status` (422, or 409 for a stale version) and kept as HTML by the
/// framework ([`RenderedPage`]).
fn with_errors(mut response: Response, status: StatusCode) -> Response {
    if response.status().is_success() {
        *response.status_mut() = status;
        response.extensions_mut().insert(RenderedPage);
    }
    response
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `next` if it is a path on this site, else `/` (no open redirects).
fn local_path(next: Option<&str>) -> String {
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

/// Renders `template`: the common context (translation function `t`, language
/// links, the user) merged with `extra`.
fn render(
    state: &PageState,
    page: &Page,
    here: &str,
    template: &str,
    extra: minijinja::Value,
) -> Response {
    let i18n = page.i18n.clone();
    let locale = page.locale.clone();
    let t = minijinja::Value::from_function(move |key: String| -> String {
        i18n.text(&locale, &Message::new(key))
    });
    let languages: Vec<BTreeMap<&str, String>> = state
        .supported
        .iter()
        .map(|tag| {
            BTreeMap::from([
                ("tag", tag.clone()),
                ("name", page.i18n.language_name(tag)),
                ("href", format!("/lang/{tag}?next={}", encode(here))),
                ("current", (tag == &page.locale).to_string()),
            ])
        })
        .collect();
    let user = page.user.as_ref().map(|u| {
        context! {
            csrf => u.csrf.clone(),
            who => page.i18n.text(
                &page.locale,
                &Message::new("page-logged-in-as")
                    .arg("name", u.display_name.as_str())
                    .arg("login_id", u.login_id.as_str()),
            ),
            can_file => FILE.allows(&u.actor),
            can_review => REVIEW.allows(&u.actor),
            can_audit => AUDIT_READ.allows(&u.actor),
        }
    });
    let ctx = context! {
        lang => page.locale.clone(),
        t => t,
        languages => languages,
        user => user,
        ..extra
    };
    let rendered = state
        .env
        .get_template(template)
        .and_then(|tpl| tpl.render(ctx));
    match rendered {
        Ok(html) => html_response(html),
        Err(error) => {
            tracing::error!(%error, template, "cannot render a page");
            ApiError(Problem::internal()).into_response()
        }
    }
}

fn html_response(html: String) -> Response {
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

// ----- start page, language, login ---------------------------------------------------

async fn index(State(state): State<PageState>, page: Page) -> Response {
    render(&state, &page, "/", "index.html", context! {})
}

/// `?next=`.
#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn switch_language(
    State(state): State<PageState>,
    Path(tag): Path<String>,
    Query(query): Query<Next>,
) -> Response {
    let target = local_path(query.next.as_deref());
    let mut response = Redirect::to(&target).into_response();
    if state.supported.contains(&tag)
        && let Ok(value) = HeaderValue::from_str(&format!(
            "{}={tag}; Path=/; SameSite=Lax; Max-Age=31536000",
            state.lang_cookie
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn login_page(
    State(state): State<PageState>,
    page: Page,
    token: LoginFormToken,
    Query(query): Query<Next>,
) -> Response {
    let next = local_path(query.next.as_deref());
    render(
        &state,
        &page,
        "/login",
        "login.html",
        context! {
            next => next,
            login_id => "",
            csrf => token.as_str(),
            errors => Vec::<FormError>::new(),
        },
    )
}

/// The login form.
#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    login_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    /// The pre-session CSRF token (checked by the framework's login-form
    /// guard before this handler runs), rendered again with an error.
    #[serde(default)]
    csrf_token: String,
}

/// One error of a form: the field's id, its label, the message.
#[derive(Serialize)]
struct FormError {
    field: String,
    label: String,
    message: String,
}

async fn login_submit(
    State(state): State<PageState>,
    page: Page,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = local_path(form.next.as_deref());
    match state
        .auth
        .login(&page.actor, form.login_id.trim(), &form.password, None)
        .await
    {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            set_session_cookies(&state.auth, &session, &mut response);
            response
        }
        Err(error) => {
            // One message whatever the cause (no account enumeration).
            let problem = Problem::from(error);
            let message = if problem.status() == 401 {
                page.text("page-login-failed")
            } else {
                page.message(problem.title())
            };
            let shown = render(
                &state,
                &page,
                "/login",
                "login.html",
                context! {
                    next => next,
                    login_id => form.login_id,
                    csrf => form.csrf_token,
                    errors => vec![FormError {
                        field: "login_id".into(),
                        label: page.text("page-login-id"),
                        message,
                    }],
                },
            );
            with_errors(shown, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// Ends the session, if there is one. The route is public so that a stale
/// session still gets to the start page; a live one was authenticated from
/// its cookie and its CSRF token checked by the middleware.
async fn logout(State(state): State<PageState>, page: Page) -> Response {
    if let Some(user) = &page.user
        && let Err(error) = state
            .auth
            .logout(&user.actor, user.account_id, &user.session_id)
            .await
    {
        return ApiError::from(error).into_response();
    }
    let mut response = Redirect::to("/").into_response();
    clear_session_cookies(&state.auth, &mut response);
    response
}

// ----- the citizen's form ------------------------------------------------------------

/// The citizen's form as posted (every field a string; validated as
/// [`NewPetition`]). No `Debug`: it holds a resident number.
#[derive(Deserialize, Serialize, Default)]
struct PetitionForm {
    #[serde(default)]
    petition_type: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    resident_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    postal_code: String,
}

impl PetitionForm {
    fn to_new(&self) -> NewPetition {
        NewPetition {
            petition_type: CodeOf::new(self.petition_type.trim()),
            region: CodeOf::new(self.region.trim()),
            title: self.title.clone(),
            body: self.body.clone(),
            resident_number: self.resident_number.trim().to_owned(),
            phone: self.phone.trim().to_owned(),
            postal_code: self.postal_code.trim().to_owned(),
        }
    }
}

/// `<option>`s of a code group; regions with their children indented.
fn options(
    store: &PetitionStore,
    group: &str,
    locale: &str,
) -> Vec<BTreeMap<&'static str, String>> {
    let codes = store.codes();
    let snapshot = codes.snapshot();
    let fallbacks = codes.fallbacks();
    let filter = || ListFilter::valid_on(codes.today());
    let Some(list) = snapshot.list(group, filter()) else {
        return Vec::new();
    };
    let all: Vec<_> = list.collect();
    let option = |value: &str, label: String| {
        BTreeMap::from([("value", value.to_owned()), ("label", label)])
    };
    if group != "REGION" {
        return all
            .iter()
            .map(|c| option(&c.code, c.label(locale, &fallbacks).to_owned()))
            .collect();
    }
    let mut out = Vec::new();
    for top in all.iter().filter(|c| c.parent.is_none()) {
        let top_label = top.label(locale, &fallbacks);
        out.push(option(&top.code, top_label.to_owned()));
        for child in snapshot.children("REGION", &top.code, filter()) {
            out.push(option(
                &child.code,
                format!("{top_label} {}", child.label(locale, &fallbacks)),
            ));
        }
    }
    out
}

fn form_page(
    state: &PageState,
    page: &Page,
    form: &PetitionForm,
    errors: Vec<FormError>,
) -> Response {
    // The resident number is never sent back to the browser: re-typed after an error.
    let shown = PetitionForm {
        resident_number: String::new(),
        petition_type: form.petition_type.clone(),
        region: form.region.clone(),
        title: form.title.clone(),
        body: form.body.clone(),
        phone: form.phone.clone(),
        postal_code: form.postal_code.clone(),
    };
    let field_errors: BTreeMap<String, String> = errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    render(
        state,
        page,
        "/petitions/new",
        "petition_form.html",
        context! {
            form => shown,
            errors => errors,
            field_errors => field_errors,
            types => options(&state.store, "PETITION_TYPE", &page.locale),
            regions => options(&state.store, "REGION", &page.locale),
        },
    )
}

async fn petition_form(State(state): State<PageState>, page: Page) -> Response {
    form_page(&state, &page, &PetitionForm::default(), Vec::new())
}

/// The form's fields in the order they appear (for the error summary).
const FORM_FIELDS: [(&str, &str); 7] = [
    ("petition_type", "field-petition_type"),
    ("region", "field-region"),
    ("title", "field-title"),
    ("body", "field-body"),
    ("resident_number", "field-resident_number"),
    ("phone", "field-phone"),
    ("postal_code", "field-postal_code"),
];

fn form_errors(page: &Page, problem: &Problem) -> Vec<FormError> {
    let mut errors: Vec<FormError> = Vec::new();
    for (field, label_key) in FORM_FIELDS {
        let pointer = format!("/{field}");
        // One message per field: the first.
        if let Some(error) = problem.errors().iter().find(|e| e.field == pointer) {
            errors.push(FormError {
                field: field.to_owned(),
                label: page.text(label_key),
                message: page.message(&error.message),
            });
        }
    }
    errors
}

async fn petition_submit(
    State(state): State<PageState>,
    page: Page,
    Form(form): Form<PetitionForm>,
) -> Response {
    let user = match page.signed_in() {
        Ok(user) => user,
        Err(response) => return response,
    };
    let petition = form.to_new();
    let problem = match petition.validate() {
        Err(errors) => Some(egov::validation::problem::validation_problem(&errors)),
        Ok(()) => match state
            .store
            .file(&user.actor, &user.account_id.to_string(), &petition)
            .await
        {
            Ok(id) => {
                return Redirect::to(&format!("/petitions/mine?filed={id}")).into_response();
            }
            Err(ApiError(problem)) if problem.status() == 422 => Some(problem),
            Err(error) => return error.into_response(),
        },
    };
    let errors = problem.map(|p| form_errors(&page, &p)).unwrap_or_default();
    with_errors(
        form_page(&state, &page, &form, errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// `?filed=&page=`.
#[derive(Deserialize)]
struct MineQuery {
    filed: Option<String>,
    page: Option<u32>,
}

async fn my_petitions(
    State(state): State<PageState>,
    page: Page,
    Query(query): Query<MineQuery>,
) -> Response {
    let user = match page.signed_in() {
        Ok(user) => user,
        Err(response) => return response,
    };
    let Ok(request) = PageRequest::new(query.page.unwrap_or(1), 20) else {
        return ApiError(Problem::new(ProblemType::VALIDATION_FAILED)).into_response();
    };
    let list = match state
        .store
        .list(None, Some(&user.account_id.to_string()), request)
        .await
    {
        Ok(list) => list,
        Err(error) => return error.into_response(),
    };
    let filed = query.filed.as_deref().and_then(|id| {
        list.items.iter().find(|p| p.id == id).map(|p| {
            page.message(
                &Message::new("petition-filed").arg(
                    "type",
                    state
                        .store
                        .label("PETITION_TYPE", &p.petition_type, &page.locale),
                ),
            )
        })
    });
    let items: Vec<_> = list
        .items
        .iter()
        .map(|p| state.store.view(p, &page.locale))
        .collect();
    render(
        &state,
        &page,
        "/petitions/mine",
        "my_petitions.html",
        context! { items => items, filed => filed },
    )
}

// ----- staff ---------------------------------------------------------------------

/// `?status=&page=&export_error=`.
#[derive(Deserialize)]
struct StaffListQuery {
    status: Option<String>,
    page: Option<u32>,
    export_error: Option<String>,
}

async fn staff_list(
    State(state): State<PageState>,
    page: Page,
    Query(query): Query<StaffListQuery>,
) -> Response {
    let number = query.page.unwrap_or(1).max(1);
    let Ok(request) = PageRequest::new(number, 20) else {
        return ApiError(Problem::new(ProblemType::VALIDATION_FAILED)).into_response();
    };
    let status = query.status.clone().filter(|s| !s.is_empty());
    let list = match state.store.list(status.as_deref(), None, request).await {
        Ok(list) => list,
        Err(error) => return error.into_response(),
    };
    let total_pages = list.total_items.div_ceil(20).max(1);
    let items: Vec<_> = list
        .items
        .iter()
        .map(|p| state.store.view(p, &page.locale))
        .collect();
    let errors = if query.export_error.is_some() {
        vec![FormError {
            field: "reason".into(),
            label: page.text("field-export-reason"),
            message: page.text("petition-export-reason-required"),
        }]
    } else {
        Vec::new()
    };
    let status_value = status.unwrap_or_default();
    let here = format!(
        "/staff/petitions?status={}&page={number}",
        encode(&status_value)
    );
    render(
        &state,
        &page,
        &here,
        "staff_list.html",
        context! {
            items => items,
            statuses => options(&state.store, "PETITION_STATUS", &page.locale),
            status => status_value.clone(),
            status_query => encode(&status_value),
            page_number => number,
            total_pages => total_pages,
            total_items => list.total_items,
            errors => errors,
        },
    )
}

fn detail_page(
    state: &PageState,
    page: &Page,
    stored: &StoredPetition,
    message: Option<String>,
    errors: Vec<FormError>,
) -> Response {
    let view = state.store.view(stored, &page.locale);
    let codes = state.store.codes();
    let snapshot = codes.snapshot();
    let fallbacks = codes.fallbacks();
    let next: Vec<BTreeMap<&str, String>> = snapshot
        .code("PETITION_STATUS", &stored.status)
        .and_then(|c| c.attributes.get("next"))
        .and_then(|n| n.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str())
                .filter_map(|code| snapshot.code("PETITION_STATUS", code))
                .map(|c| {
                    BTreeMap::from([
                        ("value", c.code.clone()),
                        ("label", c.label(&page.locale, &fallbacks).to_owned()),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let here = format!("/staff/petitions/{}", stored.id);
    render(
        state,
        page,
        &here,
        "staff_detail.html",
        context! {
            p => view,
            phone_full => stored.phone_full(),
            next => next,
            message => message,
            errors => errors,
        },
    )
}

async fn staff_detail(
    State(state): State<PageState>,
    page: Page,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let user = match page.signed_in() {
        Ok(user) => user,
        Err(response) => return response,
    };
    let stored = match state.store.open(&user.actor, &id).await {
        Ok(stored) => stored,
        Err(error) => return error.into_response(),
    };
    let message = query
        .contains_key("changed")
        .then(|| page.text("petition-status-changed"));
    detail_page(&state, &page, &stored, message, Vec::new())
}

/// The status form.
#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i64,
}

async fn staff_status(
    State(state): State<PageState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let user = match page.signed_in() {
        Ok(user) => user,
        Err(response) => return response,
    };
    let status = form.status.trim();
    let result = if state.store.codes().is_valid("PETITION_STATUS", status) {
        state
            .store
            .change_status(
                &user.actor,
                &id,
                status,
                Some(&form.reason),
                form.version,
                &page.locale,
            )
            .await
            .map(|_| ())
    } else {
        Err(crate::petitions::field_problem(
            "/status",
            "code",
            Message::new("petition-unknown-status"),
        ))
    };
    let problem = match result {
        Ok(()) => {
            return Redirect::to(&format!("/staff/petitions/{id}?changed=1")).into_response();
        }
        Err(ApiError(problem)) if matches!(problem.status(), 409 | 422) => problem,
        Err(error) => return error.into_response(),
    };
    let errors: Vec<FormError> = if problem.errors().is_empty() {
        vec![FormError {
            field: "status".into(),
            label: page.text("field-status"),
            message: problem
                .detail()
                .map_or_else(|| page.message(problem.title()), |d| page.message(d)),
        }]
    } else {
        problem
            .errors()
            .iter()
            .map(|e| {
                let field = e.field.trim_start_matches('/').to_owned();
                let label = if field == "reason" {
                    page.text("field-reason")
                } else {
                    page.text("field-status")
                };
                FormError {
                    field,
                    label,
                    message: page.message(&e.message),
                }
            })
            .collect()
    };
    // Shown again: another recorded access.
    let stored = match state.store.open(&user.actor, &id).await {
        Ok(stored) => stored,
        Err(error) => return error.into_response(),
    };
    let status = StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::CONFLICT);
    with_errors(detail_page(&state, &page, &stored, None, errors), status)
}

/// `?reason=&status=`.
#[derive(Deserialize)]
struct ExportForm {
    reason: Option<String>,
    status: Option<String>,
}

async fn staff_export(
    State(state): State<PageState>,
    page: Page,
    Query(form): Query<ExportForm>,
) -> Response {
    let user = match page.signed_in() {
        Ok(user) => user,
        Err(response) => return response,
    };
    let status = form.status.filter(|s| !s.is_empty());
    let headers = crate::petitions::csv_headers(&page.i18n, &page.locale);
    match state
        .store
        .export_csv(
            &user.actor,
            form.reason.as_deref(),
            status.as_deref(),
            &page.locale,
            headers,
        )
        .await
    {
        Ok(csv) => crate::petitions::csv_response(csv),
        Err(ApiError(problem)) if problem.status() == 422 => Redirect::to(&format!(
            "/staff/petitions?status={}&export_error=1",
            encode(status.as_deref().unwrap_or(""))
        ))
        .into_response(),
        Err(error) => error.into_response(),
    }
}

/// `?month=YYYY-MM`.
#[derive(Deserialize)]
struct ReportQuery {
    month: Option<String>,
}

async fn audit_report(
    State(state): State<PageState>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let offset = time::UtcOffset::from_hms(state.audit_settings.utc_offset_hours, 0, 0)
        .unwrap_or(time::UtcOffset::UTC);
    let now = time::OffsetDateTime::now_utc().to_offset(offset);
    let (year, month) = match query.month.as_deref().filter(|m| !m.is_empty()) {
        None => (now.year(), now.month()),
        Some(text) => {
            let parsed = text.split_once('-').and_then(|(y, m)| {
                let year: i32 = y.parse().ok().filter(|y| (1..=9998).contains(y))?;
                let month: u8 = m.parse().ok()?;
                Some((year, time::Month::try_from(month).ok()?))
            });
            match parsed {
                Some(found) => found,
                None => {
                    return crate::petitions::field_problem(
                        "/month",
                        "invalid",
                        Message::new("validation-invalid"),
                    )
                    .into_response();
                }
            }
        }
    };
    match MonthlyReport::build(
        &state.db,
        &state.audit_settings.chain_id,
        year,
        month,
        &state.audit_settings,
    )
    .await
    {
        Ok(report) => {
            let mut response = Html(report.to_html()).into_response();
            let headers = response.headers_mut();
            if let Ok(csp) =
                HeaderValue::from_str(egov::audit::report::html_content_security_policy())
            {
                headers.insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

async fn stylesheet() -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The pages (see the [module docs](self) for who may use which).
pub fn routes(store: PetitionStore, services: &Services) -> ApiRouter {
    let state = PageState {
        store,
        auth: services.auth.clone(),
        db: services.db.clone(),
        audit_settings: services.audit_settings.clone(),
        supported: services.i18n.supported.clone(),
        lang_cookie: services.i18n.cookie.clone(),
        env: Arc::new(environment(
            time::UtcOffset::from_hms(services.audit_settings.utc_offset_hours, 0, 0)
                .unwrap_or(time::UtcOffset::UTC),
        )),
    };
    let public = AccessPolicy::Public;
    ApiRouter::new()
        .route("/", public.clone(), get(index))
        .route("/static/app.css", public.clone(), get(stylesheet))
        .route("/lang/{tag}", public.clone(), get(switch_language))
        .route("/login", public.clone(), get(login_page).post(login_submit))
        .route("/logout", public, axum::routing::post(logout))
        .route(
            "/petitions/new",
            FILE,
            get(petition_form).post(petition_submit),
        )
        .route("/petitions/mine", FILE, get(my_petitions))
        .route("/staff/petitions", REVIEW, get(staff_list))
        .route("/staff/petitions/export", REVIEW, get(staff_export))
        .route("/staff/petitions/{id}", REVIEW, get(staff_detail))
        .route(
            "/staff/petitions/{id}/status",
            REVIEW,
            axum::routing::post(staff_status),
        )
        .route("/staff/audit-report", AUDIT_READ, get(audit_report))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::local_time;

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
