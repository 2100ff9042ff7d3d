//! The kit's compiled-in assets and its two public routes: the assets themselves and
//! the language switch. egov-web mounts them (public) on every App with pages.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use egov_i18n::I18n;
use http::{HeaderValue, StatusCode, Uri, header};

/// Where the assets are served: `{ASSETS_PATH}/egov.css`, `{ASSETS_PATH}/favicon.svg`.
pub const ASSETS_PATH: &str = "/egov-static";
/// The language switch: `GET {LANGUAGE_PATH}/{tag}?next=/where` remembers the
/// language in the locale cookie and goes back to `next` (a local path only).
pub const LANGUAGE_PATH: &str = "/lang";

/// The layout's stylesheet.
pub const STYLESHEET: &str = include_str!("../static/egov.css");
/// The site icon (the layout links it; browsers ask for `/favicon.ico` otherwise).
pub const FAVICON_SVG: &str = include_str!("../static/favicon.svg");

/// `GET {ASSETS_PATH}/{name}`: the stylesheet or the icon, cached for a day; 404
/// for anything else.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (content_type, body) = match name.as_str() {
        "egov.css" => ("text/css; charset=utf-8", STYLESHEET),
        "favicon.svg" => ("image/svg+xml", FAVICON_SVG),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// `GET /favicon.ico`: browsers ask for it on pages without a `<link rel=icon>`
/// (a raw file, an error before the layout): the same icon.
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON_SVG,
    )
        .into_response()
}

/// `GET {LANGUAGE_PATH}/{tag}?next=`: sets the locale cookie when `tag` is a
/// supported locale, then `303 See Other` to `next` (a local path, else `/`).
/// Needs the App's [`I18n`] in the request (egov-web's locale layer puts it there).
pub async fn switch_language(
    Path(tag): Path<String>,
    uri: Uri,
    request: http::request::Parts,
) -> Response {
    let next = uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "next")
            .map(|(_, value)| value.into_owned())
    });
    let target = crate::local_path(next.as_deref());
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let Some(i18n) = request.extensions.get::<I18n>() else {
        return response;
    };
    let negotiator = i18n.negotiator();
    if negotiator.supported().any(|locale| locale.as_str() == tag)
        && let Ok(cookie) = HeaderValue::from_str(&format!(
            "{}={tag}; Path=/; SameSite=Lax; Max-Age=31536000",
            negotiator.cookie()
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
