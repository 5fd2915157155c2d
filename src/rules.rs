//! Rules as data: packs of TOML rule declarations, the built-in packs embedded in the
//! binary, and the loaded, configured [`RuleSet`].

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::error::ConfigError;
use crate::finding::{RuleIdx, Severity};

/// The built-in packs, embedded so the tool runs with zero configuration.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("rules/core.toml", include_str!("../rules/core.toml")),
    (
        "rules/required-files.toml",
        include_str!("../rules/required-files.toml"),
    ),
    (
        "rules/dockerignore.toml",
        include_str!("../rules/dockerignore.toml"),
    ),
    ("rules/pinning.toml", include_str!("../rules/pinning.toml")),
    ("rules/secrets.toml", include_str!("../rules/secrets.toml")),
    (
        "rules/template.toml",
        include_str!("../rules/template.toml"),
    ),
];

pub use crate::error::Origin;

/// Per-rule settings from the configuration file, overlaid on the pack's declaration.
#[derive(Debug, Clone)]
pub struct RuleOverride {
    pub origin: Origin,
    /// The table key the settings came from (a rule id or a family prefix).
    pub key: String,
    pub params: toml::Table,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub family: String,
    pub kind: String,
    /// Severity declared by the pack.
    pub default_severity: Severity,
    /// Effective severity after configuration; `None` when turned `off`.
    pub severity: Option<Severity>,
    /// Whether the configuration turned this rule's severity (so it overrides the check's choice).
    pub severity_configured: bool,
    /// Selected by `select`/`ignore`.
    pub selected: bool,
    pub title: String,
    pub help: String,
    pub help_uri: Option<String>,
    pub tags: Vec<String>,
    /// How often the rule's findings are right: `very-high`, `high`, `medium` or `low`.
    pub precision: Precision,
    /// GitHub code scanning's 0.1–10 score, for rules tagged `security`.
    pub security_severity: Option<f32>,
    pub params: toml::Table,
    pub origin: Origin,
    pub overrides: Vec<RuleOverride>,
    /// Declared by a built-in pack (whose parameters the test suite validates).
    pub builtin: bool,
}

impl Rule {
    /// Enabled: selected and not turned off.
    pub fn enabled(&self) -> bool {
        self.selected && self.severity.is_some()
    }

    /// The pack's parameters with the configuration's overlaid (more specific keys last).
    pub fn merged_params(&self) -> toml::Table {
        let mut params = self.params.clone();
        for o in &self.overrides {
            for (k, v) in &o.params {
                params.insert(k.clone(), v.clone());
            }
        }
        params
    }

    /// First paragraph of the help text, on one line.
    pub fn help_summary(&self) -> String {
        self.help
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    #[serde(default)]
    rule: Vec<Spanned<RuleDecl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDecl {
    id: String,
    kind: String,
    severity: Severity,
    title: String,
    help: String,
    #[serde(default)]
    help_uri: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    precision: Precision,
    #[serde(default)]
    security_severity: Option<f32>,
    #[serde(default)]
    params: toml::Table,
}

/// How often a rule's findings are right (SARIF `precision`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    #[default]
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// Whether `id` is a well-formed rule id `<family>/<name>` (lowercase kebab-case parts).
pub fn valid_rule_id(id: &str) -> bool {
    let part = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    matches!(id.split_once('/'), Some((f, n)) if part(f) && part(n))
}

/// All loaded rules, in declaration order (built-in packs first).
#[derive(Debug, Default, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, RuleIdx>,
}

impl RuleSet {
    /// The built-in packs only.
    pub fn builtin() -> Result<RuleSet, ConfigError> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN_PACKS {
            set.add_pack(name, text)?;
        }
        for rule in &mut set.rules {
            rule.builtin = true;
        }
        Ok(set)
    }

    /// Parse one pack and add its rules. `origin` names the file in errors.
    pub fn add_pack(&mut self, origin: &str, text: &str) -> Result<(), ConfigError> {
        let pack: PackFile =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(origin, text, &e))?;
        let source: std::sync::Arc<str> = text.into();
        for decl in pack.rule {
            let at = Origin::in_source(origin, &source, decl.span());
            let decl = decl.into_inner();
            if !valid_rule_id(&decl.id) {
                return Err(at
                    .at_key("id")
                    .error(format!(
                        "invalid rule id `{}`: expected `<family>/<name>` in lowercase kebab-case",
                        decl.id
                    ))
                    .key("id"));
            }
            if let Some(prev) = self.get(&decl.id) {
                return Err(at
                    .at_key("id")
                    .error(format!(
                        "rule `{}` is already declared at {}:{}",
                        decl.id,
                        prev.origin.file,
                        prev.origin.line.unwrap_or(0)
                    ))
                    .key("id"));
            }
            if decl.title.trim().is_empty() || decl.title.contains('\n') {
                return Err(at
                    .at_key("title")
                    .error("the title must be one non-empty line")
                    .key("title"));
            }
            if decl.help.trim().is_empty() {
                return Err(at
                    .at_key("help")
                    .error("the help must say how to fix the finding")
                    .key("help"));
            }
            if let Some(score) = decl.security_severity
                && !(0.1..=10.0).contains(&score)
            {
                return Err(at
                    .at_key("security_severity")
                    .error("`security_severity` must be between 0.1 and 10.0")
                    .key("security_severity"));
            }
            let family = decl.id.split('/').next().unwrap_or_default().to_owned();
            let idx = RuleIdx(self.rules.len() as u32);
            self.by_id.insert(decl.id.clone(), idx);
            self.rules.push(Rule {
                id: decl.id,
                family,
                kind: decl.kind,
                default_severity: decl.severity,
                severity: Some(decl.severity),
                severity_configured: false,
                selected: true,
                title: decl.title.trim().to_owned(),
                help: decl.help.trim().to_owned(),
                help_uri: decl.help_uri,
                tags: decl.tags,
                precision: decl.precision,
                security_severity: decl.security_severity,
                params: decl.params,
                origin: at,
                overrides: Vec::new(),
                builtin: false,
            });
        }
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = (RuleIdx, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .map(|(i, r)| (RuleIdx(i as u32), r))
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self[i])
    }

    /// The same rules with every rule of these kinds turned off (rules a pack re-declares
    /// under its own id included).
    pub fn without_kinds(&self, kinds: &[&str]) -> RuleSet {
        let mut set = self.clone();
        for r in &mut set.rules {
            if kinds.contains(&r.kind.as_str()) {
                r.severity = None;
            }
        }
        set
    }

    pub fn index_of(&self, id: &str) -> Option<RuleIdx> {
        self.by_id.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Rules whose id is `selector` or starts with `selector/`.
    pub fn matching<'a>(&'a self, selector: &'a str) -> impl Iterator<Item = RuleIdx> + 'a {
        self.iter()
            .filter(move |(_, r)| selector_matches(selector, &r.id))
            .map(|(i, _)| i)
    }

    pub(crate) fn rule_mut(&mut self, idx: RuleIdx) -> &mut Rule {
        &mut self.rules[idx.0 as usize]
    }
}

impl std::ops::Index<RuleIdx> for RuleSet {
    type Output = Rule;
    fn index(&self, idx: RuleIdx) -> &Rule {
        &self.rules[idx.0 as usize]
    }
}

/// `selector` names the rule itself or a prefix ending at a `/` boundary (a family).
pub fn selector_matches(selector: &str, id: &str) -> bool {
    let selector = selector.trim_end_matches('/');
    id == selector || (id.starts_with(selector) && id.as_bytes().get(selector.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_packs_load() {
        let set = RuleSet::builtin().expect("built-in packs are valid");
        assert!(set.get("required-files/readme").is_some());
        for (_, r) in set.iter() {
            assert!(valid_rule_id(&r.id), "{}", r.id);
        }
    }

    #[test]
    fn selectors_match_at_boundaries() {
        assert!(selector_matches("required-files", "required-files/readme"));
        assert!(selector_matches("required-files/", "required-files/readme"));
        assert!(selector_matches(
            "required-files/readme",
            "required-files/readme"
        ));
        assert!(!selector_matches("required", "required-files/readme"));
        assert!(!selector_matches(
            "required-files/read",
            "required-files/readme"
        ));
    }

    #[test]
    fn rule_ids_are_validated() {
        assert!(valid_rule_id("secrets/aws-access-key-id"));
        assert!(!valid_rule_id("secrets"));
        assert!(!valid_rule_id("Secrets/x"));
        assert!(!valid_rule_id("a/b/c"));
        assert!(!valid_rule_id("a/-b"));
    }

    #[test]
    fn pack_errors_name_file_line_and_key() {
        let mut set = RuleSet::default();
        let text = "[[rule]]\nid = \"x/y\"\nkind = \"file-absent\"\nseverity = \"fatal\"\ntitle = \"t\"\nhelp = \"h\"\n";
        let err = set.add_pack("p.toml", text).unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("fatal"), "{err}");

        let text = "[[rule]]\nid = \"x/y\"\nkinds = \"file-absent\"\n";
        let err = set.add_pack("p.toml", text).unwrap_err();
        assert!(err.message.contains("unknown field `kinds`"), "{err}");
        assert_eq!(err.line, Some(3), "{err}");
    }
}
