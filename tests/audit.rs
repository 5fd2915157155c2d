//! `audit` and `audit-merge` over local repositories: sources, outputs, trends against the
//! previous run, exit policy, sharding, and a merge equal to an unsharded run.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{Run, arg, copy_dir, crate_root, run};
use serde_json::Value;

/// A folder of checkouts made from fixtures.
fn checkouts(cases: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("checkouts");
    for case in cases {
        copy_dir(
            &crate_root().join("testdata/required-files").join(case),
            &dir.join(case),
        );
    }
    (tmp, dir)
}

fn audit(args: &[&str]) -> Run {
    let mut full = vec!["audit"];
    full.extend_from_slice(args);
    let r = run(&full);
    assert!(!r.stderr.contains("panicked"), "{}", r.describe());
    r
}

fn summary(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

fn row<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("`{name}` in {summary:#}"))
}

const CASES: &[&str] = &[
    "complete",
    "missing-readme",
    "codeowners-bad-owner",
    "warnings-only",
];

#[test]
fn a_folder_of_checkouts_is_audited_like_verify() {
    let (tmp, dir) = checkouts(CASES);
    let out = tmp.path().join("out");
    let r = audit(&["--dir", arg(&dir), "--out", arg(&out), "--jobs", "2"]);
    assert_eq!(
        r.code,
        1,
        "new failing findings fail by default: {}",
        r.describe()
    );
    let s = summary(&out);
    assert_eq!(s["version"], 1);
    let names: Vec<&str> = s["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "codeowners-bad-owner",
            "complete",
            "missing-readme",
            "warnings-only"
        ]
    );
    for name in CASES {
        let row = row(&s, name);
        let keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "name",
            "source",
            "ref",
            "sha",
            "counts",
            "passed",
            "new",
            "fixed",
            "duration_ms",
            "error",
        ] {
            assert!(keys.contains(&key), "`{key}` in {row:#}");
        }
        // The per-repository report is the verify JSON report, and the counts match it.
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("repos").join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let verify = run(&["verify", arg(&dir.join(name)), "--format", "json"]);
        let verify: Value = serde_json::from_str(&verify.stdout).unwrap();
        assert_eq!(report["findings"], verify["findings"], "{name}");
        assert_eq!(report["root"], *name);
        let counts = &row["counts"]["required-files"];
        let count = |k: &str| counts[k].as_u64().unwrap_or(0);
        assert_eq!(
            count("error"),
            verify["summary"]["errors"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            count("warning"),
            verify["summary"]["warnings"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(row["passed"], verify["summary"]["errors"] == 0, "{name}");
        // Without --previous every finding is new.
        assert_eq!(
            row["new"].as_u64().unwrap(),
            verify["findings"].as_array().unwrap().len() as u64
        );
        assert_eq!(row["fixed"], 0);
        let sarif: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("repos").join(format!("{name}.sarif"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            sarif["runs"][0]["automationDetails"]["id"],
            format!("template-validator/{name}/")
        );
    }
    assert_eq!(s["totals"]["repositories"], 4);
    assert_eq!(s["totals"]["failed"], 2);
    assert_eq!(s["totals"]["passed"], 2);
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let worst = md.find("| `codeowners-bad-owner` | **failed**").expect(&md);
    let best = md.find("| `complete` | passed").expect(&md);
    assert!(worst < best, "worst first:\n{md}");
    // Plain progress lines when standard error is not a terminal.
    assert!(r.stderr.contains("[4/4] "), "{}", r.stderr);
}

#[test]
fn trends_against_the_previous_run_decide_the_exit_code() {
    let (tmp, dir) = checkouts(CASES);
    let night1 = tmp.path().join("night1");
    audit(&["--dir", arg(&dir), "--out", arg(&night1)]);

    // Nothing changed: nothing new, exit 0 with the default --fail-on new.
    let night2 = tmp.path().join("night2");
    let r = audit(&[
        "--dir",
        arg(&dir),
        "--out",
        arg(&night2),
        "--previous",
        arg(&night1),
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
    let s = summary(&night2);
    assert_eq!(s["totals"]["new"], 0);
    assert_eq!(s["totals"]["fixed"], 0);
    // ... but failing findings still exist.
    let any = tmp.path().join("any");
    let r = audit(&[
        "--dir",
        arg(&dir),
        "--out",
        arg(&any),
        "--previous",
        arg(&night1),
        "--fail-on",
        "any",
    ]);
    assert_eq!(r.code, 1, "{}", r.describe());

    // Fix one problem and add a new failing one.
    std::fs::remove_file(dir.join("codeowners-bad-owner/.github/CODEOWNERS")).unwrap();
    std::fs::remove_file(dir.join("complete/SECURITY.md"))
        .or_else(|_| std::fs::remove_file(dir.join("complete/.github/SECURITY.md")))
        .unwrap();
    let night3 = tmp.path().join("night3");
    let r = audit(&[
        "--dir",
        arg(&dir),
        "--out",
        arg(&night3),
        "--previous",
        arg(&night2),
    ]);
    assert_eq!(r.code, 1, "a new failing finding: {}", r.describe());
    let s = summary(&night3);
    let bad = row(&s, "codeowners-bad-owner");
    assert_eq!(bad["fixed"], 2, "{bad:#}");
    assert_eq!(bad["new"], 1, "CODEOWNERS is now missing: {bad:#}");
    let complete = row(&s, "complete");
    assert_eq!(complete["passed"], false);
    assert!(complete["new"].as_u64().unwrap() >= 1);
    let md = std::fs::read_to_string(night3.join("summary.md")).unwrap();
    assert!(md.contains("## Changes since the previous run"), "{md}");
    let changes = md.find("## Changes").unwrap();
    let table = md.find("## Repositories").unwrap();
    assert!(changes < table, "changes lead:\n{md}");

    let none = tmp.path().join("none");
    let r = audit(&[
        "--dir",
        arg(&dir),
        "--out",
        arg(&none),
        "--previous",
        arg(&night2),
        "--fail-on",
        "none",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
}

#[test]
fn a_repository_that_cannot_be_audited_is_reported_and_fails_the_run() {
    let (tmp, dir) = checkouts(&["complete", "warnings-only"]);
    std::fs::write(
        dir.join("complete/.template-validator.toml"),
        "selcet = 1\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let r = audit(&["--dir", arg(&dir), "--out", arg(&out)]);
    assert_eq!(r.code, 1, "{}", r.describe());
    let s = summary(&out);
    let broken = row(&s, "complete");
    let error = broken["error"].as_str().unwrap();
    assert!(error.contains(".template-validator.toml:1"), "{error}");
    assert!(error.contains("selcet"), "{error}");
    assert_eq!(row(&s, "warnings-only")["error"], Value::Null);
    assert_eq!(s["totals"]["errors"], 1);
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("## Could not be audited"), "{md}");
    let r = audit(&[
        "--dir",
        arg(&dir),
        "--out",
        arg(&tmp.path().join("o2")),
        "--fail-on",
        "none",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
}

#[test]
fn a_manifest_names_local_folders() {
    let (tmp, _dir) = checkouts(&["complete", "missing-readme"]);
    let manifest = tmp.path().join("repos.toml");
    std::fs::write(
        &manifest,
        "repositories = [\"checkouts/complete\", { path = \"checkouts/missing-readme\", name = \"svc\" }]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let r = audit(&[
        "--manifest",
        arg(&manifest),
        "--out",
        arg(&out),
        "--fail-on",
        "any",
    ]);
    assert_eq!(r.code, 1, "{}", r.describe());
    let s = summary(&out);
    assert_eq!(row(&s, "complete")["passed"], true);
    assert_eq!(row(&s, "svc")["passed"], false);
    assert!(out.join("repos/svc.json").is_file());

    std::fs::write(&manifest, "repositories = [\"no such thing\"]\n").unwrap();
    let r = audit(&["--manifest", arg(&manifest), "--out", arg(&out)]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains("repositories[0]"), "{}", r.stderr);
}

#[test]
fn shards_merge_into_the_unsharded_summary() {
    let (tmp, dir) = checkouts(CASES);
    let p = |n: &str| tmp.path().join(n);
    audit(&["--dir", arg(&dir), "--out", arg(&p("full"))]);
    for i in 1..=3 {
        audit(&[
            "--dir",
            arg(&dir),
            "--out",
            arg(&p(&format!("s{i}"))),
            "--shard",
            &format!("{i}/3"),
        ]);
    }
    let sizes: Vec<usize> = (1..=3)
        .map(|i| {
            summary(&p(&format!("s{i}")))["repositories"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 4);
    assert!(
        sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
        "{sizes:?}"
    );
    let r = run(&[
        "audit-merge",
        arg(&p("s1")),
        arg(&p("s2")),
        arg(&p("s3")),
        "--out",
        arg(&p("merged")),
    ]);
    assert_eq!(r.code, 1, "{}", r.describe());
    let strip = |mut v: Value| {
        for r in v["repositories"].as_array_mut().unwrap() {
            r["duration_ms"] = Value::from(0);
        }
        v
    };
    assert_eq!(strip(summary(&p("merged"))), strip(summary(&p("full"))));
    for name in CASES {
        for ext in ["json", "sarif"] {
            let file = format!("repos/{name}.{ext}");
            assert_eq!(
                std::fs::read_to_string(p("merged").join(&file)).unwrap(),
                std::fs::read_to_string(p("full").join(&file)).unwrap(),
                "{file}"
            );
        }
    }
    // A repository in two shards is an error.
    let r = run(&[
        "audit-merge",
        arg(&p("s1")),
        arg(&p("s1")),
        "--out",
        arg(&p("bad")),
    ]);
    assert_eq!(r.code, 2, "{}", r.describe());
}

#[test]
fn usage_errors_exit_2() {
    let (tmp, dir) = checkouts(&["complete"]);
    let out = tmp.path().join("out");
    audit(&["--dir", arg(&dir), "--out", arg(&out)]);
    for (args, says) in [
        (vec!["--out", arg(&out)], "required"),
        (
            vec![
                "--dir",
                arg(&dir),
                "--out",
                arg(&out),
                "--previous",
                arg(&out),
            ],
            "same folder",
        ),
        (
            vec![
                "--dir",
                arg(&dir),
                "--out",
                arg(&out),
                "--previous",
                arg(&dir),
            ],
            "summary.json",
        ),
        (
            vec!["--dir", arg(&dir), "--out", arg(&out), "--shard", "3/2"],
            "shard",
        ),
        (
            vec!["--dir", arg(&tmp.path().join("nope")), "--out", arg(&out)],
            "cannot read",
        ),
        (
            vec!["--dir", arg(&dir), "--out", arg(&out), "--templates-only"],
            "github-org",
        ),
    ] {
        let r = audit(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.describe());
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
}
