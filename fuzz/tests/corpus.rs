//! Replays the committed corpus of every fuzz target (`fuzz/corpus/<target>/`,
//! hand-written seeds and every crash the fuzzer ever found) through the
//! target: no input may panic or break the target's invariants.

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

#[test]
fn every_corpus_input_passes_its_target() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (name, target) in egov_fuzz::TARGETS {
        let files = egov_fuzz::inputs(&corpus(name))
            .unwrap_or_else(|e| panic!("{name}: no corpus at {}: {e}", corpus(name).display()));
        assert!(
            files.len() >= 5,
            "{name}: the corpus has only {} inputs",
            files.len()
        );
        for file in files {
            let data = std::fs::read(&file).unwrap();
            replayed += 1;
            if let Err(panic) = std::panic::catch_unwind(|| target(&data)) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures.push(format!("{name} {}: {message}", file.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_target_has_a_binary_and_a_corpus() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for (name, _) in egov_fuzz::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{name}: no [[bin]] in fuzz/Cargo.toml"
        );
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("fuzz_targets/{name}.rs"))
                .is_file()
        );
        assert!(corpus(name).is_dir(), "{name}: no corpus directory");
    }
    let sources = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz_targets"))
        .unwrap()
        .count();
    assert_eq!(
        sources,
        egov_fuzz::TARGETS.len(),
        "a fuzz_targets/ file is not in egov_fuzz::TARGETS"
    );
}
