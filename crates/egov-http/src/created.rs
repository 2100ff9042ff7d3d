//! [`Created`]: the answer to a `POST` that made a resource.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// `201 Created` with `Location: .0` and the new resource `.1` as JSON.
///
/// ```
/// use axum::response::IntoResponse;
///
/// let response = egov_http::Created("/api/notices/1".into(), serde_json::json!({"id": "1"})).into_response();
/// assert_eq!(response.status(), 201);
/// assert_eq!(response.headers()["location"], "/api/notices/1");
/// ```
#[derive(Debug, Clone)]
pub struct Created<T>(pub String, pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::CREATED, Json(self.1)).into_response();
        if let Ok(location) = HeaderValue::from_str(&self.0) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
    }
}
