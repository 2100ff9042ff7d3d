//! Pins the canonical encoding (version 1) and the chain hash: if this test
//! fails, stored chains written by earlier releases would no longer verify.

use egov_audit::chain::{GENESIS, StoredEvent, from_hex, to_hex};

fn sample() -> StoredEvent {
    StoredEvent {
        chain_id: "main".into(),
        seq: 1,
        id: "0192f0e4-1c2d-7e3f-8a4b-5c6d7e8f9a0b".into(),
        occurred_at: time::macros::datetime!(2026-11-27 07:25:08.123456 UTC),
        principal_kind: "account".into(),
        principal_id: Some("0192f0e4-0000-7000-8000-000000000001".into()),
        roles: vec!["reviewer".into(), "staff".into()],
        client_ip: Some("203.0.113.7".into()),
        request_id: Some("req-1".into()),
        trace_id: None,
        action: "download".into(),
        target_type: Some("petition".into()),
        target_id: Some("P-2026-0001".into()),
        subjects: vec![format!("bi:{}", "ab".repeat(32))],
        outcome: "success".into(),
        reason_code: None,
        reason: Some("민원 처리 결과 통지".into()),
        detail: r#"{"format":"csv","rows":1}"#.into(),
        prev_hash: GENESIS,
        hash: GENESIS,
    }
}

fn vector(name: &str) -> String {
    let text = include_str!("vectors/event-v1.txt");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} missing from the vector file"))
        .to_owned()
}

#[test]
fn canonical_encoding_and_hash_match_the_pinned_vector() {
    let event = sample();
    assert_eq!(to_hex(&event.canonical()), vector("canonical"));
    let hash = event.compute_hash(&GENESIS);
    assert_eq!(to_hex(&hash), vector("hash"));
    // The next event hashes onto this one.
    let mut second = sample();
    second.seq = 2;
    assert_eq!(to_hex(&second.compute_hash(&hash)), vector("hash2"));
    assert_eq!(from_hex(&vector("hash")), Some(hash));
}
