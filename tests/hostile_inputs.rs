//! Inputs made to kill or stall a scan: deep nesting for every recursive parser, and
//! sizes that would be quadratic. Each must end with a normal exit code, the rest of the
//! file still checked, and a diagnostic where something was skipped.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{arg, findings_of, run, verify_json};
use serde_json::Value;
use template_validator::engine;
use template_validator::rules::RuleSet;
use template_validator::walk::WalkOptions;
use template_validator::work;

fn write(root: &Path, files: &[(&str, String)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn diagnostics(doc: &Value) -> Vec<(String, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const SECRET: &str = "let password = \"hunter2hunter2Xy9\";\n";

/// A Rust file with `body` next to a secret-looking assignment.
fn rust_repo(body: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[("src/main.rs", format!("fn main() {{\n{SECRET}{body}\n}}\n"))],
    );
    tmp
}

fn deep_rust_bodies() -> Vec<(&'static str, String)> {
    let n = 700;
    vec![
        (
            "parentheses",
            format!("let x = {}1{};", "(".repeat(n), ")".repeat(n)),
        ),
        ("braces", format!("{}{}", "{".repeat(n), "}".repeat(n))),
        (
            "brackets",
            format!("let x = {}1{};", "[".repeat(n), "]".repeat(n)),
        ),
        ("not", format!("let x = {}x;", "!".repeat(n))),
        ("minus", format!("let x = {}x;", "- ".repeat(n))),
        ("references", format!("let x = {}x;", "& ".repeat(n))),
        ("closures", format!("let x = {}1;", "|| ".repeat(n))),
        ("returns", format!("let x = {}1;", "return ".repeat(n))),
        ("sums", format!("let x = {}1;", "1 + ".repeat(n))),
        ("method calls", format!("let x = a{};", ".f()".repeat(n))),
        ("calls", format!("let x = a{};", "()".repeat(n))),
        ("indexes", format!("let x = a{};", "[0]".repeat(n))),
        ("casts", format!("let x = 1{};", " as u8".repeat(n))),
        (
            "generics",
            format!("let x: {}u8{} = 1;", "V<".repeat(n), ">".repeat(n)),
        ),
        (
            "else if",
            format!("if a {{}} {}", "else if a {} ".repeat(n)),
        ),
    ]
}

#[test]
fn deeply_nested_rust_falls_back_to_the_text_rules_with_a_diagnostic() {
    // One file per kind of nesting, all in one repository.
    let bodies = deep_rust_bodies();
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<(String, String)> = bodies
        .iter()
        .map(|(what, body)| {
            (
                format!("src/{}.rs", what.replace(' ', "_")),
                format!("fn main() {{\n{SECRET}{body}\n}}\n"),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    write(tmp.path(), &files);
    let (r, doc) = verify_json(arg(tmp.path()), &[]);
    r.assert_no_panic();
    let found = findings_of(&doc, "secrets/generic-password");
    let diags = diagnostics(&doc);
    for (path, _) in &files {
        assert_eq!(
            found.iter().filter(|f| f["path"] == *path).count(),
            1,
            "{path}: {}",
            r.describe()
        );
        assert!(
            diags.iter().any(|(p, m)| p == path
                && m.contains("not parsed as Rust")
                && m.contains("nested deeper")),
            "{path}: {}",
            r.describe()
        );
    }
}

#[test]
fn ordinary_nesting_is_still_parsed() {
    let tmp = rust_repo(&format!("let x = {}1{};", "(".repeat(40), ")".repeat(40)));
    let (r, doc) = verify_json(arg(tmp.path()), &[]);
    assert_eq!(findings_of(&doc, "secrets/generic-password").len(), 1);
    assert!(diagnostics(&doc).is_empty(), "{}", r.describe());
}

#[test]
fn deeply_nested_yaml_json_toml_and_shell_end_normally() {
    let n = 100_000;
    let open = "[".repeat(n);
    let closed = format!("{open}{}", "]".repeat(n));
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (".github/workflows/open.yml", open.clone()),
            (".github/workflows/closed.yml", format!("on: {closed}\n")),
            ("docker-compose.yml", format!("services: {closed}\n")),
            (
                ".devcontainer/devcontainer.json",
                format!("{{\"build\": {closed}}}"),
            ),
            (".devcontainer/b/devcontainer.json", open.clone()),
            ("package.json", format!("{{\"x\": {closed}}}")),
            ("renovate.json", closed.clone()),
            ("Cargo.toml", format!("a = {closed}\n")),
            ("pyproject.toml", format!("x = {}", "{a=".repeat(n / 4))),
            (
                "install.sh",
                format!(
                    "{}curl https://x.example/i.sh | sh{}\n{}x{}\n",
                    "$(".repeat(10_000),
                    ")".repeat(10_000),
                    "(".repeat(10_000),
                    ")".repeat(10_000)
                ),
            ),
            (
                "Dockerfile",
                format!(
                    "FROM scratch\nRUN {}true{}\n",
                    "$(".repeat(10_000),
                    ")".repeat(10_000)
                ),
            ),
        ],
    );
    let (r, doc) = verify_json(arg(tmp.path()), &[]);
    r.assert_no_panic();
    let diags = diagnostics(&doc);
    for path in [
        ".github/workflows/closed.yml",
        ".devcontainer/devcontainer.json",
    ] {
        assert!(
            diags.iter().any(|(p, _)| p == path),
            "{path}: {}",
            r.describe()
        );
    }
    // The shell file is still checked.
    assert!(
        !findings_of(&doc, "pinning/remote-script").is_empty(),
        "{}",
        r.describe()
    );
}

#[test]
fn an_audit_survives_a_repository_that_would_overflow_the_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("checkouts");
    let body = format!("let x = {}1{};", "(".repeat(700), ")".repeat(700));
    write(
        &dir,
        &[
            (
                "deep/src/main.rs",
                format!("fn main() {{\n{SECRET}{body}\n}}\n"),
            ),
            ("plain/README.md", "# plain\n".to_owned()),
        ],
    );
    let out = tmp.path().join("out");
    let r = run(&[
        "audit",
        "--dir",
        arg(&dir),
        "--out",
        arg(&out),
        "--jobs",
        "2",
    ]);
    r.assert_no_panic();
    assert!(r.code == 0 || r.code == 1, "{}", r.describe());
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let rows = summary["repositories"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{summary:#}");
    for row in rows {
        assert!(row["error"].is_null(), "{summary:#}");
    }
}

/// Scan `files` in a new folder on this thread: the work counted, and the findings of
/// `rule`.
fn scan_work(files: &[(&str, String)], rule: &str) -> (u64, usize) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), files);
    let rules = RuleSet::builtin().unwrap();
    let walk = WalkOptions {
        threads: 1,
        ..WalkOptions::default()
    };
    work::take();
    let outcome = engine::scan(tmp.path(), &rules, &walk).unwrap();
    let steps = work::take();
    let found = outcome
        .findings
        .iter()
        .filter(|f| rules.iter().any(|(i, r)| i == f.rule && r.id == rule))
        .count();
    (steps, found)
}

/// The work for inputs of size `n` and `10 n` grows at most about tenfold; both find
/// `expected(n)` findings of `rule`.
fn assert_linear(
    make: impl Fn(usize) -> Vec<(&'static str, String)>,
    rule: &str,
    expected: impl Fn(usize) -> usize,
) {
    let n = 100;
    let (small, found_small) = scan_work(&make(n), rule);
    let (large, found_large) = scan_work(&make(10 * n), rule);
    assert_eq!(found_small, expected(n), "findings at {n}");
    assert_eq!(found_large, expected(10 * n), "findings at {}", 10 * n);
    assert!(small > 0, "no work counted");
    assert!(
        large <= 15 * small,
        "work grows faster than the input: {small} steps for {n}, {large} for {}",
        10 * n
    );
}

const FROM: &str =
    "FROM alpine@sha256:a8560b36e8b8210634f77d9f7f9efd7ffa463e380b75e2e74aff4511df3ef88c\n";

#[test]
fn downloads_executed_later_are_found_in_linear_work() {
    assert_linear(
        |n| {
            let mut d = FROM.to_owned();
            for i in 0..n {
                d.push_str(&format!("RUN curl -o /t/f{i} https://example.com/f{i}\n"));
            }
            for i in 0..n {
                d.push_str(&format!("RUN /t/f{i}\n"));
            }
            for i in 0..n {
                d.push_str(&format!("ADD https://example.com/a{i} /a/{i}\n"));
            }
            for i in 0..n {
                d.push_str(&format!("RUN sh /a/{i}\n"));
            }
            vec![("Dockerfile", d)]
        },
        "pinning/remote-script",
        |n| 2 * n,
    );
}

#[test]
fn a_long_continued_command_is_checked_in_linear_work() {
    assert_linear(
        |n| {
            let mut d = format!("{FROM}RUN true \\\n");
            for i in 0..n {
                d.push_str(&format!("  && curl https://x.example/{i}.sh | sh \\\n"));
                d.push_str("  && curl -fsSL get.example | bash \\\n");
            }
            d.push_str("  && true\n");
            vec![("Dockerfile", d)]
        },
        "pinning/remote-script",
        |n| 2 * n,
    );
}

/// A Dockerfile, a `.dockerignore` and a chain of `depth` nested folders `a/a/…/a/f`.
fn deep_context(depth: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("Dockerfile", "FROM scratch\nCOPY . /\n".to_owned()),
            (
                ".dockerignore",
                "*\n!**/**/**/**/**/*a*a*a*a*b\n".to_owned(),
            ),
        ],
    );
    let mut dir = tmp.path().to_path_buf();
    for _ in 0..depth {
        dir.push("a");
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f"), "x").unwrap();
    tmp
}

#[test]
fn dockerignore_matching_is_linear_in_the_paths_of_a_deep_tree() {
    let rules = RuleSet::builtin().unwrap();
    let walk = WalkOptions {
        threads: 1,
        ..WalkOptions::default()
    };
    // Steps per byte of the paths listed (`a`, `a/a`, …: quadratic in the depth): as
    // long as Docker's own walk would take, whatever the depth. Matching every path
    // against each of its parents again would make it grow with the depth.
    let per_byte = |depth: usize| {
        let tmp = deep_context(depth);
        work::take();
        let outcome = engine::scan(tmp.path(), &rules, &walk).unwrap();
        let steps = work::take() as f64;
        assert!(steps > 0.0, "{:?}", outcome.diagnostics);
        let bytes: usize = (1..=depth + 1).map(|d| 2 * d - 1).sum();
        steps / bytes as f64
    };
    let small = per_byte(40);
    let large = per_byte(400);
    assert!(
        large <= 1.5 * small,
        "steps per path byte: {small} at depth 40, {large} at depth 400"
    );
}

/// A `secret-pattern` rule `id` of `n` keywords `<prefix>00000`, `<prefix>00001`, … and a
/// regex that finds `<prefix>NNNNN_<16 characters>`.
fn keyword_rule(id: &str, prefix: &str, n: usize) -> String {
    let keywords: Vec<String> = (0..n).map(|i| format!("\"{prefix}{i:05}\"")).collect();
    format!(
        r#"[[rule]]
id = "{id}"
kind = "secret-pattern"
severity = "error"
title = "Many keywords"
help = "Remove it."
[rule.params]
name = "org token"
regex = '{prefix}[0-9]{{5}}_(?P<secret>[A-Za-z0-9]{{16}})'
keywords = [{}]
"#,
        keywords.join(", ")
    )
}

/// A pack with one rule of `n` keywords `kw00000`, `kw00001`, ….
fn keyword_pack(dir: &Path, n: usize) -> std::path::PathBuf {
    let path = dir.join("pack.toml");
    std::fs::write(&path, keyword_rule("org/many-keywords", "kw", n)).unwrap();
    path
}

#[test]
fn a_rule_with_too_many_keywords_is_a_config_error_and_the_most_allowed_work() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    write(
        &repo,
        &[("a.txt", "x = kw09999_Kx9mQ2vL8pR4wZ7t\n".to_owned())],
    );

    let pack = keyword_pack(tmp.path(), 10_001);
    let r = run(&["verify", arg(&repo), "--rules", arg(&pack)]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains("10001 keywords") && r.stderr.contains("at most 10000"),
        "{}",
        r.describe()
    );

    let pack = keyword_pack(tmp.path(), 10_000);
    let (r, doc) = verify_json(arg(&repo), &["--rules", arg(&pack)]);
    assert_eq!(
        findings_of(&doc, "org/many-keywords").len(),
        1,
        "{}",
        r.describe()
    );
}

#[test]
fn keywords_of_all_rules_together_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    write(&repo, &[("a.txt", "nothing here\n".to_owned())]);
    // Six rules of 10,000 distinct keywords each: each is allowed, together they are not.
    let rules: String = (0..6)
        .map(|r| keyword_rule(&format!("org/many-keywords-{r}"), &format!("r{r}k"), 10_000))
        .collect();
    let pack = tmp.path().join("pack.toml");
    std::fs::write(&pack, rules).unwrap();
    let r = run(&["verify", arg(&repo), "--rules", arg(&pack)]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stderr.contains("more than 50000 distinct keywords"),
        "{}",
        r.describe()
    );
}
