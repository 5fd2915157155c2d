//! The `--format json` contract (version 1): exact keys, types, order, and fingerprints that
//! survive unrelated edits.

mod common;

use std::collections::BTreeSet;

use common::{arg, findings, fixture, temp_copy, verify_json};
use serde_json::Value;

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("expected an object, got {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(items: &[&'a str]) -> BTreeSet<&'a str> {
    items.iter().copied().collect()
}

/// Reports that together hold every kind of finding: about the repository, about a file,
/// and at a span; from the built-in pack and from a custom pack.
fn varied_reports() -> Vec<Value> {
    [
        (fixture("codeowners-bad-owner"), vec![]),
        (fixture("cookiecutter"), vec![]),
        (fixture("codeowners-shadowed"), vec![]),
        (
            "testdata/config/org-fail".to_owned(),
            vec!["--rules", "testdata/config/org-pack.toml"],
        ),
        ("testdata/bad-input/invalid-utf8-license".to_owned(), vec![]),
    ]
    .iter()
    .map(|(path, extra)| verify_json(path, extra).1)
    .collect()
}

#[test]
fn top_level_keys_are_exact() {
    let (_, doc) = verify_json(&fixture("codeowners-bad-owner"), &[]);
    assert_eq!(
        keys(&doc),
        set(&[
            "version",
            "tool",
            "root",
            "summary",
            "findings",
            "diagnostics"
        ])
    );
    assert_eq!(doc["version"], 1);
    assert_eq!(keys(&doc["tool"]), set(&["name", "version"]));
    assert_eq!(doc["tool"]["name"], "template-validator");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["root"], "testdata/required-files/codeowners-bad-owner");
    assert_eq!(
        keys(&doc["summary"]),
        set(&["errors", "warnings", "notes", "files_scanned"])
    );
    assert!(doc["findings"].is_array());
    assert!(doc["diagnostics"].is_array());
}

#[test]
fn the_key_order_is_stable() {
    // serde_json keeps the order of the text only with `preserve_order`; read it raw.
    let r = common::run(&[
        "verify",
        &fixture("codeowners-bad-owner"),
        "--format",
        "json",
    ]);
    let order = [
        "\"version\"",
        "\"tool\"",
        "\"root\"",
        "\"summary\"",
        "\"findings\"",
        "\"diagnostics\"",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|k| r.stdout.find(k).unwrap_or_else(|| panic!("{k} in output")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}\n{}", r.stdout);
}

#[test]
fn every_finding_has_exactly_the_contract_keys() {
    let want = set(&[
        "rule_id",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "fingerprint",
        "help_uri",
    ]);
    let mut seen_span = false;
    let mut seen_file = false;
    let mut seen_repository = false;
    for doc in varied_reports() {
        for f in findings(&doc) {
            assert_eq!(keys(f), want, "{f:#}");
            assert!(
                f["rule_id"].as_str().is_some_and(|id| id.contains('/')),
                "{f:#}"
            );
            assert!(
                ["error", "warning", "note"].contains(&f["severity"].as_str().unwrap()),
                "{f:#}"
            );
            assert!(
                f["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{f:#}"
            );
            assert!(
                f["help_uri"].is_string() || f["help_uri"].is_null(),
                "{f:#}"
            );
            let fp = f["fingerprint"].as_str().unwrap();
            assert!(
                fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
                "fingerprint {fp:?}"
            );
            // The four position fields are all numbers or all null; a position needs a path.
            let pos = ["line", "column", "end_line", "end_column"];
            if f["line"].is_null() {
                assert!(pos.iter().all(|k| f[*k].is_null()), "{f:#}");
                if f["path"].is_null() {
                    seen_repository = true;
                } else {
                    seen_file = true;
                }
            } else {
                seen_span = true;
                assert!(f["path"].is_string(), "{f:#}");
                assert!(pos.iter().all(|k| f[*k].as_u64().is_some_and(|n| n >= 1)));
                let start = (f["line"].as_u64(), f["column"].as_u64());
                let end = (f["end_line"].as_u64(), f["end_column"].as_u64());
                assert!(start < end, "the end is after the start: {f:#}");
            }
        }
    }
    assert!(seen_span && seen_file && seen_repository);
}

#[test]
fn summary_counts_the_findings() {
    for doc in varied_reports() {
        for (key, severity) in [
            ("errors", "error"),
            ("warnings", "warning"),
            ("notes", "note"),
        ] {
            let n = findings(&doc)
                .iter()
                .filter(|f| f["severity"] == severity)
                .count();
            assert_eq!(doc["summary"][key], n, "{key} in {}", doc["root"]);
        }
        assert!(doc["summary"]["files_scanned"].is_u64());
    }
}

#[test]
fn diagnostics_have_path_and_message() {
    let (_, doc) = verify_json("testdata/bad-input/invalid-utf8-license", &[]);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{doc:#}");
    assert_eq!(keys(&diags[0]), set(&["path", "message"]));
    assert_eq!(diags[0]["path"], "LICENSE");
}

/// The order the contract promises: path (null first), line (null first), column, rule id.
fn sort_key(f: &Value) -> (Option<String>, u64, u64, String) {
    (
        f["path"].as_str().map(str::to_owned),
        f["line"].as_u64().unwrap_or(0),
        f["column"].as_u64().unwrap_or(0),
        f["rule_id"].as_str().expect("rule_id").to_owned(),
    )
}

#[test]
fn findings_are_sorted_by_path_line_column_rule_id() {
    for doc in varied_reports() {
        let keys: Vec<_> = findings(&doc).iter().map(sort_key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "findings of {} out of order", doc["root"]);
    }
}

#[test]
fn findings_are_sorted_by_path_then_position() {
    // The same order, without the rule-id tie-break: path (null first), line, column.
    for doc in varied_reports() {
        let keys: Vec<_> = findings(&doc)
            .iter()
            .map(|f| {
                let (p, l, c, _) = sort_key(f);
                (p, l, c)
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "findings of {} out of order", doc["root"]);
    }
}

#[test]
fn paths_are_relative_with_forward_slashes() {
    let mut nested = 0;
    for doc in varied_reports() {
        for f in findings(&doc) {
            if let Some(p) = f["path"].as_str() {
                assert!(!p.contains('\\'), "{p}");
                assert!(!p.starts_with('/') && !p.starts_with("./"), "{p}");
                assert!(!p.contains("testdata"), "relative to the root: {p}");
                nested += usize::from(p.contains('/'));
            }
        }
    }
    assert!(nested > 0, "some findings are in subfolders");
    let (_, doc) = verify_json(&fixture("codeowners-bad-owner"), &[]);
    assert!(
        findings(&doc)
            .iter()
            .any(|f| f["path"] == ".github/CODEOWNERS")
    );
}

/// `(rule_id, path, line, fingerprint)` of every finding.
fn identities(doc: &Value) -> Vec<(String, Value, Value, String)> {
    findings(doc)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("a string field").to_owned(),
                f["path"].clone(),
                f["line"].clone(),
                f["fingerprint"]
                    .as_str()
                    .expect("a string field")
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_are_stable_across_runs() {
    for case in [
        "codeowners-bad-owner",
        "cookiecutter",
        "codeowners-shadowed",
    ] {
        let (_, a) = verify_json(&fixture(case), &[]);
        let (_, b) = verify_json(&fixture(case), &[]);
        assert_eq!(identities(&a), identities(&b), "{case}");
    }
}

#[test]
fn fingerprints_are_unique_within_a_report() {
    for doc in varied_reports() {
        let all: Vec<_> = findings(&doc)
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap())
            .collect();
        let unique: BTreeSet<_> = all.iter().collect();
        assert_eq!(all.len(), unique.len(), "{:#}", doc["findings"]);
    }
}

#[test]
fn fingerprints_do_not_depend_on_where_the_repository_is() {
    let (_, here) = verify_json(&fixture("codeowners-bad-owner"), &[]);
    let (_tmp, repo) = temp_copy("codeowners-bad-owner");
    let (_, there) = verify_json(arg(&repo), &[]);
    assert_eq!(identities(&here), identities(&there));
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let (_tmp, repo) = temp_copy("codeowners-bad-owner");
    let select = ["--select", "required-files/codeowners-syntax"];
    let (_, before) = verify_json(arg(&repo), &select);

    let path = repo.join(".github/CODEOWNERS");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("# Reviewed by the platform team.\n\n{text}")).unwrap();
    let (_, after) = verify_json(arg(&repo), &select);

    let (b, a) = (findings(&before), findings(&after));
    assert_eq!(b.len(), 2);
    assert_eq!(a.len(), b.len());
    for (b, a) in b.iter().zip(a) {
        assert_eq!(a["message"], b["message"]);
        assert_eq!(
            a["line"].as_u64().unwrap(),
            b["line"].as_u64().unwrap() + 2,
            "the finding moved down two lines"
        );
        assert_eq!(a["column"], b["column"]);
        assert_eq!(a["fingerprint"], b["fingerprint"], "{a:#}");
    }
}

#[test]
fn fingerprints_change_when_the_line_itself_changes() {
    let (_tmp, repo) = temp_copy("codeowners-bad-owner");
    let select = ["--select", "required-files/codeowners-syntax"];
    let (_, before) = verify_json(arg(&repo), &select);

    let path = repo.join(".github/CODEOWNERS");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("team-js", "team-web")).unwrap();
    let (_, after) = verify_json(arg(&repo), &select);

    let (b, a) = (findings(&before), findings(&after));
    assert_eq!(a.len(), 2);
    assert_ne!(a[0]["fingerprint"], b[0]["fingerprint"], "the edited line");
    assert_eq!(
        a[1]["fingerprint"], b[1]["fingerprint"],
        "the untouched line"
    );
}

#[test]
fn identical_lines_get_distinct_fingerprints() {
    let (_tmp, repo) = temp_copy("codeowners-no-owner");
    std::fs::write(
        repo.join(".github/CODEOWNERS"),
        "/build/logs/\n* @acme-corp/platform-team\n/build/logs/\n",
    )
    .unwrap();
    let (_, doc) = verify_json(
        arg(&repo),
        &["--select", "required-files/codeowners-syntax"],
    );
    let f = findings(&doc);
    assert_eq!(f.len(), 2, "{doc:#}");
    assert_eq!(
        (f[0]["line"].as_u64(), f[1]["line"].as_u64()),
        (Some(1), Some(3))
    );
    assert_ne!(f[0]["fingerprint"], f[1]["fingerprint"]);
}
