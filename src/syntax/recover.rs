//! Error recovery: splitting a file into top-level declarations without parsing it.
//!
//! pest stops at the first error, so a file that fails to parse is cut into declarations
//! and each is parsed alone. A declaration starts at a line whose first byte (column 0)
//! is an identifier character or `///`, outside string literals; `\n`, `\r\n` and a lone
//! `\r` all end a line, as in the grammar. The same byte scan
//! finds what the grammar cannot report well: unterminated strings, brackets nested too
//! deeply for a recursive parser, and the `{` left open at the end of a declaration.

use std::ops::Range;

use crate::source::{is_line_end, line_end};

/// The deepest nesting of `(`, `[` and `{` handed to pest; deeper input is a syntax error
/// found by [`scan`], so no recursive stage can exhaust the stack.
pub(crate) const MAX_NESTING: usize = 64;

/// Whether [`scan`] looks at `byte`; any other byte is part of a token.
fn is_special(byte: u8) -> bool {
    matches!(byte, b'\n' | b' ' | b'\t' | b'\r' | b'/' | b'"' | b'(' | b')' | b'[' | b']' | b'{' | b'}')
}

/// What a byte scan of some text found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Where each declaration starts (column 0, identifier character or `///`).
    pub starts: Vec<usize>,
    /// The end of the last thing that is not whitespace or a comment.
    pub last_token_end: Option<usize>,
    /// The first string literal with no closing quote: the opening quote(s) to the end
    /// of its line.
    pub unterminated: Option<Range<usize>>,
    /// The first bracket that opens a level deeper than [`MAX_NESTING`].
    pub too_deep: Option<usize>,
    /// Brackets still open at the end, innermost last.
    pub open: Vec<usize>,
}

/// Scans `text` once, skipping comments and the bodies of string literals.
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut scan = Scan::default();
    let mut index = 0;
    let mut line_start = true;
    // Whether the last start was a doc comment: the declaration it documents and any
    // further doc lines belong to the same declaration.
    let mut in_doc = false;
    while let Some(&byte) = bytes.get(index) {
        if line_start {
            line_start = false;
            let doc = is_doc(bytes, index);
            if doc || byte.is_ascii_alphanumeric() || byte == b'_' {
                if !in_doc {
                    scan.starts.push(index);
                }
                in_doc = doc;
            }
        }
        match byte {
            // A `\r` before a `\n` sets `line_start` too early, but the `\n` that
            // follows starts no declaration and sets it again.
            b'\n' | b'\r' => {
                line_start = true;
                index += 1;
            }
            b' ' | b'\t' => index += 1,
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                let doc = is_doc(bytes, index);
                index = line_end(bytes, index);
                if doc {
                    // A doc comment belongs to the tree, unlike an ordinary comment.
                    scan.last_token_end = Some(index);
                }
            }
            b'"' if bytes.get(index..index + 3) == Some(b"\"\"\"") => {
                let end = block_end(bytes, index + 3);
                match end {
                    Some(end) => {
                        index = end;
                        scan.last_token_end = Some(end);
                    }
                    None => {
                        // Unterminated: report it, and resume after the quotes so one
                        // stray `"""` does not swallow the rest of the file.
                        if scan.unterminated.is_none() {
                            scan.unterminated = Some(index..line_end(bytes, index));
                        }
                        index += 3;
                        scan.last_token_end = Some(index);
                    }
                }
            }
            b'"' => {
                let (end, closed) = string_end(bytes, index + 1);
                if !closed && scan.unterminated.is_none() {
                    scan.unterminated = Some(index..end);
                }
                index = end;
                scan.last_token_end = Some(end);
            }
            b'(' | b'[' | b'{' => {
                scan.open.push(index);
                if scan.open.len() > MAX_NESTING && scan.too_deep.is_none() {
                    scan.too_deep = Some(index);
                }
                index += 1;
                scan.last_token_end = Some(index);
            }
            b')' | b']' | b'}' => {
                scan.open.pop();
                index += 1;
                scan.last_token_end = Some(index);
            }
            _ => {
                // A run of bytes that matter to none of the arms above (this also keeps
                // UTF-8 characters whole): the bulk of the text, so a tight loop.
                index += 1;
                while bytes.get(index).is_some_and(|&byte| !is_special(byte)) {
                    index += 1;
                }
                scan.last_token_end = Some(index);
            }
        }
    }
    scan
}

/// The brackets of some text, matched: for error messages, which need the opener of a
/// bracket left open and the closers that open nothing.
#[derive(Debug, Default)]
pub(crate) struct Brackets {
    /// Each matched pair: the opener's offset and the closer's.
    pub pairs: Vec<(usize, usize)>,
    /// Brackets still open at the end, innermost last.
    pub open: Vec<usize>,
    /// Closers with nothing open to close.
    pub unmatched: Vec<usize>,
}

/// Matches the brackets of `text`, skipping comments and string literals as [`scan`]
/// does. A closer closes the innermost open bracket whatever its shape, as in [`scan`].
/// Only called after a failed parse, so it costs nothing on valid input.
pub(crate) fn brackets(text: &str) -> Brackets {
    let bytes = text.as_bytes();
    let mut found = Brackets::default();
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'/' if bytes.get(index + 1) == Some(&b'/') => index = line_end(bytes, index),
            b'"' if bytes.get(index..index + 3) == Some(b"\"\"\"") => {
                index = block_end(bytes, index + 3).unwrap_or(index + 3);
            }
            b'"' => index = string_end(bytes, index + 1).0,
            b'(' | b'[' | b'{' => {
                found.open.push(index);
                index += 1;
            }
            b')' | b']' | b'}' => {
                match found.open.pop() {
                    Some(open) => found.pairs.push((open, index)),
                    None => found.unmatched.push(index),
                }
                index += 1;
            }
            _ => index += 1,
        }
    }
    found
}

/// The ranges of the declarations of `text`, from the starts found by [`scan`]. The text
/// before the first start is a range of its own, so nothing goes unparsed.
pub(crate) fn declarations(text: &str, starts: &[usize]) -> Vec<Range<usize>> {
    let mut ranges = Vec::with_capacity(starts.len() + 1);
    let mut previous = 0;
    for &start in starts {
        if start > previous {
            ranges.push(previous..start);
        }
        previous = start;
    }
    if previous < text.len() || ranges.is_empty() {
        ranges.push(previous..text.len());
    }
    ranges
}

/// Whether a doc comment (`///`, but not `////`) starts at `index`.
fn is_doc(bytes: &[u8], index: usize) -> bool {
    bytes.get(index..index + 3) == Some(b"///") && bytes.get(index + 3) != Some(&b'/')
}

/// The end of a `"..."` string whose body starts at `index`, and whether it was closed.
/// Ordinary strings cannot span lines.
fn string_end(bytes: &[u8], mut index: usize) -> (usize, bool) {
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'"' => return (index + 1, true),
            b'\n' | b'\r' => return (index, false),
            b'\\' if bytes.get(index + 1).is_some_and(|&next| !is_line_end(next)) => index += 2,
            _ => index += 1,
        }
    }
    (bytes.len(), false)
}

/// The end of a `"""` block whose body starts at `index`, if it is closed.
fn block_end(bytes: &[u8], mut index: usize) -> Option<usize> {
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' => index += 2,
            b'"' if bytes.get(index..index + 3) == Some(b"\"\"\"") => return Some(index + 3),
            _ => index += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_start_in_column_zero_outside_strings() {
        let text = "a x {\n  b: \"\"\"\nnot a start\n\"\"\"\n}\n/// doc\n/// more\n\nc y {}\n  d\ne\n";
        let scan = scan(text);
        let starts: Vec<_> = scan.starts.iter().map(|&start| text.get(start..start + 1)).collect();
        assert_eq!(starts, vec![Some("a"), Some("/"), Some("e")]);
        assert!(scan.unterminated.is_none());
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let text = "// c\rperson b {}\r\nteam t {\r  x: \"open\rteam u {}";
        let scan = scan(text);
        let starts: Vec<_> = scan.starts.iter().map(|&start| text.get(start..start + 4)).collect();
        assert_eq!(starts, vec![Some("pers"), Some("team"), Some("team")]);
        assert_eq!(scan.unterminated.map(|range| text.get(range)), Some(Some("\"open")));
    }

    #[test]
    fn unterminated_strings_and_deep_nesting_are_found() {
        let scan = scan("a: \"open\nb: 1");
        assert_eq!(scan.unterminated, Some(3..8));
        let deep = "[".repeat(MAX_NESTING + 5);
        assert_eq!(super::scan(&deep).too_deep, Some(MAX_NESTING));
    }
}
