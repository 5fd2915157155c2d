//! Where the audited repositories come from: a folder of checkouts, a manifest, or a
//! GitHub organisation; and which of them one shard audits.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ConfigError;
use crate::fsread::{self, ReadError, Scope};
use crate::walk::DEFAULT_MAX_FILE_SIZE;

/// Why `--dir` or `--manifest` names no list of repositories.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read `{}`: {source}", dir.display())]
    ReadDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: ReadError },
    /// A JSON manifest that is not one.
    #[error("{}:{}: {source}", path.display(), source.line())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// A TOML manifest that is not one.
    #[error(transparent)]
    Toml(#[from] ConfigError),
    #[error("{}: repositories[{index}]: {reason}", path.display())]
    Entry {
        path: PathBuf,
        index: usize,
        reason: EntryError,
    },
    #[error("{}: two repositories are named `{name}`; give one a `name`", path.display())]
    SameName { path: PathBuf, name: String },
}

/// Why one entry of a manifest names no repository.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("`{0}` is not `owner/repo[@ref]`")]
    NotGitHub(String),
    #[error("give exactly one of `path` or `github`")]
    PathOrGitHub,
    #[error("`{0}` is neither an existing folder nor `owner/repo[@ref]`")]
    Unknown(String),
}

/// A `--shard` that is not `I/N` with 1 <= I <= N.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a shard `I/N` with 1 <= I <= N")]
pub struct ShardError(String);

/// One repository to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    /// Folder name for local repositories, `owner/repo` for GitHub ones.
    pub name: String,
    pub location: Location,
    /// The git ref asked for (GitHub), or the branch checked out (local, when known).
    pub git_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    GitHub { owner: String, repo: String },
}

impl RepoSpec {
    /// `source` in the summary: the local path, or `github:owner/repo`.
    pub fn source(&self) -> String {
        match &self.location {
            Location::Local(p) => p.display().to_string().replace('\\', "/"),
            Location::GitHub { owner, repo } => format!("github:{owner}/{repo}"),
        }
    }

    pub fn github(full_name: &str, git_ref: Option<String>) -> Option<RepoSpec> {
        let (owner, repo) = full_name.split_once('/')?;
        let part = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        (part(owner) && part(repo) && !repo.contains('/')).then(|| RepoSpec {
            name: full_name.to_owned(),
            location: Location::GitHub {
                owner: owner.to_owned(),
                repo: repo.to_owned(),
            },
            git_ref: git_ref.filter(|r| !r.is_empty()),
        })
    }

    fn local(name: String, path: PathBuf) -> RepoSpec {
        let git_ref = git_branch(&path);
        RepoSpec {
            name,
            location: Location::Local(path),
            git_ref,
        }
    }
}

/// A file of a local checkout's `.git/`, read as any file of the repository is: a regular
/// file inside it, within the size limit.
fn git_file(repo: &Path, path: &str) -> Option<String> {
    fsread::read_to_string(Path::new(path), Scope::Root(repo), DEFAULT_MAX_FILE_SIZE).ok()
}

/// The branch a local checkout has checked out, from `.git/HEAD`.
fn git_branch(repo: &Path) -> Option<String> {
    let head = git_file(repo, ".git/HEAD")?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_owned)
}

/// The commit a local checkout is at, from `.git/HEAD` and its ref (loose or packed).
pub fn git_sha(repo: &Path) -> Option<String> {
    let head = git_file(repo, ".git/HEAD")?;
    let head = head.trim();
    let is_sha = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(reference) = head.strip_prefix("ref: ") else {
        return is_sha(head).then(|| head.to_owned());
    };
    if let Some(sha) = git_file(repo, &format!(".git/{reference}"))
        && is_sha(sha.trim())
    {
        return Some(sha.trim().to_owned());
    }
    let packed = git_file(repo, ".git/packed-refs")?;
    packed.lines().find_map(|line| {
        let (sha, name) = line.split_once(' ')?;
        (name == reference && is_sha(sha)).then(|| sha.to_owned())
    })
}

/// Every immediate subfolder of `dir` is one repository (hidden folders are skipped).
pub fn from_dir(dir: &Path) -> Result<Vec<RepoSpec>, SourceError> {
    let unreadable = |source| SourceError::ReadDir {
        dir: dir.to_owned(),
        source,
    };
    let entries = std::fs::read_dir(dir).map_err(unreadable)?;
    let mut specs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            specs.push(RepoSpec::local(name, path));
        }
    }
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(specs)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    repositories: Vec<ManifestEntry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ManifestEntry {
    Short(String),
    Full(FullEntry),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FullEntry {
    path: Option<String>,
    github: Option<String>,
    name: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
}

/// A TOML (or, for `.json` files, JSON) manifest:
///
/// ```toml
/// repositories = [
///   "../checkouts/service-template",          # a local folder, relative to the manifest
///   "acme/python-template",                   # GitHub, default branch
///   "acme/go-template@v2",                    # GitHub, a ref
///   { github = "acme/web-template", ref = "main" },
///   { path = "/srv/templates/java", name = "java-template" },
/// ]
/// ```
pub fn from_manifest(path: &Path) -> Result<Vec<RepoSpec>, SourceError> {
    let text =
        fsread::read_to_string(path, Scope::Anywhere, fsread::USER_DATA_MAX).map_err(|source| {
            SourceError::Read {
                path: path.to_owned(),
                source,
            }
        })?;
    let manifest: Manifest = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|source| SourceError::Json {
            path: path.to_owned(),
            source,
        })?
    } else {
        let shown = path.display().to_string();
        toml::from_str(&text).map_err(|e| ConfigError::from_toml(&shown, &text, &e))?
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let mut specs = Vec::new();
    for (index, entry) in manifest.repositories.into_iter().enumerate() {
        let at = |reason| SourceError::Entry {
            path: path.to_owned(),
            index,
            reason,
        };
        let spec = match entry {
            ManifestEntry::Short(s) => short_entry(base, &s).map_err(at)?,
            ManifestEntry::Full(f) => match (f.path, f.github) {
                (Some(p), None) => {
                    let path = base.join(&p);
                    let name = f.name.unwrap_or_else(|| folder_name(&path));
                    let mut spec = RepoSpec::local(name, path);
                    if f.git_ref.is_some() {
                        spec.git_ref = f.git_ref;
                    }
                    spec
                }
                (None, Some(g)) => {
                    let (full, inline_ref) = split_ref(&g);
                    let Some(mut spec) = RepoSpec::github(full, f.git_ref.or(inline_ref)) else {
                        return Err(at(EntryError::NotGitHub(g)));
                    };
                    if let Some(name) = f.name {
                        spec.name = name;
                    }
                    spec
                }
                _ => return Err(at(EntryError::PathOrGitHub)),
            },
        };
        specs.push(spec);
    }
    let mut seen = BTreeSet::new();
    for s in &specs {
        if !seen.insert(s.name.clone()) {
            return Err(SourceError::SameName {
                path: path.to_owned(),
                name: s.name.clone(),
            });
        }
    }
    Ok(specs)
}

fn split_ref(s: &str) -> (&str, Option<String>) {
    match s.split_once('@') {
        Some((name, r)) => (name, Some(r.to_owned())),
        None => (s, None),
    }
}

fn folder_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn short_entry(base: &Path, s: &str) -> Result<RepoSpec, EntryError> {
    let looks_local = s.starts_with('.') || s.starts_with('/') || s.starts_with('~');
    let path = base.join(s);
    if looks_local || path.is_dir() {
        return Ok(RepoSpec::local(folder_name(&path), path));
    }
    let (full, git_ref) = split_ref(s);
    RepoSpec::github(full, git_ref).ok_or_else(|| EntryError::Unknown(s.to_owned()))
}

/// `I/N`: the I-th of N shards (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError(s.to_owned());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The repositories of one shard: sorted by name, then every N-th — deterministic,
/// balanced to within one repository, and independent of the order the source listed them.
pub fn shard(mut specs: Vec<RepoSpec>, shard: Option<Shard>) -> Vec<RepoSpec> {
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    match shard {
        None => specs,
        Some(Shard { index, count }) => specs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % count == index - 1)
            .map(|(_, s)| s)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(specs: &[RepoSpec]) -> Vec<&str> {
        specs.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn shards_partition_deterministically() {
        let specs: Vec<RepoSpec> = ["e/e", "a/a", "c/c", "b/b", "d/d"]
            .iter()
            .map(|n| RepoSpec::github(n, None).unwrap())
            .collect();
        let mut reversed = specs.clone();
        reversed.reverse();
        let one: Shard = "1/2".parse().unwrap();
        let two: Shard = "2/2".parse().unwrap();
        assert_eq!(
            names(&shard(specs.clone(), Some(one))),
            ["a/a", "c/c", "e/e"]
        );
        assert_eq!(names(&shard(reversed, Some(one))), ["a/a", "c/c", "e/e"]);
        assert_eq!(names(&shard(specs, Some(two))), ["b/b", "d/d"]);
        assert!("0/2".parse::<Shard>().is_err());
        assert!("3/2".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn manifest_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("local-one")).unwrap();
        let manifest = dir.path().join("m.toml");
        std::fs::write(
            &manifest,
            r#"repositories = [
  "local-one",
  "acme/python-template",
  "acme/go-template@v2",
  { github = "acme/web", ref = "main", name = "web" },
  { path = "./local-one", name = "again" },
]"#,
        )
        .unwrap();
        let specs = from_manifest(&manifest).unwrap();
        assert_eq!(
            names(&specs),
            [
                "local-one",
                "acme/python-template",
                "acme/go-template",
                "web",
                "again"
            ]
        );
        assert_eq!(specs[2].git_ref.as_deref(), Some("v2"));
        assert_eq!(specs[3].git_ref.as_deref(), Some("main"));
        assert!(matches!(specs[0].location, Location::Local(_)));
        let error = |text: &str| {
            std::fs::write(&manifest, text).unwrap();
            from_manifest(&manifest).unwrap_err().to_string()
        };
        assert!(error("repositories = [\"not a repo\"]").contains("repositories[0]"));
        assert!(error("repositories = [\"a/b\", \"a/b\"]").contains("two repositories"));
    }
}
