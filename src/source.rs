//! Source files, byte spans and the line index that turns offsets into lines and columns.
//! [`read`] is the one place that reads a source file from the disk.
//!
//! Every stage refers to text through a [`Span`]: a file and a byte range. A [`SourceMap`]
//! owns the text of every loaded file and one [`LineIndex`] per file, built once, so that
//! rendering thousands of diagnostics never rescans a file from its start.

use std::path::PathBuf;
use std::sync::Arc;

pub mod read;

pub use read::{MAX_FILE_SIZE, ReadError};

/// Identifies one file of a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one file.
///
/// Spans compare equal to each other, whatever their positions: syntax trees carry spans
/// on every node and still compare structurally (a tree before and after formatting is
/// equal). Compare positions explicitly with [`Span::same_place`] or [`Span::range`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: to_u32(start), end: to_u32(end) }
    }

    /// The byte range of the span.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Whether both spans cover the same bytes of the same file.
    pub fn same_place(&self, other: &Span) -> bool {
        self.file == other.file && self.start == other.start && self.end == other.end
    }

    /// Whether `offset` lies inside the span (the end counts as inside, as a cursor
    /// right after a word still points at it).
    pub fn contains(&self, offset: usize) -> bool {
        self.start as usize <= offset && offset <= self.end as usize
    }

    /// The smallest span covering both.
    pub fn to(&self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A 1-based line and column (columns count Unicode scalar values), plus the byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
}

/// The start of every line of a text, for offset ⇄ line/column conversion in O(log n).
///
/// `\n`, `\r\n` and a lone `\r` each end a line ([`next_line_starts`]), as in every editor, so
/// line numbers agree with what a user sees and with the grammar's comments.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = Vec::with_capacity(text.len() / 40 + 1);
        line_starts.push(0);
        line_starts.extend(next_line_starts(text.as_bytes()).map(to_u32));
        LineIndex { line_starts }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = to_u32(offset);
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// The byte offset at which the 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(0) as usize
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 1-based position of `offset` in `text` (the text this index was built from).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = text.get(start..offset).map_or(offset - start, |prefix| prefix.chars().count());
        Position { line: to_u32(line + 1), column: to_u32(column + 1), offset: to_u32(offset) }
    }
}

/// The offset after every line end of `bytes`: `\n`, `\r\n` (one line end, never two) and
/// a lone `\r`. Every stage that counts or splits lines uses this one definition.
pub fn next_line_starts(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    // `memchr` jumps from line end to line end instead of testing every byte.
    memchr::memchr2_iter(b'\n', b'\r', bytes).filter_map(|index| match bytes.get(index) {
        Some(b'\r') if bytes.get(index + 1) == Some(&b'\n') => None,
        _ => Some(index + 1),
    })
}

fn has_lone_carriage_return(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'\r', bytes).any(|index| bytes.get(index + 1) != Some(&b'\n'))
}

fn lone_returns_as_newlines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '\r' && characters.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(character);
        }
    }
    out
}

/// Whether `byte` ends a line (`\n`, or `\r` alone or before `\n`).
pub fn is_line_end(byte: u8) -> bool {
    byte == b'\n' || byte == b'\r'
}

/// The offset of the line end (`\n` or `\r`) at or after `from`, or the text's length.
pub fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&byte| is_line_end(byte)))
        .map_or(bytes.len(), |offset| from + offset)
}

/// How many lines end in `bytes` (`\r\n` counts once).
pub fn count_line_ends(bytes: &[u8]) -> usize {
    next_line_starts(bytes).count()
}

/// One loaded file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Where the file was read from (`<std>/…` for the embedded library).
    pub path: PathBuf,
    /// The name shown to users: relative to the workspace root, with `/` separators.
    pub name: String,
    /// Shared, so a language server can keep an unchanged file between analyses.
    pub text: Arc<str>,
    pub lines: Arc<LineIndex>,
    /// The text with every lone `\r` replaced by `\n`, when it has one: renderers that
    /// split lines themselves (miette knows only `\n` and `\r\n`) read this copy, which has
    /// the same offsets and the same lines as [`SourceFile::lines`].
    display: Option<Arc<str>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, name: String, text: impl Into<Arc<str>>) -> SourceFile {
        let text = text.into();
        let lines = Arc::new(LineIndex::new(&text));
        let display =
            has_lone_carriage_return(text.as_bytes()).then(|| Arc::from(lone_returns_as_newlines(&text)));
        SourceFile { path, name, text, lines, display }
    }

    /// The text for a renderer that splits lines at `\n` and `\r\n` only: [`Self::text`]
    /// with each lone `\r` replaced by `\n` (same length, same offsets).
    pub fn display_text(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.text)
    }

    /// The offset where the 0-based `line`'s content ends, before its line end (`\n`,
    /// `\r\n` or `\r`).
    pub fn line_content_end(&self, line: usize) -> usize {
        let bytes = self.text.as_bytes();
        if line + 1 >= self.lines.line_count() {
            return bytes.len();
        }
        let next = self.lines.line_start(line + 1);
        let crlf = next >= 2 && bytes.get(next - 2..next) == Some(b"\r\n");
        next.saturating_sub(if crlf { 2 } else { 1 })
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }

    /// The text a span covers, or `""` when the span does not fit the file.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Every file of a workspace, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(to_u32(self.files.len() - 1))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn get_mut(&mut self, id: FileId) -> Option<&mut SourceFile> {
        self.files.get_mut(id.0 as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(index, file)| (FileId(to_u32(index)), file))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The text a span covers, or `""` when it names no file.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map_or("", |file| file.slice(span))
    }

    pub fn find(&self, path: &std::path::Path) -> Option<FileId> {
        self.files().find(|(_, file)| file.path == path).map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_scalar_values_and_are_one_based() {
        let text = "ab\nçé x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position { line: 1, column: 1, offset: 0 });
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x), Position { line: 2, column: 4, offset: x as u32 });
        assert_eq!(index.position(text, text.len()).line, 3);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_and_crlf_ends_one() {
        let text = "a\rb\r\nc\nd\r";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 5);
        let lines: Vec<u32> = ["a", "b", "c", "d"]
            .iter()
            .map(|word| index.position(text, text.find(word).unwrap()).line)
            .collect();
        assert_eq!(lines, vec![1, 2, 3, 4]);
        assert_eq!(index.position(text, text.find('b').unwrap()).column, 1);
        // The `\n` of a `\r\n` is still on the line the `\r` ends.
        assert_eq!(index.position(text, 3).line, 2);
        assert_eq!(index.position(text, 4).line, 2);
        assert_eq!(count_line_ends(b"\r\n\r\n\r\n"), 3);
        assert_eq!(count_line_ends(b"\r\r\n\n"), 3);
        let file = SourceFile::new(PathBuf::new(), String::new(), text);
        assert_eq!(file.display_text(), "a\nb\r\nc\nd\n");
        let ends: Vec<usize> = (0..5).map(|line| file.line_content_end(line)).collect();
        assert_eq!(ends, vec![1, 3, 6, 8, 9]);
    }
}
