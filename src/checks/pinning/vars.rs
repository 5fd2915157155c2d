//! Template variables and their defaults, so that a templated reference
//! (`uses: actions/checkout@{{ cookiecutter.checkout_ref }}`) can be judged by the value a
//! rendered project gets when nobody changes it.
//!
//! Read from the nearest `cookiecutter.json` above the file, or `copier.yml`/`copier.yaml`
//! at the repository root.

use std::collections::HashMap;

use crate::walk::Repo;

#[derive(Debug, Default)]
pub(crate) struct Vars {
    /// Variable name (without `cookiecutter.`) → default value.
    defaults: HashMap<String, String>,
    /// The file the defaults came from.
    pub source: Option<String>,
}

impl Vars {
    pub fn for_file(repo: &Repo, path: &str) -> Vars {
        let mut dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        loop {
            let candidate = if dir.is_empty() {
                "cookiecutter.json".to_owned()
            } else {
                format!("{dir}/cookiecutter.json")
            };
            if let Some(v) = load_cookiecutter(repo, &candidate) {
                return v;
            }
            if dir.is_empty() {
                break;
            }
            dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
        }
        for name in ["copier.yml", "copier.yaml"] {
            if let Some(v) = load_copier(repo, name) {
                return v;
            }
        }
        Vars::default()
    }

    /// The default of a template variable named as written in a tag
    /// (`cookiecutter.node_tag`, `node_tag | lower`), when it has a plain default.
    pub fn default_of(&self, expr: &str) -> Option<&str> {
        let name = expr
            .split(['|', ' ', '(', '['])
            .next()
            .unwrap_or_default()
            .trim();
        let name = name.strip_prefix("cookiecutter.").unwrap_or(name);
        let v = self.defaults.get(name)?;
        (!v.contains("{{") && !v.contains("{%")).then_some(v.as_str())
    }
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        // A choice variable defaults to its first option.
        serde_json::Value::Array(a) => a.first().and_then(scalar),
        _ => None,
    }
}

fn load_cookiecutter(repo: &Repo, path: &str) -> Option<Vars> {
    let entry = repo.file(path)?;
    let file = repo.read_for_scan(entry)?;
    let json: serde_json::Value = serde_json::from_str(file.text()).ok()?;
    let defaults = json
        .as_object()?
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
        .collect();
    Some(Vars {
        defaults,
        source: Some(path.to_owned()),
    })
}

fn load_copier(repo: &Repo, path: &str) -> Option<Vars> {
    let entry = repo.file(path)?;
    let file = repo.read_for_scan(entry)?;
    let docs = crate::parse::yaml::parse(file.text()).ok()?;
    let mut defaults = HashMap::new();
    for doc in &docs {
        for (k, v) in doc.as_map().unwrap_or_default() {
            let Some(name) = k.str() else { continue };
            if name.starts_with('_') {
                continue;
            }
            let value = match v.get("default") {
                Some(d) => d.str(),
                None => v.str(),
            };
            if let Some(value) = value {
                defaults.insert(name.to_owned(), value.to_owned());
            }
        }
    }
    Some(Vars {
        defaults,
        source: Some(path.to_owned()),
    })
}
