//! The `templates` command: the template units of a repository, for people or as JSON.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::args::{ListFormat as Format, TemplatesArgs};
use super::{Error, written};
use crate::engine::ScanError;
use crate::templates::{self, Syntax, Unit, UnitDiagnostic};
use crate::walk::{WalkOptions, Walker};

/// The JSON document of `templates --format json`.
#[derive(Debug, Serialize)]
pub struct TemplatesReport<'a> {
    pub version: u32,
    pub units: &'a [Unit],
    pub diagnostics: &'a [UnitDiagnostic],
}

pub(super) fn templates(args: TemplatesArgs) -> Result<ExitCode, Error> {
    let units = find(&args.path, args.no_ignore)?;
    let mut out = anstream::stdout().lock();
    let result = match args.format {
        Format::Json => {
            let report = TemplatesReport {
                version: 1,
                units: &units.units,
                diagnostics: &units.diagnostics,
            };
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        Format::Human => human(&units.units, &mut out),
    };
    written(result.and_then(|()| out.flush()), "standard output")?;
    if args.format == Format::Human {
        let mut err = anstream::stderr();
        for d in &units.diagnostics {
            let _ = writeln!(err, "warning: {d}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Walk `path` and find its units.
pub fn find(path: &Path, no_ignore: bool) -> Result<templates::Units, Error> {
    let opts = WalkOptions {
        git_ignore: !no_ignore,
        ..WalkOptions::default()
    };
    let walker = Walker::new(path, &opts).map_err(ScanError::from)?;
    let repo = walker.walk(None);
    Ok(templates::units(&repo))
}

fn human(units: &[Unit], out: &mut dyn Write) -> std::io::Result<()> {
    if units.is_empty() {
        return writeln!(out, "no template units");
    }
    let folder = |p: &str| {
        if p.is_empty() {
            ".".to_owned()
        } else {
            p.to_owned()
        }
    };
    for (i, u) in units.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{} ({})", u.manifest, u.engine.name())?;
        writeln!(out, "  source:  {}", folder(&u.source_root))?;
        writeln!(out, "  project: {}", folder(&u.project_root))?;
        let syntax = match &u.syntax {
            Syntax::Tags(d) => format!("{} {} {}", d.variable.0, "…", d.variable.1),
            Syntax::Literal { placeholder } => placeholder.clone(),
        };
        writeln!(out, "  syntax:  {syntax}")?;
        if let Some(v) = &u.meta.version {
            let channel = u.meta.channel.as_deref().unwrap_or("no channel");
            writeln!(out, "  version: {v} ({channel})")?;
        }
        if u.variables.is_empty() {
            writeln!(out, "  no variables")?;
        }
        for v in &u.variables {
            let default = v
                .default
                .as_ref()
                .map_or("(no default)".to_owned(), |d| format!("= {d}"));
            let computed = if v.computed { " (computed)" } else { "" };
            writeln!(
                out,
                "  {} {default}{computed}  [{}:{}]",
                v.name, v.origin.path, v.origin.line
            )?;
        }
    }
    Ok(())
}
