use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use egov_core::access::AccessPolicy;
use egov_core::config::Profile;
use egov_core::message::FluentResources;
use egov_core::problem::{Problem, ProblemType};
use egov_db::Db;
use egov_i18n::{I18n, I18nSettings};
use http::{HeaderName, HeaderValue, Method, Request, header};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi;
use utoipa_axum::routes;

use crate::middleware::{self as mw, ProblemRenderer, RequestId};
use crate::settings::WebSettings;
use egov_http::ApiError;
use egov_http::{ApiRouter, RouteInfo};

/// The Content-Security-Policy of API responses: nothing may load, nothing may frame.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// The docs page needs its own (same-origin) scripts and styles.
#[cfg_attr(not(feature = "docs-ui"), allow(dead_code))]
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                        script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Builds an egov-rs web service: routes (each with an access policy), the
/// standard middleware stack, health endpoints and OpenAPI.
///
/// The middleware, outermost first — each layer sees what the ones before it did:
///
/// 1. **request id**: `x-request-id` kept if sane, else generated; echoed;
/// 2. **tracing**: one span per request (method, path without query string,
///    request id, W3C trace id continued from `traceparent`);
/// 3. **security headers**: `X-Content-Type-Options: nosniff`,
///    `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, a restrictive
///    `Content-Security-Policy` unless the route set its own, HSTS when
///    configured;
/// 4. **CORS**: closed unless `server.cors_allowed_origins` lists origins;
/// 5. **compression** (gzip);
/// 6. **locale**: negotiated once (`?lang=`, cookie, `Accept-Language`), put in
///    the request as [`egov_i18n::Locale`] with the [`egov_i18n::I18n`] catalog,
///    and sent back as `Content-Language`;
/// 7. **problems**: every error response becomes localized
///    `application/problem+json` (404, 405, 413, rejections, handler problems) —
///    or, for a client that accepts HTML when the App has [pages](App::pages), an
///    error page in the layout;
/// 8. **panic catching**: a panic becomes an opaque 500 problem;
/// 9. **request head limits**: a 414 problem for a target longer than
///    [`server::MAX_URI_BYTES`](crate::server::MAX_URI_BYTES), a 431 for more
///    header fields or bytes than [`crate::server`] allows;
/// 10. **timeout**: 503 `timeout` problem after `server.request_timeout_secs`;
/// 11. **body limit**: 413 beyond `server.body_limit_bytes`;
/// 12. **actor**: an [`egov_core::Actor`] with the request's context;
/// 13. **login redirect** (when [`App::login_page`] is set): a browser's page
///     request answered 401 by the layers below is sent to the login page;
/// 14. **authentication** (when [`App::auth`] is set): a bearer token (or, in
///     cookie mode, the `__Host-` cookie with CSRF protection on writes) fills
///     in the actor's account, roles and permissions; an invalid token is a 401;
/// 15. **audit** (when [`App::audit`] is set): each request recorded, denied ones always
///     (except `POST /auth/login`, whose handler records every attempt itself as
///     `login` or `login_failed`, so that one attempt is one event);
/// 16. the routes, each behind its access-policy check.
///
/// Under them all, [`App::serve`] runs [`crate::server`]: HTTP/1.1 with a
/// header read (and keep-alive idle) timeout and a connection limit.
pub struct App {
    settings: WebSettings,
    router: ApiRouter<()>,
    db: Option<Db>,
    resources: Vec<&'static FluentResources>,
    migration_sets: Vec<&'static egov_db::MigrationSet>,
    i18n_settings: I18nSettings,
    #[cfg(feature = "audit")]
    audit: Option<egov_audit::web::AuditLayer>,
    #[cfg(feature = "auth")]
    auth: Option<egov_auth::Auth>,
    login_page: Option<std::sync::Arc<str>>,
    pages: Option<egov_pages::PagesBuilder>,
    built_pages: Option<egov_pages::Pages>,
    admin: crate::admin::AdminConsole,
    profile: Profile,
    title: String,
    version: String,
}

impl App {
    /// A service configured by `settings`, with no routes yet.
    pub fn new(settings: WebSettings) -> Self {
        Self {
            settings,
            router: ApiRouter::new(),
            db: None,
            resources: Vec::new(),
            i18n_settings: I18nSettings::default(),
            #[cfg(feature = "audit")]
            audit: None,
            #[cfg(feature = "auth")]
            auth: None,
            login_page: None,
            pages: None,
            built_pages: None,
            admin: crate::admin::AdminConsole::new(),
            profile: Profile::Prod,
            migration_sets: Vec::new(),
            title: "egov-rs service".into(),
            version: "0.0.0".into(),
        }
    }

    /// Uses `db` for `/health/ready`.
    #[must_use]
    pub fn database(mut self, db: Db) -> Self {
        self.db = Some(db);
        self
    }

    /// Adds an application's Fluent messages. They are loaded after the
    /// framework's ([`FRAMEWORK_MESSAGES`]), so an application can
    /// override any framework message; later calls override earlier ones.
    #[must_use]
    pub fn messages(mut self, resources: &'static FluentResources) -> Self {
        self.resources.push(resources);
        self
    }

    /// Records every request in the audit trail (feature `audit`; see
    /// [`egov_audit::web::AuditLayer`] for per-route modes). The layer sits
    /// inside the actor layer, so it names the caller, and outside every route's
    /// policy check, so denied requests are recorded too.
    #[cfg(feature = "audit")]
    #[must_use]
    pub fn audit(mut self, layer: egov_audit::web::AuditLayer) -> Self {
        self.audit = Some(layer);
        self
    }

    /// Marks `method path` (a route pattern, e.g. `/api/permits/{id}`) as
    /// returning personal data: the audit layer records each request to it as
    /// a personal-data access (`action`, usually `Action::VIEW`; §8 of the
    /// 안전성 확보조치 기준) instead of a plain request — what `egov check`'s
    /// rule 2 looks for on the routes listed in `egov-check.toml`. Call it
    /// after the audit layer is installed (`Services::app` installs it); without
    /// one it does nothing, and the check reports the missing layer.
    #[cfg(feature = "audit")]
    #[must_use]
    pub fn personal_data_route(
        mut self,
        method: Method,
        path: &str,
        action: egov_audit::Action,
    ) -> Self {
        self.audit = self.audit.map(|layer| {
            layer.route(
                method,
                path,
                egov_audit::web::RouteAudit::PersonalData { action },
            )
        });
        self
    }

    /// Authenticates requests with egov-auth (feature `auth`) and mounts its routes (`/auth/*`,
    /// `/.well-known/jwks.json`; see [`egov_auth::web`]). The authentication
    /// layer sits inside the actor layer (it fills in the actor) and outside
    /// the audit layer and the routes' policy checks (so they see the account).
    #[cfg(feature = "auth")]
    #[must_use]
    pub fn auth(mut self, auth: egov_auth::Auth) -> Self {
        self.router = self
            .router
            .merge(ApiRouter::new().api(egov_auth::api(auth.clone())));
        self.auth = Some(auth);
        self
    }

    /// Mounts egov-codes' HTTP API (feature `codes`): the public `GET /codes/{group}` and
    /// `GET /codes/{group}/{code}`, and the admin API under `/admin/codes`
    /// (permission `codes:write`); see [`egov_codes::http`]. Also installs
    /// `registry` as the process's registry for the `CodeOf` validator.
    #[cfg(feature = "codes")]
    #[must_use]
    pub fn codes(mut self, registry: egov_codes::CodeRegistry) -> Self {
        registry.install_global();
        self.router = self.router.merge(egov_codes::http::api(registry));
        self
    }

    /// Sets the locales: default, supported, fallback chain, and where a client
    /// may choose one (`?lang=`, cookie). Defaults: `[i18n]`'s built-in values.
    #[must_use]
    pub fn i18n(mut self, settings: I18nSettings) -> Self {
        self.i18n_settings = settings;
        self
    }

    /// The message catalog: the framework's messages, then the application's.
    pub fn catalog(&self) -> Result<I18n, egov_i18n::BuildError> {
        FRAMEWORK_MESSAGES
            .iter()
            .copied()
            .chain(self.resources.iter().copied())
            .fold(
                I18n::builder().settings(self.i18n_settings.clone()),
                |builder, resources| builder.resources(resources),
            )
            .build()
    }

    /// Sends browsers to `path` (a public page route, e.g. `/login`) instead
    /// of answering 401: a `GET`/`HEAD` request accepting `text/html` that a
    /// route's policy (or [`egov_auth::CurrentUser`]) refuses as
    /// unauthenticated gets `303 See Other` to `path?next=<the page wanted>`.
    /// The denial is still recorded in the audit trail; API clients (no
    /// `text/html` in `Accept`) still get the 401 problem; a 403 stays a 403.
    /// The login handler must treat `next` as untrusted (only local paths).
    ///
    /// With [`App::auth`], the login form at `path` is also guarded against
    /// login CSRF ([`egov_auth::web::guard_login_form`]): its `GET` handler
    /// takes an [`egov_auth::web::LoginFormToken`] and renders it in the
    /// form's hidden `csrf_token` field, and a `POST` without the matching
    /// token is refused with 403 before the handler runs.
    ///
    /// With [`App::auth`], egov-auth's change-password page is mounted too, at
    /// [`egov_auth::web::CHANGE_PASSWORD_PAGE`] (`/auth/change-password`, policy
    /// `authenticated`; [`egov_auth::web::change_password_page`]), and a browser
    /// whose session must change its password first (egov-auth's 403
    /// `password-change-required`) is sent there (`303`, `?next=` the page it
    /// wanted) instead of to the page it asked for.
    #[must_use]
    pub fn login_page(mut self, path: &str) -> Self {
        self.login_page = Some(path.into());
        self
    }

    /// Serves pages with the page kit `pages` (egov-pages): every request carries
    /// it, so handlers extract an [`egov_pages::Page`] and render in the layout; the
    /// kit's assets (`/egov-static/egov.css`, `/egov-static/favicon.svg`,
    /// `/favicon.ico`) and its language switch (`/lang/{tag}?next=`) are mounted as
    /// public routes; and an error answered to a client that accepts HTML
    /// ([`egov_pages::accepts_html`]) becomes a page in its language with the
    /// problem's status, title, detail and request id — API clients keep
    /// problem+json.
    ///
    /// The kit is built with the service's templates and menu (`pages`) plus those of
    /// the [admin console](App::admin); a template that does not parse fails
    /// [`App::build`].
    #[must_use]
    pub fn pages(mut self, pages: egov_pages::PagesBuilder) -> Self {
        self.pages = Some(pages);
        self
    }

    /// Whether the App serves pages ([`App::pages`]).
    pub fn has_pages(&self) -> bool {
        self.pages.is_some() || self.built_pages.is_some()
    }

    /// Adds screens to the admin console (see [`crate::admin`]): mounted, with the
    /// console's index at `/admin`, when the App has [pages](App::pages).
    #[must_use]
    pub fn admin(mut self, console: crate::admin::AdminConsole) -> Self {
        self.admin = std::mem::take(&mut self.admin).merge(console);
        self
    }

    /// Names the service in the OpenAPI document.
    #[must_use]
    pub fn api_info(mut self, title: impl Into<String>, version: impl Into<String>) -> Self {
        self.title = title.into();
        self.version = version.into();
        self
    }

    /// The profile the service runs in (`config.profile()`;
    /// [`Services::app`](crate::service::Services::app) passes it). Without
    /// this call an `App` counts as [`Profile::Prod`], the strictest.
    ///
    /// It decides one thing here: the interactive API page at `/docs/`
    /// (Swagger UI, feature `docs-ui`) is served in the [`Profile::Dev`]
    /// profile only; `/openapi.json` is served in every profile (unless
    /// `server.openapi_docs = false`). The reason: a service's public pages
    /// must meet KWCAG 2.2 (Korea's web accessibility standard, aligned with
    /// WCAG 2.1 AA), and Swagger UI fails axe-core with critical and serious
    /// violations (unnamed buttons and fields, about a hundred low-contrast
    /// texts, buttons nested in buttons) that cannot be fixed from outside it.
    /// So it stays a developer's tool on a developer's machine; API clients,
    /// code generators and any other viewer read `/openapi.json`.
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Whether the built service serves the interactive API page at `/docs/`:
    /// feature `docs-ui`, `server.openapi_docs`, and the [`Profile::Dev`]
    /// profile ([`App::profile`] says why).
    pub fn serves_docs_page(&self) -> bool {
        cfg!(feature = "docs-ui") && self.settings.openapi_docs && self.profile == Profile::Dev
    }

    /// Adds routes (each already carrying its access policy).
    #[must_use]
    pub fn router(mut self, router: ApiRouter<()>) -> Self {
        self.router = self.router.merge(router);
        self
    }

    /// Every route the built service will answer, with its policy.
    pub fn route_table(&self) -> Vec<RouteInfo> {
        self.routes().1
    }

    #[cfg(feature = "audit")]
    pub(crate) fn audit_layer(&self) -> Option<&egov_audit::web::AuditLayer> {
        self.audit.as_ref()
    }

    pub(crate) fn has_auth(&self) -> bool {
        #[cfg(feature = "auth")]
        return self.auth.is_some();
        #[cfg(not(feature = "auth"))]
        false
    }

    /// The audit layer, when [`App::audit`] was given: egov-auth's login
    /// records each attempt itself, so with [`App::auth`] the layer leaves it.
    fn with_audit(&self, router: Router) -> Router {
        #[cfg(feature = "audit")]
        if let Some(audit) = &self.audit {
            #[cfg(feature = "auth")]
            if self.auth.is_some() {
                return router.layer(crate::auth_audit::AuthAwareAudit {
                    audit: audit.clone(),
                });
            }
            return router.layer(audit.clone());
        }
        router
    }

    /// The authentication layer, when [`App::auth`] was given.
    fn with_auth(&self, router: Router) -> Router {
        #[cfg(feature = "auth")]
        if let Some(auth) = &self.auth {
            // The login page's pre-session CSRF token, inside the cross-site
            // check of `authenticate`.
            let router = match &self.login_page {
                Some(path) => router.layer(from_fn_with_state(
                    egov_auth::web::LoginFormGuard::new(auth.clone(), path),
                    egov_auth::web::guard_login_form,
                )),
                None => router,
            };
            // The session-ended page's login form, guarded the same way.
            let router = if self.carries_drafts() {
                router.layer(from_fn_with_state(
                    egov_auth::web::LoginFormGuard::new(
                        auth.clone(),
                        crate::draft::RESUME_FORM_PATH,
                    ),
                    egov_auth::web::guard_login_form,
                ))
            } else {
                router
            };
            return router.layer(from_fn_with_state(auth.clone(), egov_auth::authenticate));
        }
        router
    }

    /// egov-auth's change-password page, when [`App::auth`] and
    /// [`App::login_page`] were given.
    fn auth_pages(&self) -> ApiRouter {
        #[cfg(feature = "auth")]
        if let (Some(auth), Some(_)) = (&self.auth, &self.login_page) {
            return ApiRouter::new().route(
                egov_auth::web::CHANGE_PASSWORD_PAGE,
                AccessPolicy::Authenticated,
                egov_auth::web::change_password_page(auth.clone())
                    .layer(axum::middleware::map_response(mw::keep_rendered_form)),
            );
        }
        ApiRouter::new()
    }

    /// Whether a form posted after the session ended keeps its values
    /// ([`crate::draft`]): with pages, egov-auth and a login page.
    fn carries_drafts(&self) -> bool {
        #[cfg(feature = "auth")]
        return self.has_pages() && self.auth.is_some() && self.login_page.is_some();
        #[cfg(not(feature = "auth"))]
        false
    }

    /// The draft-carrying layer ([`crate::draft::carry_draft`]), when
    /// [`App::carries_drafts`].
    fn with_draft_carrying(&self, router: Router) -> Router {
        #[cfg(feature = "auth")]
        if let (true, Some(auth), Some(login_page)) =
            (self.carries_drafts(), &self.auth, &self.login_page)
        {
            return router.layer(from_fn_with_state(
                crate::draft::DraftState {
                    auth: auth.clone(),
                    login_page: login_page.clone(),
                },
                crate::draft::carry_draft,
            ));
        }
        router
    }

    /// The session-ended page's login route ([`crate::draft`]).
    fn draft_routes(&self) -> ApiRouter {
        #[cfg(feature = "auth")]
        if let (true, Some(auth), Some(login_page)) =
            (self.carries_drafts(), &self.auth, &self.login_page)
        {
            return ApiRouter::new().route(
                crate::draft::RESUME_FORM_PATH,
                AccessPolicy::Public,
                axum::routing::post(crate::draft::resume).with_state(crate::draft::DraftState {
                    auth: auth.clone(),
                    login_page: login_page.clone(),
                }),
            );
        }
        ApiRouter::new()
    }

    /// The page kit's public routes (assets, language switch), with [`App::pages`].
    fn kit_routes(&self) -> ApiRouter {
        if !self.has_pages() {
            return ApiRouter::new();
        }
        let public = AccessPolicy::Public;
        self.admin
            .routes()
            .route(
                &format!("{}/{{name}}", egov_pages::assets::ASSETS_PATH),
                public.clone(),
                axum::routing::get(egov_pages::assets::asset),
            )
            .route(
                "/favicon.ico",
                public.clone(),
                axum::routing::get(egov_pages::assets::favicon),
            )
            .route(
                &format!("{}/{{tag}}", egov_pages::assets::LANGUAGE_PATH),
                public,
                axum::routing::get(egov_pages::assets::switch_language),
            )
    }

    pub(crate) fn message_resources(&self) -> &[&'static FluentResources] {
        &self.resources
    }

    /// Declares the migration sets the service runs (what it passed to
    /// [`Db::migrate`](egov_db::Db::migrate)), for the conformance report:
    /// `egov check` reports a file under `migrations/` that none of them
    /// holds. [`Services::app`](crate::service::Services::app) does this.
    #[must_use]
    pub fn migrations(mut self, sets: &[&'static egov_db::MigrationSet]) -> Self {
        self.migration_sets.extend_from_slice(sets);
        self
    }

    pub(crate) fn migration_sets(&self) -> &[&'static egov_db::MigrationSet] {
        &self.migration_sets
    }

    /// The route policy table as text, one route per line, sorted by path:
    /// `METHODS<TAB>PATH<TAB>POLICY` (`*` for every method), e.g.
    /// `GET\t/auth/me\tauthenticated`. For reviews and conformance checks.
    pub fn policy_table(&self) -> String {
        let mut rows: Vec<(String, String, String)> = self
            .route_table()
            .into_iter()
            .map(|r| {
                let methods = if r.methods.is_empty() {
                    "*".to_owned()
                } else {
                    r.methods.join(",")
                };
                (r.path, methods, r.policy.to_string())
            })
            .collect();
        rows.sort();
        rows.into_iter()
            .map(|(path, methods, policy)| format!("{methods}\t{path}\t{policy}\n"))
            .collect()
    }

    /// The route policy table as JSON rows:
    /// `[{"path", "methods", "policy", "documented"}]`, sorted by path.
    pub fn policy_table_json(&self) -> serde_json::Value {
        let mut routes = self.route_table();
        routes.sort_by(|a, b| a.path.cmp(&b.path).then(a.methods.cmp(&b.methods)));
        serde_json::Value::Array(
            routes
                .into_iter()
                .map(|r| {
                    serde_json::json!({
                        "path": r.path,
                        "methods": r.methods,
                        "policy": r.policy.to_string(),
                        "documented": r.documented,
                    })
                })
                .collect(),
        )
    }

    /// The OpenAPI document.
    pub fn openapi(&self) -> OpenApi {
        self.routes().2
    }

    /// Assembles the service: routes, health, OpenAPI (and, in the `dev`
    /// profile, the docs page) and the middleware stack.
    /// Fails when a message resource does not parse or the locale settings are
    /// inconsistent.
    pub fn build(mut self) -> Result<Router, AppError> {
        let i18n = self.catalog()?;
        if let Some(pages) = self.pages.take() {
            let pages = self.admin.register(pages).build()?;
            self.built_pages = Some(pages);
        }
        let proxies = crate::proxy::TrustedProxies::parse(&self.settings.trusted_proxies)
            .map_err(AppError::Settings)?;
        // Taken, not cloned: the application's routes carry their OpenAPI
        // operations, and a second copy at start-up is memory the process
        // would keep (glibc does not give back a fragmented heap).
        let application = std::mem::take(&mut self.router);
        let (router, _, _) = self.routes_with(application);
        Ok(self.with_stack(router, i18n, proxies))
    }

    /// Routes, health and docs, without the middleware stack.
    fn routes(&self) -> (Router, Vec<RouteInfo>, OpenApi) {
        self.routes_with(self.router.clone())
    }

    /// [`App::routes`] with the application's routes given.
    fn routes_with(&self, application: ApiRouter<()>) -> (Router, Vec<RouteInfo>, OpenApi) {
        let health = ApiRouter::new()
            .routes(AccessPolicy::Public, routes!(crate::health::live))
            .routes(AccessPolicy::Public, routes!(crate::health::ready))
            .with_state(self.db.clone());
        let (api, mut route_table) = ApiRouter::new()
            .merge(health)
            .merge(application)
            .merge(self.auth_pages())
            .merge(self.kit_routes())
            .merge(self.draft_routes())
            .into_parts();
        let (mut router, mut openapi) = api.split_for_parts();
        openapi.info.title = self.title.clone();
        openapi.info.version = self.version.clone();
        #[cfg(feature = "auth")]
        let cookie = Some(egov_auth::web::ACCESS_COOKIE);
        #[cfg(not(feature = "auth"))]
        let cookie = None;
        egov_http::openapi::add_security_schemes(&mut openapi, cookie);

        if self.settings.openapi_docs {
            // Serialized once: the document is served as bytes, and no copy
            // of the (large) OpenAPI structure is kept for the process's life.
            let document =
                axum::body::Bytes::from(serde_json::to_vec(&openapi).unwrap_or_default());
            router = router.route(
                "/openapi.json",
                axum::routing::get(move || {
                    let document = document.clone();
                    async move {
                        (
                            [(
                                header::CONTENT_TYPE,
                                HeaderValue::from_static("application/json"),
                            )],
                            document,
                        )
                    }
                }),
            );
            // The interactive page needs the Swagger UI assets (feature
            // `docs-ui`) and the dev profile (it is not accessible; see
            // `App::profile`); it reads the document from /openapi.json.
            let mut served = vec!["/openapi.json"];
            #[cfg(feature = "docs-ui")]
            if self.serves_docs_page() {
                let docs: Router = utoipa_swagger_ui::SwaggerUi::new("/docs")
                    .config(utoipa_swagger_ui::Config::from("/openapi.json"))
                    .into();
                router = router.merge(docs.layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(DOCS_CSP),
                )));
                served.push("/docs");
            }
            for path in served {
                route_table.push(RouteInfo {
                    path: path.into(),
                    methods: vec!["GET".into()],
                    policy: AccessPolicy::Public,
                    documented: false,
                });
            }
        }
        let router = router.fallback(|| async { ApiError(Problem::new(ProblemType::NOT_FOUND)) });
        (router, route_table, openapi)
    }

    fn with_stack(
        &self,
        router: Router,
        i18n: I18n,
        proxies: crate::proxy::TrustedProxies,
    ) -> Router {
        let settings = &self.settings;
        let renderer = Arc::new(ProblemRenderer {
            i18n: i18n.clone(),
            body_limit: settings.body_limit_bytes,
            pages: self.built_pages.clone(),
        });

        let cors = (!settings.cors_allowed_origins.is_empty()).then(|| {
            let origins: Vec<HeaderValue> = settings
                .cors_allowed_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect();
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                ])
                .allow_headers([
                    header::CONTENT_TYPE,
                    header::AUTHORIZATION,
                    header::ACCEPT_LANGUAGE,
                ])
                .expose_headers([mw::REQUEST_ID])
        });
        let hsts = settings.hsts.then(|| {
            SetResponseHeaderLayer::overriding(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            )
        });

        // Router::layer wraps what is already there, so the innermost layer
        // comes first here (the reverse of the list in the type's docs).
        let router = self.with_audit(router);
        let router = self.with_auth(router);
        let router = self.with_draft_carrying(router);
        let router = match &self.login_page {
            Some(path) => router.layer(from_fn_with_state(
                mw::LoginPage(path.clone()),
                mw::login_redirect,
            )),
            None => router,
        };
        // The page kit in every request, for `egov_pages::Page`.
        let router = match &self.built_pages {
            Some(pages) => router.layer(axum::Extension(pages.clone())),
            None => router,
        };
        let mut router = router
            .layer(from_fn_with_state(Arc::new(proxies), mw::actor))
            .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
            .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes))
            .layer(from_fn_with_state(
                Duration::from_secs(settings.request_timeout_secs.max(1)),
                mw::timeout,
            ))
            .layer(from_fn(mw::request_head_limits))
            .layer(CatchPanicLayer::custom(mw::panic_response))
            .layer(from_fn_with_state(renderer, mw::problems))
            .layer(i18n.layer())
            .layer(CompressionLayer::new());
        if let Some(cors) = cors {
            router = router.layer(cors);
        }
        if let Some(hsts) = hsts {
            router = router.layer(hsts);
        }
        router
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(API_CSP),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                HeaderName::from_static("x-content-type-options"),
                HeaderValue::from_static("nosniff"),
            ))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(make_span)
                    .on_request(())
                    .on_response(
                        |response: &http::Response<_>, latency: Duration, span: &tracing::Span| {
                            span.record("status", response.status().as_u16());
                            tracing::info!(latency_ms = latency.as_millis() as u64, "finished");
                        },
                    )
                    .on_failure(()),
            )
            .layer(from_fn(mw::request_id))
    }

    /// Binds `server.host:server.port` and serves until SIGTERM or Ctrl-C; see
    /// [`App::serve`].
    pub async fn run(self) -> Result<(), AppError> {
        let listener = TcpListener::bind((self.settings.host.as_str(), self.settings.port)).await?;
        self.serve(listener, crate::shutdown_signal()).await
    }

    /// Serves on `listener` until `shutdown` completes. Then it stops accepting
    /// connections and gives in-flight requests `server.shutdown_timeout_secs` to
    /// finish before returning.
    ///
    /// When the environment variable
    /// [`EGOV_CONFORMANCE_REPORT`](crate::conformance::REPORT_ENV) names a file,
    /// it writes the [conformance report](crate::conformance) there and returns
    /// at once without serving (how `egov check` inspects a service).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let Some(app) = crate::conformance::write_if_requested(self).await? else {
            return Ok(());
        };
        let limits = crate::server::Limits {
            header_read_timeout: Duration::from_secs(app.settings.header_read_timeout_secs),
            max_connections: app.settings.max_connections,
            shutdown_deadline: Duration::from_secs(app.settings.shutdown_timeout_secs),
        };
        let router = app.build()?;
        Ok(crate::server::serve(listener, router, limits, shutdown).await?)
    }
}

/// The messages of the crates egov-web composes, loaded before the application's.
pub const FRAMEWORK_MESSAGES: &[&FluentResources] = &[
    &egov_core::MESSAGES,
    &egov_i18n::MESSAGES,
    &egov_pages::MESSAGES,
    &egov_validation::MESSAGES,
    AUDIT_MESSAGES,
    CODES_MESSAGES,
    AUTH_MESSAGES,
];

/// A crate left out by egov-web's features has no messages.
#[allow(dead_code, reason = "used only when a feature is off")]
const NO_MESSAGES: &FluentResources = &FluentResources {
    component: "egov-web: feature off",
    files: &[],
};
#[cfg(feature = "audit")]
const AUDIT_MESSAGES: &FluentResources = &egov_audit::MESSAGES;
#[cfg(not(feature = "audit"))]
const AUDIT_MESSAGES: &FluentResources = NO_MESSAGES;
#[cfg(feature = "codes")]
const CODES_MESSAGES: &FluentResources = &egov_codes::MESSAGES;
#[cfg(not(feature = "codes"))]
const CODES_MESSAGES: &FluentResources = NO_MESSAGES;
#[cfg(feature = "auth")]
const AUTH_MESSAGES: &FluentResources = &egov_auth::MESSAGES;
#[cfg(not(feature = "auth"))]
const AUTH_MESSAGES: &FluentResources = NO_MESSAGES;

/// The service could not be built or served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// A message resource does not parse, or the locale settings are inconsistent.
    #[error("messages: {0}")]
    Messages(#[from] egov_i18n::BuildError),
    /// Binding or serving failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A `[server]` setting is not usable (e.g. a bad `trusted_proxies` entry).
    #[error("{0}")]
    Settings(String),
    /// A page template does not parse ([`App::pages`]).
    #[error("pages: {0}")]
    Pages(#[from] egov_pages::Error),
}

fn make_span(request: &Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.as_str())
        .unwrap_or_default();
    // The path only: query strings can carry personal data.
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = request.uri().path(),
        request_id,
        trace_id = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    egov_telemetry::set_parent_from_headers(&span, request.headers());
    if let Some(trace_id) = egov_telemetry::trace_id(&span) {
        span.record("trace_id", trace_id);
    }
    span
}
