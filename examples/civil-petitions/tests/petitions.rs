//! The petition API over real HTTP, on SQLite and PostgreSQL: validation in
//! Korean and English, encrypted storage, masking, audited access, the status
//! state machine, the CSV download with its reason, and who may see what.

mod common;

use common::{assert_chain_verifies, audit_count, login_with, petition};
use reqwest::StatusCode;
use serde_json::{Value, json};

const RRN: &str = "900101-1234568";
const RRN_MASKED: &str = "900101-1******";

async fn file(running: &common::Running, token: &str, rrn: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/api/petitions", running.base))
        .bearer_auth(token)
        .json(&petition(rrn))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

egov::db::backend_tests! {
    async fn a_bad_resident_number_is_a_localized_422(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();
        let citizen = login_with(&running, "hong", &["petitions:file"]).await;

        for (language, expected) in [
            ("ko", "올바른 주민등록번호를 입력해 주십시오."),
            ("en", "Enter a valid resident registration number."),
        ] {
            let response = client
                .post(format!("{}/api/petitions", running.base))
                .bearer_auth(&citizen)
                .header("accept-language", language)
                .json(&petition("901301-1234567"))
                .send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let problem: Value = response.json().await.unwrap();
            let error = problem["errors"].as_array().unwrap().iter()
                .find(|e| e["field"] == "/resident_number").expect("a resident number error");
            assert_eq!(error["message"], expected, "{problem}");
            // The rejected value is never echoed.
            assert!(!problem.to_string().contains("901301"), "{problem}");
        }

        // Other bad fields, an unknown code, and not logged in / no permission.
        let mut body = petition(RRN);
        body["region"] = json!("99999");
        body["postal_code"] = json!("1234");
        body["title"] = json!("   ");
        let problem: Value = client
            .post(format!("{}/api/petitions", running.base))
            .bearer_auth(&citizen)
            .json(&body)
            .send().await.unwrap().json().await.unwrap();
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["/postal_code", "/region", "/title"], "{problem}");

        let anonymous = client.post(format!("{}/api/petitions", running.base))
            .json(&petition(RRN)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let staff = login_with(&running, "clerk", &["petitions:review"]).await;
        let forbidden = client.post(format!("{}/api/petitions", running.base))
            .bearer_auth(&staff).json(&petition(RRN)).send().await.unwrap();
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

        // Malformed JSON is a 400 problem, never a 500.
        let malformed = client.post(format!("{}/api/petitions", running.base))
            .bearer_auth(&citizen)
            .header("content-type", "application/json")
            .body("{\"title\": ")
            .send().await.unwrap();
        assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM petitions")
            .fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(count, 0);
    }

    async fn a_filing_is_stored_encrypted_shown_masked_and_audited(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();
        let citizen = login_with(&running, "hong", &["petitions:file"]).await;

        let filed = file(&running, &citizen, "9001011234568").await;
        let id = filed["id"].as_str().unwrap().to_owned();
        assert_eq!(filed["resident_number"], RRN_MASKED);
        assert_eq!(filed["status"], "received");
        assert_eq!(filed["status_label"], "접수");
        assert_eq!(filed["region_label"], "서울특별시 종로구");
        assert!(!filed.to_string().contains("1234568"), "{filed}");
        assert!(!filed.to_string().contains("1234-5678"), "{filed}");

        // The stored row holds neither number in clear, in any column.
        let row: (String, String, String) = sqlx::query_as(
            "SELECT resident_number_enc, resident_number_bidx, phone_enc FROM petitions WHERE id = $1")
            .bind(&id)
            .fetch_one(running.services.db.pool()).await.unwrap();
        for column in [&row.0, &row.1, &row.2] {
            assert!(!column.contains("1234568") && !column.contains("900101"), "{column}");
            assert!(!column.contains("5678"), "{column}");
        }
        let index = running.services.privacy.index.compute(RRN);
        assert_eq!(row.1, index);

        // The filing is audited in its transaction, naming the data subject.
        let subject = format!("bi:{index}");
        assert_eq!(audit_count(&running, &format!(
            "action = 'create' AND target_type = 'petition' AND target_id = '{id}' AND subjects LIKE '%{subject}%'")).await, 1);

        // The citizen sees their own petitions, masked.
        let mine: Value = client.get(format!("{}/api/my/petitions", running.base))
            .bearer_auth(&citizen).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["total_items"], 1);
        assert_eq!(mine["items"][0]["resident_number"], RRN_MASKED);

        // Staff open it: masked, and a personal-data access record names the subject.
        let staff = login_with(&running, "clerk", &["petitions:review"]).await;
        let opened: Value = client.get(format!("{}/api/petitions/{id}", running.base))
            .bearer_auth(&staff)
            .header("accept-language", "en")
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(opened["resident_number"], RRN_MASKED);
        assert_eq!(opened["status_label"], "Received");
        assert_eq!(opened["region_label"], "Seoul Jongno-gu");
        let staff_id = running.services.auth.account_by_login_id("clerk").await.unwrap().id;
        assert_eq!(audit_count(&running, &format!(
            "action = 'view' AND target_id = '{id}' AND principal_id = '{staff_id}' AND subjects LIKE '%{subject}%'")).await, 1);
        // …findable through the audit admin API by subject.
        let auditor = login_with(&running, "auditor", &["audit:read"]).await;
        let events: Value = client.get(format!("{}/admin/audit/events?subject={subject}&action=view", running.base))
            .bearer_auth(&auditor).send().await.unwrap().json().await.unwrap();
        assert_eq!(events["total_items"], 1, "{events}");

        let missing = client.get(format!("{}/api/petitions/no-such-id", running.base))
            .bearer_auth(&staff).send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        assert_chain_verifies(&running).await;
    }

    async fn staff_move_petitions_through_the_state_machine(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();
        let citizen = login_with(&running, "hong", &["petitions:file"]).await;
        let staff = login_with(&running, "clerk", &["petitions:review"]).await;
        let id = file(&running, &citizen, RRN).await["id"].as_str().unwrap().to_owned();
        let url = format!("{}/api/petitions/{id}/status", running.base);

        // received → answered skips in_review: 409, localized with particles.
        let skip = client.put(&url).bearer_auth(&staff).header("accept-language", "ko")
            .json(&json!({"status": "answered", "reason": "답변", "version": 1}))
            .send().await.unwrap();
        assert_eq!(skip.status(), StatusCode::CONFLICT);
        let problem: Value = skip.json().await.unwrap();
        assert_eq!(problem["detail"], "접수 상태의 민원은 답변 완료로 바꿀 수 없습니다.", "{problem}");

        // An unknown status: 422.
        let unknown = client.put(&url).bearer_auth(&staff)
            .json(&json!({"status": "closed", "version": 1})).send().await.unwrap();
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let review: Value = client.put(&url).bearer_auth(&staff)
            .json(&json!({"status": "in_review", "version": 1}))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(review["status"], "in_review");
        assert_eq!(review["version"], 2);

        // A stale version: 409.
        let stale = client.put(&url).bearer_auth(&staff)
            .json(&json!({"status": "rejected", "reason": "중복", "version": 1}))
            .send().await.unwrap();
        assert_eq!(stale.status(), StatusCode::CONFLICT);

        // rejected needs a reason: 422 on /reason, with the particle (반려로).
        let no_reason = client.put(&url).bearer_auth(&staff).header("accept-language", "ko")
            .json(&json!({"status": "rejected", "reason": "  ", "version": 2}))
            .send().await.unwrap();
        assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = no_reason.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "/reason");
        assert_eq!(problem["errors"][0]["message"], "반려로 바꾸려면 사유를 입력해 주십시오.", "{problem}");

        let rejected: Value = client.put(&url).bearer_auth(&staff)
            .json(&json!({"status": "rejected", "reason": "같은 내용의 민원이 이미 처리되었습니다.", "version": 2}))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["status_reason"], "같은 내용의 민원이 이미 처리되었습니다.");

        // A final status has no way out.
        let after = client.put(&url).bearer_auth(&staff).header("accept-language", "en")
            .json(&json!({"status": "in_review", "version": 3})).send().await.unwrap();
        assert_eq!(after.status(), StatusCode::CONFLICT);

        // Each change audited in its transaction; the refused ones changed nothing.
        assert_eq!(audit_count(&running, &format!(
            "action = 'update' AND target_id = '{id}' AND reason_code = 'status_change'")).await, 2);

        // Citizens may not process.
        let citizen_try = client.put(&url).bearer_auth(&citizen)
            .json(&json!({"status": "in_review", "version": 3})).send().await.unwrap();
        assert_eq!(citizen_try.status(), StatusCode::FORBIDDEN);

        // Filter by status.
        let list: Value = client.get(format!("{}/api/petitions?status=rejected", running.base))
            .bearer_auth(&staff).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["total_items"], 1);
        let none: Value = client.get(format!("{}/api/petitions?status=received", running.base))
            .bearer_auth(&staff).send().await.unwrap().json().await.unwrap();
        assert_eq!(none["total_items"], 0);
        let bad = client.get(format!("{}/api/petitions?status=nope", running.base))
            .bearer_auth(&staff).send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

        assert_chain_verifies(&running).await;
    }

    async fn csv_downloads_need_a_reason_and_are_recorded(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();
        let citizen = login_with(&running, "hong", &["petitions:file"]).await;
        let staff = login_with(&running, "clerk", &["petitions:review"]).await;
        file(&running, &citizen, RRN).await;
        file(&running, &citizen, "850315-2345678").await;

        let without = client.get(format!("{}/api/petitions/export", running.base))
            .bearer_auth(&staff).header("accept-language", "en").send().await.unwrap();
        assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = without.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "/reason", "{problem}");
        assert_eq!(audit_count(&running, "action = 'download'").await, 0);
        let blank = client.get(format!("{}/api/petitions/export?reason=%20%20", running.base))
            .bearer_auth(&staff).send().await.unwrap();
        assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let reason = "2026년 상반기 민원 처리 현황 보고";
        let with = client.get(format!("{}/api/petitions/export", running.base))
            .query(&[("reason", reason)])
            .bearer_auth(&staff).send().await.unwrap();
        assert_eq!(with.status(), StatusCode::OK);
        assert!(with.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = with.text().await.unwrap();
        assert!(csv.contains("주민등록번호"), "{csv}");
        assert!(csv.contains(RRN_MASKED) && csv.contains("850315-2******"), "{csv}");
        assert!(!csv.contains("1234568") && !csv.contains("2345678"), "{csv}");
        assert_eq!(csv.lines().count(), 3);

        // Recorded as a personal-data download, with the reason and both subjects.
        let staff_id = running.services.auth.account_by_login_id("clerk").await.unwrap().id;
        let (recorded_reason, subjects): (String, String) = sqlx::query_as(
            "SELECT reason, subjects FROM egov_audit_events WHERE action = 'download'")
            .fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(recorded_reason, "2026년 상반기 민원 처리 현황 보고");
        assert!(subjects.contains(&running.services.privacy.index.compute(RRN)), "{subjects}");
        assert!(subjects.contains(&running.services.privacy.index.compute("850315-2345678")));
        assert_eq!(audit_count(&running, &format!(
            "action = 'download' AND principal_id = '{staff_id}'")).await, 1);

        // Citizens can download nothing.
        let citizen_try = client.get(format!("{}/api/petitions/export?reason=x", running.base))
            .bearer_auth(&citizen).send().await.unwrap();
        assert_eq!(citizen_try.status(), StatusCode::FORBIDDEN);

        assert_chain_verifies(&running).await;
    }

    async fn citizens_see_only_their_own_petitions(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();
        let hong = login_with(&running, "hong", &["petitions:file"]).await;
        let kim = login_with(&running, "kim", &["petitions:file"]).await;
        let hongs = file(&running, &hong, RRN).await["id"].as_str().unwrap().to_owned();
        file(&running, &kim, "850315-2345678").await;

        let list = client.get(format!("{}/api/petitions", running.base))
            .bearer_auth(&kim).send().await.unwrap();
        assert_eq!(list.status(), StatusCode::FORBIDDEN);
        let other = client.get(format!("{}/api/petitions/{hongs}", running.base))
            .bearer_auth(&kim).send().await.unwrap();
        assert_eq!(other.status(), StatusCode::FORBIDDEN);
        assert_eq!(audit_count(&running, "action = 'view'").await, 0);
        assert!(audit_count(&running, "action = 'permission_denied'").await >= 2);

        let mine: Value = client.get(format!("{}/api/my/petitions", running.base))
            .bearer_auth(&kim).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["total_items"], 1);
        assert_ne!(mine["items"][0]["id"], hongs.as_str());
    }

    async fn openapi_admin_apis_and_the_audit_report(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();
        let spec: Value = client.get(format!("{}/openapi.json", running.base))
            .send().await.unwrap().json().await.unwrap();
        for path in ["/api/petitions", "/api/petitions/{id}", "/api/petitions/{id}/status",
                     "/api/petitions/export", "/api/my/petitions", "/auth/login", "/codes/{group}"] {
            assert!(spec["paths"][path].is_object(), "{path} missing");
        }
        assert_eq!(spec["paths"]["/api/petitions"]["get"]["x-egov-access-policy"], "permission:petitions:review");

        // Seeded codes, with the region hierarchy.
        let regions: Value = client.get(format!("{}/codes/REGION", running.base))
            .send().await.unwrap().json().await.unwrap();
        let text = regions.to_string();
        assert!(text.contains("11110") && text.contains("종로구"), "{text}");

        // The first admin: created once, with a working one-time password.
        let password = civil_petitions::ensure_first_admin(&running.services).await.unwrap()
            .expect("a first admin");
        assert!(civil_petitions::ensure_first_admin(&running.services).await.unwrap().is_none());
        let session: Value = client.post(format!("{}/auth/login", running.base))
            .json(&json!({"login_id": "admin", "password": password}))
            .send().await.unwrap().json().await.unwrap();
        let admin = session["access_token"].as_str().unwrap();
        for path in ["/auth/admin/accounts", "/admin/codes/groups/PETITION_STATUS/history", "/admin/audit/events",
                     "/api/petitions"] {
            let response = client.get(format!("{}{path}", running.base))
                .bearer_auth(admin).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
        }
        let month = time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap());
        let report = client.get(format!("{}/admin/audit/report?month={}-{:02}&format=html",
                running.base, month.year(), u8::from(month.month())))
            .bearer_auth(admin).send().await.unwrap();
        assert_eq!(report.status(), StatusCode::OK);
        let staff = login_with(&running, "clerk", &["petitions:review"]).await;
        let denied = client.get(format!("{}/admin/audit/events", running.base))
            .bearer_auth(&staff).send().await.unwrap();
        assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    }
}
