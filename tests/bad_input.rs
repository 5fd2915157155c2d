//! Hostile repositories: symbolic-link loops, links out of the root, invalid UTF-8, binary
//! files, a sparse 1 GiB file, unreadable files. None of them may panic or stop the scan;
//! each becomes a diagnostic (a `warning:` on stderr and an entry in the JSON
//! `diagnostics`), and the scan never writes under the scanned root.
#![cfg(unix)]

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use common::{Run, arg, diagnostics, findings, listing, run, temp_copy, verify_json};
use serde_json::Value;

const PACK: &str = "testdata/config/org-pack.toml";

/// Each diagnostic also appears on stderr as `warning: <path>: <message>`.
fn assert_diagnostics_on_stderr(run: &Run, doc: &Value) {
    for (path, message) in diagnostics(doc) {
        let line = format!("warning: {path}: {message}\n");
        assert!(run.stderr.contains(&line), "{line:?} in\n{}", run.stderr);
    }
}

fn diagnostic_for<'a>(diags: &'a [(String, String)], path: &str) -> Option<&'a str> {
    diags
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, m)| m.as_str())
}

#[test]
fn invalid_utf8_license_is_a_diagnostic() {
    let path = "testdata/bad-input/invalid-utf8-license";
    let (run, doc) = verify_json(
        path,
        &[
            "--select",
            "required-files/license,required-files/license-unrecognized",
        ],
    );
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(findings(&doc).is_empty(), "{doc:#}");
    let diags = diagnostics(&doc);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].0, "LICENSE");
    assert!(
        diags[0]
            .1
            .starts_with("not checked: invalid UTF-8 at byte "),
        "{}",
        diags[0].1
    );
    assert_diagnostics_on_stderr(&run, &doc);

    // --quiet: nothing on stderr, the JSON keeps the diagnostic.
    let (quiet, doc) = verify_json(
        path,
        &["--select", "required-files/license-unrecognized", "--quiet"],
    );
    assert_eq!(quiet.stderr, "");
    assert_eq!(diagnostics(&doc).len(), 1);
}

#[test]
fn binary_codeowners_is_a_diagnostic() {
    let (run, doc) = verify_json(
        "testdata/bad-input/binary-codeowners",
        &[
            "--select",
            "required-files/codeowners,required-files/codeowners-syntax,required-files/codeowners-shadowed",
        ],
    );
    run.assert_no_panic();
    assert_eq!(run.code, 0);
    assert!(findings(&doc).is_empty(), "{doc:#}");
    assert_eq!(
        diagnostics(&doc),
        [(
            ".github/CODEOWNERS".to_owned(),
            "not checked: binary file".to_owned()
        )]
    );
    assert_diagnostics_on_stderr(&run, &doc);
}

#[test]
fn symlink_loop_is_reported_not_followed() {
    let (_tmp, repo) = temp_copy("complete");
    symlink("b", repo.join("a")).unwrap();
    symlink("a", repo.join("b")).unwrap();
    symlink("loop", repo.join(".github/loop")).unwrap();

    let (run, doc) = verify_json(arg(&repo), &[]);
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(findings(&doc).is_empty(), "{doc:#}");
    let diags = diagnostics(&doc);
    for link in ["a", "b", ".github/loop"] {
        let message = diagnostic_for(&diags, link)
            .unwrap_or_else(|| panic!("a diagnostic for `{link}`: {diags:?}"));
        assert!(message.starts_with("not followed: "), "{message}");
    }
    assert_eq!(doc["summary"]["files_scanned"], 8, "links are not files");
    assert_diagnostics_on_stderr(&run, &doc);
}

#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let (tmp, repo) = temp_copy("complete");
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(
        outside.join("notes.md"),
        "TODO(template) OUTSIDE-CONTENT-7f3a\n",
    )
    .unwrap();
    std::fs::write(outside.join("CHANGELOG.md"), "# Changelog\n").unwrap();
    std::fs::create_dir(repo.join("docs")).unwrap();
    // An absolute link to a file, a relative link to a file, a link to a folder.
    symlink(outside.join("notes.md"), repo.join("docs/notes.md")).unwrap();
    symlink("../outside/CHANGELOG.md", repo.join("CHANGELOG.md")).unwrap();
    symlink("../outside", repo.join("vendor")).unwrap();

    let (run, doc) = verify_json(arg(&repo), &["--rules", PACK]);
    run.assert_no_panic();
    assert!(
        !run.stdout.contains("OUTSIDE-CONTENT") && !run.stderr.contains("OUTSIDE-CONTENT"),
        "{}",
        run.describe()
    );
    // notes.md was not read (no TODO finding); CHANGELOG.md does not count as present.
    assert_eq!(common::rule_ids(&doc), ["org/changelog"], "{doc:#}");
    let diags = diagnostics(&doc);
    for link in ["docs/notes.md", "CHANGELOG.md", "vendor"] {
        assert_eq!(
            diagnostic_for(&diags, link),
            Some("not followed: symbolic link points outside the scanned root"),
            "{diags:?}"
        );
    }
    assert!(
        diags.iter().all(|(p, _)| !p.starts_with("vendor/")),
        "nothing under the linked folder is walked: {diags:?}"
    );
    assert_eq!(doc["summary"]["files_scanned"], 8);
    assert_diagnostics_on_stderr(&run, &doc);
}

#[test]
fn symlinks_inside_the_root_are_followed() {
    let (_tmp, repo) = temp_copy("complete");
    // README.md only exists as a link to a file no README rule would match.
    std::fs::rename(repo.join("README.md"), repo.join("handbook.md")).unwrap();
    symlink("handbook.md", repo.join("README.md")).unwrap();
    std::fs::rename(repo.join(".github/CODEOWNERS"), repo.join("OWNERS")).unwrap();
    symlink("../OWNERS", repo.join(".github/CODEOWNERS")).unwrap();
    std::fs::write(repo.join("OWNERS"), "/build/\n").unwrap();

    let (run, doc) = verify_json(arg(&repo), &[]);
    run.assert_no_panic();
    // README.md (via the link) counts; the linked CODEOWNERS is read and checked.
    assert_eq!(
        common::rule_ids(&doc),
        ["required-files/codeowners-syntax"],
        "{doc:#}"
    );
    assert_eq!(findings(&doc)[0]["path"], ".github/CODEOWNERS");
    assert!(diagnostics(&doc).is_empty());
}

#[test]
fn sparse_gigabyte_license_is_not_read() {
    let (_tmp, repo) = temp_copy("complete");
    let license = std::fs::File::create(repo.join("LICENSE")).unwrap();
    license.set_len(1 << 30).unwrap();
    drop(license);

    let (run, doc) = verify_json(
        arg(&repo),
        &[
            "--select",
            "required-files/license,required-files/license-unrecognized",
        ],
    );
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{}", run.describe());
    let diags = diagnostics(&doc);
    assert_eq!(
        diagnostic_for(&diags, "LICENSE"),
        Some("not checked: 1073741824 bytes is over the 16777216 byte limit"),
        "{diags:?}"
    );
    assert!(findings(&doc).is_empty(), "{doc:#}");
    assert_diagnostics_on_stderr(&run, &doc);
}

#[test]
fn unreadable_security_policy_does_not_stop_the_scan() {
    let (_tmp, repo) = temp_copy("complete");
    let policy = repo.join(".github/SECURITY.md");
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root (CI) chmod 000 does not stop reading; expect whichever this process sees.
    let readable = std::fs::read(&policy).is_ok();

    let (run, doc) = verify_json(arg(&repo), &["--select", "required-files"]);
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o644)).unwrap();
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{}", run.describe());
    // Present (not reported missing), and never reported as lacking a contact.
    assert!(findings(&doc).is_empty(), "{doc:#}");
    let diags = diagnostics(&doc);
    if readable {
        assert!(diags.is_empty(), "{diags:?}");
    } else {
        let message = diagnostic_for(&diags, ".github/SECURITY.md")
            .unwrap_or_else(|| panic!("a diagnostic for the policy: {diags:?}"));
        assert!(message.starts_with("cannot read: "), "{message}");
        assert_eq!(diags.len(), 1, "one diagnostic, merged: {diags:?}");
    }
    assert_diagnostics_on_stderr(&run, &doc);
}

#[test]
fn unreadable_folder_does_not_stop_the_scan() {
    let (_tmp, repo) = temp_copy("complete");
    let private = repo.join("private");
    std::fs::create_dir(&private).unwrap();
    std::fs::write(private.join("notes.md"), "TODO(template) private\n").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read_dir(&private).is_ok();

    let (run, doc) = verify_json(arg(&repo), &["--rules", PACK, "--select", "org"]);
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o755)).unwrap();
    run.assert_no_panic();
    let todo = common::findings_of(&doc, "org/no-template-todo");
    let diags = diagnostics(&doc);
    if readable {
        assert_eq!(todo.len(), 1, "{doc:#}");
    } else {
        assert!(todo.is_empty(), "{doc:#}");
        assert!(
            diags.iter().any(|(p, _)| p.starts_with("private")),
            "{diags:?}"
        );
    }
    assert_diagnostics_on_stderr(&run, &doc);
}

/// A repository with every hazard at once.
fn hostile_repository(tmp: &Path, repo: &Path) {
    let outside = tmp.join("outside");
    std::fs::create_dir(&outside).expect("set up the hostile repository");
    std::fs::write(outside.join("notes.md"), "TODO(template) outside\n")
        .expect("set up the hostile repository");
    symlink("b", repo.join("a")).expect("set up the hostile repository");
    symlink("a", repo.join("b")).expect("set up the hostile repository");
    symlink(outside.join("notes.md"), repo.join("notes.md"))
        .expect("set up the hostile repository");
    symlink(&outside, repo.join("vendor")).expect("set up the hostile repository");
    symlink("does-not-exist", repo.join("dangling")).expect("set up the hostile repository");
    std::fs::File::create(repo.join("LICENSE"))
        .expect("set up the hostile repository")
        .set_len(1 << 30)
        .expect("set up the hostile repository");
    std::fs::write(
        repo.join(".github/CODEOWNERS"),
        b"* @acme-corp/platform-team\n\0\0\0\n",
    )
    .expect("set up the hostile repository");
    std::fs::write(repo.join("CONTRIBUTING.md"), b"# Contributing \xff\xfe\n")
        .expect("set up the hostile repository");
    std::fs::create_dir(repo.join(".git")).expect("set up the hostile repository");
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n")
        .expect("set up the hostile repository");
    std::fs::set_permissions(
        repo.join(".github/SECURITY.md"),
        std::fs::Permissions::from_mode(0o000),
    )
    .expect("set up the hostile repository");
}

#[test]
fn hostile_repository_never_panics_and_is_never_written_to() {
    let (tmp, repo) = temp_copy("complete");
    hostile_repository(tmp.path(), &repo);
    let before = listing(tmp.path());

    let report = tmp.path().join("report.json");
    let runs = [
        run(&["verify", arg(&repo), "--format", "json"]),
        run(&["verify", arg(&repo), "--color", "never", "--strict"]),
        run(&["verify", arg(&repo), "--no-ignore", "--rules", PACK]),
        run(&["verify", arg(&repo), "--jobs", "1", "--quiet"]),
        run(&[
            "verify",
            arg(&repo),
            "--format",
            "json",
            "--output",
            arg(&report),
        ]),
    ];
    std::fs::remove_file(&report).unwrap();
    let after = listing(tmp.path());
    std::fs::set_permissions(
        repo.join(".github/SECURITY.md"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();

    for r in &runs {
        r.assert_no_panic();
    }
    assert_eq!(before, after, "the scan changed the scanned tree");

    let doc = runs[0].json();
    let diags = diagnostics(&doc);
    for path in ["a", "b", "notes.md", "vendor", "dangling", "LICENSE"] {
        assert!(
            diagnostic_for(&diags, path).is_some(),
            "a diagnostic for `{path}`: {diags:?}"
        );
    }
    assert!(
        diags.iter().all(|(p, _)| !p.starts_with(".git/")),
        "{diags:?}"
    );
    assert_diagnostics_on_stderr(&runs[0], &doc);
    // --quiet: no warnings at all.
    assert_eq!(runs[3].stderr, "");
}
