//! Pinning on YAML files: parsed as written before template tags are blanked, Helm
//! templates, anchors and merge keys, Kubernetes manifests written in JSON.

mod common;
use common::family_cases::check_case;

#[test]
fn valid_yaml_with_template_tags_parses_as_written() {
    check_case("yaml-valid-templates");
}

#[test]
fn helm_templates_are_noted_once_per_chart() {
    check_case("yaml-helm");
    no_duplicates("yaml-helm");
    let (_, doc) = common::verify_json("testdata/pinning/yaml-helm", &["--select", "pinning"]);
    let mut notes_per_chart = std::collections::BTreeMap::new();
    for f in common::findings_of(&doc, "pinning/yaml-invalid") {
        let untemplated = f["path"] == "chart/templates/pod.yaml";
        let severity = if untemplated { "warning" } else { "note" };
        assert_eq!(f["severity"], severity, "{f}");
        let path = f["path"].as_str().expect("path");
        if !untemplated && path.starts_with("chart/") {
            assert!(
                path.ends_with("Chart.yaml"),
                "a note on the chart, not {path}"
            );
            *notes_per_chart.entry(path.to_owned()).or_insert(0) += 1;
        }
    }
    assert_eq!(
        notes_per_chart.len(),
        2,
        "the chart and its subchart: {notes_per_chart:?}"
    );
    assert!(
        notes_per_chart.values().all(|&n| n == 1),
        "{notes_per_chart:?}"
    );
}

#[test]
fn anchors_and_merge_keys_report_once_per_location() {
    check_case("yaml-anchors");
    no_duplicates("yaml-anchors");
}

/// No two findings of one rule at the same place.
fn no_duplicates(case: &str) {
    let (_, doc) = common::verify_json(
        &format!("testdata/pinning/{case}"),
        &["--select", "pinning"],
    );
    let mut seen = std::collections::BTreeSet::new();
    for f in common::findings(&doc) {
        let key = (
            f["path"].to_string(),
            f["line"].to_string(),
            f["column"].to_string(),
            f["rule_id"].to_string(),
        );
        assert!(seen.insert(key.clone()), "reported twice: {key:?}");
    }
}

#[test]
fn kubernetes_manifests_in_json() {
    check_case("yaml-json-manifests");
}

#[test]
fn what_parses_of_an_invalid_file_is_checked_as_yaml() {
    check_case("yaml-fallback");
}
