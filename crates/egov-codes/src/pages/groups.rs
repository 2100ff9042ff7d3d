//! The list of categories and groups, a group's page, and the group form.

use super::*;
use crate::model::{ChangeReason, tidy};
use crate::{CodeGroup, GroupDraft};

#[derive(Serialize)]
struct CategoryRow {
    id: String,
    href: String,
    label: String,
    description: String,
    groups: usize,
    active: String,
}

#[derive(Serialize)]
struct GroupRow {
    id: String,
    href: String,
    label: String,
    category: String,
    codes: usize,
    custodian: String,
    active: String,
}

/// Whether `id` or one of `labels` contains `needle` (lower case; empty: all).
fn matches(needle: &str, id: &str, labels: &Labels) -> bool {
    needle.is_empty()
        || id.to_lowercase().contains(needle)
        || labels.values().any(|l| l.to_lowercase().contains(needle))
}

/// `GET /admin/codes`: categories, and the groups found by `q` (id or label) in
/// `category`.
pub(super) async fn index(
    State(registry): State<CodeRegistry>,
    page: Page,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Fields::query(query.as_deref());
    let q = params.get("q");
    let category = params.get("category");
    let needle = q.trim().to_lowercase();
    let snapshot = registry.snapshot();
    let groups = snapshot.groups();
    let categories: Vec<CategoryRow> = snapshot
        .categories()
        .iter()
        .map(|c| CategoryRow {
            id: c.id.clone(),
            href: format!("{SCREEN_PATH}?category={}", egov_pages::encode_query(&c.id)),
            label: label(&registry, &page, &c.labels, &c.id).to_owned(),
            description: c.description.clone().unwrap_or_default(),
            groups: groups
                .iter()
                .filter(|g| g.category.as_deref() == Some(c.id.as_str()))
                .count(),
            active: in_use(&page, c.active),
        })
        .collect();
    let found: Vec<GroupRow> = groups
        .iter()
        .filter(|g| category.is_empty() || g.category.as_deref() == Some(category.as_str()))
        .filter(|g| matches(&needle, &g.id, &g.labels))
        .map(|g| GroupRow {
            id: g.id.clone(),
            href: group_href(&g.id),
            label: label(&registry, &page, &g.labels, &g.id).to_owned(),
            category: g.category.clone().unwrap_or_default(),
            codes: snapshot.group_codes(&g.id).map_or(0, |e| e.all().len()),
            custodian: g.custodian.clone().unwrap_or_default(),
            active: in_use(&page, g.active),
        })
        .collect();
    let found_count = found.len();
    let (rows, number, pages) = paged(found, params.page_number(), PAGE_SIZE);
    let title = page.text("codes-page-title");
    let more = format!(
        "{SCREEN_PATH}?q={}&category={}&page=",
        egov_pages::encode_query(&q),
        egov_pages::encode_query(&category)
    );
    page.render(
        "codes/index.html",
        context! {
            title => title,
            breadcrumb => vec![
                Crumb { href: egov_pages::ADMIN_PATH.to_owned(), label: page.text("egov-page-admin") },
                Crumb { href: SCREEN_PATH.to_owned(), label: page.text("codes-page-title") },
            ],
            q => q,
            category => category,
            filtered => !q.is_empty() || !category.is_empty(),
            categories => categories,
            groups => rows,
            found => found_count,
            page_number => number,
            total_pages => pages,
            more => more,
            can_write => can_write(&page),
        },
    )
}

#[derive(Serialize)]
struct CodeRow {
    code: String,
    edit: String,
    changes: String,
    label_ko: String,
    label_en: String,
    validity: String,
    sort_order: i64,
    parent: String,
    active: String,
}

/// What the page shows of a group.
#[derive(Serialize)]
struct GroupView {
    id: String,
    label: String,
    category: String,
    label_ko: String,
    label_en: String,
    description: String,
    custodian: String,
    active: String,
    version: i64,
    updated_at: String,
    updated_by: String,
    edit: String,
    changes: String,
    new_code: String,
}

fn group_view(registry: &CodeRegistry, page: &Page, g: &CodeGroup) -> GroupView {
    let href = group_href(&g.id);
    GroupView {
        id: g.id.clone(),
        label: label(registry, page, &g.labels, &g.id).to_owned(),
        category: g.category.clone().unwrap_or_default(),
        label_ko: g.labels.get("ko").cloned().unwrap_or_default(),
        label_en: g.labels.get("en").cloned().unwrap_or_default(),
        description: g.description.clone().unwrap_or_default(),
        custodian: g.custodian.clone().unwrap_or_default(),
        active: in_use(page, g.active),
        version: g.stamp.version,
        updated_at: g.stamp.updated_at.clone(),
        updated_by: g.stamp.updated_by.clone(),
        edit: format!("{href}/edit"),
        changes: format!("{href}/changes"),
        new_code: format!("{href}/new-code"),
    }
}

/// How many codes a group's page lists at a time.
const CODES_PER_PAGE: usize = 100;

/// `GET /admin/codes/groups/{group}`: the group and its codes.
///
/// Documented in OpenAPI (an HTML page) because the same path is the JSON admin
/// API's `PUT`: `Allow` lists both, and the document must too.
#[utoipa::path(get, path = "/admin/codes/groups/{group}", tag = "codes-admin",
    params(("group" = String, Path, description = "The group's id")),
    responses((status = 200, description = "The group's page in the admin console", content_type = "text/html", body = String)))]
pub(super) async fn show(
    State(registry): State<CodeRegistry>,
    State(names): State<AccountNames>,
    page: Page,
    Path(group): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Fields::query(query.as_deref());
    let (mut view, codes) = {
        let snapshot = registry.snapshot();
        let Some(entry) = snapshot.group_codes(&group) else {
            return failure(Error::NotFound);
        };
        let view = group_view(&registry, &page, entry.group());
        let codes: Vec<CodeRow> = entry
            .all()
            .iter()
            .map(|c| {
                let href = code_href(&c.group, &c.code);
                CodeRow {
                    code: c.code.clone(),
                    edit: format!("{href}/edit"),
                    changes: format!("{href}/changes"),
                    label_ko: c.labels.get("ko").cloned().unwrap_or_default(),
                    label_en: c.labels.get("en").cloned().unwrap_or_default(),
                    validity: validity(&page, c.valid_from, c.valid_to),
                    sort_order: c.sort_order,
                    parent: c.parent.clone().unwrap_or_default(),
                    active: in_use(&page, c.active),
                }
            })
            .collect();
        (view, codes)
    };
    view.updated_by = Who::default().name(&names, &view.updated_by).await;
    let count = codes.len();
    let (rows, number, pages) = paged(codes, params.page_number(), CODES_PER_PAGE);
    let saved = params.get("saved");
    let notice = (!saved.is_empty())
        .then(|| page.message(&Message::new("codes-page-saved").arg("name", saved)));
    let title = format!("{} ({})", view.label, view.id);
    let breadcrumb = crumbs(&page, vec![(group_href(&view.id), title.clone())]);
    page.render(
        "codes/group.html",
        context! {
            title => title,
            breadcrumb => breadcrumb,
            group => view,
            codes => rows,
            count => count,
            page_number => number,
            total_pages => pages,
            more => format!("{}?page=", group_href(&view.id)),
            notice => notice,
            can_write => can_write(&page),
        },
    )
}

// ---- the group form -------------------------------------------------------------

/// The group form's values, as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct GroupForm {
    id: String,
    category: String,
    label_ko: String,
    label_en: String,
    description: String,
    custodian: String,
    active: String,
    reason: String,
    version: String,
}

impl GroupForm {
    fn of(g: &CodeGroup) -> Self {
        Self {
            id: g.id.clone(),
            category: g.category.clone().unwrap_or_default(),
            label_ko: g.labels.get("ko").cloned().unwrap_or_default(),
            label_en: g.labels.get("en").cloned().unwrap_or_default(),
            description: g.description.clone().unwrap_or_default(),
            custodian: g.custodian.clone().unwrap_or_default(),
            active: if g.active { "Y" } else { "N" }.to_owned(),
            reason: String::new(),
            version: g.stamp.version.to_string(),
        }
    }

    fn posted(fields: &Fields) -> Self {
        Self {
            id: fields.get("id"),
            category: fields.get("category"),
            label_ko: fields.get("label_ko"),
            label_en: fields.get("label_en"),
            description: fields.get("description"),
            custodian: fields.get("custodian"),
            active: fields.get("active"),
            reason: fields.get("reason"),
            version: fields.get("version"),
        }
    }

    /// The draft the form describes (labels of other languages kept from
    /// `base`), with the form's own problems in `issues`.
    fn draft(&self, base: Option<&CodeGroup>, issues: &mut Vec<Issue>) -> GroupDraft {
        let mut labels = base.map(|b| b.labels.clone()).unwrap_or_default();
        set_label(&mut labels, "ko", &self.label_ko);
        set_label(&mut labels, "en", &self.label_en);
        let mut draft = GroupDraft {
            id: base.map_or_else(|| self.id.clone(), |b| b.id.clone()),
            category: Some(self.category.clone()),
            labels,
            description: Some(self.description.clone()),
            custodian: Some(self.custodian.clone()),
            active: active_flag(&self.active, issues),
        };
        tidy(&mut draft.category);
        draft.normalize();
        issues.extend(draft.check());
        draft
    }
}

/// Sets or, when `text` is empty, removes the label of `locale`.
pub(super) fn set_label(labels: &mut Labels, locale: &str, text: &str) {
    if text.is_empty() {
        labels.remove(locale);
    } else {
        labels.insert(locale.to_owned(), text.to_owned());
    }
}

/// The in-use select: `Y` or `N`.
pub(super) fn active_flag(value: &str, issues: &mut Vec<Issue>) -> bool {
    match value {
        "Y" | "" => true,
        "N" => false,
        _ => {
            issues.push(Issue::new(
                "/active",
                "flag",
                Message::new("codes-page-active-invalid"),
            ));
            true
        }
    }
}

/// The reason of a change: required (updates).
pub(super) fn required_reason(text: &str, issues: &mut Vec<Issue>) {
    if let Err(issue) = ChangeReason::new(text) {
        issues.push(issue);
    }
}

/// The version a form was based on (`-1`, which never matches, when missing).
pub(super) fn based_on(version: &str) -> i64 {
    version.trim().parse().unwrap_or(-1)
}

/// The group form's fields in order, with their labels.
const GROUP_FIELDS: &[(&str, &str)] = &[
    ("id", "codes-page-field-id"),
    ("category", "codes-page-field-category"),
    ("label_ko", "codes-page-field-label-ko"),
    ("label_en", "codes-page-field-label-en"),
    ("description", "codes-page-field-description"),
    ("custodian", "codes-page-field-custodian"),
    ("active", "codes-page-field-active"),
    ("reason", "codes-page-field-reason"),
];

/// What the group form page needs besides the values.
struct GroupFormPage<'a> {
    /// The group changed, or `None` for a new one.
    group: Option<&'a CodeGroup>,
    form: GroupForm,
    errors: FormErrors,
    status: StatusCode,
    /// The differences between the stored record and the form (a conflict).
    conflict: Option<Conflict>,
}

fn render_group_form(registry: &CodeRegistry, page: &Page, view: GroupFormPage<'_>) -> Response {
    let snapshot = registry.snapshot();
    let categories: Vec<Value> = snapshot
        .categories()
        .iter()
        .map(|c| {
            let text = format!("{} ({})", label(registry, page, &c.labels, &c.id), c.id);
            context! { value => c.id.clone(), label => text }
        })
        .collect();
    let (title, action, mut more) = match view.group {
        Some(g) => {
            let name = format!("{} ({})", label(registry, page, &g.labels, &g.id), g.id);
            (
                page.message(
                    &Message::new("codes-page-group-edit-title").arg("name", name.clone()),
                ),
                format!("{}/edit", group_href(&g.id)),
                vec![(group_href(&g.id), name)],
            )
        }
        None => (
            page.text("codes-page-group-new-title"),
            format!("{SCREEN_PATH}/new-group"),
            Vec::new(),
        ),
    };
    more.push((action.clone(), title.clone()));
    let breadcrumb = crumbs(page, more);
    render_form(
        page,
        view.status,
        "codes/group_form.html",
        &view.errors,
        context! {
            title => title,
            breadcrumb => breadcrumb,
            action => action,
            back => view.group.map_or_else(|| SCREEN_PATH.to_owned(), |g| group_href(&g.id)),
            editing => view.group.is_some(),
            form => view.form,
            categories => categories,
            conflict => view.conflict,
            current => view.group.map(|g| group_view(registry, page, g)),
            csrf => page.csrf(),
        },
    )
}

/// `GET /admin/codes/new-group`.
pub(super) async fn new_form(State(registry): State<CodeRegistry>, page: Page) -> Response {
    let form = GroupForm {
        active: "Y".to_owned(),
        ..GroupForm::default()
    };
    render_group_form(
        &registry,
        &page,
        GroupFormPage {
            group: None,
            form,
            errors: FormErrors::new(),
            status: StatusCode::OK,
            conflict: None,
        },
    )
}

/// `POST /admin/codes/new-group`.
pub(super) async fn create(
    State(registry): State<CodeRegistry>,
    page: Page,
    body: Bytes,
) -> Response {
    let form = GroupForm::posted(&Fields::parse(&body));
    let mut issues = Vec::new();
    let draft = form.draft(None, &mut issues);
    let again = |problem: Problem, status: StatusCode| {
        render_group_form(
            &registry,
            &page,
            GroupFormPage {
                group: None,
                form: form.clone(),
                errors: page.form_errors(&problem, GROUP_FIELDS),
                status,
                conflict: None,
            },
        )
    };
    if !issues.is_empty() {
        return again(issues_problem(issues), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let reason = Some(form.reason.as_str()).filter(|r| !r.trim().is_empty());
    match registry.create_group(page.actor(), draft, reason).await {
        Ok(g) => see_other(&format!(
            "{}?saved={}",
            group_href(&g.id),
            egov_pages::encode_query(&g.id)
        )),
        Err(Error::Invalid(issues)) => {
            again(issues_problem(issues), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(Error::AlreadyExists { id, .. }) => again(
            field_problem("/id", "exists", Message::new("codes-exists").arg("id", id)),
            StatusCode::CONFLICT,
        ),
        Err(error) => failure(error),
    }
}

/// `GET /admin/codes/groups/{group}/edit`.
pub(super) async fn edit_form(
    State(registry): State<CodeRegistry>,
    page: Page,
    Path(group): Path<String>,
) -> Response {
    let Some(g) = registry.snapshot().group(&group).cloned() else {
        return failure(Error::NotFound);
    };
    render_group_form(
        &registry,
        &page,
        GroupFormPage {
            group: Some(&g),
            form: GroupForm::of(&g),
            errors: FormErrors::new(),
            status: StatusCode::OK,
            conflict: None,
        },
    )
}

/// `POST /admin/codes/groups/{group}/edit`.
pub(super) async fn update(
    State(registry): State<CodeRegistry>,
    State(names): State<AccountNames>,
    page: Page,
    Path(group): Path<String>,
    body: Bytes,
) -> Response {
    let Some(g) = registry.snapshot().group(&group).cloned() else {
        return failure(Error::NotFound);
    };
    let mut form = GroupForm::posted(&Fields::parse(&body));
    let mut issues = Vec::new();
    let draft = form.draft(Some(&g), &mut issues);
    required_reason(&form.reason, &mut issues);
    if !issues.is_empty() {
        return render_group_form(
            &registry,
            &page,
            GroupFormPage {
                group: Some(&g),
                errors: page.form_errors(&issues_problem(issues), &GROUP_FIELDS[1..]),
                form,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                conflict: None,
            },
        );
    }
    let version = based_on(&form.version);
    match registry
        .update_group(page.actor(), draft.clone(), version, &form.reason)
        .await
    {
        Ok(g) => see_other(&format!(
            "{}?saved={}",
            group_href(&g.id),
            egov_pages::encode_query(&g.id)
        )),
        Err(Error::Invalid(issues)) => render_group_form(
            &registry,
            &page,
            GroupFormPage {
                group: Some(&g),
                errors: page.form_errors(&issues_problem(issues), &GROUP_FIELDS[1..]),
                form,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                conflict: None,
            },
        ),
        Err(Error::Conflict { .. }) => {
            // Someone saved in the meantime: the form again with what was typed,
            // based on the current version, and how it differs from what is stored.
            if let Err(error) = registry.reload().await {
                return failure(error);
            }
            let Some(current) = registry.snapshot().group(&group).cloned() else {
                return failure(Error::NotFound);
            };
            form.version = current.stamp.version.to_string();
            let differences = crate::transfer::record_changes(
                &serde_json::to_value(GroupDraft::from(&current)).unwrap_or_default(),
                &serde_json::to_value(&draft).unwrap_or_default(),
            );
            render_group_form(
                &registry,
                &page,
                GroupFormPage {
                    group: Some(&current),
                    errors: conflict_errors(&page, "conflict", "codes-page-conflict-summary"),
                    form,
                    status: StatusCode::CONFLICT,
                    conflict: Some(Conflict {
                        rows: change_rows(&page, &differences),
                        who: Who::default().name(&names, &current.stamp.updated_by).await,
                    }),
                },
            )
        }
        Err(error) => failure(error),
    }
}
