//! The code form: create and change a code of a group.

use super::groups::{active_flag, based_on, required_reason, set_label};
use super::*;
use crate::model::{format_date, parse_date};
use crate::{Code, CodeDraft, CodeGroup};

/// The code form's values, as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct CodeForm {
    code: String,
    label_ko: String,
    label_en: String,
    description: String,
    sort_order: String,
    parent: String,
    valid_from: String,
    valid_to: String,
    active: String,
    reason: String,
    version: String,
}

impl CodeForm {
    fn of(c: &Code) -> Self {
        Self {
            code: c.code.clone(),
            label_ko: c.labels.get("ko").cloned().unwrap_or_default(),
            label_en: c.labels.get("en").cloned().unwrap_or_default(),
            description: c.description.clone().unwrap_or_default(),
            sort_order: c.sort_order.to_string(),
            parent: c.parent.clone().unwrap_or_default(),
            valid_from: c.valid_from.map(format_date).unwrap_or_default(),
            valid_to: c.valid_to.map(format_date).unwrap_or_default(),
            active: if c.active { "Y" } else { "N" }.to_owned(),
            reason: String::new(),
            version: c.stamp.version.to_string(),
        }
    }

    fn posted(fields: &Fields) -> Self {
        Self {
            code: fields.get("code"),
            label_ko: fields.get("label_ko"),
            label_en: fields.get("label_en"),
            description: fields.get("description"),
            sort_order: fields.get("sort_order"),
            parent: fields.get("parent"),
            valid_from: fields.get("valid_from"),
            valid_to: fields.get("valid_to"),
            active: fields.get("active"),
            reason: fields.get("reason"),
            version: fields.get("version"),
        }
    }

    /// The draft the form describes in `group` (labels of other languages and
    /// the attributes kept from `base`), with the form's own problems in `issues`.
    fn draft(&self, group: &str, base: Option<&Code>, issues: &mut Vec<Issue>) -> CodeDraft {
        let mut draft = match base {
            Some(base) => CodeDraft::from(base),
            None => CodeDraft::new(group, self.code.clone(), ""),
        };
        if base.is_none() {
            draft.labels.clear();
        }
        set_label(&mut draft.labels, "ko", &self.label_ko);
        set_label(&mut draft.labels, "en", &self.label_en);
        draft.description = Some(self.description.clone());
        draft.parent = Some(self.parent.clone());
        match self.sort_order.trim().parse::<i64>() {
            Ok(order) => draft.sort_order = order,
            Err(_) => issues.push(Issue::new(
                "/sort_order",
                "integer",
                Message::new("codes-import-integer"),
            )),
        }
        draft.valid_from = date_field(&self.valid_from, "/valid_from", issues);
        draft.valid_to = date_field(&self.valid_to, "/valid_to", issues);
        draft.active = active_flag(&self.active, issues);
        draft.normalize();
        issues.extend(draft.check());
        draft
    }
}

/// A date field: empty is none; else `YYYY-MM-DD`.
fn date_field(text: &str, field: &str, issues: &mut Vec<Issue>) -> Option<time::Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let date = parse_date(text);
    if date.is_none() {
        issues.push(Issue::new(field, "date", Message::new("codes-query-date")));
    }
    date
}

/// The code form's fields in order, with their labels.
const CODE_FIELDS: &[(&str, &str)] = &[
    ("code", "codes-page-field-code"),
    ("label_ko", "codes-page-field-label-ko"),
    ("label_en", "codes-page-field-label-en"),
    ("description", "codes-page-field-description"),
    ("sort_order", "codes-page-field-sort-order"),
    ("parent", "codes-page-field-parent"),
    ("valid_from", "codes-page-field-valid-from"),
    ("valid_to", "codes-page-field-valid-to"),
    ("active", "codes-page-field-active"),
    ("reason", "codes-page-field-reason"),
];

/// What the code of a stored record shows on the form (a conflict).
#[derive(Serialize)]
struct Current {
    version: i64,
    updated_at: String,
    updated_by: String,
}

struct CodeFormPage<'a> {
    group: &'a CodeGroup,
    /// The code changed, or `None` for a new one.
    code: Option<&'a Code>,
    form: CodeForm,
    errors: FormErrors,
    status: StatusCode,
    conflict: Option<Conflict>,
}

fn render_code_form(registry: &CodeRegistry, page: &Page, view: CodeFormPage<'_>) -> Response {
    let g = view.group;
    let group_name = format!("{} ({})", label(registry, page, &g.labels, &g.id), g.id);
    let (title, action) = match view.code {
        Some(c) => (
            page.message(&Message::new("codes-page-code-edit-title").arg(
                "name",
                format!("{} ({})", label(registry, page, &c.labels, &c.code), c.code),
            )),
            format!("{}/edit", code_href(&c.group, &c.code)),
        ),
        None => (
            page.message(
                &Message::new("codes-page-code-new-title").arg("group", group_name.clone()),
            ),
            format!("{}/new-code", group_href(&g.id)),
        ),
    };
    let breadcrumb = crumbs(
        page,
        vec![
            (group_href(&g.id), group_name),
            (action.clone(), title.clone()),
        ],
    );
    render_form(
        page,
        view.status,
        "codes/code_form.html",
        &view.errors,
        context! {
            title => title,
            breadcrumb => breadcrumb,
            action => action,
            back => group_href(&g.id),
            editing => view.code.is_some(),
            form => view.form,
            conflict => view.conflict,
            current => view.code.map(|c| Current {
                version: c.stamp.version,
                updated_at: c.stamp.updated_at.clone(),
                updated_by: c.stamp.updated_by.clone(),
            }),
            csrf => page.csrf(),
        },
    )
}

/// `GET /admin/codes/groups/{group}/new-code`: the sort order proposed is after
/// the group's last code.
pub(super) async fn new_form(
    State(registry): State<CodeRegistry>,
    page: Page,
    Path(group): Path<String>,
) -> Response {
    let snapshot = registry.snapshot();
    let Some(entry) = snapshot.group_codes(&group) else {
        return failure(Error::NotFound);
    };
    let next = entry
        .all()
        .iter()
        .map(|c| c.sort_order)
        .max()
        .map_or(1, |m| m.saturating_add(1));
    let form = CodeForm {
        sort_order: next.to_string(),
        active: "Y".to_owned(),
        ..CodeForm::default()
    };
    render_code_form(
        &registry,
        &page,
        CodeFormPage {
            group: entry.group(),
            code: None,
            form,
            errors: FormErrors::new(),
            status: StatusCode::OK,
            conflict: None,
        },
    )
}

/// `POST /admin/codes/groups/{group}/new-code`.
pub(super) async fn create(
    State(registry): State<CodeRegistry>,
    page: Page,
    Path(group): Path<String>,
    body: Bytes,
) -> Response {
    let Some(g) = registry.snapshot().group(&group).cloned() else {
        return failure(Error::NotFound);
    };
    let form = CodeForm::posted(&Fields::parse(&body));
    let mut issues = Vec::new();
    let draft = form.draft(&g.id, None, &mut issues);
    let again = |problem: Problem, status: StatusCode| {
        render_code_form(
            &registry,
            &page,
            CodeFormPage {
                group: &g,
                code: None,
                form: form.clone(),
                errors: page.form_errors(&problem, CODE_FIELDS),
                status,
                conflict: None,
            },
        )
    };
    if !issues.is_empty() {
        return again(issues_problem(issues), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let reason = Some(form.reason.as_str()).filter(|r| !r.trim().is_empty());
    match registry.create_code(page.actor(), draft, reason).await {
        Ok(c) => see_other(&format!(
            "{}?saved={}",
            group_href(&c.group),
            egov_pages::encode_query(&c.code)
        )),
        Err(Error::Invalid(issues)) => {
            again(issues_problem(issues), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(Error::AlreadyExists { .. }) => again(
            field_problem(
                "/code",
                "exists",
                Message::new("codes-exists").arg("id", form.code.as_str()),
            ),
            StatusCode::CONFLICT,
        ),
        Err(error) => failure(error),
    }
}

/// The group and the code of a path, from the snapshot.
fn stored(registry: &CodeRegistry, group: &str, code: &str) -> Option<(CodeGroup, Code)> {
    let snapshot = registry.snapshot();
    Some((
        snapshot.group(group)?.clone(),
        snapshot.code(group, code)?.clone(),
    ))
}

/// `GET /admin/codes/groups/{group}/codes/{code}/edit`.
pub(super) async fn edit_form(
    State(registry): State<CodeRegistry>,
    page: Page,
    Path((group, code)): Path<(String, String)>,
) -> Response {
    let Some((g, c)) = stored(&registry, &group, &code) else {
        return failure(Error::NotFound);
    };
    render_code_form(
        &registry,
        &page,
        CodeFormPage {
            group: &g,
            code: Some(&c),
            form: CodeForm::of(&c),
            errors: FormErrors::new(),
            status: StatusCode::OK,
            conflict: None,
        },
    )
}

/// `POST /admin/codes/groups/{group}/codes/{code}/edit`.
pub(super) async fn update(
    State(registry): State<CodeRegistry>,
    State(names): State<AccountNames>,
    page: Page,
    Path((group, code)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some((g, c)) = stored(&registry, &group, &code) else {
        return failure(Error::NotFound);
    };
    let mut form = CodeForm::posted(&Fields::parse(&body));
    form.code.clone_from(&c.code);
    let mut issues = Vec::new();
    let draft = form.draft(&g.id, Some(&c), &mut issues);
    required_reason(&form.reason, &mut issues);
    let fields = &CODE_FIELDS[1..];
    if !issues.is_empty() {
        return render_code_form(
            &registry,
            &page,
            CodeFormPage {
                group: &g,
                code: Some(&c),
                errors: page.form_errors(&issues_problem(issues), fields),
                form,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                conflict: None,
            },
        );
    }
    match registry
        .update_code(
            page.actor(),
            draft.clone(),
            based_on(&form.version),
            &form.reason,
        )
        .await
    {
        Ok(c) => see_other(&format!(
            "{}?saved={}",
            group_href(&c.group),
            egov_pages::encode_query(&c.code)
        )),
        Err(Error::Invalid(issues)) => render_code_form(
            &registry,
            &page,
            CodeFormPage {
                group: &g,
                code: Some(&c),
                errors: page.form_errors(&issues_problem(issues), fields),
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
            let Some((g, current)) = stored(&registry, &group, &code) else {
                return failure(Error::NotFound);
            };
            form.version = current.stamp.version.to_string();
            let differences = crate::transfer::record_changes(
                &serde_json::to_value(CodeDraft::from(&current)).unwrap_or_default(),
                &serde_json::to_value(&draft).unwrap_or_default(),
            );
            render_code_form(
                &registry,
                &page,
                CodeFormPage {
                    group: &g,
                    code: Some(&current),
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
