//! Shell commands: text that is never executed, template expressions inside words, and
//! the installs of distribution and Go packages.

mod common;
use common::family_cases::check_case;

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

#[test]
fn go_installs_and_gets() {
    check_case("shell-go");
    // Inside a module, `go get` without a version records what it picked in go.mod: a
    // note; everywhere else the rule's own severity.
    let (_, doc) = common::verify_json("testdata/pinning/shell-go", &["--select", "pinning"]);
    let severity = |path: &str, line: u64| {
        common::findings(&doc)
            .iter()
            .find(|f| f["path"] == path && f["line"] == line)
            .map(|f| f["severity"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(severity("tools/install.sh", 14).as_deref(), Some("note"));
    assert_eq!(severity("scripts/setup.sh", 4).as_deref(), Some("error"));
}

#[test]
fn downloads_piped_as_data() {
    check_case("shell-pipe-data");
}
