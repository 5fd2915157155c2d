//! hadolint's ignore pragmas in Dockerfiles, honoured as suppressions: the author already
//! accepted what the pragma names, and a second linter must not ask again.
//!
//! `# hadolint ignore=DL3007,DL3008` on the line right above an instruction drops the
//! findings of that instruction whose detector means the same as one of the codes;
//! `# hadolint global ignore=…` anywhere in the file drops them in the whole file. Like
//! `template-validator: allow`, a suppressed finding leaves the report. The mapping is by
//! detector, so a rule re-declared under another id with the same `detect` is suppressed
//! too. Codes without a pinning meaning (`DL3003`, `SC2086`, …) suppress nothing.

use std::collections::HashMap;

use super::{Cx, Detect};
use crate::source::SourceFile;

/// What a hadolint rule code stands for: a detector, and for package installs the
/// package managers the code is about (`DL3008` is apt's; an `apk add` in the same
/// instruction stays reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Meaning {
    detect: Detect,
    /// Empty: every finding of the detector.
    managers: &'static [&'static str],
}

const fn meaning(detect: Detect, managers: &'static [&'static str]) -> Option<Meaning> {
    Some(Meaning { detect, managers })
}

fn meaning_of(code: &str) -> Option<Meaning> {
    use Detect::{ImageLatest, OsPackageUnpinned, PackageUnpinned};
    match code.to_ascii_uppercase().as_str() {
        // Always tag the image version; do not use `latest`: both are the floating
        // reference of `image-latest`. A tag without a digest is not theirs.
        "DL3006" | "DL3007" => meaning(ImageLatest, &[]),
        "DL3008" => meaning(OsPackageUnpinned, &["apt-get", "apt"]),
        "DL3018" => meaning(OsPackageUnpinned, &["apk"]),
        "DL3033" => meaning(OsPackageUnpinned, &["yum"]),
        "DL3037" => meaning(OsPackageUnpinned, &["zypper"]),
        "DL3041" => meaning(OsPackageUnpinned, &["dnf", "microdnf"]),
        "DL3013" => meaning(PackageUnpinned, &["pip"]),
        "DL3016" => meaning(PackageUnpinned, &["npm"]),
        "DL3028" => meaning(PackageUnpinned, &["gem"]),
        _ => None,
    }
}

/// Commands that install packages: the last one before a package names its manager.
const MANAGERS: &[&str] = &[
    "apt-get",
    "apt",
    "apk",
    "yum",
    "zypper",
    "dnf",
    "microdnf",
    "pip",
    "npm",
    "gem",
    "npx",
    "yarn",
    "pnpm",
    "conda",
    "mamba",
    "micromamba",
    "go",
    "cargo",
    "uv",
    "pipx",
    "poetry",
    "choco",
    "dotnet",
    "brew",
    "tdnf",
    "pacman",
    "port",
];

/// The package manager whose command line `offset` is on: the last manager word in
/// `text[from..offset]`. A version suffix is not part of the name (`pip3.12`).
fn manager_before(text: &str, from: usize, offset: usize) -> Option<&'static str> {
    let before = text.get(from..offset)?;
    before
        .split(|c: char| c.is_whitespace() || ";&|()`\"".contains(c))
        .rev()
        .find_map(|w| {
            let base = w.rsplit('/').next().unwrap_or(w);
            let base = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            MANAGERS.iter().copied().find(|m| *m == base)
        })
}

/// The pragmas of one Dockerfile.
#[derive(Debug, Default)]
pub(super) struct Pragmas {
    /// Line of the instruction (the line after the pragma) → what is ignored there.
    by_line: HashMap<u32, Vec<Meaning>>,
    global: Vec<Meaning>,
}

impl Pragmas {
    pub(super) fn of(file: &SourceFile) -> Pragmas {
        let mut p = Pragmas::default();
        if memchr::memmem::find(file.text().as_bytes(), b"hadolint").is_none() {
            return p;
        }
        for (n, _, line) in file.lines() {
            let Some((global, codes)) = parse(line) else {
                continue;
            };
            let ds = codes.iter().filter_map(|c| meaning_of(c));
            if global {
                p.global.extend(ds);
            } else {
                p.by_line.entry(n + 1).or_default().extend(ds);
            }
        }
        p
    }

    /// What is ignored for the instruction that starts on `line`.
    pub(super) fn at(&self, line: u32) -> &[Meaning] {
        self.by_line.get(&line).map_or(&[], Vec::as_slice)
    }

    pub(super) fn global(&self) -> &[Meaning] {
        &self.global
    }
}

/// `# hadolint [global] ignore=CODE[, CODE…]`: (global, codes).
fn parse(line: &str) -> Option<(bool, Vec<&str>)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("hadolint")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) if r.starts_with(char::is_whitespace) => (true, r.trim_start()),
        _ => (false, rest),
    };
    let list = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    let mut codes = Vec::new();
    for item in list.split(',') {
        let item = item.trim_start();
        let code = item.split(char::is_whitespace).next().unwrap_or_default();
        let valid = code.len() > 2
            && code.starts_with(|c: char| c.is_ascii_alphabetic())
            && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid {
            break;
        }
        codes.push(code);
        // Text after the code (a comment) ends the list.
        if code.len() != item.trim_end().len() {
            break;
        }
    }
    (!codes.is_empty()).then_some((global, codes))
}

impl Cx<'_> {
    /// How many findings were reported so far: a mark for [`Cx::drop_since`].
    pub(super) fn mark(&self) -> usize {
        self.out.len()
    }

    /// Drop the findings reported since `mark` that one of `ignored` means; `from` is
    /// where their instruction starts (a package's manager is looked for from there).
    pub(super) fn drop_since(&mut self, mark: usize, from: usize, ignored: &[Meaning]) {
        if ignored.is_empty() || mark >= self.out.len() {
            return;
        }
        let text = self.file.text();
        let mut tail = self.out.split_off(mark);
        tail.retain(|f| {
            let offset = f.location.region.map_or(0, |r| {
                let line = self.file.line_range(r.start_line);
                let col = (r.start_col as usize).saturating_sub(1);
                let chars = text.get(line.clone()).unwrap_or_default().char_indices();
                line.start + chars.map(|(i, _)| i).nth(col).unwrap_or(line.len())
            });
            let manager = || manager_before(text, from.min(offset), offset);
            !ignored.iter().any(|m| {
                self.rules
                    .get(&m.detect)
                    .is_some_and(|rs| rs.iter().any(|(idx, _)| *idx == f.rule))
                    && (m.managers.is_empty() || manager().is_some_and(|g| m.managers.contains(&g)))
            })
        });
        self.out.extend(tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragmas() {
        assert_eq!(
            parse("# hadolint ignore=DL3007"),
            Some((false, vec!["DL3007"]))
        );
        assert_eq!(
            parse("#hadolint ignore=DL3023, DL3021"),
            Some((false, vec!["DL3023", "DL3021"]))
        );
        assert_eq!(
            parse("# hadolint global ignore=DL3008,SC2086"),
            Some((true, vec!["DL3008", "SC2086"]))
        );
        assert_eq!(
            parse("# hadolint ignore=DL3007 we build on latest"),
            Some((false, vec!["DL3007"]))
        );
        assert_eq!(parse("# hadolint shell=powershell"), None);
        assert_eq!(parse("# hadolintignore=DL3007"), None);
        assert_eq!(parse("RUN echo # hadolint ignore=DL3007"), None);
        assert_eq!(parse("# hadolint ignore="), None);
    }

    #[test]
    fn meanings() {
        assert_eq!(
            meaning_of("dl3007").map(|m| m.detect),
            Some(Detect::ImageLatest)
        );
        assert_eq!(
            meaning_of("DL3041").map(|m| m.detect),
            Some(Detect::OsPackageUnpinned)
        );
        assert!(meaning_of("DL3003").is_none());
        assert!(meaning_of("DL4001").is_none());
    }

    #[test]
    fn managers() {
        let t = "RUN apt-get install -y curl && /usr/bin/pip3.12 install x && apk add jq";
        let at = |w: &str| t.find(w).unwrap();
        assert_eq!(manager_before(t, 0, at("curl")), Some("apt-get"));
        assert_eq!(manager_before(t, 0, at("x &&")), Some("pip"));
        assert_eq!(manager_before(t, 0, at("jq")), Some("apk"));
        assert_eq!(manager_before(t, 0, 3), None);
    }
}
