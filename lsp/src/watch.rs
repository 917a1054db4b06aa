//! Watching the workspace on the server's side, for clients that cannot register file
//! watchers (Neovim on Linux, Helix): without it, files changed outside the editor (`git
//! pull`, a rename in a shell) would never be seen.
//!
//! Every directory that `charter check` walks (hidden and ignored ones left out) gets a
//! watch of its own; a directory that appears gets one when it is seen. Events reach the
//! server through a channel and are applied in batches ([`DEBOUNCE`]), so that a `git
//! checkout` of a hundred files is one analysis.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use notify::event::{EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// How long the disk must be quiet before a batch of changes is applied.
pub const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(100);

/// The longest a batch waits while changes keep coming.
pub const MAX_BATCH_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// One path the disk reported, and whether its directory structure may have changed
/// (created, removed or renamed, rather than written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub path: PathBuf,
    pub structural: bool,
}

/// The watches of the server, one per directory.
pub struct DiskWatcher {
    watcher: notify::RecommendedWatcher,
    roots: BTreeSet<PathBuf>,
    directories: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for DiskWatcher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("DiskWatcher").field("roots", &self.roots).finish_non_exhaustive()
    }
}

impl DiskWatcher {
    /// A watcher that sends what the disk reports to `sender`.
    pub fn new(sender: mpsc::UnboundedSender<Event>) -> Result<DiskWatcher, String> {
        let handler = move |result: notify::Result<notify::Event>| {
            let Ok(event) = result else {
                return;
            };
            let structural = match event.kind {
                // Reading a file (the server's own reads among them) and changing its
                // permissions change nothing the analysis sees.
                EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => return,
                EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_)) => true,
                EventKind::Modify(_) | EventKind::Any | EventKind::Other => false,
            };
            for path in event.paths {
                let _ = sender.send(Event { path, structural });
            }
        };
        let watcher = notify::recommended_watcher(handler).map_err(|error| error.to_string())?;
        Ok(DiskWatcher { watcher, roots: BTreeSet::new(), directories: BTreeSet::new() })
    }

    /// Watches `root` and every directory below it that `charter check` walks, unless it
    /// is watched already.
    pub fn watch_root(&mut self, root: &Path) {
        if self.roots.insert(root.to_path_buf()) {
            self.watch_tree(root);
        }
    }

    /// Watches `directory` and the directories below it, unless `charter check` would
    /// not walk it (a `target/` that `.gitignore` names); whether it did.
    pub fn watch_tree(&mut self, directory: &Path) -> bool {
        if !self.roots.contains(directory) && !walked(directory) {
            return false;
        }
        let walk = ignore::WalkBuilder::new(directory).hidden(true).require_git(false).build();
        for entry in walk.filter_map(Result::ok) {
            if !entry.file_type().is_some_and(|kind| kind.is_dir()) {
                continue;
            }
            let path = entry.into_path();
            if self.directories.contains(&path) {
                continue;
            }
            if self.watcher.watch(&path, RecursiveMode::NonRecursive).is_ok() {
                self.directories.insert(path);
            }
        }
        true
    }

    /// Whether `path` is (or was, until it was removed) a watched directory.
    pub fn is_directory(&self, path: &Path) -> bool {
        self.directories.contains(path)
    }

    /// Forgets a directory that is gone (its watch went with it).
    pub fn forget(&mut self, path: &Path) {
        let gone: Vec<PathBuf> =
            self.directories.iter().filter(|directory| directory.starts_with(path)).cloned().collect();
        for directory in gone {
            let _ = self.watcher.unwatch(&directory);
            self.directories.remove(&directory);
        }
    }
}

/// Whether a walk of the parent directory, as `charter check` walks, reaches `directory`.
fn walked(directory: &Path) -> bool {
    let Some(parent) = directory.parent() else {
        return true;
    };
    ignore::WalkBuilder::new(parent)
        .hidden(true)
        .require_git(false)
        .max_depth(Some(1))
        .build()
        .filter_map(Result::ok)
        .any(|entry| entry.path() == directory)
}

/// Whether no directory between `root` and `path` (nor `path` itself) is hidden.
pub fn visible(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|relative| {
        !relative
            .components()
            .any(|component| component.as_os_str().to_str().is_some_and(|name| name.starts_with('.')))
    })
}

/// Whether a changed path matters to the analysis: `charter.toml` or a `.charter` file,
/// not inside a hidden directory below its root (`.git`, the std cache).
pub fn relevant(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let hidden = relative
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .any(|component| component.as_os_str().to_str().is_some_and(|name| name.starts_with('.')));
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
    !hidden && !name.starts_with('.') && (name == "charter.toml" || crate::state::is_charter_file(path))
}

/// Waits for the next batch of events: the first one, then every one that follows within
/// [`DEBOUNCE`] of the previous, for at most [`MAX_BATCH_WAIT`]. `None` once the watcher
/// is gone.
pub async fn next_batch(receiver: &mut mpsc::UnboundedReceiver<Event>) -> Option<Vec<Event>> {
    let first = receiver.recv().await?;
    let mut batch = vec![first];
    let deadline = tokio::time::Instant::now() + MAX_BATCH_WAIT;
    loop {
        let wait = DEBOUNCE.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, receiver.recv()).await {
            Ok(Some(event)) => {
                if !batch.contains(&event) {
                    batch.push(event);
                }
            }
            Ok(None) | Err(_) => return Some(batch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_charter_files_and_the_config_outside_hidden_directories_matter() {
        let root = Path::new("/work/.hidden/acme");
        assert!(relevant(root, &root.join("portfolio/people.charter")));
        assert!(relevant(root, &root.join("charter.toml")));
        assert!(!relevant(root, &root.join("notes.md")));
        assert!(!relevant(root, &root.join(".git/x.charter")));
        assert!(!relevant(root, &root.join(".charter_cache/std/0.1.0/governance.charter")));
        assert!(!relevant(root, &root.join("portfolio/.people.charter.swp")));
        assert!(!relevant(root, Path::new("/elsewhere/a.charter")));
    }

    #[test]
    fn a_directory_is_visible_when_nothing_below_the_root_is_hidden() {
        let root = Path::new("/work/.hidden/acme");
        assert!(visible(root, &root.join("portfolio/2026")));
        assert!(!visible(root, &root.join(".charter_cache/std")));
        assert!(!visible(root, &root.join("portfolio/.git")));
        assert!(!visible(root, Path::new("/elsewhere")));
    }
}
