//! Where a repository's build contexts are: the context a Dockerfile is actually built
//! with, from `build.context`/`build.dockerfile` in compose files, `context:`/`file:` of
//! `docker/build-push-action` steps in workflows and `build.context` in
//! `devcontainer.json`; a Dockerfile nothing references is built from its own folder.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::context::normalize_rel;
use crate::walk::{FileEntry, Repo};

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

/// Template suffixes a file name may carry after its real name (`Dockerfile.j2`).
pub const TEMPLATE_SUFFIXES: &[&str] = &["j2", "jinja", "jinja2", "tmpl", "tpl", "template"];

/// A lower-case file name without its template suffix.
pub fn untemplated(lower: &str) -> &str {
    TEMPLATE_SUFFIXES
        .iter()
        .find_map(|ext| lower.strip_suffix(ext).and_then(|b| b.strip_suffix('.')))
        .unwrap_or(lower)
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Containerfile`, `Dockerfile.prod`,
/// `Dockerfile-prod`, `api.Dockerfile`, also with a template suffix (`Dockerfile.j2`). Not an
/// ignore file (`Dockerfile.dockerignore`), nor source code or a document about Dockerfiles
/// (`dockerfile.rs`, `Dockerfile.md`).
pub fn is_dockerfile(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = untemplated(&lower);
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
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("docker-compose") || lower.starts_with("compose"))
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
}

fn is_workflow(path: &str) -> bool {
    path.strip_prefix(".github/workflows/")
        .is_some_and(|n| !n.contains('/') && (n.ends_with(".yml") || n.ends_with(".yaml")))
}

fn is_devcontainer(f: &FileEntry) -> bool {
    f.path == ".devcontainer.json"
        || (f.name() == "devcontainer.json"
            && (f.dir() == ".devcontainer"
                || f.dir()
                    .strip_prefix(".devcontainer/")
                    .is_some_and(|d| !d.contains('/'))))
        || f.path == ".devcontainer/.devcontainer.json"
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

fn unresolvable(value: &str) -> bool {
    value.contains("${") || value.contains("://") || value.starts_with("git@")
}

/// A YAML file of the repository as `T`; a file that cannot be read or parsed becomes a
/// diagnostic and `None`.
fn read_yaml<T: serde::de::DeserializeOwned>(repo: &Repo, f: &FileEntry) -> Option<T> {
    let text = repo.read_text(f)?;
    serde_saphyr::from_str_with_options(text.text(), yaml_options())
        .map_err(|e| {
            repo.diagnose(
                &f.path,
                format!(
                    "not checked for build contexts: invalid YAML: {}",
                    first_line(&e.to_string())
                ),
            )
        })
        .ok()
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 200_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
        },
    }
}

// Compose ---------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Compose {
    #[serde(default)]
    services: Option<BTreeMap<String, Option<Service>>>,
}

#[derive(Deserialize)]
struct Service {
    #[serde(default)]
    build: Option<ComposeBuild>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ComposeBuild {
    Path(String),
    Spec {
        #[serde(default)]
        context: Option<String>,
        #[serde(default)]
        dockerfile: Option<String>,
    },
}

// Workflows -------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Workflow {
    #[serde(default)]
    jobs: Option<BTreeMap<String, Option<Job>>>,
}

#[derive(Deserialize)]
struct Job {
    #[serde(default)]
    steps: Option<Vec<Option<Step>>>,
}

#[derive(Deserialize)]
struct Step {
    #[serde(default)]
    uses: Option<Scalar>,
    #[serde(default)]
    with: Option<BTreeMap<String, Scalar>>,
}

/// A YAML scalar of any type, kept only when it is a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Other(serde::de::IgnoredAny),
}

impl Scalar {
    fn text(&self) -> Option<&str> {
        match self {
            Scalar::Text(s) => Some(s),
            Scalar::Other(_) => None,
        }
    }
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

/// Every build context of the repository, sorted. Files that cannot be read or parsed are
/// reported through [`Repo::diagnose`] and skipped.
pub fn discover(repo: &Repo) -> Vec<BuildContext> {
    let mut found: BTreeSet<BuildContext> = BTreeSet::new();
    let declare = |found: &mut BTreeSet<BuildContext>,
                   origin: &str,
                   dir: Option<String>,
                   dockerfile: Option<String>| {
        let (Some(dir), Some(dockerfile_path)) = (dir, dockerfile) else {
            repo.diagnose(
                origin,
                "a build context or Dockerfile path leaves the repository; not checked",
            );
            return;
        };
        if !repo.root().join(&dockerfile_path).is_file() || !repo.root().join(&dir).is_dir() {
            return;
        }
        found.insert(BuildContext {
            dockerfile: relative_to(&dockerfile_path, &dir),
            dir,
            dockerfile_path,
            origin: Some(origin.to_owned()),
        });
    };
    for f in repo.files() {
        let name = f.name();
        if is_compose(name) {
            let Some(compose) = read_yaml::<Compose>(repo, f) else {
                continue;
            };
            for service in compose
                .services
                .into_iter()
                .flatten()
                .filter_map(|(_, s)| s)
            {
                let (context, dockerfile) = match service.build {
                    Some(ComposeBuild::Path(p)) => (p, None),
                    Some(ComposeBuild::Spec {
                        context,
                        dockerfile,
                    }) => (context.unwrap_or_else(|| ".".to_owned()), dockerfile),
                    None => continue,
                };
                if unresolvable(&context) || dockerfile.as_deref().is_some_and(unresolvable) {
                    continue;
                }
                let dir = join(f.dir(), &context);
                let df = dir
                    .as_ref()
                    .and_then(|d| join(d, dockerfile.as_deref().unwrap_or("Dockerfile")));
                declare(&mut found, &f.path, dir, df);
            }
        } else if is_workflow(&f.path) {
            let Some(wf) = read_yaml::<Workflow>(repo, f) else {
                continue;
            };
            let steps = wf
                .jobs
                .into_iter()
                .flatten()
                .filter_map(|(_, j)| j)
                .flat_map(|j| j.steps.into_iter().flatten().flatten());
            for step in steps {
                let uses = step.uses.as_ref().and_then(Scalar::text).unwrap_or("");
                if !uses.starts_with("docker/build-push-action@") {
                    continue;
                }
                let with = step.with.unwrap_or_default();
                let get = |k: &str| with.get(k).and_then(Scalar::text).map(str::trim);
                let context = get("context").unwrap_or(".");
                let file = get("file");
                if unresolvable(context)
                    || context.contains("${{")
                    || file.is_some_and(|f| f.contains("${{") || unresolvable(f))
                {
                    continue;
                }
                let dir = join("", context);
                // `file` is relative to the workspace, i.e. the repository root.
                let df = match file {
                    Some(file) => join("", file),
                    None => dir.as_ref().and_then(|d| join(d, "Dockerfile")),
                };
                declare(&mut found, &f.path, dir, df);
            }
        } else if is_devcontainer(f) {
            let Some(text) = repo.read_text(f) else {
                continue;
            };
            let dc: DevContainer =
                match jsonc_parser::parse_to_serde_value(text.text(), &Default::default()) {
                    Ok(Some(d)) => d,
                    Ok(None) => continue,
                    Err(e) => {
                        repo.diagnose(
                            &f.path,
                            format!("not checked for build contexts: invalid JSON: {e}"),
                        );
                        continue;
                    }
                };
            let (dockerfile, context) = match dc.build {
                Some(b) => (b.dockerfile.or(dc.docker_file), b.context.or(dc.context)),
                None => (dc.docker_file, dc.context),
            };
            let Some(dockerfile) = dockerfile else {
                continue;
            };
            let context = context.unwrap_or_else(|| ".".to_owned());
            if unresolvable(&context) || unresolvable(&dockerfile) || context.contains("${") {
                continue;
            }
            // Both are relative to the folder of devcontainer.json.
            declare(
                &mut found,
                &f.path,
                join(f.dir(), &context),
                join(f.dir(), &dockerfile),
            );
        }
    }
    let referenced: BTreeSet<String> = found.iter().map(|c| c.dockerfile_path.clone()).collect();
    for f in repo.files() {
        if is_dockerfile(f.name()) && !referenced.contains(&f.path) {
            found.insert(BuildContext {
                dir: f.dir().to_owned(),
                dockerfile_path: f.path.clone(),
                dockerfile: f.name().to_owned(),
                origin: None,
            });
        }
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
    }
}
