//! Strings handed to a shell to run: `sh -c "…"`, `bash -lc '…'`, `su -c "…"`, `eval "…"`,
//! `ssh host "…"`, `powershell -Command "…"`, an exec-form `RUN ["/bin/sh", "-c", "…"]`.
//! Their inside is a command line of its own; any other quoted argument is text.

use std::ops::Range;

use super::lex::{Byte, SHELLS, program, words};

/// Programs that run a string argument as commands.
fn runs_strings(program: &str) -> bool {
    SHELLS.contains(&program)
        || matches!(
            program,
            "eval" | "ssh" | "su" | "watch" | "cmd" | "iex" | "invoke-expression"
        )
}

/// The keys whose value is a command in CI, task-runner and hook files.
const COMMAND_KEYS: &[&str] = &[
    "run:",
    "script:",
    "before_script:",
    "after_script:",
    "cmd:",
    "command:",
    "entry:",
];

/// The insides (ranges of `t`) of the quoted words of the simple command `seg` that come
/// after a program that runs them.
pub(super) fn handed_strings(t: &str, seg: Range<usize>) -> Vec<Range<usize>> {
    let ws = words(&t[seg.clone()]);
    // A YAML command key read as a line (`- run: "…"`, `script: '…'`): its quoted value
    // is the command.
    let key = ws
        .iter()
        .take(2)
        .position(|(w, _)| COMMAND_KEYS.contains(&w.as_str()));
    let runner = || ws.iter().position(|(w, _)| runs_strings(&program(w)));
    let Some(first) = key.or_else(runner) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (w, at) in &ws[first + 1..] {
        // An exec-form list item: `"-c",`, `"curl … | sh"]`.
        let lead = w.len() - w.trim_start_matches(['[', '@']).len();
        let body = w[lead..].trim_end_matches([',', ']', ';']);
        let Some(q) = body.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        // An option (`"-c"`, `"-o", "pipefail"`) is not a command line.
        if body.len() >= 2 && body.ends_with(q) && !body[1..].starts_with('-') {
            let start = seg.start + at + lead + 1;
            out.push(start..start + body.len() - 2);
        }
    }
    out
}

/// The text of `inner` (a string of `t`) as the shell it is handed to sees it: what the
/// outer shell already ran (a `$(…)` inside double quotes) is blanked, so it is checked
/// once.
pub(super) fn inside(t: &str, kinds: &[Byte], inner: Range<usize>) -> String {
    let bytes: Vec<u8> = t.as_bytes()[inner.clone()]
        .iter()
        .zip(&kinds[inner])
        .map(|(&b, &k)| {
            if k == Byte::Code && b.is_ascii() {
                b' '
            } else {
                b
            }
        })
        .collect();
    // Only ASCII bytes were replaced, by ASCII: still UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(t: &str) -> Vec<&str> {
        handed_strings(t, 0..t.len())
            .into_iter()
            .map(|r| &t[r])
            .collect()
    }

    #[test]
    fn strings_handed_to_a_shell() {
        assert_eq!(
            strings(r#"sudo sh -c "apt-get install x""#),
            ["apt-get install x"]
        );
        assert_eq!(
            strings(r#"["/bin/sh", "-c", "curl x | sh"]"#),
            ["curl x | sh"]
        );
        assert_eq!(strings(r#"ssh -p 22 host 'curl x | sh'"#), ["curl x | sh"]);
        assert!(strings(r#"echo "curl x | sh""#).is_empty());
        assert!(strings(r#"git commit -m "sh -c 'x'""#).is_empty());
        assert_eq!(strings(r#"- run: "curl x | sh""#), ["curl x | sh"]);
        assert!(strings(r#"description: "curl x | sh""#).is_empty());
    }

    /// Random command lines from shell punctuation and multi-byte letters: read without
    /// panicking.
    #[test]
    fn random_lines() {
        use super::super::heredoc::body;
        use super::super::lex::{classify, logical_lines, segments};
        const PIECES: &[&str] = &[
            "sh", " -c ", "\"", "'", "$(", ")", "(", "`", "|", "<<", "EOF", "\n", "\\", "{{", "}}",
            "${{", "$[[", "]]", "é", "€", "[", "]", ",", " ", "curl", "eval", ";", "#",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut t = String::new();
            for _ in 0..12 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            let lines = logical_lines(&t, 0..t.len());
            for l in &lines {
                let _ = body(l);
                for seg in segments(&l.text) {
                    for inner in handed_strings(&l.text, seg) {
                        let text = inside(&l.text, &classify(&l.text), inner.clone());
                        let part = l.part(inner, text);
                        let _ = part.orig_range(0..part.text.len());
                    }
                }
            }
        }
    }
}
