//! `.template-validator.toml`: the repository's configuration file, validated once.
//!
//! ```toml
//! select = ["required-files", "secrets"]      # rule ids or families; default: all
//! ignore = ["required-files/gitignore"]
//! strict = false                               # warnings fail too
//! packs = ["ci/org-rules.toml"]                # extra rule packs, relative to this file
//!                                              # (inside the repository, for its own file)
//! exclude = ["examples/", "**/*.min.js"]       # gitignore-style globs, never scanned
//!
//! [rules."required-files/code-of-conduct"]
//! severity = "off"                             # error | warning | note | off
//!
//! [rules.required-files]                       # a family prefix applies to all its rules
//! root = "{{cookiecutter.project_slug}}"       # a parameter of the rules' kind
//!
//! [[template.render]]                          # render a template unit with these answers
//! name = "with-docker"                         # too (besides its defaults)
//! unit = "cookiecutter.json"                   # its manifest or source folder
//! values = { use_docker = "y" }                # or values_file = "answers.yml"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::ConfigError;
use crate::fsread::{self, Scope};
use crate::rules::Origin;

pub const FILE_NAME: &str = ".template-validator.toml";

/// The largest configuration file or rule pack read, in bytes.
pub const MAX_SIZE: u64 = crate::fsread::DEFAULT_MAX_FILE_SIZE;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    select: Option<Spanned<Vec<Spanned<String>>>>,
    ignore: Option<Vec<Spanned<String>>>,
    strict: Option<bool>,
    packs: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<toml::Table>>,
    template: Option<RawTemplate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    #[serde(default)]
    render: Vec<Spanned<RawProfile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    unit: Option<String>,
    values: Option<toml::Table>,
    values_file: Option<Spanned<String>>,
}

/// A render profile (`[[template.render]]`): answers a template unit is rendered with, in
/// addition to its declared defaults.
#[derive(Debug, Clone)]
pub struct RenderProfile {
    pub name: String,
    /// The unit's manifest (`cookiecutter.json`) or source folder, relative to the
    /// repository root; `None`: the repository's only unit.
    pub unit: Option<String>,
    /// The answers (from `values`, or once read, from `values_file`).
    pub values: serde_json::Map<String, serde_json::Value>,
    /// `values_file`, resolved against the configuration file's folder; read by
    /// [`crate::settings`], which knows where the configuration may read from.
    pub values_file: Option<Located<PathBuf>>,
    /// The `[[template.render]]` table.
    pub origin: Origin,
}

/// The name of the profile every unit is rendered with: its declared defaults.
pub const DEFAULTS_PROFILE: &str = "defaults";

/// A value with the place it was written.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub origin: Origin,
}

/// Settings for one rule id or family prefix.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    pub key: String,
    pub origin: Origin,
    /// `Some(None)` turns the rule off.
    pub severity: Option<Option<crate::finding::Severity>>,
    pub params: toml::Table,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file this came from, if any.
    pub path: Option<PathBuf>,
    pub select: Option<Vec<Located<String>>>,
    /// Where `select` is written (for `select = []`, which has no item to point at).
    pub select_origin: Option<Origin>,
    pub ignore: Vec<Located<String>>,
    pub strict: Option<bool>,
    /// Extra packs, resolved against the configuration file's folder.
    pub packs: Vec<Located<PathBuf>>,
    pub exclude: Vec<Located<String>>,
    pub rules: Vec<RuleSettings>,
    /// Set when the file belongs to a scanned repository: its packs must stay inside it.
    pub pack_root: Option<PackRoot>,
    /// `[[template.render]]`, in the order written.
    pub render: Vec<RenderProfile>,
}

/// Where the packs of a repository's own configuration may be: inside the repository.
#[derive(Debug, Clone)]
pub struct PackRoot {
    /// The repository.
    pub root: PathBuf,
    /// The configuration file's folder, relative to `root`.
    pub dir: PathBuf,
}

impl Config {
    /// Read and parse the file at `path`, a regular file of at most [`MAX_SIZE`] bytes.
    /// With `root`, `path` is relative to it and must stay inside it (links resolved), and
    /// so must the packs the file names; without, `path` is the user's choice and may be
    /// anywhere.
    pub fn load(path: &Path, root: Option<&Path>) -> Result<Config, ConfigError> {
        let (shown, scope) = match root {
            Some(root) => (root.join(path), Scope::Root(root)),
            None => (path.to_owned(), Scope::Anywhere),
        };
        let text = fsread::read_to_string(path, scope, MAX_SIZE).map_err(|e| {
            let message = if e.is_not_found() {
                "configuration file not found".to_owned()
            } else {
                format!("not read: {e}")
            };
            ConfigError::new(shown.display().to_string(), message)
        })?;
        let mut config = Config::parse(&shown, &text)?;
        if let Some(root) = root {
            config.pack_root = Some(PackRoot {
                root: root.to_owned(),
                dir: path.parent().unwrap_or(Path::new("")).to_owned(),
            });
        }
        Ok(config)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(&display, text, &e))?;
        let source: std::sync::Arc<str> = text.into();
        let origin = |span: std::ops::Range<usize>| Origin::in_source(&display, &source, span);
        let located = |v: Option<Vec<Spanned<String>>>| -> Vec<Located<String>> {
            v.unwrap_or_default()
                .into_iter()
                .map(|s| Located {
                    origin: origin(s.span()),
                    value: s.into_inner(),
                })
                .collect()
        };
        let select_origin = raw.select.as_ref().map(|s| origin(s.span()));
        let base = path.parent().unwrap_or(Path::new("."));
        let mut rules = Vec::new();
        for (key, table) in raw.rules {
            let at = origin(table.span());
            let mut params = table.into_inner();
            let severity = match params.remove("severity") {
                None => None,
                Some(toml::Value::String(s)) => {
                    Some(crate::finding::Severity::parse_level(&s).map_err(|m| {
                        at.at_key("severity")
                            .error(m)
                            .key(format!("rules.\"{key}\".severity"))
                    })?)
                }
                Some(other) => {
                    return Err(at
                        .at_key("severity")
                        .error(format!(
                            "expected a string (error, warning, note or off), found {}",
                            other.type_str()
                        ))
                        .key(format!("rules.\"{key}\".severity")));
                }
            };
            rules.push(RuleSettings {
                key,
                origin: at,
                severity,
                params,
            });
        }
        let render = raw
            .template
            .map(|t| t.render)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let at = origin(p.span());
                render_profile(p.into_inner(), at, i, base)
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (i, p) in render.iter().enumerate() {
            if render[..i].iter().any(|q| q.name == p.name) {
                return Err(p
                    .origin
                    .at_key("name")
                    .error(format!("a second render profile named `{}`", p.name))
                    .key(format!("template.render[{i}].name")));
            }
        }
        Ok(Config {
            render,
            path: Some(path.to_owned()),
            select: raw.select.map(|v| located(Some(v.into_inner()))),
            select_origin,
            ignore: located(raw.ignore),
            strict: raw.strict,
            packs: located(raw.packs)
                .into_iter()
                .map(|l| Located {
                    value: base.join(&l.value),
                    origin: l.origin,
                })
                .collect(),
            exclude: located(raw.exclude),
            rules,
            pack_root: None,
        })
    }
}

/// Check one `[[template.render]]` table (the `i`-th).
fn render_profile(
    raw: RawProfile,
    at: Origin,
    i: usize,
    base: &Path,
) -> Result<RenderProfile, ConfigError> {
    let key = |k: &str| format!("template.render[{i}].{k}");
    let name = raw.name.trim();
    if name.is_empty() || name == DEFAULTS_PROFILE {
        return Err(at
            .at_key("name")
            .error(format!(
                "a render profile needs a name of its own (not empty, not `{DEFAULTS_PROFILE}`, the profile of the declared defaults)"
            ))
            .key(key("name")));
    }
    let values_file = raw.values_file.map(|f| Located {
        origin: at.at_key("values_file"),
        value: base.join(f.into_inner()),
    });
    let values = match (raw.values, &values_file) {
        (Some(_), Some(_)) => {
            return Err(at
                .at_key("values_file")
                .error("give the answers as `values` or as `values_file`, not both")
                .key(key("values_file")));
        }
        (None, None) => {
            return Err(at
                .error("a render profile needs `values = { … }` or `values_file = \"…\"`")
                .key(key("values")));
        }
        (Some(t), None) => match serde_json::to_value(t) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => {
                return Err(at
                    .at_key("values")
                    .error("`values` must be a table of answers")
                    .key(key("values")));
            }
        },
        (None, Some(_)) => serde_json::Map::new(),
    };
    let unit = raw.unit.map(|u| {
        u.trim()
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned()
    });
    Ok(RenderProfile {
        name: name.to_owned(),
        unit,
        values,
        values_file,
        origin: at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_keys() {
        let text = r#"
select = ["required-files"]
ignore = ["required-files/gitignore"]
strict = true
packs = ["org.toml"]
exclude = ["examples/"]

[rules."required-files/readme"]
severity = "off"

[rules.required-files]
root = "sub"
"#;
        let c = Config::parse(Path::new("cfg/.template-validator.toml"), text).unwrap();
        assert_eq!(c.select.as_ref().unwrap()[0].value, "required-files");
        assert_eq!(c.select.as_ref().unwrap()[0].origin.line, Some(2));
        assert_eq!(c.strict, Some(true));
        assert_eq!(c.packs[0].value, Path::new("cfg/org.toml"));
        assert_eq!(c.rules.len(), 2);
        let readme = c
            .rules
            .iter()
            .find(|r| r.key == "required-files/readme")
            .unwrap();
        assert_eq!(readme.severity, Some(None));
        assert_eq!(readme.origin.line, Some(8));
        let fam = c.rules.iter().find(|r| r.key == "required-files").unwrap();
        assert_eq!(fam.params["root"].as_str(), Some("sub"));
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_line() {
        let e = Config::parse(Path::new("c.toml"), "select = []\nselcet = [\"x\"]\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("selcet"), "{e}");
        let e = Config::parse(Path::new("c.toml"), "\nstrict = \"yes\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e = Config::parse(
            Path::new("c.toml"),
            "[rules.\"required-files/readme\"]\nseverity = \"fatal\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some("rules.\"required-files/readme\".severity")
        );
        assert!(e.to_string().starts_with("c.toml:"), "{e}");
    }
}
