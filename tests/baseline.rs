//! Baselines: `baseline PATH --output FILE` records today's findings by fingerprint;
//! `verify --baseline FILE` fails only on new ones, reports the gone ones as
//! `core/baseline-fixed` notes, keeps baselined findings in JSON (`"suppressed": true`)
//! and SARIF (`suppressions`) but out of the counts and the exit code.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{Run, arg, assert_valid_sarif, findings, run_offline, temp_copy_of};
use serde_json::Value;

const BAD_OWNER: &str = "testdata/required-files/codeowners-bad-owner";
const FIXED: &str = "core/baseline-fixed";

/// `baseline <repo> --output <dir>/baseline.json`; the file's path.
fn record(repo: &str, dir: &Path) -> PathBuf {
    let file = dir.join("baseline.json");
    let run = run_offline(&["baseline", repo, "--output", arg(&file)]);
    assert_eq!(run.code, 0, "{}", run.describe());
    file
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the file is written");
    serde_json::from_str(&text).expect("the file is JSON")
}

/// `verify <repo> --format <format> --baseline <file> <extra…>`.
fn verify(repo: &str, format: &str, baseline: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "verify",
        repo,
        "--format",
        format,
        "--color",
        "never",
        "--baseline",
        arg(baseline),
    ];
    args.extend_from_slice(extra);
    run_offline(&args)
}

fn json_report(repo: &str, baseline: &Path, extra: &[&str]) -> (Run, Value) {
    let run = verify(repo, "json", baseline, extra);
    let doc = run.json();
    (run, doc)
}

/// Findings not accepted by the baseline.
fn active(doc: &Value) -> Vec<&Value> {
    findings(doc)
        .iter()
        .filter(|f| f["suppressed"] != true)
        .collect()
}

fn summary(doc: &Value) -> (u64, u64, u64) {
    let n = |k: &str| doc["summary"][k].as_u64().expect("a count");
    (n("errors"), n("warnings"), n("notes"))
}

/// The headers of a human report's findings (`error[…]`, `warning[…]`, `note[…]`).
fn human_headers(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("warning[") || l.starts_with("note["))
        .collect()
}

fn codeowners(repo: &Path) -> PathBuf {
    repo.join(".github/CODEOWNERS")
}

#[test]
fn baseline_records_every_finding_by_fingerprint() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = tmp.path().join("b.json");
    let run = run_offline(&["baseline", BAD_OWNER, "--output", arg(&file)]);
    assert_eq!(
        run.code,
        0,
        "recording findings is not a failure\n{}",
        run.describe()
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("8 findings") && run.stderr.contains("b.json"),
        "{}",
        run.stderr
    );

    let doc = read_json(&file);
    let keys: Vec<&String> = doc.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["findings", "version"]);
    assert_eq!(doc["version"], 2);
    let entries = doc["findings"].as_array().expect("findings is an array");

    let report = run_offline(&["verify", BAD_OWNER, "--format", "json"]).json();
    let expected = findings(&report);
    assert_eq!(entries.len(), expected.len());
    assert_eq!(entries.len(), 8);
    for (entry, f) in entries.iter().zip(expected) {
        let fields: BTreeSet<&str> = entry
            .as_object()
            .expect("an entry is an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            BTreeSet::from(["fingerprint", "message", "path", "rule_id"])
        );
        assert_eq!(entry["fingerprint"], f["fingerprint"]);
        assert_eq!(entry["rule_id"], f["rule_id"]);
        assert_eq!(entry["path"], f["path"]);
        assert_eq!(entry["message"], f["message"]);
    }
    let fingerprints: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().expect("a fingerprint"))
        .collect();
    assert_eq!(fingerprints.len(), 8, "fingerprints are unique");

    // Without --output, the baseline goes to standard output.
    let run = run_offline(&["baseline", BAD_OWNER]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let printed: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(printed, doc);
}

#[test]
fn verify_with_its_own_baseline_passes() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = record(BAD_OWNER, tmp.path());

    let run = verify(BAD_OWNER, "human", &file, &["--strict"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(
        human_headers(&run.stdout),
        Vec::<&str>::new(),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("8 findings accepted by the baseline"),
        "{}",
        run.stdout
    );

    let run = verify(BAD_OWNER, "github", &file, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(!run.stdout.contains("::"), "{}", run.stdout);
    assert!(
        run.stdout.contains("(8 accepted by the baseline)"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_lists_baselined_findings_as_suppressed_outside_the_counts() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = record(BAD_OWNER, tmp.path());
    let (run, doc) = json_report(BAD_OWNER, &file, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(findings(&doc).len(), 8);
    assert!(
        findings(&doc).iter().all(|f| f["suppressed"] == true),
        "{doc:#}"
    );
    assert_eq!(summary(&doc), (0, 0, 0));

    // Without a baseline the field is absent (or false) and the counts are back.
    let plain = run_offline(&["verify", BAD_OWNER, "--format", "json"]).json();
    assert!(findings(&plain).iter().all(|f| f["suppressed"] != true));
    assert_eq!(summary(&plain), (3, 4, 1));
}

#[test]
fn sarif_keeps_baselined_results_as_externally_suppressed() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = record(BAD_OWNER, tmp.path());
    let run = verify(BAD_OWNER, "sarif", &file, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let doc: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&doc, "SARIF with a baseline");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 8, "baselined results stay in the file");
    for r in results {
        let suppressions = r["suppressions"].as_array().expect("suppressions");
        assert_eq!(suppressions.len(), 1, "{r}");
        assert_eq!(suppressions[0]["kind"], "external", "{r}");
        assert!(
            suppressions[0]
                .get("status")
                .is_none_or(|s| s == "accepted"),
            "{r}"
        );
    }
    // The same fingerprints as without the baseline: code scanning keeps the alerts.
    let plain: Value =
        serde_json::from_str(&run_offline(&["verify", BAD_OWNER, "--format", "sarif"]).stdout)
            .expect("SARIF is JSON");
    let fps = |d: &Value| -> Vec<Value> {
        d["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    assert_eq!(fps(&doc), fps(&plain));
    assert!(
        plain["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|r| r.get("suppressions").is_none())
    );
}

/// A new invalid owner, inserted at the top so every baselined line moves down: only the
/// new finding is reported (fingerprints survive line shifts).
#[test]
fn a_new_problem_fails_and_is_the_only_finding() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = record(BAD_OWNER, tmp.path());
    let (_copy, repo) = temp_copy_of(BAD_OWNER);
    let old = std::fs::read_to_string(codeowners(&repo)).expect("CODEOWNERS");
    std::fs::write(codeowners(&repo), format!("/new/ newteam\n{old}")).expect("write");
    let repo = arg(&repo);

    let (run, doc) = json_report(repo, &file, &["--strict"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    let new = active(&doc);
    assert_eq!(new.len(), 1, "{doc:#}");
    assert_eq!(new[0]["rule_id"], "required-files/codeowners-syntax");
    assert_eq!(new[0]["line"], 1);
    assert!(
        new[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`newteam`")),
        "{}",
        new[0]
    );
    assert_eq!(findings(&doc).len(), 9, "8 baselined + 1 new");
    assert_eq!(summary(&doc), (0, 1, 0));

    let run = verify(repo, "human", &file, &["--strict"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert_eq!(
        human_headers(&run.stdout),
        vec![
            "warning[required-files/codeowners-syntax]: `newteam` is not a valid owner \
             (expected `@user`, `@org/team` or an e-mail address)"
        ],
        "{}",
        run.stdout
    );

    // Without --strict a new warning does not fail; a new error does.
    let (run, _) = json_report(repo, &file, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
}

#[test]
fn a_new_error_fails_without_strict() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = record(BAD_OWNER, tmp.path());
    let (_copy, repo) = temp_copy_of(BAD_OWNER);
    std::fs::write(repo.join("README.md"), "  \n").expect("empty the README");
    let (run, doc) = json_report(arg(&repo), &file, &[]);
    assert_eq!(run.code, 1, "{}", run.describe());
    let rules: Vec<&str> = active(&doc)
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule_id"))
        .collect();
    assert_eq!(rules, ["required-files/readme"], "{doc:#}");
}

/// Fixing a baselined problem leaves a `core/baseline-fixed` note naming it; the other
/// baselined finding moved up a line and stays accepted.
#[test]
fn a_fixed_problem_is_reported_as_a_note() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = record(BAD_OWNER, tmp.path());
    let (_copy, repo) = temp_copy_of(BAD_OWNER);
    let old = std::fs::read_to_string(codeowners(&repo)).expect("CODEOWNERS");
    let fixed: String = old
        .lines()
        .filter(|l| !l.contains("team-js"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(fixed, old);
    std::fs::write(codeowners(&repo), fixed).expect("write");
    let repo = arg(&repo);

    let (run, doc) = json_report(repo, &file, &["--strict"]);
    assert_eq!(run.code, 0, "a note does not fail\n{}", run.describe());
    let new = active(&doc);
    assert_eq!(new.len(), 1, "{doc:#}");
    let note = new[0];
    assert_eq!(note["rule_id"], FIXED);
    assert_eq!(note["severity"], "note");
    let message = note["message"].as_str().expect("message");
    for part in [
        "required-files/codeowners-syntax",
        ".github/CODEOWNERS",
        "team-js",
    ] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    assert_eq!(summary(&doc), (0, 0, 1));
    assert_eq!(
        findings(&doc)
            .iter()
            .filter(|f| f["suppressed"] == true)
            .count(),
        7
    );

    let run = verify(repo, "human", &file, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(human_headers(&run.stdout).len(), 1, "{}", run.stdout);
    assert!(
        human_headers(&run.stdout)[0].starts_with("note[core/baseline-fixed]"),
        "{}",
        run.stdout
    );

    // The note is valid SARIF too, anchored like any repository-level finding.
    let run = verify(repo, "sarif", &file, &[]);
    let sarif: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&sarif, "SARIF with a fixed baseline entry");
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert!(rules.contains(&FIXED), "{rules:?}");
}

/// Baseline notes about rules the run does not check are not reported: `--select` limits
/// the run, not the fixes.
#[test]
fn entries_of_rules_not_run_are_not_reported_as_fixed() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = record(BAD_OWNER, tmp.path());
    let (run, doc) = json_report(
        BAD_OWNER,
        &file,
        &["--select", "required-files/codeowners-syntax"],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(active(&doc).is_empty(), "{doc:#}");
}

#[test]
fn a_corrupt_baseline_exits_2_naming_the_file() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let cases = [
        ("truncated.json", "{\"version\": 1, \"findings\": ["),
        ("not-json.json", "fingerprint,rule_id\n"),
        ("version-3.json", "{\"version\": 3, \"findings\": []}"),
        ("no-findings.json", "{\"version\": 1}"),
        (
            "report.json",
            "{\"version\": 1, \"tool\": {}, \"findings\": []}",
        ),
        ("empty.json", ""),
    ];
    for (name, text) in cases {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).expect("write the baseline");
        let run = verify(BAD_OWNER, "human", &file, &[]);
        assert_eq!(run.code, 2, "{name}\n{}", run.describe());
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{name}: a report despite the bad baseline\n{}",
            run.stdout
        );
    }
    let missing = tmp.path().join("missing.json");
    let run = verify(BAD_OWNER, "human", &missing, &[]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("missing.json"), "{}", run.stderr);
}

#[test]
fn baseline_to_an_unwritable_file_exits_2() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = tmp.path().join("no/such/folder/b.json");
    let run = run_offline(&["baseline", BAD_OWNER, "--output", arg(&file)]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("b.json"), "{}", run.stderr);
}
