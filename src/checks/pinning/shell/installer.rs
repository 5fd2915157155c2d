//! Package installs without an exact version: which package manager a command runs, and
//! its family's judgement of the packages it names.

use std::ops::Range;

use super::lex::{Flags, Logical, positionals, unquote, words};
use super::{Cx, Detect, cargo, gem, go, npm, nuget, os_packages, pip};
use crate::finding::Severity;

/// An unpinned package: the word, its offset in the line.
pub(super) struct Loose {
    pub(super) name: String,
    pub(super) at: usize,
    /// Why the package may still be pinned after all, which makes its finding a note
    /// with this reason instead of the rule's finding.
    pub(super) unsure: Option<&'static str>,
}

impl Loose {
    pub(super) fn new(name: impl Into<String>, at: usize) -> Self {
        Loose {
            name: name.into(),
            at,
            unsure: None,
        }
    }
}

/// The package managers whose installs are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Installer {
    /// `pip install`, `python -m pip install`, `uv pip install`, `uv tool install`, `pipx install`.
    Pip,
    Uvx,
    /// `npm install`, `yarn global add`, `pnpm add -g`.
    Npm,
    /// `npx`, `bunx`, `pnpm dlx`, `yarn dlx`.
    Npx,
    /// `go install`, `go run`, `go get`.
    Go,
    Gem,
    Cargo,
    Choco,
    /// `dotnet tool install`.
    Dotnet,
    /// `apt-get install`, `apt install`, `aptitude install`.
    Apt,
    Apk,
    /// `yum`, `dnf`, `microdnf`, `tdnf install`.
    Rpm,
    /// `zypper install`, `zypper in`.
    Zypper,
    /// `conda`, `mamba`, `micromamba install`.
    Conda,
}

impl Installer {
    /// The package manager a command runs, and where its arguments start in `ws`: the one
    /// place that reads tool names.
    fn of(ws: &[(String, usize)]) -> Option<(Installer, usize)> {
        let word = |i: usize| ws.get(i).map(|(w, _)| w.as_str());
        let lower = |i: usize| word(i).map(|w| unquote(w).to_ascii_lowercase());
        let cmd = lower(0)?;
        let cmd = cmd.rsplit('/').next().unwrap_or(&cmd).to_owned();
        let cmd = cmd.strip_suffix(".exe").unwrap_or(&cmd).to_owned();
        // Distribution package managers take their options before the subcommand too
        // (`apt-get -qq -y install`, `apk --no-cache add`, `zypper -n in`).
        let os = match cmd.as_str() {
            "apt-get" | "apt" | "aptitude" => {
                Some((Self::Apt, os_packages::APT_OPTIONS, "install"))
            }
            "apk" => Some((Self::Apk, os_packages::APK_OPTIONS, "add")),
            "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" => {
                Some((Self::Rpm, os_packages::RPM_OPTIONS, "install"))
            }
            "zypper" => Some((Self::Zypper, os_packages::ZYPPER_OPTIONS, "install")),
            _ => None,
        };
        if let Some((installer, options, install)) = os {
            let (sub, at) = positionals(&ws[1..], Flags::unix(options)).next()?;
            let sub = unquote(sub).to_ascii_lowercase();
            let is_install = sub == install || (installer == Self::Zypper && sub == "in");
            // The arguments start after the subcommand.
            let start = ws.iter().position(|(_, a)| *a == at)? + 1;
            return is_install.then_some((installer, start));
        }
        let found = match cmd.as_str() {
            "pip" | "pip3" | "pipx" if lower(1).as_deref() == Some("install") => (Self::Pip, 2),
            "python" | "python3" | "py"
                if lower(1).as_deref() == Some("-m")
                    && matches!(lower(2).as_deref(), Some("pip" | "pipx"))
                    && lower(3).as_deref() == Some("install") =>
            {
                (Self::Pip, 4)
            }
            "uv" if lower(1).as_deref() == Some("pip")
                && lower(2).as_deref() == Some("install") =>
            {
                (Self::Pip, 3)
            }
            "uv" | "pipx"
                if matches!(lower(1).as_deref(), Some("tool"))
                    && lower(2).as_deref() == Some("install") =>
            {
                (Self::Pip, 3)
            }
            "uvx" => (Self::Uvx, 1),
            "npm" if matches!(lower(1).as_deref(), Some("install" | "i" | "add" | "in")) => {
                (Self::Npm, 2)
            }
            "yarn"
                if lower(1).as_deref() == Some("global") && lower(2).as_deref() == Some("add") =>
            {
                (Self::Npm, 3)
            }
            "pnpm"
                if matches!(lower(1).as_deref(), Some("add" | "install" | "i"))
                    && ws[2..].iter().any(|(w, _)| w == "-g" || w == "--global") =>
            {
                (Self::Npm, 2)
            }
            "npx" | "bunx" => (Self::Npx, 1),
            "pnpm" | "yarn" if lower(1).as_deref() == Some("dlx") => (Self::Npx, 2),
            "go" if matches!(lower(1).as_deref(), Some("install" | "run" | "get")) => (Self::Go, 1),
            "gem" if lower(1).as_deref() == Some("install") => (Self::Gem, 2),
            "cargo" if lower(1).as_deref() == Some("install") => (Self::Cargo, 2),
            "cinst" => (Self::Choco, 1),
            "choco" if matches!(lower(1).as_deref(), Some("install" | "upgrade")) => {
                (Self::Choco, 2)
            }
            "dotnet"
                if lower(1).as_deref() == Some("tool")
                    && matches!(lower(2).as_deref(), Some("install" | "update")) =>
            {
                (Self::Dotnet, 3)
            }
            "conda" | "mamba" | "micromamba" if lower(1).as_deref() == Some("install") => {
                (Self::Conda, 2)
            }
            _ => return None,
        };
        Some(found)
    }

    /// The packages of `args` installed without an exact version.
    fn loose(self, cx: &Cx<'_>, args: &[(String, usize)]) -> Vec<Loose> {
        match self {
            Self::Pip => pip::pip(args),
            Self::Uvx => pip::uvx(args),
            Self::Npm => npm::npm(args),
            Self::Npx => npm::npx(cx, args),
            Self::Go => go::go(cx, args),
            Self::Gem => gem::gem(args),
            Self::Cargo => cargo::cargo(args),
            Self::Choco => nuget::choco(args),
            Self::Dotnet => nuget::dotnet(args),
            Self::Apt => os_packages::apt(args),
            Self::Apk => os_packages::apk(args),
            Self::Rpm => os_packages::rpm(args),
            Self::Zypper => os_packages::zypper(args),
            Self::Conda => os_packages::conda(args),
        }
    }

    /// The detection and the message for `loose`, found in `command`.
    fn report(self, loose: &[Loose], command: &str) -> (Detect, String) {
        let names: Vec<String> = loose.iter().map(|l| format!("`{}`", l.name)).collect();
        match self {
            Self::Apt | Self::Apk | Self::Rpm | Self::Zypper => (
                Detect::OsPackageUnpinned,
                format!(
                    "{} installed by `{command}` without a version: the distribution's current package is used",
                    names.join(", ")
                ),
            ),
            Self::Cargo if loose.iter().all(|l| l.name == "--locked") => (
                Detect::PackageUnpinned,
                "`cargo install` without `--locked`: the crate's dependencies resolve to their newest semver-compatible versions".to_owned(),
            ),
            _ => (
                Detect::PackageUnpinned,
                format!(
                    "{} installed by `{command}` without an exact version: every run may install a different release",
                    names.join(", ")
                ),
            ),
        }
    }
}

/// Report the unpinned packages of the simple command `seg` of `line`.
pub(super) fn installs(cx: &mut Cx<'_>, line: &Logical, seg: Range<usize>) {
    let base = seg.start;
    let ws = words(&line.text[seg]);
    let mut k = 0;
    while k < ws.len() {
        let w = ws[k].0.as_str();
        if matches!(
            w,
            "sudo" | "exec" | "time" | "command" | "-" | "RUN" | "run" | "run:" | "script:"
        ) || (w.contains('=') && !w.starts_with('-') && !w.contains('/'))
            || (w.starts_with('-') && k > 0 && ws[k - 1].0 == "sudo")
        {
            k += 1;
        } else {
            break;
        }
    }
    let ws = &ws[k..];
    let Some((installer, start)) = Installer::of(ws) else {
        return;
    };
    let args = &ws[start..];
    let (unsure, loose): (Vec<Loose>, Vec<Loose>) = installer
        .loose(cx, args)
        .into_iter()
        .partition(|l| l.unsure.is_some());
    let command = match installer {
        // The tool and its subcommand, without the options between them.
        Installer::Apt | Installer::Apk | Installer::Rpm | Installer::Zypper => {
            format!("{} {}", ws[0].0, ws[start - 1].0)
        }
        _ => {
            // `go`'s arguments start with its subcommand: show it.
            let shown = (start + usize::from(installer == Installer::Go)).min(ws.len());
            ws[..shown]
                .iter()
                .map(|(w, _)| w.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    if let Some(first) = loose.first() {
        let (detect, msg) = installer.report(&loose, &command);
        cx.report(detect, place(line, base, first), msg);
    }
    for l in &unsure {
        let (detect, msg) = installer.report(std::slice::from_ref(l), &command);
        let why = l.unsure.unwrap_or_default();
        cx.report_with(
            detect,
            place(line, base, l),
            format!("{msg}, unless {why}"),
            Some(Severity::Note),
        );
    }
}

/// Where a package is in the file.
fn place(line: &Logical, base: usize, l: &Loose) -> Range<usize> {
    let at = base + l.at;
    line.orig_range(at..at + l.name.len().max(1))
}
