//! `--format human`: compiler-style diagnostics.
//!
//! ```text
//! error[required-files/security-contact]: `SECURITY.md` gives no way to report a vulnerability
//!  --> SECURITY.md
//!   = help: The security policy gives no way to report …
//! ```

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::Report;
use crate::finding::{Finding, Severity};
use crate::util::plural;

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

fn render(report: &Report<'_>, f: &Finding) -> String {
    let rule = &report.rules[f.rule];
    let help = format!(
        "{} (run `template-validator explain {}` for more)",
        rule.help_summary(),
        rule.id
    );
    let title = level(f.severity)
        .primary_title(f.message.as_str())
        .id(rule.id.as_str());
    let help_group = Group::with_title(Level::HELP.secondary_title(help));
    let group = match (&f.location.path, &f.location.region, &f.snippet) {
        // The snippet may be a window of a long line, only the comment a finding is about,
        // or redacted before its span: then the header names the finding's own line and
        // column, and the text follows, marked `…` where it leaves some of the line out.
        (Some(path), Some(region), Some(snippet)) => {
            let before = snippet
                .text
                .get(..snippet.highlight.start)
                .unwrap_or_default();
            if before.chars().count() + 1 == region.start_col as usize {
                title.element(
                    Snippet::source(snippet.text.as_str())
                        .line_start(region.start_line as usize)
                        .path(path.as_str())
                        .annotation(AnnotationKind::Primary.span(snippet.highlight.clone())),
                )
            } else {
                let left = if snippet.source.start > snippet.line.start {
                    "…"
                } else {
                    ""
                };
                let right = if snippet.source.end < snippet.line.end {
                    "…"
                } else {
                    ""
                };
                let source = format!("{left}{}{right}", snippet.text);
                let at = left.len();
                let window = Group::with_level(level(f.severity)).element(
                    Snippet::source(source)
                        .line_start(region.start_line as usize)
                        .annotation(
                            AnnotationKind::Primary
                                .span(snippet.highlight.start + at..snippet.highlight.end + at),
                        ),
                );
                return Renderer::styled().render(&[
                    title.element(origin(path, *region)),
                    window,
                    help_group,
                ]);
            }
        }
        (Some(path), Some(region), None) => title.element(origin(path, *region)),
        (Some(path), None, _) => title.element(Origin::path(path.as_str())),
        (None, _, _) => Group::with_title(title),
    };
    Renderer::styled().render(&[group, help_group])
}

/// `--> path:line:col`.
fn origin(path: &str, r: crate::source::Region) -> Origin<'_> {
    Origin::path(path)
        .line(r.start_line as usize)
        .char_column(r.start_col as usize)
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let o = report.outcome;
    for f in o.active() {
        writeln!(out, "{}\n", render(report, f))?;
    }
    if report.quiet {
        return Ok(());
    }
    let (errors, warnings, notes) = (
        o.count(Severity::Error),
        o.count(Severity::Warning),
        o.count(Severity::Note),
    );
    let baselined = o.findings.iter().filter(|f| f.suppressed).count();
    let scanned = if baselined > 0 {
        format!(
            "{} ({} accepted by the baseline)",
            plural(o.files_scanned, "file"),
            plural(baselined, "finding")
        )
    } else {
        plural(o.files_scanned, "file")
    };
    if o.active().next().is_none() {
        writeln!(out, "no findings in {scanned}")?;
    } else {
        let verdict = if o.fails(report.strict) {
            "failed"
        } else {
            "passed"
        };
        writeln!(
            out,
            "{verdict}: {}, {}, {} in {scanned}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(notes, "note"),
        )?;
    }
    Ok(())
}
