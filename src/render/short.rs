//! `short`: one `file:line:col: severity[code]: message` line per finding, then the
//! summary line.

use std::fmt::Write;

use super::{closing_summary, locate};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Every finding, then the summary line.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    render_with(sources, diagnostics, false)
}

/// The findings (only the errors when `quiet`), then a summary line counting all of them.
pub fn render_with(sources: &SourceMap, diagnostics: &[Diagnostic], quiet: bool) -> String {
    let mut out = String::with_capacity(diagnostics.len() * 80);
    let mut hidden = 0;
    for diagnostic in diagnostics {
        if quiet && diagnostic.severity != Severity::Error {
            hidden += 1;
            continue;
        }
        let (file, start, _) = locate(sources, diagnostic.span());
        let _ = writeln!(
            out,
            "{file}:{}:{}: {}[{}]: {}",
            start.line, start.column, diagnostic.severity, diagnostic.code, diagnostic.message
        );
    }
    out.push_str(&closing_summary(diagnostics, hidden));
    out
}
