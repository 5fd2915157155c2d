//! The `dockerignore` family: what each build context of the repository sends, judged with
//! Docker's own `.dockerignore` semantics ([`crate::dockerignore`]). One kind,
//! `docker-context`; each rule's `check` parameter names its logic. The contexts are found
//! and listed once per scan and shared by all the rules.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Deserialize;

use schemars::JsonSchema;

use super::{Built, Check, Declared, Kind};
use crate::dockerignore::context::{
    self, ContextFile, ListError, Listing, Sensitive, ignore_file_for, read_ignore_file,
    sensitive_unit,
};
use crate::dockerignore::discover::{BuildContext, discover};
use crate::dockerignore::dockerfile::{CopySource, copy_sources, holds, names_within};
use crate::dockerignore::report::human_bytes;
use crate::dockerignore::{IgnoreFile, MatchType, Pattern};
use crate::finding::{Finding, RuleIdx, Severity};
use crate::fsread::{self, Scope};
use crate::source::SourceFile;
use crate::walk::Repo;

/// Kind `docker-context`: what a build context sends; `check` names the rule's logic.
pub const DOCKER_CONTEXT: Kind<Params> = Kind::new("docker-context", build);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Which {
    Missing,
    SensitiveInContext,
    RiskyGap,
    BulkyInContext,
    IneffectivePattern,
    AllowlistRecommended,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    check: Which,
    /// bulky-in-context: folder size that is reported.
    #[serde(default = "default_threshold")]
    threshold_mib: u64,
    /// allowlist-recommended: a context this large in files …
    #[serde(default = "default_min_files")]
    min_files: usize,
    /// … or in size is large.
    #[serde(default = "default_min_mib")]
    min_mib: u64,
    /// allowlist-recommended: at most this many COPY/ADD sources.
    #[serde(default = "default_max_sources")]
    max_sources: usize,
}

fn default_threshold() -> u64 {
    10
}
fn default_min_files() -> usize {
    500
}
fn default_min_mib() -> u64 {
    50
}
fn default_max_sources() -> usize {
    5
}

const MIB: u64 = 1024 * 1024;

fn build(inputs: Vec<Declared<'_, Params>>) -> Built {
    let rules = inputs.into_iter().map(|d| (d.idx, d.params)).collect();
    Ok(vec![Box::new(ContextChecks { rules })])
}

struct ContextChecks {
    rules: Vec<(RuleIdx, Params)>,
}

/// A context with everything the rules look at.
struct Analysed<'a> {
    ctx: &'a BuildContext,
    /// The ignore file, relative to the context, and its repository path.
    ignore: Option<(String, String, IgnoreFile)>,
    listing: Listing,
    sources: Vec<CopySource>,
}

impl Analysed<'_> {
    /// Where findings about the context point: the ignore file, else the Dockerfile.
    fn anchor(&self) -> &str {
        self.ignore
            .as_ref()
            .map_or(&self.ctx.dockerfile_path, |(_, repo_path, _)| repo_path)
    }

    fn ignore_name(&self) -> String {
        self.ignore.as_ref().map_or_else(
            || self.ctx.repo_path(".dockerignore"),
            |(_, p, _)| p.clone(),
        )
    }

    fn built_from(&self) -> String {
        let origin = self
            .ctx
            .origin
            .as_deref()
            .map_or(String::new(), |o| format!(", declared in `{o}`"));
        format!(
            "the build context `{}` of `{}`{origin}",
            self.ctx.shown(),
            self.ctx.dockerfile_path
        )
    }

    /// Explicit sources (not the whole context).
    fn explicit_sources(&self) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| !s.path.is_empty())
            .map(|s| s.path.as_str())
            .collect()
    }

    fn copies_everything(&self) -> bool {
        self.sources.iter().any(|s| s.path.is_empty())
    }
}

impl ContextChecks {
    fn rule(&self, which: Which) -> Option<(RuleIdx, &Params)> {
        self.rules
            .iter()
            .find(|(_, p)| p.check == which)
            .map(|(i, p)| (*i, p))
    }
}

impl Check for ContextChecks {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let contexts = discover(repo);
        let mut read_ignore_files: BTreeSet<String> = BTreeSet::new();
        let mut pattern_checked: BTreeSet<String> = BTreeSet::new();
        for ctx in &contexts {
            // The context folder, unless a link takes it out of the repository.
            let root = match fsread::resolve(Path::new(&ctx.dir), Scope::Root(repo.root())) {
                Ok(r) => r,
                Err(e) => {
                    repo.diagnose(&ctx.repo_path(""), e.diagnostic());
                    continue;
                }
            };
            let ignore = match ignore_file_for(&root, &ctx.dockerfile) {
                Some(rel) => {
                    let repo_path = context::normalize_rel(&ctx.repo_path(&rel));
                    match read_ignore_file(repo.root(), &repo_path, repo.max_file_size()) {
                        Ok(f) => Some((rel, repo_path, f)),
                        Err(e) => {
                            repo.diagnose(&repo_path, e.diagnostic());
                            continue;
                        }
                    }
                }
                None => None,
            };
            if let Some((_, repo_path, file)) = &ignore {
                read_ignore_files.insert(repo_path.clone());
                if pattern_checked.insert(repo_path.clone())
                    && let Some((rule, _)) = self.rule(Which::IneffectivePattern)
                {
                    check_patterns(rule, repo_path, file, out);
                }
                if !file.is_valid() {
                    // Docker refuses to build: nothing else can be judged.
                    continue;
                }
            }
            let listing = match context::list(
                &root,
                ignore.as_ref().map(|(rel, _, f)| (rel.as_str(), f)),
            ) {
                Ok(l) => l,
                Err(ListError::Match { source, .. }) => {
                    if let Some((rule, _)) = self.rule(Which::IneffectivePattern)
                        && let Some((_, repo_path, file)) = &ignore
                        && let Some(p) = file.patterns.iter().find(|p| p.line == source.line)
                    {
                        let src = SourceFile::new(repo_path.clone(), file.text.clone());
                        out.push(
                            Finding::span(
                                rule,
                                &src,
                                p.span.clone(),
                                format!(
                                    "`{}` is not a valid pattern for Docker ({}); Docker fails the build when it reaches this line",
                                    p.text, source.message
                                ),
                            )
                            .with_severity(Severity::Warning),
                        );
                    }
                    continue;
                }
                Err(e) => {
                    repo.diagnose(
                        &ctx.repo_path(""),
                        format!("build context not checked: {e}"),
                    );
                    continue;
                }
            };
            for d in &listing.diagnostics {
                repo.diagnose(&ctx.repo_path(&d.path), d.message.clone());
            }
            let sources = match repo.read_named(&ctx.dockerfile_path) {
                Ok(bytes) => copy_sources(&String::from_utf8_lossy(&bytes)),
                Err(e) => {
                    repo.diagnose(&ctx.dockerfile_path, e.diagnostic());
                    Vec::new()
                }
            };
            let a = Analysed {
                ctx,
                ignore,
                listing,
                sources,
            };
            for (rule, params) in &self.rules {
                match params.check {
                    Which::Missing => missing(*rule, &a, out),
                    Which::SensitiveInContext => sensitive(*rule, &a, out),
                    Which::RiskyGap => risky_gap(*rule, &a, out),
                    Which::BulkyInContext => bulky(*rule, params, &a, out),
                    Which::AllowlistRecommended => allowlist(*rule, params, &a, out),
                    Which::IneffectivePattern => {}
                }
            }
        }
        if let Some((rule, _)) = self.rule(Which::IneffectivePattern) {
            unread_ignore_files(rule, repo, &contexts, &read_ignore_files, out);
        }
    }
}

use crate::util::plural;

// -------------------------------------------------------------------------------- missing

fn missing(rule: RuleIdx, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    if a.ignore.is_some() {
        return;
    }
    let sensitive = a.listing.sensitive();
    let detail = match sensitive.first() {
        Some(f) => format!(", including `{}`", a.ctx.repo_path(&f.path)),
        None => String::new(),
    };
    out.push(
        Finding::file(
            rule,
            &a.ctx.dockerfile_path,
            format!(
                "no `.dockerignore` for {}: everything is sent to the builder ({}, {}){detail}; add `{}` with at least `.git`, `.env`, `.env.*`, `**/*.pem`, `**/*.key`",
                a.built_from(),
                plural(a.listing.files.len(), "file"),
                human_bytes(a.listing.bytes()),
                a.ctx.repo_path(".dockerignore"),
            ),
        )
        .with_fingerprint_key(a.ctx.shown()),
    );
}

// ------------------------------------------------------------------- sensitive-in-context

/// The line that excludes a sensitive unit (relative to the context).
fn exclusion_for(class: Sensitive, unit: &str) -> String {
    let (dir, name) = unit.rsplit_once('/').map_or(("", unit), |(d, n)| (d, n));
    let anywhere = |n: &str| {
        if dir.is_empty() {
            n.to_owned()
        } else {
            format!("**/{n}")
        }
    };
    match class {
        Sensitive::Vcs => anywhere(name),
        Sensitive::Env if name == ".env" => anywhere(".env"),
        Sensitive::Env => anywhere(".env.*"),
        Sensitive::Key => {
            let ext = [
                ".tfstate.backup",
                ".tfstate",
                ".pem",
                ".key",
                ".p12",
                ".pfx",
                ".jks",
                ".keystore",
            ]
            .iter()
            .find(|e| name.ends_with(*e));
            match ext {
                Some(e) => format!("**/*{e}"),
                None => {
                    let base = ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
                        .iter()
                        .find(|k| name.starts_with(*k))
                        .copied()
                        .unwrap_or(name);
                    format!("**/{base}*")
                }
            }
        }
        Sensitive::Credentials | Sensitive::SecretsFolder => literal_line(unit),
    }
}

/// A path as an ignore-file line that matches it literally: wildcards and a leading `#` or
/// `!` escaped.
fn literal_line(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, c) in path.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') || (i == 0 && matches!(c, '#' | '!')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn sensitive(rule: RuleIdx, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    // Per sensitive unit (a file, or a folder for folder classes): how many files, whether
    // it is a folder, and its first file — where the finding points, since code scanning
    // and annotations need a file.
    let mut units: BTreeMap<(String, Sensitive), (usize, bool, String)> = BTreeMap::new();
    for f in &a.listing.files {
        if let Some((class, unit)) = sensitive_unit(&f.path) {
            let e = units
                .entry((unit.to_owned(), class))
                .or_insert_with(|| (0, false, f.path.clone()));
            e.0 += 1;
            e.1 |= unit != f.path;
        }
    }
    for ((unit, class), (count, folder, first)) in units {
        let what = if folder {
            format!(
                "`{}/` ({}, {})",
                a.ctx.repo_path(&unit),
                class.describe(),
                plural(count, "file")
            )
        } else {
            format!("`{}` ({})", a.ctx.repo_path(&unit), class.describe())
        };
        let line = exclusion_for(class, &unit);
        let why = a
            .ignore
            .as_ref()
            .and_then(|(_, _, f)| root_only_line(f, &line))
            .map_or(String::new(), |p| {
                format!(
                    " (`{}` on line {} matches only at the context root)",
                    p.text, p.line
                )
            });
        out.push(
            Finding::file(
                rule,
                &a.ctx.repo_path(&first),
                format!(
                    "{what} is sent in {}; add `{line}` at the end of `{}`{why}",
                    a.built_from(),
                    a.ignore_name()
                ),
            )
            .with_fingerprint_key(a.ctx.shown()),
        );
    }
}

// ------------------------------------------------------------------------------ risky-gap

struct Risky {
    /// What is at risk, for the message (relative to the context).
    label: String,
    /// Hypothetical paths (relative to the context) that must be excluded.
    probes: Vec<String>,
    /// The line to add.
    line: String,
    severity: Severity,
    /// A folder the Dockerfile may need (`target` for `COPY target/*.jar`), or a file suffix.
    needed_dir: Option<String>,
    needed_suffix: Option<&'static str>,
}

fn under(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_owned()
    } else {
        format!("{dir}/{rest}")
    }
}

fn risky_items(a: &Analysed<'_>) -> Vec<Risky> {
    let mut items = Vec::new();
    // A repository's `.git` is at its root: the context is the root of the generated project
    // when it is the repository root or a templated folder (`{{cookiecutter.slug}}/`).
    let project_root = a.ctx.dir.is_empty() || a.ctx.dir.contains("{{") || a.ctx.dir.contains("{%");
    if project_root {
        items.push(Risky {
            label: "`.git/` (the repository history)".to_owned(),
            probes: vec![".git/HEAD".to_owned(), ".git/config".to_owned()],
            line: ".git".to_owned(),
            severity: Severity::Error,
            needed_dir: Some(".git".to_owned()),
            needed_suffix: None,
        });
    }
    items.extend([
        Risky {
            label: "`.env` (a developer's local settings)".to_owned(),
            probes: vec![".env".to_owned()],
            line: ".env".to_owned(),
            severity: Severity::Error,
            needed_dir: None,
            needed_suffix: Some(".env"),
        },
        Risky {
            label: "`.env.*` files (`.env.local`, `.env.production`)".to_owned(),
            probes: vec![".env.local".to_owned(), ".env.production".to_owned()],
            line: ".env.*".to_owned(),
            severity: Severity::Error,
            needed_dir: None,
            needed_suffix: None,
        },
    ]);
    for ext in [".pem", ".key"] {
        items.push(Risky {
            label: format!("`*{ext}` private keys"),
            probes: vec![format!("server{ext}"), format!("certs/server{ext}")],
            line: format!("**/*{ext}"),
            severity: Severity::Error,
            needed_dir: None,
            needed_suffix: Some(ext),
        });
    }
    let files: Vec<&ContextFile> = a.listing.files.iter().collect();
    let top_dirs = |d: &str| -> BTreeSet<String> {
        files
            .iter()
            .filter_map(|f| {
                let rest = if d.is_empty() {
                    Some(f.path.as_str())
                } else {
                    f.path.strip_prefix(d).and_then(|r| r.strip_prefix('/'))
                };
                rest.and_then(|r| r.split_once('/'))
                    .map(|(h, _)| h.to_owned())
            })
            .collect()
    };
    let in_dependency_folder = |p: &str| {
        p.split('/').any(|s| {
            matches!(
                s,
                "node_modules"
                    | "vendor"
                    | "target"
                    | ".venv"
                    | "venv"
                    | "site-packages"
                    | "bin"
                    | "obj"
            )
        })
    };
    let mut dirs: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut cargo_roots: Vec<&str> = Vec::new();
    let mut pycache: BTreeSet<String> = BTreeSet::new();
    for f in &files {
        if in_dependency_folder(&f.path) {
            continue;
        }
        let (dir, name) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
        let mut add = |folder: &str, why: &'static str| {
            dirs.entry(under(dir, folder)).or_insert(why);
        };
        match name {
            "package.json" => add("node_modules", "package.json"),
            "pom.xml" => add("target", "pom.xml"),
            "build.gradle" | "build.gradle.kts" | "settings.gradle" | "settings.gradle.kts" => {
                add("build", "Gradle");
                add(".gradle", "Gradle");
            }
            "pyproject.toml" | "setup.py" | "setup.cfg" | "Pipfile" | "requirements.txt" => {
                add(".venv", "Python");
                pycache.insert(dir.to_owned());
            }
            n if n.starts_with("requirements") && n.ends_with(".txt") => {
                add(".venv", "Python");
                pycache.insert(dir.to_owned());
            }
            "go.mod"
                if files
                    .iter()
                    .any(|g| g.path == under(dir, "vendor/modules.txt")) =>
            {
                add("vendor", "Go vendoring");
            }
            "Cargo.toml" => cargo_roots.push(dir),
            n if n.ends_with(".csproj") || n.ends_with(".fsproj") || n.ends_with(".vbproj") => {
                add("bin", ".NET");
                add("obj", ".NET");
            }
            _ => {}
        }
    }
    for root in &cargo_roots {
        let nested = cargo_roots
            .iter()
            .any(|o| o != root && (o.is_empty() || root.starts_with(&format!("{o}/"))));
        if !nested {
            dirs.entry(under(root, "target")).or_insert("Cargo.toml");
        }
    }
    for (dir, why) in dirs {
        let (parent, name) = dir.rsplit_once('/').unwrap_or(("", &dir));
        let line = if parent.is_empty() {
            name.to_owned()
        } else {
            format!("**/{name}")
        };
        items.push(Risky {
            label: format!("`{dir}/` (for {why})"),
            probes: vec![format!("{dir}/x")],
            line,
            severity: Severity::Warning,
            needed_dir: Some(dir.clone()),
            needed_suffix: None,
        });
    }
    for dir in pycache {
        let mut probes = vec![under(&dir, "__pycache__/m.pyc")];
        for sub in top_dirs(&dir) {
            probes.push(under(&dir, &format!("{sub}/__pycache__/m.pyc")));
        }
        items.push(Risky {
            label: format!(
                "`{}` folders (Python bytecode)",
                under(&dir, "**/__pycache__")
            ),
            probes,
            line: "**/__pycache__".to_owned(),
            severity: Severity::Warning,
            needed_dir: None,
            needed_suffix: None,
        });
    }
    items
}

/// The exclusion that is the root-only form of `line` (`*.pem` for `**/*.pem`).
fn root_only_line<'f>(file: &'f IgnoreFile, line: &str) -> Option<&'f Pattern> {
    let root_form = line.strip_prefix("**/")?;
    file.patterns
        .iter()
        .rev()
        .find(|p| !p.exception && p.cleaned == root_form)
}

fn risky_gap(rule: RuleIdx, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    let Some((_, repo_path, file)) = &a.ignore else {
        return;
    };
    let sources = a.explicit_sources();
    let present: BTreeSet<&str> = a.listing.files.iter().map(|f| f.path.as_str()).collect();
    let mut seen_lines = BTreeSet::new();
    for item in risky_items(a) {
        let needed = sources.iter().any(|s| {
            item.needed_dir
                .as_deref()
                .is_some_and(|d| names_within(s, d))
                || item.needed_suffix.is_some_and(|suf| s.ends_with(suf))
        });
        if needed {
            continue;
        }
        let sent: Vec<&String> = item
            .probes
            .iter()
            .filter(|p| matches!(file.excluded(p), Ok(false)))
            // Present and sensitive: `sensitive-in-context` reports the file itself.
            .filter(|p| !(present.contains(p.as_str()) && context::sensitive(p).is_some()))
            .collect();
        if sent.is_empty() || !seen_lines.insert(item.line.clone()) {
            continue;
        }
        let finding = match root_only_line(file, &item.line) {
            // The usual mistake: the gitignore habit of a slash-less name.
            Some(p) => {
                let src = SourceFile::new(repo_path.clone(), file.text.clone());
                Finding::span(
                    rule,
                    &src,
                    p.span.clone(),
                    format!(
                        "{} would be sent in {}: `{}` matches only at the context root, not `{}`; use `{}`",
                        item.label,
                        a.built_from(),
                        p.text,
                        sent[0],
                        item.line
                    ),
                )
            }
            None => Finding::file(
                rule,
                repo_path,
                format!(
                    "{} would be sent in {} (no line excludes `{}`); add `{}` at the end of `{repo_path}`",
                    item.label,
                    a.built_from(),
                    sent[0],
                    item.line
                ),
            ),
        };
        out.push(
            finding
                .with_severity(item.severity)
                .with_fingerprint_key(format!("{} {}", a.ctx.shown(), item.line)),
        );
    }
}

// ------------------------------------------------------------------------ bulky-in-context

fn bulky(rule: RuleIdx, p: &Params, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    let threshold = p.threshold_mib.saturating_mul(MIB);
    let mut sizes: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    for f in &a.listing.files {
        for (i, _) in f.path.match_indices('/') {
            let e = sizes.entry(&f.path[..i]).or_default();
            e.0 += f.bytes;
            e.1 += 1;
        }
    }
    let sources = a.explicit_sources();
    let mut done: Vec<&str> = Vec::new();
    for (dir, (bytes, count)) in &sizes {
        if *bytes < threshold || done.iter().any(|d| dir.starts_with(&format!("{d}/"))) {
            continue;
        }
        // Copied by name, or a folder holding it is: skip it and what is below.
        if sources.iter().any(|s| holds(s, dir)) {
            done.push(dir);
            continue;
        }
        // Something inside is copied by name: look deeper.
        if sources.iter().any(|s| names_within(s, dir)) {
            continue;
        }
        done.push(dir);
        let line = literal_line(dir);
        out.push(
            Finding::file(
                rule,
                a.anchor(),
                format!(
                    "`{}/` ({}, {}) is sent in {} but no COPY or ADD names it; add `{line}` to `{}` or copy what the image needs explicitly",
                    a.ctx.repo_path(dir),
                    human_bytes(*bytes),
                    plural(*count, "file"),
                    a.built_from(),
                    a.ignore_name()
                ),
            )
            .with_fingerprint_key(format!("{} {dir}", a.ctx.shown())),
        );
    }
}

// ------------------------------------------------------------------- allowlist-recommended

fn is_allowlist(file: &IgnoreFile) -> bool {
    file.patterns
        .iter()
        .any(|p| !p.exception && (p.cleaned == "*" || p.cleaned == "**"))
}

fn allowlist(rule: RuleIdx, p: &Params, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    if a.ignore.as_ref().is_some_and(|(_, _, f)| is_allowlist(f)) || a.copies_everything() {
        return;
    }
    let files = a.listing.files.len();
    let bytes = a.listing.bytes();
    if files < p.min_files && bytes < p.min_mib.saturating_mul(MIB) {
        return;
    }
    let sources: BTreeSet<&str> = a.explicit_sources().into_iter().collect();
    if sources.is_empty() || sources.len() > p.max_sources {
        return;
    }
    let mut lines = vec!["*".to_owned()];
    lines.extend(sources.iter().map(|s| format!("!{s}")));
    out.push(
        Finding::file(
            rule,
            a.anchor(),
            format!(
                "{} sends {} ({}) but the Dockerfile copies only {}; use an allow-list in `{}`: {}",
                a.built_from(),
                plural(files, "file"),
                human_bytes(bytes),
                sources
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                a.ignore_name(),
                lines
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_fingerprint_key(a.ctx.shown()),
    );
}

// -------------------------------------------------------------------- ineffective-pattern

/// For each line, the first later line that matches everything it matches (conservative:
/// the same pattern, a literal parent folder, or `*`/`**`). Indexed, so a huge file stays
/// linear.
fn covering_lines(patterns: &[Pattern]) -> Vec<Option<usize>> {
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut exact: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut everything: Vec<usize> = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        by_text.entry(p.cleaned.as_str()).or_default().push(i);
        if p.match_type == MatchType::Exact {
            exact.entry(p.cleaned.as_str()).or_default().push(i);
        }
        if p.cleaned == "*" || (p.match_type == MatchType::Suffix && p.cleaned == "**") {
            everything.push(i);
        }
    }
    let first_after = |v: Option<&Vec<usize>>, i: usize| {
        v.and_then(|v| v.get(v.partition_point(|&j| j <= i)).copied())
    };
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut best = first_after(by_text.get(p.cleaned.as_str()), i);
            let mut consider = |j: Option<usize>| {
                if let Some(j) = j {
                    best = Some(best.map_or(j, |b| b.min(j)));
                }
            };
            consider(first_after(Some(&everything), i));
            for (k, _) in p.cleaned.match_indices('/') {
                consider(first_after(exact.get(&p.cleaned[..k]), i));
            }
            best
        })
        .collect()
}

fn check_patterns(rule: RuleIdx, path: &str, file: &IgnoreFile, out: &mut Vec<Finding>) {
    let src = SourceFile::new(path.to_owned(), file.text.clone());
    let span =
        |range: std::ops::Range<usize>, message: String| Finding::span(rule, &src, range, message);
    for e in &file.errors {
        out.push(
            span(
                e.span.clone(),
                format!(
                    "{}; Docker rejects the whole ignore file and the build fails",
                    e.message
                ),
            )
            .with_severity(Severity::Warning),
        );
    }
    let covering = covering_lines(&file.patterns);
    let mut any_exclusion_before = false;
    for (i, p) in file.patterns.iter().enumerate() {
        let message = if let Some(why) = p.never_matches() {
            Some(format!("`{}` can never match: {why}", p.text))
        } else if let Some(e) = p.regex_error() {
            out.push(
                span(
                    p.span.clone(),
                    format!("`{}` is not a valid pattern for Docker ({e}); Docker fails the build when it reaches this line", p.text),
                )
                .with_severity(Severity::Warning),
            );
            None
        } else if p.text.starts_with('#') {
            Some(format!(
                "`{}` is a pattern, not a comment: only a `#` in the first column starts a comment",
                p.text
            ))
        } else if let Some(hash) = trailing_comment(&p.text) {
            Some(format!(
                "`{}` is one pattern, `{hash}` included: Docker has no trailing comments; put the comment on its own line",
                p.text
            ))
        } else if p.exception && !any_exclusion_before {
            Some(format!(
                "`{}` does nothing: no earlier line excludes anything for it to re-include",
                p.text
            ))
        } else {
            covering[i].map(|j| {
                let later = &file.patterns[j];
                format!(
                    "`{}` has no effect: line {} (`{}`) matches everything it matches and comes later, and the last matching line wins",
                    p.text, later.line, later.text
                )
            })
        };
        if let Some(m) = message {
            out.push(span(p.span.clone(), m));
        }
        any_exclusion_before |= !p.exception;
    }
}

/// `*.log   # logs` → `# logs`.
fn trailing_comment(text: &str) -> Option<&str> {
    let i = text.find(|c: char| c.is_whitespace())?;
    let rest = text[i..].trim_start();
    rest.starts_with('#').then_some(rest)
}

/// A `.dockerignore` next to a Dockerfile that is built from another context.
fn unread_ignore_files(
    rule: RuleIdx,
    repo: &Repo,
    contexts: &[BuildContext],
    read: &BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    for f in repo.files() {
        if f.name() != ".dockerignore" || read.contains(&f.path) {
            continue;
        }
        let dir = f.dir();
        let Some(c) = contexts.iter().find(|c| {
            c.dir != dir && c.dockerfile_path.rsplit_once('/').map_or("", |(d, _)| d) == dir
        }) else {
            continue;
        };
        out.push(Finding::file(
            rule,
            &f.path,
            format!(
                "`{}` is never read: `{}` is built from the context `{}`{}, whose ignore file is `{}`",
                f.path,
                c.dockerfile_path,
                c.shown(),
                c.origin
                    .as_deref()
                    .map_or(String::new(), |o| format!(" (declared in `{o}`)")),
                c.repo_path(".dockerignore")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_lines_match_only_their_path() {
        for (path, other) in [
            ("data[1]", "data1"),
            ("#notes", "notes"),
            ("!keep", "keep"),
            ("a*b/c", "axb/c"),
            ("q?", "qq"),
            ("plain/dir", "plain/dir2"),
        ] {
            let f = IgnoreFile::parse(literal_line(path).as_bytes());
            assert_eq!(f.excluded(path), Ok(true), "{path}");
            assert_eq!(f.excluded(other), Ok(false), "{path} vs {other}");
        }
    }

    #[test]
    fn covering_lines_are_found_in_one_pass() {
        let f = IgnoreFile::parse(b"a/b\nx\n!a/b\nc/d/e\nc\n*.log\n*\nz\n");
        let got: Vec<Option<u32>> = covering_lines(&f.patterns)
            .into_iter()
            .map(|j| j.map(|j| f.patterns[j].line))
            .collect();
        assert_eq!(
            got,
            [
                Some(3),
                Some(7),
                Some(7),
                Some(5),
                Some(7),
                Some(7),
                None,
                None
            ]
        );
    }
}
