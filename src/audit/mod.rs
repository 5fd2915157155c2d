//! `audit`: many template repositories in one run — from a folder of checkouts, a manifest,
//! or a GitHub organisation — with the `verify` reports of each, a summary, and trends
//! against the previous run.
//!
//! Repositories are audited concurrently (`--jobs`), one at a time per worker: a worker
//! holds one repository (and, for GitHub, one extracted tarball that is removed right
//! after), so memory does not grow with the number of repositories. Each repository's
//! reports are written as soon as it is done; only its summary line is kept.

pub mod remote;
pub mod source;
pub mod summary;
pub mod tarball;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::engine::{self, ScanError};
use crate::error::ConfigError;
use crate::finding::Severity;
use crate::report::{self, Format, Report, sarif::SarifOptions};
use crate::settings::{self, ScanArgs, Settings};
use source::{Location, RepoSpec};
use summary::{Counts, RepoSummary, Summary, file_stem};

/// How to audit.
pub struct AuditOptions {
    pub out: PathBuf,
    pub previous: Option<PathBuf>,
    pub jobs: usize,
    /// Rules and walk of each repository (one walker thread each): `--config` is used for
    /// every repository, else each repository's own configuration.
    pub scan: ScanArgs,
}

/// Why an audit, or a merge, stops (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("--previous and --out are the same folder: write tonight's run elsewhere")]
    SameFolder,
    #[error("--previous `{}` holds no summary.json", .0.display())]
    NoPreviousSummary(PathBuf),
    /// `--dir` or `--manifest` cannot be read.
    #[error(transparent)]
    Source(#[from] source::SourceError),
    /// A shard's `summary.json` cannot be read.
    #[error(transparent)]
    Summary(#[from] summary::SummaryError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    #[error("`{name}` is in more than one shard (again in `{}`)", dir.display())]
    InTwoShards { name: String, dir: PathBuf },
    /// `action` is `create`, `write` or `copy`.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> AuditError {
    let path = path.to_owned();
    move |source| AuditError::Io {
        action,
        path,
        source,
    }
}

/// Why one repository is not audited (its row's `error`; the audit goes on).
#[derive(Debug, thiserror::Error)]
enum RepoError {
    #[error("no GitHub client for a GitHub repository")]
    NoClient,
    #[error(transparent)]
    Remote(#[from] remote::RemoteError),
    #[error("`{}` is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the scan failed: internal error ({0})")]
    Panic(String),
}

/// Progress on a terminal (a bar), plain log lines otherwise.
enum Progress {
    Bar(indicatif::ProgressBar),
    Lines {
        total: usize,
        done: std::sync::atomic::AtomicUsize,
    },
}

impl Progress {
    fn new(total: usize) -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
            ) {
                bar.set_style(style);
            }
            Progress::Bar(bar)
        } else {
            Progress::Lines {
                total,
                done: std::sync::atomic::AtomicUsize::new(0),
            }
        }
    }

    fn finished(&self, row: &RepoSummary) {
        let result = match &row.error {
            Some(e) => format!("not audited: {e}"),
            None => {
                let c = row.total();
                format!(
                    "{}: {}, {}, {}",
                    if row.passed { "passed" } else { "failed" },
                    crate::util::plural(c.error, "error"),
                    crate::util::plural(c.warning, "warning"),
                    crate::util::plural(c.note, "note")
                )
            }
        };
        match self {
            Progress::Bar(bar) => {
                bar.set_message(row.name.clone());
                bar.inc(1);
                if row.error.is_some() {
                    bar.println(format!("{}: {result}", row.name));
                }
            }
            Progress::Lines { total, done } => {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                eprintln!(
                    "[{n}/{total}] {}: {result} ({} ms)",
                    row.name, row.duration_ms
                );
            }
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Audit `specs`, writing `summary.json`, `summary.md` and `repos/` under `opts.out`.
pub fn run(
    specs: &[RepoSpec],
    opts: &AuditOptions,
    client: Option<&remote::Client>,
) -> Result<Summary, AuditError> {
    if let Some(previous) = &opts.previous {
        let same = match (previous.canonicalize(), opts.out.canonicalize()) {
            (Ok(p), Ok(o)) => p == o,
            _ => false,
        };
        if same {
            return Err(AuditError::SameFolder);
        }
        if !previous.join("summary.json").is_file() {
            return Err(AuditError::NoPreviousSummary(previous.clone()));
        }
    }
    let repos_dir = opts.out.join("repos");
    std::fs::create_dir_all(&repos_dir).map_err(io_error("create", &repos_dir))?;
    let shared_settings = match &opts.scan.rules.config {
        Some(_) => Some(settings::resolve(&opts.scan, None)?),
        None => None,
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()?;
    let progress = Progress::new(specs.len());
    let rows: Vec<RepoSummary> = pool.install(|| {
        specs
            .par_iter()
            .map(|spec| {
                let row = audit_one(spec, opts, client, shared_settings.as_ref());
                progress.finished(&row);
                row
            })
            .collect()
    });
    progress.finish();

    let summary = Summary::new(rows);
    write_file(&opts.out.join("summary.json"), &summary.to_json())?;
    write_file(&opts.out.join("summary.md"), &summary.to_markdown())?;
    Ok(summary)
}

fn write_file(path: &Path, text: &str) -> Result<(), AuditError> {
    std::fs::write(path, text).map_err(io_error("write", path))
}

/// Fingerprints of the failing-or-not findings a previous run reported for a repository.
fn previous_fingerprints(previous: &Path, stem: &str) -> HashSet<String> {
    let path = previous.join("repos").join(format!("{stem}.json"));
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashSet::new();
    };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashSet::new();
    };
    doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["suppressed"] != serde_json::Value::Bool(true))
        .filter_map(|f| f["fingerprint"].as_str().map(str::to_owned))
        .collect()
}

fn audit_one(
    spec: &RepoSpec,
    opts: &AuditOptions,
    client: Option<&remote::Client>,
    shared: Option<&Settings>,
) -> RepoSummary {
    let started = Instant::now();
    let mut row = RepoSummary {
        name: spec.name.clone(),
        source: spec.source(),
        git_ref: spec.git_ref.clone(),
        sha: None,
        counts: Default::default(),
        passed: false,
        new: 0,
        fixed: 0,
        new_failing: 0,
        duration_ms: 0,
        error: None,
        templates: Vec::new(),
    };
    match contained(|| scan_one(spec, opts, client, shared)) {
        Ok(result) => {
            row.sha = result.sha;
            row.passed = result.passed;
            row.templates = result.templates;
            let previous = opts
                .previous
                .as_deref()
                .map(|p| previous_fingerprints(p, &file_stem(&spec.name)));
            tally(&mut row, &result.findings, previous.as_ref());
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row.duration_ms = started.elapsed().as_millis() as u64;
    row
}

/// `scan`, with a panic as its error: a panic in one repository's scan is that
/// repository's error, not the end of the audit, and what the scan owned (an extracted
/// tarball's temporary folder) is dropped, and removed, as the panic unwinds.
fn contained<T>(scan: impl FnOnce() -> Result<T, RepoError>) -> Result<T, RepoError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(scan)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_owned());
        Err(RepoError::Panic(what))
    })
}

/// Counts by family and level, and what is new and fixed against the previous run's
/// fingerprints (every finding is new without a previous run).
fn tally(row: &mut RepoSummary, findings: &[Seen], previous: Option<&HashSet<String>>) {
    row.counts.clear();
    row.new = 0;
    row.new_failing = 0;
    row.fixed = 0;
    for f in findings {
        let counts: &mut Counts = row.counts.entry(f.family.clone()).or_default();
        match f.severity {
            Severity::Error => counts.error += 1,
            Severity::Warning => counts.warning += 1,
            Severity::Note => counts.note += 1,
        }
        if previous.is_none_or(|p| !p.contains(&f.fingerprint)) {
            row.new += 1;
            if f.failing {
                row.new_failing += 1;
            }
        }
    }
    if let Some(p) = previous {
        let current: HashSet<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
        row.fixed = p.iter().filter(|fp| !current.contains(fp.as_str())).count();
    }
}

/// The findings of a repository's JSON report (`repos/<name>.json`), as the summary sees
/// them; `None` when there is no such report.
fn reported_findings(dir: &Path, stem: &str, strict: bool) -> Option<Vec<Seen>> {
    let text = std::fs::read_to_string(dir.join("repos").join(format!("{stem}.json"))).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(
        doc["findings"]
            .as_array()?
            .iter()
            .filter(|f| f["suppressed"] != serde_json::Value::Bool(true))
            .filter_map(|f| {
                let severity = match f["severity"].as_str()? {
                    "error" => Severity::Error,
                    "warning" => Severity::Warning,
                    _ => Severity::Note,
                };
                Some(Seen {
                    fingerprint: f["fingerprint"].as_str()?.to_owned(),
                    family: f["rule_id"].as_str()?.split('/').next()?.to_owned(),
                    severity,
                    failing: severity.fails(strict),
                })
            })
            .collect(),
    )
}

/// `audit-merge`: one summary from the outputs of several shards, as an unsharded run would
/// have written it (durations aside). With `previous`, new and fixed findings are computed
/// against it, as `audit --previous` does.
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
    previous: Option<&Path>,
    strict: bool,
) -> Result<Summary, AuditError> {
    let repos_out = out.join("repos");
    std::fs::create_dir_all(&repos_out).map_err(io_error("create", &repos_out))?;
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for dir in dirs {
        let summary = Summary::load(dir)?;
        for row in summary.repositories {
            if !seen.insert(row.name.clone()) {
                return Err(AuditError::InTwoShards {
                    name: row.name,
                    dir: dir.clone(),
                });
            }
            let stem = file_stem(&row.name);
            for ext in ["json", "sarif"] {
                let from = dir.join("repos").join(format!("{stem}.{ext}"));
                if from.is_file() {
                    let to = repos_out.join(format!("{stem}.{ext}"));
                    std::fs::copy(&from, &to).map_err(io_error("copy", &from))?;
                }
            }
            rows.push(row);
        }
    }
    if let Some(previous) = previous {
        for row in rows.iter_mut().filter(|r| r.error.is_none()) {
            let stem = file_stem(&row.name);
            if let Some(findings) = reported_findings(out, &stem, strict) {
                let before = previous_fingerprints(previous, &stem);
                tally(row, &findings, Some(&before));
            }
        }
    }
    let summary = Summary::new(rows);
    write_file(&out.join("summary.json"), &summary.to_json())?;
    write_file(&out.join("summary.md"), &summary.to_markdown())?;
    Ok(summary)
}

/// What the summary needs of one finding.
struct Seen {
    fingerprint: String,
    family: String,
    severity: Severity,
    /// An error, or a warning under `--strict`.
    failing: bool,
}

/// What the summary needs of one audited repository.
struct RepoResult {
    sha: Option<String>,
    passed: bool,
    /// The findings that count (baselined ones excluded).
    findings: Vec<Seen>,
    templates: Vec<summary::TemplateSummary>,
}

/// Fetch (GitHub) or locate (local) the repository, scan it as `verify` would, and write
/// its reports.
fn scan_one(
    spec: &RepoSpec,
    opts: &AuditOptions,
    client: Option<&remote::Client>,
    shared: Option<&Settings>,
) -> Result<RepoResult, RepoError> {
    let fetched;
    let (root, sha, root_uri) = match &spec.location {
        Location::Local(path) => (
            path.clone(),
            source::git_sha(path),
            report::sarif::folder_uri(path),
        ),
        Location::GitHub { owner, repo } => {
            let client = client.ok_or(RepoError::NoClient)?;
            fetched = client.fetch(
                owner,
                repo,
                spec.git_ref.as_deref(),
                &tarball::Limits::default(),
            )?;
            (fetched.root.clone(), fetched.sha.clone(), None)
        }
    };
    if !root.is_dir() {
        return Err(RepoError::NotAFolder(root));
    }
    let owned;
    let settings = match shared {
        Some(s) => s,
        None => {
            owned = settings::resolve(&opts.scan, Some(&root))?;
            &owned
        }
    };
    let Settings { rules, strict, .. } = settings;
    let strict = *strict;
    let mut outcome = engine::scan(&root, rules, &settings.walk)?;
    outcome.root = spec.name.clone();
    let report = Report {
        rules,
        outcome: &outcome,
        strict,
        quiet: true,
        sarif: SarifOptions {
            category: Some(format!("template-validator/{}", spec.name)),
            root_uri,
        },
        // Audit reports are files, not annotations: paths stay relative to the repository.
        repo_prefix: String::new(),
    };
    let stem = file_stem(&spec.name);
    let repos = opts.out.join("repos");
    for (format, ext) in [(Format::Json, "json"), (Format::Sarif, "sarif")] {
        let path = repos.join(format!("{stem}.{ext}"));
        let mut bytes = Vec::new();
        report::write(format, &report, &mut bytes)
            .and_then(|()| std::fs::write(&path, bytes))
            .map_err(|source| RepoError::Write { path, source })?;
    }
    let findings = outcome
        .active()
        .map(|f| Seen {
            fingerprint: f.fingerprint.clone(),
            family: rules[f.rule].family.clone(),
            severity: f.severity,
            failing: f.severity.fails(strict),
        })
        .collect();
    // The template units, from a walk of their own: the scan keeps no listing.
    let units = crate::walk::Walker::new(&root, &settings.walk)
        .map(|w| crate::templates::units(&w.walk(None)).units)
        .unwrap_or_default();
    Ok(RepoResult {
        sha,
        passed: !outcome.fails(strict),
        findings,
        templates: units.iter().map(summary::TemplateSummary::of).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_scan_is_an_error_and_its_temporary_folder_is_removed() {
        let mut kept = None;
        let result: Result<(), RepoError> = contained(|| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            kept = Some(dir.path().to_path_buf());
            std::fs::write(dir.path().join("f"), "x").expect("a file in it");
            panic!("boom {}", 1);
        });
        let err = result.expect_err("the panic is an error").to_string();
        assert!(err.contains("internal error (boom 1)"), "{err}");
        let dir = kept.expect("the scan ran");
        assert!(!dir.exists(), "{} is left behind", dir.display());
        assert_eq!(contained(|| Ok(3)).ok(), Some(3));
    }
}
