//! Checks: the code behind rule kinds. One module per family; data-driven kinds that any
//! pack may use live in [`files`].
//!
//! A rule declares a `kind`; every kind has a builder that turns the enabled rules of that
//! kind (with their parameters) into [`Check`]s. Adding a rule of an existing kind touches
//! only its pack; adding a kind is one builder here plus its module.

use serde::de::DeserializeOwned;

use crate::finding::{Finding, RuleIdx};
use crate::rules::{Rule, RuleSet};
use crate::source::SourceFile;
use crate::walk::{FileEntry, Repo};

pub mod dockerignore;
pub mod files;
pub mod pinning;
pub mod required_files;
pub mod secrets;

/// The code of one or more rules. Checks never print; they push findings.
pub trait Check: Send + Sync {
    /// Whether [`Check::check_file`] needs this file's text. Called for every file:
    /// decide from the path alone.
    fn wants_file(&self, _file: &FileEntry) -> bool {
        false
    }

    /// Check one text file (only files this check wanted). `repo` gives access to the
    /// other files and to [`Repo::diagnose`] for what cannot be checked.
    fn check_file(&self, _file: &SourceFile, _repo: &Repo, _out: &mut Vec<Finding>) {}

    /// Check the repository as a whole, once, after the walk.
    fn check_repo(&self, _repo: &Repo, _out: &mut Vec<Finding>) {}

    /// The size of the largest file this check reads, when its rules raise it above the
    /// engine's limit (the secrets family's `max_file_size`).
    fn read_limit(&self) -> Option<u64> {
        None
    }
}

/// One rule handed to a kind's builder, with its merged parameters.
pub struct RuleInput<'a> {
    pub idx: RuleIdx,
    pub rule: &'a Rule,
    pub params: toml::Table,
}

impl RuleInput<'_> {
    /// Deserialize the parameters into the kind's typed, `deny_unknown_fields` struct.
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, String> {
        toml::Value::Table(self.params.clone())
            .try_into()
            .map_err(|e: toml::de::Error| format!("invalid parameters: {}", e.message().trim()))
    }
}

/// A failure to build a rule's check: names the rule so the error can point at its
/// declaration (or at the configuration that changed its parameters).
pub struct BuildError {
    pub rule: RuleIdx,
    pub message: String,
}

pub type Built = Result<Vec<Box<dyn Check>>, BuildError>;

pub struct Kind {
    pub name: &'static str,
    /// Whether the kind takes the file-selection parameters of [`files::LocateParams`].
    pub locate: bool,
    /// Other parameter names the kind accepts.
    pub params: &'static [&'static str],
    pub build: fn(Vec<RuleInput<'_>>) -> Built,
}

impl Kind {
    pub fn accepts(&self, key: &str) -> bool {
        (self.locate && files::LOCATE_PARAMS.contains(&key)) || self.params.contains(&key)
    }

    pub fn param_names(&self) -> Vec<&'static str> {
        let locate = if self.locate {
            &files::LOCATE_PARAMS[..]
        } else {
            &[]
        };
        locate.iter().chain(self.params).copied().collect()
    }
}

/// Rules whose findings the engine itself reports (baseline, suppressions): no check.
pub const ENGINE: Kind = Kind {
    name: "engine",
    locate: false,
    params: &[],
    build: |_| Ok(Vec::new()),
};

/// Every kind. A new kind is one line here.
pub static KINDS: &[Kind] = &[
    ENGINE,
    files::FILE_EXISTS,
    files::FILE_ABSENT,
    files::FILE_CONTAINS,
    files::FILE_NOT_CONTAINS,
    required_files::LICENSE_TEXT,
    required_files::SECURITY_CONTACT,
    required_files::CODEOWNERS_SYNTAX,
    required_files::CODEOWNERS_SHADOWED,
    dockerignore::DOCKER_CONTEXT,
    pinning::PINNING,
    secrets::SECRET_PATTERN,
];

pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

pub fn kind_exists(name: &str) -> bool {
    kind(name).is_some()
}

/// The kinds a pack can use (the engine's own is left out).
pub fn kind_names() -> Vec<&'static str> {
    KINDS
        .iter()
        .map(|k| k.name)
        .filter(|&n| n != ENGINE.name)
        .collect()
}

/// Build the checks of the rules `include` accepts, grouped by kind.
pub fn build(
    rules: &RuleSet,
    include: impl Fn(&Rule) -> bool,
) -> Result<Vec<Box<dyn Check>>, crate::error::ConfigError> {
    let mut checks = Vec::new();
    for kind in KINDS {
        let inputs: Vec<RuleInput<'_>> = rules
            .iter()
            .filter(|(_, r)| r.kind == kind.name && include(r))
            .map(|(idx, rule)| RuleInput {
                idx,
                rule,
                params: rule.merged_params(),
            })
            .collect();
        if inputs.is_empty() {
            continue;
        }
        let unknown = inputs.iter().find_map(|input| {
            let key = input.params.keys().find(|k| !kind.accepts(k))?;
            Some(BuildError {
                rule: input.idx,
                message: format!(
                    "unknown parameter `{key}` for kind `{}` (expected one of: {})",
                    kind.name,
                    kind.param_names().join(", ")
                ),
            })
        });
        let built = unknown
            .map_or_else(|| (kind.build)(inputs), Err)
            .map_err(|e| {
                let rule = &rules[e.rule];
                // Blame the configuration when it changed the parameters, else the pack.
                match rule.overrides.iter().rev().find(|o| !o.params.is_empty()) {
                    Some(o) => o
                        .origin
                        .error(format!("{} (rule `{}`)", e.message, rule.id))
                        .key(format!("rules.\"{}\"", o.key)),
                    None => rule
                        .origin
                        .error(e.message)
                        .key(format!("{}: params", rule.id)),
                }
            })?;
        checks.extend(built);
    }
    Ok(checks)
}

/// Build one check per rule with `f`.
pub fn each<'a, T: DeserializeOwned>(
    inputs: Vec<RuleInput<'a>>,
    f: impl Fn(RuleIdx, &'a Rule, T) -> Result<Box<dyn Check>, String>,
) -> Built {
    inputs
        .into_iter()
        .map(|input| {
            let params = input.params().map_err(|message| BuildError {
                rule: input.idx,
                message,
            })?;
            f(input.idx, input.rule, params).map_err(|message| BuildError {
                rule: input.idx,
                message,
            })
        })
        .collect()
}
