//! `--format json`: version 1 of the JSON report. Fields are only ever added.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::finding::{RenderedFrom, Severity};
use crate::walk::Diagnostic;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    root: &'a str,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
    files_scanned: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    severity: Severity,
    message: &'a str,
    path: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    fingerprint: &'a str,
    help_uri: Option<&'a str>,
    /// Only on findings a baseline accepted (`verify --baseline`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    suppressed: bool,
    /// Found in the render of a template unit: the profile and the generated file.
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered: Option<&'a RenderedFrom>,
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let o = report.outcome;
    let findings = o
        .findings
        .iter()
        .map(|f| {
            let rule = &report.rules[f.rule];
            let r = f.location.region;
            JsonFinding {
                rule_id: &rule.id,
                severity: f.severity,
                message: &f.message,
                path: f.location.path.as_deref(),
                line: r.map(|r| r.start_line),
                column: r.map(|r| r.start_col),
                end_line: r.map(|r| r.end_line),
                end_column: r.map(|r| r.end_col),
                fingerprint: &f.fingerprint,
                help_uri: rule.help_uri.as_deref(),
                suppressed: f.suppressed,
                rendered: f.rendered.as_deref(),
            }
        })
        .collect();
    let doc = JsonReport {
        version: 1,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        root: &o.root,
        summary: Summary {
            errors: o.count(Severity::Error),
            warnings: o.count(Severity::Warning),
            notes: o.count(Severity::Note),
            files_scanned: o.files_scanned,
        },
        findings,
        diagnostics: &o.diagnostics,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
