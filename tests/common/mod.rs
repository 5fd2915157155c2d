//! Shared helpers for the integration tests: run the built binary from the crate root with
//! a scrubbed environment, parse its JSON report, and copy fixtures into temporary folders.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The crate root: tests run the binary here so fixture paths (and snapshots) are relative.
pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `testdata/required-files/<case>`, relative to the crate root.
pub fn fixture(case: &str) -> String {
    format!("testdata/required-files/{case}")
}

/// The binary, started in the crate root, with variables that change colors, widths or
/// backtraces removed.
pub fn tv() -> Command {
    let mut cmd = Command::cargo_bin("template-validator").expect("the binary is built");
    cmd.current_dir(crate_root());
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TERM",
        "COLUMNS",
        "LINES",
        "RUST_BACKTRACE",
        "RUST_LIB_BACKTRACE",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// What one run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parse standard output as the JSON report.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}); exit {}\nstdout:\n{}\nstderr:\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    /// The process ended normally (exit 0 or 1) without a panic message.
    pub fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked:\n{}",
            self.stderr
        );
        assert!(
            self.code == 0 || self.code == 1,
            "expected exit 0 or 1, got {}\nstderr:\n{}",
            self.code,
            self.stderr
        );
    }

    pub fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Run the binary with `args` from the crate root.
pub fn run(args: &[&str]) -> Run {
    run_cmd(tv().args(args))
}

pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the binary starts");
    Run {
        // A signal has no code; -1 never equals an expected exit code.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `verify <path> --format json <extra…>`, parsed; also checks the exit code agrees with
/// the summary (1 exactly when there are errors, unless `--strict` is among `extra`).
pub fn verify_json(path: &str, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["verify", path, "--format", "json"];
    args.extend_from_slice(extra);
    let run = run(&args);
    let doc = run.json();
    if !extra.contains(&"--strict") {
        let errors = doc["summary"]["errors"].as_u64().expect("summary.errors");
        let expected = i32::from(errors > 0);
        assert_eq!(
            run.code,
            expected,
            "exit code vs summary\n{}",
            run.describe()
        );
    }
    (run, doc)
}

/// The findings of a JSON report.
pub fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings is an array")
}

/// The findings of one rule.
pub fn findings_of<'a>(doc: &'a Value, rule_id: &str) -> Vec<&'a Value> {
    findings(doc)
        .iter()
        .filter(|f| f["rule_id"] == rule_id)
        .collect()
}

/// The rule ids of a report's findings, in report order.
pub fn rule_ids(doc: &Value) -> Vec<String> {
    findings(doc)
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule_id").to_owned())
        .collect()
}

/// `(path, message)` of every diagnostic.
pub fn diagnostics(doc: &Value) -> Vec<(String, String)> {
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .map(|d| {
            (
                d["path"].as_str().expect("diagnostic path").to_owned(),
                d["message"]
                    .as_str()
                    .expect("diagnostic message")
                    .to_owned(),
            )
        })
        .collect()
}

/// A rule of the built-in pack: id and declared severity.
#[derive(Debug, Clone)]
pub struct PackRule {
    pub id: String,
    pub severity: String,
    pub title: String,
}

/// The rules declared in `rules/required-files.toml`, in declaration order.
pub fn builtin_rules() -> Vec<PackRule> {
    pack_rules("rules/required-files.toml")
}

/// The built-in packs, in the order the binary embeds them.
pub const BUILTIN_PACK_FILES: &[&str] = &["rules/required-files.toml", "rules/pinning.toml"];

/// The rules of every built-in pack, in the order `rules` lists them.
pub fn all_builtin_rules() -> Vec<PackRule> {
    BUILTIN_PACK_FILES
        .iter()
        .flat_map(|p| pack_rules(p))
        .collect()
}

/// The rules declared in one pack file, in declaration order.
pub fn pack_rules(pack: &str) -> Vec<PackRule> {
    let text =
        std::fs::read_to_string(crate_root().join(pack)).expect("the built-in pack is readable");
    let doc: toml::Table = toml::from_str(&text).expect("the built-in pack is TOML");
    doc["rule"]
        .as_array()
        .expect("[[rule]] entries")
        .iter()
        .map(|r| PackRule {
            id: r["id"].as_str().expect("id").to_owned(),
            severity: r["severity"].as_str().expect("severity").to_owned(),
            title: r["title"].as_str().expect("title").to_owned(),
        })
        .collect()
}

/// Copy a folder tree (regular files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read the fixture folder") {
        let entry = entry.expect("read a fixture entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}

/// A fresh temporary folder holding a copy of `testdata/required-files/<case>` in `repo/`.
pub fn temp_copy(case: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    let repo = dir.path().join("repo");
    copy_dir(&crate_root().join(fixture(case)), &repo);
    (dir, repo)
}

/// A path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Every regular file under `root`, relative with `/`, sorted (symbolic links not followed).
pub fn files_under(root: &Path) -> Vec<String> {
    listing(root)
        .into_iter()
        .filter(|(_, e)| e.starts_with("file"))
        .map(|(p, _)| p)
        .collect()
}

/// Every entry under `root` (not following links) with its kind, size, permissions and
/// modification time: two listings are equal when nothing was created, removed or changed.
pub fn listing(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read a folder")
            .map(|e| e.expect("read an entry"))
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("entry metadata");
            let rel = path
                .strip_prefix(root)
                .expect("inside the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let kind = if meta.file_type().is_symlink() {
                format!(
                    "link -> {}",
                    std::fs::read_link(&path)
                        .expect("read a link")
                        .to_string_lossy()
                )
            } else if meta.is_dir() {
                "dir".to_owned()
            } else {
                "file".to_owned()
            };
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            #[cfg(unix)]
            let mode = {
                use std::os::unix::fs::PermissionsExt;
                meta.permissions().mode()
            };
            #[cfg(not(unix))]
            let mode = u32::from(meta.permissions().readonly());
            out.insert(
                rel,
                format!("{kind} len={} mode={mode:o} mtime={modified}", meta.len()),
            );
            if meta.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}
