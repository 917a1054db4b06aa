//! Analysis: from the inputs of one generation to an immutable [`Snapshot`] that every
//! request reads — the loaded workspaces and the findings `charter check` reports for
//! them.
//!
//! An analysis runs in two halves. [`prepare`] loads every root (parsing only what
//! changed) and checks the document edited last on its own ([`Prepared::focused`]): its
//! diagnostics are published, and a snapshot is made available to requests, as soon as
//! that is done. [`Prepared::finish`] then checks the whole workspace, unless a newer
//! change has arrived meanwhile.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use charter::Diagnostic;
use charter::model::workspace::ParsedFile;
use charter::model::{Config, Workspace};
use charter::source::{FileId, SourceFile};

use crate::convert::{Encoding, Text};
use crate::parse_cache::ParseCache;
use crate::paths::PathMap;
use crate::state::Inputs;
use tower_lsp_server::ls_types as lsp;

/// One workspace root, loaded and checked.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub root: PathBuf,
    pub workspace: Arc<Workspace>,
    /// What `charter check` reports, sorted: for the whole workspace, or for only one
    /// file while the rest is being checked (see `checked`).
    pub findings: Vec<Diagnostic>,
    pub checked: Checked,
    /// The date the rules were evaluated on.
    pub today: jiff::civil::Date,
    /// Why `charter.toml` could not be read; the defaults were used.
    pub config_error: Option<String>,
    /// Carried over from an earlier generation because this one's analysis of the root
    /// failed: requests read it, and the diagnostics the client has for its files stay.
    pub stale: bool,
}

/// What the findings of an [`Analysis`] cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    Workspace,
    File(FileId),
    Nothing,
}

impl Analysis {
    /// The findings `charter check` reports in `file`: from the snapshot when it has them,
    /// else computed now (the rest of the workspace was still being checked).
    pub fn findings_in(&self, file: FileId) -> Vec<Diagnostic> {
        let known = match self.checked {
            Checked::Workspace => true,
            Checked::File(checked) => checked == file,
            Checked::Nothing => false,
        };
        if !known {
            return charter::check_file(&self.workspace, self.today, file);
        }
        self.findings.iter().filter(|finding| finding.span().file == file).cloned().collect()
    }
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

impl Snapshot {
    /// Whether every root's findings cover its whole workspace.
    pub fn complete(&self) -> bool {
        self.analyses.iter().all(|analysis| analysis.checked == Checked::Workspace)
    }

    /// This snapshot standing in for `generation`, whose analysis failed: every root is
    /// stale, so that requests are answered and published diagnostics stay.
    pub fn carried_over(&self, generation: u64) -> Snapshot {
        Snapshot {
            generation,
            encoding: self.encoding,
            paths: self.paths.clone(),
            analyses: self.analyses.iter().map(Analysis::carried_over).collect(),
            versions: self.versions.clone(),
            elapsed: std::time::Duration::ZERO,
            phases: Phases::default(),
        }
    }

    /// The analysis of `root`, carried over for a generation that failed to analyze it.
    fn kept(&self, root: &Path) -> Option<Analysis> {
        self.analyses.iter().find(|analysis| analysis.root == root).map(Analysis::carried_over)
    }
}

impl Analysis {
    fn carried_over(&self) -> Analysis {
        Analysis { stale: true, ..self.clone() }
    }
}

/// Where an analysis spent its time, summed over the roots.
#[derive(Clone, Copy, Debug, Default)]
pub struct Phases {
    /// Parsing what changed, resolving the portfolio and compiling the rules.
    pub load: std::time::Duration,
    /// Checking the focused document alone, before the whole workspace.
    pub focused: std::time::Duration,
    /// `charter::check`: model findings and the rules.
    pub check: std::time::Duration,
    pub files_parsed: usize,
    pub files_reused: usize,
    /// Declarations of the parsed files taken from their previous version.
    pub declarations_reused: usize,
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

/// One root loaded, its rules compiled, not yet checked.
struct Loaded {
    root: PathBuf,
    workspace: Arc<Workspace>,
    engine: Arc<charter::rules::Engine>,
    today: jiff::civil::Date,
    config_error: Option<String>,
    /// The findings of the focused document, when this root owns it.
    focused: Option<(FileId, Vec<Diagnostic>)>,
}

/// Every root of one generation's inputs, loaded: the first half of an analysis.
pub struct Prepared {
    generation: u64,
    encoding: Encoding,
    paths: PathMap,
    versions: BTreeMap<PathBuf, i32>,
    focus: Option<PathBuf>,
    roots: Vec<Loaded>,
    /// The previous analyses of roots whose loading failed.
    kept: Vec<Analysis>,
    started: std::time::Instant,
    phases: Phases,
}

/// The diagnostics of the document edited last, computed before the rest of the
/// workspace is checked so that the editor shows them first. They are exactly those the
/// full check reports for that document.
pub struct Focused {
    pub path: PathBuf,
    pub uri: lsp::Uri,
    pub version: Option<i32>,
    /// Identifies the findings, as [`crate::publish::Publisher`] records them.
    pub fingerprint: u64,
    pub diagnostics: Vec<lsp::Diagnostic>,
}

/// Loads every root of `inputs` (parsing only what changed) and compiles its rules. A
/// root whose loading panics does not take the server down: it is logged through
/// `failures`, and its analysis in `previous` (if any) is kept, so that its diagnostics
/// stay published.
pub fn prepare(
    inputs: &Inputs,
    encoding: Encoding,
    paths: &PathMap,
    previous: &Snapshot,
    caches: &mut HashMap<PathBuf, ParseCache>,
    failures: &mut Vec<String>,
) -> Prepared {
    caches.retain(|root, _| inputs.roots.iter().any(|input| &input.path == root));
    let started = std::time::Instant::now();
    let mut phases = Phases::default();
    let mut roots = Vec::with_capacity(inputs.roots.len());
    let mut kept = Vec::new();
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
            let texts = root.texts.clone();
            let loading = std::time::Instant::now();
            let workspace = cache.load(root.path.clone(), config, texts, &overlay);
            let engine = cache.engine(&workspace);
            phases.load += loading.elapsed();
            phases.files_parsed += cache.last_parsed;
            phases.files_reused += cache.last_reused;
            phases.declarations_reused += cache.last_declarations_reused;
            (workspace, engine)
        }));
        match outcome {
            Ok((workspace, engine)) => {
                let today = today(&workspace.config);
                roots.push(Loaded {
                    root: root.path.clone(),
                    workspace,
                    engine,
                    today,
                    config_error,
                    focused: None,
                });
            }
            Err(_) => {
                cache.clear();
                failures.push(failure(&root.path));
                kept.extend(previous.kept(&root.path));
            }
        }
    }
    Prepared {
        generation: inputs.generation,
        encoding,
        paths: paths.clone(),
        versions: inputs.versions.clone(),
        focus: inputs.focus.clone(),
        roots,
        kept,
        started,
        phases,
    }
}

fn failure(root: &Path) -> String {
    format!("analysis of `{}` failed unexpectedly; its previous diagnostics stay", root.display())
}

impl Prepared {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The findings of the focused document (the one edited last), from the root that
    /// owns it, or `None` when there is no focus or no root owns it.
    pub fn focused(&mut self) -> Option<Focused> {
        let path = self.focus.clone()?;
        let checking = std::time::Instant::now();
        let loaded = self.roots.iter_mut().find(|loaded| {
            let workspace = &loaded.workspace;
            workspace
                .sources
                .find(&path)
                .is_some_and(|id| workspace.files.iter().any(|parsed| parsed.file == id && !parsed.used))
        })?;
        let file = loaded.workspace.sources.find(&path)?;
        let findings = std::panic::catch_unwind(AssertUnwindSafe(|| {
            charter::check_file_with(&loaded.engine, &loaded.workspace, loaded.today, file)
        }))
        .ok()?;
        let sources = &loaded.workspace.sources;
        let diagnostics = findings
            .iter()
            .map(|finding| crate::convert::diagnostic(sources, &self.paths, finding, self.encoding))
            .collect();
        let fingerprint = crate::publish::fingerprint(&findings.iter().collect::<Vec<_>>(), None);
        loaded.focused = Some((file, findings));
        self.phases.focused = checking.elapsed();
        Some(Focused {
            uri: self.paths.uri(&path)?,
            version: self.versions.get(&path).copied(),
            fingerprint,
            diagnostics,
            path,
        })
    }

    /// A snapshot of the loaded workspaces before the whole check: requests need not wait
    /// for it, and the findings it has are those of the focused document.
    pub fn partial(&self) -> Snapshot {
        let analyses = self
            .roots
            .iter()
            .map(|loaded| {
                let (checked, findings) = match &loaded.focused {
                    Some((file, findings)) => (Checked::File(*file), findings.clone()),
                    None => (Checked::Nothing, Vec::new()),
                };
                Analysis {
                    root: loaded.root.clone(),
                    workspace: loaded.workspace.clone(),
                    findings,
                    checked,
                    today: loaded.today,
                    config_error: loaded.config_error.clone(),
                    stale: false,
                }
            })
            .chain(self.kept.iter().cloned())
            .collect();
        Snapshot {
            generation: self.generation,
            encoding: self.encoding,
            paths: self.paths.clone(),
            analyses,
            versions: self.versions.clone(),
            elapsed: self.started.elapsed(),
            phases: self.phases,
        }
    }

    /// Checks every root: the second half of an analysis. `None` when `cancelled` said to
    /// stop (a newer change arrived). A root whose check panics keeps its analysis in
    /// `previous`, as in [`prepare`].
    pub fn finish(
        self,
        previous: &Snapshot,
        caches: &mut HashMap<PathBuf, ParseCache>,
        failures: &mut Vec<String>,
        cancelled: charter::rules::Cancelled<'_>,
    ) -> Option<Snapshot> {
        let Prepared { generation, encoding, paths, versions, roots, kept, started, mut phases, .. } = self;
        let mut analyses = Vec::with_capacity(roots.len());
        for Loaded { root, workspace, engine, today, config_error, .. } in roots {
            let checking = std::time::Instant::now();
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                charter::check_until(&engine, &workspace, today, cancelled)
            }));
            phases.check += checking.elapsed();
            match outcome {
                Ok(None) => return None,
                Ok(Some(findings)) => analyses.push(Analysis {
                    root,
                    workspace,
                    findings,
                    checked: Checked::Workspace,
                    today,
                    config_error,
                    stale: false,
                }),
                Err(_) => {
                    if let Some(cache) = caches.get_mut(&root) {
                        cache.clear();
                    }
                    failures.push(failure(&root));
                    analyses.extend(previous.kept(&root));
                }
            }
        }
        analyses.extend(kept);
        Some(Snapshot { generation, encoding, paths, analyses, versions, elapsed: started.elapsed(), phases })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::RootInput;

    const PROJECTS: &str = "project alpha \"Alpha\" { status: active, sponsor: nobody }\n";
    const PEOPLE: &str = "person ana \"Ana\" { executive: true }\nproject beta \"Beta\" { status: active }\n";

    fn inputs(focus: &str) -> Inputs {
        let root = PathBuf::from("/w");
        let texts: Vec<(PathBuf, Arc<str>)> = vec![
            (root.join("people.charter"), Arc::from(PEOPLE)),
            (root.join("projects.charter"), Arc::from(PROJECTS)),
        ];
        Inputs {
            generation: 1,
            roots: vec![RootInput { path: root.clone(), config: Ok(Config::default()), texts }],
            documents: BTreeMap::new(),
            versions: BTreeMap::new(),
            focus: Some(root.join(focus)),
        }
    }

    /// Before the whole check, a partial snapshot answers for the focused file from what it
    /// computed, and for any other file by checking that file on demand: both agree with
    /// the whole check.
    #[test]
    fn a_partial_snapshot_knows_every_files_findings() {
        let mut caches = HashMap::new();
        let mut failures = Vec::new();
        let paths = PathMap::with_std_in(PathBuf::from("/std"));
        let mut prepared = prepare(
            &inputs("projects.charter"),
            Encoding::default(),
            &paths,
            &Snapshot::default(),
            &mut caches,
            &mut failures,
        );
        let focused = prepared.focused().expect("the focused file is in the workspace");
        assert!(!focused.diagnostics.is_empty());
        let partial = prepared.partial();
        assert!(!partial.complete());
        let complete = prepared.finish(&Snapshot::default(), &mut caches, &mut failures, &|| false).unwrap();
        assert!(complete.complete() && failures.is_empty());
        let [partial, complete] = [&partial, &complete].map(|snapshot| snapshot.analyses.first().unwrap());
        for name in ["people.charter", "projects.charter"] {
            let file = complete.workspace.sources.find(Path::new("/w").join(name).as_path()).unwrap();
            let expected: Vec<String> =
                complete.findings_in(file).iter().map(|finding| format!("{finding:?}")).collect();
            let actual: Vec<String> =
                partial.findings_in(file).iter().map(|finding| format!("{finding:?}")).collect();
            assert!(!expected.is_empty(), "{name} has findings");
            assert_eq!(actual, expected, "{name}");
        }
    }

    /// A generation whose analysis failed stands in with the previous analyses, stale:
    /// requests still find every file, and the publisher neither clears nor resends the
    /// diagnostics the client has.
    #[test]
    fn a_failed_analysis_keeps_the_published_diagnostics() {
        let mut caches = HashMap::new();
        let mut failures = Vec::new();
        let paths = PathMap::with_std_in(PathBuf::from("/std"));
        let none = Snapshot::default();
        let prepared = prepare(
            &inputs("projects.charter"),
            Encoding::default(),
            &paths,
            &none,
            &mut caches,
            &mut failures,
        );
        let complete = prepared.finish(&none, &mut caches, &mut failures, &|| false).unwrap();
        let mut publisher = crate::publish::Publisher::default();
        let published = publisher.changes(&complete);
        assert!(published.iter().any(|(_, diagnostics, _)| !diagnostics.is_empty()));
        let failed = complete.carried_over(2);
        assert_eq!(failed.generation, 2);
        assert!(failed.file(Path::new("/w/projects.charter")).is_some());
        assert!(publisher.changes(&failed).is_empty(), "nothing is wiped or resent");
        // Without an analysis to keep, the files are gone and their diagnostics cleared.
        let gone = Snapshot { generation: 3, ..Snapshot::default() };
        let cleared = publisher.changes(&gone);
        assert!(!cleared.is_empty() && cleared.iter().all(|(_, diagnostics, _)| diagnostics.is_empty()));
    }
}
