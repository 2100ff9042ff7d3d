//! The public read API: groups and codes, localized, with strong ETags.

use super::*;

/// A group as the read API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    /// The group's id.
    pub id: String,
    /// Its label in the response's locale.
    pub label: String,
    /// Its description.
    pub description: Option<String>,
    /// Its custodian (owning unit).
    pub custodian: Option<String>,
    /// Its category.
    pub category: Option<String>,
    /// Whether it is active.
    pub active: bool,
}

/// A code as the read API lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    /// The code.
    pub code: String,
    /// Its label in the response's locale.
    pub label: String,
    /// Its description.
    pub description: Option<String>,
    /// Its parent code.
    pub parent: Option<String>,
    /// Its position.
    pub sort_order: i64,
    /// First valid day (inclusive).
    pub valid_from: Option<String>,
    /// Last valid day (inclusive).
    pub valid_to: Option<String>,
    /// Whether it is active.
    pub active: bool,
    /// Extra data.
    #[schema(value_type = Object)]
    pub attributes: Attributes,
    /// The record's version (for admin updates).
    pub version: i64,
}

/// `GET /codes/{group}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeList {
    /// The group.
    pub group: GroupView,
    /// The locale of the labels.
    pub locale: String,
    /// The date the list is valid on.
    pub at: String,
    /// Whether inactive codes are included.
    pub include_inactive: bool,
    /// The snapshot version (the ETag's first part).
    pub snapshot: i64,
    /// The codes, sorted.
    pub codes: Vec<CodeView>,
}

/// `GET /codes/{group}/{code}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeDetail {
    /// The group's id.
    pub group: String,
    /// The code in the response's locale.
    #[serde(flatten)]
    pub view: CodeView,
    /// All its labels.
    pub labels: Labels,
    /// Whether it is valid on `at` (it and its group active, `at` in its validity).
    pub valid: bool,
    /// The date `valid` refers to.
    pub at: String,
}

pub(super) fn code_view(code: &Code, locale: &str, fallbacks: &[&str]) -> CodeView {
    CodeView {
        code: code.code.clone(),
        label: code.label(locale, fallbacks).to_owned(),
        description: code.description.clone(),
        parent: code.parent.clone(),
        sort_order: code.sort_order,
        valid_from: code.valid_from.map(format_date),
        valid_to: code.valid_to.map(format_date),
        active: code.active,
        attributes: code.attributes.clone(),
        version: code.stamp.version,
    }
}

pub(super) fn etag(version: i64, at: Date, locale: &str, all: bool) -> String {
    format!(
        "\"{version}-{:04}{:02}{:02}-{locale}{}\"",
        at.year(),
        u8::from(at.month()),
        at.day(),
        if all { "-all" } else { "" }
    )
}

/// Whether `If-None-Match` matches `tag` (weak comparison, as RFC 9110 says).
pub(super) fn none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

pub(super) fn cached(
    registry: &CodeRegistry,
    headers: &HeaderMap,
    tag: &str,
    private: bool,
    body: impl FnOnce() -> Response,
) -> Response {
    let mut response = if none_match(headers, tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body()
    };
    set(&mut response, header::ETAG, tag);
    let cache = if private {
        "private, no-cache".to_owned()
    } else {
        format!("public, max-age={}", registry.settings().cache_max_age_secs)
    };
    set(&mut response, header::CACHE_CONTROL, &cache);
    set(&mut response, header::VARY, "Accept-Language, Cookie");
    response
}

pub(super) fn actor_of(actor: Option<Extension<Actor>>) -> Actor {
    actor.map_or_else(Actor::anonymous, |Extension(a)| a)
}

/// Lists a group's codes.
#[utoipa::path(get, path = "/codes/{group}", tag = "codes",
    params(
        ("group" = String, Path, description = "Group id, e.g. PETITION_TYPE"),
        ("at" = Option<String>, Query, description = "Valid on this date (YYYY-MM-DD); default today"),
        ("include_inactive" = Option<bool>, Query, description = "Also inactive codes (needs codes:write or codes:read-inactive; ignored otherwise)"),
        ("lang" = Option<String>, Query, description = "Locale of the labels (else cookie, Accept-Language)"),
    ),
    responses(
        (status = 200, description = "The codes, sorted", body = CodeList,
            headers(("ETag" = String, description = "Strong validator"), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)")))]
pub(super) async fn list_codes(
    State(registry): State<CodeRegistry>,
    Path(group): Path<String>,
    RawQuery(query): RawQuery,
    locale: Locale,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
) -> Response {
    let actor = actor_of(actor);
    let mut params = StrictQuery::parse(query.as_deref(), &["at", "include_inactive", "lang"]);
    let at = date(&mut params, "at");
    let wants_inactive = flag(&mut params, "include_inactive");
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let include_inactive =
        wants_inactive && (actor.has_permission(&WRITE) || actor.has_permission(&READ_INACTIVE));
    let at = at.unwrap_or_else(|| registry.today());
    let snapshot = registry.snapshot();
    let Some(entry) = snapshot.group_codes(&group) else {
        return problem_response(Problem::new(ProblemType::NOT_FOUND));
    };
    let g = entry.group();
    if !g.active && !include_inactive {
        return problem_response(Problem::new(ProblemType::NOT_FOUND));
    }
    let locale = locale.as_str().to_owned();
    let tag = etag(snapshot.version(), at, &locale, include_inactive);
    cached(&registry, &headers, &tag, include_inactive, || {
        let fallbacks = registry.fallbacks();
        let filter = ListFilter {
            at: (!include_inactive).then_some(at),
            include_inactive,
        };
        let codes = snapshot
            .list(&group, filter)
            .map(|codes| codes.map(|c| code_view(c, &locale, &fallbacks)).collect())
            .unwrap_or_default();
        json_response(
            StatusCode::OK,
            &CodeList {
                group: GroupView {
                    id: g.id.clone(),
                    label: g.label(&locale, &fallbacks).to_owned(),
                    description: g.description.clone(),
                    custodian: g.custodian.clone(),
                    category: g.category.clone(),
                    active: g.active,
                },
                locale: locale.clone(),
                at: format_date(at),
                include_inactive,
                snapshot: snapshot.version(),
                codes,
            },
        )
    })
}

/// Reads one code, whatever its state.
#[utoipa::path(get, path = "/codes/{group}/{code}", tag = "codes",
    params(
        ("group" = String, Path, description = "Group id"),
        ("code" = String, Path, description = "Code, percent-encoded (e.g. %25Y-%25m for %Y-%m, A%2FB for A/B)"),
        ("at" = Option<String>, Query, description = "Date `valid` refers to (YYYY-MM-DD); default today"),
        ("lang" = Option<String>, Query, description = "Locale of `label`"),
    ),
    responses(
        (status = 200, description = "The code", body = CodeDetail),
        (status = 304, description = "Not modified (If-None-Match)")))]
pub(super) async fn get_code(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    locale: Locale,
    headers: HeaderMap,
) -> Response {
    let mut params = StrictQuery::parse(query.as_deref(), &["at", "lang"]);
    let at = date(&mut params, "at");
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let at = at.unwrap_or_else(|| registry.today());
    let snapshot = registry.snapshot();
    let Some(found) = snapshot.code(&group, &code) else {
        return problem_response(Problem::new(ProblemType::NOT_FOUND));
    };
    let locale = locale.as_str().to_owned();
    let tag = etag(snapshot.version(), at, &locale, false);
    cached(&registry, &headers, &tag, false, || {
        let fallbacks = registry.fallbacks();
        json_response(
            StatusCode::OK,
            &CodeDetail {
                group: group.clone(),
                view: code_view(found, &locale, &fallbacks),
                labels: found.labels.clone(),
                valid: snapshot.is_valid(&group, &code, at),
                at: format_date(at),
            },
        )
    })
}
