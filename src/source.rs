//! A file's text with a line table, for turning byte offsets into lines and columns.
//!
//! One line-break definition everywhere: `\n`, `\r\n` and a lone `\r` each end a line
//! (as editors, GitHub and the YAML parser count them).

use std::sync::{Arc, Mutex, OnceLock};

use crate::util::floor_char_boundary;

/// A text file of the scanned repository, read once.
#[derive(Debug)]
pub struct SourceFile {
    path: String,
    text: String,
    /// Byte offset of the start of every line, built on first use: most files of a scan
    /// never need a line number.
    line_starts: OnceLock<Vec<usize>>,
    /// The trimmed text of the last line a finding was keyed on, shared by every finding
    /// on that line: many findings on one long line hold one copy of it, not one each.
    last_key: Mutex<Option<(u32, Arc<str>)>>,
    /// The last offset turned into a column, and its line and column: columns of many
    /// findings on one long line are counted on from there, not each from the line start.
    last_col: Mutex<Option<(usize, u32, u32)>>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: String) -> Self {
        SourceFile {
            path: path.into(),
            text,
            line_starts: OnceLock::new(),
            last_key: Mutex::new(None),
            last_col: Mutex::new(None),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts
            .get_or_init(|| line_starts(self.text.as_bytes()))
    }

    /// Repository-relative path with `/` separators.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Lines with their 1-based numbers and byte offsets, without line terminators.
    pub fn lines(&self) -> impl Iterator<Item = (u32, usize, &str)> {
        (1..=self.line_starts().len() as u32).map(move |n| {
            let r = self.line_range(n);
            (n, r.start, &self.text[r])
        })
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        self.line_starts().partition_point(|&s| s <= offset) as u32
    }

    /// Byte range of a 1-based line, without its `\n` or `\r\n`.
    pub fn line_range(&self, line: u32) -> std::ops::Range<usize> {
        let i = (line.max(1) - 1) as usize;
        let start = self
            .line_starts()
            .get(i)
            .copied()
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        let end = match self.line_starts().get(i + 1) {
            // The line ends before its terminator: `\r\n`, `\n` or `\r`.
            Some(&next) if next >= 2 && bytes[next - 1] == b'\n' && bytes[next - 2] == b'\r' => {
                next - 2
            }
            Some(&next) => next - 1,
            None => self.text.len(),
        };
        start..end.max(start)
    }

    /// The trimmed text of a line, shared with every other finding keyed on the same line.
    pub(crate) fn line_key(&self, line: u32) -> Arc<str> {
        let mut last = self.last_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((n, key)) = &*last
            && *n == line
        {
            return key.clone();
        }
        let key: Arc<str> = Arc::from(self.text[self.line_range(line)].trim());
        *last = Some((line, key.clone()));
        key
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self.line_of(offset);
        let mut last = self.last_col.lock().unwrap_or_else(|p| p.into_inner());
        let (from, base) = match *last {
            Some((at, l, c)) if l == line && at <= offset => (at, c),
            _ => (self.line_starts()[(line - 1) as usize], 1),
        };
        let col = base + self.text[from..offset].chars().count() as u32;
        *last = Some((offset, line, col));
        (line, col)
    }

    /// Region of a byte range; an empty range still covers one column.
    pub fn region(&self, range: std::ops::Range<usize>) -> Region {
        let (start_line, start_col) = self.line_col(range.start);
        let (end_line, mut end_col) = self.line_col(range.end.max(range.start));
        if end_line == start_line && end_col <= start_col {
            end_col = start_col + 1;
        }
        Region {
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }
}

/// Start offsets of every line: after each `\n`, after each `\r` not followed by `\n`.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        starts.push(i + 1);
    }
    starts
}

/// A 1-based line/column region. Columns count Unicode scalar values; `end_col` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Region {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let f = SourceFile::new("a", "ab\r\nçd\n\nx".to_owned());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 1));
        // 'd' follows a two-byte character: column 2
        assert_eq!(f.line_col(6), (2, 2));
        assert_eq!(f.line_range(1), 0..2);
        assert_eq!(&f.text()[f.line_range(2)], "çd");
        assert_eq!(f.line_range(3), 8..8);
        assert_eq!(&f.text()[f.line_range(4)], "x");
        let lines: Vec<_> = f.lines().map(|(n, _, t)| (n, t)).collect();
        assert_eq!(lines, vec![(1, "ab"), (2, "çd"), (3, ""), (4, "x")]);
        let f2 = SourceFile::new("b", "a\rb\r\r\nc\r".to_owned());
        let lines: Vec<_> = f2.lines().collect();
        assert_eq!(
            lines,
            vec![
                (1, 0, "a"),
                (2, 2, "b"),
                (3, 4, ""),
                (4, 6, "c"),
                (5, 8, "")
            ]
        );
        assert_eq!(f2.line_col(6), (4, 1));
        let r = f.region(4..7);
        assert_eq!(
            (r.start_line, r.start_col, r.end_line, r.end_col),
            (2, 1, 2, 3)
        );
    }
}
