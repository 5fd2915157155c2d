//! What of a command line is quoted text, code, or a template expression the CI or the
//! template engine replaces before the shell runs.

use std::ops::Range;

/// What a byte of a command line is to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Byte {
    /// Shell syntax and words the shell runs or expands.
    Code,
    /// Inside quotes (or escaped): text handed to the command as it is.
    Quoted,
    /// Inside a CI or template expression (`${{ … }}`, `$[[ … ]]`, `{{ … }}`, `{% … %}`),
    /// replaced before the shell sees the line.
    Template,
}

/// The end (exclusive) of a template expression starting at `i`, if one does.
pub(super) fn template_end(t: &str, i: usize) -> Option<usize> {
    let rest = &t[i..];
    let close = if rest.starts_with("{{") || rest.starts_with("${{") {
        "}}"
    } else if rest.starts_with("$[[") {
        "]]"
    } else if rest.starts_with("{%") {
        "%}"
    } else {
        return None;
    };
    let open = rest.find(['{', '[']).unwrap_or(0) + 2;
    rest[open..].find(close).map(|e| i + open + e + close.len())
}

/// Classify every byte of a command line: quoted text stays text even when it looks like a
/// pipeline (`echo "curl … | sh"`), while a command substitution inside double quotes
/// (`"$(curl …)"`) is code again.
pub(super) fn classify(t: &str) -> Vec<Byte> {
    scan(t).0
}

/// [`classify`], and whether a quote is still open at the end of `t`.
pub(super) fn scan(t: &str) -> (Vec<Byte>, bool) {
    #[derive(PartialEq)]
    enum Ctx {
        Single,
        Double,
        /// `$(…)` or `(…)`.
        Paren,
        Backtick,
    }
    let b = t.as_bytes();
    let mut out = vec![Byte::Code; b.len()];
    let mut stack: Vec<Ctx> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let top = stack.last();
        // Only at an ASCII `{` or `$`, which is always a character boundary.
        if top != Some(&Ctx::Single)
            && matches!(b[i], b'{' | b'$')
            && let Some(end) = template_end(t, i)
        {
            out[i..end].fill(Byte::Template);
            i = end;
            continue;
        }
        match top {
            Some(Ctx::Single) => {
                out[i] = Byte::Quoted;
                if b[i] == b'\'' {
                    stack.pop();
                }
            }
            Some(Ctx::Double) => match b[i] {
                b'\\' => {
                    let end = (i + 2).min(b.len());
                    out[i..end].fill(Byte::Quoted);
                    i = end;
                    continue;
                }
                b'$' if b.get(i + 1) == Some(&b'(') => {
                    stack.push(Ctx::Paren);
                    i += 2;
                    continue;
                }
                b'`' => stack.push(Ctx::Backtick),
                c => {
                    out[i] = Byte::Quoted;
                    if c == b'"' {
                        stack.pop();
                    }
                }
            },
            _ => match b[i] {
                b'\\' => {
                    if let Some(next) = out.get_mut(i + 1) {
                        *next = Byte::Quoted;
                    }
                    i += 2;
                    continue;
                }
                b'\'' => {
                    out[i] = Byte::Quoted;
                    stack.push(Ctx::Single);
                }
                b'"' => {
                    out[i] = Byte::Quoted;
                    stack.push(Ctx::Double);
                }
                b'(' => stack.push(Ctx::Paren),
                b')' if top == Some(&Ctx::Paren) => {
                    stack.pop();
                }
                b'`' if top == Some(&Ctx::Backtick) => {
                    stack.pop();
                }
                b'`' => stack.push(Ctx::Backtick),
                _ => {}
            },
        }
        i += 1;
    }
    let open = stack.iter().any(|c| matches!(c, Ctx::Single | Ctx::Double));
    (out, open)
}

/// A command handed over as one quoted string (a quoted YAML scalar, `"curl … | sh"`):
/// its inside, since no shell runs a command named by the whole quoted string.
pub(super) fn unwrap_quoted(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let t = s.trim();
    let lead = s.len() - s.trim_start().len();
    if t.len() >= 2 && t.starts_with(['"', '\'']) && single_string(t) {
        range.start + lead + 1..range.start + lead + t.len() - 1
    } else {
        range
    }
}

/// Whether `t` is one quoted string from its first byte to its last (a doubled `''`
/// inside single quotes is an escaped quote in YAML).
fn single_string(t: &str) -> bool {
    let b = t.as_bytes();
    let q = b[0];
    if b[b.len() - 1] != q {
        return false;
    }
    let inner = &b[1..b.len() - 1];
    let mut i = 0;
    while i < inner.len() {
        match inner[i] {
            b'\\' if q == b'"' => i += 1,
            c if c == q && q == b'\'' && inner.get(i + 1) == Some(&q) => i += 1,
            c if c == q => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_quoted_command() {
        let t = r#"x: "curl a | sh""#;
        assert_eq!(&t[unwrap_quoted(t, 3..t.len())], "curl a | sh");
        let t = r#""a" | "b""#;
        assert_eq!(unwrap_quoted(t, 0..t.len()), 0..t.len());
        let t = "'it''s | sh'";
        assert_eq!(&t[unwrap_quoted(t, 0..t.len())], "it''s | sh");
    }
}
