//! The parse cache: what [`crate::syntax::parse`] made of each file's text, keyed by the
//! text's hash, so that a check after an edit parses only the edited files.
//!
//! The payload of the file ([`super::store`], kind `TREE`) is a count (u32) and that many
//! entries: the text's xxh3-128 hash (u128), the entry's length (u64) and its bytes, the
//! postcard encoding of the tree and its syntax findings. The index is read at once; an
//! entry is decoded only when a file with its hash is parsed, and one that does not decode
//! is parsed again. A parse does not depend on the file's path or id (spans are moved into
//! the file being loaded, [`super::codec::in_file`]), so two files with the same text
//! share an entry.
//!
//! When it is saved, the file keeps exactly the entries this run used or made: what the
//! workspace no longer holds is dropped, so the file stays the size of the workspace.

use rustc_hash::{FxHashMap, FxHashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::codec;
use super::store::{self, Kind};
use crate::diagnostic::Diagnostic;
use crate::model::workspace::Parsed;
use crate::source::FileId;
use crate::syntax::{self, ast};

/// The parse cache of one workspace, as read from its file, and what this run added.
#[derive(Debug, Default)]
pub struct Trees {
    /// The payload of the file as read.
    payload: Vec<u8>,
    /// Each stored entry's bytes in `payload`, by text hash.
    index: FxHashMap<u128, Range<usize>>,
    /// Whether each stored entry was used, by text hash.
    used: FxHashMap<u128, AtomicBool>,
    /// Entries made by this run: a hash and the encoded tree.
    fresh: Mutex<Vec<(u128, Vec<u8>)>>,
}

impl Trees {
    /// The cache in `path`, or an empty one when the file is missing, damaged or not
    /// from this build.
    pub fn read(path: &Path) -> Trees {
        let Some(payload) = store::read(path, Kind::Trees) else {
            return Trees::default();
        };
        let index = index(&payload).unwrap_or_default();
        let used = index.keys().map(|hash| (*hash, AtomicBool::new(false))).collect();
        Trees { payload, index, used, fresh: Mutex::default() }
    }

    /// `text` parsed as `file`: the stored tree when there is one for this text, else a
    /// fresh parse, remembered for [`Trees::save`]. The same as `syntax::parse`.
    pub fn parse(&self, file: FileId, text: &str) -> Parsed {
        let hash = super::findings::hash(text);
        if let Some((tree, diagnostics)) = self.stored(hash, file) {
            if let Some(used) = self.used.get(&hash) {
                used.store(true, Ordering::Relaxed);
            }
            return (Arc::new(tree), diagnostics);
        }
        let (tree, diagnostics) = syntax::parse(file, text);
        if let Ok(bytes) = postcard::to_stdvec(&(&tree, &diagnostics))
            && let Ok(mut fresh) = self.fresh.lock()
        {
            fresh.push((hash, bytes));
        }
        (Arc::new(tree), diagnostics)
    }

    fn stored(&self, hash: u128, file: FileId) -> Option<(ast::SourceFile, Vec<Diagnostic>)> {
        let bytes = self.payload.get(self.index.get(&hash)?.clone())?;
        codec::in_file(file, || postcard::from_bytes(bytes)).ok()
    }

    /// Whether saving would change the file: an entry was made, or one was not used.
    pub fn changed(&self) -> bool {
        self.fresh.lock().map_or(true, |fresh| !fresh.is_empty())
            || self.used.values().any(|used| !used.load(Ordering::Relaxed))
    }

    /// Writes the entries this run used or made to `path`, when that changes anything.
    /// The entries made are handed over, not copied: they are freed once written.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if !self.changed() {
            return Ok(());
        }
        let fresh = self.fresh.lock().map(|mut fresh| std::mem::take(&mut *fresh)).unwrap_or_default();
        let mut entries: Vec<(u128, &[u8])> = Vec::with_capacity(self.index.len() + fresh.len());
        for (hash, range) in &self.index {
            let used = self.used.get(hash).is_some_and(|used| used.load(Ordering::Relaxed));
            if let Some(bytes) = self.payload.get(range.clone())
                && used
            {
                entries.push((*hash, bytes));
            }
        }
        let mut known: FxHashSet<u128> = entries.iter().map(|(hash, _)| *hash).collect();
        for (hash, bytes) in &fresh {
            if known.insert(*hash) {
                entries.push((*hash, bytes));
            }
        }
        // Each entry is written as a head (hash, length) and its bytes, borrowed where
        // they are: the stored ones are not copied before the write.
        let count = u32::try_from(entries.len()).unwrap_or(u32::MAX).to_le_bytes();
        let heads: Vec<[u8; 24]> = entries
            .iter()
            .map(|(hash, bytes)| {
                let mut head = [0u8; 24];
                let (hash_bytes, length_bytes) = head.split_at_mut(16);
                hash_bytes.copy_from_slice(&hash.to_le_bytes());
                length_bytes.copy_from_slice(&(bytes.len() as u64).to_le_bytes());
                head
            })
            .collect();
        let mut parts: Vec<&[u8]> = Vec::with_capacity(2 * entries.len() + 1);
        parts.push(&count);
        for (head, (_, bytes)) in heads.iter().zip(&entries) {
            parts.push(head);
            parts.push(bytes);
        }
        store::write(path, Kind::Trees, &parts)
    }
}

/// Every entry's hash and byte range in `payload`; `None` when the layout does not hold
/// (an entry that runs past the end), in which case nothing is used.
fn index(payload: &[u8]) -> Option<FxHashMap<u128, Range<usize>>> {
    let mut at = 0usize;
    let mut next = |count: usize| {
        let range = at..at.checked_add(count)?;
        let bytes = payload.get(range.clone())?;
        at = range.end;
        Some((bytes, range))
    };
    let count = u32::from_le_bytes(next(4)?.0.try_into().ok()?);
    // Each entry takes at least 24 bytes: a claimed count beyond that is damage, and
    // the map is sized by what the payload can hold, never by the claim.
    let mut index = FxHashMap::default();
    index.reserve((count as usize).min(payload.len() / 24));
    for _ in 0..count {
        let hash = u128::from_le_bytes(next(16)?.0.try_into().ok()?);
        let length = usize::try_from(u64::from_le_bytes(next(8)?.0.try_into().ok()?)).ok()?;
        let (_, range) = next(length)?;
        index.insert(hash, range);
    }
    (at == payload.len()).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "person ada \"Ada\" {}\nproject p {\n  status: active\n  owner ada\n}\n";

    #[test]
    fn a_saved_tree_is_read_back_in_another_file_and_unused_entries_are_dropped() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("trees");
        let first = Trees::read(&path);
        let (tree, diagnostics) = first.parse(FileId(0), TEXT);
        let (other, _) = first.parse(FileId(1), "person bob {}\n");
        assert!(!diagnostics.is_empty(), "the fixture has a syntax error");
        first.save(&path).unwrap();

        let second = Trees::read(&path);
        assert_eq!(second.index.len(), 2);
        let (again, again_diagnostics) = second.parse(FileId(7), TEXT);
        assert_eq!(again, tree);
        assert_eq!(again_diagnostics, diagnostics);
        assert!(again_diagnostics.iter().all(|diagnostic| diagnostic.span().file == FileId(7)));
        assert!(second.fresh.lock().unwrap().is_empty(), "nothing was parsed");
        assert!(second.changed(), "the other entry was not used");
        second.save(&path).unwrap();

        let third = Trees::read(&path);
        assert_eq!(third.index.len(), 1);
        assert!(third.parse(FileId(0), "person bob {}\n").0 == other);
        assert!(third.changed());
    }

    #[test]
    fn a_damaged_index_is_an_empty_cache() {
        assert!(index(&[]).is_none());
        assert!(index(&u32::MAX.to_le_bytes()).is_none());
        let mut payload = 1u32.to_le_bytes().to_vec();
        payload.extend_from_slice(&7u128.to_le_bytes());
        payload.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(index(&payload).is_none());
    }
}
