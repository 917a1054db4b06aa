//! Inlay hints: a metric's progress after its `actual` value (`43% to target · on
//! track`), and after an objective's header how many projects support it and how many
//! objectives refine it.

use charter::model::Value;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::describe;

pub fn hints(snapshot: &Snapshot, file: FileRef<'_>, range: lsp::Range) -> Vec<lsp::InlayHint> {
    let view = file.text();
    let from = view.offset(range.start, snapshot.encoding);
    let to = view.offset(range.end, snapshot.encoding);
    let portfolio = &file.workspace().portfolio;
    let mut hints = Vec::new();
    for id in portfolio.ids() {
        let Some(entity) = portfolio.entity(id) else {
            continue;
        };
        if entity.span.file != file.id
            || entity.in_test
            || (entity.span.end as usize) < from
            || entity.span.start as usize > to
        {
            continue;
        }
        let (offset, label) = match &*entity.kind {
            "metric" => {
                let Some(actual) = entity.field("actual") else {
                    continue;
                };
                let progress = match portfolio.get(id, "progress") {
                    Value::Percent(progress) => {
                        Some(format!("{} to target", describe::whole_percent(progress)))
                    }
                    _ => None,
                };
                let on_track = match portfolio.get(id, "on_track") {
                    Value::Bool(true) => Some("on track".to_string()),
                    Value::Bool(false) => Some("behind".to_string()),
                    _ => None,
                };
                let parts: Vec<String> = progress.into_iter().chain(on_track).collect();
                if parts.is_empty() {
                    continue;
                }
                (actual.value_span.end as usize, parts.join(" · "))
            }
            "objective" => {
                let projects = portfolio.get(id, "projects").as_list().len();
                let children = portfolio.get(id, "children").as_list().len();
                let mut parts = vec![plural(projects, "project", "projects")];
                if children > 0 {
                    parts.push(plural(children, "child objective", "child objectives"));
                }
                let header_end = entity
                    .field("title")
                    .map_or(entity.id_span.end, |title| title.span().end.max(entity.id_span.end));
                (header_end as usize, format!("← {}", parts.join(" · ")))
            }
            _ => continue,
        };
        if offset < from || offset > to {
            continue;
        }
        hints.push(lsp::InlayHint {
            position: view.position(offset, snapshot.encoding),
            label: lsp::InlayHintLabel::String(label),
            kind: None,
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: Some(false),
            data: None,
        });
    }
    hints.sort_by_key(|hint| (hint.position.line, hint.position.character));
    hints
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}
