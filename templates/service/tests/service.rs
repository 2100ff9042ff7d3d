//! What every generated service guarantees, over real HTTP.

mod common;

use reqwest::StatusCode;

egov::db::backend_tests! {
    async fn health_openapi_and_problems(db) {
        let service = common::start(db).await;
        let client = reqwest::Client::new();

        let live = client.get(format!("{}/health/live", service.base)).send().await.unwrap();
        assert_eq!(live.status(), StatusCode::OK);
        let ready = client.get(format!("{}/health/ready", service.base)).send().await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK);

        let spec: serde_json::Value = client
            .get(format!("{}/openapi.json", service.base))
            .send().await.unwrap()
            .json().await.unwrap();
        assert!(spec["info"]["title"].as_str().unwrap().contains("{{project-name}}"));

        // Unknown routes are localized problems, in Korean or English as asked.
        let missing = client
            .get(format!("{}/no/such/route", service.base))
            .header("accept-language", "en")
            .send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing.headers()["content-type"], "application/problem+json");
        assert_eq!(missing.headers()["content-language"], "en");

        // The audit admin API is guarded.
        let admin = client.get(format!("{}/admin/audit/events", service.base)).send().await.unwrap();
        assert_eq!(admin.status(), StatusCode::UNAUTHORIZED);
    }
}
