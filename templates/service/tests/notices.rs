//! The sample resource over real HTTP.

mod common;

use reqwest::StatusCode;

egov::db::backend_tests! {
    async fn reads_are_public_and_writes_are_guarded(db) {
        let service = common::start(db).await;
        let client = reqwest::Client::new();

        let list: serde_json::Value = client
            .get(format!("{}/api/notices", service.base))
            .send().await.unwrap()
            .json().await.unwrap();
        assert_eq!(list["total_items"], 0);

        // Without credentials, writing is refused before validation, and the
        // refusal is in the audit trail.
        let refused = client
            .post(format!("{}/api/notices", service.base))
            .json(&serde_json::json!({"title": "", "body": ""}))
            .send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let mut denied = 0i64;
        for _ in 0..50 {
            denied = sqlx::query_scalar("SELECT COUNT(*) FROM egov_audit_events WHERE outcome = 'denied'")
                .fetch_one(service.db.pool())
                .await
                .unwrap();
            if denied > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(denied, 1);

        let missing = client
            .get(format!("{}/api/notices/nope", service.base))
            .send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        let bad_page = client
            .get(format!("{}/api/notices?page=0", service.base))
            .send().await.unwrap();
        assert_eq!(bad_page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
