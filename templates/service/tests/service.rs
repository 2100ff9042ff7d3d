//! What every generated service guarantees, over real HTTP.

mod common;

use reqwest::StatusCode;

egov::db::backend_tests! {
    async fn health_openapi_auth_codes_and_problems(db) {
        let running = common::start(db).await;
        let client = reqwest::Client::new();

        let live = client.get(format!("{}/health/live", running.base)).send().await.unwrap();
        assert_eq!(live.status(), StatusCode::OK);
        let ready = client.get(format!("{}/health/ready", running.base)).send().await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK);

        let spec: serde_json::Value = client
            .get(format!("{}/openapi.json", running.base))
            .send().await.unwrap()
            .json().await.unwrap();
        assert!(spec["info"]["title"].as_str().unwrap().contains("{{project-name}}"));
        assert!(spec["paths"]["/auth/login"].is_object());
        assert!(spec["paths"]["/codes/{group}"].is_object());

        // Unknown routes are localized problems, in Korean or English as asked.
        let missing = client
            .get(format!("{}/no/such/route", running.base))
            .header("accept-language", "en")
            .send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing.headers()["content-type"], "application/problem+json");
        assert_eq!(missing.headers()["content-language"], "en");
        // Without a preference: the configured default locale (`[i18n]`).
        let default = client.get(format!("{}/no/such/route", running.base)).send().await.unwrap();
        assert_eq!(default.headers()["content-language"], "{{default_locale}}");

        // Wrong credentials: one generic 401.
        let login = client
            .post(format!("{}/auth/login", running.base))
            .json(&serde_json::json!({"login_id": "nobody", "password": "wrong password, long enough"}))
            .send().await.unwrap();
        assert_eq!(login.status(), StatusCode::UNAUTHORIZED);

        // The admin APIs are guarded: 401 anonymous, 403 without the permission.
        let admin = client.get(format!("{}/admin/audit/events", running.base)).send().await.unwrap();
        assert_eq!(admin.status(), StatusCode::UNAUTHORIZED);
        let token = common::login_with(&running, "clerk", &[]).await;
        let forbidden = client
            .get(format!("{}/admin/audit/events", running.base))
            .bearer_auth(&token)
            .send().await.unwrap();
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        let auditor = common::login_with(&running, "auditor", &["audit:read"]).await;
        let events = client
            .get(format!("{}/admin/audit/events", running.base))
            .bearer_auth(&auditor)
            .send().await.unwrap();
        assert_eq!(events.status(), StatusCode::OK);
    }
}
