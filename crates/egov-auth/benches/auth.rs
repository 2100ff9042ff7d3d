//! JWT verification and Argon2 login cost (`cargo bench -p egov-auth`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use egov_auth::keys::Keyring;
use egov_auth::password::{Hasher, NormalizedPassword};
use egov_auth::{Argon2Settings, AuthSettings};
use egov_core::id::AccountId;

fn jwt(c: &mut Criterion) {
    let ring = Keyring::from_settings(&AuthSettings::default()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    // A token's first use: header, key, signature and claims (each token new,
    // issued outside the timing).
    c.bench_function("jwt_verify_eddsa", |b| {
        b.iter_batched(
            || ring.issue(AccountId::new(), "session", now).unwrap().0,
            |token| ring.verify(black_box(&token), now).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    // Every later use of the same token: the keyring remembers verified tokens.
    let (token, _) = ring.issue(AccountId::new(), "session", now).unwrap();
    c.bench_function("jwt_verify_eddsa_remembered", |b| {
        b.iter(|| ring.verify(black_box(&token), now).unwrap())
    });
    c.bench_function("jwt_issue_eddsa", |b| {
        b.iter(|| ring.issue(AccountId::new(), "session", now).unwrap())
    });
}

fn argon(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hasher = Hasher::new(Argon2Settings::FLOOR, 1).unwrap();
    let password = NormalizedPassword::new("correct horse battery staple").unwrap();
    let hash = runtime.block_on(hasher.hash(&password)).unwrap();
    let mut group = c.benchmark_group("argon2id_floor");
    group.sample_size(20);
    group.bench_function("verify", |b| {
        b.iter(|| {
            runtime
                .block_on(hasher.verify(&password, "x", "kim", Some(&hash)))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, jwt, argon);
criterion_main!(benches);
