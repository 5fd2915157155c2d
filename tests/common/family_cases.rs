//! Fixture cases of a family: each `testdata/<dir>/<case>/` is a small repository with an
//! `expected.txt` listing every finding the family must report there
//! (`path:line[:column] rule`, the rule without its family prefix), and nothing else. The
//! `pinning` cases live in `testdata/pinning/`, the `template` ones in `testdata/templates/`.

use std::collections::BTreeSet;

use super::{findings, verify_json};

/// Where a family's cases are: (folder under `testdata/`, family).
#[derive(Clone, Copy)]
pub struct Family(pub &'static str, pub &'static str);

pub const PINNING: Family = Family("pinning", "pinning");

/// (path, line, column, rule name) of every finding of the family on a case.
pub fn actual(fam: Family, case: &str, extra: &[&str]) -> BTreeSet<(String, u64, u64, String)> {
    let Family(dir, family) = fam;
    let path = format!("testdata/{dir}/{case}");
    let prefix = format!("{family}/");
    let mut args = vec!["--select", family];
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
                    .trim_start_matches(prefix.as_str())
                    .to_owned(),
            )
        })
        .collect()
}

pub fn expected(
    Family(dir, _): Family,
    case: &str,
    file: &str,
) -> Vec<(String, u64, Option<u64>, String)> {
    let text = std::fs::read_to_string(format!("testdata/{dir}/{case}/{file}"))
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

pub fn check_case_with(case: &str, expected_file: &str, extra: &[&str]) {
    check_family_case(PINNING, case, expected_file, extra);
}

pub fn check_family_case(fam: Family, case: &str, expected_file: &str, extra: &[&str]) {
    let got = actual(fam, case, extra);
    let want = expected(fam, case, expected_file);
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

pub fn check_case(case: &str) {
    check_case_with(case, "expected.txt", &[]);
}
