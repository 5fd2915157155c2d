//! Shell and PowerShell commands — in scripts, workflow `run:` blocks, GitLab `script:`
//! items and Dockerfile `RUN` instructions: remote code piped to a shell, downloads that
//! are executed without a checksum, and package installs without an exact version.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::refs::contains_full_sha;
use super::{Cx, Detect};
use crate::static_regex;

/// One logical command line: continuation lines joined, comments removed, with a map back
/// to byte offsets of the file.
struct Logical {
    text: String,
    /// (offset in `text`, offset in the file) at the start of every joined piece.
    map: Vec<(usize, usize)>,
}

impl Logical {
    fn orig(&self, i: usize) -> usize {
        let k = self.map.partition_point(|&(l, _)| l <= i).saturating_sub(1);
        let (l, o) = self.map.get(k).copied().unwrap_or((0, 0));
        o + (i - l)
    }

    fn orig_range(&self, r: Range<usize>) -> Range<usize> {
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

fn logical_lines(text: &str, range: Range<usize>) -> Vec<Logical> {
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

static_regex!(
    PIPE_TO_SHELL = r"(?i)\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^|;&]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:/\S*/)?(?:sh|bash|zsh|dash|ksh|ash|python3?|perl|ruby|node|iex|invoke-expression|pwsh|powershell)\b"
);
static_regex!(
    PROCESS_SUBST = r"(?:\b(?:sh|bash|zsh|source)|(?:^|\s)\.)\s+<\(\s*(?:curl|wget)\b[^)]*\)"
);
static_regex!(
    COMMAND_SUBST =
        r#"\b(?:sh|bash|zsh|dash|eval)\b(?:\s+-\w+)*\s+["']?\$\(\s*(?:curl|wget)\b[^)]*\)"#
);
static_regex!(
    PS_IEX = r"(?i)(?:\b(?:iex|invoke-expression)\b|\[scriptblock\]::create)\s*\(?\s*\(?.*?(?:downloadstring|\biwr\b|\birm\b|invoke-webrequest|invoke-restmethod)"
);
static_regex!(URL = r#"https?://[^\s"'`)]+"#);

/// Check the commands in `range` of the file.
pub(crate) fn check(cx: &mut Cx<'_>, range: Range<usize>) {
    Session::default().run(cx, range);
}

/// Commands that run one after the other in several pieces of a file (the `RUN`s of a
/// Dockerfile, the steps of a job): a download in one piece that a later piece executes is
/// still found.
#[derive(Default)]
pub(crate) struct Session {
    downloads: Vec<Download>,
    /// Saved path → downloads (indexes in `downloads`) that running it would report:
    /// looked up by the path a command runs, never scanned.
    by_path: HashMap<String, Vec<usize>>,
    /// Downloads before this index were verified by a checksum command after them.
    verified: usize,
    lines: usize,
}

impl Session {
    pub(crate) fn run(&mut self, cx: &mut Cx<'_>, range: Range<usize>) {
        let text = cx.file.text();
        let range = range.start.min(text.len())..range.end.min(text.len());
        let lines = logical_lines(text, range);
        let pipes = cx.enabled(Detect::RemoteScript);
        for line in &lines {
            let idx = self.lines;
            self.lines += 1;
            let t = line.text.as_str();
            if pipes {
                remote_pipes(cx, line);
                let before = self.downloads.len();
                find_downloads(line, idx, &mut self.downloads);
                for (i, d) in self.downloads.iter().enumerate().skip(before) {
                    // A download pinned by a commit SHA is never reported.
                    if !contains_full_sha(&d.url) {
                        self.by_path.entry(d.path.clone()).or_default().push(i);
                    }
                }
                if VERIFY.is_match(t) {
                    self.verified = self.downloads.len();
                }
                self.executed(cx, line, idx);
            }
            for seg in segments(t) {
                installs(cx, line, seg);
            }
        }
    }
}

fn remote_pipes(cx: &mut Cx<'_>, line: &Logical) {
    let t = line.text.as_str();
    // Start → end of the hits so far, which never overlap: a match overlaps one of them
    // exactly when it overlaps the last one that starts before its end.
    let mut hits: BTreeMap<usize, usize> = BTreeMap::new();
    for re in [&*PIPE_TO_SHELL, &*PROCESS_SUBST, &*COMMAND_SUBST, &*PS_IEX] {
        for m in re.find_iter(t) {
            crate::work::add(1);
            if hits
                .range(..m.end())
                .next_back()
                .is_some_and(|(_, &end)| m.start() < end)
            {
                continue;
            }
            hits.insert(m.start(), m.end());
        }
    }
    // The first URL at or after a hit, for a hit without one of its own. Hits come in
    // order, so one search serves every hit up to the URL it found.
    let mut next_url: Option<Option<Range<usize>>> = None;
    for (start, end) in hits {
        let h = start..end;
        let snippet = &t[h.clone()];
        let urls: Vec<&str> = if URL.is_match(snippet) {
            URL.find_iter(snippet).map(|m| m.as_str()).collect()
        } else {
            // PowerShell names the URL after the matched `DownloadString(`.
            let stale = match &next_url {
                None => true,
                Some(Some(u)) => u.start < h.start,
                Some(None) => false,
            };
            if stale {
                let found = URL.find_at(t, h.start).map(|m| m.range());
                crate::work::add(found.as_ref().map_or(t.len(), |u| u.end) - h.start);
                next_url = Some(found);
            }
            next_url.iter().flatten().map(|u| &t[u.clone()]).collect()
        };
        if !urls.is_empty() && urls.iter().all(|u| contains_full_sha(u)) {
            continue;
        }
        let what = urls
            .first()
            .map_or_else(|| "a downloaded script".to_owned(), |u| format!("`{u}`"));
        let r = line.orig_range(h.start..h.start + 1);
        cx.report(
            Detect::RemoteScript,
            r.start..r.start + snippet.trim_end().len().min(line.text.len() - h.start),
            format!(
                "{what} is executed straight from the network: whatever the server returns on the day runs"
            ),
        );
    }
}

struct Download {
    /// The saved file as written.
    path: String,
    url: String,
    /// Offset of the download in the file.
    at: usize,
    line: usize,
    reported: bool,
}

static_regex!(CURL = r"(?i)\b(curl|wget)\b([^|;&]*)");
static_regex!(
    PS_DOWNLOAD = r#"(?i)\b(?:invoke-webrequest|iwr)\b[^|;]*?-outfile\s+("[^"]+"|'[^']+'|\S+)|downloadfile\(\s*['"]([^'"]+)['"]\s*,\s*("[^"]+"|'[^']+'|[^)\s]+)"#
);
static_regex!(
    VERIFY = r"(?i)\b(?:sha(?:1|224|256|384|512)sum|shasum|b2sum|md5sum|get-filehash|gpg\s+--verify|gpgv|cosign\s+verify|minisign|slsa-verifier|--checksum)\b"
);

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'')
}

fn find_downloads(line: &Logical, idx: usize, out: &mut Vec<Download>) {
    let t = line.text.as_str();
    for c in CURL.captures_iter(t) {
        let (Some(tool), Some(args_m)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let args = words(args_m.as_str());
        let is_wget = tool.as_str().eq_ignore_ascii_case("wget");
        let url = args
            .iter()
            .map(|(w, _)| w.as_str())
            .find(|w| w.starts_with("http://") || w.starts_with("https://"));
        let Some(url) = url else { continue };
        let mut path = None;
        let mut i = 0;
        while i < args.len() {
            let w = args[i].0.as_str();
            let next = args.get(i + 1).map(|(n, _)| n.clone());
            if w == ">" || w == ">>" {
                path = next;
            } else if let Some(v) = w.strip_prefix('>').filter(|v| !v.is_empty() && *v != ">") {
                path = Some(v.to_owned());
            } else if let Some(v) = w
                .strip_prefix("--output=")
                .or(w.strip_prefix("--output-document="))
            {
                path = Some(v.to_owned());
            } else if w == "--output" || w == "--output-document" {
                path = next;
            } else if w.starts_with('-') && !w.starts_with("--") {
                let flag = if is_wget { 'O' } else { 'o' };
                if w.ends_with(flag) {
                    path = next;
                } else if let Some(pos) = w.find(flag) {
                    path = Some(w[pos + 1..].to_owned());
                } else if !is_wget && w.ends_with('O') {
                    path = url.rsplit('/').next().map(str::to_owned);
                }
            }
            i += 1;
        }
        if is_wget && path.is_none() {
            path = url.rsplit('/').next().map(str::to_owned);
        }
        if let Some(p) = path.filter(|p| p != "-" && p != "/dev/null") {
            out.push(Download {
                path: unquote(&p).to_owned(),
                url: url.to_owned(),
                at: line.orig(tool.start()),
                line: idx,
                reported: false,
            });
        }
    }
    for c in PS_DOWNLOAD.captures_iter(t) {
        let Some(m) = c.get(0) else { continue };
        let (url, path) = match (c.get(1), c.get(2), c.get(3)) {
            (Some(p), _, _) => (URL.find(m.as_str()).map_or("", |u| u.as_str()), p.as_str()),
            (None, Some(u), Some(p)) => (u.as_str(), p.as_str()),
            _ => continue,
        };
        out.push(Download {
            path: unquote(path).to_owned(),
            url: url.to_owned(),
            at: line.orig(m.start()),
            line: idx,
            reported: false,
        });
    }
}

const INTERPRETERS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "source",
    ".",
    "python",
    "python3",
    "perl",
    "ruby",
    "node",
    "pwsh",
    "powershell",
    "powershell.exe",
    "pwsh.exe",
    "&",
];

impl Session {
    /// A later command that runs a downloaded file that was not verified.
    fn executed(&mut self, cx: &mut Cx<'_>, line: &Logical, idx: usize) {
        if self.by_path.is_empty() {
            return;
        }
        for seg in segments(&line.text) {
            let ws = words(&line.text[seg.clone()]);
            let mut k = 0;
            while k < ws.len() && matches!(ws[k].0.as_str(), "sudo" | "exec" | "time" | "command") {
                k += 1;
            }
            let Some((first, _)) = ws.get(k) else {
                continue;
            };
            let mut cand = Some(first.as_str());
            if INTERPRETERS.contains(&first.to_ascii_lowercase().as_str()) {
                cand = ws[k + 1..]
                    .iter()
                    .map(|(w, _)| w.as_str())
                    .find(|w| !w.starts_with('-'));
            }
            let Some(cand) = cand else { continue };
            let cand = unquote(cand);
            // The saved paths that running `cand` runs: itself, with or without `./`.
            let keys = [
                Some(cand.to_owned()),
                Some(format!("./{cand}")),
                Some(format!(".\\{cand}")),
                cand.strip_prefix("./").map(str::to_owned),
                cand.strip_prefix(".\\").map(str::to_owned),
            ];
            let mut hits: Vec<usize> = Vec::new();
            for key in keys.iter().flatten() {
                let Some(list) = self.by_path.get_mut(key) else {
                    continue;
                };
                let verified = self.verified;
                let downloads = &self.downloads;
                // Verified and reported downloads leave the index: each is looked at once.
                crate::work::add(list.len());
                list.retain(|&i| {
                    if i < verified || downloads[i].reported {
                        return false;
                    }
                    if downloads[i].line > idx {
                        return true;
                    }
                    hits.push(i);
                    false
                });
                if list.is_empty() {
                    self.by_path.remove(key);
                }
            }
            hits.sort_unstable();
            hits.dedup();
            for i in hits {
                let d = &mut self.downloads[i];
                d.reported = true;
                let at = d.at;
                cx.report(
                    Detect::RemoteScript,
                    at..at + 4,
                    format!(
                        "`{}` is downloaded to `{}` and executed without a checksum check: whatever the server returns on the day runs",
                        d.url, d.path
                    ),
                );
            }
        }
    }
}

static_regex!(SEPARATORS = r"&&|\|\||;|\||\$\(|\)|\(|`|\bthen\b|\bdo\b|\belse\b");

/// Byte ranges of the simple commands of a line.
fn segments(t: &str) -> Vec<Range<usize>> {
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
fn words(s: &str) -> Vec<(String, usize)> {
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

static_regex!(EXACT_SEMVER = r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$");
static_regex!(GO_VERSION = r"^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$");

/// An unpinned package: the word, its offset in the line.
struct Loose {
    name: String,
    at: usize,
}

fn installs(cx: &mut Cx<'_>, line: &Logical, seg: Range<usize>) {
    let base = seg.start;
    let ws = words(&line.text[seg]);
    let mut k = 0;
    while k < ws.len() {
        let w = ws[k].0.as_str();
        if matches!(
            w,
            "sudo" | "exec" | "time" | "command" | "-" | "RUN" | "run" | "run:" | "script:"
        ) || (w.contains('=') && !w.starts_with('-') && !w.contains('/'))
            || (w.starts_with('-') && k > 0 && ws[k - 1].0 == "sudo")
        {
            k += 1;
        } else {
            break;
        }
    }
    let ws = &ws[k..];
    let word = |i: usize| ws.get(i).map(|(w, _)| w.as_str());
    let lower = |i: usize| word(i).map(|w| unquote(w).to_ascii_lowercase());
    let Some(cmd) = lower(0) else { return };
    let cmd = cmd.rsplit('/').next().unwrap_or(&cmd).to_owned();
    let cmd = cmd.strip_suffix(".exe").unwrap_or(&cmd).to_owned();
    let (tool, args): (&str, &[(String, usize)]) = match cmd.as_str() {
        "pip" | "pip3" | "pipx" if lower(1).as_deref() == Some("install") => ("pip", &ws[2..]),
        "python" | "python3" | "py"
            if lower(1).as_deref() == Some("-m")
                && matches!(lower(2).as_deref(), Some("pip" | "pipx"))
                && lower(3).as_deref() == Some("install") =>
        {
            ("pip", &ws[4..])
        }
        "uv" if lower(1).as_deref() == Some("pip") && lower(2).as_deref() == Some("install") => {
            ("pip", &ws[3..])
        }
        "uv" | "pipx"
            if matches!(lower(1).as_deref(), Some("tool"))
                && lower(2).as_deref() == Some("install") =>
        {
            ("pip", &ws[3..])
        }
        "uvx" => ("uvx", &ws[1..]),
        "npm" if matches!(lower(1).as_deref(), Some("install" | "i" | "add" | "in")) => {
            ("npm", &ws[2..])
        }
        "yarn" if lower(1).as_deref() == Some("global") && lower(2).as_deref() == Some("add") => {
            ("npm", &ws[3..])
        }
        "pnpm"
            if matches!(lower(1).as_deref(), Some("add" | "install" | "i"))
                && ws[2..].iter().any(|(w, _)| w == "-g" || w == "--global") =>
        {
            ("npm", &ws[2..])
        }
        "npx" | "bunx" => ("npx", &ws[1..]),
        "pnpm" | "yarn" if lower(1).as_deref() == Some("dlx") => ("npx", &ws[2..]),
        "go" if matches!(lower(1).as_deref(), Some("install" | "run" | "get")) => ("go", &ws[1..]),
        "gem" if lower(1).as_deref() == Some("install") => ("gem", &ws[2..]),
        "cargo" if lower(1).as_deref() == Some("install") => ("cargo", &ws[2..]),
        "choco" | "cinst"
            if cmd == "cinst" || matches!(lower(1).as_deref(), Some("install" | "upgrade")) =>
        {
            ("choco", &ws[if cmd == "cinst" { 1 } else { 2 }..])
        }
        "dotnet"
            if lower(1).as_deref() == Some("tool")
                && matches!(lower(2).as_deref(), Some("install" | "update")) =>
        {
            ("dotnet", &ws[3..])
        }
        "apt-get" | "apt" if lower(1).as_deref() == Some("install") => ("apt", &ws[2..]),
        "apk" if lower(1).as_deref() == Some("add") => ("apk", &ws[2..]),
        "conda" | "mamba" | "micromamba" if lower(1).as_deref() == Some("install") => {
            ("conda", &ws[2..])
        }
        _ => return,
    };
    let loose = match tool {
        "pip" => pip(args),
        "uvx" => uvx(args),
        "npm" => npm(args),
        "npx" => npx(cx, args),
        "go" => go(args),
        "gem" => gem(args),
        "cargo" => cargo(args),
        "choco" => versioned_by_flag(
            args,
            &["--version", "-v"],
            &[
                "-s",
                "--source",
                "--params",
                "--package-parameters",
                "--install-arguments",
                "-ia",
                "--cache-location",
                "-u",
                "-p",
                "--user",
                "--password",
            ],
        ),
        "dotnet" => versioned_by_flag(
            args,
            &["--version"],
            &[
                "--tool-path",
                "--add-source",
                "--configfile",
                "--framework",
                "-a",
                "--arch",
                "--tool-manifest",
                "-v",
                "--verbosity",
            ],
        ),
        "apt" => os_packages(
            args,
            &[
                "-t",
                "--target-release",
                "-o",
                "--option",
                "-c",
                "--config-file",
            ],
        ),
        "conda" => {
            if args
                .iter()
                .any(|(w, _)| w == "--file" || w.starts_with("--file="))
            {
                Vec::new()
            } else {
                os_packages(args, &["-c", "--channel", "-n", "--name", "-p", "--prefix"])
            }
        }
        "apk" => os_packages(
            args,
            &[
                "--virtual",
                "-t",
                "--repository",
                "-X",
                "--root",
                "-p",
                "--arch",
            ],
        ),
        _ => Vec::new(),
    };
    let Some(first) = loose.first() else { return };
    let names: Vec<String> = loose.iter().map(|l| format!("`{}`", l.name)).collect();
    let at = base + first.at;
    let range = line.orig_range(at..at + first.name.len().max(1));
    // `go`'s arguments start with its subcommand: show it.
    let shown = (ws.len() - args.len() + usize::from(tool == "go")).min(ws.len());
    let command = ws[..shown]
        .iter()
        .map(|(w, _)| w.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let (detect, msg) = match tool {
        "apt" | "apk" => (
            Detect::OsPackageUnpinned,
            format!(
                "{} installed by `{command}` without a version: the distribution's current package is used",
                names.join(", ")
            ),
        ),
        "cargo" if loose.iter().all(|l| l.name == "--locked") => (
            Detect::PackageUnpinned,
            "`cargo install` without `--locked`: the crate's dependencies resolve to their newest semver-compatible versions".to_owned(),
        ),
        _ => (
            Detect::PackageUnpinned,
            format!(
                "{} installed by `{command}` without an exact version: every run may install a different release",
                names.join(", ")
            ),
        ),
    };
    cx.report(detect, range, msg);
}

/// The positional words of a command's arguments: every word that is neither a flag nor
/// the value of a flag in `with_value`.
fn positionals<'a>(
    args: &'a [(String, usize)],
    with_value: &'a [&str],
) -> impl Iterator<Item = (&'a str, usize)> + 'a {
    let mut value_next = false;
    args.iter().filter_map(move |(w, at)| {
        if std::mem::take(&mut value_next) {
            return None;
        }
        if let Some(target_next) = redirection(w) {
            value_next = target_next;
            return None;
        }
        if w.starts_with('-') {
            value_next = with_value.contains(&w.as_str());
            return None;
        }
        Some((w.as_str(), *at))
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

fn is_var_or_template(w: &str) -> bool {
    w.contains('$') || w.contains("{{") || w.contains("{%") || w.contains('%')
}

fn pip(args: &[(String, usize)]) -> Vec<Loose> {
    const WITH_VALUE: &[&str] = &[
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--src",
        "--python-version",
        "--platform",
        "--implementation",
        "--abi",
        "--only-binary",
        "--no-binary",
        "--trusted-host",
        "--cache-dir",
        "--log",
        "--progress-bar",
        "--global-option",
        "--config-settings",
        "-C",
        "--report",
        "--upgrade-strategy",
        "--python",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--cert",
        "--client-cert",
    ];
    if args.iter().any(|(w, _)| w == "--require-hashes") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let (w, at) = (&args[i].0, args[i].1);
        i += 1;
        if w.starts_with('-') {
            if WITH_VALUE.contains(&w.as_str()) {
                i += 1;
            } else if w == "-e" || w == "--editable" {
                if let Some((v, vat)) = args.get(i) {
                    let v = unquote(v);
                    if (v.contains("://") || v.starts_with("git+")) && !contains_full_sha(v) {
                        out.push(Loose {
                            name: v.to_owned(),
                            at: *vat,
                        });
                    }
                }
                i += 1;
            }
            continue;
        }
        let spec = unquote(w);
        if pip_pinned(spec) {
            continue;
        }
        out.push(Loose {
            name: spec.to_owned(),
            at,
        });
    }
    out
}

/// `uvx tool@1.2.3 …` / `uvx --from tool==1.2.3 cmd`: the first package named.
fn uvx(args: &[(String, usize)]) -> Vec<Loose> {
    let mut i = 0;
    while i < args.len() {
        let (w, at) = (&args[i].0, args[i].1);
        i += 1;
        if w == "--from" {
            return args
                .get(i)
                .filter(|(v, _)| !pip_pinned(unquote(v)))
                .map(|(v, at)| Loose {
                    name: unquote(v).to_owned(),
                    at: *at,
                })
                .into_iter()
                .collect();
        }
        if w.starts_with('-') {
            continue;
        }
        return if pip_pinned(unquote(w)) {
            Vec::new()
        } else {
            vec![Loose {
                name: unquote(w).to_owned(),
                at,
            }]
        };
    }
    Vec::new()
}

pub(crate) fn pip_pinned(spec: &str) -> bool {
    let s = spec.trim();
    if s.is_empty() || is_var_or_template(s) {
        return true;
    }
    // `uv tool install ruff@0.6.9`, `uvx black@24.10.0`
    if let Some((name, v)) = s.split_once('@')
        && !name.contains(['/', ' '])
        && !name.is_empty()
        && EXACT_SEMVER.is_match(v.trim())
    {
        return true;
    }
    if s.contains("://") || s.starts_with("git+") {
        return contains_full_sha(s) || s.contains("#sha256=") || s.contains("--hash");
    }
    if s.starts_with(['.', '/', '~'])
        || (s.contains('/') && !s.contains('@'))
        || s.ends_with(".whl")
        || s.ends_with(".tar.gz")
        || s.ends_with(".zip")
    {
        return true;
    }
    let s = s.split(';').next().unwrap_or(s);
    if let Some((_, v)) = s.split_once("===") {
        return !v.trim().is_empty();
    }
    match s.split_once("==") {
        Some((_, v)) => {
            let v = v.trim();
            !v.is_empty() && !v.contains('*') && !v.contains([',', '<', '>', '!', '~'])
        }
        None => false,
    }
}

fn npm_spec_pinned(spec: &str) -> bool {
    let s = unquote(spec);
    if s.is_empty() || is_var_or_template(s) {
        return true;
    }
    if s.starts_with(['.', '/', '~']) || s.starts_with("file:") || s.ends_with(".tgz") {
        return true;
    }
    if s.contains("://") || s.starts_with("git+") || s.starts_with("github:") {
        return contains_full_sha(s);
    }
    // `@scope/name@1.2.3` or `name@1.2.3`
    let body = s.strip_prefix('@').unwrap_or(s);
    match body.rsplit_once('@') {
        Some((_, v)) => EXACT_SEMVER.is_match(v),
        None => false,
    }
}

fn npm(args: &[(String, usize)]) -> Vec<Loose> {
    const WITH_VALUE: &[&str] = &[
        "--prefix",
        "--registry",
        "-w",
        "--workspace",
        "--cache",
        "--userconfig",
        "--tag",
        "--omit",
        "--include",
        "--install-strategy",
        "--loglevel",
    ];
    let mut out = Vec::new();
    for (w, at) in positionals(args, WITH_VALUE) {
        if !npm_spec_pinned(w) {
            out.push(Loose {
                name: unquote(w).to_owned(),
                at,
            });
        }
    }
    out
}

fn npx(cx: &mut Cx<'_>, args: &[(String, usize)]) -> Vec<Loose> {
    let mut i = 0;
    let mut packages = Vec::new();
    while i < args.len() {
        let (w, at) = (&args[i].0, args[i].1);
        i += 1;
        if w == "--no-install" || w == "--offline" || w == "-c" || w == "--call" {
            return Vec::new();
        }
        if w == "-p" || w == "--package" {
            if let Some((p, pat)) = args.get(i) {
                packages.push((p.clone(), *pat));
            }
            i += 1;
            continue;
        }
        if let Some(p) = w.strip_prefix("--package=") {
            packages.push((p.to_owned(), at + 10));
            continue;
        }
        if w.starts_with('-') {
            continue;
        }
        if packages.is_empty() {
            packages.push((w.clone(), at));
        }
        break;
    }
    packages
        .into_iter()
        .filter(|(p, _)| !npm_spec_pinned(p) && !local_npm_dependency(cx, unquote(p)))
        .map(|(p, at)| Loose {
            name: unquote(&p).to_owned(),
            at,
        })
        .collect()
}

/// Whether the nearest `package.json` above the file declares `name` (then `npx` runs the
/// locked local copy).
fn local_npm_dependency(cx: &Cx<'_>, name: &str) -> bool {
    let mut dir = cx.file.path().rsplit_once('/').map_or("", |(d, _)| d);
    let needle = format!("\"{name}\"");
    loop {
        let path = if dir.is_empty() {
            "package.json".to_owned()
        } else {
            format!("{dir}/package.json")
        };
        if let Some(entry) = cx.repo.file(&path)
            && let Some(f) = cx.repo.read_for_scan(entry)
        {
            return f.text().contains(&needle);
        }
        if dir.is_empty() || dir.contains("{{") {
            return false;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
}

fn go(args: &[(String, usize)]) -> Vec<Loose> {
    const WITH_VALUE: &[&str] = &[
        "-tags",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-o",
        "-mod",
        "-modfile",
        "-C",
        "-exec",
        "-overlay",
        "-pkgdir",
        "-buildmode",
        "-compiler",
        "-gccgoflags",
        "-installsuffix",
        "-p",
        "-toolexec",
        "-buildvcs",
        "-pgo",
    ];
    let Some((sub, _)) = args.first() else {
        return Vec::new();
    };
    let sub = sub.to_ascii_lowercase();
    let mut out = Vec::new();
    for (w, at) in positionals(&args[1..], WITH_VALUE) {
        let p = unquote(w);
        let first = p.split('/').next().unwrap_or(p);
        let remote = first.contains('.') && !p.ends_with(".go") && !p.starts_with('.');
        if is_var_or_template(p) || !remote {
            if sub == "run" {
                break;
            }
            continue;
        }
        let pinned = match p.rsplit_once('@') {
            Some((_, v)) => GO_VERSION.is_match(v) || super::refs::is_full_sha(v) || v == "none",
            // `go run pkg` and `go get pkg` resolve through go.mod.
            None => sub != "install",
        };
        if !pinned {
            out.push(Loose {
                name: p.to_owned(),
                at,
            });
        }
        if sub == "run" {
            break;
        }
    }
    out
}

fn gem(args: &[(String, usize)]) -> Vec<Loose> {
    if args
        .iter()
        .any(|(w, _)| w == "-v" || w == "--version" || w.starts_with("--version="))
    {
        return Vec::new();
    }
    args.iter()
        .filter(|(w, _)| !w.starts_with('-') && !is_var_or_template(w) && !w.contains(':'))
        .filter(|(w, _)| !w.ends_with(".gem"))
        .map(|(w, at)| Loose {
            name: unquote(w).to_owned(),
            at: *at,
        })
        .take(8)
        .collect()
}

fn cargo(args: &[(String, usize)]) -> Vec<Loose> {
    let has = |f: &str| {
        args.iter()
            .any(|(w, _)| w == f || w.starts_with(&format!("{f}=")))
    };
    if has("--path") {
        return Vec::new();
    }
    const WITH_VALUE: &[&str] = &[
        "--version",
        "--vers",
        "--git",
        "--branch",
        "--tag",
        "--rev",
        "--root",
        "--index",
        "--registry",
        "--target",
        "--features",
        "-F",
        "--profile",
        "-j",
        "--jobs",
        "--bin",
        "--example",
        "--target-dir",
        "--config",
        "-Z",
    ];
    let names: Vec<(String, usize)> = positionals(args, WITH_VALUE)
        .map(|(w, at)| (unquote(w).to_owned(), at))
        .collect();
    let Some((first, first_at)) = names.first().cloned() else {
        return Vec::new();
    };
    let git_pinned = has("--git")
        && args
            .windows(2)
            .any(|p| p[0].0 == "--rev" && super::refs::is_full_sha(unquote(&p[1].0)));
    let versioned = has("--version")
        || has("--vers")
        || git_pinned
        || names.iter().all(|(n, _)| {
            n.split_once('@').is_some_and(|(_, v)| {
                v.trim_start_matches('=')
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.')
            })
        });
    if !versioned {
        return names
            .into_iter()
            .filter(|(n, _)| !is_var_or_template(n))
            .map(|(name, at)| Loose { name, at })
            .collect();
    }
    if !has("--locked") && !is_var_or_template(&first) {
        return vec![Loose {
            name: "--locked".to_owned(),
            at: first_at,
        }];
    }
    Vec::new()
}

fn versioned_by_flag(
    args: &[(String, usize)],
    version: &[&str],
    with_value: &[&str],
) -> Vec<Loose> {
    if args.iter().any(|(w, _)| {
        let l = w.to_ascii_lowercase();
        version
            .iter()
            .any(|v| l == *v || l.starts_with(&format!("{v}=")) || l.starts_with(&format!("{v}:")))
    }) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let (w, at) = (&args[i].0, args[i].1);
        i += 1;
        if w.starts_with('-') || w.starts_with('/') {
            if with_value.contains(&w.to_ascii_lowercase().as_str()) {
                i += 1;
            }
            continue;
        }
        if is_var_or_template(w) || w.ends_with(".config") || w.ends_with(".nupkg") {
            continue;
        }
        out.push(Loose {
            name: unquote(w).to_owned(),
            at,
        });
    }
    out
}

fn os_packages(args: &[(String, usize)], with_value: &[&str]) -> Vec<Loose> {
    let mut out = Vec::new();
    for (w, at) in positionals(args, with_value) {
        let w = unquote(w);
        if w.contains('=')
            || is_var_or_template(w)
            || w.ends_with(".deb")
            || w.starts_with(['.', '/'])
        {
            continue;
        }
        out.push(Loose {
            name: w.to_owned(),
            at,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_specs() {
        assert!(pip_pinned("x==1.2.3"));
        assert!(pip_pinned("\"pre-commit==4.0.1\"".trim_matches('"')));
        assert!(!pip_pinned("x>=1"));
        assert!(!pip_pinned("x"));
        assert!(!pip_pinned("x==1.*"));
        assert!(pip_pinned("./local"));
    }

    #[test]
    fn npm_specs() {
        assert!(npm_spec_pinned("@redocly/cli@1.25.11"));
        assert!(npm_spec_pinned("pnpm@9.14.2"));
        assert!(!npm_spec_pinned("@bufbuild/buf"));
        assert!(!npm_spec_pinned("x@^1.2.0"));
        assert!(!npm_spec_pinned("x@latest"));
    }

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
        let names: Vec<&str> = positionals(&w, &[]).map(|(w, _)| w).collect();
        assert_eq!(names, ["curl", "wget", "jq", "tar"]);
    }
}
