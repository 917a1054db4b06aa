//! Find references: every place that names an entity (or a rule), across the files of
//! the workspace.

use charter::model::{EntityId, Value, Workspace};
use charter::source::Span;
use charter::syntax::ast;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::convert;
use crate::describe;
use crate::locate::{Target, target_at};

pub fn references(
    snapshot: &Snapshot,
    file: FileRef<'_>,
    offset: usize,
    include_declaration: bool,
) -> Option<Vec<lsp::Location>> {
    let workspace = file.workspace();
    let spans = match target_at(file, offset)? {
        Target::Entity { id, .. } => entity_spans(workspace, id, include_declaration),
        Target::Rule { name, .. } => rule_spans(workspace, &name, include_declaration),
        _ => return None,
    };
    Some(
        spans
            .into_iter()
            .filter_map(|span| {
                convert::location(&workspace.sources, &snapshot.paths, span, snapshot.encoding)
            })
            .collect(),
    )
}

/// The spans that name entity `id`: its declaration's id (optionally) and every
/// reference, each covering the whole name as written, in file and source order.
pub fn entity_spans(workspace: &Workspace, id: EntityId, include_declaration: bool) -> Vec<Span> {
    let portfolio = &workspace.portfolio;
    let mut spans = Vec::new();
    if include_declaration {
        spans.extend(portfolio.entity(id).map(|entity| entity.id_span));
    }
    spans.extend(portfolio.referrers(id).map(|reference| reference.span));
    sort(&mut spans);
    spans
}

/// Spans that name a rule: declarations (optionally), waivers' `rule:`, tests' `expect`.
pub fn rule_spans(workspace: &Workspace, name: &str, include_declaration: bool) -> Vec<Span> {
    let mut spans = Vec::new();
    if include_declaration {
        spans.extend(
            describe::rules(workspace)
                .into_iter()
                .filter(|info| info.name() == name)
                .map(|info| info.name_span()),
        );
    }
    let portfolio = &workspace.portfolio;
    for id in portfolio.of_kind("waiver") {
        let Some(field) = portfolio.entity(*id).and_then(|entity| entity.field("rule")) else {
            continue;
        };
        if matches!(&field.value, Value::RuleName(rule) if &**rule == name) {
            spans.push(field.value_span);
        }
    }
    for (_, test) in workspace.tests() {
        for expect in &test.expects {
            if let ast::ExpectKind::Finding { rule, .. } = &expect.kind
                && rule.name == name
            {
                spans.push(rule.span);
            }
        }
    }
    sort(&mut spans);
    spans
}

fn sort(spans: &mut [Span]) {
    spans.sort_by_key(|span| (span.file, span.start, span.end));
}
