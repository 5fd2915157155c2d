//! Shell and PowerShell commands — in scripts, workflow `run:` blocks, GitLab `script:`
//! items and Dockerfile `RUN` instructions: remote code piped to a shell, downloads that
//! are executed without a checksum ([`remote`]), and package installs without an exact
//! version ([`installer`], one module per family of package managers).
//!
//! Only code is checked: quoted text ([`quote`]) such as an `echo "curl … | sh"` hint is
//! an argument, a string handed to a shell (`sh -c "…"`) is a command line of its own
//! ([`nested`]), and a heredoc body is code, text, or a file that is code once run
//! ([`heredoc`]).

mod cargo;
mod gem;
mod go;
mod heredoc;
mod installer;
pub(super) mod lex;
mod nested;
mod npm;
mod nuget;
mod os_packages;
mod pip;
mod quote;
mod remote;

use std::collections::HashMap;
use std::ops::Range;

use super::{Cx, Detect, project_dirs};
use crate::static_regex;
use crate::util::{join_path, parent_dir};

pub(crate) use pip::pip_pinned;

static_regex!(
    /// An exact version: `1.2.3`, `v1.2.3-rc.1`.
    pub(crate) EXACT_SEMVER = r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$"
);

/// Check the commands in `range` of the file.
pub(crate) fn check(cx: &mut Cx<'_>, range: Range<usize>) {
    Session::default().run(cx, range);
}

/// Commands that run one after the other in several pieces of a file (the `RUN`s of a
/// Dockerfile, the steps of a job): a download in one piece that a later piece executes is
/// still found, and so is a script written by a heredoc and run later.
#[derive(Default)]
pub(crate) struct Session {
    downloads: remote::Downloads,
    lines: usize,
    /// The lines of heredocs written to a file, by the file's path: code only when a
    /// later command runs the file.
    written: HashMap<String, Vec<lex::Logical>>,
}

impl Session {
    pub(crate) fn run(&mut self, cx: &mut Cx<'_>, range: Range<usize>) {
        let text = cx.file.text();
        let range = range.start.min(text.len())..range.end.min(text.len());
        let range = quote::unwrap_quoted(text, range);
        let lines = lex::logical_lines(text, range);
        let mut bodies: HashMap<usize, heredoc::Body> = HashMap::new();
        for line in &lines {
            let body = match line.heredoc_of {
                None => heredoc::Body::Code,
                Some(o) => bodies
                    .entry(o)
                    .or_insert_with(|| lines.get(o).map_or(heredoc::Body::Code, heredoc::body))
                    .clone(),
            };
            match body {
                heredoc::Body::Code => self.line(cx, line),
                heredoc::Body::Text => {}
                heredoc::Body::Written(path) => {
                    let key = path.strip_prefix("./").unwrap_or(&path).to_owned();
                    self.written.entry(key).or_default().push(line.clone());
                }
            }
        }
    }

    /// Check one line of code, the strings it hands to a shell, then the scripts it runs
    /// that a heredoc wrote.
    fn line(&mut self, cx: &mut Cx<'_>, line: &lex::Logical) {
        self.nested_line(cx, line, 0);
    }

    fn nested_line(&mut self, cx: &mut Cx<'_>, line: &lex::Logical, depth: usize) {
        let idx = self.lines;
        self.lines += 1;
        if cx.enabled(Detect::RemoteScript) {
            self.downloads.check(cx, line, idx);
        }
        let mut kinds = None;
        for seg in lex::segments(&line.text) {
            installer::installs(cx, line, seg.clone());
            // `sh -c "…"` inside `sh -c '…'` and so on, a few levels deep.
            if depth < 4 {
                for inner in nested::handed_strings(&line.text, seg) {
                    let kinds = kinds.get_or_insert_with(|| lex::classify(&line.text));
                    let text = nested::inside(&line.text, kinds, inner.clone());
                    let part = line.part(inner, text);
                    self.nested_line(cx, &part, depth + 1);
                }
            }
        }
        if self.written.is_empty() {
            return;
        }
        for path in remote::run_paths(&line.text) {
            let key = path.strip_prefix("./").unwrap_or(&path);
            if let Some(body) = self.written.remove(key) {
                for l in &body {
                    self.line(cx, l);
                }
            }
        }
    }
}

/// The nearest file called `name` in the folder of the file or a folder above it.
/// Only within the file's project (see [`project_dirs`]).
pub(super) fn nearest(cx: &Cx<'_>, name: &str) -> Option<crate::source::SourceFile> {
    let entry = project_dirs(parent_dir(cx.file.path()))
        .into_iter()
        .find_map(|dir| cx.repo.file(&join_path(dir, name)))?;
    cx.repo.read_for_scan(entry)
}
