//! cookiecutter: `cookiecutter.json` defaults rendered in declaration order (`--no-input`),
//! then every path and text file of the project folder rendered with strict undefined,
//! `_copy_without_render` globs and binary files copied, newlines written as the source's
//! first line ends (or `_new_lines`).

use indexmap::IndexMap;
use minijinja::{Environment, Error, Value};
use serde_json::Map;

use super::jinja::{Setup, classify, environment, jinja_settings, normalize_newlines, render_text};
use super::ordered::{Ordered, map_value};
use super::tree::{Run, fnmatch, is_binary};
use super::{ProblemKind, RenderError, join};
use crate::templates::refs::rewrite_now_tags;
use crate::templates::{Delimiters, Language, Unit};

/// Extensions cookiecutter loads itself (or that its defaults stand for).
const BUILTIN_EXTENSIONS: &[&str] = &[
    "jinja2_time.TimeExtension",
    "cookiecutter.extensions.JsonifyExtension",
    "cookiecutter.extensions.RandomStringExtension",
    "cookiecutter.extensions.SlugifyExtension",
    "cookiecutter.extensions.TimeExtension",
    "cookiecutter.extensions.UUIDExtension",
    "jinja2.ext.do",
    "jinja2.ext.loopcontrols",
];

pub(super) fn render(
    run: &mut Run,
    unit: &Unit,
    values: &Map<String, serde_json::Value>,
) -> Result<(), RenderError> {
    let (mut raw, manifest_text) = manifest(run, unit);
    let env_vars = raw.get("_jinja2_env_vars").and_then(Ordered::as_map);
    let syntax = jinja_settings(run, &unit.manifest, "_jinja2_env_vars", env_vars);
    for ext in raw
        .get("_extensions")
        .and_then(list_of_str)
        .unwrap_or_default()
    {
        if !BUILTIN_EXTENSIONS.contains(&ext.as_str()) {
            run.problem(
                ProblemKind::NotModelled,
                &unit.manifest,
                line_of_key(&manifest_text, "_extensions"),
                format!("not modelled: the Jinja extension `{ext}` is not loaded"),
            );
        }
    }
    let env = environment(
        run,
        Setup {
            strict: true,
            syntax,
            cookiecutter: true,
            ansible: false,
            loader_dirs: vec![
                unit.project_root.clone(),
                join(&unit.source_root, "templates"),
            ],
        },
    );
    let hooks_dir = join(&unit.source_root, "hooks");
    let hooks = if crate::fsread::exists_in(&run.repo_root, std::path::Path::new(&hooks_dir)) {
        run.list(&hooks_dir, 0).unwrap_or_default()
    } else {
        Vec::new()
    };
    for hook in ["pre_prompt", "pre_gen_project", "post_gen_project"] {
        let found = hooks.iter().find(|e| {
            !e.is_dir && e.name.split('.').next() == Some(hook) && !e.name.ends_with('~')
        });
        if let Some(e) = found {
            run.problem(
                ProblemKind::NotRun,
                &e.repo_path,
                None,
                "not run: the render shows the project before this hook changes it".to_string(),
            );
        }
    }
    apply_overrides(run, unit, &manifest_text, &mut raw, values);
    let dict = context(run, unit, &manifest_text, &env, &raw);
    let ctx = map_value([
        ("cookiecutter", map_value(dict.clone())),
        ("_cookiecutter", Ordered::Map(raw.clone()).to_value()),
    ]);
    let copy_globs: Vec<String> = match raw.get("_copy_without_render").and_then(list_of_str) {
        Some(globs) => globs,
        None => unit.not_rendered.clone(),
    };
    let newline = dict
        .get("_new_lines")
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|s| !s.is_empty());
    let walk = Walk {
        env: &env,
        ctx: &ctx,
        unit,
        copy_globs: &copy_globs,
        newline: newline.as_deref(),
    };
    walk.dir(run, "", 0)
}

/// `cookiecutter.json` in order, and its text (for lines); the unit's declared variables
/// when it cannot be read.
fn manifest(run: &mut Run, unit: &Unit) -> (IndexMap<String, Ordered>, String) {
    let fallback = || {
        unit.variables
            .iter()
            .map(|v| {
                let d = v.default.as_ref().map_or(Ordered::Null, Ordered::from_json);
                (v.name.clone(), d)
            })
            .collect()
    };
    let Some(bytes) = run.read(&unit.manifest) else {
        return (fallback(), String::new());
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match serde_json::from_str::<Ordered>(&text) {
        Ok(Ordered::Map(m)) => (m, text),
        Ok(_) => (fallback(), text),
        Err(e) => {
            run.problem(
                ProblemKind::RenderFailed,
                &unit.manifest,
                u32::try_from(e.line()).ok(),
                format!("cannot parse: {e}"),
            );
            (fallback(), text)
        }
    }
}

fn list_of_str(v: &Ordered) -> Option<Vec<String>> {
    match v {
        Ordered::List(items) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}

/// The 1-based line where `"key":` is declared in the manifest.
fn line_of_key(text: &str, key: &str) -> Option<u32> {
    let needle = format!("\"{key}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// The answers over the defaults, as `cookiecutter --no-input` applies them: a choice
/// moves to the front of its list, a dict merges, anything else replaces.
fn apply_overrides(
    run: &mut Run,
    unit: &Unit,
    text: &str,
    raw: &mut IndexMap<String, Ordered>,
    values: &Map<String, serde_json::Value>,
) {
    for (key, value) in values {
        let value = Ordered::from_json(value);
        let Some(current) = raw.get_mut(key) else {
            continue;
        };
        match (current, value) {
            (Ordered::List(options), Ordered::List(chosen)) => *options = chosen,
            (Ordered::List(options), chosen) => {
                if let Some(i) = options.iter().position(|o| *o == chosen) {
                    let picked = options.remove(i);
                    options.insert(0, picked);
                } else {
                    run.problem(
                        ProblemKind::RenderFailed,
                        &unit.manifest,
                        line_of_key(text, key),
                        format!("{chosen:?} is not one of the choices of `{key}`"),
                    );
                }
            }
            (Ordered::Map(m), Ordered::Map(over)) => m.extend(over),
            (slot @ Ordered::Bool(_), Ordered::Str(s)) => {
                *slot = Ordered::Bool(matches!(
                    s.to_lowercase().as_str(),
                    "1" | "true" | "t" | "yes" | "y" | "on"
                ));
            }
            (slot, v) => *slot = v,
        }
    }
}

/// The `cookiecutter` object: settings as written, variables rendered in declaration order,
/// dicts after every other variable (as cookiecutter's two passes do).
fn context(
    run: &mut Run,
    unit: &Unit,
    text: &str,
    env: &Environment<'_>,
    raw: &IndexMap<String, Ordered>,
) -> IndexMap<String, Value> {
    let mut dict: IndexMap<String, Value> = IndexMap::new();
    let fail = |run: &mut Run, key: &str, e: Error| {
        let (kind, _, message) = classify(&e);
        run.problem(
            kind,
            &unit.manifest,
            line_of_key(text, key),
            format!("the default of `{key}`: {message}"),
        );
    };
    for (key, value) in raw {
        if key == "__prompts__" {
            continue;
        }
        if key.starts_with('_') && !key.starts_with("__") {
            dict.insert(key.clone(), value.to_value());
            continue;
        }
        let rendered = match value {
            _ if key.starts_with("__") => render_variable(env, value, &dict),
            Ordered::Map(_) => continue,
            Ordered::List(options) => match options.first() {
                Some(first) => render_variable(env, first, &dict),
                None => Ok(Value::from(())),
            },
            _ => render_variable(env, value, &dict),
        };
        match rendered {
            Ok(v) => {
                dict.insert(key.clone(), v);
            }
            Err(e) => {
                fail(run, key, e);
                dict.insert(key.clone(), Value::from(""));
            }
        }
    }
    for (key, value) in raw {
        if !matches!(value, Ordered::Map(_)) || (key.starts_with('_') && !key.starts_with("__")) {
            continue;
        }
        match render_variable(env, value, &dict) {
            Ok(v) => {
                dict.insert(key.clone(), v);
            }
            Err(e) => fail(run, key, e),
        }
    }
    for (key, value) in [
        ("_template", unit.source_root.as_str()),
        ("_output_dir", "."),
        ("_repo_dir", unit.source_root.as_str()),
    ] {
        dict.entry(key.to_string())
            .or_insert_with(|| Value::from(value));
    }
    dict.entry("_checkout".to_string())
        .or_insert(Value::from(()));
    dict
}

fn render_variable(
    env: &Environment<'_>,
    raw: &Ordered,
    dict: &IndexMap<String, Value>,
) -> Result<Value, Error> {
    Ok(match raw {
        Ordered::Null => Value::from(()),
        Ordered::Bool(b) => Value::from(*b),
        Ordered::List(items) => Value::from(
            items
                .iter()
                .map(|i| render_variable(env, i, dict))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Ordered::Map(m) => {
            let mut out = IndexMap::new();
            for (k, v) in m {
                let key = render_variable(env, &Ordered::Str(k.clone()), dict)?;
                out.insert(key.to_string(), render_variable(env, v, dict)?);
            }
            map_value(out)
        }
        scalar => {
            let s = scalar.python_str().unwrap_or_default();
            let ctx = map_value([("cookiecutter", map_value(dict.clone()))]);
            // A default may use the `{% now %}` tag as well as any file.
            let s = rewrite_now_tags(&s, &Delimiters::standard(Language::Jinja));
            Value::from(env.render_named_str("cookiecutter.json", &s, ctx)?)
        }
    })
}

struct Walk<'a> {
    env: &'a Environment<'a>,
    ctx: &'a Value,
    unit: &'a Unit,
    copy_globs: &'a [String],
    newline: Option<&'a str>,
}

impl Walk<'_> {
    fn copy_only(&self, rel: &str) -> bool {
        self.copy_globs.iter().any(|g| fnmatch(rel, g))
    }

    /// Render the path `rel` (relative to the project root); `None` on failure.
    fn path(&self, run: &mut Run, source: &str, rel: &str) -> Option<String> {
        render_text(run, self.env, source, rel, self.ctx)
    }

    /// The project folder `rel`, as cookiecutter walks it: folders first, files sorted.
    fn dir(&self, run: &mut Run, rel: &str, depth: usize) -> Result<(), RenderError> {
        let root = &self.unit.project_root;
        let Some(entries) = run.list(&join(root, rel), depth) else {
            return Ok(());
        };
        for e in entries.iter().filter(|e| e.is_dir) {
            let child = join(rel, &e.name);
            if self.copy_only(&child) {
                let Some(out_dir) = self.path(run, &e.repo_path, &child) else {
                    continue;
                };
                for file in run.files_under(&e.repo_path) {
                    let source = join(&e.repo_path, &file);
                    if let Some(bytes) = run.read(&source) {
                        run.write(&join(&out_dir, &file), &source, &bytes)?;
                    }
                }
            } else if self.path(run, &e.repo_path, &child).is_some() {
                self.dir(run, &child, depth + 1)?;
            }
        }
        for e in entries.iter().filter(|e| !e.is_dir) {
            self.file(run, &join(rel, &e.name), &e.repo_path)?;
        }
        Ok(())
    }

    fn file(&self, run: &mut Run, rel: &str, source: &str) -> Result<(), RenderError> {
        let Some(out) = self.path(run, source, rel) else {
            return Ok(());
        };
        // A name that renders empty: cookiecutter skips the file.
        if out.is_empty() || out.ends_with('/') {
            return Ok(());
        }
        let Some(bytes) = run.read(source) else {
            return Ok(());
        };
        if self.copy_only(rel) || is_binary(&bytes) {
            return run.write(&out, source, &bytes);
        }
        let text = String::from_utf8_lossy(&bytes);
        let text = rewrite_now_tags(&text, &Delimiters::standard(Language::Jinja));
        let Some(rendered) = render_text(run, self.env, source, &text, self.ctx) else {
            return Ok(());
        };
        let newline = self.newline.unwrap_or_else(|| first_newline(&bytes));
        let mut body = normalize_newlines(&rendered);
        if newline != "\n" {
            body = body.replace('\n', newline);
        }
        run.write(&out, source, body.as_bytes())
    }
}

/// How the file's first line ends (`\n` when it has no line break).
fn first_newline(bytes: &[u8]) -> &'static str {
    match memchr::memchr2(b'\n', b'\r', bytes) {
        Some(i) if bytes[i] == b'\r' => {
            if bytes.get(i + 1) == Some(&b'\n') {
                "\r\n"
            } else {
                "\r"
            }
        }
        _ => "\n",
    }
}
