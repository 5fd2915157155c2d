//! Shell and PowerShell commands — in scripts, workflow `run:` blocks, GitLab `script:`
//! items and Dockerfile `RUN` instructions: remote code piped to a shell, downloads that
//! are executed without a checksum ([`remote`]), and package installs without an exact
//! version ([`installer`], one module per family of package managers).

mod cargo;
mod gem;
mod go;
mod installer;
mod lex;
mod npm;
mod nuget;
mod os_packages;
mod pip;
mod remote;

use std::ops::Range;

use super::{Cx, Detect};
use crate::static_regex;

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
/// still found.
#[derive(Default)]
pub(crate) struct Session {
    downloads: remote::Downloads,
    lines: usize,
}

impl Session {
    pub(crate) fn run(&mut self, cx: &mut Cx<'_>, range: Range<usize>) {
        let text = cx.file.text();
        let range = range.start.min(text.len())..range.end.min(text.len());
        let lines = lex::logical_lines(text, range);
        let pipes = cx.enabled(Detect::RemoteScript);
        for line in &lines {
            let idx = self.lines;
            self.lines += 1;
            if pipes {
                self.downloads.check(cx, line, idx);
            }
            for seg in lex::segments(&line.text) {
                installer::installs(cx, line, seg);
            }
        }
    }
}
