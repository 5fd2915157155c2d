//! Reading shell text: logical lines (continuations joined, comments cut), the simple
//! commands of a line, their words, and the arguments of a command.

use std::collections::VecDeque;
use std::ops::Range;

pub(super) use super::quote::{Byte, classify};
use super::quote::{scan, template_end};

use crate::static_regex;

/// One logical command line: continuation lines joined, comments removed, with a map back
/// to byte offsets of the file.
#[derive(Clone)]
pub(super) struct Logical {
    pub(super) text: String,
    /// (offset in `text`, offset in the file) at the start of every joined piece.
    map: Vec<(usize, usize)>,
    /// For a line of a heredoc's body: the index (among the lines returned with it) of
    /// the line whose command reads the heredoc.
    pub(super) heredoc_of: Option<usize>,
}

impl Logical {
    pub(super) fn orig(&self, i: usize) -> usize {
        let k = self.map.partition_point(|&(l, _)| l <= i).saturating_sub(1);
        let (l, o) = self.map.get(k).copied().unwrap_or((0, 0));
        o + (i - l)
    }

    /// The part `r` of this line as a line of its own, with `text` in its place (as long
    /// as the part).
    pub(super) fn part(&self, r: Range<usize>, text: String) -> Logical {
        let mut map = vec![(0, self.orig(r.start))];
        map.extend(
            self.map
                .iter()
                .filter(|&&(l, _)| l > r.start && l < r.end)
                .map(|&(l, o)| (l - r.start, o)),
        );
        Logical {
            text,
            map,
            heredoc_of: None,
        }
    }

    pub(super) fn orig_range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.orig(r.start);
        let end = self.orig(r.end.saturating_sub(1).max(r.start)) + 1;
        start..end.max(start)
    }
}

/// Cut a comment: a `#` that starts a word outside quotes.
pub(in crate::checks::pinning) fn strip_comment(line: &str) -> &str {
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

/// The logical lines of `range` of `text`. The body of a heredoc (`<<EOF` … `EOF`) comes
/// as lines of its own, each naming the line that opened it: whether the body is code
/// depends on the command that reads it.
pub(super) fn logical_lines(text: &str, range: Range<usize>) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut cur: Option<Logical> = None;
    // Heredocs opened and not yet closed: (delimiter, the opening line's index).
    let mut pending: VecDeque<(String, usize)> = VecDeque::new();
    let slice = &text[range.clone()];
    let mut offset = range.start;
    for raw in slice.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some((delim, _)) = pending.front()
            && line.trim() == delim
        {
            if let Some(done) = cur.take() {
                out.push(done);
            }
            pending.pop_front();
            continue;
        }
        let body_of = pending.front().map(|&(_, opener)| opener);
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
            heredoc_of: body_of,
        });
        l.map.push((l.text.len(), start));
        l.text.push_str(body);
        l.text.push(' ');
        if !continues && let Some(done) = cur.take() {
            // Only a command opens a heredoc, not a line of another one's body.
            if done.heredoc_of.is_none() {
                let idx = out.len();
                pending.extend(heredoc_delimiters(&done.text).into_iter().map(|d| (d, idx)));
            }
            out.push(done);
        }
    }
    if let Some(done) = cur.take() {
        out.push(done);
    }
    join_open_quotes(out)
}

/// How many lines a quoted string may span before an unclosed quote is taken for a stray
/// apostrophe rather than a string that goes on.
const QUOTED_LINES: usize = 12;

/// Join a line whose quote is still open with the lines that close it (an `echo "…` hint
/// over several lines is one command), when they do within [`QUOTED_LINES`].
fn join_open_quotes(lines: Vec<Logical>) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::with_capacity(lines.len());
    // Index in `lines` → index in `out`, for the heredoc openers.
    let mut moved: Vec<usize> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let mut line = lines[i].clone();
        line.heredoc_of = line.heredoc_of.and_then(|o| moved.get(o).copied());
        let mut end = i;
        if lines[i].heredoc_of.is_none() && scan(&line.text).1 {
            let mut text = line.text.clone();
            for (j, next) in lines.iter().enumerate().skip(i + 1).take(QUOTED_LINES) {
                if next.heredoc_of.is_some() || !heredoc_delimiters(&lines[j - 1].text).is_empty() {
                    break;
                }
                text.push_str(&next.text);
                if !scan(&text).1 {
                    end = j;
                    break;
                }
            }
        }
        for next in &lines[i + 1..=end] {
            let shift = line.text.len();
            line.map
                .extend(next.map.iter().map(|&(l, o)| (l + shift, o)));
            line.text.push_str(&next.text);
        }
        for _ in i..=end {
            moved.push(out.len());
        }
        out.push(line);
        i = end + 1;
    }
    out
}

static_regex!(HEREDOC = r#"<<-?[ \t]*(?:\\)?(["']?)([A-Za-z_][A-Za-z0-9_.-]*)(["']?)"#);

/// The heredocs a command line opens (`<<EOF`, `<<-'EOF'`, `<< "END"`), in order: where
/// each operator is, and its delimiter. A here-string (`<<<word`) opens none: the pattern
/// then matches from its second `<`, right after a `<`.
fn heredocs(t: &str) -> Vec<(usize, String)> {
    if !t.contains("<<") {
        return Vec::new();
    }
    let kinds = classify(t);
    HEREDOC
        .captures_iter(t)
        .filter_map(|c| {
            let m = c.get(0)?;
            let code = kinds.get(m.start()) == Some(&Byte::Code);
            (code && !t[..m.start()].ends_with('<')).then(|| (m.start(), c[2].to_owned()))
        })
        .collect()
}

/// The delimiters of the heredocs a command line opens, in order.
pub(super) fn heredoc_delimiters(t: &str) -> Vec<String> {
    heredocs(t).into_iter().map(|(_, d)| d).collect()
}

/// Where the first heredoc operator of a line is.
pub(super) fn heredoc_at(t: &str) -> Option<usize> {
    heredocs(t).first().map(|&(at, _)| at)
}

static_regex!(SEPARATORS = r"&&|\|\||;|\||\$\(|\)|\(|`|\bthen\b|\bdo\b|\belse\b");

/// Byte ranges of the simple commands of a line.
/// Separators inside quotes or a template expression separate nothing.
pub(super) fn segments(t: &str) -> Vec<Range<usize>> {
    let kinds = classify(t);
    let mut out = Vec::new();
    let mut last = 0;
    for m in SEPARATORS
        .find_iter(t)
        .filter(|m| kinds.get(m.start()) == Some(&Byte::Code))
    {
        out.push(last..m.start());
        last = m.end();
    }
    out.push(last..t.len());
    out
}

/// Words of a command with their byte offsets; quotes are kept on the word, and a template
/// expression (`${{ matrix.version }}`) stays inside its word even when it holds spaces.
pub(super) fn words(s: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        if quote != Some('\'')
            && let Some(end) = template_end(s, i)
        {
            if cur.is_empty() {
                start = i;
            }
            cur.push_str(&s[i..end]);
            i = end;
            continue;
        }
        i += c.len_utf8();
        match (quote, c) {
            (Some(q), _) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), _) => cur.push(c),
            (None, '\'' | '"') => {
                if cur.is_empty() {
                    start = i - 1;
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
                    start = i - c.len_utf8();
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

/// The program a command word names, as compared with a list of names: without quotes,
/// the brackets and commas of an exec-form list (`["/bin/sh", "-c", …]`), its folder and
/// `.exe`, in lower case.
pub(super) fn program(w: &str) -> String {
    let w = w.trim_matches(|c| matches!(c, '"' | '\'' | '[' | ']' | ','));
    let w = w
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(w)
        .to_ascii_lowercase();
    w.strip_suffix(".exe").map(str::to_owned).unwrap_or(w)
}

/// Shells that run a string or their standard input as commands.
pub(super) const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "ash",
    "fish",
    "pwsh",
    "powershell",
];

/// A variable assignment before a command (`FOO=bar cmd`).
pub(super) fn is_assignment(w: &str) -> bool {
    w.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
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
pub(super) fn redirection(w: &str) -> Option<bool> {
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

    #[test]
    fn quoted_text_and_template_words() {
        let t = r#"echo "a | sh $(curl x | sh)" 'b; c' && d"#;
        let k = classify(t);
        assert_eq!(k[t.find("| sh").unwrap()], Byte::Quoted);
        assert_eq!(k[t.find("| sh)").unwrap()], Byte::Code);
        assert_eq!(k[t.find(';').unwrap()], Byte::Quoted);
        assert_eq!(segments(t).len(), 5);
        let w = words("pip install x==${{ matrix.v }} y==$[[ inputs.v ]] z");
        let w: Vec<&str> = w.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            w,
            [
                "pip",
                "install",
                "x==${{ matrix.v }}",
                "y==$[[ inputs.v ]]",
                "z"
            ]
        );
        assert_eq!(segments("a ${{ x || y }} b").len(), 1);
        assert_eq!(heredoc_delimiters("cat <<-'EOF' > f; x <<< y"), ["EOF"]);
    }

    #[test]
    fn quoted_strings_over_several_lines() {
        let t = "echo \"a\n  curl x | sh\nb\"\ny\necho don't\nz\n";
        let lines = logical_lines(t, 0..t.len());
        let texts: Vec<&str> = lines.iter().map(|l| l.text.trim()).collect();
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(texts[0].ends_with("b\""));
        assert_eq!(
            lines[0].orig(texts[0].find("curl").unwrap_or(0)),
            t.find("curl").unwrap_or(0)
        );
    }

    #[test]
    fn any_text_is_read_without_panicking() {
        for t in [
            "é{{ ü }} «$[[ x ]]» '€ | sh' \"ñ $(curl é | sh) \\",
            "{{",
            "${{ }",
            "$[[",
            "\"",
            "'",
            "cat <<",
            "<<EOF\n",
            "echo \"\né\n",
        ] {
            let lines = logical_lines(t, 0..t.len());
            for l in &lines {
                let _ = classify(&l.text);
                for seg in segments(&l.text) {
                    let _ = words(&l.text[seg]);
                }
                let _ = heredoc_delimiters(&l.text);
            }
        }
    }
}
