//! Built-in diagnostics: one fixture per finding in `tests/fixtures/diagnostics/`, each
//! snapshotted with its source, the human rendering (colors off) and the JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use charter::Workspace;
use charter::render::{human, json};
use std::fmt::Write;

fn numbered(source: &str) -> String {
    let mut out = String::new();
    for (index, line) in source.lines().enumerate() {
        let _ = writeln!(out, "{:>3} | {line}", index + 1);
    }
    out
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 26)
}

#[test]
fn builtin_diagnostics() {
    insta::glob!("fixtures/diagnostics/*.charter", |path| {
        let workspace = Workspace::load_exactly(&[path.to_path_buf()]).unwrap();
        let findings = charter::check(&workspace, today());
        assert!(!findings.is_empty(), "{} reports nothing", path.display());
        let source = std::fs::read_to_string(path).unwrap();
        let snapshot = format!(
            "--- source\n{}--- human\n{}--- json\n{}",
            numbered(&source),
            human::render(&workspace.sources, &findings, false),
            json::render(&workspace.sources, &findings, charter::totals(&workspace)),
        );
        insta::assert_snapshot!(snapshot);
    });
}

/// A clean file reports nothing, so the fixtures above show only what they mean to.
#[test]
fn clean_portfolio_has_no_builtin_findings() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("charter.toml"), "[check]\nstd = false\n").unwrap();
    std::fs::write(
        directory.path().join("portfolio.charter"),
        r#"
person alice "Alice Chen" { executive: true }
objective grow "Grow" { owner: alice, measured_by: [conversion] }
metric conversion "Conversion" { owner: alice, direction: increase, baseline: 2% @ 2026-01-01, target: 3% @ 2027-01-01 }
project checkout "Checkout" { sponsor: alice, supports: [grow], kpis: [conversion], budget: 1.2M USD
  milestone beta "Beta" { date: 2026-05-01, status: done, reviews: [conversion] }
}
"#,
    )
    .unwrap();
    let workspace = Workspace::load(&[directory.path().to_path_buf()]).unwrap();
    let findings = charter::check(&workspace, today());
    assert_eq!(findings, vec![]);
}
