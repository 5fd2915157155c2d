//! Docker's `.dockerignore`, exactly as Docker reads and matches it: a port of moby's
//! `ignorefile.ReadAll` and `patternmatcher` (the gitignore matchers give other answers),
//! the build-context listing built on it ([`context`]) and where a repository's build
//! contexts are ([`discover`]).
//!
//! Reading: a BOM is dropped from the first line; a line is a comment only when its first
//! byte is `#`; lines are trimmed; `!` marks an exception (the rest is trimmed again);
//! patterns are cleaned like Go's `filepath.Clean` and lose one leading `/`. Matching: a
//! pattern is anchored at the context root and matches a path when it matches the path or
//! one of its parent folders; the last matching line decides.

pub mod context;
pub mod discover;
pub mod dockerfile;
mod gopath;
mod goregex;
mod references;

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

use gopath::check_syntax;
pub use gopath::go_clean;

/// Docker reads the file with Go's `bufio.Scanner`, which fails on a line of 64 KiB or more.
pub const MAX_LINE_BYTES: usize = 64 * 1024 - 1;

/// How a pattern is compared with a path (moby's match types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchType {
    /// No wildcard: the path equals the pattern.
    Exact,
    /// `x**` with no other wildcard: a plain string prefix.
    Prefix,
    /// `**x` with no other wildcard: a plain string suffix.
    Suffix,
    /// Wildcards: the pattern as a regular expression.
    Regexp,
}

/// A step of a pattern made only of literals, `*`, `?` and `**`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `*`: any run of characters other than `/`.
    Star,
    /// `?`: one character other than `/`.
    One,
    /// `**` followed by more: `(.*/)?` — entering the group.
    DirsEnter,
    /// Inside `(.*/)?`: any characters, leaving after a `/`.
    DirsInner,
    /// Trailing `**` after another wildcard: `.*`.
    Rest,
}

#[derive(Debug)]
enum Compiled {
    Exact,
    Prefix,
    Suffix,
    Glob(Vec<Tok>),
    /// Classes, escapes or anchors: the Go regular expression moby builds, translated to
    /// Rust's syntax (or the error Go's regexp package reports for it).
    Regex {
        go: String,
        rust: Result<String, String>,
        compiled: OnceLock<Result<Regex, String>>,
    },
}

/// One pattern line of an ignore file.
#[derive(Debug)]
pub struct Pattern {
    /// 1-based line number.
    pub line: u32,
    /// Byte range of the trimmed line in the file's text (BOM removed).
    pub span: Range<usize>,
    /// The line as written, trimmed.
    pub text: String,
    /// `!` line: re-includes what it matches.
    pub exception: bool,
    /// The pattern after cleaning, without `!`.
    pub cleaned: String,
    pub match_type: MatchType,
    compiled: Compiled,
}

/// A line that makes Docker reject the whole ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub line: u32,
    pub span: Range<usize>,
    pub message: String,
}

/// A pattern that failed when a path was matched against it (Docker fails the build then).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: pattern `{pattern}` is not a valid regular expression for Docker: {message}")]
pub struct MatchError {
    pub line: u32,
    pub pattern: String,
    pub message: String,
}

/// A parsed ignore file.
#[derive(Debug, Default)]
pub struct IgnoreFile {
    /// The file's text (lossy UTF-8, BOM removed) that spans refer to.
    pub text: String,
    pub patterns: Vec<Pattern>,
    /// Lines that make Docker reject the file; empty when the file is valid.
    pub errors: Vec<PatternError>,
}

/// For the paths of one folder, which patterns match one of their parent folders
/// (indexed like [`IgnoreFile::patterns`]); the context root's are all `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parents(Vec<bool>);

impl Parents {
    fn get(&self, pattern: usize) -> bool {
        self.0.get(pattern).copied().unwrap_or(false)
    }
}

/// Whether a path is excluded, and the pattern that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub excluded: bool,
    /// Index in [`IgnoreFile::patterns`] of the last matching line that was evaluated.
    pub by: Option<usize>,
}

impl IgnoreFile {
    /// Read an ignore file the way Docker does. Never fails: problems are in `errors`.
    pub fn parse(bytes: &[u8]) -> IgnoreFile {
        let mut errors = Vec::new();
        // Lines of 64 KiB or more stop Go's scanner: Docker rejects the file.
        let mut offset = 0;
        for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            if raw.len() > MAX_LINE_BYTES {
                errors.push(PatternError {
                    line: n as u32 + 1,
                    span: offset..offset,
                    message: format!(
                        "line is {} bytes long; Docker cannot read a line of 64 KiB or more \
                         (bufio.Scanner: token too long)",
                        raw.len()
                    ),
                });
                break;
            }
            offset += raw.len() + 1;
        }
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
        let mut patterns = Vec::new();
        let limit = errors.first().map(|e| e.line);
        // Point a too-long line's error at the line's start in the text spans refer to.
        if let Some(e) = errors.first_mut() {
            let start = text
                .match_indices('\n')
                .nth((e.line as usize).saturating_sub(2))
                .map_or(0, |(i, _)| i + 1);
            let start = if e.line <= 1 { 0 } else { start };
            e.span = start..start;
        }
        let mut next_start = 0;
        for (idx, raw) in text.split('\n').enumerate() {
            let line_no = idx as u32 + 1;
            let line_start = next_start;
            next_start += raw.len() + 1;
            if limit.is_some_and(|l| line_no >= l) {
                break;
            }
            // bufio.ScanLines drops one `\r` before the newline.
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.starts_with('#') {
                continue;
            }
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let lead = line.len() - line.trim_start().len();
            let span = line_start + lead..line_start + lead + trimmed.len();
            match Pattern::new(line_no, span.clone(), trimmed) {
                Ok(p) => patterns.push(p),
                Err(message) => errors.push(PatternError {
                    line: line_no,
                    span,
                    message,
                }),
            }
        }
        errors.sort_by_key(|e| e.line);
        IgnoreFile {
            text,
            patterns,
            errors,
        }
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether any line is an exception.
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether `path` (relative to the context root, `/` separators, no `./`) is excluded:
    /// moby's `MatchesOrParentMatches`. An error is a pattern Docker fails on.
    pub fn decide(&self, path: &str) -> Result<Decision, MatchError> {
        let mut parents = Parents::default();
        for (i, _) in path.match_indices('/') {
            if i > 0 {
                parents = self.parents(&path[..i], &parents);
            }
        }
        self.decide_under(path, &parents)
    }

    /// [`Self::decide`] for a path in a folder whose [`Parents`] are known: a walk that goes
    /// down the tree matches each folder once, not once for every path below it.
    pub fn decide_under(&self, path: &str, parents: &Parents) -> Result<Decision, MatchError> {
        let mut matched = false;
        let mut by = None;
        for (i, p) in self.patterns.iter().enumerate() {
            // Exceptions only matter once excluded, exclusions only while not.
            if p.exception != matched {
                continue;
            }
            let m = p.matches(path)? || parents.get(i);
            if m {
                matched = !p.exception;
                by = Some(i);
            }
        }
        Ok(Decision {
            excluded: matched,
            by,
        })
    }

    /// The [`Parents`] of the paths in folder `dir`, whose own folder's are `above`: the
    /// patterns that match `dir` itself (a pattern Docker fails on does not, as for moby's
    /// parent checks) or one of its parents.
    pub fn parents(&self, dir: &str, above: &Parents) -> Parents {
        Parents(
            self.patterns
                .iter()
                .enumerate()
                .map(|(i, p)| above.get(i) || p.matches(dir).unwrap_or(false))
                .collect(),
        )
    }

    pub fn excluded(&self, path: &str) -> Result<bool, MatchError> {
        self.decide(path).map(|d| d.excluded)
    }

    /// Whether a walker may skip the excluded folder `dir` (decided by pattern `by`): no
    /// later exception can match anything below it. Never changes the result.
    pub fn can_prune(&self, dir: &str, by: Option<usize>) -> bool {
        // A pattern Docker fails on must be evaluated where the full walk would.
        if self.patterns.iter().any(|p| p.regex_error().is_some()) {
            return false;
        }
        let after = by.map_or(0, |i| i + 1);
        !self.patterns[after.min(self.patterns.len())..]
            .iter()
            .any(|p| p.exception && p.may_match_below(dir))
    }
}

impl Pattern {
    /// moby's `patternmatcher.New` for one line already read by `ReadAll`.
    fn new(line: u32, span: Range<usize>, trimmed: &str) -> Result<Pattern, String> {
        // ReadAll: `!`, trim again, clean, drop one leading `/`.
        let (invert, rest) = match trimmed.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, trimmed),
        };
        let mut p = String::new();
        if !rest.is_empty() {
            p = go_clean(rest);
            if p.len() > 1 && p.starts_with('/') {
                p.remove(0);
            }
        }
        let read = if invert { format!("!{p}") } else { p };
        // New: trim and clean the whole line again (`!` included), then split off `!`.
        let mut cleaned = go_clean(read.trim());
        let exception = cleaned.starts_with('!');
        if exception {
            if cleaned.len() == 1 {
                return Err("illegal exclusion pattern: a lone `!`".to_owned());
            }
            cleaned.remove(0);
        }
        if let Err(e) = check_syntax(&cleaned) {
            return Err(format!("syntax error in pattern `{cleaned}`: {e}"));
        }
        let (match_type, compiled) = compile(&cleaned);
        Ok(Pattern {
            line,
            span,
            text: trimmed.to_owned(),
            exception,
            cleaned,
            match_type,
            compiled,
        })
    }

    /// The error Docker reports when it matches a path against this pattern, if any.
    pub fn regex_error(&self) -> Option<&str> {
        match &self.compiled {
            Compiled::Regex { rust: Err(e), .. } => Some(e),
            _ => None,
        }
    }

    /// The Go regular expression moby matches with, for regexp patterns.
    pub fn go_regex(&self) -> Option<&str> {
        match &self.compiled {
            Compiled::Regex { go, .. } => Some(go),
            _ => None,
        }
    }

    /// Whether the pattern itself matches `path` (parents not considered).
    pub fn matches(&self, path: &str) -> Result<bool, MatchError> {
        let pat = self.cleaned.as_bytes();
        let p = path.as_bytes();
        Ok(match &self.compiled {
            Compiled::Exact => p == pat,
            Compiled::Prefix => p.starts_with(&pat[..pat.len().saturating_sub(2)]),
            Compiled::Suffix => {
                let suffix = pat.get(2..).unwrap_or_default();
                p.ends_with(suffix) || (suffix.first() == Some(&b'/') && p == &suffix[1..])
            }
            Compiled::Glob(toks) => glob_match(toks, path),
            Compiled::Regex { rust, compiled, .. } => {
                let re = compiled.get_or_init(|| match rust {
                    Ok(r) => regex::RegexBuilder::new(r)
                        .size_limit(1 << 24)
                        .build()
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.clone()),
                });
                match re {
                    Ok(re) => {
                        crate::work::add(path.len());
                        re.is_match(path)
                    }
                    Err(e) => {
                        return Err(MatchError {
                            line: self.line,
                            pattern: self.text.clone(),
                            message: e.clone(),
                        });
                    }
                }
            }
        })
    }

    /// Whether this pattern could match some path strictly below `dir` (conservative:
    /// `true` when unsure).
    pub fn may_match_below(&self, dir: &str) -> bool {
        let below = format!("{dir}/");
        let pat = self.cleaned.as_str();
        match &self.compiled {
            Compiled::Exact => pat.starts_with(&below),
            Compiled::Prefix => {
                let prefix = &pat.as_bytes()[..pat.len().saturating_sub(2)];
                prefix.starts_with(below.as_bytes()) || below.as_bytes().starts_with(prefix)
            }
            Compiled::Suffix => true,
            Compiled::Glob(toks) => glob_alive_after(toks, &below),
            Compiled::Regex { rust: Err(_), .. } => true,
            Compiled::Regex { .. } => {
                let lit: String = pat
                    .chars()
                    .take_while(|c| !matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '\u{feff}'))
                    .collect();
                lit.starts_with(&below) || below.starts_with(&lit)
            }
        }
    }

    /// Whether the pattern can never match a path inside a context.
    pub fn never_matches(&self) -> Option<&'static str> {
        let c = self.cleaned.as_str();
        if c == ".." || c.starts_with("../") {
            Some("it starts with `..`, and no path inside the build context does")
        } else if c == "/" || c == "." {
            Some("it names the context root itself, which is never excluded")
        } else if c.contains('\0') {
            Some("it contains a NUL byte, which no file name can")
        } else {
            None
        }
    }
}

/// Regular-expression characters that are literal in a pattern. moby's bitmap for this set
/// overflows for `|`, `{` and `}` (they reach Go's regexp unescaped); the documented
/// semantics, followed here, keep every one of them literal.
fn should_escape(c: char) -> bool {
    ".+()|{}$".contains(c)
}

/// moby's `Pattern.compile`: the match type, and the regular expression when one is needed.
fn compile(cleaned: &str) -> (MatchType, Compiled) {
    let mut chars = cleaned.chars().peekable();
    // Go's text/scanner skips a byte-order mark at the start.
    if chars.peek() == Some(&'\u{feff}') {
        chars.next();
    }
    let mut re = String::from("^");
    let mut toks = Vec::new();
    let mut raw = false; // classes, escapes or anchors the token matcher does not model
    let mut mt = MatchType::Exact;
    let mut i = 0;
    while let Some(ch) = chars.next() {
        if ch == '*' {
            if chars.peek() == Some(&'*') {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    if mt == MatchType::Exact {
                        mt = MatchType::Prefix;
                    } else {
                        re.push_str(".*");
                        toks.push(Tok::Rest);
                        mt = MatchType::Regexp;
                    }
                } else {
                    re.push_str("(.*/)?");
                    toks.push(Tok::DirsEnter);
                    toks.push(Tok::DirsInner);
                    mt = MatchType::Regexp;
                }
                if i == 0 {
                    mt = MatchType::Suffix;
                }
            } else {
                re.push_str("[^/]*");
                toks.push(Tok::Star);
                mt = MatchType::Regexp;
            }
        } else if ch == '?' {
            re.push_str("[^/]");
            toks.push(Tok::One);
            mt = MatchType::Regexp;
        } else if should_escape(ch) {
            re.push('\\');
            re.push(ch);
            toks.push(Tok::Lit(ch));
        } else if ch == '\\' {
            raw = true;
            match chars.next() {
                Some(next) => {
                    re.push('\\');
                    re.push(next);
                    mt = MatchType::Regexp;
                }
                None => re.push('\\'),
            }
        } else if ch == '[' || ch == ']' {
            raw = true;
            re.push(ch);
            mt = MatchType::Regexp;
        } else {
            if ch == '^' {
                raw = true;
            }
            re.push(ch);
            toks.push(Tok::Lit(ch));
        }
        i += 1;
    }
    let compiled = match mt {
        MatchType::Exact => Compiled::Exact,
        MatchType::Prefix => Compiled::Prefix,
        MatchType::Suffix => Compiled::Suffix,
        MatchType::Regexp if !raw => Compiled::Glob(toks),
        MatchType::Regexp => {
            re.push('$');
            let rust = goregex::translate(&re);
            Compiled::Regex {
                go: re,
                rust,
                compiled: OnceLock::new(),
            }
        }
    };
    (mt, compiled)
}

/// The states reachable from `states` without reading a character.
fn closure(toks: &[Tok], states: &mut [bool]) {
    for i in 0..toks.len() {
        if !states[i] {
            continue;
        }
        match toks[i] {
            Tok::Star | Tok::Rest => states[i + 1] = true,
            Tok::DirsEnter => {
                states[i + 1] = true;
                states[i + 2] = true;
            }
            _ => {}
        }
    }
}

/// The states after reading `c` from `states`, into `next` (same length).
fn step(toks: &[Tok], states: &[bool], c: char, next: &mut [bool]) {
    next.fill(false);
    for (i, &on) in states.iter().enumerate().take(toks.len()) {
        if !on {
            continue;
        }
        match toks[i] {
            Tok::Lit(l) if l == c => next[i + 1] = true,
            Tok::One if c != '/' => next[i + 1] = true,
            Tok::Star if c != '/' => next[i] = true,
            Tok::Rest if c != '\n' => next[i] = true,
            Tok::DirsInner if c != '\n' => {
                next[i] = true;
                if c == '/' {
                    next[i + 1] = true;
                }
            }
            _ => {}
        }
    }
    closure(toks, next);
}

/// The states after reading `text`: two buffers for the whole text, none per character.
fn glob_states(toks: &[Tok], text: &str) -> Vec<bool> {
    crate::work::add(text.len());
    let mut states = vec![false; toks.len() + 1];
    let mut next = vec![false; toks.len() + 1];
    states[0] = true;
    closure(toks, &mut states);
    for c in text.chars() {
        step(toks, &states, c, &mut next);
        std::mem::swap(&mut states, &mut next);
        if !states.iter().any(|&s| s) {
            break;
        }
    }
    states
}

/// Anchored match of a literal/`*`/`?`/`**` pattern, as the regular expression would.
fn glob_match(toks: &[Tok], text: &str) -> bool {
    glob_states(toks, text)[toks.len()]
}

/// Whether, after reading `prefix`, the pattern can still match a longer text.
fn glob_alive_after(toks: &[Tok], prefix: &str) -> bool {
    glob_states(toks, prefix)[..toks.len()].iter().any(|&s| s)
}
