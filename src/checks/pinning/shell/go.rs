//! Go modules: `go install`, `go run`, `go get` with a remote package.

use super::installer::Loose;
use super::lex::{Flags, is_var_or_template, positionals, unquote};
use crate::static_regex;
use crate::util::is_commit_sha;

static_regex!(GO_VERSION = r"^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$");

pub(super) fn go(args: &[(String, usize)]) -> Vec<Loose> {
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
        let pinned = match p.rsplit_once('@') {
            Some((_, v)) => GO_VERSION.is_match(v) || is_commit_sha(v) || v == "none",
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
