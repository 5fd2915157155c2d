//! YAML files: GitHub workflows (recognised by content, wherever they live) and actions,
//! compose files, Kubernetes manifests and Helm values, GitLab CI, pre-commit, Helm
//! `Chart.yaml`.
//!
//! A file is parsed as written, then with its template tags blanked
//! ([`templated_yaml::parse`]); a file that still does not parse is reported, its entries
//! that parse on their own are checked as YAML and the rest line by line, so no reference
//! hides behind a tag. A Helm template that does not parse is not reported itself: its
//! chart is ([`helm`]). Kubernetes manifests written in JSON are read here too.

use std::ops::Range;

use super::gitlab_vars::Scope;
use super::helm_values::{self, looks_like_image};
use super::refs::{self, RefKind, Resolved};
use super::shell::{self, EXACT_SEMVER};
use super::vars::{self, Def};
use super::{Cx, Detect, helm, yaml_text};
use crate::parse::yaml::{Node, scalar_range};
use crate::parse::{template, templated_yaml};
use crate::static_regex;
use crate::util::{is_commit_sha, join_path, parent_dir};

static_regex!(
    /// The keys this module reads; a YAML file that has none of them is not parsed.
    RELEVANT = r#"\b(?:uses|image|images|\w+Image|jobs|include|rev|dependencies|services|script|container|runs|repository|repos|cmds)["']?[ \t]*:"#
);

pub(crate) fn check(cx: &mut Cx<'_>) {
    let text = cx.text();
    // The name the file will have once rendered (`.gitlab-ci.yml.jinja`).
    let name = template::rendered_path(cx.file.path())
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if cx.file.path().rsplit('/').next() == Some("Chart.yaml") {
        helm::templates_note(cx, |t| RELEVANT.is_match(t));
    }
    if !RELEVANT.is_match(text) {
        return;
    }
    match templated_yaml::parse(text) {
        Ok(parsed) => judge(cx, &parsed.docs, &name),
        Err(e) => {
            // A Helm template is YAML only once rendered: its chart says so, once. Without
            // template tags it is rendered as it is, and is invalid as it is.
            if !e.templated || helm::chart_of(cx.repo, cx.file.path()).is_none() {
                yaml_text::invalid(cx, &e);
            }
            let parts = templated_yaml::parts(text, &e);
            judge(cx, &parts.docs, &name);
            for range in parts.unparsed {
                line_scan(cx, range);
            }
        }
    }
}

/// Check the documents of a file named `name` (lower case) by what they are.
fn judge(cx: &mut Cx<'_>, docs: &[Node], name: &str) {
    cx.aliases(docs);
    for doc in docs {
        let Some(top) = doc.as_map() else { continue };
        let has = |k: &str| top.iter().any(|(key, _)| key.str() == Some(k));
        if has("jobs") && is_workflow(doc) {
            workflow(cx, doc);
        } else if doc.get("runs").is_some_and(|r| r.get("using").is_some()) {
            action(cx, doc);
        } else if name.starts_with(".pre-commit-config") || is_precommit(doc) {
            precommit(cx, doc);
        } else if name == "chart.yaml" {
            chart(cx, doc);
        } else if name.contains("gitlab-ci") || is_gitlab(doc) {
            gitlab(cx, doc);
        } else if has("tasks") && has("version") {
            taskfile(cx, doc);
        } else if has("services") && is_compose(doc) {
            compose(cx, doc);
        } else if has("apiVersion") && has("kind") {
            images_anywhere(cx, doc, 0, true);
        } else if name.starts_with("values") {
            images_anywhere(cx, doc, 0, false);
        }
    }
}

/// A Kubernetes manifest written in JSON: its images, as in a YAML manifest.
pub(crate) fn json_manifest(cx: &mut Cx<'_>) {
    for doc in &yaml_text::json_manifests(cx.text()) {
        images_anywhere(cx, doc, 0, true);
    }
}

/// The fallback for the lines of `range`, which do not parse: `uses:`, `image:`,
/// `container:` and `rev:` values line by line, and shell commands.
fn line_scan(cx: &mut Cx<'_>, range: Range<usize>) {
    let precommit = cx.file.path().contains(".pre-commit-config");
    for (key, value, range) in yaml_text::line_refs(cx.text(), range.clone()) {
        // Template tags are not part of the reference's shape (`{{ .Values.image }}` alone
        // is no image; `{{ registry }}/app:1` is one).
        let shape = template::neutralise(&value);
        match key {
            "uses" => refs::report_ref(cx, RefKind::Action, &value, range),
            "image" | "container" if looks_like_image(&shape) && !value.ends_with(':') => {
                image_value(cx, &value, range)
            }
            "rev" if precommit && !is_commit_sha(&value) => cx.report(
                Detect::PrecommitRevMutable,
                range,
                format!("`rev: {value}` is a tag or branch, not a commit SHA"),
            ),
            _ => {}
        }
    }
    shell::check(cx, range);
}

/// The original text of a scalar node (quotes excluded) and the byte range to report:
/// the value itself, or for an alias the `*alias` where it is used.
pub(super) fn val<'t>(text: &'t str, node: &Node) -> Option<(&'t str, Range<usize>)> {
    node.str()?;
    let def = scalar_range(text, &node.defined);
    let at = if node.span == node.defined {
        def.clone()
    } else {
        node.span.clone()
    };
    Some((text.get(def)?, at))
}

fn is_workflow(doc: &Node) -> bool {
    doc.get("jobs").is_some_and(|jobs| {
        jobs.values().any(|j| {
            j.get("steps").is_some() || j.get("runs-on").is_some() || j.get("uses").is_some()
        })
    })
}

fn is_precommit(doc: &Node) -> bool {
    doc.get("repos")
        .is_some_and(|r| r.items().any(|i| i.get("repo").is_some()))
}

fn is_gitlab(doc: &Node) -> bool {
    let Some(top) = doc.as_map() else {
        return false;
    };
    let keyed = top
        .iter()
        .any(|(k, _)| matches!(k.str(), Some("stages" | "include" | "default" | "workflow")));
    let jobs = top.iter().any(|(_, v)| v.get("script").is_some());
    keyed && jobs
}

fn is_compose(doc: &Node) -> bool {
    doc.get("services").is_some_and(|s| {
        s.values()
            .any(|svc| svc.get("image").is_some() || svc.get("build").is_some())
    })
}

fn uses(cx: &mut Cx<'_>, node: &Node) {
    let text = cx.text();
    if let Some((v, r)) = val(text, node) {
        let v = v.to_owned();
        refs::report_ref(cx, RefKind::Action, &v, r);
    }
}

/// An image given as a scalar, or as a mapping with `image:` / `name:`.
fn image_node(cx: &mut Cx<'_>, node: &Node) {
    image_node_in(cx, node, &vars::no_vars);
}

/// [`image_node`] with the variables `lookup` knows (GitLab `variables:`).
fn image_node_in(cx: &mut Cx<'_>, node: &Node, lookup: &dyn Fn(&str) -> Option<Def>) {
    let target = if node.str().is_some() {
        Some(node)
    } else {
        node.get("image").or_else(|| node.get("name"))
    };
    let text = cx.text();
    if let Some((v, r)) = target.and_then(|n| val(text, n)) {
        let v = v.to_owned();
        vars::judge_image(cx, &v, r, lookup);
    }
}

/// Judge an image value, with `${VAR:-default}` interpolation and registry-prefix
/// variables (`$CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX/node:22`).
pub(crate) fn image_value(cx: &mut Cx<'_>, value: &str, range: Range<usize>) {
    vars::judge_image(cx, value, range, &vars::no_vars);
}

fn run_block(cx: &mut Cx<'_>, node: &Node) {
    if node.str().is_some() {
        shell::check(cx, node.defined.clone());
    }
}

/// The steps of one job (or composite action) share a shell session: a file downloaded
/// in one step and executed in a later one is found.
fn steps(cx: &mut Cx<'_>, steps: &Node) {
    let mut session = shell::Session::default();
    for step in steps.items() {
        for u in step.get_all("uses") {
            uses(cx, u);
        }
        if let Some(r) = step.get("run")
            && r.str().is_some()
        {
            session.run(cx, r.defined.clone());
        }
    }
}

fn workflow(cx: &mut Cx<'_>, doc: &Node) {
    let Some(jobs) = doc.get("jobs") else { return };
    for job in jobs.values() {
        if let Some(u) = job.get("uses") {
            uses(cx, u);
        }
        for c in job.get_all("container") {
            image_node(cx, c);
        }
        if let Some(services) = job.get("services") {
            for svc in services.values() {
                image_node(cx, svc);
            }
        }
        if let Some(s) = job.get("steps") {
            steps(cx, s);
        }
    }
}

fn action(cx: &mut Cx<'_>, doc: &Node) {
    let Some(runs) = doc.get("runs") else { return };
    if let Some(img) = runs.get("image") {
        let text = cx.text();
        if let Some((v, r)) = val(text, img)
            && v.trim().starts_with("docker://")
        {
            let v = v.to_owned();
            image_value(cx, &v, r);
        }
    }
    if let Some(s) = runs.get("steps") {
        steps(cx, s);
    }
}

fn precommit(cx: &mut Cx<'_>, doc: &Node) {
    let Some(repos) = doc.get("repos") else {
        return;
    };
    let text = cx.text();
    for repo in repos.items() {
        let name = repo.get("repo").and_then(|r| val(text, r)).map(|(v, _)| v);
        if matches!(name, Some("local" | "meta") | None) {
            continue;
        }
        let name = name.unwrap_or_default().to_owned();
        let Some((rev, range)) = repo.get("rev").and_then(|r| val(text, r)) else {
            continue;
        };
        let rev = rev.to_owned();
        let (judged, how) = match refs::resolve(cx, &rev) {
            Resolved::Plain(v) => (v, String::new()),
            Resolved::Defaulted { value, how } => (value, format!(" ({how})")),
            Resolved::Unresolved { var } => {
                cx.report(
                    Detect::TemplatedReference,
                    range,
                    format!(
                        "the `rev:` of `{name}` is templated: `{var}` decides whether it is pinned"
                    ),
                );
                continue;
            }
        };
        if !is_commit_sha(judged.trim()) {
            cx.report(
                Detect::PrecommitRevMutable,
                range,
                format!(
                    "`rev: {judged}` of `{name}` is a tag or branch, not a commit SHA{how}; `pre-commit autoupdate --freeze` pins it"
                ),
            );
        }
    }
}

fn chart(cx: &mut Cx<'_>, doc: &Node) {
    let Some(deps) = doc.get("dependencies") else {
        return;
    };
    // `Chart.lock` records the resolved versions; `helm dependency build` installs those.
    let lock = join_path(parent_dir(cx.file.path()), "Chart.lock");
    if cx.repo.file(&lock).is_some() {
        return;
    }
    let text = cx.text();
    for dep in deps.items() {
        let name = dep
            .get("name")
            .and_then(|n| val(text, n))
            .map_or("?", |(v, _)| v);
        match dep.get("version").and_then(|v| val(text, v)) {
            Some((version, range)) => {
                if template::has_template(version) {
                    continue;
                }
                if !EXACT_SEMVER.is_match(version.trim()) {
                    let msg = format!(
                        "chart dependency `{name}` asks for `{version}`, a range: each `helm dependency update` may pick a different chart"
                    );
                    cx.report(Detect::HelmDependencyRange, range, msg);
                }
            }
            None => {
                let range = dep.span.start..dep.span.start;
                let msg =
                    format!("chart dependency `{name}` has no `version`: the newest chart is used");
                cx.report(Detect::HelmDependencyRange, range, msg);
            }
        }
    }
}

/// A GitLab pipeline. `image:` and `services:` are judged with the `variables:` the job
/// sees ([`Scope`]): `image: $PYTHON_IMAGE` is the image its value names.
fn gitlab(cx: &mut Cx<'_>, doc: &Node) {
    let Some(top) = doc.as_map() else { return };
    let text = cx.text();
    let globals = Scope::global(text, doc);
    let lookup = |var: &str| globals.lookup(var);
    for (k, v) in top {
        match k.str() {
            Some("include") => gitlab_includes(cx, v),
            Some("image") => image_node_in(cx, v, &lookup),
            Some("services") => v.items().for_each(|s| image_node_in(cx, s, &lookup)),
            Some("variables" | "stages" | "workflow" | "cache") => {}
            name => gitlab_job(cx, doc, name.unwrap_or_default(), v),
        }
    }
}

fn gitlab_job(cx: &mut Cx<'_>, doc: &Node, name: &str, job: &Node) {
    if job.as_map().is_none() {
        return;
    }
    let scope = Scope::job(cx.text(), doc, name, job);
    let lookup = |var: &str| scope.lookup(var);
    for img in job.get_all("image") {
        image_node_in(cx, img, &lookup);
    }
    if let Some(services) = job.get("services") {
        services.items().for_each(|s| image_node_in(cx, s, &lookup));
    }
    // The script items of a job run in one shell, one after the other.
    let mut session = shell::Session::default();
    for key in ["before_script", "script", "after_script"] {
        if let Some(s) = job.get(key) {
            let items: Vec<&Node> = if s.str().is_some() {
                vec![s]
            } else {
                s.items().collect()
            };
            for item in items.into_iter().filter(|i| i.str().is_some()) {
                session.run(cx, item.defined.clone());
            }
        }
    }
}

fn gitlab_includes(cx: &mut Cx<'_>, node: &Node) {
    if node.str().is_some() || node.as_map().is_some() {
        gitlab_include(cx, node);
    }
    for item in node.items() {
        gitlab_include(cx, item);
    }
}

fn gitlab_include(cx: &mut Cx<'_>, item: &Node) {
    let text = cx.text();
    if let Some((v, r)) = val(text, item) {
        // The short form: a local path or a remote URL.
        if v.contains("://") {
            let v = v.to_owned();
            remote_include(cx, &v, r);
        }
        return;
    }
    if let Some((project, prange)) = item.get("project").and_then(|p| val(text, p)) {
        let project = project.to_owned();
        match item.get("ref").and_then(|r| val(text, r)) {
            None => cx.report(
                Detect::GitlabIncludeUnpinned,
                prange,
                format!(
                    "the include from `{project}` has no `ref:`: it follows the project's default branch; set `ref:` to a commit SHA"
                ),
            ),
            Some((rf, _)) if is_commit_sha(rf.trim()) => {}
            Some((rf, _)) => {
                let rf = rf.to_owned();
                cx.report(
                    Detect::GitlabIncludeUnpinned,
                    prange,
                    format!(
                        "the include from `{project}` uses `ref: {rf}`, a tag or branch; set `ref:` to a commit SHA"
                    ),
                );
            }
        }
    }
    if let Some((remote, r)) = item.get("remote").and_then(|p| val(text, p)) {
        let remote = remote.to_owned();
        remote_include(cx, &remote, r);
    }
    if let Some((component, r)) = item.get("component").and_then(|p| val(text, p)) {
        let version = component.rsplit_once('@').map(|(_, v)| v);
        match version {
            Some(v) if is_commit_sha(v) => {}
            _ => {
                let msg = format!(
                    "the CI/CD component `{component}` is not pinned to a commit SHA: `~latest`, tags and branches move"
                );
                cx.report(Detect::GitlabIncludeUnpinned, r, msg);
            }
        }
    }
}

fn remote_include(cx: &mut Cx<'_>, url: &str, range: Range<usize>) {
    if !refs::contains_full_sha(url) {
        cx.report(
            Detect::GitlabIncludeUnpinned,
            range,
            format!(
                "the remote include `{url}` is not addressed by a commit: its content can change; use a URL with a commit SHA, or a `project:` include with `ref: <sha>`"
            ),
        );
    }
}

/// A Taskfile (`Taskfile.yml`): each task's `cmds` are shell commands.
fn taskfile(cx: &mut Cx<'_>, doc: &Node) {
    let Some(tasks) = doc.get("tasks") else {
        return;
    };
    for task in tasks.values() {
        for cmd in task.get("cmds").into_iter().flat_map(|c| c.items()) {
            match cmd.get("cmd") {
                Some(c) => run_block(cx, c),
                None => run_block(cx, cmd),
            }
        }
    }
}

fn compose(cx: &mut Cx<'_>, doc: &Node) {
    let Some(services) = doc.get("services") else {
        return;
    };
    for svc in services.values() {
        // `image:` next to `build:` names the image compose builds, not one it pulls.
        if svc.get("build").is_some() {
            continue;
        }
        // Both branches of a template's `{% if %}…{% else %}` are read.
        for img in svc.get_all("image") {
            image_node(cx, img);
        }
    }
}

/// Kubernetes manifests and Helm values: see [`helm_values::images`].
fn images_anywhere(cx: &mut Cx<'_>, node: &Node, depth: usize, manifest: bool) {
    helm_values::images(cx, node, depth, manifest);
}
