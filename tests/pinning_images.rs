//! What is an image reference: placeholders, images the repository builds itself, and
//! hadolint's ignore pragmas.

mod common;
use common::pinning_cases::check_case;

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
