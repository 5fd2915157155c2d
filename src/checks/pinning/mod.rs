//! The `pinning` family: every dependency a template hands to the services made from it
//! must resolve to an immutable reference (a commit SHA, an image digest, an exact version
//! from an immutable registry, or a lockfile).
//!
//! One kind, `pinning`; each rule picks what it detects with the `detect` parameter, so an
//! organisation can re-declare a detector under its own id and severity. The file is
//! classified once by name (and, for YAML, by content) and handed to the module that
//! understands it:
//!
//! - [`yaml_files`]: GitHub workflows and actions, compose, Kubernetes/Helm (also
//!   manifests written in JSON), GitLab CI, pre-commit, Helm `Chart.yaml`;
//! - [`dockerfile`]: `FROM`, `COPY --from`, remote `ADD`, `RUN`;
//! - [`shell`]: commands in scripts, `run:` blocks and `RUN` instructions;
//! - [`manifests`]: lockfiles, requirements files, Terraform modules.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::Deserialize;

use schemars::JsonSchema;

use super::{BuildError, Built, Check, Declared, Kind};
use crate::finding::{Finding, RuleIdx, Severity};
use crate::parse::template;
use crate::source::SourceFile;
use crate::walk::{FileEntry, Repo};

mod built_images;
mod dockerfile;
mod gitlab_vars;
mod hadolint;
mod helm;
mod helm_values;
mod manifests;
mod refs;
mod shell;
mod vars;
mod yaml_files;
mod yaml_text;

/// What a rule of kind `pinning` detects (its `detect` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Detect {
    ActionUnpinned,
    ImageUnpinned,
    ImageLatest,
    RemoteScript,
    PackageUnpinned,
    OsPackageUnpinned,
    LockfileMissing,
    RequirementUnpinned,
    HelmDependencyRange,
    PrecommitRevMutable,
    TerraformModuleUnpinned,
    GitlabIncludeUnpinned,
    TemplatedReference,
    YamlInvalid,
}

/// The parameters of a `pinning` rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// What the rule detects.
    pub detect: Detect,
    /// `requirement-unpinned` only: also require a `--hash` on every requirement.
    #[serde(default)]
    pub require_hashes: bool,
}

/// `pinning`: references that must resolve to immutable versions; `detect` names what.
pub const PINNING: Kind<Params> = Kind::new("pinning", build);

fn build(inputs: Vec<Declared<'_, Params>>) -> Built {
    let mut rules: HashMap<Detect, Vec<(RuleIdx, Params)>> = HashMap::new();
    for d in inputs {
        if d.params.require_hashes && d.params.detect != Detect::RequirementUnpinned {
            return Err(BuildError::new(
                d.idx,
                "`require_hashes` applies to `detect = \"requirement-unpinned\"` only",
            ));
        }
        rules
            .entry(d.params.detect)
            .or_default()
            .push((d.idx, d.params));
    }
    Ok(vec![Box::new(Pinning {
        rules,
        built_images: Default::default(),
    })])
}

/// What kind of file this is, from its name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Dockerfile,
    Yaml,
    Shell,
    Requirements,
    CargoToml,
    PackageJson,
    GoMod,
    Pyproject,
    Terraform,
    DevContainer,
    /// Any other JSON file: a Kubernetes manifest when its content says so.
    Json,
}

/// A file of a template is classified by the name it will have once rendered
/// ([`template::rendered_path`]): `Dockerfile.jinja`, `{% if ci %}ci.yml{% endif %}`; a name
/// that is only a placeholder is not classified.
fn classify(path: &str) -> Option<FileKind> {
    let path = template::rendered_path(path)?;
    let path = path.as_str();
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if crate::dockerignore::discover::is_dockerfile(name) {
        return Some(FileKind::Dockerfile);
    }
    let base = lower.strip_suffix(".gotmpl").unwrap_or(&lower);
    if base.ends_with(".yml") || base.ends_with(".yaml") {
        if base == "pnpm-lock.yaml" || base.ends_with(".lock.yaml") {
            return None;
        }
        return Some(FileKind::Yaml);
    }
    if base.ends_with(".sh")
        || base.ends_with(".bash")
        || base.ends_with(".zsh")
        || base.ends_with(".ps1")
        || base.ends_with(".psm1")
        || base == "makefile"
        || base == "gnumakefile"
        || base.ends_with(".mk")
        || base == "justfile"
        || base == ".justfile"
    {
        return Some(FileKind::Shell);
    }
    // `requirements*.in` are pip-compile inputs, ranges by design: not checked.
    if (base.starts_with("requirements") || base.ends_with("requirements.txt"))
        && base.ends_with(".txt")
        || (path.contains("requirements/") && base.ends_with(".txt"))
    {
        return Some(FileKind::Requirements);
    }
    match base {
        "cargo.toml" => Some(FileKind::CargoToml),
        "package.json" => Some(FileKind::PackageJson),
        "go.mod" => Some(FileKind::GoMod),
        "pyproject.toml" => Some(FileKind::Pyproject),
        "devcontainer.json" | ".devcontainer.json" => Some(FileKind::DevContainer),
        _ if base.ends_with(".tf") => Some(FileKind::Terraform),
        _ if base.ends_with(".json") => Some(FileKind::Json),
        _ => None,
    }
}

/// Whether the family reads the file at `path` as YAML.
fn is_yaml(path: &str) -> bool {
    classify(path) == Some(FileKind::Yaml)
}

struct Pinning {
    rules: HashMap<Detect, Vec<(RuleIdx, Params)>>,
    /// The images the scanned repository builds, computed on first need.
    built_images: built_images::Cache,
}

impl Check for Pinning {
    fn wants_file(&self, file: &FileEntry) -> bool {
        classify(&file.path).is_some()
    }

    /// Lockfiles, `cookiecutter.json` and `package.json` are looked up next to a file.
    fn needs_listing(&self) -> bool {
        true
    }

    fn check_file(&self, file: &SourceFile, repo: &Repo, out: &mut Vec<Finding>) {
        let Some(kind) = classify(file.path()) else {
            return;
        };
        let mut cx = Cx {
            file,
            repo,
            rules: &self.rules,
            out,
            vars: None,
            reported: Reported::default(),
            built_images: &self.built_images,
        };
        match kind {
            FileKind::Dockerfile => dockerfile::check(&mut cx),
            FileKind::Yaml => yaml_files::check(&mut cx),
            FileKind::Shell => {
                let text = file.text();
                shell::check(&mut cx, 0..text.len());
            }
            FileKind::Requirements => manifests::requirements(&mut cx),
            FileKind::CargoToml => manifests::cargo(&mut cx),
            FileKind::PackageJson => manifests::package_json(&mut cx),
            FileKind::GoMod => manifests::go_mod(&mut cx),
            FileKind::Pyproject => manifests::pyproject(&mut cx),
            FileKind::Terraform => manifests::terraform(&mut cx),
            FileKind::DevContainer => manifests::devcontainer(&mut cx),
            FileKind::Json => yaml_files::json_manifest(&mut cx),
        }
    }
}

/// Folders from `dir` up to its project's boundary: the repository root, or the first
/// templated folder (`{{cookiecutter.project_slug}}/`) or `template/` folder, which is a
/// project of its own (included).
pub(crate) fn project_dirs(dir: &str) -> Vec<&str> {
    let mut out = vec![dir];
    let mut d = dir;
    while !d.is_empty() {
        let name = d.rsplit('/').next().unwrap_or(d);
        if name.contains("{{") || name.contains("{%") || name == "template" {
            break;
        }
        d = crate::util::parent_dir(d);
        out.push(d);
    }
    out
}

/// What a detector needs while it looks at one file.
pub(crate) struct Cx<'a> {
    pub file: &'a SourceFile,
    pub repo: &'a Repo,
    rules: &'a HashMap<Detect, Vec<(RuleIdx, Params)>>,
    out: &'a mut Vec<Finding>,
    vars: Option<vars::Vars>,
    reported: Reported,
    built_images: &'a built_images::Cache,
}

/// Where the file's findings were reported: text reached several times (through YAML
/// anchors, aliases and merge keys, by jobs sharing a template) is reported once per rule.
#[derive(Default)]
struct Reported {
    /// (rule, start, end) of every finding's source text.
    at: HashSet<(RuleIdx, usize, usize)>,
    /// (rule, range) of the findings reported at an `*alias` (few): their source text.
    through_alias: Vec<(RuleIdx, Range<usize>)>,
    /// The range of each `*alias` → the range of the value it names.
    aliases: HashMap<(usize, usize), Range<usize>>,
}

impl Reported {
    /// Whether `rule` reports at `range` for the first time; records it. An `*alias` stands
    /// for the text it names: once that text (or another use of it) was reported, it is not.
    fn first(&mut self, rule: RuleIdx, range: &Range<usize>) -> bool {
        let overlaps = |a: &Range<usize>, b: &Range<usize>| a.start < b.end && b.start < a.end;
        let source = self.aliases.get(&(range.start, range.end)).cloned();
        let src = source.clone().unwrap_or_else(|| range.clone());
        let seen = self.at.contains(&(rule, src.start, src.end))
            || self
                .through_alias
                .iter()
                .any(|(r, s)| *r == rule && overlaps(s, &src))
            || (source.is_some()
                && self
                    .at
                    .iter()
                    .any(|&(r, s, e)| r == rule && overlaps(&(s..e), &src)));
        if !seen {
            self.at.insert((rule, src.start, src.end));
            if source.is_some() {
                self.through_alias.push((rule, src));
            }
        }
        !seen
    }
}

impl<'a> Cx<'a> {
    pub fn enabled(&self, d: Detect) -> bool {
        self.rules.get(&d).is_some_and(|r| !r.is_empty())
    }

    /// The file's text (borrowed from the file, not from the context).
    pub fn text(&self) -> &'a str {
        self.file.text()
    }

    /// Report `message` at `range` of the file for every rule detecting `d`, once per rule
    /// and range.
    pub fn report(&mut self, d: Detect, range: Range<usize>, message: impl Into<String>) {
        self.report_with(d, range, message, None);
    }

    /// Like [`Cx::report`], with a severity for this finding (the configuration still wins).
    pub fn report_with(
        &mut self,
        d: Detect,
        range: Range<usize>,
        message: impl Into<String>,
        severity: Option<Severity>,
    ) {
        self.report_to(d, |_| true, range, message, severity);
    }

    /// Learn which `*alias` of the YAML `docs` names which written value: a value is
    /// reported once, however many aliases use it.
    pub fn aliases(&mut self, docs: &[crate::parse::yaml::Node]) {
        let text = self.text();
        for doc in docs {
            doc.walk(&mut |node| {
                if node.str().is_some() && node.span != node.defined {
                    let source = crate::parse::yaml::scalar_range(text, &node.defined);
                    self.reported
                        .aliases
                        .insert((node.span.start, node.span.end), source);
                }
            });
        }
    }

    /// Whether a rule detecting `d` has parameters that `wants`.
    pub fn any_rule(&self, d: Detect, wants: impl Fn(&Params) -> bool) -> bool {
        self.rules
            .get(&d)
            .is_some_and(|r| r.iter().any(|(_, p)| wants(p)))
    }

    /// Report to the rules detecting `d` whose parameters `wants` (each rule reports
    /// what its own parameters ask for).
    pub fn report_to(
        &mut self,
        d: Detect,
        wants: impl Fn(&Params) -> bool,
        range: Range<usize>,
        message: impl Into<String>,
        severity: Option<Severity>,
    ) {
        let Some(rules) = self.rules.get(&d) else {
            return;
        };
        let message = message.into();
        let range = range.start.min(self.file.text().len())..range.end.min(self.file.text().len());
        for &(rule, ref params) in rules {
            if !wants(params) || !self.reported.first(rule, &range) {
                continue;
            }
            let mut f = Finding::span(rule, self.file, range.clone(), message.clone());
            if let Some(s) = severity {
                f = f.with_severity(s);
            }
            self.out.push(f);
        }
    }

    /// The template's variables (loaded once per file, on first use).
    pub fn vars(&mut self) -> &vars::Vars {
        let (file, repo) = (self.file, self.repo);
        self.vars
            .get_or_insert_with(|| vars::Vars::for_file(repo, file.path()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_boundaries() {
        assert_eq!(project_dirs("a/b"), vec!["a/b", "a", ""]);
        assert_eq!(
            project_dirs("{{cookiecutter.slug}}/e2e"),
            vec!["{{cookiecutter.slug}}/e2e", "{{cookiecutter.slug}}"]
        );
    }

    #[test]
    fn reported_once_per_source() {
        let (a, b) = (RuleIdx(0), RuleIdx(1));
        let mut r = Reported::default();
        assert!(r.first(a, &(10..20)));
        assert!(!r.first(a, &(10..20)));
        assert!(r.first(b, &(10..20)));
        // Overlapping text without an alias is another finding.
        assert!(r.first(a, &(12..14)));
        // `*x` at 50..52 names the value at 8..20: already reported (narrower or not).
        r.aliases.insert((50, 52), 8..20);
        assert!(!r.first(a, &(50..52)));
        // `*y` names a value not reported yet: reported once at its first use.
        r.aliases.insert((60, 62), 30..40);
        r.aliases.insert((70, 72), 30..40);
        assert!(r.first(a, &(60..62)));
        assert!(!r.first(a, &(70..72)));
        assert!(!r.first(a, &(32..40)));
    }

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "build/Dockerfile.dev",
            "Dockerfile-prod",
            "api.Dockerfile",
            "Containerfile",
            "Dockerfile.j2",
            "{{cookiecutter.slug}}/Dockerfile.tmpl",
        ] {
            assert!(
                matches!(classify(name), Some(FileKind::Dockerfile)),
                "{name} is a Dockerfile"
            );
        }
        for name in [
            "src/dockerfile.rs",
            "docs/Dockerfile.md",
            "dockerfile.json",
            "Dockerfile.dockerignore",
        ] {
            assert!(
                !matches!(classify(name), Some(FileKind::Dockerfile)),
                "{name} is not a Dockerfile"
            );
        }
    }
}
