//! The `secrets` family: every detector finds its positives and skips its negatives
//! (`testdata/secrets/detectors.toml`), decoys are never findings, inline suppressions,
//! redaction in every output format, and bad input.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{
    arg, builtin_rules, copy_dir, crate_root, detector_cases, diagnostics, findings, run, unsplit,
    verify_json,
};
use serde_json::Value;
use template_validator::engine;
use template_validator::settings::{RuleArgs, load_config, load_rules};
use template_validator::walk::WalkOptions;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, text).expect("write the file");
}

/// (path, line) → rule ids found there.
fn by_location(doc: &Value) -> BTreeMap<(String, u64), Vec<String>> {
    let mut out: BTreeMap<(String, u64), Vec<String>> = BTreeMap::new();
    for f in findings(doc) {
        let path = f["path"].as_str().unwrap_or_default().to_owned();
        let line = f["line"].as_u64().unwrap_or(0);
        out.entry((path, line))
            .or_default()
            .push(f["rule_id"].as_str().unwrap_or_default().to_owned());
    }
    out
}

#[test]
fn every_secrets_rule_has_positive_and_negative_detector_cases() {
    let cases = detector_cases();
    for rule in builtin_rules()
        .iter()
        .filter(|r| r.id.starts_with("secrets/"))
    {
        let case = cases.iter().find(|c| c.rule == rule.id);
        let case = case.unwrap_or_else(|| panic!("no case for `{}`", rule.id));
        assert!(!case.positive.is_empty(), "{}", rule.id);
        assert!(!case.negative.is_empty(), "{}", rule.id);
    }
    assert!(
        builtin_rules()
            .iter()
            .filter(|r| r.id.starts_with("secrets/"))
            .count()
            >= 60
    );
}

#[test]
fn detectors_find_positives_and_skip_negatives() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let mut positives = Vec::new();
    let mut negatives = Vec::new();
    for case in detector_cases() {
        let name = case.rule.trim_start_matches("secrets/");
        let file = case.file.as_deref().unwrap_or("app.env");
        for (i, p) in case.positive.iter().enumerate() {
            let rel = format!("pos/{name}/{i}/{file}");
            write(root, &rel, &format!("{}\n", unsplit(p)));
            positives.push((case.rule.clone(), rel, unsplit(p)));
        }
        for (i, n) in case.negative.iter().enumerate() {
            let rel = format!("neg/{name}/{i}/{file}");
            write(root, &rel, &format!("{}\n", unsplit(n)));
            negatives.push((case.rule.clone(), rel, unsplit(n)));
        }
    }
    let (run, doc) = verify_json(arg(root), &["--select", "secrets"]);
    let found = by_location(&doc);
    let mut failures = Vec::new();
    for (rule, rel, text) in &positives {
        // On the first line, or for a multi-line case (a `value:` under its `name:`) anywhere.
        let multi_line = text.contains('\n');
        let got: Vec<&String> = found
            .iter()
            .filter(|((p, line), _)| p == rel && (*line == 1 || multi_line))
            .flat_map(|(_, ids)| ids)
            .collect();
        if !got.contains(&rule) {
            failures.push(format!("missed `{rule}` in {rel}: {text:?} (got {got:?})"));
        }
    }
    for (rule, rel, text) in &negatives {
        let got: Vec<&String> = found
            .iter()
            .filter(|((p, _), _)| p == rel)
            .flat_map(|(_, ids)| ids)
            .collect();
        if !got.is_empty() {
            failures.push(format!(
                "negative of `{rule}` in {rel} reported by {got:?}: {text:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        run.describe()
    );
}

#[test]
fn decoys_are_not_findings() {
    let (run, doc) = verify_json("testdata/secrets/decoys", &["--select", "secrets"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(findings(&doc).is_empty(), "{:#?}", findings(&doc));
    assert!(doc["summary"]["files_scanned"].as_u64().unwrap_or(0) >= 15);
}

// ------------------------------------------------------------------------ suppression

/// Written in pieces so that this file is not itself a leak to other scanners.
const TOKEN: &str = concat!("gh", "p_I9EO8CORHCFFz2Nmvh86UKvNzp45zo2KbT71");

#[test]
fn suppression_with_a_reason_drops_the_finding() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let same = format!(
        "GH_TOKEN={TOKEN}  # template-validator: allow secrets/github-pat-classic -- revoked test token\n"
    );
    let previous = format!(
        "# template-validator: allow secrets -- fixture for the upload test\nGH_TOKEN={TOKEN}\n"
    );
    write(tmp.path(), "same.env", &same);
    write(tmp.path(), "previous.env", &previous);
    let (run, doc) = verify_json(arg(tmp.path()), &["--select", "secrets,core"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(findings(&doc).is_empty(), "{:#?}", findings(&doc));
    assert_eq!(doc["summary"]["errors"], 0);
}

#[test]
fn suppression_applies_to_its_rule_only_and_one_line_down() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "# template-validator: allow secrets/jwt -- other rule\nA={TOKEN}\n# template-validator: allow secrets/github-pat-classic -- too far\n\nB={TOKEN}\n"
    );
    write(tmp.path(), "x.env", &text);
    let (run, doc) = verify_json(arg(tmp.path()), &["--select", "secrets,core"]);
    assert_eq!(run.code, 1, "{}", run.describe());
    let lines: Vec<u64> = findings(&doc)
        .iter()
        .map(|f| f["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, vec![2, 5], "{:#?}", findings(&doc));
}

#[test]
fn suppression_without_a_reason_is_a_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "x.env",
        &format!("GH_TOKEN={TOKEN} # template-validator: allow secrets/github-pat-classic\n"),
    );
    let (result, doc) = verify_json(arg(tmp.path()), &["--select", "secrets,core"]);
    assert_eq!(result.code, 0, "{}", result.describe());
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule_id"], "core/suppression-without-reason");
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(f[0]["line"], 1);
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["summary"]["warnings"], 1);
    // The warning shows the directive, never the secret on its line.
    let human = run_human(tmp.path(), &["--select", "secrets,core"]);
    assert!(human.contains("core/suppression-without-reason"), "{human}");
    assert!(!human.contains(TOKEN), "{human}");
    // --strict fails on it.
    let strict = run(&[
        "verify",
        arg(tmp.path()),
        "--select",
        "secrets,core",
        "--strict",
    ]);
    assert_eq!(strict.code, 1, "{}", strict.describe());
}

#[test]
fn suppression_works_for_other_families() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        ".github/CODEOWNERS",
        "# template-validator: allow required-files/codeowners-syntax -- owner added after copy\n* bad-owner\n",
    );
    let (_, doc) = verify_json(
        arg(tmp.path()),
        &["--select", "required-files/codeowners-syntax"],
    );
    assert!(findings(&doc).is_empty(), "{:#?}", findings(&doc));
}

// -------------------------------------------------------------------------- redaction

fn run_human(root: &Path, extra: &[&str]) -> String {
    let mut args = vec!["verify", arg(root), "--color", "never"];
    args.extend_from_slice(extra);
    let r = run(&args);
    format!("{}{}", r.stdout, r.stderr)
}

#[test]
fn no_output_format_contains_a_planted_secret() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let secrets = [
        TOKEN.to_owned(),
        concat!("AK", "IAGLZ2EJVEX5OTACP3").to_owned(),
        "H8fTDkTPBv0f9+jkHlt6Xmxn/ZFMJJwuJ6akdQ/+".to_owned(),
        "UaKHZ4wwAxjrGxW1pB2D".to_owned(),
        "APYIHMk-S8K^kL*HXstT".to_owned(),
        "MIIEpAIBAAKCAQEA1A/ZOL5mXdOsLiNV+Uap9CGBv4qGObdpmhWbd8GYVUXPY88h".to_owned(),
    ];
    write(
        tmp.path(),
        "app.env",
        &format!(
            "GH_TOKEN={} AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\nDATABASE_URL=postgres://app:{}@db.internal/app\n",
            secrets[0], secrets[1], secrets[2], secrets[3]
        ),
    );
    write(
        tmp.path(),
        "values.yaml",
        &format!("db:\n  password: {}\n", secrets[4]),
    );
    write(
        tmp.path(),
        "server.key",
        &format!(
            "-----BEGIN RSA {}-----\n{}\n-----END RSA {}-----\n",
            "PRIVATE KEY", secrets[5], "PRIVATE KEY",
        ),
    );
    let human = run_human(tmp.path(), &[]);
    let (json_run, doc) = verify_json(arg(tmp.path()), &[]);
    let json = json_run.stdout.clone();
    let out = tmp.path().join("report.json");
    let to_file = run(&[
        "verify",
        arg(tmp.path()),
        "--format",
        "json",
        "-o",
        arg(&out),
    ]);
    assert_eq!(to_file.code, 1, "{}", to_file.describe());
    let file_json = std::fs::read_to_string(&out).expect("report written");
    assert!(findings(&doc).len() >= 6, "{:#?}", findings(&doc));
    for (name, text) in [
        ("human", &human),
        ("json", &json),
        ("json file", &file_json),
    ] {
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "{name} output leaks `{s}`:\n{text}"
            );
            // Nor any 8-character run of it.
            for w in s.as_bytes().windows(8) {
                let w = std::str::from_utf8(w).unwrap_or_default();
                if w.chars().all(|c| c.is_ascii_alphanumeric()) {
                    assert!(!text.contains(w), "{name} output leaks part `{w}` of `{s}`");
                }
            }
        }
    }
    assert!(human.contains("ghp_…(40)"), "{human}");
    assert!(json.contains("AKIA…(20)"), "{json}");
}

// -------------------------------------------------------------------------- bad input

/// Scan with the library, the secrets family's `max_file_size` raised to `limit` bytes in
/// the configuration alone: the engine then reads files that large (above its own default).
fn scan_large(root: &Path, limit: u64) -> engine::Outcome {
    let config_path = root.join(".template-validator.toml");
    std::fs::write(
        &config_path,
        format!("select = [\"secrets\"]\n[rules.secrets]\nmax_file_size = {limit}\n"),
    )
    .expect("write config");
    let args = RuleArgs::default();
    let config = load_config(&args, Some(root)).expect("config");
    let rules = load_rules(&args, &config).expect("rules");
    engine::scan(root, &rules, &WalkOptions::default()).expect("scan")
}

#[test]
fn fifty_megabyte_minified_line_is_scanned_linearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut text = String::with_capacity(50 << 20);
    let chunk = "var a=function(t){return t.token||t.key||null};";
    while text.len() < 25 << 20 {
        text.push_str(chunk);
    }
    let at = text.chars().count() + 1;
    text.push_str(&format!("var k=\"{TOKEN}\";"));
    while text.len() < 50 << 20 {
        text.push_str(chunk);
    }
    write(tmp.path(), "dist/bundle.min.js", &text);
    let started = std::time::Instant::now();
    let outcome = scan_large(tmp.path(), 64 << 20);
    let elapsed = started.elapsed();
    let f: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.location.path.as_deref() == Some("dist/bundle.min.js"))
        .collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    let region = f[0].location.region.expect("a region");
    assert_eq!((region.start_line, region.start_col as usize), (1, at + 7));
    // Not a timing assertion of the product, a guard against a quadratic blow-up.
    assert!(elapsed.as_secs() < 120, "took {elapsed:?}");
}

#[test]
fn ten_million_short_lines() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut text = String::with_capacity(21 << 20);
    for i in 0..10_000_000u32 {
        text.push(char::from(b'a' + (i % 26) as u8));
        text.push('\n');
    }
    text.push_str(&format!("token: {TOKEN}\n"));
    write(tmp.path(), "lines.txt", &text);
    let outcome = scan_large(tmp.path(), 64 << 20);
    let lines: Vec<u32> = outcome
        .findings
        .iter()
        .filter_map(|f| f.location.region.map(|r| r.start_line))
        .collect();
    assert_eq!(lines, vec![10_000_001]);
}

#[test]
fn oversized_files_are_skipped_with_a_note() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut text = format!("GH_TOKEN={TOKEN}\n");
    while text.len() < 6 << 20 {
        text.push_str("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n");
    }
    write(tmp.path(), "big.txt", &text);
    let (_, doc) = verify_json(arg(tmp.path()), &["--select", "secrets"]);
    assert!(findings(&doc).is_empty(), "{:#?}", findings(&doc));
    let diags = diagnostics(&doc);
    assert!(
        diags
            .iter()
            .any(|(p, m)| p == "big.txt" && m.contains("max_file_size")),
        "{diags:?}"
    );
}

#[test]
fn pem_block_without_end_is_reported_at_begin() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "keys/cut.pem",
        // template-validator: allow secrets/private-key-openssh -- a truncated key header, the fixture of this test
        "# truncated\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n",
    );
    write(
        tmp.path(),
        "keys/only-begin.pem",
        "-----BEGIN RSA PRIVATE KEY-----",
    );
    let (run, doc) = verify_json(arg(tmp.path()), &["--select", "secrets"]);
    run.assert_no_panic();
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule_id"], "secrets/private-key-openssh");
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("keys/cut.pem"), Some(2))
    );
}

#[test]
fn rust_sources_use_syntax_and_fall_back_to_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "src/good.rs",
        concat!(
            "pub const DB_PASSWORD: &str = \"GF^zdNiIfy*OrxJ3Jdk%\";\n",
            "static API_KEY: &str = r#\"oXMsrxAcBGjporUgWi8JfeKvM0UfwySywMxu2CHa\"#;\n",
            "fn f() {\n    let password = \"QS~#e4EJksdVWj%mB~r4\";\n",
            "    let c = Config { client_secret: \"udw6ri1UMp88WSgBO6IKZaJaHWDvdqzK\", password: String::new() };\n",
            "    let password_hint = \"Kx9#mQ2$vL8@pR4!\";\n}\n",
        ),
    );
    write(
        tmp.path(),
        "src/broken.rs",
        "const PASSWORD: &str = \"GF^zdNiIfy*OrxJ3Jdk%\";\nfn broken( {\n",
    );
    let (run, doc) = verify_json(arg(tmp.path()), &["--select", "secrets"]);
    run.assert_no_panic();
    let got: Vec<(String, u64, u64)> = findings(&doc)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("src/broken.rs".to_owned(), 1, 25),
            ("src/good.rs".to_owned(), 1, 32),
            ("src/good.rs".to_owned(), 2, 27),
            ("src/good.rs".to_owned(), 4, 21),
            ("src/good.rs".to_owned(), 5, 38),
        ],
        "{:#?}",
        findings(&doc)
    );
}

#[test]
fn invalid_utf8_lines_keep_columns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut bytes = b"# \xff\xfe broken\nx\xc3= 1; GH_TOKEN=".to_vec();
    bytes.extend_from_slice(TOKEN.as_bytes());
    bytes.push(b'\n');
    std::fs::write(tmp.path().join("mixed.env"), bytes).expect("write");
    let (run, doc) = verify_json(arg(tmp.path()), &["--select", "secrets"]);
    run.assert_no_panic();
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["column"].as_u64()),
        (Some(2), Some(17))
    );
}

#[test]
fn custom_pack_adds_a_detector_without_code() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pack = tmp.path().join("pack.toml");
    std::fs::write(
        &pack,
        r#"
[[rule]]
id = "org/internal-token"
kind = "secret-pattern"
severity = "error"
title = "No hard-coded internal token"
help = "Rotate it in the internal console and load it from Vault."
[rule.params]
name = "internal token"
regex = '\b(?P<secret>acme_[a-z0-9]{24})\b'
keywords = ["acme_"]
min_entropy = 3.0
"#,
    )
    .expect("write pack");
    let repo = tmp.path().join("repo");
    copy_dir(&crate_root().join("testdata/secrets/decoys"), &repo);
    write(
        &repo,
        "config.yaml",
        "internal: acme_q8v2k9x4m1z7c3b6n5l0p2w8\nother: acme_aaaaaaaaaaaaaaaaaaaaaaaa\n",
    );
    let (_, doc) = verify_json(arg(&repo), &["--rules", arg(&pack), "--select", "org"]);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule_id"], "org/internal-token");
    assert_eq!(f[0]["message"], "internal token `acme…(29)` is hard-coded");
}

#[test]
fn detector_without_keywords_searches_every_whole_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pack = tmp.path().join("pack.toml");
    std::fs::write(
        &pack,
        r#"
[[rule]]
id = "org/pin"
kind = "secret-pattern"
severity = "error"
title = "No hard-coded PIN"
help = "Load it from the secret store."
[rule.params]
regex = 'PIN (?P<secret>[0-9]{4}-[0-9]{4}-[0-9]{4})'
placeholders = false
"#,
    )
    .expect("write pack");
    let repo = tmp.path().join("repo");
    // No keyword of any detector in either file: only the whole-file search finds it.
    write(&repo, "a/notes.txt", "line one\nPIN 4821-9930-1174\n");
    write(&repo, "b/notes.txt", "PIN 48-21\n");
    let (_, doc) = verify_json(arg(&repo), &["--rules", arg(&pack), "--select", "org"]);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("a/notes.txt"), Some(2))
    );
}
