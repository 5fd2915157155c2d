//! Checks: the code behind rule kinds. One module per family; data-driven kinds that any
//! pack may use live in [`files`].
//!
//! A rule declares a `kind`; every kind has a builder that turns the enabled rules of that
//! kind (with their parameters) into [`Check`]s. Adding a rule of an existing kind touches
//! only its pack; adding a kind is one builder here plus its module.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use schemars::{JsonSchema, Schema};
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
pub mod template;

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

    /// Whether [`Check::check_file`] looks at the repository's listing ([`Repo::files`],
    /// [`Repo::file`], [`Repo::files_in`]), complete only once the walk has ended: the files
    /// such a check wants are checked after the walk, the others as the walk finds them.
    fn needs_listing(&self) -> bool {
        false
    }

    /// Check the repository as a whole, once, after the walk.
    fn check_repo(&self, _repo: &Repo, _out: &mut Vec<Finding>) {}

    /// The size of the largest file this check reads, when its rules raise it above the
    /// engine's limit (the secrets family's `max_file_size`).
    fn read_limit(&self) -> Option<u64> {
        None
    }
}

/// One rule handed to its kind's builder, with its merged, typed parameters.
pub struct Declared<'a, P> {
    pub idx: RuleIdx,
    pub rule: &'a Rule,
    pub params: P,
}

/// A failure to build a rule's check: names the rule so the error can point at its
/// declaration (or at the configuration that changed its parameters).
pub struct BuildError {
    pub rule: RuleIdx,
    pub message: String,
    /// The parameter at fault, when one is.
    pub param: Option<String>,
}

impl BuildError {
    pub fn new(rule: RuleIdx, message: impl Into<String>) -> BuildError {
        BuildError {
            rule,
            message: message.into(),
            param: None,
        }
    }
}

pub type Built = Result<Vec<Box<dyn Check>>, BuildError>;

/// A rule kind: its name in packs, its typed parameters `P` (whose accepted keys and JSON
/// Schema derive from the type), and a builder that receives every enabled rule of the
/// kind, each with its own parameters, and returns the checks that report for them. Two
/// rules of one kind never share parameters: each finding is reported under the rule whose
/// parameters produced it. A new kind is one `const` of this type and one line in [`KINDS`].
pub struct Kind<P> {
    pub name: &'static str,
    pub build: fn(Vec<Declared<'_, P>>) -> Built,
    /// Reserved for the built-in packs (the engine's own findings): a user's pack cannot
    /// declare a rule of an internal kind.
    pub internal: bool,
}

impl<P> Kind<P> {
    pub const fn new(name: &'static str, build: fn(Vec<Declared<'_, P>>) -> Built) -> Self {
        Kind {
            name,
            build,
            internal: false,
        }
    }
}

/// A [`Kind`] with its parameter type erased, so that [`KINDS`] can list them all.
pub trait AnyKind: Sync {
    fn name(&self) -> &'static str;
    fn internal(&self) -> bool;
    /// The JSON Schema of the kind's `params` table.
    fn schema(&self) -> Schema;
    /// Deserialise each rule's parameters and build the checks.
    fn build_rules(&self, rules: Vec<(RuleIdx, &Rule, toml::Table)>) -> Built;

    /// The parameter names the kind accepts, from its schema (derived once per kind).
    fn param_names(&self) -> &'static [String] {
        static NAMES: OnceLock<Mutex<HashMap<&'static str, &'static [String]>>> = OnceLock::new();
        let mut names = NAMES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        names
            .entry(self.name())
            .or_insert_with(|| property_names(&self.schema()).leak())
    }

    fn accepts(&self, key: &str) -> bool {
        self.param_names().iter().any(|k| k == key)
    }
}

impl<P: DeserializeOwned + JsonSchema> AnyKind for Kind<P> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn internal(&self) -> bool {
        self.internal
    }

    fn schema(&self) -> Schema {
        // Inlined (no `$ref`), so a pack's schema can embed it as it is.
        let mut schema = schemars::generate::SchemaSettings::draft07()
            .with(|s| s.inline_subschemas = true)
            .into_generator()
            .into_root_schema_for::<P>();
        // Unknown keys are errors (serde's `flatten` cannot say so itself).
        schema.insert("additionalProperties".to_owned(), false.into());
        schema
    }

    fn build_rules(&self, inputs: Vec<(RuleIdx, &Rule, toml::Table)>) -> Built {
        let mut rules = Vec::with_capacity(inputs.len());
        for (idx, rule, params) in inputs {
            let params = toml::Value::Table(params)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    BuildError::new(idx, format!("invalid parameters: {}", e.message().trim()))
                })?;
            rules.push(Declared { idx, rule, params });
        }
        (self.build)(rules)
    }
}

/// The property names of an object schema (schemars merges a flattened struct's fields into
/// them), in declaration order.
fn property_names(schema: &Schema) -> Vec<String> {
    schema
        .get("properties")
        .and_then(|p| p.as_object())
        .map_or_else(Vec::new, |props| props.keys().cloned().collect())
}

/// No parameters.
#[derive(serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// The kind of the engine's own rules (baseline, suppressions): no parameters, no check.
pub const ENGINE: Kind<NoParams> = Kind {
    internal: true,
    ..Kind::new("engine", |_| Ok(Vec::new()))
};

/// Every kind. A new kind is one line here.
pub static KINDS: &[&dyn AnyKind] = &[
    &ENGINE,
    &files::FILE_EXISTS,
    &files::FILE_ABSENT,
    &files::FILE_CONTAINS,
    &files::FILE_NOT_CONTAINS,
    &required_files::LICENSE_TEXT,
    &required_files::SECURITY_CONTACT,
    &required_files::CODEOWNERS_SYNTAX,
    &required_files::CODEOWNERS_SHADOWED,
    &dockerignore::DOCKER_CONTEXT,
    &pinning::PINNING,
    &secrets::SECRET_PATTERN,
    &template::TEMPLATE,
];

pub fn kind(name: &str) -> Option<&'static dyn AnyKind> {
    KINDS.iter().copied().find(|k| k.name() == name)
}

/// The kinds a user's pack can declare (internal ones are left out).
pub fn kind_names() -> Vec<&'static str> {
    KINDS
        .iter()
        .filter(|k| !k.internal())
        .map(|k| k.name())
        .collect()
}

/// Build the checks of the rules `include` accepts, grouped by kind.
pub fn build(
    rules: &RuleSet,
    include: impl Fn(&Rule) -> bool,
) -> Result<Vec<Box<dyn Check>>, crate::error::ConfigError> {
    let mut checks = Vec::new();
    for kind in KINDS {
        let inputs: Vec<_> = rules
            .iter()
            .filter(|(_, r)| r.kind == kind.name() && include(r))
            .map(|(idx, rule)| (idx, rule, rule.merged_params()))
            .collect();
        if inputs.is_empty() {
            continue;
        }
        let names = kind.param_names();
        let unknown = inputs.iter().find_map(|(idx, _, params)| {
            let key = params.keys().find(|k| !names.contains(k))?;
            Some(BuildError {
                param: Some(key.clone()),
                ..BuildError::new(
                    *idx,
                    format!(
                        "unknown parameter `{key}` for kind `{}` (expected one of: {})",
                        kind.name(),
                        names.join(", ")
                    ),
                )
            })
        });
        let built = unknown
            .map_or_else(|| kind.build_rules(inputs), Err)
            .map_err(|e| {
                let rule = &rules[e.rule];
                // Blame the configuration when it set the parameter (or, for an error about
                // the parameters as a whole, changed any), else the pack; point at the key.
                let set_by_config = rule.overrides.iter().rev().find(|o| match &e.param {
                    Some(p) => o.params.contains_key(p),
                    None => !o.params.is_empty(),
                });
                let key = e.param.as_deref();
                match set_by_config {
                    Some(o) => o
                        .origin
                        .at_key(key.unwrap_or_default())
                        .error(format!("{} (rule `{}`)", e.message, rule.id))
                        .key(format!("rules.\"{}\"", o.key)),
                    None => rule
                        .origin
                        .at_key(key.unwrap_or("params"))
                        .error(e.message)
                        .key(format!("{}: params", rule.id)),
                }
            })?;
        checks.extend(built);
    }
    Ok(checks)
}

/// Build one check per rule with `f`.
pub fn each<P>(
    rules: Vec<Declared<'_, P>>,
    f: impl Fn(RuleIdx, P) -> Result<Box<dyn Check>, String>,
) -> Built {
    rules
        .into_iter()
        .map(|d| f(d.idx, d.params).map_err(|message| BuildError::new(d.idx, message)))
        .collect()
}
