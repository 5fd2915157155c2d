//! `--format github`: GitHub Actions workflow commands (annotations on the pull request),
//! and the Markdown job summary for `$GITHUB_STEP_SUMMARY`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use super::Report;
use crate::finding::{Finding, Severity};

/// GitHub rejects a step summary over 1 MiB; stay well under it.
const SUMMARY_LIMIT: usize = 512 * 1024;
/// Findings listed in the job summary's table.
const SUMMARY_ROWS: usize = 100;

/// Escape a message (`%`, CR, LF), as the Actions toolkit does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: also `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The scanned folder relative to the repository root, with a trailing `/` (empty when
/// the folder is the root). The root is `GITHUB_WORKSPACE` when it is set and holds the
/// folder (the runner makes annotation paths relative to it), else the nearest folder
/// above with a `.git` folder or file, else the scanned folder itself.
pub fn repository_prefix(scanned: &Path) -> String {
    let workspace = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|w| !w.is_empty())
        .and_then(|w| Path::new(&w).canonicalize().ok());
    repository_prefix_in(scanned, workspace.as_deref())
}

fn repository_prefix_in(scanned: &Path, workspace: Option<&Path>) -> String {
    let Ok(scanned) = scanned.canonicalize() else {
        return String::new();
    };
    let root = workspace
        .filter(|w| scanned.starts_with(w))
        .or_else(|| scanned.ancestors().find(|d| d.join(".git").exists()));
    let Some(rel) = root.and_then(|r| scanned.strip_prefix(r).ok()) else {
        return String::new();
    };
    rel.components()
        .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
        .collect()
}

/// One workflow command for a finding.
pub fn annotation(report: &Report<'_>, f: &Finding) -> String {
    let rule = &report.rules[f.rule];
    let mut props = Vec::new();
    if let Some(path) = &f.location.path {
        let path = format!("{}{path}", report.repo_prefix);
        props.push(format!("file={}", escape_property(&path)));
    }
    if let Some(r) = f.location.region {
        props.push(format!("line={}", r.start_line));
        props.push(format!("endLine={}", r.end_line));
        // Columns only for a one-line span: GitHub misplaces them otherwise.
        if r.start_line == r.end_line {
            props.push(format!("col={}", r.start_col));
            props.push(format!("endColumn={}", r.end_col));
        }
    }
    props.push(format!("title={}", escape_property(&rule.id)));
    let message = format!(
        "{}\n\n{} (template-validator explain {})",
        f.message,
        rule.help_summary(),
        rule.id
    );
    format!(
        "::{} {}::{}",
        command(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

fn summary_line(report: &Report<'_>) -> String {
    let o = report.outcome;
    let verdict = if o.fails(report.strict) {
        "failed"
    } else {
        "passed"
    };
    let baselined = o.findings.iter().filter(|f| f.suppressed).count();
    let mut line = format!(
        "template-validator {verdict}: {}, {}, {} in {}",
        crate::util::plural(o.count(Severity::Error), "error"),
        crate::util::plural(o.count(Severity::Warning), "warning"),
        crate::util::plural(o.count(Severity::Note), "note"),
        crate::util::plural(o.files_scanned, "file")
    );
    if baselined > 0 {
        let _ = write!(line, " ({baselined} accepted by the baseline)");
    }
    line
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    // Errors first: GitHub shows only the first annotations of each kind on the page.
    let mut findings: Vec<&Finding> = report.outcome.active().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings {
        writeln!(out, "{}", annotation(report, f))?;
    }
    writeln!(out, "{}", summary_line(report))
}

fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// The Markdown job summary: verdict, counts by family and severity, the first findings,
/// and how to reproduce the run locally.
pub fn step_summary(report: &Report<'_>, command_line: &str) -> String {
    let o = report.outcome;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## template-validator\n\n**{}**\n",
        summary_line(report)
    );
    let mut by_family: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for f in o.active() {
        let counts = by_family.entry(&report.rules[f.rule].family).or_default();
        counts[match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Note => 2,
        }] += 1;
    }
    if !by_family.is_empty() {
        md.push_str("| family | errors | warnings | notes |\n|---|---:|---:|---:|\n");
        for (family, [e, w, n]) in &by_family {
            let _ = writeln!(md, "| {} | {e} | {w} | {n} |", cell(family));
        }
        md.push('\n');
        let total = o.active().count();
        let mut findings: Vec<&Finding> = o.active().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let _ = writeln!(
            md,
            "### Findings{}\n\n| severity | rule | location | message |\n|---|---|---|---|",
            if total > SUMMARY_ROWS {
                format!(" (first {SUMMARY_ROWS} of {total})")
            } else {
                String::new()
            }
        );
        for f in findings.into_iter().take(SUMMARY_ROWS) {
            let location = match (&f.location.path, f.location.region) {
                (Some(p), Some(r)) => format!("`{}:{}`", p, r.start_line),
                (Some(p), None) => format!("`{p}`"),
                (None, _) => "repository".to_owned(),
            };
            let row = format!(
                "| {} | `{}` | {} | {} |\n",
                f.severity,
                report.rules[f.rule].id,
                cell(&location),
                cell(&f.message)
            );
            if md.len() + row.len() > SUMMARY_LIMIT - 1024 {
                md.push_str("\n(the rest is in the log)\n");
                break;
            }
            md.push_str(&row);
        }
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "Reproduce locally:\n\n```sh\n{command_line}\ntemplate-validator explain <rule-id>   # what a rule wants and how to fix it\n```"
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn the_prefix_comes_from_the_workspace_or_the_git_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let sub = repo.join("templates").join("python");
        std::fs::create_dir_all(&sub).unwrap();
        // No `.git` above a fresh temporary folder: the scanned folder is the root.
        assert_eq!(repository_prefix_in(&sub, None), "");
        std::fs::write(repo.join(".git"), "gitdir: elsewhere\n").unwrap();
        assert_eq!(repository_prefix_in(&sub, None), "templates/python/");
        assert_eq!(repository_prefix_in(&repo, None), "");
        let ws = repo.join("templates").canonicalize().unwrap();
        assert_eq!(repository_prefix_in(&sub, Some(&ws)), "python/");
        // A workspace that does not hold the folder is not its root.
        let other = tmp.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        let other = other.canonicalize().unwrap();
        assert_eq!(
            repository_prefix_in(&sub, Some(&other)),
            "templates/python/"
        );
    }
}
