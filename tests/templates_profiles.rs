//! Render profiles: a unit is rendered with its declared defaults, with every
//! `[[template.render]]` profile of the configuration, and with the answer files its
//! authors keep (`ctt.toml`, `template_values.toml`, `example-answers.yml`). What only an
//! answer other than the default generates is found, and reported with that profile.

mod common;

use std::collections::BTreeSet;

use common::{arg, diagnostics, findings, run, verify_json};

/// (rule id, path, line, profile) of every finding made on a render.
fn rendered(doc: &serde_json::Value) -> BTreeSet<(String, String, u64, String)> {
    findings(doc)
        .iter()
        .filter(|f| f["rendered"].is_object())
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["rendered"]["profile"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

fn has(
    set: &BTreeSet<(String, String, u64, String)>,
    rule: &str,
    path: &str,
    profile: &str,
) -> bool {
    set.iter()
        .any(|(r, p, _, pr)| r == rule && p == path && pr == profile)
}

fn rule_count(doc: &serde_json::Value, rule: &str) -> usize {
    findings(doc)
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .count()
}

#[test]
fn a_configured_profile_finds_what_only_its_answers_generate() {
    let case = "testdata/templates/profiles-cookiecutter";
    let (_, doc) = verify_json(case, &[]);
    let got = rendered(&doc);
    let dockerfile = "{{cookiecutter.project_slug}}/Dockerfile";
    // The second choice of the image is unpinned; the default (first) is pinned.
    assert!(
        has(
            &got,
            "pinning/image-unpinned",
            dockerfile,
            "py311-unlicensed"
        ),
        "{got:#?}"
    );
    assert!(
        !has(&got, "pinning/image-unpinned", dockerfile, "defaults"),
        "{got:#?}"
    );
    // `license = "none"` generates a project without a LICENSE.
    assert!(
        has(
            &got,
            "required-files/license",
            "cookiecutter.json",
            "py311-unlicensed"
        ),
        "{got:#?}"
    );
    assert!(
        !has(
            &got,
            "required-files/license",
            "cookiecutter.json",
            "defaults"
        ),
        "{got:#?}"
    );
    let f = findings(&doc)
        .iter()
        .find(|f| f["rule_id"] == "pinning/image-unpinned")
        .expect("the unpinned image");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("with render profile `py311-unlicensed`"),
        "{message}"
    );
    // At the tag that wrote the image, not at a word inside it.
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(6)),
        "{f:#}"
    );
}

#[test]
fn without_the_profile_only_the_defaults_are_checked() {
    let empty = tempfile::NamedTempFile::new().expect("a temporary file");
    let case = "testdata/templates/profiles-cookiecutter";
    let (_, doc) = verify_json(case, &["--config", arg(empty.path())]);
    let got = rendered(&doc);
    assert!(got.iter().all(|(_, _, _, p)| p == "defaults"), "{got:#?}");
    assert_eq!(rule_count(&doc, "pinning/image-unpinned"), 0, "{doc:#}");
}

#[test]
fn no_render_renders_no_profile() {
    let (_, doc) = verify_json("testdata/templates/profiles-cookiecutter", &["--no-render"]);
    assert!(rendered(&doc).is_empty(), "{doc:#}");
}

#[test]
fn copier_template_tester_outputs_are_profiles() {
    let (_, doc) = verify_json(
        "testdata/templates/profiles-copier-ctt",
        &["--select", "pinning,template"],
    );
    let got = rendered(&doc);
    let want: BTreeSet<_> = [(
        "pinning/action-unpinned".to_owned(),
        "template/.github/workflows/ci.yml.jinja".to_owned(),
        9,
        "ctt.toml#.ctt/tagged".to_owned(),
    )]
    .into();
    assert_eq!(got, want, "{doc:#}");
}

#[test]
fn cargo_generate_values_file_is_a_profile() {
    let (_, doc) = verify_json(
        "testdata/templates/profiles-cargo-generate",
        &["--select", "pinning,template"],
    );
    let got = rendered(&doc);
    assert!(
        has(
            &got,
            "pinning/image-unpinned",
            "Dockerfile",
            "template_values.toml"
        ),
        "{got:#?}"
    );
    assert_eq!(got.len(), 1, "{got:#?}");
    // `maintainer` has no default, but the values file answers it.
    assert_eq!(rule_count(&doc, "template/default-missing"), 0, "{doc:#}");

    // Without the values file: only the defaults, and nothing answers `maintainer`.
    let (_dir, copy) = common::temp_copy_of("testdata/templates/profiles-cargo-generate");
    std::fs::remove_file(copy.join("template_values.toml")).unwrap();
    let (_, doc) = verify_json(arg(&copy), &["--select", "pinning,template"]);
    assert!(rendered(&doc).is_empty(), "{doc:#}");
    assert_eq!(rule_count(&doc, "template/default-missing"), 1, "{doc:#}");
}

#[test]
fn values_file_and_profile_mistakes() {
    let (_, doc) = verify_json(
        "testdata/templates/profiles-values-file",
        &["--select", "pinning"],
    );
    let got = rendered(&doc);
    assert!(
        has(
            &got,
            "pinning/image-unpinned",
            "{{cookiecutter.slug}}/compose.yaml",
            "with-redis"
        ),
        "{got:#?}"
    );
    let diags = diagnostics(&doc);
    let said = |needle: &str| {
        diags
            .iter()
            .any(|(p, m)| p.ends_with(".template-validator.toml") && m.contains(needle))
    };
    assert!(
        said("line 1: render profile `with-redis` sets `use_postgres`"),
        "{diags:#?}"
    );
    assert!(
        said(
            "line 6: render profile `moved` names unit `services/api`, which is not a template unit here (units: cookiecutter.json)"
        ),
        "{diags:#?}"
    );
}

/// A broken profile is a configuration error (exit 2) naming the file, the line and the key.
#[test]
fn broken_profiles_are_configuration_errors() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let repo = dir.path();
    std::fs::write(repo.join("cookiecutter.json"), "{\"slug\": \"x\"}\n").unwrap();
    std::fs::write(repo.join("answers.yml"), "- not\n- a mapping\n").unwrap();
    let cases = [
        (
            "[[template.render]]\nname = \"a\"\nvalues = { slug = \"y\" }\nvalues_file = \"answers.yml\"\n",
            4,
            "template.render[0].values_file",
            "not both",
        ),
        (
            "[[template.render]]\nname = \"a\"\n",
            1,
            "template.render[0].values",
            "needs `values",
        ),
        (
            "[[template.render]]\nname = \"a\"\nvalues = {}\n\n[[template.render]]\nname = \"a\"\nvalues = {}\n",
            6,
            "template.render[1].name",
            "a second render profile named `a`",
        ),
        (
            "[[template.render]]\nname = \"defaults\"\nvalues = {}\n",
            2,
            "template.render[0].name",
            "a name of its own",
        ),
        (
            "[[template.render]]\nname = \"a\"\nvalues_file = \"missing.yml\"\n",
            3,
            "template.render[0].values_file",
            "cannot read values file",
        ),
        (
            "[[template.render]]\nname = \"a\"\nvalues_file = \"answers.yml\"\n",
            3,
            "template.render[0].values_file",
            "expected a mapping of answers, found a list",
        ),
        (
            "[[template.render]]\nname = \"a\"\nvalue = {}\n",
            3,
            "",
            "value",
        ),
    ];
    for (config, line, key, message) in cases {
        std::fs::write(repo.join(".template-validator.toml"), config).unwrap();
        let r = run(&["verify", arg(repo)]);
        assert_eq!(r.code, 2, "{config}\n{}", r.describe());
        assert!(
            r.stderr
                .contains(&format!(".template-validator.toml:{line}")),
            "{config}\n{}",
            r.describe()
        );
        assert!(r.stderr.contains(key), "{config}\n{}", r.describe());
        assert!(r.stderr.contains(message), "{config}\n{}", r.describe());
    }
}

/// A values file that leads out of the repository is not read for the repository's own
/// configuration.
#[test]
fn a_values_file_stays_inside_the_repository() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(dir.path().join("outside.yml"), "slug: y\n").unwrap();
    std::fs::write(repo.join("cookiecutter.json"), "{\"slug\": \"x\"}\n").unwrap();
    std::fs::write(
        repo.join(".template-validator.toml"),
        "[[template.render]]\nname = \"a\"\nvalues_file = \"../outside.yml\"\n",
    )
    .unwrap();
    let r = run(&["verify", arg(&repo)]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains("outside"), "{}", r.describe());
}
