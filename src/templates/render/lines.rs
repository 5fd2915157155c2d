//! From a line of a rendered file back to the source line it came from.

use std::sync::LazyLock;

use regex::Regex;

/// A tag or placeholder of any engine: Jinja/Nunjucks/Liquid tags, comments and
/// expressions (`${{ }}` included), devcontainer `${templateOption:x}`.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\$?\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\$\{templateOption:[^}]*\}|\[\[.*?\]\]|\[%.*?%\]",
    )
    .expect("static regex")
});

/// The 1-based source line that rendered line `rendered_line` (1-based) of
/// `rendered_text` comes from: the source lines are matched against it with their tags as
/// wildcards; of several matches the one nearest to the rendered line's position wins.
/// `None` (file level) when the line is blank, out of range or matches no source line.
pub fn source_line(source_text: &str, rendered_text: &str, rendered_line: u32) -> Option<u32> {
    let index = usize::try_from(rendered_line).ok()?.checked_sub(1)?;
    let target = rendered_text.lines().nth(index)?;
    if target.trim().is_empty() {
        return None;
    }
    let mut best: Option<(usize, usize)> = None;
    for (i, line) in source_text.lines().enumerate() {
        if !line_matches(line, target) {
            continue;
        }
        let distance = i.abs_diff(index);
        if best.is_none_or(|(_, d)| distance < d) {
            best = Some((i, distance));
        }
    }
    best.and_then(|(i, _)| u32::try_from(i + 1).ok())
}

/// Whether the source `line`, its tags standing for any text, renders to `target`.
fn line_matches(line: &str, target: &str) -> bool {
    if line == target {
        return true;
    }
    let mut literal = String::new();
    let mut pattern = String::from("^");
    let mut last = 0;
    let mut tags = 0;
    for m in TAG.find_iter(line) {
        let text = &line[last..m.start()];
        literal.push_str(text);
        pattern.push_str(&regex::escape(text));
        pattern.push_str(".*?");
        last = m.end();
        tags += 1;
    }
    if tags == 0 {
        return false;
    }
    let rest = &line[last..];
    literal.push_str(rest);
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    // A line of tags alone matches anything: it tells nothing.
    if literal.trim().is_empty() {
        return false;
    }
    regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 20)
        .build()
        .is_ok_and(|r| r.is_match(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "# {{ cookiecutter.project_name }}\n\
{% if cookiecutter.docker %}\n\
FROM python:{{ cookiecutter.python }}-slim\n\
{% endif %}\n\
token: {{ cookiecutter.token }}\n\
plain line\n\
\n\
token: {{ cookiecutter.other }}\n";

    #[test]
    fn lines_map_back_through_tags() {
        let rendered =
            "# My App\n\nFROM python:3.12-slim\n\ntoken: abc\nplain line\n\ntoken: xyz\n";
        assert_eq!(source_line(SOURCE, rendered, 1), Some(1));
        assert_eq!(source_line(SOURCE, rendered, 3), Some(3));
        assert_eq!(source_line(SOURCE, rendered, 6), Some(6));
        // Two candidates: the nearer one wins.
        assert_eq!(source_line(SOURCE, rendered, 5), Some(5));
        assert_eq!(source_line(SOURCE, rendered, 8), Some(8));
    }

    #[test]
    fn unknown_blank_and_out_of_range_are_file_level() {
        let rendered = "something else\n\n";
        assert_eq!(source_line(SOURCE, rendered, 1), None);
        assert_eq!(source_line(SOURCE, rendered, 2), None);
        assert_eq!(source_line(SOURCE, rendered, 9), None);
        assert_eq!(source_line(SOURCE, rendered, 0), None);
    }

    #[test]
    fn other_engines_placeholders() {
        let src = "image: ${templateOption:imageVariant}\nname = \"{{project-name}}\"\n";
        let out = "image: bookworm\nname = \"demo\"\n";
        assert_eq!(source_line(src, out, 1), Some(1));
        assert_eq!(source_line(src, out, 2), Some(2));
    }
}
