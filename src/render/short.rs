//! `short`: one `file:line:col: severity[code]: message` line per finding.

use std::fmt::Write;

use super::locate;
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::with_capacity(diagnostics.len() * 80);
    for diagnostic in diagnostics {
        let (file, start, _) = locate(sources, diagnostic.span());
        let _ = writeln!(
            out,
            "{file}:{}:{}: {}[{}]: {}",
            start.line, start.column, diagnostic.severity, diagnostic.code, diagnostic.message
        );
    }
    out
}
