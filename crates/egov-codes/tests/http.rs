//! The HTTP API over a real port: caching, conflicts, validation, import and
//! export, and the code rule's localized 422.
//!
//! egov-codes cannot depend on egov-web, so the test assembles what egov-web
//! would: the routes with their policies enforced, an `Actor` per request (an
//! admin when the request says `x-test-admin: 1`), and problems rendered as
//! `application/problem+json` in the request's locale.

mod common;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use common::{admin, registry, seed};
use egov_codes::http::api;
use egov_codes::model::parse_date;
use egov_codes::validate::CodeOf;
use egov_codes::{CodeDraft, CodeRegistry};
use egov_core::actor::Actor;
use egov_core::problem::Problem;
use egov_i18n::I18n;
use egov_validation::Valid;
use reqwest::StatusCode;
use serde_json::{Value, json};

egov_codes::code_group!(PetitionType = "PETITION_TYPE");

#[derive(serde::Deserialize, validator::Validate)]
struct NewPetition {
    #[validate(custom(function = "egov_codes::validate::valid_code"))]
    kind: CodeOf<PetitionType>,
}

async fn petition(Valid(axum::Json(body)): Valid<axum::Json<NewPetition>>) -> String {
    body.kind.into_inner()
}

fn i18n() -> I18n {
    I18n::builder()
        .resources(&egov_core::MESSAGES)
        .resources(&egov_validation::MESSAGES)
        .resources(&egov_codes::MESSAGES)
        .build()
        .unwrap()
}

/// What egov-web does around capability routes, in miniature.
async fn stack(State(i18n): State<Arc<I18n>>, mut request: Request, next: Next) -> Response {
    let actor = if request.headers().contains_key("x-test-admin") {
        admin()
    } else {
        Actor::anonymous()
    };
    let locale = i18n.negotiate_request(request.uri(), request.headers());
    request.extensions_mut().insert(actor);
    request.extensions_mut().insert(locale.clone());
    let response = next.run(request).await;
    match response.extensions().get::<Problem>() {
        Some(problem) => {
            let rendered = problem.render(&[&*i18n], locale.as_str(), &["ko"]);
            let mut out = (response.status(), axum::Json(rendered)).into_response();
            out.headers_mut()
                .insert("content-type", "application/problem+json".parse().unwrap());
            out
        }
        None => response,
    }
}

async fn serve(codes: &CodeRegistry) -> String {
    // The routes enforce their own policies (egov-http's ApiRouter).
    let (api, _) = api(codes.clone()).into_parts();
    let router: Router = api.into();
    let router = router
        .route("/petitions", axum::routing::post(petition))
        .layer(middleware::from_fn_with_state(Arc::new(i18n()), stack));
    egov_http::testing::serve(router).await
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// `install_global` sets one registry for the whole process, and `cargo test`
/// runs this binary's tests as threads of one process (nextest runs each in its
/// own). Every test that installs a registry holds this lock until it ends, so
/// the SQLite and PostgreSQL variants cannot replace each other's registry
/// while a request is being validated.
static GLOBAL_REGISTRY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

egov_db::backend_tests! {
    async fn reads_are_cached_with_etags_and_localized(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let base = serve(&codes).await;
        let http = client();

        let response = http.get(format!("{base}/codes/PETITION_TYPE?lang=en")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.ends_with("-en\""), "{etag}");
        assert_eq!(response.headers()["cache-control"], "public, max-age=60");
        assert_eq!(response.headers()["vary"], "Accept-Language, Cookie");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["group"]["label"], "Petition type");
        let labels: Vec<&str> = body["codes"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
        assert_eq!(labels, ["Inquiry", "Suggestion", "Complaint"]);

        // Accept-Language picks the locale when ?lang= is absent.
        let ko: Value = http.get(format!("{base}/codes/PETITION_TYPE")).header("accept-language", "ko-KR,ko;q=0.9").send().await.unwrap().json().await.unwrap();
        assert_eq!(ko["codes"][0]["label"], "질의");

        // If-None-Match: 304 without a body, same validators.
        let not_modified = http.get(format!("{base}/codes/PETITION_TYPE?lang=en")).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(not_modified.headers()["etag"].to_str().unwrap(), etag);
        assert!(not_modified.bytes().await.unwrap().is_empty());

        // A change anywhere moves the snapshot version: the old tag no longer matches.
        codes.deactivate_code(&admin(), "PETITION_TYPE", "03", 1, "폐지").await.unwrap();
        let changed = http.get(format!("{base}/codes/PETITION_TYPE?lang=en")).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(changed.status(), StatusCode::OK);
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
        let body: Value = changed.json().await.unwrap();
        assert_eq!(body["codes"].as_array().unwrap().len(), 2);

        // include_inactive: ignored for the public, honoured for admins (and private).
        let public: Value = http.get(format!("{base}/codes/PETITION_TYPE?include_inactive=true")).send().await.unwrap().json().await.unwrap();
        assert_eq!((public["include_inactive"].as_bool(), public["codes"].as_array().unwrap().len()), (Some(false), 2));
        let all = http.get(format!("{base}/codes/PETITION_TYPE?include_inactive")).header("x-test-admin", "1").send().await.unwrap();
        assert_eq!(all.headers()["cache-control"], "private, no-cache");
        let all: Value = all.json().await.unwrap();
        assert_eq!(all["codes"].as_array().unwrap().len(), 3);

        // A past date shows what was valid then; one code with all its labels.
        let one: Value = http.get(format!("{base}/codes/PETITION_TYPE/03?lang=en")).send().await.unwrap().json().await.unwrap();
        assert_eq!((one["label"].as_str(), one["valid"].as_bool(), one["active"].as_bool()), (Some("Complaint"), Some(false), Some(false)));
        assert_eq!(one["labels"]["ko"], "진정");

        // Errors are problems, localized.
        for (path, status) in [("/codes/NOPE", 404), ("/codes/PETITION_TYPE/99", 404), ("/codes/PETITION_TYPE?at=2026-02-30&x=1", 422)] {
            let response = http.get(format!("{base}{path}")).header("accept-language", "ko").send().await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{path}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
        }
        let bad: Value = http.get(format!("{base}/codes/PETITION_TYPE?at=2026-02-30&x=1")).header("accept-language", "ko").send().await.unwrap().json().await.unwrap();
        let fields: Vec<(&str, &str)> = bad["errors"].as_array().unwrap().iter().map(|e| (e["field"].as_str().unwrap(), e["message"].as_str().unwrap())).collect();
        assert_eq!(fields, [("/at", "날짜를 YYYY-MM-DD 형식으로 입력해 주십시오(예: 2026-11-01)."), ("/x", "알 수 없는 매개변수입니다.")]);
    }

    async fn admin_writes_need_the_permission_and_the_current_version(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let base = serve(&codes).await;
        let http = client();
        let url = format!("{base}/admin/codes/groups/PETITION_TYPE/codes");
        let body = json!({"record": {"code": "04", "labels": {"ko": "이의신청", "en": "Objection"}, "sort_order": 4}});

        let anonymous = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        let created = http.post(&url).header("x-test-admin", "1").json(&body).send().await.unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        assert_eq!(created.headers()["etag"], "\"1\"");
        assert_eq!(created.headers()["location"], "/codes/PETITION_TYPE/04");
        let again = http.post(&url).header("x-test-admin", "1").header("accept-language", "ko").json(&body).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::CONFLICT);
        let problem: Value = again.json().await.unwrap();
        assert_eq!(problem["detail"], "PETITION_TYPE/04는 이미 있습니다. 다른 식별자를 쓰거나 기존 항목을 수정해 주십시오.");

        let code_url = format!("{url}/04");
        let update = json!({"record": {"code": "04", "labels": {"ko": "이의 신청"}}, "reason": "띄어쓰기"});
        let ok = http.put(&code_url).header("x-test-admin", "1").header("if-match", "\"1\"").json(&update).send().await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["etag"], "\"2\"");
        // The same If-Match again is stale: 412.
        let stale = http.put(&code_url).header("x-test-admin", "1").header("if-match", "\"1\"").json(&update).send().await.unwrap();
        assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
        let problem: Value = stale.json().await.unwrap();
        assert_eq!(problem["type"], "urn:egov:problem:precondition-failed");
        // A stale version in the body: 409 naming the current one.
        let mut body_version = update.clone();
        body_version["version"] = json!(1);
        let conflict = http.put(&code_url).header("x-test-admin", "1").header("accept-language", "en").json(&body_version).send().await.unwrap();
        assert_eq!(conflict.status(), StatusCode::CONFLICT);
        let problem: Value = conflict.json().await.unwrap();
        assert_eq!(problem["current_version"], 2);
        assert_eq!(problem["detail"], "Someone changed this record in the meantime. Reload it and make your change again.");
        // No version at all, no reason, bad fields, bad JSON, wrong media type.
        let cases: [(Value, &str, u16); 3] = [
            (json!({"record": {"code": "04", "labels": {"ko": "x"}}, "reason": "r"}), "/version", 422),
            (json!({"record": {"code": "04", "labels": {"ko": "x"}}, "version": 2}), "/reason", 422),
            (json!({"record": {"code": "04", "labels": {}, "valid_from": "2026-13-01"}, "version": 2, "reason": "r"}), "/record/valid_from", 422),
        ];
        for (body, field, status) in cases {
            let response = http.put(&code_url).header("x-test-admin", "1").json(&body).send().await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{body}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let malformed = http.put(&code_url).header("x-test-admin", "1").header("content-type", "application/json").body("{\"record\":").send().await.unwrap();
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
        let text = http.put(&code_url).header("x-test-admin", "1").body("record").send().await.unwrap();
        assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // Deactivate with If-Match, then the history shows three versions.
        let gone = http.post(format!("{code_url}/deactivate")).header("x-test-admin", "1").header("if-match", "\"2\"").json(&json!({"reason": "제도 폐지"})).send().await.unwrap();
        assert_eq!(gone.status(), StatusCode::OK);
        let history: Value = http.get(format!("{code_url}/history")).header("x-test-admin", "1").send().await.unwrap().json().await.unwrap();
        let kinds: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["change"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["create", "update", "deactivate"]);
        assert_eq!(history[2]["reason"], "제도 폐지");
        let none = http.get(format!("{url}/99/history")).header("x-test-admin", "1").send().await.unwrap();
        assert_eq!(none.status(), StatusCode::NOT_FOUND);

        // Groups and categories the same way.
        let category = http.post(format!("{base}/admin/codes/categories")).header("x-test-admin", "1").json(&json!({"record": {"id": "CIV", "labels": {"ko": "민원"}}})).send().await.unwrap();
        assert_eq!(category.status(), StatusCode::CREATED);
        let group = http.put(format!("{base}/admin/codes/groups/PETITION_TYPE")).header("x-test-admin", "1").header("if-match", "*")
            .json(&json!({"record": {"id": "ignored", "category": "CIV", "labels": {"ko": "민원 유형"}, "custodian": "민원정책과"}, "reason": "분류 지정"})).send().await.unwrap();
        assert_eq!(group.status(), StatusCode::OK);
        let group: Value = group.json().await.unwrap();
        assert_eq!((group["id"].as_str(), group["category"].as_str(), group["version"].as_i64()), (Some("PETITION_TYPE"), Some("CIV"), Some(2)));
    }

    async fn import_and_export_over_http(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let base = serve(&codes).await;
        let http = client();
        let export = http.get(format!("{base}/admin/codes/export?format=csv")).header("x-test-admin", "1").send().await.unwrap();
        assert_eq!(export.status(), StatusCode::OK);
        assert!(export.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"codes-"));
        let csv = export.text().await.unwrap();
        let same: Value = http.post(format!("{base}/admin/codes/import?format=csv")).header("x-test-admin", "1").body(csv.clone()).send().await.unwrap().json().await.unwrap();
        assert_eq!((&same["created"], &same["updated"], &same["unchanged"]), (&json!(0), &json!(0), &json!(4)));

        let bad = csv.replace(",Y,", ",?,");
        let refused = http.post(format!("{base}/admin/codes/import?format=csv")).header("x-test-admin", "1").header("accept-language", "en").body(bad).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["detail"], "The file has 4 problems, so nothing was imported. Fix the lines listed and import it again.");
        assert_eq!(problem["errors"][0]["field"], "/lines/2/active");

        let dump = include_str!("fixtures/egovframe_codes.sql");
        let migrated: Value = http.post(format!("{base}/admin/codes/import?format=egovframe-sql&reason=%EC%9D%B4%EA%B4%80")).header("x-test-admin", "1").body(dump).send().await.unwrap().json().await.unwrap();
        assert_eq!(migrated["created"], 11);
        assert_eq!(codes.code_history("COM014", "M").await.unwrap()[0].reason.as_deref(), Some("이관"));
        let json = http.get(format!("{base}/admin/codes/export")).header("x-test-admin", "1").send().await.unwrap().text().await.unwrap();
        assert!(json.contains("\"COM014\""));
        for query in ["format=xml", "", "format=json&format=csv"] {
            let response = http.post(format!("{base}/admin/codes/import?{query}")).header("x-test-admin", "1").body("{}").send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        }
        let latin1 = http.post(format!("{base}/admin/codes/import?format=csv")).header("x-test-admin", "1").body(vec![0xb0u8, 0xa1]).send().await.unwrap();
        assert_eq!(latin1.status(), StatusCode::BAD_REQUEST);
    }

    async fn codes_that_are_not_plain_path_segments_are_reached_percent_encoded(db) {
        let codes = registry(&db).await;
        let base = serve(&codes).await;
        let http = client();
        let dump = include_str!("fixtures/egovframe_odd_codes.sql");
        let import = format!("{base}/admin/codes/import");
        let migrated: Value = http.post(format!("{import}?format=egovframe-sql")).header("x-test-admin", "1").body(dump).send().await.unwrap().json().await.unwrap();
        assert_eq!((&migrated["created"], &migrated["updated"], &migrated["unchanged"]), (&json!(11), &json!(0), &json!(0)));
        // Per kind: the dump's two groups and nine codes.
        assert_eq!(migrated["groups"], json!({"created": 2, "updated": 0, "unchanged": 0}));
        assert_eq!(migrated["codes"], json!({"created": 9, "updated": 0, "unchanged": 0}));

        // Each code is one percent-encoded path segment, decoded exactly.
        let odd = [
            ("%25Y-%25m", "%Y-%m", "연-월"),
            ("%25Y-%25m-%25d", "%Y-%m-%d", "연-월-일"),
            ("A%2FB", "A/B", "가/나"),
            ("1%202", "1 2", "하나 둘"),
            ("%EC%84%9C%EC%9A%B8", "서울", "서울특별시"),
            ("%20%EC%95%9E", " 앞", "앞에 공백"),
            ("%EB%81%9D%20", "끝 ", "끝에 공백"),
        ];
        for (segment, code, label) in odd {
            let response = http.get(format!("{base}/codes/COM090/{segment}?lang=ko")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{segment}");
            let body: Value = response.json().await.unwrap();
            assert_eq!((body["group"].as_str(), body["code"].as_str(), body["label"].as_str(), body["valid"].as_bool()), (Some("COM090"), Some(code), Some(label), Some(true)), "{segment}");
        }
        // Labels and descriptions keep their spaces; the list is in dump order.
        let next: Value = http.get(format!("{base}/codes/COM091/NEXT")).send().await.unwrap().json().await.unwrap();
        assert_eq!((next["labels"]["ko"].as_str(), next["description"].as_str()), (Some("Continue "), Some("  다음 단계로  ")));
        let list: Value = http.get(format!("{base}/codes/COM090")).send().await.unwrap().json().await.unwrap();
        let listed: Vec<&str> = list["codes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
        assert_eq!(listed, odd.map(|(_, code, _)| code));
        assert_eq!(list["group"]["description"], " 앞뒤 공백이 있는 설명 ");
        // Not encoded, a slash is two segments: no such route; nothing is trimmed.
        for path in ["/codes/COM090/A/B", "/codes/COM090/%EC%95%9E", "/codes/COM090/%EB%81%9D"] {
            assert_eq!(http.get(format!("{base}{path}")).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
        }

        // Exported and imported back over HTTP, and the dump again: no change.
        let version = codes.snapshot().version();
        for (format, body) in [
            ("json", http.get(format!("{base}/admin/codes/export?format=json")).header("x-test-admin", "1").send().await.unwrap().text().await.unwrap()),
            ("csv", http.get(format!("{base}/admin/codes/export?format=csv")).header("x-test-admin", "1").send().await.unwrap().text().await.unwrap()),
            ("egovframe-sql", dump.to_owned()),
        ] {
            let report: Value = http.post(format!("{import}?format={format}")).header("x-test-admin", "1").body(body).send().await.unwrap().json().await.unwrap();
            assert_eq!((&report["created"], &report["updated"], &report["unchanged"]), (&json!(0), &json!(0), &json!(11)), "{format}");
        }
        assert_eq!(codes.snapshot().version(), version);

        // The admin routes take the code the same way.
        let admin_code = |segment: &str| format!("{base}/admin/codes/groups/COM090/codes/{segment}");
        let update = json!({"record": {"code": "ignored", "labels": {"ko": "가/나 "}, "sort_order": 3}, "reason": "명칭"});
        let updated = http.put(admin_code("A%2FB")).header("x-test-admin", "1").header("if-match", "\"1\"").json(&update).send().await.unwrap();
        assert_eq!(updated.status(), StatusCode::OK);
        let updated: Value = updated.json().await.unwrap();
        assert_eq!((updated["code"].as_str(), updated["labels"]["ko"].as_str(), updated["version"].as_i64()), (Some("A/B"), Some("가/나 "), Some(2)));
        let gone = http.post(format!("{}/deactivate", admin_code("%25Y-%25m"))).header("x-test-admin", "1").header("if-match", "\"1\"").json(&json!({"reason": "폐지"})).send().await.unwrap();
        assert_eq!(gone.status(), StatusCode::OK);
        assert_eq!(codes.snapshot().code("COM090", "%Y-%m").map(|c| c.active), Some(false));
        let history: Value = http.get(format!("{}/history", admin_code("A%2FB"))).header("x-test-admin", "1").send().await.unwrap().json().await.unwrap();
        let versions: Vec<(i64, &str)> = history.as_array().unwrap().iter().map(|h| (h["version"].as_i64().unwrap(), h["record"]["code"].as_str().unwrap())).collect();
        assert_eq!(versions, [(1, "A/B"), (2, "A/B")]);
        // A new code: its Location is percent-encoded and leads to it.
        let created = http.post(format!("{base}/admin/codes/groups/COM090/codes")).header("x-test-admin", "1")
            .json(&json!({"record": {"code": "50%/절반", "labels": {"ko": "절반 "}, "parent": "A/B"}})).send().await.unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, "/codes/COM090/50%25%2F%EC%A0%88%EB%B0%98");
        let found: Value = http.get(format!("{base}{location}")).send().await.unwrap().json().await.unwrap();
        assert_eq!((found["code"].as_str(), found["parent"].as_str(), found["labels"]["ko"].as_str()), (Some("50%/절반"), Some("A/B"), Some("절반 ")));
        // A code that is only spaces, or has a control character, is refused.
        for bad in [" ", "a\tb"] {
            let refused = http.post(format!("{base}/admin/codes/groups/COM090/codes")).header("x-test-admin", "1").header("accept-language", "en")
                .json(&json!({"record": {"code": bad, "labels": {"ko": "x"}}})).send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
            let problem: Value = refused.json().await.unwrap();
            assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some("/code"), Some("code")));
            assert_eq!(problem["errors"][0]["message"], "Enter a code of 1 to 64 characters, not only spaces and without control characters (tab, line break).");
        }
    }

    async fn the_code_rule_gives_a_localized_422_naming_the_group(db) {
        let _only_registry = GLOBAL_REGISTRY.lock().await;
        let codes = registry(&db).await;
        seed(&codes).await;
        codes.install_global();
        let base = serve(&codes).await;
        let http = client();
        let ok = http.post(format!("{base}/petitions")).json(&json!({"kind": "02"})).send().await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        for (kind, accept, message) in [
            ("99", "ko", "PETITION_TYPE 코드 그룹에 없거나 지금 사용할 수 없는 코드입니다."),
            ("99", "en", "Choose a code that is currently in use in the PETITION_TYPE code group."),
        ] {
            let response = http.post(format!("{base}/petitions")).header("accept-language", accept).json(&json!({"kind": kind})).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], "/kind");
            assert_eq!(problem["errors"][0]["code"], "code_of");
            assert_eq!(problem["errors"][0]["message"], message);
        }
        // A deactivated code is refused from the next request on.
        codes.deactivate_code(&admin(), "PETITION_TYPE", "02", 1, "폐지").await.unwrap();
        let gone = http.post(format!("{base}/petitions")).json(&json!({"kind": "02"})).send().await.unwrap();
        assert_eq!(gone.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The rule read this test's registry throughout, not another test's.
        let installed = egov_codes::validate::global().expect("a registry is installed");
        assert_eq!(installed.db().redacted_url(), codes.db().redacted_url(), "another test replaced the process's registry");
    }

    async fn the_at_date_picks_the_codes_valid_that_day(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        // 04 is valid in the first half of 2026 only (both days inclusive).
        let draft = CodeDraft::new("PETITION_TYPE", "04", "이의신청").label("en", "Objection").sort_order(4)
            .valid(parse_date("2026-01-01"), parse_date("2026-06-30"));
        codes.create_code(&admin(), draft, None).await.unwrap();
        let base = serve(&codes).await;
        let http = client();
        let version = codes.snapshot().version();

        let list = |at: &'static str| {
            let request = http.get(format!("{base}/codes/PETITION_TYPE?lang=en&at={at}"));
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{at}");
                let etag = response.headers()["etag"].to_str().unwrap().to_owned();
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["at"], at);
                let listed: Vec<String> = body["codes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect();
                (listed, etag)
            }
        };
        let (before, before_tag) = list("2025-12-31").await;
        let (first_day, first_day_tag) = list("2026-01-01").await;
        let (inside, inside_tag) = list("2026-03-01").await;
        let (last_day, _) = list("2026-06-30").await;
        let (after, after_tag) = list("2026-07-01").await;
        assert_eq!(before, ["01", "02", "03"]);
        assert_eq!(first_day, ["01", "02", "03", "04"]);
        assert_eq!(inside, ["01", "02", "03", "04"]);
        assert_eq!(last_day, ["01", "02", "03", "04"]);
        assert_eq!(after, ["01", "02", "03"]);
        // The tag names the snapshot, the day and the locale: each day its own.
        assert_eq!(before_tag, format!("\"{version}-20251231-en\""));
        assert_eq!(inside_tag, format!("\"{version}-20260301-en\""));
        assert_ne!(first_day_tag, inside_tag);
        assert_ne!(before_tag, after_tag, "same list, other day: other tag");
        // A tag for one day does not validate another day's list.
        let other_day = http.get(format!("{base}/codes/PETITION_TYPE?lang=en&at=2026-03-01")).header("if-none-match", &before_tag).send().await.unwrap();
        assert_eq!(other_day.status(), StatusCode::OK);
        let same_day = http.get(format!("{base}/codes/PETITION_TYPE?lang=en&at=2026-03-01")).header("if-none-match", &inside_tag).send().await.unwrap();
        assert_eq!(same_day.status(), StatusCode::NOT_MODIFIED);
        // Without ?at= the day is today in the agency's calendar.
        let today: Value = http.get(format!("{base}/codes/PETITION_TYPE")).send().await.unwrap().json().await.unwrap();
        assert_eq!(today["at"], egov_codes::model::format_date(codes.today()));

        // One code: whether it is valid on the day asked about, and its validity.
        for (at, valid) in [("2025-12-31", false), ("2026-01-01", true), ("2026-06-30", true), ("2026-07-01", false)] {
            let response = http.get(format!("{base}/codes/PETITION_TYPE/04?lang=en&at={at}")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{at}");
            let tag = response.headers()["etag"].to_str().unwrap().to_owned();
            assert_eq!(tag, format!("\"{version}-{}-en\"", at.replace('-', "")));
            let one: Value = response.json().await.unwrap();
            assert_eq!((one["at"].as_str(), one["valid"].as_bool(), one["active"].as_bool()), (Some(at), Some(valid), Some(true)), "{at}");
            assert_eq!((one["valid_from"].as_str(), one["valid_to"].as_str()), (Some("2026-01-01"), Some("2026-06-30")));
            assert_eq!(one["label"], "Objection");
        }
        let bad = http.get(format!("{base}/codes/PETITION_TYPE/04?at=2026-7-1")).send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn one_code_answers_304_to_its_own_tag_until_it_changes(db) {
        let codes = registry(&db).await;
        seed(&codes).await;
        let base = serve(&codes).await;
        let http = client();
        let url = format!("{base}/codes/PETITION_TYPE/02?lang=en&at=2026-03-01");

        let first = http.get(&url).send().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(first.headers()["cache-control"], "public, max-age=60");
        let body: Value = first.json().await.unwrap();
        assert_eq!(body["label"], "Suggestion");

        // The same tag, alone, weak, or in a list: 304 with no body and the same validators.
        for header in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}"), "*".to_owned()] {
            let response = http.get(&url).header("if-none-match", &header).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{header}");
            assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
            assert_eq!(response.headers()["cache-control"], "public, max-age=60");
            assert!(response.bytes().await.unwrap().is_empty());
        }
        // Another language is another representation.
        let ko = http.get(format!("{base}/codes/PETITION_TYPE/02?lang=ko&at=2026-03-01")).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(ko.status(), StatusCode::OK);
        // An unknown code is a 404 whatever the tag.
        let missing = http.get(format!("{base}/codes/PETITION_TYPE/99")).header("if-none-match", "*").send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        // After a change the old tag no longer matches: the new label, a new tag.
        let draft = CodeDraft::new("PETITION_TYPE", "02", "건의·제안").label("en", "Proposal").sort_order(2);
        codes.update_code(&admin(), draft, 1, "명칭 변경").await.unwrap();
        let changed = http.get(&url).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(changed.status(), StatusCode::OK);
        let new_tag = changed.headers()["etag"].to_str().unwrap().to_owned();
        assert_ne!(new_tag, etag);
        let body: Value = changed.json().await.unwrap();
        assert_eq!(body["label"], "Proposal");
        let again = http.get(&url).header("if-none-match", &new_tag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
}

#[test]
fn every_route_is_documented_with_its_policy() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let database = egov_db::testing::TestDatabase::sqlite().await.unwrap();
            let codes = registry(database.db()).await;
            let mut routes: Vec<(String, String)> = api(codes)
                .route_table()
                .iter()
                .flat_map(|route| {
                    route.methods.iter().map(move |method| {
                        (format!("{method} {}", route.path), route.policy.to_string())
                    })
                })
                .collect();
            routes.sort();
            let public: Vec<&str> = routes
                .iter()
                .filter(|(_, p)| p == "public")
                .map(|(r, _)| r.as_str())
                .collect();
            assert_eq!(public, ["GET /codes/{group}", "GET /codes/{group}/{code}"]);
            assert_eq!(routes.len(), 16);
            assert!(
                routes.iter().all(
                    |(r, p)| r.contains("/codes/{group}") && !r.contains("admin")
                        || p.contains("codes:write")
                ),
                "{routes:?}"
            );
            database.close().await.unwrap();
        });
}
