//! Python packages: `pip install` and its front ends (`uv pip`, `uv tool`, `pipx`), and
//! `uvx`.

use super::EXACT_SEMVER;
use super::installer::Loose;
use super::lex::{Arg, Flags, arguments, is_var_or_template, unquote};
use crate::checks::pinning::refs::contains_full_sha;

pub(super) fn pip(args: &[(String, usize)]) -> Vec<Loose> {
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
        "-e",
        "--editable",
    ];
    if args.iter().any(|(w, _)| w == "--require-hashes") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for arg in arguments(args, Flags::unix(WITH_VALUE)) {
        match arg {
            Arg::Value {
                flag: "-e" | "--editable",
                value,
                at,
            } => {
                let v = unquote(value);
                if (v.contains("://") || v.starts_with("git+")) && !contains_full_sha(v) {
                    out.push(Loose::new(v.to_owned(), at));
                }
            }
            Arg::Value { .. } => {}
            Arg::Word(w, at) => {
                let spec = unquote(w);
                if !pip_pinned(spec) {
                    out.push(Loose::new(spec.to_owned(), at));
                }
            }
        }
    }
    out
}

/// `uvx tool@1.2.3 …` / `uvx --from tool==1.2.3 cmd`: the first package named.
pub(super) fn uvx(args: &[(String, usize)]) -> Vec<Loose> {
    let mut i = 0;
    while i < args.len() {
        let (w, at) = (&args[i].0, args[i].1);
        i += 1;
        if w == "--from" {
            return args
                .get(i)
                .filter(|(v, _)| !pip_pinned(unquote(v)))
                .map(|(v, at)| Loose::new(unquote(v).to_owned(), *at))
                .into_iter()
                .collect();
        }
        if w.starts_with('-') {
            continue;
        }
        return if pip_pinned(unquote(w)) {
            Vec::new()
        } else {
            vec![Loose::new(unquote(w).to_owned(), at)]
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
    fn editable_urls_and_redirections() {
        let args = crate::checks::pinning::shell::lex::words(
            "-r req.txt -e git+https://x.org/y.git a==1.0.0 b 2>&1 > log",
        );
        let names: Vec<String> = pip(&args).into_iter().map(|l| l.name).collect();
        assert_eq!(names, ["git+https://x.org/y.git", "b"]);
    }
}
