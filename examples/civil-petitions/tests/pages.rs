//! The server-rendered pages over real HTTP: login with the page session, the
//! citizen's form with its accessible error summary in Korean and English, CSRF,
//! staff pages with audited access, and the language switch.

mod common;

use common::{account, assert_chain_verifies, audit_count, csrf_of, no_redirects, page_login};
use egov::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Files a petition over the API as `token`'s account; its id.
async fn file_api(running: &common::Running, token: &str, title: &str) -> String {
    file_at(running.base.clone(), token.to_owned(), title.to_owned()).await
}

/// [`file_api`] with owned arguments (for a spawned task).
async fn file_at(base: String, token: String, title: String) -> String {
    let mut body = common::petition("900101-1234568");
    body["title"] = json!(title);
    let filed: Value = reqwest::Client::new()
        .post(format!("{base}/api/petitions"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    filed["id"].as_str().expect("filed").to_owned()
}

/// Moves a petition over the API as `token`'s account.
async fn move_api(
    running: &common::Running,
    token: &str,
    id: &str,
    status: &str,
    reason: &str,
    version: i64,
) {
    let response = reqwest::Client::new()
        .put(format!("{}/api/petitions/{id}/status", running.base))
        .bearer_auth(token)
        .json(&json!({"status": status, "reason": reason, "version": version}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap().replace("&#x2f;", "/")
    );
}

/// The migrations before receipt numbers (civil-petitions' first only).
static BEFORE_RECEIPTS: MigrationSet = MigrationSet::new(
    "civil-petitions",
    5,
    &[Migration::portable(
        1,
        "create petitions",
        include_str!("../migrations/0001_petitions.sql"),
    )],
);

fn form(csrf: &str, rrn: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf_token", csrf.to_owned()),
        ("petition_type", "GRIEVANCE".into()),
        ("region", "26350".into()),
        ("title", "소음 <script>alert(1)</script>".into()),
        ("body", "공사 소음이 심합니다.".into()),
        ("resident_number", rrn.into()),
        ("phone", "02-234-5678".into()),
        ("postal_code", "48094".into()),
    ]
}

egov::db::backend_tests! {
    async fn the_citizen_form_shows_localized_errors_and_files(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        account(&running, "hong", &[civil_petitions::CITIZEN_ROLE]).await;

        // Anonymous: sent to the login page.
        let anonymous = client.get(format!("{}/petitions/new", running.base)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
        assert_eq!(anonymous.headers()["location"], "/login?next=%2Fpetitions%2Fnew");
        // An API client (no text/html) gets the 401 problem instead.
        let api_client = client.get(format!("{}/petitions/new", running.base))
            .header("accept", "application/json").send().await.unwrap();
        assert_eq!(api_client.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(api_client.headers()["content-type"], "application/problem+json");
        let login_page = client.get(format!("{}/login", running.base)).send().await.unwrap();
        assert!(login_page.headers()["content-security-policy"].to_str().unwrap().contains("form-action 'self'"));
        assert!(!login_page.text().await.unwrap().replace("&#x2f;", "/").contains("<script"));

        // A wrong password re-renders the login page with the error summary.
        let login_form = common::LoginForm::open(&running, &client).await;
        let wrong = login_form
            .post(&running, &client, &[("login_id", "hong"), ("password", "not the right password at all")])
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = wrong.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("class=\"egov-error-summary\"") && html.contains("아이디 또는 비밀번호가 올바르지 않습니다."), "{html}");
        // The summary takes the focus after the reload; the field is marked.
        assert!(html.contains("autofocus"), "{html}");
        assert!(html.contains("<a href=\"#login_id\">아이디: 아이디 또는 비밀번호가 올바르지 않습니다.</a>"), "{html}");

        let session = page_login(&running, "hong").await;
        let page = client.get(format!("{}/petitions/new", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap().replace("&#x2f;", "/");
        // Every page says who is logged in.
        assert!(html.contains("<li class=\"egov-who\">hong(hong) 님</li>"), "{html}");
        // The kit's layout: skip link, the agency's name, the privacy policy in the footer,
        // the menu with the change-password page.
        assert!(html.contains("<a class=\"egov-skip\" href=\"#main\">본문 바로가기</a>"), "{html}");
        assert!(html.contains("<span class=\"egov-agency\">예제 기관</span>"), "{html}");
        assert!(html.contains("<a class=\"egov-privacy\" href=\"/privacy\">개인정보처리방침</a>"), "{html}");
        assert!(html.contains("<a href=\"/auth/change-password\">비밀번호 변경</a>"), "{html}");
        assert!(!html.contains("/staff/petitions\""), "a citizen's menu has no staff pages: {html}");
        // The personal-data notice: purpose, legal basis, retention, and that the
        // resident number is never shown back.
        for key in ["개인정보 수집·이용 안내", "제24조의2제1항제1호", "보유 기간", "다시 입력해야 합니다"] {
            assert!(html.contains(key), "{key}: {html}");
        }
        // Required marks and hints wired to their fields.
        assert!(html.contains("aria-describedby=\"resident_number-hint\""), "{html}");
        assert!(html.contains("required aria-required=\"true\""), "{html}");
        assert!(html.contains("<option value=\"11110\">서울특별시 종로구</option>"), "{html}");
        let csrf = csrf_of(&html);

        // A bad resident number: the form again, with the summary linking to the field.
        let bad = client.post(format!("{}/petitions/new", running.base))
            .header("cookie", &session)
            .form(&form(&csrf, "901301-1234567"))
            .send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("class=\"egov-error-summary\"") && html.contains("autofocus"), "{html}");
        assert!(html.contains("<title>[오류] 민원 신청 | 민원 신청</title>"), "{html}");
        assert!(html.contains("<a href=\"#resident_number\">주민등록번호: 올바른 주민등록번호를 입력해 주십시오.</a>"), "{html}");
        assert!(html.contains("id=\"resident_number-error\""), "{html}");
        assert!(html.contains("aria-describedby=\"resident_number-hint resident_number-error\" aria-invalid=\"true\""), "{html}");
        // At the field: the number was cleared and must be typed again.
        assert!(html.contains("보안을 위해 입력하신 주민등록번호를 지웠습니다. 다시 입력해 주십시오."), "{html}");
        // What was typed comes back escaped; the resident number does not come back.
        assert!(html.contains("소음 &lt;script&gt;"), "{html}");
        assert!(!html.contains("901301"), "{html}");

        // An empty form: each field is said to be required (not "an unknown code").
        let empty = client.post(format!("{}/petitions/new", running.base))
            .header("cookie", &session)
            .form(&[("csrf_token", csrf.as_str())])
            .send().await.unwrap();
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = empty.text().await.unwrap().replace("&#x2f;", "/");
        for (field, label) in [("petition_type", "민원 유형"), ("body", "내용"), ("resident_number", "주민등록번호")] {
            assert!(html.contains(&format!("<a href=\"#{field}\">{label}: 필수 입력 항목입니다.</a>")), "{field}: {html}");
        }

        // The same in English, chosen with ?lang=.
        let english = client.post(format!("{}/petitions/new?lang=en", running.base))
            .header("cookie", &session)
            .form(&form(&csrf, "901301-1234567"))
            .send().await.unwrap();
        assert_eq!(english.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = english.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("<html lang=\"en\">"), "{html}");
        assert!(html.contains("Resident registration number: Enter a valid resident registration number."), "{html}");

        // Without the CSRF token: refused.
        let forged = client.post(format!("{}/petitions/new", running.base))
            .header("cookie", &session)
            .form(&form("forged", "900101-1234568"))
            .send().await.unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);

        // Valid: 303 to the citizen's list, which confirms it with a particle.
        let filed = client.post(format!("{}/petitions/new", running.base))
            .header("cookie", &session)
            .form(&form(&csrf, "900101-1234568"))
            .send().await.unwrap();
        assert_eq!(filed.status(), StatusCode::SEE_OTHER);
        let location = filed.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/petitions/mine?filed="), "{location}");
        let mine = client.get(format!("{}{location}", running.base))
            .header("cookie", &session).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        let receipt = format!("{}-000001", common::agency_year());
        assert!(mine.contains(&format!("고충 민원이 접수되었습니다. 접수번호는 {receipt}입니다.")), "{mine}");
        // The list shows it with its receipt number, in a table with a caption.
        assert!(mine.contains(&format!("<td>{receipt}</td>")), "{mine}");
        assert!(mine.contains("<caption>내가 신청한 민원 (전체 1건)</caption>"), "{mine}");
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM petitions")
            .fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(count, 1);

        // A citizen may not open the staff pages.
        let staff_page = client.get(format!("{}/staff/petitions", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(staff_page.status(), StatusCode::FORBIDDEN);
        // …and the browser gets a page, not problem+json.
        assert!(staff_page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let html = staff_page.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("<html lang=\"ko\">") && html.contains("<h1>"), "{html}");
    }

    async fn staff_pages_list_open_change_and_download(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        account(&running, "hong", &[civil_petitions::CITIZEN_ROLE]).await;
        account(&running, "clerk", &[civil_petitions::STAFF_ROLE]).await;
        let citizen = page_login(&running, "hong").await;
        let html = client.get(format!("{}/petitions/new", running.base))
            .header("cookie", &citizen).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        let filed = client.post(format!("{}/petitions/new", running.base))
            .header("cookie", &citizen)
            .form(&form(&csrf_of(&html), "900101-1234568"))
            .send().await.unwrap();
        assert_eq!(filed.status(), StatusCode::SEE_OTHER);
        let id = filed.headers()["location"].to_str().unwrap().split('=').nth(1).unwrap().to_owned();

        let staff = page_login(&running, "clerk").await;
        let list = client.get(format!("{}/staff/petitions", running.base))
            .header("cookie", &staff).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        assert!(list.contains("900101-1******") && !list.contains("1234568"), "{list}");
        assert!(list.contains(&format!("/staff/petitions/{id}")));

        // Opening it is a recorded access naming the staff account and the subject.
        let detail = client.get(format!("{}/staff/petitions/{id}", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(detail.status(), StatusCode::OK);
        let html = detail.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("900101-1******") && !html.contains("1234568"), "{html}");
        let clerk_id = running.services.auth.account_by_login_id("clerk").await.unwrap().id;
        let subject = running.services.privacy.index.compute("900101-1234568");
        assert_eq!(audit_count(&running, &format!(
            "action = 'view' AND principal_id = '{clerk_id}' AND subjects LIKE '%{subject}%'")).await, 1);

        // An invalid transition re-renders with the localized reason; a valid one redirects.
        let csrf = csrf_of(&html);
        let invalid = client.post(format!("{}/staff/petitions/{id}/status", running.base))
            .header("cookie", &staff)
            .form(&[("csrf_token", csrf.as_str()), ("status", "answered"), ("reason", "답"), ("version", "1")])
            .send().await.unwrap();
        assert_eq!(invalid.status(), StatusCode::CONFLICT, "a transition the state machine forbids");
        let html = invalid.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("class=\"egov-error-summary\"") && html.contains("접수 상태의 민원은 답변 완료로 바꿀 수 없습니다."), "{html}");
        let changed = client.post(format!("{}/staff/petitions/{id}/status", running.base))
            .header("cookie", &staff)
            .form(&[("csrf_token", csrf.as_str()), ("status", "in_review"), ("reason", ""), ("version", "1")])
            .send().await.unwrap();
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        let status: String = sqlx::query_scalar("SELECT status FROM petitions WHERE id = $1")
            .bind(&id).fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(status, "in_review");

        // The CSV: without a reason the list again, 422, the error at the field; with
        // one, a recorded download.
        let no_reason = client.get(format!("{}/staff/petitions/export?reason=&status=in_review", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let back = no_reason.text().await.unwrap().replace("&#x2f;", "/");
        assert!(back.contains("class=\"egov-error-summary\"") && back.contains("<a href=\"#reason\">내려받는 사유: 개인정보가 담긴 파일을 내려받으려면 사유를 입력해 주십시오.</a>"), "{back}");
        assert!(back.contains("id=\"reason-error\"") && back.contains("aria-describedby=\"reason-hint reason-error\" aria-invalid=\"true\""), "{back}");
        // The filter it was asked with is kept.
        assert!(back.contains("<option value=\"in_review\" selected>"), "{back}");
        let csv = client.get(format!("{}/staff/petitions/export?reason=%EC%A0%90%EA%B2%80", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.text().await.unwrap().replace("&#x2f;", "/").contains("900101-1******"));
        assert_eq!(audit_count(&running, &format!(
            "action = 'download' AND principal_id = '{clerk_id}' AND reason = '점검'")).await, 1);

        // The audit report page needs audit:read.
        let report = client.get(format!("{}/staff/audit-report", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(report.status(), StatusCode::FORBIDDEN);

        // Logging out ends the session.
        let logout = client.post(format!("{}/logout", running.base))
            .header("cookie", &staff).form(&[("csrf_token", csrf.as_str())])
            .send().await.unwrap();
        assert_eq!(logout.status(), StatusCode::SEE_OTHER);
        let after = client.get(format!("{}/staff/petitions", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(after.status(), StatusCode::SEE_OTHER);

        assert_chain_verifies(&running).await;
    }

    async fn the_language_switch_and_the_old_report_address(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        let switch = client.get(format!("{}/lang/en?next=/login", running.base)).send().await.unwrap();
        assert_eq!(switch.status(), StatusCode::SEE_OTHER);
        assert_eq!(switch.headers()["location"], "/login");
        let cookie = switch.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("lang=en;"), "{cookie}");
        let page = client.get(format!("{}/login", running.base))
            .header("cookie", "lang=en").send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        assert!(page.contains("<h1>Log in</h1>"), "{page}");
        // No open redirects; unknown languages ignored.
        let away = client.get(format!("{}/lang/en?next=//evil.example", running.base)).send().await.unwrap();
        assert_eq!(away.headers()["location"], "/");
        let unknown = client.get(format!("{}/lang/xx", running.base)).send().await.unwrap();
        assert!(unknown.headers().get("set-cookie").is_none());

        let password = civil_petitions::ensure_first_admin(&running.services).await.unwrap().unwrap();
        let login = common::LoginForm::open(&running, &client).await
            .post(&running, &client, &[("login_id", "admin"), ("password", password.as_str())])
            .await;
        let session: Vec<String> = login.headers().get_all("set-cookie").iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned()).collect();
        let session = session.join("; ");
        // The old report address sends browsers to the admin console's review screen.
        let report = client.get(format!("{}/staff/audit-report", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(report.status(), StatusCode::SEE_OTHER);
        assert_eq!(report.headers()["location"], "/admin/audit/review");
        let month = client.get(format!("{}/staff/audit-report?month=2026-05", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(month.headers()["location"], "/admin/audit/review?month=2026-05");
        let review = client.get(format!("{}/admin/audit/review?month=2026-05", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(review.status(), StatusCode::OK);
        assert!(review.text().await.unwrap().contains("<html lang=\"ko\">"));
    }

    async fn receipt_numbers_count_per_year_and_survive_the_migration(db) {
        // Petitions filed before migration 2: numbered by filing order within their year.
        db.migrate(&[&BEFORE_RECEIPTS]).await.unwrap();
        for (id, created) in [
            ("0190a000-0000-7000-8000-000000000001", "2025-12-31T23:00:00Z"),
            ("0190a000-0000-7000-8000-000000000002", "2026-01-02T10:00:00Z"),
            ("0190a000-0000-7000-8000-000000000003", "2026-01-03T10:00:00Z"),
        ] {
            sqlx::query("INSERT INTO petitions (id, petition_type, region, title, body, \
                resident_number_enc, resident_number_bidx, phone_enc, postal_code, status, \
                status_reason, filed_by, version, created_at, updated_at) \
                VALUES ($1, 'GENERAL', '11110', 't', 'b', 'x', 'y', 'z', '03154', 'received', \
                NULL, 'someone', 1, $2, $2)")
                .bind(id).bind(created).execute(db.pool()).await.unwrap();
        }
        let running = common::start(db).await;
        let pool = running.services.db.pool();
        let numbers: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT receipt_year, receipt_seq FROM petitions ORDER BY id")
            .fetch_all(pool).await.unwrap();
        assert_eq!(numbers, [(2025, 1), (2026, 1), (2026, 2)]);

        // New ones continue their year's count, concurrently without duplicates.
        let year = i64::from(common::agency_year());
        let before: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM petitions WHERE receipt_year = $1")
            .bind(year).fetch_one(pool).await.unwrap();
        account(&running, "hong", &[civil_petitions::CITIZEN_ROLE]).await;
        let citizen = common::token(&running, "hong").await;
        let mut filings = tokio::task::JoinSet::new();
        for i in 0..6 {
            filings.spawn(file_at(running.base.clone(), citizen.clone(), format!("동시 {i}")));
        }
        let ids = filings.join_all().await;
        let mut seqs: Vec<i64> = Vec::new();
        for id in &ids {
            let (y, seq): (i64, i64) = sqlx::query_as(
                "SELECT receipt_year, receipt_seq FROM petitions WHERE id = $1")
                .bind(id).fetch_one(pool).await.unwrap();
            assert_eq!(y, year);
            seqs.push(seq);
        }
        seqs.sort_unstable();
        assert_eq!(seqs, ((before + 1)..=(before + 6)).collect::<Vec<_>>());
        // The API shows it as the pages do.
        let shown: Value = reqwest::Client::new()
            .get(format!("{}/api/my/petitions", running.base))
            .bearer_auth(&citizen).send().await.unwrap().json().await.unwrap();
        let receipt = shown["items"][0]["receipt_number"].as_str().unwrap().to_owned();
        assert!(receipt.starts_with(&format!("{year}-")) && receipt.len() == 11, "{receipt}");
    }

    async fn citizens_read_the_answer_or_the_rejection_of_their_own_petitions_only(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        account(&running, "hong", &[civil_petitions::CITIZEN_ROLE]).await;
        account(&running, "kim", &[civil_petitions::CITIZEN_ROLE]).await;
        account(&running, "clerk", &[civil_petitions::STAFF_ROLE]).await;
        let citizen = common::token(&running, "hong").await;
        let staff = common::token(&running, "clerk").await;
        let answered = file_api(&running, &citizen, "가로등 고장").await;
        let rejected = file_api(&running, &citizen, "중복 신청").await;
        let waiting = file_api(&running, &citizen, "검토 중인 민원").await;
        move_api(&running, &staff, &answered, "in_review", "", 1).await;
        move_api(&running, &staff, &answered, "answered", "3일 안에 고치겠습니다.", 2).await;
        move_api(&running, &staff, &rejected, "in_review", "", 1).await;
        move_api(&running, &staff, &rejected, "rejected", "같은 민원이 이미 처리되었습니다.", 2).await;
        move_api(&running, &staff, &waiting, "in_review", "담당자 메모: 현장 확인 예정", 1).await;

        let session = page_login(&running, "hong").await;
        let get = |path: String, cookie: String| {
            let client = client.clone();
            let base = running.base.clone();
            async move { client.get(format!("{base}{path}")).header("cookie", cookie).send().await.unwrap() }
        };
        let page = get(format!("/petitions/mine/{answered}"), session.clone()).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("<h1>가로등 고장</h1>"), "{html}");
        assert!(html.contains("<h2 id=\"reason-title\">답변</h2>") && html.contains("3일 안에 고치겠습니다."), "{html}");
        assert!(html.contains("<dd id=\"petition-status\">답변 완료</dd>"), "{html}");
        assert!(html.contains(&format!("{}-0000", common::agency_year())), "the receipt number: {html}");
        // The citizen's own pages never show the resident number.
        assert!(!html.contains("900101"), "{html}");

        let html = get(format!("/petitions/mine/{rejected}?lang=en"), session.clone()).await.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("<h2 id=\"reason-title\">Reason for rejection</h2>") && html.contains("같은 민원이 이미 처리되었습니다."), "{html}");
        assert!(html.contains("<dd id=\"petition-status\">Rejected</dd>"), "{html}");

        // An officer's note on the way is not an answer.
        let html = get(format!("/petitions/mine/{waiting}"), session.clone()).await.text().await.unwrap().replace("&#x2f;", "/");
        assert!(!html.contains("담당자 메모") && html.contains("아직 답변하지 않았습니다."), "{html}");

        // The list links each petition, with its receipt number and status.
        let list = get("/petitions/mine".into(), session.clone()).await.text().await.unwrap().replace("&#x2f;", "/");
        assert!(list.contains(&format!("<a href=\"/petitions/mine/{answered}\">가로등 고장</a>")), "{list}");
        assert!(list.contains("<caption>내가 신청한 민원 (전체 3건)</caption>"), "{list}");

        // Someone else's petition, or none: 404, as a page.
        let other = page_login(&running, "kim").await;
        for (path, cookie) in [(format!("/petitions/mine/{answered}"), other.clone()), ("/petitions/mine/no-such".into(), session.clone())] {
            let response = get(path, cookie).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
            let html = response.text().await.unwrap().replace("&#x2f;", "/");
            assert!(html.contains("<html lang=\"ko\">") && !html.contains("가로등 고장"), "{html}");
        }
        // Staff have no citizen pages.
        let clerk = page_login(&running, "clerk").await;
        assert_eq!(get(format!("/petitions/mine/{answered}"), clerk).await.status(), StatusCode::FORBIDDEN);
    }

    async fn staff_forms_show_field_errors_and_a_stale_tab_the_conflict(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        account(&running, "hong", &[civil_petitions::CITIZEN_ROLE]).await;
        account(&running, "clerk", &[civil_petitions::STAFF_ROLE]).await;
        let citizen = common::token(&running, "hong").await;
        let id = file_api(&running, &citizen, "소음 민원").await;
        let staff = page_login(&running, "clerk").await;
        let url = format!("{}/staff/petitions/{id}", running.base);
        let html = client.get(&url).header("cookie", &staff).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("<h1>소음 민원</h1>"), "{html}");
        assert!(html.contains("<li><a href=\"/staff/petitions\">민원 처리</a></li>"), "the breadcrumb: {html}");
        let csrf = csrf_of(&html);
        let post = |form: Vec<(&'static str, String)>| {
            let client = client.clone();
            let url = format!("{url}/status");
            let staff = staff.clone();
            async move { client.post(url).header("cookie", staff).form(&form).send().await.unwrap() }
        };

        // No status chosen: the error at the status field.
        let response = post(vec![("csrf_token", csrf.clone()), ("status", "".into()), ("reason", "".into()), ("version", "1".into())]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("<a href=\"#status\">바꿀 처리 상태: 필수 입력 항목입니다.</a>") && html.contains("id=\"status-error\""), "{html}");

        let moved = post(vec![("csrf_token", csrf.clone()), ("status", "in_review".into()), ("reason", "".into()), ("version", "1".into())]).await;
        assert_eq!(moved.status(), StatusCode::SEE_OTHER);

        // Rejected without a reason: 422, the error at the reason, the choice kept.
        let response = post(vec![("csrf_token", csrf.clone()), ("status", "rejected".into()), ("reason", "  ".into()), ("version", "2".into())]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("<a href=\"#reason\">사유: 반려로 바꾸려면 사유를 입력해 주십시오.</a>"), "{html}");
        assert!(html.contains("id=\"reason-error\"") && html.contains("aria-describedby=\"reason-hint reason-error\" aria-invalid=\"true\""), "{html}");
        assert!(html.contains("<option value=\"rejected\" selected>"), "{html}");

        // Two tabs read version 2; the first answers, the second (stale) rejects:
        // the conflict says someone changed it, not that the transition is invalid.
        let first = post(vec![("csrf_token", csrf.clone()), ("status", "answered".into()), ("reason", "처리했습니다.".into()), ("version", "2".into())]).await;
        assert_eq!(first.status(), StatusCode::SEE_OTHER);
        let stale = post(vec![("csrf_token", csrf.clone()), ("status", "in_review".into()), ("reason", "두 번째 탭의 메모".into()), ("version", "2".into())]).await;
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let html = stale.text().await.unwrap().replace("&#x2f;", "/");
        assert!(html.contains("그사이 다른 사람이 이 민원을 바꾸었습니다(현재 버전 3)."), "{html}");
        assert!(!html.contains("바꿀 수 없습니다"), "{html}");
        assert!(html.contains("<a href=\"#petition-status\">처리 상태: ") && html.contains("<dd id=\"petition-status\">답변 완료</dd>"), "{html}");
        assert!(html.contains(&format!("href=\"/staff/petitions/{id}\">최신 내용 다시 불러오기</a>")), "{html}");
        // In English too.
        let english = client.post(format!("{url}/status?lang=en")).header("cookie", &staff)
            .form(&[("csrf_token", csrf.as_str()), ("status", "rejected"), ("reason", "x"), ("version", "2")])
            .send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        assert!(english.contains("Someone else changed this petition meanwhile (now version 3)."), "{english}");

        // Without the CSRF token: refused.
        let forged = post(vec![("status", "rejected".into()), ("reason", "x".into()), ("version", "3".into())]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        // A citizen may not post it.
        let hong = page_login(&running, "hong").await;
        let citizen_try = client.post(format!("{url}/status")).header("cookie", &hong)
            .form(&[("csrf_token", csrf.as_str()), ("status", "rejected"), ("reason", "x"), ("version", "3")])
            .send().await.unwrap();
        assert_eq!(citizen_try.status(), StatusCode::FORBIDDEN);
        let status: String = sqlx::query_scalar("SELECT status FROM petitions WHERE id = $1")
            .bind(&id).fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(status, "answered");
    }

    async fn the_privacy_policy_says_what_is_collected_and_for_how_long(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        let korean = client.get(format!("{}/privacy", running.base)).send().await.unwrap();
        assert_eq!(korean.status(), StatusCode::OK);
        let html = korean.text().await.unwrap().replace("&#x2f;", "/");
        for text in ["<h1>개인정보처리방침</h1>", "주민등록번호", "730일 이상", "30분", "12시간",
                     "제3자에게 제공하지 않으며", "제35조", "<caption>처리하는 개인정보 항목과 보유 기간</caption>",
                     "aria-current=\"page\">개인정보처리방침</span>"] {
            assert!(html.contains(text), "{text}: {html}");
        }
        let english = client.get(format!("{}/privacy", running.base)).header("cookie", "lang=en")
            .send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        for text in ["<html lang=\"en\">", "<h1>Privacy policy</h1>", "At least 730 days", "30 minutes", "12 hours"] {
            assert!(english.contains(text), "{text}: {english}");
        }
        // Every page's footer links to it; the start page names the agency.
        let start = client.get(format!("{}/", running.base)).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        assert!(start.contains("<a class=\"egov-privacy\" href=\"/privacy\">개인정보처리방침</a>"), "{start}");
        assert!(start.contains("<h1>민원 신청 안내</h1>"), "{start}");
        // The kit's assets replace the service's own stylesheet.
        assert!(start.contains("/egov-static/egov.css") && !start.contains("/static/app.css"), "{start}");
        let favicon = client.get(format!("{}/favicon.ico", running.base)).send().await.unwrap();
        assert_eq!(favicon.status(), StatusCode::OK);
    }
}
