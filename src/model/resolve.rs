//! Name resolution and type checking of entity declarations.
//!
//! [`resolve`] declares every entity (full ids, duplicates, kinds and nesting), converts
//! every field's value to the type the schema gives it, resolves references, computes the
//! reverse links and reports `parent`/`depends_on` cycles.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::Arc;

use super::index::Index;
use super::layout::{Layout, Room};
use super::references::References;
use super::schema::{KindDef, Schema, Type};
use super::value::{EnumValue, Measurement, Money, Value};
use super::{Entity, EntityId, FieldValue, Portfolio, Reference};
use crate::diagnostic::{BuiltinCode, Diagnostic, closest, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;

/// What to resolve: the `extend` blocks that shape the schema, and the declarations.
#[derive(Default)]
pub struct Declarations<'a> {
    pub extends: Vec<&'a ast::Extend>,
    pub entities: Vec<&'a ast::Entity>,
    /// Declarations that did not parse; those whose kind and id parsed still declare it.
    pub broken: Vec<&'a ast::Broken>,
    /// The declarations come from a `test` block.
    pub in_test: bool,
}

impl<'a> Declarations<'a> {
    /// Every declaration of the given files (test entities excluded).
    pub fn of_files(files: impl IntoIterator<Item = &'a ast::SourceFile>) -> Declarations<'a> {
        let mut declarations = Declarations::default();
        for file in files {
            for item in &file.items {
                match item {
                    ast::Item::Entity(entity) => declarations.entities.push(entity),
                    ast::Item::Extend(extend) => declarations.extends.push(extend),
                    ast::Item::Broken(broken) => declarations.broken.push(broken),
                    ast::Item::Use(_) | ast::Item::Rule(_) | ast::Item::Test(_) => {}
                }
            }
        }
        declarations
    }
}

/// Keywords that start declarations that are not entities.
pub(crate) const DECLARATION_KEYWORDS: [&str; 4] = ["use", "extend", "rule", "test"];

/// Builds the portfolio of `declarations`, with every problem found on the way.
pub fn resolve(declarations: &Declarations<'_>) -> (Portfolio, Vec<Diagnostic>) {
    resolve_in(declarations, None)
}

/// [`resolve`], leaving room after each file's entities among the ids (see
/// [`super::layout`]): `files` are the files the declarations come from, in order. What a
/// language server resolves, so that adding a declaration to a file later moves no other
/// file's ids.
pub fn resolve_with_room(
    declarations: &Declarations<'_>,
    files: Vec<crate::source::FileId>,
) -> (Portfolio, Vec<Diagnostic>) {
    resolve_in(declarations, Some(Room::new(files)))
}

fn resolve_in(declarations: &Declarations<'_>, room: Option<Room>) -> (Portfolio, Vec<Diagnostic>) {
    let count = declarations.entities.iter().copied().map(declared).sum();
    let in_test = declarations.in_test;
    let (mut resolver, found, _) =
        declare(&declarations.extends, &declarations.broken, in_test, count, room, |schema| {
            // Entities are built, and kinds checked, in parallel; ids are then given in order.
            let top = declarations.entities.len();
            let size = (top / (2 * rayon::current_num_threads().max(1))).max(512);
            declarations
                .entities
                .par_chunks(size)
                .map(|chunk| {
                    let mut names = FxHashMap::default();
                    let mut prepared = Vec::with_capacity(chunk.iter().copied().map(declared).sum());
                    for declaration in chunk {
                        prepare(schema, in_test, declaration, None, &mut names, &mut prepared);
                    }
                    prepared
                })
                .collect()
        });
    let all: Vec<EntityId> = (0..resolver.entities.len()).map(|index| EntityId(index as u32)).collect();
    resolver.lower(&all);
    finish(resolver, found)
}

/// Like [`resolve`], for declarations that are given rather than borrowed, file by file
/// (the `entities` of `declarations` are not read): each top-level declaration is dropped
/// as soon as its fields and its nested ones' are lowered, so that the syntax trees of
/// the entities and the resolved portfolio are never held whole at the same time. The
/// same portfolio and findings as [`resolve`] over the same declarations in the same
/// order.
pub(crate) fn resolve_owned(
    declarations: &Declarations<'_>,
    files: Vec<Vec<ast::Entity>>,
) -> (Portfolio, Vec<Diagnostic>) {
    let count = files.iter().flatten().map(declared).sum();
    let (mut resolver, found, ids) =
        declare(&declarations.extends, &declarations.broken, false, count, None, |schema| {
            files
                .par_iter()
                .map(|entities| {
                    let mut names = FxHashMap::default();
                    let mut prepared = Vec::with_capacity(entities.iter().map(declared).sum());
                    for declaration in entities {
                        prepare_marked(schema, declaration, None, &mut names, &mut prepared);
                    }
                    prepared
                })
                .collect()
        });
    resolver.lower_trees(files, ids);
    finish(resolver, found)
}

/// What [`declare`] makes: the resolver, the findings of declaring, and the ids that
/// [`Resolver::place`] gave each list of prepared declarations.
type Declared<S> = (Resolver<S>, Vec<Diagnostic>, Vec<Vec<Option<EntityId>>>);

/// Declares, after applying the `extend`s, what `prepare` makes of the declarations
/// (`count` of them, nested ones included), in order, then the broken ones.
fn declare<S>(
    extends: &[&ast::Extend],
    broken: &[&ast::Broken],
    in_test: bool,
    count: usize,
    room: Option<Room>,
    prepare: impl FnOnce(&Schema) -> Vec<Vec<Prepared<S>>>,
) -> Declared<S> {
    let mut diagnostics = Vec::new();
    let mut schema = Schema::builtin();
    super::extend::apply(&mut schema, extends.iter().copied(), &mut diagnostics);
    let mut resolver = Resolver {
        schema,
        entities: Vec::with_capacity(count + broken.len()),
        sources: Vec::with_capacity(count + broken.len()),
        index: Index::with_capacity(count + broken.len()),
        next: 0,
        room,
        references: Vec::new(),
        diagnostics,
        lowered: Vec::new(),
        in_test,
        names: FxHashMap::default(),
    };
    let prepared = prepare(&resolver.schema);
    let ids = prepared.into_iter().map(|chunk| resolver.place(chunk)).collect();
    for broken in broken {
        resolver.declare_broken(broken);
    }
    let declared = std::mem::take(&mut resolver.diagnostics);
    (resolver, declared, ids)
}

/// The portfolio of a resolver whose entities are lowered; `declared` are its findings
/// of declaring.
fn finish<S>(resolver: Resolver<S>, declared: Vec<Diagnostic>) -> (Portfolio, Vec<Diagnostic>) {
    let Resolver { schema, mut entities, references, index, lowered, room, .. } = resolver;
    let layout = room.map(|room| {
        let (empty, layout) = room.finish(entities.len());
        entities.resize(entities.len() + empty, None);
        Arc::new(layout)
    });
    entities.shrink_to_fit();
    let references = References::new(references, |id| file_of(&entities, id));
    let by_kind = by_kind(&entities);
    assemble(
        Entities { schema, entities, references, index, by_kind, layout },
        Found { declared, lowered, ..Found::default() },
        None,
    )
}

/// What resolution reported, by phase: what an update after an edit of one file reuses.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// `extend`, kinds, nesting and duplicate ids.
    pub declared: Vec<Diagnostic>,
    /// Field values, each with the entity whose fields reported it, in entity order.
    pub lowered: Vec<(EntityId, Diagnostic)>,
    /// Computed fields out of range ([`super::computed::report`]), each with its entity:
    /// the metrics', then the projects', in entity order.
    pub computed: Vec<(EntityId, Diagnostic)>,
    /// `parent` and `depends_on` cycles, each with its members.
    pub cycles: Vec<(Vec<EntityId>, Diagnostic)>,
}

impl Found {
    /// Every finding, in the order resolution reports them.
    fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::with_capacity(
            self.declared.len() + self.lowered.len() + self.computed.len() + self.cycles.len(),
        );
        diagnostics.extend(self.declared.iter().cloned());
        diagnostics.extend(self.lowered.iter().map(|(_, diagnostic)| diagnostic.clone()));
        diagnostics.extend(self.computed.iter().map(|(_, diagnostic)| diagnostic.clone()));
        diagnostics.extend(self.cycles.iter().map(|(_, diagnostic)| diagnostic.clone()));
        diagnostics
    }
}

/// What an update after an edit keeps of the previous portfolio, when every entity kept
/// its id: an entity whose `Arc` is the previous one's is unchanged, and so are its
/// references and what is computed from it alone.
pub(crate) struct Kept<'p> {
    pub previous: &'p Portfolio,
    /// The previous reverse links, when the entities that changed feed the same ones.
    pub reverse: Option<links::Links>,
    /// The entities that only moved (their spans), in order: what rules read of them is
    /// the same.
    pub moved: Vec<EntityId>,
}

/// The entities of a portfolio, lowered, with what [`assemble`] does not compute from them.
pub(crate) struct Entities {
    pub schema: Schema,
    pub entities: Vec<Option<Arc<Entity>>>,
    pub references: References,
    pub index: Index,
    pub by_kind: Arc<FxHashMap<Arc<str>, Vec<EntityId>>>,
    pub layout: Option<Arc<Layout>>,
}

/// The portfolio of resolved entities, with its indexes, reverse links (computed unless
/// `kept` has them), referrers, the findings of computed fields and cycles, and every
/// finding, in order: `found`'s, the computed fields', the cycles'. With `kept`, what
/// depends only on unchanged entities is taken from the previous portfolio.
pub(crate) fn assemble(
    parts: Entities,
    found: Found,
    kept: Option<Kept<'_>>,
) -> (Portfolio, Vec<Diagnostic>) {
    let Entities { schema, entities, references, index, by_kind, layout } = parts;
    let Found { declared, lowered, .. } = found;
    // Only an update that kept every entity's id can compare them one by one.
    let kept = kept.filter(|kept| kept.previous.entities.len() == entities.len());
    let mut portfolio = Portfolio {
        schema,
        entities,
        references,
        index,
        by_kind,
        reverse: links::Links::default(),
        referrers: Arc::default(),
        found: Arc::default(),
        derived: super::given::Memo::default(),
        layout,
    };
    // The entities that are not the previous ones, in order; all of them without `kept`.
    let changed: Option<Vec<EntityId>> = kept.as_ref().map(|kept| {
        portfolio
            .entities
            .iter()
            .zip(&kept.previous.entities)
            .enumerate()
            .filter(|(_, (now, before))| match (now, before) {
                (Some(now), Some(before)) => !Arc::ptr_eq(now, before),
                (None, None) => false,
                _ => true,
            })
            .map(|(position, _)| EntityId(position as u32))
            .collect()
    });
    let (previous, kept_reverse, moved_only) = match kept {
        Some(Kept { previous, reverse, moved }) => (Some(previous), reverse, moved),
        None => (None, None, Vec::new()),
    };
    // Reverse links, referrers and cycles read the entities and references only: side
    // by side.
    let (reverse, (referrers, cycles)) = rayon::join(
        || match (&kept_reverse, previous.zip(changed.as_ref())) {
            (Some(reverse), _) => reverse.clone(),
            (None, Some((previous, changed))) => {
                links::updated(&previous.reverse, &previous.entities, &portfolio.entities, changed)
            }
            (None, None) => links::reverse_links(&portfolio.entities),
        },
        || {
            rayon::join(
                || match previous.filter(|previous| previous.references.same_targets(&portfolio.references)) {
                    Some(previous) => previous.referrers.clone(),
                    None => Arc::new(referrers(portfolio.entities.len(), &portfolio.references)),
                },
                || match previous.zip(changed.as_ref()) {
                    // The same links: a cycle lost a member or gained one only if one changed.
                    Some((previous, changed))
                        if kept_reverse.is_some()
                            && !previous.found.cycles.iter().any(|(members, _)| {
                                members.iter().any(|member| changed.binary_search(member).is_ok())
                            }) =>
                    {
                        previous.found.cycles.clone()
                    }
                    Some((previous, changed)) => cycles::report_again(&portfolio, previous, changed),
                    None => cycles::report(&portfolio),
                },
            )
        },
    );
    portfolio.reverse = reverse;
    portfolio.referrers = referrers;
    let computed = match (previous, &changed) {
        (Some(previous), Some(changed)) => super::computed::report_again(&portfolio, previous, changed),
        _ => super::computed::report(&portfolio),
    };
    portfolio.found = Arc::new(Found { declared, lowered, computed, cycles });
    if let (Some(previous), Some(changed)) = (previous, changed) {
        // The entities that joined or left the list of a kind (of the entities that parsed),
        // and those kinds.
        let listed = |portfolio: &Portfolio, id: EntityId| {
            portfolio.entity(id).filter(|entity| !entity.broken).map(|entity| entity.kind.clone())
        };
        let mut again: Vec<Arc<str>> = Vec::new();
        let mut moved: Vec<EntityId> = Vec::new();
        for id in &changed {
            let (before, now) = (listed(previous, *id), listed(&portfolio, *id));
            if before == now {
                continue;
            }
            moved.push(*id);
            for kind in before.into_iter().chain(now) {
                if !again.contains(&kind) {
                    again.push(kind);
                }
            }
        }
        // Rows of the index of given fields change with what an entity gives, not where.
        let content: Vec<EntityId> =
            changed.iter().copied().filter(|id| moved_only.binary_search(id).is_err()).collect();
        portfolio.derived = super::given::Memo::new(super::given::Derived::after(
            previous,
            Arc::from(content),
            again,
            Arc::from(moved),
        ));
    }
    let diagnostics = portfolio.found.diagnostics();
    (portfolio, diagnostics)
}

/// Merges two sequences, each in ascending order of `key`, keeping that order (`kept`
/// first among equal keys; the two never share a key).
pub(crate) fn merge<T>(kept: impl Iterator<Item = T>, new: Vec<T>, key: impl Fn(&T) -> EntityId) -> Vec<T> {
    // The most `kept` may give: a filtered slice says its length.
    let (least, most) = kept.size_hint();
    let mut merged = Vec::with_capacity(most.unwrap_or(least) + new.len());
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

/// The file that declares entity `id` of `entities`.
pub(crate) fn file_of(entities: &[Option<Arc<Entity>>], id: EntityId) -> Option<crate::source::FileId> {
    entities.get(id.index())?.as_ref().map(|entity| entity.span.file)
}

pub(crate) fn by_kind(entities: &[Option<Arc<Entity>>]) -> Arc<FxHashMap<Arc<str>, Vec<EntityId>>> {
    let mut by_kind: FxHashMap<Arc<str>, Vec<EntityId>> = FxHashMap::default();
    for (position, entity) in entities.iter().enumerate() {
        let Some(entity) = entity else { continue };
        by_kind.entry(entity.kind.clone()).or_default().push(EntityId(position as u32));
    }
    Arc::new(by_kind)
}

/// Who references each entity: per entity `e`, `flat[starts[e]..starts[e + 1]]` are the
/// indexes into the references that point at it.
#[derive(Debug, Default)]
pub(crate) struct Referrers {
    pub starts: Vec<u32>,
    pub flat: Vec<u32>,
}

/// Who references each entity, as offsets into one flat list (counting sort).
fn referrers(entities: usize, references: &References) -> Referrers {
    let mut starts = vec![0u32; entities + 1];
    for target in references.iter().filter_map(|reference| reference.target) {
        if let Some(count) = starts.get_mut(target.index() + 1) {
            *count += 1;
        }
    }
    for index in 1..starts.len() {
        let previous = starts.get(index - 1).copied().unwrap_or(0);
        if let Some(start) = starts.get_mut(index) {
            *start += previous;
        }
    }
    let mut next = starts.clone();
    let mut flat = vec![0u32; references.len()];
    for (position, reference) in references.iter().enumerate() {
        let Some(target) = reference.target else { continue };
        if let Some(slot) = next.get_mut(target.index()) {
            if let Some(entry) = flat.get_mut(*slot as usize) {
                *entry = position as u32;
            }
            *slot += 1;
        }
    }
    let used = starts.last().copied().unwrap_or(0) as usize;
    flat.truncate(used);
    Referrers { starts, flat }
}

pub(crate) struct Resolver<S> {
    pub(crate) schema: Schema,
    /// By id; empty slots are room left for a file's declarations (see [`Portfolio`]).
    pub(crate) entities: Vec<Option<Arc<Entity>>>,
    /// The declaration of each entity, `None` for broken ones (and empty slots).
    pub(crate) sources: Vec<Option<S>>,
    pub(crate) index: Index,
    /// The id the next entity declared gets: the end of `entities`, or an empty slot.
    pub(crate) next: usize,
    /// Declaring with room after each file's entities (see [`super::layout`]).
    room: Option<Room>,
    pub(crate) references: Vec<Reference>,
    diagnostics: Vec<Diagnostic>,
    /// The findings of `lower`, each with its entity.
    pub(crate) lowered: Vec<(EntityId, Diagnostic)>,
    in_test: bool,
    names: FxHashMap<String, Arc<str>>,
}

impl<S> Resolver<S> {
    /// Declares prepared entities, in order: ids, duplicates, nesting. A declaration
    /// that is not declared (a duplicate id) takes its nested ones with it. The id of
    /// each, in order, `None` for those not declared.
    pub(crate) fn place(&mut self, prepared: Vec<Prepared<S>>) -> Vec<Option<EntityId>> {
        let mut ids: Vec<Option<EntityId>> = Vec::with_capacity(prepared.len());
        for item in prepared {
            let parent = match item.parent {
                None => None,
                Some(position) => match ids.get(position).copied().flatten() {
                    Some(parent) => Some(parent),
                    None => {
                        ids.push(None);
                        continue;
                    }
                },
            };
            self.diagnostics.extend(item.kind_error.map(|error| *error));
            let mut entity = item.entity;
            Arc::make_mut(&mut entity).parent = parent;
            let id = self.insert(entity, Some(item.declaration));
            if let Some(id) = id
                && let Some(Some(parent)) = parent.and_then(|parent| self.entities.get_mut(parent.index()))
            {
                Arc::make_mut(parent).children.push(id);
            }
            ids.push(id);
        }
        ids
    }

    pub(crate) fn declare_broken(&mut self, broken: &ast::Broken) {
        let (Some(keyword), Some(name)) = (&broken.keyword, &broken.name) else {
            return;
        };
        let Some(kind) = broken_kind(&self.schema, &keyword.name).map(str::to_string) else {
            return;
        };
        // Declared already, unless by an update that gave the index this entity's id first.
        if self.index.get(name.name.as_str()).is_some_and(|id| id.index() != self.next) {
            return;
        }
        let kind = self.intern(&kind);
        self.insert(
            Arc::new(Entity {
                id: name.name.to_string(),
                kind,
                title: None,
                doc: None,
                span: broken.span,
                id_span: name.span,
                kind_span: keyword.span,
                parent: None,
                children: Vec::new(),
                fields: Vec::new(),
                invalid: Vec::new(),
                broken: true,
                in_test: self.in_test,
            }),
            None,
        );
    }

    /// Declares `entity` (declared by `source`) at the next id, unless its id is taken:
    /// then reports the duplicate.
    fn insert(&mut self, entity: Arc<Entity>, source: Option<S>) -> Option<EntityId> {
        // An update may have given the index this entity's id first: not a duplicate.
        if let Some(existing) = self
            .index
            .get(&entity.id)
            .filter(|id| id.index() != self.next)
            .and_then(|id| self.entities.get(id.index())?.as_ref())
        {
            let scope = if entity.parent.is_some() { "in this project" } else { "in the portfolio" };
            self.diagnostics.push(
                Diagnostic::builtin(
                    BuiltinCode::DuplicateId,
                    entity.id_span,
                    format!("`{}` is declared twice {scope}", entity.id),
                )
                .with_label("declared again here")
                .with_secondary(existing.id_span, format!("first declared here as a {}", existing.kind))
                .with_help("ids are unique across all kinds; rename one of them")
                .with_entity(entity.id.clone()),
            );
            return None;
        }
        if let Some(room) = &mut self.room {
            match room.open(entity.span.file, entity.broken, self.entities.len()) {
                Some(empty) if self.next == self.entities.len() => {
                    self.entities.resize(self.entities.len() + empty, None);
                    self.sources.resize_with(self.sources.len() + empty, || None);
                    self.next = self.entities.len();
                }
                // Declarations out of the order of the files: no room.
                _ => self.room = None,
            }
        }
        let at = self.next;
        let id = EntityId(at as u32);
        self.index.insert(&entity.id, id);
        if at < self.entities.len() {
            if let Some(slot) = self.entities.get_mut(at) {
                *slot = Some(entity);
            }
            if let Some(slot) = self.sources.get_mut(at) {
                *slot = source;
            }
        } else {
            self.entities.push(Some(entity));
            self.sources.push(source);
        }
        self.next = at + 1;
        Some(id)
    }

    /// Converts the fields of the entities `ids` (in ascending order) to typed values,
    /// resolving references; their findings go to `lowered`. Chunks of entities are lowered
    /// in parallel and their results joined in order, so the outcome does not depend on
    /// the number of threads.
    pub(crate) fn lower(&mut self, ids: &[EntityId])
    where
        S: std::ops::Deref<Target = ast::Entity> + Sync,
    {
        let (schema, entities, index, sources) = (&self.schema, &self.entities, &self.index, &self.sources);
        let lower_chunk = |chunk: &[EntityId]| {
            let mut lowering = ChunkLowering::new(schema, entities, index, chunk.len());
            for &id in chunk {
                if let Some(Some(declaration)) = sources.get(id.index()) {
                    lowering.lower(id, declaration);
                }
            }
            lowering.finish()
        };
        let size = chunk_size(ids.len());
        let chunks: Vec<Chunk> = if ids.len() <= size {
            vec![lower_chunk(ids)]
        } else {
            ids.par_chunks(size).map(lower_chunk).collect()
        };
        self.absorb(chunks);
    }

    /// [`Resolver::lower`] of every entity of `files`, whose declarations in order (each
    /// followed by its nested ones) [`Resolver::place`] gave `ids`, file by file. Each
    /// top-level declaration is dropped once it is lowered: the trees are freed while the
    /// portfolio grows. Files are lowered in parallel, as they were parsed, so that a tree
    /// is mostly freed by the thread that allocated it (a free on another thread contends
    /// for its allocator's locks); a large file is cut in parts.
    fn lower_trees(&mut self, files: Vec<Vec<ast::Entity>>, ids: Vec<Vec<Option<EntityId>>>) {
        let size = chunk_size(self.entities.len());
        let mut parts: Vec<(Vec<ast::Entity>, &[Option<EntityId>])> = Vec::new();
        for (trees, ids) in files.into_iter().zip(&ids) {
            let mut ids: &[Option<EntityId>] = ids;
            for part in parts_of(trees, size) {
                let count = part.iter().map(declared).sum::<usize>().min(ids.len());
                let (head, rest) = ids.split_at(count);
                parts.push((part, head));
                ids = rest;
            }
        }
        let (schema, entities, index) = (&self.schema, &self.entities, &self.index);
        let chunks: Vec<Chunk> = parts
            .into_par_iter()
            .map(|(trees, ids)| {
                let mut lowering = ChunkLowering::new(schema, entities, index, ids.len());
                let mut ids = ids.iter();
                for tree in trees {
                    walk(&tree, &mut |declaration| {
                        if let Some(Some(id)) = ids.next() {
                            lowering.lower(*id, declaration);
                        }
                    });
                }
                lowering.finish()
            })
            .collect();
        self.absorb(chunks);
    }

    /// Joins the lowered chunks, in order, and suggests ids for their unknown references.
    fn absorb(&mut self, chunks: Vec<Chunk>) {
        self.references.reserve_exact(chunks.iter().map(|(_, references, ..)| references.len()).sum());
        self.lowered.reserve_exact(chunks.iter().map(|(_, _, lowered, _)| lowered.len()).sum());
        let mut pending = Vec::new();
        for (fields, references, lowered, suggest) in chunks {
            for (id, (fields, invalid)) in fields {
                if let Some(Some(entity)) = self.entities.get_mut(id.index()) {
                    let entity = Arc::make_mut(entity);
                    entity.fields = fields;
                    entity.invalid = invalid;
                }
            }
            self.references.extend(references);
            let offset = self.lowered.len();
            pending.extend(suggest.into_iter().map(|suggest| Suggest { at: suggest.at + offset, ..suggest }));
            self.lowered.extend(lowered);
        }
        self.suggest(pending);
    }

    /// Adds the closest id of the expected kind to the findings of unknown references
    /// and wrong kinds, in order, while [`SUGGESTION_BUDGET`] lasts: thousands of unknown
    /// references against thousands of ids would otherwise cost their product. The
    /// lookups are searched in parallel, after the budget has picked them.
    fn suggest(&mut self, pending: Vec<Suggest>) {
        if pending.is_empty() {
            return;
        }
        let candidates = Candidates::of(&self.entities, pending.len());
        let parent_of = |suggest: &Suggest| -> Option<String> {
            candidates
                .nested(&suggest.name, &suggest.kind)
                .find(|id| *id != suggest.referrer)
                .map(str::to_string)
        };
        let (by_parent, pending): (Vec<(Suggest, String)>, Vec<Suggest>) = {
            let mut by_parent = Vec::new();
            let mut rest = Vec::new();
            for suggest in pending {
                match parent_of(&suggest) {
                    Some(full) => by_parent.push((suggest, full)),
                    None => rest.push(suggest),
                }
            }
            (by_parent, rest)
        };
        let mut left = SUGGESTION_BUDGET;
        let searched: Vec<&Suggest> = pending
            .iter()
            .take_while(|suggest| {
                let cost =
                    candidates.count(&suggest.kind).clamp(1, crate::diagnostic::SUGGESTION_MAX_CANDIDATES);
                left.checked_sub(cost).map(|rest| left = rest).is_some()
            })
            .collect();
        let found: Vec<Option<String>> = searched
            .par_iter()
            .map(|suggest| {
                // The referring entity is never what it meant to name: a waiver
                // `vendor_delay_waiver` listing `vendor_delay` is not about itself.
                let others = candidates.ids(&suggest.kind).filter(|id| *id != suggest.referrer);
                closest(&suggest.name, others).map(str::to_string)
            })
            .collect();
        let found = by_parent
            .iter()
            .map(|(suggest, full)| (suggest, Some(full.clone())))
            .chain(searched.into_iter().zip(found));
        for (suggest, suggestion) in found {
            let Some(suggestion) = suggestion else { continue };
            let Some((_, diagnostic)) = self.lowered.get_mut(suggest.at) else { continue };
            match &suggest.wrong_kind {
                None => {
                    diagnostic.help = Some(format!("did you mean `{suggestion}`?"));
                    let span = diagnostic.span();
                    diagnostic.fix = Some(crate::diagnostic::Fix {
                        title: format!("replace with `{suggestion}`"),
                        edits: vec![crate::diagnostic::Edit { span, replacement: suggestion }],
                    });
                }
                Some(field) => {
                    diagnostic.help = Some(format!(
                        "`{field}` expects {}; did you mean `{suggestion}`?",
                        with_article(&suggest.kind)
                    ));
                }
            }
        }
    }

    /// The findings of declaring so far (kinds, nesting, duplicate ids).
    pub(crate) fn declared(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// A resolver that goes on from `entities` already declared (with their `sources`
    /// and `index`), for declaring and lowering more.
    pub(crate) fn resume(
        schema: Schema,
        entities: Vec<Option<Arc<Entity>>>,
        sources: Vec<Option<S>>,
        index: Index,
    ) -> Resolver<S> {
        Resolver {
            schema,
            next: entities.len(),
            room: None,
            entities,
            sources,
            index,
            references: Vec::new(),
            diagnostics: Vec::new(),
            lowered: Vec::new(),
            in_test: false,
            names: FxHashMap::default(),
        }
    }

    /// A resolver over an already declared portfolio, for lowering some entities again.
    pub(crate) fn over(portfolio: &Portfolio, sources: Vec<Option<S>>) -> Resolver<S> {
        Resolver {
            schema: portfolio.schema.clone(),
            entities: portfolio.entities.clone(),
            next: portfolio.entities.len(),
            room: None,
            sources,
            index: portfolio.index.clone(),
            references: Vec::new(),
            diagnostics: Vec::new(),
            lowered: Vec::new(),
            in_test: false,
            names: FxHashMap::default(),
        }
    }

    fn intern(&mut self, name: &str) -> Arc<str> {
        intern(&mut self.names, name)
    }
}

/// The ids suggestions choose from: by kind (and `any`, every kind), and the nested ones by
/// the last segment of their id (a child named without its parent, `vendor_delay` for
/// `billing_move.vendor_delay`, is the likeliest intent), each in entity order.
enum Candidates<'e> {
    /// Looked up in maps built once, for many suggestions.
    Indexed { by_kind: FxHashMap<&'e str, Vec<&'e str>>, nested: FxHashMap<(&'e str, &'e str), Vec<&'e str>> },
    /// Found by a pass over the entities per question, for a few suggestions (an edit that
    /// breaks a reference or two): cheaper than building the maps over every entity.
    Scanned(&'e [Option<Arc<Entity>>]),
}

impl<'e> Candidates<'e> {
    fn of(entities: &'e [Option<Arc<Entity>>], suggestions: usize) -> Candidates<'e> {
        if suggestions <= 8 {
            return Candidates::Scanned(entities);
        }
        let mut by_kind: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
        let mut nested: FxHashMap<(&str, &str), Vec<&str>> = FxHashMap::default();
        for entity in entities.iter().flatten() {
            by_kind.entry(&*entity.kind).or_default().push(entity.id.as_str());
            by_kind.entry("any").or_default().push(entity.id.as_str());
            if let Some((_, last)) = entity.id.rsplit_once('.') {
                nested.entry((last, &*entity.kind)).or_default().push(entity.id.as_str());
                nested.entry((last, "any")).or_default().push(entity.id.as_str());
            }
        }
        Candidates::Indexed { by_kind, nested }
    }

    /// The ids of entities of `kind` (`any`: every kind).
    fn ids<'a>(&'a self, kind: &'a str) -> Box<dyn Iterator<Item = &'e str> + 'a> {
        match self {
            Candidates::Indexed { by_kind, .. } => Box::new(by_kind.get(kind).into_iter().flatten().copied()),
            Candidates::Scanned(entities) => Box::new(
                entities
                    .iter()
                    .flatten()
                    .filter(move |entity| kind == "any" || &*entity.kind == kind)
                    .map(|entity| entity.id.as_str()),
            ),
        }
    }

    fn count(&self, kind: &str) -> usize {
        match self {
            Candidates::Indexed { by_kind, .. } => by_kind.get(kind).map_or(0, Vec::len),
            Candidates::Scanned(_) => self.ids(kind).count(),
        }
    }

    /// The ids of nested entities of `kind` whose last segment is `last`.
    fn nested<'a>(&'a self, last: &'a str, kind: &'a str) -> Box<dyn Iterator<Item = &'e str> + 'a> {
        match self {
            Candidates::Indexed { nested, .. } => {
                Box::new(nested.get(&(last, kind)).into_iter().flatten().copied())
            }
            Candidates::Scanned(entities) => Box::new(
                entities
                    .iter()
                    .flatten()
                    .filter(move |entity| kind == "any" || &*entity.kind == kind)
                    .map(|entity| entity.id.as_str())
                    .filter(move |id| id.rsplit_once('.').is_some_and(|(_, segment)| segment == last)),
            ),
        }
    }
}

/// A declaration with its entity built and its kind checked, ready to be given an id.
pub(crate) struct Prepared<S> {
    declaration: S,
    /// The position of the enclosing declaration in the same list.
    parent: Option<usize>,
    /// Without its parent and nested entities' ids, which placing gives.
    pub(crate) entity: Arc<Entity>,
    /// Boxed: rare, and large next to the rest.
    kind_error: Option<Box<Diagnostic>>,
}

/// Prepares `declaration` and its nested ones, in declaration order. `parent` is the
/// position, full id and kind of the enclosing one.
pub(crate) fn prepare<'a>(
    schema: &Schema,
    in_test: bool,
    declaration: &'a ast::Entity,
    parent: Option<(usize, &str, &str)>,
    names: &mut FxHashMap<String, Arc<str>>,
    out: &mut Vec<Prepared<&'a ast::Entity>>,
) {
    let (entity, kind_error) = entity_of(schema, in_test, declaration, parent, names);
    let position = out.len();
    let id = (!declaration.children.is_empty()).then(|| entity.id.clone());
    let kind = entity.kind.clone();
    out.push(Prepared {
        declaration,
        parent: parent.map(|(position, ..)| position),
        entity: Arc::new(entity),
        kind_error: kind_error.map(Box::new),
    });
    if let Some(id) = id {
        for child in &declaration.children {
            prepare(schema, in_test, child, Some((position, &id, &kind)), names, out);
        }
    }
}

/// [`prepare`] of declarations that the resolver does not hold ([`resolve_owned`], never
/// in a test): the ids [`Resolver::place`] gives them say which is which.
fn prepare_marked(
    schema: &Schema,
    declaration: &ast::Entity,
    parent: Option<(usize, &str, &str)>,
    names: &mut FxHashMap<String, Arc<str>>,
    out: &mut Vec<Prepared<()>>,
) {
    let (entity, kind_error) = entity_of(schema, false, declaration, parent, names);
    let position = out.len();
    let entity = Arc::new(entity);
    // Shared until this returns, before placing needs the entity alone.
    let enclosing = (!declaration.children.is_empty()).then(|| entity.clone());
    out.push(Prepared {
        declaration: (),
        parent: parent.map(|(position, ..)| position),
        entity,
        kind_error: kind_error.map(Box::new),
    });
    if let Some(enclosing) = enclosing {
        for child in &declaration.children {
            prepare_marked(schema, child, Some((position, &enclosing.id, &enclosing.kind)), names, out);
        }
    }
}

/// Calls `visit` on `declaration` and its nested ones, in declaration order.
pub(crate) fn walk<'a>(declaration: &'a ast::Entity, visit: &mut impl FnMut(&'a ast::Entity)) {
    visit(declaration);
    for child in &declaration.children {
        walk(child, visit);
    }
}

/// `trees` cut in consecutive parts that declare about `size` entities each.
fn parts_of(mut trees: Vec<ast::Entity>, size: usize) -> Vec<Vec<ast::Entity>> {
    let mut cuts = Vec::new();
    let mut count = 0;
    for (position, tree) in trees.iter().enumerate().rev() {
        count += declared(tree);
        if count >= size && position > 0 {
            cuts.push(position);
            count = 0;
        }
    }
    let mut parts: Vec<Vec<ast::Entity>> =
        cuts.into_iter().map(|position| trees.split_off(position)).collect();
    parts.push(trees);
    parts.reverse();
    parts
}

/// How many entities `declaration` declares: itself and its nested ones.
pub(crate) fn declared(declaration: &ast::Entity) -> usize {
    1 + declaration.children.iter().map(declared).sum::<usize>()
}

/// The entity that `declaration` declares (without fields, parent or nested entities)
/// and the finding about its kind, if any.
fn entity_of(
    schema: &Schema,
    in_test: bool,
    declaration: &ast::Entity,
    parent: Option<(usize, &str, &str)>,
    names: &mut FxHashMap<String, Arc<str>>,
) -> (Entity, Option<Diagnostic>) {
    let full_id = match parent {
        Some((_, parent_id, _)) => format!("{parent_id}.{}", declaration.id.name),
        None => declaration.id.name.to_string(),
    };
    let parent_kind = parent.map(|(_, _, kind)| kind);
    let kind_error = kind_error(schema, &declaration.kind, parent_kind);
    // A misspelled kind is read as the kind it most likely meant, so that its fields are
    // checked and what names it resolves: the unknown kind is then its one finding.
    let kind = declared_kind(schema, &declaration.kind.name, parent_kind);
    let entity = Entity {
        id: full_id,
        kind: intern(names, kind),
        title: declaration.title.as_ref().map(|title| Arc::from(title.value.as_str())),
        doc: declaration.doc.as_ref().map(|doc| doc.text.clone()),
        span: declaration.span,
        id_span: declaration.id.span,
        kind_span: declaration.kind.span,
        parent: None,
        children: Vec::new(),
        fields: Vec::new(),
        invalid: Vec::new(),
        broken: false,
        in_test,
    };
    (entity, kind_error)
}

/// The kind of an entity declared as `written` inside an entity of `parent_kind`: the
/// kind written, or for an unknown kind the closest kind allowed there, if any.
pub(crate) fn declared_kind<'s>(schema: &'s Schema, written: &'s str, parent_kind: Option<&str>) -> &'s str {
    match schema.kind(written) {
        Some(_) => written,
        None => closest_kind(schema, written, parent_kind).unwrap_or(written),
    }
}

/// The kind a broken declaration starting with `keyword` declares: the kind itself, or
/// for a misspelled kind the top-level kind it most likely meant, as for a declaration
/// that parses (the syntax error is then the one finding); `None` for other keywords.
pub(crate) fn broken_kind<'s>(schema: &'s Schema, keyword: &'s str) -> Option<&'s str> {
    if DECLARATION_KEYWORDS.contains(&keyword) {
        return None;
    }
    match schema.kind(keyword) {
        Some(_) => Some(keyword),
        None => closest_kind(schema, keyword, None),
    }
}

/// The kinds that may be declared inside `parent_kind` (at the top level: `None`).
fn kinds_allowed<'s>(schema: &'s Schema, parent_kind: Option<&str>) -> Vec<&'s str> {
    schema
        .kinds
        .iter()
        .filter(|candidate| candidate.nested_in.as_deref() == parent_kind)
        .map(|candidate| candidate.name.as_str())
        .collect()
}

/// The kind allowed inside `parent_kind` closest to the unknown `kind`.
fn closest_kind<'s>(schema: &'s Schema, kind: &str, parent_kind: Option<&str>) -> Option<&'s str> {
    closest(kind, kinds_allowed(schema, parent_kind))
}

/// Reports an unknown kind, or a kind declared at the wrong level.
fn kind_error(schema: &Schema, kind: &ast::Ident, parent_kind: Option<&str>) -> Option<Diagnostic> {
    let Some(definition) = schema.kind(&kind.name) else {
        let diagnostic = Diagnostic::builtin(
            BuiltinCode::UnknownReference,
            kind.span,
            format!("unknown entity kind `{}`", kind.name),
        )
        .with_label("no such kind");
        return Some(match closest_kind(schema, &kind.name, parent_kind) {
            Some(meant) => diagnostic
                .with_help(format!(
                    "did you mean `{meant}`? meanwhile it is checked as {}",
                    with_article(meant)
                ))
                .with_fix(format!("replace with `{meant}`"), kind.span, meant),
            None => diagnostic.with_help(format!(
                "the kinds allowed here are {}",
                join_ticked(&kinds_allowed(schema, parent_kind))
            )),
        });
    };
    match (&definition.nested_in, parent_kind) {
        (Some(container), None) => Some(
            Diagnostic::builtin(
                BuiltinCode::WrongKind,
                kind.span,
                format!("a `{}` must be declared inside a `{container}`", kind.name),
            )
            .with_label("declared at the top level")
            .with_help(format!("move it into the body of the `{container}` it belongs to")),
        ),
        (expected, Some(actual)) if expected.as_deref() != Some(actual) => Some(
            Diagnostic::builtin(
                BuiltinCode::WrongKind,
                kind.span,
                format!("a `{}` cannot be declared inside a `{actual}`", kind.name),
            )
            .with_label("nested here")
            .with_help(match expected {
                Some(container) => format!("declare it inside a `{container}`"),
                None => "declare it at the top level of a file".to_string(),
            }),
        ),
        _ => None,
    }
}

/// What lowering some entities makes: their fields, references, findings and the
/// suggestions to look for.
type Chunk = (Vec<(EntityId, Lowered)>, Vec<Reference>, Vec<(EntityId, Diagnostic)>, Vec<Suggest>);

/// How many entities of `count` one thread of [`Resolver::lower`] lowers at a time.
fn chunk_size(count: usize) -> usize {
    (count / (2 * rayon::current_num_threads().max(1))).max(1024)
}

/// Lowering the fields of some entities, in ascending order: what makes one [`Chunk`].
struct ChunkLowering<'r> {
    lowering: Lowering<'r>,
    fields: Vec<(EntityId, Lowered)>,
    lowered: Vec<(EntityId, Diagnostic)>,
    suggest: Vec<Suggest>,
}

impl<'r> ChunkLowering<'r> {
    fn new(
        schema: &'r Schema,
        entities: &'r [Option<Arc<Entity>>],
        index: &'r Index,
        capacity: usize,
    ) -> ChunkLowering<'r> {
        ChunkLowering {
            lowering: Lowering {
                schema,
                entities,
                index,
                references: Vec::new(),
                diagnostics: Vec::new(),
                names: FxHashMap::default(),
                pending: Vec::new(),
                field_positions: FxHashMap::default(),
                silent: false,
            },
            fields: Vec::with_capacity(capacity),
            lowered: Vec::new(),
            suggest: Vec::new(),
        }
    }

    /// Lowers the fields of `declaration`, the declaration of entity `id`.
    fn lower(&mut self, id: EntityId, declaration: &ast::Entity) {
        let schema = self.lowering.schema;
        self.fields.push((id, self.lowering.lower_fields(id, declaration, schema)));
        let offset = self.lowered.len();
        self.suggest.extend(
            self.lowering.pending.drain(..).map(|pending| Suggest { at: pending.at + offset, ..pending }),
        );
        self.lowered.extend(self.lowering.diagnostics.drain(..).map(|diagnostic| (id, diagnostic)));
    }

    fn finish(self) -> Chunk {
        (self.fields, self.lowering.references, self.lowered, self.suggest)
    }
}

/// One shared `Arc` per name, so entities do not each allocate their field names.
fn intern(names: &mut FxHashMap<String, Arc<str>>, name: &str) -> Arc<str> {
    if let Some(interned) = names.get(name) {
        return interned.clone();
    }
    let interned: Arc<str> = Arc::from(name);
    names.insert(name.to_string(), interned.clone());
    interned
}

/// Lowering the fields of some entities, against a declared portfolio: what one thread
/// of [`Resolver::lower`] does.
struct Lowering<'r> {
    schema: &'r Schema,
    entities: &'r [Option<Arc<Entity>>],
    index: &'r Index,
    references: Vec<Reference>,
    diagnostics: Vec<Diagnostic>,
    names: FxHashMap<String, Arc<str>>,
    /// Unknown references and wrong kinds to suggest an id for, once every entity is
    /// lowered (see [`Resolver::suggest`]); `at` indexes `diagnostics`.
    pending: Vec<Suggest>,
    /// See [`Lowering::field_positions`].
    field_positions: FxHashMap<String, Arc<FxHashMap<String, usize>>>,
    /// A value failed without a finding of its own, because another finding is its root
    /// cause (a reference to an entity of an unknown kind).
    silent: bool,
}

/// An entity's lowered fields, and the names of those present but invalid.
type Lowered = (Vec<FieldValue>, Vec<Arc<str>>);

/// How many candidates the suggestions for unknown references and wrong kinds may compare
/// in one resolution, in all (a quarter of a second): a realistic portfolio gets every
/// suggestion, and a hostile one with tens of thousands of unknown references against
/// tens of thousands of ids gets suggestions for the first ones.
pub const SUGGESTION_BUDGET: usize = 2_000_000;

/// A suggestion to look for once every entity is lowered.
struct Suggest {
    /// The finding's index in the list of findings it is in.
    at: usize,
    /// The id written.
    name: String,
    /// The kind expected (`any` for a waiver's `applies_to`).
    kind: String,
    /// For a wrong kind: the field, which its help names.
    wrong_kind: Option<String>,
    /// The id of the referring entity, which is never suggested.
    referrer: String,
}

/// Kinds with at most this many fields find a field by a linear search, faster than
/// hashing for the built-in schema.
const LINEAR_FIELDS: usize = 64;

impl<'r> Lowering<'r> {
    fn intern(&mut self, name: &str) -> Arc<str> {
        intern(&mut self.names, name)
    }

    /// The schema position of every field of `kind` by name, for kinds with so many
    /// fields (through `extend`) that a linear search per field would add up; built
    /// once per kind.
    fn field_positions(&mut self, kind: &KindDef) -> Option<Arc<FxHashMap<String, usize>>> {
        if kind.fields.len() <= LINEAR_FIELDS {
            return None;
        }
        let positions = self.field_positions.entry(kind.name.clone()).or_insert_with(|| {
            let mut positions = FxHashMap::default();
            for (index, field) in kind.fields.iter().enumerate() {
                positions.entry(field.name.clone()).or_insert(index);
            }
            Arc::new(positions)
        });
        Some(positions.clone())
    }

    fn lower_fields(&mut self, id: EntityId, declaration: &ast::Entity, schema: &Schema) -> Lowered {
        // The entity's kind, not the one written: a misspelled kind is read as the kind it
        // most likely meant (see [`prepare`]).
        let entities = self.entities;
        let Some(Some(entity)) = entities.get(id.index()) else {
            return (Vec::new(), Vec::new());
        };
        let kind_name: &str = &entity.kind;
        let Some(kind) = schema.kind(kind_name) else {
            return (Vec::new(), Vec::new());
        };
        let entity_id = entity.id.clone();
        let mut fields: Vec<FieldValue> = Vec::with_capacity(declaration.fields.len() + 1);
        let mut invalid: Vec<Arc<str>> = Vec::new();
        // The known fields that misspelled field names most likely meant, with their
        // schema positions.
        let mut meant: Vec<(usize, &str)> = Vec::new();
        // The schema positions of the fields accepted into `fields` (with their place
        // there), and of every known field written: compared as numbers rather than
        // names, and hashed, so that an entity giving thousands of fields stays linear.
        let names = self.field_positions(kind);
        let position = |name: &str| match &names {
            Some(names) => names.get(name).copied(),
            None => kind.fields.iter().position(|field| field.name == name),
        };
        let mut accepted: FxHashMap<usize, usize> = FxHashMap::default();
        let mut written: rustc_hash::FxHashSet<usize> = rustc_hash::FxHashSet::default();
        if let Some(title) = &declaration.title {
            if let Some(index) = position("title") {
                accepted.insert(index, fields.len());
            }
            fields.push(FieldValue {
                name: self.intern("title"),
                value: Value::String(
                    (entity.title.clone().filter(|shared| **shared == *title.value))
                        .unwrap_or_else(|| Arc::from(title.value.as_str())),
                ),
                name_span: title.span,
                value_span: title.span,
            });
        }
        for field in &declaration.fields {
            let name = field.name.name.as_str();
            let index = position(name);
            written.extend(index);
            let first = index.and_then(|index| accepted.get(&index)).and_then(|at| fields.get(*at));
            if let Some(first) = first {
                let first_span = first.name_span;
                self.diagnostics.push(
                    Diagnostic::builtin(
                        BuiltinCode::DuplicateField,
                        field.name.span,
                        format!("field `{name}` is given twice"),
                    )
                    .with_label("given again here")
                    .with_secondary(first_span, "first given here")
                    .with_help("keep one of them; only the first is used")
                    .with_entity(entity_id.clone()),
                );
                continue;
            }
            let Some(definition) = index.and_then(|index| kind.fields.get(index)) else {
                let help = did_you_mean(name, kind.writable().map(|field| field.name.as_str())).unwrap_or_else(|| {
                    format!("`{kind_name}` has no such field; declare it with `extend {kind_name} {{ {name}: TYPE }}`")
                });
                let mut diagnostic = Diagnostic::builtin(
                    BuiltinCode::UnknownField,
                    field.name.span,
                    format!("`{kind_name}` has no field `{name}`"),
                )
                .with_label("unknown field")
                .with_help(help)
                .with_entity(entity_id.clone());
                if let Some(suggestion) = closest(name, kind.writable().map(|field| field.name.as_str())) {
                    if let Some(index) = position(suggestion) {
                        meant.push((index, suggestion));
                    }
                    diagnostic =
                        diagnostic.with_fix(format!("rename to `{suggestion}`"), field.name.span, suggestion);
                }
                self.diagnostics.push(diagnostic);
                continue;
            };
            if definition.computed {
                self.diagnostics.push(
                    Diagnostic::builtin(
                        BuiltinCode::UnknownField,
                        field.name.span,
                        format!("`{kind_name}.{name}` is computed and cannot be set"),
                    )
                    .with_label("computed field")
                    .with_help(format!("remove it; Charter computes `{name}`: {}", definition.doc))
                    .with_entity(entity_id.clone()),
                );
                continue;
            }
            if matches!(field.value.kind, ast::ValueKind::None) {
                continue;
            }
            let before = self.diagnostics.len();
            self.silent = false;
            let value = self.lower_value(id, name, &definition.ty, &field.value, &entity_id);
            if self.diagnostics.len() > before || self.silent {
                invalid.push(self.intern(name));
            }
            let Some(value) = value else {
                continue;
            };
            if let Some(index) = index {
                accepted.insert(index, fields.len());
            }
            fields.push(FieldValue {
                name: self.intern(name),
                value,
                name_span: field.name.span,
                value_span: field.value.span,
            });
        }
        // A metric's readings are checked together, once each converts on its own.
        if kind_name == "metric"
            && super::history::check(declaration, &entity_id, &mut self.diagnostics)
            && !invalid.iter().any(|name| &**name == "history")
        {
            invalid.push(self.intern("history"));
        }
        // A misspelled field name stands for the field it most likely meant, unless that
        // field is written too: present but invalid, neither missing nor read by rules.
        for (index, name) in meant {
            if written.insert(index) {
                invalid.push(self.intern(name));
            }
        }
        for (index, definition) in kind.fields.iter().enumerate().filter(|(_, field)| field.required) {
            if accepted.contains_key(&index) || written.contains(&index) {
                continue;
            }
            self.diagnostics.push(
                Diagnostic::builtin(
                    BuiltinCode::MissingField,
                    declaration.id.span,
                    format!("{kind_name} `{entity_id}` is missing required field `{}`", definition.name),
                )
                .with_label(format!("needs `{}`", definition.name))
                .with_help(if definition.doc.is_empty() {
                    format!("add `{}: <{}>`", definition.name, definition.ty.describe())
                } else {
                    format!(
                        "add `{}: <{}>` ({})",
                        definition.name,
                        definition.ty.describe(),
                        lowercase_first(definition.doc.trim_end_matches('.'))
                    )
                })
                .with_entity(entity_id.clone()),
            );
        }
        (fields, invalid)
    }

    fn lower_value(
        &mut self,
        id: EntityId,
        field: &str,
        ty: &Type,
        value: &ast::Value,
        entity_id: &str,
    ) -> Option<Value> {
        use ast::ValueKind as V;
        let lowered = match (ty, &value.kind) {
            (Type::List(item), V::List(items)) => {
                let mut values = Vec::with_capacity(items.len());
                for element in items {
                    if let Some(value) = self.lower_value(id, field, item, element, entity_id) {
                        values.push(value);
                    }
                }
                return Some(Value::List(Arc::from(values)));
            }
            (Type::List(item), _) => {
                let written = value_source_hint(value);
                self.mismatch(
                    value,
                    field,
                    ty,
                    entity_id,
                    Some(format!("a list is written in brackets: `[{written}]`")),
                );
                let _ = item;
                return None;
            }
            (Type::String, V::String(text)) => Value::String(Arc::from(text.as_str())),
            (Type::Bool, V::Bool(flag)) => Value::Bool(*flag),
            (Type::Number, V::Number(number)) => Value::Number(*number),
            (Type::Percent, V::Percent(number)) => Value::Percent(*number),
            (Type::Money, V::Money { amount, currency }) => {
                Value::Money(self.money(*amount, currency, value.span, entity_id)?)
            }
            (Type::Date, V::Date(date)) => Value::Date(self.date(date, field, entity_id)?),
            (Type::Duration, V::Duration(duration)) => Value::Duration(*duration),
            (Type::Measurement, V::Measurement { value: inner, date }) => {
                let inner_value = match &inner.kind {
                    V::Number(number) => Value::Number(*number),
                    V::Percent(number) => Value::Percent(*number),
                    V::Money { amount, currency } => {
                        Value::Money(self.money(*amount, currency, inner.span, entity_id)?)
                    }
                    _ => {
                        self.mismatch(
                            inner,
                            field,
                            &Type::Number,
                            entity_id,
                            Some("a measurement's value is a number, percent or money".into()),
                        );
                        return None;
                    }
                };
                Value::Measurement(Box::new(Measurement {
                    value: inner_value,
                    date: self.date(date, field, entity_id)?,
                }))
            }
            (Type::Enum(enumeration), V::Name(name)) => match enumeration.index_of(name) {
                Some(index) => Value::Enum(EnumValue { index: index as u16, name: self.intern(name) }),
                None => {
                    let valid = join_ticked(&enumeration.values);
                    let mut diagnostic = Diagnostic::builtin(
                        BuiltinCode::TypeMismatch,
                        value.span,
                        format!("`{name}` is not a valid `{field}`"),
                    )
                    .with_label(format!("expected one of {valid}"))
                    .with_entity(entity_id);
                    diagnostic.help =
                        Some(match closest(name, enumeration.values.iter().map(String::as_str)) {
                            Some(suggestion) => {
                                diagnostic = diagnostic.with_fix(
                                    format!("replace with `{suggestion}`"),
                                    value.span,
                                    suggestion,
                                );
                                format!("did you mean `{suggestion}`? valid values: {valid}")
                            }
                            None => format!("valid values: {valid}"),
                        });
                    self.diagnostics.push(diagnostic);
                    return None;
                }
            },
            (Type::Ref(kind), V::Name(name)) => {
                return self.reference(id, field, kind, name, value.span, entity_id);
            }
            (Type::RuleName, V::Name(name)) => Value::RuleName(Arc::from(name.as_str())),
            _ => {
                let help = match (ty, &value.kind) {
                    (Type::Percent, V::Number(_)) => {
                        Some("write a percent with `%`, for example `40%`".to_string())
                    }
                    (Type::Money, V::Number(_)) => Some(
                        "money needs a currency code after the amount, for example `1.2M USD`".to_string(),
                    ),
                    (Type::Measurement, _) => {
                        Some("a measurement is a value observed at a date: `68% @ 2025-06-30`".to_string())
                    }
                    (Type::Date, V::String(_)) => {
                        Some("write dates without quotes as `YYYY-MM-DD`".to_string())
                    }
                    (Type::String, V::Name(name)) => Some(format!("strings are quoted: `\"{name}\"`")),
                    (Type::Enum(enumeration), _) => {
                        Some(format!("valid values: {}", join_ticked(&enumeration.values)))
                    }
                    _ => None,
                };
                self.mismatch(value, field, ty, entity_id, help);
                return None;
            }
        };
        Some(lowered)
    }

    fn date(&mut self, date: &ast::DateLit, field: &str, entity_id: &str) -> Option<jiff::civil::Date> {
        match date.date() {
            Some(valid) => Some(valid),
            None => {
                let detail = if (1..=12).contains(&date.month) {
                    let days = jiff::civil::Date::new(date.year, date.month, 1)
                        .map(|first| first.days_in_month())
                        .unwrap_or(31);
                    format!("{} has {days} days", month_name(date.month, date.year))
                } else {
                    "months run from 01 to 12".to_string()
                };
                self.diagnostics.push(
                    Diagnostic::builtin(
                        BuiltinCode::TypeMismatch,
                        date.span,
                        format!("`{date}` is not a valid date for `{field}`"),
                    )
                    .with_label(detail)
                    .with_help("write a calendar date as `YYYY-MM-DD`")
                    .with_entity(entity_id),
                );
                None
            }
        }
    }

    fn reference(
        &mut self,
        id: EntityId,
        field: &str,
        kind: &str,
        name: &str,
        span: Span,
        entity_id: &str,
    ) -> Option<Value> {
        let target = self.index.get(name);
        let field_name = self.intern(field);
        self.references.push(Reference {
            source: id,
            field: field_name,
            name: compact_str::CompactString::new(name),
            target,
            span,
        });
        let Some(target) = target else {
            self.pending.push(Suggest {
                at: self.diagnostics.len(),
                name: name.to_string(),
                kind: kind.to_string(),
                wrong_kind: None,
                referrer: entity_id.to_string(),
            });
            let what = if kind == "any" { "entity".to_string() } else { kind.to_string() };
            let mut diagnostic = Diagnostic::builtin(
                BuiltinCode::UnknownReference,
                span,
                format!("`{field}` names unknown {what} `{name}`"),
            )
            .with_label(format!("no {what} with this id"))
            .with_entity(entity_id);
            diagnostic.help = Some(format!(
                "declare it with `{} {name} {{ ... }}`",
                if kind == "any" { "KIND" } else { kind }
            ));
            self.diagnostics.push(diagnostic);
            return None;
        };
        let actual = self
            .entities
            .get(target.index())
            .and_then(Option::as_ref)
            .map(|entity| (entity.kind.clone(), entity.id_span));
        if let Some((actual_kind, declared)) = actual
            && kind != "any"
            && &*actual_kind != kind
        {
            // An entity of an unknown kind is reported where its kind is written; what
            // names it is not wrong for that.
            if self.schema.kind(&actual_kind).is_none() {
                self.silent = true;
                return None;
            }
            let help = format!("`{field}` expects {}", with_article(kind));
            self.pending.push(Suggest {
                at: self.diagnostics.len(),
                name: name.to_string(),
                kind: kind.to_string(),
                wrong_kind: Some(field.to_string()),
                referrer: entity_id.to_string(),
            });
            self.diagnostics.push(
                Diagnostic::builtin(
                    BuiltinCode::WrongKind,
                    span,
                    format!(
                        "`{field}` expects {}, but `{name}` is {}",
                        with_article(kind),
                        with_article(&actual_kind)
                    ),
                )
                .with_label(format!("this is {}", with_article(&actual_kind)))
                .with_secondary(declared, format!("`{name}` is declared here"))
                .with_help(help)
                .with_entity(entity_id),
            );
            return None;
        }
        Some(Value::Entity(target))
    }

    /// Money whose currency is an ISO 4217 code; an unknown code is a `type_mismatch` at
    /// the code (the last three bytes of the token), suggesting the closest valid one.
    fn money(
        &mut self,
        amount: rust_decimal::Decimal,
        currency: &str,
        span: Span,
        entity_id: &str,
    ) -> Option<Money> {
        if super::currency::is_known(currency) {
            return Some(Money { amount, currency: self.intern(currency) });
        }
        let at = Span { file: span.file, start: span.end.saturating_sub(3).max(span.start), end: span.end };
        let mut diagnostic =
            Diagnostic::builtin(BuiltinCode::TypeMismatch, at, format!("unknown currency code `{currency}`"))
                .with_label("not an ISO 4217 code")
                .with_entity(entity_id);
        diagnostic = match super::currency::closest(currency) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")).with_fix(
                format!("replace with `{suggestion}`"),
                at,
                suggestion,
            ),
            None => diagnostic.with_help(
                "write the three-letter ISO 4217 code of the currency, such as `USD`, `EUR` or `GBP`",
            ),
        };
        self.diagnostics.push(diagnostic);
        None
    }

    fn mismatch(
        &mut self,
        value: &ast::Value,
        field: &str,
        ty: &Type,
        entity_id: &str,
        help: Option<String>,
    ) {
        let mut diagnostic = Diagnostic::builtin(
            BuiltinCode::TypeMismatch,
            value.span,
            format!("`{field}` expects {}, found {}", article(ty), describe_value(&value.kind)),
        )
        .with_label(format!("expected {}", ty.describe()))
        .with_entity(entity_id);
        diagnostic.help = help;
        self.diagnostics.push(diagnostic);
    }
}

/// The type as a phrase: `a date`, `money`, `a list of references to objectives`.
fn article(ty: &Type) -> String {
    match ty {
        Type::Ref(kind) if &**kind == "any" => "a reference to an entity".into(),
        Type::Ref(kind) => format!("a reference to a {kind}"),
        Type::List(item) => match &**item {
            Type::Ref(kind) if &**kind == "any" => "a list of entity references".into(),
            Type::Ref(kind) => format!("a list of references to {kind}s"),
            other => format!("a list of {}s", other.describe()),
        },
        Type::Enum(_) => "one of its values".into(),
        Type::Money => "money".into(),
        Type::Bool => "`true` or `false`".into(),
        Type::RuleName => "a rule name".into(),
        other => format!("a {}", other.describe()),
    }
}

fn describe_value(value: &ast::ValueKind) -> String {
    use ast::ValueKind as V;
    match value {
        V::String(_) => "a string".into(),
        V::Number(_) => "a number".into(),
        V::Percent(_) => "a percent".into(),
        V::Money { .. } => "money".into(),
        V::Date(_) => "a date".into(),
        V::Duration(_) => "a duration".into(),
        V::Measurement { .. } => "a measurement".into(),
        V::Bool(_) => "a boolean".into(),
        V::None => "`none`".into(),
        V::Name(name) => format!("`{name}`"),
        V::List(_) => "a list".into(),
    }
}

fn value_source_hint(value: &ast::Value) -> String {
    match &value.kind {
        ast::ValueKind::Name(name) => name.to_string(),
        _ => "...".into(),
    }
}

fn month_name(month: i8, year: i16) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name =
        usize::try_from(month - 1).ok().and_then(|index| NAMES.get(index)).copied().unwrap_or("that month");
    format!("{name} {year}")
}

/// `an objective`, `a project`.
fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) fn join_ticked<S: AsRef<str>>(items: &[S]) -> String {
    items.iter().map(|item| format!("`{}`", item.as_ref())).collect::<Vec<_>>().join(", ")
}

pub(super) mod links {
    //! Reverse links: the computed fields that list who names an entity.

    use rustc_hash::FxHashMap;
    use std::sync::Arc;

    use crate::model::value::Value;
    use crate::model::{Entity, EntityId};

    /// `(target kind, computed field, source kind, source field)`.
    type Reverse = (&'static str, &'static str, &'static str, &'static str);

    const REVERSE: [Reverse; 11] = [
        ("project", "dependents", "project", "depends_on"),
        ("objective", "projects", "project", "supports"),
        ("objective", "children", "objective", "parent"),
        ("metric", "objectives", "objective", "measured_by"),
        ("metric", "projects", "project", "kpis"),
        ("person", "sponsored", "project", "sponsor"),
        ("person", "managed", "project", "manager"),
        ("person", "owned_objectives", "objective", "owner"),
        ("person", "owned_metrics", "metric", "owner"),
        ("person", "owned_risks", "risk", "owner"),
        ("team", "projects", "project", "teams"),
    ];

    /// Every entity's non-empty reverse-link fields: entity `e`'s are
    /// `fields[starts[e]..starts[e + 1]]`, by name.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct Links {
        starts: Vec<u32>,
        fields: Vec<(&'static str, Arc<[Value]>)>,
        empty: Option<Arc<[Value]>>,
        /// Per entry of `REVERSE`: how many entities feed it with a field that is present
        /// but invalid (or, not parsed, may have fed it). Which entity they meant to name is
        /// unknown, so an entry some entity taints is present but invalid on every entity
        /// of its target kind.
        taints: Vec<u32>,
    }

    impl Links {
        /// The reverse-link field `field` of an entity of kind `kind`: the entities that
        /// name it, in declaration order; `None` when `field` is not a reverse link of the
        /// kind.
        pub(crate) fn get(&self, id: EntityId, kind: &str, field: &str) -> Option<Arc<[Value]>> {
            let start = self.starts.get(id.index()).copied().unwrap_or(0) as usize;
            let end = self.starts.get(id.index() + 1).copied().unwrap_or(0) as usize;
            if let Some((_, values)) =
                self.fields.get(start..end).into_iter().flatten().find(|(name, _)| *name == field)
            {
                return Some(values.clone());
            }
            let known = REVERSE.iter().any(|(target, computed, ..)| *target == kind && *computed == field);
            known.then(|| self.empty.clone().unwrap_or_else(|| Arc::from(Vec::new())))
        }

        /// Whether the reverse-link field `field` of entities of kind `kind` is fed by a
        /// field that is present but invalid.
        pub(crate) fn tainted(&self, kind: &str, field: &str) -> bool {
            self.tainted_links().any(|(target, computed)| target == kind && computed == field)
        }

        /// The same links after the empty slots closed: `occupied` says which slots hold an
        /// entity, and `moved` where each moves (see [`crate::model::Portfolio::compacted`]).
        pub(crate) fn compacted(&self, occupied: &[bool], moved: &impl Fn(EntityId) -> EntityId) -> Links {
            let mut starts = vec![0u32];
            let mut fields = Vec::with_capacity(self.fields.len());
            for (slot, occupied) in occupied.iter().enumerate() {
                if !*occupied {
                    continue;
                }
                let start = self.starts.get(slot).copied().unwrap_or(0) as usize;
                let end = self.starts.get(slot + 1).copied().unwrap_or(0) as usize;
                for (name, values) in self.fields.get(start..end).into_iter().flatten() {
                    let values: Vec<Value> = values
                        .iter()
                        .map(|value| match value {
                            Value::Entity(id) => Value::Entity(moved(*id)),
                            other => other.clone(),
                        })
                        .collect();
                    fields.push((*name, Arc::from(values)));
                }
                starts.push(fields.len() as u32);
            }
            Links { starts, fields, empty: self.empty.clone(), taints: self.taints.clone() }
        }

        /// Every `(target kind, computed field)` that is tainted, in the order of `REVERSE`.
        pub(crate) fn tainted_links(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
            self.taints
                .iter()
                .zip(REVERSE)
                .filter(|(count, _)| **count > 0)
                .map(|(_, (target, computed, ..))| (target, computed))
        }

        /// Whether some reverse-link field of entities of kind `kind` is tainted.
        pub(crate) fn any_tainted(&self, kind: &str) -> bool {
            self.tainted_links().any(|(target, _)| target == kind)
        }
    }

    /// Whether `before` and `after`, one entity before and after an edit that kept every
    /// entity's id and kind, feed the same reverse links: the same targets through every
    /// field a reverse link reads, each as valid as before.
    pub(crate) fn same_links(before: &Entity, after: &Entity) -> bool {
        if before.kind != after.kind || before.broken != after.broken {
            return false;
        }
        fn targets<'e>(entity: &'e Entity, name: &str) -> (bool, impl Iterator<Item = EntityId> + 'e) {
            let values: &[Value] = match entity.field(name).map(|field| &field.value) {
                None => &[],
                Some(Value::List(items)) => items,
                Some(single) => std::slice::from_ref(single),
            };
            (entity.field(name).is_some(), values.iter().filter_map(Value::as_entity))
        }
        let invalid = |entity: &Entity, name: &str| entity.invalid.iter().any(|invalid| &**invalid == name);
        REVERSE.iter().filter(|(_, _, source_kind, _)| *source_kind == &*before.kind).all(|(.., field)| {
            let ((given_before, before_targets), (given_after, after_targets)) =
                (targets(before, field), targets(after, field));
            invalid(before, field) == invalid(after, field)
                && given_before == given_after
                && before_targets.eq(after_targets)
        })
    }

    /// The entries of `REVERSE` whose source kind is `kind`.
    fn entries_of(kind: &str) -> impl Iterator<Item = usize> + '_ {
        (0..REVERSE.len()).filter(move |index| REVERSE.get(*index).is_some_and(|entry| entry.2 == kind))
    }

    /// What `entity` feeds: `link(entry, target)` for each target it names through an entry
    /// of `REVERSE` (when the target, in `entities`, is of the entry's kind), in order, and
    /// `taint(entry)` for each entry it feeds with a field that is present but invalid.
    fn feeds(
        entity: &Entity,
        entities: &[Option<Arc<Entity>>],
        link: &mut impl FnMut(usize, EntityId),
        taint: &mut impl FnMut(usize),
    ) {
        for entry in entries_of(&entity.kind) {
            let Some((target_kind, _, _, source_field)) = REVERSE.get(entry) else { continue };
            // A declaration that did not parse may have named anything.
            if entity.broken || entity.invalid.iter().any(|name| &**name == *source_field) {
                taint(entry);
            }
            let Some(field) = entity.field(source_field) else { continue };
            let targets: &[Value] = match &field.value {
                Value::List(items) => items,
                single => std::slice::from_ref(single),
            };
            for target in targets.iter().filter_map(Value::as_entity) {
                let matches_kind = entities
                    .get(target.index())
                    .and_then(Option::as_ref)
                    .is_some_and(|entity| &*entity.kind == *target_kind);
                if matches_kind {
                    link(entry, target);
                }
            }
        }
    }

    pub(crate) fn reverse_links(entities: &[Option<Arc<Entity>>]) -> Links {
        // Per entry: (target, source) pairs, in source order.
        let mut pairs: Vec<Vec<(u32, u32)>> = vec![Vec::new(); REVERSE.len()];
        let mut taints = vec![0u32; REVERSE.len()];
        for (position, entity) in entities.iter().enumerate() {
            let Some(entity) = entity else { continue };
            feeds(
                entity,
                entities,
                &mut |entry, target| {
                    if let Some(list) = pairs.get_mut(entry) {
                        list.push((target.0, position as u32));
                    }
                },
                &mut |entry| {
                    if let Some(count) = taints.get_mut(entry) {
                        *count += 1;
                    }
                },
            );
        }
        // One list per (target, entry), then grouped by target.
        let mut lists: Vec<(u32, usize, Arc<[Value]>)> = Vec::new();
        for (entry, mut list) in pairs.into_iter().enumerate() {
            // Stable: each target's sources stay in declaration order.
            list.sort_by_key(|(target, _)| *target);
            list.dedup();
            for group in list.chunk_by(|a, b| a.0 == b.0) {
                let Some((target, _)) = group.first() else { continue };
                let values: Vec<Value> =
                    group.iter().map(|(_, source)| Value::Entity(EntityId(*source))).collect();
                lists.push((*target, entry, Arc::from(values)));
            }
        }
        lists.sort_by_key(|(target, entry, _)| (*target, *entry));
        let mut starts = vec![0u32; entities.len() + 1];
        for (target, ..) in &lists {
            if let Some(count) = starts.get_mut(*target as usize + 1) {
                *count += 1;
            }
        }
        for index in 1..starts.len() {
            let previous = starts.get(index - 1).copied().unwrap_or(0);
            if let Some(start) = starts.get_mut(index) {
                *start += previous;
            }
        }
        let fields = lists
            .into_iter()
            .filter_map(|(_, entry, values)| REVERSE.get(entry).map(|(_, computed, ..)| (*computed, values)))
            .collect();
        Links { starts, fields, empty: Some(Arc::from(Vec::new())), taints }
    }

    /// The links of `now` from `previous`, the links of `before`, when only the entities at
    /// the ids `changed` (in order) differ between the two: the lists those entities fed,
    /// or feed now, are made again from the others' part of them and theirs now, and so are
    /// the lists of the ids themselves; the other lists are shared.
    pub(crate) fn updated(
        previous: &Links,
        before: &[Option<Arc<Entity>>],
        now: &[Option<Arc<Entity>>],
        changed: &[EntityId],
    ) -> Links {
        let is_changed = |id: EntityId| changed.binary_search(&id).is_ok();
        let mut taints = previous.taints.clone();
        // (target, entry) → the sources that feed it now, among the changed entities.
        let mut fresh: FxHashMap<(u32, usize), Vec<u32>> = FxHashMap::default();
        for id in changed {
            if let Some(Some(old)) = before.get(id.index()) {
                feeds(
                    old,
                    before,
                    &mut |entry, target| {
                        fresh.entry((target.0, entry)).or_default();
                    },
                    &mut |entry| {
                        if let Some(count) = taints.get_mut(entry) {
                            *count = count.saturating_sub(1);
                        }
                    },
                );
            }
            if let Some(Some(new)) = now.get(id.index()) {
                feeds(
                    new,
                    now,
                    &mut |entry, target| fresh.entry((target.0, entry)).or_default().push(id.0),
                    &mut |entry| {
                        if let Some(count) = taints.get_mut(entry) {
                            *count += 1;
                        }
                    },
                );
            }
        }
        // Per target: its entries made again, in entry order.
        let mut again: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
        for (target, entry) in fresh.keys() {
            again.entry(*target).or_default().push(*entry);
        }
        let slots = now.len();
        let mut starts = Vec::with_capacity(slots + 1);
        let mut fields: Vec<(&'static str, Arc<[Value]>)> = Vec::with_capacity(previous.fields.len() + 8);
        starts.push(0u32);
        for slot in 0..slots {
            let id = EntityId(slot as u32);
            let start = previous.starts.get(slot).copied().unwrap_or(0) as usize;
            let end = previous.starts.get(slot + 1).copied().unwrap_or(0) as usize;
            let same = |a: &Entity, b: &Entity| a.id == b.id && a.kind == b.kind;
            let another = is_changed(id)
                && !matches!((before.get(slot), now.get(slot)), (Some(Some(a)), Some(Some(b))) if same(a, b));
            let kept: &[(&'static str, Arc<[Value]>)] = if another {
                // Another entity, or none: whoever named the one before was lowered again.
                &[]
            } else {
                previous.fields.get(start..end).unwrap_or(&[])
            };
            let Some(entries) = again.get_mut(&(slot as u32)) else {
                fields.extend(kept.iter().cloned());
                starts.push(fields.len() as u32);
                continue;
            };
            entries.sort_unstable();
            let kind = now.get(slot).and_then(Option::as_ref).map(|entity| &*entity.kind);
            let entry_of = |computed: &str| {
                REVERSE.iter().position(|(target, name, ..)| Some(*target) == kind && *name == computed)
            };
            // Every entry of the target, the kept ones and the ones made again, in order.
            let mut all: Vec<(usize, Arc<[Value]>)> = kept
                .iter()
                .filter_map(|(computed, values)| Some((entry_of(computed)?, values.clone())))
                .filter(|(entry, _)| entries.binary_search(entry).is_err())
                .collect();
            for entry in entries.iter() {
                let old = kept
                    .iter()
                    .find(|(computed, _)| entry_of(computed) == Some(*entry))
                    .map(|(_, values)| values.as_ref())
                    .unwrap_or(&[]);
                let mut sources: Vec<u32> = old
                    .iter()
                    .filter_map(Value::as_entity)
                    .filter(|source| !is_changed(*source))
                    .map(|source| source.0)
                    .collect();
                sources.extend(fresh.get(&(slot as u32, *entry)).into_iter().flatten().copied());
                sources.sort_unstable();
                sources.dedup();
                if !sources.is_empty() {
                    let values: Vec<Value> =
                        sources.into_iter().map(|source| Value::Entity(EntityId(source))).collect();
                    all.push((*entry, Arc::from(values)));
                }
            }
            all.sort_by_key(|(entry, _)| *entry);
            fields.extend(all.into_iter().filter_map(|(entry, values)| {
                REVERSE.get(entry).map(|(_, computed, ..)| (*computed, values))
            }));
            starts.push(fields.len() as u32);
        }
        Links {
            starts,
            fields,
            empty: previous.empty.clone().or_else(|| Some(Arc::from(Vec::new()))),
            taints,
        }
    }
}

pub(super) mod cycles {
    //! `parent` and `depends_on` cycles: one finding per strongly connected component.

    use crate::diagnostic::{BuiltinCode, Diagnostic};
    use crate::model::value::Value;
    use crate::model::{EntityId, Portfolio};

    /// The graphs cycles are looked for in: which kind links to which through which field.
    const GRAPHS: [(&str, &str); 2] = [("objective", "parent"), ("project", "depends_on")];

    /// The entities `id` links to through `field`.
    fn edges(portfolio: &Portfolio, field: &str, id: EntityId) -> Vec<EntityId> {
        portfolio
            .entity(id)
            .and_then(|entity| entity.field(field))
            .map(|field| match &field.value {
                Value::List(items) => items.iter().filter_map(Value::as_entity).collect(),
                single => single.as_entity().into_iter().collect(),
            })
            .unwrap_or_default()
    }

    /// Whether `id` names another entity through `field`: only such an entity can be on a
    /// cycle.
    fn linked(portfolio: &Portfolio, field: &str, id: EntityId) -> bool {
        portfolio
            .entity(id)
            .and_then(|entity| entity.field(field))
            .is_some_and(|given| !matches!(&given.value, Value::List(items) if items.is_empty()))
    }

    /// The cycles among `roots` and what they reach, each with its members in order, the
    /// graphs in the order of [`GRAPHS`].
    fn cycles_from(
        portfolio: &Portfolio,
        roots: impl Fn(&str, &str) -> Vec<EntityId>,
    ) -> Vec<(usize, Vec<EntityId>, Diagnostic)> {
        let mut found = Vec::new();
        for (graph, (kind, field)) in GRAPHS.iter().enumerate() {
            let edges = |id: EntityId| edges(portfolio, field, id);
            for component in strongly_connected(&roots(kind, field), portfolio.slots(), &edges) {
                let is_cycle =
                    component.len() > 1 || component.first().is_some_and(|node| edges(*node).contains(node));
                if !is_cycle {
                    continue;
                }
                let mut members = component.clone();
                members.sort_unstable();
                let diagnostic = describe(portfolio, field, &component, &edges);
                found.push((graph, members, diagnostic));
            }
        }
        found
    }

    /// Every cycle of the portfolio: by graph, then by the first member.
    pub(crate) fn report(portfolio: &Portfolio) -> Vec<(Vec<EntityId>, Diagnostic)> {
        let mut found = cycles_from(portfolio, |kind, field| {
            portfolio.of_kind(kind).iter().copied().filter(|id| linked(portfolio, field, *id)).collect()
        });
        found.sort_by(|a, b| (a.0, a.1.first()).cmp(&(b.0, b.1.first())));
        found.into_iter().map(|(_, members, diagnostic)| (members, diagnostic)).collect()
    }

    /// [`report`] after an update that changed only the entities `changed` (in order, each
    /// at the id it had; `previous` is the portfolio before): a cycle none of whose members
    /// changed is the same; the others are found again from the changed entities and from
    /// the members of the cycles that had one (what is left of a cycle may still be one).
    pub(crate) fn report_again(
        portfolio: &Portfolio,
        previous: &Portfolio,
        changed: &[EntityId],
    ) -> Vec<(Vec<EntityId>, Diagnostic)> {
        let is_changed = |id: &EntityId| changed.binary_search(id).is_ok();
        let (touched, kept): (Vec<_>, Vec<_>) =
            previous.found.cycles.iter().partition(|(members, _)| members.iter().any(is_changed));
        let mut again: Vec<EntityId> = changed
            .iter()
            .copied()
            .chain(touched.iter().flat_map(|(members, _)| members.iter().copied()))
            .collect();
        again.sort_unstable();
        again.dedup();
        let fresh = cycles_from(portfolio, |kind, field| {
            again
                .iter()
                .copied()
                .filter(|id| {
                    portfolio.entity(*id).is_some_and(|entity| &*entity.kind == kind)
                        && linked(portfolio, field, *id)
                })
                .collect()
        });
        // A cycle of unchanged entities found on the way is one of the kept ones.
        let mut found: Vec<(usize, Vec<EntityId>, Diagnostic)> = fresh
            .into_iter()
            .filter(|(_, members, _)| members.iter().any(|member| again.binary_search(member).is_ok()))
            .collect();
        // A kept cycle that one found again contains (it grew) is not kept.
        let taken: rustc_hash::FxHashSet<EntityId> =
            found.iter().flat_map(|(_, members, _)| members.iter().copied()).collect();
        for (members, diagnostic) in kept {
            if members.iter().any(|member| taken.contains(member)) {
                continue;
            }
            let graph = members
                .first()
                .and_then(|member| portfolio.entity(*member))
                .and_then(|entity| GRAPHS.iter().position(|(kind, _)| *kind == &*entity.kind))
                .unwrap_or(0);
            found.push((graph, members.clone(), diagnostic.clone()));
        }
        found.sort_by(|a, b| (a.0, a.1.first()).cmp(&(b.0, b.1.first())));
        found.into_iter().map(|(_, members, diagnostic)| (members, diagnostic)).collect()
    }

    fn describe(
        portfolio: &Portfolio,
        field: &str,
        component: &[EntityId],
        edges: &dyn Fn(EntityId) -> Vec<EntityId>,
    ) -> Diagnostic {
        // Walk the cycle from its first member in source order, so the message reads as a path.
        let mut members: Vec<EntityId> = component.to_vec();
        members.sort();
        let mut path: Vec<EntityId> = Vec::with_capacity(members.len());
        let mut current = members.first().copied();
        while let Some(node) = current {
            if path.contains(&node) {
                break;
            }
            path.push(node);
            current = edges(node)
                .into_iter()
                .find(|next| members.contains(next) && (!path.contains(next) || Some(next) == path.first()));
        }
        let name = |id: EntityId| portfolio.entity(id).map_or_else(String::new, |entity| entity.id.clone());
        let mut chain: Vec<String> = path.iter().map(|id| format!("`{}`", name(*id))).collect();
        if let Some(first) = path.first() {
            chain.push(format!("`{}`", name(*first)));
        }
        let span_of = |from: EntityId, to: EntityId| {
            portfolio
                .references
                .iter()
                .find(|reference| {
                    reference.source == from && reference.target == Some(to) && &*reference.field == field
                })
                .map(|reference| reference.span)
                .or_else(|| portfolio.entity(from).map(|entity| entity.id_span))
                .unwrap_or_default()
        };
        let next_of = |index: usize| path.get(index + 1).or(path.first()).copied();
        let first = path.first().copied().unwrap_or(EntityId(0));
        let mut diagnostic = Diagnostic::builtin(
            BuiltinCode::Cycle,
            span_of(first, next_of(0).unwrap_or(first)),
            format!("`{field}` forms a cycle: {}", chain.join(" → ")),
        )
        .with_label(format!("`{}` {} `{}`", name(first), verb(field), name(next_of(0).unwrap_or(first))))
        .with_help(if field == "parent" {
            "an objective cannot refine itself, even indirectly; remove one `parent` link"
        } else {
            "projects cannot wait on each other in a circle; remove one `depends_on` link"
        });
        for (index, member) in path.iter().enumerate().skip(1) {
            let next = next_of(index).unwrap_or(*member);
            diagnostic = diagnostic.with_secondary(
                span_of(*member, next),
                format!("`{}` {} `{}`", name(*member), verb(field), name(next)),
            );
        }
        diagnostic
    }

    fn verb(field: &str) -> &'static str {
        if field == "parent" { "has parent" } else { "depends on" }
    }

    /// Tarjan's algorithm, iteratively, so deep chains cannot overflow the stack. State is
    /// kept in arrays indexed by entity (`entities` of them), not in hash maps.
    fn strongly_connected(
        nodes: &[EntityId],
        entities: usize,
        edges: &dyn Fn(EntityId) -> Vec<EntityId>,
    ) -> Vec<Vec<EntityId>> {
        const UNVISITED: usize = usize::MAX;
        let mut index_of: Vec<usize> = vec![UNVISITED; entities];
        let mut low: Vec<usize> = vec![UNVISITED; entities];
        let mut on_stack: Vec<bool> = vec![false; entities];
        let at = |values: &[usize], id: EntityId| values.get(id.index()).copied().unwrap_or(UNVISITED);
        let set = |values: &mut [usize], id: EntityId, value: usize| {
            if let Some(slot) = values.get_mut(id.index()) {
                *slot = value;
            }
        };
        let mark = |flags: &mut [bool], id: EntityId, value: bool| {
            if let Some(slot) = flags.get_mut(id.index()) {
                *slot = value;
            }
        };
        let mut stack: Vec<EntityId> = Vec::new();
        let mut components = Vec::new();
        let mut counter = 0usize;
        for &root in nodes {
            if at(&index_of, root) != UNVISITED {
                continue;
            }
            let mut work: Vec<(EntityId, Vec<EntityId>, usize)> = vec![(root, edges(root), 0)];
            set(&mut index_of, root, counter);
            set(&mut low, root, counter);
            counter += 1;
            stack.push(root);
            mark(&mut on_stack, root, true);
            while let Some((node, successors, next)) = work.last_mut() {
                let node = *node;
                if let Some(successor) = successors.get(*next).copied() {
                    *next += 1;
                    if successor.index() >= entities {
                        continue;
                    }
                    if at(&index_of, successor) == UNVISITED {
                        set(&mut index_of, successor, counter);
                        set(&mut low, successor, counter);
                        counter += 1;
                        stack.push(successor);
                        mark(&mut on_stack, successor, true);
                        work.push((successor, edges(successor), 0));
                    } else if on_stack.get(successor.index()).copied().unwrap_or(false) {
                        let lowest = at(&low, node).min(at(&index_of, successor));
                        set(&mut low, node, lowest);
                    }
                    continue;
                }
                work.pop();
                let node_low = at(&low, node);
                if let Some((parent, ..)) = work.last() {
                    let lowest = at(&low, *parent).min(node_low);
                    set(&mut low, *parent, lowest);
                }
                if node_low == at(&index_of, node) {
                    let mut component = Vec::new();
                    while let Some(member) = stack.pop() {
                        mark(&mut on_stack, member, false);
                        component.push(member);
                        if member == node {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
        components
    }
}
