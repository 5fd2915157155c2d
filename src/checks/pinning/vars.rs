//! Template variables and their defaults, so that a templated reference
//! (`uses: actions/checkout@{{ cookiecutter.checkout_ref }}`) can be judged by the value a
//! rendered project gets when nobody changes it.
//!
//! Read from the nearest `cookiecutter.json` above the file, or `copier.yml`/`copier.yaml`
//! at the repository root.
//!
//! Also the `$VAR` / `${VAR}` / `${VAR:-default}` references of an image value, expanded
//! from what the file itself sets ([`expand`]): compose defaults, GitLab `variables:`.

use std::collections::HashMap;
use std::ops::Range;

use super::refs::{self, RefKind, Resolved};
use super::{Cx, Detect};
use crate::static_regex;
use crate::util::{ancestor_dirs, join_path};
use crate::walk::Repo;

#[derive(Debug, Default)]
pub(crate) struct Vars {
    /// Variable name (without `cookiecutter.`) → default value.
    defaults: HashMap<String, String>,
    /// The file the defaults came from.
    pub source: Option<String>,
}

impl Vars {
    pub fn for_file(repo: &Repo, path: &str) -> Vars {
        let nearest = ancestor_dirs(path)
            .find_map(|dir| load_cookiecutter(repo, &join_path(dir, "cookiecutter.json")));
        if let Some(v) = nearest {
            return v;
        }
        for name in ["copier.yml", "copier.yaml"] {
            if let Some(v) = load_copier(repo, name) {
                return v;
            }
        }
        Vars::default()
    }

    /// The default of a template variable named as written in a tag
    /// (`cookiecutter.node_tag`, `node_tag | lower`), when it has a plain default.
    pub fn default_of(&self, expr: &str) -> Option<&str> {
        let name = expr
            .split(['|', ' ', '(', '['])
            .next()
            .unwrap_or_default()
            .trim();
        let name = name.strip_prefix("cookiecutter.").unwrap_or(name);
        let v = self.defaults.get(name)?;
        (!v.contains("{{") && !v.contains("{%")).then_some(v.as_str())
    }
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        // A choice variable defaults to its first option.
        serde_json::Value::Array(a) => a.first().and_then(scalar),
        _ => None,
    }
}

fn load_cookiecutter(repo: &Repo, path: &str) -> Option<Vars> {
    let entry = repo.file(path)?;
    let file = repo.read_for_scan(entry)?;
    let json: serde_json::Value = serde_json::from_str(file.text()).ok()?;
    let defaults = json
        .as_object()?
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
        .collect();
    Some(Vars {
        defaults,
        source: Some(path.to_owned()),
    })
}

fn load_copier(repo: &Repo, path: &str) -> Option<Vars> {
    let entry = repo.file(path)?;
    let file = repo.read_for_scan(entry)?;
    let docs = crate::parse::yaml::parse(file.text()).ok()?;
    let mut defaults = HashMap::new();
    for doc in &docs {
        for (k, v) in doc.as_map().unwrap_or_default() {
            let Some(name) = k.str() else { continue };
            if name.starts_with('_') {
                continue;
            }
            let value = match v.get("default") {
                Some(d) => d.str(),
                None => v.str(),
            };
            if let Some(value) = value {
                defaults.insert(name.to_owned(), value.to_owned());
            }
        }
    }
    Some(Vars {
        defaults,
        source: Some(path.to_owned()),
    })
}

/// A variable's value as the file sets it, and where (for messages: "in `variables:`").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Def {
    pub value: String,
    pub origin: String,
}

/// A value with its variables replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expanded {
    pub value: String,
    /// How each variable found by the lookup was replaced, for messages.
    pub how: Vec<String>,
}

/// A lookup that knows no variable: only `${VAR:-default}` defaults are used.
pub(crate) fn no_vars(_: &str) -> Option<Def> {
    None
}

static_regex!(
    /// `${VAR}`, `${VAR:-default}` (also `-`, `=`, `:=`), `$VAR`, and GitLab's
    /// `$[[ inputs.name ]]` interpolation.
    VAR = r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|\[\[\s*([^\]]*?)\s*\]\])"
);

/// GitLab's variable for the project's own container registry path.
const OWN_REGISTRY: &str = "CI_REGISTRY_IMAGE";

/// Values set from other variables are expanded this deep at most (a cycle ends here).
const MAX_DEPTH: usize = 8;
/// Variables looked up for one value at most, and the longest value built: a file that
/// nests variables into a huge value is not expanded.
const MAX_LOOKUPS: usize = 256;
const MAX_LEN: usize = 4096;

/// What one expansion has done so far.
struct Expansion<'l> {
    lookup: &'l dyn Fn(&str) -> Option<Def>,
    how: Vec<String>,
    lookups: usize,
}

/// Replace the variables of `value` with what `lookup` says they are set to (values that
/// name other variables are expanded too), else with their `${VAR:-default}` default. A
/// leading `$VAR/` registry or proxy prefix that cannot be resolved is dropped: the rest
/// still names the image and its tag. `Err(var)` when a variable without a known value
/// decides the reference.
pub(crate) fn expand(
    value: &str,
    lookup: &dyn Fn(&str) -> Option<Def>,
) -> Result<Expanded, String> {
    let mut x = Expansion {
        lookup,
        how: Vec::new(),
        lookups: 0,
    };
    let value = x.expand(value.trim(), 0)?;
    let mut how = x.how;
    how.dedup();
    Ok(Expanded { value, how })
}

impl Expansion<'_> {
    fn expand(&mut self, s: &str, depth: usize) -> Result<String, String> {
        let before = self.how.len();
        match self.substitute(s, depth) {
            Ok(v) => Ok(v),
            Err(var) => {
                self.how.truncate(before);
                match s.split_once('/') {
                    // The project's own registry: an image the pipeline builds, not a
                    // dependency (`$CI_REGISTRY_IMAGE/builder:latest`).
                    Some((first, _)) if first.trim_matches(['$', '{', '}']) == OWN_REGISTRY => {
                        Err(OWN_REGISTRY.to_owned())
                    }
                    Some((first, rest))
                        if !rest.is_empty()
                            && VAR.find(first).is_some_and(|m| m.len() == first.len()) =>
                    {
                        self.expand(rest, depth)
                    }
                    _ => Err(var),
                }
            }
        }
    }

    fn substitute(&mut self, s: &str, depth: usize) -> Result<String, String> {
        let mut out = String::new();
        let mut last = 0;
        for c in VAR.captures_iter(s) {
            let Some(m) = c.get(0) else { continue };
            out.push_str(&s[last..m.start()]);
            last = m.end();
            if let Some(input) = c.get(5) {
                return Err(input.as_str().to_owned());
            }
            let name = c.get(1).or_else(|| c.get(4)).map_or("", |m| m.as_str());
            self.lookups += 1;
            let found = (depth < MAX_DEPTH && self.lookups <= MAX_LOOKUPS)
                .then(|| (self.lookup)(name))
                .flatten();
            let set = match found {
                Some(def) => {
                    let v = self.expand(def.value.trim(), depth + 1)?;
                    if !v.is_empty() {
                        self.how.push(format!(
                            "`{name}` defaults to `{}` {}",
                            def.value.trim(),
                            def.origin
                        ));
                    }
                    Some(v)
                }
                None => None,
            };
            // `${VAR:-default}`: the default stands in for an unset or empty variable.
            match (set, c.get(2).and(c.get(3))) {
                (Some(v), Some(default)) if v.is_empty() => out.push_str(default.as_str()),
                (Some(v), _) => out.push_str(&v),
                (None, Some(default)) => out.push_str(default.as_str()),
                (None, None) => return Err(name.to_owned()),
            }
            if out.len() > MAX_LEN {
                return Err(name.to_owned());
            }
        }
        out.push_str(&s[last..]);
        Ok(out)
    }
}

/// Judge an image value whose variables `lookup` may know (GitLab `variables:`), with
/// `${VAR:-default}` defaults and registry-prefix variables
/// (`$CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX/node:22`). The message of a reference that
/// variables produced says which variable set what.
pub(crate) fn judge_image(
    cx: &mut Cx<'_>,
    value: &str,
    range: Range<usize>,
    lookup: &dyn Fn(&str) -> Option<Def>,
) {
    match expand(value, lookup) {
        Ok(e) if e.how.is_empty() => refs::report_ref(cx, RefKind::Image, &e.value, range),
        Ok(e) => report_image(cx, &e.value, range, &e.how.join(", ")),
        // The pipeline's own image (`$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA`).
        Err(var) if var.starts_with("CI_") || var.starts_with("GITHUB_") => {}
        Err(var) => cx.report(
            Detect::TemplatedReference,
            range,
            format!(
                "`{value}` is a templated image reference: `{var}` decides whether it is pinned; give it a default with a digest, or pin the image where the variable is set"
            ),
        ),
    }
}

/// Report an image reference that variables' values produced, saying how (`how`).
/// A `{{ placeholder }}` in the value is replaced by the template's default, as in
/// [`refs::report_ref`].
pub(crate) fn report_image(cx: &mut Cx<'_>, reference: &str, range: Range<usize>, how: &str) {
    let (reference, how) = match refs::resolve(cx, reference) {
        Resolved::Plain(v) => (v, how.to_owned()),
        Resolved::Defaulted { value, how: more } => (value, format!("{how}, {more}")),
        Resolved::Unresolved { .. } => {
            refs::report_ref(cx, RefKind::Image, reference, range);
            return;
        }
    };
    let Some((detect, why)) = refs::image_finding(cx, &reference) else {
        return;
    };
    cx.report(detect, range, format!("{why} ({how})"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gitlab(name: &str) -> Option<Def> {
        let value = match name {
            "PYTHON_IMAGE" => "python:3.12",
            "REGISTRY" => "registry.example.com",
            "TAG" => "1.4",
            "APP" => "$REGISTRY/app:$TAG",
            "LOOP" => "$LOOP",
            // Each level names the next ten times: 10^8 values if nothing stopped it.
            "WIDE" => "$WIDE$WIDE$WIDE$WIDE$WIDE$WIDE$WIDE$WIDE$WIDE$WIDE",
            "EMPTY" => "",
            _ => return None,
        };
        Some(Def {
            value: value.to_owned(),
            origin: "in `variables:`".to_owned(),
        })
    }

    fn value(v: &str) -> Result<String, String> {
        expand(v, &gitlab).map(|e| e.value)
    }

    #[test]
    fn variables_take_their_values() {
        assert_eq!(value("$PYTHON_IMAGE").unwrap(), "python:3.12");
        assert_eq!(value("${PYTHON_IMAGE}").unwrap(), "python:3.12");
        assert_eq!(
            value("$REGISTRY/app:$TAG").unwrap(),
            "registry.example.com/app:1.4"
        );
        assert_eq!(value("$APP").unwrap(), "registry.example.com/app:1.4");
        let e = expand("$PYTHON_IMAGE", &gitlab).unwrap();
        assert_eq!(
            e.how,
            ["`PYTHON_IMAGE` defaults to `python:3.12` in `variables:`"]
        );
    }

    #[test]
    fn unknown_variables_decide_unless_they_are_a_prefix() {
        assert_eq!(value("$UNSET").unwrap_err(), "UNSET");
        assert_eq!(value("$UNSET/node:22").unwrap(), "node:22");
        assert_eq!(value("$UNSET/app:$TAG").unwrap(), "app:1.4");
        assert_eq!(value("$UNSET/app:$OTHER").unwrap_err(), "OTHER");
        assert_eq!(value("${EMPTY:-alpine:3.20}").unwrap(), "alpine:3.20");
        // Set to nothing: it adds nothing (`:$TAG$SUFFIX`).
        assert_eq!(value("app:$TAG$EMPTY").unwrap(), "app:1.4");
        assert_eq!(value("$LOOP").unwrap_err(), "LOOP");
        assert_eq!(value("$WIDE").unwrap_err(), "WIDE");
        assert_eq!(value("$[[ inputs.image ]]").unwrap_err(), "inputs.image");
        assert_eq!(
            value("$CI_REGISTRY_IMAGE/builder:latest").unwrap_err(),
            "CI_REGISTRY_IMAGE"
        );
        assert!(expand("$UNSET/node:22", &gitlab).unwrap().how.is_empty());
    }

    #[test]
    fn nesting_that_multiplies_stops() {
        // `L0` names `L1` ten times, each `L1` names `L2` ten times, and so on.
        let levels = |name: &str| {
            let n: usize = name.strip_prefix('L')?.parse().ok()?;
            let value = if n < 7 {
                format!("$L{}", n + 1).repeat(10)
            } else {
                "x".to_owned()
            };
            Some(Def {
                value,
                origin: String::new(),
            })
        };
        assert!(expand("app:$L0", &levels).is_err());
        assert_eq!(
            expand("app:$L6", &levels).unwrap().value,
            format!("app:{}", "x".repeat(10))
        );
    }

    #[test]
    fn inline_defaults_and_prefixes() {
        let value = |v| expand(v, &no_vars).map(|e| e.value);
        assert_eq!(value("${IMG:-mariadb:11.4}").unwrap(), "mariadb:11.4");
        assert_eq!(value("$PROXY/node:22").unwrap(), "node:22");
        assert_eq!(value("${IMG}").unwrap_err(), "IMG");
        assert_eq!(value("nats:2.10").unwrap(), "nats:2.10");
    }
}
