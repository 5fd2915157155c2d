//! Images in Helm values, Kubernetes-like YAML and GitLab CI variables.

mod common;

use common::family_cases::check_case;
use common::{findings, verify_json};

#[test]
fn helm_values_image_maps_and_image_keys() {
    check_case("values-helm-maps");
}

#[test]
fn helm_values_with_the_tag_beside_the_image() {
    check_case("values-flat-tags");
}

#[test]
fn helm_values_in_a_template_repository() {
    check_case("values-template-chart");
}

#[test]
fn helm_values_without_a_chart() {
    check_case("values-no-chart");
}

#[test]
fn images_in_kubernetes_resources() {
    check_case("values-manifests");
}

#[test]
fn gitlab_images_from_variables() {
    check_case("values-gitlab-vars");
}

#[test]
fn gitlab_variables_with_template_placeholders() {
    check_case("values-gitlab-template");
}

/// The severity and message of the finding at `path:line` of a case.
fn finding_at(case: &str, path: &str, line: u64) -> (String, String) {
    let (_, doc) = verify_json(
        &format!("testdata/pinning/{case}"),
        &["--select", "pinning"],
    );
    let f = findings(&doc)
        .iter()
        .find(|f| f["path"] == path && f["line"] == line)
        .unwrap_or_else(|| panic!("a finding at {path}:{line}"));
    (
        f["severity"].as_str().unwrap_or_default().to_owned(),
        f["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn a_missing_tag_is_judged_with_the_chart_app_version() {
    let (severity, message) = finding_at("values-helm-maps", "charts/platform/values.yaml", 7);
    assert_eq!(severity, "warning");
    assert!(
        message.contains("`ghcr.io/example/platform:2.8.1`"),
        "{message}"
    );
    assert!(
        message.contains("`2.8.1` in `charts/platform/Chart.yaml`"),
        "{message}"
    );
}

#[test]
fn a_missing_tag_the_file_cannot_know_is_a_note() {
    let (severity, _) = finding_at("values-no-chart", "deploy/values-production.yaml", 4);
    assert_eq!(severity, "note");
    let (severity, message) = finding_at("values-helm-maps", "charts/platform/values.yaml", 72);
    assert_eq!(severity, "note");
    assert!(message.contains("subchart `postgresql`"), "{message}");
}

#[test]
fn gitlab_messages_name_the_variable_and_its_value() {
    let (severity, message) = finding_at("values-gitlab-vars", ".gitlab-ci.yml", 41);
    assert_eq!(severity, "error");
    assert!(
        message.contains("`registry.example.com/e2e-runner:latest`")
            && message.contains("`APP_TAG` defaults to `latest` in the `variables:` of `e2e`"),
        "{message}"
    );
    let (severity, _) = finding_at("values-gitlab-vars", ".gitlab-ci.yml", 47);
    assert_eq!(severity, "note");
}
