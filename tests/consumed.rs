//! A workspace whose entity trees resolution consumes (`Workspace::from_inputs_consumed`,
//! what `charter check` builds) has exactly the portfolio, findings and check of one that
//! keeps them, for the examples, the diagnostic fixtures and a generated portfolio; and it
//! keeps every tree but the entities'.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use charter::model::{Workspace, parse_afresh};
use charter::syntax::ast;

/// Builds the workspace at `root` both ways and compares them; returns how many entities
/// it has.
fn assert_consumed_agrees(root: &Path) -> usize {
    let kept = Workspace::from_inputs(Workspace::inputs(&[root.to_path_buf()]).unwrap(), &parse_afresh);
    let consumed = Workspace::from_inputs_consumed(
        Workspace::inputs(&[root.to_path_buf()]).unwrap(),
        &parse_afresh,
        &mut || {},
    );
    let context = root.display();
    assert_eq!(
        format!("{:#?}", consumed.portfolio),
        format!("{:#?}", kept.portfolio),
        "{context}: portfolios differ"
    );
    assert_eq!(
        format!("{:#?}", consumed.diagnostics),
        format!("{:#?}", kept.diagnostics),
        "{context}: findings differ"
    );
    let today = jiff::civil::date(2026, 11, 26);
    assert_eq!(
        format!("{:#?}", charter::check(&consumed, today)),
        format!("{:#?}", charter::check(&kept, today)),
        "{context}: checks differ"
    );
    // What remains of each tree is the tree without its entities.
    assert_eq!(consumed.files.len(), kept.files.len());
    for (consumed, kept) in consumed.files.iter().zip(&kept.files) {
        let others: Vec<&ast::Item> =
            kept.ast.items.iter().filter(|item| !matches!(item, ast::Item::Entity(_))).collect();
        assert_eq!(consumed.ast.items.iter().collect::<Vec<_>>(), others, "{context}: a tree differs");
    }
    kept.portfolio.entities().count()
}

fn in_repository(directory: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(directory)
}

#[test]
fn acme() {
    assert!(assert_consumed_agrees(&in_repository("examples/acme")) > 20);
}

#[test]
fn broken() {
    assert!(assert_consumed_agrees(&in_repository("examples/broken")) > 5);
}

#[test]
fn diagnostic_fixtures() {
    assert!(assert_consumed_agrees(&in_repository("tests/fixtures/diagnostics")) > 5);
}

#[test]
fn generated_portfolio() {
    let directory = tempfile::tempdir().unwrap();
    for (name, text) in charter::synth::portfolio(300) {
        let path = directory.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    assert!(assert_consumed_agrees(directory.path()) > 1000);
}

/// One file declaring thousands of entities is lowered in parts.
#[test]
fn one_large_file() {
    let directory = tempfile::tempdir().unwrap();
    let text: String = charter::synth::portfolio(600)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".charter"))
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(directory.path().join("all.charter"), text).unwrap();
    assert!(assert_consumed_agrees(directory.path()) > 2000);
}
