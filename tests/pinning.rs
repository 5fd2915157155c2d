//! The `pinning` family, case by case: each `testdata/pinning/<case>/` is a small
//! repository with an `expected.txt` listing every finding the family must report there
//! (`path:line[:column] rule`), and nothing else — so pinned look-alikes in the same files
//! (full SHAs, digests, local actions, `scratch`, stage names, exact versions) are checked
//! to stay silent.

mod common;

use std::collections::BTreeSet;

use common::family_cases::{check_case, check_case_with};

#[test]
fn actions() {
    check_case("actions");
}

#[test]
fn templated_files() {
    check_case("templated");
}

#[test]
fn dockerfiles() {
    check_case("docker");
}

#[test]
fn container_images_and_helm() {
    check_case("containers");
}

#[test]
fn gitlab_ci() {
    check_case("gitlab");
}

#[test]
fn scripts() {
    check_case("scripts");
}

#[test]
fn manifests_lockfiles_requirements_precommit_terraform() {
    check_case("manifests");
}

#[test]
fn require_hashes_parameter() {
    check_case_with(
        "manifests",
        "expected-require-hashes.txt",
        &["--config", "testdata/pinning/require-hashes.toml"],
    );
}

/// Pinned references of every kind: full SHAs, digests, local actions, `scratch`, stage
/// names, exact versions, lockfiles, verified downloads, templated references whose
/// defaults are pinned. Not one finding.
#[test]
fn pinned_references_produce_no_finding() {
    check_case("pinned");
}

#[test]
fn invalid_yaml_is_a_warning_with_the_parser_location() {
    check_case("invalid");
}

/// Every rule of the pack fires in at least one case; the `pinned` case is the negative
/// fixture of all of them.
#[test]
fn every_rule_has_a_positive_and_a_negative_fixture() {
    let pack: toml::Table = toml::from_str(
        &std::fs::read_to_string("rules/pinning.toml").expect("the pack is readable"),
    )
    .expect("the pack is TOML");
    let mut fired = BTreeSet::new();
    for entry in std::fs::read_dir("testdata/pinning").expect("fixtures") {
        let case = entry.expect("entry").path();
        for file in ["expected.txt", "expected-require-hashes.txt"] {
            if let Ok(text) = std::fs::read_to_string(case.join(file)) {
                for line in text.lines() {
                    if let Some((_, rule)) = line.rsplit_once(' ') {
                        fired.insert(rule.to_owned());
                    }
                }
            }
        }
    }
    let silent =
        std::fs::read_to_string("testdata/pinning/pinned/expected.txt").expect("the negative case");
    assert!(silent.trim().is_empty());
    for rule in pack["rule"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        let name = id.trim_start_matches("pinning/");
        assert!(fired.contains(name), "no fixture where `{id}` fires");
    }
}
