#!/usr/bin/env bash
# The checks CI runs: formatting, lints as errors, every test, and the
# conformance rules (the service's own `check` command).
#
# The crate and the framework are compiled once: clippy runs as the compiler of
# the test build (RUSTC_WORKSPACE_WRAPPER, as `cargo clippy` itself does), so
# the dependencies are built once for the tests instead of also being checked
# for clippy; `cargo run -- check` then reuses that build.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --check
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)"
export RUSTC_WORKSPACE_WRAPPER
# `-D warnings` for clippy-driver, in the form `cargo clippy -- -D warnings` passes it.
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
if [ -n "${EGOV_TEST_POSTGRES_URL:-}" ] || [ "${CI:-}" = "true" ]; then
    # With CI=true and no URL the PostgreSQL variants fail loudly, as they should.
    cargo test
else
    cargo test -- --skip ::postgres
    echo "SKIPPED: the PostgreSQL variant of each database test (set EGOV_TEST_POSTGRES_URL to run them)"
fi
cargo run --quiet -- check
