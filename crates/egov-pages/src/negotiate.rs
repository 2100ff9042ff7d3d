//! The one rule that decides whether an error becomes a page or problem+json.

use http::HeaderMap;

/// Whether the client accepts an HTML page: some `Accept` header lists `text/html`
/// (any case, any parameters) without refusing it with `q=0`. A browser always
/// does (navigations and form posts alike); API clients ask for JSON or `*/*`,
/// which do not count, so they keep problem+json.
///
/// egov-web answers errors with [`Pages::problem_page`](crate::Pages::problem_page)
/// when this holds, and egov-http's `is_page_request` is this rule for `GET`/`HEAD`.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header};
///
/// let accept = |value: &'static str| {
///     let mut headers = HeaderMap::new();
///     headers.insert(header::ACCEPT, HeaderValue::from_static(value));
///     headers
/// };
/// assert!(egov_pages::accepts_html(&accept("text/html,application/xhtml+xml,*/*;q=0.8")));
/// assert!(!egov_pages::accepts_html(&accept("application/json")));
/// assert!(!egov_pages::accepts_html(&accept("*/*")));
/// assert!(!egov_pages::accepts_html(&accept("text/html;q=0, application/json")));
/// assert!(!egov_pages::accepts_html(&HeaderMap::new()));
/// ```
pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            let mut parts = media.split(';');
            let kind = parts.next().unwrap_or("").trim();
            let refused = parts.any(|parameter| {
                parameter.split_once('=').is_some_and(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("q")
                        && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                })
            });
            kind.eq_ignore_ascii_case("text/html") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    fn accepting(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                http::header::ACCEPT,
                HeaderValue::from_str(value).expect("visible ASCII"),
            );
        }
        headers
    }

    #[test]
    fn browsers_get_pages_and_api_clients_problems() {
        for html in [
            &["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"][..],
            &["TEXT/HTML"],
            &["application/json", "text/html;q=0.5"],
            &[" text/html ; level=1"],
        ] {
            assert!(accepts_html(&accepting(html)), "{html:?}");
        }
        for api in [
            &[][..],
            &["application/json"],
            &["application/problem+json"],
            &["*/*"],
            &["text/*"],
            &["text/html;q=0"],
            &["text/html; q=0.0"],
            &["text/htmlx"],
        ] {
            assert!(!accepts_html(&accepting(api)), "{api:?}");
        }
    }

    proptest! {
        /// Whatever a client sends, the rule answers (never panics), and a header
        /// without the text `text/html` never yields a page.
        #[test]
        fn any_accept_header_is_decided(value in "[ -~]{0,80}") {
            let headers = accepting(&[&value]);
            let html = accepts_html(&headers);
            if !value.to_ascii_lowercase().contains("text/html") {
                prop_assert!(!html);
            }
        }
    }
}
