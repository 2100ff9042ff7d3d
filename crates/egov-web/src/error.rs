use axum::response::{IntoResponse, Response};
use egov_core::problem::Problem;
use http::StatusCode;

/// The error type of egov-web handlers: anything that converts into a
/// [`Problem`] (so `?` works on egov crates' errors).
///
/// The response it makes carries the problem unrendered; the problem layer of
/// the [`App`](crate::App) renders it in the request's locale as
/// `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl<E> From<E> for ApiError
where
    E: Into<Problem> + std::fmt::Display,
{
    fn from(error: E) -> Self {
        // The client gets an opaque problem; operators get the cause, once, here.
        let message = error.to_string();
        let problem = error.into();
        if problem.status() >= 500 {
            tracing::error!(error = %message, problem = %problem, "request failed");
        }
        ApiError(problem)
    }
}

/// The unrendered problem, in a response's extensions.
#[derive(Debug, Clone)]
pub(crate) struct PendingProblem(pub(crate) Problem);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(PendingProblem(self.0));
        response
    }
}

/// A handler result.
pub type ApiResult<T> = Result<T, ApiError>;
