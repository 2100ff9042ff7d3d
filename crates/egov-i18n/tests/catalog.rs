//! Behaviour of the Fluent catalog: building, overriding, fallback, formatting,
//! logging of missing messages, problems.

use std::sync::{Arc, Mutex};

use egov_core::message::{FluentResources, Message, MessageCatalog, format_with_fallback};
use egov_core::problem::{FieldError, Problem, ProblemType};
use egov_i18n::{BuildError, I18n, I18nSettings, LocaleHints};

static FRAMEWORK: FluentResources = FluentResources {
    component: "framework",
    files: &[
        (
            "ko",
            "hello = 안녕하세요, { $name }님\n\
             shared = 프레임워크\n\
             only-ko = 한국어만\n\
             items = 항목 { $count }개\n\
             subject = { JOSA($name, \"이/가\") } 신청했습니다.\n\
             amount = { JOSA($count, \"을/를\") } 받았습니다.\n\
             move = { JOSA($place, pair: \"으로/로\") } 이동\n\
             no-pair = { JOSA($name) }!\n\
             form = 신청서\n    .title = 신청서 제목\n\
             -agency = 행정안전부\n\
             about = { -agency } 안내\n\
             broken-ref = { -nonexistent } 안내\n",
        ),
        (
            "en",
            "hello = Hello, { $name }\n\
             shared = framework\n\
             items = { $count ->\n    [one] one item\n   *[other] { $count } items\n}\n\
             plural-number = { NUMBER($count) ->\n    [one] one file\n   *[other] { $count } files\n}\n\
             subject = { $name } applied.\n\
             amount = Received { $count }.\n\
             move = Move to { $place }\n\
             no-pair = { $name }!\n\
             form = Application\n    .title = Application title\n\
             -agency = Ministry of the Interior and Safety\n\
             about = About { -agency }\n\
             broken-ref = About { -nonexistent }\n",
        ),
    ],
};

static APP: FluentResources = FluentResources {
    component: "app",
    files: &[
        ("ko", "shared = 애플리케이션\n"),
        ("en", "shared = application\n"),
    ],
};

fn i18n() -> I18n {
    I18n::builder()
        .resources(&FRAMEWORK)
        .resources(&APP)
        .build()
        .unwrap()
}

/// Collects the fields of WARN events.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl Warnings {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}

impl tracing::Subscriber for Warnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::WARN {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            self.0.lock().unwrap().push(fields.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn formats_typed_arguments_without_isolation_marks() {
    let i18n = i18n();
    let hello = Message::new("hello").arg("name", "홍길동");
    assert_eq!(i18n.text("ko", &hello), "안녕하세요, 홍길동님");
    assert_eq!(i18n.text("en", &hello), "Hello, 홍길동");
    assert!(!i18n.text("en", &hello).contains(['\u{2068}', '\u{2069}']));
    let items = |n: i64| Message::new("items").arg("count", n);
    assert_eq!(i18n.text("en", &items(1)), "one item");
    assert_eq!(i18n.text("en", &items(3)), "3 items");
    assert_eq!(i18n.text("ko", &items(3)), "항목 3개");
    let files = Message::new("plural-number").arg("count", 1);
    assert_eq!(i18n.text("en", &files), "one file");
    let float = Message::new("items").arg("count", 2.5);
    assert_eq!(i18n.text("en", &float), "2.5 items");
    let huge = Message::new("items").arg("count", i64::MAX);
    assert_eq!(i18n.text("ko", &huge), format!("항목 {}개", i64::MAX));
}

#[test]
fn josa_agrees_with_text_and_number_arguments() {
    let i18n = i18n();
    let subject = |name: &str| i18n.text("ko", &Message::new("subject").arg("name", name));
    assert_eq!(subject("홍길동"), "홍길동이 신청했습니다.");
    assert_eq!(subject("김구"), "김구가 신청했습니다.");
    assert_eq!(subject("Lee"), "Lee가 신청했습니다.");
    let amount = |n: i64| i18n.text("ko", &Message::new("amount").arg("count", n));
    assert_eq!(amount(3), "3을 받았습니다.");
    assert_eq!(amount(2), "2를 받았습니다.");
    assert_eq!(amount(10), "10을 받았습니다.");
    let place = |p: &str| i18n.text("ko", &Message::new("move").arg("place", p));
    assert_eq!(place("서울"), "서울로 이동");
    assert_eq!(place("부산"), "부산으로 이동");
    // Without a pair: the noun alone.
    assert_eq!(
        i18n.text("ko", &Message::new("no-pair").arg("name", "홍길동")),
        "홍길동!"
    );
}

#[test]
fn later_resources_override_earlier_ones() {
    let i18n = i18n();
    assert_eq!(i18n.text("ko", &Message::new("shared")), "애플리케이션");
    assert_eq!(i18n.text("en", &Message::new("shared")), "application");
    // Order matters: the framework added last wins.
    let reversed = I18n::builder()
        .resources(&APP)
        .resources(&FRAMEWORK)
        .build()
        .unwrap();
    assert_eq!(reversed.text("ko", &Message::new("shared")), "프레임워크");
}

#[test]
fn terms_attributes_and_exact_lookup() {
    let i18n = i18n();
    assert_eq!(i18n.text("ko", &Message::new("about")), "행정안전부 안내");
    assert_eq!(i18n.text("ko", &Message::new("form.title")), "신청서 제목");
    assert_eq!(
        i18n.text("en", &Message::new("form.title")),
        "Application title"
    );
    assert_eq!(i18n.text("en", &Message::new("form.nope")), "form.nope");
    assert!(i18n.has_message("ko", "form.title"));
    assert!(!i18n.has_message("ko", "form.nope"));
    assert!(!i18n.has_message("ko", "-agency"));
    assert!(!i18n.has_message("en", "only-ko"));
    assert!(i18n.has_message("ko-KR", "only-ko"));
    assert_eq!(i18n.try_text("en", &Message::new("only-ko")), None);
    assert_eq!(
        i18n.try_text("ko-KR", &Message::new("only-ko")).as_deref(),
        Some("한국어만")
    );
    assert_eq!(i18n.try_text("fr", &Message::new("shared")), None);
}

#[test]
fn missing_messages_fall_back_along_the_chain_then_to_the_key() {
    let i18n = i18n();
    assert_eq!(i18n.text("en", &Message::new("only-ko")), "한국어만");
    assert_eq!(i18n.text("en", &Message::new("nowhere")), "nowhere");
    // An unsupported locale uses the fallback chain.
    assert_eq!(i18n.text("fr", &Message::new("shared")), "애플리케이션");
    let chain: Vec<&str> = i18n
        .fallback_chain("en")
        .iter()
        .map(|l| l.as_str())
        .collect();
    assert_eq!(chain, ["en", "ko"]);
    let chain: Vec<&str> = i18n
        .fallback_chain("ko")
        .iter()
        .map(|l| l.as_str())
        .collect();
    assert_eq!(chain, ["ko", "en"]);
    // An English-first chain.
    let english_first = I18n::builder()
        .settings(I18nSettings {
            fallback: vec!["en".into()],
            ..I18nSettings::default()
        })
        .resources(&FRAMEWORK)
        .build()
        .unwrap();
    let chain: Vec<&str> = english_first
        .fallback_chain("ko")
        .iter()
        .map(|l| l.as_str())
        .collect();
    assert_eq!(chain, ["ko", "en"]);
    assert_eq!(
        english_first.text("fr", &Message::new("shared")),
        "framework"
    );
    // No fallback at all: straight to the key.
    let no_fallback = I18n::builder()
        .settings(I18nSettings {
            fallback: vec![],
            ..I18nSettings::default()
        })
        .resources(&FRAMEWORK)
        .build()
        .unwrap();
    assert_eq!(no_fallback.text("en", &Message::new("only-ko")), "only-ko");
}

#[test]
fn missing_messages_and_format_errors_are_logged_once() {
    let warnings = Warnings::default();
    let i18n = i18n();
    tracing::subscriber::with_default(warnings.clone(), || {
        for _ in 0..3 {
            assert_eq!(i18n.text("en", &Message::new("only-ko")), "한국어만");
        }
        let logged = warnings.take();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert!(logged[0].contains("locale=en") && logged[0].contains("key=only-ko"));

        // The key itself, after one warning per locale of the chain.
        for _ in 0..2 {
            assert_eq!(i18n.text("ko", &Message::new("nowhere")), "nowhere");
        }
        assert_eq!(warnings.take().len(), 2);

        // A missing argument: degraded text, one warning.
        for _ in 0..2 {
            assert_eq!(i18n.text("en", &Message::new("hello")), "Hello, {$name}");
        }
        let logged = warnings.take();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert!(logged[0].contains("name"), "{logged:?}");

        // A reference to an unknown term: degraded text, one warning.
        assert_eq!(
            i18n.text("ko", &Message::new("broken-ref")),
            "{-nonexistent} 안내"
        );
        assert_eq!(warnings.take().len(), 1);

        // JOSA with its noun missing: the combined particle.
        assert_eq!(
            i18n.text("ko", &Message::new("subject")),
            "이(가) 신청했습니다."
        );
        assert_eq!(warnings.take().len(), 1);
    });
}

#[test]
fn syntax_errors_name_component_locale_and_line() {
    let error = I18n::builder()
        .resources(&FRAMEWORK)
        .source(
            "my-agency",
            "en",
            "ok = fine\n\nbroken = { $x\nalso-ok = yes\n",
        )
        .build()
        .unwrap_err();
    match &error {
        BuildError::Syntax {
            component,
            locale,
            line,
            ..
        } => {
            assert_eq!(
                (component.as_str(), locale.as_str(), *line),
                ("my-agency", "en", 3)
            );
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let text = error.to_string();
    assert!(text.contains("my-agency") && text.contains("`en`") && text.contains("line 3"));

    // Junk at the start of a later line.
    let error = I18n::builder()
        .source("c", "ko", "a = 1\nb = 2\n!!! = 3\n")
        .source("c", "en", "a = 1\n")
        .build()
        .unwrap_err();
    assert!(
        matches!(error, BuildError::Syntax { line: 3, .. }),
        "{error}"
    );

    // Errors in files of unsupported locales are errors too.
    let error = I18n::builder()
        .resources(&FRAMEWORK)
        .source("c", "ja", "a = {\n")
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::Syntax { .. }), "{error}");
}

#[test]
fn other_build_errors() {
    let no_english = I18n::builder()
        .source("c", "ko", "a = 1\n")
        .build()
        .unwrap_err();
    assert_eq!(
        no_english,
        BuildError::NoMessages {
            locale: "en".into()
        }
    );
    let bad_label = I18n::builder()
        .resources(&FRAMEWORK)
        .source("c", "not a locale", "a = 1\n")
        .build()
        .unwrap_err();
    assert!(
        matches!(bad_label, BuildError::ResourceLocale { .. }),
        "{bad_label}"
    );
    let bad_fallback = I18n::builder()
        .settings(I18nSettings {
            fallback: vec!["fr".into()],
            ..I18nSettings::default()
        })
        .resources(&FRAMEWORK)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            bad_fallback,
            BuildError::Settings {
                key: "fallback",
                ..
            }
        ),
        "{bad_fallback}"
    );
    let bad_default = I18n::builder()
        .settings(I18nSettings {
            default_locale: "de".into(),
            ..I18nSettings::default()
        })
        .resources(&FRAMEWORK)
        .build()
        .unwrap_err();
    assert!(
        bad_default.to_string().contains("i18n.default_locale"),
        "{bad_default}"
    );
    // Files for locales that are not supported are simply left out.
    let with_japanese = I18n::builder()
        .resources(&FRAMEWORK)
        .source("c", "ja", "shared = 日本語\n")
        .build()
        .unwrap();
    assert!(!with_japanese.supports("ja"));
    // Tags in files are matched case-insensitively.
    let upper = I18n::builder()
        .source("c", "KO", "a = 가\n")
        .source("c", "en_us", "a = A\n")
        .settings(I18nSettings {
            supported: vec!["ko".into(), "en-US".into()],
            fallback: vec!["ko".into()],
            ..I18nSettings::default()
        })
        .build()
        .unwrap();
    assert_eq!(upper.text("en", &Message::new("a")), "A");
}

#[test]
fn is_a_message_catalog_for_problems() {
    let i18n = I18n::builder()
        .resources(&egov_core::MESSAGES)
        .resources(&egov_i18n::MESSAGES)
        .build()
        .unwrap();
    assert!(i18n.supports("ko") && i18n.supports("en") && i18n.supports("en-US"));
    assert!(!i18n.supports("fr"));
    let problem = Problem::new(ProblemType::PAYLOAD_TOO_LARGE)
        .with_detail(Message::new("problem-payload-too-large-detail").arg("limit", 1024))
        .with_field_error(FieldError::new(
            "/name",
            "length",
            Message::new("field-length").arg("min", 1).arg("max", 50),
        ));
    let ko = i18n.render_problem(&problem, "ko");
    assert_eq!(ko.title, "요청 본문이 너무 큽니다");
    assert_eq!(
        ko.detail.as_deref(),
        Some("요청 본문은 최대 1024바이트까지 보낼 수 있습니다.")
    );
    assert_eq!(
        ko.errors[0].message,
        "1자 이상 50자 이하로 입력해 주십시오."
    );
    let en = i18n.render_problem(&problem, "en");
    assert_eq!(en.title, "Request body too large");
    assert_eq!(en.status, 413);
    // An unknown locale renders in the fallback chain's first locale.
    assert_eq!(i18n.render_problem(&problem, "fr").title, ko.title);
    // Through egov-core's generic fallback too.
    let catalogs: [&dyn MessageCatalog; 1] = [&i18n];
    assert_eq!(
        format_with_fallback(&catalogs, "en", &["ko"], &Message::new("problem-not-found")),
        "Not found"
    );
    assert_eq!(i18n.language_name("ko"), "한국어");
    assert_eq!(i18n.language_name("en"), "English");
    assert_eq!(i18n.language_name("fr"), "fr");
}

#[test]
fn negotiation_uses_the_settings() {
    let i18n = I18n::builder()
        .settings(I18nSettings {
            default_locale: "en".into(),
            ..I18nSettings::default()
        })
        .resources(&FRAMEWORK)
        .build()
        .unwrap();
    assert_eq!(i18n.default_locale(), "en");
    assert_eq!(i18n.negotiate(&LocaleHints::default()), "en");
    assert_eq!(i18n.negotiate(&LocaleHints::accept_language("ko-KR")), "ko");
    assert_eq!(i18n.negotiate(&LocaleHints::accept_language("*")), "en");
}

#[test]
fn catalog_is_shared_across_threads() {
    let i18n = i18n();
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let i18n = i18n.clone();
            std::thread::spawn(move || i18n.text("ko", &Message::new("items").arg("count", n)))
        })
        .collect();
    let texts: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(texts, ["항목 0개", "항목 1개", "항목 2개", "항목 3개"]);
}

proptest::proptest! {
    #[test]
    fn arbitrary_ftl_never_panics(source in "(.|\n){0,200}") {
        let result = I18n::builder()
            .source("fuzz", "ko", source.clone())
            .source("fuzz", "en", source)
            .build();
        if let Ok(i18n) = result {
            let _ = i18n.text("ko", &Message::new("a").arg("x", 1));
        }
    }

    #[test]
    fn arbitrary_keys_and_locales_never_panic(key in ".{0,30}", locale in ".{0,20}") {
        let i18n = i18n();
        let text = i18n.text(&locale, &Message::new(key.clone()));
        proptest::prop_assert!(!text.is_empty() || key.is_empty());
    }
}
