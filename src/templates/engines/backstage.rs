//! Backstage software templates: a YAML document with `apiVersion:
//! scaffolder.backstage.io/*` and `kind: Template`. Each `fetch:template` step whose
//! `input.url` is a folder of this repository is one unit: the skeleton folder is its
//! source and project root, `input.values` keys are its variables (reached as
//! `values.<key>`, their default the expression written there), `copyWithoutRender`
//! (or `copyWithoutTemplating`) globs are copied as they are, and with
//! `templateFileExtension` only `.njk` files (or the extension given) are rendered. The
//! form's `spec.parameters[].properties` are recorded as the unit's `parameters`. A step
//! fetching from a URL has nothing to check here and is skipped.

use super::{Manifest, empty_unit, yaml_strings, yaml_to_json};
use crate::parse::yaml::Node;
use crate::templates::detect::Units;
use crate::templates::{Delimiters, Engine, Language, Syntax, Variable};

/// What `template.yaml` itself may reference.
const BUILTINS: &[&str] = &["parameters", "steps", "user", "secrets", "context"];

pub fn read(m: &Manifest<'_>, out: &mut Units) {
    let docs = match m.yaml() {
        Ok(d) => d,
        Err(d) => {
            // Only a file that reads like a template says it is one.
            if m.text.contains("kind: Template") {
                out.diagnostics.push(d);
            }
            return;
        }
    };
    for doc in &docs {
        let api = doc
            .get("apiVersion")
            .and_then(Node::str)
            .unwrap_or_default();
        if !api.starts_with("scaffolder.backstage.io/")
            || doc.get("kind").and_then(Node::str) != Some("Template")
        {
            continue;
        }
        let spec = doc.get("spec");
        let mut parameters = Vec::new();
        if let Some(p) = spec.and_then(|s| s.get("parameters")) {
            match p.as_seq() {
                Some(pages) => pages
                    .iter()
                    .for_each(|page| properties(m, page, &mut parameters)),
                None => properties(m, p, &mut parameters),
            }
        }
        let steps = spec.and_then(|s| s.get("steps"));
        for step in steps.into_iter().flat_map(Node::items) {
            if step.get("action").and_then(Node::str) != Some("fetch:template") {
                continue;
            }
            let input = step.get("input");
            let Some(url) = input.and_then(|i| i.get("url")).and_then(Node::str) else {
                continue;
            };
            let Some(root) = super::join(m.dir, url) else {
                continue;
            };
            out.units.push(unit(m, input, root, &parameters));
        }
    }
}

fn unit(
    m: &Manifest<'_>,
    input: Option<&Node>,
    root: String,
    parameters: &[Variable],
) -> crate::templates::Unit {
    let input = input.cloned().unwrap_or(Node {
        value: crate::parse::yaml::Value::Null,
        span: 0..0,
        defined: 0..0,
    });
    let compat = input.get("cookiecutterCompat").and_then(Node::str) == Some("true");
    let delimiters = if compat {
        Delimiters::standard(Language::Nunjucks)
    } else {
        Delimiters {
            variable: ("${{".to_owned(), "}}".to_owned()),
            ..Delimiters::standard(Language::Nunjucks)
        }
    };
    let mut unit = empty_unit(Engine::Backstage, m, root, Syntax::Tags(delimiters));
    unit.namespace = Some(if compat { "cookiecutter" } else { "values" }.to_owned());
    unit.builtins = BUILTINS.iter().map(|s| (*s).to_owned()).collect();
    unit.parameters = parameters.to_vec();
    for (k, v) in input
        .get("values")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(name) = k.str() else { continue };
        unit.variables.push(Variable {
            name: name.to_owned(),
            default: Some(yaml_to_json(v, m.text)),
            description: None,
            pattern: None,
            computed: false,
            origin: m.origin(k.span.start),
        });
    }
    unit.not_rendered = yaml_strings(input.get("copyWithoutRender"));
    unit.not_rendered
        .extend(yaml_strings(input.get("copyWithoutTemplating")));
    unit.templates_suffix = match input.get("templateFileExtension").and_then(Node::str) {
        Some("true") => Some(".njk".to_owned()),
        Some("false") | None => None,
        Some(ext) => Some(ext.to_owned()),
    };
    unit
}

/// The properties of a parameters page, and of the pages its `dependencies`, `allOf`,
/// `oneOf`, `anyOf`, `if`/`then`/`else` add (a property's own sub-schema is not a
/// parameter).
fn properties(m: &Manifest<'_>, page: &Node, out: &mut Vec<Variable>) {
    for (k, v) in page
        .get("properties")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(name) = k.str() else { continue };
        if out.iter().any(|p| p.name == name) {
            continue;
        }
        let text = |key: &str| v.get(key).and_then(Node::str).map(str::to_owned);
        out.push(Variable {
            name: name.to_owned(),
            default: v.get("default").map(|d| yaml_to_json(d, m.text)),
            description: text("description").or_else(|| text("title")),
            pattern: text("pattern"),
            computed: false,
            origin: m.origin(k.span.start),
        });
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        page.get(key)
            .into_iter()
            .flat_map(Node::items)
            .for_each(|p| properties(m, p, out));
    }
    for key in ["then", "else"] {
        if let Some(p) = page.get(key) {
            properties(m, p, out);
        }
    }
    for dep in page.get("dependencies").into_iter().flat_map(Node::values) {
        properties(m, dep, out);
        for key in ["allOf", "oneOf", "anyOf"] {
            dep.get(key)
                .into_iter()
                .flat_map(Node::items)
                .for_each(|p| properties(m, p, out));
        }
    }
}
