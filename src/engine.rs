//! The pipeline: walk → per-file checks (parallel) → repository checks → sorted,
//! fingerprinted findings.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::checks::{self, Check};
use crate::error::ConfigError;
use crate::finding::{Finding, Fnv, SecretMarks, Severity, clip_message, fnv1a64};
use crate::rules::RuleSet;
use crate::walk::{Diagnostic, FileEntry, Repo, RootError, WalkOptions};

/// The result of scanning one repository.
#[derive(Debug)]
pub struct Outcome {
    /// The scanned path as given, with `/` separators.
    pub root: String,
    pub files_scanned: usize,
    /// Sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    /// An existing file that repository-level findings can be anchored to where a report
    /// format needs a file (SARIF, Check Run annotations): the configuration file, else a
    /// root README, else the first file.
    pub anchor: Option<String>,
    /// Whether a baseline was applied (findings it accepts are `suppressed`).
    pub baselined: bool,
}

impl Outcome {
    /// Findings that count: not suppressed by a baseline.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.suppressed)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.active().filter(|f| f.severity == severity).count()
    }

    /// Whether the findings fail the run: any error; any warning too when `strict`.
    pub fn fails(&self, strict: bool) -> bool {
        self.active().any(|f| f.severity.fails(strict))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Root(#[from] RootError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// Scan `root` with the enabled rules of `rules`. `threads == 0` uses every core.
///
/// With `threads == 1` everything runs on the calling thread and no pool is made: that is
/// what `audit` uses inside its own workers, so that a worker waiting for a scan never
/// picks up another repository.
pub fn scan(root: &Path, rules: &RuleSet, walk: &WalkOptions) -> Result<Outcome, ScanError> {
    if walk.threads == 1 {
        return scan_with(root, rules, walk, false);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(walk.threads)
        .build()?;
    pool.install(|| scan_with(root, rules, walk, true))
}

fn scan_with(
    root: &Path,
    rules: &RuleSet,
    walk: &WalkOptions,
    parallel: bool,
) -> Result<Outcome, ScanError> {
    // Compiling the rules (the secret detectors' regexes) and walking the tree are
    // independent: do both at once.
    let (checks, repo) = if parallel {
        rayon::join(
            || checks::build(rules, |r| r.enabled()),
            || Repo::walk(root, walk),
        )
    } else {
        (
            checks::build(rules, |r| r.enabled()),
            Repo::walk(root, walk),
        )
    };
    let (checks, mut repo) = (checks?, repo?);
    if let Some(limit) = checks.iter().filter_map(|c| c.read_limit()).max() {
        repo.raise_read_limit(limit);
    }

    let per_file = |out: &mut Vec<Finding>, entry: &FileEntry| {
        let wanting: Vec<&dyn Check> = checks
            .iter()
            .map(|c| c.as_ref())
            .filter(|c| c.wants_file(entry))
            .collect();
        if !wanting.is_empty()
            && let Some(file) = repo.read_for_scan(entry)
        {
            for c in wanting {
                c.check_file(&file, &repo, out);
            }
        }
    };
    let per_repo = |out: &mut Vec<Finding>, check: &dyn Check| check.check_repo(&repo, out);

    let mut findings: Vec<Finding> = Vec::new();
    if parallel {
        findings = repo
            .files()
            .par_iter()
            .fold(Vec::new, |mut out, entry| {
                per_file(&mut out, entry);
                out
            })
            .flatten()
            .collect();
        let repo_findings: Vec<Finding> = checks
            .par_iter()
            .flat_map_iter(|c| {
                let mut out = Vec::new();
                per_repo(&mut out, c.as_ref());
                out
            })
            .collect();
        findings.extend(repo_findings);
    } else {
        for entry in repo.files() {
            per_file(&mut findings, entry);
        }
        for c in &checks {
            per_repo(&mut findings, c.as_ref());
        }
    }
    // A secret is hidden in every finding of its file, including the findings of secrets
    // a suppression drops and the warnings about those suppressions.
    let secrets = SecretMarks::take(&mut findings);
    crate::suppress::apply(rules, &repo, &mut findings);
    secrets.hide(&mut findings);

    finish(rules, &mut findings);
    Ok(Outcome {
        root: display_root(root),
        files_scanned: repo.files().len(),
        findings,
        diagnostics: repo.take_diagnostics(),
        anchor: anchor(&repo),
        baselined: false,
    })
}

fn anchor(repo: &Repo) -> Option<String> {
    let root_files = || repo.files_in("");
    root_files()
        .find(|f| f.path == crate::config::FILE_NAME)
        .or_else(|| root_files().find(|f| f.path.to_ascii_lowercase().starts_with("readme")))
        .or_else(|| repo.files().first())
        .map(|f| f.path.clone())
}

/// Sort by path (repository-level first), line, column, rule id, message.
pub fn sort_findings(rules: &RuleSet, findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.position()
            .cmp(&b.position())
            .then_with(|| rules[a.rule].id.cmp(&rules[b.rule].id))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// Apply severities, sort, and fingerprint.
fn finish(rules: &RuleSet, findings: &mut Vec<Finding>) {
    findings.retain(|f| rules[f.rule].enabled());
    for f in findings.iter_mut() {
        // After the secrets are hidden: a clipped message never shows part of one.
        clip_message(&mut f.message);
        let rule = &rules[f.rule];
        if rule.severity_configured || !f.severity_from_check {
            f.severity = rule.severity.unwrap_or(rule.default_severity);
        }
    }
    sort_findings(rules, findings);
    // The n-th finding with the same rule, path and key gets occurrence n, so identical
    // lines stay distinct while unrelated lines moving change nothing. A key is often a
    // long line shared by many findings: its text is hashed once per copy, and the hash
    // of rule, path and key once per group.
    let mut key_hash: HashMap<(usize, usize), u64> = HashMap::new();
    let mut seen: HashMap<(u32, Option<&str>, u64), (u32, Fnv)> = HashMap::new();
    let mut fingerprints = Vec::with_capacity(findings.len());
    for f in findings.iter() {
        let key = &f.fingerprint_key;
        let content = *key_hash
            .entry((key.as_ptr() as usize, key.len()))
            .or_insert_with(|| fnv1a64(&[key]));
        let (n, prefix) = seen
            .entry((f.rule.0, f.location.path.as_deref(), content))
            .or_insert_with(|| {
                let mut h = Fnv::default();
                h.part(&rules[f.rule].id)
                    .part(f.location.path.as_deref().unwrap_or(""))
                    .part(key);
                (0, h)
            });
        let mut h = *prefix;
        h.part(&n.to_string());
        *n += 1;
        fingerprints.push(format!("{:016x}", h.0));
    }
    for (f, fp) in findings.iter_mut().zip(fingerprints) {
        f.fingerprint = fp;
    }
}

fn display_root(root: &Path) -> String {
    let s = root.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".to_owned() } else { s }
}
