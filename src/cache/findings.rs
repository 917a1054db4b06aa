//! The result cache: the findings of a whole check, and what the renderers read besides
//! (the summary's totals, the SARIF and JUnit rule descriptors), keyed by everything
//! they depend on. A check of an unchanged workspace reads this one file, and the
//! sources it renders snippets from; no tree is parsed or decoded.
//!
//! The key ([`key`]) hashes the build of Charter, the workspace root, `charter.toml`'s
//! text (or its absence), the evaluation date and the path and text hash of every file
//! the walk found, in order. The stored entry adds the files those `use`, with their
//! hashes, which are read and compared on load; and the path and name of every source
//! in file-id order, which the rebuilt source map must match exactly, so the stored
//! spans' file ids point at the same files. A check whose `use` failed to load a file is
//! not stored: whether that file appears later is something no hash covers.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::store::{self, Kind};
use crate::diagnostic::{BuiltinCode, Diagnostic};
use crate::model::Inputs;
use crate::model::workspace::{config_source, display_name, std_source};
use crate::render::json::Totals;
use crate::render::sarif::RuleDescriptor;
use crate::source::{FileId, SourceFile, SourceMap};

/// What the result file holds.
#[derive(Serialize, Deserialize)]
pub struct Stored {
    /// [`key`] of the inputs the findings are for.
    pub key: u128,
    /// The files loaded through `use`, in load order, with the hash of their text.
    pub used: Vec<(PathBuf, u128)>,
    /// Every source's path and name, in file-id order.
    pub sources: Vec<(PathBuf, String)>,
    /// Every finding, sorted, before paths narrow them.
    pub findings: Vec<Diagnostic>,
    /// For each finding, the file of the entity it is about ([`crate::model::Scope::subject`]).
    pub subjects: Vec<Option<u32>>,
    pub totals: Totals,
    pub rules: Vec<RuleDescriptor>,
}

/// What a stored result gives back: the rebuilt sources and the stored findings.
pub struct Found {
    pub sources: SourceMap,
    pub stored: Stored,
}

/// The hash of everything the findings of `inputs` on `today` depend on, besides the
/// files they `use`.
pub fn key(inputs: &Inputs, today: jiff::civil::Date) -> u128 {
    let hashes: Vec<u128> = inputs.texts.par_iter().map(|(_, text)| hash(text)).collect();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(super::BUILD.as_bytes());
    field(inputs.root.as_os_str().as_encoded_bytes());
    match &inputs.config.file {
        Some(file) => {
            field(b"charter.toml");
            field(file.path.as_os_str().as_encoded_bytes());
            field(file.text.as_bytes());
        }
        None => field(b"no charter.toml"),
    }
    field(today.to_string().as_bytes());
    for ((path, _), text_hash) in inputs.texts.iter().zip(&hashes) {
        field(path.as_os_str().as_encoded_bytes());
        field(&text_hash.to_le_bytes());
    }
    hasher.digest128()
}

/// The hash of a file's text.
pub fn hash(text: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

/// The stored result at `path` for `key`, with its sources rebuilt from `inputs` and
/// the `use`d files on disk; `None` when there is none, it is for other inputs, a `use`d
/// file changed, or anything fails to match.
pub fn load(path: &Path, key: u128, inputs: &Inputs) -> Option<Found> {
    let payload = store::read(path, Kind::Findings)?;
    // The key comes first, so a result for other inputs is refused before the rest is read.
    let (stored_key, _) = postcard::take_from_bytes::<u128>(&payload).ok()?;
    if stored_key != key {
        return None;
    }
    let stored: Stored = postcard::from_bytes(&payload).ok()?;
    let used: Vec<(PathBuf, Arc<str>)> = stored
        .used
        .par_iter()
        .map(|(path, text_hash)| {
            let text = crate::source::read::read_source(path).ok()?;
            (hash(&text) == *text_hash).then(|| (path.clone(), Arc::from(text)))
        })
        .collect::<Option<_>>()?;
    let sources = source_map(inputs, used);
    let same = sources.len() == stored.sources.len()
        && sources
            .files()
            .zip(&stored.sources)
            .all(|((_, source), (path, name))| source.path == *path && source.name == *name);
    let consistent = same
        && stored.subjects.len() == stored.findings.len()
        && stored.findings.iter().all(|finding| spans_fit(finding, &sources));
    consistent.then_some(Found { sources, stored })
}

/// The sources of a workspace as [`crate::Workspace::load`] lays them out: the files the
/// walk found, then those they `use`, then std, then `charter.toml`.
fn source_map(inputs: &Inputs, used: Vec<(PathBuf, Arc<str>)>) -> SourceMap {
    let files: Vec<SourceFile> = inputs
        .texts
        .iter()
        .cloned()
        .chain(used)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(path, text)| {
            let name = display_name(&inputs.root, &path);
            SourceFile::new(path, name, text)
        })
        .collect();
    let mut sources = SourceMap::default();
    for file in files {
        sources.add(file);
    }
    if inputs.config.check.std {
        for (name, text) in crate::stdlib::FILES {
            sources.add(std_source(name, text));
        }
    }
    if let Some(source) = config_source(&inputs.root, &inputs.config) {
        sources.add(source);
    }
    sources
}

/// Whether every span of `finding` lies within a file of `sources`, as every span of a
/// real check does.
fn spans_fit(finding: &Diagnostic, sources: &SourceMap) -> bool {
    let fits = |span: crate::source::Span| {
        sources.get(span.file).is_some_and(|file| span.end as usize <= file.text.len())
    };
    fits(finding.span())
        && finding.secondary.iter().all(|label| fits(label.span))
        && finding.fix.iter().flat_map(|fix| &fix.edits).all(|edit| fits(edit.span))
}

/// Whether the findings of a check may be stored: none says that a `use` failed.
pub fn storable(findings: &[Diagnostic]) -> bool {
    !findings.iter().any(|finding| finding.builtin_code() == Some(BuiltinCode::UseNotFound))
}

/// Writes `stored` to `path`.
pub fn save(path: &Path, stored: &Stored) -> std::io::Result<()> {
    let payload = postcard::to_stdvec(stored).map_err(std::io::Error::other)?;
    store::write(path, Kind::Findings, &[&payload])
}

/// The `use`d files of a workspace, in load order, with their hashes.
pub fn used_files(workspace: &crate::Workspace) -> Vec<(PathBuf, u128)> {
    workspace
        .files
        .iter()
        .filter(|file| file.used)
        .filter_map(|file| workspace.sources.get(file.file))
        .map(|source| (source.path.clone(), hash(&source.text)))
        .collect()
}

/// Every source's path and name, in file-id order.
pub fn source_names(sources: &SourceMap) -> Vec<(PathBuf, String)> {
    sources.files().map(|(_, file)| (file.path.clone(), file.name.clone())).collect()
}

/// The id of a stored subject.
pub fn subject(stored: Option<u32>) -> Option<FileId> {
    stored.map(FileId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_changes_with_each_input() {
        let inputs = |files: &[(&str, &str)], config: Option<&str>| {
            let config = match config {
                Some(text) => {
                    let mut config = crate::model::Config::parse(text).unwrap();
                    config.file = Some(crate::model::config::ConfigFile {
                        path: PathBuf::from("/w/charter.toml"),
                        text: Arc::from(text),
                    });
                    config
                }
                None => crate::model::Config::default(),
            };
            Inputs {
                root: PathBuf::from("/w"),
                config,
                texts: files.iter().map(|(path, text)| (PathBuf::from(path), Arc::from(*text))).collect(),
            }
        };
        let day = jiff::civil::date(2026, 11, 26);
        let base = key(&inputs(&[("/w/a.charter", "person a {}")], None), day);
        assert_eq!(base, key(&inputs(&[("/w/a.charter", "person a {}")], None), day));
        let others = [
            key(&inputs(&[("/w/a.charter", "person b {}")], None), day),
            key(&inputs(&[("/w/b.charter", "person a {}")], None), day),
            key(&inputs(&[("/w/a.charter", "person a {}")], Some("")), day),
            key(&inputs(&[("/w/a.charter", "person a {}")], None), jiff::civil::date(2026, 11, 27)),
            key(&inputs(&[("/w/a.charter", "person a {}"), ("/w/b.charter", "")], None), day),
        ];
        for other in others {
            assert_ne!(other, base);
        }
    }
}
