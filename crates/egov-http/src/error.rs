//! Handler errors: [`ApiError`] and the [`IntoProblem`] conversions that make
//! `?` work in handlers.

use std::fmt::Display;

use axum::response::{IntoResponse, Response};
use egov_core::paging::PagingError;
use egov_core::problem::{Problem, ProblemType};
use egov_db::DbError;
use http::StatusCode;

/// The error type of handlers: anything that is [`IntoProblem`] converts into
/// it, so `?` works on egov crates' errors **and on `sqlx::Error`**.
///
/// The response it makes carries the problem unrendered in its extensions; the
/// problem layer of egov-web's `App` renders it in the request's locale as
/// `application/problem+json`. Other crates' rejections (e.g. egov-validation's)
/// do the same with a bare [`Problem`] extension ([`problem_response`]).
///
/// ```
/// use egov_http::{ApiError, ApiResult};
///
/// async fn count(pool: &sqlx::AnyPool) -> ApiResult<i64> {
///     // `?` on a sqlx error: a 503 when the database is away, else a 500,
///     // the cause logged once and never shown to the client.
///     let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notices").fetch_one(pool).await?;
///     Ok(n)
/// }
/// ```
#[derive(Debug)]
pub struct ApiError(pub Problem);

/// Turns an error into the [`Problem`] a client sees.
///
/// Implemented for egov crates' errors and for `sqlx::Error`; implement it for
/// an application error that is `Into<Problem> + Display` with
/// [`into_problem!`](crate::into_problem) so that `?` works on it in handlers.
/// (A blanket over `Into<Problem>` would make `sqlx::Error` impossible to
/// convert: neither `Problem` nor `sqlx::Error` belongs to this crate.)
pub trait IntoProblem {
    /// The problem for the client; a server-side cause is logged here, once.
    fn into_problem(self) -> Problem;
}

/// The problem of `error`, logging its cause when the problem is a 5xx (the
/// client gets an opaque problem; operators get the cause, once, here).
pub fn logged_problem<E>(error: E) -> Problem
where
    E: Into<Problem> + Display,
{
    let message = error.to_string();
    let problem = error.into();
    if problem.status() >= 500 {
        tracing::error!(error = %message, problem = %problem, "request failed");
    }
    problem
}

/// Implements [`IntoProblem`] for error types that are `Into<Problem> + Display`
/// (through [`logged_problem`]).
///
/// ```
/// use egov_core::problem::{Problem, ProblemType};
///
/// #[derive(Debug)]
/// struct Closed;
/// impl std::fmt::Display for Closed {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("closed") }
/// }
/// impl From<Closed> for Problem {
///     fn from(_: Closed) -> Problem { Problem::new(ProblemType::CONFLICT) }
/// }
/// egov_http::into_problem!(Closed);
///
/// fn handler() -> egov_http::ApiResult<()> {
///     Err(Closed)?
/// }
/// assert_eq!(handler().unwrap_err().0.status(), 409);
/// ```
#[macro_export]
macro_rules! into_problem {
    ($($error:ty),+ $(,)?) => {
        $(impl $crate::IntoProblem for $error {
            fn into_problem(self) -> $crate::__private::Problem {
                $crate::logged_problem(self)
            }
        })+
    };
}

impl IntoProblem for Problem {
    fn into_problem(self) -> Problem {
        self
    }
}

impl IntoProblem for ProblemType {
    fn into_problem(self) -> Problem {
        Problem::new(self)
    }
}

impl IntoProblem for sqlx::Error {
    fn into_problem(self) -> Problem {
        DbError::from(self).into_problem()
    }
}

into_problem!(DbError, PagingError);

impl<E: IntoProblem> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into_problem())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(self.0)
    }
}

/// A bodiless response with `problem`'s status carrying `problem` in its
/// extensions, for egov-web's problem layer to render: any crate can answer
/// with a problem this way without depending on egov-web.
pub fn problem_response(problem: Problem) -> Response {
    let status =
        StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = status.into_response();
    response.extensions_mut().insert(problem);
    response
}

/// A handler result.
pub type ApiResult<T> = Result<T, ApiError>;
