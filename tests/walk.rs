//! What the walk sees: `.gitignore` excludes files unless `--no-ignore`; `.git/` is always
//! skipped.
//!
//! The ignored files are created at test time: git would not commit a fixture's ignored
//! file, nor a `.git/` folder inside the repository.

mod common;

use common::{arg, findings_of, rule_ids, run, temp_copy, verify_json};

const PACK: &str = "testdata/config/org-pack.toml";

#[test]
fn gitignored_files_are_not_scanned_unless_no_ignore() {
    let (_tmp, repo) = temp_copy("complete");
    std::fs::write(repo.join(".gitignore"), "/target/\nnotes/\n*.draft.md\n").unwrap();
    std::fs::create_dir(repo.join("notes")).unwrap();
    std::fs::write(
        repo.join("notes/plan.md"),
        "TODO(template) write the plan\n",
    )
    .unwrap();
    std::fs::write(repo.join("intro.draft.md"), "TODO(template) intro\n").unwrap();
    let args = ["--rules", PACK, "--select", "org/no-template-todo"];

    let (run, doc) = verify_json(arg(&repo), &args);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        findings_of(&doc, "org/no-template-todo").is_empty(),
        "{doc:#}"
    );
    assert_eq!(doc["summary"]["files_scanned"], 8);

    let mut with_flag = args.to_vec();
    with_flag.push("--no-ignore");
    let (run, doc) = verify_json(arg(&repo), &with_flag);
    assert_eq!(run.code, 1);
    let paths: Vec<&str> = findings_of(&doc, "org/no-template-todo")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["intro.draft.md", "notes/plan.md"]);
    assert_eq!(doc["summary"]["files_scanned"], 10);
}

#[test]
fn gitignore_in_a_subfolder_applies_to_that_folder() {
    let (_tmp, repo) = temp_copy("complete");
    std::fs::create_dir_all(repo.join("docs/drafts")).unwrap();
    std::fs::write(repo.join("docs/.gitignore"), "drafts/\n").unwrap();
    std::fs::write(repo.join("docs/drafts/a.md"), "TODO(template)\n").unwrap();
    std::fs::write(repo.join("docs/guide.md"), "TODO(template) kept\n").unwrap();
    let (_, doc) = verify_json(
        arg(&repo),
        &["--rules", PACK, "--select", "org/no-template-todo"],
    );
    let paths: Vec<&str> = findings_of(&doc, "org/no-template-todo")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["docs/guide.md"]);
}

#[test]
fn a_gitignored_required_file_counts_as_missing() {
    let (_tmp, repo) = temp_copy("complete");
    let mut ignore = std::fs::read_to_string(repo.join(".gitignore")).unwrap();
    ignore.push_str("CONTRIBUTING.md\n");
    std::fs::write(repo.join(".gitignore"), ignore).unwrap();

    let (run, doc) = verify_json(arg(&repo), &[]);
    assert_eq!(run.code, 1);
    assert_eq!(rule_ids(&doc), ["required-files/contributing"]);

    let (run, doc) = verify_json(arg(&repo), &["--no-ignore"]);
    assert_eq!(run.code, 0, "{doc:#}");
}

#[test]
fn dot_git_is_always_skipped() {
    let (_tmp, repo) = temp_copy("missing-readme");
    std::fs::create_dir_all(repo.join(".git/info")).unwrap();
    std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(
        repo.join(".git/README.md"),
        "# Not the repository's README\n",
    )
    .unwrap();
    std::fs::write(repo.join(".git/info/notes.md"), "TODO(template) in .git\n").unwrap();
    // Also a nested repository's .git.
    std::fs::create_dir_all(repo.join("vendor/lib/.git")).unwrap();
    std::fs::write(repo.join("vendor/lib/.git/notes.md"), "TODO(template)\n").unwrap();

    for extra in [&[][..], &["--no-ignore"][..]] {
        let mut args = vec!["--rules", PACK];
        args.extend_from_slice(extra);
        let (_, doc) = verify_json(arg(&repo), &args);
        assert_eq!(
            findings_of(&doc, "required-files/readme").len(),
            1,
            ".git/README.md is not the README ({extra:?})"
        );
        assert!(
            findings_of(&doc, "org/no-template-todo").is_empty(),
            "{extra:?}: {doc:#}"
        );
        assert_eq!(doc["summary"]["files_scanned"], 2, "{extra:?}");
    }
}

#[test]
fn git_info_exclude_is_respected_like_gitignore() {
    let (_tmp, repo) = temp_copy("complete");
    std::fs::create_dir_all(repo.join(".git/info")).unwrap();
    std::fs::write(repo.join(".git/info/exclude"), "scratch.md\n").unwrap();
    std::fs::write(repo.join("scratch.md"), "TODO(template)\n").unwrap();
    let args = ["--rules", PACK, "--select", "org/no-template-todo"];
    let (_, doc) = verify_json(arg(&repo), &args);
    assert!(
        findings_of(&doc, "org/no-template-todo").is_empty(),
        "{doc:#}"
    );
    let (_, doc) = verify_json(arg(&repo), &[&args[..], &["--no-ignore"]].concat());
    assert_eq!(findings_of(&doc, "org/no-template-todo").len(), 1);
}

/// Files are checked while the walk runs, by the thread of the walk that found them, and
/// pinning's files (it looks up lockfiles and template variables next to them) after the
/// walk: the report is the one a single thread makes checking in path order, byte for byte.
#[test]
fn checking_during_the_walk_reports_what_one_thread_does() {
    for tree in [
        "testdata/pinning",
        "testdata/secrets",
        "testdata/dockerignore",
        "testdata/required-files",
    ] {
        let one = run(&["verify", tree, "--format", "json", "--jobs", "1"]);
        for jobs in ["2", "4"] {
            let many = run(&["verify", tree, "--format", "json", "--jobs", jobs]);
            assert_eq!(one.code, many.code, "{tree} --jobs {jobs}");
            assert!(one.stdout.len() > 1000, "{tree}: {}", one.stdout);
            assert!(
                one.stdout == many.stdout,
                "{tree}: --jobs {jobs} reports differently"
            );
        }
    }
}
