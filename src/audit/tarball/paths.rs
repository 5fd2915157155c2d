//! Entry paths and symbolic link targets of an archive, checked to stay inside the
//! destination.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::MAX_PATH_BYTES;

/// Symbolic links followed when checking where a link resolves (as `MAXSYMLINKS`).
const MAX_LINK_HOPS: usize = 40;

/// Why an entry path or a link target is refused (the reason of an unsafe entry).
#[derive(Debug, thiserror::Error)]
pub(super) enum PathError {
    #[error("the path is longer than {MAX_PATH_BYTES} bytes")]
    TooLong,
    #[error("absolute paths are not allowed")]
    Absolute,
    #[error("the path holds a NUL byte")]
    Nul,
    #[error("`..` components are not allowed")]
    Parent,
    #[cfg(not(unix))]
    #[error("the path is not UTF-8")]
    NotUtf8,
    #[cfg(not(unix))]
    #[error("`\\` and `:` are not allowed in a path component")]
    Separator,
    #[error("the symbolic link target `{0}` resolves outside the archive")]
    Escapes(String),
    #[error("the symbolic link target `{0}` goes through too many links")]
    TooManyHops(String),
    #[error("the archive's symbolic links are too many or too deep to check")]
    OverBudget,
}

/// The entry path as a relative path of normal components, `None` for `.`.
pub(super) fn relative_path(name: &[u8]) -> Result<Option<PathBuf>, PathError> {
    if name.len() > MAX_PATH_BYTES {
        return Err(PathError::TooLong);
    }
    if name.first() == Some(&b'/') {
        return Err(PathError::Absolute);
    }
    if name.contains(&0) {
        return Err(PathError::Nul);
    }
    let mut path = PathBuf::new();
    for part in name.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err(PathError::Parent),
            part => path.push(component(part)?),
        }
    }
    Ok((!path.as_os_str().is_empty()).then_some(path))
}

#[cfg(unix)]
fn component(part: &[u8]) -> Result<OsString, PathError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(std::ffi::OsStr::from_bytes(part).to_owned())
}

#[cfg(not(unix))]
fn component(part: &[u8]) -> Result<OsString, PathError> {
    let s = std::str::from_utf8(part).map_err(|_| PathError::NotUtf8)?;
    if s.contains(['\\', ':']) {
        return Err(PathError::Separator);
    }
    Ok(OsString::from(s))
}

/// Where the link at `link` (relative to the destination) pointing at `target` resolves,
/// following the archive's other `links`; an error when it leaves the destination.
/// `budget` bounds the work (bytes of paths looked up) over all the links of an archive.
pub(super) fn resolve(
    link: &Path,
    target: &[u8],
    links: &HashMap<PathBuf, Vec<u8>>,
    budget: &mut u64,
) -> Result<PathBuf, PathError> {
    let shown = || String::from_utf8_lossy(target).into_owned();
    let escape = || PathError::Escapes(shown());
    let mut here = link.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut depth = here.components().count();
    let mut pending: Vec<Vec<u8>> = Vec::new();
    push_target(&mut pending, target).map_err(|()| escape())?;
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        match part.as_slice() {
            b"" | b"." => {}
            b".." => {
                if depth == 0 {
                    return Err(escape());
                }
                here.pop();
                depth -= 1;
            }
            part => {
                here.push(component(part)?);
                depth += 1;
                if links.is_empty() {
                    continue;
                }
                let cost = here.as_os_str().len() as u64 + 1;
                *budget = budget.checked_sub(cost).ok_or(PathError::OverBudget)?;
                if let Some(next) = links.get(&here) {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(PathError::TooManyHops(shown()));
                    }
                    here.pop();
                    depth -= 1;
                    push_target(&mut pending, next).map_err(|()| escape())?;
                }
            }
        }
    }
    Ok(here)
}

/// Push a link target's components on the stack of parts still to resolve (last first).
fn push_target(pending: &mut Vec<Vec<u8>>, target: &[u8]) -> Result<(), ()> {
    if target.first() == Some(&b'/') {
        return Err(());
    }
    pending.extend(target.split(|&b| b == b'/').rev().map(<[u8]>::to_vec));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(b"a/./b//c").unwrap(),
            Some(PathBuf::from("a/b/c"))
        );
        assert_eq!(relative_path(b"./").unwrap(), None);
        assert!(relative_path(b"/etc/passwd").is_err());
        assert!(relative_path(b"a/../../b").is_err());
    }

    #[test]
    fn resolve_follows_links() {
        let mut links = HashMap::new();
        let mut budget = u64::MAX;
        let mut resolve = |link: &str, target: &[u8], links: &HashMap<PathBuf, Vec<u8>>| {
            super::resolve(Path::new(link), target, links, &mut budget)
        };
        assert_eq!(resolve("a/l", b"../b", &links).unwrap(), PathBuf::from("b"));
        assert!(resolve("a/l", b"../../b", &links).is_err());
        assert!(resolve("l", b"/etc", &links).is_err());
        // `a/up -> ..` is the root; `b -> a/up/..` is lexically inside but really above it.
        links.insert(PathBuf::from("a/up"), b"..".to_vec());
        assert!(resolve("b", b"a/up/..", &links).is_err());
        assert_eq!(resolve("b", b"a/up/a", &links).unwrap(), PathBuf::from("a"));
        // A cycle stops.
        links.insert(PathBuf::from("x"), b"y".to_vec());
        links.insert(PathBuf::from("y"), b"x".to_vec());
        assert!(resolve("z", b"x", &links).is_err());
        // The budget runs out.
        let mut small = 10;
        assert!(
            super::resolve(Path::new("z"), b"long-name/a/b", &links, &mut small)
                .unwrap_err()
                .to_string()
                .contains("too many or too deep")
        );
    }
}
