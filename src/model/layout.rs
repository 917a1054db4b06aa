//! Where each file's entities have their ids, with room to grow: what lets an update add
//! or remove a declaration without moving the id of every entity after it.
//!
//! Ids follow declaration order: file by file, and the declarations that did not parse
//! last, file by file. A portfolio resolved with room ([`super::resolve_with_room`], what
//! the language server does) gives each file a block of ids for its parsed declarations
//! and one among the broken ones, each with empty slots after its entities. An update
//! that changes how many declarations a file has declares them again inside the file's
//! blocks ([`super::update`]): the other files' entities keep their ids, and so do their
//! references, findings and everything computed from them alone. When a block is full,
//! the update declines and the workspace is resolved again, with room again.
//!
//! Empty slots change nothing but the numbering: [`Portfolio::compacted`] closes them,
//! and a portfolio prints as its compacted self, so that equal portfolios print the same.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::references::References;
use super::resolve::{Found, Referrers};
use super::value::Value;
use super::{Entity, EntityId, Portfolio};
use crate::source::FileId;

/// The blocks of ids of every file, in id order: the parsed declarations' of every file,
/// then the broken ones' of every file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    blocks: Vec<Block>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    pub file: FileId,
    pub broken: bool,
    pub start: usize,
    pub end: usize,
}

impl Layout {
    /// The block of `file`'s parsed (or broken) declarations.
    pub(crate) fn block(&self, file: FileId, broken: bool) -> Option<std::ops::Range<usize>> {
        self.blocks
            .iter()
            .find(|block| block.file == file && block.broken == broken)
            .map(|block| block.start..block.end)
    }
}

/// Empty slots after a block of `count` entities: an eighth more, and at least a few, so
/// that a file can grow by many declarations before the workspace is resolved again.
fn room_after(count: usize, broken: bool) -> usize {
    if broken { 4 + count / 4 } else { 16 + count / 8 }
}

/// Declaring with room: which block is open, and the blocks closed so far. Blocks come in
/// a fixed sequence: the parsed declarations' of each file, then the broken ones' of each
/// file; a block's place in it is its step.
#[derive(Debug)]
pub(crate) struct Room {
    /// Every file, in the order its declarations come.
    files: Vec<FileId>,
    /// The step of the open block, `None` before the first.
    open: Option<usize>,
    /// Where the open block starts.
    start: usize,
    blocks: Vec<Block>,
}

impl Room {
    pub(crate) fn new(files: Vec<FileId>) -> Room {
        Room { files, open: None, start: 0, blocks: Vec::new() }
    }

    fn step_of(&self, step: usize) -> Option<(FileId, bool)> {
        let count = self.files.len();
        self.files.get(step % count.max(1)).map(|file| (*file, step >= count))
    }

    /// Makes the block of `file`'s parsed (or broken) declarations the open one, closing
    /// those before it, when `entities` slots are taken: returns how many empty slots to
    /// add before the next entity. `None` when that block comes before the open one
    /// (declarations out of the order of the files): then there is no layout.
    pub(crate) fn open(&mut self, file: FileId, broken: bool, entities: usize) -> Option<usize> {
        if let Some(open) = self.open
            && self.step_of(open) == Some((file, broken))
        {
            return Some(0);
        }
        let position = self.files.iter().position(|known| *known == file)?;
        let target = usize::from(broken) * self.files.len() + position;
        if self.open.is_some_and(|open| open > target) {
            return None;
        }
        let mut end = entities;
        let mut step = self.open.map_or(0, |open| open + 1);
        if let Some(open) = self.open {
            end += self.close(open, end);
        }
        while step < target {
            self.start = end;
            end += self.close(step, end);
            step += 1;
        }
        self.open = Some(target);
        self.start = end;
        Some(end - entities)
    }

    /// Closes the block at `step`, whose entities end at `end`: returns the room after them.
    fn close(&mut self, step: usize, end: usize) -> usize {
        let Some((file, broken)) = self.step_of(step) else { return 0 };
        let room = room_after(end - self.start, broken);
        self.blocks.push(Block { file, broken, start: self.start, end: end + room });
        room
    }

    /// Closes the open block and every block after it, once every declaration is declared
    /// in `entities` slots: returns how many empty slots to add at the end, and the layout.
    pub(crate) fn finish(mut self, entities: usize) -> (usize, Layout) {
        let mut end = entities;
        let mut step = self.open.map_or(0, |open| open + 1);
        if let Some(open) = self.open {
            end += self.close(open, end);
        }
        while step < 2 * self.files.len() {
            self.start = end;
            end += self.close(step, end);
            step += 1;
        }
        (end - entities, Layout { blocks: self.blocks })
    }
}

/// `entity` with every id in it mapped by `moved`; the same `Arc` when none moves.
pub(crate) fn remap_entity(entity: &Arc<Entity>, moved: &impl Fn(EntityId) -> EntityId) -> Arc<Entity> {
    let moves = |id: &EntityId| moved(*id) != *id;
    let in_value = |value: &Value| match value {
        Value::Entity(id) => moves(id),
        Value::List(items) => items.iter().any(|item| item.as_entity().is_some_and(|id| moves(&id))),
        _ => false,
    };
    let touched = entity.parent.as_ref().is_some_and(moves)
        || entity.children.iter().any(moves)
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
        if !in_value(&field.value) {
            continue;
        }
        field.value = match &field.value {
            Value::Entity(id) => Value::Entity(moved(*id)),
            Value::List(items) => Value::List(
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

impl Portfolio {
    /// Whether some slot is empty (see [`Layout`]).
    pub(crate) fn has_room(&self) -> bool {
        self.entities.iter().any(Option::is_none)
    }

    /// The same portfolio without empty slots: every id moved down over the empty slots
    /// before it, and no layout. What resolving without room gives.
    pub(crate) fn compacted(&self) -> Portfolio {
        let mut map: Vec<u32> = Vec::with_capacity(self.entities.len());
        let mut next = 0u32;
        for slot in &self.entities {
            map.push(next);
            if slot.is_some() {
                next += 1;
            }
        }
        let moved = |id: EntityId| EntityId(map.get(id.index()).copied().unwrap_or(id.0));
        let entities: Vec<Option<Arc<Entity>>> =
            self.entities.iter().flatten().map(|entity| Some(remap_entity(entity, &moved))).collect();
        let references = References::new(
            self.references
                .iter()
                .map(|reference| {
                    let mut reference = reference.clone();
                    reference.source = moved(reference.source);
                    reference.target = reference.target.map(moved);
                    reference
                })
                .collect(),
            |id| super::resolve::file_of(&entities, id),
        );
        let mut index = super::index::Index::with_capacity(entities.len());
        for (name, id) in self.index.iter() {
            index.insert(name, moved(id));
        }
        let by_kind: FxHashMap<Arc<str>, Vec<EntityId>> = self
            .by_kind
            .iter()
            .map(|(kind, ids)| (kind.clone(), ids.iter().map(|id| moved(*id)).collect()))
            .collect();
        let occupied: Vec<bool> = self.entities.iter().map(Option::is_some).collect();
        let mut starts = Vec::with_capacity(entities.len() + 1);
        starts.push(0u32);
        for (slot, occupied) in occupied.iter().enumerate() {
            if *occupied {
                starts.push(self.referrers.starts.get(slot + 1).copied().unwrap_or(0));
            }
        }
        let found = Found {
            declared: self.found.declared.clone(),
            lowered: self
                .found
                .lowered
                .iter()
                .map(|(id, diagnostic)| (moved(*id), diagnostic.clone()))
                .collect(),
            computed: self
                .found
                .computed
                .iter()
                .map(|(id, diagnostic)| (moved(*id), diagnostic.clone()))
                .collect(),
            cycles: self
                .found
                .cycles
                .iter()
                .map(|(members, diagnostic)| {
                    (members.iter().map(|id| moved(*id)).collect(), diagnostic.clone())
                })
                .collect(),
        };
        Portfolio {
            schema: self.schema.clone(),
            reverse: self.reverse.compacted(&occupied, &moved),
            entities,
            references,
            index,
            by_kind: Arc::new(by_kind),
            referrers: Arc::new(Referrers { starts, flat: self.referrers.flat.clone() }),
            found: Arc::new(found),
            derived: super::given::Memo::default(),
            layout: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks come in order: every file's parsed declarations, then every file's broken
    /// ones; a file with none still gets room, and room grows with the entities.
    #[test]
    fn every_file_gets_blocks_with_room_in_order() {
        let (a, b, c) = (FileId(0), FileId(1), FileId(2));
        let mut room = Room::new(vec![a, b, c]);
        let mut slots = 0;
        // Two entities of `a`, none of `b`, forty of `c`, one broken one of `b`.
        for (file, broken) in [(a, false), (a, false)].into_iter().chain(std::iter::repeat_n((c, false), 40))
        {
            slots += room.open(file, broken, slots).unwrap() + 1;
        }
        slots += room.open(b, true, slots).unwrap() + 1;
        let (empty, layout) = room.finish(slots);
        let total = slots + empty;
        let block = |file, broken| layout.block(file, broken).unwrap();
        assert_eq!(block(a, false), 0..2 + room_after(2, false));
        assert_eq!(block(b, false).len(), room_after(0, false));
        assert_eq!(block(c, false).len(), 40 + room_after(40, false));
        assert!(room_after(40, false) > room_after(2, false));
        assert_eq!(block(a, true).len(), room_after(0, true));
        assert_eq!(block(b, true).len(), 1 + room_after(1, true));
        assert_eq!(block(c, true).end, total);
        // The blocks tile the ids.
        let mut ends = 0;
        for (file, broken) in [(a, false), (b, false), (c, false), (a, true), (b, true), (c, true)] {
            assert_eq!(block(file, broken).start, ends);
            ends = block(file, broken).end;
        }
    }

    /// Declarations out of the order of the files leave no layout to rely on.
    #[test]
    fn declarations_out_of_order_have_no_room() {
        let (a, b) = (FileId(0), FileId(1));
        let mut room = Room::new(vec![a, b]);
        assert_eq!(room.open(b, false, 0), Some(room_after(0, false)));
        assert_eq!(room.open(a, false, 17), None);
        assert_eq!(room.open(FileId(9), false, 17), None);
    }
}
