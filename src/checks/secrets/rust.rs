//! Rust sources: string literals (raw strings too) bound to secret-looking names in
//! `const`, `static`, `let` and struct-literal fields, found with `syn` at exact spans.
//!
//! `syn` recurses once per nesting level with no limit, and a stack overflow aborts the
//! process: a file is parsed only when [`nesting`] bounds its depth below [`MAX_NESTING`],
//! on a thread with a stack that holds that many levels.

use std::ops::Range;

use syn::visit::Visit;

use super::assign::Assignment;
use crate::source::SourceFile;

/// Deepest nesting (see [`nesting`]) parsed with `syn`, which recurses once per level
/// with no limit of its own: a deeper file falls back to the text rules. The crates of
/// crates.io's most used libraries stay below 230.
pub const MAX_NESTING: usize = 384;

/// Stack of the thread that parses: [`MAX_NESTING`] levels of `syn`'s recursive descent
/// (and of the visitor and the tree's `Drop`) must fit however small the caller's stack is.
const PARSE_STACK: usize = 64 * 1024 * 1024;

/// What parsing a Rust file gave.
pub enum Parsed {
    /// The secrets bound in the file.
    Found(Vec<(usize, Range<usize>)>),
    /// Not valid Rust.
    Invalid,
    /// Nested deeper than [`MAX_NESTING`]: not parsed.
    TooDeep,
}

/// The secrets bound in a Rust file, found with `syn` on a thread of its own.
pub fn find(file: &SourceFile, detector: &Assignment) -> Parsed {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("rust-parse".to_owned())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, || parse(file, detector))
            .map_or(Parsed::Invalid, |t| t.join().unwrap_or(Parsed::Invalid))
    })
}

fn parse(file: &SourceFile, detector: &Assignment) -> Parsed {
    // What `syn::parse_file` tokenizes: no byte-order mark, no shebang line.
    let text = file.text();
    let mut body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(rest) = body.strip_prefix("#!")
        && !rest.trim_start().starts_with('[')
    {
        body = body.find('\n').map_or("", |i| &body[i..]);
    }
    let Ok(tokens) = body.parse::<proc_macro2::TokenStream>() else {
        return Parsed::Invalid;
    };
    if nesting(tokens, MAX_NESTING) > MAX_NESTING {
        return Parsed::TooDeep;
    }
    let Ok(ast) = syn::parse_file(text) else {
        return Parsed::Invalid;
    };
    let mut v = Visitor {
        file,
        detector,
        out: Vec::new(),
    };
    v.visit_file(&ast);
    Parsed::Found(v.out)
}

/// Keywords that start or continue an expression, type or pattern nested in the next one
/// (`return return x`, `1 as u8 as u8`, `move || move || x`, `&mut &mut T`); `if`, `match`
/// and `else` too.
const NESTING_KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "dyn", "else", "if", "impl", "in", "match", "move",
    "mut", "ref", "return", "static", "yield",
];

/// An upper bound, up to `limit`, of how deep `syn` recurses for `tokens`, read from the
/// token stream (which `proc_macro2` builds without recursion): every bracket group is a
/// level, and so is every operator or nesting keyword between two `;` or `,` — a chain of
/// unary operators, or a chain of binary operators, method calls, indexes or casts (a tree
/// as deep as it is long), counts its length. A braced block followed by anything but an
/// operator or `else` ends the run: items and statements follow each other, not nest.
/// Stops counting once over `limit`.
pub fn nesting(tokens: proc_macro2::TokenStream, limit: usize) -> usize {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    struct Frame {
        tokens: proc_macro2::token_stream::IntoIter,
        /// Depth at which this group's tokens are.
        base: usize,
        /// Operators and keywords since the last `;` or `,`.
        run: usize,
        after_block: bool,
        after_ident: bool,
        after_group: bool,
        after_hash: bool,
        /// The previous token was a joint `=` (of `=>`).
        after_eq: bool,
    }
    let frame = |tokens: proc_macro2::TokenStream, base: usize| Frame {
        tokens: tokens.into_iter(),
        base,
        run: 0,
        after_block: false,
        after_ident: false,
        after_group: false,
        after_hash: false,
        after_eq: false,
    };
    let mut stack = vec![frame(tokens, 0)];
    let mut max = 0;
    while let Some(top) = stack.last_mut() {
        let Some(tree) = top.tokens.next() else {
            stack.pop();
            if let Some(parent) = stack.last_mut() {
                parent.after_ident = false;
                parent.after_eq = false;
            }
            continue;
        };
        if top.after_block {
            top.after_block = false;
            let continues = match &tree {
                TokenTree::Ident(i) => i == "else",
                TokenTree::Punct(p) => p.as_char() != '#',
                _ => false,
            };
            if !continues {
                top.run = 0;
            }
        }
        let (after_ident, after_eq, after_group) = (top.after_ident, top.after_eq, top.after_group);
        let after_hash = std::mem::take(&mut top.after_hash);
        top.after_ident = false;
        top.after_eq = false;
        top.after_group = false;
        match tree {
            TokenTree::Group(g) => {
                // `f()()`, `a[0][1]`: a call or an index of the group before.
                if after_group && g.delimiter() != Delimiter::Brace {
                    top.run += 1;
                }
                top.after_group = true;
                let base = top.base + top.run + 1;
                top.after_block = g.delimiter() == Delimiter::Brace;
                max = max.max(base);
                if max > limit {
                    return max;
                }
                stack.push(frame(g.stream(), base));
                continue;
            }
            TokenTree::Punct(p) => match p.as_char() {
                ';' | ',' => top.run = 0,
                // Attributes, lifetimes and paths do not nest.
                '#' => top.after_hash = true,
                '\'' | ':' => {}
                // A macro call's `!`, an inner attribute's `#!`.
                '!' if after_ident || after_hash => {}
                // `=>` counts once.
                '>' if after_eq => {}
                '=' if p.spacing() == Spacing::Joint => {
                    top.after_eq = true;
                    top.run += 1;
                }
                _ => top.run += 1,
            },
            TokenTree::Ident(i) => {
                if NESTING_KEYWORDS.iter().any(|k| i == k) {
                    top.run += 1;
                } else {
                    top.after_ident = true;
                }
            }
            TokenTree::Literal(_) => {}
        }
        max = max.max(top.base + top.run);
        if max > limit {
            return max;
        }
    }
    max
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
        if !self.detector.secret_value(name, &value) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(src: &str) -> usize {
        nesting(src.parse().expect("tokens"), usize::MAX)
    }

    #[test]
    fn nesting_counts_groups_and_chains() {
        assert_eq!(depth("fn a() {}"), 1);
        assert_eq!(depth("fn a() { let x = ((1)); }"), 4);
        // Items, statements, attributes, macros, paths and lifetimes do not add up.
        let items = "#[test] fn a() { f!(x); } //! doc\n".repeat(100);
        assert!(depth(&items) < 5, "{}", depth(&items));
        let paths = "let x: &'static std::vec::Vec<u8> = a::b::c::d();".repeat(100);
        assert!(depth(&paths) < 10, "{}", depth(&paths));
        let arms = format!("match x {{ {} }}", "A => {} ".repeat(100));
        assert!(depth(&arms) < 10, "{}", depth(&arms));
        // Chains are as deep as they are long.
        for chain in ["!", "- ", "1 + ", "return ", "|| "] {
            let d = depth(&format!("let x = {}1;", chain.repeat(500)));
            assert!(d >= 500, "{chain}: {d}");
        }
        assert!(depth(&format!("let x = a{};", "()".repeat(500))) >= 500);
        assert!(depth(&format!("if a {{}} {}", "else if a {} ".repeat(500))) >= 500);
    }

    #[test]
    fn nesting_stops_at_the_limit() {
        let deep = format!("{}{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(nesting(deep.parse().expect("tokens"), 10), 11);
    }
}
