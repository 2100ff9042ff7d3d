//! The service's pages, on egov-rs's page kit (egov-pages): every page in the
//! KRDS layout — skip link, official-site banner, the agency's identity,
//! language switch, footer with the privacy policy (개인정보처리방침) —, the
//! accessibility the kit gives (KWCAG 2.2), and HTML error pages for browsers
//! from the framework. Templates are in `templates/` (they extend
//! `egov/layout.html`), texts in `locales/{ko,en}/service.ftl`, paths in
//! `[pages]` of `config/default.toml`.
//!
//! | route | policy | page |
//! |---|---|---|
//! | `GET /` | public | the start page |
{% if sample_resource %}//! | `GET /notices` | public | the notices, newest first, 20 a page |
//! | `GET /notices/{id}` | public | one notice |
{% endif %}//! | `GET /privacy` | public | the privacy policy, in Korean and English (edit `templates/privacy.*.html`) |

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use egov::pages::minijinja::context;
use egov::pages::{Page, PagesBuilder};
use egov::prelude::*;

use crate::Services;
{% if sample_resource %}use crate::notices::Notice;
{% endif %}
/// The page templates, compiled in.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("start.html", include_str!("../templates/start.html")),
    ("privacy.ko.html", include_str!("../templates/privacy.ko.html")),
    ("privacy.en.html", include_str!("../templates/privacy.en.html")),
{% if sample_resource %}    ("notices.html", include_str!("../templates/notices.html")),
    ("notice.html", include_str!("../templates/notice.html")),
{% endif %}];

/// The page kit with this service's templates and main menu
/// ([`App::pages`] takes it).
pub fn kit(services: &Services) -> PagesBuilder {
    services
        .pages()
        .templates(TEMPLATES){% if sample_resource %}
        .nav("/notices", "page-notices", AccessPolicy::Public){% endif %}
}

/// What the page handlers read.
#[derive(Clone)]
struct PageState {
    /// Days the audit trail keeps its records (`[audit] retention_days`), for
    /// the privacy policy.
    audit_retention_days: u32,{% if sample_resource %}
    db: Db,
    codes: CodeRegistry,{% endif %}
}

/// The pages' routes, each with its access policy.
pub fn routes(services: &Services) -> ApiRouter {
    let state = PageState {
        audit_retention_days: services.audit_settings.retention_days,{% if sample_resource %}
        db: services.db.clone(),
        codes: services.codes.clone(),{% endif %}
    };
    ApiRouter::new()
        .route("/", AccessPolicy::Public, get(start))
        .route(
            "/privacy",
            AccessPolicy::Public,
            get(privacy).with_state(state.clone()),
        ){% if sample_resource %}
        .route(
            "/notices",
            AccessPolicy::Public,
            get(notices).with_state(state.clone()),
        )
        .route(
            "/notices/{id}",
            AccessPolicy::Public,
            get(notice).with_state(state),
        ){% endif %}
}

/// `GET /`: what the service offers, and where to get help.
async fn start(page: Page) -> Response {
    let mut links = Vec::new();{% if sample_resource %}
    links.push(context! {
        href => "/notices",
        label => page.text("page-notices"),
        description => page.text("page-start-notices"),
    });{% endif %}
    links.push(context! {
        href => "/privacy",
        label => page.text("egov-page-privacy-policy"),
        description => page.text("page-start-privacy"),
    });
    page.render(
        "start.html",
        context! { title => page.text("page-start-title"), links => links },
    )
}

/// `GET /privacy`: the privacy policy (개인정보처리방침, PIPA art. 30) in the
/// page's language.
async fn privacy(State(state): State<PageState>, page: Page) -> Response {
    let template = if page.locale() == "en" {
        "privacy.en.html"
    } else {
        "privacy.ko.html"
    };
    let title = page.text("egov-page-privacy-policy");
    page.render(
        template,
        context! {
            title => title.clone(),
            breadcrumb => vec![context! { href => "/privacy", label => title }],
            audit_retention_days => state.audit_retention_days,
        },
    )
}
{% if sample_resource %}
/// The label of a notice's category in the page's language.
fn category_label(codes: &CodeRegistry, code: &str, locale: &str) -> String {
    let fallbacks = codes.fallbacks();
    codes
        .snapshot()
        .code("NOTICE_CATEGORY", code)
        .map_or_else(|| code.to_owned(), |c| c.label(locale, &fallbacks).to_owned())
}

/// `GET /notices?page=`: the notices, newest first.
async fn notices(
    State(state): State<PageState>,
    Paging(request): Paging,
    page: Page,
) -> ApiResult<Response> {
    let list = egov::web::resource::list::<Notice>(&state.db, request).await?;
    let rows: Vec<_> = list
        .items
        .iter()
        .map(|notice| {
            context! {
                href => format!("/notices/{}", notice.id),
                title => notice.title.clone(),
                category => category_label(&state.codes, &notice.category, page.locale()),
                updated_at => notice.updated_at.clone(),
            }
        })
        .collect();
    let title = page.text("page-notices");
    Ok(page.render(
        "notices.html",
        context! {
            title => title.clone(),
            breadcrumb => vec![context! { href => "/notices", label => title }],
            notices => rows,
            total => list.total_items,
            page_number => list.page,
            total_pages => list.total_pages,
        },
    ))
}

/// `GET /notices/{id}`: one notice (a 404 page when there is none).
async fn notice(
    State(state): State<PageState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    page: Page,
) -> ApiResult<Response> {
    let notice = egov::web::resource::find::<Notice>(&state.db, &id).await?;
    Ok(page.render(
        "notice.html",
        context! {
            title => notice.title.clone(),
            breadcrumb => vec![
                context! { href => "/notices", label => page.text("page-notices") },
                context! { href => format!("/notices/{}", notice.id), label => notice.title.clone() },
            ],
            category => category_label(&state.codes, &notice.category, page.locale()),
            notice => notice,
        },
    ))
}
{% endif %}
