//! Where each entity gives each field the rules read, and every entity of each kind as
//! a list: what every evaluation of the rules over a portfolio looks up, built once per
//! portfolio (not once per evaluation) and, after an update, from the previous
//! portfolio's by computing again only the rows of the entities that changed.

use std::sync::{Arc, Mutex, MutexGuard};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::value::Value;
use super::{EntityId, Portfolio};

/// Where each entity gives each of some field names: one pass over every entity's fields,
/// instead of a string search per field access (the search compares names stored apart
/// from the entity, and its cache misses dominated evaluation).
#[derive(Debug, Default)]
pub(crate) struct FieldIndex {
    /// The field names indexed; a key is a position in this list.
    names: Vec<Arc<str>>,
    stride: usize,
    /// `positions[entity * stride + key]`: 1 + the field's position in `entity.fields`,
    /// 0 when the entity does not give it, [`INVALID`] when it is present but invalid.
    positions: Vec<u8>,
    /// The reverse links that were present but invalid when it was built
    /// ([`super::resolve::links::Links::tainted`]): they mark rows of unchanged entities.
    tainted: Vec<(&'static str, &'static str)>,
}

/// A field present but invalid, in [`FieldIndex::positions`].
const INVALID: u8 = u8::MAX;

/// Where an entity has a field the rules read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Given {
    /// At this position of `entity.fields`.
    At(usize),
    /// Not given: a default or computed value.
    Absent,
    /// Present but invalid: the rule skips the subject.
    Invalid,
}

impl FieldIndex {
    fn build(portfolio: &Portfolio, names: &[Arc<str>]) -> FieldIndex {
        let stride = names.len();
        let mut index = FieldIndex {
            names: names.to_vec(),
            stride,
            positions: Vec::new(),
            tainted: portfolio.reverse.tainted_links().collect(),
        };
        if stride == 0 {
            return index;
        }
        let keys = keys(names);
        let mut positions = vec![0u8; portfolio.slots() * stride];
        positions.par_chunks_mut(stride).enumerate().for_each(|(position, row)| {
            fill(row, portfolio, EntityId(position as u32), names, &keys);
        });
        index.positions = positions;
        index
    }

    /// The index of `portfolio`, from this one of the portfolio it was updated from: every
    /// entity kept its id, and only those of `changed` differ. The reverse links that became
    /// present but invalid (or stopped being) change their column on every entity of their
    /// kind. `None` when this one does not fit (other names, other entities).
    fn patched(&self, portfolio: &Portfolio, names: &[Arc<str>], changed: &[EntityId]) -> Option<FieldIndex> {
        let fits = self.names == names && self.positions.len() == portfolio.slots() * self.stride;
        if !fits {
            return None;
        }
        let tainted: Vec<(&'static str, &'static str)> = portfolio.reverse.tainted_links().collect();
        let mut positions = self.positions.clone();
        if self.stride > 0 {
            let keys = keys(names);
            for id in changed {
                let start = id.index() * self.stride;
                let row = positions.get_mut(start..start + self.stride)?;
                row.fill(0);
                fill(row, portfolio, *id, names, &keys);
            }
            let flipped = tainted
                .iter()
                .filter(|link| !self.tainted.contains(link))
                .chain(self.tainted.iter().filter(|link| !tainted.contains(link)));
            for (kind, computed) in flipped {
                let Some(key) = keys.get(computed).copied() else { continue };
                for id in portfolio.of_kind(kind) {
                    if let Some(slot) = positions.get_mut(id.index() * self.stride + key) {
                        *slot = cell(portfolio, *id, computed);
                    }
                }
            }
        }
        Some(FieldIndex { names: self.names.clone(), stride: self.stride, positions, tainted })
    }

    /// Where the entity has the field, `None` when the field is not indexed.
    pub(crate) fn lookup(&self, id: EntityId, key: u16) -> Option<Given> {
        let key = usize::from(key);
        if key >= self.stride {
            return None;
        }
        Some(match *self.positions.get(id.index() * self.stride + key)? {
            0 => Given::Absent,
            INVALID => Given::Invalid,
            position => Given::At(usize::from(position) - 1),
        })
    }
}

fn keys(names: &[Arc<str>]) -> FxHashMap<&str, usize> {
    names.iter().enumerate().map(|(key, name)| (&**name, key)).collect()
}

/// The row of entity `id`, zeroed before.
fn fill(
    row: &mut [u8],
    portfolio: &Portfolio,
    id: EntityId,
    names: &[Arc<str>],
    keys: &FxHashMap<&str, usize>,
) {
    let Some(entity) = portfolio.entity(id) else { return };
    for (position, field) in entity.fields.iter().enumerate().take(usize::from(u8::MAX) - 1) {
        if let Some(slot) = keys.get(&*field.name).and_then(|key| row.get_mut(*key)) {
            *slot = u8::try_from(position + 1).unwrap_or(0);
        }
    }
    // Few entities have invalid fields: mark theirs, computed ones included.
    if portfolio.may_be_invalid(id) {
        for (slot, name) in row.iter_mut().zip(names) {
            if portfolio.invalid(id, name) {
                *slot = INVALID;
            }
        }
    }
}

/// What [`fill`] writes for entity `id` and the field `name`.
fn cell(portfolio: &Portfolio, id: EntityId, name: &str) -> u8 {
    if portfolio.may_be_invalid(id) && portfolio.invalid(id, name) {
        return INVALID;
    }
    let Some(entity) = portfolio.entity(id) else { return 0 };
    let limit = usize::from(u8::MAX) - 1;
    let position = entity.fields.iter().take(limit).rposition(|field| &*field.name == name);
    position.map_or(0, |position| u8::try_from(position + 1).unwrap_or(0))
}

/// Every non-broken entity of each kind of the schema, as a list value (`projects`,
/// `metrics` in a rule).
pub(crate) type KindLists = FxHashMap<&'static str, Value>;

/// The kind lists of `portfolio`, from `base`'s when given: the lists of the kinds its
/// `again` names lose the entities that changed (`changed`, in order) and gain them as they
/// are now; the others are `base`'s.
fn kind_lists(portfolio: &Portfolio, base: Option<&KindsBase>) -> KindLists {
    let listed = |id: &EntityId, kind: &str| {
        portfolio.entity(*id).is_some_and(|entity| !entity.broken && &*entity.kind == kind)
    };
    crate::model::schema::KINDS
        .iter()
        .map(|kind| {
            if let Some(KindsBase { lists, again, moved: changed }) = base
                && let Some(list) = lists.get(kind)
            {
                if !again.iter().any(|touched| **touched == **kind) {
                    return (*kind, list.clone());
                }
                // Both in id order: one walk drops the entities that changed and puts
                // back those still listed.
                let mut items: Vec<Value> = Vec::with_capacity(list.as_list().len() + changed.len());
                let mut changes = changed.iter().copied().peekable();
                for id in list.as_list().iter().filter_map(Value::as_entity) {
                    while let Some(next) = changes.next_if(|next| *next < id) {
                        if listed(&next, kind) {
                            items.push(Value::Entity(next));
                        }
                    }
                    if changes.next_if_eq(&id).is_some() {
                        if listed(&id, kind) {
                            items.push(Value::Entity(id));
                        }
                        continue;
                    }
                    items.push(Value::Entity(id));
                }
                items.extend(changes.filter(|id| listed(id, kind)).map(Value::Entity));
                return (*kind, Value::List(Arc::from(items)));
            }
            let items: Vec<Value> = portfolio
                .of_kind(kind)
                .iter()
                .filter(|id| portfolio.entity(**id).is_some_and(|entity| !entity.broken))
                .map(|id| Value::Entity(*id))
                .collect();
            (*kind, Value::List(Arc::from(items)))
        })
        .collect()
}

/// What a portfolio computes for evaluation on first use, and what it can start from.
#[derive(Debug, Default)]
pub(crate) struct Derived {
    fields: Option<Arc<FieldIndex>>,
    kinds: Option<Arc<KindLists>>,
    /// From the portfolio this one was updated from: its field index and the entities that
    /// changed since, in order.
    base: Option<(Arc<FieldIndex>, Arc<[EntityId]>)>,
    /// From the same: its kind lists, and what changed in them.
    kinds_base: Option<KindsBase>,
}

/// The kind lists of the portfolio an update started from, and what changed in them.
#[derive(Debug)]
struct KindsBase {
    lists: Arc<KindLists>,
    /// The kinds whose lists differ.
    again: Vec<Arc<str>>,
    /// The entities that joined or left one of them, in order.
    moved: Arc<[EntityId]>,
}

impl Derived {
    /// What an update of `previous` that changed only `changed` (in order, every entity at
    /// the id it had) starts from; the entities `moved` (in order) joined or left the lists
    /// of the kinds `again`.
    pub(crate) fn after(
        previous: &Portfolio,
        changed: Arc<[EntityId]>,
        again: Vec<Arc<str>>,
        moved: Arc<[EntityId]>,
    ) -> Derived {
        let before = previous.derived.lock();
        let kinds = before.kinds.clone();
        Derived {
            fields: None,
            kinds: kinds.clone().filter(|_| again.is_empty()),
            base: before.fields.clone().map(|fields| (fields, changed)),
            kinds_base: kinds.map(|lists| KindsBase { lists, again, moved }),
        }
    }
}

/// A [`Derived`] behind a lock, so that threads evaluating one portfolio share it.
#[derive(Debug, Default)]
pub(crate) struct Memo(Mutex<Derived>);

impl Memo {
    pub(crate) fn new(derived: Derived) -> Memo {
        Memo(Mutex::new(derived))
    }

    fn lock(&self) -> MutexGuard<'_, Derived> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A copy starts afresh: it computes what it needs itself.
impl Clone for Memo {
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

impl Portfolio {
    /// Where every entity gives each of `names`; the one index of this portfolio for
    /// those names, built on first use.
    pub(crate) fn field_index(&self, names: &[Arc<str>]) -> Arc<FieldIndex> {
        if let Some(fields) = self.derived.lock().fields.clone().filter(|fields| fields.names == names) {
            return fields;
        }
        let base = self.derived.lock().base.take();
        let index = base
            .and_then(|(base, changed)| base.patched(self, names, &changed))
            .unwrap_or_else(|| FieldIndex::build(self, names));
        let index = Arc::new(index);
        self.derived.lock().fields = Some(index.clone());
        index
    }

    /// Every non-broken entity of each kind, as list values, built on first use.
    pub(crate) fn kind_lists(&self) -> Arc<KindLists> {
        if let Some(kinds) = self.derived.lock().kinds.clone() {
            return kinds;
        }
        let base = self.derived.lock().kinds_base.take();
        let kinds = Arc::new(kind_lists(self, base.as_ref()));
        self.derived.lock().kinds = Some(kinds.clone());
        kinds
    }
}
