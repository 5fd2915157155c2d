//! Reading shell text: logical lines (continuations joined, comments cut), the simple
//! commands of a line, their words, and the arguments of a command.

use std::ops::Range;

use crate::static_regex;

/// One logical command line: continuation lines joined, comments removed, with a map back
/// to byte offsets of the file.
pub(super) struct Logical {
    pub(super) text: String,
    /// (offset in `text`, offset in the file) at the start of every joined piece.
    map: Vec<(usize, usize)>,
}

impl Logical {
    pub(super) fn orig(&self, i: usize) -> usize {
        let k = self.map.partition_point(|&(l, _)| l <= i).saturating_sub(1);
        let (l, o) = self.map.get(k).copied().unwrap_or((0, 0));
        o + (i - l)
    }

    pub(super) fn orig_range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.orig(r.start);
        let end = self.orig(r.end.saturating_sub(1).max(r.start)) + 1;
        start..end.max(start)
    }
}

/// Cut a comment: a `#` that starts a word outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<u8> = None;
    let mut prev_space = true;
    for (i, b) in line.bytes().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(b),
            (None, b'#') if prev_space => return &line[..i],
            _ => {}
        }
        prev_space = b == b' ' || b == b'\t';
    }
    line
}

pub(super) fn logical_lines(text: &str, range: Range<usize>) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut cur: Option<Logical> = None;
    let slice = &text[range.clone()];
    let mut offset = range.start;
    for raw in slice.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        // A comment line inside a continued command (as Dockerfiles allow) is dropped
        // without ending the command.
        if cur.is_some() && line.trim_start().starts_with('#') {
            continue;
        }
        let code = strip_comment(line);
        let trimmed = code.trim_end();
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(b) => (b, true),
            None => match trimmed.strip_suffix('`') {
                Some(b) if trimmed.ends_with(" `") => (b, true),
                _ => (trimmed, false),
            },
        };
        let l = cur.get_or_insert_with(|| Logical {
            text: String::new(),
            map: Vec::new(),
        });
        l.map.push((l.text.len(), start));
        l.text.push_str(body);
        l.text.push(' ');
        if !continues && let Some(done) = cur.take() {
            out.push(done);
        }
    }
    if let Some(done) = cur.take() {
        out.push(done);
    }
    out
}

static_regex!(SEPARATORS = r"&&|\|\||;|\||\$\(|\)|\(|`|\bthen\b|\bdo\b|\belse\b");

/// Byte ranges of the simple commands of a line.
pub(super) fn segments(t: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut last = 0;
    for m in SEPARATORS.find_iter(t) {
        out.push(last..m.start());
        last = m.end();
    }
    out.push(last..t.len());
    out
}

/// Words of a command with their byte offsets; quotes are kept on the word.
pub(super) fn words(s: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), _) => cur.push(c),
            (None, '\'' | '"') => {
                if cur.is_empty() {
                    start = i;
                }
                quote = Some(c);
                cur.push(c);
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), start));
                }
            }
            (None, c) => {
                if cur.is_empty() {
                    start = i;
                }
                cur.push(c);
            }
        }
    }
    if !cur.is_empty() {
        out.push((cur, start));
    }
    out
}

pub(super) fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'')
}

pub(super) fn is_var_or_template(w: &str) -> bool {
    w.contains('$') || w.contains("{{") || w.contains("{%") || w.contains('%')
}

/// A command's arguments: a positional word, or the value of a flag that takes one.
pub(super) enum Arg<'a> {
    Word(&'a str, usize),
    Value {
        flag: &'a str,
        value: &'a str,
        at: usize,
    },
}

/// How a command writes its flags.
#[derive(Clone, Copy)]
pub(super) struct Flags<'a> {
    /// The flags whose value is the next word.
    pub with_value: &'a [&'a str],
    /// Windows style as well: `/flag`, and flags compared without case (Chocolatey, dotnet).
    pub windows: bool,
}

impl<'a> Flags<'a> {
    pub(super) const fn unix(with_value: &'a [&'a str]) -> Self {
        Flags {
            with_value,
            windows: false,
        }
    }

    fn is_flag(&self, w: &str) -> bool {
        w.starts_with('-') || (self.windows && w.starts_with('/'))
    }

    fn takes_value(&self, w: &str) -> bool {
        if self.windows {
            self.with_value.iter().any(|v| v.eq_ignore_ascii_case(w))
        } else {
            self.with_value.contains(&w)
        }
    }
}

/// The arguments of a command: every word that is neither a flag, a redirection nor its
/// target, and the values of the flags that take one.
pub(super) fn arguments<'a>(
    args: &'a [(String, usize)],
    flags: Flags<'a>,
) -> impl Iterator<Item = Arg<'a>> + 'a {
    // The flag whose value is the next word (`Some("")` for a redirection's target).
    let mut value_of: Option<&'a str> = None;
    args.iter().filter_map(move |(w, at)| {
        if let Some(flag) = value_of.take() {
            return (!flag.is_empty()).then_some(Arg::Value {
                flag,
                value: w,
                at: *at,
            });
        }
        if let Some(target_next) = redirection(w) {
            value_of = target_next.then_some("");
            return None;
        }
        if flags.is_flag(w) {
            value_of = flags.takes_value(w).then_some(w.as_str());
            return None;
        }
        Some(Arg::Word(w, *at))
    })
}

/// The positional words of a command's arguments ([`arguments`] without the flags' values).
pub(super) fn positionals<'a>(
    args: &'a [(String, usize)],
    flags: Flags<'a>,
) -> impl Iterator<Item = (&'a str, usize)> + 'a {
    arguments(args, flags).filter_map(|a| match a {
        Arg::Word(w, at) => Some((w, at)),
        Arg::Value { .. } => None,
    })
}

/// Whether a word is a redirection (`>/dev/null`, `2>&1`, `&> log`, `< in`), which is no
/// argument of the command: `Some(true)` when its target is the next word.
fn redirection(w: &str) -> Option<bool> {
    let op = w.trim_start_matches(|c: char| c.is_ascii_digit());
    let op = op
        .strip_prefix('&')
        .filter(|r| r.starts_with('>'))
        .unwrap_or(op);
    if !op.starts_with(['>', '<']) || op.starts_with("<(") || op.starts_with(">(") {
        return None;
    }
    Some(op.trim_start_matches(['>', '<', '&', '|']).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_words() {
        assert_eq!(strip_comment("a # b"), "a ");
        assert_eq!(strip_comment("a '# b'"), "a '# b'");
        assert_eq!(strip_comment("x#y"), "x#y");
        let w = words("pip install \"a b\" c");
        assert_eq!(w[2], ("\"a b\"".to_owned(), 12));
    }

    #[test]
    fn redirections_are_not_arguments() {
        let w = words("-y curl >/dev/null 2>&1 wget > log &> all jq 2> err <in tar");
        let names: Vec<&str> = positionals(&w, Flags::unix(&[])).map(|(w, _)| w).collect();
        assert_eq!(names, ["curl", "wget", "jq", "tar"]);
    }
}
