//! Reading a unit's source tree and writing the generated one, shared by every engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{MAX_FILE_SIZE, Problem, ProblemKind, RenderError, Rendered, RenderedFile, join};
use crate::fsread::{self, Scope};

/// The most entries one source tree may hold: a bound against a runaway repository.
const MAX_ENTRIES: usize = 100_000;
/// The most one rendered file may hold.
const MAX_OUTPUT_SIZE: u64 = 4 * MAX_FILE_SIZE;
/// The deepest a source tree is walked.
const MAX_DEPTH: usize = 64;

/// One entry of a source folder.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The entry's name.
    pub name: String,
    /// Relative to the repository root.
    pub repo_path: String,
    pub is_dir: bool,
}

/// A render in progress: where it reads, where it writes, what it wrote and met.
pub(crate) struct Run {
    pub repo_root: PathBuf,
    out: PathBuf,
    files: BTreeMap<String, String>,
    pub problems: Vec<Problem>,
    entries: usize,
}

impl Run {
    pub fn new(repo_root: &Path, out: &Path) -> Run {
        Run {
            repo_root: repo_root.to_path_buf(),
            out: out.to_path_buf(),
            files: BTreeMap::new(),
            problems: Vec::new(),
            entries: 0,
        }
    }

    pub fn finish(self) -> Rendered {
        Rendered {
            files: self
                .files
                .into_iter()
                .map(|(path, source)| RenderedFile { path, source })
                .collect(),
            problems: self.problems,
        }
    }

    pub fn problem(&mut self, kind: ProblemKind, source: &str, line: Option<u32>, message: String) {
        self.problems
            .push(Problem::new(kind, source, line, message));
    }

    /// The entries of the repository folder `dir`, sorted by name. A folder reached
    /// through a link is not entered (a note); `None` when `dir` cannot be listed.
    pub fn list(&mut self, dir: &str, depth: usize) -> Option<Vec<Entry>> {
        if depth > MAX_DEPTH {
            self.problem(
                ProblemKind::NotRead,
                dir,
                None,
                format!("not rendered: nested deeper than {MAX_DEPTH} folders"),
            );
            return None;
        }
        let path = self.repo_root.join(dir);
        let read = match std::fs::read_dir(&path) {
            Ok(r) => r,
            Err(e) => {
                self.problem(ProblemKind::NotRead, dir, None, format!("cannot list: {e}"));
                return None;
            }
        };
        let mut entries = Vec::new();
        for item in read {
            let Ok(item) = item else { continue };
            let Ok(name) = item.file_name().into_string() else {
                let shown = item.file_name().to_string_lossy().into_owned();
                self.problem(
                    ProblemKind::NotRead,
                    &join(dir, &shown),
                    None,
                    "not rendered: the name is not UTF-8".to_string(),
                );
                continue;
            };
            let repo_path = join(dir, &name);
            let Ok(kind) = item.file_type() else { continue };
            if kind.is_symlink() && std::fs::metadata(item.path()).is_ok_and(|m| m.is_dir()) {
                self.problem(
                    ProblemKind::NotRead,
                    &repo_path,
                    None,
                    "not followed: a link to a folder".to_string(),
                );
                continue;
            }
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                self.problem(
                    ProblemKind::NotRead,
                    dir,
                    None,
                    format!("not rendered: more than {MAX_ENTRIES} entries"),
                );
                return Some(entries);
            }
            entries.push(Entry {
                name,
                repo_path,
                is_dir: kind.is_dir(),
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Some(entries)
    }

    /// Every file under the repository folder `dir`, as paths relative to `dir`, sorted.
    pub fn files_under(&mut self, dir: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![(String::new(), 0usize)];
        while let Some((rel, depth)) = stack.pop() {
            let Some(entries) = self.list(&join(dir, &rel), depth) else {
                continue;
            };
            for e in entries {
                let child = join(&rel, &e.name);
                if e.is_dir {
                    stack.push((child, depth + 1));
                } else {
                    found.push(child);
                }
            }
        }
        found.sort();
        found
    }

    /// The bytes of the repository file `path`; `None` (with a note) when it is not read.
    pub fn read(&mut self, path: &str) -> Option<Vec<u8>> {
        match fsread::read(Path::new(path), Scope::Root(&self.repo_root), MAX_FILE_SIZE) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.problem(ProblemKind::NotRead, path, None, e.diagnostic());
                None
            }
        }
    }

    /// Write `bytes` to `rel` (a rendered path, `/`-separated) under the output folder.
    /// A path that would leave the output folder is a render failure; empty components
    /// collapse as the engines' path joins do.
    pub fn write(&mut self, rel: &str, source: &str, bytes: &[u8]) -> Result<(), RenderError> {
        let mut parts = Vec::new();
        for part in rel.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    self.problem(
                        ProblemKind::RenderFailed,
                        source,
                        None,
                        format!("the file name renders to `{rel}`, which leads out of the project"),
                    );
                    return Ok(());
                }
                p if p.contains('\0') => {
                    self.problem(
                        ProblemKind::RenderFailed,
                        source,
                        None,
                        format!(
                            "the file name renders to `{}`, which holds a NUL",
                            rel.escape_debug()
                        ),
                    );
                    return Ok(());
                }
                p => parts.push(p),
            }
        }
        if parts.is_empty() {
            return Ok(());
        }
        if bytes.len() as u64 > MAX_OUTPUT_SIZE {
            self.problem(
                ProblemKind::NotRead,
                source,
                None,
                format!(
                    "not written: it renders to {} bytes, over the {MAX_OUTPUT_SIZE} byte limit",
                    bytes.len()
                ),
            );
            return Ok(());
        }
        let clean = parts.join("/");
        let target = self.out.join(&clean);
        if let Some(parent) = target.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            self.problem(
                ProblemKind::RenderFailed,
                source,
                None,
                format!("cannot create the folder of `{clean}`: {e}"),
            );
            return Ok(());
        }
        if target.is_dir() {
            self.problem(
                ProblemKind::RenderFailed,
                source,
                None,
                format!("`{clean}` is rendered both as a file and as a folder"),
            );
            return Ok(());
        }
        std::fs::write(&target, bytes).map_err(|e| RenderError::Write {
            path: target.clone(),
            source: e,
        })?;
        copy_mode(&self.repo_root.join(source), &target);
        self.files.insert(clean, source.to_string());
        Ok(())
    }
}

/// Give `target` the executable bits of `source` (the engines copy the mode).
fn copy_mode(source: &Path, target: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(source) {
            let exec = meta.permissions().mode() & 0o111;
            if exec != 0
                && let Ok(t) = std::fs::metadata(target)
            {
                let mut p = t.permissions();
                p.set_mode(p.mode() | exec);
                let _ = std::fs::set_permissions(target, p);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (source, target);
}

/// Whether `bytes` are copied rather than rendered: a NUL near the start or not UTF-8.
pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    memchr::memchr(0, head).is_some() || std::str::from_utf8(bytes).is_err()
}

/// Python's `fnmatch.fnmatch` on POSIX: `*` and `?` match `/` too, `[...]` is a class.
pub(crate) fn fnmatch(name: &str, pattern: &str) -> bool {
    let re = fnmatch_regex(pattern);
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(name))
}

fn fnmatch_regex(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("(?s)^");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    re.push_str("\\[");
                } else {
                    let mut class: String = chars[i..j].iter().collect();
                    class = class.replace('\\', "\\\\");
                    if let Some(rest) = class.strip_prefix('!') {
                        class = format!("^{rest}");
                    }
                    re.push('[');
                    re.push_str(&class);
                    re.push(']');
                    i = j + 1;
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_is_pythons() {
        assert!(fnmatch("docs/logo.png", "*.png"));
        assert!(fnmatch(".github/workflows/ci.yml", ".github/workflows/*"));
        assert!(fnmatch("a/b/c.yml", "a/*.yml"));
        assert!(!fnmatch("ci.yml", ".github/*"));
        assert!(fnmatch("x.pyc", "*.py[co]"));
        assert!(!fnmatch("x.pyd", "*.py[co]"));
        assert!(fnmatch("x.pyd", "*.py[!co]"));
        assert!(fnmatch("[", "["));
    }

    #[test]
    fn binary_sniff() {
        assert!(is_binary(b"\x89PNG\r\n\x1a\n\0\0"));
        assert!(is_binary(&[0xff, 0xfe, b'a']));
        assert!(!is_binary("caf\u{e9}\n".as_bytes()));
    }
}
