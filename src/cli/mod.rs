//! The command line: arguments ([`args`]), one module per command, exit codes.
//!
//! Exit codes: 0 no failing findings, 1 failing findings, 2 the run cannot be trusted: a
//! command returns [`Error`] and `main` prints it once.

mod args;
mod audit;
mod context;
mod rules;
mod scan;
mod templates;
mod verify;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anstream::ColorChoice;
use clap::Parser;

use crate::error::ConfigError;

use args::Command;
pub use args::{Cli, ListFormat};

impl Error {
    /// The error as printed once, on standard error: a configuration or pack error shows
    /// the line it is about with the value underlined.
    pub fn render(&self) -> String {
        match self {
            Error::Config(e) => e.render(),
            other => format!("error: {other}"),
        }
    }
}

/// Why a run cannot be trusted (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Scan(#[from] crate::engine::ScanError),
    /// A baseline file that cannot be read or is not one.
    #[error(transparent)]
    Baseline(#[from] crate::baseline::BaselineError),
    #[error("cannot write to {target}: {source}")]
    Write {
        target: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    CheckRun(#[from] crate::github::CheckError),
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    #[error(transparent)]
    Remote(#[from] crate::audit::remote::RemoteError),
    #[error("cannot list the repositories of `{org}`: {source}")]
    ListOrg {
        org: String,
        source: crate::audit::remote::RemoteError,
    },
    #[error(transparent)]
    Context(#[from] crate::dockerignore::context::ListError),
    #[error("no rule `{0}` (run `template-validator rules` for the list)")]
    UnknownRule(String),
    #[error("`{family}` is a family; its rules: {}", rules.join(", "))]
    Family { family: String, rules: Vec<String> },
    /// Flags that do not go together.
    #[error("{0}")]
    Usage(&'static str),
}

/// Parse the command line and run the command.
pub fn run() -> Result<ExitCode, Error> {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => verify::verify(args),
        Command::Baseline(args) => scan::baseline(args),
        Command::Audit(args) => audit::audit(args),
        Command::AuditMerge(args) => audit::audit_merge(args),
        Command::Rules(args) => rules::list_rules(args),
        Command::Explain(args) => rules::explain(args),
        Command::Context(args) => context::context(args),
        Command::Schema(args) => rules::schema(args),
        Command::Templates(args) => templates::templates(args),
    }
}

/// Print `warning: …` lines on standard error.
fn warn_all<'a>(diagnostics: impl IntoIterator<Item = &'a crate::walk::Diagnostic>) {
    let mut err = anstream::stderr();
    for d in diagnostics {
        let _ = writeln!(err, "warning: {}: {}", d.path, d.message);
    }
}

/// Write to FILE, or to standard output (with colours as chosen) when `path` is `None`.
fn write_to(
    path: Option<&Path>,
    color: ColorChoice,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)?;
            let choice = if color == ColorChoice::Always {
                ColorChoice::Always
            } else {
                ColorChoice::Never
            };
            let mut out = std::io::BufWriter::new(anstream::AutoStream::new(file, choice));
            write(&mut out)?;
            out.flush()
        }
        None => {
            let mut out = anstream::stdout().lock();
            write(&mut out)?;
            out.flush()
        }
    }
}

fn shown(path: Option<&Path>) -> String {
    path.map_or("standard output".to_owned(), |p| p.display().to_string())
}

/// An error when the output could not be written. A closed pipe (`… | head`) is the
/// reader's choice, not a failure.
fn written(result: std::io::Result<()>, target: &str) -> Result<(), Error> {
    match result {
        Err(source) if source.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
            target: target.to_owned(),
            source,
        }),
        _ => Ok(()),
    }
}
