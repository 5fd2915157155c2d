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
