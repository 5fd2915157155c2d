//! Inline suppressions, for every rule family: a comment
//! `template-validator: allow <rule-id> -- <reason>` on the line of a finding or on the line
//! before it drops that finding. `<rule-id>` may be a family (`secrets`) or a comma list.
//! A suppression without a reason still applies, and is reported as a
//! `core/suppression-without-reason` warning so that it gets one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::checks::secrets::SECRET_PATTERN;
use crate::finding::Finding;
use crate::rules::{RuleSet, selector_matches};
use crate::source::SourceFile;
use crate::walk::Repo;

/// The rule a suppression without a reason is reported under.
pub const REASONLESS_RULE: &str = "core/suppression-without-reason";

static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"template-validator:\s*allow\s+(?P<ids>[a-z0-9][a-z0-9/\-]*(?:\s*,\s*[a-z0-9][a-z0-9/\-]*)*)(?P<rest>[^\r\n]*)",
    )
    .expect("suppression regex")
});

/// Other scanners' and linters' markers for a hard-coded credential that is meant to be
/// there, each a reason of its own: ruff/flake8-bandit `noqa: S105`/`S106`/`S107`, bandit
/// `nosec` (bare or naming `B105`–`B107`), gosec `#nosec G101`, `gitleaks:allow`,
/// `trufflehog:ignore` and detect-secrets' `pragma: allowlist secret`. They drop findings
/// of the `secrets` family only, on their own line; detect-secrets' `pragma: allowlist
/// nextline secret` on the line before.
static FOREIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?P<noqa>noqa\s*:\s*[\w, ]*\b[SB]10[567]\b)|(?P<nosec>#\s*nosec\b(?P<codes>[^\r\n]*))|gitleaks:allow|trufflehog:ignore|pragma:\s*allowlist\s+(?P<next>nextline\s+)?secret",
    )
    .expect("foreign suppression regex")
});

/// Whether a [`FOREIGN`] marker on `line` drops a `secrets` finding `below` lines under it
/// (0: the same line, 1: the next).
fn foreign_allows(line: &str, below: u32) -> bool {
    FOREIGN.captures_iter(line).any(|c| {
        let applies = matches!((below, c.name("next")), (0, None) | (1, Some(_)));
        applies
            && c.name("codes").is_none_or(|codes| {
                // `# nosec` alone, or naming a hard-coded password or credential check.
                let codes = codes.as_str().to_ascii_uppercase();
                let ids: Vec<&str> = codes
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| {
                        w.len() == 4
                            && w.starts_with(['B', 'G'])
                            && w[1..].bytes().all(|b| b.is_ascii_digit())
                    })
                    .collect();
                ids.is_empty()
                    || ids
                        .iter()
                        .any(|id| ["B105", "B106", "B107", "G101"].contains(id))
            })
    })
}

/// End of a comment that may follow the directive: ` */`, ` -->`, ` #}`, ` %}`.
static COMMENT_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*(?:\*/|-->|#\}|%\}|\}\}|\*\))\s*$").expect("comment end"));

struct Directive {
    ids: Vec<String>,
    has_reason: bool,
    /// Byte range of the directive on its line.
    range: std::ops::Range<usize>,
}

fn directives(line: &str) -> Vec<Directive> {
    DIRECTIVE
        .captures_iter(line)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let ids = c["ids"]
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            let rest = COMMENT_END.replace(&c["rest"], "");
            let has_reason = rest
                .trim_start()
                .strip_prefix("--")
                .is_some_and(|r| !r.trim().is_empty());
            Some(Directive {
                ids,
                has_reason,
                range: whole.start()..whole.end(),
            })
        })
        .collect()
}

/// Drop suppressed findings; add a warning for each suppression without a reason that
/// was used. Each file that has findings on a line is read once.
pub fn apply(rules: &RuleSet, repo: &Repo, findings: &mut Vec<Finding>) {
    let mut by_path: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let (Some(path), Some(_)) = (&f.location.path, f.location.region) {
            by_path.entry(path.clone()).or_default().push(i);
        }
    }
    let reasonless = rules
        .iter()
        .find(|(_, r)| r.id == REASONLESS_RULE)
        .map(|(i, _)| i);
    let mut drop: HashSet<usize> = HashSet::new();
    let mut added = Vec::new();
    for (path, idxs) in by_path {
        let Some(file) = repo.file(&path).and_then(|e| repo.read_for_scan(e)) else {
            continue;
        };
        let ours = memchr::memmem::find(file.text().as_bytes(), b"template-validator:").is_some();
        // Secrets rules by kind: a pack's own (re-declared) secrets rules too.
        let is_secret = |rule| rules[rule].kind == SECRET_PATTERN.name;
        let secrets = idxs.iter().any(|&i| is_secret(findings[i].rule));
        let foreign = secrets && FOREIGN.is_match(file.text());
        if !ours && !foreign {
            continue;
        }
        let mut warned: HashSet<(u32, usize)> = HashSet::new();
        // Directives of each line, found once however many findings the line has.
        let mut on_line: HashMap<u32, Vec<Directive>> = HashMap::new();
        for i in idxs {
            let f = &findings[i];
            let Some(region) = f.location.region else {
                continue;
            };
            let id = &rules[f.rule].id;
            let lines = [region.start_line, region.start_line.saturating_sub(1)];
            if foreign && is_secret(f.rule) {
                let allowed = lines.iter().enumerate().any(|(below, &n)| {
                    n >= 1 && foreign_allows(&file.text()[file.line_range(n)], below as u32)
                });
                if allowed {
                    drop.insert(i);
                    continue;
                }
            }
            if !ours {
                continue;
            }
            'lines: for n in lines.into_iter().filter(|&n| n >= 1) {
                let range = file.line_range(n);
                let found = on_line
                    .entry(n)
                    .or_insert_with(|| directives(&file.text()[range.clone()]));
                for d in found.iter() {
                    if !d.ids.iter().any(|s| selector_matches(s, id)) {
                        continue;
                    }
                    drop.insert(i);
                    if !d.has_reason
                        && let Some(rule) = reasonless
                        && warned.insert((n, d.range.start))
                    {
                        added.push(reasonless_finding(rule, &file, range.start, d, id));
                    }
                    break 'lines;
                }
            }
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !drop.contains(&(i - 1))
    });
    findings.extend(added);
}

fn reasonless_finding(
    rule: crate::finding::RuleIdx,
    file: &SourceFile,
    line_start: usize,
    d: &Directive,
    suppressed: &str,
) -> Finding {
    let at = line_start + d.range.start..line_start + d.range.end;
    // Show only the directive: the rest of the line may hold what it suppresses.
    Finding::span(
        rule,
        file,
        at.clone(),
        format!("the suppression of `{suppressed}` gives no reason (add `-- <reason>`)"),
    )
    .with_snippet_window(file, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_with_and_without_reasons() {
        let d = directives("x = 1  # template-validator: allow secrets/jwt -- test fixture");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].ids, vec!["secrets/jwt"]);
        assert!(d[0].has_reason);

        let d = directives("// template-validator: allow secrets/jwt, required-files");
        assert_eq!(d[0].ids, vec!["secrets/jwt", "required-files"]);
        assert!(!d[0].has_reason);

        let d = directives("<!-- template-validator: allow secrets/jwt -- -->");
        assert!(!d[0].has_reason);
        let d = directives("/* template-validator: allow secrets/jwt -- docs sample */");
        assert!(d[0].has_reason);
        assert!(directives("template-validator: deny x").is_empty());
    }

    #[test]
    fn other_tools_markers() {
        for line in [
            "password = \"x\"  # noqa: S105",
            "f(password=\"x\")  # noqa: E501, S106",
            "password = \"x\"  # nosec",
            "password = \"x\"  # nosec B105",
            "var pw = \"x\" // #nosec G101 -- test",
            "token = \"x\" // gitleaks:allow",
            "token: x # pragma: allowlist secret",
            "token: x # trufflehog:ignore",
        ] {
            assert!(foreign_allows(line, 0), "{line}");
            assert!(!foreign_allows(line, 1), "{line}");
        }
        assert!(foreign_allows("# pragma: allowlist nextline secret", 1));
        assert!(!foreign_allows("# pragma: allowlist nextline secret", 0));
        for line in [
            "password = \"x\"  # noqa: E501",
            "password = \"x\"  # noqa",
            "subprocess.call(cmd)  # nosec B602",
            "token = \"x\"",
        ] {
            assert!(!foreign_allows(line, 0), "{line}");
        }
    }
}
