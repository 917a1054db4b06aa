//! Analysis: from the inputs of one generation to an immutable [`Snapshot`] that every
//! request reads — the loaded workspaces and the findings `charter check` reports for
//! them.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use charter::Diagnostic;
use charter::model::workspace::ParsedFile;
use charter::model::{Config, Workspace};
use charter::source::{FileId, SourceFile};

use crate::convert::{Encoding, Text};
use crate::parse_cache::ParseCache;
use crate::paths::PathMap;
use crate::state::Inputs;

/// One workspace root, loaded and checked.
#[derive(Debug)]
pub struct Analysis {
    pub root: PathBuf,
    pub workspace: Workspace,
    /// Exactly what `charter check` reports, sorted.
    pub findings: Vec<Diagnostic>,
    /// The date the rules were evaluated on.
    pub today: jiff::civil::Date,
    /// Why `charter.toml` could not be read; the defaults were used.
    pub config_error: Option<String>,
}

/// Everything a request reads, computed from the inputs of one generation.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub generation: u64,
    pub encoding: Encoding,
    pub paths: PathMap,
    pub analyses: Vec<Analysis>,
    /// The version of every open document at this generation.
    pub versions: BTreeMap<PathBuf, i32>,
    /// How long the analysis took, for logs and benchmarks.
    pub elapsed: std::time::Duration,
    pub phases: Phases,
}

/// Where an analysis spent its time, summed over the roots.
#[derive(Clone, Copy, Debug, Default)]
pub struct Phases {
    /// Parsing what changed and resolving the portfolio.
    pub load: std::time::Duration,
    /// `charter::check`: model findings and the rules.
    pub check: std::time::Duration,
    pub files_parsed: usize,
    pub files_reused: usize,
}

/// One file of a snapshot, with the workspace it belongs to.
#[derive(Clone, Copy)]
pub struct FileRef<'a> {
    pub analysis: &'a Analysis,
    pub id: FileId,
    pub source: &'a SourceFile,
    pub parsed: &'a ParsedFile,
}

impl<'a> FileRef<'a> {
    pub fn text(&self) -> Text<'a> {
        Text::of(self.source)
    }

    pub fn workspace(&self) -> &'a Workspace {
        &self.analysis.workspace
    }
}

impl Snapshot {
    /// The file at `path`, in the workspace that owns it (a workspace file before a file
    /// another workspace only `use`s).
    pub fn file(&self, path: &Path) -> Option<FileRef<'_>> {
        let mut fallback = None;
        for analysis in &self.analyses {
            let Some(id) = analysis.workspace.sources.find(path) else {
                continue;
            };
            let Some(parsed) = analysis.workspace.files.iter().find(|parsed| parsed.file == id) else {
                continue;
            };
            let Some(source) = analysis.workspace.sources.get(id) else {
                continue;
            };
            let found = FileRef { analysis, id, source, parsed };
            if !parsed.used {
                return Some(found);
            }
            fallback.get_or_insert(found);
        }
        fallback
    }
}

/// The date rules are checked on: `charter.toml`'s `today`, else the system date.
pub fn today(config: &Config) -> jiff::civil::Date {
    config.check.today.unwrap_or_else(|| jiff::Zoned::now().date())
}

/// Loads and checks every root of `inputs`. A root whose analysis panics is left out
/// (and logged through `failures`) rather than taking the server down.
pub fn analyze(
    inputs: &Inputs,
    encoding: Encoding,
    paths: &PathMap,
    caches: &mut HashMap<PathBuf, ParseCache>,
    failures: &mut Vec<String>,
) -> Snapshot {
    caches.retain(|root, _| inputs.roots.iter().any(|input| &input.path == root));
    let started = std::time::Instant::now();
    let mut phases = Phases::default();
    let mut analyses = Vec::with_capacity(inputs.roots.len());
    for root in &inputs.roots {
        if root.texts.is_empty() {
            continue;
        }
        let (config, config_error) = match &root.config {
            Ok(config) => (config.clone(), None),
            Err(reason) => (Config::default(), Some(reason.clone())),
        };
        let documents = &inputs.documents;
        let cache = caches.entry(root.path.clone()).or_default();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let overlay = |path: &Path| documents.get(path).map(|text| text.to_string());
            let texts: Vec<(PathBuf, String)> =
                root.texts.iter().map(|(path, text)| (path.clone(), text.to_string())).collect();
            let loading = std::time::Instant::now();
            let workspace = cache.load(root.path.clone(), config, texts, &overlay);
            phases.load += loading.elapsed();
            phases.files_parsed += cache.last_parsed;
            phases.files_reused += cache.last_reused;
            let checking = std::time::Instant::now();
            let today = today(&workspace.config);
            let findings = charter::check(&workspace, today);
            phases.check += checking.elapsed();
            (workspace, findings, today)
        }));
        match outcome {
            Ok((workspace, findings, today)) => {
                analyses.push(Analysis { root: root.path.clone(), workspace, findings, today, config_error })
            }
            Err(_) => {
                cache.clear();
                failures.push(format!(
                    "analysis of `{}` failed unexpectedly; its diagnostics are not shown",
                    root.path.display()
                ));
            }
        }
    }
    Snapshot {
        generation: inputs.generation,
        encoding,
        paths: paths.clone(),
        analyses,
        versions: inputs.versions.clone(),
        elapsed: started.elapsed(),
        phases,
    }
}
