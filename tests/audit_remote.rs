//! `audit --github-org` plumbing without network: the organisation listing, tarball
//! downloads, rate limits and retries against a wiremock server on 127.0.0.1, and safe
//! extraction of hostile tarballs built in the test.

mod common;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{MockApi, get, github_error};
use flate2::Compression;
use tar::{EntryType, Header};
use template_validator::audit::remote::{Client, ListedRepo, RemoteError, Retry};
use template_validator::audit::tarball::{self, ExtractError, Limits};
use wiremock::ResponseTemplate;
use wiremock::matchers::{header, query_param};

const SHA: &str = "4f1c0f7c2a9e8b6d5c3a1f0e9d8c7b6a5f4e3d2c";
const TOP: &str = "acme-service-template-4f1c0f7";

// ------------------------------------------------------------------ mock server

/// Serve the repository tarball once at `url_path`.
fn serve_tarball(server: &MockApi, url_path: &str) {
    server.on_get_once(url_path, gzip_response(github_tarball()));
}

/// A client of the mock server with short backoffs and rate-limit waits.
fn client(server: &MockApi) -> Client {
    Client::new(&server.uri(), None)
        .expect("a client for the mock server")
        .with_retry(fast())
}

fn fast() -> Retry {
    Retry {
        attempts: 3,
        backoff: Duration::from_millis(10),
        rate_limit_waits: 3,
        max_wait: Duration::from_secs(10),
        secondary_wait: Duration::from_millis(50),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

fn gzip_response(body: Vec<u8>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/x-gzip")
}

// --------------------------------------------------------------------- tarballs

fn gzip(tar: Vec<u8>) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&tar).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}

/// A pax record: `<len> <key>=<value>\n`, the length counting itself.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let rest = format!(" {key}={value}\n");
    let mut len = rest.len() + 1;
    while format!("{len}{rest}").len() != len {
        len += 1;
    }
    format!("{len}{rest}").into_bytes()
}

/// A header whose name and link name are written byte for byte (the tar crate's setters
/// refuse `..` and absolute paths, which is the point of these tests).
fn raw_header(kind: EntryType, name: &[u8], link: &[u8], size: u64) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    let old = h.as_old_mut();
    old.name[..name.len()].copy_from_slice(name);
    old.linkname[..link.len()].copy_from_slice(link);
    h.set_cksum();
    h
}

fn raw(b: &mut tar::Builder<Vec<u8>>, kind: EntryType, name: &str, link: &str, data: &[u8]) {
    let h = raw_header(kind, name.as_bytes(), link.as_bytes(), data.len() as u64);
    b.append(&h, data).expect("a tar entry");
}

fn file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8], mode: u32) {
    let mut h = Header::new_gnu();
    h.set_entry_type(EntryType::Regular);
    h.set_size(data.len() as u64);
    h.set_mode(mode);
    h.set_mtime(0);
    b.append_data(&mut h, name, data).expect("a tar entry");
}

fn dir(b: &mut tar::Builder<Vec<u8>>, name: &str) {
    let mut h = Header::new_gnu();
    h.set_entry_type(EntryType::Directory);
    h.set_size(0);
    h.set_mode(0o755);
    h.set_mtime(0);
    b.append_data(&mut h, name, io::empty())
        .expect("a tar folder entry");
}

fn global_header(b: &mut tar::Builder<Vec<u8>>, sha: &str) {
    let data = pax_record("comment", sha);
    raw(b, EntryType::XGlobalHeader, "pax_global_header", "", &data);
}

fn long_path() -> String {
    format!("{TOP}/docs/{}/guide.md", "very-long-folder-name".repeat(6))
}

/// What `git archive` (GitHub's tarball endpoint) produces: a pax global header with the
/// commit SHA, one top folder, nested files, a long path, a symbolic link.
fn github_tarball() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    global_header(&mut b, SHA);
    dir(&mut b, &format!("{TOP}/"));
    dir(&mut b, &format!("{TOP}/.github/"));
    file(
        &mut b,
        &format!("{TOP}/.github/SECURITY.md"),
        b"# Security\n",
        0o644,
    );
    file(&mut b, &format!("{TOP}/LICENSE"), b"MIT License\n", 0o644);
    file(&mut b, &format!("{TOP}/README.md"), b"# Service\n", 0o644);
    dir(&mut b, &format!("{TOP}/scripts/"));
    file(
        &mut b,
        &format!("{TOP}/scripts/build.sh"),
        b"#!/bin/sh\n",
        0o755,
    );
    dir(&mut b, &format!("{TOP}/src/"));
    dir(&mut b, &format!("{TOP}/src/deep/"));
    dir(&mut b, &format!("{TOP}/src/deep/er/"));
    file(
        &mut b,
        &format!("{TOP}/src/deep/er/main.rs"),
        b"fn main() {}\n",
        0o644,
    );
    file(&mut b, &long_path(), b"long\n", 0o644);
    let mut h = Header::new_gnu();
    h.set_entry_type(EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    b.append_link(&mut h, format!("{TOP}/COPYING"), "LICENSE")
        .expect("a tar symlink entry");
    gzip(b.into_inner().expect("a tar in memory"))
}

// ------------------------------------------------------------ org listing

fn repo_json(
    name: &str,
    template: bool,
    archived: bool,
    branch: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "id": 1,
        "name": name,
        "full_name": format!("acme/{name}"),
        "private": false,
        "default_branch": branch,
        "is_template": template,
        "archived": archived,
        "owner": {"login": "acme"},
    })
}

#[test]
fn lists_every_page_of_an_organisation() {
    let server = MockApi::start();
    let next = |page: u32| {
        format!(
            "<{uri}/organizations/42/repos?per_page=100&page={page}>; rel=\"next\", \
             <{uri}/organizations/42/repos?per_page=100&page=3>; rel=\"last\"",
            uri = server.uri()
        )
    };
    server.mount(
        get("/orgs/acme/repos")
            .and(query_param("per_page", "100"))
            .and(header("authorization", "Bearer s3cret"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("link", next(2).as_str())
                    .set_body_json(serde_json::json!([
                        repo_json("service-template", true, false, Some("main")),
                        repo_json("old-template", true, true, Some("master")),
                    ])),
            )
            .expect(1),
    );
    server.mount(
        get("/organizations/42/repos")
            .and(query_param("page", "2"))
            .and(header("authorization", "Bearer s3cret"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("link", next(3).as_str())
                    .set_body_json(serde_json::json!([
                        repo_json("website", false, false, Some("main")),
                        repo_json("empty", false, false, None),
                    ])),
            )
            .expect(1),
    );
    server.mount(
        get("/organizations/42/repos")
            .and(query_param("page", "3"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header(
                        "link",
                        format!(
                            "<{}/organizations/42/repos?per_page=100&page=1>; rel=\"first\"",
                            server.uri()
                        )
                        .as_str(),
                    )
                    .set_body_json(serde_json::json!([repo_json(
                        "archived-app",
                        false,
                        true,
                        Some("trunk")
                    ),])),
            )
            .expect(1),
    );

    let client = Client::new(&server.uri(), Some("s3cret".into()))
        .unwrap()
        .with_retry(fast());
    let repos = client.list_org("acme").unwrap();
    let repo = |n: &str, b: Option<&str>, t, a| ListedRepo {
        full_name: format!("acme/{n}"),
        default_branch: b.map(str::to_owned),
        is_template: t,
        archived: a,
    };
    assert_eq!(
        repos,
        vec![
            repo("service-template", Some("main"), true, false),
            repo("old-template", Some("master"), true, true),
            repo("website", Some("main"), false, false),
            repo("empty", None, false, false),
            repo("archived-app", Some("trunk"), false, true),
        ]
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn an_unknown_organisation_is_a_clear_error() {
    let server = MockApi::start();
    server.on_get(
        "/orgs/nope/repos",
        ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/repos/repos#list-organization-repositories"
        })),
    );
    let err = client(&server).list_org("nope").unwrap_err();
    assert!(
        matches!(&err, RemoteError::Http { status: 404, message, .. } if message == "Not Found"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "GET /orgs/nope/repos?per_page=100: HTTP 404: Not Found"
    );
    assert_eq!(server.requests().len(), 1, "a 404 is not retried");
}

// ------------------------------------------------------------------- tarballs

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn fetches_the_default_branch_tarball_with_its_sha() {
    let server = MockApi::start();
    serve_tarball(&server, "/repos/acme/service-template/tarball");
    let client = client(&server);
    let fetched = client
        .fetch("acme", "service-template", None, &Limits::default())
        .unwrap();
    assert_eq!(fetched.sha.as_deref(), Some(SHA));
    assert_eq!(fetched.root, fetched.dir.path().join(TOP));
    let root = &fetched.root;
    assert_eq!(read(root, "README.md"), "# Service\n");
    assert_eq!(read(root, ".github/SECURITY.md"), "# Security\n");
    assert_eq!(read(root, "src/deep/er/main.rs"), "fn main() {}\n");
    let long = long_path();
    assert_eq!(read(fetched.dir.path(), &long), "long\n");
    // The link inside the repository is kept.
    let link = root.join("COPYING");
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(read(root, "COPYING"), "MIT License\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |rel: &str| root.join(rel).metadata().unwrap().permissions().mode();
        assert_ne!(mode("scripts/build.sh") & 0o111, 0);
        assert_eq!(mode("README.md") & 0o111, 0);
    }
    // Nothing but the top folder.
    let top: Vec<_> = std::fs::read_dir(fetched.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(top, vec![std::ffi::OsString::from(TOP)]);

    // Dropping the result removes the folder.
    let dir = fetched.dir.path().to_owned();
    drop(fetched);
    assert!(!dir.exists());
}

#[test]
fn fetches_a_ref_through_a_redirect() {
    let server = MockApi::start();
    let codeload = "/codeload/acme/service-template/legacy.tar.gz/refs/heads/feature/x";
    server.on_get_once(
        "/repos/acme/service-template/tarball/feature/x",
        ResponseTemplate::new(302)
            .insert_header("location", format!("{}{codeload}", server.uri()).as_str()),
    );
    serve_tarball(&server, codeload);
    let fetched = client(&server)
        .fetch(
            "acme",
            "service-template",
            Some("feature/x"),
            &Limits::default(),
        )
        .unwrap();
    assert_eq!(fetched.sha.as_deref(), Some(SHA));
    assert_eq!(read(&fetched.root, "LICENSE"), "MIT License\n");
}

#[test]
fn a_missing_repository_is_a_clear_error() {
    let server = MockApi::start();
    server.on_get(
        "/repos/acme/gone/tarball/main",
        github_error(404, "Not Found"),
    );
    let err = client(&server)
        .fetch("acme", "gone", Some("main"), &Limits::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /repos/acme/gone/tarball/main: HTTP 404: Not Found"
    );
    assert!(!err.is_transient());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_oversized_download_is_refused() {
    let server = MockApi::start();
    server.on_get("/repos/acme/big/tarball", gzip_response(github_tarball()));
    let limits = Limits {
        max_compressed_bytes: 100,
        ..Limits::default()
    };
    let err = client(&server)
        .fetch("acme", "big", None, &limits)
        .unwrap_err();
    assert!(
        matches!(err, RemoteError::TooLarge { limit: 100, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "GET /repos/acme/big/tarball: the tarball is larger than 100 bytes"
    );
}

#[test]
fn a_hostile_download_names_the_entry() {
    let server = MockApi::start();
    let mut b = tar::Builder::new(Vec::new());
    raw(&mut b, EntryType::Regular, "../evil", "", b"pwned");
    server.on_get(
        "/repos/acme/evil/tarball",
        gzip_response(gzip(b.into_inner().unwrap())),
    );
    let err = client(&server)
        .fetch("acme", "evil", None, &Limits::default())
        .unwrap_err();
    assert!(matches!(err, RemoteError::Extract { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /repos/acme/evil/tarball: unsafe archive entry `../evil`: `..` components are not allowed"
    );
}

#[test]
fn names_that_would_change_the_url_are_refused() {
    let client = Client::new("http://127.0.0.1:9", None).unwrap();
    let limits = Limits::default();
    assert!(matches!(
        client.fetch("..", "x", None, &limits),
        Err(RemoteError::InvalidName { .. })
    ));
    assert!(matches!(
        client.fetch("acme", "x/../../admin", None, &limits),
        Err(RemoteError::InvalidName { .. })
    ));
    assert!(matches!(
        client.fetch("acme", "x", Some("../../admin"), &limits),
        Err(RemoteError::InvalidName { .. })
    ));
    assert!(matches!(
        client.list_org("a?b"),
        Err(RemoteError::InvalidName { .. })
    ));
}

// ------------------------------------------------------- rate limits and retries

#[test]
fn waits_for_the_rate_limit_reset() {
    let server = MockApi::start();
    let reset = now_secs() + 1;
    server.on_first_get(
        "/repos/acme/svc/tarball",
        github_error(403, "API rate limit exceeded for 127.0.0.1.")
            .insert_header("x-ratelimit-limit", "60")
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
    );
    serve_tarball(&server, "/repos/acme/svc/tarball");
    let fetched = client(&server)
        .fetch("acme", "svc", None, &Limits::default())
        .unwrap();
    // The retry came after the reset second began.
    assert!(now_secs() >= reset);
    assert_eq!(fetched.sha.as_deref(), Some(SHA));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_far_rate_limit_reset_is_an_error_at_once() {
    let server = MockApi::start();
    let reset = now_secs() + 3600;
    server.on_get(
        "/orgs/acme/repos",
        github_error(403, "API rate limit exceeded")
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
    );
    let started = Instant::now();
    let err = client(&server).list_org("acme").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, RemoteError::RateLimited { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "GET /orgs/acme/repos?per_page=100: GitHub rate limit exhausted: HTTP 403: API rate limit exceeded; it resets in "
        ),
        "{text}"
    );
    assert!(text.contains(&format!("(at Unix time {reset})")), "{text}");
    assert!(err.is_transient());
}

#[test]
fn honours_retry_after_on_429() {
    let server = MockApi::start();
    server.on_first_get(
        "/orgs/acme/repos",
        github_error(429, "You have exceeded a secondary rate limit.")
            .insert_header("retry-after", "1"),
    );
    server.on_get_once(
        "/orgs/acme/repos",
        ResponseTemplate::new(200).set_body_json(serde_json::json!([repo_json(
            "svc",
            true,
            false,
            Some("main")
        )])),
    );
    let started = Instant::now();
    let repos = client(&server).list_org("acme").unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(repos.len(), 1);
}

#[test]
fn a_forbidden_response_without_rate_limit_is_not_retried() {
    let server = MockApi::start();
    server.on_get(
        "/repos/acme/private/tarball",
        github_error(403, "Resource not accessible by integration")
            .insert_header("x-ratelimit-remaining", "4999"),
    );
    let err = client(&server)
        .fetch("acme", "private", None, &Limits::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /repos/acme/private/tarball: HTTP 403: Resource not accessible by integration"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn retries_a_server_error() {
    let server = MockApi::start();
    server.on_first_get("/repos/acme/svc/tarball", ResponseTemplate::new(500));
    serve_tarball(&server, "/repos/acme/svc/tarball");
    let fetched = client(&server)
        .fetch("acme", "svc", None, &Limits::default())
        .unwrap();
    assert_eq!(read(&fetched.root, "README.md"), "# Service\n");
}

#[test]
fn gives_up_on_a_server_error_that_lasts() {
    let server = MockApi::start();
    server.on_get("/orgs/acme/repos", github_error(502, "Server Error"));
    let started = Instant::now();
    let err = client(&server).list_org("acme").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        err.to_string(),
        "GET /orgs/acme/repos?per_page=100: HTTP 502: Server Error (gave up after 4 attempts)"
    );
    assert!(err.is_transient());
    assert_eq!(server.requests().len(), 4, "one try and 3 retries");
}

#[test]
fn gives_up_when_nothing_listens() {
    // A port that was free a moment ago: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(&format!("http://127.0.0.1:{port}"), None)
        .unwrap()
        .with_retry(fast());
    let started = Instant::now();
    let err = client.list_org("acme").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(err, RemoteError::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(err.is_transient());
}

// ------------------------------------------------------------ hostile tarballs

/// A parent folder with the destination three levels down, so that an escape lands
/// inside the parent, where it is seen.
struct Sandbox {
    parent: tempfile::TempDir,
    dest: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let parent = tempfile::tempdir().expect("a temporary folder");
        let dest = parent.path().join("a/b/dest");
        std::fs::create_dir_all(&dest).expect("the destination folder");
        Sandbox { parent, dest }
    }

    fn extract(&self, tgz: &[u8], limits: &Limits) -> Result<tarball::Extracted, ExtractError> {
        tarball::extract(tgz, &self.dest, limits)
    }

    /// Every path under the parent that is not the destination or inside it.
    fn outside(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![self.parent.path().to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("the sandbox is readable") {
                let path = entry.expect("the sandbox is readable").path();
                let inside = path.starts_with(&self.dest);
                let on_the_way = self.dest.starts_with(&path);
                if !inside && !on_the_way {
                    out.push(path.clone());
                }
                if path
                    .symlink_metadata()
                    .expect("the sandbox is readable")
                    .is_dir()
                {
                    stack.push(path);
                }
            }
        }
        out
    }

    fn assert_nothing_outside(&self) {
        assert_eq!(self.outside(), Vec::<PathBuf>::new());
    }
}

fn tgz(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    build(&mut b);
    gzip(b.into_inner().expect("a tar in memory"))
}

fn unsafe_entry(err: &ExtractError) -> (&str, &str) {
    match err {
        ExtractError::Unsafe { entry, reason } => (entry.as_str(), reason.as_str()),
        other => panic!("expected an unsafe entry, got {other:?}"),
    }
}

#[test]
fn rejects_parent_components() {
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        file(b, "repo/README.md", b"ok", 0o644);
        raw(b, EntryType::Regular, "repo/../../evil", "", b"pwned");
    });
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        ("repo/../../evil", "`..` components are not allowed")
    );
    assert_eq!(
        err.to_string(),
        "unsafe archive entry `repo/../../evil`: `..` components are not allowed"
    );
    sb.assert_nothing_outside();
}

#[test]
fn rejects_absolute_paths() {
    let sb = Sandbox::new();
    // An absolute path into the parent, so that a write would be seen.
    let target = format!("{}/abs-evil", sb.parent.path().display());
    assert!(target.len() < 100);
    let archive = tgz(|b| raw(b, EntryType::Regular, &target, "", b"pwned"));
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        (target.as_str(), "absolute paths are not allowed")
    );
    let archive = tgz(|b| raw(b, EntryType::Regular, "/abs/evil", "", b"pwned"));
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(unsafe_entry(&err).0, "/abs/evil");
    assert!(!Path::new("/abs/evil").exists());
    sb.assert_nothing_outside();
}

#[test]
fn rejects_a_symlink_out_and_a_write_through_it() {
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        raw(b, EntryType::Symlink, "link", "../../outside", b"");
        raw(b, EntryType::Regular, "link/x", "", b"pwned");
    });
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        (
            "link",
            "the symbolic link target `../../outside` resolves outside the archive"
        )
    );
    sb.assert_nothing_outside();
    assert!(!sb.parent.path().join("a/outside").exists());
}

#[test]
fn rejects_a_write_through_an_inside_symlink() {
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        dir(b, "repo/");
        dir(b, "repo/sub/");
        raw(b, EntryType::Symlink, "repo/link", "sub", b"");
        raw(b, EntryType::Regular, "repo/link/x", "", b"through");
    });
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        (
            "repo/link/x",
            "it would be written through the symbolic link `repo/link`"
        )
    );
    assert!(!sb.dest.join("repo/sub/x").exists());
    sb.assert_nothing_outside();
}

#[test]
fn rejects_a_symlink_that_escapes_through_another_link() {
    // `a/up -> ..` is the root; `b -> a/up/..` looks inside but is the root's parent.
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        dir(b, "a/");
        raw(b, EntryType::Symlink, "a/up", "..", b"");
        raw(b, EntryType::Symlink, "b", "a/up/..", b"");
    });
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        (
            "b",
            "the symbolic link target `a/up/..` resolves outside the archive"
        )
    );
    // No link was created: links are made only once all of them are checked.
    assert!(sb.dest.join("a/up").symlink_metadata().is_err());
    sb.assert_nothing_outside();
}

#[test]
fn rejects_an_absolute_symlink() {
    let sb = Sandbox::new();
    let archive = tgz(|b| raw(b, EntryType::Symlink, "etc", "/etc", b""));
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(unsafe_entry(&err).0, "etc");
    assert!(sb.dest.join("etc").symlink_metadata().is_err());
}

#[test]
fn rejects_a_hardlink_out() {
    let sb = Sandbox::new();
    let archive = tgz(|b| raw(b, EntryType::Link, "passwd", "/etc/passwd", b""));
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        (
            "passwd",
            "hard link target `/etc/passwd`: absolute paths are not allowed"
        )
    );
    let archive = tgz(|b| raw(b, EntryType::Link, "up", "../../../outside", b""));
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(unsafe_entry(&err).0, "up");
    assert!(std::fs::read_dir(&sb.dest).unwrap().next().is_none());
    sb.assert_nothing_outside();
}

#[test]
fn keeps_a_hardlink_inside() {
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        file(b, "repo/LICENSE", b"MIT\n", 0o644);
        raw(b, EntryType::Link, "repo/COPYING", "repo/LICENSE", b"");
    });
    let x = sb.extract(&archive, &Limits::default()).unwrap();
    assert_eq!(x.root, sb.dest.join("repo"));
    assert_eq!(x.sha, None);
    assert_eq!(read(&x.root, "COPYING"), "MIT\n");
}

#[test]
fn rejects_device_and_fifo_entries() {
    for (kind, reason) in [
        (EntryType::Char, "device entries are not allowed"),
        (EntryType::Block, "device entries are not allowed"),
        (EntryType::Fifo, "FIFO entries are not allowed"),
    ] {
        let sb = Sandbox::new();
        let archive = tgz(|b| raw(b, kind, "repo/dev", "", b""));
        let err = sb.extract(&archive, &Limits::default()).unwrap_err();
        assert_eq!(unsafe_entry(&err), ("repo/dev", reason));
        assert!(sb.dest.join("repo/dev").symlink_metadata().is_err());
    }
}

#[test]
fn never_writes_through_a_link_already_in_the_destination() {
    let sb = Sandbox::new();
    let outside = sb.parent.path().join("planted-target");
    std::fs::create_dir(&outside).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, sb.dest.join("planted")).unwrap();
    let archive = tgz(|b| {
        raw(b, EntryType::Regular, "planted/x", "", b"pwned");
    });
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(unsafe_entry(&err).0, "planted/x");
    assert!(std::fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn rejects_an_entry_replacing_another() {
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        file(b, "repo/a", b"first", 0o644);
        raw(b, EntryType::Symlink, "repo/a", "b", b"");
    });
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        ("repo/a", "it replaces an earlier entry")
    );
    assert_eq!(read(&sb.dest, "repo/a"), "first");
}

#[test]
fn rejects_too_many_entries() {
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        for i in 0..50 {
            file(b, &format!("repo/f{i}"), b"x", 0o644);
        }
    });
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let err = sb.extract(&archive, &limits).unwrap_err();
    assert!(
        matches!(err, ExtractError::TooManyEntries { limit: 10 }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "the archive has more than 10 entries");
    let written = std::fs::read_dir(sb.dest.join("repo")).unwrap().count();
    assert_eq!(written, 10);
}

#[test]
fn rejects_an_oversized_extension_header_without_reading_it() {
    let sb = Sandbox::new();
    let huge = vec![b'a'; 2 * 1024 * 1024];
    let archive = tgz(|b| raw(b, EntryType::XHeader, "PaxHeaders/x", "", &huge));
    let err = sb.extract(&archive, &Limits::default()).unwrap_err();
    assert_eq!(
        unsafe_entry(&err),
        (
            "PaxHeaders/x",
            "an extension header of 2097152 bytes (at most 1048576)"
        )
    );
}

/// Counts the bytes a lazy source gave out.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

const MIB: u64 = 1024 * 1024;

/// A gzip stream of a tar produced on demand: nothing is allocated up front.
fn lazy_tgz(tar: impl Read) -> impl Read {
    flate2::read::GzEncoder::new(tar, Compression::fast())
}

fn header_bytes(name: &str, size: u64) -> Vec<u8> {
    raw_header(EntryType::Regular, name.as_bytes(), b"", size)
        .as_bytes()
        .to_vec()
}

#[test]
fn stops_a_gzip_bomb_at_its_header() {
    let sb = Sandbox::new();
    let size = 3 * 1024 * MIB;
    let count = Arc::new(AtomicU64::new(0));
    let tar = Counted {
        inner: io::Cursor::new(header_bytes("repo/bomb.bin", size)).chain(io::repeat(0).take(size)),
        count: count.clone(),
    };
    let limits = Limits {
        max_unpacked_bytes: 4 * MIB,
        ..Limits::default()
    };
    let started = Instant::now();
    let err = tarball::extract(lazy_tgz(tar), &sb.dest, &limits).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(&err, ExtractError::TooLarge { entry, limit } if entry == "repo/bomb.bin" && *limit == 4 * MIB),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the archive unpacks to more than 4194304 bytes (stopped at entry `repo/bomb.bin`)"
    );
    // Buffers on both sides of the gzip stream read ahead a little, not gigabytes.
    let read = count.load(Ordering::Relaxed);
    assert!(read < 64 * MIB, "read {read} bytes of the bomb");
    assert!(sb.dest.join("repo/bomb.bin").symlink_metadata().is_err());
}

/// An endless tar of 1 MiB files of zeros.
struct EndlessTar {
    n: u64,
    current: Box<dyn Read>,
}

impl Read for EndlessTar {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            self.n += 1;
            let header = header_bytes(&format!("repo/zeros{}.bin", self.n), MIB);
            self.current = Box::new(io::Cursor::new(header).chain(io::repeat(0).take(MIB)));
        }
    }
}

#[test]
fn stops_a_gzip_bomb_of_many_entries() {
    let sb = Sandbox::new();
    let tar = EndlessTar {
        n: 0,
        current: Box::new(io::empty()),
    };
    let limits = Limits {
        max_unpacked_bytes: 4 * MIB,
        ..Limits::default()
    };
    let err = tarball::extract(lazy_tgz(tar), &sb.dest, &limits).unwrap_err();
    assert!(
        matches!(&err, ExtractError::TooLarge { entry, .. } if entry == "repo/zeros5.bin"),
        "{err:?}"
    );
    let written: u64 = std::fs::read_dir(sb.dest.join("repo"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(written, 4 * MIB);
    sb.assert_nothing_outside();
}

#[test]
fn an_archive_without_a_single_top_folder_is_rooted_at_the_destination() {
    let sb = Sandbox::new();
    let archive = tgz(|b| {
        file(b, "README.md", b"# x\n", 0o644);
        file(b, "src/lib.rs", b"", 0o644);
    });
    let x = sb.extract(&archive, &Limits::default()).unwrap();
    assert_eq!(x.root, sb.dest);
    assert_eq!(read(&x.root, "README.md"), "# x\n");
}

#[test]
fn not_gzip_is_a_read_error() {
    let sb = Sandbox::new();
    let err = sb
        .extract(b"<html>not a tarball</html>", &Limits::default())
        .unwrap_err();
    assert!(matches!(err, ExtractError::Read { .. }), "{err:?}");
}

// ------------------------------------------------ threads and raw connections

#[test]
fn one_client_serves_many_threads() {
    let server = MockApi::start();
    for i in 0..16 {
        serve_tarball(&server, &format!("/repos/acme/svc{i}/tarball"));
    }
    let client = client(&server);
    let roots: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let client = &client;
                s.spawn(move || {
                    let f = client
                        .fetch("acme", &format!("svc{i}"), None, &Limits::default())
                        .unwrap();
                    read(&f.root, "README.md")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(roots.iter().all(|r| r == "# Service\n"));
}

/// A bare HTTP/1.1 server on 127.0.0.1 that answers the n-th connection with the n-th
/// canned response (bytes as written, then the connection is closed); returns the base
/// URL and a handle giving the number of connections served.
fn raw_server(responses: Vec<Vec<u8>>) -> (String, std::thread::JoinHandle<usize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    let uri = format!(
        "http://{}",
        listener.local_addr().expect("the bound address")
    );
    let handle = std::thread::spawn(move || {
        let mut served = 0;
        for response in responses {
            let (mut stream, _) = listener.accept().expect("a connection");
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n")
                && stream.read(&mut byte).expect("the request") == 1
            {
                request.push(byte[0]);
            }
            let _ = stream.write_all(&response);
            let _ = stream.flush();
            served += 1;
        }
        served
    });
    (uri, handle)
}

fn http_200(body: &[u8], length: Option<usize>) -> Vec<u8> {
    let mut out =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/x-gzip\r\nconnection: close\r\n".to_vec();
    if let Some(length) = length {
        out.extend_from_slice(format!("content-length: {length}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

#[test]
fn retries_a_download_cut_short() {
    let body = github_tarball();
    let cut = http_200(&body[..body.len() / 2], Some(body.len()));
    let full = http_200(&body, Some(body.len()));
    let (uri, served) = raw_server(vec![cut, full]);
    let client = Client::new(&uri, None).unwrap().with_retry(fast());
    let fetched = client
        .fetch("acme", "svc", None, &Limits::default())
        .unwrap();
    assert_eq!(fetched.sha.as_deref(), Some(SHA));
    assert_eq!(read(&fetched.root, "LICENSE"), "MIT License\n");
    assert_eq!(served.join().unwrap(), 2);
}

#[test]
fn caps_a_download_without_a_length() {
    // No content-length: the body runs until the connection closes.
    let body = github_tarball();
    let (uri, served) = raw_server(vec![http_200(&body, None)]);
    let client = Client::new(&uri, None).unwrap().with_retry(fast());
    let limits = Limits {
        max_compressed_bytes: 200,
        ..Limits::default()
    };
    let err = client.fetch("acme", "svc", None, &limits).unwrap_err();
    assert!(
        matches!(err, RemoteError::TooLarge { limit: 200, .. }),
        "{err:?}"
    );
    assert_eq!(served.join().unwrap(), 1);
}
