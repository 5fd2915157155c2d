//! The Jinja environment the Jinja engines share (cookiecutter, copier, Backstage's
//! Nunjucks where it is Jinja-compatible), its errors as problems, and the Backstage
//! skeleton render.

use std::path::PathBuf;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde_json::Map;

use super::ordered::{Ordered, map_value};
use super::tree::{Run, fnmatch, is_binary};
use super::{MAX_FILE_SIZE, ProblemKind, RenderError, join};
use crate::fsread::{self, Scope};
use crate::templates::{Syntax, Unit};
use indexmap::IndexMap;

/// The instructions one render may run: far more than any real template needs, a bound
/// against a loop that would not end in time.
const FUEL: u64 = 5_000_000;

/// How an engine sets Jinja up.
pub(crate) struct Setup {
    pub strict: bool,
    pub syntax: SyntaxConfig,
    pub cookiecutter: bool,
    pub ansible: bool,
    /// Repository folders `{% include %}` and `{% import %}` look in, in order.
    pub loader_dirs: Vec<String>,
}

/// The standard syntax with the trailing newline kept (as every engine sets it).
pub(crate) fn standard_syntax() -> SyntaxConfig {
    SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .unwrap_or_default()
}

pub(crate) fn environment(run: &Run, setup: Setup) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(if setup.strict {
        UndefinedBehavior::Strict
    } else {
        UndefinedBehavior::Lenient
    });
    env.set_syntax(setup.syntax);
    // The engines never escape (minijinja would by the template name's extension).
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_recursion_limit(200);
    env.set_fuel(Some(FUEL));
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    minijinja_contrib::add_to_environment(&mut env);
    if setup.cookiecutter {
        super::filters::add_cookiecutter(&mut env);
    }
    if setup.ansible {
        super::filters::add_ansible(&mut env);
    }
    let root: PathBuf = run.repo_root.clone();
    let dirs = setup.loader_dirs;
    env.set_loader(move |name| {
        for dir in &dirs {
            let path = join(dir, name);
            match fsread::read_to_string(
                std::path::Path::new(&path),
                Scope::Root(&root),
                MAX_FILE_SIZE,
            ) {
                Ok(text) => return Ok(Some(text)),
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::TemplateNotFound,
                        format!("{path}: {}", e.diagnostic()),
                    ));
                }
            }
        }
        Ok(None)
    });
    env
}

/// The syntax a template's Jinja settings ask for (cookiecutter's `_jinja2_env_vars`,
/// copier's `_envops`, named `setting` in notes); a setting not modelled is a note.
pub(crate) fn jinja_settings(
    run: &mut Run,
    manifest: &str,
    setting: &str,
    ops: Option<&IndexMap<String, Ordered>>,
) -> SyntaxConfig {
    const KNOWN: &[&str] = &[
        "block_start_string",
        "block_end_string",
        "variable_start_string",
        "variable_end_string",
        "comment_start_string",
        "comment_end_string",
        "trim_blocks",
        "lstrip_blocks",
        "keep_trailing_newline",
        "line_statement_prefix",
        "line_comment_prefix",
        // Read by the engine's own code (undefined behaviour), or without effect on
        // plain-text output.
        "undefined",
        "autoescape",
    ];
    let mut b = SyntaxConfig::builder();
    b.keep_trailing_newline(true);
    let Some(ops) = ops else {
        return b.build().unwrap_or_default();
    };
    let s = |k: &str, d: &str| {
        ops.get(k)
            .and_then(Ordered::as_str)
            .unwrap_or(d)
            .to_string()
    };
    let flag = |k: &str, d: bool| match ops.get(k) {
        Some(Ordered::Bool(b)) => *b,
        _ => d,
    };
    b.block_delimiters(s("block_start_string", "{%"), s("block_end_string", "%}"))
        .variable_delimiters(
            s("variable_start_string", "{{"),
            s("variable_end_string", "}}"),
        )
        .comment_delimiters(
            s("comment_start_string", "{#"),
            s("comment_end_string", "#}"),
        )
        .trim_blocks(flag("trim_blocks", false))
        .lstrip_blocks(flag("lstrip_blocks", false))
        .keep_trailing_newline(flag("keep_trailing_newline", true));
    if let Some(p) = ops.get("line_statement_prefix").and_then(Ordered::as_str) {
        b.line_statement_prefix(p.to_string());
    }
    if let Some(p) = ops.get("line_comment_prefix").and_then(Ordered::as_str) {
        b.line_comment_prefix(p.to_string());
    }
    for key in ops.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
        run.problem(
            ProblemKind::NotModelled,
            manifest,
            None,
            format!("not modelled: the Jinja setting `{setting}.{key}`"),
        );
    }
    match b.build() {
        Ok(c) => c,
        Err(e) => {
            run.problem(
                ProblemKind::RenderFailed,
                manifest,
                None,
                format!("`{setting}`: {e}"),
            );
            standard_syntax()
        }
    }
}

/// The problem a Jinja error makes: its kind, line and message.
pub(crate) fn classify(err: &Error) -> (ProblemKind, Option<u32>, String) {
    let detail = err.detail().unwrap_or_default();
    let not_modelled = match err.kind() {
        ErrorKind::UnknownFilter
        | ErrorKind::UnknownTest
        | ErrorKind::UnknownFunction
        | ErrorKind::UnknownMethod => true,
        ErrorKind::SyntaxError => detail.contains("unknown statement"),
        // `"%02d" % day`: Python's string formatting.
        ErrorKind::InvalidOperation => detail.contains('%'),
        ErrorKind::OutOfFuel => true,
        _ => false,
    };
    let mut message = err.kind().to_string();
    if !detail.is_empty() {
        message = format!("{message}: {detail}");
    }
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        message = format!("{message}; {c}");
        cause = c.source();
    }
    let kind = if not_modelled {
        message = format!("not modelled: {message}");
        ProblemKind::NotModelled
    } else {
        ProblemKind::RenderFailed
    };
    (
        kind,
        err.line().and_then(|l| u32::try_from(l).ok()),
        message,
    )
}

/// Render `text` (the template `name`), recording a failure against `source`.
pub(crate) fn render_text(
    run: &mut Run,
    env: &Environment<'_>,
    source: &str,
    text: &str,
    ctx: &Value,
) -> Option<String> {
    match env.render_named_str(source, text, ctx) {
        Ok(s) => Some(s),
        Err(e) => {
            let (kind, line, message) = classify(&e);
            run.problem(kind, source, line, message);
            None
        }
    }
}

/// Jinja's newline normalisation: `\r\n` and `\r` become `\n`.
pub(crate) fn normalize_newlines(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    }
}

/// A Backstage `fetch:template` skeleton: Nunjucks with `${{ values.x }}`; every file
/// rendered except the `copyWithoutRender` globs.
pub(crate) fn render_backstage(
    run: &mut Run,
    unit: &Unit,
    values: &Map<String, serde_json::Value>,
) -> Result<(), RenderError> {
    let mut builder = SyntaxConfig::builder();
    builder.keep_trailing_newline(true);
    if let Syntax::Tags(d) = &unit.syntax {
        builder
            .block_delimiters(d.block.0.clone(), d.block.1.clone())
            .variable_delimiters(d.variable.0.clone(), d.variable.1.clone())
            .comment_delimiters(d.comment.0.clone(), d.comment.1.clone());
    } else {
        builder.variable_delimiters("${{", "}}");
    }
    let syntax = builder.build().unwrap_or_else(|_| standard_syntax());
    let env = environment(
        run,
        Setup {
            strict: false,
            syntax,
            cookiecutter: false,
            ansible: false,
            loader_dirs: vec![unit.project_root.clone()],
        },
    );
    let mut answers = serde_json::Map::new();
    for v in &unit.variables {
        if let Some(d) = &v.default {
            answers.insert(v.name.clone(), d.clone());
        }
    }
    answers.extend(values.clone());
    let namespace = unit
        .namespace
        .clone()
        .unwrap_or_else(|| "values".to_string());
    let ctx = map_value([(namespace, Value::from(minijinja::value::Serde(&answers)))]);
    for rel in run.files_under(&unit.project_root) {
        let source = join(&unit.project_root, &rel);
        let Some(bytes) = run.read(&source) else {
            continue;
        };
        let name = render_text(run, &env, &source, &rel, &ctx);
        let Some(name) = name else { continue };
        let copy = unit.not_rendered.iter().any(|g| fnmatch(&rel, g)) || is_binary(&bytes);
        if copy {
            run.write(&name, &source, &bytes)?;
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Some(out) = render_text(run, &env, &source, &text, &ctx) {
            run.write(&name, &source, out.as_bytes())?;
        }
    }
    Ok(())
}
