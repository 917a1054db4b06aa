//! Resolving again after an edit of one file, without resolving the others: what a
//! language server does on every keystroke.
//!
//! When the edit leaves the file with as many declarations as before, of the same kinds,
//! nested the same way, and no `extend`, every entity keeps its [`EntityId`], so the other
//! files' entities, references and findings stay valid. Only the file's own entities are
//! lowered again — and, when the edit renamed some of them (typing a new id), the entities
//! elsewhere whose references name an old or a new id, or whose unknown references could
//! now be suggested one. When the file's declarations changed shape (one added or
//! removed, one that stopped or started parsing), they are declared again in place, and
//! so are the file's broken declarations among the broken ones at the end, and every
//! later id moves by the difference ([`reshape`]). References and findings are spliced,
//! and the referrers and cycles are recomputed from the result; so are the reverse links,
//! unless every entity lowered again names the same targets as before (a value edited). The outcome is exactly what
//! [`super::resolve`] gives for the whole workspace; [`update`] declines (`None`) whenever
//! it could not guarantee that.

use std::borrow::Cow;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use rayon::prelude::*;

use super::references::References;
use super::resolve::{
    Found, Kept, Resolver, assemble, broken_kind, by_kind, declared_kind, links, merge, prepare,
};
use super::value::Value;
use super::{Entity, EntityId, Portfolio};
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::FileId;
use crate::syntax::ast;

/// The portfolio of `previous` with `file` now parsed as `now` (it was parsed as
/// `before`); `trees` are every file's trees, `now` included. Returns every finding of
/// resolution too, in the order [`super::resolve`] gives them. `None` when an `extend` is
/// involved, a new id collides with another, declaring the file's entities finds a
/// problem, or a finding elsewhere points into the file: then everything must be resolved
/// again.
pub fn update(
    previous: &Portfolio,
    file: FileId,
    before: &ast::SourceFile,
    now: &ast::SourceFile,
    trees: &[(FileId, &ast::SourceFile)],
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
    let mut shape = Shape { previous, sources: vec![None; previous.entities.len()], ids: Vec::new() };
    let mut order = declared.iter().copied();
    let same_shape = now
        .items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Entity(declaration) => Some(declaration),
            _ => None,
        })
        .all(|declaration| shape.matches(declaration, None, &mut order).is_some())
        && order.next().is_none();
    if !same_shape {
        return reshape(previous, file, now, trees, &declared, &broken);
    }
    let Shape { mut sources, ids: mut new_ids, .. } = shape;
    let Some(now_broken) = still_broken(previous, now, &broken, &new_ids) else {
        // Its broken declarations changed (one more, one fewer, another id).
        return reshape(previous, file, now, trees, &declared, &broken);
    };
    for (id, declaration) in broken.iter().zip(&now_broken) {
        new_ids.push((*id, Cow::Owned(declaration.name.as_ref()?.name.to_string())));
    }

    // Renamed entities: the index changes, and so may the references that name them.
    let renamed: Vec<(EntityId, &str, &str)> = new_ids
        .iter()
        .filter_map(|(id, new)| {
            let old = previous.entity(*id)?;
            (old.id != *new).then_some((*id, old.id.as_str(), &**new))
        })
        .collect();
    let mut relower: Vec<EntityId> = declared.clone();
    let mut index = previous.index.clone();
    if !renamed.is_empty() {
        // A broken declaration elsewhere that an old id kept from declaring would now
        // declare it.
        let freed: FxHashSet<&str> = renamed.iter().map(|(_, old, _)| *old).collect();
        if wanted_elsewhere(trees, file, |id| freed.contains(id)) {
            return None;
        }
        let mut taken: FxHashSet<&str> = FxHashSet::default();
        for (_, new) in &new_ids {
            if !taken.insert(&**new) {
                return None;
            }
        }
        for (_, _, new) in &renamed {
            if previous.lookup(new).is_some_and(|owner| !ours(owner)) {
                return None;
            }
        }
        let map = Arc::make_mut(&mut index);
        for (_, old, _) in &renamed {
            map.remove(*old);
        }
        for (id, _, new) in &renamed {
            map.insert((*new).to_string(), *id);
        }
        let names: FxHashSet<&str> = renamed.iter().flat_map(|(_, old, new)| [*old, *new]).collect();
        let elsewhere = naming(previous, file, |id| names.contains(id));
        relower.extend(find_declarations(previous, trees, &elsewhere, |id| id, &mut sources)?);
        relower.sort();
    }

    let mut resolver = Resolver::over(previous, sources);
    resolver.index = index;
    for &id in &declared {
        let declaration = resolver.sources.get(id.index()).copied().flatten()?;
        let entity = Arc::make_mut(resolver.entities.get_mut(id.index())?);
        entity.span = declaration.span;
        entity.id_span = declaration.id.span;
        entity.kind_span = declaration.kind.span;
        entity.title = declaration.title.as_ref().map(|title| Arc::from(title.value.as_str()));
        entity.doc = declaration.doc.as_ref().map(|doc| doc.text.clone());
    }
    move_broken(&mut resolver.entities, broken.iter().copied(), &now_broken)?;
    for (id, _, new) in &renamed {
        Arc::make_mut(resolver.entities.get_mut(id.index())?).id = (*new).to_string();
    }
    resolver.lower(&relower);

    // Merge the references and findings of the entities lowered again into those of the
    // others, in entity order.
    let mut again = vec![false; previous.entities.len()];
    for id in &relower {
        *again.get_mut(id.index())? = true;
    }
    let kept = |id: EntityId| !again.get(id.index()).copied().unwrap_or(false);
    let references = previous.references.updated(&again, std::mem::take(&mut resolver.references), |id| {
        resolver.entities.get(id.index()).map(|entity| entity.span.file)
    });
    let lowered = merge(
        found.lowered.iter().filter(|(id, _)| kept(*id)).cloned(),
        std::mem::take(&mut resolver.lowered),
        |(id, _)| *id,
    );
    let found = Found { declared: found.declared.clone(), lowered, ..Found::default() };
    // Ids and kinds stayed: when the entities lowered again name the same targets as
    // before, the reverse links are those of `previous` (editing a value, a title, a span).
    let same_links = relower.iter().all(|id| {
        previous
            .entity(*id)
            .zip(resolver.entities.get(id.index()))
            .is_some_and(|(before, after)| links::same_links(before, after))
    });
    Some(assemble(
        previous.schema.clone(),
        resolver.entities,
        references,
        resolver.index,
        previous.by_kind.clone(),
        found,
        Some(Kept { previous, reverse: same_links.then(|| previous.reverse.clone()) }),
    ))
}

/// Matches the file's new declarations with its previous entities.
struct Shape<'p, 'a> {
    previous: &'p Portfolio,
    /// The new declaration of each matched entity.
    sources: Vec<Option<&'a ast::Entity>>,
    /// The full id each matched entity has now: the previous entity's when it is the same.
    ids: Vec<(EntityId, Cow<'p, str>)>,
}

impl<'p, 'a> Shape<'p, 'a> {
    /// Matches `declaration` (and its nested ones) with the next ids of `order`: same kind,
    /// nested in the same entity with as many nested ones. `parent` is the parent's new id.
    fn matches(
        &mut self,
        declaration: &'a ast::Entity,
        parent: Option<(EntityId, &str)>,
        order: &mut impl Iterator<Item = EntityId>,
    ) -> Option<()> {
        let id = order.next()?;
        let entity = self.previous.entity(id)?;
        let parent_kind =
            parent.and_then(|(parent, _)| self.previous.entity(parent)).map(|parent| &*parent.kind);
        let same_place = entity.parent == parent.map(|(parent, _)| parent)
            && *entity.kind == *declared_kind(&self.previous.schema, &declaration.kind.name, parent_kind)
            && entity.children.len() == declaration.children.len();
        if !same_place {
            return None;
        }
        let name = declaration.id.name.as_str();
        let same = match parent {
            None => entity.id == name,
            Some((_, parent)) => entity
                .id
                .strip_prefix(parent)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|local| local == name),
        };
        let full: Cow<'p, str> = match parent {
            _ if same => Cow::Borrowed(entity.id.as_str()),
            None => Cow::Owned(name.to_string()),
            Some((_, parent)) => Cow::Owned(format!("{parent}.{name}")),
        };
        *self.sources.get_mut(id.index())? = Some(declaration);
        for child in &declaration.children {
            self.matches(child, Some((id, &full)), order)?;
        }
        self.ids.push((id, full));
        Some(())
    }
}

/// The broken declarations of `now` that declare their id, in order, when there are as
/// many as the file's broken entities `broken`, of the same kinds. `declared` are the new
/// ids of the file's other entities.
fn still_broken<'a>(
    previous: &Portfolio,
    now: &'a ast::SourceFile,
    broken: &[EntityId],
    declared: &[(EntityId, Cow<'_, str>)],
) -> Option<Vec<&'a ast::Broken>> {
    let mut declaring: Vec<&ast::Broken> = Vec::new();
    for item in &now.items {
        let ast::Item::Broken(declaration) = item else { continue };
        let (Some(keyword), Some(name)) = (&declaration.keyword, &declaration.name) else { continue };
        if broken_kind(&previous.schema, &keyword.name).is_none() {
            continue;
        }
        if declared.iter().any(|(_, id)| *id == name.name) {
            continue;
        }
        if let Some(existing) = previous.lookup(&name.name)
            && !broken.contains(&existing)
            && previous.entity(existing).is_some_and(|entity| entity.span.file != declaration.span.file)
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
                declaration.keyword.as_ref().is_some_and(|keyword| {
                    broken_kind(&previous.schema, &keyword.name) == Some(&*entity.kind)
                })
            })
        });
    same.then_some(declaring)
}

/// Whether a broken declaration of a file other than `file` names an id `freed` says
/// is no longer declared: it would now declare that id itself.
fn wanted_elsewhere(
    trees: &[(FileId, &ast::SourceFile)],
    file: FileId,
    freed: impl Fn(&str) -> bool,
) -> bool {
    trees.iter().filter(|(tree_file, _)| *tree_file != file).any(|(_, tree)| {
        tree.items.iter().any(|item| {
            matches!(item, ast::Item::Broken(ast::Broken { name: Some(name), .. }) if freed(&name.name))
        })
    })
}

/// The entities of files other than `file` to lower again when the ids `changed` says
/// appear or disappear: those whose references name one, and those whose unknown
/// references and wrong kinds suggest the closest ids, which may be among them.
fn naming(previous: &Portfolio, file: FileId, changed: impl Fn(&str) -> bool) -> FxHashSet<EntityId> {
    let elsewhere = |id: EntityId| previous.entity(id).is_some_and(|entity| entity.span.file != file);
    let suggests = |diagnostic: &Diagnostic| {
        matches!(diagnostic.builtin_code(), Some(BuiltinCode::UnknownReference | BuiltinCode::WrongKind))
    };
    let mut found: FxHashSet<EntityId> = previous
        .references
        .iter()
        .filter(|reference| elsewhere(reference.source) && changed(&reference.name))
        .map(|reference| reference.source)
        .collect();
    found.extend(
        previous
            .found
            .lowered
            .iter()
            .filter(|(id, diagnostic)| elsewhere(*id) && suggests(diagnostic))
            .map(|(id, _)| *id),
    );
    found
}

/// Points `sources` at the declarations of `entities` (of unchanged files), each at its
/// id now, `placed(id)`; returns those ids. `None` when a declaration is not found.
fn find_declarations<'a>(
    previous: &Portfolio,
    trees: &[(FileId, &'a ast::SourceFile)],
    entities: &FxHashSet<EntityId>,
    placed: impl Fn(EntityId) -> EntityId,
    sources: &mut [Option<&'a ast::Entity>],
) -> Option<Vec<EntityId>> {
    let mut declarations = Declarations::default();
    let mut ids = Vec::with_capacity(entities.len());
    for id in entities {
        let entity = previous.entity(*id)?;
        let tree = trees.iter().find(|(tree_file, _)| *tree_file == entity.span.file)?.1;
        let now = placed(*id);
        *sources.get_mut(now.index())? = Some(declarations.find(tree, entity)?);
        ids.push(now);
    }
    Some(ids)
}

/// Moves the broken entities `ids` to their declarations in the edited file.
fn move_broken(
    entities: &mut [Arc<Entity>],
    ids: impl Iterator<Item = EntityId>,
    declarations: &[&ast::Broken],
) -> Option<()> {
    for (id, declaration) in ids.zip(declarations) {
        let (Some(keyword), Some(name)) = (&declaration.keyword, &declaration.name) else { return None };
        let entity = Arc::make_mut(entities.get_mut(id.index())?);
        entity.span = declaration.span;
        entity.id_span = name.span;
        entity.kind_span = keyword.span;
    }
    Some(())
}

/// The declarations of other files' entities, found by where they start.
#[derive(Default)]
struct Declarations<'a> {
    by_start: FxHashMap<(FileId, u32), &'a ast::Entity>,
    indexed: FxHashSet<FileId>,
}

impl<'a> Declarations<'a> {
    fn find(&mut self, tree: &'a ast::SourceFile, entity: &Entity) -> Option<&'a ast::Entity> {
        let file = entity.span.file;
        if self.indexed.insert(file) {
            let mut pending: Vec<&ast::Entity> = tree
                .items
                .iter()
                .filter_map(|item| match item {
                    ast::Item::Entity(declaration) => Some(declaration),
                    _ => None,
                })
                .collect();
            while let Some(declaration) = pending.pop() {
                self.by_start.insert((file, declaration.span.start), declaration);
                pending.extend(&declaration.children);
            }
        }
        self.by_start.get(&(file, entity.span.start)).copied()
    }
}

/// The update when the file's declarations changed shape (one added or removed, nested
/// elsewhere, one that no longer parses or parses again): the file's entities are declared
/// again in place, and so are its broken declarations among the broken ones at the end;
/// every later entity's id moves by the difference in their number, in every value,
/// reference and finding that holds it. Declines like [`update`], when declaring the
/// file's entities finds a problem (a duplicate id, a kind at the wrong level), and when a
/// broken declaration of another file would now declare an id, or no longer would.
fn reshape(
    previous: &Portfolio,
    file: FileId,
    now: &ast::SourceFile,
    trees: &[(FileId, &ast::SourceFile)],
    declared: &[EntityId],
    broken: &[EntityId],
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    let ours = |id: EntityId| previous.entity(id).is_some_and(|entity| entity.span.file == file);
    // The parsed entities come first, the broken ones last, each file by file.
    let parsed = previous.entities.partition_point(|entity| !entity.broken);
    // The file's run of parsed ids: where its parsed entities are, or would be.
    let (start, end) = match (declared.first(), declared.last()) {
        (Some(first), Some(last)) => (first.index(), last.index() + 1),
        _ => {
            let at = previous.entities.get(..parsed)?.partition_point(|entity| entity.span.file.0 < file.0);
            (at, at)
        }
    };
    // And its run of broken ids.
    let broken_start =
        parsed + previous.entities.get(parsed..)?.partition_point(|entity| entity.span.file.0 < file.0);
    let broken_end = broken_start + broken.len();
    if broken.iter().zip(broken_start..broken_end).any(|(id, index)| id.index() != index) {
        return None;
    }
    let mut names = FxHashMap::default();
    let mut prepared = Vec::new();
    for item in &now.items {
        if let ast::Item::Entity(declaration) = item {
            prepare(&previous.schema, false, declaration, None, &mut names, &mut prepared);
        }
    }

    // Ids: new ones must be free, freed ones must not let a broken declaration elsewhere
    // declare them.
    let ids_of = |ids: &[EntityId]| -> FxHashSet<&str> {
        ids.iter().filter_map(|id| previous.entity(*id)).map(|entity| entity.id.as_str()).collect()
    };
    let (old_parsed, old_broken) = (ids_of(declared), ids_of(broken));
    let new_ids: FxHashSet<&str> = prepared.iter().map(|item| item.entity.id.as_str()).collect();
    if new_ids.len() != prepared.len() {
        return None;
    }
    if new_ids.iter().any(|id| previous.lookup(id).is_some_and(|owner| !ours(owner))) {
        return None;
    }
    let declaring = declaring_broken(previous, file, now, &new_ids, broken_end)?;
    let all_new: FxHashSet<&str> = new_ids
        .iter()
        .copied()
        .chain(
            declaring
                .iter()
                .filter_map(|declaration| declaration.name.as_ref())
                .map(|name| name.name.as_str()),
        )
        .collect();
    // An id the file's parsed entities no longer hold is wanted by another file's broken
    // declaration even when one of the file's own broken declarations names it: an
    // earlier file's would come first.
    let freed = |id: &str| {
        (old_parsed.contains(id) && !new_ids.contains(id))
            || (old_broken.contains(id) && !all_new.contains(id))
    };
    if wanted_elsewhere(trees, file, freed) {
        return None;
    }
    let delta = prepared.len() as i64 - (end - start) as i64;
    let broken_delta = declaring.len() as i64 - broken.len() as i64;
    let moved = |id: EntityId| -> EntityId {
        let shift = if id.index() >= broken_end {
            delta + broken_delta
        } else if id.index() >= end {
            delta
        } else {
            0
        };
        EntityId(u32::try_from(i64::from(id.0) + shift).unwrap_or(id.0))
    };

    let found = &previous.found;
    let elsewhere = naming(previous, file, |id| {
        old_parsed.contains(id) || old_broken.contains(id) || all_new.contains(id)
    });

    // The entities before the file, the file's declared again, the ones after it moved;
    // among the broken ones at the end, the file's declared again in the same way.
    let remap = |entity: &Arc<Entity>| remap_entity(entity, end, &moved);
    let before: Vec<Arc<Entity>> = previous.entities.get(..start)?.par_iter().map(remap).collect();
    let middle: Vec<Arc<Entity>> = previous.entities.get(end..broken_start)?.par_iter().map(remap).collect();
    let after: Vec<Arc<Entity>> = previous.entities.get(broken_end..)?.par_iter().map(remap).collect();
    let mut index: FxHashMap<String, EntityId> =
        FxHashMap::with_capacity_and_hasher(previous.index.len() + prepared.len(), Default::default());
    let the_files = |id: &EntityId| {
        (start..end).contains(&id.index()) || (broken_start..broken_end).contains(&id.index())
    };
    for (name, id) in previous.index.iter() {
        if !the_files(id) {
            index.insert(name.clone(), moved(*id));
        }
    }
    let count = prepared.len();
    let mut resolver = Resolver::resume(previous.schema.clone(), before, vec![None; start], Arc::new(index));
    resolver.place(prepared);
    if !resolver.declared().is_empty() || resolver.entities.len() != start + count {
        return None;
    }
    let middle_length = middle.len();
    resolver.entities.extend(middle);
    resolver.sources.extend(std::iter::repeat_n(None, middle_length));
    for declaration in &declaring {
        resolver.declare_broken(declaration);
    }
    if resolver.entities.len() != moved(EntityId(broken_end as u32)).index() {
        return None;
    }
    let after_length = after.len();
    resolver.entities.extend(after);
    resolver.sources.extend(std::iter::repeat_n(None, after_length));
    let mut relower: Vec<EntityId> = (start..start + count).map(|index| EntityId(index as u32)).collect();
    relower.extend(find_declarations(previous, trees, &elsewhere, moved, &mut resolver.sources)?);
    relower.sort();
    resolver.lower(&relower);

    // Keep the references and findings of the other entities, with moved ids.
    let again = |id: EntityId| (start..end).contains(&id.index()) || elsewhere.contains(&id);
    let mut kept_references = Vec::with_capacity(previous.references.len());
    for reference in previous.references.iter().filter(|reference| !again(reference.source)) {
        if reference.target.as_ref().is_some_and(the_files) {
            return None;
        }
        let mut reference = reference.clone();
        reference.source = moved(reference.source);
        reference.target = reference.target.map(&moved);
        kept_references.push(reference);
    }
    let references =
        merge(kept_references.into_iter(), std::mem::take(&mut resolver.references), |reference| {
            reference.source
        });
    let references =
        References::new(references, |id| resolver.entities.get(id.index()).map(|entity| entity.span.file));
    let lowered = merge(
        found
            .lowered
            .iter()
            .filter(|(id, _)| !again(*id))
            .map(|(id, diagnostic)| (moved(*id), diagnostic.clone())),
        std::mem::take(&mut resolver.lowered),
        |(id, _)| *id,
    );
    let kinds = by_kind(&resolver.entities);
    let found = Found { declared: found.declared.clone(), lowered, ..Found::default() };
    Some(assemble(previous.schema.clone(), resolver.entities, references, resolver.index, kinds, found, None))
}

/// The broken declarations of `now` that declare their id, in order, as resolving the
/// whole workspace would decide: those whose kind is known and whose id no parsed entity
/// (`new_ids` in the file), no earlier broken declaration and no earlier file's broken
/// entity declares. `None` when one names the id of a later file's broken entity, which
/// this one would now take. The file's broken entities end at `broken_end`.
fn declaring_broken<'a>(
    previous: &Portfolio,
    file: FileId,
    now: &'a ast::SourceFile,
    new_ids: &FxHashSet<&str>,
    broken_end: usize,
) -> Option<Vec<&'a ast::Broken>> {
    let mut declaring: Vec<&ast::Broken> = Vec::new();
    let mut taken: FxHashSet<&str> = FxHashSet::default();
    for item in &now.items {
        let ast::Item::Broken(declaration) = item else { continue };
        let (Some(keyword), Some(name)) = (&declaration.keyword, &declaration.name) else { continue };
        if broken_kind(&previous.schema, &keyword.name).is_none() {
            continue;
        }
        let id = name.name.as_str();
        if new_ids.contains(id) || taken.contains(id) {
            continue;
        }
        if let Some(owner) = previous.lookup(id)
            && previous.entity(owner).is_some_and(|entity| entity.span.file != file)
        {
            // A later file's broken entity would lose its id to this declaration; a parsed
            // entity of another file, or an earlier file's broken one, keeps it.
            if owner.index() >= broken_end {
                return None;
            }
            continue;
        }
        taken.insert(id);
        declaring.push(declaration);
    }
    Some(declaring)
}

/// `entity` with every id in it at or after `end` moved.
fn remap_entity(
    entity: &Arc<Entity>,
    end: usize,
    moved: &(impl Fn(EntityId) -> EntityId + Sync),
) -> Arc<Entity> {
    let after = |id: &EntityId| id.index() >= end;
    let in_value = |value: &Value| match value {
        Value::Entity(id) => after(id),
        Value::List(items) => items.iter().any(|item| item.as_entity().is_some_and(|id| after(&id))),
        _ => false,
    };
    let touched = entity.parent.as_ref().is_some_and(after)
        || entity.children.iter().any(after)
        || entity.fields.iter().any(|field| in_value(&field.value));
    if !touched {
        return entity.clone();
    }
    let mut copy = (**entity).clone();
    copy.parent = copy.parent.map(moved);
    for child in &mut copy.children {
        *child = moved(*child);
    }
    for field in &mut copy.fields {
        field.value = match &field.value {
            Value::Entity(id) => Value::Entity(moved(*id)),
            Value::List(items) if in_value(&field.value) => Value::List(
                items
                    .iter()
                    .map(|item| match item {
                        Value::Entity(id) => Value::Entity(moved(*id)),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
    }
    Arc::new(copy)
}
