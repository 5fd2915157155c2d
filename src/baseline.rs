//! Baselines: accept the findings a repository has today, fail only on new ones.
//!
//! `template-validator baseline PATH --output FILE` records the current findings by
//! fingerprint; `verify --baseline FILE` marks those findings suppressed (they leave the
//! counts and the exit code; SARIF keeps them as suppressed so code scanning does not
//! close and reopen their alerts) and reports entries that are gone as notes.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::Outcome;
use crate::finding::{Finding, fnv1a64};
use crate::fsread::{self, Scope};
use crate::rules::RuleSet;
use crate::walk::DEFAULT_MAX_FILE_SIZE;

pub const FIXED_RULE: &str = "core/baseline-fixed";

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
            version: 1,
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

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let shown = path.display();
        let text = fsread::read_to_string(path, Scope::Anywhere, DEFAULT_MAX_FILE_SIZE)
            .map_err(|e| format!("{shown}: cannot read: {e}"))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("{shown}:{}: not a baseline file: {e}", e.line()))?;
        if baseline.version != 1 {
            return Err(format!(
                "{shown}: baseline version {} is not supported (expected 1)",
                baseline.version
            ));
        }
        Ok(baseline)
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
