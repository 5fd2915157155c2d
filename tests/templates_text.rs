//! Templates read as templates (fixtures in `testdata/templates/text-*/`): the template-aware
//! text layer every parser goes through, the build contexts found through it, and files
//! classified by the name they will have once rendered.

mod common;

use common::{diagnostics, findings, verify_json};

// These cases are about how the template's own files are read: the render of the units
// (which checks the generated project) is turned off, so each finding here comes from the
// template scan.
use serde_json::Value;

const P: &str = "{{cookiecutter.project_slug}}";

/// `(rule, path, line)` of every finding of `families` on the fixture `case`.
fn found(case: &str, families: &str) -> Vec<(String, String, Option<u64>)> {
    let (_, doc) = verify_json(
        &format!("testdata/templates/{case}"),
        &["--select", families, "--no-render"],
    );
    triples(&doc)
}

fn triples(doc: &Value) -> Vec<(String, String, Option<u64>)> {
    findings(doc)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

fn t(rule: &str, path: &str, line: Option<u64>) -> (String, String, Option<u64>) {
    (rule.to_owned(), path.to_owned(), line)
}

#[test]
fn a_compose_file_holding_jinja_gives_its_build_contexts() {
    // Both Dockerfiles are built with the context `.` of the generated project, which has
    // a `.dockerignore`; the compose file is valid once its tags are blanked.
    assert_eq!(
        found("text-compose-context", "dockerignore,pinning"),
        vec![]
    );
    let (_, doc) = verify_json(
        "testdata/templates/text-compose-context",
        &["--select", "dockerignore", "--no-render"],
    );
    assert_eq!(diagnostics(&doc), vec![]);
}

#[test]
fn a_true_missing_ignore_file_is_still_reported_with_the_declared_context() {
    let (_, doc) = verify_json(
        "testdata/templates/text-compose-no-ignore",
        &["--select", "dockerignore", "--no-render"],
    );
    assert_eq!(
        triples(&doc),
        vec![
            t(
                "dockerignore/missing",
                &format!("{P}/compose/local/django/Dockerfile"),
                None
            ),
            t(
                "dockerignore/missing",
                &format!("{P}/compose/production/postgres/Dockerfile"),
                None
            ),
        ]
    );
    let message = findings(&doc)[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!(
            "the build context `{P}/` of `{P}/compose/local/django/Dockerfile`, declared in `{P}/docker-compose.local.yml`"
        )),
        "{message}"
    );
}

#[test]
fn a_build_that_cannot_be_read_leaves_the_context_unknown() {
    // The `build:` entry does not parse even with its tags blanked: a note, no `missing`.
    assert_eq!(
        found("text-compose-unknown", "dockerignore"),
        vec![t(
            "dockerignore/context-unknown",
            &format!("{P}/compose/local/django/Dockerfile"),
            None
        )]
    );
    // The context is a placeholder: unknown until rendered.
    let (_, doc) = verify_json(
        "testdata/templates/text-context-variable",
        &["--select", "dockerignore", "--no-render"],
    );
    assert_eq!(
        triples(&doc),
        vec![t(
            "dockerignore/context-unknown",
            &format!("{P}/compose/django/Dockerfile"),
            None
        )]
    );
    assert_eq!(doc["summary"]["errors"], 0);
    let message = findings(&doc)[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("`{P}/compose.yaml`")),
        "{message}"
    );
}

#[test]
fn a_leading_placeholder_keeps_the_yaml_valid_and_an_invalid_file_is_reported() {
    assert_eq!(
        found("text-leading-tag", "pinning"),
        vec![t(
            "pinning/yaml-invalid",
            &format!("{P}/broken.yml"),
            Some(5)
        )]
    );
}

#[test]
fn an_unterminated_expression_does_not_swallow_the_next_lines() {
    // `${{ secrets.TOKEN }` in a comment and in a `run:` value: the `uses:` on the lines
    // below are still read, and the file is valid.
    let wf = format!("{P}/.github/workflows/ci.yml");
    assert_eq!(
        found("text-comment-expression", "pinning"),
        vec![
            t("pinning/action-unpinned", &wf, Some(11)),
            t("pinning/action-unpinned", &wf, Some(13)),
        ]
    );
}

#[test]
fn the_else_branch_of_a_mapping_is_checked() {
    assert_eq!(
        found("text-else-branch", "pinning"),
        vec![t(
            "pinning/image-unpinned",
            &format!("{P}/docker-compose.yml"),
            Some(6)
        )]
    );
}

#[test]
fn conditionally_named_files_are_classified_by_their_rendered_name() {
    // `{% if docker %}Dockerfile{% endif %}.jinja` is a Dockerfile built from `template/`,
    // whose ignore file is `{% if docker %}.dockerignore{% endif %}.jinja`;
    // `{% if ci %}ci.yml{% endif %}.jinja` is a workflow; the answers file, named by a
    // placeholder only, is nothing known.
    let dockerfile = "template/{% if docker %}Dockerfile{% endif %}.jinja";
    let ignore = "template/{% if docker %}.dockerignore{% endif %}.jinja";
    let mut got = found("text-conditional-names", "dockerignore,pinning");
    got.dedup();
    assert_eq!(
        got,
        vec![
            t(
                "pinning/action-unpinned",
                "template/.github/workflows/{% if ci %}ci.yml{% endif %}.jinja",
                Some(6)
            ),
            t("dockerignore/risky-gap", ignore, None),
            t("pinning/image-unpinned", dockerfile, Some(1)),
        ]
    );
}
