//! `github`: GitHub Actions workflow commands, one annotation per finding:
//! `::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`.
//!
//! Errors are `error`, warnings `warning`, infos `notice`. The message carries the help
//! and the secondary labels on further lines, so the annotation explains itself. Data is
//! escaped as the Actions runner expects (`%`, CR and LF in the message; also `:` and `,`
//! in properties). A plain summary line closes the output for the job log.

use std::fmt::Write;

use super::{Counts, locate, summary_phrase};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// The annotations of `diagnostics`. File paths are `prefix` (the workspace root's path
/// from the repository root, `""` when they are the same) joined with each file's path
/// from the workspace root, as GitHub resolves them against the checkout.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], prefix: &str) -> String {
    let mut out = String::with_capacity(diagnostics.len() * 160);
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (file, start, end) = locate(sources, diagnostic.span());
        let file = super::repository_path(prefix, &file);
        let mut message = diagnostic.message.clone();
        if let Some(label) = &diagnostic.primary.message {
            let _ = write!(message, " ({label})");
        }
        if let Some(help) = &diagnostic.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        for label in &diagnostic.secondary {
            let (related_file, related_start, _) = locate(sources, label.span);
            let related_file = super::repository_path(prefix, &related_file);
            let _ = write!(message, "\nsee {related_file}:{}:{}", related_start.line, related_start.column);
            if let Some(text) = &label.message {
                let _ = write!(message, ": {text}");
            }
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            escape_property(&file),
            start.line,
            end.line,
            start.column,
            end.column,
            escape_property(diagnostic.code.as_str()),
            escape_data(&message)
        );
    }
    let _ = writeln!(out, "charter: {}", summary_phrase(Counts::of(diagnostics)));
    out
}

/// Escapes a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_runner() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("charter: a,b"), "charter%3A a%2Cb");
    }
}
