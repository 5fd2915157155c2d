//! The GitHub Action (`action.yml`) and the example workflow: valid against the official
//! schemas, every `uses:` pinned to a full commit SHA, inputs never expanded inside `run:`.

use serde_json::Value;

fn yaml(path: &str) -> (String, Value) {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    (text, value)
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/schemas")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid:\n{}",
        errors.join("\n")
    );
}

/// Every `uses:` value in a parsed document, wherever it is.
fn uses(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "uses"
                    && let Some(s) = v.as_str()
                {
                    out.push(s.to_owned());
                }
                uses(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| uses(v, out)),
        _ => {}
    }
}

fn assert_pinned(doc: &Value, what: &str) {
    let mut refs = Vec::new();
    uses(doc, &mut refs);
    assert!(!refs.is_empty(), "{what} uses no action");
    for r in refs {
        let (_, git_ref) = r
            .rsplit_once('@')
            .unwrap_or_else(|| panic!("{what}: `{r}` has no ref"));
        assert!(
            git_ref.len() == 40 && git_ref.bytes().all(|b| b.is_ascii_hexdigit()),
            "{what}: `{r}` is not pinned to a full commit SHA"
        );
    }
}

#[test]
fn action_yml_is_valid_and_pinned() {
    let (_, action) = yaml("action.yml");
    assert_valid(&schema("github-action.json"), &action, "action.yml");
    assert_pinned(&action, "action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for input in [
        "path",
        "strict",
        "config",
        "sarif-file",
        "upload-sarif",
        "check-run",
        "baseline",
        "version",
    ] {
        assert!(action["inputs"][input].is_object(), "input `{input}`");
    }
    assert_eq!(action["inputs"]["path"]["default"], ".");
    assert_eq!(action["inputs"]["strict"]["default"], "true");
    assert_eq!(action["inputs"]["upload-sarif"]["default"], "true");
    assert_eq!(action["inputs"]["check-run"]["default"], "false");
    assert_eq!(
        action["inputs"]["sarif-file"]["default"],
        "template-validator.sarif"
    );
    for output in ["findings", "errors", "sarif-file"] {
        assert!(
            action["outputs"][output]["value"].is_string(),
            "output `{output}`"
        );
    }
}

#[test]
fn action_steps_never_expand_expressions_in_scripts() {
    let (_, action) = yaml("action.yml");
    let steps = action["runs"]["steps"].as_array().unwrap();
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "an expression inside `run:` is a script-injection risk:\n{run}"
            );
            assert!(
                step["shell"].is_string(),
                "a composite `run` step needs `shell`"
            );
        }
    }
    let install = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("cargo install"))
        .expect("an install step");
    assert!(
        install.contains("--locked --path \"$GITHUB_ACTION_PATH\""),
        "{install}"
    );
    let verify = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("template-validator \"${args[@]}\""))
        .expect("a verify step");
    assert!(verify.contains("--format github --sarif-file"), "{verify}");
}

#[test]
fn example_workflow_is_valid_pinned_and_least_privileged() {
    let (_, workflow) = yaml("examples/workflows/template-validator.yml");
    assert_valid(
        &schema("github-workflow.json"),
        &workflow,
        "the example workflow",
    );
    assert_pinned(&workflow, "the example workflow");
    assert_eq!(workflow["permissions"]["contents"], "read");
    let job = &workflow["jobs"]["template-validator"];
    let permissions = job["permissions"].as_object().unwrap();
    let mut granted: Vec<(&str, &str)> = permissions
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    granted.sort();
    assert_eq!(
        granted,
        [
            ("checks", "write"),
            ("contents", "read"),
            ("security-events", "write")
        ]
    );
}
