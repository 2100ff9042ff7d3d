//! How fast the chain is recomputed in memory (the CPU side of `verify`):
//! canonical encoding plus SHA-256 per event.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use egov_audit::chain::{GENESIS, StoredEvent};

fn event(seq: u64) -> StoredEvent {
    StoredEvent {
        chain_id: "main".into(),
        seq,
        id: "0192f0e4-1c2d-7e3f-8a4b-5c6d7e8f9a0b".into(),
        occurred_at: time::macros::datetime!(2026-11-27 07:25:08.123456 UTC),
        principal_kind: "account".into(),
        principal_id: Some("0192f0e4-0000-7000-8000-000000000001".into()),
        roles: vec!["staff".into()],
        client_ip: Some("203.0.113.7".into()),
        request_id: Some("0192f0e4-1c2d-7e3f-8a4b-5c6d7e8f9a0c".into()),
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
        action: "view".into(),
        target_type: Some("route".into()),
        target_id: Some("/api/petitions/{id}".into()),
        subjects: vec![format!("bi:{}", "ab".repeat(32))],
        outcome: "success".into(),
        reason_code: None,
        reason: None,
        detail: r#"{"method":"GET","route":"/api/petitions/{id}","status":200}"#.into(),
        prev_hash: GENESIS,
        hash: GENESIS,
    }
}

fn chain(c: &mut Criterion) {
    let events: Vec<StoredEvent> = (1..=10_000).map(event).collect();
    let mut group = c.benchmark_group("chain");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("recompute 10k events", |b| {
        b.iter(|| {
            let mut prev = GENESIS;
            for e in &events {
                prev = e.compute_hash(&prev);
            }
            prev
        })
    });
    group.finish();
}

criterion_group!(benches, chain);
criterion_main!(benches);
