//! The `template` family on one unit of each engine: every finding expected in
//! `testdata/templates/rules-<engine>/expected.txt`, nothing else — the false findings the
//! rules must avoid (raw regions, files copied without rendering, another template
//! language's braces, method calls, names bound in the template) sit next to the true ones.

mod common;

use common::family_cases::{Family, check_family_case};

const TEMPLATE: Family = Family("templates", "template");

fn check(case: &str) {
    check_family_case(TEMPLATE, case, "expected.txt", &[]);
}

#[test]
fn cookiecutter() {
    check("rules-cookiecutter");
}

#[test]
fn copier_with_its_own_delimiters() {
    check("rules-copier-envops");
}

#[test]
fn devcontainer_options() {
    check("rules-devcontainer");
}

#[test]
fn backstage_skeleton() {
    check("rules-backstage");
}

#[test]
fn cargo_generate_liquid() {
    check("rules-cargo-generate");
}

/// The render resolves a devcontainer option to its default: the image is judged as
/// rendered (`python:1-3.12-bookworm`), at the source line and column.
#[test]
fn devcontainer_option_defaults_resolve_images() {
    check_family_case(
        Family("templates", "pinning"),
        "rules-devcontainer",
        "expected-pinning.txt",
        &[],
    );
    let (_, doc) = common::verify_json(
        "testdata/templates/rules-devcontainer",
        &["--select", "pinning"],
    );
    let messages: Vec<&str> = common::findings(&doc)
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(messages[0].contains("`1-3.12-bookworm`"), "{messages:#?}");
}
