//! GitLab CI variables: the values a job's `image:` and `services:` get from `variables:`
//! (the job's own, those of the jobs it `extends:`, then the top-level ones unless
//! `inherit: variables:` says otherwise). A variable set nowhere in the file (CI/CD
//! settings, a trigger, the predefined `$CI_*`) stays unknown.

use super::vars::Def;
use crate::parse::yaml::Node;

/// `extends:` chains are followed this deep at most (GitLab allows eleven levels).
const MAX_EXTENDS: usize = 11;

/// The `variables:` maps visible to one job, the first one that sets a name wins.
pub(super) struct Scope<'n> {
    text: &'n str,
    /// The job's own `variables:` and those of the jobs it extends, with where they are.
    layers: Vec<(&'n Node, String)>,
    /// The top-level `variables:`.
    globals: Option<&'n Node>,
    /// `inherit: variables:` of the job: `None` inherits every top-level variable.
    inherited: Option<Vec<&'n str>>,
}

impl<'n> Scope<'n> {
    /// The top-level `variables:` of the pipeline (what `default:` and global `image:` see).
    pub fn global(text: &'n str, doc: &'n Node) -> Scope<'n> {
        Scope {
            text,
            layers: Vec::new(),
            globals: doc.get("variables"),
            inherited: None,
        }
    }

    /// The variables the job `name` sees.
    pub fn job(text: &'n str, doc: &'n Node, name: &'n str, job: &'n Node) -> Scope<'n> {
        // `parallel: matrix:` runs the job once per combination; the first value of each
        // variable stands for them all (one finding per place).
        let matrix = job.get("parallel").and_then(|p| p.get("matrix"));
        let mut layers: Vec<(&Node, String)> = matrix
            .into_iter()
            .flat_map(|m| m.items())
            .map(|entry| (entry, format!("in the `parallel: matrix:` of `{name}`")))
            .collect();
        own_and_extended(doc, name, job, 0, &mut Vec::new(), &mut layers);
        let inherited = match job.get("inherit").and_then(|i| i.get("variables")) {
            Some(v) if v.str() == Some("false") => Some(Vec::new()),
            Some(v) if v.as_seq().is_some() => Some(v.items().filter_map(Node::str).collect()),
            _ => None,
        };
        Scope {
            text,
            layers,
            globals: doc.get("variables"),
            inherited,
        }
    }

    /// The value the file gives `var`, and where.
    pub fn lookup(&self, var: &str) -> Option<Def> {
        let inherits = self
            .inherited
            .as_ref()
            .is_none_or(|names| names.contains(&var));
        let globals = self.globals.filter(|_| inherits);
        self.layers
            .iter()
            .map(|(vars, origin)| (*vars, origin.as_str()))
            .chain(globals.map(|g| (g, "in the top-level `variables:`")))
            .find_map(|(vars, origin)| {
                let value = vars.get(var)?;
                // `VAR: {value: "…", description: "…"}` (a variable offered when a
                // pipeline is run by hand) defaults to its `value`.
                let value = value.get("value").unwrap_or(value);
                let value = value.items().next().unwrap_or(value);
                let (written, _) = super::yaml_files::val(self.text, value)?;
                Some(Def {
                    value: written.to_owned(),
                    origin: origin.to_owned(),
                })
            })
    }
}

/// The job's own `variables:`, then those of the jobs it extends (the last one named
/// first: it overrides the ones before it). Each job is visited once, so a cycle or a
/// diamond of `extends:` ends.
fn own_and_extended<'n>(
    doc: &'n Node,
    name: &'n str,
    job: &'n Node,
    depth: usize,
    seen: &mut Vec<&'n str>,
    layers: &mut Vec<(&'n Node, String)>,
) {
    if depth > MAX_EXTENDS || seen.contains(&name) {
        return;
    }
    seen.push(name);
    if let Some(v) = job.get("variables") {
        layers.push((v, format!("in the `variables:` of `{name}`")));
    }
    let Some(extends) = job.get("extends") else {
        return;
    };
    let parents: Vec<&str> = match extends.str() {
        Some(one) => vec![one],
        None => extends.items().filter_map(Node::str).collect(),
    };
    for parent in parents.into_iter().rev() {
        if let Some(p) = doc.get(parent) {
            own_and_extended(doc, parent, p, depth + 1, seen, layers);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    const PIPELINE: &str = "\
variables:
  IMAGE: python:3.12
  TAG: \"1.0\"
  OFFERED: {value: \"node:22\", description: the Node image}
.base:
  variables:
    IMAGE: python:3.11
job:
  extends: .base
  variables:
    TAG: \"2.0\"
isolated:
  inherit:
    variables: [TAG]
cycle-a:
  extends: [cycle-b, cycle-b]
cycle-b:
  extends: cycle-a
  variables:
    TAG: \"3.0\"
matrix:
  parallel:
    matrix:
      - TAG: [\"3.11\", \"3.12\"]
";

    fn lookup(job: Option<&str>, var: &str) -> Option<String> {
        let docs = yaml::parse(PIPELINE).unwrap();
        let doc = &docs[0];
        let scope = match job {
            Some(name) => Scope::job(PIPELINE, doc, name, doc.get(name).unwrap()),
            None => Scope::global(PIPELINE, doc),
        };
        scope.lookup(var).map(|d| d.value)
    }

    #[test]
    fn jobs_override_what_they_extend_and_the_top_level() {
        assert_eq!(lookup(None, "IMAGE").as_deref(), Some("python:3.12"));
        assert_eq!(lookup(Some("job"), "IMAGE").as_deref(), Some("python:3.11"));
        assert_eq!(lookup(Some("job"), "TAG").as_deref(), Some("2.0"));
        assert_eq!(lookup(None, "OFFERED").as_deref(), Some("node:22"));
        assert_eq!(lookup(None, "UNSET"), None);
        assert_eq!(lookup(Some("matrix"), "TAG").as_deref(), Some("3.11"));
        assert_eq!(lookup(Some("cycle-a"), "TAG").as_deref(), Some("3.0"));
    }

    #[test]
    fn inherit_limits_the_top_level_variables() {
        assert_eq!(lookup(Some("isolated"), "IMAGE"), None);
        assert_eq!(lookup(Some("isolated"), "TAG").as_deref(), Some("1.0"));
    }
}
