//! The comments of a file, recovered from its text, and the cursor that hands each one
//! out exactly once, in source order, to the construct it belongs to.
//!
//! The grammar keeps `//` comments out of the tree, so the formatter scans the text for
//! them (skipping string literals and text blocks). `///` doc comments are scanned too
//! and printed like any other comment: each stays right before the declaration or field
//! it documents, so reparsing attaches it to the same node. The printer walks the tree in
//! source order and asks for the comments of each *gap* between two tokens it prints;
//! whatever it never asks for explicitly is handed out at the next gap, so no comment can
//! be lost.

/// One `//` or `///` comment: `start..end` covers the slashes and the text up to the line
/// end (`\n` or `\r`), without trailing whitespace (a `///` doc comment keeps it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
}

/// A comment that goes on its own line, and whether an empty line preceded it.
#[derive(Clone, Copy, Debug)]
pub struct Leading {
    pub comment: Comment,
    pub blank_before: bool,
}

/// The comments between two tokens.
#[derive(Debug, Default)]
pub struct Gap {
    /// A comment on the same line as the token before the gap.
    pub trailing: Option<Comment>,
    /// Comments on lines of their own, in order.
    pub leading: Vec<Leading>,
    /// Whether an empty line separates the last comment (or the token before the gap,
    /// when there is no own-line comment) from the token after the gap.
    pub blank_after: bool,
}

/// Every comment of a text and a cursor over them.
pub struct Comments<'a> {
    text: &'a str,
    list: Vec<Comment>,
    next: usize,
    /// Hand out no comment at all (printing an expression on one line for a message).
    silent: bool,
}

impl<'a> Comments<'a> {
    pub fn new(text: &'a str) -> Comments<'a> {
        Comments { text, list: scan(text), next: 0, silent: false }
    }

    /// Comments are still skipped over when measuring spans, but never handed out.
    pub fn silence(&mut self) {
        self.silent = true;
    }

    /// Inside an expression, `///` is the division operator followed by a `//` comment
    /// (`a ///c` divides: the grammar never reads a doc comment there). `expressions`
    /// are the byte ranges of the file's rule expressions.
    pub fn split_division_operators(&mut self, expressions: &[std::ops::Range<usize>]) {
        let bytes = self.text.as_bytes();
        for comment in &mut self.list {
            let doc = bytes.get(comment.start..comment.start + 3) == Some(b"///");
            if doc && expressions.iter().any(|range| range.contains(&comment.start)) {
                comment.start += 1;
                let mut end = comment.end;
                while end > comment.start && bytes.get(end - 1).is_some_and(is_space) {
                    end -= 1;
                }
                comment.end = end;
            }
        }
    }

    /// The text of a comment, without trailing whitespace.
    pub fn text_of(&self, comment: Comment) -> &'a str {
        self.text.get(comment.start..comment.end).unwrap_or("")
    }

    /// How many comments the text holds.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// How many comments have been handed out.
    pub fn taken(&self) -> usize {
        self.next
    }

    /// Takes every comment that starts before `next_start`. The first is trailing when no
    /// newline separates it from `previous_end`; comments inside the previous construct
    /// (before `previous_end`) and all others go on their own lines.
    pub fn gap(&mut self, previous_end: usize, next_start: usize) -> Gap {
        let mut gap = Gap::default();
        let mut cursor = previous_end;
        while let Some(comment) = self.peek_before(next_start) {
            self.next += 1;
            let inside_previous = comment.start < previous_end;
            let newlines = if inside_previous { 0 } else { self.newlines(cursor, comment.start) };
            if gap.trailing.is_none() && gap.leading.is_empty() && !inside_previous && newlines == 0 {
                gap.trailing = Some(comment);
            } else {
                gap.leading.push(Leading { comment, blank_before: newlines >= 2 });
            }
            cursor = cursor.max(comment.end);
        }
        gap.blank_after = self.newlines(cursor, next_start) >= 2;
        gap
    }

    /// Takes every comment that starts before `until`, to print on lines of their own
    /// before the construct that holds them (comments inside a declaration's header).
    pub fn hoist(&mut self, until: usize) -> Vec<Comment> {
        let mut hoisted = Vec::new();
        while let Some(comment) = self.peek_before(until) {
            self.next += 1;
            hoisted.push(comment);
        }
        hoisted
    }

    /// Whether a comment not yet handed out starts before `offset`.
    pub fn next_before(&self, offset: usize) -> bool {
        self.peek_before(offset).is_some()
    }

    fn peek_before(&self, offset: usize) -> Option<Comment> {
        if self.silent {
            return None;
        }
        self.list.get(self.next).copied().filter(|comment| comment.start < offset)
    }

    /// Newlines between two offsets, when only whitespace lies between them.
    fn newlines(&self, from: usize, to: usize) -> usize {
        self.text.as_bytes().get(from..to).map_or(0, crate::source::count_line_ends)
    }

    /// `end` moved back over whitespace and comments, but not before `start`: the exact
    /// end of a construct whose parsed span may include trailing trivia.
    pub fn trim_end(&self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = end.min(bytes.len());
        loop {
            while end > start && bytes.get(end - 1).is_some_and(is_space) {
                end -= 1;
            }
            // The last comment starting before `end`, if `end` lies inside it.
            let before = self.list.partition_point(|comment| comment.start < end);
            match before.checked_sub(1).and_then(|index| self.list.get(index)) {
                Some(comment) if comment.start >= start && comment.end >= end => {
                    end = comment.start;
                }
                _ => return end,
            }
        }
    }

    /// The first offset at or after `from` that is neither whitespace nor a comment.
    pub fn next_token(&self, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut offset = from;
        loop {
            while bytes.get(offset).is_some_and(is_space) {
                offset += 1;
            }
            match self.list.binary_search_by_key(&offset, |comment| comment.start) {
                Ok(index) => offset = self.list.get(index).map_or(offset + 1, |c| c.end),
                Err(_) => return offset,
            }
        }
    }
}

fn is_space(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Finds every comment of `text`, skipping string literals and `"""` text blocks.
pub fn scan(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'"' if bytes.get(index..index + 3) == Some(b"\"\"\"") => {
                index = skip_text_block(bytes, index + 3);
            }
            b'"' => index = skip_string(bytes, index + 1),
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                // A comment ends at `\n` or `\r`, as in the grammar.
                let line_end = crate::source::line_end(bytes, index);
                // A doc comment's trailing spaces belong to its text (the tree keeps them).
                let doc = bytes.get(index + 2) == Some(&b'/');
                let mut end = line_end;
                while !doc && end > index && bytes.get(end - 1).is_some_and(is_space) {
                    end -= 1;
                }
                comments.push(Comment { start: index, end });
                index = line_end;
            }
            _ => index += 1,
        }
    }
    comments
}

/// The offset after the `"""` that closes a text block whose body starts at `index`.
fn skip_text_block(bytes: &[u8], mut index: usize) -> usize {
    while let Some(&byte) = bytes.get(index) {
        if byte == b'\\' {
            index += 2;
        } else if bytes.get(index..index + 3) == Some(b"\"\"\"") {
            return index + 3;
        } else {
            index += 1;
        }
    }
    bytes.len()
}

/// The offset after the `"` that closes a string whose body starts at `index` (or the
/// end of the line, for an unterminated one).
fn skip_string(bytes: &[u8], mut index: usize) -> usize {
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' => index += 2,
            b'"' => return index + 1,
            b'\n' | b'\r' => return index,
            _ => index += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<&str> {
        scan(source).into_iter().map(|comment| source.get(comment.start..comment.end).unwrap_or("")).collect()
    }

    #[test]
    fn comments_inside_strings_and_text_blocks_are_not_comments() {
        let source =
            "a: \"x // y\" // one\nb: \"\"\"\n // no \\\"\"\" \"\"\" /// two  \r\nc: \"\\\"//\" //three";
        assert_eq!(texts(source), ["// one", "/// two  ", "//three"]);
    }

    #[test]
    fn trim_end_skips_whitespace_and_comments() {
        let source = "a: 1  // c\n  // d\n";
        let comments = Comments::new(source);
        assert_eq!(comments.trim_end(0, source.len()), 4);
        assert_eq!(comments.next_token(4), source.len());
    }

    #[test]
    fn the_first_comment_on_the_same_line_is_trailing() {
        let source = "a, // t\n\n// l1\n// l2\n\nb";
        let mut comments = Comments::new(source);
        let gap = comments.gap(1, source.len() - 1);
        assert!(gap.trailing.is_some());
        assert_eq!(gap.leading.len(), 2);
        assert!(gap.leading[0].blank_before);
        assert!(!gap.leading[1].blank_before);
        assert!(gap.blank_after);
        assert_eq!(comments.taken(), 3);
    }
}
