//! Walk the repository in parallel and describe what is there. Never writes, never
//! follows a link out of the scanned root, always skips `.git/`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use ignore::{WalkBuilder, WalkState, overrides::OverrideBuilder};

use crate::config::RenderProfile;
use crate::fsread::{self, ReadError, Scope};
use crate::source::SourceFile;

/// Files larger than this are never read whole.
pub use crate::fsread::DEFAULT_MAX_FILE_SIZE;

#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Respect `.gitignore` (and `.git/info/exclude`): walk what git would commit.
    pub git_ignore: bool,
    /// gitignore-style globs that are never walked.
    pub exclude: Vec<String>,
    pub threads: usize,
    pub max_file_size: u64,
    /// Render every template unit with its defaults and check the render too
    /// ([`crate::engine`]'s smoke run).
    pub render_templates: bool,
    /// The configuration's render profiles (`[[template.render]]`), values files read.
    pub render_profiles: Arc<[RenderProfile]>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            git_ignore: true,
            exclude: Vec::new(),
            threads: 0,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            render_templates: true,
            render_profiles: Arc::new([]),
        }
    }
}

/// A file of the repository.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Relative to the root, `/` separators.
    pub path: String,
    /// Where to read it (a link's target when the entry is a link inside the root).
    pub abs: PathBuf,
}

impl FileEntry {
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(d, _)| d)
    }

    /// Size in bytes. Asked of the file system on demand: the walk does not stat every
    /// file, which would double its cost.
    pub fn size(&self) -> std::io::Result<u64> {
        std::fs::metadata(&self.abs).map(|m| m.len())
    }
}

/// Something about a file that the scan could not check; reported once, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RootError {
    #[error("path `{0}` does not exist")]
    Missing(String),
    #[error("path `{0}` is not a directory")]
    NotADirectory(String),
    #[error("cannot read `{0}`: {1}")]
    Io(String, std::io::Error),
    #[error("invalid exclude pattern `{0}`: {1}")]
    Exclude(String, ignore::Error),
}

/// The walked repository: its files, sorted by path, and a way to read them.
///
/// The listing is complete only once the walk ends: a [`Repo`] can read files, and collect
/// diagnostics, while the walk still runs (the per-file checks start as files are found),
/// and lists them ([`Repo::files`], [`Repo::file`], [`Repo::files_in`]) after it.
#[derive(Debug)]
pub struct Repo {
    root: PathBuf,
    files: OnceLock<Vec<FileEntry>>,
    max_file_size: u64,
    by_dir: OnceLock<HashMap<String, Vec<u32>>>,
    diagnostics: Mutex<Vec<Diagnostic>>,
    render_profiles: Arc<[RenderProfile]>,
}

/// What the walk finds: a file to check, or something it could not walk.
pub enum Walked {
    File(FileEntry),
    Diag(Diagnostic),
}

/// A walk of one root, ready to run: the root is checked and the walker configured.
pub struct Walker {
    root: PathBuf,
    builder: WalkBuilder,
    max_file_size: u64,
    render_profiles: Arc<[RenderProfile]>,
}

impl Walker {
    pub fn new(root: &Path, opts: &WalkOptions) -> Result<Walker, RootError> {
        let shown = root.display().to_string();
        let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RootError::Missing(shown.clone()),
            _ => RootError::Io(shown.clone(), e),
        })?;
        if !meta.is_dir() {
            return Err(RootError::NotADirectory(shown));
        }
        let canonical = root
            .canonicalize()
            .map_err(|e| RootError::Io(shown.clone(), e))?;
        std::fs::read_dir(&canonical).map_err(|e| RootError::Io(shown.clone(), e))?;

        let mut overrides = OverrideBuilder::new(&canonical);
        for glob in &opts.exclude {
            overrides
                .add(&format!("!{glob}"))
                .map_err(|e| RootError::Exclude(glob.clone(), e))?;
        }
        let overrides = overrides
            .build()
            .map_err(|e| RootError::Exclude(opts.exclude.join(", "), e))?;

        let mut builder = WalkBuilder::new(&canonical);
        builder
            .standard_filters(false)
            .hidden(false)
            .git_ignore(opts.git_ignore)
            .git_exclude(opts.git_ignore)
            .parents(opts.git_ignore)
            .require_git(false)
            .follow_links(false)
            .overrides(overrides)
            .threads(opts.threads)
            .filter_entry(|e| e.file_name() != ".git");
        Ok(Walker {
            root: canonical,
            builder,
            max_file_size: opts.max_file_size,
            render_profiles: opts.render_profiles.clone(),
        })
    }

    /// The repository to be walked, its listing still empty, reading files of up to
    /// `read_limit` bytes when that is more than the walk's own limit.
    pub fn repo(&self, read_limit: Option<u64>) -> Repo {
        Repo {
            root: self.root.clone(),
            files: OnceLock::new(),
            max_file_size: self.max_file_size.max(read_limit.unwrap_or(0)),
            by_dir: OnceLock::new(),
            diagnostics: Mutex::new(Vec::new()),
            render_profiles: self.render_profiles.clone(),
        }
    }

    /// Walk in parallel. Every thread of the walk makes a visitor with `visitor` and hands
    /// it everything it finds, as it finds it; the walk stops early when a visitor returns
    /// `false`. A visitor is dropped when its thread is done.
    pub fn run<'s, V>(&'s self, mut visitor: impl FnMut() -> V)
    where
        V: FnMut(Walked) -> bool + Send + 's,
    {
        self.builder.build_parallel().run(|| {
            let root = &self.root;
            let mut found = visitor();
            Box::new(move |entry| {
                if visit(root, entry).is_some_and(|w| !found(w)) {
                    WalkState::Quit
                } else {
                    WalkState::Continue
                }
            })
        });
    }

    /// Walk the whole tree, then return the repository with its listing.
    pub fn walk(&self, read_limit: Option<u64>) -> Repo {
        let (tx, rx) = mpsc::channel::<Walked>();
        // The receiver outlives the walk; a send cannot fail.
        self.run(|| {
            let tx = tx.clone();
            move |w| tx.send(w).is_ok()
        });
        drop(tx);
        let repo = self.repo(read_limit);
        let mut files = Vec::new();
        for w in rx {
            match w {
                Walked::File(f) => files.push(f),
                Walked::Diag(d) => repo.push_diagnostic(d),
            }
        }
        repo.set_files(files);
        repo
    }
}

impl Repo {
    /// Complete the listing (once; a second listing is ignored). Sorts by path.
    pub fn set_files(&self, mut files: Vec<FileEntry>) {
        files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        let _ = self.files.set(files);
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// All files, sorted by path. Only once the walk has ended: a check that lists files
    /// in [`crate::checks::Check::check_file`] declares
    /// [`crate::checks::Check::needs_listing`].
    pub fn files(&self) -> &[FileEntry] {
        debug_assert!(
            self.files.get().is_some(),
            "the listing is asked for before the walk has ended"
        );
        self.files.get().map_or(&[], Vec::as_slice)
    }

    /// Files directly inside `dir` (`""` for the root), sorted by path.
    pub fn files_in(&self, dir: &str) -> impl Iterator<Item = &FileEntry> {
        let files = self.files();
        // No index of a listing not yet complete.
        let index = self.files.get().map(|_| {
            self.by_dir.get_or_init(|| {
                let mut m: HashMap<String, Vec<u32>> = HashMap::new();
                for (i, f) in files.iter().enumerate() {
                    match m.get_mut(f.dir()) {
                        Some(v) => v.push(i as u32),
                        None => {
                            m.insert(f.dir().to_owned(), vec![i as u32]);
                        }
                    }
                }
                m
            })
        });
        let dir = normalize_dir(dir);
        index
            .and_then(|index| index.get(dir))
            .into_iter()
            .flatten()
            .map(move |&i| &files[i as usize])
    }

    /// Files under `dir` at every depth (`""` for the root: all of them), sorted by path.
    pub fn files_under(&self, dir: &str) -> &[FileEntry] {
        let files = self.files();
        let dir = dir.trim_end_matches('/');
        if dir.is_empty() {
            return files;
        }
        let prefix = format!("{dir}/");
        let start = files.partition_point(|f| f.path.as_str() < prefix.as_str());
        let len = files[start..].partition_point(|f| f.path.starts_with(&prefix));
        &files[start..start + len]
    }

    /// The file a finding about `path` goes on: `path` itself, or the first file under it
    /// when it is a folder (report formats locate files, not folders).
    pub fn file_at_or_under(&self, path: &str) -> Option<&str> {
        self.file(path)
            .or_else(|| self.files_under(path).first())
            .map(|f| f.path.as_str())
    }

    pub fn file(&self, path: &str) -> Option<&FileEntry> {
        let files = self.files();
        files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &files[i])
    }

    /// Record something that could not be checked; duplicates are merged when reported.
    pub fn diagnose(&self, path: &str, message: impl Into<String>) {
        self.push_diagnostic(Diagnostic {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    /// Record something the walk could not walk.
    pub fn push_diagnostic(&self, d: Diagnostic) {
        self.diagnostics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(d);
    }

    /// Diagnostics so far, sorted, one per path and message.
    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        let mut d =
            std::mem::take(&mut *self.diagnostics.lock().unwrap_or_else(|p| p.into_inner()));
        d.sort();
        d.dedup();
        d
    }

    /// Read a text file strictly, for checks that judge one named file (a LICENSE, a
    /// CODEOWNERS). Binary, oversized, non-UTF-8 and unreadable files become a diagnostic
    /// and `None`.
    pub fn read_text(&self, entry: &FileEntry) -> Option<SourceFile> {
        match self.read_bytes(entry) {
            Ok(bytes) if is_binary(&bytes) => {
                self.diagnose(&entry.path, "not checked: binary file");
                None
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Some(SourceFile::new(entry.path.clone(), strip_bom(text))),
                Err(e) => {
                    self.diagnose(
                        &entry.path,
                        format!(
                            "not checked: invalid UTF-8 at byte {}",
                            e.utf8_error().valid_up_to()
                        ),
                    );
                    None
                }
            },
            Err(msg) => {
                self.diagnose(&entry.path, msg);
                None
            }
        }
    }

    /// Read a file for the per-file checks, which look at every file they want: binary
    /// files are skipped silently (a repository is full of images); invalid UTF-8 is
    /// replaced with U+FFFD, one character per bad byte, so lines and columns stay right.
    /// Oversized and unreadable files become a diagnostic. A binary file is not read past
    /// its first [`SNIFF`] bytes: the scan never holds a large archive or image whole.
    pub fn read_for_scan(&self, entry: &FileEntry) -> Option<SourceFile> {
        match self.read_unless_binary(entry) {
            Ok(None) => None,
            Ok(Some(bytes)) => {
                let text = match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                Some(SourceFile::new(entry.path.clone(), strip_bom(text)))
            }
            Err(msg) => {
                self.diagnose(&entry.path, msg);
                None
            }
        }
    }

    /// Read a walked file whole (as [`fsread::read`] does), unless its first [`SNIFF`]
    /// bytes say it is binary.
    fn read_unless_binary(&self, entry: &FileEntry) -> Result<Option<Vec<u8>>, String> {
        let scope = Scope::Walked(&self.root);
        fsread::read_unless(&entry.abs, scope, self.max_file_size, SNIFF, is_binary)
            .map_err(|e| e.diagnostic())
    }

    fn read_bytes(&self, entry: &FileEntry) -> Result<Vec<u8>, String> {
        fsread::read(&entry.abs, Scope::Walked(&self.root), self.max_file_size)
            .map_err(|e| e.diagnostic())
    }

    /// Read the file at `path` (relative to the root, walked or not: an ignore file, a
    /// Dockerfile a compose file names) under the walk's rules: a regular file inside the
    /// root, within the size limit.
    pub fn read_named(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        fsread::read(Path::new(path), Scope::Root(&self.root), self.max_file_size)
    }

    /// The largest file read, in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// The configuration's render profiles (`[[template.render]]`).
    pub fn render_profiles(&self) -> &[RenderProfile] {
        &self.render_profiles
    }

    /// Whether a file is empty or holds only whitespace. Streams: a huge file is not
    /// read past its first non-blank byte. A file that cannot be read counts as not blank
    /// (and is reported).
    pub fn is_blank(&self, entry: &FileEntry) -> bool {
        let mut file = match fsread::open(&entry.abs, Scope::Walked(&self.root), None) {
            Ok((f, _)) => f,
            Err(e) => {
                self.diagnose(&entry.path, e.diagnostic());
                return false;
            }
        };
        let mut buf = [0u8; 16 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => return true,
                Ok(n) => {
                    let blank = buf[..n]
                        .iter()
                        .all(|b| b.is_ascii_whitespace() || matches!(b, 0xef | 0xbb | 0xbf));
                    if !blank {
                        return false;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.diagnose(&entry.path, format!("cannot read: {e}"));
                    return false;
                }
            }
        }
    }
}

/// How much of a file tells whether it is binary.
const SNIFF: u64 = 8192;

/// A NUL byte in the first 8 KiB, as git and ripgrep decide.
fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(SNIFF as usize)]).is_some()
}

fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

fn normalize_dir(dir: &str) -> &str {
    let d = dir.trim_start_matches("./").trim_matches('/');
    if d == "." { "" } else { d }
}

fn visit(root: &Path, entry: Result<ignore::DirEntry, ignore::Error>) -> Option<Walked> {
    let entry = match entry {
        Ok(e) => e,
        Err(err) => {
            let path = error_path(&err)
                .map(|p| relative(root, p))
                .unwrap_or_default();
            return Some(Walked::Diag(Diagnostic {
                path,
                message: format!("not checked: {}", strip_path(&err)),
            }));
        }
    };
    let ft = entry.file_type()?;
    let rel = relative(root, entry.path());
    if ft.is_dir() {
        return None;
    }
    if entry.path_is_symlink() {
        return resolve_link(root, entry.path(), rel);
    }
    if !ft.is_file() {
        return None;
    }
    Some(Walked::File(FileEntry {
        path: rel,
        abs: entry.into_path(),
    }))
}

/// A link is followed only when it resolves to a regular file inside the root.
fn resolve_link(root: &Path, link: &Path, rel: String) -> Option<Walked> {
    let target = match fsread::resolve(link, Scope::Walked(root)) {
        Ok(t) => t,
        Err(e) => {
            return Some(Walked::Diag(Diagnostic {
                path: rel,
                message: e.diagnostic(),
            }));
        }
    };
    let meta = std::fs::metadata(&target).ok()?;
    if meta.is_file() {
        Some(Walked::File(FileEntry {
            path: rel,
            abs: target,
        }))
    } else {
        // A link to a folder inside the root: its files are walked at their real place.
        None
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    #[cfg(unix)]
    if let Some(s) = rel.to_str() {
        return s.to_owned();
    }
    let mut out = String::new();
    for (i, c) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    out
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn strip_path(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            strip_path(err)
        }
        other => other.to_string(),
    }
}
