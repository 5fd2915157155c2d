//! YAML with byte spans: every node of the tree knows where it is in the source, so a
//! finding points at the exact value even in flow style, behind an alias or in the third
//! document of a stream.
//!
//! Parsing is bounded ([`serde_saphyr::Budget`]: nesting depth, node count, alias
//! expansion), so an alias bomb or a 10,000-deep nesting is an [`Error`] with a location,
//! not a hang or a stack overflow. Duplicate keys are kept (later checks see both).

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, LazyLock, Mutex, mpsc};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, DuplicateKeyPolicy, Options, Spanned};

/// A YAML node and the byte range of its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte range in the parsed text where the node is used: for the node an alias names,
    /// the `*alias`; for anything inside it or copied by a merge key (`<<: *x`), where it is
    /// written.
    pub span: Range<usize>,
    /// Byte range where the node is defined (for an alias: the anchored node).
    pub defined: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Any scalar, as the parser resolved it (numbers and booleans as written text).
    Scalar(String),
    Seq(Vec<Node>),
    /// Entries in source order; duplicate keys are all kept.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar's text, if this is a scalar.
    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value of the first entry whose key is `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The values of every entry whose key is `key`: a key written in both branches of a
    /// template's `{% if %}…{% else %}` is there twice.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.as_map()
            .unwrap_or_default()
            .iter()
            .filter(move |(k, _)| k.str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The entry (key node, value node) of the first key `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Values of a mapping (empty for anything else).
    pub fn values(&self) -> impl Iterator<Item = &Node> {
        self.as_map().unwrap_or_default().iter().map(|(_, v)| v)
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self) -> impl Iterator<Item = &Node> {
        self.as_seq().unwrap_or_default().iter()
    }

    /// Visit this node and every node below it (keys included), parents first.
    pub fn walk(&self, visit: &mut impl FnMut(&Node)) {
        visit(self);
        match &self.value {
            Value::Seq(items) => items.iter().for_each(|i| i.walk(visit)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.walk(visit);
                v.walk(visit);
            }),
            Value::Null | Value::Scalar(_) => {}
        }
    }

    /// Visit this node and, while `visit` returns `true` for their parent, the nodes below
    /// it (keys included), parents first; `visit` may change them.
    pub fn walk_mut(&mut self, visit: &mut impl FnMut(&mut Node) -> bool) {
        if !visit(self) {
            return;
        }
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|i| i.walk_mut(visit)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.walk_mut(visit);
                v.walk_mut(visit);
            }),
            Value::Null | Value::Scalar(_) => {}
        }
    }
}

/// A file that is not valid YAML (or exceeds the parsing budget).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    /// 1-based line and column, when the parser knows them.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The parser's limits were exceeded (nesting, size, alias expansion) or it failed: the
    /// text is not worth parsing again in parts.
    pub limit: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_nodes = 2_000_000;
    budget.max_aliases = 10_000;
    budget.max_documents = 1_024;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    // Alias bombs stop early: real files replay a few thousand events at most.
    options.alias_limits.max_total_replayed_events = 100_000;
    options.alias_limits.max_alias_expansions_per_anchor = 5_000;
    options.with_snippet = false;
    options
}

/// Stack for the parsing thread: the deserializer recurses once per nesting level, and
/// [`MAX_DEPTH`] levels must fit however small the caller's stack is.
const PARSE_STACK: usize = 64 * 1024 * 1024;
/// Deepest nesting accepted; real configuration files stay far below it.
const MAX_DEPTH: usize = 100;

/// A parse request for the parser threads.
struct Job {
    text: String,
    reply: mpsc::Sender<Result<Vec<Node>, Error>>,
}

/// Threads with [`PARSE_STACK`] stacks, started once and fed through a queue: spawning one
/// per file costs more than most parses, and a plain blocking wait (unlike a cross-pool
/// `rayon` call) never runs other work on the caller's small stack.
static PARSERS: LazyLock<Option<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    let n = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut started = 0;
    for i in 0..n {
        let rx = Arc::clone(&rx);
        let spawned = std::thread::Builder::new()
            .name(format!("yaml-{i}"))
            .stack_size(PARSE_STACK)
            .spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(queue) => match queue.recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        },
                        Err(_) => return,
                    };
                    let result = std::panic::catch_unwind(|| parse_here(&job.text))
                        .unwrap_or_else(|_| Err(failed()));
                    // The caller may have given up; nothing to do then.
                    let _ = job.reply.send(result);
                }
            });
        if spawned.is_ok() {
            started += 1;
        }
    }
    (started > 0).then_some(tx)
});

fn failed() -> Error {
    Error {
        message: "the YAML parser failed".to_owned(),
        line: None,
        column: None,
        limit: true,
    }
}

/// Parse every document of a YAML stream. Empty documents are skipped.
pub fn parse(text: &str) -> Result<Vec<Node>, Error> {
    if let Some(queue) = PARSERS.as_ref() {
        let (reply, answer) = mpsc::channel();
        let job = Job {
            text: text.to_owned(),
            reply,
        };
        if queue.send(job).is_ok()
            && let Ok(result) = answer.recv()
        {
            return result;
        }
    }
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("yaml".to_owned())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, || parse_here(text))
            .map_err(|e| Error {
                message: format!("cannot start the YAML parser: {e}"),
                line: None,
                column: None,
                limit: true,
            })?
            .join()
            .unwrap_or_else(|_| Err(failed()))
    })
}

fn parse_here(text: &str) -> Result<Vec<Node>, Error> {
    let docs: Vec<Spanned<Raw>> = serde_saphyr::from_str_multiple_with_options(text, options())
        .map_err(|e| {
            let loc = e.location();
            let line = loc.map(|l| l.line()).filter(|&l| l > 0);
            let column = loc.map(|l| l.column()).filter(|&c| c > 0);
            let message = e.to_string();
            // The message often repeats the position; keep the first line only.
            let message = message.lines().next().unwrap_or_default().trim().to_owned();
            let limit = is_limit(&e);
            Error {
                message,
                line: line.map(|l| l as u32),
                column: column.map(|c| c as u32),
                limit,
            }
        })?;
    Ok(docs
        .into_iter()
        .map(|d| to_node(d, text, false))
        .filter(|n| n.value != Value::Null)
        .collect())
}

/// Whether the parser stopped at one of its limits (nesting, size, alias expansion).
fn is_limit(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    match e {
        E::AliasError { error, .. } | E::WithSnippet { error, .. } => is_limit(error),
        E::Budget { .. }
        | E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => true,
        _ => false,
    }
}

/// An untyped YAML value as the deserializer produces it, children still spanned.
enum Raw {
    Null,
    Scalar(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

fn byte_range(loc: serde_saphyr::Location, text: &str) -> Range<usize> {
    let span = loc.span();
    let start = span.byte_offset().map_or(0, |o| o as usize).min(text.len());
    let len = span.byte_len().map_or(0, |l| l as usize);
    start..(start + len).min(text.len())
}

/// Convert a parsed node. `replayed` is set inside what an alias or a merge key (`<<: *x`)
/// replays: only the node an alias names is "used" at the `*alias`; what lies inside it, and
/// the entries a merge key copies, are used where they are written, so each piece of source
/// text has one location however many times it is replayed.
fn to_node(s: Spanned<Raw>, text: &str, replayed: bool) -> Node {
    let defined = byte_range(s.defined, text);
    let referenced = byte_range(s.referenced, text);
    let aliased = referenced != defined;
    let span = if replayed && aliased {
        defined.clone()
    } else {
        referenced
    };
    let inner = replayed || aliased;
    let value = match s.value {
        Raw::Null => Value::Null,
        Raw::Scalar(v) => Value::Scalar(v),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| to_node(i, text, inner)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    // An entry whose key was replayed came from a merge key.
                    let merged =
                        inner || byte_range(k.referenced, text) != byte_range(k.defined, text);
                    (to_node(k, text, merged), to_node(v, text, merged))
                })
                .collect(),
        ),
    };
    Node {
        value,
        span,
        defined,
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Scalar(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Scalar(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Spanned<Raw>>()? {
            let v = map.next_value::<Spanned<Raw>>()?;
            entries.push((k, v));
        }
        Ok(Raw::Map(entries))
    }
}

/// The byte range of a scalar's content inside `span` of `text`: without quotes, and for
/// a plain scalar without trailing spaces or a comment.
pub fn scalar_range(text: &str, span: &Range<usize>) -> Range<usize> {
    let Some(raw) = text.get(span.clone()) else {
        return span.clone();
    };
    let trimmed_end = raw.trim_end().len();
    let raw_t = &raw[..trimmed_end];
    if raw_t.len() >= 2
        && ((raw_t.starts_with('"') && raw_t.ends_with('"'))
            || (raw_t.starts_with('\'') && raw_t.ends_with('\'')))
    {
        return span.start + 1..span.start + raw_t.len() - 1;
    }
    span.start..span.start + trimmed_end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of<'a>(t: &'a str, n: &Node) -> &'a str {
        &t[scalar_range(t, &n.span)]
    }

    #[test]
    fn spans_point_at_values() {
        let t = "jobs:\n  a:\n    steps:\n      - uses: \"x/y@v1\"\n      - { name: n, uses: a/b@v2 }\n";
        let docs = parse(t).unwrap();
        let steps = docs[0]
            .get("jobs")
            .unwrap()
            .get("a")
            .unwrap()
            .get("steps")
            .unwrap();
        let s: Vec<&Node> = steps.items().collect();
        let u0 = s[0].get("uses").unwrap();
        assert_eq!(u0.str(), Some("x/y@v1"));
        assert_eq!(text_of(t, u0), "x/y@v1");
        let u1 = s[1].get("uses").unwrap();
        assert_eq!(text_of(t, u1), "a/b@v2");
    }

    #[test]
    fn aliases_and_documents() {
        let t = "a: &x foo:1\nb: *x\n---\nc: 1.20\n";
        let docs = parse(t).unwrap();
        assert_eq!(docs.len(), 2);
        let b = docs[0].get("b").unwrap();
        assert_eq!(b.str(), Some("foo:1"));
        assert_eq!(&t[b.span.clone()], "*x");
        assert_eq!(
            text_of(
                t,
                &Node {
                    span: b.defined.clone(),
                    ..b.clone()
                }
            ),
            "foo:1"
        );
        let c = docs[1].get("c").unwrap();
        assert_eq!(text_of(t, c), "1.20");
    }

    #[test]
    fn replayed_content_is_located_where_written() {
        let t = "x: &t\n  image: node:20\n  s: [a]\na:\n  <<: *t\nc: *t\nd: &i b\ne: *i\n";
        let docs = parse(t).unwrap();
        let written = |n: &Node| &t[n.span.clone()];
        let merged = docs[0].get("a").unwrap();
        assert_eq!(written(merged.get("image").unwrap()), "node:20");
        assert_eq!(written(merged.entry("image").unwrap().0), "image");
        assert_eq!(
            written(merged.get("s").unwrap().items().next().unwrap()),
            "a"
        );
        let aliased = docs[0].get("c").unwrap();
        assert_eq!(written(aliased), "*t");
        assert_eq!(written(aliased.get("image").unwrap()), "node:20");
        // The node an alias names is used at the alias.
        assert_eq!(written(docs[0].get("e").unwrap()), "*i");
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let docs = parse("a: 1\na: 2\n").unwrap();
        assert_eq!(docs[0].as_map().unwrap().len(), 2);
    }

    #[test]
    fn errors_have_locations() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
        assert!(!e.limit, "{e:?}");
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&t).unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
        assert!(e.limit, "{e:?}");
    }

    #[test]
    fn deep_flow_nesting_is_an_error() {
        for n in [150, 300, 10_000] {
            let t = "[".repeat(n) + "]".repeat(n).as_str();
            assert!(parse(&t).is_err(), "{n}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error() {
        for n in [5, 60, 99, 150, 10_000] {
            let mut t = String::new();
            for i in 0..n {
                t.push_str(&" ".repeat(i));
                t.push_str("a:\n");
            }
            let e = parse(&t).err();
            assert_eq!(e.is_some(), n > MAX_DEPTH, "{n}");
            assert!(e.is_none_or(|e| e.limit), "{n}");
        }
    }
}
