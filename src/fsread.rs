//! The one way the tool opens a file to read it, walked or looked up by name.
//!
//! A file of a scanned repository is read only when it is a regular file inside the scanned
//! root: a symbolic link is followed only to a regular file inside it, a path that leads
//! out of it is not read. Whatever the path, FIFOs, devices, sockets and folders are never
//! opened (a FIFO would block): what the walk did not already see is looked at first, the
//! file is opened without waiting should it have been swapped since, and the opened
//! handle is checked again. A file over the size limit is not read at all. Nothing here
//! writes.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest file the walk reads, and the default limit of a file the configuration
/// names.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// The most a data file named on the command line may hold (a baseline, an audit
/// manifest): large enough for any real one, a bound against a runaway file all the same.
pub const USER_DATA_MAX: u64 = 1 << 30;

/// Where a path may lead.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Named by the user (a command-line argument, or a file such an argument names):
    /// anywhere.
    Anywhere,
    /// Named by, or looked up in, the folder `root`: the path is relative to `root` and
    /// must stay inside it once every link is resolved.
    Root(&'a Path),
    /// Found by the walk of `root` (canonical): no folder on the way is a link, so only a
    /// link at the file itself is resolved (and must stay inside `root`).
    Walked(&'a Path),
}

/// Why a file was not read. `Display` gives the bare reason; [`ReadError::diagnostic`]
/// the scan's wording.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the path leads outside the scanned root")]
    Outside,
    #[error("symbolic link points outside the scanned root")]
    LinkOutside,
    #[error("symbolic link loop or dangling link ({0})")]
    BrokenLink(std::io::Error),
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    #[error("{size} bytes is over the {limit} byte limit")]
    TooLarge { size: u64, limit: u64 },
    /// Read as text, and not UTF-8 from this byte on.
    #[error("invalid UTF-8 at byte {0}")]
    NotUtf8(usize),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ReadError {
    /// The path does not exist (no file, no link).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }

    /// The message of the diagnostic a scan reports for the file (the walk's wording, so
    /// the same problem found twice is reported once).
    pub fn diagnostic(&self) -> String {
        match self {
            ReadError::Outside => format!("not read: {self}"),
            ReadError::LinkOutside | ReadError::BrokenLink(_) => format!("not followed: {self}"),
            ReadError::NotRegular(_) | ReadError::TooLarge { .. } => format!("not checked: {self}"),
            ReadError::NotUtf8(_) | ReadError::Io(_) => format!("cannot read: {self}"),
        }
    }
}

/// Where `path` really is, checked against `scope`; the metadata is not checked. For
/// [`Scope::Root`], `path` is relative to the root.
pub fn resolve(path: &Path, scope: Scope<'_>) -> Result<PathBuf, ReadError> {
    match scope {
        Scope::Anywhere => Ok(path.to_owned()),
        Scope::Walked(root) => {
            if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
                resolve_inside(root, path)
            } else {
                Ok(path.to_owned())
            }
        }
        Scope::Root(root) => {
            if !lexically_inside(path) {
                return Err(ReadError::Outside);
            }
            let root = root.canonicalize()?;
            resolve_inside(&root, &root.join(path))
        }
    }
}

/// A relative path whose `..` never climbs above its start.
fn lexically_inside(path: &Path) -> bool {
    let mut depth = 0usize;
    for c in path.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// The real path of `path` (under the canonical `root` lexically), which only a link can
/// take out of `root`.
fn resolve_inside(root: &Path, path: &Path) -> Result<PathBuf, ReadError> {
    let real = match path.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            // The path exists as a link whose target does not: say so, as the walk does.
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            return Err(if link {
                ReadError::BrokenLink(e)
            } else {
                ReadError::Io(e)
            });
        }
    };
    if real.starts_with(root) {
        Ok(real)
    } else {
        Err(ReadError::LinkOutside)
    }
}

/// Whether a regular file of at most `limit` bytes (any size: `None`).
fn check(meta: &Metadata, limit: Option<u64>) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(meta)));
    }
    match limit {
        Some(limit) if meta.len() > limit => Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        }),
        _ => Ok(()),
    }
}

fn kind(meta: &Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    "a special file"
}

/// Open `path` for reading under `scope`, after checking that it is a regular file of at
/// most `limit` bytes (`None`: any size, for a caller that streams). Returns the file and
/// its size.
pub fn open(path: &Path, scope: Scope<'_>, limit: Option<u64>) -> Result<(File, u64), ReadError> {
    // A walked path that is not a link opens as it is, without a look first: `O_NOFOLLOW`
    // refuses a link (ELOOP), which is then resolved inside the root as below.
    #[cfg(unix)]
    if let Scope::Walked(_) = scope {
        match open_nonblocking_with(path, libc::O_NOFOLLOW) {
            Ok(file) => {
                let meta = file.metadata()?;
                check(&meta, limit)?;
                return Ok((file, meta.len()));
            }
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let real = resolve(path, scope)?;
    // A FIFO or a device is not even opened: the walk saw what its files are, anything
    // else is looked at first.
    if !matches!(scope, Scope::Walked(_)) {
        check(&std::fs::metadata(&real)?, limit)?;
    }
    let file = open_nonblocking(&real)?;
    // What was opened is checked, not what was looked at a moment before.
    let meta = file.metadata()?;
    check(&meta, limit)?;
    Ok((file, meta.len()))
}

/// Open for reading without waiting: opening a FIFO with no writer returns at once (and
/// the check of the opened file refuses it) instead of blocking the scan.
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    return open_nonblocking_with(path, 0);
    #[cfg(not(unix))]
    return std::fs::File::open(path);
}

/// [`open_nonblocking`] with more `open(2)` flags.
#[cfg(unix)]
fn open_nonblocking_with(path: &Path, flags: i32) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | flags)
        .open(path)
}

/// Read `path` whole under `scope`: a regular file of at most `limit` bytes.
pub fn read(path: &Path, scope: Scope<'_>, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Nothing is rejected: `None` cannot come back.
    Ok(read_unless(path, scope, limit, 0, |_| false)?.unwrap_or_default())
}

/// [`read`], unless `reject` refuses the file's first `head` bytes (then `None`, and the rest
/// is never read; a file of at most `head` bytes is read whole and then asked about).
pub fn read_unless(
    path: &Path,
    scope: Scope<'_>,
    limit: u64,
    head: u64,
    reject: impl Fn(&[u8]) -> bool,
) -> Result<Option<Vec<u8>>, ReadError> {
    let (file, size) = open(path, scope, Some(limit))?;
    let mut file = file.take(limit + 1);
    let mut bytes = Vec::with_capacity(size.min(head) as usize);
    if size > head {
        (&mut file).take(head).read_to_end(&mut bytes)?;
        if reject(&bytes) {
            return Ok(None);
        }
        bytes.reserve_exact(size as usize - bytes.len());
    }
    file.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        // It grew after it was measured.
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok((!reject(&bytes)).then_some(bytes))
}

/// Read `path` whole under `scope` as UTF-8 text (a leading BOM kept).
pub fn read_to_string(path: &Path, scope: Scope<'_>, limit: u64) -> Result<String, ReadError> {
    let bytes = read(path, scope, limit)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// Whether something (a file, a folder, a link, even a dangling one) is at `path`
/// relative to `root`, without following a link.
pub fn exists_in(root: &Path, path: &Path) -> bool {
    std::fs::symlink_metadata(root.join(path)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_containment() {
        assert!(lexically_inside(Path::new("a/b/../c")));
        assert!(lexically_inside(Path::new("./a")));
        assert!(lexically_inside(Path::new("")));
        assert!(!lexically_inside(Path::new("a/../../b")));
        assert!(!lexically_inside(Path::new("../../../../etc/passwd")));
        assert!(!lexically_inside(Path::new("/dev/zero")));
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_and_size() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(tmp.path().join("secret"), "TOKEN=1\n").unwrap();
        std::fs::write(root.join("ok"), "fine\n").unwrap();
        std::os::unix::fs::symlink("../secret", root.join("out")).unwrap();
        std::os::unix::fs::symlink("ok", root.join("in")).unwrap();
        std::os::unix::fs::symlink("nowhere", root.join("dangling")).unwrap();
        std::fs::create_dir(root.join("dir")).unwrap();
        let scope = Scope::Root(&root);
        assert_eq!(read(Path::new("in"), scope, 100).unwrap(), b"fine\n");
        assert!(matches!(
            read(Path::new("out"), scope, 100),
            Err(ReadError::LinkOutside)
        ));
        assert!(matches!(
            read(Path::new("../secret"), scope, 100),
            Err(ReadError::Outside)
        ));
        assert!(matches!(
            read(Path::new("dangling"), scope, 100),
            Err(ReadError::BrokenLink(_))
        ));
        assert!(matches!(
            read(Path::new("dir"), scope, 100),
            Err(ReadError::NotRegular("a folder"))
        ));
        assert!(matches!(
            read(Path::new("ok"), scope, 2),
            Err(ReadError::TooLarge { size: 5, limit: 2 })
        ));
        assert!(
            read(Path::new("missing"), scope, 100)
                .unwrap_err()
                .is_not_found()
        );
        // The user may point anywhere, but never at something that is not a file.
        assert!(read(&tmp.path().join("secret"), Scope::Anywhere, 100).is_ok());
        assert!(matches!(
            read(Path::new("/dev/zero"), Scope::Anywhere, 100),
            Err(ReadError::NotRegular("a device"))
        ));
    }
}
