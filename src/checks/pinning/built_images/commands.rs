//! Build commands on a command line (`docker build -t …`, kaniko `--destination …`,
//! `docker tag …`) and the literal variable definitions of a file that their tags use.

use crate::checks::pinning::shell::lex::strip_comment;
use std::cell::OnceCell;
use std::collections::HashMap;

use crate::checks::pinning::vars::Vars;
use crate::parse::template;
use crate::static_regex;
use crate::walk::Repo;

/// Stands for a variable without a known value in a resolved tag.
pub(super) const UNKNOWN: char = '\u{1}';

static_regex!(
    /// A literal definition: shell `NAME=value` / `export NAME=value`, Makefile
    /// `NAME ?= value` / `:=` / `=`, YAML `NAME: value` (also `- NAME=value`), Dockerfile-style
    /// `ENV`/`ARG`.
    DEF = r#"(?m)^[ \t]*(?:-[ \t]+)?(?:export[ \t]+|ENV[ \t]+|ARG[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\?=|::=|:=|=|:[ \t])[ \t]*["']?([^\s"'#]+)"#
);

static_regex!(
    /// A variable reference: `${{ env.NAME }}` (GitHub), `$(NAME)` (make), `${NAME}` with an
    /// optional `:-default`, `$NAME`. Template placeholders are replaced first.
    VAR = r"\$\{\{\s*(?:env\.)?([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}|\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)"
);

/// The literal values a file gives its variables, and the template's defaults; each read
/// from the file only when a tag first needs it.
pub(super) struct Defs<'t> {
    text: &'t str,
    values: OnceCell<HashMap<String, Vec<String>>>,
    /// Where the template's variables are looked up (`None`: nowhere).
    template_of: Option<(&'t Repo, &'t str)>,
    template: OnceCell<Option<Vars>>,
}

impl<'t> Defs<'t> {
    pub(super) fn new(text: &'t str, repo: &'t Repo, path: &'t str) -> Defs<'t> {
        Defs {
            template_of: Some((repo, path)),
            ..Defs::literal(text)
        }
    }

    /// The literal definitions of `text` alone.
    pub(super) fn literal(text: &'t str) -> Defs<'t> {
        Defs {
            text,
            values: OnceCell::new(),
            template_of: None,
            template: OnceCell::new(),
        }
    }

    fn values(&self) -> &HashMap<String, Vec<String>> {
        self.values.get_or_init(|| {
            let mut values: HashMap<String, Vec<String>> = HashMap::new();
            for c in DEF.captures_iter(self.text) {
                let (Some(name), Some(value)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                let value = value.as_str().trim_end_matches([';', ',']);
                // A GitHub expression or template tag cut at its first space: not literal.
                if value.contains("{{") && !value.contains("}}") {
                    continue;
                }
                let list = values.entry(name.as_str().to_owned()).or_default();
                if list.len() < 4 {
                    list.push(value.to_owned());
                }
            }
            values
        })
    }

    fn template(&self) -> Option<&Vars> {
        self.template
            .get_or_init(|| {
                let (repo, path) = self.template_of?;
                template::has_template(self.text).then(|| Vars::for_file(repo, path))
            })
            .as_ref()
    }

    /// `s` with every variable replaced by its value, or by [`UNKNOWN`].
    pub(super) fn resolve(&self, s: &str) -> String {
        if !s.contains('$') && !s.contains("{{") {
            return s.to_owned();
        }
        self.resolve_at(s, 0)
    }

    fn resolve_at(&self, s: &str, depth: usize) -> String {
        let mut out = String::new();
        let mut last = 0;
        let s = self.untemplate(s);
        for c in VAR.captures_iter(&s) {
            let Some(m) = c.get(0) else { continue };
            out.push_str(&s[last..m.start()]);
            last = m.end();
            let name = [1, 2, 3, 5]
                .into_iter()
                .find_map(|i| c.get(i))
                .map_or("", |n| n.as_str());
            let value = (depth < 4)
                .then(|| self.value_of(name, depth))
                .flatten()
                .or_else(|| c.get(4).map(|d| self.resolve_at(d.as_str(), depth + 1)))
                .filter(|v| !v.is_empty());
            match value {
                Some(v) => out.push_str(&v),
                None => out.push(UNKNOWN),
            }
        }
        out.push_str(&s[last..]);
        out
    }

    /// The first definition of `name` that resolves without an unknown part.
    fn value_of(&self, name: &str, depth: usize) -> Option<String> {
        self.values()
            .get(name)?
            .iter()
            .map(|v| self.resolve_at(v, depth + 1))
            .find(|v| !v.contains(UNKNOWN) && !v.is_empty())
    }

    /// Template placeholders (`{{ cookiecutter.slug }}`) replaced by their defaults.
    fn untemplate(&self, s: &str) -> String {
        let Some(vars) = self.template().filter(|_| s.contains("{{")) else {
            return s.to_owned();
        };
        let mut out = String::new();
        let mut rest = s;
        while let Some((range, var)) = template::placeholder(rest) {
            out.push_str(&rest[..range.start]);
            match vars.default_of(var) {
                Some(d) => out.push_str(d),
                None => out.push(UNKNOWN),
            }
            rest = &rest[range.end..];
        }
        out.push_str(rest);
        out
    }
}

/// Words of a line: split at white space, except inside `{{ … }}` and `$( … )`; quotes
/// and a trailing `,` (a JSON string, a YAML flow item) are not part of a word.
fn words(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut depth = 0usize;
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' | b'(' => depth += 1,
            b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c.is_ascii_whitespace() && depth == 0 {
            if let Some(s) = start.take() {
                out.push(&line[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out.into_iter()
        .map(|w| w.trim_matches(['"', '\'', '`']).trim_end_matches(','))
        .map(|w| w.trim_matches(['"', '\'']))
        .collect()
}

/// Lines with their continuations (`\` at the end) joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        // A commented-out build (`# docker build -t app .`) tags nothing.
        let t = strip_comment(line).trim_end();
        match t.strip_suffix('\\') {
            Some(body) => {
                cur.push_str(body);
                cur.push(' ');
            }
            None => {
                cur.push_str(t);
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_separator(w: &str) -> bool {
    matches!(w, "&&" | "||" | ";" | "|" | "&" | ")" | "then" | "do") || w.ends_with(';')
}

/// The container engines whose `build` tags an image.
fn is_engine(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word);
    matches!(base, "docker" | "podman" | "nerdctl" | "buildah" | "img")
}

/// The value of a flag among `flags` at `words[i]`: `-t X`, `--tag X`, `--tag=X`.
fn flag_value<'w>(words: &[&'w str], i: usize, flags: &[&str]) -> Option<&'w str> {
    let w = words[i];
    for f in flags {
        if w == *f {
            return words.get(i + 1).copied();
        }
        if let Some(v) = w.strip_prefix(f).and_then(|r| r.strip_prefix('=')) {
            return Some(v);
        }
    }
    None
}

/// Collect the tags of every build command in `text` (resolved with `defs`) into `tags`,
/// and `docker tag SRC DST` pairs into `retags`.
pub(super) fn scan(
    text: &str,
    defs: &Defs,
    tags: &mut Vec<String>,
    retags: &mut Vec<(String, String)>,
) {
    for line in logical_lines(text) {
        if !(line.contains("build")
            || line.contains("bud")
            || line.contains("--destination")
            || line.contains(" tag "))
        {
            continue;
        }
        let words = words(&line);
        let resolved: Vec<String> = words.iter().map(|w| defs.resolve(w)).collect();
        let mut i = 0;
        while i < words.len() {
            let engine = is_engine(&resolved[i]);
            let kaniko = resolved[i].ends_with("executor");
            let pack = resolved[i].rsplit('/').next() == Some("pack");
            if !engine && !kaniko && !pack {
                i += 1;
                continue;
            }
            let end = (i + 1..words.len())
                .find(|&j| is_separator(words[j]))
                .unwrap_or(words.len());
            let args = &resolved[i + 1..end];
            if kaniko {
                collect_flags(args, &["--destination", "-d"], tags);
            } else if pack {
                buildpack(args, tags);
            } else {
                command(args, tags, retags);
            }
            i = end + 1;
        }
    }
}

/// The arguments of an engine: `build …`, `buildx build …`, `image build …`, `bud …`,
/// `tag SRC DST`.
fn command(args: &[String], tags: &mut Vec<String>, retags: &mut Vec<(String, String)>) {
    let plain: Vec<(usize, &str)> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.starts_with('-'))
        .map(|(i, a)| (i, a.as_str()))
        .collect();
    let Some(&(sub_at, sub)) = plain.first() else {
        return;
    };
    let builds = match sub {
        "build" | "bud" => true,
        "buildx" | "image" | "builder" => plain.get(1).is_some_and(|(_, s)| *s == "build"),
        "tag" => {
            if let (Some((_, src)), Some((_, dst))) = (plain.get(1), plain.get(2)) {
                retags.push(((*src).to_owned(), (*dst).to_owned()));
            }
            false
        }
        _ => false,
    };
    if builds {
        collect_flags(&args[sub_at + 1..], &["--tag", "-t"], tags);
    }
}

/// Cloud Native Buildpacks: `pack build <image> [--tag <image>…]`.
fn buildpack(args: &[String], tags: &mut Vec<String>) {
    let mut plain = args.iter().filter(|a| !a.starts_with('-'));
    if plain.next().map(String::as_str) == Some("build") {
        if let Some(image) = plain.next() {
            tags.push(image.clone());
        }
        collect_flags(args, &["--tag", "-t"], tags);
    }
}

fn collect_flags(args: &[String], flags: &[&str], tags: &mut Vec<String>) {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    for i in 0..words.len() {
        if let Some(v) = flag_value(&words, i, flags) {
            tags.push(v.to_owned());
        } else if let Some(v) = words[i].strip_prefix("-t")
            && flags.contains(&"-t")
            && !v.is_empty()
            && !v.starts_with('=')
        {
            tags.push(v.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags_of(text: &str) -> (Vec<String>, Vec<(String, String)>) {
        let (mut tags, mut retags) = (Vec::new(), Vec::new());
        scan(text, &Defs::literal(text), &mut tags, &mut retags);
        (tags, retags)
    }

    #[test]
    fn build_commands() {
        let (t, _) = tags_of("docker build -t myorg/app:dev .\npodman build --tag=a/b -f x .\n");
        assert_eq!(t, ["myorg/app:dev", "a/b"]);
        let (t, _) = tags_of("sudo docker buildx build --push \\\n  -t ghcr.io/o/app:1 .");
        assert_eq!(t, ["ghcr.io/o/app:1"]);
        let (t, _) =
            tags_of("# docker build -t myorg/old .\n  - run: echo hi # docker build -t x/y .\n");
        assert!(t.is_empty(), "{t:?}");
        let (t, _) = tags_of("docker run -t node:20 && docker build . && echo -t x");
        assert!(t.is_empty(), "{t:?}");
        let (t, r) = tags_of("docker tag app:1 registry.example.com/app:1");
        assert!(t.is_empty());
        assert_eq!(r.len(), 1);
        let (t, _) = tags_of("pack build myorg/fn --builder paketobuildpacks/builder:base");
        assert_eq!(t, ["myorg/fn"]);
        let (t, _) = tags_of("/kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE:1\"");
        assert_eq!(t, [format!("{UNKNOWN}:1")]);
    }

    #[test]
    fn variables() {
        let text = "IMG ?= controller:latest\nCONTAINER_TOOL ?= docker\n\tdocker-build:\n\t$(CONTAINER_TOOL) build -t ${IMG} .\n";
        let (t, _) = tags_of(text);
        assert_eq!(t, ["controller:latest"]);
        let text = "env:\n  IMAGE: myorg/api\nsteps:\n  - run: docker build -t ${{ env.IMAGE }}:${{ github.sha }} .\n";
        let (t, _) = tags_of(text);
        assert_eq!(t, [format!("myorg/api:{UNKNOWN}")]);
        let text = "IMAGE=\"${IMAGE:-myorg/tool}\"\ndocker build -t \"$IMAGE:$TAG\" .\n";
        let (t, _) = tags_of(text);
        assert_eq!(t, [format!("myorg/tool:{UNKNOWN}")]);
    }
}
