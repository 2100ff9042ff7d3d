//! Parsing and validating Korean identifiers, and a JSON body end to end.
//!
//! `cargo bench -p egov-validation --bench validation -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use egov_validation::korean::{self, BusinessNumber, PhoneNumber, ResidentNumber};
use serde::Deserialize;
use time::macros::date;
use validator::Validate;

fn identifiers(c: &mut Criterion) {
    c.bench_function("resident_number/parse", |b| {
        b.iter(|| black_box("900101-1234568").parse::<ResidentNumber>())
    });
    c.bench_function("resident_number/parse_at", |b| {
        b.iter(|| ResidentNumber::parse_at(black_box("9001011234568"), date!(2026 - 01 - 01)))
    });
    c.bench_function("resident_number/rule", |b| {
        b.iter(|| korean::resident_number(black_box("900101-1234568")))
    });
    c.bench_function("business_number/parse", |b| {
        b.iter(|| black_box("124-81-00998").parse::<BusinessNumber>())
    });
    c.bench_function("business_number/rule", |b| {
        b.iter(|| korean::business_number(black_box("1248100998")))
    });
    c.bench_function("phone_number/parse", |b| {
        b.iter(|| black_box("010-1234-5678").parse::<PhoneNumber>())
    });
    c.bench_function("phone_number/parse_international", |b| {
        b.iter(|| black_box("+82 10 1234 5678").parse::<PhoneNumber>())
    });
    c.bench_function("phone_number/rule", |b| {
        b.iter(|| korean::phone_number(black_box("01012345678")))
    });
    let phone: PhoneNumber = "010-1234-5678".parse().expect("valid");
    c.bench_function("phone_number/display_masked", |b| {
        b.iter(|| black_box(&phone).to_string())
    });
}

#[derive(Deserialize, Validate)]
#[allow(dead_code)]
struct Application {
    #[validate(length(min = 1, max = 50))]
    title: String,
    #[validate(custom(function = "egov_validation::korean::phone_number"))]
    phone: String,
    business_number: BusinessNumber,
}

fn json(c: &mut Criterion) {
    let body =
        r#"{"title":"도로 보수 요청","phone":"010-1234-5678","business_number":"124-81-00998"}"#
            .as_bytes();
    c.bench_function("json/from_json_slice_valid", |b| {
        b.iter(|| egov_validation::problem::from_json_slice::<Application>(black_box(body)))
    });
    let invalid = br#"{"title":"","phone":"010-12","business_number":"124-81-00998"}"#;
    c.bench_function("json/from_json_slice_422", |b| {
        b.iter(|| egov_validation::problem::from_json_slice::<Application>(black_box(invalid)))
    });
}

criterion_group!(benches, identifiers, json);
criterion_main!(benches);
