//! The real hello-agency binary, started on a random port and used over HTTP.

use std::process::Stdio;
use std::time::Duration;

use egov::db::Backend;
use egov::db::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct Service {
    child: Child,
    base: String,
}

/// The binary in the test profile, on a free port, reading no config files.
fn hello_agency() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hello-agency"));
    command
        .env("EGOV_PROFILE", "test")
        .env("EGOV__SERVER__PORT", "0")
        .env("EGOV_CONFIG_DIR", "/nonexistent")
        .env("RUST_LOG", "warn");
    command
}

async fn start(database_url: &str) -> Service {
    let mut child = hello_agency()
        .env("EGOV__DATABASE__URL", database_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("hello-agency starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("hello-agency listening on ") {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("hello-agency exited before listening");
    })
    .await
    .expect("hello-agency did not print its URL");
    Service { child, base }
}

impl Service {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then the exit status.
    async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("hello-agency did not stop after SIGTERM")
            .unwrap()
    }
}

async fn exercise(database_url: &str) {
    let service = start(database_url).await;
    let client = reqwest::Client::new();

    let live = client
        .get(service.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let ready: Value = client
        .get(service.url("/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["database"], "up");

    // Create, then read back through the Location header.
    let created = client
        .post(service.url("/api/greetings"))
        .json(&json!({"name": "  세종  ", "message": "훈민정음"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["name"], "세종");
    assert_eq!(body["greeting"], "안녕하세요, 세종님!");
    assert_eq!(
        location,
        format!("/api/greetings/{}", body["id"].as_str().unwrap())
    );

    let fetched = client
        .get(service.url(&location))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    let fetched: Value = fetched.json().await.unwrap();
    assert_eq!(fetched["id"], body["id"]);
    assert_eq!(fetched["message"], "훈민정음");
    assert_eq!(fetched["greeting"], "Hello, 세종!");

    // The same name again: a 409 problem whose Korean detail picks the particle
    // the name takes (JOSA), and the same problem in English.
    for (name, accept, detail) in [
        ("세종", "ko", "세종은 이미 인사를 받았습니다."),
        ("세종", "en", "세종 has already been greeted."),
    ] {
        let conflict = client
            .post(service.url("/api/greetings"))
            .header("accept-language", accept)
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(conflict.status(), StatusCode::CONFLICT);
        assert_eq!(conflict.headers()["content-language"], accept);
        let problem: Value = conflict.json().await.unwrap();
        assert_eq!(problem["type"], "urn:egov:problem:conflict");
        assert_eq!(problem["detail"], detail);
    }
    client
        .post(service.url("/api/greetings"))
        .json(&json!({"name": "Lee"}))
        .send()
        .await
        .unwrap();
    let lee: Value = client
        .post(service.url("/api/greetings?lang=ko"))
        .json(&json!({"name": "Lee"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lee["detail"], "Lee는 이미 인사를 받았습니다.");

    // Invalid input: every failing field, localized.
    let invalid = client
        .post(service.url("/api/greetings"))
        .json(&json!({"name": "가".repeat(51), "message": "x".repeat(201)}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        invalid.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = invalid.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    // Sorted by pointer, so clients see a stable order.
    assert_eq!(fields, ["/message", "/name"]);
    assert_eq!(
        problem["errors"][0]["message"],
        "200자 이하로 입력해 주십시오."
    );
    assert_eq!(
        problem["errors"][1]["message"],
        "1자 이상 50자 이하로 입력해 주십시오."
    );

    // The framework's shared rule (egov::validation::rules::not_blank) and its message, in both languages.
    for (accept, text) in [
        ("ko", "공백만으로는 입력할 수 없습니다."),
        ("en", "Enter more than spaces."),
    ] {
        let blank: Value = client
            .post(service.url("/api/greetings"))
            .header("accept-language", accept)
            .json(&json!({"name": "   "}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(blank["status"], 422);
        assert_eq!(blank["errors"][0]["code"], "not_blank");
        assert_eq!(blank["errors"][0]["message"], text);
    }
    // A missing field is a 422 naming it, not a parser message.
    let missing: Value = client
        .post(service.url("/api/greetings"))
        .json(&json!({"message": "hi"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(missing["status"], 422);
    assert_eq!(missing["errors"][0]["field"], "/name");
    assert_eq!(missing["errors"][0]["code"], "required");

    // Malformed JSON, unknown ids, oversized pages.
    let malformed = client
        .post(service.url("/api/greetings"))
        .header("content-type", "application/json")
        .body("{\"name\":")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    for id in ["0192f0e4-0000-7000-8000-000000000000", "not-a-uuid"] {
        let missing = client
            .get(service.url(&format!("/api/greetings/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{id}");
        let problem: Value = missing.json().await.unwrap();
        assert_eq!(problem["type"], "urn:egov:problem:not-found");
    }
    let too_big = client
        .get(service.url("/api/greetings?size=1000"))
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Listing, newest first.
    client
        .post(service.url("/api/greetings"))
        .json(&json!({"name": "Yi Sun-sin"}))
        .send()
        .await
        .unwrap();
    let page: Value = client
        .get(service.url("/api/greetings?size=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total_items"], 3);
    assert_eq!(page["total_pages"], 3);
    assert_eq!(page["items"][0]["name"], "Yi Sun-sin");

    // A field from a common code group: the occasion must be a currently
    // valid code of GREETING_OCCASION, and is shown with its localized label.
    let created: Value = client
        .post(service.url("/api/greetings"))
        .json(&json!({"name": "장영실", "occasion": "CHUSEOK"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["occasion"], "CHUSEOK");
    assert_eq!(created["occasion_label"], "추석");
    let fetched: Value = client
        .get(service.url(&format!(
            "/api/greetings/{}?lang=en",
            created["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["occasion_label"], "Chuseok");
    for (occasion, accept, message) in [
        (
            "XMAS",
            "ko",
            "GREETING_OCCASION 코드 그룹에 없거나 지금 사용할 수 없는 코드입니다.",
        ),
        (
            "HANGEUL_DAY_2025",
            "en",
            "Choose a code that is currently in use in the GREETING_OCCASION code group.",
        ),
    ] {
        let refused = client
            .post(service.url("/api/greetings"))
            .header("accept-language", accept)
            .json(&json!({"name": "허준", "occasion": occasion}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "/occasion");
        assert_eq!(problem["errors"][0]["message"], message);
    }
    // The group itself, cached with an ETag, as select-box material.
    let listed = client
        .get(service.url("/codes/GREETING_OCCASION?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let etag = listed.headers()["etag"].to_str().unwrap().to_owned();
    let listed: Value = listed.json().await.unwrap();
    let labels: Vec<&str> = listed["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["New Year", "Chuseok", "Thanks"]);
    let not_modified = client
        .get(service.url("/codes/GREETING_OCCASION?lang=en"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    // The code admin API is guarded like the audit one.
    let export = client
        .get(service.url("/admin/codes/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), StatusCode::UNAUTHORIZED);

    let spec: Value = client
        .get(service.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["info"]["title"], "hello-agency");
    assert!(spec["paths"]["/api/greetings/{id}"]["get"].is_object());
    assert_eq!(
        spec["paths"]["/admin/codes/groups/{group}/codes/{code}"]["put"]["x-egov-access-policy"],
        "permission:codes:write"
    );
    assert!(spec["paths"]["/codes/{group}"]["get"].is_object());
    // Swagger UI is not accessible: served in the dev profile only, not here (test).
    let docs = client.get(service.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::NOT_FOUND);

    // The audit admin API is guarded: nobody is authenticated yet.
    let admin = client
        .get(service.url("/admin/audit/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), StatusCode::UNAUTHORIZED);

    let status = service.terminate().await;
    assert!(status.success(), "{status:?}");

    // Every request above is in the audit trail, by route template, and the
    // chain (with the checkpoint signed at shutdown) verifies.
    let db = egov::db::Db::connect_url(database_url).await.unwrap();
    let rows = sqlx::query("SELECT target_id, outcome, action FROM egov_audit_events ORDER BY seq")
        .fetch_all(db.pool())
        .await
        .unwrap();
    use sqlx::Row;
    let targets: Vec<String> = rows
        .iter()
        .filter_map(|r| r.get::<Option<String>, _>("target_id"))
        .collect();
    assert!(
        targets.iter().any(|t| t == "/api/greetings/{id}"),
        "{targets:?}"
    );
    assert!(
        !targets
            .iter()
            .any(|t| t.contains(body["id"].as_str().unwrap())),
        "raw ids must not be recorded"
    );
    assert!(
        rows.iter()
            .any(|r| r.get::<String, _>("action") == "permission_denied")
    );
    let settings = egov::audit::AuditSettings::default();
    let verifier = egov::audit::checkpoint::CheckpointSigner::from_config(
        &settings.signing_key_id,
        settings.signing_key.expose(),
    )
    .unwrap()
    .verifier();
    let report = egov::audit::verify(&db, "main", &verifier).await.unwrap();
    assert_eq!(report.damage, None);
    assert!(report.checkpoints_checked >= 1);
    db.close().await;
}

#[tokio::test]
async fn serves_greetings_on_sqlite() {
    let database = TestDatabase::new(Backend::Sqlite).await.unwrap().unwrap();
    let url = database.url().to_owned();
    exercise(&url).await;
    database.close().await.unwrap();
}

#[tokio::test]
async fn serves_greetings_on_postgres() {
    let Some(database) = TestDatabase::new(Backend::Postgres).await.unwrap() else {
        eprintln!(
            "skipped: set {} to run",
            egov::db::testing::POSTGRES_URL_ENV
        );
        return;
    };
    let url = database.url().to_owned();
    exercise(&url).await;
    database.close().await.unwrap();
}

#[tokio::test]
async fn a_bad_setting_stops_start_up_with_a_message_naming_the_key() {
    let output = hello_agency()
        .env("EGOV__SERVER__PORT", "eighty")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("server.port") && stderr.contains("u16"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_release_is_refused_at_start_up() {
    let database = TestDatabase::new(Backend::Sqlite).await.unwrap().unwrap();
    database
        .db()
        .migrate(&[&hello_agency::MIGRATIONS])
        .await
        .unwrap();
    // A later release applied a migration this binary does not have.
    let future = hello_agency::MIGRATIONS.latest_version() + 1;
    sqlx::query(
        "INSERT INTO egov_schema_history (component, version, description, checksum, applied_at)
         VALUES ('hello-agency', $1, 'from the future', 'x', '2027-01-01T00:00:00.000000Z')",
    )
    .bind(future)
    .execute(database.db().pool())
    .await
    .unwrap();
    let output = hello_agency()
        .env("EGOV__DATABASE__URL", database.url())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("version {future}")) && stderr.contains("hello-agency"),
        "{stderr}"
    );
    database.close().await.unwrap();
}
