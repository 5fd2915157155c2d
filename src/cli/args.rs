//! The command line, as clap parses it. What the flags mean is resolved elsewhere
//! ([`crate::settings`]); these structs only hold what was typed.

use std::path::PathBuf;

use anstream::ColorChoice;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::source::Shard;
use crate::audit::summary::FailOn;
use crate::report::Format;
use crate::settings::RuleArgs;

#[derive(Parser)]
#[command(name = "template-validator", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Check a template repository against the rules.
    Verify(VerifyArgs),
    /// Record the current findings, so that `verify --baseline` fails only on new ones.
    Baseline(BaselineArgs),
    /// Audit many template repositories: a folder of checkouts, a manifest, or a GitHub
    /// organisation.
    Audit(AuditArgs),
    /// Merge the outputs of `audit --shard` runs into one summary.
    AuditMerge(AuditMergeArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Print a rule's help.
    Explain(ExplainArgs),
    /// List the files a Docker build context sends (`COPY . /dst` sees exactly these).
    Context(ContextArgs),
    /// Print the JSON Schema of the configuration file, of rule packs or of
    /// `.template-config.yaml` (for editors).
    Schema(SchemaArgs),
    /// List the template units of a repository: engine, manifest, roots, variables.
    Templates(TemplatesArgs),
}

#[derive(Args)]
pub(super) struct RuleFlags {
    /// Configuration file [default: PATH/.template-validator.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub(super) config: Option<PathBuf>,
    /// Add a rule pack (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub(super) packs: Vec<PathBuf>,
}

/// Which rules run and which files they see: shared by `verify`, `baseline` and `audit`.
#[derive(Args)]
pub(super) struct SelectionFlags {
    #[command(flatten)]
    pub(super) rules: RuleFlags,
    /// Only these rules or families (repeatable, comma-separated); replaces the config's `select`.
    /// Naming no rule (`--select ''`) is an error.
    #[arg(long, value_name = "ID_OR_PREFIX")]
    pub(super) select: Vec<String>,
    /// Skip these rules or families (repeatable, comma-separated; empty items are skipped); adds
    /// to the config's `ignore`.
    #[arg(long, value_name = "ID_OR_PREFIX")]
    pub(super) ignore: Vec<String>,
    /// Also scan files that .gitignore excludes (.git/ is always skipped).
    #[arg(long)]
    pub(super) no_ignore: bool,
    /// Do not render template units with their defaults to check what they generate.
    #[arg(long)]
    pub(super) no_render: bool,
}

impl SelectionFlags {
    pub(super) fn rule_args(&self) -> RuleArgs {
        RuleArgs {
            config: self.rules.config.clone(),
            packs: self.rules.packs.clone(),
            select: (!self.select.is_empty()).then(|| self.select.clone()),
            ignore: self.ignore.clone(),
        }
    }
}

/// What to scan and with which rules: shared by `verify` and `baseline`.
#[derive(Args)]
pub(super) struct ScanFlags {
    /// The repository to check.
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    #[command(flatten)]
    pub(super) selection: SelectionFlags,
    /// Worker threads [default: number of cores; at most four per core, 16 to 256].
    #[arg(long, short, value_name = "N")]
    pub(super) jobs: Option<usize>,
}

#[derive(Args)]
pub(super) struct VerifyArgs {
    #[command(flatten)]
    pub(super) scan: ScanFlags,
    /// Warnings fail the run too.
    #[arg(long)]
    pub(super) strict: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
    /// Also write a SARIF report to FILE (e.g. with `--format github` for annotations).
    #[arg(long, value_name = "FILE")]
    pub(super) sarif_file: Option<PathBuf>,
    /// SARIF `automationDetails.id` category, to upload several runs side by side.
    #[arg(long, value_name = "CATEGORY")]
    pub(super) sarif_category: Option<String>,
    /// Accept the findings recorded in FILE (see `baseline`): only new ones fail.
    #[arg(long, value_name = "FILE")]
    pub(super) baseline: Option<PathBuf>,
    /// Publish a Check Run on GITHUB_SHA in GITHUB_REPOSITORY with GITHUB_TOKEN
    /// (GITHUB_API_URL for GitHub Enterprise).
    #[arg(long)]
    pub(super) github_check: bool,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub(super) color: Color,
    /// Print only findings: no summary line, no warnings about unreadable files.
    #[arg(long, short)]
    pub(super) quiet: bool,
}

#[derive(Args)]
pub(super) struct BaselineArgs {
    #[command(flatten)]
    pub(super) scan: ScanFlags,
    /// Write the baseline to FILE [default: standard output].
    #[arg(long, short, value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["dir", "manifest", "github_org"])))]
pub(super) struct AuditArgs {
    /// Every immediate subfolder of DIR is one repository.
    #[arg(long, value_name = "DIR")]
    pub(super) dir: Option<PathBuf>,
    /// A TOML or JSON list of repositories: local folders or `owner/repo[@ref]`.
    #[arg(long, value_name = "FILE")]
    pub(super) manifest: Option<PathBuf>,
    /// Every repository of a GitHub organisation (GITHUB_TOKEN, GITHUB_API_URL).
    #[arg(long, value_name = "ORG")]
    pub(super) github_org: Option<String>,
    /// With --github-org: only template repositories.
    #[arg(long)]
    pub(super) templates_only: bool,
    /// With --github-org: also archived repositories.
    #[arg(long)]
    pub(super) include_archived: bool,
    /// Write summary.json, summary.md and repos/ here.
    #[arg(long, value_name = "DIR")]
    pub(super) out: PathBuf,
    /// The previous run's --out: report what is new and what got fixed.
    #[arg(long, value_name = "DIR")]
    pub(super) previous: Option<PathBuf>,
    /// Exit 1 when a failing finding is new (default), exists at all, or never.
    #[arg(long, value_enum, default_value_t = FailOn::New)]
    pub(super) fail_on: FailOn,
    /// Audit only the I-th of N deterministic slices of the repositories.
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<Shard>,
    /// Repositories audited at once [default: number of cores; at most four per core, 16
    /// to 256].
    #[arg(long, short, value_name = "N")]
    pub(super) jobs: Option<usize>,
    /// Warnings fail a repository too.
    #[arg(long)]
    pub(super) strict: bool,
    /// `--config FILE` applies to every repository [default: each repository's own].
    #[command(flatten)]
    pub(super) selection: SelectionFlags,
}

#[derive(Args)]
pub(super) struct AuditMergeArgs {
    /// The --out folders of the shards.
    #[arg(required = true, value_name = "DIR")]
    pub(super) dirs: Vec<PathBuf>,
    /// Write the merged summary.json, summary.md and repos/ here.
    #[arg(long, value_name = "DIR")]
    pub(super) out: PathBuf,
    /// The previous run's --out: report what is new and what got fixed.
    #[arg(long, value_name = "DIR")]
    pub(super) previous: Option<PathBuf>,
    /// Exit 1 when a failing finding is new (default), exists at all, or never.
    #[arg(long, value_enum, default_value_t = FailOn::New)]
    pub(super) fail_on: FailOn,
    /// The shards ran with --strict (for what counts as a new failing finding).
    #[arg(long)]
    pub(super) strict: bool,
}

#[derive(Args)]
pub(super) struct RulesArgs {
    /// `markdown`: one table per family, as README.md shows them.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub(super) format: RulesFormat,
    #[command(flatten)]
    pub(super) rules: RuleFlags,
}

#[derive(Args)]
pub(super) struct ExplainArgs {
    /// A rule id, e.g. required-files/security-policy.
    pub(super) rule_id: String,
    #[command(flatten)]
    pub(super) rules: RuleFlags,
}

#[derive(Args)]
pub(super) struct ContextArgs {
    /// The build context (the folder given to `docker build`).
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    /// The Dockerfile, relative to PATH; selects `<Dockerfile>.dockerignore` when it exists.
    #[arg(long, value_name = "REL", default_value = "Dockerfile")]
    pub(super) dockerfile: String,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub(super) format: ListFormat,
}

#[derive(Args)]
pub(super) struct TemplatesArgs {
    /// The repository.
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub(super) format: ListFormat,
    /// Also read files that .gitignore excludes.
    #[arg(long)]
    pub(super) no_ignore: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    pub(super) fn choice(self) -> ColorChoice {
        match self {
            Color::Auto => ColorChoice::Auto,
            Color::Always => ColorChoice::Always,
            Color::Never => ColorChoice::Never,
        }
    }
}

/// Formats of the `rules` listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Args)]
pub(super) struct SchemaArgs {
    /// Which file's schema.
    #[arg(value_enum)]
    pub(super) file: SchemaFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum SchemaFile {
    /// `.template-validator.toml`.
    Config,
    /// A rule pack (`[[rule]]` tables).
    Rules,
    /// `.template-config.yaml`, a template's metadata and variables.
    TemplateConfig,
}

/// Formats of listings (`rules`, `context`): for people or for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}
