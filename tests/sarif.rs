//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning expects it.
//!
//! Every fixture's SARIF is validated against the OASIS schema (`testdata/schemas/`) and
//! checked for what the schema cannot say: one run, a `rules[]` entry for exactly the rules
//! with results, `ruleIndex` pointing at the rule, relative `%SRCROOT%` locations with
//! 1-based regions, repository-level findings anchored to an existing file, the same
//! fingerprint as the JSON report, `automationDetails` from `--sarif-category`, and
//! `security-severity` on exactly the rules tagged `security`. Two golden snapshots keep
//! the whole document in view, with the absolute `file://` root filtered out.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{
    Run, arg, assert_valid_sarif, crate_root, findings, run_offline, sarif_schema_errors,
    temp_copy_of,
};
use serde_json::Value;

const ORG_PACK: &str = "testdata/config/org-pack.toml";
const ORG_FAIL: &str = "testdata/config/org-fail";

/// Every fixture folder of every family (`testdata/<family>/*`, `testdata/config/org-*`),
/// sorted.
fn fixture_dirs() -> Vec<String> {
    let mut dirs = Vec::new();
    for (parent, prefix) in [
        ("testdata/required-files", ""),
        ("testdata/config", "org-"),
        ("testdata/dockerignore", ""),
        ("testdata/pinning", ""),
        ("testdata/secrets", ""),
    ] {
        for entry in std::fs::read_dir(crate_root().join(parent)).expect("read testdata") {
            let entry = entry.expect("a testdata entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().expect("file type").is_dir() && name.starts_with(prefix) {
                dirs.push(format!("{parent}/{name}"));
            }
        }
    }
    dirs.sort();
    dirs
}

/// `verify <path> --format sarif <extra…>`: the run and the parsed document.
fn sarif(path: &str, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["verify", path, "--format", "sarif"];
    args.extend_from_slice(extra);
    let run = run_offline(&args);
    let doc = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "`{}` does not print JSON ({e})\n{}",
            args.join(" "),
            run.describe()
        )
    });
    (run, doc)
}

/// `verify <path> --format json <extra…>`: the run and the parsed report.
fn json(path: &str, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["verify", path, "--format", "json"];
    args.extend_from_slice(extra);
    let run = run_offline(&args);
    let doc = run.json();
    (run, doc)
}

/// The tags of every loaded rule (`rules --format json`), by id.
fn rule_tags(packs: &[&str]) -> BTreeMap<String, Vec<String>> {
    let mut args = vec!["rules", "--format", "json"];
    for p in packs {
        args.extend_from_slice(&["--rules", p]);
    }
    let run = run_offline(&args);
    assert_eq!(run.code, 0, "{}", run.describe());
    run.json()["rules"]
        .as_array()
        .expect("rules is an array")
        .iter()
        .map(|r| {
            let tags = r["tags"]
                .as_array()
                .expect("tags is an array")
                .iter()
                .map(|t| t.as_str().expect("a tag").to_owned())
                .collect();
            (r["id"].as_str().expect("an id").to_owned(), tags)
        })
        .collect()
}

/// Decode `%XX` escapes (a URI's path to the file name it stands for).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("a percent-encoded UTF-8 path")
}

fn str_of<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
}

/// The single run of a SARIF log.
fn the_run(doc: &Value) -> &Value {
    let runs = doc["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "exactly one run");
    &runs[0]
}

fn results(doc: &Value) -> &Vec<Value> {
    the_run(doc)["results"]
        .as_array()
        .expect("results is an array")
}

fn sarif_level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        "note" => "note",
        other => panic!("unknown severity {other}"),
    }
}

/// What the schema cannot check. `root` is the scanned folder (crate-relative or absolute),
/// `report` the JSON report of the same run, `tags` the rules' declared tags.
/// Returns every problem found, prefixed by `what`.
fn structural_problems(
    what: &str,
    root: &Path,
    doc: &Value,
    report: &Value,
    tags: &BTreeMap<String, Vec<String>>,
    category: Option<&str>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |p: String| problems.push(format!("{what}: {p}"));

    if doc["version"] != "2.1.0" {
        problem(format!("version is {}", doc["version"]));
    }
    if !doc["$schema"].as_str().is_some_and(|s| s.contains("sarif")) {
        problem(format!("$schema is {}", doc["$schema"]));
    }
    let runs = doc["runs"].as_array().map_or(0, Vec::len);
    if runs != 1 {
        problem(format!("{runs} runs, expected one"));
        return problems;
    }
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    if driver["name"] != "template-validator" {
        problem(format!("tool.driver.name is {}", driver["name"]));
    }
    for key in ["semanticVersion", "informationUri"] {
        if driver[key].as_str().is_none_or(str::is_empty) {
            problem(format!("tool.driver.{key} is missing"));
        }
    }

    // %SRCROOT% is an absolute folder, as a `file://` URI ending with `/`: the scanned
    // folder, or the repository root above it (then every URI starts with the scanned
    // folder's path in the repository, as code scanning reads them).
    let abs = crate_root()
        .join(root)
        .canonicalize()
        .expect("canonical root");
    let base = &run["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    let mut base_dir = abs.clone();
    match base.as_str() {
        Some(uri) if uri.starts_with("file:///") && uri.ends_with('/') => {
            let decoded = percent_decode(&uri["file://".len()..]);
            base_dir = Path::new(decoded.trim_end_matches('/')).to_owned();
            if !abs.starts_with(&base_dir) {
                problem(format!(
                    "%SRCROOT% is {uri}, not the folder {} or one above it",
                    abs.display()
                ));
            }
        }
        _ => problem(format!("%SRCROOT% uri is {base}")),
    }
    let prefix: String = abs
        .strip_prefix(&base_dir)
        .map(|rel| {
            rel.components()
                .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();

    // automationDetails.id: `<category>/` exactly when --sarif-category is given.
    match (category, run.get("automationDetails")) {
        (None, None) => {}
        (None, Some(a)) => problem(format!("automationDetails without --sarif-category: {a}")),
        (Some(c), a) => {
            let id = a.and_then(|a| a["id"].as_str()).unwrap_or_default();
            let expected = format!("{}/", c.trim_end_matches('/'));
            if id != expected {
                problem(format!(
                    "automationDetails.id is {id:?}, expected {expected:?}"
                ));
            }
        }
    }

    // Rules: unique ids, the fields code scanning reads, security-severity on exactly the
    // rules tagged `security`.
    let rules = driver["rules"].as_array().cloned().unwrap_or_default();
    let mut rule_ids = BTreeSet::new();
    for rule in &rules {
        let id = rule["id"].as_str().unwrap_or_default().to_owned();
        if !rule_ids.insert(id.clone()) {
            problem(format!("rule {id} is listed twice"));
        }
        for (key, max) in [
            ("/name", 255),
            ("/shortDescription/text", 1024),
            ("/fullDescription/text", 1024),
            ("/help/text", usize::MAX),
            ("/help/markdown", usize::MAX),
        ] {
            let len = rule
                .pointer(key)
                .and_then(Value::as_str)
                .map_or(0, str::len);
            if len == 0 || len > max {
                problem(format!("rule {id}: {key} has {len} bytes"));
            }
        }
        let level = &rule["defaultConfiguration"]["level"];
        if !["error", "warning", "note"].contains(&level.as_str().unwrap_or_default()) {
            problem(format!("rule {id}: defaultConfiguration.level is {level}"));
        }
        let props = &rule["properties"];
        if !["very-high", "high", "medium", "low"]
            .contains(&props["precision"].as_str().unwrap_or_default())
        {
            problem(format!("rule {id}: precision is {}", props["precision"]));
        }
        if !["error", "warning", "recommendation"]
            .contains(&props["problem.severity"].as_str().unwrap_or_default())
        {
            problem(format!(
                "rule {id}: problem.severity is {}",
                props["problem.severity"]
            ));
        }
        let sarif_tags: Vec<&str> = props["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if sarif_tags.len() > 20 {
            problem(format!("rule {id}: {} tags", sarif_tags.len()));
        }
        let declared = tags.get(&id).cloned().unwrap_or_default();
        for t in &declared {
            if !sarif_tags.contains(&t.as_str()) {
                problem(format!("rule {id}: declared tag {t} is missing"));
            }
        }
        let tagged = sarif_tags.contains(&"security");
        match props.get("security-severity") {
            None if tagged => problem(format!("rule {id}: tagged security, no security-severity")),
            None => {}
            Some(_) if !tagged => problem(format!(
                "rule {id}: security-severity without the security tag"
            )),
            Some(Value::String(s)) => {
                let shape = s.split_once('.').is_some_and(|(i, f)| {
                    !i.is_empty()
                        && i.len() <= 2
                        && f.len() == 1
                        && (i.to_owned() + f).bytes().all(|b| b.is_ascii_digit())
                });
                let score: f64 = s.parse().unwrap_or(-1.0);
                if !shape || !(0.1..=10.0).contains(&score) {
                    problem(format!(
                        "rule {id}: security-severity {s:?} is not 0.1..10.0"
                    ));
                }
            }
            Some(other) => problem(format!(
                "rule {id}: security-severity {other} is not a string"
            )),
        }
        // Security rules: tagged `security` in their pack, or of a security family (the
        // issue names secrets and pinning; dockerignore may be counted too).
        let family = id.split('/').next().unwrap_or_default();
        let must =
            declared.iter().any(|t| t == "security") || ["secrets", "pinning"].contains(&family);
        let may = must || family == "dockerignore";
        if must && !tagged {
            problem(format!(
                "rule {id}: a security rule, not tagged security in SARIF"
            ));
        }
        if tagged && !may {
            problem(format!(
                "rule {id}: not a security rule, tagged security in SARIF"
            ));
        }
    }

    // Results: one location each, relative to %SRCROOT%, pointing at an existing file.
    let results = run["results"].as_array().cloned().unwrap_or_default();
    let mut used = BTreeSet::new();
    for (i, r) in results.iter().enumerate() {
        let rule_id = r["ruleId"].as_str().unwrap_or_default();
        used.insert(rule_id.to_owned());
        let at = format!("result {i} ({rule_id})");
        match r["ruleIndex"].as_u64().and_then(|n| rules.get(n as usize)) {
            Some(rule) if rule["id"] == rule_id => {}
            _ => problem(format!(
                "{at}: ruleIndex {} does not point at its rule",
                r["ruleIndex"]
            )),
        }
        if !["error", "warning", "note"].contains(&r["level"].as_str().unwrap_or_default()) {
            problem(format!("{at}: level {}", r["level"]));
        }
        let locations = r["locations"].as_array().map_or(0, Vec::len);
        if locations != 1 {
            problem(format!("{at}: {locations} locations"));
            continue;
        }
        let physical = &r["locations"][0]["physicalLocation"];
        let artifact = &physical["artifactLocation"];
        if artifact["uriBaseId"] != "%SRCROOT%" {
            problem(format!("{at}: uriBaseId {}", artifact["uriBaseId"]));
        }
        let uri = artifact["uri"].as_str().unwrap_or_default();
        // RFC 3986 §4.2: a colon in the first segment would make it a scheme.
        let first_segment = uri
            .trim_start_matches("./")
            .split('/')
            .next()
            .unwrap_or_default();
        if uri.is_empty()
            || uri.starts_with('/')
            || uri.contains('\\')
            || first_segment.contains(':')
        {
            problem(format!(
                "{at}: uri {uri:?} is not a plain relative reference"
            ));
        }
        let file = base_dir.join(percent_decode(uri));
        if !file.is_file() {
            problem(format!("{at}: uri {uri:?} is not an existing file"));
        }
        if let Some(region) = physical.get("region") {
            let n = |k: &str| region.get(k).and_then(Value::as_u64);
            let start_line = n("startLine").unwrap_or(0);
            if start_line < 1 {
                problem(format!("{at}: startLine {}", region["startLine"]));
            }
            if n("startColumn") == Some(0) {
                problem(format!("{at}: startColumn 0"));
            }
            if let Some(end_line) = n("endLine")
                && end_line < start_line
            {
                problem(format!("{at}: endLine before startLine"));
            }
            let one_line = n("endLine").is_none_or(|e| e == start_line);
            if one_line
                && let (Some(s), Some(e)) = (n("startColumn"), n("endColumn"))
                && e <= s
            {
                problem(format!(
                    "{at}: endColumn {e} <= startColumn {s} on one line"
                ));
            }
        }
    }
    let listed: BTreeSet<String> = rule_ids;
    if listed != used {
        problem(format!(
            "rules[] lists {listed:?} but results use {used:?} (rules only for results)"
        ));
    }

    // The same findings as the JSON report, with the same fingerprints, levels and places.
    let expected = findings(report);
    if expected.len() != results.len() {
        problem(format!(
            "{} results, the JSON report has {} findings",
            results.len(),
            expected.len()
        ));
    }
    for f in expected {
        let rule_id = str_of(&f["rule_id"], "rule_id");
        let message = str_of(&f["message"], "message");
        let matching: Vec<&Value> = results
            .iter()
            .filter(|r| {
                r["ruleId"] == rule_id
                    && r["partialFingerprints"]["templateValidator/v2"] == f["fingerprint"]
            })
            .collect();
        let [r] = matching[..] else {
            problem(format!(
                "{} results for {rule_id}: {message}",
                matching.len()
            ));
            continue;
        };
        let at = format!("{rule_id} ({message})");
        let fp = &r["partialFingerprints"]["templateValidator/v2"];
        if *fp != f["fingerprint"] {
            problem(format!(
                "{at}: fingerprint {fp}, JSON has {}",
                f["fingerprint"]
            ));
        }
        if r["level"] != sarif_level(str_of(&f["severity"], "severity")) {
            problem(format!(
                "{at}: level {} for severity {}",
                r["level"], f["severity"]
            ));
        }
        let physical = &r["locations"][0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_default();
        let region = &physical["region"];
        match f["path"].as_str() {
            Some(path) => {
                if percent_decode(uri.trim_start_matches("./")) != format!("{prefix}{path}") {
                    problem(format!("{at}: uri {uri:?} for the path {path:?}"));
                }
                let want = |k: &str| f[k].as_u64();
                let got = |k: &str| region.get(k).and_then(Value::as_u64);
                for (json_key, sarif_key) in [
                    ("line", "startLine"),
                    ("column", "startColumn"),
                    ("end_line", "endLine"),
                    ("end_column", "endColumn"),
                ] {
                    if want(json_key) != got(sarif_key) {
                        problem(format!(
                            "{at}: {sarif_key} {:?}, JSON {json_key} {:?}",
                            got(sarif_key),
                            want(json_key)
                        ));
                    }
                }
            }
            None => {
                // A repository-level finding: the first line of an existing file, nothing more.
                let keys: Vec<&String> = region
                    .as_object()
                    .map(|o| o.keys().collect())
                    .unwrap_or_default();
                if region["startLine"] != 1 || keys.len() != 1 {
                    problem(format!("{at}: repository finding at region {region}"));
                }
            }
        }
        let suppressed = f["suppressed"] == true;
        let suppressions = r.get("suppressions").and_then(Value::as_array);
        if suppressed != suppressions.is_some_and(|s| !s.is_empty()) {
            problem(format!(
                "{at}: suppressed {suppressed}, suppressions {suppressions:?}"
            ));
        }
    }
    problems
}

/// Validate one run's SARIF against the schema and the structural rules; every problem.
fn check(path: &str, extra: &[&str], packs: &[&str]) -> Vec<String> {
    let what = format!("verify {path} {}", extra.join(" "));
    let (run, doc) = sarif(path, extra);
    let (json_run, report) = json(path, extra);
    let mut problems: Vec<String> = sarif_schema_errors(&doc)
        .into_iter()
        .map(|e| format!("{what}: schema: {e}"))
        .collect();
    if run.code != json_run.code || !(run.code == 0 || run.code == 1) {
        problems.push(format!(
            "{what}: exit {} with SARIF, {} with JSON\n{}",
            run.code, json_run.code, run.stderr
        ));
    }
    let category = extra
        .iter()
        .position(|a| *a == "--sarif-category")
        .map(|i| extra[i + 1]);
    problems.extend(structural_problems(
        &what,
        Path::new(path),
        &doc,
        &report,
        &rule_tags(packs),
        category,
    ));
    problems
}

#[test]
fn every_fixture_validates_and_is_well_formed() {
    let dirs = fixture_dirs();
    assert!(
        dirs.len() >= 40 && dirs.iter().any(|d| d.ends_with("org-fail")),
        "the fixture list looks wrong: {dirs:?}"
    );
    let mut problems = Vec::new();
    for dir in &dirs {
        problems.extend(check(dir, &[], &[]));
    }
    problems.extend(check(ORG_FAIL, &["--rules", ORG_PACK], &[ORG_PACK]));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checks above are not vacuous: the fixtures have results of every level, located and
/// repository-level ones, and rules with and without security-severity.
#[test]
fn the_fixtures_cover_every_case_the_checks_look_at() {
    let (_, doc) = sarif("testdata/required-files/codeowners-bad-owner", &[]);
    let run = the_run(&doc);
    let levels: BTreeSet<&str> = results(&doc)
        .iter()
        .map(|r| r["level"].as_str().expect("level"))
        .collect();
    assert_eq!(levels, BTreeSet::from(["error", "note", "warning"]));
    let regions: Vec<&Value> = results(&doc)
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["region"])
        .collect();
    assert!(regions.iter().any(|r| r.get("startColumn").is_some()));
    assert!(regions.iter().any(|r| r.get("startColumn").is_none()));
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["properties"].get("security-severity").is_some())
    );
    assert!(
        rules
            .iter()
            .any(|r| r["properties"].get("security-severity").is_none())
    );

    let (_, clean) = sarif("testdata/required-files/complete", &[]);
    assert!(results(&clean).is_empty());
    assert_eq!(
        the_run(&clean)["tool"]["driver"]["rules"],
        Value::Array(vec![])
    );
}

/// A broken document really fails the schema (the validator is not a no-op).
#[test]
fn the_schema_rejects_a_broken_document() {
    let (_, mut doc) = sarif("testdata/required-files/codeowners-bad-owner", &[]);
    assert_valid_sarif(&doc, "as printed");
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    let errors = sarif_schema_errors(&doc);
    assert!(errors.len() >= 2, "{errors:?}");
}

#[test]
fn repository_findings_are_anchored_to_the_readme_or_the_config() {
    let (_, doc) = sarif("testdata/required-files/missing-license", &[]);
    let anchors: BTreeSet<&str> = results(&doc)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
        })
        .collect();
    assert_eq!(
        anchors,
        BTreeSet::from(["testdata/required-files/missing-license/README.md"])
    );

    // With a configuration file at the root, that file is the anchor.
    let (_tmp, repo) = temp_copy_of("testdata/required-files/cookiecutter-configured");
    std::fs::remove_file(repo.join("{{cookiecutter.project_slug}}/LICENSE")).expect("remove");
    let (_, doc) = sarif(arg(&repo), &["--select", "required-files/license"]);
    assert_valid_sarif(&doc, "cookiecutter-configured without a license");
    let [r] = &results(&doc)[..] else {
        panic!("one result expected: {doc:#}");
    };
    assert_eq!(r["ruleId"], "required-files/license");
    assert_eq!(
        r["locations"][0]["physicalLocation"],
        serde_json::json!({
            "artifactLocation": {"uri": ".template-validator.toml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1}
        })
    );
}

#[test]
fn sarif_category_sets_automation_details_id() {
    let dir = "testdata/required-files/codeowners-bad-owner";
    let mut problems = check(dir, &["--sarif-category", "templates/required-files"], &[]);
    problems.extend(check(dir, &["--sarif-category", "nightly/"], &[]));
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let (_, doc) = sarif(dir, &["--sarif-category", "templates/required-files"]);
    assert_eq!(
        the_run(&doc)["automationDetails"],
        serde_json::json!({"id": "templates/required-files/"})
    );
    let (_, doc) = sarif(dir, &["--sarif-category", "nightly/"]);
    assert_eq!(the_run(&doc)["automationDetails"]["id"], "nightly/");
    let (_, doc) = sarif(dir, &[]);
    assert!(the_run(&doc).get("automationDetails").is_none());
}

/// Writes a pack to `dir/pack.toml` and returns its path.
fn write_pack(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("pack.toml");
    std::fs::write(&path, text).expect("write the pack");
    path
}

/// A pack rule tagged `security` carries the pack's `security_severity`; the same score on
/// an untagged rule is not emitted (GitHub needs the tag).
#[test]
fn security_severity_comes_from_the_pack_on_security_rules_only() {
    let (tmp, repo) = temp_copy_of("testdata/required-files/complete");
    std::fs::write(repo.join("secret.md"), "KEY here\n").expect("write a file");
    let pack = write_pack(
        tmp.path(),
        r#"
[[rule]]
id = "sec/key"
kind = "file-not-contains"
severity = "warning"
title = "No keys"
help = "Remove the key."
tags = ["security", "secrets"]
security_severity = 9.5
[rule.params]
paths = ["**/*.md"]
pattern = 'KEY'
message = "a key in `{path}`"

[[rule]]
id = "sec/plain"
kind = "file-not-contains"
severity = "warning"
title = "No plain words"
help = "Remove the word."
security_severity = 3.0
[rule.params]
paths = ["**/*.md"]
pattern = 'here'
message = "a word in `{path}`"
"#,
    );
    let pack = arg(&pack);
    let repo = arg(&repo);
    let problems = check(repo, &["--rules", pack, "--select", "sec"], &[pack]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let (_, doc) = sarif(repo, &["--rules", pack, "--select", "sec"]);
    let rules = the_run(&doc)["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let by_id: BTreeMap<&str, &Value> = rules
        .iter()
        .map(|r| (r["id"].as_str().expect("id"), &r["properties"]))
        .collect();
    assert_eq!(by_id["sec/key"]["security-severity"], "9.5");
    assert_eq!(
        by_id["sec/key"]["tags"],
        serde_json::json!(["security", "secrets"])
    );
    assert!(
        by_id["sec/plain"].get("security-severity").is_none(),
        "{rules:?}"
    );
}

/// Columns are counted as `columnKind` says: before `MARK` stand an astral character (two
/// UTF-16 code units), a two-byte one and a space.
#[test]
fn columns_follow_the_declared_column_kind() {
    let (tmp, repo) = temp_copy_of("testdata/required-files/complete");
    std::fs::write(repo.join("wide.md"), "\u{1F600}\u{e9} MARK\n").expect("write a file");
    let pack = write_pack(
        tmp.path(),
        r#"
[[rule]]
id = "test/mark"
kind = "file-not-contains"
severity = "error"
title = "No marks"
help = "Remove the mark."
[rule.params]
paths = ["wide.md"]
pattern = 'MARK'
message = "a mark"
"#,
    );
    let (_, doc) = sarif(arg(&repo), &["--rules", arg(&pack), "--select", "test"]);
    assert_valid_sarif(&doc, "wide.md");
    let region = &results(&doc)[0]["locations"][0]["physicalLocation"]["region"];
    let (start, end) = match the_run(&doc)["columnKind"].as_str() {
        Some("unicodeCodePoints") => (4, 8),
        // No columnKind means UTF-16 code units (SARIF 2.1.0 §3.14.17).
        Some("utf16CodeUnits") | None => (5, 9),
        Some(other) => panic!("unknown columnKind {other}"),
    };
    assert_eq!(
        (&region["startColumn"], &region["endColumn"]),
        (&Value::from(start), &Value::from(end)),
        "columnKind {}",
        the_run(&doc)["columnKind"]
    );
}

/// File names with characters a URI cannot hold are percent-encoded, `/` stays, and a
/// colon in the first segment cannot be read as a URI scheme (RFC 3986 §4.2).
#[test]
fn uris_of_unusual_file_names_are_relative_references() {
    let (tmp, repo) = temp_copy_of("testdata/required-files/complete");
    let names = [
        "notes:todo.md",
        "a b#c?d%e.md",
        "{{cookiecutter.slug}}/caf\u{e9} [1].md",
    ];
    for name in names {
        let path = repo.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
        std::fs::write(&path, "MARK\n").expect("write a file");
    }
    let pack = write_pack(
        tmp.path(),
        r#"
[[rule]]
id = "test/mark"
kind = "file-not-contains"
severity = "error"
title = "No marks"
help = "Remove the mark."
[rule.params]
paths = ["**/*.md"]
pattern = 'MARK'
message = "a mark in `{path}`"
"#,
    );
    let repo_arg = arg(&repo);
    let pack = arg(&pack);
    let problems = check(repo_arg, &["--rules", pack, "--select", "test"], &[pack]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let (_, doc) = sarif(repo_arg, &["--rules", pack, "--select", "test"]);
    let uris: BTreeSet<&str> = results(&doc)
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri")
        })
        .collect();
    assert_eq!(uris.len(), names.len(), "{uris:?}");
    for uri in &uris {
        assert!(
            !uri.contains(' ') && !uri.contains('#') && !uri.contains('?') && !uri.contains('{'),
            "{uri:?} holds characters a URI reference cannot"
        );
    }
    assert!(
        uris.contains("%7B%7Bcookiecutter.slug%7D%7D/caf%C3%A9%20%5B1%5D.md"),
        "{uris:?}"
    );
}

#[test]
fn sarif_file_is_written_besides_another_format() {
    let dir = "testdata/required-files/codeowners-bad-owner";
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let (_, printed) = sarif(dir, &[]);
    let printed_text = run_offline(&["verify", dir, "--format", "sarif"]).stdout;

    for (format, marker) in [
        ("json", "\"version\": 1"),
        ("github", "::error "),
        ("human", "error["),
    ] {
        let file = tmp.path().join(format!("{format}.sarif"));
        let run = run_offline(&[
            "verify",
            dir,
            "--format",
            format,
            "--color",
            "never",
            "--sarif-file",
            arg(&file),
        ]);
        assert_eq!(run.code, 1, "{}", run.describe());
        assert!(run.stdout.contains(marker), "{format}: {}", run.stdout);
        assert!(
            !run.stdout.contains("\"$schema\""),
            "SARIF on stdout:\n{}",
            run.stdout
        );
        let text = std::fs::read_to_string(&file).expect("the SARIF file is written");
        let doc: Value = serde_json::from_str(&text).expect("the SARIF file is JSON");
        assert_valid_sarif(&doc, &format!("--sarif-file with --format {format}"));
        assert_eq!(doc, printed, "--sarif-file with --format {format}");
        assert_eq!(text, printed_text);
    }

    // With --output, the main report goes to its own file and the SARIF file is separate.
    let out = tmp.path().join("report.json");
    let file = tmp.path().join("also.sarif");
    let run = run_offline(&[
        "verify",
        dir,
        "--format",
        "json",
        "--output",
        arg(&out),
        "--sarif-file",
        arg(&file),
        "--sarif-category",
        "pr",
    ]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report")).expect("JSON");
    assert_eq!(report["version"], 1);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("SARIF")).expect("JSON");
    assert_valid_sarif(&doc, "--sarif-file with --output");
    assert_eq!(the_run(&doc)["automationDetails"]["id"], "pr/");
}

#[test]
fn sarif_file_in_a_missing_folder_exits_2() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = tmp.path().join("no/such/folder/out.sarif");
    let run = run_offline(&[
        "verify",
        "testdata/required-files/complete",
        "--sarif-file",
        arg(&file),
    ]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("out.sarif"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// Golden SARIF: the absolute root and the tool version are the only things filtered.
fn golden(name: &str, args: &[&str]) {
    let run = run_offline(args);
    assert!(run.code == 0 || run.code == 1, "{}", run.describe());
    let doc: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&doc, name);
    insta::with_settings!({
        filters => vec![
            (r#""file://[^"]*""#, r#""[SRCROOT]""#),
            (r#""semanticVersion": "[^"]*""#, r#""semanticVersion": "[VERSION]""#),
        ],
        omit_expression => true,
        description => args.join(" "),
    }, {
        insta::assert_snapshot!(name, run.stdout);
    });
}

#[test]
fn golden_codeowners_bad_owner() {
    golden(
        "sarif_codeowners_bad_owner",
        &[
            "verify",
            "testdata/required-files/codeowners-bad-owner",
            "--format",
            "sarif",
            "--sarif-category",
            "templates",
        ],
    );
}

#[test]
fn golden_org_pack_on_org_fail() {
    golden(
        "sarif_org_fail_org_pack",
        &["verify", ORG_FAIL, "--rules", ORG_PACK, "--format", "sarif"],
    );
}
