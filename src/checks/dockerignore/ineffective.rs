//! `dockerignore/ineffective-pattern`: lines of an ignore file that are invalid or have
//! no effect, and ignore files Docker never reads.

use std::collections::{BTreeSet, HashMap};

use crate::dockerignore::discover::BuildContext;
use crate::dockerignore::{IgnoreFile, MatchError, MatchType, Pattern};
use crate::finding::{Finding, RuleIdx, Severity};
use crate::source::SourceFile;
use crate::walk::Repo;

/// For each line, the first later line that matches everything it matches (conservative:
/// the same pattern, a literal parent folder, or `*`/`**`). Indexed, so a huge file stays
/// linear.
fn covering_lines(patterns: &[Pattern]) -> Vec<Option<usize>> {
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut exact: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut everything: Vec<usize> = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        by_text.entry(p.cleaned.as_str()).or_default().push(i);
        if p.match_type == MatchType::Exact {
            exact.entry(p.cleaned.as_str()).or_default().push(i);
        }
        if p.cleaned == "*" || (p.match_type == MatchType::Suffix && p.cleaned == "**") {
            everything.push(i);
        }
    }
    let first_after = |v: Option<&Vec<usize>>, i: usize| {
        v.and_then(|v| v.get(v.partition_point(|&j| j <= i)).copied())
    };
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut best = first_after(by_text.get(p.cleaned.as_str()), i);
            let mut consider = |j: Option<usize>| {
                if let Some(j) = j {
                    best = Some(best.map_or(j, |b| b.min(j)));
                }
            };
            consider(first_after(Some(&everything), i));
            for (k, _) in p.cleaned.match_indices('/') {
                consider(first_after(exact.get(&p.cleaned[..k]), i));
            }
            best
        })
        .collect()
}

pub(super) fn check_patterns(rule: RuleIdx, path: &str, file: &IgnoreFile, out: &mut Vec<Finding>) {
    let src = SourceFile::new(path.to_owned(), file.text.clone());
    let span =
        |range: std::ops::Range<usize>, message: String| Finding::span(rule, &src, range, message);
    for e in &file.errors {
        out.push(
            span(
                e.span.clone(),
                format!(
                    "{}; Docker rejects the whole ignore file and the build fails",
                    e.message
                ),
            )
            .with_severity(Severity::Warning),
        );
    }
    let covering = covering_lines(&file.patterns);
    let mut any_exclusion_before = false;
    for (i, p) in file.patterns.iter().enumerate() {
        let message = if let Some(why) = p.never_matches() {
            Some(format!("`{}` can never match: {why}", p.text))
        } else if let Some(e) = p.regex_error() {
            out.push(invalid_pattern(rule, &src, p, e));
            None
        } else if p.text.starts_with('#') {
            Some(format!(
                "`{}` is a pattern, not a comment: only a `#` in the first column starts a comment",
                p.text
            ))
        } else if let Some(hash) = trailing_comment(&p.text) {
            Some(format!(
                "`{}` is one pattern, `{hash}` included: Docker has no trailing comments; put the comment on its own line",
                p.text
            ))
        } else if p.exception && !any_exclusion_before {
            Some(format!(
                "`{}` does nothing: no earlier line excludes anything for it to re-include",
                p.text
            ))
        } else {
            covering[i].map(|j| {
                let later = &file.patterns[j];
                format!(
                    "`{}` has no effect: line {} (`{}`) matches everything it matches and comes later, and the last matching line wins",
                    p.text, later.line, later.text
                )
            })
        };
        if let Some(m) = message {
            out.push(span(p.span.clone(), m));
        }
        any_exclusion_before |= !p.exception;
    }
}

/// `*.log   # logs` → `# logs`.
fn trailing_comment(text: &str) -> Option<&str> {
    let i = text.find(|c: char| c.is_whitespace())?;
    let rest = text[i..].trim_start();
    rest.starts_with('#').then_some(rest)
}

/// A line that failed when a path of the context was matched against it: Docker fails the
/// build when it reaches that line.
pub(super) fn match_failed(
    rule: RuleIdx,
    path: &str,
    file: &IgnoreFile,
    error: &MatchError,
    out: &mut Vec<Finding>,
) {
    let Some(p) = file.patterns.iter().find(|p| p.line == error.line) else {
        return;
    };
    let src = SourceFile::new(path.to_owned(), file.text.clone());
    out.push(invalid_pattern(rule, &src, p, &error.message));
}

fn invalid_pattern(rule: RuleIdx, src: &SourceFile, p: &Pattern, why: &str) -> Finding {
    Finding::span(
        rule,
        src,
        p.span.clone(),
        format!(
            "`{}` is not a valid pattern for Docker ({why}); Docker fails the build when it reaches this line",
            p.text
        ),
    )
    .with_severity(Severity::Warning)
}

/// A `.dockerignore` next to a Dockerfile that is built from another context.
pub(super) fn unread_ignore_files(
    rule: RuleIdx,
    repo: &Repo,
    contexts: &[BuildContext],
    read: &BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    for f in repo.files() {
        if f.name() != ".dockerignore" || read.contains(&f.path) {
            continue;
        }
        let dir = f.dir();
        let Some(c) = contexts.iter().find(|c| {
            c.dir != dir && c.dockerfile_path.rsplit_once('/').map_or("", |(d, _)| d) == dir
        }) else {
            continue;
        };
        out.push(Finding::file(
            rule,
            &f.path,
            format!(
                "`{}` is never read: `{}` is built from the context `{}`{}, whose ignore file is `{}`",
                f.path,
                c.dockerfile_path,
                c.shown(),
                c.origin
                    .as_deref()
                    .map_or(String::new(), |o| format!(" (declared in `{o}`)")),
                c.repo_path(".dockerignore")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_lines_are_found_in_one_pass() {
        let f = IgnoreFile::parse(b"a/b\nx\n!a/b\nc/d/e\nc\n*.log\n*\nz\n");
        let got: Vec<Option<u32>> = covering_lines(&f.patterns)
            .into_iter()
            .map(|j| j.map(|j| f.patterns[j].line))
            .collect();
        assert_eq!(
            got,
            [
                Some(3),
                Some(7),
                Some(7),
                Some(5),
                Some(7),
                Some(7),
                None,
                None
            ]
        );
    }
}
