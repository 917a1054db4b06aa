//! Quick fixes for the findings under the cursor: the fix a finding carries, the closest
//! ids for an unknown reference, the missing field a std rule asks for, and a waiver
//! skeleton for any rule violation.

use std::collections::HashMap;
use std::ops::Range;

use charter::diagnostic::{BuiltinCode, Code, Diagnostic};
use charter::model::schema::Type;
use charter::model::{EntityId, Portfolio, Workspace};
use charter::source::{SourceFile, Span};
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{Analysis, FileRef, Snapshot};
use crate::convert;

/// The std rules whose violation a missing field explains, and those fields.
const MISSING_FIELDS: [(&str, &[&str]); 9] = [
    ("project_has_sponsor", &["sponsor"]),
    ("project_links_kpi", &["kpis"]),
    ("project_supports_objective", &["supports"]),
    ("project_has_budget", &["budget"]),
    ("objective_has_owner", &["owner"]),
    ("objective_is_measured", &["measured_by"]),
    ("metric_has_baseline_and_target", &["baseline", "target"]),
    ("scope_change_has_rationale", &["rationale"]),
    ("high_risk_mitigated", &["mitigation"]),
];

/// Codes a waiver cannot name.
fn waivable(code: &Code) -> bool {
    matches!(code, Code::Rule(_))
}

pub fn actions(snapshot: &Snapshot, file: FileRef<'_>, range: Range<usize>) -> Vec<lsp::CodeActionOrCommand> {
    let analysis = file.analysis;
    let workspace = &analysis.workspace;
    let mut actions = Vec::new();
    for finding in &analysis.findings_in(file.id) {
        let span = finding.span();
        if span.file != file.id || span.start as usize > range.end || (span.end as usize) < range.start {
            continue;
        }
        let diagnostic = convert::diagnostic(&workspace.sources, &snapshot.paths, finding, snapshot.encoding);
        let mut push = |title: String, edits: Vec<(Span, String)>, preferred: bool| {
            if let Some(edit) = workspace_edit(snapshot, workspace, &edits) {
                actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title,
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    edit: Some(edit),
                    is_preferred: preferred.then_some(true),
                    ..lsp::CodeAction::default()
                }));
            }
        };
        let mut offered: Vec<String> = Vec::new();
        if let Some(fix) = &finding.fix {
            let edits = fix.edits.iter().map(|edit| (edit.span, edit.replacement.clone())).collect();
            offered.extend(fix.edits.iter().map(|edit| edit.replacement.clone()));
            push(fix.title.clone(), edits, true);
        }
        if finding.code == Code::Builtin(BuiltinCode::UnknownReference) {
            for candidate in closest_ids(&workspace.portfolio, span, file.source) {
                if offered.contains(&candidate) {
                    continue;
                }
                push(format!("replace with `{candidate}`"), vec![(span, candidate.clone())], false);
                offered.push(candidate);
            }
        }
        for field in missing_fields(workspace, finding) {
            if let Some((title, edit)) = insert_field(analysis, finding, &field) {
                push(title, vec![edit], false);
            }
        }
        if waivable(&finding.code)
            && let Some((title, edit)) = waiver_skeleton(analysis, finding, file.source)
        {
            push(title, vec![edit], false);
        }
    }
    actions
}

fn workspace_edit(
    snapshot: &Snapshot,
    workspace: &Workspace,
    edits: &[(Span, String)],
) -> Option<lsp::WorkspaceEdit> {
    let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
    for (span, text) in edits {
        let location = convert::location(&workspace.sources, &snapshot.paths, *span, snapshot.encoding)?;
        changes.entry(location.uri).or_default().push(lsp::TextEdit::new(location.range, text.clone()));
    }
    Some(lsp::WorkspaceEdit::new(changes))
}

/// Up to three ids of the kind the reference's field expects, closest first.
fn closest_ids(portfolio: &Portfolio, span: Span, source: &SourceFile) -> Vec<String> {
    let written = source.slice(span);
    let Some(reference) = portfolio.references.iter().find(|reference| reference.span.same_place(&span))
    else {
        return Vec::new();
    };
    let expected = portfolio
        .entity(reference.source)
        .and_then(|entity| portfolio.schema.field(&entity.kind, &reference.field))
        .and_then(|field| match field.ty.item() {
            Type::Ref(kind) => Some(kind.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "any".to_string());
    let mut scored: Vec<(f64, &str)> = portfolio
        .ids_of_kind(&expected)
        .map(|id| (strsim::jaro_winkler(written, id), id))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, id)| id.to_string()).collect()
}

/// The fields whose absence the finding is about, that the entity does not give.
fn missing_fields(workspace: &Workspace, finding: &Diagnostic) -> Vec<String> {
    let Some(id) = finding.entity.as_deref().and_then(|id| workspace.portfolio.lookup(id)) else {
        return Vec::new();
    };
    let Some(entity) = workspace.portfolio.entity(id) else {
        return Vec::new();
    };
    let names: Vec<String> = match &finding.code {
        Code::Rule(rule) => MISSING_FIELDS
            .iter()
            .find(|(name, _)| name == rule)
            .map(|(_, fields)| fields.iter().map(|field| field.to_string()).collect())
            .unwrap_or_default(),
        Code::Builtin(BuiltinCode::MissingField) => {
            between_backticks_after(&finding.message, "field").into_iter().collect()
        }
        Code::Builtin(_) => Vec::new(),
    };
    names.into_iter().filter(|name| entity.field(name).is_none()).collect()
}

/// The text between the first pair of backticks after `marker`: `… field `reason`` → `reason`.
fn between_backticks_after(message: &str, marker: &str) -> Option<String> {
    let rest = message.get(message.rfind(marker)? + marker.len()..)?;
    let start = rest.find('`')? + 1;
    let body = rest.get(start..)?;
    let end = body.find('`')?;
    body.get(..end).map(str::to_string)
}

/// A plausible value for a field, so the inserted text is valid as it stands.
fn placeholder(analysis: &Analysis, ty: &Type) -> String {
    let portfolio = &analysis.workspace.portfolio;
    let first_of = |kind: &str| -> Option<String> {
        let ids = portfolio.of_kind(kind);
        let executive = (kind == "person")
            .then(|| {
                ids.iter().find(|id| portfolio.get(**id, "executive") == charter::model::Value::Bool(true))
            })
            .flatten();
        executive.or(ids.first()).and_then(|id| portfolio.entity(*id)).map(|entity| entity.id.clone())
    };
    match ty {
        Type::Ref(kind) => first_of(kind).unwrap_or_else(|| format!("{kind}_id")),
        Type::List(item) => match item.as_ref() {
            Type::Ref(kind) => format!("[{}]", first_of(kind).unwrap_or_default()),
            _ => "[]".to_string(),
        },
        Type::Money => {
            let currency = portfolio
                .of_kind("project")
                .iter()
                .find_map(|id| {
                    portfolio.get(*id, "budget").as_money().map(|money| money.currency.to_string())
                })
                .unwrap_or_else(|| "USD".to_string());
            format!("0 {currency}")
        }
        Type::Date => analysis.today.to_string(),
        Type::Measurement => format!("0 @ {}", analysis.today),
        Type::Percent => "0%".to_string(),
        Type::Number => "0".to_string(),
        Type::Bool => "false".to_string(),
        Type::Enum(enumeration) => enumeration.values.first().cloned().unwrap_or_default(),
        Type::String | Type::Duration | Type::RuleName => "\"\"".to_string(),
    }
}

/// Inserts `field: value` as the entity's last field: after the fields it gives, before
/// its nested entities (milestones, risks), which by convention come last.
fn insert_field(analysis: &Analysis, finding: &Diagnostic, field: &str) -> Option<(String, (Span, String))> {
    let workspace = &analysis.workspace;
    let id: EntityId = workspace.portfolio.lookup(finding.entity.as_deref()?)?;
    let entity = workspace.portfolio.entity(id)?;
    let definition = workspace.portfolio.schema.field(&entity.kind, field)?;
    let source = workspace.sources.get(entity.span.file)?;
    let value = placeholder(analysis, &definition.ty);
    let title = format!("add `{field}: {value}`");
    let text: &str = &source.text;
    let first_child = entity
        .children
        .iter()
        .filter_map(|child| workspace.portfolio.entity(*child))
        .filter(|child| child.span.file == entity.span.file)
        .map(|child| child.span.start)
        .min();
    let last_field = entity
        .fields
        .iter()
        .filter(|given| given.span().file == entity.span.file)
        // Only `name: value` fields: the title in the header is recorded as a field too.
        .filter(|given| {
            text.get(given.name_span.end as usize..).is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .filter(|given| first_child.is_none_or(|child| given.span().end <= child))
        .max_by_key(|given| given.span().end);
    let at = |offset: usize| Span::new(entity.span.file, offset, offset);
    if let Some(last) = last_field {
        let end = last.span().end as usize;
        let line_start = line_start(text, last.span().start as usize);
        let line_end =
            text.get(end..).and_then(|rest| rest.find(['\n', '\r'])).map_or(text.len(), |index| end + index);
        let after = text.get(end..line_end)?.trim_start_matches([' ', '\t', ',']);
        let field_starts_line = text.get(line_start..last.span().start as usize)?.trim().is_empty();
        if field_starts_line && (after.is_empty() || after.starts_with("//")) {
            // The last field has its line (perhaps with a comment): a line below it.
            let indent = indentation(text, line_start);
            return Some((title, (at(line_end), format!("\n{indent}{field}: {value}"))));
        }
        return Some((title, (at(end), format!(", {field}: {value}"))));
    }
    if let Some(child) = first_child {
        let child = child as usize;
        let child_line = line_start(text, child);
        if text.get(child_line..child)?.trim().is_empty() {
            // A line of its own above the first nested entity and its doc comments.
            let mut insert = child_line;
            while insert > 0 {
                let previous = line_start(text, insert - 1);
                if !text.get(previous..insert)?.trim_start().starts_with("///") {
                    break;
                }
                insert = previous;
            }
            let indent = indentation(text, child_line);
            return Some((title, (at(insert), format!("{indent}{field}: {value}\n"))));
        }
        return Some((title, (at(child), format!("{field}: {value}, "))));
    }
    let declaration = source.slice(entity.span);
    let close = entity.span.start as usize + declaration.rfind('}')?;
    let before_close = text.get(..close)?;
    let close_line = line_start(text, close);
    let closing_line = before_close.get(close_line..)?;
    if closing_line.trim().is_empty() {
        // `}` on a line of its own: a new line above it, one level deeper.
        let indent = closing_line;
        return Some((title, (at(close_line), format!("{indent}  {field}: {value}\n"))));
    }
    let content_end = before_close.trim_end().len();
    let separator = if before_close.trim_end().ends_with('{') { " " } else { ", " };
    Some((title, (at(content_end), format!("{separator}{field}: {value}"))))
}

/// The start of the line that holds `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset).and_then(|head| head.rfind(['\n', '\r'])).map_or(0, |index| index + 1)
}

/// The spaces and tabs that start the line at `line_start`.
fn indentation(text: &str, line_start: usize) -> &str {
    let line = text.get(line_start..).unwrap_or("");
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    line.get(..width).unwrap_or("")
}

/// Appends a waiver for the finding to the end of the file that holds it.
fn waiver_skeleton(
    analysis: &Analysis,
    finding: &Diagnostic,
    source: &SourceFile,
) -> Option<(String, (Span, String))> {
    let rule = finding.code.rule()?;
    let portfolio = &analysis.workspace.portfolio;
    let name_base = match finding.entity.as_deref() {
        Some(entity) => format!("waive_{rule}_{}", entity.replace('.', "_")),
        None => format!("waive_{rule}"),
    };
    let mut name = name_base.clone();
    let mut counter = 2;
    while portfolio.lookup(&name).is_some() {
        name = format!("{name_base}_{counter}");
        counter += 1;
    }
    let approver = placeholder(analysis, &Type::Ref("person".into()));
    let expires = analysis.today.checked_add(jiff::Span::new().days(90)).unwrap_or(analysis.today);
    let applies_to =
        finding.entity.as_deref().map(|entity| format!("  applies_to: [{entity}]\n")).unwrap_or_default();
    let text = &source.text;
    let separator = if text.is_empty() || text.ends_with("\n\n") {
        ""
    } else if text.ends_with(['\n', '\r']) {
        "\n"
    } else {
        "\n\n"
    };
    let skeleton = format!(
        "{separator}waiver {name} {{\n  rule: {rule}\n{applies_to}  reason: \"TODO: why this exception is acceptable\"\n  approved_by: {approver}\n  expires: {expires}\n}}\n"
    );
    let end = text.len();
    let span = Span::new(finding.span().file, end, end);
    let target = finding.entity.as_deref().map(|entity| format!(" for `{entity}`")).unwrap_or_default();
    Some((format!("waive `{rule}`{target}"), (span, skeleton)))
}
