//! Distribution and environment packages: `apt-get`/`apt install`, `apk add`, and
//! `conda`/`mamba`/`micromamba install`; `name=version` pins one.

use super::installer::Loose;
use super::lex::{Flags, is_var_or_template, positionals, unquote};

pub(super) fn apt(args: &[(String, usize)]) -> Vec<Loose> {
    os_packages(
        args,
        &[
            "-t",
            "--target-release",
            "-o",
            "--option",
            "-c",
            "--config-file",
        ],
    )
}

pub(super) fn apk(args: &[(String, usize)]) -> Vec<Loose> {
    os_packages(
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
    )
}

pub(super) fn conda(args: &[(String, usize)]) -> Vec<Loose> {
    // Packages from a file: the file pins them or not.
    if args
        .iter()
        .any(|(w, _)| w == "--file" || w.starts_with("--file="))
    {
        return Vec::new();
    }
    os_packages(args, &["-c", "--channel", "-n", "--name", "-p", "--prefix"])
}

fn os_packages(args: &[(String, usize)], with_value: &[&str]) -> Vec<Loose> {
    let mut out = Vec::new();
    for (w, at) in positionals(args, Flags::unix(with_value)) {
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
