//! The files that declare builds — compose files, workflows' `docker/build-push-action`
//! steps, `devcontainer.json` — read through the template-aware text layer: what each
//! declares, and the parts of it that cannot be read or resolved (an entry that does not
//! parse even with its template tags blanked, a context given by a variable), with the
//! Dockerfiles those parts name.

use std::ops::Range;

use serde::Deserialize;

use super::context::normalize_rel;
use crate::parse::template;
use crate::parse::templated_yaml;
use crate::parse::yaml::{Node, scalar_range};
use crate::walk::Repo;

/// `a/b` joined with `../c` and cleaned; `None` when it leaves the repository.
pub(super) fn join(base: &str, rel: &str) -> Option<String> {
    let joined = if base.is_empty() {
        rel.to_owned()
    } else {
        format!("{base}/{rel}")
    };
    let n = normalize_rel(&joined);
    (n != ".." && !n.starts_with("../") && !n.starts_with('/')).then_some(n)
}

/// `path` relative to `dir` (both repository-relative).
pub(super) fn relative_to(path: &str, dir: &str) -> String {
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
pub(super) fn unresolvable(value: &str) -> bool {
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
pub(super) struct Reference<'t> {
    pub(super) text: &'t str,
    /// Ranges of `text` whose builds are not known: entries that do not parse, builds whose
    /// context or Dockerfile is a variable.
    pub(super) unknown: Vec<(Range<usize>, Unknown)>,
}

/// A scalar value as written (`None` for anything else); a value holding a template tag
/// or a variable is `Err` with the range where it is written.
pub(super) fn value(text: &str, node: &Node) -> Option<Result<String, Range<usize>>> {
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
pub(super) fn extent(node: &Node) -> Range<usize> {
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
pub(super) fn partly_unparsed(r: &Reference<'_>, parent: &Node, key: &Node) -> bool {
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
pub(super) fn read_yaml<'t>(repo: &Repo, path: &str, text: &'t str) -> (Vec<Node>, Reference<'t>) {
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
pub(super) fn compose_builds(
    docs: &[Node],
    r: &mut Reference<'_>,
) -> Vec<(String, Option<String>)> {
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
pub(super) fn workflow_builds(
    docs: &[Node],
    r: &mut Reference<'_>,
) -> Vec<(String, Option<String>)> {
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
pub(super) fn devcontainer_build(
    repo: &Repo,
    path: &str,
    r: &mut Reference<'_>,
) -> Option<(String, String)> {
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
pub(super) fn mentions(text: &str, dir: &str, dockerfile: &str) -> bool {
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
pub(super) fn names_path(text: &str, path: &str) -> bool {
    let edge = |c: Option<char>| {
        c.is_none_or(|c| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | ',' | ':' | '[' | ']'))
    };
    text.match_indices(path).any(|(at, _)| {
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        let after = text.get(at + path.len()..).and_then(|t| t.chars().next());
        (edge(before) || before == Some('.')) && edge(after)
    })
}

pub(super) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
