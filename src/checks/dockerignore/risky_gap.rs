//! `dockerignore/risky-gap`: what the ignore file must exclude before it appears — the
//! repository history, environment files, keys, and the dependency and build folders of
//! the project's ecosystems.

use std::collections::{BTreeMap, BTreeSet};

use super::{Analysed, root_only_line};
use crate::dockerignore::context::{self, ContextFile};
use crate::dockerignore::dockerfile::names_within;
use crate::finding::{Finding, RuleIdx, Severity};
use crate::source::SourceFile;

struct Risky {
    /// What is at risk, for the message (relative to the context).
    label: String,
    /// Hypothetical paths (relative to the context) that must be excluded.
    probes: Vec<String>,
    /// The line to add.
    line: String,
    severity: Severity,
    /// A folder the Dockerfile may need (`target` for `COPY target/*.jar`), or a file suffix.
    needed_dir: Option<String>,
    needed_suffix: Option<&'static str>,
}

fn under(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_owned()
    } else {
        format!("{dir}/{rest}")
    }
}

fn risky_items(a: &Analysed<'_>) -> Vec<Risky> {
    let mut items = Vec::new();
    // A repository's `.git` is at its root: the context is the root of the generated project
    // when it is the repository root or a templated folder (`{{cookiecutter.slug}}/`).
    let project_root = a.ctx.dir.is_empty() || a.ctx.dir.contains("{{") || a.ctx.dir.contains("{%");
    if project_root {
        items.push(Risky {
            label: "`.git/` (the repository history)".to_owned(),
            probes: vec![".git/HEAD".to_owned(), ".git/config".to_owned()],
            line: ".git".to_owned(),
            severity: Severity::Error,
            needed_dir: Some(".git".to_owned()),
            needed_suffix: None,
        });
    }
    items.extend([
        Risky {
            label: "`.env` (a developer's local settings)".to_owned(),
            probes: vec![".env".to_owned()],
            line: ".env".to_owned(),
            severity: Severity::Error,
            needed_dir: None,
            needed_suffix: Some(".env"),
        },
        Risky {
            label: "`.env.*` files (`.env.local`, `.env.production`)".to_owned(),
            probes: vec![".env.local".to_owned(), ".env.production".to_owned()],
            line: ".env.*".to_owned(),
            severity: Severity::Error,
            needed_dir: None,
            needed_suffix: None,
        },
    ]);
    for ext in [".pem", ".key"] {
        items.push(Risky {
            label: format!("`*{ext}` private keys"),
            probes: vec![format!("server{ext}"), format!("certs/server{ext}")],
            line: format!("**/*{ext}"),
            severity: Severity::Error,
            needed_dir: None,
            needed_suffix: Some(ext),
        });
    }
    let files: Vec<&ContextFile> = a.listing.files.iter().collect();
    let top_dirs = |d: &str| -> BTreeSet<String> {
        files
            .iter()
            .filter_map(|f| {
                let rest = if d.is_empty() {
                    Some(f.path.as_str())
                } else {
                    f.path.strip_prefix(d).and_then(|r| r.strip_prefix('/'))
                };
                rest.and_then(|r| r.split_once('/'))
                    .map(|(h, _)| h.to_owned())
            })
            .collect()
    };
    let in_dependency_folder = |p: &str| {
        p.split('/').any(|s| {
            matches!(
                s,
                "node_modules"
                    | "vendor"
                    | "target"
                    | ".venv"
                    | "venv"
                    | "site-packages"
                    | "bin"
                    | "obj"
            )
        })
    };
    let mut dirs: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut cargo_roots: Vec<&str> = Vec::new();
    let mut pycache: BTreeSet<String> = BTreeSet::new();
    for f in &files {
        if in_dependency_folder(&f.path) {
            continue;
        }
        let (dir, name) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
        let mut add = |folder: &str, why: &'static str| {
            dirs.entry(under(dir, folder)).or_insert(why);
        };
        match name {
            "package.json" => add("node_modules", "package.json"),
            "pom.xml" => add("target", "pom.xml"),
            "build.gradle" | "build.gradle.kts" | "settings.gradle" | "settings.gradle.kts" => {
                add("build", "Gradle");
                add(".gradle", "Gradle");
            }
            "pyproject.toml" | "setup.py" | "setup.cfg" | "Pipfile" | "requirements.txt" => {
                add(".venv", "Python");
                pycache.insert(dir.to_owned());
            }
            n if n.starts_with("requirements") && n.ends_with(".txt") => {
                add(".venv", "Python");
                pycache.insert(dir.to_owned());
            }
            "go.mod"
                if files
                    .iter()
                    .any(|g| g.path == under(dir, "vendor/modules.txt")) =>
            {
                add("vendor", "Go vendoring");
            }
            "Cargo.toml" => cargo_roots.push(dir),
            n if n.ends_with(".csproj") || n.ends_with(".fsproj") || n.ends_with(".vbproj") => {
                add("bin", ".NET");
                add("obj", ".NET");
            }
            _ => {}
        }
    }
    for root in &cargo_roots {
        let nested = cargo_roots
            .iter()
            .any(|o| o != root && (o.is_empty() || root.starts_with(&format!("{o}/"))));
        if !nested {
            dirs.entry(under(root, "target")).or_insert("Cargo.toml");
        }
    }
    for (dir, why) in dirs {
        let (parent, name) = dir.rsplit_once('/').unwrap_or(("", &dir));
        let line = if parent.is_empty() {
            name.to_owned()
        } else {
            format!("**/{name}")
        };
        items.push(Risky {
            label: format!("`{dir}/` (for {why})"),
            probes: vec![format!("{dir}/x")],
            line,
            severity: Severity::Warning,
            needed_dir: Some(dir.clone()),
            needed_suffix: None,
        });
    }
    for dir in pycache {
        let mut probes = vec![under(&dir, "__pycache__/m.pyc")];
        for sub in top_dirs(&dir) {
            probes.push(under(&dir, &format!("{sub}/__pycache__/m.pyc")));
        }
        items.push(Risky {
            label: format!(
                "`{}` folders (Python bytecode)",
                under(&dir, "**/__pycache__")
            ),
            probes,
            line: "**/__pycache__".to_owned(),
            severity: Severity::Warning,
            needed_dir: None,
            needed_suffix: None,
        });
    }
    items
}

pub(super) fn risky_gap(rule: RuleIdx, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    let Some((_, repo_path, file)) = &a.ignore else {
        return;
    };
    let sources = a.explicit_sources();
    let present: BTreeSet<&str> = a.listing.files.iter().map(|f| f.path.as_str()).collect();
    let mut seen_lines = BTreeSet::new();
    for item in risky_items(a) {
        let needed = sources.iter().any(|s| {
            item.needed_dir
                .as_deref()
                .is_some_and(|d| names_within(s, d))
                || item.needed_suffix.is_some_and(|suf| s.ends_with(suf))
        });
        if needed {
            continue;
        }
        let sent: Vec<&String> = item
            .probes
            .iter()
            .filter(|p| matches!(file.excluded(p), Ok(false)))
            // Present and sensitive: `sensitive-in-context` reports the file itself.
            .filter(|p| !(present.contains(p.as_str()) && context::sensitive(p).is_some()))
            .collect();
        if sent.is_empty() || !seen_lines.insert(item.line.clone()) {
            continue;
        }
        let finding = match root_only_line(file, &item.line) {
            // The usual mistake: the gitignore habit of a slash-less name.
            Some(p) => {
                let src = SourceFile::new(repo_path.clone(), file.text.clone());
                Finding::span(
                    rule,
                    &src,
                    p.span.clone(),
                    format!(
                        "{} would be sent in {}: `{}` matches only at the context root, not `{}`; use `{}`",
                        item.label,
                        a.built_from(),
                        p.text,
                        sent[0],
                        item.line
                    ),
                )
            }
            None => Finding::file(
                rule,
                repo_path,
                format!(
                    "{} would be sent in {} (no line excludes `{}`); add `{}` at the end of `{repo_path}`",
                    item.label,
                    a.built_from(),
                    sent[0],
                    item.line
                ),
            ),
        };
        out.push(
            finding
                .with_severity(item.severity)
                .with_fingerprint_key(format!("{} {}", a.ctx.shown(), item.line)),
        );
    }
}
