//! Render profiles: the answers a unit is rendered with besides its declared defaults.
//!
//! Two sources: the configuration's `[[template.render]]` tables, and the answer files
//! template authors already keep for their own tests, read from the unit's source folder:
//!
//! | file | engine | format |
//! |---|---|---|
//! | `ctt.toml` | copier | copier-template-tester: `[defaults]` shared by every `[output."<folder>"]`, one profile per output |
//! | `template_values.toml` | any | cargo-generate's `--template-values-file`: a `[values]` table |
//! | `example-answers.yml` / `.yaml` | any | an answers mapping (`copier copy --data-file`) |
//!
//! Keys starting with `_` in an answer file are the tool's own settings (`_src_path`,
//! `_extra_tasks`), never answers.

use serde_json::{Map, Value};

use super::{Engine, Unit};
use crate::config::{DEFAULTS_PROFILE, RenderProfile};
use crate::util::join_path;
use crate::walk::Repo;

/// Answers a unit is rendered with.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// Over the declared defaults; empty for the defaults profile.
    pub values: Map<String, Value>,
    /// Where the profile is declared: a file, `file:line` for a configuration table.
    pub declared: String,
}

/// The answer files read from a unit's source folder, in the order their profiles run.
pub const ANSWER_FILES: &[&str] = &[
    "ctt.toml",
    "template_values.toml",
    "example-answers.yml",
    "example-answers.yaml",
];

/// Why an answer file or a profile could not be used, for the run's diagnostics: (path,
/// message).
pub type Problem = (String, String);

/// The profiles `unit` is rendered with: its declared defaults first, then the
/// configuration's profiles for it, then its answer files.
pub fn profiles(repo: &Repo, unit: &Unit, units: &[Unit]) -> (Vec<Profile>, Vec<Problem>) {
    let mut out = vec![Profile {
        name: DEFAULTS_PROFILE.to_owned(),
        values: Map::new(),
        declared: unit.manifest.clone(),
    }];
    let mut problems = Vec::new();
    for p in repo.render_profiles() {
        if !applies(p, unit) {
            continue;
        }
        let declared = match p.origin.line {
            Some(l) => format!("{}:{l}", p.origin.file),
            None => p.origin.file.clone(),
        };
        // A profile for every unit may set what only some of them declare.
        if p.unit.is_some() || units.len() == 1 {
            for k in undeclared(unit, &p.values) {
                problems.push((
                    p.origin.file.clone(),
                    format!(
                        "{}render profile `{}` sets `{k}`, which `{}` does not declare",
                        p.origin
                            .line
                            .map_or(String::new(), |l| format!("line {l}: ")),
                        p.name,
                        unit.manifest
                    ),
                ));
            }
        }
        out.push(Profile {
            name: p.name.clone(),
            values: p.values.clone(),
            declared,
        });
    }
    for name in ANSWER_FILES {
        let path = join_path(&unit.source_root, name);
        let Some(entry) = repo.file(&path) else {
            continue;
        };
        if *name == "ctt.toml" && unit.engine != Engine::Copier {
            continue;
        }
        let Some(file) = repo.read_for_scan(entry) else {
            problems.push((path, "answers not read: not a text file".to_owned()));
            continue;
        };
        let found = if *name == "ctt.toml" {
            ctt(file.text(), &path)
        } else {
            parse_answers(name, file.text()).map(|values| {
                vec![Profile {
                    name: path.clone(),
                    values,
                    declared: path.clone(),
                }]
            })
        };
        match found {
            Ok(found) => {
                for mut p in found {
                    p.values.retain(|k, _| !k.starts_with('_'));
                    for k in undeclared(unit, &p.values) {
                        problems.push((
                            path.clone(),
                            format!(
                                "answers `{}` set `{k}`, which `{}` does not declare",
                                p.name, unit.manifest
                            ),
                        ));
                    }
                    out.push(p);
                }
            }
            Err(e) => problems.push((path, format!("answers not read: {e}"))),
        }
    }
    (out, problems)
}

/// The variables of `unit` some profile other than the defaults gives a value.
pub fn answered(repo: &Repo, unit: &Unit) -> std::collections::HashSet<String> {
    let (profiles, _) = profiles(repo, unit, &[]);
    profiles
        .into_iter()
        .flat_map(|p| p.values.into_iter().map(|(k, _)| k))
        .collect()
}

/// The configuration's profiles that name no unit of the repository (a typo, a moved
/// template): each with a message naming the units there are.
pub fn unmatched<'a>(repo: &'a Repo, units: &[Unit]) -> Vec<(&'a RenderProfile, String)> {
    let names: Vec<&str> = units.iter().map(|u| u.manifest.as_str()).collect();
    repo.render_profiles()
        .iter()
        .filter(|p| p.unit.is_some() && !units.iter().any(|u| applies(p, u)))
        .map(|p| {
            let message = format!(
                "{}render profile `{}` names unit `{}`, which is not a template unit here ({})",
                p.origin
                    .line
                    .map_or(String::new(), |l| format!("line {l}: ")),
                p.name,
                p.unit.as_deref().unwrap_or_default(),
                if names.is_empty() {
                    "no unit was found".to_owned()
                } else {
                    format!("units: {}", names.join(", "))
                }
            );
            (p, message)
        })
        .collect()
}

/// Whether the configuration's profile `p` is for `unit`: it names the unit's manifest or
/// source folder, or no unit (every unit).
fn applies(p: &RenderProfile, unit: &Unit) -> bool {
    match p.unit.as_deref() {
        None => true,
        Some(u) => {
            u == unit.manifest || u == unit.source_root || (u == "." && unit.source_root.is_empty())
        }
    }
}

/// The keys of `values` the unit does not declare, sorted.
fn undeclared<'a>(unit: &Unit, values: &'a Map<String, Value>) -> Vec<&'a str> {
    values
        .keys()
        .filter(|k| !unit.variables.iter().any(|v| &v.name == *k))
        .map(String::as_str)
        .collect()
}

/// The answers of a file, by its name's extension: `.toml` (a `[values]` table, as
/// cargo-generate's values file has it, or the whole table), `.json`, `.yml`/`.yaml`.
pub fn parse_answers(name: &str, text: &str) -> Result<Map<String, Value>, String> {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let value = match ext.to_ascii_lowercase().as_str() {
        "toml" => {
            let table: toml::Table = toml::from_str(text).map_err(|e| toml_message(&e, text))?;
            let mut value = serde_json::to_value(table).map_err(|e| e.to_string())?;
            if let Some(values) = value.get_mut("values").filter(|v| v.is_object()) {
                value = values.take();
            }
            value
        }
        "json" => serde_json::from_str::<Value>(text).map_err(|e| format!("invalid JSON: {e}"))?,
        "yml" | "yaml" => {
            serde_saphyr::from_str_with_options::<Value>(text, super::render::yaml_options())
                .map_err(|e| {
                    let first = e.to_string().lines().next().unwrap_or_default().to_owned();
                    format!("invalid YAML: {first}")
                })?
        }
        _ => return Err("answers are read from .toml, .json, .yml or .yaml files".to_owned()),
    };
    match value {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        other => Err(format!(
            "expected a mapping of answers, found {}",
            json_type(&other)
        )),
    }
}

/// copier-template-tester's `ctt.toml`: one profile per `[output."<folder>"]`, each over
/// `[defaults]`.
fn ctt(text: &str, path: &str) -> Result<Vec<Profile>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| toml_message(&e, text))?;
    let as_map = |v: Option<&toml::Value>| -> Result<Map<String, Value>, String> {
        match v.map(serde_json::to_value).transpose() {
            Ok(None) => Ok(Map::new()),
            Ok(Some(Value::Object(m))) => Ok(m),
            Ok(Some(other)) => Err(format!("expected a table, found {}", json_type(&other))),
            Err(e) => Err(e.to_string()),
        }
    };
    let defaults = as_map(table.get("defaults")).map_err(|e| format!("`defaults`: {e}"))?;
    let outputs = as_map(table.get("output")).map_err(|e| format!("`output`: {e}"))?;
    if outputs.is_empty() {
        return Ok(vec![Profile {
            name: path.to_owned(),
            values: defaults,
            declared: path.to_owned(),
        }]);
    }
    outputs
        .into_iter()
        .map(|(folder, v)| {
            let Value::Object(own) = v else {
                return Err(format!("`output.\"{folder}\"`: expected a table"));
            };
            let mut values = defaults.clone();
            values.extend(own);
            Ok(Profile {
                name: format!("{path}#{folder}"),
                values,
                declared: path.to_owned(),
            })
        })
        .collect()
}

fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let message = e.message();
    match line {
        Some(l) => format!("invalid TOML at line {l}: {message}"),
        None => format!("invalid TOML: {message}"),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_by_extension() {
        let m = parse_answers("a.toml", "[values]\nname = \"x\"\n").unwrap();
        assert_eq!(m["name"], "x");
        let m = parse_answers("a.toml", "name = \"x\"\n").unwrap();
        assert_eq!(m["name"], "x");
        let m = parse_answers("a.yml", "name: x\nn: 2\n").unwrap();
        assert_eq!(m["n"], 2);
        let m = parse_answers("a.json", "{\"name\": \"x\"}").unwrap();
        assert_eq!(m["name"], "x");
        assert!(
            parse_answers("a.yml", "- a\n")
                .unwrap_err()
                .contains("a list")
        );
        assert!(
            parse_answers("a.toml", "x = \n")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(parse_answers("a.txt", "").is_err());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n";
        assert!(parse_answers("a.yaml", bomb).is_err());
    }

    #[test]
    fn ctt_outputs_over_defaults() {
        let text = "[defaults]\nname = \"p\"\nall = true\n_extra_tasks = [\"x\"]\n\n[output.\".ctt/defaults\"]\n\n[output.\".ctt/no_all\"]\nall = false\n";
        let p = ctt(text, "ctt.toml").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].name, "ctt.toml#.ctt/no_all");
        assert_eq!(p[1].values["all"], false);
        assert_eq!(p[1].values["name"], "p");
        assert_eq!(p[0].values["all"], true);
        let only = ctt("[defaults]\nname = \"p\"\n", "t/ctt.toml").unwrap();
        assert_eq!(only[0].name, "t/ctt.toml");
    }
}
