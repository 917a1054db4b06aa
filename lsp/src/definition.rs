//! Go to definition: from a reference to the entity's declaration, from a `use` to the
//! file, from a waiver's `rule:` or a test's `expect` to the rule, from an extended field
//! to its `extend`.

use charter::source::Span;
use tower_lsp_server::ls_types as lsp;

use crate::analysis::{FileRef, Snapshot};
use crate::convert;
use crate::describe;
use crate::locate::{Target, target_at};

pub fn definition(snapshot: &Snapshot, file: FileRef<'_>, offset: usize) -> Vec<lsp::Location> {
    let workspace = file.workspace();
    let location =
        |span: Span| convert::location(&workspace.sources, &snapshot.paths, span, snapshot.encoding);
    let Some(target) = target_at(file, offset) else {
        return Vec::new();
    };
    match target {
        Target::Entity { id, .. } => {
            workspace.portfolio.entity(id).and_then(|entity| location(entity.id_span)).into_iter().collect()
        }
        Target::Rule { name, .. } => describe::rules(workspace)
            .into_iter()
            .filter(|info| info.name() == name)
            .filter_map(|info| location(info.name_span()))
            .collect(),
        Target::Use { path, .. } => {
            if !path.is_file() && workspace.sources.find(&path).is_none() {
                return Vec::new();
            }
            snapshot
                .paths
                .uri(&path)
                .map(|uri| lsp::Location::new(uri, lsp::Range::default()))
                .into_iter()
                .collect()
        }
        Target::Field { kind, field, .. } => workspace
            .portfolio
            .schema
            .field(&kind, &field)
            .and_then(|definition| definition.declared_at)
            .and_then(location)
            .into_iter()
            .collect(),
        Target::Unresolved { .. } | Target::Kind { .. } | Target::Method { .. } => Vec::new(),
    }
}
