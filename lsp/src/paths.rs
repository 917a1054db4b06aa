//! File paths ⇄ URIs, including the embedded std library.
//!
//! The std rules live in the binary under names such as `<std>/governance.charter`. So that
//! an editor can open them (go to a waiver's rule, a violation's related `require`), the
//! server writes them, read-only, to a directory of their own and maps that directory's
//! files back to the `<std>/…` names. That directory is the workspace's
//! `.charter_cache/std/<version>/` when the workspace root can be written: an editor that
//! finds the server's root by the `charter.toml` above a file then sends the std files
//! to the same server, which answers for them from the std modules it has loaded. Else
//! it is a per-version directory in the temp dir.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use charter::model::workspace::normalize;
use tower_lsp_server::ls_types::Uri;

const STD_PREFIX: &str = "<std>/";

/// The directory below a workspace root that holds what the server writes for it.
pub const CACHE_DIR: &str = ".charter_cache";

#[derive(Clone, Debug, Default)]
pub struct PathMap {
    /// Where `<std>/…` names point, when writing the std files there succeeded.
    std_dir: Option<PathBuf>,
    /// Every directory the std files were written to: files below any of them are std
    /// modules, never workspace files.
    std_dirs: Vec<PathBuf>,
}

impl PathMap {
    /// Writes the std library under `directory` (best effort: without it, locations in
    /// std are simply not shown).
    pub fn with_std_in(directory: PathBuf) -> PathMap {
        let written = write_std(&directory);
        PathMap {
            std_dir: written.then(|| directory.clone()),
            std_dirs: written.then_some(directory).into_iter().collect(),
        }
    }

    /// The default place for the std files: a per-version directory in the temp dir.
    pub fn default_std_dir() -> PathBuf {
        std::env::temp_dir().join(format!("charter-lsp-std-{}", env!("CARGO_PKG_VERSION")))
    }

    /// Where the std files go in the workspace at `root`.
    pub fn workspace_std_dir(root: &Path) -> PathBuf {
        root.join(CACHE_DIR).join("std").join(env!("CARGO_PKG_VERSION"))
    }

    /// Serves the std files from the workspace at `root` (which has a `charter.toml`)
    /// from now on, when they can be written there; whether they could. The cache
    /// directory gets a `.gitignore` of `*`, so that it is never committed.
    pub fn use_workspace_std(&mut self, root: &Path) -> bool {
        if !root.join("charter.toml").is_file() {
            return false;
        }
        let cache = root.join(CACHE_DIR);
        let directory = PathMap::workspace_std_dir(root);
        let ignored = std::fs::create_dir_all(&cache).is_ok()
            && (cache.join(".gitignore").is_file()
                || std::fs::write(cache.join(".gitignore"), "*\n").is_ok());
        if !ignored || !write_std(&directory) {
            return false;
        }
        let directory = normalize(&directory);
        self.std_dir = Some(directory.clone());
        if !self.std_dirs.contains(&directory) {
            self.std_dirs.push(directory);
        }
        true
    }

    /// The URI of a workspace path (`<std>/…` names map into the std directory).
    pub fn uri(&self, path: &Path) -> Option<Uri> {
        let text = path.to_str()?;
        if let Some(name) = text.strip_prefix(STD_PREFIX) {
            return Uri::from_file_path(self.std_dir.as_ref()?.join(name));
        }
        Uri::from_file_path(path)
    }

    /// The workspace path of a URI: absolute and normalized, or `<std>/…`.
    pub fn path(&self, uri: &Uri) -> Option<PathBuf> {
        let scheme = uri.scheme().as_str();
        if !scheme.eq_ignore_ascii_case("file") {
            return None;
        }
        let path = normalize(&uri.to_file_path()?);
        for std_dir in &self.std_dirs {
            if let Ok(name) = path.strip_prefix(std_dir) {
                return Some(PathBuf::from(format!("{STD_PREFIX}{}", name.display())));
            }
        }
        Some(path)
    }

    /// Whether the path names an embedded std file.
    pub fn is_std(path: &Path) -> bool {
        path.to_str().is_some_and(|text| text.starts_with(STD_PREFIX))
    }
}

/// Writes every std file below `directory`, read-only (mode 0444 on Unix): an editor
/// that opens one shows that it is not to be edited. A file that already holds the
/// right text is left alone; one that does not (another build of the same version) is
/// replaced.
fn write_std(directory: &Path) -> bool {
    std::fs::create_dir_all(directory).is_ok()
        && charter::stdlib::FILES.iter().all(|(name, text)| {
            let Some(file) = name.strip_prefix(STD_PREFIX) else {
                return false;
            };
            let target = directory.join(file);
            if crate::state::read_source(&target).as_deref() != Some(*text) {
                // A read-only file cannot be written over; it can be replaced.
                let _ = std::fs::remove_file(&target);
                if std::fs::write(&target, text).is_err() {
                    return false;
                }
            }
            read_only(&target)
        })
}

fn read_only(path: &Path) -> bool {
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    let mut permissions = metadata.permissions();
    if permissions.readonly() {
        return true;
    }
    permissions.set_readonly(true);
    std::fs::set_permissions(path, permissions).is_ok()
}

/// Parses a URI the client sent, for tests and the command line.
pub fn parse_uri(text: &str) -> Option<Uri> {
    Uri::from_str(text).ok()
}
