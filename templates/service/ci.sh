#!/usr/bin/env bash
# The checks CI runs: formatting, lints as errors, every test.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
