//! Repositories on GitHub (organisation listing, tarball download).
//!
//! A blocking [`Client`] over octocrab's raw `_get`, so that status codes and headers are
//! seen here: it owns a small multi-thread tokio runtime and may be shared by many worker
//! threads (rayon) at once. Do not call it from inside an async runtime.
//!
//! - Rate limits: a 403/429 with `Retry-After`, or with `x-ratelimit-remaining: 0` and
//!   `x-ratelimit-reset`, waits and retries ([`Retry`]); every thread of the client then
//!   holds its requests until the limit resets. A wait longer than [`Retry::max_wait`], or
//!   more than [`Retry::rate_limit_waits`] waits, is an error naming the reset time.
//! - Transient failures (5xx, connection errors, a body cut short) are retried
//!   [`Retry::attempts`] times with exponential backoff.
//! - Tarballs are streamed from the response into [`tarball::extract`] (no intermediate
//!   file, at most a few chunks in memory), with the compressed size capped.

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::Deserialize;

use super::tarball::{self, ExtractError, Limits};

const DEFAULT_API_URL: &str = "https://api.github.com";
/// Error bodies are read up to this size for GitHub's `message`.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// One page of the organisation listing (100 repositories are about 600 KB).
const MAX_PAGE_BODY: u64 = 32 * 1024 * 1024;
/// Pages followed at most (100 repositories each).
const MAX_PAGES: usize = 10_000;
/// Body chunks buffered between the download and the extraction.
const CHUNKS_IN_FLIGHT: usize = 16;

/// How requests are retried. [`Retry::default`] suits GitHub; tests shorten the waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// Retries after a 5xx, a connection error or a download cut short.
    pub attempts: u32,
    /// The first backoff after a transient failure; doubled on each retry.
    pub backoff: Duration,
    /// Rate-limit waits per request.
    pub rate_limit_waits: u32,
    /// The longest single rate-limit wait; a later reset is reported as an error.
    pub max_wait: Duration,
    /// The wait for a rate limit that names no time (a 429 or a secondary rate limit
    /// without `Retry-After`).
    pub secondary_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 3,
            backoff: Duration::from_millis(500),
            rate_limit_waits: 5,
            max_wait: Duration::from_secs(60),
            secondary_wait: Duration::from_secs(60),
        }
    }
}

/// A GitHub REST client for audits: blocking, shareable across threads.
pub struct Client {
    // Dropped before the runtime its background tasks run on.
    octocrab: Octocrab,
    runtime: tokio::runtime::Runtime,
    retry: Retry,
    /// Every request waits until then (set when the rate limit is exhausted).
    paused_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// One repository of an organisation listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRepo {
    /// `owner/repo`.
    pub full_name: String,
    pub default_branch: Option<String>,
    pub is_template: bool,
    pub archived: bool,
}

/// A downloaded and extracted repository; removed from disk when dropped.
#[derive(Debug)]
pub struct Fetched {
    pub dir: tempfile::TempDir,
    /// The repository root inside `dir` (the tarball's `owner-repo-<sha7>/` folder).
    pub root: PathBuf,
    /// The commit SHA, from the tarball's pax global header.
    pub sha: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("cannot set up the GitHub client for `{url}`: {message}")]
    Setup { url: String, message: String },
    #[error("invalid {what} `{value}`: {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("GET {url}: HTTP {status}: {message}")]
    Http {
        url: String,
        status: u16,
        message: String,
    },
    #[error("GET {url}: GitHub rate limit exhausted: {detail}")]
    RateLimited { url: String, detail: String },
    #[error("GET {url}: {message} (gave up after {attempts} attempts)")]
    Transport {
        url: String,
        attempts: u32,
        message: String,
    },
    #[error("GET {url}: unexpected response: {message}")]
    InvalidResponse { url: String, message: String },
    #[error("GET {url}: the tarball is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("GET {url}: {error}")]
    Extract { url: String, error: ExtractError },
    #[error("{context}: {message}")]
    Io { context: String, message: String },
}

impl RemoteError {
    /// A rate limit, a 5xx or a connection problem: worth running again later.
    pub fn is_transient(&self) -> bool {
        match self {
            RemoteError::RateLimited { .. } | RemoteError::Transport { .. } => true,
            RemoteError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// One failed try of a request.
enum Failure {
    /// Retried after a backoff (5xx, connection error, body cut short).
    Transient(RemoteError),
    /// Not retried.
    Fatal(RemoteError),
}

impl Client {
    /// A client for the REST API at `api_url` (`https://api.github.com`, or a GitHub
    /// Enterprise Server `https://HOST/api/v3`), authenticated with `token` when given.
    pub fn new(api_url: &str, token: Option<String>) -> Result<Client, RemoteError> {
        let url = api_url.trim().trim_end_matches('/');
        let setup = |message: String| RemoteError::Setup {
            url: url.to_owned(),
            message,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("template-validator-http")
            .enable_all()
            .build()
            .map_err(|e| setup(format!("cannot start the async runtime: {e}")))?;
        // octocrab spawns its request buffer on the current runtime.
        let guard = runtime.enter();
        let mut builder = Octocrab::builder()
            .base_uri(url)
            .map_err(|e| setup(error_chain(&e)))?
            .set_connect_timeout(Some(Duration::from_secs(30)))
            .set_read_timeout(Some(Duration::from_secs(60)));
        if let Some(token) = token.filter(|t| !t.trim().is_empty()) {
            builder = builder.personal_token(token);
        }
        let octocrab = builder.build().map_err(|e| setup(error_chain(&e)))?;
        drop(guard);
        Ok(Client {
            octocrab,
            runtime,
            retry: Retry::default(),
            paused_until: Mutex::new(None),
        })
    }

    /// A client from `GITHUB_API_URL` (default `https://api.github.com`) and the optional
    /// `GITHUB_TOKEN`.
    pub fn from_env() -> Result<Client, RemoteError> {
        let url = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let token = std::env::var("GITHUB_TOKEN")
            .ok()
            .filter(|v| !v.trim().is_empty());
        Client::new(&url, token)
    }

    /// Replace the retry and wait settings.
    pub fn with_retry(mut self, retry: Retry) -> Client {
        self.retry = retry;
        self
    }

    pub fn retry(&self) -> &Retry {
        &self.retry
    }

    /// Every repository of the organisation, following the `Link: rel="next"` pages.
    pub fn list_org(&self, org: &str) -> Result<Vec<ListedRepo>, RemoteError> {
        check_name("organisation", org)?;
        self.runtime.block_on(self.list_org_async(org))
    }

    async fn list_org_async(&self, org: &str) -> Result<Vec<ListedRepo>, RemoteError> {
        #[derive(Deserialize)]
        struct RawRepo {
            full_name: String,
            #[serde(default)]
            default_branch: Option<String>,
            #[serde(default)]
            is_template: Option<bool>,
            #[serde(default)]
            archived: Option<bool>,
        }

        let mut repos = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(format!("/orgs/{org}/repos?per_page=100"));
        while let Some(url) = next.take() {
            if !seen.insert(url.clone()) {
                return Err(RemoteError::InvalidResponse {
                    url,
                    message: "the `Link` header points back to a page already read".to_owned(),
                });
            }
            if seen.len() > MAX_PAGES {
                return Err(RemoteError::InvalidResponse {
                    url,
                    message: format!("more than {MAX_PAGES} pages"),
                });
            }
            let mut attempt = 0;
            let body = loop {
                let Success { head, mut body } = self.get_ok(&url, MAX_PAGE_BODY).await?;
                next = head.next;
                match body.read_all().await {
                    Ok(body) => break body,
                    Err(Cut::TooLarge) => {
                        return Err(RemoteError::InvalidResponse {
                            url,
                            message: format!("a page larger than {MAX_PAGE_BODY} bytes"),
                        });
                    }
                    Err(Cut::Transport(message)) if attempt >= self.retry.attempts => {
                        return Err(RemoteError::Transport {
                            url,
                            attempts: attempt + 1,
                            message: format!("the page was cut short: {message}"),
                        });
                    }
                    Err(Cut::Transport(_)) => {
                        tokio::time::sleep(self.backoff(attempt)).await;
                        attempt += 1;
                    }
                }
            };
            let page: Vec<RawRepo> =
                serde_json::from_slice(&body).map_err(|e| RemoteError::InvalidResponse {
                    url: url.clone(),
                    message: format!("not a list of repositories: {e}"),
                })?;
            repos.extend(page.into_iter().map(|r| ListedRepo {
                full_name: r.full_name,
                default_branch: r.default_branch,
                is_template: r.is_template.unwrap_or(false),
                archived: r.archived.unwrap_or(false),
            }));
        }
        Ok(repos)
    }

    /// Download `owner/repo` at `git_ref` (the default branch when `None`) and extract it
    /// into a fresh temporary folder.
    pub fn fetch(
        &self,
        owner: &str,
        repo: &str,
        git_ref: Option<&str>,
        limits: &Limits,
    ) -> Result<Fetched, RemoteError> {
        check_name("owner", owner)?;
        check_name("repository", repo)?;
        let url = match git_ref {
            Some(r) => format!("/repos/{owner}/{repo}/tarball/{}", encode_ref(r)?),
            None => format!("/repos/{owner}/{repo}/tarball"),
        };
        let mut attempt = 0;
        loop {
            match self.fetch_once(&url, limits) {
                Ok(fetched) => return Ok(fetched),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Transient(e)) => {
                    if attempt >= self.retry.attempts {
                        return Err(e);
                    }
                    std::thread::sleep(self.backoff(attempt));
                    attempt += 1;
                }
            }
        }
    }

    fn fetch_once(&self, url: &str, limits: &Limits) -> Result<Fetched, Failure> {
        let cap = limits.max_compressed_bytes;
        let too_large = || {
            Failure::Fatal(RemoteError::TooLarge {
                url: url.to_owned(),
                limit: cap,
            })
        };
        let success = self
            .runtime
            .block_on(self.get_ok(url, cap))
            .map_err(Failure::Fatal)?;
        if success.head.content_length.is_some_and(|len| len > cap) {
            return Err(too_large());
        }
        let dir = tempfile::Builder::new()
            .prefix("template-validator-audit-")
            .tempdir()
            .map_err(|e| {
                Failure::Fatal(RemoteError::Io {
                    context: "cannot create a temporary folder".to_owned(),
                    message: e.to_string(),
                })
            })?;
        // Extracted on this thread while the body arrives.
        let mut reader = ChannelReader {
            body: success.body,
            chunk: Vec::new(),
            pos: 0,
            cut: None,
        };
        let extracted = tarball::extract(&mut reader, dir.path(), limits);
        let cut = reader.cut.take();
        drop(reader);
        match (cut, extracted) {
            (Some(Cut::TooLarge), _) => Err(too_large()),
            (Some(Cut::Transport(message)), _) => Err(Failure::Transient(RemoteError::Transport {
                url: url.to_owned(),
                attempts: self.retry.attempts + 1,
                message: format!("the download was cut short: {message}"),
            })),
            (None, Ok(x)) => Ok(Fetched {
                dir,
                root: x.root,
                sha: x.sha,
            }),
            (None, Err(error)) => Err(Failure::Fatal(RemoteError::Extract {
                url: url.to_owned(),
                error,
            })),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.retry
            .backoff
            .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
    }

    /// GET `url` until it succeeds, waiting on rate limits and retrying transient
    /// failures. The body (at most `cap` bytes) arrives through the returned channel.
    async fn get_ok(&self, url: &str, cap: u64) -> Result<Success, RemoteError> {
        let mut attempt: u32 = 0;
        let mut waits: u32 = 0;
        loop {
            self.wait_for_pause().await;
            let failure = match self.octocrab._get(url).await {
                Ok(response) => {
                    let status = response.status();
                    let head = Head::of(|name| {
                        response
                            .headers()
                            .get_all(name)
                            .iter()
                            .filter_map(|v| v.to_str().ok())
                            .map(|v| v.trim().to_owned())
                            .collect()
                    });
                    let mut body = response.into_body();
                    if status.is_success() {
                        let (tx, rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
                        let pump = tokio::spawn(async move {
                            let mut total: u64 = 0;
                            loop {
                                let chunk = match body.frame().await {
                                    None => break,
                                    Some(Err(e)) => Err(Cut::Transport(error_chain(&e))),
                                    Some(Ok(frame)) => match frame.into_data() {
                                        Ok(data) => {
                                            total = total.saturating_add(data.len() as u64);
                                            if total > cap {
                                                Err(Cut::TooLarge)
                                            } else {
                                                Ok(data.to_vec())
                                            }
                                        }
                                        Err(_trailers) => continue,
                                    },
                                };
                                let last = chunk.is_err();
                                if tx.send(chunk).await.is_err() || last {
                                    break;
                                }
                            }
                        });
                        return Ok(Success {
                            head,
                            body: Body {
                                rx,
                                pump: pump.abort_handle(),
                            },
                        });
                    }
                    let mut bytes = Vec::new();
                    while bytes.len() < MAX_ERROR_BODY {
                        match body.frame().await {
                            Some(Ok(frame)) => {
                                if let Ok(data) = frame.into_data() {
                                    bytes.extend_from_slice(&data);
                                }
                            }
                            _ => break,
                        }
                    }
                    let message = github_message(status.canonical_reason(), &bytes);
                    let status = status.as_u16();
                    match self.rate_limit_wait(status, &head, &message) {
                        Some(Ok(wait)) if waits < self.retry.rate_limit_waits => {
                            waits += 1;
                            self.pause(wait);
                            continue;
                        }
                        Some(Ok(_)) => {
                            return Err(RemoteError::RateLimited {
                                url: url.to_owned(),
                                detail: format!(
                                    "HTTP {status}: {message} (still limited after {waits} waits)"
                                ),
                            });
                        }
                        Some(Err(detail)) => {
                            return Err(RemoteError::RateLimited {
                                url: url.to_owned(),
                                detail: format!("HTTP {status}: {message}; {detail}"),
                            });
                        }
                        None => {}
                    }
                    let error = RemoteError::Http {
                        url: url.to_owned(),
                        status,
                        message,
                    };
                    if status < 500 {
                        return Err(error);
                    }
                    error
                }
                Err(e) if is_transport(&e) => RemoteError::Transport {
                    url: url.to_owned(),
                    attempts: attempt + 1,
                    message: error_chain(&e),
                },
                Err(e) => {
                    return Err(RemoteError::InvalidResponse {
                        url: url.to_owned(),
                        message: error_chain(&e),
                    });
                }
            };
            if attempt >= self.retry.attempts {
                return Err(match failure {
                    RemoteError::Http {
                        url,
                        status,
                        message,
                    } => RemoteError::Http {
                        url,
                        status,
                        message: format!("{message} (gave up after {} attempts)", attempt + 1),
                    },
                    other => other,
                });
            }
            tokio::time::sleep(self.backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// `None`: not a rate limit. `Some(Ok(wait))`: wait, then retry. `Some(Err(why))`: a
    /// rate limit not worth waiting for.
    fn rate_limit_wait(
        &self,
        status: u16,
        head: &Head,
        message: &str,
    ) -> Option<Result<Duration, String>> {
        if status != 403 && status != 429 {
            return None;
        }
        let wait = match (head.retry_after, head.remaining, head.reset) {
            (Some(secs), _, _) => Duration::from_secs(secs),
            (None, Some(0), Some(reset)) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                // The reset is in whole seconds: wait until just after it.
                Duration::from_secs(reset)
                    .saturating_sub(now)
                    .saturating_add(Duration::from_millis(100))
            }
            _ if status == 429
                || head.remaining == Some(0)
                || message.to_ascii_lowercase().contains("rate limit") =>
            {
                self.retry.secondary_wait
            }
            _ => return None,
        };
        if wait > self.retry.max_wait {
            let at = match head.reset {
                Some(reset) if head.retry_after.is_none() => format!(" (at Unix time {reset})"),
                _ => String::new(),
            };
            return Some(Err(format!(
                "it resets in {} s{at}, longer than the {} s this run waits",
                wait.as_secs(),
                self.retry.max_wait.as_secs()
            )));
        }
        Some(Ok(wait))
    }

    /// Hold every request of this client for `wait`.
    fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        if let Ok(mut paused) = self.paused_until.lock()
            && paused.is_none_or(|p| p < until)
        {
            *paused = Some(until);
        }
    }

    async fn wait_for_pause(&self) {
        let until = self.paused_until.lock().ok().and_then(|p| *p);
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep((until - now).min(self.retry.max_wait)).await;
            }
        }
    }
}

/// What a successful response said besides its body.
struct Head {
    next: Option<String>,
    content_length: Option<u64>,
    retry_after: Option<u64>,
    remaining: Option<u64>,
    reset: Option<u64>,
}

impl Head {
    /// From a function returning every value of a header.
    fn of(values: impl Fn(&str) -> Vec<String>) -> Head {
        let number = |name: &str| values(name).first().and_then(|v| v.parse().ok());
        Head {
            next: next_link(&values("link")),
            content_length: number("content-length"),
            retry_after: number("retry-after"),
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset"),
        }
    }
}

struct Success {
    head: Head,
    body: Body,
}

/// A response body, pumped by a task on the runtime into a bounded channel.
struct Body {
    rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, Cut>>,
    pump: tokio::task::AbortHandle,
}

impl Body {
    async fn read_all(&mut self) -> Result<Vec<u8>, Cut> {
        let mut out = Vec::new();
        while let Some(chunk) = self.rx.recv().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

/// Why a body stopped before its end.
enum Cut {
    TooLarge,
    Transport(String),
}

/// Reads a [`Body`] on a thread outside the runtime, blocking it.
struct ChannelReader {
    body: Body,
    chunk: Vec<u8>,
    pos: usize,
    cut: Option<Cut>,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.cut.is_some() {
                return Err(io::Error::other("the download stopped"));
            }
            let rest = self.chunk.get(self.pos..).unwrap_or_default();
            if !rest.is_empty() {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.pos += n;
                return Ok(n);
            }
            match self.body.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Some(Err(cut)) => self.cut = Some(cut),
            }
        }
    }
}

/// GitHub's `message` from an error body, or the body itself, or the status reason.
fn github_message(reason: Option<&str>, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
    }
    if let Ok(ErrorBody { message: Some(m) }) = serde_json::from_slice::<ErrorBody>(body) {
        return m;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        reason.unwrap_or("no message").to_owned()
    } else {
        text.chars().take(500).collect()
    }
}

/// The `rel="next"` URL of `Link` header values.
fn next_link(values: &[String]) -> Option<String> {
    for value in values {
        let mut rest = value.as_str();
        while let Some(start) = rest.find('<') {
            let after = &rest[start + 1..];
            let end = after.find('>')?;
            let url = &after[..end];
            let params = after[end + 1..].split('<').next().unwrap_or_default();
            let params = params.trim_end().trim_end_matches(',');
            let is_next = params.split(';').any(|p| {
                let Some((key, value)) = p.split_once('=') else {
                    return false;
                };
                key.trim().eq_ignore_ascii_case("rel")
                    && value
                        .trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            });
            if is_next {
                return Some(url.to_owned());
            }
            rest = &after[end + 1..];
        }
    }
    None
}

/// A connection problem (refused, reset, timed out) rather than a bad request.
fn is_transport(e: &octocrab::Error) -> bool {
    matches!(
        e,
        octocrab::Error::Hyper { .. } | octocrab::Error::Service { .. }
    )
}

/// An error and its sources, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// An organisation, owner or repository name: it becomes one URL path segment.
fn check_name(what: &'static str, value: &str) -> Result<(), RemoteError> {
    let invalid = |reason| RemoteError::InvalidName {
        what,
        value: value.to_owned(),
        reason,
    };
    if value.is_empty() {
        return Err(invalid("it is empty"));
    }
    if value == "." || value == ".." {
        return Err(invalid("it is not a name"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(invalid(
            "only ASCII letters, digits, `-`, `_` and `.` are allowed",
        ));
    }
    Ok(())
}

/// A git ref as URL path segments (`feature/x` stays two segments), percent-encoded.
fn encode_ref(git_ref: &str) -> Result<String, RemoteError> {
    let invalid = |reason| RemoteError::InvalidName {
        what: "git ref",
        value: git_ref.to_owned(),
        reason,
    };
    if git_ref.is_empty() {
        return Err(invalid("it is empty"));
    }
    if git_ref.starts_with('/')
        || git_ref.ends_with('/')
        || git_ref
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return Err(invalid(
            "empty, `.` or `..` path components are not allowed",
        ));
    }
    if git_ref.chars().any(char::is_control) {
        return Err(invalid("control characters are not allowed"));
    }
    let mut out = String::with_capacity(git_ref.len());
    for b in git_ref.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next() {
        let link = r#"<https://api.github.com/organizations/1/repos?page=1>; rel="prev", <https://api.github.com/organizations/1/repos?page=3>; rel="next", <https://api.github.com/organizations/1/repos?page=9>; rel="last""#;
        assert_eq!(
            next_link(&[link.to_owned()]).as_deref(),
            Some("https://api.github.com/organizations/1/repos?page=3")
        );
        assert_eq!(
            next_link(&[r#"<https://x/?page=1>; rel="first""#.to_owned()]),
            None
        );
    }

    #[test]
    fn refs_and_names() {
        assert_eq!(encode_ref("feature/x y").unwrap(), "feature/x%20y");
        assert!(encode_ref("../x").is_err());
        assert!(encode_ref("a//b").is_err());
        assert!(check_name("owner", "acme-corp").is_ok());
        assert!(check_name("owner", "..").is_err());
        assert!(check_name("owner", "a/b").is_err());
    }

    #[test]
    fn messages() {
        assert_eq!(
            github_message(Some("Not Found"), br#"{"message":"Repository not found"}"#),
            "Repository not found"
        );
        assert_eq!(github_message(Some("Bad Gateway"), b""), "Bad Gateway");
    }
}
