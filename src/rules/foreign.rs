//! Findings raised in files the user cannot fix, moved to the entity that triggered them.
//!
//! A std rule that fails on a subject (a `rule_error`: money in two currencies, an
//! exhausted budget) is raised at the rule's expression in `<std>/…`, and so is a rule of a
//! library `use`d from outside the workspace. An annotation or a SARIF result there points
//! where nobody can change anything. Such a finding is reported at the id of its subject
//! entity when that entity is the workspace's own, and the place in the rule becomes a
//! related location, labelled with where it is.

use crate::diagnostic::{Diagnostic, Label};
use crate::model::Workspace;
use crate::source::Span;

/// Moves every finding located outside the workspace (std, or a file `use`d from outside
/// the root) to the id of the entity it is about, when that entity is declared inside.
pub(crate) fn relocate(workspace: &Workspace, findings: &mut [Diagnostic]) {
    for finding in findings {
        if !is_foreign(workspace, finding.span()) {
            continue;
        }
        let Some(entity) = finding
            .entity
            .as_deref()
            .and_then(|id| workspace.portfolio.lookup(id))
            .and_then(|id| workspace.portfolio.entity(id))
        else {
            continue;
        };
        if is_foreign(workspace, entity.id_span) {
            continue;
        }
        let place = if is_std(workspace, finding.span()) {
            "the std library"
        } else {
            "a file outside the workspace"
        };
        // A message that already names the subject ("… while checking project `p`: …")
        // is not repeated in the label.
        let checking = format!("while checking {} `{}`", entity.kind, entity.id);
        let label = if finding.message.contains(&checking) {
            format!("the {} being checked", entity.kind)
        } else {
            checking
        };
        let original = std::mem::replace(&mut finding.primary, Label::new(entity.id_span, label));
        let explanation = match original.message {
            Some(message) if !message.starts_with("while checking") => format!("{message}, in {place}"),
            _ => format!("the rule failed here, in {place}"),
        };
        finding.secondary.insert(0, Label::new(original.span, explanation));
    }
}

/// Whether `span` lies in the embedded std library.
fn is_std(workspace: &Workspace, span: Span) -> bool {
    workspace.files.iter().any(|parsed| parsed.std && parsed.file == span.file)
}

/// Whether `span` lies in std or in a file outside the workspace root.
fn is_foreign(workspace: &Workspace, span: Span) -> bool {
    workspace.sources.get(span.file).is_none_or(|file| !file.path.starts_with(&workspace.root))
}
