//! File paths ⇄ URIs, including the embedded std library.
//!
//! The std rules live in the binary under names such as `<std>/governance.charter`. So that
//! an editor can open them (go to a waiver's rule, a violation's related `require`), the
//! server writes them once to a directory of their own and maps that directory's files
//! back to the `<std>/…` names.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use charter::model::workspace::normalize;
use tower_lsp_server::ls_types::Uri;

const STD_PREFIX: &str = "<std>/";

#[derive(Clone, Debug, Default)]
pub struct PathMap {
    /// Where the std files were written, when that succeeded.
    std_dir: Option<PathBuf>,
}

impl PathMap {
    /// Writes the std library under `directory` (best effort: without it, locations in
    /// std are simply not shown).
    pub fn with_std_in(directory: PathBuf) -> PathMap {
        let written = std::fs::create_dir_all(&directory).is_ok()
            && charter::stdlib::FILES.iter().all(|(name, text)| {
                let Some(file) = name.strip_prefix(STD_PREFIX) else {
                    return false;
                };
                let target = directory.join(file);
                let current = crate::state::read_source(&target);
                current.as_deref() == Some(*text) || std::fs::write(&target, text).is_ok()
            });
        PathMap { std_dir: written.then_some(directory) }
    }

    /// The default place for the std files: a per-version directory in the temp dir.
    pub fn default_std_dir() -> PathBuf {
        std::env::temp_dir().join(format!("charter-lsp-std-{}", env!("CARGO_PKG_VERSION")))
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
        if let Some(std_dir) = &self.std_dir
            && let Ok(name) = path.strip_prefix(std_dir)
        {
            return Some(PathBuf::from(format!("{STD_PREFIX}{}", name.display())));
        }
        Some(path)
    }

    /// Whether the path names an embedded std file.
    pub fn is_std(path: &Path) -> bool {
        path.to_str().is_some_and(|text| text.starts_with(STD_PREFIX))
    }
}

/// Parses a URI the client sent, for tests and the command line.
pub fn parse_uri(text: &str) -> Option<Uri> {
    Uri::from_str(text).ok()
}
