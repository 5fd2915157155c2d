//! Ruby gems: `gem install`.

use super::installer::Loose;
use super::lex::{is_var_or_template, unquote};

pub(super) fn gem(args: &[(String, usize)]) -> Vec<Loose> {
    if args
        .iter()
        .any(|(w, _)| w == "-v" || w == "--version" || w.starts_with("--version="))
    {
        return Vec::new();
    }
    args.iter()
        .filter(|(w, _)| !w.starts_with('-') && !is_var_or_template(w) && !w.contains(':'))
        .filter(|(w, _)| !w.ends_with(".gem"))
        .map(|(w, at)| Loose::new(unquote(w).to_owned(), *at))
        .take(8)
        .collect()
}
