//! The layer map: which workspace crate may depend on which.
//!
//! [`LAYERS`] is the single source of truth. A crate may depend (normal,
//! build or dev dependency alike) only on workspace crates of a strictly
//! lower layer. Crates of the top layer ([`TOP_LAYER`]: the facade, the
//! CLI, `xtask`, the benchmark servers, and every package under `examples/`
//! or `templates/`) may
//! depend on anything, including each other. A crate's dev-dependency on
//! itself (to turn on its own test features) is ignored.

use std::collections::BTreeSet;
use std::path::{Component, Path};

/// The top layer, whose crates may depend on any workspace crate.
pub(crate) const TOP_LAYER: u8 = 6;

/// Every workspace crate and its layer. Packages under `examples/` or
/// `templates/` need no entry: they are always [`TOP_LAYER`].
/// Crates listed here but not (yet) in the workspace are fine.
pub(crate) const LAYERS: &[(&str, u8)] = &[
    ("egov-core", 0),
    ("egov-db", 1),
    ("egov-telemetry", 1),
    ("egov-i18n", 1),
    ("egov-privacy", 1),
    ("egov-http", 2),
    ("egov-pages", 2),
    ("egov-validation", 3),
    ("egov-audit", 3),
    ("egov-codes", 4),
    ("egov-auth", 4),
    ("egov-web", 5),
    ("egov", TOP_LAYER),
    ("egov-cli", TOP_LAYER),
    ("egov-fuzz", TOP_LAYER),
    ("http-bench-servers", TOP_LAYER),
    ("xtask", TOP_LAYER),
];

/// Top-level directories whose packages are all [`TOP_LAYER`].
const TOP_LAYER_DIRS: &[&str] = &["examples", "templates"];

/// A workspace package, as the layer check sees it.
#[derive(Debug, Clone)]
pub(crate) struct Package<'a> {
    /// The package name.
    pub(crate) name: &'a str,
    /// Path of its `Cargo.toml`, relative to the workspace root.
    pub(crate) manifest: &'a Path,
    /// Its dependencies: (package name, kind label such as `normal` or `dev`).
    /// Dependencies on packages outside the workspace are ignored.
    pub(crate) deps: Vec<(&'a str, &'a str)>,
}

/// The layer of package `name` whose manifest is at `manifest` (relative to
/// the workspace root), or `None` when the package is not in the map.
pub(crate) fn layer_of(name: &str, manifest: &Path) -> Option<u8> {
    if let Some(&(_, layer)) = LAYERS.iter().find(|(listed, _)| *listed == name) {
        return Some(layer);
    }
    match manifest.components().next() {
        Some(Component::Normal(first)) if TOP_LAYER_DIRS.iter().any(|dir| first == *dir) => {
            Some(TOP_LAYER)
        }
        _ => None,
    }
}

/// Checks the layer rule over the workspace `packages`; returns one message
/// per violation (empty when the map holds).
pub(crate) fn check(packages: &[Package<'_>]) -> Vec<String> {
    let members: BTreeSet<&str> = packages.iter().map(|package| package.name).collect();
    let mut problems = Vec::new();
    for package in packages {
        let Some(layer) = layer_of(package.name, package.manifest) else {
            problems.push(format!(
                "{} ({}): unknown crate: add it to the layer map in xtask/src/layers.rs",
                package.name,
                package.manifest.display()
            ));
            continue;
        };
        if layer == TOP_LAYER {
            continue;
        }
        for &(dep, kind) in &package.deps {
            if dep == package.name || !members.contains(dep) {
                continue;
            }
            let Some(dep_manifest) = packages
                .iter()
                .find(|other| other.name == dep)
                .map(|other| other.manifest)
            else {
                continue;
            };
            // An unknown dependency is reported as unknown on its own.
            let Some(dep_layer) = layer_of(dep, dep_manifest) else {
                continue;
            };
            if dep_layer >= layer {
                let direction = if dep_layer == layer {
                    "same layer"
                } else {
                    "higher layer"
                };
                problems.push(format!(
                    "{} (layer {layer}) has a {kind} dependency on {dep} (layer {dep_layer}, \
                     {direction}): a crate may only depend on strictly lower layers",
                    package.name
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package<'a>(name: &'a str, manifest: &'a str, deps: &[(&'a str, &'a str)]) -> Package<'a> {
        Package {
            name,
            manifest: Path::new(manifest),
            deps: deps.to_vec(),
        }
    }

    /// A small healthy graph.
    fn graph<'a>() -> Vec<Package<'a>> {
        vec![
            package(
                "egov-core",
                "crates/egov-core/Cargo.toml",
                &[("serde", "normal")],
            ),
            package(
                "egov-db",
                "crates/egov-db/Cargo.toml",
                &[
                    ("egov-core", "normal"),
                    ("egov-db", "dev"),
                    ("tokio", "dev"),
                ],
            ),
            package(
                "egov-web",
                "crates/egov-web/Cargo.toml",
                &[("egov-core", "normal"), ("egov-db", "dev")],
            ),
            package(
                "egov",
                "crates/egov/Cargo.toml",
                &[("egov-web", "normal"), ("egov-db", "normal")],
            ),
        ]
    }

    #[test]
    fn lower_layer_edges_are_allowed() {
        assert_eq!(check(&graph()), Vec::<String>::new());
    }

    #[test]
    fn same_layer_edge_is_rejected() {
        let mut packages = graph();
        packages.push(package(
            "egov-telemetry",
            "crates/egov-telemetry/Cargo.toml",
            &[("egov-db", "normal")],
        ));
        let problems = check(&packages);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("egov-telemetry (layer 1)"));
        assert!(problems[0].contains("on egov-db (layer 1, same layer)"));
    }

    #[test]
    fn upward_edge_is_rejected_for_every_kind() {
        let mut packages = graph();
        packages[0].deps.push(("egov-web", "dev"));
        packages[1].deps.push(("egov", "build"));
        let problems = check(&packages);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("egov-core (layer 0) has a dev dependency on egov-web"));
        assert!(problems[0].contains("higher layer"));
        assert!(problems[1].contains("egov-db (layer 1) has a build dependency on egov (layer 6"));
    }

    #[test]
    fn top_layer_may_depend_on_anything() {
        let mut packages = graph();
        packages.push(package(
            "hello-agency",
            "examples/hello-agency/Cargo.toml",
            &[("egov", "normal"), ("egov-web", "dev")],
        ));
        packages.push(package(
            "starter",
            "templates/starter/Cargo.toml",
            &[("hello-agency", "normal"), ("egov", "normal")],
        ));
        packages.push(package("xtask", "xtask/Cargo.toml", &[("egov", "normal")]));
        assert_eq!(check(&packages), Vec::<String>::new());
    }

    #[test]
    fn unknown_crate_is_an_error() {
        let mut packages = graph();
        packages.push(package(
            "egov-mystery",
            "crates/egov-mystery/Cargo.toml",
            &[("egov-core", "normal")],
        ));
        // Depending on the unknown crate is not reported twice.
        packages[3].deps.push(("egov-mystery", "normal"));
        let problems = check(&packages);
        assert_eq!(
            problems,
            [
                "egov-mystery (crates/egov-mystery/Cargo.toml): unknown crate: \
              add it to the layer map in xtask/src/layers.rs"
            ]
        );
    }

    #[test]
    fn layer_of_uses_the_table_then_the_directory() {
        assert_eq!(
            layer_of("egov-core", Path::new("crates/x/Cargo.toml")),
            Some(0)
        );
        assert_eq!(
            layer_of("demo", Path::new("examples/demo/Cargo.toml")),
            Some(6)
        );
        assert_eq!(
            layer_of("demo", Path::new("templates/a/b/Cargo.toml")),
            Some(6)
        );
        assert_eq!(
            layer_of("demo", Path::new("crates/examples/Cargo.toml")),
            None
        );
    }

    #[test]
    fn table_has_no_duplicates_and_no_layer_above_top() {
        let names: BTreeSet<&str> = LAYERS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names.len(), LAYERS.len());
        assert!(LAYERS.iter().all(|(_, layer)| *layer <= TOP_LAYER));
    }
}
