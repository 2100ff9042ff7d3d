//! The resource kit and the service life cycle over real HTTP, on both
//! databases: `Resource`'s four routes with text, integer, boolean and null
//! columns, the audit event of each write, 404/409/422/401/403, OpenAPI; and
//! `Service::start` + `TestApp` doing a service's start-up.

use egov_core::AccessPolicy;
use egov_core::id::Id;
use egov_db::{Migration, MigrationSet};
use egov_web::resource::Resource;
use egov_web::service::{Service, Services};
use egov_web::testing::TestApp;
use egov_web::{App, WebSettings};
use serde_json::{Value, json};

static ROOM_MIGRATIONS: MigrationSet = MigrationSet::new(
    "resource-test",
    5,
    &[Migration::portable(
        1,
        "create rooms",
        "CREATE TABLE rooms (id TEXT PRIMARY KEY, name TEXT NOT NULL, floor BIGINT NOT NULL, \
         accessible BIGINT NOT NULL, note TEXT, version BIGINT NOT NULL, \
         created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    )],
);

static SERVICE: Service = Service {
    name: "resource-test",
    title: "resource test",
    version: "0",
    default_config: "",
    migrations: egov_web::migrations![&ROOM_MIGRATIONS],
    messages: &egov_core::MESSAGES,
    seed_codes: None,
};

/// A meeting room.
#[derive(Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
struct Room {
    #[schema(value_type = String)]
    #[sqlx(try_from = "String")]
    id: Id<Room>,
    name: String,
    floor: i64,
    /// Stored as `BIGINT` 0/1 (the portable convention for booleans).
    accessible: i64,
    note: Option<String>,
    version: i64,
    updated_at: String,
}

/// A room's fields.
#[derive(Debug, serde::Deserialize, serde::Serialize, validator::Validate, utoipa::ToSchema)]
struct NewRoom {
    #[validate(length(min = 1, max = 50))]
    name: String,
    #[validate(range(min = -5, max = 100))]
    floor: i64,
    accessible: bool,
    note: Option<String>,
}

impl Resource for Room {
    type Fields = NewRoom;
    const TABLE: &'static str = "rooms";
    const PATH: &'static str = "/api/rooms";
    const KIND: &'static str = "room";
}

fn app(settings: WebSettings, services: &Services) -> App {
    services.app(settings).router(Room::routes(
        AccessPolicy::Public,
        AccessPolicy::permission("rooms:write"),
        services.audit.clone(),
    ))
}

async fn audit_count(running: &TestApp, condition: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM egov_audit_events WHERE {condition}"
    )))
    .fetch_one(running.services.db.pool())
    .await
    .unwrap()
}

egov_db::backend_tests! {
    async fn a_resource_is_listed_read_created_and_updated_with_its_events(db) {
        let running = TestApp::start(&SERVICE, db, app).await;
        let client = &running.client;
        let editor = running.login_with("editor", &["rooms:write"]).await;

        let created = client
            .post(running.url("/api/rooms"))
            .bearer_auth(&editor)
            .json(&json!({"name": "대회의실", "floor": -2, "accessible": true, "note": null}))
            .send().await.unwrap();
        assert_eq!(created.status(), 201);
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let room: Value = created.json().await.unwrap();
        let id = room["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("/api/rooms/{id}"));
        assert_eq!(
            (&room["name"], &room["floor"], &room["accessible"], &room["note"], &room["version"]),
            (&json!("대회의실"), &json!(-2), &json!(1), &Value::Null, &json!(1)),
        );
        assert_eq!(audit_count(&running, &format!("action = 'create' AND target_type = 'room' AND target_id = '{id}'")).await, 1);

        let read: Value = client.get(running.url(&location)).send().await.unwrap().json().await.unwrap();
        assert_eq!(read, room);
        let page: Value = client.get(running.url("/api/rooms?size=1")).send().await.unwrap().json().await.unwrap();
        assert_eq!((&page["total_items"], &page["items"][0]["id"]), (&json!(1), &json!(id)));

        // A stale version: 409 naming the current one, nothing written, no event.
        let stale = client
            .put(running.url(&location))
            .bearer_auth(&editor)
            .header("accept-language", "en")
            .json(&json!({"name": "소회의실", "floor": 3, "accessible": false, "note": "x", "version": 0}))
            .send().await.unwrap();
        assert_eq!(stale.status(), 409);
        let problem: Value = stale.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains('1'), "{problem}");

        let updated: Value = client
            .put(running.url(&location))
            .bearer_auth(&editor)
            .json(&json!({"name": "소회의실", "floor": 3, "accessible": false, "note": "빔프로젝터", "version": 1}))
            .send().await.unwrap()
            .json().await.unwrap();
        assert_eq!(
            (&updated["name"], &updated["floor"], &updated["accessible"], &updated["note"], &updated["version"]),
            (&json!("소회의실"), &json!(3), &json!(0), &json!("빔프로젝터"), &json!(2)),
        );
        assert_eq!(audit_count(&running, &format!("action = 'update' AND target_id = '{id}'")).await, 1);

        // Missing records: 404 for reads and writes alike.
        let missing = client.get(running.url("/api/rooms/nope")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let missing_write = client
            .put(running.url("/api/rooms/nope"))
            .bearer_auth(&editor)
            .json(&json!({"name": "x", "floor": 1, "accessible": true, "note": null, "version": 1}))
            .send().await.unwrap();
        assert_eq!(missing_write.status(), 404);
    }

    async fn a_resource_refuses_what_its_policy_and_rules_refuse_and_documents_it(db) {
        let running = TestApp::start(&SERVICE, db, app).await;
        let client = &running.client;
        let body = json!({"name": "", "floor": 101, "accessible": true, "note": null});

        let anonymous = client.post(running.url("/api/rooms")).json(&body).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        let reader = running.login_with("reader", &[]).await;
        let forbidden = client.post(running.url("/api/rooms")).bearer_auth(&reader).json(&body).send().await.unwrap();
        assert_eq!(forbidden.status(), 403);

        let editor = running.login_with("editor", &["rooms:write"]).await;
        let invalid: Value = client
            .post(running.url("/api/rooms"))
            .bearer_auth(&editor)
            .json(&body)
            .send().await.unwrap()
            .json().await.unwrap();
        assert_eq!(invalid["status"], 422);
        let mut fields: Vec<&str> = invalid["errors"].as_array().unwrap().iter()
            .map(|e| e["field"].as_str().unwrap()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["/floor", "/name"], "{invalid}");
        let bad_page = client.get(running.url("/api/rooms?page=0")).send().await.unwrap();
        assert_eq!(bad_page.status(), 422);
        assert_eq!(audit_count(&running, "target_type = 'room'").await, 0);

        let spec: Value = client.get(running.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
        let post = &spec["paths"]["/api/rooms"]["post"];
        assert_eq!(post["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/NewRoom");
        for status in ["201", "401", "403", "422"] {
            assert!(post["responses"][status].is_object(), "POST lacks {status}: {post}");
        }
        let put = &spec["paths"]["/api/rooms/{id}"]["put"];
        for status in ["200", "404", "409", "422"] {
            assert!(put["responses"][status].is_object(), "PUT lacks {status}: {put}");
        }
        assert!(spec["paths"]["/api/rooms"]["get"]["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "page"));
        assert!(spec["components"]["schemas"]["Room"].is_object());
        assert_eq!(spec["paths"]["/api/rooms"]["post"]["x-egov-access-policy"], "permission:rooms:write");
    }
}
