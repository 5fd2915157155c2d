//! Helm charts: the files under a chart's `templates/` (a folder next to `Chart.yaml`) are
//! Go templates, YAML only once rendered. Those with template tags that do not parse are
//! checked part by part without a finding of their own; the chart says so once, with a note
//! on its `Chart.yaml` that names the first such template in path order.

use super::{Cx, Detect};
use crate::finding::Severity;
use crate::parse::templated_yaml;
use crate::walk::Repo;

/// The chart folder of a file under a chart's `templates/` (`""` for a chart at the
/// root), the nearest one for a subchart.
pub(crate) fn chart_of<'p>(repo: &Repo, path: &'p str) -> Option<&'p str> {
    let mut end = path.len();
    while let Some(at) = path[..end].rfind("templates/") {
        end = at;
        if at > 0 && !path[..at].ends_with('/') {
            continue;
        }
        let chart = &path[..at];
        if repo.file(&format!("{chart}Chart.yaml")).is_some() {
            return Some(chart.strip_suffix('/').unwrap_or(chart));
        }
    }
    None
}

/// On a chart's `Chart.yaml`: a note when one of its templates that the family reads
/// (`reads` tells from the text) does not parse as YAML, even with its tags blanked.
pub(crate) fn templates_note(cx: &mut Cx<'_>, reads: impl Fn(&str) -> bool) {
    if !cx.enabled(Detect::YamlInvalid) {
        return;
    }
    let dir = crate::util::parent_dir(cx.file.path());
    let prefix = format!("{dir}/templates/");
    let prefix = prefix.trim_start_matches('/');
    let files = cx.repo.files();
    let from = files.partition_point(|f| f.path.as_str() < prefix);
    let templates = files[from..]
        .iter()
        .take_while(|f| f.path.starts_with(prefix))
        .filter(|f| super::is_yaml(&f.path) && chart_of(cx.repo, &f.path) == Some(dir));
    for entry in templates {
        let Some(file) = cx.repo.read_for_scan(entry) else {
            continue;
        };
        // Without template tags, a template that does not parse is reported itself.
        if !reads(file.text()) || !templated_yaml::is_templated(file.text()) {
            continue;
        }
        let Err(invalid) = templated_yaml::parse(file.text()) else {
            continue;
        };
        let name = entry.path.strip_prefix(prefix).unwrap_or(&entry.path);
        let at = match invalid.error.line {
            Some(line) => format!(" (line {line}: {})", invalid.error),
            None => format!(" ({})", invalid.error),
        };
        let msg = format!(
            "the chart's templates are Go templates, YAML only once rendered: `templates/{name}` does not parse even with its template tags blanked{at}; templates that do not parse are checked line by line (images written literally), the values files as YAML; `helm template` renders them"
        );
        cx.report_with(Detect::YamlInvalid, 0..0, msg, Some(Severity::Note));
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::FileEntry;

    fn repo(paths: &[&str]) -> Repo {
        let walker = crate::walk::Walker::new(
            std::path::Path::new("."),
            &crate::walk::WalkOptions::default(),
        )
        .expect("walker");
        let repo = walker.repo(None);
        repo.set_files(
            paths
                .iter()
                .map(|p| FileEntry {
                    path: (*p).to_owned(),
                    abs: p.into(),
                })
                .collect(),
        );
        repo
    }

    #[test]
    fn charts_of_templates() {
        let r = repo(&[
            "Chart.yaml",
            "templates/a.yaml",
            "charts/sub/Chart.yaml",
            "charts/sub/templates/x/b.yaml",
            "other/templates/c.yaml",
            "mytemplates/d.yaml",
        ]);
        assert_eq!(chart_of(&r, "templates/a.yaml"), Some(""));
        assert_eq!(
            chart_of(&r, "charts/sub/templates/x/b.yaml"),
            Some("charts/sub")
        );
        assert_eq!(chart_of(&r, "other/templates/c.yaml"), None);
        assert_eq!(chart_of(&r, "mytemplates/d.yaml"), None);
    }
}
