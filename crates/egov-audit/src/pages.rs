//! The audit trail's screens in the admin console (feature `pages`),
//! server-rendered on the page kit (`egov/admin.html`), in Korean and English,
//! every route behind [`ADMIN_POLICY`] (`audit:read`), as the JSON admin API:
//!
//! | method, path | what |
//! |---|---|
//! | `GET /admin/audit?actor=&subject=&action=&outcome=&from=&to=&page=&size=` | the search form and one page of the matching events, newest first ([`SEARCH_PATH`]) |
//! | `GET /admin/audit/events/{seq}` | one event: every field, its detail JSON, its chain position, hashes and whether a signed checkpoint covers it |
//! | `GET /admin/audit/verify` | the chain's state: head, last signed checkpoint, the last verification this process ran ([`VERIFY_PATH`]) |
//! | `POST /admin/audit/verify` | runs [`verify()`](crate::verify()) now and shows the result (recorded as action `audit_verify`) |
//! | `POST /admin/audit/export` | the matching events as a JSON Lines download, with a mandatory reason, recorded as an `export` event ([`EXPORT_PATH`]) |
//! | `GET /admin/audit/review?month=YYYY-MM` | the monthly review report in the layout ([`REVIEW_PATH`]) |
//!
//! The JSON API's `GET /admin/audit/events` and `GET /admin/audit/report`
//! (without `format`) send a browser (`Accept: text/html`) here with a `303`
//! when the App serves these screens, so that a browser never sees raw JSON
//! ([`crate::admin`]).
//!
//! - **Search.** The form reads the API's parameters; `from`/`to` also take
//!   the `datetime-local` form (`2026-11-01T09:00`), read in the agency's time
//!   zone (`[pages] utc_offset_hours`), and `actor` takes a login ID, which
//!   [`AccountNames`] turns into the account ID the trail records. A bad value
//!   is a `422` page with the field's error.
//! - **Names.** egov-audit records account IDs and cannot depend on the crate
//!   that keeps accounts (egov-auth), so the App passes an [`AccountNames`]:
//!   how to name an account ID and how to find the account ID of a login ID.
//!   egov-web's `Services::admin_console` passes one built on egov-auth's
//!   account lookups; [`AccountNames::none`] shows IDs. Each page resolves each
//!   distinct account once.
//! - **Verification is bounded**: one at a time per process (a second request
//!   while one runs gets `409` and a notice) and at most [`VERIFY_TIMEOUT`]
//!   (a chain of 320,000 events takes under a second, see
//!   `docs/benchmarks.md`); past that the page says so and points to
//!   `egov audit verify`, which has no limit. The result is kept in memory
//!   for the status page and recorded in the trail (action `audit_verify`,
//!   detail: events checked, damage), so earlier runs can be searched.
//! - **Export** needs a reason (개인정보의 안전성 확보조치 기준 §8②); without
//!   one the search page comes back with `422` and the field's error. At most
//!   [`EXPORT_LIMIT`] events per file (a larger match is a `422` asking for a
//!   narrower time range). The file is sent only after its `export` event
//!   (reason, filter, count, the exported events' data subjects) is committed.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use egov_core::message::Message;
use egov_core::paging::{DEFAULT_PAGE_SIZE, PageRequest};
use egov_core::problem::{Problem, ProblemType};
use egov_http::query::StrictQuery;
use egov_http::{ApiError, ApiRouter};
use egov_pages::minijinja::{Value, context};
use egov_pages::{AdminScreen, FormErrors, Page};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::admin::ADMIN_POLICY;
use crate::chain::{StoredEvent, to_hex};
use crate::report::{
    Account, ChainStatus, DOWNLOAD_LIMIT, EventFilter, MonthlyReport, ReviewCriteria, chain_status,
    count_events, events_matching, find_event, find_events,
};
use crate::verify::DamageKind;
use crate::{
    Action, AuditError, AuditEvent, AuditLog, AuditSettings, Detail, Outcome, Reason, SubjectId,
    Target,
};

/// The search screen: the console's entry for the audit trail.
pub const SEARCH_PATH: &str = "/admin/audit";
/// One event: `/admin/audit/events/{seq}`.
pub const EVENT_PATH: &str = "/admin/audit/events/{seq}";
/// The chain's state and the "verify now" button.
pub const VERIFY_PATH: &str = "/admin/audit/verify";
/// Where the export form posts.
pub const EXPORT_PATH: &str = "/admin/audit/export";
/// The monthly review report in the layout.
pub const REVIEW_PATH: &str = "/admin/audit/review";

/// Most events one export file holds.
pub const EXPORT_LIMIT: u64 = 10_000;
/// How long "verify now" may run before the page gives up on it.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(60);

/// The action a verification run from the screen is recorded as.
pub const VERIFY_ACTION: Action = Action::new("audit_verify");

/// The screens' templates (registered with the page kit by the console).
pub static TEMPLATES: &[(&str, &str)] = &[
    (
        "audit/search.html",
        include_str!("../templates/audit/search.html"),
    ),
    (
        "audit/event.html",
        include_str!("../templates/audit/event.html"),
    ),
    (
        "audit/verify.html",
        include_str!("../templates/audit/verify.html"),
    ),
    (
        "audit/review.html",
        include_str!("../templates/audit/review.html"),
    ),
];

/// The name of the search template: the JSON API checks that the kit holds it
/// before sending a browser to these screens.
pub(crate) const SEARCH_TEMPLATE: &str = "audit/search.html";

// ---------------------------------------------------------------------------
// Account names
// ---------------------------------------------------------------------------

/// The answer of an [`AccountNames`] lookup.
pub type Lookup = Pin<Box<dyn Future<Output = Option<String>> + Send>>;

type LookupFn = Arc<dyn Fn(String) -> Lookup + Send + Sync>;

/// How the screens name the accounts the trail records by ID, and find the
/// account ID of a login ID typed into the search: given by the App (egov-audit
/// cannot depend on the crate that keeps accounts). Both lookups are optional;
/// without them the screens show and search IDs.
///
/// ```
/// use egov_audit::pages::AccountNames;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let names = AccountNames::new(|id: String| async move {
///     (id == "0190f0a0-0000-7000-8000-000000000001").then(|| "홍길동 (hong)".to_owned())
/// })
/// .with_login_ids(|login_id: String| async move {
///     (login_id == "hong").then(|| "0190f0a0-0000-7000-8000-000000000001".to_owned())
/// });
/// assert_eq!(names.account_id("hong").await.as_deref(), Some("0190f0a0-0000-7000-8000-000000000001"));
/// assert_eq!(names.name("0190f0a0-0000-7000-8000-000000000001").await.as_deref(), Some("홍길동 (hong)"));
/// assert_eq!(AccountNames::none().name("x").await, None);
/// # });
/// ```
#[derive(Clone, Default)]
pub struct AccountNames {
    name_of: Option<LookupFn>,
    account_of: Option<LookupFn>,
}

impl std::fmt::Debug for AccountNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountNames")
            .field("names", &self.name_of.is_some())
            .field("login_ids", &self.account_of.is_some())
            .finish()
    }
}

impl AccountNames {
    /// No lookups: IDs are shown as they are recorded.
    pub fn none() -> Self {
        Self::default()
    }

    /// Names an account ID (the UUID the trail records) with `name_of`, e.g.
    /// its display name and login ID; `None` for an unknown account.
    pub fn new<F, Fut>(name_of: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<String>> + Send + 'static,
    {
        Self {
            name_of: Some(Arc::new(move |id| Box::pin(name_of(id)))),
            account_of: None,
        }
    }

    /// Also finds the account ID of a login ID typed into the search's actor
    /// field with `account_of`; `None` when there is no such login ID (the
    /// text is then searched as an account ID or a system name).
    #[must_use]
    pub fn with_login_ids<F, Fut>(mut self, account_of: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<String>> + Send + 'static,
    {
        self.account_of = Some(Arc::new(move |login| Box::pin(account_of(login))));
        self
    }

    /// The name of account `account_id`, if known.
    pub async fn name(&self, account_id: &str) -> Option<String> {
        match &self.name_of {
            Some(lookup) => lookup(account_id.to_owned()).await,
            None => None,
        }
    }

    /// The account ID of login ID `login_id`, if there is one.
    pub async fn account_id(&self, login_id: &str) -> Option<String> {
        match &self.account_of {
            Some(lookup) => lookup(login_id.to_owned()).await,
            None => None,
        }
    }

    /// The names of `ids`, each looked up once.
    async fn names(&self, ids: BTreeSet<String>) -> HashMap<String, String> {
        let mut names = HashMap::new();
        if self.name_of.is_none() {
            return names;
        }
        for id in ids {
            if let Some(name) = self.name(&id).await {
                names.insert(id, name);
            }
        }
        names
    }
}

// ---------------------------------------------------------------------------
// The screen
// ---------------------------------------------------------------------------

struct Screen {
    log: AuditLog,
    criteria: ReviewCriteria,
    names: AccountNames,
    verifying: tokio::sync::Semaphore,
    last: Mutex<Option<Verification>>,
}

type Shared = Arc<Screen>;

/// The audit trail's admin screen for egov-web's admin console: its menu entry
/// (`/admin/audit`, title `audit-page-title`, policy [`ADMIN_POLICY`]), its
/// templates ([`TEMPLATES`]) and its routes, on the chain `log` appends to, with
/// the review criteria of `settings` and `names` to name accounts.
///
/// ```no_run
/// # fn console(log: &egov_audit::AuditLog, settings: &egov_audit::AuditSettings) {
/// let (screen, templates, routes) =
///     egov_audit::pages::admin_screen(log, settings, egov_audit::pages::AccountNames::none());
/// // egov_web::admin::AdminConsole::new().screen(screen, templates, routes)
/// # }
/// ```
pub fn admin_screen(
    log: &AuditLog,
    settings: &AuditSettings,
    names: AccountNames,
) -> (
    AdminScreen,
    &'static [(&'static str, &'static str)],
    ApiRouter,
) {
    let state: Shared = Arc::new(Screen {
        log: log.clone(),
        criteria: ReviewCriteria::from(settings),
        names,
        verifying: tokio::sync::Semaphore::new(1),
        last: Mutex::new(None),
    });
    let routes = ApiRouter::new()
        .route(SEARCH_PATH, ADMIN_POLICY, get(search))
        .route(EVENT_PATH, ADMIN_POLICY, get(event))
        .route(
            VERIFY_PATH,
            ADMIN_POLICY,
            get(verify_status).post(verify_now),
        )
        .route(EXPORT_PATH, ADMIN_POLICY, post(export))
        .route(REVIEW_PATH, ADMIN_POLICY, get(review))
        .with_state(state);
    let screen = AdminScreen {
        href: SEARCH_PATH.to_owned(),
        title: "audit-page-title".to_owned(),
        description: "audit-page-description".to_owned(),
        policy: ADMIN_POLICY,
    };
    (screen, TEMPLATES, routes)
}

/// A failure reading the trail: 503 (unreachable) or 500, as a page for a browser.
fn failed(error: AuditError) -> Response {
    tracing::error!(%error, "audit screen: reading the trail failed");
    ApiError(Problem::from(error)).into_response()
}

/// The agency's time zone (the page kit's, in which `local_time` shows times).
fn zone(page: &Page) -> UtcOffset {
    page.pages().settings().offset()
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn breadcrumb(page: &Page, here: Option<(&str, String)>) -> Vec<Value> {
    let mut crumbs = vec![
        context! { href => egov_pages::ADMIN_PATH, label => page.text("egov-page-admin") },
        context! { href => SEARCH_PATH, label => page.text("audit-page-title") },
    ];
    if let Some((href, label)) = here {
        crumbs.push(context! { href => href, label => label });
    }
    crumbs
}

/// The label of a standard action (`열람`), else its name.
fn action_label(page: &Page, action: &str) -> String {
    const NAMED: &[&str] = &[
        "login",
        "login_failed",
        "logout",
        "view",
        "create",
        "update",
        "delete",
        "print",
        "download",
        "export",
        "permission_denied",
        "config_change",
        "request",
        "audit_verify",
    ];
    if NAMED.contains(&action) {
        page.text(&format!("audit-page-action-{action}"))
    } else {
        action.to_owned()
    }
}

fn outcome_label(page: &Page, outcome: &str) -> String {
    match outcome {
        "success" | "failure" | "denied" => page.text(&format!("audit-page-outcome-{outcome}")),
        other => other.to_owned(),
    }
}

/// Who acted, for people: the account's name when known, else its ID; a
/// system by name; anonymous callers as such.
fn who(page: &Page, names: &HashMap<String, String>, kind: &str, id: Option<&str>) -> String {
    match (kind, id) {
        ("account", Some(id)) => names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
        ("system", Some(name)) => {
            page.message(&Message::new("audit-page-system").arg("name", name))
        }
        (_, Some(id)) => id.to_owned(),
        (_, None) => page.text("audit-page-anonymous"),
    }
}

fn account_ids<'a>(
    accounts: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> BTreeSet<String> {
    accounts
        .into_iter()
        .filter(|(kind, _)| *kind == "account")
        .filter_map(|(_, id)| id.map(str::to_owned))
        .collect()
}

fn target_text(kind: Option<&str>, id: Option<&str>) -> String {
    match (kind, id) {
        (Some(kind), Some(id)) => format!("{kind} {id}"),
        (Some(kind), None) => kind.to_owned(),
        (None, Some(id)) => id.to_owned(),
        (None, None) => String::new(),
    }
}

/// The target for a list: an account by its name when known.
fn target_named(names: &HashMap<String, String>, kind: Option<&str>, id: Option<&str>) -> String {
    match (kind, id) {
        (Some("account"), Some(id)) if names.contains_key(id) => format!("account {}", names[id]),
        _ => target_text(kind, id),
    }
}

fn event_href(seq: u64) -> String {
    EVENT_PATH.replace("{seq}", &seq.to_string())
}

// ---------------------------------------------------------------------------
// The search form
// ---------------------------------------------------------------------------

/// The form's fields as shown, and their labels (error summary order).
const FIELDS: &[(&str, &str)] = &[
    ("actor", "audit-page-actor"),
    ("subject", "audit-page-subject"),
    ("action", "audit-page-action"),
    ("outcome", "audit-page-outcome"),
    ("from", "audit-page-from"),
    ("to", "audit-page-to"),
    ("reason", "audit-page-reason"),
];

/// The filter fields as typed (what the form shows again and the export form
/// carries).
#[derive(Debug, Clone, Default, Serialize)]
struct Typed {
    actor: String,
    subject: String,
    action: String,
    outcome: String,
    from: String,
    to: String,
}

impl Typed {
    fn pairs(&self) -> [(&'static str, &str); 6] {
        [
            ("actor", &self.actor),
            ("subject", &self.subject),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
    }

    /// The query string of the non-empty fields, `&`-terminated when not empty.
    fn query(&self) -> String {
        self.pairs()
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}&", egov_pages::encode_query(value)))
            .collect()
    }

    fn hidden(&self) -> Vec<Value> {
        self.pairs()
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| context! { name => *name, value => *value })
            .collect()
    }
}

/// A time from the form: `datetime-local` (`2026-11-01T09:00`, seconds
/// optional) or a date in `zone`, or RFC 3339.
fn parse_time(text: &str, zone: UtcOffset) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let text = text.replacen(' ', "T", 1);
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let day = time::macros::format_description!("[year]-[month]-[day]");
    PrimitiveDateTime::parse(&text, &minutes)
        .or_else(|_| PrimitiveDateTime::parse(&text, &seconds))
        .ok()
        .or_else(|| {
            Date::parse(&text, &day)
                .ok()
                .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT))
        })
        .map(|local| local.assume_offset(zone))
}

/// `at` as a `datetime-local` value in `zone`.
fn local_input(at: OffsetDateTime, zone: UtcOffset) -> String {
    let local = at.to_offset(zone);
    let format = if local.second() == 0 {
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]")
    } else {
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]")
    };
    local.format(&format).unwrap_or_default()
}

/// Reads the filter fields of `params` (a query or a form body): the values as
/// typed and the filter (the actor not yet resolved); bad values are field
/// errors in `params`.
fn read_filter(params: &mut StrictQuery, zone: UtcOffset) -> (Typed, EventFilter) {
    let raw = |params: &StrictQuery, name: &str| params.raw(name).unwrap_or("").to_owned();
    let mut typed = Typed {
        actor: raw(params, "actor"),
        subject: raw(params, "subject"),
        action: raw(params, "action"),
        outcome: raw(params, "outcome"),
        from: raw(params, "from"),
        to: raw(params, "to"),
    };
    let filter = EventFilter {
        actor: params.get("actor", "audit-page-error-actor", |v| {
            (v.chars().count() <= 128 && !v.chars().any(char::is_control)).then(|| v.to_owned())
        }),
        subject: params.get("subject", "audit-page-error-subject", |v| {
            SubjectId::try_from(v.to_owned()).ok()
        }),
        action: params.get("action", "audit-page-error-action", |v| {
            Action::custom(v).ok()
        }),
        outcome: params.get("outcome", "audit-page-error-outcome", Outcome::parse),
        from: params.get("from", "audit-page-error-time", |v| parse_time(v, zone)),
        to: params.get("to", "audit-page-error-time", |v| parse_time(v, zone)),
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to <= from
    {
        params.fail("to", "order", Message::new("audit-page-error-time-order"));
    }
    // Shown in the form's own format (an RFC 3339 time from an API link too).
    if let Some(from) = filter.from {
        typed.from = local_input(from, zone);
    }
    if let Some(to) = filter.to {
        typed.to = local_input(to, zone);
    }
    (typed, filter)
}

/// The account ID to search for: a login ID the App knows becomes its
/// account's ID; anything else is searched as typed (an account ID, a
/// system name).
async fn resolve_actor(names: &AccountNames, filter: &mut EventFilter) {
    if let Some(actor) = &filter.actor
        && uuid::Uuid::parse_str(actor).is_err()
        && let Some(id) = names.account_id(actor).await
    {
        filter.actor = Some(id);
    }
}

#[derive(Serialize)]
struct Row {
    seq: u64,
    href: String,
    time: String,
    actor: String,
    action: String,
    target: String,
    subjects: usize,
    outcome: String,
}

#[derive(Serialize)]
struct Results {
    rows: Vec<Row>,
    total: u64,
    page: u32,
    pages: u64,
    /// The list's URL up to `page=`.
    href: String,
}

/// What the search page shows: the form (with `errors`) and, for a valid
/// search, its results.
struct SearchPage {
    typed: Typed,
    results: Option<Results>,
    errors: FormErrors,
    reason: String,
}

async fn run_search(
    state: &Screen,
    page: &Page,
    filter: &EventFilter,
    typed: &Typed,
    request: PageRequest,
) -> Result<Results, AuditError> {
    let log = &state.log;
    let found = find_events(log.db(), log.chain_id(), filter, request).await?;
    let names = state
        .names
        .names(account_ids(found.items.iter().flat_map(|e| {
            [
                (e.principal_kind.as_str(), e.principal_id.as_deref()),
                (
                    e.target_type.as_deref().unwrap_or(""),
                    e.target_id.as_deref(),
                ),
            ]
        })))
        .await;
    let rows = found
        .items
        .iter()
        .map(|e| Row {
            seq: e.seq,
            href: event_href(e.seq),
            time: rfc3339(e.occurred_at),
            actor: who(page, &names, &e.principal_kind, e.principal_id.as_deref()),
            action: action_label(page, &e.action),
            target: target_named(&names, e.target_type.as_deref(), e.target_id.as_deref()),
            subjects: e.subjects.len(),
            outcome: outcome_label(page, &e.outcome),
        })
        .collect();
    Ok(Results {
        rows,
        total: found.total_items,
        page: found.page,
        pages: found.total_pages,
        // The other pages keep the filter and the page size.
        href: format!(
            "{SEARCH_PATH}?{}{}page=",
            typed.query(),
            if request.size() == DEFAULT_PAGE_SIZE {
                String::new()
            } else {
                format!("size={}&", request.size())
            }
        ),
    })
}

fn render_search(page: &Page, status: StatusCode, shown: SearchPage) -> Response {
    let outcomes: Vec<Value> = ["success", "failure", "denied"]
        .iter()
        .map(|o| context! { value => *o, label => outcome_label(page, o) })
        .collect();
    let title = page.text("audit-page-title");
    page.render_status(
        status,
        "audit/search.html",
        context! {
            title => title,
            breadcrumb => vec![
                context! { href => egov_pages::ADMIN_PATH, label => page.text("egov-page-admin") },
                context! { href => SEARCH_PATH, label => page.text("audit-page-title") },
            ],
            errors => shown.errors.list(),
            field_errors => shown.errors.by_field(),
            form => &shown.typed,
            outcomes => outcomes,
            results => shown.results,
            hidden => shown.typed.hidden(),
            reason => shown.reason,
            csrf => page.csrf(),
            export_limit => EXPORT_LIMIT,
            search_href => SEARCH_PATH,
            export_href => EXPORT_PATH,
            verify_href => VERIFY_PATH,
            review_href => REVIEW_PATH,
        },
    )
}

/// The parameters of the search page.
const SEARCH_PARAMS: &[&str] = &[
    "actor", "subject", "action", "outcome", "from", "to", "page", "size",
];

/// The fields of the export form.
const EXPORT_PARAMS: &[&str] = &[
    "actor", "subject", "action", "outcome", "from", "to", "reason", CSRF_FIELD,
];

/// The form field egov-auth reads a page form's CSRF token from.
const CSRF_FIELD: &str = "csrf_token";

/// Reads a search query: the values as typed, and the filter (actor not yet
/// resolved) and page, or the problem listing every bad field.
fn parse_search(
    query: Option<&str>,
    zone: UtcOffset,
) -> (Typed, Result<(EventFilter, PageRequest), Problem>) {
    let mut params = StrictQuery::parse(query, SEARCH_PARAMS);
    let (typed, filter) = read_filter(&mut params, zone);
    let mut number = |name: &str, default: u32| {
        params
            .get(name, "audit-page-error-page", |v| v.parse::<u32>().ok())
            .unwrap_or(default)
    };
    let request = PageRequest::new(number("page", 1), number("size", DEFAULT_PAGE_SIZE));
    if request.is_err() {
        params.fail("page", "range", Message::new("audit-page-error-page"));
    }
    let parsed = params.finish().and_then(|()| {
        request
            .map(|request| (filter, request))
            .map_err(Problem::from)
    });
    (typed, parsed)
}

/// Reads an export form: the values as typed, the reason as typed, and the
/// filter and reason, or the problem listing every bad field.
fn parse_export(
    body: &str,
    zone: UtcOffset,
) -> (Typed, String, Result<(EventFilter, Reason), Problem>) {
    let mut params = StrictQuery::parse(Some(body), EXPORT_PARAMS);
    let (typed, filter) = read_filter(&mut params, zone);
    let typed_reason = params.raw("reason").unwrap_or("").to_owned();
    let reason = Reason::new(typed_reason.clone()).ok();
    if reason.is_none() {
        params.fail(
            "reason",
            "required",
            Message::new("audit-page-error-reason"),
        );
    }
    let parsed = params.finish().and_then(|()| {
        reason
            .map(|reason| (filter, reason))
            .ok_or_else(|| Problem::new(ProblemType::VALIDATION_FAILED))
    });
    (typed, typed_reason, parsed)
}

/// `GET /admin/audit`: the form and one page of results.
async fn search(State(state): State<Shared>, page: Page, RawQuery(query): RawQuery) -> Response {
    let (typed, parsed) = parse_search(query.as_deref(), zone(&page));
    let (mut filter, request) = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => {
            let errors = page.form_errors(&problem, FIELDS);
            return render_search(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                SearchPage {
                    typed,
                    results: None,
                    errors,
                    reason: String::new(),
                },
            );
        }
    };
    resolve_actor(&state.names, &mut filter).await;
    match run_search(&state, &page, &filter, &typed, request).await {
        Ok(results) => render_search(
            &page,
            StatusCode::OK,
            SearchPage {
                typed,
                results: Some(results),
                errors: FormErrors::new(),
                reason: String::new(),
            },
        ),
        Err(error) => failed(error),
    }
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

/// `POST /admin/audit/export`: the matching events as JSON Lines, with a reason.
async fn export(State(state): State<Shared>, page: Page, body: String) -> Response {
    let (typed, typed_reason, parsed) = parse_export(&body, zone(&page));
    // A language switch on the page shown again returns to the search.
    let page = page.at(format!(
        "{SEARCH_PATH}?{}",
        typed.query().trim_end_matches('&')
    ));
    let (mut filter, reason) = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => {
            return export_refused(&state, &page, typed, typed_reason, &problem).await;
        }
    };
    resolve_actor(&state.names, &mut filter).await;
    let log = &state.log;
    let count = match count_events(log.db(), log.chain_id(), &filter).await {
        Ok(count) => count,
        Err(error) => return failed(error),
    };
    if count > EXPORT_LIMIT {
        let problem = Problem::new(ProblemType::VALIDATION_FAILED).with_field_error(
            egov_core::problem::FieldError::new(
                "/from",
                "too_many",
                Message::new("audit-page-error-too-many")
                    .arg("count", i64::try_from(count).unwrap_or(i64::MAX))
                    .arg("limit", i64::try_from(EXPORT_LIMIT).unwrap_or(i64::MAX)),
            ),
        );
        return export_refused(&state, &page, typed, typed_reason, &problem).await;
    }
    let mut lines = String::new();
    let mut subjects: BTreeSet<String> = BTreeSet::new();
    let mut after = 0;
    let mut exported: u64 = 0;
    loop {
        let batch = match events_matching(log.db(), log.chain_id(), &filter, after, 1000).await {
            Ok(batch) => batch,
            Err(error) => return failed(error),
        };
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for event in &batch {
            match serde_json::to_string(event) {
                Ok(line) => {
                    lines.push_str(&line);
                    lines.push('\n');
                }
                Err(_) => return ApiError(Problem::internal()).into_response(),
            }
            subjects.extend(event.subjects.iter().cloned());
            exported += 1;
        }
        if exported >= EXPORT_LIMIT {
            break;
        }
    }
    let mut detail = Detail::new()
        .number("events", i64::try_from(exported).unwrap_or(i64::MAX))
        .number(
            "subjects",
            i64::try_from(subjects.len()).unwrap_or(i64::MAX),
        );
    for (name, value) in typed.pairs() {
        if !value.is_empty() {
            detail = detail.text(name, value);
        }
    }
    // An event holds at most 10,000 subjects; the count above is complete.
    let named: Vec<SubjectId> = subjects
        .into_iter()
        .filter_map(|s| SubjectId::try_from(s).ok())
        .take(10_000)
        .collect();
    let event = AuditEvent::personal_data_download(
        Action::EXPORT,
        page.actor(),
        Target::kind("audit-events"),
        named,
        reason,
    )
    .detail(detail);
    if let Err(error) = log.record(event).await {
        // Not recorded: the file is not handed out.
        return failed(error);
    }
    let mut response = lines.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jsonl; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let stamp = OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"audit-events-{stamp}.jsonl\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The search page again, `422`, with the export's errors (and the results of
/// the filter when it is valid, so the page is the one the form was on).
async fn export_refused(
    state: &Screen,
    page: &Page,
    typed: Typed,
    reason: String,
    problem: &Problem,
) -> Response {
    // The filter as the search page reads it (the typed values, first page).
    let results = match parse_search(Some(typed.query().trim_end_matches('&')), zone(page)).1 {
        Ok((mut filter, request)) => {
            resolve_actor(&state.names, &mut filter).await;
            match run_search(state, page, &filter, &typed, request).await {
                Ok(results) => Some(results),
                Err(error) => return failed(error),
            }
        }
        Err(_) => None,
    };
    render_search(
        page,
        StatusCode::UNPROCESSABLE_ENTITY,
        SearchPage {
            typed,
            results,
            errors: page.form_errors(problem, FIELDS),
            reason,
        },
    )
}

// ---------------------------------------------------------------------------
// One event
// ---------------------------------------------------------------------------

#[derive(Serialize)]
struct EventView {
    seq: u64,
    id: String,
    chain: String,
    time: String,
    actor: String,
    principal: String,
    roles: String,
    client_ip: Option<String>,
    request_id: Option<String>,
    trace_id: Option<String>,
    action: String,
    target: String,
    subjects: Vec<Value>,
    outcome: String,
    reason_code: Option<String>,
    reason: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

/// The detail JSON, indented (as stored if it does not parse).
fn pretty(detail: &str) -> String {
    serde_json::from_str::<serde_json::Value>(detail)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| detail.to_owned())
}

fn event_view(page: &Page, e: &StoredEvent, names: &HashMap<String, String>) -> EventView {
    EventView {
        seq: e.seq,
        id: e.id.clone(),
        chain: e.chain_id.clone(),
        time: rfc3339(e.occurred_at),
        actor: who(page, names, &e.principal_kind, e.principal_id.as_deref()),
        principal: match &e.principal_id {
            Some(id) => format!("{} {id}", e.principal_kind),
            None => e.principal_kind.clone(),
        },
        roles: e.roles.join(", "),
        client_ip: e.client_ip.clone(),
        request_id: e.request_id.clone(),
        trace_id: e.trace_id.clone(),
        action: format!("{} ({})", action_label(page, &e.action), e.action),
        target: match (e.target_type.as_deref(), e.target_id.as_deref()) {
            // An account as the target: its id as recorded, and its name.
            (Some("account"), Some(id)) if names.contains_key(id) => {
                format!("account {id} ({})", names[id])
            }
            (kind, id) => target_text(kind, id),
        },
        subjects: e
            .subjects
            .iter()
            .map(|s| {
                context! {
                    id => s,
                    href => format!("{SEARCH_PATH}?subject={}", egov_pages::encode_query(s)),
                }
            })
            .collect(),
        outcome: outcome_label(page, &e.outcome),
        reason_code: e.reason_code.clone(),
        reason: e.reason.clone(),
        detail: pretty(&e.detail),
        prev_hash: to_hex(&e.prev_hash),
        hash: to_hex(&e.hash),
    }
}

/// `GET /admin/audit/events/{seq}`.
async fn event(State(state): State<Shared>, page: Page, Path(seq): Path<String>) -> Response {
    let not_found = || ApiError(Problem::new(ProblemType::NOT_FOUND)).into_response();
    let Ok(seq) = seq.parse::<u64>() else {
        return not_found();
    };
    let log = &state.log;
    let (found, status) = match tokio::try_join!(
        find_event(log.db(), log.chain_id(), seq),
        chain_status(log.db(), log.chain_id())
    ) {
        Ok(read) => read,
        Err(error) => return failed(error),
    };
    let Some(found) = found else {
        return not_found();
    };
    let names = state
        .names
        .names(account_ids([
            (found.principal_kind.as_str(), found.principal_id.as_deref()),
            (
                found.target_type.as_deref().unwrap_or(""),
                found.target_id.as_deref(),
            ),
        ]))
        .await;
    let view = event_view(&page, &found, &names);
    let covered = status
        .last_checkpoint
        .as_ref()
        .map(|c| c.size)
        .filter(|size| *size >= seq);
    let title = page.message(&Message::new("audit-page-event-title").arg("seq", seq.to_string()));
    page.render(
        "audit/event.html",
        context! {
            title => title.clone(),
            breadcrumb => breadcrumb(&page, Some((&event_href(seq), title))),
            e => view,
            head => status.head_seq,
            covered => covered,
            prev_href => (seq > 1).then(|| event_href(seq - 1)),
            next_href => (seq < status.head_seq).then(|| event_href(seq + 1)),
            search_href => SEARCH_PATH,
        },
    )
}

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

/// What a verification found.
#[derive(Debug, Clone)]
enum Found {
    Intact {
        events: u64,
        checkpoints: usize,
        last: u64,
    },
    Damaged {
        seq: u64,
        kind: DamageKind,
    },
    TimedOut,
    Failed,
}

/// A verification run from the screen.
#[derive(Debug, Clone)]
struct Verification {
    at: OffsetDateTime,
    by_kind: String,
    by_id: Option<String>,
    found: Found,
}

fn damage_key(kind: DamageKind) -> &'static str {
    match kind {
        DamageKind::Modified => "audit-page-damage-modified",
        DamageKind::Unlinked => "audit-page-damage-unlinked",
        DamageKind::Missing => "audit-page-damage-missing",
        DamageKind::Truncated => "audit-page-damage-truncated",
        DamageKind::CheckpointMismatch => "audit-page-damage-checkpoint-mismatch",
        DamageKind::BadSignature => "audit-page-damage-bad-signature",
        DamageKind::Redefined => "audit-page-damage-redefined",
        DamageKind::HeadMismatch => "audit-page-damage-head-mismatch",
        DamageKind::SubjectsMismatch => "audit-page-damage-subjects-mismatch",
    }
}

fn damage_code(kind: DamageKind) -> &'static str {
    match kind {
        DamageKind::Modified => "modified",
        DamageKind::Unlinked => "unlinked",
        DamageKind::Missing => "missing",
        DamageKind::Truncated => "truncated",
        DamageKind::CheckpointMismatch => "checkpoint_mismatch",
        DamageKind::BadSignature => "bad_signature",
        DamageKind::Redefined => "redefined",
        DamageKind::HeadMismatch => "head_mismatch",
        DamageKind::SubjectsMismatch => "subjects_mismatch",
    }
}

/// The verification as the page shows it: `ok` (intact or not) and its text.
fn verification_view(page: &Page, v: &Verification, names: &HashMap<String, String>) -> Value {
    let seconds = i64::try_from(VERIFY_TIMEOUT.as_secs()).unwrap_or(i64::MAX);
    let number = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let (state, text) = match &v.found {
        Found::Intact {
            events,
            checkpoints,
            last,
        } => (
            "ok",
            page.message(
                &Message::new("audit-page-verify-ok")
                    .arg("events", number(*events))
                    .arg(
                        "checkpoints",
                        number(u64::try_from(*checkpoints).unwrap_or(u64::MAX)),
                    )
                    .arg("last", number(*last)),
            ),
        ),
        Found::Damaged { seq, kind } => (
            "damage",
            page.message(
                &Message::new("audit-page-verify-damage")
                    .arg("seq", number(*seq))
                    .arg("kind", page.text(damage_key(*kind))),
            ),
        ),
        Found::TimedOut => (
            "unfinished",
            page.message(&Message::new("audit-page-verify-timeout").arg("seconds", seconds)),
        ),
        Found::Failed => ("unfinished", page.text("audit-page-verify-failed")),
    };
    context! {
        state => state,
        text => text,
        at => rfc3339(v.at),
        by => who(page, names, &v.by_kind, v.by_id.as_deref()),
    }
}

async fn render_verify(
    state: &Screen,
    page: &Page,
    status_code: StatusCode,
    just_run: Option<&Verification>,
    busy: bool,
) -> Response {
    let log = &state.log;
    let status: ChainStatus = match chain_status(log.db(), log.chain_id()).await {
        Ok(status) => status,
        Err(error) => return failed(error),
    };
    let last = state.last.lock().map(|l| l.clone()).unwrap_or(None);
    let shown = just_run.cloned().or(last);
    let names = state
        .names
        .names(account_ids(
            shown
                .iter()
                .map(|v| (v.by_kind.as_str(), v.by_id.as_deref())),
        ))
        .await;
    let title = page.text("audit-page-verify-title");
    let unsigned = status
        .head_seq
        .saturating_sub(status.last_checkpoint.as_ref().map_or(0, |c| c.size));
    page.render_status(
        status_code,
        "audit/verify.html",
        context! {
            title => title.clone(),
            breadcrumb => breadcrumb(page, Some((VERIFY_PATH, title))),
            status => status,
            unsigned => unsigned,
            verification => shown.as_ref().map(|v| verification_view(page, v, &names)),
            just_run => just_run.is_some(),
            busy => busy,
            seconds => VERIFY_TIMEOUT.as_secs(),
            csrf => page.csrf(),
            verify_href => VERIFY_PATH,
            search_href => SEARCH_PATH,
        },
    )
}

/// `GET /admin/audit/verify`: the chain's state and the last verification.
async fn verify_status(State(state): State<Shared>, page: Page) -> Response {
    render_verify(&state, &page, StatusCode::OK, None, false).await
}

/// `POST /admin/audit/verify`: verifies the chain now (one at a time, bounded
/// by [`VERIFY_TIMEOUT`]), records the run and shows its result.
async fn verify_now(State(state): State<Shared>, page: Page) -> Response {
    let Ok(_permit) = state.verifying.try_acquire() else {
        return render_verify(&state, &page, StatusCode::CONFLICT, None, true).await;
    };
    let log = &state.log;
    let verifier = log.verifier();
    let run = tokio::time::timeout(
        VERIFY_TIMEOUT,
        crate::verify(log.db(), log.chain_id(), &verifier),
    )
    .await;
    let found = match run {
        Ok(Ok(report)) => match report.damage {
            None => Found::Intact {
                events: report.events_checked,
                checkpoints: report.checkpoints_checked,
                last: report.last_seq,
            },
            Some(damage) => Found::Damaged {
                seq: damage.seq,
                kind: damage.kind,
            },
        },
        Ok(Err(error)) => {
            tracing::error!(%error, "audit screen: verification failed");
            Found::Failed
        }
        Err(_) => Found::TimedOut,
    };
    let actor = page.actor();
    let (by_kind, by_id) = match &actor.principal {
        egov_core::actor::Principal::Account { id } => ("account".to_owned(), Some(id.to_string())),
        egov_core::actor::Principal::System { name } => ("system".to_owned(), Some(name.clone())),
        _ => ("anonymous".to_owned(), None),
    };
    let run = Verification {
        at: OffsetDateTime::now_utc(),
        by_kind,
        by_id,
        found: found.clone(),
    };
    let (outcome, detail) = match &found {
        Found::Intact {
            events,
            checkpoints,
            last,
        } => (
            Outcome::Success,
            Detail::new()
                .flag("intact", true)
                .number("events_checked", i64::try_from(*events).unwrap_or(i64::MAX))
                .number(
                    "checkpoints_checked",
                    i64::try_from(*checkpoints).unwrap_or(i64::MAX),
                )
                .number("last_seq", i64::try_from(*last).unwrap_or(i64::MAX)),
        ),
        Found::Damaged { seq, kind } => (
            Outcome::Success,
            Detail::new()
                .flag("intact", false)
                .number("damage_seq", i64::try_from(*seq).unwrap_or(i64::MAX))
                .text("damage", damage_code(*kind)),
        ),
        Found::TimedOut => (
            Outcome::Failure,
            Detail::new().text("unfinished", "timeout"),
        ),
        Found::Failed => (Outcome::Failure, Detail::new().text("unfinished", "store")),
    };
    let mut event = AuditEvent::new(VERIFY_ACTION, actor, outcome)
        .target(Target::new("audit-chain", log.chain_id()))
        .detail(detail);
    if let Found::Damaged { .. } = found {
        event = event.reason_code("chain_damaged");
    }
    if let Err(error) = log.record(event).await {
        tracing::error!(%error, "audit screen: the verification could not be recorded");
    }
    if let Ok(mut last) = state.last.lock() {
        *last = Some(run.clone());
    }
    render_verify(&state, &page, StatusCode::OK, Some(&run), false).await
}

// ---------------------------------------------------------------------------
// The monthly review
// ---------------------------------------------------------------------------

#[derive(Serialize)]
struct ActionRow {
    account: String,
    action: String,
    events: u64,
}

#[derive(Serialize)]
struct CountRow {
    account: String,
    events: u64,
}

#[derive(Serialize)]
struct DownloadRow {
    time: String,
    account: String,
    action: String,
    outcome: String,
    target: String,
    subjects: u64,
    reason: String,
    href: String,
}

#[derive(Serialize)]
struct BulkRow {
    day: String,
    account: String,
    subjects: u64,
}

fn report_view(page: &Page, report: &MonthlyReport, names: &HashMap<String, String>) -> Value {
    let name = |a: &Account| who(page, names, &a.kind, a.id.as_deref());
    let c = &report.criteria;
    let actions: Vec<ActionRow> = report
        .actions
        .iter()
        .flat_map(|a| {
            a.actions.iter().map(|(action, events)| ActionRow {
                account: name(&a.account),
                action: action_label(page, action),
                events: *events,
            })
        })
        .collect();
    let counts = |list: &[crate::report::AccountCount]| -> Vec<CountRow> {
        list.iter()
            .map(|c| CountRow {
                account: name(&c.account),
                events: c.events,
            })
            .collect()
    };
    let downloads: Vec<DownloadRow> = report
        .downloads
        .iter()
        .map(|d| DownloadRow {
            time: rfc3339(d.occurred_at),
            account: name(&d.account),
            action: action_label(page, &d.action),
            outcome: outcome_label(page, &d.outcome),
            target: target_text(d.target_type.as_deref(), d.target_id.as_deref()),
            subjects: d.subjects,
            reason: match (&d.reason, &d.reason_code) {
                (Some(reason), _) => reason.clone(),
                (None, Some(code)) => page.message(
                    &Message::new("audit-page-review-withheld").arg("code", code.as_str()),
                ),
                (None, None) => page.text("audit-page-none"),
            },
            href: event_href(d.seq),
        })
        .collect();
    let bulk: Vec<BulkRow> = report
        .bulk_access
        .iter()
        .map(|b| BulkRow {
            day: format!(
                "{:04}-{:02}-{:02}",
                b.date.year(),
                u8::from(b.date.month()),
                b.date.day()
            ),
            account: name(&b.account),
            subjects: b.subjects,
        })
        .collect();
    let api = |format: &str| {
        format!(
            "{}/report?month={}&format={format}",
            crate::admin::PREFIX,
            report.month
        )
    };
    context! {
        chain => &report.chain_id,
        month => &report.month,
        from => rfc3339(report.from),
        to => rfc3339(report.to),
        total_events => report.total_events,
        off_hours => format!(
            "{:02}:00–{:02}:00 (UTC{:+})",
            c.off_hours[0], c.off_hours[1], c.utc_offset_hours
        ),
        bulk_threshold => c.bulk_access_threshold,
        actions => actions,
        downloads => downloads,
        downloads_truncated => report.downloads_truncated,
        download_limit => DOWNLOAD_LIMIT,
        off_hours_access => counts(&report.off_hours),
        bulk_access => bulk,
        denied => counts(&report.denied),
        csv_href => api("csv"),
        print_href => api("html"),
    }
}

/// The current month in `zone`, `YYYY-MM`.
fn this_month(zone: UtcOffset) -> (i32, Month) {
    let now = OffsetDateTime::now_utc().to_offset(zone);
    (now.year(), now.month())
}

/// `GET /admin/audit/review?month=YYYY-MM` (default: this month).
async fn review(State(state): State<Shared>, page: Page, RawQuery(query): RawQuery) -> Response {
    let mut params = StrictQuery::parse(query.as_deref(), &["month"]);
    let typed = params.raw("month").unwrap_or("").to_owned();
    let month = params.get("month", "audit-page-error-month", crate::admin::parse_month);
    let title = page.text("audit-report-title");
    let crumbs = breadcrumb(&page, Some((REVIEW_PATH, title.clone())));
    if let Err(problem) = params.finish() {
        let errors = page.form_errors(&problem, &[("month", "audit-report-month")]);
        return page.render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "audit/review.html",
            context! {
                title => title,
                breadcrumb => crumbs,
                errors => errors.list(),
                field_errors => errors.by_field(),
                month => typed,
                report => Value::from(()),
                review_href => REVIEW_PATH,
            },
        );
    }
    let (year, month) = month.unwrap_or_else(|| this_month(state.criteria.offset()));
    let log = &state.log;
    let report = match MonthlyReport::build_with(
        log.db(),
        log.chain_id(),
        year,
        month,
        state.criteria,
    )
    .await
    {
        Ok(report) => report,
        Err(error) => return failed(error),
    };
    let accounts = report
        .actions
        .iter()
        .map(|a| &a.account)
        .chain(report.downloads.iter().map(|d| &d.account))
        .chain(report.off_hours.iter().map(|c| &c.account))
        .chain(report.bulk_access.iter().map(|b| &b.account))
        .chain(report.denied.iter().map(|c| &c.account));
    let names = state
        .names
        .names(account_ids(
            accounts.map(|a| (a.kind.as_str(), a.id.as_deref())),
        ))
        .await;
    let view = report_view(&page, &report, &names);
    page.render(
        "audit/review.html",
        context! {
            title => title,
            breadcrumb => crumbs,
            errors => Vec::<Value>::new(),
            field_errors => HashMap::<String, String>::new(),
            month => report.month.clone(),
            report => view,
            review_href => REVIEW_PATH,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_times_are_read_in_the_agency_zone() {
        let kst = UtcOffset::from_hms(9, 0, 0).unwrap();
        let at = time::macros::datetime!(2026-11-01 00:00 UTC);
        for text in [
            "2026-11-01T09:00",
            "2026-11-01 09:00",
            "2026-11-01T09:00:00",
            "2026-11-01T09:00:00+09:00",
            "2026-11-01T00:00:00Z",
        ] {
            assert_eq!(parse_time(text, kst), Some(at), "{text}");
        }
        assert_eq!(
            parse_time("2026-11-01", kst),
            Some(time::macros::datetime!(2026-10-31 15:00 UTC))
        );
        for bad in ["", "yesterday", "2026-13-01T00:00", "2026-11-01T25:00"] {
            assert_eq!(parse_time(bad, kst), None, "{bad}");
        }
        assert_eq!(local_input(at, kst), "2026-11-01T09:00");
        assert_eq!(
            local_input(at + time::Duration::seconds(5), kst),
            "2026-11-01T09:00:05"
        );
    }

    #[test]
    fn the_filter_is_read_as_typed_and_errors_are_fields() {
        let kst = UtcOffset::from_hms(9, 0, 0).unwrap();
        let mut params = StrictQuery::parse(
            Some(
                "actor=admin&action=view&outcome=denied&from=2026-11-01T00:00:00Z&to=2026-11-02T09:00",
            ),
            &["actor", "subject", "action", "outcome", "from", "to"],
        );
        let (typed, filter) = read_filter(&mut params, kst);
        assert!(params.finish().is_ok());
        assert_eq!(typed.from, "2026-11-01T09:00");
        assert_eq!(typed.to, "2026-11-02T09:00");
        assert_eq!(filter.actor.as_deref(), Some("admin"));
        assert_eq!(filter.outcome, Some(Outcome::Denied));
        assert_eq!(
            typed.query(),
            "actor=admin&action=view&outcome=denied&from=2026-11-01T09%3A00&to=2026-11-02T09%3A00&"
        );

        let fields = |query: &str| -> Vec<String> {
            let mut fields: Vec<String> = parse_search(Some(query), kst)
                .1
                .err()
                .map(|p| p.errors().iter().map(|e| e.field.clone()).collect())
                .unwrap_or_default();
            fields.sort_unstable();
            fields
        };
        assert_eq!(
            fields("subject=123&outcome=maybe&from=x&to=2026-01-01T00:00&size=1000&nope=1"),
            ["/from", "/nope", "/outcome", "/page", "/subject"]
        );
        assert_eq!(fields("from=2026-11-02T00:00&to=2026-11-01T00:00"), ["/to"]);
        assert!(fields("page=2&size=50&actor=").is_empty());
        let (_, reason, parsed) = parse_export("actor=a&reason=+++&csrf_token=x", kst);
        assert_eq!(reason, "");
        assert_eq!(parsed.unwrap_err().errors()[0].field, "/reason");
        let (typed, reason, parsed) =
            parse_export("actor=a&reason=%EC%A1%B0%EC%82%AC&csrf_token=x", kst);
        assert_eq!((typed.actor.as_str(), reason.as_str()), ("a", "조사"));
        assert_eq!(parsed.unwrap().1.as_str(), "조사");
    }

    /// The message keys `t("…")` of a template.
    fn template_keys(source: &str) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for quote in ['"', '\''] {
            let opening = format!("t({quote}");
            for (at, _) in source.match_indices(&opening) {
                // `t(` itself, not the end of `input(`.
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let rest = &source[at + opening.len()..];
                if let Some(end) = rest.find(quote) {
                    keys.insert(rest[..end].to_owned());
                }
            }
        }
        keys
    }

    #[test]
    fn every_message_of_the_screens_exists_in_korean_and_english() {
        // `cargo xtask i18n-check` reads `Message::new("…")` in Rust only.
        let mut used: BTreeSet<String> = TEMPLATES
            .iter()
            .flat_map(|(_, source)| template_keys(source))
            .collect();
        // Keys the code puts together.
        for action in [
            "login",
            "login_failed",
            "logout",
            "view",
            "create",
            "update",
            "delete",
            "print",
            "download",
            "export",
            "permission_denied",
            "config_change",
            "request",
            "audit_verify",
        ] {
            used.insert(format!("audit-page-action-{action}"));
        }
        for outcome in ["success", "failure", "denied"] {
            used.insert(format!("audit-page-outcome-{outcome}"));
        }
        assert!(used.len() > 60, "{used:?}");
        for (locale, source) in crate::MESSAGES.files {
            for key in &used {
                if key.starts_with("egov-page-") {
                    continue; // the kit's own
                }
                assert!(
                    source.contains(&format!("\n{key} =")),
                    "{locale}: {key} is used but not defined"
                );
            }
        }
    }

    #[test]
    fn every_damage_kind_has_a_message_and_a_code() {
        for kind in [
            DamageKind::Modified,
            DamageKind::Unlinked,
            DamageKind::Missing,
            DamageKind::Truncated,
            DamageKind::CheckpointMismatch,
            DamageKind::BadSignature,
            DamageKind::Redefined,
            DamageKind::HeadMismatch,
            DamageKind::SubjectsMismatch,
        ] {
            for (_, source) in crate::MESSAGES.files {
                assert!(
                    source.contains(&format!("\n{} =", damage_key(kind))),
                    "{kind:?}"
                );
            }
            assert!(!damage_code(kind).is_empty());
        }
    }
}
