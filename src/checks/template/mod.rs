//! The `template` family: checks of a template's source — what its files read against what
//! it declares, names no checkout can hold, metadata. One kind, `template`; each rule's
//! `check` parameter names its logic. Units are found once per scan
//! ([`crate::templates`]) and shared by all the rules.

mod meta;
mod portable;
pub mod usage;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Built, Check, Declared, Kind};
use crate::finding::{Finding, RuleIdx};
use crate::source::SourceFile;
use crate::templates::{Engine, Unit};
use crate::walk::Repo;
use usage::{Place, Undeclared, Usage};

/// Kind `template`: a check of template units; `check` names the rule's logic.
pub const TEMPLATE: Kind<Params> = Kind::new("template", build);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Which {
    UndeclaredVariable,
    ForeignExpressionNotEscaped,
    UnusedVariable,
    SyntaxError,
    NotRendered,
    PathNotPortable,
    DefaultMissing,
    VersionInvalid,
    AnswersFileMissing,
    HooksNotRun,
    /// Reported by the render smoke run ([`crate::engine`]), not by this check.
    RenderFailed,
    /// Reported by the render smoke run ([`crate::engine`]), not by this check.
    UnrenderedPlaceholder,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    check: Which,
}

fn build(inputs: Vec<Declared<'_, Params>>) -> Built {
    let rules = inputs
        .into_iter()
        .map(|d| (d.idx, d.params.check))
        .collect();
    Ok(vec![Box::new(TemplateChecks { rules })])
}

struct TemplateChecks {
    rules: Vec<(RuleIdx, Which)>,
}

impl Check for TemplateChecks {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let mut emit = Emitter {
            repo,
            files: HashMap::new(),
            out,
        };
        for rule in self.using(Which::PathNotPortable) {
            for f in repo.files() {
                if let Some((name, reason)) = portable::problem(&f.path) {
                    emit.out.push(Finding::file(
                        rule,
                        &f.path,
                        format!("`{name}` cannot be checked out on Windows: it holds {reason}"),
                    ));
                }
            }
        }
        let units = crate::templates::units(repo);
        for d in &units.diagnostics {
            let line = d.line.map_or(String::new(), |l| format!("line {l}: "));
            let key = d.key.as_ref().map_or(String::new(), |k| format!("`{k}`: "));
            repo.diagnose(&d.path, format!("template unit: {line}{key}{}", d.message));
        }
        for unit in &units.units {
            self.check_unit(repo, unit, &mut emit);
        }
        // A Backstage template's form is checked once, whatever the number of its steps.
        let mut forms = BTreeSet::new();
        for unit in &units.units {
            if unit.engine == Engine::Backstage && forms.insert(unit.manifest.as_str()) {
                self.check_form(repo, unit, &mut emit);
            }
        }
    }
}

impl TemplateChecks {
    fn using(&self, which: Which) -> impl Iterator<Item = RuleIdx> + '_ {
        self.rules
            .iter()
            .filter(move |(_, w)| *w == which)
            .map(|(r, _)| *r)
    }

    fn wants(&self, which: &[Which]) -> bool {
        self.rules.iter().any(|(_, w)| which.contains(w))
    }

    fn check_unit(&self, repo: &Repo, unit: &Unit, emit: &mut Emitter<'_, '_>) {
        use Which::*;
        if self.wants(&[
            UndeclaredVariable,
            ForeignExpressionNotEscaped,
            UnusedVariable,
            SyntaxError,
            NotRendered,
        ]) {
            let usage = usage::analyse(repo, unit);
            self.report_usage(unit, &usage, emit);
        }
        for rule in self.using(DefaultMissing) {
            for (v, msg) in meta::defaults_missing(repo, unit) {
                emit.at_line(rule, &v.origin.path, v.origin.line, msg);
            }
        }
        for rule in self.using(VersionInvalid) {
            if let Some((path, line, msg)) = meta::version_problem(repo, unit) {
                emit.at_line(rule, &path, line, msg);
            }
        }
        for rule in self.using(AnswersFileMissing) {
            if let Some(msg) = meta::answers_file_missing(repo, unit) {
                emit.out.push(Finding::file(rule, &unit.manifest, msg));
            }
        }
        for rule in self.using(HooksNotRun) {
            if let Some((path, msg)) = meta::hooks(repo, unit) {
                emit.out.push(Finding::file(rule, &path, msg));
            }
        }
    }

    /// `${{ parameters.x }}` in a Backstage template that its form does not declare: every
    /// occurrence (each is a step input, a condition or an output of its own).
    fn check_form(&self, repo: &Repo, unit: &Unit, emit: &mut Emitter<'_, '_>) {
        let rules: Vec<RuleIdx> = self.using(Which::UndeclaredVariable).collect();
        if rules.is_empty() {
            return;
        }
        for u in usage::backstage_parameters(repo, unit) {
            for &rule in &rules {
                let msg = format!(
                    "`{}` is not a property of `spec.parameters` in `{}`: the scaffolder renders it as an empty string",
                    u.path, unit.manifest
                );
                emit.place(rule, &u.place, msg);
            }
        }
    }

    fn report_usage(&self, unit: &Unit, usage: &Usage, emit: &mut Emitter<'_, '_>) {
        let engine = unit.engine.name();
        for rule in self.using(Which::UndeclaredVariable) {
            // Each undeclared name once, at its first occurrence.
            let mut by_name: BTreeMap<&str, Vec<&Undeclared>> = BTreeMap::new();
            for u in &usage.undeclared {
                by_name.entry(&u.name).or_default().push(u);
            }
            for uses in by_name.values() {
                let first = uses[0];
                let more = match uses.len() - 1 {
                    0 => String::new(),
                    n => format!(
                        " ({n} more use{} in the unit)",
                        if n == 1 { "" } else { "s" }
                    ),
                };
                let msg = format!(
                    "`{}` is not declared by the {engine} template `{}`{more}: {}",
                    first.path,
                    unit.manifest,
                    undeclared_effect(unit)
                );
                emit.place(rule, &first.place, msg);
            }
        }
        for rule in self.using(Which::ForeignExpressionNotEscaped) {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for u in &usage.foreign {
                *seen.entry(place_path(&u.place).to_owned()).or_default() += 1;
            }
            let mut reported: Vec<String> = Vec::new();
            for u in &usage.foreign {
                let path = place_path(&u.place).to_owned();
                if reported.contains(&path) {
                    continue;
                }
                let n = seen[&path];
                let others = if n > 1 {
                    format!(" (and {} more in this file)", n - 1)
                } else {
                    String::new()
                };
                let (open, close) = match &unit.syntax {
                    crate::templates::Syntax::Tags(d) => (d.block.0.as_str(), d.block.1.as_str()),
                    crate::templates::Syntax::Literal { .. } => ("{%", "%}"),
                };
                emit.place(
                    rule,
                    &u.place,
                    format!(
                        "`{}` is a GitHub Actions expression, but {engine} renders this file and evaluates it{others}: wrap it in `{open} raw {close}…{open} endraw {close}` or copy the file without rendering",
                        u.path
                    ),
                );
                reported.push(path);
            }
        }
        for rule in self.using(Which::SyntaxError) {
            for (place, msg) in &usage.syntax_errors {
                emit.place(rule, place, format!("{engine} cannot render this: {msg}"));
            }
        }
        for rule in self.using(Which::NotRendered) {
            for (place, what) in &usage.not_modelled {
                emit.place(
                    rule,
                    place,
                    format!("not checked: {what}; the template is read as far as it can be"),
                );
            }
        }
        if usage.judges_unused() {
            for rule in self.using(Which::UnusedVariable) {
                for v in &unit.variables {
                    if v.computed || usage.used.contains(&v.name) {
                        continue;
                    }
                    emit.at_line(
                        rule,
                        &v.origin.path,
                        v.origin.line,
                        format!(
                            "`{}` is declared but no file, path, hook or other default of the template reads it",
                            v.name
                        ),
                    );
                }
            }
        }
    }
}

/// What an undeclared name does when the unit is rendered.
fn undeclared_effect(unit: &Unit) -> &'static str {
    use crate::templates::Engine::*;
    match unit.engine {
        Cookiecutter => "cookiecutter stops with an undefined-variable error",
        Copier => "copier renders it as an empty string",
        Backstage => "the scaffolder renders it as an empty string",
        Devcontainer | HelmStarter | Plain => {
            "the placeholder is left as it is in the generated project"
        }
        CargoGenerate => "cargo-generate renders it as an empty string",
    }
}

fn place_path(p: &Place) -> &str {
    match p {
        Place::Content { path, .. } | Place::Path { path } | Place::Manifest { path, .. } => path,
    }
}

/// Builds findings at places, reading each file once.
struct Emitter<'r, 'o> {
    repo: &'r Repo,
    files: HashMap<String, Option<SourceFile>>,
    out: &'o mut Vec<Finding>,
}

impl Emitter<'_, '_> {
    fn source(&mut self, path: &str) -> Option<&SourceFile> {
        let repo = self.repo;
        self.files
            .entry(path.to_owned())
            .or_insert_with(|| repo.file(path).and_then(|e| repo.read_for_scan(e)))
            .as_ref()
    }

    fn place(&mut self, rule: RuleIdx, place: &Place, msg: String) {
        match place {
            Place::Content { path, offset } => match self.source(path) {
                Some(file) => {
                    let end = file.text()[*offset..]
                        .find(|c: char| c.is_whitespace() || c == '}' || c == '|')
                        .map_or(file.text().len(), |e| offset + e.max(1));
                    let f = Finding::span(rule, file, *offset..end, msg);
                    self.out.push(f);
                }
                None => self.out.push(Finding::file(rule, path, msg)),
            },
            Place::Path { path } => {
                // A folder's name: the finding goes on its first file (a report format
                // locates files, not folders).
                let file = self
                    .repo
                    .file_at_or_under(path)
                    .map_or_else(|| path.clone(), str::to_owned);
                let msg = if file == *path {
                    msg
                } else {
                    format!("{msg} (in the folder name `{path}`)")
                };
                self.out.push(Finding::file(rule, &file, msg));
            }
            Place::Manifest { path, line } => self.at_line(rule, path, *line, msg),
        }
    }

    fn at_line(&mut self, rule: RuleIdx, path: &str, line: u32, msg: String) {
        let finding = match self.source(path) {
            Some(file) if line > 0 => Finding::line(rule, file, line, msg),
            _ => Finding::file(rule, path, msg),
        };
        self.out.push(finding);
    }
}
