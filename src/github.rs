//! GitHub: Check Runs here, and [`api`], the REST layer (octocrab) they share with `audit`:
//! the only networked, async code.
//!
//! `verify --github-check` creates a check run named `template-validator` on the commit,
//! sends every finding as an annotation in batches of at most 50 (create, then update), and
//! completes it with `failure` when the run fails, `success` otherwise. Requests go through
//! [`api`], with its retries and rate-limit waits.

pub mod api;
pub mod body;

use octocrab::models::checks::CheckRun;
use octocrab::params::checks::{
    CheckRunConclusion, CheckRunOutput, CheckRunOutputAnnotation, CheckRunOutputAnnotationLevel,
    CheckRunStatus,
};
use serde::Serialize;

use crate::finding::{Finding, Severity};
use crate::report::Report;
use api::{Api, ApiError, Method};

pub const CHECK_NAME: &str = "template-validator";
/// The Checks API takes at most 50 annotations per request.
pub const BATCH: usize = 50;
/// Title, summary and text may hold at most 65,535 characters each.
const MAX_TEXT: usize = 65_000;
/// A check run as the API returns it (with the output's title and summary).
const MAX_RESPONSE: u64 = 16 * 1024 * 1024;

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
            api_url: api::api_url_from_env(),
            token: api::token_from_env().ok_or(CheckError::MissingVariable("GITHUB_TOKEN"))?,
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
    Failed(ApiError),
}

impl From<ApiError> for CheckError {
    fn from(e: ApiError) -> CheckError {
        match e {
            ApiError::Http {
                status: 403,
                message,
                ..
            } => CheckError::Forbidden(message),
            e => CheckError::Failed(e),
        }
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

/// The body of a create (`name`, `head_sha`) or an update.
#[derive(Serialize)]
struct CheckRunBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head_sha: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<CheckRunStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conclusion: Option<CheckRunConclusion>,
    output: CheckRunOutput,
}

/// Send a create or an update; returns the check run's id.
async fn send(
    api: &Api,
    method: Method,
    url: &str,
    body: &CheckRunBody<'_>,
) -> Result<u64, ApiError> {
    let invalid = |message: String| ApiError::InvalidResponse {
        method,
        url: url.to_owned(),
        message,
    };
    let body = serde_json::to_value(body).map_err(|e| invalid(e.to_string()))?;
    let (_, bytes) = api
        .read(method, url, Some(&body), MAX_RESPONSE, "response")
        .await?;
    let run: CheckRun =
        serde_json::from_slice(&bytes).map_err(|e| invalid(format!("not a check run: {e}")))?;
    Ok(run.id.into_inner())
}

/// Publish the report as a check run; returns its id.
pub fn publish(
    target: &CheckTarget,
    report: &Report<'_>,
    summary: &str,
) -> Result<u64, CheckError> {
    let api = Api::new(&target.api_url, Some(target.token.clone()))?;
    Ok(api.block_on(publish_async(&api, target, report, summary))?)
}

async fn publish_async(
    api: &Api,
    target: &CheckTarget,
    report: &Report<'_>,
    summary: &str,
) -> Result<u64, ApiError> {
    let o = report.outcome;
    let title = format!(
        "{}, {}, {}",
        crate::util::plural(o.count(Severity::Error), "error"),
        crate::util::plural(o.count(Severity::Warning), "warning"),
        crate::util::plural(o.count(Severity::Note), "note")
    );
    let findings: Vec<&Finding> = o.active().collect();
    let mut batches = findings.chunks(BATCH).map(|chunk| {
        chunk
            .iter()
            .map(|f| annotation(report, f))
            .collect::<Vec<_>>()
    });
    let update = |status, conclusion, annotations| CheckRunBody {
        name: None,
        head_sha: None,
        status,
        conclusion,
        output: output(&title, summary, annotations),
    };

    let runs = format!("/repos/{}/{}/check-runs", target.owner, target.repo);
    let create = CheckRunBody {
        name: Some(CHECK_NAME),
        head_sha: Some(&target.sha),
        ..update(
            Some(CheckRunStatus::InProgress),
            None,
            batches.next().unwrap_or_default(),
        )
    };
    let id = send(api, Method::Post, &runs, &create).await?;
    let run = format!("{runs}/{id}");
    for batch in batches {
        send(api, Method::Patch, &run, &update(None, None, batch)).await?;
    }
    let conclusion = if o.fails(report.strict) {
        CheckRunConclusion::Failure
    } else {
        CheckRunConclusion::Success
    };
    let done = update(
        Some(CheckRunStatus::Completed),
        Some(conclusion),
        Vec::new(),
    );
    send(api, Method::Patch, &run, &done).await?;
    Ok(id)
}
