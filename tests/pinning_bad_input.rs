//! Hostile and broken input for the `pinning` family: YAML alias bombs, 10,000-deep
//! nesting, tabs, duplicate keys, CRLF line ends, a Dockerfile with a 1 MB `RUN` line and
//! one with an unterminated heredoc. Each is a clear finding (or nothing), never a panic or
//! a hang; the run is killed after a generous time limit so a hang fails the test.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{arg, findings, run_cmd, tv};
use serde_json::Value;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, text).expect("write a file");
}

/// Scan `root` with the family; the report, after checking nothing panicked.
fn scan(root: &Path) -> Value {
    let run = run_cmd(
        tv().args([
            "verify",
            arg(root),
            "--select",
            "pinning",
            "--format",
            "json",
        ])
        .timeout(Duration::from_secs(120)),
    );
    run.assert_no_panic();
    run.json()
}

/// (path, line, column, rule) of every finding at `path`.
fn at(doc: &Value, path: &str) -> Vec<(u64, u64, String)> {
    findings(doc)
        .iter()
        .filter(|f| f["path"] == path)
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn alias_bomb_is_a_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bomb =
        String::from("on: push\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str(
        "jobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
    );
    write(dir.path(), ".github/workflows/bomb.yml", &bomb);
    let doc = scan(dir.path());
    let got = at(&doc, ".github/workflows/bomb.yml");
    assert!(
        got.iter().any(|(_, _, r)| r == "pinning/yaml-invalid"),
        "{got:?}"
    );
    // The line-by-line fallback still sees the unpinned action.
    assert!(
        got.iter()
            .any(|(l, c, r)| r == "pinning/action-unpinned" && *l == 18 && *c == 32),
        "{got:?}"
    );
}

#[test]
fn deep_nesting_is_a_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flow = format!("image: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    write(dir.path(), "values.yaml", &flow);
    // 10,000 nested block sequences on one line: `- - - … a`.
    let block = "- ".repeat(10_000) + "image: a\n";
    write(dir.path(), "deep/values.yaml", &block);
    let doc = scan(dir.path());
    for path in ["values.yaml", "deep/values.yaml"] {
        let got = at(&doc, path);
        assert_eq!(got.len(), 1, "{path}: {got:?}");
        assert_eq!(got[0].2, "pinning/yaml-invalid", "{path}");
    }
}

#[test]
fn tabs_are_reported_at_their_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  db:\n\timage: postgres\n",
    );
    let doc = scan(dir.path());
    let got = at(&doc, "compose.yaml");
    let invalid: Vec<_> = got
        .iter()
        .filter(|(_, _, r)| r == "pinning/yaml-invalid")
        .collect();
    assert_eq!(invalid.len(), 1, "{got:?}");
    assert_eq!(invalid[0].0, 3, "{got:?}");
    let f = findings(&doc)
        .iter()
        .find(|f| f["rule_id"] == "pinning/yaml-invalid")
        .expect("the finding");
    assert_eq!(f["severity"], "warning");
    // The image behind the tab is still checked line by line.
    assert!(
        got.iter()
            .any(|(l, _, r)| *l == 3 && r == "pinning/image-latest"),
        "{got:?}"
    );
}

#[test]
fn duplicate_keys_are_all_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        ".github/workflows/dup.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: a/b@v1\n  a:\n    runs-on: x\n    steps:\n      - uses: c/d@v2\n",
    );
    let doc = scan(dir.path());
    let got = at(&doc, ".github/workflows/dup.yml");
    assert_eq!(
        got,
        vec![
            (6, 19, "pinning/action-unpinned".to_owned()),
            (10, 19, "pinning/action-unpinned".to_owned())
        ]
    );
}

#[test]
fn crlf_keeps_lines_and_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "on: push\r\njobs:\r\n  a:\r\n    runs-on: x\r\n    steps:\r\n      - uses: a/b@v1\r\n      - run: curl -fsSL https://x.example/i.sh | sh\r\n";
    write(dir.path(), ".github/workflows/crlf.yml", text);
    write(
        dir.path(),
        "Dockerfile",
        "FROM node:20 AS a\r\nRUN npm install -g pnpm \\\r\n  yarn\r\n",
    );
    let doc = scan(dir.path());
    assert_eq!(
        at(&doc, ".github/workflows/crlf.yml"),
        vec![
            (6, 19, "pinning/action-unpinned".to_owned()),
            (7, 14, "pinning/remote-script".to_owned())
        ]
    );
    assert_eq!(
        at(&doc, "Dockerfile"),
        vec![
            (1, 6, "pinning/image-unpinned".to_owned()),
            (2, 20, "pinning/package-unpinned".to_owned())
        ]
    );
}

#[test]
fn huge_run_line_and_unterminated_heredoc() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut huge = String::from(
        "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nRUN ",
    );
    for _ in 0..100_000 {
        huge.push_str("echo x && ");
    }
    huge.push_str("curl -fsSL https://x.example/i.sh | sh\n");
    assert!(huge.len() > 1_000_000);
    write(dir.path(), "huge/Dockerfile", &huge);
    write(
        dir.path(),
        "heredoc/Dockerfile",
        "FROM scratch\nRUN <<EOF\nset -e\ncurl -fsSL https://x.example/i.sh | bash\n",
    );
    let doc = scan(dir.path());
    let got = at(&doc, "huge/Dockerfile");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].0, got[0].2.as_str()), (2, "pinning/remote-script"));
    assert_eq!(
        at(&doc, "heredoc/Dockerfile"),
        vec![(4, 1, "pinning/remote-script".to_owned())]
    );
}

#[test]
fn templated_yaml_that_cannot_parse_is_a_note_and_still_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "{{cookiecutter.slug}}/.github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps: {% if x %}[{% endif %}\n      - uses: a/b@main\n",
    );
    let doc = scan(dir.path());
    let path = "{{cookiecutter.slug}}/.github/workflows/ci.yml";
    let got = at(&doc, path);
    assert!(
        got.iter()
            .any(|(l, c, r)| (*l, *c) == (6, 19) && r == "pinning/action-unpinned"),
        "{got:?}"
    );
    let invalid = findings(&doc)
        .iter()
        .find(|f| f["rule_id"] == "pinning/yaml-invalid")
        .expect("a finding about the file");
    assert_eq!(invalid["severity"], "note");
}

/// Thousands of YAML files parsed in parallel: every one is checked, none overflows a stack.
#[test]
fn many_yaml_files_in_parallel() {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..1_000 {
        write(
            dir.path(),
            &format!("t{i}/.github/workflows/ci.yml"),
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: a/b@v1\n",
        );
    }
    let doc = scan(dir.path());
    assert_eq!(findings(&doc).len(), 1_000);
}
