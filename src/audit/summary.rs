//! The audit's outputs: `summary.json`, `summary.md`, and the merge of shard outputs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Findings of one family by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.error += o.error;
        self.warning += o.warning;
        self.note += o.note;
    }
}

/// One repository's line in `summary.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoSummary {
    pub name: String,
    pub source: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub sha: Option<String>,
    /// By rule family: the same findings `verify` reports (baselined ones excluded).
    pub counts: BTreeMap<String, Counts>,
    pub passed: bool,
    /// Findings not in the previous run (all of them without `--previous`).
    pub new: usize,
    /// Findings of the previous run that are gone.
    pub fixed: usize,
    /// New findings that fail (errors; warnings too under `--strict`): what `--fail-on new`
    /// looks at.
    pub new_failing: usize,
    pub duration_ms: u64,
    /// Why the repository could not be audited.
    pub error: Option<String>,
    /// The repository's template units (see `template-validator templates`).
    #[serde(default)]
    pub templates: Vec<TemplateSummary>,
}

/// One template unit of an audited repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSummary {
    /// `cookiecutter`, `copier`, `cargo-generate`, `devcontainer`, `backstage`,
    /// `helm-starter` or `plain`.
    pub engine: String,
    /// The folder holding the unit's source, relative to the repository ("" for its root).
    pub root: String,
    /// From `.template-config.yaml`, as written.
    pub version: Option<String>,
    pub channel: Option<String>,
}

impl TemplateSummary {
    pub fn of(unit: &crate::templates::Unit) -> TemplateSummary {
        TemplateSummary {
            engine: unit.engine.name().to_owned(),
            root: unit.source_root.clone(),
            version: unit.meta.version.clone(),
            channel: unit.meta.channel.clone(),
        }
    }
}

impl RepoSummary {
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for c in self.counts.values() {
            t += *c;
        }
        t
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub repositories: usize,
    pub passed: usize,
    pub failed: usize,
    /// Repositories that could not be audited.
    pub errors: usize,
    pub counts: BTreeMap<String, Counts>,
    pub new: usize,
    pub fixed: usize,
    pub new_failing: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub version: u32,
    pub repositories: Vec<RepoSummary>,
    pub totals: Totals,
}

/// Why a `summary.json` (of a shard, for `audit-merge`) cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{}: not an audit summary: {source}", path.display(), source.line())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: summary version {version} is not supported", path.display())]
    Version { path: PathBuf, version: u32 },
}

/// When the audit's exit code is 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A failing finding is new (or a repository could not be audited).
    New,
    /// Any failing finding exists (or a repository could not be audited).
    Any,
    /// Never.
    None,
}

impl Summary {
    /// Rows sorted by name, totals computed: the same for a run and a merge of its shards.
    pub fn new(mut repositories: Vec<RepoSummary>) -> Summary {
        repositories.sort_by(|a, b| a.name.cmp(&b.name));
        let mut totals = Totals {
            repositories: repositories.len(),
            ..Totals::default()
        };
        for r in &repositories {
            if r.error.is_some() {
                totals.errors += 1;
            } else if r.passed {
                totals.passed += 1;
            } else {
                totals.failed += 1;
            }
            for (family, c) in &r.counts {
                *totals.counts.entry(family.clone()).or_default() += *c;
            }
            totals.new += r.new;
            totals.fixed += r.fixed;
            totals.new_failing += r.new_failing;
        }
        Summary {
            version: 1,
            repositories,
            totals,
        }
    }

    pub fn fails(&self, fail_on: FailOn) -> bool {
        match fail_on {
            FailOn::None => false,
            FailOn::New => self.totals.errors > 0 || self.totals.new_failing > 0,
            FailOn::Any => self.totals.errors > 0 || self.totals.failed > 0,
        }
    }

    pub fn load(dir: &Path) -> Result<Summary, SummaryError> {
        let path = dir.join("summary.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(source) => return Err(SummaryError::Read { path, source }),
        };
        let summary: Summary = match serde_json::from_str(&text) {
            Ok(summary) => summary,
            Err(source) => return Err(SummaryError::Parse { path, source }),
        };
        if summary.version != 1 {
            return Err(SummaryError::Version {
                path,
                version: summary.version,
            });
        }
        Ok(summary)
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// A Markdown report for an issue or a chat message: what changed first, then every
    /// repository, worst first.
    pub fn to_markdown(&self) -> String {
        let t = &self.totals;
        let mut md = String::new();
        let _ = writeln!(md, "# Template audit: {} repositories\n", t.repositories);
        let _ = writeln!(
            md,
            "**{} failed**, {} passed, {} could not be audited. {} new findings, {} fixed.\n",
            t.failed, t.passed, t.errors, t.new, t.fixed
        );
        let changed: Vec<&RepoSummary> = self
            .repositories
            .iter()
            .filter(|r| r.new > 0 || r.fixed > 0)
            .collect();
        if !changed.is_empty() {
            md.push_str("## Changes since the previous run\n\n| repository | new | of which failing | fixed |\n|---|---:|---:|---:|\n");
            let mut changed = changed;
            changed.sort_by(|a, b| {
                b.new_failing
                    .cmp(&a.new_failing)
                    .then(b.new.cmp(&a.new))
                    .then(a.name.cmp(&b.name))
            });
            for r in changed {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} |",
                    r.name, r.new, r.new_failing, r.fixed
                );
            }
            md.push('\n');
        }
        let broken: Vec<&RepoSummary> = self
            .repositories
            .iter()
            .filter(|r| r.error.is_some())
            .collect();
        if !broken.is_empty() {
            md.push_str("## Could not be audited\n\n");
            for r in broken {
                let _ = writeln!(
                    md,
                    "- `{}`: {}",
                    r.name,
                    r.error.as_deref().unwrap_or_default().replace('\n', " ")
                );
            }
            md.push('\n');
        }
        md.push_str("## Repositories\n\n| repository | result | errors | warnings | notes | new | fixed |\n|---|---|---:|---:|---:|---:|---:|\n");
        let mut rows: Vec<&RepoSummary> = self.repositories.iter().collect();
        rows.sort_by(|a, b| {
            let (ta, tb) = (a.total(), b.total());
            b.error
                .is_some()
                .cmp(&a.error.is_some())
                .then(a.passed.cmp(&b.passed))
                .then(tb.error.cmp(&ta.error))
                .then(tb.warning.cmp(&ta.warning))
                .then(tb.note.cmp(&ta.note))
                .then(a.name.cmp(&b.name))
        });
        for r in rows {
            let c = r.total();
            let result = if r.error.is_some() {
                "not audited"
            } else if r.passed {
                "passed"
            } else {
                "**failed**"
            };
            let _ = writeln!(
                md,
                "| `{}` | {result} | {} | {} | {} | {} | {} |",
                r.name, c.error, c.warning, c.note, r.new, r.fixed
            );
        }
        md
    }
}

/// `owner/repo` → `owner__repo`: the file name of a repository's reports.
pub fn file_stem(name: &str) -> String {
    name.replace('/', "__")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, passed: bool, error: usize, new_failing: usize) -> RepoSummary {
        RepoSummary {
            name: name.into(),
            source: format!("github:{name}"),
            git_ref: Some("main".into()),
            sha: None,
            counts: BTreeMap::from([(
                "required-files".into(),
                Counts {
                    error,
                    warning: 1,
                    note: 0,
                },
            )]),
            passed,
            new: new_failing + 1,
            fixed: 0,
            new_failing,
            duration_ms: 3,
            error: None,
            templates: Vec::new(),
        }
    }

    #[test]
    fn totals_and_exit_policy() {
        let s = Summary::new(vec![row("b/b", false, 2, 0), row("a/a", true, 0, 0)]);
        assert_eq!(s.repositories[0].name, "a/a");
        assert_eq!((s.totals.passed, s.totals.failed), (1, 1));
        assert_eq!(s.totals.counts["required-files"].error, 2);
        assert!(!s.fails(FailOn::New));
        assert!(s.fails(FailOn::Any));
        assert!(!s.fails(FailOn::None));
        let mut broken = row("c/c", false, 0, 0);
        broken.error = Some("HTTP 404".into());
        let s = Summary::new(vec![row("a/a", true, 0, 0), broken]);
        assert!(s.fails(FailOn::New));
        assert!(!s.fails(FailOn::None));
        let md = s.to_markdown();
        assert!(
            md.contains("## Could not be audited\n\n- `c/c`: HTTP 404"),
            "{md}"
        );
        let worst = md.find("`c/c` | not audited").unwrap();
        let best = md.find("`a/a` | passed").unwrap();
        assert!(worst < best, "{md}");
        assert_eq!(file_stem("acme/tpl"), "acme__tpl");
    }
}
