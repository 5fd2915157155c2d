//! The command line: arguments, dispatch, exit codes.
//!
//! Exit codes: 0 no failing findings, 1 failing findings, 2 the run cannot be trusted.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anstream::ColorChoice;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine;
use crate::report::{self, Format, Report};
use crate::rules::RuleSet;
use crate::settings::{self, RuleArgs};
use crate::walk::WalkOptions;

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

#[derive(Args)]
struct VerifyArgs {
    /// The repository to check.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Warnings fail the run too.
    #[arg(long)]
    strict: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    rules: RuleFlags,
    /// Only these rules or families (repeatable, comma-separated); replaces the config's `select`.
    #[arg(long, value_name = "ID_OR_PREFIX")]
    select: Vec<String>,
    /// Skip these rules or families (repeatable, comma-separated); adds to the config's `ignore`.
    #[arg(long, value_name = "ID_OR_PREFIX")]
    ignore: Vec<String>,
    /// Also scan files that .gitignore excludes (.git/ is always skipped).
    #[arg(long)]
    no_ignore: bool,
    /// Worker threads [default: number of cores].
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print only findings: no summary line, no warnings about unreadable files.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct RulesArgs {
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
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
        Command::Rules(args) => list_rules(args),
        Command::Explain(args) => explain(args),
        Command::Context(args) => context(args),
    }
}

fn rule_args(flags: RuleFlags, select: Vec<String>, ignore: Vec<String>) -> RuleArgs {
    RuleArgs {
        config: flags.config,
        packs: flags.packs,
        select: (!select.is_empty()).then_some(select),
        ignore,
    }
}

fn verify(args: VerifyArgs) -> ExitCode {
    let color = match args.color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    };
    color.write_global();
    let rule_args = rule_args(args.rules, args.select, args.ignore);
    let config = match settings::load_config(&rule_args, Some(&args.path)) {
        Ok(c) => c,
        Err(e) => return untrusted(e),
    };
    let rules = match settings::load_rules(&rule_args, &config) {
        Ok(r) => r,
        Err(e) => return untrusted(e),
    };
    let strict = args.strict || config.strict.unwrap_or(false);
    let walk = WalkOptions {
        git_ignore: !args.no_ignore,
        exclude: config.exclude.iter().map(|l| l.value.clone()).collect(),
        threads: args.jobs.unwrap_or(0),
        ..WalkOptions::default()
    };
    let outcome = match engine::scan(&args.path, &rules, &walk) {
        Ok(o) => o,
        Err(e) => return untrusted(e),
    };
    if !args.quiet {
        let mut err = anstream::stderr();
        for d in &outcome.diagnostics {
            let _ = writeln!(err, "warning: {}: {}", d.path, d.message);
        }
    }
    let report = Report {
        rules: &rules,
        outcome: &outcome,
        strict,
        quiet: args.quiet,
    };
    let written_report = match &args.output {
        Some(path) => std::fs::File::create(path).and_then(|f| {
            let choice = if matches!(args.color, Color::Always) {
                ColorChoice::Always
            } else {
                ColorChoice::Never
            };
            let mut out = std::io::BufWriter::new(anstream::AutoStream::new(f, choice));
            report::write(args.format, &report, &mut out)?;
            out.flush()
        }),
        None => {
            let mut out = anstream::stdout().lock();
            report::write(args.format, &report, &mut out).and_then(|()| out.flush())
        }
    };
    let target = args
        .output
        .as_ref()
        .map_or("standard output".to_owned(), |p| p.display().to_string());
    let code = if outcome.fails(strict) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    written(written_report, &target, code)
}

/// `code` once the output is written; exit 2 when it could not be. A closed pipe
/// (`… | head`) is the reader's choice, not a failure.
fn written(result: std::io::Result<()>, target: &str, code: ExitCode) -> ExitCode {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            untrusted(format!("cannot write to {target}: {e}"))
        }
        _ => code,
    }
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
    let args = rule_args(flags, Vec::new(), Vec::new());
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
        Format::Json => {
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
        Format::Human => {
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
