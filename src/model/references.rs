//! Every reference of a portfolio, in entity order, kept in runs of one file each: an
//! update after an edit rebuilds the runs of the entities it lowered again and shares the
//! others, instead of copying every reference of the workspace.

use std::sync::Arc;

use super::{EntityId, Reference};
use crate::source::FileId;

/// The references of a portfolio, in the order of their source entities; one run per
/// source file (the entities of a file are consecutive).
#[derive(Clone, Default)]
pub struct References {
    runs: Vec<Run>,
    /// Where each run starts among all the references, then their number.
    starts: Vec<u32>,
}

/// The references of one file's entities.
#[derive(Clone)]
pub struct Run {
    file: FileId,
    references: Arc<[Reference]>,
}

/// Printed as one list: how the references are cut in runs is not part of what they are.
impl std::fmt::Debug for References {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl References {
    /// `all`, in entity order, cut where the file of the source entity (`file_of`) changes.
    pub(crate) fn new(all: Vec<Reference>, file_of: impl Fn(EntityId) -> Option<FileId>) -> References {
        let mut runs = Vec::new();
        let mut current: Vec<Reference> = Vec::new();
        let mut current_file = None;
        for reference in all {
            let file = file_of(reference.source).unwrap_or(reference.span.file);
            if current_file != Some(file) {
                if let Some(done) = current_file.filter(|_| !current.is_empty()) {
                    runs.push(Run { file: done, references: Arc::from(std::mem::take(&mut current)) });
                }
                current_file = Some(file);
            }
            current.push(reference);
        }
        if let Some(file) = current_file.filter(|_| !current.is_empty()) {
            runs.push(Run { file, references: Arc::from(current) });
        }
        References::of_runs(runs)
    }

    fn of_runs(runs: Vec<Run>) -> References {
        let mut starts = Vec::with_capacity(runs.len() + 1);
        let mut total = 0u32;
        for run in &runs {
            starts.push(total);
            total = total.saturating_add(u32::try_from(run.references.len()).unwrap_or(u32::MAX));
        }
        starts.push(total);
        References { runs, starts }
    }

    /// These references after the entities `again` says were lowered again (by id, every
    /// entity at the id it had) gave `new` (in entity order) instead of theirs: the runs of
    /// the files they are in are rebuilt, in entity order; the others are shared.
    pub(crate) fn updated(
        &self,
        again: &[bool],
        new: Vec<Reference>,
        file_of: impl Fn(EntityId) -> Option<FileId>,
    ) -> References {
        let lowered_again = |id: EntityId| again.get(id.index()).copied().unwrap_or(false);
        // The new references by file, in entity order.
        let mut new_runs: Vec<(FileId, Vec<Reference>)> = Vec::new();
        for reference in new {
            let file = file_of(reference.source).unwrap_or(reference.span.file);
            match new_runs.iter_mut().find(|(known, _)| *known == file) {
                Some((_, run)) => run.push(reference),
                None => new_runs.push((file, vec![reference])),
            }
        }
        let touched = |run: &Run| run.references.iter().any(|reference| lowered_again(reference.source));
        let mut runs: Vec<Run> = Vec::with_capacity(self.runs.len() + new_runs.len());
        for run in &self.runs {
            let fresh =
                new_runs.iter().position(|(file, _)| *file == run.file).map(|at| new_runs.swap_remove(at).1);
            if fresh.is_none() && !touched(run) {
                runs.push(run.clone());
                continue;
            }
            let kept = run.references.iter().filter(|reference| !lowered_again(reference.source)).cloned();
            let merged = super::resolve::merge(kept, fresh.unwrap_or_default(), |reference| reference.source);
            if !merged.is_empty() {
                runs.push(Run { file: run.file, references: Arc::from(merged) });
            }
        }
        runs.extend(
            new_runs.into_iter().map(|(file, references)| Run { file, references: Arc::from(references) }),
        );
        // Runs follow their entities: a file's first reference may now come before another's.
        runs.sort_by_key(|run| run.references.first().map(|reference| reference.source));
        References::of_runs(runs)
    }

    pub fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> Iter<'_> {
        self.runs.iter().flat_map(run_references)
    }

    /// The reference at `index` in entity order.
    pub fn get(&self, index: usize) -> Option<&Reference> {
        let index = u32::try_from(index).ok()?;
        let run = self.starts.partition_point(|start| *start <= index).checked_sub(1)?;
        let offset = index - self.starts.get(run)?;
        self.runs.get(run)?.references.get(offset as usize)
    }

    /// The references of entity `source`, in order.
    pub fn of(&self, source: EntityId) -> &[Reference] {
        let run = self
            .runs
            .partition_point(|run| run.references.first().is_some_and(|first| first.source <= source))
            .checked_sub(1)
            .and_then(|run| self.runs.get(run));
        let Some(run) = run else { return &[] };
        let start = run.references.partition_point(|reference| reference.source < source);
        let end = run.references.partition_point(|reference| reference.source <= source);
        run.references.get(start..end).unwrap_or(&[])
    }

    /// Whether both name the same targets, one by one: then every entity has the same
    /// referrers, by index.
    pub(crate) fn same_targets(&self, other: &References) -> bool {
        if self.starts != other.starts {
            return false;
        }
        self.runs.iter().zip(&other.runs).all(|(a, b)| {
            Arc::ptr_eq(&a.references, &b.references)
                || a.references.iter().zip(b.references.iter()).all(|(a, b)| a.target == b.target)
        })
    }
}

/// The references of a portfolio, in entity order.
pub type Iter<'a> = std::iter::FlatMap<
    std::slice::Iter<'a, Run>,
    std::slice::Iter<'a, Reference>,
    fn(&'a Run) -> std::slice::Iter<'a, Reference>,
>;

fn run_references(run: &Run) -> std::slice::Iter<'_, Reference> {
    run.references.iter()
}

impl<'a> IntoIterator for &'a References {
    type Item = &'a Reference;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn reference(source: u32, file: u32) -> Reference {
        Reference {
            source: EntityId(source),
            field: Arc::from("sponsor"),
            name: compact_str::CompactString::new("x"),
            target: Some(EntityId(0)),
            span: Span::new(FileId(file), source as usize, source as usize + 1),
        }
    }

    /// Runs follow the files of the sources; an update rebuilds only the runs of the
    /// entities lowered again, and each entity's references are found where they are.
    #[test]
    fn runs_by_file_and_updates_share_the_others() {
        let all = vec![reference(1, 0), reference(1, 0), reference(3, 0), reference(7, 1), reference(9, 2)];
        let file_of = |id: EntityId| {
            Some(FileId(match id.0 {
                0..=4 => 0,
                5..=8 => 1,
                _ => 2,
            }))
        };
        let references = References::new(all, file_of);
        assert_eq!(references.runs.len(), 3);
        assert_eq!(references.len(), 5);
        assert_eq!(references.of(EntityId(1)).len(), 2);
        assert_eq!(references.of(EntityId(2)).len(), 0);
        assert_eq!(references.of(EntityId(9)).len(), 1);
        assert_eq!(references.get(3).map(|reference| reference.source), Some(EntityId(7)));
        // Entity 7 lowered again with two references, entity 4 with one it did not have.
        let mut again = vec![false; 10];
        again[7] = true;
        again[4] = true;
        let updated =
            references.updated(&again, vec![reference(4, 0), reference(7, 1), reference(7, 1)], file_of);
        let sources: Vec<u32> = updated.iter().map(|reference| reference.source.0).collect();
        assert_eq!(sources, [1, 1, 3, 4, 7, 7, 9]);
        assert!(Arc::ptr_eq(&updated.runs[2].references, &references.runs[2].references), "file 2 is shared");
        assert!(!updated.same_targets(&references));
    }
}
