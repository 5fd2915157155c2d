//! What is an image reference: placeholders, images the repository builds itself, and
//! hadolint's ignore pragmas.

mod common;
use common::family_cases::check_case;

#[test]
fn images_placeholders() {
    check_case("images-placeholders");
}

#[test]
fn images_self_built() {
    check_case("images-self-built");
}

#[test]
fn images_self_built_declared() {
    check_case("images-self-built-declared");
}

#[test]
fn images_hadolint() {
    check_case("images-hadolint");
}

/// A hadolint pragma suppresses by detector: a rule an organisation re-declares with the
/// same `detect` is suppressed where the built-in one is.
#[test]
fn images_hadolint_redeclared_rule() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pack = dir.path().join("org.toml");
    std::fs::write(
        &pack,
        "[[rule]]\nid = \"org/floating-image\"\nkind = \"pinning\"\nseverity = \"error\"\n\
         title = \"No floating images\"\nhelp = \"Tag and digest.\"\n\
         [rule.params]\ndetect = \"image-latest\"\n",
    )
    .expect("write the pack");
    let (run, doc) = common::verify_json(
        "testdata/pinning/images-hadolint",
        &["--rules", common::arg(&pack)],
    );
    run.assert_no_panic();
    let lines = |id: &str| -> Vec<u64> {
        common::findings_of(&doc, id)
            .iter()
            .filter_map(|f| f["line"].as_u64())
            .collect()
    };
    assert_eq!(lines("org/floating-image"), [6, 13, 20]);
    assert_eq!(lines("org/floating-image"), lines("pinning/image-latest"));
}

/// In a repository with many files that may build, the set of self-built images is read
/// by several threads; the build is found whichever of them reads it.
#[test]
fn images_self_built_in_a_large_repository() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    for i in 0..150 {
        let script = if i == 97 {
            "docker build -t myorg/app:dev .\n".to_owned()
        } else {
            format!("docker build -f Dockerfile.{i} .\n")
        };
        std::fs::write(root.join(format!("build-{i:03}.sh")), script).expect("write");
    }
    std::fs::write(
        root.join("Dockerfile"),
        "FROM myorg/app:dev AS app\nFROM node:20\n",
    )
    .expect("write");
    for threads in ["1", "4"] {
        let (run, doc) = common::verify_json(
            common::arg(root),
            &["--select", "pinning", "--jobs", threads],
        );
        run.assert_no_panic();
        let found: Vec<(u64, &str)> = common::findings(&doc)
            .iter()
            .map(|f| {
                (
                    f["line"].as_u64().unwrap_or(0),
                    f["rule_id"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(found, [(2, "pinning/image-unpinned")], "threads {threads}");
    }
}

/// Helm values image maps without a tag follow the same rules: a placeholder repository and
/// an image the repository builds are silent, a third-party image is judged with the
/// chart's `appVersion`.
#[test]
fn helm_values_placeholders_and_own_images() {
    check_case("images-helm-values");
}
