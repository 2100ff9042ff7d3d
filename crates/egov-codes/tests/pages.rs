//! The admin screens (feature `pages`) over a real port, on both databases: who may
//! see which screen, the forms' field errors (422), stale versions (409 with the
//! conflict at the form), the dry run of an import (nothing written) and its
//! application (audited; refused after a concurrent change).
//!
//! egov-codes cannot depend on egov-web, so the test assembles what egov-web does
//! around the routes: the page kit, the locale, an `Actor` with the permissions the
//! request names (`x-test-permissions`) and a signed-in page session. CSRF tokens
//! are egov-auth's middleware's job: egov-web's `tests/admin_codes.rs` covers them.

mod common;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use common::{admin, registry, seed};
use egov_codes::pages::AccountNames;
use egov_codes::{CodeDraft, CodeRegistry};
use egov_core::actor::{Actor, Permission};
use egov_core::id::{AccountId, Id};
use egov_core::session::PageSession;
use egov_i18n::I18n;
use egov_pages::{Pages, PagesSettings};
use reqwest::StatusCode;

#[derive(Clone)]
struct Kit {
    i18n: I18n,
    pages: Pages,
}

fn kit() -> Kit {
    let i18n = I18n::builder()
        .resources(&egov_core::MESSAGES)
        .resources(&egov_i18n::MESSAGES)
        .resources(&egov_pages::MESSAGES)
        .resources(&egov_codes::MESSAGES)
        .build()
        .unwrap();
    let pages = Pages::builder(PagesSettings::default())
        .templates(egov_codes::pages::TEMPLATES)
        .build()
        .unwrap();
    Kit { i18n, pages }
}

/// What egov-web and egov-auth put into a page request, in miniature.
async fn stack(State(kit): State<Kit>, mut request: Request, next: Next) -> Response {
    let permissions: Vec<String> = request
        .headers()
        .get("x-test-permissions")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let actor = Actor::account(kim(), permissions.into_iter().map(Permission::from));
    let locale = kit.i18n.negotiate_request(request.uri(), request.headers());
    let extensions = request.extensions_mut();
    extensions.insert(actor);
    extensions.insert(locale);
    extensions.insert(kit.i18n.clone());
    extensions.insert(kit.pages.clone());
    extensions.insert(PageSession {
        login_id: "kim".into(),
        display_name: "김공무".into(),
        csrf_token: "test-csrf".into(),
        expires_at: None,
    });
    next.run(request).await
}

/// The account every request of the test acts as.
fn kim() -> AccountId {
    static KIM: std::sync::OnceLock<AccountId> = std::sync::OnceLock::new();
    *KIM.get_or_init(Id::new)
}

async fn serve(codes: &CodeRegistry) -> String {
    // Accounts are named as egov-web names them (egov-auth's lookup).
    let names = AccountNames::new(|id: String| async move {
        (id == kim().to_string()).then(|| "김공무 (kim)".to_owned())
    });
    let (_, _, routes) = egov_codes::pages::admin_screen(codes.clone(), names);
    let (routes, _) = routes.into_parts();
    let router: Router = routes.into();
    let router = router.layer(middleware::from_fn_with_state(kit(), stack));
    egov_http::testing::serve(router).await
}

const WRITE: &str = "codes:write";
const READ: &str = "codes:read-inactive";

struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    fn new(base: String) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { base, http }
    }

    async fn get(&self, path: &str, permissions: &str, lang: &str) -> (StatusCode, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("x-test-permissions", permissions)
            .header("accept-language", lang)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, unescape(&response.text().await.unwrap()))
    }

    /// Posts `fields` as a form; the status, the `Location` and the page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .append_pair("csrf_token", "test-csrf")
            .finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-test-permissions", WRITE)
            .header("accept-language", "ko")
            .header("accept", "text/html")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, unescape(&response.text().await.unwrap()))
    }
}

/// minijinja escapes `/` (and quotes) in HTML.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/").replace("&#x27;", "'")
}

/// The value of the hidden field `name`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn history_len(codes: &CodeRegistry, group: &str, code: &str) -> usize {
    codes.code_history(group, code).await.map_or(0, |h| h.len())
}

async fn audit_events(codes: &CodeRegistry) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM egov_audit_events")
        .fetch_one(codes.db().pool())
        .await
        .unwrap();
    n
}

egov_db::backend_tests! {
    async fn each_screen_answers_by_permission_in_both_languages(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let client = Client::new(serve(&codes).await);
        let reading = ["/admin/codes", "/admin/codes?q=%EB%AF%BC%EC%9B%90", "/admin/codes/groups/PETITION_TYPE"];
        let writing = [
            "/admin/codes/new-group",
            "/admin/codes/groups/PETITION_TYPE/edit",
            "/admin/codes/groups/PETITION_TYPE/changes",
            "/admin/codes/groups/PETITION_TYPE/new-code",
            "/admin/codes/groups/PETITION_TYPE/codes/01/edit",
            "/admin/codes/groups/PETITION_TYPE/codes/01/changes",
            "/admin/codes/import",
        ];
        for path in reading.iter().chain(&writing) {
            for lang in ["ko", "en"] {
                let (status, html) = client.get(path, WRITE, lang).await;
                assert_eq!(status, StatusCode::OK, "{path} {lang}: {html}");
                assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
                assert!(html.contains("<h1>"), "{path}");
            }
            assert_eq!(client.get(path, "", "ko").await.0, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(client.get(path, "petitions:review", "ko").await.0, StatusCode::FORBIDDEN, "{path}");
        }
        // codes:read-inactive reads, but cannot change or see the history.
        for path in reading {
            let (status, html) = client.get(path, READ, "ko").await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(!html.contains("/edit\""), "no forms offered to readers: {path}");
        }
        for path in writing {
            assert_eq!(client.get(path, READ, "ko").await.0, StatusCode::FORBIDDEN, "{path}");
        }

        // The list: a table with a caption, found by name in either language.
        let (_, html) = client.get("/admin/codes?q=petition", WRITE, "en").await;
        assert!(html.contains("<caption>Code groups (1)</caption>"), "{html}");
        assert!(html.contains("href=\"/admin/codes/groups/PETITION_TYPE\""));
        let (_, html) = client.get("/admin/codes?q=nothing-like-it", WRITE, "ko").await;
        assert!(html.contains("찾는 코드 그룹이 없습니다."));
        // The group: its codes with both labels, in list order.
        let (_, html) = client.get("/admin/codes/groups/PETITION_TYPE", WRITE, "ko").await;
        let (inquiry, complaint) = (html.find("질의").unwrap(), html.find("진정").unwrap());
        assert!(inquiry < complaint);
        assert!(html.contains("<td lang=\"en\">Inquiry</td>"));
        assert!(html.contains("<caption>민원 유형의 코드 (3개)</caption>"), "{html}");
        // The history: who, why, what.
        let (_, html) = client.get("/admin/codes/groups/PETITION_TYPE/changes", WRITE, "ko").await;
        assert!(html.contains("최초 등록"), "the reason: {html}");
        assert!(html.contains("버전 1: 등록"), "{html}");
        // Unknown records: 404.
        for path in ["/admin/codes/groups/NOPE", "/admin/codes/groups/PETITION_TYPE/codes/99/edit", "/admin/codes/groups/NOPE/changes"] {
            assert_eq!(client.get(path, WRITE, "ko").await.0, StatusCode::NOT_FOUND, "{path}");
        }
    }

    async fn code_forms_show_field_errors_and_conflicts_and_save_through_the_registry(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let client = Client::new(serve(&codes).await);
        let events = audit_events(&codes).await;

        // Bad input: every problem at its field, nothing written.
        let (status, _, html) = client
            .post("/admin/codes/groups/PETITION_TYPE/new-code", &[
                ("code", ""), ("label_ko", ""), ("label_en", ""), ("sort_order", "x"),
                ("valid_from", "2026-02-30"), ("valid_to", ""), ("parent", "01"), ("active", "Y"),
            ])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-summary\""));
        for field in ["code", "label_ko", "sort_order", "valid_from"] {
            assert!(html.contains(&format!("href=\"#{field}\"")), "{field} in the summary: {html}");
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field} at the field");
        }
        assert!(html.contains("value=\"x\""), "what was typed stays");
        assert_eq!(audit_events(&codes).await, events);

        // Dates in the wrong order and an unknown parent: the registry's issues.
        let (status, _, html) = client
            .post("/admin/codes/groups/PETITION_TYPE/new-code", &[
                ("code", "04"), ("label_ko", "기타"), ("sort_order", "4"),
                ("valid_from", "2026-03-01"), ("valid_to", "2026-02-01"), ("parent", "99"), ("active", "Y"),
            ])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"valid_to-error\""), "{html}");
        let (status, _, html) = client
            .post("/admin/codes/groups/PETITION_TYPE/new-code", &[
                ("code", "04"), ("label_ko", "기타"), ("sort_order", "4"), ("parent", "99"), ("active", "Y"),
            ])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"parent-error\""), "{html}");
        // A code that exists: 409 at the code field.
        let (status, _, html) = client
            .post("/admin/codes/groups/PETITION_TYPE/new-code", &[
                ("code", "01"), ("label_ko", "또 질의"), ("sort_order", "9"), ("active", "Y"),
            ])
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("id=\"code-error\""), "{html}");

        // A good one: created, then the group's page says so.
        let (status, location, _) = client
            .post("/admin/codes/groups/PETITION_TYPE/new-code", &[
                ("code", "A/B"), ("label_ko", "기타"), ("label_en", "Other"), ("sort_order", "4"),
                ("valid_from", "2026-01-01"), ("parent", "01"), ("active", "Y"), ("reason", "신설"),
            ])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/admin/codes/groups/PETITION_TYPE?saved=A%2FB");
        let code = codes.snapshot().code("PETITION_TYPE", "A/B").cloned().unwrap();
        assert_eq!((code.labels["en"].as_str(), code.sort_order, code.parent.as_deref()), ("Other", 4, Some("01")));
        assert_eq!(code.valid_from, egov_codes::model::parse_date("2026-01-01"));
        assert!(audit_events(&codes).await > events, "audited");
        let (_, html) = client.get(&location, WRITE, "ko").await;
        assert!(html.contains("저장했습니다: A/B"));
        assert!(html.contains("/admin/codes/groups/PETITION_TYPE/codes/A%2FB/edit"));

        // Change it: the reason is required.
        let edit = "/admin/codes/groups/PETITION_TYPE/codes/A%2FB/edit";
        let (_, form) = client.get(edit, WRITE, "ko").await;
        let version = hidden(&form, "version");
        assert_eq!(version, "1");
        let change = |reason: &'static str, version: String| {
            vec![
                ("label_ko", "기타 민원"), ("label_en", "Other"), ("sort_order", "5"), ("valid_from", "2026-01-01"),
                ("valid_to", ""), ("parent", ""), ("active", "N"), ("reason", reason),
            ]
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .chain([("version", version)])
            .collect::<Vec<_>>()
        };
        let (status, _, html) = client.post(edit, &refs(&change("", version.clone()))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"reason-error\""));

        // Someone else saves first: the stale form is a 409 with the conflict at the form,
        // what was typed kept, based on the current version now.
        let mut theirs = CodeDraft::from(&code);
        theirs.labels.insert("ko".into(), "그 밖의 민원".into());
        codes.update_code(&admin(), theirs, 1, "다른 창에서").await.unwrap();
        let (status, _, html) = client.post(edit, &refs(&change("정리", version.clone()))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{html}");
        assert!(html.contains("다른 사람이 이 기록을 저장했습니다"), "{html}");
        assert!(html.contains("그 밖의 민원"), "the stored value is shown");
        assert!(html.contains("value=\"기타 민원\""), "the typed value is kept");
        assert_eq!(hidden(&html, "version"), "2");
        assert_eq!(codes.snapshot().code("PETITION_TYPE", "A/B").unwrap().labels["ko"], "그 밖의 민원");
        // Saved again on the current version: done.
        let (status, _, _) = client.post(edit, &refs(&change("정리", "2".into()))).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let code = codes.snapshot().code("PETITION_TYPE", "A/B").cloned().unwrap();
        assert_eq!((code.labels["ko"].as_str(), code.sort_order, code.active, code.parent), ("기타 민원", 5, false, None));
        assert_eq!(history_len(&codes, "PETITION_TYPE", "A/B").await, 3);
        // The history lists each version with its reason and the fields it changed.
        let (status, html) = client.get("/admin/codes/groups/PETITION_TYPE/codes/A%2FB/changes", WRITE, "ko").await;
        assert_eq!(status, StatusCode::OK);
        for text in ["버전 3: 사용 중지", "정리", "다른 창에서", "신설", "그 밖의 민원", "기타 민원", "정렬 순서", "김공무 (kim)"] {
            assert!(html.contains(text), "{text}: {html}");
        }
    }

    async fn group_forms_create_and_change_groups(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let client = Client::new(serve(&codes).await);
        let (status, _, html) = client
            .post("/admin/codes/new-group", &[("id", "bad id"), ("label_ko", ""), ("category", "NOPE"), ("active", "Y")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"id-error\"") && html.contains("id=\"label_ko-error\""), "{html}");
        let (status, _, html) = client
            .post("/admin/codes/new-group", &[("id", "REGION"), ("label_ko", "지역"), ("category", "NOPE"), ("active", "Y")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"category-error\""), "{html}");
        let (status, location, _) = client
            .post("/admin/codes/new-group", &[("id", "REGION"), ("label_ko", "지역"), ("label_en", "Region"), ("custodian", "행정안전부"), ("active", "Y")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/admin/codes/groups/REGION?saved=REGION");
        assert_eq!(codes.snapshot().group("REGION").unwrap().custodian.as_deref(), Some("행정안전부"));
        let (status, _, _) = client
            .post("/admin/codes/new-group", &[("id", "REGION"), ("label_ko", "지역"), ("active", "Y")])
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        let (status, _, html) = client
            .post("/admin/codes/groups/REGION/edit", &[("label_ko", "지역"), ("label_en", "Regions"), ("active", "Y"), ("reason", "영문 이름"), ("version", "7")])
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("다른 사람이 이 기록을 저장했습니다"));
        let (status, _, _) = client
            .post("/admin/codes/groups/REGION/edit", &[("label_ko", "지역"), ("label_en", "Regions"), ("active", "Y"), ("reason", "영문 이름"), ("version", "1")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let group = codes.snapshot().group("REGION").cloned().unwrap();
        assert_eq!((group.labels["en"].as_str(), group.stamp.version), ("Regions", 2));
        assert_eq!(codes.group_history("REGION").await.unwrap().len(), 2);
    }

    async fn an_import_is_shown_before_it_is_applied_and_refused_after_a_concurrent_change(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let client = Client::new(serve(&codes).await);
        let file = "{\n\"format\": \"egov-codes/1\",\n\"categories\": [],\n\"groups\": [\n\
            {\"id\":\"PETITION_TYPE\",\"labels\":{\"en\":\"Petition type\",\"ko\":\"민원 유형\"}},\n\
            {\"id\":\"REGION\",\"labels\":{\"ko\":\"지역\"}}\n],\n\"codes\": [\n\
            {\"group\":\"PETITION_TYPE\",\"code\":\"01\",\"labels\":{\"en\":\"Question\",\"ko\":\"질의\"},\"sort_order\":1},\n\
            {\"group\":\"PETITION_TYPE\",\"code\":\"02\",\"labels\":{\"en\":\"Suggestion\",\"ko\":\"건의\"},\"sort_order\":2},\n\
            {\"group\":\"REGION\",\"code\":\"11\",\"labels\":{\"ko\":\"서울\"},\"sort_order\":1}\n]\n}\n";
        let before_export = codes.export_json().await.unwrap();
        let events = audit_events(&codes).await;

        // The dry run: the diff, nothing written.
        let (status, _, html) = client
            .post("/admin/codes/import/preview", &[("format", "json"), ("content", file), ("reason", "2027 개편")])
            .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("추가될 기록 (2건)"), "{html}");
        assert!(html.contains("바뀔 항목 (1건)"));
        assert!(html.contains("Inquiry") && html.contains("Question"));
        assert!(html.contains("변경 3건 적용"));
        assert_eq!(codes.export_json().await.unwrap(), before_export);
        assert_eq!(audit_events(&codes).await, events, "a dry run writes nothing");
        let version = hidden(&html, "version");
        let content = hidden(&html, "content");
        assert_eq!(content, file, "the apply form carries the same text");

        // Applied: one transaction, audited.
        let (status, location, _) = client
            .post("/admin/codes/import/apply", &[("format", "json"), ("content", &content), ("reason", "2027 개편"), ("version", &version)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/admin/codes/import?created=2&updated=1&unchanged=2");
        assert_eq!(codes.snapshot().code("PETITION_TYPE", "01").unwrap().labels["en"], "Question");
        assert!(codes.snapshot().code("REGION", "11").is_some());
        let (imports,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM egov_audit_events WHERE action = 'import'")
            .fetch_one(codes.db().pool())
            .await
            .unwrap();
        assert_eq!(imports, 1);
        let (_, html) = client.get(&location, WRITE, "ko").await;
        assert!(html.contains("가져왔습니다: 추가 2건, 변경 1건, 그대로 2건."), "{html}");

        // A second dry run, then someone changes a code before the apply: refused, 409.
        let second = file.replace("\"Question\"", "\"Query\"");
        let (_, _, html) = client
            .post("/admin/codes/import/preview", &[("format", "json"), ("content", &second)])
            .await;
        let version = hidden(&html, "version");
        let mut theirs = CodeDraft::from(codes.snapshot().code("PETITION_TYPE", "02").unwrap());
        theirs.sort_order = 20;
        let stamp = codes.snapshot().code("PETITION_TYPE", "02").unwrap().stamp.version;
        codes.update_code(&admin(), theirs, stamp, "동시 변경").await.unwrap();
        let after_theirs = codes.export_json().await.unwrap();
        let (status, _, html) = client
            .post("/admin/codes/import/apply", &[("format", "json"), ("content", &second), ("version", &version)])
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{html}");
        assert!(html.contains("확인한 뒤에 공통코드가 바뀌어 아무것도 가져오지 않았습니다"), "{html}");
        assert_eq!(codes.export_json().await.unwrap(), after_theirs, "nothing imported");
        // The new dry run (shown with the 409) includes their change: apply it.
        assert!(html.contains("바뀔 항목 (2건)"), "the query label and their sort order: {html}");
        let version = hidden(&html, "version");
        let (status, _, _) = client
            .post("/admin/codes/import/apply", &[("format", "json"), ("content", &second), ("version", &version)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(codes.snapshot().code("PETITION_TYPE", "01").unwrap().labels["en"], "Query");

        // A file with problems: refused rows with their lines; no apply button.
        let bad = "kind,category,group,code,active,sort_order,label:ko\r\ngroup,,G,,Y,,그룹\r\ncode,,G,01,X,1,하나\r\ncode,,NOPE,02,Y,z,둘\r\n";
        let (status, _, html) = client
            .post("/admin/codes/import/preview", &[("format", "csv"), ("content", bad)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-summary\""));
        assert!(html.contains("<th scope=\"row\">3</th>") && html.contains("<th scope=\"row\">4</th>"), "{html}");
        assert!(!html.contains("/admin/codes/import/apply"), "nothing to apply");
        // Not a file at all; no format.
        let (status, _, html) = client
            .post("/admin/codes/import/preview", &[("format", "json"), ("content", "{ not json")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        let (status, _, html) = client
            .post("/admin/codes/import/preview", &[("format", ""), ("content", "")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"format-error\"") && html.contains("id=\"content-error\""), "{html}");
    }
}
