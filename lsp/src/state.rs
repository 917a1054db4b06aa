//! The server's mutable state: open documents with their versions, the workspace roots
//! and the text of their files on disk, and the parse cache. [`State::inputs`] takes a
//! consistent picture of it for one analysis; [`crate::analysis`] turns that picture into
//! an immutable [`crate::analysis::Snapshot`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use charter::model::Config;
use charter::model::config::ConfigFile;
use charter::model::workspace::{charter_files, find_root};
use charter::source::read;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::ls_types::Uri;

use crate::convert::{Encoding, Text};
use crate::paths::PathMap;

/// An open document: the editor's text overrides the disk.
#[derive(Clone, Debug)]
pub struct Document {
    pub uri: Uri,
    pub version: i32,
    pub text: Arc<str>,
}

/// One workspace root: a folder the client opened, or the directory around a document
/// opened outside every folder.
#[derive(Clone, Debug)]
pub struct Root {
    pub path: PathBuf,
    /// Opened by the client as a workspace folder (kept until the folder is removed);
    /// otherwise kept only while one of its documents is open.
    pub folder: bool,
    /// `charter.toml`, or why it is invalid.
    pub config: Result<Config, String>,
    /// The text of every `.charter` file below the root on disk.
    pub disk: BTreeMap<PathBuf, Arc<str>>,
    /// The disk must be walked again before the next analysis.
    pub stale: bool,
}

impl Root {
    pub fn new(path: PathBuf, folder: bool) -> Root {
        Root { path, folder, config: Ok(Config::default()), disk: BTreeMap::new(), stale: true }
    }

    /// Walks the root again: `charter.toml` and every `.charter` file's text.
    pub fn rescan(&mut self) {
        self.config = read_config(&self.path);
        self.disk = charter_files(&self.path)
            .into_iter()
            .filter_map(|path| {
                let text = read_source(&path)?;
                Some((path, Arc::from(text)))
            })
            .collect();
        self.stale = false;
    }

    /// Refreshes one file from the disk after the client reported a change.
    pub fn refresh(&mut self, path: &Path) {
        if path.file_name().is_some_and(|name| name == "charter.toml") {
            self.config = read_config(&self.path);
            return;
        }
        match read_source(path) {
            Some(text) if is_charter_file(path) => {
                self.disk.insert(path.to_path_buf(), Arc::from(text));
            }
            _ => {
                self.disk.remove(path);
            }
        }
    }
}

fn read_config(root: &Path) -> Result<Config, String> {
    let path = root.join("charter.toml");
    match std::fs::metadata(&path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(error) => return Err(error.to_string()),
        Ok(_) => {}
    }
    // Read as `charter check` reads it: every mistake is a `charter::config` finding at its
    // span in `charter.toml` (the workspace adds them when it is loaded, and the file is
    // published like a source); only text that is not TOML leaves the defaults in force.
    let text = read::read_data_file(&path).map_err(|reason| reason.to_string())?;
    let mut config = Config::read(&text).map_err(|error| error.message)?;
    config.file = Some(ConfigFile { path, text: text.into() });
    Ok(config)
}

/// The text of a `.charter` file as `charter check` reads it ([`read::read_source`]): a
/// regular file (or a link to a regular `*.charter` file) of at most 8 MiB in UTF-8, else
/// `None`. The server reads files while it holds its state, so a FIFO (which would block),
/// a device such as `/dev/zero` (which never ends), a huge file or a link to
/// `/proc/self/environ` must never be opened or read whole.
pub fn read_source(path: &Path) -> Option<String> {
    read::read_source(path).ok()
}

pub fn is_charter_file(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "charter")
}

/// Everything the server knows that changes over time.
#[derive(Debug, Default)]
pub struct State {
    /// Bumped by every change of the inputs; a snapshot is current when it was computed
    /// from the inputs of the current generation.
    pub generation: u64,
    pub encoding: Encoding,
    pub paths: PathMap,
    pub roots: Vec<Root>,
    /// Open documents by path.
    pub documents: BTreeMap<PathBuf, Document>,
    /// The document opened or edited last: its diagnostics are published first.
    pub focus: Option<PathBuf>,
    pub shutting_down: bool,
}

/// What one analysis of one root reads.
#[derive(Clone, Debug)]
pub struct RootInput {
    pub path: PathBuf,
    pub config: Result<Config, String>,
    /// Every file of the root with its text (open documents override the disk).
    pub texts: Vec<(PathBuf, Arc<str>)>,
}

/// What one analysis reads: a consistent copy of the state.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub generation: u64,
    pub roots: Vec<RootInput>,
    /// Open documents (path → text), for `use` of files outside the roots.
    pub documents: BTreeMap<PathBuf, Arc<str>>,
    /// The version of every open document.
    pub versions: BTreeMap<PathBuf, i32>,
    /// The document opened or edited last.
    pub focus: Option<PathBuf>,
}

impl State {
    pub fn bump(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Adds a workspace folder.
    pub fn add_folder(&mut self, path: PathBuf) {
        let root = find_root(&path);
        match self.roots.iter_mut().find(|existing| existing.path == root) {
            Some(existing) => existing.folder = true,
            None => self.roots.push(Root::new(root, true)),
        }
    }

    pub fn remove_folder(&mut self, path: &Path) {
        let root = find_root(path);
        let documents: Vec<PathBuf> = self.documents.keys().cloned().collect();
        self.roots.retain(|existing| {
            existing.path != root || documents.iter().any(|document| document.starts_with(&root))
        });
        if let Some(existing) = self.roots.iter_mut().find(|existing| existing.path == root) {
            existing.folder = false;
        }
    }

    /// The root a path belongs to: the deepest root that contains it.
    pub fn root_of(&self, path: &Path) -> Option<usize> {
        self.roots
            .iter()
            .enumerate()
            .filter(|(_, root)| path.starts_with(&root.path))
            .max_by_key(|(_, root)| root.path.components().count())
            .map(|(index, _)| index)
    }

    pub fn open(&mut self, path: PathBuf, document: Document) {
        if self.root_of(&path).is_none() && !PathMap::is_std(&path) {
            let directory = path.parent().map_or_else(|| path.clone(), Path::to_path_buf);
            self.roots.push(Root::new(find_root(&directory), false));
        }
        self.focus = Some(path.clone());
        self.documents.insert(path, document);
        self.bump();
    }

    pub fn close(&mut self, path: &Path) {
        self.documents.remove(path);
        if self.focus.as_deref() == Some(path) {
            self.focus = None;
        }
        let documents: Vec<PathBuf> = self.documents.keys().cloned().collect();
        self.roots
            .retain(|root| root.folder || documents.iter().any(|document| document.starts_with(&root.path)));
        self.bump();
    }

    /// Applies the content changes of one `didChange`. Returns false when the document is
    /// not open or the change is older than the text (it is then ignored).
    pub fn change(
        &mut self,
        path: &Path,
        version: i32,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
    ) -> bool {
        let encoding = self.encoding;
        let Some(document) = self.documents.get_mut(path) else {
            return false;
        };
        if version <= document.version {
            return false;
        }
        let mut text = document.text.to_string();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let lines = charter::source::LineIndex::new(&text);
                    let view = Text { text: &text, lines: &lines };
                    let start = view.offset(range.start, encoding);
                    let end = view.offset(range.end, encoding).max(start);
                    text.replace_range(start..end, &change.text);
                }
            }
        }
        document.text = Arc::from(text);
        document.version = version;
        self.focus = Some(path.to_path_buf());
        self.bump();
        true
    }

    /// The files the client reported as changed on disk.
    pub fn files_changed(&mut self, paths: &[PathBuf]) {
        for path in paths {
            if let Some(index) = self.root_of(path)
                && let Some(root) = self.roots.get_mut(index)
            {
                root.refresh(path);
            }
        }
        self.bump();
    }

    /// A consistent copy of the inputs; walks stale roots first.
    pub fn inputs(&mut self) -> Inputs {
        for root in self.roots.iter_mut().filter(|root| root.stale) {
            root.rescan();
        }
        let roots = self
            .roots
            .iter()
            .map(|root| {
                let mut texts: BTreeMap<PathBuf, Arc<str>> = root.disk.clone();
                for (path, document) in &self.documents {
                    let deepest = self.root_of(path).and_then(|index| self.roots.get(index));
                    if deepest.is_some_and(|deepest| deepest.path == root.path) && is_charter_file(path) {
                        texts.insert(path.clone(), document.text.clone());
                    }
                }
                // A file below a nested root belongs to that root only.
                let nested: BTreeSet<&PathBuf> = self
                    .roots
                    .iter()
                    .filter(|other| other.path != root.path && other.path.starts_with(&root.path))
                    .map(|other| &other.path)
                    .collect();
                texts.retain(|path, _| !nested.iter().any(|nested| path.starts_with(nested)));
                RootInput {
                    path: root.path.clone(),
                    config: root.config.clone(),
                    texts: texts.into_iter().collect(),
                }
            })
            .collect();
        Inputs {
            generation: self.generation,
            roots,
            documents: self
                .documents
                .iter()
                .map(|(path, document)| (path.clone(), document.text.clone()))
                .collect(),
            versions: self
                .documents
                .iter()
                .map(|(path, document)| (path.clone(), document.version))
                .collect(),
            focus: self.focus.clone(),
        }
    }
}
