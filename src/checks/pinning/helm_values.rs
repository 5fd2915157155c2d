//! Where Helm values and Kubernetes-like YAML name images: which keys do (`image:`,
//! `sidecarImage:`, the entries of `images:`), what an image map says
//! (`registry`/`repository`/`tag`/`digest`), and what the chart next to a values file adds
//! (its `appVersion`, the subcharts its top-level keys configure).

use std::ops::Range;

use super::vars::{judge_image, no_vars, report_image};
use super::yaml_files::val;
use super::{Cx, Detect};
use crate::finding::Severity;
use crate::parse::yaml::{Node, scalar_range};
use crate::parse::{template, templated_yaml};
use crate::static_regex;
use crate::util::{ancestor_dirs, join_path};
use crate::walk::Repo;

/// Kubernetes manifests and Helm values: every image key (`image:`, `sidecarImage:`, the
/// entries of `images:`), as a string or as a `registry`/`repository`/`tag`/`digest` map.
/// In a values file an `image:` is an image, another image key when its value reads as an
/// image reference. In a manifest an `image:` in a container spec (next to a `name:`) is
/// one; elsewhere only a value that is clearly an image (with a tag, a digest or a registry
/// host) is, and nothing under `data:`, `metadata:` or annotations.
pub(super) fn images(cx: &mut Cx<'_>, node: &Node, depth: usize, manifest: bool) {
    let text = cx.text();
    let global_registry = node
        .get("global")
        .and_then(|g| g.get("imageRegistry"))
        .and_then(|r| val(text, r))
        .map(|(r, _)| r.trim().to_owned());
    let file = ImagesIn {
        manifest,
        chart: if manifest {
            None
        } else {
            Chart::of(cx.repo, cx.file.path())
        },
        global_registry,
    };
    images_in(cx, node, &file, depth, None);
}

/// What an image key's value is judged with: the kind of file, the chart next to a values
/// file, and `global.imageRegistry`.
struct ImagesIn {
    manifest: bool,
    chart: Option<Chart>,
    global_registry: Option<String>,
}

fn images_in(cx: &mut Cx<'_>, node: &Node, file: &ImagesIn, depth: usize, top: Option<&str>) {
    if depth > 64 {
        return;
    }
    if let Some(map) = node.as_map() {
        let container = !file.manifest || node.get("name").is_some();
        let strict = if file.manifest {
            Evidence::Strong
        } else {
            Evidence::Grammar
        };
        for (k, v) in map {
            let key = k.str().unwrap_or_default();
            let top = top.or((depth == 0).then_some(key));
            if file.manifest
                && matches!(
                    key,
                    "data" | "stringData" | "binaryData" | "metadata" | "annotations" | "labels"
                )
            {
                continue;
            }
            let evidence = match key {
                "image" if container => Evidence::Loose,
                _ => strict,
            };
            if is_image_key(key) && image_key(cx, v, evidence, file, top, beside(node, key, file)) {
                continue;
            }
            if is_images_key(key) && v.as_map().is_some() {
                if image_key(cx, v, strict, file, top, Beside::default()) {
                    continue;
                }
                // Images by component; settings shared by all of them are not images.
                for (name, entry) in v.as_map().unwrap_or_default() {
                    let shared = matches!(
                        name.str(),
                        Some("registry" | "tag" | "version" | "digest" | "pullPolicy")
                    );
                    if !shared && !image_key(cx, entry, strict, file, top, Beside::default()) {
                        images_in(cx, entry, file, depth + 2, top);
                    }
                }
                continue;
            }
            images_in(cx, v, file, depth + 1, top);
        }
    }
    for item in node.items() {
        images_in(cx, item, file, depth + 1, top);
    }
}

/// The tag and digest of an image key given beside it (`image:` + `imageTag:`, or
/// `tag:` next to `image:` in a values file).
#[derive(Default)]
struct Beside<'n> {
    tag: Option<&'n Node>,
    digest: Option<&'n Node>,
}

fn beside<'n>(map: &'n Node, key: &str, file: &ImagesIn) -> Beside<'n> {
    let named = |suffixes: [&str; 2]| suffixes.iter().find_map(|s| map.get(&format!("{key}{s}")));
    let plain_tag = key == "image" && !file.manifest;
    Beside {
        tag: named(["Tag", "_tag"]).or_else(|| map.get("tag").filter(|_| plain_tag)),
        digest: named(["Digest", "_digest"]),
    }
}

/// Judge the value of an image key if it is an image (a scalar, or an image map whose
/// repository reads as one with `evidence`); `false` when it is something else.
fn image_key(
    cx: &mut Cx<'_>,
    v: &Node,
    evidence: Evidence,
    file: &ImagesIn,
    top: Option<&str>,
    beside: Beside<'_>,
) -> bool {
    let text = cx.text();
    let is_image = |s: &str, evidence| match evidence {
        Evidence::Loose => looks_like_image(s),
        e => is_image_ref(s, e),
    };
    if let Some((s, r)) = val(text, v) {
        let untagged = !s.contains('@') && !s.rsplit('/').next().unwrap_or(s).contains(':');
        let tagged_beside = untagged && (beside.tag.is_some() || beside.digest.is_some());
        if !is_image(s, evidence) {
            return true;
        }
        if tagged_beside {
            let map = ImageMap {
                registry: None,
                repository: v,
                tag: beside.tag,
                digest: beside.digest,
            };
            judge_map(cx, &map, file, top);
        } else {
            let s = s.to_owned();
            judge_image(cx, &s, r, &no_vars);
        }
        return true;
    }
    let Some(map) = image_map(v, file.manifest) else {
        return false;
    };
    let Some((repo, _)) = val(text, map.repository) else {
        return false;
    };
    if !is_image(repo, evidence.min(Evidence::Grammar)) {
        return false;
    }
    judge_map(cx, &map, file, top);
    true
}

/// Judge an image map: pinned by a non-empty digest, else the reference with its tag, or
/// without one as [`untagged`] says.
fn judge_map(cx: &mut Cx<'_>, map: &ImageMap<'_>, file: &ImagesIn, top: Option<&str>) {
    let text = cx.text();
    let Some((repo, rrange)) = val(text, map.repository) else {
        return;
    };
    let non_empty = |n: Option<&Node>| {
        n.and_then(|n| val(text, n))
            .map(|(s, r)| (s.trim(), r))
            .filter(|(s, _)| !s.is_empty())
    };
    if non_empty(map.digest).is_some() {
        return;
    }
    // `registry:` (or `global.imageRegistry`) goes in front when it is a plain host; a
    // templated one would make the whole reference read as decided elsewhere.
    let registry = non_empty(map.registry)
        .map(|(r, _)| r)
        .or(file.global_registry.as_deref())
        .filter(|r| !template::has_template(r) && is_image_ref(r, Evidence::Grammar));
    let name = match registry {
        Some(reg) if !repo.starts_with(reg) => format!("{reg}/{}", repo.trim()),
        _ => repo.trim().to_owned(),
    };
    match non_empty(map.tag) {
        Some((tag, trange)) => judge_image(cx, &format!("{name}:{tag}"), trange, &no_vars),
        None => untagged(cx, &name, rrange, file, top),
    }
}

/// An image map without a tag: the chart's templates pick one, usually the chart's
/// `appVersion`. Judged with it when the chart is known, a note when it is not.
fn untagged(cx: &mut Cx<'_>, name: &str, range: Range<usize>, file: &ImagesIn, top: Option<&str>) {
    // A templated name is judged once its placeholders are resolved (`report_image`).
    if !template::has_template(name)
        && super::refs::not_a_dependency(cx, Detect::ImageUnpinned, name)
    {
        return;
    }
    let chart = file.chart.as_ref();
    let subchart = top.filter(|t| chart.is_some_and(|c| c.subcharts.iter().any(|s| s == t)));
    let app_version = chart.and_then(|c| Some((c.app_version.as_deref()?, c.path.as_str())));
    match (subchart, app_version) {
        (None, Some((version, path))) => report_image(
            cx,
            &format!("{name}:{version}"),
            range,
            &format!(
                "no `tag:` here: charts default it to their `appVersion`, `{version}` in `{path}`"
            ),
        ),
        (Some(sub), _) => cx.report_with(
            Detect::ImageUnpinned,
            range,
            format!(
                "image `{name}` has no digest and no tag here: the subchart `{sub}` decides its tag, which can be re-pointed; add a `digest:`"
            ),
            Some(Severity::Note),
        ),
        (None, None) => cx.report_with(
            Detect::ImageUnpinned,
            range,
            format!(
                "image `{name}` has no digest and no tag here: the chart's templates pick its tag (usually the chart's `appVersion`), which can be re-pointed; add a `digest:`"
            ),
            Some(Severity::Note),
        ),
    }
}

/// Whether a scalar reads as an image reference rather than a file or a description.
/// A template tag (`{{ cookiecutter.registry }}`) stands for one word.
pub(super) fn looks_like_image(v: &str) -> bool {
    let Some(v) = one_word_tags(v.trim()) else {
        return false;
    };
    let v = v.as_str();
    !v.is_empty()
        && !v.contains(char::is_whitespace)
        && !v.contains("://")
        && !v.starts_with(['.', '/', '~'])
        && ![
            ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".img", ".iso", ".qcow2",
            ".raw", ".vhd", ".bmp",
        ]
        .iter()
        .any(|ext| v.to_ascii_lowercase().ends_with(ext))
        && v.chars().any(|c| c.is_ascii_alphabetic())
        && !matches!(v, "true" | "false" | "null" | "~")
}

/// Whether a mapping key names one image: `image`, or a name ending in `Image` or
/// `_image` (`thanosImage`, `initContainerImage`, `init_image`). `imagePullPolicy`,
/// `imageTag` and `imagePullSecrets` do not.
pub(super) fn is_image_key(key: &str) -> bool {
    key == "image"
        || key.ends_with("_image")
        || key
            .strip_suffix("Image")
            .is_some_and(|p| p.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// Whether a mapping key holds a map of images by component (`images:`, `extraImages:`).
pub(super) fn is_images_key(key: &str) -> bool {
    key == "images" || key.ends_with("_images") || key.ends_with("Images")
}

/// How much a value must look like an image reference before it is judged as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Evidence {
    /// Any image-like word: the key says it is an image (`image:` in a values file or a
    /// container).
    Loose,
    /// The image reference grammar (`registry/path:tag@digest`, lower-case path).
    Grammar,
    /// The grammar, and a tag, a digest or a registry host: a key that only may name an
    /// image (`sourceImage: projects/debian-cloud/global/images/debian-12` is a VM image).
    Strong,
}

static_regex!(
    /// An image reference: an optional registry host, a lower-case path, an optional tag
    /// and an optional digest.
    IMAGE_REF = r"^(?:([A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]+)?)/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[A-Za-z][A-Za-z0-9+._-]*:[0-9a-fA-F]{32,})?$"
);

static_regex!(
    /// A tag that names a variable (`{{ cookiecutter.tag }}`, `{{ .Values.image.tag | quote }}`),
    /// not a call (`{{ include "common.images.image" . }}`, `{{ printf … }}`).
    VARIABLE_TAG = r"^\{\{-?\s*\.?[A-Za-z_][\w.]*\s*(?:\|[^\x22'(){}]*)?-?\}\}$"
);

/// `v` with each `{{ variable }}` tag replaced by one word (`x`); `None` for an
/// unterminated tag or one that calls a template function: what it renders is unknown.
fn one_word_tags(v: &str) -> Option<String> {
    let mut plain = String::new();
    let mut rest = v;
    while let Some(start) = rest.find("{{") {
        let end = start + rest[start..].find("}}")? + 2;
        if !VARIABLE_TAG.is_match(&rest[start..end]) {
            return None;
        }
        plain.push_str(&rest[..start]);
        plain.push('x');
        rest = &rest[end..];
    }
    plain.push_str(rest);
    Some(plain)
}

/// Whether `v` reads as an image reference with the `evidence` asked for. Template tags
/// (`{{ .Values.tag }}`) stand for one word; printf-style or shell templates do not pass.
pub(super) fn is_image_ref(v: &str, evidence: Evidence) -> bool {
    let v = v.trim();
    // A setting rather than an image (`pullImage: always`, `useCustomImage: false`).
    let setting = !v.contains(['/', ':', '@'])
        && [
            "true", "false", "yes", "no", "on", "off", "none", "null", "auto", "always", "never",
            "default", "enabled", "disabled", "latest", "custom",
        ]
        .iter()
        .any(|w| v.eq_ignore_ascii_case(w));
    if setting || !v.contains(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    let Some(plain) = one_word_tags(v) else {
        return false;
    };
    let Some(c) = IMAGE_REF.captures(&plain) else {
        return false;
    };
    let host = c
        .get(1)
        .is_some_and(|h| super::refs::is_registry_host(h.as_str()));
    evidence < Evidence::Strong || host || c.get(2).is_some() || c.get(3).is_some()
}

/// An image given as a map: `repository` (or `image`, or in a values file `name`, next to
/// a tag, a digest, a registry or a pull policy), with an optional `registry`, `tag` (or
/// `version`) and `digest`. In a manifest an `image: {name: …}` map names a VM image more
/// often than a container's.
pub(super) struct ImageMap<'n> {
    pub registry: Option<&'n Node>,
    pub repository: &'n Node,
    pub tag: Option<&'n Node>,
    pub digest: Option<&'n Node>,
}

pub(super) fn image_map(node: &Node, manifest: bool) -> Option<ImageMap<'_>> {
    node.as_map()?;
    let first = |keys: &[&str]| keys.iter().find_map(|k| node.get(k));
    let tag = first(&["tag", "version"]);
    let digest = first(&["digest", "sha"]);
    let registry = node.get("registry");
    let repository = match node.get("repository") {
        Some(r) => r,
        None => {
            let described = tag.is_some()
                || digest.is_some()
                || registry.is_some()
                || node.get("pullPolicy").is_some();
            let named = node.get("image").filter(|i| i.str().is_some());
            let name = node.get("name").filter(|_| !manifest);
            named.or(name).filter(|_| described)?
        }
    };
    repository.str()?;
    Some(ImageMap {
        registry,
        repository,
        tag,
        digest,
    })
}

/// The chart a values file belongs to: the nearest `Chart.yaml` in its folder or above.
pub(super) struct Chart {
    pub path: String,
    pub app_version: Option<String>,
    /// Names (and aliases) of the chart's dependencies: a top-level key of its values
    /// with one of these names configures that subchart.
    pub subcharts: Vec<String>,
}

impl Chart {
    pub fn of(repo: &Repo, values_path: &str) -> Option<Chart> {
        let (path, entry) = ancestor_dirs(values_path).find_map(|dir| {
            let path = join_path(dir, "Chart.yaml");
            repo.file(&path).map(|e| (path, e))
        })?;
        let file = repo.read_for_scan(entry)?;
        Some(Chart::parse(path, file.text()))
    }

    fn parse(path: String, text: &str) -> Chart {
        let docs = templated_yaml::parse(text)
            .map(|p| p.docs)
            .unwrap_or_default();
        let doc = docs.first();
        let scalar = |n: &Node| {
            n.str()?;
            let v = text.get(scalar_range(text, &n.defined))?.trim();
            // A `{{ placeholder }}` is resolved with the template's defaults when judged;
            // a block tag is not a value.
            (!v.is_empty() && !v.contains("{%")).then(|| v.to_owned())
        };
        let app_version = doc.and_then(|d| d.get("appVersion")).and_then(scalar);
        let subcharts = doc
            .and_then(|d| d.get("dependencies"))
            .into_iter()
            .flat_map(|d| d.items())
            .flat_map(|dep| [dep.get("alias"), dep.get("name")])
            .flatten()
            .filter_map(scalar)
            .collect();
        Chart {
            path,
            app_version,
            subcharts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_keys() {
        for k in [
            "image",
            "thanosImage",
            "initContainerImage",
            "init_image",
            "v2Image",
        ] {
            assert!(is_image_key(k), "{k}");
        }
        for k in [
            "imageTag",
            "imagePullPolicy",
            "imagePullSecrets",
            "Image",
            "images",
            "pullPolicy",
        ] {
            assert!(!is_image_key(k), "{k}");
        }
    }

    #[test]
    fn image_references() {
        use Evidence::*;
        for v in [
            "quay.io/thanos/thanos:v0.34.0",
            "busybox:1.36",
            "localhost:5000/app",
            "ghcr.io/org/app",
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "quay.io/org/app:{{ .Chart.AppVersion }}",
            "ghcr.io/org/{{cookiecutter.slug}}:{{ cookiecutter.tag | lower }}",
        ] {
            assert!(is_image_ref(v, Strong), "{v}");
        }
        for v in ["busybox", "bitnami/kubectl"] {
            assert!(is_image_ref(v, Grammar) && !is_image_ref(v, Strong), "{v}");
        }
        for v in [
            "projects/debian-cloud/global/images/debian-12",
            "ubuntu-latest",
        ] {
            assert!(!is_image_ref(v, Strong), "{v}");
        }
        for v in ["false", "always", "1.2", "IfNotPresent"] {
            assert!(!is_image_ref(v, Grammar), "{v}");
        }
        for v in [
            "quay.io/prometheus/%s",
            "${REGISTRY}/app:1.0",
            "Ubuntu 22.04",
            "",
            "https://example.com/x:1",
            "{{ unterminated",
            "{{ include \"common.images.image\" (dict \"imageRoot\" .Values.image) }}",
            "{{ template \"x.image\" . }}:1.0",
        ] {
            assert!(!is_image_ref(v, Grammar), "{v}");
        }
    }
}
