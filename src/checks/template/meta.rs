//! What a unit declares about itself: defaults, its version and release channel, the
//! answers file copier needs for updates, and the hooks a static check never runs.

use crate::templates::config::{self, Channel};
use crate::templates::profiles;
use crate::templates::{Engine, Unit, Variable};
use crate::util::join_path;
use crate::walk::Repo;

use super::usage::files_under;

/// Variables the user must type in because nothing gives them a value: no default, and no
/// render profile (the configuration's, an answer file) answers them.
pub fn defaults_missing<'u>(repo: &Repo, unit: &'u Unit) -> Vec<(&'u Variable, String)> {
    let answered = profiles::answered(repo, unit);
    unit.variables
        .iter()
        // A Helm starter's `<CHARTNAME>` is the chart name `helm create` is given.
        .filter(|v| v.default.is_none() && !v.computed && unit.engine != Engine::HelmStarter)
        .filter(|v| !answered.contains(&v.name))
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
/// declared, its line or 0, message).
pub fn version_problem(repo: &Repo, unit: &Unit) -> Option<(String, u32, String)> {
    let version = unit.meta.version.as_deref()?;
    let channel = match unit.meta.channel.as_deref() {
        Some("stable") => Some(Channel::Stable),
        Some("security") => Some(Channel::Security),
        Some("alpha") => Some(Channel::Alpha),
        _ => None,
    };
    let problem = config::version_problem(version, channel)?;
    let file = join_path(&unit.source_root, ".template-config.yaml");
    let path = if repo.file(&file).is_some() {
        file
    } else {
        unit.manifest.clone()
    };
    let line = repo
        .file(&path)
        .and_then(|e| repo.read_for_scan(e))
        .and_then(|f| {
            f.lines()
                .find(|(_, _, l)| l.starts_with("version:"))
                .map(|(n, _, _)| n)
        })
        .unwrap_or(0);
    Some((path, line, format!("version {problem}")))
}

/// Copier only updates a project that records its answers: the template needs a file
/// named `{{ _copier_conf.answers_file }}` (with the templates suffix).
pub fn answers_file_missing(repo: &Repo, unit: &Unit) -> Option<String> {
    if unit.engine != Engine::Copier {
        return None;
    }
    let found = files_under(repo, &unit.project_root).any(|p| {
        let name = p.rsplit('/').next().unwrap_or(p);
        // With any delimiters (`_envops`): `[[ _copier_conf.answers_file ]].jinja`.
        name.contains("_copier_conf.answers_file")
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
