//! Server-rendered pages on egov-rs's page kit (egov-pages: the KRDS layout,
//! accessible forms, HTML error pages), no JavaScript, in Korean and English.
//!
//! | path | policy (checked by the framework) | |
//! |---|---|---|
//! | `GET /` | public | start page |
//! | `GET, POST /login` | public | login form (login-CSRF token); errors re-render it (422) |
//! | `POST /logout` | public | ends the session, if there is one |
//! | `GET /privacy` | public | 개인정보처리방침, from what this service collects |
//! | `GET, POST /petitions/new` | [`FILE`] | the citizen's form with the personal-data notice; errors re-render it (422) |
//! | `GET /petitions/mine` | [`FILE`] | the citizen's own petitions with receipt numbers; the confirmation after filing (`?filed=`) |
//! | `GET /petitions/mine/{id}` | [`FILE`] | one of them: status, answer or rejection reason (someone else's: 404) |
//! | `GET /staff/petitions` | [`REVIEW`] | list, filter by status, CSV form |
//! | `GET /staff/petitions/export` | [`REVIEW`] | CSV with a reason (a `download` record); no reason: the list again, 422, error at the field |
//! | `GET /staff/petitions/{id}` | [`REVIEW`] | detail (a personal-data `view` record) |
//! | `POST /staff/petitions/{id}/status` | [`REVIEW`] | status change; errors at the fields (422), a stale version's conflict (409) |
//! | `GET /staff/audit-report?month=` | [`AUDIT_READ`] | the old address of the monthly review report: 303 to the admin console's (`/admin/audit/review`) |
//!
//! The kit (mounted by [`App::pages`](egov::web::App::pages)) adds the language switch
//! `/lang/{tag}`, its assets under `/egov-static/` and `/favicon.ico`; egov-auth adds
//! the change-password page `/auth/change-password` (linked from the menu).
//!
//! ## Sessions
//!
//! The pages use egov-auth's cookie mode (`auth.cookie_mode = true` in
//! `config/default.toml`): the login form calls [`Auth::login`] and sets the
//! `__Host-` session cookies with [`set_session_cookies`]; from then on the
//! framework's middleware authenticates every request from the cookie and each
//! route's [`AccessPolicy`] is enforced before the handler runs, exactly as for
//! the JSON API. Forms carry the session's CSRF token in the hidden `csrf_token`
//! field (egov-auth checks it on every cookie-authenticated `POST`); a form posted
//! after the 10-minute access cookie expired renews the session from the refresh
//! cookie, so a long petition is filed as typed. A visitor who is not logged in is
//! sent to `/login?next=…` ([`App::login_page`](egov::web::App::login_page)); a
//! logged-in account lacking the permission gets the kit's 403 page. The login
//! form itself carries the framework's pre-session token ([`LoginFormToken`]).
//!
//! Form errors re-render the form with status 422 (409 for a stale version) with the
//! kit's error summary, which takes the focus (`autofocus`), and the message at each
//! field. The resident number is never sent back: after an error its field is empty
//! and says so.
//!
//! Opening a petition as staff is recorded by [`PetitionStore::open`] as a
//! personal-data `view` naming the data subject, as in the API.

use std::collections::BTreeMap;

use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use egov::audit::AuditSettings;
use egov::audit::pages::REVIEW_PATH;
use egov::auth::web::{
    CHANGE_PASSWORD_PAGE, LoginFormToken, clear_session_cookies, set_session_cookies,
};
use egov::auth::{Auth, Authenticated};
use egov::codes::ListFilter;
use egov::codes::validate::CodeOf;
use egov::core::access::AccessPolicy;
use egov::core::message::Message;
use egov::core::paging::PageRequest;
use egov::core::problem::{Problem, ProblemType};
use egov::http::{ApiError, ApiRouter};
use egov::pages::minijinja::{Value, context};
use egov::pages::{FormErrors, Page, PagesBuilder};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::Services;
use crate::petitions::{FILE, NewPetition, PetitionStore, REVIEW, StoredPetition, is_stale};

/// Who may read the audit report page.
pub const AUDIT_READ: AccessPolicy = egov::audit::admin::ADMIN_POLICY;

/// The service's templates, on top of the kit's (`egov/layout.html`, `egov/forms.html`).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "civil-petitions/index.html",
        include_str!("../templates/index.html"),
    ),
    (
        "civil-petitions/login.html",
        include_str!("../templates/login.html"),
    ),
    (
        "civil-petitions/petition_form.html",
        include_str!("../templates/petition_form.html"),
    ),
    (
        "civil-petitions/my_petitions.html",
        include_str!("../templates/my_petitions.html"),
    ),
    (
        "civil-petitions/my_petition.html",
        include_str!("../templates/my_petition.html"),
    ),
    (
        "civil-petitions/staff_list.html",
        include_str!("../templates/staff_list.html"),
    ),
    (
        "civil-petitions/staff_detail.html",
        include_str!("../templates/staff_detail.html"),
    ),
    (
        "civil-petitions/privacy.ko.html",
        include_str!("../templates/privacy.ko.html"),
    ),
    (
        "civil-petitions/privacy.en.html",
        include_str!("../templates/privacy.en.html"),
    ),
];

/// The page kit of the service: its templates and its main menu, each entry shown to
/// those its route's policy allows (the change-password page to everyone logged in).
/// [`crate::app`] gives it to [`App::pages`](egov::web::App::pages).
pub fn kit(services: &Services) -> PagesBuilder {
    services
        .pages()
        .templates(TEMPLATES)
        .nav("/petitions/new", "page-nav-file", FILE)
        .nav("/petitions/mine", "page-nav-mine", FILE)
        .nav("/staff/petitions", "page-nav-staff", REVIEW)
        .nav(
            CHANGE_PASSWORD_PAGE,
            "page-nav-password",
            AccessPolicy::Authenticated,
        )
}

#[derive(Clone)]
struct PageState {
    store: PetitionStore,
    auth: Auth,
    audit_settings: AuditSettings,
}

/// A breadcrumb entry.
fn crumb(href: &str, label: String) -> Value {
    context! { href => href, label => label }
}

/// The account of a page request on a route whose policy demanded one.
#[allow(clippy::result_large_err)] // a response, returned at once
fn account_of(page: &Page) -> Result<String, Response> {
    page.actor()
        .account_id()
        .map(|id| id.to_string())
        .ok_or_else(|| ApiError(Problem::new(ProblemType::UNAUTHENTICATED)).into_response())
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ----- start page, privacy policy, login --------------------------------------------

async fn index(page: Page) -> Response {
    let actor = page.actor();
    page.render(
        "civil-petitions/index.html",
        context! {
            title => page.text("page-index-title"),
            signed_in => actor.account_id().is_some(),
            can_file => FILE.allows(actor),
            can_review => REVIEW.allows(actor),
        },
    )
}

async fn privacy(State(state): State<PageState>, page: Page) -> Response {
    let template = if page.locale() == "en" {
        "civil-petitions/privacy.en.html"
    } else {
        "civil-petitions/privacy.ko.html"
    };
    let auth = state.auth.settings();
    page.render(
        template,
        context! {
            title => page.text("page-privacy-title"),
            breadcrumb => vec![crumb("/privacy", page.text("page-privacy-title"))],
            audit_retention_days => state.audit_settings.retention_days,
            idle_minutes => auth.refresh_idle_secs / 60,
            max_hours => auth.refresh_absolute_secs / 3600,
            version => env!("CARGO_PKG_VERSION"),
        },
    )
}

/// `?next=`.
#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

/// The login form as posted.
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

fn login_view(
    page: &Page,
    next: &str,
    login_id: &str,
    csrf: &str,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    page.render_status(
        status,
        "civil-petitions/login.html",
        context! {
            title => page.text("egov-page-login"),
            breadcrumb => vec![crumb("/login", page.text("egov-page-login"))],
            next => next,
            login_id => login_id,
            csrf => csrf,
            errors => errors.list(),
            field_errors => errors.by_field(),
        },
    )
}

async fn login_page(page: Page, token: LoginFormToken, Query(query): Query<Next>) -> Response {
    let next = egov::pages::local_path(query.next.as_deref());
    login_view(
        &page,
        &next,
        "",
        token.as_str(),
        &FormErrors::new(),
        StatusCode::OK,
    )
}

async fn login_submit(
    State(state): State<PageState>,
    page: Page,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = egov::pages::local_path(form.next.as_deref());
    match state
        .auth
        .login(page.actor(), form.login_id.trim(), &form.password, None)
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
                page.text("egov-page-login-failed")
            } else {
                page.message(problem.title())
            };
            let mut errors = FormErrors::new();
            errors.push("login_id", page.text("egov-page-login-id"), message);
            login_view(
                &page,
                &next,
                &form.login_id,
                &form.csrf_token,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// Ends the session, if there is one. The route is public so that a stale
/// session still gets to the start page; a live one was authenticated from
/// its cookie and its CSRF token checked by the middleware.
async fn logout(
    State(state): State<PageState>,
    page: Page,
    authenticated: Option<Extension<Authenticated>>,
) -> Response {
    if let Some(Extension(session)) = authenticated
        && let Err(error) = state
            .auth
            .logout(page.actor(), session.account_id, &session.session_id)
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

/// `<option>`s of a code group; regions with their children after them.
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

fn form_page(
    state: &PageState,
    page: &Page,
    form: &PetitionForm,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    // The resident number is never sent back to the browser: after an error the
    // field is empty, and its hint says it must be typed again.
    let shown = PetitionForm {
        resident_number: String::new(),
        petition_type: form.petition_type.clone(),
        region: form.region.clone(),
        title: form.title.clone(),
        body: form.body.clone(),
        phone: form.phone.clone(),
        postal_code: form.postal_code.clone(),
    };
    let resident_hint = if errors.is_empty() {
        page.text("page-resident-number-hint")
    } else {
        format!(
            "{} {}",
            page.text("page-resident-number-retype"),
            page.text("page-resident-number-hint")
        )
    };
    page.render_status(
        status,
        "civil-petitions/petition_form.html",
        context! {
            title => page.text("page-file-title"),
            breadcrumb => vec![crumb("/petitions/new", page.text("page-file-title"))],
            form => shown,
            errors => errors.list(),
            field_errors => errors.by_field(),
            resident_hint => resident_hint,
            types => options(&state.store, "PETITION_TYPE", page.locale()),
            regions => options(&state.store, "REGION", page.locale()),
        },
    )
}

async fn petition_form(State(state): State<PageState>, page: Page) -> Response {
    form_page(
        &state,
        &page,
        &PetitionForm::default(),
        &FormErrors::new(),
        StatusCode::OK,
    )
}

async fn petition_submit(
    State(state): State<PageState>,
    page: Page,
    Form(form): Form<PetitionForm>,
) -> Response {
    let account = match account_of(&page) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let petition = form.to_new();
    let problem = match petition.validate() {
        Err(errors) => egov::validation::problem::validation_problem(&errors),
        Ok(()) => match state.store.file(page.actor(), &account, &petition).await {
            Ok(id) => {
                return Redirect::to(&format!("/petitions/mine?filed={id}")).into_response();
            }
            Err(ApiError(problem)) if problem.status() == 422 => problem,
            Err(error) => return error.into_response(),
        },
    };
    let errors = required_first(&page, &form, page.form_errors(&problem, &FORM_FIELDS));
    form_page(
        &state,
        &page,
        &form,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// A field left empty is said to be required ("필수 입력 항목입니다."), not invalid
/// (an empty select is no "unknown code", an empty text no "1 to 4,000 characters").
fn required_first(page: &Page, form: &PetitionForm, errors: FormErrors) -> FormErrors {
    let empty = |field: &str| {
        let value = match field {
            "petition_type" => &form.petition_type,
            "region" => &form.region,
            "title" => &form.title,
            "body" => &form.body,
            "resident_number" => &form.resident_number,
            "phone" => &form.phone,
            "postal_code" => &form.postal_code,
            _ => return false,
        };
        value.trim().is_empty()
    };
    let mut out = FormErrors::new();
    for error in errors.list() {
        let message = if empty(&error.field) {
            page.text("validation-required")
        } else {
            error.message.clone()
        };
        out.push(&error.field, error.label.clone(), message);
    }
    out
}

// ----- the citizen's petitions ------------------------------------------------------

/// `?filed=&page=`.
#[derive(Deserialize)]
struct MineQuery {
    filed: Option<String>,
    page: Option<u32>,
}

/// Rows per page of the lists.
const PAGE_SIZE: u32 = 20;

async fn my_petitions(
    State(state): State<PageState>,
    page: Page,
    Query(query): Query<MineQuery>,
) -> Response {
    let account = match account_of(&page) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let number = query.page.unwrap_or(1).max(1);
    let list = match PageRequest::new(number, PAGE_SIZE) {
        Ok(request) => state.store.list(None, Some(&account), request).await,
        Err(error) => Err(ApiError::from(error)),
    };
    let list = match list {
        Ok(list) => list,
        Err(error) => return error.into_response(),
    };
    // The confirmation after filing: the type and the receipt number.
    let filed = match query.filed.as_deref() {
        Some(id) => state.store.find_own(&account, id).await.ok().map(|p| {
            context! {
                id => p.id.clone(),
                message => page.message(
                    &Message::new("petition-filed")
                        .arg("type", state.store.label("PETITION_TYPE", &p.petition_type, page.locale()))
                        .arg("receipt", p.receipt_number.as_str()),
                ),
            }
        }),
        None => None,
    };
    let items: Vec<_> = list
        .items
        .iter()
        .map(|p| state.store.view(p, page.locale()))
        .collect();
    page.render(
        "civil-petitions/my_petitions.html",
        context! {
            title => page.text("page-nav-mine"),
            breadcrumb => vec![crumb("/petitions/mine", page.text("page-nav-mine"))],
            items => items,
            filed => filed,
            page_number => number,
            total_pages => list.total_items.div_ceil(u64::from(PAGE_SIZE)).max(1),
            total_items => list.total_items,
        },
    )
}

/// Whether moving into `status` needs a reason (its code's `reason_required`): the
/// reason is then the answer or the rejection, written for the applicant.
fn reason_required(store: &PetitionStore, status: &str) -> bool {
    store
        .codes()
        .snapshot()
        .code("PETITION_STATUS", status)
        .and_then(|c| c.attributes.get("reason_required"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

async fn my_petition(
    State(state): State<PageState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let account = match account_of(&page) {
        Ok(account) => account,
        Err(response) => return response,
    };
    // Someone else's petition is "not found": its existence is not revealed.
    let stored = match state.store.find_own(&account, &id).await {
        Ok(stored) => stored,
        Err(error) => return error.into_response(),
    };
    let view = state.store.view(&stored, page.locale());
    // The answer or the rejection reason, once the petition is in a status that
    // required one; notes of earlier steps are the officers' own.
    let reason = stored
        .status_reason
        .as_deref()
        .filter(|_| reason_required(&state.store, &stored.status))
        .map(|text| {
            let heading = match stored.status.as_str() {
                "answered" => "page-answer",
                "rejected" => "page-rejection-reason",
                _ => "page-status-reason",
            };
            context! { heading => page.text(heading), text => text }
        });
    page.render(
        "civil-petitions/my_petition.html",
        context! {
            title => view.title.clone(),
            breadcrumb => vec![
                crumb("/petitions/mine", page.text("page-nav-mine")),
                crumb("", view.title.clone()),
            ],
            reason => reason,
            p => view,
        },
    )
}

// ----- staff ---------------------------------------------------------------------

/// `?status=&page=`.
#[derive(Deserialize)]
struct StaffListQuery {
    status: Option<String>,
    page: Option<u32>,
}

/// The staff list, with `errors` of the filter or the CSV form and the `reason`
/// typed into it, answered with `http_status`.
async fn staff_list_page(
    state: &PageState,
    page: &Page,
    status: Option<String>,
    number: u32,
    mut errors: FormErrors,
    reason: &str,
    mut http_status: StatusCode,
) -> Response {
    let status = status
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let list = match PageRequest::new(number, PAGE_SIZE) {
        Ok(request) => state.store.list(status.as_deref(), None, request).await,
        Err(error) => Err(ApiError::from(error)),
    };
    let list = match list {
        Ok(list) => Some(list),
        // An unknown status in the filter: the error at the filter's field.
        Err(ApiError(problem)) if problem.status() == 422 => {
            errors = page.form_errors(&problem, &[("status", "field-status")]);
            http_status = StatusCode::UNPROCESSABLE_ENTITY;
            None
        }
        Err(error) => return error.into_response(),
    };
    let (items, total_items) = list.map_or_else(
        || (Vec::new(), 0),
        |list| {
            let items: Vec<_> = list
                .items
                .iter()
                .map(|p| state.store.view(p, page.locale()))
                .collect();
            (items, list.total_items)
        },
    );
    let status_value = status.unwrap_or_default();
    page.render_status(
        http_status,
        "civil-petitions/staff_list.html",
        context! {
            title => page.text("page-nav-staff"),
            breadcrumb => vec![crumb("/staff/petitions", page.text("page-nav-staff"))],
            items => items,
            statuses => options(&state.store, "PETITION_STATUS", page.locale()),
            status_query => encode(&status_value),
            status => status_value,
            page_number => number,
            total_pages => total_items.div_ceil(u64::from(PAGE_SIZE)).max(1),
            total_items => total_items,
            reason => reason,
            errors => errors.list(),
            field_errors => errors.by_field(),
        },
    )
}

async fn staff_list(
    State(state): State<PageState>,
    page: Page,
    Query(query): Query<StaffListQuery>,
) -> Response {
    let number = query.page.unwrap_or(1).max(1);
    staff_list_page(
        &state,
        &page,
        query.status,
        number,
        FormErrors::new(),
        "",
        StatusCode::OK,
    )
    .await
}

/// The status form.
#[derive(Deserialize, Serialize, Default)]
struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i64,
}

/// Where the error summary points for a conflict: the current status shown.
const CONFLICT_ANCHOR: &str = "petition-status";

#[allow(clippy::too_many_arguments)] // each is a separate part of the page
fn detail_page(
    state: &PageState,
    page: &Page,
    stored: &StoredPetition,
    message: Option<String>,
    errors: &FormErrors,
    form: &StatusForm,
    stale: bool,
    status: StatusCode,
) -> Response {
    let view = state.store.view(stored, page.locale());
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
                        ("label", c.label(page.locale(), &fallbacks).to_owned()),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    page.render_status(
        status,
        "civil-petitions/staff_detail.html",
        context! {
            title => view.title.clone(),
            breadcrumb => vec![
                crumb("/staff/petitions", page.text("page-nav-staff")),
                crumb("", view.title.clone()),
            ],
            phone_full => stored.phone_full(),
            p => view,
            next => next,
            message => message,
            errors => errors.list(),
            field_errors => errors.by_field(),
            form => form,
            stale => stale,
        },
    )
}

async fn staff_detail(
    State(state): State<PageState>,
    page: Page,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let stored = match state.store.open(page.actor(), &id).await {
        Ok(stored) => stored,
        Err(error) => return error.into_response(),
    };
    let message = query
        .contains_key("changed")
        .then(|| page.text("petition-status-changed"));
    detail_page(
        &state,
        &page,
        &stored,
        message,
        &FormErrors::new(),
        &StatusForm::default(),
        false,
        StatusCode::OK,
    )
}

async fn staff_status(
    State(state): State<PageState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let status = form.status.trim();
    let result = if status.is_empty() {
        Err(crate::petitions::field_problem(
            "/status",
            "required",
            Message::new("validation-required"),
        ))
    } else if state.store.codes().is_valid("PETITION_STATUS", status) {
        state
            .store
            .change_status(
                page.actor(),
                &id,
                status,
                Some(&form.reason),
                form.version,
                page.locale(),
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
    let stale = is_stale(&problem);
    let errors = if problem.status() == 409 {
        // A conflict is about the petition, not a field: it points at the status
        // shown, which is the latest (read again below).
        let mut errors = FormErrors::new();
        errors.push(
            CONFLICT_ANCHOR,
            page.text("field-status"),
            problem
                .detail()
                .map_or_else(|| page.message(problem.title()), |d| page.message(d)),
        );
        errors
    } else {
        page.form_errors(
            &problem,
            &[("status", "field-new-status"), ("reason", "field-reason")],
        )
    };
    // Shown again with what is stored now: another recorded access.
    let stored = match state.store.open(page.actor(), &id).await {
        Ok(stored) => stored,
        Err(error) => return error.into_response(),
    };
    let status = StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::CONFLICT);
    detail_page(&state, &page, &stored, None, &errors, &form, stale, status)
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
    let status = form.status.filter(|s| !s.is_empty());
    let headers = crate::petitions::csv_headers(page.i18n(), page.locale());
    match state
        .store
        .export_csv(
            page.actor(),
            form.reason.as_deref(),
            status.as_deref(),
            page.locale(),
            headers,
        )
        .await
    {
        Ok(csv) => crate::petitions::csv_response(csv),
        // No reason (or an unusable one): the list again, the error at the field.
        Err(ApiError(problem)) if problem.status() == 422 => {
            let errors = page.form_errors(&problem, &[("reason", "field-export-reason")]);
            staff_list_page(
                &state,
                &page,
                status,
                1,
                errors,
                form.reason.as_deref().unwrap_or_default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => error.into_response(),
    }
}

// ----- the audit review report ----------------------------------------------------

/// `?month=YYYY-MM`.
#[derive(Deserialize)]
struct ReportQuery {
    month: Option<String>,
}

/// The old address of the monthly review report: the admin console has it now
/// (egov-audit's review screen, same permission), so browsers are sent there
/// with the month they asked for.
async fn audit_report(Query(query): Query<ReportQuery>) -> Response {
    let target = match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        Some(month) => format!("{REVIEW_PATH}?month={}", encode(month)),
        None => REVIEW_PATH.to_owned(),
    };
    Redirect::to(&target).into_response()
}

/// The pages (see the [module docs](self) for who may use which).
pub fn routes(store: PetitionStore, services: &Services) -> ApiRouter {
    let state = PageState {
        store,
        auth: services.auth.clone(),
        audit_settings: services.audit_settings.clone(),
    };
    let public = AccessPolicy::Public;
    ApiRouter::new()
        .route("/", public.clone(), get(index))
        .route("/privacy", public.clone(), get(privacy))
        .route("/login", public.clone(), get(login_page).post(login_submit))
        .route("/logout", public, post(logout))
        .route(
            "/petitions/new",
            FILE,
            get(petition_form).post(petition_submit),
        )
        .route("/petitions/mine", FILE, get(my_petitions))
        .route("/petitions/mine/{id}", FILE, get(my_petition))
        .route("/staff/petitions", REVIEW, get(staff_list))
        .route("/staff/petitions/export", REVIEW, get(staff_export))
        .route("/staff/petitions/{id}", REVIEW, get(staff_detail))
        .route("/staff/petitions/{id}/status", REVIEW, post(staff_status))
        .route("/staff/audit-report", AUDIT_READ, get(audit_report))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("in_review"), "in_review");
        assert_eq!(encode("a&b=c/d 한"), "a%26b%3Dc%2Fd%20%ED%95%9C");
    }
}
