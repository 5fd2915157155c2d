//! What counts as pinned: GitHub `uses:` references, container image references, and
//! template placeholders inside either; what is not a reference at all (a placeholder for a
//! person to fill in, an image the repository builds itself).

use std::ops::Range;

use super::{Cx, Detect};
use crate::parse::template;

use crate::util::is_commit_sha;

/// Whether `s` contains a 40-hex commit SHA as a whole word (e.g. in a URL path).
pub fn contains_full_sha(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .any(is_commit_sha)
}

/// How a reference resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pinned,
    /// A tag or version that can be re-pointed.
    Mutable(String),
    /// No version, `latest`, a branch.
    Floating(String),
}

/// Judge a `uses:` value (without template placeholders).
pub fn action(uses: &str) -> Verdict {
    let uses = uses.trim();
    if uses.starts_with("./") || uses.starts_with("../") || uses.is_empty() {
        return Verdict::Pinned;
    }
    let Some((_, r)) = uses.rsplit_once('@') else {
        return Verdict::Floating(format!(
            "`{uses}` names no ref at all: it runs the default branch"
        ));
    };
    if is_commit_sha(r) {
        return Verdict::Pinned;
    }
    let hexish = r.len() >= 7 && r.bytes().all(|b| b.is_ascii_hexdigit());
    if hexish {
        return Verdict::Mutable(format!(
            "`{uses}` uses a short SHA (`{r}`), which can become ambiguous; use the full 40-character commit SHA"
        ));
    }
    if looks_like_version(r) {
        Verdict::Mutable(format!(
            "`{uses}` is pinned to the tag `{r}`, which can be moved to other code"
        ))
    } else {
        Verdict::Floating(format!(
            "`{uses}` follows `{r}`, a branch (or tag) that changes under every run"
        ))
    }
}

/// `v1`, `1.2.3`, `v4.1.1-beta`: a version tag rather than a branch name.
pub fn looks_like_version(r: &str) -> bool {
    let r = r.strip_prefix(['v', 'V']).unwrap_or(r);
    r.starts_with(|c: char| c.is_ascii_digit())
}

/// Judge a container image reference (without template placeholders).
pub fn image(reference: &str) -> Verdict {
    let r = reference.trim();
    let r = r.strip_prefix("docker://").unwrap_or(r);
    if r.is_empty() || r.eq_ignore_ascii_case("scratch") {
        return Verdict::Pinned;
    }
    if let Some((_, digest)) = r.split_once('@')
        && digest.contains(':')
    {
        return Verdict::Pinned;
    }
    let last = r.rsplit('/').next().unwrap_or(r);
    match last.split_once(':') {
        Some((_, tag)) if !tag.is_empty() && tag != "latest" => Verdict::Mutable(format!(
            "`{r}` has no digest: the tag `{tag}` can be re-pointed to another image"
        )),
        Some((_, _)) => Verdict::Floating(format!(
            "`{r}` pulls `latest`: whatever the registry serves on the day of the build"
        )),
        None => Verdict::Floating(format!(
            "`{r}` has no tag, so it pulls `latest`: whatever the registry serves on the day of the build"
        )),
    }
}

/// Whether `reference` is a placeholder written for a person to fill in (`<your-image>`,
/// `<registry>/<name>:<tag>`, `owner/repo@<sha>`) rather than something a build can pull:
/// no image or action reference contains angle brackets. It is documentation, not a
/// dependency.
pub fn is_placeholder(reference: &str) -> bool {
    reference.contains(['<', '>'])
}

/// Whether the first component of an image name is a registry host (`ghcr.io`,
/// `localhost:5000`, `localhost`) rather than a Docker Hub namespace.
pub fn is_registry_host(h: &str) -> bool {
    h.contains(['.', ':']) || h == "localhost"
}

/// The repository of an image reference, as a registry stores it: without `docker://`,
/// tag and digest; Docker Hub's implicit `docker.io/` and `library/` removed; lower case.
/// `None` when the name is not one a registry accepts (upper case in the path, empty
/// components): a placeholder such as `IMAGE_NAME` or `gcr.io/PROJECT_ID/app`.
pub fn image_name(reference: &str) -> Option<String> {
    let r = reference.trim();
    let r = r.strip_prefix("docker://").unwrap_or(r);
    let r = r.split_once('@').map_or(r, |(name, _)| name);
    let slash = r.rfind('/').map_or(0, |i| i + 1);
    let r = match r[slash..].find(':') {
        Some(colon) => &r[..slash + colon],
        None => r,
    };
    let (host, path) = match r.split_once('/') {
        Some((h, p)) if is_registry_host(h) => (Some(h), p),
        _ => (None, r),
    };
    let valid_path = !path.is_empty()
        && path.split('/').all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        });
    if !valid_path {
        return None;
    }
    let host = host.map(str::to_ascii_lowercase);
    match host.as_deref() {
        None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io") => {
            Some(path.strip_prefix("library/").unwrap_or(path).to_owned())
        }
        Some(h) => Some(format!("{h}/{path}")),
    }
}

/// The finding an image reference gets, if any: `None` when it is pinned, when it is a
/// placeholder rather than a reference (see [`is_placeholder`], [`image_name`]), or when
/// the repository builds that image itself (its own build output is not a third-party
/// dependency).
pub fn image_finding(cx: &Cx<'_>, reference: &str) -> Option<(Detect, String)> {
    let (detect, why) = match image(reference) {
        Verdict::Pinned => return None,
        Verdict::Mutable(m) => (Detect::ImageUnpinned, m),
        Verdict::Floating(m) => (Detect::ImageLatest, m),
    };
    (cx.enabled(detect) && !not_a_dependency(cx, detect, reference)).then_some((detect, why))
}

/// Whether `reference` names no third-party image: a placeholder, a name no registry
/// accepts, or an image the repository builds itself (asked only when `detect` would
/// report, as the set costs a look at the repository).
pub fn not_a_dependency(cx: &Cx<'_>, detect: Detect, reference: &str) -> bool {
    if is_placeholder(reference) {
        return true;
    }
    image_name(reference).is_none_or(|name| cx.enabled(detect) && cx.builds_image(&name))
}

/// A reference after template placeholders were looked at.
pub enum Resolved {
    /// No placeholder.
    Plain(String),
    /// Placeholders replaced by their defaults; `how` says which (for the message).
    Defaulted { value: String, how: String },
    /// A placeholder without a usable default: the variable.
    Unresolved { var: String },
}

/// Replace `{{ var }}` placeholders in `value` with the template's defaults.
pub fn resolve(cx: &mut Cx<'_>, value: &str) -> Resolved {
    // A devcontainer template's option (`${templateOption:imageVariant}`): its default is
    // judged in the render, not here.
    if let Some((_, rest)) = value.split_once("${templateOption:") {
        let name = rest.split('}').next().unwrap_or(rest);
        return Resolved::Unresolved {
            var: format!("templateOption:{name}"),
        };
    }
    if !value.contains("{{") {
        return Resolved::Plain(value.to_owned());
    }
    let mut out = String::new();
    let mut how = Vec::new();
    let mut rest = value;
    while let Some((range, var)) = template::placeholder(rest) {
        let var = var.to_owned();
        let Some(default) = cx.vars().default_of(&var).map(str::to_owned) else {
            return Resolved::Unresolved { var };
        };
        out.push_str(&rest[..range.start]);
        out.push_str(&default);
        how.push(format!("`{var}` defaults to `{default}`"));
        rest = &rest[range.end..];
    }
    if rest.contains("{{") {
        // A `${{ … }}` expression or an unterminated tag.
        let var = rest
            .split("{{")
            .nth(1)
            .and_then(|s| s.split("}}").next())
            .unwrap_or(rest)
            .trim()
            .to_owned();
        return Resolved::Unresolved { var };
    }
    out.push_str(rest);
    let source = cx.vars().source.clone().unwrap_or_default();
    Resolved::Defaulted {
        value: out,
        how: format!("{} in `{source}`", how.join(", ")),
    }
}

/// What is being judged, for messages and rule choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Action,
    Image,
}

/// Judge `value` (found at `range`) as an action or image reference, resolving template
/// placeholders, and report it.
pub fn report_ref(cx: &mut Cx<'_>, kind: RefKind, value: &str, range: Range<usize>) {
    let value = value.trim();
    if is_placeholder(value) {
        return;
    }
    let (judged, how) = match resolve(cx, value) {
        Resolved::Plain(v) => (v, None),
        Resolved::Defaulted { value: v, how } => (v, Some(how)),
        // A Helm template (`{{ .Values.image.repository }}`): the values file is checked.
        Resolved::Unresolved { var } if var.trim_start_matches('-').trim().starts_with('.') => {
            return;
        }
        Resolved::Unresolved { var } => {
            let what = match kind {
                RefKind::Action => "action reference",
                RefKind::Image => "image reference",
            };
            cx.report(
                Detect::TemplatedReference,
                range,
                format!(
                    "`{value}` is a templated {what}: `{var}` decides whether it is pinned; give it a default that is a commit SHA or digest, or check the rendered project"
                ),
            );
            return;
        }
    };
    let is_image = kind == RefKind::Image || judged.trim().starts_with("docker://");
    let (detect, why) = if is_image {
        match image_finding(cx, &judged) {
            Some(found) => found,
            None => return,
        }
    } else {
        match action(&judged) {
            Verdict::Pinned => return,
            Verdict::Mutable(m) | Verdict::Floating(m) => (Detect::ActionUnpinned, m),
        }
    };
    let message = match how {
        Some(how) => format!("{why} ({how})"),
        None => why,
    };
    // Point at the ref itself (after the `@`) when the value is written here.
    let range = match cx.text().get(range.clone()) {
        Some(written) if detect == Detect::ActionUnpinned && written.trim() == value => {
            let lead = written.len() - written.trim_start().len();
            match value.rfind('@') {
                Some(at) => range.start + lead + at + 1..range.start + lead + value.len(),
                None => range,
            }
        }
        _ => range,
    };
    cx.report(detect, range, message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        assert_eq!(
            action("actions/checkout@692973e3d937129bcbf40652eb9f2f61becf3332"),
            Verdict::Pinned
        );
        assert_eq!(action("./.github/actions/x"), Verdict::Pinned);
        assert!(matches!(action("a/b@v4"), Verdict::Mutable(_)));
        assert!(matches!(action("a/b@f779452ac5af"), Verdict::Mutable(_)));
        assert!(matches!(action("a/b@main"), Verdict::Floating(_)));
        assert!(matches!(action("a/b"), Verdict::Floating(_)));
    }

    #[test]
    fn images() {
        assert_eq!(image("scratch"), Verdict::Pinned);
        assert_eq!(image("a/b:1@sha256:abc"), Verdict::Pinned);
        assert!(matches!(image("node:20"), Verdict::Mutable(_)));
        assert!(matches!(image("localhost:5000/node"), Verdict::Floating(_)));
        assert!(matches!(image("node:latest"), Verdict::Floating(_)));
        assert!(matches!(
            image("docker://koalaman/shellcheck:v0.10.0"),
            Verdict::Mutable(_)
        ));
    }

    #[test]
    fn placeholders_and_names() {
        assert!(is_placeholder("<registry>/<name>:<tag>"));
        assert!(is_placeholder("<YOUR-CONTAINER>"));
        assert!(!is_placeholder("node:20"));
        assert_eq!(image_name("node:20").as_deref(), Some("node"));
        assert_eq!(
            image_name("docker.io/library/node@sha256:ab").as_deref(),
            Some("node")
        );
        assert_eq!(
            image_name("docker://GHCR.io/o/app:V1").as_deref(),
            Some("ghcr.io/o/app")
        );
        assert_eq!(
            image_name("localhost:5000/cli").as_deref(),
            Some("localhost:5000/cli")
        );
        assert_eq!(image_name("gcr.io/PROJECT_ID/app:v1"), None);
        assert_eq!(image_name("IMAGE_NAME"), None);
        assert_eq!(image_name("a//b"), None);
        assert_eq!(image_name(":1"), None);
    }

    #[test]
    fn shas_in_urls() {
        assert!(contains_full_sha(
            "https://raw.githubusercontent.com/o/r/8c1f2e3d4b5a69788796a5b4c3d2e1f0a9b8c7d6/x.sh"
        ));
        assert!(!contains_full_sha("https://x/main/install.sh"));
    }
}
