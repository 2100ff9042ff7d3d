//! Picking the response locale from `Accept-Language`.
//!
//! A deliberately small negotiation (primary language subtags, q-values) so the
//! web stack can localize problems on its own; egov-i18n brings the full
//! per-request negotiation (query, cookie, BCP 47 matching).

/// The best of `supported` for an `Accept-Language` value, or `default`.
pub fn negotiate<'a>(
    accept_language: Option<&str>,
    supported: &[&'a str],
    default: &'a str,
) -> &'a str {
    let Some(header) = accept_language else {
        return default;
    };
    let mut ranges: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.trim().split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && q > 0.0 && q <= 1.0).then_some((q, position, tag))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges
        .iter()
        .find_map(|(_, _, tag)| {
            let primary = tag.split(['-', '_']).next().unwrap_or(tag);
            supported
                .iter()
                .find(|s| s.eq_ignore_ascii_case(primary))
                .copied()
        })
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    #[test]
    fn picks_by_quality_then_order_with_region_subtags() {
        let supported = ["ko", "en"];
        assert_eq!(negotiate(Some("en-US,en;q=0.9"), &supported, "ko"), "en");
        assert_eq!(
            negotiate(Some("fr;q=1, en;q=0.5, ko;q=0.8"), &supported, "ko"),
            "ko"
        );
        assert_eq!(negotiate(Some("ko-KR"), &supported, "en"), "ko");
        assert_eq!(negotiate(Some("de, *;q=0.1"), &supported, "ko"), "ko");
        assert_eq!(negotiate(Some("en;q=0"), &supported, "ko"), "ko");
        assert_eq!(negotiate(Some(";;;,,q=x"), &supported, "ko"), "ko");
        assert_eq!(negotiate(None, &supported, "en"), "en");
    }
}
