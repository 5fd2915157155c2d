//! YAML that may hold template tags (Jinja/cookiecutter `{{ … }}`, `{% … %}`, GitHub
//! `${{ … }}`, Go templates).
//!
//! The text is parsed as it is written first: most templated files are valid YAML (a
//! `${{ … }}` expression is a plain scalar, even over several lines; a `{{ … }}` inside a
//! block scalar is text). Only when that fails are the tags blanked
//! ([`template::neutralise`], which moves no byte) and the text parsed again. Either way,
//! every span points into the original text.

use std::ops::Range;

use super::template;
use super::yaml::{self, Node, Value};
use super::yaml_parts;

/// How a text parsed.
#[derive(Debug)]
pub struct Parsed {
    pub docs: Vec<Node>,
    /// The text parsed only with its template tags blanked.
    pub blanked: bool,
}

/// A text that is not YAML, as written nor with its template tags blanked.
#[derive(Debug)]
pub struct Invalid {
    pub error: yaml::Error,
    /// Byte offset of the error's location (0 when the parser gives none).
    pub offset: usize,
    /// The text holds template tags (the error is the one with the tags blanked).
    pub templated: bool,
}

/// Whether `text` holds template tags or starter-workflow placeholders.
pub fn is_templated(text: &str) -> bool {
    template::has_template(text) || text.contains("$default-branch")
}

/// Parse `text` as written, then with its template tags blanked.
pub fn parse(text: &str) -> Result<Parsed, Invalid> {
    let raw = match yaml::parse(text) {
        Ok(mut docs) => {
            if text.contains("{{") {
                docs.iter_mut()
                    .for_each(|d| placeholders_as_scalars(d, text));
            }
            return Ok(Parsed {
                docs,
                blanked: false,
            });
        }
        Err(e) => e,
    };
    let templated = is_templated(text);
    // A text beyond the parser's limits (an alias bomb, a deep nesting) is not parsed a
    // second time: the costliest failure is paid once.
    let neutral = if raw.limit {
        text.to_owned()
    } else {
        template::neutralise(text)
    };
    if neutral == text {
        let offset = offset_of(text, &raw);
        return Err(Invalid {
            error: raw,
            offset,
            templated,
        });
    }
    match yaml::parse(&neutral) {
        Ok(docs) => Ok(Parsed {
            docs,
            blanked: true,
        }),
        Err(error) => Err(Invalid {
            // The blanked text has the original's byte offsets, not always its columns.
            offset: offset_of(&neutral, &error),
            error,
            templated,
        }),
    }
}

/// What [`read`] makes of a text: the documents, or the parts of them that parse.
#[derive(Debug, Default)]
pub struct Read {
    pub docs: Vec<Node>,
    /// Byte ranges (whole lines) that do not parse.
    pub unparsed: Vec<Range<usize>>,
    /// Why the whole text did not parse.
    pub invalid: Option<Invalid>,
}

/// [`parse`], and when the whole text fails, [`parts`]: every entry that parses is read.
pub fn read(text: &str) -> Read {
    match parse(text) {
        Ok(parsed) => Read {
            docs: parsed.docs,
            ..Read::default()
        },
        Err(invalid) => {
            let p = parts(text, &invalid);
            Read {
                docs: p.docs,
                unparsed: p.unparsed,
                invalid: Some(invalid),
            }
        }
    }
}

/// The parts of a text that [`parse`] rejects (with `invalid`) which parse on their own
/// (with template tags blanked when it has some), and the ranges of those that do not. A
/// text beyond the parser's limits is not parsed again: all of it is unparsed.
pub fn parts(text: &str, invalid: &Invalid) -> yaml_parts::Parts {
    if invalid.error.limit {
        return yaml_parts::Parts {
            docs: Vec::new(),
            unparsed: std::iter::once(0..text.len()).collect(),
        };
    }
    if is_templated(text) {
        yaml_parts::parse(&template::neutralise(text))
    } else {
        yaml_parts::parse(text)
    }
}

/// The byte offset of an error's line and column in the text that was parsed.
fn offset_of(text: &str, e: &yaml::Error) -> usize {
    let Some(line) = e.line else { return 0 };
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    let rest = &text[start..];
    let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let col = e.column.unwrap_or(1).saturating_sub(1) as usize;
    start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i)
}

/// A value written as a placeholder (`image: {{ cookiecutter.image }}`) reads as valid
/// YAML, a flow mapping nested in a flow mapping; it is the placeholder's text.
fn placeholders_as_scalars(doc: &mut Node, text: &str) {
    doc.walk_mut(&mut |node| {
        let Some(r) = placeholder_at(text, node) else {
            return true;
        };
        node.value = Value::Scalar(text[r.clone()].to_owned());
        node.span = r.clone();
        node.defined = r;
        false
    });
}

/// The range of a `{{ … }}` tag read as a flow mapping at `node`.
fn placeholder_at(text: &str, node: &Node) -> Option<Range<usize>> {
    if !matches!(node.value, Value::Map(_)) || node.span != node.defined {
        return None;
    }
    let start = node.span.start;
    let rest = text.get(start..)?;
    if !rest.starts_with("{{") {
        return None;
    }
    let end = rest.find("}}")? + 2;
    // One tag on one line.
    (!rest[..end].contains('\n')).then_some(start..start + end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_yaml_is_parsed_as_written() {
        let t = "if: ${{ a &&\n  b }}\nrun: |\n  {{ x }}\n    {{ y }}\n  echo\n";
        let p = parse(t).unwrap();
        assert!(!p.blanked);
        assert_eq!(p.docs[0].get("if").unwrap().str(), Some("${{ a && b }}"));
    }

    #[test]
    fn placeholders_are_scalars() {
        let t = "a: {{ cookiecutter.image }}\nb: [{{ x }}, c]\n";
        let p = parse(t).unwrap();
        let a = p.docs[0].get("a").unwrap();
        assert_eq!(a.str(), Some("{{ cookiecutter.image }}"));
        assert_eq!(&t[a.span.clone()], "{{ cookiecutter.image }}");
        let b: Vec<_> = p.docs[0].get("b").unwrap().items().collect();
        assert_eq!(b[0].str(), Some("{{ x }}"));
    }

    #[test]
    fn tags_are_blanked_when_needed() {
        let t = "a: 1\n{% if x %}\nb: é{{ y }}\n{% endif %}\n";
        let p = parse(t).unwrap();
        assert!(p.blanked);
        assert_eq!(&t[p.docs[0].get("b").unwrap().span.clone()], "é{{ y }}");
    }

    #[test]
    fn both_branches_of_an_if_are_kept() {
        let t = "svc:\n{%- if a %}\n  image: x:1\n{%- else %}\n  image: x:latest\n{%- endif %}\n";
        let p = parse(t).unwrap();
        assert!(p.blanked);
        let svc = p.docs[0].get("svc").unwrap();
        let images: Vec<_> = svc.get_all("image").map(|n| &t[n.span.clone()]).collect();
        assert_eq!(images, ["x:1", "x:latest"]);
    }

    #[test]
    fn a_leading_placeholder_keeps_its_indentation() {
        let t = "volumes:\n  {{ slug }}_data: {}\n  {% if r %}{{ slug }}_redis: {}{% endif %}\nservices: {}\n";
        let p = parse(t).unwrap();
        assert!(p.blanked);
        let volumes = p.docs[0].get("volumes").unwrap().as_map().unwrap();
        assert_eq!(volumes.len(), 2);
        assert!(p.docs[0].get("services").is_some());
    }

    #[test]
    fn read_gives_what_parses() {
        let r = read("a:\n  b: [1\nc:\n  image: x\n");
        assert!(r.invalid.is_some());
        assert!(r.docs[0].get("c").is_some());
        assert!(!r.unparsed.is_empty());
        let r = read("a: 1\n");
        assert!(r.invalid.is_none() && r.unparsed.is_empty());
    }

    #[test]
    fn errors_point_into_the_original() {
        let e = parse("a: 1\nb: [é, {{ x }}\nc: 2\n").unwrap_err();
        assert!(e.templated);
        let e = parse("a: 1\nb: [1\n").unwrap_err();
        assert!(!e.templated);
        assert!(e.offset > 0, "{e:?}");
    }
}
