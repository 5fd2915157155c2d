//! `.template-config.yaml`: the manifest of a template with no engine (a GitHub template
//! repository), and optional metadata for a unit of any engine in the same folder.
//!
//! ```yaml
//! name: service-template
//! version: 2.4.0-security.1      # semver
//! channel: security              # stable | security | alpha
//! placeholder: "__{name}__"      # `{name}` stands for each variable's name
//! variables:
//!   - name: SERVICE_NAME
//!     description: The service's name, in kebab-case.
//!     default: my-service
//!     pattern: "^[a-z][a-z0-9-]*$"
//! exclude: [docs/adr/**]
//! ```
//!
//! `placeholder` is how a variable is written in the template's files and paths, with
//! `{name}` standing for the variable's name exactly as declared: `__{name}__` makes
//! `__SERVICE_NAME__`, `{{ {name} }}` makes `{{ SERVICE_NAME }}`. It must hold `{name}`;
//! without it the placeholder is `{{ {name} }}`. `exclude` globs (relative to the file's
//! folder) are left out of the generated project.
//!
//! A version's channel shows in its pre-release: a `stable` version has none, a
//! `security` release is `X.Y.Z-security…`, an `alpha` is `X.Y.Z-alpha.YYYYMMDD`.

use schemars::JsonSchema;
use serde::Deserialize;

/// The placeholder of a plain unit whose `.template-config.yaml` names none.
pub const DEFAULT_PLACEHOLDER: &str = "{{ {name} }}";

/// `.template-config.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "template-validator .template-config.yaml",
    description = "A template's metadata and, for a template with no engine, its variables."
)]
pub struct TemplateConfig {
    /// The template's name.
    pub name: Option<String>,
    /// The template's version: semantic versioning (`MAJOR.MINOR.PATCH[-PRE][+BUILD]`).
    #[schemars(regex(
        pattern = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
    ))]
    pub version: Option<String>,
    /// The release channel; it must agree with the version's pre-release.
    pub channel: Option<Channel>,
    /// How a variable is written in files and paths; `{name}` stands for the variable's
    /// name (`__{name}__`, `{{ {name} }}`). Default: `{{ {name} }}`.
    #[schemars(regex(pattern = r"\{name\}"))]
    pub placeholder: Option<String>,
    /// The variables a user gives when creating a project.
    #[serde(default)]
    pub variables: Vec<VariableDecl>,
    /// Gitignore-style globs, relative to this file's folder, left out of the generated
    /// project.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// One variable of `.template-config.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    pub name: String,
    pub description: Option<String>,
    /// The value used when none is given.
    pub default: Option<serde_json::Value>,
    /// A regular expression every value must match.
    pub pattern: Option<String>,
}

/// A release channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A release with no pre-release part: `X.Y.Z`.
    Stable,
    /// A security fix: `X.Y.Z-security…`.
    Security,
    /// A preview: `X.Y.Z-alpha.YYYYMMDD`.
    Alpha,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Stable => "stable",
            Channel::Security => "security",
            Channel::Alpha => "alpha",
        }
    }
}

/// What is wrong with `version` (not semver, or not of `channel`), if anything.
pub fn version_problem(version: &str, channel: Option<Channel>) -> Option<String> {
    let v = match semver::Version::parse(version) {
        Ok(v) => v,
        Err(e) => {
            return Some(format!(
                "`{version}` is not a semantic version (MAJOR.MINOR.PATCH): {e}"
            ));
        }
    };
    let pre = v.pre.as_str();
    let fits = match channel? {
        Channel::Stable => pre.is_empty(),
        Channel::Security => pre.starts_with("security"),
        Channel::Alpha => pre
            .strip_prefix("alpha.")
            .is_some_and(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit())),
    };
    let want = match channel? {
        Channel::Stable => "no pre-release (`X.Y.Z`)",
        Channel::Security => "`X.Y.Z-security…`",
        Channel::Alpha => "`X.Y.Z-alpha.YYYYMMDD`",
    };
    (!fits).then(|| {
        format!(
            "`{version}` is not a {} version: expected {want}",
            channel.map_or("", Channel::name)
        )
    })
}

/// Parse `.template-config.yaml`. An error names the line and, where it can tell, the
/// key.
pub fn parse(text: &str) -> Result<TemplateConfig, ParseError> {
    if text.trim().is_empty() {
        return Ok(TemplateConfig::default());
    }
    // The bounded parser first: an alias bomb or a deep nesting stops there.
    crate::parse::yaml::parse(text).map_err(|e| ParseError {
        line: e.line,
        key: None,
        message: format!("not valid YAML: {}", e.message),
    })?;
    serde_saphyr::from_str::<TemplateConfig>(text).map_err(|e| {
        let line = e.location().map(|l| l.line() as u32).filter(|&l| l > 0);
        let message = e.to_string();
        let message = message.lines().next().unwrap_or_default().trim();
        let message = strip_position(message).to_owned();
        ParseError {
            line,
            key: line.and_then(|l| key_on_line(text, l)),
            message,
        }
    })
}

/// The message without the `error: line N column M: ` the parser puts before it (the
/// diagnostic names the line itself).
fn strip_position(message: &str) -> &str {
    let m = message.strip_prefix("error: ").unwrap_or(message);
    match m.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((pos, rest))
            if pos
                .split(' ')
                .all(|w| w == "column" || w.bytes().all(|b| b.is_ascii_digit())) =>
        {
            rest
        }
        _ => m,
    }
}

/// An error in `.template-config.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: Option<u32>,
    pub key: Option<String>,
    pub message: String,
}

/// The key of a `key: value` line (`- key: value` in a list).
fn key_on_line(text: &str, line: u32) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)? as usize)?;
    let (key, _) = l.split_once(':')?;
    let key = key
        .trim()
        .trim_start_matches("- ")
        .trim()
        .trim_matches(['"', '\'']);
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    simple.then(|| key.to_owned())
}

/// The JSON Schema of `.template-config.yaml` (draft-07, like the other schemas).
pub fn schema() -> serde_json::Value {
    let schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<TemplateConfig>();
    let mut value = schema.to_value();
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "$id".to_owned(),
            "https://github.com/template-validator/template-validator/schemas/template-config.schema.json".into(),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_agree_with_their_channel() {
        assert_eq!(version_problem("1.2.3", Some(Channel::Stable)), None);
        assert_eq!(version_problem("1.2.3", None), None);
        assert_eq!(
            version_problem("1.2.3-security.2", Some(Channel::Security)),
            None
        );
        assert_eq!(
            version_problem("1.2.3-alpha.20260101", Some(Channel::Alpha)),
            None
        );
        assert!(version_problem("1.2", None).is_some());
        assert!(version_problem("v1.2.3", Some(Channel::Stable)).is_some());
        assert!(version_problem("1.2.3-alpha.1", Some(Channel::Alpha)).is_some());
        assert!(version_problem("1.2.3-rc.1", Some(Channel::Stable)).is_some());
        assert!(version_problem("1.2.3", Some(Channel::Security)).is_some());
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_line_and_key() {
        let e = parse("name: x\ncolour: red\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e:?}");
        assert_eq!(e.key.as_deref(), Some("colour"), "{e:?}");
        let e = parse("name: x\nvariables:\n  - name: a\n    defualt: 1\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e:?}");
        assert_eq!(e.key.as_deref(), Some("defualt"), "{e:?}");
        let e = parse("channel: beta\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("channel"), "{e:?}");
        let e = parse("exclude: {a: 1}\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("exclude"), "{e:?}");
        assert_eq!(parse("").unwrap(), TemplateConfig::default());
    }
}
