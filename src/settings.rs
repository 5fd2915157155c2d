//! Settings, in two stages: the configuration file and the command line are read, then
//! resolved once into a configured [`RuleSet`] and walk options that the engine trusts.

use std::path::{Path, PathBuf};

use crate::checks;
use crate::config::{self, Config, PackRoot, RenderProfile};
use crate::error::ConfigError;
use crate::fsread::{self, Scope};
use crate::rules::{Origin, RuleOverride, RuleSet, selector_matches};
use crate::walk::WalkOptions;

/// What the command line says about rules and configuration.
#[derive(Debug, Default, Clone)]
pub struct RuleArgs {
    /// `--config FILE`; else `ROOT/.template-validator.toml` when it exists.
    pub config: Option<PathBuf>,
    /// `--rules FILE`: extra packs.
    pub packs: Vec<PathBuf>,
    /// `--select`: replaces the configuration's `select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the configuration's `ignore`.
    pub ignore: Vec<String>,
}

impl RuleArgs {
    /// Reject a `--select` that names no rule: `--select ''` or `--select ,,` (what an unset
    /// CI variable gives) would otherwise turn every rule off and pass. Empty items between
    /// commas are skipped, in `--select` and `--ignore` alike.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match &self.select {
            Some(values) if split(values).all(|s| s.trim_end_matches('/').is_empty()) => {
                Err(ConfigError::new(
                    "--select",
                    "names no rule (an empty value, or only commas: an unset variable?); \
                 give rule ids or families, or leave `--select` out to run every rule",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// What the command line says about a scan (`verify`, `baseline`, `audit`): the rules, the
/// files walked and whether warnings fail.
#[derive(Debug, Default, Clone)]
pub struct ScanArgs {
    pub rules: RuleArgs,
    /// `--no-ignore`: also walk what `.gitignore` excludes.
    pub no_ignore: bool,
    /// `--no-render`: check template units at their source only.
    pub no_render: bool,
    /// Walker threads; `0` is one per core.
    pub threads: usize,
    /// `--strict`: warnings fail too (the configuration's `strict` may say so as well).
    pub strict: bool,
}

/// Everything a scan runs with, resolved once from the configuration and the command line.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    pub rules: RuleSet,
    pub walk: WalkOptions,
    /// `--strict`, or `strict = true` in the configuration.
    pub strict: bool,
}

/// Read the configuration (see [`load_config`]; `root` is the scanned repository) and load
/// the rules for a scan (see [`load_scan_rules`]), then derive the walk options and the
/// strictness from both.
pub fn resolve(args: &ScanArgs, root: Option<&Path>) -> Result<Settings, ConfigError> {
    let config = load_config(&args.rules, root)?;
    let rules = load_scan_rules(&args.rules, &config)?;
    let walk = WalkOptions {
        git_ignore: !args.no_ignore,
        exclude: config.exclude.iter().map(|l| l.value.clone()).collect(),
        threads: args.threads,
        render_templates: !args.no_render,
        render_profiles: render_profiles(&config)?.into(),
        ..WalkOptions::default()
    };
    let strict = args.strict || config.strict.unwrap_or(false);
    Ok(Settings {
        config,
        rules,
        walk,
        strict,
    })
}

/// Find and read the configuration file. `root` is the scanned repository (or the folder
/// the command runs in), where the default file is looked for.
///
/// The default file, `ROOT/.template-validator.toml`, belongs to the repository: it must be
/// a regular file inside it (links resolved), and so must the packs it names. `--config
/// FILE` is the user's choice and may be anywhere; its packs may be anywhere too, unless
/// FILE itself lies inside the scanned repository, whose content it then is.
pub fn load_config(args: &RuleArgs, root: Option<&Path>) -> Result<Config, ConfigError> {
    match &args.config {
        Some(path) => {
            let mut config = Config::load(path, None)?;
            if let Some(root) = root
                && let Ok(root) = root.canonicalize()
                && let Ok(file) = path.canonicalize()
                && let Ok(rel) = file.strip_prefix(&root)
            {
                config.pack_root = Some(PackRoot {
                    dir: rel.parent().unwrap_or(Path::new("")).to_owned(),
                    root,
                });
            }
            Ok(config)
        }
        None => match root {
            Some(root) if fsread::exists_in(root, Path::new(config::FILE_NAME)) => {
                Config::load(Path::new(config::FILE_NAME), Some(root))
            }
            _ => Ok(Config::default()),
        },
    }
}

/// Read a rule pack: one the configuration names (`origin`), confined to the repository
/// when the configuration is the repository's; else one named with `--rules`.
fn read_pack(path: &Path, origin: Option<&Origin>, config: &Config) -> Result<String, ConfigError> {
    read_named(path, origin, config).map_err(|e| match origin {
        Some(o) => o
            .error(format!("cannot read rule pack `{}`: {e}", path.display()))
            .key("packs"),
        None => ConfigError::new(
            path.display().to_string(),
            format!("cannot read rule pack: {e}"),
        ),
    })
}

/// Read a file the configuration names (`origin`: a pack, a values file), confined to the
/// repository when the configuration is the repository's; else one named on the command
/// line.
fn read_named(
    path: &Path,
    origin: Option<&Origin>,
    config: &Config,
) -> Result<String, fsread::ReadError> {
    match (origin, &config.pack_root) {
        (Some(_), Some(pack_root)) => {
            // `path` is the configuration's folder joined with the entry: the entry alone,
            // relative to the repository.
            let base = config
                .path
                .as_deref()
                .and_then(Path::parent)
                .unwrap_or(Path::new(""));
            let entry = path.strip_prefix(base).unwrap_or(path);
            fsread::read_to_string(
                &pack_root.dir.join(entry),
                Scope::Root(&pack_root.root),
                config::MAX_SIZE,
            )
        }
        _ => fsread::read_to_string(path, Scope::Anywhere, config::MAX_SIZE),
    }
}

/// The configuration's render profiles, each `values_file` read and parsed.
fn render_profiles(config: &Config) -> Result<Vec<RenderProfile>, ConfigError> {
    let mut out = config.render.clone();
    for (i, p) in out.iter_mut().enumerate() {
        let Some(file) = &p.values_file else {
            continue;
        };
        let shown = file.value.display().to_string();
        let key = format!("template.render[{i}].values_file");
        let text = read_named(&file.value, Some(&file.origin), config).map_err(|e| {
            file.origin
                .error(format!("cannot read values file `{shown}`: {e}"))
                .key(&key)
        })?;
        p.values = crate::templates::profiles::parse_answers(&shown, &text).map_err(|e| {
            file.origin
                .error(format!("values file `{shown}`: {e}"))
                .key(&key)
        })?;
    }
    Ok(out)
}

/// [`load_rules`] for a scan (`verify`, `baseline`, `audit`): also an error when no rule
/// beyond the engine's own (`core/`) is left enabled, since such a gate checks nothing and
/// always passes. Listing rules (`rules`, `explain`) does not need this.
pub fn load_scan_rules(args: &RuleArgs, config: &Config) -> Result<RuleSet, ConfigError> {
    let rules = load_rules(args, config)?;
    let checks_something = rules
        .iter()
        .any(|(_, r)| r.enabled() && !r.id.starts_with("core/"));
    if checks_something {
        return Ok(rules);
    }
    let message = "no rule is left enabled (select, ignore and severities turn every check \
                   off): a run that checks nothing would always pass";
    let err = if args.select.is_some() {
        ConfigError::new("--select", message)
    } else if let Some(origin) = config.select.as_ref().and(config.select_origin.as_ref()) {
        origin.error(message).key("select")
    } else if let Some(path) = &config.path {
        ConfigError::new(path.display().to_string(), message)
    } else {
        ConfigError::new("--ignore", message)
    };
    Err(err)
}

/// Load the built-in packs, the configuration's packs and `--rules` packs, then apply the
/// configuration and the command line. Every rule's parameters are validated.
pub fn load_rules(args: &RuleArgs, config: &Config) -> Result<RuleSet, ConfigError> {
    let mut rules = RuleSet::builtin()?;
    let packs = config
        .packs
        .iter()
        .map(|p| (p.value.clone(), Some(&p.origin)))
        .chain(args.packs.iter().map(|p| (p.clone(), None)));
    for (path, origin) in packs {
        let text = read_pack(&path, origin, config)?;
        let first = rules.len();
        rules.add_pack(&path.display().to_string(), &text)?;
        check_kinds(&rules, first)?;
    }
    args.validate()?;
    apply_rule_settings(&mut rules, config)?;
    apply_selection(&mut rules, args, config)?;
    // Validate what the user wrote (their packs, parameters set in the configuration) now,
    // whether or not it is enabled; the built-in rules are covered by the test suite.
    checks::build(&rules, |r| !r.builtin || !r.overrides.is_empty())?;
    Ok(rules)
}

/// The rules from index `first` on, read from a user's pack, declare kinds a pack can use.
fn check_kinds(rules: &RuleSet, first: usize) -> Result<(), ConfigError> {
    for (_, rule) in rules.iter().skip(first) {
        if checks::kind(&rule.kind).is_none_or(|k| k.internal()) {
            return Err(rule
                .origin
                .at_key("kind")
                .error(format!(
                    "unknown kind `{}` (known kinds: {})",
                    rule.kind,
                    checks::kind_names().join(", ")
                ))
                .key("kind"));
        }
    }
    Ok(())
}

fn apply_rule_settings(rules: &mut RuleSet, config: &Config) -> Result<(), ConfigError> {
    // Less specific keys first, so a rule's own settings win over its family's.
    let mut entries: Vec<_> = config.rules.iter().collect();
    entries.sort_by_key(|e| e.key.len());
    for entry in entries {
        let matched: Vec<_> = rules.matching(&entry.key).collect();
        if matched.is_empty() {
            return Err(entry
                .origin
                .error("no rule or family has this id")
                .key(format!("rules.\"{}\"", entry.key)));
        }
        let exact = matched.len() == 1 && rules[matched[0]].id == entry.key;
        for key in entry.params.keys() {
            let accepted = matched
                .iter()
                .any(|&i| checks::kind(&rules[i].kind).is_some_and(|k| k.accepts(key)));
            if !accepted && !exact {
                return Err(entry
                    .origin
                    .at_key(key)
                    .error("no rule it applies to takes this parameter")
                    .key(format!("rules.\"{}\".{key}", entry.key)));
            }
        }
        for idx in matched {
            let rule = rules.rule_mut(idx);
            if let Some(sev) = entry.severity {
                rule.severity = sev;
                rule.severity_configured = true;
            }
            let kind = checks::kind(&rule.kind);
            let params: toml::Table = entry
                .params
                .iter()
                .filter(|(k, _)| exact || kind.is_some_and(|kind| kind.accepts(k)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !params.is_empty() {
                rule.overrides.push(RuleOverride {
                    origin: entry.origin.clone(),
                    key: entry.key.clone(),
                    params,
                });
            }
        }
    }
    Ok(())
}

struct Selector {
    text: String,
    select: bool,
    origin: Origin,
}

fn split(values: &[String]) -> impl Iterator<Item = String> + '_ {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// `select`/`ignore`: the most specific matching entry decides; on a tie, `ignore` wins.
/// Without any `select`, every rule is selected; `core/` rules are selected unless named.
fn apply_selection(
    rules: &mut RuleSet,
    args: &RuleArgs,
    config: &Config,
) -> Result<(), ConfigError> {
    let mut selectors = Vec::new();
    let select_given = args.select.is_some() || config.select.is_some();
    match &args.select {
        Some(cli) => selectors.extend(split(cli).map(|text| Selector {
            text,
            select: true,
            origin: Origin::named("--select", None),
        })),
        None => selectors.extend(config.select.iter().flatten().map(|l| Selector {
            text: l.value.trim().to_owned(),
            select: true,
            origin: l.origin.clone(),
        })),
    }
    selectors.extend(config.ignore.iter().map(|l| Selector {
        text: l.value.trim().to_owned(),
        select: false,
        origin: l.origin.clone(),
    }));
    selectors.extend(split(&args.ignore).map(|text| Selector {
        text,
        select: false,
        origin: Origin::named("--ignore", None),
    }));
    for s in &selectors {
        let key = if s.select { "select" } else { "ignore" };
        // An empty item of the configuration file, or `/` alone (`split` drops the command
        // line's empty items).
        if s.text.trim_end_matches('/').is_empty() {
            return Err(s
                .origin
                .error("an empty rule id; write a rule id or a family, or remove the item")
                .key(key));
        }
        if rules.matching(&s.text).next().is_none() {
            return Err(s
                .origin
                .error(format!("no rule or family is named `{}`", s.text))
                .key(key));
        }
    }
    let ids: Vec<_> = rules.iter().map(|(i, r)| (i, r.id.clone())).collect();
    for (idx, id) in ids {
        let decision = selectors
            .iter()
            .filter(|s| selector_matches(&s.text, &id))
            .max_by_key(|s| (s.text.trim_end_matches('/').len(), !s.select))
            .map(|s| s.select);
        // The engine's own rules (`core/`) report on the run, not on a family: a `select`
        // of other families leaves them on; only naming them turns them off.
        let default = !select_given || id.starts_with("core/");
        rules.rule_mut(idx).selected = decision.unwrap_or(default);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(Path::new("c.toml"), text).unwrap()
    }

    fn enabled(rules: &RuleSet) -> Vec<&str> {
        rules
            .iter()
            .filter(|(_, r)| r.enabled())
            .map(|(_, r)| r.id.as_str())
            .collect()
    }

    #[test]
    fn most_specific_selector_wins() {
        let args = RuleArgs {
            select: Some(vec!["required-files/readme,required-files/license".into()]),
            ignore: vec!["required-files".into()],
            ..Default::default()
        };
        let rules = load_rules(&args, &Config::default()).unwrap();
        // `core/` rules report on the run and stay on unless named.
        assert_eq!(
            enabled(&rules),
            [
                "core/baseline-fixed",
                "core/suppression-without-reason",
                "required-files/readme",
                "required-files/license"
            ]
        );
    }

    #[test]
    fn cli_select_replaces_config_select_and_ignore_adds() {
        let c = config(
            "select = [\"required-files/readme\"]\nignore = [\"required-files/gitignore\"]\n",
        );
        let args = RuleArgs {
            select: Some(vec!["required-files".into()]),
            ignore: vec!["required-files/codeowners".into()],
            ..Default::default()
        };
        let rules = load_rules(&args, &c).unwrap();
        let on = enabled(&rules);
        assert!(on.contains(&"required-files/license"));
        assert!(!on.contains(&"required-files/gitignore"));
        assert!(!on.contains(&"required-files/codeowners"));
        assert!(on.contains(&"required-files/codeowners-syntax"));
    }

    #[test]
    fn severity_off_and_family_params() {
        let c = config(
            "[rules.\"required-files/readme\"]\nseverity = \"off\"\n[rules.required-files]\nroot = \"sub\"\nseverity = \"note\"\n",
        );
        let rules = load_rules(&RuleArgs::default(), &c).unwrap();
        let readme = rules.get("required-files/readme").unwrap();
        assert_eq!(readme.severity, None);
        assert!(!readme.enabled());
        let license = rules.get("required-files/license").unwrap();
        assert_eq!(license.severity, Some(crate::finding::Severity::Note));
        assert_eq!(license.merged_params()["root"].as_str(), Some("sub"));
    }

    #[test]
    fn a_selection_must_leave_a_rule_on() {
        for value in ["", ",,", " / "] {
            let args = RuleArgs {
                select: Some(vec![value.into()]),
                ..Default::default()
            };
            let e = load_scan_rules(&args, &Config::default()).unwrap_err();
            assert_eq!(e.origin, "--select", "{e}");
        }
        let e = load_scan_rules(&RuleArgs::default(), &config("\nselect = []\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("select")), "{e}");
        // Listing is fine: it shows every rule off.
        load_rules(&RuleArgs::default(), &config("select = []\n")).unwrap();
        let e = load_rules(&RuleArgs::default(), &config("ignore = [\"\"]\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("ignore")), "{e}");
    }

    #[test]
    fn config_errors_name_line_and_key() {
        let e = load_rules(&RuleArgs::default(), &config("\nselect = [\"nope\"]\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("select")), "{e}");
        let e = load_rules(
            &RuleArgs::default(),
            &config("[rules.\"x/y\"]\nseverity = \"off\"\n"),
        )
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("rules.\"x/y\""), "{e}");
        let e = load_rules(
            &RuleArgs::default(),
            &config("\n[rules.\"required-files/readme\"]\nnames = 3\n"),
        )
        .unwrap_err();
        assert_eq!(e.origin, "c.toml", "{e}");
        assert_eq!(
            e.key.as_deref(),
            Some("rules.\"required-files/readme\""),
            "{e}"
        );
        let e = load_rules(
            &RuleArgs::default(),
            &config("[rules.required-files]\nnmaes = []\n"),
        )
        .unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some("rules.\"required-files\".nmaes"),
            "{e}"
        );
        let e = load_rules(
            &RuleArgs {
                select: Some(vec!["bogus".into()]),
                ..Default::default()
            },
            &Config::default(),
        )
        .unwrap_err();
        assert_eq!(e.origin, "--select");
    }

    #[test]
    fn builtin_rules_declare_known_kinds_and_valid_parameters() {
        let rules = RuleSet::builtin().expect("built-in packs are valid");
        check_kinds(&rules, 0).expect_err("the engine's rules are of an internal kind");
        for (_, r) in rules.iter() {
            assert!(checks::kind(&r.kind).is_some(), "{}: {}", r.id, r.kind);
        }
        // `load_rules` only re-checks rules a user changed: the built-in ones are checked here.
        assert!(checks::build(&rules, |_| true).is_ok());
    }
}
