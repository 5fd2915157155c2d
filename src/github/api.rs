//! The GitHub REST API layer shared by Check Runs ([`crate::github`]) and `audit`
//! ([`crate::audit::remote`]): the environment (`GITHUB_API_URL`, `GITHUB_TOKEN`), the
//! client and its tokio runtime, retries and rate limits, in one place.
//!
//! [`Api`] is blocking at its edges ([`Api::block_on`]) over octocrab's raw requests, so
//! that status codes and headers are seen here: it owns a small multi-thread runtime and
//! may be shared by many worker threads (rayon) at once. Do not call it from inside an
//! async runtime.
//!
//! - Rate limits: a 403/429 with `Retry-After`, or with `x-ratelimit-remaining: 0` and
//!   `x-ratelimit-reset`, waits and retries ([`Retry`]); every thread of the client then
//!   holds its requests until the limit resets. A wait longer than [`Retry::max_wait`], or
//!   more than [`Retry::rate_limit_waits`] waits, is an error naming the reset time.
//! - Transient failures (5xx, connection errors, a GET body cut short) are retried
//!   [`Retry::attempts`] times with exponential backoff.
//! - A successful body is streamed through a bounded channel ([`Body`]), capped in size.

use std::fmt;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::Deserialize;

pub use super::body::{Body, BodyReader, Cut};

/// The REST API of github.com; `GITHUB_API_URL` names another (GitHub Enterprise Server).
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// Error bodies are read up to this size for GitHub's `message`.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Body chunks buffered between the download and its reader.
const CHUNKS_IN_FLIGHT: usize = 16;

/// A variable of the environment, unless unset or blank.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `GITHUB_API_URL`, else [`DEFAULT_API_URL`].
pub fn api_url_from_env() -> String {
    env_var("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_owned())
}

/// `GITHUB_TOKEN`, when set.
pub fn token_from_env() -> Option<String> {
    env_var("GITHUB_TOKEN")
}

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

/// The HTTP methods the API is called with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("cannot set up the GitHub client for `{url}`: {message}")]
    Setup { url: String, message: String },
    #[error("invalid {what} `{value}`: {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{method} {url}: HTTP {status}: {message}")]
    Http {
        method: Method,
        url: String,
        status: u16,
        message: String,
    },
    #[error("{method} {url}: GitHub rate limit exhausted: {detail}")]
    RateLimited {
        method: Method,
        url: String,
        detail: String,
    },
    #[error("{method} {url}: {message} (gave up after {attempts} attempts)")]
    Transport {
        method: Method,
        url: String,
        attempts: u32,
        message: String,
    },
    #[error("{method} {url}: unexpected response: {message}")]
    InvalidResponse {
        method: Method,
        url: String,
        message: String,
    },
    /// A download (a repository tarball) over its cap.
    #[error("GET {url}: the tarball is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    /// A download whose content cannot be unpacked (a repository tarball).
    #[error("GET {url}: {error}")]
    Extract {
        url: String,
        error: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{context}: {source}")]
    Io {
        context: &'static str,
        source: io::Error,
    },
}

impl ApiError {
    /// A rate limit, a 5xx or a connection problem: worth running again later.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::RateLimited { .. } | ApiError::Transport { .. } => true,
            ApiError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// A GitHub REST client: blocking at its edges, shareable across threads.
pub struct Api {
    // Dropped before the runtime its background tasks run on.
    octocrab: Octocrab,
    runtime: tokio::runtime::Runtime,
    retry: Retry,
    /// Every request waits until then (set when the rate limit is exhausted).
    paused_until: Mutex<Option<Instant>>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Api {
    /// A client for the REST API at `api_url` (`https://api.github.com`, or a GitHub
    /// Enterprise Server `https://HOST/api/v3`), authenticated with `token` when given.
    pub fn new(api_url: &str, token: Option<String>) -> Result<Api, ApiError> {
        let url = api_url.trim().trim_end_matches('/');
        let setup = |message: String| ApiError::Setup {
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
        Ok(Api {
            octocrab,
            runtime,
            retry: Retry::default(),
            paused_until: Mutex::new(None),
        })
    }

    /// A client from `GITHUB_API_URL` (default [`DEFAULT_API_URL`]) and the optional
    /// `GITHUB_TOKEN`.
    pub fn from_env() -> Result<Api, ApiError> {
        Api::new(&api_url_from_env(), token_from_env())
    }

    /// Replace the retry and wait settings.
    pub fn with_retry(mut self, retry: Retry) -> Api {
        self.retry = retry;
        self
    }

    pub fn retry(&self) -> &Retry {
        &self.retry
    }

    /// Run `future` on the client's runtime, blocking this thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The wait before retry number `attempt + 1`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.retry
            .backoff
            .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
    }

    /// Send the request and read the whole body (at most `cap` bytes; `what` names it in
    /// errors). A GET whose body is cut short is sent again; other methods are not, the
    /// server having done what they asked.
    pub async fn read(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
        cap: u64,
        what: &str,
    ) -> Result<(Head, Vec<u8>), ApiError> {
        let mut attempt = 0;
        loop {
            let Response { head, mut body } = self.send(method, url, body, cap).await?;
            match body.read_all().await {
                Ok(bytes) => return Ok((head, bytes)),
                Err(Cut::TooLarge) => {
                    return Err(ApiError::InvalidResponse {
                        method,
                        url: url.to_owned(),
                        message: format!("a {what} larger than {cap} bytes"),
                    });
                }
                Err(Cut::Transport(message))
                    if attempt >= self.retry.attempts || method != Method::Get =>
                {
                    return Err(ApiError::Transport {
                        method,
                        url: url.to_owned(),
                        attempts: attempt + 1,
                        message: format!("the {what} was cut short: {message}"),
                    });
                }
                Err(Cut::Transport(_)) => {
                    tokio::time::sleep(self.backoff(attempt)).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Send the request until it succeeds, waiting on rate limits and retrying transient
    /// failures. The body (at most `cap` bytes) arrives through the returned channel.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&serde_json::Value>,
        cap: u64,
    ) -> Result<Response, ApiError> {
        let mut attempt: u32 = 0;
        let mut waits: u32 = 0;
        loop {
            self.wait_for_pause().await;
            let sent = match method {
                Method::Get => self.octocrab._get(url).await,
                Method::Post => self.octocrab._post(url, body).await,
                Method::Patch => self.octocrab._patch(url, body).await,
            };
            let failure = match sent {
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
                        // Pumped by a task on the runtime into a bounded channel.
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
                        let body = Body {
                            rx,
                            pump: pump.abort_handle(),
                        };
                        return Ok(Response { head, body });
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
                    let limited = |detail| ApiError::RateLimited {
                        method,
                        url: url.to_owned(),
                        detail,
                    };
                    match self.rate_limit_wait(status, &head, &message) {
                        Some(Ok(wait)) if waits < self.retry.rate_limit_waits => {
                            waits += 1;
                            self.pause(wait);
                            continue;
                        }
                        Some(Ok(_)) => {
                            return Err(limited(format!(
                                "HTTP {status}: {message} (still limited after {waits} waits)"
                            )));
                        }
                        Some(Err(detail)) => {
                            return Err(limited(format!("HTTP {status}: {message}; {detail}")));
                        }
                        None => {}
                    }
                    let error = ApiError::Http {
                        method,
                        url: url.to_owned(),
                        status,
                        message,
                    };
                    if status < 500 {
                        return Err(error);
                    }
                    error
                }
                Err(e) if is_transport(&e) => ApiError::Transport {
                    method,
                    url: url.to_owned(),
                    attempts: attempt + 1,
                    message: error_chain(&e),
                },
                Err(e) => {
                    return Err(ApiError::InvalidResponse {
                        method,
                        url: url.to_owned(),
                        message: error_chain(&e),
                    });
                }
            };
            if attempt >= self.retry.attempts {
                return Err(match failure {
                    ApiError::Http {
                        method,
                        url,
                        status,
                        message,
                    } => ApiError::Http {
                        method,
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
    ) -> Option<Result<Duration, LongWait>> {
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
            return Some(Err(LongWait {
                wait: wait.as_secs(),
                reset: head.reset.filter(|_| head.retry_after.is_none()),
                max_wait: self.retry.max_wait.as_secs(),
            }));
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

/// A rate limit that resets later than the run waits (in seconds; `reset`: the Unix time).
#[derive(Debug, thiserror::Error)]
#[error(
    "it resets in {wait} s{}, longer than the {max_wait} s this run waits",
    reset.map_or(String::new(), |r| format!(" (at Unix time {r})"))
)]
struct LongWait {
    wait: u64,
    reset: Option<u64>,
    max_wait: u64,
}

/// What a response said besides its body.
#[derive(Debug)]
pub struct Head {
    /// The `rel="next"` URL of the `Link` header (a listing's next page).
    pub next: Option<String>,
    pub content_length: Option<u64>,
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

/// A successful response.
pub struct Response {
    pub head: Head,
    pub body: Body,
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
    fn messages() {
        assert_eq!(
            github_message(Some("Not Found"), br#"{"message":"Repository not found"}"#),
            "Repository not found"
        );
        assert_eq!(github_message(Some("Bad Gateway"), b""), "Bad Gateway");
    }
}
