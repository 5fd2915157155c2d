//! What a Jinja-family template (Jinja2, Nunjucks) refers to, read from the engine's own
//! parse tree: every free variable with the attribute path it reads and its byte offset,
//! every filter and test it applies, and the syntax error that stops the engine.
//!
//! Names bound inside the template (`{% set %}`, `{% for %}`, macro arguments, `{% with %}`,
//! imports) are not references. A method call (`x.lower()`, `cookiecutter.update(…)`) reads
//! the object it is called on, not a variable named after the method. Regions inside
//! `{% raw %}` are text.

use std::borrow::Cow;

use minijinja::machinery::{self, ast};
use minijinja::syntax::SyntaxConfig;

use super::Delimiters;

/// A free variable read by the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The variable and the attributes read from it, dotted: `cookiecutter.project_slug`,
    /// `github.sha`, `values.name`; a subscript with a string constant counts as an
    /// attribute.
    pub path: String,
    /// Byte offset of the variable's name in the scanned text.
    pub offset: usize,
}

impl Reference {
    /// The variable itself: the part before the first `.`.
    pub fn root(&self) -> &str {
        self.path.split('.').next().unwrap_or(&self.path)
    }
}

/// A syntax error as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    /// Byte offset where the engine stopped (the start of the offending tag when known).
    pub offset: usize,
}

/// Everything one template text refers to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scan {
    /// In the order of the text.
    pub references: Vec<Reference>,
    /// Filters, tests and global functions used (`slugify`, `to_nice_yaml`, `defined`,
    /// `now(…)`, `range(…)`), with offsets: provided by the engine, not variables.
    pub callables: Vec<(String, usize)>,
    pub error: Option<SyntaxError>,
}

/// Scan `text` written with `delimiters`. Cookiecutter's `{% now … %}` tag (from
/// jinja2-time, loaded by default) is read as the call `now(…)`.
pub fn scan(text: &str, delimiters: &Delimiters) -> Scan {
    let syntax = match syntax_config(delimiters) {
        Ok(s) => s,
        Err(message) => {
            return Scan {
                error: Some(SyntaxError { message, offset: 0 }),
                ..Scan::default()
            };
        }
    };
    let source = rewrite_now_tags(text, delimiters);
    let mut scan = Scan::default();
    match machinery::parse(&source, "template", syntax) {
        Ok(tree) => {
            let mut w = Walker {
                scopes: vec![Vec::new()],
                out: &mut scan,
            };
            w.stmt(&tree);
            scan.references.sort_by_key(|r| r.offset);
            scan.callables.sort_by_key(|f| f.1);
        }
        Err(e) => {
            let offset = e.range().map(|r| r.start).unwrap_or_else(|| {
                e.line()
                    .map(|l| offset_of_line(text, l))
                    .unwrap_or_default()
            });
            scan.error = Some(SyntaxError {
                message: e
                    .detail()
                    .map(str::to_string)
                    .unwrap_or_else(|| e.kind().to_string()),
                offset: offset.min(text.len()),
            });
        }
    }
    scan
}

fn syntax_config(d: &Delimiters) -> Result<SyntaxConfig, String> {
    SyntaxConfig::builder()
        .block_delimiters(d.block.0.clone(), d.block.1.clone())
        .variable_delimiters(d.variable.0.clone(), d.variable.1.clone())
        .comment_delimiters(d.comment.0.clone(), d.comment.1.clone())
        .build()
        .map_err(|e| format!("the template's delimiters cannot be used: {e}"))
}

/// Cookiecutter's `{% now 'utc', '%Y' %}` tag (from jinja2-time, loaded by default) as
/// the call `{{ now('utc', '%Y')}}`, which the engine here can parse and render. The
/// result has the same length, so every offset still points into `text` (unless the tag
/// has no blank before its close: then one byte is added there). Whitespace control
/// marks are kept.
pub fn rewrite_now_tags<'t>(text: &'t str, d: &Delimiters) -> Cow<'t, str> {
    let (open, close) = (d.block.0.as_str(), d.block.1.as_str());
    let (vopen, vclose) = (d.variable.0.as_str(), d.variable.1.as_str());
    if open.len() != vopen.len() || close.len() != vclose.len() || !text.contains("now") {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find(open) {
        let after = &rest[at + open.len()..];
        let Some(tag) = now_tag(after, close) else {
            out.push_str(&rest[..at + open.len()]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..at]);
        out.push_str(vopen);
        out.push_str(tag.lead);
        out.push_str("now(");
        out.push_str(tag.args);
        out.push(')');
        // The `)` takes the place of the first blank before the close.
        out.push_str(
            tag.trail
                .strip_prefix(|c: char| c.is_ascii_whitespace())
                .unwrap_or(tag.trail),
        );
        out.push_str(vclose);
        rest = &after[tag.len..];
        changed = true;
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The parts of a `now` tag after its opening delimiter.
struct NowTag<'a> {
    /// Whitespace control marks and blanks before `now`.
    lead: &'a str,
    /// The arguments, with the blanks before them but the first (which becomes `(`).
    args: &'a str,
    /// Blanks and marks before the close.
    trail: &'a str,
    /// Bytes of the tag after the opening delimiter, the close included.
    len: usize,
}

fn now_tag<'a>(after: &'a str, close: &str) -> Option<NowTag<'a>> {
    let body = after.trim_start_matches(['-', '+']).trim_start();
    let lead = &after[..after.len() - body.len()];
    let b = body
        .strip_prefix("now")?
        .strip_prefix(|c: char| c.is_ascii_whitespace())?;
    let end = b.find(close)?;
    let inner = &b[..end];
    let args = inner.trim_end_matches(['-', '+']).trim_end();
    Some(NowTag {
        lead,
        args,
        trail: &inner[args.len()..],
        len: after.len() - b.len() + end + close.len(),
    })
}

fn offset_of_line(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map(|(i, _)| i + 1)
        .unwrap_or(text.len())
}

struct Walker<'s, 'o> {
    /// Names bound by enclosing constructs, innermost last.
    scopes: Vec<Vec<&'s str>>,
    out: &'o mut Scan,
}

impl<'s> Walker<'s, '_> {
    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(&name))
    }

    fn bind(&mut self, name: &'s str) {
        if let Some(s) = self.scopes.last_mut() {
            s.push(name);
        }
    }

    fn scoped(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(Vec::new());
        f(self);
        self.scopes.pop();
    }

    fn assign(&mut self, target: &ast::Expr<'s>) {
        match target {
            ast::Expr::Var(v) => self.bind(v.id),
            ast::Expr::List(l) => l.items.iter().for_each(|x| self.assign(x)),
            ast::Expr::Tuple(t) => t.items.iter().for_each(|x| self.assign(x)),
            // `{% set ns.x = … %}` reads `ns`.
            other => self.expr(other),
        }
    }

    fn body(&mut self, body: &[ast::Stmt<'s>]) {
        body.iter().for_each(|s| self.stmt(s));
    }

    fn stmt(&mut self, node: &ast::Stmt<'s>) {
        match node {
            ast::Stmt::Template(t) => self.body(&t.children),
            ast::Stmt::EmitExpr(e) => self.expr(&e.expr),
            ast::Stmt::EmitRaw(_) => {}
            ast::Stmt::ForLoop(f) => {
                self.expr(&f.iter);
                self.scoped(|w| {
                    w.bind("loop");
                    w.assign(&f.target);
                    if let Some(e) = &f.filter_expr {
                        w.expr(e);
                    }
                    w.body(&f.body);
                });
                self.scoped(|w| w.body(&f.else_body));
            }
            ast::Stmt::IfCond(i) => {
                self.expr(&i.expr);
                self.scoped(|w| w.body(&i.true_body));
                self.scoped(|w| w.body(&i.false_body));
            }
            ast::Stmt::WithBlock(b) => self.scoped(|w| {
                for (target, e) in &b.assignments {
                    w.expr(e);
                    w.assign(target);
                }
                w.body(&b.body);
            }),
            ast::Stmt::Set(s) => {
                self.expr(&s.expr);
                self.assign(&s.target);
            }
            ast::Stmt::SetBlock(s) => {
                if let Some(f) = &s.filter {
                    self.expr(f);
                }
                self.scoped(|w| w.body(&s.body));
                self.assign(&s.target);
            }
            ast::Stmt::AutoEscape(a) => {
                self.expr(&a.enabled);
                self.scoped(|w| w.body(&a.body));
            }
            ast::Stmt::FilterBlock(f) => {
                self.expr(&f.filter);
                self.scoped(|w| w.body(&f.body));
            }
            ast::Stmt::Block(b) => self.scoped(|w| {
                w.bind("super");
                w.body(&b.body);
            }),
            ast::Stmt::Extends(e) => self.expr(&e.name),
            ast::Stmt::Include(i) => self.expr(&i.name),
            ast::Stmt::Import(i) => {
                self.expr(&i.expr);
                self.assign(&i.name);
            }
            ast::Stmt::FromImport(i) => {
                self.expr(&i.expr);
                for (name, alias) in &i.names {
                    self.assign(alias.as_ref().unwrap_or(name));
                }
            }
            ast::Stmt::Macro(m) => {
                self.bind(m.name);
                self.macro_body(m);
            }
            ast::Stmt::CallBlock(c) => {
                self.call(&c.call);
                self.macro_body(&c.macro_decl);
            }
            ast::Stmt::Continue(_) | ast::Stmt::Break(_) => {}
            ast::Stmt::Do(d) => self.call(&d.call),
        }
    }

    fn macro_body(&mut self, m: &ast::Macro<'s>) {
        m.defaults.iter().for_each(|e| self.expr(e));
        self.scoped(|w| {
            w.bind("caller");
            w.bind("varargs");
            w.bind("kwargs");
            m.args.iter().for_each(|a| w.assign(a));
            w.body(&m.body);
        });
    }

    fn call(&mut self, c: &ast::Call<'s>) {
        match &c.expr {
            // `x.method(…)`: a method of `x`, not an attribute named `method`.
            ast::Expr::GetAttr(g) => self.expr(&g.expr),
            ast::Expr::Var(v) if !self.bound(v.id) => self
                .out
                .callables
                .push((v.id.to_string(), v.span().start_offset as usize)),
            other => self.expr(other),
        }
        for a in &c.args {
            self.arg(a);
        }
    }

    fn arg(&mut self, a: &ast::CallArg<'s>) {
        match a {
            ast::CallArg::Pos(e)
            | ast::CallArg::Kwarg(_, e)
            | ast::CallArg::PosSplat(e)
            | ast::CallArg::KwargSplat(e) => self.expr(e),
        }
    }

    /// The dotted path of a chain of attribute reads ending in a free variable.
    fn path(&self, e: &ast::Expr<'s>) -> Option<(String, usize)> {
        match e {
            ast::Expr::Var(v) if !self.bound(v.id) => {
                Some((v.id.to_string(), v.span().start_offset as usize))
            }
            ast::Expr::GetAttr(g) => {
                let (p, at) = self.path(&g.expr)?;
                Some((format!("{p}.{}", g.name), at))
            }
            ast::Expr::GetItem(g) => {
                let key = match &g.subscript_expr {
                    ast::Expr::Const(c) => c.value.as_str().map(str::to_string)?,
                    _ => return None,
                };
                let (p, at) = self.path(&g.expr)?;
                Some((format!("{p}.{key}"), at))
            }
            _ => None,
        }
    }

    fn expr(&mut self, e: &ast::Expr<'s>) {
        if let Some((path, offset)) = self.path(e) {
            self.out.references.push(Reference { path, offset });
            // A subscript's own expression may read other variables.
            if let ast::Expr::GetItem(g) = e {
                self.expr(&g.subscript_expr);
            }
            return;
        }
        match e {
            ast::Expr::Var(_) | ast::Expr::Const(_) => {}
            ast::Expr::UnaryOp(u) => self.expr(&u.expr),
            ast::Expr::BinOp(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            ast::Expr::Compare(c) => {
                self.expr(&c.expr);
                c.ops.iter().for_each(|op| self.expr(&op.expr));
            }
            ast::Expr::IfExpr(i) => {
                self.expr(&i.test_expr);
                self.expr(&i.true_expr);
                if let Some(f) = &i.false_expr {
                    self.expr(f);
                }
            }
            ast::Expr::Filter(f) => {
                self.out
                    .callables
                    .push((f.name.to_string(), f.span().start_offset as usize));
                if let Some(x) = &f.expr {
                    self.expr(x);
                }
                f.args.iter().for_each(|a| self.arg(a));
            }
            ast::Expr::Test(t) => {
                self.out
                    .callables
                    .push((t.name.to_string(), t.span().start_offset as usize));
                self.expr(&t.expr);
                t.args.iter().for_each(|a| self.arg(a));
            }
            ast::Expr::GetAttr(g) => self.expr(&g.expr),
            ast::Expr::GetItem(g) => {
                self.expr(&g.expr);
                self.expr(&g.subscript_expr);
            }
            ast::Expr::Slice(s) => {
                self.expr(&s.expr);
                for x in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                    self.expr(x);
                }
            }
            ast::Expr::Call(c) => self.call(c),
            ast::Expr::List(l) => l.items.iter().for_each(|x| self.expr(x)),
            ast::Expr::Tuple(t) => t.items.iter().for_each(|x| self.expr(x)),
            ast::Expr::Map(m) => {
                for (k, v) in m.keys.iter().zip(&m.values) {
                    self.expr(k);
                    self.expr(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Language;

    fn jinja() -> Delimiters {
        Delimiters::standard(Language::Jinja)
    }

    fn paths(text: &str) -> Vec<String> {
        scan(text, &jinja())
            .references
            .into_iter()
            .map(|r| r.path)
            .collect()
    }

    #[test]
    fn reads_free_variables_with_their_attribute_paths_and_offsets() {
        let text = "name: {{ cookiecutter.project_slug }}\n{% if cookiecutter['use_docker'] == 'y' %}x{% endif %}";
        let s = scan(text, &jinja());
        assert_eq!(
            s.references,
            vec![
                Reference {
                    path: "cookiecutter.project_slug".into(),
                    offset: 9
                },
                Reference {
                    path: "cookiecutter.use_docker".into(),
                    offset: text.find("cookiecutter[").unwrap_or(0)
                },
            ]
        );
        assert!(s.error.is_none());
    }

    #[test]
    fn names_bound_in_the_template_are_not_references() {
        let text = "{% set n = x %}{{ n }}{% for a, b in items %}{{ a }}{{ loop.index }}{% endfor %}{{ a }}\
                    {% macro m(p) %}{{ p }}{{ caller() }}{% endmacro %}{{ m(1) }}";
        // `a` after the loop is free again.
        assert_eq!(paths(text), ["x", "items", "a"]);
    }

    #[test]
    fn a_method_call_reads_its_object_not_a_variable() {
        assert_eq!(
            paths("{{ cookiecutter.name.lower() }}{% do cookiecutter.update({'k': v}) %}"),
            ["cookiecutter.name", "cookiecutter", "v"]
        );
    }

    #[test]
    fn raw_regions_are_text_and_github_expressions_outside_them_are_references() {
        assert_eq!(
            paths("{% raw %}${{ github.sha }}{% endraw %} ${{ secrets.TOKEN }}"),
            ["secrets.TOKEN"]
        );
    }

    #[test]
    fn filters_tests_and_functions_are_listed() {
        let s = scan(
            "{{ x | slugify }}{% if y is defined %}{% endif %}{{ range(3) }}",
            &jinja(),
        );
        let names: Vec<&str> = s.callables.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["slugify", "defined", "range"]);
    }

    #[test]
    fn the_now_tag_reads_as_a_call_and_offsets_are_kept() {
        let text = "(c) {% now 'utc', '%Y' %} {{ cookiecutter.author }}";
        let s = scan(text, &jinja());
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(
            s.references[0].offset,
            text.find("cookiecutter").unwrap_or(0)
        );
    }

    #[test]
    fn now_tags_keep_their_length_and_whitespace_control() {
        let d = jinja();
        let cases = [
            ("(c) {% now 'utc', '%Y' %} x", "(c) {{ now('utc', '%Y')}} x"),
            ("{%- now 'local' -%}", "{{- now('local')-}}"),
            ("{%  now 'utc' %}", "{{  now('utc')}}"),
        ];
        for (text, want) in cases {
            let got = rewrite_now_tags(text, &d);
            assert_eq!(got, want);
            assert_eq!(got.len(), text.len(), "{text}");
        }
        // No blank before the close: one byte longer.
        assert_eq!(rewrite_now_tags("{% now 'utc'%}", &d), "{{ now('utc')}}");
        for text in ["{% if nowhere %}", "{% now_or_never %}", "now and then"] {
            assert!(
                matches!(rewrite_now_tags(text, &d), Cow::Borrowed(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_syntax_error_names_where_the_engine_stopped() {
        let text = "ok\n{% if x %}\nno end\n";
        let e = scan(text, &jinja()).error.expect("an error");
        assert!(
            e.message.contains("endif") || e.message.contains("end"),
            "{e:?}"
        );
        assert!(e.offset <= text.len());
    }

    #[test]
    fn custom_delimiters_are_honoured() {
        let d = Delimiters {
            language: Language::Jinja,
            block: ("[%".into(), "%]".into()),
            variable: ("[[".into(), "]]".into()),
            comment: ("[#".into(), "#]".into()),
        };
        let s = scan("image: app:[[ version ]] {{ not_a_tag }}", &d);
        let p: Vec<&str> = s.references.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(p, ["version"]);
    }
}
