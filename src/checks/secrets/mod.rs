//! The `secrets` family: hard-coded credentials.
//!
//! One data-driven kind, `secret-pattern`, serves every detector. A rule is either a
//! provider pattern (`regex`, with literal `keywords` that must appear first) or, with
//! `detector = "assignment"`, the generic detector: a secret-looking name assigned a
//! random-looking literal. All rules of the kind share one [`Check`], so a file is read
//! once and searched once by an Aho-Corasick automaton over every keyword; a rule's regex
//! then runs only on the lines around its keywords.
//!
//! Every finding is redacted when it is built: the message and the snippet show at most
//! the first four characters of a secret and its length.

mod assign;
mod docs;
mod keywords;
pub mod policy;
mod rust;
mod synthetic;

use std::collections::HashMap;
use std::ops::Range;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use schemars::JsonSchema;

use super::{BuildError, Built, Check, Declared, Kind};
use std::sync::Arc;

use crate::finding::{Finding, RuleIdx, SecretMark, Severity, replace_ranges};
use crate::source::SourceFile;
use crate::util::{ceil_char_boundary, floor_char_boundary};
use crate::walk::{FileEntry, Repo};

/// Files above this size are not searched for secrets (a rule parameter).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// Keywords one detector may have: a prefilter, not a word list (a hundred thousand would
/// cost seconds and hundreds of megabytes to compile into one automaton).
pub const MAX_KEYWORDS: usize = 10_000;
/// Distinct keywords of all detectors together: the automaton's size is bounded whatever
/// the number of rules.
pub const MAX_TOTAL_KEYWORDS: usize = 50_000;

/// A regex runs on the keyword's line, but never on more than this many bytes either
/// side of the keyword (minified files are one long line).
const WINDOW: usize = 4096;

/// Kind `secret-pattern`: hard-coded credentials, by provider pattern or by assignment.
pub const SECRET_PATTERN: Kind<Params> = Kind::new("secret-pattern", build_secrets);

#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Detector {
    #[default]
    Regex,
    Assignment,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReportAt {
    /// The start of the `secret` group.
    #[default]
    Secret,
    /// The start of the whole match (e.g. a PEM block's BEGIN line).
    Match,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    detector: Detector,
    /// What the secret is, for the message ("GitHub personal access token").
    name: Option<String>,
    regex: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    min_entropy: Option<f64>,
    #[serde(default)]
    allowlist: Vec<String>,
    #[serde(default)]
    report_at: ReportAt,
    #[serde(default)]
    lines_after: usize,
    /// Apply the shared not-a-secret policy (placeholders, references, hashes).
    #[serde(default = "yes")]
    placeholders: bool,
    /// The detector's context says the value is a credential, so a value shaped like a
    /// hash or a UUID (40 or 64 hex digits, `8-4-4-4-12`) is reported too.
    #[serde(default)]
    hash_shaped: bool,
    /// Assignment detector: regex of secret-looking names.
    names: Option<String>,
    /// Assignment detector: regex of names never reported, though `names` matches them.
    not_names: Option<String>,
    min_length: Option<usize>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default = "default_max")]
    max_file_size: u64,
}

fn yes() -> bool {
    true
}

fn default_max() -> u64 {
    DEFAULT_MAX_FILE_SIZE
}

struct PatternRule {
    regex: Regex,
    min_entropy: Option<f64>,
    allowlist: Vec<Regex>,
    report_at: ReportAt,
    lines_after: usize,
    placeholders: bool,
    hash_shaped: bool,
}

enum Engine {
    Pattern(PatternRule),
    Assignment(assign::Assignment),
}

struct SecretRule {
    rule: RuleIdx,
    name: String,
    engine: Engine,
    max_file_size: u64,
    /// Always runs (no keywords): searched on the whole file.
    unconditional: bool,
    /// The pack that declares the rule: one secret is one finding among a pack's rules
    /// (they are designed together), but a rule of another pack (an organisation's
    /// re-declaration) is a policy of its own and reports it too.
    pack: usize,
}

pub struct Secrets {
    detectors: Vec<SecretRule>,
    /// Keywords of every detector, ASCII case-insensitive.
    keywords: keywords::Keywords,
    /// Keyword index → detectors that need it.
    keyword_rules: Vec<Vec<usize>>,
    /// Path globs → detectors they exclude.
    exclude: GlobSet,
    exclude_rules: Vec<Vec<usize>>,
}

/// Detector regexes match bytes, and their classes (`\w`, `\s`, `\b`, `(?i)`) are ASCII:
/// credentials are ASCII, and Unicode tables would multiply the cost of compiling every
/// detector at start-up. `(?u)` in a pattern turns Unicode back on.
fn compile(pattern: &str, what: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .multi_line(true)
        .size_limit(50 << 20)
        .build()
        .map_err(|e| format!("invalid {what} regex `{pattern}`: {e}"))
}

fn build_secrets(inputs: Vec<Declared<'_, Params>>) -> Built {
    let mut detectors = Vec::new();
    let mut packs: Vec<String> = Vec::new();
    let mut keywords: Vec<String> = Vec::new();
    let mut keyword_index: HashMap<String, usize> = HashMap::new();
    let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
    let mut globs = GlobSetBuilder::new();
    let mut exclude_rules: Vec<Vec<usize>> = Vec::new();
    let mut glob_index: HashMap<String, usize> = HashMap::new();
    for input in inputs {
        let err = |message: String| BuildError::new(input.idx, message);
        let p = input.params;
        let i = detectors.len();
        let engine = match p.detector {
            Detector::Regex => {
                let pattern = p
                    .regex
                    .as_deref()
                    .ok_or_else(|| err("a `regex` detector needs `regex`".to_owned()))?;
                if p.names.is_some() || p.not_names.is_some() || p.min_length.is_some() {
                    return Err(err(
                        "`names`, `not_names` and `min_length` are for `detector = \"assignment\"`"
                            .to_owned(),
                    ));
                }
                Engine::Pattern(PatternRule {
                    regex: compile(pattern, "detector").map_err(err)?,
                    min_entropy: p.min_entropy,
                    allowlist: p
                        .allowlist
                        .iter()
                        .map(|a| compile(a, "allowlist"))
                        .collect::<Result<_, _>>()
                        .map_err(err)?,
                    report_at: p.report_at,
                    lines_after: p.lines_after.min(64),
                    placeholders: p.placeholders,
                    hash_shaped: p.hash_shaped,
                })
            }
            Detector::Assignment => {
                if p.regex.is_some() {
                    return Err(err(
                        "`regex` is for `detector = \"regex\"`; the assignment detector takes `names`"
                            .to_owned(),
                    ));
                }
                let names = p
                    .names
                    .as_deref()
                    .ok_or_else(|| err("the assignment detector needs `names`".to_owned()))?;
                if p.keywords.is_empty() {
                    return Err(err(
                        "the assignment detector needs `keywords` (literals every name contains)"
                            .to_owned(),
                    ));
                }
                Engine::Assignment(
                    assign::Assignment::new(
                        names,
                        p.not_names.as_deref(),
                        p.min_length.unwrap_or(8),
                        p.min_entropy.unwrap_or(3.0),
                        p.allowlist
                            .iter()
                            .map(|a| compile(a, "allowlist"))
                            .collect::<Result<_, _>>()
                            .map_err(err)?,
                    )
                    .map_err(err)?,
                )
            }
        };
        if p.keywords.len() > MAX_KEYWORDS {
            return Err(err(format!(
                "{} keywords; a detector takes at most {MAX_KEYWORDS} (split the rule, or match \
                 the common part of the keywords with one keyword and the rest with `regex`)",
                p.keywords.len()
            )));
        }
        for k in &p.keywords {
            if k.is_empty() {
                return Err(err("empty keyword".to_owned()));
            }
            let k = k.to_ascii_lowercase();
            match keyword_index.get(&k) {
                Some(&j) => {
                    // A keyword listed twice in one rule needs the rule once.
                    if keyword_rules[j].last() != Some(&i) {
                        keyword_rules[j].push(i);
                    }
                }
                None if keywords.len() >= MAX_TOTAL_KEYWORDS => {
                    return Err(err(format!(
                        "more than {MAX_TOTAL_KEYWORDS} distinct keywords across the secret \
                         detectors with this rule; keywords are a prefilter, not a word list"
                    )));
                }
                None => {
                    keyword_index.insert(k.clone(), keywords.len());
                    keywords.push(k);
                    keyword_rules.push(vec![i]);
                }
            }
        }
        for g in &p.exclude {
            match glob_index.get(g) {
                Some(&j) => exclude_rules[j].push(i),
                None => {
                    let glob = GlobBuilder::new(g)
                        .literal_separator(false)
                        .case_insensitive(true)
                        .build()
                        .map_err(|e| err(format!("invalid glob `{g}` in `exclude`: {e}")))?;
                    globs.add(glob);
                    glob_index.insert(g.clone(), exclude_rules.len());
                    exclude_rules.push(vec![i]);
                }
            }
        }
        let name = p.name.unwrap_or_else(|| input.rule.title.clone());
        let pack = match packs.iter().position(|f| *f == input.rule.origin.file) {
            Some(i) => i,
            None => {
                packs.push(input.rule.origin.file.clone());
                packs.len() - 1
            }
        };
        detectors.push(SecretRule {
            rule: input.idx,
            name,
            engine,
            max_file_size: p.max_file_size,
            unconditional: p.keywords.is_empty(),
            pack,
        });
    }
    let first = detectors.first().map_or(RuleIdx(0), |d| d.rule);
    let keywords_ac = keywords::Keywords::new(&keywords)
        .map_err(|e| BuildError::new(first, format!("cannot build the keyword prefilter: {e}")))?;
    let exclude = globs
        .build()
        .map_err(|e| BuildError::new(first, e.to_string()))?;
    Ok(vec![Box::new(Secrets {
        detectors,
        keywords: keywords_ac,
        keyword_rules,
        exclude,
        exclude_rules,
    })])
}

/// A secret found by one detector, before it becomes a finding.
#[derive(Debug)]
struct Hit {
    detector: usize,
    /// Where the finding points (the secret, or the match start).
    at: usize,
    /// The secret's bytes, redacted everywhere.
    secret: Range<usize>,
}

/// Add `range` to sorted, merged `windows`.
fn push_window(windows: &mut Vec<Range<usize>>, range: Range<usize>) {
    if let Some(last) = windows.last_mut()
        && range.start <= last.end
    {
        last.end = last.end.max(range.end);
        return;
    }
    windows.push(range);
}

/// The keyword's line (plus `lines_after` lines), at most [`WINDOW`] bytes either side.
fn window_around(text: &str, hit: Range<usize>, lines_after: usize) -> Range<usize> {
    let bytes = text.as_bytes();
    let lo = hit.start.saturating_sub(WINDOW);
    let start = memchr::memrchr(b'\n', &bytes[lo..hit.start]).map_or(lo, |i| lo + i + 1);
    let mut end = hit.end;
    for _ in 0..=lines_after {
        let hi = (end + WINDOW).min(bytes.len());
        match memchr::memchr(b'\n', &bytes[end..hi]) {
            Some(i) => end = end + i + 1,
            None => {
                end = hi;
                break;
            }
        }
    }
    floor_char_boundary(text, start)..ceil_char_boundary(text, end)
}

impl Secrets {
    fn pattern_hits(
        &self,
        text: &str,
        d: usize,
        rule: &PatternRule,
        windows: &[Range<usize>],
        out: &mut Vec<Hit>,
    ) {
        let mut last_start = None;
        for w in windows {
            for caps in rule.regex.captures_iter(&text.as_bytes()[w.clone()]) {
                let Some(whole) = caps.get(0) else { continue };
                let secret = caps.name("secret").unwrap_or(whole);
                let abs = (w.start + secret.start())..(w.start + secret.end());
                if last_start.is_some_and(|s| s >= abs.start) {
                    continue;
                }
                last_start = Some(abs.start);
                // A byte class can end a match inside a character; a secret never does.
                let Some(value) = text.get(abs.clone()) else {
                    continue;
                };
                if rule
                    .allowlist
                    .iter()
                    .any(|a| a.is_match(value.as_bytes()) || a.is_match(whole.as_bytes()))
                {
                    continue;
                }
                if rule.placeholders && policy::not_a_secret_here(value, rule.hash_shaped).is_some()
                {
                    continue;
                }
                // `guest:guest`, `app:app`: a development default, not a chosen password;
                // an emoji or `%C3%89t%C3%A9`: a URL parser's test vector.
                if caps.name("user").is_some_and(|u| {
                    u.as_bytes().eq_ignore_ascii_case(value.as_bytes())
                        || !policy::printable_when_decoded(value, 4)
                }) {
                    continue;
                }
                if rule.min_entropy.is_some_and(|m| policy::entropy(value) < m) {
                    continue;
                }
                let at = match rule.report_at {
                    ReportAt::Secret => abs.start,
                    ReportAt::Match => w.start + whole.start(),
                };
                out.push(Hit {
                    detector: d,
                    at,
                    secret: abs,
                });
            }
        }
    }
}

impl Check for Secrets {
    fn wants_file(&self, _file: &FileEntry) -> bool {
        true
    }

    fn read_limit(&self) -> Option<u64> {
        self.detectors.iter().map(|d| d.max_file_size).max()
    }

    fn check_file(&self, file: &SourceFile, repo: &Repo, out: &mut Vec<Finding>) {
        let text = file.text();
        let mut active = vec![true; self.detectors.len()];
        for g in self.exclude.matches(file.path()) {
            for &d in &self.exclude_rules[g] {
                active[d] = false;
            }
        }
        let mut too_large = None;
        for (d, det) in self.detectors.iter().enumerate() {
            if text.len() as u64 > det.max_file_size {
                active[d] = false;
                too_large = Some(det.max_file_size);
            }
        }
        if let Some(limit) = too_large {
            repo.diagnose(
                file.path(),
                format!(
                    "not searched for secrets: {} bytes is over the {limit} byte limit (`max_file_size`)",
                    text.len()
                ),
            );
        }
        if !active.iter().any(|&a| a) {
            return;
        }

        // One pass: every keyword of every detector.
        let mut found = Vec::new();
        self.keywords.find_all(text.as_bytes(), &mut found);
        if found.is_empty() && !self.detectors.iter().any(|d| d.unconditional) {
            return;
        }
        // Where each detector runs: around its keywords, or the whole file when it has none.
        let mut windows: Vec<Vec<Range<usize>>> = self
            .detectors
            .iter()
            .map(|det| {
                if det.unconditional {
                    std::iter::once(0..text.len()).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        for m in found {
            let range = (m.end - self.keywords.len_of(m.keyword))..m.end;
            for &d in &self.keyword_rules[m.keyword] {
                if !active[d] {
                    continue;
                }
                let lines_after = match &self.detectors[d].engine {
                    Engine::Pattern(p) => p.lines_after,
                    Engine::Assignment(_) => 0,
                };
                let wins = &mut windows[d];
                if wins.last().is_some_and(|w| w.end > m.end) {
                    continue;
                }
                push_window(wins, window_around(text, range.clone(), lines_after));
            }
        }

        let mut hits = Vec::new();
        for (d, det) in self.detectors.iter().enumerate() {
            if !active[d] || windows[d].is_empty() {
                continue;
            }
            match &det.engine {
                Engine::Pattern(p) => self.pattern_hits(text, d, p, &windows[d], &mut hits),
                Engine::Assignment(a) => {
                    let mut note = |m: String| repo.diagnose(file.path(), m);
                    for (at, secret) in a.find_noting(file, &windows[d], &mut note) {
                        hits.push(Hit {
                            detector: d,
                            at,
                            secret,
                        });
                    }
                }
            }
        }
        if hits.is_empty() {
            return;
        }

        // A provider's finding wins over the generic one for the same secret.
        let provider: Vec<Range<usize>> = hits
            .iter()
            .filter(|h| matches!(self.detectors[h.detector].engine, Engine::Pattern(_)))
            .map(|h| h.secret.clone())
            .collect();
        hits.retain(|h| {
            matches!(self.detectors[h.detector].engine, Engine::Pattern(_))
                || !provider
                    .iter()
                    .any(|p| p.start < h.secret.end && h.secret.start < p.end)
        });
        // One finding per secret and pack: the pack's first rule that found it. Each pack's
        // last kept hit: (pack, secret, line).
        hits.sort_by_key(|h| (h.at, h.detector));
        let mut kept: Vec<(usize, Range<usize>, u32)> = Vec::new();
        hits.retain(|h| {
            let pack = self.detectors[h.detector].pack;
            let line = file.line_of(h.at);
            let last = kept.iter_mut().find(|k| k.0 == pack);
            if let Some((_, secret, at_line)) = &last
                && secret.start < h.secret.end
                && h.secret.start < secret.end
                && *at_line == line
            {
                return false;
            }
            match last {
                Some(k) => *k = (pack, h.secret.clone(), line),
                None => kept.push((pack, h.secret.clone(), line)),
            }
            true
        });

        // What each finding hides: the whole value of every secret of the file.
        let hidden: Vec<(Range<usize>, String)> = hits
            .iter()
            .map(|h| {
                (
                    policy::extent(text, h.secret.clone()),
                    policy::redact(&text[h.secret.clone()]),
                )
            })
            .collect();
        let hidden_refs: Vec<(Range<usize>, &str)> = hidden
            .iter()
            .map(|(r, s)| (r.clone(), s.as_str()))
            .collect();
        // Hits are sorted by where they point: one redacted line serves a run of them.
        let mut line_key: Option<(u32, Arc<str>)> = None;
        let samples = docs::Samples::of(file);
        for (h, (extent, shown)) in hits.iter().zip(&hidden) {
            let det = &self.detectors[h.detector];
            let line = file.line_of(h.at);
            // A documentation sample is made up for the reader unless its checksum holds.
            let sample =
                samples.holds(file, line) && !docs::valid_checksum(&text[h.secret.clone()]);
            let message = if sample {
                format!(
                    "{} `{shown}` is hard-coded in a documentation sample (a note: samples are usually made up; rotate it if it was ever issued)",
                    det.name
                )
            } else {
                format!("{} `{shown}` is hard-coded", det.name)
            };
            let end = h.secret.end.max(h.at + 1).min(text.len()).max(h.at);
            let mut f = Finding::span(det.rule, file, h.at..end, message);
            if sample {
                f = f.with_severity(Severity::Note);
            }
            let key = match &line_key {
                Some((n, k)) if *n == line => k.clone(),
                _ => {
                    let k = redacted_line(file, line, &hidden_refs);
                    line_key = Some((line, k.clone()));
                    k
                }
            };
            // The engine hides the secret in this finding and every other of the file.
            f.secret = Some(Box::new(SecretMark {
                extent: extent.clone(),
                shown: shown.clone(),
                raw: text[h.secret.clone()].to_owned(),
                line_key: key,
            }));
            out.push(f);
        }
    }
}

/// The trimmed text of a line with every secret on it replaced by its redaction: what the
/// fingerprints of the findings on that line are computed from.
fn redacted_line(file: &SourceFile, line: u32, hidden: &[(Range<usize>, &str)]) -> Arc<str> {
    let range = file.line_range(line);
    let parts: Vec<(Range<usize>, &str)> = hidden
        .iter()
        .filter(|(r, _)| r.start < range.end && range.start < r.end)
        .map(|(r, s)| {
            (
                r.start.max(range.start) - range.start..r.end.min(range.end) - range.start,
                *s,
            )
        })
        .collect();
    Arc::from(replace_ranges(&file.text()[range], parts).text.trim())
}
