//! `lockfile-missing` where no lockfile is due: manifests in test data, and Python
//! distributions the repository publishes to a package index.

mod common;

use common::family_cases::check_case;

/// Manifests under `testdata/`, `fixtures/`, `tests/**/data/` and `src/test/resources/` are
/// inputs of tests; a real project under `tests/` (an e2e suite) still needs its lockfile.
#[test]
fn manifests_in_test_data_need_no_lockfile() {
    check_case("lockfile-testdata");
}

/// A library or tool the repository uploads to PyPI is installed by resolving its ranges;
/// an application next to it, not published, still needs its lockfile.
#[test]
fn published_python_distributions_need_no_lockfile() {
    check_case("lockfile-published");
}
