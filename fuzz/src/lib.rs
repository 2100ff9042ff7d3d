//! # egov-fuzz
//!
//! Fuzz targets for every parser and validator of egov-rs that an attacker
//! reaches with bytes of their choice. Each target is a function
//! `fn(&[u8])` here, so that three things share it:
//!
//! - the libFuzzer binaries in `fuzz_targets/` (`cargo xtask fuzz`, which runs
//!   `cargo fuzz run`: coverage-guided, with AddressSanitizer);
//! - the same binaries built normally (`cargo run -p egov-fuzz --bin <target>
//!   -- <files or directories>`), which replay inputs, e.g. a crash found by
//!   the fuzzer, with an ordinary debugger-friendly build;
//! - `tests/corpus.rs`, which replays the committed corpus
//!   `fuzz/corpus/<target>/` in every `cargo xtask ci`.
//!
//! A target fails by panicking: on any panic of the code under test, and on
//! any broken invariant, which it asserts. The targets and what they assert:
//!
//! | target | reaches | asserts beyond "no panic" |
//! |---|---|---|
//! | [`korean_id`] | `egov_validation::korean` parsers and `validator` rules | rule ⇔ parse; the canonical form parses to itself; masking hides it |
//! | [`web_extract`] | egov-web's whole stack over `Valid<Json/Query/Form/Path<T>>`, `Accept-Language` | never a 5xx; every 4xx is `application/problem+json` with a matching `status` and a `urn:egov:problem:` type |
//! | [`locale`] | egov-i18n negotiation, Fluent formatting with user arguments, Korean particles | the locale is a supported one; a matched tag matches itself; a particle is attached after the noun |
//! | [`sql_dump`] | `egov_db::dump::parse_inserts`, `egov_codes::egovframe::from_dump` | line numbers within the input; every row of a statement has its column count |
//! | [`codes_import`] | `egov_codes::transfer::{parse_json, parse_csv}`, `egov_codes::egovframe::from_csv` | issue and record line numbers within the input |
//! | [`token`] | `egov_auth::keys::Keyring::verify` on arbitrary bytes, and on tokens with attacker-chosen header and claims but a valid signature | an accepted token has the issuer, audience and lifetime the keyring demands |
//! | [`auth_headers`] | egov-web's stack with egov-auth in cookie mode: `Authorization`, `Cookie`, `Accept`, `Content-Type`, `X-CSRF-Token`, form bodies (CSRF field), page-session renewal from the refresh cookie | never a 5xx; no handler that needs an account is reached without real credentials; no cookie-authenticated write without the CSRF token; only the three session cookies are set, with their attributes |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod codes;
mod korean;
mod locale;
mod sql;
mod token;
mod web;

pub use auth::auth_headers;
pub use codes::codes_import;
pub use korean::korean_id;
pub use locale::locale;
pub use sql::sql_dump;
pub use token::token;
pub use web::web_extract;

use std::path::{Path, PathBuf};

/// A fuzz target: panics when it finds a problem.
pub type Target = fn(&[u8]);

/// Every target, by the name of its binary and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("korean_id", korean_id),
    ("web_extract", web_extract),
    ("locale", locale),
    ("sql_dump", sql_dump),
    ("codes_import", codes_import),
    ("token", token),
    ("auth_headers", auth_headers),
];

/// `data` as text the way the parsers under test receive it: valid UTF-8 as
/// is, anything else with replacement characters (the HTTP layer and file
/// readers in front of them do the same, or refuse).
pub(crate) fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The number of lines of `text` (a final line without a newline counts).
pub(crate) fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// The files under `path` (itself, if it is a file), sorted.
pub fn inputs(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?.path();
        if entry.is_file() {
            files.push(entry);
        }
    }
    files.sort();
    Ok(files)
}

/// The `main` of a target binary built without libFuzzer: runs `target` on
/// every file named on the command line (directories: every file in them),
/// printing each name first so that a panic names its input.
pub fn replay_main(target: Target) {
    let mut count = 0;
    for argument in std::env::args_os().skip(1) {
        let files = inputs(Path::new(&argument)).unwrap_or_else(|error| {
            panic!("cannot read {}: {error}", Path::new(&argument).display())
        });
        for file in files {
            eprintln!("{}", file.display());
            let data = std::fs::read(&file)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
            target(&data);
            count += 1;
        }
    }
    eprintln!("replayed {count} inputs");
}
