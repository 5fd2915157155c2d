//! One fixture convention for every built-in rule:
//!
//! ```text
//! testdata/rules/<family>/<name>/fires/    a repository on which the rule reports at least once
//! testdata/rules/<family>/<name>/silent/   the closest near-miss, on which it reports nothing
//! testdata/rules/<family>/<name>/fires.snap  what it reports on fires/ (insta)
//! ```
//!
//! Each folder is copied to a temporary folder (with `~~` removed from file contents, see
//! [`common::unsplit`]) and checked with `verify <copy> --select <rule-id> --format json`;
//! a new rule is a pack entry, these two folders and the snapshot. What a folder holds is
//! all there is to a case:
//!
//! - a rule's parameters come from the fixture's own `.template-validator.toml`
//!   (`dockerignore/bulky-in-context` lowers its size threshold there);
//! - engine rules (`kind = "engine"`) cannot be selected alone, so for them `--select` is
//!   left out and the fixture's configuration selects the rule and the one it watches;
//! - a `.template-validator-baseline.json` at the fixture's root is passed as `--baseline`.
//!
//! Suppressed findings (`"suppressed": true`, e.g. baselined) do not count. The folders of
//! the `secrets` family are generated from `testdata/secrets/detectors.toml`, the cases
//! `tests/secrets.rs` runs (see [`secrets_folders_are_generated_from_detectors_toml`]).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{
    Run, arg, crate_root, detector_cases, files_under, findings, listed_rules, run_offline, unsplit,
};
use serde::Serialize;

/// Where the per-rule folders are, relative to the crate root.
const FIXTURES: &str = "testdata/rules";

/// Passed as `--baseline` when a fixture holds it.
const BASELINE: &str = ".template-validator-baseline.json";

/// Built-in rules whose firing cannot be shown by a folder, with the reason. The harness
/// requires folders for every other rule (and none for these). Empty: every rule has them.
const WITHOUT_FOLDERS: &[(&str, &str)] = &[];

/// A rule as `rules --format json` lists it.
struct Rule {
    id: String,
    family: String,
    name: String,
    engine: bool,
}

impl Rule {
    fn dir(&self) -> PathBuf {
        crate_root()
            .join(FIXTURES)
            .join(&self.family)
            .join(&self.name)
    }
}

fn rules() -> Vec<Rule> {
    listed_rules()
        .iter()
        .map(|r| {
            let id = r["id"].as_str().expect("id").to_owned();
            let family = r["family"].as_str().expect("family").to_owned();
            let name = id
                .strip_prefix(&format!("{family}/"))
                .unwrap_or_else(|| panic!("`{id}` starts with its family `{family}/`"))
                .to_owned();
            let engine = r["kind"] == "engine";
            Rule {
                id,
                family,
                name,
                engine,
            }
        })
        .collect()
}

/// Copy `from` into `to`, removing `~~` from every file that is text and from names.
/// Names that no Windows checkout of this repository could hold are stored escaped:
/// `%3F` is `?`, `%7C` is `|` (and `%22 %2A %3A %3C %3E` for `" * : < >`).
fn copy_unsplit(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read a fixture folder") {
        let entry = entry.expect("read a fixture entry");
        let name = entry.file_name();
        let mut name = unsplit(name.to_str().expect("fixture names are UTF-8"));
        for (escaped, c) in [
            ("%22", "\""),
            ("%2A", "*"),
            ("%3A", ":"),
            ("%3C", "<"),
            ("%3E", ">"),
            ("%3F", "?"),
            ("%7C", "|"),
        ] {
            name = name.replace(escaped, c);
        }
        let target = to.join(name);
        if entry.file_type().expect("file type").is_dir() {
            copy_unsplit(&entry.path(), &target);
        } else {
            let bytes = std::fs::read(entry.path()).expect("read a fixture file");
            let bytes = match String::from_utf8(bytes) {
                Ok(text) => unsplit(&text).into_bytes(),
                Err(e) => e.into_bytes(),
            };
            std::fs::write(&target, bytes).expect("write a fixture copy");
        }
    }
}

/// One finding as the snapshots show it.
#[derive(Serialize)]
struct Shown {
    rule: String,
    path: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
    message: String,
}

/// Run the rule on a copy of `<rule>/<case>/`: the run and its unsuppressed findings, with
/// the copy's absolute path (should a message hold it) replaced by `[ROOT]`.
fn check(rule: &Rule, case: &str) -> (Run, Vec<Shown>) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let repo = tmp.path().join("repo");
    copy_unsplit(&rule.dir().join(case), &repo);
    let mut args = vec!["verify", arg(&repo), "--format", "json"];
    if !rule.engine {
        args.extend(["--select", rule.id.as_str()]);
    }
    let baseline = repo.join(BASELINE);
    if baseline.is_file() {
        args.extend(["--baseline", arg(&baseline)]);
    }
    let run = run_offline(&args);
    run.assert_no_panic();
    let doc = run.json();
    let diagnostics = doc["diagnostics"].as_array().map_or(0, Vec::len);
    assert_eq!(diagnostics, 0, "`{}` {case}/\n{}", rule.id, run.describe());
    let root = arg(&repo).to_owned();
    let shown = findings(&doc)
        .iter()
        .filter(|f| f["suppressed"] != true)
        .map(|f| Shown {
            rule: f["rule_id"].as_str().expect("rule_id").to_owned(),
            path: f["path"].as_str().map(str::to_owned),
            line: f["line"].as_u64(),
            column: f["column"].as_u64(),
            message: f["message"]
                .as_str()
                .expect("message")
                .replace(&root, "[ROOT]"),
        })
        .collect();
    (run, shown)
}

/// What is wrong with one rule's folders, if anything (a snapshot mismatch included).
fn problems(rule: &Rule) -> Option<String> {
    let (run, fired) = check(rule, "fires");
    if fired.is_empty() {
        return Some(format!("does not fire on fires/\n{}", run.describe()));
    }
    let others: BTreeSet<&str> = fired
        .iter()
        .map(|f| f.rule.as_str())
        .filter(|r| *r != rule.id)
        .collect();
    if !others.is_empty() {
        return Some(format!("fires/ also gets findings of {others:?}"));
    }
    let (run, silent) = check(rule, "silent");
    if silent.iter().any(|f| f.rule == rule.id) {
        return Some(format!("fires on silent/\n{}", run.describe()));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(rule.dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("{} on fires/", rule.id));
    // One mismatch does not hide the others: the panic becomes this rule's problem.
    let snapshot = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_yaml_snapshot!("fires", fired));
    }));
    snapshot
        .err()
        .map(|_| "the findings on fires/ differ from fires.snap".to_owned())
}

#[test]
fn every_rule_fires_on_its_fires_folder_and_not_on_its_silent_one() {
    let rules: Vec<Rule> = rules()
        .into_iter()
        .filter(|r| !WITHOUT_FOLDERS.iter().any(|(id, _)| *id == r.id))
        .collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(BTreeMap::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(rule) = rules.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Some(problem) = problems(rule) {
                        failures
                            .lock()
                            .expect("no worker panicked holding the lock")
                            .insert(rule.id.clone(), problem);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().expect("the workers are done");
    let report: Vec<String> = failures
        .iter()
        .map(|(id, problem)| format!("`{id}`: {problem}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rules:\n{}",
        failures.len(),
        rules.len(),
        report.join("\n")
    );
}

/// Both folders of every rule hold at least one file (git keeps no empty folder), and
/// every folder under `testdata/rules/` is a rule's.
#[test]
fn every_builtin_rule_has_fires_and_silent_folders() {
    let rules = rules();
    assert_eq!(rules.len(), common::builtin_rules().len());
    let mut missing = Vec::new();
    for rule in &rules {
        let listed = WITHOUT_FOLDERS.iter().any(|(id, _)| *id == rule.id);
        for case in ["fires", "silent"] {
            let dir = rule.dir().join(case);
            let has = dir.is_dir() && !files_under(&dir).is_empty();
            if has == listed {
                missing.push(format!(
                    "`{}`: {FIXTURES}/{}/{}/{case}/ {}",
                    rule.id,
                    rule.family,
                    rule.name,
                    if listed {
                        "exists but the rule is in WITHOUT_FOLDERS"
                    } else {
                        "is missing or empty"
                    }
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));

    // Every folder belongs to a rule, so a renamed rule does not leave its old one behind.
    let ids: BTreeSet<String> = rules.iter().map(|r| r.id.clone()).collect();
    let mut stray = Vec::new();
    for family in std::fs::read_dir(crate_root().join(FIXTURES)).expect("testdata/rules/") {
        let family = family.expect("a family folder").path();
        if !family.is_dir() {
            continue;
        }
        for name in std::fs::read_dir(&family).expect("a family folder") {
            let name = name.expect("a rule folder").path();
            let id = format!(
                "{}/{}",
                family.file_name().expect("a name").to_string_lossy(),
                name.file_name().expect("a name").to_string_lossy()
            );
            if name.is_dir() && !ids.contains(&id) {
                stray.push(id);
            }
        }
    }
    assert!(stray.is_empty(), "folders of no built-in rule: {stray:?}");
}

// ------------------------------------------------------------------ secrets folders

/// The files of `testdata/rules/secrets/`, relative to it, made from the detector cases:
/// the positives in `<name>/fires/`, the negatives in `<name>/silent/`, each in the case's
/// file (`app.env` unless it names one), in a numbered folder when there are several. The
/// text keeps its `~~` splits.
fn secrets_folders() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for case in detector_cases() {
        let name = case.rule.strip_prefix("secrets/").expect("a secrets/ rule");
        let file = case.file.as_deref().unwrap_or("app.env");
        for (folder, texts) in [("fires", &case.positive), ("silent", &case.negative)] {
            for (i, text) in texts.iter().enumerate() {
                let rel = if texts.len() == 1 {
                    format!("{name}/{folder}/{file}")
                } else {
                    format!("{name}/{folder}/{i}/{file}")
                };
                files.insert(rel, format!("{text}\n"));
            }
        }
    }
    files
}

/// The `secrets` folders are what `testdata/secrets/detectors.toml` makes of them. After
/// changing that file, write them again with
/// `UPDATE_SECRETS_FOLDERS=1 cargo test --test rules_harness secrets_folders`.
#[test]
fn secrets_folders_are_generated_from_detectors_toml() {
    let root = crate_root().join(FIXTURES).join("secrets");
    let want = secrets_folders();
    if std::env::var_os("UPDATE_SECRETS_FOLDERS").is_some() {
        let names: BTreeSet<&str> = want
            .keys()
            .map(|rel| rel.split('/').next().expect("a rule name"))
            .collect();
        for name in names {
            for folder in ["fires", "silent"] {
                let dir = root.join(name).join(folder);
                if dir.exists() {
                    std::fs::remove_dir_all(&dir).expect("remove an old folder");
                }
            }
        }
        for (rel, text) in &want {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
            std::fs::write(path, text).expect("write a fixture");
        }
    }
    let have: BTreeMap<String, String> = files_under(&root)
        .into_iter()
        .filter(|rel| rel.contains("/fires/") || rel.contains("/silent/"))
        .map(|rel| {
            let text = std::fs::read_to_string(root.join(&rel)).expect("a fixture is text");
            (rel, text)
        })
        .collect();
    let differ: Vec<&String> = want
        .keys()
        .chain(have.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|rel| want.get(*rel) != have.get(*rel))
        .collect();
    assert!(
        differ.is_empty(),
        "testdata/rules/secrets/ is not what detectors.toml makes ({differ:?}); run \
         `UPDATE_SECRETS_FOLDERS=1 cargo test --test rules_harness secrets_folders`"
    );
}
