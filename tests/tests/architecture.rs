//! The crate map holds: each workspace crate depends only on the crates its rule allows, read
//! from `cargo metadata`, and docs/ARCHITECTURE.md shows the same rules. A new edge that breaks
//! the layering fails here, not in review.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// Each crate: the workspace crates it may use, and outside crates it must not use directly.
const RULES: &[(&str, &[&str], &[&str])] = &[
    (
        "mtbp-domain",
        &[],
        &[
            "tokio",
            "reqwest",
            "axum",
            "temporalio-sdk",
            "temporalio-client",
        ],
    ),
    (
        "mtbp-store",
        &["mtbp-domain"],
        &[
            "tokio",
            "reqwest",
            "axum",
            "temporalio-sdk",
            "temporalio-client",
        ],
    ),
    // `temporalio-sdk` only for its OpenTelemetry plugin on the Temporal client (the API gets
    // it through infra, and uses no SDK of its own).
    ("mtbp-infra", &["mtbp-domain"], &["axum", "tower-http"]),
    (
        "mtbp-activities",
        &["mtbp-domain", "mtbp-store", "mtbp-infra"],
        &["axum", "tower-http", "sqlx"],
    ),
    (
        "mtbp-workflows",
        &["mtbp-domain", "mtbp-activities"],
        &["tokio", "sqlx", "reqwest", "axum"],
    ),
    (
        "mtbp-api",
        &["mtbp-domain", "mtbp-store", "mtbp-infra", "mtbp-workflows"],
        &["sqlx", "temporalio-sdk"],
    ),
    (
        "mtbp-workers",
        &[
            "mtbp-domain",
            "mtbp-store",
            "mtbp-infra",
            "mtbp-activities",
            "mtbp-workflows",
        ],
        // `axum` only for the ops listener (`/health`, `/ready`, `/metrics`).
        &["sqlx"],
    ),
    (
        "mtbp-boxoffice",
        &[],
        &["sqlx", "temporalio-sdk", "temporalio-client"],
    ),
    (
        "mtbp-tests",
        &[
            "mtbp-domain",
            "mtbp-store",
            "mtbp-infra",
            "mtbp-activities",
            "mtbp-workflows",
            "mtbp-api",
            "mtbp-workers",
            "mtbp-boxoffice",
        ],
        &[],
    ),
];

/// The direct, non-dev dependencies of every workspace crate.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    dependency_records()
        .into_iter()
        .map(|(name, deps)| (name, deps.into_iter().map(|(dep, _)| dep).collect()))
        .collect()
}

/// Each workspace crate's direct, non-dev dependencies, with whether each is optional.
fn dependency_records() -> BTreeMap<String, Vec<(String, bool)>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    let mut map = BTreeMap::new();
    for pkg in meta["packages"].as_array().into_iter().flatten() {
        let deps = pkg["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .filter_map(|d| {
                let name = d["name"].as_str()?.to_owned();
                Some((name, d["optional"].as_bool().unwrap_or(false)))
            })
            .collect();
        map.insert(pkg["name"].as_str().unwrap_or_default().to_owned(), deps);
    }
    map
}

#[test]
fn every_crate_depends_only_on_what_its_rule_allows() {
    let deps = dependencies();
    let ruled: Vec<&str> = RULES.iter().map(|r| r.0).collect();
    for name in deps.keys() {
        assert!(ruled.contains(&name.as_str()), "{name} has no rule here");
    }
    for (name, allowed, forbidden) in RULES {
        let Some(used) = deps.get(*name) else {
            panic!("{name} is not a workspace crate any more");
        };
        for dep in used {
            if dep.starts_with("mtbp-") {
                assert!(
                    allowed.contains(&dep.as_str()),
                    "{name} must not depend on {dep}"
                );
            }
            assert!(
                !forbidden.contains(&dep.as_str()),
                "{name} must not depend on {dep}"
            );
        }
    }
}

#[test]
fn the_domain_maps_to_sql_only_behind_its_optional_feature() {
    let deps = dependency_records();
    let domain = deps.get("mtbp-domain").expect("mtbp-domain");
    for (dep, optional) in domain {
        if dep == "sqlx" || dep == "utoipa" {
            assert!(optional, "mtbp-domain must use {dep} only behind a feature");
        }
    }
}

#[test]
fn the_architecture_document_shows_the_same_rules() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/ARCHITECTURE.md"
    ))
    .expect("docs/ARCHITECTURE.md");
    let mut table = String::from("| crate | may use | must not use directly |\n|---|---|---|\n");
    for (name, allowed, forbidden) in RULES {
        let list = |l: &[&str]| {
            if l.is_empty() {
                "—".to_owned()
            } else {
                l.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        table.push_str(&format!(
            "| `{name}` | {} | {} |\n",
            list(allowed),
            list(forbidden)
        ));
    }
    assert!(
        doc.contains(&table),
        "docs/ARCHITECTURE.md is out of date; its crate table must read:\n{table}"
    );
}

/// Every SQL statement of the platform lives in the persistence layer: the API, the activities,
/// the workflows and the worker call `mtbp-store`, never the database directly. (Tests may
/// query the database to check what happened.)
#[test]
fn sql_is_written_only_in_the_store() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut offenders = Vec::new();
    for dir in [
        "api/src",
        "activities/src",
        "workflows/src",
        "workers/src",
        "infra/src",
        "domain/src",
    ] {
        visit(&std::path::Path::new(root).join(dir), &mut |path, text| {
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                if ["sqlx::query", "query_as(", "query_scalar(", "QueryBuilder"]
                    .iter()
                    .any(|needle| code.contains(needle))
                {
                    let path = path.strip_prefix(root).unwrap_or(path);
                    offenders.push(format!("{}:{}: {}", path.display(), n + 1, code));
                }
            }
        });
    }
    assert!(
        offenders.is_empty(),
        "SQL outside mtbp-store:\n{}",
        offenders.join("\n")
    );
}

/// Calls `f` with the path and text of every `.rs` file under `dir`.
fn visit(dir: &std::path::Path, f: &mut dyn FnMut(&std::path::Path, &str)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            visit(&path, f);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            f(&path, &text);
        }
    }
}
