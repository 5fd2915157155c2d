//! Small helpers shared by every stage: built-in regexes, counts and sizes in words, and
//! what a commit SHA looks like.

use regex::Regex;

/// Declare a `static` regex compiled on first use from a built-in pattern:
/// `static_regex!(URL = r"https?://\S+");` (attributes and visibility may precede the name).
#[macro_export]
macro_rules! static_regex {
    ($(#[$meta:meta])* $vis:vis $name:ident = $pattern:expr $(;)?) => {
        $(#[$meta])*
        $vis static $name: ::std::sync::LazyLock<::regex::Regex> =
            ::std::sync::LazyLock::new(|| $crate::util::built_in_regex($pattern));
    };
}

/// Compile a pattern written in this program's source. Every such pattern is compiled by
/// the test suite, so a failure here is a bug in the tool, never in the user's input.
pub fn built_in_regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid built-in pattern {pattern}: {e}"))
}

/// A full commit SHA: 40 hex digits (SHA-1) or 64 (a SHA-256 repository).
pub fn is_commit_sha(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1.5 MiB`, `320 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// The most bytes of a finding's message: a message quoting a megabyte-long token keeps
/// its beginning and its end.
pub const MAX_MESSAGE: usize = 1024;
const MESSAGE_HEAD: usize = 640;
const MESSAGE_TAIL: usize = 360;

/// `message` (of a finding or an error) with its middle replaced by `…` when it is longer
/// than [`MAX_MESSAGE`] bytes, cut on character boundaries.
pub fn clip_message(message: &mut String) {
    if message.len() <= MAX_MESSAGE {
        return;
    }
    let head = floor_char_boundary(message, MESSAGE_HEAD);
    let tail = ceil_char_boundary(message, message.len() - MESSAGE_TAIL);
    message.replace_range(head..tail, "…");
}

/// The nearest character boundary at or before `i` (at most the end of `s`).
pub fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The nearest character boundary at or after `i` (at most the end of `s`).
pub fn ceil_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// A path as reports show it: `/` between components, `.` for the empty path.
pub fn display_path(path: &std::path::Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".to_owned() } else { s }
}

/// The folder of a repository-relative path: `""` for a file at the root.
pub fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir/name`, or `name` when `dir` is the root (`""`).
pub fn join_path(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The folders from the one holding `path` up to the root: `a/b/f` → `a/b`, `a`, `""`.
pub fn ancestor_dirs(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(parent_dir(path)), |d| {
        (!d.is_empty()).then(|| parent_dir(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_shas() {
        assert!(is_commit_sha("0123456789abcdef0123456789abcdef01234567"));
        assert!(is_commit_sha(&"a".repeat(64)));
        assert!(!is_commit_sha("v4"));
        assert!(!is_commit_sha(&"a".repeat(41)));
        assert!(!is_commit_sha(&"g".repeat(40)));
    }

    #[test]
    fn repository_paths() {
        assert_eq!(parent_dir("a/b/f"), "a/b");
        assert_eq!(parent_dir("f"), "");
        assert_eq!(join_path("", "f"), "f");
        assert_eq!(join_path("a", "f"), "a/f");
        assert_eq!(ancestor_dirs("a/b/f").collect::<Vec<_>>(), ["a/b", "a", ""]);
        assert_eq!(ancestor_dirs("f").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn words() {
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(2, "error"), "2 errors");
        assert_eq!(human_bytes(320), "320 B");
        assert_eq!(human_bytes(1536 * 1024), "1.5 MiB");
    }
}
