//! The `.dockerignore` port against a table of pattern/path cases: moby patternmatcher's
//! documented behaviour and its test table, quirks included.

use template_validator::dockerignore::{IgnoreFile, MatchType};

/// (ignore file, path, excluded)
const TABLE: &[(&str, &str, bool)] = &[
    // Anchored at the root: no implicit `**/`.
    ("node_modules", "node_modules/react/index.js", true),
    ("node_modules", "web/node_modules/react/index.js", false),
    (".env", ".env", true),
    (".env", "api/.env", false),
    (".git", ".git/HEAD", true),
    (".git", "vendor/x/.git/HEAD", false),
    (".git", ".github/workflows/ci.yml", false),
    ("*.log", "server.log", true),
    ("*.log", "logs/server.log", false),
    (".*", ".foo", true),
    (".*", "foo", false),
    (".*", "a/.foo", false),
    (".*", ".cache/x/y", true),
    // `*` is one segment, `?` one character.
    (
        "packages/*/coverage",
        "packages/web/coverage/lcov.info",
        true,
    ),
    ("packages/*/coverage", "packages/web/sub/coverage/x", false),
    ("packages/*/coverage", "packages/coverage/x", false),
    ("a/*.txt", "a/file.txt", true),
    ("a/*.txt", "a/dir/file.txt", false),
    ("abc?def", "abcZdef", true),
    ("abc?def", "abcdef", false),
    ("abc?def", "abc/def", false),
    ("ap?/dist", "api/dist/x.js", true),
    ("ap?/dist", "apps/dist/x.js", false),
    // `**` at the start, middle and end.
    ("**", "file", true),
    ("**", "dir/file", true),
    ("**/", "file", true),
    ("**/**", "dir/file", true),
    ("dir/**", "dir/file", true),
    ("dir/**", "dir/dir2/file", true),
    ("dir/**", "dir", false),
    ("abc/**", "abc", false),
    ("abc/**", "abc/def/ghi", true),
    ("**/dir", "dir", true),
    ("**/dir", "dir/file", true),
    ("**/dir", "a/b/dir/file", true),
    ("**/dir2/*", "dir/dir2/file", true),
    ("**/dir2/**", "dir/dir2/dir3/file", true),
    ("**/*.txt", "file.txt", true),
    ("**/*.txt", "a/b/file.txt", true),
    ("**/**/*.txt", "file.txt", true),
    ("**/**/*.txt2", "dir/dir/file.txt", false),
    ("**/file*", "dir/dir/file.txt", true),
    ("**/file*.txt*", "dir/dir/file.txt", true),
    ("**/foo/bar", "foo/bar", true),
    ("**/foo/bar", "dir/dir2/foo/bar", true),
    ("**/.foo", ".foo", true),
    ("**/.foo", "bar.foo", false),
    ("a**/*.txt", "a/file.txt", true),
    ("a**/*.txt", "a/dir/dir/file.txt", true),
    ("a/**/b", "a/b", true),
    ("a/**/b", "a/x/y/b", true),
    ("a/**/b", "a/xb", false),
    ("services/**/testdata", "services/testdata/seed.json", true),
    ("**/fixtures/**", "web/fixtures/user.json", true),
    ("**/fixtures/**", "fixtures.go", false),
    ("**/*.key", "tls.key", true),
    ("**/*.key", "a/b/tls.key", true),
    // Suffix quirk: `**x` with no other wildcard is a string suffix.
    ("**.bak", "db.sql.bak", true),
    ("**.bak", "conf/nginx.conf.bak", true),
    ("**file", "profile", true),
    ("**file", "Dockerfile", true),
    ("**file", "dir/file", true),
    ("**/foo", "xfoo", false),
    ("**/foo", "x/foo", true),
    // Prefix quirk: `x**` with no other wildcard is a string prefix.
    ("tmp**", "tmp/a", true),
    ("tmp**", "tmpfiles/b", true),
    ("tmp**", "tmp.txt", true),
    ("cache**", "src/cache/c.bin", false),
    ("a/*.txt**", "a/file.txt", true),
    // Classes, escapes, regexp characters that are literal.
    ("a[b-d]e", "ace", true),
    ("a[b-d]e", "ae", false),
    ("a[b-d]e", "aae", false),
    ("a[^b-d]e", "aze", true),
    ("a[^b-d]e", "ace", false),
    ("[!a]x", "!x", true),
    ("[!a]x", "bx", false),
    ("\\#draft.md", "#draft.md", true),
    ("\\!pinned.txt", "!pinned.txt", true),
    ("\\!pinned.txt", "pinned.txt", false),
    ("\\[an\\].pdf", "[an].pdf", true),
    ("\\[an\\].pdf", "a.pdf", false),
    ("[an].pdf", "a.pdf", true),
    ("a\\\\", "a\\", true),
    ("abc.def", "abc.def", true),
    ("abc.def", "abcZdef", false),
    ("a(b)c/def", "a(b)c/def", true),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
    (
        "dist/*.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        true,
    ),
    // Go regexp meaning of escapes that moby copies into its expression.
    ("\\d.txt", "7.txt", true),
    ("\\d.txt", "d.txt", false),
    ("[*]", "[^]", true),
    ("[[:digit:]]x", "7x", true),
    // A negated class matches `/` (it is a regexp class, not a path glob).
    ("a[^x]b", "a/b", true),
    // Comments and look-alikes.
    ("# comment\nfoo", "# comment", false),
    ("# comment\nfoo", "foo", true),
    ("  # note", "# note", true),
    ("*.log   # build logs", "server.log", false),
    ("*.log   # build logs", "server.log   # build logs", true),
    ("\\#x", "#x", true),
    // BOM, CRLF, tabs, blanks after `!`.
    (
        "\u{feff}# generated\r\nnode_modules\r\n",
        "node_modules/a",
        true,
    ),
    ("\u{feff}.env\n", ".env", true),
    ("\tnode_modules\t\r\n", "node_modules/x", true),
    (
        "*.tsbuildinfo  \r\n!\t\tkeep.tsbuildinfo\r\n",
        "keep.tsbuildinfo",
        false,
    ),
    (
        "*.tsbuildinfo  \r\n!\t\tkeep.tsbuildinfo\r\n",
        "app.tsbuildinfo",
        true,
    ),
    // Cleaning.
    ("build/", "build", true),
    ("build/", "tools/build/gen.ts", false),
    ("/dist", "dist/a.js", true),
    ("config/../.env", ".env", true),
    ("./tmp//cache/", "tmp/cache/blob", true),
    ("./tmp//cache/", "tmp/keep.txt", false),
    ("web/./dist/", "web/dist/app.js", true),
    ("../vendor", "vendor/lib.go", false),
    ("/../outside", "outside/readme.txt", true),
    ("/", "a", false),
    // `!../../x` cleans to `x` in moby's second pass: an exclusion, not an exception.
    ("!../../x", "x", true),
    // Exceptions and the last match.
    ("vendor\n!vendor/modules.txt", "vendor/modules.txt", false),
    ("vendor\n!vendor/modules.txt", "vendor/a/b.go", true),
    ("vendor\n!modules.txt", "vendor/modules.txt", true),
    (
        "vendor\n!vendor/**/LICENSE",
        "vendor/github.com/pkg/errors/LICENSE",
        false,
    ),
    ("!keep.txt\n*.txt", "keep.txt", true),
    ("*.txt\n!keep.txt", "keep.txt", false),
    ("*\n!src", "src/a/b.go", false),
    ("*\n!src", "Dockerfile", true),
    ("*\n!src\n**/*_test.go", "src/a_test.go", true),
    (
        "**/*.md\n!docs/**\ndocs/internal",
        "docs/internal/runbook.md",
        true,
    ),
    ("**/*.md\n!docs/**\ndocs/internal", "docs/index.md", false),
    ("**/*.md\n!CONTRIBUTING.md", "CONTRIBUTING.md", false),
    ("**/*.md\n!CONTRIBUTING.md", "HISTORY.md", true),
    ("**/.*\n!**/.gitkeep", "web/public/.gitkeep", false),
    ("**/.*\n!**/.gitkeep", ".aws/credentials", true),
    // A folder exception re-includes files of an excluded folder through their parent.
    ("docs\n!docs", "docs/a.md", false),
    ("", "anything", false),
    ("# only comments\n#.git", ".git/HEAD", false),
];

#[test]
fn pattern_table() {
    let mut failures = Vec::new();
    for (file, path, want) in TABLE {
        let f = IgnoreFile::parse(file.as_bytes());
        assert!(f.is_valid(), "{file:?} should be valid: {:?}", f.errors);
        let got = f.excluded(path).expect("no match error");
        if got != *want {
            failures.push(format!("{file:?} on {path:?}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn match_types() {
    let kind = |p: &str| IgnoreFile::parse(p.as_bytes()).patterns[0].match_type;
    assert_eq!(kind("node_modules"), MatchType::Exact);
    assert_eq!(kind("tmp**"), MatchType::Prefix);
    assert_eq!(kind("**.bak"), MatchType::Suffix);
    assert_eq!(kind("**"), MatchType::Suffix);
    assert_eq!(kind("**/*.go"), MatchType::Regexp);
    assert_eq!(kind("\\#x"), MatchType::Regexp);
    assert_eq!(kind("a.b+c"), MatchType::Exact);
}

#[test]
fn reading() {
    let f = IgnoreFile::parse(b"\xef\xbb\xbf# c\r\n  a  \r\n\r\n!  b\n#x\n  #y\n");
    let got: Vec<(u32, bool, &str)> = f
        .patterns
        .iter()
        .map(|p| (p.line, p.exception, p.cleaned.as_str()))
        .collect();
    assert_eq!(got, vec![(2, false, "a"), (4, true, "b"), (6, false, "#y")]);
    // Spans point at the trimmed line in the BOM-less text.
    let p = &f.patterns[0];
    assert_eq!(&f.text[p.span.clone()], "a");
}

#[test]
fn invalid_files() {
    for (file, line) in [
        ("[", 1),
        ("ok\nfoo[", 2),
        ("a\\", 1),
        ("!", 1),
        ("!   ", 1),
        ("!/", 1),
        ("[]a]", 1),
        ("x\n[a-]", 2),
    ] {
        let f = IgnoreFile::parse(file.as_bytes());
        assert_eq!(f.errors.first().map(|e| e.line), Some(line), "{file:?}");
    }
    let long = format!("ok\n{}\nafter\n", "a".repeat(70_000));
    let f = IgnoreFile::parse(long.as_bytes());
    assert_eq!(f.errors.len(), 1);
    assert_eq!(f.errors[0].line, 2);
    assert_eq!(f.patterns.len(), 1, "reading stops at the long line");
}

#[test]
fn regex_errors_surface_when_matched() {
    // Valid for Go's filepath.Match, invalid for its regexp package: Docker fails when it
    // evaluates the pattern.
    let f = IgnoreFile::parse(b"[z-a]*");
    assert!(f.is_valid());
    assert!(f.patterns[0].regex_error().is_some());
    assert!(f.excluded("a").is_err());
    // Never evaluated: everything is excluded before it and it is an exclusion.
    let f = IgnoreFile::parse(b"*\n[z-a]*");
    assert_eq!(f.excluded("a"), Ok(true));
}

#[test]
fn nul_bytes_and_huge_files_do_not_panic() {
    let f = IgnoreFile::parse(b"a\0b\n\0\n*.log\n");
    assert!(f.is_valid());
    assert_eq!(f.excluded("x.log"), Ok(true));
    assert!(f.patterns[0].never_matches().is_some());
    let mut big = String::new();
    for i in 0..100_000 {
        big.push_str(&format!("dir{i}/*.tmp\n"));
    }
    big.push_str("!dir5/keep.tmp\n");
    let f = IgnoreFile::parse(big.as_bytes());
    assert_eq!(f.patterns.len(), 100_001);
    assert_eq!(f.excluded("dir7/a.tmp"), Ok(true));
    assert_eq!(f.excluded("dir5/keep.tmp"), Ok(false));
    assert_eq!(f.excluded("other/a.tmp"), Ok(false));
}

#[test]
fn pruning_never_changes_the_answer() {
    let f = IgnoreFile::parse(b"node_modules\nvendor\n!vendor/modules.txt\n*\n!src\n!*.md\n");
    let by = |p: &str| f.decide(p).expect("ok").by;
    assert!(f.can_prune("node_modules", by("node_modules")));
    assert!(!f.can_prune("vendor", by("vendor")));
    assert!(f.can_prune("vendor/a", by("vendor/a")));
    // `!*.md` is one segment: it cannot reach below a folder.
    assert!(f.can_prune("docs", by("docs")));
    let f = IgnoreFile::parse(b"node_modules\n!**/LICENSE\n");
    assert!(!f.can_prune("node_modules", f.decide("node_modules").expect("ok").by));
}

#[test]
fn long_line_error_points_at_its_line() {
    let text = format!("\u{feff}ok\r\nalso\n{}\n", "x".repeat(66_000));
    let f = IgnoreFile::parse(text.as_bytes());
    assert_eq!(f.errors[0].line, 3);
    let start = f.errors[0].span.start;
    assert_eq!(&f.text[start..start + 3], "xxx");
}

#[test]
fn random_patterns_never_panic() {
    const ALPHABET: &[&str] = &[
        "*",
        "**",
        "?",
        "[",
        "]",
        "\\",
        "^",
        "!",
        "/",
        ".",
        "..",
        "-",
        "a",
        "b",
        "z",
        "{",
        "}",
        "|",
        "(",
        ")",
        "$",
        ":",
        "#",
        " ",
        "\t",
        "\r",
        "\0",
        "é",
        "\u{feff}",
        "[:alpha:]",
        "\\p",
        "\\x4",
        "\\Q",
        "\\E",
        "\\d",
        "0",
        "7",
        "x",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let paths = [
        "a", "a/b", "ab/c.d", "[a]", "x/é/z", "!a", "a b/#c", "-/z", ".a/.b",
    ];
    for _ in 0..5_000 {
        let mut file = String::new();
        for _ in 0..1 + next(3) {
            for _ in 0..next(7) {
                file.push_str(ALPHABET[next(ALPHABET.len())]);
            }
            file.push('\n');
        }
        let f = IgnoreFile::parse(file.as_bytes());
        for p in paths {
            let _ = f.decide(p);
            if let Ok(d) = f.decide(p) {
                let _ = f.can_prune(p, d.by);
            }
        }
        for p in &f.patterns {
            let _ = p.never_matches();
            let _ = p.may_match_below("a");
        }
    }
}

/// Pruning (skipping an excluded folder when no exception can reach below it) never
/// changes which files are excluded: checked against a brute-force evaluation of every file.
#[test]
fn pruning_is_sound_on_random_ignore_files() {
    const PIECES: &[&str] = &[
        "a",
        "b",
        "src",
        "node_modules",
        "*",
        "**",
        "?",
        "/",
        "/",
        "!",
        "*.txt",
        "c",
        "[ab]",
        "x",
        ".git",
        "LICENSE",
        "**/",
        "a*",
        "*b",
        "\\a",
        "[^a]",
    ];
    const FILES: &[&str] = &[
        "a/b/c.txt",
        "a/x",
        "a/bb/LICENSE",
        "b/c",
        "node_modules/p/index.js",
        "node_modules/p/LICENSE",
        "src/a/b/c/x.txt",
        "src/LICENSE",
        ".git/HEAD",
        "c.txt",
        "ab/x/y",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..5_000 {
        let mut file = String::new();
        for _ in 0..1 + next(4) {
            if next(3) == 0 {
                file.push('!');
            }
            for _ in 0..1 + next(4) {
                file.push_str(PIECES[next(PIECES.len())]);
            }
            file.push('\n');
        }
        let f = IgnoreFile::parse(file.as_bytes());
        if !f.is_valid() {
            continue;
        }
        for path in FILES {
            let Ok(brute) = f.excluded(path) else {
                continue;
            };
            // Walk down: a pruned ancestor hides the file.
            let mut pruned = false;
            for (i, _) in path.match_indices('/') {
                let dir = &path[..i];
                if let Ok(d) = f.decide(dir)
                    && d.excluded
                    && f.can_prune(dir, d.by)
                {
                    pruned = true;
                    break;
                }
            }
            if pruned {
                assert!(brute, "{file:?}: pruning hid {path}, which is sent");
            }
        }
    }
}
