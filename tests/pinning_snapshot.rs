//! The whole family on a realistic template repository (`testdata/pinning/lumen/`, a
//! cookiecutter template with workflows, Dockerfiles, compose, Helm, Terraform, GitLab CI,
//! scripts and manifests): every finding with its location and message, as a snapshot.

mod common;

use common::{findings, verify_json};

#[test]
fn lumen_template() {
    let (_, doc) = verify_json("testdata/pinning/lumen", &["--select", "pinning"]);
    let lines: Vec<String> = findings(&doc)
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}: {}",
                f["path"].as_str().unwrap_or_default(),
                f["line"],
                f["column"],
                f["severity"].as_str().unwrap_or_default(),
                f["rule_id"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    insta::assert_yaml_snapshot!(lines);
}
