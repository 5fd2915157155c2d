//! Findings: what a check reports, where, and how it is identified across runs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::source::SourceFile;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parse a severity name; `Ok(None)` for `off`.
    pub fn parse_level(s: &str) -> Result<Option<Severity>, String> {
        match s {
            "error" => Ok(Some(Severity::Error)),
            "warning" => Ok(Some(Severity::Warning)),
            "note" => Ok(Some(Severity::Note)),
            "off" => Ok(None),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning, note or off)"
            )),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Index of a rule in the loaded [`crate::rules::RuleSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleIdx(pub u32);

/// A 1-based line/column region. Columns count Unicode scalar values; `end_col` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Region {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

/// Where a finding is: a repository-relative path (`/` separators), or the
/// repository as a whole (`path == None`), optionally narrowed to a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: Option<String>,
    pub region: Option<Region>,
}

/// The source line a finding points at, already redacted where the check asked for it,
/// so that no reporter can print more than the check decided to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Text of the first line of the region, without its line terminator.
    pub text: String,
    /// Byte range inside `text` to underline.
    pub highlight: std::ops::Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: RuleIdx,
    /// Effective severity; filled in by the engine from the rule and the configuration
    /// unless the check chose one for this finding.
    pub severity: Severity,
    pub(crate) severity_from_check: bool,
    pub message: String,
    pub location: Location,
    pub snippet: Option<Snippet>,
    /// Stable identity across runs; filled in by the engine.
    pub fingerprint: String,
    /// Accepted by a baseline: still reported (SARIF keeps it as suppressed), but it leaves
    /// the counts and the exit code.
    pub suppressed: bool,
    /// What identifies this finding besides rule and path (e.g. the trimmed source line);
    /// unrelated lines moving must not change it.
    pub(crate) fingerprint_key: String,
}

impl Finding {
    fn new(rule: RuleIdx, message: String, location: Location) -> Self {
        Finding {
            rule,
            severity: Severity::Error,
            severity_from_check: false,
            message,
            location,
            snippet: None,
            fingerprint: String::new(),
            suppressed: false,
            fingerprint_key: String::new(),
        }
    }

    /// A finding about the repository as a whole, e.g. a required file that is missing.
    pub fn repository(rule: RuleIdx, message: impl Into<String>) -> Self {
        Finding::new(
            rule,
            message.into(),
            Location {
                path: None,
                region: None,
            },
        )
    }

    /// A finding about a whole file.
    pub fn file(rule: RuleIdx, path: &str, message: impl Into<String>) -> Self {
        Finding::new(
            rule,
            message.into(),
            Location {
                path: Some(path.to_owned()),
                region: None,
            },
        )
    }

    /// A finding at a byte range of a file's text. The line and columns come from the
    /// file's line table; the snippet is the first line of the range.
    pub fn span(
        rule: RuleIdx,
        file: &SourceFile,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let region = file.region(range.clone());
        let line_range = file.line_range(region.start_line);
        let text = &file.text()[line_range.clone()];
        let hl_start = range.start.saturating_sub(line_range.start).min(text.len());
        let hl_end = range
            .end
            .saturating_sub(line_range.start)
            .clamp(hl_start, text.len());
        let mut f = Finding::new(
            rule,
            message.into(),
            Location {
                path: Some(file.path().to_owned()),
                region: Some(region),
            },
        );
        f.fingerprint_key = text.trim().to_owned();
        f.snippet = Some(Snippet {
            text: text.to_owned(),
            highlight: hl_start..hl_end,
        });
        f
    }

    /// Set the severity of this one finding, overriding the rule's default
    /// (a severity set in the configuration still wins).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self.severity_from_check = true;
        self
    }

    /// Extra text that distinguishes this finding from others of the same rule in the same file.
    pub fn with_fingerprint_key(mut self, key: impl Into<String>) -> Self {
        self.fingerprint_key = key.into();
        self
    }

    /// Replace the bytes `range` (relative to the snippet line) with `replacement`
    /// in the displayed snippet, e.g. to redact a secret.
    pub fn redact_snippet(mut self, range: std::ops::Range<usize>, replacement: &str) -> Self {
        if let Some(s) = &mut self.snippet
            && range.end <= s.text.len()
            && s.text.is_char_boundary(range.start)
            && s.text.is_char_boundary(range.end)
        {
            s.text.replace_range(range.clone(), replacement);
            let delta = replacement.len() as isize - range.len() as isize;
            let shift = |p: usize| {
                if p >= range.end {
                    (p as isize + delta) as usize
                } else {
                    p.min(range.start + replacement.len())
                }
            };
            s.highlight = shift(s.highlight.start)..shift(s.highlight.end);
        }
        self
    }

    /// Path (repository-level findings first), line, column. Ties are broken by rule id.
    pub fn position(&self) -> (Option<&str>, u32, u32) {
        let (line, col) = self
            .location
            .region
            .map_or((0, 0), |r| (r.start_line, r.start_col));
        (self.location.path.as_deref(), line, col)
    }
}

/// FNV-1a, 64 bit: small, stable across platforms and releases, good enough to tell
/// findings of one repository apart. Not a security boundary.
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}
