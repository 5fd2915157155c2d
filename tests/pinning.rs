//! The `pinning` family, case by case: each `testdata/pinning/<case>/` is a small
//! repository with an `expected.txt` listing every finding the family must report there
//! (`path:line[:column] rule`), and nothing else — so pinned look-alikes in the same files
//! (full SHAs, digests, local actions, `scratch`, stage names, exact versions) are checked
//! to stay silent.

mod common;

use std::collections::BTreeSet;

use common::{findings, verify_json};

/// (path, line, column, rule name) of every finding of the family on a case.
fn actual(case: &str, extra: &[&str]) -> BTreeSet<(String, u64, u64, String)> {
    let path = format!("testdata/pinning/{case}");
    let mut args = vec!["--select", "pinning"];
    args.extend_from_slice(extra);
    let (run, doc) = verify_json(&path, &args);
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    findings(&doc)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["rule_id"]
                    .as_str()
                    .expect("rule_id")
                    .trim_start_matches("pinning/")
                    .to_owned(),
            )
        })
        .collect()
}

fn expected(case: &str, file: &str) -> Vec<(String, u64, Option<u64>, String)> {
    let text = std::fs::read_to_string(format!("testdata/pinning/{case}/{file}"))
        .expect("expected findings");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (loc, rule) = l.rsplit_once(' ').expect("`path:line[:col] rule`");
            let mut parts = loc.rsplitn(3, ':');
            let (a, b, c) = (parts.next(), parts.next(), parts.next());
            let (path, line, col) = match (a, b, c) {
                (Some(col), Some(line), Some(path)) if line.parse::<u64>().is_ok() => {
                    (path, line, Some(col.parse().expect("column")))
                }
                (Some(line), Some(path), _) => (path, line, None),
                _ => panic!("bad expectation {l}"),
            };
            (
                path.to_owned(),
                line.parse().expect("line"),
                col,
                rule.to_owned(),
            )
        })
        .collect()
}

fn check_case_with(case: &str, expected_file: &str, extra: &[&str]) {
    let got = actual(case, extra);
    let want = expected(case, expected_file);
    let mut missing = Vec::new();
    let mut matched = BTreeSet::new();
    for (path, line, col, rule) in &want {
        let hit = got.iter().find(|(p, l, c, r)| {
            p == path && l == line && r == rule && col.is_none_or(|col| *c == col)
        });
        match hit {
            Some(h) => {
                matched.insert(h.clone());
            }
            None => missing.push(format!("{path}:{line}:{col:?} {rule}")),
        }
    }
    let extra: Vec<_> = got.difference(&matched).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "case `{case}`\nmissing: {missing:#?}\nunexpected: {extra:#?}"
    );
}

fn check_case(case: &str) {
    check_case_with(case, "expected.txt", &[]);
}

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
