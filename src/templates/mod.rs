//! Template units: the parts of a repository that a template engine turns into a new
//! project (a cookiecutter, a copier template, a cargo-generate template, a devcontainer
//! template, a Backstage skeleton, a Helm starter, or a plain GitHub template repository
//! described by `.template-config.yaml`).
//!
//! A unit knows its engine, where its source is, which folder becomes the generated
//! repository, the variables it declares (with their defaults), the names the engine
//! provides itself, the syntax of its tags and which files are copied without rendering.
//! Every other part of the tool reads templates through this model: the `template/` rules
//! check the source, the renderer turns a unit into a project, and the other families
//! check both.

pub mod config;
pub mod detect;
pub mod engines;
pub mod profiles;
pub mod refs;
pub mod render;

pub use detect::{UnitDiagnostic, Units, units};

use serde::Serialize;

/// The engine that renders a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    Cookiecutter,
    Copier,
    CargoGenerate,
    Devcontainer,
    Backstage,
    HelmStarter,
    /// A repository marked as a template on GitHub, described by `.template-config.yaml`.
    Plain,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Cookiecutter => "cookiecutter",
            Engine::Copier => "copier",
            Engine::CargoGenerate => "cargo-generate",
            Engine::Devcontainer => "devcontainer",
            Engine::Backstage => "backstage",
            Engine::HelmStarter => "helm-starter",
            Engine::Plain => "plain",
        }
    }
}

/// How a unit's files mark what the engine replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Syntax {
    /// Jinja-like tags with these delimiters (Jinja2 for cookiecutter and copier, Nunjucks
    /// for Backstage, Liquid for cargo-generate).
    Tags(Delimiters),
    /// Literal replacement of each variable's placeholder, `{name}` standing for the
    /// variable's name: `${templateOption:{name}}` (devcontainer), `<CHARTNAME>` (Helm), or
    /// the placeholder a `.template-config.yaml` declares.
    Literal { placeholder: String },
}

/// The delimiters of a tag language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delimiters {
    pub language: Language,
    pub block: (String, String),
    pub variable: (String, String),
    pub comment: (String, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    Jinja,
    Nunjucks,
    Liquid,
}

impl Delimiters {
    /// The standard delimiters of `language`: `{% %}`, `{{ }}`, `{# #}`.
    pub fn standard(language: Language) -> Delimiters {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        Delimiters {
            language,
            block: pair("{%", "%}"),
            variable: pair("{{", "}}"),
            comment: pair("{#", "#}"),
        }
    }
}

/// Where a unit declares something: a repository-relative path and a 1-based line (0 when
/// the declaration has no line of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub path: String,
    pub line: u32,
}

/// A variable a unit declares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variable {
    pub name: String,
    /// The default as declared (a list's default is its first item for cookiecutter; a
    /// default may itself be a template, rendered in declaration order). `None`: no default.
    pub default: Option<serde_json::Value>,
    pub description: Option<String>,
    /// A regular expression a value must match, where the engine declares one.
    pub pattern: Option<String>,
    /// Computed by the engine rather than asked for (copier `when: false`, cookiecutter
    /// `_`/`__` keys).
    pub computed: bool,
    pub origin: Origin,
}

/// `.template-config.yaml` metadata (any engine may have one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Meta {
    pub name: Option<String>,
    pub version: Option<String>,
    pub channel: Option<String>,
}

/// One template unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub engine: Engine,
    /// The file that declares the unit (`cookiecutter.json`, `copier.yml`, …), relative to
    /// the repository root.
    pub manifest: String,
    /// The folder holding the unit's source, relative to the repository root ("" for the
    /// root).
    pub source_root: String,
    /// The folder that becomes the generated repository (a cookiecutter's
    /// `{{cookiecutter.project_slug}}` child, copier's `_subdirectory`, …).
    pub project_root: String,
    pub variables: Vec<Variable>,
    /// The object through which files reach the variables: `cookiecutter` for
    /// cookiecutter (`{{ cookiecutter.name }}`), `values` in a Backstage skeleton
    /// (`${{ values.name }}`); `None` where variables are top-level names.
    pub namespace: Option<String>,
    /// Names the engine provides without a declaration (`cookiecutter`, `_copier_conf`,
    /// `project-name`, …): never "undeclared". A dotted name (`cookiecutter._template`) is
    /// a member the engine adds to the namespace.
    pub builtins: Vec<String>,
    pub syntax: Syntax,
    /// Globs of files copied without rendering, as the manifest declares them. Like the
    /// engines, they are relative to `project_root` (a cookiecutter's
    /// `_copy_without_render` matches paths inside the `{{cookiecutter.…}}` folder,
    /// copier's `_exclude` paths inside `_subdirectory`; for the other engines both roots
    /// are one folder), and matched the engine's way (cookiecutter: `fnmatch`, where `*`
    /// also matches `/`; copier, cargo-generate, plain: gitignore-style).
    pub not_rendered: Vec<String>,
    /// Globs of files left out of the generated project, relative to `project_root` as
    /// `not_rendered`.
    pub excluded: Vec<String>,
    /// Copier's `_templates_suffix`: only files with it are rendered (the suffix is
    /// removed). `None` for engines that render every file.
    pub templates_suffix: Option<String>,
    pub meta: Meta,
    /// Backstage: the form's parameters (`spec.parameters[].properties`), which
    /// `template.yaml` itself references as `parameters.<name>`; the skeleton sees only
    /// `variables` (the step's `input.values`). Empty for other engines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Variable>,
}
