//! Snapshots of what users read: human reports (`--color never`), JSON reports, `rules`,
//! `explain`, and the messages of runs that cannot be trusted.
//!
//! The binary runs in the crate root with relative fixture paths, so no snapshot holds an
//! absolute or machine-specific path; the tool's version is filtered out so a release does
//! not rewrite every snapshot. Review changes with `INSTA_UPDATE=always cargo test` and a
//! diff of `tests/snapshots/`.

mod common;

use common::{Run, run};

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

#[test]
fn rules_json() {
    snapshot("rules_json", &["rules", "--format", "json"]);
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
