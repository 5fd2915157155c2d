//! Shell commands: text that is never executed, template expressions inside words, and
//! the installs of distribution and Go packages.

mod common;
use common::pinning_cases::check_case;

#[test]
fn quoted_hints_and_heredocs_are_text() {
    check_case("shell-text");
}

#[test]
fn downloads_only_read_are_not_executed() {
    check_case("shell-download-read");
}

#[test]
fn template_expressions_are_one_word() {
    check_case("shell-template-words");
}

#[test]
fn distribution_package_installs() {
    check_case("shell-os-packages");
}
