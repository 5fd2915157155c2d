//! `dockerignore/bulky-in-context`: large folders sent that no COPY or ADD names.

use std::collections::BTreeMap;

use super::{Analysed, MIB, Params, literal_line};
use crate::dockerignore::dockerfile::{holds, names_within};
use crate::finding::{Finding, RuleIdx};
use crate::util::{human_bytes, plural};

pub(super) fn bulky(rule: RuleIdx, p: &Params, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    let threshold = p.threshold_mib.saturating_mul(MIB);
    let mut sizes: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    for f in &a.listing.files {
        for (i, _) in f.path.match_indices('/') {
            let e = sizes.entry(&f.path[..i]).or_default();
            e.0 += f.bytes;
            e.1 += 1;
        }
    }
    let sources = a.explicit_sources();
    let mut done: Vec<&str> = Vec::new();
    for (dir, (bytes, count)) in &sizes {
        if *bytes < threshold || done.iter().any(|d| dir.starts_with(&format!("{d}/"))) {
            continue;
        }
        // Copied by name, or a folder holding it is: skip it and what is below.
        if sources.iter().any(|s| holds(s, dir)) {
            done.push(dir);
            continue;
        }
        // Something inside is copied by name: look deeper.
        if sources.iter().any(|s| names_within(s, dir)) {
            continue;
        }
        done.push(dir);
        let line = literal_line(dir);
        out.push(
            Finding::file(
                rule,
                a.anchor(),
                format!(
                    "`{}/` ({}, {}) is sent in {} but no COPY or ADD names it; add `{line}` to `{}` or copy what the image needs explicitly",
                    a.ctx.repo_path(dir),
                    human_bytes(*bytes),
                    plural(*count, "file"),
                    a.built_from(),
                    a.ignore_name()
                ),
            )
            .with_fingerprint_key(format!("{} {dir}", a.ctx.shown())),
        );
    }
}
