//! The pipeline: walk → per-file checks (parallel, while the walk runs) → what needs the
//! whole listing (repository checks; files of checks that look at other files) → sorted,
//! fingerprinted findings.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

mod render;

use crate::checks::{self, Check};
use crate::error::ConfigError;
use crate::finding::{Finding, Fnv, SecretMarks, Severity, fnv1a64};
use crate::rules::RuleSet;
use crate::util::clip_message;
use crate::walk::{Diagnostic, FileEntry, Repo, RootError, WalkOptions, Walked, Walker};

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
    let walker = match Walker::new(root, walk) {
        Ok(w) => w,
        Err(e) => {
            // A configuration error is reported before a bad root.
            checks::build(rules, |r| r.enabled())?;
            return Err(e.into());
        }
    };
    let (repo, mut findings) = if walk.threads == 1 {
        scan_serial(&walker, rules)?
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(walk.threads)
            .build()?;
        scan_pipelined(&walker, rules, &pool)?
    };
    if walk.render_templates {
        render::add_rendered(&repo, rules, walk, &mut findings);
    }
    Ok(conclude(root, rules, &repo, findings))
}

/// Findings of one file (in the order of the checks), or of one repository-level check;
/// sorted by key, they come in the order a serial scan makes them.
type Batch = (Source, Vec<Finding>);

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    /// A file, by path.
    File(String),
    /// The repository-level part of the n-th check, after every file.
    Repo(usize),
}

/// Walk, then check every file in path order, then the repository: one thread.
fn scan_serial(walker: &Walker, rules: &RuleSet) -> Result<(Repo, Vec<Finding>), ScanError> {
    let checks = checks::build(rules, |r| r.enabled())?;
    let repo = walker.walk(read_limit(&checks));
    let mut findings = Vec::new();
    for entry in repo.files() {
        check_file(&wanting(&checks, entry), &repo, entry, &mut findings);
    }
    for c in &checks {
        c.check_repo(&repo, &mut findings);
    }
    Ok((repo, findings))
}

/// Walk and check at once, as ripgrep searches: every thread of the walk checks the files
/// it finds (the checks are compiled while the walk starts: the secret detectors' regexes).
/// What needs the whole listing waits for the end of the walk: the files a check wants
/// that looks at other files ([`Check::needs_listing`]), and the repository-level checks.
/// The findings are put in the order a serial scan makes them.
fn scan_pipelined(
    walker: &Walker,
    rules: &RuleSet,
    pool: &rayon::ThreadPool,
) -> Result<(Repo, Vec<Finding>), ScanError> {
    let build = || match checks::build(rules, |r| r.enabled()) {
        Ok(checks) => {
            let repo = walker.repo(read_limit(&checks));
            Ready::Checks(checks, repo)
        }
        Err(e) => Ready::Failed(e),
    };
    let ready: OnceLock<Ready> = OnceLock::new();
    let found = Mutex::new(Found::default());
    pool.install(|| {
        rayon::join(
            || ready.get_or_init(build),
            || walker.run(|| Visitor::start(&ready, &build, &found)),
        )
    });
    // Built by now: `rayon::join` returns once both sides are done.
    let (checks, repo) = match ready.into_inner().unwrap_or_else(build) {
        Ready::Checks(checks, repo) => (checks, repo),
        Ready::Failed(e) => return Err(e.into()),
    };
    let found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    for d in found.diagnostics {
        repo.push_diagnostic(d);
    }
    repo.set_files(found.files);
    let mut batches = found.batches;
    batches.extend(pool.install(|| after_walk(&checks, &repo, &found.deferred)));
    batches.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let findings = batches.into_iter().flat_map(|(_, f)| f).collect();
    Ok((repo, findings))
}

/// The checks, once built, and the repository they read from.
enum Ready {
    Checks(Vec<Box<dyn Check>>, Repo),
    Failed(ConfigError),
}

/// What the threads of the walk found and checked.
#[derive(Default)]
struct Found {
    /// The listing, in no order.
    files: Vec<FileEntry>,
    /// Files a check that needs the listing wants: checked after the walk.
    deferred: Vec<FileEntry>,
    diagnostics: Vec<Diagnostic>,
    batches: Vec<Batch>,
}

/// One thread of the walk: checks each file it finds that no check needing the listing
/// wants; adds its part to the shared [`Found`] when its thread is done.
struct Visitor<'a, B> {
    ready: &'a OnceLock<Ready>,
    build: &'a B,
    shared: &'a Mutex<Found>,
    mine: Found,
}

impl<'a, B: Fn() -> Ready + Sync> Visitor<'a, B> {
    /// The visitor of one thread of the walk.
    fn start(
        ready: &'a OnceLock<Ready>,
        build: &'a B,
        shared: &'a Mutex<Found>,
    ) -> impl FnMut(Walked) -> bool + Send + 'a {
        let mut v = Visitor {
            ready,
            build,
            shared,
            mine: Found::default(),
        };
        move |w| v.found(w)
    }

    fn found(&mut self, w: Walked) -> bool {
        let entry = match w {
            Walked::File(entry) => entry,
            Walked::Diag(d) => {
                self.mine.diagnostics.push(d);
                return true;
            }
        };
        // The first files wait for the checks (or build them, if the pool has not begun).
        match self.ready.get_or_init(self.build) {
            Ready::Failed(_) => return false,
            Ready::Checks(checks, repo) => self.check(checks, repo, &entry),
        }
        self.mine.files.push(entry);
        true
    }

    fn check(&mut self, checks: &[Box<dyn Check>], repo: &Repo, entry: &FileEntry) {
        let wanting = wanting(checks, entry);
        if wanting.iter().any(|c| c.needs_listing()) {
            self.mine.deferred.push(entry.clone());
        } else {
            self.mine.batches.extend(batch(&wanting, repo, entry));
        }
    }
}

impl<B> Drop for Visitor<'_, B> {
    fn drop(&mut self) {
        let mine = std::mem::take(&mut self.mine);
        let mut all = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        all.files.extend(mine.files);
        all.deferred.extend(mine.deferred);
        all.diagnostics.extend(mine.diagnostics);
        all.batches.extend(mine.batches);
    }
}

/// What waits for the end of the walk: the files the walk deferred (a check that wants
/// them needs the listing), and the repository-level checks.
fn after_walk(checks: &[Box<dyn Check>], repo: &Repo, deferred: &[FileEntry]) -> Vec<Batch> {
    let (mut files, repo_level): (Vec<Batch>, Vec<Batch>) = rayon::join(
        || {
            deferred
                .par_iter()
                .filter_map(|entry| batch(&wanting(checks, entry), repo, entry))
                .collect()
        },
        || {
            checks
                .par_iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let mut out = Vec::new();
                    c.check_repo(repo, &mut out);
                    (!out.is_empty()).then_some((Source::Repo(i), out))
                })
                .collect()
        },
    );
    files.extend(repo_level);
    files
}

/// The findings of the checks `wanting` on `entry`, if any.
fn batch(wanting: &[&dyn Check], repo: &Repo, entry: &FileEntry) -> Option<Batch> {
    let mut out = Vec::new();
    check_file(wanting, repo, entry, &mut out);
    (!out.is_empty()).then(|| (Source::File(entry.path.clone()), out))
}

/// The checks that want `entry`, in order.
fn wanting<'c>(checks: &'c [Box<dyn Check>], entry: &FileEntry) -> Vec<&'c dyn Check> {
    checks
        .iter()
        .map(|c| c.as_ref())
        .filter(|c| c.wants_file(entry))
        .collect()
}

/// Read `entry` once (when a check wants it) and hand it to each check.
fn check_file(wanting: &[&dyn Check], repo: &Repo, entry: &FileEntry, out: &mut Vec<Finding>) {
    if !wanting.is_empty()
        && let Some(file) = repo.read_for_scan(entry)
    {
        for c in wanting {
            c.check_file(&file, repo, out);
        }
    }
}

fn read_limit(checks: &[Box<dyn Check>]) -> Option<u64> {
    checks.iter().filter_map(|c| c.read_limit()).max()
}

/// Suppressions, secrets hidden, severities, order and fingerprints.
fn conclude(root: &Path, rules: &RuleSet, repo: &Repo, mut findings: Vec<Finding>) -> Outcome {
    // A secret is hidden in every finding of its file, including the findings of secrets
    // a suppression drops and the warnings about those suppressions.
    let secrets = SecretMarks::take(&mut findings);
    crate::suppress::apply(rules, repo, &mut findings);
    secrets.hide(&mut findings);

    finish(rules, &mut findings);
    Outcome {
        root: crate::util::display_path(root),
        files_scanned: repo.files().len(),
        findings,
        diagnostics: repo.take_diagnostics(),
        anchor: anchor(repo),
        baselined: false,
    }
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
