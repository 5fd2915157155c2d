//! Safe extraction of repository tarballs.
//!
//! A tarball downloaded from GitHub is hostile input. [`extract`] streams gzip → tar and
//! writes every entry itself (never `tar::Archive::unpack`), so that:
//!
//! - absolute paths, `..` components and device, FIFO or sparse entries are rejected;
//! - nothing is written through a symbolic link: links are recorded while streaming and
//!   created only after every other entry, and an entry below a link is rejected;
//! - a symbolic link whose target resolves (following the archive's other links) outside
//!   the destination, and a hard link to anything but a regular file extracted before it,
//!   are rejected;
//! - files are created with `O_EXCL` (an existing path, or a link planted at it, is never
//!   opened), and existing folders are checked not to be links;
//! - [`Limits`] on entries and unpacked bytes are checked from each header *before* its
//!   data is read, so a decompression bomb stops at its first oversized entry; extension
//!   headers (pax, GNU long names) are read by this module with a small cap, never whole.
//!
//! GitHub tarballs (`git archive`) hold one top folder `owner-repo-<sha7>/` and a pax
//! global header whose `comment` is the commit SHA: [`Extracted`] returns both.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use tar::EntryType;

use crate::util::is_commit_sha;
use paths::{relative_path, resolve};

mod paths;

/// Caps on one archive; an archive over any of them is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The downloaded (gzip) size; enforced by the downloader, not by [`extract`].
    pub max_compressed_bytes: u64,
    /// The sum of the sizes of all entries (including extension headers).
    pub max_unpacked_bytes: u64,
    /// The number of tar entries (including extension headers and folders).
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_compressed_bytes: 512 * 1024 * 1024,
            max_unpacked_bytes: 2 * 1024 * 1024 * 1024,
            max_entries: 200_000,
        }
    }
}

/// What [`extract`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The repository root: the archive's single top folder, or `dest` when the archive
    /// has several top-level entries.
    pub root: PathBuf,
    /// The commit SHA from the pax global header `comment` (as `git archive` writes it).
    pub sha: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("unsafe archive entry `{entry}`: {reason}")]
    Unsafe { entry: String, reason: String },
    #[error("the archive has more than {limit} entries")]
    TooManyEntries { limit: u64 },
    #[error("the archive unpacks to more than {limit} bytes (stopped at entry `{entry}`)")]
    TooLarge { entry: String, limit: u64 },
    #[error("cannot read the archive: {source}")]
    Read { source: io::Error },
    #[error("cannot write `{}`: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// The largest pax or GNU long-name header read into memory.
const MAX_EXTENSION_BYTES: u64 = 1024 * 1024;
/// The largest pax global header read into memory (it only holds the commit SHA).
const MAX_GLOBAL_HEADER_BYTES: u64 = 64 * 1024;
/// Bytes of paths looked up while checking where all the links of an archive resolve.
const LINK_CHECK_BUDGET: u64 = 256 * 1024 * 1024;
/// The longest entry path or link target (Linux `PATH_MAX`).
const MAX_PATH_BYTES: usize = 4096;

/// Extract a gzip-compressed tar stream into `dest` (an existing, normally empty folder).
///
/// Nothing is written outside `dest`. On error, `dest` may hold a partial extraction: the
/// caller owns it and removes it (a [`tempfile::TempDir`] does).
pub fn extract(reader: impl Read, dest: &Path, limits: &Limits) -> Result<Extracted, ExtractError> {
    let gz = flate2::read::GzDecoder::new(reader);
    let mut archive = tar::Archive::new(gz);
    let entries = archive.entries().map_err(read_error)?.raw(true);
    let mut x = Extractor::new(dest, limits);
    for entry in entries {
        let mut entry = entry.map_err(read_error)?;
        x.entry(&mut entry)?;
    }
    x.finish()
}

fn read_error(source: io::Error) -> ExtractError {
    ExtractError::Read { source }
}

fn unsafe_entry(entry: &[u8], reason: impl std::fmt::Display) -> ExtractError {
    ExtractError::Unsafe {
        entry: String::from_utf8_lossy(entry).into_owned(),
        reason: reason.to_string(),
    }
}

/// Extension headers that describe the next entry.
#[derive(Default)]
struct Pending {
    gnu_path: Option<Vec<u8>>,
    gnu_link: Option<Vec<u8>>,
    pax_path: Option<Vec<u8>>,
    pax_link: Option<Vec<u8>>,
    pax_size: Option<u64>,
}

struct Link {
    path: PathBuf,
    target: Vec<u8>,
    name: Vec<u8>,
}

struct Extractor<'a> {
    dest: &'a Path,
    limits: &'a Limits,
    entries: u64,
    bytes: u64,
    pending: Pending,
    sha: Option<String>,
    /// The first component shared by every entry; `None` inside once two differ.
    top: Option<Option<OsString>>,
    /// Folders known to be real folders (created here, or checked), relative to `dest`.
    dirs: HashSet<PathBuf>,
    /// Regular files written (hard-link targets).
    files: HashSet<PathBuf>,
    /// Symbolic links, created at the end: relative path → target bytes.
    links: HashMap<PathBuf, Vec<u8>>,
    deferred: Vec<Link>,
    /// The copy buffer, reused for every file.
    buf: Vec<u8>,
}

impl<'a> Extractor<'a> {
    fn new(dest: &'a Path, limits: &'a Limits) -> Self {
        Extractor {
            dest,
            limits,
            entries: 0,
            bytes: 0,
            pending: Pending::default(),
            sha: None,
            top: None,
            dirs: HashSet::new(),
            files: HashSet::new(),
            links: HashMap::new(),
            deferred: Vec::new(),
            buf: vec![0; 64 * 1024],
        }
    }

    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<(), ExtractError> {
        let header = entry.header();
        let kind = header.entry_type();
        let size = entry.size();
        let header_path = header.path_bytes().into_owned();

        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ExtractError::TooManyEntries {
                limit: self.limits.max_entries,
            });
        }
        self.bytes = self.bytes.saturating_add(size);
        if self.bytes > self.limits.max_unpacked_bytes {
            return Err(ExtractError::TooLarge {
                entry: self.display_name(&header_path),
                limit: self.limits.max_unpacked_bytes,
            });
        }

        match kind {
            EntryType::XGlobalHeader => {
                let data = read_capped(entry, size, MAX_GLOBAL_HEADER_BYTES, &header_path)?;
                self.global_header(&data, &header_path)
            }
            EntryType::XHeader => {
                let data = read_capped(entry, size, MAX_EXTENSION_BYTES, &header_path)?;
                self.local_header(&data, &header_path)
            }
            EntryType::GNULongName => {
                let data = read_capped(entry, size, MAX_EXTENSION_BYTES, &header_path)?;
                self.pending.gnu_path = Some(trim_nul(data));
                Ok(())
            }
            EntryType::GNULongLink => {
                let data = read_capped(entry, size, MAX_EXTENSION_BYTES, &header_path)?;
                self.pending.gnu_link = Some(trim_nul(data));
                Ok(())
            }
            _ => {
                let pending = std::mem::take(&mut self.pending);
                let name = pending.pax_path.or(pending.gnu_path).unwrap_or(header_path);
                if let Some(pax_size) = pending.pax_size
                    && pax_size != size
                {
                    return Err(unsafe_entry(
                        &name,
                        format!("its pax size {pax_size} disagrees with its header size {size}"),
                    ));
                }
                let link_name = pending
                    .pax_link
                    .or(pending.gnu_link)
                    .or_else(|| entry.header().link_name_bytes().map(|l| l.into_owned()));
                self.member(entry, kind, &name, link_name)
            }
        }
    }

    fn display_name(&self, header_path: &[u8]) -> String {
        let name = self
            .pending
            .pax_path
            .as_deref()
            .or(self.pending.gnu_path.as_deref())
            .unwrap_or(header_path);
        String::from_utf8_lossy(name).into_owned()
    }

    fn global_header(&mut self, data: &[u8], name: &[u8]) -> Result<(), ExtractError> {
        for ext in tar::PaxExtensions::new(data) {
            let ext = ext.map_err(|e| unsafe_entry(name, format!("malformed pax header: {e}")))?;
            if ext.key_bytes() == b"comment"
                && let Ok(value) = ext.value()
            {
                let value = value.trim();
                if is_commit_sha(value) {
                    self.sha = Some(value.to_ascii_lowercase());
                }
            }
        }
        Ok(())
    }

    fn local_header(&mut self, data: &[u8], name: &[u8]) -> Result<(), ExtractError> {
        for ext in tar::PaxExtensions::new(data) {
            let ext = ext.map_err(|e| unsafe_entry(name, format!("malformed pax header: {e}")))?;
            match ext.key_bytes() {
                b"path" => self.pending.pax_path = Some(ext.value_bytes().to_vec()),
                b"linkpath" => self.pending.pax_link = Some(ext.value_bytes().to_vec()),
                b"size" => {
                    let size = ext
                        .value()
                        .ok()
                        .and_then(|v| v.parse::<u64>().ok())
                        .ok_or_else(|| unsafe_entry(name, "malformed pax size"))?;
                    self.pending.pax_size = Some(size);
                }
                key if key.starts_with(b"GNU.sparse") => {
                    return Err(unsafe_entry(name, "sparse files are not supported"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn member<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        kind: EntryType,
        name: &[u8],
        link_name: Option<Vec<u8>>,
    ) -> Result<(), ExtractError> {
        let rel = match relative_path(name) {
            Ok(Some(rel)) => rel,
            // `./`: the destination itself.
            Ok(None) if kind.is_dir() => return Ok(()),
            Ok(None) => return Err(unsafe_entry(name, "the path is empty")),
            Err(reason) => return Err(unsafe_entry(name, reason)),
        };
        self.check_ancestors(&rel, name)?;
        self.note_top(&rel);

        // Old archives mark folders with a trailing slash on a regular entry.
        let is_dir = kind.is_dir() || (kind.is_file() && name.ends_with(b"/"));
        if is_dir {
            if self.files.contains(&rel) || self.links.contains_key(&rel) {
                return Err(unsafe_entry(name, "a folder replaces an earlier entry"));
            }
            return self.make_dirs(&rel, name);
        }
        self.check_new(&rel, name)?;
        match kind {
            EntryType::Regular | EntryType::Continuous => self.write_file(entry, &rel, name),
            EntryType::Symlink => self.symlink(rel, name, link_name),
            EntryType::Link => self.hard_link(&rel, name, link_name),
            EntryType::Char | EntryType::Block => {
                Err(unsafe_entry(name, "device entries are not allowed"))
            }
            EntryType::Fifo => Err(unsafe_entry(name, "FIFO entries are not allowed")),
            EntryType::GNUSparse => Err(unsafe_entry(name, "sparse files are not supported")),
            other => Err(unsafe_entry(
                name,
                format!("unsupported entry type {:?}", other.as_byte() as char),
            )),
        }
    }

    /// Reject an entry below a symbolic link or a file of the archive.
    fn check_ancestors(&self, rel: &Path, name: &[u8]) -> Result<(), ExtractError> {
        for ancestor in rel.ancestors().skip(1) {
            if ancestor.as_os_str().is_empty() {
                break;
            }
            if self.links.contains_key(ancestor) {
                return Err(unsafe_entry(
                    name,
                    format!(
                        "it would be written through the symbolic link `{}`",
                        ancestor.display()
                    ),
                ));
            }
            if self.files.contains(ancestor) {
                return Err(unsafe_entry(
                    name,
                    format!("its parent `{}` is a file", ancestor.display()),
                ));
            }
        }
        Ok(())
    }

    /// A file or link must not replace an earlier entry.
    fn check_new(&self, rel: &Path, name: &[u8]) -> Result<(), ExtractError> {
        if self.files.contains(rel) || self.links.contains_key(rel) || self.dirs.contains(rel) {
            return Err(unsafe_entry(name, "it replaces an earlier entry"));
        }
        Ok(())
    }

    fn note_top(&mut self, rel: &Path) {
        let first = rel.components().next().map(|c| c.as_os_str().to_owned());
        match &self.top {
            None => self.top = Some(first),
            Some(Some(top)) if first.as_ref() != Some(top) => self.top = Some(None),
            _ => {}
        }
    }

    /// Create `rel` and its missing parents as real folders, refusing existing links.
    fn make_dirs(&mut self, rel: &Path, name: &[u8]) -> Result<(), ExtractError> {
        // The missing folders, deepest first.
        let missing: Vec<&Path> = rel
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !self.dirs.contains(*a))
            .collect();
        for dir in missing.into_iter().rev() {
            let path = self.dest.join(dir);
            match fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let meta = fs::symlink_metadata(&path).map_err(|e| write_error(&path, e))?;
                    if !meta.is_dir() {
                        return Err(unsafe_entry(
                            name,
                            format!("`{}` already exists and is not a folder", path.display()),
                        ));
                    }
                }
                Err(e) => return Err(write_error(&path, e)),
            }
            self.dirs.insert(dir.to_owned());
        }
        Ok(())
    }

    fn make_parent(&mut self, rel: &Path, name: &[u8]) -> Result<(), ExtractError> {
        match rel.parent() {
            Some(parent) => self.make_dirs(parent, name),
            None => Ok(()),
        }
    }

    fn write_file<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        rel: &Path,
        name: &[u8],
    ) -> Result<(), ExtractError> {
        self.make_parent(rel, name)?;
        let path = self.dest.join(rel);
        let mut options = fs::OpenOptions::new();
        // `create_new` is O_CREAT | O_EXCL: it never follows a link at the final component.
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let executable = entry.header().mode().is_ok_and(|m| m & 0o111 != 0);
            options.mode(if executable { 0o755 } else { 0o644 });
        }
        let mut file = options.open(&path).map_err(|e| write_error(&path, e))?;
        copy(entry, &mut file, &path, &mut self.buf)?;
        self.files.insert(rel.to_owned());
        Ok(())
    }

    fn symlink(
        &mut self,
        rel: PathBuf,
        name: &[u8],
        target: Option<Vec<u8>>,
    ) -> Result<(), ExtractError> {
        let target = link_target(name, target, "symbolic")?;
        if target.contains(&0) {
            return Err(unsafe_entry(name, "the link target holds a NUL byte"));
        }
        if target.len() > MAX_PATH_BYTES {
            return Err(unsafe_entry(
                name,
                format!("the link target is longer than {MAX_PATH_BYTES} bytes"),
            ));
        }
        // A quick check now (the full one, through other links, runs at the end).
        let mut unbounded = u64::MAX;
        if let Err(reason) = resolve(&rel, &target, &HashMap::new(), &mut unbounded) {
            return Err(unsafe_entry(name, reason));
        }
        self.make_parent(&rel, name)?;
        self.links.insert(rel.clone(), target.clone());
        self.deferred.push(Link {
            path: rel,
            target,
            name: name.to_vec(),
        });
        Ok(())
    }

    fn hard_link(
        &mut self,
        rel: &Path,
        name: &[u8],
        target: Option<Vec<u8>>,
    ) -> Result<(), ExtractError> {
        let target = link_target(name, target, "hard")?;
        let shown = String::from_utf8_lossy(&target).into_owned();
        let target_rel = match relative_path(&target) {
            Ok(Some(t)) => t,
            Ok(None) => return Err(unsafe_entry(name, "the hard link target is empty")),
            Err(reason) => {
                return Err(unsafe_entry(
                    name,
                    format!("hard link target `{shown}`: {reason}"),
                ));
            }
        };
        if !self.files.contains(&target_rel) {
            return Err(unsafe_entry(
                name,
                format!("hard link target `{shown}` is not a regular file extracted before it"),
            ));
        }
        self.make_parent(rel, name)?;
        let from = self.dest.join(&target_rel);
        let to = self.dest.join(rel);
        fs::hard_link(&from, &to).map_err(|e| write_error(&to, e))?;
        self.files.insert(rel.to_owned());
        Ok(())
    }

    fn finish(mut self) -> Result<Extracted, ExtractError> {
        let deferred = std::mem::take(&mut self.deferred);
        let mut budget = LINK_CHECK_BUDGET;
        for link in &deferred {
            if let Err(reason) = resolve(&link.path, &link.target, &self.links, &mut budget) {
                return Err(unsafe_entry(&link.name, reason));
            }
        }
        for link in &deferred {
            self.create_symlink(link)?;
        }
        let root = match &self.top {
            Some(Some(top)) if self.dirs.contains(Path::new(top)) => self.dest.join(top),
            _ => self.dest.to_owned(),
        };
        Ok(Extracted {
            root,
            sha: self.sha,
        })
    }

    #[cfg(unix)]
    fn create_symlink(&self, link: &Link) -> Result<(), ExtractError> {
        use std::os::unix::ffi::OsStrExt;
        let path = self.dest.join(&link.path);
        let target = std::ffi::OsStr::from_bytes(&link.target);
        std::os::unix::fs::symlink(target, &path).map_err(|e| write_error(&path, e))
    }

    /// Without Unix symbolic links the link is left out.
    #[cfg(not(unix))]
    fn create_symlink(&self, _link: &Link) -> Result<(), ExtractError> {
        Ok(())
    }
}

/// The target of the `kind` (`symbolic` or `hard`) link entry `name`: an error when it has
/// none.
fn link_target(name: &[u8], target: Option<Vec<u8>>, kind: &str) -> Result<Vec<u8>, ExtractError> {
    target
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unsafe_entry(name, format!("the {kind} link has no target")))
}

fn write_error(path: &Path, source: io::Error) -> ExtractError {
    ExtractError::Write {
        path: path.to_owned(),
        source,
    }
}

/// Copy an entry's data, telling read errors (the archive) from write errors (the disk).
fn copy(
    reader: &mut impl Read,
    file: &mut fs::File,
    path: &Path,
    buf: &mut [u8],
) -> Result<(), ExtractError> {
    use std::io::Write;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(e)),
        };
        file.write_all(&buf[..n])
            .map_err(|e| write_error(path, e))?;
    }
}

fn read_capped(
    reader: &mut impl Read,
    size: u64,
    cap: u64,
    name: &[u8],
) -> Result<Vec<u8>, ExtractError> {
    if size > cap {
        return Err(unsafe_entry(
            name,
            format!("an extension header of {size} bytes (at most {cap})"),
        ));
    }
    let mut data = Vec::new();
    reader
        .take(cap)
        .read_to_end(&mut data)
        .map_err(read_error)?;
    Ok(data)
}

fn trim_nul(mut data: Vec<u8>) -> Vec<u8> {
    while data.last() == Some(&0) {
        data.pop();
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_sha() {
        assert!(is_commit_sha("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_commit_sha("not a sha"));
    }
}
