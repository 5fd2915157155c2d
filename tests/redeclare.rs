//! Every code-backed rule can be re-declared by an organisation under its own id: both the
//! built-in rule and the organisation's fire, each with its own parameters and severity.
//! Covers every `detect` (pinning), `check` (dockerignore) and `detector` (secrets) value
//! and every kind of every family.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{arg, copy_dir, crate_root, detector_cases, findings, run, unsplit};
use serde_json::Value;

/// The org id that re-declares a built-in rule: `pinning/image-latest` → `org/pinning-image-latest`.
fn org_id(builtin: &str) -> String {
    format!("org/{}", builtin.replace('/', "-"))
}

/// What a rule's code is: its kind and the value that picks its logic.
fn logic(rule: &toml::Table) -> String {
    let kind = rule["kind"].as_str().expect("kind");
    let params = rule.get("params").and_then(|p| p.as_table());
    let pick = ["detect", "check", "detector"]
        .iter()
        .find_map(|k| params.and_then(|p| p.get(*k)).and_then(|v| v.as_str()));
    match (kind, pick) {
        ("secret-pattern", None) => "secret-pattern/regex".to_owned(),
        (kind, Some(v)) => format!("{kind}/{v}"),
        (kind, None) => kind.to_owned(),
    }
}

/// The built-in rules other than the engine's own, as their pack tables.
fn builtin_rules() -> Vec<toml::Table> {
    template_validator::rules::BUILTIN_PACKS
        .iter()
        .flat_map(|(_, text)| {
            let doc: toml::Table = toml::from_str(text).expect("a built-in pack is TOML");
            doc["rule"]
                .as_array()
                .expect("[[rule]]")
                .iter()
                .map(|r| r.as_table().expect("a rule table").clone())
                .collect::<Vec<_>>()
        })
        .filter(|r| r["kind"].as_str() != Some("engine"))
        .collect()
}

/// A pack re-declaring every built-in rule under `org/`, with another severity.
fn org_pack(dir: &Path) -> PathBuf {
    let rules: Vec<toml::Value> = builtin_rules()
        .into_iter()
        .map(|mut r| {
            let id = r["id"].as_str().expect("id").to_owned();
            let severity = if r["severity"].as_str() == Some("error") {
                "warning"
            } else {
                "error"
            };
            r.insert("id".into(), org_id(&id).into());
            r.insert("severity".into(), severity.into());
            toml::Value::Table(r)
        })
        .collect();
    let mut doc = toml::Table::new();
    doc.insert("rule".into(), toml::Value::Array(rules));
    let path = dir.join("org-everything.toml");
    std::fs::write(&path, toml::to_string(&doc).expect("serialise the pack")).expect("write");
    path
}

fn write(root: &Path, rel: &str, text: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, text).expect("write");
}

/// A repository with a secret of every case of `testdata/secrets/detectors.toml`.
fn secrets_repo(root: &Path) {
    for (i, case) in detector_cases().iter().enumerate() {
        let file = case.file.as_deref().unwrap_or("app.env");
        for (j, p) in case.positive.iter().enumerate() {
            write(
                root,
                &format!("s{i}/{j}/{file}"),
                format!("{}\n", unsplit(p)).as_bytes(),
            );
        }
    }
}

/// A build context large in files and bytes, sending more than its one COPY needs.
fn big_context_repo(root: &Path) {
    write(root, "Dockerfile", b"FROM scratch\nCOPY app /app\n");
    write(root, ".dockerignore", b"# nothing ignored\n*.tmp\n");
    write(root, "app/main.txt", b"hello\n");
    write(root, "data/blob.bin", &vec![7u8; 11 * 1024 * 1024]);
    for i in 0..600 {
        write(root, &format!("many/f{i}.txt"), b"x\n");
    }
}

/// `(rule, path, line, column, message)` of each finding, by rule id.
type Place = (Option<String>, Option<u64>, Option<u64>, String);

fn places(doc: &Value) -> BTreeMap<String, BTreeSet<Place>> {
    let mut out: BTreeMap<String, BTreeSet<Place>> = BTreeMap::new();
    for f in findings(doc) {
        out.entry(f["rule_id"].as_str().expect("rule_id").to_owned())
            .or_default()
            .insert((
                f["path"].as_str().map(str::to_owned),
                f["line"].as_u64(),
                f["column"].as_u64(),
                f["message"].as_str().expect("message").to_owned(),
            ));
    }
    out
}

/// Remove every `.template-validator.toml` under `dir`.
fn remove_configs(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("read a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            remove_configs(&path);
        } else if path
            .file_name()
            .is_some_and(|n| n == ".template-validator.toml")
        {
            std::fs::remove_file(&path).expect("remove a configuration");
        }
    }
}

#[test]
fn every_rule_redeclared_under_an_org_id_fires_beside_the_builtin() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pack = org_pack(tmp.path());
    let secrets = tmp.path().join("secrets");
    secrets_repo(&secrets);
    let big = tmp.path().join("big");
    big_context_repo(&big);

    // Fixtures whose findings do not depend on where the repository root is share one
    // repository (one run); required files are judged at the root, so each is its own.
    let shared = tmp.path().join("shared");
    copy_dir(&secrets, &shared.join("secrets"));
    copy_dir(&big, &shared.join("big"));
    let mut repos: Vec<PathBuf> = vec![shared.clone()];
    for family in ["dockerignore", "pinning", "required-files"] {
        let dir = crate_root().join("testdata").join(family);
        let mut subdirs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixture folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        for sub in subdirs {
            if family == "required-files" {
                repos.push(sub);
            } else {
                let name = sub.file_name().expect("a name").to_string_lossy();
                copy_dir(&sub, &shared.join(format!("{family}-{name}")));
            }
        }
    }
    // Each template rule's firing fixture; a name Windows cannot hold is made here (the
    // repository stores none).
    let template_rules = crate_root().join("testdata/rules/template");
    for entry in std::fs::read_dir(&template_rules).expect("template rule folders") {
        let dir = entry.expect("entry").path();
        let name = dir
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        copy_dir(&dir.join("fires"), &shared.join(format!("template-{name}")));
    }
    let portable = shared.join("template-names");
    std::fs::create_dir_all(&portable).expect("mkdir");
    std::fs::write(portable.join("what?.md"), "# What\n").expect("write");
    repos.push(crate_root().join("testdata/config/org-fail"));

    let rules = builtin_rules();
    let mut fired: BTreeSet<String> = BTreeSet::new();
    let mut failures = Vec::new();
    for repo in &repos {
        // Fixtures carry their own configuration for other tests: run on a copy without it.
        let copy = tmp.path().join("copy");
        let _ = std::fs::remove_dir_all(&copy);
        copy_dir(repo, &copy);
        remove_configs(&copy);
        let out = run(&[
            "verify",
            arg(&copy),
            "--format",
            "json",
            "--rules",
            arg(&pack),
        ]);
        assert!(out.code == 0 || out.code == 1, "{}", out.describe());
        let found = places(&out.json());
        for rule in &rules {
            let id = rule["id"].as_str().expect("id");
            let builtin = found.get(id).cloned().unwrap_or_default();
            let org = found.get(&org_id(id)).cloned().unwrap_or_default();
            if builtin != org {
                failures.push(format!(
                    "{}: `{id}` reported {builtin:?}\n  but `{}` reported {org:?}",
                    repo.display(),
                    org_id(id)
                ));
            }
            if !builtin.is_empty() {
                fired.insert(logic(rule));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let every: BTreeSet<String> = rules.iter().map(logic).collect();
    let unexercised: Vec<&String> = every.difference(&fired).collect();
    assert!(
        unexercised.is_empty(),
        "no fixture makes these fire, so their re-declaration is untested: {unexercised:?}"
    );
}

/// `verify --format json --rules PACK EXTRA…` on a repository holding `file` (path, text):
/// the run and its findings by rule.
fn verify_with_pack(
    file: (&str, &[u8]),
    pack: &str,
    extra: &[&str],
) -> (common::Run, BTreeMap<String, BTreeSet<Place>>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    write(&repo, file.0, file.1);
    let pack_path = tmp.path().join("org.toml");
    std::fs::write(&pack_path, pack).expect("write the pack");
    let mut args = vec!["verify", arg(&repo), "--format", "json"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--rules", arg(&pack_path)]);
    let out = run(&args);
    let found = places(&out.json());
    (out, found)
}

/// `require_hashes` is a rule's own: an advisory organisation rule asking for hashes does
/// not make the built-in `requirement-unpinned` report missing hashes (which would fail a
/// `--strict` run).
#[test]
fn require_hashes_applies_to_the_rule_that_sets_it() {
    let (out, found) = verify_with_pack(
        ("requirements.txt", b"requests==2.32.3\n"),
        r#"[[rule]]
id = "org/requirement-hashes"
kind = "pinning"
severity = "note"
title = "Requirements carry hashes"
help = "Add `--hash` to every requirement (`pip-compile --generate-hashes`)."
params = { detect = "requirement-unpinned", require_hashes = true }
"#,
        &["--strict", "--select", "pinning/requirement-unpinned,org"],
    );
    assert_eq!(
        out.code,
        0,
        "an advisory rule fails nothing\n{}",
        out.describe()
    );
    assert!(
        !found.contains_key("pinning/requirement-unpinned"),
        "{found:?}"
    );
    let org = &found["org/requirement-hashes"];
    assert_eq!(org.len(), 1, "{org:?}");
    assert!(
        org.iter().all(|p| p.3.contains("has no `--hash`")),
        "{org:?}"
    );
}

/// Two rules of one kind keep their own parameters: the same `file-exists` check with
/// another message reports that message.
#[test]
fn each_redeclared_rule_uses_its_own_parameters() {
    let (out, found) = verify_with_pack(
        ("README.md", b"# x\n"),
        r#"[[rule]]
id = "org/changelog"
kind = "file-exists"
severity = "warning"
title = "A changelog exists"
help = "Add CHANGELOG.md."
params = { names = ["CHANGELOG.md"], message = "org: no changelog" }

[[rule]]
id = "org/changelog-strict"
kind = "file-exists"
severity = "error"
title = "A changelog exists"
help = "Add CHANGELOG.md."
params = { names = ["CHANGELOG.md"], message = "strict org: no changelog" }
"#,
        &["--select", "org"],
    );
    let messages = |id: &str| -> Vec<String> { found[id].iter().map(|p| p.3.clone()).collect() };
    assert_eq!(messages("org/changelog"), ["org: no changelog"]);
    assert_eq!(
        messages("org/changelog-strict"),
        ["strict org: no changelog"]
    );
    assert_eq!(out.code, 1, "{}", out.describe());
}
