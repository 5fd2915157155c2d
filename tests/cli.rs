//! The command line: exit codes (0 clean, 1 failing findings, 2 the run cannot be trusted),
//! `--strict`, `--quiet`, `--output`, and the `rules` and `explain` commands.

mod common;

use common::{builtin_rules, fixture, run, verify_json};
use serde_json::Value;

/// Exit 2 with one `error:` message on stderr that contains every one of `needles`, and
/// nothing on stdout.
fn assert_untrusted(args: &[&str], needles: &[&str]) {
    let r = run(args);
    assert_eq!(r.code, 2, "{args:?}\n{}", r.describe());
    assert!(
        r.stderr.starts_with("error: "),
        "{args:?}\n{}",
        r.describe()
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for needle in needles {
        assert!(
            r.stderr.contains(needle),
            "{args:?}: stderr should contain {needle:?}\n{}",
            r.stderr
        );
    }
    assert_eq!(
        r.stdout, "",
        "{args:?}: no report when the run cannot be trusted"
    );
}

// ------------------------------------------------------------------------------- exit 0 / 1

#[test]
fn complete_repository_exits_0() {
    let r = run(&[
        "verify",
        &fixture("complete"),
        "--select",
        "required-files",
        "--color",
        "never",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert_eq!(r.stdout, "no findings in 8 files\n");
    assert_eq!(r.stderr, "");
}

#[test]
fn errors_exit_1() {
    let r = run(&["verify", &fixture("missing-readme"), "--color", "never"]);
    assert_eq!(r.code, 1, "{}", r.describe());
    assert!(
        r.stdout
            .contains("error[required-files/readme]: missing: no `README`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .ends_with("failed: 2 errors, 3 warnings, 1 note in 2 files\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn notes_never_fail_the_run() {
    let (run, doc) = verify_json(
        &fixture("missing-gitignore"),
        &["--select", "required-files/gitignore", "--strict"],
    );
    assert_eq!(doc["summary"]["notes"], 1);
    assert_eq!(run.code, 0, "{}", run.describe());
}

// -------------------------------------------------------------------------------- --strict

#[test]
fn warnings_pass_without_strict_and_fail_with_it() {
    let path = fixture("warnings-only");
    let (plain, doc) = verify_json(&path, &[]);
    assert_eq!(plain.code, 0, "{}", plain.describe());
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["summary"]["warnings"], 2);
    assert_eq!(
        common::rule_ids(&doc),
        [
            "required-files/code-of-conduct",
            "required-files/update-automation"
        ]
    );

    let (strict, doc) = verify_json(&path, &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.describe());
    assert_eq!(doc["summary"]["warnings"], 2);

    let human = run(&["verify", &path, "--color", "never"]);
    assert!(
        human
            .stdout
            .ends_with("passed: 0 errors, 2 warnings, 0 notes in 6 files\n"),
        "{}",
        human.stdout
    );
    let human = run(&["verify", &path, "--color", "never", "--strict"]);
    assert_eq!(human.code, 1);
    assert!(
        human
            .stdout
            .ends_with("failed: 0 errors, 2 warnings, 0 notes in 6 files\n"),
        "{}",
        human.stdout
    );
}

#[test]
fn strict_from_the_config_file() {
    let r = run(&[
        "verify",
        &fixture("warnings-only"),
        "--config",
        "testdata/config/strict.toml",
    ]);
    assert_eq!(r.code, 1, "{}", r.describe());
}

// --------------------------------------------------------------------------------- exit 2

#[test]
fn missing_path_exits_2() {
    assert_untrusted(
        &["verify", "testdata/required-files/does-not-exist"],
        &["path `testdata/required-files/does-not-exist` does not exist"],
    );
}

#[test]
fn file_instead_of_directory_exits_2() {
    assert_untrusted(
        &["verify", "testdata/required-files/complete/README.md"],
        &["path `testdata/required-files/complete/README.md` is not a directory"],
    );
}

#[test]
fn config_with_unknown_key_names_file_line_and_key() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--config",
            "testdata/config/unknown-key.toml",
        ],
        &["testdata/config/unknown-key.toml:3:", "`selcet`"],
    );
}

#[test]
fn config_with_wrong_type_names_file_and_line() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--config",
            "testdata/config/wrong-type.toml",
        ],
        &["testdata/config/wrong-type.toml:4:", "expected a boolean"],
    );
}

/// STYLE.md: "`toml::Spanned` so errors name file:line:key" — a type error must say which
/// key has the wrong type, not only the line.
#[test]
fn config_with_wrong_type_names_the_key() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--config",
            "testdata/config/wrong-type.toml",
        ],
        &["testdata/config/wrong-type.toml:4:", "strict"],
    );
}

#[test]
fn config_with_unknown_select_entry_names_line_and_key() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--config",
            "testdata/config/unknown-select.toml",
        ],
        &[
            "testdata/config/unknown-select.toml:4:",
            "`select`",
            "`required-files/nope`",
        ],
    );
}

#[test]
fn config_with_unknown_rule_table_names_line_and_key() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--config",
            "testdata/config/unknown-rule-table.toml",
        ],
        &[
            "testdata/config/unknown-rule-table.toml:4:",
            "`rules.\"required-files/read-me\"`",
        ],
    );
}

#[test]
fn config_with_unknown_severity_names_the_key() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--config",
            "testdata/config/bad-severity.toml",
        ],
        &[
            "testdata/config/bad-severity.toml:",
            "`rules.\"required-files/readme\".severity`",
            "`fatal`",
        ],
    );
}

#[test]
fn missing_config_file_exits_2() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--config",
            "testdata/config/does-not-exist.toml",
        ],
        &["testdata/config/does-not-exist.toml", "not found"],
    );
}

#[test]
fn pack_with_unknown_kind_exits_2() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--rules",
            "testdata/config/bad-pack-unknown-kind.toml",
        ],
        &[
            "testdata/config/bad-pack-unknown-kind.toml:13:",
            "`kind`",
            "unknown kind `file-has-header`",
        ],
    );
}

#[test]
fn pack_with_invalid_toml_exits_2() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--rules",
            "testdata/config/bad-pack-invalid-toml.toml",
        ],
        &["testdata/config/bad-pack-invalid-toml.toml:4:"],
    );
}

#[test]
fn pack_with_bad_regex_exits_2() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--rules",
            "testdata/config/bad-pack-regex.toml",
        ],
        &[
            "testdata/config/bad-pack-regex.toml:",
            "org/no-fixme",
            "invalid `pattern`",
            "unclosed group",
        ],
    );
}

#[test]
fn missing_pack_file_exits_2() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--rules",
            "testdata/config/does-not-exist.toml",
        ],
        &[
            "testdata/config/does-not-exist.toml",
            "cannot read rule pack",
        ],
    );
}

#[test]
fn unknown_select_id_exits_2() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--select",
            "required-files/nope",
        ],
        &["--select", "`required-files/nope`"],
    );
    // One bad entry in a comma-separated list is enough.
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--select",
            "required-files/readme,nope",
        ],
        &["--select", "`nope`"],
    );
}

#[test]
fn unknown_ignore_id_exits_2() {
    assert_untrusted(
        &["verify", &fixture("complete"), "--ignore", "bogus"],
        &["--ignore", "`bogus`"],
    );
}

/// `--select ''` or `--select ,,,` (an unset CI variable) would turn every rule off and
/// pass: in `verify`, `baseline` and `audit` it is an error instead.
#[test]
fn a_select_that_names_no_rule_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for value in ["", ",,,", " , ", "/"] {
        for command in ["verify", "baseline"] {
            assert_untrusted(
                &[command, &fixture("complete"), "--select", value],
                &["--select"],
            );
        }
        assert_untrusted(
            &[
                "audit",
                "--dir",
                "testdata/required-files",
                "--out",
                common::arg(&out),
                "--select",
                value,
            ],
            &["--select"],
        );
    }
    assert_untrusted(
        &["verify", &fixture("complete"), "--select", ""],
        &["names no rule"],
    );
    assert!(!out.exists(), "audit stops before it writes anything");
    // Empty items beside real ones are skipped, in both lists.
    let (r, _) = verify_json(
        &fixture("complete"),
        &["--select", "required-files/readme,,", "--ignore", ",,"],
    );
    assert_eq!(r.code, 0, "{}", r.describe());
}

/// A selection that leaves no rule on (beyond the engine's own `core/` rules) is a gate that
/// checks nothing: exit 2, naming where the selection comes from.
#[test]
fn a_selection_that_leaves_no_rule_enabled_exits_2() {
    assert_untrusted(
        &[
            "verify",
            &fixture("complete"),
            "--select",
            "required-files",
            "--ignore",
            "required-files",
        ],
        &["--select", "no rule is left enabled"],
    );
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("c.toml");
    let with_config = |text: &str, needles: &[&str]| {
        std::fs::write(&config, text).unwrap();
        let path = common::arg(&config);
        assert_untrusted(
            &["verify", &fixture("complete"), "--config", path],
            &[&[path][..], needles].concat(),
        );
        assert_untrusted(
            &["baseline", &fixture("complete"), "--config", path],
            needles,
        );
    };
    with_config(
        "strict = true\nselect = []\n",
        &["c.toml:2:", "`select`", "no rule is left enabled"],
    );
    with_config(
        "select = [\n  \"required-files\",\n  \"\",\n]\n",
        &["c.toml:3:", "`select`", "empty rule id"],
    );
    with_config(
        "ignore = [\"secrets\", \" \"]\n",
        &["c.toml:1:", "`ignore`", "empty rule id"],
    );
    let all_off: String = [
        "required-files",
        "secrets",
        "pinning",
        "dockerignore",
        "template",
    ]
    .iter()
    .map(|f| format!("[rules.{f}]\nseverity = \"off\"\n"))
    .collect();
    with_config(&all_off, &["no rule is left enabled"]);
    // Listing rules still works with such a configuration: it shows them all off.
    let r = run(&["rules", "--config", common::arg(&config)]);
    assert_eq!(r.code, 0, "{}", r.describe());
}

/// `-j 100000` would spend its time creating threads: clamped, with a warning, in every
/// command that takes it.
#[test]
fn too_many_jobs_are_clamped_with_a_warning() {
    let (r, _) = verify_json(&fixture("complete"), &["-j", "100000"]);
    assert!(
        r.stderr
            .contains("warning: --jobs 100000 is more than this machine can use"),
        "{}",
        r.describe()
    );
    let r = run(&["baseline", &fixture("complete"), "--jobs", "100000"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stderr.contains("warning: --jobs 100000"), "{}", r.stderr);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repos");
    common::copy_dir(
        &common::crate_root().join(fixture("complete")),
        &dir.join("complete"),
    );
    let out = tmp.path().join("out");
    let r = run(&[
        "audit",
        "--dir",
        common::arg(&dir),
        "--out",
        common::arg(&out),
        "-j",
        "100000",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.stderr.contains("warning: --jobs 100000"), "{}", r.stderr);
    // A number the machine can use is taken as it is, without a word.
    let r = run(&["verify", &fixture("complete"), "-j", "2", "--quiet"]);
    assert!(!r.stderr.contains("--jobs"), "{}", r.stderr);
}

#[test]
fn bad_format_value_exits_2() {
    assert_untrusted(
        &["verify", &fixture("complete"), "--format", "xml"],
        &["invalid value 'xml' for '--format <FORMAT>'", "human, json"],
    );
}

#[test]
fn unknown_subcommand_exits_2() {
    let r = run(&["lint", &fixture("complete")]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains("unrecognized subcommand 'lint'"),
        "{}",
        r.stderr
    );
}

// ------------------------------------------------------------- --select / --ignore / output

#[test]
fn select_and_ignore_narrow_the_rules() {
    let path = fixture("missing-readme");
    let (_, doc) = verify_json(&path, &["--select", "required-files/readme"]);
    assert_eq!(common::rule_ids(&doc), ["required-files/readme"]);

    let (run, doc) = verify_json(&path, &["--ignore", "required-files/readme"]);
    assert!(!common::rule_ids(&doc).contains(&"required-files/readme".to_owned()));
    assert!(common::rule_ids(&doc).contains(&"required-files/security-policy".to_owned()));
    assert_eq!(run.code, 1);

    // The most specific selector wins: ignore the family, select one rule back.
    let (_, doc) = verify_json(
        &path,
        &[
            "--select",
            "required-files/codeowners",
            "--ignore",
            "required-files",
        ],
    );
    assert_eq!(common::rule_ids(&doc), ["required-files/codeowners"]);
}

#[test]
fn quiet_leaves_out_summary_and_warnings() {
    let path = "testdata/bad-input/invalid-utf8-license";
    let loud = run(&["verify", path, "--color", "never"]);
    assert!(
        loud.stderr.contains("warning: LICENSE: "),
        "{}",
        loud.stderr
    );
    assert!(loud.stdout.contains("failed: "), "{}", loud.stdout);

    let quiet = run(&["verify", path, "--color", "never", "--quiet"]);
    assert_eq!(quiet.code, loud.code);
    assert_eq!(quiet.stderr, "");
    assert!(!quiet.stdout.contains("failed: "), "{}", quiet.stdout);
    assert!(
        quiet
            .stdout
            .contains("error[required-files/security-policy]"),
        "findings are still printed: {}",
        quiet.stdout
    );
}

#[test]
fn output_file_holds_the_same_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let path = fixture("codeowners-bad-owner");
    let to_file = run(&[
        "verify",
        &path,
        "--format",
        "json",
        "--output",
        common::arg(&out),
    ]);
    assert_eq!(to_file.code, 1);
    assert_eq!(to_file.stdout, "");
    let written = std::fs::read_to_string(&out).unwrap();
    let (_, doc) = verify_json(&path, &[]);
    assert_eq!(serde_json::from_str::<Value>(&written).unwrap(), doc);
}

#[test]
fn output_does_not_depend_on_the_number_of_threads() {
    for case in ["cookiecutter", "codeowners-shadowed", "complete"] {
        let path = fixture(case);
        let one = run(&["verify", &path, "--format", "json", "--jobs", "1"]);
        let many = run(&["verify", &path, "--format", "json", "--jobs", "4"]);
        assert_eq!(one.code, many.code, "{case}");
        assert_eq!(one.stdout, many.stdout, "{case}");
    }
}

// ---------------------------------------------------------------------------------- rules

#[test]
fn rules_json_lists_every_rule() {
    let r = run(&["rules", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    let doc = r.json();
    assert_eq!(doc["version"], 1);
    let listed = doc["rules"].as_array().expect("rules array");
    let pack = builtin_rules();
    let ids: Vec<&str> = listed.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = pack.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, want, "every rule, in declaration order");
    for (entry, rule) in listed.iter().zip(&pack) {
        assert_eq!(entry["severity"], rule.severity.as_str(), "{}", rule.id);
        assert_eq!(entry["default_severity"], rule.severity.as_str());
        assert_eq!(entry["title"], rule.title.as_str(), "{}", rule.id);
        let family = rule.id.split('/').next().unwrap_or_default();
        assert_eq!(entry["family"], family, "{}", rule.id);
        assert_eq!(entry["enabled"], true, "{}", rule.id);
        assert!(entry["kind"].is_string(), "{entry:#}");
        assert!(
            entry["help_uri"].is_null()
                || entry["help_uri"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("https://")),
            "{entry:#}"
        );
    }
}

#[test]
fn rules_human_lists_every_rule_with_its_severity() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    let lines: Vec<&str> = r.stdout.lines().collect();
    let pack = builtin_rules();
    assert_eq!(lines.len(), pack.len(), "{}", r.stdout);
    for (line, rule) in lines.iter().zip(&pack) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[0], rule.id);
        assert_eq!(cols[1], rule.severity);
        assert!(line.ends_with(&rule.title), "{line}");
    }
}

#[test]
fn rules_include_packs_and_configured_severities() {
    let r = run(&[
        "rules",
        "--format",
        "json",
        "--config",
        "testdata/config/severity-off.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
    let doc = r.json();
    let rules = doc["rules"].as_array().unwrap();
    let get = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("`{id}` listed"))
    };
    let dotenv = get("org/no-dotenv");
    assert_eq!(dotenv["family"], "org");
    assert_eq!(dotenv["kind"], "file-absent");
    assert_eq!(dotenv["severity"], "off");
    assert_eq!(dotenv["default_severity"], "error");
    assert_eq!(dotenv["enabled"], false);
    assert_eq!(get("org/changelog")["enabled"], true);
    assert_eq!(get("org/readme-usage")["severity"], "warning");
    // The config selects only `org`: the built-in rules are listed, but not enabled.
    assert_eq!(get("required-files/readme")["enabled"], false);
    assert_eq!(rules.len(), builtin_rules().len() + 4);
}

#[test]
fn rules_with_a_broken_pack_exit_2() {
    assert_untrusted(
        &[
            "rules",
            "--rules",
            "testdata/config/bad-pack-unknown-kind.toml",
        ],
        &["bad-pack-unknown-kind.toml:13:", "file-has-header"],
    );
}

// -------------------------------------------------------------------------------- explain

#[test]
fn explain_prints_the_rules_help() {
    let r = run(&["explain", "required-files/security-policy"]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(
        r.stdout.starts_with(
            "# required-files/security-policy\n\nThe repository has a security policy\n\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("severity: error · family: required-files · kind: file-exists"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Add a `SECURITY.md` (in `.github/`, the root or `docs/`)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with(
            "\nSee https://docs.github.com/en/code-security/getting-started/adding-a-security-policy-to-your-repository\n"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn explain_works_for_every_rule() {
    for rule in builtin_rules() {
        let r = run(&["explain", &rule.id]);
        assert_eq!(r.code, 0, "{}: {}", rule.id, r.describe());
        assert!(
            r.stdout
                .starts_with(&format!("# {}\n\n{}\n", rule.id, rule.title)),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains(&format!("severity: {} ·", rule.severity)),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn explain_a_pack_rule() {
    let r = run(&[
        "explain",
        "org/no-dotenv",
        "--rules",
        "testdata/config/org-pack.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(
        r.stdout
            .starts_with("# org/no-dotenv\n\nNo .env files are committed\n")
    );
    assert!(
        r.stdout.contains("commit a\n`.env.example`"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("\nSee "), "no help_uri, no link");
}

#[test]
fn explain_unknown_rule_exits_2() {
    assert_untrusted(
        &["explain", "nope"],
        &["no rule `nope`", "template-validator rules"],
    );
}

#[test]
fn explain_a_family_exits_2_and_lists_its_rules() {
    let r = run(&["explain", "required-files"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`required-files` is a family"),
        "{}",
        r.stderr
    );
    for rule in common::pack_rules("rules/required-files.toml") {
        assert!(r.stderr.contains(&rule.id), "{}: {}", rule.id, r.stderr);
    }
    assert_eq!(r.stdout, "");
}

/// The tool's own repository passes its own checks, strictly (its fixtures under
/// `testdata/` are excluded by its `.template-validator.toml`).
#[test]
fn the_project_passes_its_own_checks() {
    let run = run(&["verify", ".", "--strict", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.describe());
}
