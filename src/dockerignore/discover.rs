//! Where a repository's build contexts are: the context a Dockerfile is actually built
//! with, from `build.context`/`build.dockerfile` in compose files, `context:`/`file:` of
//! `docker/build-push-action` steps in workflows and `build.context` in
//! `devcontainer.json`; a Dockerfile nothing references is built from its own folder.

use std::collections::{BTreeMap, BTreeSet};

pub use super::references::Unknown;
use super::references::{
    Reference, compose_builds, devcontainer_build, join, mentions, read_yaml, relative_to,
    workflow_builds,
};
use crate::parse::template;
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
