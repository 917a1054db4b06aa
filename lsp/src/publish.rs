//! Which diagnostics to send after an analysis: every file of every workspace gets its
//! findings, but only files whose diagnostics (or document version) changed since the
//! last publication are sent again, and files that left the workspace are cleared.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use std::hash::{Hash, Hasher};

use charter::Diagnostic;
use charter::source::FileId;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::ls_types::Uri;

use crate::analysis::{Analysis, Snapshot};
use crate::convert;

#[derive(Default, Debug)]
pub struct Publisher {
    /// Per file: its URI, the version and a fingerprint of what was last published.
    published: HashMap<PathBuf, (Uri, Option<i32>, u64)>,
}

/// The findings of one file, unconverted.
struct FileFindings<'a> {
    uri: Uri,
    analysis: &'a Analysis,
    findings: Vec<&'a Diagnostic>,
    config_error: Option<&'a str>,
}

impl Publisher {
    /// Records a publication of one file made ahead of the others (the focused document);
    /// false when the client already has exactly these diagnostics for that version.
    pub fn record(&mut self, path: &Path, uri: &Uri, version: Option<i32>, fingerprint: u64) -> bool {
        let unchanged = self.published.get(path).is_some_and(|(_, published_version, published)| {
            *published_version == version && *published == fingerprint
        });
        if !unchanged {
            self.published.insert(path.to_path_buf(), (uri.clone(), version, fingerprint));
        }
        !unchanged
    }

    /// The publications that bring the client up to date with `snapshot`. Only files
    /// whose findings or version changed are converted and sent.
    ///
    /// The files of a stale analysis (one whose root failed to analyze) are left as the
    /// client has them: a failed analysis never wipes published diagnostics.
    pub fn changes(&mut self, snapshot: &Snapshot) -> Vec<(Uri, Vec<lsp::Diagnostic>, Option<i32>)> {
        let current = findings_by_file(snapshot);
        let stale: Vec<&Path> = snapshot
            .analyses
            .iter()
            .filter(|analysis| analysis.stale)
            .map(|analysis| analysis.root.as_path())
            .collect();
        let mut changes = Vec::new();
        let gone: Vec<PathBuf> = self
            .published
            .keys()
            .filter(|path| !current.contains_key(*path) && !stale.iter().any(|root| path.starts_with(root)))
            .cloned()
            .collect();
        for path in gone {
            if let Some((uri, _, fingerprint)) = self.published.remove(&path)
                && fingerprint != EMPTY
            {
                changes.push((uri, Vec::new(), None));
            }
        }
        for (path, file) in current {
            let version = snapshot.versions.get(&path).copied();
            let fingerprint = fingerprint(&file.findings, file.config_error);
            let unchanged = self.published.get(&path).is_some_and(|(_, published_version, published)| {
                *published_version == version && *published == fingerprint
            });
            if unchanged {
                continue;
            }
            let sources = &file.analysis.workspace.sources;
            let mut diagnostics: Vec<lsp::Diagnostic> = file
                .findings
                .iter()
                .map(|finding| convert::diagnostic(sources, &snapshot.paths, finding, snapshot.encoding))
                .collect();
            if let Some(reason) = file.config_error {
                diagnostics.push(config_diagnostic(&path, reason));
            }
            changes.push((file.uri.clone(), diagnostics, version));
            self.published.insert(path, (file.uri, version, fingerprint));
        }
        // Edited documents first: their diagnostics are the ones the user waits for.
        changes.sort_by_key(|(_, _, version)| version.is_none());
        changes
    }
}

/// The fingerprint of no findings.
const EMPTY: u64 = 0;

/// Identifies what a file's diagnostics say, so that unchanged ones are not sent again.
pub fn fingerprint(findings: &[&Diagnostic], config_error: Option<&str>) -> u64 {
    if findings.is_empty() && config_error.is_none() {
        return EMPTY;
    }
    let mut hasher = rustc_hash::FxHasher::default();
    config_error.hash(&mut hasher);
    for finding in findings {
        finding.code.as_str().hash(&mut hasher);
        finding.severity.hash(&mut hasher);
        finding.message.hash(&mut hasher);
        finding.help.hash(&mut hasher);
        finding.url.hash(&mut hasher);
        for label in std::iter::once(&finding.primary).chain(&finding.secondary) {
            (label.span.file, label.span.start, label.span.end).hash(&mut hasher);
            label.message.hash(&mut hasher);
        }
    }
    hasher.finish().max(1)
}

/// Every file's findings in the snapshot (files without findings map to none).
fn findings_by_file(snapshot: &Snapshot) -> BTreeMap<PathBuf, FileFindings<'_>> {
    let mut result: BTreeMap<PathBuf, FileFindings<'_>> = BTreeMap::new();
    for analysis in snapshot.analyses.iter().filter(|analysis| !analysis.stale) {
        let workspace = &analysis.workspace;
        let mut by_file: HashMap<FileId, Vec<&Diagnostic>> = HashMap::new();
        for finding in &analysis.findings {
            by_file.entry(finding.span().file).or_default().push(finding);
        }
        for parsed in workspace.files.iter().filter(|parsed| !parsed.std) {
            let Some(source) = workspace.sources.get(parsed.file) else {
                continue;
            };
            // A file `use`d by several workspaces is reported by the one that owns it.
            if parsed.used && result.contains_key(&source.path) {
                continue;
            }
            let Some(uri) = snapshot.paths.uri(&source.path) else {
                continue;
            };
            let findings = by_file.remove(&parsed.file).unwrap_or_default();
            result.insert(source.path.clone(), FileFindings { uri, analysis, findings, config_error: None });
        }
        // `charter.toml` is a source of the workspace too: its `charter::config` findings.
        if let Some(config) = &workspace.config.file
            && let (Some(id), Some(uri)) =
                (workspace.sources.find(&config.path), snapshot.paths.uri(&config.path))
        {
            let findings = by_file.remove(&id).unwrap_or_default();
            result.insert(config.path.clone(), FileFindings { uri, analysis, findings, config_error: None });
        }
        if let Some(reason) = &analysis.config_error {
            let path = analysis.root.join("charter.toml");
            if let Some(uri) = snapshot.paths.uri(&path) {
                result.insert(
                    path,
                    FileFindings { uri, analysis, findings: Vec::new(), config_error: Some(reason) },
                );
            }
        }
    }
    result
}

fn config_diagnostic(path: &Path, reason: &str) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: lsp::Range::default(),
        severity: Some(lsp::DiagnosticSeverity::ERROR),
        code: Some(lsp::NumberOrString::String("charter::config".to_string())),
        source: Some("charter".to_string()),
        message: format!(
            "invalid `{}`: {reason}\nhelp: the defaults are used until it is fixed",
            path.display()
        ),
        ..lsp::Diagnostic::default()
    }
}
