//! The server-rendered pages over real HTTP: login with the page session, the
//! citizen's form with its accessible error summary in Korean and English, CSRF,
//! staff pages with audited access, and the language switch.

mod common;

use common::{account, assert_chain_verifies, audit_count, no_redirects, page_login};
use reqwest::StatusCode;

fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a CSRF field")
        + 25;
    html[start..].split('"').next().unwrap().to_owned()
}

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
        assert!(!login_page.text().await.unwrap().contains("<script"));

        // A wrong password re-renders the login page with the error summary.
        let login_form = common::LoginForm::open(&running, &client).await;
        let wrong = login_form
            .post(&running, &client, &[("login_id", "hong"), ("password", "not the right password at all")])
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = wrong.text().await.unwrap();
        assert!(html.contains("role=\"alert\"") && html.contains("아이디 또는 비밀번호가 올바르지 않습니다."), "{html}");

        let session = page_login(&running, "hong").await;
        let page = client.get(format!("{}/petitions/new", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        // Every page says who is logged in.
        assert!(html.contains("<span class=\"who\">hong(hong) 님 로그인 중</span>"), "{html}");
        assert!(html.contains("<option value=\"11110\">서울특별시 종로구</option>"), "{html}");
        let csrf = csrf_of(&html);

        // A bad resident number: the form again, with the summary linking to the field.
        let bad = client.post(format!("{}/petitions/new", running.base))
            .header("cookie", &session)
            .form(&form(&csrf, "901301-1234567"))
            .send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text().await.unwrap();
        assert!(html.contains("role=\"alert\""), "{html}");
        assert!(html.contains("<a href=\"#resident_number\">주민등록번호: 올바른 주민등록번호를 입력해 주십시오.</a>"), "{html}");
        assert!(html.contains("id=\"resident_number-error\""), "{html}");
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"resident_number-error\""), "{html}");
        // What was typed comes back escaped; the resident number does not come back.
        assert!(html.contains("소음 &lt;script&gt;"), "{html}");
        assert!(!html.contains("901301"), "{html}");

        // The same in English, chosen with ?lang=.
        let english = client.post(format!("{}/petitions/new?lang=en", running.base))
            .header("cookie", &session)
            .form(&form(&csrf, "901301-1234567"))
            .send().await.unwrap();
        assert_eq!(english.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = english.text().await.unwrap();
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
            .header("cookie", &session).send().await.unwrap().text().await.unwrap();
        assert!(mine.contains("고충 민원이 접수되었습니다."), "{mine}");
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM petitions")
            .fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(count, 1);

        // A citizen may not open the staff pages.
        let staff_page = client.get(format!("{}/staff/petitions", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(staff_page.status(), StatusCode::FORBIDDEN);
    }

    async fn staff_pages_list_open_change_and_download(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        account(&running, "hong", &[civil_petitions::CITIZEN_ROLE]).await;
        account(&running, "clerk", &[civil_petitions::STAFF_ROLE]).await;
        let citizen = page_login(&running, "hong").await;
        let html = client.get(format!("{}/petitions/new", running.base))
            .header("cookie", &citizen).send().await.unwrap().text().await.unwrap();
        let filed = client.post(format!("{}/petitions/new", running.base))
            .header("cookie", &citizen)
            .form(&form(&csrf_of(&html), "900101-1234568"))
            .send().await.unwrap();
        assert_eq!(filed.status(), StatusCode::SEE_OTHER);
        let id = filed.headers()["location"].to_str().unwrap().split('=').nth(1).unwrap().to_owned();

        let staff = page_login(&running, "clerk").await;
        let list = client.get(format!("{}/staff/petitions", running.base))
            .header("cookie", &staff).send().await.unwrap().text().await.unwrap();
        assert!(list.contains("900101-1******") && !list.contains("1234568"), "{list}");
        assert!(list.contains(&format!("/staff/petitions/{id}")));

        // Opening it is a recorded access naming the staff account and the subject.
        let detail = client.get(format!("{}/staff/petitions/{id}", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(detail.status(), StatusCode::OK);
        let html = detail.text().await.unwrap();
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
        let html = invalid.text().await.unwrap();
        assert!(html.contains("role=\"alert\"") && html.contains("접수 상태의 민원은 답변 완료로 바꿀 수 없습니다."), "{html}");
        let changed = client.post(format!("{}/staff/petitions/{id}/status", running.base))
            .header("cookie", &staff)
            .form(&[("csrf_token", csrf.as_str()), ("status", "in_review"), ("reason", ""), ("version", "1")])
            .send().await.unwrap();
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        let status: String = sqlx::query_scalar("SELECT status FROM petitions WHERE id = $1")
            .bind(&id).fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(status, "in_review");

        // The CSV: without a reason back to the list with the error; with one, a recorded download.
        let no_reason = client.get(format!("{}/staff/petitions/export?reason=", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(no_reason.status(), StatusCode::SEE_OTHER);
        let back = client.get(format!("{}{}", running.base, no_reason.headers()["location"].to_str().unwrap()))
            .header("cookie", &staff).send().await.unwrap().text().await.unwrap();
        assert!(back.contains("role=\"alert\"") && back.contains("사유를 입력해 주십시오"), "{back}");
        let csv = client.get(format!("{}/staff/petitions/export?reason=%EC%A0%90%EA%B2%80", running.base))
            .header("cookie", &staff).send().await.unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(csv.text().await.unwrap().contains("900101-1******"));
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

    async fn the_language_switch_and_the_admin_report_page(db) {
        let running = common::start(db).await;
        let client = no_redirects();
        let switch = client.get(format!("{}/lang/en?next=/login", running.base)).send().await.unwrap();
        assert_eq!(switch.status(), StatusCode::SEE_OTHER);
        assert_eq!(switch.headers()["location"], "/login");
        let cookie = switch.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("lang=en;"), "{cookie}");
        let page = client.get(format!("{}/login", running.base))
            .header("cookie", "lang=en").send().await.unwrap().text().await.unwrap();
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
        let report = client.get(format!("{}/staff/audit-report", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(report.status(), StatusCode::OK);
        assert!(report.text().await.unwrap().contains("<html"));
        let bad_month = client.get(format!("{}/staff/audit-report?month=2026-13", running.base))
            .header("cookie", &session).send().await.unwrap();
        assert_eq!(bad_month.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
