//! The kit's templates as a service uses them: the layout's landmarks and menus, the
//! form helpers' ARIA wiring, the error summary, tables, the problem page.

use egov_core::access::AccessPolicy;
use egov_core::actor::{Actor, Permission, Principal};
use egov_core::problem::{Problem, ProblemType};
use egov_core::session::PageSession;
use egov_i18n::I18n;
use egov_pages::{Pages, PagesSettings};
use minijinja::context;

const FORM: &str = r#"{% extends "egov/layout.html" %}{% import "egov/forms.html" as forms %}
{% block content %}<h1>{{ title }}</h1>{{ forms.error_summary(errors) }}{{ forms.required_notice() }}
<form method="post">{{ forms.csrf(page.user.csrf if page.user else "") }}
{{ forms.input("title", "제목", value=form.title, required=true, error=field_errors.title) }}
{{ forms.input("phone", "전화번호", value=form.phone, type="tel", hint="010-1234-5678 형식", error=field_errors.phone) }}
{{ forms.textarea("body", "내용", value=form.body, hint="4000자 이내") }}
{{ forms.select("kind", "종류", [{"value": "A", "label": "가"}, {"value": "B", "label": "나"}], selected="B", required=true, placeholder="선택하세요") }}
<button type="submit">보내기</button></form>
{% call forms.table("신청 목록", ["번호", "제목"]) %}<tr><td>1</td><td>{{ form.title }}</td></tr>{% endcall %}
{{ forms.pagination("/list?page=", 2, 3) }}
{% endblock %}"#;

fn i18n() -> I18n {
    I18n::builder()
        .resources(&egov_core::MESSAGES)
        .resources(&egov_i18n::MESSAGES)
        .resources(&egov_pages::MESSAGES)
        .build()
        .unwrap()
}

fn pages() -> Pages {
    Pages::builder(PagesSettings::default())
        .template("form.html", FORM)
        .nav(
            "/petitions/new",
            "egov-page-home",
            AccessPolicy::Authenticated,
        )
        .nav(
            "/staff",
            "egov-page-login",
            AccessPolicy::Permission(Permission::new("petition:review")),
        )
        .footer_link("/terms", "egov-page-home")
        .build()
        .unwrap()
}

fn citizen() -> Actor {
    let mut actor = Actor::anonymous();
    actor.principal = Principal::Account {
        id: egov_core::id::AccountId::new(),
    };
    actor
}

fn session() -> PageSession {
    PageSession {
        login_id: "citizen".into(),
        display_name: "홍길동".into(),
        csrf_token: "csrf-123".into(),
        expires_at: Some(time::macros::datetime!(2026-12-07 10:30 UTC)),
    }
}

fn render(actor: &Actor, session: Option<&PageSession>, locale: &str, errors: bool) -> String {
    let pages = pages();
    let problem = Problem::new(ProblemType::VALIDATION_FAILED).with_field_error(
        egov_core::problem::FieldError::new(
            "/phone",
            "phone",
            egov_core::message::Message::new("egov-page-required"),
        ),
    );
    let form_errors = if errors {
        egov_pages::FormErrors::from_problem(
            &problem,
            &[("title", "egov-page-home"), ("phone", "egov-page-login")],
            |m| i18n().text(locale, m),
        )
    } else {
        egov_pages::FormErrors::new()
    };
    let html = pages
        .render_html(
            &i18n(),
            locale,
            actor,
            session,
            "/petitions/new?x=1",
            "form.html",
            context! {
                title => "민원 신청",
                form => context! { title => "<b>소음</b>", phone => "010", body => "" },
                errors => form_errors.list(),
                field_errors => form_errors.by_field(),
            },
        )
        .unwrap();
    unslash(&html)
}

/// minijinja escapes `/` in text as `&#x2f;` (harmless in HTML); the assertions read
/// the markup with it undone.
fn unslash(html: &str) -> String {
    html.replace("&#x2f;", "/")
}

#[test]
fn the_layout_has_the_krds_landmarks_in_order() {
    let html = render(&citizen(), Some(&session()), "ko", false);
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing in {html}"))
    };
    // Skip link first, then the official banner, header, main, footer.
    assert!(
        at(r##"<a class="egov-skip" href="#main">본문 바로가기</a>"##) < at("공식 전자정부 누리집")
    );
    assert!(at("공식 전자정부 누리집") < at("<header"));
    assert!(at("<header") < at(r#"<main id="main" tabindex="-1">"#));
    assert!(at("<main") < at("<footer"));
    assert!(html.contains(r#"<a class="egov-privacy" href="/privacy">개인정보처리방침</a>"#));
    assert!(html.contains(r#"<html lang="ko">"#));
    assert!(html.contains("<title>민원 신청 | 전자정부 서비스</title>"));
    // Who is logged in, logout with the CSRF token, the session's end in KST.
    assert!(html.contains("홍길동(citizen) 님"));
    assert!(html.contains(r#"<input type="hidden" name="csrf_token" value="csrf-123">"#));
    assert!(
        html.contains("19:30까지"),
        "the session notice in the agency's zone: {html}"
    );
    assert!(html.contains(r#"action="/auth/session/extend""#));
    assert!(html.contains(r#"name="next" value="/petitions/new?x=1""#));
    // The language switch returns to this page; the current language is marked.
    assert!(html.contains(r#"href="/lang/en?next=%2Fpetitions%2Fnew%3Fx%3D1""#));
    assert!(html.contains(r#"hreflang="ko" lang="ko" aria-current="true""#));
    // Menu: the citizen's entry, current; not the staff's.
    assert!(html.contains(r#"<a href="/petitions/new" aria-current="page">"#));
    assert!(!html.contains(r#"href="/staff""#));
    assert!(html.contains(r#"<a href="/terms">"#));
    // Text is escaped.
    assert!(html.contains("&lt;b&gt;소음&lt;/b&gt;"));
    assert!(!html.contains("<b>소음</b>"));
}

#[test]
fn a_visitor_gets_a_login_link_and_no_session_notice() {
    let html = render(&Actor::anonymous(), None, "en", false);
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Skip to main content"));
    assert!(html.contains(r#"href="/login?next=%2Fpetitions%2Fnew%3Fx%3D1">Log in</a>"#));
    assert!(!html.contains("egov-session"));
    assert!(
        !html.contains("/petitions/new\" aria-current"),
        "no menu for visitors"
    );
}

#[test]
fn fields_carry_labels_hints_required_marks_and_errors() {
    let html = render(&citizen(), Some(&session()), "ko", true);
    // Required: mark (hidden from screen readers, who get `required`) and attribute.
    assert!(html.contains(
        r#"<label for="title">제목<span class="egov-required" aria-hidden="true">*</span></label>"#
    ));
    assert!(html.contains(r#"required aria-required="true""#));
    // Hint and error both describe the field; the field is invalid.
    assert!(html.contains(r#"<p class="egov-hint" id="phone-hint">010-1234-5678 형식</p>"#));
    assert!(html.contains(r#"<p class="egov-field-error" id="phone-error">필수</p>"#));
    assert!(
        html.contains(r#"aria-describedby="phone-hint phone-error" aria-invalid="true""#),
        "{html}"
    );
    // A field with a hint and no error: described by the hint only, not invalid.
    assert!(
        html.contains(r#"<textarea id="body" name="body" rows="8" aria-describedby="body-hint">"#)
    );
    // The select keeps the choice and its placeholder.
    assert!(html.contains(r#"<option value="B" selected>나</option>"#));
    assert!(html.contains(r#"<option value="">선택하세요</option>"#));
    // The error summary takes the focus and links to the field; the title says so.
    assert!(
        html.contains(r#"class="egov-error-summary" id="error-summary" tabindex="-1" autofocus"#)
    );
    assert!(html.contains(r##"<a href="#phone">로그인: 필수</a>"##));
    assert!(html.contains("오류 1건이 있습니다."));
    assert!(html.contains("<title>[오류] 민원 신청"));
}

#[test]
fn tables_have_captions_and_column_headers() {
    let html = render(&citizen(), Some(&session()), "ko", false);
    assert!(html.contains("<caption>신청 목록</caption>"));
    assert!(html.contains(r#"<th scope="col">번호</th>"#));
    assert!(html.contains(
        r#"<div class="egov-table-wrap" role="region" aria-label="신청 목록" tabindex="0">"#
    ));
    assert!(html.contains(r#"<a href="/list?page=1">이전</a>"#));
    assert!(html.contains("3쪽 중 2쪽"));
    assert!(html.contains(r#"<a href="/list?page=3">다음</a>"#));
}

#[test]
fn a_problem_page_names_the_problem_in_the_visitors_language_and_nothing_of_the_session() {
    let pages = pages();
    let i18n = i18n();
    for locale in ["ko", "en"] {
        let problem = i18n.render_problem(&Problem::new(ProblemType::FORBIDDEN), locale);
        let html = pages
            .problem_page(&i18n, locale, &problem, Some("req-42"), "/staff")
            .unwrap();
        let html = unslash(&html);
        assert!(html.contains(&format!(r#"<html lang="{locale}">"#)));
        assert!(
            html.contains(&format!("<h1>{}</h1>", problem.title)),
            "{html}"
        );
        assert_eq!(
            problem.title,
            i18n.text(
                locale,
                &egov_core::message::Message::new("problem-forbidden")
            )
        );
        assert!(html.contains("req-42"));
        assert!(html.contains("403"));
        assert!(!html.contains("csrf"), "no session data on an error page");
    }
    let unauthenticated = i18n.render_problem(&Problem::new(ProblemType::UNAUTHENTICATED), "ko");
    let html = pages
        .problem_page(&i18n, "ko", &unauthenticated, None, "/staff")
        .unwrap();
    let html = unslash(&html);
    assert!(
        html.contains(r#"href="/login?next=%2Fstaff">로그인하기</a>"#),
        "{html}"
    );
}

#[test]
fn a_broken_template_fails_the_build_not_a_request() {
    let error = Pages::builder(PagesSettings::default())
        .template("broken.html", "{% if %}")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("broken.html"), "{error}");
}

#[test]
fn the_session_pages_render() {
    let pages = pages();
    let errors = egov_pages::FormErrors::new();
    for (template, session) in [
        ("egov/session_ended.html", None),
        ("egov/session_resumed.html", Some(session())),
    ] {
        let html = pages
            .render_html(
                &i18n(),
                "ko",
                &Actor::anonymous(),
                session.as_ref(),
                "/pages/form",
                template,
                context! {
                    title => "t", resume => "/auth/session/resume", action => "/pages/form",
                    draft => vec![context!{ name => "title", value => "소음" }], dropped => 1,
                    login_token => "tok", login_id => "", errors => errors.list(), field_errors => errors.by_field(),
                },
            )
            .unwrap_or_else(|e| panic!("{template}: {e:#}"));
        assert!(html.contains("소음"), "{html}");
    }
}

#[test]
fn the_official_banner_says_how_to_check_and_steps_mark_the_current_one() {
    let pages = Pages::builder(PagesSettings::default())
        .template(
            "steps.html",
            r#"{% extends "egov/layout.html" %}{% import "egov/forms.html" as forms %}{% block content %}{{ forms.steps(["작성", "확인", "완료"], 2) }}{% endblock %}"#,
        )
        .build()
        .unwrap();
    let html = pages
        .render_html(
            &i18n(),
            "ko",
            &Actor::anonymous(),
            None,
            "/",
            "steps.html",
            context! { title => "t" },
        )
        .unwrap();
    assert!(
        html.contains("<details><summary>이 누리집은 대한민국 공식 전자정부 누리집입니다."),
        "{html}"
    );
    assert!(html.contains("go.kr"));
    assert!(
        html.contains(r#"<li class="egov-step-done"><span class="egov-step-number">1</span> 작성"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<li aria-current="step"><span class="egov-step-number">2</span> 확인"#)
    );
    assert!(html.contains("(완료)"));
}
