//! Resolving again after an edit of one file, without resolving the others: what a
//! language server does on every keystroke.
//!
//! When the edit leaves what the file declares unchanged — the same ids of the same kinds,
//! nested the same way, and no `extend` — every entity keeps its [`EntityId`], so the
//! other files' entities, references and findings stay valid. Only the file's own
//! entities are lowered again; references and findings are spliced, and the reverse
//! links, referrers and cycles are recomputed from the result. The outcome is exactly
//! what [`super::resolve`] gives for the whole workspace; [`update`] declines (`None`)
//! whenever it could not guarantee that.

use std::sync::Arc;

use super::resolve::{DECLARATION_KEYWORDS, Found, Resolver, assemble};
use super::{Entity, EntityId, Portfolio};
use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use crate::syntax::ast;

/// The portfolio of `previous` with `file` now parsed as `now` (it was parsed as
/// `before`), and every finding of resolution, in the order [`super::resolve`] gives
/// them. `None` when the edit changed what the file declares, or a finding elsewhere
/// points into the file: then everything must be resolved again.
pub fn update(
    previous: &Portfolio,
    file: FileId,
    before: &ast::SourceFile,
    now: &ast::SourceFile,
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    let extends = |tree: &ast::SourceFile| tree.items.iter().any(|item| matches!(item, ast::Item::Extend(_)));
    if extends(before) || extends(now) {
        return None;
    }
    let ours = |id: EntityId| previous.entity(id).is_some_and(|entity| entity.span.file == file);
    let touches = |diagnostic: &Diagnostic| {
        std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary).any(|label| label.span.file == file)
    };
    let found = &previous.found;
    if found.declared.iter().any(touches) {
        return None;
    }
    if found.lowered.iter().any(|(id, diagnostic)| !ours(*id) && touches(diagnostic)) {
        return None;
    }
    let (declared, broken): (Vec<EntityId>, Vec<EntityId>) = previous
        .ids()
        .filter(|id| ours(*id))
        .partition(|id| previous.entity(*id).is_some_and(|entity| !entity.broken));
    // The file's parsed declarations are one run of ids, in the order `declare` gave them.
    if let (Some(first), Some(last)) = (declared.first(), declared.last())
        && last.index() - first.index() + 1 != declared.len()
    {
        return None;
    }
    let mut sources: Vec<Option<&ast::Entity>> = vec![None; previous.entities.len()];
    let mut order = declared.iter().copied();
    for item in &now.items {
        if let ast::Item::Entity(declaration) = item {
            matches(previous, declaration, None, &mut order, &mut sources)?;
        }
    }
    if order.next().is_some() {
        return None;
    }
    let now_broken = still_broken(previous, now, &broken)?;

    let mut resolver = Resolver::over(previous, sources);
    for &id in &declared {
        let declaration = resolver.sources.get(id.index()).copied().flatten()?;
        let entity = Arc::make_mut(resolver.entities.get_mut(id.index())?);
        entity.span = declaration.span;
        entity.id_span = declaration.id.span;
        entity.kind_span = declaration.kind.span;
        entity.title = declaration.title.as_ref().map(|title| title.value.clone());
        entity.doc = declaration.doc.as_ref().map(|doc| doc.text.clone());
    }
    for (&id, declaration) in broken.iter().zip(now_broken) {
        let (Some(keyword), Some(name)) = (&declaration.keyword, &declaration.name) else { return None };
        let entity = Arc::make_mut(resolver.entities.get_mut(id.index())?);
        entity.span = declaration.span;
        entity.id_span = name.span;
        entity.kind_span = keyword.span;
    }
    resolver.lower(&declared);

    // Splice the file's references and findings between those of the entities before and
    // after it.
    let (start, end) = match (declared.first(), declared.last()) {
        (Some(first), Some(last)) => (*first, EntityId(last.0 + 1)),
        _ => (EntityId(0), EntityId(0)),
    };
    let before_start = previous.references.partition_point(|reference| reference.source < start);
    let from_end = previous.references.partition_point(|reference| reference.source < end);
    let mut references = Vec::with_capacity(previous.references.len() + resolver.references.len());
    references.extend_from_slice(previous.references.get(..before_start)?);
    references.append(&mut resolver.references);
    references.extend_from_slice(previous.references.get(from_end..)?);
    let before_start = found.lowered.partition_point(|(id, _)| *id < start);
    let from_end = found.lowered.partition_point(|(id, _)| *id < end);
    let mut lowered = Vec::with_capacity(found.lowered.len());
    lowered.extend_from_slice(found.lowered.get(..before_start)?);
    lowered.append(&mut resolver.lowered);
    lowered.extend_from_slice(found.lowered.get(from_end..)?);

    let found = Found { declared: found.declared.clone(), lowered };
    Some(assemble(
        previous.schema.clone(),
        resolver.entities,
        references,
        previous.index.clone(),
        previous.by_kind.clone(),
        found,
    ))
}

/// Matches `declaration` (and its nested ones) with the next ids of `order`: same kind,
/// same full id, nested in the same entity. Records it as the entity's source.
fn matches<'a>(
    previous: &Portfolio,
    declaration: &'a ast::Entity,
    parent: Option<(EntityId, &Entity)>,
    order: &mut impl Iterator<Item = EntityId>,
    sources: &mut [Option<&'a ast::Entity>],
) -> Option<()> {
    let id = order.next()?;
    let entity = previous.entity(id)?;
    let name = declaration.id.name.as_str();
    let same_id = match parent {
        None => entity.parent.is_none() && entity.id == name,
        Some((parent_id, parent)) => {
            entity.parent == Some(parent_id)
                && entity.id.strip_prefix(parent.id.as_str()).and_then(|rest| rest.strip_prefix('.'))
                    == Some(name)
        }
    };
    if !same_id
        || *entity.kind != *declaration.kind.name
        || entity.children.len() != declaration.children.len()
    {
        return None;
    }
    *sources.get_mut(id.index())? = Some(declaration);
    for child in &declaration.children {
        matches(previous, child, Some((id, entity)), order, sources)?;
    }
    Some(())
}

/// The broken declarations of `now` that declare their id, in order, when they are the
/// same ids and kinds as the file's broken entities `broken` were.
fn still_broken<'a>(
    previous: &Portfolio,
    now: &'a ast::SourceFile,
    broken: &[EntityId],
) -> Option<Vec<&'a ast::Broken>> {
    let mut declaring: Vec<&ast::Broken> = Vec::new();
    for item in &now.items {
        let ast::Item::Broken(declaration) = item else { continue };
        let (Some(keyword), Some(name)) = (&declaration.keyword, &declaration.name) else { continue };
        if DECLARATION_KEYWORDS.contains(&keyword.name.as_str())
            || previous.schema.kind(&keyword.name).is_none()
        {
            continue;
        }
        if let Some(existing) = previous.lookup(&name.name)
            && !broken.contains(&existing)
        {
            // Declared by a whole declaration (which wins), or by a broken one of another
            // file, which this one could now come before.
            if previous.entity(existing).is_some_and(|entity| entity.broken) {
                return None;
            }
            continue;
        }
        if declaring
            .iter()
            .any(|earlier| earlier.name.as_ref().is_some_and(|earlier| earlier.name == name.name))
        {
            continue;
        }
        declaring.push(declaration);
    }
    let same = declaring.len() == broken.len()
        && declaring.iter().zip(broken).all(|(declaration, id)| {
            previous.entity(*id).is_some_and(|entity| {
                declaration.name.as_ref().is_some_and(|name| name.name == entity.id)
                    && declaration.keyword.as_ref().is_some_and(|keyword| *keyword.name == *entity.kind)
            })
        });
    same.then_some(declaring)
}
