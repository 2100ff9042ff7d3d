//! Whatever the bytes, the extractors answer 400, 413, 415 or 422 (or let a valid
//! request through): never a 500, never a panic.

mod common;

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use common::{problem, send};
use egov_validation::Valid;
use egov_validation::korean::{BusinessNumber, PhoneNumber};
use proptest::prelude::*;
use serde::Deserialize;
use tokio::runtime::Runtime;
use validator::Validate;

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
struct Line {
    #[validate(length(min = 1, max = 10))]
    name: String,
    #[validate(range(min = 1, max = 9))]
    count: u8,
}

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
struct Document {
    #[validate(length(min = 1, max = 20))]
    title: String,
    #[validate(nested)]
    lines: Vec<Line>,
    phone: Option<PhoneNumber>,
    brn: Option<BusinessNumber>,
}

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
struct Flat {
    #[validate(range(min = 1, max = 100))]
    page: u32,
    #[validate(custom(function = "egov_validation::korean::postal_code"))]
    zip: Option<String>,
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    })
}

fn app() -> Router {
    Router::new()
        .route(
            "/json",
            post(|Valid(Json(_)): Valid<Json<Document>>| async { "ok" }),
        )
        .route(
            "/form",
            post(|Valid(Form(_)): Valid<Form<Flat>>| async { "ok" }),
        )
        .route(
            "/query",
            post(|Valid(Query(_)): Valid<Query<Flat>>| async { "ok" }),
        )
        .layer(DefaultBodyLimit::max(4096))
}

/// Sends a request and checks the answer: one of `allowed`, and a problem with
/// the same status whenever it is not 200.
fn check(request: Request<Body>, allowed: &[u16]) -> Result<u16, TestCaseError> {
    let response = runtime().block_on(send(&app(), request));
    let status = response.status().as_u16();
    prop_assert!(allowed.contains(&status), "status {}", status);
    if status != 200 {
        let problem = problem(&response);
        prop_assert!(problem.is_some());
        prop_assert_eq!(problem.unwrap().status(), status);
    }
    Ok(status)
}

/// The oracle for JSON bodies: serde_json + validator, independently of the crate.
fn json_ok(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Document>(bytes).is_ok_and(|b| b.validate().is_ok())
}

/// Valid documents with random edits: reach the data and rule paths, not only syntax errors.
fn mutated_json() -> impl Strategy<Value = Vec<u8>> {
    let base = r#"{"title":"t","lines":[{"name":"a","count":1},{"name":"b","count":2}],"phone":"010-1234-5678","brn":"124-81-00998"}"#;
    (proptest::collection::vec(
        (0usize..base.len(), any::<u8>(), 0u8..3),
        0..4,
    ),)
        .prop_map(move |(edits,)| {
            let mut bytes = base.as_bytes().to_vec();
            for (at, byte, op) in edits {
                let at = at.min(bytes.len());
                match op {
                    0 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ => bytes.insert(at, byte),
                }
            }
            bytes
        })
}

fn json_request(content_type: &str, bytes: Vec<u8>) -> Request<Body> {
    Request::post("/json")
        .header("content-type", content_type)
        .body(Body::from(bytes))
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_as_a_json_body(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let expected_ok = json_ok(&bytes);
        let status = check(json_request("application/json", bytes), &[200, 400, 422])?;
        prop_assert_eq!(status == 200, expected_ok);
    }

    #[test]
    fn edited_json_documents(bytes in mutated_json()) {
        let expected_ok = json_ok(&bytes);
        let status = check(json_request("application/json", bytes), &[200, 400, 422])?;
        prop_assert_eq!(status == 200, expected_ok);
    }

    #[test]
    fn arbitrary_content_types(content_type in "[ -~]{0,40}", bytes in mutated_json()) {
        let request = Request::post("/json").header("content-type", content_type.as_str());
        prop_assume!(request.body(Body::empty()).is_ok());
        let status = check(json_request(&content_type, bytes), &[200, 400, 415, 422])?;
        let lower = content_type.to_ascii_lowercase();
        if !lower.contains("json") {
            prop_assert_eq!(status, 415);
        }
    }

    #[test]
    fn oversized_bodies(extra in 4097usize..20_000) {
        check(json_request("application/json", vec![b' '; extra]), &[413])?;
    }

    #[test]
    fn arbitrary_bytes_as_a_form_body(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let request = Request::post("/form")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(bytes))
            .unwrap();
        check(request, &[200, 400, 422])?;
    }

    #[test]
    fn arbitrary_query_strings(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        // Percent-encode everything the URI grammar would refuse.
        let query: String = bytes
            .iter()
            .map(|&b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'=' | b'&' | b'%' | b'-' | b'.' | b'+' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let Ok(request) = Request::post(format!("/query?{query}")).body(Body::empty()) else {
            return Ok(());
        };
        check(request, &[200, 400, 422])?;
    }
}

#[test]
fn the_oracle_accepts_the_unedited_document() {
    let base = br#"{"title":"t","lines":[{"name":"a","count":1}],"phone":"010-1234-5678","brn":"124-81-00998"}"#;
    assert!(json_ok(base));
    let response = runtime().block_on(send(
        &app(),
        json_request("application/json", base.to_vec()),
    ));
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn edited_documents_reach_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeMap;

    let mut runner = TestRunner::deterministic();
    let strategy = mutated_json();
    let mut seen = BTreeMap::new();
    for _ in 0..300 {
        let bytes = strategy.new_tree(&mut runner).unwrap().current();
        let status = runtime()
            .block_on(send(&app(), json_request("application/json", bytes)))
            .status()
            .as_u16();
        *seen.entry(status).or_insert(0) += 1;
    }
    for status in [200, 400, 422] {
        assert!(seen.get(&status).copied().unwrap_or(0) >= 5, "{seen:?}");
    }
    assert_eq!(seen.keys().copied().collect::<Vec<_>>(), [200, 400, 422]);
}
