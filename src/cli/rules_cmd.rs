//! `charter test`, `charter why`, `charter rules`, `charter explain` and `--coverage`:
//! thin formatting over [`crate::rules`]; the clap definitions call these.

use crate::model::Workspace;
use crate::rules;

/// `charter test`: the report text (JUnit XML with `junit`) and whether every test
/// passed; std's tests run only with `include_std`.
pub fn test(
    workspace: &Workspace,
    today: jiff::civil::Date,
    include_std: bool,
    junit: bool,
    color: bool,
) -> (String, bool) {
    let report = rules::run_tests_of(workspace, today, include_std);
    let text = if junit { crate::render::junit::render_tests(&report) } else { report.render(color) };
    (text, report.passed())
}

/// `charter why ENTITY`: the explanation, or an error sentence (with a suggestion).
pub fn why(workspace: &Workspace, entity: &str, today: jiff::civil::Date) -> Result<String, String> {
    rules::why(workspace, entity, today)
}

/// `charter rules [--markdown]`: every rule with its severity and summary.
pub fn rules(workspace: &Workspace, markdown: bool) -> String {
    let catalog = rules::catalog(workspace);
    if markdown { rules::render_rules_markdown(&catalog) } else { rules::render_rules_table(&catalog) }
}

/// `charter explain NAME`: a rule's or built-in code's documentation.
pub fn explain(workspace: &Workspace, name: &str) -> Result<String, String> {
    if let Some(text) = rules::explain(workspace, name) {
        return Ok(text);
    }
    let names: Vec<String> = rules::catalog(workspace)
        .into_iter()
        .map(|rule| rule.name)
        .chain(crate::diagnostic::BuiltinCode::ALL.iter().map(|code| code.as_str().to_string()))
        .collect();
    let hint = crate::diagnostic::did_you_mean(name, names.iter().map(String::as_str))
        .map(|hint| format!("; {hint}"))
        .unwrap_or_else(|| "; `charter rules` lists the rules".to_string());
    Err(format!("no rule or diagnostic code named `{name}`{hint}"))
}

/// `charter check --coverage`: rules that matched nothing, entities no rule examined.
pub fn coverage(workspace: &Workspace, today: jiff::civil::Date) -> String {
    rules::coverage(workspace, today).render()
}
