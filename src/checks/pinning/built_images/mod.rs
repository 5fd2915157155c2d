//! The images a repository builds itself: a `FROM myorg/app` in a test Dockerfile, or a
//! compose service `image: myorg/app:dev`, uses the repository's own build output, not a
//! third-party dependency, and is not reported as unpinned.
//!
//! An image counts as built when the repository tags a build with its name: `docker build
//! -t` / `--tag` (also `buildx build`, `image build`, `podman`, `nerdctl`, `buildah bud`),
//! kaniko's `--destination`, `pack build`, and `docker tag` of an image it built, in
//! scripts, Makefiles, justfiles, `package.json` scripts, workflow `run:` and GitLab
//! `script:`; `tags:` of `docker/build-push-action`, `images:` of `docker/metadata-action`,
//! `image:` of `redhat-actions/buildah-build`; a compose service with both `build:` and
//! `image:`; `tags` of `docker buildx bake` files; goreleaser `image_templates`; skaffold
//! `build.artifacts[].image`; Earthly `SAVE IMAGE`; Tilt `docker_build`. A variable in a
//! tag is resolved when the same file gives it a literal value (`IMAGE ?= myorg/app`, `env:
//! IMAGE: …`, `${IMAGE:-myorg/app}`) or the template's variables give it a default;
//! otherwise that tag is ignored. A registry prefix that stays unknown
//! (`$REGISTRY/myorg/app`) matches the name under any registry.
//!
//! The set is a fact about the whole repository: it is computed once, on the first image
//! finding of the scan, from the files that can hold a build (a literal prefilter first).

mod commands;
mod declared;

use std::collections::HashSet;
use std::sync::OnceLock;

use super::Cx;
use super::refs::image_name;
use crate::walk::{FileEntry, Repo};

/// Names (see [`image_name`]) of the images the repository builds.
#[derive(Debug, Default)]
pub(crate) struct BuiltImages {
    /// Names as tagged, registry included.
    names: HashSet<String>,
    /// Names tagged behind a registry prefix that is not known: any registry matches.
    any_registry: HashSet<String>,
}

impl BuiltImages {
    /// Whether the image named `name` (an [`image_name`]) is built here.
    pub fn contains(&self, name: &str) -> bool {
        if self.names.contains(name) || self.any_registry.contains(name) {
            return true;
        }
        match name.split_once('/') {
            Some((host, rest)) if super::refs::is_registry_host(host) => {
                self.any_registry.contains(rest)
            }
            _ => false,
        }
    }

    /// Record a tag as written after variable resolution, where [`commands::UNKNOWN`] stands
    /// for a variable without a value.
    fn add(&mut self, tag: &str) {
        if let Some(name) = name_of(tag) {
            self.names.insert(name);
        } else if let Some((first, rest)) = tag.split_once('/')
            && first.contains(commands::UNKNOWN)
            && let Some(name) = name_of(rest)
        {
            self.any_registry.insert(name);
        }
    }
}

/// The name of a resolved tag, when no unknown variable is part of it.
fn name_of(tag: &str) -> Option<String> {
    let tag = tag.trim().trim_matches(['"', '\'']);
    if tag.is_empty() {
        return None;
    }
    image_name(tag).filter(|n| !n.contains(commands::UNKNOWN))
}

/// The repository's [`BuiltImages`], computed on first use. Checks are built for one scan
/// of one repository (`checks::build` runs per scan), so the set is kept with the check.
#[derive(Debug, Default)]
pub(crate) struct Cache(OnceLock<BuiltImages>);

impl Cache {
    fn with<R>(&self, repo: &Repo, f: impl FnOnce(&BuiltImages) -> R) -> R {
        f(self.0.get_or_init(|| compute(repo)))
    }
}

impl Cx<'_> {
    /// Whether the repository builds the image named `name` (an [`image_name`]) itself.
    pub fn builds_image(&self, name: &str) -> bool {
        self.built_images.with(self.repo, |b| b.contains(name))
    }
}

/// Read every file that can tag a build and collect the names.
///
/// Inside the scan's thread pool the files are shared among as many plain threads (never
/// the pool's own, which could pick up a check waiting for this very set); a serial scan
/// reads them on its own thread.
fn compute(repo: &Repo) -> BuiltImages {
    let files: Vec<(&FileEntry, declared::Source)> = repo
        .files()
        .iter()
        .filter_map(|f| Some((f, declared::Source::of(&f.path)?)))
        .collect();
    let threads = match rayon::current_thread_index() {
        Some(_) => rayon::current_num_threads().clamp(1, 8),
        None => 1,
    };
    let found: Vec<Found> = if threads == 1 || files.len() < 64 {
        vec![read_all(repo, &files)]
    } else {
        let chunk = files.len().div_ceil(threads);
        std::thread::scope(|s| {
            let workers: Vec<_> = files
                .chunks(chunk)
                .map(|part| s.spawn(move || read_all(repo, part)))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        })
    };
    let mut built = BuiltImages::default();
    let mut retags = Vec::new();
    for f in found {
        f.tags.iter().for_each(|t| built.add(t));
        retags.extend(f.retags);
    }
    // `docker tag SRC DST` makes DST one of ours when SRC is (in any order of the files).
    let mut changed = true;
    while changed {
        changed = false;
        for (src, dst) in &retags {
            if name_of(src).is_some_and(|n| built.contains(&n)) && name_of(dst).is_some() {
                let before = built.names.len();
                built.add(dst);
                changed |= built.names.len() != before;
            }
        }
    }
    built
}

/// The tags and `docker tag` pairs of some files.
#[derive(Default)]
struct Found {
    tags: Vec<String>,
    retags: Vec<(String, String)>,
}

fn read_all(repo: &Repo, files: &[(&FileEntry, declared::Source)]) -> Found {
    let mut found = Found::default();
    for (entry, source) in files {
        let Ok(bytes) = repo.read_named(&entry.path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if !source.may_build(&text) {
            continue;
        }
        let vars = commands::Defs::new(&text, repo, &entry.path);
        if source.has_commands() {
            commands::scan(&text, &vars, &mut found.tags, &mut found.retags);
        }
        declared::scan(*source, &text, &vars, &mut found.tags);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_and_unknown_prefixes() {
        let mut b = BuiltImages::default();
        b.add("myorg/app:dev");
        b.add(&format!("{u}/team/api:{u}", u = commands::UNKNOWN));
        b.add(&format!("{}:1", commands::UNKNOWN));
        assert!(b.contains("myorg/app"));
        assert!(!b.contains("myorg/app2"));
        assert!(b.contains("team/api"));
        assert!(b.contains("ghcr.io/team/api"));
        assert!(!b.contains("ghcr.io/myorg/app"));
        assert_eq!(b.names.len() + b.any_registry.len(), 2);
    }
}
