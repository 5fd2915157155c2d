//! What a unit's templates read, against what it declares: every text the engine renders
//! (file contents, paths, hooks, other variables' defaults) is parsed with the engine's
//! syntax, and each free name is classified — a declared variable, a built-in, a GitHub
//! Actions expression the engine would evaluate, or an undeclared name.

use std::collections::BTreeSet;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::templates::refs::{self, Reference};
use crate::templates::{Delimiters, Engine, Language, Syntax, Unit};
use crate::util::join_path;
use crate::walk::Repo;

/// The roots of GitHub Actions expression contexts: `${{ github.sha }}` in a file the
/// engine renders is evaluated by the engine, not left for Actions.
pub const GITHUB_CONTEXTS: &[&str] = &[
    "github", "secrets", "matrix", "steps", "env", "inputs", "needs", "runner", "vars", "job",
    "strategy",
];

/// Where a text of the unit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A file's contents: repository path and byte offset.
    Content { path: String, offset: usize },
    /// A file's path as stored (the file, repository-relative).
    Path { path: String },
    /// A variable's default (or another value of the manifest): manifest path and line.
    Manifest { path: String, line: u32 },
}

/// A name the unit's templates read that nothing declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undeclared {
    /// As written: `cookiecutter.projct_slug`, `version`.
    pub path: String,
    /// The undeclared variable itself.
    pub name: String,
    pub place: Place,
}

/// The result for one unit.
#[derive(Debug, Default)]
pub struct Usage {
    pub undeclared: Vec<Undeclared>,
    /// GitHub Actions expressions in rendered regions (`github.sha`).
    pub foreign: Vec<Undeclared>,
    /// Declared variables read somewhere.
    pub used: BTreeSet<String>,
    /// The whole namespace is read (`{{ cookiecutter | jsonify }}`): every variable may be
    /// used.
    pub all_used: bool,
    /// Syntax errors: (place, engine message).
    pub syntax_errors: Vec<(Place, String)>,
    /// Constructs this tool does not model: (place, what).
    pub not_modelled: Vec<(Place, String)>,
}

impl Usage {
    /// Whether "unused" can be judged: no text failed to parse and nothing reads every
    /// variable at once.
    pub fn judges_unused(&self) -> bool {
        !self.all_used
            && self.syntax_errors.is_empty()
            && self
                .not_modelled
                .iter()
                .all(|(p, _)| !matches!(p, Place::Content { .. }))
    }
}

/// The Jinja-family delimiters of a unit, when its files are parsed as Jinja/Nunjucks.
fn jinja(unit: &Unit) -> Option<&Delimiters> {
    match &unit.syntax {
        Syntax::Tags(d) if d.language != Language::Liquid => Some(d),
        _ => None,
    }
}

fn globs(patterns: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        // A pattern that is not a glob is a name; a bad one matches nothing.
        if let Ok(g) = GlobBuilder::new(p.trim_start_matches("./"))
            .literal_separator(false)
            .build()
        {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// The repository paths of the files under `dir` (every depth).
pub fn files_under<'r>(repo: &'r Repo, dir: &str) -> impl Iterator<Item = &'r str> {
    repo.files_under(dir).iter().map(|f| f.path.as_str())
}

/// Relative path of `path` under `dir`.
fn relative<'p>(path: &'p str, dir: &str) -> &'p str {
    if dir.is_empty() {
        path
    } else {
        path.strip_prefix(dir)
            .map_or(path, |r| r.trim_start_matches('/'))
    }
}

/// The texts of `unit` the engine renders, read and classified.
pub fn analyse(repo: &Repo, unit: &Unit) -> Usage {
    let mut usage = Usage::default();
    if let Syntax::Literal { placeholder } = &unit.syntax {
        literal(repo, unit, placeholder, &mut usage);
        return usage;
    }
    let Some(delims) = jinja(unit) else {
        if let Syntax::Tags(d) = &unit.syntax {
            liquid_uses(repo, unit, d, &mut usage);
        }
        return usage;
    };
    let declared: BTreeSet<&str> = unit.variables.iter().map(|v| v.name.as_str()).collect();
    let builtins: BTreeSet<&str> = unit.builtins.iter().map(String::as_str).collect();
    let mut cx = Classifier {
        unit,
        declared,
        builtins,
        usage: &mut usage,
    };

    // The manifest's values are templates too: defaults (rendered in order), copier's
    // `when`, `validator`, `_exclude`, `_tasks`, `_subdirectory`. Each line holding a tag
    // is read on its own (a value is one line in JSON and in the flow or quoted YAML such
    // values are written in); a line that does not parse alone is not an error.
    if matches!(unit.engine, Engine::Cookiecutter | Engine::Copier) {
        let mut manifests: BTreeSet<&str> = BTreeSet::from([unit.manifest.as_str()]);
        manifests.extend(unit.variables.iter().map(|v| v.origin.path.as_str()));
        for m in manifests {
            cx.manifest(repo, m, delims);
        }
    }

    let not_rendered = globs(&unit.not_rendered);
    let excluded = globs(&unit.excluded);
    let project: Vec<&str> = files_under(repo, &unit.project_root).collect();
    let mut seen_paths: BTreeSet<String> = BTreeSet::new();
    for path in project {
        let rel_source = relative(path, &unit.source_root);
        let rel_project = relative(path, &unit.project_root);
        if excluded.is_match(rel_source) || excluded.is_match(rel_project) {
            continue;
        }
        // Every path is rendered, whatever the contents (the project root's own name too).
        if rel_source.contains(&delims.variable.0) || rel_source.contains(&delims.block.0) {
            // Each folder's name once, however many files it holds.
            let base = path.len() - rel_source.len();
            for (end, part) in components(rel_source) {
                let named = &path[..base + end];
                if seen_paths.insert(named.to_owned()) {
                    cx.text(part, delims, |_| Place::Path {
                        path: named.to_owned(),
                    });
                }
            }
        }
        let rendered = match &unit.templates_suffix {
            Some(suffix) if !suffix.is_empty() => path.ends_with(suffix.as_str()),
            _ => true,
        };
        if !rendered || not_rendered.is_match(rel_source) || not_rendered.is_match(rel_project) {
            continue;
        }
        cx.file(repo, path, delims);
    }

    // Cookiecutter renders its hooks with the same context.
    if unit.engine == Engine::Cookiecutter {
        let hooks = join_path(&unit.source_root, "hooks");
        let hook_files: Vec<&str> = files_under(repo, &hooks).collect();
        for path in hook_files {
            cx.file(repo, path, delims);
        }
    }
    usage
}

/// A Backstage template's own references to its form (`${{ parameters.name }}` in step
/// inputs, `if:` conditions, output links) that name no property of `spec.parameters`:
/// the scaffolder renders them empty. Nothing is said when the form is not wholly written
/// in the file (`$yaml`, `$ref`, `$json` includes): its properties are not all known.
pub fn backstage_parameters(repo: &Repo, unit: &Unit) -> Vec<Undeclared> {
    let Some(file) = repo
        .file(&unit.manifest)
        .and_then(|e| repo.read_for_scan(e))
    else {
        return Vec::new();
    };
    let text = file.text();
    if ["$yaml", "$ref", "$json", "$text"]
        .iter()
        .any(|k| text.contains(k))
    {
        return Vec::new();
    }
    let delims = Delimiters {
        variable: ("${{".to_owned(), "}}".to_owned()),
        ..Delimiters::standard(Language::Nunjucks)
    };
    let mut out = Vec::new();
    for (_, start, line) in file.lines() {
        if !line.contains("${{") || !line.contains("parameters") {
            continue;
        }
        let scan = refs::scan(line, &delims);
        if scan.error.is_some() {
            continue;
        }
        for r in scan.references {
            if r.root() != "parameters" {
                continue;
            }
            let Some(name) = r.path.split('.').nth(1) else {
                continue;
            };
            if unit.parameters.iter().any(|p| p.name == name) {
                continue;
            }
            out.push(Undeclared {
                name: name.to_owned(),
                path: r.path.clone(),
                place: Place::Content {
                    path: unit.manifest.clone(),
                    offset: start + r.offset,
                },
            });
        }
    }
    out
}

/// A unit whose placeholders are literal text (`${templateOption:{name}}`): a declared
/// variable is used where its placeholder appears in a file or a path. Undeclared names
/// are looked for only where the placeholder's fixed text is distinctive (four characters
/// or more around `{name}`): Helm's `<{name}>` would read every HTML tag as a variable.
fn literal(repo: &Repo, unit: &Unit, placeholder: &str, usage: &mut Usage) {
    let (prefix, suffix) = placeholder
        .split_once("{name}")
        .unwrap_or((placeholder, ""));
    let written: Vec<(String, &str)> = unit
        .variables
        .iter()
        .map(|v| (placeholder.replace("{name}", &v.name), v.name.as_str()))
        .collect();
    let declared: BTreeSet<&str> = unit.variables.iter().map(|v| v.name.as_str()).collect();
    let names = regex::Regex::new(&format!(
        "{}([A-Za-z_][A-Za-z0-9_.-]*){}",
        regex::escape(prefix),
        regex::escape(suffix)
    ))
    .ok()
    .filter(|_| placeholder.contains("{name}") && prefix.len() + suffix.len() >= 4);
    let excluded = globs(&unit.excluded);
    for path in files_under(repo, &unit.project_root) {
        if excluded.is_match(relative(path, &unit.project_root)) {
            continue;
        }
        let file = repo.file(path).and_then(|e| repo.read_for_scan(e));
        for (text, in_path) in [
            (path, true),
            (file.as_ref().map_or("", |f| f.text()), false),
        ] {
            for (p, name) in &written {
                if text.contains(p.as_str()) {
                    usage.used.insert((*name).to_owned());
                }
            }
            let Some(re) = &names else { continue };
            if !text.contains(prefix) {
                continue;
            }
            for c in re.captures_iter(text) {
                if declared.contains(&c[1]) {
                    continue;
                }
                let place = if in_path {
                    Place::Path {
                        path: path.to_owned(),
                    }
                } else {
                    Place::Content {
                        path: path.to_owned(),
                        offset: c.get(1).map_or(0, |m| m.start()),
                    }
                };
                usage.undeclared.push(Undeclared {
                    path: c[1].to_owned(),
                    name: c[1].to_owned(),
                    place,
                });
            }
        }
    }
}

/// Liquid (cargo-generate) is not parsed: a declared variable counts as used when its
/// name is a word inside a tag of a file or a path, or appears in the manifest's
/// conditions or a Rhai hook. That only ever errs towards "used", so "unused" stays sure;
/// undeclared names are left to the render.
fn liquid_uses(repo: &Repo, unit: &Unit, d: &Delimiters, usage: &mut Usage) {
    let declared: BTreeSet<&str> = unit.variables.iter().map(|v| v.name.as_str()).collect();
    let words = |text: &str, all: bool, usage: &mut Usage| {
        let mut regions: Vec<&str> = Vec::new();
        if all {
            regions.push(text);
        } else {
            for (open, close) in [&d.variable, &d.block] {
                let mut rest = text;
                while let Some(i) = rest.find(open.as_str()) {
                    let body = &rest[i + open.len()..];
                    let end = body.find(close.as_str()).unwrap_or(body.len());
                    regions.push(&body[..end]);
                    rest = &body[end..];
                }
            }
        }
        for r in regions {
            for w in r.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
                if declared.contains(w) {
                    usage.used.insert(w.to_owned());
                }
            }
        }
    };
    for path in files_under(repo, &unit.source_root) {
        if path == unit.manifest {
            continue;
        }
        words(path, false, usage);
        if let Some(file) = repo.file(path).and_then(|e| repo.read_for_scan(e)) {
            words(file.text(), path.ends_with(".rhai"), usage);
        }
    }
    // The manifest declares every name: reading it whole would use them all. Only its
    // conditions count.
    if let Some(file) = repo
        .file(&unit.manifest)
        .and_then(|e| repo.read_for_scan(e))
    {
        let conditions: String = file
            .lines()
            .filter(|(_, _, l)| l.trim_start().starts_with("[conditional."))
            .map(|(_, _, l)| l)
            .collect::<Vec<_>>()
            .join("\n");
        words(&conditions, true, usage);
    }
}

/// Each `/`-separated name of `path` with the byte offset where it ends.
fn components(path: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    path.split('/').map(move |part| {
        let end = start + part.len();
        start = end + 1;
        (end, part)
    })
}

struct Classifier<'u, 'o> {
    unit: &'u Unit,
    declared: BTreeSet<&'u str>,
    builtins: BTreeSet<&'u str>,
    usage: &'o mut Usage,
}

impl Classifier<'_, '_> {
    fn file(&mut self, repo: &Repo, path: &str, delims: &Delimiters) {
        let Some(entry) = repo.file(path) else {
            return;
        };
        // Binary files are copied as they are; unreadable ones are diagnosed by the read.
        let Some(file) = repo.read_for_scan(entry) else {
            return;
        };
        let text = file.text();
        if !text.contains(&delims.variable.0)
            && !text.contains(&delims.block.0)
            && !text.contains(&delims.comment.0)
        {
            return;
        }
        self.text(text, delims, |offset| Place::Content {
            path: path.to_owned(),
            offset,
        });
    }

    fn manifest(&mut self, repo: &Repo, path: &str, delims: &Delimiters) {
        let Some(file) = repo.file(path).and_then(|e| repo.read_for_scan(e)) else {
            return;
        };
        for (_, start, line) in file.lines() {
            if !line.contains(&delims.variable.0) && !line.contains(&delims.block.0) {
                continue;
            }
            let scan = refs::scan(line, delims);
            if scan.error.is_some() {
                continue;
            }
            for r in scan.references {
                let place = Place::Content {
                    path: path.to_owned(),
                    offset: start + r.offset,
                };
                self.reference(r, place);
            }
        }
    }

    fn text(&mut self, text: &str, delims: &Delimiters, place: impl Fn(usize) -> Place) {
        let scan = refs::scan(text, delims);
        if let Some(e) = scan.error {
            if e.message.contains("unknown statement") || e.message.contains("unknown tag") {
                self.usage.not_modelled.push((
                    place(e.offset),
                    format!("a tag this tool does not render ({})", e.message),
                ));
            } else {
                self.usage.syntax_errors.push((place(e.offset), e.message));
            }
            return;
        }
        for r in scan.references {
            let at = place(r.offset);
            self.reference(r, at);
        }
    }

    fn reference(&mut self, r: Reference, place: Place) {
        let root = r.root().to_owned();
        let name = match &self.unit.namespace {
            Some(ns) if root == *ns => match r.path.split('.').nth(1) {
                Some(var) => var.to_owned(),
                None => {
                    self.usage.all_used = true;
                    return;
                }
            },
            _ => root.clone(),
        };
        let via_namespace = self.unit.namespace.as_deref() == Some(root.as_str());
        if self.declared.contains(name.as_str()) && (via_namespace || self.unit.namespace.is_none())
        {
            self.usage.used.insert(name);
            return;
        }
        // A built-in: a top-level name the engine provides, or a member it adds to the
        // namespace (`cookiecutter._template`).
        let member = format!("{root}.{name}");
        let builtin = if via_namespace {
            self.builtins.contains(member.as_str()) || self.builtins.contains(name.as_str())
        } else {
            self.builtins.contains(root.as_str())
        };
        if builtin {
            return;
        }
        let finding = Undeclared {
            path: r.path.clone(),
            name: name.clone(),
            place,
        };
        if !via_namespace && GITHUB_CONTEXTS.contains(&root.as_str()) {
            self.usage.foreign.push(finding);
        } else {
            self.usage.undeclared.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::{Meta, Origin, Variable};
    use crate::walk::{WalkOptions, Walker};
    use std::path::Path;

    fn var(name: &str, default: serde_json::Value) -> Variable {
        Variable {
            name: name.into(),
            default: Some(default),
            description: None,
            pattern: None,
            computed: false,
            origin: Origin {
                path: "cookiecutter.json".into(),
                line: 2,
            },
        }
    }

    fn cookiecutter(vars: Vec<Variable>) -> Unit {
        Unit {
            engine: Engine::Cookiecutter,
            manifest: "cookiecutter.json".into(),
            source_root: String::new(),
            project_root: "{{cookiecutter.project_slug}}".into(),
            variables: vars,
            namespace: Some("cookiecutter".into()),
            builtins: vec!["_template".into(), "_output_dir".into()],
            syntax: Syntax::Tags(Delimiters::standard(Language::Jinja)),
            not_rendered: vec!["*.html".into()],
            excluded: Vec::new(),
            templates_suffix: None,
            meta: Meta::default(),
            parameters: Vec::new(),
        }
    }

    fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, Usage, Unit) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (p, text) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        let unit = cookiecutter(vec![
            var("project_name", "My Project".into()),
            var(
                "project_slug",
                "{{ cookiecutter.project_name.lower() }}".into(),
            ),
            var("use_docker", serde_json::json!(["y", "n"])),
            var("unused_one", "x".into()),
        ]);
        let walker = Walker::new(Path::new(dir.path()), &WalkOptions::default()).expect("walker");
        let r = walker.walk(None);
        let usage = analyse(&r, &unit);
        (dir, usage, unit)
    }

    #[test]
    fn classifies_every_reference_of_files_paths_hooks_and_defaults() {
        let (_d, u, _) = repo(&[
            ("cookiecutter.json", "{}"),
            (
                "{{cookiecutter.project_slug}}/README.md",
                "# {{ cookiecutter.project_name }}\n{{ cookiecutter.projct_slug }}\n",
            ),
            (
                "{{cookiecutter.project_slug}}/.github/workflows/ci.yml",
                "run: echo ${{ github.sha }}\n{% raw %}${{ secrets.X }}{% endraw %}\n",
            ),
            (
                "{{cookiecutter.project_slug}}/templates/page.html",
                "{{ not_rendered_here }}",
            ),
            (
                "hooks/post_gen_project.py",
                "if '{{ cookiecutter.use_docker }}' == 'n': pass\n",
            ),
        ]);
        let names: Vec<&str> = u.undeclared.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(names, ["cookiecutter.projct_slug"]);
        assert_eq!(
            u.undeclared[0].place,
            Place::Content {
                path: "{{cookiecutter.project_slug}}/README.md".into(),
                offset: 37
            }
        );
        let foreign: Vec<&str> = u.foreign.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(foreign, ["github.sha"]);
        let used: Vec<&str> = u.used.iter().map(String::as_str).collect();
        assert_eq!(used, ["project_name", "project_slug", "use_docker"]);
        assert!(u.judges_unused());
    }

    #[test]
    fn a_syntax_error_is_kept_and_stops_judging_unused() {
        let (_d, u, _) = repo(&[
            ("cookiecutter.json", "{}"),
            (
                "{{cookiecutter.project_slug}}/a.txt",
                "{% if cookiecutter.use_docker %}\n",
            ),
        ]);
        assert_eq!(u.syntax_errors.len(), 1, "{:?}", u.syntax_errors);
        assert!(!u.judges_unused());
    }

    #[test]
    fn reading_the_whole_namespace_uses_every_variable() {
        let (_d, u, _) = repo(&[
            ("cookiecutter.json", "{}"),
            (
                "{{cookiecutter.project_slug}}/ctx.json",
                "{{ cookiecutter | tojson }}",
            ),
        ]);
        assert!(u.all_used && !u.judges_unused());
    }
}
