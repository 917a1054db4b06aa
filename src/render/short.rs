//! `short`: one `file:line:col: severity[code]: message` line per finding, and nothing
//! else, for editors and `grep`; `charter check` writes its summary line to stderr.

use std::fmt::Write;

use super::locate;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Every finding.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    render_with(sources, diagnostics, false)
}

/// The findings, only the errors when `quiet`.
pub fn render_with(sources: &SourceMap, diagnostics: &[Diagnostic], quiet: bool) -> String {
    let mut out = String::with_capacity(diagnostics.len() * 80);
    for diagnostic in diagnostics {
        if quiet && diagnostic.severity != Severity::Error {
            continue;
        }
        let (file, start, _) = locate(sources, diagnostic.span());
        let _ = writeln!(
            out,
            "{file}:{}:{}: {}[{}]: {}",
            start.line, start.column, diagnostic.severity, diagnostic.code, diagnostic.message
        );
    }
    out
}
