//! Reporters: turn an [`Outcome`] into bytes. Reporters never analyse; they only format
//! what the checks found (already redacted).

use std::io::{self, Write};

use crate::engine::Outcome;
use crate::rules::RuleSet;

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style diagnostics with the source line.
    Human,
    /// Versioned JSON (see README).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (pull-request annotations).
    Github,
}

/// Everything a reporter may use.
pub struct Report<'a> {
    pub rules: &'a RuleSet,
    pub outcome: &'a Outcome,
    pub strict: bool,
    /// Leave out the closing summary (human format).
    pub quiet: bool,
    pub sarif: sarif::SarifOptions,
    /// Where the scanned folder sits in its repository (`templates/python/`, or empty):
    /// GitHub resolves annotation paths from the repository root, so workflow commands and
    /// Check Run annotations put this before a finding's path. See
    /// [`github::repository_prefix`].
    pub repo_prefix: String,
}

pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, &report.sarif, out),
        Format::Github => github::write(report, out),
    }
}
