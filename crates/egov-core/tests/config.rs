//! Configuration layering, errors and secrets, as an application sees them.

use std::fs;

use egov_core::config::{Config, ConfigError, ConfigSection, DEV_SECRET_MARKER, Profile, Secret};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Server {
    host: String,
    port: u16,
    request_timeout_secs: u64,
}

impl ConfigSection for Server {
    const KEY: &'static str = "server";
    const DEFAULTS: &'static str = r#"
host = "127.0.0.1"
port = 8080
request_timeout_secs = 30
"#;
}

#[derive(Debug, Deserialize)]
struct Signing {
    key: Secret,
}

impl ConfigSection for Signing {
    const KEY: &'static str = "signing";
    const DEFAULTS: &'static str = r#"key = "insecure-dev-secret:signing-key-for-laptops-only""#;
}

/// Loads the dev profile from `dir` with an empty environment.
fn load_dev(dir: &std::path::Path) -> Result<Config, ConfigError> {
    Config::builder()
        .profile(Profile::Dev)
        .dir(dir)
        .env(Vec::<(String, String)>::new())
        .load()
}

fn config_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn precedence_is_defaults_then_files_then_env() {
    let dir = config_dir(&[
        (
            "default.toml",
            "[server]\nport = 8000\nhost = \"10.0.0.1\"\n",
        ),
        ("test.toml", "[server]\nport = 8001\n"),
    ]);
    let load = |env: &[(&str, &str)]| -> Server {
        Config::builder()
            .profile(Profile::Test)
            .dir(dir.path())
            .env(env.iter().copied())
            .load()
            .unwrap()
            .section()
            .unwrap()
    };
    let from_files = load(&[]);
    // default.toml sets host; the profile file overrides port; timeout stays built in.
    assert_eq!(from_files.host, "10.0.0.1");
    assert_eq!(from_files.port, 8001);
    assert_eq!(from_files.request_timeout_secs, 30);

    let from_env = load(&[("EGOV__SERVER__PORT", "9000"), ("UNRELATED", "1")]);
    assert_eq!(from_env.port, 9000);
    assert_eq!(from_env.host, "10.0.0.1");
}

#[test]
fn profile_and_directory_come_from_the_environment() {
    let dir = config_dir(&[("prod.toml", "[server]\nport = 443\n")]);
    let dir_path = dir.path().to_str().unwrap();
    let config = Config::builder()
        .env([("EGOV_PROFILE", "prod"), ("EGOV_CONFIG_DIR", dir_path)])
        .load()
        .unwrap();
    assert_eq!(config.profile(), Profile::Prod);
    assert_eq!(config.section::<Server>().unwrap().port, 443);

    let err = Config::builder()
        .env([("EGOV_PROFILE", "staging")])
        .load()
        .unwrap_err();
    assert!(matches!(err, ConfigError::UnknownProfile(ref p) if p == "staging"));
}

#[test]
fn a_bad_value_names_the_key_and_what_was_expected() {
    let err = Config::builder()
        .profile(Profile::Dev)
        .dir("/nonexistent")
        .env([("EGOV__SERVER__PORT", "eighty")])
        .load()
        .unwrap()
        .section::<Server>()
        .unwrap_err();
    let ConfigError::Invalid {
        key,
        problem,
        origin,
    } = &err
    else {
        panic!("unexpected error {err:?}");
    };
    assert_eq!(key, "server.port");
    assert!(problem.contains("u16"), "{problem}");
    assert!(origin.contains("EGOV__"), "{origin}");
    assert!(err.to_string().contains("server.port"));

    let dir = config_dir(&[("default.toml", "[server]\nport = 70000\n")]);
    let err = load_dev(dir.path())
        .unwrap()
        .section::<Server>()
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("server.port") && message.contains("default.toml"),
        "{message}"
    );
}

#[test]
fn unknown_keys_and_syntax_errors_are_reported() {
    let dir = config_dir(&[("default.toml", "[server]\nprot = 1\n")]);
    let err = load_dev(dir.path())
        .unwrap()
        .section::<Server>()
        .unwrap_err();
    assert!(err.to_string().contains("prot"), "{err}");

    let dir = config_dir(&[("default.toml", "[server\nport = 1\n")]);
    let err = load_dev(dir.path()).unwrap_err();
    assert!(err.to_string().contains("default.toml"), "{err}");
}

#[test]
fn secrets_never_appear_in_debug_display_or_serialized_output() {
    let signing: Signing = Config::builder()
        .profile(Profile::Dev)
        .dir("/nonexistent")
        .env([("EGOV__SIGNING__KEY", "hunter2-real-production-key")])
        .load()
        .unwrap()
        .section()
        .unwrap();
    assert_eq!(signing.key.expose(), "hunter2-real-production-key");
    let shown = format!(
        "{signing:?} {} {}",
        signing.key,
        serde_json::to_string(&signing.key).unwrap()
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("***"));
    assert_eq!(Secret::new("a".to_owned()), Secret::new("a".to_owned()));
    assert_ne!(Secret::new("a".to_owned()), Secret::new("b".to_owned()));
}

#[test]
fn prod_refuses_a_built_in_development_secret() {
    let load = |profile, env: &[(&str, &str)]| {
        Config::builder()
            .profile(profile)
            .dir("/nonexistent")
            .env(env.iter().copied())
            .load()
            .and_then(|c| c.section::<Signing>())
    };
    // Fine on a laptop…
    assert!(load(Profile::Dev, &[]).unwrap().key.is_development());
    // …refused in production, naming the key and the variable that fixes it.
    let err = load(Profile::Prod, &[]).unwrap_err();
    assert!(
        matches!(&err, ConfigError::DevelopmentSecret { key, env } if key == "signing.key" && env == "EGOV__SIGNING__KEY"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("laptops-only"));
    // A real secret is accepted.
    assert!(load(Profile::Prod, &[("EGOV__SIGNING__KEY", "a-real-key")]).is_ok());
    // A development secret copied into any other key is refused at load time too.
    let copied = format!("{DEV_SECRET_MARKER}copied");
    let err = Config::builder()
        .profile(Profile::Prod)
        .dir("/nonexistent")
        .env([("EGOV__OTHER__TOKEN", copied.as_str())])
        .load()
        .unwrap_err();
    assert!(matches!(err, ConfigError::DevelopmentSecret { key, .. } if key == "other.token"));
}

#[test]
fn without_a_chosen_profile_development_secrets_need_a_loopback_address() {
    let load = |env: &[(&str, &str)]| {
        Config::builder()
            .dir("/nonexistent")
            .env(env.iter().copied())
            .load()
            .and_then(|c| Ok((c.is_implicit_development(), c.section::<Signing>()?)))
    };
    // No EGOV_PROFILE, the default (or an explicit) loopback address: allowed, and said.
    for env in [
        &[][..],
        &[("EGOV__SERVER__HOST", "127.0.0.1")],
        &[("EGOV__SERVER__HOST", "::1")],
        &[("EGOV__SERVER__HOST", "localhost")],
    ] {
        let (implicit, signing) = load(env).unwrap();
        assert!(implicit && signing.key.is_development(), "{env:?}");
    }
    // Reachable from other machines without a chosen profile: refused, naming the variable.
    for host in ["0.0.0.0", "10.0.0.5", "::"] {
        let err = load(&[("EGOV__SERVER__HOST", host)]).unwrap_err();
        assert!(
            matches!(&err, ConfigError::DevelopmentSecret { key, env } if key == "signing.key" && env == "EGOV__SIGNING__KEY"),
            "{host}: {err:?}"
        );
        assert!(err.to_string().contains("EGOV_PROFILE"), "{err}");
    }
    // A chosen dev profile may listen anywhere; a real key is fine everywhere.
    let (implicit, _) =
        load(&[("EGOV_PROFILE", "dev"), ("EGOV__SERVER__HOST", "0.0.0.0")]).unwrap();
    assert!(!implicit);
    assert!(
        load(&[
            ("EGOV__SERVER__HOST", "0.0.0.0"),
            ("EGOV__SIGNING__KEY", "a-real-key")
        ])
        .is_ok()
    );
}

#[derive(Debug, Deserialize)]
struct Keyring {
    active: String,
    keys: std::collections::BTreeMap<String, KeyEntry>,
}

#[derive(Debug, Deserialize)]
struct KeyEntry {
    algorithm: String,
    material: Secret,
}

impl ConfigSection for Keyring {
    const KEY: &'static str = "keyring";
    const DEFAULTS: &'static str = r#"
active = "dev"
[keys.dev]
algorithm = "EdDSA"
material = "insecure-dev-secret:keyring"
"#;
}

#[test]
fn prod_drops_built_in_development_key_entries_and_keeps_the_configured_ones() {
    let load = |env: &[(&str, &str)]| {
        Config::builder()
            .profile(Profile::Prod)
            .dir("/nonexistent")
            .env(env.iter().copied())
            .load()
            .and_then(|c| c.section::<Keyring>())
    };
    let ring = load(&[
        ("EGOV__KEYRING__ACTIVE", "k1"),
        ("EGOV__KEYRING__KEYS__K1__ALGORITHM", "EdDSA"),
        ("EGOV__KEYRING__KEYS__K1__MATERIAL", "real-material"),
    ])
    .unwrap();
    assert_eq!(ring.active, "k1");
    assert_eq!(
        ring.keys.keys().collect::<Vec<_>>(),
        ["k1"],
        "the dev entry is gone"
    );
    assert_eq!(ring.keys["k1"].algorithm, "EdDSA");
    assert!(!ring.keys["k1"].material.is_development());
    // On a laptop the dev entry is there.
    let dev = Config::builder()
        .profile(Profile::Dev)
        .dir("/nonexistent")
        .env(Vec::<(String, String)>::new())
        .load()
        .unwrap()
        .section::<Keyring>()
        .unwrap();
    assert!(dev.keys["dev"].material.is_development());
}
