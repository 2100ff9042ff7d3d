//! A named check with its problems, and the PASS/FAIL report both `tidy` and
//! `i18n-check` print.

/// One check's outcome.
#[derive(Debug)]
pub(crate) struct Check {
    /// Short name, e.g. `layers`.
    pub(crate) name: &'static str,
    /// What it verifies, in one line.
    pub(crate) what: &'static str,
    /// One line per problem found (empty: passed).
    pub(crate) problems: Vec<String>,
}

/// Prints `PASS`/`FAIL` per check with its problems; returns the failed names.
pub(crate) fn print_report(checks: &[Check]) -> Vec<&'static str> {
    let mut failed = Vec::new();
    for check in checks {
        if check.problems.is_empty() {
            println!("PASS  {}: {}", check.name, check.what);
        } else {
            println!("FAIL  {}: {}", check.name, check.what);
            for problem in &check.problems {
                println!("        - {problem}");
            }
            failed.push(check.name);
        }
    }
    failed
}
