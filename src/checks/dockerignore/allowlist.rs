//! `dockerignore/allowlist-recommended`: a large context whose Dockerfile copies a few
//! paths is better served by `*` and exceptions.

use std::collections::BTreeSet;

use super::{Analysed, MIB, Params};
use crate::dockerignore::IgnoreFile;
use crate::finding::{Finding, RuleIdx};
use crate::util::{human_bytes, plural};

fn is_allowlist(file: &IgnoreFile) -> bool {
    file.patterns
        .iter()
        .any(|p| !p.exception && (p.cleaned == "*" || p.cleaned == "**"))
}

pub(super) fn allowlist(rule: RuleIdx, p: &Params, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    if a.ignore.as_ref().is_some_and(|(_, _, f)| is_allowlist(f)) || a.copies_everything() {
        return;
    }
    let files = a.listing.files.len();
    let bytes = a.listing.bytes();
    if files < p.min_files && bytes < p.min_mib.saturating_mul(MIB) {
        return;
    }
    let sources: BTreeSet<&str> = a.explicit_sources().into_iter().collect();
    if sources.is_empty() || sources.len() > p.max_sources {
        return;
    }
    let mut lines = vec!["*".to_owned()];
    lines.extend(sources.iter().map(|s| format!("!{s}")));
    out.push(
        Finding::file(
            rule,
            a.anchor(),
            format!(
                "{} sends {} ({}) but the Dockerfile copies only {}; use an allow-list in `{}`: {}",
                a.built_from(),
                plural(files, "file"),
                human_bytes(bytes),
                sources
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                a.ignore_name(),
                lines
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_fingerprint_key(a.ctx.shown()),
    );
}
