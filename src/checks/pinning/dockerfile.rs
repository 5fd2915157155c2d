//! Dockerfiles and Containerfiles (templated ones too): base images in `FROM` (global
//! `ARG` defaults resolved, build stages and `scratch` exempt), external images in
//! `COPY --from`, remote `ADD` that is then executed, and the commands of `RUN`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::hadolint::Pragmas;
use super::refs::{self, RefKind, contains_full_sha};
use super::{Cx, Detect, shell};

/// One instruction: its keyword (upper case) and the byte range of its arguments
/// (continuation lines and heredoc bodies included).
struct Instruction {
    keyword: String,
    args: Range<usize>,
}

/// Split a Dockerfile into instructions. Never fails: an unterminated heredoc or
/// continuation runs to the end of the file.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut escape = '\\';
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        lines.push((offset, raw.trim_end_matches(['\n', '\r'])));
        offset += raw.len();
    }
    let mut i = 0;
    let mut directives = true;
    while i < lines.len() {
        let (start, line) = lines[i];
        let t = line.trim_start();
        i += 1;
        if t.is_empty() || t.starts_with('#') || t.starts_with("{%") || t.starts_with("{#") {
            if directives
                && let Some(v) = t
                    .strip_prefix('#')
                    .map(str::trim)
                    .and_then(|d| d.strip_prefix("escape="))
            {
                escape = v.trim().chars().next().unwrap_or('\\');
            }
            if !t.is_empty() && !t.starts_with('#') {
                directives = false;
            }
            continue;
        }
        directives = false;
        let indent = line.len() - t.len();
        let kw_end = t.find(char::is_whitespace).unwrap_or(t.len());
        let keyword = t[..kw_end].to_ascii_uppercase();
        let args_start = start + indent + kw_end;
        let mut end = start + line.len();
        let mut cur = line;
        // Continuation lines.
        while cur.trim_end().ends_with(escape) && i < lines.len() {
            let (s, l) = lines[i];
            i += 1;
            let lt = l.trim_start();
            if lt.starts_with('#') {
                continue;
            }
            end = s + l.len();
            cur = l;
        }
        // Heredocs: `<<EOF`, `<<-EOF`, `<<"EOF"`.
        let head = &text[args_start..end];
        let mut delims = Vec::new();
        let mut rest = head;
        while let Some(p) = rest.find("<<") {
            let after = &rest[p + 2..];
            let strip = after.starts_with('-');
            let after = after.trim_start_matches('-');
            let name: String = after
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                delims.push((name, strip));
            }
            rest = after;
        }
        for (name, _) in delims {
            while i < lines.len() {
                let (s, l) = lines[i];
                i += 1;
                end = s + l.len();
                if l.trim() == name {
                    break;
                }
            }
        }
        out.push(Instruction {
            keyword,
            args: args_start..end,
        });
    }
    out
}

/// Words of an argument list with their byte offsets (relative); a `{{ … }}` template tag
/// stays inside its word.
fn words(s: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut in_tag_until = 0;
    for (i, c) in s.char_indices() {
        if i < in_tag_until {
            continue;
        }
        if c == '{' && s[i..].starts_with("{{") {
            in_tag_until = s[i..].find("}}").map_or(s.len(), |p| i + p + 2);
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push((&s[st..i], st));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((&s[st..], st));
    }
    out
}

/// Substitute `$VAR`, `${VAR}`, `${VAR:-default}` from the global ARGs. `Err(var)` for a
/// variable with no value.
fn substitute(s: &str, args: &HashMap<String, Option<String>>) -> Result<String, String> {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let (name, default, next) = if b.get(i + 1) == Some(&b'{') {
            let Some(close) = s[i..].find('}') else {
                return Err(s[i..].to_owned());
            };
            let inner = &s[i + 2..i + close];
            let (name, default) = match inner.find(":-").or_else(|| inner.find('-')) {
                Some(p) => (
                    &inner[..p],
                    Some(inner[p..].trim_start_matches(':').trim_start_matches('-')),
                ),
                None => (inner, None),
            };
            (name, default, i + close + 1)
        } else {
            let len = s[i + 1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(s.len() - i - 1);
            (&s[i + 1..i + 1 + len], None, i + 1 + len)
        };
        match args
            .get(name)
            .cloned()
            .flatten()
            .or(default.map(str::to_owned))
        {
            Some(v) if !v.is_empty() => out.push_str(&v),
            _ => return Err(name.to_owned()),
        }
        i = next;
    }
    Ok(out)
}

/// `ONBUILD RUN …` (and `ADD`, `COPY`) runs in every image built `FROM` this one: it is
/// checked as the instruction it wraps, at its own place.
fn unwrap_onbuild(text: &str, inst: Instruction) -> Instruction {
    if inst.keyword != "ONBUILD" {
        return inst;
    }
    let args = &text[inst.args.clone()];
    let lead = args.len() - args.trim_start().len();
    let rest = &args[lead..];
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let inner = rest[..end].to_ascii_uppercase();
    if !matches!(inner.as_str(), "RUN" | "ADD" | "COPY") {
        return inst;
    }
    let after = &rest[end..];
    let skip = lead + end + (after.len() - after.trim_start().len());
    Instruction {
        keyword: inner,
        args: inst.args.start + skip..inst.args.end,
    }
}

pub(crate) fn check(cx: &mut Cx<'_>) {
    let text = cx.file.text();
    let insts: Vec<Instruction> = instructions(text)
        .into_iter()
        .map(|i| unwrap_onbuild(text, i))
        .collect();
    let mut global_args: HashMap<String, Option<String>> = HashMap::new();
    let mut stages: HashSet<String> = HashSet::new();
    let mut seen_from = false;
    // Remote ADDs without a checksum: (destination, url, offset).
    // Keyed by destination, each with its order of appearance: a RUN looks up the paths it
    // executes, never every ADD before it.
    let mut added: HashMap<String, Vec<(usize, String, Range<usize>)>> = HashMap::new();
    let mut adds = 0;
    // One session for all RUNs: a download in one RUN executed by a later one is found.
    let mut session = shell::Session::default();
    let pragmas = Pragmas::of(cx.file);
    let start = cx.mark();
    // The findings of the previous instruction, where it starts, and what its pragma
    // ignores.
    let mut previous = None;
    for inst in &insts {
        if let Some((mark, begins, ignored)) = previous.take() {
            cx.drop_since(mark, begins, ignored);
        }
        let line = cx.file.line_of(inst.args.start);
        let begins = cx.file.line_range(line).start;
        previous = Some((cx.mark(), begins, pragmas.at(line)));
        let args_text = &text[inst.args.clone()];
        match inst.keyword.as_str() {
            "ARG" if !seen_from => {
                for (w, _) in words(args_text) {
                    let (name, value) = match w.split_once('=') {
                        Some((n, v)) => (n, Some(v.trim_matches(['"', '\'']).to_owned())),
                        None => (w, None),
                    };
                    global_args.insert(name.to_owned(), value);
                }
            }
            "FROM" => {
                seen_from = true;
                from(cx, inst, &global_args, &mut stages);
            }
            "COPY" => copy_from(cx, inst, &stages),
            "ADD" => {
                let ws = words(args_text);
                if ws.iter().any(|(w, _)| w.starts_with("--checksum")) {
                    continue;
                }
                let plain: Vec<&str> = ws
                    .iter()
                    .map(|(w, _)| *w)
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                if plain.len() < 2 {
                    continue;
                }
                let dest = plain[plain.len() - 1];
                for (w, off) in &ws {
                    if (w.starts_with("http://") || w.starts_with("https://"))
                        && !contains_full_sha(w)
                    {
                        let dest = if dest.ends_with('/') {
                            format!("{dest}{}", w.rsplit('/').next().unwrap_or_default())
                        } else {
                            dest.to_owned()
                        };
                        let at = inst.args.start + off;
                        added.entry(dest).or_default().push((
                            adds,
                            (*w).to_owned(),
                            at..at + w.len(),
                        ));
                        adds += 1;
                    }
                }
            }
            "RUN" => {
                // Skip `--mount=…`, `--network=…` and other RUN flags.
                let mut start = inst.args.start;
                for (w, off) in words(args_text) {
                    if w.starts_with("--") {
                        start = inst.args.start + off + w.len();
                    } else {
                        break;
                    }
                }
                session.run(cx, start..inst.args.end);
                let run = &text[start..inst.args.end];
                if added.is_empty() {
                    continue;
                }
                let mut hits: Vec<(usize, String, String, Range<usize>)> = Vec::new();
                for path in executed(run) {
                    if let Some(list) = added.remove(path) {
                        crate::work::add(list.len());
                        hits.extend(
                            list.into_iter()
                                .map(|(n, url, r)| (n, path.to_owned(), url, r)),
                        );
                    }
                }
                hits.sort_by_key(|h| h.0);
                for (_, dest, url, range) in hits {
                    cx.report(
                        Detect::RemoteScript,
                        range,
                        format!(
                            "`{url}` is added to `{dest}` without `--checksum` and then executed: whatever the server returns on the day runs"
                        ),
                    );
                }
            }
            _ => {}
        }
    }
    if let Some((mark, begins, ignored)) = previous {
        cx.drop_since(mark, begins, ignored);
    }
    cx.drop_since(start, 0, pragmas.global());
}

/// The paths a RUN command executes: a word at the start, or after an interpreter or a
/// command separator.
fn executed(run: &str) -> Vec<&str> {
    let ws = words(run);
    ws.iter()
        .enumerate()
        .filter(|&(i, _)| match i.checked_sub(1).map(|p| ws[p].0) {
            None => true,
            Some(prev) => matches!(
                prev,
                "sh" | "bash"
                    | "zsh"
                    | "."
                    | "source"
                    | "python"
                    | "python3"
                    | "&&"
                    | ";"
                    | "||"
                    | "exec"
            ),
        })
        .map(|(_, (w, _))| w.trim_matches(['"', '\'']))
        .collect()
}

fn from(
    cx: &mut Cx<'_>,
    inst: &Instruction,
    global_args: &HashMap<String, Option<String>>,
    stages: &mut HashSet<String>,
) {
    let text = cx.file.text();
    let args_text = &text[inst.args.clone()];
    let ws = words(args_text);
    let mut it = ws.iter().skip_while(|(w, _)| w.starts_with("--"));
    let Some(&(image, off)) = it.next() else {
        return;
    };
    let name = match (it.next(), it.next()) {
        (Some((kw, _)), Some((n, _))) if kw.eq_ignore_ascii_case("as") => {
            Some(n.to_ascii_lowercase())
        }
        _ => None,
    };
    let at = inst.args.start + off;
    let range = at..at + image.len();
    let lower = image.to_ascii_lowercase();
    if stages.contains(&lower) || lower == "scratch" {
        stages.extend(name);
        return;
    }
    stages.extend(name);
    if image.contains('$') && !image.contains("${{") {
        match substitute(image, global_args) {
            Ok(resolved) => {
                let lower = resolved.to_ascii_lowercase();
                if stages.contains(&lower) || lower == "scratch" {
                    return;
                }
                // An ARG default that is itself a template placeholder.
                if resolved.contains("{{") {
                    refs::report_ref(cx, RefKind::Image, &resolved, range);
                    return;
                }
                if let Some((detect, why)) = refs::image_finding(cx, &resolved) {
                    cx.report(detect, range, format!("{why} (`{image}` with the ARG defaults)"));
                }
            }
            // `${REGISTRY}/node:20`: a registry or mirror prefix; the rest still names the
            // image and its tag.
            Err(_)
                if image.starts_with('$')
                    && image
                        .split_once('/')
                        .is_some_and(|(_, rest)| !rest.contains('$') && !rest.is_empty()) =>
            {
                let rest = image.split_once('/').map_or(image, |(_, r)| r);
                if let Some((detect, why)) = refs::image_finding(cx, rest) {
                    cx.report(
                        detect,
                        range,
                        format!("{why} (behind the registry prefix of `{image}`)"),
                    );
                }
            }
            // `${templateOption:x}` is a devcontainer template's option, not a build
            // argument: its default is judged in the render.
            Err(var) if var.starts_with("templateOption:") => cx.report(
                Detect::TemplatedReference,
                range,
                format!(
                    "`FROM {image}`: the template option `{}` decides the base image; give it a default with a digest, or check the rendered project",
                    &var["templateOption:".len()..]
                ),
            ),
            Err(var) => cx.report(
                Detect::TemplatedReference,
                range,
                format!(
                    "`FROM {image}`: the build argument `{var}` has no default, so the base image is decided at build time; give it a default with a digest"
                ),
            ),
        }
        return;
    }
    refs::report_ref(cx, RefKind::Image, image, range);
}

fn copy_from(cx: &mut Cx<'_>, inst: &Instruction, stages: &HashSet<String>) {
    let text = cx.file.text();
    let args_text = &text[inst.args.clone()];
    for (w, off) in words(args_text) {
        if !w.starts_with("--") {
            break;
        }
        let Some(src) = w.strip_prefix("--from=") else {
            continue;
        };
        let lower = src.to_ascii_lowercase();
        if stages.contains(&lower) || src.chars().all(|c| c.is_ascii_digit()) || src.contains('$') {
            continue;
        }
        let at = inst.args.start + off + "--from=".len();
        refs::report_ref(cx, RefKind::Image, src, at..at + src.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_instructions() {
        let t = "# syntax=x\nFROM a AS b\nRUN x \\\n  y\nRUN <<EOF\ncurl x | sh\nEOF\nCOPY . .\n";
        let i = instructions(t);
        let kws: Vec<&str> = i.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["FROM", "RUN", "RUN", "COPY"]);
        assert!(t[i[2].args.clone()].contains("curl x | sh"));
    }

    #[test]
    fn unterminated_heredoc_runs_to_the_end() {
        let t = "FROM a\nRUN <<EOF\necho\n";
        let i = instructions(t);
        assert_eq!(i.len(), 2);
        assert_eq!(i[1].args.end, t.len() - 1);
    }

    #[test]
    fn substitution() {
        let mut a = HashMap::new();
        a.insert("V".to_owned(), Some("1.2".to_owned()));
        a.insert("N".to_owned(), None);
        assert_eq!(substitute("go:${V}-x", &a).unwrap(), "go:1.2-x");
        assert_eq!(substitute("go:$V", &a).unwrap(), "go:1.2");
        assert_eq!(substitute("${N:-x}", &a).unwrap(), "x");
        assert_eq!(substitute("$N", &a).unwrap_err(), "N");
    }
}
