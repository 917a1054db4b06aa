//! Entities by full id, shared between a portfolio and the updates made from it: an
//! update records only the ids it changed, over the map it started from, instead of
//! copying a map of every id of the workspace.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::EntityId;

/// Full id → entity: a base map and the changes made since, read through together.
#[derive(Clone, Default)]
pub(crate) struct Index {
    base: Arc<FxHashMap<String, EntityId>>,
    /// A name declared at another id than in `base`, or no longer declared (`None`).
    changes: Arc<FxHashMap<String, Option<EntityId>>>,
}

impl Index {
    pub(crate) fn with_capacity(capacity: usize) -> Index {
        Index {
            base: Arc::new(FxHashMap::with_capacity_and_hasher(capacity, Default::default())),
            changes: Arc::default(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<EntityId> {
        match self.changes.get(name) {
            Some(changed) => *changed,
            None => self.base.get(name).copied(),
        }
    }

    /// Declares `name` at `id`.
    pub(crate) fn insert(&mut self, name: &str, id: EntityId) {
        self.set(name, Some(id));
    }

    /// `name` is no longer declared.
    pub(crate) fn remove(&mut self, name: &str) {
        self.set(name, None);
    }

    fn set(&mut self, name: &str, id: Option<EntityId>) {
        // Building a map of its own (resolving), the base takes every change.
        if self.changes.is_empty()
            && let Some(base) = Arc::get_mut(&mut self.base)
        {
            match id {
                Some(id) => base.insert(name.to_string(), id),
                None => base.remove(name),
            };
            return;
        }
        let changes = Arc::make_mut(&mut self.changes);
        if self.base.get(name).copied() == id {
            changes.remove(name);
        } else {
            changes.insert(name.to_string(), id);
        }
        // Changes read before the base on every lookup, and are copied by every update:
        // past a share of the base, they become a base of their own.
        if changes.len() > 1024.max(self.base.len() / 8) {
            let mut base = (*self.base).clone();
            for (name, id) in changes.drain() {
                match id {
                    Some(id) => base.insert(name, id),
                    None => base.remove(&name),
                };
            }
            self.base = Arc::new(base);
        }
    }

    /// Every name with its entity, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, EntityId)> + '_ {
        let changes = &self.changes;
        self.base
            .iter()
            .filter(move |(name, _)| !changes.contains_key(name.as_str()))
            .map(|(name, id)| (name.as_str(), *id))
            .chain(changes.iter().filter_map(|(name, id)| id.map(|id| (name.as_str(), id))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_over_a_shared_base_read_through_and_fold() {
        let mut index = Index::with_capacity(4);
        index.insert("a", EntityId(0));
        index.insert("b", EntityId(1));
        let shared = index.clone();
        let mut updated = shared.clone();
        updated.remove("a");
        updated.insert("c", EntityId(2));
        updated.insert("b", EntityId(1));
        assert_eq!(updated.get("a"), None);
        assert_eq!(updated.get("b"), Some(EntityId(1)));
        assert_eq!(updated.get("c"), Some(EntityId(2)));
        assert_eq!(shared.get("a"), Some(EntityId(0)), "the base is untouched");
        // Back to what the base says: no change is kept.
        updated.insert("a", EntityId(0));
        updated.remove("c");
        assert!(updated.changes.is_empty());
        // Many changes fold into a base of their own, with the same answers.
        for number in 0..2000u32 {
            updated.insert(&format!("n{number}"), EntityId(10 + number));
        }
        assert!(updated.changes.len() <= 1024);
        assert_eq!(updated.get("n1999"), Some(EntityId(2009)));
        assert_eq!(updated.iter().count(), 2002);
    }
}
