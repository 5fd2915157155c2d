//! cargo-generate: Liquid with the `heck` case filters cargo-generate adds, every file
//! rendered (`.liquid` suffix stripped) except `[template] exclude` globs (copied) and
//! `ignore` paths (left out), each path component rendered and sanitised. A name nothing
//! declares renders empty, as cargo-generate renders it; each one is reported.
//! `[conditional]` sections are evaluated ([`super::conditional`]); hooks and `rhai`
//! filters are not (notes), and the generated project is not formatted with rustfmt.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::LazyLock;

use heck::{
    ToKebabCase, ToLowerCamelCase, ToPascalCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase,
    ToTitleCase, ToUpperCamelCase,
};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use liquid_core::parser::{FilterArguments, FilterReflection, ParameterReflection, ParseFilter};
use liquid_core::{Filter, Runtime, Value, ValueView};
use regex::Regex;
use serde_json::Map;

use super::tree::Run;
use super::{ProblemKind, RenderError, conditional, join};
use crate::templates::Unit;

/// The most undeclared names collected in one file before giving up.
const MAX_UNDECLARED: usize = 200;

/// A `heck` case conversion as a Liquid filter.
#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    convert: fn(&str) -> String,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl Filter for Case {
    fn evaluate(
        &self,
        input: &dyn ValueView,
        _runtime: &dyn Runtime,
    ) -> liquid_core::Result<Value> {
        let input = input
            .as_scalar()
            .ok_or_else(|| liquid_core::Error::with_msg("String expected"))?;
        Ok(Value::scalar((self.convert)(&input.into_string())))
    }
}

impl FilterReflection for Case {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "changes the case of the text"
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for Case {
    fn parse(&self, mut arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        if arguments.positional.next().is_some() || arguments.keyword.next().is_some() {
            return Err(liquid_core::Error::with_msg(format!(
                "{} takes no arguments",
                self.name
            )));
        }
        Ok(Box::new(*self))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

const CASES: &[Case] = &[
    Case {
        name: "kebab_case",
        convert: |s| s.to_kebab_case(),
    },
    Case {
        name: "lower_camel_case",
        convert: |s| s.to_lower_camel_case(),
    },
    Case {
        name: "pascal_case",
        convert: |s| s.to_pascal_case(),
    },
    Case {
        name: "shouty_kebab_case",
        convert: |s| s.to_shouty_kebab_case(),
    },
    Case {
        name: "shouty_snake_case",
        convert: |s| s.to_shouty_snake_case(),
    },
    Case {
        name: "snake_case",
        convert: |s| s.to_snake_case(),
    },
    Case {
        name: "title_case",
        convert: |s| s.to_title_case(),
    },
    Case {
        name: "upper_camel_case",
        convert: |s| s.to_upper_camel_case(),
    },
];

fn parser() -> Option<liquid::Parser> {
    let mut b = liquid::ParserBuilder::with_stdlib();
    for case in CASES {
        b = b.filter(*case);
    }
    b.build().ok()
}

/// Files cargo-generate removes from every generated project.
const ALWAYS_LEFT_OUT: &[&str] = &["cargo-generate.toml", ".genignore", ".cargo-ok"];

pub(super) fn render(
    run: &mut Run,
    unit: &Unit,
    values: &Map<String, serde_json::Value>,
) -> Result<(), RenderError> {
    let Some(parser) = parser() else {
        run.problem(
            ProblemKind::NotModelled,
            &unit.manifest,
            None,
            "the Liquid parser could not be built".into(),
        );
        return Ok(());
    };
    let config = manifest(run, unit);
    let template = config.get("template").and_then(toml::Value::as_table);
    let strings = |key: &str| -> Vec<String> {
        template
            .and_then(|t| t.get(key))
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    if config.contains_key("hooks") {
        run.problem(
            ProblemKind::NotRun,
            &unit.manifest,
            None,
            "not modelled: hooks are not run".into(),
        );
    }
    let mut globals = globals(unit, &config, values);
    let active = conditional::apply(run, unit, &config, &mut globals);
    let root = unit.project_root.clone();
    let mut ignored = strings("ignore");
    ignored.extend(active.ignore);
    let genignore = genignore(run, &root);
    let hook_files: BTreeSet<String> = ["pre", "init", "post"]
        .iter()
        .flat_map(|k| {
            config
                .get("hooks")
                .and_then(|h| h.get(k))
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
        })
        .collect();
    let include = matcher(&[strings("include"), active.include].concat());
    let exclude = matcher(&[strings("exclude"), active.exclude].concat());
    let files = run.files_under(&root);
    let mut undeclared: BTreeSet<String> = BTreeSet::new();
    for rel in &files {
        let left_out = ALWAYS_LEFT_OUT.contains(&rel.as_str())
            || rel.split('/').any(|c| c == ".git")
            || ignored.iter().any(|i| {
                let i = i.trim_matches('/');
                rel == i || rel.starts_with(&format!("{i}/"))
            })
            || genignore
                .matched_path_or_any_parents(rel, false)
                .is_ignore()
            || hook_files.contains(rel.as_str());
        // `a` beside `a.liquid`: the Liquid file wins.
        if left_out || files.binary_search(&format!("{rel}.liquid")).is_ok() {
            continue;
        }
        let source = join(&root, rel);
        let target = rel.strip_suffix(".liquid").unwrap_or(rel);
        let render_it = match (&include, &exclude) {
            (Some(inc), _) => inc.matched_path_or_any_parents(target, false).is_ignore(),
            (None, Some(exc)) => !exc.matched_path_or_any_parents(target, false).is_ignore(),
            (None, None) => true,
        };
        let mut parts = Vec::new();
        for part in target.split('/') {
            let Some(p) =
                render_gracefully(run, &parser, &mut globals, &source, part, &mut undeclared)
            else {
                break;
            };
            parts.push(sanitize(&p));
        }
        if parts.len() != target.split('/').count() {
            continue;
        }
        let dst = parts.join("/");
        let Some(bytes) = run.read(&source) else {
            continue;
        };
        if !render_it {
            run.write(&dst, &source, &bytes)?;
            continue;
        }
        let Ok(text) = String::from_utf8(bytes.clone()) else {
            run.problem(
                ProblemKind::RenderFailed,
                &source,
                None,
                "not UTF-8: cargo-generate cannot render it (list it in `[template] exclude`)"
                    .into(),
            );
            run.write(&dst, &source, &bytes)?;
            continue;
        };
        if let Some(out) =
            render_gracefully(run, &parser, &mut globals, &source, &text, &mut undeclared)
        {
            run.write(&dst, &source, out.as_bytes())?;
        }
    }
    Ok(())
}

fn manifest(run: &mut Run, unit: &Unit) -> toml::Table {
    let Some(bytes) = run.read(&unit.manifest) else {
        return toml::Table::new();
    };
    match std::str::from_utf8(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|t| t.parse::<toml::Table>().map_err(|e| e.to_string()))
    {
        Ok(t) => t,
        Err(e) => {
            let first = e.lines().next().unwrap_or_default().to_string();
            run.problem(
                ProblemKind::RenderFailed,
                &unit.manifest,
                None,
                format!("cannot parse: {first}"),
            );
            toml::Table::new()
        }
    }
}

fn matcher(patterns: &[String]) -> Option<Gitignore> {
    if patterns.is_empty() {
        return None;
    }
    let mut b = GitignoreBuilder::new("");
    for p in patterns {
        let _ = b.add_line(None, p);
    }
    b.build().ok()
}

/// `.genignore` at the template's root, gitignore-style.
fn genignore(run: &mut Run, root: &str) -> Gitignore {
    let path = join(root, ".genignore");
    if !crate::fsread::exists_in(&run.repo_root, std::path::Path::new(&path)) {
        return Gitignore::empty();
    }
    let text = run
        .read(&path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut b = GitignoreBuilder::new("");
    for line in text.lines() {
        let _ = b.add_line(None, line);
    }
    b.build().unwrap_or_else(|_| Gitignore::empty())
}

/// The built-in names, the placeholders' defaults, and the answers over them.
fn globals(
    unit: &Unit,
    config: &toml::Table,
    values: &Map<String, serde_json::Value>,
) -> liquid::Object {
    let mut o = liquid::Object::new();
    let name = values
        .get("project-name")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            unit.source_root
                .rsplit('/')
                .next()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "my-project".to_string());
    let project_name = name.to_kebab_case();
    let scalar = |s: &str| Value::scalar(s.to_string());
    o.insert("crate_name".into(), scalar(&project_name.to_snake_case()));
    o.insert("project-name".into(), scalar(&project_name));
    o.insert("crate_type".into(), scalar("bin"));
    o.insert("authors".into(), scalar(""));
    o.insert("username".into(), scalar(""));
    o.insert(
        "os-arch".into(),
        scalar(&format!(
            "{}-{}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
    );
    o.insert("is_init".into(), Value::scalar(false));
    o.insert("within_cargo_project".into(), Value::scalar(false));
    if let Some(placeholders) = config.get("placeholders").and_then(toml::Value::as_table) {
        for (key, spec) in placeholders {
            if let Some(d) = spec.get("default") {
                o.insert(key.clone().into(), toml_value(d));
            }
        }
    }
    for (key, v) in values.iter().filter(|(k, _)| *k != "project-name") {
        o.insert(key.clone().into(), json_value(v));
    }
    o
}

pub(super) fn toml_value(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::scalar(s.clone()),
        toml::Value::Integer(i) => Value::scalar(*i),
        toml::Value::Float(f) => Value::scalar(*f),
        toml::Value::Boolean(b) => Value::scalar(*b),
        toml::Value::Datetime(d) => Value::scalar(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_value).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone().into(), toml_value(v)))
                .collect(),
        ),
    }
}

fn json_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::scalar(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::scalar(i),
            None => Value::scalar(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::scalar(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(json_value).collect()),
        serde_json::Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone().into(), json_value(v)))
                .collect(),
        ),
    }
}

/// Render as cargo-generate does: a name nothing defines is bound to "" and the render
/// retried (the binding stays for the files after). Each such name is reported once.
fn render_gracefully(
    run: &mut Run,
    parser: &liquid::Parser,
    globals: &mut liquid::Object,
    source: &str,
    text: &str,
    undeclared: &mut BTreeSet<String>,
) -> Option<String> {
    static REQUESTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"requested variable=(\S+)").expect("static regex"));
    let template = match parser.parse(text) {
        Ok(t) => t,
        Err(e) => {
            run.problem(
                ProblemKind::RenderFailed,
                source,
                None,
                first_line(&e.to_string()),
            );
            return None;
        }
    };
    for _ in 0..MAX_UNDECLARED {
        match template.render(&*globals) {
            Ok(s) => return Some(s),
            Err(e) => {
                let message = e.to_string();
                let Some(name) = REQUESTED.captures(&message).map(|c| c[1].to_string()) else {
                    run.problem(
                        ProblemKind::RenderFailed,
                        source,
                        None,
                        first_line(&message),
                    );
                    return None;
                };
                if globals.contains_key(name.as_str()) {
                    run.problem(
                        ProblemKind::RenderFailed,
                        source,
                        None,
                        first_line(&message),
                    );
                    return None;
                }
                if undeclared.insert(name.clone()) {
                    let line = text
                        .lines()
                        .position(|l| l.contains(name.as_str()))
                        .and_then(|i| u32::try_from(i + 1).ok());
                    run.problem(
                        ProblemKind::Undeclared,
                        source,
                        line,
                        format!("`{name}` is not declared: cargo-generate renders it empty"),
                    );
                }
                globals.insert(name.into(), Value::scalar(""));
            }
        }
    }
    run.problem(
        ProblemKind::RenderFailed,
        source,
        None,
        "too many undeclared names".into(),
    );
    None
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// sanitize-filename as cargo-generate calls it: characters a file name cannot hold
/// become `_`, names made of dots alone too, and a name is cut at 255 bytes.
fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if "/?<>\\:*|\"".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if !out.is_empty() && out.chars().all(|c| c == '.') {
        out = "_".to_string();
    }
    while out.len() > 255 {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_filters() {
        let parser = parser().unwrap();
        let t = parser
            .parse("{{ n | kebab_case }} {{ n | snake_case }} {{ n | upper_camel_case }} {{ n | shouty_snake_case }}")
            .unwrap();
        let globals = liquid::object!({"n": "my cool-Project"});
        assert_eq!(
            t.render(&globals).unwrap(),
            "my-cool-project my_cool_project MyCoolProject MY_COOL_PROJECT"
        );
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(sanitize("a:b*c"), "a_b_c");
        assert_eq!(sanitize(".."), "_");
        assert_eq!(sanitize("ok.rs"), "ok.rs");
    }
}
