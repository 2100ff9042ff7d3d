//! The history of a group or a code: every version, who made it, when, why and
//! what it changed.

use super::*;
use crate::HistoryEntry;
use crate::model::ChangeKind;
use crate::transfer::record_changes;

#[derive(Serialize)]
struct Version {
    version: i64,
    change: String,
    changed_at: String,
    changed_by: String,
    reason: Option<String>,
    changes: Vec<ChangeRow>,
}

fn change_name(page: &Page, change: ChangeKind) -> String {
    page.text(match change {
        ChangeKind::Create => "codes-page-change-create",
        ChangeKind::Update => "codes-page-change-update",
        ChangeKind::Deactivate => "codes-page-change-deactivate",
        ChangeKind::Import => "codes-page-change-import",
    })
}

/// The versions newest first, each with what it changed from the one before
/// and who made it (named).
async fn versions(page: &Page, names: &AccountNames, entries: &[HistoryEntry]) -> Vec<Version> {
    let mut before = serde_json::Value::Null;
    let mut versions = Vec::with_capacity(entries.len());
    let mut who = Who::default();
    for entry in entries {
        versions.push(Version {
            version: entry.version,
            change: change_name(page, entry.change),
            changed_at: entry.changed_at.clone(),
            changed_by: who.name(names, &entry.changed_by).await,
            reason: entry.reason.clone(),
            changes: change_rows(page, &record_changes(&before, &entry.record)),
        });
        before = entry.record.clone();
    }
    versions.reverse();
    versions
}

async fn render(
    page: &Page,
    names: &AccountNames,
    title: String,
    breadcrumb: Vec<Crumb>,
    back: String,
    entries: Result<Vec<HistoryEntry>, Error>,
) -> Response {
    let entries = match entries {
        Ok(entries) if entries.is_empty() => return failure(Error::NotFound),
        Ok(entries) => entries,
        Err(error) => return failure(error),
    };
    page.render(
        "codes/history.html",
        context! {
            title => title,
            breadcrumb => breadcrumb,
            back => back,
            versions => versions(page, names, &entries).await,
        },
    )
}

/// `GET /admin/codes/groups/{group}/changes`.
pub(super) async fn group(
    State(registry): State<CodeRegistry>,
    State(names): State<AccountNames>,
    page: Page,
    Path(group): Path<String>,
) -> Response {
    let name = registry.snapshot().group(&group).map_or_else(
        || group.clone(),
        |g| format!("{} ({})", label(&registry, &page, &g.labels, &g.id), g.id),
    );
    let title = page.message(&Message::new("codes-page-history-title").arg("name", name.clone()));
    let changes = format!("{}/changes", group_href(&group));
    let breadcrumb = crumbs(
        &page,
        vec![(group_href(&group), name), (changes, title.clone())],
    );
    let entries = registry.group_history(&group).await;
    render(
        &page,
        &names,
        title,
        breadcrumb,
        group_href(&group),
        entries,
    )
    .await
}

/// `GET /admin/codes/groups/{group}/codes/{code}/changes`.
pub(super) async fn code(
    State(registry): State<CodeRegistry>,
    State(names): State<AccountNames>,
    page: Page,
    Path((group, code)): Path<(String, String)>,
) -> Response {
    let (group_name, code_name) = {
        let snapshot = registry.snapshot();
        let group_name = snapshot.group(&group).map_or_else(
            || group.clone(),
            |g| format!("{} ({})", label(&registry, &page, &g.labels, &g.id), g.id),
        );
        let code_name = snapshot.code(&group, &code).map_or_else(
            || code.clone(),
            |c| {
                format!(
                    "{} ({})",
                    label(&registry, &page, &c.labels, &c.code),
                    c.code
                )
            },
        );
        (group_name, code_name)
    };
    let title = page.message(&Message::new("codes-page-history-title").arg("name", code_name));
    let changes = format!("{}/changes", code_href(&group, &code));
    let breadcrumb = crumbs(
        &page,
        vec![(group_href(&group), group_name), (changes, title.clone())],
    );
    let entries = registry.code_history(&group, &code).await;
    render(
        &page,
        &names,
        title,
        breadcrumb,
        group_href(&group),
        entries,
    )
    .await
}
