//! Declares `cfg(fuzzing)`, which `cargo fuzz` sets, to rustc's cfg check.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}
