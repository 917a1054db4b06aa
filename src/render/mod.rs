//! Renderers: turning [`Diagnostic`]s into what a user reads: `human` (miette's
//! graphical reports), `short` (one line per finding), `json` (LANGUAGE.md §8) and the CI
//! formats `sarif`, `github`, `junit` and `gitlab` (docs/ci.md).

pub mod baseline;
pub mod export;
pub mod github;
pub mod gitlab;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
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

/// When to color output: `--color auto|always|never`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// Color a terminal, unless the environment says otherwise (see [`use_color`]).
    #[default]
    Auto,
    Always,
    Never,
}

/// The closing line of `human` (and of `short`, on stderr): the counts of every finding,
/// and how many `--quiet` left out.
pub fn closing_summary(diagnostics: &[Diagnostic], hidden: usize) -> String {
    let mut summary = summary_phrase(Counts::of(diagnostics));
    if hidden > 0 {
        summary.push_str(&format!("; {hidden} not shown (`--quiet` shows only errors)"));
    }
    summary.push('\n');
    summary
}

/// When to color output written to a stream.
///
/// `always` and `never` are final. `auto` colors a terminal, except that a non-empty
/// `NO_COLOR` turns color off and a `CLICOLOR_FORCE` or `FORCE_COLOR` that is set and not
/// `0` (or `false`) turns it on where no terminal is, as in a CI log. `NO_COLOR` wins over
/// both, as it does in `anstream`, so a user who opted out never sees escape codes.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    color_with(choice, is_terminal, |name| std::env::var_os(name))
}

/// [`use_color`] reading the environment through `variable`.
pub fn color_with(
    choice: ColorChoice,
    is_terminal: bool,
    variable: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    match choice {
        ColorChoice::Always => return true,
        ColorChoice::Never => return false,
        ColorChoice::Auto => {}
    }
    if variable("NO_COLOR").is_some_and(|value| !value.is_empty()) {
        return false;
    }
    let forced = |name: &str| {
        variable(name).is_some_and(|value| !value.is_empty() && value != "0" && value != "false")
    };
    forced("CLICOLOR_FORCE") || forced("FORCE_COLOR") || is_terminal
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, color_with, repository_path};

    #[test]
    fn color_follows_the_flag_then_the_environment_then_the_terminal() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| std::ffi::OsString::from(value))
            }
        };
        assert!(color_with(ColorChoice::Always, false, env(&[("NO_COLOR", "1")])));
        assert!(!color_with(ColorChoice::Never, true, env(&[("FORCE_COLOR", "1")])));
        assert!(color_with(ColorChoice::Auto, true, env(&[])));
        assert!(!color_with(ColorChoice::Auto, false, env(&[])));
        assert!(!color_with(ColorChoice::Auto, true, env(&[("NO_COLOR", "1")])));
        assert!(color_with(ColorChoice::Auto, true, env(&[("NO_COLOR", "")])));
        assert!(color_with(ColorChoice::Auto, false, env(&[("FORCE_COLOR", "1")])));
        assert!(color_with(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!color_with(ColorChoice::Auto, false, env(&[("FORCE_COLOR", "0")])));
        assert!(!color_with(ColorChoice::Auto, false, env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")])));
    }

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
