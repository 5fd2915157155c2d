//! The source tree keeps its shape: the modules of `src/` import each other without a
//! cycle (the pipeline reads one way: source → finding → rules → checks → engine → report →
//! cli), and no source file grows past what one reader can hold.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::crate_root;

const MAX_LINES: usize = 699;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/checks/pinning/mod.rs` → `checks`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel
        .components()
        .next()
        .expect("a component")
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The top-level modules a file's code (not its comments or tests) names as `crate::x`.
fn imports(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = BTreeSet::new();
    for line in code.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (i, _) in line.match_indices("crate::") {
            let name: String = line[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn source_files() -> (PathBuf, Vec<PathBuf>) {
    let src = crate_root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    (src, files)
}

#[test]
fn modules_import_each_other_without_a_cycle() {
    let (src, files) = source_files();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    for file in &files {
        let from = module_of(&src, file);
        let text = std::fs::read_to_string(file).expect("read a source file");
        let to: Vec<String> = imports(&text)
            .into_iter()
            .filter(|m| *m != from && modules.contains(m))
            .collect();
        graph.entry(from).or_default().extend(to);
    }

    // Depth-first search; a back edge is a cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(true) => return None,
            Some(false) => {
                let start = path.iter().position(|p| *p == m).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(m.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        state.insert(m, false);
        path.push(m);
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(m, true);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        let cycle = visit(m, &graph, &mut state, &mut Vec::new());
        assert!(
            cycle.is_none(),
            "an import cycle: {}",
            cycle.unwrap_or_default().join(" → ")
        );
    }
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let (src, files) = source_files();
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).expect("read").lines().count();
            (n > MAX_LINES).then(|| {
                format!(
                    "{} ({n} lines)",
                    f.strip_prefix(&src).expect("under src").display()
                )
            })
        })
        .collect();
    assert!(long.is_empty(), "longer than {MAX_LINES} lines: {long:?}");
}

#[test]
fn the_import_scanner_sees_imports_and_skips_comments_and_tests() {
    let text = "use crate::finding::Finding;\n// crate::engine in a comment\nfn f() { crate::util::plural(1, \"x\"); }\n#[cfg(test)]\nmod tests { use crate::cli; }\n";
    let got: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(got, ["finding", "util"]);
}
