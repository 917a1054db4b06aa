//! `charter fmt`: the canonical layout of Charter source, lossless and idempotent.
//!
//! The style is documented in `docs/formatting.md`. The formatter parses the file, turns
//! the tree into a [`doc::Doc`] with every comment in its place ([`comments`]), and lays
//! it out in 100 columns. It never changes a token, only the whitespace between tokens
//! and the optional commas between fields, so the reformatted file parses to the same
//! tree and means the same thing. A file with syntax errors is not formatted.

mod comments;
mod doc;
mod expr;
mod print;

use std::ops::Range;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::FileId;
use crate::syntax::{self, ast};

/// The line width the formatter aims for.
pub const WIDTH: usize = doc::WIDTH;

/// Formats a whole file. Fails with the file's syntax diagnostics when it does not parse.
pub fn format_source(text: &str) -> Result<String, Vec<Diagnostic>> {
    let file = parse(text)?;
    Ok(print::format_file(text, &file).0)
}

/// Formats the top-level declarations that `range` (byte offsets) touches. Returns the
/// source range to replace and its replacement; an empty edit when the range touches
/// no declaration. Comments on the lines before a declaration are left as they are.
pub fn format_range(text: &str, range: Range<usize>) -> Result<(Range<usize>, String), Vec<Diagnostic>> {
    let file = parse(text)?;
    let (formatted, laid) = print::format_file(text, &file);
    let touched: Vec<&print::Laid> =
        laid.iter().filter(|item| item.source.start <= range.end && range.start <= item.source.end).collect();
    match (touched.first(), touched.last()) {
        (Some(first), Some(last)) => {
            let replacement =
                formatted.get(first.output.start..last.output.end).unwrap_or_default().to_string();
            Ok((first.source.start..last.source.end, replacement))
        }
        _ => Ok((range.start..range.start, String::new())),
    }
}

/// A rule expression written on one line in the canonical layout, without comments:
/// `p.budget!=none and // why\n q.x` gives `p.budget != none and q.x`. Messages that quote
/// an expression use it, so that reformatting a file never changes a finding. `None`
/// when `text` is not an expression.
pub fn expression_on_one_line(text: &str) -> Option<String> {
    let (expr, _) = syntax::parse_expression(FileId(0), text, 0);
    expr.map(|expr| print::expression_line(text, &expr))
}

/// Formats an already parsed file; `file` must be the tree of `text` and hold no broken
/// declaration (use [`is_formattable`] to check).
pub fn format_parsed(text: &str, file: &ast::SourceFile) -> String {
    print::format_file(text, file).0
}

/// Whether a parse result can be formatted: no syntax error, no broken declaration.
pub fn is_formattable(file: &ast::SourceFile, diagnostics: &[Diagnostic]) -> bool {
    !diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error)
        && !file.items.iter().any(|item| matches!(item, ast::Item::Broken(_)))
}

fn parse(text: &str) -> Result<ast::SourceFile, Vec<Diagnostic>> {
    let (file, diagnostics) = syntax::parse(FileId(0), text);
    if is_formattable(&file, &diagnostics) { Ok(file) } else { Err(diagnostics) }
}
