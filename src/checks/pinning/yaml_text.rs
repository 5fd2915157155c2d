//! What the YAML checks read from a file's text beside its tree: Kubernetes manifests
//! written in JSON, the finding for a file that does not parse, and references found line
//! by line in the parts that do not.

use std::ops::Range;

use super::{Cx, Detect};
use crate::finding::Severity;
use crate::parse::templated_yaml;
use crate::parse::yaml::Node;
use crate::static_regex;

static_regex!(API_VERSION = r#""apiVersion"\s*:\s*""#);
static_regex!(KIND = r#""kind"\s*:\s*""#);

/// The documents of a JSON text that are Kubernetes manifests: `kind` and `apiVersion` at
/// their top, or a `List` of such `items` (JSON is YAML to the parser, spans included). Any
/// other JSON (`package.json`, lockfiles, `cookiecutter.json`, schemas) has none.
pub(crate) fn json_manifests(text: &str) -> Vec<Node> {
    // `apiVersion` and `kind` with string values: not a JSON Schema or an OpenAPI document
    // describing them.
    if !text.contains("\"image\"") || !API_VERSION.is_match(text) || !KIND.is_match(text) {
        return Vec::new();
    }
    // Not JSON (JSON with comments, a fragment): nothing to say about it here.
    let Ok(parsed) = templated_yaml::parse(text) else {
        return Vec::new();
    };
    parsed
        .docs
        .into_iter()
        .filter(|d| is_manifest(d) || d.get("items").is_some_and(|i| i.items().any(is_manifest)))
        .collect()
}

fn is_manifest(doc: &Node) -> bool {
    let text = |k: &str| {
        doc.get(k)
            .and_then(Node::str)
            .is_some_and(|v| !v.is_empty())
    };
    text("apiVersion") && text("kind")
}

/// Report a file that does not parse: a note when it has template tags (it may be valid
/// once rendered), a warning otherwise, at the parser's location.
pub(crate) fn invalid(cx: &mut Cx<'_>, e: &templated_yaml::Invalid) {
    let offset = e.offset.min(cx.text().len());
    let error = &e.error;
    let (msg, sev) = if e.templated {
        (
            format!(
                "not valid YAML even with template tags blanked ({error}); what does not parse was checked line by line"
            ),
            Some(Severity::Note),
        )
    } else {
        (
            format!("not valid YAML ({error}); what does not parse was checked line by line"),
            None,
        )
    };
    cx.report_with(Detect::YamlInvalid, offset..offset, msg, sev);
}

static_regex!(
    LINE_REF = r#"(?m)^[ \t]*(?:-[ \t]+)?(?:\{[ \t]*)?["']?(uses|image|container|rev)["']?[ \t]*:[ \t]*([^\s#])"#
);

/// The `uses:`, `image:`, `container:` and `rev:` values written in `range` of `text`, line
/// by line: (key, value, range of the value).
pub(crate) fn line_refs(
    text: &str,
    range: Range<usize>,
) -> Vec<(&'static str, String, Range<usize>)> {
    let Some(part) = text.get(range.clone()) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for c in LINE_REF.captures_iter(part) {
        let (Some(key), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let key = match key.as_str() {
            "uses" => "uses",
            "image" => "image",
            "container" => "container",
            _ => "rev",
        };
        let value = line_value(part, value.start());
        if value.is_empty() {
            continue;
        }
        let at = range.start + value.start..range.start + value.end;
        found.push((key, part[value].to_owned(), at));
    }
    found
}

/// The value that starts at `start` of `text`: up to its closing quote, or for a plain
/// value up to a comment, a `,`/`}` of a flow mapping or the line end; template tags are
/// part of it.
fn line_value(text: &str, start: usize) -> Range<usize> {
    let mut start = start;
    let line = &text[start..];
    let mut line = &line[..line.find(['\n', '\r']).unwrap_or(line.len())];
    // An anchor names the value that follows it.
    if line.starts_with('&') {
        let skip = line.find([' ', '\t']).map_or(line.len(), |s| {
            s + line[s..].len() - line[s..].trim_start().len()
        });
        start += skip;
        line = &line[skip..];
    }
    let bytes = line.as_bytes();
    // An alias, a flow collection or a block scalar: no value on this line.
    let tag = line.starts_with("{{") || line.starts_with("{%");
    if line.starts_with(['*', '[', '|', '>']) || (line.starts_with('{') && !tag) {
        return start..start;
    }
    if let Some(&q @ (b'"' | b'\'')) = bytes.first() {
        let end = line[1..].find(q as char).map_or(line.len(), |e| e + 1);
        return start + 1..start + end;
    }
    let mut depth = 0usize;
    let mut end = line.len();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1).is_some_and(|b| matches!(b, b'{' | b'%')) => {
                depth += 1;
                i += 1;
            }
            b'}' | b'%' if depth > 0 && bytes.get(i + 1) == Some(&b'}') => {
                depth -= 1;
                i += 1;
            }
            b'#' if depth == 0 && i > 0 && bytes[i - 1].is_ascii_whitespace() => {
                end = i;
                break;
            }
            b',' | b'}' | b']' if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
        i += 1;
    }
    start..start + line[..end].trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_values() {
        fn v(t: &str) -> &str {
            &t[line_value(t, 0)]
        }
        assert_eq!(v("nginx:1.25 # web\nx"), "nginx:1.25");
        assert_eq!(
            v("\"{{ .Values.a }}:{{ .Values.b }}\" # x"),
            "{{ .Values.a }}:{{ .Values.b }}"
        );
        assert_eq!(v("'a b'"), "a b");
        assert_eq!(
            v("{{ cookiecutter.registry }}/app:1, name: x }"),
            "{{ cookiecutter.registry }}/app:1"
        );
        assert_eq!(v("node:20 }"), "node:20");
        assert_eq!(v("&img node:20"), "node:20");
        assert_eq!(v("*img"), "");
        assert_eq!(v("{ repository: x }"), "");
        assert_eq!(v("|\n  a"), "");
    }

    #[test]
    fn references_by_line() {
        let t = "x: 1\n- uses: a/b@v1\n  image: \"{{ r }}/n:1\" # c\n  rev: *r\n";
        let got = line_refs(t, 5..t.len());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(&t[got[0].2.clone()], "a/b@v1");
        assert_eq!((got[1].0, got[1].1.as_str()), ("image", "{{ r }}/n:1"));
        assert_eq!(&t[got[1].2.clone()], "{{ r }}/n:1");
    }
}
