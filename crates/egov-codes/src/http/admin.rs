//! The admin API (`codes:write`): categories, groups and codes with version
//! checks, history, import and export.

use super::*;

/// The body of a create or update: the record, the reason, and (for updates
/// without `If-Match`) the version the change is based on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteBody<T> {
    /// The record.
    pub record: T,
    /// Why (required for updates).
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the change is based on (updates; or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// The body of a deactivation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateBody {
    /// Why (required).
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the change is based on (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

impl<T> validator::Validate for WriteBody<T> {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl validator::Validate for DeactivateBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

pub(super) fn json_body<T: serde::de::DeserializeOwned + validator::Validate>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, Problem> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
    if !json {
        return Err(Problem::new(ProblemType::UNSUPPORTED_MEDIA_TYPE));
    }
    egov_validation::problem::from_json_slice(body)
}

/// Where the expected version came from.
#[derive(Clone, Copy)]
pub(super) enum Expected {
    /// `If-Match`: a mismatch is 412.
    IfMatch(Option<i64>),
    /// The body: a mismatch is 409.
    Body(i64),
}

pub(super) fn expected_version(
    headers: &HeaderMap,
    body: Option<i64>,
) -> Result<Expected, Problem> {
    if let Some(value) = headers.get(header::IF_MATCH) {
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(Expected::IfMatch(None));
        }
        // A tag that is not one of ours matches nothing: 412.
        let version = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(-1);
        return Ok(Expected::IfMatch(Some(version)));
    }
    match body {
        Some(version) => Ok(Expected::Body(version)),
        None => Err(field_problem(
            "/version",
            "required",
            Message::new("codes-version-required"),
        )),
    }
}

/// The expected version to pass on, with `If-Match: *` meaning "whatever it is".
pub(super) fn resolve(expected: Expected, current: Option<i64>) -> i64 {
    match expected {
        Expected::IfMatch(Some(v)) | Expected::Body(v) => v,
        Expected::IfMatch(None) => current.unwrap_or(-1),
    }
}

pub(super) fn write_error(error: Error, expected: Option<Expected>) -> Response {
    if let (Error::Conflict { .. }, Some(Expected::IfMatch(_))) = (&error, expected) {
        return problem_response(
            Problem::new(ProblemType::PRECONDITION_FAILED)
                .with_detail(Message::new("codes-stale-version")),
        );
    }
    problem_response(Problem::from(error))
}

pub(super) fn written<T: Serialize>(
    status: StatusCode,
    record: &T,
    version: i64,
    location: Option<String>,
) -> Response {
    let mut response = json_response(status, record);
    set(&mut response, header::ETAG, &format!("\"{version}\""));
    set(&mut response, header::CACHE_CONTROL, "no-store");
    if let Some(location) = location {
        set(&mut response, header::LOCATION, &location);
    }
    response
}

pub(super) fn required_reason(reason: Option<&str>) -> &str {
    reason.unwrap_or("")
}

/// A write body that may carry the version the change is based on.
pub(super) trait VersionedBody: serde::de::DeserializeOwned + validator::Validate {
    fn based_on(&self) -> Option<i64>;
}

impl<T: serde::de::DeserializeOwned> VersionedBody for WriteBody<T> {
    fn based_on(&self) -> Option<i64> {
        self.version
    }
}

impl VersionedBody for DeactivateBody {
    fn based_on(&self) -> Option<i64> {
        self.version
    }
}

// The snapshot's version of a record, which `If-Match: *` stands for.

pub(super) fn category_version(registry: &CodeRegistry, id: &str) -> Option<i64> {
    registry
        .snapshot()
        .categories()
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.stamp.version)
}

pub(super) fn group_version(registry: &CodeRegistry, id: &str) -> Option<i64> {
    registry.snapshot().group(id).map(|g| g.stamp.version)
}

pub(super) fn code_version(registry: &CodeRegistry, group: &str, code: &str) -> Option<i64> {
    registry
        .snapshot()
        .code(group, code)
        .map(|c| c.stamp.version)
}

/// The create handlers: reads the body, files the record under the path's
/// key (`file_under`), creates it and answers 201 with the record, its ETag
/// and, where `location` gives one, its public URL.
pub(super) async fn create_response<D: Draft + serde::de::DeserializeOwned>(
    registry: &CodeRegistry,
    actor: Option<Extension<Actor>>,
    headers: &HeaderMap,
    body: &Bytes,
    file_under: impl FnOnce(&mut D),
    location: impl FnOnce(&D::Record) -> Option<String>,
) -> Response {
    let body: WriteBody<D> = match json_body(headers, body) {
        Ok(b) => b,
        Err(p) => return problem_response(p),
    };
    let mut record = body.record;
    file_under(&mut record);
    match registry
        .create(&actor_of(actor), record, body.reason.as_deref())
        .await
    {
        Ok(r) => {
            let location = location(&r);
            written(StatusCode::CREATED, &r, r.stamp().version, location)
        }
        Err(e) => write_error(e, None),
    }
}

/// The update handlers: the record comes from the body, filed under the
/// path's key (`file_under`).
pub(super) async fn update_response<D: Draft + serde::de::DeserializeOwned>(
    registry: &CodeRegistry,
    actor: Option<Extension<Actor>>,
    headers: &HeaderMap,
    body: &Bytes,
    current: impl FnOnce() -> Option<i64>,
    file_under: impl FnOnce(&mut D),
) -> Response {
    versioned_write_response(
        headers,
        body,
        current,
        async |body: WriteBody<D>, expected| {
            let mut record = body.record;
            file_under(&mut record);
            registry
                .update(
                    &actor_of(actor),
                    record,
                    expected,
                    required_reason(body.reason.as_deref()),
                )
                .await
        },
    )
    .await
}

/// The deactivate handlers, for the record at history key `key`.
pub(super) async fn deactivate_response<D: Draft>(
    registry: &CodeRegistry,
    actor: Option<Extension<Actor>>,
    headers: &HeaderMap,
    body: &Bytes,
    current: impl FnOnce() -> Option<i64>,
    key: (&str, &str),
) -> Response {
    versioned_write_response(
        headers,
        body,
        current,
        async |body: DeactivateBody, expected| {
            registry
                .deactivate::<D>(
                    &actor_of(actor),
                    key,
                    expected,
                    required_reason(body.reason.as_deref()),
                )
                .await
        },
    )
    .await
}

/// The update and deactivate handlers: reads the body, takes the version the
/// change is based on from `If-Match` or the body, runs `write` with it and
/// answers 200 with the record and its ETag. `current` is the snapshot's
/// version of the record, which `If-Match: *` stands for.
pub(super) async fn versioned_write_response<B: VersionedBody, R: Record>(
    headers: &HeaderMap,
    body: &Bytes,
    current: impl FnOnce() -> Option<i64>,
    write: impl AsyncFnOnce(B, i64) -> Result<R, Error>,
) -> Response {
    let body: B = match json_body(headers, body) {
        Ok(b) => b,
        Err(p) => return problem_response(p),
    };
    let expected = match expected_version(headers, body.based_on()) {
        Ok(e) => e,
        Err(p) => return problem_response(p),
    };
    let version = resolve(expected, current());
    match write(body, version).await {
        Ok(r) => written(StatusCode::OK, &r, r.stamp().version, None),
        Err(e) => write_error(e, Some(expected)),
    }
}

/// Creates a category.
#[utoipa::path(post, path = "/admin/codes/categories", tag = "codes-admin",
    request_body = WriteBody<CategoryDraft>,
    responses(
        (status = 201, description = "Created", body = Category), Conflict))]
pub(super) async fn create_category(
    State(registry): State<CodeRegistry>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_response(
        &registry,
        actor,
        &headers,
        &body,
        |_: &mut CategoryDraft| {},
        |_| None,
    )
    .await
}

/// Replaces a category.
#[utoipa::path(put, path = "/admin/codes/categories/{category}", tag = "codes-admin",
    params(("category" = String, Path, description = "Category id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = WriteBody<CategoryDraft>,
    responses(
        (status = 200, description = "Updated", body = Category), Stale))]
pub(super) async fn update_category(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update_response(
        &registry,
        actor,
        &headers,
        &body,
        || category_version(&registry, &id),
        |record: &mut CategoryDraft| record.id.clone_from(&id),
    )
    .await
}

/// Deactivates a category.
#[utoipa::path(post, path = "/admin/codes/categories/{category}/deactivate", tag = "codes-admin",
    params(("category" = String, Path, description = "Category id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = DeactivateBody,
    responses(
        (status = 200, description = "Deactivated", body = Category), Stale))]
pub(super) async fn deactivate_category(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deactivate_response::<CategoryDraft>(
        &registry,
        actor,
        &headers,
        &body,
        || category_version(&registry, &id),
        ("", &id),
    )
    .await
}

/// With the admin screens (feature `pages`), a browser asking for a history is
/// sent to its page (`303`): a browser never sees raw JSON.
fn history_page(headers: &HeaderMap, page: impl FnOnce() -> String) -> Option<Response> {
    #[cfg(feature = "pages")]
    if egov_pages::accepts_html(headers) {
        return Some(crate::pages::see_other(&page()));
    }
    #[cfg(not(feature = "pages"))]
    let _ = (headers, page);
    None
}

pub(super) fn history_response(result: Result<Vec<HistoryEntry>, Error>) -> Response {
    match result {
        Ok(entries) if entries.is_empty() => problem_response(Problem::new(ProblemType::NOT_FOUND)),
        Ok(entries) => {
            let mut response = json_response(StatusCode::OK, &entries);
            set(&mut response, header::CACHE_CONTROL, "no-store");
            response
        }
        Err(e) => problem_response(Problem::from(e)),
    }
}

/// Every version of a category.
#[utoipa::path(get, path = "/admin/codes/categories/{category}/history", tag = "codes-admin",
    params(("category" = String, Path, description = "Category id")),
    responses(
        (status = 200, description = "Oldest version first", body = Vec<HistoryEntry>)))]
pub(super) async fn category_history(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(page) = history_page(&headers, || {
        format!("/admin/codes?category={}", path_segment(&id))
    }) {
        return page;
    }
    history_response(registry.category_history(&id).await)
}

/// Creates a group.
#[utoipa::path(post, path = "/admin/codes/groups", tag = "codes-admin",
    request_body = WriteBody<GroupDraft>,
    responses(
        (status = 201, description = "Created", body = CodeGroup), Conflict))]
pub(super) async fn create_group(
    State(registry): State<CodeRegistry>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_response(
        &registry,
        actor,
        &headers,
        &body,
        |_: &mut GroupDraft| {},
        |g| Some(format!("/codes/{}", path_segment(&g.id))),
    )
    .await
}

/// Replaces a group.
#[utoipa::path(put, path = "/admin/codes/groups/{group}", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = WriteBody<GroupDraft>,
    responses(
        (status = 200, description = "Updated", body = CodeGroup), Stale))]
pub(super) async fn update_group(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update_response(
        &registry,
        actor,
        &headers,
        &body,
        || group_version(&registry, &id),
        |record: &mut GroupDraft| record.id.clone_from(&id),
    )
    .await
}

/// Deactivates a group.
#[utoipa::path(post, path = "/admin/codes/groups/{group}/deactivate", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = DeactivateBody,
    responses(
        (status = 200, description = "Deactivated", body = CodeGroup), Stale))]
pub(super) async fn deactivate_group(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deactivate_response::<GroupDraft>(
        &registry,
        actor,
        &headers,
        &body,
        || group_version(&registry, &id),
        (&id, ""),
    )
    .await
}

/// Every version of a group.
#[utoipa::path(get, path = "/admin/codes/groups/{group}/history", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id")),
    responses(
        (status = 200, description = "Oldest version first", body = Vec<HistoryEntry>)))]
pub(super) async fn group_history(
    State(registry): State<CodeRegistry>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(page) = history_page(&headers, || {
        format!("/admin/codes/groups/{}/changes", path_segment(&id))
    }) {
        return page;
    }
    history_response(registry.group_history(&id).await)
}

/// Creates a code in a group.
#[utoipa::path(post, path = "/admin/codes/groups/{group}/codes", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id")),
    request_body = WriteBody<CodeDraft>,
    responses(
        (status = 201, description = "Created", body = Code), Conflict))]
pub(super) async fn create_code(
    State(registry): State<CodeRegistry>,
    Path(group): Path<String>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_response(
        &registry,
        actor,
        &headers,
        &body,
        |record: &mut CodeDraft| record.group = group,
        |c| {
            Some(format!(
                "/codes/{}/{}",
                path_segment(&c.group),
                path_segment(&c.code)
            ))
        },
    )
    .await
}

/// Replaces a code.
#[utoipa::path(put, path = "/admin/codes/groups/{group}/codes/{code}", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"), ("code" = String, Path, description = "Code, percent-encoded (e.g. A%2FB for A/B)"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = WriteBody<CodeDraft>,
    responses(
        (status = 200, description = "Updated", body = Code), Stale))]
pub(super) async fn update_code(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    update_response(
        &registry,
        actor,
        &headers,
        &body,
        || code_version(&registry, &group, &code),
        |record: &mut CodeDraft| {
            record.group.clone_from(&group);
            record.code.clone_from(&code);
        },
    )
    .await
}

/// Deactivates a code.
#[utoipa::path(post, path = "/admin/codes/groups/{group}/codes/{code}/deactivate", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"), ("code" = String, Path, description = "Code, percent-encoded (e.g. A%2FB for A/B)"),
        ("If-Match" = Option<String>, Header, description = "The record's ETag")),
    request_body = DeactivateBody,
    responses(
        (status = 200, description = "Deactivated", body = Code), Stale))]
pub(super) async fn deactivate_code(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
    actor: Option<Extension<Actor>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    deactivate_response::<CodeDraft>(
        &registry,
        actor,
        &headers,
        &body,
        || code_version(&registry, &group, &code),
        (&group, &code),
    )
    .await
}

/// Every version of a code.
#[utoipa::path(get, path = "/admin/codes/groups/{group}/codes/{code}/history", tag = "codes-admin",
    params(("group" = String, Path, description = "Group id"), ("code" = String, Path, description = "Code, percent-encoded (e.g. A%2FB for A/B)")),
    responses(
        (status = 200, description = "Oldest version first", body = Vec<HistoryEntry>)))]
pub(super) async fn code_history(
    State(registry): State<CodeRegistry>,
    Path((group, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(page) = history_page(&headers, || {
        format!(
            "/admin/codes/groups/{}/codes/{}/changes",
            path_segment(&group),
            path_segment(&code)
        )
    }) {
        return page;
    }
    history_response(registry.code_history(&group, &code).await)
}

/// Imports a file: all or nothing.
#[utoipa::path(post, path = "/admin/codes/import", tag = "codes-admin",
    params(
        ("format" = String, Query, description = "json, csv or egovframe-sql"),
        ("reason" = Option<String>, Query, description = "Recorded in the history of every imported record"),
    ),
    request_body(content = String, description = "The file (UTF-8)", content_type = "text/plain"),
    responses(
        (status = 200, description = "Imported", body = ImportReport)))]
pub(super) async fn import(
    State(registry): State<CodeRegistry>,
    RawQuery(query): RawQuery,
    actor: Option<Extension<Actor>>,
    body: Bytes,
) -> Response {
    let mut params = StrictQuery::parse(query.as_deref(), &["format", "reason"]);
    if params.raw("format").is_none() {
        params.fail(
            "format",
            "required",
            Message::new("codes-query-choice").arg("choices", "json, csv, egovframe-sql"),
        );
    }
    let format = one_of(
        &mut params,
        "format",
        &["json", "csv", "egovframe-sql"],
        "json",
    );
    let reason = params.raw("reason").map(str::to_owned);
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return problem_response(
            Problem::new(ProblemType::BAD_REQUEST).with_detail(Message::new("codes-import-utf8")),
        );
    };
    let parsed = match format {
        "csv" => transfer::parse_csv(text),
        "egovframe-sql" => crate::egovframe::from_dump(text, registry.offset(), registry.now()),
        _ => transfer::parse_json(text),
    };
    let mut dataset = match parsed {
        Ok(dataset) => dataset,
        Err(issues) => return problem_response(Problem::from(Error::ImportRejected(issues))),
    };
    if let Some(reason) = reason.filter(|r| !r.is_empty()) {
        match crate::model::ChangeReason::new(reason) {
            Ok(reason) => dataset.reason = Some(reason.as_str().to_owned()),
            Err(issue) => return problem_response(Problem::from(Error::Invalid(vec![issue]))),
        }
    }
    match registry
        .import(&actor_of(actor), dataset, &no_progress)
        .await
    {
        Ok(report) => {
            let mut response = json_response(StatusCode::OK, &report);
            set(&mut response, header::CACHE_CONTROL, "no-store");
            response
        }
        Err(e) => problem_response(Problem::from(e)),
    }
}

/// Exports every category, group and code.
#[utoipa::path(get, path = "/admin/codes/export", tag = "codes-admin",
    params(("format" = Option<String>, Query, description = "json (default) or csv")),
    responses(
        (status = 200, description = "The export, as an attachment", content_type = "application/json")))]
pub(super) async fn export(
    State(registry): State<CodeRegistry>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut params = StrictQuery::parse(query.as_deref(), &["format"]);
    let format = one_of(&mut params, "format", &["json", "csv"], "json");
    if let Err(problem) = params.finish() {
        return problem_response(problem);
    }
    let (body, content_type) = match format {
        "csv" => (registry.export_csv().await, "text/csv; charset=utf-8"),
        _ => (registry.export_json().await, "application/json"),
    };
    match body {
        Ok(body) => {
            let mut response = Response::new(Body::from(body));
            set(&mut response, header::CONTENT_TYPE, content_type);
            set(&mut response, header::CACHE_CONTROL, "no-store");
            let today = registry.today();
            set(
                &mut response,
                header::CONTENT_DISPOSITION,
                &format!(
                    "attachment; filename=\"codes-{:04}{:02}{:02}.{format}\"",
                    today.year(),
                    u8::from(today.month()),
                    today.day()
                ),
            );
            response
        }
        Err(e) => problem_response(Problem::from(e)),
    }
}
