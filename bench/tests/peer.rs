//! The Rego peer flags exactly the (rule, entity) pairs that Charter reports for the 8 std
//! rules it implements: on a synthetic portfolio, and on a fixture of edge cases that makes
//! every rule flag something. `bench/run` checks the same at every measured size.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

use charter_bench::{Pair, RULES, TODAY, charter_pairs, lines, peer, write_portfolio};

/// Charter's pairs (through the JSON `charter check --format json` prints) and the peer's
/// (over the JSON `charter export` prints), for the workspace in `directory`. The peer
/// flags the same over the lean cut of that JSON that `bench/run` times.
fn both(directory: &Path) -> (BTreeSet<Pair>, BTreeSet<Pair>) {
    let workspace = charter::load(&[directory.to_path_buf()]).unwrap();
    let today: jiff::civil::Date = TODAY.parse().unwrap();
    let findings = charter::check(&workspace, today);
    let check = charter::render::json::render(&workspace.sources, &findings, charter::totals(&workspace));
    let export = charter::render::export::render(&workspace);
    let full = peer::flagged(&export, TODAY).unwrap();
    let lean = peer::lean(&export).unwrap();
    assert!(lean.len() * 3 < export.len(), "the lean input is a cut: {} of {} bytes", lean.len(), export.len());
    assert_eq!(lines(&full), lines(&peer::flagged(&lean, TODAY).unwrap()), "lean and full inputs differ");
    (charter_pairs(&check).unwrap(), full)
}

#[test]
fn the_peer_agrees_with_charter_on_a_synthetic_portfolio() {
    let directory = tempfile::tempdir().unwrap();
    write_portfolio(200, directory.path()).unwrap();
    let (charter, peer) = both(directory.path());
    assert!(charter.len() > 20, "the portfolio gives the rules work: {} pairs", charter.len());
    assert_eq!(lines(&charter), lines(&peer));
}

#[test]
fn the_peer_agrees_with_charter_on_edge_cases() {
    let (charter, peer) = both(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edges"));
    assert_eq!(lines(&charter), lines(&peer));
    for rule in RULES {
        assert!(charter.iter().any(|(flagged, _)| flagged == rule), "no `{rule}` finding in the fixture");
    }
}

#[test]
fn the_same_size_writes_the_same_bytes() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_portfolio(300, first.path()).unwrap();
    write_portfolio(300, second.path()).unwrap();
    let read = |root: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = ignore::Walk::new(root)
            .filter_map(Result::ok)
            .filter(|entry| entry.path().is_file())
            .map(|entry| {
                let name = entry.path().strip_prefix(root).unwrap().display().to_string();
                (name, std::fs::read(entry.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let files = read(first.path());
    assert!(files.iter().any(|(name, _)| name == "charter.toml"));
    assert_eq!(files, read(second.path()));
}
