//! What a unit declares about itself: defaults, its version and release channel, the
//! answers file copier needs for updates, and the hooks a static check never runs.

use crate::templates::{Engine, Unit, Variable};
use crate::util::join_path;
use crate::walk::Repo;

use super::usage::files_under;

/// Variables the user must type in because nothing gives them a value.
pub fn defaults_missing(unit: &Unit) -> Vec<(&Variable, String)> {
    unit.variables
        .iter()
        .filter(|v| v.default.is_none() && !v.computed)
        .map(|v| {
            (
                v,
                format!(
                    "`{}` has no default: a non-interactive run ({}) cannot generate a project",
                    v.name,
                    match unit.engine {
                        Engine::Copier => "`copier copy --defaults`",
                        Engine::CargoGenerate => "`cargo generate --silent`",
                        Engine::Cookiecutter => "`cookiecutter --no-input`",
                        _ => "CI, a smoke test",
                    }
                ),
            )
        })
        .collect()
}

/// The declared version when it is not semver or does not fit its channel: (where it is
/// declared, message).
pub fn version_problem(repo: &Repo, unit: &Unit) -> Option<(String, String)> {
    let version = unit.meta.version.as_deref()?;
    let config = join_path(&unit.source_root, ".template-config.yaml");
    let at = if repo.file(&config).is_some() {
        config
    } else {
        unit.manifest.clone()
    };
    let v = match semver::Version::parse(version) {
        Ok(v) => v,
        Err(e) => {
            return Some((
                at,
                format!("version `{version}` is not a semantic version (MAJOR.MINOR.PATCH): {e}"),
            ));
        }
    };
    let pre = v.pre.as_str();
    let problem = match unit.meta.channel.as_deref() {
        Some("security") if !pre.starts_with("security") => {
            Some("a `security` release is `X.Y.Z-security…`")
        }
        Some("alpha") if !is_alpha(pre) => Some("an `alpha` release is `X.Y.Z-alpha.YYYYMMDD`"),
        Some("stable") if !pre.is_empty() => Some("a `stable` release has no pre-release part"),
        _ => None,
    }?;
    Some((
        at,
        format!(
            "version `{version}` does not fit channel `{}`: {problem}",
            unit.meta.channel.as_deref().unwrap_or_default()
        ),
    ))
}

/// `alpha.YYYYMMDD` with a plausible date.
fn is_alpha(pre: &str) -> bool {
    let Some(date) = pre.strip_prefix("alpha.") else {
        return false;
    };
    let d = date.as_bytes();
    d.len() == 8
        && d.iter().all(u8::is_ascii_digit)
        && matches!(
            &date[4..6],
            "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
        )
        && date[6..8]
            .parse::<u8>()
            .is_ok_and(|day| (1..=31).contains(&day))
}

/// Copier only updates a project that records its answers: the template needs a file
/// named `{{ _copier_conf.answers_file }}` (with the templates suffix).
pub fn answers_file_missing(repo: &Repo, unit: &Unit) -> Option<String> {
    if unit.engine != Engine::Copier {
        return None;
    }
    let found = files_under(repo, &unit.project_root).any(|p| {
        let name = p.rsplit('/').next().unwrap_or(p);
        name.replace(' ', "")
            .contains("{{_copier_conf.answers_file}}")
    });
    (!found).then(|| {
        let suffix = unit.templates_suffix.as_deref().unwrap_or("");
        format!(
            "no `{{{{ _copier_conf.answers_file }}}}{suffix}` in `{}`: projects made from this template cannot be updated with `copier update`",
            if unit.project_root.is_empty() { "." } else { &unit.project_root }
        )
    })
}

/// Hooks or tasks the unit runs when a project is generated: (where, message), once per
/// unit.
pub fn hooks(repo: &Repo, unit: &Unit) -> Option<(String, String)> {
    let what = match unit.engine {
        Engine::Cookiecutter => {
            let dir = join_path(&unit.source_root, "hooks");
            let hook = files_under(repo, &dir).find(|p| {
                let name = p.rsplit('/').next().unwrap_or(p);
                ["pre_prompt.", "pre_gen_project.", "post_gen_project."]
                    .iter()
                    .any(|h| name.starts_with(h))
            })?;
            return Some((
                hook.to_owned(),
                "the template's hooks change the generated project; they are not run here, so the checked render may hold files the hooks remove".to_owned(),
            ));
        }
        Engine::Copier => top_level_key(repo, &unit.manifest, &["_tasks:", "_migrations:"])?,
        Engine::CargoGenerate => top_level_key(repo, &unit.manifest, &["[hooks]"])?,
        _ => return None,
    };
    Some((
        unit.manifest.clone(),
        format!(
            "`{what}` runs commands when a project is generated; they are not run here, so the checked render may differ from what users get"
        ),
    ))
}

/// The first of `keys` that starts a line of the manifest (a top-level key).
fn top_level_key(repo: &Repo, manifest: &str, keys: &[&str]) -> Option<String> {
    let file = repo.read_for_scan(repo.file(manifest)?)?;
    file.text().lines().find_map(|l| {
        keys.iter()
            .find(|k| l.starts_with(**k))
            .map(|k| k.trim_end_matches(':').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::is_alpha;

    #[test]
    fn alpha_versions_carry_a_date() {
        assert!(is_alpha("alpha.20261207"));
        assert!(!is_alpha("alpha.1"));
        assert!(!is_alpha("alpha.20261307"));
        assert!(!is_alpha("beta.20261207"));
    }
}
