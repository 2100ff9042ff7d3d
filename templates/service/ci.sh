#!/usr/bin/env bash
# The checks CI runs: formatting, lints as errors, every test, the conformance
# rules (the service's own `check` command).
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
cargo run --quiet -- check
