//! A small Wadler-style document, kept flat, and its renderer.
//!
//! The printer appends tokens to a [`Doc`]: text, line breaks that a group takes or
//! leaves as a whole, group and indentation brackets, and line suffixes that hold
//! trailing comments until the end of the line. [`render`] lays the document out in
//! [`WIDTH`] columns in one pass, with the classic test "does the rest of this group fit
//! on the line?". A group breaks when it does not fit, or when it holds a hard break (a
//! hard line, a comment, a multi-line text block or a group that must break). The flat
//! token list costs one allocation per declaration instead of one per node.

use std::borrow::Cow;

/// The line width the formatter aims for.
pub const WIDTH: usize = 100;

/// Spaces per indentation level.
pub const INDENT: usize = 2;

#[derive(Clone, Debug)]
enum Token<'a> {
    Text(Cow<'a, str>),
    /// A comment on a line of its own: text whose trailing whitespace is kept (a doc
    /// comment's trailing spaces belong to its text).
    Comment(&'a str),
    /// Text written just before the next newline: a trailing comment.
    Suffix(&'a str),
    /// A space when the enclosing group is flat, a newline when it is broken.
    Line,
    /// Nothing when the enclosing group is flat, a newline when it is broken.
    SoftLine,
    /// Always a newline.
    HardLine,
    /// Always an empty line, then a newline.
    BlankLine,
    /// A newline unless nothing but indentation is on the current line yet.
    LineStart,
    /// `broken` when the enclosing group is broken, else `flat`.
    IfBreak {
        broken: &'static str,
        flat: &'static str,
    },
    /// The start of a group; `end` is the index of its [`Token::GroupEnd`].
    GroupStart {
        end: usize,
        broken: bool,
    },
    GroupEnd,
    IndentStart,
    IndentEnd,
}

/// A document under construction: a flat list of tokens.
#[derive(Debug, Default)]
pub struct Doc<'a> {
    tokens: Vec<Token<'a>>,
}

impl<'a> Doc<'a> {
    pub fn clear(&mut self) {
        self.tokens.clear();
    }

    pub fn text(&mut self, value: impl Into<Cow<'a, str>>) {
        self.tokens.push(Token::Text(value.into()));
    }

    /// A comment that goes on a line of its own.
    pub fn comment(&mut self, value: &'a str) {
        self.tokens.push(Token::Comment(value));
    }

    /// A trailing comment: written at the end of the current line. The groups around it
    /// break, so that the line ends right after the construct it follows.
    pub fn suffix(&mut self, value: &'a str) {
        self.tokens.push(Token::Suffix(value));
    }

    pub fn line(&mut self) {
        self.tokens.push(Token::Line);
    }

    pub fn soft_line(&mut self) {
        self.tokens.push(Token::SoftLine);
    }

    pub fn hard_line(&mut self) {
        self.tokens.push(Token::HardLine);
    }

    /// A hard line, or a blank line when `blank`.
    pub fn separator(&mut self, blank: bool) {
        self.tokens.push(if blank { Token::BlankLine } else { Token::HardLine });
    }

    pub fn line_start(&mut self) {
        self.tokens.push(Token::LineStart);
    }

    pub fn if_break(&mut self, broken: &'static str, flat: &'static str) {
        self.tokens.push(Token::IfBreak { broken, flat });
    }

    /// Opens a group; close it with [`Doc::end_group`] and the returned mark. A `broken`
    /// group always breaks.
    pub fn start_group(&mut self, broken: bool) -> usize {
        self.tokens.push(Token::GroupStart { end: 0, broken });
        self.tokens.len() - 1
    }

    pub fn end_group(&mut self, mark: usize) {
        let end = self.tokens.len();
        if let Some(Token::GroupStart { end: slot, .. }) = self.tokens.get_mut(mark) {
            *slot = end;
        }
        self.tokens.push(Token::GroupEnd);
    }

    pub fn indent(&mut self) {
        self.tokens.push(Token::IndentStart);
    }

    pub fn dedent(&mut self) {
        self.tokens.push(Token::IndentEnd);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// Lays `doc` out in [`WIDTH`] columns and appends it to `out`. Returns whether the text
/// spans several lines.
pub fn render(doc: &Doc<'_>, out: &mut String) -> bool {
    render_in(doc, out, WIDTH)
}

/// Lays `doc` out in `width` columns and appends it to `out`. Returns whether the text
/// spans several lines.
pub fn render_in(doc: &Doc<'_>, out: &mut String, width: usize) -> bool {
    let mut renderer = Renderer {
        out,
        width,
        column: 0,
        pending_indent: None,
        suffixes: Vec::new(),
        kept: 0,
        multiline: false,
    };
    renderer.run(&doc.tokens);
    renderer.flush_suffixes();
    renderer.multiline
}

struct Renderer<'o, 'd> {
    out: &'o mut String,
    width: usize,
    /// The display column the next character goes to, counting pending indentation.
    column: usize,
    /// Indentation owed by the current line, written only when text follows, so that
    /// empty lines carry no trailing spaces.
    pending_indent: Option<usize>,
    suffixes: Vec<&'d str>,
    /// The length of the output up to the end of the last comment, which trimming
    /// trailing whitespace must not cut into.
    kept: usize,
    /// Whether a newline has been written.
    multiline: bool,
}

impl<'d> Renderer<'_, 'd> {
    fn run(&mut self, tokens: &'d [Token<'_>]) {
        let mut modes: Vec<Mode> = Vec::with_capacity(16);
        let mut level = 0;
        for (index, token) in tokens.iter().enumerate() {
            let mode = modes.last().copied().unwrap_or(Mode::Break);
            match token {
                Token::Text(value) => self.write(value),
                Token::Comment(value) => {
                    self.write(value);
                    self.kept = self.out.len();
                }
                Token::Suffix(value) => self.suffixes.push(value),
                Token::Line => match mode {
                    Mode::Flat => self.write(" "),
                    Mode::Break => self.newline(level),
                },
                Token::SoftLine => {
                    if mode == Mode::Break {
                        self.newline(level);
                    }
                }
                Token::HardLine => self.newline(level),
                Token::BlankLine => {
                    self.newline(level);
                    self.newline(level);
                }
                Token::LineStart => {
                    if self.pending_indent.is_none() {
                        self.newline(level);
                    }
                }
                Token::IfBreak { broken, flat } => match mode {
                    Mode::Flat => self.write(flat),
                    Mode::Break => self.write(broken),
                },
                Token::GroupStart { end, broken } => {
                    let flat = mode == Mode::Flat
                        || (!broken
                            && fits(tokens, index + 1, *end, &modes, self.width.saturating_sub(self.column)));
                    modes.push(if flat { Mode::Flat } else { Mode::Break });
                }
                Token::GroupEnd => {
                    modes.pop();
                }
                Token::IndentStart => level += INDENT,
                Token::IndentEnd => level = level.saturating_sub(INDENT),
            }
        }
    }

    fn write(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        if let Some(level) = self.pending_indent.take() {
            self.out.extend(std::iter::repeat_n(' ', level));
        }
        self.out.push_str(value);
        if value.is_ascii() && !value.as_bytes().contains(&b'\n') {
            self.column += value.len();
            return;
        }
        match memchr_last_newline(value) {
            Some(last) => {
                self.multiline = true;
                self.column = width(value.get(last + 1..).unwrap_or(""));
            }
            None => self.column += width(value),
        }
    }

    fn flush_suffixes(&mut self) {
        for suffix in std::mem::take(&mut self.suffixes) {
            if self.pending_indent.is_none() {
                self.out.push(' ');
                self.column += 1;
            }
            self.write(suffix);
            self.kept = self.out.len();
        }
    }

    fn newline(&mut self, level: usize) {
        if !self.suffixes.is_empty() {
            self.flush_suffixes();
        }
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed.max(self.kept));
        self.out.push('\n');
        self.multiline = true;
        self.pending_indent = Some(level);
        self.column = level;
    }
}

/// Whether the group whose tokens are `tokens[start..end]` fits flat in `remaining`
/// columns, together with what follows it up to the next possible line break. A hard
/// break inside the group means it cannot be flat. `modes` are the modes of the groups
/// around it.
fn fits(tokens: &[Token<'_>], start: usize, end: usize, modes: &[Mode], remaining: usize) -> bool {
    let mut remaining = remaining;
    // Groups opened after the tested group ends, and how many of the groups around it
    // are still open.
    let mut opened: Vec<Mode> = Vec::new();
    let mut enclosing = modes.len();
    for (index, token) in tokens.iter().enumerate().skip(start) {
        let inside = index < end;
        let mode = if inside {
            Mode::Flat
        } else if let Some(mode) = opened.last() {
            *mode
        } else {
            enclosing.checked_sub(1).and_then(|at| modes.get(at)).copied().unwrap_or(Mode::Break)
        };
        let used = match token {
            Token::Text(value) => match value.split_once('\n') {
                Some((first, _)) => return !inside && width(first) <= remaining,
                None => width(value),
            },
            Token::Comment(_) | Token::Suffix(_) | Token::HardLine | Token::BlankLine | Token::LineStart => {
                return !inside;
            }
            Token::Line => match mode {
                Mode::Flat => 1,
                Mode::Break => return true,
            },
            Token::SoftLine => match mode {
                Mode::Flat => 0,
                Mode::Break => return true,
            },
            Token::IfBreak { broken, flat } => match mode {
                Mode::Flat => width(flat),
                Mode::Break => width(broken),
            },
            Token::GroupStart { broken, .. } => {
                if *broken && inside {
                    return false;
                }
                if !inside {
                    opened.push(if *broken { Mode::Break } else { mode });
                }
                0
            }
            Token::GroupEnd => {
                if !inside && index != end && opened.pop().is_none() {
                    enclosing = enclosing.saturating_sub(1);
                }
                0
            }
            Token::IndentStart | Token::IndentEnd => 0,
        };
        match remaining.checked_sub(used) {
            Some(left) => remaining = left,
            None => return false,
        }
    }
    true
}

fn memchr_last_newline(value: &str) -> Option<usize> {
    value.as_bytes().iter().rposition(|byte| *byte == b'\n')
}

/// The display width of a line of text, in Unicode scalar values.
pub fn width(value: &str) -> usize {
    if value.is_ascii() { value.len() } else { value.chars().count() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(doc: &Doc<'_>) -> String {
        let mut out = String::new();
        render(doc, &mut out);
        out
    }

    fn list<'a>(doc: &mut Doc<'a>, items: &[&'a str]) {
        let mark = doc.start_group(false);
        doc.text("[");
        doc.indent();
        doc.soft_line();
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                doc.text(",");
                doc.line();
            }
            doc.text(*item);
        }
        doc.if_break(",", "");
        doc.dedent();
        doc.soft_line();
        doc.text("]");
        doc.end_group(mark);
    }

    #[test]
    fn a_group_that_fits_stays_flat() {
        let mut doc = Doc::default();
        list(&mut doc, &["a", "b"]);
        assert_eq!(layout(&doc), "[a, b]");
    }

    #[test]
    fn a_group_that_does_not_fit_breaks_every_line() {
        let long = "x".repeat(60);
        let mut doc = Doc::default();
        list(&mut doc, &[&long, &long]);
        assert_eq!(layout(&doc), format!("[\n  {long},\n  {long},\n]"));
    }

    #[test]
    fn what_follows_a_group_counts_until_the_next_line_break() {
        let long = "x".repeat(45);
        let mut doc = Doc::default();
        list(&mut doc, &[&long, &long]);
        doc.text(".suffix_that_does_not_fit");
        doc.hard_line();
        doc.text("next");
        assert!(layout(&doc).starts_with("[\n"));
    }

    #[test]
    fn a_trailing_comment_waits_for_the_newline_and_breaks_its_group() {
        let mut doc = Doc::default();
        let mark = doc.start_group(false);
        doc.text("a");
        doc.suffix("// c");
        doc.text(",");
        doc.line();
        doc.text("b");
        doc.end_group(mark);
        assert_eq!(layout(&doc), "a, // c\nb");
    }

    #[test]
    fn a_group_around_a_broken_group_breaks() {
        let mut doc = Doc::default();
        let outer = doc.start_group(false);
        doc.text("a");
        doc.line();
        let inner = doc.start_group(true);
        doc.text("b");
        doc.end_group(inner);
        doc.end_group(outer);
        assert_eq!(layout(&doc), "a\nb");
    }

    #[test]
    fn blank_lines_and_indentation_leave_no_trailing_spaces() {
        let mut doc = Doc::default();
        doc.text("{");
        doc.indent();
        doc.hard_line();
        doc.text("a");
        doc.separator(true);
        doc.text("b ");
        doc.dedent();
        doc.hard_line();
        doc.text("}");
        assert_eq!(layout(&doc), "{\n  a\n\n  b\n}");
    }

    #[test]
    fn comments_keep_their_trailing_spaces() {
        let mut doc = Doc::default();
        doc.comment("/// doc  ");
        doc.hard_line();
        doc.text("x");
        assert_eq!(layout(&doc), "/// doc  \nx");
    }

    #[test]
    fn line_start_only_breaks_a_line_that_has_text() {
        let mut doc = Doc::default();
        doc.text("a");
        doc.line_start();
        doc.comment("// c");
        doc.hard_line();
        doc.line_start();
        doc.text("b");
        assert_eq!(layout(&doc), "a\n// c\nb");
    }
}
