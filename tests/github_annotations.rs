//! `--format github`: GitHub Actions workflow commands, one per finding, escaped as the
//! Actions toolkit does (`%`, CR, LF in messages; also `:` and `,` in properties), errors
//! before warnings before notices, then a summary line; and the Markdown job summary
//! appended to `$GITHUB_STEP_SUMMARY`.

mod common;

use std::path::{Path, PathBuf};

use common::{Run, arg, run_cmd, run_offline, temp_copy_of, tv_offline};

const BAD_OWNER: &str = "testdata/required-files/codeowners-bad-owner";
const ORG_PACK: &str = "testdata/config/org-pack.toml";
const ORG_FAIL: &str = "testdata/config/org-fail";

fn github(path: &str, extra: &[&str]) -> Run {
    let mut args = vec!["verify", path, "--format", "github"];
    args.extend_from_slice(extra);
    let run = run_offline(&args);
    assert!(
        run.code == 0 || run.code == 1,
        "`{}`\n{}",
        args.join(" "),
        run.describe()
    );
    run
}

/// The workflow-command lines of a run's output.
fn commands(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("::")).collect()
}

/// `error`, `warning` or `notice` of a command line.
fn kind(line: &str) -> &str {
    line[2..].split([' ', ':']).next().expect("a command name")
}

/// The properties of a command line (`file=…,line=…`), split at the unescaped commas.
fn properties(line: &str) -> Vec<(&str, &str)> {
    let rest = &line[2..];
    let head = &rest[..rest.find("::").expect("a `::` before the message")];
    match head.split_once(' ') {
        None => Vec::new(),
        Some((_, props)) => props
            .split(',')
            .map(|p| p.split_once('=').expect("name=value"))
            .collect(),
    }
}

fn property<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    properties(line)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// The message of a command line: everything after the second `::`.
fn message(line: &str) -> &str {
    let rest = &line[2..];
    &rest[rest.find("::").expect("a `::` before the message") + 2..]
}

fn rank(kind: &str) -> u8 {
    match kind {
        "error" => 0,
        "warning" => 1,
        "notice" => 2,
        other => panic!("unknown workflow command {other}"),
    }
}

/// A pack in `dir/pack.toml`.
fn write_pack(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("pack.toml");
    std::fs::write(&path, text).expect("write the pack");
    path
}

fn golden(name: &str, args: &[&str]) {
    let run = run_offline(args);
    assert!(run.code == 0 || run.code == 1, "{}", run.describe());
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    insta::with_settings!({omit_expression => true, description => args.join(" ")}, {
        insta::assert_snapshot!(name, run.stdout);
    });
}

#[test]
fn golden_codeowners_bad_owner() {
    golden(
        "github_codeowners_bad_owner",
        &["verify", BAD_OWNER, "--format", "github"],
    );
}

#[test]
fn golden_org_pack_on_org_fail() {
    golden(
        "github_org_fail_org_pack",
        &[
            "verify", ORG_FAIL, "--rules", ORG_PACK, "--format", "github",
        ],
    );
}

#[test]
fn one_command_per_finding_with_the_json_location() {
    for (path, extra) in [(BAD_OWNER, &[][..]), (ORG_FAIL, &["--rules", ORG_PACK][..])] {
        let run = github(path, extra);
        let (_, report) = common::verify_json(path, extra);
        let lines = commands(&run.stdout);
        let findings = common::findings(&report);
        assert_eq!(lines.len(), findings.len(), "{}", run.stdout);
        for f in findings {
            let rule = f["rule_id"].as_str().expect("rule_id");
            let text = f["message"].as_str().expect("message");
            let line = lines
                .iter()
                .find(|l| property(l, "title") == Some(rule) && message(l).starts_with(text))
                .unwrap_or_else(|| panic!("no command for {f}\n{}", run.stdout));
            let want = match f["severity"].as_str().expect("severity") {
                "error" => "error",
                "warning" => "warning",
                _ => "notice",
            };
            assert_eq!(kind(line), want, "{line}");
            // Relative to the repository root (the crate root, see `tv_offline`).
            let file = f["path"].as_str().map(|p| format!("{path}/{p}"));
            assert_eq!(property(line, "file"), file.as_deref(), "{line}");
            let number = |k: &str| f[k].as_u64().map(|n| n.to_string());
            assert_eq!(property(line, "line"), number("line").as_deref(), "{line}");
            assert_eq!(property(line, "endLine"), number("end_line").as_deref());
            assert_eq!(property(line, "col"), number("column").as_deref(), "{line}");
            assert_eq!(property(line, "endColumn"), number("end_column").as_deref());
        }
    }
}

#[test]
fn errors_come_before_warnings_before_notices() {
    for (path, extra) in [(BAD_OWNER, &[][..]), (ORG_FAIL, &["--rules", ORG_PACK][..])] {
        let run = github(path, extra);
        let ranks: Vec<u8> = commands(&run.stdout)
            .iter()
            .map(|l| rank(kind(l)))
            .collect();
        assert!(
            ranks.contains(&0) && ranks.contains(&1) && ranks.contains(&2),
            "every kind should be present:\n{}",
            run.stdout
        );
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "not sorted by severity:\n{}",
            run.stdout
        );
    }
}

#[test]
fn the_summary_line_closes_the_output() {
    let run = github(BAD_OWNER, &[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout.lines().last(),
        Some("template-validator failed: 3 errors, 4 warnings, 1 note in 2 files")
    );
    assert_eq!(
        run.stdout.lines().filter(|l| !l.starts_with("::")).count(),
        1,
        "{}",
        run.stdout
    );

    let run = github("testdata/required-files/warnings-only", &[]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout.lines().last(),
        Some("template-validator passed: 0 errors, 2 warnings, 0 notes in 6 files")
    );
    let run = github("testdata/required-files/warnings-only", &["--strict"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout.lines().last(),
        Some("template-validator failed: 0 errors, 2 warnings, 0 notes in 6 files")
    );

    let run = github("testdata/required-files/complete", &[]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "template-validator passed: 0 errors, 0 warnings, 0 notes in 8 files\n"
    );
}

/// A pack whose message holds `%`, CR, LF (and `:`/`,`, which a message keeps), matching a
/// file whose name holds `,`, `:` and `%` (which the `file` property escapes).
#[test]
fn messages_and_properties_are_escaped_like_the_actions_toolkit() {
    let (tmp, repo) = temp_copy_of("testdata/required-files/complete");
    std::fs::write(repo.join("we,ird:na%me.md"), "x MARK\n").expect("write a file");
    let pack = write_pack(
        tmp.path(),
        r#"
[[rule]]
id = "test/escape"
kind = "file-not-contains"
severity = "error"
title = "Escaping"
help = "Sure: 100%, really."
[rule.params]
paths = ["*.md"]
pattern = 'MARK'
message = "50% of `{path}`\r\nnext: a, b"
"#,
    );
    let run = github(arg(&repo), &["--rules", arg(&pack), "--select", "test"]);
    let lines = commands(&run.stdout);
    assert_eq!(
        lines,
        vec![
            "::error file=we%2Cird%3Ana%25me.md,line=1,endLine=1,col=3,endColumn=7,\
             title=test/escape::50%25 of `we,ird:na%25me.md`%0D%0Anext: a, b%0A%0A\
             Sure: 100%25, really. (template-validator explain test/escape)"
        ],
        "{}",
        run.stdout
    );
    // Nothing unescaped is left that could end the command or start another one.
    for line in run.stdout.lines() {
        assert!(!line.contains('\r'), "{line:?}");
    }
}

/// A CODEOWNERS owner with `,`, `:` and `%` (the message keeps `,` and `:`, escapes `%`).
#[test]
fn codeowners_owner_with_special_characters_is_escaped() {
    let (_tmp, repo) = temp_copy_of(BAD_OWNER);
    std::fs::write(
        repo.join(".github/CODEOWNERS"),
        "* @acme/platform\n/api/ team,a:b%c\n",
    )
    .expect("write CODEOWNERS");
    let run = github(
        arg(&repo),
        &["--select", "required-files/codeowners-syntax"],
    );
    let lines = commands(&run.stdout);
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let line = lines[0];
    assert!(
        line.starts_with(
            "::warning file=.github/CODEOWNERS,line=2,endLine=2,col=7,endColumn=17,\
             title=required-files/codeowners-syntax::`team,a:b%25c` is not a valid owner"
        ),
        "{line}"
    );
}

/// A match across lines (`(?s)`) gets `line`/`endLine` but no columns: GitHub misplaces
/// them on a multi-line span.
#[test]
fn a_multi_line_span_has_no_columns() {
    let (tmp, repo) = temp_copy_of("testdata/required-files/complete");
    std::fs::write(
        repo.join("span.md"),
        "intro\nBEGIN one\ntwo\nthree END\nafter MARK\n",
    )
    .expect("write a file");
    let pack = write_pack(
        tmp.path(),
        r#"
[[rule]]
id = "test/span"
kind = "file-not-contains"
severity = "warning"
title = "No spans"
help = "Remove the span."
[rule.params]
paths = ["span.md"]
pattern = '(?s)BEGIN.*?END|MARK'
message = "a span"
"#,
    );
    let run = github(arg(&repo), &["--rules", arg(&pack), "--select", "test"]);
    let lines = commands(&run.stdout);
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        properties(lines[0]),
        vec![
            ("file", "span.md"),
            ("line", "2"),
            ("endLine", "4"),
            ("title", "test/span")
        ],
        "{}",
        lines[0]
    );
    assert_eq!(
        properties(lines[1]),
        vec![
            ("file", "span.md"),
            ("line", "5"),
            ("endLine", "5"),
            ("col", "7"),
            ("endColumn", "11"),
            ("title", "test/span")
        ],
        "{}",
        lines[1]
    );
}

// ------------------------------------------------------------------------- job summary

/// Run `verify … --format github` with `GITHUB_STEP_SUMMARY` pointing at `summary`.
fn with_summary(summary: &Path, args: &[&str]) -> Run {
    let run = run_cmd(tv_offline().args(args).env("GITHUB_STEP_SUMMARY", summary));
    assert!(run.code == 0 || run.code == 1, "{}", run.describe());
    run
}

/// What a run appended to a summary file that held `before`.
fn appended(summary: &Path, before: &str) -> String {
    let text = std::fs::read_to_string(summary).expect("the summary file exists");
    assert!(
        text.starts_with(before),
        "the summary's earlier content was not kept:\n{text}"
    );
    text[before.len()..].to_owned()
}

#[test]
fn golden_job_summary() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let summary = tmp.path().join("summary.md");
    let before = "## An earlier step\n\nIts summary.\n";
    std::fs::write(&summary, before).expect("write the summary");
    let args = ["verify", BAD_OWNER, "--format", "github"];
    let run = with_summary(&summary, &args);
    let stdout_alone = run_offline(&args).stdout;
    assert_eq!(
        run.stdout, stdout_alone,
        "the job summary changed standard output"
    );
    let md = appended(&summary, before);
    insta::with_settings!({omit_expression => true, description => args.join(" ")}, {
        insta::assert_snapshot!("job_summary_codeowners_bad_owner", md);
    });

    // Its parts: the verdict, the family/severity table, the findings, how to reproduce.
    assert!(md.contains("template-validator failed: 3 errors, 4 warnings, 1 note"));
    assert!(md.contains("| required-files | 3 | 4 | 1 |"), "{md}");
    assert!(
        md.contains("| warning | `required-files/codeowners-syntax` | `.github/CODEOWNERS:3` |")
    );
    assert!(
        md.contains(&format!("template-validator verify {BAD_OWNER}")),
        "{md}"
    );

    // A second run appends again.
    with_summary(&summary, &args);
    let again = appended(&summary, before);
    assert_eq!(again, format!("{md}{md}"));
}

#[test]
fn golden_job_summary_with_a_pack() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let summary = tmp.path().join("summary.md");
    let args = [
        "verify", ORG_FAIL, "--rules", ORG_PACK, "--format", "github",
    ];
    with_summary(&summary, &args);
    let md = appended(&summary, "");
    insta::with_settings!({omit_expression => true, description => args.join(" ")}, {
        insta::assert_snapshot!("job_summary_org_fail_org_pack", md);
    });
    assert!(md.contains("| org | 5 | 1 | 0 |"), "{md}");
}

/// "How to reproduce locally" reproduces the run: with the same packs and selection.
#[test]
fn the_reproduce_command_keeps_the_rule_flags() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let summary = tmp.path().join("summary.md");
    with_summary(
        &summary,
        &[
            "verify", ORG_FAIL, "--rules", ORG_PACK, "--select", "org", "--format", "github",
        ],
    );
    let md = appended(&summary, "");
    let command = md
        .lines()
        .find(|l| l.starts_with("template-validator verify"))
        .unwrap_or_else(|| panic!("no reproduce command:\n{md}"));
    for part in [
        "--rules testdata/config/org-pack.toml",
        "--select org",
        ORG_FAIL,
    ] {
        assert!(
            command.contains(part),
            "the reproduce command `{command}` lacks `{part}`"
        );
    }
}

/// Pipes in a message are escaped in the table cells, and line breaks do not end the row.
#[test]
fn pipes_and_line_breaks_in_messages_stay_inside_their_cell() {
    let (tmp, repo) = temp_copy_of("testdata/required-files/complete");
    std::fs::write(repo.join("pipe.md"), "MARK\n").expect("write a file");
    let pack = write_pack(
        tmp.path(),
        r#"
[[rule]]
id = "test/pipe"
kind = "file-not-contains"
severity = "error"
title = "Pipes"
help = "No pipes."
[rule.params]
paths = ["pipe.md"]
pattern = 'MARK'
message = "a | b || c\nd \\| e"
"#,
    );
    let summary = tmp.path().join("summary.md");
    with_summary(
        &summary,
        &[
            "verify",
            arg(&repo),
            "--rules",
            arg(&pack),
            "--select",
            "test",
            "--format",
            "github",
        ],
    );
    let md = appended(&summary, "");
    let row = md
        .lines()
        .find(|l| l.contains("`test/pipe`"))
        .unwrap_or_else(|| panic!("no row for the finding:\n{md}"));
    // A cell separator is a `|` not preceded by a backslash (GFM tables).
    let bytes = row.as_bytes();
    let separators = (0..bytes.len())
        .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
        .count();
    assert_eq!(separators, 5, "4 cells expected: {row}");
    assert!(row.contains(r"a \| b \|\| c d \\\| e"), "{row}");
}

#[test]
fn a_long_findings_table_is_cut_and_says_so() {
    let (_tmp, repo) = temp_copy_of(BAD_OWNER);
    let codeowners: String = (0..150).map(|i| format!("/dir{i}/ owner{i}\n")).collect();
    std::fs::write(repo.join(".github/CODEOWNERS"), codeowners).expect("write CODEOWNERS");
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let summary = tmp.path().join("summary.md");
    let run = with_summary(&summary, &["verify", arg(&repo), "--format", "github"]);
    assert_eq!(
        commands(&run.stdout).len(),
        156,
        "every finding is annotated"
    );
    let md = appended(&summary, "");
    assert!(md.contains("(first 100 of 156)"), "{md}");
    let rows = md
        .lines()
        .filter(|l| {
            l.starts_with("| error |") || l.starts_with("| warning |") || l.starts_with("| note |")
        })
        .count();
    assert_eq!(rows, 100);
    assert!(md.len() < 1024 * 1024);
    // Errors are listed first, as in the annotations.
    assert!(
        md.lines()
            .any(|l| l.starts_with("| error | `required-files/license`"))
    );
}

#[test]
fn no_summary_when_the_variable_is_unset_or_empty() {
    // Unset: the run writes nothing besides its output (the working folder stays empty).
    let work = tempfile::tempdir().expect("a temporary folder");
    let fixture = common::crate_root().join(BAD_OWNER);
    let run = run_cmd(tv_offline().current_dir(work.path()).args([
        "verify",
        arg(&fixture),
        "--format",
        "github",
    ]));
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(
        !run.stdout.contains("## template-validator"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Reproduce locally"), "{}", run.stdout);
    assert_eq!(common::files_under(work.path()), Vec::<String>::new());

    // Empty: treated as unset, no file named "" is attempted and nothing is printed.
    let run = run_cmd(
        tv_offline()
            .current_dir(work.path())
            .env("GITHUB_STEP_SUMMARY", "")
            .args(["verify", arg(&fixture), "--format", "github"]),
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(common::files_under(work.path()), Vec::<String>::new());
}

#[test]
fn an_unwritable_summary_warns_and_keeps_the_exit_code() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let summary = tmp.path().join("no/such/folder/summary.md");
    let run = with_summary(&summary, &["verify", BAD_OWNER, "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stderr.contains("summary"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(commands(&run.stdout).len(), 8);
}

/// A template in a subfolder of a repository (`.git` at the top): `file=` is relative to the
/// repository root, where GitHub looks; JSON and SARIF keep paths relative to the scanned
/// folder.
#[test]
fn annotation_paths_are_relative_to_the_repository_root() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let top = tmp.path().join("mono");
    std::fs::create_dir_all(top.join(".git")).expect("a .git folder");
    let sub = top.join("sub").join("dir");
    common::copy_dir(&common::crate_root().join(BAD_OWNER), &sub);
    let scan = |extra: &[&str], workspace: Option<&Path>| {
        let mut cmd = tv_offline();
        cmd.env_remove("GITHUB_WORKSPACE");
        if let Some(w) = workspace {
            cmd.env("GITHUB_WORKSPACE", w);
        }
        run_cmd(cmd.args(["verify", arg(&sub)]).args(extra))
    };
    let files = |run: &Run| -> Vec<String> {
        commands(&run.stdout)
            .into_iter()
            .filter_map(|l| property(l, "file").map(str::to_owned))
            .collect()
    };
    let run = scan(&["--format", "github"], None);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert_eq!(
        files(&run),
        ["sub/dir/.github/CODEOWNERS", "sub/dir/.github/CODEOWNERS"],
        "{}",
        run.stdout
    );

    // GITHUB_WORKSPACE wins over a `.git` nearer the folder (the runner resolves from it).
    std::fs::write(
        top.join("sub").join(".git"),
        "gitdir: ../.git/modules/sub\n",
    )
    .unwrap();
    let run = scan(&["--format", "github"], Some(&top));
    assert_eq!(
        files(&run)[0],
        "sub/dir/.github/CODEOWNERS",
        "{}",
        run.stdout
    );
    let run = scan(&["--format", "github"], None);
    assert_eq!(files(&run)[0], "dir/.github/CODEOWNERS", "{}", run.stdout);
    // A workspace that does not hold the folder is ignored.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let run = scan(&["--format", "github"], Some(&elsewhere));
    assert_eq!(files(&run)[0], "dir/.github/CODEOWNERS", "{}", run.stdout);

    // JSON keeps paths relative to the scanned folder.
    let run = scan(&["--format", "json"], Some(&top));
    let doc = run.json();
    assert!(
        common::findings(&doc)
            .iter()
            .any(|f| f["path"] == ".github/CODEOWNERS"),
        "{doc:#}"
    );
    // SARIF: code scanning reads a URI from the repository root, so `%SRCROOT%` is the
    // repository root and URIs start with the folder's path; the log is valid SARIF 2.1.0.
    let run = scan(&["--format", "sarif"], Some(&top));
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    common::assert_valid_sarif(&sarif, "a subfolder of a repository");
    let sarif_run = &sarif["runs"][0];
    let base = sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("%SRCROOT% uri");
    assert!(
        base.starts_with("file:///") && base.ends_with("/mono/"),
        "{base}"
    );
    let uris: Vec<&str> = sarif_run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"sub/dir/.github/CODEOWNERS")
            && uris.iter().all(|u| u.starts_with("sub/dir/")),
        "{sarif:#}"
    );
    // With a workspace that does not hold the folder, the nearest `.git` decides.
    let run = scan(&["--format", "sarif"], Some(&elsewhere));
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    let base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("%SRCROOT% uri");
    assert!(base.ends_with("/mono/sub/"), "{base}");
}
