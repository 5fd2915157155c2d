//! Errors that make a run untrustworthy (exit code 2): broken configuration or rule packs,
//! bad arguments, an unreadable scan root.

use std::fmt;

use crate::util::clip_message;

/// An error in a configuration file or a rule pack, naming the file, the line and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or a description of where the value came from (e.g. `--select`).
    pub origin: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
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
