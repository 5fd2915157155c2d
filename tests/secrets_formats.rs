//! The `secrets` pack as the README describes it: the number of detectors it states is the
//! number of `secrets/` rules the tool loads, and the generated table lists every one of them.

mod common;

use common::{builtin_rules, crate_root};

fn readme() -> String {
    std::fs::read_to_string(crate_root().join("README.md")).expect("README.md")
}

#[test]
fn readme_states_the_number_of_secrets_detectors() {
    let count = builtin_rules()
        .iter()
        .filter(|r| r.id.starts_with("secrets/"))
        .count();
    let readme = readme();
    let stated = readme
        .split("**Detectors**: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok());
    assert_eq!(
        stated,
        Some(count),
        "README.md's `**Detectors**: N rules` must say {count}"
    );
}

#[test]
fn readme_table_lists_every_secrets_detector() {
    let readme = readme();
    let missing: Vec<String> = builtin_rules()
        .into_iter()
        .filter(|r| r.id.starts_with("secrets/"))
        .filter(|r| !readme.contains(&format!("| `{}` |", r.id)))
        .map(|r| r.id)
        .collect();
    assert!(missing.is_empty(), "not in README.md: {missing:?}");
}
