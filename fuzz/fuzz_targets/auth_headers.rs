//! The `auth_headers` fuzz target: libFuzzer under `cargo fuzz` (`cargo xtask fuzz
//! auth_headers`); otherwise replays the files or directories given as arguments.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| egov_fuzz::auth_headers(data));

#[cfg(not(fuzzing))]
fn main() {
    egov_fuzz::replay_main(egov_fuzz::auth_headers);
}
