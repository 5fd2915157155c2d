//! Rust crates: `cargo install`, which also needs `--locked` for the crate's own lock file.

use super::installer::Loose;
use super::lex::{Flags, is_var_or_template, positionals, unquote};
use crate::util::is_commit_sha;

pub(super) fn cargo(args: &[(String, usize)]) -> Vec<Loose> {
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
    let names: Vec<(String, usize)> = positionals(args, Flags::unix(WITH_VALUE))
        .map(|(w, at)| (unquote(w).to_owned(), at))
        .collect();
    let Some((first, first_at)) = names.first().cloned() else {
        return Vec::new();
    };
    let git_pinned = has("--git")
        && args
            .windows(2)
            .any(|p| p[0].0 == "--rev" && is_commit_sha(unquote(&p[1].0)));
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
            .map(|(name, at)| Loose::new(name, at))
            .collect();
    }
    if !has("--locked") && !is_var_or_template(&first) {
        return vec![Loose::new("--locked".to_owned(), first_at)];
    }
    Vec::new()
}
