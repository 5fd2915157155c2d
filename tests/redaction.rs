//! No secret can be recovered from any output: fingerprints are computed from redacted
//! lines, the whole value of a secret is hidden (a key in a JSON string to its closing
//! quote), every finding on a secret's line hides it, snippets of long lines are clipped,
//! and every format agrees on lines (a lone `\r` ends a line) and columns.

mod common;

use std::path::Path;

use common::{arg, findings, run};
use serde_json::Value;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, text).expect("write the file");
}

fn verify(root: &Path, format: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["verify", arg(root), "--format", format];
    args.extend_from_slice(extra);
    let r = run(&args);
    r.assert_no_panic();
    r
}

/// A random-looking value of `len` characters from a seed, without any word in it.
fn value(seed: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// Every format's output, concatenated.
fn all_outputs(root: &Path, extra: &[&str]) -> String {
    ["human", "json", "sarif", "github"]
        .iter()
        .map(|f| {
            let r = verify(root, f, extra);
            format!("{}\n{}", r.stdout, r.stderr)
        })
        .collect()
}

/// No run of 8 characters of `secret` past its fourth appears in `out`.
fn assert_hidden(out: &str, secret: &str, what: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for w in chars[4..].windows(8) {
        let piece: String = w.iter().collect();
        assert!(
            !out.contains(&piece),
            "{what}: `{piece}` of the secret is in the output\n{out}"
        );
    }
}

fn fingerprints(root: &Path) -> Vec<(String, String)> {
    let doc: Value = verify(root, "json", &["--select", "secrets,pinning"]).json();
    findings(&doc)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
                f["fingerprint"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_do_not_depend_on_a_secret_past_what_is_shown() {
    let make = |tail_seed: u64| {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        // Same length, same first four characters, different rest.
        let password = format!("Xk9f{}", value(tail_seed, 12));
        let token = format!("ghp_{}", value(tail_seed + 100, 36));
        write(
            tmp.path(),
            "settings.py",
            &format!("import os\nDB_PASSWORD = \"{password}\"\n"),
        );
        write(
            tmp.path(),
            "Dockerfile",
            &format!(
                "FROM alpine:3.20\nRUN curl -fsSL -H \"Authorization: token {token}\" https://example.com/install.sh | sh\n"
            ),
        );
        tmp
    };
    let (a, b) = (make(1), make(2));
    let (fa, fb) = (fingerprints(a.path()), fingerprints(b.path()));
    let rules: Vec<&str> = fa.iter().map(|(r, _)| r.as_str()).collect();
    for expected in [
        "secrets/generic-password",
        "secrets/github-pat-classic",
        "pinning/remote-script",
    ] {
        assert!(rules.contains(&expected), "{expected} not in {fa:?}");
    }
    assert_eq!(
        fa, fb,
        "a fingerprint changed with the hidden characters of a secret"
    );
}

#[test]
fn a_finding_on_a_secrets_line_does_not_show_the_secret() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let token = format!("ghp_{}", value(7, 36));
    write(
        tmp.path(),
        "Dockerfile",
        &format!(
            "FROM alpine:3.20\nRUN curl -fsSL https://x:{token}@example.com/install.sh | sh\n"
        ),
    );
    let out = all_outputs(tmp.path(), &["--select", "secrets,pinning"]);
    assert!(out.contains("pinning/remote-script"), "{out}");
    assert_hidden(&out, &token, "a URL with a token");
}

#[test]
fn every_shape_of_key_is_hidden_whole_in_every_format() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    // Key bodies as the detectors accept them: DER (a base64 SEQUENCE, `MI…`), and
    // OpenSSH's own format (`openssh-key-v1`, `b3BlbnNzaC1rZXktdjE…`).
    let lines: Vec<String> = (0..20)
        .map(|i| match i {
            0 => format!("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC{}", value(i, 32)),
            _ => value(i, 64),
        })
        .collect();
    let ssh_lines: Vec<String> = (0..20)
        .map(|i| match i {
            0 => format!("b3BlbnNzaC1rZXktdjE{}", value(100 + i, 45)),
            _ => value(100 + i, 64),
        })
        .collect();
    let body_escaped = lines.join("\\n");
    let ssh_body = ssh_lines.join("\n");
    let shapes = [
        (
            "service-account.json",
            format!(
                "{{\"type\": \"service_account\", \"private_key_id\": \"abc\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body_escaped}\\n-----END PRIVATE KEY-----\\n\", \"client_email\": \"x@y.iam.gserviceaccount.com\"}}\n"
            ),
        ),
        (
            "config.json",
            format!(
                "{{\"key\": \"-----BEGIN RSA PRIVATE KEY-----\\n{body_escaped}\\n-----END RSA PRIVATE KEY-----\\n\", \"n\": 1}}\n"
            ),
        ),
        (
            "values.yaml",
            format!(
                "tls:\n  key: |\n    -----BEGIN EC PRIVATE KEY-----\n    {}\n    -----END EC PRIVATE KEY-----\n",
                lines.join("\n    ")
            ),
        ),
        (
            "keys.py",
            format!(
                "KEY = \"\"\"-----BEGIN OPENSSH PRIVATE KEY-----\n{ssh_body}\n-----END OPENSSH PRIVATE KEY-----\"\"\"\n"
            ),
        ),
        (
            "main.js",
            format!(
                "const key = '-----BEGIN RSA PRIVATE KEY-----\\n' +\n  '{}\\n' +\n  '-----END RSA PRIVATE KEY-----';\n",
                lines.join("\\n' +\n  '")
            ),
        ),
        (
            "long.cfg",
            format!(
                "owners = {} token = \"ghp_{}\" {}\n",
                "ab".repeat(3000),
                value(99, 36),
                "cd".repeat(3000)
            ),
        ),
    ];
    for (name, text) in &shapes {
        write(tmp.path(), name, text);
    }
    let doc: Value = verify(tmp.path(), "json", &["--select", "secrets"]).json();
    for (name, _) in &shapes {
        assert!(
            findings(&doc)
                .iter()
                .any(|f| f["path"].as_str() == Some(name)),
            "no secret found in {name}: {doc:#}"
        );
    }
    let out = all_outputs(tmp.path(), &["--select", "secrets"]);
    for (i, line) in lines.iter().chain(&ssh_lines).enumerate() {
        assert_hidden(&out, line, &format!("key line {i}"));
    }
    assert_hidden(
        &out,
        &format!("ghp_{}", value(99, 36)),
        "a token on a long line",
    );
}

#[test]
fn a_snippet_of_a_long_line_is_a_window_around_its_span() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    // 2,000 invalid owners on one line: 2,000 findings, each with a short snippet.
    let owners: Vec<String> = (0..2000).map(|i| format!("owner{i}")).collect();
    write(
        tmp.path(),
        ".github/CODEOWNERS",
        &format!("* {}\n", owners.join(" ")),
    );
    let r = verify(
        tmp.path(),
        "human",
        &["--select", "required-files/codeowners-syntax"],
    );
    let count = r.stdout.matches("codeowners-syntax]").count();
    assert_eq!(count, 2000, "{}", &r.stdout[..r.stdout.len().min(2000)]);
    let longest = r.stdout.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 1000, "a snippet line of {longest} bytes");
    // The human format names the same column as JSON.
    let doc = verify(
        tmp.path(),
        "json",
        &["--select", "required-files/codeowners-syntax"],
    )
    .json();
    let last = findings(&doc).last().expect("findings");
    let header = format!(
        "--> .github/CODEOWNERS:1:{}",
        last["column"].as_u64().expect("a column")
    );
    assert!(
        r.stdout.contains(&header),
        "no `{header}` in the human output"
    );
}

#[test]
fn a_lone_carriage_return_ends_a_line_in_every_format() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let password = format!("Zq8L{}", value(5, 14));
    write(
        tmp.path(),
        "config.yaml",
        &format!("a: 1\rb: 2\rpassword: \"{password}\"\rc: 3\r"),
    );
    write(
        tmp.path(),
        ".github/workflows/ci.yml",
        "on: push\rjobs:\r  build:\r    runs-on: ubuntu-latest\r    steps:\r      - uses: actions/checkout@v4\r",
    );
    let doc = verify(tmp.path(), "json", &["--select", "secrets,pinning"]).json();
    let at = |rule: &str| {
        findings(&doc)
            .iter()
            .find(|f| f["rule_id"].as_str() == Some(rule))
            .map(|f| (f["line"].as_u64(), f["column"].as_u64()))
    };
    assert_eq!(
        at("secrets/generic-password"),
        Some((Some(3), Some(12))),
        "{doc:#}"
    );
    let unpinned = at("pinning/action-unpinned");
    assert_eq!(unpinned.map(|(l, _)| l), Some(Some(6)), "{doc:#}");
    // The same column as with `\n` line ends.
    assert_eq!(unpinned.map(|(_, c)| c), Some(Some(32)), "{doc:#}");
    let gh = verify(tmp.path(), "github", &["--select", "secrets,pinning"]);
    assert!(
        gh.stdout
            .contains("file=config.yaml,line=3,endLine=3,col=12"),
        "{}",
        gh.stdout
    );
}

#[test]
fn the_human_format_shows_a_reasonless_suppression_at_its_column() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let password = format!("Xk9f{}", value(3, 12));
    write(
        tmp.path(),
        "settings.py",
        &format!("DB_PASSWORD = \"{password}\"  # template-validator: allow secrets\n"),
    );
    let doc = verify(tmp.path(), "json", &["--select", "secrets,core"]).json();
    let f = findings(&doc)
        .iter()
        .find(|f| f["rule_id"] == "core/suppression-without-reason")
        .expect("a reasonless suppression is reported");
    let col = f["column"].as_u64().expect("a column");
    assert_eq!(col, 37);
    let human = verify(tmp.path(), "human", &["--select", "secrets,core"]);
    assert!(
        human.stdout.contains(&format!("--> settings.py:1:{col}")),
        "{}",
        human.stdout
    );
    // Only the directive is shown, never the suppressed secret.
    assert_hidden(
        &all_outputs(tmp.path(), &["--select", "secrets,core"]),
        &password,
        "suppressed",
    );
}

#[test]
fn a_version_1_baseline_still_accepts_its_secrets() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let password = format!("Xk9f{}", value(11, 12));
    write(
        tmp.path(),
        "settings.py",
        &format!("DB_PASSWORD = \"{password}\"\n"),
    );
    let doc = verify(tmp.path(), "json", &["--select", "secrets"]).json();
    let f = &findings(&doc)[0];
    // A v1 baseline: its fingerprint was a hash of the raw line.
    let baseline = serde_json::json!({
        "version": 1,
        "findings": [{
            "fingerprint": "00000000deadbeef",
            "rule_id": f["rule_id"],
            "path": f["path"],
            "message": f["message"],
        }],
    });
    let file = tmp.path().join("baseline.json");
    std::fs::write(&file, baseline.to_string()).expect("write the baseline");
    let r = verify(
        tmp.path(),
        "json",
        &["--select", "secrets", "--baseline", arg(&file)],
    );
    assert_eq!(r.code, 0, "{}", r.describe());
    let doc = r.json();
    assert_eq!(findings(&doc).len(), 1, "{doc:#}");
    assert!(
        findings(&doc)
            .iter()
            .all(|f| f["suppressed"] == true && f["rule_id"] != "core/baseline-fixed"),
        "{doc:#}"
    );
}
