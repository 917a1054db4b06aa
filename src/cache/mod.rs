//! The persistent cache of `charter check`: per file, what parsing made of its text
//! ([`trees`]); per workspace, the findings of the last check and what the renderers
//! read besides ([`findings`]). Both live in `<workspace root>/.charter_cache/check/`
//! (or `--cache-dir` / `CHARTER_CACHE_DIR`), one file of each kind per workspace.
//!
//! Soundness rests on the keys. A tree is keyed by the hash of its file's text and the
//! build of Charter ([`BUILD`]: its version and the hash of the sources it was compiled
//! from), since the parse of a text depends on nothing else. A result is keyed by every
//! input of a check ([`findings::key`]): the build, the root, `charter.toml`, the date,
//! every file's path and text hash, and the files they `use`. Anything the key cannot
//! cover is not cached: a check whose `use` failed is not stored, `--coverage` reads the
//! whole workspace. The cache files are checked whole before they are trusted
//! ([`store`]); a damaged, foreign or unreadable one is ignored and rewritten, and a cache
//! that cannot be written is simply not used. Paths on the command line narrow the
//! reported findings after the cache, and baselines apply after that, as without it.

pub mod codec;
mod findings;
mod store;
mod trees;

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::model::{Config, Inputs, Scope, Workspace};
use crate::render::json::Totals;
use crate::render::sarif::RuleDescriptor;
use crate::source::{FileId, SourceMap};

/// This build of Charter: its version and a hash of the sources it was compiled from
/// (`build.rs`), so that a cache written by another build, even of the same version, is
/// never read.
pub const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("CHARTER_SOURCE_HASH"));

/// The cache directory below a workspace root, shared with the language server's copies
/// of the std files (`.charter_cache/std/VERSION/`).
pub const DIRECTORY: &str = ".charter_cache";

/// Where the cache is, as the command line says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `--no-cache`.
    Off,
    /// `<root>/.charter_cache/`, for a workspace with a `charter.toml`; none otherwise.
    Default,
    /// `--cache-dir DIR` or `CHARTER_CACHE_DIR`, for every workspace.
    In(PathBuf),
}

/// The cache files of one workspace.
#[derive(Clone, Debug)]
pub struct Cache {
    /// The cache directory (`.charter_cache`).
    directory: PathBuf,
    /// The stem of this workspace's files: a hash of its root, so that one directory can
    /// serve many workspaces.
    stem: String,
}

impl Cache {
    /// The cache of the workspace at `root` (which has a `charter.toml` when
    /// `configured`), or `None` when there is to be none.
    pub fn new(location: &Location, root: &Path, configured: bool) -> Option<Cache> {
        let directory = match location {
            Location::Off => return None,
            Location::Default if !configured => return None,
            Location::Default => root.join(DIRECTORY),
            Location::In(directory) => std::path::absolute(directory).unwrap_or_else(|_| directory.clone()),
        };
        let stem = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(root.as_os_str().as_encoded_bytes()));
        Some(Cache { directory, stem })
    }

    /// The cache directory.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    fn file(&self, extension: &str) -> PathBuf {
        self.directory.join("check").join(format!("{}.{extension}", self.stem))
    }

    /// Makes the directory, with a `.gitignore` of `*` (so it is never committed, and the
    /// workspace walk skips it wherever it is) and a `CACHEDIR.TAG` (so backups skip it),
    /// and removes temporary files that a killed run left behind.
    fn prepare(&self) -> std::io::Result<()> {
        let check = self.directory.join("check");
        std::fs::create_dir_all(&check)?;
        create_once(&self.directory.join(".gitignore"), "*\n")?;
        create_once(
            &self.directory.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file marks Charter's cache (https://bford.info/cachedir/).\n",
        )?;
        remove_stale_temporaries(&check);
        Ok(())
    }
}

/// Writes `text` to `path` unless something is there already (a link is never followed).
fn create_once(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut file) => file.write_all(text.as_bytes()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// Removes the temporary files in `directory` older than an hour: a run killed while it
/// wrote leaves one, and no run takes that long to write.
fn remove_stale_temporaries(directory: &Path) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for entry in entries.filter_map(Result::ok).take(10_000) {
        let stale = entry.file_name().to_string_lossy().starts_with(".tmp-")
            && entry
                .metadata()
                .and_then(|metadata| metadata.modified())
                .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > hour));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// How a check used the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// There is no cache for this check.
    Off,
    /// The findings were the stored ones.
    Hit,
    /// The workspace was checked, and the cache updated.
    Miss,
    /// The workspace was checked, and the cache could not be written: why.
    Unwritable(String),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Off => f.write_str("off"),
            Outcome::Hit => f.write_str("hit"),
            Outcome::Miss => f.write_str("miss"),
            Outcome::Unwritable(reason) => write!(f, "unwritable ({reason})"),
        }
    }
}

/// What `charter check` reports from: the sources, every finding and what the
/// renderers read besides, either checked now or read from the cache.
#[derive(Debug)]
pub struct Checked {
    pub root: PathBuf,
    pub config: Config,
    pub sources: SourceMap,
    /// Every finding, sorted ([`crate::sort`]), until [`Checked::narrow`].
    pub findings: Vec<Diagnostic>,
    pub totals: Totals,
    /// The loaded workspace, unless the findings came from the cache.
    pub workspace: Option<Workspace>,
    pub outcome: Outcome,
    /// From the cache: for each finding, [`Scope::subject`].
    subjects: Vec<Option<FileId>>,
    /// From the cache: the rule descriptors.
    rules: Option<Vec<RuleDescriptor>>,
}

impl Checked {
    fn of(workspace: Workspace, findings: Vec<Diagnostic>, outcome: Outcome) -> Checked {
        Checked {
            root: workspace.root.clone(),
            config: workspace.config.clone(),
            sources: workspace.sources.clone(),
            findings,
            totals: crate::totals(&workspace),
            workspace: Some(workspace),
            outcome,
            subjects: Vec::new(),
            rules: None,
        }
    }

    /// Keeps only the findings that `paths` report ([`Scope`]).
    pub fn narrow(&mut self, paths: &[PathBuf]) {
        let scope = Scope::at(&self.root, self.config.file.is_some(), paths);
        if scope.is_everything() {
            return;
        }
        let config = self.config.file.as_ref().map(|file| file.path.as_path());
        let findings = std::mem::take(&mut self.findings);
        self.findings = findings
            .into_iter()
            .enumerate()
            .filter(|(index, finding)| {
                scope.reports_in(&self.sources, &self.root, config, finding, || match &self.workspace {
                    Some(workspace) => Scope::subject(workspace, finding),
                    None => self.subjects.get(*index).copied().flatten(),
                })
            })
            .map(|(_, finding)| finding)
            .collect();
        self.subjects.clear();
    }

    /// Every rule and built-in code, for SARIF and JUnit.
    pub fn rules(&self) -> Vec<RuleDescriptor> {
        match (&self.rules, &self.workspace) {
            (Some(rules), _) => rules.clone(),
            (None, Some(workspace)) => RuleDescriptor::of_workspace(workspace),
            (None, None) => Vec::new(),
        }
    }
}

/// Checks the workspace of `inputs` on `today` ([`crate::check`]), through `cache` when
/// there is one: the stored findings when they are for these inputs (unless `reuse` is
/// false), else a check whose files are parsed through the parse cache, after which
/// both caches are written. The findings are the same either way.
pub fn check(inputs: Inputs, today: jiff::civil::Date, cache: Option<&Cache>, reuse: bool) -> Checked {
    let Some(cache) = cache else {
        let workspace = Workspace::from_inputs_consumed(inputs, &crate::model::parse_afresh, &mut || {});
        let findings = crate::check(&workspace, today);
        return Checked::of(workspace, findings, Outcome::Off);
    };
    let key = findings::key(&inputs, today);
    if reuse && let Some(found) = findings::load(&cache.file("findings"), key, &inputs) {
        let stored = found.stored;
        return Checked {
            root: inputs.root,
            config: inputs.config,
            sources: found.sources,
            findings: stored.findings,
            totals: stored.totals,
            workspace: None,
            outcome: Outcome::Hit,
            subjects: stored.subjects.into_iter().map(findings::subject).collect(),
            rules: Some(stored.rules),
        };
    }
    let trees = trees::Trees::read(&cache.file("trees"));
    // The parse cache keeps what it needs of each tree (its encoding) as it parses, and
    // is written, its encodings freed, before resolution.
    let mut saved = Ok(());
    let workspace =
        Workspace::from_inputs_consumed(inputs, &|file, _, text| trees.parse(file, text), &mut || {
            saved = cache.prepare().and_then(|()| trees.save(&cache.file("trees")));
        });
    drop(trees);
    let found = crate::check(&workspace, today);
    let written = saved.and_then(|()| {
        if !findings::storable(&found) {
            return Ok(());
        }
        let stored = findings::Stored {
            key,
            used: findings::used_files(&workspace),
            sources: findings::source_names(&workspace.sources),
            subjects: found
                .iter()
                .map(|finding| Scope::subject(&workspace, finding).map(|file| file.0))
                .collect(),
            findings: found.clone(),
            totals: crate::totals(&workspace),
            rules: RuleDescriptor::of_workspace(&workspace),
        };
        findings::save(&cache.file("findings"), &stored)
    });
    let outcome = match written {
        Ok(()) => Outcome::Miss,
        Err(error) => Outcome::Unwritable(error.to_string()),
    };
    Checked::of(workspace, found, outcome)
}
