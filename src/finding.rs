//! Findings: what a check reports, where, and how it is identified across runs.

use std::fmt;
use std::sync::Arc;

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
/// so that no reporter can print more than the check decided to show. A long line is
/// clipped to a window around the span: a finding holds a bounded amount of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Text of the window of the region's first line, without its line terminator.
    pub text: String,
    /// Byte range inside `text` to underline.
    pub highlight: std::ops::Range<usize>,
    /// Byte range of the file that `text` was cut from, before any redaction.
    pub(crate) source: std::ops::Range<usize>,
    /// Redactions applied to `text`, so that a later redaction of the same bytes is not
    /// applied twice.
    pub(crate) redacted: bool,
}

/// Bytes of context a snippet keeps either side of its span, and the most of the span itself.
const SNIPPET_CONTEXT: usize = 120;
const SNIPPET_SPAN: usize = 400;

/// A secret detected in a file: what every finding on its bytes or its line must hide.
#[derive(Debug, Clone)]
pub(crate) struct SecretMark {
    /// Bytes of the file redacted (the whole value, e.g. a key to its closing quote).
    pub extent: std::ops::Range<usize>,
    /// What is shown instead.
    pub shown: String,
    /// The value as the detector matched it, to hide it in other findings' messages.
    pub raw: String,
    /// Lines the secret spans.
    pub lines: std::ops::RangeInclusive<u32>,
    /// The fingerprint key of a finding on those lines: the redacted, trimmed line.
    pub line_key: Arc<str>,
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
    /// What identifies this finding besides rule and path (e.g. the trimmed source line,
    /// shared by the findings of one line); unrelated lines moving must not change it.
    pub(crate) fingerprint_key: Arc<str>,
    /// Set on a `secrets` finding until the engine has hidden the secret in every other
    /// finding of its file; never reported.
    pub(crate) secret: Option<Box<SecretMark>>,
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
            fingerprint_key: Arc::from(""),
            secret: None,
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
    /// file's line table; the snippet is a window of the first line of the range.
    pub fn span(
        rule: RuleIdx,
        file: &SourceFile,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let region = file.region(range.clone());
        let line = file.line_range(region.start_line);
        let start = range.start.clamp(line.start, line.end);
        let end = range.end.clamp(start, line.end);
        let window = clip(file.text(), line, start..end);
        let mut f = Finding::new(
            rule,
            message.into(),
            Location {
                path: Some(file.path().to_owned()),
                region: Some(region),
            },
        );
        f.fingerprint_key = file.line_key(region.start_line);
        f.snippet = Some(Snippet::cut(file.text(), window, start..end));
        f
    }

    /// Show exactly `window` (bytes of the finding's line) as the snippet, e.g. only the
    /// comment a finding is about.
    pub fn with_snippet_window(
        mut self,
        file: &SourceFile,
        window: std::ops::Range<usize>,
    ) -> Self {
        if let Some(s) = &self.snippet
            && file.text().is_char_boundary(window.start)
            && file.text().is_char_boundary(window.end)
        {
            let hl = (s.source.start + s.highlight.start).clamp(window.start, window.end)
                ..(s.source.start + s.highlight.end).clamp(window.start, window.end);
            self.snippet = Some(Snippet::cut(file.text(), window, hl));
        }
        self
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
        self.fingerprint_key = Arc::from(key.into());
        self
    }

    /// Replace the file bytes `range` with `replacement` wherever the snippet shows them
    /// (in part or whole), e.g. to redact a secret. Only the first redaction pass of a
    /// snippet applies: offsets are those of the file before any redaction.
    pub(crate) fn redact_snippet(&mut self, ranges: &[(std::ops::Range<usize>, &str)]) {
        let Some(s) = &mut self.snippet else { return };
        if s.redacted {
            return;
        }
        let mut parts: Vec<(std::ops::Range<usize>, &str)> = ranges
            .iter()
            .filter(|(r, _)| r.start < s.source.end && s.source.start < r.end && !r.is_empty())
            .map(|(r, shown)| {
                (
                    r.start.max(s.source.start) - s.source.start
                        ..r.end.min(s.source.end) - s.source.start,
                    *shown,
                )
            })
            .collect();
        if parts.is_empty() {
            return;
        }
        s.redacted = true;
        // Right to left so earlier offsets stay valid; overlapping parts are merged into
        // the rightmost one.
        parts.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        let mut last_start = usize::MAX;
        for (r, shown) in parts {
            let r = r.start..r.end.min(last_start);
            if r.is_empty() || !s.text.is_char_boundary(r.start) || !s.text.is_char_boundary(r.end)
            {
                continue;
            }
            last_start = r.start;
            s.text.replace_range(r.clone(), shown);
            let delta = shown.len() as isize - r.len() as isize;
            let shift = |p: usize| {
                if p >= r.end {
                    (p as isize + delta) as usize
                } else {
                    p.min(r.start + shown.len())
                }
            };
            s.highlight = shift(s.highlight.start)..shift(s.highlight.end);
        }
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

impl Snippet {
    /// The bytes `window` of `text`, underlining `highlight` (file offsets inside it).
    fn cut(text: &str, window: std::ops::Range<usize>, highlight: std::ops::Range<usize>) -> Self {
        let hl_start = highlight
            .start
            .saturating_sub(window.start)
            .min(window.len());
        let hl_end = highlight
            .end
            .saturating_sub(window.start)
            .clamp(hl_start, window.len());
        // A span that ends inside a character would make a renderer slice mid-character:
        // widen it to whole characters.
        let shown = &text[window.clone()];
        let hl_start = floor_char_boundary(shown, hl_start);
        let hl_end = ceil_char_boundary(shown, hl_end);
        Snippet {
            text: shown.to_owned(),
            highlight: hl_start..hl_end,
            source: window,
            redacted: false,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The most bytes of a finding's message: a message quoting a megabyte-long token keeps
/// its beginning and its end.
pub(crate) const MAX_MESSAGE: usize = 1024;
const MESSAGE_HEAD: usize = 640;
const MESSAGE_TAIL: usize = 360;

/// `message` (of a finding or an error) with its middle replaced by `…` when it is longer than [`MAX_MESSAGE`]
/// bytes, cut on character boundaries.
pub(crate) fn clip_message(message: &mut String) {
    if message.len() <= MAX_MESSAGE {
        return;
    }
    let head = floor_char_boundary(message, MESSAGE_HEAD);
    let tail = ceil_char_boundary(message, message.len() - MESSAGE_TAIL);
    message.replace_range(head..tail, "…");
}

/// The part of `line` a snippet shows: the span (at most [`SNIPPET_SPAN`] bytes of it)
/// with up to [`SNIPPET_CONTEXT`] bytes either side, on character boundaries.
fn clip(
    text: &str,
    line: std::ops::Range<usize>,
    span: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    let end = span.end.min(span.start + SNIPPET_SPAN);
    let mut lo = span.start.saturating_sub(SNIPPET_CONTEXT).max(line.start);
    let mut hi = (end + SNIPPET_CONTEXT).min(line.end);
    while !text.is_char_boundary(lo) {
        lo -= 1;
    }
    while !text.is_char_boundary(hi) {
        hi += 1;
    }
    lo..hi
}

/// The secrets detected in each file, taken off their findings, to hide them in every
/// other finding of the same file: in its snippet, its message and its fingerprint.
#[derive(Debug, Default)]
pub(crate) struct SecretMarks(std::collections::HashMap<String, Vec<SecretMark>>);

impl SecretMarks {
    pub fn take(findings: &mut [Finding]) -> Self {
        let mut marks = SecretMarks::default();
        for f in findings {
            if let (Some(mark), Some(path)) = (f.secret.take(), &f.location.path) {
                marks.0.entry(path.clone()).or_default().push(*mark);
            }
        }
        marks
    }

    pub fn hide(&self, findings: &mut [Finding]) {
        if self.0.is_empty() {
            return;
        }
        for f in findings {
            let Some(marks) = f.location.path.as_ref().and_then(|p| self.0.get(p)) else {
                continue;
            };
            let ranges: Vec<(std::ops::Range<usize>, &str)> = marks
                .iter()
                .map(|m| (m.extent.clone(), m.shown.as_str()))
                .collect();
            f.redact_snippet(&ranges);
            for m in marks {
                if m.raw.len() >= 4 && f.message.contains(m.raw.as_str()) {
                    f.message = f.message.replace(m.raw.as_str(), &m.shown);
                }
                if let Some(r) = f.location.region
                    && m.lines.contains(&r.start_line)
                {
                    f.fingerprint_key = m.line_key.clone();
                }
            }
        }
    }
}

/// FNV-1a, 64 bit: small, stable across platforms and releases, good enough to tell
/// findings of one repository apart. Not a security boundary.
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h = Fnv::default();
    for part in parts {
        h.part(part);
    }
    h.0
}

/// [`fnv1a64`] a part at a time, so that a common prefix is hashed once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Add one part and its separator.
    pub fn part(&mut self, part: &str) -> &mut Self {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }
}
