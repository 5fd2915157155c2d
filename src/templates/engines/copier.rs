//! copier: `copier.yml` / `copier.yaml`. Top-level keys not starting with `_` are
//! questions, written as a mapping (`type`, `default`, `choices`, `when`, `validator`,
//! `help`, …) or as `name: default`; a question with `when: false` is computed, not
//! asked. Settings: `_subdirectory` (the project root, itself possibly templated),
//! `_templates_suffix` (default `.jinja`; empty: every file is rendered), `_exclude`,
//! `_envops` (delimiters). Every YAML document of the file counts (a later one overrides
//! an earlier key), and a document `!include <path>` is read from the repository.

use std::rc::Rc;

use super::{Manifest, empty_unit, jinja_delimiters, yaml_strings, yaml_to_json};
use crate::parse::yaml::Node;
use crate::templates::detect::{UnitDiagnostic, Units};
use crate::templates::{Delimiters, Engine, Language, Origin, Syntax, Variable};
use crate::walk::Repo;

/// What copier provides to every template.
const BUILTINS: &[&str] = &[
    "_copier_answers",
    "_copier_conf",
    "_copier_python",
    "_copier_operation",
    "_copier_phase",
    "_folder_name",
    "_external_data",
    "_src_path",
    "_commit",
    "UNSET",
];

/// The keys that make a mapping a question rather than a mapping default.
const QUESTION_KEYS: &[&str] = &[
    "type",
    "default",
    "choices",
    "when",
    "validator",
    "help",
    "placeholder",
    "multiselect",
    "secret",
    "qmark",
    "multiline",
];

/// Copier's `_exclude` when a template sets none and has no `_subdirectory` (with one,
/// the default is empty).
pub(crate) const DEFAULT_EXCLUDE: &[&str] = &[
    "copier.yaml",
    "copier.yml",
    "~*",
    "*.py[co]",
    "__pycache__",
    ".git",
    ".DS_Store",
    ".svn",
];

/// How deep `!include` is followed.
const MAX_INCLUDE_DEPTH: usize = 8;

/// A top-level entry: its key, its value, and the file that declares it.
struct Entry {
    key: String,
    origin: Origin,
    value: Node,
    /// The text of the file that declares it.
    text: Rc<str>,
}

pub fn read(m: &Manifest<'_>, repo: &Repo, out: &mut Units) {
    let mut entries = Vec::new();
    if let Err(d) = collect(m, repo, 0, &mut entries) {
        return out.diagnostics.push(d);
    }
    let mut unit = empty_unit(
        Engine::Copier,
        m,
        m.dir.to_owned(),
        Syntax::Tags(Delimiters::standard(Language::Jinja)),
    );
    unit.builtins = BUILTINS.iter().map(|s| (*s).to_owned()).collect();
    unit.templates_suffix = Some(".jinja".to_owned());
    let mut exclude = None;
    for e in &entries {
        match e.key.as_str() {
            "_subdirectory" => {
                if let Some(sub) = e.value.str().filter(|s| !s.trim().is_empty()) {
                    unit.project_root = super::join(m.dir, sub.trim()).unwrap_or_else(|| {
                        out.diagnostics.push(UnitDiagnostic {
                            path: e.origin.path.clone(),
                            line: Some(e.origin.line),
                            key: Some(e.key.clone()),
                            message:
                                "leaves the template: the project root is the manifest's folder"
                                    .to_owned(),
                        });
                        m.dir.to_owned()
                    });
                }
            }
            "_templates_suffix" => {
                let suffix = e.value.str().unwrap_or_default();
                unit.templates_suffix = (!suffix.is_empty()).then(|| suffix.to_owned());
            }
            "_exclude" => exclude = Some(yaml_strings(Some(&e.value))),
            "_envops" => {
                if let Syntax::Tags(d) = &unit.syntax {
                    let value = &e.value;
                    let d = jinja_delimiters(d.clone(), |k| value.get(k)?.str().map(str::to_owned));
                    unit.syntax = Syntax::Tags(d);
                }
            }
            k if k.starts_with('_') => {}
            _ => unit.variables.push(question(e)),
        }
    }
    unit.excluded = exclude.unwrap_or_else(|| {
        if unit.project_root == unit.source_root {
            DEFAULT_EXCLUDE.iter().map(|s| (*s).to_owned()).collect()
        } else {
            Vec::new()
        }
    });
    out.units.push(unit);
}

/// The entries of every document of `m`, following `!include` documents.
fn collect(
    m: &Manifest<'_>,
    repo: &Repo,
    depth: usize,
    entries: &mut Vec<Entry>,
) -> Result<(), UnitDiagnostic> {
    let text: Rc<str> = m.text.into();
    for doc in m.yaml()? {
        if let Some(map) = doc.as_map() {
            for (k, v) in map {
                let Some(key) = k.str() else { continue };
                entries.retain(|e| e.key != key);
                entries.push(Entry {
                    key: key.to_owned(),
                    origin: m.origin(k.span.start),
                    value: v.clone(),
                    text: Rc::clone(&text),
                });
            }
            continue;
        }
        let Some(target) = doc.str() else {
            return Err(m.diag(
                Some(doc.span.start),
                "expected a mapping of questions and settings",
            ));
        };
        if depth >= MAX_INCLUDE_DEPTH {
            return Err(m.diag(Some(doc.span.start), "`!include` nested too deeply"));
        }
        let Some(path) = super::join(m.dir, target) else {
            return Err(m.diag(
                Some(doc.span.start),
                format!("`!include {target}` leaves the repository"),
            ));
        };
        if target.contains(['*', '?', '[']) {
            return Err(m.diag(
                Some(doc.span.start),
                format!("`!include {target}`: a glob is not followed, its questions are not known"),
            ));
        }
        let text = repo.read_named(&path).map_err(|e| {
            m.diag(
                Some(doc.span.start),
                format!("`!include {target}`: {}", e.diagnostic()),
            )
        })?;
        let text = String::from_utf8(text).map_err(|_| {
            m.diag(
                Some(doc.span.start),
                format!("`!include {target}`: not UTF-8"),
            )
        })?;
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let included = Manifest {
            path: &path,
            dir,
            text: &text,
        };
        collect(&included, repo, depth + 1, entries)?;
    }
    Ok(())
}

fn question(e: &Entry) -> Variable {
    let v = &e.value;
    let is_question = v.as_map().is_some_and(|m| {
        m.iter()
            .any(|(k, _)| k.str().is_some_and(|k| QUESTION_KEYS.contains(&k)))
    });
    if !is_question {
        return Variable {
            name: e.key.clone(),
            default: Some(yaml_to_json(v, &e.text)),
            description: None,
            pattern: None,
            computed: false,
            origin: e.origin.clone(),
        };
    }
    let computed = v.get("when").and_then(Node::str) == Some("false");
    Variable {
        name: e.key.clone(),
        default: v.get("default").map(|d| yaml_to_json(d, &e.text)),
        description: v.get("help").and_then(Node::str).map(str::to_owned),
        pattern: None,
        computed,
        origin: e.origin.clone(),
    }
}
