//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning, as its upload expects: one run,
//! a `rules[]` entry for every rule with a result, relative locations under `%SRCROOT%`,
//! and a stable partial fingerprint. Serialize-only model of the parts we write.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::finding::{Finding, RenderedFrom, RuleIdx, Severity};
use crate::rules::Rule;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/template-validator/template-validator";
/// Our key in `partialFingerprints`; GitHub computes its own `primaryLocationLineHash`.
pub const FINGERPRINT_KEY: &str = "templateValidator/v2";
/// Help texts and descriptions are cut to what code scanning accepts.
const MAX_DESCRIPTION: usize = 1024;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails>,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    /// With a baseline: `unchanged` for accepted findings, `new` for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    /// `rendered`: found in the render of a template unit (profile and generated file).
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
struct ResultProperties {
    rendered: RenderedFrom,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Rules tagged `security` carry GitHub's `security-severity`: the pack's
/// `security_severity`, else one derived from the level.
fn security_severity(rule: &Rule) -> Option<f32> {
    if !rule.tags.iter().any(|t| t == "security") {
        return None;
    }
    rule.security_severity
        .or(Some(match rule.severity.unwrap_or(rule.default_severity) {
            Severity::Error => 8.0,
            Severity::Warning => 5.5,
            Severity::Note => 2.0,
        }))
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// `required-files/security-contact` → `RequiredFilesSecurityContact`.
fn pascal_name(id: &str) -> String {
    id.split(['/', '-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn descriptor(rule: &Rule) -> ReportingDescriptor<'_> {
    let security = security_severity(rule);
    let mut tags = rule.tags.clone();
    tags.truncate(20);
    let severity = rule.severity.unwrap_or(rule.default_severity);
    ReportingDescriptor {
        id: &rule.id,
        name: pascal_name(&rule.id),
        short_description: Text {
            text: truncate(&rule.title, MAX_DESCRIPTION),
        },
        full_description: Text {
            text: truncate(&rule.help_summary(), MAX_DESCRIPTION),
        },
        help: Help {
            text: rule.help.clone(),
            markdown: rule.help.clone(),
        },
        help_uri: rule.help_uri.as_deref(),
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties {
            tags,
            precision: rule.precision.as_str(),
            problem_severity: match severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "recommendation",
            },
            security_severity: security.map(|s| format!("{s:.1}")),
        },
    }
}

fn location(f: &Finding, anchor: Option<&str>, prefix: &str) -> Location {
    let (uri, region) = match (&f.location.path, f.location.region) {
        (Some(path), Some(r)) => (
            path.clone(),
            Some(Region {
                start_line: r.start_line,
                start_column: Some(r.start_col),
                end_line: Some(r.end_line),
                end_column: Some(r.end_col),
            }),
        ),
        (Some(path), None) => (path.clone(), None),
        // Code scanning needs a file: a finding about the repository as a whole is
        // anchored to the first line of an existing file.
        (None, _) => (
            anchor.unwrap_or(".").to_owned(),
            Some(Region {
                start_line: 1,
                start_column: None,
                end_line: None,
                end_column: None,
            }),
        ),
    };
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: percent_encode_path(&format!("{prefix}{uri}")),
                uri_base_id: Some("%SRCROOT%"),
            },
            region,
        },
    }
}

/// Relative URI references: keep `/`, encode what a URI cannot hold.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        // `:` is encoded too, so that `a:b.md` cannot read as a URI with scheme `a`.
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Options only SARIF has.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// `runAutomationDetails.id` category, so several runs can be uploaded side by side.
    pub category: Option<String>,
    /// Absolute `file://` URI of the scanned root, for `%SRCROOT%`.
    pub root_uri: Option<String>,
}

pub fn write(report: &Report<'_>, options: &SarifOptions, out: &mut dyn Write) -> io::Result<()> {
    let o = report.outcome;
    // Code scanning reads a location's URI from the repository root: when the scanned
    // folder is a subfolder of the repository, URIs start with its path and %SRCROOT% is
    // the repository root.
    let encoded = percent_encode_path(&report.repo_prefix);
    let (root_uri, prefix) = match &options.root_uri {
        Some(uri) if !encoded.is_empty() && uri.ends_with(&encoded) => (
            Some(uri[..uri.len() - encoded.len()].to_owned()),
            report.repo_prefix.as_str(),
        ),
        other => (other.clone(), ""),
    };
    let mut rule_index: BTreeMap<RuleIdx, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for f in &o.findings {
        let rule = &report.rules[f.rule];
        let index = *rule_index.entry(f.rule).or_insert_with(|| {
            rules.push(descriptor(rule));
            rules.len() - 1
        });
        results.push(SarifResult {
            rule_id: rule.id.clone(),
            rule_index: index,
            level: level(f.severity),
            message: Text {
                text: f.message.clone(),
            },
            locations: vec![location(f, o.anchor.as_deref(), prefix)],
            partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.clone())]),
            properties: f.rendered.as_deref().map(|r| ResultProperties {
                rendered: r.clone(),
            }),
            baseline_state: o
                .baselined
                .then_some(if f.suppressed { "unchanged" } else { "new" }),
            suppressions: if f.suppressed {
                vec![Suppression {
                    kind: "external",
                    justification: "accepted in the baseline",
                }]
            } else {
                Vec::new()
            },
        });
    }
    let base = ArtifactLocation {
        uri: root_uri.unwrap_or_else(|| "./".to_owned()),
        uri_base_id: None,
    };
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: env!("CARGO_PKG_NAME"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            automation_details: options.category.as_ref().map(|c| AutomationDetails {
                id: if c.ends_with('/') {
                    c.clone()
                } else {
                    format!("{c}/")
                },
            }),
            original_uri_base_ids: BTreeMap::from([("%SRCROOT%", base)]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// `file:///abs/path/` for a folder.
pub fn folder_uri(path: &std::path::Path) -> Option<String> {
    let abs = path.canonicalize().ok()?;
    let s = abs.to_str()?.replace('\\', "/");
    let s = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    Some(format!(
        "file://{}/",
        percent_encode_path(s.trim_end_matches('/'))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            pascal_name("required-files/security-contact"),
            "RequiredFilesSecurityContact"
        );
        assert_eq!(
            percent_encode_path("{{a}}/b c.md"),
            "%7B%7Ba%7D%7D/b%20c.md"
        );
        assert_eq!(truncate("abcdef", 5), "ab...");
    }
}
