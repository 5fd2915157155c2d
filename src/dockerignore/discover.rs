//! Where a repository's build contexts are: the context a Dockerfile is actually built
//! with, from `build.context`/`build.dockerfile` in compose files, `context:`/`file:` of
//! `docker/build-push-action` steps in workflows and `build.context` in
//! `devcontainer.json`; a Dockerfile nothing references is built from its own folder.

use std::collections::{BTreeMap, BTreeSet};

use std::ops::Range;

use serde::Deserialize;

use super::context::normalize_rel;
use crate::parse::template;
use crate::parse::templated_yaml;
use crate::parse::yaml::{Node, scalar_range};
use crate::walk::Repo;

/// One build: a context folder and the Dockerfile built in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BuildContext {
    /// The context folder relative to the repository root (`""` is the root).
    pub dir: String,
    /// The Dockerfile relative to the repository root.
    pub dockerfile_path: String,
    /// The Dockerfile relative to the context (`../x/Dockerfile` when outside it).
    pub dockerfile: String,
    /// The file that declares this build (`None`: the Dockerfile's own folder).
    pub origin: Option<String>,
    /// The context is not known: `origin` names the Dockerfile where its build cannot be
    /// read (an entry that does not parse even with its template tags blanked, a context
    /// given by a variable); `dir` is the Dockerfile's own folder, a guess nothing is
    /// judged by.
    pub unknown: Option<Unknown>,
}

impl BuildContext {
    /// The context folder for messages: `.` or `dir/`.
    pub fn shown(&self) -> String {
        if self.dir.is_empty() {
            ".".to_owned()
        } else {
            format!("{}/", self.dir)
        }
    }

    /// A path relative to the context as a path relative to the repository root.
    pub fn repo_path(&self, rel: &str) -> String {
        if self.dir.is_empty() {
            rel.to_owned()
        } else if rel.is_empty() {
            self.dir.clone()
        } else {
            format!("{}/{rel}", self.dir)
        }
    }
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Containerfile`, `Dockerfile.prod`,
/// `Dockerfile-prod`, `api.Dockerfile`, also as a template will name it once rendered
/// (`Dockerfile.j2`, `{% if docker %}Dockerfile{% endif %}`, see
/// [`template::rendered_name`]). Not an
/// ignore file (`Dockerfile.dockerignore`), nor source code or a document about Dockerfiles
/// (`dockerfile.rs`, `Dockerfile.md`).
pub fn is_dockerfile(name: &str) -> bool {
    let Some(rendered) = template::rendered_name(name) else {
        return false;
    };
    let lower = rendered.to_ascii_lowercase();
    let base = lower.as_str();
    let other_kind = base.rsplit_once('.').is_some_and(|(_, ext)| {
        matches!(
            ext,
            "dockerignore"
                | "rs"
                | "go"
                | "py"
                | "js"
                | "mjs"
                | "ts"
                | "java"
                | "kt"
                | "rb"
                | "php"
                | "cs"
                | "c"
                | "h"
                | "cpp"
                | "md"
                | "rst"
                | "txt"
                | "adoc"
                | "html"
                | "json"
                | "toml"
                | "yml"
                | "yaml"
                | "snap"
                | "lock"
                | "sh"
                | "ps1"
                | "bat"
        )
    });
    !other_kind
        && (base == "dockerfile"
            || base == "containerfile"
            || [
                "dockerfile.",
                "dockerfile-",
                "dockerfile_",
                "containerfile.",
                "containerfile-",
            ]
            .iter()
            .any(|p| base.starts_with(p))
            || base.ends_with(".dockerfile")
            || base.ends_with(".containerfile"))
}

fn is_compose(name: &str) -> bool {
    let Some(name) = template::rendered_name(name) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("docker-compose") || lower.starts_with("compose"))
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
}

/// The project root a workflow at `path` (as rendered) belongs to: the repository root
/// for `.github/workflows/x.yml`, or the templated folder of a generated project
/// (`{{cookiecutter.project_slug}}/.github/workflows/x.yml`).
fn workflow_root(path: &str) -> Option<&str> {
    let (root, rest) = match path.strip_prefix(".github/workflows/") {
        Some(rest) => ("", rest),
        None => {
            let at = path.find("/.github/workflows/")?;
            let root = &path[..at];
            (template::has_template(root) || root.ends_with("template")).then_some(())?;
            (root, &path[at + "/.github/workflows/".len()..])
        }
    };
    (!rest.contains('/') && (rest.ends_with(".yml") || rest.ends_with(".yaml"))).then_some(root)
}

fn is_devcontainer(path: &str) -> bool {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    path == ".devcontainer.json"
        || (name == "devcontainer.json"
            && (dir == ".devcontainer"
                || dir
                    .strip_prefix(".devcontainer/")
                    .is_some_and(|d| !d.contains('/'))))
        || path == ".devcontainer/.devcontainer.json"
}

/// `a/b` joined with `../c` and cleaned; `None` when it leaves the repository.
fn join(base: &str, rel: &str) -> Option<String> {
    let joined = if base.is_empty() {
        rel.to_owned()
    } else {
        format!("{base}/{rel}")
    };
    let n = normalize_rel(&joined);
    (n != ".." && !n.starts_with("../") && !n.starts_with('/')).then_some(n)
}

/// `path` relative to `dir` (both repository-relative).
fn relative_to(path: &str, dir: &str) -> String {
    if dir.is_empty() {
        return path.to_owned();
    }
    if let Some(rest) = path.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) {
        return rest.to_owned();
    }
    let d: Vec<&str> = dir.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    let common = d.iter().zip(&p).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; d.len() - common];
    parts.extend(&p[common..]);
    parts.join("/")
}

/// A value only known once something else is: an environment variable, a template tag, a
/// GitHub expression, a remote context.
fn unresolvable(value: &str) -> bool {
    template::has_template(value)
        || value.contains('$')
        || value.contains("://")
        || value.starts_with("git@")
}

/// Why a build context is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unknown {
    /// The build's context or Dockerfile is a variable or a template tag.
    Variable,
    /// The part of the file that names the Dockerfile does not parse, even with its
    /// template tags blanked.
    Unparsed,
}

/// A referencing file as the text layer reads it: its documents (both branches of an
/// `{% if %}`), and the text that could not be read or resolved.
struct Reference<'t> {
    text: &'t str,
    /// Ranges of `text` whose builds are not known: entries that do not parse, builds whose
    /// context or Dockerfile is a variable.
    unknown: Vec<(Range<usize>, Unknown)>,
}

/// A scalar value as written (`None` for anything else); a value holding a template tag
/// or a variable is `Err` with the range where it is written.
fn value(text: &str, node: &Node) -> Option<Result<String, Range<usize>>> {
    let s = node.str()?;
    let raw = text.get(scalar_range(text, &node.defined)).unwrap_or(s);
    let s = s.trim();
    Some(if unresolvable(raw) || unresolvable(s) {
        Err(node.span.clone())
    } else {
        Ok(s.to_owned())
    })
}

/// The text a node and everything below it are written in (a mapping's own span is
/// empty).
fn extent(node: &Node) -> Range<usize> {
    let mut r = node.span.clone();
    node.walk(&mut |n| {
        r.start = r.start.min(n.span.start);
        r.end = r.end.max(n.span.end);
    });
    r
}

/// Whether lines of the entry `key` of `parent` did not parse (in a file that does not
/// parse whole): an unparsed range after the key, indented deeper than it, before the next
/// entry of `parent`. What parsed of such an entry is not all of it (a `context:` that did
/// not parse is not `.`).
fn partly_unparsed(r: &Reference<'_>, parent: &Node, key: &Node) -> bool {
    if r.unknown.is_empty() {
        return false;
    }
    let start = key.span.start;
    let next = parent
        .as_map()
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| k.span.start)
        .filter(|&s| s > start)
        .min()
        .unwrap_or(usize::MAX);
    let column = |at: usize| {
        let line_start = r.text.get(..at).and_then(|t| t.rfind('\n'));
        at - line_start.map_or(0, |p| p + 1)
    };
    let key_column = column(start);
    r.unknown.iter().any(|(u, _)| {
        let first = r.text.get(u.clone()).unwrap_or_default();
        let indent = first.len() - first.trim_start_matches([' ', '\t']).len();
        u.start > start && u.start < next && indent > key_column
    })
}

/// A YAML file read through the template-aware text layer.
fn read_yaml<'t>(repo: &Repo, path: &str, text: &'t str) -> (Vec<Node>, Reference<'t>) {
    let read = templated_yaml::read(text);
    if let Some(invalid) = &read.invalid {
        repo.diagnose(
            path,
            format!(
                "partly checked for build contexts: invalid YAML{}: {}",
                if invalid.templated {
                    " even with its template tags blanked"
                } else {
                    ""
                },
                first_line(&invalid.error.to_string())
            ),
        );
    }
    (
        read.docs,
        Reference {
            text,
            unknown: read
                .unparsed
                .into_iter()
                .map(|u| (u, Unknown::Unparsed))
                .collect(),
        },
    )
}

/// The builds a compose file declares: (context, Dockerfile relative to the context).
fn compose_builds(docs: &[Node], r: &mut Reference<'_>) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let services = docs.iter().flat_map(|d| d.get_all("services"));
    for svc in services.flat_map(Node::values) {
        for (key, build) in svc.as_map().unwrap_or_default() {
            if key.str() != Some("build") {
                continue;
            }
            if partly_unparsed(r, svc, key) {
                r.unknown.push((extent(build), Unknown::Unparsed));
                continue;
            }
            let (context, dockerfile) = if build.str().is_some() {
                (value(r.text, build), None)
            } else {
                (
                    build.get("context").and_then(|n| value(r.text, n)),
                    build.get("dockerfile").and_then(|n| value(r.text, n)),
                )
            };
            match (context.unwrap_or_else(|| Ok(".".to_owned())), dockerfile) {
                (Ok(c), None) => out.push((c, None)),
                (Ok(c), Some(Ok(d))) => out.push((c, Some(d))),
                _ => r.unknown.push((extent(build), Unknown::Variable)),
            }
        }
    }
    out
}

/// The builds of a workflow's `docker/build-push-action` steps: (context, Dockerfile), both
/// relative to the workspace.
fn workflow_builds(docs: &[Node], r: &mut Reference<'_>) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let jobs = docs.iter().flat_map(|d| d.get_all("jobs"));
    let steps = jobs
        .flat_map(Node::values)
        .flat_map(|j| j.get_all("steps"))
        .flat_map(Node::items);
    for step in steps {
        let uses = step.get_all("uses").filter_map(Node::str);
        if !uses
            .into_iter()
            .any(|u| u.trim().starts_with("docker/build-push-action@"))
        {
            continue;
        }
        if step
            .as_map()
            .unwrap_or_default()
            .iter()
            .any(|(k, _)| k.str() == Some("with") && partly_unparsed(r, step, k))
        {
            r.unknown.push((extent(step), Unknown::Unparsed));
            continue;
        }
        let with = step.get("with");
        let get = |k: &str| with.and_then(|w| w.get(k)).and_then(|n| value(r.text, n));
        match (
            get("context").unwrap_or_else(|| Ok(".".to_owned())),
            get("file"),
        ) {
            (Ok(c), None) => out.push((c, None)),
            (Ok(c), Some(Ok(f))) => out.push((c, Some(f))),
            _ => r.unknown.push((extent(step), Unknown::Variable)),
        }
    }
    out
}

// devcontainer.json -----------------------------------------------------------------------

#[derive(Deserialize)]
struct DevContainer {
    #[serde(default)]
    build: Option<DevBuild>,
    #[serde(default, rename = "dockerFile")]
    docker_file: Option<String>,
    #[serde(default)]
    context: Option<String>,
}

#[derive(Deserialize)]
struct DevBuild {
    #[serde(default)]
    dockerfile: Option<String>,
    #[serde(default)]
    context: Option<String>,
}

/// The build a devcontainer.json declares: (context, Dockerfile), both relative to its
/// folder.
fn devcontainer_build(repo: &Repo, path: &str, r: &mut Reference<'_>) -> Option<(String, String)> {
    let parse = |t: &str| {
        jsonc_parser::parse_to_serde_value::<Option<DevContainer>>(t, &Default::default())
    };
    let dc = match template::parse_raw_first(r.text, parse) {
        Ok(Some(d)) => d,
        Ok(None) => return None,
        Err(e) => {
            repo.diagnose(
                path,
                format!("not checked for build contexts: invalid JSON: {e}"),
            );
            r.unknown.push((0..r.text.len(), Unknown::Unparsed));
            return None;
        }
    };
    let (dockerfile, context) = match dc.build {
        Some(b) => (b.dockerfile.or(dc.docker_file), b.context.or(dc.context)),
        None => (dc.docker_file, dc.context),
    };
    let dockerfile = dockerfile?;
    let context = context.unwrap_or_else(|| ".".to_owned());
    if unresolvable(&context) || unresolvable(&dockerfile) {
        r.unknown.push((0..r.text.len(), Unknown::Variable));
        return None;
    }
    Some((context, dockerfile))
}

/// Whether `text` names the Dockerfile at `dockerfile` (repository path) for a file in
/// `dir`: its path from there or from the root, or for a plain `Dockerfile` its folder
/// (`build: ./app`), or, in `dir` itself, any build at all.
fn mentions(text: &str, dir: &str, dockerfile: &str) -> bool {
    let (df_dir, name) = dockerfile.rsplit_once('/').unwrap_or(("", dockerfile));
    let default_name =
        template::rendered_name(name).is_some_and(|n| n.eq_ignore_ascii_case("dockerfile"));
    let folder = relative_to(df_dir, dir);
    [relative_to(dockerfile, dir), dockerfile.to_owned()]
        .iter()
        .any(|p| names_path(text, p))
        || (default_name && !df_dir.is_empty() && !folder.is_empty() && names_path(text, &folder))
        || (default_name && df_dir == dir && (text.contains("build") || text.contains("context")))
}

/// Whether `text` holds `path` as a whole path (`./app`, `"app/"`, not `application`).
fn names_path(text: &str, path: &str) -> bool {
    let edge = |c: Option<char>| {
        c.is_none_or(|c| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | ',' | ':' | '[' | ']'))
    };
    text.match_indices(path).any(|(at, _)| {
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        let after = text.get(at + path.len()..).and_then(|t| t.chars().next());
        (edge(before) || before == Some('.')) && edge(after)
    })
}

/// Every build context of the repository, sorted. Referencing files are read through the
/// template-aware text layer ([`templated_yaml::read`], [`template::parse_raw_first`]):
/// a compose file holding Jinja is read, both branches of its `{% if %}`s. A Dockerfile
/// named in what still cannot be read or resolved gets a context that is
/// [unknown](BuildContext::unknown), not its own folder.
pub fn discover(repo: &Repo) -> Vec<BuildContext> {
    // Dockerfiles by the path they will have once rendered (`Dockerfile.jinja` is named
    // `Dockerfile` by the compose file next to it).
    let dockerfiles: BTreeMap<String, String> = repo
        .files()
        .iter()
        .filter(|f| is_dockerfile(f.name()))
        .map(|f| {
            let rendered = template::rendered_path(&f.path).unwrap_or_else(|| f.path.clone());
            (rendered, f.path.clone())
        })
        .collect();
    let mut found: BTreeSet<BuildContext> = BTreeSet::new();
    // (referencing file, its folder, what of it is unknown)
    let mut unknown: Vec<(String, String, String, Unknown)> = Vec::new();
    let declare = |found: &mut BTreeSet<BuildContext>,
                   origin: &str,
                   dir: Option<String>,
                   dockerfile: Option<String>| {
        let (Some(dir), Some(dockerfile)) = (dir, dockerfile) else {
            repo.diagnose(
                origin,
                "a build context or Dockerfile path leaves the repository; not checked",
            );
            return;
        };
        let dockerfile_path = match dockerfiles.get(&dockerfile) {
            Some(actual) => actual.clone(),
            None if repo.root().join(&dockerfile).is_file() => dockerfile.clone(),
            None => return,
        };
        if !repo.root().join(&dir).is_dir() {
            return;
        }
        found.insert(BuildContext {
            dockerfile: relative_to(&dockerfile, &dir),
            dir,
            dockerfile_path,
            origin: Some(origin.to_owned()),
            unknown: None,
        });
    };
    for f in repo.files() {
        let Some(rendered) = template::rendered_path(&f.path) else {
            continue;
        };
        let name = rendered.rsplit('/').next().unwrap_or(&rendered);
        let compose = is_compose(name);
        let workflow = workflow_root(&rendered);
        let devcontainer = is_devcontainer(&rendered);
        if !compose && workflow.is_none() && !devcontainer {
            continue;
        }
        let Some(file) = repo.read_text(f) else {
            continue;
        };
        let text = file.text();
        let mut r = Reference {
            text,
            unknown: Vec::new(),
        };
        if compose {
            let (docs, mut rf) = read_yaml(repo, &f.path, text);
            for (context, dockerfile) in compose_builds(&docs, &mut rf) {
                let dir = join(f.dir(), &context);
                let df = dir
                    .as_ref()
                    .and_then(|d| join(d, dockerfile.as_deref().unwrap_or("Dockerfile")));
                declare(&mut found, &f.path, dir, df);
            }
            r = rf;
        } else if let Some(root) = workflow {
            let (docs, mut rf) = read_yaml(repo, &f.path, text);
            for (context, file) in workflow_builds(&docs, &mut rf) {
                let dir = join(root, &context);
                // `file` is relative to the workspace, i.e. the project root.
                let df = match file {
                    Some(file) => join(root, &file),
                    None => dir.as_ref().and_then(|d| join(d, "Dockerfile")),
                };
                declare(&mut found, &f.path, dir, df);
            }
            r = rf;
        } else if let Some((context, dockerfile)) = devcontainer_build(repo, &f.path, &mut r) {
            // Both are relative to the folder of devcontainer.json.
            declare(
                &mut found,
                &f.path,
                join(f.dir(), &context),
                join(f.dir(), &dockerfile),
            );
        }
        for (range, why) in &r.unknown {
            if let Some(t) = text.get(range.clone()) {
                unknown.push((f.path.clone(), f.dir().to_owned(), t.to_owned(), *why));
            }
        }
    }
    let referenced: BTreeSet<String> = found.iter().map(|c| c.dockerfile_path.clone()).collect();
    for f in repo.files() {
        if !is_dockerfile(f.name()) || referenced.contains(&f.path) {
            continue;
        }
        let rendered = template::rendered_path(&f.path).unwrap_or_else(|| f.path.clone());
        let named = unknown
            .iter()
            .find(|(_, dir, text, _)| mentions(text, dir, &rendered));
        found.insert(BuildContext {
            dir: f.dir().to_owned(),
            dockerfile_path: f.path.clone(),
            dockerfile: f.name().to_owned(),
            origin: named.map(|(origin, ..)| origin.clone()),
            unknown: named.map(|(.., why)| *why),
        });
    }
    // One entry per (context, Dockerfile): the first declaration wins.
    let mut out: Vec<BuildContext> = Vec::new();
    for c in found {
        if !out
            .iter()
            .any(|o| o.dir == c.dir && o.dockerfile_path == c.dockerfile_path)
        {
            out.push(c);
        }
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            relative_to("services/api/Dockerfile", ""),
            "services/api/Dockerfile"
        );
        assert_eq!(
            relative_to("docker/Dockerfile", "app"),
            "../docker/Dockerfile"
        );
        assert_eq!(relative_to("app/Dockerfile", "app"), "Dockerfile");
        assert_eq!(join("services/api", "../.."), Some(String::new()));
        assert_eq!(join("services", "../.."), None);
        assert!(is_dockerfile("Dockerfile"));
        assert!(is_dockerfile("api.Dockerfile"));
        assert!(is_dockerfile("Dockerfile.prod"));
        assert!(!is_dockerfile("Dockerfile.dockerignore"));
        assert!(!is_dockerfile("api.Dockerfile.dockerignore"));
        assert!(!is_dockerfile("dockerfile.rs"));
        assert!(!is_dockerfile("Dockerfile.md"));
        assert!(is_compose("docker-compose.override.yml"));
        assert!(is_compose("compose.yaml"));
        assert!(is_compose("compose.yaml.jinja"));
        assert!(is_compose("{% if docker %}compose.yaml{% endif %}"));
        assert!(is_dockerfile("{% if docker %}Dockerfile{% endif %}.jinja"));
        assert!(!is_dockerfile("{{ cookiecutter.name }}"));
        assert_eq!(workflow_root(".github/workflows/ci.yml"), Some(""));
        assert_eq!(
            workflow_root("{{c.slug}}/.github/workflows/ci.yml"),
            Some("{{c.slug}}")
        );
        assert_eq!(workflow_root("docs/.github/workflows/ci.yml"), None);
        assert_eq!(workflow_root(".github/workflows/sub/ci.yml"), None);
    }

    #[test]
    fn mentions_of_a_dockerfile() {
        let text = "build:\n  context: \"{{ x }}\n  dockerfile: ./compose/django/Dockerfile\n";
        assert!(mentions(text, "p", "p/compose/django/Dockerfile"));
        assert!(!mentions(text, "p", "p/compose/node/Dockerfile"));
        assert!(mentions("build: ./app\n", "", "app/Dockerfile"));
        assert!(!mentions("build: ./app\n", "", "app/Dockerfile.prod"));
        assert!(mentions("build: .\n", "p", "p/Dockerfile"));
        assert!(!mentions("build: ./application\n", "", "app/Dockerfile"));
        assert!(mentions("build: \"app/\"\n", "", "app/Dockerfile"));
    }
}
