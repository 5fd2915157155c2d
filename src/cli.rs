//! The command line: arguments, dispatch, exit codes.
//!
//! Exit codes: 0 no failing findings, 1 failing findings, 2 the run cannot be trusted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstream::ColorChoice;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::source::{self as audit_source, Shard};
use crate::audit::summary::{FailOn, Summary};
use crate::baseline::Baseline;
use crate::engine;
use crate::report::sarif::{self, SarifOptions};
use crate::report::{self, Format, ListFormat, Report};
use crate::rules::RuleSet;
use crate::settings::{self, RuleArgs, ScanArgs, Settings};

#[derive(Parser)]
#[command(name = "template-validator", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
}

#[derive(Args)]
struct RuleFlags {
    /// Configuration file [default: PATH/.template-validator.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Add a rule pack (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    packs: Vec<PathBuf>,
}

/// Which rules run and which files they see: shared by `verify`, `baseline` and `audit`.
#[derive(Args)]
struct SelectionFlags {
    #[command(flatten)]
    rules: RuleFlags,
    /// Only these rules or families (repeatable, comma-separated); replaces the config's `select`.
    /// Naming no rule (`--select ''`) is an error.
    #[arg(long, value_name = "ID_OR_PREFIX")]
    select: Vec<String>,
    /// Skip these rules or families (repeatable, comma-separated; empty items are skipped); adds
    /// to the config's `ignore`.
    #[arg(long, value_name = "ID_OR_PREFIX")]
    ignore: Vec<String>,
    /// Also scan files that .gitignore excludes (.git/ is always skipped).
    #[arg(long)]
    no_ignore: bool,
}

impl SelectionFlags {
    fn rule_args(&self) -> RuleArgs {
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
struct ScanFlags {
    /// The repository to check.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    selection: SelectionFlags,
    /// Worker threads [default: number of cores; at most four per core, 16 to 256].
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
}

#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    scan: ScanFlags,
    /// Warnings fail the run too.
    #[arg(long)]
    strict: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write a SARIF report to FILE (e.g. with `--format github` for annotations).
    #[arg(long, value_name = "FILE")]
    sarif_file: Option<PathBuf>,
    /// SARIF `automationDetails.id` category, to upload several runs side by side.
    #[arg(long, value_name = "CATEGORY")]
    sarif_category: Option<String>,
    /// Accept the findings recorded in FILE (see `baseline`): only new ones fail.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Publish a Check Run on GITHUB_SHA in GITHUB_REPOSITORY with GITHUB_TOKEN
    /// (GITHUB_API_URL for GitHub Enterprise).
    #[arg(long)]
    github_check: bool,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print only findings: no summary line, no warnings about unreadable files.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct BaselineArgs {
    #[command(flatten)]
    scan: ScanFlags,
    /// Write the baseline to FILE [default: standard output].
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["dir", "manifest", "github_org"])))]
struct AuditArgs {
    /// Every immediate subfolder of DIR is one repository.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// A TOML or JSON list of repositories: local folders or `owner/repo[@ref]`.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Every repository of a GitHub organisation (GITHUB_TOKEN, GITHUB_API_URL).
    #[arg(long, value_name = "ORG")]
    github_org: Option<String>,
    /// With --github-org: only template repositories.
    #[arg(long)]
    templates_only: bool,
    /// With --github-org: also archived repositories.
    #[arg(long)]
    include_archived: bool,
    /// Write summary.json, summary.md and repos/ here.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The previous run's --out: report what is new and what got fixed.
    #[arg(long, value_name = "DIR")]
    previous: Option<PathBuf>,
    /// Exit 1 when a failing finding is new (default), exists at all, or never.
    #[arg(long, value_enum, default_value_t = FailOn::New)]
    fail_on: FailOn,
    /// Audit only the I-th of N deterministic slices of the repositories.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Repositories audited at once [default: number of cores; at most four per core, 16
    /// to 256].
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// Warnings fail a repository too.
    #[arg(long)]
    strict: bool,
    /// `--config FILE` applies to every repository [default: each repository's own].
    #[command(flatten)]
    selection: SelectionFlags,
}

#[derive(Args)]
struct AuditMergeArgs {
    /// The --out folders of the shards.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Write the merged summary.json, summary.md and repos/ here.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The previous run's --out: report what is new and what got fixed.
    #[arg(long, value_name = "DIR")]
    previous: Option<PathBuf>,
    /// Exit 1 when a failing finding is new (default), exists at all, or never.
    #[arg(long, value_enum, default_value_t = FailOn::New)]
    fail_on: FailOn,
    /// The shards ran with --strict (for what counts as a new failing finding).
    #[arg(long)]
    strict: bool,
}

#[derive(Args)]
struct RulesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
    #[command(flatten)]
    rules: RuleFlags,
}

#[derive(Args)]
struct ExplainArgs {
    /// A rule id, e.g. required-files/security-policy.
    rule_id: String,
    #[command(flatten)]
    rules: RuleFlags,
}

#[derive(Args)]
struct ContextArgs {
    /// The build context (the folder given to `docker build`).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The Dockerfile, relative to PATH; selects `<Dockerfile>.dockerignore` when it exists.
    #[arg(long, value_name = "REL", default_value = "Dockerfile")]
    dockerfile: String,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Exit code 2, with a message on stderr.
fn untrusted(message: impl std::fmt::Display) -> ExitCode {
    let _ = writeln!(anstream::stderr(), "error: {message}");
    ExitCode::from(2)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => verify(args),
        Command::Baseline(args) => baseline(args),
        Command::Audit(args) => audit(args),
        Command::AuditMerge(args) => audit_merge(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain(args) => explain(args),
        Command::Context(args) => context(args),
    }
}

/// The most worker threads `--jobs` gets: four per core, at least 16, at most 256. More
/// only costs time creating them (`-j 100000` would not finish).
fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_mul(4).clamp(16, 256)
}

/// `--jobs`, clamped to [`max_jobs`] with a warning; `0` (or none) means one per core.
fn jobs(requested: Option<usize>) -> usize {
    let requested = requested.unwrap_or(0);
    let max = max_jobs();
    if requested > max {
        let _ = writeln!(
            anstream::stderr(),
            "warning: --jobs {requested} is more than this machine can use; using {max}"
        );
        max
    } else {
        requested
    }
}

/// A finished scan with the settings it used.
struct Scanned {
    settings: Settings,
    outcome: engine::Outcome,
}

fn scan(flags: ScanFlags, strict: bool) -> Result<Scanned, ExitCode> {
    let args = ScanArgs {
        rules: flags.selection.rule_args(),
        no_ignore: flags.selection.no_ignore,
        threads: jobs(flags.jobs),
        strict,
    };
    let settings = settings::resolve(&args, Some(&flags.path)).map_err(untrusted)?;
    let outcome = engine::scan(&flags.path, &settings.rules, &settings.walk).map_err(untrusted)?;
    Ok(Scanned { settings, outcome })
}

/// Write to FILE, or to standard output (with colours as chosen) when `path` is `None`.
fn write_to(
    path: Option<&Path>,
    color: ColorChoice,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)?;
            let choice = if color == ColorChoice::Always {
                ColorChoice::Always
            } else {
                ColorChoice::Never
            };
            let mut out = std::io::BufWriter::new(anstream::AutoStream::new(file, choice));
            write(&mut out)?;
            out.flush()
        }
        None => {
            let mut out = anstream::stdout().lock();
            write(&mut out)?;
            out.flush()
        }
    }
}

fn shown(path: Option<&Path>) -> String {
    path.map_or("standard output".to_owned(), |p| p.display().to_string())
}

fn verify(args: VerifyArgs) -> ExitCode {
    let color = match args.color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    };
    color.write_global();
    let root = args.scan.path.clone();
    let reproduce = reproduce_command(&args);
    let Scanned {
        settings,
        mut outcome,
    } = match scan(args.scan, args.strict) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Settings {
        rules,
        config,
        strict,
        ..
    } = &settings;
    let strict = *strict;
    if let Some(path) = &args.baseline {
        match Baseline::load(path) {
            Ok(b) => b.apply(&mut outcome, rules),
            Err(e) => return untrusted(e),
        }
    }
    if !args.quiet {
        let mut err = anstream::stderr();
        for d in &outcome.diagnostics {
            let _ = writeln!(err, "warning: {}: {}", d.path, d.message);
        }
    }
    let report = Report {
        rules,
        outcome: &outcome,
        strict,
        quiet: args.quiet,
        sarif: SarifOptions {
            category: args.sarif_category.clone(),
            root_uri: sarif::folder_uri(&root),
        },
        repo_prefix: report::github::repository_prefix(&root),
    };
    let code = if outcome.fails(strict) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    let output = args.output.as_deref();
    let result = write_to(output, color, |out| {
        report::write(args.format, &report, out)
    });
    if let Some(code) = write_failed(result, &shown(output)) {
        return code;
    }
    if let Some(path) = &args.sarif_file {
        let result = write_to(Some(path), ColorChoice::Never, |out| {
            report::write(Format::Sarif, &report, out)
        });
        if let Err(e) = result {
            return untrusted(format!("cannot write to {}: {e}", path.display()));
        }
    }
    let mut command_line = reproduce;
    if config.strict == Some(true) && !args.strict {
        command_line.push_str("   # strict = true in the configuration");
    }
    let summary = report::github::step_summary(&report, &command_line);
    let mut annotations_shown = args.format == Format::Github;
    if args.github_check {
        let published = crate::github::CheckTarget::from_env()
            .map_err(crate::github::CheckError::Failed)
            .and_then(|target| crate::github::publish(&target, &report, &summary));
        match published {
            Ok(_) => {}
            Err(e @ crate::github::CheckError::Forbidden(_)) => {
                let _ = writeln!(
                    anstream::stderr(),
                    "warning: {e}; reporting the findings as workflow annotations instead"
                );
                if !annotations_shown {
                    // Keep a JSON or SARIF report on standard output parseable: the runner
                    // reads workflow commands from standard error too.
                    let machine_stdout = args.output.is_none()
                        && matches!(args.format, Format::Json | Format::Sarif);
                    let _ = if machine_stdout {
                        report::github::write(&report, &mut anstream::stderr().lock())
                    } else {
                        report::github::write(&report, &mut anstream::stdout().lock())
                    };
                    annotations_shown = true;
                }
            }
            Err(e) => return untrusted(e),
        }
    }
    if annotations_shown
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
    {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(summary.as_bytes()));
        if let Err(e) = appended {
            let _ = writeln!(
                anstream::stderr(),
                "warning: cannot write the job summary to {}: {e}",
                Path::new(&path).display()
            );
        }
    }
    code
}

/// Quote a word for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./=:@,+-".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The `verify` command a developer runs to see the same findings locally.
fn reproduce_command(args: &VerifyArgs) -> String {
    let scan = &args.scan;
    let selection = &scan.selection;
    let mut words = vec!["template-validator".to_owned(), "verify".to_owned()];
    let mut flag = |name: &str, value: Option<&std::ffi::OsStr>| {
        words.push(name.to_owned());
        if let Some(v) = value {
            words.push(shell_word(&v.to_string_lossy()));
        }
    };
    if args.strict {
        flag("--strict", None);
    }
    if let Some(c) = &selection.rules.config {
        flag("--config", Some(c.as_os_str()));
    }
    for p in &selection.rules.packs {
        flag("--rules", Some(p.as_os_str()));
    }
    for s in &selection.select {
        flag("--select", Some(std::ffi::OsStr::new(s)));
    }
    for i in &selection.ignore {
        flag("--ignore", Some(std::ffi::OsStr::new(i)));
    }
    if selection.no_ignore {
        flag("--no-ignore", None);
    }
    if let Some(b) = &args.baseline {
        flag("--baseline", Some(b.as_os_str()));
    }
    words.push(shell_word(&scan.path.to_string_lossy()));
    words.join(" ")
}

fn baseline(args: BaselineArgs) -> ExitCode {
    let Scanned { settings, outcome } = match scan(args.scan, false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let baseline = Baseline::from_outcome(&outcome, &settings.rules);
    let output = args.output.as_deref();
    let result = write_to(output, ColorChoice::Never, |out| {
        serde_json::to_writer_pretty(&mut *out, &baseline)?;
        writeln!(out)
    });
    if let Some(code) = write_failed(result, &shown(output)) {
        return code;
    }
    if let Some(path) = output {
        let _ = writeln!(
            anstream::stderr(),
            "recorded {} in {}",
            report::plural(baseline.findings.len(), "finding"),
            path.display()
        );
    }
    ExitCode::SUCCESS
}

fn audit_exit(summary: &Summary, fail_on: FailOn) -> ExitCode {
    let t = &summary.totals;
    let _ = writeln!(
        anstream::stderr(),
        "audited {} repositories: {} passed, {} failed, {} not audited; {} new findings ({} failing), {} fixed",
        t.repositories,
        t.passed,
        t.failed,
        t.errors,
        t.new,
        t.new_failing,
        t.fixed
    );
    if summary.fails(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn audit(args: AuditArgs) -> ExitCode {
    if (args.templates_only || args.include_archived) && args.github_org.is_none() {
        return untrusted("--templates-only and --include-archived go with --github-org");
    }
    if let Err(e) = args.selection.rule_args().validate() {
        return untrusted(e);
    }
    let jobs = jobs(args.jobs);
    let mut client = None;
    let specs = if let Some(dir) = &args.dir {
        audit_source::from_dir(dir)
    } else if let Some(manifest) = &args.manifest {
        audit_source::from_manifest(manifest)
    } else if let Some(org) = &args.github_org {
        crate::audit::remote::Client::from_env()
            .and_then(|c| {
                let listed = c.list_org(org)?;
                client = Some(c);
                Ok(listed)
            })
            .map_err(|e| format!("cannot list the repositories of `{org}`: {e}"))
            .map(|listed| {
                listed
                    .into_iter()
                    .filter(|r| !args.templates_only || r.is_template)
                    .filter(|r| args.include_archived || !r.archived)
                    .filter_map(|r| audit_source::RepoSpec::github(&r.full_name, r.default_branch))
                    .collect()
            })
    } else {
        Err("give --dir, --manifest or --github-org".to_owned())
    };
    let specs = match specs {
        Ok(s) => audit_source::shard(s, args.shard),
        Err(e) => return untrusted(e),
    };
    let needs_client = specs
        .iter()
        .any(|s| matches!(s.location, audit_source::Location::GitHub { .. }));
    if needs_client && client.is_none() {
        match crate::audit::remote::Client::from_env() {
            Ok(c) => client = Some(c),
            Err(e) => return untrusted(e),
        }
    }
    let opts = crate::audit::AuditOptions {
        out: args.out,
        previous: args.previous,
        jobs,
        scan: ScanArgs {
            rules: args.selection.rule_args(),
            no_ignore: args.selection.no_ignore,
            threads: 1,
            strict: args.strict,
        },
    };
    match crate::audit::run(&specs, &opts, client.as_ref()) {
        Ok(summary) => audit_exit(&summary, args.fail_on),
        Err(e) => untrusted(e),
    }
}

fn audit_merge(args: AuditMergeArgs) -> ExitCode {
    match crate::audit::merge(&args.dirs, &args.out, args.previous.as_deref(), args.strict) {
        Ok(summary) => audit_exit(&summary, args.fail_on),
        Err(e) => untrusted(e),
    }
}

/// Exit code 2 when the output could not be written. A closed pipe (`… | head`) is the
/// reader's choice, not a failure.
fn write_failed(result: std::io::Result<()>, target: &str) -> Option<ExitCode> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Some(untrusted(format!("cannot write to {target}: {e}")))
        }
        _ => None,
    }
}

/// `code` once the output is written (see [`write_failed`]).
fn written(result: std::io::Result<()>, target: &str, code: ExitCode) -> ExitCode {
    write_failed(result, target).unwrap_or(code)
}

#[derive(serde::Serialize)]
struct RuleList<'a> {
    version: u32,
    rules: Vec<RuleEntry<'a>>,
}

#[derive(serde::Serialize)]
struct RuleEntry<'a> {
    id: &'a str,
    family: &'a str,
    kind: &'a str,
    severity: &'a str,
    default_severity: &'a str,
    enabled: bool,
    title: &'a str,
    help_uri: Option<&'a str>,
    tags: &'a [String],
}

fn load_for_listing(flags: RuleFlags) -> Result<RuleSet, ExitCode> {
    let args = RuleArgs {
        config: flags.config,
        packs: flags.packs,
        ..RuleArgs::default()
    };
    let cwd = std::path::Path::new(".");
    let config = settings::load_config(&args, Some(cwd)).map_err(untrusted)?;
    settings::load_rules(&args, &config).map_err(untrusted)
}

fn list_rules(args: RulesArgs) -> ExitCode {
    let rules = match load_for_listing(args.rules) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut out = anstream::stdout().lock();
    let result = match args.format {
        ListFormat::Json => {
            let list: Vec<RuleEntry<'_>> = rules
                .iter()
                .map(|(_, r)| RuleEntry {
                    id: &r.id,
                    family: &r.family,
                    kind: &r.kind,
                    severity: r.severity.map_or("off", |s| s.as_str()),
                    default_severity: r.default_severity.as_str(),
                    enabled: r.enabled(),
                    title: &r.title,
                    help_uri: r.help_uri.as_deref(),
                    tags: &r.tags,
                })
                .collect();
            let doc = RuleList {
                version: 1,
                rules: list,
            };
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        ListFormat::Human => {
            let width = rules.iter().map(|(_, r)| r.id.len()).max().unwrap_or(0);
            rules.iter().try_for_each(|(_, r)| {
                let sev = if r.enabled() {
                    r.severity.map_or("off", |s| s.as_str())
                } else {
                    "off"
                };
                writeln!(out, "{:<width$}  {:<7}  {}", r.id, sev, r.title)
            })
        }
    };
    written(result, "standard output", ExitCode::SUCCESS)
}

fn explain(args: ExplainArgs) -> ExitCode {
    let rules = match load_for_listing(args.rules) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let Some(rule) = rules.get(&args.rule_id) else {
        let family: Vec<_> = rules
            .matching(&args.rule_id)
            .map(|i| rules[i].id.clone())
            .collect();
        return if family.is_empty() {
            untrusted(format!(
                "no rule `{}` (run `template-validator rules` for the list)",
                args.rule_id
            ))
        } else {
            untrusted(format!(
                "`{}` is a family; its rules: {}",
                args.rule_id,
                family.join(", ")
            ))
        };
    };
    let mut text = format!(
        "# {}\n\n{}\n\nseverity: {} · family: {} · kind: {}",
        rule.id, rule.title, rule.default_severity, rule.family, rule.kind
    );
    if !rule.tags.is_empty() {
        text.push_str(&format!(" · tags: {}", rule.tags.join(", ")));
    }
    text.push_str(&format!("\n\n{}\n", rule.help));
    if let Some(uri) = &rule.help_uri {
        text.push_str(&format!("\nSee {uri}\n"));
    }
    let result = anstream::stdout().lock().write_all(text.as_bytes());
    written(result, "standard output", ExitCode::SUCCESS)
}

fn context(args: ContextArgs) -> ExitCode {
    let mut out = anstream::stdout().lock();
    match crate::dockerignore::report::run(&args.path, &args.dockerfile, args.format, &mut out) {
        Ok(diagnostics) => {
            let mut err = anstream::stderr();
            for d in diagnostics {
                let _ = writeln!(err, "warning: {}: {}", d.path, d.message);
            }
            written(out.flush(), "standard output", ExitCode::SUCCESS)
        }
        Err(crate::dockerignore::report::RunError::Write(e)) => {
            written(Err(e), "standard output", ExitCode::SUCCESS)
        }
        Err(e) => untrusted(e),
    }
}
