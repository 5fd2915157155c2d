//! Errors that make a run untrustworthy (exit code 2): broken configuration or rule packs,
//! bad arguments, an unreadable scan root.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use crate::util::clip_message;

/// Where a value was declared, for error messages: a file (or a flag such as `--select`),
/// its line, and when known the text and the value's byte span, so that the error can show
/// the line with the value underlined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: Option<usize>,
    pub source: Option<Located>,
}

/// A span of a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub text: Arc<str>,
    pub span: Range<usize>,
}

impl Origin {
    /// A place without text (a command-line flag, a file as a whole).
    pub fn named(file: impl Into<String>, line: Option<usize>) -> Origin {
        Origin {
            file: file.into(),
            line,
            source: None,
        }
    }

    /// The value at `span` of `text`, read from `file`.
    pub fn in_source(file: &str, text: &Arc<str>, span: Range<usize>) -> Origin {
        Origin {
            file: file.to_owned(),
            line: Some(line_of(text, span.start)),
            source: Some(Located {
                text: text.clone(),
                span,
            }),
        }
    }

    /// The place of `key = …` inside this value (a table), when it is written there:
    /// errors about one key point at it rather than at the table.
    pub fn at_key(&self, key: &str) -> Origin {
        let Some(src) = &self.source else {
            return self.clone();
        };
        match key_span(&src.text, src.span.clone(), key) {
            Some(span) => Origin::in_source(&self.file, &src.text, span),
            None => self.clone(),
        }
    }

    pub fn error(&self, message: impl Into<String>) -> ConfigError {
        let mut e = ConfigError::new(&self.file, message).at_line(self.line);
        e.source = self.source.clone().map(Box::new);
        e
    }
}

/// The span of `key` written as a key (`key =`, `"key" =`, `[….key]`) in `text[within]`,
/// or after it up to the next table header when `within` is only a table's header.
fn key_span(text: &str, within: Range<usize>, key: &str) -> Option<Range<usize>> {
    if key.is_empty() {
        return None;
    }
    let start = within.start.min(text.len());
    let mut end = within.end.min(text.len()).max(start);
    if text[start..end].lines().count() <= 1 {
        // A header span: the table's keys follow it, up to the next header — for an array
        // of tables (`[[rule]]`), the next `[[`, since `[rule.params]` is part of it.
        let next = if text[start..].starts_with("[[") {
            "\n[["
        } else {
            "\n["
        };
        end = text[start..]
            .find(next)
            .map_or(text.len(), |i| start + i + 1)
            .max(end);
    }
    let region = &text[start..end];
    let mut from = 0;
    while let Some(i) = region[from..].find(key) {
        let at = from + i;
        from = at + key.len();
        let blank = [' ', '\t'];
        let before = region[..at].trim_end_matches('"').trim_end_matches(blank);
        let after = region[from..]
            .trim_start_matches('"')
            .trim_start_matches(blank);
        let starts_key = before.is_empty() || before.ends_with(['\n', '{', ',', '.', '[']);
        let ends_key = after.starts_with(['=', ']', '.']);
        if starts_key && ends_key {
            return Some(start + at..start + from);
        }
    }
    None
}

/// An error in a configuration file or a rule pack, naming the file, the line and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or a description of where the value came from (e.g. `--select`).
    pub origin: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    /// The text and the span the error is about, shown under the message.
    pub source: Option<Box<Located>>,
}

impl ConfigError {
    /// A message quoting a long stretch of the input (an unknown key of 10,000
    /// characters) keeps its beginning and end.
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> Self {
        let mut message = message.into();
        clip_message(&mut message);
        ConfigError {
            origin: origin.into(),
            line: None,
            key: None,
            message,
            source: None,
        }
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        let mut key = key.into();
        clip_message(&mut key);
        self.key = Some(key);
        self
    }

    /// Turn a TOML syntax or type error into a located error.
    pub fn from_toml(origin: &str, source: &str, err: &toml::de::Error) -> Self {
        let start = err.span().map(|s| s.start);
        let mut e = ConfigError::new(origin, err.message().trim())
            .at_line(start.map(|s| line_of(source, s)));
        e.source = err.span().map(|span| {
            Box::new(Located {
                text: source.into(),
                span,
            })
        });
        // A type error points at the value: name the key written before it on its line.
        if let Some(mut key) = start.and_then(|s| key_before(source, s))
            && !e.message.contains(&format!("`{key}`"))
        {
            clip_message(&mut key);
            e.key = Some(key);
        }
        e
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// The error as `main` prints it: the one-line message, then the line it is about with
    /// the value underlined, when the text is known.
    pub fn render(&self) -> String {
        let title = format!("{self}");
        let Some(src) = &self.source else {
            return format!("error: {title}");
        };
        let text: &str = &src.text;
        let start = src.span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[line_start..line_end];
        // A long line (minified) is not shown: the message says where.
        if line.len() > 400 {
            return format!("error: {title}");
        }
        // The span's part on its first line; an empty one is still marked with a caret.
        let underline = start - line_start..src.span.end.clamp(start, line_end) - line_start;
        let group = Level::ERROR.primary_title(title.as_str()).element(
            Snippet::source(line)
                .line_start(line_of(text, start))
                .annotation(AnnotationKind::Primary.span(underline)),
        );
        Renderer::styled().render(&[group])
    }
}

/// The key of a `key = value` line whose value starts at `offset`.
fn key_before(source: &str, offset: usize) -> Option<String> {
    let offset = offset.min(source.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let (key, _) = source[line_start..offset].split_once('=')?;
    let key = key.trim();
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'));
    simple.then(|| key.to_owned())
}

/// 1-based line number of a byte offset in `source`.
pub fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_inside_their_table() {
        let text: Arc<str> = "[[rule]]\nid = \"a/b\"\n[rule.params]\ndetect = \"x\"\n\n[[rule]]\nid = \"a/c\"\nparams = { detect = \"y\", typo = 1 }\n".into();
        let first = Origin::in_source("p.toml", &text, 0..8);
        assert_eq!(first.at_key("detect").line, Some(4));
        assert_eq!(first.at_key("params").line, Some(3));
        assert_eq!(
            first.at_key("typo").line,
            Some(1),
            "not in this rule: stays"
        );
        let at = text.rfind("[[rule]]").expect("a second rule");
        let second = Origin::in_source("p.toml", &text, at..at + 8);
        let typo = second.at_key("typo");
        assert_eq!(typo.line, Some(8));
        let span = typo.source.expect("a span").span;
        assert_eq!(&text[span], "typo");
        // A key that only appears inside a value is not a key.
        let t: Arc<str> = "[rules.x]\nmessage = \"severity = bad\"\n".into();
        assert_eq!(
            Origin::in_source("c.toml", &t, 0..9)
                .at_key("severity")
                .line,
            Some(1)
        );
        // Indented with tabs.
        let t: Arc<str> = "[rules.x]\n\t\tseverity = \"off\"\n".into();
        let at = Origin::in_source("c.toml", &t, 0..9).at_key("severity");
        assert_eq!(at.line, Some(2));
    }

    #[test]
    fn errors_show_the_line_with_the_value_underlined() {
        let text: Arc<str> = "select = []\nstrict = \"yes\"\n".into();
        let e = Origin::in_source("c.toml", &text, 21..26).error("expected a boolean");
        let shown = anstream::adapter::strip_str(&e.render()).to_string();
        assert!(
            shown.starts_with("error: c.toml:2: expected a boolean"),
            "{shown}"
        );
        assert!(shown.contains("strict = \"yes\""), "{shown}");
        assert!(shown.contains("^^^^^"), "{shown}");
        assert_eq!(
            Origin::named("--select", None).error("x").render(),
            "error: --select: x"
        );
    }
}
