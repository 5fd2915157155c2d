//! Baselines: accept the findings a repository has today, fail only on new ones.
//!
//! `template-validator baseline PATH --output FILE` records the current findings by
//! fingerprint; `verify --baseline FILE` marks those findings suppressed (they leave the
//! counts and the exit code; SARIF keeps them as suppressed so code scanning does not
//! close and reopen their alerts) and reports entries that are gone as notes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Outcome;
use crate::finding::{Finding, fnv1a64};
use crate::fsread::{self, ReadError, Scope};
use crate::rules::RuleSet;
use crate::util::clip_message;

pub const FIXED_RULE: &str = "core/baseline-fixed";

/// The version `baseline` writes: fingerprints of version 2, where no secret material
/// enters a fingerprint. Version 1 files are still read (see [`Baseline::apply`]).
pub const VERSION: u32 = 2;

/// Why a baseline file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{}: cannot read: {source}", path.display())]
    Read { path: PathBuf, source: ReadError },
    #[error("{}:{}: not a baseline file: {}", path.display(), source.line(), short(source))]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{}: baseline version {version} is not supported (expected 1 or {VERSION}); record it again with `template-validator baseline PATH --output FILE`",
        path.display()
    )]
    Version { path: PathBuf, version: u32 },
}

/// A parse error, clipped: it may quote the input (an unknown field).
fn short(e: &serde_json::Error) -> String {
    let mut detail = e.to_string();
    clip_message(&mut detail);
    detail
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule_id: String,
    pub path: Option<String>,
    pub message: String,
}

impl Baseline {
    pub fn from_outcome(outcome: &Outcome, rules: &RuleSet) -> Baseline {
        Baseline {
            version: VERSION,
            findings: outcome
                .active()
                .map(|f| Entry {
                    fingerprint: f.fingerprint.clone(),
                    rule_id: rules[f.rule].id.clone(),
                    path: f.location.path.clone(),
                    message: f.message.clone(),
                })
                .collect(),
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = fsread::read_to_string(path, Scope::Anywhere, fsread::USER_DATA_MAX).map_err(
            |source| BaselineError::Read {
                path: path.to_owned(),
                source,
            },
        )?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
                path: path.to_owned(),
                source,
            })?;
        if !(1..=VERSION).contains(&baseline.version) {
            return Err(BaselineError::Version {
                path: path.to_owned(),
                version: baseline.version,
            });
        }
        Ok(baseline)
    }

    /// A version 1 fingerprint of a finding on a line holding a secret hashed the raw
    /// line; version 2 hashes the redacted one. A v1 entry that matches no fingerprint is
    /// matched instead by rule, path and message (messages show a secret only redacted),
    /// one finding per entry, and counts as present under its old fingerprint.
    fn rekey_v1(&self, outcome: &mut Outcome, rules: &RuleSet, present: &mut HashSet<String>) {
        let mut open: HashMap<(&str, Option<&str>, &str), Vec<&str>> = HashMap::new();
        for e in self
            .findings
            .iter()
            .filter(|e| !present.contains(&e.fingerprint))
        {
            open.entry((&e.rule_id, e.path.as_deref(), &e.message))
                .or_default()
                .push(&e.fingerprint);
        }
        for f in outcome.findings.iter_mut().filter(|f| !f.suppressed) {
            let key = (
                rules[f.rule].id.as_str(),
                f.location.path.as_deref(),
                f.message.as_str(),
            );
            if let Some(old) = open.get_mut(&key).and_then(Vec::pop) {
                f.suppressed = true;
                present.insert(old.to_owned());
            }
        }
    }

    /// Suppress the findings the baseline accepts; add a note for each entry of an enabled
    /// rule that is gone.
    pub fn apply(&self, outcome: &mut Outcome, rules: &RuleSet) {
        outcome.baselined = true;
        let accepted: HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let mut present = HashSet::new();
        for f in &mut outcome.findings {
            if accepted.contains(f.fingerprint.as_str()) {
                f.suppressed = true;
                present.insert(f.fingerprint.clone());
            }
        }
        if self.version == 1 {
            self.rekey_v1(outcome, rules, &mut present);
        }
        let Some(fixed_idx) = rules.index_of(FIXED_RULE).filter(|&i| rules[i].enabled()) else {
            return;
        };
        let fixed = &rules[fixed_idx];
        let severity = fixed.severity.unwrap_or(fixed.default_severity);
        for entry in &self.findings {
            let rule_enabled = rules.get(&entry.rule_id).is_some_and(|r| r.enabled());
            if !rule_enabled || present.contains(&entry.fingerprint) {
                continue;
            }
            let place = entry
                .path
                .as_deref()
                .map_or(String::new(), |p| format!(" in `{p}`"));
            let mut note = Finding::repository(
                fixed_idx,
                format!(
                    "baselined finding of `{}`{place} is gone: {}",
                    entry.rule_id, entry.message
                ),
            );
            note.severity = severity;
            note.fingerprint = format!("{:016x}", fnv1a64(&[FIXED_RULE, &entry.fingerprint]));
            outcome.findings.push(note);
        }
        crate::engine::sort_findings(rules, &mut outcome.findings);
    }
}
