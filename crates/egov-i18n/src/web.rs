//! axum integration (feature `axum`): the [`Locale`] extractor and the
//! [`LocaleLayer`] that negotiates each request's locale once.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll, ready};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, Response, Uri, header};
use tower::{Layer, Service};

use crate::catalog::I18n;
use crate::negotiate::{Locale, LocaleHints, Negotiator};
use crate::settings::I18nSettings;

impl Negotiator {
    /// The hints of a request: its locale query parameter (the first one, taken
    /// as written: tags need no percent-encoding), locale cookie (from any
    /// `Cookie` header, quotes removed) and first `Accept-Language` header.
    /// Header values that are not visible ASCII are ignored.
    pub fn hints_from_request<'a>(&self, uri: &'a Uri, headers: &'a HeaderMap) -> LocaleHints<'a> {
        let query = uri.query().and_then(|query| {
            query.split('&').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                (name == self.query_param()).then_some(value)
            })
        });
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name.trim() == self.cookie()).then(|| value.trim().trim_matches('"'))
            });
        let accept_language = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok());
        LocaleHints {
            query,
            cookie,
            accept_language,
        }
    }

    /// The locale of a request (see [`Self::negotiate`]).
    pub fn negotiate_request(&self, uri: &Uri, headers: &HeaderMap) -> Locale {
        self.negotiate(&self.hints_from_request(uri, headers))
            .clone()
    }
}

impl I18n {
    /// The locale of a request (see [`Negotiator::negotiate`]).
    pub fn negotiate_request(&self, uri: &Uri, headers: &HeaderMap) -> Locale {
        self.negotiator().negotiate_request(uri, headers)
    }

    /// A [`LocaleLayer`] for this catalog.
    pub fn layer(&self) -> LocaleLayer {
        LocaleLayer::new(self.clone())
    }
}

/// The negotiator of the default settings, for requests without an [`I18n`].
fn default_negotiator() -> Option<&'static Negotiator> {
    static DEFAULT: LazyLock<Option<Negotiator>> =
        LazyLock::new(|| Negotiator::new(&I18nSettings::default()).ok());
    DEFAULT.as_ref()
}

/// Extracts the request's locale. Never rejects.
///
/// The locale a [`LocaleLayer`] (or any earlier layer) stored in the request
/// extensions wins; otherwise it is negotiated from the request with the
/// [`I18n`] found in the extensions, or with the default [`I18nSettings`], and
/// stored for later extractors.
///
/// ```
/// use egov_i18n::Locale;
///
/// async fn handler(locale: Locale) -> String {
///     format!("you asked for {locale}")
/// }
/// let app: axum::Router = axum::Router::new().route("/", axum::routing::get(handler));
/// ```
impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(locale) = parts.extensions.get::<Locale>() {
            return Ok(locale.clone());
        }
        let locale = match parts.extensions.get::<I18n>() {
            Some(i18n) => i18n.negotiate_request(&parts.uri, &parts.headers),
            None => match default_negotiator() {
                Some(negotiator) => negotiator.negotiate_request(&parts.uri, &parts.headers),
                None => Locale::new(I18nSettings::default().default_locale),
            },
        };
        parts.extensions.insert(locale.clone());
        Ok(locale)
    }
}

/// Negotiates each request's locale once: stores the [`Locale`] (unless an
/// earlier layer stored one) and the [`I18n`] in the request extensions, and sets
/// `Content-Language` on the response unless the handler set it.
///
/// ```
/// use egov_i18n::{I18n, Locale};
///
/// let i18n = I18n::builder().resources(&egov_core::MESSAGES).build().unwrap();
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|locale: Locale| async move { locale.to_string() }))
///     .layer(i18n.layer());
/// ```
#[derive(Debug, Clone)]
pub struct LocaleLayer {
    i18n: I18n,
}

impl LocaleLayer {
    /// A layer negotiating with `i18n`.
    pub fn new(i18n: I18n) -> Self {
        Self { i18n }
    }
}

impl<S> Layer<S> for LocaleLayer {
    type Service = LocaleService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LocaleService {
            inner,
            i18n: self.i18n.clone(),
        }
    }
}

/// The service of [`LocaleLayer`].
#[derive(Debug, Clone)]
pub struct LocaleService<S> {
    inner: S,
    i18n: I18n,
}

impl<S, B, ResBody> Service<Request<B>> for LocaleService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = LocaleFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let locale = match request.extensions().get::<Locale>() {
            Some(locale) => locale.clone(),
            None => {
                let locale = self
                    .i18n
                    .negotiate_request(request.uri(), request.headers());
                request.extensions_mut().insert(locale.clone());
                locale
            }
        };
        if request.extensions().get::<I18n>().is_none() {
            request.extensions_mut().insert(self.i18n.clone());
        }
        LocaleFuture {
            inner: Box::pin(self.inner.call(request)),
            content_language: HeaderValue::from_str(locale.as_str()).ok(),
        }
    }
}

/// The response future of [`LocaleService`].
pub struct LocaleFuture<F> {
    inner: Pin<Box<F>>,
    content_language: Option<HeaderValue>,
}

impl<F> std::fmt::Debug for LocaleFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocaleFuture")
            .field("content_language", &self.content_language)
            .finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for LocaleFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut result = ready!(this.inner.as_mut().poll(cx));
        if let (Ok(response), Some(value)) = (&mut result, this.content_language.take()) {
            response
                .headers_mut()
                .entry(header::CONTENT_LANGUAGE)
                .or_insert(value);
        }
        Poll::Ready(result)
    }
}
