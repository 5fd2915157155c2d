//! Shared helpers for the integration tests: run the built binary from the crate root with
//! a scrubbed environment, parse its JSON report, and copy fixtures into temporary folders.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub mod family_cases;

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

/// A rule of the built-in pack as its `[[rule]]` entry declares it.
#[derive(Debug, Clone)]
pub struct PackRule {
    pub id: String,
    pub kind: String,
    pub severity: String,
    pub title: String,
    pub help: String,
}

/// The rules of every built-in pack, in the order the tool loads them.
pub fn builtin_rules() -> Vec<PackRule> {
    template_validator::rules::BUILTIN_PACKS
        .iter()
        .flat_map(|(name, _)| pack_rules(name))
        .collect()
}

/// The rules declared in one pack file (relative to the crate root), in order.
pub fn pack_rules(pack: &str) -> Vec<PackRule> {
    let text = std::fs::read_to_string(crate_root().join(pack)).expect("the pack is readable");
    let doc: toml::Table = toml::from_str(&text).expect("the pack is TOML");
    doc["rule"]
        .as_array()
        .expect("[[rule]] entries")
        .iter()
        .map(|r| PackRule {
            id: r["id"].as_str().expect("id").to_owned(),
            kind: r["kind"].as_str().expect("kind").to_owned(),
            severity: r["severity"].as_str().expect("severity").to_owned(),
            title: r["title"].as_str().expect("title").to_owned(),
            help: r["help"].as_str().expect("help").to_owned(),
        })
        .collect()
}

/// Every rule `rules --format json` lists (built-in packs, no configuration), in its order.
pub fn listed_rules() -> Vec<Value> {
    let run = run(&["rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let doc = run.json();
    assert_eq!(doc["version"], 1, "the rules listing is versioned");
    doc["rules"].as_array().expect("rules is an array").clone()
}

/// `~~` splits provider prefixes in fixtures (`testdata/secrets/detectors.toml`, the
/// `testdata/rules/secrets/` folders) so that they are not leaks themselves; tests remove it.
pub fn unsplit(s: &str) -> String {
    s.replace("~~", "")
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

/// Variables a GitHub Actions runner sets that change what the binary does (job summary,
/// Check Run target) or where its HTTP requests go.
pub const GITHUB_AND_PROXY_VARS: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_API_URL",
    "GITHUB_WORKSPACE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// [`tv`] without the runner's GitHub variables and HTTP proxies, so a test run inside
/// GitHub Actions neither writes the real job summary nor reaches the real API.
/// `GITHUB_WORKSPACE` is the crate root, so annotation paths of fixtures under `testdata/`
/// are the same inside or outside a git checkout and a workflow run.
pub fn tv_offline() -> Command {
    let mut cmd = tv();
    for var in GITHUB_AND_PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd.env("GITHUB_WORKSPACE", crate_root());
    cmd
}

/// [`run`] with [`tv_offline`].
pub fn run_offline(args: &[&str]) -> Run {
    run_cmd(tv_offline().args(args))
}

/// A fresh temporary folder holding a copy of the crate-relative folder `rel` in `repo/`.
pub fn temp_copy_of(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    let repo = dir.path().join("repo");
    copy_dir(&crate_root().join(rel), &repo);
    (dir, repo)
}

/// The SARIF 2.1.0 schema (draft-07) from `testdata/schemas/`, compiled once per test
/// binary, with `format` keywords (`uri`, `uri-reference`, …) asserted.
pub fn sarif_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = crate_root().join("testdata/schemas/sarif-2.1.0.json");
        let text = std::fs::read_to_string(&path).expect("the SARIF schema is readable");
        let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// Every way `doc` breaks the SARIF 2.1.0 schema, as `instance path: message`.
pub fn sarif_schema_errors(doc: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Panic with every schema violation unless `doc` is valid SARIF 2.1.0.
pub fn assert_valid_sarif(doc: &Value, what: &str) {
    let errors = sarif_schema_errors(doc);
    assert!(
        errors.is_empty(),
        "{what}: SARIF does not validate against the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
}

// ------------------------------------------------------------------ mock GitHub API

/// A wiremock server on 127.0.0.1 (it runs on its own thread) and a runtime to talk to it,
/// so that blocking code under test (the audit's GitHub client) is called from plain test
/// code. Expectations (`.expect(n)`) are verified when it is dropped.
pub struct MockApi {
    rt: tokio::runtime::Runtime,
    server: wiremock::MockServer,
}

impl MockApi {
    pub fn start() -> MockApi {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = rt.block_on(wiremock::MockServer::start());
        assert!(
            server.uri().starts_with("http://127.0.0.1:"),
            "{}",
            server.uri()
        );
        MockApi { rt, server }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn mount(&self, mock: wiremock::Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    /// Answer every GET of `url_path` with `response`.
    pub fn on_get(&self, url_path: &str, response: wiremock::ResponseTemplate) {
        self.mount(get(url_path).respond_with(response));
    }

    /// Answer GETs of `url_path` with `response`, and expect exactly one.
    pub fn on_get_once(&self, url_path: &str, response: wiremock::ResponseTemplate) {
        self.mount(get(url_path).respond_with(response).expect(1));
    }

    /// Answer the first GET of `url_path` with `response`, and expect it: later ones go to
    /// the mocks mounted after this one (a failure, then a success).
    pub fn on_first_get(&self, url_path: &str, response: wiremock::ResponseTemplate) {
        self.mount(
            get(url_path)
                .respond_with(response)
                .up_to_n_times(1)
                .expect(1),
        );
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<wiremock::Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }
}

/// A mock of GETs of `url_path`, to add matchers to (`.and(query_param(…))`).
pub fn get(url_path: &str) -> wiremock::MockBuilder {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("GET")).and(path(url_path))
}

/// A GitHub REST error: `status` with the body `{"message": …}`.
pub fn github_error(status: u16, message: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_json(serde_json::json!({ "message": message }))
}

/// One `[[case]]` of `testdata/secrets/detectors.toml`: a secrets rule, the file name its
/// examples are written to (`app.env` when absent), and examples it must find and skip.
#[derive(serde::Deserialize)]
pub struct DetectorCase {
    pub rule: String,
    pub file: Option<String>,
    pub positive: Vec<String>,
    pub negative: Vec<String>,
}

/// Every case of `testdata/secrets/detectors.toml`, in file order (`~~` splits kept).
pub fn detector_cases() -> Vec<DetectorCase> {
    #[derive(serde::Deserialize)]
    struct Cases {
        case: Vec<DetectorCase>,
    }
    let text = std::fs::read_to_string(crate_root().join("testdata/secrets/detectors.toml"))
        .expect("the detector cases are readable");
    let cases: Cases = toml::from_str(&text).expect("the detector cases are TOML");
    cases.case
}
