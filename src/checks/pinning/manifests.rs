//! Dependency manifests: lockfiles next to `Cargo.toml`, `package.json`, `go.mod` and
//! `pyproject.toml` (looked for inside the same project, never across a template folder),
//! `requirements*.txt` pins, Terraform module sources.

use regex::Regex;

use super::refs::contains_full_sha;
use super::shell::pip_pinned;
use super::{Cx, Detect, project_dirs};
use crate::static_regex;
use crate::util::{is_commit_sha, join_path, parent_dir};

/// Folder names that hold test data: a manifest there is an input of a test (a sample
/// project a tool is run on), not an application that is installed.
const TEST_DATA_DIRS: &[&str] = &[
    "testdata",
    "test-data",
    "test_data",
    "fixtures",
    "fixture",
    "__fixtures__",
    "test-fixtures",
    "test_fixtures",
];

/// Folders that hold tests; a `data`/`resources` folder below one holds test data.
const TEST_DIRS: &[&str] = &["test", "tests", "__tests__", "spec", "specs"];

/// Whether the file at `path` lives in test data (`testdata/`, `fixtures/`,
/// `tests/**/data/`, `src/test/resources/`).
fn in_test_data(path: &str) -> bool {
    let dirs: Vec<&str> = parent_dir(path).split('/').collect();
    dirs.iter().enumerate().any(|(i, d)| {
        let d = d.to_ascii_lowercase();
        TEST_DATA_DIRS.contains(&d.as_str())
            || (matches!(d.as_str(), "data" | "resources")
                && dirs[..i]
                    .iter()
                    .any(|t| TEST_DIRS.contains(&t.to_ascii_lowercase().as_str())))
    })
}

fn any_file(cx: &Cx<'_>, dir: &str, names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| cx.repo.file(&join_path(dir, n)).is_some())
}

/// Offset of the first match of `re` in the file (0 when none).
fn offset_of(text: &str, re: &Regex) -> std::ops::Range<usize> {
    re.find(text).map_or(0..0, |m| m.range())
}

static_regex!(
    CARGO_DEPS =
        r"(?m)^\[(?:dependencies|dev-dependencies|build-dependencies|target\..+\.dependencies)\]"
);

pub(crate) fn cargo(cx: &mut Cx<'_>) {
    let text = cx.text();
    if !text.contains("[package]") || in_test_data(cx.file.path()) {
        return;
    }
    let dir = parent_dir(cx.file.path());
    let binary = text.contains("[[bin]]")
        || cx.repo.file(&join_path(dir, "src/main.rs")).is_some()
        || cx
            .repo
            .files_in(&join_path(dir, "src/bin"))
            .next()
            .is_some();
    if !binary || !CARGO_DEPS.is_match(text) {
        return;
    }
    if project_dirs(dir)
        .iter()
        .any(|d| any_file(cx, d, &["Cargo.lock"]))
    {
        return;
    }
    let r = offset_of(text, &CARGO_DEPS);
    cx.report(
        Detect::LockfileMissing,
        r,
        "a binary crate without `Cargo.lock`: every build resolves its dependencies anew; commit `Cargo.lock`",
    );
}

static_regex!(NPM_EXACT = r"^=?v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$");
const NPM_LOCKS: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
];

pub(crate) fn package_json(cx: &mut Cx<'_>) {
    let text = cx.text();
    // A template's package.json may hold `{% if %}` lines: read through the text layer.
    let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t);
    let Ok(json) = crate::parse::template::parse_raw_first(text, parse) else {
        return;
    };
    // `scripts` are shell commands (`npx …`, `curl … | sh`).
    if let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) {
        let mut from = text.find("\"scripts\"").unwrap_or(0);
        for value in scripts.values() {
            let Ok(encoded) = serde_json::to_string(value) else {
                continue;
            };
            if let Some(p) = text[from..].find(&encoded) {
                let start = from + p + 1;
                let end = from + p + encoded.len() - 1;
                super::shell::check(cx, start..end);
                from = end;
            }
        }
    }
    let mut ranges = Vec::new();
    for section in ["dependencies", "devDependencies", "optionalDependencies"] {
        let Some(deps) = json.get(section).and_then(|d| d.as_object()) else {
            continue;
        };
        for (name, spec) in deps {
            let spec = spec.as_str().unwrap_or_default().trim();
            let local = ["workspace:", "file:", "link:", "portal:", "catalog:"]
                .iter()
                .any(|p| spec.starts_with(p));
            let pinned = NPM_EXACT.is_match(spec) || local || contains_full_sha(spec);
            if !pinned {
                ranges.push((section, name.clone(), spec.to_owned()));
            }
        }
    }
    let Some((section, name, spec)) = ranges.first().cloned() else {
        return;
    };
    if in_test_data(cx.file.path()) {
        return;
    }
    let dir = parent_dir(cx.file.path());
    if any_file(cx, dir, NPM_LOCKS) {
        return;
    }
    // A workspace root's lockfile covers its members.
    for d in project_dirs(dir).into_iter().skip(1) {
        if any_file(cx, d, NPM_LOCKS)
            && (any_file(cx, d, &["pnpm-workspace.yaml"]) || workspace_root(cx, d))
        {
            return;
        }
    }
    let needle = format!("\"{section}\"");
    let at = text.find(&needle).unwrap_or(0);
    let more = ranges.len() - 1;
    cx.report(
        Detect::LockfileMissing,
        at..at + needle.len(),
        format!(
            "dependencies with version ranges (`{name}`: `{spec}`{}) and no lockfile in this project: every install resolves them anew; commit the package manager's lockfile",
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    );
}

fn workspace_root(cx: &Cx<'_>, dir: &str) -> bool {
    cx.repo
        .file(&join_path(dir, "package.json"))
        .and_then(|e| cx.repo.read_for_scan(e))
        .is_some_and(|f| f.text().contains("\"workspaces\""))
}

static_regex!(GO_REQUIRE = r"(?m)^require\b");

pub(crate) fn go_mod(cx: &mut Cx<'_>) {
    let text = cx.text();
    let Some(m) = GO_REQUIRE.find(text) else {
        return;
    };
    if in_test_data(cx.file.path()) {
        return;
    }
    let dir = parent_dir(cx.file.path());
    if any_file(cx, dir, &["go.sum"]) {
        return;
    }
    cx.report(
        Detect::LockfileMissing,
        m.range(),
        "`go.mod` requires modules but there is no `go.sum` next to it: the checksums that lock the dependency graph are missing; run `go mod tidy` and commit `go.sum`",
    );
}

static_regex!(
    /// The project says it is not a distribution: nothing but the project itself installs it.
    PY_NOT_PACKAGE = r"(?m)^\s*package-mode\s*=\s*false|^\s*package\s*=\s*false|^\s*distribution\s*=\s*false"
);
static_regex!(
    PY_ENTRY_POINTS = r"(?m)^\[(?:project\.scripts|project\.gui-scripts|tool\.poetry\.scripts)\]"
);
static_regex!(PY_DEPS = r#"(?m)^\s*dependencies\s*=\s*\[\s*["']|^\[tool\.poetry\.dependencies\]"#);
static_regex!(
    /// A step that uploads a distribution to a package index.
    PY_PUBLISH = r"pypa/gh-action-pypi-publish|\btwine\s+upload\b|\b(?:uv|poetry|flit|hatch|pdm)\s+publish\b|\bmaturin\s+(?:publish|upload)\b"
);

/// Whether the Python project in `dir` is published: a CI workflow, Makefile or justfile
/// of the project (or of a folder above it, when that file names `dir`) uploads to a
/// package index.
fn publishes_python(cx: &Cx<'_>, dir: &str) -> bool {
    project_dirs(dir).into_iter().any(|d| {
        let workflows = join_path(d, ".github/workflows");
        let mut files: Vec<_> = cx.repo.files_in(&workflows).collect();
        for name in [".gitlab-ci.yml", "Makefile", "justfile"] {
            files.extend(cx.repo.file(&join_path(d, name)));
        }
        // From a folder above, the step must be about this project: it names its folder.
        let relative = dir.strip_prefix(d).map(|r| r.trim_start_matches('/'));
        files.into_iter().any(|f| {
            cx.repo.read_for_scan(f).is_some_and(|f| {
                let text = f.text();
                PY_PUBLISH.is_match(text)
                    && relative.is_some_and(|r| r.is_empty() || names_path(text, r))
            })
        })
    })
}

/// Whether `text` names the folder `path` as a whole path (not inside a longer name).
fn names_path(text: &str, path: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    text.match_indices(path)
        .any(|(at, _)| !text[..at].ends_with(part) && !text[at + path.len()..].starts_with(part))
}

pub(crate) fn pyproject(cx: &mut Cx<'_>) {
    let text = cx.text();
    let Some(m) = PY_DEPS.find(text) else { return };
    if in_test_data(cx.file.path()) {
        return;
    }
    let dir = parent_dir(cx.file.path());
    if any_file(
        cx,
        dir,
        &["poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock"],
    ) || cx
        .repo
        .files_in(dir)
        .any(|f| f.name().starts_with("pylock.") && f.name().ends_with(".toml"))
    {
        return;
    }
    // Looked at only without a lockfile: whether the project publishes reads its CI files.
    // An application is installed from its own checkout; a distribution (a library, or a
    // tool published to a package index) is installed by resolving its declared ranges in
    // the user's environment, which no lockfile of this repository pins.
    let application = PY_NOT_PACKAGE.is_match(text)
        || ((PY_ENTRY_POINTS.is_match(text) || !text.contains("[build-system]"))
            && !publishes_python(cx, dir));
    if !application {
        return;
    }
    cx.report(
        Detect::LockfileMissing,
        m.range(),
        "an application's `pyproject.toml` without a lockfile (`uv.lock`, `poetry.lock`, `pdm.lock`, `Pipfile.lock`): every install resolves its dependencies anew",
    );
}

pub(crate) fn requirements(cx: &mut Cx<'_>) {
    let require_hashes = cx.any_rule(Detect::RequirementUnpinned, |p| p.require_hashes);
    let mut found = Vec::new();
    // Logical lines: `\` continues a requirement onto the next line (its `--hash`es).
    let mut logical = String::new();
    // File offset of the logical line's first non-blank byte, and the end of its first
    // physical line.
    let mut start = None;
    for (_, off, line) in cx.file.lines() {
        let code = match line.find(" #") {
            Some(p) => &line[..p],
            None if line.trim_start().starts_with('#') => "",
            None => line,
        };
        if start.is_none() {
            start = Some((
                off + (line.len() - line.trim_start().len()),
                off + line.len(),
            ));
        }
        let t = code.trim_end();
        if let Some(body) = t.strip_suffix('\\') {
            logical.push_str(body);
            logical.push(' ');
            continue;
        }
        logical.push_str(t);
        if let Some(s) = start.take() {
            found.push((s, std::mem::take(&mut logical)));
        }
    }
    for ((at, first_line_end), line) in found {
        let l = line.trim();
        if l.is_empty() || l.contains("{{") || l.contains("{%") {
            continue;
        }
        let (spec, editable) = match l.strip_prefix("-e ").or(l.strip_prefix("--editable ")) {
            Some(rest) => (rest.trim(), true),
            None if l.starts_with('-') => continue,
            None => (l, false),
        };
        let has_hash = spec.contains("--hash");
        let spec = spec.split(" --").next().unwrap_or(spec).trim();
        // The span runs from the line's start (`-e ` included) to the end of `spec`, a
        // slice of `l` (which starts at `at`), and stays on the first physical line: the
        // logical line joins continuations with a space.
        let spec_end = at + (spec.as_ptr() as usize - l.as_ptr() as usize) + spec.len();
        let span = at..spec_end.min(first_line_end);
        let pinned = if editable {
            !spec.contains("://") || contains_full_sha(spec)
        } else {
            pip_pinned(spec)
        };
        if !pinned {
            cx.report(
                Detect::RequirementUnpinned,
                span,
                format!(
                    "`{spec}` is not pinned with `==`: each install may resolve a different release"
                ),
            );
        } else if require_hashes
            && !has_hash
            && !spec.contains("#sha256=")
            && !spec.starts_with(['.', '/'])
        {
            // Only the rules that ask for hashes report their absence.
            cx.report_to(
                Detect::RequirementUnpinned,
                |p| p.require_hashes,
                span,
                format!(
                    "`{spec}` has no `--hash`: pip cannot verify that the file it downloads is the one that was reviewed"
                ),
                None,
            );
        }
    }
}

static_regex!(DEVCONTAINER_IMAGE = r#"(?m)^\s*"image"\s*:\s*"([^"]+)""#);

/// A dev container's `"image"` (the file is JSON with comments: read line by line).
pub(crate) fn devcontainer(cx: &mut Cx<'_>) {
    let text = cx.text();
    for c in DEVCONTAINER_IMAGE.captures_iter(text) {
        if let Some(m) = c.get(1) {
            super::yaml_files::image_value(cx, m.as_str(), m.range());
        }
    }
}

static_regex!(TF_MODULE = r#"(?m)^\s*module\s+"[^"]*"\s*\{"#);
static_regex!(TF_ATTR = r#"(?m)^\s*(source|version)\s*=\s*"([^"]*)""#);
static_regex!(
    TF_REGISTRY = r"^(?:[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?/)?[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+$"
);

pub(crate) fn terraform(cx: &mut Cx<'_>) {
    let text = cx.file.text();
    let mut blocks = Vec::new();
    for m in TF_MODULE.find_iter(text) {
        // The block runs to its matching brace.
        let mut depth = 0i32;
        let mut end = text.len();
        for (i, b) in text[m.end() - 1..].bytes().enumerate() {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = m.end() - 1 + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        blocks.push(m.start()..end);
    }
    for block in blocks {
        let body = &text[block.clone()];
        let mut source = None;
        let mut version = None;
        for c in TF_ATTR.captures_iter(body) {
            let (Some(k), Some(v)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let abs = block.start + v.start()..block.start + v.end();
            match k.as_str() {
                "source" => source = Some((v.as_str().to_owned(), abs)),
                _ => version = Some(v.as_str().to_owned()),
            }
        }
        let Some((src, range)) = source else { continue };
        if let Some(msg) = terraform_source(&src, version.as_deref()) {
            let detect = if msg.starts_with('!') {
                Detect::TemplatedReference
            } else {
                Detect::TerraformModuleUnpinned
            };
            cx.report(detect, range, msg.trim_start_matches('!'));
        }
    }
}

/// Why a module source is not pinned (`None` when it is). A message starting with `!`
/// is about a templated source.
fn terraform_source(src: &str, version: Option<&str>) -> Option<String> {
    let s = src.trim();
    if s.starts_with("./") || s.starts_with("../") || s.is_empty() {
        return None;
    }
    if s.contains("{{") || s.contains("${") {
        return Some(format!(
            "!the module source `{s}` is templated: the variable decides whether it is pinned"
        ));
    }
    let git = s.starts_with("git::")
        || s.starts_with("git@")
        || s.starts_with("github.com/")
        || s.starts_with("bitbucket.org/")
        || s.starts_with("hg::")
        || s.contains(".git");
    if git {
        let r = s
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("ref="))
            .map(|r| r.split(['&', '/']).next().unwrap_or(r));
        return match r {
            Some(r) if is_commit_sha(r) => None,
            Some(r) => Some(format!(
                "the module `{s}` is fetched at `ref={r}`, a tag or branch that can move; use `?ref=<commit sha>`"
            )),
            None => Some(format!(
                "the module `{s}` has no `?ref=`: it follows the default branch; use `?ref=<commit sha>`"
            )),
        };
    }
    if TF_REGISTRY.is_match(s) {
        return Some(match version {
            None => {
                format!("the registry module `{s}` has no `version`: the newest release is used")
            }
            Some(v) if !NPM_EXACT.is_match(v.trim()) => format!(
                "the registry module `{s}` asks for `{v}`, a range: each `terraform init -upgrade` may pick another release"
            ),
            Some(v) => format!(
                "the registry module `{s}` at `{v}`: registry versions resolve to git tags, which can be moved; use a git source with `?ref=<commit sha>` or vendor the module"
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_named_in_text() {
        assert!(names_path(
            "working-directory: packages/cli\n",
            "packages/cli"
        ));
        assert!(names_path("package: [lib, cli]", "cli"));
        assert!(!names_path("uses: ./client", "cli"));
        assert!(!names_path("cli-tools/", "cli"));
    }

    #[test]
    fn test_data_folders() {
        for path in [
            "testdata/app/go.mod",
            "tests/data/web/package.json",
            "pkg/tests/unit/data/p/pyproject.toml",
            "src/test/resources/crate/Cargo.toml",
            "spec/fixtures/app/package.json",
            "Fixtures/x/package.json",
        ] {
            assert!(in_test_data(path), "{path} is test data");
        }
        for path in [
            "package.json",
            "tests/e2e/package.json",
            "data/pipeline/pyproject.toml",
            "services/resources/api/go.mod",
            "testdata.json",
        ] {
            assert!(!in_test_data(path), "{path} is not test data");
        }
    }

    #[test]
    fn terraform_sources() {
        assert!(terraform_source("./m", None).is_none());
        assert!(
            terraform_source(
                "git::https://x/y.git?ref=3f2c1e9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
                None
            )
            .is_none()
        );
        assert!(terraform_source("git::https://x/y.git?depth=1&ref=develop", None).is_some());
        assert!(terraform_source("github.com/o/r?ref=v1", None).is_some());
        assert!(terraform_source("hashicorp/consul/aws", Some("1.2.3")).is_some());
        assert!(terraform_source("bitbucket.org/o/r", None).is_some());
    }
}
