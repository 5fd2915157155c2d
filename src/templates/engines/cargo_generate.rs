//! cargo-generate: `cargo-generate.toml`. `[placeholders.<name>]` (`type`, `default`,
//! `choices`, `regex`, `prompt`) and `[conditional.'<expr>'].placeholders` declare the
//! variables; `[template] exclude` globs are copied without rendering, `ignore` globs are
//! left out. Files are Liquid; cargo-generate provides `project-name`, `crate_name` and the
//! other built-ins.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Manifest, empty_unit};
use crate::templates::detect::{UnitDiagnostic, Units};
use crate::templates::{Delimiters, Engine, Language, Syntax, Variable};

const BUILTINS: &[&str] = &[
    "project-name",
    "crate_name",
    "crate_type",
    "authors",
    "username",
    "os-arch",
    "is_init",
    "within_cargo_project",
];

type Placeholders = BTreeMap<Spanned<String>, Spanned<Placeholder>>;

#[derive(Deserialize)]
struct Config {
    #[serde(default)]
    template: Template,
    #[serde(default)]
    placeholders: Placeholders,
    #[serde(default)]
    conditional: BTreeMap<String, Conditional>,
}

#[derive(Deserialize, Default)]
struct Template {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Deserialize)]
struct Conditional {
    #[serde(default)]
    placeholders: Placeholders,
}

#[derive(Deserialize)]
struct Placeholder {
    default: Option<toml::Value>,
    prompt: Option<String>,
    regex: Option<String>,
}

pub fn read(m: &Manifest<'_>, out: &mut Units) {
    let config: Config = match toml::from_str(m.text) {
        Ok(c) => c,
        Err(e) => {
            let err = crate::error::ConfigError::from_toml(m.path, m.text, &e);
            return out.diagnostics.push(UnitDiagnostic {
                path: m.path.to_owned(),
                line: err.line.map(|l| l as u32),
                key: err.key,
                message: format!("not a valid cargo-generate.toml: {}", err.message),
            });
        }
    };
    let mut unit = empty_unit(
        Engine::CargoGenerate,
        m,
        m.dir.to_owned(),
        Syntax::Tags(Delimiters::standard(Language::Liquid)),
    );
    unit.builtins = BUILTINS.iter().map(|s| (*s).to_owned()).collect();
    unit.not_rendered = config.template.exclude;
    unit.excluded = config.template.ignore;
    let mut all: Vec<(&Spanned<String>, &Spanned<Placeholder>)> =
        config.placeholders.iter().collect();
    for c in config.conditional.values() {
        all.extend(c.placeholders.iter());
    }
    all.sort_by_key(|(k, _)| k.span().start);
    for (name, p) in all {
        if unit.variables.iter().any(|v| v.name == *name.get_ref()) {
            continue;
        }
        let p = p.get_ref();
        unit.variables.push(Variable {
            name: name.get_ref().clone(),
            default: p
                .default
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok()),
            description: p.prompt.clone(),
            pattern: p.regex.clone(),
            computed: false,
            origin: m.origin(name.span().start),
        });
    }
    out.units.push(unit);
}
