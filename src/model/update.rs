//! Resolving again after an edit of one file, without resolving the others: what a
//! language server does on every keystroke.
//!
//! When the edit leaves the file with as many declarations as before, of the same kinds,
//! nested the same way, and no `extend`, every entity keeps its [`EntityId`], so the other
//! files' entities, references and findings stay valid. Only the file's own entities are
//! lowered again — and, when the edit renamed some of them (typing a new id), the entities
//! elsewhere whose references name an old or a new id, or whose unknown references could
//! now be suggested one. References and findings are spliced, and the reverse links,
//! referrers and cycles are recomputed from the result. The outcome is exactly what
//! [`super::resolve`] gives for the whole workspace; [`update`] declines (`None`) whenever
//! it could not guarantee that.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::resolve::{DECLARATION_KEYWORDS, Found, Resolver, assemble};
use super::{Entity, EntityId, Portfolio};
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::source::FileId;
use crate::syntax::ast;

/// The portfolio of `previous` with `file` now parsed as `now` (it was parsed as
/// `before`); `trees` are every file's trees, `now` included. Returns every finding of
/// resolution too, in the order [`super::resolve`] gives them. `None` when the edit
/// changed the shape of what the file declares, a new id collides with another, or a
/// finding elsewhere points into the file: then everything must be resolved again.
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
    for item in &now.items {
        if let ast::Item::Entity(declaration) = item {
            shape.matches(declaration, None, &mut order)?;
        }
    }
    if order.next().is_some() {
        return None;
    }
    let Shape { mut sources, ids: mut new_ids, .. } = shape;
    let now_broken = still_broken(previous, now, &broken, &new_ids)?;
    for (id, declaration) in broken.iter().zip(&now_broken) {
        new_ids.push((*id, declaration.name.as_ref()?.name.clone()));
    }

    // Renamed entities: the index changes, and so may the references that name them.
    let renamed: Vec<(EntityId, &str, &str)> = new_ids
        .iter()
        .filter_map(|(id, new)| {
            let old = previous.entity(*id)?;
            (old.id != *new).then_some((*id, old.id.as_str(), new.as_str()))
        })
        .collect();
    let mut relower: Vec<EntityId> = declared.clone();
    let mut index = previous.index.clone();
    if !renamed.is_empty() {
        // A broken declaration elsewhere that an old id kept from declaring would now
        // declare it.
        let freed: FxHashSet<&str> = renamed.iter().map(|(_, old, _)| *old).collect();
        let frees = trees.iter().filter(|(tree_file, _)| *tree_file != file).any(|(_, tree)| {
            tree.items.iter().any(|item| {
                matches!(item, ast::Item::Broken(ast::Broken { name: Some(name), .. }) if freed.contains(name.name.as_str()))
            })
        });
        if frees {
            return None;
        }
        let mut taken: FxHashSet<&str> = FxHashSet::default();
        for (_, new) in &new_ids {
            if !taken.insert(new) {
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
        let mut elsewhere: FxHashSet<EntityId> = previous
            .references
            .iter()
            .filter(|reference| !ours(reference.source) && names.contains(&*reference.name))
            .map(|reference| reference.source)
            .collect();
        // Unknown references and wrong kinds suggest the closest ids, which changed.
        let suggests = |diagnostic: &Diagnostic| {
            matches!(diagnostic.builtin_code(), Some(BuiltinCode::UnknownReference | BuiltinCode::WrongKind))
        };
        elsewhere.extend(
            found
                .lowered
                .iter()
                .filter(|(id, diagnostic)| !ours(*id) && suggests(diagnostic))
                .map(|(id, _)| *id),
        );
        if !elsewhere.is_empty() {
            let mut declarations = Declarations::default();
            for id in &elsewhere {
                let entity = previous.entity(*id)?;
                let tree = trees.iter().find(|(tree_file, _)| *tree_file == entity.span.file)?.1;
                *sources.get_mut(id.index())? = Some(declarations.find(tree, entity)?);
            }
            relower.extend(elsewhere);
            relower.sort();
        }
    }

    let mut resolver = Resolver::over(previous, sources);
    resolver.index = index;
    for &id in &declared {
        let declaration = resolver.sources.get(id.index()).copied().flatten()?;
        let entity = Arc::make_mut(resolver.entities.get_mut(id.index())?);
        entity.span = declaration.span;
        entity.id_span = declaration.id.span;
        entity.kind_span = declaration.kind.span;
        entity.title = declaration.title.as_ref().map(|title| title.value.clone());
        entity.doc = declaration.doc.as_ref().map(|doc| doc.text.clone());
    }
    for (&id, declaration) in broken.iter().zip(&now_broken) {
        let (Some(keyword), Some(name)) = (&declaration.keyword, &declaration.name) else { return None };
        let entity = Arc::make_mut(resolver.entities.get_mut(id.index())?);
        entity.span = declaration.span;
        entity.id_span = name.span;
        entity.kind_span = keyword.span;
    }
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
    let references = merge(
        previous.references.iter().filter(|reference| kept(reference.source)).cloned(),
        std::mem::take(&mut resolver.references),
        |reference| reference.source,
    );
    let lowered = merge(
        found.lowered.iter().filter(|(id, _)| kept(*id)).cloned(),
        std::mem::take(&mut resolver.lowered),
        |(id, _)| *id,
    );
    let found = Found { declared: found.declared.clone(), lowered };
    Some(assemble(
        previous.schema.clone(),
        resolver.entities,
        references,
        resolver.index,
        previous.by_kind.clone(),
        found,
    ))
}

/// Merges two sequences, each in ascending order of `key`, keeping that order (`kept`
/// first among equal keys; the two never share a key).
fn merge<T>(kept: impl Iterator<Item = T>, new: Vec<T>, key: impl Fn(&T) -> EntityId) -> Vec<T> {
    let mut merged = Vec::with_capacity(new.len());
    let mut new = new.into_iter().peekable();
    for item in kept {
        while let Some(next) = new.next_if(|next| key(next) < key(&item)) {
            merged.push(next);
        }
        merged.push(item);
    }
    merged.extend(new);
    merged
}

/// Matches the file's new declarations with its previous entities.
struct Shape<'p, 'a> {
    previous: &'p Portfolio,
    /// The new declaration of each matched entity.
    sources: Vec<Option<&'a ast::Entity>>,
    /// The full id each matched entity has now.
    ids: Vec<(EntityId, String)>,
}

impl<'a> Shape<'_, 'a> {
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
        let same_place = entity.parent == parent.map(|(parent, _)| parent)
            && *entity.kind == *declaration.kind.name
            && entity.children.len() == declaration.children.len();
        if !same_place {
            return None;
        }
        let name = declaration.id.name.as_str();
        let full = match parent {
            None => name.to_string(),
            Some((_, parent)) => format!("{parent}.{name}"),
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
    declared: &[(EntityId, String)],
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
                declaration.keyword.as_ref().is_some_and(|keyword| *keyword.name == *entity.kind)
            })
        });
    same.then_some(declaring)
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
