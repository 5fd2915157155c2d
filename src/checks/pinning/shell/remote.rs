//! Remote code: a download piped to a shell (`curl … | sh`, `iex (iwr …)`), and a file
//! downloaded and later executed without a checksum check.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::lex::{Byte, Logical, classify, is_assignment, segments, unquote, words};
use super::{Cx, Detect};
use crate::checks::pinning::refs::contains_full_sha;
use crate::static_regex;

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

/// Whether the hit `h` of a line is code the shell runs: its start and its operator (the
/// pipe, `<(`, `$(`) outside quotes. Quoted text is an argument (`echo "curl … | sh"` is
/// an install hint); a string handed to a shell to run (`sh -c "…"`) is checked as a
/// line of its own ([`super::nested`]).
fn runs(kinds: &[Byte], snippet: &str, start: usize) -> bool {
    let code = |i: usize| kinds.get(i) == Some(&Byte::Code);
    let op = ["|", "<(", "$("]
        .iter()
        .filter_map(|op| snippet.find(op))
        .min()
        .map(|p| start + p);
    code(start) && op.is_none_or(code)
}

/// Whether the interpreter that ends `matched` (at `end` of `t`) runs what it reads on
/// standard input. With its program in an argument (`python3 -c "import json…"`,
/// `node -e …`, `sh -c '…'`) or a script file (`python3 parse.py`), the download piped
/// to it is data: `curl …/releases/latest | python3 -c "…"` reads a version number.
fn reads_code(t: &str, segs: &[Range<usize>], matched: &str, end: usize) -> bool {
    let name = matched
        .rsplit(|c: char| c.is_whitespace() || c == '/' || c == '|')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // The single-letter options that take the program from an argument, per interpreter.
    let program_flags: &[char] = match name.as_str() {
        "sh" | "bash" | "zsh" | "dash" | "ksh" | "ash" => &['c'],
        "python" | "python3" => &['c', 'm'],
        "perl" => &['e', 'E'],
        "ruby" => &['e'],
        "node" => &['e', 'p'],
        "pwsh" | "powershell" => &[],
        // `iex`, `Invoke-Expression`: always code.
        _ => return true,
    };
    let shell = program_flags == ['c'];
    // The interpreter's command ends at the next separator.
    let k = segs.partition_point(|s| s.end < end);
    let rest_end = segs.get(k).map_or(t.len(), |s| s.end);
    let ws = words(&t[end..rest_end.max(end)]);
    for (i, (w, _)) in ws.iter().enumerate() {
        let w = w.as_str();
        if w == "-" || w == "--" {
            return true;
        }
        let Some(flag) = w.strip_prefix('-') else {
            // A script file or its arguments: the script reads the download.
            return false;
        };
        let long = flag.strip_prefix('-');
        let data = match long {
            // PowerShell: `-Command -` reads standard input, `-Command "…"`, `-File x` do not.
            _ if program_flags.is_empty() => {
                let f = flag.to_ascii_lowercase();
                matches!(
                    f.as_str(),
                    "c" | "command" | "f" | "file" | "e" | "encodedcommand"
                ) && ws.get(i + 1).is_some_and(|(v, _)| v != "-")
            }
            Some(l) => matches!(l, "eval" | "print" | "command"),
            None if shell && flag.contains('s') => return true,
            None => flag.contains(program_flags),
        };
        if data {
            return false;
        }
    }
    true
}

fn remote_pipes(cx: &mut Cx<'_>, line: &Logical) {
    let t = line.text.as_str();
    let kinds = classify(t);
    let segs = segments(t);
    // Start → end of the hits so far, which never overlap: a match overlaps one of them
    // exactly when it overlaps the last one that starts before its end.
    let mut hits: BTreeMap<usize, usize> = BTreeMap::new();
    for re in [&*PIPE_TO_SHELL, &*PROCESS_SUBST, &*COMMAND_SUBST, &*PS_IEX] {
        let piped = std::ptr::eq(re, &*PIPE_TO_SHELL);
        for m in re.find_iter(t) {
            crate::work::add(1);
            if !runs(&kinds, m.as_str(), m.start())
                || (piped && !reads_code(t, &segs, m.as_str(), m.end()))
            {
                continue;
            }
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

fn find_downloads(line: &Logical, idx: usize, out: &mut Vec<Download>) {
    let t = line.text.as_str();
    let kinds = classify(t);
    let code = |i: usize| kinds.get(i) == Some(&Byte::Code);
    for c in CURL.captures_iter(t) {
        let (Some(tool), Some(args_m)) = (c.get(1), c.get(2)) else {
            continue;
        };
        if !code(tool.start()) {
            continue;
        }
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
        if !code(m.start()) {
            continue;
        }
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

/// The files the simple commands of a line run: the command itself (`./tool`, after any
/// `sudo` and variable assignments), or the script given to an interpreter (`sh x.sh`).
/// Reading a file (`cat token`, `jq . data.json`) runs nothing.
pub(super) fn run_paths(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    for seg in segments(t) {
        let ws = words(&t[seg]);
        let mut k = 0;
        while k < ws.len()
            && (matches!(ws[k].0.as_str(), "sudo" | "exec" | "time" | "command")
                || is_assignment(&ws[k].0))
        {
            k += 1;
        }
        let Some((first, _)) = ws.get(k) else {
            continue;
        };
        let mut cand = Some(first.as_str());
        if INTERPRETERS.contains(&first.to_ascii_lowercase().as_str()) {
            let rest = &ws[k + 1..];
            // `pwsh -ExecutionPolicy Bypass -File x.ps1`: the word after `-File`.
            let file = rest
                .iter()
                .position(|(w, _)| w.eq_ignore_ascii_case("-file"))
                .and_then(|i| rest.get(i + 1));
            cand = file.map(|(w, _)| w.as_str()).or_else(|| {
                rest.iter()
                    .map(|(w, _)| w.as_str())
                    .find(|w| !w.starts_with('-'))
            });
        }
        if let Some(c) = cand {
            out.push(unquote(c).to_owned());
        }
    }
    out
}

/// The downloads of a [`super::Session`] so far, to find the command that runs one.
#[derive(Default)]
pub(super) struct Downloads {
    list: Vec<Download>,
    /// Saved path → downloads (indexes in `list`) that running it would report: looked up
    /// by the path a command runs, never scanned.
    by_path: HashMap<String, Vec<usize>>,
    /// Downloads before this index were verified by a checksum command after them.
    verified: usize,
}

impl Downloads {
    /// The remote code of logical line `idx`: piped to a shell, downloaded, verified, or a
    /// download executed.
    pub(super) fn check(&mut self, cx: &mut Cx<'_>, line: &Logical, idx: usize) {
        remote_pipes(cx, line);
        let before = self.list.len();
        find_downloads(line, idx, &mut self.list);
        for (i, d) in self.list.iter().enumerate().skip(before) {
            // A download pinned by a commit SHA is never reported.
            if !contains_full_sha(&d.url) {
                self.by_path.entry(d.path.clone()).or_default().push(i);
            }
        }
        if VERIFY.is_match(&line.text) {
            self.verified = self.list.len();
        }
        self.executed(cx, line, idx);
    }

    /// A later command that runs a downloaded file that was not verified.
    fn executed(&mut self, cx: &mut Cx<'_>, line: &Logical, idx: usize) {
        if self.by_path.is_empty() {
            return;
        }
        for cand in run_paths(&line.text) {
            let cand = cand.as_str();
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
                let downloads = &self.list;
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
                let d = &mut self.list[i];
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreters_that_read_their_program_elsewhere() {
        let read = |t: &str| {
            let m = PIPE_TO_SHELL.find(t).expect("a pipe to a shell");
            reads_code(t, &segments(t), m.as_str(), m.end())
        };
        assert!(read("curl -fsSL https://x | sh"));
        assert!(read("curl -fsSL https://x | sudo bash -s -- --yes"));
        assert!(read("curl -fsSL https://x | bash -x"));
        assert!(read("curl -fsSL https://x | python3 -"));
        assert!(read("curl -fsSL https://x | python3 -u && echo ok"));
        assert!(read("irm https://x | iex"));
        assert!(read("irm https://x | pwsh -NoProfile -Command -"));
        assert!(!read(r#"curl -s https://x | python3 -c "import json,sys""#));
        assert!(!read("curl -s https://x | python -m json.tool"));
        assert!(!read("curl -s https://x | node -e 'x'"));
        assert!(!read("curl -s https://x | perl -ne 'print'"));
        assert!(!read("curl -s https://x | bash -c 'cat > f'"));
        assert!(!read("curl -s https://x | python3 parse.py"));
        assert!(!read(
            r#"irm https://x | pwsh -Command "$input | Out-File f""#
        ));
    }
}
