//! The published JSON Schemas (`template-validator schema config|rules|template-config`, `schemas/`) and the
//! rule tables of README.md are generated: they stay current, and the schemas accept what
//! the tool accepts and reject what it rejects.

mod common;

use std::path::{Path, PathBuf};

use common::{crate_root, run};
use serde_json::Value;

fn generated(file: &str) -> String {
    let out = run(&["schema", file]);
    assert_eq!(out.code, 0, "{}", out.describe());
    out.stdout
}

fn validator(file: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&generated(file)).expect("the schema is JSON");
    jsonschema::draft7::new(&schema).expect("the schema is a valid draft-07 schema")
}

/// A TOML file as the JSON value a schema validates.
fn toml_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read a TOML file");
    let doc: toml::Table = toml::from_str(&text).expect("TOML");
    serde_json::to_value(doc).expect("TOML as JSON")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_schema_files_in_the_repository_are_current() {
    for file in ["config", "rules", "template-config"] {
        let path = crate_root().join(format!("schemas/{file}.schema.json"));
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stored == generated(file),
            "{} is stale: run `cargo run -- schema {file} > schemas/{file}.schema.json`",
            path.display()
        );
    }
}

#[test]
fn the_rules_schema_accepts_every_pack_the_tool_loads() {
    let v = validator("rules");
    let mut packs: Vec<PathBuf> = std::fs::read_dir(crate_root().join("rules"))
        .expect("rules/")
        .map(|e| e.expect("entry").path())
        .collect();
    packs.push(crate_root().join("testdata/config/org-pack.toml"));
    packs.sort();
    for pack in packs {
        let mut doc = toml_json(&pack);
        // The engine's own rules (`kind = "engine"`) are reserved for the built-in packs:
        // the schema, like the loader, refuses them in a user's pack.
        if let Some(rules) = doc["rule"].as_array_mut() {
            rules.retain(|r| r["kind"] != "engine");
        }
        let errs = errors(&v, &doc);
        assert!(errs.is_empty(), "{}: {errs:#?}", pack.display());
    }
}

#[test]
fn the_rules_schema_rejects_what_the_loader_rejects() {
    let v = validator("rules");
    let rule = |extra: &str| -> Value {
        let text = format!(
            "[[rule]]\nid = \"org/x\"\nseverity = \"error\"\ntitle = \"t\"\nhelp = \"h\"\n{extra}"
        );
        serde_json::to_value(toml::from_str::<toml::Table>(&text).expect("TOML")).expect("JSON")
    };
    let ok = rule("kind = \"pinning\"\nparams = { detect = \"image-latest\" }\n");
    assert!(errors(&v, &ok).is_empty(), "{:?}", errors(&v, &ok));
    for bad in [
        "kind = \"pinning\"\nparams = { detect = \"image-lateest\" }\n",
        "kind = \"pinning\"\nparams = { detect = \"image-latest\", typo = 1 }\n",
        "kind = \"file-exists\"\nparams = { names = [\"A\"], nonempty = true }\n",
        "kind = \"engine\"\n",
        "kind = \"no-such-kind\"\n",
        "kind = \"docker-context\"\nparams = { check = \"missing\", threshold_mib = \"ten\" }\n",
    ] {
        assert!(!errors(&v, &rule(bad)).is_empty(), "accepted: {bad}");
    }
}

#[test]
fn the_config_schema_agrees_with_the_loader_on_the_test_configurations() {
    let v = validator("config");
    let dir = crate_root().join("testdata/config");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/config")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| !p.to_string_lossy().contains("pack"))
        .collect();
    files.push(crate_root().join(".template-validator.toml"));
    files.sort();
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let Ok(doc) = toml::from_str::<toml::Table>(&text) else {
            continue; // not TOML: no document to validate
        };
        let doc = serde_json::to_value(doc).expect("JSON");
        // A configuration may be valid TOML of the right shape and still name a pack that
        // is missing or a rule no pack declares: only the schema's own errors must agree.
        if errors(&v, &doc).is_empty() {
            continue;
        }
        // The loader's verdict: `rules` with this configuration and no repository.
        let loaded = run(&["rules", "--config", common::arg(&file)]);
        assert_ne!(
            loaded.code,
            0,
            "{}: the schema rejects what the tool accepts: {:#?}",
            file.display(),
            errors(&v, &doc)
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the broken configurations are rejected by the schema too"
    );
    let repo_config = toml_json(&crate_root().join(".template-validator.toml"));
    assert!(errors(&v, &repo_config).is_empty());
}

#[test]
fn readme_rule_tables_are_the_generated_ones() {
    let out = run(&["rules", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    let readme = std::fs::read_to_string(crate_root().join("README.md")).expect("README.md");
    let blocks: Vec<&str> = out
        .stdout
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .collect();
    assert!(blocks.len() >= 5, "{}", out.stdout);
    for block in &blocks {
        let family = block
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("<!-- rules:");
        assert!(
            readme.contains(block),
            "README.md's table for {family} differs from `template-validator rules --format markdown`; paste:\n{block}"
        );
    }
    assert_eq!(
        readme.matches("<!-- rules:").count(),
        blocks.len(),
        "README.md holds a rules table that no family generates"
    );
}
