//! egov-web's stack over the `Valid<…>` extractors: one request per input,
//! through the whole middleware stack (request id, locale, problems, panic
//! catching, timeout, body limit, actor, policy checks).
//!
//! The input is text-like, so that seeds are readable:
//!
//! ```text
//! <kind>\n<target>\n<content-type>\n<accept-language>\n<body…>
//! ```
//!
//! `kind` is the first byte of the first line: `j` POSTs a JSON body to a
//! `Valid<Json<_>>` route, `f` a form to `Valid<Form<_>>`, `g` GETs the form
//! route with `target` as its query, `q` GETs a `Valid<Query<_>>` route with
//! `target` as the query string, `p` GETs `/fuzz/path/<target>`
//! (`Valid<Path<_>>`); anything else sends the rest of the first line as the
//! method and `target` as the path and query, anywhere in the service. An empty
//! content type stands for the route's usual one. Bytes that cannot appear in a
//! request (a header value with a newline, a path that is no URI) are
//! percent-encoded or dropped, as an HTTP server would have refused them.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::extract::{Form, Json, Path, Query};
use axum::routing::{get, post};
use egov_core::access::AccessPolicy;
use egov_validation::Valid;
use egov_validation::korean::{BusinessNumber, ResidentNumber};
use egov_web::{ApiRouter, App, WebSettings};
use http::{HeaderValue, Method, Request, header};
use serde::Deserialize;
use tower::ServiceExt;
use validator::Validate;

/// A JSON body with nested records, typed identifiers and free JSON.
#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)] // read by serde and validator only
struct Person {
    #[validate(length(min = 1, max = 20))]
    name: String,
    #[validate(range(min = 0, max = 150))]
    age: Option<u32>,
    #[validate(custom(function = "egov_validation::korean::phone_number"))]
    phone: Option<String>,
    resident: Option<ResidentNumber>,
    #[validate(nested)]
    #[serde(default)]
    items: Vec<Item>,
    #[serde(default)]
    extra: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)] // read by serde and validator only
struct Item {
    #[validate(length(min = 1, max = 5))]
    item_code: String,
    #[validate(range(min = 1, max = 99))]
    count: i64,
    business: Option<BusinessNumber>,
}

/// Query and form fields.
#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)] // read by serde and validator only
struct Search {
    #[validate(range(min = 1, max = 1000))]
    page: Option<u32>,
    #[validate(length(max = 50))]
    q: Option<String>,
    #[validate(custom(function = "egov_validation::korean::postal_code"))]
    postal: Option<String>,
    flag: Option<bool>,
    score: Option<f64>,
}

/// Path parameters.
#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)] // read by serde and validator only
struct Params {
    #[validate(length(min = 2, max = 10))]
    id: String,
    n: u16,
}

async fn json(Valid(Json(person)): Valid<Json<Person>>) -> String {
    person.name
}

async fn query(Valid(Query(search)): Valid<Query<Search>>) -> String {
    search.q.unwrap_or_default()
}

async fn form(Valid(Form(search)): Valid<Form<Search>>) -> String {
    search.q.unwrap_or_default()
}

async fn path(Valid(Path(params)): Valid<Path<Params>>) -> String {
    params.id
}

/// The service, built once, and the runtime it runs on.
fn service() -> &'static (tokio::runtime::Runtime, Router) {
    static SERVICE: OnceLock<(tokio::runtime::Runtime, Router)> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let settings = WebSettings {
            // Small, so that inputs reach the limit.
            body_limit_bytes: 4096,
            ..WebSettings::default()
        };
        let routes = ApiRouter::new()
            .route("/fuzz/json", AccessPolicy::Public, post(json))
            .route("/fuzz/query", AccessPolicy::Public, get(query))
            .route("/fuzz/form", AccessPolicy::Public, get(form).post(form))
            .route("/fuzz/path/{id}/{n}", AccessPolicy::Public, get(path))
            .route(
                "/fuzz/private",
                AccessPolicy::permission("fuzz:read"),
                get(|| async { "never" }),
            );
        let router = runtime.block_on(async {
            App::new(settings)
                .router(routes)
                .build()
                .expect("the service builds")
        });
        (runtime, router)
    })
}

/// Bytes allowed as they are in a path or query; everything else is
/// percent-encoded.
fn encode(bytes: &[u8], keep: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `prefix` + `raw` as a URI: raw when it parses, else percent-encoded.
fn uri(prefix: &str, raw: &[u8], keep: &[u8]) -> String {
    let candidate = format!("{prefix}{}", String::from_utf8_lossy(raw));
    if raw.iter().all(|b| b.is_ascii_graphic()) && candidate.parse::<http::Uri>().is_ok() {
        candidate
    } else {
        format!("{prefix}{}", encode(raw, keep))
    }
}

/// `request` through `router`: the answer's status, headers and whole body.
pub(crate) async fn send(
    router: &Router,
    request: Request<Body>,
) -> (http::StatusCode, http::HeaderMap, axum::body::Bytes) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the body is readable");
    (parts.status, parts.headers, body)
}

/// Sends one request built from `data`; see the module docs for the format.
/// Asserts that the answer is never a 5xx, and that every 4xx is a problem
/// document (`application/problem+json`, `status` as sent, a stable type);
/// a text field that reached a handler holds no refused control character.
pub fn web_extract(data: &[u8]) {
    let mut parts = data.splitn(5, |&b| b == b'\n');
    let first = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let content_type = parts.next().unwrap_or_default();
    let accept_language = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default().to_vec();

    let kind = first.first().copied().unwrap_or(b'j');
    let (method, uri, default_type) = match kind {
        b'j' => (Method::POST, "/fuzz/json".to_owned(), "application/json"),
        b'f' => (
            Method::POST,
            "/fuzz/form".to_owned(),
            "application/x-www-form-urlencoded",
        ),
        b'g' => (Method::GET, uri("/fuzz/form?", target, b"=&+%-._~"), ""),
        b'q' => (Method::GET, uri("/fuzz/query?", target, b"=&+%-._~"), ""),
        b'p' => (Method::GET, uri("/fuzz/path/", target, b"/%-._~"), ""),
        _ => {
            let method = Method::from_bytes(&first[1..]).unwrap_or(Method::GET);
            let path = if target.first() == Some(&b'/') {
                uri("", target, b"/?=&%-._~")
            } else {
                uri("/", target, b"/?=&%-._~")
            };
            (method, path, "")
        }
    };
    let mut request = Request::builder().method(method).uri(&uri);
    let content_type = if content_type.is_empty() {
        default_type.as_bytes()
    } else {
        content_type
    };
    if !content_type.is_empty()
        && let Ok(value) = HeaderValue::from_bytes(content_type)
    {
        request = request.header(header::CONTENT_TYPE, value);
    }
    if !accept_language.is_empty()
        && let Ok(value) = HeaderValue::from_bytes(accept_language)
    {
        request = request.header(header::ACCEPT_LANGUAGE, value);
    }
    let Ok(request) = request.body(Body::from(body)) else {
        // Not a request an HTTP server would pass on (e.g. a bad method).
        return;
    };

    let (runtime, router) = service();
    let (status, headers, body) = runtime.block_on(send(router, request));

    assert!(
        !status.is_server_error(),
        "{status} for {uri}: {}",
        String::from_utf8_lossy(&body)
    );
    // The `Valid` routes echo the text they extracted: what passed the edge
    // rule for text holds no refused control character.
    if status.is_success() && matches!(kind, b'j' | b'f' | b'g' | b'q' | b'p') {
        let echoed = String::from_utf8_lossy(&body);
        assert!(
            egov_core::text::first_refused_control(&echoed).is_none(),
            "{uri} let a control character through: {echoed:?}"
        );
    }
    if status.is_client_error() {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            content_type.starts_with("application/problem+json"),
            "{status} for {uri} as {content_type:?}"
        );
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("a problem is JSON");
        assert_eq!(problem["status"], status.as_u16(), "{problem}");
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("urn:egov:problem:")),
            "{problem}"
        );
    }
}
