//! The `required-files` family's own kinds: what a present file must say. Presence itself
//! is the data-driven `file-exists` kind (see [`super::files`]).

use std::sync::LazyLock;

use serde::Deserialize;
use spdx::detection::{Store, TextData, scan::Scanner};

use super::files::{Locate, LocateParams};
use schemars::JsonSchema;

use super::{Built, Check, Declared, Kind, each};
use crate::finding::{Finding, RuleIdx};
use crate::source::SourceFile;
use crate::static_regex;
use crate::walk::Repo;

/// One check per rule, for kinds whose only parameters select the file.
fn build_located<C: Check + 'static>(
    inputs: Vec<Declared<'_, LocateParams>>,
    make: fn(RuleIdx, Locate) -> C,
) -> Built {
    each(inputs, |rule, p| {
        Ok(Box::new(make(rule, Locate::new(&p)?)) as Box<dyn Check>)
    })
}

/// The effective file, read as text: the first non-blank match (blank ones are
/// `file-exists`' business), unless it is not text.
fn effective_text(locate: &Locate, repo: &Repo) -> Option<SourceFile> {
    let entry = locate.find_non_blank(repo).ok()?;
    repo.read_text(entry)
}

// ---------------------------------------------------------------------------- license-text

#[derive(Deserialize, JsonSchema)]
pub struct LicenseParams {
    #[serde(flatten)]
    locate: LocateParams,
    /// Similarity (0–1) to a known license text needed to call it recognised.
    #[serde(default = "default_confidence")]
    min_confidence: f32,
}

fn default_confidence() -> f32 {
    0.8
}

/// Kind `license-text`: the license file holds a recognised license text.
pub const LICENSE_TEXT: Kind<LicenseParams> = Kind::new("license-text", build_license);

fn build_license(inputs: Vec<Declared<'_, LicenseParams>>) -> Built {
    each(inputs, |rule, p| {
        if !(0.0..=1.0).contains(&p.min_confidence) {
            return Err("`min_confidence` must be between 0 and 1".to_owned());
        }
        Ok(Box::new(LicenseText {
            rule,
            locate: Locate::new(&p.locate)?,
            min_confidence: p.min_confidence,
        }) as Box<dyn Check>)
    })
}

struct LicenseText {
    rule: RuleIdx,
    locate: Locate,
    min_confidence: f32,
}

/// Licenses most templates use: matched first, from a small store that builds in a few
/// milliseconds, before the full SPDX list (about 100 ms to load) is consulted.
const COMMON_LICENSES: &[&str] = &[
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "MPL-2.0",
    "GPL-2.0-only",
    "GPL-3.0-only",
    "LGPL-2.1-only",
    "LGPL-3.0-only",
    "AGPL-3.0-only",
    "Unlicense",
    "0BSD",
    "BSL-1.0",
    "CC0-1.0",
    "EPL-2.0",
    "MIT-0",
];

static COMMON_STORE: LazyLock<Store> = LazyLock::new(|| {
    let mut store = Store::new();
    for id in COMMON_LICENSES {
        if let Some(license) = spdx::license_id(id) {
            store.add_license((*id).to_owned(), TextData::new(license.text()));
        }
    }
    store
});

/// Every SPDX license text, loaded on first use (only when a license file is not one of
/// the common ones).
static LICENSE_STORE: LazyLock<Result<Store, String>> =
    LazyLock::new(|| Store::load_inline().map_err(|e| e.to_string()));

static_regex!(SPDX_TAG = r"(?m)SPDX-License-Identifier:\s*(.+?)\s*(?:\*/|-->)?\s*$");

/// What the license text is: `Ok(spdx id)` or `Err(closest guess with its score)`.
fn identify(text: &str, min_confidence: f32) -> Result<String, String> {
    if let Some(c) = SPDX_TAG.captures(text)
        && spdx::Expression::parse(&c[1]).is_ok()
    {
        return Ok(c[1].to_owned());
    }
    let data = TextData::new(text);
    let common = Scanner::new(&COMMON_STORE).confidence_threshold(min_confidence);
    if let Some(l) = common.scan(&data).license {
        return Ok(l.name.to_owned());
    }
    let store = LICENSE_STORE.as_ref().map_err(|e| e.clone())?;
    let scanner = Scanner::new(store).confidence_threshold(min_confidence);
    let result = scanner.scan(&data);
    if let Some(l) = result.license {
        return Ok(l.name.to_owned());
    }
    let deep_scanner = Scanner::new(store)
        .confidence_threshold(min_confidence)
        .optimize(true);
    let deep = deep_scanner.scan(&data);
    if let Some(c) = deep.containing.first() {
        return Ok(c.license.name.to_owned());
    }
    let best = store.analyze(&data);
    Err(format!(
        "closest: {} at {:.0}% similarity",
        best.name,
        best.score * 100.0
    ))
}

impl Check for LicenseText {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let Some(file) = effective_text(&self.locate, repo) else {
            return;
        };
        if let Err(closest) = identify(file.text(), self.min_confidence) {
            let path = file.path();
            out.push(Finding::file(
                self.rule,
                path,
                format!("`{path}` is not a recognisable license text ({closest})"),
            ));
        }
    }
}

// ------------------------------------------------------------------------ security-contact

/// Kind `security-contact`: the security policy says how to report a vulnerability.
pub const SECURITY_CONTACT: Kind<LocateParams> = Kind::new("security-contact", |rules| {
    build_located(rules, |rule, locate| SecurityContact { rule, locate })
});

struct SecurityContact {
    rule: RuleIdx,
    locate: Locate,
}

static_regex!(EMAIL = r"(?i)\b[a-z0-9._%+-]+@((?:[a-z0-9-]+\.)+[a-z]{2,})\b");
static_regex!(URL = r"(?i)\bhttps?://([a-z0-9.-]+)[^\s)>\]]*");
static_regex!(ADVISORIES = r"(?i)security/advisories|private vulnerability reporting");
static_regex!(
    /// A template variable that will become a contact when the template is rendered.
    CONTACT_VARIABLE =
        r"(?i)(\{\{|\$\{|\{%|<%)[^}%>]*(mail|url|contact|security|domain)[^}%>]*(\}\}|\}|%\}|%>)"
);

fn placeholder_domain(domain: &str) -> bool {
    let d = domain.to_ascii_lowercase();
    let d = d.trim_end_matches('.');
    ["example.com", "example.org", "example.net", "localhost"]
        .iter()
        .any(|p| d == *p || d.ends_with(&format!(".{p}")))
        || [".example", ".test", ".invalid", ".localhost"]
            .iter()
            .any(|s| d.ends_with(s))
}

/// `Ok(())` when the text names a way to report, else the placeholder contacts it has.
fn security_contact(text: &str) -> Result<(), Vec<String>> {
    if ADVISORIES.is_match(text) || CONTACT_VARIABLE.is_match(text) {
        return Ok(());
    }
    let mut placeholders = Vec::new();
    for re in [&*EMAIL, &*URL] {
        for c in re.captures_iter(text) {
            if placeholder_domain(&c[1]) {
                placeholders.push(c[0].to_owned());
            } else {
                return Ok(());
            }
        }
    }
    Err(placeholders)
}

impl Check for SecurityContact {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let Some(file) = effective_text(&self.locate, repo) else {
            return;
        };
        if let Err(placeholders) = security_contact(file.text()) {
            let detail = if placeholders.is_empty() {
                "no e-mail address, URL or security-advisories link".to_owned()
            } else {
                format!("only placeholder contacts ({})", placeholders.join(", "))
            };
            let path = file.path();
            out.push(Finding::file(
                self.rule,
                path,
                format!("`{path}` gives no way to report a vulnerability: {detail}"),
            ));
        }
    }
}

// ----------------------------------------------------------------------- codeowners-syntax

/// Kind `codeowners-syntax`: CODEOWNERS lines are well-formed.
pub const CODEOWNERS_SYNTAX: Kind<LocateParams> = Kind::new("codeowners-syntax", |rules| {
    build_located(rules, |rule, locate| CodeownersSyntax { rule, locate })
});

struct CodeownersSyntax {
    rule: RuleIdx,
    locate: Locate,
}

static_regex!(
    OWNER = concat!(
        r"^(?:@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", // @user
        r"(?:/[A-Za-z0-9_](?:[A-Za-z0-9._-]*))?",  // @org/team
        r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$", // e-mail
    )
);

fn is_template_variable(token: &str) -> bool {
    ["{{", "${", "{%", "<%"].iter().any(|m| token.contains(m))
}

/// A problem on one CODEOWNERS line: byte range within the line and what is wrong.
#[derive(Debug, PartialEq)]
struct LineProblem {
    range: std::ops::Range<usize>,
    message: String,
}

/// Split a line into whitespace-separated tokens with their byte ranges. `\ ` escapes a
/// space, and a template expression (`{{ … }}`, `{% … %}`, `${ … }`) stays inside its token.
fn tokens(line: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut chars = line.char_indices().peekable();
    let mut unclosed: Vec<&str> = Vec::new();
    while let Some((i, ch)) = chars.next() {
        let next = chars.peek().map(|&(_, c)| c);
        let close = match (ch, next) {
            ('{', Some('{')) => Some("}}"),
            ('{', Some('%')) => Some("%}"),
            ('$', Some('{')) => Some("}"),
            _ => None,
        };
        if let Some(close) = close {
            start.get_or_insert(i);
            // Once a closing delimiter is missing from the rest of the line, it is missing
            // from every later rest too: never search again (linear on `{{{{…`).
            let found = if unclosed.contains(&close) {
                None
            } else {
                line[i + 2..].find(close)
            };
            if found.is_none() && !unclosed.contains(&close) {
                unclosed.push(close);
            }
            match found {
                Some(end) => {
                    let resume = i + 2 + end + close.len();
                    while chars.peek().is_some_and(|&(j, _)| j < resume) {
                        chars.next();
                    }
                }
                None => {
                    chars.next();
                }
            }
        } else if ch == '\\' {
            start.get_or_insert(i);
            chars.next();
        } else if ch.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s..i, &line[s..i]));
            }
        } else {
            start.get_or_insert(i);
        }
    }
    if let Some(s) = start {
        out.push((s..line.len(), &line[s..]));
    }
    out
}

fn codeowners_line(line: &str) -> Vec<LineProblem> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Vec::new();
    }
    let toks = tokens(line);
    let Some(((prange, pattern), rest)) = toks.split_first() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if pattern.starts_with('!') {
        problems.push(LineProblem {
            range: prange.clone(),
            message: format!(
                "`{pattern}`: CODEOWNERS does not support `!` negation; the line is skipped"
            ),
        });
    } else if pattern.contains('[') && !is_template_variable(pattern) {
        problems.push(LineProblem {
            range: prange.clone(),
            message: format!(
                "`{pattern}`: CODEOWNERS does not support `[ ]` character ranges; the line is skipped"
            ),
        });
    }
    let owners: Vec<_> = rest
        .iter()
        .take_while(|(_, t)| !t.starts_with('#'))
        .collect();
    if owners.is_empty() {
        problems.push(LineProblem {
            range: prange.clone(),
            message: format!("`{pattern}` has no owner, so these paths are left unowned"),
        });
    }
    for (range, owner) in owners {
        if !OWNER.is_match(owner) && !is_template_variable(owner) {
            problems.push(LineProblem {
                range: range.clone(),
                message: format!(
                    "`{owner}` is not a valid owner (expected `@user`, `@org/team` or an e-mail address)"
                ),
            });
        }
    }
    problems
}

impl Check for CodeownersSyntax {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let Some(file) = effective_text(&self.locate, repo) else {
            return;
        };
        for (_, start, line) in file.lines() {
            for p in codeowners_line(line) {
                let range = start + p.range.start..start + p.range.end;
                out.push(Finding::span(self.rule, &file, range, p.message));
            }
        }
    }
}

// --------------------------------------------------------------------- codeowners-shadowed

/// Kind `codeowners-shadowed`: no CODEOWNERS rule is hidden by a later one.
pub const CODEOWNERS_SHADOWED: Kind<LocateParams> = Kind::new("codeowners-shadowed", |rules| {
    build_located(rules, |rule, locate| CodeownersShadowed { rule, locate })
});

struct CodeownersShadowed {
    rule: RuleIdx,
    locate: Locate,
}

impl Check for CodeownersShadowed {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let found = self.locate.find(repo);
        let Some((used, ignored)) = found.split_first() else {
            return;
        };
        for f in ignored {
            out.push(Finding::file(
                self.rule,
                &f.path,
                format!(
                    "`{}` is ignored: GitHub uses only the first CODEOWNERS it finds, `{}`",
                    f.path, used.path
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codeowners_lines() {
        assert!(codeowners_line("# comment").is_empty());
        assert!(codeowners_line("   ").is_empty());
        assert!(codeowners_line("* @org/team-a @user dev@example.com").is_empty());
        assert!(codeowners_line("/docs/ @{{cookiecutter.github_team}}").is_empty());
        assert!(codeowners_line("/a\\ b/ @user # trailing comment").is_empty());
        assert!(
            codeowners_line("/docs/ @{{ cookiecutter.org }}/{{ cookiecutter.team }}").is_empty()
        );
        assert!(codeowners_line("{{ cookiecutter.dir }}/ ${ OWNER }").is_empty());

        let p = codeowners_line("/build/logs/");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].range, 0..12);
        assert!(p[0].message.contains("no owner"));

        let p = codeowners_line("*.js  team-js @ok");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].range, 6..13);
        assert!(p[0].message.contains("`team-js` is not a valid owner"));

        let p = codeowners_line("!/keep @user");
        assert!(p[0].message.contains("negation"));
        let p = codeowners_line("/x # only a comment");
        assert!(p[0].message.contains("no owner"));
    }

    #[test]
    fn security_contacts() {
        assert!(security_contact("Mail security@acme.io").is_ok());
        assert!(security_contact("Use https://github.com/o/r/security/advisories/new").is_ok());
        assert!(security_contact("See ../../security/advisories").is_ok());
        assert!(security_contact("Write to {{ cookiecutter.security_email }}").is_ok());
        assert_eq!(security_contact("Please be nice."), Err(vec![]));
        assert_eq!(
            security_contact("Mail security@example.com or https://example.org/report"),
            Err(vec![
                "security@example.com".to_owned(),
                "https://example.org/report".to_owned()
            ])
        );
    }

    #[test]
    fn licenses_are_identified() {
        let mit = include_str!("../../testdata/licenses/MIT.txt");
        assert_eq!(identify(mit, 0.8), Ok("MIT".to_owned()));
        let apache = spdx::license_id("Apache-2.0").unwrap().text();
        assert_eq!(identify(apache, 0.8), Ok("Apache-2.0".to_owned()));
        // Not among the common licenses: found in the full list.
        let zlib = spdx::license_id("Zlib").unwrap().text();
        assert_eq!(identify(zlib, 0.8), Ok("Zlib".to_owned()));
        let tagged = "// SPDX-License-Identifier: Apache-2.0 OR MIT\n";
        assert_eq!(identify(tagged, 0.8), Ok("Apache-2.0 OR MIT".to_owned()));
        let err = identify("All rights reserved. Do what you want but pay me.", 0.8).unwrap_err();
        assert!(err.starts_with("closest: "), "{err}");
    }
}
