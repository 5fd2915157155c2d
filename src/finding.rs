//! Findings: what a check reports, where, and how it is identified across runs.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::SourceFile;
use crate::util::{ceil_char_boundary, floor_char_boundary};

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

    /// Whether a finding of this severity fails a run: an error always, a warning under
    /// `strict`, a note never.
    pub fn fails(self, strict: bool) -> bool {
        match self {
            Severity::Error => true,
            Severity::Warning => strict,
            Severity::Note => false,
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

use crate::source::Region;

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
    /// Byte range of the whole line `text` was cut from.
    pub(crate) line: std::ops::Range<usize>,
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
    /// The fingerprint key of a finding on a line the secret touches: the redacted,
    /// trimmed line of the secret's finding.
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
    /// Found in the render of a template unit and mapped back to the source.
    pub rendered: Option<Box<RenderedFrom>>,
}

/// Where in a render a finding was made: the profile's name and the generated file's path
/// (relative to the generated project; empty for the project as a whole).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RenderedFrom {
    pub profile: String,
    pub path: String,
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
            rendered: None,
        }
    }

    /// The severity another finding carries, and whether its check chose it.
    pub(crate) fn copy_severity(mut self, severity: Severity, from_check: bool) -> Self {
        self.severity = severity;
        self.severity_from_check = from_check;
        self
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
        let window = clip(file.text(), line.clone(), start..end);
        let mut f = Finding::new(
            rule,
            message.into(),
            Location {
                path: Some(file.path().to_owned()),
                region: Some(region),
            },
        );
        f.fingerprint_key = file.line_key(region.start_line);
        f.snippet = Some(Snippet::cut(file.text(), line, window, start..end));
        f
    }

    /// A finding on line `line` of a file (1-based), from its first non-blank character
    /// to its end.
    pub fn line(rule: RuleIdx, file: &SourceFile, line: u32, message: impl Into<String>) -> Self {
        let range = file.line_range(line);
        let text = &file.text()[range.clone()];
        let start = range.start + (text.len() - text.trim_start().len());
        Finding::span(rule, file, start..range.end.max(start), message)
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
            self.snippet = Some(Snippet::cut(file.text(), s.line.clone(), window, hl));
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

    /// Hide the file bytes of each of `parts` wherever the snippet shows them, in part or
    /// whole, behind its replacement.
    fn redact_snippet(&mut self, parts: &[(std::ops::Range<usize>, &str)]) {
        let Some(s) = &mut self.snippet else { return };
        let local: Vec<(std::ops::Range<usize>, &str)> = parts
            .iter()
            .filter(|(r, _)| r.start < s.source.end && s.source.start < r.end)
            .map(|(r, shown)| {
                (
                    r.start.max(s.source.start) - s.source.start
                        ..r.end.min(s.source.end) - s.source.start,
                    *shown,
                )
            })
            .collect();
        if local.is_empty() {
            return;
        }
        let replaced = replace_ranges(&s.text, local);
        s.highlight = replaced.map(s.highlight.start, false)..replaced.map(s.highlight.end, true);
        s.text = replaced.text;
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
    fn cut(
        text: &str,
        line: std::ops::Range<usize>,
        window: std::ops::Range<usize>,
        highlight: std::ops::Range<usize>,
    ) -> Self {
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
            line,
        }
    }
}

/// `text` with each of `parts` (byte ranges of it, in any order) replaced by its
/// replacement. Overlapping or touching parts merge into one, shown as the replacement of
/// the part that starts first; a part's ends inside a character widen to whole characters,
/// so that nothing of a hidden value can stay visible.
pub(crate) fn replace_ranges(
    text: &str,
    mut parts: Vec<(std::ops::Range<usize>, &str)>,
) -> Replaced {
    parts.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(text.len());
    let mut spans: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    let mut at = 0;
    for (r, shown) in parts {
        let start = floor_char_boundary(text, r.start.min(text.len()));
        let end = ceil_char_boundary(text, r.end.min(text.len()));
        match spans.last_mut() {
            Some((old, _)) if start <= old.end => {
                // Part of the previous replacement: hide up to the later end.
                if end > old.end {
                    old.end = end;
                    at = end;
                }
            }
            _ => {
                out.push_str(&text[at..start]);
                let new_start = out.len();
                out.push_str(shown);
                spans.push((start..end, new_start..out.len()));
                at = end;
            }
        }
    }
    out.push_str(&text[at..]);
    Replaced { text: out, spans }
}

/// Text after [`replace_ranges`], and where its old offsets went.
pub(crate) struct Replaced {
    pub text: String,
    spans: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
}

impl Replaced {
    /// Where an offset of the old text is in the new one; one inside a replaced part goes
    /// to the start of its replacement, or to its end when `end` is set.
    fn map(&self, p: usize, end: bool) -> usize {
        let mut delta = 0isize;
        for (old, new) in &self.spans {
            if p <= old.start {
                break;
            }
            if p < old.end {
                return if end { new.end } else { new.start };
            }
            delta = new.end as isize - old.end as isize;
        }
        (p as isize + delta).max(0) as usize
    }
}

/// The part of `line` a snippet shows: the span (at most [`SNIPPET_SPAN`] bytes of it)
/// with up to [`SNIPPET_CONTEXT`] bytes either side, on character boundaries.
fn clip(
    text: &str,
    line: std::ops::Range<usize>,
    span: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    let end = span.end.min(span.start + SNIPPET_SPAN);
    let lo = span.start.saturating_sub(SNIPPET_CONTEXT).max(line.start);
    let hi = (end + SNIPPET_CONTEXT).min(line.end);
    floor_char_boundary(text, lo)..ceil_char_boundary(text, hi)
}

/// The secrets detected in each file, taken off their findings, to hide them in every
/// finding of the same file: in its snippet, its message and its fingerprint.
#[derive(Debug, Default)]
pub(crate) struct SecretMarks(std::collections::HashMap<String, FileMarks>);

/// The secrets of one file, by the start of their extent, with the furthest end so far
/// of each prefix: the marks that touch a range are found without a scan of them all.
#[derive(Debug, Default)]
struct FileMarks {
    marks: Vec<SecretMark>,
    max_end: Vec<usize>,
}

impl FileMarks {
    /// The marks whose extent overlaps `range`.
    fn touching(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &SecretMark> {
        let below = self
            .marks
            .partition_point(|m| m.extent.start < range.end.max(range.start + 1));
        (0..below)
            .rev()
            .take_while(move |&i| self.max_end[i] > range.start)
            .map(|i| &self.marks[i])
            .filter(move |m| m.extent.end > range.start)
    }
}

impl SecretMarks {
    pub fn take(findings: &mut [Finding]) -> Self {
        let mut by_path: std::collections::HashMap<String, FileMarks> = Default::default();
        for f in findings {
            if let (Some(mark), Some(path)) = (f.secret.take(), &f.location.path) {
                by_path.entry(path.clone()).or_default().marks.push(*mark);
            }
        }
        for fm in by_path.values_mut() {
            fm.marks.sort_by_key(|m| m.extent.start);
            let mut end = 0;
            fm.max_end = fm
                .marks
                .iter()
                .map(|m| {
                    end = end.max(m.extent.end);
                    end
                })
                .collect();
        }
        SecretMarks(by_path)
    }

    pub fn hide(&self, findings: &mut [Finding]) {
        if self.0.is_empty() {
            return;
        }
        for f in findings {
            let Some(fm) = f.location.path.as_ref().and_then(|p| self.0.get(p)) else {
                continue;
            };
            // The secrets on the finding's line; a finding without a snippet may quote
            // any of the file's.
            let line = f.snippet.as_ref().map(|s| s.line.clone());
            let marks: Vec<&SecretMark> = match &line {
                Some(line) => fm.touching(line.clone()).collect(),
                None => fm.marks.iter().collect(),
            };
            if marks.is_empty() {
                continue;
            }
            if line.is_some() {
                f.fingerprint_key = marks[0].line_key.clone();
                let parts: Vec<(std::ops::Range<usize>, &str)> = marks
                    .iter()
                    .map(|m| (m.extent.clone(), m.shown.as_str()))
                    .collect();
                f.redact_snippet(&parts);
            }
            for m in marks {
                if m.raw.len() >= 4 && f.message.contains(m.raw.as_str()) {
                    f.message = f.message.replace(m.raw.as_str(), &m.shown);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaced_ranges_hide_every_byte_of_overlapping_parts() {
        let text = "key: AAAABBBBCCCCDDDD tail";
        // A detector's part inside another's extent, and one sticking out of it.
        let r = replace_ranges(text, vec![(9..13, "b…"), (5..21, "A…"), (19..23, "x")]);
        assert_eq!(r.text, "key: A…ail");
        assert_eq!(r.map(0, false), 0);
        assert_eq!(r.map(7, false), 5);
        assert_eq!(r.map(7, true), 5 + "A…".len());
        assert_eq!(r.map(23, false), 5 + "A…".len());
        // Ends inside a character widen to the whole character.
        let r = replace_ranges("é secret", vec![(1..8, "s…")]);
        assert_eq!(r.text, "s…t");
    }
}
