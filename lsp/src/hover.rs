//! Hover: what an entity is (kind, title, doc comment, key fields, who references it,
//! metric progress), what a field means, what a rule requires.

use charter::model::{EntityId, Portfolio, Value};
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::convert::Text;
use crate::describe;
use crate::locate::{Target, target_at};
use crate::rule_scope::METHODS;

pub fn hover(snapshot: &Snapshot, file: FileRef<'_>, offset: usize, markdown: bool) -> Option<lsp::Hover> {
    let target = target_at(file, offset)?;
    let workspace = file.workspace();
    let text = match &target {
        Target::Entity { id, .. } => entity(&workspace.portfolio, *id)?,
        Target::Unresolved { .. } => return None,
        Target::Field { kind, field, .. } => self::field(&workspace.portfolio, kind, field)?,
        Target::Rule { name, .. } => rule(workspace, name)?,
        Target::Kind { name, .. } => kind(&workspace.portfolio, name)?,
        Target::Use { path, .. } => {
            let loaded = workspace.sources.find(path).is_some();
            format!("`use` of `{}`{}", path.display(), if loaded { "" } else { " (not found)" })
        }
        Target::Method { name, .. } => {
            let (_, signature, meaning) = METHODS.iter().find(|(method, ..)| method == name)?;
            format!("```charter\n{signature}\n```\n{meaning}")
        }
    };
    let range = Text::of(file.source).span_range(target.span(), snapshot.encoding);
    let contents = if markdown {
        lsp::HoverContents::Markup(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: text })
    } else {
        lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::PlainText,
            value: text.replace("```charter\n", "").replace("```", "").replace('`', ""),
        })
    };
    Some(lsp::Hover { contents, range: Some(range) })
}

/// The fields worth showing at a glance, per kind.
fn key_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "person" => &["role", "executive", "team", "email"],
        "team" => &["kind", "lead", "members"],
        "objective" => &["owner", "status", "priority", "horizon", "allocation", "measured_by", "parent"],
        "metric" => &["owner", "direction", "baseline", "target", "actual", "cadence"],
        "project" => &[
            "status",
            "sponsor",
            "manager",
            "teams",
            "start",
            "end",
            "budget",
            "spent",
            "supports",
            "kpis",
            "depends_on",
        ],
        "milestone" => &["date", "status", "reviews"],
        "risk" => &["impact", "likelihood", "owner", "mitigation"],
        "change" => &["date", "rationale"],
        "waiver" => &["rule", "applies_to", "approved_by", "expires", "reason"],
        _ => &[],
    }
}

fn entity(portfolio: &Portfolio, id: EntityId) -> Option<String> {
    let entity = portfolio.entity(id)?;
    let mut text = String::new();
    let title = entity.title.as_deref().map(|title| format!(" {title:?}")).unwrap_or_default();
    text.push_str(&format!("```charter\n{} {}{}\n```\n", entity.kind, entity.id, title));
    if let Some(doc) = &entity.doc {
        text.push_str(&format!("{}\n\n", doc.trim()));
    }
    let mut lines = Vec::new();
    for name in key_fields(&entity.kind) {
        let value = portfolio.get(id, name);
        let empty = match &value {
            Value::None => true,
            Value::List(items) => items.is_empty(),
            _ => false,
        };
        if !empty {
            lines.push(format!("- **{name}**: {}", describe::value(portfolio, &value)));
        }
    }
    if &*entity.kind == "metric" {
        lines.extend(progress_line(portfolio, id));
    }
    if &*entity.kind == "project"
        && let Value::Percent(roi) = portfolio.get(id, "roi")
    {
        lines.push(format!("- **roi**: {}", describe::whole_percent(roi)));
    }
    if entity.broken {
        lines.push("- *the declaration does not parse; only its kind and id are known*".to_string());
    }
    if !lines.is_empty() {
        text.push_str(&lines.join("\n"));
        text.push('\n');
    }
    let referrers: Vec<String> = portfolio
        .referrers(id)
        .filter_map(|reference| {
            let source = portfolio.entity(reference.source)?;
            Some(format!("`{}` ({}.{})", source.id, source.kind, reference.field))
        })
        .collect();
    if !referrers.is_empty() {
        const SHOWN: usize = 10;
        let mut shown: Vec<String> = referrers.iter().take(SHOWN).cloned().collect();
        if referrers.len() > SHOWN {
            shown.push(format!("and {} more", referrers.len() - SHOWN));
        }
        text.push_str(&format!("\nReferenced by {}: {}\n", referrers.len(), shown.join(", ")));
    }
    Some(text.trim_end().to_string())
}

/// `- **progress**: 43% to target · on track`.
pub fn progress_line(portfolio: &Portfolio, id: EntityId) -> Option<String> {
    let progress = match portfolio.get(id, "progress") {
        Value::Percent(progress) => Some(describe::whole_percent(progress)),
        _ => None,
    };
    let on_track = match portfolio.get(id, "on_track") {
        Value::Bool(true) => Some("on track"),
        Value::Bool(false) => Some("behind"),
        _ => None,
    };
    match (progress, on_track) {
        (None, None) => None,
        (Some(progress), None) => Some(format!("- **progress**: {progress} to target")),
        (None, Some(on_track)) => Some(format!("- **progress**: {on_track}")),
        (Some(progress), Some(on_track)) => {
            Some(format!("- **progress**: {progress} to target · {on_track}"))
        }
    }
}

fn field(portfolio: &Portfolio, kind: &str, name: &str) -> Option<String> {
    let definition = portfolio.schema.field(kind, name)?;
    let mut text = format!("```charter\n{}\n```\n", describe::field_signature(definition));
    if !definition.doc.is_empty() {
        text.push_str(&format!("{}\n\n", definition.doc));
    }
    let origin = if definition.declared_at.is_some() { "declared by `extend`" } else { "built-in" };
    text.push_str(&format!("Field of `{kind}` ({origin})."));
    Some(text)
}

fn rule(workspace: &charter::Workspace, name: &str) -> Option<String> {
    if let Some(code) = charter::diagnostic::BuiltinCode::parse(name) {
        return Some(format!("```charter\n{}\n```\n{}", code.as_str(), code.explanation()));
    }
    let info = describe::rule(workspace, name)?;
    let mut text = format!("```charter\nrule {} ({}, {})\n```\n", info.name(), info.severity, info.subject());
    if let Some(summary) = &info.summary {
        text.push_str(&format!("**{summary}**\n\n"));
    }
    if let Some(doc) = info.doc() {
        text.push_str(&format!("{}\n\n", doc.trim()));
    }
    if let Some(help) = &info.help {
        text.push_str(&format!("Help: {help}\n\n"));
    }
    if let Some(url) = &info.url {
        text.push_str(&format!("[Documentation]({url})\n\n"));
    }
    if info.std {
        text.push_str("Part of the `std` rule library.");
    }
    Some(text.trim_end().to_string())
}

fn kind(portfolio: &Portfolio, name: &str) -> Option<String> {
    let kind = portfolio.schema.kind(name)?;
    let mut text = format!("```charter\n{}\n```\n{}\n\n", kind.name, kind.doc);
    if let Some(container) = &kind.nested_in {
        text.push_str(&format!("Declared inside a `{container}`.\n\n"));
    }
    let fields: Vec<String> = kind.writable().map(|field| format!("`{}`", field.name)).collect();
    text.push_str(&format!("Fields: {}", fields.join(", ")));
    Some(text)
}
