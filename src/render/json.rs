//! `json`: the stable, versioned machine-readable output of LANGUAGE.md §8.

use serde::{Deserialize, Serialize};

use super::{Counts, locate};
use crate::diagnostic::Diagnostic;
use crate::source::{Position, SourceMap, Span};

/// The version of every JSON document Charter writes (`check`, `export`, `report`).
pub const VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Report<'a> {
    pub version: u32,
    pub summary: Summary,
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub entities: usize,
    pub rules: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'a str,
    pub severity: &'static str,
    pub message: &'a str,
    pub file: String,
    pub span: JsonSpan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'a str>,
    pub related: Vec<Related<'a>>,
}

#[derive(Serialize)]
pub struct JsonSpan {
    pub start: Position,
    pub end: Position,
}

#[derive(Serialize)]
pub struct Related<'a> {
    pub message: &'a str,
    pub file: String,
    pub span: JsonSpan,
}

/// What the summary counts besides the findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub files: usize,
    pub entities: usize,
    pub rules: usize,
}

pub fn span(sources: &SourceMap, span: Span) -> (String, JsonSpan) {
    let (file, start, end) = locate(sources, span);
    (file, JsonSpan { start, end })
}

pub fn report<'a>(sources: &SourceMap, diagnostics: &'a [Diagnostic], totals: Totals) -> Report<'a> {
    let counts = Counts::of(diagnostics);
    Report {
        version: VERSION,
        summary: Summary {
            files: totals.files,
            entities: totals.entities,
            rules: totals.rules,
            errors: counts.errors,
            warnings: counts.warnings,
            infos: counts.infos,
        },
        diagnostics: diagnostics
            .iter()
            .map(|diagnostic| {
                let (file, primary) = span(sources, diagnostic.span());
                JsonDiagnostic {
                    code: diagnostic.code.as_str(),
                    severity: diagnostic.severity.as_str(),
                    message: &diagnostic.message,
                    file,
                    span: primary,
                    entity: diagnostic.entity.as_deref(),
                    rule: diagnostic.code.rule(),
                    help: diagnostic.help.as_deref(),
                    url: diagnostic.url.as_deref(),
                    related: diagnostic
                        .secondary
                        .iter()
                        .map(|label| {
                            let (file, location) = span(sources, label.span);
                            Related { message: label.message.as_deref().unwrap_or(""), file, span: location }
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

/// [`render`] written to `out` as it is serialized, so that the whole text is never held
/// (4 MiB at 10,000 projects).
pub fn write(
    out: &mut impl std::io::Write,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    totals: Totals,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report(sources, diagnostics, totals))
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// The report as pretty-printed JSON, with a final newline.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], totals: Totals) -> String {
    let mut text = serde_json::to_string_pretty(&report(sources, diagnostics, totals))
        .unwrap_or_else(|error| format!("{{\"version\": {VERSION}, \"error\": \"{error}\"}}"));
    text.push('\n');
    text
}
