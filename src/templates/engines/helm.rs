//! Helm starters: a chart whose `Chart.yaml` is named `<CHARTNAME>`; `helm create
//! --starter` replaces that literal text everywhere with the new chart's name.

use super::{Manifest, empty_unit};
use crate::templates::detect::Units;
use crate::templates::{Engine, Syntax, Variable};

pub fn read(m: &Manifest<'_>, out: &mut Units) {
    let docs = match m.yaml() {
        Ok(d) => d,
        // Any other broken chart is the business of the YAML checks.
        Err(d) if m.text.contains("<CHARTNAME>") => return out.diagnostics.push(d),
        Err(_) => return,
    };
    let Some((key, _)) = docs
        .first()
        .and_then(|d| d.entry("name"))
        .filter(|(_, v)| v.str() == Some("<CHARTNAME>"))
    else {
        return;
    };
    let mut unit = empty_unit(
        Engine::HelmStarter,
        m,
        m.dir.to_owned(),
        Syntax::Literal {
            placeholder: "<{name}>".to_owned(),
        },
    );
    unit.variables.push(Variable {
        name: "CHARTNAME".to_owned(),
        default: None,
        description: Some("The name of the chart created from this starter.".to_owned()),
        pattern: None,
        computed: false,
        origin: m.origin(key.span.start),
    });
    out.units.push(unit);
}
