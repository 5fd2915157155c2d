//! The render smoke run: a template unit turned into the project its engine generates,
//! in process, into an empty folder.
//!
//! Each engine has its own module: [`jinja`] (the Jinja environment shared by cookiecutter,
//! copier and Backstage skeletons) with [`cookiecutter`] and [`copier`] on top of it,
//! [`liquid`] (cargo-generate) and [`literal`] (devcontainer templates, Helm starters,
//! plain template repositories). No hook or task runs, nothing is fetched, nothing is
//! written outside the output folder, and source files are read through [`crate::fsread`]
//! (links leading out of the repository are not followed, sizes are capped).
//!
//! One file's failure does not stop the others: every failure of a run is collected in
//! [`Rendered::problems`], and so is every construct the renderer does not model (a note:
//! the output may differ from the engine's there).

mod conditional;
mod cookiecutter;
mod copier;
mod filters;
mod jinja;
mod json;
mod lines;
mod liquid;
mod literal;
mod ordered;
mod tree;
mod yaml_dump;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::{Engine, Unit};

pub use lines::source_line;

/// What a render produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rendered {
    /// The files written, sorted by path.
    pub files: Vec<RenderedFile>,
    /// Failures and notes, in the order they were met.
    pub problems: Vec<Problem>,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedFile {
    /// Relative to the output folder, with `/`.
    pub path: String,
    /// The file it came from, relative to the repository root, with `/`.
    pub source: String,
}

/// What kind of problem a render met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The engine would fail here too, whatever the answers (a syntax error, an undefined
    /// name, a path leading out of the project).
    RenderFailed,
    /// A construct the renderer does not model (a custom tag or extension, an unknown
    /// filter, Python `%` formatting): the output may differ from the engine's.
    NotModelled,
    /// A name the template uses and nothing declares; the engine renders it empty
    /// (cargo-generate), so the output may lack what the author meant.
    Undeclared,
    /// A hook, task or migration the engine would run after rendering: never run here, so
    /// the render shows the project before it (the `template/hooks-not-run` note).
    NotRun,
    /// A source file that was not read (a link leading out of the repository, a file over
    /// the size limit): it is missing from the output.
    NotRead,
}

/// A failure or a note of a render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The source file, relative to the repository root.
    pub source: String,
    /// 1-based line in the source, when known.
    pub line: Option<u32>,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, source: &str, line: Option<u32>, message: String) -> Self {
        Problem {
            kind,
            source: source.to_string(),
            line,
            message,
        }
    }
}

/// Why a unit could not be rendered at all.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{}: the output folder is not an empty folder", .0.display())]
    OutputNotEmpty(PathBuf),
    #[error("{path}: the project root cannot be read: {reason}")]
    Root { path: String, reason: String },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The most one source file may hold to be rendered (the walk's default limit).
pub const MAX_FILE_SIZE: u64 = crate::walk::DEFAULT_MAX_FILE_SIZE;

/// Render `unit` of the repository at `repo_root` into the empty folder `out`, with
/// `values` over the declared defaults.
pub fn render(
    repo_root: &Path,
    unit: &Unit,
    values: &serde_json::Map<String, Value>,
    out: &Path,
) -> Result<Rendered, RenderError> {
    let empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if !empty {
        return Err(RenderError::OutputNotEmpty(out.to_path_buf()));
    }
    let mut run = tree::Run::new(repo_root, out);
    match unit.engine {
        Engine::Cookiecutter => cookiecutter::render(&mut run, unit, values)?,
        Engine::Copier => copier::render(&mut run, unit, values)?,
        Engine::Backstage => jinja::render_backstage(&mut run, unit, values)?,
        Engine::CargoGenerate => liquid::render(&mut run, unit, values)?,
        Engine::Devcontainer | Engine::HelmStarter | Engine::Plain => {
            literal::render(&mut run, unit, values)?
        }
    }
    Ok(run.finish())
}

/// `a/b` joined as repository-relative paths ("" is the root).
pub(crate) fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// Bounds against alias bombs and runaway documents.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 200_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
        },
    }
}
