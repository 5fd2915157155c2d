//! One module per engine: each reads its manifest and describes the units it declares.
//! What they share lives here: reading JSON and YAML with the line of every key, joining
//! manifest-relative paths, and the delimiters an engine setting may change.

pub mod backstage;
pub mod cargo_generate;
pub mod cookiecutter;
pub mod copier;
pub mod devcontainer;
pub mod helm;
pub mod plain;

use jsonc_parser::ast;
use serde_json::Value as Json;

use super::detect::UnitDiagnostic;
use super::{Delimiters, Origin, Unit};
use crate::error::line_of;
use crate::parse::yaml::{self, Node};

/// A manifest read as text.
pub struct Manifest<'a> {
    /// Relative to the repository root.
    pub path: &'a str,
    /// Its folder ("" for the root).
    pub dir: &'a str,
    pub text: &'a str,
}

impl Manifest<'_> {
    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        line_of(self.text, offset) as u32
    }

    pub fn origin(&self, offset: usize) -> Origin {
        Origin {
            path: self.path.to_owned(),
            line: self.line(offset),
        }
    }

    /// A diagnostic about this manifest, at `offset` when given.
    pub fn diag(&self, offset: Option<usize>, message: impl Into<String>) -> UnitDiagnostic {
        UnitDiagnostic {
            path: self.path.to_owned(),
            line: offset.map(|o| self.line(o)),
            key: None,
            message: message.into(),
        }
    }

    /// A diagnostic about `key`, written at `offset`.
    pub fn key_diag(&self, offset: usize, key: &str, message: impl Into<String>) -> UnitDiagnostic {
        UnitDiagnostic {
            key: Some(key.to_owned()),
            ..self.diag(Some(offset), message)
        }
    }

    /// The YAML documents of the manifest, or a diagnostic naming the line.
    pub fn yaml(&self) -> Result<Vec<Node>, UnitDiagnostic> {
        yaml::parse(self.text).map_err(|e| UnitDiagnostic {
            path: self.path.to_owned(),
            line: e.line,
            key: None,
            message: format!("not valid YAML: {}", e.message),
        })
    }

    /// The manifest as one JSON (with comments) value, or a diagnostic naming the line.
    pub fn json(&self) -> Result<ast::Value<'_>, UnitDiagnostic> {
        if let Some(at) = too_deep(self.text) {
            return Err(self.diag(Some(at), "not read: JSON nested too deeply"));
        }
        let parsed =
            jsonc_parser::parse_to_ast(self.text, &Default::default(), &Default::default())
                .map_err(|e| UnitDiagnostic {
                    path: self.path.to_owned(),
                    line: Some(e.line_display() as u32),
                    key: None,
                    message: format!("not valid JSON: {}", e.kind()),
                })?;
        parsed
            .value
            .ok_or_else(|| self.diag(None, "not valid JSON: the file holds no value"))
    }
}

/// Deepest JSON nesting read: the parser recurses once per level.
const MAX_JSON_DEPTH: usize = 100;

/// The offset where `text` nests brackets deeper than [`MAX_JSON_DEPTH`], strings and
/// comments aside.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The properties of a JSON object, in source order: name, offset of the name, value.
pub fn json_props<'a, 'v>(
    value: &'v ast::Value<'a>,
) -> impl Iterator<Item = (&'v str, usize, &'v ast::Value<'a>)> {
    let props = match value {
        ast::Value::Object(o) => o.properties.as_slice(),
        _ => &[],
    };
    props
        .iter()
        .map(|p| (p.name.as_str(), p.range.start, &p.value))
}

/// A property of a JSON object.
pub fn json_get<'v, 'a>(value: &'v ast::Value<'a>, key: &str) -> Option<&'v ast::Value<'a>> {
    json_props(value)
        .find(|(k, _, _)| *k == key)
        .map(|(_, _, v)| v)
}

pub fn json_str<'v>(value: &'v ast::Value<'_>) -> Option<&'v str> {
    match value {
        ast::Value::StringLit(s) => Some(s.value.as_ref()),
        _ => None,
    }
}

/// A JSON value as `serde_json` holds it (object keys sorted).
pub fn to_json(value: &ast::Value<'_>) -> Json {
    value.clone().into()
}

/// A YAML scalar or tree of `text` as JSON: plain `true`/`false` and numbers become
/// booleans and numbers (the YAML tree keeps scalars as text); quoted and block scalars
/// stay strings.
pub fn yaml_to_json(node: &Node, text: &str) -> Json {
    match &node.value {
        yaml::Value::Null => Json::Null,
        yaml::Value::Scalar(s) => {
            let written = text.get(node.defined.clone()).unwrap_or_default();
            if written.starts_with(['"', '\'', '|', '>']) {
                Json::String(s.clone())
            } else {
                scalar_to_json(s)
            }
        }
        yaml::Value::Seq(items) => {
            Json::Array(items.iter().map(|i| yaml_to_json(i, text)).collect())
        }
        yaml::Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.str().unwrap_or_default().to_owned(),
                        yaml_to_json(v, text),
                    )
                })
                .collect(),
        ),
    }
}

fn scalar_to_json(s: &str) -> Json {
    match s {
        "true" => return Json::Bool(true),
        "false" => return Json::Bool(false),
        _ => {}
    }
    if let Ok(n) = s.parse::<i64>() {
        return Json::from(n);
    }
    if s.contains(['.', 'e', 'E'])
        && let Ok(f) = s.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Json::Number(n);
    }
    Json::String(s.to_owned())
}

/// Strings of a YAML sequence (a single string counts as a sequence of one).
pub fn yaml_strings(node: Option<&Node>) -> Vec<String> {
    let Some(node) = node else {
        return Vec::new();
    };
    match node.str() {
        Some(s) => vec![s.to_owned()],
        None => node
            .items()
            .filter_map(|n| n.str().map(str::to_owned))
            .collect(),
    }
}

/// `rel` (relative to the folder `dir`) relative to the repository root, `/`-separated,
/// `.` and `..` resolved. `None` when it leaves the repository or is absolute.
pub fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains("://") {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Jinja delimiters as an engine setting changes them (copier `_envops`, cookiecutter
/// `_jinja2_env_vars`): `block_start_string`, `variable_end_string`, ….
pub fn jinja_delimiters(mut d: Delimiters, setting: impl Fn(&str) -> Option<String>) -> Delimiters {
    let set = |slot: &mut String, key: &str| {
        if let Some(v) = setting(key).filter(|v| !v.is_empty()) {
            *slot = v;
        }
    };
    set(&mut d.block.0, "block_start_string");
    set(&mut d.block.1, "block_end_string");
    set(&mut d.variable.0, "variable_start_string");
    set(&mut d.variable.1, "variable_end_string");
    set(&mut d.comment.0, "comment_start_string");
    set(&mut d.comment.1, "comment_end_string");
    d
}

/// A unit with nothing declared yet.
pub fn empty_unit(
    engine: super::Engine,
    manifest: &Manifest<'_>,
    root: String,
    syntax: super::Syntax,
) -> Unit {
    Unit {
        engine,
        manifest: manifest.path.to_owned(),
        source_root: root.clone(),
        project_root: root,
        variables: Vec::new(),
        namespace: None,
        builtins: Vec::new(),
        syntax,
        not_rendered: Vec::new(),
        excluded: Vec::new(),
        templates_suffix: None,
        meta: Default::default(),
        parameters: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside_the_repository() {
        assert_eq!(join("a/b", "./skeleton").as_deref(), Some("a/b/skeleton"));
        assert_eq!(join("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(join("", "."), Some(String::new()));
        assert_eq!(join("", "../x"), None);
        assert_eq!(join("a", "https://x/y"), None);
    }

    #[test]
    fn deep_json_is_caught_before_parsing() {
        assert!(too_deep(&"[".repeat(10_000)).is_some());
        assert!(too_deep("{\"a\": \"[[[[[[\"}").is_none());
    }
}
