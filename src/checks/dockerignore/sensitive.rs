//! `dockerignore/sensitive-in-context`: secrets and VCS metadata the context sends, each
//! with the line that excludes it.

use std::collections::BTreeMap;

use super::{Analysed, literal_line, root_only_line};
use crate::dockerignore::context::{KEY_NAMES, KEY_SUFFIXES, Sensitive, sensitive_unit};
use crate::finding::{Finding, RuleIdx};
use crate::util::plural;

/// The line that excludes a sensitive unit (relative to the context).
fn exclusion_for(class: Sensitive, unit: &str) -> String {
    let (dir, name) = unit.rsplit_once('/').map_or(("", unit), |(d, n)| (d, n));
    let anywhere = |n: &str| {
        if dir.is_empty() {
            n.to_owned()
        } else {
            format!("**/{n}")
        }
    };
    match class {
        Sensitive::Vcs => anywhere(name),
        Sensitive::Env if name == ".env" => anywhere(".env"),
        Sensitive::Env => anywhere(".env.*"),
        Sensitive::Key => match KEY_SUFFIXES.iter().find(|e| name.ends_with(*e)) {
            Some(e) => format!("**/*{e}"),
            None => {
                let base = KEY_NAMES
                    .iter()
                    .find(|k| name.starts_with(*k))
                    .copied()
                    .unwrap_or(name);
                format!("**/{base}*")
            }
        },
        Sensitive::Credentials | Sensitive::SecretsFolder => literal_line(unit),
    }
}

pub(super) fn sensitive(rule: RuleIdx, a: &Analysed<'_>, out: &mut Vec<Finding>) {
    // Per sensitive unit (a file, or a folder for folder classes): how many files, whether
    // it is a folder, and its first file — where the finding points, since code scanning
    // and annotations need a file.
    let mut units: BTreeMap<(String, Sensitive), (usize, bool, String)> = BTreeMap::new();
    for f in &a.listing.files {
        if let Some((class, unit)) = sensitive_unit(&f.path) {
            let e = units
                .entry((unit.to_owned(), class))
                .or_insert_with(|| (0, false, f.path.clone()));
            e.0 += 1;
            e.1 |= unit != f.path;
        }
    }
    for ((unit, class), (count, folder, first)) in units {
        let what = if folder {
            format!(
                "`{}/` ({}, {})",
                a.ctx.repo_path(&unit),
                class.describe(),
                plural(count, "file")
            )
        } else {
            format!("`{}` ({})", a.ctx.repo_path(&unit), class.describe())
        };
        let line = exclusion_for(class, &unit);
        let why = a
            .ignore
            .as_ref()
            .and_then(|(_, _, f)| root_only_line(f, &line))
            .map_or(String::new(), |p| {
                format!(
                    " (`{}` on line {} matches only at the context root)",
                    p.text, p.line
                )
            });
        out.push(
            Finding::file(
                rule,
                &a.ctx.repo_path(&first),
                format!(
                    "{what} is sent in {}; add `{line}` at the end of `{}`{why}",
                    a.built_from(),
                    a.ignore_name()
                ),
            )
            .with_fingerprint_key(a.ctx.shown()),
        );
    }
}
