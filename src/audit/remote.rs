//! Repositories on GitHub (organisation listing, tarball download), through the shared
//! API layer [`crate::github::api`] (its retries and rate limits apply).
//!
//! A blocking [`Client`] that may be shared by many worker threads (rayon) at once. Do not
//! call it from inside an async runtime. Tarballs are streamed from the response into
//! [`tarball::extract`] (no intermediate file, at most a few chunks in memory), with the
//! compressed size capped.

use std::collections::HashSet;
use std::path::PathBuf;

use serde::Deserialize;

use super::tarball::{self, Limits};
use crate::github::api::{Api, Cut, Method};
pub use crate::github::api::{ApiError as RemoteError, Retry};

/// One page of the organisation listing (100 repositories are about 600 KB).
const MAX_PAGE_BODY: u64 = 32 * 1024 * 1024;
/// Pages followed at most (100 repositories each).
const MAX_PAGES: usize = 10_000;

/// A GitHub REST client for audits: blocking, shareable across threads.
#[derive(Debug)]
pub struct Client {
    api: Api,
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
        Ok(Client {
            api: Api::new(api_url, token)?,
        })
    }

    /// A client from `GITHUB_API_URL` (default `https://api.github.com`) and the optional
    /// `GITHUB_TOKEN`.
    pub fn from_env() -> Result<Client, RemoteError> {
        Ok(Client {
            api: Api::from_env()?,
        })
    }

    /// Replace the retry and wait settings.
    pub fn with_retry(self, retry: Retry) -> Client {
        Client {
            api: self.api.with_retry(retry),
        }
    }

    pub fn retry(&self) -> &Retry {
        self.api.retry()
    }

    /// Every repository of the organisation, following the `Link: rel="next"` pages.
    pub fn list_org(&self, org: &str) -> Result<Vec<ListedRepo>, RemoteError> {
        check_name("organisation", org)?;
        self.api.block_on(self.list_org_async(org))
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
                    method: Method::Get,
                    url,
                    message: "the `Link` header points back to a page already read".to_owned(),
                });
            }
            if seen.len() > MAX_PAGES {
                return Err(RemoteError::InvalidResponse {
                    method: Method::Get,
                    url,
                    message: format!("more than {MAX_PAGES} pages"),
                });
            }
            let (head, body) = self
                .api
                .read(Method::Get, &url, None, MAX_PAGE_BODY, "page")
                .await?;
            next = head.next;
            let page: Vec<RawRepo> =
                serde_json::from_slice(&body).map_err(|e| RemoteError::InvalidResponse {
                    method: Method::Get,
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
                    if attempt >= self.api.retry().attempts {
                        return Err(e);
                    }
                    std::thread::sleep(self.api.backoff(attempt));
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
            .api
            .block_on(self.api.send(Method::Get, url, None, cap))
            .map_err(Failure::Fatal)?;
        if success.head.content_length.is_some_and(|len| len > cap) {
            return Err(too_large());
        }
        let dir = tempfile::Builder::new()
            .prefix("template-validator-audit-")
            .tempdir()
            .map_err(|source| {
                Failure::Fatal(RemoteError::Io {
                    context: "cannot create a temporary folder",
                    source,
                })
            })?;
        // Extracted on this thread while the body arrives.
        let mut reader = success.body.into_reader();
        let extracted = tarball::extract(&mut reader, dir.path(), limits);
        let cut = reader.take_cut();
        drop(reader);
        match (cut, extracted) {
            (Some(Cut::TooLarge), _) => Err(too_large()),
            (Some(Cut::Transport(message)), _) => Err(Failure::Transient(RemoteError::Transport {
                method: Method::Get,
                url: url.to_owned(),
                attempts: self.api.retry().attempts + 1,
                message: format!("the download was cut short: {message}"),
            })),
            (None, Ok(x)) => Ok(Fetched {
                dir,
                root: x.root,
                sha: x.sha,
            }),
            (None, Err(error)) => Err(Failure::Fatal(RemoteError::Extract {
                url: url.to_owned(),
                error: Box::new(error),
            })),
        }
    }
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
    fn refs_and_names() {
        assert_eq!(encode_ref("feature/x y").unwrap(), "feature/x%20y");
        assert!(encode_ref("../x").is_err());
        assert!(encode_ref("a//b").is_err());
        assert!(check_name("owner", "acme-corp").is_ok());
        assert!(check_name("owner", "..").is_err());
        assert!(check_name("owner", "a/b").is_err());
    }
}
