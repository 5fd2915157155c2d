//! The generic detector: a secret-looking name assigned a literal that looks random.
//!
//! Text rules cover `KEY=value`, `key: value`, `"key": "value"`, `key = "value"`,
//! `key => 'value'` and `--password value`; a `value:`/`default =` line takes its name from
//! the `name:`/`variable "…"` line just above it. Rust sources are parsed with `syn`
//! (see [`super::rust`]); a file that does not parse, or that nests too deep for `syn`,
//! falls back to the text rules.

use std::ops::Range;

use super::policy;
use crate::source::SourceFile;
use crate::static_regex;

/// Lines below a `name:` line searched for its `value:` line.
const CONTEXT_LINES: u32 = 3;

/// Rust files larger than this are searched with the text rules only (generated bindings
/// of many megabytes would cost more to parse than they are worth).
const MAX_PARSED: usize = 512 * 1024;

/// Lines longer than this are minified or generated: not searched by the generic detector.
const MAX_LINE: usize = 1000;

/// A type annotation, `: &'static str`, `: String`, `: string`, in [`ASSIGN`] and
/// [`RAW_BINDING`].
macro_rules! rust_type {
    () => {
        r#":\s*&?(?:'static\s+)?[A-Za-z_][\w<>:]*"#
    };
}

static_regex!(
    ASSIGN = concat!(
        r#"(?:^|[\s{(\[,;"'`&?]|\$)(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["'`]?\]?\s*"#,
        r#"(?:"#,
        // With a type: `PASSWORD: &str = "…"`, `apiKey: string = '…'`, Go's
        // `var password string = "…"`. Only a string literal is bound this way.
        r#"(?:"#,
        rust_type!(),
        r#"|\s(?:string|\[\]byte))\s*=\s*"#,
        r#"(?P<typed>"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|`[^`\r\n]*`)|"#,
        r#"(?:=>|:=|=|:(?P<path>:)?)\s*(?:\[\s*)?"#,
        // A bare value ends at `(`: `x = dict(secret="…")` is a call whose arguments are
        // searched in turn, not one value `dict(secret=` (see `Assignment::assignments`).
        r#"(?P<value>"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|`[^`\r\n]*`|[^\s,;'"`(]+))"#
    )
);

static_regex!(
    /// A quoted name and a literal as the first two arguments of a call: PHP's
    /// `define('DB_PASSWORD', '…')`, `os.getenv("API_KEY", "…")` (a hard-coded fallback),
    /// `headers.put("X-Api-Key", "…")`.
    CALL = concat!(
        r#"["'](?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)["']\s*,\s*"#,
        r#"(?P<value>"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*')"#
    )
);

static_regex!(
    /// `key=value` pairs of a connection string or a query string, inside another value.
    PARAM = r#"(?:^|[?&;\s])(?P<key>[A-Za-z_][A-Za-z0-9_. \-]*?)\s*=\s*(?P<value>[^&;\s"']+)"#
);

static_regex!(
    /// An XML element: `<password>…</password>` (Maven `settings.xml`, .NET configs).
    ELEMENT = r#"<(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)>(?P<value>[^<>\s]+)</"#);

static_regex!(
    /// `--password value`, `--api-key=value` on a command line.
    FLAG = concat!(
        r#"(?:^|\s)--(?P<key>[A-Za-z][A-Za-z0-9_\-]*)(?:=|\s+)"#,
        r#"(?P<value>"(?:[^"\\\r\n]|\\.)*"|'[^'\r\n]*'|[^\s,;'"`$-][^\s,;'"`]*)"#
    )
);

static_regex!(
    /// A name bound to a raw string (`r"…"`, `r#"…"#`), which [`ASSIGN`] does not read:
    /// `KEY: &str = r#"…`, `let key = r"…`, `key: r"…` in a struct literal.
    RAW_BINDING = concat!(
        r#"(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*"#,
        r#"(?:"#,
        rust_type!(),
        r#"\s*=|=|:)\s*&?\s*r#*""#
    )
);

static_regex!(
    /// Names that hold something about a secret, not the secret itself.
    NOT_SECRET_NAME = concat!(
        r"(?i)(?:file|path|dir|url|uri|endpoint|name|type|length|len|size|count|min|max|",
        r"expires?|expiry|expiration|ttl|timeout|prefix|suffix|header|field|policy|hash|regex|",
        r"pattern|format|id|ids|placeholder|label|hint|description|public|tokenizer|tokens|ref|",
        r"version|mode|enabled|required|rotation|store|provider|issuer|audience|algorithm|alg|",
        r"location|arn|env|var|key_?name|secret_?name|method|kind|scope|scopes|usage|_at|",
        // Pagination, idempotency and change tokens are handles, not credentials.
        r"(?:next|page|pagination|continuation|change|update|purchase|product|input|output|",
        r"unit|sync|idempotency|request)[_-]?token|last[_-]?used|ciphertext(?:[_-]?blob)?)$|",
        r"(?i)^(?:no|is|has|use|allow|enable|disable|show|hide|validate|check|get|set|on)[_A-Z]"
    )
);

static_regex!(
    /// Keys whose name comes from the line above (`- name: X` / `value: …`, Terraform
    /// `variable "x" { default = … }`).
    CONTEXT_KEY = r"(?i)^(?:value|default|defaultvalue|val)$");

static_regex!(
    CONTEXT_NAME = r#"(?i)(?-u:\b)(?:name|key|variable|env)\s*[:=]?\s*["']?(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)"#
);

/// Extensions of programming languages: a bare word there is a variable, not a value.
const CODE: &[&str] = &[
    "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "rs", "java", "kt", "kts", "rb", "php",
    "cs", "swift", "scala", "c", "h", "cc", "cpp", "hpp", "m", "dart", "lua", "groovy", "vue",
    "svelte",
];

static_regex!(
    /// Names of a hash or an identifier: a hex digest or a UUID bound to one is not a secret.
    HASH_NAME = concat!(
        r"(?i)hash|digest|checksum|etag|integrity|commit|uuid|guid|nonce|salt|",
        r"(?:^|[_.\-])sha(?:1|256|384|512)?(?:$|[_.\-])"
    )
);

pub struct Assignment {
    names: regex::bytes::Regex,
    /// Names the rule never reports, though `names` matches them.
    not_names: Option<regex::bytes::Regex>,
    min_length: usize,
    min_entropy: f64,
    allowlist: Vec<regex::bytes::Regex>,
}

fn name_regex(what: &str, pattern: &str) -> Result<regex::bytes::Regex, String> {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("invalid `{what}` regex `{pattern}`: {e}"))
}

impl Assignment {
    pub fn new(
        names: &str,
        not_names: Option<&str>,
        min_length: usize,
        min_entropy: f64,
        allowlist: Vec<regex::bytes::Regex>,
    ) -> Result<Self, String> {
        Ok(Assignment {
            names: name_regex("names", names)?,
            not_names: not_names.map(|n| name_regex("not_names", n)).transpose()?,
            min_length,
            min_entropy,
            allowlist,
        })
    }

    /// Whether `key` names a secret.
    pub fn secret_name(&self, key: &str) -> bool {
        self.names.is_match(key.as_bytes())
            && !NOT_SECRET_NAME.is_match(key)
            && !self
                .not_names
                .as_ref()
                .is_some_and(|n| n.is_match(key.as_bytes()))
    }

    /// Whether a literal bound to the secret name `key` is worth reporting.
    pub fn secret_value(&self, key: &str, value: &str) -> bool {
        !self.allowlist.iter().any(|a| a.is_match(value.as_bytes()))
            && policy::credential_like(
                value,
                self.min_length,
                self.min_entropy,
                HASH_NAME.is_match(key),
            )
    }

    /// (report offset, secret range) of every secret assigned in `windows` of `file`.
    #[cfg(test)]
    pub fn find(&self, file: &SourceFile, windows: &[Range<usize>]) -> Vec<(usize, Range<usize>)> {
        self.find_noting(file, windows, &mut |_| {})
    }

    /// [`Self::find`], telling `note` why a part of the search was skipped.
    pub fn find_noting(
        &self,
        file: &SourceFile,
        windows: &[Range<usize>],
        note: &mut dyn FnMut(String),
    ) -> Vec<(usize, Range<usize>)> {
        let ext = file
            .path()
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let code = CODE.contains(&ext.as_str());
        let found = self.text_rules(file, windows, code);
        // Rust: the text rules find the candidates; a file with some (or with a raw string
        // on a candidate line) is parsed with `syn` for exact literals and spans. A file too
        // large to parse quickly, or that does not parse, keeps the text rules' result.
        if ext == "rs"
            && file.text().len() <= MAX_PARSED
            && (!found.is_empty() || self.has_raw_string_candidate(file, windows))
        {
            match super::rust::find(file, self) {
                super::rust::Parsed::Found(parsed) => return parsed,
                super::rust::Parsed::Invalid => {}
                super::rust::Parsed::TooDeep => note(format!(
                    "not parsed as Rust for secrets: nested deeper than {} levels; searched by the text rules only",
                    super::rust::MAX_NESTING
                )),
            }
        }
        found
    }

    /// The text rules on every line that touches a window. Lines are found with `memchr`
    /// from the windows themselves, never by a line table of the whole file. A line longer
    /// than [`MAX_LINE`] (minified JSON, a one-line config) is searched only where a window
    /// covers it: the keyword windows are bounded, so a file of one long line costs no more
    /// than its windows.
    fn text_rules(
        &self,
        file: &SourceFile,
        windows: &[Range<usize>],
        code: bool,
    ) -> Vec<(usize, Range<usize>)> {
        let bytes = file.text().as_bytes();
        let mut out = Vec::new();
        // Lines before this offset have been searched.
        let mut done = 0;
        for w in windows {
            let mut until = w.end.max(w.start + 1).min(bytes.len());
            let from = w.start.max(done);
            if from >= until {
                continue;
            }
            // A window that starts inside a long line is searched from its own start.
            let mut at = line_start(bytes, from).unwrap_or(from);
            while at < until {
                let Some(line) = line_at(bytes, at).filter(|_| at == 0 || bytes[at - 1] == b'\n')
                else {
                    at = self.long_line_part(file, at, until, code, &mut out);
                    done = at;
                    continue;
                };
                at = line.next;
                done = at;
                let text = &file.text()[line.range.clone()];
                let before = out.len();
                self.line(file, line.range.start, text, code, &mut out);
                // A `name: DB_PASSWORD` line: its `value:` comes on one of the next lines.
                if out.len() == before
                    && CONTEXT_NAME
                        .captures(text)
                        .and_then(|c| c.name("name"))
                        .is_some_and(|m| self.secret_name(m.as_str()))
                {
                    let mut end = at;
                    for _ in 0..CONTEXT_LINES {
                        match line_at(bytes, end) {
                            Some(l) if end < bytes.len() => end = l.next,
                            _ => break,
                        }
                    }
                    until = until.max(end);
                }
            }
        }
        out
    }

    /// Search the part of a long line from `at` (anywhere in it) to its end or to `until`,
    /// whichever comes first; returns where the search goes on. The part is cut after a
    /// separator at both ends, so that no name or value is read from half a token.
    fn long_line_part(
        &self,
        file: &SourceFile,
        at: usize,
        until: usize,
        code: bool,
        out: &mut Vec<(usize, Range<usize>)>,
    ) -> usize {
        let bytes = file.text().as_bytes();
        let (end, next) = match memchr::memchr(b'\n', &bytes[at..until]) {
            Some(i) => (at + i, at + i + 1),
            None => (until, until),
        };
        let is_sep = |b: &u8| matches!(b, b' ' | b'\t' | b',' | b';' | b'{' | b'}' | b'[' | b'&');
        let mid_line = at > 0 && bytes[at - 1] != b'\n';
        let start = if mid_line {
            bytes[at..end]
                .iter()
                .position(is_sep)
                .map_or(end, |i| at + i)
        } else {
            at
        };
        let stop = if end == next && end < bytes.len() {
            // Cut by the window, not by the line's end.
            bytes[start..end]
                .iter()
                .rposition(is_sep)
                .map_or(start, |i| start + i + 1)
        } else {
            end
        };
        let stop = if stop > start && bytes[stop - 1] == b'\r' {
            stop - 1
        } else {
            stop
        };
        if let Some(text) = file.text().get(start..stop) {
            self.line(file, start, text, code, out);
        }
        next
    }

    /// Whether a candidate line binds a raw string (`r"…"`, `r#"…"#`), which the text rules
    /// do not read, to a secret-looking name.
    fn has_raw_string_candidate(&self, file: &SourceFile, windows: &[Range<usize>]) -> bool {
        let text = file.text();
        windows.iter().any(|w| {
            text[w.clone()].lines().any(|l| {
                (l.contains("r#\"") || l.contains("r\""))
                    && RAW_BINDING
                        .captures_iter(l)
                        .any(|c| c.name("key").is_some_and(|k| self.secret_name(k.as_str())))
            })
        })
    }

    fn line(
        &self,
        file: &SourceFile,
        offset: usize,
        line: &str,
        code: bool,
        out: &mut Vec<(usize, Range<usize>)>,
    ) {
        // In code only a string literal is a value: a line without a quote has none.
        if code && !line.contains(['"', '\'', '`']) {
            return;
        }
        self.assignments(file, offset, offset, line, code, true, out);
    }

    /// The assignments in `text`, at `offset` in the file, on the line starting at
    /// `line_start`. When `outer`, a value bound to another name that holds `=` is searched
    /// in turn for `key=value` pairs (`connectionString="Server=…;Password=…"`).
    #[allow(clippy::too_many_arguments)]
    fn assignments(
        &self,
        file: &SourceFile,
        line_start: usize,
        offset: usize,
        text: &str,
        code: bool,
        outer: bool,
        out: &mut Vec<(usize, Range<usize>)>,
    ) {
        let flags = text.contains("--").then(|| FLAG.captures_iter(text));
        let calls = text.contains(',').then(|| CALL.captures_iter(text));
        let elements = text.contains("</").then(|| ELEMENT.captures_iter(text));
        let pairs = if outer { &*ASSIGN } else { &*PARAM };
        for caps in pairs
            .captures_iter(text)
            .chain(flags.into_iter().flatten())
            .chain(calls.into_iter().flatten())
            .chain(elements.into_iter().flatten())
        {
            let Some(key) = caps.name("key") else {
                continue;
            };
            let Some(value) = caps.name("value").or_else(|| caps.name("typed")) else {
                continue;
            };
            // `Type::method`, not an assignment.
            if caps.name("path").is_some() {
                continue;
            }
            let mut key_text = key.as_str().trim_end_matches(['.', '-']).to_owned();
            if CONTEXT_KEY.is_match(&key_text) {
                // `<add key="ApiSecret" value="…"/>`, or a `name:` line above.
                let same_line = CONTEXT_NAME
                    .captures_iter(&text[..key.start()])
                    .last()
                    .and_then(|c| c.name("name"))
                    .map(|m| m.as_str().to_owned());
                match same_line.or_else(|| context_name(file.text().as_bytes(), line_start)) {
                    Some(name) => key_text = name,
                    None => continue,
                }
            }
            let raw = value.as_str();
            let quoted = raw.len() >= 2 && raw.starts_with(['"', '\'', '`']);
            let (inner, start) = if quoted {
                (&raw[1..raw.len() - 1], value.start() + 1)
            } else {
                (raw, value.start())
            };
            if !self.secret_name(&key_text) {
                // `connectionString="…;Password=…"`, `url=jdbc:…?user=…&password=…`.
                if outer && inner.contains('=') {
                    self.assignments(file, line_start, offset + start, inner, code, false, out);
                }
                continue;
            }
            let inner = if quoted {
                inner
            } else {
                // `generateKey(…)`: a call, not a value.
                if text.as_bytes().get(value.end()) == Some(&b'(') {
                    continue;
                }
                // In code a bare word is an expression (a variable, a call), never a
                // literal; inside a string it is the string's own text. So it is in a
                // template action: `{{ $token := .Values.x }}`, `{{- range $k, $v := … }}`.
                if (code && outer) || in_template_action(text, key.start()) {
                    continue;
                }
                let t = inner.trim_end_matches([')', '}', ']', '>']);
                if t.contains(['(', ')', '{', '[']) {
                    continue;
                }
                t
            };
            // `{"id-it-revPassphrase", "id-it-revPassphrase"}`: a name, not a value.
            if inner
                .to_ascii_lowercase()
                .contains(&key_text.to_ascii_lowercase())
            {
                continue;
            }
            if !self.secret_value(&key_text, inner) {
                continue;
            }
            let abs = offset + start;
            out.push((abs, abs..abs + inner.len()));
        }
    }
}

/// Whether `at` is inside a Go/Helm/Jinja template action: after a `{{` that no `}}`
/// closes before it.
fn in_template_action(text: &str, at: usize) -> bool {
    let before = &text[..at];
    before
        .rfind("{{")
        .is_some_and(|open| !before[open..].contains("}}"))
}

/// The name a `value:` / `default =` line (starting at `at`) belongs to: the nearest
/// `name:`, `key:` or `variable "…"` on one of the three lines above.
fn context_name(bytes: &[u8], mut at: usize) -> Option<String> {
    for _ in 0..CONTEXT_LINES {
        at = line_start(bytes, at.checked_sub(1)?)?;
        let line = line_at(bytes, at)?;
        let text = std::str::from_utf8(&bytes[line.range]).ok()?;
        if let Some(name) = CONTEXT_NAME.captures(text).and_then(|c| c.name("name")) {
            return Some(name.as_str().to_owned());
        }
    }
    None
}

/// A line of at most [`MAX_LINE`] bytes: its range without `\n` or `\r\n`, and where the
/// next line starts.
struct Line {
    range: Range<usize>,
    next: usize,
}

/// Start of the line holding `at`, if that line is not longer than [`MAX_LINE`].
fn line_start(bytes: &[u8], at: usize) -> Option<usize> {
    let at = at.min(bytes.len());
    let lo = at.saturating_sub(MAX_LINE + 1);
    match memchr::memrchr(b'\n', &bytes[lo..at]) {
        Some(i) => Some(lo + i + 1),
        None if lo == 0 => Some(0),
        None => None,
    }
}

/// The line starting at `at`. A longer line than [`MAX_LINE`] is `None`: minified or
/// generated, not searched.
fn line_at(bytes: &[u8], at: usize) -> Option<Line> {
    let hi = (at + MAX_LINE + 2).min(bytes.len());
    let (mut end, next) = match memchr::memchr(b'\n', &bytes[at..hi]) {
        Some(i) => (at + i, at + i + 1),
        None if hi == bytes.len() => (hi, hi),
        None => return None,
    };
    if end > at && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    (end - at <= MAX_LINE).then_some(Line {
        range: at..end,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(line: &str) -> Vec<String> {
        let a = Assignment::new("password|secret|token", None, 8, 3.0, Vec::new()).expect("valid");
        let file = SourceFile::new("x.cfg", line.to_owned());
        let all = std::slice::from_ref(&(0..line.len())).to_vec();
        a.find(&file, &all)
            .into_iter()
            .map(|(_, r)| line[r].to_owned())
            .collect()
    }

    #[test]
    fn assignment_syntaxes() {
        let v = "Kx9mQ2vL8pR4wZ7t";
        for line in [
            format!("PASSWORD={v}"),
            format!("password: {v}"),
            format!("\"password\": \"{v}\""),
            format!("password = \"{v}\""),
            format!("const PASSWORD: &str = \"{v}\";"),
            format!("run --password {v}"),
            format!("'password' => '{v}',"),
            format!("var dbPassword string = \"{v}\""),
            format!("define('DB_PASSWORD', '{v}');"),
            format!("$config['password'] = '{v}';"),
            format!("<password>{v}</password>"),
            format!("<add key=\"DbPassword\" value=\"{v}\" />"),
            format!("conn=\"Server=db;User Id=app;Password={v};\""),
            format!("url=jdbc:mysql://db/app?user=app&password={v}"),
        ] {
            assert_eq!(finds(&line), vec![v.to_owned()], "{line}");
        }
        // A base64 value ends in `=`: not a type annotation.
        assert_eq!(finds(&format!("password: {v}==")), vec![format!("{v}==")]);
        assert!(finds("Token::parse(x)").is_empty());
        // A name mapped to itself, a variable, a call's other arguments.
        assert!(finds("{\"id-it-revPassword\", \"id-it-revPassword\", 1},").is_empty());
        assert!(finds("var password string = os.Getenv(\"X\")").is_empty());
        assert!(finds("check(\"password\", 3)").is_empty());
        // Handles, not credentials.
        assert!(finds("\"NextToken\": \"eyJ2ZXJzaW9uIjoxLCJwYWdl\"").is_empty());
        assert!(finds("nextPageToken: Kx9mQ2vL8pR4wZ7tQ2").is_empty());
        assert!(finds("{'MasterUserPassword', 'StorageEncrypted'}").is_empty());
        assert!(finds("password_file: /run/secrets/x").is_empty());
        // Template actions bind expressions; a quoted literal there is still a value.
        assert!(finds("{{- $password := randAlphaNum 24 | b64enc }}").is_empty());
        assert!(finds("{{ $token := .Values.global.authTokenOverride }}").is_empty());
        assert_eq!(
            finds(&format!("{{{{ $password := \"{v}\" }}}}")),
            vec![v.to_owned()]
        );
        // A call's keyword arguments.
        assert_eq!(
            finds(&format!("x = dict(secret=\"{v}\")")),
            vec![v.to_owned()]
        );
        assert!(finds("password = generateSecureKey(x)").is_empty());
    }

    #[test]
    fn long_lines_are_searched_in_their_windows_and_the_next_lines_too() {
        let a = Assignment::new("password", None, 8, 3.0, Vec::new()).expect("valid");
        let x = "x".repeat(MAX_LINE);
        let long = format!("password={x}{x},password=Qm7vR2xL9pK4wZ8t,{x}");
        let text = format!("{long}\npassword=Kx9mQ2vL8pR4wZ7t\n");
        let file = SourceFile::new("a.cfg", text.clone());
        // One window from inside the long line to the end, as merged keyword windows are.
        let window = std::slice::from_ref(&(MAX_LINE * 2..text.len())).to_vec();
        let found = a.find(&file, &window);
        let values: Vec<&str> = found.iter().map(|(_, r)| &text[r.clone()]).collect();
        assert_eq!(values, vec!["Qm7vR2xL9pK4wZ8t", "Kx9mQ2vL8pR4wZ7t"]);
        let (at, _) = found[1];
        assert_eq!(file.line_col(at), (2, 10));
    }

    #[test]
    fn value_lines_take_the_name_above() {
        let text = "- name: DB_PASSWORD\n  value: \"Kx9mQ2vL8pR4wZ7t\"\n";
        let a = Assignment::new("password", None, 8, 3.0, Vec::new()).expect("valid");
        let file = SourceFile::new("d.yaml", text.to_owned());
        let all = std::slice::from_ref(&(0..text.len())).to_vec();
        assert_eq!(a.find(&file, &all).len(), 1);
    }
}
