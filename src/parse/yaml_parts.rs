//! The parts of a YAML text that parse, when the whole does not.
//!
//! A document that fails is split by indentation into its entries (a key and the lines
//! indented below it, or a `- ` item); each entry is parsed alone, under the lines of the
//! keys it belongs to, and an entry that fails is split the same way, a few levels deep.
//! What parses is merged back into one tree per document, with spans into the original
//! text; what does not is returned as byte ranges, for a line-by-line look.

use std::ops::Range;

use super::yaml::{self, Node, Value};

/// How deep an entry that does not parse is split.
const MAX_DEPTH: usize = 8;
/// How many parts of one text are parsed at least before the rest is returned unparsed;
/// the limit grows with the text (see [`max_attempts`]), so that a longer text is not
/// looked at differently from a shorter one.
const MIN_ATTEMPTS: usize = 2_000;

/// How many parts of `text` are parsed at most: a few per line. Parts of one level are
/// disjoint, so the work stays linear in the text (times [`MAX_DEPTH`]).
fn max_attempts(text: &str) -> usize {
    MIN_ATTEMPTS.max(4 * line_count(text))
}

fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// What parsed, and what did not.
#[derive(Debug, Default)]
pub struct Parts {
    /// One tree per document, from the entries that parse.
    pub docs: Vec<Node>,
    /// Byte ranges (whole lines) of the entries that do not.
    pub unparsed: Vec<Range<usize>>,
}

/// Parse what parses of `text`, entry by entry.
pub fn parse(text: &str) -> Parts {
    let mut parts = Parts::default();
    let mut attempts = 0;
    let max = max_attempts(text);
    for doc in documents(text) {
        let mut root = None;
        let lines = lines(text, doc);
        let mut split = Split {
            text,
            root: &mut root,
            unparsed: &mut parts.unparsed,
            attempts: &mut attempts,
            max,
        };
        split.split(&[], &lines, 0);
        parts.docs.extend(root);
    }
    parts
}

/// The documents of a stream: the text between `---` / `...` lines.
fn documents(text: &str) -> Vec<Range<usize>> {
    let mut docs = Vec::new();
    let mut start = 0;
    for line in lines(text, 0..text.len()) {
        let l = &text[line.clone()];
        let marker = l.starts_with("---") || l.starts_with("...");
        if marker && l[3..].chars().next().is_none_or(char::is_whitespace) {
            docs.push(start..line.start);
            start = line.end;
        }
    }
    docs.push(start..text.len());
    docs
}

/// The lines of `range` (each with its line break).
fn lines(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = range.start;
    for l in text[range.clone()].split_inclusive('\n') {
        out.push(at..at + l.len());
        at += l.len();
    }
    out
}

/// Leading spaces and tabs of a line, or `None` for a blank or comment line.
fn indent(line: &str) -> Option<usize> {
    let rest = line.trim_start_matches([' ', '\t']);
    let content = rest.trim_end();
    (!content.is_empty() && !content.starts_with('#')).then(|| line.len() - rest.len())
}

/// One document being parsed part by part.
struct Split<'t, 'o> {
    text: &'t str,
    /// What parsed so far, merged.
    root: &'o mut Option<Node>,
    unparsed: &'o mut Vec<Range<usize>>,
    /// Parts parsed so far in the whole text.
    attempts: &'o mut usize,
    /// At most this many.
    max: usize,
}

impl Split<'_, '_> {
    /// Parse `body` under `headers`; when it fails, parse its entries one by one.
    fn split(&mut self, headers: &[Range<usize>], body: &[Range<usize>], depth: usize) {
        let text = self.text;
        let Some(whole) = body.first().zip(body.last()).map(|(a, b)| a.start..b.end) else {
            return;
        };
        if body.iter().all(|l| indent(&text[l.clone()]).is_none()) {
            return;
        }
        if *self.attempts >= self.max {
            self.unparsed.push(whole);
            return;
        }
        *self.attempts += 1;
        if let Some(docs) = attempt(text, headers, body) {
            for doc in docs {
                match self.root {
                    Some(r) => merge(r, doc),
                    None => *self.root = Some(doc),
                }
            }
            return;
        }
        // A top-level body has no line of its own; an entry's first line is its key.
        let (own, rest) = match depth {
            0 => (None, body),
            _ => (body.first(), &body[1..]),
        };
        let entries = entries(text, rest);
        let splittable = depth < MAX_DEPTH && own.is_none_or(|l| opens_block(&text[l.clone()]));
        if !splittable || entries.is_empty() {
            self.unparsed.push(whole);
            return;
        }
        let mut inner = headers.to_vec();
        inner.extend(own.cloned());
        for entry in entries {
            self.split(&inner, entry, depth + 1);
        }
    }
}

/// Whether a line can hold the entries indented below it: a key with nothing after it
/// (but an anchor, a tag or a comment), or a `- ` item.
fn opens_block(line: &str) -> bool {
    let l = line.trim();
    let l = l.split(" #").next().unwrap_or(l).trim_end();
    // A block scalar or a flow collection goes on below: its lines are not entries.
    let last = l.rsplit(' ').next().unwrap_or(l);
    let scalar = last.starts_with(['|', '>'])
        && last[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '+');
    if scalar || l.ends_with(['[', '{']) {
        return false;
    }
    if l.starts_with("- ") || l == "-" {
        return true;
    }
    let Some(colon) = l.rfind(':') else {
        return false;
    };
    let after = l[colon + 1..].trim();
    after.is_empty() || after.split_whitespace().all(|w| w.starts_with(['&', '!']))
}

/// The entries of `body`: a new one starts at each line at the body's least indentation
/// (a key, or a `- ` item in a sequence); deeper lines, blank lines and comments belong to
/// the entry above.
fn entries<'b>(text: &str, body: &'b [Range<usize>]) -> Vec<&'b [Range<usize>]> {
    let Some(least) = body.iter().filter_map(|l| indent(&text[l.clone()])).min() else {
        return Vec::new();
    };
    let item = |line: &str| {
        let l = line.trim_start();
        l.starts_with("- ") || l.trim_end() == "-"
    };
    // Items at a key's own indentation (`steps:` then `- uses: …`) are the key's value.
    let items = body
        .iter()
        .map(|l| &text[l.clone()])
        .find(|l| indent(l) == Some(least))
        .is_some_and(item);
    let mut starts = Vec::new();
    for (i, l) in body.iter().enumerate() {
        let line = &text[l.clone()];
        let closes = line.trim_start().starts_with([']', '}']);
        if indent(line) == Some(least) && !closes && item(line) == items {
            starts.push(i);
        }
    }
    if let Some(first) = starts.first_mut() {
        *first = 0;
    }
    let mut out = Vec::new();
    for (n, &s) in starts.iter().enumerate() {
        let e = starts.get(n + 1).copied().unwrap_or(body.len());
        out.push(&body[s..e]);
    }
    out
}

/// Parse the lines `headers` then `body` alone; spans point into `text`.
fn attempt(text: &str, headers: &[Range<usize>], body: &[Range<usize>]) -> Option<Vec<Node>> {
    // (offset in the piece, offset in `text`) of each run of lines.
    let mut map: Vec<(usize, usize)> = Vec::new();
    let mut piece = String::new();
    for l in headers.iter().chain(body) {
        map.push((piece.len(), l.start));
        piece.push_str(&text[l.clone()]);
        if !piece.ends_with('\n') {
            piece.push('\n');
        }
    }
    let mut docs = yaml::parse(&piece).ok()?;
    let to_text = |at: usize| {
        let i = map.partition_point(|&(p, _)| p <= at).saturating_sub(1);
        map.get(i)
            .map_or(at, |&(p, t)| t + (at - p))
            .min(text.len())
    };
    let shift = |r: &Range<usize>| {
        let start = to_text(r.start);
        start..to_text(r.end).max(start)
    };
    for d in &mut docs {
        d.walk_mut(&mut |n| {
            n.span = shift(&n.span);
            n.defined = shift(&n.defined);
            true
        });
    }
    Some(docs)
}

/// Add what another part parsed: the same key or item (by its place in the text) is
/// merged, anything new appended. Parts arrive in text order, so a key or item shared with
/// `into` is the last one merged at its level: searched from the end, it is found at once
/// (a broken file of many entries stays linear).
fn merge(into: &mut Node, from: Node) {
    match (&mut into.value, from.value) {
        (Value::Map(a), Value::Map(b)) => {
            for (k, v) in b {
                match a.iter_mut().rev().find(|(ak, _)| ak.span == k.span) {
                    Some((_, av)) => merge(av, v),
                    None => a.push((k, v)),
                }
            }
        }
        (Value::Seq(a), Value::Seq(b)) => {
            for item in b {
                match a.iter_mut().rev().find(|ai| ai.span == item.span) {
                    Some(ai) => merge(ai, item),
                    None => a.push(item),
                }
            }
        }
        (Value::Null, v) => into.value = v,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_parses_is_kept() {
        let t = "services:\n  web:\n    image: nginx:1\n    ports: [80\n  db:\n    image: pg:16\nx: 1\n";
        let p = parse(t);
        let services = p.docs[0].get("services").unwrap();
        let web = services.get("web").unwrap();
        let image = web.get("image").unwrap();
        assert_eq!(&t[image.span.clone()], "nginx:1");
        let db = services.get("db").unwrap().get("image").unwrap();
        assert_eq!(&t[db.span.clone()], "pg:16");
        assert_eq!(p.docs[0].get("x").unwrap().str(), Some("1"));
        assert_eq!(p.unparsed.len(), 1);
        assert_eq!(&t[p.unparsed[0].clone()], "    ports: [80\n");
    }

    #[test]
    fn items_and_documents() {
        let t = "a: 1\n---\nsteps:\n- uses: x@v1\n- run: |\n  ok\n   bad: [\n- uses: y@v2\n";
        let p = parse(t);
        assert_eq!(p.docs.len(), 2);
        let steps: Vec<_> = p.docs[1].get("steps").unwrap().items().collect();
        assert_eq!(steps.len(), 2);
        assert_eq!(&t[steps[1].get("uses").unwrap().span.clone()], "y@v2");
        assert_eq!(p.unparsed.len(), 1, "{p:?}");
    }

    #[test]
    fn parts_are_bounded() {
        let t: String = (0..3 * MIN_ATTEMPTS)
            .map(|i| format!("k{i}: [\n"))
            .collect();
        let p = parse(&t);
        assert!(p.docs.is_empty());
        let lines: usize = p
            .unparsed
            .iter()
            .map(|r| t[r.clone()].lines().count())
            .sum();
        assert_eq!(lines, 3 * MIN_ATTEMPTS);
        // The limit grows with the text: ten times the lines, ten times the parts.
        let short = "a: 1\n".repeat(MIN_ATTEMPTS);
        let long = "a: 1\n".repeat(10 * MIN_ATTEMPTS);
        assert_eq!(max_attempts(&long) - 4, 10 * (max_attempts(&short) - 4));
    }

    #[test]
    fn nothing_parses() {
        let p = parse("[\n");
        assert!(p.docs.is_empty());
        assert_eq!(p.unparsed, vec![0..2]);
        assert!(parse("").docs.is_empty());
    }
}
