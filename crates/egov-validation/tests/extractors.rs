//! The `Valid<…>` extractors, driven through an axum `Router` with `oneshot`.

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::{Form, Json, Router, extract::Path, extract::Query};
use common::{fields, json_request, problem, render, send};
use egov_core::message::{MessageArg, MessageCatalog, StaticCatalog};
use egov_core::problem::{Problem, ProblemType};
use egov_validation::korean::BusinessNumber;
use egov_validation::{Valid, ValidationRejection};
use serde::Deserialize;
use serde_json::json;
use validator::{Validate, ValidationError};

#[derive(Debug, Deserialize, Validate)]
struct Applicant {
    #[validate(length(min = 2, max = 20))]
    name: String,
    #[validate(custom(function = "egov_validation::korean::phone_number"))]
    phone: String,
}

// `length` on a list gives validator the list as the rule's `value`: Serialize.
#[derive(Debug, Deserialize, serde::Serialize, Validate)]
struct Item {
    #[validate(length(min = 1, max = 10))]
    name: String,
    #[validate(range(min = 1, max = 99))]
    quantity: u32,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Order {
    #[validate(length(min = 1, max = 50))]
    title: String,
    #[validate(nested)]
    applicant: Applicant,
    #[validate(nested, length(min = 1, max = 5))]
    items: Vec<Item>,
    business_number: Option<BusinessNumber>,
    #[validate(email)]
    email: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    scores: BTreeMap<String, u32>,
}

async fn create_order(Valid(Json(order)): Valid<Json<Order>>) -> String {
    let brn = order.business_number.map(|b| b.expose().to_owned());
    format!("{} {} {:?}", order.title, order.items.len(), brn)
}

fn app() -> Router {
    Router::new()
        .route("/orders", post(create_order))
        .route("/limited", post(create_order))
}

fn valid_order() -> serde_json::Value {
    json!({
        "title": "민원",
        "applicant": {"name": "홍길동", "phone": "010-1234-5678"},
        "items": [{"name": "a", "quantity": 1}, {"name": "b", "quantity": 2}, {"name": "c", "quantity": 3}],
        "business_number": "1248100998",
        "email": "a@example.com"
    })
}

async fn post_order(body: impl Into<Body>) -> (StatusCode, Option<Problem>) {
    let response = send(&app(), json_request("/orders", body)).await;
    (response.status(), problem(&response))
}

async fn post_json(value: &serde_json::Value) -> (StatusCode, Option<Problem>) {
    post_order(value.to_string()).await
}

#[tokio::test]
async fn a_valid_body_reaches_the_handler() {
    let response = send(&app(), json_request("/orders", valid_order().to_string())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(problem(&response).is_none());
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], r#"민원 3 Some("124-81-00998")"#.as_bytes());
}

#[tokio::test]
async fn failed_rules_are_422_with_nested_and_indexed_pointers() {
    let mut order = valid_order();
    order["title"] = json!("");
    order["applicant"]["phone"] = json!("010-12");
    order["items"][0]["quantity"] = json!(0);
    order["items"][2]["name"] = json!("");
    order["email"] = json!("not-an-email");
    let (status, problem) = post_json(&order).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = problem.unwrap();
    assert_eq!(problem.problem_type(), &ProblemType::VALIDATION_FAILED);
    let detail = problem.detail().unwrap();
    assert_eq!(detail.key(), "problem-validation-failed-detail");
    assert_eq!(detail.args()["count"], MessageArg::Int(5));
    let f = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        fields(&problem),
        [
            f(
                "/applicant/phone",
                "phone_number",
                "validation-phone_number"
            ),
            f("/email", "email", "validation-email"),
            f("/items/0/quantity", "range", "validation-range"),
            f("/items/2/name", "length", "validation-length"),
            f("/title", "length", "validation-length"),
        ]
    );
    let quantity = &problem.errors()[2].message;
    assert_eq!(quantity.args()["min"], MessageArg::Int(1));
    assert_eq!(quantity.args()["max"], MessageArg::Int(99));
    assert!(!quantity.args().contains_key("value"));
}

#[tokio::test]
async fn the_list_itself_is_checked_too() {
    let mut order = valid_order();
    order["items"] = json!([]);
    let (status, problem) = post_json(&order).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = problem.unwrap();
    assert_eq!(
        fields(&problem),
        [("/items".into(), "length".into(), "validation-length".into())]
    );
}

#[tokio::test]
async fn data_errors_naming_a_field_are_422() {
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (
            {
                let mut o = valid_order();
                o["applicant"].as_object_mut().unwrap().remove("phone");
                o
            },
            "/applicant/phone",
            "required",
        ),
        (
            {
                let mut o = valid_order();
                o["items"][1]["quantity"] = json!("many");
                o
            },
            "/items/1/quantity",
            "type",
        ),
        (
            {
                let mut o = valid_order();
                o["items"][1]["quantity"] = json!(-1);
                o
            },
            "/items/1/quantity",
            "invalid",
        ),
        (
            {
                let mut o = valid_order();
                o["extra"] = json!(1);
                o
            },
            "/extra",
            "unknown_field",
        ),
        (
            {
                let mut o = valid_order();
                o["business_number"] = json!("124-81-00999");
                o
            },
            "/business_number",
            "business_number",
        ),
        (
            {
                let mut o = valid_order();
                o["business_number"] = json!(1248100998u64);
                o
            },
            "/business_number",
            "type",
        ),
        (
            {
                let mut o = valid_order();
                o["scores"] = json!({"a/b~c": "x"});
                o
            },
            "/scores/a~1b~0c",
            "type",
        ),
    ];
    for (body, pointer, code) in cases {
        let (status, problem) = post_json(&body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{pointer}");
        let problem = problem.unwrap();
        assert_eq!(
            fields(&problem),
            [(
                pointer.to_owned(),
                code.to_owned(),
                format!("validation-{code}")
            )]
        );
        assert_eq!(
            problem.detail().unwrap().args()["count"],
            MessageArg::Int(1)
        );
    }
}

#[tokio::test]
async fn malformed_json_is_400() {
    for body in [
        "",
        "{",
        "{\"title\": }",
        "nul",
        "\u{feff}{}",
        "{\"title\": \"x\"} trailing",
        "{\"title\": 5, \"applicant\": {",
    ] {
        let (status, problem) = post_order(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}");
        let problem = problem.unwrap();
        assert_eq!(problem.problem_type(), &ProblemType::BAD_REQUEST);
        assert_eq!(problem.detail().unwrap().key(), "problem-bad-request-json");
        assert!(problem.errors().is_empty());
    }
    let (_, problem) = post_order(vec![0xff, 0xfe, b'{']).await;
    assert_eq!(
        problem.unwrap().detail().unwrap().key(),
        "problem-bad-request-json"
    );
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_400() {
    for body in ["[]", "42", "\"text\"", "null"] {
        let (status, problem) = post_order(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            problem.unwrap().detail().unwrap().key(),
            "problem-bad-request-body"
        );
    }
}

#[derive(Debug, Deserialize, Validate)]
struct Anything {
    #[allow(dead_code)]
    data: serde_json::Value,
}

#[tokio::test]
async fn deep_nesting_is_refused_without_overflow() {
    let app = Router::new().route(
        "/",
        post(|Valid(Json(_)): Valid<Json<Anything>>| async { "ok" }),
    );
    let deep = format!(
        "{{\"data\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let response = send(&app, json_request("/", deep)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        problem(&response).unwrap().detail().unwrap().key(),
        "problem-bad-request-json"
    );
    // An array where an object is expected: its first element is the wrong type.
    let (status, _) = post_order(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_wrong_content_type_is_415() {
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("text/json"),
    ] {
        let mut request = Request::post("/orders");
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response = send(
            &app(),
            request.body(Body::from(valid_order().to_string())).unwrap(),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        let problem = problem(&response).unwrap();
        assert_eq!(problem.problem_type(), &ProblemType::UNSUPPORTED_MEDIA_TYPE);
        let detail = problem.detail().unwrap();
        assert_eq!(detail.key(), "problem-unsupported-media-type-detail");
        assert_eq!(
            detail.args()["expected"],
            MessageArg::Text("application/json".into())
        );
    }
    let response = send(
        &app(),
        Request::post("/orders")
            .header(
                "content-type",
                "application/merge-patch+json; charset=utf-8",
            )
            .body(Body::from(valid_order().to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = app().layer(DefaultBodyLimit::max(64));
    let response = send(&app, json_request("/limited", valid_order().to_string())).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        problem(&response).unwrap().problem_type(),
        &ProblemType::PAYLOAD_TOO_LARGE
    );
    let small = send(&app, json_request("/limited", "{}")).await;
    assert_eq!(small.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct Renamed {
    #[validate(length(min = 2))]
    first_name: String,
    #[validate(nested)]
    home_address: Address,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
struct Address {
    #[validate(custom(function = "egov_validation::korean::postal_code"))]
    postal_code: String,
}

#[tokio::test]
async fn pointers_use_the_bodys_member_names() {
    let app = Router::new().route(
        "/",
        post(|Valid(Json(_)): Valid<Json<Renamed>>| async { "ok" }),
    );
    let body = json!({"firstName": "x", "homeAddress": {"postalCode": "123"}});
    let problem = problem(&send(&app, json_request("/", body.to_string())).await).unwrap();
    assert_eq!(
        fields(&problem),
        [
            (
                "/firstName".into(),
                "length".into(),
                "validation-length-min".into()
            ),
            (
                "/homeAddress/postalCode".into(),
                "postal_code".into(),
                "validation-postal_code".into()
            ),
        ]
    );
    // Missing members are named by serde, so they follow the renaming too.
    let problem = problem_of(&app, json!({"firstName": "xy", "homeAddress": {}})).await;
    assert_eq!(problem.errors()[0].field, "/homeAddress/postalCode");
}

async fn problem_of(app: &Router, body: serde_json::Value) -> Problem {
    problem(&send(app, json_request("/", body.to_string())).await).unwrap()
}

fn strong_password(password: &str) -> Result<(), ValidationError> {
    if password.chars().count() < 12 {
        return Err(ValidationError::new("password_strength"));
    }
    Ok(())
}

#[derive(Debug, Deserialize, Validate)]
struct Signup {
    #[validate(length(min = 2, max = 4))]
    name: String,
    #[validate(custom(function = "strong_password"))]
    password: String,
    #[validate(must_match(other = "password"))]
    password_confirm: String,
    #[validate(custom(function = "egov_validation::korean::resident_number"))]
    resident_number: String,
}

#[tokio::test]
async fn rejected_values_never_reach_the_problem() {
    let app = Router::new().route(
        "/",
        post(|Valid(Json(_)): Valid<Json<Signup>>| async { "ok" }),
    );
    let secrets = ["홍길동비밀이름", "hunter2", "hunter3", "900230-1234568"];
    let body = json!({
        "name": secrets[0],
        "password": secrets[1],
        "password_confirm": secrets[2],
        "resident_number": secrets[3],
    });
    let problem = problem_of(&app, body).await;
    assert_eq!(problem.errors().len(), 4);
    assert_eq!(
        fields(&problem)
            .into_iter()
            .map(|(field, code, _)| (field, code))
            .collect::<Vec<_>>(),
        [
            ("/name".to_owned(), "length".to_owned()),
            ("/password".to_owned(), "password_strength".to_owned()),
            ("/password_confirm".to_owned(), "must_match".to_owned()),
            ("/resident_number".to_owned(), "resident_number".to_owned()),
        ]
    );
    let debug = format!("{problem:?}");
    let rendered = serde_json::to_string(&render(&problem, "ko")).unwrap();
    for secret in secrets {
        assert!(!debug.contains(secret), "{secret} in {debug}");
        assert!(!rendered.contains(secret), "{secret} in {rendered}");
    }
    assert!(!debug.contains("1234568"));
}

fn at_least_one_contact(signup: &Contacts) -> Result<(), ValidationError> {
    if signup.phone.is_none() && signup.email.is_none() {
        return Err(ValidationError::new("contact_required"));
    }
    Ok(())
}

#[derive(Debug, Deserialize, Validate)]
#[validate(schema(function = "at_least_one_contact"))]
struct Contacts {
    #[validate(custom(function = "egov_validation::korean::phone_number"))]
    phone: Option<String>,
    #[validate(email)]
    email: Option<String>,
}

#[tokio::test]
async fn struct_level_rules_point_at_the_struct() {
    let app = Router::new().route(
        "/",
        post(|Valid(Json(_)): Valid<Json<Contacts>>| async { "ok" }),
    );
    let problem = problem_of(&app, json!({})).await;
    assert_eq!(
        fields(&problem),
        [(
            String::new(),
            "contact_required".into(),
            "validation-contact_required".into()
        )]
    );
    let response = send(
        &app,
        json_request("/", json!({"phone": "+82 10 1234 5678"}).to_string()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[derive(Debug, Deserialize, Validate)]
struct Search {
    #[validate(range(min = 1, max = 100))]
    page: u32,
    #[validate(length(min = 2))]
    q: Option<String>,
}

fn search_app() -> Router {
    Router::new()
        .route(
            "/search",
            get(|Valid(Query(s)): Valid<Query<Search>>| async move { format!("{} {:?}", s.page, s.q) }),
        )
        .route(
            "/form",
            get(|Valid(Form(s)): Valid<Form<Search>>| async move { format!("{} {:?}", s.page, s.q) })
                .post(|Valid(Form(s)): Valid<Form<Search>>| async move { format!("{} {:?}", s.page, s.q) }),
        )
}

async fn get_status(app: &Router, uri: &str) -> (StatusCode, Option<Problem>, String) {
    let response = send(app, Request::get(uri).body(Body::empty()).unwrap()).await;
    let status = response.status();
    let problem = problem(&response);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    (status, problem, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn query_strings_are_validated() {
    let app = search_app();
    let (status, _, body) = get_status(&app, "/search?page=3&q=%ED%99%8D%EA%B8%B8").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "3 Some(\"홍길\")")
    );
    for (uri, pointer, code, key) in [
        ("/search?page=0", "/page", "range", "validation-range"),
        ("/search?page=abc", "/page", "invalid", "validation-invalid"),
        ("/search?page=-1", "/page", "invalid", "validation-invalid"),
        ("/search", "/page", "required", "validation-required"),
        (
            "/search?page=1&q=x",
            "/q",
            "length",
            "validation-length-min",
        ),
    ] {
        let (status, problem, _) = get_status(&app, uri).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(
            fields(&problem.unwrap()),
            [(pointer.to_owned(), code.to_owned(), key.to_owned())],
            "{uri}"
        );
    }
    for uri in ["/search?page=1&%zz=%&&==&q=%FF%FE", "/search?page=1&page=2"] {
        let (status, _, _) = get_status(&app, uri).await;
        assert!(
            [
                StatusCode::OK,
                StatusCode::BAD_REQUEST,
                StatusCode::UNPROCESSABLE_ENTITY
            ]
            .contains(&status),
            "{uri}: {status}"
        );
    }
}

#[tokio::test]
async fn forms_are_validated() {
    let app = search_app();
    let post_form = |content_type: &'static str, body: &'static str| {
        Request::post("/form")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let response = send(
        &app,
        post_form("application/x-www-form-urlencoded", "page=7&q=ab"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = send(
        &app,
        post_form(
            "application/x-www-form-urlencoded; charset=UTF-8",
            "page=700",
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&problem(&response).unwrap())[0].0, "/page");

    let response = send(&app, post_form("application/json", "page=7")).await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let problem_415 = problem(&response).unwrap();
    assert_eq!(
        problem_415.detail().unwrap().args()["expected"],
        MessageArg::Text("application/x-www-form-urlencoded".into())
    );

    // GET forms read the query string.
    let (status, _, body) = get_status(&app, "/form?page=2").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "2 None"));
    let (status, _, _) = get_status(&app, "/form?page=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[derive(Debug, Deserialize, Validate)]
struct MemberPath {
    brn: BusinessNumber,
    #[validate(range(min = 1))]
    member_no: u32,
}

fn path_app() -> Router {
    Router::new()
        .route(
            "/orgs/{brn}/members/{member_no}",
            get(|Valid(Path(p)): Valid<Path<MemberPath>>| async move {
                format!("{} {}", p.brn.expose(), p.member_no)
            }),
        )
        .route(
            "/misuse",
            get(|Valid(Path(p)): Valid<Path<MemberPath>>| async move { p.member_no.to_string() }),
        )
}

#[tokio::test]
async fn path_parameters_are_validated() {
    let app = path_app();
    let (status, _, body) = get_status(&app, "/orgs/1248100998/members/3").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "124-81-00998 3"));
    for (uri, pointer, code, key) in [
        (
            "/orgs/1248100999/members/3",
            "/brn",
            "business_number",
            "validation-business_number",
        ),
        (
            "/orgs/124-81-00998/members/0",
            "/member_no",
            "range",
            "validation-range-min",
        ),
        (
            "/orgs/124-81-00998/members/x",
            "/member_no",
            "invalid",
            "validation-invalid",
        ),
    ] {
        let (status, problem, _) = get_status(&app, uri).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(
            fields(&problem.unwrap()),
            [(pointer.to_owned(), code.to_owned(), key.to_owned())],
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_path_type_that_does_not_fit_the_route_is_a_programming_error() {
    let (status, problem, _) = get_status(&path_app(), "/misuse").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(problem.unwrap().problem_type(), &ProblemType::INTERNAL);
}

#[tokio::test]
async fn problems_render_in_korean_and_english() {
    let mut order = valid_order();
    order["title"] = json!("");
    order["items"][0]["quantity"] = json!(100);
    let (_, problem) = post_json(&order).await;
    let problem = problem.unwrap();
    let ko = render(&problem, "ko");
    assert_eq!(ko.title, "입력값이 올바르지 않습니다");
    assert_eq!(ko.detail.as_deref(), Some("2개 항목을 확인해 주십시오."));
    assert_eq!(
        ko.errors[0].message,
        "1 이상 99 이하의 값을 입력해 주십시오."
    );
    assert_eq!(
        ko.errors[1].message,
        "1자 이상 50자 이하로 입력해 주십시오."
    );
    let en = render(&problem, "en");
    assert_eq!(en.errors[0].message, "Enter a value from 1 to 99.");
    assert_eq!(en.errors[1].message, "Enter between 1 and 50 characters.");
}

fn petition_title(title: &str) -> Result<(), ValidationError> {
    if title.contains("!!!") {
        let mut error = ValidationError::new("petition_title");
        error.add_param("limit".into(), &3);
        return Err(error);
    }
    Ok(())
}

#[derive(Debug, Deserialize, Validate)]
struct Petition {
    #[validate(custom(function = "petition_title"))]
    title: String,
}

#[tokio::test]
async fn applications_add_rules_with_their_own_messages() {
    let app = Router::new().route(
        "/",
        post(|Valid(Json(p)): Valid<Json<Petition>>| async move { p.title }),
    );
    let problem = problem_of(&app, json!({"title": "도와주세요!!!"})).await;
    assert_eq!(
        fields(&problem),
        [(
            "/title".into(),
            "petition_title".into(),
            "validation-petition_title".into()
        )]
    );
    let message = &problem.errors()[0].message;
    assert_eq!(message.args()["limit"], MessageArg::Int(3));
    assert!(!message.args().contains_key("value"));

    let app_messages = StaticCatalog::from_entries([
        (
            "ko",
            "validation-petition_title",
            "제목에 느낌표를 { $limit }개 이상 연달아 쓸 수 없습니다.",
        ),
        (
            "en",
            "validation-petition_title",
            "A title may not contain { $limit } exclamation marks in a row.",
        ),
    ]);
    let (core, validation) = common::catalogs();
    let catalogs: [&dyn MessageCatalog; 3] = [&app_messages, &validation, &core];
    let ko = problem.render(&catalogs, "ko", &[]);
    assert_eq!(
        ko.errors[0].message,
        "제목에 느낌표를 3개 이상 연달아 쓸 수 없습니다."
    );
    let en = problem.render(&catalogs, "en", &[]);
    assert_eq!(
        en.errors[0].message,
        "A title may not contain 3 exclamation marks in a row."
    );
}

#[tokio::test]
async fn handlers_can_take_the_rejection_and_extend_the_problem() {
    let app = Router::new().route(
        "/",
        post(
            |result: Result<Valid<Json<Petition>>, ValidationRejection>| async move {
                match result {
                    Ok(_) => "ok".to_owned(),
                    Err(rejection) => {
                        let problem: Problem = rejection.into_problem();
                        format!("{} {}", problem.status(), problem.errors().len())
                    }
                }
            },
        ),
    );
    let response = send(&app, json_request("/", json!({"title": "!!!"}).to_string())).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 64)
        .await
        .unwrap();
    assert_eq!(&body[..], b"422 1");
}

#[derive(Debug, Deserialize, Validate)]
struct Attachments {
    #[validate(nested)]
    files: BTreeMap<String, Item>,
}

#[tokio::test]
async fn map_entries_are_reported_at_the_map() {
    let app = Router::new().route(
        "/",
        post(|Valid(Json(_)): Valid<Json<Attachments>>| async { "ok" }),
    );
    let body = json!({"files": {"a.pdf": {"name": "a", "quantity": 1}, "b/c.pdf": {"name": "", "quantity": 1}}});
    let problem = problem_of(&app, body.clone()).await;
    // validator numbers map entries by position, not key: the map is named.
    assert_eq!(
        fields(&problem),
        [("/files".into(), "length".into(), "validation-length".into())]
    );
    // Without the request data, the position is all there is.
    let value: Attachments = serde_json::from_value(body).unwrap();
    let errors = value.validate().unwrap_err();
    let plain = egov_validation::problem::field_errors(&errors);
    assert_eq!(plain[0].field, "/files/1/name");
}
