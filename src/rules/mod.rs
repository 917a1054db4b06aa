//! Governance rules: the type checker, the evaluator, waivers, tests and traces.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;

/// Every rule finding of the workspace on `today`: rule errors, violations (after waivers
/// and `[rules]` severities) and waiver findings.
pub fn check(workspace: &Workspace, today: jiff::civil::Date) -> Vec<Diagnostic> {
    let _ = (workspace, today);
    Vec::new()
}
