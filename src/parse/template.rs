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

/// Parse `text` as written; only when that fails and the text holds template tags, parse
/// it again with the tags blanked ([`neutralise`], which moves no byte). The error is the
/// one of the text as written.
pub fn parse_raw_first<T, E>(text: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<T, E> {
    match parse(text) {
        Ok(v) => Ok(v),
        Err(e) if has_template(text) => parse(&neutralise(text)).map_err(|_| e),
        Err(e) => Err(e),
    }
}

/// Template suffixes a file name may carry after its real name (`Dockerfile.j2`, copier's
/// `ci.yml.jinja`).
pub const TEMPLATE_SUFFIXES: &[&str] = &["j2", "jinja", "jinja2", "tmpl", "tpl", "template"];

/// A file name without its template suffix (matched without regard to case).
pub fn strip_template_suffix(name: &str) -> &str {
    TEMPLATE_SUFFIXES
        .iter()
        .find_map(|ext| {
            let cut = name.len().checked_sub(ext.len() + 1)?;
            let (base, suffix) = (name.get(..cut)?, name.get(cut..)?);
            (!base.is_empty() && suffix.starts_with('.') && suffix[1..].eq_ignore_ascii_case(ext))
                .then_some(base)
        })
        .unwrap_or(name)
}

/// The name a file will have once rendered, as far as it can be told without the
/// template's values: `{% if … %}` / `{% endif %}` wrappers are dropped and their first
/// branch kept (`{% if docker %}Dockerfile{% endif %}` is `Dockerfile`), comments and other
/// block tags dropped, a template suffix stripped (`ci.yml.jinja` is `ci.yml`), and
/// `{{ … }}` placeholders kept as written (`{{ cookiecutter.x }}.yml` is still a YAML file).
/// `None` when nothing but placeholders remains: the name is unknown until rendered.
pub fn rendered_name(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    // Per open `{% if %}`: whether its current branch is dropped.
    let mut skipping: Vec<bool> = Vec::new();
    let dropped = |s: &[bool]| s.iter().any(|&x| x);
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some(end) = tag_end(bytes, i).filter(|_| bytes[i] == b'{') else {
            i += 1;
            continue;
        };
        if !dropped(&skipping) {
            out.push_str(&name[text_start..i]);
        }
        match bytes[i + 1] {
            b'{' if !dropped(&skipping) => out.push_str(&name[i..end]),
            b'%' => {
                let body = name[i + 2..end - 2].trim_matches(|c: char| c == '-' || c == '+');
                match body.split_whitespace().next().unwrap_or("") {
                    "if" => skipping.push(false),
                    "elif" | "else" => {
                        if let Some(last) = skipping.last_mut() {
                            *last = true;
                        }
                    }
                    "endif" => {
                        skipping.pop();
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        i = end;
        text_start = end;
    }
    if !dropped(&skipping) {
        out.push_str(&name[text_start..]);
    }
    let out = strip_template_suffix(out.trim()).to_owned();
    let known = {
        let b = out.as_bytes();
        let mut j = 0;
        let mut plain = false;
        while j < b.len() {
            match tag_end(b, j).filter(|_| b[j] == b'{') {
                Some(end) => j = end,
                None => {
                    plain |= !b[j].is_ascii_whitespace();
                    j += 1;
                }
            }
        }
        plain
    };
    known.then_some(out)
}

/// A repository path with each part as [`rendered_name`] gives it; a folder whose name is
/// unknown until rendered keeps its name as written. `None` when the file's own name is
/// unknown.
pub fn rendered_path(path: &str) -> Option<String> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let name = rendered_name(name)?;
    if !dir.contains('{') {
        return Some(if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        });
    }
    let mut out: Vec<String> = dir
        .split('/')
        .map(|d| rendered_name(d).unwrap_or_else(|| d.to_owned()))
        .collect();
    out.push(name);
    Some(out.join("/"))
}

/// Replace template tags with filler of the same byte length (newlines kept), so that
/// every offset into the result is an offset into `text`. A tag ends on the line it opens:
/// an unterminated `{{` or `${{ x }` (often in a comment) is left as written and never
/// swallows the lines below it.
///
/// - A line holding only tags becomes blank, so both branches of an `{% if %}` stay
///   visible to the parser with their indentation.
/// - `{% … %}` and `{# … #}` followed by a space or the line end become spaces: they
///   output nothing between the tokens around them (`key:{% if x %} &anchor{% endif %}`).
/// - Other tags become an identifier of `_` characters, also at the start of a line: a
///   key or item written with tags (`  {{ name }}_data: {}`, `  {% if x %}{{ n }}_data: {}`,
///   `- {{ x }}`) keeps its indentation and stays one plain scalar.
/// - GitHub `${{ … }}` expressions are left alone: GitHub reads the file as YAML before it
///   evaluates them, so they are valid YAML as written.
pub fn neutralise(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut line_start = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\n' {
            line_start = i + 1;
            i += 1;
            continue;
        }
        let Some(end) = tag_end(bytes, i) else {
            i += 1;
            continue;
        };
        if bytes[i] == b'$' {
            // A GitHub expression, kept; its braces are not read as a Jinja tag.
            i = end;
            continue;
        }
        let line_end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |p| end + p);
        let blank_before = out[line_start..i].iter().all(|b| matches!(b, b' ' | b'\t'));
        let fill = if blank_before && only_tags(bytes, end, line_end) {
            b' '
        } else if bytes[i + 1] == b'{' {
            b'_'
        } else if bytes.get(end).is_none_or(|b| b.is_ascii_whitespace()) {
            b' '
        } else {
            b'_'
        };
        out[i..end].fill(fill);
        i = end;
    }
    // Only ASCII bytes were replaced by ASCII bytes and whole tags were replaced: any
    // multi-byte character inside a tag was replaced in full.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The end (exclusive) of the tag that opens at `i` — `{% … %}`, `{# … #}`, `{{ … }}` or a
/// GitHub `${{ … }}` — when it closes on the same line.
fn tag_end(bytes: &[u8], i: usize) -> Option<usize> {
    let (open, close): (usize, &[u8; 2]) = match (bytes[i], *bytes.get(i + 1)?) {
        (b'{', b'%') => (2, b"%}"),
        (b'{', b'#') => (2, b"#}"),
        (b'{', b'{') => (2, b"}}"),
        (b'$', b'{') if bytes.get(i + 2) == Some(&b'{') => (3, b"}}"),
        _ => return None,
    };
    let body = &bytes[i + open..];
    let line = &body[..memchr::memchr(b'\n', body).unwrap_or(body.len())];
    memchr::memmem::find(line, close).map(|p| i + open + p + 2)
}

/// Whether `bytes[from..to]` holds only template tags and blanks.
fn only_tags(bytes: &[u8], mut from: usize, to: usize) -> bool {
    while from < to {
        match bytes[from] {
            b' ' | b'\t' | b'\r' => from += 1,
            b'{' => match tag_end(bytes, from) {
                Some(end) if end <= to => from = end,
                _ => return false,
            },
            _ => return false,
        }
    }
    true
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
            "a: _______\n           \nb: ${{ z }}\n           \nc: _______d\n            \nd: x:_________y\ne:           &e           "
        );
    }

    #[test]
    fn unterminated_tag_is_left_alone() {
        assert_eq!(neutralise("a: {{ x"), "a: {{ x");
    }

    #[test]
    fn a_tag_ends_on_its_line() {
        let t = "# use ${{ secrets.X in CI\nb: 1 # }}\nc: {{ z }}";
        assert_eq!(
            neutralise(t),
            "# use ${{ secrets.X in CI\nb: 1 # }}\nc: _______"
        );
        assert_eq!(neutralise("a: 1 # {{ x }}"), "a: 1 # _______");
        assert_eq!(neutralise("a: '#' {{ x\n}}"), "a: '#' {{ x\n}}");
        assert_eq!(neutralise("# {{ x\nb: {{ y }}"), "# {{ x\nb: _______");
    }

    #[test]
    fn a_leading_placeholder_keeps_its_indentation() {
        let t = "v:\n  {{ slug }}_data: {}\n  - {{ x }}\n  {{ only }}\n  {% if a %}{{ b }}: 1{% endif %}";
        assert_eq!(
            neutralise(t),
            "v:\n  ___________data: {}\n  - _______\n            \n  _________________: 1           "
        );
    }

    #[test]
    fn github_expressions_are_kept() {
        let t = "if: ${{ a &&\n    b }}\nc: ${{ x }}{{ y }}";
        assert_eq!(neutralise(t), "if: ${{ a &&\n    b }}\nc: ${{ x }}_______");
    }

    #[test]
    fn rendered_names() {
        let r = |n: &str| rendered_name(n);
        assert_eq!(r("Dockerfile").as_deref(), Some("Dockerfile"));
        assert_eq!(
            r("{% if docker %}Dockerfile{% endif %}").as_deref(),
            Some("Dockerfile")
        );
        assert_eq!(r("Dockerfile.jinja").as_deref(), Some("Dockerfile"));
        assert_eq!(r("Dockerfile.J2").as_deref(), Some("Dockerfile"));
        assert_eq!(
            r("{% if ci %}ci.yml{% endif %}.jinja").as_deref(),
            Some("ci.yml")
        );
        assert_eq!(
            r("{%- if a -%}x.yml{%- else -%}y.yml{%- endif -%}").as_deref(),
            Some("x.yml")
        );
        assert_eq!(
            r("{% if a %}{% if b %}b.yml{% else %}c{% endif %}{% endif %}").as_deref(),
            Some("b.yml")
        );
        assert_eq!(
            r("{{cookiecutter.x}}.yml").as_deref(),
            Some("{{cookiecutter.x}}.yml")
        );
        assert_eq!(r("{{ cookiecutter.project_slug }}"), None);
        assert_eq!(r("{{ _copier_conf.answers_file }}.jinja"), None);
        assert_eq!(r("{% if x %}{% endif %}"), None);
        assert_eq!(r(".jinja").as_deref(), Some(".jinja"));
        assert_eq!(r("{{ a").as_deref(), Some("{{ a"));
        assert_eq!(
            rendered_path("{{c.slug}}/.github/workflows/{% if ci %}ci.yml{% endif %}.jinja")
                .as_deref(),
            Some("{{c.slug}}/.github/workflows/ci.yml")
        );
        assert_eq!(
            rendered_path("{% if gh %}.github{% endif %}/workflows/ci.yml").as_deref(),
            Some(".github/workflows/ci.yml")
        );
        assert_eq!(rendered_path("a/{{ x }}"), None);
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
