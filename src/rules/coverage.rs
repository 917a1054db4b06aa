//! Coverage: which rules matched no subject, and which entities no rule examined.

use std::fmt::Write;

use super::eval::subjects;
use super::{Engine, evaluate};
use crate::model::Workspace;
use crate::model::schema::KINDS;

/// What the enabled rules examined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Rules that ran (not off, without errors).
    pub rules_run: usize,
    /// `(rule, subject kind)` of `for KIND` rules whose subjects (after `where`) were empty.
    pub unmatched_rules: Vec<(String, String)>,
    /// Non-broken entities checked.
    pub entities: usize,
    /// `(entity id, kind)` of entities that no rule examined.
    pub unexamined: Vec<(String, String)>,
}

/// Runs the enabled rules over the workspace and records what they examined.
pub fn coverage(workspace: &Workspace, today: jiff::civil::Date) -> Coverage {
    let engine = Engine::new(workspace);
    let portfolio = &workspace.portfolio;
    let evaluation =
        evaluate(&engine, portfolio, &workspace.sources, today, Some(&workspace.config), None, &|| false);
    let mut examined = vec![false; portfolio.slots()];
    let mut coverage = Coverage::default();
    for (rule, run) in engine.rules.iter().zip(&evaluation.runs) {
        let Some(run) = run else { continue };
        coverage.rules_run += 1;
        if let Some(kind) = rule.subject_kind()
            && run.examined.is_empty()
        {
            coverage.unmatched_rules.push((rule.name.clone(), kind.to_string()));
        }
        for id in &run.examined {
            if let Some(flag) = examined.get_mut(id.index()) {
                *flag = true;
            }
        }
    }
    for kind in KINDS {
        for id in subjects(portfolio, kind) {
            coverage.entities += 1;
            if !examined.get(id.index()).copied().unwrap_or(false)
                && let Some(entity) = portfolio.entity(id)
            {
                coverage.unexamined.push((entity.id.clone(), kind.to_string()));
            }
        }
    }
    coverage
}

impl Coverage {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let examined = self.entities - self.unexamined.len();
        let _ = writeln!(
            out,
            "{} rules ran; {examined} of {} entities were examined by at least one rule",
            self.rules_run, self.entities
        );
        if self.unmatched_rules.is_empty() {
            out.push_str("\nevery rule matched at least one subject\n");
        } else {
            let _ = writeln!(out, "\nrules that matched no subject ({}):", self.unmatched_rules.len());
            let width = self.unmatched_rules.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
            for (name, kind) in &self.unmatched_rules {
                let _ = writeln!(out, "  {name:<width$}  for {kind}");
            }
        }
        if self.unexamined.is_empty() {
            out.push_str("\nevery entity was examined by at least one rule\n");
        } else {
            let _ = writeln!(out, "\nentities no rule examined ({}):", self.unexamined.len());
            let width = self.unexamined.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
            for (id, kind) in &self.unexamined {
                let _ = writeln!(out, "  {id:<width$}  {kind}");
            }
        }
        out
    }
}
