use axum::response::{IntoResponse, Response};
use egov_core::problem::Problem;
use http::StatusCode;

/// The error type of egov-web handlers: anything that converts into a
/// [`Problem`] (so `?` works on egov crates' errors).
///
/// The response it makes carries the problem unrendered in its extensions; the
/// problem layer of the [`App`](crate::App) renders it in the request's locale
/// as `application/problem+json`. Other crates' rejections (e.g. egov-validation's)
/// do the same with a bare [`Problem`] extension.
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        // Rendered (localized, serialized) by the App's problem layer, which
        // looks for a `Problem` in the response extensions: any crate can answer
        // with a problem this way without depending on egov-web.
        response.extensions_mut().insert(self.0);
        response
    }
}

/// A handler result.
pub type ApiResult<T> = Result<T, ApiError>;
