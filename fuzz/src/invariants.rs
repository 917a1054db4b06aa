//! The properties every input keeps, whatever its bytes: shared by the fuzz targets and
//! the seeded mutation test (`tests/mutation.rs` includes this file), so that both check
//! exactly the same things.
//!
//! Each check panics with the input in its message when a property does not hold; a
//! panic inside Charter itself is a failure too.

use std::path::PathBuf;

use charter::model::{Config, Workspace};
use charter::source::FileId;
use charter::syntax;

/// The date every check runs on, so that a finding never depends on the day of the run.
pub fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 26)
}

/// Replaces the bytes `start..end` of a text by `inserted`; both ends are moved back to a
/// character boundary and into the text, so that any numbers make a valid edit.
#[derive(Clone, Debug)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub inserted: String,
}

impl Edit {
    /// The edit described by arbitrary bytes: two little-endian `u16`s (where it starts,
    /// how many bytes it removes) and the inserted text (invalid UTF-8 replaced).
    pub fn from_bytes(bytes: &[u8]) -> Edit {
        let number = |at: usize| {
            usize::from(bytes.get(at).copied().unwrap_or(0))
                | usize::from(bytes.get(at + 1).copied().unwrap_or(0)) << 8
        };
        let start = number(0);
        let inserted = String::from_utf8_lossy(bytes.get(4..).unwrap_or_default()).into_owned();
        Edit { start, end: start + number(2), inserted }
    }

    /// The edited text.
    pub fn apply(&self, text: &str) -> String {
        let start = floor_boundary(text, self.start);
        let end = floor_boundary(text, self.end).max(start);
        let mut edited = String::with_capacity(text.len() + self.inserted.len());
        edited.push_str(text.get(..start).unwrap_or_default());
        edited.push_str(&self.inserted);
        edited.push_str(text.get(end..).unwrap_or_default());
        edited
    }
}

/// The nearest character boundary at or before `at`, inside `text`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Parsing `text` after `edit` incrementally, from the parts of `text`, gives exactly what
/// a parse from scratch gives: the same tree and diagnostics, spans included (compared
/// through `Debug`, which shows spans that `==` ignores).
pub fn incremental_agrees(text: &str, edit: &Edit) {
    let edited = edit.apply(text);
    let (_, _, parts) = syntax::parse_incremental(FileId(0), text, None);
    let (tree, diagnostics, _) = syntax::parse_incremental(FileId(0), &edited, Some(&parts));
    let (expected_tree, expected_diagnostics) = syntax::parse(FileId(0), &edited);
    let context = || format!("--- text\n{text:?}\n--- edit\n{edit:?}\n--- edited\n{edited:?}");
    assert!(
        format!("{tree:#?}") == format!("{expected_tree:#?}"),
        "incremental parsing gives another tree than parsing from scratch\n{}",
        context()
    );
    assert!(
        format!("{diagnostics:#?}") == format!("{expected_diagnostics:#?}"),
        "incremental parsing gives other diagnostics than parsing from scratch\n{}",
        context()
    );
}

/// When `text` formats: formatting again changes nothing, every comment survives in
/// order, and the output parses without error to the same tree (spans aside). Returns
/// whether `text` was formattable.
pub fn format_round_trips(text: &str) -> bool {
    let Ok(formatted) = charter::fmt::format_source(text) else {
        return false;
    };
    let context = || format!("--- input\n{text:?}\n--- formatted\n{formatted:?}");
    let again = charter::fmt::format_source(&formatted);
    assert!(
        again.as_ref() == Ok(&formatted),
        "formatting is not idempotent\n{}\n--- again\n{again:?}",
        context()
    );
    assert!(
        comments(text) == comments(&formatted),
        "formatting lost, changed or reordered a comment\n{}\n--- comments before\n{:?}\n--- after\n{:?}",
        context(),
        comments(text),
        comments(&formatted)
    );
    let (before, _) = syntax::parse(FileId(0), text);
    let (after, diagnostics) = syntax::parse(FileId(0), &formatted);
    assert!(diagnostics.is_empty(), "the formatted text does not parse: {diagnostics:?}\n{}", context());
    assert!(before == after, "formatting changed the tree\n{}", context());
    true
}

/// The text of every `//` comment, in order, without trailing whitespace and with `///`
/// read as `//` (inside an expression `a ///c` is a division and the comment `//c`; doc
/// comments are compared through the tree). Strings and `"""` text blocks are skipped.
pub fn comments(text: &str) -> Vec<String> {
    scan(text).0
}

/// The comments of a text (as [`comments`]) and the byte ranges of its `"""` text blocks,
/// where trailing whitespace is content. `tests/fmt.rs` includes this file for both.
pub fn scan(text: &str) -> (Vec<String>, Vec<std::ops::Range<usize>>) {
    let bytes = text.as_bytes();
    let at = |index: usize| bytes.get(index).copied().unwrap_or(0);
    let starts =
        |index: usize, prefix: &[u8]| bytes.get(index..).is_some_and(|rest| rest.starts_with(prefix));
    let mut found = Vec::new();
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if starts(index, b"\"\"\"") {
            let start = index;
            index += 3;
            while index < bytes.len() && !starts(index, b"\"\"\"") {
                index += if at(index) == b'\\' { 2 } else { 1 };
            }
            index += 3;
            blocks.push(start..index.min(bytes.len()));
        } else if at(index) == b'"' {
            index += 1;
            // A lone `\r` ends a line like `\n` (LANGUAGE.md §2).
            while index < bytes.len() && at(index) != b'"' && !matches!(at(index), b'\n' | b'\r') {
                index += if at(index) == b'\\' { 2 } else { 1 };
            }
            index += 1;
        } else if starts(index, b"//") {
            let rest = text.get(index..).unwrap_or_default();
            // `\r`, `\n` and `\r\n` all end a line, and so a comment (LANGUAGE.md §1).
            let end = rest.find(['\n', '\r']).map_or(text.len(), |offset| index + offset);
            let comment = text.get(index..end).unwrap_or_default().trim_end();
            found.push(
                comment
                    .strip_prefix('/')
                    .filter(|rest| rest.starts_with("//"))
                    .unwrap_or(comment)
                    .to_string(),
            );
            index = end;
        } else {
            index += 1;
        }
    }
    (found, blocks)
}

/// Loads `text` as the one file of an in-memory workspace, with the std library when
/// `std`, checks it and renders the findings as a user sees them (human, short and JSON).
/// Every `use`d file reads as empty, so that no input ever reaches the disk. Returns the
/// number of findings.
pub fn check_one_file(text: &str, std: bool) -> usize {
    let root = PathBuf::from("/charter-fuzz");
    let texts = vec![(root.join("input.charter"), text.to_string())];
    let mut config = Config::default();
    config.check.std = std;
    let workspace = Workspace::from_texts(root, config, texts, &|_| Some(String::new()));
    let findings = charter::check(&workspace, today());
    let sources = &workspace.sources;
    let _ = charter::render::human::render(sources, &findings, false);
    let _ = charter::render::short::render(sources, &findings);
    let _ = charter::render::json::render(sources, &findings, charter::totals(&workspace));
    findings.len()
}
