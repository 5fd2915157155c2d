//! Go modules: `go install`, `go run`, `go get` with a remote package.
//!
//! `@v1.2.3` and `@<commit>` pin; `@latest`, `@main` do not. Without a version, `go run`
//! and `go install` build the version the enclosing `go.mod` requires (pinned with
//! `go.sum`), `go install` outside such a module fails or installs the newest release,
//! and `go get` always asks for the newest release (`@upgrade`): inside a module it also
//! records it in `go.mod`/`go.sum`, so that is said as a note.

use super::installer::Loose;
use super::lex::{Flags, is_var_or_template, positionals, unquote};
use super::{Cx, nearest};
use crate::static_regex;
use crate::util::is_commit_sha;

static_regex!(GO_VERSION = r"^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$");

pub(super) fn go(cx: &Cx<'_>, args: &[(String, usize)]) -> Vec<Loose> {
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
    // Read once, on the first package without a version.
    let read = std::cell::OnceCell::new();
    let enclosing = || read.get_or_init(|| module(cx)).as_ref();
    for (w, at) in positionals(&args[1..], Flags::unix(WITH_VALUE)) {
        let p = unquote(w);
        let first = p.split('/').next().unwrap_or(p);
        let remote = first.contains('.') && !p.ends_with(".go") && !p.starts_with('.');
        if is_var_or_template(p) || !remote {
            if sub == "run" {
                break;
            }
            continue;
        }
        match p.rsplit_once('@') {
            Some((_, v)) if GO_VERSION.is_match(v) || is_commit_sha(v) || v == "none" => {}
            Some(_) => out.push(Loose::new(p, at)),
            None if sub == "run" => {}
            None if sub == "install" => {
                if !enclosing().is_some_and(|m| m.provides(p)) {
                    out.push(Loose::new(p, at));
                }
            }
            None => {
                let mut l = Loose::new(p, at);
                if enclosing().is_some() {
                    l.unsure = Some(
                        "this only adds the dependency once and the `go.mod` and `go.sum` it updates are committed",
                    );
                }
                out.push(l);
            }
        }
        if sub == "run" {
            break;
        }
    }
    out
}

/// The Go module a file belongs to: the paths of the nearest `go.mod` above it (its own
/// module and the modules it requires).
struct Module(Vec<String>);

impl Module {
    /// Whether `package` is in this module or in a module it requires.
    fn provides(&self, package: &str) -> bool {
        self.0.iter().any(|m| {
            package == m
                || package
                    .strip_prefix(m.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    }
}

fn module(cx: &Cx<'_>) -> Option<Module> {
    let f = nearest(cx, "go.mod")?;
    let mut paths = Vec::new();
    let mut in_require = false;
    for line in f.text().lines() {
        let line = line.split("//").next().unwrap_or_default().trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["module", m, ..] => paths.push(m.trim_matches('"').to_owned()),
            ["require", "("] => in_require = true,
            [")"] => in_require = false,
            ["require", m, _, ..] => paths.push(m.trim_matches('"').to_owned()),
            [m, _, ..] if in_require => paths.push(m.trim_matches('"').to_owned()),
            _ => {}
        }
    }
    Some(Module(paths))
}
