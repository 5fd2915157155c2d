//! The files a build context sends: the context folder walked on disk (not through
//! `.gitignore`: Docker sends gitignored files too), minus what the ignore file excludes.
//! Excluded folders with no exception below them are not descended. Symbolic links are
//! listed as links and never followed, as Docker sends them.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{IgnoreFile, MatchError, Parents};
use crate::fsread::{self, ReadError, Scope};
use crate::parse::template;
use crate::walk::Diagnostic;

/// One file (or link) in the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFile {
    /// Relative to the context root, `/` separators.
    pub path: String,
    pub bytes: u64,
    pub symlink: bool,
}

/// What a context sends.
#[derive(Debug, Default)]
pub struct Listing {
    /// Sorted by path.
    pub files: Vec<ContextFile>,
    /// Unreadable folders, special files, names that are not UTF-8.
    pub diagnostics: Vec<Diagnostic>,
    /// Excluded folders that were not descended.
    pub pruned: Vec<String>,
}

impl Listing {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// The sensitive files, sorted.
    pub fn sensitive(&self) -> Vec<&ContextFile> {
        self.files
            .iter()
            .filter(|f| sensitive(&f.path).is_some())
            .collect()
    }

    /// The `n` largest files, largest first (ties by path).
    pub fn largest(&self, n: usize) -> Vec<&ContextFile> {
        let mut v: Vec<&ContextFile> = self.files.iter().collect();
        v.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        v.truncate(n);
        v
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("cannot read the build context `{0}`: {1}")]
    Root(String, std::io::Error),
    #[error("cannot read the ignore file `{0}`: {1}")]
    IgnoreRead(String, ReadError),
    #[error("the build context `{0}` is not a directory")]
    NotADirectory(String),
    #[error("`{file}` is invalid and Docker refuses to build with it: line {line}: {message}")]
    InvalidIgnoreFile {
        file: String,
        line: u32,
        message: String,
    },
    #[error("`{file}`: {source}")]
    Match {
        file: String,
        #[source]
        source: MatchError,
    },
}

/// The ignore file Docker (BuildKit) reads for `dockerfile` (relative to the context):
/// `<dockerfile>.dockerignore` when it exists, else `.dockerignore` at the context root,
/// else the file a template renders to `.dockerignore` there.
/// Returned relative to the context root; `None` when neither exists. A link counts as
/// the file whatever it points to: reading it decides whether it may be followed.
pub fn ignore_file_for(context: &Path, dockerfile: &str) -> Option<String> {
    let present = |rel: &str| {
        std::fs::symlink_metadata(context.join(rel)).is_ok_and(|m| !m.file_type().is_dir())
    };
    let specific = format!("{}.dockerignore", normalize_rel(dockerfile));
    if present(&specific) {
        return Some(specific);
    }
    if present(".dockerignore") {
        return Some(".dockerignore".to_owned());
    }
    // In a template, the file that will be `.dockerignore` once rendered
    // (`.dockerignore.jinja`, `{% if docker %}.dockerignore{% endif %}`).
    let entries = std::fs::read_dir(context).ok()?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains('{') || n != template::strip_template_suffix(n))
        .filter(|n| template::rendered_name(n).as_deref() == Some(".dockerignore"))
        .filter(|n| present(n))
        .collect();
    names.sort();
    names.into_iter().next()
}

/// A relative path with `/` separators, without `./` segments or doubled slashes.
pub fn normalize_rel(path: &str) -> String {
    let cleaned = super::go_clean(&path.replace('\\', "/"));
    if cleaned == "." {
        String::new()
    } else {
        cleaned
    }
}

/// Read and parse the ignore file at `path`, relative to `root`: a regular file inside
/// `root` (links resolved), of at most `limit` bytes ([`fsread`]). `root` is the scanned
/// repository in a scan, the context itself for the `context` command.
pub fn read_ignore_file(root: &Path, path: &str, limit: u64) -> Result<IgnoreFile, ReadError> {
    let bytes = fsread::read(Path::new(path), Scope::Root(root), limit)?;
    Ok(IgnoreFile::parse(&bytes))
}

/// List what `context` sends with `ignore` applied. An invalid ignore file is an error, as
/// it is for Docker.
pub fn list(context: &Path, ignore: Option<(&str, &IgnoreFile)>) -> Result<Listing, ListError> {
    let shown = context.display().to_string();
    let meta = std::fs::metadata(context).map_err(|e| ListError::Root(shown.clone(), e))?;
    if !meta.is_dir() {
        return Err(ListError::NotADirectory(shown));
    }
    if let Some((name, file)) = ignore
        && let Some(e) = file.errors.first()
    {
        return Err(ListError::InvalidIgnoreFile {
            file: name.to_owned(),
            line: e.line,
            message: e.message.clone(),
        });
    }
    let empty = IgnoreFile::default();
    let (name, file) = ignore.unwrap_or(("", &empty));
    let mut listing = Listing::default();
    // Each folder to read, with the patterns that match its parent or one above: a path
    // is matched against the patterns once, and its parents' matches are inherited.
    let mut stack: Vec<(PathBuf, String, Rc<Parents>)> = vec![(
        context.to_path_buf(),
        String::new(),
        Rc::new(Parents::default()),
    )];
    let first = std::fs::read_dir(context).map_err(|e| ListError::Root(shown.clone(), e))?;
    let mut first = Some(first);
    while let Some((dir, rel, above)) = stack.pop() {
        let parents = if rel.is_empty() {
            above
        } else {
            Rc::new(file.parents(&rel, &above))
        };
        let entries = match first.take() {
            Some(e) => e,
            None => match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    listing.diagnostics.push(Diagnostic {
                        path: rel.clone(),
                        message: format!("cannot read folder: {e}; Docker would fail to send it"),
                    });
                    continue;
                }
            },
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    listing.diagnostics.push(Diagnostic {
                        path: rel.clone(),
                        message: format!("cannot read folder entry: {e}"),
                    });
                    continue;
                }
            };
            let os_name = entry.file_name();
            let fname = os_name.to_string_lossy();
            let path = if rel.is_empty() {
                fname.into_owned()
            } else {
                format!("{rel}/{fname}")
            };
            if os_name.to_str().is_none() {
                listing.diagnostics.push(Diagnostic {
                    path: path.clone(),
                    message: "file name is not valid UTF-8: matched and listed with U+FFFD in place of the invalid bytes".to_owned(),
                });
            }
            // The entry itself, never its target.
            let ft = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    listing.diagnostics.push(Diagnostic {
                        path,
                        message: format!("cannot read: {e}"),
                    });
                    continue;
                }
            };
            let decision =
                file.decide_under(&path, &parents)
                    .map_err(|source| ListError::Match {
                        file: name.to_owned(),
                        source,
                    })?;
            if ft.is_dir() {
                if decision.excluded && file.can_prune(&path, decision.by) {
                    listing.pruned.push(path);
                } else {
                    stack.push((entry.path(), path, Rc::clone(&parents)));
                }
                continue;
            }
            if decision.excluded {
                continue;
            }
            if ft.is_file() || ft.is_symlink() {
                let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
                listing.files.push(ContextFile {
                    path,
                    bytes,
                    symlink: ft.is_symlink(),
                });
            } else {
                listing.diagnostics.push(Diagnostic {
                    path,
                    message: "not listed: not a regular file, folder or symbolic link".to_owned(),
                });
            }
        }
    }
    listing.files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    listing.diagnostics.sort();
    listing.pruned.sort();
    Ok(listing)
}

/// Why a file is sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sensitive {
    /// Under `.git/`, `.hg/`, `.svn/`.
    Vcs,
    /// `.env`, `.env.<x>` (not the example files).
    Env,
    /// Private keys, keystores, Terraform state.
    Key,
    /// Credential files.
    Credentials,
    /// Under a `secrets/` or `.secrets/` folder.
    SecretsFolder,
}

impl Sensitive {
    pub fn describe(self) -> &'static str {
        match self {
            Sensitive::Vcs => "version-control metadata",
            Sensitive::Env => "an environment file",
            Sensitive::Key => "a private key, keystore or state file",
            Sensitive::Credentials => "a credentials file",
            Sensitive::SecretsFolder => "a file in a secrets folder",
        }
    }
}

const FOLDER_CLASSES: &[(&str, Sensitive)] = &[
    (".git", Sensitive::Vcs),
    (".hg", Sensitive::Vcs),
    (".svn", Sensitive::Vcs),
    (".aws", Sensitive::Credentials),
    ("secrets", Sensitive::SecretsFolder),
    (".secrets", Sensitive::SecretsFolder),
];

/// The endings of private keys, keystores and Terraform state ([`Sensitive::Key`]); none
/// is the ending of another.
pub const KEY_SUFFIXES: &[&str] = &[
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".tfstate",
    ".tfstate.backup",
];

/// The names SSH private keys start with ([`Sensitive::Key`], unless they end in `.pub`).
pub const KEY_NAMES: &[&str] = &["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"];

/// The sensitive class of a file path, and the unit to report it by: the folder for
/// folder classes (`.git`, `secrets/`), the file otherwise.
pub fn sensitive_unit(path: &str) -> Option<(Sensitive, &str)> {
    let segments: Vec<&str> = path.split('/').collect();
    let (name, dirs) = segments.split_last()?;
    let mut end = 0;
    for d in dirs {
        end += d.len();
        if let Some((_, class)) = FOLDER_CLASSES.iter().find(|(n, _)| n == d) {
            return Some((*class, &path[..end]));
        }
        end += 1;
    }
    let parent = dirs.last().copied().unwrap_or("");
    let class = if *name == ".env"
        || name
            .strip_prefix(".env.")
            .is_some_and(|x| !matches!(x, "example" | "sample" | "template" | "dist"))
    {
        Sensitive::Env
    } else if KEY_SUFFIXES.iter().any(|ext| name.ends_with(ext))
        || (KEY_NAMES.iter().any(|k| name.starts_with(k)) && !name.ends_with(".pub"))
    {
        Sensitive::Key
    } else if matches!(*name, ".npmrc" | ".pypirc" | ".netrc")
        || (parent == ".docker" && *name == "config.json")
        || (parent == ".kube" && *name == "config")
        || name.starts_with("credentials")
    {
        Sensitive::Credentials
    } else {
        return None;
    };
    Some((class, path))
}

pub fn sensitive(path: &str) -> Option<Sensitive> {
    sensitive_unit(path).map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_classes() {
        assert_eq!(sensitive(".git/HEAD"), Some(Sensitive::Vcs));
        assert_eq!(
            sensitive_unit("a/.git/refs/x"),
            Some((Sensitive::Vcs, "a/.git"))
        );
        assert_eq!(sensitive(".github/x.yml"), None);
        assert_eq!(sensitive(".env"), Some(Sensitive::Env));
        assert_eq!(sensitive("web/.env.production"), Some(Sensitive::Env));
        assert_eq!(sensitive(".env.example"), None);
        assert_eq!(sensitive(".envrc"), None);
        assert_eq!(sensitive("certs/tls.key"), Some(Sensitive::Key));
        assert_eq!(sensitive("deploy/id_ed25519"), Some(Sensitive::Key));
        assert_eq!(sensitive("deploy/id_ed25519.pub"), None);
        assert_eq!(
            sensitive("infra/terraform.tfstate.backup"),
            Some(Sensitive::Key)
        );
        assert_eq!(
            sensitive(".docker/config.json"),
            Some(Sensitive::Credentials)
        );
        assert_eq!(sensitive("config.json"), None);
        assert_eq!(sensitive("a/.kube/config"), Some(Sensitive::Credentials));
        assert_eq!(sensitive("credentials.json"), Some(Sensitive::Credentials));
        assert_eq!(sensitive(".aws/config"), Some(Sensitive::Credentials));
        assert_eq!(
            sensitive_unit("k8s/secrets/db.yaml"),
            Some((Sensitive::SecretsFolder, "k8s/secrets"))
        );
        assert_eq!(sensitive("secrets"), None);
    }
}
