//! `verify --github-check`: a Check Run through the GitHub REST API, against a `wiremock`
//! server on 127.0.0.1 (`GITHUB_API_URL`). The built binary runs on the blocking pool while
//! the test's runtime awaits it; the mock server serves from its own thread.
//!
//! Covered: one create (POST) with the first 50 annotations, updates (PATCH) with the rest in
//! batches of at most 50, a final update with the conclusion; request bodies and levels; the
//! 403 of a fork's token (warn once, fall back to workflow commands, keep the exit code);
//! missing variables and server errors (exit 2, no panic); a create retried after a 502 and
//! a secondary rate limit.

mod common;

use std::collections::BTreeMap;

use common::{Run, arg, run_cmd, temp_copy_of, tv_offline};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SHA: &str = "3f786850e387550fdab836ed7e6dc881de23001b";
const TOKEN: &str = "ghs_testtoken0123456789";
const CHECK_ID: u64 = 4242;
const CREATE: &str = "/repos/acme/tpl/check-runs";
const BAD_OWNER: &str = "testdata/required-files/codeowners-bad-owner";
const COMPLETE: &str = "testdata/required-files/complete";
const WARNINGS_ONLY: &str = "testdata/required-files/warnings-only";

fn update_path() -> String {
    format!("{CREATE}/{CHECK_ID}")
}

/// A check run as GitHub returns it (the fields octocrab's model needs).
fn check_run(server: &MockServer) -> Value {
    json!({
        "id": CHECK_ID,
        "node_id": "CR_kwDOtest",
        "details_url": null,
        "head_sha": SHA,
        "url": format!("{}{}", server.uri(), update_path()),
        "html_url": format!("https://github.com/acme/tpl/runs/{CHECK_ID}"),
        "status": "in_progress",
        "conclusion": null,
        "output": {
            "title": null,
            "summary": null,
            "text": null,
            "annotations_count": 0,
            "annotations_url": format!("{}{}/annotations", server.uri(), update_path()),
        },
        "started_at": "2026-08-01T12:00:00Z",
        "completed_at": null,
        "name": "template-validator",
        "pull_requests": [],
    })
}

/// A server that accepts the create and every update.
async fn accepting_server() -> MockServer {
    let server = MockServer::start().await;
    let body = check_run(&server);
    Mock::given(method("POST"))
        .and(path(CREATE))
        .respond_with(ResponseTemplate::new(201).set_body_json(&body))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(update_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;
    server
}

/// The GitHub variables of a workflow run, against `api`.
fn github_env(api: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_API_URL", api.to_owned()),
        ("GITHUB_TOKEN", TOKEN.to_owned()),
        ("GITHUB_REPOSITORY", "acme/tpl".to_owned()),
        ("GITHUB_SHA", SHA.to_owned()),
    ]
}

/// `verify <args…> --github-check --color never` with `env`, on the blocking pool.
async fn verify_check(args: &[&str], env: Vec<(&'static str, String)>) -> Run {
    let mut cmd = tv_offline();
    cmd.arg("verify")
        .args(args)
        .args(["--github-check", "--color", "never"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || run_cmd(&mut cmd))
        .await
        .expect("the binary's thread")
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("the server records requests")
}

fn body(r: &Request) -> Value {
    r.body_json()
        .unwrap_or_else(|e| panic!("{} {} sent no JSON body: {e}", r.method, r.url))
}

/// The annotations of a create or update body (an absent list is empty).
fn annotations(body: &Value) -> Vec<Value> {
    body["output"]["annotations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Every annotation of every request the server received, in order.
fn all_annotations(reqs: &[Request]) -> Vec<Value> {
    reqs.iter().flat_map(|r| annotations(&body(r))).collect()
}

fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "failure",
        "warning" => "warning",
        "note" => "notice",
        other => panic!("unknown severity {other}"),
    }
}

/// `(path, start_line, annotation_level, message)`, sorted, for comparing as multisets.
type Key = (String, u64, String, String);

fn keys_of_annotations(list: &[Value]) -> Vec<Key> {
    let mut keys: Vec<Key> = list
        .iter()
        .map(|a| {
            (
                a["path"].as_str().expect("path").to_owned(),
                a["start_line"].as_u64().expect("start_line"),
                a["annotation_level"]
                    .as_str()
                    .expect("annotation_level")
                    .to_owned(),
                a["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// What the annotations should be, from the JSON report of the same repository:
/// repository-level findings on line 1 of `anchor`.
/// Annotation paths are relative to the repository root: a fixture under `testdata/` sits
/// in the crate root (`GITHUB_WORKSPACE`, see `tv_offline`), a temporary copy is its own root.
fn keys_of_report(repo: &str, anchor: &str) -> Vec<Key> {
    let run = run_cmd(tv_offline().args(["verify", repo, "--format", "json"]));
    let report = run.json();
    let prefix = if std::path::Path::new(repo).is_absolute() {
        String::new()
    } else {
        format!("{repo}/")
    };
    let mut keys: Vec<Key> = common::findings(&report)
        .iter()
        .filter(|f| f["suppressed"] != true)
        .map(|f| {
            (
                format!("{prefix}{}", f["path"].as_str().unwrap_or(anchor)),
                f["line"].as_u64().unwrap_or(1),
                level(f["severity"].as_str().expect("severity")).to_owned(),
                f["message"].as_str().expect("message").to_owned(),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// Every annotation has the fields the Checks API requires, columns only on one line.
fn assert_well_formed(a: &Value) {
    assert!(
        a["path"].as_str().is_some_and(|p| !p.is_empty()),
        "path: {a}"
    );
    let start = a["start_line"].as_u64().expect("start_line");
    let end = a["end_line"].as_u64().expect("end_line");
    assert!(start >= 1 && end >= start, "lines: {a}");
    assert!(
        ["failure", "warning", "notice"].contains(&a["annotation_level"].as_str().unwrap_or("")),
        "annotation_level: {a}"
    );
    assert!(
        a["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message: {a}"
    );
    if a.get("start_column").is_some() || a.get("end_column").is_some() {
        assert_eq!(start, end, "columns on a multi-line annotation: {a}");
        assert!(
            a["end_column"].as_u64() > a["start_column"].as_u64(),
            "columns: {a}"
        );
    }
}

/// A copy of `codeowners-bad-owner` whose CODEOWNERS has `n` lines with an invalid owner.
fn many_findings(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, repo) = temp_copy_of(BAD_OWNER);
    let text: String = (0..n).map(|i| format!("/dir{i}/ owner{i}\n")).collect();
    std::fs::write(repo.join(".github/CODEOWNERS"), text).expect("write CODEOWNERS");
    (tmp, repo)
}

#[tokio::test]
async fn annotations_are_sent_in_batches_of_50_then_the_run_completes_as_failure() {
    let server = accepting_server().await;
    let (_tmp, repo) = many_findings(120);
    let repo = arg(&repo).to_owned();
    let run = verify_check(&[&repo], github_env(&server.uri())).await;
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(!run.stdout.contains("::error"), "{}", run.stdout);

    let expected = keys_of_report(&repo, "README.md");
    assert_eq!(expected.len(), 126, "120 owners + 6 missing files");

    let reqs = requests(&server).await;
    let (posts, patches): (Vec<&Request>, Vec<&Request>) =
        reqs.iter().partition(|r| r.method.as_str() == "POST");
    assert_eq!(posts.len(), 1, "exactly one create");
    assert_eq!(reqs[0].method.as_str(), "POST", "the create comes first");
    assert_eq!(posts[0].url.path(), CREATE);
    for r in &reqs {
        let auth = r
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(auth.ends_with(TOKEN), "authorization header {auth:?}");
    }

    let create = body(posts[0]);
    assert_eq!(create["name"], "template-validator");
    assert_eq!(create["head_sha"], SHA);
    assert_eq!(create["status"], "in_progress");
    assert!(
        create.get("conclusion").is_none_or(Value::is_null),
        "{create}"
    );
    assert!(
        create["output"]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let summary = create["output"]["summary"].as_str().expect("a summary");
    assert!(!summary.is_empty() && summary.chars().count() <= 65_535);
    let first = annotations(&create);
    assert_eq!(first.len(), 50, "the create carries the first 50");

    // 76 more: two updates with annotations (50 + 26), then the completion (which may
    // carry the last batch itself).
    assert!(
        patches.len() == 2 || patches.len() == 3,
        "{} updates",
        patches.len()
    );
    let mut all = first;
    for (i, r) in patches.iter().enumerate() {
        assert_eq!(r.url.path(), update_path());
        let b = body(r);
        let batch = annotations(&b);
        assert!(
            batch.len() <= 50,
            "update {i} has {} annotations",
            batch.len()
        );
        let last = i + 1 == patches.len();
        if last {
            assert_eq!(b["status"], "completed", "{b}");
            assert_eq!(b["conclusion"], "failure", "{b}");
        } else {
            assert!(!batch.is_empty(), "update {i} without annotations");
            assert!(b.get("conclusion").is_none_or(Value::is_null), "{b}");
            assert_ne!(b["status"], "completed", "{b}");
        }
        all.extend(batch);
    }
    assert_eq!(reqs.last().map(|r| r.method.as_str()), Some("PATCH"));
    for a in &all {
        assert_well_formed(a);
    }
    assert_eq!(all.len(), 126, "one annotation per finding");
    assert_eq!(keys_of_annotations(&all), expected);
}

#[tokio::test]
async fn levels_titles_and_locations_of_annotations() {
    let server = accepting_server().await;
    let run = verify_check(&[BAD_OWNER], github_env(&server.uri())).await;
    assert_eq!(run.code, 1, "{}", run.describe());
    let reqs = requests(&server).await;
    assert_eq!(reqs.len(), 2, "create with 8 annotations, then complete");
    let all = all_annotations(&reqs);
    assert_eq!(
        keys_of_annotations(&all),
        keys_of_report(BAD_OWNER, "README.md")
    );
    let by_message: BTreeMap<&str, &Value> = all
        .iter()
        .map(|a| (a["message"].as_str().expect("message"), a))
        .collect();
    let owner = by_message["`team-js` is not a valid owner (expected `@user`, `@org/team` or an e-mail address)"];
    assert_eq!(
        (
            &owner["path"],
            &owner["start_line"],
            &owner["end_line"],
            &owner["start_column"],
            &owner["end_column"],
            &owner["annotation_level"],
        ),
        (
            &json!(format!("{BAD_OWNER}/.github/CODEOWNERS")),
            &json!(3),
            &json!(3),
            &json!(15),
            &json!(22),
            &json!("warning")
        )
    );
    assert!(
        owner["title"]
            .as_str()
            .is_some_and(|t| t.contains("required-files/codeowners-syntax")),
        "{owner}"
    );
    let levels: Vec<&str> = all
        .iter()
        .map(|a| a["annotation_level"].as_str().expect("level"))
        .collect();
    for l in ["failure", "warning", "notice"] {
        assert!(levels.contains(&l), "{levels:?}");
    }
}

#[tokio::test]
async fn a_passing_repository_completes_as_success() {
    let server = accepting_server().await;
    let run = verify_check(&[COMPLETE], github_env(&server.uri())).await;
    assert_eq!(run.code, 0, "{}", run.describe());
    let reqs = requests(&server).await;
    assert_eq!(reqs[0].method.as_str(), "POST");
    let last = body(reqs.last().expect("requests"));
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["conclusion"], "success", "{last}");
    let total: usize = reqs.iter().map(|r| annotations(&body(r)).len()).sum();
    assert_eq!(total, 0);
}

/// Warnings pass unless `--strict`; the conclusion follows the exit code.
#[tokio::test]
async fn the_conclusion_follows_the_exit_code() {
    for (strict, code, conclusion) in [(false, 0, "success"), (true, 1, "failure")] {
        let server = accepting_server().await;
        let mut args = vec![WARNINGS_ONLY];
        if strict {
            args.push("--strict");
        }
        let run = verify_check(&args, github_env(&server.uri())).await;
        assert_eq!(run.code, code, "{}", run.describe());
        let reqs = requests(&server).await;
        let last = body(reqs.last().expect("requests"));
        assert_eq!(last["conclusion"], conclusion, "strict {strict}: {last}");
        let all = all_annotations(&reqs);
        assert_eq!(all.len(), 2);
    }
}

/// GitHub Enterprise: `GITHUB_API_URL` is `https://HOST/api/v3`; requests go under it.
#[tokio::test]
async fn an_api_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    let body = check_run(&server);
    Mock::given(method("POST"))
        .and(path(format!("/api/v3{CREATE}")))
        .respond_with(ResponseTemplate::new(201).set_body_json(&body))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("/api/v3{}", update_path())))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;
    let run = verify_check(&[COMPLETE], github_env(&format!("{}/api/v3", server.uri()))).await;
    let paths: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(run.code, 0, "{}\nrequests: {paths:?}", run.describe());
    assert_eq!(
        paths,
        vec![
            format!("POST /api/v3{CREATE}"),
            format!("PATCH /api/v3{}", update_path())
        ]
    );
}

async fn forbidding_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/checks/runs#create-a-check-run",
            "status": "403"
        })))
        .mount(&server)
        .await;
    server
}

/// A fork's token cannot write checks: one warning, workflow commands instead, and the
/// exit code of the findings.
#[tokio::test]
async fn forbidden_falls_back_to_workflow_commands() {
    let server = forbidding_server().await;
    let run = verify_check(&[BAD_OWNER], github_env(&server.uri())).await;
    assert_eq!(run.code, 1, "{}", run.describe());
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(warnings[0].contains("403"), "{}", warnings[0]);
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    let commands: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        commands
            .iter()
            .filter(|l| l.starts_with("::error "))
            .count(),
        3
    );
    assert_eq!(
        commands
            .iter()
            .filter(|l| l.starts_with("::warning "))
            .count(),
        4
    );
    assert_eq!(
        commands
            .iter()
            .filter(|l| l.starts_with("::notice "))
            .count(),
        1
    );
    assert_eq!(requests(&server).await.len(), 1, "nothing after the 403");

    // A passing repository still passes.
    let server = forbidding_server().await;
    let run = verify_check(&[WARNINGS_ONLY], github_env(&server.uri())).await;
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(run.stdout.contains("::warning "), "{}", run.stdout);
}

/// With `--format github` the annotations are already printed: not twice.
#[tokio::test]
async fn forbidden_with_format_github_prints_the_annotations_once() {
    let server = forbidding_server().await;
    let run = verify_check(
        &[BAD_OWNER, "--format", "github"],
        github_env(&server.uri()),
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.describe());
    let commands = run.stdout.lines().filter(|l| l.starts_with("::")).count();
    assert_eq!(commands, 8, "{}", run.stdout);
}

/// The fallback includes the job summary when `GITHUB_STEP_SUMMARY` is set.
#[tokio::test]
async fn forbidden_writes_the_job_summary() {
    let server = forbidding_server().await;
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let summary = tmp.path().join("summary.md");
    let mut env = github_env(&server.uri());
    env.push((
        "GITHUB_STEP_SUMMARY",
        summary.to_str().expect("UTF-8").to_owned(),
    ));
    let run = verify_check(&[BAD_OWNER], env).await;
    assert_eq!(run.code, 1, "{}", run.describe());
    let md = std::fs::read_to_string(&summary).expect("the summary is written");
    assert!(md.contains("## template-validator"), "{md}");
    assert!(md.contains("| required-files | 3 | 4 | 1 |"), "{md}");
}

#[tokio::test]
async fn a_missing_variable_exits_2_naming_it() {
    let server = accepting_server().await;
    for missing in ["GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_SHA"] {
        for value in [None, Some("")] {
            let mut env: Vec<(&'static str, String)> = github_env(&server.uri())
                .into_iter()
                .filter(|(k, _)| *k != missing)
                .collect();
            if let Some(v) = value {
                env.push((missing, v.to_owned()));
            }
            let run = verify_check(&[COMPLETE], env).await;
            assert_eq!(run.code, 2, "{missing}={value:?}\n{}", run.describe());
            assert!(
                run.stderr.contains(missing),
                "{missing}={value:?}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
    }
    assert!(
        requests(&server).await.is_empty(),
        "no request without a target"
    );
}

#[tokio::test]
async fn a_repository_that_is_not_owner_slash_name_exits_2() {
    let server = accepting_server().await;
    let mut env = github_env(&server.uri());
    env.retain(|(k, _)| *k != "GITHUB_REPOSITORY");
    env.push(("GITHUB_REPOSITORY", "acme".to_owned()));
    let run = verify_check(&[COMPLETE], env).await;
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("GITHUB_REPOSITORY"), "{}", run.stderr);
}

#[tokio::test]
async fn a_server_error_exits_2_without_a_panic() {
    // On the create.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "Server Error"})))
        .mount(&server)
        .await;
    let run = verify_check(&[BAD_OWNER], github_env(&server.uri())).await;
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    assert!(run.stderr.contains("500"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!run.stdout.contains("::error"), "no fallback on a 500");

    // On an update, after a successful create.
    let server = MockServer::start().await;
    let ok = check_run(&server);
    Mock::given(method("POST"))
        .and(path(CREATE))
        .respond_with(ResponseTemplate::new(201).set_body_json(&ok))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(update_path()))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    let run = verify_check(&[COMPLETE], github_env(&server.uri())).await;
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);

    // A create answered with something that is not a check run.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE))
        .respond_with(ResponseTemplate::new(201).set_body_string("<html>proxy</html>"))
        .mount(&server)
        .await;
    let run = verify_check(&[COMPLETE], github_env(&server.uri())).await;
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[tokio::test]
async fn an_unreachable_api_exits_2_without_a_panic() {
    // A port that was free a moment ago and has no listener now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let run = verify_check(&[COMPLETE], github_env(&format!("http://127.0.0.1:{port}"))).await;
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// Baselined findings are not annotated (they leave the counts and the conclusion).
#[tokio::test]
async fn baselined_findings_are_not_annotated() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let baseline = tmp.path().join("baseline.json");
    let run = run_cmd(tv_offline().args(["baseline", BAD_OWNER, "--output", arg(&baseline)]));
    assert_eq!(run.code, 0, "{}", run.describe());
    let server = accepting_server().await;
    let run = verify_check(
        &[BAD_OWNER, "--baseline", arg(&baseline)],
        github_env(&server.uri()),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.describe());
    let reqs = requests(&server).await;
    let total: usize = reqs.iter().map(|r| annotations(&body(r)).len()).sum();
    assert_eq!(total, 0);
    assert_eq!(
        body(reqs.last().expect("requests"))["conclusion"],
        "success"
    );
}

/// A span across lines is annotated with its lines but no columns (the Checks API takes
/// columns only on one line).
#[tokio::test]
async fn a_multi_line_span_is_annotated_without_columns() {
    let (tmp, repo) = temp_copy_of(COMPLETE);
    std::fs::write(repo.join("span.md"), "intro\nBEGIN one\ntwo END\nMARK\n").expect("write");
    let pack = tmp.path().join("pack.toml");
    std::fs::write(
        &pack,
        r#"
[[rule]]
id = "test/span"
kind = "file-not-contains"
severity = "error"
title = "No spans"
help = "Remove the span."
[rule.params]
paths = ["span.md"]
pattern = '(?s)BEGIN.*?END|MARK'
message = "a span"
"#,
    )
    .expect("write the pack");
    let server = accepting_server().await;
    let run = verify_check(
        &[arg(&repo), "--rules", arg(&pack), "--select", "test"],
        github_env(&server.uri()),
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.describe());
    let all = all_annotations(&requests(&server).await);
    assert_eq!(all.len(), 2, "{all:?}");
    for a in &all {
        assert_well_formed(a);
    }
    let span = &all[0];
    assert_eq!(
        (&span["start_line"], &span["end_line"]),
        (&json!(2), &json!(3))
    );
    assert!(
        span.get("start_column").is_none() && span.get("end_column").is_none(),
        "{span}"
    );
    let mark = &all[1];
    assert_eq!(
        (
            &mark["start_line"],
            &mark["start_column"],
            &mark["end_column"]
        ),
        (&json!(4), &json!(1), &json!(5))
    );
}

/// The fallback must not break a machine-readable report on standard output: with
/// `--format json` (or `sarif`) stdout still parses, whatever else the fallback prints.
#[tokio::test]
async fn forbidden_keeps_a_json_or_sarif_report_parseable() {
    for format in ["json", "sarif"] {
        let server = forbidding_server().await;
        let run = verify_check(&[BAD_OWNER, "--format", format], github_env(&server.uri())).await;
        assert_eq!(run.code, 1, "{}", run.describe());
        let parsed: Result<Value, _> = serde_json::from_str(&run.stdout);
        assert!(
            parsed.is_ok(),
            "--format {format}: stdout is no longer JSON after the 403 fallback ({:?}):\n{}",
            parsed.err(),
            run.stdout
        );
    }
}

/// A trailing slash on `GITHUB_API_URL` does not double the slash in request paths.
#[tokio::test]
async fn an_api_url_with_a_trailing_slash_works() {
    let server = accepting_server().await;
    let run = verify_check(&[COMPLETE], github_env(&format!("{}/", server.uri()))).await;
    let paths: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(run.code, 0, "{}\nrequests: {paths:?}", run.describe());
    assert_eq!(
        paths,
        vec![format!("POST {CREATE}"), format!("PATCH {}", update_path())]
    );
}

/// A template in a subfolder of a repository: annotation paths are relative to the
/// repository root (`GITHUB_WORKSPACE`, else the folder with `.git`), where GitHub looks.
#[tokio::test]
async fn annotation_paths_are_relative_to_the_repository_root() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let top = tmp.path().join("mono");
    std::fs::create_dir_all(top.join(".git")).expect("a .git folder");
    let sub = top.join("templates").join("python");
    common::copy_dir(&common::crate_root().join(BAD_OWNER), &sub);
    for workspace in [None, Some(top.clone())] {
        let server = accepting_server().await;
        let mut env = github_env(&server.uri());
        // `tv_offline` sets GITHUB_WORKSPACE to the crate root, which does not hold `sub`.
        if let Some(w) = &workspace {
            env.push(("GITHUB_WORKSPACE", arg(w).to_owned()));
        }
        let run = verify_check(&[arg(&sub)], env).await;
        assert_eq!(run.code, 1, "{}", run.describe());
        let all = all_annotations(&requests(&server).await);
        assert_eq!(all.len(), 8, "{all:?}");
        let paths: Vec<&str> = all.iter().map(|a| a["path"].as_str().unwrap()).collect();
        assert!(
            paths.iter().all(|p| p.starts_with("templates/python/")),
            "{workspace:?}: {paths:?}"
        );
        assert!(
            paths.contains(&"templates/python/.github/CODEOWNERS"),
            "{paths:?}"
        );
    }
}

/// A create answered with a 502, then with a secondary rate limit (`Retry-After`), is sent
/// again until it succeeds: one check run completes, and the exit code is the findings'.
#[tokio::test]
async fn a_create_is_retried_after_a_502_and_a_secondary_rate_limit() {
    let server = accepting_server().await;
    Mock::given(method("POST"))
        .and(path(CREATE))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(CREATE))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .set_body_json(json!({
                    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                })),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    let run = verify_check(&[BAD_OWNER], github_env(&server.uri())).await;
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    assert!(!run.stderr.contains("403"), "no fallback: {}", run.stderr);
    assert!(
        !run.stdout.contains("::error"),
        "no fallback: {}",
        run.stdout
    );
    let reqs = requests(&server).await;
    let methods: Vec<&str> = reqs.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "POST", "POST", "PATCH"]);
    for post in &reqs[..3] {
        assert_eq!(body(post)["head_sha"], SHA);
        assert_eq!(
            annotations(&body(post)).len(),
            8,
            "every try sends the batch"
        );
    }
    let last = body(&reqs[3]);
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["conclusion"], "failure", "{last}");
}
