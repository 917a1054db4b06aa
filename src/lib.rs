#![doc = include_str!("../ARCHITECTURE.md")]

pub mod cache;
pub mod cli;
pub mod diagnostic;
pub mod fmt;
pub mod model;
pub mod render;
pub mod rules;
pub mod source;
pub mod stdlib;
pub mod syntax;
pub mod synth;

pub use diagnostic::{Diagnostic, Severity};
pub use model::{LoadError, Workspace};

use diagnostic::BuiltinCode;
use source::FileId;

/// Loads the workspace around `paths`.
pub fn load(paths: &[std::path::PathBuf]) -> Result<Workspace, LoadError> {
    Workspace::load(paths)
}

/// Every finding of the workspace on `today`, with `charter.toml`'s severities applied,
/// sorted by file and position.
pub fn check(workspace: &Workspace, today: jiff::civil::Date) -> Vec<Diagnostic> {
    check_with(&rules::Engine::new(workspace), workspace, today)
}

/// [`check`] with the rules already compiled for `workspace`.
pub fn check_with(
    engine: &rules::Engine,
    workspace: &Workspace,
    today: jiff::civil::Date,
) -> Vec<Diagnostic> {
    check_until(engine, workspace, today, &|| false).unwrap_or_default()
}

/// [`check_with`], giving up (`None`) as soon as `cancelled` returns true.
pub fn check_until(
    engine: &rules::Engine,
    workspace: &Workspace,
    today: jiff::civil::Date,
    cancelled: rules::Cancelled<'_>,
) -> Option<Vec<Diagnostic>> {
    let mut findings: Vec<Diagnostic> = workspace
        .diagnostics
        .iter()
        .filter_map(|diagnostic| apply_level(workspace, diagnostic.clone()))
        .collect();
    findings.extend(rules::check_until(engine, workspace, today, None, cancelled)?);
    sort(workspace, &mut findings);
    Some(findings)
}

/// Exactly the findings of [`check`] located in `file`, found by evaluating the rules
/// only on the subjects those findings can come from ([`rules::Focus`]): what an editor
/// shows first after an edit, before the rest of the workspace is checked.
pub fn check_file(workspace: &Workspace, today: jiff::civil::Date, file: FileId) -> Vec<Diagnostic> {
    check_file_with(&rules::Engine::new(workspace), workspace, today, file)
}

/// [`check_file`] with the rules already compiled for `workspace`.
pub fn check_file_with(
    engine: &rules::Engine,
    workspace: &Workspace,
    today: jiff::civil::Date,
    file: FileId,
) -> Vec<Diagnostic> {
    let mut findings: Vec<Diagnostic> = workspace
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.span().file == file)
        .filter_map(|diagnostic| apply_level(workspace, diagnostic.clone()))
        .collect();
    findings.extend(rules::check_file_with(engine, workspace, today, file));
    sort(workspace, &mut findings);
    findings
}

/// Applies a `[rules]` override of a built-in code; `None` when it is turned off.
fn apply_level(workspace: &Workspace, mut diagnostic: Diagnostic) -> Option<Diagnostic> {
    let Some(code) = diagnostic.builtin_code() else {
        return Some(diagnostic);
    };
    if code == BuiltinCode::Syntax {
        return Some(diagnostic);
    }
    match workspace.config.level(code.as_str()) {
        Some(level) => {
            diagnostic.severity = level.severity()?;
            Some(diagnostic)
        }
        None => Some(diagnostic),
    }
}

/// Sorts findings by file name, then position, then code, so output is stable.
pub fn sort(workspace: &Workspace, findings: &mut [Diagnostic]) {
    findings.sort_by(|a, b| {
        let name = |diagnostic: &Diagnostic| {
            workspace.sources.get(diagnostic.span().file).map(|file| file.name.as_str())
        };
        name(a)
            .cmp(&name(b))
            .then(a.span().start.cmp(&b.span().start))
            .then(a.span().end.cmp(&b.span().end))
            .then(a.code.cmp(&b.code))
            .then(a.message.cmp(&b.message))
    });
}

/// What the JSON summary counts: the workspace's own files, its entities and its rules.
pub fn totals(workspace: &Workspace) -> render::json::Totals {
    render::json::Totals {
        files: workspace.own_files().count(),
        entities: workspace.portfolio.entities().filter(|entity| !entity.in_test).count(),
        rules: workspace.rules().count(),
    }
}
