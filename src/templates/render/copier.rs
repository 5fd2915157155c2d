//! copier: questions answered with their defaults (rendered in declaration order and cast
//! to their type, as `copier copy --defaults` does), then every path under
//! `_subdirectory` rendered part by part (a part that renders empty drops the path), files
//! with `_templates_suffix` rendered and stripped of it, the others copied byte for byte,
//! `_exclude` (itself rendered, gitignore-style) applied to the rendered paths. Undefined
//! names render empty unless `_envops` asks for strict undefined. Tasks and migrations
//! never run.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use indexmap::IndexMap;
use minijinja::{Environment, Value};
use serde_json::Map;

use super::jinja::{Setup, classify, environment, jinja_settings, normalize_newlines, render_text};
use super::ordered::{Ordered, map_value};
use super::tree::Run;
use super::{ProblemKind, RenderError, join};
use crate::templates::Unit;

use crate::templates::engines::copier::DEFAULT_EXCLUDE;

/// Settings that change the output in ways not modelled here (tasks and migrations
/// never run: what they would add, move or delete is not in the render).
const NOT_MODELLED: &[&str] = &[
    "_jinja_extensions",
    "_external_data",
    "_tasks",
    "_migrations",
];

/// Of those, the commands copier runs after rendering.
const RUN_AFTER: &[&str] = &["_tasks", "_migrations"];

pub(super) fn render(
    run: &mut Run,
    unit: &Unit,
    values: &Map<String, serde_json::Value>,
) -> Result<(), RenderError> {
    let (config, text) = manifest(run, unit);
    let line = |key: &str| line_of_key(&text, key);
    for key in NOT_MODELLED.iter().filter(|k| config.contains_key(**k)) {
        let kind = if RUN_AFTER.contains(key) {
            ProblemKind::NotRun
        } else {
            ProblemKind::NotModelled
        };
        run.problem(
            kind,
            &unit.manifest,
            line(key),
            format!("not modelled: `{key}`: the output may differ from copier's"),
        );
    }
    let envops = config.get("_envops").and_then(Ordered::as_map);
    let strict = envops
        .and_then(|e| e.get("undefined"))
        .and_then(Ordered::as_str)
        .is_some_and(|u| u.ends_with("StrictUndefined"));
    let syntax = jinja_settings(run, &unit.manifest, "_envops", envops);
    let env = environment(
        run,
        Setup {
            strict,
            syntax,
            cookiecutter: false,
            ansible: true,
            loader_dirs: vec![unit.source_root.clone()],
        },
    );
    let mut answers: IndexMap<String, Value> = IndexMap::new();
    // Answers copier records: not the computed (`when: false`) nor the secret ones.
    let mut recorded: IndexMap<String, Value> = IndexMap::new();
    recorded.insert("_src_path".into(), Value::from(unit.source_root.clone()));
    let base = |answers: &IndexMap<String, Value>, recorded: Option<&IndexMap<String, Value>>| {
        let mut ctx = answers.clone();
        ctx.insert("_copier_conf".into(), copier_conf(unit));
        ctx.insert("_copier_python".into(), Value::from("python3"));
        ctx.insert("_copier_operation".into(), Value::from("copy"));
        ctx.insert("_folder_name".into(), Value::from("project"));
        if let Some(r) = recorded {
            ctx.insert("_copier_answers".into(), map_value(r.clone()));
        }
        map_value(ctx)
    };
    for (name, spec) in config.iter().filter(|(k, _)| !k.starts_with('_')) {
        let question = Question::of(spec);
        let base = |answers: &IndexMap<String, Value>| base(answers, None);
        let value = match values.get(name) {
            Some(v) => Ordered::from_json(v).to_value(),
            None => match render_value(
                run,
                &env,
                unit,
                line(name),
                question.default,
                &base(&answers),
            ) {
                Some(v) => v,
                None => {
                    answers.insert(name.clone(), Value::from(""));
                    continue;
                }
            },
        };
        let type_name = match question.type_name {
            Some(t) => render_value(
                run,
                &env,
                unit,
                line(name),
                Some(&Ordered::Str(t.to_string())),
                &base(&answers),
            )
            .map(|v| v.to_string())
            .unwrap_or_default(),
            None => default_type(question.default).to_string(),
        };
        match cast(&value, &type_name) {
            Ok(v) => {
                let asked = match question.when {
                    None => true,
                    Some(w) => render_value(run, &env, unit, line(name), Some(w), &base(&answers))
                        .is_some_and(|w| cast_to_bool(&w)),
                };
                if asked && !question.secret {
                    recorded.insert(name.clone(), v.clone());
                }
                answers.insert(name.clone(), v);
            }
            Err(e) => {
                run.problem(
                    ProblemKind::RenderFailed,
                    &unit.manifest,
                    line(name),
                    format!("the answer of `{name}`: {e}"),
                );
                answers.insert(name.clone(), value);
            }
        }
    }
    let ctx = base(&answers, Some(&recorded));

    let suffix = match config.get("_templates_suffix") {
        Some(Ordered::Str(s)) => s.clone(),
        Some(Ordered::Null) => String::new(),
        _ => unit
            .templates_suffix
            .clone()
            .unwrap_or_else(|| ".jinja".to_string()),
    };
    let subdirectory = match config.get("_subdirectory").and_then(Ordered::as_str) {
        Some(s) => match render_text(run, &env, &unit.manifest, s, &ctx) {
            Some(s) => s.trim_matches('/').to_string(),
            None => return Ok(()),
        },
        None => String::new(),
    };
    let patterns: Vec<String> = match config.get("_exclude") {
        Some(Ordered::List(items)) => items.iter().filter_map(|i| i.python_str()).collect(),
        _ if subdirectory.is_empty() || subdirectory == "." => {
            DEFAULT_EXCLUDE.iter().map(|s| s.to_string()).collect()
        }
        _ => Vec::new(),
    };
    let mut excluded = GitignoreBuilder::new("");
    for p in patterns {
        let Some(rendered) = render_text(run, &env, &unit.manifest, &p, &ctx) else {
            continue;
        };
        for line in rendered.lines() {
            let _ = excluded.add_line(None, line);
        }
    }
    let excluded = excluded.build().unwrap_or_else(|_| Gitignore::empty());
    let copy_root = join(
        &unit.source_root,
        if subdirectory == "." {
            ""
        } else {
            &subdirectory
        },
    );
    let files = run.files_under(&copy_root);
    for rel in &files {
        let source = join(&copy_root, rel);
        let is_template = !suffix.is_empty() && rel.ends_with(&suffix);
        // `a` and `a.jinja` side by side: the template wins.
        if !suffix.is_empty() && files.binary_search(&format!("{rel}{suffix}")).is_ok() {
            continue;
        }
        let target = if is_template {
            &rel[..rel.len() - suffix.len()]
        } else {
            rel.as_str()
        };
        let mut parts = Vec::new();
        let mut dropped = false;
        for part in target.split('/') {
            match render_text(run, &env, &source, part, &ctx) {
                Some(p) if p.is_empty() => dropped = true,
                Some(p) => parts.push(p),
                None => dropped = true,
            }
            if dropped {
                break;
            }
        }
        if dropped {
            continue;
        }
        let dst = parts.join("/");
        if excluded
            .matched_path_or_any_parents(&dst, false)
            .is_ignore()
        {
            continue;
        }
        let Some(bytes) = run.read(&source) else {
            continue;
        };
        if !is_template && !suffix.is_empty() {
            run.write(&dst, &source, &bytes)?;
            continue;
        }
        let Ok(text) = String::from_utf8(bytes.clone()) else {
            if suffix.is_empty() {
                run.write(&dst, &source, &bytes)?;
            } else {
                run.problem(
                    ProblemKind::RenderFailed,
                    &source,
                    None,
                    "not UTF-8: copier cannot render it".into(),
                );
            }
            continue;
        };
        if let Some(out) = render_text(run, &env, &source, &text, &ctx) {
            run.write(&dst, &source, normalize_newlines(&out).as_bytes())?;
        }
    }
    Ok(())
}

/// `copier.yml` in order and its text.
fn manifest(run: &mut Run, unit: &Unit) -> (IndexMap<String, Ordered>, String) {
    let Some(bytes) = run.read(&unit.manifest) else {
        return (IndexMap::new(), String::new());
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match serde_saphyr::from_str_with_options::<Ordered>(&text, super::yaml_options()) {
        Ok(Ordered::Map(m)) => (m, text),
        Ok(Ordered::Null) => (IndexMap::new(), text),
        Ok(_) => {
            run.problem(
                ProblemKind::RenderFailed,
                &unit.manifest,
                None,
                "not a mapping".into(),
            );
            (IndexMap::new(), text)
        }
        Err(e) => {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            run.problem(
                ProblemKind::RenderFailed,
                &unit.manifest,
                None,
                format!("invalid YAML: {first}"),
            );
            (IndexMap::new(), text)
        }
    }
}

fn line_of_key(text: &str, key: &str) -> Option<u32> {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn copier_conf(unit: &Unit) -> Value {
    map_value([
        ("answers_file", Value::from(".copier-answers.yml")),
        ("src_path", Value::from(unit.source_root.clone())),
        ("dst_path", Value::from(".")),
        ("vcs_ref", Value::from(())),
        ("sep", Value::from("/")),
        ("os", Value::from("linux")),
    ])
}

/// A question: a mapping with `type`/`default`/…, or its default alone.
struct Question<'a> {
    default: Option<&'a Ordered>,
    type_name: Option<&'a str>,
    when: Option<&'a Ordered>,
    secret: bool,
}

impl<'a> Question<'a> {
    fn of(spec: &'a Ordered) -> Question<'a> {
        match spec {
            Ordered::Map(m)
                if m.keys().any(|k| {
                    matches!(
                        k.as_str(),
                        "type"
                            | "default"
                            | "help"
                            | "choices"
                            | "when"
                            | "validator"
                            | "secret"
                            | "multiselect"
                            | "placeholder"
                            | "multiline"
                            | "qmark"
                    )
                }) =>
            {
                Question {
                    when: m.get("when"),
                    secret: matches!(m.get("secret"), Some(Ordered::Bool(true))),
                    default: m.get("default"),
                    type_name: m
                        .get("type")
                        .and_then(Ordered::as_str)
                        .filter(|t| !t.is_empty()),
                }
            }
            other => Question {
                default: Some(other),
                type_name: None,
                when: None,
                secret: false,
            },
        }
    }
}

/// The type copier gives a question without `type`: its default's Python type.
fn default_type(default: Option<&Ordered>) -> &'static str {
    match default {
        Some(Ordered::Bool(_)) => "bool",
        Some(Ordered::Int(_) | Ordered::UInt(_)) => "int",
        Some(Ordered::Float(_)) => "float",
        Some(Ordered::Str(_)) => "str",
        _ => "yaml",
    }
}

/// A default rendered: a string as a template, a list item by item, anything else as is.
fn render_value(
    run: &mut Run,
    env: &Environment<'_>,
    unit: &Unit,
    line: Option<u32>,
    value: Option<&Ordered>,
    ctx: &Value,
) -> Option<Value> {
    match value {
        None | Some(Ordered::Null) => Some(Value::from(())),
        Some(Ordered::Str(s)) => match env.render_named_str(&unit.manifest, s, ctx) {
            Ok(v) => Some(Value::from(v)),
            Err(e) => {
                let (kind, _, message) = classify(&e);
                run.problem(kind, &unit.manifest, line, message);
                None
            }
        },
        Some(Ordered::List(items)) => {
            let mut out = Vec::new();
            for i in items {
                out.push(render_value(run, env, unit, line, Some(i), ctx)?);
            }
            Some(Value::from(out))
        }
        Some(other) => Some(other.to_value()),
    }
}

/// copier's cast of an answer to its question's type.
fn cast(v: &Value, type_name: &str) -> Result<Value, String> {
    let text = v.as_str().map(str::to_string);
    Ok(match type_name {
        "str" | "path" => match text {
            Some(s) => Value::from(s),
            None if v.is_number() => Value::from(v.to_string()),
            None => return Err(format!("could not convert {v} to string")),
        },
        "int" => match text {
            Some(s) => Value::from(
                s.trim()
                    .parse::<i64>()
                    .map_err(|e| format!("invalid int {s:?}: {e}"))?,
            ),
            None => v.clone(),
        },
        "float" => match text {
            Some(s) => Value::from(
                s.trim()
                    .parse::<f64>()
                    .map_err(|e| format!("invalid float {s:?}: {e}"))?,
            ),
            None => v.clone(),
        },
        "bool" => Value::from(cast_to_bool(v)),
        "json" => match text {
            Some(s) => {
                let parsed: Ordered =
                    serde_json::from_str(&s).map_err(|e| format!("invalid JSON: {e}"))?;
                parsed.to_value()
            }
            None => v.clone(),
        },
        "yaml" => match text {
            Some(s) => {
                match serde_saphyr::from_str_with_options::<Ordered>(&s, super::yaml_options()) {
                    Ok(parsed) => parsed.to_value(),
                    Err(e) => {
                        return Err(format!(
                            "invalid YAML: {}",
                            e.to_string().lines().next().unwrap_or_default()
                        ));
                    }
                }
            }
            None => v.clone(),
        },
        other => return Err(format!("unsupported type {other:?}")),
    })
}

/// copier's `cast_to_bool`.
fn cast_to_bool(v: &Value) -> bool {
    if let Some(s) = v.as_str() {
        if let Ok(f) = s.trim().parse::<f64>() {
            return f != 0.0;
        }
        let lower = s.trim().to_lowercase();
        return !matches!(
            lower.as_str(),
            "" | "n" | "no" | "f" | "false" | "off" | "~" | "null" | "none"
        );
    }
    v.is_true()
}
