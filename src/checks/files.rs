//! Data-driven kinds any pack can use without Rust code: `file-exists`, `file-absent`,
//! `file-contains` and `file-not-contains`, and the [`Locate`] parameters they share.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;

use schemars::JsonSchema;

use super::{Built, Check, Declared, Kind, each};
use crate::finding::{Finding, RuleIdx};
use crate::source::SourceFile;
use crate::walk::{FileEntry, Repo};

/// Parameters naming files: `names` (file-name globs) in each of `locations` (folders),
/// and/or `paths` (path globs), all relative to `root`. Matching is case-insensitive
/// unless `case_sensitive`. Earlier locations and patterns are preferred.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LocateParams {
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default = "default_locations")]
    pub locations: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default = "default_root")]
    pub root: String,
    #[serde(default)]
    pub case_sensitive: bool,
}

fn default_locations() -> Vec<String> {
    vec![".".to_owned()]
}

fn default_root() -> String {
    ".".to_owned()
}

/// Compiled [`LocateParams`].
#[derive(Debug)]
pub struct Locate {
    set: GlobSet,
    patterns: Vec<String>,
    /// Literal folders every pattern is directly inside, when all are; else `None` (scan all).
    dirs: Option<Vec<String>>,
    /// Human description: "`README` or `README.*` in the repository root, `.github/` or `docs/`".
    description: String,
}

/// A folder relative to the repository root, without `./` or slashes at either end;
/// `""` is the root.
fn clean(dir: &str) -> &str {
    let d = dir.trim_start_matches("./").trim_matches('/');
    if d == "." { "" } else { d }
}

fn join(dir: &str, rest: &str) -> String {
    match (clean(dir), clean(rest)) {
        ("", r) => r.to_owned(),
        (d, "") => d.to_owned(),
        (d, r) => format!("{d}/{r}"),
    }
}

/// The folder a glob's folder part names, when it is literal (escapes removed).
fn unescape_literal(glob: &str) -> Option<String> {
    let mut out = String::with_capacity(glob.len());
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                // `globset::escape` writes a special character as `[c]`.
                let inner = chars.next()?;
                if chars.next()? != ']' {
                    return None;
                }
                out.push(inner);
            }
            '*' | '?' | '{' | '}' => return None,
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    Some(out)
}

fn list(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

impl Locate {
    pub fn new(p: &LocateParams) -> Result<Locate, String> {
        if p.names.is_empty() && p.paths.is_empty() {
            return Err("give `names` (with `locations`) or `paths`".to_owned());
        }
        // `root` and `locations` are literal folders (template folders such as
        // `{{cookiecutter.slug}}` contain glob syntax); `names` and `paths` are globs.
        let root = globset::escape(clean(&p.root));
        let mut patterns = Vec::new();
        for loc in &p.locations {
            let folder = join(&root, &globset::escape(clean(loc)));
            for name in &p.names {
                if name.contains('/') {
                    return Err(format!(
                        "`names` are file names, not paths: `{name}` (use `paths`)"
                    ));
                }
                patterns.push(join(&folder, name));
            }
        }
        for path in &p.paths {
            patterns.push(join(&root, path));
        }
        let mut builder = GlobSetBuilder::new();
        for pat in &patterns {
            let glob = GlobBuilder::new(pat)
                .case_insensitive(!p.case_sensitive)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| format!("invalid glob `{pat}`: {e}"))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        let dirs = patterns
            .iter()
            .map(|p| {
                let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
                unescape_literal(dir)
            })
            .collect::<Option<Vec<_>>>()
            .map(|mut d| {
                d.dedup();
                d
            });
        let mut parts = Vec::new();
        if !p.names.is_empty() {
            let names: Vec<String> = p.names.iter().map(|n| format!("`{n}`")).collect();
            let locs: Vec<String> = p
                .locations
                .iter()
                .map(|l| match join(&p.root, l).as_str() {
                    "" => "the repository root".to_owned(),
                    d => format!("`{d}/`"),
                })
                .collect();
            parts.push(format!("{} in {}", list(&names, "or"), list(&locs, "or")));
        }
        if !p.paths.is_empty() {
            let paths: Vec<String> = p
                .paths
                .iter()
                .map(|x| format!("`{}`", join(&p.root, x)))
                .collect();
            parts.push(list(&paths, "or"));
        }
        Ok(Locate {
            set,
            patterns,
            dirs,
            description: parts.join(", or "),
        })
    }

    /// Priority of the best pattern `path` matches (lower is preferred).
    pub fn rank(&self, path: &str) -> Option<usize> {
        self.set.matches(path).into_iter().min()
    }

    /// All matching files, preferred first (then by path).
    pub fn find<'r>(&self, repo: &'r Repo) -> Vec<&'r FileEntry> {
        let mut found: Vec<(usize, &FileEntry)> = match &self.dirs {
            Some(dirs) => dirs
                .iter()
                .flat_map(|d| repo.files_in(d))
                .filter_map(|f| self.rank(&f.path).map(|r| (r, f)))
                .collect(),
            None => repo
                .files()
                .iter()
                .filter_map(|f| self.rank(&f.path).map(|r| (r, f)))
                .collect(),
        };
        found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.path.cmp(&b.1.path)));
        found.dedup_by(|a, b| a.1.path == b.1.path);
        found.into_iter().map(|(_, f)| f).collect()
    }

    /// The first matching file with content: `Ok(file)`, or `Err(first blank file)` when
    /// every match is empty or whitespace, or `Err(None)` when nothing matches.
    pub fn find_non_blank<'r>(
        &self,
        repo: &'r Repo,
    ) -> Result<&'r FileEntry, Option<&'r FileEntry>> {
        let found = self.find(repo);
        found
            .iter()
            .find(|f| !repo.is_blank(f))
            .copied()
            .ok_or_else(|| found.first().copied())
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

fn fill(template: &str, path: &str) -> String {
    template.replace("{path}", path)
}

// ---------------------------------------------------------------------------- file-exists

#[derive(Deserialize, JsonSchema)]
pub struct ExistsParams {
    #[serde(flatten)]
    locate: LocateParams,
    /// An empty or whitespace-only file counts as missing.
    #[serde(default = "yes")]
    non_empty: bool,
    message: Option<String>,
}

fn yes() -> bool {
    true
}

/// Kind `file-exists`: at least one of the files is present (by default, not blank).
pub const FILE_EXISTS: Kind<ExistsParams> = Kind::new("file-exists", build_exists);

fn build_exists(inputs: Vec<Declared<'_, ExistsParams>>) -> Built {
    each(inputs, |rule, p| {
        Ok(Box::new(FileExists {
            rule,
            locate: Locate::new(&p.locate)?,
            non_empty: p.non_empty,
            message: p.message,
        }) as Box<dyn Check>)
    })
}

struct FileExists {
    rule: RuleIdx,
    locate: Locate,
    non_empty: bool,
    message: Option<String>,
}

impl Check for FileExists {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        let missing = || match &self.message {
            Some(m) => m.clone(),
            None => format!("missing: no {}", self.locate.description()),
        };
        if !self.non_empty {
            if self.locate.find(repo).is_empty() {
                out.push(Finding::repository(self.rule, missing()));
            }
            return;
        }
        match self.locate.find_non_blank(repo) {
            Ok(_) => {}
            Err(None) => out.push(Finding::repository(self.rule, missing())),
            Err(Some(blank)) => out.push(Finding::file(
                self.rule,
                &blank.path,
                format!(
                    "`{}` is empty or only whitespace, which counts as missing",
                    blank.path
                ),
            )),
        }
    }
}

// ---------------------------------------------------------------------------- file-absent

#[derive(Deserialize, JsonSchema)]
pub struct AbsentParams {
    #[serde(flatten)]
    locate: LocateParams,
    message: Option<String>,
}

/// Kind `file-absent`: none of the files is present.
pub const FILE_ABSENT: Kind<AbsentParams> = Kind::new("file-absent", build_absent);

fn build_absent(inputs: Vec<Declared<'_, AbsentParams>>) -> Built {
    each(inputs, |rule, p| {
        Ok(Box::new(FileAbsent {
            rule,
            locate: Locate::new(&p.locate)?,
            message: p
                .message
                .unwrap_or_else(|| "`{path}` should not be in the repository".to_owned()),
        }) as Box<dyn Check>)
    })
}

struct FileAbsent {
    rule: RuleIdx,
    locate: Locate,
    message: String,
}

impl Check for FileAbsent {
    fn check_repo(&self, repo: &Repo, out: &mut Vec<Finding>) {
        for f in self.locate.find(repo) {
            out.push(Finding::file(
                self.rule,
                &f.path,
                fill(&self.message, &f.path),
            ));
        }
    }
}

// ------------------------------------------------------------ file-contains / not-contains

#[derive(Deserialize, JsonSchema)]
pub struct ContentParams {
    #[serde(flatten)]
    locate: LocateParams,
    pattern: String,
    message: String,
}

/// Kind `file-contains`: each of the files matches `pattern`.
pub const FILE_CONTAINS: Kind<ContentParams> =
    Kind::new("file-contains", |rules| build_content(rules, true));

/// Kind `file-not-contains`: no file matches `pattern`.
pub const FILE_NOT_CONTAINS: Kind<ContentParams> =
    Kind::new("file-not-contains", |rules| build_content(rules, false));

fn build_content(inputs: Vec<Declared<'_, ContentParams>>, must_contain: bool) -> Built {
    each(inputs, move |rule, p| {
        let pattern = regex::RegexBuilder::new(&p.pattern)
            .multi_line(true)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| format!("invalid `pattern`: {e}"))?;
        Ok(Box::new(FileContent {
            rule,
            locate: Locate::new(&p.locate)?,
            pattern,
            message: p.message,
            must_contain,
        }) as Box<dyn Check>)
    })
}

struct FileContent {
    rule: RuleIdx,
    locate: Locate,
    pattern: Regex,
    message: String,
    must_contain: bool,
}

impl Check for FileContent {
    fn wants_file(&self, file: &FileEntry) -> bool {
        self.locate.rank(&file.path).is_some()
    }

    fn check_file(&self, file: &SourceFile, _repo: &Repo, out: &mut Vec<Finding>) {
        let message = fill(&self.message, file.path());
        if self.must_contain {
            if !self.pattern.is_match(file.text()) {
                out.push(Finding::file(self.rule, file.path(), message));
            }
            return;
        }
        for m in self.pattern.find_iter(file.text()) {
            out.push(Finding::span(self.rule, file, m.range(), message.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(names: &[&str], locations: &[&str], paths: &[&str]) -> LocateParams {
        LocateParams {
            names: names.iter().map(|s| s.to_string()).collect(),
            locations: locations.iter().map(|s| s.to_string()).collect(),
            paths: paths.iter().map(|s| s.to_string()).collect(),
            root: ".".into(),
            case_sensitive: false,
        }
    }

    #[test]
    fn locate_ranks_locations_in_order_case_insensitively() {
        let l = Locate::new(&params(
            &["README", "README.*"],
            &[".github", ".", "docs"],
            &[],
        ))
        .unwrap();
        assert_eq!(l.rank(".github/readme.md"), Some(1));
        assert_eq!(l.rank("README"), Some(2));
        assert_eq!(l.rank("docs/Readme.rst"), Some(5));
        assert_eq!(l.rank("src/README.md"), None);
        assert_eq!(l.rank("README.md/x"), None);
        assert_eq!(
            l.dirs.as_deref(),
            Some(&[".github".to_owned(), "".to_owned(), "docs".to_owned()][..])
        );
        assert_eq!(
            l.description(),
            "`README` or `README.*` in `.github/`, the repository root or `docs/`"
        );
    }

    #[test]
    fn locate_paths_and_root() {
        let mut p = params(&[], &[], &[".github/dependabot.{yml,yaml}", "**/.env"]);
        p.root = "{{cookiecutter.slug}}".into();
        let l = Locate::new(&p).unwrap();
        assert_eq!(
            l.rank("{{cookiecutter.slug}}/.github/dependabot.yaml"),
            Some(0)
        );
        assert_eq!(l.rank("{{cookiecutter.slug}}/a/b/.env"), Some(1));
        assert_eq!(l.rank(".github/dependabot.yml"), None);
        assert!(l.dirs.is_none());

        let mut p = params(&["SECURITY.md"], &[".github", "."], &[]);
        p.root = "{{cookiecutter.slug}}".into();
        let l = Locate::new(&p).unwrap();
        assert_eq!(l.rank("{{cookiecutter.slug}}/SECURITY.md"), Some(1));
        assert_eq!(
            l.dirs.as_deref(),
            Some(
                &[
                    "{{cookiecutter.slug}}/.github".to_owned(),
                    "{{cookiecutter.slug}}".to_owned()
                ][..]
            )
        );
    }

    #[test]
    fn locate_rejects_nonsense() {
        assert!(Locate::new(&params(&[], &["."], &[])).is_err());
        assert!(Locate::new(&params(&["a/b"], &["."], &[])).is_err());
        assert!(Locate::new(&params(&[], &[], &["a[b"])).is_err());
    }
}
