//! `dockerignore/missing`: a build context without an ignore file.

use super::Analysed;
use crate::finding::{Finding, RuleIdx};
use crate::util::{human_bytes, plural};

pub(super) fn missing(rule: RuleIdx, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    if a.ignore.is_some() {
        return;
    }
    let sensitive = a.listing.sensitive();
    let detail = match sensitive.first() {
        Some(f) => format!(", including `{}`", a.ctx.repo_path(&f.path)),
        None => String::new(),
    };
    out.push(
        Finding::file(
            rule,
            &a.ctx.dockerfile_path,
            format!(
                "no `.dockerignore` for {}: everything is sent to the builder ({}, {}){detail}; add `{}` with at least `.git`, `.env`, `.env.*`, `**/*.pem`, `**/*.key`",
                a.built_from(),
                plural(a.listing.files.len(), "file"),
                human_bytes(a.listing.bytes()),
                a.ctx.repo_path(".dockerignore"),
            ),
        )
        .with_fingerprint_key(a.ctx.shown()),
    );
}
