//! The admin console's code-table screens (feature `pages`), server-rendered on
//! the egov-pages kit in its admin frame (`egov/admin.html`), in Korean and
//! English, without scripts.
//!
//! [`admin_screen`] gives egov-web's admin console the screen (its menu entry),
//! its templates ([`TEMPLATES`]) and its routes:
//!
//! | route | policy | shows / does |
//! |---|---|---|
//! | `GET /admin/codes?q=&category=&page=` | [`read_policy`] | categories and code groups, searched by id or label |
//! | `GET /admin/codes/groups/{group}?page=` | [`read_policy`] | a group and its codes (labels, validity, sort order, parent, in use) |
//! | `GET, POST /admin/codes/new-group` | [`WRITE_POLICY`] | the form creating a group |
//! | `GET, POST /admin/codes/groups/{group}/edit` | [`WRITE_POLICY`] | the form changing a group |
//! | `GET /admin/codes/groups/{group}/changes` | [`WRITE_POLICY`] | the group's history |
//! | `GET, POST /admin/codes/groups/{group}/new-code` | [`WRITE_POLICY`] | the form creating a code |
//! | `GET, POST /admin/codes/groups/{group}/codes/{code}/edit` | [`WRITE_POLICY`] | the form changing a code |
//! | `GET /admin/codes/groups/{group}/codes/{code}/changes` | [`WRITE_POLICY`] | the code's history |
//! | `GET /admin/codes/import` | [`WRITE_POLICY`] | the import form (file text pasted) |
//! | `POST /admin/codes/import/preview` | [`WRITE_POLICY`] | the dry run: what would be added, changed, left, refused |
//! | `POST /admin/codes/import/apply` | [`WRITE_POLICY`] | the import of what the dry run showed |
//!
//! Reading screens are open to holders of `codes:write` or
//! `codes:read-inactive` (the permission that already shows inactive codes on
//! the public API); the forms, the history and the import — like the admin JSON
//! API under the same prefix — need `codes:write`. A code in a path is one
//! percent-encoded segment, as in the API.
//!
//! The history and the stamps record accounts by id; the screens show their
//! names through the [`AccountNames`] egov-web passes (egov-auth's lookups, the
//! same the audit screens use), and system actors as stored (`system:<name>`).
//!
//! Every change goes through [`CodeRegistry`]'s audited writes with their
//! version checks: a form carries the version it was based on, and a stale one
//! is shown again with status 409, the conflict message, the typed values and
//! the record's current content. Field errors (the registry's
//! [`Error::Invalid`] issues and the form's own: an
//! integer, a date) are shown at their fields with status 422. Forms are
//! `application/x-www-form-urlencoded` with the session's `csrf_token` field,
//! which egov-auth's middleware checks before any handler runs.
//!
//! **Import**: egov-auth looks for the CSRF token in form-urlencoded bodies only
//! (a multipart body needs the `X-CSRF-Token` header, which a form without
//! scripts cannot send), so the file's text is pasted into a text area instead of
//! uploaded. The dry run ([`CodeRegistry::plan_import`]) writes nothing; its
//! page carries the same text and the content version it saw, and "apply"
//! imports it with [`CodeRegistry::import_at_version`]: one transaction,
//! refused (409, with the new dry run) if the tables changed in between. A
//! form body is at most egov-auth's `CSRF_FORM_LIMIT` (256 KiB, encoded):
//! larger files go through `egov codes import`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRef, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
pub use egov_audit::pages::AccountNames;
use egov_core::access::AccessPolicy;
use egov_core::message::Message;
use egov_core::problem::{FieldError, Problem, ProblemType};
use egov_http::{ApiRouter, problem_response};
use egov_pages::minijinja::{Value, context};
use egov_pages::{AdminScreen, FormErrors, Page};
use http::StatusCode;
use serde::Serialize;

use crate::http::{READ_INACTIVE, WRITE_POLICY, path_segment};
use crate::model::{Issue, Labels, label_in};
use crate::{CodeRegistry, Error};

mod codes;
mod groups;
mod history;
mod import;

/// Where the screen is.
pub const SCREEN_PATH: &str = "/admin/codes";

/// The screens' templates (`codes/*.html`), for the page kit.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "codes/index.html",
        include_str!("../../templates/codes/index.html"),
    ),
    (
        "codes/group.html",
        include_str!("../../templates/codes/group.html"),
    ),
    (
        "codes/conflict.html",
        include_str!("../../templates/codes/conflict.html"),
    ),
    (
        "codes/group_form.html",
        include_str!("../../templates/codes/group_form.html"),
    ),
    (
        "codes/code_form.html",
        include_str!("../../templates/codes/code_form.html"),
    ),
    (
        "codes/history.html",
        include_str!("../../templates/codes/history.html"),
    ),
    (
        "codes/import_form.html",
        include_str!("../../templates/codes/import_form.html"),
    ),
    (
        "codes/import.html",
        include_str!("../../templates/codes/import.html"),
    ),
    (
        "codes/import_preview.html",
        include_str!("../../templates/codes/import_preview.html"),
    ),
];

/// Who may read the screens: holders of `codes:write` or `codes:read-inactive`.
pub fn read_policy() -> AccessPolicy {
    AccessPolicy::AnyOf(vec![WRITE_POLICY, AccessPolicy::Permission(READ_INACTIVE)])
}

/// The code-table screen for egov-web's admin console: its menu entry, its
/// templates and its routes (see the [module docs](self)). `names` names the
/// accounts the history and the stamps record by id (egov-web passes egov-auth's
/// lookups: "홍길동 (hong)"); [`AccountNames::none`] shows the ids as stored.
///
/// ```ignore
/// let (screen, templates, routes) = egov_codes::pages::admin_screen(registry, names);
/// console.screen(screen, templates, routes)
/// ```
pub fn admin_screen(
    registry: CodeRegistry,
    names: AccountNames,
) -> (
    AdminScreen,
    &'static [(&'static str, &'static str)],
    ApiRouter,
) {
    let screen = AdminScreen {
        href: SCREEN_PATH.to_owned(),
        title: "codes-page-title".to_owned(),
        description: "codes-page-description".to_owned(),
        policy: read_policy(),
    };
    (screen, TEMPLATES, routes(registry, names))
}

/// The screens' state: the registry, and how to name accounts.
#[derive(Clone)]
pub(crate) struct Screens {
    registry: CodeRegistry,
    names: AccountNames,
}

impl FromRef<Screens> for CodeRegistry {
    fn from_ref(screens: &Screens) -> Self {
        screens.registry.clone()
    }
}

impl FromRef<Screens> for AccountNames {
    fn from_ref(screens: &Screens) -> Self {
        screens.names.clone()
    }
}

/// Who a stored "who" is, as a screen shows it: an account's name (its id when
/// the account is unknown), `system:<name>` and `anonymous` as stored. Each
/// account is looked up once per page.
#[derive(Default)]
pub(crate) struct Who(HashMap<String, String>);

impl Who {
    pub(crate) async fn name(&mut self, names: &AccountNames, stored: &str) -> String {
        if stored.starts_with("system:") || stored == "anonymous" {
            return stored.to_owned();
        }
        if let Some(name) = self.0.get(stored) {
            return name.clone();
        }
        let name = names
            .name(stored)
            .await
            .unwrap_or_else(|| stored.to_owned());
        self.0.insert(stored.to_owned(), name.clone());
        name
    }
}

/// The screens' routes with their policies.
pub fn routes(registry: CodeRegistry, names: AccountNames) -> ApiRouter {
    let read = read_policy();
    ApiRouter::new()
        .route(SCREEN_PATH, read.clone(), get(groups::index))
        .routes(read, utoipa_axum::routes!(groups::show))
        .route(
            "/admin/codes/new-group",
            WRITE_POLICY,
            get(groups::new_form).post(groups::create),
        )
        .route(
            "/admin/codes/groups/{group}/edit",
            WRITE_POLICY,
            get(groups::edit_form).post(groups::update),
        )
        .route(
            "/admin/codes/groups/{group}/changes",
            WRITE_POLICY,
            get(history::group),
        )
        .route(
            "/admin/codes/groups/{group}/new-code",
            WRITE_POLICY,
            get(codes::new_form).post(codes::create),
        )
        .route(
            "/admin/codes/groups/{group}/codes/{code}/edit",
            WRITE_POLICY,
            get(codes::edit_form).post(codes::update),
        )
        .route(
            "/admin/codes/groups/{group}/codes/{code}/changes",
            WRITE_POLICY,
            get(history::code),
        )
        .routes(WRITE_POLICY, utoipa_axum::routes!(import::form))
        .route(
            "/admin/codes/import/preview",
            WRITE_POLICY,
            post(import::preview),
        )
        .route(
            "/admin/codes/import/apply",
            WRITE_POLICY,
            post(import::apply),
        )
        .with_state(Screens { registry, names })
}

// ---- paths -------------------------------------------------------------------

pub(crate) fn group_href(group: &str) -> String {
    format!("{SCREEN_PATH}/groups/{}", path_segment(group))
}

pub(crate) fn code_href(group: &str, code: &str) -> String {
    format!(
        "{SCREEN_PATH}/groups/{}/codes/{}",
        path_segment(group),
        path_segment(code)
    )
}

// ---- request data --------------------------------------------------------------

/// The fields of a form-urlencoded body (or a query string): the first value of
/// each name; the CSRF token is egov-auth's.
pub(crate) struct Fields(HashMap<String, String>);

impl Fields {
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        let mut fields = HashMap::new();
        for (name, value) in form_urlencoded::parse(bytes) {
            if name != "csrf_token" {
                fields
                    .entry(name.into_owned())
                    .or_insert_with(|| value.into_owned());
            }
        }
        Self(fields)
    }

    pub(crate) fn query(raw: Option<&str>) -> Self {
        Self::parse(raw.unwrap_or("").as_bytes())
    }

    /// The value of `name`, empty when absent.
    pub(crate) fn get(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }

    /// The 1-based page number of `page=`, 1 when absent or not a number.
    pub(crate) fn page_number(&self) -> usize {
        self.0
            .get("page")
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

// ---- rendering -------------------------------------------------------------------

/// One breadcrumb entry.
#[derive(Serialize)]
pub(crate) struct Crumb {
    href: String,
    label: String,
}

/// The breadcrumb to a screen: the console, the codes screen, then `more`.
pub(crate) fn crumbs(page: &Page, more: Vec<(String, String)>) -> Vec<Crumb> {
    let mut crumbs = vec![
        Crumb {
            href: egov_pages::ADMIN_PATH.to_owned(),
            label: page.text("egov-page-admin"),
        },
        Crumb {
            href: SCREEN_PATH.to_owned(),
            label: page.text("codes-page-title"),
        },
    ];
    crumbs.extend(more.into_iter().map(|(href, label)| Crumb { href, label }));
    crumbs
}

/// The label of `labels` in the page's language (with the registry's
/// fallbacks), or `fallback`.
pub(crate) fn label<'a>(
    registry: &CodeRegistry,
    page: &Page,
    labels: &'a Labels,
    fallback: &'a str,
) -> &'a str {
    label_in(labels, page.locale(), &registry.fallbacks()).unwrap_or(fallback)
}

/// The text of "in use" / "not in use".
pub(crate) fn in_use(page: &Page, active: bool) -> String {
    page.text(if active {
        "codes-page-active-yes"
    } else {
        "codes-page-active-no"
    })
}

/// Whether the page's account may change code tables.
pub(crate) fn can_write(page: &Page) -> bool {
    WRITE_POLICY.allows(page.actor())
}

/// How many rows a list shows per page.
pub(crate) const PAGE_SIZE: usize = 50;

/// The rows of page `number` of `items`, the page shown (clamped) and the
/// number of pages.
pub(crate) fn paged<T>(items: Vec<T>, number: usize, size: usize) -> (Vec<T>, usize, usize) {
    let total = items.len().div_ceil(size).max(1);
    let number = number.min(total);
    let rows = items
        .into_iter()
        .skip((number - 1) * size)
        .take(size)
        .collect();
    (rows, number, total)
}

/// The problem of a failed write as a page: the problem page of egov-web for
/// anything but the form's own errors.
pub(crate) fn failure(error: Error) -> Response {
    problem_response(Problem::from(error))
}

/// The problem of `issues`, with their fields renamed for a form (`/labels/ko`
/// → `/label_ko`), for [`Page::form_errors`].
pub(crate) fn issues_problem(issues: Vec<Issue>) -> Problem {
    Problem::new(ProblemType::VALIDATION_FAILED).with_field_errors(issues.into_iter().map(|i| {
        let field = match i.field.as_str() {
            "/labels" | "/labels/ko" => "/label_ko".to_owned(),
            "/labels/en" => "/label_en".to_owned(),
            other => other.to_owned(),
        };
        FieldError::new(field, i.code, i.message)
    }))
}

/// A problem naming one field.
pub(crate) fn field_problem(field: &str, code: &'static str, message: Message) -> Problem {
    Problem::new(ProblemType::VALIDATION_FAILED)
        .with_field_error(FieldError::new(field, code, message))
}

/// A rendered form with its errors and `status`.
pub(crate) fn render_form(
    page: &Page,
    status: StatusCode,
    template: &str,
    errors: &FormErrors,
    extra: Value,
) -> Response {
    page.render_status(
        status,
        template,
        context! {
            errors => errors.list(),
            field_errors => errors.by_field(),
            ..extra
        },
    )
}

/// The error summary of a stale form (409): one entry linking to the notice with
/// `id` that explains the conflict (no field is wrong).
pub(crate) fn conflict_errors(page: &Page, id: &str, message: &str) -> FormErrors {
    let mut errors = FormErrors::new();
    errors.push(
        id,
        page.text("codes-page-conflict-label"),
        page.text(message),
    );
    errors
}

/// `303 See Other` to `to`.
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The display name of a field of a record (a JSON pointer of
/// [`crate::transfer::FieldChange`]) in the page's language.
pub(crate) fn field_name(page: &Page, pointer: &str) -> String {
    if let Some(locale) = pointer.strip_prefix("/labels/") {
        return page.message(&Message::new("codes-page-field-label-in").arg("locale", locale));
    }
    if let Some(key) = pointer.strip_prefix("/attributes/") {
        return page.message(&Message::new("codes-page-field-attribute").arg("name", key));
    }
    let key = match pointer {
        "/id" => "codes-page-field-id",
        "/group" => "codes-page-field-group",
        "/code" => "codes-page-field-code",
        "/category" => "codes-page-field-category",
        "/labels" => "codes-page-field-labels",
        "/description" => "codes-page-field-description",
        "/custodian" => "codes-page-field-custodian",
        "/sort_order" => "codes-page-field-sort-order",
        "/parent" => "codes-page-field-parent",
        "/valid_from" => "codes-page-field-valid-from",
        "/valid_to" => "codes-page-field-valid-to",
        "/active" => "codes-page-field-active",
        "/attributes" => "codes-page-field-attributes",
        "/reason" => "codes-page-field-reason",
        _ => return pointer.to_owned(),
    };
    page.text(key)
}

/// A field's value as a screen shows it: the active flag in words.
pub(crate) fn field_value(page: &Page, pointer: &str, value: Option<&str>) -> String {
    match (pointer, value) {
        (_, None) => page.text("codes-page-none"),
        ("/active", Some("true")) => in_use(page, true),
        ("/active", Some("false")) => in_use(page, false),
        (_, Some(text)) => text.to_owned(),
    }
}

/// A stale form's conflict: how the stored record differs from what was typed,
/// and who saved it (named).
#[derive(Serialize)]
pub(crate) struct Conflict {
    pub(crate) rows: Vec<ChangeRow>,
    pub(crate) who: String,
}

/// One changed field, as a row of a table.
#[derive(Serialize)]
pub(crate) struct ChangeRow {
    field: String,
    before: String,
    after: String,
}

pub(crate) fn change_rows(page: &Page, changes: &[crate::transfer::FieldChange]) -> Vec<ChangeRow> {
    changes
        .iter()
        .map(|c| ChangeRow {
            field: field_name(page, &c.field),
            before: field_value(page, &c.field, c.before.as_deref()),
            after: field_value(page, &c.field, c.after.as_deref()),
        })
        .collect()
}

/// The validity of a code as text: `from ~ to`, open ends left out, "always" when
/// neither is set.
pub(crate) fn validity(page: &Page, from: Option<time::Date>, to: Option<time::Date>) -> String {
    use crate::model::format_date;
    match (from, to) {
        (None, None) => page.text("codes-page-validity-always"),
        (from, to) => format!(
            "{} ~ {}",
            from.map(format_date).unwrap_or_default(),
            to.map(format_date).unwrap_or_default()
        )
        .trim()
        .to_owned(),
    }
}
