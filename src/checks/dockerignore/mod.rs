//! The `dockerignore` family: what each build context of the repository sends, judged with
//! Docker's own `.dockerignore` semantics ([`crate::dockerignore`]). One kind,
//! `docker-context`; each rule's `check` parameter names its logic. The contexts are found
//! and listed once per scan and shared by all the rules.

mod allowlist;
mod bulky;
mod ineffective;
mod missing;
mod risky_gap;
mod sensitive;

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use schemars::JsonSchema;

use super::{Built, Check, Declared, Kind};
use crate::dockerignore::context::{self, ListError, Listing, ignore_file_for, read_ignore_file};
use crate::dockerignore::discover::{BuildContext, Unknown, discover};
use crate::dockerignore::dockerfile::{CopySource, copy_sources};
use crate::dockerignore::{IgnoreFile, Pattern};
use crate::finding::{Finding, RuleIdx};
use crate::fsread::{self, Scope};
use crate::walk::Repo;

/// Kind `docker-context`: what a build context sends; `check` names the rule's logic.
pub const DOCKER_CONTEXT: Kind<Params> = Kind::new("docker-context", build);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Which {
    Missing,
    SensitiveInContext,
    RiskyGap,
    BulkyInContext,
    IneffectivePattern,
    AllowlistRecommended,
    ContextUnknown,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    check: Which,
    /// bulky-in-context: folder size that is reported.
    #[serde(default = "default_threshold")]
    threshold_mib: u64,
    /// allowlist-recommended: a context this large in files …
    #[serde(default = "default_min_files")]
    min_files: usize,
    /// … or in size is large.
    #[serde(default = "default_min_mib")]
    min_mib: u64,
    /// allowlist-recommended: at most this many COPY/ADD sources.
    #[serde(default = "default_max_sources")]
    max_sources: usize,
}

fn default_threshold() -> u64 {
    10
}
fn default_min_files() -> usize {
    500
}
fn default_min_mib() -> u64 {
    50
}
fn default_max_sources() -> usize {
    5
}

const MIB: u64 = 1024 * 1024;

fn build(inputs: Vec<Declared<'_, Params>>) -> Built {
    let rules = inputs.into_iter().map(|d| (d.idx, d.params)).collect();
    Ok(vec![Box::new(ContextChecks { rules })])
}

struct ContextChecks {
    rules: Vec<(RuleIdx, Params)>,
}

/// A context with everything the rules look at.
struct Analysed<'a> {
    ctx: &'a BuildContext,
    /// The ignore file, relative to the context, and its repository path.
    ignore: Option<(String, String, IgnoreFile)>,
    listing: Listing,
    sources: Vec<CopySource>,
}

impl Analysed<'_> {
    /// Where findings about the context point: the ignore file, else the Dockerfile.
    fn anchor(&self) -> &str {
        self.ignore
            .as_ref()
            .map_or(&self.ctx.dockerfile_path, |(_, repo_path, _)| repo_path)
    }

    fn ignore_name(&self) -> String {
        self.ignore.as_ref().map_or_else(
            || self.ctx.repo_path(".dockerignore"),
            |(_, p, _)| p.clone(),
        )
    }

    fn built_from(&self) -> String {
        let origin = self
            .ctx
            .origin
            .as_deref()
            .map_or(String::new(), |o| format!(", declared in `{o}`"));
        format!(
            "the build context `{}` of `{}`{origin}",
            self.ctx.shown(),
            self.ctx.dockerfile_path
        )
    }

    /// Explicit sources (not the whole context).
    fn explicit_sources(&self) -> Vec<&str> {
        self.sources
            .iter()
            .filter(|s| !s.path.is_empty())
            .map(|s| s.path.as_str())
            .collect()
    }

    fn copies_everything(&self) -> bool {
        self.sources.iter().any(|s| s.path.is_empty())
    }
}

impl ContextChecks {
    /// Every rule whose `check` is `which`: a pack may declare several (its own rule next
    /// to the built-in one), and each reports on its own.
    fn rules_using(&self, which: Which) -> impl Iterator<Item = RuleIdx> + '_ {
        self.rules
            .iter()
            .filter(move |(_, p)| p.check == which)
            .map(|(i, _)| *i)
    }
}

impl Check for ContextChecks {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let contexts = discover(repo);
        let mut read_ignore_files: BTreeSet<String> = BTreeSet::new();
        let mut pattern_checked: BTreeSet<String> = BTreeSet::new();
        for ctx in &contexts {
            if let Some(why) = ctx.unknown {
                for rule in self.rules_using(Which::ContextUnknown) {
                    out.push(context_unknown(rule, ctx, why));
                }
                continue;
            }
            // The context folder, unless a link takes it out of the repository.
            let root = match fsread::resolve(Path::new(&ctx.dir), Scope::Root(repo.root())) {
                Ok(r) => r,
                Err(e) => {
                    repo.diagnose(&ctx.repo_path(""), e.diagnostic());
                    continue;
                }
            };
            let ignore = match ignore_file_for(&root, &ctx.dockerfile) {
                Some(rel) => {
                    let repo_path = context::normalize_rel(&ctx.repo_path(&rel));
                    match read_ignore_file(repo.root(), &repo_path, repo.max_file_size()) {
                        Ok(f) => Some((rel, repo_path, f)),
                        Err(e) => {
                            repo.diagnose(&repo_path, e.diagnostic());
                            continue;
                        }
                    }
                }
                None => None,
            };
            if let Some((_, repo_path, file)) = &ignore {
                read_ignore_files.insert(repo_path.clone());
                if pattern_checked.insert(repo_path.clone()) {
                    for rule in self.rules_using(Which::IneffectivePattern) {
                        ineffective::check_patterns(rule, repo_path, file, out);
                    }
                }
                if !file.is_valid() {
                    // Docker refuses to build: nothing else can be judged.
                    continue;
                }
            }
            let listing =
                match context::list(&root, ignore.as_ref().map(|(rel, _, f)| (rel.as_str(), f))) {
                    Ok(l) => l,
                    Err(ListError::Match { source, .. }) => {
                        if let Some((_, repo_path, file)) = &ignore {
                            for rule in self.rules_using(Which::IneffectivePattern) {
                                ineffective::match_failed(rule, repo_path, file, &source, out);
                            }
                        }
                        continue;
                    }
                    Err(e) => {
                        repo.diagnose(
                            &ctx.repo_path(""),
                            format!("build context not checked: {e}"),
                        );
                        continue;
                    }
                };
            for d in &listing.diagnostics {
                repo.diagnose(&ctx.repo_path(&d.path), d.message.clone());
            }
            let sources = match repo.read_named(&ctx.dockerfile_path) {
                Ok(bytes) => copy_sources(&String::from_utf8_lossy(&bytes)),
                Err(e) => {
                    repo.diagnose(&ctx.dockerfile_path, e.diagnostic());
                    Vec::new()
                }
            };
            let a = Analysed {
                ctx,
                ignore,
                listing,
                sources,
            };
            for (rule, params) in &self.rules {
                match params.check {
                    Which::Missing => missing::missing(*rule, &a, out),
                    Which::SensitiveInContext => sensitive::sensitive(*rule, &a, out),
                    Which::RiskyGap => risky_gap::risky_gap(*rule, &a, out),
                    Which::BulkyInContext => bulky::bulky(*rule, params, &a, out),
                    Which::AllowlistRecommended => allowlist::allowlist(*rule, params, &a, out),
                    // Per ignore file, above and below; unknown contexts above.
                    Which::IneffectivePattern | Which::ContextUnknown => {}
                }
            }
        }
        for rule in self.rules_using(Which::IneffectivePattern) {
            ineffective::unread_ignore_files(rule, repo, &contexts, &read_ignore_files, out);
        }
    }
}

/// `dockerignore/context-unknown`: a Dockerfile named where its build cannot be read.
fn context_unknown(rule: RuleIdx, ctx: &BuildContext, why: Unknown) -> Finding {
    let origin = ctx.origin.as_deref().unwrap_or_default();
    let how = match why {
        Unknown::Variable => "with a context or Dockerfile given by a variable or template tag",
        Unknown::Unparsed => "in an entry that does not parse, even with its template tags blanked",
    };
    Finding::file(
        rule,
        &ctx.dockerfile_path,
        format!(
            "the build context of `{}` is not known: `{origin}` builds it {how}; no ignore file is checked for it",
            ctx.dockerfile_path
        ),
    )
    .with_fingerprint_key(origin.to_owned())
}

/// A path as an ignore-file line that matches it literally: wildcards and a leading `#` or
/// `!` escaped.
fn literal_line(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, c) in path.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') || (i == 0 && matches!(c, '#' | '!')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The exclusion that is the root-only form of `line` (`*.pem` for `**/*.pem`).
fn root_only_line<'f>(file: &'f IgnoreFile, line: &str) -> Option<&'f Pattern> {
    let root_form = line.strip_prefix("**/")?;
    file.patterns
        .iter()
        .rev()
        .find(|p| !p.exception && p.cleaned == root_form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_lines_match_only_their_path() {
        for (path, other) in [
            ("data[1]", "data1"),
            ("#notes", "notes"),
            ("!keep", "keep"),
            ("a*b/c", "axb/c"),
            ("q?", "qq"),
            ("plain/dir", "plain/dir2"),
        ] {
            let f = IgnoreFile::parse(literal_line(path).as_bytes());
            assert_eq!(f.excluded(path), Ok(true), "{path}");
            assert_eq!(f.excluded(other), Ok(false), "{path} vs {other}");
        }
    }
}
