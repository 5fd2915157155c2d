//! The `required-files` family, rule by rule: every rule of `rules/required-files.toml` has
//! a fixture where it fires and one where it does not (`testdata/required-files/<case>/`),
//! plus the details of what each finding says and where it points.

mod common;

use common::{arg, findings, findings_of, fixture, rule_ids, temp_copy, verify_json};
use serde_json::Value;

/// What a case expects of its rule.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The rule fires, every finding at this path (`None`: about the repository as a whole).
    Fires(Option<&'static str>),
    /// The rule fires once at each of these paths, and nowhere else.
    FiresAt(&'static [&'static str]),
    /// The rule does not fire.
    Silent,
}

impl Expect {
    const fn fires(self) -> bool {
        !matches!(self, Expect::Silent)
    }
}

use Expect::{Fires, FiresAt, Silent};

/// Run the whole family on the fixture and check what `required-files/<rule>` reports.
fn check_case(rule: &str, case: &str, expect: Expect) {
    let id = format!("required-files/{rule}");
    let (run, doc) = verify_json(&fixture(case), &["--select", "required-files"]);
    let got = findings_of(&doc, &id);
    match expect {
        Fires(path) => {
            assert!(
                !got.is_empty(),
                "`{id}` should fire on `{case}`; findings: {:?}\n{}",
                rule_ids(&doc),
                run.describe()
            );
            let want = path.map_or(Value::Null, |p| Value::String(p.to_owned()));
            for f in &got {
                assert_eq!(f["path"], want, "`{id}` on `{case}`: {f:#}");
            }
        }
        FiresAt(paths) => {
            let got: Vec<&str> = got
                .iter()
                .map(|f| f["path"].as_str().expect("a path"))
                .collect();
            assert_eq!(got, paths, "`{id}` on `{case}`");
        }
        Silent => assert!(
            got.is_empty(),
            "`{id}` should not fire on `{case}`: {got:#?}"
        ),
    }
}

macro_rules! cases {
    ($($name:ident: $rule:literal on $case:literal => $expect:expr;)*) => {
        /// Every case: (rule name, fixture, whether the rule fires).
        const CASES: &[(&str, &str, bool)] = &[$(($rule, $case, $expect.fires())),*];
        $(
            #[test]
            fn $name() {
                check_case($rule, $case, $expect);
            }
        )*
    };
}

cases! {
    readme_fires_when_missing: "readme" on "missing-readme" => Fires(None);
    readme_fires_when_whitespace_only: "readme" on "empty-readme" => Fires(Some("README.md"));
    readme_fires_when_only_in_a_subfolder: "readme" on "readme-elsewhere" => Fires(None);
    readme_silent_on_complete: "readme" on "complete" => Silent;
    readme_silent_when_in_docs: "readme" on "readme-in-docs" => Silent;
    readme_silent_when_lowercase: "readme" on "readme-lowercase" => Silent;

    license_fires_when_missing: "license" on "missing-license" => Fires(None);
    license_fires_when_empty: "license" on "empty-license" => Fires(Some("LICENSE"));
    license_fires_when_only_in_docs: "license" on "license-in-docs" => Fires(None);
    license_silent_on_complete: "license" on "complete" => Silent;
    license_silent_on_license_md: "license" on "license-md" => Silent;
    license_silent_on_custom_text: "license" on "license-unrecognized" => Silent;

    license_unrecognized_fires_on_custom_text: "license-unrecognized" on "license-unrecognized" => Fires(Some("LICENSE"));
    license_unrecognized_silent_on_mit: "license-unrecognized" on "complete" => Silent;
    license_unrecognized_silent_on_license_md: "license-unrecognized" on "license-md" => Silent;
    license_unrecognized_silent_on_spdx_tag: "license-unrecognized" on "license-spdx-tag" => Silent;
    license_unrecognized_silent_when_missing: "license-unrecognized" on "missing-license" => Silent;
    license_unrecognized_silent_when_empty: "license-unrecognized" on "empty-license" => Silent;

    security_policy_fires_when_missing: "security-policy" on "missing-security" => Fires(None);
    security_policy_fires_when_whitespace_only: "security-policy" on "empty-security" => Fires(Some(".github/SECURITY.md"));
    security_policy_silent_on_complete: "security-policy" on "complete" => Silent;
    security_policy_silent_in_root: "security-policy" on "security-root" => Silent;

    security_contact_fires_without_contact: "security-contact" on "security-no-contact" => Fires(Some(".github/SECURITY.md"));
    security_contact_fires_on_placeholder: "security-contact" on "security-placeholder-contact" => Fires(Some(".github/SECURITY.md"));
    security_contact_silent_on_complete: "security-contact" on "complete" => Silent;
    security_contact_silent_in_root: "security-contact" on "security-root" => Silent;
    security_contact_silent_on_template_variable: "security-contact" on "security-template-variable" => Silent;
    security_contact_silent_on_advisories_link: "security-contact" on "security-advisories-link" => Silent;
    security_contact_silent_when_policy_missing: "security-contact" on "missing-security" => Silent;
    security_contact_silent_when_policy_blank: "security-contact" on "empty-security" => Silent;

    contributing_fires_when_missing: "contributing" on "missing-contributing" => Fires(None);
    contributing_silent_on_complete: "contributing" on "complete" => Silent;
    contributing_silent_in_docs: "contributing" on "contributing-in-docs" => Silent;

    code_of_conduct_fires_when_missing: "code-of-conduct" on "missing-code-of-conduct" => Fires(None);
    code_of_conduct_silent_on_complete: "code-of-conduct" on "complete" => Silent;
    code_of_conduct_silent_with_dashes: "code-of-conduct" on "code-of-conduct-dashes" => Silent;

    codeowners_fires_when_missing: "codeowners" on "missing-codeowners" => Fires(None);
    codeowners_fires_when_lowercase: "codeowners" on "codeowners-lowercase" => Fires(None);
    codeowners_silent_on_complete: "codeowners" on "complete" => Silent;
    codeowners_silent_in_docs: "codeowners" on "codeowners-in-docs" => Silent;

    codeowners_syntax_fires_on_bad_owner: "codeowners-syntax" on "codeowners-bad-owner" => Fires(Some(".github/CODEOWNERS"));
    codeowners_syntax_fires_on_no_owner: "codeowners-syntax" on "codeowners-no-owner" => Fires(Some(".github/CODEOWNERS"));
    codeowners_syntax_fires_on_unsupported_patterns: "codeowners-syntax" on "codeowners-unsupported" => Fires(Some(".github/CODEOWNERS"));
    codeowners_syntax_silent_on_complete: "codeowners-syntax" on "complete" => Silent;
    codeowners_syntax_silent_on_shadowed_valid_files: "codeowners-syntax" on "codeowners-shadowed" => Silent;

    codeowners_shadowed_fires_with_two_files: "codeowners-shadowed" on "codeowners-shadowed" => FiresAt(&["CODEOWNERS", "docs/CODEOWNERS"]);
    codeowners_shadowed_silent_on_complete: "codeowners-shadowed" on "complete" => Silent;
    codeowners_shadowed_silent_with_one_file_in_docs: "codeowners-shadowed" on "codeowners-in-docs" => Silent;

    gitignore_fires_when_missing: "gitignore" on "missing-gitignore" => Fires(None);
    gitignore_silent_on_complete: "gitignore" on "complete" => Silent;

    update_automation_fires_when_missing: "update-automation" on "missing-update-automation" => Fires(None);
    update_automation_fires_on_dependabot_in_root: "update-automation" on "dependabot-in-root" => Fires(None);
    update_automation_silent_on_complete: "update-automation" on "complete" => Silent;
    update_automation_silent_on_renovate: "update-automation" on "renovate" => Silent;
    update_automation_silent_on_renovate_in_github: "update-automation" on "renovate-in-github" => Silent;
    update_automation_silent_on_dependabot_yaml: "update-automation" on "dependabot-yaml" => Silent;
}

// `codeowners-shadowed` findings are about the ignored files, not the repository: the
// case above only says "fires"; this pins the paths.
#[test]
fn codeowners_shadowed_names_every_ignored_file() {
    let (_, doc) = verify_json(
        &fixture("codeowners-shadowed"),
        &["--select", "required-files/codeowners-shadowed"],
    );
    let got: Vec<(&str, &str)> = findings(&doc)
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "CODEOWNERS",
                "`CODEOWNERS` is ignored: GitHub uses only the first CODEOWNERS it finds, `.github/CODEOWNERS`"
            ),
            (
                "docs/CODEOWNERS",
                "`docs/CODEOWNERS` is ignored: GitHub uses only the first CODEOWNERS it finds, `.github/CODEOWNERS`"
            ),
        ]
    );
    assert_eq!(doc["summary"]["warnings"], 2);
}

#[test]
fn every_rule_has_a_positive_and_a_negative_fixture() {
    let rules = common::pack_rules("rules/required-files.toml");
    assert!(rules.len() >= 12, "the pack lost rules: {rules:?}");
    for rule in &rules {
        let name = rule.id.strip_prefix("required-files/").unwrap();
        let positive = CASES.iter().any(|&(r, _, fires)| r == name && fires);
        let negative = CASES.iter().any(|&(r, _, fires)| r == name && !fires);
        assert!(positive, "no fixture where `{}` fires", rule.id);
        assert!(negative, "no fixture where `{}` stays silent", rule.id);
    }
    for &(rule, case, _) in CASES {
        assert!(
            rules
                .iter()
                .any(|r| r.id == format!("required-files/{rule}")),
            "case for unknown rule `{rule}`"
        );
        assert!(
            common::crate_root().join(fixture(case)).is_dir(),
            "missing fixture `{case}`"
        );
    }
}

#[test]
fn complete_repository_has_no_findings() {
    let (run, doc) = verify_json(&fixture("complete"), &["--select", "required-files"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(findings(&doc), &Vec::<Value>::new());
    assert_eq!(doc["summary"]["files_scanned"], 8);
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    // Without --select too: the built-in pack is the only one.
    let (run, doc) = verify_json(&fixture("complete"), &[]);
    assert_eq!(run.code, 0);
    assert!(findings(&doc).is_empty());
}

/// Each file of the `complete` fixture, the rule that reports it missing, and its severity.
const REQUIRED: &[(&str, &str, &str)] = &[
    ("README.md", "required-files/readme", "error"),
    ("LICENSE", "required-files/license", "error"),
    (
        ".github/SECURITY.md",
        "required-files/security-policy",
        "error",
    ),
    ("CONTRIBUTING.md", "required-files/contributing", "error"),
    (
        "CODE_OF_CONDUCT.md",
        "required-files/code-of-conduct",
        "warning",
    ),
    (".github/CODEOWNERS", "required-files/codeowners", "warning"),
    (".gitignore", "required-files/gitignore", "note"),
    (
        ".github/dependabot.yml",
        "required-files/update-automation",
        "warning",
    ),
];

#[test]
fn removing_any_required_file_is_reported() {
    let mut files = common::files_under(&common::crate_root().join(fixture("complete")));
    files.sort();
    let mut table: Vec<&str> = REQUIRED.iter().map(|(f, _, _)| *f).collect();
    table.sort_unstable();
    assert_eq!(files, table, "every file of `complete` is in REQUIRED");

    for &(file, rule, severity) in REQUIRED {
        let (_tmp, repo) = temp_copy("complete");
        std::fs::remove_file(repo.join(file)).unwrap();

        let (run, doc) = verify_json(arg(&repo), &["--select", "required-files"]);
        assert_eq!(
            rule_ids(&doc),
            [rule],
            "removing `{file}`: exactly `{rule}` fires\n{}",
            run.describe()
        );
        let f = &findings(&doc)[0];
        assert_eq!(f["severity"], severity, "{f:#}");
        assert_eq!(
            f["path"],
            Value::Null,
            "a missing file is about the repository"
        );
        assert!(
            f["message"].as_str().unwrap().starts_with("missing: no "),
            "{f:#}"
        );
        // Errors fail the run; warnings only with --strict; notes never.
        let (plain, strict) = match severity {
            "error" => (1, 1),
            "warning" => (0, 1),
            _ => (0, 0),
        };
        assert_eq!(run.code, plain, "removing `{file}`: exit without --strict");
        let (run, _) = verify_json(arg(&repo), &["--select", "required-files", "--strict"]);
        assert_eq!(run.code, strict, "removing `{file}`: exit with --strict");
    }
}

#[test]
fn removing_every_required_file_reports_every_presence_rule() {
    let (_tmp, repo) = temp_copy("complete");
    for (file, _, _) in REQUIRED {
        std::fs::remove_file(repo.join(file)).unwrap();
    }
    let (run, doc) = verify_json(arg(&repo), &[]);
    assert_eq!(run.code, 1);
    let mut got = rule_ids(&doc);
    got.sort();
    let mut want: Vec<&str> = REQUIRED.iter().map(|(_, r, _)| *r).collect();
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(doc["summary"]["errors"], 4);
    assert_eq!(doc["summary"]["warnings"], 3);
    assert_eq!(doc["summary"]["notes"], 1);
    assert_eq!(doc["summary"]["files_scanned"], 0);
}

#[test]
fn missing_readme_message_lists_names_and_locations() {
    let (_, doc) = verify_json(
        &fixture("missing-readme"),
        &["--select", "required-files/readme"],
    );
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0]["message"],
        "missing: no `README` or `README.*` in `.github/`, the repository root or `docs/`"
    );
    for key in ["path", "line", "column", "end_line", "end_column"] {
        assert_eq!(f[0][key], Value::Null, "{key}");
    }
    assert_eq!(f[0]["severity"], "error");
}

#[test]
fn whitespace_only_readme_counts_as_missing() {
    let (_, doc) = verify_json(
        &fixture("empty-readme"),
        &["--select", "required-files/readme"],
    );
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(f[0]["path"], "README.md");
    assert_eq!(
        f[0]["message"],
        "`README.md` is empty or only whitespace, which counts as missing"
    );
    assert_eq!(f[0]["line"], Value::Null);
}

#[test]
fn unrecognised_license_names_the_closest_license() {
    let (run, doc) = verify_json(
        &fixture("license-unrecognized"),
        &[
            "--select",
            "required-files/license,required-files/license-unrecognized",
        ],
    );
    // A warning: the run passes unless --strict.
    assert_eq!(run.code, 0);
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1, "{doc:#}");
    assert_eq!(f[0]["rule_id"], "required-files/license-unrecognized");
    assert_eq!(f[0]["severity"], "warning");
    let message = f[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("`LICENSE` is not a recognisable license text (closest: "),
        "{message}"
    );
    assert!(message.ends_with("% similarity)"), "{message}");
}

#[test]
fn security_policy_without_contact_says_what_is_missing() {
    let (run, doc) = verify_json(
        &fixture("security-no-contact"),
        &["--select", "required-files/security-contact"],
    );
    assert_eq!(run.code, 1);
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0]["message"],
        "`.github/SECURITY.md` gives no way to report a vulnerability: no e-mail address, URL or security-advisories link"
    );
    assert_eq!(f[0]["severity"], "error");
}

#[test]
fn placeholder_security_contact_is_named() {
    let (_, doc) = verify_json(
        &fixture("security-placeholder-contact"),
        &["--select", "required-files/security-contact"],
    );
    let f = &findings(&doc)[..];
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0]["message"],
        "`.github/SECURITY.md` gives no way to report a vulnerability: only placeholder contacts (security@example.com)"
    );
}

/// `(line, column, end_line, end_column, message)` of every finding of a rule.
fn spans(doc: &Value, rule_id: &str) -> Vec<(u64, u64, u64, u64, String)> {
    findings_of(doc, rule_id)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
                f["end_line"].as_u64().expect("end_line"),
                f["end_column"].as_u64().expect("end_column"),
                f["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect()
}

#[test]
fn codeowners_bad_owners_are_pointed_at() {
    let (run, doc) = verify_json(
        &fixture("codeowners-bad-owner"),
        &["--select", "required-files/codeowners-syntax"],
    );
    assert_eq!(run.code, 0, "warnings only");
    assert_eq!(
        spans(&doc, "required-files/codeowners-syntax"),
        [
            (
                3,
                15,
                3,
                22,
                "`team-js` is not a valid owner (expected `@user`, `@org/team` or an e-mail address)"
                    .to_owned()
            ),
            (
                4,
                36,
                4,
                56,
                "`docs(at)acme-corp.io` is not a valid owner (expected `@user`, `@org/team` or an e-mail address)"
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn codeowners_patterns_without_owner_are_pointed_at() {
    let (_, doc) = verify_json(
        &fixture("codeowners-no-owner"),
        &["--select", "required-files/codeowners-syntax"],
    );
    assert_eq!(
        spans(&doc, "required-files/codeowners-syntax"),
        [
            (
                2,
                1,
                2,
                13,
                "`/build/logs/` has no owner, so these paths are left unowned".to_owned()
            ),
            (
                3,
                1,
                3,
                9,
                "`/vendor/` has no owner, so these paths are left unowned".to_owned()
            ),
        ]
    );
}

#[test]
fn codeowners_negation_and_ranges_are_reported() {
    let (_, doc) = verify_json(
        &fixture("codeowners-unsupported"),
        &["--select", "required-files/codeowners-syntax"],
    );
    let got = spans(&doc, "required-files/codeowners-syntax");
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!((got[0].0, got[0].1), (2, 1));
    assert!(got[0].4.contains("`!` negation"), "{}", got[0].4);
    assert_eq!((got[1].0, got[1].1), (3, 1));
    assert!(got[1].4.contains("`[ ]` character ranges"), "{}", got[1].4);
}

/// The rule's help says "Template variables such as `@{{ cookiecutter.github_team }}` are
/// accepted" — with the spaces cookiecutter templates usually have.
#[test]
fn codeowners_template_variable_owners_are_accepted() {
    let (_, doc) = verify_json(
        &fixture("codeowners-template-owner"),
        &["--select", "required-files/codeowners-syntax"],
    );
    assert_eq!(
        spans(&doc, "required-files/codeowners-syntax"),
        Vec::<(u64, u64, u64, u64, String)>::new(),
        "`@{{{{cookiecutter.x}}}}/{{{{cookiecutter.y}}}}` and `@{{{{ cookiecutter.docs_team }}}}` are owners"
    );
}

#[test]
fn cookiecutter_template_is_checked_at_the_root_by_default() {
    let (run, doc) = verify_json(&fixture("cookiecutter"), &[]);
    assert_eq!(run.code, 1);
    let mut got = rule_ids(&doc);
    got.sort();
    let mut want: Vec<&str> = REQUIRED.iter().map(|(_, r, _)| *r).collect();
    want.sort_unstable();
    assert_eq!(got, want, "every presence rule fires at the root");
    assert!(findings(&doc).iter().all(|f| f["path"].is_null()));
}

#[test]
fn cookiecutter_template_with_configured_root_passes() {
    // testdata/required-files/cookiecutter-configured/.template-validator.toml sets
    // `[rules.required-files] root = "{{cookiecutter.project_slug}}"`.
    let (run, doc) = verify_json(&fixture("cookiecutter-configured"), &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(findings(&doc), &Vec::<Value>::new());
    assert_eq!(doc["summary"]["files_scanned"], 10);
}

#[test]
fn cookiecutter_root_given_with_config_flag() {
    let (run, doc) = verify_json(
        &fixture("cookiecutter"),
        &["--config", "testdata/config/cookiecutter-root.toml"],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(findings(&doc).is_empty(), "{doc:#}");
}

#[test]
fn cookiecutter_root_finds_problems_inside_the_template_folder() {
    let (_tmp, repo) = temp_copy("cookiecutter-configured");
    let slug = repo.join("{{cookiecutter.project_slug}}");
    std::fs::remove_file(slug.join("README.md")).unwrap();
    std::fs::write(slug.join(".github/CODEOWNERS"), "/docs/\n").unwrap();
    // Required files only: the README that is gone was the one file reading some of the
    // template's variables (`template/unused-variable` says so).
    let (run, doc) = verify_json(arg(&repo), &["--select", "required-files"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        rule_ids(&doc),
        ["required-files/readme", "required-files/codeowners-syntax"]
    );
    assert_eq!(
        findings(&doc)[1]["path"],
        "{{cookiecutter.project_slug}}/.github/CODEOWNERS"
    );
    // A README at the repository root no longer counts.
    std::fs::write(repo.join("README.md"), "# the template's own README\n").unwrap();
    let (_, doc) = verify_json(arg(&repo), &["--select", "required-files/readme"]);
    assert_eq!(rule_ids(&doc), ["required-files/readme"]);
}
