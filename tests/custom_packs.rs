//! Custom rule packs (`testdata/config/org-pack.toml`) written with the data-driven kinds
//! `file-exists`, `file-absent`, `file-contains` and `file-not-contains`, loaded with
//! `--rules` or a configuration's `packs`, and tuned by the configuration: `severity`,
//! family-prefix tables, `exclude`.

mod common;

use common::{arg, findings, run, verify_json};
use serde_json::Value;

const PACK: &str = "testdata/config/org-pack.toml";
const PASS: &str = "testdata/config/org-pass";
const FAIL: &str = "testdata/config/org-fail";

/// `(rule_id, severity, path, line, column)` of every finding.
type Row = (String, String, Option<String>, Option<u64>, Option<u64>);

fn rows(doc: &Value) -> Vec<Row> {
    findings(doc)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("a string field").to_owned(),
                f["severity"].as_str().expect("a string field").to_owned(),
                f["path"].as_str().map(str::to_owned),
                f["line"].as_u64(),
                f["column"].as_u64(),
            )
        })
        .collect()
}

fn row(rule: &str, severity: &str, path: Option<&str>, pos: Option<(u64, u64)>) -> Row {
    (
        rule.to_owned(),
        severity.to_owned(),
        path.map(str::to_owned),
        pos.map(|p| p.0),
        pos.map(|p| p.1),
    )
}

/// Everything the org pack reports on `org-fail`, in report order, at `severity` for the
/// rules declared as errors.
fn all_fail_rows(error: &str) -> Vec<Row> {
    vec![
        row("org/changelog", error, None, None),
        row("org/no-dotenv", error, Some(".env"), None),
        row(
            "org/no-template-todo",
            error,
            Some(".github/dependabot.yml"),
            Some((3, 42)),
        ),
        row("org/readme-usage", "warning", Some("README.md"), None),
        row(
            "org/no-template-todo",
            error,
            Some("README.md"),
            Some((7, 30)),
        ),
        row("org/no-dotenv", error, Some("services/api/.env"), None),
    ]
}

#[test]
fn org_pack_is_silent_on_a_conforming_repository() {
    let (run, doc) = verify_json(PASS, &["--rules", PACK, "--select", "org"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(rows(&doc), Vec::<Row>::new());
    assert_eq!(doc["summary"]["files_scanned"], 3);
}

#[test]
fn org_pack_reports_every_kind_on_a_failing_repository() {
    let (run, doc) = verify_json(FAIL, &["--rules", PACK, "--select", "org"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert_eq!(rows(&doc), all_fail_rows("error"));
}

#[test]
fn file_exists_reports_the_missing_file() {
    let (_, doc) = verify_json(FAIL, &["--rules", PACK, "--select", "org/changelog"]);
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0]["message"],
        "missing: no `CHANGELOG.md` in the repository root"
    );
    assert_eq!(f[0]["path"], Value::Null);
}

#[test]
fn file_absent_reports_each_match_with_its_message() {
    let (_, doc) = verify_json(FAIL, &["--rules", PACK, "--select", "org/no-dotenv"]);
    let messages: Vec<&str> = findings(&doc)
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "`.env` must not be committed; commit a `.env.example` instead",
            "`services/api/.env` must not be committed; commit a `.env.example` instead",
        ]
    );
    // `.env.example` in org-pass does not match `**/.env`.
    let (_, doc) = verify_json(PASS, &["--rules", PACK, "--select", "org/no-dotenv"]);
    assert!(findings(&doc).is_empty());
}

#[test]
fn file_contains_reports_a_file_without_the_pattern() {
    let (_, doc) = verify_json(FAIL, &["--rules", PACK, "--select", "org/readme-usage"]);
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["message"], "`README.md` has no `## Usage` section");
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(f[0]["line"], Value::Null);
}

#[test]
fn file_not_contains_points_at_each_match() {
    let (_, doc) = verify_json(FAIL, &["--rules", PACK, "--select", "org/no-template-todo"]);
    let got: Vec<(&str, u64, u64, u64, u64)> = findings(&doc)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["end_line"].as_u64().unwrap(),
                f["end_column"].as_u64().unwrap(),
            )
        })
        .collect();
    // `TODO(template)` is 14 characters; end_column is exclusive.
    assert_eq!(
        got,
        [
            (".github/dependabot.yml", 3, 42, 3, 56),
            ("README.md", 7, 30, 7, 44)
        ]
    );
    assert_eq!(
        findings(&doc)[1]["message"],
        "`README.md` has an unresolved `TODO(template)` marker"
    );
}

#[test]
fn file_not_contains_counts_columns_in_characters() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("NOTES.md"),
        "# Notes\n\nÜber-Größe: TODO(template)\r\nok\n",
    )
    .unwrap();
    let (_, doc) = verify_json(
        arg(tmp.path()),
        &["--rules", PACK, "--select", "org/no-template-todo"],
    );
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(
        (&f[0]["line"], &f[0]["column"], &f[0]["end_column"]),
        (&Value::from(3), &Value::from(13), &Value::from(27))
    );
}

#[test]
fn the_org_pack_adds_to_the_builtin_rules() {
    let (_, doc) = verify_json(FAIL, &["--rules", PACK]);
    let ids = common::rule_ids(&doc);
    assert!(
        ids.contains(&"required-files/license".to_owned()),
        "{ids:?}"
    );
    assert!(ids.contains(&"org/changelog".to_owned()), "{ids:?}");
    let (_, doc) = verify_json(PASS, &["--rules", PACK]);
    let ids = common::rule_ids(&doc);
    assert!(
        ids.iter().all(|id| id.starts_with("required-files/")),
        "{ids:?}"
    );
}

#[test]
fn config_packs_entry_loads_the_pack_relative_to_the_config() {
    let (run, doc) = verify_json(FAIL, &["--config", "testdata/config/with-pack.toml"]);
    assert_eq!(run.code, 1);
    assert_eq!(rows(&doc), all_fail_rows("error"));
}

#[test]
fn the_same_pack_twice_is_an_error() {
    let r = run(&[
        "verify",
        FAIL,
        "--config",
        "testdata/config/with-pack.toml",
        "--rules",
        PACK,
    ]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains("`org/changelog` is already declared"),
        "{}",
        r.stderr
    );
}

#[test]
fn severity_off_turns_rules_off() {
    let (run, doc) = verify_json(FAIL, &["--config", "testdata/config/severity-off.toml"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        rows(&doc),
        [
            row("org/changelog", "error", None, None),
            row("org/readme-usage", "warning", Some("README.md"), None),
        ]
    );
}

#[test]
fn family_prefix_sets_the_severity_of_every_rule() {
    let (run, doc) = verify_json(FAIL, &["--config", "testdata/config/family-warning.toml"]);
    assert_eq!(run.code, 0, "warnings only: {}", run.describe());
    assert_eq!(rows(&doc), all_fail_rows("warning"));
    assert_eq!(doc["summary"]["warnings"], 6);
    let (run, _) = verify_json(
        FAIL,
        &[
            "--config",
            "testdata/config/family-warning.toml",
            "--strict",
        ],
    );
    assert_eq!(run.code, 1);
}

#[test]
fn a_rules_own_entry_wins_over_its_family() {
    let (run, doc) = verify_json(FAIL, &["--config", "testdata/config/family-severity.toml"]);
    assert_eq!(run.code, 1);
    let mut want = all_fail_rows("warning");
    want[0].1 = "error".to_owned(); // org/changelog
    assert_eq!(rows(&doc), want);
}

#[test]
fn family_prefix_parameters_apply_to_every_rule() {
    // `[rules.org] root = "services/api"`: every org rule looks there.
    let (run, doc) = verify_json(FAIL, &["--config", "testdata/config/family-root.toml"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        rows(&doc),
        [
            row("org/changelog", "error", None, None),
            row("org/no-dotenv", "error", Some("services/api/.env"), None),
        ]
    );
    assert_eq!(
        findings(&doc)[0]["message"],
        "missing: no `CHANGELOG.md` in `services/api/`"
    );
}

#[test]
fn family_prefix_with_an_unknown_parameter_exits_2() {
    let r = run(&[
        "verify",
        FAIL,
        "--config",
        "testdata/config/family-bad-param.toml",
    ]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr
            .contains("testdata/config/family-bad-param.toml:4: `rules.\"org\".nmaes`"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
}

#[test]
fn exclude_globs_are_never_scanned() {
    let (run, doc) = verify_json(FAIL, &["--config", "testdata/config/exclude.toml"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        rows(&doc),
        [
            row("org/changelog", "error", None, None),
            row("org/no-dotenv", "error", Some(".env"), None),
            row("org/readme-usage", "warning", Some("README.md"), None),
            row(
                "org/no-template-todo",
                "error",
                Some("README.md"),
                Some((7, 30))
            ),
        ]
    );
    // `services/` and `*.yml` left out: 2 of the 4 files are scanned.
    assert_eq!(doc["summary"]["files_scanned"], 2);
}

#[test]
fn cli_select_replaces_the_configs_select() {
    let (_, doc) = verify_json(
        FAIL,
        &[
            "--config",
            "testdata/config/with-pack.toml",
            "--select",
            "org/no-dotenv",
        ],
    );
    assert_eq!(common::rule_ids(&doc), ["org/no-dotenv", "org/no-dotenv"]);
}

#[test]
fn cli_ignore_adds_to_the_config() {
    let (_, doc) = verify_json(
        FAIL,
        &[
            "--config",
            "testdata/config/severity-off.toml",
            "--ignore",
            "org/changelog",
        ],
    );
    assert_eq!(common::rule_ids(&doc), ["org/readme-usage"]);
}

#[test]
fn org_pack_human_output_shows_the_source_line() {
    let r = run(&[
        "verify",
        FAIL,
        "--rules",
        PACK,
        "--select",
        "org/no-template-todo",
        "--color",
        "never",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains(" --> README.md:7:30\n"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("7 | Install the toolchain, then  TODO(template): describe the first steps."),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("  |{}^^^^^^^^^^^^^^\n", " ".repeat(30))),
        "{}",
        r.stdout
    );
}

/// The engine's own kind is internal: a user pack cannot declare a rule of it (it would be
/// listed as enabled and never fire).
#[test]
fn a_user_pack_cannot_declare_an_internal_kind() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pack = tmp.path().join("pack.toml");
    std::fs::write(
        &pack,
        "[[rule]]\nid = \"org/engine\"\nseverity = \"error\"\ntitle = \"t\"\nhelp = \"h\"\nkind = \"engine\"\n",
    )
    .expect("write the pack");
    let out = run(&["verify", FAIL, "--rules", arg(&pack)]);
    assert_eq!(out.code, 2, "{}", out.describe());
    assert!(out.stderr.contains("pack.toml:6:"), "{}", out.describe());
    assert!(
        out.stderr.contains("unknown kind `engine`"),
        "{}",
        out.describe()
    );
}

/// Every `docker-context` rule fires, whichever `check` it names. A pack's own
/// rule with `check = "ineffective-pattern"` reports what the built-in rule reports, at
/// the same places (ineffective and invalid lines, unread ignore files), each under its id.
#[test]
fn an_org_rule_reusing_ineffective_pattern_fires_next_to_the_builtin_one() {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    let pack = dir.path().join("org-docker.toml");
    std::fs::write(
        &pack,
        r#"
[[rule]]
id = "org/ineffective"
kind = "docker-context"
severity = "note"
title = "Our ignore files have no dead lines"
help = "Fix or remove the line."
[rule.params]
check = "ineffective-pattern"
"#,
    )
    .expect("write the pack");
    let places = |doc: &Value, rule: &str| -> Vec<(Value, Value, Value, Value)> {
        common::findings_of(doc, rule)
            .into_iter()
            .map(|f| {
                (
                    f["path"].clone(),
                    f["line"].clone(),
                    f["column"].clone(),
                    f["message"].clone(),
                )
            })
            .collect()
    };
    for case in ["ineffective", "invalid-pattern", "compose-parent"] {
        let (_, doc) = verify_json(
            &format!("testdata/dockerignore/{case}"),
            &["--rules", arg(&pack), "--select", "dockerignore,org"],
        );
        let builtin = places(&doc, "dockerignore/ineffective-pattern");
        assert!(!builtin.is_empty(), "{case}: {doc:#}");
        assert_eq!(places(&doc, "org/ineffective"), builtin, "{case}");
    }
}
