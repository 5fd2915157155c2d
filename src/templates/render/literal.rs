//! Literal replacement: devcontainer templates (`${templateOption:x}`), Helm starters
//! (`<CHARTNAME>`) and plain template repositories (the placeholder their
//! `.template-config.yaml` declares). Each declared variable's placeholder is replaced by
//! its value in every text file; binary files and `not_rendered` globs are copied, the
//! `excluded` globs and the manifest itself are left out. A placeholder of the unit's
//! syntax naming nothing declared stays as written and is reported.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::Map;

use super::tree::{Run, fnmatch, is_binary};
use super::{ProblemKind, RenderError, join};
use crate::templates::{Engine, Syntax, Unit};

/// What `{name}` may stand for in a placeholder.
const NAME: &str = r"[A-Za-z_][A-Za-z0-9_.-]*";

pub(super) fn render(
    run: &mut Run,
    unit: &Unit,
    values: &Map<String, serde_json::Value>,
) -> Result<(), RenderError> {
    let placeholder = match &unit.syntax {
        Syntax::Literal { placeholder } => placeholder.clone(),
        Syntax::Tags(_) => default_placeholder(unit.engine).to_string(),
    };
    let replacements = replacements(unit, values, &placeholder);
    let unknown = unknown_pattern(&placeholder);
    let root = unit.project_root.clone();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for rel in run.files_under(&root) {
        let source = join(&root, &rel);
        // A devcontainer's or plain repository's manifest is metadata; a Helm starter's
        // `Chart.yaml` is a file of the chart.
        let metadata = source == unit.manifest && unit.engine != Engine::HelmStarter;
        if metadata || unit.excluded.iter().any(|g| fnmatch(&rel, g)) {
            continue;
        }
        let Some(bytes) = run.read(&source) else {
            continue;
        };
        // Plain template repositories rename paths too; the other engines keep them.
        let dst = if unit.engine == Engine::Plain {
            replace_all(&rel, &replacements)
        } else {
            rel.clone()
        };
        if unit.not_rendered.iter().any(|g| fnmatch(&rel, g)) || is_binary(&bytes) {
            run.write(&dst, &source, &bytes)?;
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        let out = replace_all(&text, &replacements);
        if let Some(re) = &unknown {
            for (i, line) in out.lines().enumerate() {
                for m in re.find_iter(line) {
                    if reported.insert(format!("{source}\0{}", m.as_str())) {
                        run.problem(
                            ProblemKind::Undeclared,
                            &source,
                            u32::try_from(i + 1).ok(),
                            format!(
                                "`{}` names no declared option: it is left as written",
                                m.as_str()
                            ),
                        );
                    }
                }
            }
        }
        run.write(&dst, &source, out.as_bytes())?;
    }
    Ok(())
}

fn default_placeholder(engine: Engine) -> &'static str {
    match engine {
        Engine::Devcontainer => "${templateOption:{name}}",
        Engine::HelmStarter => "<CHARTNAME>",
        _ => "{{{name}}}",
    }
}

/// Each placeholder written out and its value, longest first (so `a.b` is replaced
/// before `a`).
fn replacements(
    unit: &Unit,
    values: &Map<String, serde_json::Value>,
    placeholder: &str,
) -> Vec<(String, String)> {
    let value_of =
        |name: &str, default: Option<&serde_json::Value>| values.get(name).or(default).map(scalar);
    let mut out: Vec<(String, String)> = if placeholder.contains("{name}") {
        unit.variables
            .iter()
            .filter_map(|v| {
                let value = value_of(&v.name, v.default.as_ref())?;
                Some((placeholder.replace("{name}", &v.name), value))
            })
            .collect()
    } else {
        // One placeholder for the one name (Helm's `<CHARTNAME>`): the first variable's
        // value, else the folder's name.
        let first = unit.variables.first();
        let value = first
            .and_then(|v| value_of(&v.name, v.default.as_ref()))
            .or_else(|| {
                unit.project_root
                    .rsplit('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        vec![(placeholder.to_string(), value)]
    };
    out.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
    out
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn replace_all(text: &str, replacements: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (from, to) in replacements {
        if !from.is_empty() && out.contains(from.as_str()) {
            out = out.replace(from.as_str(), to);
        }
    }
    out
}

/// The placeholder with any name, to find the ones left after replacement.
fn unknown_pattern(placeholder: &str) -> Option<Regex> {
    let (before, after) = placeholder.split_once("{name}")?;
    Regex::new(&format!(
        "{}{NAME}{}",
        regex::escape(before),
        regex::escape(after)
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_placeholders_are_found() {
        let re = unknown_pattern("${templateOption:{name}}").unwrap();
        assert!(re.is_match("image: ${templateOption:imageVariant}"));
        assert!(!re.is_match("image: ${localEnv:HOME}"));
        assert!(unknown_pattern("<CHARTNAME>").is_none());
    }

    #[test]
    fn longer_names_first() {
        let r = vec![
            ("{{a.b}}".to_string(), "2".to_string()),
            ("{{a}}".to_string(), "1".to_string()),
        ];
        assert_eq!(replace_all("{{a}} {{a.b}}", &r), "1 2");
    }
}
