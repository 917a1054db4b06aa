//! `gitlab`: a GitLab Code Quality report, the JSON array GitLab reads from
//! `artifacts:reports:codequality` and shows in merge requests.
//!
//! One object per finding: `description` (the message, with the primary label and the
//! help), `check_name` (the rule or code), `fingerprint` (Charter's baseline fingerprint,
//! which survives unrelated edits, so GitLab tells new findings from old ones),
//! `severity` and `location` (`path` from the repository root, `lines.begin`). Errors are
//! `major`, warnings `minor` and infos `info`, as other linters' GitLab reports map them,
//! so `critical` and `blocker` stay free for a rule a team wants to stand out.

use serde::Serialize;

use super::baseline::fingerprints;
use super::{locate, repository_path};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// The report of `diagnostics`, paths prefixed with `prefix` (the workspace root's path
/// from the repository root).
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], prefix: &str) -> String {
    let fingerprints = fingerprints(sources, diagnostics);
    let issues: Vec<Issue> = diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(diagnostic, fingerprint)| {
            let (file, start, _) = locate(sources, diagnostic.span());
            let mut description = diagnostic.message.clone();
            if let Some(label) = &diagnostic.primary.message {
                description.push_str(&format!(" ({label})"));
            }
            if let Some(help) = &diagnostic.help {
                description.push_str(&format!("; help: {help}"));
            }
            Issue {
                description,
                check_name: diagnostic.code.as_str().to_string(),
                fingerprint,
                severity: severity(diagnostic.severity),
                location: Location {
                    path: repository_path(prefix, &file),
                    lines: Lines { begin: start.line },
                },
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string());
    out.push('\n');
    out
}

/// GitLab's severity of a finding.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}
