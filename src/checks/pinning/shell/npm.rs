//! npm packages: `npm install`, `yarn global add`, `pnpm add -g`, and the one-off runners
//! `npx`, `bunx`, `pnpm dlx`, `yarn dlx`.

use super::installer::Loose;
use super::lex::{Flags, is_var_or_template, positionals, unquote};
use super::{Cx, EXACT_SEMVER, nearest};
use crate::checks::pinning::refs::contains_full_sha;

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

pub(super) fn npm(args: &[(String, usize)]) -> Vec<Loose> {
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
    for (w, at) in positionals(args, Flags::unix(WITH_VALUE)) {
        if !npm_spec_pinned(w) {
            out.push(Loose::new(unquote(w).to_owned(), at));
        }
    }
    out
}

pub(super) fn npx(cx: &Cx<'_>, args: &[(String, usize)]) -> Vec<Loose> {
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
        .map(|(p, at)| Loose::new(unquote(&p).to_owned(), at))
        .collect()
}

/// Whether the nearest `package.json` above the file declares `name` (then `npx` runs the
/// locked local copy).
fn local_npm_dependency(cx: &Cx<'_>, name: &str) -> bool {
    nearest(cx, "package.json").is_some_and(|f| f.text().contains(&format!("\"{name}\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_specs() {
        assert!(npm_spec_pinned("@redocly/cli@1.25.11"));
        assert!(npm_spec_pinned("pnpm@9.14.2"));
        assert!(!npm_spec_pinned("@bufbuild/buf"));
        assert!(!npm_spec_pinned("x@^1.2.0"));
        assert!(!npm_spec_pinned("x@latest"));
    }
}
