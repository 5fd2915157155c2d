//! What a Dockerfile takes from its build context: the sources of `COPY` and `ADD`
//! instructions without `--from` (those copy from another stage or image).

use super::context::normalize_rel;

/// One source of a `COPY`/`ADD`, relative to the context root (cleaned; `""` is the whole
/// context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    pub path: String,
    pub line: u32,
}

/// The context sources of every `COPY`/`ADD` of `text`.
pub fn copy_sources(text: &str) -> Vec<CopySource> {
    let mut escape = '\\';
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    let mut directives = true;
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim();
        if directives {
            if let Some(d) = trimmed.strip_prefix('#') {
                if let Some((k, v)) = d.split_once('=')
                    && k.trim().eq_ignore_ascii_case("escape")
                {
                    escape = v.trim().chars().next().unwrap_or('\\');
                }
                continue;
            }
            directives = false;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // Join continuation lines (comment lines inside are dropped).
        let mut full = String::new();
        let mut current = trimmed.to_owned();
        loop {
            match current.trim_end().strip_suffix(escape) {
                Some(head) => {
                    full.push_str(head);
                    full.push(' ');
                    let mut next = None;
                    for (_, l) in lines.by_ref() {
                        let t = l.trim();
                        if t.starts_with('#') {
                            continue;
                        }
                        next = Some(t.to_owned());
                        break;
                    }
                    match next {
                        Some(n) => current = n,
                        None => break,
                    }
                }
                None => {
                    full.push_str(&current);
                    break;
                }
            }
        }
        let mut words = full.splitn(2, char::is_whitespace);
        let keyword = words.next().unwrap_or("").to_ascii_uppercase();
        if keyword != "COPY" && keyword != "ADD" {
            continue;
        }
        let rest = words.next().unwrap_or("").trim();
        let mut args: Vec<String> = Vec::new();
        let mut rest_words = rest;
        // Flags come first.
        let mut from = false;
        loop {
            let t = rest_words.trim_start();
            if !t.starts_with("--") {
                rest_words = t;
                break;
            }
            let (flag, after) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
            if flag.starts_with("--from") {
                from = true;
            }
            rest_words = after;
        }
        if from || rest_words.contains("<<") {
            continue;
        }
        if rest_words.starts_with('[') {
            if let Ok(v) = serde_json::from_str::<Vec<String>>(rest_words) {
                args = v;
            }
        } else {
            args = rest_words.split_whitespace().map(str::to_owned).collect();
        }
        if args.len() < 2 {
            continue;
        }
        args.pop();
        for src in args {
            if src.contains("://") || src.starts_with("git@") {
                continue;
            }
            out.push(CopySource {
                path: normalize_rel(src.trim_start_matches('/')),
                line: i as u32 + 1,
            });
        }
    }
    out
}

/// Go's `filepath.Match` for one path segment (as COPY sources use it), close enough for
/// deciding what a source names.
fn segment_match(pattern: &str, name: &str) -> bool {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher().is_match(name))
        .unwrap_or(pattern == name)
}

/// Whether `source` names `path` or something inside it (`target/*.jar` for `target`).
pub fn names_within(source: &str, path: &str) -> bool {
    if source.is_empty() || path.is_empty() {
        return false;
    }
    let s: Vec<&str> = source.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    s.len() >= p.len() && p.iter().zip(&s).all(|(p, s)| segment_match(s, p))
}

/// Whether `source` names `path` or a folder that holds it (`src` for `src/assets`).
pub fn holds(source: &str, path: &str) -> bool {
    if source.is_empty() || path.is_empty() {
        return false;
    }
    let s: Vec<&str> = source.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    s.len() <= p.len() && p.iter().zip(&s).all(|(p, s)| segment_match(s, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        let df = "# syntax=docker/dockerfile:1\nFROM maven AS build\nCOPY pom.xml ./\nCOPY src ./src\nRUN mvn package\nFROM eclipse-temurin\nCOPY --from=build /app/target/*.jar /app.jar\ncopy --chown=1:1 \\\n  target/*.jar \\\n  # comment\n  /opt/\nADD [\"a b\", \"./c/\", \"/dst\"]\nADD https://example.com/x.tgz /x\nCOPY . .\nCOPY <<EOF /x\nhi\nEOF\n";
        let got: Vec<String> = copy_sources(df).into_iter().map(|s| s.path).collect();
        assert_eq!(got, vec!["pom.xml", "src", "target/*.jar", "a b", "c", ""]);
        assert!(names_within("target/*.jar", "target"));
        assert!(!names_within("src", "src/node_modules"));
        assert!(holds("src", "src/assets"));
        assert!(!holds("data/big", "data"));
        assert!(names_within("data/big", "data"));
        assert!(!holds("", "data"));
    }
}
