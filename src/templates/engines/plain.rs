//! `.template-config.yaml` (see [`crate::templates::config`]): a plain unit of its own,
//! or, beside another engine's manifest (same folder), that unit's metadata plus the
//! variables it does not declare yet and more exclusions.

use super::{Manifest, empty_unit};
use crate::templates::config::{self, DEFAULT_PLACEHOLDER};
use crate::templates::detect::{UnitDiagnostic, Units};
use crate::templates::{Engine, Meta, Syntax, Variable};

pub fn read(m: &Manifest<'_>, out: &mut Units) {
    let config = match config::parse(m.text) {
        Ok(c) => c,
        Err(e) => {
            return out.diagnostics.push(UnitDiagnostic {
                path: m.path.to_owned(),
                line: e.line,
                key: e.key,
                message: e.message,
            });
        }
    };
    // Lines of the variables' `name` keys.
    let tree = m.yaml().ok().and_then(|d| d.into_iter().next());
    let item_key_at = |i: usize, key: &str| {
        tree.as_ref()
            .and_then(|t| t.get("variables")?.items().nth(i)?.entry(key))
            .map_or(0, |(k, _)| k.span.start)
    };
    let key_at = |key: &str| {
        tree.as_ref()
            .and_then(|t| t.entry(key))
            .map_or(0, |(k, _)| k.span.start)
    };
    // A version that does not fit its channel is the `template/version-invalid` rule's.
    let placeholder = config.placeholder.clone();
    if let Some(p) = &placeholder
        && !p.contains("{name}")
    {
        out.diagnostics.push(m.key_diag(
            key_at("placeholder"),
            "placeholder",
            format!("`{p}` does not hold `{{name}}`, which stands for each variable's name"),
        ));
    }
    let mut variables: Vec<Variable> = Vec::new();
    for (i, v) in config.variables.iter().enumerate() {
        let at = item_key_at(i, "name");
        if variables.iter().any(|d| d.name == v.name) {
            out.diagnostics.push(m.key_diag(
                at,
                "name",
                format!("variable `{}` is declared twice", v.name),
            ));
            continue;
        }
        if let Some(p) = &v.pattern
            && let Err(e) = regex::Regex::new(p)
        {
            let msg = e.to_string();
            let last = msg.lines().last().unwrap_or_default().trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            out.diagnostics.push(m.key_diag(
                item_key_at(i, "pattern"),
                "pattern",
                format!("not a regular expression: {last}"),
            ));
        }
        variables.push(Variable {
            name: v.name.clone(),
            default: v.default.clone(),
            description: v.description.clone(),
            pattern: v.pattern.clone(),
            computed: false,
            origin: m.origin(at),
        });
    }
    let meta = Meta {
        name: config.name.clone(),
        version: config.version.clone(),
        channel: config.channel.map(|c| c.name().to_owned()),
    };
    if let Some(unit) = out.in_folder(m.dir) {
        unit.meta = meta;
        for v in variables {
            if !unit.variables.iter().any(|d| d.name == v.name) {
                unit.variables.push(v);
            }
        }
        unit.excluded.extend(config.exclude);
        return;
    }
    let placeholder = placeholder
        .filter(|p| p.contains("{name}"))
        .unwrap_or_else(|| DEFAULT_PLACEHOLDER.to_owned());
    let mut unit = empty_unit(
        Engine::Plain,
        m,
        m.dir.to_owned(),
        Syntax::Literal { placeholder },
    );
    unit.variables = variables;
    unit.excluded = config.exclude;
    unit.meta = meta;
    out.units.push(unit);
}
