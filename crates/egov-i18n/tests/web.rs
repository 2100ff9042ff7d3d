//! The axum integration: `LocaleLayer` and the `Locale` extractor.
#![cfg(feature = "axum")]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use egov_core::message::Message;
use egov_i18n::{I18n, I18nSettings, Locale};
use tower::ServiceExt;

fn i18n() -> I18n {
    I18n::builder()
        .resources(&egov_core::MESSAGES)
        .resources(&egov_i18n::MESSAGES)
        .build()
        .unwrap()
}

/// Answers with the locale and a localized problem title.
async fn echo(locale: Locale, axum::Extension(i18n): axum::Extension<I18n>) -> String {
    let title = i18n.text(locale.as_str(), &Message::new("problem-not-found"));
    format!("{locale}|{title}")
}

fn app() -> Router {
    Router::new()
        .route("/", get(echo))
        .route(
            "/pinned",
            get(|| async { ([(header::CONTENT_LANGUAGE, "en")], "pinned").into_response() }),
        )
        .route(
            "/bare",
            get(|locale: Locale| async move { locale.to_string() }),
        )
        .layer(i18n().layer())
}

/// (status, Content-Language, body) of a GET.
async fn get_with(
    app: Router,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, Option<String>, String) {
    let mut request = Request::builder().uri(uri);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let language = response
        .headers()
        .get(header::CONTENT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, language, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn default_is_korean_with_content_language() {
    let (status, language, body) = get_with(app(), "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(language.as_deref(), Some("ko"));
    assert_eq!(body, "ko|요청한 자원을 찾을 수 없습니다");
}

#[tokio::test]
async fn accept_language_is_negotiated() {
    let headers = [(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9,ko;q=0.8")];
    let (_, language, body) = get_with(app(), "/", &headers).await;
    assert_eq!(language.as_deref(), Some("en"));
    assert_eq!(body, "en|Not found");
    let headers = [(header::ACCEPT_LANGUAGE, "fr, *;q=0.5")];
    assert_eq!(
        get_with(app(), "/", &headers).await.1.as_deref(),
        Some("ko")
    );
}

#[tokio::test]
async fn query_beats_cookie_beats_header() {
    let accept = (header::ACCEPT_LANGUAGE, "ko");
    let cookie = (header::COOKIE, "session=abc; lang=en");
    let (_, language, _) = get_with(app(), "/", &[accept, cookie.clone()]).await;
    assert_eq!(language.as_deref(), Some("en"));
    let (_, language, _) = get_with(app(), "/?x=1&lang=ko-KR", std::slice::from_ref(&cookie)).await;
    assert_eq!(language.as_deref(), Some("ko"));
    // An unsupported or malformed explicit choice falls through.
    let (_, language, _) = get_with(app(), "/?lang=fr", std::slice::from_ref(&cookie)).await;
    assert_eq!(language.as_deref(), Some("en"));
    let (_, language, _) = get_with(app(), "/?lang=%%%", &[(header::COOKIE, "lang=\"EN\"")]).await;
    assert_eq!(language.as_deref(), Some("en"));
    // Another cookie merely ending in `lang` is not ours.
    let (_, language, _) = get_with(app(), "/", &[(header::COOKIE, "xlang=en")]).await;
    assert_eq!(language.as_deref(), Some("ko"));
}

#[tokio::test]
async fn content_language_set_by_the_handler_is_kept() {
    let headers = [(header::ACCEPT_LANGUAGE, "ko")];
    let (_, language, body) = get_with(app(), "/pinned", &headers).await;
    assert_eq!((language.as_deref(), body.as_str()), (Some("en"), "pinned"));
}

#[tokio::test]
async fn a_locale_chosen_by_an_earlier_layer_wins() {
    let app = app().layer(axum::middleware::from_fn(
        |mut request: axum::extract::Request, next: axum::middleware::Next| async move {
            request.extensions_mut().insert(Locale::new("en"));
            next.run(request).await
        },
    ));
    let (_, language, body) = get_with(app, "/", &[(header::ACCEPT_LANGUAGE, "ko")]).await;
    assert_eq!(language.as_deref(), Some("en"));
    assert_eq!(body, "en|Not found");
}

#[tokio::test]
async fn extractor_without_the_layer_negotiates_itself() {
    // No layer, no I18n: the default settings.
    let bare = Router::new().route("/", get(|locale: Locale| async move { locale.to_string() }));
    let headers = [(header::ACCEPT_LANGUAGE, "EN-gb")];
    let (_, language, body) = get_with(bare.clone(), "/", &headers).await;
    assert_eq!((language, body.as_str()), (None, "en"));
    assert_eq!(get_with(bare, "/?lang=xx", &[]).await.2, "ko");

    // No layer, but an I18n in the extensions: its settings.
    let english = I18n::builder()
        .settings(I18nSettings {
            default_locale: "en".into(),
            query_param: "hl".into(),
            ..I18nSettings::default()
        })
        .resources(&egov_core::MESSAGES)
        .build()
        .unwrap();
    let with_i18n = Router::new()
        .route("/", get(|locale: Locale| async move { locale.to_string() }))
        .layer(axum::Extension(english));
    assert_eq!(get_with(with_i18n.clone(), "/", &[]).await.2, "en");
    assert_eq!(get_with(with_i18n.clone(), "/?hl=ko", &[]).await.2, "ko");
    assert_eq!(get_with(with_i18n, "/?lang=ko", &[]).await.2, "en");
}

#[tokio::test]
async fn non_ascii_headers_are_ignored() {
    let mut request = Request::builder().uri("/bare").body(Body::empty()).unwrap();
    request.headers_mut().insert(
        header::ACCEPT_LANGUAGE,
        HeaderValue::from_bytes(b"\xff\xfe, en").unwrap(),
    );
    request.headers_mut().insert(
        header::COOKIE,
        HeaderValue::from_bytes(b"lang=\xff").unwrap(),
    );
    let response = app().oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_LANGUAGE], "ko");
}
