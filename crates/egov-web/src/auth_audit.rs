//! The audit layer for an app with egov-auth: routes whose handlers record
//! every outcome themselves skip the request-level record.
//!
//! egov-auth's `POST /auth/login` records each attempt as `login` or
//! `login_failed` with a reason code (`bad_password`, `locked`, …) and the
//! account. The request layer would add a second, vaguer event for the same
//! attempt (`permission_denied` for every 401). For the routes in
//! [`egov_auth::web::SELF_AUDITED_ROUTES`] the request goes past the audit layer,
//! so one attempt is one event; every other route — `/auth/*` included — keeps
//! the layer, and its 401/403 answers are always recorded.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use axum::response::Response;
use egov_audit::web::AuditLayer;
use http::Request;
use tower::{Layer, Service, ServiceExt};

/// [`AuditLayer`], except for egov-auth's self-audited routes.
#[derive(Debug, Clone)]
pub(crate) struct AuthAwareAudit {
    pub(crate) audit: AuditLayer,
}

impl<S: Clone> Layer<S> for AuthAwareAudit {
    type Service = AuthAwareAuditService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthAwareAuditService {
            audited: self.audit.layer(inner.clone()),
            plain: inner,
        }
    }
}

/// The service of [`AuthAwareAudit`].
#[derive(Debug, Clone)]
pub(crate) struct AuthAwareAuditService<S> {
    audited: egov_audit::web::AuditService<S>,
    plain: S,
}

fn self_audited<B>(request: &Request<B>) -> bool {
    let Some(path) = request.extensions().get::<MatchedPath>() else {
        return false;
    };
    egov_auth::web::SELF_AUDITED_ROUTES
        .iter()
        .any(|(method, template)| request.method() == *method && path.as_str() == *template)
        // The session-ended page's login is egov-auth's login, which records itself.
        || (request.method() == http::Method::POST
            && path.as_str() == crate::draft::RESUME_FORM_PATH)
}

impl<S, B> Service<Request<B>> for AuthAwareAuditService<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Each call drives a clone to readiness (`oneshot`).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if self_audited(&request) {
            Box::pin(self.plain.clone().oneshot(request))
        } else {
            Box::pin(self.audited.clone().oneshot(request))
        }
    }
}
