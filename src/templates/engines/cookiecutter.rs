//! cookiecutter: `cookiecutter.json` beside a child folder whose name holds
//! `{{ cookiecutter.… }}` (the project root). Every key is a variable reached as
//! `cookiecutter.<key>`: `_x` keys are settings (`_copy_without_render`, `_extensions`,
//! `_jinja2_env_vars`) and `__x` keys are rendered but never asked, both `computed`. A
//! list's default is its first item (a choice), except for `_x` settings, which are kept
//! whole; a dict is a dict variable; `__prompts__` gives the questions' descriptions.
//!
//! A `cookiecutter.json` without such a child folder is no unit: a root that only lists
//! nested templates (`"templates": {…}`, each folder with its own `cookiecutter.json`) is
//! silent, anything else is a diagnostic.

use jsonc_parser::ast;
use serde_json::Value as Json;

use super::{Manifest, empty_unit, jinja_delimiters, json_get, json_props, json_str, to_json};
use crate::templates::detect::Units;
use crate::templates::{Delimiters, Engine, Language, Syntax, Variable};
use crate::walk::Repo;

/// What cookiecutter adds to the `cookiecutter` namespace, and the top-level names.
const BUILTINS: &[&str] = &[
    "cookiecutter",
    "_cookiecutter",
    "cookiecutter._template",
    "cookiecutter._output_dir",
    "cookiecutter._repo_dir",
    "cookiecutter._checkout",
];

/// Whether a folder name is the one cookiecutter renders into the project.
pub fn is_project_folder(name: &str) -> bool {
    name.contains("cookiecutter") && name.contains("{{") && name.contains("}}")
}

pub fn read(m: &Manifest<'_>, repo: &Repo, out: &mut Units) {
    let root = match m.json() {
        Ok(v) => v,
        Err(d) => return out.diagnostics.push(d),
    };
    if !matches!(root, ast::Value::Object(_)) {
        return out.diagnostics.push(m.diag(
            Some(0),
            "not a cookiecutter context: expected a JSON object",
        ));
    }
    let Some(project) = project_folder(repo, m.dir) else {
        if json_get(&root, "templates").is_none() {
            out.diagnostics.push(m.diag(
                None,
                "no template unit: no child folder is named with `{{ cookiecutter.… }}`",
            ));
        }
        return;
    };
    let prompts = json_get(&root, "__prompts__");
    let mut unit = empty_unit(
        Engine::Cookiecutter,
        m,
        m.dir.to_owned(),
        Syntax::Tags(Delimiters::standard(Language::Jinja)),
    );
    unit.project_root = super::join(m.dir, &project).unwrap_or(project);
    unit.namespace = Some("cookiecutter".to_owned());
    unit.builtins = BUILTINS.iter().map(|s| (*s).to_owned()).collect();
    for (key, at, value) in json_props(&root) {
        if key == "__prompts__" {
            continue;
        }
        let setting = key.starts_with('_') && !key.starts_with("__");
        let default = match value {
            ast::Value::Array(a) if !setting => a.elements.first().map(to_json),
            v => Some(to_json(v)),
        };
        unit.variables.push(Variable {
            name: key.to_owned(),
            default,
            description: prompts.and_then(|p| prompt(p, key)),
            pattern: None,
            computed: key.starts_with('_'),
            origin: m.origin(at),
        });
        match key {
            "_copy_without_render" => unit.not_rendered = strings(value),
            "_jinja2_env_vars" => {
                if let Syntax::Tags(d) = &unit.syntax {
                    let d = jinja_delimiters(d.clone(), |k| {
                        json_get(value, k).and_then(json_str).map(str::to_owned)
                    });
                    unit.syntax = Syntax::Tags(d);
                }
            }
            _ => {}
        }
    }
    out.units.push(unit);
}

/// The first child folder of `dir` (in name order) cookiecutter would render.
fn project_folder(repo: &Repo, dir: &str) -> Option<String> {
    let skip = if dir.is_empty() { 0 } else { dir.len() + 1 };
    repo.files_under(dir)
        .iter()
        .filter_map(|f| f.path[skip..].split_once('/').map(|(d, _)| d))
        .filter(|d| is_project_folder(d))
        .min()
        .map(str::to_owned)
}

/// The question text `__prompts__` gives a key: a string, or `__prompt__` of a dict (a
/// choice's prompt).
fn prompt(prompts: &ast::Value<'_>, key: &str) -> Option<String> {
    let p = json_get(prompts, key)?;
    json_str(p)
        .or_else(|| json_get(p, "__prompt__").and_then(json_str))
        .map(str::to_owned)
}

fn strings(value: &ast::Value<'_>) -> Vec<String> {
    match to_json(value) {
        Json::Array(items) => items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Json::String(s) => vec![s],
        _ => Vec::new(),
    }
}
