//! Every `.charter` file in the repository parses without an `ERROR` or `MISSING` node,
//! except the fixtures that are syntax errors on purpose.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

/// Files that `charter check` reports as `charter::syntax` on purpose: the tree-sitter
/// grammar must reject them too, so each must hold at least one error node.
const DELIBERATELY_BROKEN: &[&str] = &[
    "examples/broken/syntax.charter",
    "examples/broken/syntax_multiple.charter",
    "tests/fixtures/ci/portfolio/unsorted.charter",
    "tests/fixtures/diagnostics/syntax.charter",
    "tests/fixtures/diagnostics/syntax_multiple.charter",
    "tests/fixtures/hostile/inputs/cr_ends_a_string.charter",
    "tests/fixtures/hostile/inputs/cr_recovery.charter",
    "lsp/editors/vscode/tests/grammar/unclosed_rule.charter",
    "tests/fixtures/cascade/broken_objective/strategy.charter",
    // Not a syntax error to Charter, whose parser reads a template as a string and reports
    // an unclosed `{` in it as a rule_error when the rule compiles; this grammar parses
    // templates, so the `{` is an ERROR here.
    "lsp/editors/vscode/tests/grammar/strings.charter",
];

/// Directories whose every `.charter` file is a syntax error on purpose: the catalogue of
/// mistakes whose diagnostics `tests/syntax_fixes.rs` snapshots.
const BROKEN_DIRECTORIES: &[&str] = &["tests/fixtures/syntax_fixes/"];

/// Syntax errors to Charter that this grammar accepts, as docs/editors.md's "known
/// differences" say: a literal (`true`, `none`) used as an id.
const ACCEPTED_HERE: &[&str] = &["tests/fixtures/syntax_fixes/reserved_word_as_id.charter"];

/// Directories that hold no sources of the repository: build output, dependencies,
/// fuzzing state.
const SKIPPED_DIRECTORIES: &[&str] = &["target", "node_modules", "corpus", "artifacts"];

fn repository_root() -> PathBuf {
    // This crate lives in `lsp/editors/tree-sitter-charter`.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn charter_files(directory: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRECTORIES.contains(&name.as_str()) {
                charter_files(&path, found);
            }
        } else if kind.is_file() && name.ends_with(".charter") {
            found.push(path);
        }
    }
}

/// The first `ERROR` or `MISSING` node in document order, as `line:column` (1-based)
/// and a description.
fn first_error(node: tree_sitter::Node<'_>) -> Option<String> {
    if !node.has_error() {
        return None;
    }
    if node.is_error() || node.is_missing() {
        let position = node.start_position();
        let what = if node.is_missing() { format!("MISSING {}", node.kind()) } else { "ERROR".to_owned() };
        return Some(format!("{}:{}: {what}", position.row + 1, position.column + 1));
    }
    let mut cursor = node.walk();
    let children: Vec<_> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error)
}

fn parse(source: &[u8]) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_charter::LANGUAGE.into()).unwrap();
    parser.parse(source, None).unwrap()
}

#[test]
fn every_charter_file_in_the_repository_parses() {
    let root = repository_root();
    let mut files = Vec::new();
    charter_files(&root, &mut files);
    files.sort();
    assert!(files.len() > 50, "found only {} .charter files under {}", files.len(), root.display());

    let mut failures = Vec::new();
    let mut broken_seen = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        let relative = relative.to_string_lossy().replace('\\', "/");
        let source = std::fs::read(file).unwrap();
        let error = first_error(parse(&source).root_node());
        if ACCEPTED_HERE.contains(&relative.as_str()) {
            continue;
        }
        let broken = DELIBERATELY_BROKEN.contains(&relative.as_str())
            || BROKEN_DIRECTORIES.iter().any(|directory| relative.starts_with(directory));
        match (error, broken) {
            (Some(error), false) => failures.push(format!("{relative}:{error}")),
            (None, true) => failures
                .push(format!("{relative}: parses without error, but it is listed as broken on purpose")),
            (Some(_), true) => broken_seen.push(relative),
            (None, false) => {}
        }
    }
    for broken in DELIBERATELY_BROKEN {
        if !broken_seen.iter().any(|seen| seen == broken)
            && !failures.iter().any(|failure| failure.starts_with(broken))
        {
            failures.push(format!("{broken}: listed as deliberately broken but not found"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} .charter files do not parse as `charter check` does (a file that is a \
         syntax error on purpose belongs in DELIBERATELY_BROKEN):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
