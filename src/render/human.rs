//! `human`: rustc-style reports drawn by miette, with the source lines and labels.
//!
//! miette's default `SourceCode` for strings rescans the text from its start for every
//! report; [`IndexedSource`] answers from the file's line index instead, so thousands of
//! reports over megabytes of source render in milliseconds.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use std::fmt;

use super::{Counts, summary_phrase};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, SourceMap};

/// Renders every finding, then a summary line.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let handler = handler(color);
    let mut out = String::with_capacity(diagnostics.len() * 400);
    for diagnostic in diagnostics {
        render_one(&handler, sources, diagnostic, &mut out);
    }
    let counts = Counts::of(diagnostics);
    if !diagnostics.is_empty() {
        out.push_str(&format!("{}\n", summary_phrase(counts)));
    }
    out
}

/// Renders one finding as miette draws it.
pub fn render_diagnostic(sources: &SourceMap, diagnostic: &Diagnostic, color: bool) -> String {
    let mut out = String::new();
    render_one(&handler(color), sources, diagnostic, &mut out);
    out
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false)
}

fn render_one(
    handler: &GraphicalReportHandler,
    sources: &SourceMap,
    diagnostic: &Diagnostic,
    out: &mut String,
) {
    let report = Report::new(sources, diagnostic);
    if handler.render_report(out, &report).is_err() {
        out.push_str(&format!("{}[{}]: {}\n", diagnostic.severity, diagnostic.code, diagnostic.message));
    }
    out.push('\n');
}

/// A source file that answers miette from its line index.
struct IndexedSource<'a> {
    file: &'a SourceFile,
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // Lone `\r`s read as `\n`: miette splits lines itself and knows only `\n` and `\r\n`.
        let text = self.file.display_text();
        let lines = &self.file.lines;
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        if before == 0 {
            // miette asks for the primary span alone to print `file:line:column` in the
            // header; answer with the span itself and its column in characters.
            let position = self.file.position(start);
            let data = text.as_bytes().get(start..end).unwrap_or_default();
            return Ok(Box::new(MietteSpanContents::new_named(
                self.file.name.clone(),
                data,
                *span,
                position.line as usize - 1,
                position.column as usize - 1,
                lines.line_of(end) - lines.line_of(start),
            )));
        }
        let first_line = lines.line_of(start).saturating_sub(before);
        let last_line = (lines.line_of(end.saturating_sub(1).max(start)) + after)
            .min(lines.line_count().saturating_sub(1));
        let data_start = lines.line_start(first_line);
        let data_end = self.file.line_content_end(last_line);
        let data = text.as_bytes().get(data_start..data_end.max(data_start)).unwrap_or_default();
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            data,
            (data_start, data.len()).into(),
            first_line,
            0,
            last_line - first_line,
        )))
    }
}

/// One finding, as miette sees it: the labels in one file, and the labels in other files
/// as related reports.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<IndexedSource<'a>>,
    labels: Vec<&'a Label>,
    related: Vec<Related<'a>>,
}

struct Related<'a> {
    label: &'a Label,
    source: Option<IndexedSource<'a>>,
}

impl<'a> Report<'a> {
    fn new(sources: &'a SourceMap, diagnostic: &'a Diagnostic) -> Report<'a> {
        let file: FileId = diagnostic.primary.span.file;
        let mut labels = vec![&diagnostic.primary];
        let mut related = Vec::new();
        for label in &diagnostic.secondary {
            if label.span.file == file {
                labels.push(label);
            } else {
                related.push(Related {
                    label,
                    source: sources.get(label.span.file).map(|file| IndexedSource { file }),
                });
            }
        }
        Report { diagnostic, source: sources.get(file).map(|file| IndexedSource { file }), labels, related }
    }
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let span = (label.span.start as usize, label.span.len());
    if primary {
        LabeledSpan::new_primary_with_span(label.message.clone(), span)
    } else {
        LabeledSpan::new_with_span(label.message.clone(), span)
    }
}

fn severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(severity(self.diagnostic.severity))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.url.as_ref().map(|url| Box::new(url) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.iter().enumerate().map(|(index, label)| labeled(label, index == 0))))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|related| related as &dyn miette::Diagnostic)))
    }
}

impl fmt::Debug for Related<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label.message.as_deref().unwrap_or("see also"))
    }
}

impl fmt::Display for Related<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label.message.as_deref().unwrap_or("see also"))
    }
}

impl std::error::Error for Related<'_> {}

impl miette::Diagnostic for Related<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(std::iter::once(labeled(&Label::bare(self.label.span), true))))
    }
}
