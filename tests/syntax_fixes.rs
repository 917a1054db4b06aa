//! A catalogue of common syntax mistakes: one fixture per mistake in
//! `tests/fixtures/syntax_fixes/`, each snapshotted with its source, the human rendering
//! of its `charter::syntax` diagnostics (colors off) and the fix a quick fix would apply.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::string_slice)]

use charter::diagnostic::{BuiltinCode, Code};
use charter::render::human;
use charter::source::{SourceFile, SourceMap};
use std::fmt::Write;

fn numbered(source: &str) -> String {
    let mut out = String::new();
    for (index, line) in source.lines().enumerate() {
        let _ = writeln!(out, "{:>3} | {line}", index + 1);
    }
    out
}

/// The fixture's text with every fix applied, edits from the last to the first.
fn applied(source: &str, edits: &[(usize, usize, &str)]) -> String {
    let mut text = source.to_owned();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.0));
    for (start, end, replacement) in edits {
        text.replace_range(start..end, replacement);
    }
    text
}

#[test]
fn every_syntax_error_names_the_fix() {
    insta::glob!("fixtures/syntax_fixes/*.charter", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(path.to_path_buf(), name, source.as_str()));
        let (_, diagnostics) = charter::syntax::parse(file, &source);
        assert!(!diagnostics.is_empty(), "{} parses without an error", path.display());
        assert!(diagnostics.iter().all(|diagnostic| diagnostic.code == Code::Builtin(BuiltinCode::Syntax)));
        let mut fixes = String::new();
        let mut edits = Vec::new();
        for diagnostic in &diagnostics {
            let Some(fix) = &diagnostic.fix else { continue };
            let _ = writeln!(fixes, "{}", fix.title);
            for edit in &fix.edits {
                let range = edit.span.range();
                let _ = writeln!(fixes, "  {:?} -> {:?}", &source[range.clone()], edit.replacement);
                edits.push((range.start, range.end, edit.replacement.as_str()));
            }
        }
        let mut snapshot = format!(
            "--- source\n{}--- human\n{}",
            numbered(&source),
            human::render(&sources, &diagnostics, false)
        );
        if !edits.is_empty() {
            let fixed = applied(&source, &edits);
            let (_, after) = charter::syntax::parse(file, &fixed);
            let _ = write!(
                snapshot,
                "--- fix\n{fixes}--- fixed ({})\n{}",
                if after.is_empty() { "parses" } else { "still broken" },
                numbered(&fixed)
            );
        }
        insta::assert_snapshot!(snapshot);
    });
}
