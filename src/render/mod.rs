//! Renderers: turning [`Diagnostic`]s into what a user reads: `human` (miette's
//! graphical reports), `short` (one line per finding) and `json` (LANGUAGE.md §8).

pub mod baseline;
pub mod export;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod report;
pub mod sarif;
pub mod short;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{Position, SourceMap, Span};

/// How many findings of each severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(diagnostics: &[Diagnostic]) -> Counts {
        let mut counts = Counts::default();
        for diagnostic in diagnostics {
            match diagnostic.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
        }
        counts
    }
}

/// The file name and start and end positions of a span.
/// A file's path from the repository root: `prefix` (the workspace root's path from the
/// repository root) joined with `name` (the file's path from the workspace root, `../`
/// for files outside it). The std library's `<std>/…` names are left alone.
pub fn repository_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() || name.starts_with("<std>/") {
        return name.to_string();
    }
    let mut parts: Vec<&str> = prefix.split('/').filter(|part| !part.is_empty()).collect();
    let mut rest = name;
    while let Some(after) = rest.strip_prefix("../") {
        if parts.pop().is_none() {
            // Above the repository root: there is no repository path; keep the name.
            return name.to_string();
        }
        rest = after;
    }
    parts.push(rest);
    parts.join("/")
}

pub fn locate(sources: &SourceMap, span: Span) -> (String, Position, Position) {
    match sources.get(span.file) {
        Some(file) => {
            (file.name.clone(), file.position(span.start as usize), file.position(span.end as usize))
        }
        None => {
            let unknown = Position { line: 1, column: 1, offset: 0 };
            (String::from("<unknown>"), unknown, unknown)
        }
    }
}

/// `1 error, 2 warnings` — the counts that are not zero, or `no findings`.
pub fn summary_phrase(counts: Counts) -> String {
    let mut parts = Vec::new();
    for (count, singular) in [(counts.errors, "error"), (counts.warnings, "warning"), (counts.infos, "info")]
    {
        if count > 0 {
            let plural = if count == 1 { "" } else { "s" };
            parts.push(format!("{count} {singular}{plural}"));
        }
    }
    if parts.is_empty() { "no findings".to_string() } else { parts.join(", ") }
}

/// Whether to color output written to a stream: only a terminal, and never when
/// `NO_COLOR` is set to a non-empty value.
pub fn use_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::repository_path;

    #[test]
    fn repository_paths_join_the_prefix_and_climb_out_of_it() {
        assert_eq!(repository_path("", "projects.charter"), "projects.charter");
        assert_eq!(
            repository_path("governance/portfolio", "a/b.charter"),
            "governance/portfolio/a/b.charter"
        );
        assert_eq!(
            repository_path("governance/portfolio", "../shared/rules.charter"),
            "governance/shared/rules.charter"
        );
        assert_eq!(repository_path("governance", "../../outside.charter"), "../../outside.charter");
        assert_eq!(repository_path("governance", "<std>/governance.charter"), "<std>/governance.charter");
    }
}
