//! The extractors over real HTTP (127.0.0.1:0, reqwest), behind a problem layer
//! that renders the `Problem` extension the way egov-web does.

mod common;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, extract::Query};
use egov_core::problem::{PROBLEM_JSON, Problem};
use egov_validation::Valid;
use serde::Deserialize;
use serde_json::{Value, json};
use validator::Validate;

#[derive(Debug, Deserialize, Validate)]
struct Applicant {
    #[validate(length(min = 2, max = 20))]
    name: String,
    #[validate(custom(function = "egov_validation::korean::phone_number"))]
    phone: String,
}

#[derive(Debug, Deserialize, Validate)]
struct NewPetition {
    #[validate(length(min = 1, max = 50))]
    title: String,
    #[validate(nested)]
    applicant: Applicant,
}

/// A reservation with parsed types: a bad phone or date must not hide the
/// other fields' errors.
#[derive(Debug, Deserialize, Validate)]
struct Reservation {
    #[validate(length(min = 2, max = 20))]
    name: String,
    phone: egov_validation::korean::PhoneNumber,
    #[validate(custom(function = "egov_validation::date::not_in_past"))]
    day: egov_validation::date::Date,
    #[validate(range(min = 1, max = 10))]
    people: u32,
    #[validate(email)]
    email: String,
}

#[derive(Debug, Deserialize, Validate)]
struct Page {
    #[validate(range(min = 1, max = 100))]
    size: u32,
}

/// egov-web's problem layer in miniature: render the pending problem in the
/// caller's language.
async fn render_problems(request: Request, next: Next) -> Response {
    let locale = match request.headers().get(header::ACCEPT_LANGUAGE) {
        Some(v) if v.as_bytes().starts_with(b"en") => "en",
        _ => "ko",
    };
    let mut response = next.run(request).await;
    let Some(problem) = response.extensions_mut().remove::<Problem>() else {
        return response;
    };
    let rendered = common::render(&problem, locale);
    let mut rendered = Json(rendered).into_response();
    *rendered.status_mut() = response.status();
    rendered
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    rendered
}

async fn serve() -> String {
    let app = Router::new()
        .route(
            "/petitions",
            post(|Valid(Json(p)): Valid<Json<NewPetition>>| async move { p.title }),
        )
        .route(
            "/petitions",
            get(|Valid(Query(p)): Valid<Query<Page>>| async move { p.size.to_string() }),
        )
        .route(
            "/reservations",
            post(|Valid(Json(r)): Valid<Json<Reservation>>| async move {
                assert_eq!(r.phone.expose(), "010-1234-5678");
                r.name
            }),
        )
        .route(
            "/reservation-form",
            post(|Valid(axum::Form(r)): Valid<axum::Form<Reservation>>| async move { r.name }),
        )
        .layer(DefaultBodyLimit::max(1024))
        .layer(middleware::from_fn(render_problems));
    format!("{}/petitions", egov_http::testing::serve(app).await)
}

async fn post_body(
    url: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
    language: &str,
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .header("accept-language", language)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 200 {
        return (status, Value::String(response.text().await.unwrap()));
    }
    assert_eq!(
        response.headers()["content-type"],
        PROBLEM_JSON,
        "status {status}"
    );
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn problems_arrive_as_localized_problem_json() {
    let url = serve().await;
    let valid = json!({"title": "도로 보수 요청", "applicant": {"name": "홍길동", "phone": "010-1234-5678"}});
    let (status, body) = post_body(&url, "application/json", valid.to_string(), "ko").await;
    assert_eq!((status, body), (200, json!("도로 보수 요청")));

    let invalid = json!({"title": "", "applicant": {"name": "홍", "phone": "010-1234-5678"}});
    let (status, body) = post_body(&url, "application/json", invalid.to_string(), "ko").await;
    assert_eq!(status, 422);
    assert_eq!(body["type"], "urn:egov:problem:validation-failed");
    assert_eq!(body["title"], "입력값이 올바르지 않습니다");
    assert_eq!(body["detail"], "2개 항목을 확인해 주십시오.");
    assert_eq!(
        body["errors"],
        json!([
            {"field": "/applicant/name", "code": "length", "message": "2자 이상 20자 이하로 입력해 주십시오."},
            {"field": "/title", "code": "length", "message": "1자 이상 50자 이하로 입력해 주십시오."},
        ])
    );
    assert!(!body.to_string().contains('홍'));

    let (status, body) = post_body(&url, "application/json", invalid.to_string(), "en").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"][1]["message"],
        "Enter between 1 and 50 characters."
    );
}

#[tokio::test]
async fn malformed_wrong_type_and_oversized_requests() {
    let url = serve().await;
    let (status, body) = post_body(&url, "application/json", "{\"title\": ", "en").await;
    assert_eq!(status, 400);
    assert_eq!(body["type"], "urn:egov:problem:bad-request");
    assert_eq!(body["detail"], "The request body is not valid JSON.");

    let (status, body) = post_body(&url, "text/plain", "{}", "ko").await;
    assert_eq!(status, 415);
    assert_eq!(
        body["detail"],
        "요청 본문을 application/json 형식으로 보내 주십시오."
    );

    let big = json!({"title": "x".repeat(4096), "applicant": {"name": "홍길동", "phone": "010-1234-5678"}});
    let (status, body) = post_body(&url, "application/json", big.to_string(), "en").await;
    assert_eq!(status, 413);
    assert_eq!(body["type"], "urn:egov:problem:payload-too-large");

    let missing = json!({"title": "x", "applicant": {"name": "홍길동"}});
    let (status, body) = post_body(&url, "application/json", missing.to_string(), "en").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"],
        json!([{"field": "/applicant/phone", "code": "required", "message": "This field is required."}])
    );
}

#[tokio::test]
async fn query_strings_over_http() {
    let url = serve().await;
    let client = reqwest::Client::new();
    let ok = client.get(format!("{url}?size=20")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "20");
    let bad = client
        .get(format!("{url}?size=500"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(
        body["errors"],
        json!([{"field": "/size", "code": "range", "message": "Enter a value from 1 to 100."}])
    );
}

/// The `key` of every field error of a problem body, in order.
fn each<'a>(problem: &'a Value, key: &str) -> Vec<&'a str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[key].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_parsed_field_that_fails_does_not_hide_the_others() {
    let url = serve().await.replace("/petitions", "/reservations");
    // Four bad fields, one of them an unparsable phone number: four errors.
    let body = json!({
        "name": "x", "phone": "12345", "day": "2020-01-01", "people": 0, "email": "a@b.kr"
    });
    let (status, problem) = post_body(&url, "application/json", body.to_string(), "ko").await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<(&str, &str)> = each(&problem, "field")
        .into_iter()
        .zip(each(&problem, "code"))
        .collect();
    assert_eq!(
        fields,
        [
            ("/day", "not_before"),
            ("/name", "length"),
            ("/people", "range"),
            ("/phone", "phone_number")
        ]
    );
    assert_eq!(
        problem["errors"][3]["message"],
        "올바른 전화번호를 입력해 주십시오."
    );

    // Two unparsable fields (phone and date) and two broken rules.
    let body = json!({
        "name": "x", "phone": "12345", "day": "2026-02-30", "people": 11, "email": "not an address"
    });
    let (status, problem) = post_body(&url, "application/json", body.to_string(), "en").await;
    assert_eq!(status, 422);
    let codes = each(&problem, "code");
    assert_eq!(codes, ["date", "email", "length", "range", "phone_number"]);
    assert_eq!(problem["detail"], "5 field(s) need attention.");

    // The same from an HTML form.
    let form = "name=x&phone=12345&day=2026-02-30&people=0&email=a%40b.kr";
    let form_url = url.replace("/reservations", "/reservation-form");
    let (status, problem) =
        post_body(&form_url, "application/x-www-form-urlencoded", form, "ko").await;
    assert_eq!(status, 422, "{problem}");
    let fields = each(&problem, "field");
    assert_eq!(fields, ["/day", "/name", "/people", "/phone"]);

    // A missing field after an unparsable one is reported with it.
    let body = json!({"phone": "12345", "day": "2030-01-01", "people": 2, "email": "a@b.kr"});
    let (_, problem) = post_body(&url, "application/json", body.to_string(), "ko").await;
    let codes = each(&problem, "code");
    assert_eq!(codes, ["required", "phone_number"]);

    // All fine: the handler runs.
    let body = json!({
        "name": "홍길동", "phone": "010-1234-5678", "day": "2099-01-01", "people": 2, "email": "a@b.kr"
    });
    let (status, text) = post_body(&url, "application/json", body.to_string(), "ko").await;
    assert_eq!((status, text), (200, json!("홍길동")));
}
