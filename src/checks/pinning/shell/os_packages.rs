//! Distribution and environment packages: `apt-get`/`apt install`, `apk add`,
//! `yum`/`dnf`/`microdnf install`, `zypper install`, and `conda`/`mamba`/`micromamba
//! install`. `name=version` pins a package (`name-version[-release]` for RPM), a local
//! package file or a variable is not judged.

use super::installer::Loose;
use super::lex::{Flags, is_var_or_template, positionals, unquote};

/// `apt-get`'s options that take a value, before or after `install`.
pub(super) const APT_OPTIONS: &[&str] = &[
    "-t",
    "--target-release",
    "--default-release",
    "-o",
    "--option",
    "-c",
    "--config-file",
];

/// `apk`'s options that take a value: `--virtual .build-deps` names no package.
pub(super) const APK_OPTIONS: &[&str] = &[
    "--virtual",
    "-t",
    "--repository",
    "-X",
    "--root",
    "-p",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
    "--timeout",
];

/// The options of `yum`, `dnf` and `microdnf` that take a value.
pub(super) const RPM_OPTIONS: &[&str] = &[
    "-c",
    "--config",
    "--installroot",
    "--releasever",
    "--setopt",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--repofrompath",
    "-x",
    "--exclude",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "--rpmverbosity",
    "--forcearch",
    "--downloaddir",
    "--destdir",
    "--color",
    "--comment",
    "--advisory",
    "--cve",
    "--bz",
    "--sec-severity",
];

/// The options of `zypper` (global and `install`) that take a value.
pub(super) const ZYPPER_OPTIONS: &[&str] = &[
    "-c",
    "--config",
    "-R",
    "--root",
    "--reposd-dir",
    "-D",
    "--cache-dir",
    "-C",
    "--raw-cache-dir",
    "--solv-cache-dir",
    "--pkg-cache-dir",
    "-p",
    "--plus-repo",
    "-r",
    "--repo",
    "--from",
    "-t",
    "--type",
];

pub(super) fn apt(args: &[(String, usize)]) -> Vec<Loose> {
    os_packages(args, APT_OPTIONS, |w| w.ends_with(".deb"), equals_pinned)
}

pub(super) fn apk(args: &[(String, usize)]) -> Vec<Loose> {
    os_packages(args, APK_OPTIONS, |w| w.ends_with(".apk"), equals_pinned)
}

pub(super) fn rpm(args: &[(String, usize)]) -> Vec<Loose> {
    os_packages(
        args,
        RPM_OPTIONS,
        // Local files and URLs, groups (`@development`) and capabilities
        // (`'dnf-command(config-manager)'`): nothing to pin by a version here.
        |w| w.ends_with(".rpm") || w.starts_with('@') || w.contains('('),
        rpm_versioned,
    )
}

pub(super) fn zypper(args: &[(String, usize)]) -> Vec<Loose> {
    // `zypper in -t pattern devel_basis`: patterns, patches and products are not packages.
    let mut ws = args.iter().map(|(w, _)| unquote(w));
    while let Some(w) = ws.next() {
        let kind = match w {
            "-t" | "--type" => ws.next(),
            _ => w.strip_prefix("--type=").or(w.strip_prefix("-t")),
        };
        if kind.is_some_and(|k| !k.is_empty() && k != "package") {
            return Vec::new();
        }
    }
    os_packages(
        args,
        ZYPPER_OPTIONS,
        |w| w.ends_with(".rpm"),
        |w| equals_pinned(w) || rpm_versioned(w),
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
    os_packages(
        args,
        &["-c", "--channel", "-n", "--name", "-p", "--prefix"],
        |_| false,
        |w| w.contains('='),
    )
}

/// `curl=8.5.0-r0`, `curl=7.88.1-10+deb12u8`: a version after `=`, not a range
/// (`curl>=8`) nor a pattern (`curl=8.*`).
fn equals_pinned(w: &str) -> bool {
    w.split_once('=').is_some_and(|(name, v)| {
        !v.is_empty() && !name.ends_with(['<', '>', '!']) && !v.contains(['*', '<', '>'])
    })
}

/// An RPM package named with its version: `curl-7.76.1`, `curl-7.76.1-26.el9.x86_64`,
/// `nodejs-1:18.19.0-1.module_el8`; `java-17-openjdk` and `python3-pip` are names.
fn rpm_versioned(w: &str) -> bool {
    if w.contains(['*', '?', '<', '>']) {
        return false;
    }
    let pieces: Vec<&str> = w.split('-').collect();
    let starts_digit = |p: &str| p.chars().next().is_some_and(|c| c.is_ascii_digit());
    let n = pieces.len();
    if n < 2 || pieces[0].is_empty() || !starts_digit(pieces[n - 1]) {
        return false;
    }
    pieces[n - 1].contains(['.', ':']) || (n > 2 && starts_digit(pieces[n - 2]))
}

/// The packages of `args` without a version, skipping options and their values, local
/// files (`skip`), URLs, paths and variables (`$PACKAGES`: cannot be judged).
fn os_packages(
    args: &[(String, usize)],
    with_value: &[&str],
    skip: impl Fn(&str) -> bool,
    pinned: impl Fn(&str) -> bool,
) -> Vec<Loose> {
    let mut out = Vec::new();
    for (w, at) in positionals(args, Flags::unix(with_value)) {
        let w = unquote(w);
        if w.is_empty()
            || pinned(w)
            || skip(w)
            || is_var_or_template(w)
            || w.contains("://")
            || w.starts_with(['.', '/', '~'])
        {
            continue;
        }
        out.push(Loose::new(w.to_owned(), at));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(equals_pinned("curl=8.5.0-r0"));
        assert!(!equals_pinned("curl>=8"));
        assert!(!equals_pinned("curl=8.*"));
        assert!(!equals_pinned("curl"));
        assert!(rpm_versioned("curl-7.76.1"));
        assert!(rpm_versioned("curl-7.76.1-26.el9"));
        assert!(rpm_versioned("curl-7.76.1-26.el9.x86_64"));
        assert!(rpm_versioned("nodejs-1:18.19.0-1.module_el8"));
        assert!(!rpm_versioned("java-17-openjdk"));
        assert!(!rpm_versioned("java-17"));
        assert!(!rpm_versioned("python3-pip"));
        assert!(!rpm_versioned("gcc-c++"));
        assert!(!rpm_versioned("epel-release"));
        assert!(!rpm_versioned("curl-7.*"));
    }
}
