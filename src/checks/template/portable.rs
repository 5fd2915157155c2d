//! Paths Windows cannot check out: a name with `<>:"|?*` or a control character, a name
//! ending in a space or a dot, or a reserved device name (`CON`, `PRN`, `AUX`, `NUL`,
//! `COM1`–`COM9`, `LPT1`–`LPT9`, with or without an extension). Git for Windows refuses
//! such a checkout, so every service generated from the template fails to clone there.

/// Why the path is not portable: the first offending name and the reason.
pub fn problem(path: &str) -> Option<(String, String)> {
    path.split('/')
        .find_map(|name| why(name).map(|reason| (name.to_owned(), reason)))
}

fn why(name: &str) -> Option<String> {
    if let Some(c) = name
        .chars()
        .find(|c| "<>:\"|?*".contains(*c) || c.is_control())
    {
        return Some(if c.is_control() {
            format!("a control character (U+{:04X})", u32::from(c))
        } else {
            format!("`{c}`")
        });
    }
    if name.ends_with(' ') || (name.ends_with('.') && name != "." && name != "..") {
        return Some("a trailing space or dot".to_owned());
    }
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    let upper = stem.to_ascii_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && matches!(upper.as_bytes()[3], b'1'..=b'9'));
    reserved.then(|| format!("the reserved device name `{stem}`"))
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn names_windows_refuses() {
        for p in [
            "{{ cookiecutter.name|lower }}/x",
            "a/{% if x == \"y\" %}f{% endif %}",
            "docs/what?.md",
            "a/b:c",
            "dir./f",
            "f ",
            "src/aux.c",
            "COM1",
            "lpt9.txt",
        ] {
            assert!(problem(p).is_some(), "{p}");
        }
    }

    #[test]
    fn ordinary_and_template_names_are_portable() {
        for p in [
            "{{cookiecutter.project_slug}}/README.md",
            "{% if docker %}Dockerfile{% endif %}",
            ".github/workflows/ci.yml",
            "auxiliary.c",
            "COM10",
            "console/con_main.rs",
            "a/./b",
            "{{ _copier_conf.answers_file }}.jinja",
        ] {
            assert_eq!(problem(p), None, "{p}");
        }
    }
}
