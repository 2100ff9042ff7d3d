//! What an attacker got through, closed in the framework (issue: hardening),
//! over real HTTP on SQLite and PostgreSQL: control characters in text are
//! refused at the edge the same way on both databases (PostgreSQL cannot
//! store NUL: it was a 500), required reasons need visible text, and an
//! authenticated caller's responses are not cached.

mod common;

use common::{audit_count, login_with, petition};
use reqwest::StatusCode;
use serde_json::{Value, json};

const RRN: &str = "900101-1234568";

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

egov::db::backend_tests! {
    async fn control_characters_are_a_422_naming_the_field_on_both_databases(db) {
        let running = common::start(db).await;
        let client = &running.client;
        let citizen = login_with(&running, "hong", &["petitions:file"]).await;

        for (title, body, expected) in [
            ("a\u{0}b", "본문", vec!["/title"]),
            ("제목", "x\u{7f}", vec!["/body"]),
            ("\u{85}", "y\u{1b}[31m", vec!["/body", "/title"]),
        ] {
            let mut sent = petition(RRN);
            sent["title"] = json!(title);
            sent["body"] = json!(body);
            let response = client.post(running.url("/api/petitions")).bearer_auth(&citizen)
                .header("accept-language", "en").json(&sent).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{title:?} {body:?}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(fields(&problem), expected, "{problem}");
            assert_eq!(problem["errors"][0]["code"], "control_characters");
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains("control characters"));
        }
        // Tabs and line breaks are text: a multi-line body is fine.
        let mut fine = petition(RRN);
        fine["body"] = json!("첫째 줄\n둘째 줄\t끝\r\n");
        let filed = client.post(running.url("/api/petitions")).bearer_auth(&citizen)
            .json(&fine).send().await.unwrap();
        assert_eq!(filed.status(), StatusCode::CREATED);
        let filed: Value = filed.json().await.unwrap();

        // A NUL in a path id: 400, not a database error.
        let staff = login_with(&running, "clerk", &["petitions:review"]).await;
        for path in ["/api/petitions/a%00b", "/api/petitions/%C2%85"] {
            let response = client.get(running.url(path)).bearer_auth(&staff).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        }
        // What an authenticated caller reads is not cached; public data may be.
        let read = client.get(running.url(&format!("/api/petitions/{}", filed["id"].as_str().unwrap())))
            .bearer_auth(&staff).send().await.unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        assert_eq!(read.headers()["cache-control"], "no-store");
        let public = client.get(running.url("/codes/PETITION_TYPE")).send().await.unwrap();
        assert_eq!(public.status(), StatusCode::OK);
        assert_ne!(public.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));

        // In a query parameter: 422 naming it. Anonymous callers still get 401 first.
        let response = client.get(running.url("/api/petitions?status=%00")).bearer_auth(&staff)
            .send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(fields(&problem), ["/status"]);
        let anonymous = client.get(running.url("/api/petitions?status=%00")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        // Account administration goes through the same rule (egov-auth's own bodies).
        let admin = login_with(&running, "root", &["auth:admin"]).await;
        let account = client.post(running.url("/auth/admin/accounts")).bearer_auth(&admin)
            .json(&json!({"login_id": "kim", "display_name": "김\u{0}철수", "password": "correct horse battery staple 2026", "roles": []}))
            .send().await.unwrap();
        assert_eq!(account.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = account.json().await.unwrap();
        assert_eq!(fields(&problem), ["/display_name"]);
    }

    async fn a_required_reason_needs_visible_text(db) {
        let running = common::start(db).await;
        let client = &running.client;
        let citizen = login_with(&running, "hong", &["petitions:file"]).await;
        let staff = login_with(&running, "clerk", &["petitions:review"]).await;
        let filed: Value = client.post(running.url("/api/petitions")).bearer_auth(&citizen)
            .json(&petition(RRN)).send().await.unwrap().json().await.unwrap();

        // %01 and %00 are control characters; %7F is DEL; the rest render as nothing.
        for reason in ["%01", "%00", "%7F", "%E2%80%8B", "%E3%80%80%EF%BB%BF", "%E2%80%AE%20"] {
            let response = client.get(running.url(&format!("/api/petitions/export?reason={reason}")))
                .bearer_auth(&staff).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "reason={reason}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(fields(&problem), ["/reason"], "reason={reason}: {problem}");
        }
        assert_eq!(audit_count(&running, "action = 'download'").await, 0);

        // A status change that needs a reason.
        let id = filed["id"].as_str().unwrap();
        let url = running.url(&format!("/api/petitions/{id}/status"));
        let review = client.put(&url).bearer_auth(&staff)
            .json(&json!({"status": "in_review", "version": 1})).send().await.unwrap();
        assert_eq!(review.status(), StatusCode::OK);
        let invisible = client.put(&url).bearer_auth(&staff)
            .json(&json!({"status": "rejected", "reason": "\u{200b}\u{3000}", "version": 2}))
            .send().await.unwrap();
        assert_eq!(invisible.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = invisible.json().await.unwrap();
        assert_eq!(fields(&problem), ["/reason"], "{problem}");
    }

    async fn caller_request_ids_reach_the_audit_trail_verbatim(db) {
        let running = common::start(db).await;
        // Six or more digits used to be masked as if they were a phone number.
        for id in ["order-20261207-123456", "1234567890", "batch:7:000001"] {
            let response = running.client.get(running.url("/codes/PETITION_TYPE"))
                .header("x-request-id", id).send().await.unwrap();
            assert_eq!(response.headers()["x-request-id"], id);
        }
        running.services.audit.shutdown().await;
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT request_id FROM egov_audit_events WHERE request_id IS NOT NULL ORDER BY seq",
        )
        .fetch_all(running.services.db.pool()).await.unwrap();
        for id in ["order-20261207-123456", "1234567890", "batch:7:000001"] {
            assert!(stored.iter().any(|s| s == id), "{id} not in {stored:?}");
        }
    }

    async fn behind_a_trusted_proxy_the_access_record_names_the_client(db) {
        async fn recorded_ip(running: &common::Running, request_id: &str) -> String {
            sqlx::query_scalar("SELECT client_ip FROM egov_audit_events WHERE request_id = $1")
                .bind(request_id)
                .fetch_one(running.services.db.pool()).await.unwrap()
        }
        let send = |running: &common::Running, id: &'static str, name: &'static str, value: &'static str| {
            running.client.get(running.url("/codes/PETITION_TYPE"))
                .header("x-request-id", id).header(name, value).send()
        };
        // Without trusted proxies a client cannot choose its recorded address.
        let direct = common::start(db.clone()).await;
        send(&direct, "spoof-1", "x-forwarded-for", "203.0.113.7").await.unwrap();
        send(&direct, "spoof-2", "forwarded", "for=203.0.113.7").await.unwrap();
        direct.services.audit.shutdown().await;
        assert_eq!(recorded_ip(&direct, "spoof-1").await, "127.0.0.1");
        assert_eq!(recorded_ip(&direct, "spoof-2").await, "127.0.0.1");
        drop(direct);

        // Behind a proxy on 127.0.0.1: the client it names, and no further back.
        let services = civil_petitions::start(&common::config(), db).await.unwrap();
        let proxied = common::Running::serve(services, |mut settings, services| {
            settings.trusted_proxies = vec!["127.0.0.1/32".to_owned()];
            civil_petitions::app(settings, services)
        }).await;
        send(&proxied, "proxied-1", "x-forwarded-for", "1.2.3.4, 203.0.113.7").await.unwrap();
        send(&proxied, "proxied-2", "forwarded", r#"for="[2001:db8::17]:4711""#).await.unwrap();
        proxied.services.audit.shutdown().await;
        assert_eq!(recorded_ip(&proxied, "proxied-1").await, "203.0.113.7");
        assert_eq!(recorded_ip(&proxied, "proxied-2").await, "2001:db8::17");
    }

    async fn another_site_cannot_post_the_login_form(db) {
        let running = common::start(db).await;
        login_with(&running, "hong", &["petitions:file"]).await;
        let client = common::no_redirects();
        let login_form = common::LoginForm::open(&running, &client).await;
        let form = [
            ("login_id", "hong"),
            ("password", common::PASSWORD),
            ("next", "/"),
            ("csrf_token", login_form.token.as_str()),
        ];
        let base = running.base.clone();
        for headers in [
            vec![("sec-fetch-site", "cross-site")],
            vec![("sec-fetch-site", "same-site"), ("origin", "http://other.127.0.0.1")],
            // A client without Fetch Metadata: the Origin decides.
            vec![("origin", "https://attacker.example")],
            vec![("origin", "null")],
        ] {
            let mut request = client.post(running.url("/login")).header("cookie", &login_form.cookie).form(&form);
            for (name, value) in &headers {
                request = request.header(*name, *value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
            assert!(response.headers().get("set-cookie").is_none(), "{headers:?} got a session");
        }
        // The service's own page (same origin) — also with the `Origin: null` a
        // browser sends under `Referrer-Policy: no-referrer` — a typed-in
        // navigation, and clients that send neither header.
        for headers in [
            vec![("sec-fetch-site", "same-origin"), ("origin", base.as_str())],
            vec![("sec-fetch-site", "same-origin"), ("origin", "null")],
            vec![("sec-fetch-site", "none")],
            vec![],
        ] {
            let mut request = client.post(running.url("/login")).header("cookie", &login_form.cookie).form(&form);
            for (name, value) in &headers {
                request = request.header(*name, *value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{headers:?}");
        }
        // A JSON login from another origin is CORS's to decide, not refused here.
        let json = running.client.post(running.url("/auth/login")).header("origin", "https://app.example")
            .json(&json!({"login_id": "hong", "password": common::PASSWORD})).send().await.unwrap();
        assert_eq!(json.status(), StatusCode::OK);
    }

    async fn the_login_form_needs_its_pre_session_token(db) {
        let running = common::start(db).await;
        login_with(&running, "hong", &["petitions:file"]).await;
        let client = common::no_redirects();
        let login_form = common::LoginForm::open(&running, &client).await;
        assert_eq!(login_form.token.len(), 43);
        // A second visit keeps the token its cookie holds.
        let again = client.get(running.url("/login")).header("cookie", &login_form.cookie)
            .send().await.unwrap();
        assert!(again.headers().get("set-cookie").is_none());
        assert!(again.text().await.unwrap().contains(&login_form.token));

        let credentials = [("login_id", "hong"), ("password", common::PASSWORD), ("next", "/")];
        let other = common::LoginForm::open(&running, &client).await;
        // What an attacker's page could send: no token, a token without the
        // victim's cookie, another browser's token, a forged cookie pair.
        let cases: Vec<(Option<&str>, Option<&str>)> = vec![
            (Some(login_form.cookie.as_str()), None),
            (None, Some(login_form.token.as_str())),
            (Some(login_form.cookie.as_str()), Some(other.token.as_str())),
            (Some("__Host-egov-login=short"), Some("short")),
        ];
        for (cookie, token) in cases {
            let mut form: Vec<(&str, &str)> = credentials.to_vec();
            if let Some(token) = token {
                form.push(("csrf_token", token));
            }
            let mut request = client.post(running.url("/login")).form(&form);
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{cookie:?} {token:?}");
            // A browser gets the refusal as a page (the page kit's problem page).
            assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
            assert!(response.headers().get("set-cookie").is_none());
        }
        running.services.audit.shutdown().await;
        let refused: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM egov_audit_events WHERE reason_code = 'login_csrf'",
        )
        .fetch_one(running.services.db.pool()).await.unwrap();
        assert_eq!(refused, 4);
    }
}
