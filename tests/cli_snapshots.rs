//! Snapshots of what users read: human reports (`--color never`), JSON reports, `rules`,
//! `explain`, and the messages of runs that cannot be trusted. `rules --format json` is
//! checked by structure instead (`rules_json`).
//!
//! The binary runs in the crate root with relative fixture paths, so no snapshot holds an
//! absolute or machine-specific path; the tool's version is filtered out so a release does
//! not rewrite every snapshot. Review changes with `INSTA_UPDATE=always cargo test` and a
//! diff of `tests/snapshots/`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Run, crate_root, listed_rules, pack_rules, run};
use serde_json::Value;

/// Exit code, stdout and stderr in one text.
fn transcript(args: &[&str], r: &Run) -> String {
    format!(
        "$ template-validator {}\nexit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        args.join(" "),
        r.code,
        r.stdout,
        r.stderr
    )
}

fn snapshot(name: &str, args: &[&str]) {
    let r = run(args);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let text = transcript(args, &r);
    insta::with_settings!({
        filters => vec![
            (r#""version": "\d+\.\d+\.\d+[^"]*""#, r#""version": "[VERSION]""#),
        ],
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn human_complete() {
    snapshot(
        "human_complete",
        &[
            "verify",
            "testdata/required-files/complete",
            "--select",
            "required-files",
            "--color",
            "never",
        ],
    );
}

#[test]
fn human_warnings_only() {
    snapshot(
        "human_warnings_only",
        &[
            "verify",
            "testdata/required-files/warnings-only",
            "--color",
            "never",
        ],
    );
}

/// Every finding here is about the repository (no path, no line), so the order is the
/// rule-id tie-break of the JSON contract's sort: (path, line, column, rule id).
#[test]
fn human_cookiecutter_every_file_missing() {
    snapshot(
        "human_cookiecutter",
        &[
            "verify",
            "testdata/required-files/cookiecutter",
            "--color",
            "never",
        ],
    );
}

#[test]
fn human_codeowners_bad_owner() {
    snapshot(
        "human_codeowners_bad_owner",
        &[
            "verify",
            "testdata/required-files/codeowners-bad-owner",
            "--select",
            "required-files/codeowners-syntax",
            "--color",
            "never",
        ],
    );
}

#[test]
fn human_security_findings() {
    snapshot(
        "human_security_placeholder_contact",
        &[
            "verify",
            "testdata/required-files/security-placeholder-contact",
            "--select",
            "required-files/security-policy,required-files/security-contact",
            "--color",
            "never",
        ],
    );
}

#[test]
fn human_org_pack() {
    snapshot(
        "human_org_fail",
        &[
            "verify",
            "testdata/config/org-fail",
            "--rules",
            "testdata/config/org-pack.toml",
            "--select",
            "org",
            "--color",
            "never",
        ],
    );
}

#[test]
fn human_invalid_utf8_license_warning() {
    snapshot(
        "human_invalid_utf8_license",
        &[
            "verify",
            "testdata/bad-input/invalid-utf8-license",
            "--select",
            "required-files/license,required-files/license-unrecognized",
            "--color",
            "never",
        ],
    );
}

/// Repository findings first, ordered by rule id; then the CODEOWNERS spans by line.
#[test]
fn json_codeowners_bad_owner() {
    snapshot(
        "json_codeowners_bad_owner",
        &[
            "verify",
            "testdata/required-files/codeowners-bad-owner",
            "--format",
            "json",
        ],
    );
}

#[test]
fn json_org_pack() {
    snapshot(
        "json_org_fail",
        &[
            "verify",
            "testdata/config/org-fail",
            "--rules",
            "testdata/config/org-pack.toml",
            "--select",
            "org",
            "--format",
            "json",
        ],
    );
}

#[test]
fn json_binary_codeowners_diagnostic() {
    snapshot(
        "json_binary_codeowners",
        &[
            "verify",
            "testdata/bad-input/binary-codeowners",
            "--select",
            "required-files/codeowners-syntax",
            "--format",
            "json",
        ],
    );
}

#[test]
fn rules_human() {
    snapshot("rules_human", &["rules"]);
}

/// `rules --format json`, by structure rather than a 2,000-line snapshot: each rule's
/// fields, well-formed unique ids, as many rules per family as its pack declares, and a few
/// rules field by field.
#[test]
fn rules_json() {
    let rules = listed_rules();
    let id_shape = regex::Regex::new(r"^([a-z0-9]+(?:-[a-z0-9]+)*)/[a-z0-9]+(?:-[a-z0-9]+)*$")
        .expect("the id pattern compiles");
    let text = |r: &Value, key: &str| -> String {
        let value = r[key].as_str().unwrap_or_default();
        assert!(!value.trim().is_empty(), "`{key}` of {r:#}");
        value.to_owned()
    };
    let mut ids = BTreeSet::new();
    let mut per_family: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rules {
        let id = text(r, "id");
        let family = text(r, "family");
        text(r, "kind");
        text(r, "title");
        let shape = id_shape.captures(&id);
        assert_eq!(
            shape.and_then(|c| c.get(1)).map(|m| m.as_str()),
            Some(family.as_str()),
            "`{id}` is `<family>/<kebab-case-name>`"
        );
        assert!(
            ["error", "warning", "note"].contains(&text(r, "severity").as_str()),
            "{r:#}"
        );
        assert_eq!(
            r["severity"], r["default_severity"],
            "no configuration: {r:#}"
        );
        assert_eq!(r["enabled"], true, "{r:#}");
        assert!(
            r["help_uri"].is_null() || r["help_uri"].is_string(),
            "{r:#}"
        );
        assert!(r["tags"].is_array(), "{r:#}");
        assert!(ids.insert(id.clone()), "`{id}` is listed twice");
        *per_family.entry(family).or_default() += 1;
    }

    // The packs: the same rules, family by family, each with its help text.
    let mut declared: BTreeMap<String, usize> = BTreeMap::new();
    let mut pack_ids = BTreeSet::new();
    for entry in std::fs::read_dir(crate_root().join("rules")).expect("rules/ is readable") {
        let path = entry.expect("a pack").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let family = path
            .file_stem()
            .expect("a pack file name")
            .to_string_lossy()
            .into_owned();
        let pack = format!("rules/{family}.toml");
        let rules = pack_rules(&pack);
        for rule in &rules {
            assert!(
                rule.id.starts_with(&format!("{family}/")),
                "`{}` is in {pack}",
                rule.id
            );
            assert!(!rule.help.trim().is_empty(), "`{}` has no help", rule.id);
            pack_ids.insert(rule.id.clone());
        }
        *declared.entry(family).or_default() += rules.len();
    }
    assert_eq!(
        per_family, declared,
        "rules per family vs the packs' [[rule]] entries"
    );
    assert_eq!(ids, pack_ids);
    assert_eq!(
        declared.keys().collect::<Vec<_>>(),
        [
            "core",
            "dockerignore",
            "pinning",
            "required-files",
            "secrets",
            "template"
        ]
    );

    let rule = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("`{id}` is listed"))
    };
    let fields = |id: &str| {
        let r = rule(id);
        ["family", "kind", "severity"].map(|k| r[k].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(fields("core/baseline-fixed"), ["core", "engine", "note"]);
    assert_eq!(rule("core/baseline-fixed")["help_uri"], Value::Null);
    assert_eq!(
        fields("core/suppression-without-reason"),
        ["core", "engine", "warning"]
    );
    assert_eq!(
        fields("required-files/security-policy"),
        ["required-files", "file-exists", "error"]
    );
    assert_eq!(
        rule("required-files/security-policy")["title"],
        "The repository has a security policy"
    );
    assert_eq!(
        fields("dockerignore/missing"),
        ["dockerignore", "docker-context", "error"]
    );
    assert_eq!(
        rule("dockerignore/missing")["tags"],
        serde_json::json!(["docker", "security", "performance"])
    );
    assert_eq!(
        fields("pinning/action-unpinned"),
        ["pinning", "pinning", "error"]
    );
    assert_eq!(
        fields("secrets/aws-access-key-id"),
        ["secrets", "secret-pattern", "error"]
    );
    assert_eq!(
        fields("secrets/generic-password"),
        ["secrets", "secret-pattern", "warning"]
    );
    assert_eq!(
        rule("secrets/aws-access-key-id")["help_uri"],
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console"
    );
    // Listed in the packs' order: core first, then the families.
    assert_eq!(rules[0]["id"], "core/baseline-fixed");
}

#[test]
fn explain_security_policy() {
    snapshot(
        "explain_security_policy",
        &["explain", "required-files/security-policy"],
    );
}

#[test]
fn explain_codeowners_syntax() {
    snapshot(
        "explain_codeowners_syntax",
        &["explain", "required-files/codeowners-syntax"],
    );
}

#[test]
fn usage_errors() {
    let cases: &[&[&str]] = &[
        &["verify", "testdata/required-files/does-not-exist"],
        &["verify", "testdata/required-files/complete/README.md"],
        &[
            "verify",
            "testdata/required-files/complete",
            "--config",
            "testdata/config/unknown-key.toml",
        ],
        &[
            "verify",
            "testdata/required-files/complete",
            "--config",
            "testdata/config/wrong-type.toml",
        ],
        &[
            "verify",
            "testdata/required-files/complete",
            "--config",
            "testdata/config/unknown-select.toml",
        ],
        &[
            "verify",
            "testdata/required-files/complete",
            "--rules",
            "testdata/config/bad-pack-unknown-kind.toml",
        ],
        &[
            "verify",
            "testdata/required-files/complete",
            "--rules",
            "testdata/config/bad-pack-invalid-toml.toml",
        ],
        &[
            "verify",
            "testdata/required-files/complete",
            "--rules",
            "testdata/config/bad-pack-regex.toml",
        ],
        &[
            "verify",
            "testdata/required-files/complete",
            "--select",
            "required-files/nope",
        ],
        &[
            "verify",
            "testdata/required-files/complete",
            "--format",
            "xml",
        ],
        &["explain", "nope"],
    ];
    let mut text = String::new();
    for args in cases {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}\n{}", r.describe());
        text.push_str(&transcript(args, &r));
        text.push('\n');
    }
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!("usage_errors", text);
    });
}
