//! cargo-generate's `[conditional.'<expression>']` sections: each expression is Rhai, as
//! cargo-generate evaluates it, over the answers so far (a boolean answer is a boolean, any
//! other scalar its text). A section whose expression is true adds its `ignore`, `include`
//! and `exclude` lists and its placeholders (their defaults, unless answered); a section
//! made true by another's placeholders is applied too. An expression that does not
//! evaluate (an unknown name, not a boolean) is reported as not modelled and its section
//! left out.

use liquid_core::ValueView;

use super::ProblemKind;
use super::tree::Run;
use crate::templates::Unit;

/// Bounds on one expression: it is a condition, not a program.
const MAX_OPERATIONS: u64 = 10_000;
const MAX_STRING: usize = 64 * 1024;

/// What the true sections add to `[template]`.
#[derive(Debug, Default)]
pub(super) struct Active {
    pub ignore: Vec<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// Evaluate the sections of `config` over `globals`, adding the placeholders of true
/// sections to `globals`.
pub(super) fn apply(
    run: &mut Run,
    unit: &Unit,
    config: &toml::Table,
    globals: &mut liquid::Object,
) -> Active {
    let mut active = Active::default();
    let Some(sections) = config.get("conditional").and_then(toml::Value::as_table) else {
        return active;
    };
    let mut applied = vec![false; sections.len()];
    let mut failed: Vec<Option<String>> = vec![None; sections.len()];
    // Each pass may make another section true; there are at most as many passes as
    // sections.
    for _ in 0..=sections.len() {
        let mut changed = false;
        for (i, (expression, section)) in sections.iter().enumerate() {
            if applied[i] {
                continue;
            }
            match evaluate(expression, globals) {
                Ok(false) => failed[i] = None,
                Ok(true) => {
                    applied[i] = true;
                    changed = true;
                    add(section, globals, &mut active);
                }
                Err(e) => failed[i] = Some(e),
            }
        }
        if !changed {
            break;
        }
    }
    for ((expression, _), message) in sections.iter().zip(failed) {
        if let Some(message) = message {
            run.problem(
                ProblemKind::NotModelled,
                &unit.manifest,
                None,
                format!("`[conditional.'{expression}']` is not evaluated ({message}): its section is left out"),
            );
        }
    }
    active
}

fn add(section: &toml::Value, globals: &mut liquid::Object, active: &mut Active) {
    let strings = |key: &str| -> Vec<String> {
        section
            .get(key)
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    active.ignore.extend(strings("ignore"));
    active.include.extend(strings("include"));
    active.exclude.extend(strings("exclude"));
    let placeholders = section.get("placeholders").and_then(toml::Value::as_table);
    for (key, spec) in placeholders.into_iter().flatten() {
        if globals.contains_key(key.as_str()) {
            continue;
        }
        if let Some(d) = spec.get("default") {
            globals.insert(key.clone().into(), super::liquid::toml_value(d));
        }
    }
}

/// The expression's value over `globals`, as cargo-generate computes it.
fn evaluate(expression: &str, globals: &liquid::Object) -> Result<bool, String> {
    let mut engine = rhai::Engine::new();
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_string_size(MAX_STRING)
        .set_max_expr_depths(64, 32);
    let mut scope = rhai::Scope::new();
    for (name, value) in globals.iter() {
        let Some(scalar) = value.as_scalar() else {
            continue;
        };
        let name = name.as_str();
        let value: rhai::Dynamic = match scalar.to_bool() {
            Some(b) => b.into(),
            None => scalar.to_kstr().as_str().into(),
        };
        scope.push_constant_dynamic(name, value);
    }
    engine
        .eval_expression_with_scope::<bool>(&mut scope, expression)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use liquid_core::Value;

    fn globals(pairs: &[(&str, Value)]) -> liquid::Object {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned().into(), v.clone()))
            .collect()
    }

    #[test]
    fn conditions_read_answers_as_cargo_generate_does() {
        let g = globals(&[
            ("crate_type", Value::scalar("lib")),
            ("use_ci", Value::scalar(true)),
            ("license", Value::scalar("MIT")),
        ]);
        assert_eq!(evaluate(r#"crate_type == "lib""#, &g), Ok(true));
        assert_eq!(evaluate("use_ci && license != \"MIT\"", &g), Ok(false));
        assert_eq!(evaluate("!use_ci || crate_type == \"bin\"", &g), Ok(false));
        assert!(evaluate("missing == \"x\"", &g).is_err());
        assert!(evaluate("license", &g).is_err(), "not a boolean");
        // A runaway expression stops at the bound.
        let long = format!("{}true", "!".repeat(100_000));
        assert!(evaluate(&long, &g).is_err());
    }
}
