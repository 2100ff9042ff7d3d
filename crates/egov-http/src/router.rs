use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use egov_core::access::{AccessDecision, AccessPolicy};
use egov_core::actor::Actor;
use egov_core::problem::{Problem, ProblemType};
use http::{HeaderValue, header};
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::Operation;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::error::ApiError;
use crate::openapi;

/// The OpenAPI extension member naming each operation's access policy.
pub const POLICY_EXTENSION: &str = "x-egov-access-policy";

/// One registered route and who may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The path pattern, e.g. `/api/greetings/{id}`.
    pub path: String,
    /// Upper-case method names; empty when the route answers every method.
    pub methods: Vec<String>,
    /// The declared policy.
    pub policy: AccessPolicy,
    /// Whether the route appears in the OpenAPI document.
    pub documented: bool,
}

/// Routes with their access policies: the only way to give routes to an
/// egov-web's `App`.
///
/// Every method takes an [`AccessPolicy`], so a route without one cannot be
/// written. The policy is enforced on each request before the handler runs, and
/// recorded in the OpenAPI document (`x-egov-access-policy`), with the problem
/// responses and security requirement the policy and the operation's
/// parameters and body imply ([`openapi::describe`](crate::openapi::describe)).
///
/// A route without a policy does not compile:
///
/// ```compile_fail
/// # use egov_http::ApiRouter;
/// # use utoipa_axum::routes;
/// /// Says hello.
/// #[utoipa::path(get, path = "/hello", responses((status = 200)))]
/// async fn hello() {}
/// let router: ApiRouter = ApiRouter::new().routes(routes!(hello));
/// ```
///
/// and neither does an undocumented route ([`ApiRouter::route`]: an HTML page,
/// a redirect) without a policy — undocumented routes are allowed, policy-less
/// ones are not:
///
/// ```compile_fail
/// # use egov_http::ApiRouter;
/// let router: ApiRouter = ApiRouter::new().route("/x", axum::routing::get(|| async {}));
/// ```
#[derive(Clone)]
pub struct ApiRouter<S = ()> {
    inner: OpenApiRouter<S>,
    routes: Vec<RouteInfo>,
}

impl<S> Default for ApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S> ApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// No routes yet.
    pub fn new() -> Self {
        Self {
            inner: OpenApiRouter::new(),
            routes: Vec::new(),
        }
    }

    /// Adds handlers documented with `#[utoipa::path]`, collected by
    /// `utoipa_axum::routes!`, all under `policy`.
    pub fn routes(mut self, policy: AccessPolicy, routes: UtoipaMethodRouter<S>) -> Self {
        let (mut schemas, mut paths, method_router) = routes;
        schemas.push((
            openapi::PROBLEM_SCHEMA.to_owned(),
            openapi::problem_schema(),
        ));
        for (path, item) in paths.paths.iter_mut() {
            let mut methods = Vec::new();
            for (name, operation) in [
                ("GET", &mut item.get),
                ("PUT", &mut item.put),
                ("POST", &mut item.post),
                ("DELETE", &mut item.delete),
                ("OPTIONS", &mut item.options),
                ("HEAD", &mut item.head),
                ("PATCH", &mut item.patch),
                ("TRACE", &mut item.trace),
            ] {
                if let Some(operation) = operation {
                    mark_policy(operation, &policy);
                    openapi::describe(operation, &policy);
                    methods.push(name.to_owned());
                }
            }
            self.routes.push(RouteInfo {
                path: path.clone(),
                methods,
                policy: policy.clone(),
                documented: true,
            });
        }
        self.inner = self
            .inner
            .routes((schemas, paths, enforce(policy, method_router)));
        self
    }

    /// Adds a capability crate's documented routes, each group under its own
    /// policy, as capability crates that predate this crate hand their HTTP
    /// API over:
    /// `Vec<(AccessPolicy, UtoipaMethodRouter)>`.
    pub fn api(
        self,
        groups: impl IntoIterator<Item = (AccessPolicy, UtoipaMethodRouter<S>)>,
    ) -> Self {
        groups.into_iter().fold(self, |router, (policy, routes)| {
            router.routes(policy, routes)
        })
    }

    /// Adds an undocumented route (an HTML page, a redirect) under `policy`.
    pub fn route(
        mut self,
        path: &str,
        policy: AccessPolicy,
        method_router: MethodRouter<S>,
    ) -> Self {
        self.routes.push(RouteInfo {
            path: path.to_owned(),
            methods: Vec::new(),
            policy: policy.clone(),
            documented: false,
        });
        self.inner = self.inner.route(path, enforce(policy, method_router));
        self
    }

    /// Mounts a capability crate's plain axum `router` under `prefix`, every one
    /// of its routes under `policy` (e.g. egov-audit's admin API under
    /// `egov_audit::admin::ADMIN_POLICY`). Its routes are not in the OpenAPI
    /// document.
    pub fn nest_router(
        mut self,
        prefix: &str,
        policy: AccessPolicy,
        router: axum::Router<S>,
    ) -> Self {
        let prefix = prefix.trim_end_matches('/');
        self.routes.push(RouteInfo {
            path: format!("{prefix}/{{*rest}}"),
            methods: Vec::new(),
            policy: policy.clone(),
            documented: false,
        });
        let guarded = router.route_layer(middleware::from_fn_with_state(policy, check));
        self.inner = self.inner.nest(prefix, guarded.into());
        self
    }

    /// Mounts `router` under `prefix`, keeping its policies.
    pub fn nest(mut self, prefix: &str, router: ApiRouter<S>) -> Self {
        let prefix = prefix.trim_end_matches('/');
        self.routes.extend(router.routes.into_iter().map(|mut r| {
            r.path = format!("{prefix}{}", r.path);
            r
        }));
        self.inner = self.inner.nest(prefix, router.inner);
        self
    }

    /// Adds all of `router`'s routes.
    pub fn merge(mut self, router: ApiRouter<S>) -> Self {
        self.routes.extend(router.routes);
        self.inner = self.inner.merge(router.inner);
        self
    }

    /// Provides the handlers' state.
    pub fn with_state<S2>(self, state: S) -> ApiRouter<S2> {
        ApiRouter {
            inner: self.inner.with_state(state),
            routes: self.routes,
        }
    }

    /// The routes registered so far.
    pub fn route_table(&self) -> &[RouteInfo] {
        &self.routes
    }

    /// The routes as utoipa-axum's router, and the route table (for the
    /// crate that assembles the application).
    pub fn into_parts(self) -> (OpenApiRouter<S>, Vec<RouteInfo>) {
        (self.inner, self.routes)
    }
}

fn mark_policy(operation: &mut Operation, policy: &AccessPolicy) {
    let extension = ExtensionsBuilder::new()
        .add(POLICY_EXTENSION, policy.to_string())
        .build();
    match &mut operation.extensions {
        Some(existing) => existing.merge(extension),
        None => operation.extensions = Some(extension),
    }
}

/// Wraps every handler of `method_router` in the policy check.
fn enforce<S>(policy: AccessPolicy, method_router: MethodRouter<S>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    // Public routes too: the edge rule for text holds on every route.
    method_router.route_layer(middleware::from_fn_with_state(policy, check))
}

/// What every route runs around its handler: the policy check, then the edge
/// rule for text ([`crate::text`]); afterwards `Cache-Control: no-store` on
/// an authenticated caller's response.
async fn check(State(policy): State<AccessPolicy>, request: Request, next: Next) -> Response {
    let anonymous = Actor::anonymous();
    let actor = request.extensions().get::<Actor>().unwrap_or(&anonymous);
    match policy.evaluate(actor) {
        // The edge rule for text comes right after the policy: callers who
        // may not call the route learn nothing about its input rules.
        AccessDecision::Allow => {
            let authenticated = actor.is_authenticated();
            let mut response = match crate::text::check(request).await {
                Ok(request) => next.run(request).await,
                Err(problem) => ApiError(problem).into_response(),
            };
            // What an authenticated caller gets may be personal data: no
            // shared or browser cache keeps it, unless the handler decided.
            if authenticated && !response.headers().contains_key(header::CACHE_CONTROL) {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            response
        }
        AccessDecision::Unauthenticated => {
            let mut response = ApiError(Problem::new(ProblemType::UNAUTHENTICATED)).into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
        AccessDecision::Forbidden => {
            tracing::info!(policy = %policy, path = request.uri().path(), "access denied");
            ApiError(Problem::new(ProblemType::FORBIDDEN)).into_response()
        }
    }
}
