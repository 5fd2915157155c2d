//! Builds declared in configuration rather than on a command line: compose services with
//! `build:` and `image:`, the image actions of a workflow, goreleaser and skaffold files,
//! `docker buildx bake` files and Earthfiles.

use super::commands::Defs;
use crate::checks::pinning::{FileKind, classify};
use crate::parse::templated_yaml;
use crate::parse::yaml::Node;
use crate::static_regex;

/// What kind of file may tag a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// Shell scripts, Makefiles, justfiles, `package.json`: commands only.
    Commands,
    /// YAML: commands (`run:`, `script:`) and declared builds.
    Yaml,
    /// `docker buildx bake` files (`docker-bake.hcl`, `*.hcl`, `docker-bake.json`).
    Bake,
    Earthfile,
    /// Tilt: `docker_build('myorg/app', …)`, `custom_build('myorg/app', …)`.
    Tiltfile,
}

impl Source {
    pub(super) fn of(path: &str) -> Option<Source> {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name == "Earthfile" {
            return Some(Source::Earthfile);
        }
        if name == "Tiltfile" || name.ends_with(".tiltfile") {
            return Some(Source::Tiltfile);
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".hcl") || lower.starts_with("docker-bake") && lower.ends_with(".json") {
            return Some(Source::Bake);
        }
        match classify(path)? {
            FileKind::Yaml => Some(Source::Yaml),
            FileKind::Shell | FileKind::PackageJson => Some(Source::Commands),
            _ => None,
        }
    }

    /// A literal look before anything is parsed.
    pub(super) fn may_build(self, text: &str) -> bool {
        let has = |s: &str| memchr::memmem::find(text.as_bytes(), s.as_bytes()).is_some();
        match self {
            Source::Commands => {
                [
                    "docker", "podman", "buildah", "nerdctl", "executor", "img ", "pack ",
                ]
                .iter()
                .any(|e| has(e))
                    && (has("build") || has("bud") || has("--destination") || has(" tag "))
            }
            Source::Yaml => Source::Commands.may_build(text) || declares(text),
            Source::Bake => has("tags"),
            Source::Earthfile => has("SAVE IMAGE"),
            Source::Tiltfile => has("_build("),
        }
    }

    pub(super) fn has_commands(self) -> bool {
        matches!(self, Source::Commands | Source::Yaml)
    }
}

/// Collect the tags `source` declares into `tags` (resolved with `defs`).
pub(super) fn scan(source: Source, text: &str, defs: &Defs, tags: &mut Vec<String>) {
    match source {
        Source::Commands => {}
        Source::Yaml => yaml_builds(text, defs, tags),
        Source::Bake => bake(text, defs, tags),
        Source::Earthfile => earthfile(text, defs, tags),
        Source::Tiltfile => tilt(text, defs, tags),
    }
}

/// Whether a YAML file may declare a build (and is worth parsing).
fn declares(text: &str) -> bool {
    let has = |s: &str| memchr::memmem::find(text.as_bytes(), s.as_bytes()).is_some();
    has("build:") && has("image:")
        || has("artifacts:") && has("image:")
        || [
            "/build-push-action",
            "/metadata-action",
            "/kaniko-action",
            "/buildah-build",
            "image_templates",
        ]
        .iter()
        .any(|s| has(s))
}

fn yaml_builds(text: &str, defs: &Defs, tags: &mut Vec<String>) {
    if !declares(text) {
        return;
    }
    let Ok(docs) = templated_yaml::parse(text).map(|p| p.docs) else {
        return;
    };
    let mut found = Vec::new();
    for doc in &docs {
        if let Some(services) = doc.get("services") {
            compose(services, &mut found);
        }
        if let Some(artifacts) = doc.get("build").and_then(|b| b.get("artifacts")) {
            // skaffold
            found.extend(artifacts.items().filter_map(|a| a.get("image")?.str()));
        }
        walk(doc, 0, &mut found);
    }
    tags.extend(found.into_iter().map(|t| defs.resolve(t)));
}

/// A compose service that is built and named: `build:` next to `image:`.
fn compose<'n>(services: &'n Node, found: &mut Vec<&'n str>) {
    for svc in services.values() {
        if svc.get("build").is_some()
            && let Some(image) = svc.get("image").and_then(Node::str)
        {
            found.push(image);
        }
    }
}

/// The image actions of workflow steps and goreleaser `image_templates`, anywhere.
fn walk<'n>(node: &'n Node, depth: usize, found: &mut Vec<&'n str>) {
    if depth > 64 {
        return;
    }
    if let Some(uses) = node.get("uses").and_then(Node::str)
        && let Some(with) = node.get("with")
    {
        let action = uses.split('@').next().unwrap_or(uses);
        let key = if action.ends_with("/build-push-action") || action.ends_with("/kaniko-action") {
            Some("tags")
        } else if action.ends_with("/metadata-action") {
            Some("images")
        } else if action.ends_with("/buildah-build") {
            Some("image")
        } else {
            None
        };
        if let Some(list) = key.and_then(|k| with.get(k)).and_then(Node::str) {
            found.extend(list_items(list));
        }
    }
    if let Some(templates) = node.get("image_templates") {
        found.extend(templates.items().filter_map(Node::str));
    }
    for v in node.values().chain(node.items()) {
        walk(v, depth + 1, found);
    }
}

/// Items of an action input list: one per line or comma; metadata-action's
/// `name=…,enable=…` form gives its name.
fn list_items(list: &str) -> impl Iterator<Item = &str> {
    list.lines().flat_map(|line| {
        let mut parts = line.split(',').map(str::trim);
        let first = parts.clone().next().unwrap_or_default();
        let named = first.strip_prefix("name=");
        let keyed = line.contains('=');
        let items: Vec<&str> = match named {
            Some(n) => vec![n],
            // `ghcr.io/o/app,enable=true`: the first part is the name.
            None if keyed => vec![first],
            None => parts.by_ref().collect(),
        };
        items.into_iter().filter(|s| !s.is_empty())
    })
}

static_regex!(BAKE_TAGS = r#""?tags"?\s*[=:]\s*\[([^\]]*)\]"#);
static_regex!(
    BAKE_VARIABLE = r#"variable\s+"([A-Za-z_][A-Za-z0-9_]*)"\s*\{[^}]*?default\s*=\s*"([^"]*)""#
);
static_regex!(QUOTED = r#""([^"]*)""#);

/// `docker buildx bake` targets: `tags = ["…", …]`, with `variable "X" { default = "…" }`.
fn bake(text: &str, defs: &Defs, tags: &mut Vec<String>) {
    let vars: Vec<(String, String)> = BAKE_VARIABLE
        .captures_iter(text)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect();
    for c in BAKE_TAGS.captures_iter(text) {
        for q in QUOTED.captures_iter(&c[1]) {
            let mut tag = q[1].to_owned();
            for (name, value) in &vars {
                tag = tag.replace(&format!("${{{name}}}", name = name), value);
            }
            tags.push(defs.resolve(&tag));
        }
    }
}

static_regex!(
    TILT_BUILD = r#"\b(?:docker_build|custom_build)\(\s*(?:ref\s*=\s*)?["']([^"']+)["']"#
);

fn tilt(text: &str, defs: &Defs, tags: &mut Vec<String>) {
    tags.extend(TILT_BUILD.captures_iter(text).map(|c| defs.resolve(&c[1])));
}

/// Earthly: `SAVE IMAGE [--push] [flags] name …`.
fn earthfile(text: &str, defs: &Defs, tags: &mut Vec<String>) {
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("SAVE IMAGE") else {
            continue;
        };
        tags.extend(
            rest.split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .map(|w| defs.resolve(w.trim_matches(['"', '\'']))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiltfiles() {
        let text =
            "docker_build('myorg/app', '.')\ncustom_build(\n  ref='myorg/job', command='x')\n";
        let mut tags = Vec::new();
        scan(Source::Tiltfile, text, &Defs::literal(text), &mut tags);
        assert_eq!(tags, ["myorg/app", "myorg/job"]);
    }

    #[test]
    fn action_lists() {
        let items: Vec<&str> = list_items("ghcr.io/o/a\nname=o/b,enable=true\nc/d,e/f").collect();
        assert_eq!(items, ["ghcr.io/o/a", "o/b", "c/d", "e/f"]);
    }
}
