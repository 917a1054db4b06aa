//! Rename an entity: its declaration and every reference, across files. References to
//! nested entities (`checkout_revamp.beta`) follow a renamed parent. A new id that is not
//! an identifier, or that another entity already has, is refused.

use std::collections::HashMap;

use charter::source::Span;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::convert;
use crate::locate::{Target, target_at};

/// The range to rename and its current text: the id's last segment.
pub fn prepare(snapshot: &Snapshot, file: FileRef<'_>, offset: usize) -> Option<lsp::PrepareRenameResponse> {
    let Target::Entity { id, span } = target_at(file, offset)? else {
        return None;
    };
    let entity = file.workspace().portfolio.entity(id)?;
    let short = short_name(&entity.id);
    let segment = Span::new(span.file, (span.end as usize).saturating_sub(short.len()), span.end as usize);
    Some(lsp::PrepareRenameResponse::RangeWithPlaceholder {
        range: file.text().span_range(segment, snapshot.encoding),
        placeholder: short.to_string(),
    })
}

fn short_name(id: &str) -> &str {
    id.rsplit('.').next().unwrap_or(id)
}

/// Whether `name` can be an entity's id.
pub fn valid_id(name: &str) -> bool {
    let mut characters = name.chars();
    let starts_well = characters.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    starts_well
        && characters.all(|character| character.is_ascii_alphanumeric() || character == '_')
        && !matches!(name, "none" | "true" | "false")
}

pub fn rename(
    snapshot: &Snapshot,
    file: FileRef<'_>,
    offset: usize,
    new_name: &str,
) -> Result<Option<lsp::WorkspaceEdit>, String> {
    let Some(Target::Entity { id, .. }) = target_at(file, offset) else {
        return Ok(None);
    };
    if !valid_id(new_name) {
        return Err(format!(
            "`{new_name}` is not a valid id: ids start with a letter or `_` and contain only letters, digits and `_` (and are not `none`, `true` or `false`)"
        ));
    }
    let workspace = file.workspace();
    let portfolio = &workspace.portfolio;
    let Some(entity) = portfolio.entity(id) else {
        return Ok(None);
    };
    let old = entity.id.clone();
    let short = short_name(&old);
    if short == new_name {
        return Ok(Some(lsp::WorkspaceEdit::default()));
    }
    let parent = old.get(..old.len() - short.len()).unwrap_or("");
    let new_full = format!("{parent}{new_name}");
    if let Some(existing) = portfolio.lookup(&new_full).and_then(|existing| portfolio.entity(existing)) {
        return Err(format!("`{new_full}` is already declared as a {}", existing.kind));
    }
    let mut spans: Vec<Span> = vec![entity.id_span];
    let descendant = format!("{old}.");
    for reference in &portfolio.references {
        let names_it = reference.target == Some(id)
            || *reference.name == *old
            || reference.name.starts_with(&descendant);
        if !names_it {
            continue;
        }
        // The written name starts with the old full id; its last segment is what changes.
        let start = reference.span.start as usize + parent.len();
        spans.push(Span::new(reference.span.file, start, start + short.len()));
    }
    let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
    for span in spans {
        let Some(location) = convert::location(&workspace.sources, &snapshot.paths, span, snapshot.encoding)
        else {
            continue;
        };
        let edits = changes.entry(location.uri).or_default();
        if edits.iter().any(|edit| edit.range == location.range) {
            continue;
        }
        edits.push(lsp::TextEdit::new(location.range, new_name.to_string()));
    }
    for edits in changes.values_mut() {
        edits.sort_by_key(|edit| (edit.range.start.line, edit.range.start.character));
    }
    Ok(Some(lsp::WorkspaceEdit::new(changes)))
}
