//! `verify`, in visible steps: scan → baseline → render → publish → summary.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anstream::ColorChoice;

use super::args::VerifyArgs;
use super::scan::{Scanned, scan};
use super::{Error, shown, warn_all, write_to, written};
use crate::baseline::Baseline;
use crate::engine::Outcome;
use crate::github::{self as check_run, CheckError, CheckTarget};
use crate::report::sarif::{self, SarifOptions};
use crate::report::{self, Format, Report};
use crate::rules::RuleSet;

pub(super) fn verify(args: VerifyArgs) -> Result<ExitCode, Error> {
    let color = args.color.choice();
    color.write_global();
    let Scanned {
        settings,
        mut outcome,
    } = scan(&args.scan, args.strict)?;
    apply_baseline(args.baseline.as_deref(), &mut outcome, &settings.rules)?;
    if !args.quiet {
        warn_all(&outcome.diagnostics);
    }
    let root = &args.scan.path;
    let report = Report {
        rules: &settings.rules,
        outcome: &outcome,
        strict: settings.strict,
        quiet: args.quiet,
        sarif: SarifOptions {
            category: args.sarif_category.clone(),
            root_uri: sarif::folder_uri(root),
        },
        repo_prefix: report::github::repository_prefix(root),
    };
    let code = if outcome.fails(settings.strict) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    render(&args, &report, color)?;
    let mut command_line = reproduce_command(&args);
    if settings.config.strict == Some(true) && !args.strict {
        command_line.push_str("   # strict = true in the configuration");
    }
    let summary = report::github::step_summary(&report, &command_line);
    let annotations_shown = publish(&args, &report, &summary)?;
    if annotations_shown {
        append_job_summary(&summary);
    }
    Ok(code)
}

/// `--baseline FILE`: the findings it records are accepted.
fn apply_baseline(
    path: Option<&Path>,
    outcome: &mut Outcome,
    rules: &RuleSet,
) -> Result<(), Error> {
    if let Some(path) = path {
        Baseline::load(path)?.apply(outcome, rules);
    }
    Ok(())
}

/// The report in `--format` on standard output (or `--output`), and SARIF in
/// `--sarif-file`.
fn render(args: &VerifyArgs, report: &Report<'_>, color: ColorChoice) -> Result<(), Error> {
    let output = args.output.as_deref();
    let result = write_to(output, color, |out| report::write(args.format, report, out));
    written(result, &shown(output))?;
    if let Some(path) = &args.sarif_file {
        write_to(Some(path), ColorChoice::Never, |out| {
            report::write(Format::Sarif, report, out)
        })
        .map_err(|source| Error::Write {
            target: path.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// `--github-check`: publish a Check Run. A token that may not (a fork's) gets the findings
/// as workflow annotations instead. Returns whether the annotations are shown, by
/// `--format github` or by this fallback.
fn publish(args: &VerifyArgs, report: &Report<'_>, summary: &str) -> Result<bool, Error> {
    let shown = args.format == Format::Github;
    if !args.github_check {
        return Ok(shown);
    }
    let published =
        CheckTarget::from_env().and_then(|target| check_run::publish(&target, report, summary));
    match published {
        Ok(_) => Ok(shown),
        Err(e @ CheckError::Forbidden(_)) => {
            let _ = writeln!(
                anstream::stderr(),
                "warning: {e}; reporting the findings as workflow annotations instead"
            );
            if !shown {
                // Keep a JSON or SARIF report on standard output parseable: the runner
                // reads workflow commands from standard error too.
                let machine_stdout =
                    args.output.is_none() && matches!(args.format, Format::Json | Format::Sarif);
                let _ = if machine_stdout {
                    report::github::write(report, &mut anstream::stderr().lock())
                } else {
                    report::github::write(report, &mut anstream::stdout().lock())
                };
            }
            Ok(true)
        }
        Err(e) => Err(e.into()),
    }
}

/// Append the summary to `GITHUB_STEP_SUMMARY`, when set; a failure is a warning.
fn append_job_summary(summary: &str) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(summary.as_bytes()));
    if let Err(e) = appended {
        let _ = writeln!(
            anstream::stderr(),
            "warning: cannot write the job summary to {}: {e}",
            Path::new(&path).display()
        );
    }
}

/// Quote a word for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./=:@,+-".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The `verify` command a developer runs to see the same findings locally.
fn reproduce_command(args: &VerifyArgs) -> String {
    let scan = &args.scan;
    let selection = &scan.selection;
    let mut words = vec!["template-validator".to_owned(), "verify".to_owned()];
    let mut flag = |name: &str, value: Option<&std::ffi::OsStr>| {
        words.push(name.to_owned());
        if let Some(v) = value {
            words.push(shell_word(&v.to_string_lossy()));
        }
    };
    if args.strict {
        flag("--strict", None);
    }
    if let Some(c) = &selection.rules.config {
        flag("--config", Some(c.as_os_str()));
    }
    for p in &selection.rules.packs {
        flag("--rules", Some(p.as_os_str()));
    }
    for s in &selection.select {
        flag("--select", Some(std::ffi::OsStr::new(s)));
    }
    for i in &selection.ignore {
        flag("--ignore", Some(std::ffi::OsStr::new(i)));
    }
    if selection.no_ignore {
        flag("--no-ignore", None);
    }
    if selection.no_render {
        flag("--no-render", None);
    }
    if let Some(b) = &args.baseline {
        flag("--baseline", Some(b.as_os_str()));
    }
    words.push(shell_word(&scan.path.to_string_lossy()));
    words.join(" ")
}
