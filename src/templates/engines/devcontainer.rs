//! Dev container templates: `devcontainer-template.json` (JSON with comments). Each
//! `options.<name>` (`type`, `default`, `proposals` or `enum`, `description`) is a
//! variable, written in files as `${templateOption:<name>}`.

use super::{Manifest, empty_unit, json_get, json_props, json_str, to_json};
use crate::templates::detect::Units;
use crate::templates::{Engine, Syntax, Variable};

pub fn read(m: &Manifest<'_>, out: &mut Units) {
    let root = match m.json() {
        Ok(v) => v,
        Err(d) => return out.diagnostics.push(d),
    };
    let mut unit = empty_unit(
        Engine::Devcontainer,
        m,
        m.dir.to_owned(),
        Syntax::Literal {
            placeholder: "${templateOption:{name}}".to_owned(),
        },
    );
    if let Some(options) = json_get(&root, "options") {
        for (name, at, option) in json_props(options) {
            unit.variables.push(Variable {
                name: name.to_owned(),
                default: json_get(option, "default").map(to_json),
                description: json_get(option, "description")
                    .and_then(json_str)
                    .map(str::to_owned),
                pattern: None,
                computed: false,
                origin: m.origin(at),
            });
        }
    }
    out.units.push(unit);
}
