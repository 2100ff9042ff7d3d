//! Helpers shared by the behaviour tests.
#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::response::Response;
use egov_core::message::{MessageCatalog, StaticCatalog};
use egov_core::problem::{Problem, RenderedProblem, builtin_catalog};
use tower::ServiceExt;

/// Sends one request through `app` and returns the response.
pub async fn send(app: &Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.expect("infallible")
}

pub fn json_request(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

/// The problem a rejected response carries, if any.
pub fn problem(response: &Response) -> Option<Problem> {
    response.extensions().get::<Problem>().cloned()
}

/// `(field, code, message key)` of each field error.
pub fn fields(problem: &Problem) -> Vec<(String, String, String)> {
    problem
        .errors()
        .iter()
        .map(|e| {
            (
                e.field.clone(),
                e.code.to_string(),
                e.message.key().to_owned(),
            )
        })
        .collect()
}

/// The framework's catalog plus this crate's, as egov-web would use them.
pub fn catalogs() -> (StaticCatalog, StaticCatalog) {
    (
        builtin_catalog(),
        StaticCatalog::from_resources(&egov_validation::MESSAGES),
    )
}

pub fn render(problem: &Problem, locale: &str) -> RenderedProblem {
    let (core, validation) = catalogs();
    let catalogs: [&dyn MessageCatalog; 2] = [&validation, &core];
    problem.render(&catalogs, locale, &["en"])
}
