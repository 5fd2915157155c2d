//! Files read by name — ignore files, Dockerfiles, the configuration and its packs — are
//! read under the walk's rules: links only to regular files inside the scanned root, never
//! a FIFO or a device, never more than the size limit. Regressions for:
//! - an ignore file linked out of the root was read and its lines quoted in findings;
//! - a repository's `packs` reached outside it, read `/dev/zero` or blocked on a FIFO;
//! - a huge Dockerfile, ignore file or configuration was read whole (the configuration
//!   even applied).
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command as Process;
use std::time::Duration;

use common::{Run, arg, diagnostics, run_cmd, tv};
use serde_json::Value;

/// Never printed by a correct run.
const CANARY: &str = "canary-3b9e1f-GITHUB_TOKEN";

/// Run with a deadline (a FIFO must not block) and the canary in the environment.
fn run(args: &[&str]) -> Run {
    let r = run_cmd(
        tv().args(args)
            .env("TV_TEST_CANARY", CANARY)
            .timeout(Duration::from_secs(60)),
    );
    assert!(
        !r.stderr.contains("panicked") && r.code != -1,
        "panic or timeout:\n{}",
        r.describe()
    );
    r
}

fn no_canary(r: &Run) {
    assert!(
        !r.stdout.contains(CANARY) && !r.stderr.contains(CANARY),
        "the canary leaked:\n{}",
        r.describe()
    );
}

fn mkfifo(path: &Path) {
    let ok = Process::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

/// A repository with a Dockerfile built from its root and from `api/`, and a file outside
/// it holding the canary.
fn docker_repo() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("checkouts/repo");
    std::fs::create_dir_all(repo.join("api")).unwrap();
    std::fs::write(repo.join("README.md"), "# Service\n").unwrap();
    std::fs::write(repo.join("Dockerfile"), "FROM alpine\nCOPY . /app\n").unwrap();
    std::fs::write(repo.join("api/Dockerfile"), "FROM alpine\nCOPY . /app\n").unwrap();
    std::fs::write(
        tmp.path().join("outside.dockerignore"),
        format!("{CANARY}\n#{CANARY}\n!{CANARY}\n"),
    )
    .unwrap();
    (tmp, repo)
}

fn diagnostic(doc: &Value, path: &str) -> Option<String> {
    diagnostics(doc)
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, m)| m)
}

#[test]
fn ignore_files_linked_out_of_the_root_are_not_read() {
    let (tmp, repo) = docker_repo();
    let outside = tmp.path().join("outside.dockerignore");
    symlink(&outside, repo.join(".dockerignore")).unwrap();
    // The Dockerfile-specific ignore file wins over `.dockerignore`: linked out too.
    symlink(
        "../../../outside.dockerignore",
        repo.join("api/Dockerfile.dockerignore"),
    )
    .unwrap();
    if Path::new("/proc/self/environ").exists() {
        // The environment of the process that reads it: the canary included.
        std::fs::remove_file(repo.join(".dockerignore")).unwrap();
        symlink("/proc/self/environ", repo.join(".dockerignore")).unwrap();
    }

    let json = run(&["verify", arg(&repo), "--format", "json"]);
    no_canary(&json);
    let doc = json.json();
    for path in [".dockerignore", "api/Dockerfile.dockerignore"] {
        assert_eq!(
            diagnostic(&doc, path).as_deref(),
            Some("not followed: symbolic link points outside the scanned root"),
            "{path}: {:?}",
            diagnostics(&doc)
        );
    }
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule_id"] != "dockerignore/ineffective-pattern"),
        "{doc:#}"
    );
    for format in ["human", "sarif", "github"] {
        no_canary(&run(&["verify", arg(&repo), "--format", format]));
    }
    let out = tmp.path().join("audit");
    let audited = run(&[
        "audit",
        "--dir",
        arg(repo.parent().unwrap()),
        "--out",
        arg(&out),
    ]);
    no_canary(&audited);
    for entry in walk_files(&out) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(
            !text.contains(CANARY),
            "{} leaks the canary",
            entry.display()
        );
    }

    // `context` applies the same rule relative to the context.
    let ctx = run(&["context", arg(&repo), "--format", "json"]);
    no_canary(&ctx);
    assert_eq!(ctx.code, 2, "{}", ctx.describe());
    assert!(
        ctx.stderr
            .contains("symbolic link points outside the scanned root"),
        "{}",
        ctx.describe()
    );
    let api = run(&["context", arg(&repo.join("api")), "--format", "json"]);
    no_canary(&api);
    assert_eq!(api.code, 2, "{}", api.describe());
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_build_context_linked_out_of_the_root_is_not_listed() {
    let (tmp, repo) = docker_repo();
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join(".env"), "x\n").unwrap();
    symlink(&elsewhere, repo.join("ctx")).unwrap();
    std::fs::write(
        repo.join("compose.yaml"),
        "services:\n  web:\n    build:\n      context: ctx\n      dockerfile: ../Dockerfile\n",
    )
    .unwrap();
    let r = run(&["verify", arg(&repo), "--format", "json"]);
    no_canary(&r);
    let doc = r.json();
    assert_eq!(
        diagnostic(&doc, "ctx").as_deref(),
        Some("not followed: symbolic link points outside the scanned root"),
        "{:?}",
        diagnostics(&doc)
    );
    // Nothing outside is listed: no finding about the context `ctx/` at all.
    let about_ctx: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["message"].as_str().unwrap().contains("ctx/"))
        .collect();
    assert!(about_ctx.is_empty(), "{about_ctx:#?}");
}

#[test]
fn special_ignore_files_and_dockerfiles_are_not_opened() {
    let (_tmp, repo) = docker_repo();
    mkfifo(&repo.join(".dockerignore"));
    mkfifo(&repo.join("api/Dockerfile.dockerignore"));
    let r = run(&["verify", arg(&repo), "--format", "json"]);
    let doc = r.json();
    for path in [".dockerignore", "api/Dockerfile.dockerignore"] {
        assert_eq!(
            diagnostic(&doc, path).as_deref(),
            Some("not checked: not a regular file (a FIFO)"),
            "{:?}",
            diagnostics(&doc)
        );
    }
    let ctx = run(&["context", arg(&repo)]);
    assert_eq!(ctx.code, 2, "{}", ctx.describe());
    assert!(ctx.stderr.contains("(a FIFO)"), "{}", ctx.describe());
}

#[test]
fn a_repository_config_cannot_name_packs_outside_it_or_special_files() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("checkouts/repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("README.md"), "# Service\n").unwrap();
    std::fs::write(
        tmp.path().join("outside.toml"),
        format!("# {CANARY}\n[[rule]]\nid = \"{CANARY}\"\n"),
    )
    .unwrap();
    mkfifo(&repo.join("pipe.toml"));
    symlink("../../outside.toml", repo.join("linked.toml")).unwrap();
    let config = repo.join(".template-validator.toml");
    let cases = [
        "\"../../../../../../../../etc/passwd\"",
        "\"../../outside.toml\"",
        "\"linked.toml\"",
        "\"/dev/zero\"",
        "\"pipe.toml\"",
    ];
    for pack in cases {
        std::fs::write(
            &config,
            format!("select = [\"required-files\"]\npacks = [{pack}]\n"),
        )
        .unwrap();
        let r = run(&["verify", arg(&repo)]);
        no_canary(&r);
        assert_eq!(r.code, 2, "{pack}: {}", r.describe());
        let origin = format!("{}:2: `packs`: cannot read rule pack ", config.display());
        assert!(r.stderr.contains(&origin), "{pack}: {}", r.describe());
        assert!(!r.stderr.contains("root:x:"), "{}", r.describe());

        let out = tmp.path().join("out");
        let a = run(&[
            "audit",
            "--dir",
            arg(&tmp.path().join("checkouts")),
            "--out",
            arg(&out),
        ]);
        no_canary(&a);
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        let doc: Value = serde_json::from_str(&summary).unwrap();
        let error = doc["repositories"][0]["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("`packs`: cannot read rule pack "),
            "{pack}: {summary}"
        );
        assert!(!summary.contains("root:x:") && !summary.contains(CANARY));
    }

    // A pack inside the repository still loads.
    std::fs::copy(
        common::crate_root().join("testdata/config/org-pack.toml"),
        repo.join("org.toml"),
    )
    .unwrap();
    std::fs::write(&config, "select = [\"org\"]\npacks = [\"./org.toml\"]\n").unwrap();
    let r = run(&["verify", arg(&repo)]);
    assert!(r.code == 0 || r.code == 1, "{}", r.describe());
}

#[test]
fn user_named_packs_and_configs_may_be_anywhere_but_must_be_regular_files() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(repo.join("README.md"), "# Service\n").unwrap();
    let fifo = tmp.path().join("pipe.toml");
    mkfifo(&fifo);
    for (flag, file) in [
        ("--rules", "/dev/zero"),
        ("--rules", arg(&fifo)),
        ("--config", "/dev/zero"),
        ("--config", arg(&fifo)),
    ] {
        let r = run(&["verify", arg(&repo), flag, file]);
        assert_eq!(r.code, 2, "{flag} {file}: {}", r.describe());
        assert!(
            r.stderr.contains("not a regular file"),
            "{flag} {file}: {}",
            r.describe()
        );
    }
    // An explicit configuration outside the repository: its packs resolve next to it.
    let org = tmp.path().join("org");
    std::fs::create_dir(&org).unwrap();
    std::fs::copy(
        common::crate_root().join("testdata/config/org-pack.toml"),
        org.join("org-pack.toml"),
    )
    .unwrap();
    std::fs::write(
        org.join("tv.toml"),
        "select = [\"org\"]\npacks = [\"org-pack.toml\"]\n",
    )
    .unwrap();
    let r = run(&["verify", arg(&repo), "--config", arg(&org.join("tv.toml"))]);
    assert!(r.code == 0 || r.code == 1, "{}", r.describe());
}

#[test]
fn files_read_by_name_respect_the_size_limit() {
    let (_tmp, repo) = docker_repo();
    sparse(&repo.join("Dockerfile"), 1 << 30);
    sparse(&repo.join("api/.dockerignore"), 1 << 30);
    let r = run(&["verify", arg(&repo), "--format", "json"]);
    let doc = r.json();
    for path in ["Dockerfile", "api/.dockerignore"] {
        assert_eq!(
            diagnostic(&doc, path).as_deref(),
            Some("not checked: 1073741824 bytes is over the 16777216 byte limit"),
            "{path}: {:?}",
            diagnostics(&doc)
        );
    }
}

#[test]
fn an_oversized_config_or_pack_is_an_error_not_applied() {
    let (_tmp, repo) = docker_repo();
    let config = repo.join(".template-validator.toml");
    std::fs::write(&config, "select = [\"nothing-at-all\"]\n").unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&config)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let r = run(&["verify", arg(&repo)]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains(&format!(
            "{}: not read: 1073741824 bytes is over the 16777216 byte limit",
            config.display()
        )),
        "{}",
        r.describe()
    );
    let pack = repo.join("big.toml");
    sparse(&pack, 1 << 30);
    std::fs::remove_file(&config).unwrap();
    let r = run(&["verify", arg(&repo), "--rules", arg(&pack)]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains("is over the 16777216 byte limit"),
        "{}",
        r.describe()
    );
}

#[test]
fn audit_reads_a_checkouts_git_files_under_the_same_rules() {
    let (tmp, repo) = docker_repo();
    std::fs::create_dir(repo.join(".git")).unwrap();
    mkfifo(&repo.join(".git/HEAD"));
    let out = tmp.path().join("out");
    let dir = arg(repo.parent().unwrap());
    let r = run(&["audit", "--dir", dir, "--out", arg(&out)]);
    assert!(r.code == 0 || r.code == 1, "{}", r.describe());

    // A ref that climbs out of the checkout is not followed.
    std::fs::remove_file(repo.join(".git/HEAD")).unwrap();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(tmp.path().join("stolen"), format!("{sha}\n")).unwrap();
    std::fs::write(repo.join(".git/HEAD"), "ref: ../../../stolen\n").unwrap();
    let r = run(&["audit", "--dir", dir, "--out", arg(&out)]);
    assert!(r.code == 0 || r.code == 1, "{}", r.describe());
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(!summary.contains(sha), "{summary}");

    // A baseline named on the command line must be a regular file.
    let fifo = tmp.path().join("baseline.json");
    mkfifo(&fifo);
    let r = run(&["verify", arg(&repo), "--baseline", arg(&fifo)]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains("not a regular file (a FIFO)"),
        "{}",
        r.describe()
    );
}
