//! `human`: rustc-style reports drawn by miette, with the source lines and labels, and
//! one closing summary line. A rule violation's label on the rule's `require` (its
//! source) is drawn only with `--verbose`; a report whose snippet would repeat the one
//! just drawn points at it instead (see [`render_with`]).
//!
//! miette's default `SourceCode` for strings rescans the text from its start for every
//! report; [`IndexedSource`] answers from the file's line index instead, so thousands of
//! reports over megabytes of source render in milliseconds.
//!
//! miette pads labels with `format!` widths, which panic past 65,535 columns. A report
//! whose lines are longer than [`LONG_LINE`] bytes is therefore drawn from a
//! [`ClippedSource`]: its lines, each cut to a window of [`WINDOW`] bytes around its
//! labels with `…` where text was left out, and its labels moved to match.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use std::fmt;

use super::closing_summary;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, SourceMap};

/// What `charter check --format human` shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub color: bool,
    /// Also show the rule's source (the `required by` label) of every rule violation.
    pub verbose: bool,
    /// Show only errors; the summary still counts every finding.
    pub quiet: bool,
}

/// Renders every finding without the rules' sources, then a summary line.
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    render_with(sources, diagnostics, Options { color, ..Options::default() })
}

/// Renders the findings `options` selects, then one summary line counting all of them.
///
/// A finding whose snippet would be the one just drawn (the same labels at the same
/// places) is drawn without it, with a line pointing at the snippet above: two rules
/// flagging the same field, or one rule failing twice on one entity, show the source once.
pub fn render_with(sources: &SourceMap, diagnostics: &[Diagnostic], options: Options) -> String {
    let handler = handler(options.color);
    let mut out = String::with_capacity(diagnostics.len() * 400);
    let mut previous: Option<Vec<&Label>> = None;
    let mut hidden = 0;
    for diagnostic in diagnostics {
        if options.quiet && diagnostic.severity != Severity::Error {
            hidden += 1;
            continue;
        }
        let labels = shown_labels(diagnostic, options.verbose);
        let collapsed = previous.as_ref().is_some_and(|previous| same_snippet(previous, &labels));
        let report = Report::new(sources, diagnostic, &labels, collapsed);
        draw(&handler, &report, &mut out);
        previous = Some(labels);
    }
    out.push_str(&closing_summary(diagnostics, hidden));
    out
}

/// Renders one finding as miette draws it, with every label.
pub fn render_diagnostic(sources: &SourceMap, diagnostic: &Diagnostic, color: bool) -> String {
    let mut out = String::new();
    let labels = shown_labels(diagnostic, true);
    draw(&handler(color), &Report::new(sources, diagnostic, &labels, false), &mut out);
    out
}

/// The primary label, then the secondary labels a report shows: all of them with
/// `verbose`, else all but the rule's source, which `charter explain RULE` prints.
fn shown_labels(diagnostic: &Diagnostic, verbose: bool) -> Vec<&Label> {
    let rule_source = diagnostic.code.rule().map(crate::rules::required_by);
    std::iter::once(&diagnostic.primary)
        .chain(diagnostic.secondary.iter().filter(|label| {
            verbose || rule_source.is_none() || label.message.as_deref() != rule_source.as_deref()
        }))
        .collect()
}

/// Whether two reports would draw the same snippets: the same labels at the same places.
fn same_snippet(previous: &[&Label], labels: &[&Label]) -> bool {
    previous.len() == labels.len()
        && previous
            .iter()
            .zip(labels)
            .all(|(before, label)| before.span.same_place(&label.span) && before.message == label.message)
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false)
}

fn draw(handler: &GraphicalReportHandler, report: &Report<'_>, out: &mut String) {
    if handler.render_report(out, report).is_err() {
        let diagnostic = report.diagnostic;
        out.push_str(&format!("{}[{}]: {}\n", diagnostic.severity, diagnostic.code, diagnostic.message));
    }
    out.push('\n');
}

/// Lines up to this many bytes are shown whole.
const LONG_LINE: usize = 400;

/// How much of a longer line is shown, in bytes, around its labels.
const WINDOW: usize = 200;

/// The lines of context miette shows around a label (its default).
const CONTEXT: usize = 1;

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
            let data = text.as_bytes().get(start..end).unwrap_or_default();
            return Ok(header(self.file, data, *span, start, lines.line_of(end) - lines.line_of(start)));
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

/// What miette asks for the header's `file:line:column`: the span's own bytes, placed at
/// `origin`, a byte offset of the file, with the column in characters.
fn header<'a>(
    file: &SourceFile,
    data: &'a [u8],
    span: SourceSpan,
    origin: usize,
    line_count: usize,
) -> Box<dyn SpanContents<'a> + 'a> {
    let position = file.position(origin);
    Box::new(MietteSpanContents::new_named(
        file.name.clone(),
        data,
        span,
        position.line as usize - 1,
        position.column as usize - 1,
        line_count,
    ))
}

/// One finding, as miette sees it: the labels in one file, and the labels in other files
/// as related reports.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    /// For a report drawn without its snippet: where the snippet above points.
    above: Option<String>,
    source: Option<Source<'a>>,
    /// The primary label first, with offsets into `source`.
    labels: Vec<LabeledSpan>,
    related: Vec<Related<'a>>,
}

struct Related<'a> {
    label: &'a Label,
    source: Option<Source<'a>>,
    labels: Vec<LabeledSpan>,
}

impl<'a> Report<'a> {
    /// The report of `diagnostic` showing `shown` (the primary label first); `collapsed`
    /// leaves the snippets out for a line naming the place.
    fn new(
        sources: &'a SourceMap,
        diagnostic: &'a Diagnostic,
        shown: &[&'a Label],
        collapsed: bool,
    ) -> Report<'a> {
        if collapsed {
            let (file, start, _) = super::locate(sources, diagnostic.span());
            let above = format!("at {file}:{}:{}, the snippet above", start.line, start.column);
            return Report {
                diagnostic,
                above: Some(above),
                source: None,
                labels: Vec::new(),
                related: Vec::new(),
            };
        }
        let file: FileId = diagnostic.primary.span.file;
        let mut labels = Vec::new();
        let mut related = Vec::new();
        for label in shown {
            if label.span.file == file {
                labels.push(*label);
            } else {
                let bare = Label::bare(label.span);
                let (source, labels) = source(sources.get(label.span.file), &[&bare]);
                related.push(Related { label, source, labels });
            }
        }
        let (source, labels) = source(sources.get(file), &labels);
        Report { diagnostic, above: None, source, labels, related }
    }
}

/// What miette reads a report's source lines from, and the labels with offsets into it.
fn source<'a>(file: Option<&'a SourceFile>, labels: &[&Label]) -> (Option<Source<'a>>, Vec<LabeledSpan>) {
    let Some(file) = file else {
        return (None, Vec::new());
    };
    let spans: Vec<(usize, usize)> = labels
        .iter()
        .map(|label| {
            let start = (label.span.start as usize).min(file.text.len());
            (start, (label.span.end as usize).clamp(start, file.text.len()))
        })
        .collect();
    let clipped = ClippedSource::new(file, &spans);
    let labeled = labels
        .iter()
        .zip(&spans)
        .enumerate()
        .map(|(index, (label, (start, end)))| {
            let (start, end) = match &clipped {
                Some(clipped) => (clipped.place(*start), clipped.place(*end)),
                None => (*start, *end),
            };
            let span = (start, end.saturating_sub(start));
            if index == 0 {
                LabeledSpan::new_primary_with_span(label.message.clone(), span)
            } else {
                LabeledSpan::new_with_span(label.message.clone(), span)
            }
        })
        .collect();
    let source = match clipped {
        Some(clipped) => Source::Clipped(clipped),
        None => Source::Indexed(IndexedSource { file }),
    };
    (Some(source), labeled)
}

enum Source<'a> {
    Indexed(IndexedSource<'a>),
    Clipped(ClippedSource<'a>),
}

impl Source<'_> {
    fn code(&self) -> &dyn SourceCode {
        match self {
            Source::Indexed(source) => source,
            Source::Clipped(source) => source,
        }
    }
}

/// The lines a report shows — each label's lines with [`CONTEXT`] lines around them —
/// with every line longer than [`LONG_LINE`] cut to a window. Lines between labels that
/// are far apart are left out: miette draws such labels as separate snippets.
struct ClippedSource<'a> {
    file: &'a SourceFile,
    /// The shown lines, each ending in `\n`.
    text: String,
    lines: Vec<ShownLine>,
}

/// One shown line: its number in the file (0-based), where it starts in the clipped text,
/// and which bytes of the file's line it keeps (`kept`, at `at` in the clipped text).
struct ShownLine {
    line: usize,
    start: usize,
    kept: std::ops::Range<usize>,
    at: usize,
}

impl<'a> ClippedSource<'a> {
    /// `None` when every line the report shows is short: miette reads the file itself.
    fn new(file: &'a SourceFile, spans: &[(usize, usize)]) -> Option<ClippedSource<'a>> {
        let lines = &file.lines;
        let last = lines.line_count().saturating_sub(1);
        let mut blocks: Vec<(usize, usize)> = spans
            .iter()
            .map(|(start, end)| {
                (lines.line_of(*start).saturating_sub(CONTEXT), (lines.line_of(*end) + CONTEXT).min(last))
            })
            .collect();
        blocks.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(blocks.len());
        for (first, end) in blocks {
            match merged.last_mut() {
                Some(previous) if first <= previous.1 + 1 => previous.1 = previous.1.max(end),
                _ => merged.push((first, end)),
            }
        }
        let content = |line: usize| -> std::ops::Range<usize> {
            let start = lines.line_start(line);
            let end = if line < last { lines.line_start(line + 1) } else { file.text.len() };
            let text = file.text.get(start..end.max(start)).unwrap_or_default();
            start..start + text.trim_end_matches(['\n', '\r']).len()
        };
        let shown = || merged.iter().flat_map(|(first, end)| *first..=*end);
        if shown().all(|line| content(line).len() <= LONG_LINE) {
            return None;
        }
        let mut clipped = ClippedSource { file, text: String::new(), lines: Vec::new() };
        for line in shown() {
            let range = content(line);
            let kept = if range.len() <= LONG_LINE {
                range.clone()
            } else {
                window(&file.text, range.clone(), spans)
            };
            let start = clipped.text.len();
            if kept.start > range.start {
                clipped.text.push('…');
            }
            let at = clipped.text.len();
            clipped.text.push_str(file.text.get(kept.clone()).unwrap_or_default());
            if kept.end < range.end {
                clipped.text.push('…');
            }
            clipped.text.push('\n');
            clipped.lines.push(ShownLine { line, start, kept, at });
        }
        Some(clipped)
    }

    /// Where an offset of the file lands in the clipped text: text left out before the
    /// window lands on the window's start, text after it on the window's end.
    fn place(&self, offset: usize) -> usize {
        let line = self.file.lines.line_of(offset);
        let index = self.lines.partition_point(|shown| shown.line < line);
        let Some(shown) = self.lines.get(index).or(self.lines.last()) else {
            return 0;
        };
        shown.at + offset.clamp(shown.kept.start, shown.kept.end) - shown.kept.start
    }

    /// The file offset of an offset of the clipped text (a `…` maps to the nearest kept
    /// byte), for the `file:line:column` of the header.
    fn origin(&self, offset: usize) -> usize {
        let Some(shown) = self.lines.get(self.index_of(offset)) else {
            return 0;
        };
        let within = offset.saturating_sub(shown.at).min(shown.kept.len());
        shown.kept.start + within
    }

    /// The index in `lines` of the shown line holding an offset of the clipped text.
    fn index_of(&self, offset: usize) -> usize {
        self.lines.partition_point(|shown| shown.start <= offset).saturating_sub(1)
    }

    /// Whether shown lines `index` and `index + 1` follow each other in the file.
    fn adjacent(&self, index: usize) -> bool {
        match (self.lines.get(index), self.lines.get(index + 1)) {
            (Some(this), Some(next)) => this.line + 1 == next.line,
            _ => false,
        }
    }
}

/// The bytes of the long line `range` to keep: [`WINDOW`] bytes centred on the labels that
/// start or end on it (from the first label on when they do not fit), or its start when
/// no label touches it; always on character boundaries.
fn window(text: &str, range: std::ops::Range<usize>, spans: &[(usize, usize)]) -> std::ops::Range<usize> {
    let points: Vec<usize> = spans
        .iter()
        .flat_map(|(start, end)| [*start, *end])
        .filter(|point| range.contains(point) || *point == range.end)
        .collect();
    let start = match (points.iter().min(), points.iter().max()) {
        (Some(low), Some(high)) if high - low < WINDOW => low.saturating_sub((WINDOW - (high - low)) / 2),
        (Some(low), _) => low.saturating_sub(WINDOW / 5),
        _ => range.start,
    };
    let start = start.clamp(range.start, range.end.saturating_sub(WINDOW).max(range.start));
    let end = (start + WINDOW).min(range.end);
    let floor = |mut offset: usize| {
        while offset > range.start && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    floor(start)..floor(end)
}

impl SourceCode for ClippedSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        if before == 0 {
            // The header's `file:line:column` is the file's, not the clipped text's.
            let data = self.text.as_bytes().get(start..end).unwrap_or_default();
            let lines = self.index_of(end) - self.index_of(start);
            return Ok(header(self.file, data, *span, self.origin(start), lines));
        }
        // Context never reaches across lines that were left out.
        let (mut first, mut last) = (self.index_of(start), self.index_of(end.saturating_sub(1).max(start)));
        for _ in 0..before {
            if first == 0 || !self.adjacent(first - 1) {
                break;
            }
            first -= 1;
        }
        for _ in 0..after {
            if !self.adjacent(last) {
                break;
            }
            last += 1;
        }
        let data_start = self.lines.get(first).map_or(0, |shown| shown.start);
        // Each shown line ends in a newline, which is left out of the last one.
        let data_end =
            self.lines.get(last + 1).map_or(self.text.len(), |shown| shown.start).saturating_sub(1);
        let data = self.text.as_bytes().get(data_start..data_end.max(data_start)).unwrap_or_default();
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            data,
            (data_start, data.len()).into(),
            self.lines.get(first).map_or(0, |shown| shown.line),
            0,
            last - first,
        )))
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
        f.write_str(&self.diagnostic.message)?;
        match &self.above {
            Some(above) => write!(f, "\n{above}"),
            None => Ok(()),
        }
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
        self.source.as_ref().map(Source::code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
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
        self.source.as_ref().map(Source::code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        Some(Box::new(self.labels.iter().cloned()))
    }
}
