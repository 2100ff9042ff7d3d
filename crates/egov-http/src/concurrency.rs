//! Optimistic concurrency: [`Stale`], the 409 of a change based on an old read.

use std::collections::BTreeMap;

use egov_core::message::Message;
use egov_core::problem::{Problem, ProblemType};
use utoipa::IntoResponses;
use utoipa::openapi::{RefOr, Response};

use crate::error::IntoProblem;
use crate::openapi;

/// A change was based on version `current - n` of a record that is now at
/// version `.0`: someone else changed it since the caller read it.
///
/// As an error it is a 409 `conflict` problem whose detail names the current
/// version (`problem-stale-version-detail`); in `#[utoipa::path(responses(…,
/// Stale))]` it documents that 409.
///
/// ```
/// use egov_http::{ApiResult, Stale};
///
/// fn update(stored_version: i64, sent_version: i64) -> ApiResult<()> {
///     if stored_version != sent_version {
///         return Err(Stale(stored_version).into());
///     }
///     Ok(())
/// }
/// assert_eq!(update(2, 1).unwrap_err().0.status(), 409);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale(pub i64);

impl IntoProblem for Stale {
    fn into_problem(self) -> Problem {
        Problem::new(ProblemType::CONFLICT)
            .with_detail(Message::new("problem-stale-version-detail").arg("version", self.0))
    }
}

impl IntoResponses for Stale {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([(
            "409".to_owned(),
            openapi::problem_response("Changed by someone else since it was read"),
        )])
    }
}
