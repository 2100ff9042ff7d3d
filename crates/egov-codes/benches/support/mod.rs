//! Synthetic code tables for the benchmarks.
#![allow(dead_code, unreachable_pub)]

use egov_codes::{Code, CodeGroup, Labels, Snapshot, Stamp};

fn stamp() -> Stamp {
    Stamp {
        version: 1,
        created_at: "2026-01-01T00:00:00.000000Z".into(),
        created_by: "bench".into(),
        updated_at: "2026-01-01T00:00:00.000000Z".into(),
        updated_by: "bench".into(),
    }
}

/// `groups` groups `G0000…` of `per_group` codes `C00000…`, labels in ko and en.
pub fn rows(groups: usize, per_group: usize) -> (Vec<CodeGroup>, Vec<Code>) {
    let mut gs = Vec::new();
    let mut cs = Vec::new();
    for g in 0..groups {
        let id = format!("G{g:04}");
        gs.push(CodeGroup {
            id: id.clone(),
            category: None,
            labels: Labels::from([
                ("ko".into(), format!("그룹 {g}")),
                ("en".into(), format!("Group {g}")),
            ]),
            description: None,
            custodian: None,
            active: true,
            stamp: stamp(),
        });
        for c in 0..per_group {
            cs.push(Code {
                group: id.clone(),
                code: format!("C{c:05}"),
                labels: Labels::from([
                    ("ko".into(), format!("코드 {c}")),
                    ("en".into(), format!("Code {c}")),
                ]),
                description: None,
                sort_order: i64::try_from(per_group - c).unwrap_or(0),
                parent: None,
                valid_from: None,
                valid_to: None,
                active: c % 10 != 9,
                attributes: Default::default(),
                stamp: stamp(),
            });
        }
    }
    (gs, cs)
}

pub fn snapshot(version: i64, groups: usize, per_group: usize) -> Snapshot {
    let (gs, cs) = rows(groups, per_group);
    Snapshot::build(version, vec![], gs, cs)
}
