//! The render smoke run: every template unit is rendered with its declared defaults into a
//! temporary folder (no hooks, no network, nothing written under the scanned path), every
//! family but `template` checks the result as a repository, and each finding is mapped back
//! to the template's source — the file it was rendered from and, where the rendered line
//! matches a source line with its tags as wildcards, that line. Fingerprints use the source
//! path, so a baseline does not churn with the render.
//!
//! What the render adds is what the template scan cannot see: the generated project's
//! required files and build contexts (the template scan's `dockerignore` findings under a
//! rendered project root give way to the render's), and references resolved to their
//! defaults. Pinning and secrets findings of both are kept, one per rule, path and line.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use crate::config::DEFAULTS_PROFILE;
use crate::finding::{Finding, RenderedFrom, RuleIdx};
use crate::rules::RuleSet;
use crate::source::SourceFile;
use crate::templates::profiles::{self, Profile};
use crate::templates::render::{self, ProblemKind, Rendered};
use crate::templates::{Engine, Syntax, Unit, units};
use crate::walk::{Repo, WalkOptions};

/// The `check` of the `template` rules that report what a render finds about the
/// template itself (a pack may re-declare them under its own ids).
const RENDER_FAILED: &str = "render-failed";
const NOT_RENDERED: &str = "not-rendered";
const UNDECLARED: &str = "undeclared-variable";
const PLACEHOLDER_LEFT: &str = "unrendered-placeholder";

/// The kinds that judge a repository's files as a whole (presence and content of a
/// LICENSE, a SECURITY.md, CODEOWNERS…).
const REPOSITORY_FILE_KINDS: &[&str] = &[
    "file-exists",
    "file-absent",
    "file-contains",
    "file-not-contains",
    "license-text",
    "security-contact",
    "codeowners-syntax",
    "codeowners-shadowed",
];

/// The kind of the pinning rules.
const PINNING: &str = "pinning";

/// The kind whose findings are about build contexts.
const DOCKER_CONTEXT: &str = "docker-context";

/// Render the units of `repo` and add what checking the renders finds to `findings`.
pub fn add_rendered(repo: &Repo, rules: &RuleSet, walk: &WalkOptions, findings: &mut Vec<Finding>) {
    let found = units(repo);
    if found.units.is_empty() {
        return;
    }
    // The render is a generated project: the template family has nothing to say there.
    let project_rules = rules.without_kinds(&["template"]);
    // A devcontainer template, a Helm starter and a Backstage step generate part of a
    // repository (a `.devcontainer/`, a chart, a `targetPath`): its required files are the
    // repository's business. So are they when the configuration already points the
    // required files at the template's project folder (`[rules.required-files] root`).
    let part_rules = project_rules.without_kinds(REPOSITORY_FILE_KINDS);
    let root_configured = rules.iter().any(|(_, r)| {
        REPOSITORY_FILE_KINDS.contains(&r.kind.as_str())
            && r.enabled()
            && r.merged_params()
                .get("root")
                .and_then(|v| v.as_str())
                .is_some_and(|v| !v.is_empty())
    });
    let inner_walk = WalkOptions {
        render_templates: false,
        git_ignore: false,
        exclude: Vec::new(),
        render_profiles: Default::default(),
        ..walk.clone()
    };
    let mut seen: HashSet<(u32, Option<String>, u32)> = findings.iter().map(key).collect();
    // Where the template family already reported: a render failure there has that cause.
    let template_places: HashSet<(Option<String>, u32)> = findings
        .iter()
        .filter(|f| rules[f.rule].kind == "template")
        .map(|f| {
            let (_, path, line) = key(f);
            (path, line)
        })
        .collect();
    for (p, message) in profiles::unmatched(repo, &found.units) {
        repo.diagnose(&p.origin.file, message);
    }
    for unit in &found.units {
        let inner_rules = match unit.engine {
            _ if root_configured => &part_rules,
            Engine::Devcontainer | Engine::HelmStarter | Engine::Backstage => &part_rules,
            _ => &project_rules,
        };
        let (profiles, problems) = profiles::profiles(repo, unit, &found.units);
        for (path, message) in problems {
            repo.diagnose(&path, message);
        }
        let run = Run {
            repo,
            rules,
            unit,
            inner_rules,
            inner_walk: &inner_walk,
            template_places: &template_places,
        };
        for profile in &profiles {
            let added = run.check(profile, findings, &mut seen);
            for f in added {
                if seen.insert(key(&f)) {
                    findings.push(f);
                }
            }
        }
    }
}

/// One unit's render, checked with every profile.
struct Run<'a> {
    repo: &'a Repo,
    rules: &'a RuleSet,
    unit: &'a Unit,
    /// The rules the render is checked with.
    inner_rules: &'a RuleSet,
    inner_walk: &'a WalkOptions,
    /// Where the template family already reported: a render failure there has that cause.
    template_places: &'a HashSet<(Option<String>, u32)>,
}

impl Run<'_> {
    /// Render the unit with `profile`, check the result, and return what it adds; the
    /// template scan's findings in `findings` that the render judges better are removed
    /// (and from `seen`).
    fn check(
        &self,
        profile: &Profile,
        findings: &mut Vec<Finding>,
        seen: &mut HashSet<(u32, Option<String>, u32)>,
    ) -> Vec<Finding> {
        let (repo, rules, unit) = (self.repo, self.rules, self.unit);
        let Ok(out) = tempfile::tempdir() else {
            repo.diagnose(&unit.manifest, "not rendered: no temporary folder");
            return Vec::new();
        };
        let mut values = values(unit);
        values.extend(profile.values.clone());
        let rendered = match render::render(repo.root(), unit, &values, out.path()) {
            Ok(r) => r,
            Err(e) => {
                repo.diagnose(&unit.manifest, format!("not rendered: {e}"));
                return Vec::new();
            }
        };
        let mut added = problems(repo, rules, unit, profile, &rendered);
        added.retain(|f| {
            let (_, path, line) = key(f);
            !self.template_places.contains(&(path, line))
        });
        added.extend(placeholders_left(
            repo,
            rules,
            unit,
            profile,
            &rendered,
            out.path(),
        ));
        let outcome = match super::scan(out.path(), self.inner_rules, self.inner_walk) {
            Ok(outcome) => outcome,
            Err(e) => {
                repo.diagnose(&unit.manifest, format!("render not checked: {e}"));
                return added;
            }
        };
        // The generated project's build contexts are the render's: the template scan's
        // (never an earlier render's) give way.
        findings.retain(|f| {
            let keep = f.rendered.is_some()
                || rules[f.rule].kind != DOCKER_CONTEXT
                || !under(f.location.path.as_deref(), &unit.project_root);
            if !keep {
                seen.remove(&key(f));
            }
            keep
        });
        let mut files = Files::new(repo, &rendered, out.path());
        for f in outcome.findings {
            added.push(map_back(&mut files, unit, profile, f));
        }
        // On a templated line the render produced and judged, the template scan's pinning
        // findings give way where they are about something else (a note that the reference
        // is templated) or quote the unit's own placeholder as if it were a version; one
        // that resolved the reference itself stays.
        let opener = placeholder_opener(unit);
        let rendered_lines = rendered_source_lines(&mut files, &rendered, findings, rules, opener);
        let mut judged: HashMap<(String, u32), Vec<RuleIdx>> = HashMap::new();
        for g in added.iter().filter(|g| rules[g.rule].kind == PINNING) {
            if let (Some(p), Some(r)) = (&g.location.path, g.location.region) {
                judged
                    .entry((p.clone(), r.start_line))
                    .or_default()
                    .push(g.rule);
            }
        }
        findings.retain(|f| {
            let at = match (&f.location.path, f.location.region) {
                (Some(p), Some(r)) if rules[f.rule].kind == PINNING && f.rendered.is_none() => {
                    (p.clone(), r.start_line)
                }
                _ => return true,
            };
            let Some(render_rules) = judged.get(&at) else {
                return true;
            };
            let keep = !rendered_lines.contains(&at)
                || (render_rules.contains(&f.rule) && !f.message.contains(opener));
            if !keep {
                seen.remove(&key(f));
            }
            keep
        });
        for d in outcome.diagnostics {
            if let Some((_, src)) = files.source_of(&d.path) {
                repo.diagnose(src, format!("in the render: {}", d.message));
            }
        }
        added
    }
}

/// What starts a placeholder of the unit: `{{`, `[[` (copier `_envops`), `${templateOption:`.
fn placeholder_opener(unit: &Unit) -> &str {
    match &unit.syntax {
        Syntax::Tags(d) => &d.variable.0,
        Syntax::Literal { placeholder } => placeholder
            .split_once("{name}")
            .map_or(placeholder.as_str(), |(before, _)| before),
    }
}

/// The (source path, line) pairs of templated source lines (holding `opener`) that the
/// render produced, among the lines where the template scan made a pinning finding.
fn rendered_source_lines<'a>(
    files: &mut Files<'a>,
    rendered: &'a Rendered,
    findings: &[Finding],
    rules: &RuleSet,
    opener: &str,
) -> HashSet<(String, u32)> {
    let mut wanted: HashMap<&str, BTreeSet<u32>> = HashMap::new();
    for f in findings.iter().filter(|f| rules[f.rule].kind == PINNING) {
        if let (Some(p), Some(r)) = (f.location.path.as_deref(), f.location.region) {
            wanted.entry(p).or_default().insert(r.start_line);
        }
    }
    let mut found = HashSet::new();
    for file in &rendered.files {
        let Some(lines) = wanted.get(file.source.as_str()) else {
            continue;
        };
        let Some(src) = files.source(&file.source) else {
            continue;
        };
        let templated: BTreeSet<u32> = lines
            .iter()
            .copied()
            .filter(|&l| !opener.is_empty() && src.text()[src.line_range(l)].contains(opener))
            .collect();
        if templated.is_empty() {
            continue;
        }
        let text = files.rendered(&file.path);
        let count = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        for rendered_line in 1..=count {
            if let Some(sl) = render::source_line(src.text(), &text, rendered_line)
                && templated.contains(&sl)
            {
                found.insert((file.source.clone(), sl));
            }
        }
    }
    found
}

/// One finding per rule, path and line.
fn key(f: &Finding) -> (u32, Option<String>, u32) {
    let line = f.location.region.map_or(0, |r| r.start_line);
    (f.rule.0, f.location.path.clone(), line)
}

fn under(path: Option<&str>, dir: &str) -> bool {
    match path {
        Some(p) if dir.is_empty() => !p.is_empty(),
        Some(p) => p.strip_prefix(dir).is_some_and(|r| r.starts_with('/')),
        None => false,
    }
}

/// The defaults profile: declared defaults (rendered by the engine), and a stand-in for
/// what has none — `helm create <name>` and cargo-generate's `--name` are given on the
/// command line.
fn values(unit: &Unit) -> serde_json::Map<String, serde_json::Value> {
    unit.variables
        .iter()
        .filter(|v| v.default.is_none() && !v.computed)
        .map(|v| {
            (
                v.name.clone(),
                serde_json::Value::String(format!(
                    "example-{}",
                    v.name.to_ascii_lowercase().replace('_', "-")
                )),
            )
        })
        .collect()
}

/// The files of one render, each read once: the source each came from, and the
/// rendered text.
struct Files<'a> {
    repo: &'a Repo,
    out: &'a Path,
    /// Rendered path → source path.
    sources: HashMap<&'a str, &'a str>,
    read_sources: HashMap<&'a str, Option<Rc<SourceFile>>>,
    read_rendered: HashMap<&'a str, Rc<str>>,
}

impl<'a> Files<'a> {
    fn new(repo: &'a Repo, rendered: &'a Rendered, out: &'a Path) -> Self {
        Files {
            repo,
            out,
            sources: rendered
                .files
                .iter()
                .map(|f| (f.path.as_str(), f.source.as_str()))
                .collect(),
            read_sources: HashMap::new(),
            read_rendered: HashMap::new(),
        }
    }

    /// The rendered path as the render stored it, and its source.
    fn source_of(&self, rendered_path: &str) -> Option<(&'a str, &'a str)> {
        self.sources
            .get_key_value(rendered_path)
            .map(|(p, s)| (*p, *s))
    }

    fn source(&mut self, source: &'a str) -> Option<Rc<SourceFile>> {
        let repo = self.repo;
        self.read_sources
            .entry(source)
            .or_insert_with(|| {
                repo.file(source)
                    .and_then(|e| repo.read_for_scan(e))
                    .map(Rc::new)
            })
            .clone()
    }

    /// The rendered text ("" when it cannot be read as text).
    fn rendered(&mut self, rendered_path: &'a str) -> Rc<str> {
        let out = self.out;
        self.read_rendered
            .entry(rendered_path)
            .or_insert_with(|| {
                std::fs::read_to_string(out.join(rendered_path))
                    .unwrap_or_default()
                    .into()
            })
            .clone()
    }
}

/// A finding of the render, moved to the source it was rendered from; its message says
/// where in the generated project it was made.
fn map_back(files: &mut Files<'_>, unit: &Unit, profile: &Profile, mut f: Finding) -> Finding {
    let with = with_what(profile);
    f.message = match f.location.path.as_deref() {
        Some(p) => format!(
            "{} (in the project `{}` generates {with}, at `{p}`)",
            f.message, unit.manifest
        ),
        None => format!(
            "{} (in the project `{}` generates {with})",
            f.message, unit.manifest
        ),
    };
    let Some(rendered_path) = f.location.path.clone() else {
        // About the generated project as a whole (a required file it lacks): at the unit's
        // manifest, or the repository's own level when the whole repository is the unit.
        let g = if unit.project_root.is_empty() {
            Finding::repository(f.rule, f.message)
        } else {
            Finding::file(f.rule, &unit.manifest, f.message)
        };
        return with_origin(
            g.copy_severity(f.severity, f.severity_from_check),
            profile,
            "",
        );
    };
    let Some((rendered_path, source)) = files.source_of(&rendered_path) else {
        // A file the render made that has no single source (none today): the manifest.
        return with_origin(
            Finding::file(f.rule, &unit.manifest, f.message)
                .copy_severity(f.severity, f.severity_from_check),
            profile,
            &rendered_path,
        );
    };
    let line = f.location.region.map(|r| r.start_line);
    let rendered_text = files.rendered(rendered_path);
    let source_file = files.source(source);
    let mapped = match (line, &source_file) {
        (Some(l), Some(src)) => {
            render::source_line(src.text(), &rendered_text, l).map(|sl| (sl, src))
        }
        _ => None,
    };
    let g = match mapped {
        Some((sl, src)) => {
            let column = f.location.region.map_or(1, |r| r.start_col);
            match same_text(unit, src, sl, &rendered_text, line.unwrap_or(0), column) {
                Some(range) => Finding::span(f.rule, src, range, f.message),
                None => Finding::line(f.rule, src, sl, f.message),
            }
        }
        None => Finding::file(f.rule, source, f.message),
    };
    with_origin(
        g.copy_severity(f.severity, f.severity_from_check),
        profile,
        rendered_path,
    )
}

/// Where the text a finding points at on a rendered line stands in its source line: the
/// longest start of it (three characters at least) that the source line holds, as a byte
/// range of the source. `python:3.12` rendered from `python:{{ py }}` is found at `python:`.
fn same_text(
    unit: &Unit,
    src: &crate::source::SourceFile,
    source_line: u32,
    rendered_text: &str,
    rendered_line: u32,
    column: u32,
) -> Option<std::ops::Range<usize>> {
    let line = rendered_text
        .lines()
        .nth(usize::try_from(rendered_line).ok()?.checked_sub(1)?)?;
    let from: String = line
        .chars()
        .skip(usize::try_from(column).ok()?.saturating_sub(1))
        .take(40)
        .collect();
    let range = src.line_range(source_line);
    let source = &src.text()[range.clone()];
    let ends: Vec<usize> = from.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
    // Text inside the unit's tags is not what the render wrote there: `python` of
    // `{{ cookiecutter.python_image }}` is not the rendered `python:3.11`.
    let tags = tag_spans(unit, source);
    // What the render wrote at a tag that stands where the finding starts, after the
    // same text: the tag (`FROM {{ image }}` rendered `FROM python:3.11`).
    let before: String = line
        .chars()
        .take(usize::try_from(column).ok()?.saturating_sub(1))
        .collect();
    if let Some(tag) = tags.iter().find(|t| t.start == before.len())
        && source.get(..before.len()) == Some(before.as_str())
    {
        return Some(range.start + tag.start..range.start + tag.end);
    }
    ends.iter()
        .rev()
        .filter(|&&end| from[..end].chars().count() >= 3)
        .find_map(|&end| {
            let needle = &from[..end];
            source
                .match_indices(needle)
                .map(|(at, _)| at)
                .find(|at| !tags.iter().any(|t| t.contains(at)))
                .map(|at| range.start + at..range.start + at + needle.len())
        })
}

/// The byte ranges of `line` inside the unit's tags (from an opening delimiter to its
/// closing one, or to the end of the line).
fn tag_spans(unit: &Unit, line: &str) -> Vec<std::ops::Range<usize>> {
    let pairs: Vec<(&str, &str)> = match &unit.syntax {
        Syntax::Tags(d) => vec![
            (d.variable.0.as_str(), d.variable.1.as_str()),
            (d.block.0.as_str(), d.block.1.as_str()),
        ],
        Syntax::Literal { placeholder } => match placeholder.split_once("{name}") {
            Some((open, close)) if !open.is_empty() => vec![(open, close)],
            _ => Vec::new(),
        },
    };
    let mut spans = Vec::new();
    for (open, close) in pairs {
        let mut from = 0;
        while let Some(i) = line[from..].find(open) {
            let start = from + i;
            let body = start + open.len();
            let end = match line[body..].find(close) {
                Some(j) if !close.is_empty() => body + j + close.len(),
                _ => line.len(),
            };
            spans.push(start..end);
            from = end.max(body);
        }
    }
    spans
}

/// How a profile is named in messages: "with its defaults", "with render profile `x`".
fn with_what(profile: &Profile) -> String {
    if profile.name == DEFAULTS_PROFILE {
        "with its defaults".to_owned()
    } else {
        format!("with render profile `{}`", profile.name)
    }
}

fn with_origin(mut f: Finding, profile: &Profile, rendered_path: &str) -> Finding {
    f.rendered = Some(Box::new(RenderedFrom {
        profile: profile.name.clone(),
        path: rendered_path.to_owned(),
    }));
    f
}

/// The enabled `template` rules whose `check` is `check`.
fn rules_checking(rules: &RuleSet, check: &str) -> Vec<RuleIdx> {
    rules
        .iter()
        .filter(|(_, r)| {
            r.kind == "template"
                && r.enabled()
                && r.merged_params().get("check").and_then(|v| v.as_str()) == Some(check)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The render's own failures and notes, as `template/` findings at their source line.
fn problems(
    repo: &Repo,
    rules: &RuleSet,
    unit: &Unit,
    profile: &Profile,
    rendered: &Rendered,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &rendered.problems {
        let id = match p.kind {
            ProblemKind::RenderFailed => RENDER_FAILED,
            ProblemKind::NotModelled => NOT_RENDERED,
            ProblemKind::Undeclared => UNDECLARED,
            // The `template/hooks-not-run` note says it once per unit.
            ProblemKind::NotRun => continue,
            ProblemKind::NotRead => {
                repo.diagnose(&p.source, format!("not rendered: {}", p.message));
                continue;
            }
        };
        let msg = match p.kind {
            ProblemKind::RenderFailed => format!(
                "rendering `{}` {} fails: {}",
                unit.manifest,
                with_what(profile),
                p.message
            ),
            _ => p.message.clone(),
        };
        let source = repo.file(&p.source).and_then(|e| repo.read_for_scan(e));
        // A folder's name that fails: on its first file, as the template rules put it.
        let (at, msg) = match repo.file_at_or_under(&p.source) {
            Some(f) if f != p.source => (
                f.to_owned(),
                format!("{msg} (in the folder name `{}`)", p.source),
            ),
            _ => (p.source.clone(), msg),
        };
        for r in rules_checking(rules, id) {
            let f = match (p.line, &source) {
                (Some(l), Some(src)) if l > 0 => Finding::line(r, src, l, msg.clone()),
                _ => Finding::file(r, &at, msg.clone()),
            };
            out.push(with_origin(f, profile, ""));
        }
    }
    out
}

/// The unit's own placeholders left in the generated project: a declared variable written
/// in the unit's syntax (`${templateOption:x}`, `__NAME__`, `{{ cookiecutter.x }}`) that the
/// render did not replace — a file copied without rendering, or a raw region, that was meant
/// to be rendered.
fn placeholders_left(
    repo: &Repo,
    rules: &RuleSet,
    unit: &Unit,
    profile: &Profile,
    rendered: &Rendered,
    out: &Path,
) -> Vec<Finding> {
    let ids = rules_checking(rules, PLACEHOLDER_LEFT);
    if ids.is_empty() {
        return Vec::new();
    }
    // (how the placeholder is written, the variable).
    let written: BTreeSet<(String, &str)> = match &unit.syntax {
        Syntax::Literal { placeholder } if placeholder.contains("{name}") => unit
            .variables
            .iter()
            .map(|v| (placeholder.replace("{name}", &v.name), v.name.as_str()))
            .collect(),
        Syntax::Literal { placeholder } => unit
            .variables
            .first()
            .map(|v| (placeholder.clone(), v.name.as_str()))
            .into_iter()
            .collect(),
        Syntax::Tags(d) => match &unit.namespace {
            Some(ns) => unit
                .variables
                .iter()
                .flat_map(|v| {
                    [
                        (format!("{} {ns}.{}", d.variable.0, v.name), v.name.as_str()),
                        (format!("{}{ns}.{}", d.variable.0, v.name), v.name.as_str()),
                    ]
                })
                .collect(),
            None => BTreeSet::new(),
        },
    };
    let mut found = Vec::new();
    if written.is_empty() {
        return found;
    }
    for file in &rendered.files {
        let Ok(text) = std::fs::read_to_string(out.join(&file.path)) else {
            continue;
        };
        let Some((line_no, name)) = text.lines().enumerate().find_map(|(i, l)| {
            written
                .iter()
                .find(|(w, _)| l.contains(w.as_str()))
                .map(|(_, name)| (i + 1, *name))
        }) else {
            continue;
        };
        let msg = format!(
            "the placeholder of `{name}` is left as written in the generated `{}`: the file is copied without rendering, or the placeholder is escaped",
            file.path
        );
        let source = repo.file(&file.source).and_then(|e| repo.read_for_scan(e));
        let line = source.as_ref().and_then(|src| {
            render::source_line(src.text(), &text, u32::try_from(line_no).unwrap_or(0))
        });
        for &r in &ids {
            let f = match (line, &source) {
                (Some(sl), Some(src)) => Finding::line(r, src, sl, msg.clone()),
                _ => Finding::file(r, &file.source, msg.clone()),
            };
            found.push(with_origin(f, profile, &file.path));
        }
    }
    found
}
