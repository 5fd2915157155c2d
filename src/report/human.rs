//! `--format human`: compiler-style diagnostics.
//!
//! ```text
//! error[required-files/security-contact]: `SECURITY.md` gives no way to report a vulnerability
//!  --> SECURITY.md
//!   = help: The security policy gives no way to report …
//! ```

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::{Report, plural};
use crate::finding::{Finding, Severity};

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
        // The snippet may be a window of a long line, or only the comment a finding is
        // about: then the header names the finding's own line and column, and the window
        // follows, marked `…` where it leaves text out.
        (Some(path), Some(region), Some(snippet)) => {
            let shown = snippet.text[..snippet.highlight.start].chars().count();
            if shown + 1 == region.start_col as usize {
                title.element(
                    Snippet::source(snippet.text.as_str())
                        .line_start(region.start_line as usize)
                        .path(path.as_str())
                        .annotation(AnnotationKind::Primary.span(snippet.highlight.clone())),
                )
            } else {
                let source = format!("…{}", snippet.text);
                let at = '…'.len_utf8();
                let window = Group::with_level(level(f.severity)).element(
                    Snippet::source(source)
                        .line_start(region.start_line as usize)
                        .annotation(
                            AnnotationKind::Primary
                                .span(snippet.highlight.start + at..snippet.highlight.end + at),
                        ),
                );
                let header = title.element(
                    Origin::path(path.as_str())
                        .line(region.start_line as usize)
                        .char_column(region.start_col as usize),
                );
                return Renderer::styled().render(&[header, window, help_group]);
            }
        }
        (Some(path), region, _) => {
            let mut origin = Origin::path(path.as_str());
            if let Some(r) = region {
                origin = origin
                    .line(r.start_line as usize)
                    .char_column(r.start_col as usize);
            }
            title.element(origin)
        }
        (None, _, _) => Group::with_title(title),
    };
    Renderer::styled().render(&[group, help_group])
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
