//! Resolving again after an edit of one file, without resolving the others: what a
//! language server does on every keystroke.
//!
//! When the edit leaves the file with as many declarations as before, of the same kinds,
//! nested the same way, and no `extend`, every entity keeps its [`EntityId`], so the other
//! files' entities, references and findings stay valid. Only the file's own entities are
//! lowered again — and, when the edit renamed some of them (typing a new id), the entities
//! elsewhere whose references name an old or a new id, or whose unknown references could
//! now be suggested one. When the file's declarations changed shape (one added or
//! removed, one that stopped or started parsing), they are declared again inside the
//! file's blocks of ids ([`super::layout`]; [`reshape`]), so the other files' entities
//! keep their ids too, and the entities elsewhere that name one of the file's ids are
//! lowered again. References and findings are spliced; what is computed from the whole
//! portfolio is computed again only from what changed ([`super::resolve::assemble`]).
//! The outcome is what [`super::resolve`] gives for the whole workspace, up to the room
//! left among the ids; [`update`] declines (`None`) whenever it could not guarantee that,
//! and when the file's blocks are full.

use std::borrow::Cow;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::Reference;
use super::resolve::{
    Entities, Found, Kept, Resolver, assemble, broken_kind, declared_kind, file_of, links, merge, prepare,
    walk,
};
use super::{Entity, EntityId, Portfolio};
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::FileId;
use crate::syntax::{Shift, ast};

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
    update_in(previous, file, (before, now), trees, None)
}

/// [`update`], knowing the file's text before and now (`texts`): a declaration whose text
/// did not change keeps its entities, moved by the bytes the edit inserted before it,
/// instead of being lowered again.
pub fn update_with_texts(
    previous: &Portfolio,
    file: FileId,
    (before, now): (&ast::SourceFile, &ast::SourceFile),
    trees: &[(FileId, &ast::SourceFile)],
    texts: (&str, &str),
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    update_in(previous, file, (before, now), trees, Some(texts))
}

fn update_in(
    previous: &Portfolio,
    file: FileId,
    (before, now): (&ast::SourceFile, &ast::SourceFile),
    trees: &[(FileId, &ast::SourceFile)],
    texts: Option<(&str, &str)>,
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
    // The file's parsed declarations are one run of ids, in the order `declare` gave them
    // (with room, its block may have empty slots among them).
    if let (Some(first), Some(last)) = (declared.first(), declared.last())
        && last.index() - first.index() + 1 != declared.len()
        && previous.layout.is_none()
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
        return reshape_any(previous, file, (before, now), texts, trees, (&declared, &broken));
    }
    let Shape { mut sources, ids: mut new_ids, .. } = shape;
    let Some(now_broken) = still_broken(previous, now, &broken, &new_ids) else {
        // Its broken declarations changed (one more, one fewer, another id).
        return reshape_any(previous, file, (before, now), texts, trees, (&declared, &broken));
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
    // What a declaration lowers to depends on it and on the ids it names: one that did not
    // change, and names no renamed id, keeps its entity, moved by as many bytes as the
    // edit before it inserted.
    let mut moved: Vec<Moved> = Vec::new();
    if let Some(texts) = texts {
        (relower, moved) = unchanged(previous, (before, now), texts, &declared)?;
    }
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
        for (_, old, _) in &renamed {
            index.remove(old);
        }
        for (id, _, new) in &renamed {
            index.insert(new, *id);
        }
        let olds: Vec<EntityId> = renamed.iter().map(|(id, ..)| *id).collect();
        let news: FxHashSet<&str> = renamed.iter().map(|(.., new)| *new).collect();
        let naming = naming_all(previous, &olds, |id| news.contains(id));
        // The file's own that name one are lowered again rather than moved.
        moved.retain(|(id, _)| !naming.contains(id));
        relower.extend(naming.iter().copied().filter(|id| ours(*id)));
        let elsewhere: FxHashSet<EntityId> = naming.iter().copied().filter(|id| !ours(*id)).collect();
        relower.extend(find_declarations(previous, trees, &elsewhere, |id| id, &mut sources)?);
        relower.sort();
        relower.dedup();
    }

    let mut resolver = Resolver::over(previous, sources);
    resolver.index = index;
    let mut moved_references = Vec::new();
    for &(id, delta) in &moved {
        move_entity(previous, &mut resolver.entities, (id, delta), &mut moved_references)?;
    }
    for &id in relower.iter().filter(|id| ours(**id)) {
        let declaration = resolver.sources.get(id.index()).copied().flatten()?;
        let entity = Arc::make_mut(resolver.entities.get_mut(id.index())?.as_mut()?);
        place_at(entity, declaration);
        entity.title = declaration.title.as_ref().map(|title| Arc::from(title.value.as_str()));
        entity.doc = declaration.doc.as_ref().map(|doc| doc.text.clone());
    }
    move_broken(&mut resolver.entities, broken.iter().copied(), &now_broken)?;
    for (id, _, new) in &renamed {
        Arc::make_mut(resolver.entities.get_mut(id.index())?.as_mut()?).id = (*new).to_string();
    }
    resolver.lower(&relower);

    // Merge the references and findings of the entities lowered again into those of the
    // others, in entity order.
    let mut again = vec![false; previous.entities.len()];
    for id in relower.iter().chain(moved.iter().map(|(id, _)| id)) {
        *again.get_mut(id.index())? = true;
    }
    let kept = |id: EntityId| !again.get(id.index()).copied().unwrap_or(false);
    let lowered_again =
        merge(moved_references.into_iter(), std::mem::take(&mut resolver.references), |reference| {
            reference.source
        });
    let references = previous.references.updated(&again, lowered_again, |id| file_of(&resolver.entities, id));
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
            .zip(resolver.entities.get(id.index()).and_then(Option::as_deref))
            .is_some_and(|(before, after)| links::same_links(before, after))
    });
    let declared = Entities {
        schema: previous.schema.clone(),
        entities: resolver.entities,
        references,
        index: resolver.index,
        by_kind: previous.by_kind.clone(),
        layout: previous.layout.clone(),
    };
    let moved = moved.into_iter().map(|(id, _)| id).collect();
    Some(assemble(
        declared,
        found,
        Some(Kept { previous, reverse: same_links.then(|| previous.reverse.clone()), moved }),
    ))
}

/// An entity that only moved, by this many bytes.
type Moved = (EntityId, i64);

/// Which of the file's entities (`declared`, its parsed ones, in order) to lower again
/// after an edit that kept the shape of its declarations and every id: those of the
/// declarations that changed, and those of unchanged ones whose findings could point
/// elsewhere; the others only move, by the bytes the edit inserted before them (`0`: they
/// stay as they are, and are left out). `None` when the trees do not match the entities.
fn unchanged(
    previous: &Portfolio,
    (before, now): (&ast::SourceFile, &ast::SourceFile),
    (old_text, new_text): (&str, &str),
    declared: &[EntityId],
) -> Option<(Vec<EntityId>, Vec<Moved>)> {
    let (old, new) = (entity_declarations(before), entity_declarations(now));
    if old.len() != new.len() {
        return None;
    }
    let has_findings: FxHashSet<EntityId> = previous.found.lowered.iter().map(|(id, _)| *id).collect();
    let (mut relower, mut moved) = (Vec::new(), Vec::new());
    let mut ids = declared.iter().copied();
    for (old, new) in old.iter().zip(&new) {
        let ids: Vec<EntityId> = ids.by_ref().take(super::resolve::declared(new)).collect();
        let delta = i64::from(new.span.start) - i64::from(old.span.start);
        // A finding may have a label on another entity, which would not move alike.
        if !same_text((old_text, new_text), old, new) || ids.iter().any(|id| has_findings.contains(id)) {
            relower.extend(ids);
        } else if delta != 0 {
            moved.extend(ids.into_iter().map(|id| (id, delta)));
        }
    }
    ids.next().is_none().then_some((relower, moved))
}

/// Whether declaration `old` of the file's old text is `new` of its new text, maybe
/// elsewhere: the same text parses to the same tree, every span moved alike (a
/// declaration's doc comment, outside its span, is compared in the trees).
fn same_text((old_text, new_text): (&str, &str), old: &ast::Entity, new: &ast::Entity) -> bool {
    old_text.get(old.span.range()) == new_text.get(new.span.range()) && old == new
}

/// Moves entity `id` of `entities` (`previous`'s until now) by `delta` bytes, and adds its
/// references, moved alike, to `references`: a declaration whose text did not change.
fn move_entity(
    previous: &Portfolio,
    entities: &mut [Option<Arc<Entity>>],
    (id, delta): Moved,
    references: &mut Vec<Reference>,
) -> Option<()> {
    let entity = Arc::make_mut(entities.get_mut(id.index())?.as_mut()?);
    entity.span.shift(delta);
    entity.id_span.shift(delta);
    entity.kind_span.shift(delta);
    for field in &mut entity.fields {
        field.name_span.shift(delta);
        field.value_span.shift(delta);
    }
    references.extend(previous.references.of(id).iter().map(|reference| {
        let mut reference = reference.clone();
        reference.span.shift(delta);
        reference
    }));
    Some(())
}

/// Gives `entity` the place of `declaration`, which declares it now.
fn place_at(entity: &mut Entity, declaration: &ast::Entity) {
    entity.span = declaration.span;
    entity.id_span = declaration.id.span;
    entity.kind_span = declaration.kind.span;
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
    entities: &mut [Option<Arc<Entity>>],
    ids: impl Iterator<Item = EntityId>,
    declarations: &[&ast::Broken],
) -> Option<()> {
    for (id, declaration) in ids.zip(declarations) {
        let (Some(keyword), Some(name)) = (&declaration.keyword, &declaration.name) else { return None };
        let entity = Arc::make_mut(entities.get_mut(id.index())?.as_mut()?);
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

/// [`reshape_within`] when it can, else [`reshape`].
fn reshape_any(
    previous: &Portfolio,
    file: FileId,
    trees_of_file: (&ast::SourceFile, &ast::SourceFile),
    texts: Option<(&str, &str)>,
    trees: &[(FileId, &ast::SourceFile)],
    (declared, broken): (&[EntityId], &[EntityId]),
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    texts
        .and_then(|texts| reshape_within(previous, file, trees_of_file, texts, trees, (declared, broken)))
        .or_else(|| reshape(previous, file, trees_of_file.1, trees, declared, broken))
}

/// A reshape that declares again only the declarations between the first and the last
/// ones the edit touched (the others have the same text, and keep their entities, those
/// after moved by the bytes inserted), in the slots between the unchanged ones before and
/// after them: what an edit adding, removing, breaking or repairing a declaration does.
/// The entities anywhere that name an id of those declarations, before or after, are
/// lowered again, and so are the file's broken declarations. `None` when the new ones do
/// not fit there, or anything else is in the way: then [`reshape`] declares the whole
/// file again (and declines what it must).
fn reshape_within(
    previous: &Portfolio,
    file: FileId,
    (before, now): (&ast::SourceFile, &ast::SourceFile),
    (old_text, new_text): (&str, &str),
    trees: &[(FileId, &ast::SourceFile)],
    (declared, broken): (&[EntityId], &[EntityId]),
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    let layout = previous.layout.clone()?;
    let (parsed_block, broken_block) = (layout.block(file, false)?, layout.block(file, true)?);
    if declared.iter().any(|id| !parsed_block.contains(&id.index()))
        || broken.iter().any(|id| !broken_block.contains(&id.index()))
    {
        return None;
    }
    let (old, new) = (entity_declarations(before), entity_declarations(now));
    let same = |a: &&ast::Entity, b: &&ast::Entity| same_text((old_text, new_text), a, b);
    let prefix = old.iter().zip(&new).take_while(|(a, b)| same(a, b)).count();
    let suffix = old
        .get(prefix..)?
        .iter()
        .rev()
        .zip(new.get(prefix..)?.iter().rev())
        .take_while(|(a, b)| same(a, b))
        .count();
    let new_middle = new.get(prefix..new.len() - suffix)?;
    // The ids of each old declaration, in order.
    let mut ids = declared.iter().copied();
    let old_ids: Vec<Vec<EntityId>> = old
        .iter()
        .map(|declaration| ids.by_ref().take(super::resolve::declared(declaration)).collect())
        .collect();
    if ids.next().is_some()
        || old_ids
            .iter()
            .zip(&old)
            .any(|(ids, declaration)| ids.len() != super::resolve::declared(declaration))
    {
        return None;
    }
    let (before_middle, middle_ids, after_middle) = (
        old_ids.get(..prefix)?,
        old_ids.get(prefix..old.len() - suffix)?,
        old_ids.get(old.len() - suffix..)?,
    );
    let start = before_middle.iter().flatten().last().map_or(parsed_block.start, |id| id.index() + 1);
    let end = after_middle.iter().flatten().next().map_or(parsed_block.end, |id| id.index());
    let mut names = FxHashMap::default();
    let mut prepared = Vec::new();
    for declaration in new_middle {
        prepare(&previous.schema, false, declaration, None, &mut names, &mut prepared);
    }
    let count = prepared.len();
    if start + count > end {
        return None;
    }
    let old_middle: Vec<EntityId> = middle_ids.iter().flatten().copied().collect();
    let name_of = |id: &EntityId| previous.entity(*id).map(|entity| entity.id.as_str());
    let kept_names: FxHashSet<&str> =
        before_middle.iter().chain(after_middle).flatten().filter_map(name_of).collect();
    let old_parsed: FxHashSet<&str> = old_middle.iter().filter_map(name_of).collect();
    let old_broken: FxHashSet<&str> = broken.iter().filter_map(name_of).collect();
    let new_ids: FxHashSet<&str> = prepared.iter().map(|item| item.entity.id.as_str()).collect();
    if new_ids.len() != count || new_ids.iter().any(|id| kept_names.contains(id)) {
        return None;
    }
    let ours = |id: EntityId| previous.entity(id).is_some_and(|entity| entity.span.file == file);
    let parsed_names: FxHashSet<&str> = kept_names.iter().chain(&new_ids).copied().collect();
    let (declaring, all_new) = ids_again(
        previous,
        file,
        (now, trees),
        (&new_ids, &parsed_names),
        (&old_parsed, &old_broken),
        &broken_block,
    )?;

    // Whoever names an id of the middle or of the broken declarations, before or after.
    let named: Vec<EntityId> = old_middle.iter().chain(broken).copied().collect();
    let naming = naming_all(previous, &named, |id| all_new.contains(id) && !old_parsed.contains(id));
    // The unchanged declarations of the file: their entities, each with its declaration
    // now, and how far it moved.
    let (old_after, new_after) = (old.get(old.len() - suffix..)?, new.get(new.len() - suffix..)?);
    let mut unchanged: Vec<(EntityId, &ast::Entity, i64)> = Vec::new();
    let pairs = old.iter().zip(&new).take(prefix).chain(old_after.iter().zip(new_after));
    for ((old_declaration, new_declaration), ids) in pairs.zip(before_middle.iter().chain(after_middle)) {
        let delta = i64::from(new_declaration.span.start) - i64::from(old_declaration.span.start);
        let mut ids = ids.iter();
        walk(new_declaration, &mut |declaration| {
            if let Some(id) = ids.next() {
                unchanged.push((*id, declaration, delta));
            }
        });
    }
    let has_findings: FxHashSet<EntityId> = previous.found.lowered.iter().map(|(id, _)| *id).collect();

    // The middle's and the broken blocks' slots emptied, their old ids gone from the
    // index, then declared again.
    let gone: Vec<&str> =
        old_parsed.iter().chain(&old_broken).copied().filter(|id| !all_new.contains(id)).collect();
    let cleared = old_middle.iter().map(|id| id.index()).chain(broken_block.clone());
    let mut resolver =
        declare_again(previous, (cleared, &gone), (prepared, start), (&declaring, broken_block.start))?;
    let slots = resolver.entities.len();

    // Lower again the middle, the unchanged entities of the file that name one of its
    // ids or have findings (a label may point at an entity that moved), and the entities
    // elsewhere that name one; move the other unchanged ones.
    let mut relower: Vec<EntityId> = (start..start + count).map(|index| EntityId(index as u32)).collect();
    let mut moved: Vec<Moved> = Vec::new();
    let mut moved_references = Vec::new();
    for (id, declaration, delta) in &unchanged {
        if naming.contains(id) || has_findings.contains(id) {
            *resolver.sources.get_mut(id.index())? = Some(declaration);
            place_at(Arc::make_mut(resolver.entities.get_mut(id.index())?.as_mut()?), declaration);
            relower.push(*id);
        } else if *delta != 0 {
            move_entity(previous, &mut resolver.entities, (*id, *delta), &mut moved_references)?;
            moved.push((*id, *delta));
        }
    }
    let elsewhere: FxHashSet<EntityId> = naming.iter().copied().filter(|id| !ours(*id)).collect();
    relower.extend(find_declarations(previous, trees, &elsewhere, |id| id, &mut resolver.sources)?);
    relower.sort();
    resolver.lower(&relower);

    let mut again = vec![false; slots];
    let touched = old_middle
        .iter()
        .chain(&relower)
        .chain(moved.iter().map(|(id, _)| id))
        .map(|id| id.index())
        .chain(broken_block.clone());
    for slot in touched {
        if let Some(flag) = again.get_mut(slot) {
            *flag = true;
        }
    }
    let kept = |id: EntityId| !again.get(id.index()).copied().unwrap_or(false);
    let lowered_again =
        merge(moved_references.into_iter(), std::mem::take(&mut resolver.references), |reference| {
            reference.source
        });
    let references = previous.references.updated(&again, lowered_again, |id| file_of(&resolver.entities, id));
    let lowered = merge(
        previous.found.lowered.iter().filter(|(id, _)| kept(*id)).cloned(),
        std::mem::take(&mut resolver.lowered),
        |(id, _)| *id,
    );
    let mut redeclared: Vec<usize> = old_middle
        .iter()
        .map(|id| id.index())
        .chain(start..start + count)
        .chain(broken_block.clone())
        .collect();
    redeclared.sort_unstable();
    redeclared.dedup();
    let by_kind = by_kind_after(previous, &resolver.entities, &redeclared);
    let found = Found { declared: previous.found.declared.clone(), lowered, ..Found::default() };
    let declared = Entities {
        schema: previous.schema.clone(),
        entities: resolver.entities,
        references,
        index: resolver.index,
        by_kind,
        layout: Some(layout),
    };
    let moved = moved.into_iter().map(|(id, _)| id).collect();
    Some(assemble(declared, found, Some(Kept { previous, reverse: None, moved })))
}

/// Checks the ids a file's declarations would hold once declared again: `new` are the
/// parsed ones declared again, `parsed` every parsed id of the file then, `old` the ids,
/// parsed and broken, of the entities declared again, before. Returns the file's broken
/// declarations that declare their id, in order, and every id declared again. `None` when
/// a new id is another file's, the broken block is too small for them, or a broken
/// declaration elsewhere would now declare an id the file no longer holds.
fn ids_again<'n, 't: 'n>(
    previous: &Portfolio,
    file: FileId,
    (now, trees): (&'t ast::SourceFile, &[(FileId, &ast::SourceFile)]),
    (new, parsed): (&FxHashSet<&'n str>, &FxHashSet<&'n str>),
    (old_parsed, old_broken): (&FxHashSet<&str>, &FxHashSet<&str>),
    broken_block: &std::ops::Range<usize>,
) -> Option<(Vec<&'t ast::Broken>, FxHashSet<&'n str>)> {
    let ours = |id: EntityId| previous.entity(id).is_some_and(|entity| entity.span.file == file);
    if new.iter().any(|id| previous.lookup(id).is_some_and(|owner| !ours(owner))) {
        return None;
    }
    let declaring = declaring_broken(previous, file, now, parsed, broken_block.end)?;
    if declaring.len() > broken_block.len() {
        return None;
    }
    let all_new: FxHashSet<&'n str> = new
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
        (old_parsed.contains(id) && !new.contains(id)) || (old_broken.contains(id) && !all_new.contains(id))
    };
    if wanted_elsewhere(trees, file, freed) {
        return None;
    }
    Some((declaring, all_new))
}

/// A resolver over `previous` with the slots `cleared` emptied and the ids `gone` no
/// longer declared, `prepared` declared again from `start` and the broken declarations
/// `declaring` from `broken_start`. The index says at once where each id is then, so that
/// an id that stays where it was costs a lookup, not a removal and an insertion. `None`
/// when declaring them finds a problem or they do not all land where they should.
fn declare_again<'a>(
    previous: &Portfolio,
    (cleared, gone): (impl Iterator<Item = usize>, &[&str]),
    (prepared, start): (Vec<super::resolve::Prepared<&'a ast::Entity>>, usize),
    (declaring, broken_start): (&[&'a ast::Broken], usize),
) -> Option<Resolver<&'a ast::Entity>> {
    let mut entities = previous.entities.clone();
    for slot in cleared {
        if let Some(slot) = entities.get_mut(slot) {
            *slot = None;
        }
    }
    let mut index = previous.index.clone();
    for id in gone {
        index.remove(id);
    }
    for (position, item) in prepared.iter().enumerate() {
        index.insert(&item.entity.id, EntityId((start + position) as u32));
    }
    for (position, declaration) in declaring.iter().enumerate() {
        if let Some(name) = &declaration.name {
            index.insert(&name.name, EntityId((broken_start + position) as u32));
        }
    }
    let (slots, count) = (entities.len(), prepared.len());
    let mut resolver = Resolver::resume(previous.schema.clone(), entities, vec![None; slots], index);
    resolver.next = start;
    resolver.place(prepared);
    if !resolver.declared().is_empty() || resolver.next != start + count {
        return None;
    }
    resolver.next = broken_start;
    for declaration in declaring {
        resolver.declare_broken(declaration);
    }
    let placed = resolver.declared().is_empty() && resolver.next == broken_start + declaring.len();
    (placed && resolver.entities.len() == slots).then_some(resolver)
}

/// The top-level entity declarations of `tree`, in order.
fn entity_declarations(tree: &ast::SourceFile) -> Vec<&ast::Entity> {
    tree.items
        .iter()
        .filter_map(|item| match item {
            ast::Item::Entity(declaration) => Some(declaration),
            _ => None,
        })
        .collect()
}

/// The update when the file's declarations changed shape (one added or removed, nested
/// elsewhere, one that no longer parses or parses again): the file's entities are declared
/// again from the start of its block of parsed declarations, and its broken ones from the
/// start of its block among the broken ones ([`super::layout`]); every other entity keeps
/// its id. The entities of other files that name one of the file's ids, old or new, are
/// lowered again. Declines like [`update`], when declaring the file's entities finds a
/// problem (a duplicate id, a kind at the wrong level), when a broken declaration of
/// another file would now declare an id, or no longer would, when the portfolio has no
/// layout, and when a block is too small.
fn reshape(
    previous: &Portfolio,
    file: FileId,
    now: &ast::SourceFile,
    trees: &[(FileId, &ast::SourceFile)],
    declared: &[EntityId],
    broken: &[EntityId],
) -> Option<(Portfolio, Vec<Diagnostic>)> {
    let layout = previous.layout.clone()?;
    let (parsed_block, broken_block) = (layout.block(file, false)?, layout.block(file, true)?);
    let inside =
        |ids: &[EntityId], block: &std::ops::Range<usize>| ids.iter().all(|id| block.contains(&id.index()));
    if !inside(declared, &parsed_block) || !inside(broken, &broken_block) {
        return None;
    }
    let mut names = FxHashMap::default();
    let mut prepared = Vec::new();
    for item in &now.items {
        if let ast::Item::Entity(declaration) = item {
            prepare(&previous.schema, false, declaration, None, &mut names, &mut prepared);
        }
    }
    let count = prepared.len();
    if count > parsed_block.len() {
        return None;
    }

    // Ids: new ones must be free, freed ones must not let a broken declaration elsewhere
    // declare them.
    let ids_of = |ids: &[EntityId]| -> FxHashSet<&str> {
        ids.iter().filter_map(|id| previous.entity(*id)).map(|entity| entity.id.as_str()).collect()
    };
    let (old_parsed, old_broken) = (ids_of(declared), ids_of(broken));
    let new_ids: FxHashSet<&str> = prepared.iter().map(|item| item.entity.id.as_str()).collect();
    if new_ids.len() != count {
        return None;
    }
    let (declaring, all_new) = ids_again(
        previous,
        file,
        (now, trees),
        (&new_ids, &new_ids),
        (&old_parsed, &old_broken),
        &broken_block,
    )?;

    // The entities elsewhere that name one of the file's ids, old or new.
    let old: Vec<EntityId> = declared.iter().chain(broken).copied().collect();
    let elsewhere = naming_any(previous, file, &old, |id| all_new.contains(id) && !old_parsed.contains(id));

    // The file's blocks emptied, its old ids gone from the index, then declared again.
    let gone: Vec<&str> =
        old_parsed.iter().chain(&old_broken).copied().filter(|id| !all_new.contains(id)).collect();
    let cleared = parsed_block.clone().chain(broken_block.clone());
    let mut resolver = declare_again(
        previous,
        (cleared, &gone),
        (prepared, parsed_block.start),
        (&declaring, broken_block.start),
    )?;
    let slots = resolver.entities.len();

    // Lower the file's entities, and those elsewhere that name one of its ids.
    let mut relower: Vec<EntityId> =
        (parsed_block.start..parsed_block.start + count).map(|index| EntityId(index as u32)).collect();
    relower.extend(find_declarations(previous, trees, &elsewhere, |id| id, &mut resolver.sources)?);
    relower.sort();
    resolver.lower(&relower);

    let mut again = vec![false; slots];
    for slot in parsed_block.clone().chain(broken_block.clone()).chain(elsewhere.iter().map(|id| id.index()))
    {
        if let Some(flag) = again.get_mut(slot) {
            *flag = true;
        }
    }
    let kept = |id: EntityId| !again.get(id.index()).copied().unwrap_or(false);
    let references = previous
        .references
        .updated(&again, std::mem::take(&mut resolver.references), |id| file_of(&resolver.entities, id));
    let lowered = merge(
        previous.found.lowered.iter().filter(|(id, _)| kept(*id)).cloned(),
        std::mem::take(&mut resolver.lowered),
        |(id, _)| *id,
    );
    let blocks: Vec<usize> = parsed_block.clone().chain(broken_block.clone()).collect();
    let by_kind = by_kind_after(previous, &resolver.entities, &blocks);
    let found = Found { declared: previous.found.declared.clone(), lowered, ..Found::default() };
    let declared = Entities {
        schema: previous.schema.clone(),
        entities: resolver.entities,
        references,
        index: resolver.index,
        by_kind,
        layout: Some(layout),
    };
    Some(assemble(declared, found, Some(Kept { previous, reverse: None, moved: Vec::new() })))
}

/// The entities of files other than `file` that name one of the file's entities `old`
/// (its referrers), or an id `new` says it now declares (an unresolved reference), and
/// those whose unknown references and wrong kinds suggest the closest ids, which may be
/// among the file's now.
fn naming_any(
    previous: &Portfolio,
    file: FileId,
    old: &[EntityId],
    new: impl Fn(&str) -> bool,
) -> FxHashSet<EntityId> {
    let mut found = naming_all(previous, old, new);
    found.retain(|id| previous.entity(*id).is_some_and(|entity| entity.span.file != file));
    found
}

/// The entities, in any file, that name one of the entities `old` (their referrers) or an
/// id `new` says is now declared (an unresolved reference), and those whose unknown
/// references and wrong kinds suggest the closest ids.
fn naming_all(previous: &Portfolio, old: &[EntityId], new: impl Fn(&str) -> bool) -> FxHashSet<EntityId> {
    let suggests = |diagnostic: &Diagnostic| {
        matches!(diagnostic.builtin_code(), Some(BuiltinCode::UnknownReference | BuiltinCode::WrongKind))
    };
    let mut found: FxHashSet<EntityId> =
        old.iter().flat_map(|id| previous.referrers(*id)).map(|reference| reference.source).collect();
    found.extend(
        previous
            .references
            .iter()
            .filter(|reference| reference.target.is_none() && new(&reference.name))
            .map(|reference| reference.source),
    );
    found.extend(
        previous.found.lowered.iter().filter(|(_, diagnostic)| suggests(diagnostic)).map(|(id, _)| *id),
    );
    found
}

/// The entities of each kind after the entities at `slots` (in order) were declared again:
/// the lists of the kinds they had or have now are made again, the others shared.
fn by_kind_after(
    previous: &Portfolio,
    entities: &[Option<Arc<Entity>>],
    slots: &[usize],
) -> Arc<FxHashMap<Arc<str>, Vec<EntityId>>> {
    let redeclared = |id: &EntityId| slots.binary_search(&id.index()).is_ok();
    let mut fresh: FxHashMap<Arc<str>, Vec<EntityId>> = FxHashMap::default();
    for slot in slots {
        if let Some(Some(entity)) = entities.get(*slot) {
            fresh.entry(entity.kind.clone()).or_default().push(EntityId(*slot as u32));
        }
    }
    let mut by_kind: FxHashMap<Arc<str>, Vec<EntityId>> = FxHashMap::default();
    for (kind, ids) in previous.by_kind.iter() {
        let added = fresh.remove(kind).unwrap_or_default();
        if added.is_empty() && !ids.iter().any(redeclared) {
            by_kind.insert(kind.clone(), ids.clone());
            continue;
        }
        let merged = merge(ids.iter().copied().filter(|id| !redeclared(id)), added, |id| *id);
        if !merged.is_empty() {
            by_kind.insert(kind.clone(), merged);
        }
    }
    by_kind.extend(fresh);
    Arc::new(by_kind)
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
