//! The request-recording layer: every request becomes an audit event.
//!
//! [`AuditLayer`] is a tower layer for [`axum::Router::layer`]. For each request
//! it records, once the response is ready and before it is returned:
//!
//! - **who**: the [`Actor`] in the request's extensions (egov-web inserts one per
//!   request, with the client IP, request id and trace id; anonymous if absent);
//! - **what**: the route *template* from [`MatchedPath`] (`/petitions/{id}`, never
//!   the raw URL with its identifiers) as the target `route`, or the target kind
//!   `unmatched` without any path when no route matched; the method and status
//!   in the detail;
//! - **how it ended**: [`Outcome::from_status`];
//! - **whose data**: the [`AuditSubjects`] (and [`AuditReason`], [`AuditTarget`])
//!   the handler put into the *response* extensions.
//!
//! ## Which requests, as which action
//!
//! Each route template and method has a [`RouteAudit`] mode:
//!
//! | mode | recorded as |
//! |---|---|
//! | [`RouteAudit::On`] (default) | [`Action::REQUEST`] |
//! | [`RouteAudit::PersonalData`] | its `action`, e.g. [`Action::VIEW`] or [`Action::DOWNLOAD`] |
//! | [`RouteAudit::Off`] | nothing — unless denied, or the handler named subjects |
//!
//! Routes under `/health/`, `/docs` and `/openapi.json` default to `Off`. A
//! `HEAD` request has the mode of `GET` unless `HEAD` has its own.
//! Whatever the mode, a request answered 401 or 403 is **always** recorded, as
//! [`Action::PERMISSION_DENIED`] with outcome `denied`; and a response that names
//! data subjects is always recorded (as `REQUEST` on an `Off` route): `Off`
//! silences routine traffic, never an access to personal data.
//!
//! ## A download without a reason
//!
//! A download or export of personal data must carry a reason (§8②). When a route
//! recorded as [`Action::DOWNLOAD`] or [`Action::EXPORT`] answers successfully
//! with subjects but without an [`AuditReason`], the layer **withholds the
//! response**: the client gets a 422 problem (`validation-failed`, detail
//! `audit-reason-required`) instead of the data, and the event is recorded with
//! outcome `failure`, reason code `missing_reason`, the number of subjects in the
//! detail (`subjects`), and no subject list (the event API accepts a subject list
//! of a download only with a reason). An unsuccessful response is passed on as
//! it is and recorded the same way.
//!
//! A handler that panics is recorded as a 500 (outcome `failure`), and the
//! panic then continues to the stack's panic handling (egov-web's answers an
//! opaque 500 problem).
//!
//! ## Durability, and what a 503 means
//!
//! Events are recorded with [`Durability::Committed`](crate::Durability): the
//! response leaves only after its event is in the database. If the event cannot
//! be recorded (the store is down, the writer stopped), the response is
//! **replaced** by a 503 problem (`service-unavailable`, detail
//! `audit-not-recorded`), so that no request is reported successful without its
//! audit event.
//!
//! This cannot undo the request: by then the handler has run, and whatever it
//! changed stays changed. The 503 tells the client that the outcome is not
//! confirmed, not that nothing happened. For business writes that must never
//! happen unrecorded, record the event in the same transaction with
//! [`AuditLog::record_in_transaction`]: the change and its event then commit or
//! roll back together.
//!
//! ## Placement
//!
//! Add the layer with [`axum::Router::layer`] *inside* the layers that set the
//! [`Actor`] (authentication) and *outside* the access-policy checks (so that
//! their 401/403 answers are seen), e.g. with egov-web's stack: the actor layer
//! wraps it, and the route-level policy checks run inside it. `Router::layer`
//! applies it to each route, where [`MatchedPath`] is known; a layer wrapping
//! the whole router from outside would see every request as unmatched.
//!
//! ```
//! use axum::Router;
//! use axum::routing::get;
//! use egov_audit::web::{AuditLayer, RouteAudit};
//! use egov_audit::{Action, AuditLog};
//! use http::Method;
//!
//! fn app(log: AuditLog) -> Router {
//!     Router::new()
//!         .route("/petitions/{id}", get(|| async { "…" }))
//!         .route("/petitions/{id}/file", get(|| async { "…" }))
//!         .layer(
//!             AuditLayer::new(log)
//!                 .route(Method::GET, "/petitions/{id}", RouteAudit::PersonalData { action: Action::VIEW })
//!                 .route(Method::GET, "/petitions/{id}/file", RouteAudit::PersonalData { action: Action::DOWNLOAD }),
//!         )
//! }
//! ```

use std::any::Any;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use egov_core::actor::Actor;
use egov_core::message::Message;
use egov_core::problem::{Problem, ProblemType};
use http::{Method, Request, Response, StatusCode};

use crate::{Action, AuditError, AuditEvent, AuditLog, Detail, Outcome, Reason, SubjectId, Target};

/// Most subjects in one event; a response naming more is recorded as several
/// events (`part` and `parts` in their detail).
const SUBJECTS_PER_EVENT: usize = 10_000;

/// How requests to a route are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAudit {
    /// Not recorded (health checks, docs, static assets) — except denied
    /// requests and responses naming data subjects, which always are.
    Off,
    /// Recorded as [`Action::REQUEST`].
    On,
    /// The route handles personal data: recorded as `action`. With
    /// [`Action::DOWNLOAD`] or [`Action::EXPORT`], a response naming subjects
    /// must carry an [`AuditReason`].
    PersonalData {
        /// What the route does to the data, e.g. [`Action::VIEW`].
        action: Action,
    },
}

/// The data subjects a response touched: put it into the **response**
/// extensions and the layer records them.
///
/// ```
/// use axum::response::IntoResponse;
/// use egov_audit::SubjectId;
/// use egov_audit::web::AuditSubjects;
///
/// fn answer(subject: SubjectId) -> axum::response::Response {
///     let mut response = "…".into_response();
///     response.extensions_mut().insert(AuditSubjects(vec![subject]));
///     response
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSubjects(pub Vec<SubjectId>);

/// Why personal data was downloaded or exported: put it into the response
/// extensions together with [`AuditSubjects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReason(pub Reason);

/// What the request acted on, when the handler knows better than the route
/// (e.g. `Target::new("petition", id)`): put it into the response extensions.
/// The route template stays in the event's detail (`route`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditTarget(pub Target);

#[derive(Debug, Clone)]
struct Config {
    log: AuditLog,
    /// Route template → (method, or `None` for every method; mode).
    routes: HashMap<String, Vec<(Option<Method>, RouteAudit)>>,
    unmatched: RouteAudit,
}

/// Records every request as an audit event; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct AuditLayer {
    config: Arc<Config>,
}

impl AuditLayer {
    /// Records into `log`, with the default modes (`On`; `Off` for `/health/…`,
    /// `/docs…` and `/openapi.json`).
    pub fn new(log: AuditLog) -> Self {
        Self {
            config: Arc::new(Config {
                log,
                routes: HashMap::new(),
                unmatched: RouteAudit::On,
            }),
        }
    }

    /// Sets the mode of `method` requests to the route `template`, written as
    /// the router has it, prefix included (e.g. `/api/petitions/{id}`).
    #[must_use]
    pub fn route(self, method: Method, template: impl Into<String>, mode: RouteAudit) -> Self {
        self.set(Some(method), template.into(), mode)
    }

    /// Sets the mode of every method of the route `template` (a mode set for
    /// one method with [`AuditLayer::route`] takes precedence).
    #[must_use]
    pub fn route_all_methods(self, template: impl Into<String>, mode: RouteAudit) -> Self {
        self.set(None, template.into(), mode)
    }

    /// Sets the mode of requests no route matched (default `On`: recorded with
    /// the target kind `unmatched` and no path).
    #[must_use]
    pub fn unmatched(mut self, mode: RouteAudit) -> Self {
        Arc::make_mut(&mut self.config).unmatched = mode;
        self
    }

    fn set(mut self, method: Option<Method>, template: String, mode: RouteAudit) -> Self {
        let modes = Arc::make_mut(&mut self.config)
            .routes
            .entry(template)
            .or_default();
        modes.retain(|(m, _)| *m != method);
        modes.push((method, mode));
        self
    }

    /// The mode of a `method` request to `template` (`None`: unmatched).
    pub fn mode(&self, method: &Method, template: Option<&str>) -> &RouteAudit {
        self.config.mode(method, template)
    }
}

impl Config {
    fn mode(&self, method: &Method, template: Option<&str>) -> &RouteAudit {
        let Some(template) = template else {
            return &self.unmatched;
        };
        if let Some(modes) = self.routes.get(template) {
            let find = |wanted: Option<&Method>| {
                modes
                    .iter()
                    .find(|(m, _)| m.as_ref() == wanted)
                    .map(|(_, mode)| mode)
            };
            // A HEAD request runs the GET handler, so it has the GET mode unless
            // it has its own.
            let head_as_get = (*method == Method::HEAD)
                .then(|| find(Some(&Method::GET)))
                .flatten();
            if let Some(mode) = find(Some(method)).or(head_as_get).or_else(|| find(None)) {
                return mode;
            }
        }
        let quiet = template == "/health"
            || template.starts_with("/health/")
            || template.starts_with("/docs")
            || template == "/openapi.json";
        if quiet {
            &RouteAudit::Off
        } else {
            &RouteAudit::On
        }
    }

    /// Records the request; returns the response to send.
    async fn record<B: Default>(
        &self,
        actor: Actor,
        method: Method,
        route: Option<String>,
        mut response: Response<B>,
    ) -> Response<B> {
        let status = response.status().as_u16();
        let extensions = response.extensions_mut();
        let subjects = extensions
            .remove::<AuditSubjects>()
            .map(|s| s.0)
            .unwrap_or_default();
        let reason = extensions.remove::<AuditReason>().map(|r| r.0);
        let handler_target = extensions.remove::<AuditTarget>().map(|t| t.0);

        let mode = self.mode(&method, route.as_deref());
        let mut outcome = Outcome::from_status(status);
        let action = if outcome == Outcome::Denied {
            Action::PERMISSION_DENIED
        } else {
            match mode {
                RouteAudit::Off if subjects.is_empty() => return response,
                RouteAudit::Off | RouteAudit::On => Action::REQUEST,
                RouteAudit::PersonalData { action } => action.clone(),
            }
        };

        let target = handler_target.unwrap_or_else(|| match &route {
            Some(template) => Target::new("route", template),
            None => Target::kind("unmatched"),
        });
        let mut detail = Detail::new().text("method", method.as_str());
        if let Some(template) = &route {
            detail = detail.text("route", template);
        }

        // A download of personal data without a reason is withheld, and recorded
        // as a failure without the subject list (see the module docs).
        let missing_reason = action.needs_reason() && !subjects.is_empty() && reason.is_none();
        let mut answered = status;
        if missing_reason {
            if outcome == Outcome::Success {
                let problem = Problem::from(AuditError::ReasonRequired)
                    .with_detail(Message::new("audit-reason-required"));
                answered = problem.status();
                response = problem_response(problem);
            }
            outcome = Outcome::Failure;
        }
        detail = detail.number("status", i64::from(answered));

        let base = AuditEvent::new(action, &actor, outcome).target(target);
        let base = match reason {
            Some(reason) => base.reason(reason),
            None => base,
        };
        let events: Vec<AuditEvent> = if missing_reason {
            let count = i64::try_from(subjects.len()).unwrap_or(i64::MAX);
            vec![
                base.detail(detail.number("subjects", count))
                    .reason_code("missing_reason"),
            ]
        } else if subjects.len() <= SUBJECTS_PER_EVENT {
            vec![base.subjects(subjects).detail(detail)]
        } else {
            let parts = subjects.len().div_ceil(SUBJECTS_PER_EVENT);
            subjects
                .chunks(SUBJECTS_PER_EVENT)
                .enumerate()
                .map(|(i, chunk)| {
                    base.clone().subjects(chunk.iter().cloned()).detail(
                        detail
                            .clone()
                            .number("part", i64::try_from(i + 1).unwrap_or(i64::MAX))
                            .number("parts", i64::try_from(parts).unwrap_or(i64::MAX)),
                    )
                })
                .collect()
        };

        for event in events {
            if let Err(error) = self.log.record(event).await {
                tracing::error!(
                    %error,
                    method = %method,
                    route = route.as_deref().unwrap_or("(unmatched)"),
                    status,
                    "the request's audit event was not recorded; answering 503"
                );
                return problem_response(
                    Problem::new(ProblemType::SERVICE_UNAVAILABLE)
                        .with_detail(Message::new("audit-not-recorded")),
                );
            }
        }
        response
    }
}

/// A future that turns a panic while polling into an `Err` with the payload.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.get_mut().0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// A bodiless response of `problem`'s status carrying `problem` in its
/// extensions, for egov-web's problem layer to render.
fn problem_response<B: Default>(problem: Problem) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() =
        StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.extensions_mut().insert(problem);
    response
}

impl<S> tower::Layer<S> for AuditLayer {
    type Service = AuditService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuditService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service of [`AuditLayer`]: wraps an infallible HTTP service (an axum
/// route or router).
#[derive(Debug, Clone)]
pub struct AuditService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S, ReqBody, ResBody> tower::Service<Request<ReqBody>> for AuditService<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<ResBody>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone is not necessarily ready; the one polled ready is used.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        let actor = request
            .extensions()
            .get::<Actor>()
            .cloned()
            .unwrap_or_else(Actor::anonymous);
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(|path| path.as_str().to_owned());
        let method = request.method().clone();
        Box::pin(async move {
            let called = std::panic::catch_unwind(AssertUnwindSafe(|| inner.call(request)));
            let outcome = match called {
                Ok(future) => CatchUnwind(Box::pin(future)).await,
                Err(panic) => Err(panic),
            };
            match outcome {
                Ok(Ok(response)) => Ok(config.record(actor, method, route, response).await),
                Err(panic) => {
                    // The request is recorded as the 500 it becomes; the panic
                    // then goes on to the stack's panic handling.
                    let response = problem_response::<ResBody>(Problem::internal());
                    let _ = config.record(actor, method, route, response).await;
                    std::panic::resume_unwind(panic)
                }
            }
        })
    }
}

/// What a handler that changes data needs: the audit log (from the router's
/// state, through `FromRef`) and the caller (the request's [`Actor`]).
///
/// [`begin`](Change::begin) opens the [`AuditedTx`](crate::AuditedTx) (only
/// when called, so that no lock is held while the body is read and
/// validated), and [`event`](Change::event) makes the successful change's
/// event, by this caller:
///
/// ```text
/// async fn create(change: Change, Valid(Json(new)): Valid<Json<NewNotice>>) -> ApiResult<…> {
///     let mut tx = change.begin().await?;
///     sqlx::query("INSERT …").bind(…).execute(&mut *tx).await?;
///     tx.commit(change.event(Action::CREATE, Target::new("notice", id))).await?;
///     …
/// }
/// ```
///
/// Without an `Actor` in the request (no egov-web stack), the caller is anonymous.
#[derive(Debug, Clone)]
pub struct Change {
    log: AuditLog,
    actor: Actor,
}

impl Change {
    /// A change by `actor` recorded into `log`.
    pub fn new(log: AuditLog, actor: Actor) -> Self {
        Self { log, actor }
    }

    /// Opens the write transaction ([`AuditLog::begin`]).
    ///
    /// # Errors
    ///
    /// As [`AuditLog::begin`].
    pub async fn begin(&self) -> Result<crate::AuditedTx, AuditError> {
        self.log.begin().await
    }

    /// The event of a successful `action` on `target` by this caller.
    pub fn event(&self, action: Action, target: Target) -> AuditEvent {
        AuditEvent::new(action, &self.actor, Outcome::Success).target(target)
    }

    /// The caller.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The audit log (and through it, the database).
    pub fn log(&self) -> &AuditLog {
        &self.log
    }
}

impl<S> axum::extract::FromRequestParts<S> for Change
where
    AuditLog: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let actor = parts
            .extensions
            .get::<Actor>()
            .cloned()
            .unwrap_or_else(Actor::anonymous);
        Ok(Change::new(axum::extract::FromRef::from_ref(state), actor))
    }
}
