//! The rule catalog: `charter rules` (a table or a Markdown reference page) and
//! `charter explain NAME` for rules and built-in codes.

use std::fmt::Write;

use super::{Engine, level};
use crate::diagnostic::BuiltinCode;
use crate::model::Workspace;
use crate::model::config::RuleLevel;

/// What `charter rules` shows about one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub name: String,
    /// After `charter.toml` overrides.
    pub severity: RuleLevel,
    pub summary: Option<String>,
    pub doc: Option<String>,
    pub url: Option<String>,
    /// The file's display name (`<std>/governance.charter` for std rules).
    pub file: String,
    pub std: bool,
    /// `project`, `portfolio`, ...
    pub subject: String,
    /// The rule's source text.
    pub source: String,
}

/// Every rule of the workspace, std included, in declaration order.
pub fn catalog(workspace: &Workspace) -> Vec<RuleInfo> {
    let engine = Engine::new(workspace);
    engine
        .rules
        .iter()
        .map(|rule| RuleInfo {
            name: rule.name.clone(),
            severity: level(rule, Some(&workspace.config)),
            summary: rule.summary.clone(),
            doc: rule.doc.clone(),
            url: rule.url.clone(),
            file: workspace.sources.get(rule.file).map(|file| file.name.clone()).unwrap_or_default(),
            std: rule.std,
            subject: rule.subject_kind().map_or_else(
                || if rule.is_portfolio() { "portfolio".to_string() } else { "?".to_string() },
                str::to_string,
            ),
            source: workspace.sources.slice(rule.span).to_string(),
        })
        .collect()
}

pub(crate) fn level_name(level: RuleLevel) -> &'static str {
    match level {
        RuleLevel::Error => "error",
        RuleLevel::Warning => "warning",
        RuleLevel::Info => "info",
        RuleLevel::Off => "off",
    }
}

/// `name  severity  summary`, aligned, one rule per line.
pub fn render_rules_table(rules: &[RuleInfo]) -> String {
    let width = rules.iter().map(|rule| rule.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        let summary = rule
            .summary
            .as_deref()
            .or_else(|| rule.doc.as_deref().and_then(|doc| doc.lines().next()))
            .unwrap_or("");
        let line = format!("{:<width$}  {:<7}  {summary}", rule.name, level_name(rule.severity));
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// A reference page: a heading per rule with its severity, summary, doc and source.
pub fn render_rules_markdown(rules: &[RuleInfo]) -> String {
    let mut out = String::from("# Rules\n");
    for rule in rules {
        let _ = writeln!(out, "\n## `{}`\n", rule.name);
        let origin = if rule.std { "std".to_string() } else { format!("`{}`", rule.file) };
        let _ = writeln!(
            out,
            "- severity: **{}**\n- subject: `{}`\n- defined in: {origin}",
            level_name(rule.severity),
            rule.subject
        );
        if let Some(url) = &rule.url {
            let _ = writeln!(out, "- more: <{url}>");
        }
        if let Some(summary) = &rule.summary {
            let _ = writeln!(out, "\n{summary}");
        }
        if let Some(doc) = &rule.doc {
            let _ = writeln!(out, "\n{}", doc.trim_end());
        }
        let _ = writeln!(out, "\n```charter\n{}\n```", rule.source.trim_end());
    }
    out
}

/// The doc of a rule (doc, summary, severity, source) or of a built-in code.
pub fn explain(workspace: &Workspace, name: &str) -> Option<String> {
    if let Some(code) = BuiltinCode::parse(name) {
        let level = workspace.config.level(code.as_str());
        let severity = match level {
            Some(level) => {
                format!("{} (set in charter.toml; default {})", level_name(level), code.default_severity())
            }
            None => code.default_severity().to_string(),
        };
        return Some(format!("{name}  (built-in, {severity})\n\n{}\n", code.explanation()));
    }
    let info = catalog(workspace).into_iter().find(|rule| rule.name == name)?;
    let mut out = String::new();
    let origin = if info.std { "std".to_string() } else { info.file.clone() };
    let _ = writeln!(out, "{}  ({}, for {}, {origin})", info.name, level_name(info.severity), info.subject);
    if let Some(summary) = &info.summary {
        let _ = writeln!(out, "\n{summary}");
    }
    if let Some(doc) = &info.doc {
        let _ = writeln!(out, "\n{}", doc.trim_end());
    }
    if let Some(url) = &info.url {
        let _ = writeln!(out, "\nmore: {url}");
    }
    let _ = writeln!(out, "\n{}", info.source.trim_end());
    Some(out)
}
