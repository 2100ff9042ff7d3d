//! Masking, field encryption and blind-index costs.
//!
//! `cargo bench -p egov-privacy --bench privacy -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use egov_privacy::{BlindIndex, FieldCipher, PrivacySettings, mask};

const RRN: &str = "9001011234568";

fn masking(c: &mut Criterion) {
    c.bench_function("mask/resident_number", |b| {
        b.iter(|| mask::resident_number(black_box("900101-1234568")))
    });
    c.bench_function("mask/phone", |b| {
        b.iter(|| mask::phone(black_box("010-1234-5678")))
    });
    c.bench_function("mask/email", |b| {
        b.iter(|| mask::email(black_box("hong.gildong@example.com")))
    });
}

fn storage(c: &mut Criterion) {
    let settings = PrivacySettings::default();
    let cipher = FieldCipher::from_settings(&settings).expect("default settings are valid");
    let index = BlindIndex::from_settings(&settings).expect("default settings are valid");
    let stored = cipher.encrypt(RRN).expect("encryption works");

    c.bench_function("cipher/encrypt_13_digits", |b| {
        b.iter(|| cipher.encrypt(black_box(RRN)))
    });
    c.bench_function("cipher/decrypt_13_digits", |b| {
        b.iter(|| cipher.decrypt(black_box(&stored)))
    });
    c.bench_function("blind_index/compute_13_digits", |b| {
        b.iter(|| index.compute(black_box(RRN)))
    });
}

criterion_group!(benches, masking, storage);
criterion_main!(benches);
