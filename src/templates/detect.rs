//! Find the template units of a walked repository.
//!
//! Every manifest is read on its own: a manifest that cannot be read or parsed (invalid
//! UTF-8, broken JSON/YAML/TOML, a wrong type) is a [`UnitDiagnostic`] naming the file,
//! the line and the key where the parser knows them, and declares **no unit** — a unit
//! built from half a manifest would make every variable the rest declares look
//! undeclared. A `.template-config.yaml` beside another engine's manifest only adds its
//! metadata, variables and exclusions to that unit.

use serde::Serialize;

use super::engines::{self, Manifest};
use super::{Engine, Unit};
use crate::walk::{FileEntry, Repo};

/// The units of a repository, sorted by manifest path (a Backstage template's units in
/// step order), and what could not be read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Units {
    pub units: Vec<Unit>,
    pub diagnostics: Vec<UnitDiagnostic>,
}

/// A manifest that could not be read, or a declaration the tool cannot model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnitDiagnostic {
    pub path: String,
    pub line: Option<u32>,
    pub key: Option<String>,
    pub message: String,
}

impl std::fmt::Display for UnitDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// What a file's name says it may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cookiecutter,
    Copier,
    CargoGenerate,
    Devcontainer,
    Helm,
    /// Any other YAML file: a Backstage template when it says so.
    MaybeBackstage,
    Plain,
}

fn kind(entry: &FileEntry) -> Option<Kind> {
    Some(match entry.name() {
        "cookiecutter.json" => Kind::Cookiecutter,
        "copier.yml" | "copier.yaml" => Kind::Copier,
        "cargo-generate.toml" => Kind::CargoGenerate,
        "devcontainer-template.json" => Kind::Devcontainer,
        "Chart.yaml" => Kind::Helm,
        ".template-config.yaml" | ".template-config.yml" => Kind::Plain,
        n if n.ends_with(".yaml") || n.ends_with(".yml") => Kind::MaybeBackstage,
        _ => return None,
    })
}

/// The template units of `repo` (whose walk has ended).
pub fn units(repo: &Repo) -> Units {
    let mut found = Units::default();
    let mut plain: Vec<(String, String)> = Vec::new();
    for entry in repo.files() {
        let Some(kind) = kind(entry) else {
            continue;
        };
        let Some(text) = read(repo, entry, kind, &mut found.diagnostics) else {
            continue;
        };
        if kind == Kind::Plain {
            plain.push((entry.path.clone(), text));
            continue;
        }
        let m = Manifest {
            path: &entry.path,
            dir: entry.dir(),
            text: &text,
        };
        let out = &mut found;
        match kind {
            Kind::Cookiecutter => engines::cookiecutter::read(&m, repo, out),
            Kind::Copier => engines::copier::read(&m, repo, out),
            Kind::CargoGenerate => engines::cargo_generate::read(&m, out),
            Kind::Devcontainer => engines::devcontainer::read(&m, out),
            Kind::Helm => engines::helm::read(&m, out),
            Kind::MaybeBackstage => engines::backstage::read(&m, out),
            Kind::Plain => {}
        }
    }
    for (path, text) in &plain {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let m = Manifest { path, dir, text };
        engines::plain::read(&m, &mut found);
    }
    found.units.sort_by(|a, b| a.manifest.cmp(&b.manifest));
    found.diagnostics.sort();
    found.diagnostics.dedup();
    found
}

/// A manifest's text. Only YAML files that mention Backstage's scaffolder are read
/// whole for it; any other unreadable manifest is a diagnostic.
fn read(
    repo: &Repo,
    entry: &FileEntry,
    kind: Kind,
    diags: &mut Vec<UnitDiagnostic>,
) -> Option<String> {
    let diag = |message: String| UnitDiagnostic {
        path: entry.path.clone(),
        line: None,
        key: None,
        message,
    };
    let bytes = match repo.read_named(&entry.path) {
        Ok(b) => b,
        Err(e) => {
            if kind != Kind::MaybeBackstage {
                diags.push(diag(e.diagnostic()));
            }
            return None;
        }
    };
    if kind == Kind::MaybeBackstage
        && memchr::memmem::find(&bytes, b"scaffolder.backstage.io").is_none()
    {
        return None;
    }
    if memchr::memchr(0, &bytes).is_some() {
        diags.push(diag("not read: binary file".to_owned()));
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        }),
        Err(e) => {
            diags.push(diag(format!(
                "not read: invalid UTF-8 at byte {}",
                e.utf8_error().valid_up_to()
            )));
            None
        }
    }
}

impl Units {
    /// The unit whose source is the folder `dir`, of an engine other than plain.
    pub(crate) fn in_folder(&mut self, dir: &str) -> Option<&mut Unit> {
        self.units
            .iter_mut()
            .find(|u| u.engine != Engine::Plain && u.source_root == dir)
    }
}
