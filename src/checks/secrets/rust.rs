//! Rust sources: string literals (raw strings too) bound to secret-looking names in
//! `const`, `static`, `let` and struct-literal fields, found with `syn` at exact spans.

use std::ops::Range;

use syn::visit::Visit;

use super::assign::Assignment;
use crate::source::SourceFile;

/// `None` when the file does not parse (the caller falls back to the text rules).
pub fn find(file: &SourceFile, detector: &Assignment) -> Option<Vec<(usize, Range<usize>)>> {
    let ast = syn::parse_file(file.text()).ok()?;
    let mut v = Visitor {
        file,
        detector,
        out: Vec::new(),
    };
    v.visit_file(&ast);
    Some(v.out)
}

struct Visitor<'a> {
    file: &'a SourceFile,
    detector: &'a Assignment,
    out: Vec<(usize, Range<usize>)>,
}

/// The string literal an expression is, looking through references and parentheses.
fn literal(expr: &syn::Expr) -> Option<&syn::LitStr> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s),
        syn::Expr::Reference(r) => literal(&r.expr),
        syn::Expr::Paren(p) => literal(&p.expr),
        syn::Expr::Group(g) => literal(&g.expr),
        syn::Expr::MethodCall(m) if m.args.is_empty() => literal(&m.receiver),
        _ => None,
    }
}

impl Visitor<'_> {
    fn bound(&mut self, name: &str, expr: &syn::Expr) {
        let Some(lit) = literal(expr) else { return };
        if !self.detector.secret_name(name) {
            return;
        }
        let value = lit.value();
        if !self.detector.secret_value(&value) {
            return;
        }
        // The literal's source text: `"…"`, `r"…"` or `r#"…"#`.
        let start = lit.span().start();
        let Some(offset) = offset_of(self.file, start.line, start.column) else {
            return;
        };
        let token = lit.token().to_string();
        let hashes = token
            .strip_prefix('r')
            .map_or(0, |t| t.bytes().take_while(|&b| b == b'#').count());
        let open = usize::from(token.starts_with('r')) + hashes + 1;
        let close = 1 + hashes;
        if token.len() < open + close {
            return;
        }
        let begin = offset + open;
        let end = offset + token.len() - close;
        if end > self.file.text().len() || begin > end {
            return;
        }
        self.out.push((begin, begin..end));
    }
}

/// Byte offset of a 1-based line and 0-based column in characters.
fn offset_of(file: &SourceFile, line: usize, column: usize) -> Option<usize> {
    let r = file.line_range(u32::try_from(line).ok()?);
    let text = &file.text()[r.clone()];
    let within = text
        .char_indices()
        .nth(column)
        .map_or(text.len(), |(i, _)| i);
    Some(r.start + within)
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.bound(&i.ident.to_string(), &i.expr);
        syn::visit::visit_item_const(self, i);
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.bound(&i.ident.to_string(), &i.expr);
        syn::visit::visit_item_static(self, i);
    }

    fn visit_impl_item_const(&mut self, i: &'ast syn::ImplItemConst) {
        self.bound(&i.ident.to_string(), &i.expr);
        syn::visit::visit_impl_item_const(self, i);
    }

    fn visit_local(&mut self, i: &'ast syn::Local) {
        let mut pat = &i.pat;
        if let syn::Pat::Type(t) = pat {
            pat = &t.pat;
        }
        if let (syn::Pat::Ident(id), Some(init)) = (pat, &i.init) {
            self.bound(&id.ident.to_string(), &init.expr);
        }
        syn::visit::visit_local(self, i);
    }

    fn visit_field_value(&mut self, i: &'ast syn::FieldValue) {
        if let syn::Member::Named(id) = &i.member {
            self.bound(&id.to_string(), &i.expr);
        }
        syn::visit::visit_field_value(self, i);
    }
}
