//! JSON Schemas of the files users write: the configuration file
//! (`.template-validator.toml`), rule packs and `.template-config.yaml`. All derive from
//! the code that reads them — each kind's parameters from its typed parameter struct — so
//! an editor that validates with them (Even Better TOML / taplo: `#:schema` or its
//! `schema` setting; the YAML language server for `.template-config.yaml`) accepts what
//! the tool accepts. `template-validator schema config|rules|template-config` prints
//! them; `schemas/` in the repository holds the same text.

use serde_json::{Map, Value, json};

use crate::checks::{self, AnyKind};
use crate::rules::RuleSet;

/// A rule id: `<family>/<name>`, lowercase kebab-case parts (see [`crate::rules::valid_rule_id`]).
const RULE_ID: &str = "^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$";

/// The kinds a user's pack can declare.
fn user_kinds() -> impl Iterator<Item = &'static dyn AnyKind> {
    checks::KINDS.iter().copied().filter(|k| !k.internal())
}

/// A kind's `params` schema, inlined (no `$ref`), without the meta keys that only a root
/// schema may carry.
fn params_schema(kind: &dyn AnyKind) -> Map<String, Value> {
    let mut schema = match kind.schema().to_value() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    schema.remove("$schema");
    schema.remove("title");
    schema
}

fn severity(off: bool) -> Value {
    let mut levels = vec!["error", "warning", "note"];
    if off {
        levels.push("off");
    }
    json!({ "type": "string", "enum": levels })
}

/// The schema of rule packs: `[[rule]]` tables, one shape per kind.
pub fn rules() -> Value {
    let shapes: Vec<Value> = user_kinds()
        .map(|kind| {
            json!({
                "type": "object",
                "description": format!("A rule of kind `{}`.", kind.name()),
                "required": ["id", "kind", "severity", "title", "help"],
                "additionalProperties": false,
                "properties": {
                    "id": { "type": "string", "pattern": RULE_ID, "description": "`<family>/<name>`, lowercase kebab-case." },
                    "kind": { "const": kind.name() },
                    "severity": severity(false),
                    "title": { "type": "string", "pattern": "^[^\\n]*\\S[^\\n]*$", "description": "One line: what a passing repository has." },
                    "help": { "type": "string", "pattern": "\\S", "description": "What, why and the fix (Markdown)." },
                    "help_uri": { "type": "string" },
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "precision": { "type": "string", "enum": ["very-high", "high", "medium", "low"] },
                    "security_severity": { "type": "number", "minimum": 0.1, "maximum": 10.0 },
                    "params": Value::Object(params_schema(kind)),
                }
            })
        })
        .collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://github.com/template-validator/template-validator/schemas/rules.schema.json",
        "title": "template-validator rule pack",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "rule": { "type": "array", "items": { "oneOf": shapes } }
        }
    })
}

/// The schema of `.template-validator.toml`: its keys, and for `[rules."<id or family>"]`
/// the severity and the parameters of the built-in rules' kinds.
pub fn config(rules: &RuleSet) -> Value {
    // `severity` and every parameter of `kinds`, none required.
    let settings_of = |kinds: &[&str]| -> Map<String, Value> {
        let mut properties = Map::new();
        properties.insert("severity".into(), severity(true));
        for name in kinds {
            let Some(kind) = checks::kind(name) else {
                continue;
            };
            // Only the properties: a configuration sets some parameters, never all.
            let params = params_schema(kind);
            let nested = params.get("properties").and_then(Value::as_object).cloned();
            for (k, v) in nested.into_iter().flatten() {
                properties.entry(k).or_insert(v);
            }
        }
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("additionalProperties".into(), false.into());
        schema.insert("properties".into(), Value::Object(properties));
        schema
    };
    // One definition per kind; each rule id refers to its kind's.
    let mut definitions = Map::new();
    let mut known = Map::new();
    let mut families: Vec<(String, Vec<&str>)> = Vec::new();
    for (_, rule) in rules.iter() {
        if !definitions.contains_key(&rule.kind) {
            definitions.insert(rule.kind.clone(), Value::Object(settings_of(&[&rule.kind])));
        }
        known.insert(
            rule.id.clone(),
            json!({
                "description": format!("{} ({}, kind `{}`)", rule.title, rule.default_severity, rule.kind),
                "allOf": [{ "$ref": format!("#/definitions/{}", rule.kind) }],
            }),
        );
        match families.iter_mut().find(|(f, _)| *f == rule.family) {
            Some((_, kinds)) if kinds.contains(&rule.kind.as_str()) => {}
            Some((_, kinds)) => kinds.push(&rule.kind),
            None => families.push((rule.family.clone(), vec![&rule.kind])),
        }
    }
    for (family, kinds) in &families {
        let description = format!("Every rule of the `{family}` family.");
        let schema = match kinds.as_slice() {
            [kind] => json!({
                "description": description,
                "allOf": [{ "$ref": format!("#/definitions/{kind}") }],
            }),
            _ => {
                let mut schema = settings_of(kinds);
                schema.insert("description".into(), description.into());
                Value::Object(schema)
            }
        };
        known.insert(family.clone(), schema);
    }
    let list = |description: &str| json!({ "type": "array", "items": { "type": "string" }, "description": description });
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://github.com/template-validator/template-validator/schemas/config.schema.json",
        "title": "template-validator configuration (.template-validator.toml)",
        "type": "object",
        "additionalProperties": false,
        "definitions": definitions,
        "properties": {
            "select": list("Rule ids or families to run (default: all)."),
            "ignore": list("Rule ids or families to skip."),
            "strict": { "type": "boolean", "description": "Warnings fail the run too." },
            "packs": list("Extra rule packs, relative to this file."),
            "exclude": list("Gitignore-style globs of paths never scanned."),
            "template": {
                "type": "object",
                "additionalProperties": false,
                "description": "Template units: how they are rendered besides their declared defaults.",
                "properties": {
                    "render": {
                        "type": "array",
                        "description": "Render profiles: answers a unit is rendered and checked with, besides its declared defaults.",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["name"],
                            "properties": {
                                "name": { "type": "string", "minLength": 1, "not": { "const": "defaults" }, "description": "The profile's name, shown with its findings." },
                                "unit": { "type": "string", "description": "The unit's manifest (`cookiecutter.json`) or source folder, relative to the repository root; omitted: every unit." },
                                "values": { "type": "object", "description": "The answers, by variable name." },
                                "values_file": { "type": "string", "description": "A .toml (a `[values]` table or the whole file), .json or .yml/.yaml file of answers, relative to this file." }
                            },
                            "oneOf": [
                                { "required": ["values"], "not": { "required": ["values_file"] } },
                                { "required": ["values_file"], "not": { "required": ["values"] } }
                            ]
                        }
                    }
                }
            },
            "rules": {
                "type": "object",
                "description": "Per rule id or family prefix: `severity` and parameters of the rules' kind.",
                "properties": known,
                "additionalProperties": {
                    "type": "object",
                    "description": "A rule of a pack of your own: `severity` and its kind's parameters.",
                    "properties": { "severity": severity(true) }
                }
            }
        }
    })
}

/// The schema of `.template-config.yaml`, derived from the struct that reads it.
pub fn template_config() -> Value {
    crate::templates::config::schema()
}

/// Pretty JSON with a final newline, as `schemas/` holds it.
pub fn to_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}
