//! Plain descriptions of model things for hover and completion: values as users write
//! them, rules with their settings, schema fields with their types.

use charter::model::{Portfolio, Value, Workspace, schema::FieldDef};
use charter::source::Span;
use charter::syntax::ast;
use rust_decimal::Decimal;

/// A value as a user would write it: strings quoted and long lists cut short; every
/// other value as rule messages show it ([`charter::rules::display`]).
pub fn value(portfolio: &Portfolio, value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        Value::List(items) => {
            const SHOWN: usize = 8;
            let mut parts: Vec<String> =
                items.iter().take(SHOWN).map(|item| self::value(portfolio, item)).collect();
            if items.len() > SHOWN {
                parts.push(format!("… {} more", items.len() - SHOWN));
            }
            format!("[{}]", parts.join(", "))
        }
        other => charter::rules::display(portfolio, other),
    }
}

/// A percent rounded to a whole number: `0.4286` → `43%`. One too large to multiply by
/// 100 is whole already and shows all its digits.
pub fn whole_percent(value: Decimal) -> String {
    match value.checked_mul(Decimal::ONE_HUNDRED) {
        Some(percent) => format!("{}%", percent.round().normalize()),
        None => charter::model::value::format_percent(value),
    }
}

/// A field's type, with `required`, the default and whether it is computed.
pub fn field_signature(field: &FieldDef) -> String {
    let mut text = format!("{}: {}", field.name, field.ty.describe());
    if field.required {
        text.push_str(" required");
    }
    if let Some(default) = field.default {
        text.push_str(&format!(" (default {default})"));
    }
    if field.computed {
        text.push_str(" (computed)");
    }
    text
}

/// A rule declaration with what its settings say.
#[derive(Clone, Debug)]
pub struct RuleInfo<'a> {
    pub rule: &'a ast::Rule,
    pub file: charter::source::FileId,
    pub std: bool,
    pub severity: String,
    pub summary: Option<String>,
    pub url: Option<String>,
    pub help: Option<String>,
}

impl RuleInfo<'_> {
    pub fn name(&self) -> &str {
        &self.rule.name.name
    }

    pub fn name_span(&self) -> Span {
        self.rule.name.span
    }

    pub fn doc(&self) -> Option<&str> {
        self.rule.doc.as_ref().map(|doc| doc.text.as_str())
    }

    /// `for project p`, `for portfolio`.
    pub fn subject(&self) -> String {
        match &self.rule.subject {
            Some(ast::Subject::Kind { kind, var, .. }) => format!("for {} {}", kind.name, var.name),
            Some(ast::Subject::Portfolio { .. }) => "for portfolio".to_string(),
            None => "no subject".to_string(),
        }
    }
}

fn setting<'a>(rule: &'a ast::Rule, name: &str) -> Option<&'a ast::ValueKind> {
    rule.settings.iter().find(|setting| setting.name.name == name).map(|setting| &setting.value.kind)
}

fn setting_text(rule: &ast::Rule, name: &str) -> Option<String> {
    match setting(rule, name)? {
        ast::ValueKind::String(text) => Some(text.to_string()),
        ast::ValueKind::Name(text) => Some(text.to_string()),
        _ => None,
    }
}

/// Every rule of the workspace (std included), with `charter.toml`'s severities.
pub fn rules(workspace: &Workspace) -> Vec<RuleInfo<'_>> {
    workspace
        .rules()
        .map(|(file, rule)| {
            let name = rule.name.name.as_str();
            let declared = setting_text(rule, "severity").unwrap_or_else(|| "warning".to_string());
            let severity = match workspace.config.level(name) {
                Some(level) => {
                    level.severity().map_or_else(|| "off".to_string(), |severity| severity.to_string())
                }
                None => declared,
            };
            RuleInfo {
                rule,
                file: file.file,
                std: file.std,
                severity,
                summary: setting_text(rule, "summary"),
                url: setting_text(rule, "url"),
                help: setting_text(rule, "help"),
            }
        })
        .collect()
}

/// The rule named `name`, preferring the workspace's own over std.
pub fn rule<'a>(workspace: &'a Workspace, name: &str) -> Option<RuleInfo<'a>> {
    let mut found: Vec<RuleInfo<'a>> =
        rules(workspace).into_iter().filter(|info| info.name() == name).collect();
    found.sort_by_key(|info| info.std);
    found.into_iter().next()
}
