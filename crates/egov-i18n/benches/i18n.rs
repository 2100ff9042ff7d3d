//! Benchmarks of the per-request work: locale negotiation, message formatting
//! and JOSA. Figures are recorded in the crate docs ("Performance").

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use egov_core::message::{FluentResources, Message};
use egov_i18n::{I18n, LocaleHints, josa};

static BENCH: FluentResources = FluentResources {
    component: "bench",
    files: &[
        (
            "ko",
            "greeting = 안녕하세요, { $name }님.\n\
             applied = { JOSA($name, \"이/가\") } 신청했습니다.\n",
        ),
        (
            "en",
            "greeting = Hello, { $name }.\n\
             applied = { $name } applied.\n",
        ),
    ],
};

fn benches(c: &mut Criterion) {
    let i18n = I18n::builder()
        .resources(&egov_core::MESSAGES)
        .resources(&BENCH)
        .build()
        .expect("the benchmark resources are valid");

    let header = LocaleHints::accept_language("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7");
    c.bench_function("negotiate typical Accept-Language", |b| {
        b.iter(|| i18n.negotiator().negotiate(black_box(&header)).clone());
    });

    let greeting = Message::new("greeting").arg("name", "홍길동");
    c.bench_function("format message with one argument", |b| {
        b.iter(|| i18n.text(black_box("ko"), black_box(&greeting)));
    });

    let applied = Message::new("applied").arg("name", "홍길동");
    c.bench_function("format message with JOSA", |b| {
        b.iter(|| i18n.text(black_box("ko"), black_box(&applied)));
    });

    c.bench_function("josa::attach on a word", |b| {
        b.iter(|| josa::attach(black_box("홍길동"), black_box("을/를")));
    });
}

criterion_group!(i18n_benches, benches);
criterion_main!(i18n_benches);
