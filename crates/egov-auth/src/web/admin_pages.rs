//! The admin console's accounts and roles screens (feature `pages`),
//! server-rendered on the page kit in its `egov/admin.html` frame, for egov-web's
//! `AdminConsole` ([`admin_screens`]).
//!
//! | method, path | what |
//! |---|---|
//! | `GET /admin/accounts?q=&status=&page=` | search: part of the login id or name, status; 20 a page |
//! | `GET /admin/accounts/new`, `POST /admin/accounts` | create: login id, name, e-mail (optional), initial password, roles, temporary |
//! | `GET /admin/accounts/{id}` | detail (a personal-data `view` record) with the forms below |
//! | `POST /admin/accounts/{id}/status` | `status` = `locked`, `disabled` or `active` ([`Auth::set_status`]) |
//! | `POST /admin/accounts/{id}/unlock` | clear failed logins and locks ([`Auth::unlock`]) |
//! | `POST /admin/accounts/{id}/mfa-reset` | remove the authenticator ([`Auth::reset_mfa`]) |
//! | `POST /admin/accounts/{id}/roles` | replace the roles (`roles`, one field per checked box; [`Auth::set_roles`]) |
//! | `POST /admin/accounts/{id}/password` | a new password, temporary or not ([`Auth::issue_temporary_password`], [`Auth::reset_password`]) |
//! | `GET /admin/roles` | every role with its inclusions and permissions |
//! | `GET /admin/roles/new`, `POST /admin/roles` | create a role |
//! | `GET, POST /admin/roles/{name}/edit` | edit a role: description, included roles, permissions ([`Auth::put_role`]) |
//!
//! ## Permissions
//!
//! Both screens are behind [`ADMIN_POLICY`] (`auth:admin`), the permission of
//! egov-auth's admin API: whoever may assign roles to accounts can give any
//! account any role, so a separate permission for editing roles would separate
//! nothing. A screen is exactly as powerful as the API beside it.
//!
//! ## Changes and the audit trail
//!
//! Every change goes through the [`Auth`] method the admin API uses, which
//! records it in the same transaction (`create`, `auth_admin_change` with
//! reason `status`/`roles`/`role`, `account_unlock`, `mfa_disable` with reason
//! `admin_reset`, `password_change` with reason `admin_reset`). Forms post with
//! the session's CSRF token (the hidden `csrf_token` field), which egov-auth's
//! middleware checks before the handler runs. A change answers `303` to the page
//! that shows it, with a notice (`?done=`); a refused one shows the form again
//! (422) with the error summary and the error at its field.
//!
//! ## Personal data
//!
//! An account's name and e-mail address are personal data. The list shows the
//! name (what an administrator searches by) and the e-mail address masked
//! (`egov_privacy::mask::email`, as the audit trail masks addresses); the
//! detail shows it masked too (the JSON API serves it in full to those who
//! need it). Opening an account's detail is recorded as a personal-data access
//! before anything is shown ([`Auth::open_account`]: action `view`, the
//! account as data subject), like a service's own detail views of citizens'
//! data (개인정보 접속기록); a list is recorded as a request by egov-web's
//! audit layer, as every request is.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::RawQuery;
use egov_core::message::Message;
use egov_http::ApiRouter;
use egov_pages::minijinja::context;
use egov_pages::{AdminScreen, FormErrors, Page};
use serde::Serialize;

use super::password_page::password_rules;
use super::*;
use crate::rbac::{RoleGraph, valid_name};
use crate::{AccountFilter, AccountStatus};

/// egov-auth's page templates: the change-password page and the admin screens
/// (each extends the kit's `egov/layout.html` or `egov/admin.html`).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        super::password_page::TEMPLATE,
        include_str!("../../templates/auth/change_password.html"),
    ),
    (
        "auth/fields.html",
        include_str!("../../templates/auth/fields.html"),
    ),
    (
        "auth/accounts.html",
        include_str!("../../templates/auth/accounts.html"),
    ),
    (
        "auth/account.html",
        include_str!("../../templates/auth/account.html"),
    ),
    (
        "auth/account_new.html",
        include_str!("../../templates/auth/account_new.html"),
    ),
    (
        "auth/roles.html",
        include_str!("../../templates/auth/roles.html"),
    ),
    (
        "auth/role_form.html",
        include_str!("../../templates/auth/role_form.html"),
    ),
];

/// The accounts screen.
pub const ACCOUNTS_PATH: &str = "/admin/accounts";
/// The roles screen.
pub const ROLES_PATH: &str = "/admin/roles";
/// Accounts on one page of the list.
pub const PAGE_SIZE: u32 = 20;
/// The longest role description the screen accepts.
pub const MAX_ROLE_DESCRIPTION: usize = 200;
/// The most permissions one role may be granted through the screen.
pub const MAX_ROLE_PERMISSIONS: usize = 200;

/// One screen for egov-web's `AdminConsole::screen`: its menu entry, the
/// templates to register with the page kit, its routes (each under the
/// screen's policy).
pub type ScreenParts = (
    AdminScreen,
    &'static [(&'static str, &'static str)],
    ApiRouter,
);

/// The accounts and roles screens (see the [module docs](self)), for egov-web's
/// `Services::admin_console`:
///
/// ```ignore
/// for (screen, templates, routes) in egov_auth::web::admin_pages::admin_screens(auth) {
///     console = console.screen(screen, templates, routes);
/// }
/// ```
pub fn admin_screens(auth: Auth) -> Vec<ScreenParts> {
    vec![
        (
            AdminScreen {
                href: ACCOUNTS_PATH.into(),
                title: "auth-admin-accounts".into(),
                description: "auth-admin-accounts-description".into(),
                policy: ADMIN_POLICY,
            },
            TEMPLATES,
            account_routes(&auth),
        ),
        (
            AdminScreen {
                href: ROLES_PATH.into(),
                title: "auth-admin-roles".into(),
                description: "auth-admin-roles-description".into(),
                policy: ADMIN_POLICY,
            },
            TEMPLATES,
            role_routes(&auth),
        ),
    ]
}

fn account_routes(auth: &Auth) -> ApiRouter {
    use axum::routing::{get, post};
    let a = || auth.clone();
    ApiRouter::new()
        .route(
            ACCOUNTS_PATH,
            ADMIN_POLICY,
            get(list_accounts).post(create_account).with_state(a()),
        )
        .route(
            "/admin/accounts/new",
            ADMIN_POLICY,
            get(new_account).with_state(a()),
        )
        .route(
            "/admin/accounts/{id}",
            ADMIN_POLICY,
            get(show_account).with_state(a()),
        )
        .route(
            "/admin/accounts/{id}/status",
            ADMIN_POLICY,
            post(set_status).with_state(a()),
        )
        .route(
            "/admin/accounts/{id}/unlock",
            ADMIN_POLICY,
            post(unlock).with_state(a()),
        )
        .route(
            "/admin/accounts/{id}/mfa-reset",
            ADMIN_POLICY,
            post(reset_mfa).with_state(a()),
        )
        .route(
            "/admin/accounts/{id}/roles",
            ADMIN_POLICY,
            post(set_roles).with_state(a()),
        )
        .route(
            "/admin/accounts/{id}/password",
            ADMIN_POLICY,
            post(reset_password).with_state(a()),
        )
}

fn role_routes(auth: &Auth) -> ApiRouter {
    use axum::routing::get;
    let a = || auth.clone();
    ApiRouter::new()
        .route(
            ROLES_PATH,
            ADMIN_POLICY,
            get(list_roles).post(create_role).with_state(a()),
        )
        .route(
            "/admin/roles/new",
            ADMIN_POLICY,
            get(new_role).with_state(a()),
        )
        .route(
            "/admin/roles/{name}/edit",
            ADMIN_POLICY,
            get(edit_role).post(save_role).with_state(a()),
        )
}

// ----- shared -----------------------------------------------------------------

/// The name/value pairs of a query string or form body, in order.
fn pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// The first value of `name`, or empty.
fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Every value of `name` (a group of checkboxes), without empty ones.
fn values(pairs: &[(String, String)], name: &str) -> BTreeSet<String> {
    pairs
        .iter()
        .filter(|(n, v)| n == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

/// A form body's pairs. (egov-auth's middleware has read it already to check
/// the CSRF token, refusing more than [`CSRF_FORM_LIMIT`] with 413.)
fn form(body: &Bytes) -> Vec<(String, String)> {
    pairs(body)
}

/// A breadcrumb entry.
#[derive(Serialize)]
struct Crumb {
    href: String,
    label: String,
}

fn crumb(href: &str, label: String) -> Crumb {
    Crumb {
        href: href.to_owned(),
        label,
    }
}

/// The breadcrumb of a screen's page: the console, the screen, then `more`.
fn breadcrumb(page: &Page, screen: (&str, &str), more: Option<String>) -> Vec<Crumb> {
    let mut trail = vec![
        crumb(egov_pages::ADMIN_PATH, page.text("egov-page-admin")),
        crumb(screen.0, page.text(screen.1)),
    ];
    if let Some(label) = more {
        trail.push(crumb("", label));
    }
    trail
}

/// A value and label of a select or checkbox.
#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    hint: Option<String>,
    checked: bool,
}

fn status_label(page: &Page, status: AccountStatus) -> String {
    page.text(&format!("auth-admin-status-{}", status.as_str()))
}

/// The form errors of `found` (field, message), in the order of `fields`
/// (field, label key).
fn form_errors(page: &Page, fields: &[(&str, &str)], found: &[(&str, Message)]) -> FormErrors {
    let mut errors = FormErrors::new();
    for (field, label) in fields {
        if let Some((_, message)) = found.iter().find(|(f, _)| f == field) {
            errors.push(field, page.text(label), page.message(message));
        }
    }
    errors
}

/// `303` to `path` with `?done=` (the notice the page shows).
fn done(path: &str, what: &str) -> Response {
    see_other(&format!("{path}?done={what}"))
}

/// The notice for `?done=` of an account's page.
fn account_notice(page: &Page, query: &[(String, String)]) -> Option<String> {
    let key = match value(query, "done") {
        "created" => "auth-admin-done-created",
        "status" => "auth-admin-done-status",
        "unlocked" => "auth-admin-done-unlocked",
        "mfa" => "auth-admin-done-mfa",
        "roles" => "auth-admin-done-roles",
        "password" => "auth-admin-done-password",
        _ => return None,
    };
    Some(page.text(key))
}

/// An e-mail address as the screens accept it: one `@` between a local part
/// and a domain with a dot, no white space or control character, at most 254
/// characters (RFC 5321's path limit).
fn plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    address.chars().count() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

// ----- accounts: list -----------------------------------------------------------

/// An account as a row of the list.
#[derive(Serialize)]
struct AccountItem {
    id: String,
    login_id: String,
    display_name: String,
    email: Option<String>,
    status: String,
    roles: String,
    last_login_at: Option<String>,
}

fn account_item(page: &Page, account: &Account) -> AccountItem {
    AccountItem {
        id: account.id.to_string(),
        login_id: account.login_id.clone(),
        display_name: account.display_name.clone(),
        email: account.email.as_deref().map(egov_privacy::mask::email),
        status: status_label(page, account.status),
        roles: account.roles.iter().cloned().collect::<Vec<_>>().join(", "),
        last_login_at: account.last_login_at.clone(),
    }
}

async fn list_accounts(
    State(auth): State<Auth>,
    page: Page,
    RawQuery(query): RawQuery,
) -> Response {
    let query = pairs(query.unwrap_or_default().as_bytes());
    let text = value(&query, "q").trim().to_owned();
    let status = AccountStatus::from_name(value(&query, "status"));
    let number = value(&query, "page").parse::<u32>().unwrap_or(1).max(1);
    let Ok(request) = egov_core::paging::PageRequest::new(number, PAGE_SIZE) else {
        return error_response(Error::Invalid("/page", "page"));
    };
    let filter = AccountFilter {
        text: Some(text.clone()).filter(|t| !t.is_empty()),
        status,
    };
    let found = match auth.search_accounts(&filter, request).await {
        Ok(found) => found,
        Err(error) => return error_response(error),
    };
    let statuses: Vec<Choice> = AccountStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: status_label(&page, *s),
            hint: None,
            checked: false,
        })
        .collect();
    let href = format!(
        "{ACCOUNTS_PATH}?q={}&status={}&page=",
        egov_pages::encode_query(&text),
        status.map_or("", AccountStatus::as_str)
    );
    let searched = filter.text.is_some() || status.is_some();
    let title = page.text("auth-admin-accounts");
    let caption = page.message(
        &Message::new("auth-admin-accounts-caption")
            .arg("total", found.total_items)
            .arg("page", u64::from(found.page))
            .arg("pages", found.total_pages.max(1)),
    );
    let accounts: Vec<AccountItem> = found.items.iter().map(|a| account_item(&page, a)).collect();
    page.render(
        "auth/accounts.html",
        context! {
            title => title,
            breadcrumb => breadcrumb(&page, (ACCOUNTS_PATH, "auth-admin-accounts"), None),
            q => text,
            status => status.map_or("", AccountStatus::as_str),
            statuses => statuses,
            searched => searched,
            caption => caption,
            accounts => accounts,
            page_number => found.page,
            total_pages => found.total_pages,
            href => href,
        },
    )
}

// ----- accounts: create ---------------------------------------------------------

/// The create form's fields: (name, label key).
const NEW_ACCOUNT_FIELDS: [(&str, &str); 5] = [
    ("login_id", "auth-admin-login-id"),
    ("display_name", "auth-admin-display-name"),
    ("email", "auth-admin-email"),
    ("password", "auth-admin-initial-password"),
    ("roles", "auth-admin-roles-legend"),
];

/// The role checkboxes: every role (its description as the hint), checked when
/// in `chosen`; chosen names that are no role are listed too, so nothing
/// assigned disappears silently.
fn role_choices(roles: &[Role], chosen: &BTreeSet<String>, except: Option<&str>) -> Vec<Choice> {
    let mut choices: Vec<Choice> = roles
        .iter()
        .filter(|r| Some(r.name.as_str()) != except)
        .map(|r| Choice {
            value: r.name.clone(),
            label: r.name.clone(),
            hint: Some(r.description.clone()).filter(|d| !d.trim().is_empty()),
            checked: chosen.contains(&r.name),
        })
        .collect();
    for name in chosen {
        if !roles.iter().any(|r| &r.name == name) && Some(name.as_str()) != except {
            choices.push(Choice {
                value: name.clone(),
                label: name.clone(),
                hint: None,
                checked: true,
            });
        }
    }
    choices
}

/// What the create form shows again.
#[derive(Default)]
struct NewAccountForm {
    login_id: String,
    display_name: String,
    email: String,
    roles: BTreeSet<String>,
    temporary: bool,
}

async fn render_new_account(
    auth: &Auth,
    page: Page,
    form: &NewAccountForm,
    errors: &FormErrors,
) -> Response {
    let roles = match auth.roles().await {
        Ok(roles) => roles,
        Err(error) => return error_response(error),
    };
    let title = page.text("auth-admin-account-create");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = page.at("/admin/accounts/new");
    page.render_status(
        status,
        "auth/account_new.html",
        context! {
            title => title,
            breadcrumb => breadcrumb(&page, (ACCOUNTS_PATH, "auth-admin-accounts"), Some(title.clone())),
            action => ACCOUNTS_PATH,
            login_id => form.login_id,
            display_name => form.display_name,
            email => form.email,
            roles => role_choices(&roles, &form.roles, None),
            temporary => form.temporary,
            password_hint => page.message(&password_rules(false)),
            errors => errors.list(),
            field_errors => errors.by_field(),
        },
    )
}

async fn new_account(State(auth): State<Auth>, page: Page) -> Response {
    let form = NewAccountForm {
        temporary: true,
        ..NewAccountForm::default()
    };
    render_new_account(&auth, page, &form, &FormErrors::new()).await
}

async fn create_account(State(auth): State<Auth>, page: Page, body: Bytes) -> Response {
    let posted = form(&body);
    let form = NewAccountForm {
        login_id: value(&posted, "login_id").trim().to_owned(),
        display_name: value(&posted, "display_name").trim().to_owned(),
        email: value(&posted, "email").trim().to_owned(),
        roles: values(&posted, "roles"),
        temporary: value(&posted, "temporary") == "1",
    };
    let mut found: Vec<(&str, Message)> = Vec::new();
    if !form.email.is_empty() && !plausible_email(&form.email) {
        found.push(("email", Message::new("auth-admin-email-invalid")));
    }
    if found.is_empty() {
        let new = NewAccount {
            login_id: form.login_id.clone(),
            display_name: form.display_name.clone(),
            email: Some(form.email.clone()).filter(|e| !e.is_empty()),
            password: value(&posted, "password").to_owned(),
            roles: form.roles.clone(),
        };
        let created = if form.temporary {
            auth.create_account_requiring_change(page.actor(), new)
                .await
        } else {
            auth.create_account(page.actor(), new).await
        };
        match created {
            Ok(account) => return done(&format!("{ACCOUNTS_PATH}/{}", account.id), "created"),
            Err(error) => match account_error(error) {
                Ok(field_error) => found.push(field_error),
                Err(error) => return error_response(error),
            },
        }
    }
    let errors = form_errors(&page, &NEW_ACCOUNT_FIELDS, &found);
    render_new_account(&auth, page, &form, &errors).await
}

/// The field and message of a refused account change, or the error no field
/// explains.
fn account_error(error: Error) -> Result<(&'static str, Message), Error> {
    match error {
        Error::Invalid("/login_id", _) => {
            Ok(("login_id", Message::new("auth-admin-login-id-invalid")))
        }
        Error::Invalid("/display_name", _) => Ok((
            "display_name",
            Message::new("auth-admin-display-name-invalid"),
        )),
        Error::Invalid("/roles", _) => Ok(("roles", Message::new("auth-admin-role-name-invalid"))),
        Error::Conflict("login-id-taken") => {
            Ok(("login_id", Message::new("auth-admin-login-id-taken")))
        }
        Error::PasswordRejected(rejection) => Ok(("password", rejection.message())),
        error => Err(error),
    }
}

// ----- accounts: detail and changes -----------------------------------------------

/// The detail page's forms with fields: (name, label key).
const ACCOUNT_FIELDS: [(&str, &str); 2] = [
    ("roles", "auth-admin-roles-assigned"),
    ("new_password", "auth-admin-new-password"),
];

/// A button of the status form: the status it sets, its label.
#[derive(Serialize)]
struct StatusAction {
    status: &'static str,
    label: String,
}

async fn render_account(
    auth: &Auth,
    page: Page,
    id: AccountId,
    notice: Option<String>,
    chosen_roles: Option<BTreeSet<String>>,
    errors: &FormErrors,
) -> Response {
    // The access is recorded before anything is read for display.
    let account = match auth.open_account(page.actor(), id).await {
        Ok(account) => account,
        Err(error) => return error_response(error),
    };
    let roles = match auth.roles().await {
        Ok(roles) => roles,
        Err(error) => return error_response(error),
    };
    let status_actions: Vec<StatusAction> = match account.status {
        AccountStatus::Active => vec![
            StatusAction {
                status: "locked",
                label: page.text("auth-admin-lock"),
            },
            StatusAction {
                status: "disabled",
                label: page.text("auth-admin-disable"),
            },
        ],
        AccountStatus::Locked => vec![StatusAction {
            status: "disabled",
            label: page.text("auth-admin-disable"),
        }],
        AccountStatus::Disabled => vec![StatusAction {
            status: "active",
            label: page.text("auth-admin-enable"),
        }],
    };
    let unlockable = account.status == AccountStatus::Locked
        || (account.status == AccountStatus::Active
            && (account.failed_count > 0 || account.locked_until.is_some()));
    let chosen = chosen_roles.unwrap_or_else(|| account.roles.clone());
    let path = format!("{ACCOUNTS_PATH}/{}", account.id);
    let title = page.message(
        &Message::new("auth-admin-account-title").arg("login_id", account.login_id.as_str()),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = page.at(path.clone());
    page.render_status(
        status,
        "auth/account.html",
        context! {
            title => title,
            breadcrumb => breadcrumb(&page, (ACCOUNTS_PATH, "auth-admin-accounts"), Some(account.login_id.clone())),
            notice => notice,
            path => path,
            account => context! {
                login_id => account.login_id,
                display_name => account.display_name,
                email => account.email.as_deref().map(egov_privacy::mask::email),
                status => status_label(&page, account.status),
                failed_count => account.failed_count,
                locked_until => account.locked_until,
                last_login_at => account.last_login_at,
                password_changed_at => account.password_changed_at,
                mfa_enabled => account.mfa_enabled,
                must_change => account.password_change_required || account.password_temporary,
            },
            status_actions => status_actions,
            unlockable => unlockable,
            roles => role_choices(&roles, &chosen, None),
            password_hint => page.message(&password_rules(account.mfa_enabled)),
            errors => errors.list(),
            field_errors => errors.by_field(),
        },
    )
}

async fn show_account(
    State(auth): State<Auth>,
    page: Page,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let id = match account_id(&id) {
        Ok(id) => id,
        Err(error) => return error_response(error),
    };
    let query = pairs(query.unwrap_or_default().as_bytes());
    let notice = account_notice(&page, &query);
    render_account(&auth, page, id, notice, None, &FormErrors::new()).await
}

async fn set_status(
    State(auth): State<Auth>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let id = match account_id(&id) {
        Ok(id) => id,
        Err(error) => return error_response(error),
    };
    let posted = form(&body);
    let Some(status) = AccountStatus::from_name(value(&posted, "status")) else {
        return error_response(Error::Invalid("/status", "status"));
    };
    match auth.set_status(page.actor(), id, status).await {
        Ok(account) => done(&format!("{ACCOUNTS_PATH}/{}", account.id), "status"),
        Err(error) => error_response(error),
    }
}

async fn unlock(State(auth): State<Auth>, page: Page, Path(id): Path<String>) -> Response {
    let id = match account_id(&id) {
        Ok(id) => id,
        Err(error) => return error_response(error),
    };
    match auth.unlock(page.actor(), id).await {
        Ok(account) => done(&format!("{ACCOUNTS_PATH}/{}", account.id), "unlocked"),
        Err(error) => error_response(error),
    }
}

async fn reset_mfa(State(auth): State<Auth>, page: Page, Path(id): Path<String>) -> Response {
    let id = match account_id(&id) {
        Ok(id) => id,
        Err(error) => return error_response(error),
    };
    match auth.reset_mfa(page.actor(), id).await {
        Ok(account) => done(&format!("{ACCOUNTS_PATH}/{}", account.id), "mfa"),
        Err(error) => error_response(error),
    }
}

async fn set_roles(
    State(auth): State<Auth>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let id = match account_id(&id) {
        Ok(id) => id,
        Err(error) => return error_response(error),
    };
    let posted = form(&body);
    let roles = values(&posted, "roles");
    match auth.set_roles(page.actor(), id, roles.clone()).await {
        Ok(account) => done(&format!("{ACCOUNTS_PATH}/{}", account.id), "roles"),
        Err(Error::Invalid("/roles", _)) => {
            let found = [("roles", Message::new("auth-admin-role-name-invalid"))];
            let errors = form_errors(&page, &ACCOUNT_FIELDS, &found);
            render_account(&auth, page, id, None, Some(roles), &errors).await
        }
        Err(error) => error_response(error),
    }
}

async fn reset_password(
    State(auth): State<Auth>,
    page: Page,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let id = match account_id(&id) {
        Ok(id) => id,
        Err(error) => return error_response(error),
    };
    let posted = form(&body);
    let password = value(&posted, "new_password");
    let reset = if value(&posted, "temporary") == "1" {
        auth.issue_temporary_password(page.actor(), id, password)
            .await
    } else {
        auth.reset_password(page.actor(), id, password).await
    };
    match reset {
        Ok(()) => done(&format!("{ACCOUNTS_PATH}/{id}"), "password"),
        Err(Error::PasswordRejected(rejection)) => {
            let found = [("new_password", rejection.message())];
            let errors = form_errors(&page, &ACCOUNT_FIELDS, &found);
            render_account(&auth, page, id, None, None, &errors).await
        }
        Err(error) => error_response(error),
    }
}

// ----- roles ----------------------------------------------------------------------

/// A role as a row of the list.
#[derive(Serialize)]
struct RoleItem {
    name: String,
    description: String,
    includes: Vec<String>,
    permissions: Vec<String>,
}

async fn list_roles(State(auth): State<Auth>, page: Page, RawQuery(query): RawQuery) -> Response {
    let roles = match auth.roles().await {
        Ok(roles) => roles,
        Err(error) => return error_response(error),
    };
    let query = pairs(query.unwrap_or_default().as_bytes());
    let saved = value(&query, "saved");
    let notice = (!saved.is_empty() && roles.iter().any(|r| r.name == saved))
        .then(|| page.message(&Message::new("auth-admin-done-role").arg("name", saved)));
    let items: Vec<RoleItem> = roles
        .iter()
        .map(|r| RoleItem {
            name: r.name.clone(),
            description: r.description.clone(),
            includes: r.includes.iter().cloned().collect(),
            permissions: r.permissions.iter().cloned().collect(),
        })
        .collect();
    let title = page.text("auth-admin-roles");
    let caption = page.message(&Message::new("auth-admin-roles-caption").arg("count", items.len()));
    page.render(
        "auth/roles.html",
        context! {
            title => title,
            breadcrumb => breadcrumb(&page, (ROLES_PATH, "auth-admin-roles"), None),
            notice => notice,
            caption => caption,
            roles => items,
        },
    )
}

/// The role form's fields: (name, label key).
const ROLE_FIELDS: [(&str, &str); 4] = [
    ("name", "auth-admin-role-name"),
    ("description", "auth-admin-role-description"),
    ("includes", "auth-admin-role-includes"),
    ("permissions", "auth-admin-role-permissions"),
];

/// What the role form shows.
struct RoleForm {
    /// `None` when creating.
    editing: Option<String>,
    name: String,
    description: String,
    includes: BTreeSet<String>,
    permissions: String,
}

async fn render_role(auth: &Auth, page: Page, form: &RoleForm, errors: &FormErrors) -> Response {
    let roles = match auth.roles().await {
        Ok(roles) => roles,
        Err(error) => return error_response(error),
    };
    let in_use: BTreeSet<&str> = roles
        .iter()
        .flat_map(|r| r.permissions.iter().map(String::as_str))
        .collect();
    let (title, action) = match &form.editing {
        Some(name) => (
            page.message(&Message::new("auth-admin-role-edit").arg("name", name.as_str())),
            format!("{ROLES_PATH}/{name}/edit"),
        ),
        None => (page.text("auth-admin-role-create"), ROLES_PATH.to_owned()),
    };
    let here = match &form.editing {
        Some(_) => action.clone(),
        None => "/admin/roles/new".to_owned(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = page.at(here);
    let except = form.editing.as_deref().or(Some(form.name.as_str()));
    page.render_status(
        status,
        "auth/role_form.html",
        context! {
            title => title,
            breadcrumb => breadcrumb(&page, (ROLES_PATH, "auth-admin-roles"), Some(title.clone())),
            action => action,
            editing => form.editing.is_some(),
            name => form.name,
            description => form.description,
            includes => role_choices(&roles, &form.includes, except),
            permissions => form.permissions,
            permissions_in_use => in_use.into_iter().collect::<Vec<_>>().join(", "),
            errors => errors.list(),
            field_errors => errors.by_field(),
        },
    )
}

async fn new_role(State(auth): State<Auth>, page: Page) -> Response {
    let form = RoleForm {
        editing: None,
        name: String::new(),
        description: String::new(),
        includes: BTreeSet::new(),
        permissions: String::new(),
    };
    render_role(&auth, page, &form, &FormErrors::new()).await
}

async fn edit_role(State(auth): State<Auth>, page: Page, Path(name): Path<String>) -> Response {
    let roles = match auth.roles().await {
        Ok(roles) => roles,
        Err(error) => return error_response(error),
    };
    let Some(role) = roles.into_iter().find(|r| r.name == name) else {
        return error_response(Error::NotFound);
    };
    let form = RoleForm {
        editing: Some(role.name.clone()),
        name: role.name,
        description: role.description,
        includes: role.includes,
        permissions: role.permissions.into_iter().collect::<Vec<_>>().join("\n"),
    };
    render_role(&auth, page, &form, &FormErrors::new()).await
}

async fn create_role(State(auth): State<Auth>, page: Page, body: Bytes) -> Response {
    submit_role(auth, page, None, body).await
}

async fn save_role(
    State(auth): State<Auth>,
    page: Page,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    submit_role(auth, page, Some(name), body).await
}

/// The permission names of the text field: one a line (or separated by
/// commas), white space around them ignored. White space inside one is kept,
/// so `petitions review` is refused rather than read as two permissions.
fn permission_names(text: &str) -> Vec<&str> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// Checks a role as posted against the roles there are; the role to store, or
/// the errors by field.
fn check_role(form: &RoleForm, roles: &[Role]) -> Result<Role, Vec<(&'static str, Message)>> {
    let mut found: Vec<(&'static str, Message)> = Vec::new();
    let name = form.name.trim();
    if form.editing.is_none() {
        if !valid_name(name) {
            found.push(("name", Message::new("auth-admin-role-name-invalid")));
        } else if roles.iter().any(|r| r.name == name) {
            found.push(("name", Message::new("auth-admin-role-exists")));
        }
    }
    let description = form.description.trim();
    if description.chars().count() > MAX_ROLE_DESCRIPTION
        || egov_core::text::first_refused_control(description).is_some()
    {
        found.push((
            "description",
            Message::new("auth-admin-role-description-too-long").arg("max", MAX_ROLE_DESCRIPTION),
        ));
    }
    if form
        .includes
        .iter()
        .any(|i| i == name || !roles.iter().any(|r| &r.name == i))
    {
        found.push(("includes", Message::new("auth-admin-role-includes-unknown")));
    } else {
        // Would including a role make it include this one back (a cycle:
        // both would hold each other's permissions)?
        let others = roles.iter().filter(|r| r.name != name).cloned();
        let graph = RoleGraph::new(others);
        let cycle = form
            .includes
            .iter()
            .find(|i| graph.expand([i.as_str()]).0.contains(name));
        if let Some(role) = cycle {
            found.push((
                "includes",
                Message::new("auth-admin-role-includes-cycle").arg("role", role.as_str()),
            ));
        }
    }
    let permissions = permission_names(&form.permissions);
    let invalid: Vec<&str> = permissions
        .iter()
        .copied()
        .filter(|p| !valid_name(p))
        .collect();
    if !invalid.is_empty() {
        let shown: Vec<String> = invalid.iter().take(5).map(|p| format!("“{p}”")).collect();
        found.push((
            "permissions",
            Message::new("auth-admin-permissions-invalid").arg("names", shown.join(", ")),
        ));
    } else if permissions.len() > MAX_ROLE_PERMISSIONS {
        found.push((
            "permissions",
            Message::new("auth-admin-permissions-too-many").arg("max", MAX_ROLE_PERMISSIONS),
        ));
    }
    if !found.is_empty() {
        return Err(found);
    }
    Ok(Role {
        name: name.to_owned(),
        description: description.to_owned(),
        includes: form.includes.clone(),
        permissions: permissions.into_iter().map(str::to_owned).collect(),
    })
}

async fn submit_role(auth: Auth, page: Page, editing: Option<String>, body: Bytes) -> Response {
    let posted = form(&body);
    let roles = match auth.roles().await {
        Ok(roles) => roles,
        Err(error) => return error_response(error),
    };
    if let Some(name) = &editing
        && !roles.iter().any(|r| &r.name == name)
    {
        return error_response(Error::NotFound);
    }
    let form = RoleForm {
        name: editing
            .clone()
            .unwrap_or_else(|| value(&posted, "name").trim().to_owned()),
        editing,
        description: value(&posted, "description").to_owned(),
        includes: values(&posted, "includes"),
        permissions: value(&posted, "permissions").to_owned(),
    };
    let found = match check_role(&form, &roles) {
        Ok(role) => {
            let name = role.name.clone();
            match auth.put_role(page.actor(), role).await {
                Ok(()) => {
                    return see_other(&format!(
                        "{ROLES_PATH}?saved={}",
                        egov_pages::encode_query(&name)
                    ));
                }
                Err(Error::Invalid(..)) => {
                    vec![("name", Message::new("auth-admin-role-name-invalid"))]
                }
                Err(error) => return error_response(error),
            }
        }
        Err(found) => found,
    };
    let errors = form_errors(&page, &ROLE_FIELDS, &found);
    render_role(&auth, page, &form, &errors).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, includes: &[&str]) -> Role {
        Role {
            name: name.into(),
            description: String::new(),
            includes: includes.iter().map(|s| s.to_string()).collect(),
            permissions: BTreeSet::new(),
        }
    }

    fn form(editing: Option<&str>, name: &str, includes: &[&str], permissions: &str) -> RoleForm {
        RoleForm {
            editing: editing.map(str::to_owned),
            name: name.into(),
            description: String::new(),
            includes: includes.iter().map(|s| s.to_string()).collect(),
            permissions: permissions.into(),
        }
    }

    fn fields(result: Result<Role, Vec<(&'static str, Message)>>) -> Vec<(&'static str, String)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, m)| (f, m.key().to_owned()))
            .collect()
    }

    #[test]
    fn a_role_is_checked_field_by_field() {
        let roles = [role("ROLE_ADMIN", &["ROLE_USER"]), role("ROLE_USER", &[])];
        let ok = check_role(
            &form(
                None,
                "ROLE_STAFF",
                &["ROLE_USER"],
                "codes:write\r\n\n petitions:review , audit:read",
            ),
            &roles,
        )
        .unwrap();
        assert_eq!(
            ok.permissions,
            ["audit:read", "codes:write", "petitions:review"]
                .map(String::from)
                .into()
        );
        assert_eq!(
            fields(check_role(&form(None, "ROLE USER", &[], ""), &roles)),
            [("name", "auth-admin-role-name-invalid".to_owned())]
        );
        assert_eq!(
            fields(check_role(&form(None, "ROLE_USER", &[], ""), &roles)),
            [("name", "auth-admin-role-exists".to_owned())]
        );
        assert_eq!(
            fields(check_role(
                &form(None, "ROLE_X", &["ROLE_NONE"], "codes read"),
                &roles
            )),
            [
                ("includes", "auth-admin-role-includes-unknown".to_owned()),
                ("permissions", "auth-admin-permissions-invalid".to_owned())
            ]
        );
        // ROLE_USER including ROLE_ADMIN, which includes ROLE_USER: a cycle.
        assert_eq!(
            fields(check_role(
                &form(Some("ROLE_USER"), "ROLE_USER", &["ROLE_ADMIN"], ""),
                &roles
            )),
            [("includes", "auth-admin-role-includes-cycle".to_owned())]
        );
        // Including itself.
        assert_eq!(
            fields(check_role(
                &form(Some("ROLE_USER"), "ROLE_USER", &["ROLE_USER"], ""),
                &roles
            )),
            [("includes", "auth-admin-role-includes-unknown".to_owned())]
        );
    }

    #[test]
    fn e_mail_addresses_are_checked_for_their_shape_only() {
        for good in ["hong@example.go.kr", "a.b+c@mail.example.com"] {
            assert!(plausible_email(good), "{good}");
        }
        for bad in [
            "hong",
            "@example.com",
            "hong@",
            "hong@example",
            "a b@example.com",
            "a@b@c.kr",
            "a@.kr",
            "a@kr.",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn checked_roles_that_are_no_role_stay_listed() {
        let roles = [role("ROLE_USER", &[])];
        let chosen: BTreeSet<String> = ["ROLE_GONE".to_owned(), "ROLE_USER".to_owned()].into();
        let choices = role_choices(&roles, &chosen, None);
        let shown: Vec<(&str, bool)> = choices
            .iter()
            .map(|c| (c.value.as_str(), c.checked))
            .collect();
        assert_eq!(shown, [("ROLE_USER", true), ("ROLE_GONE", true)]);
        assert!(
            role_choices(&roles, &chosen, Some("ROLE_USER"))
                .iter()
                .all(|c| c.value != "ROLE_USER")
        );
    }
}
