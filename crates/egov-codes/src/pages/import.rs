//! Import with a dry run: the file's text pasted into a form, the diff shown
//! without writing, then applied as the dry run saw it.

use super::*;
use crate::Entity;
use crate::model::ChangeReason;
use crate::transfer::{self, Dataset, ImportPlan, PlannedChange};

/// The formats the form offers (eGovFrame's CSV exports are several files: the
/// command line reads those).
const FORMATS: &[(&str, &str)] = &[
    ("json", "codes-page-format-json"),
    ("csv", "codes-page-format-csv"),
    ("egovframe-sql", "codes-page-format-egovframe-sql"),
];

/// The import form's fields in order, with their labels.
const IMPORT_FIELDS: &[(&str, &str)] = &[
    ("format", "codes-page-field-format"),
    ("content", "codes-page-field-content"),
    ("reason", "codes-page-field-reason"),
];

/// Rows a list of the dry run shows at most; the rest are counted.
const LIST_LIMIT: usize = 500;

/// The import form's values, as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct ImportForm {
    format: String,
    content: String,
    reason: String,
}

impl ImportForm {
    fn posted(fields: &Fields) -> Self {
        Self {
            format: fields.get("format"),
            content: fields.get("content"),
            reason: fields.get("reason"),
        }
    }

    /// The dataset of the form, or the problem of its fields.
    fn dataset(&self, registry: &CodeRegistry) -> Result<Result<Dataset, ImportPlan>, Problem> {
        let mut issues = Vec::new();
        if !FORMATS.iter().any(|(f, _)| *f == self.format) {
            issues.push(Issue::new(
                "/format",
                "invalid",
                Message::new("codes-page-format-invalid"),
            ));
        }
        if self.content.trim().is_empty() {
            issues.push(Issue::new(
                "/content",
                "required",
                Message::new("codes-page-content-required"),
            ));
        }
        let reason = if self.reason.trim().is_empty() {
            None
        } else {
            match ChangeReason::new(self.reason.clone()) {
                Ok(reason) => Some(reason.as_str().to_owned()),
                Err(issue) => {
                    issues.push(issue);
                    None
                }
            }
        };
        if !issues.is_empty() {
            return Err(issues_problem(issues));
        }
        let parsed = match self.format.as_str() {
            "csv" => transfer::parse_csv(&self.content),
            "egovframe-sql" => {
                crate::egovframe::from_dump(&self.content, registry.offset(), registry.now())
            }
            _ => transfer::parse_json(&self.content),
        };
        Ok(match parsed {
            Ok(mut dataset) => {
                if reason.is_some() {
                    dataset.reason = reason;
                }
                Ok(dataset)
            }
            // The file cannot be read at all: a dry run of nothing, refused.
            Err(issues) => Err(ImportPlan {
                version: registry.snapshot().version(),
                records: Vec::new(),
                issues,
                report: transfer::ImportReport::default(),
            }),
        })
    }
}

fn format_options(page: &Page) -> Vec<Value> {
    FORMATS
        .iter()
        .map(|(value, key)| context! { value => *value, label => page.text(key) })
        .collect()
}

fn import_crumbs(page: &Page, title: &str) -> Vec<Crumb> {
    crumbs(
        page,
        vec![(format!("{SCREEN_PATH}/import"), title.to_owned())],
    )
}

/// `GET /admin/codes/import`: the form, with the result of an import just
/// applied (`?created=&updated=&unchanged=`).
///
/// Documented in OpenAPI (an HTML page) because the same path is the JSON admin
/// API's `POST`: `Allow` lists both, and the document must too.
#[utoipa::path(get, path = "/admin/codes/import", tag = "codes-admin",
    responses((status = 200, description = "The import form of the admin console", content_type = "text/html", body = String)))]
pub(super) async fn form(page: Page, RawQuery(query): RawQuery) -> Response {
    let params = Fields::query(query.as_deref());
    let done = params.get("created").parse::<usize>().ok().map(|created| {
        page.message(
            &Message::new("codes-page-import-done")
                .arg("created", created)
                .arg(
                    "updated",
                    params.get("updated").parse::<usize>().unwrap_or(0),
                )
                .arg(
                    "unchanged",
                    params.get("unchanged").parse::<usize>().unwrap_or(0),
                ),
        )
    });
    let title = page.text("codes-page-import-title");
    render_form(
        &page,
        StatusCode::OK,
        "codes/import.html",
        &FormErrors::new(),
        context! {
            title => title.clone(),
            breadcrumb => import_crumbs(&page, &title),
            form => ImportForm { format: "json".to_owned(), ..ImportForm::default() },
            formats => format_options(&page),
            done => done,
            csrf => page.csrf(),
        },
    )
}

/// The import form shown again with its errors.
fn form_again(page: &Page, form: ImportForm, problem: &Problem) -> Response {
    let page = page.clone().at(format!("{SCREEN_PATH}/import"));
    let title = page.text("codes-page-import-title");
    let errors = page.form_errors(problem, IMPORT_FIELDS);
    render_form(
        &page,
        StatusCode::UNPROCESSABLE_ENTITY,
        "codes/import.html",
        &errors,
        context! {
            title => title.clone(),
            breadcrumb => import_crumbs(&page, &title),
            form => form,
            formats => format_options(&page),
            csrf => page.csrf(),
        },
    )
}

#[derive(Serialize)]
struct RefusedRow {
    line: usize,
    field: String,
    message: String,
}

#[derive(Serialize)]
struct RecordRow {
    line: usize,
    kind: String,
    id: String,
    label: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct ChangedRow {
    line: usize,
    kind: String,
    id: String,
    href: Option<String>,
    field: String,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct CountRow {
    kind: String,
    created: usize,
    updated: usize,
    unchanged: usize,
}

/// A list cut at [`LIST_LIMIT`] rows, with how many were left out.
#[derive(Serialize)]
struct Limited<T> {
    rows: Vec<T>,
    total: usize,
    more: usize,
}

fn limited<T>(mut rows: Vec<T>, total: usize) -> Limited<T> {
    rows.truncate(LIST_LIMIT);
    Limited {
        more: total.saturating_sub(rows.len()),
        rows,
        total,
    }
}

fn kind_name(page: &Page, entity: Entity) -> String {
    page.text(match entity {
        Entity::Category => "codes-page-kind-category",
        Entity::Group => "codes-page-kind-group",
        Entity::Code => "codes-page-kind-code",
    })
}

/// The dry run's page: counts, refused rows, what is added, changed and left;
/// the apply form when there is something to apply; the import form again.
fn render_plan(
    registry: &CodeRegistry,
    page: &Page,
    form: ImportForm,
    plan: &ImportPlan,
    conflict: bool,
) -> Response {
    let page = page.clone().at(format!("{SCREEN_PATH}/import"));
    let refused: Vec<RefusedRow> = plan
        .issues
        .iter()
        .take(LIST_LIMIT)
        .map(|i| RefusedRow {
            line: i.line,
            field: field_name(&page, &i.field),
            message: page.message(&i.message),
        })
        .collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = Vec::new();
    let (mut changed_total, mut added_total, mut unchanged_total) = (0, 0, 0);
    for r in &plan.records {
        let (id, href) = match (&r.group, &r.code) {
            (Some(g), Some(c)) => (
                format!("{g} / {c}"),
                registry.snapshot().code(g, c).map(|_| code_href(g, c)),
            ),
            (Some(g), None) => (
                g.clone(),
                registry.snapshot().group(g).map(|_| group_href(g)),
            ),
            _ => (r.id.clone(), None),
        };
        let kind = kind_name(&page, r.entity);
        match &r.change {
            PlannedChange::Create => {
                added_total += 1;
                if added.len() < LIST_LIMIT {
                    added.push(RecordRow {
                        line: r.line,
                        kind,
                        label: label(registry, &page, &r.labels, "").to_owned(),
                        id,
                        href: None,
                    });
                }
            }
            PlannedChange::Update { fields } => {
                for row in change_rows(&page, fields) {
                    changed_total += 1;
                    if changed.len() < LIST_LIMIT {
                        changed.push(ChangedRow {
                            line: r.line,
                            kind: kind.clone(),
                            id: id.clone(),
                            href: href.clone(),
                            field: row.field,
                            before: row.before,
                            after: row.after,
                        });
                    }
                }
            }
            PlannedChange::Unchanged => {
                unchanged_total += 1;
                if unchanged.len() < LIST_LIMIT {
                    unchanged.push(RecordRow {
                        line: r.line,
                        kind,
                        label: label(registry, &page, &r.labels, "").to_owned(),
                        id,
                        href,
                    });
                }
            }
        }
    }
    let report = &plan.report;
    let counts = vec![
        CountRow {
            kind: page.text("codes-page-kind-category"),
            created: report.categories.created,
            updated: report.categories.updated,
            unchanged: report.categories.unchanged,
        },
        CountRow {
            kind: page.text("codes-page-kind-group"),
            created: report.groups.created,
            updated: report.groups.updated,
            unchanged: report.groups.unchanged,
        },
        CountRow {
            kind: page.text("codes-page-kind-code"),
            created: report.codes.created,
            updated: report.codes.updated,
            unchanged: report.codes.unchanged,
        },
    ];
    let title = page.text("codes-page-preview-title");
    let (status, errors) = if conflict {
        (
            StatusCode::CONFLICT,
            conflict_errors(&page, "import-status", "codes-page-import-stale"),
        )
    } else if plan.is_refused() {
        let problem = field_problem(
            "/content",
            "refused",
            Message::new("codes-import-rejected").arg("count", plan.issues.len()),
        );
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            page.form_errors(&problem, &IMPORT_FIELDS[1..]),
        )
    } else {
        (StatusCode::OK, FormErrors::new())
    };
    let refused_total = plan.issues.len();
    render_form(
        &page,
        status,
        "codes/import_preview.html",
        &errors,
        context! {
            title => title.clone(),
            breadcrumb => import_crumbs(&page, &title),
            counts => counts,
            report => plan.report,
            refused => Limited { more: refused_total.saturating_sub(refused.len()), rows: refused, total: refused_total },
            added => limited(added, added_total),
            changed => limited(changed, changed_total),
            unchanged => limited(unchanged, unchanged_total),
            conflict => conflict,
            can_apply => !plan.is_refused() && plan.changes_anything(),
            refused_plan => plan.is_refused(),
            nothing => !plan.is_refused() && !plan.changes_anything(),
            version => plan.version,
            form => form,
            formats => format_options(&page),
            csrf => page.csrf(),
        },
    )
}

/// `POST /admin/codes/import/preview`: the dry run; writes nothing.
pub(super) async fn preview(
    State(registry): State<CodeRegistry>,
    page: Page,
    body: Bytes,
) -> Response {
    let form = ImportForm::posted(&Fields::parse(&body));
    let dataset = match form.dataset(&registry) {
        Err(problem) => return form_again(&page, form, &problem),
        Ok(Err(plan)) => return render_plan(&registry, &page, form, &plan, false),
        Ok(Ok(dataset)) => dataset,
    };
    match registry.plan_import(dataset).await {
        Ok(plan) => render_plan(&registry, &page, form, &plan, false),
        Err(error) => failure(error),
    }
}

/// `POST /admin/codes/import/apply`: imports the text the dry run showed, if the
/// tables are still at the version it saw; else the new dry run (409).
pub(super) async fn apply(
    State(registry): State<CodeRegistry>,
    page: Page,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    let form = ImportForm::posted(&fields);
    let version = fields.get("version").trim().parse::<i64>().unwrap_or(-1);
    let dataset = match form.dataset(&registry) {
        Err(problem) => return form_again(&page, form, &problem),
        Ok(Err(plan)) => return render_plan(&registry, &page, form, &plan, false),
        Ok(Ok(dataset)) => dataset,
    };
    let result = registry
        .import_at_version(
            page.actor(),
            dataset.clone(),
            version,
            &transfer::no_progress,
        )
        .await;
    match result {
        Ok(report) => see_other(&format!(
            "{SCREEN_PATH}/import?created={}&updated={}&unchanged={}",
            report.created, report.updated, report.unchanged
        )),
        Err(error @ (Error::Conflict { .. } | Error::ImportRejected(_))) => {
            let conflict = matches!(error, Error::Conflict { .. });
            match registry.plan_import(dataset).await {
                Ok(plan) => render_plan(&registry, &page, form, &plan, conflict),
                Err(error) => failure(error),
            }
        }
        Err(error) => failure(error),
    }
}
