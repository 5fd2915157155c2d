//! `rules` and `explain`: the loaded rules, listed or explained.

use std::io::Write;
use std::process::ExitCode;

use super::args::{ExplainArgs, RuleFlags, RulesArgs, RulesFormat, SchemaArgs, SchemaFile};
use super::{Error, written};
use crate::rules::RuleSet;
use crate::settings::{self, RuleArgs};

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

/// The rules with the configuration of the current folder (or `--config`) and `--rules`.
fn load_for_listing(flags: RuleFlags) -> Result<RuleSet, Error> {
    let args = RuleArgs {
        config: flags.config,
        packs: flags.packs,
        ..RuleArgs::default()
    };
    let config = settings::load_config(&args, Some(std::path::Path::new(".")))?;
    Ok(settings::load_rules(&args, &config)?)
}

pub(super) fn list_rules(args: RulesArgs) -> Result<ExitCode, Error> {
    let rules = load_for_listing(args.rules)?;
    let mut out = anstream::stdout().lock();
    let result = match args.format {
        RulesFormat::Json => {
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
        RulesFormat::Markdown => out.write_all(markdown(&rules).as_bytes()),
        RulesFormat::Human => {
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
    written(result, "standard output")?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn explain(args: ExplainArgs) -> Result<ExitCode, Error> {
    let rules = load_for_listing(args.rules)?;
    let Some(rule) = rules.get(&args.rule_id) else {
        let family: Vec<_> = rules
            .matching(&args.rule_id)
            .map(|i| rules[i].id.clone())
            .collect();
        return Err(if family.is_empty() {
            Error::UnknownRule(args.rule_id)
        } else {
            Error::Family {
                family: args.rule_id,
                rules: family,
            }
        });
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
    written(result, "standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// One table per family, in pack order, each between `<!-- rules:<family> -->` markers so
/// that README.md can hold them verbatim (a test compares).
pub fn markdown(rules: &RuleSet) -> String {
    let mut families: Vec<&str> = Vec::new();
    for (_, r) in rules.iter() {
        if !families.contains(&r.family.as_str()) {
            families.push(&r.family);
        }
    }
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::new();
    for family in families {
        out.push_str(&format!(
            "<!-- rules:{family} (generated: template-validator rules --format markdown) -->\n"
        ));
        out.push_str("| id | severity | title |\n|---|---|---|\n");
        for (_, r) in rules.iter().filter(|(_, r)| r.family == family) {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                r.id,
                r.default_severity,
                cell(&r.title)
            ));
        }
        out.push_str(&format!("<!-- /rules:{family} -->\n\n"));
    }
    out.pop();
    out
}

pub(super) fn schema(args: SchemaArgs) -> Result<ExitCode, Error> {
    let doc = match args.file {
        SchemaFile::Rules => crate::schema::rules(),
        SchemaFile::Config => crate::schema::config(&RuleSet::builtin()?),
        SchemaFile::TemplateConfig => crate::schema::template_config(),
    };
    let result = anstream::stdout()
        .lock()
        .write_all(crate::schema::to_text(&doc).as_bytes());
    written(result, "standard output")?;
    Ok(ExitCode::SUCCESS)
}
