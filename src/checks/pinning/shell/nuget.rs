//! NuGet packages, versioned by a flag: Chocolatey (`choco install`, `cinst`) and
//! `dotnet tool install`.

use super::installer::Loose;
use super::lex::{Flags, is_var_or_template, positionals, unquote};

pub(super) fn choco(args: &[(String, usize)]) -> Vec<Loose> {
    versioned_by_flag(
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
    )
}

pub(super) fn dotnet(args: &[(String, usize)]) -> Vec<Loose> {
    versioned_by_flag(
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
    )
}

/// The packages of a command that takes the version as a flag (`--version 1.2.3`,
/// `--version=1.2.3`, `--version:1.2.3`): none when the flag is given. Flags are written
/// `-x`, `--x` or `/x`, in any case.
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
    let flags = Flags {
        with_value,
        windows: true,
    };
    positionals(args, flags)
        .filter(|(w, _)| {
            !is_var_or_template(w) && !w.ends_with(".config") && !w.ends_with(".nupkg")
        })
        .map(|(w, at)| Loose::new(unquote(w).to_owned(), at))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::pinning::shell::lex::words;

    #[test]
    fn flags_in_any_style_and_redirections() {
        let names =
            |cmd: &str| -> Vec<String> { choco(&words(cmd)).into_iter().map(|l| l.name).collect() };
        assert_eq!(names("nodejs -S https://x /Y > out.txt"), ["nodejs"]);
        assert!(names("git /y --Version=2.0").is_empty());
    }
}
