//! What a running service declares about itself, for `egov check`.
//!
//! A service built with [`App`] can describe its routes (with their access
//! policies and audit modes), its middleware and its messages without serving a
//! request: [`App::conformance_report`]. `egov check` obtains it through the
//! service's own binary — when the environment variable [`REPORT_ENV`] names a
//! file, [`App::serve`] writes the report there as JSON and returns at once
//! instead of serving — so the check sees exactly what the binary would serve,
//! with no extra code in the service.
//!
//! Before writing it, the hook asks the built service, in process, what the App
//! alone cannot say ([`App::probed_conformance_report`]): the methods of routes
//! added without OpenAPI (pages), and what a browser gets — every public `GET`
//! route without path parameters, and a path no route serves (the 404 page),
//! requested with a browser's `Accept` in each supported language, each HTML
//! answer described by the facts of the layout ([`PageFacts`]: `<html lang>`,
//! the `<main>` landmark, a skip link to it, the privacy-policy link, the local
//! links). `egov check`'s `pages` rule judges them.

use std::collections::{BTreeMap, BTreeSet};

#[cfg(feature = "audit")]
use http::Method;
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// The environment variable naming the file [`App::serve`] writes the report to.
pub const REPORT_ENV: &str = "EGOV_CONFORMANCE_REPORT";

/// The report's format version (bumped when fields change meaning).
pub const REPORT_FORMAT: &str = "egov-conformance/1";

/// What a service declares about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConformanceReport {
    /// [`REPORT_FORMAT`].
    pub format: String,
    /// The egov-web version the service was built with.
    pub framework_version: String,
    /// Every route.
    pub routes: Vec<ReportedRoute>,
    /// Whether requests are recorded in the audit trail (`App::audit`).
    pub audit_layer: bool,
    /// Whether requests are authenticated (`App::auth`).
    pub authentication: bool,
    /// Message ids per locale, framework and service messages together.
    pub messages: BTreeMap<String, BTreeSet<String>>,
    /// Every migration the service runs ([`App::migrations`]); empty when
    /// the App was not told (reports of older services have none).
    #[serde(default)]
    pub migrations: Vec<ReportedMigration>,
    /// What a browser gets from the service ([`App::probed_conformance_report`]);
    /// `None` in [`App::conformance_report`] and in reports of older services.
    #[serde(default)]
    pub pages: Option<PagesReport>,
}

/// The path [`App::probed_conformance_report`] asks for to see the 404 page: no
/// service has it.
pub const MISSING_PAGE_PROBE: &str = "/egov-check/no-such-page";

/// The `Accept` header of the probes: Chromium's for a navigation.
const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// How long one probe may take.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// How much of an answer is read (a page is far smaller).
const PROBE_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// What a browser gets from the service, probed in process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagesReport {
    /// Whether the App has the page kit ([`App::pages`]): its layout, its HTML
    /// error pages.
    pub kit: bool,
    /// Every probe: each public `GET` route without path parameters and
    /// [`MISSING_PAGE_PROBE`], in each supported language.
    pub probes: Vec<PageProbe>,
}

/// One request a browser could make, and what it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageProbe {
    /// The path asked for.
    pub path: String,
    /// The language asked for (`Accept-Language`).
    pub locale: String,
    /// The answer's status (0: no answer within the probe's time limit).
    pub status: u16,
    /// Its `Content-Type` (empty when none).
    pub content_type: String,
    /// Its `Content-Language` (empty when none).
    pub content_language: String,
    /// The layout's facts, when the answer is HTML.
    pub html: Option<PageFacts>,
}

/// What an HTML answer has of the layout every page needs (KWCAG 2.2 and KRDS:
/// the page's language, a skip link to the main content, the privacy policy in
/// the footer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFacts {
    /// The `lang` attribute of `<html>` (`None` when absent or empty).
    pub lang: Option<String>,
    /// Whether it has a `<main>` element.
    pub main: bool,
    /// Whether a link before `<main>` leads to it (`href="#<its id>"`).
    pub skip_link: bool,
    /// The `href` of the privacy-policy link (`<a class="egov-privacy">`, the
    /// layout's footer link), if any.
    pub privacy_link: Option<String>,
    /// Every local target of its links and forms (`href`/`action` starting
    /// with one `/`), without query or fragment, sorted, once each.
    pub local_links: Vec<String>,
}

/// One migration the service registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedMigration {
    /// The owning component (a framework crate, or the service).
    pub component: String,
    /// Its version within the component.
    pub version: i64,
    /// Its description.
    pub description: String,
    /// SHA-256 (lower-case hex) of its SQL, per backend (`sqlite`, `postgres`).
    pub sha256: BTreeMap<String, String>,
}

/// One route: where, which methods, who may call it, and how it is audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedRoute {
    /// The path pattern, e.g. `/api/notices/{id}`.
    pub path: String,
    /// Upper-case methods; empty when the route answers every method.
    pub methods: Vec<String>,
    /// The access policy, as `AccessPolicy`'s `Display` writes it (`public`,
    /// `authenticated`, `permission:notices:write`, `any_of(…)`).
    pub policy: String,
    /// The audit mode per method (`off`, `on`, `personal_data:<action>`), or
    /// `None` when the service has no audit layer.
    pub audit: Option<BTreeMap<String, String>>,
}

/// The audit layer, when the `audit` feature has one.
#[cfg(feature = "audit")]
type Layer = egov_audit::web::AuditLayer;
#[cfg(not(feature = "audit"))]
type Layer = ();

/// The audit mode of each of `methods` (`*`: any) on `path`, or `None` without
/// an audit layer.
fn audit_modes(
    layer: Option<&Layer>,
    methods: &[String],
    path: &str,
) -> Option<BTreeMap<String, String>> {
    #[cfg(not(feature = "audit"))]
    {
        let _ = (layer, methods, path);
        None
    }
    #[cfg(feature = "audit")]
    layer.map(|layer| {
        methods
            .iter()
            .map(|name| {
                let method = Method::from_bytes(name.as_bytes()).unwrap_or(Method::GET);
                let mode = match layer.mode(&method, Some(path)) {
                    egov_audit::web::RouteAudit::Off => "off".to_owned(),
                    egov_audit::web::RouteAudit::On => "on".to_owned(),
                    egov_audit::web::RouteAudit::PersonalData { action } => {
                        format!("personal_data:{}", action.as_str())
                    }
                };
                (name.clone(), mode)
            })
            .collect()
    })
}

impl App {
    /// The audit layer, for [`audit_modes`].
    fn reported_layer(&self) -> Option<&Layer> {
        #[cfg(feature = "audit")]
        return self.audit_layer();
        #[cfg(not(feature = "audit"))]
        None
    }

    /// The report `egov check` reads (see the module docs), as far as the App
    /// knows it unbuilt: a route added without OpenAPI (`ApiRouter::route`, a
    /// page) has no methods yet — [`App::probed_conformance_report`] asks the
    /// built service for them.
    pub fn conformance_report(&self) -> ConformanceReport {
        let layer = self.reported_layer();
        let routes = self
            .route_table()
            .into_iter()
            .map(|route| {
                let methods = if route.methods.is_empty() {
                    vec!["*".to_owned()]
                } else {
                    route.methods.clone()
                };
                let audit = audit_modes(layer, &methods, &route.path);
                ReportedRoute {
                    path: route.path,
                    methods: route.methods,
                    policy: route.policy.to_string(),
                    audit,
                }
            })
            .collect();
        let resources: Vec<&egov_core::message::FluentResources> = crate::FRAMEWORK_MESSAGES
            .iter()
            .copied()
            .chain(self.message_resources().iter().copied())
            .collect();
        ConformanceReport {
            format: REPORT_FORMAT.to_owned(),
            framework_version: env!("CARGO_PKG_VERSION").to_owned(),
            routes,
            audit_layer: layer.is_some(),
            authentication: self.has_auth(),
            messages: egov_i18n::message_ids(&resources),
            migrations: self
                .migration_sets()
                .iter()
                .flat_map(|set| {
                    set.migrations().iter().map(|migration| ReportedMigration {
                        component: set.component().to_owned(),
                        version: migration.version(),
                        description: migration.description().to_owned(),
                        sha256: [
                            ("sqlite", egov_db::Backend::Sqlite),
                            ("postgres", egov_db::Backend::Postgres),
                        ]
                        .into_iter()
                        .map(|(name, backend)| (name.to_owned(), migration.checksum(backend)))
                        .collect(),
                    })
                })
                .collect(),
            pages: None,
        }
    }

    /// [`App::conformance_report`] completed by the built service itself, in
    /// process (what `egov check` reads):
    ///
    /// - **methods**: a route added without OpenAPI (`ApiRouter::route`: pages,
    ///   redirects, the kit's assets) is asked with a method it does not serve
    ///   (`OPTIONS`, else an extension method); its `405`'s `Allow` header
    ///   lists the methods it has (the method router answers it before any
    ///   policy), and the route is reported with those and their audit modes
    ///   instead of `*`;
    /// - **pages** ([`PagesReport`]): a browser's `GET` (its `Accept`, each
    ///   supported language) of each public `GET` route without path
    ///   parameters and of [`MISSING_PAGE_PROBE`], each HTML answer described
    ///   by [`PageFacts`].
    ///
    /// The requests go through the whole middleware stack (the audit trail
    /// records them); only `GET`, `OPTIONS` and the extension method are sent,
    /// anonymously.
    /// Routes behind a policy, or with parameters, are not asked for pages: a
    /// browser needs an account or an id the check does not have.
    ///
    /// # Errors
    ///
    /// The App cannot be built ([`App::build`]).
    pub async fn probed_conformance_report(self) -> Result<ConformanceReport, AppError> {
        let mut report = self.conformance_report();
        let layer = self.reported_layer().cloned();
        let locales: Vec<String> = self
            .catalog()?
            .negotiator()
            .supported()
            .map(|tag| tag.as_str().to_owned())
            .collect();
        let kit = self.has_pages();
        let router = self.build()?;
        for route in &mut report.routes {
            if !route.methods.is_empty() {
                continue;
            }
            if let Some(methods) = allowed_methods(&router, &route.path).await {
                route.audit = audit_modes(layer.as_ref(), &methods, &route.path);
                route.methods = methods;
            }
        }
        let mut paths: Vec<String> = report
            .routes
            .iter()
            .filter(|route| route.policy == "public" && !route.path.contains('{'))
            .filter(|route| route.methods.is_empty() || route.methods.iter().any(|m| m == "GET"))
            .map(|route| route.path.clone())
            .collect();
        paths.sort();
        paths.dedup();
        paths.push(MISSING_PAGE_PROBE.to_owned());
        let mut probes = Vec::new();
        for path in &paths {
            for locale in &locales {
                probes.push(probe(&router, path, locale).await);
            }
        }
        report.pages = Some(PagesReport { kit, probes });
        Ok(report)
    }
}

/// The methods sent to learn the ones a route serves, in order: `OPTIONS`,
/// which every layer lets through as a safe method (a login form's CSRF guard
/// refuses other methods without its token, before the route answers) and
/// which routes rarely serve; then an extension method nobody serves.
const UNSERVED_METHODS: [&str; 2] = ["OPTIONS", "EGOV-CHECK"];

/// The methods the route at `pattern` serves, from the `Allow` header of its
/// `405` to one of [`UNSERVED_METHODS`]; `None` when it answers both otherwise,
/// or is a wildcard (`{*rest}`: a nested router of many routes).
async fn allowed_methods(router: &axum::Router, pattern: &str) -> Option<Vec<String>> {
    let mut segments = Vec::new();
    for segment in pattern.split('/') {
        if segment.starts_with("{*") {
            return None;
        }
        segments.push(if segment.starts_with('{') {
            "egov-check"
        } else {
            segment
        });
    }
    let path = segments.join("/");
    for method in UNSERVED_METHODS {
        if let Some(methods) = allow_header(router, method, &path).await {
            return Some(methods);
        }
    }
    None
}

/// The methods of the `Allow` header of a `405` answer to `method path`.
async fn allow_header(router: &axum::Router, method: &str, path: &str) -> Option<Vec<String>> {
    use tower::ServiceExt;
    let mut request = http::Request::builder()
        .method(Method::from_bytes(method.as_bytes()).ok()?)
        .uri(path)
        .body(axum::body::Body::empty())
        .ok()?;
    request.extensions_mut().insert(peer());
    let response = tokio::time::timeout(PROBE_TIMEOUT, router.clone().oneshot(request))
        .await
        .ok()?
        .ok()?;
    if response.status() != http::StatusCode::METHOD_NOT_ALLOWED {
        return None;
    }
    let allow = response.headers().get(http::header::ALLOW)?.to_str().ok()?;
    let mut methods: Vec<String> = allow
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    // HEAD comes with GET; the report names GET, as OpenAPI routes do.
    if methods.iter().any(|m| m == "GET") {
        methods.retain(|m| m != "HEAD");
    }
    methods.sort();
    methods.dedup();
    (!methods.is_empty()).then_some(methods)
}

/// The peer address a probe comes from, as the server puts it in a request.
fn peer() -> axum::extract::ConnectInfo<std::net::SocketAddr> {
    axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// A browser's `GET path` in `locale`, answered by `router`.
async fn probe(router: &axum::Router, path: &str, locale: &str) -> PageProbe {
    use tower::ServiceExt;
    let mut probed = PageProbe {
        path: path.to_owned(),
        locale: locale.to_owned(),
        status: 0,
        content_type: String::new(),
        content_language: String::new(),
        html: None,
    };
    let Ok(mut request) = http::Request::get(path)
        .header(http::header::ACCEPT, BROWSER_ACCEPT)
        .header(http::header::ACCEPT_LANGUAGE, locale)
        .body(axum::body::Body::empty())
    else {
        return probed;
    };
    request.extensions_mut().insert(peer());
    let Ok(Ok(response)) =
        tokio::time::timeout(PROBE_TIMEOUT, router.clone().oneshot(request)).await
    else {
        return probed;
    };
    let header = |headers: &http::HeaderMap, name: http::header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    probed.status = response.status().as_u16();
    probed.content_type = header(response.headers(), http::header::CONTENT_TYPE);
    probed.content_language = header(response.headers(), http::header::CONTENT_LANGUAGE);
    let is_html = probed
        .content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/html"));
    if is_html {
        let body = axum::body::to_bytes(response.into_body(), PROBE_BODY_LIMIT)
            .await
            .unwrap_or_default();
        probed.html = Some(PageFacts::of(&String::from_utf8_lossy(&body)));
    }
    probed
}

impl PageFacts {
    /// The facts of the HTML document `html` (a forgiving scan of its tags, not
    /// a validating parse).
    pub fn of(html: &str) -> Self {
        let tags = tags(html);
        let attribute = |tag: &Tag, name: &str| {
            tag.attributes
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let lang = tags
            .iter()
            .find(|t| t.name == "html")
            .and_then(|t| attribute(t, "lang"))
            .filter(|lang| !lang.trim().is_empty());
        let main = tags.iter().position(|t| t.name == "main");
        let skip_link = main.is_some_and(|at| {
            attribute(&tags[at], "id")
                .filter(|id| !id.is_empty())
                .is_some_and(|id| {
                    let target = format!("#{id}");
                    tags[..at]
                        .iter()
                        .any(|t| t.name == "a" && attribute(t, "href").as_deref() == Some(&target))
                })
        });
        let privacy_link = tags
            .iter()
            .filter(|t| t.name == "a")
            .find(|t| {
                attribute(t, "class")
                    .is_some_and(|class| class.split_whitespace().any(|c| c == "egov-privacy"))
            })
            .and_then(|t| attribute(t, "href"));
        let mut local_links: Vec<String> = tags
            .iter()
            .filter_map(|t| match t.name.as_str() {
                "a" => attribute(t, "href"),
                "form" => attribute(t, "action"),
                _ => None,
            })
            .filter(|target| target.starts_with('/') && !target.starts_with("//"))
            .map(|target| {
                target
                    .split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        local_links.sort();
        local_links.dedup();
        Self {
            lang,
            main: main.is_some(),
            skip_link,
            privacy_link,
            local_links,
        }
    }
}

/// A start tag: its lower-case name and attributes (names lower-cased, values
/// with the few entities a URL or id may carry decoded).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of `html`, in order; comments are skipped.
fn tags(html: &str) -> Vec<Tag> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if name_len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        let (attributes, next) = attributes(&rest[name_len..]);
        rest = next;
        found.push(Tag { name, attributes });
    }
    found
}

/// The attributes of a start tag whose name has been read, and the text after
/// its `>`.
fn attributes(mut rest: &str) -> (Vec<(String, String)>, &str) {
    let mut attributes = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return (attributes, rest);
        }
        if let Some(after) = rest.strip_prefix('>') {
            return (attributes, after);
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
            .unwrap_or(rest.len())
            .max(1);
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            rest = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let (raw, next) = match rest.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let inner = &rest[1..];
                    let end = inner.find(quote).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = rest
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .unwrap_or(rest.len());
                    (&rest[..end], &rest[end..])
                }
            };
            value = decode_entities(raw);
            rest = next;
        }
        attributes.push((name, value));
    }
}

/// `&amp;`, `&quot;`, `&#39;`, `&#x27;`, `&lt;`, `&gt;` decoded (what HTML
/// escaping of a URL or an id produces).
fn decode_entities(raw: &str) -> String {
    raw.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Writes the report (with [`App::probed_conformance_report`]) to the file
/// named by [`REPORT_ENV`], if it is set. Returns the App back when it is not
/// (then the caller serves it), `None` when the report was written.
pub(crate) async fn write_if_requested(app: App) -> Result<Option<App>, AppError> {
    let Some(path) = std::env::var_os(REPORT_ENV) else {
        return Ok(Some(app));
    };
    let report = app.probed_conformance_report().await?;
    let json = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
    std::fs::write(path, json)?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_facts_of_a_kit_page() {
        let facts = PageFacts::of(
            r##"<!doctype html><HTML lang="ko"><head><title>t</title></head><body>
<!-- <main id="fake"> --><a class="egov-skip" href="#main">본문 바로가기</a>
<nav><a href="/lang/en?next=%2F" hreflang="en">English</a><a href='/notices?page=2'>x</a></nav>
<main id="main" tabindex="-1"><form method="post" action="/logout"><button>x</button></form></main>
<footer><a class="egov-privacy x" href="/privacy">개인정보처리방침</a> <a href="https://www.go.kr/">g</a>
<a href="//evil.example/">e</a></footer></body></html>"##,
        );
        assert_eq!(
            facts,
            PageFacts {
                lang: Some("ko".into()),
                main: true,
                skip_link: true,
                privacy_link: Some("/privacy".into()),
                local_links: vec![
                    "/lang/en".into(),
                    "/logout".into(),
                    "/notices".into(),
                    "/privacy".into()
                ],
            }
        );
    }

    #[test]
    fn a_hand_written_page_lacks_what_the_layout_has() {
        let facts = PageFacts::of("<html><body><h1>Hello</h1><main>hi</main></body></html>");
        assert_eq!(facts.lang, None);
        assert!(facts.main);
        assert!(!facts.skip_link);
        assert_eq!(facts.privacy_link, None);
        // A skip link after the main content, or to another target, does not count.
        let late = PageFacts::of(
            "<html lang=\"\"><main id=m></main><a href=\"#m\">skip</a><a href=\"#x\">x</a>",
        );
        assert_eq!(late.lang, None);
        assert!(!late.skip_link);
        // Anything at all is scanned without panicking.
        for text in [
            "",
            "<",
            "<a",
            "<a href",
            "<a href=",
            "<a href=\"",
            "<!--",
            "< >",
            "<é>",
        ] {
            let _ = PageFacts::of(text);
        }
    }
}
