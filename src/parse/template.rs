//! Template tags in files that are not rendered yet: Jinja/cookiecutter/copier
//! (`{% … %}`, `{{ … }}`, `{# … #}`), GitHub expressions (`${{ … }}`), starter-workflow
//! placeholders (`$default-branch`, `${templateOption:…}`).
//!
//! [`neutralise`] blanks them out without moving any byte, so a parser can read a file that
//! only becomes valid once rendered and every offset it returns still points into the
//! original text.

use std::sync::LazyLock;

use regex::Regex;

/// A `{{ … }}` placeholder (not a GitHub `${{ … }}` expression) and its variable.
pub static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    // A constant pattern covered by tests.
    Regex::new(r"(?:^|[^$])(\{\{-?\s*([^{}]*?)\s*-?\}\})").unwrap_or_else(|e| panic!("{e}"))
});

/// Whether `s` contains a template placeholder or expression of any kind.
pub fn has_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("${")
}

/// The first `{{ variable }}` placeholder in `s`: (byte range of the whole tag, variable).
pub fn placeholder(s: &str) -> Option<(std::ops::Range<usize>, &str)> {
    let c = PLACEHOLDER.captures(s)?;
    let whole = c.get(1)?;
    let var = c.get(2)?;
    Some((whole.range(), var.as_str()))
}

/// Replace template tags with filler of the same byte length (newlines kept), so that
/// every offset into the result is an offset into `text`.
///
/// - A tag at the start of its line becomes spaces: a line holding only a block tag
///   (`{% if %}`, `{{- if }}`) becomes blank, so both branches of an `{% if %}` stay visible
///   to the parser.
/// - `{% … %}` and `{# … #}` followed by a space or the line end become spaces too.
/// - Other tags become `_` characters: a value built from tags stays one plain scalar, and
///   a value that is only a placeholder (`{{ … }}`, `${{ … }}`) no longer reads as a flow
///   mapping.
pub fn neutralise(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let (open, close, fill) = match (bytes[i], bytes[i + 1]) {
            (b'{', b'%') => (2, b"%}", b'_'),
            (b'{', b'#') => (2, b"#}", b'_'),
            (b'{', b'{') => (2, b"}}", b'_'),
            (b'$', b'{') if bytes.get(i + 2) == Some(&b'{') => (3, b"}}", b'_'),
            _ => {
                i += 1;
                continue;
            }
        };
        let body_start = i + open;
        let line_start = bytes[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // A tag opened in a comment ends on its line: an unterminated `${{` in a comment
        // does not swallow what follows.
        let within = if in_comment(&bytes[line_start..i]) {
            let line_end =
                memchr::memchr(b'\n', &bytes[body_start..]).map_or(bytes.len(), |p| body_start + p);
            &bytes[body_start..line_end]
        } else {
            &bytes[body_start..]
        };
        let Some(rel) = find(within, close) else {
            i += open;
            continue;
        };
        let end = body_start + rel + 2;
        // A tag that starts its line (a block tag, or a Helm `{{- if }}`) becomes blank;
        // inside a value it becomes `_` so that the value stays one plain scalar.
        // A block tag followed by a space or the line end outputs nothing between tokens
        // (`key:{% if x %} &anchor{% endif %}`): spaces keep the tokens apart as rendered.
        let block = bytes[i + 1] != b'{';
        let right_boundary = bytes.get(end).is_none_or(|b| b.is_ascii_whitespace());
        let fill = if bytes[line_start..i]
            .iter()
            .all(|b| *b == b' ' || *b == b'\t')
            || (block && right_boundary)
        {
            b' '
        } else {
            fill
        };
        // The indentation of the lines a tag continues on is kept: a multi-line
        // `${{ … }}` value stays one plain scalar.
        let mut indent = false;
        for b in &mut out[i..end] {
            match *b {
                b'\n' | b'\r' => indent = true,
                b' ' | b'\t' if indent => {}
                _ => {
                    indent = false;
                    *b = fill;
                }
            }
        }
        i = end;
    }
    // Only ASCII bytes were replaced by ASCII bytes and whole tags were replaced: any
    // multi-byte character inside a tag was replaced in full.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Whether the start of a line, up to a tag, has opened a `#` comment (a `#` at the start
/// or after a space, outside quotes as far as this line tells).
fn in_comment(before: &[u8]) -> bool {
    let mut quote = None;
    let mut prev = b' ';
    for &b in before {
        match (quote, b) {
            (None, b'#') if prev == b' ' || prev == b'\t' => return true,
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            _ => {}
        }
        prev = b;
    }
    false
}

fn find(hay: &[u8], needle: &[u8; 2]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralise_keeps_offsets() {
        let t = "a: {{ x }}\n{%- if y %}\nb: ${{ z }}\n{% endif %}\nc: {# c #}d\n  {{- end }}\nd: x:{% raw %}y\ne:{% if a %} &e{% endif %}";
        let n = neutralise(t);
        assert_eq!(n.len(), t.len());
        assert_eq!(
            n,
            "a: _______\n           \nb: ________\n           \nc: _______d\n            \nd: x:_________y\ne:           &e           "
        );
    }

    #[test]
    fn unterminated_tag_is_left_alone() {
        assert_eq!(neutralise("a: {{ x"), "a: {{ x");
    }

    #[test]
    fn a_tag_in_a_comment_ends_on_its_line() {
        let t = "# use ${{ secrets.X in CI\nb: 1 # }}\nc: ${{ z }}";
        assert_eq!(
            neutralise(t),
            "# use ${{ secrets.X in CI\nb: 1 # }}\nc: ________"
        );
        assert_eq!(neutralise("a: 1 # {{ x }}"), "a: 1 # _______");
        assert_eq!(neutralise("a: '#' {{ x\n}}"), "a: '#' ____\n__");
    }

    #[test]
    fn multi_line_tags_keep_their_indentation() {
        let t = "if: ${{ a &&\n    b }}\nc: 1";
        assert_eq!(neutralise(t), "if: ________\n    ____\nc: 1");
    }

    #[test]
    fn placeholders() {
        let s = "actions/checkout@{{ cookiecutter.ref }}";
        let (r, v) = placeholder(s).unwrap();
        assert_eq!(&s[r], "{{ cookiecutter.ref }}");
        assert_eq!(v, "cookiecutter.ref");
        assert!(placeholder("${{ github.sha }}").is_none());
        assert_eq!(placeholder("{{x}}").unwrap().1, "x");
    }
}
