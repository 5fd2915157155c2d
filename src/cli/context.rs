//! The `context` command: what a build context sends, as JSON or a human summary.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::args::{ContextArgs, ListFormat as Format};
use super::{Error, warn_all, written};
use crate::dockerignore::context::{self, ContextFile, ListError, Listing};
use crate::util::human_bytes;
use crate::walk::{DEFAULT_MAX_FILE_SIZE, Diagnostic};

pub(super) fn context(args: ContextArgs) -> Result<ExitCode, Error> {
    let mut out = anstream::stdout().lock();
    match run(&args.path, &args.dockerfile, args.format, &mut out) {
        Ok(diagnostics) => {
            warn_all(&diagnostics);
            written(out.flush(), "standard output")?;
        }
        Err(RunError::Write(e)) => written(Err(e), "standard output")?,
        Err(RunError::List(e)) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    List(#[from] ListError),
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
}

/// The JSON document of `context --format json`.
#[derive(Debug, Serialize)]
pub struct ContextReport<'a> {
    pub context: String,
    pub dockerfile: String,
    pub ignore_file: Option<String>,
    pub files: Vec<&'a str>,
    pub bytes: u64,
    pub sensitive: Vec<&'a str>,
    pub largest: Vec<Largest<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Largest<'a> {
    pub path: &'a str,
    pub bytes: u64,
}

/// List `path` as built with `dockerfile` and write the report. Returns the diagnostics
/// (unreadable folders, special files) for the caller to show.
pub fn run(
    path: &Path,
    dockerfile: &str,
    format: Format,
    out: &mut dyn Write,
) -> Result<Vec<Diagnostic>, RunError> {
    let dockerfile = context::normalize_rel(dockerfile);
    let ignore_rel = context::ignore_file_for(path, &dockerfile);
    let ignore = match &ignore_rel {
        Some(rel) => Some(
            context::read_ignore_file(path, rel, DEFAULT_MAX_FILE_SIZE)
                .map_err(|e| ListError::IgnoreRead(rel.clone(), e))?,
        ),
        None => None,
    };
    let listing = context::list(path, ignore_rel.as_deref().zip(ignore.as_ref()))?;
    let mut diagnostics = listing.diagnostics.clone();
    if !path.join(&dockerfile).is_file() {
        diagnostics.push(Diagnostic {
            path: dockerfile.clone(),
            message: "the Dockerfile does not exist in this context".to_owned(),
        });
    }
    let report = ContextReport {
        context: crate::util::display_path(path),
        dockerfile: dockerfile.clone(),
        ignore_file: ignore_rel,
        files: listing.files.iter().map(|f| f.path.as_str()).collect(),
        bytes: listing.bytes(),
        sensitive: listing
            .sensitive()
            .iter()
            .map(|f| f.path.as_str())
            .collect(),
        largest: listing
            .largest(10)
            .into_iter()
            .map(|f| Largest {
                path: &f.path,
                bytes: f.bytes,
            })
            .collect(),
    };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &report).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Human => human(&report, &listing, out)?,
    }
    Ok(diagnostics)
}

fn human(r: &ContextReport<'_>, listing: &Listing, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "context {} (Dockerfile `{}`, ignore file {})",
        r.context,
        r.dockerfile,
        r.ignore_file
            .as_deref()
            .map_or("none".to_owned(), |f| format!("`{f}`"))
    )?;
    writeln!(
        out,
        "sends {} file{}, {}",
        r.files.len(),
        if r.files.len() == 1 { "" } else { "s" },
        human_bytes(r.bytes)
    )?;
    // One line per top-level entry: files and size below it.
    let mut top: BTreeMap<&str, (bool, usize, u64)> = BTreeMap::new();
    for f in &listing.files {
        let (head, is_dir) = match f.path.split_once('/') {
            Some((h, _)) => (h, true),
            None => (f.path.as_str(), false),
        };
        let e = top.entry(head).or_insert((is_dir, 0, 0));
        e.1 += 1;
        e.2 += f.bytes;
    }
    if !top.is_empty() {
        writeln!(out)?;
    }
    let width = top.keys().map(|k| k.chars().count() + 1).max().unwrap_or(0);
    for (name, (is_dir, count, bytes)) in &top {
        let shown = if *is_dir {
            format!("{name}/")
        } else {
            (*name).to_owned()
        };
        let count = if *is_dir {
            format!("{count} file{}", if *count == 1 { "" } else { "s" })
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {shown:<width$}  {count:>12}  {:>10}",
            human_bytes(*bytes)
        )?;
    }
    if !r.sensitive.is_empty() {
        writeln!(out, "\nsensitive ({}):", r.sensitive.len())?;
        for s in &r.sensitive {
            let why = context::sensitive(s).map_or("", |c| c.describe());
            writeln!(out, "  {s}  ({why})")?;
        }
    }
    let largest: Vec<&ContextFile> = listing.largest(10);
    if !largest.is_empty() {
        writeln!(out, "\nlargest:")?;
        for f in largest {
            writeln!(out, "  {:>10}  {}", human_bytes(f.bytes), f.path)?;
        }
    }
    Ok(())
}
