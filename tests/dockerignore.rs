//! The `dockerignore` family, rule by rule (fixtures in `testdata/dockerignore/<case>/`, big
//! trees generated in temporary folders), and the `context` command.

mod common;

use std::path::Path;

use common::{arg, copy_dir, crate_root, findings_of, pack_rules, run, run_cmd, tv, verify_json};
use serde_json::Value;

fn fixture(case: &str) -> String {
    format!("testdata/dockerignore/{case}")
}

/// (rule name, case, fires)
const CASES: &[(&str, &str, bool)] = &[
    ("missing", "missing-ignore", true),
    ("missing", "cookiecutter", true),
    ("missing", "devcontainer", true),
    ("missing", "workflow-context", true),
    ("missing", "clean", false),
    ("missing", "compose-parent", false),
    ("sensitive-in-context", "sensitive", true),
    ("sensitive-in-context", "compose-parent", true),
    ("sensitive-in-context", "clean", false),
    ("sensitive-in-context", "maven-target-needed", false),
    ("risky-gap", "risky-gap", true),
    ("risky-gap", "clean", false),
    ("risky-gap", "maven-target-needed", false),
    ("ineffective-pattern", "ineffective", true),
    ("ineffective-pattern", "invalid-pattern", true),
    ("ineffective-pattern", "compose-parent", true),
    ("ineffective-pattern", "clean", false),
    ("bulky-in-context", "clean", false),
    ("allowlist-recommended", "clean", false),
    ("context-unknown", "context-unknown", true),
    ("context-unknown", "compose-parent", false),
    ("missing", "context-unknown", false),
];

fn report(case: &str) -> Value {
    verify_json(&fixture(case), &["--select", "dockerignore"]).1
}

#[test]
fn cases() {
    for &(rule, case, fires) in CASES {
        let doc = report(case);
        let got = findings_of(&doc, &format!("dockerignore/{rule}"));
        assert_eq!(
            !got.is_empty(),
            fires,
            "`dockerignore/{rule}` on `{case}`: {got:#?}"
        );
    }
}

#[test]
fn every_rule_has_a_positive_and_a_negative_case() {
    let rules = pack_rules("rules/dockerignore.toml");
    assert_eq!(rules.len(), 7);
    // bulky-in-context and allowlist-recommended fire on generated trees (below).
    let generated = ["bulky-in-context", "allowlist-recommended"];
    for rule in &rules {
        let name = rule.id.strip_prefix("dockerignore/").expect("family");
        let pos = CASES.iter().any(|&(r, _, f)| r == name && f) || generated.contains(&name);
        let neg = CASES.iter().any(|&(r, _, f)| r == name && !f);
        assert!(pos && neg, "{}", rule.id);
    }
}

/// `(path, line, message)` of one rule's findings.
fn found(doc: &Value, rule: &str) -> Vec<(String, Option<u64>, String)> {
    findings_of(doc, &format!("dockerignore/{rule}"))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_owned(),
                f["line"].as_u64(),
                f["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn findings_snapshot() {
    for case in [
        "missing-ignore",
        "sensitive",
        "risky-gap",
        "ineffective",
        "invalid-pattern",
        "compose-parent",
        "workflow-context",
        "devcontainer",
    ] {
        let doc = report(case);
        let summary: Vec<Value> = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                serde_json::json!({
                    "rule": f["rule_id"], "severity": f["severity"], "path": f["path"],
                    "line": f["line"], "column": f["column"], "message": f["message"],
                })
            })
            .collect();
        insta::assert_yaml_snapshot!(format!("findings_{case}"), summary);
    }
}

#[test]
fn sensitive_names_the_line_to_add() {
    let doc = report("sensitive");
    let got = found(&doc, "sensitive-in-context");
    let paths: Vec<&str> = got.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "certs/dev.pem",
            "deploy/secrets/api-token.txt",
            "home/.docker/config.json",
            "services/api/.env"
        ]
    );
    assert!(got[0].2.contains("add `**/*.pem`"), "{}", got[0].2);
    assert!(got[1].2.contains("2 files"), "{}", got[1].2);
    assert!(got[3].2.contains("add `**/.env`"), "{}", got[3].2);
}

#[test]
fn risky_gap_severities_and_lines() {
    let doc = report("risky-gap");
    let f = findings_of(&doc, "dockerignore/risky-gap");
    let got: Vec<(&str, &str)> = f
        .iter()
        .map(|f| {
            let m = f["message"].as_str().expect("message");
            let line = m.rsplit("add `").next().and_then(|r| r.split('`').next());
            (
                f["severity"].as_str().expect("severity"),
                line.expect("a line to add"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("error", "**/*.key"),
            ("error", "**/*.pem"),
            ("error", ".env.*"),
            ("warning", "node_modules"),
            ("warning", "**/node_modules"),
        ]
    );
    // `COPY target/*.jar` keeps `target/` out of the report.
    let doc = report("maven-target-needed");
    assert!(findings_of(&doc, "dockerignore/risky-gap").is_empty());
}

#[test]
fn ineffective_patterns_point_at_their_line() {
    let doc = report("ineffective");
    let lines: Vec<Option<u64>> = found(&doc, "ineffective-pattern")
        .into_iter()
        .map(|(_, l, _)| l)
        .collect();
    assert_eq!(lines, [Some(1), Some(7), Some(8), Some(9), Some(10)]);
    let doc = report("invalid-pattern");
    let f = findings_of(&doc, "dockerignore/ineffective-pattern");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(f[0]["line"], 3);
    // Docker refuses to build: the other rules say nothing about that context.
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(1));
}

/// A temporary repository from a fixture, with extra generated content.
fn generated(case: &str, extra: impl FnOnce(&Path)) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let repo = dir.path().join("repo");
    copy_dir(&crate_root().join(fixture(case)), &repo);
    extra(&repo);
    (dir, repo)
}

fn sparse(path: &Path, bytes: u64) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    let f = std::fs::File::create(path).expect("create");
    f.set_len(bytes).expect("set_len");
}

#[test]
fn bulky_folders_are_reported_unless_copied() {
    let (_d, repo) = generated("clean", |r| {
        sparse(&r.join("data/dump.sql"), 12 * 1024 * 1024);
        sparse(&r.join("assets/img/big.png"), 11 * 1024 * 1024);
        sparse(&r.join("small/x.bin"), 1024 * 1024);
    });
    let (_, doc) = verify_json(arg(&repo), &["--select", "dockerignore"]);
    let got = found(&doc, "bulky-in-context");
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got[0].2.starts_with("`assets/` (11.0 MiB, 1 file)"),
        "{}",
        got[0].2
    );
    assert!(
        got[1].2.starts_with("`data/` (12.0 MiB, 1 file)"),
        "{}",
        got[1].2
    );
    assert_eq!(got[0].0, ".dockerignore");

    // Copied by name: not reported.
    let (_d, repo) = generated("clean", |r| {
        sparse(&r.join("data/dump.sql"), 12 * 1024 * 1024);
        std::fs::write(r.join("Dockerfile"), "FROM alpine\nCOPY data/ /data/\n").expect("write");
    });
    let (_, doc) = verify_json(arg(&repo), &["--select", "dockerignore"]);
    assert!(found(&doc, "bulky-in-context").is_empty());
}

#[test]
fn allowlist_is_recommended_for_large_contexts_with_few_sources() {
    let big = |r: &Path| {
        for i in 0..600 {
            let p = r.join(format!("docs/page{i}.md"));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, "x\n").expect("write");
        }
    };
    let (_d, repo) = generated("clean", |r| {
        big(r);
        std::fs::write(
            r.join("Dockerfile"),
            "FROM node:22\nCOPY package.json package-lock.json ./\nCOPY src ./src\n",
        )
        .expect("write");
    });
    let (_, doc) = verify_json(arg(&repo), &["--select", "dockerignore"]);
    let got = found(&doc, "allowlist-recommended");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0]
            .2
            .contains("`*`, `!package-lock.json`, `!package.json`, `!src`"),
        "{}",
        got[0].2
    );
    // `COPY . .` needs everything: no allow-list to suggest.
    let (_d, repo) = generated("clean", big);
    let (_, doc) = verify_json(arg(&repo), &["--select", "dockerignore"]);
    assert!(found(&doc, "allowlist-recommended").is_empty());
}

#[test]
fn gitignored_files_are_in_the_context() {
    let (_d, repo) = generated("clean", |r| {
        std::fs::write(r.join(".gitignore"), "secrets.json\nsecrets/\n").expect("write");
        std::fs::create_dir_all(r.join("secrets")).expect("mkdir");
        std::fs::write(
            r.join("secrets/prod.txt"),
            "FAKE-TEST-MATERIAL-NOT-A-SECRET\n",
        )
        .expect("write");
    });
    let (_, doc) = verify_json(arg(&repo), &["--select", "dockerignore"]);
    let got = found(&doc, "sensitive-in-context");
    assert_eq!(got.len(), 1, "{got:#?}");
    // A folder class points at the folder's first file (a location needs a file); the
    // message names the folder.
    assert_eq!(got[0].0, "secrets/prod.txt");
    assert!(got[0].2.contains("`secrets/`"), "{}", got[0].2);
}

// ------------------------------------------------------------------------ context command

fn context_json(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut cmd = tv();
    cmd.current_dir(dir)
        .args(["context", ".", "--format", "json"])
        .args(extra);
    let r = run_cmd(&mut cmd);
    let doc = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r.code, doc, r.stderr)
}

#[test]
fn context_json_snapshot() {
    let (_d, repo) = generated("sensitive", |r| {
        sparse(&r.join("data/blob.bin"), 3 * 1024 * 1024);
    });
    let (code, doc, stderr) = context_json(&repo, &[]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_json_snapshot!("context_sensitive", doc);
}

#[test]
fn context_human_snapshot() {
    let (_d, repo) = generated("sensitive", |_| {});
    let mut cmd = tv();
    cmd.current_dir(&repo).args(["context"]);
    let r = run_cmd(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.describe());
    insta::assert_snapshot!("context_human", r.stdout);
}

#[test]
fn context_prefers_the_dockerfile_specific_ignore_file() {
    let (_d, repo) = generated("clean", |r| {
        std::fs::create_dir_all(r.join("docker")).expect("mkdir");
        std::fs::write(r.join("docker/api.Dockerfile"), "FROM alpine\n").expect("write");
        std::fs::write(r.join("docker/api.Dockerfile.dockerignore"), "src\n").expect("write");
    });
    let (code, doc, _) = context_json(&repo, &["--dockerfile", "docker/api.Dockerfile"]);
    assert_eq!(code, 0);
    assert_eq!(doc["ignore_file"], "docker/api.Dockerfile.dockerignore");
    assert_eq!(doc["dockerfile"], "docker/api.Dockerfile");
    let files: Vec<&str> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(files.contains(&".env.example"));
    assert!(!files.iter().any(|f| f.starts_with("src/")));
    let (_, doc, _) = context_json(&repo, &[]);
    assert_eq!(doc["ignore_file"], ".dockerignore");
}

#[cfg(unix)]
#[test]
fn context_with_links_loops_and_bad_ignore_files() {
    use std::os::unix::fs::symlink;
    let (_d, repo) = generated("clean", |r| {
        symlink("loop", r.join("loop")).expect("link");
        symlink("..", r.join("src/up")).expect("link");
        symlink("/etc", r.join("outside")).expect("link");
        symlink("/etc/hostname", r.join("host")).expect("link");
        let fifo = std::process::Command::new("mkfifo")
            .arg(r.join("pipe"))
            .status()
            .expect("mkfifo runs");
        assert!(fifo.success());
    });
    let (code, doc, stderr) = context_json(&repo, &[]);
    assert_eq!(code, 0, "{stderr}");
    let files: Vec<&str> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // Links are sent as links and never followed.
    for link in ["host", "loop", "outside", "src/up"] {
        assert!(files.contains(&link), "{link} in {files:?}");
    }
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("outside/") || f.starts_with("src/up/"))
    );
    // A named pipe is not sent: a warning, not a failure.
    assert!(!files.contains(&"pipe"));
    assert!(stderr.contains("warning: pipe: not listed"), "{stderr}");

    let write_ignore =
        |bytes: &[u8]| std::fs::write(repo.join(".dockerignore"), bytes).expect("write");
    // An invalid pattern: Docker refuses to build, so does the command.
    write_ignore(b".git\n[\n");
    let (code, _, stderr) = context_json(&repo, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("line 2") && stderr.contains(".dockerignore"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
    // NUL bytes, a BOM and CRLF line ends.
    write_ignore(b"\xef\xbb\xbfsrc\r\nnode\0modules\r\n\0\r\n");
    let (code, doc, stderr) = context_json(&repo, &[]);
    assert_eq!(code, 0, "{stderr}");
    let files: Vec<&str> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!files.iter().any(|f| f.starts_with("src/")), "{files:?}");
    // 100 000 lines.
    let mut big = String::new();
    for i in 0..100_000 {
        big.push_str(&format!("generated/{i}/*.tmp\n"));
    }
    big.push_str("package-lock.json\n");
    write_ignore(big.as_bytes());
    let (code, doc, stderr) = context_json(&repo, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !doc["files"]
            .as_array()
            .expect("files")
            .iter()
            .any(|f| f == "package-lock.json")
    );
    // A line of 64 KiB: Go's scanner gives up, so does Docker.
    write_ignore(format!("{}\n", "a".repeat(70_000)).as_bytes());
    let (code, _, stderr) = context_json(&repo, &[]);
    assert_eq!(code, 2, "{stderr}");
    // And `verify` reports the same files without panicking.
    write_ignore(b".git\n[\n\0\n");
    let r = run(&[
        "verify",
        arg(&repo),
        "--select",
        "dockerignore",
        "--format",
        "json",
    ]);
    r.assert_no_panic();
}

#[test]
fn context_errors_exit_2() {
    let r = run(&["context", "testdata/dockerignore/does-not-exist"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does-not-exist"), "{}", r.stderr);
}

#[test]
fn contexts_from_compose_workflows_and_devcontainers() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let r = dir.path();
    let write = |p: &str, text: &str| {
        let path = r.join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "web/Dockerfile",
        "FROM nginx\nCOPY . /usr/share/nginx/html\n",
    );
    write("docker/api.Dockerfile", "FROM alpine\nCOPY . /app\n");
    write("tools/Dockerfile", "FROM alpine\n");
    write(
        "docker-compose.yml",
        "services:\n  web:\n    build: ./web\n  api:\n    build:\n      context: .\n      dockerfile: docker/api.Dockerfile\n  db:\n    image: postgres\n  templated:\n    build: ${CTX}\n",
    );
    write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n      - uses: docker/build-push-action@v6\n        with:\n          context: ${{ github.workspace }}/x\n",
    );
    write(
        ".devcontainer/devcontainer.json",
        "{ /* old form */ \"dockerFile\": \"../tools/Dockerfile\", \"context\": \"../tools\" }",
    );
    write(".devcontainer/compose.yaml", "services: [not, a, mapping\n");
    let (_, doc) = verify_json(arg(r), &["--select", "dockerignore/missing"]);
    let got: Vec<(String, String)> = found(&doc, "missing")
        .into_iter()
        .map(|(p, _, m)| (p, m))
        .collect();
    let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "docker/api.Dockerfile",
            "tools/Dockerfile",
            "web/Dockerfile"
        ],
        "{got:#?}"
    );
    assert!(
        got[0].1.contains(
            "build context `.` of `docker/api.Dockerfile`, declared in `docker-compose.yml`"
        ),
        "{}",
        got[0].1
    );
    assert!(
        got[1].1.contains(
            "`tools/` of `tools/Dockerfile`, declared in `.devcontainer/devcontainer.json`"
        ),
        "{}",
        got[1].1
    );
    assert!(
        got[2]
            .1
            .contains("`web/` of `web/Dockerfile`, declared in `docker-compose.yml`"),
        "{}",
        got[2].1
    );
    // The broken compose file is a diagnostic, not a failure.
    let diags = common::diagnostics(&doc);
    assert!(
        diags
            .iter()
            .any(|(p, m)| p == ".devcontainer/compose.yaml" && m.contains("invalid YAML")),
        "{diags:?}"
    );
}

#[test]
fn git_gap_only_where_the_project_root_is() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let r = dir.path();
    let ignore = ".env\n.env.*\n**/*.pem\n**/*.key\n";
    for d in ["services/api", "{{cookiecutter.project_slug}}"] {
        std::fs::create_dir_all(r.join(d)).expect("mkdir");
        std::fs::write(r.join(d).join("Dockerfile"), "FROM alpine\nCOPY . .\n").expect("write");
        std::fs::write(r.join(d).join(".dockerignore"), ignore).expect("write");
    }
    let (_, doc) = verify_json(arg(r), &["--select", "dockerignore/risky-gap"]);
    let got: Vec<(String, String)> = found(&doc, "risky-gap")
        .into_iter()
        .map(|(p, _, m)| (p, m))
        .collect();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].0, "{{cookiecutter.project_slug}}/.dockerignore");
    assert!(got[0].1.contains("add `.git`"), "{}", got[0].1);
}
