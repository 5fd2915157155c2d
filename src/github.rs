//! Check Runs through the GitHub REST API (octocrab): the only networked, async code.
//!
//! `verify --github-check` creates a check run named `template-validator` on the commit,
//! sends every finding as an annotation in batches of at most 50 (create, then update), and
//! completes it with `failure` when the run fails, `success` otherwise.

use octocrab::Octocrab;
use octocrab::params::checks::{
    CheckRunConclusion, CheckRunOutput, CheckRunOutputAnnotation, CheckRunOutputAnnotationLevel,
    CheckRunStatus,
};

use crate::finding::{Finding, Severity};
use crate::report::Report;

pub const CHECK_NAME: &str = "template-validator";
/// The Checks API takes at most 50 annotations per request.
pub const BATCH: usize = 50;
const DEFAULT_API_URL: &str = "https://api.github.com";
/// Title, summary and text may hold at most 65,535 characters each.
const MAX_TEXT: usize = 65_000;

/// Where to publish: from `GITHUB_API_URL`, `GITHUB_TOKEN`, `GITHUB_REPOSITORY`, `GITHUB_SHA`.
#[derive(Debug, Clone)]
pub struct CheckTarget {
    pub api_url: String,
    pub token: String,
    pub owner: String,
    pub repo: String,
    pub sha: String,
}

impl CheckTarget {
    pub fn from_env() -> Result<CheckTarget, CheckError> {
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or(CheckError::MissingVariable(name))
        };
        let repository = var("GITHUB_REPOSITORY")?;
        let Some((owner, repo)) = repository.split_once('/') else {
            return Err(CheckError::Repository(repository));
        };
        Ok(CheckTarget {
            api_url: std::env::var("GITHUB_API_URL")
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
            token: var("GITHUB_TOKEN")?,
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            sha: var("GITHUB_SHA")?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The token may not write checks (a pull request from a fork): fall back to annotations.
    #[error("the token cannot create check runs (HTTP 403): {0}")]
    Forbidden(String),
    #[error("cannot publish the check run: --github-check needs the environment variable {0}")]
    MissingVariable(&'static str),
    #[error("cannot publish the check run: GITHUB_REPOSITORY `{0}` is not `owner/repo`")]
    Repository(String),
    #[error("cannot publish the check run: {0}")]
    Failed(String),
}

fn failed(e: impl std::fmt::Display) -> CheckError {
    CheckError::Failed(e.to_string())
}

fn classify(e: octocrab::Error) -> CheckError {
    match &e {
        octocrab::Error::GitHub { source, .. } if source.status_code.as_u16() == 403 => {
            CheckError::Forbidden(source.message.clone())
        }
        octocrab::Error::GitHub { source, .. } => CheckError::Failed(format!(
            "HTTP {}: {}",
            source.status_code.as_u16(),
            source.message
        )),
        _ => failed(e),
    }
}

fn level(severity: Severity) -> CheckRunOutputAnnotationLevel {
    match severity {
        Severity::Error => CheckRunOutputAnnotationLevel::Failure,
        Severity::Warning => CheckRunOutputAnnotationLevel::Warning,
        Severity::Note => CheckRunOutputAnnotationLevel::Notice,
    }
}

fn annotation(report: &Report<'_>, f: &Finding) -> CheckRunOutputAnnotation {
    let rule = &report.rules[f.rule];
    // A finding about the repository as a whole is anchored to the first line of a file.
    // Relative to the repository root, where GitHub looks.
    let path = match f.location.path.as_ref().or(report.outcome.anchor.as_ref()) {
        Some(path) => format!("{}{path}", report.repo_prefix),
        None if report.repo_prefix.is_empty() => ".".to_owned(),
        None => report.repo_prefix.trim_end_matches('/').to_owned(),
    };
    let (start_line, end_line, cols) = match f.location.region {
        Some(r) if r.start_line == r.end_line => {
            (r.start_line, r.end_line, Some((r.start_col, r.end_col)))
        }
        Some(r) => (r.start_line, r.end_line, None),
        None => (1, 1, None),
    };
    CheckRunOutputAnnotation {
        path,
        start_line,
        end_line,
        start_column: cols.map(|c| c.0),
        end_column: cols.map(|c| c.1),
        annotation_level: level(f.severity),
        message: f.message.clone(),
        title: Some(format!("{}: {}", rule.id, rule.title)),
        raw_details: Some(rule.help_summary()),
    }
}

fn output(
    title: &str,
    summary: &str,
    annotations: Vec<CheckRunOutputAnnotation>,
) -> CheckRunOutput {
    CheckRunOutput {
        title: title.to_owned(),
        summary: summary.chars().take(MAX_TEXT).collect(),
        text: None,
        annotations,
        images: Vec::new(),
    }
}

/// Publish the report as a check run; returns its id.
pub fn publish(
    target: &CheckTarget,
    report: &Report<'_>,
    summary: &str,
) -> Result<u64, CheckError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failed)?;
    runtime.block_on(publish_async(target, report, summary))
}

async fn publish_async(
    target: &CheckTarget,
    report: &Report<'_>,
    summary: &str,
) -> Result<u64, CheckError> {
    let client = Octocrab::builder()
        .base_uri(target.api_url.as_str())
        .map_err(failed)?
        .personal_token(target.token.clone())
        .build()
        .map_err(failed)?;
    let checks = client.checks(&target.owner, &target.repo);
    let o = report.outcome;
    let fails = o.fails(report.strict);
    let title = format!(
        "{}, {}, {}",
        crate::report::plural(o.count(Severity::Error), "error"),
        crate::report::plural(o.count(Severity::Warning), "warning"),
        crate::report::plural(o.count(Severity::Note), "note")
    );
    let findings: Vec<&Finding> = o.active().collect();
    let mut batches = findings.chunks(BATCH).map(|chunk| {
        chunk
            .iter()
            .map(|f| annotation(report, f))
            .collect::<Vec<_>>()
    });

    let created = checks
        .create_check_run(CHECK_NAME, &target.sha)
        .status(CheckRunStatus::InProgress)
        .output(output(&title, summary, batches.next().unwrap_or_default()))
        .send()
        .await
        .map_err(classify)?;
    let id = created.id;
    for batch in batches {
        checks
            .update_check_run(id)
            .output(output(&title, summary, batch))
            .send()
            .await
            .map_err(classify)?;
    }
    checks
        .update_check_run(id)
        .status(CheckRunStatus::Completed)
        .conclusion(if fails {
            CheckRunConclusion::Failure
        } else {
            CheckRunConclusion::Success
        })
        .output(output(&title, summary, Vec::new()))
        .send()
        .await
        .map_err(classify)?;
    Ok(id.into_inner())
}
