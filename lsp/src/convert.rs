//! Conversions between Charter's byte offsets and LSP positions, and from Charter's
//! presentation-neutral [`Diagnostic`] to the LSP diagnostic.
//!
//! LSP columns count UTF-16 code units unless the client negotiated UTF-8; Charter spans
//! are byte offsets. Every conversion goes through the file's [`LineIndex`], so it never
//! rescans the text from its start.

use charter::Severity;
use charter::diagnostic::{Code, Diagnostic};
use charter::source::{LineIndex, SourceFile, SourceMap, Span};
use tower_lsp_server::ls_types as lsp;

use crate::paths::PathMap;

/// How LSP `character` offsets count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 code units (bytes): only when the client offers it.
    Utf8,
    /// UTF-16 code units: the protocol's default.
    #[default]
    Utf16,
}

impl Encoding {
    /// The encoding to use given the client's offered `general.positionEncodings`:
    /// UTF-8 when offered (no conversion needed), else UTF-16.
    pub fn negotiate(offered: Option<&[lsp::PositionEncodingKind]>) -> Encoding {
        let offers_utf8 = offered.is_some_and(|kinds| kinds.contains(&lsp::PositionEncodingKind::UTF8));
        if offers_utf8 { Encoding::Utf8 } else { Encoding::Utf16 }
    }

    pub fn kind(self) -> lsp::PositionEncodingKind {
        match self {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        }
    }

    fn width(self, character: char) -> usize {
        match self {
            Encoding::Utf8 => character.len_utf8(),
            Encoding::Utf16 => character.len_utf16(),
        }
    }

    /// The length of `text` in this encoding's code units.
    pub fn len(self, text: &str) -> usize {
        match self {
            Encoding::Utf8 => text.len(),
            Encoding::Utf16 => text.chars().map(char::len_utf16).sum(),
        }
    }
}

/// A text and its line index, for conversions.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    pub text: &'a str,
    pub lines: &'a LineIndex,
}

impl<'a> Text<'a> {
    pub fn of(file: &'a SourceFile) -> Text<'a> {
        Text { text: &file.text, lines: &file.lines }
    }

    /// The LSP position of a byte offset. An offset inside a character counts as the
    /// start of that character; an offset past the end is the end.
    pub fn position(&self, offset: usize, encoding: Encoding) -> lsp::Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.lines.line_of(offset);
        let start = self.lines.line_start(line).min(offset);
        let prefix = self.text.get(start..offset).unwrap_or("");
        lsp::Position::new(to_u32(line), to_u32(encoding.len(prefix)))
    }

    /// The byte offset of an LSP position. A column past the end of its line is the end
    /// of the line; a line past the end of the text is the end of the text.
    pub fn offset(&self, position: lsp::Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        if line >= self.lines.line_count() {
            return self.text.len();
        }
        let start = self.lines.line_start(line);
        let rest = self.text.get(start..).unwrap_or("");
        // `\n`, `\r\n` and a lone `\r` all end a line, as in the line index.
        let content = rest.split(['\n', '\r']).next().unwrap_or("");
        let wanted = position.character as usize;
        let mut units = 0;
        for (index, character) in content.char_indices() {
            if units >= wanted {
                return start + index;
            }
            units += encoding.width(character);
        }
        start + content.len()
    }

    pub fn range(&self, start: usize, end: usize, encoding: Encoding) -> lsp::Range {
        lsp::Range::new(self.position(start, encoding), self.position(end.max(start), encoding))
    }

    pub fn span_range(&self, span: Span, encoding: Encoding) -> lsp::Range {
        self.range(span.start as usize, span.end as usize, encoding)
    }

    /// The whole text as a range.
    pub fn full_range(&self, encoding: Encoding) -> lsp::Range {
        self.range(0, self.text.len(), encoding)
    }
}

/// The lines of `text`, each with its line end: `\n`, `\r\n` or a lone `\r`.
pub fn lines_inclusive(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.find(['\n', '\r']) {
            Some(at) if rest.get(at..).is_some_and(|tail| tail.starts_with("\r\n")) => at + 2,
            Some(at) => at + 1,
            None => rest.len(),
        };
        let (line, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
        rest = tail;
        Some(line)
    })
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The range of a span in its file, when the file is known.
pub fn span_range(sources: &SourceMap, span: Span, encoding: Encoding) -> Option<lsp::Range> {
    sources.get(span.file).map(|file| Text::of(file).span_range(span, encoding))
}

/// The location of a span: its file's URI and range.
pub fn location(
    sources: &SourceMap,
    paths: &PathMap,
    span: Span,
    encoding: Encoding,
) -> Option<lsp::Location> {
    let file = sources.get(span.file)?;
    let uri = paths.uri(&file.path)?;
    Some(lsp::Location::new(uri, Text::of(file).span_range(span, encoding)))
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

/// Converts one finding. The message is exactly `charter check`'s; `help` follows it on
/// its own line, as the terminal shows it; secondary labels become related information.
pub fn diagnostic(
    sources: &SourceMap,
    paths: &PathMap,
    finding: &Diagnostic,
    encoding: Encoding,
) -> lsp::Diagnostic {
    let range = span_range(sources, finding.span(), encoding).unwrap_or_default();
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = finding
        .secondary
        .iter()
        .filter_map(|label| {
            Some(lsp::DiagnosticRelatedInformation {
                location: location(sources, paths, label.span, encoding)?,
                message: label.message.clone().unwrap_or_else(|| "related".to_string()),
            })
        })
        .collect();
    let code_description = finding
        .url
        .as_deref()
        .and_then(|url| url.parse::<lsp::Uri>().ok())
        .map(|href| lsp::CodeDescription { href });
    let tags = match &finding.code {
        Code::Builtin(charter::diagnostic::BuiltinCode::WaiverUnused) => {
            Some(vec![lsp::DiagnosticTag::UNNECESSARY])
        }
        _ => None,
    };
    lsp::Diagnostic {
        range,
        severity: Some(severity(finding.severity)),
        code: Some(lsp::NumberOrString::String(finding.code.as_str().to_string())),
        code_description,
        source: Some("charter".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(source: &str) -> (String, LineIndex) {
        (source.to_string(), LineIndex::new(source))
    }

    #[test]
    fn utf16_counts_surrogate_pairs_and_utf8_counts_bytes() {
        let (source, lines) = text("a\n😀é x\n");
        let text = Text { text: &source, lines: &lines };
        let x = source.find('x').unwrap_or_default();
        assert_eq!(text.position(x, Encoding::Utf16), lsp::Position::new(1, 4));
        assert_eq!(text.position(x, Encoding::Utf8), lsp::Position::new(1, 7));
        assert_eq!(text.offset(lsp::Position::new(1, 4), Encoding::Utf16), x);
        assert_eq!(text.offset(lsp::Position::new(1, 7), Encoding::Utf8), x);
    }

    #[test]
    fn positions_past_the_end_clamp() {
        let (source, lines) = text("ab\ncd");
        let text = Text { text: &source, lines: &lines };
        assert_eq!(text.offset(lsp::Position::new(0, 99), Encoding::Utf16), 2);
        assert_eq!(text.offset(lsp::Position::new(9, 0), Encoding::Utf16), 5);
        assert_eq!(text.position(99, Encoding::Utf16), lsp::Position::new(1, 2));
    }

    #[test]
    fn a_position_inside_a_surrogate_pair_rounds_forward() {
        let (source, lines) = text("😀x");
        let text = Text { text: &source, lines: &lines };
        assert_eq!(text.offset(lsp::Position::new(0, 1), Encoding::Utf16), 4);
        assert_eq!(text.position(2, Encoding::Utf16), lsp::Position::new(0, 0));
    }

    #[test]
    fn lines_end_at_a_lone_carriage_return_too() {
        let lines: Vec<&str> = lines_inclusive("a\rb\r\nc\nd").collect();
        assert_eq!(lines, ["a\r", "b\r\n", "c\n", "d"]);
        let (source, index) = text("ab\rcd\r\nef");
        let text = Text { text: &source, lines: &index };
        assert_eq!(text.offset(lsp::Position::new(0, 9), Encoding::Utf16), 2);
        assert_eq!(text.offset(lsp::Position::new(1, 1), Encoding::Utf16), 4);
        assert_eq!(text.offset(lsp::Position::new(1, 9), Encoding::Utf16), 5);
        assert_eq!(text.position(4, Encoding::Utf16), lsp::Position::new(1, 1));
        assert_eq!(text.position(8, Encoding::Utf16), lsp::Position::new(2, 1));
    }

    #[test]
    fn utf8_is_chosen_only_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let offered = [lsp::PositionEncodingKind::UTF16, lsp::PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf8);
    }
}
