//! The resolved portfolio: entities with typed, resolved field values, the reverse links
//! and computed fields of LANGUAGE.md §3, and indexes for queries by id, by kind, by
//! offset ("what is here?") and by target ("who references this?").

mod computed;
pub mod config;
pub mod currency;
mod extend;
pub(crate) mod given;
mod history;
mod index;
mod layout;
pub mod references;
mod resolve;
pub mod schema;
pub(crate) mod update;
pub mod value;
pub mod workspace;

pub use config::Config;
pub use resolve::{Declarations, resolve, resolve_with_room};
pub use schema::{Schema, Type};
pub use update::update;
pub use value::Value;
pub use workspace::{Inputs, LoadError, Scope, Workspace, parse_afresh};

use crate::source::Span;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Identifies one entity of a [`Portfolio`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(pub u32);

impl EntityId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One declared entity.
#[derive(Clone, Debug)]
pub struct Entity {
    /// The full id: `checkout_revamp.beta` for nested entities.
    pub id: String,
    pub kind: Arc<str>,
    /// Shared with the `title` field's value: one copy of each title.
    pub title: Option<Arc<str>>,
    pub doc: Option<String>,
    /// The whole declaration.
    pub span: Span,
    /// The id as written in the declaration.
    pub id_span: Span,
    pub kind_span: Span,
    pub parent: Option<EntityId>,
    pub children: Vec<EntityId>,
    /// The fields as given, in source order, with resolved values. Invalid values are
    /// left out (they were reported), and so are the invalid items of a list.
    pub fields: Vec<FieldValue>,
    /// The fields written whose value, or an item of whose list, did not resolve or
    /// convert (each reported where it was written), and the known field a misspelled
    /// field name most likely meant: present but invalid. Rules that read one of them
    /// skip the entity (see [`Portfolio::invalid`]). Usually empty.
    pub invalid: Vec<Arc<str>>,
    /// The declaration did not parse; only its kind and id are known.
    pub broken: bool,
    /// Declared inside a `test` block: part of that test's portfolio only.
    pub in_test: bool,
}

impl Entity {
    /// A given field, without defaults or computed fields.
    pub fn field(&self, name: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|field| &*field.name == name)
    }

    /// The title, or the id when there is none.
    pub fn display_title(&self) -> &str {
        self.title.as_deref().unwrap_or(&self.id)
    }
}

/// A field as given in the source.
#[derive(Clone, Debug)]
pub struct FieldValue {
    pub name: Arc<str>,
    pub value: Value,
    pub name_span: Span,
    pub value_span: Span,
}

impl FieldValue {
    /// `name: value`, whole. Derived rather than stored: a 10k-project portfolio holds
    /// over 270,000 fields, and 16 bytes each is 4 MB of peak memory.
    pub fn span(&self) -> Span {
        self.name_span.to(self.value_span)
    }
}

/// A reference from one entity's field to another entity, by name.
#[derive(Clone, Debug)]
pub struct Reference {
    pub source: EntityId,
    pub field: Arc<str>,
    /// The name as written: inline up to 24 bytes, so that copying the references of a
    /// portfolio (an update after an edit does) reads no other memory.
    pub name: compact_str::CompactString,
    /// The entity it names, when it resolved (even to the wrong kind).
    pub target: Option<EntityId>,
    pub span: Span,
}

/// The portfolio: every entity of the workspace, resolved.
///
/// Entities and indexes are shared (`Arc`), so that [`update`](Portfolio) after an edit
/// of one file copies pointers rather than the portfolio.
#[derive(Clone)]
pub struct Portfolio {
    pub schema: Schema,
    /// The entities by id, in declaration order: file by file, each entity followed by its
    /// nested ones; the declarations that did not parse come last. A slot is empty only
    /// after an update ([`update`]) left room there for a file's declarations to grow, so
    /// that adding one does not move the ids of every entity after it.
    entities: Vec<Option<Arc<Entity>>>,
    /// In the order of `entities`, by source.
    pub references: references::References,
    index: index::Index,
    by_kind: Arc<FxHashMap<Arc<str>, Vec<EntityId>>>,
    /// Per entity: computed reverse-link fields, by name.
    reverse: resolve::links::Links,
    /// Who references each entity, by index into `references`.
    referrers: Arc<resolve::Referrers>,
    /// What resolution reported, by phase, for [`update`].
    found: Arc<resolve::Found>,
    /// What evaluating rules over it reads, built on first use ([`given`]).
    derived: given::Memo,
    /// Each file's blocks of ids, when it was resolved with room ([`layout`]).
    layout: Option<Arc<layout::Layout>>,
}

/// Maps print sorted by key, and a portfolio with empty slots prints as its compacted self
/// ([`layout`]), so that equal portfolios print the same whatever order their maps were
/// built in and whatever room their ids leave.
impl std::fmt::Debug for Portfolio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.has_room() {
            return self.compacted().fmt(f);
        }
        let index: std::collections::BTreeMap<&str, EntityId> = self.index.iter().collect();
        let by_kind: std::collections::BTreeMap<&Arc<str>, &Vec<EntityId>> = self.by_kind.iter().collect();
        f.debug_struct("Portfolio")
            .field("schema", &self.schema)
            .field("entities", &self.entities().collect::<Vec<_>>())
            .field("references", &self.references)
            .field("index", &index)
            .field("by_kind", &by_kind)
            .field("reverse", &self.reverse)
            .field("referrers", &self.referrers)
            .field("found", &self.found)
            .finish()
    }
}

impl Portfolio {
    pub fn entity(&self, id: EntityId) -> Option<&Entity> {
        self.entities.get(id.index())?.as_deref()
    }

    /// Every entity, in declaration order.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> + '_ {
        self.entities.iter().flatten().map(Arc::as_ref)
    }

    /// The ids of the entities `file` declares, in order.
    pub fn ids_of_file(&self, file: crate::source::FileId) -> Vec<EntityId> {
        let in_file = |id: &EntityId| self.entity(*id).is_some_and(|entity| entity.span.file == file);
        match &self.layout {
            // Only the file's blocks can hold them.
            Some(layout) => [false, true]
                .into_iter()
                .filter_map(|broken| layout.block(file, broken))
                .flatten()
                .map(|slot| EntityId(slot as u32))
                .filter(in_file)
                .collect(),
            None => self.ids().filter(in_file).collect(),
        }
    }

    /// How many ids there are room for: every id is below it.
    pub fn slots(&self) -> usize {
        self.entities.len()
    }

    /// Looks an entity up by its full id.
    pub fn lookup(&self, id: &str) -> Option<EntityId> {
        self.index.get(id)
    }

    /// Every entity of a kind, in declaration order (test entities excluded).
    pub fn of_kind(&self, kind: &str) -> &[EntityId] {
        self.by_kind.get(kind).map_or(&[], Vec::as_slice)
    }

    /// The id of every entity, in declaration order.
    pub fn ids(&self) -> impl Iterator<Item = EntityId> + '_ {
        self.entities
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.is_some())
            .map(|(index, _)| EntityId(index as u32))
    }

    /// Every entity's id of the given kind (`"any"`: every kind), for suggestions.
    pub fn ids_of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entities()
            .filter(move |entity| !entity.in_test && (kind == "any" || &*entity.kind == kind))
            .map(|entity| entity.id.as_str())
    }

    /// The references that name `target`: "who references this?".
    pub fn referrers(&self, target: EntityId) -> impl Iterator<Item = &Reference> + '_ {
        let starts = &self.referrers.starts;
        let start = starts.get(target.index()).copied().unwrap_or(0) as usize;
        let end = starts.get(target.index() + 1).copied().unwrap_or(0) as usize;
        self.referrers
            .flat
            .get(start..end)
            .into_iter()
            .flatten()
            .filter_map(|index| self.references.get(*index as usize))
    }

    /// The value of a field: given, defaulted or computed. Absent optional fields are
    /// `none`; absent list fields are the empty list.
    pub fn get(&self, id: EntityId, field: &str) -> Value {
        let Some(entity) = self.entity(id) else {
            return Value::None;
        };
        if let Some(given) = entity.field(field) {
            return given.value.clone();
        }
        if let Some(values) = self.reverse.get(id, &entity.kind, field) {
            return Value::List(values);
        }
        computed::value(self, id, entity, field)
    }

    /// Whether `field` of `id` is present but invalid: written with a value that did not
    /// resolve or convert, computed from such a field, a reverse link that such a field
    /// feeds (on every entity of the kind, since which one it meant is unknown), or any
    /// field but `id`, `title` and `entity_kind` of a declaration that did not parse. A rule that reads it cannot
    /// know the value the author meant, so it skips the entity rather than report a
    /// consequence of the finding already made where the field was written.
    pub fn invalid(&self, id: EntityId, field: &str) -> bool {
        let Some(entity) = self.entity(id) else {
            return false;
        };
        if self.reverse.tainted(&entity.kind, field) {
            return true;
        }
        // A declaration that did not parse has no known fields: the syntax error is the
        // finding to fix, not what a rule makes of their absence.
        if entity.broken {
            return !matches!(field, "id" | "local_id" | "title" | "entity_kind");
        }
        if entity.invalid.is_empty() {
            return false;
        }
        entity.invalid.iter().any(|name| &**name == field)
            || (entity.field(field).is_none()
                && computed::inputs(&entity.kind, field)
                    .iter()
                    .any(|input| entity.invalid.iter().any(|name| &**name == *input)))
    }

    /// Whether some field of `id` may be present but invalid: when not, [`Portfolio::invalid`]
    /// is false for every field.
    pub(crate) fn may_be_invalid(&self, id: EntityId) -> bool {
        self.entity(id).is_some_and(|entity| {
            entity.broken || !entity.invalid.is_empty() || self.reverse.any_tainted(&entity.kind)
        })
    }

    /// Whether the computed `field` of `id` is `none` because its arithmetic leaves the
    /// range of numbers (reported as a `charter::type_mismatch` at the entity's values).
    pub fn out_of_range(&self, id: EntityId, field: &str) -> bool {
        self.entity(id).is_some_and(|entity| computed::out_of_range(self, id, entity, field))
    }

    /// Where the straight line from metric `id`'s `baseline` to its `target` (linear in
    /// days) stands at `date`; the target itself on and after the target date. The value
    /// behind `on_track` and `expected`, at any date.
    pub fn metric_line_at(&self, id: EntityId, date: jiff::civil::Date) -> Option<rust_decimal::Decimal> {
        computed::metric_line_at(self, id, date)
    }

    /// The innermost entity whose declaration contains `offset` of `file`.
    pub fn entity_at(&self, file: crate::source::FileId, offset: usize) -> Option<EntityId> {
        self.ids()
            .filter(|id| {
                self.entity(*id)
                    .is_some_and(|entity| entity.span.file == file && entity.span.contains(offset))
            })
            .min_by_key(|id| self.entity(*id).map_or(usize::MAX, |entity| entity.span.len()))
    }

    /// The reference written at `offset` of `file`, if any.
    pub fn reference_at(&self, file: crate::source::FileId, offset: usize) -> Option<&Reference> {
        self.references
            .iter()
            .find(|reference| reference.span.file == file && reference.span.contains(offset))
    }
}
